"""Load: many threads share one ``Client`` and many tasks share one ``AsyncClient``, all
ingesting into one local gateway at once (with a few injected faults on the way). Every
event carries a unique tag; the gateway's audit rows must hold each tag exactly once, and
the totals reported to the callers must match them exactly."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections import Counter
from typing import Any, Dict, List

from hardening_testlib import FAST_RETRY, bad_event, event, user_ids

from contractgate import AsyncClient, Client

WORKERS = 16
PER_WORKER = 150  # events per call; a few calls are chunked (max_batch_events below)


def _events(prefix: str, w: int) -> List[Dict[str, Any]]:
    out = []
    for i in range(PER_WORKER):
        tag = f"{prefix}_{w}_{i}"
        out.append(bad_event(tag, i) if i % 10 == 3 else event(tag, i))
    return out


def _check(gw: Any, cid: str, prefix: str, outs: List[Any]) -> None:
    expected = {f"{prefix}_{w}_{i}" for w in range(WORKERS) for i in range(PER_WORKER)}
    # bad events are stored with the tag inside "BAD <tag>!"
    seen = Counter(u[4:-1] if u.startswith("BAD ") else u for u in user_ids(gw, cid))
    mine = {t: n for t, n in seen.items() if t.startswith(prefix + "_")}
    assert sorted(t for t, n in mine.items() if n > 1) == [], "events written twice"
    assert sorted(expected - set(mine)) == [], "events missing"
    assert set(mine) == expected
    assert sum(o.total for o in outs) == len(expected)
    assert sum(o.failed for o in outs) == WORKERS * (PER_WORKER // 10)
    for o in outs:
        assert [r.index for r in o.results] == list(range(PER_WORKER))
        assert [r.index for r in o.failures] == [i for i in range(PER_WORKER) if i % 10 == 3]


def test_threads_share_one_client(gw: Any, cid: str) -> None:
    prefix = "load_thr"
    # ambiguous faults while the threads run: the retries must stay deduplicated
    gw.faults.drop_next(2, path_prefix="/v1/ingest", after_processing=True)
    gw.faults.fail_next(2, status=503, path_prefix="/v1/ingest")
    gw.faults.truncate_next(1, path_prefix="/v1/ingest")
    start = threading.Barrier(WORKERS)
    with Client(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as shared:

        def work(w: int) -> Any:
            start.wait(timeout=30)
            # every third worker splits its call into batches of 40
            extra = {"max_batch_events": 40} if w % 3 == 0 else {}
            return shared.ingest(cid, _events(prefix, w), **extra)

        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            outs = list(pool.map(work, range(WORKERS)))
    _check(gw, cid, prefix, outs)


def test_tasks_share_one_async_client(gw: Any, cid: str) -> None:
    prefix = "load_task"
    gw.faults.drop_next(2, path_prefix="/v1/ingest", after_processing=True)
    gw.faults.fail_next(2, status=503, path_prefix="/v1/ingest")
    gw.faults.truncate_next(1, path_prefix="/v1/ingest")

    async def main() -> List[Any]:
        async with AsyncClient(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as ac:

            async def work(w: int) -> Any:
                extra: Dict[str, Any] = {"max_batch_events": 40} if w % 3 == 0 else {}
                return await ac.ingest(cid, _events(prefix, w), max_concurrency=3, **extra)

            return list(await asyncio.gather(*(work(w) for w in range(WORKERS))))

    outs = asyncio.run(main())
    _check(gw, cid, prefix, outs)


def test_threads_with_their_own_event_loops_share_nothing_but_the_gateway(
    gw: Any, cid: str
) -> None:
    """Sync and async clients at the same time, each thread with its own loop."""
    prefix = "load_mix"

    def work(w: int) -> Any:
        evs = _events(prefix, w)
        if w % 2:
            with Client(gw.base_url, api_key=gw.api_key, retry_policy=FAST_RETRY) as c:
                return c.ingest(cid, evs)

        async def go() -> Any:
            async with AsyncClient(gw.base_url, api_key=gw.api_key,
                                   retry_policy=FAST_RETRY) as ac:  # fmt: skip
                return await ac.ingest(cid, evs)

        return asyncio.run(go())

    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        outs = list(pool.map(work, range(WORKERS)))
    _check(gw, cid, prefix, outs)
