"""Edges of paging, retrying and per-attempt deadlines, over real sockets.

Paging runs against a small scripted HTTP server on 127.0.0.1 (answer shapes the local
gateway never produces: a server that ignores ``offset`` or ``limit``, overlaps longer
than any page); retries against the local gateway with its fault injector (429s with odd
wait hints, 5xx, 401, 408). Every test runs with :class:`Client` and :class:`AsyncClient`
(``make_api``) unless it is about one of them. Waits are asserted through the delays the
client logs before each retry (:func:`retry_delays`), never by timing.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import httpcore
import httpx
import pytest
from cg_client_testlib import API_KEY, Api, LoopbackServer, retry_delays

import contractgate.exceptions as E
from contractgate import AsyncClient, Client, RetryPolicy
from contractgate._http.deadline import _DeadlineBackend, attempt_deadline, bound
from contractgate._http.pagination import DEDUPE_WINDOW, MAX_PAGE_SIZE, PageCursor

CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"

Answer = Tuple[int, Dict[str, str], bytes]


#: A pager stuck in a loop gets an empty page after this many requests (then fails its
#: test's request count) rather than hanging the test run.
RUNAWAY = 200


class PageServer(LoopbackServer):
    """A :class:`LoopbackServer` whose answer to ``GET path?query`` is
    ``answer(path, params)``; ``pages`` records the path and query of every request."""

    def __init__(self, answer: Callable[[str, Dict[str, str]], Answer]) -> None:
        self.pages: List[Tuple[str, Dict[str, str]]] = []
        self._answer = answer
        super().__init__()

    def respond(self, path: str) -> Answer:
        parts = urlsplit(path)
        params = dict(parse_qsl(parts.query))
        self.pages.append((parts.path, params))
        if len(self.pages) > RUNAWAY:
            return _json([])
        return self._answer(parts.path, params)

    def offsets(self) -> List[Tuple[int, int]]:
        """``(offset, limit)`` of every request, in order."""
        return [(int(p["offset"]), int(p["limit"])) for _, p in self.pages]


def _rows(n: int, prefix: str = "row") -> List[Dict[str, Any]]:
    return [{"id": f"{prefix}-{i:05d}", "contract_id": CID, "passed": True} for i in range(n)]


def _json(value: Any) -> Answer:
    return 200, {}, json.dumps(value).encode()


def _table_server(table: List[Dict[str, Any]]) -> PageServer:
    """Pages of ``table`` as the gateway serves them: ``limit`` rows from ``offset``."""
    return PageServer(lambda path, p: _json(table[int(p["offset"]) :][: int(p["limit"])]))


@pytest.fixture
def servers() -> Iterator[List[PageServer]]:
    made: List[PageServer] = []
    yield made
    for s in made:
        s.close()


async def _drain(api: Api, route: str, into: List[Any], **kwargs: Any) -> None:
    """Iterate ``iter_<route>(**kwargs)`` row by row into ``into`` (kept when it raises)."""
    pager = getattr(api.client, f"iter_{route}")(**kwargs)
    if api.is_async:
        async for row in pager:
            into.append(row)
    else:
        for row in pager:
            into.append(row)


# ----------------------------------------------------------------------- paging


@pytest.mark.parametrize("route", ["audit", "quarantine"])
async def test_a_server_that_ignores_the_offset_ends_in_a_typed_error_not_an_endless_loop(
    make_api: Any, servers: List[PageServer], route: str
) -> None:
    """A proxy that drops the query string sends the first page again and again: every
    row is yielded once, then ``InvalidResponseError``; before the fix the pager asked
    for the next page forever."""
    rows = _rows(MAX_PAGE_SIZE)
    srv = PageServer(lambda path, p: _json(rows))
    servers.append(srv)
    api = make_api(base_url=srv.url, api_key=API_KEY)
    got: List[Any] = []
    with pytest.raises(E.InvalidResponseError) as ei:
        await _drain(api, route, got, page_size=MAX_PAGE_SIZE)
    assert [r.id for r in got] == [r["id"] for r in rows]
    # the first page, then repeats until more than the de-duplication window came back
    assert len(srv.pages) == 1 + DEDUPE_WINDOW // MAX_PAGE_SIZE + 1
    assert {path for path, _ in srv.pages} == {f"/{route}"}
    assert "already listed" in str(ei.value) and "offset" in str(ei.value)
    assert API_KEY not in str(ei.value) and API_KEY not in repr(ei.value)


async def test_a_server_that_ignores_offset_and_limit_ends_in_a_typed_error(
    make_api: Any, servers: List[PageServer]
) -> None:
    """The same page of more rows than the pager remembers, whatever is asked: each row is
    yielded once, then ``InvalidResponseError`` (not an endless stream of doubles)."""
    rows = _rows(DEDUPE_WINDOW + MAX_PAGE_SIZE)
    srv = PageServer(lambda path, p: _json(rows))
    servers.append(srv)
    api = make_api(base_url=srv.url, api_key=API_KEY)
    got: List[Any] = []
    with pytest.raises(E.InvalidResponseError):
        await _drain(api, "audit", got, page_size=10)
    assert [r.id for r in got] == [r["id"] for r in rows[:DEDUPE_WINDOW]]
    assert srv.offsets() == [(0, 10), (DEDUPE_WINDOW, 10), (2 * DEDUPE_WINDOW, 10)]


async def test_a_limit_reached_on_a_server_that_ignores_the_offset_is_no_error(
    make_api: Any, servers: List[PageServer]
) -> None:
    rows = _rows(40)
    srv = PageServer(lambda path, p: _json(rows))
    servers.append(srv)
    api = make_api(base_url=srv.url, api_key=API_KEY)
    got = await api.rows("audit", limit=25, page_size=10)
    assert [r.id for r in got] == [r["id"] for r in rows[:25]]
    assert srv.offsets() == [(0, 10)]  # 40 rows came back; 25 were enough


async def test_an_overlap_as_long_as_the_window_is_skipped_without_an_error(
    make_api: Any, servers: List[PageServer]
) -> None:
    """A whole window of rows (10,000) comes back again after a burst of inserts at the
    head of the list: the pager skips all of them and goes on, every row once."""
    table = _rows(DEDUPE_WINDOW + 700)

    def answer(path: str, p: Dict[str, str]) -> Answer:
        off, lim = int(p["offset"]), int(p["limit"])
        if off == DEDUPE_WINDOW and len(table) == DEDUPE_WINDOW + 700:
            table[:0] = _rows(DEDUPE_WINDOW, "new")  # inserted after the first window
        return _json(table[off : off + lim])

    srv = PageServer(answer)
    servers.append(srv)
    api = make_api(base_url=srv.url, api_key=API_KEY)
    got = await api.rows("audit", page_size=MAX_PAGE_SIZE)
    ids = [r.id for r in got]
    assert ids == [f"row-{i:05d}" for i in range(DEDUPE_WINDOW + 700)]
    assert srv.offsets()[-1] == (2 * DEDUPE_WINDOW + 500, MAX_PAGE_SIZE)  # then a short page


async def test_a_server_that_sends_more_rows_than_asked_is_read_past_them(
    make_api: Any, servers: List[PageServer]
) -> None:
    """A server with a higher cap than ``limit`` asked for (it ignores ``limit``, honours
    ``offset``): every row once, and the next page starts after the rows received."""
    table = _rows(25)
    srv = PageServer(lambda path, p: _json(table[int(p["offset"]) :][:10]))
    servers.append(srv)
    api = make_api(base_url=srv.url, api_key=API_KEY)
    got = await api.rows("quarantine", page_size=4)
    assert [r.id for r in got] == [r["id"] for r in table]
    assert srv.offsets() == [(0, 4), (10, 4), (20, 4), (25, 4)]


async def test_the_last_page_asks_only_for_the_rows_still_wanted(
    make_api: Any, servers: List[PageServer]
) -> None:
    table = _rows(100)
    srv = _table_server(table)
    servers.append(srv)
    api = make_api(base_url=srv.url, api_key=API_KEY)
    got = await api.rows("audit", limit=23, offset=5, page_size=10)
    assert [r.id for r in got] == [r["id"] for r in table[5:28]]
    assert srv.offsets() == [(5, 10), (15, 10), (25, 3)]


async def test_a_repeat_on_the_last_page_asks_for_the_rows_still_missing(
    make_api: Any, servers: List[PageServer]
) -> None:
    """The last page asks for fewer rows than ``page_size``; when one of them is a repeat
    (a row inserted at the head meanwhile), the pager asks again for the one missing."""
    table = _rows(30)

    def answer(path: str, p: Dict[str, str]) -> Answer:
        off, lim = int(p["offset"]), int(p["limit"])
        if off == 10 and len(table) == 30:
            table.insert(0, {"id": "inserted", "contract_id": CID})
        return _json(table[off : off + lim])

    srv = PageServer(answer)
    servers.append(srv)
    api = make_api(base_url=srv.url, api_key=API_KEY)
    got = await api.rows("audit", limit=13, page_size=10)
    assert [r.id for r in got] == [f"row-{i:05d}" for i in range(13)]
    assert srv.offsets() == [(0, 10), (10, 3), (13, 1)]


async def test_rows_without_an_id_are_all_kept(make_api: Any, servers: List[PageServer]) -> None:
    """Only an id says two rows are one: rows with an empty or missing id are not merged."""
    page = [{"id": "", "contract_id": CID}, {"id": "", "contract_id": CID}, {"contract_id": CID}]
    srv = PageServer(lambda path, p: _json(page if p["offset"] == "0" else []))
    servers.append(srv)
    api = make_api(base_url=srv.url, api_key=API_KEY)
    assert len(await api.rows("quarantine", page_size=3)) == 3


async def test_an_empty_page_ends_the_listing(make_api: Any, servers: List[PageServer]) -> None:
    srv = _table_server([])
    servers.append(srv)
    api = make_api(base_url=srv.url, api_key=API_KEY)
    assert await api.rows("audit") == []
    assert await api.audit(limit=7) == []
    assert srv.offsets() == [(0, 100), (0, 7)]


async def test_a_limit_of_zero_sends_nothing(make_api: Any, servers: List[PageServer]) -> None:
    srv = _table_server(_rows(5))
    servers.append(srv)
    api = make_api(base_url=srv.url, api_key=API_KEY)
    assert await api.audit(limit=0) == []
    assert await api.quarantine(CID, 0) == []
    assert await api.rows("audit", limit=0) == []
    assert srv.pages == []


async def test_the_list_call_without_a_limit_reads_every_row_in_the_largest_pages(
    make_api: Any, servers: List[PageServer]
) -> None:
    table = _rows(MAX_PAGE_SIZE + 100)
    srv = _table_server(table)
    servers.append(srv)
    api = make_api(base_url=srv.url, api_key=API_KEY)
    got = await api.audit(limit=None)
    assert [r.id for r in got] == [r["id"] for r in table]
    assert srv.offsets() == [(0, MAX_PAGE_SIZE), (MAX_PAGE_SIZE, MAX_PAGE_SIZE)]


@pytest.mark.parametrize(
    "kwargs, named",
    [
        ({"limit": True}, "limit"),
        ({"limit": -1}, "limit"),
        ({"limit": 2.0}, "limit"),
        ({"limit": "10"}, "limit"),
        ({"offset": True}, "offset"),
        ({"offset": -1}, "offset"),
        ({"offset": 1.0}, "offset"),
        ({"page_size": True}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": MAX_PAGE_SIZE + 1}, "page_size"),
        ({"page_size": 10.0}, "page_size"),
    ],
)
async def test_a_bad_paging_argument_is_refused_before_any_request(
    make_api: Any, servers: List[PageServer], kwargs: Dict[str, Any], named: str
) -> None:
    """``True`` is not a row count (it used to mean 1), nor is any non-int."""
    srv = _table_server(_rows(5))
    servers.append(srv)
    api = make_api(base_url=srv.url, api_key=API_KEY)
    for route in ("audit", "quarantine"):
        with pytest.raises(ValueError) as ei:
            getattr(api.client, f"iter_{route}")(**kwargs)
        assert named in str(ei.value) and repr(next(iter(kwargs.values()))) in str(ei.value)
    if "page_size" not in kwargs:
        with pytest.raises(ValueError, match=named):
            await api.audit(**kwargs)
    assert srv.pages == []


def test_a_cursor_yields_each_row_once_across_a_window_of_repeats() -> None:
    """The pure cursor: a run of exactly ``DEDUPE_WINDOW`` repeated rows is an overlap,
    one more row is a server that does not page."""

    class Row:
        def __init__(self, rid: Optional[str]) -> None:
            self.id = rid

    cur = PageCursor(limit=None, offset=0, page_size=1)
    assert cur.accept([Row("a")], 1) and cur.next_page() == (1, 1)
    for _ in range(DEDUPE_WINDOW):
        assert cur.accept([Row("a")], 1) == []
    assert cur.accept([Row(None)], 1)  # a row without an id is new: the run starts over
    for _ in range(DEDUPE_WINDOW):
        assert cur.accept([Row("a")], 1) == []
    with pytest.raises(E.InvalidResponseError):
        cur.accept([Row("a")], 1)
    # the same run ending in a short page is just the end of the list
    cur = PageCursor(limit=None, offset=0, page_size=2)
    assert cur.accept([Row("a"), Row("b")], 2)
    for _ in range(DEDUPE_WINDOW // 2):
        assert cur.accept([Row("a"), Row("b")], 2) == []
    assert cur.accept([Row("a")], 2) == [] and cur.next_page() is None


def test_a_cursor_remembers_a_bounded_number_of_ids() -> None:
    """Memory stays bounded over a long listing: only the latest window of ids is kept
    (a row seen again after more than a window of new rows is yielded again)."""

    class Row:
        def __init__(self, rid: str) -> None:
            self.id = rid

    cur = PageCursor(limit=None, offset=0, page_size=MAX_PAGE_SIZE)
    n = DEDUPE_WINDOW + MAX_PAGE_SIZE
    for start in range(0, n, MAX_PAGE_SIZE):
        page = [Row(f"r{i}") for i in range(start, start + MAX_PAGE_SIZE)]
        assert len(cur.accept(page, MAX_PAGE_SIZE)) == MAX_PAGE_SIZE
    assert len(cur._seen) == len(cur._order) == DEDUPE_WINDOW
    assert cur.accept([Row("r0")], 1) != []  # forgotten
    assert cur.accept([Row(f"r{n - 1}")], 1) == []  # remembered


# ----------------------------------------------------------------------- retries

#: Waits short enough for a test: back-off 0.02..0.04 s first; hints up to 0.2 s are waited for.
POLICY = RetryPolicy(
    max_retries=2, initial_delay=0.04, max_delay=0.05, max_retry_after=0.2, auth_retry_delay=0.01
)
#: The client logs its delays with two decimals.
LOGGED = 0.005


def _hint_api(make_api: Any, gw: Any, **kwargs: Any) -> Any:
    return make_api(base_url=gw.base_url, api_key=gw.api_key, retry_policy=POLICY, **kwargs)


@pytest.mark.parametrize(
    "headers, body, low, high",
    [
        ({"Retry-After": "0.15"}, None, 0.15, 0.15 * 1.1 + 0.005),  # fractional
        ({"Retry-After": "0.2"}, None, 0.2, 0.2 * 1.1 + 0.005),  # exactly max_retry_after
        ({"Retry-After": "-3"}, None, 0.0, 0.005),  # negative: now
        ({}, {"error": "rate_limit_exceeded", "retry_after_ms": 0}, 0.0, 0.005),
        ({}, {"error": "rate_limit_exceeded", "retry_after_ms": 120}, 0.12, 0.12 * 1.1 + 0.005),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, None, 0.0, 0.005),  # past: now
        # no usable hint: back-off (0.04 s, with equal jitter)
        ({"Retry-After": "nan"}, None, 0.02, 0.04),
        ({}, None, 0.02, 0.04),
    ],
    ids=["fraction", "at-the-cap", "negative", "zero-ms", "ms", "http-date", "nan", "none"],
)
async def test_a_429_wait_hint_is_waited_for_then_the_call_succeeds(
    make_api: Any,
    gw: Any,
    caplog: pytest.LogCaptureFixture,
    headers: Dict[str, str],
    body: Any,
    low: float,
    high: float,
) -> None:
    gw.faults.fail_next(1, status=429, body=body, headers=headers, path_prefix="/health")
    api = _hint_api(make_api, gw)
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        health = await api.health()
    assert health.status == "ok"
    (delay,) = retry_delays(caplog)
    assert low - LOGGED <= delay <= high + LOGGED
    assert gw.faults.pending() == []


@pytest.mark.parametrize(
    "headers, body, hint",
    [
        ({"Retry-After": "0.21"}, None, 0.21),
        ({}, {"error": "rate_limit_exceeded", "retry_after_ms": 201}, 0.201),
        ({"Retry-After": "1e400"}, None, 86_400.0),
    ],
    ids=["seconds", "ms", "infinite"],
)
async def test_a_429_hint_over_the_cap_is_raised_without_waiting(
    make_api: Any,
    gw: Any,
    caplog: pytest.LogCaptureFixture,
    headers: Dict[str, str],
    body: Any,
    hint: float,
) -> None:
    gw.faults.fail_next(3, status=429, body=body, headers=headers, path_prefix="/health")
    api = _hint_api(make_api, gw)
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        with pytest.raises(E.RateLimitError) as ei:
            await api.health()
    assert ei.value.retry_after == pytest.approx(hint)
    assert retry_delays(caplog) == []
    assert gw.faults.pending()[0]["remaining"] == 2  # one request only


async def test_429s_are_retried_only_max_retries_times(
    make_api: Any, gw: Any, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"error": "rate_limit_exceeded", "retry_after_ms": 10}
    gw.faults.fail_next(5, status=429, body=body, path_prefix="/health")
    api = _hint_api(make_api, gw)
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        with pytest.raises(E.RateLimitError) as ei:
            await api.health()
    assert ei.value.retry_after == pytest.approx(0.01)
    assert len(retry_delays(caplog)) == 2
    assert gw.faults.pending()[0]["remaining"] == 2  # 3 of the 5 faults were used


async def test_a_plan_limit_429_is_never_retried(make_api: Any, gw: Any) -> None:
    body = {"error": "plan_limit_exceeded", "plan": "free", "limit": 1, "used": 2}
    gw.faults.fail_next(2, status=429, body=body, path_prefix="/health")
    api = _hint_api(make_api, gw)
    with pytest.raises(E.PlanLimitExceededError):
        await api.health()
    assert gw.faults.pending()[0]["remaining"] == 1


async def test_a_401_is_retried_once_after_the_auth_delay_even_with_retries_left(
    make_api: Any, gw: Any, caplog: pytest.LogCaptureFixture
) -> None:
    gw.faults.fail_next(3, status=401, path_prefix="/stats")
    api = make_api(
        base_url=gw.base_url,
        api_key=gw.api_key,
        retry_policy=RetryPolicy(max_retries=5, initial_delay=0.03, auth_retry_delay=0.011),
    )
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        with pytest.raises(E.AuthError):
            await api.stats()
    assert retry_delays(caplog) == [0.01]  # logged with 2 decimals: the auth delay, once
    assert gw.faults.pending()[0]["remaining"] == 1


@pytest.mark.parametrize("status", [408, 502, 503])
async def test_an_ambiguous_failure_of_a_read_is_retried_with_growing_back_off(
    make_api: Any, gw: Any, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    gw.faults.fail_next(2, status=status, path_prefix="/health")
    api = make_api(
        base_url=gw.base_url,
        api_key=gw.api_key,
        retry_policy=RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=1.0, jitter=False),
    )
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        assert (await api.health()).status == "ok"
    assert retry_delays(caplog) == [0.01, 0.02]


async def test_an_unreadable_success_of_a_keyed_ingest_waits_the_keyed_minimum(
    make_api: Any, gw: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A 200 whose body is not JSON may have been processed: the batch is resent with its
    key, after at least ``keyed_min_delay`` (not the shorter back-off)."""
    cid = str(gw.contract_id("user_events"))
    gw.faults.fail_next(1, status=200, body='{"total": 1, "resu', path_prefix="/v1/ingest")
    api = make_api(
        base_url=gw.base_url,
        api_key=gw.api_key,
        retry_policy=RetryPolicy(initial_delay=0.01, max_delay=0.02, keyed_min_delay=0.25),
    )
    event = {"user_id": "keyed_1", "event_type": "click", "timestamp": 1724252400}
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        res = await api.ingest(cid, [event])
    assert res.total == res.passed == 1
    assert retry_delays(caplog) == [0.25]


