"""The synchronous HTTP client. It only moves bytes: every request is built, decoded and
retried by the HTTP wing (:mod:`contractgate._http`), and everything that is not I/O is
shared with :class:`AsyncClient` (:class:`~contractgate._http.base.BaseClient`)."""

from __future__ import annotations

import time
from typing import Any, Callable, List, Mapping, Optional, Sequence, TypeVar

import httpx

from ._http.base import BaseClient
from ._http.body import BodyReader
from ._http.deadline import attempt_deadline, bind_client
from ._http.ingest_plan import IngestRefused
from ._http.pagination import Pager, page_size_for
from ._http.request import PreparedRequest, RawResponse, RetryPolicy, TimeoutTypes, attempt_budget
from ._http.responses import TRANSPORT_ERRORS
from ._http.retry import Done, Fail
from ._http.transport import Transport
from .exceptions import ContractGateError
from .models import (
    AuditEntry,
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
    Ready,
    ReplayHistoryEntry,
    ReplayResponse,
    TopLevelReplayOutcome,
    TopLevelReplayResponse,
    Usage,
    VersionResponse,
    VersionSummary,
)

__all__ = ["Client"]

T = TypeVar("T")


class Client(BaseClient):
    """Synchronous client for the ContractGate gateway (safe to share between threads).

    ::

        with Client("https://gateway.example", api_key="cg_live_…") as cg:
            result = cg.ingest(contract_id, events)

    Options: ``base_url`` and ``api_key`` (fall back to ``CONTRACTGATE_BASE_URL`` and
    ``CONTRACTGATE_API_KEY``), ``org_id`` (sent as ``x-org-id``; only dev servers read
    it), ``timeout`` (seconds or ``httpx.Timeout``; default connect 10 s, read/write
    40 s), ``transport`` (an ``httpx.BaseTransport``, as in v0.1), ``max_retries``
    (default 2), ``default_headers``, ``http_client`` (your own ``httpx.Client``; you
    close it), ``retry_policy`` (advanced backoff settings), ``verify`` (TLS
    verification, passed to httpx) and ``max_response_bytes`` (the most decoded bytes
    read of one answer; default 128 MiB).
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        org_id: Optional[str] = None,
        timeout: TimeoutTypes = None,
        transport: Optional[httpx.BaseTransport] = None,
        *,
        max_retries: Optional[int] = None,
        default_headers: Optional[Mapping[str, str]] = None,
        http_client: Optional[httpx.Client] = None,
        retry_policy: Optional[RetryPolicy] = None,
        verify: Any = None,
        max_response_bytes: Optional[int] = None,
        _transport: Optional[Transport] = None,
    ) -> None:
        self._configure(
            base_url=base_url,
            api_key=api_key,
            org_id=org_id,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            retry_policy=retry_policy,
            max_response_bytes=max_response_bytes,
            transport=_transport,
        )
        given = self._use_http_client(
            http_client, transport=transport, verify=verify, expected=httpx.Client,
            other="AsyncClient for async",
        )  # fmt: skip
        if not given:
            kwargs = self._http_options()
            if verify is not None:
                kwargs["verify"] = verify
            if transport is not None:
                kwargs["transport"] = transport
            self._http = httpx.Client(**kwargs)
        # each attempt's total deadline down to the socket, for httpx's own transports
        # (a caller's http_client= or transport= too), as AsyncClient's wait_for does
        bind_client(self._http)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Close the connection pool (unless it belongs to a caller-given http_client or
        to the client this one was derived from with ``with_options``)."""
        self._closed = True
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ I/O core
    def _send(self, req: PreparedRequest[Any]) -> RawResponse:
        request = self._build_request(req)
        budget = attempt_budget(req.timeout)
        start = time.monotonic()
        with attempt_deadline(budget):
            response = self._http.send(request, follow_redirects=False, stream=True)
            try:
                body = BodyReader(response.headers, req.max_response_bytes)
                if response.is_stream_consumed:  # read by the transport itself
                    body.take_decoded(response.content)
                elif not body.over_limit:
                    for chunk in response.iter_raw():
                        # checked here too: a caller's own transport has no deadline
                        if budget is not None and time.monotonic() - start > budget:
                            raise httpx.ReadTimeout(
                                f"response not complete within {budget:g} s", request=request
                            )
                        if not body.feed(chunk):
                            break
                content = body.finish()
            finally:
                response.close()
        return self._raw_response(response, req, content, body.over_limit)

    def _execute(self, prepared: PreparedRequest[T]) -> T:
        self._check_open()
        run = self._t.run(prepared)
        while True:
            req = run.begin()
            try:
                raw = self._send(req)
            except TRANSPORT_ERRORS as exc:
                step = run.on_exception(exc)
            else:
                step = run.on_response(raw)
            if isinstance(step, Done):
                return step.value
            if isinstance(step, Fail):
                raise step.error from step.cause
            if step.delay > 0:
                time.sleep(step.delay)

    # ------------------------------------------------------------------ ingest
    def ingest(
        self,
        contract_id: str,
        events: Any,
        version: Optional[str] = None,
        dry_run: bool = False,
        atomic: bool = False,
        timeout: TimeoutTypes = None,
        *,
        idempotency_key: Optional[str] = None,
        route: str = "v1",
        max_batch_events: int = 1000,
        max_batch_bytes: Optional[int] = None,
        on_batch: Optional[Callable[[BatchIngestResponse], Any]] = None,
        keep_results: bool = True,
    ) -> BatchIngestResponse:
        """Validate and store ``events`` (any iterable, or one mapping) against a contract.

        Returns one :class:`BatchIngestResponse` whose results are in input order with
        ``index`` = position in ``events``. A batch where every event failed is returned
        (``status_code == 422``), not raised. The input is split into requests of at most
        1000 events and 2,000,000 bytes (1,000,000 with ``route="legacy"``); every
        ``/v1`` request carries an Idempotency-Key (``idempotency_key`` for the first
        batch, ``<key>#<n>`` for batch *n*; a fresh UUID per batch when not given), and a
        retry resends the same bytes with the same key.

        ``events`` is streamed: each event is encoded when it is read, and the input is
        read ahead of the requests until 8 encoded batches (or 8 MiB) wait to be sent.
        ``contract_id`` may be ``"<id>@<version>"``; ``version`` wins over the suffix.
        ``route="legacy"`` posts to ``/ingest/{id}`` (no idempotency, fewer retries).

        An event that cannot be sent raises :class:`EventEncodeError` before the batch
        containing it is sent. Rejections raise :class:`AtomicRejectedError` /
        :class:`DeprecatedVersionError` (with the parsed batch); an answer that does not
        hold one verdict per event sent raises :class:`InvalidResponseError` with the
        batch's ``idempotency_key``. When earlier batches were acknowledged, any of these
        is the ``cause`` of a :class:`PartialIngestError`; the SDK then stops reading
        ``events``: ``unsent_indexes`` lists every unsent position of an input with
        ``len()``, and ``unread_from`` says where reading stopped in one without.
        ``on_batch`` is called with each acknowledged batch's response. With
        ``keep_results=False`` the returned response (and ``PartialIngestError.accepted``)
        keeps the counts, batch metadata and the failing results only.
        """
        plan, it = self._start_ingest(
            contract_id,
            events,
            version=version,
            dry_run=dry_run,
            atomic=atomic,
            timeout=timeout,
            idempotency_key=idempotency_key,
            route=route,
            max_batch_events=max_batch_events,
            max_batch_bytes=max_batch_bytes,
            keep_results=keep_results,
            on_batch=on_batch is not None,
        )
        assert it is not None
        with plan:
            try:
                while not plan.failed:
                    try:
                        plan.fill(it)
                    except (ContractGateError, IngestRefused) as err:
                        plan.record_failure(len(plan.batches), err)
                        break
                    batch = plan.next_ready()
                    if batch is None:
                        break
                    try:
                        part = self._execute(plan.request(batch))
                    except ContractGateError as err:
                        plan.record_failure(batch.number, err)
                        break
                    plan.acknowledge(batch, part)
                    if on_batch is not None:
                        on_batch(part)
            except BaseException as exc:
                plan.interrupted(exc)
                raise
            return plan.outcome()

    def ingest_envelope(
        self,
        contract_id: str,
        envelope: Mapping[str, Any],
        version: Optional[str] = None,
        dry_run: bool = False,
        timeout: TimeoutTypes = None,
    ) -> EnvelopeIngestResponse:
        """Send one envelope object to an envelope contract (legacy ``/ingest`` route,
        the only one that implements envelopes)."""
        return self._execute(
            self._t.ingest_envelope(
                contract_id, envelope, version=version, dry_run=dry_run, timeout=timeout
            )
        )

    def egress(
        self,
        contract_id: str,
        events: Any,
        version: Optional[str] = None,
        disposition: str = "block",
        dry_run: bool = False,
        timeout: TimeoutTypes = None,
    ) -> EgressResponse:
        """Validate outbound records and get the cleaned ``payload`` (≤ 1000 records).

        Verdicts (200/207/422) are returned; ``disposition="fail"`` with a failing record
        raises :class:`EgressRejectedError` carrying the parsed response."""
        return self._execute(
            self._t.egress(
                contract_id,
                events,
                version=version,
                disposition=disposition,
                dry_run=dry_run,
                timeout=timeout,
            )
        )

    def playground_validate(
        self, yaml_content: str, event: Any, timeout: TimeoutTypes = None
    ) -> PlaygroundResult:
        """Validate one event against unsaved contract YAML (nothing is stored)."""
        return self._execute(self._t.playground_validate(yaml_content, event, timeout))

    # ------------------------------------------------------------------ contracts
    def list_contracts(self, timeout: TimeoutTypes = None) -> List[ContractSummary]:
        """Every contract of the organisation, newest first (the gateway does not page)."""
        return self._execute(self._t.list_contracts(timeout))

    def get_contract(self, contract_id: str, timeout: TimeoutTypes = None) -> ContractResponse:
        """One contract (:class:`NotFoundError` if unknown or another org's)."""
        return self._execute(self._t.get_contract(contract_id, timeout))

    def list_versions(self, contract_id: str, timeout: TimeoutTypes = None) -> List[VersionSummary]:
        """The versions of a contract, newest ``created_at`` first (not semver order)."""
        return self._execute(self._t.list_versions(contract_id, timeout))

    def get_version(
        self, contract_id: str, version: str, timeout: TimeoutTypes = None
    ) -> VersionResponse:
        """One version, with its YAML (the version string is URL-encoded)."""
        return self._execute(self._t.get_version(contract_id, version, timeout))

    def get_latest_stable(self, contract_id: str, timeout: TimeoutTypes = None) -> VersionResponse:
        """The most recently promoted stable version (:class:`ConflictError` if none)."""
        return self._execute(self._t.get_latest_stable(contract_id, timeout))

    def get_contract_version(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> ContractVersionPointer:
        """The latest stable version and the hash of its YAML (cheap to poll)."""
        return self._execute(self._t.get_contract_version(contract_id, timeout))

    # ------------------------------------------------------------------ audit, quarantine
    def audit(
        self,
        contract_id: Optional[str] = None,
        limit: int = 50,
        offset: int = 0,
        *,
        timeout: TimeoutTypes = None,
    ) -> List[AuditEntry]:
        """Up to ``limit`` audit rows from ``offset``, newest first, as a list fetched at
        the call (v0.1's call). For every row, page by page, use :meth:`iter_audit`."""
        return self.iter_audit(
            contract_id, limit=limit, offset=offset, page_size=page_size_for(limit), timeout=timeout
        ).to_list()

    def iter_audit(
        self,
        contract_id: Optional[str] = None,
        *,
        limit: Optional[int] = None,
        offset: int = 0,
        page_size: int = 100,
        timeout: TimeoutTypes = None,
    ) -> Pager[AuditEntry]:
        """Audit rows, newest first, as a :class:`Pager` that fetches ``page_size`` rows
        at a time as you iterate (``limit``: at most that many rows in total; ``None``:
        all)."""
        return Pager(
            lambda off, lim: self._execute(self._t.audit_page(contract_id, off, lim, timeout)),
            limit=limit,
            offset=offset,
            page_size=page_size,
        )

    def quarantine(
        self,
        contract_id: Optional[str] = None,
        limit: int = 50,
        offset: int = 0,
        *,
        timeout: TimeoutTypes = None,
    ) -> List[QuarantineEntry]:
        """Up to ``limit`` quarantined (source) rows from ``offset``, newest first, as a
        list fetched at the call. For every row, page by page, use
        :meth:`iter_quarantine`."""
        return self.iter_quarantine(
            contract_id, limit=limit, offset=offset, page_size=page_size_for(limit), timeout=timeout
        ).to_list()

    def iter_quarantine(
        self,
        contract_id: Optional[str] = None,
        *,
        limit: Optional[int] = None,
        offset: int = 0,
        page_size: int = 100,
        timeout: TimeoutTypes = None,
    ) -> Pager[QuarantineEntry]:
        """Quarantined (source) rows, newest first, as a :class:`Pager` that fetches
        ``page_size`` rows at a time as you iterate (``limit`` as in :meth:`iter_audit`)."""
        return Pager(
            lambda off, lim: self._execute(self._t.quarantine_page(contract_id, off, lim, timeout)),
            limit=limit,
            offset=offset,
            page_size=page_size,
        )

    def replay(
        self,
        contract_id: str,
        ids: Sequence[str],
        target_version: Optional[str] = None,
        timeout: TimeoutTypes = None,
    ) -> ReplayResponse:
        """Re-validate quarantined rows (ids are de-duplicated, 1..1000 per call)."""
        return self._execute(self._t.replay(contract_id, ids, target_version, timeout))

    def replay_history(
        self, contract_id: str, quarantine_id: str, timeout: TimeoutTypes = None
    ) -> List[ReplayHistoryEntry]:
        """Every replay attempt of one quarantined row."""
        return self._execute(self._t.replay_history(contract_id, quarantine_id, timeout))

    def replay_events(
        self,
        event_ids: Sequence[str],
        version: Optional[str] = None,
        contract_id: Optional[str] = None,
        timeout: TimeoutTypes = None,
    ) -> TopLevelReplayResponse:
        """The top-level (lossy) replay route; prefer :meth:`replay`."""
        return self._execute(self._t.replay_events(event_ids, version, contract_id, timeout))

    def event_replay_history(
        self, event_id: str, limit: Optional[int] = None, timeout: TimeoutTypes = None
    ) -> List[TopLevelReplayOutcome]:
        """The replay outcomes of one event on the top-level route."""
        return self._execute(self._t.event_replay_history(event_id, limit, timeout))

    # ------------------------------------------------------------------ stats, health
    def stats(self, timeout: TimeoutTypes = None) -> IngestionStats:
        """Ingestion counters of the organisation."""
        return self._execute(self._t.stats(timeout))

    def contract_stats(self, contract_id: str, timeout: TimeoutTypes = None) -> IngestionStats:
        """Ingestion counters of one contract."""
        return self._execute(self._t.contract_stats(contract_id, timeout))

    def usage(self, timeout: TimeoutTypes = None) -> Usage:
        """This month's metered events against the plan's cap."""
        return self._execute(self._t.usage(timeout))

    def health(self, timeout: TimeoutTypes = None) -> Health:
        """Liveness (no authentication needed)."""
        return self._execute(self._t.health(timeout))

    def ready(self, timeout: TimeoutTypes = None) -> Ready:
        """Readiness; a 503 ``degraded`` answer is returned too (check ``.ok``)."""
        return self._execute(self._t.ready(timeout))
