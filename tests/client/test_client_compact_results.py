"""Kept ingest results, compactly (``contractgate._http.ingest_answer``).

A kept answer builds exactly the results the decoded answer builds (``raw`` included,
value types and key order), whatever the answer holds; an event costs a few dozen bytes;
an answer the check refuses is an error, never a result."""

from __future__ import annotations

import copy
import gc
import json
import pickle
import tracemalloc
import uuid
from typing import Any, Dict, List, Tuple

import httpx
import pytest
from cg_client_testlib import (
    AsyncRecordingTransport,
    RecordingTransport,
    assert_same,
    expected,
    mixed_user_events,
    recorded_results,
    typed,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from contractgate import Client
from contractgate._http import responses
from contractgate._http.ingest_answer import (
    AnswerRaw,
    FreshResults,
    PackedResults,
    batch_answer_problem,
    kept,
    read_batch_answer,
)
from contractgate.async_client import AsyncClient
from contractgate.exceptions import InvalidResponseError
from contractgate.models import BatchIngestResponse

KEYS = ("index", "passed", "violations", "validation_us", "forwarded", "contract_version",
        "quarantine_id", "transformed_event")  # fmt: skip


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


def _fraction(v: Any) -> bool:
    return isinstance(v, float) and not v.is_integer()


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
            # any value where the gateway puts a typed one, but a fraction for the count
            # 'validation_us': both readings refuse it (the client's typed check refuses
            # such an answer before keeping it), so it is no case for this comparison
            values = json_values
            if key == "validation_us":
                values = json_values.filter(lambda v: not _fraction(v))
            r[key] = draw(values)
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


def acknowledged(data: Dict[str, Any], content: bytes, offset: int = 0) -> BatchIngestResponse:
    """The batch response the clients make of ``data`` (decoded from ``content``): fresh,
    as ``on_batch`` gets it."""
    fresh = read_batch_answer(data, content, len(data["results"]), offset, typed=False)
    assert isinstance(fresh, FreshResults)
    counts = {k: data[k] for k in ("total", "passed", "failed")}
    return BatchIngestResponse.from_store(data, fresh, **counts)


def kept_answer(data: Dict[str, Any], offset: int = 0) -> Tuple[PackedResults, AnswerRaw]:
    """What the clients keep of ``data``, sent by the gateway as JSON (the stdlib's
    ASCII JSON can carry lone surrogates and integers beyond 64 bits)."""
    content = json.dumps(data).encode()
    part = kept(acknowledged(responses.loads_json(content), content, offset))
    (store,) = part.result_stores()
    assert isinstance(store, PackedResults) and isinstance(part.raw, AnswerRaw)
    return store, part.raw


@settings(max_examples=150, deadline=None)
@given(results=results_lists(), offset=st.integers(min_value=0, max_value=5000))
def test_a_kept_answer_builds_the_results_of_the_decoded_answer(
    results: List[Dict[str, Any]], offset: int
) -> None:
    data = answer(results)
    assert batch_answer_problem(data, len(results), typed=False) is None
    store, raw = kept_answer(data, offset)
    decoded = responses.loads_json(json.dumps(data).encode())
    assert len(store) == len(results)
    want = expected(decoded["results"], offset)
    assert_same(list(store.build()), want)
    assert_same(list(store.build(failing_only=True)), [r for r in want if not r.passed])
    failing = store.failing()
    assert_same(list(failing.build()) if failing else [], [r for r in want if not r.passed])
    # the batch's raw: equal to the decoded answer, key order included
    assert dict(raw) == decoded and list(raw) == list(decoded)
    assert [typed(r) for r in raw["results"]] == [typed(dict(r.raw)) for r in want]
    again = pickle.loads(pickle.dumps(store))
    assert_same(list(again.build()), want)


def test_an_answer_without_failures_is_not_decoded_for_its_failures() -> None:
    store, _ = kept_answer(answer([gateway_result(i, True, {"i": i}) for i in range(5)]))
    store.packed = b"not zlib"  # would raise if it were decoded
    assert list(store.build(failing_only=True)) == [] and store.failing() is None
    assert len(store) == 5


def test_on_batch_reads_the_fresh_answer_and_the_ingest_keeps_it_packed() -> None:
    results = [gateway_result(i, i % 2 == 0, {"k": i}) for i in range(6)]
    content = json.dumps(answer(results)).encode()
    data = responses.loads_json(content)
    part = acknowledged(data, content, 10)
    (fresh,) = part.result_stores()
    assert isinstance(fresh, FreshResults) and fresh.raws is data["results"]  # no copy
    assert part.raw is data and [r.index for r in part.results] == list(range(10, 16))
    packed = kept(part)  # after on_batch read the results: packed all the same
    assert isinstance(packed.result_stores()[0], PackedResults) and "results" not in vars(packed)
    assert packed == part and packed.results == part.results and packed.raw == data
    slim = part.failing_only()  # keep_results=False
    assert [r.index for r in slim.results] == [11, 13, 15] and slim.raw == {}


@pytest.mark.parametrize("failing", [0, 3])
def test_an_event_costs_a_few_dozen_bytes(failing: int) -> None:
    """10 answers of 1,000 small events (those of the bench's RSS run), every result
    passing or one in three failing: the kept answers hold a few dozen bytes per event,
    where the decoded answers held ~750 (~1.4 KB per failing result)."""
    bodies = []
    for b in range(10):
        results = []
        for i in range(1000):
            event = {"user_id": f"u{(b * 1000 + i) % 1000}", "event_type": "click",
                     "timestamp": 1712000000 + b * 1000 + i}  # fmt: skip
            ok = not failing or i % failing != 0
            r = gateway_result(i, ok, event, quarantine_id=None if ok else str(uuid.uuid4()))
            if not ok:
                r["violations"] = [{"field": "event_type", "kind": "enum_violation",
                                    "message": "Field 'event_type' value \"refund\" not in "
                                               "allowed set: [\"login\", \"click\"]"}]  # fmt: skip
            results.append(r)
        bodies.append(json.dumps(answer(results), separators=(",", ":")).encode())
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        decoded = [responses.loads_json(body) for body in bodies]
        as_decoded = tracemalloc.get_traced_memory()[0] - base
        stores = []
        for b, (data, body) in enumerate(zip(decoded, bodies)):
            stores.append(kept(acknowledged(data, body, b * 1000)))
        del data, decoded
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert as_decoded / 10_000 > 500  # what keeping the decoded answers cost
    assert held / 10_000 < 40, f"{held / 10_000:.1f} bytes per event"
    assert [r.index for r in stores[3].results][:2] == [3000, 3001]


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


@settings(max_examples=200, deadline=None)
@given(case=answers_maybe_wrong())
def test_an_answer_the_check_refuses_is_never_kept(case: Tuple[Dict[str, Any], int]) -> None:
    data, count = case
    problem = batch_answer_problem(data, count, typed=False)
    got = read_batch_answer(copy.deepcopy(data), b"", count, 0, typed=False)
    assert (got == problem) if problem is not None else isinstance(got, FreshResults)


# ---------------------------------------------------------------------- real gateway


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_results_kept_from_the_local_gateway_are_its_answers(gw: Any, kind: str) -> None:
    """Through real sockets, with the 1.0.0 version's ``mask`` transform (so the echoed
    events differ from the input): the kept results are those of the answers' JSON."""
    cid = f"{gw.contract_id('user_events')}@1.0.0"
    events = mixed_user_events(2500)
    fresh: List[Any] = []

    def on_batch(part: BatchIngestResponse) -> None:
        fresh.extend(part.result_stores())

    if kind == "sync":
        rec: Any = RecordingTransport()
        with Client(base_url=gw.base_url, api_key=gw.api_key, transport=rec) as cg:
            resp = cg.ingest(cid, events, dry_run=True, on_batch=on_batch)
    else:
        rec = AsyncRecordingTransport()
        async with AsyncClient(base_url=gw.base_url, api_key=gw.api_key, transport=rec) as acg:
            resp = await acg.ingest(
                cid, events, dry_run=True, max_concurrency=2, on_batch=on_batch
            )
    assert len(rec.bodies) == 3 and resp.total == 2500
    # on_batch read each answer as decoded; the response keeps them packed
    assert [type(s) for s in fresh] == [FreshResults] * 3
    assert [type(s) for s in resp.result_stores()] == [PackedResults] * 3
    want = recorded_results(rec.bodies)
    assert want[0].transformed_event["email"] != events[0]["email"]  # masked
    assert_same(list(resp.results), want)
    assert resp.failures == tuple(r for r in want if not r.passed)
    assert resp.failed == sum(1 for i in range(2500) if i % 7 == 3)


def test_a_single_batch_keeps_its_answer_as_raw(gw: Any) -> None:
    rec = RecordingTransport()
    with Client(base_url=gw.base_url, api_key=gw.api_key, transport=rec) as cg:
        resp = cg.ingest(gw.contract_id("user_events"), mixed_user_events(10), dry_run=True)
    assert isinstance(resp.raw, AnswerRaw)
    answer = json.loads(rec.bodies[0][1])
    assert resp.raw == answer and resp.to_dict() == answer


def test_the_garbage_collector_is_left_as_it_was(gw: Any) -> None:
    """Answers are decoded and freed with the collector paused; it is running again
    afterwards (after an unusable answer too), and stays disabled if it was."""
    cid = gw.contract_id("user_events")
    with Client(base_url=gw.base_url, api_key=gw.api_key) as cg:
        assert cg.ingest(cid, mixed_user_events(5), dry_run=True).total == 5 and gc.isenabled()
        gc.disable()
        try:
            assert cg.ingest(cid, mixed_user_events(5), dry_run=True).total == 5
            assert not gc.isenabled()
        finally:
            gc.enable()

    def shorter(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer([gateway_result(0, True, {})]))

    with Client(base_url="http://gw.test", transport=httpx.MockTransport(shorter)) as cg:
        with pytest.raises(InvalidResponseError, match="1 result"):
            cg.ingest("cid", mixed_user_events(2), dry_run=True)
    assert gc.isenabled()
