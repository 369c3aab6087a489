"""Retry policy, chunking and pagination, on mock transports (shapes and counts the
local gateway cannot script precisely). Sync and async share every test."""

from __future__ import annotations

import asyncio
import datetime
import enum
import json
import logging
import math
import time
import uuid
from typing import Any, Dict, Iterator, List

import httpx
import pytest
from cg_client_testlib import API_KEY, FAST_RETRY, Recorder, batch_events, retry_delays, verdict_for

import contractgate._http.chunking as chunking
import contractgate.exceptions as E
from contractgate._http.request import RetryPolicy, compute_backoff
from contractgate.async_client import AsyncClient

BASE = "http://127.0.0.1:9"  # never contacted: every test uses a mock transport
CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"
#: Back-off of at most 0.02 s, but 0.25 s before a key the gateway may be processing.
KEYED_GAP = RetryPolicy(max_retries=5, initial_delay=0.01, max_delay=0.02, keyed_min_delay=0.25)


def _std(status: int, msg: str = "boom") -> httpx.Response:
    return httpx.Response(status, json={"error": msg, "status": status})


# ------------------------------------------------------------------------- backoff


def test_backoff_is_capped_exponential_with_jitter() -> None:
    p = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    for attempt, full in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 8.0)]:
        assert compute_backoff(p, attempt, rng=lambda: 0.0) == pytest.approx(full / 2)
        assert compute_backoff(p, attempt, rng=lambda: 1.0) == pytest.approx(full)
    no_jitter = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=False)
    assert compute_backoff(no_jitter, 2) == 2.0
    assert compute_backoff(p, 10_000) <= 8.0


def test_default_policy_values() -> None:
    from contractgate.client import Client

    c = Client(BASE)
    assert c.max_retries == 2
    assert c.timeout.read is not None and c.timeout.read >= 35  # spec §4.3
    assert c.timeout.connect == 10
    c.close()


# ------------------------------------------------------------------------- retries


async def test_keyed_ingest_retries_same_bytes_same_key(make_api: Any) -> None:
    rec = Recorder(verdict_for)
    rec.script = [_std(503), httpx.ConnectError("refused"), httpx.ReadTimeout("slow")]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec,
                   retry_policy=RetryPolicy(max_retries=3, initial_delay=0.01,
                                            keyed_min_delay=0.02))  # fmt: skip
    res = await api.ingest(CID, [{"user_id": "a"}, {"user_id": "b"}])
    assert res.total == 2
    assert len(rec.requests) == 4
    assert len({r.headers["idempotency-key"] for r in rec.requests}) == 1
    assert len(set(rec.bodies)) == 1


async def test_legacy_write_is_not_retried_on_ambiguous_failures(make_api: Any) -> None:
    for failure in (_std(503), httpx.Response(502, text="bad gateway"), httpx.Response(408),
                    httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"),
                    # only the gateway's own JSON 500 is known to come before any write
                    httpx.Response(503, json={"error": "boom", "status": 500}),
                    httpx.Response(500, json={"error": "boom"})):  # fmt: skip
        rec = Recorder(lambda r: verdict_for(r, v1=False))
        rec.script = [failure]
        api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
        with pytest.raises((E.ServerError, E.ServerTimeoutError, E.ConnectionError)):
            await api.ingest(CID, [{"a": 1}], route="legacy")
        assert len(rec.requests) == 1, failure


async def test_legacy_write_is_retried_when_known_pre_write(make_api: Any) -> None:
    rec = Recorder(lambda r: verdict_for(r, v1=False))
    rec.script = [
        httpx.ConnectError("refused"),  # never reached the server
        _std(429, "Rate limit exceeded — too many requests"),  # middleware, before handler
        _std(500, "Database error"),  # the gateway's own JSON 500: before any write
    ]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec,
                   retry_policy=RetryPolicy(max_retries=3, initial_delay=0.01))  # fmt: skip
    res = await api.ingest(CID, [{"a": 1}], route="legacy")
    assert res.total == 1 and len(rec.requests) == 4


async def test_get_retries_then_gives_up(make_api: Any) -> None:
    rec = Recorder(lambda r: _std(503, "unavailable"))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    with pytest.raises(E.ServerError) as ei:
        await api.stats()
    assert len(rec.requests) == 1 + FAST_RETRY.max_retries
    assert ei.value.status_code == 503


async def test_max_retries_zero(make_api: Any) -> None:
    rec = Recorder(lambda r: _std(503))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec, max_retries=0)
    with pytest.raises(E.ServerError):
        await api.ingest(CID, [{}])
    assert len(rec.requests) == 1


