"""What an answer means: a model, or the typed error for it.

Success bodies are decoded strictly (:func:`parse_json`: JSON without NaN/Infinity,
nesting Python can decode; :func:`expect_object` refuses the gateway's error object on a
success status, which a tolerant model would read as defaults); error bodies tolerantly
(:func:`decode_body`: the JSON, else the text). :func:`error_from_response` picks the
error class by status *and* body shape (spec §2.4), :func:`retry_after_seconds` reads the
gateway's wait hints (bounded), and :func:`connection_error` maps an httpx exception to
the SDK's connection errors. Whatever a server sends, the result is a value or a
:class:`~contractgate.ContractGateError`.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import ssl
import time
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional

import httpx

from .._wire import WrongValue
from ..exceptions import (
    AtomicRejectedError,
    ClientTimeoutError,
    ConnectionError,
    DeprecatedVersionError,
    HTTPError,
    IdempotencyConflictError,
    InvalidResponseError,
    PlanLimitExceededError,
    RateLimitError,
    ValidationFailedError,
    status_to_exception,
)
from ..models import BatchIngestResponse, RateLimitInfo
from .logging import redact, redact_cut
from .request import PreparedRequest, RawResponse

__all__ = [
    "MAX_WAIT_HINT",
    "TRANSPORT_ERRORS",
    "body_over_limit",
    "connection_error",
    "decode_body",
    "error_from_response",
    "expect_array",
    "expect_object",
    "gc_paused",
    "invalid",
    "is_error_object",
    "is_ingest_verdict",
    "is_pre_send",
    "is_tls_error",
    "loads_json",
    "parse_json",
    "rate_limit_info",
    "retry_after_header",
    "retry_after_seconds",
    "undecodable",
]

#: A wait hint above a day is read as a day: no gateway asks for more, and the hint must
#: stay a finite number of seconds (``RateLimitError.retry_after``) whatever it says.
MAX_WAIT_HINT = 86_400.0


# ====================================================================== JSON


class _NonFinite(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFinite(f"{name} is not a JSON value")


_orjson_loads: Optional[Callable[[bytes], Any]]
try:
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - depends on the environment
    _orjson_loads = None


def loads_json(content: bytes) -> Any:
    """``json.loads`` without Python's NaN/Infinity extension (the gateway's serde_json
    never writes them).

    orjson (``contractgate[fast]``) reads an ingest answer ~2.5x faster. What it refuses
    (NaN, a BOM, lone surrogates, numbers beyond a double, nesting past 1024) goes to the
    stdlib, so the value or the error is the stdlib's; the one difference: an integer
    beyond 64 bits reads as the nearest float, which is how the gateway (serde_json)
    reads such a number in the first place, so its answers never hold one."""
    if _orjson_loads is not None:
        try:
            return _orjson_loads(content)
        except ValueError:
            pass
    return json.loads(content, parse_constant=_reject_constant)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (when it runs) while a decoded answer lives.

    A 1,000-event answer decodes to ~10,000 containers. Made and freed while the
    collector runs, they trigger collections that scan them and, once promoted, the
    caller's whole heap: for nothing, since JSON has no cycles (reference counting frees
    them). Paused, the decoding, checking and freeing of an ingest answer costs ~0.5 µs
    less per event. Left disabled if it was."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def decode_body(content: bytes) -> Any:
    """An error body as v0.1 exposed it: decoded JSON, else the text, else ``""``."""
    if not content:
        return ""
    try:
        return loads_json(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return redact(content.decode("utf-8", "replace"))


def parse_json(resp: RawResponse) -> Any:
    """Decode a success body or raise :class:`InvalidResponseError`. A body that is not
    JSON at all (often cut short) is ``transient``; one that decodes to something the
    gateway never sends (NaN, nesting too deep for Python) is not."""
    try:
        return loads_json(resp.content)
    except RecursionError:
        reason, transient = "it is nested too deeply to decode", False
    except _NonFinite as exc:
        reason, transient = f"it contains {exc}", False
    except (ValueError, UnicodeDecodeError) as exc:
        reason, transient = f"not valid JSON ({exc})", True
    preview = redact_cut(resp.content[:4096].decode("utf-8", "replace"), 200)
    raise InvalidResponseError(
        redact(
            f"HTTP {resp.status_code} from {resp.method} {resp.path} is unusable: {reason}; "
            f"body starts with {preview!r}"
        ),
        status_code=resp.status_code,
        body=decode_body(resp.content),
        headers=resp.headers,
        method=resp.method,
        url=resp.url,
        transient=transient,
    )


def invalid(
    resp: RawResponse, what: str, *, idempotency_key: Optional[str] = None
) -> InvalidResponseError:
    """The error for an answer of the wrong shape (``what`` says what is wrong)."""
    return InvalidResponseError(
        redact(
            f"unexpected answer from {resp.method} {resp.path} (HTTP {resp.status_code}): {what}"
        ),
        status_code=resp.status_code,
        body=decode_body(resp.content),
        headers=resp.headers,
        method=resp.method,
        url=resp.url,
        idempotency_key=idempotency_key,
    )


def undecodable(
    resp: RawResponse, exc: BaseException, *, idempotency_key: Optional[str] = None
) -> InvalidResponseError:
    """The error for an answer whose decoding failed: a value the models refuse
    (:class:`~contractgate._wire.WrongValue`, whose message names it), or a failure no
    rule foresaw (the exception is chained as the cause by the caller)."""
    what = str(exc) if isinstance(exc, WrongValue) else f"{type(exc).__name__}: {exc}"
    return invalid(resp, f"it cannot be read ({what})", idempotency_key=idempotency_key)


def body_over_limit(
    resp: RawResponse, limit: int, *, idempotency_key: Optional[str] = None
) -> InvalidResponseError:
    """The error for a body larger than the client's ``max_response_bytes``."""
    return InvalidResponseError(
        redact(
            f"the answer to {resp.method} {resp.path} (HTTP {resp.status_code}) is larger "
            f"than the client's limit of {limit:,} decoded bytes, so it was not read to its "
            "end. If the gateway really sends answers this large, raise the limit: "
            "Client(..., max_response_bytes=N) or client.with_options(max_response_bytes=N)"
        ),
        status_code=resp.status_code,
        body="",
        headers=resp.headers,
        method=resp.method,
        url=resp.url,
        idempotency_key=idempotency_key,
    )


