"""Validate and ingest datasets with Spark (``pip install 'contractgate[spark]'``).

The same partition functions as everywhere else
(:func:`contractgate.validator.validate_chunk`) run in ``rdd.mapPartitionsWithIndex``
and, for DataFrames, in ``mapInArrow``: a DataFrame validation gives a violations
DataFrame (``partition, offset, field, kind, message``) and a
:class:`~contractgate.validator.ValidationSummary` equal to a single process's.

Positions are (partition index, offset within the partition), stable as long as the
input's partitioning is (a file scan's is). The compiled contract travels inside each
task's closure as the contract itself and is compiled once per Python worker.

::

    from contractgate import Contract
    from contractgate.spark import validate_dataframe

    compiled = Contract.from_file("contracts/orders.yaml").compile()
    run = validate_dataframe(spark.read.text("day/"), compiled, json_column="value")
    run.violations.write.parquet("violations/")
    print(run.summary())
"""

from __future__ import annotations

import operator
import pickle
from dataclasses import dataclass
from functools import partial
from typing import Any, Iterable, Iterator, List, Optional, Tuple, Union

try:
    import pyarrow as pa  # type: ignore[import-untyped]
    from pyspark import RDD, TaskContext
    from pyspark.sql import DataFrame
    from pyspark.sql.types import ArrayType, BinaryType, DataType, MapType, StringType, StructType
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "contractgate.spark needs PySpark and pyarrow: pip install 'contractgate[spark]'"
    ) from exc

from ._validation.partition import check_unique_columns
from ._validation.rules import check_now
from ._validation.summary import check_count
from .contract import CompiledContract, Contract
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
    summarize_partition,
    validate_chunk,
    validate_partition,
)

__all__ = [
    "VIOLATIONS_SCHEMA",
    "ClientConfig",
    "IngestReport",
    "PartitionIngest",
    "SparkValidation",
    "ingest_dataframe",
    "ingest_rdd",
    "outcomes",
    "summarize",
    "validate_dataframe",
    "validate_rdd",
]

#: The violations DataFrame: one row per violation, at the event's position.
VIOLATIONS_SCHEMA = "partition INT, offset BIGINT, field STRING, kind STRING, message STRING"
_ARROW_VIOLATIONS = pa.schema(
    [
        ("partition", pa.int32()),
        ("offset", pa.int64()),
        ("field", pa.string()),
        ("kind", pa.string()),
        ("message", pa.string()),
    ]
)
_PICKLED = "value BINARY"
_FLUSH_ROWS = 8192


@dataclass(frozen=True)
class SparkValidation:
    """A DataFrame validation: ``violations`` (lazy DataFrame, :data:`VIOLATIONS_SCHEMA`)
    and :meth:`summary`. Each runs its own Spark job over the input, so ``cache()`` an
    input that is costly to read twice."""

    violations: DataFrame
    summaries: DataFrame  # one row per partition: the pickled partition summary

    def summary(self, depth: int = 2) -> ValidationSummary:
        """The merged summary (runs a job; ``treeAggregate`` of the partition summaries)."""
        _check_depth(depth)
        parts = self.summaries.rdd.map(_unpickle_row)
        return parts.treeAggregate(ValidationSummary(), operator.add, operator.add, depth)


# ---------------------------------------------------------------------------- RDDs


def validate_rdd(
    rdd: RDD[Any],
    contract: Union[Contract, CompiledContract],
    *,
    failures_only: bool = True,
    max_examples: int = 5,
    now: Now = None,
) -> RDD[PartitionReport]:
    """One :class:`~contractgate.validator.PartitionReport` per partition of an RDD of
    events or raw JSON lines (``sc.textFile``). Take :func:`outcomes` and
    :func:`summarize` from it; ``cache()`` it first to validate only once for both."""
    _check_rdd("validate_rdd", rdd, "validate_dataframe")
    check_count("max_examples", max_examples)  # on the driver, not in every task
    check_now(now)
    task = partial(_rdd_report, as_compiled(contract), failures_only, max_examples, now)
    return rdd.mapPartitionsWithIndex(task)


