"""contractgate.spark in local mode on 127.0.0.1 (one SparkSession for the module): the
same answers as a single process for RDDs and DataFrames, and an idempotent ingest
through a crashed Python worker."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from functools import partial
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set

import cg_scaleout_testlib
import pytest
from cg_scaleout_testlib import (
    ORDERS,
    chunks,
    die_once,
    order,
    order_lines,
    probe,
    reference,
    scaleout_gateway,
    spark_session,
    stored_ids,
    user_event,
)
from pyspark import cloudpickle as spark_cloudpickle
from pyspark.sql import SparkSession

from contractgate.gateway import LocalGateway
from contractgate.spark import (
    ClientConfig,
    ingest_dataframe,
    ingest_rdd,
    outcomes,
    summarize,
    validate_dataframe,
    validate_rdd,
)
from contractgate.validator import frame_records

COMPILED = ORDERS.compile()

# PySpark 4.3 warns about pandas 3 whenever mapInArrow runs; these paths never use pandas.
pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    # task functions of the test helpers travel by value (Spark's Python workers do not
    # have the tests folder on their path)
    spark_cloudpickle.register_pickle_by_value(cg_scaleout_testlib)
    # 2 threads; a failed task is retried
    with spark_session("local[2,3]", "contractgate-scaleout-tests", 4) as session:
        session.sparkContext.setLogLevel("ERROR")
        yield session
    spark_cloudpickle.unregister_pickle_by_value(cg_scaleout_testlib)


@pytest.fixture(scope="module")
def gateway() -> Iterator[LocalGateway]:
    with scaleout_gateway() as gw:
        yield gw


def _write(tmp: Path, parts: List[List[str]]) -> str:
    for i, part in enumerate(parts):
        (tmp / f"part-{i:02d}.ndjson").write_text("\n".join(part) + "\n", encoding="utf-8")
    return str(tmp)


def test_text_rdd_like_one_process(spark: SparkSession, tmp_path: Path) -> None:
    path = _write(tmp_path, chunks(order_lines(3000), 3))
    rdd = spark.sparkContext.textFile(path, minPartitions=3)
    parts = rdd.glom().collect()
    reports = validate_rdd(rdd, COMPILED, max_examples=3).cache()
    want_outcomes, want = reference(COMPILED, parts, max_examples=3)
    assert summarize(reports) == want
    assert outcomes(reports).collect() == want_outcomes
    assert want.total == 3000


def test_dataframe_json_column(spark: SparkSession, tmp_path: Path) -> None:
    path = _write(tmp_path, chunks(order_lines(2500), 4))
    df = spark.read.text(path)
    parts = [[r.value for r in p] for p in df.rdd.glom().collect()]
    want_outcomes, want = reference(COMPILED, parts)
    run = validate_dataframe(df, COMPILED, json_column="value")
    assert run.summary() == want
    rows = [tuple(r) for r in run.violations.orderBy("partition", "offset").collect()]
    assert rows == [
        (o.partition, o.offset, v.field, str(v.kind), v.message)
        for o in want_outcomes
        for v in o.violations
    ]
    assert run.violations.schema.simpleString() == (
        "struct<partition:int,offset:bigint,field:string,kind:string,message:string>"
    )
    with pytest.raises(ValueError, match="json_column"):
        validate_dataframe(df, COMPILED, json_column="body")


def test_dataframe_rows_with_structs_and_null_cells(spark: SparkSession) -> None:
    events = [order(i) for i in range(400)]
    for e in events[::9]:
        e["customer"] = {"id": e["customer"]["id"]}  # no country: a null struct field
    # read.json: objects become structs (a missing key a null field), one schema for all
    df = spark.read.json(spark.sparkContext.parallelize([json.dumps(e) for e in events], 3))
    parts = [[r.asDict(recursive=True) for r in p] for p in df.rdd.glom().collect()]
    for null_cells in ("absent", "null"):
        _, want = reference(
            COMPILED, [list(frame_records(p, null_cells)) for p in parts]
        )
        run = validate_dataframe(df, COMPILED, null_cells=null_cells)
        assert run.summary() == want
    # absent: the missing optional country passes; null: a string field rejects null
    absent = validate_dataframe(df, COMPILED).summary()
    null = validate_dataframe(df, COMPILED, null_cells="null").summary()
    assert absent.passed > 0
    assert ("customer.country", "type_mismatch") not in absent.counts
    assert null.counts[("customer.country", "type_mismatch")] == len(events[::9])


def test_each_python_worker_keeps_one_compiled_contract(spark: SparkSession) -> None:
    rdd = spark.sparkContext.parallelize(range(64), 16)
    seen = rdd.mapPartitions(partial(probe, compiled=COMPILED)).collect()
    per_worker: Dict[int, Set[int]] = defaultdict(set)
    for pid, ident in seen:
        per_worker[pid].add(ident)
    assert len(seen) == 16
    assert all(len(ids) == 1 for ids in per_worker.values()), per_worker


def test_ingest_rdd_survives_a_python_worker_crash(
    spark: SparkSession, gateway: LocalGateway, tmp_path: Path
) -> None:
    cid = gateway.contract_id("user_events")
    before = gateway.count_rows("audit", contract_id=cid)
    events = [user_event(i) for i in range(20_000, 23_000)]
    flag = str(tmp_path / "crashed")
    rdd = spark.sparkContext.parallelize(events, 3).mapPartitionsWithIndex(
        lambda i, it: die_once(it, [i], 1, 950, flag), preservesPartitioning=True
    )
    config = ClientConfig(base_url=gateway.base_url, api_key=gateway.api_key, max_retries=0)
    report = ingest_rdd(rdd, cid, job_id="spark-job", client=config, max_batch_events=100)
    assert Path(flag).exists()
    assert (report.total, report.passed, report.failed) == (3000, 2700, 300)
    assert report.partitions[1].replayed_batches >= 1
    assert gateway.count_rows("audit", contract_id=cid) - before == 3000
    assert sorted(stored_ids(gateway, cid)[before:]) == sorted(e["user_id"] for e in events)

    # the whole job again, as a DataFrame of the same rows: all replayed, nothing stored
    df = spark.createDataFrame(events).repartition(1)
    again = ingest_dataframe(df, cid, job_id="spark-job-df", client=config)
    assert again.total == 3000 and gateway.count_rows("audit", contract_id=cid) - before == 6000
    replay = ingest_dataframe(df, cid, job_id="spark-job-df", client=config)
    assert replay.replayed_batches == replay.batches == 3
    assert gateway.count_rows("audit", contract_id=cid) - before == 6000


def test_probe_helper_types() -> None:
    # the probe used above answers (pid, identity) pairs
    got: List[Any] = probe(iter(()), COMPILED)
    assert got == [(os.getpid(), id(COMPILED))]


def test_bad_arguments_fail_on_the_driver_before_any_job(spark: SparkSession) -> None:
    """Not in every task (each retried, then a Py4J error wrapping the worker's trace)."""
    sc = spark.sparkContext
    rdd = sc.parallelize([order(1)], 1)
    df = spark.createDataFrame([(json.dumps(order(1)),)], ["value"])
    cfg = ClientConfig(base_url="http://127.0.0.1:9", api_key="cg_never_sent")
    cid = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"
    jobs = len(sc.statusTracker().getJobIdsForGroup())
    with pytest.raises(ValueError, match="max_examples must be an int >= 0, got -1"):
        validate_rdd(rdd, COMPILED, max_examples=-1)
    with pytest.raises(ValueError, match="max_examples must be an int >= 0, got True"):
        validate_dataframe(df, COMPILED, json_column="value", max_examples=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"max_batch_events must be an int in 1\.\.1000"):
        ingest_rdd(rdd, cid, job_id="j", client=cfg, max_batch_events=0)
    with pytest.raises(ValueError, match=r"max_batch_events must be an int in 1\.\.1000"):
        ingest_rdd(rdd, cid, job_id="j", client=cfg, max_batch_events=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_examples must be an int >= 0, got -2"):
        ingest_dataframe(df, cid, job_id="j", client=cfg, json_column="value", max_examples=-2)
    with pytest.raises(TypeError, match="now must be Unix seconds"):
        validate_rdd(rdd, COMPILED, now="today")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="now must be a finite number"):
        validate_dataframe(df, COMPILED, json_column="value", now=float("nan"))
    assert len(sc.statusTracker().getJobIdsForGroup()) == jobs


def test_summarize_and_outcomes_of_the_wrong_rdd_say_what_to_pass(spark: SparkSession) -> None:
    """``summarize(df.rdd)`` (Rows, not validate_rdd's reports) failed in a worker with
    ``AttributeError: summary`` deep in a Py4J trace; a bad ``depth`` reached
    treeAggregate. The element's type is checked where it is read, with a message
    naming what to pass; the depth on the driver, before any job."""
    sc = spark.sparkContext
    rows = spark.createDataFrame([(json.dumps(order(1)),)], ["value"]).rdd
    with pytest.raises(Exception, match=r"summarize\(\) takes the RDD validate_rdd\(\) returns"):
        summarize(rows)
    with pytest.raises(Exception, match=r"outcomes\(\) takes the RDD validate_rdd\(\) returns"):
        outcomes(sc.parallelize([order(1)], 1)).collect()
    reports = validate_rdd(sc.parallelize(order_lines(4), 2), COMPILED)
    jobs = len(sc.statusTracker().getJobIdsForGroup())
    for depth in (0, -1, True, 2.0):
        with pytest.raises(ValueError, match="depth must be an int >= 1"):
            summarize(reports, depth=depth)  # type: ignore[arg-type]
    assert len(sc.statusTracker().getJobIdsForGroup()) == jobs
    assert summarize(reports, depth=1).total == 4
