"""A total deadline for each attempt of the sync client, down to the socket.

httpx's timeouts bound each socket operation: a server that sends one byte of its
response headers every few seconds never trips them. ``AsyncClient`` wraps every attempt
in ``asyncio.wait_for``; a thread cannot be interrupted that way, so the sync
:class:`~contractgate.Client` sends through :func:`deadline_client` instead: httpx's own
transports (proxies included) whose network streams cap every ``connect``/``read``/
``write`` timeout by the time left until the deadline of the attempt running in *this
thread* (:func:`attempt_deadline`). Past the deadline the next socket operation raises
the matching httpcore timeout, which httpx reports as ``ReadTimeout`` & co.

The backend is installed on the connection pool of each ``httpx.HTTPTransport`` (its
``_pool._network_backend``; present in every httpcore since 0.14), found in the client's
``_transport`` and ``_mounts``. If a future httpx moves them, the client still works,
bounded per socket operation only, and :func:`bound` returns False (the dependency tests
say so).
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

__all__ = ["attempt_deadline", "bound", "deadline_client"]

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


def deadline_client(**kwargs: Any) -> httpx.Client:
    """``httpx.Client(**kwargs)`` with httpx's own transports, the environment's proxies
    (``HTTP_PROXY``, ``NO_PROXY``…) read as httpx reads them, each bounded by the attempt
    deadline. (A client given a ``transport=`` skips the environment's proxies.)"""
    http = httpx.Client(**kwargs)
    mounts = getattr(http, "_mounts", {})
    for transport in (getattr(http, "_transport", None), *mounts.values()):
        if transport is not None:
            bound(transport)
    return http
