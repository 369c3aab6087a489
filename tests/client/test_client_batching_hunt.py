"""How ``ingest`` cuts events into requests and accounts for them: one verdict per event
in the caller's order, never lost or doubled, and the same requests from both clients.

* A mapping that is not a dict is refused before sending, naming its index, as the local
  validator refuses it (JSON values are str, int, float, bool, None, list, tuple, dict).
* ``PartialIngestError.unsent_indexes`` of a long input whose unsent positions are not
  one run (``AsyncClient``: a batch after the failed one was acknowledged) holds runs,
  not one int per position.
* ``Client`` and ``AsyncClient`` send the same bodies with the same keys, and the bodies
  land on the route's caps and on 1000 events exactly.

Real sockets throughout (the local gateway, or a loopback server that judges every
event); a mock transport only to order two concurrent answers.
"""

from __future__ import annotations

import asyncio
import pickle
import types
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Dict, Iterator, List, Mapping, Tuple

import httpx
import pytest
from cg_client_testlib import API_KEY, FAST_RETRY, Api, LoopbackServer, batch_events, verdict_for

import contractgate._http.chunking as chunking
import contractgate.exceptions as E
from contractgate import Contract
from contractgate._http.chunking import encode_event
from contractgate.async_client import AsyncClient
from contractgate.client import Client

CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"


def good(i: int = 0, **extra: Any) -> Dict[str, Any]:
    return {"user_id": f"user_{i}", "event_type": "click", "timestamp": 1724252400 + i, **extra}


@pytest.fixture
def cid(gw: Any) -> str:
    return str(gw.contract_id("user_events"))


