"""Contract × Contract -> :class:`ContractDiff`: what changed, and whom it breaks.

The change kinds are the gateway's (``POST /contracts/diff``): ``field_added``,
``field_removed``, ``type_changed``, ``required_changed``, ``enum_value_added``,
``enum_value_removed``, ``pattern_changed`` and ``constraint_changed`` (bounds, lengths,
and the contract-wide settings that change verdicts: compliance mode, null handling,
metrics, quality rules, the envelope).

Each change carries a verdict per side, judged with the engine's own semantics (spec
§2–§4), never with the YAML text alone:

* **producers** break when the new contract can reject an event the old one accepted
  (a field becomes required, an enum value goes, a bound tightens, a type narrows…);
* **consumers** break when the new contract can let through an event the old one
  rejected (a bound loosens, a type widens, a field is no longer checked…): whoever
  reads the data loses a guarantee.

``unknown`` marks what cannot be decided statically (two different regexes; a new
optional field on an open object, which rejects only producers that already send that
key with another shape). :meth:`ContractDiff.probe` decides empirically: events run
through both compiled versions, and each event whose verdict flips is evidence against
the changes its violations point at.

Pure: contracts in, a frozen value out. The model types are annotations only (the
validation wing never imports :mod:`contractgate.contract` at run time).
"""

from __future__ import annotations

import math
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterator,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
)

from .._frozenlist import FrozenList
from .compiler import preorder
from .diff_model import (
    ChangeKind,
    ContractChange,
    ContractDiff,
    Evidence,
    Impact,
    norm_path,
    show_value,
    version_bump,
)
from .rules import wrap_i64
from .values.dates import is_valid_date
from .values.eventvalues import TYPE_TESTS, enum_key, render_value
from .values.jsonvalue import json_equal

if TYPE_CHECKING:  # pragma: no cover
    from ..contract import Contract, FieldDefinition, MetricDefinition, QualityRule

__all__ = [
    "ChangeKind",
    "ContractChange",
    "ContractDiff",
    "Evidence",
    "Impact",
    "diff_contracts",
    "version_bump",
]

N, B, U = Impact.NONE, Impact.BREAKING, Impact.UNKNOWN

# --------------------------------------------------------------------------------------
# the walk


def diff_contracts(old: Contract, new: Contract) -> ContractDiff:
    """Every verdict-relevant change from ``old`` to ``new`` (see the module docstring)."""
    w = _Walk(_patterns(old), _patterns(new))
    w.fields(
        old.ontology.entities,
        new.ontology.entities,
        prefix="",
        in_items=False,
        old_closed=old.compliance_mode,
        new_closed=new.compliance_mode,
    )
    _contract_settings(w, old, new)
    return ContractDiff(
        old_name=old.name,
        new_name=new.name,
        old_version=old.version,
        new_version=new.version,
        changes=FrozenList(w.out),
    )


_STRINGISH = frozenset({"string", "date", "any"})
_NUMERIC = frozenset({"integer", "float", "any"})


