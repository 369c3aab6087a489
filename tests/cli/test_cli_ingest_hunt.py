"""``contractgate ingest``: what a stopped, resumed or re-keyed run stores and says
(real HTTP against the local gateway on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List

import pytest
from cg_cli_testlib import GOOD_EVENT, ndjson

from contractgate.gateway import LocalGateway


def _events(n: int, **extra: Any) -> List[dict]:
    return [dict(GOOD_EVENT, n=i, **extra) for i in range(n)]


def _let_one_through(gw: Any) -> None:
    """The next /v1/ingest request is served as usual (a no-op delay takes it), so the
    fault armed after this call applies to the request after it."""
    gw.faults.delay_next(1, seconds=0, path_prefix="/v1/ingest")


def _fat(project: Path, n: int = 1000) -> str:
    """n events of ~5 KB: a batch of 1000 goes out in three requests of <= 2 MB."""
    (project / "fat.ndjson").write_text(ndjson(*_events(n, pad="x" * 5000)))
    return "fat.ndjson"


def test_a_deprecated_pin_sends_every_event_of_a_batch_over_one_request(
    cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gateway answers a deprecated pin with 422 and the client stops after the
    first request of the batch: the rest of the batch was never sent, and the run said
    nothing (exit 1 as if complete, 393 of 1000 counted)."""
    (project / "contracts" / "_gateway.yaml").write_text(
        'contracts:\n  user_events:\n    versions:\n      "1.0.0": deprecated\n'
    )
    name = _fat(project)
    with LocalGateway(contracts_dir=project / "contracts") as gw:
        monkeypatch.setenv("CONTRACTGATE_BASE_URL", gw.base_url)
        monkeypatch.setenv("CONTRACTGATE_API_KEY", gw.api_key)
        r = cli("ingest", "--contract-id", "user_events@1.0.0", name, "--batch-size", "1000",
                "--format", "json")  # fmt: skip
        stored = gw.count_rows("quarantine")
    summary = r.json()["summary"]
    assert r.code == 1, r.err
    assert stored == 1000
    assert (summary["sent"], summary["failed"], summary["quarantined"]) == (1000, 1000, 1000)
    assert r.err.count("is deprecated; batch quarantined.") == 1


def test_a_resumed_run_counts_as_replayed_only_what_the_cache_answered(
    cli, gateway, project: Path
) -> None:
    """A batch that went out in three requests, the second dropped after it was stored:
    the re-run's first two requests are replays, its third is stored now. The summary
    said all 1000 were "stored by an earlier run"."""
    name = _fat(project)
    args = ("ingest", "--contract-id", gateway.user_events, name, "--batch-size", "1000",
            "--job-id", "fat-1")  # fmt: skip
    _let_one_through(gateway)
    gateway.faults.drop_next(10, path_prefix="/v1/ingest", after_processing=True)
    assert cli(*args).code == 4
    gateway.faults.clear()
    earlier = gateway.count_rows("audit")
    assert 0 < earlier < 1000
    r = cli(*args, "--format", "json")
    assert r.code == 0, r.err
    assert gateway.count_rows("audit") == 1000
    assert r.json()["summary"]["sent"] == 1000
    assert r.json()["summary"]["replayed"] == earlier
    text = cli(*args)
    assert "(1000 stored by an earlier run of --job-id fat-1)" in text.out


def test_a_batch_stopped_midway_names_only_the_request_that_was_out(
    cli, gateway, project: Path
) -> None:
    """The third request of the batch was never sent: it is not "being sent", and its
    records are not in doubt (PartialIngestError.unacknowledged_batches says which
    were sent)."""
    name = _fat(project)
    _let_one_through(gateway)
    gateway.faults.drop_next(10, path_prefix="/v1/ingest", after_processing=True)
    r = cli("ingest", "--contract-id", gateway.user_events, name, "--batch-size", "1000")
    assert r.code == 4
    stored = gateway.count_rows("audit")  # the first request, and the dropped second
    first = int(r.out.split(" events sent")[0].split()[-1])
    assert 0 < first < stored < 1000
    assert r.err.strip().endswith(
        f"(stopped after {first} events were acknowledged, through record {first}; "
        f"records {first + 1}-{stored} were being sent and may have been stored)"
    )


def test_an_answer_that_cannot_be_read_leaves_its_records_in_doubt(
    cli, gateway, project: Path
) -> None:
    """A 200 whose body is not an ingest answer (a proxy, a truncated cache): the
    gateway may have stored the batch, so "resume after record 3" would double it."""
    (project / "ten.ndjson").write_text(ndjson(*_events(10)))
    _let_one_through(gateway)
    gateway.faults.fail_next(1, status=200, body={"unexpected": True}, path_prefix="/v1/ingest")
    r = cli("ingest", "--contract-id", gateway.user_events, "ten.ndjson", "--batch-size", "3")
    assert r.code == 5
    assert "InvalidResponseError" in r.err
    assert r.err.strip().endswith(
        "(stopped after 3 events were acknowledged, through record 3; records 4-6 were "
        "being sent and may have been stored)"
    )


