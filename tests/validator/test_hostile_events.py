"""Hostile events: deep nesting, huge arrays, NaN/Infinity tokens, duplicate keys, lone
surrogates, numbers beyond 64 bits. Each one is either handled exactly as the gateway
handles it (spec §3: the local validator's answer equals the local gateway's answer for the
same raw bytes) or rejected by the client with ``EventEncodeError`` before anything is
sent. Not repeated here: the mock-transport checks of tests/client (EventEncodeError
reasons) and the single-case checks of tests/validator/test_validator_api.py."""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Tuple

import httpx
import pytest
from cg_validator_testlib import CONTRACTS, FAST_RETRY

import contractgate.exceptions as E
from contractgate import Client, Contract, EventDecodeError, EventTypeError

VERSION = "1.1.0"


def _nest(depth: int, leaf: str = "1") -> str:
    """JSON text of ``depth`` nested arrays around ``leaf``."""
    return "[" * depth + leaf + "]" * depth


def _ev(**fields: str) -> str:
    base = {"user_id": '"u_1"', "event_type": '"click"', "timestamp": "1724252400"}
    base.update(fields)
    return "{" + ",".join(f'"{k}":{v}' for k, v in base.items()) + "}"


RAW_EVENTS: List[Tuple[str, str]] = [
    ("u64-max", _ev(timestamp="18446744073709551615")),
    ("u64-max-plus-1", _ev(timestamp="18446744073709551616")),
    ("i64-min", _ev(timestamp="-9223372036854775808")),
    ("i64-min-minus-1", _ev(timestamp="-9223372036854775809")),
    ("huge-int-literal", _ev(timestamp="1" + "0" * 300)),
    ("int-overflows-double", _ev(timestamp="1" + "0" * 400)),
    ("minus-zero", _ev(timestamp="-0")),
    ("float-overflow", _ev(amount="1e400")),
    ("float-underflow", _ev(amount="1e-400")),
    ("17-digit-float", _ev(amount="100.00000000000001")),
    ("NaN", _ev(amount="NaN")),
    ("Infinity", _ev(amount="Infinity")),
    ("minus-Infinity", _ev(amount="-Infinity")),
    ("nan-lower", _ev(amount="nan")),
    ("dup-key-last-bad", '{"user_id":"u_1","user_id":"BAD!","event_type":"click","timestamp":1}'),
    ("dup-key-last-good", '{"user_id":"BAD!","user_id":"u_1","event_type":"click","timestamp":1}'),
    ("dup-key-type-change", '{"user_id":"u","event_type":"click","timestamp":"x","timestamp":5}'),
    ("lone-high-surrogate", _ev(user_id='"\\ud800"')),
    ("lone-low-surrogate", _ev(user_id='"\\udc00"')),
    ("reversed-pair", _ev(user_id='"\\udc00\\ud800"')),
    ("valid-pair", _ev(user_id='"\\ud83d\\ude00"')),
    ("surrogate-key", '{"\\ud800":1,"user_id":"u","event_type":"click","timestamp":1}'),
    ("nul-escape", _ev(user_id='"a\\u0000b"')),
    ("raw-control-char", _ev(user_id='"a\tb"')),
    ("deep-125", _ev(extra=_nest(125))),  # 126 with the event object: the client's limit
    ("deep-126", _ev(extra=_nest(126))),  # 127 + the batch array: over the gateway's limit
    ("deep-object-125", _ev(extra='{"a":' * 125 + "1" + "}" * 125)),
    ("huge-array", _ev(extra="[" + ",".join(["1"] * 100_000) + "]")),
    ("huge-string", _ev(user_id='"' + "a" * 500_000 + '"')),
    ("huge-enum-miss", _ev(event_type='"' + "z" * 200_000 + '"')),
    ("trailing-comma", '{"user_id":"u","event_type":"click","timestamp":1,}'),
    ("leading-zero", _ev(timestamp="01")),
    ("plus-sign", _ev(timestamp="+1")),
]


