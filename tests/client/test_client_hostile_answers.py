"""Answers no gateway should send, served for real by the local gateway's fault injector
(issue #15 items 8-10): the client never returns a lie or a raw exception. Every test runs
once per client kind.

* a body nested 100,000 deep, NaN or 1e400 where a count belongs: ``InvalidResponseError``
  (was ``RecursionError``, ``ValueError``, ``OverflowError``);
* a 429 whose wait hint has 401 digits: ``RateLimitError`` with the hint clamped to a day
  (was ``OverflowError``);
* an ingest answer of the wrong shape, or with fewer verdicts than events sent:
  ``InvalidResponseError`` naming what is missing and carrying the batch's idempotency key
  (was a success with a log warning), and inside a chunked ingest a
  ``PartialIngestError`` from which the caller resumes without writing anything twice;
* a result field of the wrong type (``"violations": [1, 2]``, ``"forwarded": "x"``,
  ``"quarantine_id": 5``...): the same ``InvalidResponseError``, naming the result and the
  field (was a success with made-up values); what the spec allows is still accepted.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from typing import Any, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import contractgate.exceptions as E
from contractgate._http import ingest_answer
from contractgate._http.responses import MAX_WAIT_HINT

pytestmark = pytest.mark.usefixtures("gw")

DEEP = "[" * 100_000


@pytest.fixture
def cid(gw: Any) -> str:
    return str(gw.contract_id("user_events"))


def _events(tag: str, n: int) -> List[Dict[str, Any]]:
    return [
        {"user_id": f"{tag}_{i}", "event_type": "click", "timestamp": 1724252400 + i}
        for i in range(n)
    ]


def _stored(gw: Any, cid: str, tag: str) -> Counter[str]:
    """How many audit rows hold each event of ``tag`` (by user_id)."""
    time.sleep(0.2)  # the local gateway writes after answering, as the real one does
    ids = (r.get("raw_event") or {} for r in gw.audit_rows(cid))
    return Counter(e["user_id"] for e in ids if str(e.get("user_id", "")).startswith(tag))


# ------------------------------------------------------------------ item 8


@pytest.mark.parametrize("path", ["/health", "/v1/ingest"])
async def test_a_body_nested_100000_deep_is_an_invalid_response(
    gw: Any, cid: str, make_api: Any, path: str
) -> None:
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, max_retries=0)
    gw.faults.fail_next(1, status=200, body=DEEP, path_prefix=path)
    with pytest.raises(E.InvalidResponseError, match="nested too deeply") as ei:
        if path == "/health":
            await api.health()
        else:
            await api.ingest(cid, _events("deep", 1))
    assert ei.value.status_code == 200 and not ei.value.transient


async def test_an_error_body_nested_100000_deep_keeps_its_status_error(
    gw: Any, make_api: Any
) -> None:
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, max_retries=0)
    gw.faults.fail_next(1, status=503, body=DEEP, path_prefix="/health")
    with pytest.raises(E.ServerError) as ei:
        await api.health()
    assert ei.value.status_code == 503 and isinstance(ei.value.body, str)


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ('{"total": NaN, "passed": 1, "failed": 0, "results": [{"passed": true}]}', "NaN"),
        ('{"total": 1, "passed": Infinity, "failed": 0, "results": []}', "Infinity"),
        ('{"total": 1e400, "passed": 1, "failed": 0, "results": [{"passed": true}]}',
         "a number beyond a double"),
    ],
    ids=["nan", "infinity", "1e400"],
)
async def test_non_finite_numbers_in_an_answer_are_an_invalid_response(
    gw: Any, cid: str, make_api: Any, body: str, what: str
) -> None:
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, max_retries=0)
    gw.faults.fail_next(1, status=200, body=body, path_prefix="/v1/ingest")
    with pytest.raises(E.InvalidResponseError, match=what) as ei:
        await api.ingest(cid, _events("nan", 1))
    assert ei.value.idempotency_key


async def test_an_answer_no_rule_foresaw_is_still_typed(gw: Any, cid: str, make_api: Any) -> None:
    """A deprecated-pin 422 whose batch counts are 1e400: decoding it used to raise
    ``OverflowError`` out of the client; any unforeseen failure to read an answer is an
    ``InvalidResponseError`` whose cause is the original exception."""
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, max_retries=0)
    body = '{"error": "Version 1.0.0 is deprecated", "batch": {"total": 1e400, "results": []}}'
    gw.faults.fail_next(1, status=422, body=body, path_prefix="/v1/ingest")
    with pytest.raises(E.InvalidResponseError, match="cannot be read") as ei:
        await api.ingest(cid, _events("over", 1))
    assert isinstance(ei.value.__cause__, OverflowError)
    assert ei.value.status_code == 422 and ei.value.idempotency_key


# ------------------------------------------------------------------ item 9


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"error": "rate_limit_exceeded", "retry_after_ms": 10**400}, {}),
        ('{"error": "rate_limit_exceeded", "retry_after_ms": 1e400}', {}),
        ({"error": "rate_limit_exceeded"}, {"X-RateLimit-Reset": "1" * 401}),
        ({"error": "rate_limit_exceeded"}, {"X-RateLimit-Reset": "inf"}),
    ],
    ids=["401-digit-ms", "1e400-ms", "401-digit-reset", "inf-reset"],
)
async def test_an_absurd_wait_hint_is_clamped_to_a_day(
    gw: Any, make_api: Any, body: Any, headers: Dict[str, str]
) -> None:
    """The hint is far beyond ``max_retry_after``, so the client does not wait: it raises
    at once (the fault answers one request; a retry would have reached the real
    ``/health`` and succeeded)."""
    api = make_api(base_url=gw.base_url, api_key=gw.api_key)
    gw.faults.fail_next(1, status=429, body=body, headers=headers, path_prefix="/health")
    with pytest.raises(E.RateLimitError) as ei:
        await api.health()
    assert ei.value.retry_after == MAX_WAIT_HINT == 86_400.0


async def test_a_nan_wait_hint_is_no_hint(gw: Any, make_api: Any) -> None:
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, max_retries=0)
    gw.faults.fail_next(
        1, status=429, body={"error": "x"}, headers={"X-RateLimit-Reset": "nan"},
        path_prefix="/health",
    )  # fmt: skip
    with pytest.raises(E.RateLimitError) as ei:
        await api.health()
    assert ei.value.retry_after is None


@pytest.mark.parametrize(
    ("body", "headers", "wait"),
    [
        ({"error": "x", "retry_after_ms": -5.0}, {}, None),
        ({"error": "x", "retry_after_ms": True}, {}, None),
        ({"error": "x"}, {"X-RateLimit-Reset": str(int(time.time()) - 100)}, 0.0),
        ({"error": "x"}, {"Retry-After": "-3"}, 0.0),
    ],
    ids=["negative-ms", "boolean-ms", "reset-passed", "negative-retry-after"],
)  # fmt: skip
async def test_a_wait_hint_is_never_negative(
    gw: Any, make_api: Any, body: Any, headers: Dict[str, str], wait: Any
) -> None:
    """A negative wait would make the retry's sleep raise; a boolean is no number."""
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, max_retries=0)
    gw.faults.fail_next(1, status=429, body=body, headers=headers, path_prefix="/health")
    with pytest.raises(E.RateLimitError) as ei:
        await api.health()
    assert ei.value.retry_after == wait


