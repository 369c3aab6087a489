"""Edges of ingest encoding and batch planning: every event reaches the gateway as the
value the caller gave, or is refused before sending with an ``EventEncodeError`` naming
its index; limits are the gateway's to the byte; batch keys are ``K`` / ``K#n``.

What the gateway reads is checked against the local gateway over real sockets (``gapi``)
or with its own decoder; exact bytes and keys with a recording mock transport."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List

import httpx
import pytest
from cg_client_testlib import API_KEY, Api, Recorder, batch_events, verdict_for

import contractgate._http.chunking as chunking
import contractgate.exceptions as E
from contractgate._http.chunking import encode_event
from contractgate.gateway._http import decode_json

BASE = "http://127.0.0.1:9"  # never contacted: the mock-transport tests
CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"
DBL_MAX_INT = int(1.7976931348623157e308)  # float() holds it; serde_json's digits do not


def good(i: int = 0, **extra: Any) -> Dict[str, Any]:
    return {"user_id": f"user_{i}", "event_type": "click", "timestamp": 1724252400 + i, **extra}


def nested(levels: int) -> Any:
    """``levels`` arrays inside one another."""
    value: Any = []
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.fixture
def cid(gw: Any) -> str:
    return str(gw.contract_id("user_events"))


def outcomes(event: Any, monkeypatch: pytest.MonkeyPatch) -> List[Any]:
    """``encode_event``'s answer with orjson, without it, and by the full walk only."""

    def outcome() -> Any:
        try:
            return encode_event(event, 3)
        except E.EventEncodeError as exc:
            return (exc.index, exc.reason)

    got = [outcome()]
    with monkeypatch.context() as m:
        m.setattr(chunking, "_orjson_dumps", None)
        got.append(outcome())
        m.setattr(chunking, "_structure_is_plain", lambda *a: False)
        got.append(outcome())
    return got


class _Wide(int):
    """An int subclass: the encoder writes its digits (``int.__repr__``)."""


class _Liar(int):
    """An int subclass whose comparisons say it is small."""

    def __le__(self, other: Any) -> bool:
        return True

    def __ge__(self, other: Any) -> bool:
        return True


class _Masked(dict):  # type: ignore[type-arg]
    """A dict subclass hiding its content from iteration; ``json`` reads ``items()``."""

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def keys(self) -> Any:
        return []

    def values(self) -> Any:
        return []


class _Aliased(dict):  # type: ignore[type-arg]
    """A dict subclass whose ``items()`` (what ``json`` writes) differ from its storage."""

    def items(self) -> Any:
        return [(1, v) for v in dict.values(self)]


class _Posing(str):
    """A str subclass claiming to be clean printable ASCII, whatever its text."""

    def isascii(self) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter("x" * len(self))


class _Redacted(str):
    """A str subclass whose ``str()`` hides its text (as secret-string types do)."""

    def __str__(self) -> str:
        return "****"

    def __format__(self, spec: str) -> str:
        return "****"


# ------------------------------------------------------------------ integers


@pytest.mark.parametrize(
    "value", [DBL_MAX_INT, -DBL_MAX_INT, 10**308 * 179769], ids=["max", "-max", "2e313"]
)
async def test_an_integer_serde_json_finds_out_of_range_is_refused_before_sending(
    gapi: Api, gw: Any, cid: str, value: int
) -> None:
    """Python's ``float()`` holds ``int(sys.float_info.max)``, but serde_json reads its
    309 digits as ``number out of range`` and refuses the whole batch (400): the client
    refuses the event, by index, before anything is sent (as it did for 2e313)."""
    with pytest.raises(E.EventDecodeError, match="number out of range"):
        decode_json(json.dumps({"n": value}).encode())  # the gateway's own reading
    before = gw.count_rows("audit", contract_id=cid)
    with pytest.raises(E.EventEncodeError) as ei:
        await gapi.ingest(cid, [good(0), good(1, n=value), good(2)])
    assert ei.value.index == 1 and "integer too large" in ei.value.reason
    assert gw.count_rows("audit", contract_id=cid) == before  # nothing was sent


