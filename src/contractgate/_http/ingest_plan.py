"""One ``ingest()`` call, apart from its I/O: the checked options, the stream of encoded
batches, each batch's request (exact bytes, idempotency key) and the strict reading of
its answer, and the bookkeeping of what the gateway acknowledged, which becomes the
merged result or the :class:`~contractgate.PartialIngestError`.

Both clients drive an :class:`IngestPlan` the same way: ``fill()`` while
``wants_more()``, send ``request(next_ready())``, then ``acknowledge()`` or
``record_failure()``; ``outcome()`` gives the answer (or raises)."""

from __future__ import annotations

import bisect
import collections
import itertools
import uuid
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Any,
    Deque,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
    overload,
)

import httpx

from ..exceptions import ContractGateError, PartialIngestError, UnacknowledgedBatch
from ..models import BatchAck, BatchIngestResponse, ResultStore, merge_batches
from .chunking import (
    PER_EVENT_LIMIT,
    READ_AHEAD_BATCHES,
    READ_AHEAD_BYTES,
    BatchPlan,
    StreamPlanner,
)
from .fast_answer import proven_answer
from .ingest_answer import (
    AnswerRaw,
    FreshResults,
    PackedResults,
    batch_answer_problem,
    kept,
    read_batch_answer,
)
from .logging import logger
from .request import PreparedRequest, RawResponse, RetryClass, path_segment
from .responses import (
    atomic_rejected,
    error_from_response,
    gc_paused,
    invalid,
    is_ingest_verdict,
    parse_json,
    rate_limit_info,
)

if TYPE_CHECKING:  # pragma: no cover
    from .transport import Transport

__all__ = [
    "IndexRuns",
    "IngestOptions",
    "IngestPlan",
    "IngestRefused",
    "batch_answer_problem",
    "check_idempotency_key",
]


class IngestRefused(ValueError):
    """The input cannot be sent as asked (``atomic=True`` needs a second request, or the
    idempotency key has no room for a batch suffix), found while reading it. A
    ``ValueError``; its own class lets the clients tell it from an exception raised by
    the caller's iterator, which they let through untouched."""


def check_idempotency_key(key: str) -> str:
    """The key's text, as sent (a str subclass's own ``__str__``/``__format__`` aside:
    a redacting secret type would make batch *n*'s key ``****#n``), once checked."""
    if not isinstance(key, str) or not key:
        raise ValueError("idempotency_key must be a non-empty string")
    key = str.__str__(key)
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
    return key