def expect_object(resp: RawResponse) -> Mapping[str, Any]:
    """A JSON object, not the gateway's error object on a success status."""
    data = parse_json(resp)
    if not isinstance(data, Mapping):
        raise invalid(resp, f"expected a JSON object, got {type(data).__name__}")
    if _is_success(resp.status_code) and is_error_object(data):
        raise _unusable_success(resp, data)
    return data


def expect_array(resp: RawResponse) -> List[Any]:
    data = parse_json(resp)
    if not isinstance(data, list):
        raise invalid(resp, f"expected a JSON array, got {type(data).__name__}")
    return data


# ====================================================================== headers, hints


def request_id(headers: Mapping[str, str]) -> Optional[str]:
    for name in ("x-request-id", "fly-request-id", "x-amzn-requestid", "cf-ray"):
        v = headers.get(name)
        if v:
            return v
    return None


def rate_limit_info(headers: Mapping[str, str]) -> Optional[RateLimitInfo]:
    """The ``X-RateLimit-*`` headers (spec §3.2), or None when there are none."""

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


def _bounded_wait(seconds: float) -> Optional[float]:
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_WAIT_HINT)


def retry_after_seconds(
    body: Any, headers: Mapping[str, str], now: Optional[float] = None
) -> Optional[float]:
    """The gateway's wait hint in seconds, at most :data:`MAX_WAIT_HINT`:
    ``retry_after_ms`` in the body, else ``X-RateLimit-Reset`` (unix seconds), else
    ``Retry-After`` should a proxy add one (seconds, or an HTTP date: RFC 9110 §10.2.3)."""
    if isinstance(body, Mapping):
        ms = body.get("retry_after_ms")
        if isinstance(ms, int) and not isinstance(ms, bool) and ms >= 0:
            # compared as an int first: a 400-digit number has no float
            return MAX_WAIT_HINT if ms >= MAX_WAIT_HINT * 1000 else ms / 1000.0
        if isinstance(ms, float) and ms >= 0:
            return _bounded_wait(ms / 1000.0)
    reset = headers.get("x-ratelimit-reset")
    if reset is not None:
        try:
            at = float(reset.strip())
        except ValueError:
            at = math.nan
        if not math.isnan(at):  # "nan" is no instant, no hint (Retry-After may be one)
            now = time.time() if now is None else now
            return _bounded_wait(at - now)
    return retry_after_header(headers, now)


