"""The one transport layer shared by :class:`Client` and :class:`AsyncClient`.

Everything that decides *what* goes over the wire and *what an answer means* lives here,
without doing any I/O: URL and query building, headers and auth, body encoding and
idempotency keys, response decoding into models or typed errors, redirect handling, and
the retry policy with its backoff computation. The two clients only move bytes and sleep,
so they cannot drift on any of it.

A request is a :class:`PreparedRequest`. :meth:`Transport.run` returns a
:class:`RequestRun`, a small state machine a client drives like this::

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
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import http
import ipaddress
import json
import os
import random
import ssl
import time
import uuid
import warnings
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    Deque,
    Dict,
    FrozenSet,
    Generic,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)
from urllib.parse import quote

import httpx

from .._version import __version__
from ..exceptions import (
    AtomicRejectedError,
    ClientTimeoutError,
    ConnectionError,
    ContractGateError,
    DeprecatedVersionError,
    EgressRejectedError,
    HTTPError,
    IdempotencyConflictError,
    InvalidResponseError,
    PartialIngestError,
    PlanLimitExceededError,
    RateLimitError,
    ValidationFailedError,
    status_to_exception,
)
from ..models import (
    AuditEntry,
    BatchAck,
    BatchIngestResponse,
    ContractResponse,
    ContractSummary,
    ContractVersionPointer,
    EgressResponse,
    EnvelopeIngestResponse,
    Health,
    IngestionStats,
    PlaygroundResult,
    QuarantineEntry,
    RateLimitInfo,
    Ready,
    ReplayHistoryEntry,
    ReplayResponse,
    TopLevelReplayOutcome,
    TopLevelReplayResponse,
    Usage,
    VersionResponse,
    VersionSummary,
    merge_batches,
    parse_list,
)
from .chunking import (
    LEGACY_MAX_BODY_BYTES,
    MAX_EVENTS_PER_BATCH,
    PER_EVENT_LIMIT,
    READ_AHEAD_BATCHES,
    READ_AHEAD_BYTES,
    V1_MAX_BODY_BYTES,
    BatchPlan,
    StreamPlanner,
    iter_events,
    plan_batches,
)
from .logging import logger, redact, redact_headers, register_secret

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "Done",
    "Fail",
    "IngestOptions",
    "IngestPlan",
    "PreparedRequest",
    "RawResponse",
    "RequestRun",
    "Retry",
    "RetryClass",
    "RetryPolicy",
    "Transport",
    "compute_backoff",
    "error_from_response",
]

T = TypeVar("T")

USER_AGENT = f"contractgate-python/{__version__}"

#: read ≥ 35 s so the gateway's own 30 s limit answers (408) before the client gives up;
#: connect 10 s (spec §4.3).
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=40.0, write=40.0, pool=10.0)

#: Up to 3 attempts in total. See docs/client.md ("Retries").
DEFAULT_MAX_RETRIES = 2

MAX_REDIRECTS = 5

TimeoutTypes = Union[float, int, httpx.Timeout, None]

_SECRET_HEADERS = ("x-api-key", "authorization", "proxy-authorization", "cookie", "x-org-id")


# ====================================================================== retry policy


class RetryClass(enum.Enum):
    """How safe a request is to resend (spec §9.1)."""

    #: No side effects (GET, playground, dry runs): retry every transient failure.
    SAFE = "safe"
    #: ``/v1/ingest`` with an Idempotency-Key and the same bytes: retry every transient
    #: failure, but wait at least ``RetryPolicy.keyed_min_delay`` after an ambiguous one so
    #: the gateway's asynchronous idempotency store has caught up (spec §5.3).
    KEYED = "keyed"
    #: Writes without deduplication (legacy ``/ingest``, replay): retry only failures
    #: known to happen before any write (connection never made, 429, the gateway's own
    #: JSON 500). Timeouts, dropped connections, 408 and proxy 5xx are not retried.
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class RetryPolicy:
    """Retry and backoff settings (advanced; ``max_retries`` on the client is the usual
    knob). Delays are seconds.

    * ``max_retries``: retries after the first attempt (0 disables retrying);
    * backoff for attempt *n* (0-based) is ``min(max_delay, initial_delay * 2**n)``, with
      "equal jitter" (uniformly between half and all of it) when ``jitter`` is true;
    * a 429 wait hint (``retry_after_ms`` / ``X-RateLimit-Reset``) is honoured as is (plus
      up to 10 % jitter); a hint longer than ``max_retry_after`` is not waited for: the
      :class:`RateLimitError` is raised with ``retry_after`` set;
    * ``keyed_min_delay``: minimum wait before resending an idempotent ingest batch after
      an ambiguous failure (timeout, dropped connection, 408, 5xx);
    * ``auth_retry_delay``: a 401 is retried once after this delay (a database blip
      during key lookup also answers 401, spec §1.2), when ``max_retries`` allows.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: bool = True
    max_retry_after: float = 60.0
    keyed_min_delay: float = 1.0
    auth_retry_delay: float = 0.5

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.initial_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must be >= 0")


def compute_backoff(
    policy: RetryPolicy, attempt: int, rng: Callable[[], float] = random.random
) -> float:
    """Capped exponential backoff with equal jitter for retry number ``attempt`` (0-based)."""
    base = float(min(policy.max_delay, policy.initial_delay * (2.0 ** min(attempt, 32))))
    if not policy.jitter:
        return base
    return base / 2.0 + float(rng()) * (base / 2.0)


# ================================================================ requests, responses


