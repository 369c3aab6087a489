"""What one request is before it goes out, and what comes back.

:class:`PreparedRequest` is one logical request (what to send, how to decode the answer,
how safe it is to resend); :class:`RawResponse` is the complete answer a client hands
back; :class:`RetryPolicy`, :class:`RetryClass` and :func:`compute_backoff` are the retry
settings; the ``DEFAULT_*`` constants are the client defaults. No I/O and no decisions
here: :mod:`.responses` decodes answers, :mod:`.retry` decides what happens next.
"""

from __future__ import annotations

import enum
import http
import math
import random
import re
import uuid
from dataclasses import dataclass
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Generic,
    Iterable,
    List,
    Mapping,
    Optional,
    Tuple,
    TypeVar,
    Union,
)
from urllib.parse import quote

import httpx

from .._version import __version__
from .logging import redact_headers

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "MAX_REDIRECTS",
    "SECRET_HEADERS",
    "USER_AGENT",
    "PreparedRequest",
    "RawResponse",
    "RetryClass",
    "RetryPolicy",
    "TimeoutTypes",
    "attempt_budget",
    "attempt_timeout",
    "canonical_id",
    "compute_backoff",
    "dedupe_ids",
    "normalise_timeout",
    "optional_text",
    "path_of",
    "path_segment",
    "uuid_text",
]

T = TypeVar("T")

USER_AGENT = f"contractgate-python/{__version__}"

#: read ≥ 35 s so the gateway's own 30 s limit answers (408) before the client gives up;
#: connect 10 s (spec §4.3).
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=40.0, write=40.0, pool=10.0)

#: Up to 3 attempts in total. See docs/client.md ("Retries").
DEFAULT_MAX_RETRIES = 2

MAX_REDIRECTS = 5

#: The most decoded bytes a client reads of one response body (``max_response_bytes``).
#: An ingest answer echoes the request's events (≤ 2,000,000 bytes on ``/v1``) as
#: ``transformed_event``; hash transforms can grow short strings ~12x and violation
#: messages quote values, which keeps the largest realistic answer near 30 MiB. A page of
#: ``iter_audit``/``iter_quarantine`` (100 rows by default) can carry 100 stored events
#: of up to 1 MiB each. 128 MiB covers both with room to spare, while a gzip bomb or an
#: endless body stops there instead of taking gigabytes (docs/client.md, "Limits").
DEFAULT_MAX_RESPONSE_BYTES = 128 * 1024 * 1024

TimeoutTypes = Union[float, int, httpx.Timeout, None]

#: Request headers that carry credentials: never forwarded to another origin.
SECRET_HEADERS = ("x-api-key", "authorization", "proxy-authorization", "cookie", "x-org-id")


class RetryClass(enum.Enum):
    """How safe a request is to resend (spec §9.1)."""

    #: No side effects (GET, playground, dry runs): retry every transient failure.
    SAFE = "safe"
    #: ``/v1/ingest`` with an Idempotency-Key and the same bytes: retry every transient
    #: failure, but wait at least ``RetryPolicy.keyed_min_delay`` after an ambiguous one so
    #: the gateway's asynchronous idempotency store has caught up (spec §5.3).
    KEYED = "keyed"
    #: Writes without deduplication (legacy ``/ingest``, ``/v1/ingest`` without a key):
    #: retry only failures known to happen before any write (connection never made,
    #: 429, the gateway's own JSON 500). Timeouts, dropped connections, 408 and proxy
    #: 5xx are not retried.
    UNSAFE = "unsafe"
    #: Replay (spec §10.3): as ``UNSAFE``, but the gateway's JSON 500 can come after the
    #: audit and forward rows were written (a database error before the source row is
    #: stamped), and a retry would write them again: not retried either.
    REPLAY = "replay"


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
    * a retried 5xx carrying ``Retry-After`` (a proxy's) waits that long when it is
      longer than the backoff and at most ``max_retry_after`` (else the backoff stands);
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
        n = self.max_retries
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"RetryPolicy.max_retries must be an int >= 0, got {n!r}")
        for name in (
            "initial_delay", "max_delay", "max_retry_after", "keyed_min_delay",
            "auth_retry_delay",
        ):  # fmt: skip
            v = getattr(self, name)
            # an infinite delay never ends (sync: OverflowError from time.sleep); NaN
            # compares false with every bound
            if not _is_seconds(v) or v < 0:
                raise ValueError(
                    f"RetryPolicy.{name} must be a finite number of seconds >= 0, got {v!r}"
                )


def _is_seconds(value: Any) -> bool:
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    )


def compute_backoff(
    policy: RetryPolicy, attempt: int, rng: Callable[[], float] = random.random
) -> float:
    """Capped exponential backoff with equal jitter for retry number ``attempt`` (0-based)."""
    base = float(min(policy.max_delay, policy.initial_delay * (2.0 ** min(attempt, 32))))
    if not policy.jitter:
        return base
    return base / 2.0 + float(rng()) * (base / 2.0)