def outcomes(reports: RDD[PartitionReport]) -> RDD[EventOutcome]:
    """The event outcomes of :func:`validate_rdd`'s reports, in partition order."""
    _check_rdd("outcomes", reports, "SparkValidation.violations")
    return reports.flatMap(_report_outcomes)


def summarize(reports: RDD[PartitionReport], depth: int = 2) -> ValidationSummary:
    """The merged summary of :func:`validate_rdd`'s reports (``treeAggregate``)."""
    _check_rdd("summarize", reports, "SparkValidation.summary")
    _check_depth(depth)
    return reports.map(_report_summary).treeAggregate(
        ValidationSummary(), operator.add, operator.add, depth
    )


# ---------------------------------------------------------------------------- DataFrames


def validate_dataframe(
    df: DataFrame,
    contract: Union[Contract, CompiledContract],
    *,
    json_column: Optional[str] = None,
    null_cells: str = "absent",
    max_examples: int = 5,
    now: Now = None,
) -> SparkValidation:
    """Validate a DataFrame through ``mapInArrow``.

    With ``json_column`` (``spark.read.text(...)`` gives ``"value"``), that string
    column holds one raw JSON event per row, decoded the gateway's way (null or blank
    rows are skipped). Otherwise each row is the event: structs are objects, arrays are
    arrays, and ``null_cells="absent"`` treats null cells and null struct fields as
    absent keys (a frame cannot tell them apart; ``"null"`` keeps JSON null).
    Timestamps, dates and decimals are no JSON values: cast them to strings or numbers
    first, or they fail as ``not_json_value``; so does a NaN (a value in Spark, which
    has a null: not a missing cell as in pandas).
    """
    _check_frame("validate_dataframe", df, "validate_rdd")
    compiled = as_compiled(contract)
    frame_records((), null_cells)  # checks the option on the driver
    check_count("max_examples", max_examples)
    check_now(now)
    _check_columns("validate_dataframe", df, json_column)
    frame, names = _arrow_input(df, json_column)
    violations = frame.mapInArrow(
        partial(_violation_batches, compiled, names, null_cells, now), VIOLATIONS_SCHEMA
    )
    summaries = frame.mapInArrow(
        partial(_summary_batches, compiled, names, null_cells, max_examples, now),
        _PICKLED,
    )
    return SparkValidation(violations=violations, summaries=summaries)


# ---------------------------------------------------------------------------- ingest


def ingest_rdd(
    rdd: RDD[Any],
    contract_id: str,
    *,
    job_id: str,
    client: ClientConfig,
    version: Optional[str] = None,
    max_batch_events: int = 1000,
    max_examples: int = 5,
) -> IngestReport:
    """Ingest each partition of an RDD of events under its own idempotency key
    (``<job_id>:<contract_id>:p<partition>``): a task Spark re-runs, or the whole job
    re-run with the same ``job_id`` within 24 hours, replays the stored batches
    instead of storing them again. Runs the job and returns the merged report."""
    _check_rdd("ingest_rdd", rdd, "ingest_dataframe")
    check_ingest_arguments(job_id, contract_id, max_batch_events, max_examples, client, version)
    task = partial(
        _rdd_ingest, client, contract_id, job_id, version, max_batch_events, max_examples
    )
    parts: List[PartitionIngest] = rdd.mapPartitionsWithIndex(task).collect()
    return IngestReport(tuple(parts))


def ingest_dataframe(
    df: DataFrame,
    contract_id: str,
    *,
    job_id: str,
    client: ClientConfig,
    json_column: Optional[str] = None,
    null_cells: str = "absent",
    version: Optional[str] = None,
    max_batch_events: int = 1000,
    max_examples: int = 5,
) -> IngestReport:
    """:func:`ingest_rdd` for a DataFrame, rows read as in :func:`validate_dataframe`.
    ``json_column`` rows are raw JSON lines, read as validation reads them: blank and
    null rows are not sent but keep their offsets, and a row that is not JSON fails its
    task with an :class:`~contractgate.EventEncodeError` naming partition and offset (it
    cannot be sent)."""
    _check_frame("ingest_dataframe", df, "ingest_rdd")
    check_ingest_arguments(job_id, contract_id, max_batch_events, max_examples, client, version)
    frame_records((), null_cells)
    _check_columns("ingest_dataframe", df, json_column)
    frame, names = _arrow_input(df, json_column)
    task = partial(
        _arrow_ingest, names, null_cells, client, contract_id, job_id, version,
        max_batch_events, max_examples,
    )
    rows = frame.mapInArrow(task, _PICKLED).collect()
    return IngestReport(tuple(pickle.loads(r[0]) for r in rows))


