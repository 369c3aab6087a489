"""Validate and ingest datasets with Dask (``pip install 'contractgate[dask]'``).

Each partition of a ``dask.bag`` (events, or raw NDJSON lines from ``read_text``) or a
Dask DataFrame is validated by :func:`contractgate.validator.validate_chunk` on a
worker; the partitions' :class:`~contractgate.validator.ValidationSummary` objects are
added up with a tree reduction (``Bag.reduction``, ``split_every``). The compiled
contract travels once, as one key of the graph, and each worker process keeps its copy.

Positions are (partition index, offset in the partition): for ``read_text(paths)``
without ``blocksize``, the file's index and its 0-based line number.

::

    import dask.bag as db
    from contractgate import Contract
    from contractgate.dask import validate_bag

    compiled = Contract.from_file("contracts/orders.yaml").compile()
    run = validate_bag(db.read_text("day/*.ndjson"), compiled)
    failures, summary = run.compute()
    print(summary)
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Optional, Tuple, Union

try:
    import dask.bag as db
    from dask.base import compute as _compute
    from dask.base import tokenize
    from dask.delayed import Delayed, delayed
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "contractgate.dask needs Dask with its distributed scheduler: "
        "pip install 'contractgate[dask]'"
    ) from exc

from ._validation.partition import check_unique_columns
from ._validation.rules import check_now
from ._validation.summary import check_count
from .contract import CompiledContract, Contract, FieldType
from .partitions import (
    ClientConfig,
    IngestReport,
    PartitionIngest,
    check_ingest_arguments,
    ingest_partition,
)
from .validator import (
    EventOutcome,
    Now,
    PartitionReport,
    ValidationSummary,
    as_compiled,
    frame_records,
    validate_chunk,
)

__all__ = [
    "ClientConfig",
    "DaskValidation",
    "IngestReport",
    "PartitionIngest",
    "ingest_bag",
    "ingest_dataframe",
    "ship",
    "validate_bag",
    "validate_dataframe",
]


@dataclass(frozen=True)
class DaskValidation:
    """The lazy result of a validation: ``reports`` (one
    :class:`~contractgate.validator.PartitionReport` per partition), ``outcomes`` (the
    flattened :class:`~contractgate.validator.EventOutcome` bag) and ``summary`` (an
    Item). All three share the validation tasks: compute them together
    (``dask.compute(v.outcomes, v.summary)`` or :meth:`compute`) and every partition is
    validated once."""

    reports: db.Bag
    outcomes: db.Bag
    summary: db.Item

    def compute(self, **kwargs: Any) -> Tuple[List[EventOutcome], ValidationSummary]:
        """``(outcomes in partition order, merged summary)``; ``kwargs`` go to
        ``dask.compute`` (``scheduler=``, ``retries=`` …)."""
        outcomes, summary = _compute(  # type: ignore[no-untyped-call]
            self.outcomes, self.summary, **kwargs
        )
        return list(outcomes), summary


def ship(contract: Union[Contract, CompiledContract]) -> Delayed:
    """The compiled contract as one key of the graph: sent to each worker once and
    shared by every task there (a plain argument would travel with every task).
    A :class:`Contract` is compiled here first, so compile errors surface on the driver."""
    compiled = as_compiled(contract)
    # a compiled contract pickles as its contract and compile options: the key names both
    token = tokenize(pickle.dumps(compiled, protocol=pickle.HIGHEST_PROTOCOL))
    return delayed(compiled, name=f"contractgate-compiled-{token}")  # type: ignore[no-any-return]


def validate_bag(
    bag: db.Bag,
    contract: Union[Contract, CompiledContract, Delayed],
    *,
    failures_only: bool = True,
    max_examples: int = 5,
    split_every: Optional[int] = None,
    now: Now = None,
) -> DaskValidation:
    """Validate a bag of events (decoded JSON values) or raw JSON lines, partition by
    partition. ``failures_only=False`` keeps a passing outcome for every event too.
    ``now`` fixes the clock of freshness rules for every worker (reproducible backfills);
    ``None`` reads each worker's clock per event, as ``validate`` does."""
    _check_bag("validate_bag", bag, "validate_dataframe")
    check_count("max_examples", max_examples)  # on the driver, not in every task
    check_now(now)
    _check_split_every(split_every)
    reports = _per_partition(
        bag.to_delayed(),  # type: ignore[no-untyped-call]
        _bag_report, _shipped(contract), failures_only, max_examples, now,
    )
    return _validation(reports, split_every)