def normalise_timeout(timeout: TimeoutTypes, default: httpx.Timeout) -> httpx.Timeout:
    """``timeout`` as an ``httpx.Timeout`` (a number applies to every phase)."""
    if timeout is None:
        return default
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        if not _is_seconds(timeout) or timeout <= 0:
            raise ValueError(
                "timeout must be a finite number of seconds > 0 (httpx.Timeout(None) for "
                f"no limit), got {timeout!r}"
            )
        return httpx.Timeout(float(timeout))
    raise TypeError("timeout must be a number of seconds or an httpx.Timeout")


def attempt_budget(timeout: httpx.Timeout) -> Optional[float]:
    """Seconds one attempt may take in all, or None for no limit.

    httpx's timeouts bound each socket operation, so a server that trickles a byte at a
    time never trips them; the clients also enforce this total (connect + write + read)
    on every attempt and report it as a read timeout."""
    parts = (timeout.connect, timeout.write, timeout.read)
    if any(p is None for p in parts):
        return None
    return float(sum(p for p in parts if p is not None))


def attempt_timeout(timeout: httpx.Timeout) -> httpx.Timeout:
    """``timeout`` as one attempt sends it: the wait for a free pooled connection is part
    of the attempt's :func:`attempt_budget` too, so it ends by then (a ``PoolTimeout``:
    the request never left) instead of after the longer ``pool`` timeout."""
    budget = attempt_budget(timeout)
    if budget is None or (timeout.pool is not None and timeout.pool <= budget):
        return timeout
    return httpx.Timeout(
        connect=timeout.connect, read=timeout.read, write=timeout.write, pool=budget
    )


def path_segment(value: Any, what: str) -> str:
    """``value`` (a string or UUID) quoted as one URL path segment."""
    if isinstance(value, uuid.UUID):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string")
    segment = quote(value, safe="")
    if segment in (".", ".."):  # dot-segments: a URL drops them ("/v/x/.." is "/v")
        return segment.replace(".", "%2E")
    return segment


#: The spellings of a UUID the gateway reads as one (Rust ``uuid``: hyphenated, simple,
#: braced, ``urn:uuid:``; hex digits in either case).
_HYPHENATED = r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
_UUID_SPELLING = re.compile(rf"(?:urn:uuid:)?{_HYPHENATED}|\{{{_HYPHENATED}\}}|[0-9a-fA-F]{{32}}")


def uuid_text(text: str) -> Optional[str]:
    """``text`` as a lowercase hyphenated UUID when it spells one the gateway reads, else
    None (then it is no id: a contract name, say)."""
    return str(uuid.UUID(text)) if _UUID_SPELLING.fullmatch(text) else None


def canonical_id(value: Any, what: str) -> str:
    """An id given by the caller as the gateway names it: a ``uuid.UUID``, or a string
    spelling one, as a lowercase hyphenated UUID (spec §0); any other non-empty string
    as given (the gateway answers it)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str) or not value:
        raise TypeError(f"{what} must be non-empty strings or uuid.UUID, got {value!r}")
    return uuid_text(value) or value


def dedupe_ids(ids: Union[str, uuid.UUID, Iterable[Any]], what: str) -> List[str]:
    """The distinct ids of ``ids`` (one id alone is a list of one), in order, each as
    :func:`canonical_id` gives it: two spellings of one UUID are one id to the gateway,
    which reports the first of a duplicate ``not_found`` (spec §3.7)."""
    if isinstance(ids, (str, uuid.UUID)):
        ids = [ids]
    seen: Dict[str, None] = {}
    for i in ids:
        seen.setdefault(canonical_id(i, what), None)
    unique = list(seen)
    if not 1 <= len(unique) <= 1000:
        raise ValueError(f"{what}: between 1 and 1000 distinct ids per call, got {len(unique)}")
    return unique


def optional_text(value: Any, what: str) -> Optional[str]:
    """A version (or other text) argument sent in a JSON body: None or a string (a
    number would be refused by the gateway's body parser as a plain-text 422)."""
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{what} must be a string, got {type(value).__name__}")


def path_of(url: str) -> str:
    """The path and query of ``url``, for messages and logs."""
    try:
        return httpx.URL(url).raw_path.decode("ascii", "replace")
    except Exception:  # pragma: no cover - an URL httpx built itself
        return url


@dataclass(frozen=True)
class RawResponse:
    """A complete HTTP answer, as a client hands it back.

    ``over_limit`` is true when the decoded body was larger than the request's
    ``max_response_bytes``: the client stopped reading and ``content`` is empty."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes
    method: str = "GET"
    url: str = ""
    over_limit: bool = False

    @property
    def reason(self) -> str:
        try:
            return http.HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    @property
    def path(self) -> str:
        return path_of(self.url)


@dataclass(frozen=True)
class PreparedRequest(Generic[T]):
    """One logical request: what to send, how to decode the answer, how to retry, and how
    much of an answer to read (``max_response_bytes``, decoded)."""

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
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def __repr__(self) -> str:  # never show header values
        return (
            f"PreparedRequest(method={self.method!r}, url={self.url!r}, "
            f"params={self.params!r}, headers={redact_headers(self.headers)!r}, "
            f"content={len(self.content or b'')} bytes, retry_class={self.retry_class.value})"
        )

    @property
    def path(self) -> str:
        return path_of(self.url)
