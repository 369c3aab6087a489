"""One ingest batch answer: checked against the batch that was sent, and kept compactly.

The check (:func:`batch_answer_problem`): one result object per event, in order, with a
true/false ``passed`` and counts that agree. A well-formed answer is proved so by a few
passes that run in C (:func:`_verdicts`); only an answer that fails them is walked result
by result, to name what is wrong.

The store (:class:`CompactResults`): a 1,000-event answer decodes to 1,000 dicts of about
0.75 KB, most of them the same passing verdict around the event echoed back as
``transformed_event`` (gateway-api.md §6.4): kept as they are, a million results take
~750 MiB. Instead, the passing results are kept as one column per key: a constant where
they all hold the same value (``passed``, ``violations``, ``forwarded``,
``quarantine_id``, most often ``contract_version``), the position (``index``), an array of
small ints (``validation_us``), a table of a few distinct strings, and JSON values
(``transformed_event``) as one zlib-compressed JSON array, which is most of what a passing
event costs (~15 bytes for a small event). Failing results (and results of another shape)
are kept as decoded. Building a result rebuilds the decoded object it came from, equal to
it key for key and in its key order, and hands it to ``IngestEventResult.from_dict``: the
same result, ``raw`` included, as from the decoded answer.

The usual answer costs a handful of passes that run in C (:meth:`CompactResults.of_passing`:
the keys that may differ between passing results get a column each; that the others hold
the same value in every passing result is proved by comparing their JSON). Any other
answer gets a column per key of the results that share the first one's keys
(:meth:`CompactResults.of_results`). JSON values are written and read with orjson when it
is installed (``contractgate[fast]``): without it they are kept as decoded (the stdlib
encoder would cost more than the ingest).
"""

from __future__ import annotations

import json
import zlib
from array import array
from collections.abc import Mapping as MappingABC
from itertools import compress, repeat
from operator import is_not, itemgetter, not_
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from ..models import DecodedResults, IngestEventResult, ResultStore, is_failure, result_from_raw

__all__ = ["AnswerRaw", "CompactResults", "batch_answer_problem", "read_batch_answer"]

_orjson_dumps: Optional[Callable[[Any], bytes]]
_orjson_loads: Optional[Callable[[bytes], Any]]
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson_dumps = _orjson_loads = None
else:
    _orjson_dumps, _orjson_loads = _orjson.dumps, _orjson.loads

#: zlib level of the JSON columns: level 1 shrinks echoed events ~6x for ~4 ns a byte.
COMPRESS_LEVEL = 1

_MISSING = object()
_JSON_KINDS = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


def _kind(value: Any) -> str:
    """``value`` named as JSON names it, for messages."""
    if value is _MISSING:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"the number {value!r}"
    return _JSON_KINDS.get(type(value), "a number")


# ---------------------------------------------------------------------------- the check


def batch_answer_problem(data: Mapping[str, Any], count: int) -> Optional[str]:
    """What makes ``data`` (an ingest answer with a ``results`` list) unusable as the
    verdicts of the ``count`` events sent, or None. The gateway answers one result per
    event, in order (``index`` = position when present), with counts that agree: anything
    else would hand back verdicts for events that were not judged, or lose some."""
    for name in ("total", "passed", "failed"):
        value = data.get(name, _MISSING)
        if type(value) is not int:
            return f"'{name}' is {_kind(value)}, not a count"
    results = data["results"]
    if len(results) != count or data["total"] != count:
        return (
            f"it lists {len(results)} result(s) (total {data['total']}) "
            f"for the {count} event(s) sent"
        )
    passed = 0
    for i, r in enumerate(results):
        if type(r) is not dict:
            return f"result {i} is {_kind(r)}, not an object"
        verdict = r.get("passed")
        if verdict is True:
            passed += 1
        elif verdict is not False:
            return f"result {i} has no true/false 'passed'"
        index = r.get("index", i)
        if type(index) is not int or index != i:
            return f"result {i} has 'index' {index!r}, not its position {i}"
    if data["passed"] != passed or data["failed"] != count - passed:
        return (
            f"its counts (passed {data['passed']}, failed {data['failed']}) disagree with "
            f"its {count} results ({passed} passed)"
        )
    return None


_BOOL = {bool}
_INT = {int}
_DICT = {dict}


