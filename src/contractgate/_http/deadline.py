"""A total deadline for each attempt of the sync client, down to the socket.

httpx's timeouts bound each socket operation: a server that sends one byte of its
response headers every few seconds never trips them. ``AsyncClient`` wraps every attempt
in ``asyncio.wait_for``; a thread cannot be interrupted that way, so the sync
:class:`~contractgate.Client` binds its httpx client instead (:func:`bind_client`): httpx's
own transports (proxies included) whose network streams cap every ``connect``/``read``/
``write`` timeout by the time left until the deadline of the attempt running in *this
thread* (:func:`attempt_deadline`). Past the deadline the next socket operation raises
the matching httpcore timeout, which httpx reports as ``ReadTimeout`` & co.

The backend is installed on the connection pool of each ``httpx.HTTPTransport`` (its
``_pool._network_backend``; present in every httpcore since 0.14), found in the client's
``_transport`` and ``_mounts`` (:func:`bind_client`): of the client the SDK makes, and of
a caller's own ``http_client=`` too (outside an attempt of this SDK the backend changes
nothing). If a future httpx moves them, the client still works, bounded per socket
operation only, and :func:`bound` returns False (the dependency tests say so).

``AsyncClient`` learns where an attempt stood when ``asyncio.wait_for`` ended it from
httpcore's trace events (:class:`SendProgress`): an attempt that never began to send its
request ends in the timeout of the phase it was in (waiting for a connection, connecting),
as the sync client's socket operations do, so both clients retry it alike.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
import typing
from typing import Any, Iterator, Optional

import httpcore
import httpx

__all__ = ["SendProgress", "attempt_deadline", "bind_client", "bound"]

_local = threading.local()


@contextlib.contextmanager
def attempt_deadline(seconds: Optional[float]) -> Iterator[None]:
    """Socket operations of this thread's requests end by ``seconds`` from now (no limit
    when None) while the block runs."""
    previous: Optional[float] = getattr(_local, "until", None)
    _local.until = None if seconds is None else time.monotonic() + seconds
    try:
        yield
    finally:
        _local.until = previous


def _capped(timeout: Optional[float], exc: type[Exception], what: str) -> Optional[float]:
    until: Optional[float] = getattr(_local, "until", None)
    if until is None:
        return timeout
    left = until - time.monotonic()
    if left <= 0:
        raise exc(f"the attempt's total time limit ran out while {what}")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    __slots__ = ("_stream",)

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
        return self._stream.read(
            max_bytes, _capped(timeout, httpcore.ReadTimeout, "waiting for the response")
        )

    def write(self, buffer: bytes, timeout: Optional[float] = None) -> None:
        self._stream.write(
            buffer, _capped(timeout, httpcore.WriteTimeout, "sending the request")
        )

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> httpcore.NetworkStream:
        timeout = _capped(timeout, httpcore.ConnectTimeout, "negotiating TLS")
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: Optional[float] = None,
        local_address: Optional[str] = None,
        socket_options: Optional[typing.Iterable[Any]] = None,
    ) -> httpcore.NetworkStream:
        timeout = _capped(timeout, httpcore.ConnectTimeout, "connecting")
        stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: Optional[float] = None,
        socket_options: Optional[typing.Iterable[Any]] = None,
    ) -> httpcore.NetworkStream:  # pragma: no cover - the SDK speaks TCP
        timeout = _capped(timeout, httpcore.ConnectTimeout, "connecting")
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:  # pragma: no cover - used by httpcore retries
        self._backend.sleep(seconds)


def bound(transport: Any) -> bool:
    """Make the socket operations of ``transport`` (an ``httpx.HTTPTransport``, a proxy's
    included) end by the attempt deadline; False when this httpx/httpcore keeps the
    network backend elsewhere (then only the per-operation timeouts apply)."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, _DeadlineBackend):
        return True
    if not isinstance(backend, httpcore.NetworkBackend):
        return False
    pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]
    return True


def bind_client(http: httpx.Client) -> None:
    """Bound every ``httpx.HTTPTransport`` of ``http`` (``_transport`` and ``_mounts``: the
    environment's proxies included) by the attempt deadline; other transports (a mock, a
    caller's own class) keep their per-operation timeouts only."""
    mounts = getattr(http, "_mounts", {})
    for transport in (getattr(http, "_transport", None), *mounts.values()):
        if transport is not None:
            bound(transport)


class SendProgress:
    """How far one async attempt got, from httpcore's trace events (``trace`` is the
    request's ``trace`` extension), so that the end of its time budget is reported as the
    timeout of its phase: a request that never began to go out is a ``PoolTimeout`` or a
    ``ConnectTimeout`` (never sent: retried even for a write), as the sync client's
    capped socket operations report it; one being sent a ``WriteTimeout``; else a
    ``ReadTimeout``. ``traced`` is False for a transport that is not httpx's own (it
    sends no trace events): then nothing is known, and it is a ``ReadTimeout``."""

    __slots__ = ("_connecting", "_receiving", "_sending", "traced")

    def __init__(self, traced: bool) -> None:
        self.traced = traced
        self._connecting = self._sending = self._receiving = False

    async def trace(self, event: str, info: Any) -> None:
        step, _, when = event.rpartition(".")
        step = step.rpartition(".")[2]
        if when != "started":
            return
        if step in ("connect_tcp", "connect_unix_socket", "start_tls"):
            self._connecting = True
        elif step.startswith("send_request"):
            self._sending = True
        elif step.startswith("receive_response"):
            self._receiving = True

    def timeout(self, message: str, request: httpx.Request) -> httpx.TimeoutException:
        """The exception for an attempt that ran out of time now."""
        kind: type[httpx.TimeoutException] = httpx.ReadTimeout
        if not self.traced or self._receiving:
            pass
        elif self._sending:
            kind = httpx.WriteTimeout
        elif self._connecting:
            kind = httpx.ConnectTimeout
        else:
            kind = httpx.PoolTimeout
        return kind(message, request=request)