def validate_dataframe(
    df: Any,
    contract: Union[Contract, CompiledContract, Delayed],
    *,
    null_cells: str = "absent",
    failures_only: bool = True,
    max_examples: int = 5,
    split_every: Optional[int] = None,
    now: Now = None,
) -> DaskValidation:
    """Validate a Dask DataFrame row by row (a row is an event; object columns may hold
    dicts and lists). A frame cannot tell an absent field from a null one:
    ``null_cells="absent"`` treats missing cells (None, NaN, NA, NaT) as absent fields,
    ``"null"`` as JSON null. Use nullable ``Int64`` columns for integers with gaps (a
    float64 column turns 1 into 1.0, which an ``integer`` field rejects, as the gateway
    does)."""
    _check_frame("validate_dataframe", df, "validate_bag")
    check_unique_columns("validate_dataframe", list(df.columns))
    frame_records((), null_cells)  # checks the option on the driver
    check_count("max_examples", max_examples)
    check_now(now)
    _check_split_every(split_every)
    _warn_stringified(df, contract)
    reports = _per_partition(
        df.to_delayed(),
        _frame_report, _shipped(contract), null_cells, failures_only, max_examples, now,
    )
    return _validation(reports, split_every)


def ingest_bag(
    bag: db.Bag,
    contract_id: str,
    *,
    job_id: str,
    client: ClientConfig,
    version: Optional[str] = None,
    max_batch_events: int = 1000,
    max_examples: int = 5,
    split_every: Optional[int] = None,
) -> db.Item:
    """Ingest every partition of ``bag`` into the gateway, each under its own
    idempotency key (``<job_id>:<contract_id>:p<partition>``), and reduce the answers
    to one :class:`IngestReport` (an Item: ``.compute(retries=2)``). Items are events or
    raw NDJSON lines (``db.read_text``), read as :func:`validate_bag` reads them. A task
    re-run after a worker died, or a whole job re-run with the same ``job_id`` within 24
    hours, replays the stored batches instead of storing them again."""
    _check_bag("ingest_bag", bag, "ingest_dataframe")
    check_ingest_arguments(job_id, contract_id, max_batch_events, max_examples, client, version)
    _check_split_every(split_every)
    parts = _per_partition(
        bag.to_delayed(),  # type: ignore[no-untyped-call]
        _bag_ingest, client, contract_id, job_id, version, max_batch_events, max_examples,
    )
    return _ingest_report(parts, split_every)


def ingest_dataframe(
    df: Any,
    contract_id: str,
    *,
    job_id: str,
    client: ClientConfig,
    null_cells: str = "absent",
    version: Optional[str] = None,
    max_batch_events: int = 1000,
    max_examples: int = 5,
    split_every: Optional[int] = None,
) -> db.Item:
    """:func:`ingest_bag` for a Dask DataFrame, rows converted as in
    :func:`validate_dataframe`."""
    _check_frame("ingest_dataframe", df, "ingest_bag")
    check_unique_columns("ingest_dataframe", list(df.columns))
    check_ingest_arguments(job_id, contract_id, max_batch_events, max_examples, client, version)
    frame_records((), null_cells)
    _check_split_every(split_every)
    parts = _per_partition(
        df.to_delayed(),
        _frame_ingest, null_cells, client, contract_id, job_id, version, max_batch_events,
        max_examples,
    )
    return _ingest_report(parts, split_every)


# ---------------------------------------------------------------------------- tasks
# Module-level functions: workers import them by name.


def _bag_report(
    items: Iterable[Any],
    partition: int,
    compiled: CompiledContract,
    failures_only: bool,
    max_examples: int,
    now: Now,
) -> List[PartitionReport]:
    return [
        validate_chunk(
            compiled,
            items,
            partition=partition,
            failures_only=failures_only,
            max_examples=max_examples,
            now=now,
        )
    ]


def _frame_report(
    pdf: Any,
    partition: int,
    compiled: CompiledContract,
    null_cells: str,
    failures_only: bool,
    max_examples: int,
    now: Now,
) -> List[PartitionReport]:
    rows = frame_records(pdf.to_dict(orient="records"), null_cells)
    return _bag_report(rows, partition, compiled, failures_only, max_examples, now)


def _outcomes_of(reports: Iterable[PartitionReport]) -> List[EventOutcome]:
    out: List[EventOutcome] = []
    for r in reports:
        out.extend(r.outcomes)
    return out


def _summary_of(reports: Iterable[PartitionReport]) -> ValidationSummary:
    return sum((r.summary for r in reports), ValidationSummary())


def _sum_summaries(summaries: Iterable[ValidationSummary]) -> ValidationSummary:
    return sum(summaries, ValidationSummary())


def _bag_ingest(
    items: Iterable[Any],
    partition: int,
    client: ClientConfig,
    contract_id: str,
    job_id: str,
    version: Optional[str],
    max_batch_events: int,
    max_examples: int,
) -> List[PartitionIngest]:
    return [
        ingest_partition(
            items,
            client=client,
            contract_id=contract_id,
            job_id=job_id,
            partition=partition,
            version=version,
            max_batch_events=max_batch_events,
            max_examples=max_examples,
        )
    ]


