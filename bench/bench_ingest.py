"""Ingest throughput against the local gateway on loopback, and peak RSS while streaming.

Run from the repo root (or through ``bench/run``)::

    .venv/bin/python bench/bench_ingest.py [--quick] [--rss-events N] [--split] [--no-async]

The gateway (``contractgate.gateway.LocalGateway``) runs in its own process so that it
does not share the GIL with the client being measured. Every request uses
``dry_run=True`` (the gateway validates and answers, but stores and forwards nothing) so
the gateway stays fast and its database does not grow; the client does exactly the same
work as for a real ingest. For each client the script prints events/s for 1,000-event
batches of ``user_events`` events (about a third failing):

* ``Client.ingest`` (sync), ``AsyncClient.ingest`` with ``max_concurrency`` 1, 4 and 8;
* raw ``httpx`` posting the *same pre-encoded bodies* (taken from the SDK's own request
  plan, with a fresh Idempotency-Key each time), with and without decoding the JSON
  answer, sync and async (concurrency 1, 4, 8), so the SDK's overhead shows as a ratio.

Runs are timed in interleaved rounds (every run once per round) and reported as medians:
events/s, the client's CPU time per event (``time.process_time``: this process only, the
gateway has its own) and that CPU over the raw reference's ("CPU vs raw"). The SDK does
more than the raw reference (it encodes the events, checks every verdict against the
batch sent, keeps every result), so that ratio is its whole price. ``--split`` also times
the stages of ``Client.ingest`` (encoding, send/receive, decoding the answer, checking and
keeping the results).

Then a child process ingests a generator of 1,000,000 small events with ``Client.ingest``
(keeping every result; the same with the timed rounds' events, a third of them failing;
with ``keep_results=False``; as 10,000-event slices) and reports its RSS before the call,
what it still holds after it (the response alive; per event), and its peak RSS
(``resource.getrusage``).

Numbers only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))

GATEWAY_CHILD = r"""
import json, sys
from contractgate.gateway import LocalGateway
gw = LocalGateway(contracts_dir=sys.argv[1], rate_limit_rps=1e9, rate_limit_burst=10**9,
                  monthly_event_limit=10**15, store_payloads=False)
gw.start()
print(json.dumps({"base_url": gw.base_url, "api_key": gw.api_key,
                  "contract_id": gw.contract_id("user_events")}), flush=True)
sys.stdin.read()  # until the parent closes stdin
gw.stop()
"""

RSS_CHILD = r"""
import json, random, resource, sys, time
from contractgate import Client
base_url, api_key, cid, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
mode = sys.argv[5]

def events():
    if mode == "mixed":  # like the timed rounds: random ids and amounts, a third failing
        rng = random.Random(7)
        for i in range(n):
            ev = {"user_id": "user_%d" % rng.randint(1, 99999),
                  "event_type": rng.choice(["login", "purchase", "click"]),
                  "timestamp": 1712000000 + i, "amount": round(rng.uniform(0, 300), 2)}
            if i % 3 == 2:
                ev["event_type"] = "refund"
            yield ev
        return
    for i in range(n):
        yield {"user_id": "u%d" % (i % 1000), "event_type": "click", "timestamp": 1712000000 + i}

def peak_mib():
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 if sys.platform != "darwin" else r / 2**20

def now_mib():  # the current RSS where /proc tells it, else the peak
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return peak_mib()

with Client(base_url=base_url, api_key=api_key) as cg:
    # warm up (imports, connection) before taking the baseline
    cg.ingest(cid, list(events())[:10] if n < 10 else [next(events())], dry_run=True)
    before = now_mib()
    t0 = time.perf_counter()
    if mode in ("whole", "mixed"):
        r = cg.ingest(cid, events(), dry_run=True)
        total, passed = r.total, r.passed
    elif mode == "lean":  # counts and failing results only
        r = cg.ingest(cid, events(), dry_run=True, keep_results=False)
        total, passed = r.total, r.passed
    else:  # the caller streams: one ingest() per 10,000 events, results dropped
        import itertools
        it = events()
        total = passed = 0
        while True:
            chunk = list(itertools.islice(it, 10_000))
            if not chunk:
                break
            r = cg.ingest(cid, chunk, dry_run=True)
            total += r.total
            passed += r.passed
            del r, chunk
    el = time.perf_counter() - t0
    held = now_mib()  # the response is still referenced
    print(json.dumps({"before_mib": before, "held_mib": held, "peak_mib": peak_mib(),
                      "seconds": el, "total": total, "passed": passed}))
