"""The asyncio HTTP client. Like :class:`Client`, it only moves bytes: requests are
built, decoded and retried by the HTTP wing (:mod:`contractgate._http`), and everything
that is not I/O is shared with :class:`Client` (:class:`~contractgate._http.base.BaseClient`)."""

from __future__ import annotations

import asyncio
import inspect
import weakref
from typing import (
    Any,
    AsyncIterator,
    Callable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    TypeVar,
)

import httpx

from ._http.base import BaseClient
from ._http.body import BodyReader
from ._http.chunking import BatchPlan
from ._http.deadline import SendProgress
from ._http.ingest_plan import IngestPlan, IngestRefused
from ._http.pagination import AsyncPager, page_size_for
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

__all__ = ["AsyncClient"]

T = TypeVar("T")

DEFAULT_MAX_CONCURRENCY = 4

#: The event loop each connection pool (an ``httpx.AsyncClient``, shared by the clients
#: ``with_options`` derives) last sent a request in: its connections belong to it.
_POOL_LOOPS: weakref.WeakKeyDictionary[Any, weakref.ref[asyncio.AbstractEventLoop]] = (
    weakref.WeakKeyDictionary()
)


def _pool_loop(pool: Any) -> Optional[asyncio.AbstractEventLoop]:
    """The loop ``pool`` last sent a request in, or None (never, or that loop is gone,
    and with it every connection it opened)."""
    ref = _POOL_LOOPS.get(pool)
    return ref() if ref is not None else None


def _holds_connections(pool: Any) -> bool:
    """Whether ``pool`` (an ``httpx.AsyncClient``) keeps open connections, in the
    connection pools of httpx's own transports (``_transport``, ``_mounts``: where every
    httpx since 0.18 keeps them; others, such as a mock transport, hold none)."""
    mounts = getattr(pool, "_mounts", {})
    for transport in (getattr(pool, "_transport", None), *mounts.values()):
        if getattr(getattr(transport, "_pool", None), "connections", None):
            return True
    return False


def _traced_by_httpcore(pool: Any, request: httpx.Request) -> bool:
    """Whether ``request`` goes through one of httpx's own transports, which report their
    progress to the request's ``trace`` extension (none set yet: it would be replaced)."""
    if "trace" in request.extensions:
        return False
    pick = getattr(pool, "_transport_for_url", None)  # every httpx since 0.18
    transport = pick(request.url) if pick is not None else None
    return isinstance(transport, httpx.AsyncHTTPTransport)


def _loop_error(before: Optional[asyncio.AbstractEventLoop]) -> Optional[RuntimeError]:
    """What to raise when the pool's connections belong to ``before``, another loop than
    the running one (None otherwise), instead of what httpx does with them: a connection
    of a closed loop fails with "Event loop is closed" (after the request may have gone
    out on a new one), one of a loop running in another thread with an object "bound to
    a different event loop"."""
    if before is None or before is asyncio.get_running_loop():
        return None
    state = "a closed event loop" if before.is_closed() else "another event loop"
    return RuntimeError(
        f"this AsyncClient's connections belong to {state}: an AsyncClient works in one "
        "event loop at a time; create one in each event loop (e.g. `async with "
        "AsyncClient(...) as cg:` inside the coroutine that asyncio.run() runs)"
    )