class IndexRuns(Sequence[int]):
    """Sorted positions held as ascending, disjoint runs (``range`` objects), one int per
    run rather than per position: ``PartialIngestError.unsent_indexes`` when the unsent
    positions are not one run (``AsyncClient``: a batch after the failed one was
    acknowledged) of an input whose ``len()`` may be millions. A read-only sequence
    (``len``, indexing, slicing, ``in``, iteration) equal to any sequence of the same
    positions."""

    __slots__ = ("_ends", "_runs")

    def __init__(self, runs: Iterable[range]) -> None:
        merged: List[range] = []
        for run in runs:
            if not run:
                continue
            if run.step != 1 or (merged and run.start < merged[-1].stop):
                raise ValueError("runs must be ascending, disjoint ranges of step 1")
            if merged and run.start == merged[-1].stop:
                run = range(merged[-1].start, run.stop)
                merged.pop()
            merged.append(run)
        self._runs: Tuple[range, ...] = tuple(merged)
        # _ends[k]: how many positions runs 0..k hold
        self._ends: Tuple[int, ...] = tuple(itertools.accumulate(len(r) for r in merged))

    @property
    def runs(self) -> Tuple[range, ...]:
        return self._runs

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[int]: ...

    def __getitem__(self, i: Union[int, slice]) -> Union[int, Sequence[int]]:
        if isinstance(i, slice):
            picked = range(len(self))[i]
            if picked.step == 1:
                return IndexRuns(self._cut(picked.start, picked.stop))
            return [self[k] for k in picked]
        n = len(self)
        k = i.__index__()
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError("IndexRuns index out of range")
        run = bisect.bisect_right(self._ends, k)
        return self._runs[run][k - (self._ends[run] - len(self._runs[run]))]

    def _cut(self, lo: int, hi: int) -> Iterator[range]:
        """The runs of positions ``lo <= k < hi`` (by position in this sequence)."""
        before = 0
        for run, end in zip(self._runs, self._ends):
            a, b = max(lo, before), min(hi, end)
            if a < b:
                yield run[a - before : b - before]
            before = end

    def __iter__(self) -> Iterator[int]:
        return itertools.chain.from_iterable(self._runs)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        k = bisect.bisect_right([r.start for r in self._runs], value) - 1
        return k >= 0 and value in self._runs[k]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IndexRuns):
            return self._runs == other._runs
        if isinstance(other, (range, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"IndexRuns({list(self._runs)!r})"

    def __reduce__(self) -> Tuple[Any, ...]:
        return (IndexRuns, (self._runs,))


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
    """A streaming ingest: events are encoded when they are read (``fill``/``add``), and
    each batch is handed out as soon as it is closed, i.e. when the next event does not
    fit in it or the input ends (``flush``). Only batches handed out and not yet turned
    into a request keep their bytes; :meth:`request` takes them (a retry resends the same
    bytes). Acknowledged answers and failures are recorded here; :meth:`outcome` turns
    them into the call's result or error."""

    def __init__(
        self,
        transport: Transport,
        options: IngestOptions,
        *,
        keep_results: bool = True,
        input_length: Optional[int] = None,
        on_batch: bool = False,
    ) -> None:
        self._t = transport
        self.options = options
        self.route = options.route
        self.keep_results = keep_results
        #: an ``on_batch`` callback reads each acknowledged answer: it gets it as decoded
        #: (packed only when acknowledged); without one, answers are packed at once.
        self.on_batch = on_batch
        #: ``len()`` of the caller's input when it has one: a failure then lists every
        #: unsent position without reading the rest of the input.
        self.input_length = input_length
        key = options.idempotency_key
        if key is not None and input_length:
            # the fewest batches the input can take: the last one's key must fit, or the
            # call would stop there, the batches before it stored
            last = -(-input_length // options.max_batch_events) - 1
            if last:
                try:
                    check_idempotency_key(f"{key}#{last}")
                except ValueError as exc:
                    raise IngestRefused(f"{exc}; nothing was sent") from None
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
        self.exhausted = False  # the input ended (flush() was called)
        self._acked: Dict[int, BatchIngestResponse] = {}
        self._sent_keys: Dict[int, Optional[str]] = {}  # batch number -> key it was sent with
        self._failures: List[Tuple[int, BaseException]] = []

    # ------------------------------------------------------------------ reading
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
        """Events taken from the input so far (encoded or refused)."""
        return self._planner.events_read

    def fill(self, events: Iterator[Any]) -> None:
        """Read and encode events while :meth:`wants_more`; :meth:`flush` when the input
        ends. Raises what :meth:`add` raises (the event counted as read)."""
        if self.wants_more() and self._planner.fill(events, self._closed):
            self.flush()

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

    def _closed(self, batch: BatchPlan, body: bytes) -> bool:
        self._check_next(batch)
        self._keep(batch, body)
        return self.wants_more()

    def _check_next(self, batch: BatchPlan) -> None:
        if self.options.atomic:
            raise IngestRefused(
                "atomic=True needs all events in one request, but they need more than one "
                f"(at most {self.options.max_batch_events} events and "
                f"{self.options.max_batch_bytes} bytes per request); nothing was sent"
            )
        if self.options.idempotency_key is not None:
            try:
                check_idempotency_key(f"{self.options.idempotency_key}#{batch.number + 1}")
            except ValueError as exc:
                raise IngestRefused(str(exc)) from None

    def _keep(self, batch: BatchPlan, body: bytes) -> BatchPlan:
        self.batches.append(batch)
        self._bodies[batch.number] = body
        self._ready.append(batch)
        self._ready_bytes += batch.length
        return batch

    def close(self) -> None:
        self._bodies.clear()
        self._ready.clear()
        self._ready_bytes = 0

    def __enter__(self) -> IngestPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ sending
    def key_for(self, batch: BatchPlan) -> Optional[str]:
        if self.route != "v1":
            return None
        key = self.options.idempotency_key
        if key is not None:
            return key if batch.number == 0 else f"{key}#{batch.number}"
        if self.options.dry_run:
            return None  # nothing is stored for dry runs
        return str(uuid.uuid4())

    def request(self, batch: BatchPlan) -> PreparedRequest[BatchIngestResponse]:
        """The request for ``batch``: its exact bytes and (v1) its idempotency key."""
        body = self._bodies.pop(batch.number)
        key = self._sent_keys[batch.number] = self.key_for(batch)
        opts = self.options

        def decode(r: RawResponse) -> BatchIngestResponse:
            return self._decode(r, batch, key)

        params: Tuple[Tuple[str, Any], ...] = (
            ("dry_run", True if opts.dry_run else None),
            ("atomic", True if opts.atomic else None),
        )
        if self.route == "v1":
            return self._t.build(
                "POST",
                f"/v1/ingest/{path_segment(opts.contract_id, 'contract_id')}",
                decode,
                params=(("version", opts.version), *params),
                content=body,
                content_type="application/x-ndjson",
                timeout=opts.timeout,
                retry_class=RetryClass.SAFE
                if opts.dry_run
                else (RetryClass.KEYED if key else RetryClass.UNSAFE),
                accept=frozenset({422}),
                idempotency_key=key,
            )
        return self._t.build(
            "POST",
            f"/ingest/{path_segment(opts.contract_id, 'contract_id')}",
            decode,
            params=params,
            content=body,
            headers={"X-Contract-Version": opts.version} if opts.version else None,
            timeout=opts.timeout,
            retry_class=RetryClass.SAFE if opts.dry_run else RetryClass.UNSAFE,
            accept=frozenset({422}),
        )

    def _decode(self, r: RawResponse, batch: BatchPlan, key: Optional[str]) -> BatchIngestResponse:
        """A batch answer, checked against what was sent: a verdict per event or an error
        that carries the batch's idempotency key (never a shorter result).

        The decoded answer lives within this call, with the garbage collector paused,
        unless ``on_batch`` will read it or only failing results are kept; an answer that
        is packed at once is not decoded at all when msgspec proves it usable
        (:func:`~.fast_answer.proven_answer`)."""
        packing = self.keep_results and not self.on_batch
        with gc_paused():
            data = None
            if packing and 200 <= r.status_code < 300:
                data = proven_answer(r.content, batch.count)
            store: ResultStore
            if data is not None:  # proven usable without decoding it (msgspec)
                store = PackedResults(r.content, batch.start_index, batch.count, data["failed"])
                raw: Mapping[str, Any] = AnswerRaw(data, store)
            else:
                data = parse_json(r)
                store = answer = self._checked(r, data, batch, key)
                raw = data
                if packing:
                    store = answer.pack()
                    raw = AnswerRaw(data, store)
                del answer
            parsed = BatchIngestResponse.from_store(
                data, store, total=data["total"], passed=data["passed"], failed=data["failed"]
            )
            del data  # freed here when packed
        replay = r.headers.get("x-idempotency-replay", "").strip().lower() == "true"
        rl = rate_limit_info(r.headers)
        ack = BatchAck(
            number=batch.number,
            start_index=batch.start_index,
            count=batch.count,
            status_code=r.status_code,
            idempotency_key=key,
            idempotent_replay=replay,
            rate_limit=rl,
        )
        parsed = parsed.with_meta(
            raw=raw,
            status_code=r.status_code,
            rate_limit=rl,
            idempotent_replay=replay,
            batches=(ack,),
        )
        if parsed.atomic and parsed.failed and r.status_code == 422:
            raise atomic_rejected(
                r,
                parsed,
                status_code=422,
                body=parse_json(r),
                headers=r.headers,
                method=r.method,
                url=r.url,
                idempotency_key=key,
            )
        return parsed

    def _checked(
        self, r: RawResponse, data: Any, batch: BatchPlan, key: Optional[str]
    ) -> FreshResults:
        """The results of ``data``, or the error that makes it unusable."""
        offset = batch.start_index
        if not is_ingest_verdict(data):
            if r.status_code == 422 or (
                not isinstance(data, Mapping) and not 200 <= r.status_code < 300
            ):
                raise error_from_response(r, idempotency_key=key, index_offset=offset)
            hint = (
                " (an envelope contract's answer: use ingest_envelope())"
                if isinstance(data, Mapping) and "quarantined" in data
                else ""
            )
            raise invalid(
                r, f"not an ingest batch answer (no 'results'){hint}", idempotency_key=key
            )
        answer = read_batch_answer(data, r.content, batch.count, offset, typed=True)
        if isinstance(answer, str):
            last = offset + batch.count - 1
            resend = (
                "resend them with the same idempotency key (err.idempotency_key) to stay "
                "deduplicated"
                if key is not None
                else "the gateway may have stored them"
            )
            raise invalid(
                r,
                f"{answer}; the verdicts of events {offset}..{last} are unknown ({resend})",
                idempotency_key=key,
            )
        return answer

    # ------------------------------------------------------------------ outcome
    def acknowledge(self, batch: BatchPlan, part: BatchIngestResponse) -> None:
        """Record the gateway's answer for ``batch``: all of it (packed: a few dozen bytes
        per event), or (``keep_results=False``) its counts, metadata and failing results
        only."""
        self._acked[batch.number] = kept(part) if self.keep_results else part.failing_only()

    def record_failure(self, number: int, error: BaseException) -> None:
        """Batch ``number`` (or the event that would have opened it) failed with
        ``error``: no new batch should be sent."""
        self._failures.append((number, error))

    @property
    def failed(self) -> bool:
        return bool(self._failures)

    def acknowledged(self) -> List[BatchIngestResponse]:
        return [self._acked[k] for k in sorted(self._acked)]

    def outcome(self) -> BatchIngestResponse:
        """The merged answer, or the first failure (by batch) raised: as it is when
        nothing was acknowledged, else as the cause of a :class:`PartialIngestError`."""
        acknowledged = self.acknowledged()
        if self._failures:
            _, error = min(self._failures, key=lambda f: f[0])
            if not acknowledged:
                raise error
            raise self._partial(acknowledged, error) from error
        if not acknowledged:
            return BatchIngestResponse(
                total=0,
                passed=0,
                failed=0,
                dry_run=self.options.dry_run,
                atomic=self.options.atomic,
                raw={},
            )
        return merge_batches(acknowledged)

    def _partial(
        self, acknowledged: List[BatchIngestResponse], error: BaseException
    ) -> PartialIngestError:
        acked_numbers = {a.number for p in acknowledged for a in p.batches}
        ranges = [b.indexes for b in self.batches if b.number not in acked_numbers]
        end = self.batches[-1].start_index + self.batches[-1].count if self.batches else 0
        # The rest of the input is not read: with a length, the unsent positions are
        # known anyway; without one, ``unread_from`` says where reading stopped. A length
        # the reading went past (the input grew while it was read) says nothing.
        length = self.input_length
        if self.exhausted or (length is not None and length < self.seen):
            length = None
        known = length if length is not None else self.seen
        unread_from = None if self.exhausted or length is not None else self.seen
        if known > end:
            ranges.append(range(end, known))
        runs = IndexRuns(ranges)
        # one run is a plain range; several stay runs (never one int per position)
        unsent: Sequence[int] = runs.runs[0] if len(runs.runs) == 1 else runs
        return PartialIngestError(
            accepted=merge_batches(acknowledged),
            unsent_indexes=unsent,
            cause=error,
            failed_idempotency_key=getattr(error, "idempotency_key", None),
            unread_from=unread_from,
            unacknowledged_batches=self._unacknowledged(acked_numbers, range(end, known)),
        )

    def _unacknowledged(self, acked: Set[int], rest: range) -> List[UnacknowledgedBatch]:
        """Each batch sent and not acknowledged with its key, and the runs of events never
        sent (batches read ahead, then the positions never batched) joined."""
        out: List[UnacknowledgedBatch] = []
        runs = [(b.indexes, b.number) for b in self.batches if b.number not in acked]
        for indexes, number in [*runs, (rest, -1)]:
            if not indexes:
                continue
            if number in self._sent_keys:
                out.append(UnacknowledgedBatch(indexes, True, self._sent_keys[number]))
            elif out and not out[-1].sent and out[-1].indexes.stop == indexes.start:
                out[-1] = UnacknowledgedBatch(range(out[-1].indexes.start, indexes.stop), False)
            else:
                out.append(UnacknowledgedBatch(indexes, False))
        return out

    def interrupted(self, exc: BaseException) -> None:
        """Log progress when something other than the SDK's own errors (Ctrl-C, a
        cancelled task, the caller's callback) stops a chunked ingest."""
        if len(self.batches) > 1 and not isinstance(exc, ContractGateError):
            logger.warning("ingest interrupted (%s): %s", type(exc).__name__, self.progress_note())

    def progress_note(self) -> str:
        acked = sorted(a.number for p in self._acked.values() for a in p.batches)
        done = sum(p.total for p in self._acked.values())
        pending = [b for b in self.batches if b.number not in set(acked)]
        first = pending[0].start_index if pending else self._planner.open_start
        return (
            f"{len(acked)} of {len(self.batches)} batch(es) acknowledged ({done} event(s)); "
            f"first unacknowledged event index: {first}"
        )
