"""Kept ingest results, compactly (``contractgate._http.ingest_answer``).

The store builds exactly the results the decoded answer builds (``raw`` included, value
types and all), whatever the answer holds; a passing event costs a few dozen bytes; and the
fast proof that an answer is well formed never accepts what the full check refuses."""

from __future__ import annotations

import copy
import json
import pickle
import tracemalloc
from typing import Any, Dict, List, Tuple

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contractgate import Client
from contractgate._http import ingest_answer, responses
from contractgate._http.ingest_answer import (
    AnswerRaw,
    CompactResults,
    batch_answer_problem,
    read_batch_answer,
)
from contractgate.async_client import AsyncClient
from contractgate.models import BatchIngestResponse, IngestEventResult, result_from_raw

KEYS = ("index", "passed", "violations", "validation_us", "forwarded", "contract_version",
        "quarantine_id", "transformed_event")  # fmt: skip


def typed(value: Any) -> Any:
    """``value`` with the type of every part spelled out (``1``, ``1.0`` and ``True``
    differ; so do ``0.0`` and ``-0.0``) and the order of object keys kept."""
    if isinstance(value, dict):
        return ("{", [(k, typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("[", [typed(v) for v in value])
    return (type(value).__name__, repr(value))


def expected(results: List[Any], offset: int) -> List[IngestEventResult]:
    return [result_from_raw(r, offset, i) for i, r in enumerate(copy.deepcopy(results))]


def assert_same(got: List[IngestEventResult], want: List[IngestEventResult]) -> None:
    assert got == want
    assert [repr(r) for r in got] == [repr(r) for r in want]
    assert [typed(dict(r.raw)) for r in got] == [typed(dict(r.raw)) for r in want]
    assert [typed(r.transformed_event) for r in got] == [typed(r.transformed_event) for r in want]


def answer(results: List[Dict[str, Any]]) -> Dict[str, Any]:
    passed = sum(1 for r in results if r.get("passed") is True)
    return {"total": len(results), "passed": passed, "failed": len(results) - passed,
            "dry_run": False, "atomic": False, "resolved_version": "1.1.0",
            "results": results}  # fmt: skip


def gateway_result(i: int, ok: bool, event: Any, **changes: Any) -> Dict[str, Any]:
    r: Dict[str, Any] = {
        "index": i, "passed": ok,
        "violations": [] if ok else [{"field": "user_id", "message": "m", "kind": "k"}],
        "validation_us": 3, "forwarded": ok, "contract_version": "1.1.0",
        "quarantine_id": None if ok else f"q-{i}", "transformed_event": event,
    }  # fmt: skip
    r.update(changes)
    return r


# ---------------------------------------------------------------------- any answer

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),  # beyond 64 bits: the stdlib's
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),  # lone surrogates too: only the stdlib decoder lets them through
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def results_lists(draw: Any) -> List[Dict[str, Any]]:
    n = draw(st.integers(min_value=1, max_value=25))
    odd = draw(st.sampled_from(["none", "values", "shapes"]))
    out = []
    for i in range(n):
        ok = draw(st.booleans())
        r = gateway_result(i, ok, draw(json_values))
        if odd != "none" and draw(st.integers(0, 3)) == 0:
            key = draw(st.sampled_from(KEYS[2:]))
            r[key] = draw(json_values)  # any value where the gateway puts a typed one
        if odd == "shapes" and draw(st.integers(0, 3)) == 0:
            change = draw(st.sampled_from(["drop", "extra", "reorder", "no-index"]))
            if change == "drop":
                del r[draw(st.sampled_from(KEYS[2:]))]
            elif change == "extra":
                r["new_field"] = draw(json_values)
            elif change == "reorder":
                r = dict(reversed(list(r.items())))
            else:
                del r["index"]
        out.append(r)
    return out


@settings(max_examples=150, deadline=None)
@given(results=results_lists(), offset=st.integers(min_value=0, max_value=5000))
def test_the_store_builds_the_results_of_the_decoded_answer(
    results: List[Dict[str, Any]], offset: int
) -> None:
    data = answer(results)
    assert batch_answer_problem(data, len(results)) is None
    got = read_batch_answer(copy.deepcopy(data), len(results), offset)
    assert not isinstance(got, str)
    store, raw = got
    assert len(store) == len(results)
    want = expected(results, offset)
    assert_same(list(store.build()), want)
    assert_same(list(store.build(failing_only=True)), [r for r in want if not r.passed])
    failing = store.failing()
    assert_same(list(failing.build()) if failing else [], [r for r in want if not r.passed])
    # the batch's raw: equal to the decoded answer, its results rebuilt
    assert dict(raw) == data and list(raw) == list(data)
    assert [typed(r) for r in raw["results"]] == [typed(dict(r.raw)) for r in want]
    again = pickle.loads(pickle.dumps(store))
    assert_same(list(again.build()), want)


def test_passing_results_of_one_shape_are_columns_and_failing_ones_stay_decoded() -> None:
    results = [gateway_result(i, i % 3 != 2, {"user_id": f"u{i}", "n": i, "f": i / 7})
               for i in range(300)]  # fmt: skip
    data = answer(results)
    got = read_batch_answer(copy.deepcopy(data), 300, 1000)
    assert not isinstance(got, str)
    store, _ = got
    assert isinstance(store, CompactResults)
    assert sorted(store.whole) == [i for i in range(300) if i % 3 == 2]
    kinds = dict(zip(store.keys, (c[0] for c in store.columns)))
    json_kind = "json" if ingest_answer._orjson_dumps else "objects"
    assert kinds == {"index": "position", "passed": "const", "violations": "empty",
                     "validation_us": "const", "forwarded": "const",
                     "contract_version": "const", "quarantine_id": "const",
                     "transformed_event": json_kind}  # fmt: skip
    assert_same(list(store.build()), expected(results, 1000))


def test_columns_of_values_that_differ_between_passing_results() -> None:
    results = [gateway_result(i, True, {"i": i}, validation_us=i * 37 % 1000,
                              contract_version=("1.0.0", "1.1.0")[i % 2],
                              forwarded=i % 5 == 0) for i in range(50)]  # fmt: skip
    got = read_batch_answer(answer(copy.deepcopy(results)), 50, 0)
    assert not isinstance(got, str)
    store = got[0]
    assert isinstance(store, CompactResults)
    kinds = dict(zip(store.keys, (c[0] for c in store.columns)))
    # forwarded differs: not one of the usual columns, so every key is a column
    assert kinds["validation_us"] == "ints" and kinds["contract_version"] == "table"
    assert kinds["forwarded"] == "flags"
    assert_same(list(store.build()), expected(results, 0))


def test_without_orjson_the_store_keeps_json_values_as_decoded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest_answer, "_orjson_dumps", None)
    monkeypatch.setattr(ingest_answer, "_orjson_loads", None)
    results = [gateway_result(i, i % 2 == 0, {"k": [i, {"x": None}]}) for i in range(20)]
    got = read_batch_answer(answer(copy.deepcopy(results)), 20, 7)
    assert not isinstance(got, str)
    assert "json" not in {c[0] for c in got[0].columns}  # type: ignore[attr-defined]
    assert_same(list(got[0].build()), expected(results, 7))