@dataclass(frozen=True)
class RawResponse:
    """A complete HTTP answer, as the clients hand it to the transport."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes
    method: str = "GET"
    url: str = ""

    @property
    def reason(self) -> str:
        try:
            return http.HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    @property
    def path(self) -> str:
        return _path_of(self.url)


def _path_of(url: str) -> str:
    try:
        return httpx.URL(url).raw_path.decode("ascii", "replace")
    except Exception:  # pragma: no cover
        return url


@dataclass(frozen=True)
class PreparedRequest(Generic[T]):
    """One logical request: what to send, how to decode the answer, how to retry."""

    method: str
    url: str
    params: Tuple[Tuple[str, str], ...]
    headers: Mapping[str, str]
    content: Optional[bytes]
    timeout: httpx.Timeout
    retry_class: RetryClass
    decoder: Callable[[RawResponse], T]
    accept: FrozenSet[int] = frozenset()
    idempotency_key: Optional[str] = None
    strip_credentials: bool = False

    def __repr__(self) -> str:  # never show header values
        return (
            f"PreparedRequest(method={self.method!r}, url={self.url!r}, "
            f"params={self.params!r}, headers={redact_headers(self.headers)!r}, "
            f"content={len(self.content or b'')} bytes, retry_class={self.retry_class.value})"
        )

    @property
    def path(self) -> str:
        return _path_of(self.url)


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


# ====================================================================== decoding


def _decode_body(content: bytes) -> Any:
    """The body as v0.1 exposed it: decoded JSON, else the text, else ``""``."""
    if not content:
        return ""
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return redact(content.decode("utf-8", "replace"))


def parse_json(resp: RawResponse) -> Any:
    """Decode a success body or raise :class:`InvalidResponseError`."""
    try:
        return json.loads(resp.content)
    except (ValueError, UnicodeDecodeError) as exc:
        preview = resp.content[:200].decode("utf-8", "replace")
        raise InvalidResponseError(
            redact(
                f"HTTP {resp.status_code} from {resp.method} {resp.path} is not valid JSON "
                f"({exc}); body starts with {preview!r}"
            ),
            status_code=resp.status_code,
            body=_decode_body(resp.content),
            headers=resp.headers,
            method=resp.method,
            url=resp.url,
            transient=True,
        ) from None


def _invalid(resp: RawResponse, what: str) -> InvalidResponseError:
    return InvalidResponseError(
        f"unexpected answer from {resp.method} {resp.path} (HTTP {resp.status_code}): {what}",
        status_code=resp.status_code,
        body=_decode_body(resp.content),
        headers=resp.headers,
        method=resp.method,
        url=resp.url,
    )


def _object(resp: RawResponse) -> Mapping[str, Any]:
    data = parse_json(resp)
    if not isinstance(data, Mapping):
        raise _invalid(resp, f"expected a JSON object, got {type(data).__name__}")
    return data


def _array(resp: RawResponse) -> List[Any]:
    data = parse_json(resp)
    if not isinstance(data, list):
        raise _invalid(resp, f"expected a JSON array, got {type(data).__name__}")
    return data


_EMPTY_BODY_HINTS = {
    404: "no such route (empty body)",
    405: "method not allowed on this route (empty body)",
    408: "the gateway's 30 s request timeout expired (empty body)",
}


def _request_id(headers: Mapping[str, str]) -> Optional[str]:
    for name in ("x-request-id", "fly-request-id", "x-amzn-requestid", "cf-ray"):
        v = headers.get(name)
        if v:
            return v
    return None


def _rate_limit_info(headers: Mapping[str, str]) -> Optional[RateLimitInfo]:
    def num(name: str) -> Optional[int]:
        v = headers.get(name)
        if v is None:
            return None
        try:
            return int(v.strip())
        except ValueError:
            return None

    info = RateLimitInfo(
        limit=num("x-ratelimit-limit"),
        remaining=num("x-ratelimit-remaining"),
        reset=num("x-ratelimit-reset"),
    )
    if info.limit is None and info.remaining is None and info.reset is None:
        return None
    return info


def retry_after_seconds(
    body: Any, headers: Mapping[str, str], now: Optional[float] = None
) -> Optional[float]:
    """The gateway's wait hint: ``retry_after_ms`` in the body, else ``X-RateLimit-Reset``
    (unix seconds), else ``Retry-After`` (seconds) should a proxy add one."""
    if isinstance(body, Mapping):
        ms = body.get("retry_after_ms")
        if isinstance(ms, (int, float)) and not isinstance(ms, bool) and ms >= 0:
            return float(ms) / 1000.0
    reset = headers.get("x-ratelimit-reset")
    if reset is not None:
        try:
            at = float(reset.strip())
        except ValueError:
            pass
        else:
            now = time.time() if now is None else now
            return max(0.0, at - now)
    ra = headers.get("retry-after")
    if ra is not None:
        try:
            return max(0.0, float(ra.strip()))
        except ValueError:
            pass
    return None


def _message(resp: RawResponse, body: Any) -> str:
    msg = ""
    if isinstance(body, Mapping):
        err = body.get("error")
        detail = body.get("detail")
        parts = [p for p in (err, detail) if isinstance(p, str) and p]
        if parts:
            msg = ": ".join(parts)
        else:
            m = body.get("message")
            if isinstance(m, str):
                msg = m
    elif isinstance(body, str) and body.strip():
        text = " ".join(body.split())
        msg = text if len(text) <= 300 else text[:300] + "…"
    if not msg:
        msg = _EMPTY_BODY_HINTS.get(resp.status_code, "empty or unrecognised body")
    reason = f" {resp.reason}" if resp.reason else ""
    return redact(f"{msg} (HTTP {resp.status_code}{reason} from {resp.method} {resp.path})")


def _is_ingest_verdict(body: Any) -> bool:
    return (
        isinstance(body, Mapping) and "error" not in body and isinstance(body.get("results"), list)
    )


def error_from_response(
    resp: RawResponse,
    *,
    idempotency_key: Optional[str] = None,
    index_offset: int = 0,
    now: Optional[float] = None,
) -> HTTPError:
    """The typed error for a non-success answer, decided by status and body shape
    (spec §2.4)."""
    body = _decode_body(resp.content)
    message = _message(resp, body)
    common: Dict[str, Any] = {
        "status_code": resp.status_code,
        "body": body,
        "headers": resp.headers,
        "request_id": _request_id(resp.headers),
        "method": resp.method,
        "url": resp.url,
        "idempotency_key": idempotency_key,
    }
    status = resp.status_code
    err_code = body.get("error") if isinstance(body, Mapping) else None
    if status == 422:
        if err_code == "idempotency_conflict":
            return IdempotencyConflictError(message, **common)
        if isinstance(body, Mapping) and isinstance(err_code, str):
            batch = body.get("batch")
            if isinstance(batch, Mapping):
                parsed = BatchIngestResponse.from_dict(batch, index_offset=index_offset)
                return DeprecatedVersionError(message, result=parsed, **common)
            if isinstance(body.get("results"), list):
                parsed = BatchIngestResponse.from_dict(body, index_offset=index_offset)
                return DeprecatedVersionError(message, result=parsed, **common)
        if _is_ingest_verdict(body):
            assert isinstance(body, Mapping)
            parsed = BatchIngestResponse.from_dict(body, index_offset=index_offset)
            parsed = dataclasses.replace(parsed, status_code=422)
            if parsed.atomic:
                return AtomicRejectedError(
                    redact(
                        f"atomic batch rejected: {parsed.failed} of {parsed.total} event(s) "
                        f"failed, nothing was written (HTTP 422 from {resp.method} {resp.path})"
                    ),
                    result=parsed,
                    **common,
                )
            return ValidationFailedError(message, result=parsed, **common)
    if status == 429:
        if err_code == "plan_limit_exceeded" and isinstance(body, Mapping):
            return PlanLimitExceededError(
                message,
                plan=body.get("plan") if isinstance(body.get("plan"), str) else None,
                limit=body.get("limit") if isinstance(body.get("limit"), int) else None,
                used=body.get("used") if isinstance(body.get("used"), int) else None,
                period=body.get("period") if isinstance(body.get("period"), str) else None,
                upgrade_url=(
                    body.get("upgrade_url") if isinstance(body.get("upgrade_url"), str) else None
                ),
                retry_after=None,
                **common,
            )
        return RateLimitError(
            message, retry_after=retry_after_seconds(body, resp.headers, now), **common
        )
    return status_to_exception(status)(message, **common)


# ============================================================== connection errors


def _is_tls_error(exc: BaseException) -> bool:
    seen = 0
    cur: Optional[BaseException] = exc
    while cur is not None and seen < 10:
        if isinstance(cur, ssl.SSLError):
            return True
        cur = cur.__cause__ or cur.__context__
        seen += 1
    text = str(exc)
    return "CERTIFICATE_VERIFY_FAILED" in text or ("SSL" in text and "certificate" in text)


def attempt_budget(timeout: httpx.Timeout) -> Optional[float]:
    """Seconds one attempt may take in all, or None for no limit.

    httpx's timeouts bound each socket operation, so a server that trickles a byte at a
    time never trips them; the clients also enforce this total (connect + write + read)
    on every attempt and report it as a read timeout."""
    parts = (timeout.connect, timeout.write, timeout.read)
    if any(p is None for p in parts):
        return None
    return float(sum(p for p in parts if p is not None))


def _is_pre_send(exc: BaseException) -> bool:
    """True when the request certainly never reached the server."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def connection_error(exc: BaseException, req: PreparedRequest[Any]) -> ConnectionError:
    """Map an httpx exception to the SDK's :class:`ConnectionError` family."""
    kind = type(exc).__name__
    detail = redact(str(exc)) or "no detail"
    where = f"{req.method} {req.path}"
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connecting",
            httpx.ReadTimeout: "waiting for the response",
            httpx.WriteTimeout: "sending the request",
            httpx.PoolTimeout: "waiting for a free connection",
        }.get(type(exc), "the request")
        return ClientTimeoutError(
            f"client timeout while {phase} ({kind}) on {where}",
            method=req.method,
            url=req.url,
            idempotency_key=req.idempotency_key,
        )
    if _is_tls_error(exc):
        msg = f"TLS error on {where}: {detail}"
    elif isinstance(exc, httpx.ConnectError):
        msg = f"cannot connect for {where}: {detail}"
    elif isinstance(exc, httpx.RemoteProtocolError):
        msg = f"connection dropped before a complete response to {where}: {detail}"
    else:
        msg = f"{kind} on {where}: {detail}"
    return ConnectionError(msg, method=req.method, url=req.url, idempotency_key=req.idempotency_key)


