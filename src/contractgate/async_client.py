"""The asyncio HTTP client. Like :class:`Client`, it only moves bytes: requests are
built, decoded and retried by :mod:`contractgate._http.transport`."""

from __future__ import annotations

import asyncio
import inspect
from typing import (
    Any,
    AsyncIterator,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
)

import httpx

from ._http.chunking import BatchPlan, input_length, iter_events
from ._http.logging import logger, setup_logging
from ._http.pagination import AsyncPager, page_size_for
from ._http.transport import (
    Done,
    Fail,
    IngestPlan,
    IngestRefused,
    PreparedRequest,
    RawResponse,
    RetryPolicy,
    TimeoutTypes,
    Transport,
    attempt_budget,
)
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


class AsyncClient:
    """asyncio client for the ContractGate gateway; same options and method names as
    :class:`Client` (methods are coroutines; ``audit``/``quarantine`` return async
    iterators). Share one instance between tasks::

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
        _transport: Optional[Transport] = None,
    ) -> None:
        setup_logging()
        self._t = _transport or Transport(
            base_url=base_url,
            api_key=api_key,
            org_id=org_id,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            retry_policy=retry_policy,
        )
        if http_client is not None and (transport is not None or verify is not None):
            raise ValueError("pass either http_client or transport/verify, not both")
        if http_client is not None:
            if not isinstance(http_client, httpx.AsyncClient):
                raise TypeError("http_client must be an httpx.AsyncClient (use Client for sync)")
            self._http = http_client
            self._owns_http = False
        else:
            kwargs: Dict[str, Any] = {"follow_redirects": False, "timeout": self._t.timeout}
            if transport is not None:
                kwargs["transport"] = transport
            if verify is not None:
                kwargs["verify"] = verify
            self._http = httpx.AsyncClient(**kwargs)
            self._owns_http = True
        self._closed = False

    # ------------------------------------------------------------------ lifecycle
    async def aclose(self) -> None:
        """Close the connection pool (unless it is a caller-given http_client or shared
        with the client this one was derived from)."""
        self._closed = True
        if self._owns_http:
            await self._http.aclose()

    async def close(self) -> None:
        """Same as :meth:`aclose`."""
        await self.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return self._t.describe(type(self).__name__)

    def with_options(self, **changes: Any) -> AsyncClient:
        """A new client with some options changed; shares this client's pool unless an
        ``http_client`` is given (see :meth:`Client.with_options`)."""
        http_client = changes.pop("http_client", None)
        t = self._t.with_changes(**changes)
        return AsyncClient(_transport=t, http_client=http_client or self._http)

    @property
    def base_url(self) -> str:
        return self._t.base_url

    @property
    def max_retries(self) -> int:
        return self._t.max_retries

    @property
    def timeout(self) -> httpx.Timeout:
        return self._t.timeout

    @property
    def org_id(self) -> Optional[str]:
        return self._t.org_id

    # ------------------------------------------------------------------ I/O core
    async def _send(self, req: PreparedRequest[Any]) -> RawResponse:
        request = self._http.build_request(
            req.method,
            req.url,
            params=req.params or None,
            headers=dict(req.headers),
            content=req.content,
            timeout=req.timeout,
        )
        budget = attempt_budget(req.timeout)
        if budget is None:
            response = await self._http.send(request, follow_redirects=False)
        else:
            try:
                response = await asyncio.wait_for(
                    self._http.send(request, follow_redirects=False), budget
                )
            except asyncio.TimeoutError:
                raise httpx.ReadTimeout(
                    f"response not complete within {budget:g} s", request=request
                ) from None
        return RawResponse(
            status_code=response.status_code,
            headers=response.headers,
            content=response.content,
            method=req.method,
            url=str(request.url),
        )

    async def _execute(self, prepared: PreparedRequest[T]) -> T:
        if self._closed:
            raise RuntimeError("this AsyncClient is closed")
        run = self._t.run(prepared)
        while True:
            req = run.begin()
            try:
                raw = await self._send(req)
            except httpx.HTTPError as exc:
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
        """As :meth:`Client.ingest` (same streaming and read-ahead); ``events`` may also be
        an async iterable. Batches go out with at most ``max_concurrency`` requests in
        flight (default 4; the first batch goes alone, so a wrong contract id, key or
        version fails once); reading and encoding the next batches overlaps with the
        requests in flight. Results are merged in input order. On
        a failure no new batch is started, the ones in flight finish, and
        :class:`PartialIngestError` lists what was acknowledged. ``keep_results`` as in
        :meth:`Client.ingest`."""
        if not isinstance(max_concurrency, int) or max_concurrency < 1:
            raise ValueError("max_concurrency must be an int >= 1")
        options = self._t.ingest_options(
            contract_id,
            version=version,
            dry_run=dry_run,
            atomic=atomic,
            idempotency_key=idempotency_key,
            timeout=timeout,
            route=route,
            max_batch_events=max_batch_events,
            max_batch_bytes=max_batch_bytes,
        )
        ait: Optional[AsyncIterator[Any]] = None
        it: Optional[Iterator[Any]] = None
        if hasattr(events, "__aiter__"):
            ait = events.__aiter__()
        else:
            it = iter_events(events)
        with self._t.start_ingest(options, keep_results=keep_results) as plan:
            plan.input_length = input_length(events)
            return await self._stream(plan, ait, it, max_concurrency, on_batch)

    async def _stream(
        self,
        plan: IngestPlan,
        ait: Optional[AsyncIterator[Any]],
        it: Optional[Iterator[Any]],
        max_concurrency: int,
        on_batch: Optional[Callable[[BatchIngestResponse], Any]],
    ) -> BatchIngestResponse:
        acked: Dict[int, BatchIngestResponse] = {}
        failures: List[Tuple[int, BaseException]] = []
        slots = asyncio.Semaphore(max_concurrency)
        tasks: List[asyncio.Future[None]] = []
        first_done = False

        async def send_one(batch: BatchPlan) -> None:
            try:
                try:
                    part = await self._execute(plan.request(batch))
                except ContractGateError as err:
                    failures.append((batch.number, err))
                    return
                acked[batch.number] = plan.slim(part)
                if on_batch is not None:
                    res = on_batch(part)
                    if inspect.isawaitable(res):
                        await res
            finally:
                slots.release()

        async def dispatch(batch: BatchPlan) -> None:
            nonlocal first_done
            await slots.acquire()
            if failures:
                slots.release()
                return
            if not first_done:
                # The first batch goes alone: a wrong contract id, key or version then
                # fails once instead of in every concurrent request.
                first_done = True
                await send_one(batch)
                return
            tasks.append(asyncio.ensure_future(send_one(batch)))
            tasks[:] = [t for t in tasks if not t.done()]

        async def read_async(source: AsyncIterator[Any]) -> None:
            while plan.wants_more():
                try:
                    event = await source.__anext__()
                except StopAsyncIteration:
                    plan.flush()
                    return
                plan.add(event)

        async def close_source() -> None:
            aclose = getattr(ait, "aclose", None)
            if aclose is not None:
                await aclose()

        try:
            try:
                while not failures:
                    try:
                        if ait is not None:
                            await read_async(ait)
                        else:
                            assert it is not None
                            plan.fill(it)  # a plain iterable is read without awaiting
                    except (ContractGateError, IngestRefused) as err:
                        failures.append((len(plan.batches), err))
                        break
                    batch = plan.next_ready()
                    if batch is None:
                        break
                    await dispatch(batch)
                if tasks:
                    await asyncio.gather(*tasks)
            except BaseException:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await close_source()
                raise
        except BaseException as exc:
            if len(plan.batches) > 1:
                logger.warning(
                    "ingest interrupted (%s): %s",
                    type(exc).__name__,
                    plan.progress_note([acked[k] for k in sorted(acked)]),
                )
            raise
        acknowledged = [acked[k] for k in sorted(acked)]
        if failures:
            failures.sort(key=lambda f: f[0])
            first_error = failures[0][1]
            if not acknowledged:
                raise first_error
            raise plan.failure(acknowledged, first_error) from first_error
        return plan.merge(acknowledged)

    async def ingest_envelope(
        self,
        contract_id: str,
        envelope: Mapping[str, Any],
        version: Optional[str] = None,
        dry_run: bool = False,
        timeout: TimeoutTypes = None,
    ) -> EnvelopeIngestResponse:
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
        return await self._execute(self._t.playground_validate(yaml_content, event, timeout))

    # ------------------------------------------------------------------ contracts
    async def list_contracts(self, timeout: TimeoutTypes = None) -> List[ContractSummary]:
        return await self._execute(self._t.list_contracts(timeout))

    async def get_contract(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> ContractResponse:
        return await self._execute(self._t.get_contract(contract_id, timeout))

    async def list_versions(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> List[VersionSummary]:
        return await self._execute(self._t.list_versions(contract_id, timeout))

    async def get_version(
        self, contract_id: str, version: str, timeout: TimeoutTypes = None
    ) -> VersionResponse:
        return await self._execute(self._t.get_version(contract_id, version, timeout))

    async def get_latest_stable(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> VersionResponse:
        return await self._execute(self._t.get_latest_stable(contract_id, timeout))

    async def get_contract_version(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> ContractVersionPointer:
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
        """Up to ``limit`` audit rows from ``offset``, newest first, as a list (v0.1's
        call). For every row, page by page, use :meth:`iter_audit`."""
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
        """Audit rows, newest first, fetched page by page as you iterate (``limit``:
        at most that many rows in total; ``None``: all)."""
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
        list. For every row, page by page, use :meth:`iter_quarantine`."""
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
        """Quarantined (source) rows, newest first, fetched page by page as you iterate."""
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
        return await self._execute(self._t.replay(contract_id, ids, target_version, timeout))

    async def replay_history(
        self, contract_id: str, quarantine_id: str, timeout: TimeoutTypes = None
    ) -> List[ReplayHistoryEntry]:
        return await self._execute(self._t.replay_history(contract_id, quarantine_id, timeout))

    async def replay_events(
        self,
        event_ids: Sequence[str],
        version: Optional[str] = None,
        contract_id: Optional[str] = None,
        timeout: TimeoutTypes = None,
    ) -> TopLevelReplayResponse:
        return await self._execute(self._t.replay_events(event_ids, version, contract_id, timeout))

    async def event_replay_history(
        self, event_id: str, limit: Optional[int] = None, timeout: TimeoutTypes = None
    ) -> List[TopLevelReplayOutcome]:
        return await self._execute(self._t.event_replay_history(event_id, limit, timeout))

    # ------------------------------------------------------------------ stats, health
    async def stats(self, timeout: TimeoutTypes = None) -> IngestionStats:
        return await self._execute(self._t.stats(timeout))

    async def contract_stats(
        self, contract_id: str, timeout: TimeoutTypes = None
    ) -> IngestionStats:
        return await self._execute(self._t.contract_stats(contract_id, timeout))

    async def usage(self, timeout: TimeoutTypes = None) -> Usage:
        return await self._execute(self._t.usage(timeout))

    async def health(self, timeout: TimeoutTypes = None) -> Health:
        return await self._execute(self._t.health(timeout))

    async def ready(self, timeout: TimeoutTypes = None) -> Ready:
        return await self._execute(self._t.ready(timeout))
