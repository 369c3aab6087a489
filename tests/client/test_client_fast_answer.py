"""An ingest answer proven usable by msgspec without being decoded (``_http.fast_answer``).

What it accepts, the usual path (decode, then check) accepts too, with the same top-level
values in the same order and the same results once read; what it cannot prove it leaves
to the usual path (None), which then accepts it or says what is wrong. The clients take it
for the answers they pack at once (results kept, no ``on_batch``)."""

from __future__ import annotations

import json
import random
from typing import Any, Dict, List, Optional, Tuple, Union

import pytest
from cg_client_testlib import (
    AsyncRecordingTransport,
    RecordingTransport,
    assert_same,
    mixed_user_events,
    recorded_results,
    typed,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from contractgate import AsyncClient, Client
from contractgate._http import fast_answer, ingest_plan
from contractgate._http.fast_answer import proven_answer
from contractgate._http.ingest_answer import FreshResults, PackedResults, read_batch_answer
from contractgate._http.responses import is_ingest_verdict, loads_json
from contractgate.models import BatchIngestResponse

pytest.importorskip("msgspec")

# ---------------------------------------------------------------------- JSON text
# A value as text: objects are lists of (key, value) pairs (so keys may repeat), numbers
# and odd strings are literal text (``-0``, 400 digits, ``1e999``, ``"\ud800"``).


class Lit:
    def __init__(self, text: str) -> None:
        self.text = text


Tree = Union[None, bool, int, float, str, Lit, List[Any], Tuple[str, List[Any]]]


def obj(*pairs: Tuple[str, Any]) -> Tuple[str, List[Any]]:
    return ("{", list(pairs))


def text(v: Any, sp: str = "") -> str:
    if isinstance(v, Lit):
        return v.text
    if isinstance(v, tuple):
        return "{" + f",{sp}".join(f"{json.dumps(k)}:{sp}{text(x, sp)}" for k, x in v[1]) + "}"
    if isinstance(v, list):
        return "[" + f",{sp}".join(text(x, sp) for x in v) + "]"
    return json.dumps(v)


def result(i: int, ok: bool, event: Any = None, **changes: Any) -> List[Tuple[str, Any]]:
    pairs = {
        "index": i, "passed": ok,
        "violations": [] if ok else [obj(("field", "f"), ("message", "m"), ("kind", "k"))],
        "validation_us": 3, "forwarded": ok, "contract_version": "1.1.0",
        "quarantine_id": None if ok else f"q-{i}",
        "transformed_event": obj(("n", i)) if event is None else event,
    }  # fmt: skip
    pairs.update(changes)
    return list(pairs.items())


def answer(results: List[List[Tuple[str, Any]]], **top: Any) -> Tuple[str, List[Any]]:
    passed = sum(1 for r in results if dict(r).get("passed") is True)
    values: Dict[str, Any] = {
        "total": len(results), "passed": passed, "failed": len(results) - passed,
        "dry_run": False, "atomic": False, "resolved_version": "1.1.0",
        "version_pin_source": "default_stable", "results": [("{", r) for r in results],
    }  # fmt: skip
    values.update(top)
    return ("{", list(values.items()))


# ---------------------------------------------------------------------- the two readings


def usual(content: bytes, count: int) -> Optional[Tuple[Dict[str, Any], FreshResults]]:
    """The usual reading: the decoded answer and its results, or None where the clients
    raise (not JSON, not a verdict, a problem the check names)."""
    try:
        data = loads_json(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not is_ingest_verdict(data):
        return None
    fresh = read_batch_answer(data, content, count, 0, typed=True)
    return None if isinstance(fresh, str) else (data, fresh)


def agree(content: bytes, count: int) -> Optional[Dict[str, Any]]:
    """``proven_answer``, checked against the usual reading when it proves the answer."""
    top = proven_answer(content, count)
    if top is None:
        return None
    read = usual(content, count)
    assert read is not None, "proven, but the usual path refuses it"
    data, fresh = read
    assert list(top) == list(data)
    assert typed(top) == typed({k: None if k == "results" else v for k, v in data.items()})
    packed = PackedResults(content, 0, count, top["failed"])
    assert_same(list(packed.build()), list(fresh.build()))
    assert_same(list(packed.build(failing_only=True)), list(fresh.build(failing_only=True)))
    return top


def test_a_gateway_answer_is_proven() -> None:
    body = text(answer([result(0, True), result(1, False), result(2, True)])).encode()
    assert agree(body, 3) == {"total": 3, "passed": 2, "failed": 1, "dry_run": False,
                              "atomic": False, "resolved_version": "1.1.0",
                              "version_pin_source": "default_stable", "results": None}  # fmt: skip
    assert agree(body, 4) is None  # a result short: the usual path says so


@pytest.mark.parametrize(
    "change",
    [
        {"new_field": 1},  # keys the spec does not name are kept by the usual path
        {"violations": [obj(("field", "f"), ("message", "m"), ("kind", "k"), ("x", 1))]},
        {"quarantine_id": Lit('"\\ud800"')},  # a lone surrogate: json reads it, orjson not
        {"transformed_event": Lit('"\\udc00"')},
    ],
)
def test_what_only_the_usual_path_reads_is_left_to_it(change: Dict[str, Any]) -> None:
    ok = change.get("violations") is None
    body = text(answer([result(0, ok, **change)])).encode()
    assert proven_answer(body, 1) is None
    assert usual(body, 1) is not None


def test_a_top_level_key_the_spec_does_not_name_is_left_to_the_usual_path() -> None:
    body = text(answer([result(0, True)], request_id="r-1")).encode()
    assert proven_answer(body, 1) is None
    read = usual(body, 1)
    assert read is not None and read[0]["request_id"] == "r-1"


@pytest.mark.parametrize(
    "event",
    [
        b'"\xff"',  # invalid UTF-8 in a skipped string: msgspec skips it, json refuses
        b"1" * 5000,  # more digits than int() reads
        # orjson refuses 1e999, so json reads it all: nested near its recursion limit
        b"[" + b"[" * 950 + b"]" * 950 + b",1e999]",
    ],
    ids=["invalid-utf8", "long-int", "deep-and-1e999"],
)
def test_a_skipped_value_json_may_not_read_again_is_not_proven(event: bytes) -> None:
    """What the usual path would refuse now, or read only with the stdlib decoder at a
    depth that decoder may not reach later, is never proven: a kept answer must decode
    again when its results are read."""
    body = text(answer([result(0, True, Lit("@EVENT@"))])).encode().replace(b"@EVENT@", event)
    assert proven_answer(body, 1) is None


def test_a_short_skipped_value_with_a_wide_number_is_proven_and_read_alike() -> None:
    """``1e999`` and a 400-digit integer: orjson refuses the answer, json reads it (an
    infinity, an exact integer), now and when the kept results are read."""
    event = obj(("big", Lit("1" * 400)), ("inf", Lit("1e999")), ("z", Lit("-0")),
                ("deep", Lit("[" * 300 + "]" * 300)))  # fmt: skip
    body = text(answer([result(0, True, event)])).encode()
    top = agree(body, 1)
    assert top is not None


def test_duplicate_keys_read_as_both_readings_read_them() -> None:
    """The last value counts (msgspec, orjson and json agree), each one checked."""
    twice = [*result(0, True), ("passed", False), ("violations", [])]
    assert agree(text(answer([twice], passed=0, failed=1)).encode(), 1) is not None
    wrong_then_right = [*result(0, True, validation_us="3"), ("validation_us", 4)]
    body = text(answer([wrong_then_right])).encode()
    assert proven_answer(body, 1) is None  # msgspec checks the first too: not proven
    assert usual(body, 1) is not None  # the usual path reads the last one only


# ---------------------------------------------------------------------- any answer

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.sampled_from(
        [
            *(Lit(t) for t in ("-0", "1e999", "1" * 400, "1.0", "NaN", " 1 ", "[1,]", "tru")),
            *(Lit(t) for t in ('"\\ud800"', '"\\u0000"', "[" * 300 + "]" * 300)),
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3),
        st.lists(st.tuples(st.text(max_size=3), kids), max_size=3).map(lambda p: ("{", p)),
    ),
    max_leaves=8,
)
ROW = ("index", "passed", "violations", "validation_us", "forwarded", "contract_version",
       "quarantine_id", "transformed_event")  # fmt: skip


@st.composite
def answers(draw: Any) -> Tuple[bytes, int]:
    n = draw(st.integers(min_value=1, max_value=4))
    rows = []
    for i in range(n):
        row = result(i, draw(st.booleans()), draw(values))
        for _ in range(draw(st.integers(0, 2))):
            how = draw(st.sampled_from(["retype", "drop", "extra", "repeat", "shuffle"]))
            if how == "retype":
                k = draw(st.integers(0, len(row) - 1))
                row[k] = (row[k][0], draw(values))
            elif how == "drop" and row:
                row.pop(draw(st.integers(0, len(row) - 1)))
            elif how == "extra":
                row.append((draw(st.sampled_from(["x", *ROW])), draw(values)))
            elif how == "repeat" and row:
                row.append(row[draw(st.integers(0, len(row) - 1))])
            elif how == "shuffle":
                random.Random(draw(st.integers())).shuffle(row)
        rows.append(row)
    top = answer(rows)
    pairs = list(top[1])
    if draw(st.integers(0, 3)) == 0:
        k = draw(st.integers(0, len(pairs) - 1))
        pairs[k] = (pairs[k][0], draw(st.one_of(values, st.integers(0, 5))))
    if draw(st.integers(0, 5)) == 0:
        random.Random(draw(st.integers())).shuffle(pairs)
    count = n if draw(st.integers(0, 5)) else draw(st.integers(0, 5))
    spacing = draw(st.sampled_from(["", " ", "\n "]))
    return text(("{", pairs), spacing).encode("utf-8", "surrogatepass"), count


@settings(max_examples=400, deadline=None)
@given(case=answers())
def test_what_is_proven_the_usual_path_reads_alike(case: Tuple[bytes, int]) -> None:
    agree(*case)


plain_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
              st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=6)),
    lambda kids: st.one_of(
        st.lists(kids, max_size=3),
        st.lists(st.tuples(st.text(max_size=3), kids), max_size=3).map(lambda p: ("{", p)),
    ),
    max_leaves=8,
)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.booleans(), plain_values), min_size=1, max_size=5))
def test_answers_of_the_gateways_shape_are_proven(rows: List[Tuple[bool, Any]]) -> None:
    """The fast path is the common one: any event the gateway can echo, and repeated
    keys in it, leave an answer of its shape proven."""
    body = text(answer([result(i, ok, ev) for i, (ok, ev) in enumerate(rows)])).encode()
    assert agree(body, len(rows)) is not None


