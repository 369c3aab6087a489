"""Validation verdicts: what the local validator returns and what the gateway sends back.

These mirror the gateway's wire names exactly (``field``, ``message``, ``kind``) so a
local result and a gateway result compare equal and print the same way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple, Union

from .._frozenlist import EMPTY, FrozenList, freeze_fields

__all__ = [
    "BatchRecordViolation",
    "BatchValidationResult",
    "ValidationResult",
    "Violation",
    "ViolationKind",
    "pending_result",
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
_new_object = object.__new__


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


#: A violation not built yet: ``(make, field, value)``; ``make(field, value)`` returns it.
#: ``value`` is immutable (a ``str``, ``int``, ``float`` or None), so building it later
#: gives the violation building it now would have given.
PendingViolation = Tuple[Callable[[str, Any], Violation], str, Any]


@dataclass(frozen=True)
class ValidationResult:
    """The verdict for one event. ``passed`` is true exactly when ``violations`` is empty.

    ``validation_us`` is wall-clock microseconds, truncated (often 0); it is informational
    and excluded from equality so two verdicts compare by what they say.

    The compiled validator returns failing results whose violations are built, messages
    and all, when ``violations`` is first read (:func:`pending_result`): a bulk
    validation often only counts failures. The attribute, equality, hash, repr and
    pickles are those of an eagerly built result.
    """

    passed: bool
    violations: Sequence[Violation] = EMPTY
    validation_us: int = 0

    def __post_init__(self) -> None:
        if type(self.violations) is not FrozenList:
            freeze_fields(self, "violations")

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.passed, self.violations, self.validation_us))

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


class _PendingViolations:
    """``ValidationResult.violations`` when the instance has none yet (a non-data
    descriptor: an instance's own ``violations`` wins): builds them from ``_pending``,
    once; on the class it is the field's default, as before."""

    def __get__(self, obj: Optional[ValidationResult], cls: Any = None) -> Sequence[Violation]:
        if obj is None:
            return EMPTY
        d = obj.__dict__
        pending = d.get("_pending")
        if pending is None:  # built by another thread meanwhile
            built: Sequence[Violation] = d["violations"]
            return built
        items: List[Violation] = []
        add = items.append
        for v in pending:
            add(v if type(v) is Violation else v[0](v[1], v[2]))
        built = d.setdefault("violations", FrozenList(items))  # concurrent readers: one list
        d.pop("_pending", None)
        return built


# Installed after @dataclass has read the field's default (EMPTY) for __init__.
ValidationResult.violations = _PendingViolations()  # type: ignore[assignment]


def pending_result(items: List[Union[Violation, PendingViolation]]) -> ValidationResult:
    """A failing :class:`ValidationResult` whose ``violations`` are ``items``, each a
    :class:`Violation` or a :data:`PendingViolation`, built when first read. ``items``
    must not be empty and belongs to the result from now on. (No ``__init__``: the
    generated validator calls this once per failing event.)"""
    r = _new_object(ValidationResult)
    d = r.__dict__
    d["passed"] = False
    d["_pending"] = items
    return r


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