def _check_rdd(function: str, rdd: object, instead: str) -> None:
    """On the driver: anything else fails with an AttributeError, or validates a
    DataFrame's rows as something else."""
    if not isinstance(rdd, RDD):
        raise TypeError(
            f"{function} needs a pyspark RDD, not {type(rdd).__name__}; "
            f"for a DataFrame use {instead}"
        )


def _check_frame(function: str, df: object, instead: str) -> None:
    if not isinstance(df, DataFrame):
        raise TypeError(
            f"{function} needs a pyspark.sql.DataFrame, not {type(df).__name__}; "
            f"for an RDD use {instead}"
        )


def _arrow_input(
    df: DataFrame, json_column: Optional[str]
) -> Tuple[DataFrame, Optional[List[str]]]:
    """The frame ``mapInArrow`` reads, and the column names its tasks give the rows.

    ``mapInArrow`` resolves each column by its name, so a name with a dot (``user.id``,
    common in JSON data) or a backtick failed the job with an AnalysisException: the
    columns travel under positional names and get theirs back in the task. With
    ``json_column`` only that column travels (``None`` names: the batches' one column).
    A projection: the partitioning, hence the positions, stay the input's."""
    names = list(df.columns)
    frame = df.toDF(*(f"_{i}" for i in range(len(names))))
    if json_column is None:
        return frame, names
    return frame.select(f"_{names.index(json_column)}"), None


def _check_columns(function: str, df: DataFrame, json_column: Optional[str]) -> None:
    """On the driver, before any job: the column of raw JSON text exists, is the only one
    of its name and holds text (a missing one fails every task; numbers would be
    validated as events); without one, no two columns, nor two fields of a struct column,
    share a name (``check_unique_columns``)."""
    if json_column is None:
        check_unique_columns(function, df.columns)
        for field in df.schema.fields:
            _check_fields(function, field.dataType, field.name)
        return
    if json_column not in df.columns:
        raise ValueError(f"json_column {json_column!r} is not a column of {df.columns}")
    at = [i for i, name in enumerate(df.columns) if name == json_column]
    if len(at) > 1:
        raise ValueError(
            f"json_column {json_column!r} names {len(at)} columns (at "
            f"{', '.join(map(str, at))}): rename or drop the others first"
        )
    kind = df.schema[json_column].dataType
    if not isinstance(kind, (StringType, BinaryType)):
        raise TypeError(
            f"json_column {json_column!r} must be a string or binary column of JSON text, "
            f"not {kind.simpleString()}"
        )


def _check_fields(function: str, kind: DataType, path: str) -> None:
    """:func:`check_unique_columns` for the structs within a column, at any depth."""
    if isinstance(kind, StructType):
        check_unique_columns(function, kind.names, path)
        for field in kind.fields:
            _check_fields(function, field.dataType, f"{path}.{field.name}")
    elif isinstance(kind, ArrayType):
        _check_fields(function, kind.elementType, f"{path}[*]")
    elif isinstance(kind, MapType):
        _check_fields(function, kind.valueType, f"{path}.*")


# ---------------------------------------------------------------------------- tasks
# Module-level functions bound with functools.partial: workers import them by name.


def _rdd_report(
    compiled: CompiledContract,
    failures_only: bool,
    max_examples: int,
    now: Now,
    partition: int,
    items: Iterable[Any],
) -> Iterator[PartitionReport]:
    yield validate_chunk(
        compiled,
        items,
        partition=partition,
        failures_only=failures_only,
        max_examples=max_examples,
        now=now,
    )


def _report_outcomes(report: PartitionReport) -> Iterable[EventOutcome]:
    return _report("outcomes", report).outcomes


def _report_summary(report: PartitionReport) -> ValidationSummary:
    return _report("summarize", report).summary


