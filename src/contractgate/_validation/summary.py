"""ValidationSummary: one mergeable report of many verdicts.

A backfill validates partitions on many workers; each partition reduces its verdicts to
a summary and the engine adds the summaries up (``a + b``, ``sum(parts,
ValidationSummary())``) in whatever tree it likes. Addition is associative and
commutative: counts are sums, and the examples kept per (field, kind) are the N with the
smallest positions under one total order, so every merge order gives the same summary,
equal to the one a single process computes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .values.render import display_width, printable
from .violations import Violation

__all__ = [
    "NOT_JSON_VALUE",
    "PARSE_ERROR",
    "ROOT_FIELD",
    "Example",
    "ValidationSummary",
    "check_count",
    "field_group",
]

#: Kind counted for a raw line the gateway's JSON decoder rejects (SDK-only kind: the
#: gateway answers such a request with a 400 instead of a verdict).
PARSE_ERROR = "parse_error"
#: Kind counted for a Python value that is no JSON value (a ``set``, a ``datetime``, NaN …).
NOT_JSON_VALUE = "not_json_value"
#: The field the engine names for the event as a whole.
ROOT_FIELD = "<root>"

_INDEX = re.compile(r"\[\d+\]")

#: (field group, kind): one row of the summary.
Key = Tuple[str, str]


def is_count(value: object) -> bool:
    """The one rule for counts, positions and example limits: an int >= 0, not a bool."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_count(name: str, value: object) -> None:
    """:func:`is_count`, or a ``ValueError`` naming ``name`` (checked where a caller hands
    one in, so a bad value fails before any work)."""
    if not is_count(value):
        raise ValueError(f"{name} must be an int >= 0, got {value!r}")


def field_group(path: str) -> str:
    """The row a violation's field is counted under: array indexes become ``[*]``
    (``items[3].qty`` -> ``items[*].qty``), so a summary has one row per rule, not one
    per array position. Examples keep the exact path."""
    return _INDEX.sub("[*]", path) if "[" in path else path


@dataclass(frozen=True, order=True)
class Example:
    """One violation kept as an example, at its position (partition, offset). The field
    order is the sort order that decides which examples a merged summary keeps."""

    partition: int
    offset: int
    field: str
    message: str

    def to_dict(self) -> Dict[str, Any]:
        return {
            "partition": self.partition,
            "offset": self.offset,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True)
