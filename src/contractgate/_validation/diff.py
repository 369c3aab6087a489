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
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Sequence, Tuple

from .._frozenlist import FrozenList
from .diff_model import (
    ChangeKind,
    ContractChange,
    ContractDiff,
    Evidence,
    Impact,
    show_value,
    version_bump,
)
from .values.dates import is_valid_date
from .values.eventvalues import TYPE_TESTS, enum_key, render_value
from .values.jsonvalue import json_equal

if TYPE_CHECKING:  # pragma: no cover
    from ..contract import Contract, FieldDefinition

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
    w = _Walk()
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
    def __init__(self) -> None:
        self.out: List[ContractChange] = []

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
        top level only): ``old_closed``/``new_closed``."""
        olds = _by_name(old)
        news = _by_name(new)
        for name, defs in olds.items():
            path = _join(prefix, name)
            others = news.get(name, [])
            for i, a in enumerate(defs):
                if i < len(others):
                    self.field(path, a, others[i], in_items=in_items)
                else:
                    self.removed(path, a, in_items=in_items, closed=new_closed)
        for name, defs in news.items():
            path = _join(prefix, name)
            for b in defs[len(olds.get(name, [])) :]:
                self.added(path, b, in_items=in_items, closed=old_closed)

    def added(self, path: str, d: FieldDefinition, *, in_items: bool, closed: bool) -> None:
        summary = _summary(d)
        if closed:
            producers = B if d.required else N
            reason = f"compliance mode rejected '{path}' before; now it is declared ({summary})" + (
                "; events without it are rejected" if d.required else ""
            )
            self.add(ChangeKind.FIELD_ADDED, path, None, summary, (producers, B), reason)
        elif d.required:
            reason = f"events without '{path}' are now rejected (new required {summary})"
            self.add(ChangeKind.FIELD_ADDED, path, None, summary, (B, N), reason)
        elif _constrains(d, in_items):
            reason = (
                f"'{path}' was not checked; events that already send it in another shape "
                f"are now rejected (new optional {summary})"
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
        elif d.required or _constrains(d, in_items):
            reason = (
                f"'{path}' is no longer checked: events may omit it or carry any value "
                f"(was {summary})"
            )
            self.add(ChangeKind.FIELD_REMOVED, path, summary, None, (N, B), reason)
        else:
            reason = f"'{path}' accepted any value before, and still does"
            self.add(ChangeKind.FIELD_REMOVED, path, summary, None, (N, N), reason)

    def field(self, path: str, a: FieldDefinition, b: FieldDefinition, *, in_items: bool) -> None:
        ta, tb = a.type.value, b.type.value
        if ta != tb:
            self.type_changed(path, a, b)
        if a.required != b.required:
            if in_items:
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
        if ta == tb == "object":
            self.fields(a.properties or (), b.properties or (), prefix=path, in_items=in_items)
        elif ta == tb == "array":
            self.items(path, a.items, b.items)

    def items(self, path: str, a: Optional[FieldDefinition], b: Optional[FieldDefinition]) -> None:
        ipath = f"{path}[]"
        if a is not None and b is not None:
            self.field(ipath, a, b, in_items=True)
        elif b is not None and _constrains(b, True):
            reason = f"elements of '{path}' are now checked ({_summary(b)})"
            self.add(
                ChangeKind.CONSTRAINT_CHANGED, ipath, None, _summary(b), (B, N), reason, "items"
            )
        elif a is not None and _constrains(a, True):
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
        if {ta, tb} & {"object", "array"}:
            reason += f"; the nested definitions of '{path}' were not compared"
        self.add(ChangeKind.TYPE_CHANGED, path, ta, tb, sides, reason)

    def pattern(self, path: str, a: FieldDefinition, b: FieldDefinition, *, in_items: bool) -> None:
        pa, pb = a.pattern, b.pattern
        if pa == pb:
            return
        if in_items:
            sides: Tuple[Impact, Impact] = (N, N)
            reason = "patterns under array items are never compiled nor applied (spec §2.2)"
        elif a.type.value not in _STRINGISH and b.type.value not in _STRINGISH:
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
        any_required = any(
            d.required and d.type.value == "any" for _, d in _lookups(new.ontology.entities)
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

    def checked(c: Contract) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for m in c.metrics:
            lo, hi = _lower(m.min), _upper(m.max)
            if m.field is not None and (m.min is not None or m.max is not None):
                out.setdefault(m.name, (m.field, lo, hi, m))
        return out

    ma, mb = checked(old), checked(new)
    C = ChangeKind.CONSTRAINT_CHANGED
    for name, (fa, loa, hia, a) in ma.items():
        label = f"metric {name}"
        if name not in mb:
            w.add(C, fa, a.to_dict(), None, (N, B), f"metric '{name}' is no longer checked", label)
            continue
        fb, lob, hib, b = mb[name]
        if fa != fb:
            w.add(
                C, fb, fa, fb, (B, B), f"metric '{name}' now reads another field", f"{label} field"
            )
            continue
        for bound, x, y, is_lower, ra, rb in (
            ("min", loa, lob, True, a.min, b.min),
            ("max", hia, hib, False, a.max, b.max),
        ):
            if not _same(ra, rb):
                sides, reason = _bound_change(fa, bound, x, y, is_lower)
                w.add(C, fa, ra, rb, sides, reason, f"{label} {bound}")
    for name, (fb, _, _, b) in mb.items():
        if name not in ma:
            reason = f"events without a number in range at '{fb}' are now rejected"
            w.add(C, fb, None, b.to_dict(), (B, N), reason, f"metric {name}")


def _quality(w: _Walk, old: Contract, new: Contract) -> None:
    """Rules that judge events (completeness, freshness with a max age, uniqueness),
    matched by (type, field)."""

    def rules(c: Contract) -> Dict[Tuple[str, str], Any]:
        out: Dict[Tuple[str, str], Any] = {}
        for q in c.quality:
            t = q.type.value
            if t == "validity" or (t == "freshness" and q.max_age_seconds is None):
                continue
            out.setdefault((t, q.field), q)
        return out

    ra, rb = rules(old), rules(new)
    C = ChangeKind.CONSTRAINT_CHANGED
    for key, a in ra.items():
        label = f"quality {key[0]}"
        b = rb.get(key)
        if b is None:
            w.add(C, key[1], a.to_dict(), None, (N, B), f"the {key[0]} rule is gone", label)
        elif key[0] == "freshness" and a.max_age_seconds != b.max_age_seconds:
            tighter = b.max_age_seconds < a.max_age_seconds
            sides = (B, N) if tighter else (N, B)
            reason = f"events up to {b.max_age_seconds}s old pass (was {a.max_age_seconds}s)"
            w.add(
                C,
                key[1],
                a.max_age_seconds,
                b.max_age_seconds,
                sides,
                reason,
                f"{label} max_age_seconds",
            )
    for key, b in rb.items():
        if key not in ra:
            w.add(
                C,
                key[1],
                None,
                b.to_dict(),
                (B, N),
                f"a new {key[0]} rule rejects events it finds wanting",
                f"quality {key[0]}",
            )


# --------------------------------------------------------------------------------------
# helpers


def _by_name(defs: Sequence[FieldDefinition]) -> Dict[str, List[FieldDefinition]]:
    out: Dict[str, List[FieldDefinition]] = {}
    for d in defs:
        out.setdefault(d.name, []).append(d)
    return out


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _lookups(defs: Sequence[FieldDefinition], prefix: str = "") -> Iterator[Tuple[str, Any]]:
    """Fields looked up by name (entities and object properties; not array items)."""
    for d in defs:
        path = _join(prefix, d.name)
        yield path, d
        if d.type.value == "object" and d.properties:
            yield from _lookups(d.properties, path)


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