def _report(function: str, item: object) -> PartitionReport:
    """``item`` if it is a report; else a TypeError naming what to pass (raised in the
    task, as a bare AttributeError was: only the elements say what an RDD holds)."""
    if not isinstance(item, PartitionReport):
        raise TypeError(
            f"{function}() takes the RDD validate_rdd() returns (PartitionReport "
            f"elements), got an RDD of {type(item).__name__}"
        )
    return item


def _check_depth(depth: object) -> None:
    if type(depth) is not int or depth < 1:
        raise ValueError(f"depth must be an int >= 1 (treeAggregate's), got {depth!r}")


def _arrow_events(
    batches: Iterable[pa.RecordBatch], names: Optional[List[str]], null_cells: str
) -> Iterator[Any]:
    """The events of a partition's Arrow batches (see :func:`_arrow_input`), in row
    order: raw JSON text of the one column (``names`` None), or rows."""
    for batch in batches:
        if names is None:
            for text in batch.column(0).to_pylist():
                yield "" if text is None else text
        else:
            # a MAP column is an object (PySpark's Row.asDict gives a dict), not pairs
            rows = batch.rename_columns(names).to_pylist(maps_as_pydicts="lossy")
            # Spark has a null: a NaN double is a value, which no JSON can carry
            yield from frame_records(rows, null_cells, nan_is_missing=False)


def _partition_id() -> int:
    ctx = TaskContext.get()
    if ctx is None:  # pragma: no cover - only inside a Spark task
        raise RuntimeError("not running inside a Spark task")
    return int(ctx.partitionId())


def _violation_batches(
    compiled: CompiledContract,
    names: Optional[List[str]],
    null_cells: str,
    now: Now,
    batches: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    events = _arrow_events(batches, names, null_cells)
    columns: List[List[Any]] = [[], [], [], [], []]
    partition, offset, field, kind, message = columns
    for o in validate_partition(
        compiled, events, partition=_partition_id(), failures_only=True, now=now
    ):
        for v in o.violations:
            partition.append(o.partition)
            offset.append(o.offset)
            field.append(v.field)
            kind.append(str(v.kind))
            message.append(v.message)
        if len(offset) >= _FLUSH_ROWS:
            yield pa.RecordBatch.from_arrays(
                [pa.array(c, t.type) for c, t in zip(columns, _ARROW_VIOLATIONS)],
                schema=_ARROW_VIOLATIONS,
            )
            for c in columns:
                c.clear()
    if offset:
        yield pa.RecordBatch.from_arrays(
            [pa.array(c, t.type) for c, t in zip(columns, _ARROW_VIOLATIONS)],
            schema=_ARROW_VIOLATIONS,
        )


def _pickled_batch(value: Any) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {"value": [pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)]},
        schema=pa.schema([("value", pa.binary())]),
    )


def _unpickle_row(row: Any) -> Any:
    return pickle.loads(row[0])


def _summary_batches(
    compiled: CompiledContract,
    names: Optional[List[str]],
    null_cells: str,
    max_examples: int,
    now: Now,
    batches: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    events = _arrow_events(batches, names, null_cells)
    summary = summarize_partition(
        compiled, events, partition=_partition_id(), max_examples=max_examples, now=now
    )
    yield _pickled_batch(summary)


def _rdd_ingest(
    client: ClientConfig,
    contract_id: str,
    job_id: str,
    version: Optional[str],
    max_batch_events: int,
    max_examples: int,
    partition: int,
    items: Iterable[Any],
) -> Iterator[PartitionIngest]:
    yield ingest_partition(
        items,
        client=client,
        contract_id=contract_id,
        job_id=job_id,
        partition=partition,
        version=version,
        max_batch_events=max_batch_events,
        max_examples=max_examples,
    )


def _arrow_ingest(
    names: Optional[List[str]],
    null_cells: str,
    client: ClientConfig,
    contract_id: str,
    job_id: str,
    version: Optional[str],
    max_batch_events: int,
    max_examples: int,
    batches: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    part = ingest_partition(
        _arrow_events(batches, names, null_cells),
        client=client,
        contract_id=contract_id,
        job_id=job_id,
        partition=_partition_id(),
        version=version,
        max_batch_events=max_batch_events,
        max_examples=max_examples,
    )
    yield _pickled_batch(part)
