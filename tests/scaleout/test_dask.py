"""contractgate.dask on a real distributed cluster (two worker processes on 127.0.0.1):
the same answers as a single process, one compiled contract per worker, and a
partitioned ingest that stores every event exactly once through a worker crash."""

from __future__ import annotations

import json
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set

import dask
import dask.bag as db
import dask.dataframe as dd
import pandas as pd
import pytest
from cg_scaleout_testlib import (
    ORDERS,
    chunks,
    die_once,
    local_cluster,
    order,
    order_lines,
    probe,
    reference,
    scaleout_gateway,
    stored_ids,
    user_event,
)
from distributed import Client

from contractgate.dask import (
    ClientConfig,
    IngestReport,
    ingest_bag,
    ingest_dataframe,
    ship,
    validate_bag,
    validate_dataframe,
)
from contractgate.gateway import LocalGateway
from contractgate.validator import frame_records

COMPILED = ORDERS.compile()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Client]:
    with local_cluster() as client:
        yield client


@pytest.fixture(scope="module")
def gateway() -> Iterator[LocalGateway]:
    with scaleout_gateway() as gw:
        yield gw


def test_ndjson_files_validate_like_one_process(cluster: Client, tmp_path: Path) -> None:
    """read_text over files (one partition per file, offset = line number)."""
    lines = order_lines(4000)
    files = chunks(lines, 5)
    for i, part in enumerate(files):
        (tmp_path / f"day-{i}.ndjson").write_text("\n".join(part) + "\n", encoding="utf-8")
    bag = db.read_text(str(tmp_path / "day-*.ndjson"))
    assert bag.npartitions == 5
    failures, summary = validate_bag(bag, COMPILED, max_examples=3).compute()
    want_failures, want = reference(COMPILED, files, max_examples=3)
    assert summary == want
    assert failures == want_failures
    assert summary.total == 4000 and summary.counts[("<root>", "parse_error")] > 0


@pytest.mark.parametrize("npartitions,split_every", [(1, None), (7, 2), (16, 3)])
def test_bags_of_events_give_the_single_process_summary(
    cluster: Client, npartitions: int, split_every: Any
) -> None:
    events = [order(i) for i in range(3000)]
    bag = db.from_sequence(events, npartitions=npartitions)
    parts = bag.to_delayed()
    got = validate_bag(bag, ORDERS, split_every=split_every)  # a Contract compiles here
    failures, summary = got.compute()
    want_failures, want = reference(COMPILED, [p.compute() for p in parts])
    assert summary == want
    assert failures == want_failures
    # the counts do not depend on the partitioning at all
    assert (summary.total, summary.passed, dict(summary.counts)) == _flat_counts(events)


def _flat_counts(events: List[Any]) -> Any:
    _, s = reference(COMPILED, [events])
    return (s.total, s.passed, dict(s.counts))


def test_all_outcomes_when_asked(cluster: Client) -> None:
    bag = db.from_sequence(order_lines(500), npartitions=4)
    run = validate_bag(bag, COMPILED, failures_only=False)
    outcomes = run.outcomes.compute()
    assert len(outcomes) == 500
    positions = [o.position for o in outcomes]
    assert positions == sorted(positions) and len(set(positions)) == 500
    reports = run.reports.compute()
    assert [r.partition for r in reports] == [0, 1, 2, 3]


def test_dataframe_rows(cluster: Client) -> None:
    events = [order(i) for i in range(900)]
    pdf = pd.DataFrame(events)
    pdf.loc[3, "total"] = None  # a missing cell: absent (a required field)
    with dask.config.set({"dataframe.convert-string": False}):  # dict cells stay dicts
        ddf = dd.from_pandas(pdf, npartitions=3)
    failures, summary = validate_dataframe(ddf, COMPILED, max_examples=2).compute()
    parts = [list(frame_records(p.compute().to_dict(orient="records"), "absent"))
             for p in ddf.to_delayed()]
    want_failures, want = reference(COMPILED, parts, max_examples=2)
    assert summary == want and failures == want_failures
    # the rows are the events: those that pass alone pass here (but row 3's missing total)
    passing = {i for i, e in enumerate(events) if COMPILED.validate(e).passed} - {3}
    assert summary.passed == len(passing) > 500
    missing = [o for o in failures if o.position == (0, 3)]
    assert "Required field 'total' is missing" in [v.message for v in missing[0].violations]
    _, as_null = validate_dataframe(ddf, COMPILED, null_cells="null").compute()
    assert as_null.counts != summary.counts
    with pytest.raises(ValueError, match="null_cells"):
        validate_dataframe(ddf, COMPILED, null_cells="nan")


