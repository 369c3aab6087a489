"""The local gateway's HTTP layer at its edges, over raw sockets: malformed request lines
and header fields, methods no route knows, stray empty lines, strict chunk framing,
``Connection`` and ``Expect`` handling, and bodies over a cap answered before they are
read. What a well-kept HTTP/1.1 server (hyper, h11) does where the spec is silent.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Dict, Tuple

import pytest
from test_connection_limits import (
    BODY,
    _chunked,
    _connect,
    _head,
    _read_all,
    _status,
    _trickle,
)

from contractgate.gateway import LocalGateway

Answer = Tuple[int, Dict[str, str], bytes]


def _answer(sock: socket.socket) -> Answer:
    """Read exactly one response (framed by ``content-length``): (status, headers, body).
    Interim ``1xx`` answers are returned as they come."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a whole head: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines)}
    status = int(status_line.split(" ", 2)[1])
    if status < 200:
        assert rest == b"", "an interim answer is read on its own"
        return status, headers, b""
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "closed inside the body"
        rest += chunk
    assert len(rest) == length, f"more than one answer: {rest!r}"
    return status, headers, rest


def _health(sock: socket.socket) -> Answer:
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    return _answer(sock)


def _bare(data: bytes) -> Tuple[int, bytes, bool]:
    """(status, body, closed) of a framing-level answer; asserts its shape: a status
    line, ``content-length: 0``, ``connection: close``, nothing after the head."""
    assert data.startswith(b"HTTP/1.1 "), data[:200]
    head, _, body = data.partition(b"\r\n\r\n")
    lowered = head.lower()
    assert b"\r\ncontent-length: 0\r\n" in lowered and b"\r\nconnection: close" in lowered
    assert b"<html" not in data.lower() and b"server:" not in lowered
    return _status(data), body, True


# ---------------------------------------------------------------------- request lines


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET\r\n\r\n", 400),
        (b"GET /health HTTP/1.x\r\nHost: x\r\n\r\n", 400),
        (b"GET /health HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET /health\r\n\r\n", 400),  # HTTP/0.9: no version, no headers
        (b"GET  /health HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET\t/health HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /he\x00alth HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /health HTTP/1.1 \r\nHost: x\r\n\r\n", 400),
        (b"GET /health HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
        (b"GET /health HTTP/1.1\r\n" + b"X-A: b\r\n" * 101 + b"\r\n", 431),
        (b"GET /health?" + b"a" * 65_530 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ],
    ids=[
        "no-target",
        "bad-version",
        "http2",
        "http09",
        "two-spaces",
        "tab",
        "nul-in-target",
        "trailing-space",
        "long-field",
        "many-fields",
        "long-line",
    ],
)
def test_a_malformed_head_gets_a_status_line_and_an_empty_body(
    gw: LocalGateway, raw: bytes, status: int
) -> None:
    """Framework answers are empty (spec §2.3), never an HTML page, and always start
    with a status line (a bad request line used to get a bare HTML page)."""
    with _connect(gw) as sock:
        sock.sendall(raw)
        data, closed = _read_all(sock)
    got, body, _ = _bare(data)
    assert (got, body, closed) == (status, b"", True)