async def test_4xx_verdicts_are_never_retried(make_api: Any) -> None:
    for resp in (_std(400), _std(404), _std(409), _std(413), httpx.Response(422, text="x")):
        rec = Recorder(lambda r, resp=resp: resp)
        api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
        with pytest.raises(E.HTTPError):
            await api.ingest(CID, [{}])
        assert len(rec.requests) == 1


async def test_401_is_retried_once(make_api: Any) -> None:
    rec = Recorder(lambda r: _std(401, "Unauthorized: missing or invalid API key"))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec,
                   retry_policy=RetryPolicy(max_retries=5, auth_retry_delay=0.01))  # fmt: skip
    with pytest.raises(E.AuthError):
        await api.health()
    assert len(rec.requests) == 2


async def test_401_with_no_retries_left_is_raised_at_once(make_api: Any) -> None:
    rec = Recorder(lambda r: _std(401, "Unauthorized: missing or invalid API key"))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec, max_retries=0)
    with pytest.raises(E.AuthError):
        await api.health()
    assert len(rec.requests) == 1


async def test_a_keyed_retry_waits_the_keyed_minimum_only_after_an_ambiguous_failure(
    make_api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A batch that never left (connection refused) is resent after the back-off; one the
    gateway may be processing still (a read timeout, a 408) waits at least
    ``keyed_min_delay`` before the same key arrives again."""
    rec = Recorder(verdict_for)
    rec.script = [httpx.ConnectError("refused"), httpx.ConnectTimeout("no answer"),
                  httpx.PoolTimeout("pool full"), httpx.ReadTimeout("slow"),
                  httpx.Response(408)]  # fmt: skip
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec, retry_policy=KEYED_GAP)
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        res = await api.ingest(CID, [{"user_id": "a"}])
    assert res.total == 1 and len(rec.requests) == 6
    *never_sent, timed_out, status_408 = retry_delays(caplog)
    assert len(never_sent) == 3 and max(never_sent) <= 0.02
    assert timed_out >= 0.25 and status_408 >= 0.25


async def test_a_dry_run_has_no_key_and_is_retried_as_a_read(
    make_api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing is stored for a dry run: it carries no idempotency key, and any failure is
    retried after the plain back-off, on either route (a legacy write is not)."""
    rec = Recorder(verdict_for)
    rec.script = [httpx.ReadTimeout("slow")]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec, retry_policy=KEYED_GAP)
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        res = await api.ingest(CID, [{"user_id": "a"}], dry_run=True)
    assert res.total == 1 and len(rec.requests) == 2
    assert all("idempotency-key" not in r.headers for r in rec.requests)
    (delay,) = retry_delays(caplog)
    assert delay <= 0.02  # not keyed_min_delay: nothing can be stored twice
    legacy = Recorder(lambda r: verdict_for(r, v1=False))
    legacy.script = [_std(503)]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=legacy)
    res = await api.ingest(CID, [{"a": 1}], route="legacy", dry_run=True)
    assert res.total == 1 and len(legacy.requests) == 2


@pytest.mark.parametrize(
    "exc",
    [httpx.LocalProtocolError("bad header"), httpx.UnsupportedProtocol("no such scheme"),
     httpx.ProxyError("proxy refused")],
    ids=["local-protocol", "unsupported-protocol", "proxy"],
)  # fmt: skip
async def test_a_request_that_cannot_be_sent_as_built_is_not_retried(
    make_api: Any, exc: Exception
) -> None:
    """Sending it again would fail the same way: the first error is raised, typed."""
    rec = Recorder()
    rec.script = [exc]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    with pytest.raises(E.ConnectionError) as ei:
        await api.health()
    assert len(rec.requests) == 1
    assert type(ei.value.__cause__) is type(exc)


async def test_429_waits_for_the_hint(make_api: Any, caplog: pytest.LogCaptureFixture) -> None:
    body = {"error": "rate_limit_exceeded", "detail": "d", "retry_after_ms": 300}
    rec = Recorder(verdict_for)
    rec.script = [httpx.Response(429, json=body, headers={"X-RateLimit-Remaining": "0"})]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        res = await api.ingest(CID, [{}])
    (delay,) = retry_delays(caplog)
    assert 0.3 <= delay <= 0.3 * 1.1 + 0.01  # the hint (+ jitter), not the shorter back-off
    assert res.total == 1 and len(rec.requests) == 2
    assert rec.bodies[0] == rec.bodies[1]


