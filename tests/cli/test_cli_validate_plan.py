"""``contractgate validate``: which files are checked against which contract, and the
envelope path's lack of batch uniqueness (from a mutation sweep of cli/_validate.py)."""

from __future__ import annotations

from pathlib import Path

from conftest import RunCLI


def test_contract_and_contract_id_together_are_a_usage_error(cli: RunCLI, project: Path) -> None:
    r = cli("validate", "--contract", "contracts/orders.yaml", "--contract-id", "orders", "x.json")
    assert r.code == 2
    assert "give --contract or --contract-id, not both" in r.err


def test_a_config_without_fixtures_is_a_configuration_error(cli: RunCLI, project: Path) -> None:
    (project / ".contractgate.yml").write_text('contracts: ["contracts/**/*.yaml"]\n')
    r = cli("validate")
    assert r.code == 3
    assert ".contractgate.yml has no 'fixtures' mapping (glob: contract file)" in r.err


def test_a_contract_no_fixture_maps_to_is_skipped_as_a_contract(
    cli: RunCLI, project: Path
) -> None:
    (project / ".contractgate.yml").write_text(
        (project / ".contractgate.yml").read_text() + 'contracts: ["contracts/**/*.yaml"]\n'
    )
    (project / "contracts/spare.yaml").write_text(
        (project / "contracts/orders.yaml").read_text().replace("name: orders", "name: spare")
    )
    r = cli("validate", "-v", "contracts/spare.yaml", "--color", "never")
    assert r.code == 0, r
    assert "skipped contracts/spare.yaml (a contract no fixture maps to)" in r.out + r.err


def test_envelope_contracts_get_no_batch_uniqueness(cli: RunCLI, tmp_path: Path) -> None:
    """§7.2: the envelope path performs no uniqueness check, neither across the file's
    payloads nor within one payload's records."""
    contract = tmp_path / "env.yaml"
    contract.write_text(
        'version: "1.0.0"\nname: env\nenvelope:\n  records_path: data\nontology:\n'
        "  entities:\n    - name: id\n      type: string\n"
        "quality:\n  - type: uniqueness\n    field: id\n"
    )
    events = tmp_path / "env.ndjson"
    events.write_text(
        '{"id": "x", "data": [{"id": "a"}]}\n{"id": "x", "data": [{"id": "a"}, {"id": "a"}]}\n'
    )
    r = cli("validate", "--contract", str(contract), str(events), "--color", "never")
    assert r.code == 0, r
    assert "2 records in 1 file: all passed" in r.out


# ---------------------------------------------------------------------------- the summary

GOOD_UE = "examples/fixtures/user_events.good.ndjson"
BAD_ORDERS = "examples/fixtures/orders.bad.yaml"
EMPTY_UE = "examples/fixtures/user_events.empty.ndjson"


def _last_line(text: str) -> str:
    return text.rstrip("\n").splitlines()[-1]


def test_summary_names_files_only_when_there_are_several(cli: RunCLI, project: Path) -> None:
    one = cli("validate", BAD_ORDERS, "--color", "never")
    assert _last_line(one.out).startswith("✗ 2 of 2 records failed — 5 problems: ")
    two = cli("validate", BAD_ORDERS, GOOD_UE, "--color", "never")
    assert _last_line(two.out).startswith("✗ 2 of 5 records failed in 1 of 2 files — 5 problems")
    verbose = cli("validate", "-v", BAD_ORDERS, GOOD_UE, "--color", "never")
    assert "(orders 2.0.0): 2 records, 2 failed" in verbose.out + verbose.err
    assert "(user_events 1.1.0): 3 records, all passed" in verbose.out + verbose.err


def test_empty_files_warn_or_fail(cli: RunCLI, project: Path) -> None:
    (project / EMPTY_UE).write_text("")
    r = cli("validate", EMPTY_UE, GOOD_UE, "--color", "never")
    assert r.code == 0
    assert _last_line(r.out) == "✓ 3 records in 2 files: all passed (1 file without records)"
    assert "no records to check (--fail-on-empty makes this an error)" in r.err
    r = cli("validate", "--fail-on-empty", EMPTY_UE, GOOD_UE, "--color", "never")
    assert r.code == 1
    assert _last_line(r.out) == "✗ 1 file without records"
    r = cli("validate", EMPTY_UE, BAD_ORDERS, "--color", "never")  # a warning only
    assert _last_line(r.out).startswith("✗ 2 of 2 records failed in 1 of 2 files — 5 problems")
    summary = cli("validate", "--fail-on-empty", EMPTY_UE, GOOD_UE, "--format", "json").json()
    assert summary["summary"]["files_failed"] == 1 and summary["summary"]["files_empty"] == 1


def test_a_contract_that_does_not_load_leaves_its_files_unchecked(
    cli: RunCLI, project: Path
) -> None:
    (project / "bad.yaml").write_text("version: [\n")
    doc = cli("validate", "--contract", "bad.yaml", GOOD_UE, "--format", "json").json()
    assert doc["exit_code"] == 2
    assert doc["files"] == [
        {
            "file": GOOD_UE,
            "contract": "bad.yaml",
            "checked": False,
            "error": "contract could not be loaded",
        }
    ]
    r = cli("validate", "--contract", "bad.yaml", GOOD_UE, "--color", "never")
    assert _last_line(r.out) == "✗ 1 file could not be checked"


def test_files_no_glob_maps_and_stdin_without_a_contract(cli: RunCLI, project: Path) -> None:
    (project / "examples/fixtures/other.json").write_text("[]")
    r = cli("validate", "examples/fixtures/other.json", "--color", "never")
    assert (r.code, r.out) == (0, "no fixture files to check\n")
    r = cli("validate", "-", stdin=b"{}\n")
    assert r.code == 2 and "stdin needs --contract (no file name to map)" in r.err
