"""``contractgate ingest`` against the local gateway (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from cg_cli_testlib import GOOD_EVENT, ndjson

from contractgate.gateway import LocalGateway

BAD = "examples/fixtures/user_events.bad.json"
GOOD = "examples/fixtures/user_events.good.ndjson"


def test_summary_and_exit_code_1_when_events_fail(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, BAD)
    assert r.code == 1, r.err
    assert r.lines[0] == (
        f"{BAD}:3:4: record 2: user_id: Field 'user_id' value \"Dave!\" does not match "
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
        "stored": 3,
        "unparsed": 0,
        "unsendable": 0,
        "replayed": 0,
        "batches": 2,
        "rejected_batches": 0,
        "by_kind": {
            "enum_violation": 1,
            "pattern_mismatch": 1,
            "range_violation": 1,
            "type_mismatch": 1,
        },
        "versions": {"1.1.0": 3},
    }
    assert [f["record"] for f in doc["failures"]] == [2, 3]
    assert doc["failures"][0]["line"] == 3 and doc["failures"][0]["quarantine_id"]
    # every violation has its own position (1-based line and column), as in validate/test
    first = doc["failures"][0]["violations"][0]
    assert (first["field"], first["line"], first["column"]) == ("user_id", 3, 4)


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
    assert r.code == 3 and "pass --base-url or set CONTRACTGATE_BASE_URL" in r.err
    assert "base_url" not in r.err  # the library's argument, which the command has not


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
    # the error named is the gateway's answer, not the wrapper saying some were accepted
    assert "contractgate: error: BadRequestError: Invalid request: injected fault" in r.err


def _interrupt_after(monkeypatch, calls: int) -> None:
    """Ctrl-C arriving while the answer to request ``calls`` is being read: the gateway
    stored that batch, the run never saw its answer (the timing of a real Ctrl-C cannot
    be had reliably, so the client's ingest is wrapped)."""
    import contractgate.cli._ingest as ingest_module

    real = ingest_module._make_client
    seen = []

    def make_client(args: Any) -> Any:
        client = real(args)
        original = client.ingest

        def ingest(*a: Any, **kw: Any) -> Any:
            result = original(*a, **kw)
            seen.append(result)
            if len(seen) == calls:
                raise KeyboardInterrupt
            return result

        client.ingest = ingest
        return client

    monkeypatch.setattr(ingest_module, "_make_client", make_client)


def test_ctrl_c_says_what_was_stored_by_record(cli, gateway, project: Path, monkeypatch) -> None:
    """It said only "contractgate: interrupted": whoever ran it again sent every stored
    event a second time."""
    (project / "ten.ndjson").write_text(ndjson(*[dict(GOOD_EVENT, n=i) for i in range(10)]))
    _interrupt_after(monkeypatch, 3)
    r = cli("ingest", "--contract-id", gateway.user_events, "ten.ndjson", "--batch-size", "2")
    assert r.code == 130
    assert "4 events sent" in r.out and "4 passed" in r.out
    assert r.err.strip().splitlines()[-1] == (
        "contractgate: interrupted (stopped after 4 events were acknowledged, through record "
        "4; records 5-6 were being sent and may have been stored)"
    )
    assert gateway.count_rows("audit") == 6  # the note's "may" was a "were"
    _interrupt_after(monkeypatch, 1)
    r = cli("ingest", "--contract-id", gateway.user_events, "ten.ndjson", "--format", "json",
            "--batch-size", "1")  # fmt: skip
    assert r.code == 130 and r.json()["error"] == (
        "interrupted (nothing was acknowledged; record 1 was being sent and may have been "
        "stored)"
    )


def test_a_job_id_makes_a_stopped_run_resumable(cli, gateway, project: Path, monkeypatch) -> None:
    """Interrupted with a batch in flight, then run again: every event is stored once,
    the batches of the first run answered from the idempotency cache."""
    events = [dict(GOOD_EVENT, n=i) for i in range(10)]
    events[7] = dict(events[7], user_id="Bad!")
    (project / "ten.ndjson").write_text(ndjson(*events))
    args = ("ingest", "--contract-id", gateway.user_events, "ten.ndjson", "--batch-size", "2",
            "--job-id", "nightly-2026-12-07")  # fmt: skip
    real = __import__("contractgate.cli._ingest", fromlist=["_make_client"])._make_client
    _interrupt_after(monkeypatch, 3)
    r = cli(*args)
    assert r.code == 130 and gateway.count_rows("audit") == 6
    assert r.err.strip().endswith(
        "to resume, run the same command again (--job-id nightly-2026-12-07): what was "
        "stored is answered from the gateway's idempotency cache, not stored twice)"
    )
    monkeypatch.setattr("contractgate.cli._ingest._make_client", real)
    r = cli(*args, "--format", "json")
    doc = r.json()
    assert r.code == 1 and doc["summary"]["sent"] == 10 and doc["summary"]["replayed"] == 6
    assert [f["record"] for f in doc["failures"]] == [8]
    assert gateway.count_rows("audit") == 10 and gateway.count_rows("quarantine") == 1
    r = cli(*args)
    assert "10 events sent" in r.out and "(10 stored by an earlier run of --job-id " in r.out
    assert gateway.count_rows("audit") == 10
    # another file under the same job: the gateway's conflict, not a silent mix
    (project / "ten.ndjson").write_text(ndjson(*events[::-1]))
    r = cli(*args)
    assert r.code == 5 and "IdempotencyConflictError" in r.err
    assert "not what an earlier run of --job-id nightly-2026-12-07 sent under the same " in r.err
    assert gateway.count_rows("audit") == 10


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (("--job-id", "two words"), "--job-id: job_id must be 1-128 printable ASCII"),
        (("--job-id", "j", "--dry-run"), "--job-id makes a run resumable; a dry run stores"),
    ],
)
def test_a_job_id_that_cannot_key_a_run_is_a_usage_error(
    cli, gateway, extra: Any, said: str
) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, GOOD, *extra)
    assert r.code == 2 and said in r.err
    assert gateway.count_rows("audit") == 0


