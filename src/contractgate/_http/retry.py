"""The retry and redirect state machine of one logical request (no I/O).

A client drives a :class:`RequestRun` like this::

    run = transport.run(prepared)
    while True:
        req = run.begin()                       # the request to send now (logged)
        try:
            raw = send(req)                     # I/O: returns a RawResponse
        except httpx.HTTPError as exc:
            step = run.on_exception(exc)
        else:
            step = run.on_response(raw)
        if isinstance(step, Done): return step.value
        if isinstance(step, Fail): raise step.error from step.cause
        sleep(step.delay)                       # Retry (or redirect, delay 0)

The run knows the :class:`RetryPolicy` and one function, ``headers_for(url)``, that says
which headers (credentials included or not) a request to that URL may carry; it never
sees the client's configuration otherwise.
"""

from __future__ import annotations

import dataclasses
import random
import time
from dataclasses import dataclass
from typing import Callable, Generic, Mapping, Optional, TypeVar, Union

import httpx

from ..exceptions import (
    ContractGateError,
    HTTPError,
    InvalidResponseError,
    PlanLimitExceededError,
    RateLimitError,
    ServerError,
)
from .logging import logger, redact_headers
from .request import (
    MAX_REDIRECTS,
    SECRET_HEADERS,
    PreparedRequest,
    RawResponse,
    RetryClass,
    RetryPolicy,
    compute_backoff,
)
from .responses import (
    body_over_limit,
    connection_error,
    decode_body,
    error_from_response,
    invalid,
    is_ingest_verdict,
    is_pre_send,
    is_tls_error,
    retry_after_header,
    undecodable,
)

__all__ = ["Done", "Fail", "HeadersFor", "RequestRun", "Retry", "Step"]

T = TypeVar("T")

#: ``headers_for(url)``: the base headers a request to ``url`` may carry (the API key
#: only for the configured origin).
HeadersFor = Callable[[httpx.URL], Mapping[str, str]]


@dataclass(frozen=True)
class Done(Generic[T]):
    value: T


@dataclass(frozen=True)
class Retry:
    delay: float


@dataclass(frozen=True)
class Fail:
    error: BaseException
    cause: Optional[BaseException] = None


Step = Union[Done[T], Retry, Fail]

_REDIRECTS = (301, 302, 303, 307, 308)
#: writes a retry may duplicate: only failures known to come before any write are retried
_UNSAFE = (RetryClass.UNSAFE, RetryClass.REPLAY)