class _Walk:
    def __init__(self, old_patterns: Dict[str, str], new_patterns: Dict[str, str]) -> None:
        self.out: List[ContractChange] = []
        #: each path's pattern as the engine applies it (see :func:`_patterns`)
        self.old_patterns = old_patterns
        self.new_patterns = new_patterns
        self._patterns_seen: Set[Tuple[Any, ...]] = set()

    def indexed(self, path: str, new: bool) -> Dict[str, str]:
        """The patterns that reach the values under array items at ``path`` (``tags[]``,
        ``lines[].sku``) in one version: patterns are looked up by the value's path text
        (``tags[0]``), so a field named ``tags[0]`` puts its pattern on element 0 (spec
        §2.2, §4.5). Declared under ``items``, a pattern reaches nothing."""
        patterns = self.new_patterns if new else self.old_patterns
        return {k: p for k, p in patterns.items() if k != path and norm_path(k) == path}

    def checks(self, d: FieldDefinition, path: str, *, in_items: bool, new: bool) -> bool:
        """Whether a present value at ``path`` can fail ``d`` in that version, counting
        the patterns the engine looks up at its path text whichever field declared them."""
        if _constrains(d, in_items):
            return True
        # a bare 'any' (anything else constrains)
        patterns = self.new_patterns if new else self.old_patterns
        reaching = list(self.indexed(path, new).values())
        if not in_items and path in patterns:
            reaching.append(patterns[path])
        return any(_live_pattern(p) for p in reaching)

    def add(
        self,
        kind: ChangeKind,
        path: str,
        before: Any,
        after: Any,
        sides: Tuple[Impact, Impact],
        reason: str,
        constraint: Optional[str] = None,
    ) -> None:
        self.out.append(
            ContractChange(kind, path, before, after, constraint, sides[0], sides[1], reason)
        )

    # -- fields ---------------------------------------------------------------------------

    def fields(
        self,
        old: Sequence[FieldDefinition],
        new: Sequence[FieldDefinition],
        *,
        prefix: str,
        in_items: bool,
        old_closed: bool = False,
        new_closed: bool = False,
    ) -> None:
        """Match fields by name (the n-th duplicate with the n-th) and compare. A key the
        old level does not declare was free (open object) or forbidden (compliance mode,
        top level only): ``old_closed``/``new_closed``; a duplicate of a name the other
        side still declares is neither."""
        olds, news = _by_name(old), _by_name(new)
        for name, a, b in _pairs(olds, news):
            path = _join(prefix, name)
            if b is None:
                assert a is not None
                closed = new_closed and name not in news
                self.removed(path, a, in_items=in_items, closed=closed)
            elif a is None:
                self.added(path, b, in_items=in_items, closed=old_closed and name not in olds)
            else:
                self.field(path, a, b, in_items=in_items)

    def added(self, path: str, d: FieldDefinition, *, in_items: bool, closed: bool) -> None:
        summary = _summary(d)
        if closed:
            producers = B if d.required else N
            reason = f"compliance mode rejected '{path}' before; now it is declared ({summary})" + (
                "; events without it are rejected" if d.required else ""
            )
            self.add(ChangeKind.FIELD_ADDED, path, None, summary, (producers, B), reason)
        elif d.required:
            reason = f"events without '{path}' are now rejected (new {summary})"
            self.add(ChangeKind.FIELD_ADDED, path, None, summary, (B, N), reason)
        elif self.checks(d, path, in_items=in_items, new=True):
            reason = (
                f"'{path}' was not checked; events that already send it in another shape "
                f"are now rejected (new {summary})"
            )
            self.add(ChangeKind.FIELD_ADDED, path, None, summary, (U, N), reason)
        else:
            reason = f"new optional {summary}: accepts any value, as before"
            self.add(ChangeKind.FIELD_ADDED, path, None, summary, (N, N), reason)

    def removed(self, path: str, d: FieldDefinition, *, in_items: bool, closed: bool) -> None:
        summary = _summary(d)
        if closed:
            consumers = B if d.required else N
            reason = f"compliance mode now rejects events that carry '{path}'" + (
                "; events without it, rejected before, now pass" if d.required else ""
            )
            self.add(ChangeKind.FIELD_REMOVED, path, summary, None, (B, consumers), reason)
        elif d.required or self.checks(d, path, in_items=in_items, new=False):
            reason = (
                f"'{path}' is no longer checked: events may omit it or carry any value "
                f"(was {summary})"
            )
            self.add(ChangeKind.FIELD_REMOVED, path, summary, None, (N, B), reason)
        else:
            reason = f"'{path}' accepted any value before, and still does"
            self.add(ChangeKind.FIELD_REMOVED, path, summary, None, (N, N), reason)

    def field(
        self,
        path: str,
        a: FieldDefinition,
        b: FieldDefinition,
        *,
        in_items: bool,
        element: bool = False,
    ) -> None:
        """Compare two definitions of one field. ``in_items``: under an array's ``items``
        (patterns are never applied there, at any depth); ``element``: the ``items``
        definition itself (never missing: ``required`` has no effect)."""
        ta, tb = a.type.value, b.type.value
        if ta != tb:
            self.type_changed(path, a, b)
        if a.required != b.required:
            if element:
                sides, reason = (N, N), "'required' has no effect on array elements"
            elif b.required:
                sides, reason = (B, N), f"events without '{path}' are now rejected"
            else:
                sides, reason = (N, B), f"events may now omit '{path}'"
            self.add(ChangeKind.REQUIRED_CHANGED, path, a.required, b.required, sides, reason)
        self.pattern(path, a, b, in_items=in_items)
        self.enum(path, a, b)
        self.bounds(path, a, b)
        if a.transform != b.transform:
            self.add(
                ChangeKind.CONSTRAINT_CHANGED,
                path,
                _transform_text(a),
                _transform_text(b),
                (N, N),
                "transforms change what the gateway stores, not which events pass",
                "transform",
            )
        # 'any' checks nothing inside a value: against an object (array) it compares as
        # one without properties (items)
        shape = _shape(ta, tb)
        if shape == "object":
            old_props = a.properties if ta == "object" else None
            new_props = b.properties if tb == "object" else None
            self.fields(old_props or (), new_props or (), prefix=path, in_items=in_items)
        elif shape == "array":
            old_items = a.items if ta == "array" else None
            new_items = b.items if tb == "array" else None
            self.items(path, old_items, new_items)

    def items(self, path: str, a: Optional[FieldDefinition], b: Optional[FieldDefinition]) -> None:
        ipath = f"{path}[]"
        if a is not None and b is not None:
            self.field(ipath, a, b, in_items=True, element=True)
        elif b is not None and self.checks(b, ipath, in_items=True, new=True):
            reason = f"elements of '{path}' are now checked ({_summary(b)})"
            self.add(
                ChangeKind.CONSTRAINT_CHANGED, ipath, None, _summary(b), (B, N), reason, "items"
            )
        elif a is not None and self.checks(a, ipath, in_items=True, new=False):
            reason = f"elements of '{path}' are no longer checked (were {_summary(a)})"
            self.add(
                ChangeKind.CONSTRAINT_CHANGED, ipath, _summary(a), None, (N, B), reason, "items"
            )

    def type_changed(self, path: str, a: FieldDefinition, b: FieldDefinition) -> None:
        ta, tb = a.type.value, b.type.value
        if _subtype(tb, ta):  # narrowing: old values outside the new type now fail
            lost = _enum_values(a.enum, lambda v: _accepts(ta, v) and not _accepts(tb, v))
            sides: Tuple[Impact, Impact] = (N if lost == [] else B, N)
            reason = f"{ta} values that are not {tb} are now rejected"
            if lost == []:
                reason = f"{ta} narrowed to {tb}, but the old enum admitted only {tb} values"
        elif _subtype(ta, tb):  # widening: new values outside the old type now pass
            gained = _enum_values(b.enum, lambda v: _accepts(tb, v) and not _accepts(ta, v))
            sides = (N, N if gained == [] else B)
            reason = f"{tb} values that are not {ta} now pass"
            if gained == []:
                reason = f"{ta} widened to {tb}, but the enum admits only {ta} values"
        else:
            sides = (B, B)
            reason = f"{ta} values are now rejected and {tb} values now pass"
        if {ta, tb} & {"object", "array"} and _shape(ta, tb) is None:
            reason += f"; the nested definitions of '{path}' were not compared"
        self.add(ChangeKind.TYPE_CHANGED, path, ta, tb, sides, reason)

    def pattern(self, path: str, a: FieldDefinition, b: FieldDefinition, *, in_items: bool) -> None:
        if in_items:
            if a.pattern != b.pattern:
                reason = "patterns under array items are never compiled nor applied (spec §2.2)"
                self.pattern_change(path, a.pattern, b.pattern, (N, N), reason)
            old, new = self.indexed(path, False), self.indexed(path, True)
            for key in dict.fromkeys([*old, *new]):
                self.path_pattern(key, old.get(key), new.get(key), a, b)
            return
        # the pattern the engine applies at this path, whichever field declared it
        pa, pb = self.old_patterns.get(path), self.new_patterns.get(path)
        if pa != pb and a.type.value not in _STRINGISH and b.type.value not in _STRINGISH:
            if a.pattern == b.pattern:  # another field of this path changed it
                return
        self.path_pattern(path, pa, pb, a, b)

    def path_pattern(
        self, key: str, pa: Optional[str], pb: Optional[str], a: FieldDefinition, b: FieldDefinition
    ) -> None:
        """The pattern at path text ``key`` went from ``pa`` to ``pb``, judged for the
        values ``a`` and ``b`` define."""
        if pa == pb:
            return
        sides: Tuple[Impact, Impact]
        if a.type.value not in _STRINGISH and b.type.value not in _STRINGISH:
            sides, reason = (N, N), f"a pattern never applies to {b.type.value} values"
        else:
            ea, eb = _live_pattern(pa), _live_pattern(pb)
            if ea == eb:
                sides, reason = (N, N), "both accept every string"
            elif ea is None:
                sides, reason = (B, N), "strings that do not match the new pattern are now rejected"
            elif eb is None:
                sides, reason = (N, B), "strings are no longer checked against a pattern"
            else:
                sides = (U, U)
                reason = "two different patterns: which strings each accepts is not compared"
        self.pattern_change(key, pa, pb, sides, reason)

    def pattern_change(
        self,
        path: str,
        pa: Optional[str],
        pb: Optional[str],
        sides: Tuple[Impact, Impact],
        reason: str,
    ) -> None:
        seen = (path, pa, pb, sides)
        if seen not in self._patterns_seen:  # duplicate fields share their path's pattern
            self._patterns_seen.add(seen)
            self.add(ChangeKind.PATTERN_CHANGED, path, pa, pb, sides, reason)

    def enum(self, path: str, a: FieldDefinition, b: FieldDefinition) -> None:
        ea, eb = a.enum, b.enum
        if ea is None and eb is None:
            return
        if ea is None or eb is None:
            if eb is not None:
                sides, reason = (B, N), "values outside the new enum are now rejected"
            else:
                sides, reason = (N, B), "any value now passes (no enum)"
            before = None if ea is None else list(ea)
            after = None if eb is None else list(eb)
            self.add(ChangeKind.CONSTRAINT_CHANGED, path, before, after, sides, reason, "enum")
            return
        ta, tb = a.type.value, b.type.value
        for v in ea:
            if not _contains(eb, v):
                live = _accepts(ta, v)
                sides = (B, N) if live else (N, N)
                reason = (
                    f"events with {path} {render_value(v)} are now rejected"
                    if live
                    else f"{render_value(v)} never passed the {ta} type check"
                )
                self.add(ChangeKind.ENUM_VALUE_REMOVED, path, v, None, sides, reason)
        for v in eb:
            if not _contains(ea, v):
                live = _accepts(tb, v)
                sides = (N, B) if live else (N, N)
                reason = (
                    f"{path} may now be {render_value(v)}"
                    if live
                    else f"{render_value(v)} can never pass the {tb} type check"
                )
                self.add(ChangeKind.ENUM_VALUE_ADDED, path, None, v, sides, reason)

    def bounds(self, path: str, a: FieldDefinition, b: FieldDefinition) -> None:
        numeric = a.type.value in _NUMERIC or b.type.value in _NUMERIC
        stringish = a.type.value in _STRINGISH or b.type.value in _STRINGISH
        specs = (
            ("min", a.min, b.min, _lower(a.min), _lower(b.min), True, numeric),
            ("max", a.max, b.max, _upper(a.max), _upper(b.max), False, numeric),
            (
                "min_length",
                a.min_length,
                b.min_length,
                _lower_len(a.min_length),
                _lower_len(b.min_length),
                True,
                stringish,
            ),
            (
                "max_length",
                a.max_length,
                b.max_length,
                _as_float(a.max_length),
                _as_float(b.max_length),
                False,
                stringish,
            ),
        )
        for name, raw_a, raw_b, eff_a, eff_b, is_lower, applies in specs:
            if _same(raw_a, raw_b):
                continue
            if not applies:
                sides: Tuple[Impact, Impact] = (N, N)
                reason = f"'{name}' has no effect on {b.type.value} values"
            else:
                sides, reason = _bound_change(path, name, eff_a, eff_b, is_lower)
            self.add(ChangeKind.CONSTRAINT_CHANGED, path, raw_a, raw_b, sides, reason, name)