def _gateway_verdict(gw: Any, cid: str, raw: str) -> Any:
    r = httpx.post(
        f"{gw.base_url}/v1/ingest/{cid}",
        params={"version": VERSION, "dry_run": "true"},
        content=("[" + raw + "]").encode("utf-8", "surrogatepass"),
        headers={"x-api-key": gw.api_key, "content-type": "application/json"},
        timeout=30,
    )
    if r.status_code == 400:
        return "rejected"
    assert r.status_code in (200, 207, 422), r.text[:300]
    res = r.json()["results"][0]
    return res["passed"], [(v["field"], v["kind"], v["message"]) for v in res["violations"]]


@pytest.fixture(scope="module")
def local() -> Any:

    return Contract.from_file(CONTRACTS / "user_events" / f"{VERSION}.yaml").compile()


@pytest.mark.parametrize("raw", [r for _, r in RAW_EVENTS], ids=[n for n, _ in RAW_EVENTS])
def test_local_validator_answers_like_the_gateway(gw: Any, cid: str, local: Any, raw: str) -> None:
    expected = _gateway_verdict(gw, cid, raw)
    if raw.count("[") >= 126 and expected == "rejected":
        # event depth 127 is legal alone but not inside the batch array; the client
        # refuses it before sending (test below), validate_json judges the event alone
        assert local.validate_json(raw) is not None
        return
    try:
        vr = local.validate_json(raw)
    except EventDecodeError:
        assert expected == "rejected"
        return
    assert expected != "rejected", f"gateway rejects it, local validator said {vr}"
    got = (vr.passed, [(v.field, str(v.kind.value if hasattr(v.kind, "value") else v.kind),
                        v.message) for v in vr.violations])  # fmt: skip
    assert got == expected


# ------------------------------------------------------------------ the client, real gateway


def _deep(depth: int) -> Any:
    v: Any = 1
    for _ in range(depth):  # ``depth`` nested arrays (the event object adds one level)
        v = [v]
    return v


