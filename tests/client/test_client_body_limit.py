"""The response size limit (``max_response_bytes``, issue #15 item 11), against a real
HTTP server on 127.0.0.1 serving a gzip bomb (1 MB on the wire, 1 GiB inflated), a body
announced as 300 MB, an endless chunked body and bodies of exact sizes.

Memory is asserted through bytes: what the server managed to send before the client
hung up, and the peak of memory the client allocated (``tracemalloc``) while it read the
bomb. No wall-clock assertions.
"""

from __future__ import annotations

import asyncio
import collections
import gzip
import http.server
import json
import struct
import threading
import tracemalloc
import zlib
from typing import Any, Callable, Dict, Iterator

import httpx
import pytest
from cg_client_testlib import FAST_RETRY

import contractgate.exceptions as E
from contractgate import AsyncClient, Client
from contractgate._http.request import DEFAULT_MAX_RESPONSE_BYTES

MiB = 1 << 20
SMALL_CAP = 4 * MiB


def _gzip_bomb(mib: int) -> bytes:
    """A valid gzip stream of ``mib`` MiB of zeros, about 1 KB per MiB, built in a blink:
    after a full flush the compressor's state is reset, so every further MiB of zeros
    compresses to the same bytes, and only the trailer (CRC-32, size) is computed."""
    chunk = bytes(MiB)
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush(zlib.Z_FINISH)[:-8]
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    return first + again * (mib - 1) + end + struct.pack("<II", crc, (mib * MiB) & 0xFFFFFFFF)


def _json_of_size(n: int) -> bytes:
    """A ``/health`` answer of exactly ``n`` bytes."""
    head = b'{"status":"ok","pad":"'
    return head + b"x" * (n - len(head) - 2) + b'"}'


class _Server:
    """``http.server`` on 127.0.0.1; the first path segment picks the answer, and the
    bytes each answer managed to send are recorded."""

    def __init__(self, bomb: bytes) -> None:
        self.bomb = bomb
        self.sent: Dict[str, int] = {}
        self.hits: Dict[str, int] = {}
        self.done: Dict[str, threading.Event] = collections.defaultdict(threading.Event)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                scenario = self.path.strip("/").split("/")[0]
                server.hits[scenario] = server.hits.get(scenario, 0) + 1
                try:
                    server.sent[scenario] = getattr(server, "_" + scenario.split("-")[0])(
                        self, scenario
                    )
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    self.close_connection = True
                    server.done[scenario].set()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def _stream(self, h: Any, scenario: str, write: Callable[[bytes], None]) -> int:
        sent = 0
        block = b" " * (64 * 1024)
        try:
            while sent < 300_000_000:
                write(block)
                sent += len(block)
                self.sent[scenario] = sent
        except (BrokenPipeError, ConnectionResetError):
            pass
        return sent

    def _bomb(self, h: Any, scenario: str) -> int:
        self._head(h, {"Content-Encoding": "gzip", "Content-Length": str(len(self.bomb))})
        h.wfile.write(self.bomb)
        return len(self.bomb)

    def _huge(self, h: Any, scenario: str) -> int:
        self._head(h, {"Content-Length": "300000000"})
        return self._stream(h, scenario, h.wfile.write)

    def _endless(self, h: Any, scenario: str) -> int:
        self._head(h, {"Transfer-Encoding": "chunked"})

        def chunk(data: bytes) -> None:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

        return self._stream(h, scenario, chunk)

    def _exact(self, h: Any, scenario: str) -> int:
        # exact-<n> or exact-gz-<n>
        parts = scenario.split("-")
        body = _json_of_size(int(parts[-1]))
        headers = {}
        if parts[1] == "gz":
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        self._head(h, headers)
        h.wfile.write(body)
        return len(body)

    @staticmethod
    def _head(h: Any, headers: Dict[str, str]) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    srv = _Server(_gzip_bomb(1024))
    yield srv
    srv.close()


def _call(kind: str, base_url: str, method: str = "health", **options: Any) -> Any:
    options = {"retry_policy": FAST_RETRY, **options}
    if kind == "sync":
        with Client(base_url, **options) as c:
            return getattr(c, method)()

    async def go() -> Any:
        async with AsyncClient(base_url, **options) as ac:
            return await getattr(ac, method)()

    return asyncio.run(go())


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_bomb_is_what_it_claims() -> None:
    bomb = _gzip_bomb(16)
    assert len(bomb) < 20_000
    assert zlib.decompress(bomb, 31) == bytes(16 * MiB)


