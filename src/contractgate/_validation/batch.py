"""Rules over a whole request (spec §7): batch uniqueness and RFC-038 envelopes.

Each event of a batch is validated on its own first (by either path); these functions add
what only the whole request can tell.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from .._frozenlist import FrozenList
from . import messages as M
from .inputs import iter_events
from .values.eventvalues import MISSING, accepts_number, jtype, render_value, resolve
from .values.jsonvalue import render_debug_str
from .violations import BatchRecordViolation, BatchValidationResult, ValidationResult, Violation

__all__ = ["uniqueness_violations", "validate_envelope"]


def uniqueness_violations(
    fields: Sequence[str], events: Iterable[Any]
) -> List[Tuple[int, Violation]]:
    """The batch uniqueness step (§7.1): ``(event_index, violation)`` pairs, grouped by
    rule in declared order, then by index. Values compare by their JSON text. ``events``
    as ``validate_batch`` takes them; each rule walks all of them, so a one-shot iterator
    is read once, up front. Rules on the same field give the same pairs: they are found
    once."""
    batch = list(iter_events(events))  # checked (text refused) even without rules
    by_field: Dict[str, List[Tuple[int, Violation]]] = {}
    found: List[Tuple[int, Violation]] = []
    for field in fields:
        hits = by_field.get(field)
        if hits is None:
            hits = by_field[field] = _repeats(field, batch)
        found.extend(hits)
    return found


def _repeats(field: str, batch: List[Any]) -> List[Tuple[int, Violation]]:
    """One rule over the batch: every occurrence of a value after its first. The repeats
    of one value share one (frozen) violation, so a long value's message is rendered and
    held once, not once per repeat."""
    seen: Dict[str, Optional[Violation]] = {}
    hits: List[Tuple[int, Violation]] = []
    for i, event in enumerate(batch):
        v = resolve(event, field)
        if v is MISSING or v is None:
            continue
        key = render_value(v)  # every value, so one with no JSON form is always an error
        if key not in seen:
            seen[key] = None
            continue
        violation = seen[key]
        if violation is None:
            violation = seen[key] = M.UNIQUENESS.violation(
                field, value=render_debug_str(key), field=field
            )
        hits.append((i, violation))
    return hits


def _record(template: M.Template, field: str, **holes: object) -> BatchRecordViolation:
    assert template.kind is not None
    return BatchRecordViolation(0, field, template.format(**holes), template.kind)


def validate_envelope(
    payload: Any,
    records_path: str,
    validate_wrapper: bool,
    validate: Callable[[Any], ValidationResult],
) -> BatchValidationResult:
    """An envelope payload (§7.2): the wrapper checks, then ``validate`` on each record
    under ``records_path``."""
    t0 = time.perf_counter_ns()
    if not isinstance(payload, dict):
        jtype(payload)
        return BatchValidationResult(0, 1, (_record(M.ENVELOPE_NOT_OBJECT, "<root>"),), 0)
    wrapper: List[BatchRecordViolation] = []
    if validate_wrapper:
        _wrapper_checks(payload, wrapper)
    rp = records_path
    records = payload.get(rp, MISSING)
    if records is MISSING or not isinstance(records, (list, tuple)):
        if records is MISSING:
            last = _record(M.ENVELOPE_KEY_MISSING, rp, key=rp)
        else:
            last = _record(M.ENVELOPE_KEY_TYPE, rp, key=rp, got=jtype(records))
        return BatchValidationResult(
            0, 1, FrozenList((*wrapper, last)), (time.perf_counter_ns() - t0) // 1000
        )
    if wrapper:
        return BatchValidationResult(
            0, max(len(records), 1), FrozenList(wrapper), (time.perf_counter_ns() - t0) // 1000
        )
    passed = quarantined = 0
    violations: List[BatchRecordViolation] = []
    for i, record in enumerate(records):
        r = validate(record)
        if r.passed:
            passed += 1
        else:
            quarantined += 1
            violations.extend(
                BatchRecordViolation(i, v.field, v.message, v.kind) for v in r.violations
            )
    return BatchValidationResult(
        passed, quarantined, FrozenList(violations), (time.perf_counter_ns() - t0) // 1000
    )


def _wrapper_checks(payload: Dict[str, Any], out: List[BatchRecordViolation]) -> None:
    success = payload.get("success", MISSING)
    if success is MISSING:
        out.append(_record(M.WRAPPER_MISSING, "success", name="success"))
    elif not isinstance(success, bool):
        out.append(
            _record(
                M.WRAPPER_TYPE, "success", name="success", expected="boolean", got=jtype(success)
            )
        )
    pagination = payload.get("pagination", MISSING)
    if pagination is MISSING:
        return
    if not isinstance(pagination, dict):
        out.append(
            _record(
                M.WRAPPER_TYPE,
                "pagination",
                name="pagination",
                expected="an object",
                got=jtype(pagination),
            )
        )
        return
    for k in ("page", "limit", "total"):
        v = pagination.get(k, MISSING)
        if v is MISSING:
            out.append(_record(M.PAGINATION_MISSING, f"pagination.{k}", name=k))
        elif not accepts_number(v):  # NaN, ±inf, ints beyond f64: typed errors
            out.append(
                _record(
                    M.PAGINATION_TYPE, f"pagination.{k}", name=k, expected="a number", got=jtype(v)
                )
            )
    has_more = pagination.get("hasMore", MISSING)
    if has_more is not MISSING and not isinstance(has_more, bool):
        out.append(
            _record(
                M.PAGINATION_TYPE,
                "pagination.hasMore",
                name="hasMore",
                expected="boolean",
                got=jtype(has_more),
            )
        )