def _as_float(x: Optional[int]) -> Optional[float]:
    return None if x is None else float(x)


def _bound_change(
    path: str, name: str, a: Optional[float], b: Optional[float], is_lower: bool
) -> Tuple[Tuple[Impact, Impact], str]:
    """A lower bound tightens when it rises, an upper one when it falls; ``None`` is
    no bound (NaN and the matching infinity never trigger, spec §4.6)."""
    if a == b:
        return (N, N), f"'{name}' {show_value(a)} -> {show_value(b)}: the same check"
    if a is None:
        tighter = True
    elif b is None:
        tighter = False
    else:
        tighter = b > a if is_lower else b < a
    what = "lengths" if "length" in name else "values"
    if tighter:
        return (
            B,
            N,
        ), f"{what} of '{path}' allowed before are now rejected ({name} {show_value(b)})"
    return (N, B), f"{what} of '{path}' rejected before now pass ({name} {show_value(b)})"


def _contract_settings(w: _Walk, old: Contract, new: Contract) -> None:
    C = ChangeKind.CONSTRAINT_CHANGED
    if old.compliance_mode != new.compliance_mode:
        if new.compliance_mode:
            w.add(
                C,
                "",
                False,
                True,
                (B, N),
                "top-level keys the contract does not declare are now rejected",
                "compliance_mode",
            )
        else:
            w.add(
                C,
                "",
                True,
                False,
                (N, B),
                "top-level keys the contract does not declare now pass",
                "compliance_mode",
            )
    if old.null_as_absent != new.null_as_absent:
        # a null on a required 'any' field passes, unless null_as_absent makes it missing
        on = new if new.null_as_absent else old
        any_required = any(
            d.required and d.type.value == "any" for _, d in _lookups(on.ontology.entities)
        )
        if new.null_as_absent:
            sides = (B if any_required else N, B)
            reason = "null on an optional field now passes (as if absent)"
        else:
            sides = (B, B if any_required else N)
            reason = "null on an optional field is now a type mismatch"
        if any_required:
            reason += "; a null on a required 'any' field flips the other way"
        w.add(C, "", old.null_as_absent, new.null_as_absent, sides, reason, "null_as_absent")
    if old.envelope != new.envelope:
        _envelope(w, old, new)
    _metrics(w, old, new)
    _quality(w, old, new)
    if old.egress_leakage_mode != new.egress_leakage_mode:
        w.add(
            C,
            "",
            old.egress_leakage_mode.value,
            new.egress_leakage_mode.value,
            (N, N),
            "changes egress answers only, not which events pass",
            "egress_leakage_mode",
        )


