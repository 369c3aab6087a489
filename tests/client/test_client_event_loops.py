"""An ``AsyncClient`` belongs to the event loop it is first used in (its pooled
connections do). Used from a second loop (a second ``asyncio.run``), it raised httpx's raw
``RuntimeError: Event loop is closed`` from a pooled connection, after sending nothing, and
``aclose()`` raised the same: now a ``RuntimeError`` that says what to do, raised before
any request, and ``aclose()`` closes the client. Real sockets, the local gateway."""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Any

import pytest

from contractgate import AsyncClient


def _client(gw: Any) -> AsyncClient:
    return AsyncClient(base_url=gw.base_url, api_key=gw.api_key, max_retries=0)


def test_a_second_event_loop_gets_an_error_that_says_what_to_do(gw: Any) -> None:
    cg = _client(gw)
    assert asyncio.run(cg.health()).status == "ok"
    gw.faults.fail_next(1, status=503, path_prefix="/health")  # taken by any request
    with pytest.raises(RuntimeError) as ei:
        asyncio.run(cg.health())
    text = str(ei.value)
    assert "AsyncClient" in text and "event loop" in text, text
    assert "create" in text and "Event loop is closed" not in text, text
    assert len(gw.faults.pending()) == 1  # nothing was sent
    # a derived client shares the pool, and so its loop
    with pytest.raises(RuntimeError, match="event loop"):
        asyncio.run(cg.with_options(max_retries=1).health())
    asyncio.run(cg.aclose())  # closing from another loop works
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(cg.health())


def test_one_client_per_event_loop_works(gw: Any) -> None:
    async def job() -> str:
        async with _client(gw) as cg:
            return (await cg.health()).status

    assert asyncio.run(job()) == "ok"
    assert asyncio.run(job()) == "ok"


def test_a_client_whose_first_loop_is_gone_takes_the_new_one(gw: Any) -> None:
    """A client made but never used in a finished loop (no connection opened there) works
    in the next one: it belongs to the loop of its first request."""
    cg = _client(gw)

    async def make_only() -> None:
        await asyncio.sleep(0)

    asyncio.run(make_only())

    async def use_and_close() -> str:
        async with cg:
            return (await cg.health()).status

    assert asyncio.run(use_and_close()) == "ok"


def test_a_loop_running_in_another_thread_keeps_the_client(gw: Any) -> None:
    cg = _client(gw)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        first = asyncio.run_coroutine_threadsafe(cg.health(), loop).result(10)
        assert first.status == "ok"
        with pytest.raises(RuntimeError, match="another event loop"):
            asyncio.run(cg.health())
        asyncio.run_coroutine_threadsafe(cg.aclose(), loop).result(10)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        gc.collect()


def test_a_transport_without_connections_works_in_any_loop() -> None:
    """A transport that keeps no pooled connections (a mock, as pytest-httpx and respx
    install) is not bound to a loop: a client shared by tests that each run their own
    loop keeps working, as with httpx alone."""
    import httpx

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "ok", "version": "1", "service": "cg"})

    cg = AsyncClient(
        base_url="http://127.0.0.1:9", api_key="k", transport=httpx.MockTransport(answer)
    )
    assert asyncio.run(cg.health()).status == "ok"
    assert asyncio.run(cg.health()).status == "ok"
    asyncio.run(cg.aclose())
