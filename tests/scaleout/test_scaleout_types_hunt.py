"""How rows and partitions become events and verdicts, hunted type by type on real
engines (a Dask ``LocalCluster`` with two worker processes, Spark ``local[2]``). Every
verdict is compared with the single-process one (``validate_chunk``, i.e.
``compiled.validate``) on the same event converted the documented way.

Defect tests (failed before their fix): ``test_dask_numpy_missing_cells_inside_object_
cells``, ``test_spark_nan_is_a_value_not_a_missing_cell``, ``test_spark_column_names_with_
dots_spaces_and_backticks``, ``test_spark_wrong_collection_types_are_refused_on_the_
driver``. The others pin behaviour down."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterator, List

import dask
import dask.bag as db
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from cg_scaleout_testlib import (
    ORDERS,
    local_cluster,
    order,
    reference,
    spark_session,
)
from distributed import Client
from pyspark.sql import SparkSession

from contractgate import Contract, ContractCompileError
from contractgate import dask as cg_dask
from contractgate import spark as cg_spark
from contractgate.validator import EventOutcome, validate_chunk

pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)

ANY = Contract.from_yaml(
    """
version: "1"
name: types
ontology:
  entities:
    - {name: a, type: integer, required: false}
    - {name: b, type: number, required: false}
    - {name: s, type: string, required: false}
    - {name: o, type: object, required: false}
    - {name: l, type: array, required: false}
    - {name: n, type: number}
