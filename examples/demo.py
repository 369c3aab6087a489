"""The whole story in one run: validate fixtures offline, then ingest them through the
SDK into a local gateway, look at the quarantine, and replay an event.

Run it with ``./scripts/demo`` (or ``python examples/demo.py`` in an environment where
contractgate is installed). Nothing leaves this machine: the gateway listens on
127.0.0.1 and keeps its data in a temporary SQLite file.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List

from contractgate import BatchIngestResponse, Client, LocalGateway
from contractgate.cli import main as contractgate_cli

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "examples" / "fixtures"


def heading(text: str) -> None:
    print(f"\n== {text} " + "=" * max(0, 74 - len(text)))


def read_events(path: Path) -> List[Dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ndjson":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    data = json.loads(text)
    return data if isinstance(data, list) else [data]


def show_batch(result: BatchIngestResponse) -> None:
    print(
        f"HTTP {result.status_code}: {result.passed} passed, {result.failed} failed "
        f"(resolved version {result.resolved_version}, pin source {result.version_pin_source})"
    )
    for r in result.results:
        mark = "PASS" if r.passed else "FAIL"
        print(f"  [{r.index}] {mark} decided by {r.contract_version}", end="")
        print(f"  quarantine_id={r.quarantine_id}" if r.quarantine_id else "")
        for v in r.violations:
            print(f"        {v.field}: {v.message}  [{v.kind}]")
        if r.passed and r.transformed_event != {}:
            print(f"        stored as {json.dumps(r.transformed_event)}")


def main() -> int:
    heading("1. Validate the example fixtures offline (contractgate validate)")
    print("$ contractgate validate   # fixtures -> contracts mapped in .contractgate.yml")
    code = contractgate_cli(["validate", "--color", "never"])
    print(f"(exit code {code}: 1 means violations were found, as expected for the bad file)")

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "gateway.sqlite3")
        with (
            LocalGateway(contracts_dir=str(ROOT / "contracts"), db=db) as gw,
            Client(base_url=gw.base_url, api_key=gw.api_key) as cg,
        ):
            heading("2. A local gateway on loopback")
            print(f"base URL {gw.base_url}; health: {cg.health().status}")
            for c in cg.list_contracts():
                print(
                    f"  contract {c.name} ({c.id}): latest stable {c.latest_stable_version}, "
                    f"{c.version_count} versions, {c.multi_stable_resolution} resolution"
                )
            user_events = gw.contract_id("user_events")

            heading("3. Ingest the good and the bad fixture through Client")
            for name in ("user_events.good.ndjson", "user_events.bad.json"):
                print(f"\n{name}:")
                show_batch(cg.ingest(user_events, read_events(FIXTURES / name)))

            heading("4. Multi-stable fallback: a 'view' event only 1.0.0 accepts")
            view = {"user_id": "frank_06", "event_type": "view", "timestamp": 1724252600}
            print("unpinned (falls back to 1.0.0):")
            show_batch(cg.ingest(user_events, [view]))
            print("pinned to 1.1.0 (no fallback, so it is quarantined):")
            pinned = cg.ingest(user_events, [view], version="1.1.0")
            show_batch(pinned)

            heading("5. The quarantine")
            rows = list(cg.quarantine(user_events))
            for row in rows:
                print(
                    f"  {row.id}  v{row.contract_version}  {row.violation_count} violation(s)  "
                    f"{json.dumps(row.raw_event)}"
                )

            heading("6. Replay the pinned 'view' event against 1.0.0")
            qid = pinned.results[0].quarantine_id
            assert qid is not None
            replay = cg.replay(user_events, [qid], target_version="1.0.0")
            for item in replay.results:
                print(
                    f"  {item.quarantine_id}: {item.outcome} "
                    f"(matched {item.contract_version_matched})"
                )
            for entry in cg.replay_history(user_events, qid):
                print(f"  history: {entry.kind} v{entry.contract_version}")

            heading("7. Totals")
            stats = cg.stats()
            print(
                f"  {stats.total_events} events, {stats.passed_events} passed, "
                f"{stats.failed_events} failed (pass rate {stats.pass_rate:.0%})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