async def test_429_with_a_long_hint_is_raised_not_waited(make_api: Any) -> None:
    body = {"error": "rate_limit_exceeded", "detail": "d", "retry_after_ms": 120_000}
    rec = Recorder(lambda r: httpx.Response(429, json=body))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    with pytest.raises(E.RateLimitError) as ei:
        await api.ingest(CID, [{}])
    assert ei.value.retry_after == 120 and len(rec.requests) == 1


async def test_reset_header_hint(make_api: Any) -> None:
    reset = str(math.ceil(time.time()) + 1)
    rec = Recorder(lambda r: httpx.Response(429, text="", headers={"X-RateLimit-Reset": reset}))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec, max_retries=0)
    with pytest.raises(E.RateLimitError) as ei:
        await api.health()
    assert ei.value.retry_after is not None and 0 <= ei.value.retry_after <= 2


async def test_connection_errors_are_typed(make_api: Any) -> None:
    rec = Recorder(lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused")))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec, max_retries=0)
    with pytest.raises(E.APIConnectionError) as ei:
        await api.health()
    assert isinstance(ei.value, E.ConnectionError) and not isinstance(ei.value, E.HTTPError)
    assert isinstance(ei.value.__cause__, httpx.ConnectError)
    rec2 = Recorder(lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow")))
    api2 = make_api(base_url=BASE, api_key=API_KEY, handler=rec2, max_retries=0)
    with pytest.raises(E.ClientTimeoutError) as ei2:
        await api2.health()
    assert isinstance(ei2.value, E.ConnectionError)  # v0.1 raised ConnectionError
    assert isinstance(ei2.value, E.APITimeoutError)
    dropped = "connection dropped before a complete response to GET /health"
    for exc, says in [(httpx.WriteTimeout("w"), "client timeout while sending the request"),
                      (httpx.RemoteProtocolError("gone"), dropped)]:  # fmt: skip
        rec3 = Recorder(lambda r, exc=exc: (_ for _ in ()).throw(exc))
        api3 = make_api(base_url=BASE, api_key=API_KEY, handler=rec3, max_retries=0)
        with pytest.raises(E.ConnectionError, match=says):
            await api3.health()


@pytest.mark.parametrize("exc", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")],
                         ids=["timeout", "refused"])  # fmt: skip
async def test_a_connection_error_carries_the_batch_key(make_api: Any, exc: Exception) -> None:
    """What to resend with, when the gateway may have stored the batch (a timeout)."""
    rec = Recorder()
    rec.script = [exc]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec, max_retries=0)
    with pytest.raises(E.ConnectionError) as ei:
        await api.ingest(CID, [{"user_id": "a"}], idempotency_key="batch-9")
    assert ei.value.idempotency_key == "batch-9"


async def test_truncated_success_body_is_retried_for_reads(make_api: Any) -> None:
    rec = Recorder(lambda r: httpx.Response(200, json={"status": "ok"}))
    rec.script = [httpx.Response(200, content=b'{"status": "o')]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    assert (await api.health()).status == "ok"
    assert len(rec.requests) == 2


# ------------------------------------------------------------------------- chunking


async def test_generator_is_chunked_and_indexes_remapped(make_api: Any) -> None:
    rec = Recorder(lambda r: verdict_for(r, fail_if=lambda e: e["i"] % 7 == 0))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    consumed: List[int] = []

    def gen() -> Any:
        for i in range(2500):
            consumed.append(i)
            yield {"i": i}

    res = await api.ingest(CID, gen())
    assert [len(batch_events(r)) for r in rec.requests] == [1000, 1000, 500]
    assert [r.index for r in res.results] == list(range(2500))
    assert res.total == 2500 and res.failed == len([i for i in range(2500) if i % 7 == 0])
    assert [r.index for r in res.failures][:3] == [0, 7, 14]
    assert all(r.transformed_event == {"i": r.index} for r in res.results)
    assert res.status_code == 207 and len(res.batches) == 3
    assert [b.start_index for b in res.batches] == [0, 1000, 2000]
    assert len({r.headers["idempotency-key"] for r in rec.requests}) == 3
    assert consumed == list(range(2500))  # read once


async def test_chunks_respect_byte_caps(make_api: Any) -> None:
    rec = Recorder(verdict_for)
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    big = "x" * 300_000
    await api.ingest(CID, ({"i": i, "pad": big} for i in range(15)))
    assert max(len(b) for b in rec.bodies) <= 2_000_000
    assert sum(len(batch_events(r)) for r in rec.requests) == 15
    rec2 = Recorder(lambda r: verdict_for(r, v1=False))
    api2 = make_api(base_url=BASE, api_key=API_KEY, handler=rec2)
    res = await api2.ingest(CID, ({"i": i, "pad": big} for i in range(15)), route="legacy")
    assert max(len(b) for b in rec2.bodies) <= 1_000_000
    assert [r.index for r in res.results] == list(range(15))


async def test_events_are_encoded_once_even_with_retries(
    make_api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real = chunking.encode_event

    def counting(o: Any, *args: Any, **kwargs: Any) -> bytes:
        nonlocal calls
        calls += 1
        return real(o, *args, **kwargs)

    monkeypatch.setattr(chunking, "encode_event", counting)
    rec = Recorder(verdict_for)
    rec.script = [_std(503), _std(502)]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    await api.ingest(CID, ({"i": i} for i in range(1500)))
    assert calls == 1500
    assert len(rec.requests) == 4  # two failures retried, two batches
    assert len(set(rec.bodies)) == 2  # each retry resent identical bytes...
    keys_by_body: dict[bytes, set[str]] = {}
    for req, body in zip(rec.requests, rec.bodies):
        keys_by_body.setdefault(body, set()).add(req.headers["idempotency-key"])
    assert all(len(k) == 1 for k in keys_by_body.values())  # ...with the same key


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (float("nan"), "not JSON-encodable"),
        (float("inf"), "not JSON-encodable"),
        ({1, 2}, "not JSON-encodable"),
        (b"bytes", "not JSON-encodable"),
        ("\ud800", "lone surrogate"),
        (10**400, "integer too large"),
        ("deep", "nested deeper"),
        ("x" * 1_048_577, "per-event limit"),
    ],
)
async def test_unsendable_event_is_reported_before_sending(
    make_api: Any, recorder: Recorder, bad: Any, reason: str
) -> None:
    if bad == "deep":
        bad = []
        for _ in range(200):
            bad = [bad]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=recorder)
    # inside the read-ahead window: nothing goes over the wire
    events = [{"i": i} for i in range(1500)] + [{"bad": bad}] + [{"i": 0}]
    with pytest.raises(E.EventEncodeError) as ei:
        await api.ingest(CID, iter(events))
    assert ei.value.index == 1500 and reason in ei.value.reason
    assert isinstance(ei.value, ValueError)
    assert recorder.requests == []  # nothing went over the wire


