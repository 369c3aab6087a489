"""Defects found in the scale-out integrations, each pinned on a real engine (a Dask
``LocalCluster`` with two worker processes, Spark ``local[2]``): answers that differed
from one process, and bad arguments that were accepted on the driver and then failed,
hung or did the wrong thing."""

from __future__ import annotations

import json
from typing import Any, Iterator, List, Optional

import dask.bag as db
import dask.dataframe as dd
import pandas as pd
import pytest
from cg_scaleout_testlib import (
    ORDERS,
    USER_EVENTS,
    local_cluster,
    order,
    reference,
    scaleout_gateway,
    spark_session,
    user_event,
)
from distributed import Client
from pyspark.sql import DataFrame, SparkSession

from contractgate import dask as cg_dask
from contractgate import spark as cg_spark
from contractgate.gateway import LocalGateway
from contractgate.validator import frame_records
from hang_guard import hang_guard

COMPILED = ORDERS.compile()
CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"  # never contacted: the calls fail first
NOWHERE = cg_dask.ClientConfig(base_url="http://127.0.0.1:9", api_key="cg_never_sent")

pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Client]:
    with local_cluster() as client:
        yield client


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    with spark_session("local[2]", "contractgate-scaleout-hunt", 2) as session:  # no retry
        session.sparkContext.setLogLevel("OFF")
        yield session


@pytest.fixture(scope="module")
def gateway() -> Iterator[LocalGateway]:
    with scaleout_gateway() as gw:
        yield gw


def _jobs(spark: SparkSession) -> int:
    return len(spark.sparkContext.statusTracker().getJobIdsForGroup())


# ---------------------------------------------------------------------------- Dask


@pytest.mark.parametrize("split_every", [1, True, 0, -1, 2.5, "4"])
def test_dask_split_every_is_checked_on_the_driver(split_every: Any) -> None:
    """split_every=1 (or True) made Bag.reduction loop forever while the graph was built
    (memory growing); 0 and -1 raised an UnboundLocalError from inside Dask."""
    bag = db.from_sequence([order(i) for i in range(8)], npartitions=4)
    ddf = dd.from_pandas(pd.DataFrame([{"order_id": "x"}] * 4), npartitions=2)
    calls = [
        lambda: cg_dask.validate_bag(bag, COMPILED, split_every=split_every),
        lambda: cg_dask.validate_dataframe(ddf, COMPILED, split_every=split_every),
        lambda: cg_dask.ingest_bag(bag, CID, job_id="j", client=NOWHERE,
                                   split_every=split_every),
        lambda: cg_dask.ingest_dataframe(ddf, CID, job_id="j", client=NOWHERE,
                                         split_every=split_every),
    ]
    for call in calls:
        with hang_guard(3), pytest.raises(ValueError, match="split_every must be an int >= 2"):
            call()


def test_dask_split_every_false_and_two_still_reduce(cluster: Client) -> None:
    events = [order(i) for i in range(300)]
    bag = db.from_sequence(events, npartitions=5)
    want_failures, want = reference(COMPILED, [p.compute() for p in bag.to_delayed()])
    for split_every in (False, 2):
        failures, summary = cg_dask.validate_bag(bag, COMPILED, split_every=split_every).compute()
        assert (failures, summary) == (want_failures, want)