# ------------------------------------------------------------------ item 10


async def _partial_after_batch_0(
    api: Any, gw: Any, cid: str, events: List[Dict[str, Any]], answer: Dict[str, Any], tag: str
) -> Any:
    """Ingest ``events`` in batches of 10, one at a time, the second batch answered
    ``answer`` with a 200: the PartialIngestError raised."""

    def arm_after_batch_0(part: Any) -> None:
        if part.batches[0].number == 0:
            gw.faults.fail_next(1, status=200, body=answer, path_prefix="/v1/ingest")

    extra = {"max_concurrency": 1} if api.is_async else {}
    with pytest.raises(E.PartialIngestError) as ei:
        await api.ingest(cid, events, max_batch_events=10, idempotency_key=f"{tag}-k",
                         on_batch=arm_after_batch_0, **extra)  # fmt: skip
    return ei.value


async def _refused_then_resent(
    gw: Any, cid: str, make_api: Any, answer: Dict[str, Any], named: str, prefix: str
) -> None:
    """One batch answered ``answer`` with a 200: an InvalidResponseError that names
    ``named`` and carries the batch's key, not retried; resent with that key, the three
    events are stored once."""
    api = make_api(base_url=gw.base_url, api_key=gw.api_key)
    tag = f"{prefix}_{uuid.uuid4().hex[:8]}"
    gw.faults.fail_next(1, status=200, body=answer, path_prefix="/v1/ingest")
    with pytest.raises(E.InvalidResponseError) as ei:
        await api.ingest(cid, _events(tag, 3), idempotency_key=f"{tag}-key")
    err = ei.value
    assert named in str(err) and "events 0..2" in str(err)
    assert err.idempotency_key == f"{tag}-key" and err.status_code == 200
    assert len(gw.faults.pending()) == 0  # answered once: not retried
    res = await api.ingest(cid, _events(tag, 3), idempotency_key=err.idempotency_key)
    assert res.total == 3 and [r.index for r in res.results] == [0, 1, 2]
    assert set(_stored(gw, cid, tag).values()) == {1}


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ({"total": "x", "passed": None, "results": [1, "a"]}, "'total' is a string, not a"),
        ({"total": 2, "passed": None, "failed": 0, "results": [1, "a"]}, "'passed' is null"),
        ({"total": 3, "passed": 0, "failed": 3, "results": [1, "a", 2]},
         "result 0 is a number, not an object"),
        ({"total": 3, "passed": 2, "failed": 0, "results": [{"passed": True}] * 2},
         "it lists 2 result(s) (total 3) for the 3 event(s) sent"),
        ({"total": 3, "passed": 3, "failed": 0,
          "results": [{"passed": True}, {"passed": True}, {"passed": False}]},
         "counts (passed 3, failed 0) disagree"),
        ({"total": 3, "passed": 0, "failed": 3, "results": [{"passed": False, "index": 2}] * 3},
         "result 0 has 'index' 2"),
        ({"total": 3, "passed": 1, "failed": 2,
          "results": [{"passed": True}, {"passed": "no"}, {"passed": False}]},
         "result 1 has no true/false 'passed'"),
        ({"total": True, "passed": 3, "failed": 0, "results": [{"passed": True}] * 3},
         "'total' is a boolean, not a count"),
        ({"total": 4, "passed": 3, "failed": 0, "results": [{"passed": True}] * 3},
         "it lists 3 result(s) (total 4) for the 3 event(s) sent"),
        ({"total": 3, "passed": 2, "failed": 0, "results": [{"passed": True}] * 3},
         "counts (passed 2, failed 0) disagree"),
        ({"total": 3, "passed": 3, "failed": 1, "results": [{"passed": True}] * 3},
         "counts (passed 3, failed 1) disagree"),
        ({"total": 3, "passed": 3, "failed": 0,
          "results": [{"passed": True, "index": 0}, {"passed": True, "index": 1.0},
                      {"passed": True, "index": 2}]},
         "result 1 has 'index' 1.0, not its position 1"),
    ],
    ids=["wrong-types", "null-count", "not-objects", "fewer-results", "counts", "index",
         "verdict", "boolean-count", "total", "passed-count", "failed-count", "index-float"],
)  # fmt: skip
async def test_an_ingest_answer_that_does_not_judge_every_event_is_an_error(
    gw: Any, cid: str, make_api: Any, answer: Dict[str, Any], named: str
) -> None:
    """Returned as a success before (a log warning at most): the caller lost the verdicts
    of events the gateway may have stored. Now the error names what is wrong and carries
    the batch's key; resending with it stays deduplicated."""
    await _refused_then_resent(gw, cid, make_api, answer, named, "shape")