async def test_a_redirect_is_followed_without_using_a_retry(
    make_api: Any, gw: Any, servers: List[PageServer]
) -> None:
    """A redirect is not a failure: with ``max_retries=0`` the call still lands."""
    srv = PageServer(lambda path, p: (307, {"location": f"{gw.base_url}{path}"}, b""))
    servers.append(srv)
    api = make_api(base_url=srv.url, max_retries=0)
    assert (await api.health()).status == "ok"
    assert [p for p, _ in srv.pages] == ["/health"]


# ----------------------------------------------------------------------- deadlines


def test_an_attempt_deadline_is_this_threads_and_restored_after_the_block() -> None:
    """Nested deadlines restore the outer one; another thread never sees this one."""
    from contractgate._http import deadline

    seen: List[Optional[float]] = []
    with attempt_deadline(100.0):
        outer = deadline._local.until
        with attempt_deadline(None):
            assert deadline._local.until is None
        assert deadline._local.until == outer
        t = threading.Thread(target=lambda: seen.append(getattr(deadline._local, "until", None)))
        t.start()
        t.join()
    assert seen == [None]
    assert getattr(deadline._local, "until", None) is None


def test_an_expired_deadline_stops_the_sync_attempt_before_connecting(
    servers: List[PageServer], caplog: pytest.LogCaptureFixture
) -> None:
    """A deadline already over when the socket is opened is a connect timeout: the request
    never left, so it is retried (even for a write) and the server never sees it."""
    from contractgate.client import Client

    srv = PageServer(lambda path, p: _json({"status": "ok"}))
    servers.append(srv)
    with Client(srv.url, API_KEY, retry_policy=POLICY) as cg:
        with caplog.at_level(logging.DEBUG, logger="contractgate"):
            with pytest.raises(E.ClientTimeoutError) as ei:
                cg.replay(CID, ["q1"], timeout=httpx.Timeout(1e-9))  # an unsafe write
        assert "connecting" in str(ei.value)
        assert len(retry_delays(caplog)) == 2
        assert srv.pages == []
        assert cg.health().status == "ok"  # the next call has its own deadline
    assert [p for p, _ in srv.pages] == ["/health"]
    assert API_KEY not in caplog.text


