"""Validation verdicts: what the local validator returns and what the gateway sends back.

These mirror the gateway's wire names exactly (``field``, ``message``, ``kind``) so a
local result and a gateway result compare equal and print the same way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Mapping, Sequence, Union

from .._frozenlist import EMPTY, FrozenList, freeze_fields

__all__ = [
    "BatchRecordViolation",
    "BatchValidationResult",
    "ValidationResult",
    "Violation",
    "ViolationKind",
]


class ViolationKind(str, enum.Enum):
    """The gateway's violation kinds (snake_case on the wire).

    The set is open: a newer gateway may send a kind this SDK does not know. Decoding
    keeps such a kind as a plain ``str`` (see :meth:`parse`) instead of failing after the
    gateway has already stored the batch (the v0.1 SDK raised ``ValueError`` there).
    """

    MISSING_REQUIRED_FIELD = "missing_required_field"
    TYPE_MISMATCH = "type_mismatch"
    PATTERN_MISMATCH = "pattern_mismatch"
    ENUM_VIOLATION = "enum_violation"
    RANGE_VIOLATION = "range_violation"
    LENGTH_VIOLATION = "length_violation"
    METRIC_RANGE_VIOLATION = "metric_range_violation"
    UNKNOWN_FIELD = "unknown_field"
    UNDECLARED_FIELD = "undeclared_field"
    LEAKAGE_VIOLATION = "leakage_violation"
    COMPLETENESS_VIOLATION = "completeness_violation"
    FRESHNESS_VIOLATION = "freshness_violation"
    UNIQUENESS_VIOLATION = "uniqueness_violation"

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return repr(self.value)

    @classmethod
    def parse(cls, value: str) -> Union[ViolationKind, str]:
        """Return the member for ``value``, or ``value`` itself if this SDK does not know it."""
        try:
            return _KIND_BY_VALUE[value]
        except KeyError:
            return value


_KIND_BY_VALUE = {k.value: k for k in ViolationKind}


@dataclass(frozen=True)
class Violation:
    """One broken rule: ``field`` is the dotted path, ``kind`` the rule, ``message`` the
    gateway's exact text."""

    field: str
    message: str
    kind: Union[ViolationKind, str]

    def __repr__(self) -> str:
        return f"Violation(field={self.field!r}, kind={str(self.kind)!r}, message={self.message!r})"

    def to_dict(self) -> dict[str, str]:
        """The wire form, in the gateway's key order."""
        return {"field": self.field, "message": self.message, "kind": str(self.kind)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Violation:
        return cls(
            field=str(raw.get("field", "")),
            message=str(raw.get("message", "")),
            kind=ViolationKind.parse(str(raw.get("kind", ""))),
        )


@dataclass(frozen=True)
class ValidationResult:
    """The verdict for one event. ``passed`` is true exactly when ``violations`` is empty.

    ``validation_us`` is wall-clock microseconds, truncated (often 0); it is informational
    and excluded from equality so two verdicts compare by what they say.
    """

    passed: bool
    violations: Sequence[Violation] = EMPTY
    validation_us: int = 0

    def __post_init__(self) -> None:
        if type(self.violations) is not FrozenList:
            freeze_fields(self, "violations")

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ValidationResult:
        """The wire form (``{"passed": …, "violations": […], "validation_us": …}``)."""
        items = raw.get("violations")
        violations = FrozenList(
            Violation.from_dict(v) for v in (items if isinstance(items, list) else ())
            if isinstance(v, Mapping)
        )
        us = raw.get("validation_us")
        return cls(
            passed=raw.get("passed") is True,
            violations=violations,
            validation_us=us if isinstance(us, int) and not isinstance(us, bool) else 0,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ValidationResult):
            return NotImplemented
        return self.passed == other.passed and self.violations == other.violations

    def __hash__(self) -> int:
        return hash((self.passed, self.violations))

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        if self.passed:
            return "ValidationResult(passed=True)"
        inner = ", ".join(repr(v) for v in self.violations)
        return f"ValidationResult(passed=False, violations=[{inner}])"

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "violations": [v.to_dict() for v in self.violations],
            "validation_us": self.validation_us,
        }


@dataclass(frozen=True)
class BatchRecordViolation:
    """A violation inside an envelope batch, tagged with the record it belongs to."""

    record_index: int
    field: str
    message: str
    kind: Union[ViolationKind, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_index": self.record_index,
            "field": self.field,
            "message": self.message,
            "kind": str(self.kind),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> BatchRecordViolation:
        return cls(
            record_index=int(raw.get("record_index", 0)),
            field=str(raw.get("field", "")),
            message=str(raw.get("message", "")),
            kind=ViolationKind.parse(str(raw.get("kind", ""))),
        )


@dataclass(frozen=True)
class BatchValidationResult:
    """The verdict for an envelope batch (RFC-038): counts plus record-tagged violations."""

    passed: int
    quarantined: int
    violations: Sequence[BatchRecordViolation] = EMPTY
    validation_us: int = 0

    def __post_init__(self) -> None:
        if type(self.violations) is not FrozenList:
            freeze_fields(self, "violations")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BatchValidationResult):
            return NotImplemented
        return (self.passed, self.quarantined, self.violations) == (
            other.passed,
            other.quarantined,
            other.violations,
        )

    def __hash__(self) -> int:
        return hash((self.passed, self.quarantined, self.violations))

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "quarantined": self.quarantined,
            "violations": [v.to_dict() for v in self.violations],
            "validation_us": self.validation_us,
        }
