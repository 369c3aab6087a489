"""What one connection may hold of the local gateway, over real sockets: body framing
(conflicting or negative Content-Length, unknown transfer codings), idle connections,
headers or bodies trickled in too slowly, and the bound on connection threads.

No wall-clock assertions: the tests count bytes trickled, steps taken and threads alive.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import httpx
import pytest
from cg_gateway_testlib import GOOD, make_client

from contractgate.gateway import LocalGateway
from contractgate.gateway._server import DRAIN_MAX

CONN_THREAD = "contractgate-gateway-conn"


@pytest.fixture(scope="module")
def tight_gw(contracts_dir: Path) -> Iterator[LocalGateway]:
    """A gateway with short timeouts and four connection threads."""
    with LocalGateway(
        contracts_dir=contracts_dir,
        max_connections=4,
        idle_timeout=0.3,
        header_timeout=0.3,
        request_timeout=0.5,
    ) as g:
        yield g


def _connect(gw: LocalGateway) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", gw.port), timeout=10)
    return sock


def _read_all(sock: socket.socket) -> Tuple[bytes, bool]:
    """Everything the server sends until it closes: (bytes, closed by the server)."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data, True
        except socket.timeout:
            return data, False
        if not chunk:
            return data, True
        data += chunk


def _status(data: bytes) -> int:
    return int(data.split(b" ", 2)[1])


def _trickle(sock: socket.socket, data: bytes) -> Tuple[int, bool]:
    """Send ``data`` a byte every 20 ms until the server answers 408 or closes: (bytes
    sent, closed)."""
    sent = 0
    for byte in data:
        readable, _, _ = select.select([sock], [], [], 0.02)
        if readable:
            answer, closed = _read_all(sock)
            assert answer == b"" or _status(answer) == 408
            return sent, closed
        try:
            sock.sendall(bytes([byte]))
        except OSError:  # reset: the server is gone
            return sent, True
        sent += 1
    return sent, False


def _chunked(body: bytes, trailers: bytes = b"") -> bytes:
    """``body`` as one chunk, then the last chunk (and ``trailers``)."""
    return f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n" + trailers + b"\r\n"


def _head(gw: LocalGateway, *headers: str, path: Optional[str] = None) -> bytes:
    uid = gw.contract_id("user_events")
    lines = [
        f"POST {path or f'/v1/ingest/{uid}'} HTTP/1.1",
        "Host: 127.0.0.1",
        f"x-api-key: {gw.api_key}",
        "Content-Type: application/json",
        *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _conn_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith(CONN_THREAD))


# ---------------------------------------------------------------------------- framing

BODY = json.dumps(GOOD).encode()