def test_a_connection_lost_after_processing_names_the_records_in_doubt(
    cli, gateway, project: Path
) -> None:
    (project / "six.ndjson").write_text(ndjson(*[dict(GOOD_EVENT, n=i) for i in range(6)]))
    stored = gateway.count_rows("audit")
    gateway.faults.drop_next(1, path_prefix="/v1/ingest")  # a retry gets through
    assert cli("ingest", "--contract-id", gateway.user_events, "six.ndjson").code == 0
    assert gateway.count_rows("audit") == stored + 6
    gateway.faults.clear()
    gateway.faults.drop_next(10, path_prefix="/v1/ingest", after_processing=True)
    r = cli("ingest", "--contract-id", gateway.user_events, "six.ndjson", "--batch-size", "4")
    assert r.code == 4
    assert r.err.strip().endswith(
        "(nothing was acknowledged; records 1-4 were being sent and may have been stored)"
    )
    assert gateway.count_rows("audit") == stored + 6 + 4  # stored once, retries replayed


def test_unreadable_input_exits_2(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, "nope.ndjson")
    assert r.code == 2 and "cannot read" in r.err


# -- what was stored: dry runs and atomic rejections write nothing --------------------


def _rows(gateway: Any) -> tuple:
    return gateway.count_rows("quarantine"), gateway.count_rows("audit")


def test_dry_run_counts_nothing_as_quarantined(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, BAD, "--dry-run")
    assert r.code == 1
    assert r.lines[-2].endswith("[dry run]: 1 passed, 2 failed; nothing stored (dry run)")
    assert "quarantined" not in r.out
    assert _rows(gateway) == (0, 0)
    doc = cli("ingest", "--contract-id", gateway.user_events, BAD, "--dry-run", "--format", "json")
    summary = doc.json()["summary"]
    assert (summary["quarantined"], summary["stored"]) == (0, 0)
    # the gateway still hands out quarantine ids; no such row exists, so none is shown
    assert [f["quarantine_id"] for f in doc.json()["failures"]] == [None, None]
    assert _rows(gateway) == (0, 0)


