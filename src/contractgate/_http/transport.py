"""The client's configuration and one request builder per gateway route.

:class:`Transport` holds the options both clients share (base URL, API key, timeouts,
retry policy, headers, response size limit), decides which headers go to which origin
(:meth:`Transport.headers_for`), and builds a :class:`PreparedRequest` for every route,
with the decoder of its answer. It does no I/O: the clients send, :mod:`.retry` decides
what happens next, :mod:`.ingest_plan` plans an ``ingest()``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import random
import re
import uuid
import warnings
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
)

import httpx

from .._validation.inputs import iter_events
from .._wire import parse_list
from ..exceptions import EgressRejectedError
from ..models import (
    AuditEntry,
    ContractResponse,
    ContractSummary,
    ContractVersionPointer,
    EgressResponse,
    EnvelopeIngestResponse,
    Health,
    IngestionStats,
    PlaygroundResult,
    QuarantineEntry,
    Ready,
    ReplayHistoryEntry,
    ReplayResponse,
    TopLevelReplayOutcome,
    TopLevelReplayResponse,
    Usage,
    VersionResponse,
    VersionSummary,
)
from .body import ACCEPT_ENCODING
from .chunking import (
    LEGACY_MAX_BODY_BYTES,
    MAX_EVENTS_PER_BATCH,
    V1_MAX_BODY_BYTES,
    batch_limit,
    check_max_batch_events,
    encode_single_body,
    encode_whole_body,
    input_length,
)
from .ingest_plan import IngestOptions, IngestPlan, check_idempotency_key
from .logging import logger, redact, register_secret
from .pagination import check_page_size
from .request import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    SECRET_HEADERS,
    USER_AGENT,
    PreparedRequest,
    RawResponse,
    RetryClass,
    RetryPolicy,
    TimeoutTypes,
    canonical_id,
    dedupe_ids,
    normalise_timeout,
    optional_text,
    path_segment,
)
from .responses import (
    error_from_response,
    expect_array,
    expect_object,
    invalid,
    is_error_object,
)
from .retry import RequestRun

# RetryPolicy lives in .request; it stays importable from here, its earlier home.
__all__ = ["RetryPolicy", "Transport", "split_contract_ref"]

T = TypeVar("T")


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


def normalise_base_url(base_url: object) -> str:
    """The gateway's base URL without a trailing slash, or a ``ValueError`` saying what is
    wrong with it (never echoing it: it may hold a password)."""
    try:
        url = httpx.URL(str(base_url).strip())
    except httpx.InvalidURL as err:  # its message names the part, not the whole URL
        raise ValueError(f"base_url is not a valid URL: {err}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("base_url must be an absolute http:// or https:// URL")
    if url.port is not None and not 0 < url.port <= 65535:
        raise ValueError(f"base_url has no valid port: {url.port} is not in 1..65535")
    if url.query or url.fragment:
        raise ValueError("base_url must not carry a query or fragment")
    if url.userinfo:
        raise ValueError(
            "base_url must not carry a user name or password (user:password@host): a URL "
            "ends up in reprs, log lines and error messages; the gateway authenticates "
            "with api_key"
        )
    return str(url.copy_with(path=url.path.rstrip("/") or "/")).rstrip("/")


def _origin(url: httpx.URL) -> Tuple[str, str, int]:
    port = url.port or (443 if url.scheme == "https" else 80)
    return (url.scheme, url.host, port)


def _is_loopback(host: str) -> bool:
    if host in ("localhost",) or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


#: An HTTP header name (RFC 9110 token).
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def check_header_value(what: str, value: str) -> None:
    """Refuse, when the client is made, a value HTTP/1.1 cannot carry in a header (h11's
    rule: printable ASCII, inner spaces and tabs): at the first call it was a raw
    ``UnicodeEncodeError``, or a retried connection error quoting the value. The value
    itself is never repeated (it may be a key)."""
    if not all(c == "\t" or " " <= c <= "~" for c in value):
        raise ValueError(
            f"{what} holds a character that is not printable ASCII (a line break, a "
            "control character or a non-ASCII letter); HTTP headers cannot carry it"
        )
    if value != value.strip(" \t"):
        raise ValueError(f"{what} starts or ends with whitespace")


def check_client_options(
    *,
    api_key: Optional[str] = None,
    org_id: Optional[str] = None,
    timeout: TimeoutTypes = None,
    max_retries: Optional[int] = None,
) -> None:
    """The checks on a client's key, organisation, timeout and retry count (``None``: not
    given), shared with ``partitions.ClientConfig``, which each task turns into a client:
    a bad value is refused where it is written, not once per task."""
    if api_key is not None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("api_key must be a non-empty string")
        check_header_value("api_key", api_key)  # never echoed: it is a secret
    if org_id is not None:
        check_header_value("org_id", str(org_id))
    normalise_timeout(timeout, DEFAULT_TIMEOUT)
    if max_retries is not None:
        if not isinstance(max_retries, int) or isinstance(max_retries, bool):
            raise TypeError("max_retries must be an int")
        RetryPolicy(max_retries=max_retries)


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
        max_response_bytes: Optional[int] = None,
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
        self._base = normalise_base_url(base_url)
        self._base_url = httpx.URL(self._base)
        self._api_key = api_key
        check_client_options(
            api_key=api_key, org_id=org_id, timeout=timeout, max_retries=max_retries
        )
        if api_key is not None:
            register_secret(api_key)
        self._org_id = org_id
        self._timeout = normalise_timeout(timeout, DEFAULT_TIMEOUT)
        policy = retry_policy or RetryPolicy()
        if max_retries is not None:
            policy = dataclasses.replace(policy, max_retries=max_retries)
        self._policy = policy
        if max_response_bytes is None:
            max_response_bytes = DEFAULT_MAX_RESPONSE_BYTES
        if not isinstance(max_response_bytes, int) or isinstance(max_response_bytes, bool):
            raise TypeError("max_response_bytes must be an int (bytes)")
        if max_response_bytes < 1:
            raise ValueError("max_response_bytes must be >= 1")
        self._max_response_bytes = max_response_bytes
        headers: Dict[str, str] = {}
        for k, v in (default_headers or {}).items():
            name, value = str(k), str(v)
            if not _TOKEN.fullmatch(name):
                raise ValueError(f"default_headers: {name!r} is not a valid header name")
            check_header_value(f"default_headers[{name!r}]", value)  # values may be secrets
            headers[name] = value
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

    @property
    def max_response_bytes(self) -> int:
        return self._max_response_bytes

    def options(self) -> Dict[str, Any]:
        return {
            "base_url": self._base,
            "api_key": self._api_key,
            "org_id": self._org_id,
            "timeout": self._timeout,
            "max_retries": self._policy.max_retries,
            "default_headers": dict(self._default_headers),
            "retry_policy": self._policy,
            "max_response_bytes": self._max_response_bytes,
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

    def headers_for(self, url: httpx.URL) -> Dict[str, str]:
        """The base headers of a request to ``url``: with the credentials when it is the
        configured origin, without them (and without any credential-like default
        header) anywhere else, e.g. after a redirect."""
        if self.is_trusted_origin(url):
            return self.base_headers()
        logger.debug(
            "redirect to another origin %s://%s: credentials not forwarded", url.scheme, url.host
        )
        return self.base_headers(trusted=False)

    def base_headers(self, *, trusted: bool = True) -> Dict[str, str]:
        h: Dict[str, str] = {"Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING}
        h.update(self._default_headers)
        h["User-Agent"] = USER_AGENT
        if trusted:
            if self._api_key is not None:
                h["x-api-key"] = self._api_key
            if self._org_id is not None:
                h["x-org-id"] = str(self._org_id)
        else:
            for k in list(h):
                if k.lower() in SECRET_HEADERS:
                    del h[k]
        return h

    def run(
        self, request: PreparedRequest[T], rng: Callable[[], float] = random.random
    ) -> RequestRun[T]:
        return RequestRun(request, self._policy, self.headers_for, rng)

    # ------------------------------------------------------------------ building
    def build(
        self,
        method: str,
        path: str,
        decoder: Callable[[RawResponse], T],
        *,
        params: Sequence[Tuple[str, Any]] = (),
        content: Optional[bytes] = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: TimeoutTypes = None,
        retry_class: RetryClass = RetryClass.SAFE,
        accept: FrozenSet[int] = frozenset(),
        idempotency_key: Optional[str] = None,
    ) -> PreparedRequest[T]:
        h = self.base_headers()
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
            # a str subclass (a str Enum member) by its value, as paths send it, not by
            # its __str__ ("Ids.ORDERS")
            ps.append((k, str.__str__(v) if isinstance(v, str) else str(v)))
        return PreparedRequest(
            method=method,
            url=self._base + path,
            params=tuple(ps),
            headers=h,
            content=content,
            timeout=normalise_timeout(timeout, self._timeout),
            retry_class=retry_class,
            decoder=decoder,
            accept=accept,
            idempotency_key=idempotency_key,
            max_response_bytes=self._max_response_bytes,
        )

    # ------------------------------------------------------------------ simple reads
    def health(self, timeout: TimeoutTypes = None) -> PreparedRequest[Health]:
        return self.build(
            "GET", "/health", lambda r: Health.from_dict(expect_object(r)), timeout=timeout
        )

    def ready(self, timeout: TimeoutTypes = None) -> PreparedRequest[Ready]:
        def decode(r: RawResponse) -> Ready:
            # a 503 is the readiness answer only in its shape (spec §3.10); any other 503
            # (a proxy's page, an error object) is an InvalidResponseError here, which the
            # retry machine turns into the ServerError of a GET: retried, as every 5xx
            data = expect_object(r)
            if r.status_code == 503 and (
                is_error_object(data) or not isinstance(data.get("status"), str)
            ):
                raise invalid(r, "not the readiness answer")
            return dataclasses.replace(Ready.from_dict(data), status_code=r.status_code)

        return self.build("GET", "/ready", decode, timeout=timeout, accept=frozenset({503}))

    def stats(self, timeout: TimeoutTypes = None) -> PreparedRequest[IngestionStats]:
        return self.build(
            "GET", "/stats", lambda r: IngestionStats.from_dict(expect_object(r)), timeout=timeout
        )

    def contract_stats(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[IngestionStats]:
        return self.build(
            "GET",
            f"/ingest/{path_segment(contract_id, 'contract_id')}/stats",
            lambda r: IngestionStats.from_dict(expect_object(r)),
            timeout=timeout,
        )

    def usage(self, timeout: TimeoutTypes = None) -> PreparedRequest[Usage]:
        return self.build(
            "GET", "/usage", lambda r: Usage.from_dict(expect_object(r)), timeout=timeout
        )

    def list_contracts(
        self, timeout: TimeoutTypes = None
    ) -> PreparedRequest[List[ContractSummary]]:
        return self.build(
            "GET",
            "/contracts",
            lambda r: parse_list(ContractSummary, expect_array(r)),
            timeout=timeout,
        )

    def get_contract(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[ContractResponse]:
        return self.build(
            "GET",
            f"/contracts/{path_segment(contract_id, 'contract_id')}",
            lambda r: ContractResponse.from_dict(expect_object(r)),
            timeout=timeout,
        )

    def list_versions(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[List[VersionSummary]]:
        return self.build(
            "GET",
            f"/contracts/{path_segment(contract_id, 'contract_id')}/versions",
            lambda r: parse_list(VersionSummary, expect_array(r)),
            timeout=timeout,
        )

    def get_version(
        self, contract_id: str, version: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[VersionResponse]:
        return self.build(
            "GET",
            f"/contracts/{path_segment(contract_id, 'contract_id')}/versions/"
            f"{path_segment(version, 'version')}",
            lambda r: VersionResponse.from_dict(expect_object(r)),
            timeout=timeout,
        )

    def get_latest_stable(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[VersionResponse]:
        return self.build(
            "GET",
            f"/contracts/{path_segment(contract_id, 'contract_id')}/versions/latest-stable",
            lambda r: VersionResponse.from_dict(expect_object(r)),
            timeout=timeout,
        )

    def get_contract_version(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[ContractVersionPointer]:
        return self.build(
            "GET",
            f"/v1/contracts/{path_segment(contract_id, 'contract_id')}/version",
            lambda r: ContractVersionPointer.from_dict(expect_object(r)),
            timeout=timeout,
        )

    def audit_page(
        self, contract_id: Optional[str], offset: int, limit: int, timeout: TimeoutTypes = None
    ) -> PreparedRequest[List[AuditEntry]]:
        return self.build(
            "GET",
            "/audit",
            lambda r: parse_list(AuditEntry, expect_array(r)),
            params=(("contract_id", contract_id), ("limit", limit), ("offset", offset)),
            timeout=timeout,
        )

    def quarantine_page(
        self, contract_id: Optional[str], offset: int, limit: int, timeout: TimeoutTypes = None
    ) -> PreparedRequest[List[QuarantineEntry]]:
        return self.build(
            "GET",
            "/quarantine",
            lambda r: parse_list(QuarantineEntry, expect_array(r)),
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
            lambda r: PlaygroundResult.from_dict(expect_object(r)),
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
        body = encode_single_body(
            events,
            max_events=MAX_EVENTS_PER_BATCH,
            max_body_bytes=LEGACY_MAX_BODY_BYTES,
            what="egress",
        )

        def decode(r: RawResponse) -> EgressResponse:
            data = expect_object(r)
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
            f"/egress/{path_segment(cid, 'contract_id')}",
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
        body: Dict[str, Any] = {"ids": dedupe_ids(ids, "ids")}
        if optional_text(target_version, "target_version") is not None:
            body["target_version"] = target_version
        return self.build(
            "POST",
            f"/contracts/{path_segment(contract_id, 'contract_id')}/quarantine/replay",
            lambda r: ReplayResponse.from_dict(expect_object(r)),
            content=_encode_json(body),
            timeout=timeout,
            retry_class=RetryClass.REPLAY,
        )

    def replay_history(
        self, contract_id: str, quarantine_id: str, timeout: TimeoutTypes = None
    ) -> PreparedRequest[List[ReplayHistoryEntry]]:
        return self.build(
            "GET",
            f"/contracts/{path_segment(contract_id, 'contract_id')}/quarantine/"
            f"{path_segment(quarantine_id, 'quarantine_id')}/replay-history",
            lambda r: parse_list(ReplayHistoryEntry, expect_array(r)),
            timeout=timeout,
        )

    def replay_events(
        self,
        event_ids: Sequence[str],
        version: Optional[str] = None,
        contract_id: Optional[str] = None,
        timeout: TimeoutTypes = None,
    ) -> PreparedRequest[TopLevelReplayResponse]:
        body: Dict[str, Any] = {"event_ids": dedupe_ids(event_ids, "event_ids")}
        if optional_text(version, "version") is not None:
            body["version"] = version
        if contract_id is not None:
            body["contract_id"] = canonical_id(contract_id, "contract_id")
        return self.build(
            "POST",
            "/quarantine/replay",
            lambda r: TopLevelReplayResponse.from_dict(expect_object(r)),
            content=_encode_json(body),
            timeout=timeout,
            retry_class=RetryClass.REPLAY,
        )

    def event_replay_history(
        self, event_id: str, limit: Optional[int] = None, timeout: TimeoutTypes = None
    ) -> PreparedRequest[List[TopLevelReplayOutcome]]:
        if limit is not None:
            check_page_size("limit", limit)
        return self.build(
            "GET",
            "/quarantine/replay-history",
            lambda r: parse_list(TopLevelReplayOutcome, expect_array(r)),
            params=(("event_id", canonical_id(event_id, "event_id")), ("limit", limit)),
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
        body = encode_whole_body(envelope, max_body_bytes=LEGACY_MAX_BODY_BYTES)

        def decode(r: RawResponse) -> EnvelopeIngestResponse:
            data = expect_object(r)
            if "results" in data and "quarantined" not in data:
                raise invalid(
                    r,
                    "the contract is not an envelope contract (got a batch answer); use ingest()",
                )
            return EnvelopeIngestResponse.from_dict(data)

        return self.build(
            "POST",
            f"/ingest/{path_segment(cid, 'contract_id')}",
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
        path_segment(cid, "contract_id")
        if route not in ("v1", "legacy"):
            raise ValueError("route must be 'v1' or 'legacy'")
        cap = V1_MAX_BODY_BYTES if route == "v1" else LEGACY_MAX_BODY_BYTES
        if max_batch_bytes is not None:
            cap = batch_limit("max_batch_bytes", max_batch_bytes, 3, cap, f" on route {route!r}")
        max_batch_events = check_max_batch_events(max_batch_events)
        if idempotency_key is not None:
            if route != "v1":
                raise ValueError("idempotency keys exist only on route='v1'")
            idempotency_key = check_idempotency_key(idempotency_key)  # its text
        return IngestOptions(
            contract_id=cid,
            version=pin,
            dry_run=bool(dry_run),
            atomic=bool(atomic),
            idempotency_key=idempotency_key,
            timeout=normalise_timeout(timeout, self._timeout),
            route=route,
            max_batch_events=max_batch_events,
            max_batch_bytes=cap,
        )

    def start_ingest(
        self,
        options: IngestOptions,
        *,
        keep_results: bool = True,
        input_length: Optional[int] = None,
        on_batch: bool = False,
    ) -> IngestPlan:
        """An empty streaming plan: feed it events with ``fill()``/``add()`` and
        ``flush()``; ``input_length`` is ``len()`` of the input when it has one;
        ``on_batch``: a callback reads each acknowledged batch."""
        return IngestPlan(
            self,
            options,
            keep_results=keep_results,
            input_length=input_length,
            on_batch=on_batch,
        )

    def prepare_ingest(self, contract_id: str, events: Any, **kwargs: Any) -> IngestPlan:
        """``ingest_options`` + encode every event of ``events`` into a plan whose
        ``batches`` are all known (used by the benchmark; the clients stream)."""
        options = self.ingest_options(contract_id, **kwargs)
        it = iter_events(events)
        plan = self.start_ingest(options, input_length=input_length(events))
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
