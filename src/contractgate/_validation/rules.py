"""The rules of one event that run after the ontology walk (spec §4.9–§4.11): metrics,
per-event quality rules and compliance mode.

They are rare and never on the pass path of a typical contract, so both validation paths
share these closures: the generated code calls :meth:`Tail.__call__` once per event, only
for contracts that have any of them.
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, FrozenSet, List, Optional, Sequence, Union

from . import messages as M
from .values.eventvalues import I64_MAX, I64_MIN, MISSING, f64, is_number, jtype, resolve
from .values.jsonvalue import EventTypeError, render_f64
from .violations import Violation

if TYPE_CHECKING:  # pragma: no cover
    from ..contract import Contract, MetricDefinition, QualityRule

__all__ = ["Now", "Tail", "check_now", "metric_applies", "wrap_i64"]

#: ``now`` of the validate methods: Unix seconds, a ``datetime``, or None (the clock).
Now = Union[None, int, float, datetime]
Out = List[Violation]
EventRule = Callable[[Any, Out, Now], None]


class Tail:
    """Metrics, per-event quality rules and compliance mode of one contract, in the
    engine's order; ``bool(tail)`` is False when the contract has none of them."""

    __slots__ = ("declared", "rules")

    def __init__(self, contract: Contract) -> None:
        rules: List[EventRule] = [metric_check(m) for m in contract.metrics if metric_applies(m)]
        for q in contract.quality:
            check = quality_check(q)
            if check is not None:
                rules.append(check)
        self.declared: FrozenSet[str] = frozenset(fd.name for fd in contract.ontology.entities)
        if contract.compliance_mode:
            rules.append(compliance_check(self.declared))
        self.rules: Sequence[EventRule] = tuple(rules)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def __call__(self, event: Any, out: Out, now: Now) -> None:
        for rule in self.rules:
            rule(event, out, now)


def metric_applies(m: MetricDefinition) -> bool:
    """A metric is checked only with a ``field`` and at least one bound (§4.9)."""
    return m.field is not None and (m.min is not None or m.max is not None)


def metric_check(m: MetricDefinition) -> EventRule:
    name = m.name
    field: str = m.field or ""
    lo = m.min
    hi = m.max
    min_text = None if lo is None else render_f64(lo)
    max_text = None if hi is None else render_f64(hi)
    missing = M.METRIC_MISSING.violation(field, name=name, field=field)

    def check_metric(event: Any, out: Out, now: Now) -> None:
        v = resolve(event, field)
        if v is MISSING or not is_number(v):
            no_verdict_without_json(v)
            out.append(missing)
            return
        x = f64(v)
        if lo is not None and x < lo:
            out.append(
                M.METRIC_MIN.violation(
                    field, name=name, value=render_f64(x), min=min_text, field=field
                )
            )
        if hi is not None and x > hi:
            out.append(
                M.METRIC_MAX.violation(
                    field, name=name, value=render_f64(x), max=max_text, field=field
                )
            )

    return check_metric


def no_verdict_without_json(v: Any) -> None:
    """Before a metric or quality rule gives a verdict on a value other than the plain
    ones it expects: a value without JSON text (a ``set``, a ``datetime``, NaN) is
    :class:`EventTypeError`, an int beyond f64 ``EventDecodeError``, as wherever the
    ontology reads one (the gateway never sees such a value, so no verdict on it is the
    engine's). Called off the common path only: the expected values need no check."""
    if v is not MISSING:
        jtype(v)