def test_dask_collections_of_the_wrong_kind_are_refused_on_the_driver(cluster: Client) -> None:
    """A Dask DataFrame handed to the bag functions was iterated per partition as a
    pandas frame, i.e. its column NAMES: validate_bag answered one parse_error per
    column, and ingest_bag would have sent the column names as events. A bag handed to
    the DataFrame functions failed in every task with an AttributeError."""
    events = [order(i) for i in range(6)]
    bag = db.from_sequence(events, npartitions=2)
    ddf = dd.from_pandas(pd.DataFrame(events), npartitions=2)
    with pytest.raises(TypeError, match=r"validate_bag needs a dask\.bag\.Bag.*validate_dataframe"):
        cg_dask.validate_bag(ddf, COMPILED)
    with pytest.raises(TypeError, match=r"ingest_bag needs a dask\.bag\.Bag.*ingest_dataframe"):
        cg_dask.ingest_bag(ddf, CID, job_id="j", client=NOWHERE)
    with pytest.raises(TypeError, match=r"validate_dataframe needs a Dask DataFrame.*Bag"):
        cg_dask.validate_dataframe(bag, COMPILED)
    with pytest.raises(TypeError, match=r"ingest_dataframe needs a Dask DataFrame.*Bag"):
        cg_dask.ingest_dataframe(bag, CID, job_id="j", client=NOWHERE)
    with pytest.raises(TypeError, match=r"validate_dataframe needs a Dask DataFrame"):
        cg_dask.validate_dataframe(ddf["order_id"], COMPILED)  # a Series: no rows
    # the right collections give the single-process answer
    _, want = reference(COMPILED, [events])
    assert cg_dask.validate_bag(bag, COMPILED).summary.compute().counts == want.counts


def test_dask_ingest_client_and_version_are_checked_on_the_driver() -> None:
    """A Client (or a URL) instead of a ClientConfig, or a version that is not a string,
    was accepted when the graph was built and failed in every task (and every retry)."""
    bag = db.from_sequence([user_event(1)], npartitions=1)
    ddf = dd.from_pandas(pd.DataFrame([user_event(1)]), npartitions=1)
    with pytest.raises(TypeError, match="client must be a ClientConfig"):
        cg_dask.ingest_bag(bag, CID, job_id="j", client="http://127.0.0.1:9")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="version must be a string"):
        cg_dask.ingest_dataframe(ddf, CID, job_id="j", client=NOWHERE, version=1)  # type: ignore[arg-type]



def test_dask_frames_with_columns_of_one_name_are_refused_on_the_driver() -> None:
    """A frame with two columns of one name (a join's leftover) was validated as events
    holding only the last of them (pandas keeps the last, with a warning in the worker's
    log): the same rows passed or failed by column order. Both orders, and ingest, are
    refused on the driver, naming the name and the columns' positions."""
    good, bad = user_event(1), dict(user_event(1), user_id="Bad-User!")
    names = ["user_id", "event_type", "timestamp", "user_id"]
    for first, last in ((bad, good), (good, bad)):
        pdf = pd.DataFrame(
            [[first["user_id"], good["event_type"], good["timestamp"], last["user_id"]]],
            columns=names,
        )
        ddf = dd.from_pandas(pdf, npartitions=1)
        with pytest.raises(
            ValueError,
            match=r"^validate_dataframe: the frame has columns of the same name: 'user_id' "
                  r"\(at 0, 3\)\. An event has one value per field",
        ):
            cg_dask.validate_dataframe(ddf, USER_EVENTS)
        with pytest.raises(ValueError, match=r"^ingest_dataframe: .*'user_id' \(at 0, 3\)"):
            cg_dask.ingest_dataframe(ddf, CID, job_id="j", client=NOWHERE)
    # every repeated name is listed
    pdf = pd.DataFrame([[1, 2, 3, 4, 5]], columns=["a", "b", "a", "b", "b"])
    with pytest.raises(ValueError, match=r"'a' \(at 0, 2\); 'b' \(at 1, 3, 4\)\."):
        cg_dask.validate_dataframe(dd.from_pandas(pdf, npartitions=1), USER_EVENTS)


# ---------------------------------------------------------------------------- Spark

_ORDER_WITH_MAP = (
    "order_id STRING, placed_on STRING, status STRING, customer MAP<STRING,STRING>, "
    "items ARRAY<STRUCT<sku:STRING,qty:BIGINT,price:DOUBLE>>, total DOUBLE"
)