@pytest.mark.parametrize("method", ["FOO", "TRACE", "PROPFIND", "get"])
def test_a_method_no_route_knows_is_405_on_a_known_path_404_elsewhere(
    gw: LocalGateway, method: str
) -> None:
    """Like axum (spec §0): empty 405 with ``allow`` or empty 404, not a 501 page; the
    connection stays usable."""
    with _connect(gw) as sock:
        sock.sendall(f"{method} /health HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        status, headers, body = _answer(sock)
        assert (status, headers.get("allow"), body) == (405, "GET,HEAD", b"")
        sock.sendall(f"{method} /nowhere HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert _answer(sock)[0::2] == (404, b"")
        assert _health(sock)[0] == 200


def test_a_method_that_is_not_a_token_is_400(gw: LocalGateway) -> None:
    with _connect(gw) as sock:
        sock.sendall(b"G(T /health HTTP/1.1\r\nHost: x\r\n\r\n")
        data, closed = _read_all(sock)
    assert _bare(data)[:2] == (400, b"") and closed


def test_a_double_slash_path_is_not_normalised(gw: LocalGateway) -> None:
    """Spec §0: paths are matched as sent; ``//health`` is not ``/health``."""
    with _connect(gw) as sock:
        sock.sendall(b"GET //health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _answer(sock)[0] == 404


# ---------------------------------------------------------------------- header fields


@pytest.mark.parametrize(
    "line",
    [
        b"bogus",
        b"Content-Length : 2",
        b"Content-Length\t: 2",
        b"X-Folded: a\r\n b",
        b": nameless",
        b"X(Bad): v",
        b"X-Nul: a\x00b",
        b"X-Del: a\x7fb",
        b"X-Cr: a\rb",
        b"From nobody",
    ],
    ids=[
        "no-colon",
        "space-before-colon",
        "tab-before-colon",
        "obs-fold",
        "empty-name",
        "name-not-a-token",
        "nul-in-value",
        "del-in-value",
        "bare-cr",
        "mailbox-from-line",
    ],
)
def test_a_malformed_header_field_is_400_and_closes(fresh_gw: LocalGateway, line: bytes) -> None:
    """RFC 9112 §5: such lines were dropped with every field after them, so the
    ``Content-Length`` that followed was lost and the body read as the next request."""
    head = _head(fresh_gw).replace(b"\r\n\r\n", b"\r\n" + line + b"\r\n")
    with _connect(fresh_gw) as sock:
        sock.sendall(head + f"Content-Length: {len(BODY)}\r\n\r\n".encode() + BODY)
        data, closed = _read_all(sock)
    assert _bare(data)[:2] == (400, b"") and closed, data
    assert data.count(b"HTTP/1.1 ") == 1
    assert fresh_gw.count_rows("audit") == 0


@pytest.mark.parametrize(
    "block",
    [b" Host: x\r\nHost: x", b"From nobody\r\nHost: x", b"Host: x\r\nFrom nobody"],
    ids=["continuation-first", "from-first", "from-last"],
)
def test_a_first_or_last_header_line_that_is_not_a_field_is_400(
    gw: LocalGateway, block: bytes
) -> None:
    """The parser takes such lines for a mailbox's envelope or body and drops them."""
    with _connect(gw) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\n" + block + b"\r\n\r\n")
        data, closed = _read_all(sock)
    assert _bare(data)[:2] == (400, b"") and closed


def test_whitespace_around_a_field_value_is_not_part_of_it(gw: LocalGateway) -> None:
    """RFC 9110 §5.5: optional whitespace around a value is not the value; an API key
    followed by a space is still that key."""
    with _connect(gw) as sock:
        sock.sendall(
            f"GET /stats HTTP/1.1\r\nHost: x\r\nx-api-key: \t{gw.api_key} \t\r\n\r\n".encode()
        )
        assert _answer(sock)[0] == 200


def test_a_field_value_may_hold_tabs_and_latin1(gw: LocalGateway) -> None:
    with _connect(gw) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Note: a\tb \xe9\r\n\r\n")
        assert _answer(sock)[0] == 200


# ---------------------------------------------------------------------- empty lines


def test_empty_lines_before_a_request_are_ignored(fresh_gw: LocalGateway) -> None:
    """RFC 9112 §2.2: a client that ends a body with an extra CRLF (or sends one first)
    gets its next request answered; the connection used to be closed without answer."""
    with _connect(fresh_gw) as sock:
        sock.sendall(b"\r\n\n\r\n")
        assert _health(sock)[0] == 200
        head = _head(fresh_gw, f"Content-Length: {len(BODY)}")
        sock.sendall(head + BODY + b"\r\n")
        assert _answer(sock)[0] == 200
        assert _health(sock)[0] == 200
    assert fresh_gw.count_rows("audit") == 1


def test_empty_lines_do_not_keep_a_connection_open(contracts_dir: Path) -> None:
    """They count as idle time: a CRLF every 20 ms is closed at the idle timeout (0.3 s,
    about 30 bytes), not served forever."""
    with LocalGateway(contracts_dir=contracts_dir, idle_timeout=0.3) as g, _connect(g) as sock:
        sent, closed = _trickle(sock, b"\r\n" * 250)
    assert closed and sent < 150


# ---------------------------------------------------------------------- chunked framing


@pytest.mark.parametrize(
    "size_line",
    [b"0x1e", b"1_e", b" 1e", b"1e" + b";x" * 40_000, b"\xd9\xa1e"],
    ids=["0x-prefix", "underscore", "leading-space", "overlong-line", "arabic-one"],
)
def test_a_chunk_size_that_is_not_plain_hex_is_400(
    fresh_gw: LocalGateway, size_line: bytes
) -> None:
    """Python's ``int(s, 16)`` takes ``0x1e``, ``1_e`` and non-ASCII digits; HTTP does not."""
    body = BODY[:0x1E].ljust(0x1E)
    with _connect(fresh_gw) as sock:
        sock.sendall(
            _head(fresh_gw, "Transfer-Encoding: chunked") + size_line + b"\r\n" + body + b"\r\n"
            b"0\r\n\r\n"
        )
        data, closed = _read_all(sock)
    assert _bare(data)[:2] == (400, b"") and closed, data[:200]
    assert fresh_gw.count_rows("audit") == 0


def test_chunk_data_must_end_with_crlf(fresh_gw: LocalGateway) -> None:
    with _connect(fresh_gw) as sock:
        sock.sendall(
            _head(fresh_gw, "Transfer-Encoding: chunked")
            + f"{len(BODY):x}\r\n".encode()
            + BODY
            + b"XX0\r\n\r\n"
        )
        data, closed = _read_all(sock)
    assert _bare(data)[:2] == (400, b"") and closed
    assert fresh_gw.count_rows("audit") == 0


def test_chunk_extensions_and_whitespace_after_the_size_are_accepted(
    fresh_gw: LocalGateway,
) -> None:
    body = f"{len(BODY):X} \t; name=value;flag\r\n".encode() + BODY + b"\r\n0;last\r\n\r\n"
    with _connect(fresh_gw) as sock:
        sock.sendall(_head(fresh_gw, "Transfer-Encoding: chunked") + body)
        assert _answer(sock)[0] == 200
        assert _health(sock)[0] == 200
    assert fresh_gw.count_rows("audit") == 1


# ---------------------------------------------------------------------- connection


@pytest.mark.parametrize(
    ("version", "value"),
    [("1.1", "close, te"), ("1.1", "TE, Close"), ("1.1", " close "), ("1.0", "keep-alive, close")],
)
def test_connection_close_among_other_options_closes(
    gw: LocalGateway, version: str, value: str
) -> None:
    with _connect(gw) as sock:
        sock.sendall(f"GET /health HTTP/{version}\r\nConnection: {value}\r\n\r\n".encode())
        data, closed = _read_all(sock)
    assert _status(data) == 200 and closed
    assert b"\r\nconnection: close\r\n" in data.lower()


def test_an_http10_keep_alive_is_kept_and_said_so(gw: LocalGateway) -> None:
    """An HTTP/1.0 client keeps a connection only if the answer says ``keep-alive``."""
    with _connect(gw) as sock:
        for _ in range(2):
            sock.sendall(b"GET /health HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
            status, headers, _ = _answer(sock)
            assert (status, headers.get("connection")) == (200, "keep-alive")
        sock.sendall(b"GET /health HTTP/1.0\r\n\r\n")
        data, closed = _read_all(sock)
    assert _status(data) == 200 and closed
    assert b"\r\nconnection: close\r\n" in data.lower()


def test_an_http11_answer_does_not_say_keep_alive(gw: LocalGateway) -> None:
    with _connect(gw) as sock:
        assert "connection" not in _health(sock)[1]


# ---------------------------------------------------------------------- Expect / caps


def test_expect_100_continue_is_answered_when_the_body_is_wanted(fresh_gw: LocalGateway) -> None:
    with _connect(fresh_gw) as sock:
        sock.sendall(_head(fresh_gw, "Expect: 100-continue", f"Content-Length: {len(BODY)}"))
        assert _answer(sock)[0] == 100
        sock.sendall(BODY)
        assert _answer(sock)[0] == 200
        sock.sendall(_head(fresh_gw, "Expect: 100-continue", "Content-Length: 0"))
        assert _answer(sock)[0] == 400  # no body wanted: no 100, straight to the answer
    assert fresh_gw.count_rows("audit") == 1


def test_expect_from_an_http10_client_is_ignored(gw: LocalGateway) -> None:
    """RFC 9110 §10.1.1: an HTTP/1.0 client cannot take a 100; the answer comes alone."""
    head = _head(gw, "Expect: 100-continue", f"Content-Length: {len(BODY)}")
    with _connect(gw) as sock:
        sock.sendall(head.replace(b"HTTP/1.1", b"HTTP/1.0") + BODY)
        data, closed = _read_all(sock)
    assert data.startswith(b"HTTP/1.1 200 ") and closed


def test_expect_100_continue_over_the_cap_is_413_without_waiting(gw: LocalGateway) -> None:
    """A ``Content-Length`` over the cap is refused before the body is asked for; the
    gateway used to say ``100 Continue`` and then wait (and time out) for the body."""
    uid = gw.contract_id("user_events")
    with _connect(gw) as sock:
        sock.sendall(
            _head(gw, "Expect: 100-continue", "Content-Length: 5000000", path=f"/ingest/{uid}")
        )
        status, headers, body = _answer(sock)
        assert (status, body) == (413, b"length limit exceeded")
        assert headers["connection"] == "close"
        assert sock.recv(100) == b""


def test_a_malformed_head_with_expect_gets_no_100(gw: LocalGateway) -> None:
    with _connect(gw) as sock:
        sock.sendall(_head(gw, "Expect: 100-continue", "Content-Length: 2", "X-Nul: \x00"))
        data, closed = _read_all(sock)
    assert _bare(data)[:2] == (400, b"") and closed


def test_a_length_over_the_cap_is_answered_before_the_body_then_drained(
    fresh_gw: LocalGateway,
) -> None:
    """The 413 comes as soon as the head is read; the body is then read and dropped,
    so the connection serves the next request."""
    uid = fresh_gw.contract_id("user_events")
    size = 3_000_000
    with _connect(fresh_gw) as sock:
        sock.sendall(_head(fresh_gw, f"Content-Length: {size}", path=f"/ingest/{uid}"))
        sock.sendall(b" " * 1000)
        status, headers, body = _answer(sock)
        assert (status, body) == (413, b"length limit exceeded")
        assert "connection" not in headers
        sock.sendall(b" " * (size - 1000))
        assert _health(sock)[0] == 200
    assert fresh_gw.count_rows("audit") == 0


def test_a_body_that_stalls_after_its_answer_closes_the_connection(contracts_dir: Path) -> None:
    """The drain after a 413 is bounded by the request timeout (0.5 s); then the
    connection is closed at once, not left to the idle timeout (5 s)."""
    with LocalGateway(contracts_dir=contracts_dir, idle_timeout=5, request_timeout=0.5) as g:
        uid = g.contract_id("user_events")
        with _connect(g) as sock:
            sock.sendall(_head(g, "Content-Length: 3000000", path=f"/ingest/{uid}") + b" " * 10)
            assert _answer(sock)[0] == 413
            sock.settimeout(3)
            assert _read_all(sock) == (b"", True)


def test_a_chunked_body_over_the_cap_is_answered_at_the_cap_then_drained(
    fresh_gw: LocalGateway,
) -> None:
    uid = fresh_gw.contract_id("user_events")
    with _connect(fresh_gw) as sock:
        sock.sendall(_head(fresh_gw, "Transfer-Encoding: chunked", path=f"/v1/ingest/{uid}"))
        sock.sendall(_chunked(b" " * 2_097_153)[:-5])  # the body so far, not its last chunk
        status, _, body = _answer(sock)
        assert (status, body) == (413, b"Failed to buffer the request body: length limit exceeded")
        sock.sendall(_chunked(b" " * 10, trailers=b"X-T: 1\r\n"))
        assert _health(sock)[0] == 200
    assert fresh_gw.count_rows("audit") == 0
