"""The value types of a contract diff: :class:`ContractDiff`, its :class:`ContractChange`
items with a per-side :class:`Impact`, probe :class:`Evidence`, and :func:`version_bump`.

:mod:`.diff` computes a diff; this module holds what it returns, and
:meth:`ContractDiff.probe`, which decides undecided changes by running events through
both compiled versions.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from .._frozenlist import EMPTY, FrozenList, freeze_fields
from . import messages as M
from .values.eventvalues import render_value
from .values.render import render_f64

if TYPE_CHECKING:  # pragma: no cover
    from .compiler import CompiledContract

__all__ = ["ChangeKind", "ContractChange", "ContractDiff", "Evidence", "Impact", "version_bump"]


class ChangeKind(str, enum.Enum):
    """The gateway's change kinds (same names and values)."""

    FIELD_ADDED = "field_added"
    FIELD_REMOVED = "field_removed"
    TYPE_CHANGED = "type_changed"
    REQUIRED_CHANGED = "required_changed"
    ENUM_VALUE_ADDED = "enum_value_added"
    ENUM_VALUE_REMOVED = "enum_value_removed"
    PATTERN_CHANGED = "pattern_changed"
    CONSTRAINT_CHANGED = "constraint_changed"

    def __str__(self) -> str:
        return str(self.value)


class Impact(str, enum.Enum):
    """A change's effect on one side: ``none``, ``breaking`` or ``unknown``."""

    NONE = "none"
    BREAKING = "breaking"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return str(self.value)


N, B, U = Impact.NONE, Impact.BREAKING, Impact.UNKNOWN


@dataclass(frozen=True)
class Evidence:
    """An event whose verdict differs between the two versions. ``violations`` are the
    failing side's, as ``field: message [kind]``."""

    label: str
    before_passed: bool
    after_passed: bool
    violations: Sequence[str] = EMPTY

    def __post_init__(self) -> None:
        freeze_fields(self, "violations")

    @property
    def now_fails(self) -> bool:
        """Accepted by the old contract, rejected by the new one (a producer break)."""
        return self.before_passed and not self.after_passed

    def to_dict(self) -> Dict[str, Any]:
        return {
            "label": self.label,
            "before_passed": self.before_passed,
            "after_passed": self.after_passed,
            "violations": list(self.violations),
        }


@dataclass(frozen=True)
class ContractChange:
    """One change. ``path`` is the field path (``customer.id``; ``items[]`` for array
    elements; empty for contract-wide settings); ``constraint`` names what changed for
    ``constraint_changed`` (``min``, ``max_length``, ``compliance_mode``, ``metric
    order_total max``…). ``before``/``after`` are the values (``None`` when absent)."""

    kind: ChangeKind
    path: str
    before: Any = None
    after: Any = None
    constraint: Optional[str] = None
    producers: Impact = Impact.NONE
    consumers: Impact = Impact.NONE
    reason: str = ""
    evidence: Sequence[Evidence] = EMPTY

    def __post_init__(self) -> None:
        freeze_fields(self, "evidence")

    @property
    def breaking(self) -> bool:
        return B in (self.producers, self.consumers)

    @property
    def unknown(self) -> bool:
        return U in (self.producers, self.consumers)

    @property
    def subject(self) -> str:
        """What changed, for people: the path, with the constraint when there is one."""
        if self.constraint and self.path:
            return f"{self.path} ({self.constraint})"
        return self.constraint or self.path or "(contract)"

    def describe(self) -> str:
        """``before -> after`` in the contract's terms."""
        if self.kind in (ChangeKind.ENUM_VALUE_ADDED, ChangeKind.ENUM_VALUE_REMOVED):
            return render_value(self.after if self.before is None else self.before)
        return f"{show_value(self.before)} -> {show_value(self.after)}"

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": self.kind.value,
            "path": self.path,
            "constraint": self.constraint,
            "before": _jsonable(self.before),
            "after": _jsonable(self.after),
            "producers": self.producers.value,
            "consumers": self.consumers.value,
            "reason": self.reason,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True)