"""
).compile()
COMPILED = ORDERS.compile()
CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"  # never contacted: the calls fail first
NOWHERE = cg_spark.ClientConfig(base_url="http://127.0.0.1:9", api_key="cg_never_sent")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Client]:
    with local_cluster() as client:
        yield client


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    with spark_session("local[2]", "contractgate-types-hunt", 2) as session:
        session.sparkContext.setLogLevel("OFF")
        yield session


def _all(events: List[Any], partition: int = 0) -> List[EventOutcome]:
    """The single-process verdict of each event, at its position."""
    return list(
        validate_chunk(ANY, events, partition=partition, failures_only=False).outcomes
    )


def _frame(pdf: pd.DataFrame, npartitions: int = 1) -> dd.DataFrame:
    # Dask turns object columns into strings by default (`dataframe.convert-string`),
    # dict and list cells included: they hold their repr then (see the report)
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_pandas(pdf, npartitions=npartitions, sort=False)


# ---------------------------------------------------------------------------- Dask


def test_dask_numpy_missing_cells_inside_object_cells(cluster: Client) -> None:
    """DEFECT: a float32 NaN or a datetime64 NaT inside a dict cell was not a missing
    cell (it was judged before it became a Python value): the NaN failed the row as
    not_json_value, the NaT became a JSON null; in a list the NaN failed too."""
    pdf = pd.DataFrame(
        {
            "n": [1.0, 2.0, 3.0],
            "o": [
                {"x": np.float32("nan"), "y": np.int64(3)},
                {"t": np.datetime64("NaT"), "u": np.timedelta64("NaT")},
                {"z": pd.NA, "k": np.bool_(True)},
            ],
            "l": [[np.float32("nan"), 1], [np.datetime64("NaT")], np.array([np.nan, 2.0])],
        }
    )
    want = _all([
        {"n": 1.0, "o": {"y": 3}, "l": [None, 1]},
        {"n": 2.0, "o": {}, "l": [None]},
        {"n": 3.0, "o": {"k": True}, "l": [None, 2.0]},
    ])
    assert all(o.passed for o in want)
    failures, summary = cg_dask.validate_dataframe(
        _frame(pdf), ANY, failures_only=False
    ).compute()
    assert failures == want
    assert summary.passed == 3
    # null_cells="null": the same cells are JSON nulls (an object field `t: null`)
    nulls, _ = cg_dask.validate_dataframe(
        _frame(pdf), ANY, failures_only=False, null_cells="null"
    ).compute()
    assert nulls == _all([
        {"n": 1.0, "o": {"x": None, "y": 3}, "l": [None, 1]},
        {"n": 2.0, "o": {"t": None, "u": None}, "l": [None]},
        {"n": 3.0, "o": {"z": None, "k": True}, "l": [None, 2.0]},
    ])


def test_dask_dataframe_dtypes_give_the_documented_events(cluster: Client) -> None:
    """Pins the conversion of pandas dtypes: nullable, categorical and Arrow-backed
    missing cells are absent keys; timestamps and decimals are no JSON values; a float
    column turns 1 into 1.0 (rejected by an integer field). Two partitions, one of them
    empty after a filter: positions are (partition, row within it)."""
    pdf = pd.DataFrame(
        {
            "n": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "a": pd.array([1, None, 2**63 - 1, 4, 5, 6], dtype="Int64"),
            "s": pd.Categorical(["x", None, "y", "x", None, "y"]),
            "b": pd.array([1.5, None, 2.5, None, 0.0, -1.0], dtype="float64[pyarrow]"),
        }
    )
    plain = _frame(pdf, npartitions=2)
    got, summary = cg_dask.validate_dataframe(plain, ANY, failures_only=False).compute()
    rows = pdf.to_dict(orient="records")
    events = [{k: v for k, v in r.items() if not pd.isna(v)} for r in rows]
    assert got == _all(events[:3], 0) + _all(events[3:], 1)
    assert summary.passed == 6
    odd = pd.DataFrame(
        {
            "n": [1.0, 2.0, 3.0, 4.0],
            "a": [1.0, 2.0, float("nan"), 4.0],  # float64: 1.0 is no integer
            "s": pd.to_datetime(["2024-01-01", None, None, None]),
            "b": [Decimal("1.5"), None, None, None],
        }
    )
    got, summary = cg_dask.validate_dataframe(_frame(odd), ANY).compute()
    assert [(o.offset, [str(v.kind) for v in o.violations]) for o in got] == [
        (0, ["not_json_value"]), (1, ["type_mismatch"]), (3, ["type_mismatch"]),
    ]
    assert "event.s is a Timestamp" in got[0].violations[0].message
    assert summary.total == 4


def test_dask_read_text_lines_keep_their_numbers(cluster: Client, tmp_path: Path) -> None:
    """Pins read_text: CRLF line ends and blank lines are JSON whitespace (skipped, the
    offset still the line number), a BOM makes the first line a parse_error (as the CLI
    and the gateway read NDJSON), an empty file is an empty partition."""
    ok = [json.dumps(order(i)) for i in range(6)]
    (tmp_path / "0.ndjson").write_bytes(
        ("\r\n".join([ok[0], "", ok[1], "  \t", ok[2]]) + "\r\n").encode()
    )
    (tmp_path / "1.ndjson").write_bytes(b"")
    (tmp_path / "2.ndjson").write_bytes(("\ufeff" + "\n".join(ok[3:]) + "\n").encode())
    lines = db.read_text(str(tmp_path / "*.ndjson"))
    parts = [p.compute() for p in lines.to_delayed()]
    assert [len(p) for p in parts] == [5, 0, 3]
    want_outcomes, want = reference(COMPILED, parts, failures_only=False)
    got, summary = cg_dask.validate_bag(lines, COMPILED, failures_only=False).compute()
    assert (got, summary) == (want_outcomes, want)
    assert [o.position for o in got] == [(0, 0), (0, 2), (0, 4), (2, 0), (2, 1), (2, 2)]
    assert [str(v.kind) for v in got[3].violations] == ["parse_error"]
    assert summary.total == 6
    # the same lines as bytes give the same answers
    raw = db.from_sequence([line.encode() for p in parts for line in p], npartitions=1)
    _, as_bytes = cg_dask.validate_bag(raw, COMPILED).compute()
    assert (as_bytes.total, as_bytes.failed, as_bytes.counts) == (want.total, want.failed,
                                                                  want.counts)


def test_dask_a_partition_that_raises_midway_fails_the_computation(cluster: Client) -> None:
    """Pins: an error while a partition is read (here the user's own json.loads) is the
    user's exception on the client, never a partial summary."""
    lines = [json.dumps(order(i)) for i in range(10)]
    lines[6] = "{bad"
    bag = db.from_sequence(lines, npartitions=2).map(json.loads)
    with pytest.raises(json.JSONDecodeError):
        cg_dask.validate_bag(bag, COMPILED).compute()
    with pytest.raises(json.JSONDecodeError):
        cg_dask.validate_bag(bag, COMPILED).summary.compute()


# ---------------------------------------------------------------------------- Spark


def test_spark_nan_is_a_value_not_a_missing_cell(spark: SparkSession) -> None:
    """DEFECT: a NaN double (Spark has a null, so NaN is a value) was dropped as an
    absent key, so an optional field holding NaN passed and a required one was
    "missing"; with null_cells="null" it became JSON null. The gateway never accepts a
    NaN: it is not_json_value, as compiled.validate answers for the same row."""
    nan = float("nan")
    rows = [(1.0, nan, [1.0]), (nan, 2.0, [nan]), (None, None, None), (3.0, 1.0, [2.0, None])]
    df = spark.createDataFrame(rows, "n DOUBLE, b DOUBLE, l ARRAY<DOUBLE>").coalesce(1)
    documented = [
        {"n": 1.0, "b": nan, "l": [1.0]},
        {"n": nan, "b": 2.0, "l": [nan]},
        {},
        {"n": 3.0, "b": 1.0, "l": [2.0, None]},
    ]
    want_outcomes, want = reference(ANY, [documented])
    assert [o.offset for o in want_outcomes] == [0, 1, 2]
    run = cg_spark.validate_dataframe(df, ANY)
    assert run.summary() == want
    assert [tuple(r) for r in run.violations.orderBy("offset").collect()] == [
        (o.partition, o.offset, v.field, str(v.kind), v.message)
        for o in want_outcomes for v in o.violations
    ]
    null = cg_spark.validate_dataframe(df, ANY, null_cells="null").summary()
    assert null.counts[("<root>", "not_json_value")] == 2


def test_spark_column_names_with_dots_spaces_and_backticks(spark: SparkSession) -> None:
    """DEFECT: mapInArrow resolves every column by name, so a frame with a column named
    `user.id` (read.json of keys with dots) or with a backtick failed with an
    AnalysisException before any row was read, json_column included."""
    names = ["user.id", "with space", "ünï", "x`y", "n"]
    data = [("u1", "a", "b", "c", 1.0), ("u2", None, "b", "c", -1.0)]
    df = spark.createDataFrame(data, names).coalesce(1)
    contract = Contract.from_yaml(
        'version: "1"\nname: odd\nontology:\n  entities:\n'
        '    - {name: "user.id", type: string, pattern: "^u[0-9]$"}\n'
        '    - {name: "with space", type: string}\n'
        '    - {name: n, type: number, min: 0}\n'
    ).compile()
    documented = [
        {"user.id": "u1", "with space": "a", "ünï": "b", "x`y": "c", "n": 1.0},
        {"user.id": "u2", "ünï": "b", "x`y": "c", "n": -1.0},
    ]
    want_outcomes, want = reference(contract, [documented])
    assert want.failed == 1
    run = cg_spark.validate_dataframe(df, contract)
    assert run.summary() == want
    assert run.violations.count() == sum(len(o.violations) for o in want_outcomes)
    # a dotted raw-JSON column, next to others
    text = spark.createDataFrame(
        [(json.dumps(order(i)), i) for i in range(20)], ["raw.value", "i.d"]
    ).coalesce(1)
    lines = [json.dumps(order(i)) for i in range(20)]
    got = cg_spark.validate_dataframe(text, COMPILED, json_column="raw.value").summary()
    assert got == reference(COMPILED, [lines])[1]


def test_spark_typed_columns_match_the_rows_pyspark_gives(spark: SparkSession) -> None:
    """Pins the conversion of Spark types against ``Row.asDict(recursive=True)`` with
    null cells dropped: decimals, dates, timestamps (with and without zone), binary and
    maps with int keys are no JSON values; maps with string keys and nested arrays of
    structs are objects and arrays; a null struct is absent; a 300-column row is one
    event. Partitions include empty ones; positions are exact."""
    schema = (
        "n DOUBLE, d DECIMAL(5,2), day DATE, ts TIMESTAMP, ntz TIMESTAMP_NTZ, raw BINARY, "
        "m MAP<INT,STRING>, o STRUCT<k:STRING,items:ARRAY<STRUCT<q:BIGINT,r:STRING>>>, "
        "sm MAP<STRING,ARRAY<BIGINT>>"
    )
    base: Dict[str, Any] = dict.fromkeys(
        ["n", "d", "day", "ts", "ntz", "raw", "m", "o", "sm"]
    )
    cases: List[Dict[str, Any]] = [
        {"n": 1.0},
        {"n": 1.0, "d": Decimal("1.50")},
        {"n": 1.0, "day": dt.date(2024, 1, 2)},
        {"n": 1.0, "ts": dt.datetime(2024, 1, 2, 3, 4, 5)},
        {"n": 1.0, "ntz": dt.datetime(2024, 1, 2, 3, 4, 5)},
        {"n": 1.0, "raw": b"{}"},
        {"n": 1.0, "m": {1: "x"}},
        {"n": 1.0, "o": {"k": "v", "items": [{"q": 1, "r": None}, None]}},
        {"n": 1.0, "o": {"k": None, "items": None}, "sm": {"k": [1, None]}},
        {"o": None},  # a required n missing
    ]
    rdd = spark.sparkContext.parallelize([{**base, **c} for c in cases], 12)
    df = spark.createDataFrame(rdd, schema)
    parts = df.rdd.glom().collect()
    assert 0 in [len(p) for p in parts] and len(parts) == 12

    def absent(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: absent(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [absent(x) for x in v]
        return v

    want_outcomes, want = reference(
        ANY, [[absent(r.asDict(recursive=True)) for r in p] for p in parts]
    )
    assert want.counts == {("<root>", "not_json_value"): 6, ("n", "missing_required_field"): 1}
    run = cg_spark.validate_dataframe(df, ANY)
    assert run.summary() == want
    assert [tuple(r) for r in run.violations.orderBy("partition", "offset").collect()] == [
        (o.partition, o.offset, v.field, str(v.kind), v.message)
        for o in want_outcomes for v in o.violations
    ]
    # empty partitions count nothing; a very wide row is one event
    wide = spark.createDataFrame(
        [tuple([1.0] + [float(i) for i in range(300)])],
        ["n"] + [f"c{i}" for i in range(300)],
    ).repartition(3)
    assert cg_spark.validate_dataframe(wide, ANY).summary().passed == 1


def test_spark_wrong_collection_types_are_refused_on_the_driver(spark: SparkSession) -> None:
    """DEFECT: an RDD given to validate_dataframe / ingest_dataframe (or a DataFrame to
    validate_rdd / ingest_rdd) failed with an AttributeError ("'RDD' object has no
    attribute 'mapInArrow'", PySpark's "Attribute `mapPartitionsWithIndex` is not
    supported") instead of a TypeError naming the function to use."""
    df = spark.createDataFrame([(json.dumps(order(1)),)], "value STRING")
    rdd = df.rdd
    with pytest.raises(TypeError, match=r"validate_dataframe needs a pyspark\.sql\.DataFrame, "
                                        r"not RDD; for an RDD use validate_rdd"):
        cg_spark.validate_dataframe(rdd, COMPILED)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"ingest_dataframe needs a pyspark\.sql\.DataFrame, "
                                        r"not RDD; for an RDD use ingest_rdd"):
        cg_spark.ingest_dataframe(rdd, CID, job_id="j", client=NOWHERE)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"validate_rdd needs a pyspark RDD, not DataFrame; "
                                        r"for a DataFrame use validate_dataframe"):
        cg_spark.validate_rdd(df, COMPILED)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"ingest_rdd needs a pyspark RDD, not DataFrame; "
                                        r"for a DataFrame use ingest_dataframe"):
        cg_spark.ingest_rdd(df, CID, job_id="j", client=NOWHERE)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"validate_rdd needs a pyspark RDD, not list"):
        cg_spark.validate_rdd([order(1)], COMPILED)  # type: ignore[arg-type]


