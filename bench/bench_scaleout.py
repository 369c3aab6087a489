"""Scale-out validation throughput: one process vs Dask (1 and 2 worker processes) vs
Spark local[2], over the same NDJSON dataset, and the checks that make the numbers mean
something: every engine's summary equals the single-process summary exactly, the bytes a
task carries for the compiled contract, and how many times each worker compiled it.

    .venv/bin/python bench/bench_scaleout.py            # 2,000,000 events
    .venv/bin/python bench/bench_scaleout.py --events 200000 --no-spark

The dataset (orders.yaml events, ~1/3 failing, a malformed line every 97) is generated
into a temporary directory, one file per partition; every engine reads the files in the
same order with one partition per file, so positions, and hence summaries, coincide.
Cluster and session start-up are timed separately from validation.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from contractgate import Contract  # noqa: E402
from contractgate._validation.compiler import compiled_cache_info  # noqa: E402
from contractgate.validator import ValidationSummary, summarize_partition  # noqa: E402


def order_line(i: int) -> str:
    if i % 97 == 50:
        return "{not json"
    event: Dict[str, Any] = {
        "order_id": f"ord_{i:08d}" if i % 13 != 8 else f"ORDER-{i}",
        "placed_on": f"2024-0{1 + i % 9}-1{i % 10}",
        "status": "lost" if i % 7 == 3 else ("placed", "paid", "shipped", "cancelled")[i % 4],
        "customer": {"id": f"cust{i % 1000:04d}", "country": "DE"},
        "items": [{"sku": f"sku{j}", "qty": 0 if i % 11 == 5 else 1 + j, "price": 9.5}
                  for j in range(1 + i % 3)],
        "total": 19.0 + i % 50,
    }
    return json.dumps(event)


def generate(directory: Path, events: int, files: int) -> List[str]:
    per = -(-events // files)
    paths = []
    for f in range(files):
        path = directory / f"part-{f:03d}.ndjson"
        lo, hi = f * per, min(events, (f + 1) * per)
        with path.open("w", encoding="utf-8") as out:
            out.writelines(order_line(i) + "\n" for i in range(lo, hi))
        paths.append(str(path))
    return paths


def timed(fn: Callable[[], Any]) -> Tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def single(compiled: Any, paths: List[str]) -> ValidationSummary:
    total = ValidationSummary()
    for i, path in enumerate(paths):
        with open(path, "rb") as f:
            total = total + summarize_partition(compiled, f, partition=i)
    return total


def _worker_compilations() -> Tuple[int, int]:
    info = compiled_cache_info()
    return os.getpid(), info.misses


def run_dask(compiled: Any, paths: List[str], workers: int) -> Dict[str, Any]:
    import dask.bag as db
    from distributed import Client, LocalCluster

    from contractgate.dask import ship, validate_bag

    t0 = time.perf_counter()
    with LocalCluster(
        n_workers=workers, processes=True, threads_per_worker=1, host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # None still serves one, on :8787
    ) as lc, Client(lc) as client:
        startup = time.perf_counter() - t0
        bag = db.read_text(paths)  # one partition per file, in this order
        seconds, summary = timed(lambda: validate_bag(bag, ship(compiled)).summary.compute())
        compilations = client.run(_worker_compilations)
    return {
        "startup_s": startup,
        "seconds": seconds,
        "summary": summary,
        "compilations_per_worker": sorted(m for _, m in compilations.values()),
    }


def _spark_probe(items: Any) -> Any:
    for _ in items:
        pass
    return [_worker_compilations()]


def run_spark(compiled: Any, paths: List[str]) -> Dict[str, Any]:
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark import cloudpickle as spark_cloudpickle
    from pyspark.sql import SparkSession

    from contractgate import spark as cg_spark
    from contractgate.spark import summarize, validate_rdd

    t0 = time.perf_counter()
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # one split per file, so partitions are the files, in the order given
        .config("spark.hadoop.mapreduce.input.fileinputformat.split.minsize", str(1 << 40))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        sc = session.sparkContext
        startup = time.perf_counter() - t0
        rdd = sc.textFile(",".join(paths))
        assert rdd.getNumPartitions() == len(paths), rdd.getNumPartitions()
        seconds, summary = timed(lambda: summarize(validate_rdd(rdd, compiled)))
        probes = sc.parallelize(range(64), 16).mapPartitions(_spark_probe).collect()
        task_closure = len(
            spark_cloudpickle.dumps(partial(cg_spark._rdd_report, compiled, True, 5, None))
        )
    finally:
        session.stop()
    per_pid: Dict[int, int] = {}
    for pid, misses in probes:
        per_pid[pid] = max(misses, per_pid.get(pid, 0))
    return {
        "startup_s": startup,
        "seconds": seconds,
        "summary": summary,
        "compilations_per_worker": sorted(per_pid.values()),
        "task_closure_bytes": task_closure,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args()

    compiled = Contract.from_file(REPO / "contracts" / "orders.yaml").compile()
    import cloudpickle

    print(f"compiled contract: pickle {len(pickle.dumps(compiled)):,} B, "
          f"cloudpickle {len(cloudpickle.dumps(compiled)):,} B "
          f"(the contract and options; recompiled once per receiving process)")
    with tempfile.TemporaryDirectory(prefix="cg-scaleout-") as tmp:
        gen_s, paths = timed(lambda: generate(Path(tmp), args.events, args.files))
        # Write the dataset out before timing: on a small VM the kernel's write-back of
        # ~0.5 GB just written stalls whichever engine runs next (Dask with 2 workers took
        # 26-35 s instead of 20 s in the minute after generation).
        os.sync()
        size = sum(os.path.getsize(p) for p in paths)
        print(f"dataset: {args.events:,} events, {args.files} files, {size / 1e6:.0f} MB "
              f"(generated in {gen_s:.1f} s)")
        rows: List[Tuple[str, float, str]] = []
        base_s, base = timed(lambda: single(compiled, paths))
        rows.append(("single process", base_s, ""))
        print(base)
        results: Dict[str, Dict[str, Any]] = {}
        for workers in (1, 2):
            r = run_dask(compiled, paths, workers)
            results[f"dask {workers}"] = r
            rows.append((f"dask LocalCluster, {workers} worker process(es)", r["seconds"],
                         f"start-up {r['startup_s']:.1f} s, compilations per worker "
                         f"{r['compilations_per_worker']}, summary equal: "
                         f"{r['summary'] == base}"))
        if not args.no_spark:
            r = run_spark(compiled, paths)
            results["spark"] = r
            rows.append(("spark local[2]", r["seconds"],
                         f"start-up {r['startup_s']:.1f} s, compilations per Python worker "
                         f"{r['compilations_per_worker']}, task closure "
                         f"{r['task_closure_bytes']:,} B, summary equal: {r['summary'] == base}"))
        print()
        print(f"{'engine':<42} {'seconds':>8} {'events/s':>12}  notes")
        for name, seconds, note in rows:
            print(f"{name:<42} {seconds:>8.2f} {args.events / seconds:>12,.0f}  {note}")
        d1, d2 = results["dask 1"]["seconds"], results["dask 2"]["seconds"]
        print()
        print(f"dask scaling efficiency 1 -> 2 workers: {d1 / d2 / 2:.0%} "
              f"(speed-up {d1 / d2:.2f}x); 2 workers vs single process: {base_s / d2:.2f}x")
        if "spark" in results:
            print(f"spark local[2] vs single process: {base_s / results['spark']['seconds']:.2f}x")
        bad = [k for k, r in results.items() if r["summary"] != base]
        if bad:
            raise SystemExit(f"summaries differ from the single process: {bad}")


if __name__ == "__main__":
    main()
