"""A hunt through retries, attempt deadlines and paging, over real sockets.

Defects found here (each test named ``test_defect_…`` failed before its fix):

* ``ready()`` turned any 503 into the final answer or error: a proxy's 503 page (or an
  error object) on ``GET /ready`` was never retried, though every other GET retries a
  5xx (spec §9.1); only the gateway's own ``degraded`` answer (spec §3.10) is an answer.
* ``AsyncClient`` reported every attempt that ran out of time as a ``ReadTimeout`` (may
  have been processed), so a write whose budget ended before it was sent was not retried,
  while ``Client`` said ``ConnectTimeout`` (never sent) and retried it.
* ``Client`` given its own ``http_client=`` had no total deadline per attempt: a server
  trickling its answer held it for as long as it liked (``AsyncClient``: the budget).
* Both clients let an attempt wait for a free pooled connection for the whole ``pool``
  timeout, past the attempt's budget (``Client`` then sent it anyway, late).

The other tests only pin behaviour down (both clients, same answers). Timing is asserted
only where the defect is time itself, with wide margins (a budget of 0.3 s against a
server that takes 2.5 s to answer).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from typing import Any, Iterator, List, Tuple

import httpx
import pytest
from cg_client_testlib import API_KEY, Api, LoopbackServer, retry_delays

import contractgate.exceptions as E
from contractgate import AsyncClient, Client, RetryPolicy

CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"

#: Short waits: back-off 0.01..0.02 s.
QUICK = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02, auth_retry_delay=0.01)

#: Each phase 0.1 s: an attempt may take 0.3 s in all (connect + write + read).
SHORT = httpx.Timeout(0.1, pool=10.0)
BUDGET = 0.3


# ----------------------------------------------------------------------- helpers


class TrickleServer:
    """A raw HTTP/1.1 server on 127.0.0.1 that answers every request with a 200
    ``{"status":"ok"}`` whose head it sends one byte every ``gap`` seconds (each read is
    quick, the whole answer slow: only a total deadline stops a client). ``seen`` holds
    each request line."""

    def __init__(self, gap: float = 0.025) -> None:
        self.gap = gap
        self.seen: List[str] = []
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    @property
    def answer_seconds(self) -> float:
        return len(self._head(0)) * self.gap

    @staticmethod
    def _head(n: int) -> bytes:
        return (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\nconnection: close\r\nx-pad: %s\r\n\r\n" % (n, b"p" * 20)
        )

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            self.seen.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
            body = b'{"status":"ok"}'
            for byte in self._head(len(body)):
                if self._closed:
                    return
                conn.sendall(bytes([byte]))
                time.sleep(self.gap)
            conn.sendall(body)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self._closed = True
        self._sock.close()


@pytest.fixture
def trickle() -> Iterator[TrickleServer]:
    srv = TrickleServer()
    yield srv
    srv.close()


async def _own_http_client_api(client_kind: str, url: str, **kwargs: Any) -> Api:
    """A client of ``client_kind`` over the caller's own httpx client (``http_client=``)."""
    limits = kwargs.pop("limits", httpx.Limits())
    if client_kind == "async":
        return Api(
            AsyncClient(url, API_KEY, http_client=httpx.AsyncClient(limits=limits), **kwargs)
        )
    return Api(Client(url, API_KEY, http_client=httpx.Client(limits=limits), **kwargs))


async def _close_own(api: Api) -> None:
    http = api.client._http
    await api.close()
    if api.is_async:
        await http.aclose()
    else:
        http.close()


def _is_pre_send(exc: BaseException) -> bool:
    return isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))


# ----------------------------------------------------------------------- /ready and 503s


@pytest.mark.parametrize(
    "body",
    [
        "<html><body><h1>503 Service Unavailable</h1></body></html>",  # a proxy's page
        {"error": "no healthy upstream", "status": 503},  # an error object
        {"message": "upstream connect error"},  # JSON, but no readiness status
        [],  # JSON, not an object
    ],
    ids=["html", "error-object", "other-object", "array"],
)
async def test_defect_a_503_from_ready_that_is_not_its_answer_is_retried(
    make_api: Any, gw: Any, caplog: pytest.LogCaptureFixture, body: Any
) -> None:
    """Spec §9.1: any GET retries a 5xx; §3.10: ``/ready``'s own 503 is
    ``{"status":"degraded","db":"error"}``. Any other 503 is a proxy's or the edge's and
    was raised (or, for a JSON object, returned as a ``Ready`` of defaults) at once."""
    gw.faults.fail_next(1, status=503, body=body, path_prefix="/ready")
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, retry_policy=QUICK)
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        ready = await api.ready()
    assert ready.ok and ready.status_code == 200 and ready.status == "ready"
    assert len(retry_delays(caplog)) == 1
    assert gw.faults.pending() == []