@pytest.fixture
def client(gw: Any) -> Any:
    with Client(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as c:
        yield c


def _good(**extra: Any) -> Dict[str, Any]:
    return {"user_id": "u_1", "event_type": "click", "timestamp": 1724252400, **extra}


@pytest.mark.parametrize("route,arrays", [("v1", 126), ("legacy", 125)])
def test_deepest_event_the_client_sends_is_accepted_by_the_gateway(
    client: Any, cid: str, route: str, arrays: int
) -> None:
    """/v1 bodies are NDJSON, so an event may use all 127 levels of the gateway's parser;
    the legacy route's JSON array takes one of them."""
    ev = _good(extra=_deep(arrays))  # + the event object
    res = client.ingest(cid, [ev], version=VERSION, dry_run=True, route=route)
    assert res.total == 1 and res.passed == 1


@pytest.mark.parametrize("route,arrays", [("v1", 127), ("legacy", 126)])
def test_one_level_deeper_is_refused_before_sending(
    client: Any, gw: Any, cid: str, route: str, arrays: int
) -> None:
    before = gw.count_rows("audit")
    with pytest.raises(E.EventEncodeError) as ei:
        client.ingest(cid, [_good(), _good(extra=_deep(arrays))], version=VERSION, route=route)
    assert ei.value.index == 1 and "nested deeper" in ei.value.reason
    assert gw.count_rows("audit") == before


@pytest.mark.parametrize(
    "value",
    [
        2**64 - 1,
        2**64,
        -(2**63),
        -(2**63) - 1,
        2**1000,
        -0.0,
        1e308,
        5e-324,
        100.00000000000001,
        2**53 + 1,
    ],
    ids=[
        "u64max",
        "u64max+1",
        "i64min",
        "i64min-1",
        "2^1000",
        "-0.0",
        "1e308",
        "denormal",
        "17-digits",
        "2^53+1",
    ],
)
def test_numbers_at_the_edges_get_the_same_verdict_locally_and_remotely(
    client: Any, cid: str, local: Any, value: Any
) -> None:
    for ev in (_good(timestamp=value), _good(amount=value)):
        remote = client.ingest(cid, [ev], version=VERSION, dry_run=True).results[0]
        lv = local.validate(ev)
        assert (remote.passed, [(v.field, v.kind, v.message) for v in remote.violations]) == (
            lv.passed, [(v.field, v.kind, v.message) for v in lv.violations])  # fmt: skip


@pytest.mark.parametrize(
    "bad, reason",
    [
        (10**400, "integer too large"),
        (-(10**400), "integer too large"),
        (math.nan, "not JSON-encodable"),
        (-math.inf, "not JSON-encodable"),
        ({"\udfff": 1}, "lone surrogate"),
        (["ok", "\ud800x"], "lone surrogate"),
        ({(1, 2): "tuple key"}, "not JSON-encodable"),
    ],
    ids=["10^400", "-10^400", "nan", "-inf", "surrogate-key", "surrogate-in-list", "tuple-key"],
)
def test_unsendable_values_are_refused_with_nothing_written(
    client: Any, gw: Any, cid: str, bad: Any, reason: str
) -> None:
    before = gw.count_rows("audit")
    events = [_good(), _good(), _good(extra=bad)]
    with pytest.raises(E.EventEncodeError) as ei:
        client.ingest(cid, events, version=VERSION)
    assert ei.value.index == 2 and reason in ei.value.reason
    assert str(ei.value).startswith("event at index 2 cannot be sent")
    assert gw.count_rows("audit") == before


def test_huge_arrays_and_strings_are_sent_or_refused_by_size(
    client: Any, gw: Any, cid: str
) -> None:
    ok = _good(extra=list(range(100_000)))  # ~590 KB: under the 1 MiB per-event limit
    assert client.ingest(cid, [ok], version=VERSION, dry_run=True).passed == 1
    too_big = _good(extra=list(range(200_000)))  # ~1.3 MB
    with pytest.raises(E.EventEncodeError, match="limit"):
        client.ingest(cid, [too_big], version=VERSION)
    # many mid-sized events are split across requests under the 2 MB body cap
    evs = [_good(extra="x" * 300_000) for _ in range(12)]
    res = client.ingest(cid, evs, version=VERSION, dry_run=True)
    assert res.total == 12 and len(res.batches) >= 2


def test_python_objects_deeper_than_json_allows_are_a_typed_error() -> None:
    c = Contract.from_yaml(
        "version: '1'\nname: t\nontology:\n  entities:\n"
        "    - {name: p, type: any, enum: [1]}\nquality:\n  - {field: p, type: uniqueness}\n"
    ).compile()
    deep: Any = 1
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(EventTypeError):
        c.validate({"p": deep})
    with pytest.raises(EventTypeError):
        c.validate_batch([{"p": deep}, {"p": deep}])
    # a declared string field holding the same value: a plain type mismatch, no walk
    assert c.validate({"p": 1}).passed


def test_duplicate_keys_in_raw_json_keep_the_last_value_like_the_gateway(local: Any) -> None:
    raw = '{"user_id":"u_1","event_type":"click","timestamp":1,"user_id":"NO!"}'
    assert [v.field for v in local.validate_json(raw).violations] == ["user_id"]
    assert local.validate_json(raw.replace('"NO!"', '"yes_1"')).passed


def test_keys_colliding_after_json_coercion_are_refused(client: Any, gw: Any, cid: str) -> None:
    before = gw.count_rows("audit")
    with pytest.raises(E.EventEncodeError):
        client.ingest(cid, [_good(**{"1": "b"}) | {1: "a"}], version=VERSION)
    assert gw.count_rows("audit") == before


def test_non_json_raw_bytes_are_typed_errors(local: Any) -> None:
    for raw in (b"\xff\xfe{}", b'{"user_id": "\xc3\x28"}', b"\x00", "\ufeff{}", "{" * 200_000):
        try:
            local.validate_json(raw)
        except EventDecodeError as err:
            assert err.line is not None
        # a BOM or other oddity may decode: then it must be a plain result
    assert json.loads("{}") == {}