def _envelope(w: _Walk, old: Contract, new: Contract) -> None:
    a, b = old.envelope, new.envelope
    before = None if a is None else a.to_dict()
    after = None if b is None else b.to_dict()
    if a is not None and b is not None and a.records_path == b.records_path:
        if b.validate_wrapper:
            sides, reason = (B, N), "the wrapper (success, pagination) is now checked"
        else:
            sides, reason = (N, B), "the wrapper (success, pagination) is no longer checked"
    else:
        sides, reason = (B, B), "payloads are read differently (envelope added, removed or moved)"
    w.add(ChangeKind.CONSTRAINT_CHANGED, "", before, after, sides, reason, "envelope")


def _metrics(w: _Walk, old: Contract, new: Contract) -> None:
    """Checked metrics (a ``field`` and a bound, spec §4.9), matched by name."""

    def checked(c: Contract) -> Dict[str, List[MetricDefinition]]:
        out: Dict[str, List[MetricDefinition]] = {}
        for m in c.metrics:
            if m.field is not None and (m.min is not None or m.max is not None):
                out.setdefault(m.name, []).append(m)
        return out

    C = ChangeKind.CONSTRAINT_CHANGED
    for name, a, b in _pairs(checked(old), checked(new)):
        label = f"metric {name}"
        if b is None:
            assert a is not None and a.field is not None
            reason = f"metric '{name}' is no longer checked"
            w.add(C, a.field, a.to_dict(), None, (N, B), reason, label)
            continue
        assert b.field is not None
        if a is None:
            reason = f"events without a number in range at '{b.field}' are now rejected"
            w.add(C, b.field, None, b.to_dict(), (B, N), reason, label)
            continue
        if a.field != b.field:
            reason = f"metric '{name}' now reads another field"
            w.add(C, b.field, a.field, b.field, (B, B), reason, f"{label} field")
            continue
        for bound, x, y, is_lower, ra, rb in (
            ("min", _lower(a.min), _lower(b.min), True, a.min, b.min),
            ("max", _upper(a.max), _upper(b.max), False, a.max, b.max),
        ):
            if not _same(ra, rb):
                sides, reason = _bound_change(b.field, bound, x, y, is_lower)
                w.add(C, b.field, ra, rb, sides, reason, f"{label} {bound}")