def test_spark_contract_that_does_not_compile_fails_on_the_driver(spark: SparkSession) -> None:
    """Pins: the compile error, typed, before any job."""
    bad = Contract.from_yaml(
        'version: "1"\nname: x\nontology:\n  entities:\n    - {name: a, type: string, '
        'pattern: "([a-z"}\n'
    )
    df = spark.createDataFrame([(json.dumps(order(1)),)], "value STRING")
    jobs = len(spark.sparkContext.statusTracker().getJobIdsForGroup())
    with pytest.raises(ContractCompileError):
        cg_spark.validate_dataframe(df, bad, json_column="value")
    with pytest.raises(ContractCompileError):
        cg_spark.validate_rdd(df.rdd, bad)
    assert len(spark.sparkContext.statusTracker().getJobIdsForGroup()) == jobs


def test_spark_binary_json_column_rows(spark: SparkSession) -> None:
    """Pins a binary raw-JSON column: null and blank rows skipped with their offsets,
    a BOM and invalid UTF-8 parse_errors, as validate_chunk reads the same bytes."""
    values = [json.dumps(order(1)).encode(), b"", None, b"\xef\xbb\xbf{}", b"\xff", b" \r\n"]
    df = spark.createDataFrame([(v,) for v in values], "value BINARY").coalesce(1)
    run = cg_spark.validate_dataframe(df, COMPILED, json_column="value")
    want_outcomes, want = reference(COMPILED, [[b"" if v is None else v for v in values]])
    assert run.summary() == want
    assert want.total == 3
    assert sorted({r.offset for r in run.violations.collect()}) == [
        o.offset for o in want_outcomes
    ] == [3, 4]