class ContractDiff:
    """The changes from one contract version to another, in walk order."""

    old_name: str
    new_name: str
    old_version: str
    new_version: str
    changes: Sequence[ContractChange] = EMPTY
    #: events run through both versions by :meth:`probe`, and those whose verdict flipped
    probed: int = 0
    evidence: Sequence[Evidence] = EMPTY

    def __post_init__(self) -> None:
        freeze_fields(self, "changes", "evidence")

    def __len__(self) -> int:
        return len(self.changes)

    def __iter__(self) -> Iterator[ContractChange]:
        return iter(self.changes)

    @property
    def breaks_producers(self) -> bool:
        return any(c.producers is B for c in self.changes) or any(
            e.now_fails for e in self.evidence
        )

    @property
    def breaks_consumers(self) -> bool:
        return any(c.consumers is B for c in self.changes) or any(
            not e.now_fails for e in self.evidence
        )

    @property
    def breaking(self) -> bool:
        return self.breaks_producers or self.breaks_consumers

    @property
    def unknown(self) -> List[ContractChange]:
        """Changes whose effect on a side is still undecided."""
        return [c for c in self.changes if c.unknown]

    @property
    def now_failing(self) -> List[Evidence]:
        """Probed events the old contract accepted and the new one rejects."""
        return [e for e in self.evidence if e.now_fails]

    @property
    def bump(self) -> Optional[str]:
        """The version step, see :func:`version_bump`."""
        return version_bump(self.old_version, self.new_version)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "old": {"name": self.old_name, "version": self.old_version},
            "new": {"name": self.new_name, "version": self.new_version},
            "bump": self.bump,
            "breaks_producers": self.breaks_producers,
            "breaks_consumers": self.breaks_consumers,
            "changes": [c.to_dict() for c in self.changes],
            "probed": self.probed,
            "evidence": [e.to_dict() for e in self.evidence],
        }

    def probe(
        self,
        old: CompiledContract,
        new: CompiledContract,
        events: Iterable[Tuple[str, Any]],
    ) -> ContractDiff:
        """Run ``(label, event)`` pairs through both compiled versions. An event whose
        verdict flips is evidence: the changes its violations point at become breaking
        on that side (``unknown`` is decided; a static verdict gains an example). Events
        no change explains still count (``evidence``)."""
        changes = list(self.changes)
        found: List[Evidence] = list(self.evidence)
        count = self.probed
        for label, event in events:
            count += 1
            before = _verdict(old, event)
            after = _verdict(new, event)
            if (before is None) == (after is None):
                continue
            failing = after if before is None else before
            assert failing is not None
            ev = Evidence(
                label,
                before is None,
                after is None,
                FrozenList(f"{f}: {m} [{k}]" for f, m, k in failing),
            )
            found.append(ev)
            for i, c in enumerate(changes):
                if any(_explains(c, *v) for v in failing):
                    evidence = FrozenList((*c.evidence, ev))
                    if ev.now_fails:
                        changes[i] = replace(c, producers=B, evidence=evidence)
                    else:
                        changes[i] = replace(c, consumers=B, evidence=evidence)
        return replace(self, changes=FrozenList(changes), probed=count, evidence=FrozenList(found))


# --------------------------------------------------------------------------------------
# version steps


_SEMVER = re.compile(r"([vV]?)([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([^+]*))?(?:\+.*)?")


def parse_version(text: str) -> Optional[Tuple[str, Tuple[int, int, int], Optional[str]]]:
    """(``v`` prefix or "", (major, minor, patch), pre-release or None) of a version
    number (``1`` and ``1.2`` read as ``1.0.0``, ``1.2.0``; build metadata ignored), or
    None when ``text`` is not one. The one reading of versions for steps and advice."""
    m = _SEMVER.fullmatch(text.strip())
    if m is None:
        return None
    numbers = (int(m.group(2)), int(m.group(3) or 0), int(m.group(4) or 0))
    return m.group(1), numbers, m.group(5)


def version_bump(old: str, new: str) -> Optional[str]:
    """``major``, ``minor``, ``patch``, ``prerelease`` (same numbers, a later pre-release
    or the release itself), ``none`` (the same version: same text, or the same numbers
    and pre-release, build metadata aside) or ``downgrade`` (semver precedence); None
    when either is not a version number (see :func:`parse_version`). Under 1.0.0 a minor
    step counts as major and a patch step as minor, as semver's 0.y.z allows any
    change."""
    if old == new:
        return "none"
    a, b = parse_version(old), parse_version(new)
    if a is None or b is None:
        return None
    (_, va, pre_a), (_, vb, pre_b) = a, b
    if vb < va:
        return "downgrade"
    if vb == va:
        pa, pb = _prerelease_key(pre_a), _prerelease_key(pre_b)
        return "none" if pa == pb else "downgrade" if pb < pa else "prerelease"
    steps = ("major", "minor", "patch")
    first = next(i for i in range(3) if va[i] != vb[i])
    if va[0] == 0 and vb[0] == 0 and first > 0:
        first -= 1
    return steps[first]