class Frozen(Mapping[str, Any]):
    """A read-only mapping that is not a dict (as config and ORM row types are)."""

    def __init__(self, data: Dict[Any, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class LazyEvents(Sequence[Any]):
    """A sequence with ``len()`` whose events are made when read (a view over a file or a
    table): a million positions, of which an ingest that stops reads a few."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: Any) -> Any:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return {"i": i}


# ------------------------------------------------------------------ mappings


async def test_a_mapping_that_is_not_a_dict_is_refused_naming_its_index(
    gapi: Api, gw: Any, cid: str
) -> None:
    """JSON values are str, int, float, bool, None, list, tuple and dict, for the local
    validator and for ``ingest`` alike: any other mapping (even ``ingest(cid, mapping)``,
    one event) is refused before anything is sent, naming its position; a dict subclass
    or an OrderedDict is sent in its key order."""
    compiled = Contract.from_yaml(
        "version: '1'\nname: t\nontology:\n  entities:\n    - {name: a, type: integer}\n"
    ).compile()
    audit = gw.count_rows("audit", contract_id=cid)
    for events, index in [
        (types.MappingProxyType(good(0)), 0),
        ([good(0), OrderedDict(good(1)), good(2, meta=Frozen({"a": 1}))], 2),
    ]:
        with pytest.raises(E.EventEncodeError) as ei:
            await gapi.ingest(cid, events)
        assert ei.value.index == index and "not JSON-encodable" in ei.value.reason
    with pytest.raises(E.EventTypeError, match="not a JSON value"):
        compiled.validate(types.MappingProxyType({"a": 1}))
    assert gw.count_rows("audit", contract_id=cid) == audit
    assert encode_event(OrderedDict([("b", 1), ("a", 2)])) == b'{"b":1,"a":2}'


# ------------------------------------------------------------------ partial failures


async def test_unsent_positions_of_a_long_input_are_runs_not_a_list() -> None:
    """AsyncClient: batch 1 fails while batch 2, in flight, is acknowledged. The unsent
    positions of a million-event input are exact, sorted and cheap (a list of a
    million ints before: ~36 MB, 16 s for 10**8)."""
    n = 1_000_000
    batch_2_answered = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        first = batch_events(request)[0]["i"]
        if first == 10:
            await batch_2_answered.wait()
            return httpx.Response(400, json={"error": "Invalid request: no", "status": 400})
        if first == 20:
            batch_2_answered.set()
        return verdict_for(request)

    async with AsyncClient(
        "http://127.0.0.1:9", API_KEY, transport=httpx.MockTransport(handler),
        retry_policy=FAST_RETRY, max_retries=0,
    ) as cg:  # fmt: skip
        with pytest.raises(E.PartialIngestError) as ei:
            await cg.ingest(CID, LazyEvents(n), max_batch_events=10, max_concurrency=2)
    err = ei.value
    acked = [r.index for r in err.accepted.results]
    assert acked[:10] == list(range(10)) and set(range(20, 30)) <= set(acked)
    unsent = err.unsent_indexes
    assert len(pickle.dumps(unsent)) < 1000  # runs, not a million ints
    assert len(unsent) == n - len(acked) and err.unread_from is None
    assert err.first_unsent_index == 10 and unsent[0] == 10 and unsent[-1] == n - 1
    assert list(unsent[:12]) == [*range(10, 20), *sorted(set(range(30, 40)) - set(acked))][:12]
    assert 15 in unsent and 25 not in unsent and n not in unsent and 0 not in unsent
    expected = sorted(set(range(n)) - set(acked))
    assert list(unsent) == expected and unsent == expected
    assert [unsent[i] for i in (0, 9, 10, -1, -len(unsent))] == [
        expected[i] for i in (0, 9, 10, -1, -len(expected))
    ]
    assert pickle.loads(pickle.dumps(unsent)) == unsent
    assert f"{len(expected)} not acknowledged starting at index 10" in str(err)
    with pytest.raises(IndexError):
        unsent[len(expected)]


# ------------------------------------------------------------------ sync == async


class JudgingServer(LoopbackServer):
    """A loopback server answering every ingest request with a verdict for its events
    (those marked ``"last": true`` fail), recording bodies and keys in arrival order."""

    def respond(self, path: str) -> Tuple[int, Dict[str, str], bytes]:
        method, full, headers = self.seen[-1]
        request = httpx.Request(method, self.url + full, headers=headers, content=self.bodies[-1])
        answer = verdict_for(
            request, fail_if=lambda e: isinstance(e, dict) and e.get("last") is True,
            v1=full.startswith("/v1/"),
        )  # fmt: skip
        return answer.status_code, {}, answer.content

    def sent(self) -> Dict[str, bytes]:
        """Body per idempotency key (or per position, without keys)."""
        return {
            h.get("idempotency-key", str(i)): b for i, ((_, _, h), b) in
            enumerate(zip(self.seen, self.bodies))
        }  # fmt: skip


def _mixed_events() -> Iterator[Any]:
    """Events that stress the encoder and the cuts: non-ASCII, nesting, mapping kinds,
    tuples, large and small numbers, sizes that land near the caps."""
    for i in range(2600):
        kind = i % 7
        if kind == 0:
            yield {"i": i, "s": "é€😀" * (i % 400), "n": [i, (1, 2.5e-5), {"x": None}]}
        elif kind == 1:
            yield OrderedDict([("z", i), ("a", "\u2028\n\r\t\x00")])
        elif kind == 2:
            yield {"i": i, "big": 2**63 + i, "neg": -(2**63), "f": 1e16 + i, "pad": "x" * 4000}
        elif kind == 3:
            yield [i, "s", None, True]
        elif kind == 4:
            yield "just a string"
        elif kind == 5:
            yield None
        else:
            yield {"i": i, "last": i % 50 == 6, "pad": "y" * (i % 1500)}


@pytest.mark.parametrize(
    "options",
    [
        {"idempotency_key": "run#7"},
        {"idempotency_key": "k" * 240, "max_batch_bytes": 900_000},
        {"route": "legacy"},
        {"route": "legacy", "max_batch_events": 333},
        {"max_batch_bytes": 65_537, "max_batch_events": 999, "idempotency_key": "p"},
    ],
    ids=["key-with-hash", "long-key", "legacy", "legacy-333", "small-bodies"],
)
async def test_sync_and_async_send_the_same_batches(options: Dict[str, Any]) -> None:
    """For the same input and options, both clients send byte-identical bodies under the
    same keys (``K``, ``K#1``...), cut within the limits, and return the same verdicts
    in input order."""
    got: List[Tuple[Dict[str, bytes], Any]] = []
    for kind in ("sync", "async"):
        srv = JudgingServer()
        try:
            if kind == "sync":
                with Client(srv.url, API_KEY, retry_policy=FAST_RETRY) as cg:
                    res = cg.ingest(CID, _mixed_events(), **options)
            else:
                async with AsyncClient(srv.url, API_KEY, retry_policy=FAST_RETRY) as acg:
                    res = await acg.ingest(CID, _mixed_events(), max_concurrency=3, **options)
        finally:
            srv.close()
        got.append((srv.sent(), res))
    (sync_sent, sync_res), (async_sent, async_res) = got
    if "idempotency_key" in options:
        key = options["idempotency_key"]
        assert list(sync_sent) == [key] + [f"{key}#{n}" for n in range(1, len(sync_sent))]
        assert async_sent == sync_sent
    else:
        assert sorted(async_sent.values()) == sorted(sync_sent.values())
    cap = options.get("max_batch_bytes") or (
        chunking.LEGACY_MAX_BODY_BYTES if options.get("route") == "legacy"
        else chunking.V1_MAX_BODY_BYTES
    )  # fmt: skip
    limit = options.get("max_batch_events", 1000)
    bodies = list(sync_sent.values())
    assert len(bodies) > 1 and all(len(b) <= cap for b in bodies)
    assert all(len(batch_events(_as_request(b, options))) <= limit for b in bodies)
    assert sum(len(batch_events(_as_request(b, options))) for b in bodies) == 2600
    for res in (sync_res, async_res):
        assert [r.index for r in res.results] == list(range(2600))
        assert [r.index for r in res.failures] == [i for i in range(2600) if i % 350 == 6]
    assert [r.raw for r in sync_res.results] == [r.raw for r in async_res.results]


def _as_request(body: bytes, options: Dict[str, Any]) -> httpx.Request:
    ndjson = options.get("route", "v1") == "v1"
    headers = {"content-type": "application/x-ndjson" if ndjson else "application/json"}
    return httpx.Request("POST", "http://x/", headers=headers, content=body)


# ------------------------------------------------------------------ exact limits


@pytest.mark.parametrize(("route", "cap"), [("v1", 2_000_000), ("legacy", 1_000_000)])
async def test_bodies_land_exactly_on_the_caps(gapi: Api, cid: str, route: str, cap: int) -> None:
    """1000 events whose JSON array is exactly the route's cap (counting brackets and
    commas) are one request; one byte more moves the last event to a second request;
    1001 events are two requests. Every event gets one verdict, in order."""
    sizes = [len(encode_event(good(i, pad=""))) for i in range(1000)]
    spare = cap - (sum(sizes) + 1000 + 1)
    each, rest = divmod(spare, 1000)
    events = [good(i, pad="x" * (each + (rest if i == 0 else 0))) for i in range(1000)]
    assert sum(len(encode_event(e)) for e in events) + 1001 == cap
    for evs, counts in [
        (events, [1000]),
        ([good(0, pad="x" * (each + rest + 1)), *events[1:]], [999, 1]),
        ([*events, good(1000)], [1000, 1]),
    ]:
        res = await gapi.ingest(cid, evs, route=route)
        assert [b.count for b in res.batches] == counts
        assert [r.index for r in res.results] == list(range(len(evs))) and res.passed == len(evs)


# ------------------------------------------------------------------ options checked first


def test_a_key_with_no_room_for_the_last_batch_is_refused_before_anything_is_sent() -> None:
    """A key long enough for ``#1``..``#9`` but not ``#10`` failed at batch 10, after nine
    batches were stored: with the input's length known, the fewest batches it can take
    are known too, and the key is refused before the first request."""
    srv = JudgingServer()
    try:
        with Client(srv.url, API_KEY, retry_policy=FAST_RETRY) as cg:
            with pytest.raises(ValueError, match="idempotency_key is too long"):
                cg.ingest(CID, [good(i) for i in range(11)], idempotency_key="k" * 253,
                          max_batch_events=1)  # fmt: skip
            assert srv.seen == []
            # the same key with room for every batch the input takes: sent
            res = cg.ingest(CID, [good(i) for i in range(10)], idempotency_key="k" * 253,
                            max_batch_events=1)  # fmt: skip
            assert res.total == 10 and len(srv.seen) == 10
    finally:
        srv.close()


@pytest.mark.parametrize("option", ["max_batch_events", "max_batch_bytes"])
def test_batch_limits_are_integers_and_integer_types_are_taken(option: str) -> None:
    np = pytest.importorskip("numpy")
    srv = JudgingServer()
    try:
        with Client(srv.url, API_KEY, retry_policy=FAST_RETRY) as cg:
            for bad in (1e6, 10.0, "10", True):
                with pytest.raises((TypeError, ValueError), match=f"{option} must be an int"):
                    cg.ingest(CID, [good(1)], **{option: bad})
            value = np.int64(1000 if option == "max_batch_events" else 100_000)
            assert cg.ingest(CID, [good(1), good(2)], **{option: value}).total == 2
    finally:
        srv.close()
