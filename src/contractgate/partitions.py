"""Ingest one partition of a dataset from any engine's task (Dask, Spark, a process pool),
exactly once per event.

Dask and Spark re-run a task when its worker dies. A task that ingests with fresh
idempotency keys then stores the batches it had sent a second time. Here every
partition ingests under a key derived from (job id, contract, partition): the client
sends batch *n* with ``<key>#<n>`` and the same bytes on every run, so a re-run task's
batches that were already stored come back as replays (``X-Idempotency-Replay``) instead
of new rows (gateway-api.md §5; the gateway keeps keys 24 hours).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence

from ._frozenlist import EMPTY, FrozenList, freeze_fields
from ._http.chunking import check_max_batch_events
from ._http.ingest_plan import check_idempotency_key
from ._http.transport import check_client_options, normalise_base_url, split_contract_ref
from ._validation.inputs import iter_events
from ._validation.partition import LINE_TYPES, is_blank
from ._validation.summary import check_count
from .client import Client
from .exceptions import EventDecodeError, EventEncodeError
from .models import BatchAck
from .validator import EventOutcome, ValidationSummary, decode_event

__all__ = [
    "ClientConfig",
    "IngestReport",
    "PartitionIngest",
    "check_ingest_arguments",
    "check_job_id",
    "ingest_partition",
    "partition_key",
]

# both used with fullmatch: "$" would let a trailing newline through
_JOB_ID = re.compile(r"[!-~]{1,128}")  # printable ASCII, no spaces
_CONTRACT_ID = re.compile(r"[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}")


@dataclass(frozen=True)
class ClientConfig:
    """How a worker builds its :class:`~contractgate.Client` (a client itself holds a
    connection pool and cannot be shipped to another process).

    ``api_key=None`` lets each worker read ``CONTRACTGATE_API_KEY`` from its own
    environment, so the key need not travel in the task graph; ``base_url=None`` reads
    ``CONTRACTGATE_BASE_URL`` likewise. The values given are checked as ``Client``
    checks them, when the config is made.
    """

    base_url: Optional[str] = None
    api_key: Optional[str] = field(default=None, repr=False)
    org_id: Optional[str] = None
    timeout: Optional[float] = None
    max_retries: Optional[int] = None

    def __post_init__(self) -> None:
        # The client's own checks, here: a task would otherwise fail on each worker.
        if self.base_url is not None:
            normalise_base_url(self.base_url)
        check_client_options(
            api_key=self.api_key, org_id=self.org_id, timeout=self.timeout,
            max_retries=self.max_retries,
        )

    def client(self) -> Client:
        return Client(
            base_url=self.base_url,
            api_key=self.api_key,
            org_id=self.org_id,
            timeout=self.timeout,
            max_retries=self.max_retries,
        )


@dataclass(frozen=True)
class PartitionIngest:
    """What one partition's ingest stored: counts, one :class:`BatchAck` per request
    (``idempotent_replay`` true for a batch an earlier run had stored) and the summary
    of the gateway's verdicts, positioned at (partition, index in the partition)."""

    partition: int
    idempotency_key: str
    total: int
    passed: int
    failed: int
    batches: Sequence[BatchAck] = EMPTY
    summary: ValidationSummary = field(default_factory=ValidationSummary)

    def __post_init__(self) -> None:
        if type(self.batches) is not FrozenList:
            freeze_fields(self, "batches")

    @property
    def replayed_batches(self) -> int:
        return sum(1 for b in self.batches if b.idempotent_replay)


@dataclass(frozen=True)
class IngestReport:
    """The merged answer of a partitioned ingest: ``a + b`` (and ``sum(reports,
    IngestReport())``) joins disjoint partitions, in partition order. Adding a report
    that holds a partition twice is refused: its events would be counted twice."""

    partitions: Sequence[PartitionIngest] = EMPTY

    def __post_init__(self) -> None:
        parts = sorted(self.partitions, key=lambda p: p.partition)
        for a, b in zip(parts, parts[1:]):
            if a.partition == b.partition:
                raise ValueError(f"partition {a.partition} appears twice in one IngestReport")
        object.__setattr__(self, "partitions", FrozenList(parts))

    @classmethod
    def of(cls, part: PartitionIngest) -> IngestReport:
        return cls((part,))

    def __add__(self, other: object) -> IngestReport:
        if not isinstance(other, IngestReport):
            return NotImplemented
        return IngestReport((*self.partitions, *other.partitions))

    def __radd__(self, other: object) -> IngestReport:
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented

    @property
    def total(self) -> int:
        return sum(p.total for p in self.partitions)

    @property
    def passed(self) -> int:
        return sum(p.passed for p in self.partitions)

    @property
    def failed(self) -> int:
        return sum(p.failed for p in self.partitions)

    @property
    def batches(self) -> int:
        return sum(len(p.batches) for p in self.partitions)

    @property
    def replayed_batches(self) -> int:
        return sum(p.replayed_batches for p in self.partitions)

    @property
    def summary(self) -> ValidationSummary:
        return sum((p.summary for p in self.partitions), ValidationSummary())

    def __repr__(self) -> str:
        return (
            f"IngestReport(partitions={len(self.partitions)}, total={self.total}, "
            f"passed={self.passed}, failed={self.failed}, batches={self.batches}, "
            f"replayed_batches={self.replayed_batches})"
        )


def check_job_id(job_id: object) -> None:
    """A job id keys every request of a job (:func:`partition_key`): 1-128 printable
    ASCII characters without spaces."""
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise ValueError(
            f"job_id must be 1-128 printable ASCII characters without spaces, got {job_id!r}"
        )