async def test_an_integer_serde_json_reads_as_a_float_is_sent(gapi: Api, cid: str) -> None:
    """Beyond 64 bits but within what serde_json decodes: sent as its digits, read as a
    float (spec §3), one verdict per event."""
    res = await gapi.ingest(cid, [good(0, n=int(1.79e308)), good(1, n=2**64), good(2, n=2**64 - 1)])
    assert [r.index for r in res.results] == [0, 1, 2]
    assert [type(r.transformed_event["n"]) for r in res.results] == [float, float, int]


@pytest.mark.parametrize(
    "event",
    [{"x": _Wide(10**400)}, [_Wide(10**400)], _Wide(10**400), {"a": {"b": _Wide(10**400)}},
     {"a": [1, (_Wide(-DBL_MAX_INT),)]}, {"x": _Wide(DBL_MAX_INT)}, {"x": _Liar(10**400)},
     [_Liar(DBL_MAX_INT)]],
)  # fmt: skip
def test_an_int_subclass_is_range_checked_like_an_int(
    event: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``json`` writes an int subclass's digits: beyond what serde_json decodes it is
    refused like a plain int, with or without orjson."""
    got = outcomes(event, monkeypatch)
    assert got[0] == got[1] == got[2]
    assert got[0] == (3, "integer too large for the gateway's JSON parser")


def test_an_int_subclass_within_range_is_sent_as_its_digits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event = {"x": _Wide(2**64 - 1), "y": [_Wide(-(2**63)), _Wide(2**70)]}
    got = outcomes(event, monkeypatch)
    assert got[0] == got[1] == got[2] == json.dumps(event, separators=(",", ":")).encode()


# ------------------------------------------------------------------ dict subclasses


@pytest.mark.parametrize(
    ("event", "reason"),
    [(_Masked({1: "a"}), "object key 1 is a int"),
     ({"a": _Masked({"1": "x", 1: "y"})}, "object key 1 is a int"),
     ({"a": _Masked({"k": 10**400})}, "integer too large"),
     ([_Masked({"k": nested(130)})], "nested deeper than 126"),
     ({"a": _Aliased({"k": "v"})}, "object key 1 is a int")],
)  # fmt: skip
async def test_a_dict_subclass_is_checked_through_what_the_encoder_reads(
    make_api: Any, recorder: Recorder, monkeypatch: pytest.MonkeyPatch, event: Any, reason: str
) -> None:
    """``json`` reads a dict subclass through ``items()``, whatever its ``__iter__``,
    ``keys()`` and ``values()`` say: the checks read the same pairs (an int key would
    become ``"1"``, beside a real ``"1"``: a duplicate of which the gateway keeps one)."""
    assert _Masked({1: "a"}) and not list(_Masked({1: "a"}))
    got = outcomes(event, monkeypatch)
    assert got[0] == got[1] == got[2]
    assert got[0][0] == 3 and reason in got[0][1]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=recorder)
    with pytest.raises(E.EventEncodeError) as ei:
        await api.ingest(CID, [{"i": 0}, event], route="legacy")
    assert ei.value.index == 1 and recorder.requests == []


def test_a_dict_subclass_with_plain_content_is_sent_as_its_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event = {"a": _Masked({"k": [1, {"z": None}], "é": 2**64 - 1})}
    got = outcomes(event, monkeypatch)
    sent = '{"a":{"k":[1,{"z":null}],"é":18446744073709551615}}'.encode()
    assert got[0] == got[1] == got[2] == sent


# ------------------------------------------------------------------ idempotency keys


async def test_batch_keys_are_built_from_the_keys_text_not_its_str(make_api: Any) -> None:
    """A str subclass key (a secret-string type redacting ``str()``) keys batch 0 with its
    text: batch *n* is that text + ``#n``, never ``****#n`` (shared by every ingest)."""
    rec = Recorder(verdict_for)
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    res = await api.ingest(CID, [{"i": i} for i in range(3)], max_batch_events=1,
                           idempotency_key=_Redacted("load-42"))  # fmt: skip
    keys = [r.headers["idempotency-key"] for r in rec.requests]
    assert sorted(keys) == ["load-42", "load-42#1", "load-42#2"]
    assert [b.idempotency_key for b in res.batches] == ["load-42", "load-42#1", "load-42#2"]
    assert [r.index for r in res.results] == [0, 1, 2]


async def test_the_key_length_check_counts_the_keys_text(make_api: Any) -> None:
    """The room left for ``#<n>`` is counted on the key's text, not on its ``str()``."""
    rec = Recorder(verdict_for)
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    with pytest.raises(ValueError, match="idempotency_key is too long"):
        await api.ingest(CID, [{"i": i} for i in range(3)], max_batch_events=1,
                         idempotency_key=_Redacted("k" * 254))  # fmt: skip
    assert rec.requests == []  # "k" * 254 + "#1" is over 255 bytes: refused before sending


@pytest.mark.parametrize("text", ["clé", "has space", "tab\tkey"])
async def test_a_key_is_checked_by_its_text(make_api: Any, recorder: Recorder, text: str) -> None:
    """What the gateway would ignore (non-ASCII) is refused, whatever a str subclass's
    own methods claim, before anything is sent."""
    api = make_api(base_url=BASE, api_key=API_KEY, handler=recorder)
    with pytest.raises(ValueError, match="printable ASCII"):
        await api.ingest(CID, [{"i": 0}], idempotency_key=_Posing(text))
    assert recorder.requests == []


# ------------------------------------------------------------------ depth


@pytest.mark.parametrize(("route", "deepest"), [("v1", 127), ("legacy", 126)])
async def test_an_event_may_nest_exactly_as_deep_as_the_gateway_parses(
    gapi: Api, cid: str, route: str, deepest: int
) -> None:
    """serde_json parses 127 levels per document; a legacy batch array is one of them."""
    event = good(0, deep=nested(deepest - 1))  # the event object is the first level
    res = await gapi.ingest(cid, [good(1), event], route=route)
    assert res.total == 2 and [r.index for r in res.results] == [0, 1]
    with pytest.raises(E.EventEncodeError) as ei:
        await gapi.ingest(cid, [good(1), good(0, deep=nested(deepest))], route=route)
    assert ei.value.index == 1 and f"nested deeper than {deepest}" in ei.value.reason


async def test_an_envelope_may_nest_as_deep_as_the_gateway_parses(
    gapi: Api, cid: str, make_api: Any, recorder: Recorder
) -> None:
    """The envelope is the whole body: 127 levels, as for any one JSON document."""
    envelope = {"data": [], "meta": nested(126)}
    # user_events is no envelope contract: the gateway parses the body and judges it as
    # one event (a 422 batch verdict), not as JSON nested too deeply (a 400)
    with pytest.raises(E.APIStatusError) as ei:
        await gapi.ingest_envelope(cid, envelope)
    assert ei.value.status_code == 422 and ei.value.body["total"] == 1
    api = make_api(base_url=BASE, api_key=API_KEY, handler=recorder)
    with pytest.raises(E.EventEncodeError, match="nested deeper than 127"):
        await api.ingest_envelope(CID, {"data": [], "meta": nested(127)})
    assert recorder.requests == []


# ------------------------------------------------------------------ sizes


async def test_an_event_of_exactly_the_per_event_limit_is_sent(gapi: Api, cid: str) -> None:
    """1,048,576 encoded bytes is within the limit (the gateway refuses more); one
    byte more is refused before sending, naming the event."""
    base = len(encode_event(good(1, pad="")))
    limit = chunking.PER_EVENT_LIMIT
    at_limit = good(1, pad="é" + "x" * (limit - base - 2))  # é: 2 bytes, counted as such
    assert len(encode_event(at_limit)) == limit
    res = await gapi.ingest(cid, [good(0), at_limit, good(2)])
    assert res.total == 3 and [r.index for r in res.results] == [0, 1, 2]
    over = good(1, pad="é" + "x" * (limit - base - 1))
    with pytest.raises(E.EventEncodeError) as ei:
        await gapi.ingest(cid, [good(0), over, good(2)])
    assert ei.value.index == 1
    assert f"{limit + 1} bytes encoded, over the gateway's per-event limit" in ei.value.reason
    # within the per-event limit, but not within a smaller max_batch_bytes: that is the cause
    with pytest.raises(E.EventEncodeError) as ei:
        await gapi.ingest(cid, [at_limit], max_batch_bytes=limit + 1)
    assert ei.value.index == 0
    assert ei.value.reason == (
        f"{limit} bytes encoded; a request body on this route is limited to {limit + 1} bytes"
    )


async def test_an_envelope_of_exactly_the_body_cap_is_sent(
    make_api: Any, recorder: Recorder
) -> None:
    """An envelope is the whole body: no framing counts against the legacy route's cap."""
    recorder.responder = lambda r: httpx.Response(
        200, json={"passed": 0, "quarantined": 0, "validation_us": 1, "violations": []}
    )
    api = make_api(base_url=BASE, api_key=API_KEY, handler=recorder)
    cap = chunking.LEGACY_MAX_BODY_BYTES
    pad = cap - len(encode_event({"data": [], "pad": ""}))
    await api.ingest_envelope(CID, {"data": [], "pad": "x" * pad})
    assert [len(b) for b in recorder.bodies] == [cap]
    with pytest.raises(E.EventEncodeError, match=f"limited to {cap} bytes"):
        await api.ingest_envelope(CID, {"data": [], "pad": "x" * (pad + 1)})
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("route", ["v1", "legacy"])
async def test_batches_are_cut_at_exactly_max_batch_bytes(make_api: Any, route: str) -> None:
    """A JSON array body of exactly ``max_batch_bytes`` is one request; a byte less cuts
    it before its last event. An NDJSON body is cut at the same events (its framing is
    two bytes shorter)."""
    events = [{"i": i, "p": "x" * i} for i in range(6)]
    sizes = [len(encode_event(e)) for e in events]
    whole = sum(sizes) + len(sizes) + 1  # "[" + events + commas + "]"
    for limit, cut in [(whole, [6]), (whole - 1, [5, 1]), (sizes[-1] + 2, [1] * 6)]:
        rec = Recorder(lambda r: verdict_for(r, v1=route == "v1"))
        api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
        res = await api.ingest(CID, iter(events), route=route, max_batch_bytes=limit)
        assert [len(batch_events(r)) for r in rec.requests] == cut, limit
        assert [r.index for r in res.results] == list(range(6))
        assert all(len(b) <= limit for b in rec.bodies)
        if cut == [6]:
            assert len(rec.bodies[0]) == whole - (2 if route == "v1" else 0)
    with pytest.raises(E.EventEncodeError) as ei:  # the first event alone does not fit
        await make_api(base_url=BASE, api_key=API_KEY, handler=Recorder(verdict_for)).ingest(
            CID, events, route=route, max_batch_bytes=sizes[0] + 1
        )
    assert ei.value.index == 0


@pytest.mark.parametrize(("spare", "cut"), [(-1, [1] * 6), (0, [2, 2, 2])])
async def test_every_batch_is_counted_in_full(make_api: Any, spare: int, cut: List[int]) -> None:
    """Equal events, ``max_batch_bytes`` a byte short of (or exactly) two of them in a
    JSON array: a batch opened by the event that closed the one before holds no more."""
    events = [{"i": i} for i in range(10, 16)]
    size = len(encode_event(events[0]))
    limit = 2 * (size + 1) + 1 + spare
    rec = Recorder(lambda r: verdict_for(r, v1=False))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    res = await api.ingest(CID, events, route="legacy", max_batch_bytes=limit)
    assert [len(batch_events(r)) for r in rec.requests] == cut
    assert [len(b) for b in rec.bodies] == [n * (size + 1) + 1 for n in cut]
    assert max(len(b) for b in rec.bodies) <= limit
    assert [r.index for r in res.results] == list(range(6))


# ------------------------------------------------------------------ separators


async def test_line_separators_inside_strings_reach_the_gateway_intact(gapi: Api, cid: str) -> None:
    """NDJSON splits on ``\\n`` only: a newline or CR in a string is escaped, and U+2028,
    U+2029, U+0085 go as they are; each event is one line and comes back as sent."""
    texts = ["a\nb", "a\rb", "\r\n", "\r", "x\u2028y", "\u2029", "\x85", "\x00\x1f\x7f", "é\n"]
    events = [good(i, note=t, **{t: t}) for i, t in enumerate(texts)]
    res = await gapi.ingest(cid, events, max_batch_events=4)
    assert res.total == len(texts) and [r.index for r in res.results] == list(range(len(texts)))
    assert [r.transformed_event["note"] for r in res.results] == texts
    assert [r.transformed_event[t] for r, t in zip(res.results, texts)] == texts


# ------------------------------------------------------------------ partial failures


async def test_a_partial_failure_accounts_for_every_event_read_from_a_growing_list(
    make_api: Any,
) -> None:
    """A list that grows while it is read (here by ``on_batch``) outruns the ``len()``
    taken at the start: every event read is accepted or listed as unsent, and
    ``unread_from`` says where reading stopped (the length said nothing about the rest)."""
    rec = Recorder(verdict_for)
    rec.script = [verdict_for, verdict_for, httpx.Response(400, json={"error": "no"})]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec, max_retries=0)
    events: List[Any] = [{"i": i} for i in range(100)]

    def grow(part: Any) -> None:
        events.extend({"i": len(events) + k} for k in range(20))

    kwargs = {"max_concurrency": 1} if api.is_async else {}
    with pytest.raises(E.PartialIngestError) as ei:
        await api.ingest(CID, events, max_batch_events=10, on_batch=grow, **kwargs)
    err = ei.value
    acked = [r.index for r in err.accepted.results]
    assert acked == list(range(20)) and err.unread_from is not None
    assert err.unread_from > 100  # read beyond the 100 events len() counted at the start
    assert sorted(acked + list(err.unsent_indexes)) == list(range(err.unread_from))
    sent = [e["i"] for r in rec.requests for e in batch_events(r)]
    assert sent == list(range(30))  # batch 2 failed; nothing after it was sent


async def test_a_list_read_to_its_last_event_leaves_nothing_unread(make_api: Any) -> None:
    """The read-ahead window fills exactly at the list's last event (the list has not
    said it ended yet): a failure then lists every unsent position and nothing unread."""
    # sync: 8 one-event batches closed and one open, then batch 0 is sent and the read
    # goes on to the last event, which fills the window again: the end is not yet seen
    window = chunking.READ_AHEAD_BATCHES + 2
    rec = Recorder(verdict_for)
    rec.script = [verdict_for, httpx.Response(400, json={"error": "no"})]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec, max_retries=0)
    kwargs = {"max_concurrency": 1} if api.is_async else {}
    with pytest.raises(E.PartialIngestError) as ei:
        await api.ingest(CID, [{"i": i} for i in range(window)], max_batch_events=1, **kwargs)
    err = ei.value
    assert err.unread_from is None and list(err.unsent_indexes) == list(range(1, window))
    assert [r.index for r in err.accepted.results] == [0] and len(rec.requests) == 2
