#!/usr/bin/env python3
"""Wall time of a pre-commit hook run: ``contractgate validate`` vs ``check-jsonschema``.

pre-commit starts the hook's ``entry`` once per run with the changed files as arguments,
so what a developer feels on each commit is process start-up plus validating a handful of
small files. This script builds such a handful (fixture files plus, for
check-jsonschema, a JSON Schema equivalent to the contract), then times each command as a
fresh subprocess, several rounds, and prints the numbers. It asserts nothing.

check-jsonschema is installed into a throw-away virtualenv from the package index
(``--check-jsonschema PATH`` to use an existing executable instead); when that is not
possible the comparison is skipped with a message.

    python bench/bench_hook.py [--rounds 15] [--files 20] [--check-jsonschema PATH]

The commands run in turn, round by round (a burst of load hits them alike), twice: with
bytecode caches (a warm ``PYTHONPYCACHEPREFIX``: what an installed package has) and
without (``PYTHONDONTWRITEBYTECODE=1`` and an empty cache prefix: every module, the
standard library's too, compiled from source by both tools). Medians, and each median
over check-jsonschema's.

Then the peak RSS of ``contractgate validate`` over one NDJSON file of 100 events and
one of ``--rss-events`` (default 200,000; a quarter failing): records are checked one at
a time, so both should peak alike (``--rss-events 0`` skips it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parents[1]
CONTRACT = REPO / "contracts" / "user_events" / "1.1.0.yaml"

# The JSON Schema a check-jsonschema user would write for contracts/user_events/1.1.0.yaml
# (one fixture file = an array of events).
EVENT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["user_id", "event_type", "timestamp"],
        "properties": {
            "user_id": {"type": "string", "pattern": "^[a-z0-9_]+$"},
            "event_type": {"type": "string", "enum": ["login", "purchase", "click"]},
            "timestamp": {"type": "integer"},
            "amount": {"type": "number", "minimum": 0},
            "email": {"type": "string"},
        },
    },
}


EVENTS_PER_FILE = 10


def make_fixtures(root: Path, count: int) -> List[str]:
    files = []
    for i in range(count):
        events = [
            {"user_id": f"user_{i}_{j}", "event_type": "click", "timestamp": 1724252400 + j}
            for j in range(EVENTS_PER_FILE)
        ]
        path = root / f"user_events.{i}.json"
        path.write_text(json.dumps(events, indent=2) + "\n")
        files.append(str(path))
    return files


def time_commands(
    commands: Dict[str, Sequence[str]], rounds: int, env: Dict[str, str]
) -> Dict[str, List[float]]:
    """Wall seconds of each command, run in turn round by round (after one warm-up)."""
    times: Dict[str, List[float]] = {name: [] for name in commands}
    for argv in commands.values():  # warm the OS caches (and the bytecode cache)
        subprocess.run(argv, capture_output=True, env=env)
    for _ in range(rounds):
        for name, argv in commands.items():
            t0 = time.perf_counter()
            proc = subprocess.run(argv, capture_output=True, env=env)
            times[name].append(time.perf_counter() - t0)
            if proc.returncode != 0:
                sys.stderr.write(
                    f"warning: {argv[0]} exited {proc.returncode}: "
                    f"{(proc.stdout + proc.stderr).decode(errors='replace')[:300]}\n"
                )
    return times


def install_check_jsonschema(where: Path) -> Optional[str]:
    """check-jsonschema in a throw-away venv, or None (with a message) if impossible."""
    print("installing check-jsonschema into a temporary virtualenv …", flush=True)
    try:
        venv.EnvBuilder(with_pip=True).create(where)
    except Exception as err:  # pragma: no cover - environment problems
        print(f"  skipped: cannot create a virtualenv ({err})")
        return None
    bindir = where / ("Scripts" if os.name == "nt" else "bin")
    proc = subprocess.run(
        [
            str(bindir / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "check-jsonschema",
        ],
        capture_output=True,
        timeout=600,
    )
    exe = bindir / "check-jsonschema"
    if proc.returncode != 0 or not exe.exists():
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        print(f"  skipped: could not install check-jsonschema ({tail[0]})")
        return None
    return str(exe)


def make_ndjson(path: Path, count: int) -> None:
    """``count`` user_events, every fourth one failing (a bad user_id and event_type)."""
    with path.open("w") as out:
        for j in range(count):
            event = {"user_id": f"user_{j}", "event_type": "click", "timestamp": 1724252400 + j}
            if j % 4 == 3:
                event.update(user_id=f"User {j}", event_type="scroll")
            out.write(json.dumps(event) + "\n")


def peak_rss_mib(argv: Sequence[str], env: Dict[str, str]) -> Tuple[float, int]:
    """Peak RSS of one run of ``argv`` (its own rusage via ``wait4``) and its exit code."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    per_mib = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, else KiB
    return usage.ru_maxrss / per_mib, proc.returncode