"""


def make_events(n: int, seed: int = 7) -> List[Dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        ev: Dict[str, Any] = {
            "user_id": f"user_{rng.randint(1, 99999)}",
            "event_type": rng.choice(["login", "purchase", "click"]),
            "timestamp": 1_712_000_000 + i,
            "amount": round(rng.uniform(0, 300), 2),
        }
        if i % 3 == 2:
            ev["event_type"] = "refund"
            if i % 2:
                ev["user_id"] = "Bad User"
        out.append(ev)
    return out


def start_gateway() -> Tuple[subprocess.Popen[str], Dict[str, str]]:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    proc = subprocess.Popen(
        [sys.executable, "-c", GATEWAY_CHILD, str(ROOT / "contracts")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    return proc, info


class Timings:
    """Wall and client CPU time of every round of every run. Rounds take every run in
    turn, so load swings on a shared machine hit all runs alike; medians are reported."""

    def __init__(self) -> None:
        self.wall: Dict[str, List[float]] = {}
        self.cpu: Dict[str, List[float]] = {}

    def add(self, name: str, wall: float, cpu: float) -> None:
        self.wall.setdefault(name, []).append(wall)
        self.cpu.setdefault(name, []).append(cpu)

    def median_wall(self, name: str) -> float:
        return statistics.median(self.wall[name])

    def median_cpu(self, name: str) -> float:
        return statistics.median(self.cpu[name])


def interleaved(timings: Timings, runs: Dict[str, Any], rounds: int) -> None:
    for _ in range(rounds):
        for name, fn in runs.items():
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            timings.add(name, time.perf_counter() - t0, time.process_time() - c0)


async def interleaved_async(timings: Timings, runs: Dict[str, Any], rounds: int) -> None:
    for _ in range(rounds):
        for name, fn in runs.items():
            c0, t0 = time.process_time(), time.perf_counter()
            await fn()
            timings.add(name, time.perf_counter() - t0, time.process_time() - c0)


def cpu_split(cg: Any, cid: str, events: List[Dict[str, Any]], rounds: int) -> None:
    """Where ``Client.ingest``'s client CPU goes: each stage's functions timed with
    ``time.process_time`` (nested calls are not double-counted: the stages do not nest).
    The wrappers cost ~1 us per call, i.e. well under 0.01 us per event."""
    import contractgate.client as client_mod
    from contractgate._http import chunking, ingest_answer, ingest_plan

    stages = {
        "encode events (StreamPlanner.fill/flush)": [
            (chunking.StreamPlanner, "fill"),
            (chunking.StreamPlanner, "flush"),
        ],
        "send + receive (Client._send)": [(client_mod.Client, "_send")],
        "check it undecoded (proven_answer: msgspec)": [(ingest_plan, "proven_answer")],
        "or decode the answer (parse_json)": [(ingest_plan, "parse_json")],
        "and check it (read_batch_answer)": [(ingest_plan, "read_batch_answer")],
        "keep it packed (PackedResults: zlib)": [(ingest_answer.PackedResults, "__init__")],
    }
    spent: Dict[str, float] = {}
    saved = []

    def timed(stage: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            c0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[stage] = spent.get(stage, 0.0) + time.process_time() - c0

        return wrapper

    for stage, targets in stages.items():
        for owner, name in targets:
            if hasattr(owner, name):
                saved.append((owner, name, getattr(owner, name)))
                setattr(owner, name, timed(stage, getattr(owner, name)))
    per_round: List[Dict[str, float]] = []
    try:
        for _ in range(rounds):
            spent.clear()
            c0 = time.process_time()
            r = cg.ingest(cid, events, dry_run=True)
            del r  # freeing the results is part of the cost
            total = time.process_time() - c0
            per_round.append(dict(spent, total=total))
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)
    n = len(events)
    print(f"\n== client CPU of Client.ingest by stage (median of {rounds} rounds, us/event)")
    for stage in [*stages, "total"]:
        values = [r.get(stage, 0.0) for r in per_round]
        print(f"  {stage:44s} {statistics.median(values) / n * 1e6:6.2f}")
    rest = [r["total"] - sum(v for k, v in r.items() if k != "total") for r in per_round]
    print(f"  {'rest (freeing the decoded answer, bookkeeping)':44s} "
          f"{statistics.median(rest) / n * 1e6:6.2f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--events", type=int, default=0, help="events per timed round")
    ap.add_argument("--rss-events", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=0, help="interleaved rounds (default 5, 7)")
    ap.add_argument(
        "--split", action="store_true", help="also time the stages of Client.ingest's CPU"
    )
    ap.add_argument("--no-async", action="store_true", help="skip the AsyncClient runs")
    args = ap.parse_args()
    n = args.events or (10_000 if args.quick else 30_000)
    rounds = args.rounds or (5 if args.quick else 7)

    import httpx

    from contractgate import AsyncClient, Client

    proc, info = start_gateway()
    try:
        base, key, cid = info["base_url"], info["api_key"], info["contract_id"]
        events = make_events(n)
        print(
            f"\n== ingest, {n} user_events events per round in 1,000-event batches, dry_run=True, "
            f"gateway in a separate process on {base}"
        )

        timings = Timings()
        http = httpx.Client(timeout=60)
        cg = Client(base_url=base, api_key=key)
        r = cg.ingest(cid, events[:2000], dry_run=True)
        print(f"  sanity: {r.total} events, {r.passed} passed, {r.failed} failed")
        # The SDK's own request plan gives the exact bytes and headers it sends.
        plan = cg._t.prepare_ingest(cid, events, dry_run=True)
        with plan:
            reqs = [plan.request(b) for b in plan.batches]
        bodies = [(q.url, dict(q.headers), q.content or b"", q.params) for q in reqs]

        def fresh(headers: Dict[str, str]) -> Dict[str, str]:
            h = dict(headers)
            for k in list(h):
                if k.lower() == "idempotency-key":
                    h[k] = str(uuid.uuid4())
            return h

        def raw(decode: bool) -> None:
            for url, headers, body, params in bodies:
                resp = http.post(url, content=body, headers=fresh(headers), params=params)
                if resp.status_code not in (200, 207, 422):
                    raise RuntimeError(f"raw post: HTTP {resp.status_code}: {resp.text[:200]}")
                if decode:
                    json.loads(resp.content)

        try:
            interleaved(
                timings,
                {
                    "Client.ingest": lambda: cg.ingest(cid, events, dry_run=True),
                    "raw httpx (no decode)": lambda: raw(False),
                    "raw httpx + json.loads": lambda: raw(True),
                },
                rounds,
            )
        finally:
            cg.close()
            http.close()

        async def async_runs() -> None:
            async with AsyncClient(base_url=base, api_key=key) as acg, httpx.AsyncClient(
                timeout=60
            ) as ahttp:
                await acg.ingest(cid, events[:2000], dry_run=True)
                for c in (1, 4, 8):
                    sem = asyncio.Semaphore(c)

                    async def post(
                        url: str,
                        headers: Dict[str, str],
                        body: bytes,
                        params: Any,
                        sem: asyncio.Semaphore = sem,
                    ) -> None:
                        async with sem:
                            resp = await ahttp.post(
                                url, content=body, headers=fresh(headers), params=params
                            )
                            json.loads(resp.content)

                    async def raw_all() -> None:
                        await asyncio.gather(*(post(*b) for b in bodies))

                    async def sdk(c: int = c) -> None:
                        await acg.ingest(cid, events, dry_run=True, max_concurrency=c)

                    await interleaved_async(
                        timings,
                        {
                            f"AsyncClient.ingest c={c}": sdk,
                            f"raw httpx async + json.loads c={c}": raw_all,
                        },
                        rounds,
                    )

        if not args.no_async:
            asyncio.run(async_runs())

        def rate(name: str) -> float:
            return n / timings.median_wall(name)

        refs = {"Client.ingest": "raw httpx + json.loads"}
        refs.update(
            {f"AsyncClient.ingest c={c}": f"raw httpx async + json.loads c={c}" for c in (1, 4, 8)}
        )
        raw_ref = rate("raw httpx + json.loads")
        print(f"  medians of {rounds} interleaved rounds")
        print(
            f"  {'client':36s} {'events/s':>10s} {'time vs raw sync':>17s} "
            f"{'client CPU us/event':>20s} {'CPU vs raw':>11s}"
        )
        for name in timings.wall:
            ref = refs.get(name)
            ratio = (
                f"{timings.median_cpu(name) / timings.median_cpu(ref):10.2f}x" if ref else ""
            )
            print(
                f"  {name:36s} {rate(name):10,.0f} {raw_ref / rate(name):16.2f}x "
                f"{timings.median_cpu(name) / n * 1e6:20.2f} {ratio:>11s}"
            )

        def overhead(label: str, sdk: str, ref: str) -> None:
            wall = timings.median_wall(sdk) / timings.median_wall(ref) - 1
            cpu = (timings.median_cpu(sdk) - timings.median_cpu(ref)) / timings.median_wall(ref)
            print(
                f"  SDK overhead, {label}: wall {wall * 100:+.1f}% of the raw time; "
                f"extra client CPU {cpu * 100:+.1f}% of the raw time"
            )

        for sdk, ref in refs.items():
            if sdk in timings.wall:
                overhead(f"{sdk} vs {ref}", sdk, ref)
        print(
            "  (the gateway runs on the same machine: wall-time ratios include its noise; "
            "'CPU vs raw' is the SDK's client CPU over raw httpx + json.loads posting the "
            "same bytes: the SDK also encodes the events, checks every verdict and keeps "
            "the results)"
        )

        if args.split:
            with Client(base_url=base, api_key=key) as cg:
                cg.ingest(cid, events[:2000], dry_run=True)
                cpu_split(cg, cid, events, rounds)

        if args.rss_events:
            env = dict(os.environ, PYTHONPATH=str(SRC))
            print(
                f"\n== peak RSS, ingest of a generator of {args.rss_events:,} small events "
                f"(dry_run=True), one child process each"
            )
            for mode, label in (
                ("whole", "Client.ingest(generator)"),
                ("mixed", "the same, events of the timed rounds"),
                ("lean", "Client.ingest(gen, keep_results=False)"),
                ("chunked", "Client.ingest per 10,000-event slice"),
            ):
                t0 = time.perf_counter()
                out = subprocess.run(
                    [sys.executable, "-c", RSS_CHILD, base, key, cid, str(args.rss_events), mode],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=1800,
                )
                if out.returncode != 0:
                    print(f"  {label}: child failed: {out.stderr[-2000:]}")
                    continue
                d = json.loads(out.stdout.strip().splitlines()[-1])
                held = d["held_mib"] - d["before_mib"]
                print(
                    f"  {label:38s} RSS {d['before_mib']:6.1f} MiB before, "
                    f"+{held:6.1f} MiB held after ({held * 2**20 / max(d['total'], 1):4.0f} "
                    f"B/event), peak {d['peak_mib']:6.1f} MiB; {d['total']:,} events "
                    f"({d['passed']:,} passed) in {d['seconds']:.1f} s "
                    f"({d['total'] / d['seconds']:,.0f}/s); wall {time.perf_counter() - t0:.1f} s"
                )
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
