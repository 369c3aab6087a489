"""contractgate: the Python SDK for the ContractGate data-contract ingest gateway.

Importing the package is cheap: the validator names load on first use and the HTTP
clients (which need httpx) load only when you touch ``Client``/``AsyncClient``, so a
pre-commit hook that validates fixtures never imports httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AtomicRejectedError,
    AuthError,
    BadRequestError,
    ClientTimeoutError,
    ConflictError,
    ContractCompileError,
    ContractGateError,
    DeprecatedVersionError,
    EgressRejectedError,
    EventEncodeError,
    HTTPError,
    IdempotencyConflictError,
    InvalidResponseError,
    NotFoundError,
    PartialIngestError,
    PayloadTooLargeError,
    PlanLimitExceededError,
    RateLimitError,
    RequestTimeoutError,
    SDKError,
    ServerError,
    ServerTimeoutError,
    ValidationFailedError,
)
from ._exceptions import (
    ConnectionError as ConnectionError,
)
from ._version import __version__
from ._violations import (
    BatchRecordViolation,
    BatchValidationResult,
    ValidationResult,
    Violation,
    ViolationKind,
)

# name -> module that defines it (relative to this package); loaded on first access.
_LAZY: dict[str, str] = {
    # contract model
    "Contract": ".contract",
    "FieldDefinition": ".contract",
    "FieldType": ".contract",
    "MetricDefinition": ".contract",
    "MetricType": ".contract",
    "Transform": ".contract",
    "TransformKind": ".contract",
    "MaskStyle": ".contract",
    "GlossaryEntry": ".contract",
    "Ontology": ".contract",
    "QualityRule": ".contract",
    "QualityRuleType": ".contract",
    "EnvelopeConfig": ".contract",
    "EgressLeakageMode": ".contract",
    # compiled validator
    "CompiledContract": "._compiler",
    "EventDecodeError": "._jsonvalue",
    "EventTypeError": "._jsonvalue",
    # local gateway (standard library only)
    "LocalGateway": ".gateway",
    # HTTP clients (import httpx on first use)
    "Client": "._client",
    "AsyncClient": "._async_client",
    "RetryPolicy": "._transport",
    "Pager": "._pagination",
    "AsyncPager": "._pagination",
    "BatchIngestResponse": "._models",
    "IngestEventResult": "._models",
    "IngestResults": "._models",
    "BatchAck": "._models",
    "RateLimitInfo": "._models",
    "EnvelopeIngestResponse": "._models",
    "EgressResponse": "._models",
    "EgressOutcome": "._models",
    "PlaygroundResult": "._models",
    "ContractSummary": "._models",
    "ContractResponse": "._models",
    "VersionSummary": "._models",
    "VersionResponse": "._models",
    "ContractVersionPointer": "._models",
    "AuditEntry": "._models",
    "QuarantineEntry": "._models",
    "ReplayResponse": "._models",
    "ReplayResult": "._models",
    "ReplayHistoryEntry": "._models",
    "TopLevelReplayResponse": "._models",
    "TopLevelReplayOutcome": "._models",
    "IngestionStats": "._models",
    "Usage": "._models",
    "Health": "._models",
    "Ready": "._models",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._async_client import AsyncClient
    from ._client import Client
    from ._compiler import CompiledContract
    from ._jsonvalue import EventDecodeError, EventTypeError
    from ._models import (
        AuditEntry,
        BatchAck,
        BatchIngestResponse,
        ContractResponse,
        ContractSummary,
        ContractVersionPointer,
        EgressOutcome,
        EgressResponse,
        EnvelopeIngestResponse,
        Health,
        IngestEventResult,
        IngestionStats,
        IngestResults,
        PlaygroundResult,
        QuarantineEntry,
        RateLimitInfo,
        Ready,
        ReplayHistoryEntry,
        ReplayResponse,
        ReplayResult,
        TopLevelReplayOutcome,
        TopLevelReplayResponse,
        Usage,
        VersionResponse,
        VersionSummary,
    )
    from ._pagination import AsyncPager, Pager
    from ._transport import RetryPolicy
    from .contract import (
        Contract,
        EgressLeakageMode,
        EnvelopeConfig,
        FieldDefinition,
        FieldType,
        GlossaryEntry,
        MaskStyle,
        MetricDefinition,
        MetricType,
        Ontology,
        QualityRule,
        QualityRuleType,
        Transform,
        TransformKind,
    )
    from .gateway import LocalGateway


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'contractgate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


# ConnectionError (a v0.1 name) is importable but left out of __all__ so that
# `from contractgate import *` does not shadow the builtin.
__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncPager",
    "AtomicRejectedError",
    "AuditEntry",
    "AuthError",
    "BadRequestError",
    "BatchAck",
    "BatchIngestResponse",
    "BatchRecordViolation",
    "BatchValidationResult",
    "Client",
    "ClientTimeoutError",
    "CompiledContract",
    "ConflictError",
    "Contract",
    "ContractCompileError",
    "ContractGateError",
    "ContractResponse",
    "ContractSummary",
    "ContractVersionPointer",
    "DeprecatedVersionError",
    "EgressLeakageMode",
    "EgressOutcome",
    "EgressRejectedError",
    "EgressResponse",
    "EnvelopeConfig",
    "EnvelopeIngestResponse",
    "EventDecodeError",
    "EventEncodeError",
    "EventTypeError",
    "FieldDefinition",
    "FieldType",
    "GlossaryEntry",
    "HTTPError",
    "Health",
    "IdempotencyConflictError",
    "IngestEventResult",
    "IngestResults",
    "IngestionStats",
    "InvalidResponseError",
    "LocalGateway",
    "MaskStyle",
    "MetricDefinition",
    "MetricType",
    "NotFoundError",
    "Ontology",
    "Pager",
    "PartialIngestError",
    "PayloadTooLargeError",
    "PlanLimitExceededError",
    "PlaygroundResult",
    "QualityRule",
    "QualityRuleType",
    "QuarantineEntry",
    "RateLimitError",
    "RateLimitInfo",
    "Ready",
    "ReplayHistoryEntry",
    "ReplayResponse",
    "ReplayResult",
    "RequestTimeoutError",
    "RetryPolicy",
    "SDKError",
    "ServerError",
    "ServerTimeoutError",
    "TopLevelReplayOutcome",
    "TopLevelReplayResponse",
    "Transform",
    "TransformKind",
    "Usage",
    "ValidationFailedError",
    "ValidationResult",
    "VersionResponse",
    "VersionSummary",
    "Violation",
    "ViolationKind",
    "__version__",
]