def test_keep_results_false_keeps_the_decoded_answer() -> None:
    results = [gateway_result(i, i % 2 == 0, {"k": i}) for i in range(6)]
    data = answer(results)
    got = read_batch_answer(data, 6, 0, compact=False)
    assert not isinstance(got, str)
    store, raw = got
    assert raw is data and not isinstance(store, CompactResults)


def test_a_passing_event_costs_a_few_dozen_bytes() -> None:
    """10 answers of 1,000 small passing events (the events of the bench's RSS run):
    the stores hold a few dozen bytes per event, where the decoded answers held ~750."""
    pytest.importorskip("orjson")
    bodies = []
    for b in range(10):
        results = [gateway_result(i, True, {"user_id": f"u{(b * 1000 + i) % 1000}",
                                            "event_type": "click",
                                            "timestamp": 1712000000 + b * 1000 + i})
                   for i in range(1000)]  # fmt: skip
        bodies.append(json.dumps(answer(results)).encode())
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        decoded = [responses._loads(body) for body in bodies]
        as_decoded = tracemalloc.get_traced_memory()[0] - base
        stores = []
        for b, data in enumerate(decoded):
            got = read_batch_answer(data, 1000, b * 1000)
            assert not isinstance(got, str)
            stores.append(got[0])
        del data, got, decoded
        kept = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert as_decoded / 10_000 > 500  # what keeping the decoded answers cost
    assert kept / 10_000 < 40, f"{kept / 10_000:.1f} bytes per passing event"
    assert [r.index for r in stores[3].build()][:2] == [3000, 3001]


# ---------------------------------------------------------------------- the check