def _frame_ingest(
    pdf: Any,
    partition: int,
    null_cells: str,
    client: ClientConfig,
    contract_id: str,
    job_id: str,
    version: Optional[str],
    max_batch_events: int,
    max_examples: int,
) -> List[PartitionIngest]:
    rows = frame_records(pdf.to_dict(orient="records"), null_cells)
    return _bag_ingest(
        rows, partition, client, contract_id, job_id, version, max_batch_events, max_examples
    )


def _report_of(parts: Iterable[PartitionIngest]) -> IngestReport:
    return IngestReport(tuple(parts))


def _sum_reports(reports: Iterable[IngestReport]) -> IngestReport:
    return sum(reports, IngestReport())


# ---------------------------------------------------------------------------- helpers


def _check_bag(function: str, bag: object, instead: str) -> None:
    """A Dask DataFrame's partitions would be iterated as pandas frames: their column
    names, as events."""
    if not isinstance(bag, db.Bag):
        raise TypeError(
            f"{function} needs a dask.bag.Bag, not {type(bag).__name__}; "
            f"for a Dask DataFrame use {instead}"
        )


def _check_frame(function: str, df: object, instead: str) -> None:
    import dask.dataframe as dd  # the dataframe extra: imported when a frame is used

    if not isinstance(df, dd.DataFrame):
        raise TypeError(
            f"{function} needs a Dask DataFrame, not {type(df).__name__}; "
            f"for a dask.bag.Bag use {instead}"
        )


def _warn_stringified(df: Any, contract: object) -> None:
    """Warn (on the driver) when columns the contract declares objects or arrays hold
    strings: Dask converts object columns, dicts and lists included, to strings when a
    frame is made (its ``dataframe.convert-string`` option, on by default), and every row
    would then fail with ``type_mismatch`` for a reason the report cannot show."""
    import warnings

    if isinstance(contract, CompiledContract):
        contract = contract.contract
    if not isinstance(contract, Contract):
        return  # a delayed contract: not known on the driver
    nested = {e.name for e in contract.entities if e.type in (FieldType.OBJECT, FieldType.ARRAY)}
    columns = [c for c, t in df.dtypes.items() if c in nested and _is_text(t)]
    if columns:
        warnings.warn(
            f"validate_dataframe: column(s) {', '.join(map(repr, columns))} hold strings, but "
            "the contract declares them objects or arrays: every row will fail with "
            "type_mismatch. Dask turns object columns (dicts and lists included) into strings "
            "when a frame is made; make it under dask.config.set({'dataframe.convert-string': "
            "False}), or validate a bag of dicts (validate_bag)",
            UserWarning,
            stacklevel=3,
        )


def _is_text(dtype: object) -> bool:
    """A pandas string column (``string``, ``str``: a ``StringDtype``)."""
    return type(dtype).__name__ == "StringDtype"


def _check_split_every(split_every: object) -> None:
    """Dask's reduction loops forever building the graph with a fan-in of 1, and fails
    inside Dask below it."""
    if split_every is None or split_every is False:
        return
    if not isinstance(split_every, int) or isinstance(split_every, bool) or split_every < 2:
        raise ValueError(
            "split_every must be an int >= 2 (the fan-in of the reduction tree), None "
            f"(Dask's default) or False (one step), got {split_every!r}"
        )


def _per_partition(parts: Iterable[Delayed], task: Callable[..., Any], *args: Any) -> db.Bag:
    """A bag of ``task(partition, index, *args)`` for each partition (``task`` returns a
    one-item list). The index is a literal of each task: an index bag (``db.range``)
    would make every task depend on a partition of it, and the scheduler would place the
    tasks where those tiny partitions happen to be, not spread over the workers."""
    tasks = [delayed(task)(part, i, *args) for i, part in enumerate(parts)]
    bag: db.Bag = db.from_delayed(tasks)  # type: ignore[no-untyped-call]
    return bag


def _shipped(contract: Union[Contract, CompiledContract, Delayed]) -> Delayed:
    return contract if isinstance(contract, Delayed) else ship(contract)


def _ingest_report(parts: db.Bag, split_every: Optional[int]) -> db.Item:
    item: db.Item = parts.reduction(  # type: ignore[no-untyped-call]
        _report_of, _sum_reports, split_every=split_every
    )
    return item


def _validation(reports: db.Bag, split_every: Optional[int]) -> DaskValidation:
    return DaskValidation(
        reports=reports,
        outcomes=reports.map_partitions(_outcomes_of),  # type: ignore[no-untyped-call]
        summary=reports.reduction(  # type: ignore[no-untyped-call]
            _summary_of, _sum_summaries, split_every=split_every
        ),
    )