# ---------------------------------------------------------------------- the clients


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_kept_results_from_the_local_gateway_are_its_answers(
    gw: Any, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through real sockets, results kept without ``on_batch`` are proven, not decoded,
    and read back as the gateway's answers (masked emails, a third failing)."""
    proven: List[bool] = []

    def spy(content: bytes, count: int) -> Optional[Dict[str, Any]]:
        top = proven_answer(content, count)
        proven.append(top is not None)
        return top

    monkeypatch.setattr(ingest_plan, "proven_answer", spy)
    cid = f"{gw.contract_id('user_events')}@1.0.0"
    events = mixed_user_events(2500)
    if kind == "sync":
        rec: Any = RecordingTransport()
        with Client(base_url=gw.base_url, api_key=gw.api_key, transport=rec) as cg:
            resp = cg.ingest(cid, events, dry_run=True)
    else:
        rec = AsyncRecordingTransport()
        async with AsyncClient(base_url=gw.base_url, api_key=gw.api_key, transport=rec) as acg:
            resp = await acg.ingest(cid, events, dry_run=True, max_concurrency=2)
    assert proven == [True, True, True]
    assert [type(s) for s in resp.result_stores()] == [PackedResults] * 3
    want = recorded_results(rec.bodies)
    assert want[0].transformed_event["email"] != events[0]["email"]  # masked
    assert_same(list(resp.results), want)
    assert resp.failed == sum(1 for i in range(2500) if i % 7 == 3)
    assert resp.failures == tuple(r for r in want if not r.passed)


def test_without_msgspec_the_usual_path_keeps_the_same_results(
    gw: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = gw.contract_id("user_events")
    events = mixed_user_events(1500)
    with Client(base_url=gw.base_url, api_key=gw.api_key) as cg:
        fast = cg.ingest(cid, events, dry_run=True)
        monkeypatch.setattr(fast_answer, "_decoders", False)  # as when it is not installed
        assert proven_answer(b"{}", 0) is None
        slow = cg.ingest(cid, events, dry_run=True)

    def verdicts(resp: BatchIngestResponse) -> List[Any]:
        return [(r.index, r.passed, r.violations, r.transformed_event) for r in resp.results]

    assert verdicts(fast) == verdicts(slow) and fast.failed == slow.failed > 0