@st.composite
def answers_maybe_wrong(draw: Any) -> Tuple[Dict[str, Any], int]:
    n = draw(st.integers(min_value=1, max_value=8))
    results: List[Any] = [gateway_result(i, draw(st.booleans()), {"i": i}) for i in range(n)]
    data: Dict[str, Any] = answer(results)
    for _ in range(draw(st.integers(0, 2))):
        what = draw(st.sampled_from(["count", "result", "passed", "index", "no-index"]))
        i = draw(st.integers(0, n - 1))
        if what == "count":
            key = draw(st.sampled_from(["total", "passed", "failed"]))
            data[key] = draw(st.one_of(st.integers(-1, n + 1), st.none(), st.just(1.0),
                                       st.just(True), st.just("1")))  # fmt: skip
        elif what == "result":
            results[i] = draw(st.one_of(st.none(), st.just([1]), st.just("r"), st.just(1)))
        elif isinstance(results[i], dict):
            if what == "passed":
                results[i]["passed"] = draw(st.sampled_from([1, 0, None, "true", 1.0]))
            elif what == "index":
                results[i]["index"] = draw(st.sampled_from([i + 1, True, float(i), None, -1]))
            else:
                results[i].pop("index", None)
    count = draw(st.sampled_from([n, n, n, n + 1, n - 1]))
    return data, count


@settings(max_examples=300, deadline=None)
@given(case=answers_maybe_wrong())
def test_the_fast_proof_agrees_with_the_full_check(case: Tuple[Dict[str, Any], int]) -> None:
    data, count = case
    problem = batch_answer_problem(data, count)
    verdicts = ingest_answer._verdicts(data, count)
    if count >= 1:
        assert (verdicts is None) == (problem is not None)
    if verdicts is not None:
        assert verdicts == [r["passed"] for r in data["results"]]
    got = read_batch_answer(copy.deepcopy(data), count, 0)
    assert (got == problem) if problem is not None else not isinstance(got, str)


# ---------------------------------------------------------------------- real gateway


class _Recording(httpx.HTTPTransport):
    """httpx's transport that keeps each answer's bytes (the gateway answers plainly)."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: List[Tuple[bytes, bytes]] = []  # (request, answer)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        body = response.read()
        self.bodies.append((request.content, body))
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )


class _AsyncRecording(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.bodies: List[Tuple[bytes, bytes]] = []  # (request, answer)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        body = await response.aread()
        self.bodies.append((request.content, body))
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )


def _events(n: int) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for i in range(n):
        e: Dict[str, Any] = {"user_id": f"user_{i}", "event_type": ("click", "view")[i % 2],
                             "timestamp": 1724252400 + i, "email": f"p{i}@example.com"}  # fmt: skip
        if i % 7 == 3:
            e["user_id"] = "Bad User"
        out.append(e)
    return out


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_results_kept_from_the_local_gateway_are_its_answers(gw: Any, kind: str) -> None:
    """Through real sockets, with the 1.0.0 version's ``mask`` transform (so the echoed
    events differ from the input): the kept results are those of the answers' JSON."""
    cid = f"{gw.contract_id('user_events')}@1.0.0"
    events = _events(2500)
    if kind == "sync":
        rec: Any = _Recording()
        with Client(base_url=gw.base_url, api_key=gw.api_key, transport=rec) as cg:
            resp = cg.ingest(cid, events, dry_run=True)
    else:
        rec = _AsyncRecording()
        async with AsyncClient(base_url=gw.base_url, api_key=gw.api_key, transport=rec) as acg:
            resp = await acg.ingest(cid, events, dry_run=True, max_concurrency=2)
    assert len(rec.bodies) == 3 and resp.total == 2500
    answers = {}  # the index of the first event of each batch: its answer
    for sent, body in rec.bodies:
        first = json.loads(sent.split(b"\n", 1)[0])["timestamp"] - 1724252400
        answers[first] = BatchIngestResponse.from_dict(json.loads(body), index_offset=first)
    want = [r for _, p in sorted(answers.items()) for r in p.results]
    assert want[0].transformed_event["email"] != events[0]["email"]  # masked
    assert_same(list(resp.results), want)
    assert resp.failures == tuple(r for r in want if not r.passed)
    assert resp.failed == sum(1 for i in range(2500) if i % 7 == 3)


def test_a_single_batch_keeps_its_answer_as_raw(gw: Any) -> None:
    rec = _Recording()
    with Client(base_url=gw.base_url, api_key=gw.api_key, transport=rec) as cg:
        resp = cg.ingest(gw.contract_id("user_events"), _events(10), dry_run=True)
    assert isinstance(resp.raw, AnswerRaw)
    answer = json.loads(rec.bodies[0][1])
    assert resp.raw == answer and resp.to_dict() == answer
