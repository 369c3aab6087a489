"""``contractgate ingest`` against the local gateway (real HTTP on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from cg_cli_testlib import GOOD_EVENT, ndjson

BAD = "examples/fixtures/user_events.bad.json"
GOOD = "examples/fixtures/user_events.good.ndjson"


@pytest.fixture
def gateway(project: Path, monkeypatch) -> Iterator[Any]:
    gw_module = pytest.importorskip("contractgate.gateway")
    with gw_module.LocalGateway(contracts_dir=project / "contracts") as gw:
        monkeypatch.setenv("CONTRACTGATE_BASE_URL", gw.base_url)
        monkeypatch.setenv("CONTRACTGATE_API_KEY", gw.api_key)
        gw.user_events = next(
            c.id for c in gw.registry.contracts.values() if c.name == "user_events"
        )
        yield gw


def test_summary_and_exit_code_1_when_events_fail(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, BAD)
    assert r.code == 1, r.err
    assert r.lines[0] == (
        f"{BAD}:3:4: record 1: user_id: Field 'user_id' value \"Dave!\" does not match "
        "required pattern [pattern_mismatch]"
    )
    assert r.lines[-2] == (
        f"✗ 3 events sent to {gateway.user_events} version 1.1.0 (default_stable): "
        "1 passed, 2 failed, 2 quarantined"
    )
    assert r.lines[-1] == (
        "  violations: 1 enum_violation, 1 pattern_mismatch, 1 range_violation, 1 type_mismatch"
    )


def test_all_passed_exit_0(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, GOOD)
    assert r.code == 0
    assert r.lines[-1].startswith("✓ 3 events sent to ") and "3 passed, 0 failed" in r.out
    assert cli("ingest", "-q", "--contract-id", gateway.user_events, GOOD).out == ""


def test_json_output(cli, gateway) -> None:
    r = cli(
        "ingest", "--contract-id", gateway.user_events, BAD, "--format", "json", "--batch-size", "2"
    )
    doc = r.json()
    assert r.code == 1 and doc["exit_code"] == 1
    assert doc["summary"] == {
        "sent": 3,
        "passed": 1,
        "failed": 2,
        "quarantined": 2,
        "unparsed": 0,
        "batches": 2,
        "by_kind": {
            "enum_violation": 1,
            "pattern_mismatch": 1,
            "range_violation": 1,
            "type_mismatch": 1,
        },
        "versions": {"1.1.0": 3},
    }
    assert [f["index"] for f in doc["failures"]] == [1, 2]
    assert doc["failures"][0]["line"] == 3 and doc["failures"][0]["quarantine_id"]


def test_dry_run_quarantines_nothing_new(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, BAD, "--dry-run")
    assert r.code == 1 and "[dry run]" in r.out


def test_stdin_and_parse_errors(cli, gateway) -> None:
    data = (ndjson(GOOD_EVENT) + "{broken\n" + ndjson(GOOD_EVENT)).encode()
    r = cli("ingest", "--contract-id", gateway.user_events, "-", "--format", "json", stdin=data)
    doc = r.json()
    assert r.code == 1
    assert doc["summary"]["sent"] == 2 and doc["summary"]["unparsed"] == 1
    assert doc["failures"][0]["violations"][0]["kind"] == "parse_error"


def test_progress_bar_only_on_a_terminal(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, GOOD, tty=True)
    assert "ingesting [" in r.err and "3/3" in r.err
    r = cli("ingest", "--contract-id", gateway.user_events, GOOD, tty=False)
    assert "ingesting" not in r.err
    r = cli("ingest", "--contract-id", gateway.user_events, GOOD, "--progress", "never", tty=True)
    assert "ingesting" not in r.err


def test_auth_error_exits_4(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, GOOD, "--api-key", "cg_not_the_key_123")
    assert r.code == 4
    assert "AuthError" in r.err and "Traceback" not in r.err
    assert r.out == ""


def test_connection_error_exits_4(cli, project: Path) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    r = cli("ingest", "--contract-id", "x", GOOD, "--base-url", f"http://127.0.0.1:{port}")
    assert r.code == 4 and "ConnectionError" in r.err


def test_missing_base_url_is_a_config_error(cli, project: Path) -> None:
    r = cli("ingest", "--contract-id", "x", GOOD)
    assert r.code == 3 and "CONTRACTGATE_BASE_URL" in r.err


def test_gateway_error_midway_exits_5_with_partial_summary(cli, gateway, monkeypatch) -> None:
    import contractgate.cli._ingest as ingest_module

    real = ingest_module._make_client

    def make_client(args: Any) -> Any:
        client = real(args)
        original = client.ingest

        def ingest(*a: Any, **kw: Any) -> Any:
            result = original(*a, **kw)
            gateway.faults.fail_next(5, status=400)  # every later batch is refused
            return result

        client.ingest = ingest
        return client

    monkeypatch.setattr(ingest_module, "_make_client", make_client)
    r = cli("ingest", "--contract-id", gateway.user_events, GOOD, "--batch-size", "2")
    assert r.code == 5
    assert "2 events sent" in r.out
    assert "stopped after 2 events were acknowledged" in r.err


def test_unreadable_input_exits_2(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, "nope.ndjson")
    assert r.code == 2 and "cannot read" in r.err