async def test_defect_retries_of_ready_exhausted_raise_the_last_503(make_api: Any, gw: Any) -> None:
    """Three different proxy pages: the third (last) is raised with its status and body."""
    for n in (1, 2, 3):
        gw.faults.fail_next(1, status=503, body=f"<html>edge {n}</html>", path_prefix="/ready")
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, retry_policy=QUICK)
    with pytest.raises(E.ServerError) as ei:
        await api.ready()
    assert ei.value.status_code == 503 and ei.value.body == "<html>edge 3</html>"
    assert "edge 3" in str(ei.value) and gw.api_key not in str(ei.value)
    assert gw.faults.pending() == []


async def test_the_gateways_degraded_ready_is_returned_at_once(make_api: Any, gw: Any) -> None:
    """Pinned: the readiness answer itself is data, never retried."""
    degraded = {"status": "degraded", "db": "error"}
    gw.faults.fail_next(2, status=503, body=degraded, path_prefix="/ready")
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, retry_policy=QUICK)
    ready = await api.ready()
    assert not ready.ok and ready.status_code == 503 and ready.status == "degraded"
    assert gw.faults.pending()[0]["remaining"] == 1  # one request


# ----------------------------------------------------------------------- attempt budgets


async def test_defect_a_budget_spent_before_sending_is_retried_by_both_clients(
    make_api: Any, server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    """An attempt whose time ran out before its request went out (here: a budget far too
    short to even connect) is known unsent: both clients say so (a connect or pool
    timeout) and retry it, even for a replay, which is never resent once it may have
    arrived. ``AsyncClient`` called it a ``ReadTimeout`` and gave up; ``Client`` retried."""
    api = make_api(base_url=server.url, api_key=API_KEY, retry_policy=QUICK)
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        with pytest.raises(E.ClientTimeoutError) as ei:
            await api.replay(CID, ["q1"], timeout=httpx.Timeout(1e-9))
    assert _is_pre_send(ei.value.__cause__), repr(ei.value.__cause__)
    assert "connecting" in str(ei.value) or "free connection" in str(ei.value)
    assert len(retry_delays(caplog)) == 2
    assert server.seen == []
    assert (await api.health()).status == "ok"  # the next call has its own budget
    assert API_KEY not in caplog.text and API_KEY not in str(ei.value)


async def test_a_budget_spent_waiting_for_the_answer_is_not_resent_for_a_write(
    make_api: Any, trickle: TrickleServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Pinned: once the request is out, the end of the budget is a read timeout on both
    clients; a replay is then not resent (it may have been processed), a read is."""
    api = make_api(base_url=trickle.url, api_key=API_KEY, retry_policy=QUICK)
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        with pytest.raises(E.ClientTimeoutError) as ei:
            await api.replay(CID, ["q1"], timeout=SHORT)
    assert type(ei.value.__cause__) is httpx.ReadTimeout
    assert "waiting for the response" in str(ei.value)
    assert retry_delays(caplog) == [] and len(trickle.seen) == 1
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        with pytest.raises(E.ClientTimeoutError):
            await api.health(timeout=SHORT)
    assert len(retry_delays(caplog)) == 2 and len(trickle.seen) == 4


async def test_defect_a_callers_http_client_has_the_same_attempt_budget(
    client_kind: str, trickle: TrickleServer
) -> None:
    """``Client(http_client=...)`` sent through httpx's transports without the SDK's
    deadline: a server trickling its answer's head held it for the whole answer (several
    seconds), where ``AsyncClient`` (and ``Client`` without ``http_client``) stop at the
    attempt's budget."""
    assert trickle.answer_seconds > 6 * BUDGET
    api = await _own_http_client_api(client_kind, trickle.url, max_retries=0)
    try:
        started = time.monotonic()
        with pytest.raises(E.ClientTimeoutError) as ei:
            await api.health(timeout=SHORT)
        took = time.monotonic() - started
    finally:
        await _close_own(api)
    assert type(ei.value.__cause__) is httpx.ReadTimeout
    assert took < 2.5 * BUDGET < trickle.answer_seconds, took


async def test_defect_waiting_for_a_pooled_connection_ends_with_the_budget(
    client_kind: str, trickle: TrickleServer, caplog: pytest.LogCaptureFixture
) -> None:
    """One connection in the pool, held by a slow call: the next call's attempts wait for
    it at most their budget, then fail as never sent (``PoolTimeout``) and are retried
    even for a replay. Before, both clients waited the whole ``pool`` timeout (10 s) and
    ``Client`` then sent the replay on a late attempt."""
    api = await _own_http_client_api(
        client_kind, trickle.url, retry_policy=QUICK, limits=httpx.Limits(max_connections=1)
    )
    slow = httpx.Timeout(30.0)
    try:
        if api.is_async:
            hold: Any = asyncio.ensure_future(api.health(timeout=slow))
        else:
            holder = threading.Thread(target=api.client.health, kwargs={"timeout": slow})
            holder.start()
        while not trickle.seen:  # the slow call holds the one connection
            await asyncio.sleep(0.01)
        started = time.monotonic()
        with caplog.at_level(logging.DEBUG, logger="contractgate"):
            with pytest.raises(E.ClientTimeoutError) as ei:
                await api.replay(CID, ["q1"], timeout=SHORT)
        took = time.monotonic() - started
        if api.is_async:
            await hold
        else:
            holder.join()
    finally:
        await _close_own(api)
    assert type(ei.value.__cause__) is httpx.PoolTimeout, repr(ei.value.__cause__)
    assert "waiting for a free connection" in str(ei.value)
    assert len(retry_delays(caplog)) == 2  # never sent: retried, even a replay
    assert took < 3 * BUDGET + 0.6 < trickle.answer_seconds, took
    assert [line.split(" ")[1] for line in trickle.seen] == ["/health"]  # no replay sent


# ----------------------------------------------------------------------- retries (pins)


async def test_the_last_error_of_exhausted_retries_is_raised_with_its_status_and_body(
    make_api: Any, gw: Any
) -> None:
    for status, body in ((503, "<html>a</html>"), (502, {"error": "b", "status": 502}),
                         (504, "c")):  # fmt: skip
        gw.faults.fail_next(1, status=status, body=body, path_prefix="/stats")
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, retry_policy=QUICK)
    with pytest.raises(E.ServerError) as ei:
        await api.stats()
    assert ei.value.status_code == 504 and ei.value.body == "c"
    assert gw.faults.pending() == []