@pytest.mark.parametrize(
    "headers",
    [
        (f"Content-Length: {len(BODY)}", "Content-Length: 5"),
        (f"Content-Length: {len(BODY)}, 5",),
        ("Content-Length: -1",),
        ("Content-Length: +5",),
        ("Content-Length: 0x10",),
        ("Content-Length:",),
        ("Transfer-Encoding: gzip",),
        ("Transfer-Encoding: chunked, gzip",),
        ("Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
    ],
    ids=[
        "two-lengths",
        "length-list",
        "negative",
        "plus-sign",
        "hex",
        "empty",
        "gzip-only",
        "chunked-not-last",
        "chunked-twice",
    ],
)
def test_untrustworthy_framing_is_400_and_closes(
    fresh_gw: LocalGateway, headers: Tuple[str, ...]
) -> None:
    with _connect(fresh_gw) as sock:
        sock.sendall(_head(fresh_gw, *headers) + BODY)
        data, closed = _read_all(sock)
    assert _status(data) == 400, data
    assert b"connection: close" in data.lower()
    assert closed
    assert fresh_gw.count_rows("audit") == 0  # nothing was processed


def test_unsupported_transfer_coding_is_501(fresh_gw: LocalGateway) -> None:
    with _connect(fresh_gw) as sock:
        sock.sendall(_head(fresh_gw, "Transfer-Encoding: gzip, chunked") + b"0\r\n\r\n")
        data, closed = _read_all(sock)
    assert _status(data) == 501 and closed


@pytest.mark.parametrize("size", [b"zz", b"+2", b"-0"], ids=["not-hex", "plus", "minus"])
def test_bad_chunk_size_is_400(fresh_gw: LocalGateway, size: bytes) -> None:
    with _connect(fresh_gw) as sock:
        sock.sendall(_head(fresh_gw, "Transfer-Encoding: chunked") + size + b"\r\n{}\r\n0\r\n\r\n")
        data, closed = _read_all(sock)
    assert _status(data) == 400 and closed
    assert fresh_gw.count_rows("audit") == 0


@pytest.mark.parametrize("digit", [b"\xb2", b"\xb9"], ids=["superscript-two", "superscript-one"])
def test_a_length_of_digits_outside_ascii_is_400(fresh_gw: LocalGateway, digit: bytes) -> None:
    """``str.isdigit`` holds for ``²`` (the header is read as Latin-1): not a length."""
    head = _head(fresh_gw).replace(b"\r\n\r\n", b"\r\nContent-Length: " + digit + b"\r\n\r\n")
    with _connect(fresh_gw) as sock:
        sock.sendall(head + BODY)
        data, closed = _read_all(sock)
    assert _status(data) == 400 and closed


def test_a_chunked_body_with_trailers_keeps_the_connection_usable(fresh_gw: LocalGateway) -> None:
    chunked = _chunked(BODY, trailers=b"X-Checksum: 1\r\nX-More: 2\r\n")
    with _connect(fresh_gw) as sock:
        sock.sendall(_head(fresh_gw, "Transfer-Encoding: chunked") + chunked)
        sock.settimeout(10)
        first = sock.recv(65536)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        second = sock.recv(65536)
    assert _status(first) == 200 and b"connection: close" not in first.lower()
    assert _status(second) == 200
    assert fresh_gw.count_rows("audit") == 1


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_beyond_what_is_drained_is_413_and_closes(
    tight_gw: LocalGateway, chunked: bool
) -> None:
    """Over 64 MiB the body is not read to its end: the 413 comes at once, then the
    connection is closed (what follows on it is the rest of that body)."""
    size = DRAIN_MAX + 1
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    start = f"{size:x}\r\n".encode() if chunked else b""
    with _connect(tight_gw) as sock:
        sock.sendall(_head(tight_gw, framing) + start + b"x" * 1000)
        data, closed = _read_all(sock)
    assert data.count(b"HTTP/1.1 ") == 1 and _status(data) == 413, data
    assert b"connection: close" in data.lower() and closed
    assert tight_gw.count_rows("audit") == 0


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_at_the_cap_is_read_one_byte_more_is_413(
    fresh_gw: LocalGateway, chunked: bool
) -> None:
    """``/playground/validate`` buffers at most 1 MiB (axum's default)."""
    for extra, over in ((0, False), (1, True)):
        pad = 1_048_576 + extra - len(b'{"yaml_content":"","event":{}}')
        body = b'{"yaml_content":"' + b" " * pad + b'","event":{}}'
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
        payload = _chunked(body) if chunked else body
        with _connect(fresh_gw) as sock:
            sock.sendall(_head(fresh_gw, framing, path="/playground/validate") + payload)
            sock.settimeout(10)
            data = sock.recv(65536)
        assert (_status(data) == 413) is over, (extra, data[:200])


def test_repeated_identical_lengths_are_one_length(fresh_gw: LocalGateway) -> None:
    n = len(BODY)
    with _connect(fresh_gw) as sock:
        sock.sendall(_head(fresh_gw, f"Content-Length: {n}", f"Content-Length: {n}, {n}") + BODY)
        sock.settimeout(10)
        data = sock.recv(65536)
    assert _status(data) == 200, data
    assert fresh_gw.count_rows("audit") == 1


def test_chunked_with_a_length_is_served_then_closed(fresh_gw: LocalGateway) -> None:
    chunked = _chunked(BODY)
    with _connect(fresh_gw) as sock:
        sock.sendall(_head(fresh_gw, "Transfer-Encoding: chunked", "Content-Length: 3") + chunked)
        data, closed = _read_all(sock)
    assert _status(data) == 200 and closed
    assert b"connection: close" in data.lower()
    assert fresh_gw.count_rows("audit") == 1


# ---------------------------------------------------------------------------- timeouts


def test_idle_connection_is_closed_without_an_answer(tight_gw: LocalGateway) -> None:
    with _connect(tight_gw) as sock:
        data, closed = _read_all(sock)
    assert (data, closed) == (b"", True)


def test_kept_alive_connection_is_closed_once_idle(tight_gw: LocalGateway) -> None:
    with _connect(tight_gw) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        first = sock.recv(65536)
        assert _status(first) == 200 and b"connection: close" not in first.lower()
        rest, closed = _read_all(sock)
    assert (rest, closed) == (b"", True)


def test_stalled_headers_get_408_and_close(tight_gw: LocalGateway) -> None:
    with _connect(tight_gw) as sock:
        sock.sendall(b"POST /v1/ingest/x HTTP/1.1\r\nHost: x\r\nx-api-")
        data, closed = _read_all(sock)
    assert _status(data) == 408 and closed
    assert b"connection: close" in data.lower()


def test_trickled_headers_cannot_hold_the_connection(tight_gw: LocalGateway) -> None:
    """One header byte at a time, each well inside the idle timeout: the server still
    closes the connection once the whole head has taken too long."""
    trickle = b"X-Slow: " + b"a" * 4000
    with _connect(tight_gw) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        sent, closed = _trickle(sock, trickle)
    assert closed
    assert sent < len(trickle)  # the server gave up long before the trickle ended


@pytest.fixture(scope="module")
def patient_gw(contracts_dir: Path) -> Iterator[LocalGateway]:
    """Idle connections may wait 5 s; a head must arrive in 0.3 s, a body in 0.6 s."""
    with LocalGateway(
        contracts_dir=contracts_dir, idle_timeout=5, header_timeout=0.3, request_timeout=0.6
    ) as g:
        yield g


@pytest.mark.parametrize("part", ["head", "body"])
def test_a_trickled_head_or_body_is_cut_at_its_timeout_not_the_idle_one(
    patient_gw: LocalGateway, part: str
) -> None:
    """A byte every 20 ms, well inside the idle timeout: the server closes the
    connection at the head's (about 15 bytes) or the body's timeout (about 30 bytes),
    long before 5 s of trickling (250 bytes)."""
    with _connect(patient_gw) as sock:
        if part == "head":
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            sent, closed = _trickle(sock, b"X-Slow: " + b"a" * 500)
        else:
            sock.sendall(_head(patient_gw, "Content-Length: 600"))
            sent, closed = _trickle(sock, b" " * 600)
    assert closed and sent < 150
    assert patient_gw.count_rows("audit") == 0


def test_a_request_line_over_64_kib_is_414(fresh_gw: LocalGateway) -> None:
    with _connect(fresh_gw) as sock:
        sock.sendall(b"GET /health?" + b"a" * 65_530 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        data, _ = _read_all(sock)
    assert _status(data) == 414


def test_trickled_body_gets_408(tight_gw: LocalGateway) -> None:
    with _connect(tight_gw) as sock:
        sock.sendall(_head(tight_gw, "Content-Length: 100") + b'{"user_id"')
        data, closed = _read_all(sock)
    assert _status(data) == 408 and closed
    assert tight_gw.count_rows("audit") == 0


def test_a_head_sent_in_pieces_within_the_limit_is_served(tight_gw: LocalGateway) -> None:
    head = _head(tight_gw, f"Content-Length: {len(BODY)}")
    with _connect(tight_gw) as sock:
        for i in range(0, len(head), 16):
            sock.sendall(head[i : i + 16])
        sock.sendall(BODY)
        sock.settimeout(10)
        data = sock.recv(65536)
    assert _status(data) == 200, data


# ---------------------------------------------------------------------------- threads


def test_slow_header_flood_is_bounded_in_threads(tight_gw: LocalGateway) -> None:
    """Forty connections trickle headers forever. At most four connection threads ever
    exist (the others wait in the listen queue), every connection is closed by the
    server, and the gateway serves normally afterwards."""
    baseline = threading.active_count()
    socks: List[socket.socket] = []
    for _ in range(40):
        s = _connect(tight_gw)
        s.sendall(b"POST /v1/ingest/x HTTP/1.1\r\nHost: x\r\n")
        s.setblocking(False)
        socks.append(s)
    open_socks = set(socks)
    most_conn_threads = most_threads = 0
    steps = 0
    try:
        while open_socks and steps < 3000:
            steps += 1
            most_conn_threads = max(most_conn_threads, _conn_threads())
            most_threads = max(most_threads, threading.active_count())
            for s in list(open_socks):
                try:
                    if s.recv(65536) == b"":
                        open_socks.discard(s)
                        continue
                except BlockingIOError:
                    pass
                except OSError:  # reset by the server
                    open_socks.discard(s)
                    continue
                try:
                    s.send(b"a")
                except BlockingIOError:
                    pass
                except OSError:
                    open_socks.discard(s)
            time.sleep(0.005)
    finally:
        for s in socks:
            s.close()
    assert not open_socks, f"{len(open_socks)} connections still open after {steps} steps"
    assert 1 <= most_conn_threads <= 4
    assert most_threads <= baseline + 4
    with make_client(tight_gw) as c:
        assert c.get("/health").status_code == 200


def test_connections_beyond_the_bound_wait_and_are_served(tight_gw: LocalGateway) -> None:
    """Twelve clients at once on a four-thread gateway: all are answered."""
    results: List[int] = []
    lock = threading.Lock()

    def call() -> None:
        with httpx.Client(base_url=tight_gw.base_url, timeout=30) as c:
            code = c.get("/health").status_code
        with lock:
            results.append(code)

    threads = [threading.Thread(target=call) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [200] * 12
    assert _conn_threads() <= 4


def test_limits_are_checked(contracts_dir: Path) -> None:
    for bad in ({"max_connections": 0}, {"idle_timeout": -1}, {"header_timeout": 0},
                {"max_connections": 2.5}, {"request_timeout": 0},
                {"idle_timeout": float("inf")}, {"request_timeout": "30"}):  # fmt: skip
        with pytest.raises(ValueError, match=next(iter(bad))):
            LocalGateway(contracts_dir=None, **bad)  # type: ignore[arg-type]