def test_atomic_rejection_says_nothing_was_written(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, BAD, "--atomic")
    assert r.code == 1
    assert r.lines[-2].endswith(": 1 passed, 2 failed; rejected (atomic), nothing written")
    assert gateway.count_rows("quarantine") == 0
    r = cli("ingest", "--contract-id", gateway.user_events, BAD, "--atomic", "--format", "json")
    summary = r.json()["summary"]
    assert (summary["quarantined"], summary["stored"], summary["rejected_batches"]) == (0, 0, 1)
    assert gateway.count_rows("quarantine") == 0


def test_atomic_batches_count_what_each_stored(cli, gateway) -> None:
    # batch 1 (the passing event) is stored; batches 2 and 3 are rejected
    r = cli("ingest", "--contract-id", gateway.user_events, BAD, "--atomic", "--batch-size", "1")
    assert r.code == 1
    assert r.lines[-2].endswith(
        ": 1 passed, 2 failed; 2 of 3 batches rejected (atomic), nothing written for them; "
        "1 event stored"
    )
    assert gateway.count_rows("quarantine") == 0
    assert len(gateway.audit_rows(gateway.user_events)) == 3  # 1 event + 2 summary rows


def test_stored_quarantine_rows_are_counted(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, BAD, "--format", "json")
    doc = r.json()
    assert doc["summary"]["quarantined"] == 2 == gateway.count_rows("quarantine")
    ids = {row["id"] for row in gateway.quarantine_rows(gateway.user_events)}
    assert {f["quarantine_id"] for f in doc["failures"]} == ids


def test_batch_ingest_response_quarantined_is_what_was_stored(gateway) -> None:
    from contractgate import AtomicRejectedError, Client

    events = [GOOD_EVENT, {**GOOD_EVENT, "user_id": "Bad!"}, {**GOOD_EVENT, "event_type": "x"}]
    with Client(gateway.base_url, api_key=gateway.api_key) as c:
        dry = c.ingest(gateway.user_events, events, dry_run=True)
        assert (dry.failed, dry.quarantined) == (2, 0)
        assert all(r.quarantine_id for r in dry.failures)  # ids without rows (spec)
        with pytest.raises(AtomicRejectedError) as exc:
            c.ingest(gateway.user_events, events, atomic=True)
        assert (exc.value.result.failed, exc.value.result.quarantined) == (2, 0)
        assert gateway.count_rows("quarantine") == 0
        real = c.ingest(gateway.user_events, events)
        assert (real.failed, real.quarantined) == (2, 2) == (2, gateway.count_rows("quarantine"))
        passed = c.ingest(gateway.user_events, [GOOD_EVENT], atomic=True)
        assert passed.quarantined == 0


# -- --contract-id takes a name ---------------------------------------------------------


