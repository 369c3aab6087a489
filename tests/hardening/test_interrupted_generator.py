"""Ctrl-C inside the caller's event generator, at a size past the read-ahead window.

The SDK reads events ahead of its requests (up to 8 batches or 8 MiB), so an input that
fits in that window is encoded completely before anything is sent; a bigger one is
streamed. A generator interrupted at event 15,000 (15 batches of 1,000) has already had
batches sent and stored: these tests count the rows the local gateway stored, check
them against the SDK's warning, and resume without writing anything twice. The claim
tested is the one docs/failure-modes.md makes ("Ctrl-C inside your event generator").
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections import Counter
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from hardening_testlib import FAST_RETRY, event, user_ids

from contractgate import AsyncClient, Client

N, STOP, PER_BATCH = 20_000, 15_000, 1_000
READ_AHEAD = 8  # batches the SDK reads ahead of its requests (docs/failure-modes.md)
NOTE = re.compile(
    r"(\d+) of (\d+) batch\(es\) acknowledged \((\d+) event\(s\)\); "
    r"first unacknowledged event index: (\d+)"
)

pytestmark = pytest.mark.slow


def _tags(prefix: str) -> List[str]:
    run = uuid.uuid4().hex[:8]
    return [f"{prefix}_{run}_{i}" for i in range(N)]


def _events(tags: List[str], start: int = 0) -> Iterator[Dict[str, Any]]:
    """The caller's generator: Ctrl-C arrives when it is asked for event STOP."""
    for i in range(start, N):
        if i == STOP:
            raise KeyboardInterrupt
        yield event(tags[i], i)


def _note(caplog: pytest.LogCaptureFixture) -> Tuple[int, int]:
    """(events acknowledged, first unacknowledged index) from the SDK's warning."""
    lines = [r.getMessage() for r in caplog.records
             if r.name.startswith("contractgate") and r.levelno == logging.WARNING
             and "interrupted" in r.getMessage()]  # fmt: skip
    assert len(lines) == 1, lines
    m = NOTE.search(lines[0])
    assert m, lines[0]
    return int(m[3]), int(m[4])


def _stored(gw: Any, cid: str, tags: List[str]) -> List[int]:
    """Positions of the events of this test that the gateway stored (one per row)."""
    pos = {t: i for i, t in enumerate(tags)}
    return sorted(pos[u] for u in user_ids(gw, cid) if u in pos)


def test_sync_client(gw: Any, cid: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="contractgate")
    tags = _tags("gen_sync")
    key = f"gen-sync-{uuid.uuid4().hex}"
    with Client(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as c:
        with pytest.raises(KeyboardInterrupt):
            c.ingest(cid, _events(tags), max_batch_events=PER_BATCH, idempotency_key=key)
        acked, first = _note(caplog)
        stored = _stored(gw, cid, tags)
        # Not "nothing has been sent": every batch sent before the interrupt is stored,
        # exactly what the warning reports, and the events read ahead were not sent.
        assert stored == list(range(acked)) and acked == first
        assert 0 < acked <= STOP - PER_BATCH
        assert STOP - acked <= READ_AHEAD * PER_BATCH
        assert acked % PER_BATCH == 0

        # resume: the caller regenerates its events from the first unacknowledged one
        n = first // PER_BATCH
        resumed = c.ingest(
            cid,
            (event(tags[i], i) for i in range(first, STOP)),
            max_batch_events=PER_BATCH,
            idempotency_key=f"{key}#{n}",
        )
        assert resumed.passed == STOP - first
    assert _stored(gw, cid, tags) == list(range(STOP))  # every event once


async def _async_ingest(gw: Any, cid: str, tags: List[str], concurrency: int, key: str) -> None:
    async def agen() -> Any:
        for e in _events(tags):
            yield e
            await asyncio.sleep(0)

    async with AsyncClient(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as ac:
        try:
            await ac.ingest(
                cid,
                agen(),
                max_batch_events=PER_BATCH,
                max_concurrency=concurrency,
                idempotency_key=key,
            )
        except KeyboardInterrupt:
            return
        raise AssertionError("KeyboardInterrupt was swallowed")


@pytest.mark.parametrize("concurrency", [1, 4])
def test_async_client_batches_in_flight_may_be_stored(
    gw: Any, cid: str, caplog: pytest.LogCaptureFixture, concurrency: int
) -> None:
    """AsyncClient reads the generator while up to ``max_concurrency`` batches are in
    flight; those are cancelled when it raises, yet the gateway may have stored them:
    the warning's count is a lower bound. Each unacknowledged batch resent with the key
    it carried (``K#n``) is answered from the gateway's idempotency cache, so nothing
    is written twice."""
    caplog.set_level(logging.WARNING, logger="contractgate")
    tags = _tags(f"gen_async{concurrency}")
    key = f"gen-async{concurrency}-{uuid.uuid4().hex}"
    asyncio.run(_async_ingest(gw, cid, tags, concurrency, key))
    acked, first = _note(caplog)
    stored = _stored(gw, cid, tags)
    # With batches in flight, acknowledgements can come out of order: a later batch may
    # be acknowledged while an earlier one is still unanswered.
    assert 0 < first <= acked
    # read ahead of the first unacknowledged batch: the batches waiting to be sent, those
    # in flight, and one more for each batch acknowledged beyond it (it freed a slot)
    assert STOP - first <= (READ_AHEAD + concurrency) * PER_BATCH + (acked - first)
    assert stored[:first] == list(range(first))  # everything before it, once
    assert len(stored) == len(set(stored)) and stored[-1] < STOP
    # beyond it, at most the batches that were in flight, each stored whole
    batches = Counter(i // PER_BATCH for i in stored)
    assert set(batches.values()) == {PER_BATCH}
    assert len(stored) >= acked and len(stored) - first <= concurrency * PER_BATCH

    with Client(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as c:
        for n in range(first // PER_BATCH, STOP // PER_BATCH):
            batch = [event(tags[i], i) for i in range(n * PER_BATCH, (n + 1) * PER_BATCH)]
            c.ingest(cid, batch, max_batch_events=PER_BATCH, idempotency_key=f"{key}#{n}")
    assert _stored(gw, cid, tags) == list(range(STOP))  # every event once
