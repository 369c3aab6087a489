"""The socket side: an HTTP/1.1 server with keep-alive, one thread per connection, and
bounds on what a connection may hold.

Bounds (:class:`ServerLimits`):

* at most ``max_connections`` connections are served at once, one thread each; further
  connections wait in the kernel's listen queue (``request_queue_size``) and are
  accepted as served ones close, so a flood of connections costs no threads;
* a connection that sends nothing for ``idle_timeout`` seconds (a new one, or a kept-alive
  one between requests) is closed without an answer;
* a request line and headers must arrive within ``header_timeout`` seconds of their first
  byte, however slowly they trickle; else ``408`` and the connection is closed;
* a body must arrive within the gateway's ``request_timeout`` (its global timeout,
  spec §4.3); else ``408`` and the connection is closed.

Parsing (RFC 9112, as hyper and h11 do it): empty lines before a request line are
skipped; a request line without a version, a header line without a colon or with
whitespace before it, an obs-fold, a field name that is not a token and a control
character in a value are answered ``400``; any method that is a token is routed (the
application answers 404/405). Every such framework-level answer has an empty body.

Framing: conflicting ``Content-Length`` values, a negative or non-numeric one, a chunk
size that is not plain hex, chunk data not followed by CRLF, and a
``Transfer-Encoding`` whose last coding is not ``chunked`` are answered ``400`` (a
coding other than ``chunked`` ``501``), then the connection is closed (RFC 9112 §6.3).
A body over a cap is answered (the application picks the right 413 at the right step)
as soon as that is known, by ``Content-Length`` before any of it is read, then drained
(up to 64 MiB in all) so the connection stays usable; past 64 MiB it is not read
further, and the connection is closed. ``Expect: 100-continue`` is answered when the
body is about to be read: a body over a cap by its ``Content-Length`` is refused
without it, and the connection is then closed.

Fault injection happens here because it needs the socket: ``fail`` answers before any
processing, ``delay`` sleeps first, ``drop`` closes without answering (before or after
processing), ``truncate`` sends half a body and closes.
"""

from __future__ import annotations

import io
import re
import selectors
import socket
import sys
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from ._app import GatewayApp, body_caps
from ._call import MSG_RATE_LIMITED, MSG_UNAUTHORIZED, positive_number, timeout_seconds
from ._faults import Fault
from ._http import BODY_BUFFER, BODY_LAYER, Request
from ._wire import FIELD_CTL, HTTP_TOKEN, Response, dumps, empty, std_error

__all__ = ["GatewayServer", "ServerLimits"]

#: Bodies larger than this are not drained; the connection is closed after the answer.
DRAIN_MAX = 64 * 1024 * 1024

#: RFC 9112 §3: method SP request-target SP version (whose form parse_request checks).
_REQUEST_LINE = re.compile(rf"{HTTP_TOKEN.pattern} [^\x00-\x20\x7f]+ HTTP/\S+")
#: RFC 9112 §7.1: chunk-size (hex digits only), then BWS and extensions, then the line end.
_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]+)[ \t]*(?:;[^\r\n]*)?\r?\n")
#: The longest request line, header line or chunk line read.
_LINE_MAX = 65536

_FAULT_MESSAGES = {
    400: "Invalid request: injected fault",
    401: MSG_UNAUTHORIZED,
    429: MSG_RATE_LIMITED,
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout: injected fault",
}


@dataclass(frozen=True)
class ServerLimits:
    """How much a connection may hold of the server (see the module docstring)."""

    max_connections: int = 64
    idle_timeout: float = 5.0
    header_timeout: float = 10.0

    def __post_init__(self) -> None:
        positive_number("max_connections", self.max_connections)
        for name in ("idle_timeout", "header_timeout"):
            timeout_seconds(name, getattr(self, name))
        if not isinstance(self.max_connections, int):
            raise ValueError(f"max_connections must be an integer, got {self.max_connections!r}")


class _BodyGone(Exception):
    """The client went away while we read the body."""


class _TooLong(Exception):
    """A body past :data:`DRAIN_MAX`: not read further; the connection is closed."""