class ValidationSummary:
    """Totals, violation counts per (field group, kind) and the first examples of each.

    ``counts`` counts violations (an event breaking two rules counts in two rows);
    ``failed`` counts events. ``max_examples`` is how many examples each row keeps;
    ``None`` (the empty ``ValidationSummary()``) takes the other operand's value when
    added, so the empty summary is the identity of ``+``. Adding summaries made with
    different ``max_examples`` is refused: the result would depend on the merge order.
    A summary is checked when it is made: ``total``, ``passed`` and the counts are ints
    >= 0 (not bools), and a row holds at most ``max_examples`` examples, kept in
    position order.
    """

    total: int = 0
    passed: int = 0
    counts: Mapping[Key, int] = field(default_factory=dict)
    examples: Mapping[Key, Tuple[Example, ...]] = field(default_factory=dict)
    max_examples: Optional[int] = None

    def __post_init__(self) -> None:
        n = self.max_examples
        if n is not None:
            check_count("max_examples", n)
        if n is None and any(self.examples.values()):
            raise ValueError("a summary with examples needs max_examples")
        check_count("total", self.total)
        if not (is_count(self.passed) and self.passed <= self.total):
            raise ValueError(f"passed={self.passed!r} must lie in 0..total={self.total}")
        counts = dict(self.counts)
        for key, c in counts.items():
            check_count(f"count of {key!r}", c)
        examples = {k: tuple(sorted(v)) for k, v in self.examples.items()}
        for key, ex in examples.items():
            if n is not None and len(ex) > n:
                raise ValueError(f"{len(ex)} examples for {key!r}, more than max_examples={n}")
        object.__setattr__(self, "counts", MappingProxyType(counts))
        object.__setattr__(self, "examples", MappingProxyType(examples))

    # ---- reading
    @property
    def failed(self) -> int:
        return self.total - self.passed

    @property
    def violations(self) -> int:
        """All violations counted (at least ``failed`` when anything failed)."""
        return sum(self.counts.values())

    def rows(self) -> List[Tuple[str, str, int, Tuple[Example, ...]]]:
        """(field group, kind, count, examples), most frequent first, then by name."""
        ordered = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(f, k, n, self.examples.get((f, k), ())) for (f, k), n in ordered]

    @classmethod
    def of(cls, outcomes: Iterable[Any], *, max_examples: int = 5) -> ValidationSummary:
        """The summary of some positioned verdicts: anything with ``partition``,
        ``offset``, ``passed`` and ``violations`` (an ``EventOutcome``)."""
        tally = Tally(max_examples)
        for o in outcomes:
            if o.passed:
                tally.total += 1
                tally.passed += 1
            else:
                tally.add(o.partition, o.offset, o.violations)
        return tally.summary()

    # ---- merging
    def __add__(self, other: object) -> ValidationSummary:
        if not isinstance(other, ValidationSummary):
            return NotImplemented
        n = _merged_limit(self.max_examples, other.max_examples)
        counts = dict(self.counts)
        for key, c in other.counts.items():
            counts[key] = counts.get(key, 0) + c
        examples = dict(self.examples)
        for key, ex in other.examples.items():
            mine = examples.get(key)
            examples[key] = ex if not mine else _smallest(n, (*mine, *ex))
        return ValidationSummary(
            total=self.total + other.total,
            passed=self.passed + other.passed,
            counts=counts,
            examples=examples,
            max_examples=n,
        )

    def __radd__(self, other: object) -> ValidationSummary:
        # sum(summaries) starts from 0
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ValidationSummary):
            return NotImplemented
        return (
            self.total == other.total
            and self.passed == other.passed
            and dict(self.counts) == dict(other.counts)
            and dict(self.examples) == dict(other.examples)
            and self.max_examples == other.max_examples
        )

    def __hash__(self) -> int:
        return hash(
            (self.total, self.passed, tuple(sorted(self.counts.items())), self.max_examples)
        )

    def __reduce__(self) -> Any:
        # MappingProxyType does not pickle; ship plain dicts
        return (
            ValidationSummary,
            (self.total, self.passed, dict(self.counts), dict(self.examples), self.max_examples),
        )

    # ---- output
    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict; rows in :meth:`rows` order. :meth:`from_dict` reads it back."""
        return {
            "total": self.total,
            "passed": self.passed,
            "failed": self.failed,
            "max_examples": self.max_examples,
            "violations": [
                {
                    "field": f,
                    "kind": k,
                    "count": n,
                    "examples": [e.to_dict() for e in ex],
                }
                for f, k, n, ex in self.rows()
            ],
        }

    def to_json(self, *, indent: Optional[int] = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ValidationSummary:
        """Read back what :meth:`to_dict` wrote (``failed`` is derived, not read). Anything
        else (a fractional or bool count, a ``null`` field, a row given twice …) is a
        ``ValueError``, never a coerced value."""
        try:
            counts: Dict[Key, int] = {}
            examples: Dict[Key, Tuple[Example, ...]] = {}
            for row in _mappings(_mapping(raw, "summary").get("violations", []), "violations"):
                key = (_text(row, "field"), _text(row, "kind"))
                if key in counts:
                    raise ValueError(f"row {key!r} given twice")
                counts[key] = row["count"]
                ex = tuple(
                    Example(_position(e, "partition"), _position(e, "offset"),
                            _text(e, "field"), _text(e, "message"))
                    for e in _mappings(row.get("examples", []), "examples")
                )  # fmt: skip
                if ex:
                    examples[key] = ex
            return cls(
                total=raw["total"],
                passed=raw["passed"],
                counts=counts,
                examples=examples,
                max_examples=raw.get("max_examples"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a ValidationSummary dict: {exc}") from None

    def __str__(self) -> str:
        return _render(self)

    def __repr__(self) -> str:
        return (
            f"ValidationSummary(total={self.total}, passed={self.passed}, "
            f"failed={self.failed}, rows={len(self.counts)}, max_examples={self.max_examples})"
        )


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be an object, got {type(value).__name__}")
    return value


def _mappings(value: object, what: str) -> List[Mapping[str, Any]]:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{what} must be an array, got {type(value).__name__}")
    return [_mapping(item, f"{what} item") for item in value]


def _text(obj: Mapping[str, Any], name: str) -> str:
    value = obj[name]
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    return value


def _position(obj: Mapping[str, Any], name: str) -> int:
    value = obj[name]
    check_count(name, value)
    return int(value)


def _merged_limit(a: Optional[int], b: Optional[int]) -> Optional[int]:
    if a is None:
        return b
    if b is None or a == b:
        return a
    raise ValueError(
        f"cannot add summaries kept with different max_examples ({a} and {b}): "
        "the kept examples would depend on the merge order"
    )


def _smallest(n: Optional[int], examples: Sequence[Example]) -> Tuple[Example, ...]:
    ordered = sorted(examples)
    return tuple(ordered if n is None else ordered[:n])


class Tally:
    """The mutable builder a partition fills event by event (the hot loop of a
    backfill), frozen into a :class:`ValidationSummary` at the end."""

    __slots__ = ("_counts", "_examples", "_groups", "max_examples", "passed", "total")

    def __init__(self, max_examples: int) -> None:
        check_count("max_examples", max_examples)
        self.max_examples = max_examples
        self.total = 0
        self.passed = 0
        self._counts: Dict[Key, int] = {}
        self._examples: Dict[Key, List[Example]] = {}
        self._groups: Dict[str, str] = {}

    def add(self, partition: int, offset: int, violations: Iterable[Violation]) -> None:
        """Count one failing event (positions may arrive in any order)."""
        self.total += 1
        counts = self._counts
        groups = self._groups
        for v in violations:
            group = groups.get(v.field)
            if group is None:
                group = groups[v.field] = field_group(v.field)
                if len(groups) > 100_000:  # bounded memo for pathological paths
                    groups.clear()
            key = (group, str(v.kind))
            counts[key] = counts.get(key, 0) + 1
            self._keep(key, Example(partition, offset, v.field, v.message))

    def _keep(self, key: Key, ex: Example) -> None:
        n = self.max_examples
        if n == 0:
            return
        kept = self._examples.get(key)
        if kept is None:
            self._examples[key] = [ex]
        elif len(kept) < n:
            kept.append(ex)
            if kept[-2] > ex:
                kept.sort()
        elif ex < kept[-1]:
            kept[-1] = ex
            kept.sort()

    def summary(self) -> ValidationSummary:
        return ValidationSummary(
            total=self.total,
            passed=self.passed,
            counts=self._counts,
            examples={k: tuple(v) for k, v in self._examples.items()},
            max_examples=self.max_examples,
        )


# ---------------------------------------------------------------------------- rendering


def _shown(text: str) -> str:
    """``text`` on one line, as the CLI shows input text (:func:`printable`). For the
    table only; the data keeps the text."""
    return printable(text, one_line=True)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def _field(name: str) -> str:
    """A field for the table; the field named by the empty string shows as ``''``."""
    return _shown(name) or "''"


def _render(s: ValidationSummary) -> str:
    # the share in int arithmetic: 100.0 * failed overflows a float past ~1e306
    pct = f" ({100 * s.failed / s.total:.2f}% failed)" if s.total else ""
    head = f"{s.total:,} events: {s.passed:,} passed, {s.failed:,} failed{pct}"
    rows = s.rows()
    if not rows:
        return head
    table = [("field", "kind", "count", "first at (partition:offset)")]
    for f, k, n, ex in rows:
        at = " ".join(f"{e.partition}:{e.offset}" for e in ex)
        table.append((_field(f), _shown(k), f"{n:,}", at))
    widths = [max(display_width(r[i]) for r in table) for i in range(3)]
    lines = [head, ""]
    for i, (name, kind, count, at) in enumerate(table):
        lines.append(
            f"{_pad(name, widths[0])}  {_pad(kind, widths[1])}  {count:>{widths[2]}}  {at}".rstrip()
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in (*widths, len(at))))
    shown = [(k, ex[0]) for _, k, _, ex in rows if ex]
    if shown:
        lines.append("")
        lines.append("first example of each:")
        for k, e in shown:
            lines.append(
                f"  {e.partition}:{e.offset} {_field(e.field)} [{_shown(k)}] {_shown(e.message)}"
            )
    return "\n".join(lines)