def test_a_gzip_bomb_stops_at_the_default_limit_with_bounded_memory(
    kind: str, server: _Server
) -> None:
    """1 MB on the wire that inflates to 1 GiB: before the limit the client held the
    whole inflated body (and several copies: 3.9 GB RSS); now it inflates at most
    ``max_response_bytes`` (128 MiB) and raises."""
    assert len(server.bomb) < 1_100_000
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with pytest.raises(E.InvalidResponseError) as ei:
            _call(kind, f"{server.url}/bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < DEFAULT_MAX_RESPONSE_BYTES + 16 * MiB, f"peak {peak / MiB:.0f} MiB"
    err = ei.value
    assert err.status_code == 200 and not err.transient
    assert f"{DEFAULT_MAX_RESPONSE_BYTES:,} decoded bytes" in str(err)
    assert "max_response_bytes" in str(err)


def test_a_small_limit_bounds_the_bomb_tighter(kind: str, server: _Server) -> None:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with pytest.raises(E.InvalidResponseError, match="4,194,304 decoded bytes"):
            _call(kind, f"{server.url}/bomb", max_response_bytes=SMALL_CAP)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < SMALL_CAP + 8 * MiB, f"peak {peak / MiB:.1f} MiB"


@pytest.mark.parametrize("scenario", ["huge", "endless"])
def test_a_huge_body_is_not_read_past_the_limit(kind: str, server: _Server, scenario: str) -> None:
    """300 MB announced by Content-Length (refused before reading), or an endless chunked
    body (read up to the limit): the server manages to send at most the limit plus what
    the sockets buffer, and the request is not retried."""
    name = f"{scenario}-{kind}"
    with pytest.raises(E.InvalidResponseError) as ei:
        _call(kind, f"{server.url}/{name}", max_response_bytes=SMALL_CAP)
    assert server.done[name].wait(30)  # the server's write failed: the client hung up
    assert server.hits[name] == 1  # not retried: the same answer would come back
    assert server.sent.get(name, 0) < SMALL_CAP + 32 * MiB, server.sent
    assert "max_response_bytes" in str(ei.value)


@pytest.mark.parametrize("encoding", ["plain", "gz"])
def test_a_body_at_the_limit_is_read_and_one_byte_more_is_not(
    kind: str, server: _Server, encoding: str
) -> None:
    cap = 100_000
    health = _call(kind, f"{server.url}/exact-{encoding}-{cap}", max_response_bytes=cap)
    assert health.status == "ok"
    with pytest.raises(E.InvalidResponseError, match="100,000 decoded bytes"):
        _call(kind, f"{server.url}/exact-{encoding}-{cap + 1}", max_response_bytes=cap)


async def test_with_options_raises_the_limit(server: _Server) -> None:
    url = f"{server.url}/exact-plain-200000"
    with Client(url, max_response_bytes=100_000, retry_policy=FAST_RETRY) as c:
        with pytest.raises(E.InvalidResponseError):
            c.health()
        assert c.with_options(max_response_bytes=200_000).health().status == "ok"
    async with AsyncClient(url, max_response_bytes=100_000, retry_policy=FAST_RETRY) as ac:
        with pytest.raises(E.InvalidResponseError):
            await ac.health()
        assert (await ac.with_options(max_response_bytes=200_000).health()).status == "ok"


def test_the_limit_is_checked() -> None:
    for bad, exc in (("1", TypeError), (True, TypeError), (0, ValueError), (1.5, TypeError)):
        with pytest.raises(exc):
            Client("http://127.0.0.1:9", max_response_bytes=bad)


def test_a_response_the_transport_read_itself_is_held_to_the_limit(kind: str) -> None:
    """A caller's own transport may hand back a response it has read already
    (``httpx.MockTransport`` does): the limit still applies to its decoded size."""
    body = json.dumps({"status": "ok", "pad": "x" * 5000}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=gzip.compress(body), headers={
            "content-encoding": "gzip"})  # fmt: skip

    transport = httpx.MockTransport(handler)
    url = "http://127.0.0.1:9"
    assert _call(kind, url, transport=transport).status == "ok"
    with pytest.raises(E.InvalidResponseError, match="max_response_bytes"):
        _call(kind, url, transport=transport, max_response_bytes=len(body) - 1)