async def test_unsendable_event_beyond_the_read_ahead_stops_before_its_batch(
    make_api: Any,
) -> None:
    rec = Recorder(verdict_for)
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    events = [{"i": i} for i in range(150)] + [{"bad": math.nan}] + [{"i": 0}] * 3
    kwargs = {"max_concurrency": 1} if api.is_async else {}
    it = iter(events)
    with pytest.raises(E.PartialIngestError) as ei:
        await api.ingest(CID, it, max_batch_events=10, **kwargs)
    err = ei.value
    assert isinstance(err.cause, E.EventEncodeError) and err.cause.index == 150
    sent = err.accepted.total
    assert 0 < sent < 150 and sent == 10 * len(rec.requests)  # batch 15 never sent
    # an iterator has no len(): the rest is left unread, and unread_from says where
    assert list(err.unsent_indexes) == list(range(sent, 151))
    assert err.unread_from == 151 and "not read from index 151" in str(err)
    assert next(it) == {"i": 0}  # still in the caller's iterator

    # a list has one: every unsent position is listed, nothing is left unread
    rec.requests.clear()
    with pytest.raises(E.PartialIngestError) as ei:
        await api.ingest(CID, events, max_batch_events=10, **kwargs)
    assert list(ei.value.unsent_indexes) == list(range(ei.value.accepted.total, 154))
    assert ei.value.unread_from is None


async def test_an_error_from_the_callers_iterator_passes_through(make_api: Any) -> None:
    """Only the SDK's own refusals become the cause of a PartialIngestError; an exception
    raised by the caller's generator reaches the caller as it is."""
    rec = Recorder(verdict_for)
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)

    def events() -> Iterator[Dict[str, int]]:
        for i in range(200):  # beyond the read-ahead window: batches go out first
            yield {"i": i}
        raise ValueError("the source broke")

    kwargs = {"max_concurrency": 1} if api.is_async else {}
    with pytest.raises(ValueError, match="the source broke") as ei:
        await api.ingest(CID, events(), max_batch_events=10, **kwargs)
    assert type(ei.value) is ValueError and len(rec.requests) > 0