# ================================================================= the state machine


def _origin(url: httpx.URL) -> Tuple[str, str, int]:
    port = url.port or (443 if url.scheme == "https" else 80)
    return (url.scheme, url.host, port)


class RequestRun(Generic[T]):
    """Drives one logical request through redirects and retries (no I/O)."""

    def __init__(
        self,
        transport: Transport,
        request: PreparedRequest[T],
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._t = transport
        self._policy = transport.retry_policy
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

    def _elapsed_ms(self) -> float:
        return (time.monotonic() - self._started) * 1000.0

    # -- outcomes
    def on_response(self, resp: RawResponse) -> Step[T]:
        req = self.request
        logger.debug(
            "response %d %s %s in %.1f ms (%d bytes)",
            resp.status_code,
            req.method,
            req.path,
            self._elapsed_ms(),
            len(resp.content),
        )
        if resp.status_code in (301, 302, 303, 307, 308) and "location" in resp.headers:
            return self._redirect(resp)
        if 200 <= resp.status_code < 300 or resp.status_code in req.accept:
            try:
                return Done(req.decoder(resp))
            except InvalidResponseError as err:
                if not 200 <= resp.status_code < 300:
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

    def on_exception(self, exc: BaseException) -> Step[T]:
        err = connection_error(exc, self.request)
        logger.debug("transport error on %s %s: %s", self.request.method, self.request.path, err)
        if _is_tls_error(exc) or isinstance(
            exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.ProxyError)
        ):
            return Fail(err, exc)
        pre = _is_pre_send(exc)
        step = self._retry_or_fail(err, ambiguous=not pre, pre_write=pre)
        if isinstance(step, Fail):
            return Fail(err, exc)
        return step

    # -- helpers
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
        if status >= 500:
            body = err.body
            gateway_json = (
                status == 500
                and isinstance(body, Mapping)
                and isinstance(body.get("error"), str)
                and body.get("status") == 500
            )
            return self._retry_or_fail(err, ambiguous=not gateway_json, pre_write=gateway_json)
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

    def _retry_or_fail(self, err: BaseException, *, ambiguous: bool, pre_write: bool) -> Step[T]:
        cls = self.request.retry_class
        if self.attempt >= self._policy.max_retries:
            return Fail(err)
        if cls is RetryClass.UNSAFE and not pre_write:
            return Fail(err)
        delay = compute_backoff(self._policy, self.attempt, self._rng)
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
                    body=_decode_body(resp.content),
                    headers=resp.headers,
                    method=req.method,
                    url=req.url,
                )
            )
        self.redirects += 1
        try:
            target = httpx.URL(req.url).join(resp.headers["location"])
        except Exception:
            return Fail(_invalid(resp, "unusable redirect location"))
        if target.scheme not in ("http", "https"):
            return Fail(_invalid(resp, f"redirect to unsupported scheme {target.scheme!r}"))
        method = req.method
        content = req.content
        if resp.status_code == 303 or (resp.status_code in (301, 302) and method == "POST"):
            method, content = "GET", None
        trusted = self._t.is_trusted_origin(target)
        headers = dict(self._t.base_headers(trusted=trusted))
        for k, v in req.headers.items():
            lk = k.lower()
            if lk in _SECRET_HEADERS:
                continue
            if content is None and lk in ("content-type", "idempotency-key"):
                continue
            headers[k] = v
        if not trusted:
            logger.debug(
                "redirect to another origin %s://%s: credentials not forwarded",
                target.scheme,
                target.host,
            )
        # the query is part of the Location; do not re-add the original params
        self.request = dataclasses.replace(
            req,
            method=method,
            url=str(target),
            params=(),
            headers=headers,
            content=content,
            strip_credentials=not trusted,
        )
        return Retry(0.0)


