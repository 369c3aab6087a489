"""The one error hierarchy of the SDK.

Everything raised on purpose derives from :class:`ContractGateError` (also importable as
``SDKError``). Local contract problems raise :class:`ContractCompileError`; the HTTP
clients' errors are defined further down in this module.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Sequence, Type

__all__ = [
    "ContractCompileError",
    "ContractGateError",
    "EventDecodeError",
    "EventTypeError",
    "SDKError",
]


class ContractGateError(Exception):
    """Base class of every error this SDK raises on purpose."""


SDKError = ContractGateError


class ContractCompileError(ContractGateError):
    """A contract could not be parsed or compiled.

    ``str(err)`` is the engine's text where the engine defines it (regex and transform
    errors byte for byte, serde-style messages for YAML shape errors). ``file``, ``line``
    and ``column`` (1-based) say where, when known; ``path`` is the serde-style key path
    (``ontology.entities[0].required``) when a YAML error is about one key, and the
    field's path (``user.id``) when a compile error is about one field (a regex error
    then points at its ``pattern`` value).
    """

    def __init__(
        self,
        message: str,
        *,
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        path: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.path = path

    def __str__(self) -> str:
        if self.file is not None:
            return f"{self.file}: {self.message}"
        return self.message


# --------------------------------------------------------------------------------------
# Event errors of the local validator (raised before any rule is checked)
# --------------------------------------------------------------------------------------


class EventDecodeError(ContractGateError, ValueError):
    """An event was rejected the way the gateway's serde_json rejects it.

    ``str(err)`` is serde_json's message (``expected value at line 1 column 1``,
    ``number out of range at line 1 column 6``, ``recursion limit exceeded at line 1
    column 128`` …). ``code`` is the message without the position; ``line`` and
    ``column`` are serde_json's (1-based line; column = bytes since the start of the
    line, 0 at end of an empty input). For Python values that were never JSON text
    (:func:`to_event_value`), ``line``/``column`` are ``None`` and ``path`` names the
    offending value (``event.items[2]``).

    Also a :class:`ValueError`, like :class:`json.JSONDecodeError`.
    """

    def __init__(
        self,
        code: str,
        line: Optional[int] = None,
        column: Optional[int] = None,
        path: Optional[str] = None,
    ) -> None:
        if line is not None and column is not None:
            message = f"{code} at line {line} column {column}"
        elif path is not None:
            message = f"{code} at {path}"
        else:
            message = code
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.path = path

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Any:
        return (type(self), (self.code, self.line, self.column, self.path))


class EventTypeError(ContractGateError, TypeError):
    """A Python value has no JSON form (a ``set``, ``bytes``, ``datetime``, ``Decimal``, a
    non-``str`` dict key, a custom object …) or nests deeper than serde_json accepts.

    ``path`` names the value (``event.items[2]``) when known; ``python_type`` is the
    offending type's name.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Optional[str] = None,
        python_type: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.python_type = python_type

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Any:
        return (
            _rebuild_type_error,
            (type(self), self.message, self.path, self.python_type),
        )


def _rebuild_type_error(
    cls: Any, message: str, path: Optional[str], python_type: Optional[str]
) -> EventTypeError:
    err: EventTypeError = cls(message, path=path, python_type=python_type)
    return err



# --------------------------------------------------------------------------------------
# HTTP client errors (Client / AsyncClient). This module must stay import-light: it is
# imported by `import contractgate`, so nothing here may import httpx or the models at
# run time (the models are only named in annotations).
# --------------------------------------------------------------------------------------

if TYPE_CHECKING:  # pragma: no cover
    from .models import BatchIngestResponse, EgressResponse

__all__ += [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AtomicRejectedError",
    "AuthError",
    "BadRequestError",
    "ClientTimeoutError",
    "ConflictError",
    "ConnectionError",
    "DeprecatedVersionError",
    "EgressRejectedError",
    "EventEncodeError",
    "HTTPError",
    "IdempotencyConflictError",
    "InvalidResponseError",
    "NotFoundError",
    "PartialIngestError",
    "PayloadTooLargeError",
    "PlanLimitExceededError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "ServerTimeoutError",
    "UnacknowledgedBatch",
    "ValidationFailedError",
    "raise_for_status",
    "status_to_exception",
]


def _restore(cls: type[BaseException], message: str, state: dict[str, Any]) -> BaseException:
    obj = cls.__new__(cls)
    Exception.__init__(obj, message)
    obj.__dict__.update(state)
    return obj


