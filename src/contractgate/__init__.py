"""contractgate: the Python SDK for the ContractGate data-contract ingest gateway.

Importing the package is cheap: the validator names load on first use and the HTTP
clients (which need httpx) load only when you touch ``Client``/``AsyncClient``, so a
pre-commit hook that validates fixtures never imports httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._validation.violations import (
    BatchRecordViolation,
    BatchValidationResult,
    ValidationResult,
    Violation,
    ViolationKind,
)
from ._version import __version__
from .exceptions import (
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
    DeployedContractError,
    DeprecatedVersionError,
    EgressRejectedError,
    EventDecodeError,
    EventEncodeError,
    EventTypeError,
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
    StaleContractWarning,
    UnacknowledgedBatch,
    ValidationFailedError,
)
from .exceptions import (
    ConnectionError as ConnectionError,
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
    # compiled validator, datasets
    "CompiledContract": ".contract",
    "ValidationSummary": ".validator",
    "EventOutcome": ".validator",
    # contract diffs
    "ContractDiff": ".contract",
    "ContractChange": ".contract",
    # local gateway (standard library only)
    "LocalGateway": ".gateway",
    # HTTP clients (import httpx on first use)
    "Client": ".client",
    "AsyncClient": ".async_client",
    "RetryPolicy": "._http.request",
    "Pager": "._http.pagination",
    "AsyncPager": "._http.pagination",
    "BatchIngestResponse": ".models",
    "IngestEventResult": ".models",
    "IngestResults": ".models",
    "BatchAck": ".models",
    "RateLimitInfo": ".models",
    "EnvelopeIngestResponse": ".models",
    "EgressResponse": ".models",
    "EgressOutcome": ".models",
    "PlaygroundResult": ".models",
    "ContractSummary": ".models",
    "ContractResponse": ".models",
    "VersionSummary": ".models",
    "VersionResponse": ".models",
    "ContractVersionPointer": ".models",
    "AuditEntry": ".models",
    "QuarantineEntry": ".models",
    "ReplayResponse": ".models",
    "ReplayResult": ".models",
    "ReplayHistoryEntry": ".models",
    "TopLevelReplayResponse": ".models",
    "TopLevelReplayOutcome": ".models",
    "IngestionStats": ".models",
    "Usage": ".models",
    "Health": ".models",
    "Ready": ".models",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._http.pagination import AsyncPager, Pager
    from ._http.request import RetryPolicy
    from .async_client import AsyncClient
    from .client import Client
    from .contract import (
        CompiledContract,
        Contract,
        ContractChange,
        ContractDiff,
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
    from .models import (
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
    from .validator import EventOutcome, ValidationSummary


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'contractgate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


# ConnectionError is v0.1's name (and in v0.1's __all__); it subclasses the builtin, so
# `except ConnectionError` after `from contractgate import *` still catches both.
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
    "ConnectionError",
    "Contract",
    "ContractChange",
    "ContractCompileError",
    "ContractDiff",
    "ContractGateError",
    "ContractResponse",
    "ContractSummary",
    "ContractVersionPointer",
    "DeployedContractError",
    "DeprecatedVersionError",
    "EgressLeakageMode",
    "EgressOutcome",
    "EgressRejectedError",
    "EgressResponse",
    "EnvelopeConfig",
    "EnvelopeIngestResponse",
    "EventDecodeError",
    "EventEncodeError",
    "EventOutcome",
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
    "StaleContractWarning",
    "TopLevelReplayOutcome",
    "TopLevelReplayResponse",
    "Transform",
    "TransformKind",
    "UnacknowledgedBatch",
    "Usage",
    "ValidationFailedError",
    "ValidationResult",
    "ValidationSummary",
    "VersionResponse",
    "VersionSummary",
    "Violation",
    "ViolationKind",
    "__version__",
]
