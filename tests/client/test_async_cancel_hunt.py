"""``AsyncClient.ingest`` under concurrency and cancellation: a batch that fails while the
caller's async iterable is idle, and exceptions that are not ``Exception`` subclasses
(``CancelledError``, ``KeyboardInterrupt``) raised by the ``on_batch`` callback of a batch
sent beside others. Real sockets, the local gateway's fault injection."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator, Dict, List

import pytest
from cg_client_testlib import FAST_RETRY

from contractgate import AsyncClient, BadRequestError, BatchIngestResponse, PartialIngestError

PER_BATCH = 10


def _event(run: str, i: int) -> Dict[str, Any]:
    return {"user_id": f"{run}_{i:04d}", "event_type": "click", "timestamp": 1_724_252_400 + i}


def _others() -> List[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


def _interrupted(caplog: pytest.LogCaptureFixture) -> List[str]:
    return [r.getMessage() for r in caplog.records
            if r.name.startswith("contractgate") and "interrupted" in r.getMessage()]  # fmt: skip


async def test_a_batch_failing_while_the_async_source_is_idle_is_raised_at_once(gw: Any) -> None:
    """A live stream (a queue consumer) yields 100 events, then waits for more. Batch 1
    fails meanwhile: the call must raise its PartialIngestError, not keep waiting for
    events it will never send (it used to wait until the caller's timeout, which then
    replaced the gateway's error)."""
    cid = gw.contract_id("user_events")
    idle = asyncio.Event()  # never set: no more events for now
    asked: List[int] = []

    async def live() -> AsyncIterator[Dict[str, Any]]:
        for i in range(100):
            asked.append(i)
            yield _event("idle", i)
        asked.append(100)
        await idle.wait()
        yield _event("idle", 100)  # pragma: no cover - never reached

    def arm(part: BatchIngestResponse) -> None:
        if part.batches[0].number == 0:
            gw.faults.fail_next(1, status=400, path_prefix="/v1/ingest")

    async with AsyncClient(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as ac:
        with pytest.raises(PartialIngestError) as info:
            await asyncio.wait_for(
                ac.ingest(cid, live(), max_batch_events=PER_BATCH, on_batch=arm), 20
            )
        err = info.value
        assert isinstance(err.cause, BadRequestError)
        assert err.accepted.total == PER_BATCH
        assert [r.index for r in err.accepted.results] == list(range(PER_BATCH))
        assert list(err.unsent_indexes) == list(range(PER_BATCH, 100))
        assert err.unread_from == 100
        assert not _others()
        # the same client goes on
        res = await ac.ingest(cid, [_event("idle_again", i) for i in range(25)],
                              max_batch_events=PER_BATCH)  # fmt: skip
        assert [r.index for r in res.results] == list(range(25))


async def test_a_callback_error_while_the_async_source_is_idle_is_raised_at_once(
    gw: Any,
) -> None:
    cid = gw.contract_id("user_events")
    idle = asyncio.Event()

    async def live() -> AsyncIterator[Dict[str, Any]]:
        for i in range(100):
            yield _event("idle_cb", i)
        await idle.wait()
        yield _event("idle_cb", 100)  # pragma: no cover - never reached

    class Boom(Exception):
        pass

    def on_batch(part: BatchIngestResponse) -> None:
        if part.batches[0].number == 1:
            raise Boom("callback")

    async with AsyncClient(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as ac:
        with pytest.raises(Boom):
            await asyncio.wait_for(
                ac.ingest(cid, live(), max_batch_events=PER_BATCH, on_batch=on_batch), 20
            )
        assert not _others()


async def test_cancelled_error_raised_by_an_async_on_batch_beside_others_is_not_lost(
    gw: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A CancelledError that the callback of batch 0 raises propagates; one raised by the
    callback of a later batch (run in a task) was dropped with that task, and the call
    returned as if nothing had happened."""
    caplog.set_level(logging.WARNING, logger="contractgate")
    cid = gw.contract_id("user_events")

    async def on_batch(part: BatchIngestResponse) -> None:
        await asyncio.sleep(0)
        if part.batches[0].number == 2:
            raise asyncio.CancelledError

    async with AsyncClient(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as ac:
        with pytest.raises(asyncio.CancelledError):
            await ac.ingest(cid, [_event("cb_cancel", i) for i in range(100)],
                            max_batch_events=PER_BATCH, on_batch=on_batch)  # fmt: skip
        assert not _others()
        (note,) = _interrupted(caplog)
        assert note.startswith("ingest interrupted (CancelledError)")
        # the same client goes on
        res = await ac.ingest(cid, [_event("cb_cancel_again", i) for i in range(30)],
                              max_batch_events=PER_BATCH)  # fmt: skip
        assert res.total == 30


def test_ctrl_c_in_on_batch_of_a_concurrent_batch_is_raised_by_ingest(
    gw: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """KeyboardInterrupt raised by the callback of a batch sent beside others comes out
    of ``await ingest(...)`` (as for batch 0), with the warning naming it; it used to
    escape the event loop, past the caller's ``except KeyboardInterrupt``."""
    caplog.set_level(logging.WARNING, logger="contractgate")
    cid = gw.contract_id("user_events")
    caught: List[str] = []
    left: List[Any] = []

    def on_batch(part: BatchIngestResponse) -> None:
        if part.batches[0].number == 2:
            raise KeyboardInterrupt

    async def main() -> None:
        async with AsyncClient(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as ac:
            try:
                await ac.ingest(cid, [_event("kbi_task", i) for i in range(100)],
                                max_batch_events=PER_BATCH, on_batch=on_batch)  # fmt: skip
            except KeyboardInterrupt:
                caught.append("ingest")
            left.extend(_others())

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        caught.append("event loop")
    assert caught == ["ingest"]
    assert not left
    (note,) = _interrupted(caplog)
    assert note.startswith("ingest interrupted (KeyboardInterrupt)")
