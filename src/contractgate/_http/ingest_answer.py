"""One ingest batch answer: checked against the batch that was sent, and kept compactly.

The check (:func:`batch_answer_problem`): one result object per event, in order, with a
true/false ``passed`` and counts that agree, and (``typed``, as the clients check) each
result field the spec types (§3.1, §3.2) of that type when present; anything else is an
error, never a result.

The store (:class:`PackedResults`): a 1,000-event answer decodes to 1,000 dicts of about
0.75 KB (each result echoes its event as ``transformed_event``, gateway-api.md §6.4), so
keeping the decoded answers of a million events takes ~750 MiB. The answer's own bytes,
compressed (zlib level 1), take ~20 bytes per event instead: JSON that repeats the same
keys and mostly the same verdict compresses ~15x, for about 0.6x the CPU time of decoding
it with orjson. Results are decoded again from those bytes when read, by the decoder that
read them first: the same values, types and key order as the decoded answer, for passing
and failing results, whatever the answer holds. (Measured against keeping columns of
the passing results: no more CPU time, fewer bytes, and no shape it cannot keep.)
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping as MappingABC
from itertools import chain
from operator import itemgetter
from typing import Any, Iterator, List, Mapping, Optional, Union

from .._wire import MISSING, VIOLATION_FIELDS, json_kind, violations_problem
from ..models import BatchIngestResponse, DecodedResults, IngestEventResult, ResultStore
from .responses import loads_json

__all__ = [
    "AnswerRaw",
    "FreshResults",
    "PackedResults",
    "batch_answer_problem",
    "kept",
    "read_batch_answer",
]

#: zlib level of a kept answer: level 1, the fastest, already shrinks answers ~15x.
COMPRESS_LEVEL = 1

#: Result fields of a known type (gateway-api.md §3.1, §3.2) but ``violations``, with the
#: type messages name. A field may be missing (the clients read a default, as before);
#: ``transformed_event`` is any JSON; keys the spec does not name are kept, unchecked.
_FIELD_TYPES = {
    "validation_us": "an integer",
    "forwarded": "true or false",
    "contract_version": "a string",
    "quarantine_id": "a string or null",
}
_VIOLATION_ROW = itemgetter(*VIOLATION_FIELDS)  # other keys of a violation are kept
#: What every result of a ``/v1/ingest`` answer holds (the fast check's row).
_ROW_KEYS = ("passed", "index", *_FIELD_TYPES, "violations")
_V1_ONLY = ("index", "quarantine_id")
_NO_VIOLATIONS: List[Any] = []  # a missing ``violations`` (never changed)


def batch_answer_problem(
    data: Mapping[str, Any], count: int, *, typed: bool, passed: Optional[int] = None
) -> Optional[str]:
    """What makes ``data`` (an ingest answer with a ``results`` list) unusable as the
    verdicts of the ``count`` events sent, or None. The gateway answers one result per
    event, in order (``index`` = position when present), with counts that agree: anything
    else would hand back verdicts for events that were not judged, or lose some.

    ``typed`` (what the clients ask; no default, so that no caller gets the lax check
    by omission): each result's fields also have the spec's types
    (a ``quarantine_id`` may be null; ``violations``: objects with string ``field``,
    ``message`` and ``kind``); else the clients would make up values (``"forwarded":
    "x"`` read as false, ``"violations": "zzz"`` as none). Without it, only what
    :class:`PackedResults` needs to keep an answer (whatever its fields hold).

    One pass in Python: ~0.2 µs per result for the structure alone. Typed, an answer of
    either route with every field present is proved by a pass that reads each result's
    fields at once (``itemgetter``: C) and the violations of all results together (C):
    ~0.35 µs per result when all pass, ~0.5 µs for the bench's answers (a third failing);
    anything else by the pass that says what is wrong (:func:`_results_problem`).

    ``passed``: how many results passed, when the caller already proved the results
    (``fast_answer``, with typed structs): only the counts are checked then."""
    for name in ("total", "passed", "failed"):
        value = data.get(name, MISSING)
        if type(value) is not int:
            return f"'{name}' is {json_kind(value)}, not a count"
    results = data["results"]
    if len(results) != count or data["total"] != count:
        return (
            f"it lists {len(results)} result(s) (total {data['total']}) "
            f"for the {count} event(s) sent"
        )
    if passed is None and typed:
        passed = _plain_passed(results)
    if passed is None:
        checked = _results_problem(results, typed)
        if isinstance(checked, str):
            return checked
        passed = checked
    if data["passed"] != passed or data["failed"] != count - passed:
        return (
            f"its counts (passed {data['passed']}, failed {data['failed']}) disagree with "
            f"its {count} results ({passed} passed)"
        )
    return None


def _plain_passed(results: List[Any]) -> Optional[int]:
    """How many of ``results`` passed, when each is the usual result: an object with every
    field of :data:`_ROW_KEYS` (``/v1/ingest``; ``index`` its position) or every one but
    ``index`` and ``quarantine_id`` and neither of those (``/ingest``), each field of its
    type. None when any is not (:func:`_results_problem` then says what, if anything, is
    wrong). Never accepts what :func:`_results_problem` refuses."""
    if not results or type(results[0]) is not dict:
        return None
    # the decoder's own key objects: equal keys are one object across an answer (orjson
    # and json), so each lookup is decided by identity
    own = {k: k for k in results[0]}
    passed = 0
    violations: List[List[Any]] = []
    try:
        if "index" not in own:
            return _plain_passed_unindexed(results, own)
        row = itemgetter(*(own.get(k, k) for k in _ROW_KEYS))
        i = -1
        for verdict, index, vus, forwarded, version, quarantine_id, vs in map(row, results):
            i += 1
            if verdict is True:
                passed += 1
            elif verdict is not False:
                return None
            if (
                index != i
                or type(index) is not int
                or type(vus) is not int
                or (forwarded is not True and forwarded is not False)
                or type(version) is not str
                or type(vs) is not list
                or (quarantine_id is not None and type(quarantine_id) is not str)
            ):
                return None
            if vs:
                violations.append(vs)
        _check_violations(violations)
    except (KeyError, TypeError):  # a missing field; a result or violation not an object
        return None
    return passed


def _plain_passed_unindexed(results: List[Any], own: Mapping[str, str]) -> Optional[int]:
    """:func:`_plain_passed` for ``/ingest`` results (no ``index``, no ``quarantine_id``);
    raises KeyError or TypeError as it does."""
    row = itemgetter(*(own.get(k, k) for k in _ROW_KEYS if k not in _V1_ONLY))
    passed = 0
    violations: List[List[Any]] = []
    for r in results:
        verdict, vus, forwarded, version, vs = row(r)
        if verdict is True:
            passed += 1
        elif verdict is not False:
            return None
        if (
            "index" in r
            or "quarantine_id" in r
            or type(vus) is not int
            or (forwarded is not True and forwarded is not False)
            or type(version) is not str
            or type(vs) is not list
        ):
            return None
        if vs:
            violations.append(vs)
    _check_violations(violations)
    return passed


def _check_violations(violations: List[List[Any]]) -> None:
    """Raises TypeError (or KeyError) unless every item of these lists is an object with
    string ``field``, ``message`` and ``kind``: C passes, no Python per violation."""
    if violations:
        "".join(chain.from_iterable(map(_VIOLATION_ROW, chain.from_iterable(violations))))


def _results_problem(results: List[Any], typed: bool) -> Union[str, int]:
    """What is wrong with ``results`` (naming the result, the field and what it holds;
    the fields' types when ``typed``), else how many passed."""
    passed = 0
    for i, r in enumerate(results):
        if type(r) is not dict:
            return f"result {i} is {json_kind(r)}, not an object"
        get = r.get
        verdict = get("passed")
        if verdict is True:
            passed += 1
        elif verdict is not False:
            return f"result {i} has no true/false 'passed'"
        index = get("index", i)
        if type(index) is not int or index != i:
            return f"result {i} has 'index' {index!r}, not its position {i}"
        if not typed:
            continue
        vus = get("validation_us", 0)
        if type(vus) is not int:
            return _field_problem(i, "validation_us", vus)
        forwarded = get("forwarded", False)
        if type(forwarded) is not bool:
            return _field_problem(i, "forwarded", forwarded)
        version = get("contract_version", "")
        if type(version) is not str:
            return _field_problem(i, "contract_version", version)
        quarantine_id = get("quarantine_id")
        if quarantine_id is not None and type(quarantine_id) is not str:
            return _field_problem(i, "quarantine_id", quarantine_id)
        vs = get("violations", _NO_VIOLATIONS)
        if vs or type(vs) is not list:
            problem = _violations_problem(vs)
            if problem is not None:
                return f"result {i}: {problem}"
    return passed


def _field_problem(i: int, name: str, value: Any) -> str:
    return f"result {i} has '{name}' {json_kind(value)}, not {_FIELD_TYPES[name]}"


def _violations_problem(vs: Any) -> Optional[str]:
    """What makes ``vs`` not a ``violations`` array, or None: the models' rule
    (``_wire.violations_problem``), after a check of the usual case in C."""
    if type(vs) is list:
        try:  # TypeError (or KeyError) unless all are objects with string fields
            "".join(chain.from_iterable(map(_VIOLATION_ROW, vs)))
            return None
        except (KeyError, TypeError):
            pass
    return violations_problem(vs)


class PackedResults:
    """The results of one checked answer, kept as the answer's bytes, zlib-compressed
    (see the module docstring). Implements :class:`~contractgate.models.ResultStore`;
    ``failed`` (the answer's count) spares decoding an answer without failures when only
    those are asked for."""

    __slots__ = ("count", "failed", "offset", "packed")

    def __init__(self, content: bytes, offset: int, count: int, failed: int) -> None:
        self.packed = zlib.compress(content, COMPRESS_LEVEL)
        self.offset = offset
        self.count = count
        self.failed = failed

    def answer(self) -> Mapping[str, Any]:
        """The answer, decoded again."""
        data: Mapping[str, Any] = loads_json(zlib.decompress(self.packed))
        return data

    def decoded(self) -> DecodedResults:
        return DecodedResults(self.answer()["results"], self.offset)

    def __len__(self) -> int:
        return self.count

    def build(self, failing_only: bool = False) -> Iterator[IngestEventResult]:
        if failing_only and not self.failed:
            return iter(())
        return self.decoded().build(failing_only)

    def failing(self) -> Optional[ResultStore]:
        return self.decoded().failing() if self.failed else None


class AnswerRaw(MappingABC):  # type: ignore[type-arg]
    """The decoded answer object (``BatchIngestResponse.raw``) of a packed answer: its
    top-level values, and ``["results"]`` decoded again when read. Equal to the decoded
    answer, keys in its order."""

    __slots__ = ("_store", "_top")

    def __init__(self, top: Mapping[str, Any], store: PackedResults) -> None:
        self._top = {k: (None if k == "results" else v) for k, v in top.items()}
        self._store = store

    def __getitem__(self, key: str) -> Any:
        if key == "results":
            return self._store.answer()["results"]
        return self._top[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._top)

    def __len__(self) -> int:
        return len(self._top)

    def __repr__(self) -> str:
        return repr(dict(self))


class FreshResults(DecodedResults):
    """A just-decoded answer's results, with the answer's bytes: what ``on_batch`` reads
    (no second decoding), until :func:`kept` packs them for the rest of the ingest."""

    __slots__ = ("content", "failed")

    def __init__(self, raws: List[Any], offset: int, content: bytes, failed: int) -> None:
        super().__init__(raws, offset)
        self.content = content
        self.failed = failed

    def pack(self) -> PackedResults:
        return PackedResults(self.content, self.offset, len(self), self.failed)


def kept(part: BatchIngestResponse) -> BatchIngestResponse:
    """``part`` (an acknowledged batch) as it is kept for the rest of the ingest: a fresh
    answer packed, its ``raw`` an :class:`AnswerRaw` of the packed bytes."""
    stores = part.result_stores()
    if len(stores) != 1 or not isinstance(stores[0], FreshResults):
        return part
    store = stores[0].pack()
    return part.with_results((store,), AnswerRaw(part.raw, store))


def read_batch_answer(
    data: Mapping[str, Any], content: bytes, count: int, offset: int, *, typed: bool
) -> Union[str, FreshResults]:
    """The problem that makes ``data`` (decoded from ``content``) unusable as the
    verdicts of the ``count`` events sent (see :func:`batch_answer_problem`; the clients
    ask ``typed``); else its results, fresh (:func:`kept` packs the acknowledged ones)."""
    problem = batch_answer_problem(data, count, typed=typed)
    if problem is not None:
        return problem
    return FreshResults(data["results"], offset, content, data["failed"])