class RequestRun(Generic[T]):
    """Drives one logical request through redirects and retries (no I/O)."""

    def __init__(
        self,
        request: PreparedRequest[T],
        policy: RetryPolicy,
        headers_for: HeadersFor,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._policy = policy
        self._headers_for = headers_for
        self._rng = rng
        self.original = request
        self.request = request
        self.attempt = 0  # retries done so far
        self.redirects = 0
        self._auth_retried = False
        self._started = 0.0

    # -- sending
    def begin(self) -> PreparedRequest[T]:
        self._started = time.monotonic()
        if logger.isEnabledFor(10):  # DEBUG
            r = self.request
            logger.debug(
                "request %s %s params=%s headers=%s body=%d bytes%s%s",
                r.method,
                r.url,
                dict(r.params),
                redact_headers(r.headers),
                len(r.content or b""),
                f" idempotency_key={r.idempotency_key}" if r.idempotency_key else "",
                f" (retry {self.attempt})" if self.attempt else "",
            )
        return self.request

    # -- outcomes
    def on_response(self, resp: RawResponse) -> Step[T]:
        req = self.request
        logger.debug(
            "response %d %s %s in %.1f ms (%d bytes%s)",
            resp.status_code,
            req.method,
            req.path,
            (time.monotonic() - self._started) * 1000.0,
            len(resp.content),
            ", over the limit" if resp.over_limit else "",
        )
        if resp.over_limit:
            key = req.idempotency_key
            return Fail(body_over_limit(resp, req.max_response_bytes, idempotency_key=key))
        if resp.status_code in _REDIRECTS and "location" in resp.headers:
            return self._redirect(resp)
        try:
            return self._interpret(resp)
        except Exception as exc:  # an answer no rule foresaw: still a typed error
            return Fail(undecodable(resp, exc, idempotency_key=req.idempotency_key), exc)

    def on_exception(self, exc: BaseException) -> Step[T]:
        err = connection_error(exc, self.request)
        logger.debug("transport error on %s %s: %s", self.request.method, self.request.path, err)
        if is_tls_error(exc) or isinstance(
            exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.ProxyError)
        ):
            return Fail(err, exc)
        pre = is_pre_send(exc)
        step = self._retry_or_fail(err, ambiguous=not pre, pre_write=pre)
        if isinstance(step, Fail):
            return Fail(err, exc)
        return step

    # -- helpers
    def _interpret(self, resp: RawResponse) -> Step[T]:
        req = self.request
        if 200 <= resp.status_code < 300 or resp.status_code in req.accept:
            try:
                return Done(req.decoder(resp))
            except InvalidResponseError as err:
                if err.idempotency_key is None:  # whatever the decoder found, say which batch
                    err.idempotency_key = req.idempotency_key
                if not 200 <= resp.status_code < 300:
                    if is_ingest_verdict(err.body):  # a verdict, but not one per event sent:
                        return Fail(err)  # what the decoder found is the error, as for a 200
                    # an accepted error status whose body is not the expected shape
                    error = error_from_response(resp, idempotency_key=req.idempotency_key)
                    return self._on_http_error(error, resp)
                if not err.transient:
                    return Fail(err)
                return self._retry_or_fail(err, ambiguous=True, pre_write=False)
            except ContractGateError as exc:
                return Fail(exc)
        error = error_from_response(resp, idempotency_key=req.idempotency_key)
        return self._on_http_error(error, resp)

    def _on_http_error(self, err: HTTPError, resp: RawResponse) -> Step[T]:
        status = resp.status_code
        if isinstance(err, PlanLimitExceededError):
            return Fail(err)
        if isinstance(err, RateLimitError):
            return self._retry_rate_limited(err)
        if status == 401:
            if self._auth_retried or self.attempt >= self._policy.max_retries:
                return Fail(err)
            self._auth_retried = True
            return self._schedule(self._policy.auth_retry_delay, err)
        if status == 408:
            return self._retry_or_fail(err, ambiguous=True, pre_write=False)
        if isinstance(err, ServerError):  # 5xx (600-999 are not: never retried)
            body = err.body
            gateway_json = (
                status == 500
                and isinstance(body, Mapping)
                and isinstance(body.get("error"), str)
                and body.get("status") == 500
            )
            # raised before any write, but on replay (spec §10.3)
            pre_write = gateway_json and self.request.retry_class is not RetryClass.REPLAY
            return self._retry_or_fail(
                err,
                ambiguous=not gateway_json,
                pre_write=pre_write,
                hint=retry_after_header(resp.headers),
            )
        return Fail(err)

    def _retry_rate_limited(self, err: RateLimitError) -> Step[T]:
        if self.attempt >= self._policy.max_retries:
            return Fail(err)
        hint = err.retry_after
        if hint is None:
            delay = compute_backoff(self._policy, self.attempt, self._rng)
        elif hint > self._policy.max_retry_after:
            return Fail(err)
        else:
            delay = hint + (self._rng() * 0.1 * hint if self._policy.jitter else 0.0) + 0.005
        return self._schedule(delay, err)

    def _retry_or_fail(
        self,
        err: BaseException,
        *,
        ambiguous: bool,
        pre_write: bool,
        hint: Optional[float] = None,
    ) -> Step[T]:
        """Retry where the request's class allows, after the backoff, or after a
        proxy's ``Retry-After`` (``hint``) when that is longer and within
        ``max_retry_after`` (a longer one is not waited for: the backoff stands, as
        before, rather than giving up on an error that is retried)."""
        cls = self.request.retry_class
        if self.attempt >= self._policy.max_retries:
            return Fail(err)
        if cls in _UNSAFE and not pre_write:
            return Fail(err)
        delay = compute_backoff(self._policy, self.attempt, self._rng)
        if hint is not None and delay < hint <= self._policy.max_retry_after:
            delay = hint + (self._rng() * 0.1 * hint if self._policy.jitter else 0.0)
        if cls is RetryClass.KEYED and ambiguous:
            delay = max(delay, self._policy.keyed_min_delay)
        return self._schedule(delay, err)

    def _schedule(self, delay: float, err: BaseException) -> Retry:
        self.attempt += 1
        logger.debug(
            "retrying %s %s in %.2f s (retry %d of %d) after: %s",
            self.request.method,
            self.request.path,
            delay,
            self.attempt,
            self._policy.max_retries,
            err,
        )
        return Retry(delay)

    def _redirect(self, resp: RawResponse) -> Step[T]:
        req = self.request
        if self.redirects >= MAX_REDIRECTS:
            return Fail(
                HTTPError(
                    f"too many redirects (more than {MAX_REDIRECTS}) from {req.method} {req.path}",
                    status_code=resp.status_code,
                    body=decode_body(resp.content),
                    headers=resp.headers,
                    method=req.method,
                    url=req.url,
                )
            )
        self.redirects += 1
        try:
            target = httpx.URL(req.url).join(resp.headers["location"])
        except Exception:
            return Fail(invalid(resp, "unusable redirect location"))
        if target.scheme not in ("http", "https"):
            return Fail(invalid(resp, f"redirect to unsupported scheme {target.scheme!r}"))
        method = req.method
        content = req.content
        if resp.status_code == 303 or (resp.status_code in (301, 302) and method == "POST"):
            method, content = "GET", None
        # credentials come from headers_for alone: never copied from the last request
        headers = dict(self._headers_for(target))
        for k, v in req.headers.items():
            lk = k.lower()
            if lk in SECRET_HEADERS:
                continue
            if content is None and lk in ("content-type", "idempotency-key"):
                continue
            headers[k] = v
        # the query is part of the Location; do not re-add the original params
        self.request = dataclasses.replace(
            req, method=method, url=str(target), params=(), headers=headers, content=content
        )
        return Retry(0.0)