def _verdicts(data: Mapping[str, Any], count: int) -> Optional[List[Any]]:
    """The ``passed`` of each result when :func:`batch_answer_problem` would find nothing
    wrong, proved with passes that run in C; None when it may (it then names what)."""
    total, passed, failed = data.get("total"), data.get("passed"), data.get("failed")
    if type(total) is not int or type(passed) is not int or type(failed) is not int:
        return None
    results = data["results"]
    if len(results) != count or total != count or set(map(type, results)) != _DICT:
        return None
    verdicts: List[Any] = list(map(dict.get, results, repeat("passed")))
    if set(map(type, verdicts)) != _BOOL:
        return None
    positions = range(count)
    indexes = list(map(dict.get, results, repeat("index"), positions))
    if indexes != list(positions) or set(map(type, indexes)) != _INT:
        return None
    good = verdicts.count(True)
    return verdicts if passed == good and failed == count - good else None


# ---------------------------------------------------------------------------- columns

# One column of a store: (how, data). Value ``k`` of the column is
#   "const"    ``data`` (an immutable JSON scalar: the same in every result)
#   "same"     a new decoding of the JSON bytes ``data`` (the same object or array)
#   "empty"    a new empty list
#   "position" the position of the ``k``-th result of the store in the answer
#   "flags"    ``data[k]`` as a bool (``data`` is a bytes of 0/1)
#   "ints"     ``data[k]`` (an array of integers)
#   "table"    ``table[numbers[k]]``, ``data = (table, numbers)`` (numbers: a bytes)
#   "sparse"   ``values[k]`` if ``k in values``, else None, or a new empty list when
#              ``default_is_list``: ``data = (default_is_list, values)``
#   "json"     item ``k`` of a JSON array, ``data = (zlib-compressed JSON array, read it
#              with the stdlib decoder)``
#   "objects"  ``data[k]`` (a tuple of the values as decoded)
Column = Tuple[str, Any]

_SCALARS = frozenset({str, int, float, bool, type(None)})
_STRINGS = frozenset({str, type(None)})
_BOOLS = (False, True)
_INT_CODES = (("B", 0, 1 << 8), ("H", 0, 1 << 16), ("i", -(1 << 31), 1 << 31))


def _loads(data: bytes, stdlib: bool) -> Any:
    return json.loads(data) if stdlib or _orjson_loads is None else _orjson_loads(data)


def _dumps(value: Any) -> Tuple[bytes, bool]:
    """``value`` (decoded JSON) as JSON bytes, and whether the stdlib must read them:
    orjson cannot write back integers beyond 64 bits or lone surrogates (which only the
    stdlib decoder lets through); the stdlib's ASCII JSON round-trips both."""
    if _orjson_dumps is not None:
        try:
            return _orjson_dumps(value), False
        except Exception:
            pass
    return json.dumps(value, separators=(",", ":")).encode("ascii"), True


def _ints(values: Sequence[int]) -> Optional[Column]:
    lo, hi = min(values), max(values)
    for code, low, high in _INT_CODES:
        if low <= lo and hi < high:
            return ("ints", array(code, values))
    if -(1 << 63) <= lo and hi < 1 << 63:
        return ("ints", array("q", values))
    return None


def _json_column(values: Sequence[Any]) -> Column:
    if _orjson_dumps is None:
        return ("objects", tuple(values))
    blob, stdlib = _dumps(values)
    return ("json", (zlib.compress(blob, COMPRESS_LEVEL), stdlib))


def _table(values: Sequence[Any], distinct: Iterable[Any]) -> Column:
    table = tuple(distinct)
    number = {v: i for i, v in enumerate(table)}
    return ("table", (table, bytes(map(number.__getitem__, values))))


def _sparse(values: Sequence[Any], present: Sequence[bool], default_is_list: bool) -> Column:
    found = zip(compress(range(len(values)), present), compress(values, present))
    return ("sparse", (default_is_list, dict(found)))


def _constant(value: Any) -> Column:
    """The column of a value every result holds (checked equal as JSON)."""
    if type(value) in _SCALARS:
        return ("const", value)
    if type(value) is list and not value:
        return ("empty", None)
    return ("same", _dumps(value))