async def test_a_short_answer_inside_a_chunked_ingest_is_a_partial_ingest(
    gw: Any, cid: str, make_api: Any
) -> None:
    """Batch 1 of 3 is answered with 9 verdicts for 10 events: the ingest stops with a
    ``PartialIngestError`` whose key resumes it; every event ends up stored once."""
    api = make_api(base_url=gw.base_url, api_key=gw.api_key)
    tag = f"chunk_{uuid.uuid4().hex[:8]}"
    events = _events(tag, 30)
    short = {"total": 9, "passed": 9, "failed": 0, "results": [{"passed": True}] * 9}

    err = await _partial_after_batch_0(api, gw, cid, events, short, tag)
    assert err.accepted.total == 10 and list(err.unsent_indexes) == list(range(10, 30))
    assert isinstance(err.cause, E.InvalidResponseError)
    assert "for the 10 event(s) sent" in str(err.cause)
    assert err.failed_idempotency_key == f"{tag}-k#1" == err.cause.idempotency_key
    assert sorted(_stored(gw, cid, tag)) == sorted(e["user_id"] for e in events[:10])

    extra = {"max_concurrency": 1} if api.is_async else {}
    rest = await api.ingest(cid, events[err.first_unsent_index :], max_batch_events=10,
                            idempotency_key=err.failed_idempotency_key, **extra)  # fmt: skip
    assert rest.total == 20 and rest.passed == 20
    stored = _stored(gw, cid, tag)
    assert len(stored) == 30 and set(stored.values()) == {1}