async def test_no_retries_raise_the_first_429_with_its_hint(
    make_api: Any, gw: Any, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"error": "rate_limit_exceeded", "detail": "d", "retry_after_ms": 10}
    gw.faults.fail_next(2, status=429, body=body, path_prefix="/health")
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, max_retries=0)
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        with pytest.raises(E.RateLimitError) as ei:
            await api.health()
    assert ei.value.retry_after == pytest.approx(0.01) and retry_delays(caplog) == []
    assert gw.faults.pending()[0]["remaining"] == 1


# ----------------------------------------------------------------------- paging (pins)


def _page_rows(n: int) -> List[dict[str, Any]]:
    return [{"id": f"row-{i:03d}", "contract_id": CID, "passed": True} for i in range(n)]


class _Table(LoopbackServer):
    def __init__(self, rows: List[dict[str, Any]]) -> None:
        self.rows = rows
        self.asked: List[Tuple[int, int]] = []
        super().__init__()

    def respond(self, path: str) -> Tuple[int, dict[str, str], bytes]:
        import json
        from urllib.parse import parse_qsl, urlsplit

        q = dict(parse_qsl(urlsplit(path).query))
        off, lim = int(q["offset"]), int(q["limit"])
        self.asked.append((off, lim))
        return 200, {}, json.dumps(self.rows[off : off + lim]).encode()


async def test_a_pager_iterated_twice_fetches_and_yields_the_same_rows_twice(
    make_api: Any,
) -> None:
    table = _Table(_page_rows(7))
    try:
        api = make_api(base_url=table.url, api_key=API_KEY)
        pager = api.client.iter_quarantine(limit=6, page_size=4)

        async def once() -> List[str]:
            if api.is_async:
                return [r.id async for r in pager]
            return [r.id for r in pager]

        first, second = await once(), await once()
    finally:
        table.close()
    assert first == second == [f"row-{i:03d}" for i in range(6)]
    assert table.asked == [(0, 4), (4, 2)] * 2