def _column(values: Sequence[Any], positions: Sequence[int]) -> Column:
    """The most compact exact column for ``values`` (of the results at ``positions``)."""
    m = len(values)
    types = set(map(type, values))
    if len(types) == 1:
        t = next(iter(types))
        if t in _SCALARS:
            distinct = set(values)
            if len(distinct) == 1:
                return ("const", values[0])
            if t is bool:
                return ("flags", bytes(values))
            if t is int:
                if list(values) == list(positions):
                    return ("position", None)
                return _ints(values) or ("objects", tuple(values))
            if t is str and len(distinct) <= 256:
                return _table(values, distinct)
        elif t is list:
            empty = values.count([])
            if empty == m:
                return ("empty", None)
            if 2 * empty >= m:
                return _sparse(values, list(map(bool, values)), True)
            return _json_column(values)
        elif t is dict:
            return _json_column(values)
    elif types <= _STRINGS:
        if 2 * values.count(None) >= m:
            return _sparse(values, list(map(is_not, values, repeat(None))), False)
        distinct = set(values)
        if len(distinct) <= 256:
            return _table(values, distinct)
    elif not types & _SCALARS:  # objects and arrays
        return _json_column(values)
    return ("objects", tuple(values))


def _values(column: Column, positions: Sequence[int]) -> Iterable[Any]:
    """The values of one column, in order (``positions``: of the store's results)."""
    how, data = column
    m = len(positions)
    if how == "const":
        return repeat(data, m)
    if how == "same":
        return (_loads(*data) for _ in range(m))
    if how == "empty":
        return map(list, repeat((), m))
    if how == "position":
        return positions
    if how == "flags":
        return map(_BOOLS.__getitem__, data)
    if how == "table":
        table, numbers = data
        return map(table.__getitem__, numbers)
    if how == "sparse":
        default_is_list, found = data
        if default_is_list:
            return (found[k] if k in found else [] for k in range(m))
        return map(found.get, range(m))
    if how == "json":
        blob, stdlib = data
        decoded: List[Any] = _loads(zlib.decompress(blob), stdlib)
        return decoded
    return data  # type: ignore[no-any-return]  # "ints", "objects"


# ---------------------------------------------------------------------------- the store

#: Keys whose values differ between passing results: a column each. The others hold the
#: same value in every passing result of a usual answer.
_VARYING = frozenset({"index", "passed", "validation_us", "contract_version", "transformed_event"})