# ------------------------------------------------------------------ item 10: result fields


def _result(i: int, ok: bool, **changes: Any) -> Dict[str, Any]:
    """Result ``i`` as ``/v1/ingest`` writes it (gateway-api.md §3.2), with ``changes``."""
    r: Dict[str, Any] = {
        "index": i, "passed": ok,
        "violations": [] if ok else [
            {"field": "user_id", "message": "no match", "kind": "pattern_mismatch"}
        ],
        "validation_us": 7, "forwarded": ok, "contract_version": "1.1.0",
        "quarantine_id": None if ok else f"00000000-0000-4000-8000-00000000000{i}",
        "transformed_event": {"user_id": f"u{i}"},
    }  # fmt: skip
    r.update(changes)
    return r


def _answer(*results: Dict[str, Any]) -> Dict[str, Any]:
    passed = sum(1 for r in results if r["passed"] is True)
    return {"total": len(results), "passed": passed, "failed": len(results) - passed,
            "dry_run": False, "atomic": False, "resolved_version": "1.1.0",
            "version_pin_source": "default_stable", "results": list(results)}  # fmt: skip


def _fields_case(i: int, **changes: Any) -> Dict[str, Any]:
    """A 3-event answer (result 1 failing) whose result ``i`` has ``changes``."""
    return _answer(*(_result(k, k != 1, **(changes if k == i else {})) for k in range(3)))


V = {"field": "user_id", "message": "m", "kind": "pattern_mismatch"}


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        (_fields_case(1, violations=[1, 2]),
         "result 1: 'violations' item 0 is a number, not an object"),
        (_fields_case(1, violations="zzz"),
         "result 1: 'violations' is a string, not an array of violations"),
        (_fields_case(1, violations=None),
         "result 1: 'violations' is null, not an array of violations"),
        (_fields_case(1, violations=[V, {"field": 1, "message": None, "kind": []}]),
         "result 1: 'violations' item 1 has 'field' a number, not a string"),
        (_fields_case(1, violations=[{"field": "a", "message": None, "kind": "k"}]),
         "result 1: 'violations' item 0 has 'message' null, not a string"),
        (_fields_case(1, violations=[{"field": "a", "message": "m"}]),
         "result 1: 'violations' item 0 has 'kind' missing, not a string"),
        (_fields_case(0, violations=[["user_id"]]),
         "result 0: 'violations' item 0 is an array, not an object"),
        (_fields_case(0, forwarded="x"),
         "result 0 has 'forwarded' a string, not true or false"),
        (_fields_case(2, forwarded=1), "result 2 has 'forwarded' a number, not true or false"),
        (_fields_case(0, quarantine_id=5),
         "result 0 has 'quarantine_id' a number, not a string or null"),
        (_fields_case(1, quarantine_id={"id": "q"}),
         "result 1 has 'quarantine_id' an object, not a string or null"),
        (_fields_case(2, validation_us=1.5),
         "result 2 has 'validation_us' the number 1.5, not an integer"),
        (_fields_case(2, validation_us=True),
         "result 2 has 'validation_us' a boolean, not an integer"),
        (_fields_case(0, contract_version=None),
         "result 0 has 'contract_version' null, not a string"),
        (_fields_case(1, contract_version=110),
         "result 1 has 'contract_version' a number, not a string"),
    ],
    ids=["violations-numbers", "violations-string", "violations-null", "violation-field-number",
         "violation-message-null", "violation-no-kind", "violation-array", "forwarded-string",
         "forwarded-number", "quarantine-id-number", "quarantine-id-object",
         "validation-us-float", "validation-us-bool", "contract-version-null",
         "contract-version-number"],
)  # fmt: skip
async def test_a_result_field_of_the_wrong_type_is_an_error(
    gw: Any, cid: str, make_api: Any, answer: Dict[str, Any], named: str
) -> None:
    """Returned as a success before, with made-up values (``"violations": [1, 2]`` read as
    none, ``"forwarded": "x"`` as false, ``"quarantine_id": 5`` as None). Now the error
    names the result, the field and what it holds, and carries the batch's key; resending
    with it stays deduplicated."""
    await _refused_then_resent(gw, cid, make_api, answer, named, "field")