def test_the_deadline_caps_every_socket_operation_of_a_reused_connection(
    servers: List[PageServer],
) -> None:
    """With a live connection in the pool, the next attempt's socket reads are capped by
    that attempt's deadline (a read past it raises at once, nothing is waited for)."""
    srv = _table_server([])
    servers.append(srv)
    transport = httpx.HTTPTransport()
    assert bound(transport)
    with httpx.Client(transport=transport, base_url=srv.url) as http:
        assert http.get("/audit", params={"offset": 0, "limit": 1}).json() == []
        with attempt_deadline(-1.0):
            with pytest.raises(httpx.TimeoutException) as ei:
                http.get("/audit", params={"offset": 0, "limit": 1})
        assert "total time limit ran out" in str(ei.value)
        assert len(srv.pages) == 1  # the second request never got out
        assert http.get("/audit", params={"offset": 0, "limit": 1}).json() == []


class _Stream(httpcore.NetworkStream):
    """A network stream that records the timeout of every operation (the fault shape of
    an operation that starts after the deadline cannot be produced on a real socket
    without timing)."""

    def __init__(self) -> None:
        self.timeouts: List[Tuple[str, Optional[float]]] = []

    def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
        self.timeouts.append(("read", timeout))
        return b""

    def write(self, buffer: bytes, timeout: Optional[float] = None) -> None:
        self.timeouts.append(("write", timeout))

    def close(self) -> None:
        pass

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> httpcore.NetworkStream:
        self.timeouts.append(("tls", timeout))
        return self

    def get_extra_info(self, info: str) -> Any:
        return f"info:{info}"


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self.stream = _Stream()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: Optional[float] = None,
        local_address: Optional[str] = None,
        socket_options: Optional[Iterable[Any]] = None,
    ) -> httpcore.NetworkStream:
        self.stream.timeouts.append(("connect", timeout))
        return self.stream