def test_spark_map_columns_are_objects(spark: SparkSession) -> None:
    """A MAP column (the usual type for objects with free keys) reached the validator as
    a list of (key, value) pairs, so `customer` failed as "not an object" on Spark and
    passed in one process over the same rows."""
    events = [order(i) for i in range(40)]
    df = spark.createDataFrame(events, _ORDER_WITH_MAP)  # 2 partitions, deterministic
    rows = [[r.asDict(recursive=True) for r in p] for p in df.rdd.glom().collect()]
    assert isinstance(rows[0][0]["customer"], dict)  # PySpark's own rows: a dict
    _, want = reference(COMPILED, [list(frame_records(p, "absent")) for p in rows])
    assert ("customer", "type_mismatch") not in want.counts
    run = cg_spark.validate_dataframe(df, COMPILED)
    assert run.summary() == want
    assert run.violations.filter("field = 'customer'").count() == 0


def test_spark_json_column_is_checked_on_the_driver(spark: SparkSession) -> None:
    """ingest_dataframe did not check json_column at all (validate_dataframe did): a
    missing column failed in every task with a KeyError from pyarrow. A column that is
    not text was validated as JSON numbers, and ingest failed with an AttributeError."""
    ints = spark.createDataFrame([(1,), (2,)], "value INT")
    text = spark.createDataFrame([(json.dumps(user_event(1)),)], "value STRING")
    jobs = _jobs(spark)
    with pytest.raises(ValueError, match=r"json_column 'body' is not a column of \['value'\]"):
        cg_spark.ingest_dataframe(text, CID, job_id="j", client=NOWHERE, json_column="body")
    for call in (
        lambda: cg_spark.validate_dataframe(ints, COMPILED, json_column="value"),
        lambda: cg_spark.ingest_dataframe(ints, CID, job_id="j", client=NOWHERE,
                                          json_column="value"),
    ):
        with pytest.raises(TypeError, match=r"json_column 'value' must be a string or binary "
                                            r"column of JSON text, not int"):
            call()
    assert _jobs(spark) == jobs
    # binary JSON text is fine, as bytes are for validate_chunk
    binary = spark.createDataFrame([(json.dumps(order(3)).encode(),)], "value BINARY").coalesce(1)
    summary = cg_spark.validate_dataframe(binary, COMPILED, json_column="value").summary()
    assert summary == reference(COMPILED, [[json.dumps(order(3)).encode()]])[1]



def test_spark_columns_and_struct_fields_of_one_name_are_refused_on_the_driver(
    spark: SparkSession,
) -> None:
    """A join leaves two columns of one name; Arrow's rows kept only the last, so the
    same rows passed or failed by column order, and a struct with two fields of one name
    (at any depth: in arrays, in map values) lost one the same way. Refused on the
    driver, before any job, with the name, where it is and the positions. A repeated
    json_column is ambiguous too; repeated names elsewhere do not travel with it."""
    good = user_event(1)
    left = spark.createDataFrame(
        [(good["user_id"], good["event_type"], good["timestamp"])],
        "user_id STRING, event_type STRING, timestamp BIGINT",
    )
    right = spark.createDataFrame([("Bad-User!", good["event_type"])], "user_id STRING, k STRING")
    joined = left.join(right, left.event_type == right.k).drop("k")
    assert joined.columns == ["user_id", "event_type", "timestamp", "user_id"]
    jobs = _jobs(spark)
    for call in (
        lambda df: cg_spark.validate_dataframe(df, USER_EVENTS),
        lambda df: cg_spark.ingest_dataframe(df, CID, job_id="j", client=NOWHERE),
    ):
        with pytest.raises(
            ValueError,
            match=r"_dataframe: the frame has columns of the same name: 'user_id' \(at 0, 3\)",
        ):
            call(joined)
    nested = {
        "a STRUCT<x:INT,y:INT,x:INT>": r"struct column 'a' has fields of the same name: 'x' "
                                       r"\(at 0, 2\)",
        "a ARRAY<STRUCT<s:STRUCT<q:INT,q:INT>>>": r"struct column 'a\[\*\]\.s' .* 'q' "
                                                  r"\(at 0, 1\)",
        "a MAP<STRING,STRUCT<v:INT,v:INT>>": r"struct column 'a\.\*' .* 'v' \(at 0, 1\)",
    }
    for schema, message in nested.items():
        df = spark.createDataFrame([], schema)
        with pytest.raises(ValueError, match=r"^validate_dataframe: " + message):
            cg_spark.validate_dataframe(df, USER_EVENTS)
    text = spark.createDataFrame([(json.dumps(good), 1, 2)], "value STRING, n INT, n INT")
    twice = spark.createDataFrame([("{}", "{}")], "value STRING, value STRING")
    with pytest.raises(ValueError, match=r"json_column 'value' names 2 columns \(at 0, 1\)"):
        cg_spark.validate_dataframe(twice, USER_EVENTS, json_column="value")
    assert _jobs(spark) == jobs
    summary = cg_spark.validate_dataframe(text, USER_EVENTS, json_column="value").summary()
    assert summary == reference(USER_EVENTS.compile(), [[json.dumps(good)]])[1]


