"""Shared helpers of the scale-out tests (a unique module name, so it never clashes with
other test folders' helpers). Functions used inside Dask/Spark tasks live here, at
module level, so worker processes import them by name."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Tuple

from contractgate import Contract
from contractgate.validator import EventOutcome, ValidationSummary, validate_chunk

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
CONTRACTS = REPO / "contracts"

ORDERS = Contract.from_file(CONTRACTS / "orders.yaml")
USER_EVENTS = Contract.from_file(CONTRACTS / "user_events" / "1.1.0.yaml")


# ----------------------------------------------------------------- engines (loopback only)


@contextlib.contextmanager
def local_cluster() -> Iterator[Any]:
    """A Dask ``distributed.Client`` on a LocalCluster of 2 worker processes."""
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # None still serves one, on :8787
    ) as lc, Client(lc) as client:
        yield client


@contextlib.contextmanager
def spark_session(master: str, app: str, shuffle_partitions: int) -> Iterator[Any]:
    """A SparkSession on ``master`` (``local[2]``: a failed task is not retried;
    ``local[2,3]``: retried), bound to loopback, quiet."""
    from pyspark.sql import SparkSession

    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .getOrCreate()
    )
    try:
        yield session
    finally:
        session.stop()


@contextlib.contextmanager
def scaleout_gateway() -> Iterator[Any]:
    """The local gateway with the repository's contracts and room for bursts."""
    from contractgate.gateway import LocalGateway

    os.environ.pop("CONTRACTGATE_BASE_URL", None)
    os.environ.pop("CONTRACTGATE_API_KEY", None)
    with LocalGateway(
        contracts_dir=str(CONTRACTS), rate_limit_rps=100_000, rate_limit_burst=100_000
    ) as gw:
        yield gw


def order(i: int) -> Dict[str, Any]:
    """Order number ``i`` of a deterministic dataset: about a third of them break one or
    two rules (a bad status, a zero quantity in some items, a malformed id)."""
    event: Dict[str, Any] = {
        "order_id": f"ord_{i:08d}",
        "placed_on": f"2024-0{1 + i % 9}-1{i % 10}",
        "status": ("placed", "paid", "shipped", "cancelled")[i % 4],
        "customer": {"id": f"cust{i % 1000:04d}", "country": "DE"},
        "items": [{"sku": f"sku{j}", "qty": 1 + j, "price": 9.5} for j in range(1 + i % 3)],
        "total": 19.0 + i % 50,
    }
    if i % 7 == 3:
        event["status"] = "lost"
    if i % 11 == 5:
        event["items"] = [{"sku": "a", "qty": 0, "price": 1.0}, {"sku": "b", "qty": 0}]
    if i % 13 == 8:
        event["order_id"] = f"ORDER-{i}"
    return event


def order_lines(n: int, *, bad_every: int = 97) -> List[str]:
    """``n`` NDJSON lines of :func:`order`, with a non-JSON line every ``bad_every``."""
    return [
        "{not json" if i % bad_every == 50 else json.dumps(order(i)) for i in range(n)
    ]


def user_event(i: int) -> Dict[str, Any]:
    """A user_events event with a unique ``user_id``; every 10th fails (bad enum)."""
    return {
        "user_id": f"u{i:07d}",
        "event_type": "refund" if i % 10 == 9 else ("login", "purchase", "click")[i % 3],
        "timestamp": 1_724_252_400 + i,
    }


def reference(
    compiled: Any,
    partitions: Iterable[Iterable[Any]],
    *,
    max_examples: int = 5,
    failures_only: bool = True,
) -> Tuple[List[EventOutcome], ValidationSummary]:
    """The single-process answer over the same partitioning (the oracle for engines)."""
    outcomes: List[EventOutcome] = []
    summary = ValidationSummary()
    for i, part in enumerate(partitions):
        report = validate_chunk(
            compiled, part, partition=i, max_examples=max_examples, failures_only=failures_only
        )
        outcomes.extend(report.outcomes)
        summary = summary + report.summary
    return outcomes, summary


def chunks(items: List[Any], n: int) -> List[List[Any]]:
    """``items`` in ``n`` contiguous parts, sized like ``dask.bag.from_sequence``'s."""
    size = -(-len(items) // n)
    return [items[i : i + size] for i in range(0, len(items), size)]


def probe(items: Iterable[Any], compiled: Any) -> List[Tuple[int, int]]:
    """(worker pid, identity of the compiled contract this task received)."""
    for _ in items:
        pass
    return [(os.getpid(), id(compiled))]


class DieOnce:
    """A partition that kills the process iterating it after ``after`` items, the first
    time (no ``flag`` file yet): a real mid-task crash. An object rather than a
    generator, so that the engine may also ship the partition to another worker
    before it is read (a generator cannot be pickled)."""

    def __init__(self, items: Iterable[Any], partition: int, victim: int, after: int,
                 flag: str) -> None:
        self.items = list(items)
        self.crash = partition == victim
        self.after = after
        self.flag = flag

    def __iter__(self) -> Iterator[Any]:
        for n, item in enumerate(self.items):
            if self.crash and n == self.after and not os.path.exists(self.flag):
                Path(self.flag).write_text(str(os.getpid()), encoding="utf-8")
                os._exit(17)
            yield item


def die_once(
    items: Iterable[Any], ids: List[int], victim: int, after: int, flag: str
) -> DieOnce:
    """``map_partitions`` form of :class:`DieOnce` (``ids`` is the partition's [index])."""
    (partition,) = ids
    return DieOnce(items, partition, victim, after, flag)


def stored_ids(gw: Any, contract_id: str) -> List[str]:
    """The ``user_id`` of every audit row the gateway stored for the contract."""
    out: List[str] = []
    for row in gw.audit_rows(contract_id):
        raw = row["raw_event"]
        out.append((json.loads(raw) if isinstance(raw, str) else raw)["user_id"])
    return out