def _prerelease_key(pre: Optional[str]) -> Tuple[Any, ...]:
    """Semver precedence among versions with the same numbers: a pre-release comes
    before the release; its dot-separated identifiers compare numerically when they are
    digits (which come before the others), else as text."""
    if pre is None:
        return (1,)
    ids = tuple(
        (0, int(p), "") if p.isascii() and p.isdigit() else (1, 0, p) for p in pre.split(".")
    )
    return (0, ids)


def show_value(v: Any) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return render_f64(v)
    if isinstance(v, (list, tuple, dict)):
        return render_value(_jsonable(v))
    return str(v)


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return render_f64(v)
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, enum.Enum):
        return v.value
    return v


# --------------------------------------------------------------------------------------
# probing

Failing = List[Tuple[str, str, str]]
_INDEX = re.compile(r"\[\d+\]")


def _verdict(compiled: CompiledContract, event: Any) -> Optional[Failing]:
    """None when the event passes, else its violations as (field, message, kind)."""
    if compiled.contract.envelope is not None:
        batch = compiled.validate_envelope(event)
        out = [(str(v.field), str(v.message), str(v.kind)) for v in batch.violations]
    else:
        result = compiled.validate(event)
        out = [(str(v.field), str(v.message), str(v.kind)) for v in result.violations]
    return out or None


def norm_path(p: str) -> str:
    return _INDEX.sub("[]", p)


#: the violation kinds each change kind (or constraint) can cause
_KINDS: Dict[str, Tuple[str, ...]] = {
    "type_changed": ("type_mismatch", "pattern_mismatch"),
    "required_changed": ("missing_required_field",),
    "pattern_changed": ("pattern_mismatch",),
    "enum_value_added": ("enum_violation",),
    "enum_value_removed": ("enum_violation",),
    "enum": ("enum_violation",),
    "min": ("range_violation",),
    "max": ("range_violation",),
    "min_length": ("length_violation",),
    "max_length": ("length_violation",),
    "compliance_mode": ("undeclared_field",),
    "quality completeness": ("completeness_violation",),
    "quality freshness": ("freshness_violation",),
    "quality freshness max_age_seconds": ("freshness_violation",),
    "quality uniqueness": ("uniqueness_violation",),
    "transform": (),
    "egress_leakage_mode": (),
}


#: how the calendar check of ``date`` ends its ``pattern_mismatch`` (a type's, not a pattern's)
_CALENDAR = M.DATE.pieces[-1][0]

#: the changes whose verdict covers everything inside the field (nested definitions
#: not listed as changes of their own)
_WHOLE = (ChangeKind.FIELD_ADDED, ChangeKind.FIELD_REMOVED, ChangeKind.TYPE_CHANGED)


def _explains(c: ContractChange, field: str, message: str, kind: str) -> bool:
    """Whether the violation (``field``, ``message``, ``kind``) can come from ``c``."""
    key = c.constraint or c.kind.value
    if key.startswith("metric "):
        kinds: Optional[Tuple[str, ...]] = ("metric_range_violation", "missing_required_field")
    else:
        kinds = _KINDS.get(key) if key in _KINDS else _KINDS.get(c.kind.value)
    if kinds is not None and kind not in kinds:
        return False
    pattern_or_type = c.kind in (ChangeKind.PATTERN_CHANGED, ChangeKind.TYPE_CHANGED)
    if kind == "pattern_mismatch" and pattern_or_type:
        if message.endswith(_CALENDAR) != (c.kind is ChangeKind.TYPE_CHANGED):
            return False
    if c.constraint in ("compliance_mode", "null_as_absent", "envelope"):
        return True
    if c.kind in (ChangeKind.ENUM_VALUE_ADDED, ChangeKind.ENUM_VALUE_REMOVED):
        value = c.after if c.before is None else c.before
        if f" value {render_value(value)} not in allowed set" not in message:
            return False
    f, p = norm_path(field), norm_path(c.path)
    if f == p:
        return True
    # a value inside the field, for the changes that stand for a whole definition (its
    # properties, its elements); a violation at a parent or a sibling is never this one's
    whole = c.kind in _WHOLE or c.constraint == "items"
    return whole and f.startswith((p + ".", p + "["))