# ======================================================================== transport


def _normalise_timeout(timeout: TimeoutTypes, default: httpx.Timeout) -> httpx.Timeout:
    if timeout is None:
        return default
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        if timeout <= 0:
            raise ValueError("timeout must be > 0")
        return httpx.Timeout(float(timeout))
    raise TypeError("timeout must be a number of seconds or an httpx.Timeout")


def _seg(value: Any, what: str) -> str:
    if isinstance(value, uuid.UUID):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string")
    return quote(value, safe="")


def split_contract_ref(contract_id: str, version: Optional[str]) -> Tuple[str, Optional[str]]:
    """``"<uuid>@1.1.0"`` → (``"<uuid>"``, ``"1.1.0"``); an explicit ``version`` wins (as
    the header beats the path suffix on the gateway); an empty suffix means no pin."""
    if isinstance(contract_id, uuid.UUID):
        contract_id = str(contract_id)
    if not isinstance(contract_id, str) or not contract_id:
        raise ValueError("contract_id must be a non-empty string")
    cid, sep, suffix = contract_id.partition("@")
    if not cid:
        raise ValueError(f"invalid contract_id {contract_id!r}")
    if version is not None:
        if not isinstance(version, str):
            raise TypeError("version must be a string")
        version = version.strip() or None
    pin = version if version is not None else (suffix.strip() or None if sep else None)
    return cid, pin