def partition_key(
    job_id: str, contract_id: str, partition: int, version: Optional[str] = None
) -> str:
    """The idempotency key of one partition: ``<job_id>:<contract_id>:p<partition>``,
    or ``<job_id>:<contract_id>@<version>:p<partition>`` for a pinned version.

    ``job_id`` names the logical job and must be the same on every run of it (a UUID
    drawn per run would make a re-run store everything again); the contract id is part
    of the key because the gateway's key namespace is global across contracts, and a
    pinned version because the same bytes under the same key are a replay: a run against
    another version would get the first run's verdicts back.
    """
    check_job_id(job_id)
    check_count("partition", partition)
    if not isinstance(contract_id, str) or not _CONTRACT_ID.fullmatch(contract_id):
        # checked on the driver: otherwise every task, and every retry, fails with a 400
        raise ValueError(
            f"contract_id must be the contract's id (a UUID), got {contract_id!r}; for a "
            "name, look the id up on the driver: next(c.id for c in "
            "Client().list_contracts() if c.name == NAME)"
        )
    pinned = contract_id if version is None else f"{contract_id}@{version}"
    return f"{job_id}:{pinned}:p{partition}"


def check_ingest_arguments(
    job_id: str,
    contract_id: str,
    max_batch_events: int,
    max_examples: int,
    client: ClientConfig,
    version: Optional[str],
) -> None:
    """What every task of a partitioned ingest would check, checked once on the driver:
    otherwise each task fails, and is retried, with the same error."""
    split_contract_ref(contract_id, version)  # the rule Client.ingest applies to version
    check_idempotency_key(partition_key(job_id, contract_id, 0, version))
    check_max_batch_events(max_batch_events)
    check_count("max_examples", max_examples)
    if not isinstance(client, ClientConfig):
        raise TypeError(
            "client must be a ClientConfig (each task builds its own Client from it), "
            f"not {type(client).__name__}"
        )


def ingest_partition(
    events: Iterable[Any],
    *,
    client: ClientConfig,
    contract_id: str,
    job_id: str,
    partition: int,
    version: Optional[str] = None,
    max_batch_events: int = 1000,
    max_examples: int = 5,
) -> PartitionIngest:
    """Ingest one partition (a task's events, in the same order on every run) under
    the partition's idempotency key; see :func:`partition_key`.

    Items are read as validation reads them (:func:`~contractgate.validator.
    validate_chunk`): decoded events, or raw JSON text (``str``/``bytes``: one NDJSON
    line) decoded the gateway's way. Blank lines are not sent but keep their offsets, so
    the report's positions are the ones validation gives; a line that is not JSON cannot
    be sent: it raises :class:`~contractgate.EventEncodeError` naming its partition and
    offset (validation counts it as a ``parse_error``).

    Errors propagate (a :class:`~contractgate.PartialIngestError` after some batches
    were stored) so the engine retries the task; the retry replays what was stored.
    The events must come out the same on a re-run, in the same order: a partition
    read from files is; a partition built from ``random`` or the clock is not.
    """
    items = iter_events(events)
    skipped: List[int] = []  # offsets of the blank lines, filled while the ingest reads

    def sent() -> Iterator[Any]:
        for offset, item in enumerate(items):
            if not isinstance(item, LINE_TYPES):
                yield item
                continue
            try:
                yield decode_event(item)
            except EventDecodeError as err:
                if not is_blank(item):
                    raise EventEncodeError(
                        offset,
                        f"partition {partition}, offset {offset} is not JSON the gateway "
                        f"accepts: {err}",
                    ) from err
                skipped.append(offset)

    return _ingest(
        sent(), lambda index: _row_offset(skipped, index), client, contract_id, job_id,
        partition, version, max_batch_events, max_examples,
    )


def _row_offset(skipped: Sequence[int], index: int) -> int:
    """The offset of the event sent at ``index`` in a partition whose rows at the
    (sorted) offsets ``skipped`` were not sent."""
    k = bisect_right(skipped, index)  # skipped rows before it: at least those <= index
    while k < len(skipped) and skipped[k] <= index + k:
        k += 1
    return index + k


def _ingest(
    events: Iterable[Any],
    offset_of: Callable[[int], int],
    client: ClientConfig,
    contract_id: str,
    job_id: str,
    partition: int,
    version: Optional[str],
    max_batch_events: int,
    max_examples: int,
) -> PartitionIngest:
    key = partition_key(job_id, contract_id, partition, version)
    with client.client() as cg:
        resp = cg.ingest(
            contract_id,
            events,
            version=version,
            idempotency_key=key,
            max_batch_events=max_batch_events,
            keep_results=False,
        )
    failures = ValidationSummary.of(
        (
            EventOutcome(partition, offset_of(r.index), False, r.violations)
            for r in resp.failures
        ),
        max_examples=max_examples,
    )
    passes = ValidationSummary(total=resp.passed, passed=resp.passed)
    return PartitionIngest(
        partition=partition,
        idempotency_key=key,
        total=resp.total,
        passed=resp.passed,
        failed=resp.failed,
        batches=FrozenList(_plain_ack(b) for b in resp.batches),
        summary=failures + passes,
    )


def _plain_ack(b: BatchAck) -> BatchAck:
    """The ack without its rate-limit snapshot (dropped: it is meaningless once merged
    across workers, and keeps the per-task answer small)."""
    return replace(b, rate_limit=None)


def merge_reports(parts: Iterable[PartitionIngest]) -> IngestReport:
    return IngestReport(tuple(parts))

