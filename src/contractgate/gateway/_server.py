"""The socket side: a ``ThreadingHTTPServer`` speaking HTTP/1.1 with keep-alive.

One thread per connection. Request bodies are read here (``Content-Length`` or chunked),
with the gateway's caps: a body over a cap is still drained (up to 64 MiB) so the
connection stays usable, and the application answers the right 413 at the right step.
Fault injection happens here because it needs the socket: ``fail`` answers before any
processing, ``delay`` sleeps first, ``drop`` closes without answering (before or after
processing), ``truncate`` sends half a body and closes.
"""

from __future__ import annotations

import sys
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import SHUT_RDWR, socket
from typing import Any, Dict, List, Optional, Set, Tuple

from ._app import MSG_RATE_LIMITED, MSG_UNAUTHORIZED, GatewayApp, body_caps
from ._faults import Fault
from ._http import BODY_BUFFER, BODY_LAYER, Request
from ._wire import Response, dumps, empty, std_error

__all__ = ["GatewayServer"]

#: Bodies larger than this are not drained; the connection is closed after the answer.
DRAIN_MAX = 64 * 1024 * 1024

_FAULT_MESSAGES = {
    400: "Invalid request: injected fault",
    401: MSG_UNAUTHORIZED,
    429: MSG_RATE_LIMITED,
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout: injected fault",
}


class _BodyGone(Exception):
    """The client went away (or sent garbage framing) while we read the body."""


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
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    server: GatewayServer

    # -- connection bookkeeping -------------------------------------------------------

    def setup(self) -> None:
        super().setup()
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

    # -- methods ------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    # -- body -------------------------------------------------------------------------

    def _read_exact(self, n: int) -> bytes:
        data = self.rfile.read(n)
        if len(data) != n:
            raise _BodyGone("short read")
        return data

    def _read_chunked(self, cap: int) -> Tuple[bytes, Optional[str]]:
        parts: List[bytes] = []
        total = 0
        over = False
        while True:
            line = self.rfile.readline(65537)
            if not line:
                raise _BodyGone("eof in chunk header")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BodyGone("bad chunk size") from None
            if size == 0:
                while True:  # trailers
                    t = self.rfile.readline(65537)
                    if t in (b"\r\n", b"\n", b""):
                        break
                break
            total += size
            if total > DRAIN_MAX:
                raise _BodyGone("chunked body too large to drain")
            data = self._read_exact(size)
            self._read_exact(2)
            if not over:
                if total > cap:
                    over = True
                    parts = []
                else:
                    parts.append(data)
        return b"".join(parts), (BODY_BUFFER if over else None)

    def _read_body(self, path: str) -> Tuple[bytes, Optional[str]]:
        layer_cap, buffer_cap = body_caps(path)
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            return self._read_chunked(buffer_cap)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b"", None
        try:
            n = int(cl.strip())
            if n < 0:
                raise ValueError
        except ValueError:
            raise _BodyGone("bad content-length") from None
        if n > DRAIN_MAX:
            self.close_connection = True
            return b"", BODY_LAYER
        if n > layer_cap:
            self._drain(n)
            return b"", BODY_LAYER
        if n > buffer_cap:
            self._drain(n)
            return b"", BODY_BUFFER
        return self._read_exact(n), None

    def _drain(self, n: int) -> None:
        while n > 0:
            chunk = self.rfile.read(min(n, 1 << 16))
            if not chunk:
                raise _BodyGone("short read while draining")
            n -= len(chunk)

    # -- dispatch -----------------------------------------------------------------------

    def _dispatch(self) -> None:
        app = self.server.app
        started = time.perf_counter()
        self.server.enter()
        try:
            raw_path, _, query = self.path.partition("?")
            if raw_path.startswith(("http://", "https://")):  # absolute-form target
                rest = raw_path.split("//", 1)[1]
                raw_path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
            headers: Dict[str, str] = {}
            for k, v in self.headers.items():
                headers.setdefault(k.lower(), v)
            try:
                body, body_error = self._read_body(raw_path)
            except _BodyGone:
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
                    if fault.seconds >= limit:
                        time.sleep(limit)
                        self._send(empty(408), started)
                        return
                    time.sleep(fault.seconds)
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
            self.connection.shutdown(SHUT_RDWR)
        except OSError:
            pass

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
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command == "HEAD":
            payload = head
        elif truncate:
            payload = head + body[: len(body) // 2]
        else:
            payload = head + body
        try:
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


class GatewayServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one :class:`GatewayApp`."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(
        self, address: Tuple[str, int], app: GatewayApp, log_requests: bool = False
    ) -> None:
        self.app = app
        self.log_requests = log_requests
        self._conns: Set[socket] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._active = 0
        super().__init__(address, _Handler)

    def track(self, conn: socket, opened: bool) -> None:
        with self._lock:
            if opened:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def enter(self) -> None:
        with self._lock:
            self._active += 1

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
                conn.shutdown(SHUT_RDWR)
            except OSError:
                pass