class _Picklable(Exception):
    """Keyword-only constructors do not survive the default exception pickling (which
    replays ``args``); rebuild from the instance state instead (multiprocessing-safe)."""

    def __reduce__(self) -> Any:
        state = dict(self.__dict__)
        if "headers" in state and state["headers"] is not None:
            state["headers"] = dict(state["headers"])
        return (_restore, (type(self), str(self), state))


class HTTPError(_Picklable, ContractGateError):
    """The gateway answered with an error status (also importable as ``APIStatusError``).

    Attributes: ``status_code`` (``status`` is the v0.1 name), ``body`` (decoded JSON, or
    the text when the body is not JSON; ``""`` when empty), ``headers`` (a case-insensitive
    mapping of the response headers), ``request_id`` (from ``x-request-id`` /
    ``fly-request-id`` when a proxy adds one; the gateway itself sends none), ``message``,
    ``method`` and ``url`` of the request, and ``idempotency_key`` when the request carried
    one. The API key never appears in any of them.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: Optional[int] = None,
        body: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        request_id: Optional[str] = None,
        method: Optional[str] = None,
        url: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        status: Optional[int] = None,
    ) -> None:
        # ``status`` is v0.1's keyword (test doubles raise ``NotFoundError("x", status=404)``)
        if status_code is None:
            if status is None:
                raise TypeError(f"{type(self).__name__}() needs status_code= (or v0.1's status=)")
            status_code = status
        elif status is not None and status != status_code:
            raise TypeError("status and status_code disagree")
        super().__init__(message)
        self.message = message
        self.status_code: int = status_code
        self.body = body
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.request_id = request_id
        self.method = method
        self.url = url
        self.idempotency_key = idempotency_key

    @property
    def status(self) -> int:
        """The HTTP status (the v0.1 attribute name; same as ``status_code``)."""
        return self.status_code

    @status.setter
    def status(self, value: int) -> None:
        self.status_code = value

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, message={self.message!r})"


APIStatusError = HTTPError


class BadRequestError(HTTPError):
    """400: the request was rejected before any write; fix it, do not retry."""


class AuthError(HTTPError):
    """401: missing, invalid or revoked API key, or a contract outside the key's allow-list.

    The gateway uses one body for every cause (spec §1.4). It is retried once after a short
    delay because a database blip during key lookup also answers 401.
    """


class NotFoundError(HTTPError):
    """404: unknown (or another org's) contract, version or route."""


class ConflictError(HTTPError):
    """409: e.g. no stable version yet, or a version in the wrong state."""


class ValidationFailedError(HTTPError):
    """422 that is a rejection, not a per-event verdict.

    An all-failed ingest batch is *returned* (it is a normal answer); this error is raised
    for atomic rejections, deprecated pins, idempotency conflicts, invalid contract YAML
    and framework body-shape rejections. ``result`` carries the parsed batch when the
    gateway sent one (``None`` otherwise).
    """

    def __init__(self, message: str, *, result: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.result = result


class AtomicRejectedError(ValidationFailedError):
    """422 for ``atomic=True``: at least one event failed, so nothing was written.

    ``result`` is the full :class:`BatchIngestResponse` (every event's verdict).
    """

    result: BatchIngestResponse


class DeprecatedVersionError(ValidationFailedError):
    """422: the pinned version is deprecated; the gateway quarantined the whole batch.

    ``result`` (also ``batch``) is the parsed :class:`BatchIngestResponse` with
    ``version_pin_source == "pinned_deprecated"``.
    """

    result: BatchIngestResponse

    @property
    def batch(self) -> BatchIngestResponse:
        return self.result


class IdempotencyConflictError(ValidationFailedError):
    """422 ``idempotency_conflict``: the same Idempotency-Key was used with other bytes.

    The SDK generates a fresh key per batch, so this only happens with a caller-given key
    reused for a different body (spec §5). Use a new key.
    """


class EgressRejectedError(ValidationFailedError):
    """422 for ``egress(..., disposition="fail")`` with at least one failing record.

    ``result`` is the parsed :class:`EgressResponse` (empty ``payload``, every outcome).
    """

    result: EgressResponse


class PayloadTooLargeError(HTTPError):
    """413: an event over the 1 MiB per-event limit, or a body over the route's cap."""


class RateLimitError(HTTPError):
    """429: rate limited. ``retry_after`` is the gateway's wait hint in seconds (from
    ``retry_after_ms`` or ``X-RateLimit-Reset``), or ``None`` when it sent none."""

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class PlanLimitExceededError(RateLimitError):
    """429 ``plan_limit_exceeded``: the org used its monthly event quota. Never retried.

    ``plan``, ``limit``, ``used``, ``period`` (``YYYY-MM``) and ``upgrade_url`` come from
    the body.
    """

    def __init__(
        self,
        message: str,
        *,
        plan: Optional[str] = None,
        limit: Optional[int] = None,
        used: Optional[int] = None,
        period: Optional[str] = None,
        upgrade_url: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.plan = plan
        self.limit = limit
        self.used = used
        self.period = period
        self.upgrade_url = upgrade_url


class ServerError(HTTPError):
    """5xx from the gateway or a proxy in front of it."""


class InvalidResponseError(HTTPError):
    """A success status whose body is not what the route returns (not JSON, truncated,
    wrong shape). The request may have been processed. ``transient`` is true when the
    body could not be decoded at all (e.g. cut short), which the client retries where
    that is safe."""

    def __init__(self, message: str, *, transient: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.transient = transient


class ConnectionError(_Picklable, ContractGateError, builtins.ConnectionError):
    """No (complete) response: DNS failure, refused or reset connection, TLS error,
    a response cut short, or a client-side timeout (also ``APIConnectionError``).

    The name is v0.1's. It is also a subclass of the builtin ``ConnectionError``, so
    ``except ConnectionError`` catches it whichever of the two the name means where you
    write it; ``APIConnectionError`` is the unambiguous spelling. ``method``/``url`` name
    the request, ``idempotency_key`` is set for ingest batches (resend with the same
    key), and ``__cause__`` is the underlying httpx exception.
    """

    def __init__(
        self,
        message: str,
        *,
        method: Optional[str] = None,
        url: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.idempotency_key = idempotency_key

    def __str__(self) -> str:
        return self.message


APIConnectionError = ConnectionError


class APITimeoutError(ContractGateError):
    """Any timeout (also ``RequestTimeoutError``): catch this to handle both kinds.

    * :class:`ClientTimeoutError` (also a :class:`ConnectionError`, as in v0.1): the
      client's own timeout expired;
    * :class:`ServerTimeoutError` (also an :class:`HTTPError`): the gateway answered 408
      after its 30 s limit.
    """


RequestTimeoutError = APITimeoutError


class ClientTimeoutError(APITimeoutError, ConnectionError):
    """The client-side timeout expired (connect, write, read or pool)."""


class ServerTimeoutError(APITimeoutError, HTTPError):
    """408 Request Timeout from the gateway (empty body, after 30 s)."""


class EventEncodeError(_Picklable, ContractGateError, ValueError):
    """An event can never be sent: not JSON-encodable (NaN/Infinity, sets, bytes, lone
    surrogates, non-string keys that JSON cannot express...), nested deeper than the
    gateway accepts, an integer the gateway cannot represent, or larger than the per-event
    / per-request limit. Raised before anything is sent. ``index`` is the event's position
    in the caller's iterable; ``reason`` says why."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"event at index {index} cannot be sent: {reason}")
        self.index = index
        self.reason = reason


@dataclass(frozen=True)
class UnacknowledgedBatch:
    """Events of a chunked ingest the gateway did not acknowledge: ``indexes`` (positions
    in the caller's input), whether they were ``sent`` (the gateway may have stored them)
    and the ``idempotency_key`` they were sent with (None when not sent, or sent without
    one: the legacy route, a dry run). Resending exactly these events with that key is
    answered from the gateway's idempotency cache if it stored them."""

    indexes: range
    sent: bool
    idempotency_key: Optional[str] = None


class PartialIngestError(_Picklable, ContractGateError):
    """A chunked ingest stopped after some batches were acknowledged.

    * ``accepted``: merged :class:`BatchIngestResponse` of the acknowledged batches (their
      ``index`` values are positions in the caller's iterable);
    * ``unsent_indexes``: sorted positions of every event whose batch was not acknowledged
      (including the failing batch), ``first_unsent_index`` the smallest of them;
    * ``cause``: the error that stopped the ingest (also ``__cause__``);
    * ``failed_idempotency_key``: the key of the batch that failed (resend those events
      with it to stay deduplicated);
    * ``unacknowledged_batches``: the same positions as :class:`UnacknowledgedBatch`
      runs: each batch that was sent and not acknowledged with its key (``AsyncClient``
      may have several, beside batches acknowledged after them), and the runs never
      sent. Resuming each one alone (``ingest(cid, events[b.indexes.start:
      b.indexes.stop], idempotency_key=b.idempotency_key)``) stores every event once;
    * ``unread_from``: for an input without ``len()`` (a generator, an async iterable)
      whose end was not reached, the position where the SDK stopped reading it: the
      events from there on were neither read nor sent, are *not* in ``unsent_indexes``,
      and are still in your iterator. None when ``unsent_indexes`` covers the whole rest
      of the input (a list, a tuple, or an input read to its end).

    It is raised only when at least one batch was acknowledged; a failure of the first
    batch raises the underlying error itself.
    """

    def __init__(
        self,
        *,
        accepted: BatchIngestResponse,
        unsent_indexes: Sequence[int],
        cause: BaseException,
        failed_idempotency_key: Optional[str] = None,
        unread_from: Optional[int] = None,
        unacknowledged_batches: Sequence[UnacknowledgedBatch] = (),
    ) -> None:
        self.accepted = accepted
        self.unacknowledged_batches = tuple(unacknowledged_batches)
        self.unsent_indexes = unsent_indexes
        self.first_unsent_index: Optional[int] = unsent_indexes[0] if unsent_indexes else None
        self.cause = cause
        self.failed_idempotency_key = failed_idempotency_key
        self.unread_from = unread_from
        rest = "" if unread_from is None else f"; the input was not read from index {unread_from}"
        super().__init__(
            f"ingest stopped: {accepted.total} event(s) acknowledged, "
            f"{len(unsent_indexes)} not acknowledged starting at index "
            f"{self.first_unsent_index}{rest}: {type(cause).__name__}: {cause}"
        )


# --------------------------------------------------------------------------------------
# Status -> error class (spec gateway-api.md §7.2, with the finer classes of this SDK).
# The clients refine a few answers by their body (plan limit, atomic, deprecated pin,
# idempotency conflict); every class below is an HTTPError, as v0.1's were.
# --------------------------------------------------------------------------------------

_BY_STATUS: Dict[int, Type[HTTPError]] = {
    400: BadRequestError,
    401: AuthError,
    404: NotFoundError,
    408: ServerTimeoutError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: ValidationFailedError,
    429: RateLimitError,
}


def status_to_exception(status: int) -> Type[HTTPError]:
    """The error class for an HTTP status (v0.1's function; 5xx -> :class:`ServerError`)."""
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls
    # HTTP allows three-digit statuses up to 999 (a proxy's 999): only 5xx are the server's
    return ServerError if 500 <= status <= 599 else HTTPError


def raise_for_status(status: int, body: Any, default_message: Optional[str] = None) -> None:
    """Raise the error for a non-2xx ``status`` (v0.1's helper, kept for callers that
    decode responses themselves); return ``None`` for 2xx.

    The message is the first string under the body keys ``error``, ``message``,
    ``detail``, else ``default_message``, else ``"HTTP <status>"``.
    """
    if 200 <= status < 300:
        return
    message = None
    if isinstance(body, Mapping):
        for key in ("error", "message", "detail"):
            value = body.get(key)
            if isinstance(value, str):
                message = value
                break
    cls = status_to_exception(status)
    raise cls(message or default_message or f"HTTP {status}", status_code=status, body=body)


# --------------------------------------------------------------------------------------
# deployed contracts (Contract.from_gateway and its cache)

__all__ += ["DeployedContractError", "StaleContractWarning"]


class DeployedContractError(_Picklable, ContractGateError):
    """A deployed contract could not be had: the gateway cannot be reached (or is not
    configured) and the local cache holds no usable copy, a name matches no contract or
    several, or the cached copy is corrupt while offline. ``contract`` and ``version``
    name what was asked for; ``path`` is the cache file concerned, when there is one;
    ``reason`` is one of ``no_gateway``, ``unknown_contract``, ``ambiguous_name``,
    ``unreachable`` (no copy, or an unusable one, and the gateway cannot answer),
    ``hash_mismatch`` (the gateway's YAML and announced hash disagree),
    ``invalid_answer`` (the answer is not the version asked for, or has no YAML or no
    hash; nothing is cached) or ``setting``."""

    def __init__(
        self,
        message: str,
        *,
        contract: Optional[str] = None,
        version: Optional[str] = None,
        path: Optional[str] = None,
        reason: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.contract = contract
        self.version = version
        self.path = path
        self.reason = reason


class StaleContractWarning(UserWarning):
    """A deployed contract came from the local cache although its re-check was due: the
    gateway could not be reached, so a newer version may be deployed."""