def report(name: str, times: List[float]) -> None:
    ms = [t * 1000 for t in times]
    print(
        f"  {name:<44} median {statistics.median(ms):7.1f} ms   "
        f"min {min(ms):7.1f} ms   max {max(ms):7.1f} ms"
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--check-jsonschema", metavar="PATH", help="use this executable")
    parser.add_argument("--rss-events", type=int, default=200_000, metavar="N")
    args = parser.parse_args(argv)

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPROFILEIMPORTTIME",)}
    env["NO_COLOR"] = "1"
    contractgate_exe = shutil.which("contractgate", path=str(Path(sys.executable).parent))
    with tempfile.TemporaryDirectory(prefix="cg-bench-") as tmp:
        root = Path(tmp)
        files = make_fixtures(root, args.files)
        schema = root / "user_events.schema.json"
        schema.write_text(json.dumps(EVENT_SCHEMA))

        exe = args.check_jsonschema
        if exe is None:
            exe = install_check_jsonschema(root / "venv-cjs")
        base = [sys.executable, "-m", "contractgate.cli"]
        if contractgate_exe:
            base = [contractgate_exe]
        commands: Dict[str, Sequence[str]] = {
            "python -c pass (interpreter start-up)": [sys.executable, "-c", "pass"],
            "contractgate validate --contract C FILES": [
                *base, "validate", "--contract", str(CONTRACT), *files
            ],
            "contractgate check-contracts C": [*base, "check-contracts", str(CONTRACT)],
        }
        if exe is not None:
            commands["check-jsonschema --schemafile S FILES"] = [
                exe, "--schemafile", str(schema), *files
            ]
        print(
            f"{args.files} fixture files x {EVENTS_PER_FILE} events, {args.rounds} rounds, "
            f"Python {sys.version.split()[0]} on {sys.platform}"
        )
        warm_cache = root / "pycache-warm"
        for label, extra in (
            ("bytecode cached", {"PYTHONPYCACHEPREFIX": str(warm_cache)}),
            (
                "no bytecode cache",
                {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(root / "none")},
            ),
        ):
            run_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
            run_env.update(extra)
            results = time_commands(commands, args.rounds, run_env)
            print(f"\n== {label}")
            for name, times in results.items():
                report(name, times)
            cjs = results.get("check-jsonschema --schemafile S FILES")
            if cjs:
                ours = results["contractgate validate --contract C FILES"]
                print(
                    "  contractgate validate / check-jsonschema (medians): "
                    f"{statistics.median(ours) / statistics.median(cjs):.2f}x"
                )
        if args.rss_events:
            print("\n== peak RSS of contractgate validate over one NDJSON file (a quarter failing)")
            for count in (100, args.rss_events):
                path = root / f"events.{count}.ndjson"
                make_ndjson(path, count)
                mib, code = peak_rss_mib([*base, "validate", "--contract", str(CONTRACT),
                                          str(path)], env)  # fmt: skip
                print(f"  {count:>9,} events: {mib:6.1f} MiB peak RSS (exit {code})")
                path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
