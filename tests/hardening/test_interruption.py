"""Interruption during a chunked ingest: Ctrl-C (``KeyboardInterrupt``) raised from an
``on_batch`` callback or from the caller's generator, and asyncio task cancellation while a
batch is in flight. The SDK must leave a clear record of what was acknowledged and what
was not: a warning on the ``contractgate`` logger ("k of n batch(es) acknowledged (m
event(s)); first unacknowledged event index: i"), matched here against the gateway's own
audit rows, and a resume recipe that writes nothing twice."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from typing import Any, Dict, Iterator, List

import pytest
from hardening_testlib import FAST_RETRY, event, user_ids

from contractgate import AsyncClient, BatchIngestResponse, Client

N, PER_BATCH = 150, 50  # three batches
NOTE = re.compile(
    r"(\d+) of (\d+) batch\(es\) acknowledged \((\d+) event\(s\)\); "
    r"first unacknowledged event index: (\d+|None)"
)


def _tags(prefix: str) -> List[str]:
    return [f"{prefix}_{uuid.uuid4().hex[:8]}_{i}" for i in range(N)]


def _note(caplog: pytest.LogCaptureFixture) -> tuple[int, int, int, int]:
    lines = [r.getMessage() for r in caplog.records
             if r.name.startswith("contractgate") and r.levelno == logging.WARNING
             and "interrupted" in r.getMessage()]  # fmt: skip
    assert len(lines) == 1, lines
    m = NOTE.search(lines[0])
    assert m, lines[0]
    return int(m[1]), int(m[2]), int(m[3]), int(m[4])


def _stored(gw: Any, cid: str, tags: List[str]) -> List[int]:
    pos = {t: i for i, t in enumerate(tags)}
    return sorted(pos[u] for u in user_ids(gw, cid) if u in pos)


def test_ctrl_c_in_on_batch_sync(gw: Any, cid: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="contractgate")
    tags = _tags("kbi_cb_sync")
    seen: List[BatchIngestResponse] = []

    def on_batch(part: BatchIngestResponse) -> None:
        seen.append(part)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with Client(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as c:
        with pytest.raises(KeyboardInterrupt):
            c.ingest(cid, [event(t, i) for i, t in enumerate(tags)],
                     max_batch_events=PER_BATCH, on_batch=on_batch)  # fmt: skip
    acked, total, n_events, first = _note(caplog)
    # the batch whose callback raised was acknowledged by the gateway: it counts as sent
    assert (acked, total, n_events, first) == (2, 3, 100, 100)
    assert _stored(gw, cid, tags) == list(range(100))
    assert [r.index for p in seen for r in p.results] == list(range(100))


def test_ctrl_c_in_the_event_generator_sends_nothing(
    gw: Any, cid: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The input is encoded completely before the first request, so Ctrl-C in the
    caller's generator leaves the gateway untouched (nothing half-sent)."""
    tags = _tags("kbi_gen_sync")

    def gen() -> Iterator[Dict[str, Any]]:
        for i, t in enumerate(tags):
            if i == 120:
                raise KeyboardInterrupt
            yield event(t, i)

    with Client(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as c:
        with pytest.raises(KeyboardInterrupt):
            c.ingest(cid, gen(), max_batch_events=PER_BATCH)
        # the client is still usable afterwards
        assert c.ingest(cid, [event(tags[0])]).passed == 1
    assert _stored(gw, cid, tags) == [0]


def test_ctrl_c_in_the_event_generator_async(gw: Any, cid: str) -> None:
    tags = _tags("kbi_gen_async")

    async def agen() -> Any:
        for i, t in enumerate(tags):
            if i == 120:
                raise KeyboardInterrupt
            yield event(t, i)
            await asyncio.sleep(0)

    async def main() -> None:
        async with AsyncClient(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as ac:
            try:
                await ac.ingest(cid, agen(), max_batch_events=PER_BATCH)
            except KeyboardInterrupt:
                pass
            else:  # pragma: no cover - the assertion below explains
                raise AssertionError("KeyboardInterrupt was swallowed")

    asyncio.run(main())
    assert _stored(gw, cid, tags) == []


def test_ctrl_c_in_async_on_batch(gw: Any, cid: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="contractgate")
    tags = _tags("kbi_cb_async")
    count = 0

    async def on_batch(part: BatchIngestResponse) -> None:
        nonlocal count
        count += 1
        if count == 1:
            raise KeyboardInterrupt

    async def main() -> None:
        async with AsyncClient(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as ac:
            try:
                await ac.ingest(cid, [event(t, i) for i, t in enumerate(tags)],
                                max_batch_events=PER_BATCH, max_concurrency=1,
                                on_batch=on_batch)  # fmt: skip
            except KeyboardInterrupt:
                return
            raise AssertionError("KeyboardInterrupt was swallowed")

    asyncio.run(main())
    acked, total, n_events, first = _note(caplog)
    # as in the sync client: the batch whose callback raised was acknowledged, so it is sent
    assert (acked, total, n_events, first) == (1, 3, 50, 50)
    assert _stored(gw, cid, tags) == list(range(n_events))


def test_task_cancelled_mid_ingest_records_progress_and_resumes_without_duplicates(
    gw: Any, cid: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="contractgate")
    tags = _tags("cancel")
    key = f"hardening-{uuid.uuid4()}"
    events = [event(t, i) for i, t in enumerate(tags)]

    armed: List[bool] = []

    def slow_next(part: BatchIngestResponse) -> None:
        if part.batches[0].number == 0:  # batch 1 will be answered only after 1.5 s
            gw.faults.delay_next(1, seconds=1.5, path_prefix="/v1/ingest")
            armed.append(True)

    async def main() -> None:
        async with AsyncClient(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as ac:
            task = asyncio.ensure_future(
                ac.ingest(
                    cid,
                    events,
                    max_batch_events=PER_BATCH,
                    max_concurrency=1,
                    idempotency_key=key,
                    on_batch=slow_next,
                )
            )
            for _ in range(200):  # batch 0 acknowledged (robust on a busy machine)
                if armed:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # batch 1 is now in flight, held by the gateway
            assert armed and not task.done()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(main())
    acked, total, n_events, first = _note(caplog)
    assert (acked, total, n_events, first) == (1, 3, 50, 50)
    time.sleep(1.6)  # the gateway finishes the in-flight (unacknowledged) batch
    stored = _stored(gw, cid, tags)
    assert stored[:50] == list(range(50)) and not set(stored) & set(range(100, 150))

    # resume from the first unacknowledged index, with the key that batch carried
    # (caller key K: batch 0 -> K, batch n -> K#n), so a batch that did land is not doubled
    with Client(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as c:
        res = c.ingest(cid, events[first:], max_batch_events=PER_BATCH,
                       idempotency_key=f"{key}#1")  # fmt: skip
    assert res.total == 100
    assert _stored(gw, cid, tags) == list(range(N))  # each event exactly once


def test_cancelled_with_batches_in_flight_concurrently(
    gw: Any, cid: str, caplog: pytest.LogCaptureFixture
) -> None:
    """max_concurrency=3: several batches in flight when the task is cancelled. The note
    names exactly the batches the gateway acknowledged to the client."""
    caplog.set_level(logging.WARNING, logger="contractgate")
    tags = [f"cancel_conc_{uuid.uuid4().hex[:6]}_{i}" for i in range(300)]
    gw.faults.delay_next(6, seconds=1.0, path_prefix="/v1/ingest")
    acked_numbers: List[int] = []

    async def main() -> None:
        async with AsyncClient(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as ac:
            task = asyncio.ensure_future(ac.ingest(
                cid, [event(t, i) for i, t in enumerate(tags)], max_batch_events=PER_BATCH,
                max_concurrency=3,
                on_batch=lambda p: acked_numbers.extend(b.number for b in p.batches)))  # fmt: skip
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(main())
    gw.faults.clear()
    acked, total, n_events, first = _note(caplog)
    assert total == 6 and acked == len(acked_numbers) == 0 and first == 0
    assert n_events == 0