def quality_check(q: QualityRule) -> Optional[EventRule]:
    """The per-event check of a quality rule; None for rules checked per batch
    (uniqueness) or never (validity, freshness without ``max_age_seconds``)."""
    kind = q.type.value
    field = q.field
    if kind == "completeness":
        absent = M.COMPLETENESS_ABSENT.violation(field, field=field)
        empty = M.COMPLETENESS_EMPTY.violation(field, field=field)

        def check_completeness(event: Any, out: Out, now: Now) -> None:
            v = resolve(event, field)
            if v is MISSING or v is None:
                out.append(absent)
            else:
                if type(v) is not str:
                    no_verdict_without_json(v)
                if isinstance(v, str) and not v:
                    out.append(empty)

        return check_completeness
    if kind == "freshness" and q.max_age_seconds is not None:
        max_age: int = q.max_age_seconds
        max_i64 = wrap_i64(max_age)
        not_ts = M.FRESHNESS_NOT_TIMESTAMP.violation(field, field=field)

        def check_freshness(event: Any, out: Out, now: Now) -> None:
            v = resolve(event, field)
            if v is MISSING:
                return
            if not (isinstance(v, int) and not isinstance(v, bool) and I64_MIN <= v <= I64_MAX):
                no_verdict_without_json(v)
                out.append(not_ts)
                return
            ts = int(v)
            if ts > 1_700_000_000_000:
                ts //= 1000
            age = wrap_i64(_now_seconds(now) - ts)
            if age < 0 or age > max_i64:
                out.append(M.FRESHNESS_AGE.violation(field, field=field, age=age, max=max_age))

        return check_freshness
    return None


def compliance_check(declared: FrozenSet[str]) -> EventRule:
    """Compliance mode (§4.11): every top-level key not declared, in sorted order."""

    def check_compliance(event: Any, out: Out, now: Now) -> None:
        keys = list(event)
        for k in keys:
            if not isinstance(k, str):
                raise EventTypeError(
                    f"object key {k!r} is a {type(k).__name__}; JSON object keys are strings",
                    python_type=type(k).__name__,
                )
        for k in sorted(keys):
            if k not in declared:
                out.append(M.UNDECLARED.violation(k, field=k))

    return check_compliance


def check_now(now: object) -> None:
    """The one rule for ``now``: None (the clock), a ``datetime``, or a finite number of
    Unix seconds (not a bool), within the engine's clock (an i64 of seconds). Checked
    where a rule reads it and where a caller hands it to many events at once
    (``validate_many``/``validate_batch``/``validate_envelope``, partitions, Dask,
    Spark), so a bad value fails early, named."""
    if now is not None:
        _given_seconds(now)


def _now_seconds(now: Now) -> int:
    if now is None:
        return int(time.time() // 1)
    return _given_seconds(now)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)


def _given_seconds(now: object) -> int:
    """``now`` as the engine's clock reads it: whole Unix seconds, rounded down, exactly
    (a naive ``datetime`` is local time, as ``datetime.timestamp()`` reads it)."""
    if isinstance(now, datetime):
        if now.utcoffset() is None:
            try:
                now = now.astimezone()
            except (OverflowError, ValueError, OSError) as exc:
                raise ValueError(
                    f"now must be a datetime the local time zone can place, got {now!r}; "
                    "give it a tzinfo"
                ) from exc
        seconds: int = (now - _EPOCH) // _SECOND
        return seconds
    if not isinstance(now, (int, float)) or isinstance(now, bool):
        raise TypeError(
            f"now must be Unix seconds (an int or float), a datetime or None, "
            f"not {type(now).__name__}: {now!r}"
        )
    if isinstance(now, float) and not math.isfinite(now):
        raise ValueError(f"now must be a finite number of Unix seconds, got {now!r}")
    seconds = math.floor(now)
    if not I64_MIN <= seconds <= I64_MAX:
        shown = repr(now) if isinstance(now, float) else f"an int of {seconds.bit_length()} bits"
        raise ValueError(
            f"now must be Unix seconds within the engine's clock (a signed 64-bit count), "
            f"got {shown}"
        )
    return seconds


def wrap_i64(x: int) -> int:
    """``x`` as the engine's i64 arithmetic leaves it (two's complement wrap-around)."""
    x &= (1 << 64) - 1
    return x - (1 << 64) if x >= (1 << 63) else x