def _is_loopback(host: str) -> bool:
    if host in ("localhost",) or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Transport:
    """Immutable client configuration plus request builders and decoders."""

    def __init__(
        self,
        *,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        org_id: Optional[str] = None,
        timeout: TimeoutTypes = None,
        max_retries: Optional[int] = None,
        default_headers: Optional[Mapping[str, str]] = None,
        retry_policy: Optional[RetryPolicy] = None,
    ) -> None:
        if base_url is None:
            base_url = os.environ.get("CONTRACTGATE_BASE_URL") or None
        if base_url is None:
            raise ValueError(
                "base_url is required (or set CONTRACTGATE_BASE_URL); the SDK does not "
                "assume a gateway address"
            )
        if api_key is None:
            api_key = os.environ.get("CONTRACTGATE_API_KEY") or None
        url = httpx.URL(str(base_url).strip())
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("base_url must be an absolute http:// or https:// URL")
        if url.query or url.fragment:
            raise ValueError("base_url must not carry a query or fragment")
        self._base = str(url.copy_with(path=url.path.rstrip("/") or "/")).rstrip("/")
        self._base_url = httpx.URL(self._base)
        self._api_key = api_key
        if api_key is not None:
            if not isinstance(api_key, str) or not api_key.strip():
                raise ValueError("api_key must be a non-empty string")
            if any(c in api_key for c in "\r\n"):
                raise ValueError("api_key contains a line break")
            register_secret(api_key)
        self._org_id = org_id
        self._timeout = _normalise_timeout(timeout, DEFAULT_TIMEOUT)
        policy = retry_policy or RetryPolicy()
        if max_retries is not None:
            if not isinstance(max_retries, int) or isinstance(max_retries, bool):
                raise TypeError("max_retries must be an int")
            policy = dataclasses.replace(policy, max_retries=max_retries)
        self._policy = policy
        headers: Dict[str, str] = {}
        for k, v in (default_headers or {}).items():
            headers[str(k)] = str(v)
        lowered = {k.lower() for k in headers}
        if api_key is not None and "authorization" in lowered:
            raise ValueError(
                "do not send an Authorization header together with an API key: the "
                "gateway then ignores x-api-key (spec §1.2)"
            )
        self._default_headers = headers
        if (
            api_key is not None
            and self._base_url.scheme == "http"
            and not _is_loopback(self._base_url.host)
        ):
            warnings.warn(
                "the API key will be sent over plain http:// to a non-loopback host",
                stacklevel=3,
            )

    # ------------------------------------------------------------------ configuration
    @property
    def base_url(self) -> str:
        return self._base

    @property
    def api_key(self) -> Optional[str]:
        return self._api_key

    @property
    def org_id(self) -> Optional[str]:
        return self._org_id

    @property
    def timeout(self) -> httpx.Timeout:
        return self._timeout

    @property
    def max_retries(self) -> int:
        return self._policy.max_retries

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._policy

    @property
    def default_headers(self) -> Mapping[str, str]:
        return dict(self._default_headers)

    def options(self) -> Dict[str, Any]:
        return {
            "base_url": self._base,
            "api_key": self._api_key,
            "org_id": self._org_id,
            "timeout": self._timeout,
            "max_retries": self._policy.max_retries,
            "default_headers": dict(self._default_headers),
            "retry_policy": self._policy,
        }

    def with_changes(self, **changes: Any) -> Transport:
        opts = self.options()
        unknown = set(changes) - set(opts)
        if unknown:
            raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
        if "retry_policy" in changes and "max_retries" not in changes:
            opts.pop("max_retries")
        opts.update(changes)
        return Transport(**opts)

    def describe(self, cls_name: str) -> str:
        key = "None" if self._api_key is None else "'[REDACTED]'"
        return (
            f"{cls_name}(base_url={self._base!r}, api_key={key}, org_id={self._org_id!r}, "
            f"max_retries={self._policy.max_retries})"
        )

    def is_trusted_origin(self, url: httpx.URL) -> bool:
        """Credentials go to the configured origin only (or its https upgrade)."""
        mine = _origin(self._base_url)
        theirs = _origin(url)
        if theirs == mine:
            return True
        return (
            mine[0] == "http"
            and theirs[0] == "https"
            and theirs[1] == mine[1]
            and mine[2] == 80
            and theirs[2] == 443
        )

    def base_headers(self, *, trusted: bool = True) -> Dict[str, str]:
        h: Dict[str, str] = {"Accept": "application/json"}
        h.update(self._default_headers)
        h["User-Agent"] = USER_AGENT
        if trusted:
            if self._api_key is not None:
                h["x-api-key"] = self._api_key
            if self._org_id is not None:
                h["x-org-id"] = str(self._org_id)
        else:
            for k in list(h):
                if k.lower() in _SECRET_HEADERS:
                    del h[k]
        return h

    def run(
        self, request: PreparedRequest[T], rng: Callable[[], float] = random.random
    ) -> RequestRun[T]:
        return RequestRun(self, request, rng)

    # ------------------------------------------------------------------ building
    def build(
        self,
        method: str,
        path: str,
        decoder: Callable[[RawResponse], T],
        *,
        params: Sequence[Tuple[str, Any]] = (),
        json_body: Any = None,
        content: Optional[bytes] = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: TimeoutTypes = None,
        retry_class: RetryClass = RetryClass.SAFE,
        accept: FrozenSet[int] = frozenset(),
        idempotency_key: Optional[str] = None,
    ) -> PreparedRequest[T]:
        h = self.base_headers()
        if json_body is not None:
            content = json.dumps(
                json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode("utf-8")
            content_type = content_type or "application/json"
        if content is not None:
            h["Content-Type"] = content_type or "application/json"
        if idempotency_key is not None:
            h["Idempotency-Key"] = idempotency_key
        if headers:
            h.update(headers)
        ps: List[Tuple[str, str]] = []
        for k, v in params:
            if v is None:
                continue
            if isinstance(v, bool):
                v = "true" if v else "false"
            ps.append((k, str(v)))
        return PreparedRequest(
            method=method,
            url=self._base + path,
            params=tuple(ps),
            headers=h,
            content=content,
            timeout=_normalise_timeout(timeout, self._timeout),
            retry_class=retry_class,
            decoder=decoder,
            accept=accept,
            idempotency_key=idempotency_key,
        )

    # ------------------------------------------------------------------ simple reads
    def health(self, timeout: TimeoutTypes = None) -> PreparedRequest[Health]:
        return self.build("GET", "/health", lambda r: Health.from_dict(_object(r)), timeout=timeout)

    def ready(self, timeout: TimeoutTypes = None) -> PreparedRequest[Ready]:
        def decode(r: RawResponse) -> Ready:
            if r.status_code == 503:
                try:
                    data = _object(r)
                except InvalidResponseError:
                    raise error_from_response(r) from None
                return dataclasses.replace(Ready.from_dict(data), status_code=503)
            return dataclasses.replace(Ready.from_dict(_object(r)), status_code=r.status_code)

        return self.build("GET", "/ready", decode, timeout=timeout, accept=frozenset({503}))

    def stats(self, timeout: TimeoutTypes = None) -> PreparedRequest[IngestionStats]:
        return self.build(
            "GET", "/stats", lambda r: IngestionStats.from_dict(_object(r)), timeout=timeout
        )

    def contract_stats(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[IngestionStats]:
        return self.build(
            "GET",
            f"/ingest/{_seg(contract_id, 'contract_id')}/stats",
            lambda r: IngestionStats.from_dict(_object(r)),
            timeout=timeout,
        )

    def usage(self, timeout: TimeoutTypes = None) -> PreparedRequest[Usage]:
        return self.build("GET", "/usage", lambda r: Usage.from_dict(_object(r)), timeout=timeout)

    def list_contracts(
        self, timeout: TimeoutTypes = None
    ) -> PreparedRequest[List[ContractSummary]]:
        return self.build(
            "GET", "/contracts", lambda r: parse_list(ContractSummary, _array(r)), timeout=timeout
        )

    def get_contract(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[ContractResponse]:
        return self.build(
            "GET",
            f"/contracts/{_seg(contract_id, 'contract_id')}",
            lambda r: ContractResponse.from_dict(_object(r)),
            timeout=timeout,
        )

    def list_versions(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[List[VersionSummary]]:
        return self.build(
            "GET",
            f"/contracts/{_seg(contract_id, 'contract_id')}/versions",
            lambda r: parse_list(VersionSummary, _array(r)),
            timeout=timeout,
        )

    def get_version(
        self, contract_id: str, version: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[VersionResponse]:
        return self.build(
            "GET",
            f"/contracts/{_seg(contract_id, 'contract_id')}/versions/{_seg(version, 'version')}",
            lambda r: VersionResponse.from_dict(_object(r)),
            timeout=timeout,
        )

    def get_latest_stable(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[VersionResponse]:
        return self.build(
            "GET",
            f"/contracts/{_seg(contract_id, 'contract_id')}/versions/latest-stable",
            lambda r: VersionResponse.from_dict(_object(r)),
            timeout=timeout,
        )

    def get_contract_version(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[ContractVersionPointer]:
        return self.build(
            "GET",
            f"/v1/contracts/{_seg(contract_id, 'contract_id')}/version",
            lambda r: ContractVersionPointer.from_dict(_object(r)),
            timeout=timeout,
        )

    def audit_page(
        self, contract_id: Optional[str], offset: int, limit: int, timeout: TimeoutTypes = None
    ) -> PreparedRequest[List[AuditEntry]]:
        return self.build(
            "GET",
            "/audit",
            lambda r: parse_list(AuditEntry, _array(r)),
            params=(("contract_id", contract_id), ("limit", limit), ("offset", offset)),
            timeout=timeout,
        )

    def quarantine_page(
        self, contract_id: Optional[str], offset: int, limit: int, timeout: TimeoutTypes = None
    ) -> PreparedRequest[List[QuarantineEntry]]:
        return self.build(
            "GET",
            "/quarantine",
            lambda r: parse_list(QuarantineEntry, _array(r)),
            params=(("contract_id", contract_id), ("limit", limit), ("offset", offset)),
            timeout=timeout,
        )

    # ------------------------------------------------------------------ validation
    def playground_validate(
        self, yaml_content: str, event: Any, timeout: TimeoutTypes = None
    ) -> PreparedRequest[PlaygroundResult]:
        if not isinstance(yaml_content, str):
            raise TypeError("yaml_content must be a string")
        body = _encode_json({"yaml_content": yaml_content, "event": event})
        return self.build(
            "POST",
            "/playground/validate",
            lambda r: PlaygroundResult.from_dict(_object(r)),
            content=body,
            timeout=timeout,
        )

    def egress(
        self,
        contract_id: str,
        events: Any,
        *,
        version: Optional[str] = None,
        disposition: str = "block",
        dry_run: bool = False,
        timeout: TimeoutTypes = None,
    ) -> PreparedRequest[EgressResponse]:
        cid, pin = split_contract_ref(contract_id, version)
        if not isinstance(disposition, str) or disposition not in ("block", "fail", "tag"):
            raise ValueError("disposition must be 'block', 'fail' or 'tag'")
        encoded = plan_batches(
            events,
            max_events=MAX_EVENTS_PER_BATCH,
            max_body_bytes=LEGACY_MAX_BODY_BYTES,
            per_event_limit=None,
        )
        with encoded:
            if not encoded.batches:
                raise ValueError("egress needs at least one record")
            if len(encoded.batches) > 1:
                raise ValueError(
                    f"egress takes at most {MAX_EVENTS_PER_BATCH} records and "
                    f"{LEGACY_MAX_BODY_BYTES} bytes per call; split the records"
                )
            body = encoded.body(encoded.batches[0])

        def decode(r: RawResponse) -> EgressResponse:
            data = _object(r)
            if "error" in data or not isinstance(data.get("outcomes"), list):
                raise error_from_response(r)
            resp = dataclasses.replace(EgressResponse.from_dict(data), status_code=r.status_code)
            if r.status_code == 422 and resp.disposition == "fail" and resp.failed:
                raise EgressRejectedError(
                    redact(
                        f"egress rejected (disposition=fail): {resp.failed} of {resp.total} "
                        f"record(s) failed (HTTP 422 from {r.method} {r.path})"
                    ),
                    result=resp,
                    status_code=422,
                    body=data,
                    headers=r.headers,
                    method=r.method,
                    url=r.url,
                )
            return resp

        return self.build(
            "POST",
            f"/egress/{_seg(cid, 'contract_id')}",
            decode,
            params=(("disposition", disposition), ("dry_run", True if dry_run else None)),
            content=body,
            headers={"X-Contract-Version": pin} if pin else None,
            timeout=timeout,
            retry_class=RetryClass.SAFE,
            accept=frozenset({422}),
        )

    # ------------------------------------------------------------------ replay
    def replay(
        self,
        contract_id: str,
        ids: Sequence[str],
        target_version: Optional[str] = None,
        timeout: TimeoutTypes = None,
    ) -> PreparedRequest[ReplayResponse]:
        unique = _dedupe_ids(ids, "ids")
        body: Dict[str, Any] = {"ids": unique}
        if target_version is not None:
            body["target_version"] = target_version
        return self.build(
            "POST",
            f"/contracts/{_seg(contract_id, 'contract_id')}/quarantine/replay",
            lambda r: ReplayResponse.from_dict(_object(r)),
            content=_encode_json(body),
            timeout=timeout,
            retry_class=RetryClass.UNSAFE,
        )

    def replay_history(
        self, contract_id: str, quarantine_id: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[List[ReplayHistoryEntry]]:
        return self.build(
            "GET",
            f"/contracts/{_seg(contract_id, 'contract_id')}/quarantine/"
            f"{_seg(quarantine_id, 'quarantine_id')}/replay-history",
            lambda r: parse_list(ReplayHistoryEntry, _array(r)),
            timeout=timeout,
        )

    def replay_events(
        self,
        event_ids: Sequence[str],
        version: Optional[str] = None,
        contract_id: Optional[str] = None,
        timeout: TimeoutTypes = None,
    ) -> PreparedRequest[TopLevelReplayResponse]:
        body: Dict[str, Any] = {"event_ids": _dedupe_ids(event_ids, "event_ids")}
        if version is not None:
            body["version"] = version
        if contract_id is not None:
            body["contract_id"] = contract_id
        return self.build(
            "POST",
            "/quarantine/replay",
            lambda r: TopLevelReplayResponse.from_dict(_object(r)),
            content=_encode_json(body),
            timeout=timeout,
            retry_class=RetryClass.UNSAFE,
        )

    def event_replay_history(
        self, event_id: str, limit: Optional[int] = None, timeout: TimeoutTypes = None
    ) -> PreparedRequest[List[TopLevelReplayOutcome]]:
        return self.build(
            "GET",
            "/quarantine/replay-history",
            lambda r: parse_list(TopLevelReplayOutcome, _array(r)),
            params=(("event_id", event_id), ("limit", limit)),
            timeout=timeout,
        )

    # ------------------------------------------------------------------ ingest
    def ingest_envelope(
        self,
        contract_id: str,
        envelope: Mapping[str, Any],
        *,
        version: Optional[str] = None,
        dry_run: bool = False,
        timeout: TimeoutTypes = None,
    ) -> PreparedRequest[EnvelopeIngestResponse]:
        cid, pin = split_contract_ref(contract_id, version)
        if not isinstance(envelope, Mapping):
            raise TypeError("an envelope is one JSON object wrapping the records")
        encoded = plan_batches(
            [envelope], max_body_bytes=LEGACY_MAX_BODY_BYTES + 2, per_event_limit=None
        )
        with encoded:
            body = encoded.body(encoded.batches[0])[1:-1]  # the object, not an array

        def decode(r: RawResponse) -> EnvelopeIngestResponse:
            data = _object(r)
            if "results" in data and "quarantined" not in data:
                raise _invalid(
                    r,
                    "the contract is not an envelope contract (got a batch answer); use ingest()",
                )
            return EnvelopeIngestResponse.from_dict(data)

        return self.build(
            "POST",
            f"/ingest/{_seg(cid, 'contract_id')}",
            decode,
            params=(("dry_run", True if dry_run else None),),
            content=body,
            headers={"X-Contract-Version": pin} if pin else None,
            timeout=timeout,
            retry_class=RetryClass.SAFE if dry_run else RetryClass.UNSAFE,
        )

    def ingest_options(
        self,
        contract_id: str,
        *,
        version: Optional[str] = None,
        dry_run: bool = False,
        atomic: bool = False,
        idempotency_key: Optional[str] = None,
        timeout: TimeoutTypes = None,
        route: str = "v1",
        max_batch_events: int = MAX_EVENTS_PER_BATCH,
        max_batch_bytes: Optional[int] = None,
    ) -> IngestOptions:
        """Check the arguments of an ingest before any event is read."""
        cid, pin = split_contract_ref(contract_id, version)
        _seg(cid, "contract_id")
        if route not in ("v1", "legacy"):
            raise ValueError("route must be 'v1' or 'legacy'")
        cap = V1_MAX_BODY_BYTES if route == "v1" else LEGACY_MAX_BODY_BYTES
        if max_batch_bytes is not None:
            if not 3 <= max_batch_bytes <= cap:
                raise ValueError(f"max_batch_bytes must be in 3..{cap} on route {route!r}")
            cap = max_batch_bytes
        if not isinstance(max_batch_events, int) or not (
            1 <= max_batch_events <= MAX_EVENTS_PER_BATCH
        ):
            raise ValueError(f"max_batch_events must be in 1..{MAX_EVENTS_PER_BATCH}")
        if idempotency_key is not None:
            if route != "v1":
                raise ValueError("idempotency keys exist only on route='v1'")
            _check_idempotency_key(idempotency_key)
        return IngestOptions(
            contract_id=cid,
            version=pin,
            dry_run=bool(dry_run),
            atomic=bool(atomic),
            idempotency_key=idempotency_key,
            timeout=_normalise_timeout(timeout, self._timeout),
            route=route,
            max_batch_events=max_batch_events,
            max_batch_bytes=cap,
        )

    def start_ingest(self, options: IngestOptions, *, keep_results: bool = True) -> IngestPlan:
        """An empty streaming plan: feed it events with ``add()`` and ``flush()``."""
        return IngestPlan(self, options, keep_results=keep_results)

    def prepare_ingest(self, contract_id: str, events: Any, **kwargs: Any) -> IngestPlan:
        """``ingest_options`` + encode every event of ``events`` into a plan whose
        ``batches`` are all known (used by the benchmark; the clients stream)."""
        options = self.ingest_options(contract_id, **kwargs)
        it = iter_events(events)
        plan = self.start_ingest(options)
        try:
            for event in it:
                plan.add(event)
            plan.flush()
        except BaseException:
            plan.close()
            raise
        return plan


def _encode_json(value: Any) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
            "utf-8"
        )
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(f"body is not JSON-encodable: {exc}") from None


def _dedupe_ids(ids: Sequence[str], what: str) -> List[str]:
    if isinstance(ids, str):
        ids = [ids]
    seen: Dict[str, None] = {}
    for i in ids:
        if isinstance(i, uuid.UUID):
            i = str(i)
        if not isinstance(i, str) or not i:
            raise TypeError(f"{what} must be non-empty strings")
        seen.setdefault(i, None)
    unique = list(seen)
    if not 1 <= len(unique) <= 1000:
        raise ValueError(f"{what}: between 1 and 1000 distinct ids per call, got {len(unique)}")
    return unique


class IngestRefused(ValueError):
    """The input cannot be sent as asked (``atomic=True`` needs a second request, or the
    idempotency key has no room for a batch suffix), found while reading it. A
    ``ValueError``; its own class lets the clients tell it from an exception raised by
    the caller's iterator, which they let through untouched."""


def _check_idempotency_key(key: str) -> None:
    if not isinstance(key, str) or not key:
        raise ValueError("idempotency_key must be a non-empty string")
    if not key.isascii() or any(not (32 < ord(c) < 127) for c in key):
        raise ValueError(
            "idempotency_key must be printable ASCII without spaces (the gateway silently "
            "ignores other keys, which would disable deduplication)"
        )
    if len(key) > 255:
        raise ValueError(
            "idempotency_key is too long: the gateway accepts at most 255 bytes, including "
            "the '#<n>' suffix the SDK adds for batches after the first"
        )


@dataclass(frozen=True)
class IngestOptions:
    """Normalised arguments of one ``ingest`` call."""

    contract_id: str
    version: Optional[str]
    dry_run: bool
    atomic: bool
    idempotency_key: Optional[str] = field(repr=False)
    timeout: httpx.Timeout
    route: str
    max_batch_events: int
    max_batch_bytes: int


class IngestPlan:
    """A streaming ingest: events are encoded when they are read (``add``), and each batch
    is handed out as soon as it is closed, i.e. when the next event does not fit in it or
    the input ends (``flush``). Only batches handed out and not yet turned into a request
    keep their bytes; :meth:`request` takes them (a retry resends the same bytes)."""

    def __init__(
        self, transport: Transport, options: IngestOptions, *, keep_results: bool = True
    ) -> None:
        self._t = transport
        self.options = options
        self.contract_id = options.contract_id
        self.version = options.version
        self.dry_run = options.dry_run
        self.atomic = options.atomic
        self.route = options.route
        self.keep_results = keep_results
        self._key = options.idempotency_key
        self._timeout = options.timeout
        self._planner = StreamPlanner(
            max_events=options.max_batch_events,
            max_body_bytes=options.max_batch_bytes,
            per_event_limit=PER_EVENT_LIMIT if options.route == "v1" else None,
            ndjson=options.route == "v1",  # the legacy route reads JSON only
        )
        self.batches: List[BatchPlan] = []  # every batch closed so far
        self._bodies: Dict[int, bytes] = {}
        self._ready: Deque[BatchPlan] = collections.deque()
        self._ready_bytes = 0
        self._skipped = 0  # read from the input after a failure, never encoded
        self.exhausted = False  # the input ended (flush() was called)
        #: ``len()`` of the caller's input when it has one: a failure then lists every
        #: unsent position without reading the rest of the input.
        self.input_length: Optional[int] = None

    def wants_more(self) -> bool:
        """Whether to read more input before sending the next ready batch: the input has
        not ended and fewer than ``READ_AHEAD_BATCHES`` batches (``READ_AHEAD_BYTES``)
        are encoded and waiting."""
        return (
            not self.exhausted
            and len(self._ready) < READ_AHEAD_BATCHES
            and self._ready_bytes < READ_AHEAD_BYTES
        )

    def next_ready(self) -> Optional[BatchPlan]:
        """The oldest encoded batch not yet handed out for sending, if any."""
        if not self._ready:
            return None
        batch = self._ready.popleft()
        self._ready_bytes -= batch.length
        return batch

    @property
    def seen(self) -> int:
        """Events taken from the input so far (encoded, refused, or skipped)."""
        return self._planner.events_read + self._skipped

    @property
    def total_events(self) -> int:
        return self.seen

    def fill(self, events: Iterator[Any]) -> None:
        """Read and encode events while :meth:`wants_more`; :meth:`flush` when the input
        ends. Raises what :meth:`add` raises (the event counted as read)."""
        if self.wants_more() and self._planner.fill(events, self._closed):
            self.flush()

    def _closed(self, batch: BatchPlan, body: bytes) -> bool:
        self._check_next(batch)
        self._keep(batch, body)
        return self.wants_more()

    def _check_next(self, batch: BatchPlan) -> None:
        if self.atomic:
            raise IngestRefused(
                "atomic=True needs all events in one request, but they need more than one "
                f"(at most {self.options.max_batch_events} events and "
                f"{self.options.max_batch_bytes} bytes per request); nothing was sent"
            )
        if self._key is not None:
            try:
                _check_idempotency_key(f"{self._key}#{batch.number + 1}")
            except ValueError as exc:
                raise IngestRefused(str(exc)) from None

    def add(self, event: Any) -> Optional[BatchPlan]:
        """Encode one event; returns the batch it closed, ready to send, if any.

        Raises :class:`EventEncodeError` for this event, and :class:`IngestRefused` (a
        ``ValueError``) when ``atomic=True`` needs a second request or the idempotency
        key has no room for the ``#<n>`` suffix of the next batch: in both cases before
        the batch this event closed is handed out."""
        closed = self._planner.add(event)
        if closed is None:
            return None
        batch, body = closed
        self._check_next(batch)
        return self._keep(batch, body)

    def flush(self) -> Optional[BatchPlan]:
        """The input ended: the last batch, if any."""
        self.exhausted = True
        closed = self._planner.flush()
        if closed is None:
            return None
        return self._keep(*closed)

    def skip(self, n: int = 1) -> None:
        """Count events read from the input but never encoded (after a failure)."""
        self._skipped += n

    def _keep(self, batch: BatchPlan, body: bytes) -> BatchPlan:
        self.batches.append(batch)
        self._bodies[batch.number] = body
        self._ready.append(batch)
        self._ready_bytes += batch.length
        return batch

    def slim(self, part: BatchIngestResponse) -> BatchIngestResponse:
        """What the merged answer keeps of an acknowledged batch: all of it, or (with
        ``keep_results=False``) its counts, metadata and failing results only."""
        return part if self.keep_results else part.failing_only()

    def close(self) -> None:
        self._bodies.clear()
        self._ready.clear()
        self._ready_bytes = 0

    def __enter__(self) -> IngestPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def key_for(self, batch: BatchPlan) -> Optional[str]:
        if self.route != "v1":
            return None
        if self._key is not None:
            return self._key if batch.number == 0 else f"{self._key}#{batch.number}"
        if self.dry_run:
            return None  # nothing is stored for dry runs
        return str(uuid.uuid4())

    def request(self, batch: BatchPlan) -> PreparedRequest[BatchIngestResponse]:
        """The request for ``batch``: its exact bytes and (v1) its idempotency key."""
        body = self._bodies.pop(batch.number)
        key = self.key_for(batch)
        offset = batch.start_index

        def decode(r: RawResponse) -> BatchIngestResponse:
            data = parse_json(r)
            if not _is_ingest_verdict(data):
                if r.status_code == 422 or (
                    not isinstance(data, Mapping) and not 200 <= r.status_code < 300
                ):
                    raise error_from_response(r, idempotency_key=key, index_offset=offset)
                hint = (
                    " (an envelope contract's answer: use ingest_envelope())"
                    if isinstance(data, Mapping) and "quarantined" in data
                    else ""
                )
                raise _invalid(r, f"not an ingest batch answer (no 'results'){hint}")
            assert isinstance(data, Mapping)
            parsed = BatchIngestResponse.from_dict(data, index_offset=offset)
            if parsed.total != batch.count or len(parsed.results) != batch.count:
                logger.warning(
                    "gateway answered %d result(s) for a batch of %d event(s) (batch %d)",
                    len(parsed.results),
                    batch.count,
                    batch.number,
                )
            replay = r.headers.get("x-idempotency-replay", "").strip().lower() == "true"
            rl = _rate_limit_info(r.headers)
            parsed = dataclasses.replace(
                parsed,
                status_code=r.status_code,
                rate_limit=rl,
                idempotent_replay=replay,
                batches=(
                    BatchAck(
                        number=batch.number,
                        start_index=batch.start_index,
                        count=batch.count,
                        status_code=r.status_code,
                        idempotency_key=key,
                        idempotent_replay=replay,
                        rate_limit=rl,
                    ),
                ),
            )
            if parsed.atomic and parsed.failed and r.status_code == 422:
                raise AtomicRejectedError(
                    redact(
                        f"atomic batch rejected: {parsed.failed} of {parsed.total} event(s) "
                        f"failed, nothing was written (HTTP 422 from {r.method} {r.path})"
                    ),
                    result=parsed,
                    status_code=422,
                    body=data,
                    headers=r.headers,
                    method=r.method,
                    url=r.url,
                    idempotency_key=key,
                )
            return parsed

        if self.route == "v1":
            return self._t.build(
                "POST",
                f"/v1/ingest/{_seg(self.contract_id, 'contract_id')}",
                decode,
                params=(
                    ("version", self.version),
                    ("dry_run", True if self.dry_run else None),
                    ("atomic", True if self.atomic else None),
                ),
                content=body,
                content_type="application/x-ndjson",
                timeout=self._timeout,
                retry_class=RetryClass.SAFE
                if self.dry_run
                else (RetryClass.KEYED if key else RetryClass.UNSAFE),
                accept=frozenset({422}),
                idempotency_key=key,
            )
        return self._t.build(
            "POST",
            f"/ingest/{_seg(self.contract_id, 'contract_id')}",
            decode,
            params=(
                ("dry_run", True if self.dry_run else None),
                ("atomic", True if self.atomic else None),
            ),
            content=body,
            headers={"X-Contract-Version": self.version} if self.version else None,
            timeout=self._timeout,
            retry_class=RetryClass.SAFE if self.dry_run else RetryClass.UNSAFE,
            accept=frozenset({422}),
        )

    def empty(self) -> BatchIngestResponse:
        return BatchIngestResponse(
            total=0, passed=0, failed=0, dry_run=self.dry_run, atomic=self.atomic, raw={}
        )

    def merge(self, parts: Sequence[BatchIngestResponse]) -> BatchIngestResponse:
        if not parts:
            return self.empty()
        return merge_batches(parts)

    def failure(
        self,
        acknowledged: Sequence[BatchIngestResponse],
        error: BaseException,
    ) -> BaseException:
        """The exception to raise when ``failed`` could not be delivered: the error itself
        when nothing was acknowledged, else a :class:`PartialIngestError`."""
        if not acknowledged:
            return error
        acked_numbers = {a.number for p in acknowledged for a in p.batches}
        ranges = [b.indexes for b in self.batches if b.number not in acked_numbers]
        end = self.batches[-1].start_index + self.batches[-1].count if self.batches else 0
        # The rest of the input is not read: with a length, the unsent positions are
        # known anyway; without one, ``unread_from`` says where reading stopped.
        known = self.input_length if self.input_length is not None else self.seen
        unread_from = None if self.exhausted or self.input_length is not None else self.seen
        if known > end:
            ranges.append(range(end, known))
        if all(x.stop == y.start for x, y in zip(ranges, ranges[1:])) and ranges:
            unsent: Sequence[int] = range(ranges[0].start, ranges[-1].stop)
        else:
            unsent = [i for r in ranges for i in r]
        key = getattr(error, "idempotency_key", None)
        return PartialIngestError(
            accepted=self.merge(acknowledged),
            unsent_indexes=unsent,
            cause=error,
            failed_idempotency_key=key,
            unread_from=unread_from,
        )

    def progress_note(self, acknowledged: Sequence[BatchIngestResponse]) -> str:
        acked = sorted(a.number for p in acknowledged for a in p.batches)
        done = sum(p.total for p in acknowledged)
        pending = [b for b in self.batches if b.number not in set(acked)]
        first = pending[0].start_index if pending else self._planner.open_start
        return (
            f"{len(acked)} of {len(self.batches)} batch(es) acknowledged ({done} event(s)); "
            f"first unacknowledged event index: {first}"
        )
