"""The README's Python examples run as written (against a local gateway where they need
one), so the documentation cannot drift from the API."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from contractgate import Client, LocalGateway

ROOT = Path(__file__).resolve().parents[1]
BLOCKS: List[str] = re.findall(
    r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S
)
EVENTS = [
    {"user_id": "carol_03", "event_type": "login", "timestamp": 1724252500},
    {"user_id": "Dave!", "event_type": "login", "timestamp": 1724252501},
]


@pytest.fixture(scope="module")
def gateway() -> Iterator[LocalGateway]:
    with LocalGateway(contracts_dir=str(ROOT / "contracts")) as gw:
        yield gw


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs(
    index: int, gateway: LocalGateway, monkeypatch: Any, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CONTRACTGATE_CACHE_DIR", str(tmp_path / "cache"))  # from_gateway
    clients: List[Client] = []

    def fresh_client() -> Client:
        c = Client(base_url=gateway.base_url, api_key=gateway.api_key)
        clients.append(c)
        return c

    ns: Dict[str, Any] = {
        "BASE": gateway.base_url,
        "KEY": gateway.api_key,
        "contract_id": gateway.contract_id("user_events"),
        "events": list(EVENTS),
        "chunks": [EVENTS[:1], EVENTS[1:]],
        "read_events": lambda: iter(EVENTS),
        "cg": fresh_client(),
        "asyncio": asyncio,
    }
    # Blocks that continue an earlier one (reading results, handling errors) need its
    # names: run the blocks before this one first, as a reader would.
    try:
        for source in BLOCKS[: index + 1]:
            if "def test_" in source:
                exec(compile(source, "README.md", "exec"), ns)
                ns["test_ingest"](fresh_client(), gateway)
                continue
            if "cg" in ns and getattr(ns["cg"], "_closed", False):
                ns["cg"] = fresh_client()
            exec(compile(source, "README.md", "exec"), ns)
    finally:
        for c in clients:
            c.close()