class _BadFraming(Exception):
    """The request's body framing cannot be trusted: answer ``status`` and close."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _TimedReader(io.RawIOBase):
    """A connection's read side: every ``recv`` waits at most until ``deadline``
    (monotonic seconds), so a slowly trickling peer cannot stretch a read forever."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock
        self.deadline: Optional[float] = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            self._sock.settimeout(left)
        return self._sock.recv_into(buffer)


def fault_response(fault: Fault) -> Response:
    headers = [(k.lower(), v) for k, v in fault.headers.items()]
    body = fault.body
    if isinstance(body, (dict, list)):
        return Response(fault.status, dumps(body), "application/json", headers)
    if isinstance(body, str):
        return Response(fault.status, body.encode("utf-8"), "text/plain; charset=utf-8", headers)
    if fault.status in (404, 405, 408) or fault.status < 200:
        return empty(fault.status, headers)
    try:
        phrase = HTTPStatus(fault.status).phrase
    except ValueError:
        phrase = "Injected fault"
    resp = std_error(fault.status, _FAULT_MESSAGES.get(fault.status, phrase))
    resp.headers.extend(headers)
    return resp


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "contractgate-local-gateway"
    timeout = None  # reads are bounded by _TimedReader's deadlines, writes by _writable()
    server: GatewayServer
    _continue = False  # a "100 Continue" is owed before the body is read
    _rest: Optional[Iterator[bytes]] = None  # what is left of a body answered unread

    # -- connection bookkeeping -------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self._reader = _TimedReader(self.connection)
        self._buffered = io.BufferedReader(self._reader, 1 << 16)
        self.rfile = self._buffered
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _writable(self) -> None:
        """Bound the next writes: a peer that stops reading holds the thread at most
        the request timeout."""
        self.connection.settimeout(self.server.app.config.request_timeout)

    def send_error(
        self, code: int, message: Optional[str] = None, explain: Optional[str] = None
    ) -> None:
        """The base class's parse errors (400, 431, 505) and ours: an empty body, as
        hyper answers them (spec §2.3), never an HTML page."""
        self._send_bare(code)

    def handle_expect_100(self) -> bool:
        """Deferred: ``100 Continue`` is sent when the body is about to be read."""
        return True

    # -- one request --------------------------------------------------------------------

    def handle_one_request(self) -> None:
        limits = self.server.limits
        reader = self._reader
        self._continue = False
        self._rest = None
        reader.deadline = time.monotonic() + limits.idle_timeout
        try:
            first = self._buffered.peek(1)[:1]
            while first in (b"\r", b"\n"):  # empty lines before a request (RFC 9112 §2.2)
                self._buffered.read(1)
                first = self._buffered.peek(1)[:1]
        except OSError:  # idle for too long (socket.timeout), or reset
            first = b""
        if not first:  # the peer closed the connection, or stayed idle
            self.close_connection = True
            return
        reader.deadline = time.monotonic() + limits.header_timeout
        try:
            self.raw_requestline = self.rfile.readline(_LINE_MAX + 1)
            if len(self.raw_requestline) > _LINE_MAX:
                self.requestline = self.request_version = self.command = ""
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.parse_request() or not self._head_is_valid():  # answered
                return
        except socket.timeout:
            self._send_bare(408)  # the head trickled in too slowly
            return
        reader.deadline = time.monotonic() + self.server.app.config.request_timeout
        self._dispatch()
        self._discard_rest()

    def _head_is_valid(self) -> bool:
        """Check what ``parse_request`` lets through but HTTP/1.1 forbids (answering 400):
        a request line other than method, target and version split by single spaces
        (HTTP/0.9 has no version; a method must be a token, a target has no space or
        control character), and header lines the parser skipped or kept malformed (no
        colon, whitespace before it, obs-fold, a name that is not a token, a control
        character in a value). Then settle persistence from every ``Connection``
        option and note ``Expect``."""
        head = self.headers
        if (
            not _REQUEST_LINE.fullmatch(self.requestline)
            or head.defects
            or head.get_payload()  # lines after one that is not a field
            or head.get_unixfrom() is not None  # a first line "From ...", as in a mailbox
            or any(not HTTP_TOKEN.fullmatch(k) or FIELD_CTL.search(v) for k, v in head.items())
        ):
            self.send_error(HTTPStatus.BAD_REQUEST)
            return False
        # the target as sent: parse_request collapses a leading "//" (spec §0)
        self.path = self.requestline.split(" ")[1]
        options = self._tokens("Connection")
        if self._http11():
            self.close_connection = "close" in options
            self._continue = "100-continue" in self._tokens("Expect")
        else:
            self.close_connection = "close" in options or "keep-alive" not in options
        return True

    def _http11(self) -> bool:
        """HTTP/1.1 or later (``parse_request`` checked the version's form)."""
        major, minor = (int(n) for n in self.request_version[5:].split("."))
        return (major, minor) >= (1, 1)

    def _tokens(self, name: str) -> List[str]:
        """The comma-separated options of every ``name`` field, trimmed, lower-case."""
        values = self.headers.get_all(name) or []
        return [t.strip(" \t").lower() for v in values for t in v.split(",") if t.strip(" \t")]

    # -- body -------------------------------------------------------------------------

    def _framing(self) -> Tuple[Optional[int], bool]:
        """(Content-Length, chunked) of the request body, or :class:`_BadFraming`."""
        cl_values = self.headers.get_all("Content-Length") or []
        if "Transfer-Encoding" in self.headers:
            codings = self._tokens("Transfer-Encoding")
            if codings != ["chunked"]:
                if not codings or codings[-1] != "chunked" or codings.count("chunked") > 1:
                    raise _BadFraming(400)
                raise _BadFraming(501)  # gzip, deflate, ...: not decoded here
            if cl_values:
                self.close_connection = True  # chunked wins; do not trust what follows
            return None, True
        if not cl_values:
            return None, False
        lengths = {v.strip() for value in cl_values for v in value.split(",")}
        if len(lengths) != 1:
            raise _BadFraming(400)  # conflicting Content-Length values
        (text,) = lengths
        if not (text.isascii() and text.isdigit()):
            raise _BadFraming(400)  # negative, empty or not a number
        return int(text), False

    def _read_body(self, path: str) -> Tuple[bytes, Optional[str]]:
        """The body, or the 413 text when it is over a cap (spec §4.1). Past the cap it
        is not read: what is left of it is kept in ``_rest``, dropped after the answer."""
        layer_cap, buffer_cap = body_caps(path)
        length, chunked = self._framing()
        if chunked:
            self._send_continue()
            return self._read_chunked(buffer_cap)
        if not length:
            return b"", None
        if length > layer_cap and (self._continue or length > DRAIN_MAX):
            self.close_connection = True  # refused unread: it may never be sent
            return b"", BODY_LAYER
        self._send_continue()
        if length > buffer_cap:
            self._rest = self._pieces(length)
            return b"", BODY_LAYER if length > layer_cap else BODY_BUFFER
        return b"".join(self._pieces(length)), None

    def _send_continue(self) -> None:
        """The ``100 Continue`` the client waits for, if it asked (RFC 9110 §10.1.1)."""
        if self._continue:
            self._continue = False
            self._writable()
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _read_chunked(self, cap: int) -> Tuple[bytes, Optional[str]]:
        parts: List[bytes] = []
        total = 0
        chunks = self._chunks()
        try:
            for piece in chunks:
                total += len(piece)
                if total > cap:
                    self._rest = chunks
                    return b"", BODY_BUFFER
                parts.append(piece)
        except _TooLong:
            return b"", BODY_BUFFER
        return b"".join(parts), None

    def _chunks(self) -> Iterator[bytes]:
        """A chunked body's data in pieces, then its trailers are skipped (unused).
        Raises :class:`_BadFraming`, or :class:`_TooLong` (closing the connection)
        rather than read past :data:`DRAIN_MAX` in all."""
        total = 0
        while True:
            line = self.rfile.readline(_LINE_MAX + 1)
            if not line:
                raise _BodyGone("eof in chunk header")
            match = _CHUNK_LINE.fullmatch(line)
            if match is None:
                raise _BadFraming(400)
            size = int(match.group(1), 16)
            if size == 0:
                break
            total += size
            if total > DRAIN_MAX:  # not drained: the rest of the stream cannot be trusted
                self.close_connection = True
                raise _TooLong
            yield from self._pieces(size)
            if b"".join(self._pieces(2)) != b"\r\n":
                raise _BadFraming(400)
        while self.rfile.readline(_LINE_MAX + 1) not in (b"\r\n", b"\n", b""):
            pass

    def _pieces(self, n: int) -> Iterator[bytes]:
        """The next ``n`` bytes of the body, in pieces of at most 64 KiB."""
        while n > 0:
            piece = self.rfile.read(min(n, 1 << 16))
            if not piece:
                raise _BodyGone("short read")
            n -= len(piece)
            yield piece

    def _discard_rest(self) -> None:
        """Read and drop what is left of a body answered unread, so the connection can
        serve the next request; close it if that fails."""
        rest, self._rest = self._rest, None
        if rest is None:
            return
        try:
            for _ in rest:
                pass
        except (_BadFraming, _BodyGone, _TooLong, OSError):
            self.close_connection = True

    # -- dispatch -----------------------------------------------------------------------

    def _dispatch(self) -> None:
        app = self.server.app
        started = time.perf_counter()
        if not self.server.enter():
            self.close_connection = True
            self._send_bare(503)
            return
        try:
            raw_path, _, query = self.path.partition("?")
            if raw_path.startswith(("http://", "https://")):  # absolute-form target
                rest = raw_path.split("//", 1)[1]
                raw_path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
            headers: Dict[str, str] = {}
            for k, v in self.headers.items():
                headers.setdefault(k.lower(), v.strip(" \t"))  # OWS is not the value
            try:
                body, body_error = self._read_body(raw_path)
            except _BadFraming as e:
                self._send_bare(e.status)
                return
            except socket.timeout:
                self._send_bare(408)  # the body trickled in past the request timeout
                return
            except (_BodyGone, OSError):
                self.close_connection = True
                return
            req = Request(
                self.command,
                raw_path,
                query,
                headers,
                body,
                body_error,
                self.client_address[0] if self.client_address else "",
            )
            fault = None if raw_path.startswith("/_admin/") else app.faults.take(raw_path)
            if fault is not None:
                if fault.kind == "delay":
                    limit = app.config.request_timeout
                    if self.server.pause(min(fault.seconds, limit)):
                        self._drop()  # stopping: unprocessed, as a request arriving now
                        return
                    if fault.seconds >= limit:
                        self._send(empty(408), started)
                        return
                elif fault.kind == "fail":
                    self._send(fault_response(fault), started)
                    return
                elif fault.kind == "drop" and not fault.after_processing:
                    self._drop()
                    return
            resp = app.handle(req)
            if fault is not None and fault.kind == "drop":
                self._drop()
                return
            self._send(resp, started, truncate=fault is not None and fault.kind == "truncate")
        finally:
            self.server.leave()

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send_bare(self, status: int) -> None:
        """A framing-level answer (before any routing): empty body, then close."""
        self.close_connection = True
        phrase = HTTPStatus(status).phrase
        head = (
            f"HTTP/1.1 {status} {phrase}\r\ncontent-length: 0\r\nconnection: close\r\n"
            f"date: {formatdate(usegmt=True)}\r\n\r\n"
        )
        try:
            self._writable()
            self.wfile.write(head.encode("latin-1"))
        except OSError:
            return
        if self.server.log_requests:
            sys.stderr.write(f"{self.address_string()} - {status} {phrase}, connection closed\n")

    def _send(self, resp: Response, started: float, truncate: bool = False) -> None:
        body = resp.body
        try:
            reason = HTTPStatus(resp.status).phrase
        except ValueError:
            reason = ""
        lines = [f"HTTP/1.1 {resp.status} {reason}"]
        extra = [(k.lower(), v) for k, v in resp.headers]
        if resp.content_type and not any(k == "content-type" for k, _ in extra):
            lines.append(f"content-type: {resp.content_type}")
        lines.append(f"content-length: {len(body)}")
        lines.extend(f"{k}: {v}" for k, v in extra if k not in ("content-length", "connection"))
        lines.append(f"date: {formatdate(usegmt=True)}")
        if truncate:
            self.close_connection = True
        if self.close_connection:
            lines.append("connection: close")
        elif not self._http11():  # an HTTP/1.0 peer keeps the connection only if told
            lines.append("connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command == "HEAD":
            payload = head
        elif truncate:
            payload = head + body[: len(body) // 2]
        else:
            payload = head + body
        try:
            self._writable()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return
        if truncate:
            self._drop()
        if self.server.log_requests:
            ms = (time.perf_counter() - started) * 1000.0
            sys.stderr.write(f"{self.command} {self.path} -> {resp.status} ({ms:.1f} ms)\n")


class GatewayServer(HTTPServer):
    """An HTTP server bound to one :class:`GatewayApp`, serving at most
    ``limits.max_connections`` connections at once (one thread each)."""

    allow_reuse_address = True
    request_queue_size = 256  # connections waiting for a thread, in the kernel

    def __init__(
        self,
        address: Tuple[str, int],
        app: GatewayApp,
        log_requests: bool = False,
        limits: Optional[ServerLimits] = None,
    ) -> None:
        self.app = app
        self.log_requests = log_requests
        self.limits = limits or ServerLimits()
        self._slots = threading.BoundedSemaphore(self.limits.max_connections)
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self._conns: Set[socket.socket] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._active = 0
        if ":" in address[0]:  # an IPv6 address (as base_url brackets it)
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    # -- accepting ----------------------------------------------------------------------

    def serve_forever(self, poll_interval: float = 0.05) -> None:
        """Accept connections until :meth:`shutdown`, one thread each, never more than
        ``max_connections`` at once: while every slot is taken, nothing is accepted and
        new connections wait in the listen queue."""
        self._stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ)
                while not self._stopping.is_set():
                    if not self._slots.acquire(timeout=poll_interval):
                        continue
                    if not selector.select(poll_interval) or self._stopping.is_set():
                        self._slots.release()
                        continue
                    self._accept_one()
        finally:
            self._stopped.set()

    def _accept_one(self) -> None:
        """Accept one connection and serve it in a thread (holding an acquired slot)."""
        try:
            conn, addr = self.get_request()
        except OSError:
            self._slots.release()
            return
        thread = threading.Thread(
            target=self._serve_connection,
            args=(conn, addr),
            name=f"contractgate-gateway-conn:{self.server_address[1]}",
            daemon=True,
        )
        try:
            thread.start()
        except RuntimeError:  # no more threads: refuse this one connection
            self.shutdown_request(conn)
            self._slots.release()

    def _serve_connection(self, conn: socket.socket, addr: Any) -> None:
        try:
            self.finish_request(conn, addr)
        except Exception:
            self.handle_error(conn, addr)
        finally:
            self.shutdown_request(conn)
            self._slots.release()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` and wait until it has returned."""
        self._stopping.set()
        self._stopped.wait()

    # -- bookkeeping --------------------------------------------------------------------

    def track(self, conn: socket.socket, opened: bool) -> None:
        with self._lock:
            if opened:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def enter(self) -> bool:
        """Count a request in flight; False once the server is stopping: the request is
        then answered 503 unprocessed (the database may already be closed, and
        :meth:`close_connections` has stopped waiting)."""
        with self._lock:
            if self._stopping.is_set():
                return False
            self._active += 1
            return True

    def pause(self, seconds: float) -> bool:
        """Wait ``seconds`` (an injected delay); True as soon as the server is stopping:
        past :meth:`close_connections`' grace the database is closed, so the delayed
        request must not run."""
        return self._stopping.wait(seconds)

    def leave(self) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0:
                self._idle.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return  # a client going away is not an error worth a traceback
        super().handle_error(request, client_address)

    def close_connections(self, wait: float = 5.0) -> None:
        """Wait (up to ``wait`` s) for requests in flight, then close every open
        keep-alive connection so no handler thread outlives the server."""
        deadline = time.monotonic() + wait
        with self._lock:
            while self._active > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._idle.wait(left)
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