def _quality(w: _Walk, old: Contract, new: Contract) -> None:
    """Rules that judge events (completeness, freshness with a max age, uniqueness),
    matched by (type, field)."""

    def rules(c: Contract) -> Dict[Tuple[str, str], List[QualityRule]]:
        out: Dict[Tuple[str, str], List[QualityRule]] = {}
        for q in c.quality:
            t = q.type.value
            if t == "validity" or (t == "freshness" and q.max_age_seconds is None):
                continue
            out.setdefault((t, q.field), []).append(q)
        return out

    C = ChangeKind.CONSTRAINT_CHANGED
    for (kind, field), a, b in _pairs(rules(old), rules(new)):
        label = f"quality {kind}"
        if b is None:
            assert a is not None
            w.add(C, field, a.to_dict(), None, (N, B), f"the {kind} rule is gone", label)
        elif a is None:
            reason = f"a new {kind} rule rejects events it finds wanting"
            w.add(C, field, None, b.to_dict(), (B, N), reason, label)
        elif kind == "freshness" and a.max_age_seconds != b.max_age_seconds:
            assert a.max_age_seconds is not None and b.max_age_seconds is not None
            sides, reason = _max_age_change(a.max_age_seconds, b.max_age_seconds)
            w.add(
                C,
                field,
                a.max_age_seconds,
                b.max_age_seconds,
                sides,
                reason,
                f"{label} max_age_seconds",
            )


