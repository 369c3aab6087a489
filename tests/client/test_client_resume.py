"""Resuming after a ``PartialIngestError`` stores every event exactly once.

``AsyncClient`` has batches in flight beside the one that fails: some are acknowledged
after it, others fail too after the gateway stored them (a connection dropped after
processing). ``err.unacknowledged_batches`` names each batch not acknowledged with the
key it was sent with, so resending each one alone (the same events give the same bytes)
is answered from the gateway's idempotency cache when it was stored, and stored once
when it was not. Real sockets, the local gateway's own fault injection.
"""

from __future__ import annotations

import json
import pickle
from typing import Any, Dict, List, Optional

import pytest

from contractgate import AsyncClient, Client, PartialIngestError
from contractgate.exceptions import UnacknowledgedBatch


def _events(run: str, n: int) -> List[Dict[str, Any]]:
    return [
        {"user_id": f"{run}_{i:04d}", "event_type": "click", "timestamp": 1_724_252_400 + i}
        for i in range(n)
    ]


def _stored(gw: Any, cid: str, run: str) -> List[str]:
    out = []
    for row in gw.audit_rows(cid):  # other tests' events too (the session's gateway)
        raw = row["raw_event"]
        event = json.loads(raw) if isinstance(raw, str) else raw
        uid = event.get("user_id") if isinstance(event, dict) else None
        if isinstance(uid, str) and uid.startswith(run + "_"):
            out.append(uid)
    return sorted(out)


def _check(err: PartialIngestError) -> List[UnacknowledgedBatch]:
    pending = list(err.unacknowledged_batches)
    positions = [i for b in pending for i in b.indexes]
    assert positions == sorted(positions) == list(err.unsent_indexes)
    for b in pending:
        assert isinstance(b.indexes, range) and b.indexes.step == 1
        assert b.sent == (b.idempotency_key is not None)
    assert pickle.loads(pickle.dumps(err)).unacknowledged_batches == err.unacknowledged_batches
    return pending


@pytest.mark.parametrize("key", [None, "resume-job"])
async def test_async_resume_of_each_unacknowledged_batch_stores_every_event_once(
    gw: Any, key: Optional[str]
) -> None:
    cid = gw.contract_id("user_events")
    run = f"async{key is not None}"
    events = _events(run, 80)
    armed: List[bool] = []

    def arm(_part: Any) -> None:  # batch 0 goes alone: then two of the next are dropped
        if not armed:
            armed.append(True)
            gw.faults.drop_next(2, path_prefix="/v1/ingest", after_processing=True)

    async with AsyncClient(gw.base_url, gw.api_key, max_retries=0) as cg:
        with pytest.raises(PartialIngestError) as ei:
            await cg.ingest(
                cid, events, max_batch_events=10, max_concurrency=4, on_batch=arm,
                idempotency_key=key,
            )  # fmt: skip
        pending = _check(ei.value)
        assert sum(b.sent for b in pending) == 2  # stored, then the connection dropped
        for b in pending:
            await cg.ingest(
                cid, events[b.indexes.start : b.indexes.stop], idempotency_key=b.idempotency_key
            )
    assert _stored(gw, cid, run) == [e["user_id"] for e in events]


def test_sync_resume_of_each_unacknowledged_batch_stores_every_event_once(gw: Any) -> None:
    cid = gw.contract_id("user_events")
    events = _events("sync", 50)
    armed: List[bool] = []

    def arm(_part: Any) -> None:
        if not armed:
            armed.append(True)
            gw.faults.drop_next(1, path_prefix="/v1/ingest", after_processing=True)

    with Client(gw.base_url, gw.api_key, max_retries=0) as cg:
        with pytest.raises(PartialIngestError) as ei:
            cg.ingest(cid, events, max_batch_events=10, on_batch=arm)
        pending = _check(ei.value)
        assert [(b.indexes, b.sent) for b in pending] == [
            (range(10, 20), True), (range(20, 50), False),
        ]  # fmt: skip
        assert pending[0].idempotency_key == ei.value.failed_idempotency_key
        for b in pending:
            part = events[b.indexes.start : b.indexes.stop]
            cg.ingest(cid, part, idempotency_key=b.idempotency_key)
    assert _stored(gw, cid, "sync") == [e["user_id"] for e in events]