async def test_a_failing_result_of_the_wrong_type_inside_a_chunked_ingest_is_partial(
    gw: Any, cid: str, make_api: Any
) -> None:
    """Batch 1 of 2 answers a failing verdict whose violations are ``"zzz"``: the ingest
    stops with a ``PartialIngestError`` naming event 10 (result 0 of that batch) and
    carrying that batch's key."""
    api = make_api(base_url=gw.base_url, api_key=gw.api_key)
    tag = f"chunkf_{uuid.uuid4().hex[:8]}"
    events = _events(tag, 20)
    bad = _answer(_result(0, False, violations="zzz"), *(_result(k, True) for k in range(1, 10)))

    err = await _partial_after_batch_0(api, gw, cid, events, bad, tag)
    assert isinstance(err.cause, E.InvalidResponseError)
    assert "result 0: 'violations' is a string" in str(err.cause)
    assert "events 10..19" in str(err.cause)
    assert err.failed_idempotency_key == f"{tag}-k#1" == err.cause.idempotency_key
    assert list(err.unsent_indexes) == list(range(10, 20))


@pytest.mark.parametrize(
    "results",
    [
        # what the spec allows: null quarantine_id, keys it does not name (kept, unchecked),
        # extra violation keys, any transformed_event, an empty violations list on failure
        [_result(0, True, quarantine_id=None, new_field=[1, {"x": None}]),
         _result(1, False, violations=[{**V, "line": 3, "extra": None}], transformed_event=7),
         _result(2, False, violations=[], transformed_event=None)],
        # fields missing (read with defaults, as before), the /ingest shape (no index nor
        # quarantine_id)
        [{"passed": True}, {"passed": False, "violations": [V]}, {"index": 2, "passed": True}],
        [{k: v for k, v in _result(i, i != 1).items() if k not in ("index", "quarantine_id")}
         for i in range(3)],
    ],
    ids=["spec-allows", "fields-missing", "ingest-route-shape"],
)  # fmt: skip
async def test_what_the_spec_allows_in_a_result_is_accepted(
    gw: Any, cid: str, make_api: Any, results: List[Dict[str, Any]]
) -> None:
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, max_retries=0)
    tag = f"ok_{uuid.uuid4().hex[:8]}"
    gw.faults.fail_next(1, status=200, body=_answer(*results), path_prefix="/v1/ingest")
    res = await api.ingest(cid, _events(tag, 3), idempotency_key=f"{tag}-key")
    assert [r.passed for r in res.results] == [r["passed"] for r in results]
    assert [r.index for r in res.results] == [0, 1, 2]
    for got, sent in zip(res.results, results):
        assert [v.field for v in got.violations] == [v["field"] for v in sent.get("violations", [])]
        assert got.quarantine_id == sent.get("quarantine_id")
        assert got.forwarded is sent.get("forwarded", False)
        assert dict(got.raw) == sent