def _max_age_change(a: int, b: int) -> Tuple[Tuple[Impact, Impact], str]:
    """The engine compares ages with ``max_age_seconds`` cast to i64: from 2**63 on it
    is negative, and every timestamp fails (spec §4.10)."""
    ea, eb = max(wrap_i64(a), -1), max(wrap_i64(b), -1)
    if eb < 0:
        reason = f"max_age_seconds {b} is negative as an i64: every timestamp is rejected"
    else:
        reason = f"events up to {b}s old pass (was {a}s)"
    if ea == eb:
        return (N, N), reason
    return ((B, N) if eb < ea else (N, B)), reason


# --------------------------------------------------------------------------------------
# helpers


K = TypeVar("K")
V = TypeVar("V")


def _pairs(
    old: Dict[K, List[V]], new: Dict[K, List[V]]
) -> Iterator[Tuple[K, Optional[V], Optional[V]]]:
    """Items grouped by key, the n-th old one with the n-th new one; an item without a
    counterpart is paired with None (removed, or added: those come last)."""
    for key, olds in old.items():
        news = new.get(key, [])
        for i, a in enumerate(olds):
            yield key, a, news[i] if i < len(news) else None
    for key, news in new.items():
        for b in news[len(old.get(key, [])) :]:
            yield key, None, b