def test_contract_name_is_resolved(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", "user_events", GOOD, "-v")
    assert r.code == 0, r.err
    assert f"contract user_events: id {gateway.user_events}" in r.out
    assert r.lines[-1].startswith(f"✓ 3 events sent to user_events ({gateway.user_events}) ")
    r = cli("ingest", "--contract-id", "user_events@1.0.0", GOOD, "--format", "json")
    doc = r.json()
    assert (doc["contract_id"], doc["contract_name"]) == (gateway.user_events, "user_events")
    assert doc["resolved_version"] == "1.0.0" and doc["summary"]["versions"] == {"1.0.0": 3}


def test_unknown_contract_name_lists_the_candidates(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", "user_event", GOOD)
    assert r.code == 2 and r.out == ""
    assert "no contract named 'user_event' (and it is not a contract id)" in r.err
    assert f"user_events ({gateway.user_events})" in r.err and "orders (" in r.err
    assert "Traceback" not in r.err and gateway.count_rows("audit") == 0


def test_ambiguous_contract_name_lists_the_ids(cli, project: Path, monkeypatch) -> None:
    # Two contracts with one name exist on a real multi-org gateway, not on the local one:
    # the contract list is served by a mock transport.
    import httpx

    import contractgate.cli._ingest as ingest_module
    from contractgate import Client

    ids = ["0b0e1f3c-0000-4000-8000-000000000001", "0b0e1f3c-0000-4000-8000-000000000002"]

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/contracts", request.url
        return httpx.Response(
            200,
            json=[
                {"id": i, "name": "user_events", "latest_stable_version": v, "version_count": 1}
                for i, v in zip(ids, ("1.0.0", "2.0.0"))
            ],
        )

    def make_client(args: Any) -> Any:
        return Client("http://127.0.0.1:9", api_key="k", transport=httpx.MockTransport(handler))

    monkeypatch.setattr(ingest_module, "_make_client", make_client)
    r = cli("ingest", "--contract-id", "user_events", GOOD)
    assert r.code == 2
    assert "2 contracts are named 'user_events': pass one id with --contract-id" in r.err
    assert f"{ids[0]} (latest stable 1.0.0); {ids[1]} (latest stable 2.0.0)" in r.err


# -- the progress bar -------------------------------------------------------------------


def test_progress_shows_rate_and_eta(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, GOOD, "--batch-size", "1", tty=True)
    frames = [f for f in r.err.split("\r\x1b[2K") if f.startswith("ingesting")]
    assert frames, r.err
    assert all(" events/s" in f for f in frames)
    assert "1/3" in frames[0] and " · ETA " in frames[0]  # length known: an ETA
    assert "3/3" in frames[-1] and "ETA" not in frames[-1]  # done: no ETA
    # a JSON document's length is known once it is read
    r = cli("ingest", "--contract-id", gateway.user_events, BAD, "--batch-size", "1", tty=True)
    assert "1/3" in r.err and " · ETA " in r.err
    # stdin: length unknown, rate only
    data = ndjson(GOOD_EVENT, GOOD_EVENT).encode()
    r = cli("ingest", "--contract-id", gateway.user_events, "-", "--progress", "always", stdin=data)
    assert "ingesting … 2 sent · 2 passed · 0 failed · " in r.err and "ETA" not in r.err


# -- batches the gateway can take -------------------------------------------------------


def test_batch_size_is_the_gateways_limit_at_most(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, GOOD, "--batch-size", "1001")
    assert r.code == 2
    assert "--batch-size: must be at most 1000 (the gateway's limit per request)" in r.err
    assert "internal error" not in r.err and gateway.count_rows("audit") == 0
    r = cli("ingest", "--contract-id", gateway.user_events, GOOD, "--batch-size", "1000")
    assert r.code == 0, r.err


def _write_ndjson(path: Path, events: list) -> str:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path.name


def test_atomic_batches_beyond_one_requests_bytes_go_in_parts(cli, gateway, project) -> None:
    """500 events of ~5 KB are ~2.5 MB, over the 2 MB a request may carry: with --atomic
    the batch is sent in halves, each accepted or rejected whole (nothing is lost or sent
    twice, and no internal error)."""
    fat = [{**GOOD_EVENT, "email": f"{i}@" + "x" * 5000} for i in range(1000)]
    fat[10]["user_id"] = "Bad!"
    fat[299]["user_id"] = "Bad!"
    name = _write_ndjson(project / "fat.ndjson", fat)
    r = cli("ingest", "--contract-id", gateway.user_events, name, "--atomic", "--format", "json")
    assert r.code == 1, r.err
    note = (
        "a batch of 500 events is over one request's bytes: with --atomic it is sent "
        "in parts, each accepted or rejected whole"
    )
    assert r.err.count(note) == 1  # said once, although both batches were split
    summary = r.json()["summary"]
    assert (summary["sent"], summary["passed"], summary["failed"]) == (1000, 998, 2)
    # records 1-250 and 251-500 rejected, each part whole; 501-750 and 751-1000 stored
    assert (summary["batches"], summary["rejected_batches"], summary["stored"]) == (4, 2, 500)
    assert [f["record"] for f in r.json()["failures"]] == [11, 300]  # in input order


def test_an_event_the_gateway_cannot_take_is_a_problem_of_its_record(
    cli, gateway, project
) -> None:
    events = [GOOD_EVENT, {**GOOD_EVENT, "email": "x" * 1_100_000}, GOOD_EVENT]
    name = _write_ndjson(project / "huge.ndjson", events)
    r = cli("ingest", "--contract-id", gateway.user_events, name)
    assert r.code == 1
    size = len(json.dumps(events[1], separators=(",", ":")))
    assert r.lines[0] == (
        f"{name}:2:1: record 2: (record): {size} bytes encoded, over the gateway's "
        "per-event limit of 1048576 bytes [unsendable]"
    )
    assert r.lines[-1].endswith(
        ": 2 passed, 0 failed, 0 quarantined, 1 not sent (too large or too deep for the gateway)"
    )
    assert gateway.count_rows("audit") == 2
    doc = cli("ingest", "--contract-id", gateway.user_events, name, "--format", "json").json()
    assert doc["summary"]["unsendable"] == 1 and doc["summary"]["sent"] == 2
    (failure,) = doc["failures"]
    assert (failure["record"], failure["line"], failure["quarantine_id"]) == (2, 2, None)
    assert failure["violations"][0]["kind"] == "unsendable"


# -- what the summary shows ------------------------------------------------------------


def test_twenty_problems_then_a_count_and_all_with_v(cli, gateway, project) -> None:
    bad = [{**GOOD_EVENT, "user_id": f"Bad{i}!"} for i in range(25)]
    name = _write_ndjson(project / "many.ndjson", bad)
    r = cli("ingest", "--contract-id", gateway.user_events, name)
    problems = [line for line in r.lines if "[pattern_mismatch]" in line]
    assert len(problems) == 20
    assert "… and 5 more problems (use -v to list them all)" in r.lines
    r = cli("ingest", "--contract-id", gateway.user_events, name, "-v")
    assert len([line for line in r.lines if "[pattern_mismatch]" in line]) == 25
    assert not any("more problems" in line for line in r.lines)


def test_quiet_still_reports_failures(cli, gateway) -> None:
    r = cli("ingest", "-q", "--contract-id", gateway.user_events, BAD)
    assert r.code == 1
    assert r.lines[0].startswith(f"{BAD}:3:4: record 2: user_id:")
    assert r.lines[-2].startswith("✗ 3 events sent to ")


def test_violations_by_kind_most_frequent_first(cli, gateway, project) -> None:
    events = [{**GOOD_EVENT, "user_id": "B!"}] * 2 + [{**GOOD_EVENT, "event_type": "refund"}]
    name = _write_ndjson(project / "kinds.ndjson", events)
    r = cli("ingest", "--contract-id", gateway.user_events, name)
    assert r.lines[-1] == "  violations: 2 pattern_mismatch, 1 enum_violation"


def test_version_option_pins_the_version(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", gateway.user_events, GOOD, "--version", "1.0.0",
            "--format", "json")
    assert r.json()["resolved_version"] == "1.0.0"


def test_unknown_name_lists_the_contracts_by_name(cli, gateway) -> None:
    r = cli("ingest", "--contract-id", "nope", GOOD)
    assert r.err.index("orders (") < r.err.index("user_events (")


def test_json_names_the_contract_asked_for_when_none_was_reached(cli, project) -> None:
    r = cli("ingest", "--contract-id", "x", GOOD, "--base-url", "http://127.0.0.1:9",
            "--format", "json")
    assert r.code == 4 and r.json()["contract_id"] == "x"
    assert r.json()["contract_name"] is None


def test_an_error_after_parse_errors_still_shows_the_summary(cli, project) -> None:
    (project / "broken.ndjson").write_text("{broken\n" + json.dumps(GOOD_EVENT) + "\n")
    cid = "0b0e1f3c-0000-4000-8000-000000000001"  # an id: no contract list to fetch first
    r = cli("ingest", "--contract-id", cid, "broken.ndjson", "--base-url", "http://127.0.0.1:9")
    assert r.code == 4
    assert r.lines[-1] == (
        f"✗ 0 events sent to {cid}: 0 passed, 0 failed, 0 quarantined, "
        "1 not sent (parse errors)"
    )


def test_no_progress_bar_when_quiet_json_or_a_dumb_terminal(cli, gateway, monkeypatch) -> None:
    for extra in (["-q"], ["--format", "json"]):
        r = cli("ingest", "--contract-id", gateway.user_events, GOOD, *extra, tty=True)
        assert "ingesting" not in r.err
    monkeypatch.setenv("TERM", "dumb")
    r = cli("ingest", "--contract-id", gateway.user_events, GOOD, tty=True)
    assert "ingesting" not in r.err


def test_progress_counts_lines_with_an_event(cli, gateway, project) -> None:
    (project / "gaps.ndjson").write_text(
        "\n" + json.dumps(GOOD_EVENT) + "\n\n  \n" + json.dumps(GOOD_EVENT) + "\n"
    )
    r = cli("ingest", "--contract-id", gateway.user_events, "gaps.ndjson", tty=True)
    assert "2/2" in r.err and "/4" not in r.err


def test_the_progress_line() -> None:
    from contractgate.cli._ingest import Progress, _duration_text, _rate_text

    stream = io.StringIO()
    bar = Progress(stream, True, total=4)
    bar.update(1, 1, 0)
    bar.update(2, 2, 0)  # within 0.1 s of the last frame: not drawn
    assert stream.getvalue().count("ingesting") == 1
    bar.update(6, 6, 0, force=True)  # more than counted (the file grew): the bar is full
    last = stream.getvalue().split("\r\x1b[2K")[-1]
    assert last.startswith("ingesting [" + "█" * 24 + "] 100% 6/4")
    bar.finish()
    assert stream.getvalue().endswith("\r\x1b[2K")
    quiet = io.StringIO()
    Progress(quiet, True, total=None).finish()  # nothing drawn: nothing to clear
    assert quiet.getvalue() == ""
    assert [_rate_text(r) for r in (9.94, 10, 12345.6)] == [
        "9.9 events/s", "10 events/s", "12,346 events/s"]
    assert [_duration_text(s) for s in (0.4, 0.5, 59.4, 59.5, 3599.4, 3599.5, 7385)] == [
        "0s", "1s", "59s", "1m00s", "59m59s", "1h00m", "2h03m"]


def test_a_deprecated_pin_is_said_once(cli, project: Path, monkeypatch) -> None:
    (project / "contracts" / "_gateway.yaml").write_text(
        'contracts:\n  user_events:\n    versions:\n      "1.0.0": deprecated\n'
    )
    with LocalGateway(contracts_dir=project / "contracts") as gw:
        monkeypatch.setenv("CONTRACTGATE_BASE_URL", gw.base_url)
        monkeypatch.setenv("CONTRACTGATE_API_KEY", gw.api_key)
        r = cli("ingest", "--contract-id", "user_events@1.0.0", GOOD, "--batch-size", "1")
        assert r.code == 1  # the gateway quarantined every batch
        assert r.err.count("contractgate: warning: Version 1.0.0 on contract ") == 1
        assert "is deprecated; batch quarantined." in r.err
        assert r.lines[-1].endswith(": 0 passed, 3 failed, 3 quarantined")
        assert gw.count_rows("quarantine") == 3


def test_a_batch_that_stops_midway_counts_what_the_gateway_stored(
    cli, project: Path, monkeypatch
) -> None:
    """One CLI batch over 2 MB goes out in two requests; when the second fails (here a
    rate limit too long to wait for), the first request's events were stored: they are
    counted, and their failures reported, so nobody resends them blindly."""
    with LocalGateway(
        contracts_dir=project / "contracts", rate_limit_rps=0.001, rate_limit_burst=2
    ) as gw:  # one /v1/ingest takes two tokens: the second request gets a 429
        monkeypatch.setenv("CONTRACTGATE_BASE_URL", gw.base_url)
        monkeypatch.setenv("CONTRACTGATE_API_KEY", gw.api_key)
        cid = next(c.id for c in gw.registry.contracts.values() if c.name == "user_events")
        pad = "x" * 5000
        events = [dict(GOOD_EVENT, pad=pad) for _ in range(500)]
        events[3] = dict(events[3], user_id="Bad!")
        (project / "big.ndjson").write_text(ndjson(*events))
        r = cli("ingest", "--contract-id", cid, "big.ndjson", "--format", "json")
        doc = r.json()
        stored = gw.count_rows("audit")
    assert r.code == 5, r.err
    assert 0 < stored < 500
    assert doc["summary"]["sent"] == stored
    assert doc["summary"]["failed"] == 1 and doc["failures"][0]["record"] == 4
    assert doc["error"].startswith("RateLimitError: ")
    assert doc["error"].endswith(
        f"(stopped after {stored} events were acknowledged, through record {stored})"
    )