def test_an_idempotency_conflict_advises_nothing_that_stores_twice(
    cli, gateway, project: Path
) -> None:
    """After an edit, the conflict said both "run the same command again" (it conflicts
    again) and "use another --job-id" (which stores every event of the earlier run a
    second time)."""
    events = _events(10)
    (project / "ten.ndjson").write_text(ndjson(*events))
    args = ("ingest", "--contract-id", gateway.user_events, "ten.ndjson", "--batch-size", "3",
            "--job-id", "edit-1")  # fmt: skip
    assert cli(*args).code == 0
    events[7] = dict(events[7], n=77)
    (project / "ten.ndjson").write_text(ndjson(*events))
    r = cli(*args)
    assert r.code == 5 and gateway.count_rows("audit") == 10
    err = r.err.strip()
    assert "IdempotencyConflictError" in err
    assert "to resume, run the same command again" not in err
    assert "use another --job-id" not in err
    assert (
        "records 7-9 are not what an earlier run of --job-id edit-1 sent under the same "
        "idempotency keys" in err
    )
    assert "another --job-id would store again what the earlier run stored" in err
    assert err.endswith("(stopped after 6 events were acknowledged, through record 6)")
    doc = cli(*args, "--format", "json").json()
    assert doc["summary"]["replayed"] == 6 and "records 7-9 are not what" in doc["error"]


def test_a_fixed_record_under_the_same_job_id_is_a_conflict_said_plainly(
    cli, gateway, project: Path
) -> None:
    """A record that did not parse is not sent, so the batches after it hold other
    records once it is fixed: the first changed batch conflicts, nothing is stored
    twice, and the advice says how to send the fixed record alone."""
    lines = [json.dumps(e) for e in _events(6)]
    lines.insert(2, "{broken")
    (project / "seven.ndjson").write_text("\n".join(lines) + "\n\n")
    args = ("ingest", "--contract-id", gateway.user_events, "seven.ndjson", "--batch-size",
            "2", "--job-id", "fix-1")  # fmt: skip
    r = cli(*args)
    assert r.code == 1 and "1 not sent (parse errors)" in r.out
    assert gateway.count_rows("audit") == 6
    lines[2] = json.dumps(dict(GOOD_EVENT, n=99))
    (project / "seven.ndjson").write_text("\n".join(lines) + "\n\n")
    r = cli(*args)
    assert r.code == 5 and gateway.count_rows("audit") == 6
    assert "records 3-4 are not what an earlier run of --job-id fix-1 sent" in r.err
    assert "records that did not parse then" in r.err


@pytest.mark.parametrize(
    "contract", ["{%s}", "urn:uuid:%s", "%s"], ids=["braces", "urn", "plain"]
)
def test_a_job_id_works_with_every_spelling_of_the_contract_id(
    cli, gateway, contract: str
) -> None:
    """``{id}`` and ``urn:uuid:id`` are ids (not names) for the lookup, but the key
    builder refused them: an internal error (exit 70)."""
    r = cli("ingest", "--contract-id", contract % gateway.user_events,
            "examples/fixtures/user_events.good.ndjson", "--job-id", "spell-1")  # fmt: skip
    assert r.code == 0, r.err
    assert "internal error" not in r.err


def test_the_same_contract_spelled_otherwise_resumes_the_same_job(
    cli, gateway, project: Path
) -> None:
    """The id in capitals (or by name) is the same contract: a re-run of the job must be
    answered from the cache, not stored a second time under other keys."""
    (project / "four.ndjson").write_text(ndjson(*_events(4)))
    base = ("ingest", "four.ndjson", "--job-id", "case-1", "--format", "json")
    assert cli(*base, "--contract-id", gateway.user_events).code == 0
    for spelling in (gateway.user_events.upper(), "user_events"):
        r = cli(*base, "--contract-id", spelling)
        assert r.code == 0, r.err
        assert r.json()["summary"]["replayed"] == 4
    assert gateway.count_rows("audit") == 4


def test_a_job_id_whose_keys_the_gateway_cannot_take_is_a_usage_error(
    cli, gateway
) -> None:
    """A 128-character job id is valid, but with a long version pin the keys pass the
    gateway's 255 bytes: it was an internal error (exit 70), and could have been one
    midway, after batches were stored (the request number grows)."""
    job = "j" * 128
    r = cli("ingest", "--contract-id", gateway.user_events,
            "examples/fixtures/user_events.good.ndjson", "--job-id", job, "--version",
            "1.1.0-" + "a" * 100)  # fmt: skip
    assert r.code == 2, r.err
    assert "internal error" not in r.err
    assert "--job-id: " in r.err and "255 bytes" in r.err
    assert gateway.count_rows("audit") == 0
    r = cli("ingest", "--contract-id", gateway.user_events,
            "examples/fixtures/user_events.good.ndjson", "--job-id", job, "--version",
            "1.1.0")  # fmt: skip
    assert r.code == 0, r.err