def _by_name(defs: Sequence[FieldDefinition]) -> Dict[str, List[FieldDefinition]]:
    out: Dict[str, List[FieldDefinition]] = {}
    for d in defs:
        out.setdefault(d.name, []).append(d)
    return out


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _lookups(defs: Sequence[FieldDefinition], prefix: str = "") -> Iterator[Tuple[str, Any]]:
    """Fields looked up by name: entities and object properties, also those of array
    elements (but not the elements themselves, which are never missing)."""
    for d in defs:
        path = _join(prefix, d.name)
        yield path, d
        while d.type.value == "array" and d.items is not None:
            d, path = d.items, f"{path}[]"
        if d.type.value == "object" and d.properties:
            yield from _lookups(d.properties, path)


def _patterns(c: Contract) -> Dict[str, str]:
    """Each path's pattern as the engine applies it: patterns are keyed by path, and a
    later field with the same path wins, for every field there (spec §2.2)."""
    return {path: d.pattern for path, d in preorder(c.ontology.entities) if d.pattern is not None}


def _shape(ta: str, tb: str) -> Optional[str]:
    """``object`` or ``array`` when the nested definitions of the two types can be
    compared: both are that container, or one is and the other is ``any`` (which checks
    nothing inside, like a container without properties or items)."""
    for shape in ("object", "array"):
        if shape in (ta, tb) and {ta, tb} <= {shape, "any"}:
            return shape
    return None


def _summary(d: FieldDefinition) -> str:
    bits = [("required " if d.required else "optional ") + d.type.value]
    if d.enum is not None:
        bits.append("enum " + "[" + ", ".join(render_value(v) for v in d.enum) + "]")
    if d.pattern is not None:
        bits.append(f"pattern {d.pattern!r}")
    for name in ("min", "max", "min_length", "max_length"):
        v = getattr(d, name)
        if v is not None:
            bits.append(f"{name} {show_value(v)}")
    return ", ".join(bits)


def _constrains(d: FieldDefinition, in_items: bool) -> bool:
    """Whether a present value can fail this definition (anything but a bare ``any``)."""
    if d.type.value != "any" or d.enum is not None:
        return True
    if _lower(d.min) is not None or _upper(d.max) is not None:
        return True
    if _lower_len(d.min_length) is not None or d.max_length is not None:
        return True
    return not in_items and _live_pattern(d.pattern) is not None


def _subtype(a: str, b: str) -> bool:
    """Every value of type ``a`` passes type ``b``."""
    return a == b or b == "any" or (a, b) in (("integer", "float"), ("date", "string"))


def _accepts(type_name: str, v: Any) -> bool:
    ok = TYPE_TESTS[type_name](v)
    if ok and type_name == "date":
        return is_valid_date(v)
    return ok


def _enum_values(enum_: Optional[Sequence[Any]], pred: Any) -> Optional[List[Any]]:
    """The enum's values that satisfy ``pred``; None when there is no enum."""
    if enum_ is None:
        return None
    return [v for v in enum_ if pred(v)]


def _contains(values: Sequence[Any], v: Any) -> bool:
    k = enum_key(v)
    if k is not None:
        return any(enum_key(x) == k for x in values)
    return any(json_equal(v, x) for x in values)


def _live_pattern(p: Optional[str]) -> Optional[str]:
    """The pattern as a check: None when there is none, or when it matches every string
    (the empty pattern, searched unanchored)."""
    return None if p is None or p == "" else p


def _lower(x: Optional[float]) -> Optional[float]:
    if x is None or math.isnan(x) or x == -math.inf:
        return None
    return x


def _upper(x: Optional[float]) -> Optional[float]:
    if x is None or math.isnan(x) or x == math.inf:
        return None
    return x


def _lower_len(x: Optional[int]) -> Optional[float]:
    return None if x is None or x == 0 else float(x)


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _transform_text(d: FieldDefinition) -> Optional[str]:
    t = d.transform
    if t is None:
        return None
    return t.kind.value if t.style is None else f"{t.kind.value}/{t.style.value}"