def test_dict_cells_dask_turned_into_strings_are_named_on_the_driver() -> None:
    """Dask converts object columns (dicts and lists too) into strings when a frame is
    made (``dataframe.convert-string``, on by default), so every order failed with
    ``type_mismatch`` on ``customer`` and ``items``; validating such a frame now warns,
    naming the columns and the way out, before any task runs."""
    pdf = pd.DataFrame([order(i) for i in range(6)])
    with dask.config.set({"dataframe.convert-string": True}):
        stringified = dd.from_pandas(pdf, npartitions=2)
    with pytest.warns(UserWarning, match=r"'customer', 'items' hold strings.*convert-string"):
        validate_dataframe(stringified, COMPILED)
    with dask.config.set({"dataframe.convert-string": False}):
        kept = dd.from_pandas(pdf, npartitions=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_dataframe(kept, ORDERS)


def test_each_worker_compiles_the_contract_once(cluster: Client) -> None:
    """The contract is one key of the graph: every task on a worker receives the same
    compiled object (one compilation per worker process, none per task)."""
    shipped = ship(COMPILED)
    bag = db.from_sequence(range(64), npartitions=32)
    seen = bag.map_partitions(probe, shipped).compute()
    per_worker: Dict[int, Set[int]] = defaultdict(set)
    for pid, ident in seen:
        per_worker[pid].add(ident)
    assert len(seen) == 32
    assert all(len(ids) == 1 for ids in per_worker.values()), per_worker
    assert 1 <= len(per_worker) <= 2


def test_each_partition_task_takes_its_data_and_the_contract_only() -> None:
    """A partition's task depends on that partition (and the shipped contract), nothing
    else: with a key per index (an index bag), the scheduler placed the tasks where
    those tiny keys happened to be computed, and two workers got 9 and 7 of 16 equal
    partitions (or worse) instead of 8 each."""
    from dask.core import get_dependencies

    shipped = ship(COMPILED)
    bag = db.from_sequence(range(40), npartitions=4)
    data = bag.__dask_keys__()
    reports = validate_bag(bag, shipped).reports
    graph = dict(reports.__dask_graph__())
    for i, key in enumerate(reports.__dask_keys__()):
        (task,) = get_dependencies(graph, key)
        assert get_dependencies(graph, task) == {data[i], shipped.key}
    config = ClientConfig(base_url="http://127.0.0.1:9")
    item = ingest_bag(bag, "00000000-0000-4000-8000-000000000000", job_id="j", client=config)
    graph = dict(item.__dask_graph__())
    tasks = [k for k in graph if str(k).startswith("_bag_ingest")]
    assert sorted(get_dependencies(graph, t).pop() for t in tasks) == data
    assert all(len(get_dependencies(graph, t)) == 1 for t in tasks)


def test_ingest_survives_a_worker_crash_exactly_once(
    cluster: Client, gateway: LocalGateway, tmp_path: Path
) -> None:
    cid = gateway.contract_id("user_events")
    before = gateway.count_rows("audit", contract_id=cid)
    events = [user_event(i) for i in range(4000)]
    bag = db.from_sequence(events, npartitions=4)
    ids = db.range(4, npartitions=4)
    flag = str(tmp_path / "crashed")
    # partition 2's worker process dies after 950 of its 1000 events: past the client's
    # read-ahead window (8 batches of 100), so some batches were stored already
    crashing = bag.map_partitions(die_once, ids, 2, 950, flag)
    config = ClientConfig(base_url=gateway.base_url, api_key=gateway.api_key, max_retries=0)
    report: IngestReport = ingest_bag(
        crashing, cid, job_id="backfill-2024-08-21", client=config, max_batch_events=100
    ).compute(retries=2)
    assert Path(flag).exists()  # the crash happened, and the task ran again elsewhere
    assert (report.total, report.passed, report.failed) == (4000, 3600, 400)
    assert [p.partition for p in report.partitions] == [0, 1, 2, 3]
    crashed = report.partitions[2]
    assert crashed.replayed_batches >= 1  # stored by the dead run, replayed by the retry
    assert crashed.idempotency_key == f"backfill-2024-08-21:{cid}:p2"
    assert [b.idempotency_key for b in crashed.batches][:2] == [
        crashed.idempotency_key,
        f"{crashed.idempotency_key}#1",
    ]
    assert report.summary.counts == {("event_type", "enum_violation"): 400}
    stored = stored_ids(gateway, cid)
    assert gateway.count_rows("audit", contract_id=cid) - before == 4000
    new = stored[before:]
    assert sorted(new) == sorted(e["user_id"] for e in events)  # each exactly once

    # re-running a partition (or the whole job) with the same job id stores nothing new
    again = ingest_bag(
        db.from_sequence(events, npartitions=4), cid, job_id="backfill-2024-08-21",
        client=config, max_batch_events=100,
    ).compute()
    assert again.replayed_batches == again.batches == 40
    assert gateway.count_rows("audit", contract_id=cid) - before == 4000


def test_ingest_dataframe_and_report_merge(cluster: Client, gateway: LocalGateway) -> None:
    cid = gateway.contract_id("user_events")
    before = gateway.count_rows("audit", contract_id=cid)
    pdf = pd.DataFrame([user_event(i) for i in range(10_000, 10_600)])
    config = ClientConfig(base_url=gateway.base_url, api_key=gateway.api_key)
    report = ingest_dataframe(
        dd.from_pandas(pdf, npartitions=3), cid, job_id="frame-job", client=config
    ).compute()
    assert (report.total, report.failed, report.batches) == (600, 60, 3)
    assert gateway.count_rows("audit", contract_id=cid) - before == 600
    with pytest.raises(ValueError, match="appears twice"):
        report + report
    assert sum([report], IngestReport()) == report
    with pytest.raises(ValueError, match="job_id"):
        ingest_bag(db.from_sequence([1]), cid, job_id="has space", client=config)
    with pytest.raises(ValueError, match="contract_id must be the contract's id"):
        ingest_bag(db.from_sequence([1]), "orders", job_id="job", client=config)


def test_compile_errors_surface_on_the_driver(cluster: Client) -> None:
    from contractgate import Contract, ContractCompileError

    bad = Contract.from_yaml(
        'version: "1"\nname: x\nontology:\n  entities:\n    - {name: a, type: string, '
        'pattern: "([a-z"}\n'
    )
    with pytest.raises(ContractCompileError):
        validate_bag(db.from_sequence([{}]), bad)
    with pytest.raises(TypeError, match="Contract or CompiledContract"):
        validate_bag(db.from_sequence([{}]), "orders.yaml")  # type: ignore[arg-type]


def test_dask_results_are_json_ready(cluster: Client) -> None:
    bag = db.from_sequence(order_lines(200), npartitions=2)
    failures, summary = validate_bag(bag, COMPILED).compute()
    json.dumps([o.to_dict() for o in failures])
    assert json.loads(summary.to_json())["total"] == 200


def test_bad_arguments_fail_on_the_driver() -> None:
    """When the graph is built, not in every task at compute time."""
    bag = db.from_sequence([order(1)], npartitions=1)
    ddf = dd.from_pandas(pd.DataFrame([{"order_id": "x"}]), npartitions=1)
    cfg = ClientConfig(base_url="http://127.0.0.1:9", api_key="cg_never_sent")
    cid = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"
    with pytest.raises(ValueError, match="max_examples must be an int >= 0, got -1"):
        validate_bag(bag, COMPILED, max_examples=-1)
    with pytest.raises(ValueError, match=r"max_examples must be an int >= 0, got 1\.5"):
        validate_dataframe(ddf, COMPILED, max_examples=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"max_batch_events must be an int in 1\.\.1000"):
        ingest_bag(bag, cid, job_id="j", client=cfg, max_batch_events=1001)
    with pytest.raises(ValueError, match="max_examples must be an int >= 0, got -1"):
        ingest_dataframe(ddf, cid, job_id="j", client=cfg, max_examples=-1)
    with pytest.raises(TypeError, match="now must be Unix seconds"):
        validate_bag(bag, COMPILED, now="today")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="now must be a finite number"):
        validate_dataframe(ddf, COMPILED, now=float("inf"))


def test_ingest_bag_of_read_text_lines_sends_their_events(
    cluster: Client, gateway: LocalGateway, tmp_path: Path
) -> None:
    """The documented pipeline: ``db.read_text`` lines straight into ``ingest_bag``, read
    as ``validate_bag`` reads them (they were sent as JSON strings, every one failing)."""
    from cg_scaleout_testlib import USER_EVENTS

    for f in range(2):
        rows = [json.dumps(user_event(20_000 + 100 * f + i)) for i in range(50)]
        (tmp_path / f"{f}.ndjson").write_text("\n".join([*rows[:25], "", *rows[25:]]) + "\n")
    lines = db.read_text(str(tmp_path / "*.ndjson"))
    cid = gateway.contract_id("user_events")
    config = ClientConfig(base_url=gateway.base_url, api_key=gateway.api_key)
    report = ingest_bag(lines, cid, job_id="text-job", client=config).compute()
    _, summary = validate_bag(lines, USER_EVENTS).compute()
    assert (report.total, report.failed) == (100, 10)
    assert report.summary == summary