class AsyncClient(BaseClient):
    """asyncio client for the ContractGate gateway; the options and methods of
    :class:`Client`, with coroutines for every call that does I/O (``iter_audit`` and
    ``iter_quarantine`` return async pagers). Share one instance between tasks::

        async with AsyncClient(base_url, api_key=key) as cg:
            results = await asyncio.gather(*(cg.ingest(cid, chunk) for chunk in chunks))
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        org_id: Optional[str] = None,
        timeout: TimeoutTypes = None,
        transport: Optional[httpx.AsyncBaseTransport] = None,
        *,
        max_retries: Optional[int] = None,
        default_headers: Optional[Mapping[str, str]] = None,
        http_client: Optional[httpx.AsyncClient] = None,
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
            http_client, transport=transport, verify=verify, expected=httpx.AsyncClient,
            other="Client for sync",
        )  # fmt: skip
        if not given:
            kwargs = self._http_options()
            if transport is not None:
                kwargs["transport"] = transport
            if verify is not None:
                kwargs["verify"] = verify
            self._http = httpx.AsyncClient(**kwargs)

    # ------------------------------------------------------------------ lifecycle
    async def aclose(self) -> None:
        """Close the connection pool (unless it belongs to a caller-given http_client or
        to the client this one was derived from with ``with_options``)."""
        self._closed = True
        if self._owns_http:
            before = _pool_loop(self._http)
            try:
                await self._http.aclose()
            except RuntimeError as exc:
                error = _loop_error(before)
                if error is None:
                    raise
                if before is not None and before.is_closed():
                    # connections of a closed loop cannot be closed in it any more: their
                    # sockets are released with them by the garbage collector
                    return
                raise error from exc

    async def close(self) -> None:
        """Same as :meth:`aclose`."""
        await self.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ I/O core
    async def _send(self, req: PreparedRequest[Any]) -> RawResponse:
        request = self._build_request(req)
        budget = attempt_budget(req.timeout)
        if budget is None:
            return await self._receive(request, req)
        # which phase the budget ends in (as the sync client's capped sockets tell it)
        progress = SendProgress(_traced_by_httpcore(self._http, request))
        if progress.traced:
            request.extensions["trace"] = progress.trace
        try:
            return await asyncio.wait_for(self._receive(request, req), budget)
        except asyncio.TimeoutError:
            raise progress.timeout(
                f"the attempt's total time limit of {budget:g} s ran out", request
            ) from None

    async def _receive(self, request: httpx.Request, req: PreparedRequest[Any]) -> RawResponse:
        pool = self._http
        before = _pool_loop(pool)
        loop = asyncio.get_running_loop()
        if before is not loop and _holds_connections(pool):
            error = _loop_error(before)
            if error is not None:
                raise error  # before anything is sent
        try:
            response = await pool.send(request, follow_redirects=False, stream=True)
        except RuntimeError as exc:
            error = _loop_error(before)
            if error is None:
                raise
            raise error from exc
        if before is not loop:
            _POOL_LOOPS[pool] = weakref.ref(loop)
        try:
            body = BodyReader(response.headers, req.max_response_bytes)
            if response.is_stream_consumed:  # read by the transport itself
                body.take_decoded(response.content)
            elif not body.over_limit:
                async for chunk in response.aiter_raw():
                    if not body.feed(chunk):
                        break
            content = body.finish()
        finally:
            await response.aclose()
        return self._raw_response(response, req, content, body.over_limit)

    async def _execute(self, prepared: PreparedRequest[T]) -> T:
        self._check_open()
        run = self._t.run(prepared)
        while True:
            req = run.begin()
            try:
                raw = await self._send(req)
            except TRANSPORT_ERRORS as exc:
                step = run.on_exception(exc)
            else:
                step = run.on_response(raw)
            if isinstance(step, Done):
                return step.value
            if isinstance(step, Fail):
                raise step.error from step.cause
            if step.delay > 0:
                await asyncio.sleep(step.delay)

    # ------------------------------------------------------------------ ingest
    async def ingest(
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
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
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

        AsyncClient only: ``events`` may also be an async iterable, and ``on_batch`` a
        coroutine function. Batches go out with at most ``max_concurrency`` requests in
        flight (default 4; the first batch goes alone, so a wrong contract id, key or
        version fails once), and reading and encoding the next batches overlaps with
        them. After a failure no new batch is started; those in flight finish, and a wait
        for the next event of an async iterable is cancelled (an async generator then
        ends).
        """
        if (
            not isinstance(max_concurrency, int)
            or isinstance(max_concurrency, bool)
            or max_concurrency < 1
        ):
            raise ValueError(f"max_concurrency must be an int >= 1, got {max_concurrency!r}")
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
            allow_async=True,
        )
        with plan:
            ait = events.__aiter__() if it is None else None
            try:
                await self._stream(plan, ait, it, max_concurrency, on_batch)
            except BaseException as exc:
                plan.interrupted(exc)
                raise
            return plan.outcome()

    async def _stream(
        self,
        plan: IngestPlan,
        ait: Optional[AsyncIterator[Any]],
        it: Optional[Iterator[Any]],
        max_concurrency: int,
        on_batch: Optional[Callable[[BatchIngestResponse], Any]],
    ) -> None:
        """Read, encode and send until the input ends or a batch fails; the first batch
        goes alone (a wrong contract id, key or version then fails once instead of in
        every concurrent request), then up to ``max_concurrency`` are in flight."""
        slots = asyncio.Semaphore(max_concurrency)
        tasks: List[asyncio.Future[None]] = []
        # the caller's iterator or callback (or a bug) failed: raised once the batches in
        # flight finish
        broken: List[BaseException] = []
        # set when a batch fails or a callback raises: the reading stops at once, even
        # while it waits for the caller's async iterable
        stop: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        cancelling = False  # the batches in flight are being cancelled (by this call)

        def halt() -> None:
            if not stop.done():
                stop.set_result(None)

        async def send_one(batch: BatchPlan, alone: bool) -> None:
            try:
                try:
                    part = await self._execute(plan.request(batch))
                except ContractGateError as err:
                    plan.record_failure(batch.number, err)
                    halt()
                    return
                plan.acknowledge(batch, part)
                if on_batch is not None:
                    res = on_batch(part)
                    if inspect.isawaitable(res):
                        await res
            except Exception as exc:
                broken.append(exc)
                halt()
            except BaseException as exc:
                # Ctrl-C, SystemExit or a CancelledError raised by the callback of a batch
                # sent beside others: raised by ingest() itself (as for the first batch),
                # not out of the event loop, and never lost with its task
                if alone or cancelling:
                    raise
                broken.append(exc)
                halt()
            finally:
                slots.release()

        async def read_async(source: AsyncIterator[Any]) -> None:
            while plan.wants_more() and not stop.done():
                try:
                    event = await source.__anext__()
                except StopAsyncIteration:
                    plan.flush()
                    return
                plan.add(event)

        async def read_beside(source: AsyncIterator[Any]) -> Optional[BaseException]:
            try:
                await read_async(source)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # raised by the reading call, as if read there
                return exc
            return None

        async def read(source: AsyncIterator[Any]) -> None:
            """``read_async`` while batches are in flight: a failure among them (``stop``)
            ends the wait for the caller's next event instead of waiting for it."""
            if not any(not t.done() for t in tasks):
                await read_async(source)  # nothing can fail meanwhile
                return
            reader = asyncio.ensure_future(read_beside(source))
            try:
                await asyncio.wait((reader, stop), return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not reader.done():
                    reader.cancel()  # the pending __anext__() of the caller's iterable
                    await asyncio.wait((reader,))
            if not reader.cancelled():
                error = reader.result()
                if error is not None:
                    raise error

        try:
            while not plan.failed and not broken:
                try:
                    if ait is not None:
                        await read(ait)
                    else:
                        assert it is not None
                        plan.fill(it)  # a plain iterable is read without awaiting
                except (ContractGateError, IngestRefused) as err:
                    plan.record_failure(len(plan.batches), err)
                    break
                except Exception as exc:  # the caller's iterator: as a callback's error
                    broken.append(exc)
                    break
                if plan.failed or broken:
                    break
                batch = plan.next_ready()
                if batch is None:
                    break
                await slots.acquire()
                if plan.failed or broken:
                    slots.release()
                    break
                if batch.number == 0:
                    await send_one(batch, alone=True)
                else:
                    tasks.append(asyncio.ensure_future(send_one(batch, alone=False)))
                    tasks[:] = [t for t in tasks if not t.done()]
            if tasks:
                await asyncio.gather(*tasks)
            if broken:
                raise broken[0]
        except BaseException:
            cancelling = True
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            aclose = getattr(ait, "aclose", None)
            if aclose is not None:
                await aclose()
            raise

    async def ingest_envelope(
        self,
        contract_id: str,
        envelope: Mapping[str, Any],
        version: Optional[str] = None,
        dry_run: bool = False,
        timeout: TimeoutTypes = None,
    ) -> EnvelopeIngestResponse:
        """Send one envelope object to an envelope contract (legacy ``/ingest`` route,
        the only one that implements envelopes)."""
        return await self._execute(
            self._t.ingest_envelope(
                contract_id, envelope, version=version, dry_run=dry_run, timeout=timeout
            )
        )

    async def egress(
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
        return await self._execute(
            self._t.egress(
                contract_id,
                events,
                version=version,
                disposition=disposition,
                dry_run=dry_run,
                timeout=timeout,
            )
        )

    async def playground_validate(
        self, yaml_content: str, event: Any, timeout: TimeoutTypes = None
    ) -> PlaygroundResult:
        """Validate one event against unsaved contract YAML (nothing is stored)."""
        return await self._execute(self._t.playground_validate(yaml_content, event, timeout))

    # ------------------------------------------------------------------ contracts
    async def list_contracts(self, timeout: TimeoutTypes = None) -> List[ContractSummary]:
        """Every contract of the organisation, newest first (the gateway does not page)."""
        return await self._execute(self._t.list_contracts(timeout))

    async def get_contract(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> ContractResponse:
        """One contract (:class:`NotFoundError` if unknown or another org's)."""
        return await self._execute(self._t.get_contract(contract_id, timeout))

    async def list_versions(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> List[VersionSummary]:
        """The versions of a contract, newest ``created_at`` first (not semver order)."""
        return await self._execute(self._t.list_versions(contract_id, timeout))

    async def get_version(
        self, contract_id: str, version: str, timeout: TimeoutTypes = None
    ) -> VersionResponse:
        """One version, with its YAML (the version string is URL-encoded)."""
        return await self._execute(self._t.get_version(contract_id, version, timeout))

    async def get_latest_stable(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> VersionResponse:
        """The most recently promoted stable version (:class:`ConflictError` if none)."""
        return await self._execute(self._t.get_latest_stable(contract_id, timeout))

    async def get_contract_version(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> ContractVersionPointer:
        """The latest stable version and the hash of its YAML (cheap to poll)."""
        return await self._execute(self._t.get_contract_version(contract_id, timeout))

    # ------------------------------------------------------------------ audit, quarantine
    async def audit(
        self,
        contract_id: Optional[str] = None,
        limit: int = 50,
        offset: int = 0,
        *,
        timeout: TimeoutTypes = None,
    ) -> List[AuditEntry]:
        """Up to ``limit`` audit rows from ``offset``, newest first, as a list fetched at
        the call (v0.1's call). For every row, page by page, use :meth:`iter_audit`."""
        return await self.iter_audit(
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
    ) -> AsyncPager[AuditEntry]:
        """Audit rows, newest first, as a :class:`AsyncPager` that fetches ``page_size`` rows
        at a time as you iterate (``limit``: at most that many rows in total; ``None``:
        all)."""
        return AsyncPager(
            lambda off, lim: self._execute(self._t.audit_page(contract_id, off, lim, timeout)),
            limit=limit,
            offset=offset,
            page_size=page_size,
        )

    async def quarantine(
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
        return await self.iter_quarantine(
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
    ) -> AsyncPager[QuarantineEntry]:
        """Quarantined (source) rows, newest first, as a :class:`AsyncPager` that fetches
        ``page_size`` rows at a time as you iterate (``limit`` as in :meth:`iter_audit`)."""
        return AsyncPager(
            lambda off, lim: self._execute(self._t.quarantine_page(contract_id, off, lim, timeout)),
            limit=limit,
            offset=offset,
            page_size=page_size,
        )

    async def replay(
        self,
        contract_id: str,
        ids: Sequence[str],
        target_version: Optional[str] = None,
        timeout: TimeoutTypes = None,
    ) -> ReplayResponse:
        """Re-validate quarantined rows (ids are de-duplicated, 1..1000 per call)."""
        return await self._execute(self._t.replay(contract_id, ids, target_version, timeout))

    async def replay_history(
        self, contract_id: str, quarantine_id: str, timeout: TimeoutTypes = None
    ) -> List[ReplayHistoryEntry]:
        """Every replay attempt of one quarantined row."""
        return await self._execute(self._t.replay_history(contract_id, quarantine_id, timeout))

    async def replay_events(
        self,
        event_ids: Sequence[str],
        version: Optional[str] = None,
        contract_id: Optional[str] = None,
        timeout: TimeoutTypes = None,
    ) -> TopLevelReplayResponse:
        """The top-level (lossy) replay route; prefer :meth:`replay`."""
        return await self._execute(self._t.replay_events(event_ids, version, contract_id, timeout))

    async def event_replay_history(
        self, event_id: str, limit: Optional[int] = None, timeout: TimeoutTypes = None
    ) -> List[TopLevelReplayOutcome]:
        """The replay outcomes of one event on the top-level route."""
        return await self._execute(self._t.event_replay_history(event_id, limit, timeout))

    # ------------------------------------------------------------------ stats, health
    async def stats(self, timeout: TimeoutTypes = None) -> IngestionStats:
        """Ingestion counters of the organisation."""
        return await self._execute(self._t.stats(timeout))

    async def contract_stats(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> IngestionStats:
        """Ingestion counters of one contract."""
        return await self._execute(self._t.contract_stats(contract_id, timeout))

    async def usage(self, timeout: TimeoutTypes = None) -> Usage:
        """This month's metered events against the plan's cap."""
        return await self._execute(self._t.usage(timeout))

    async def health(self, timeout: TimeoutTypes = None) -> Health:
        """Liveness (no authentication needed)."""
        return await self._execute(self._t.health(timeout))

    async def ready(self, timeout: TimeoutTypes = None) -> Ready:
        """Readiness; a 503 ``degraded`` answer is returned too (check ``.ok``)."""
        return await self._execute(self._t.ready(timeout))
