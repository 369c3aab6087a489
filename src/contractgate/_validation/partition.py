"""Validate one partition of a dataset: the engine-agnostic core of the scale-out layer.

Dask, Spark and a ``ProcessPoolExecutor`` all hand a worker an iterable of events (or
raw NDJSON lines) plus where it sits in the dataset; the worker answers with positioned
verdicts and a :class:`ValidationSummary`. Nothing here knows an engine, so every
engine gives the same answers as a single process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from .._frozenlist import EMPTY, FrozenList, freeze_fields
from ..exceptions import EventDecodeError, EventTypeError
from .compiler import CompiledContract, Now
from .inputs import iter_events
from .rules import check_now
from .summary import (
    NOT_JSON_VALUE,
    PARSE_ERROR,
    ROOT_FIELD,
    Tally,
    ValidationSummary,
    check_count,
)
from .values.pyjson import to_event_value
from .violations import Violation

__all__ = [
    "EventOutcome",
    "PartitionReport",
    "check_unique_columns",
    "frame_records",
    "summarize_partition",
    "validate_chunk",
    "validate_partition",
]

#: The items read as raw JSON text (one event a line), not as decoded events.
LINE_TYPES = (str, bytes, bytearray, memoryview)


@dataclass(frozen=True)
class EventOutcome:
    """The verdict for one event at its position: ``partition`` and ``offset`` (the
    event's index within the partition, counting from the partition's ``start``).

    ``passed`` is true exactly when ``violations`` is empty. A line that is not JSON,
    or a value that is no JSON value, fails with one violation of kind
    ``parse_error`` / ``not_json_value`` on field ``<root>``.
    """

    partition: int
    offset: int
    passed: bool
    violations: Sequence[Violation] = EMPTY

    def __post_init__(self) -> None:
        if type(self.violations) is not FrozenList:
            freeze_fields(self, "violations")

    @property
    def position(self) -> Tuple[int, int]:
        return (self.partition, self.offset)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "partition": self.partition,
            "offset": self.offset,
            "passed": self.passed,
            "violations": [v.to_dict() for v in self.violations],
        }


@dataclass(frozen=True)
class PartitionReport:
    """What one partition answers: its outcomes (the failing ones only, unless asked
    for all) and the summary of every event in it."""

    partition: int
    outcomes: Sequence[EventOutcome]
    summary: ValidationSummary

    def __post_init__(self) -> None:
        if type(self.outcomes) is not FrozenList:
            freeze_fields(self, "outcomes")


def _check_arguments(partition: int, start: int, now: Now) -> None:
    check_count("partition", partition)
    check_count("start", start)
    check_now(now)


def is_blank(item: Any) -> bool:
    """A blank line of raw JSON text (only JSON whitespace: space, tab, CR, LF, as the
    CLI's readers skip them; a form feed or NBSP is no whitespace to the gateway):
    skipped, its offset kept."""
    if isinstance(item, str):
        return not item.strip(" \t\r\n")
    return not bytes(item).strip(b" \t\r\n")


def _error(kind: str, err: Exception) -> Tuple[Violation, ...]:
    return (Violation(ROOT_FIELD, str(err), kind),)


def _outcomes(
    compiled: CompiledContract,
    events: Iterable[Any],
    partition: int,
    start: int,
    failures_only: bool,
    tally: Optional[Tally],
    now: Now,
) -> Iterator[EventOutcome]:
    """The one loop every entry point runs. Blank lines are skipped (their offsets stay
    taken, so an offset is still a line number within the partition)."""
    validate = compiled.validate
    validate_json = compiled.validate_json
    timed = now is not None
    total = passed = 0
    offset = start - 1
    try:
        for item in events:
            offset += 1
            try:
                if isinstance(item, LINE_TYPES):
                    try:
                        r = validate_json(item, now=now) if timed else validate_json(item)
                    except EventDecodeError as err:
                        if is_blank(item):
                            continue
                        violations: Sequence[Violation] = _error(PARSE_ERROR, err)
                        ok = False
                    else:
                        ok, violations = r.passed, r.violations
                else:
                    # what the client would send: tuples as arrays, a set refused
                    value = to_event_value(item)
                    r = validate(value, now=now) if timed else validate(value)
                    ok, violations = r.passed, r.violations
            except (EventTypeError, EventDecodeError) as err:
                ok, violations = False, _error(NOT_JSON_VALUE, err)
            total += 1
            if ok:
                passed += 1
                if not failures_only:
                    yield EventOutcome(partition, offset, True, EMPTY)
                continue
            if tally is not None:
                tally.add(partition, offset, violations)
            yield EventOutcome(partition, offset, False, violations)
    finally:
        if tally is not None:
            # Tally.add counted the failures; the passes are counted here in bulk
            tally.total += passed
            tally.passed += passed


def validate_partition(
    compiled: CompiledContract,
    events: Iterable[Any],
    *,
    partition: int = 0,
    start: int = 0,
    failures_only: bool = False,
    now: Now = None,
) -> Iterator[EventOutcome]:
    """Validate each item of ``events`` lazily, as :meth:`CompiledContract.validate` does,
    and yield its :class:`EventOutcome` at (``partition``, ``start`` + index).

    Items are decoded JSON values (mapped as the client maps them before sending:
    tuples are arrays, a ``set`` or ``datetime`` anywhere is refused), or raw JSON text
    (``str``/``bytes``, one event per item, e.g. NDJSON lines) decoded the gateway's
    way; blank lines are skipped. Bad text or a non-JSON value is a failing outcome,
    never an exception, so one bad row does not fail a partition. ``events`` itself is
    read as ``ingest`` reads it: one mapping is one event, a ``str`` is a ``TypeError``
    (not a partition of characters). For a global index,
    pass ``partition=0`` and ``start=<index of the first item>``. Batch rules
    (uniqueness within a request) are not applied: a dataset has no requests.
    """
    _check_arguments(partition, start, now)
    it = iter_events(events)  # a str or a mapping is refused or taken now, not when read
    return _outcomes(compiled, it, partition, start, failures_only, None, now)


def validate_chunk(
    compiled: CompiledContract,
    items: Iterable[Any],
    *,
    partition: int = 0,
    start: int = 0,
    max_examples: int = 5,
    failures_only: bool = True,
    now: Now = None,
) -> PartitionReport:
    """Validate a whole chunk: its outcomes (the failing ones unless ``failures_only``
    is false) and its :class:`ValidationSummary`.

    A module-level function of picklable arguments and result, so it is a task for a
    ``concurrent.futures.ProcessPoolExecutor`` as is (``pool.submit(validate_chunk,
    compiled, lines, partition=i)``), and what the Dask and Spark integrations run
    per partition. Add the reports' summaries up in any order for the whole dataset.
    """
    _check_arguments(partition, start, now)
    tally = Tally(max_examples)
    outcomes = FrozenList(
        _outcomes(compiled, iter_events(items), partition, start, failures_only, tally, now)
    )
    return PartitionReport(partition, outcomes, tally.summary())


def summarize_partition(
    compiled: CompiledContract,
    items: Iterable[Any],
    *,
    partition: int = 0,
    start: int = 0,
    max_examples: int = 5,
    now: Now = None,
) -> ValidationSummary:
    """The summary of a chunk alone (no outcomes kept: memory stays flat however many
    events fail)."""
    _check_arguments(partition, start, now)
    tally = Tally(max_examples)
    for _ in _outcomes(compiled, iter_events(items), partition, start, True, tally, now):
        pass
    return tally.summary()


# ------------------------------------------------------------------ columnar rows


def _missing(v: Any) -> bool:
    """A cell a columnar frame uses for "no value": None, NaN, pandas' NA/NaT."""
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    name = type(v).__name__
    return name in ("NAType", "NaTType")


def _none(v: Any) -> bool:
    """A cell of a frame whose only "no value" is null (Spark, Arrow): NaN is a value."""
    return v is None


def _plain(obj: Any) -> Any:
    """numpy arrays and scalars (pandas list cells) -> Python lists and numbers."""
    if type(obj).__module__ == "numpy" and hasattr(obj, "tolist"):
        return obj.tolist()
    return obj


def _drop_missing(obj: Any, missing: Callable[[Any], bool]) -> Any:
    obj = _plain(obj)
    if isinstance(obj, dict):
        # a cell is made plain before it is judged: a numpy NaN or NaT in a dict cell
        # (float32, datetime64) is missing only once it is a Python value
        cells = ((k, _plain(v)) for k, v in obj.items())
        return {k: _drop_missing(v, missing) for k, v in cells if not missing(v)}
    if isinstance(obj, list):
        items = (_plain(v) for v in obj)
        return [None if missing(v) else _drop_missing(v, missing) for v in items]
    return obj


def _null_missing(obj: Any, missing: Callable[[Any], bool]) -> Any:
    obj = _plain(obj)
    if isinstance(obj, dict):
        return {k: _null_missing(v, missing) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_null_missing(v, missing) for v in obj]
    return None if missing(obj) else obj


def frame_records(
    records: Iterable[Dict[str, Any]], null_cells: str, *, nan_is_missing: bool = True
) -> Iterator[Any]:
    """Rows of a DataFrame (as dicts) -> events (lazily; the option is checked now).

    A columnar frame cannot tell an absent key from a null one: ``null_cells="absent"``
    drops every missing cell (None, NaN, NA, NaT) from the objects, top-level and
    nested, as if the key were absent; ``"null"`` keeps them as JSON ``null``. Missing
    list items are always ``null``. ``nan_is_missing=False`` is for frames with a real
    null (Spark, Arrow): only null is missing there, and a NaN stays a NaN, which no
    JSON can carry (``not_json_value``, as the gateway would refuse it).
    """
    if null_cells == "absent":
        fix = _drop_missing
    elif null_cells == "null":
        fix = _null_missing
    else:
        raise ValueError(f"null_cells must be 'absent' or 'null', got {null_cells!r}")
    missing = _missing if nan_is_missing else _none
    return (fix(record, missing) for record in records)


def check_unique_columns(function: str, names: Sequence[Any], struct: str = "") -> None:
    """Refuse, on the driver, a frame (or a ``struct`` column) with two columns of one
    name, a join's usual leftover: its rows would become events holding only one of
    them (pandas and Arrow keep the last), a verdict on data nobody chose."""
    at: Dict[Any, List[int]] = {}
    for i, name in enumerate(names):
        at.setdefault(name, []).append(i)
    repeated = [f"{name!r} (at {', '.join(map(str, i))})" for name, i in at.items() if len(i) > 1]
    if repeated:
        whose = f"struct column {struct!r} has fields" if struct else "the frame has columns"
        raise ValueError(
            f"{function}: {whose} of the same name: {'; '.join(repeated)}. An event has one "
            "value per field and its row would keep only the last: rename or drop the "
            "others first"
        )