async def test_a_failure_over_an_endless_generator_returns(make_api: Any) -> None:
    """The SDK never reads past what it needs: a failure in the middle of an endless
    input ends the call (the rest of the input is not drained)."""
    rec = Recorder(verdict_for)
    rec.script = [verdict_for, _std(400)]  # the second request is refused
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)

    def endless() -> Iterator[Dict[str, int]]:
        i = 0
        while True:
            yield {"i": i}
            i += 1

    kwargs = {"max_concurrency": 1} if api.is_async else {}
    with pytest.raises(E.PartialIngestError) as ei:
        await api.ingest(CID, endless(), max_batch_events=10, **kwargs)
    err = ei.value
    assert err.accepted.total == 10 and err.first_unsent_index == 10
    assert err.unread_from is not None and list(err.unsent_indexes) == list(
        range(10, err.unread_from)
    )


async def test_ingest_streams_a_generator(make_api: Any) -> None:
    rec = Recorder(verdict_for)
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    acked = 0
    ahead = (chunking.READ_AHEAD_BATCHES + 4) * 10  # window + in flight + open batch

    def on_batch(part: Any) -> None:
        nonlocal acked
        acked += part.total

    def gen() -> Any:
        for i in range(5000):
            if i >= acked + ahead:
                raise AssertionError(f"event {i} pulled with only {acked} acknowledged")
            yield {"i": i}

    kwargs = {"max_concurrency": 2} if api.is_async else {}
    res = await api.ingest(CID, gen(), max_batch_events=10, on_batch=on_batch, **kwargs)
    assert res.total == 5000 and len(rec.requests) == 500