def retry_after_header(headers: Mapping[str, str], now: Optional[float] = None) -> Optional[float]:
    """``Retry-After`` in seconds (a number, or an HTTP date: RFC 9110 §10.2.3), at most
    :data:`MAX_WAIT_HINT`; None when absent or unreadable.  The gateway sends none; a
    proxy in front of it may, on a 429 or a 503."""
    ra = headers.get("retry-after")
    if ra is None:
        return None
    try:
        return _bounded_wait(float(ra.strip()))
    except ValueError:
        pass
    import datetime  # rare: a proxy's date
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(ra.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" or an asctime date: HTTP dates are in GMT
        when = when.replace(tzinfo=datetime.timezone.utc)
    now = time.time() if now is None else now
    return _bounded_wait(when.timestamp() - now)


# ====================================================================== error statuses

_EMPTY_BODY_HINTS = {
    404: "no such route (empty body)",
    405: "method not allowed on this route (empty body)",
    408: "the gateway's 30 s request timeout expired (empty body)",
}


#: How much of a body an error message quotes, in characters (of a body that is not
#: text, the characters decoded from its first ``4 *`` that many bytes).
_QUOTED_CHARS = 300


def _said(resp: RawResponse, body: Any) -> str:
    """What the server said: the strings under ``error``, ``message`` and ``detail``,
    else the start of the body's text (whitespace collapsed), else ``""``."""
    if isinstance(body, Mapping):
        parts = [body.get(k) for k in ("error", "message", "detail")]
        said = ": ".join(p for p in parts if isinstance(p, str) and p)
        if said:
            return said
    text = (
        body
        if isinstance(body, str)
        else resp.content[: _QUOTED_CHARS * 4].decode("utf-8", "replace")
    )
    text = " ".join(text.split())
    return text if len(text) <= _QUOTED_CHARS else redact_cut(text, _QUOTED_CHARS) + "…"


def _message(resp: RawResponse, body: Any) -> str:
    msg = _said(resp, body) or _EMPTY_BODY_HINTS.get(resp.status_code, "empty or unrecognised body")
    reason = f" {resp.reason}" if resp.reason else ""
    return redact(f"{msg} (HTTP {resp.status_code}{reason} from {resp.method} {resp.path})")


def _count_or_none(value: Any) -> Optional[int]:
    """A JSON integer (a bool is none: ``true`` is no event count), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_success(status: int) -> bool:
    return 200 <= status < 300


def is_error_object(body: Any) -> bool:
    """Whether ``body`` is an error object (a string ``error``: spec §2.1, §2.2)."""
    return isinstance(body, Mapping) and isinstance(body.get("error"), str)


def _unusable_success(
    resp: RawResponse, body: Any, *, idempotency_key: Optional[str] = None
) -> InvalidResponseError:
    """The error for a success status whose (decoded) body is not the route's answer:
    an error object, or a shape the route never sends."""
    what = "an error object" if is_error_object(body) else "not what the route answers"
    said = _said(resp, body) or "empty body"
    return invalid(resp, f"it is {what}: {said}", idempotency_key=idempotency_key)


def is_ingest_verdict(body: Any) -> bool:
    """Whether ``body`` has the shape of an ingest batch answer (not an error body)."""
    return (
        isinstance(body, Mapping) and "error" not in body and isinstance(body.get("results"), list)
    )


def _rejected_batch(
    resp: RawResponse, body: Mapping[str, Any], index_offset: int
) -> BatchIngestResponse:
    """The batch a rejection carries, with the answer's status, its results built now: one
    the models cannot read fails this answer (``InvalidResponseError``), not a later read
    of ``err.result``."""
    parsed = BatchIngestResponse.from_dict(body, index_offset=index_offset)
    parsed = parsed.with_meta(status_code=resp.status_code)
    parsed.results  # noqa: B018 - built here, on purpose
    return parsed


def atomic_rejected(
    resp: RawResponse, parsed: BatchIngestResponse, **common: Any
) -> AtomicRejectedError:
    return AtomicRejectedError(
        redact(
            f"atomic batch rejected: {parsed.failed} of {parsed.total} event(s) failed, "
            f"nothing was written (HTTP 422 from {resp.method} {resp.path})"
        ),
        result=parsed,
        **common,
    )


def error_from_response(
    resp: RawResponse,
    *,
    idempotency_key: Optional[str] = None,
    index_offset: int = 0,
    now: Optional[float] = None,
) -> HTTPError:
    """The typed error for a non-success answer, decided by status and body shape
    (spec §2.4); for a success status whose body a decoder refused (an error object, a
    shape the route never sends), an :class:`InvalidResponseError`."""
    body = decode_body(resp.content)
    if _is_success(resp.status_code):
        return _unusable_success(resp, body, idempotency_key=idempotency_key)
    message = _message(resp, body)
    common: Dict[str, Any] = {
        "status_code": resp.status_code,
        "body": body,
        "headers": resp.headers,
        "request_id": request_id(resp.headers),
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
                parsed = _rejected_batch(resp, batch, index_offset)
                return DeprecatedVersionError(message, result=parsed, **common)
            if isinstance(body.get("results"), list):
                parsed = _rejected_batch(resp, body, index_offset)
                return DeprecatedVersionError(message, result=parsed, **common)
        if is_ingest_verdict(body):
            assert isinstance(body, Mapping)
            parsed = _rejected_batch(resp, body, index_offset)
            if parsed.atomic:
                return atomic_rejected(resp, parsed, **common)
            return ValidationFailedError(message, result=parsed, **common)
    if status == 429:
        if err_code == "plan_limit_exceeded" and isinstance(body, Mapping):
            return PlanLimitExceededError(
                message,
                plan=body.get("plan") if isinstance(body.get("plan"), str) else None,
                limit=_count_or_none(body.get("limit")),
                used=_count_or_none(body.get("used")),
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


# ====================================================================== connection errors


def is_tls_error(exc: BaseException) -> bool:
    seen = 0
    cur: Optional[BaseException] = exc
    while cur is not None and seen < 10:
        if isinstance(cur, ssl.SSLError):
            return True
        cur = cur.__cause__ or cur.__context__
        seen += 1
    text = str(exc)
    return "CERTIFICATE_VERIFY_FAILED" in text or ("SSL" in text and "certificate" in text)


def is_pre_send(exc: BaseException) -> bool:
    """True when the request certainly never reached the server."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


#: What a send can raise when no (complete) answer came. httpx wraps socket errors, but a
#: transport it does not own (a caller's, or an anyio/httpcore pair it does not map, as
#: with httpx 0.25's) can let a raw ``OSError`` / ``ssl.SSLError`` through.
TRANSPORT_ERRORS = (httpx.HTTPError, OSError)


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
    if is_tls_error(exc):
        msg = f"TLS error on {where}: {detail}"
    elif isinstance(exc, httpx.ConnectError):
        msg = f"cannot connect for {where}: {detail}"
    elif isinstance(exc, httpx.RemoteProtocolError):
        msg = f"connection dropped before a complete response to {where}: {detail}"
    else:
        msg = f"{kind} on {where}: {detail}"
    return ConnectionError(msg, method=req.method, url=req.url, idempotency_key=req.idempotency_key)