class CompactResults:
    """The results of one answer: those in columns (each result holds ``keys``), and the
    others as decoded (``whole``, by position). Implements
    :class:`~contractgate.models.ResultStore`."""

    __slots__ = ("columns", "count", "keys", "offset", "whole")

    def __init__(
        self,
        offset: int,
        count: int,
        keys: Tuple[str, ...],
        columns: Tuple[Column, ...],
        whole: Dict[int, Mapping[str, Any]],
    ) -> None:
        self.offset = offset
        self.count = count
        self.keys = keys
        self.columns = columns
        self.whole = whole

    @classmethod
    def of_passing(
        cls, results: Sequence[Mapping[str, Any]], verdicts: Sequence[bool], offset: int
    ) -> Optional[CompactResults]:
        """The usual answer's store: passing results in columns, failing ones as decoded;
        None when the passing results do not all hold the first one's keys in its order,
        or differ in a key outside :data:`_VARYING`."""
        n = len(results)
        passing = list(compress(results, verdicts))
        whole = {p: results[p] for p in compress(range(n), map(not_, verdicts))}
        if not passing:
            return cls(offset, n, (), (), whole)
        if _orjson_dumps is None:
            return None  # the check of the same values needs a fast JSON encoder
        keys = tuple(passing[0])
        if list(map(tuple, passing)).count(keys) != len(passing):
            return None  # another key, or another order
        positions = range(n) if not whole else list(compress(range(n), verdicts))
        same = tuple(k for k in keys if k not in _VARYING)
        columns: Dict[str, Column] = {}
        try:
            if same:
                rows = list(map(itemgetter(*same), passing))
                first = _orjson_dumps(rows[0])
                if _orjson_dumps(rows) != b"[" + b",".join(repeat(first, len(rows))) + b"]":
                    return None
                values = rows[0] if len(same) > 1 else (rows[0],)
                columns.update(zip(same, map(_constant, values)))
            for key in keys:
                if key == "passed":
                    columns[key] = ("const", True)
                elif key == "index":  # checked: the position
                    columns[key] = ("position", None)
                elif key not in columns:
                    columns[key] = _column(list(map(itemgetter(key), passing)), positions)
        except (KeyError, TypeError):  # a key missing, or a value orjson cannot write
            return None
        return cls(offset, n, keys, tuple(columns[k] for k in keys), whole)

    @classmethod
    def of_results(cls, results: Sequence[Mapping[str, Any]], offset: int) -> CompactResults:
        """Any checked answer's store: a column per key of the results that hold the
        first result's keys in its order; the others as decoded."""
        n = len(results)
        keys = tuple(results[0]) if n else ()
        alike = [tuple(r) == keys for r in results]
        rows = list(compress(results, alike))
        whole = {p: results[p] for p in compress(range(n), map(not_, alike))}
        positions = range(n) if not whole else list(compress(range(n), alike))
        columns: Tuple[Column, ...] = ()
        if rows and keys:
            if len(keys) == 1:
                cols: List[Sequence[Any]] = [list(map(itemgetter(keys[0]), rows))]
            else:
                cols = list(zip(*map(itemgetter(*keys), rows)))
            columns = tuple(_column(c, positions) for c in cols)
        return cls(offset, n, keys, columns, whole)

    def __len__(self) -> int:
        return self.count

    def raws(self, failing_only: bool = False) -> Iterator[Tuple[int, Mapping[str, Any]]]:
        """``(position, decoded result)`` for each result (each failing one), rebuilt,
        in order."""
        whole, keys = self.whole, self.keys
        positions = (
            range(self.count) if not whole else [p for p in range(self.count) if p not in whole]
        )
        rows: Iterator[Tuple[Any, ...]] = iter(())
        if self.columns:
            rows = zip(*(_values(c, positions) for c in self.columns))
        verdict = keys.index("passed") if "passed" in keys else -1
        for pos in range(self.count):
            raw = whole.get(pos)
            if raw is None:
                row = next(rows, None)
                if row is None:  # a result with no key at all
                    row = ()
                elif failing_only and verdict >= 0 and row[verdict] is True:
                    continue
                yield pos, dict(zip(keys, row))
            elif not failing_only or is_failure(raw):
                yield pos, raw

    def build(self, failing_only: bool = False) -> Iterator[IngestEventResult]:
        offset = self.offset
        for pos, raw in self.raws(failing_only):
            yield result_from_raw(raw, offset, pos)

    def failing(self) -> Optional[ResultStore]:
        bad = list(self.raws(failing_only=True))
        if not bad:
            return None
        return DecodedResults([r for _, r in bad], self.offset, [p for p, _ in bad])


class AnswerRaw(MappingABC):  # type: ignore[type-arg]
    """The decoded answer object (``BatchIngestResponse.raw``) without a second copy of
    its results: ``["results"]`` rebuilds them from the store. Equal to the decoded
    answer, keys in its order."""

    __slots__ = ("_store", "_top")

    def __init__(self, top: Mapping[str, Any], store: CompactResults) -> None:
        self._top = {k: (None if k == "results" else v) for k, v in top.items()}
        self._store = store

    def __getitem__(self, key: str) -> Any:
        if key == "results":
            return [raw for _, raw in self._store.raws()]
        return self._top[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._top)

    def __len__(self) -> int:
        return len(self._top)

    def __repr__(self) -> str:
        return repr(dict(self))


def read_batch_answer(
    data: Mapping[str, Any], count: int, offset: int, *, compact: bool = True
) -> Union[str, Tuple[ResultStore, Mapping[str, Any]]]:
    """The problem that makes ``data`` unusable as the verdicts of the ``count`` events
    sent (see :func:`batch_answer_problem`); else its results (as a
    :class:`CompactResults` when ``compact``, else as decoded) and the ``raw`` of the
    batch response."""
    results = data["results"]
    verdicts = _verdicts(data, count)
    if verdicts is None:
        problem = batch_answer_problem(data, count)
        if problem is not None:
            return problem
    if not compact:
        return DecodedResults(results, offset), data
    store = None
    if verdicts is not None:
        store = CompactResults.of_passing(results, verdicts, offset)
    if store is None:
        store = CompactResults.of_results(results, offset)
    return store, AnswerRaw(data, store)