@pytest.mark.parametrize("by", ["batches", "bytes"])
async def test_the_read_ahead_is_exactly_the_window(make_api: Any, by: str) -> None:
    """Before the first request, ``READ_AHEAD_BATCHES`` batches (or, of big events, the
    batches reaching ``READ_AHEAD_BYTES``) are encoded and waiting, and the event that
    closed the last one opens the next: no more is read."""
    pulled = 0
    at_first_request: List[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        at_first_request.append(pulled)
        return verdict_for(request)

    pad = "p" * (999_000 if by == "bytes" else 0)  # two such events fill a 2 MB body

    def gen() -> Any:
        nonlocal pulled
        for i in range(20):
            pulled += 1
            yield {"i": i, "pad": pad}

    api = make_api(base_url=BASE, api_key=API_KEY, handler=handler)
    kwargs = {"max_concurrency": 1} if api.is_async else {}
    per_batch = 2 if by == "bytes" else 1
    res = await api.ingest(CID, gen(), max_batch_events=per_batch, **kwargs)
    assert res.total == 20
    if by == "batches":
        window = chunking.READ_AHEAD_BATCHES
    else:  # the first batch count whose bytes reach the limit, fewer than the count limit
        batch_bytes = 2 * len(chunking.encode_event({"i": 10, "pad": pad})) + 1
        window = -(-chunking.READ_AHEAD_BYTES // batch_bytes)
        assert window < chunking.READ_AHEAD_BATCHES
    assert at_first_request[0] == window * per_batch + 1


async def test_keep_results_false_keeps_counts_and_failures(make_api: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        events = batch_events(request)
        results = [
            {"index": k, "passed": e["i"] % 7 != 3,
             "violations": [] if e["i"] % 7 != 3 else
             [{"field": "i", "message": "bad", "kind": "custom"}]}
            for k, e in enumerate(events)
        ]  # fmt: skip
        passed = sum(r["passed"] for r in results)
        return httpx.Response(200 if passed == len(results) else 207, json={
            "total": len(results), "passed": passed, "failed": len(results) - passed,
            "dry_run": False, "atomic": False, "results": results})  # fmt: skip

    rec = Recorder(handler)
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    seen: List[int] = []
    res = await api.ingest(CID, ({"i": i} for i in range(2500)), keep_results=False,
                           on_batch=lambda p: seen.append(len(p.results)))  # fmt: skip
    bad = [i for i in range(2500) if i % 7 == 3]
    assert (res.total, res.failed, res.passed) == (2500, len(bad), 2500 - len(bad))
    assert [r.index for r in res.results] == bad == [r.index for r in res.failures]
    assert res.status_code == 207 and len(res.batches) == 3 and res.raw == {}
    assert seen == [1000, 1000, 500]  # on_batch sees every result
    full = await api.ingest(CID, ({"i": i} for i in range(2500)))
    assert [r.index for r in full.results] == list(range(2500))
    assert full.failures == res.results


class _Key(str):
    """A str subclass: the stdlib encodes it as its text; orjson refuses it as a key."""


class _Level(enum.IntEnum):
    HIGH = 3


_DEEP: Any = []
for _ in range(130):
    _DEEP = [_DEEP]


@pytest.mark.parametrize(
    "event",
    [{"a": 1}, {"a": {"b": [1, 2, {"c": None}]}}, {1: 2}, {"a": {1: 2}}, {"a": [{"b": {True: 1}}]},
     {"x": 10**19}, {"x": [10**400]}, {"x": -(2**63) - 1}, {"x": "{" * 200}, [1, 2, 3], "s", 5,
     None, {"a": [[[]]]}, (1, 2), {"k": (1, {"z": 2})}, _DEEP, {"a": _DEEP}, {"é": "\u2028"},
     {"big": 2**64 - 1, "neg": -(2**63)}, {"f": 1e-05, "g": [1e16, -0.0]}, {"f": 1e-05},
     {"f": 1.5, "g": 1e-4, "h": 9.999e15, "k": 1e16, "m": -0.0, "p": 123456.789},
     {"n": math.nan}, {"n": -math.inf}, {"s": "\ud800"}, {"\udfff": 1}, {"b": True, "z": None},
     {"i": 2**64}, {"t": "a\x7f\u2028\x00\x1f\"\\"}, {"x": {1, 2}}, {"x": b"b"},
     {"f": -1e-4, "g": -9.999e15, "h": -123.5}, {"f": -1e16}, {"f": -1e-05}, {"f": 1e-4},
     {_Key("k"): 1}, {"e": _Level.HIGH}, {"u": uuid.UUID(int=7)},
     {"d": datetime.date(2024, 1, 2)}, {"s": _Key("v")}, [2**70, 1], 2**70, -(2**63) - 1,
     "[{", {"a": "{[", "b": 2**64}, {"a": [2**64]}, {"a": {"b": -(2**63)}}, [1, (2, 3)]],
)  # fmt: skip
def test_fast_structure_check_agrees_with_the_walk(
    event: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def outcome() -> Any:
        try:
            return chunking.encode_event(event, 3)
        except E.EventEncodeError as exc:
            return (exc.index, exc.reason)

    fast = outcome()
    monkeypatch.setattr(chunking, "_orjson_dumps", None)
    no_orjson = outcome()
    monkeypatch.setattr(chunking, "_structure_is_plain", lambda *a: False)
    walked = outcome()
    assert fast == no_orjson == walked
    if isinstance(fast, bytes):  # orjson or not, the stdlib encoder's exact bytes
        assert fast == json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


async def test_event_too_big_for_legacy_body(make_api: Any, recorder: Recorder) -> None:
    api = make_api(base_url=BASE, api_key=API_KEY, handler=recorder)
    with pytest.raises(E.EventEncodeError, match="1000000 bytes"):
        await api.ingest(CID, [{"x": "y" * 1_000_000}], route="legacy")
    assert recorder.requests == []


async def test_partial_failure_reports_acknowledged_and_unsent(make_api: Any) -> None:
    rec = Recorder(verdict_for)
    rec.script = [verdict_for, _std(400, "Invalid request: nope")]
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec, max_retries=0)
    if api.is_async:
        api.client = api.client.with_options()  # same behaviour through with_options
    kwargs = {"max_concurrency": 1} if api.is_async else {}
    with pytest.raises(E.PartialIngestError) as ei:
        await api.ingest(CID, ({"i": i} for i in range(2500)), **kwargs)
    err = ei.value
    assert err.accepted.total == 1000 and [r.index for r in err.accepted.results] == list(
        range(1000)
    )
    assert list(err.unsent_indexes) == list(range(1000, 2500))
    assert err.first_unsent_index == 1000
    assert isinstance(err.cause, E.BadRequestError) and err.__cause__ is err.cause
    assert err.failed_idempotency_key == rec.requests[1].headers["idempotency-key"]
    assert len(rec.requests) == 2  # stopped at the failing batch


async def test_first_batch_failure_raises_the_error_itself(make_api: Any) -> None:
    rec = Recorder(lambda r: _std(404, "Contract not found: x"))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    with pytest.raises(E.NotFoundError):
        await api.ingest(CID, ({"i": i} for i in range(2500)))
    assert len(rec.requests) == 1


async def test_caller_key_derivation(make_api: Any) -> None:
    rec = Recorder(verdict_for)
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    res = await api.ingest(CID, [{"i": i} for i in range(2001)], idempotency_key="load-42")
    keys = sorted(r.headers["idempotency-key"] for r in rec.requests)
    assert keys == ["load-42", "load-42#1", "load-42#2"]
    assert [b.idempotency_key for b in res.batches] == ["load-42", "load-42#1", "load-42#2"]
    for bad in ("clé", "has space", "x" * 256):
        with pytest.raises(ValueError):
            await api.ingest(CID, [{}], idempotency_key=bad)
    # 253 characters leave no room for batch 10's "#10": with the input's length known,
    # refused before anything is sent (it used to stop at batch 10, nine batches stored)
    rec.requests.clear()
    with pytest.raises(ValueError, match="idempotency_key is too long") as ei:
        await api.ingest(CID, [{"i": i} for i in range(11)], idempotency_key="k" * 253,
                         max_batch_events=1)  # fmt: skip
    assert not isinstance(ei.value, E.PartialIngestError) and rec.requests == []
    # a generator's length is unknown: refused before the batch that has no room
    with pytest.raises(E.PartialIngestError, match="idempotency_key is too long"):
        await api.ingest(CID, ({"i": i} for i in range(11)), idempotency_key="k" * 253,
                         max_batch_events=1)  # fmt: skip
    assert rec.requests and all(len(r.headers["idempotency-key"]) <= 255 for r in rec.requests)


async def test_on_batch_callback(make_api: Any) -> None:
    seen: List[int] = []
    api = make_api(base_url=BASE, api_key=API_KEY, handler=Recorder(verdict_for))
    await api.ingest(CID, [{"i": i} for i in range(2100)],
                     on_batch=lambda part: seen.append(part.batches[0].start_index))  # fmt: skip
    assert sorted(seen) == [0, 1000, 2000]


async def test_async_ingest_bounded_concurrency_and_async_iterables() -> None:
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return verdict_for(request)

    async def agen() -> Any:
        for i in range(5500):
            yield {"i": i}

    async with AsyncClient(BASE, API_KEY, transport=httpx.MockTransport(handler),
                           retry_policy=FAST_RETRY) as cg:  # fmt: skip
        res = await cg.ingest(CID, agen(), max_concurrency=2)
        assert peak == 2
        assert [r.index for r in res.results] == list(range(5500))
        peak = 0
        await cg.ingest(CID, [{"i": i} for i in range(5500)], max_concurrency=4)
        assert peak == 4
        # many independent ingests sharing one client
        outs = await asyncio.gather(*(cg.ingest(CID, [{"i": i}]) for i in range(20)))
        assert all(o.total == 1 for o in outs)


@pytest.mark.parametrize("bad", [0, -1, True, 2.0, "2", None])
async def test_async_max_concurrency_is_checked_before_reading(bad: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:  # pragma: no cover - unused
        raise AssertionError("nothing is sent")

    def events() -> Any:
        raise AssertionError("nothing is read")
        yield  # pragma: no cover

    async with AsyncClient(BASE, API_KEY, transport=httpx.MockTransport(handler)) as cg:
        with pytest.raises(ValueError, match=f"max_concurrency must be an int >= 1, got {bad!r}"):
            await cg.ingest(CID, events(), max_concurrency=bad)


async def test_async_partial_failure_with_concurrency() -> None:
    seen = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal seen
        seen += 1
        events = batch_events(request)
        await asyncio.sleep(0.01)
        if events[0]["i"] == 2000:
            return _std(400, "Invalid request: boom")
        return verdict_for(request)

    async with AsyncClient(BASE, API_KEY, transport=httpx.MockTransport(handler),
                           retry_policy=FAST_RETRY) as cg:  # fmt: skip
        with pytest.raises(E.PartialIngestError) as ei:
            await cg.ingest(CID, [{"i": i} for i in range(10_000)], max_concurrency=3)
    err = ei.value
    acked = {r.index for r in err.accepted.results}
    unsent = set(err.unsent_indexes)
    assert acked.isdisjoint(unsent) and acked | unsent == set(range(10_000))
    assert set(range(2000, 3000)) <= unsent
    assert seen < 10  # no batch was started after the failure was seen


async def test_of_two_failed_batches_in_flight_the_first_is_the_cause() -> None:
    """Batches 1 and 2 fail while both are in flight, batch 1 first: the error names batch
    1 and its key, where a resume must start (batch 0 is acknowledged)."""

    async def handler(request: httpx.Request) -> httpx.Response:
        first = batch_events(request)[0]["i"]
        if first == 2:
            await asyncio.sleep(0.2)
        return _std(400, f"Invalid request: batch {first}") if first else verdict_for(request)

    async with AsyncClient(BASE, API_KEY, transport=httpx.MockTransport(handler),
                           retry_policy=FAST_RETRY) as cg:  # fmt: skip
        with pytest.raises(E.PartialIngestError) as ei:
            await cg.ingest(CID, [{"i": i} for i in range(3)], max_batch_events=1,
                            max_concurrency=3, idempotency_key="run-7")  # fmt: skip
    err = ei.value
    assert err.failed_idempotency_key == "run-7#1" and "batch 1" in str(err.cause)
    assert list(err.unsent_indexes) == [1, 2] and err.accepted.total == 1


async def test_cancelled_async_ingest_logs_progress(caplog: pytest.LogCaptureFixture) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        if batch_events(request)[0]["i"] >= 2000:
            await asyncio.sleep(10)
        return verdict_for(request)

    async with AsyncClient(BASE, API_KEY, transport=httpx.MockTransport(handler),
                           retry_policy=FAST_RETRY) as cg:  # fmt: skip
        task = asyncio.ensure_future(
            cg.ingest(CID, [{"i": i} for i in range(5000)], max_concurrency=1)
        )
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert "2 of 5 batch(es) acknowledged" in caplog.text
    assert "first unacknowledged event index: 2000" in caplog.text


# ----------------------------------------------------------------------- pagination


def _table(n: int) -> List[dict[str, Any]]:
    return [{"id": f"row-{i:05d}", "contract_id": CID, "passed": i % 2 == 0} for i in range(n)]


async def test_pagination_dedupes_overlapping_pages(make_api: Any) -> None:
    rows = _table(250)
    requests: List[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        off = int(request.url.params["offset"])
        lim = int(request.url.params["limit"])
        if len(requests) == 2:  # 3 rows inserted at the head while paging
            rows[:0] = [{"id": f"new-{j}", "contract_id": CID} for j in range(3)]
        return httpx.Response(200, json=rows[off : off + lim])

    api = make_api(base_url=BASE, api_key=API_KEY, handler=handler)
    got = await api.rows("audit", CID, page_size=100)
    ids = [r.id for r in got]
    assert len(ids) == len(set(ids)) == 250
    assert set(ids) == {f"row-{i:05d}" for i in range(250)}
    assert requests[0].url.params["contract_id"] == CID


async def test_limit_and_offset_keep_the_v01_call_shape(make_api: Any) -> None:
    rows = _table(120)
    rec = Recorder(
        lambda r: httpx.Response(
            200,
            json=rows[int(r.url.params["offset"]) :][: int(r.url.params["limit"])],
        )
    )
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    got = await api.audit(None, 50, 10)  # v0.1: audit(contract_id, limit, offset), a list
    assert isinstance(got, list) and [r.id for r in got] == [f"row-{i:05d}" for i in range(10, 60)]
    assert [dict(r.url.params) for r in rec.requests] == [{"limit": "50", "offset": "10"}]
    got = await api.audit()  # v0.1's default: one page of 50
    assert len(got) == 50 and dict(rec.requests[-1].url.params) == {"limit": "50", "offset": "0"}
    got = await api.rows("quarantine", CID)  # iter_quarantine: everything, page by page
    assert len(got) == 120 and len(rec.requests) == 2 + 2
    with pytest.raises(ValueError):
        api.client.iter_audit(page_size=1000)


def test_the_list_call_fetches_at_the_call_and_the_pager_when_iterated(
    recorder: Recorder,
) -> None:
    from contractgate.client import Client

    rows = _table(80)
    recorder.responder = lambda r: httpx.Response(
        200, json=rows[int(r.url.params["offset"]) :][: int(r.url.params["limit"])]
    )
    with Client(BASE, API_KEY, transport=httpx.MockTransport(recorder)) as cg:
        entries = cg.audit(limit=50)
        assert len(recorder.requests) == 1  # fetched at the call, as in v0.1
        assert isinstance(entries, list) and len(entries) == 50
        assert entries[0].id == "row-00000" and entries[-1].id == "row-00049"
        pager = cg.iter_audit(page_size=30)
        assert len(recorder.requests) == 1  # lazy until iterated
        assert [r.id for r in pager] == [r["id"] for r in rows]
        assert len(recorder.requests) == 1 + 3
        assert cg.audit(offset=500) == []


async def test_async_list_calls_are_coroutines(recorder: Recorder) -> None:
    rows = _table(30)
    recorder.responder = lambda r: httpx.Response(
        200, json=rows[int(r.url.params["offset"]) :][: int(r.url.params["limit"])]
    )
    async with AsyncClient(BASE, API_KEY, transport=httpx.MockTransport(recorder)) as cg:
        entries = await cg.audit(limit=20)  # v0.1: `await cg.audit()` gave a list
        assert isinstance(entries, list) and len(entries) == 20
        assert [r.id async for r in cg.iter_quarantine(page_size=7)] == [r["id"] for r in rows]