def _lines_frame(spark: SparkSession, lines: List[Optional[str]]) -> DataFrame:
    return spark.createDataFrame([(x,) for x in lines], "value STRING").coalesce(1)


def test_spark_ingest_positions_match_validation_past_blank_rows(
    spark: SparkSession, gateway: LocalGateway
) -> None:
    """Validation skips blank (and null) rows but keeps their offsets (an offset is the
    row number); the ingest report counted the gateway's index among the rows sent,
    so every failure after a blank row was reported at a shifted position."""
    cid = gateway.contract_id("user_events")
    lines: List[Optional[str]] = [json.dumps(user_event(i)) for i in range(40_000, 40_030)]
    lines[2] = ""
    lines[5] = None
    lines[6] = "   "
    df = _lines_frame(spark, lines)
    compiled = USER_EVENTS.compile()
    want = cg_spark.validate_dataframe(df, compiled, json_column="value").summary()
    cfg = cg_spark.ClientConfig(base_url=gateway.base_url, api_key=gateway.api_key)
    report = cg_spark.ingest_dataframe(
        df, cid, job_id="hunt-blank-rows", client=cfg, json_column="value", max_batch_events=4
    )
    assert (report.total, report.failed) == (want.total, want.failed) == (27, 3)
    assert report.summary == want
    offsets = [e.offset for ex in report.summary.examples.values() for e in ex]
    assert offsets == [9, 19, 29]  # the rows' numbers, as validation gives them


def test_spark_ingest_bad_json_row_is_named(spark: SparkSession, gateway: LocalGateway) -> None:
    """A json_column row that is not JSON cannot be sent and fails the task; the error
    was the decoder's bare "key must be a string at line 1 column 2", naming neither
    the partition nor the row."""
    cid = gateway.contract_id("user_events")
    lines: List[Optional[str]] = [json.dumps(user_event(i)) for i in range(41_000, 41_010)]
    lines[1] = ""
    lines[7] = "{bad"
    cfg = cg_spark.ClientConfig(base_url=gateway.base_url, api_key=gateway.api_key)
    with pytest.raises(Exception) as caught:
        cg_spark.ingest_dataframe(
            _lines_frame(spark, lines), cid, job_id="hunt-bad-row", client=cfg,
            json_column="value",
        )
    assert (
        "EventEncodeError: event at index 7 cannot be sent: partition 0, offset 7 is not "
        "JSON the gateway accepts: key must be a string at line 1 column 2"
    ) in str(caught.value)


def test_partition_offsets_past_skipped_rows() -> None:
    """The mapping from the gateway's index (rows sent) back to the row offset."""
    from contractgate.partitions import _row_offset

    blanks = [0, 2, 3, 7, 8, 9]
    sent = [o for o in range(15) if o not in blanks]
    assert [_row_offset(blanks, i) for i in range(len(sent))] == sent
    assert [_row_offset(blanks, i) for i in reversed(range(len(sent)))] == sent[::-1]
    assert [_row_offset([], i) for i in range(4)] == [0, 1, 2, 3]
