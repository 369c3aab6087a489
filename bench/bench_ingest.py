"""Ingest throughput against the local gateway on loopback, and peak RSS while streaming.

Run from the repo root (or through ``bench/run``)::

    .venv/bin/python bench/bench_ingest.py [--quick] [--rss-events N]

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

Then a child process ingests a generator of 1,000,000 small events with ``Client.ingest``
(keeping every result, then with ``keep_results=False``, then as 10,000-event slices) and
reports its peak RSS (``resource.getrusage``) against its RSS before the call.

Numbers only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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
import json, resource, sys, time
from contractgate import Client
base_url, api_key, cid, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
mode = sys.argv[5]

def events():
    for i in range(n):
        yield {"user_id": "u%d" % (i % 1000), "event_type": "click", "timestamp": 1712000000 + i}

def rss_mib():
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 if sys.platform != "darwin" else r / 2**20

with Client(base_url=base_url, api_key=api_key) as cg:
    # warm up (imports, connection) before taking the baseline
    cg.ingest(cid, list(events())[:10] if n < 10 else [next(events())], dry_run=True)
    before = rss_mib()
    t0 = time.perf_counter()
    if mode == "whole":
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
    print(json.dumps({"before_mib": before, "peak_mib": rss_mib(), "seconds": el,
                      "total": total, "passed": passed}))
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
    """Best wall time per run (and the client CPU time of that round), from rounds that
    take every run in turn: load swings on a shared machine hit all runs alike."""

    def __init__(self) -> None:
        self.wall: Dict[str, float] = {}
        self.cpu: Dict[str, float] = {}

    def add(self, name: str, wall: float, cpu: float) -> None:
        if wall < self.wall.get(name, float("inf")):
            self.wall[name] = wall
            self.cpu[name] = cpu


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--events", type=int, default=0, help="events per timed round")
    ap.add_argument("--rss-events", type=int, default=1_000_000)
    args = ap.parse_args()
    n = args.events or (10_000 if args.quick else 30_000)
    rounds = 3 if args.quick else 5

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

        asyncio.run(async_runs())

        def rate(name: str) -> float:
            return n / timings.wall[name]

        raw_ref = rate("raw httpx + json.loads")
        print(
            f"  {'client':36s} {'events/s':>10s} {'time vs raw sync':>17s} "
            f"{'client CPU us/event':>20s}"
        )
        for name in timings.wall:
            print(
                f"  {name:36s} {rate(name):10,.0f} {raw_ref / rate(name):16.2f}x "
                f"{timings.cpu[name] / n * 1e6:20.1f}"
            )

        def overhead(label: str, sdk: str, ref: str) -> None:
            wall = timings.wall[sdk] / timings.wall[ref] - 1
            cpu = (timings.cpu[sdk] - timings.cpu[ref]) / timings.wall[ref]
            print(
                f"  SDK overhead, {label}: wall {wall * 100:+.1f}% of the raw time; "
                f"extra client CPU {cpu * 100:+.1f}% of the raw time"
            )

        overhead("Client.ingest vs raw httpx + json.loads", "Client.ingest",
                 "raw httpx + json.loads")  # fmt: skip
        for c in (1, 4, 8):
            overhead(f"AsyncClient c={c} vs raw async c={c}", f"AsyncClient.ingest c={c}",
                     f"raw httpx async + json.loads c={c}")  # fmt: skip
        print(
            "  (the gateway runs on the same machine: wall-time ratios include its noise; "
            "the extra client CPU is the SDK's own work)"
        )

        if args.rss_events:
            env = dict(os.environ, PYTHONPATH=str(SRC))
            print(
                f"\n== peak RSS, ingest of a generator of {args.rss_events:,} small events "
                f"(dry_run=True), one child process each"
            )
            for mode, label in (
                ("whole", "Client.ingest(generator)"),
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
                print(
                    f"  {label:38s} RSS before {d['before_mib']:6.1f} MiB, "
                    f"peak {d['peak_mib']:7.1f} MiB "
                    f"(+{d['peak_mib'] - d['before_mib']:.1f} MiB); {d['total']:,} events in "
                    f"{d['seconds']:.1f} s ({d['total'] / d['seconds']:,.0f}/s); "
                    f"wall {time.perf_counter() - t0:.1f} s"
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
