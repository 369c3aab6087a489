"""contractgate: the Python SDK for the ContractGate data-contract ingest gateway.

Importing the package is cheap: the validator names load on first use and the HTTP
clients (which need httpx) load only when you touch ``Client``/``AsyncClient``, so a
pre-commit hook that validates fixtures never imports httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._exceptions import ContractCompileError, ContractGateError, SDKError
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
    "QualityRule": ".contract",
    "QualityRuleType": ".contract",
    "EnvelopeConfig": ".contract",
    "EgressLeakageMode": ".contract",
    # compiled validator
    "CompiledContract": "._compiler",
    "EventDecodeError": "._jsonvalue",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._compiler import CompiledContract
    from ._jsonvalue import EventDecodeError
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
        QualityRule,
        QualityRuleType,
        Transform,
        TransformKind,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'contractgate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "BatchRecordViolation",
    "BatchValidationResult",
    "CompiledContract",
    "Contract",
    "ContractCompileError",
    "ContractGateError",
    "EgressLeakageMode",
    "EnvelopeConfig",
    "EventDecodeError",
    "FieldDefinition",
    "FieldType",
    "GlossaryEntry",
    "MaskStyle",
    "MetricDefinition",
    "MetricType",
    "QualityRule",
    "QualityRuleType",
    "SDKError",
    "Transform",
    "TransformKind",
    "ValidationResult",
    "Violation",
    "ViolationKind",
    "__version__",
]