def test_every_socket_operation_is_capped_by_the_time_left() -> None:
    backend = _Backend()
    capped = _DeadlineBackend(backend)
    stream = capped.connect_tcp("127.0.0.1", 1, timeout=5.0)  # no deadline: as given
    stream.write(b"x", timeout=None)
    assert backend.stream.timeouts == [("connect", 5.0), ("write", None)]
    with attempt_deadline(100.0):
        stream = capped.connect_tcp("127.0.0.1", 1, timeout=5.0)
        stream.write(b"x", timeout=200.0)
        stream.read(1, timeout=None)
        tls = stream.start_tls(ssl.create_default_context(), "h", timeout=3.0)
        tls.read(1, timeout=300.0)
    assert tls.get_extra_info("socket") == "info:socket"
    steps = backend.stream.timeouts[2:]
    assert [s for s, _ in steps] == ["connect", "write", "read", "tls", "read"]
    assert steps[0][1] == 5.0 and steps[3][1] == 3.0  # shorter than the time left: kept
    for _, left in (steps[1], steps[2], steps[4]):  # longer, or none: the time left
        assert left is not None and 0.0 < left <= 100.0  # capped, whatever the load


@pytest.mark.parametrize(
    "operation, error, phase",
    [
        ("connect", httpcore.ConnectTimeout, "connecting"),
        ("tls", httpcore.ConnectTimeout, "negotiating TLS"),
        ("write", httpcore.WriteTimeout, "sending the request"),
        # a read timeout, never a connect one: the request may have been processed, so
        # an unsafe write must not be resent (only a connect timeout is known unsent)
        ("read", httpcore.ReadTimeout, "waiting for the response"),
    ],
)
def test_an_operation_starting_after_the_deadline_raises_its_phases_timeout(
    operation: str, error: type, phase: str
) -> None:
    backend = _Backend()
    capped = _DeadlineBackend(backend)
    stream = capped.connect_tcp("127.0.0.1", 1)
    calls: Dict[str, Callable[[], Any]] = {
        "connect": lambda: capped.connect_tcp("127.0.0.1", 1, timeout=5.0),
        "tls": lambda: stream.start_tls(ssl.create_default_context(), "h", timeout=5.0),
        "write": lambda: stream.write(b"x", timeout=5.0),
        "read": lambda: stream.read(1, timeout=5.0),
    }
    with attempt_deadline(0.0):
        with pytest.raises(httpcore.TimeoutException) as ei:
            calls[operation]()
    assert type(ei.value) is error
    assert str(ei.value) == f"the attempt's total time limit ran out while {phase}"
    assert backend.stream.timeouts == [("connect", None)]  # nothing reached the stream


@pytest.mark.parametrize(
    "field, value",
    [
        ("max_retries", True), ("max_retries", -1), ("max_retries", 1.0),
        ("initial_delay", float("nan")), ("max_delay", float("inf")), ("max_delay", -1.0),
        ("max_retry_after", float("nan")), ("keyed_min_delay", float("inf")),
        ("auth_retry_delay", -0.5), ("initial_delay", True), ("max_delay", "1"),
    ],
)  # fmt: skip
def test_a_retry_policy_takes_finite_delays_and_a_count(field: str, value: Any) -> None:
    """An infinite delay made the sync client raise a raw OverflowError from time.sleep
    and the async one sleep forever; NaN compared false everywhere."""
    with pytest.raises((ValueError, TypeError), match=f"RetryPolicy.{field} must be"):
        RetryPolicy(**{field: value})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 0, -1.0])
def test_a_timeout_is_a_finite_positive_number(value: float) -> None:
    for make in (Client, AsyncClient):
        with pytest.raises(ValueError, match="timeout must be a finite number of seconds > 0"):
            make("http://127.0.0.1:9", timeout=value)