# ------------------------------------------------------------------ the two passes agree

odd_values = st.sampled_from(
    [None, True, False, 0, 1, 7, -1, 1.5, 2.0, "", "x", "1.1.0", [], [1], ["a"], {}, {"a": 1},
     [V], [V, V], [{"field": 1, "message": "m", "kind": "k"}], [{"field": "f"}], [None]]
)  # fmt: skip
FIELDS = ("passed", "index", "validation_us", "forwarded", "contract_version",
          "quarantine_id", "violations", "transformed_event")  # fmt: skip


@st.composite
def results_maybe_odd(draw: Any) -> List[Any]:
    out: List[Any] = []
    unindexed = draw(st.booleans())  # the /ingest shape: no index, no quarantine_id
    for i in range(draw(st.integers(1, 6))):
        r: Any = _result(i, draw(st.booleans()))
        if unindexed:
            del r["index"], r["quarantine_id"]
        for _ in range(draw(st.integers(0, 2))):
            key = draw(st.sampled_from(FIELDS))
            if draw(st.booleans()):
                r[key] = draw(odd_values)
            else:
                r.pop(key, None)
        if draw(st.integers(0, 9)) == 0:
            r = draw(odd_values)
        out.append(r)
    return out


def _near_misses(position: int) -> Dict[str, List[Any]]:
    """Per field, values of a wrong type that a check is likeliest to let through (equal
    to a right value, or a list holding one bad item)."""
    return {
        "passed": [0, 1, None, "true"],
        "index": [float(position), bool(position), position + 1, str(position)],
        "validation_us": [7.0, True, "7", None],
        "forwarded": [0, 1, "true", None],
        "contract_version": [None, 110, ["1.1.0"]],
        "quarantine_id": [5, True, {"id": "q"}, []],
        "violations": [None, "zzz", [V, 1], [V, {"field": 1, "message": "m", "kind": "k"}],
                       [{"field": "f", "message": "m"}], [[V]]],
        "transformed_event": [None, 7, [1]],
    }  # fmt: skip


def test_the_usual_answers_take_the_fast_pass() -> None:
    v1 = [_result(i, i % 3 != 1) for i in range(6)]
    unindexed = [{k: v for k, v in r.items() if k not in ("index", "quarantine_id")} for r in v1]
    assert ingest_answer._plain_passed(v1) == ingest_answer._plain_passed(unindexed) == 4


@pytest.mark.parametrize("unindexed", [False, True], ids=["v1-ingest", "ingest"])
def test_the_fast_pass_refuses_every_near_miss(unindexed: bool) -> None:
    """A usual answer with one field of one result a near miss (or missing): wherever the
    fast pass decides, it says what the exact pass says."""
    decided = 0
    for position in range(3):
        for key, values in _near_misses(position).items():
            for value in [*values, Ellipsis]:  # Ellipsis: the field removed
                results = [_result(i, i != 1) for i in range(3)]
                if unindexed:
                    for r in results:
                        del r["index"], r["quarantine_id"]
                if value is Ellipsis:
                    results[position].pop(key, None)
                else:
                    results[position][key] = value
                fast = ingest_answer._plain_passed(results)
                exact = ingest_answer._results_problem(results, True)
                assert fast is None or fast == exact, (position, key, value)
                decided += fast is not None
    assert decided  # the pass is exercised: a changed transformed_event, say, is no problem


@settings(max_examples=300, deadline=None)
@given(results=results_maybe_odd())
def test_the_fast_pass_never_accepts_what_the_exact_pass_refuses(results: List[Any]) -> None:
    """The usual ``/v1`` answer is proved by a fast pass; anything it does not prove goes to
    the pass that names the problem. They agree wherever the fast pass decides."""
    exact = ingest_answer._results_problem(results, True)
    fast = ingest_answer._plain_passed(results)
    assert fast is None or fast == exact
    data = _answer(*results) if all(type(r) is dict and "passed" in r for r in results) else None
    if data is not None:
        problem = ingest_answer.batch_answer_problem(data, len(results), typed=True)
        assert (problem is None) == (not isinstance(exact, str) and exact == data["passed"])
