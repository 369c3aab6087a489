"""``contractgate validate``: success and failure output, mapping, formats, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cg_cli_testlib import GOOD_EVENT, ORDERS, USER_EVENTS, ndjson

BAD = "examples/fixtures/user_events.bad.json"
GOOD_NDJSON = "examples/fixtures/user_events.good.ndjson"
GOOD_YAML = "examples/fixtures/orders.good.yaml"
BAD_ORDERS = "examples/fixtures/orders.bad.yaml"


def test_good_fixtures_pass(cli, project: Path) -> None:
    r = cli("validate", GOOD_NDJSON, GOOD_YAML)
    assert r.code == 0, r.out + r.err
    assert r.out.strip() == "✓ 4 records in 2 files: all passed"
    assert r.err == ""


def test_bad_fixture_names_file_record_line_field_kind_message(cli, project: Path) -> None:
    r = cli("validate", BAD)
    assert r.code == 1
    lines = r.lines
    assert lines[0] == (
        f"{BAD}:3:4: record 2: user_id: Field 'user_id' value \"Dave!\" does not match "
        "required pattern [pattern_mismatch]"
    )
    assert lines[1].startswith(f"{BAD}:3:24: record 2: event_type: Field 'event_type' value")
    assert lines[1].endswith("[enum_violation]")
    assert lines[2] == (
        f"{BAD}:4:52: record 3: timestamp: Field 'timestamp' expected type Integer, got string "
        "[type_mismatch]"
    )
    assert lines[3] == (
        f"{BAD}:4:78: record 3: amount: Field 'amount' value -5 is below minimum 0 "
        "[range_violation]"
    )
    assert lines[4].startswith("✗ 2 of 3 records failed — 4 problems: ")
    assert "1 enum_violation" in lines[4]


def test_without_files_validates_every_mapped_fixture(cli, project: Path) -> None:
    r = cli("validate", "-v")
    assert r.code == 1
    assert f"✓ {GOOD_YAML} → {ORDERS} (orders 2.0.0): 1 record, all passed" in r.out
    assert f"✗ {BAD} → {USER_EVENTS}" in r.out
    assert f"✗ {BAD_ORDERS} → {ORDERS} (orders 2.0.0): 2 records, 2 failed" in r.out
    assert r.lines[-1].startswith("✗ 4 of 9 records failed in 2 of 4 files — 9 problems: ")


def test_unmapped_files_are_skipped(cli, project: Path) -> None:
    (project / "notes.yaml").write_text("a: 1\n")
    r = cli("validate", "-v", "notes.yaml", GOOD_YAML)
    assert r.code == 0
    assert "skipped notes.yaml (no glob in .contractgate.yml matches it)" in r.out


def test_a_changed_contract_rechecks_its_fixtures(cli, project: Path) -> None:
    r = cli("validate", "-v", USER_EVENTS)
    assert r.code == 1
    assert "is a contract: checking its 2 fixtures" in r.out
    assert BAD in r.out and GOOD_NDJSON in r.out
    assert GOOD_YAML not in r.out
    # a contract that no fixture maps to is skipped, not validated as events
    r = cli("validate", "-v", "contracts/user_events/1.0.0.yaml")
    assert r.code == 0
    assert "no glob" in r.out


def test_the_config_file_rechecks_everything(cli, project: Path) -> None:
    r = cli("validate", ".contractgate.yml")
    assert r.code == 1
    assert "4 of 9 records failed in 2 of 4 files" in r.out


def test_explicit_contract(cli, project: Path) -> None:
    (project / "one.json").write_text(json.dumps(GOOD_EVENT))
    r = cli("validate", "--contract", USER_EVENTS, "one.json", USER_EVENTS)
    assert r.code == 0, r.out
    assert "1 record in 1 file" in r.out  # the contract itself is not read as events
    r = cli("validate", "--contract", "contracts/user_events/1.0.0.yaml", BAD)
    assert r.code == 1
    assert "refund" in r.out and '["click", "view", "purchase"]' in r.out


def test_ndjson_bad_line_is_a_record_level_parse_error(cli, project: Path) -> None:
    data = (
        ndjson(GOOD_EVENT)
        + "\n"
        + '{"user_id": "x", oops}\n'
        + ndjson({**GOOD_EVENT, "event_type": "nope"})
    )
    (project / "examples/fixtures/user_events.mixed.ndjson").write_text(data)
    r = cli("validate", "examples/fixtures/user_events.mixed.ndjson")
    assert r.code == 1
    first, second = r.lines[0], r.lines[1]
    # one position per finding: the file's line and 1-based column of the problem
    assert first == (
        "examples/fixtures/user_events.mixed.ndjson:3:18: record 2: (record): "
        'JSON parse error: key must be a string (input: {"user_id": "x", oops}) [parse_error]'
    )
    assert "record 3: event_type:" in second and ":4:" in second
    assert r.lines[-1].startswith("✗ 2 of 3 records failed — 2 problems: ")


def test_json_array_element_rejected_by_decoder_is_record_level(cli, project: Path) -> None:
    text = (
        '[\n  {"user_id": "a_1", "event_type": "click", "timestamp": 1},\n'
        '  {"user_id": NaN},\n  {"user_id": "Z"}\n]\n'
    )
    (project / "examples/fixtures/user_events.nan.json").write_text(text)
    r = cli("validate", "examples/fixtures/user_events.nan.json")
    assert r.code == 1
    assert re.match(
        r"examples/fixtures/user_events\.nan\.json:3:15: record 2: \(record\): JSON parse error: ",
        r.lines[0],
    )
    assert "record 3:" in r.out  # the rest is still checked


def test_broken_json_document_is_unreadable_input(cli, project: Path) -> None:
    path = "examples/fixtures/user_events.broken.json"
    (project / path).write_text('[\n  {"user_id": "a"},\n  {"user_id": "b"},\n]\n')
    r = cli("validate", path, GOOD_YAML)
    assert r.code == 2
    assert r.lines[0].startswith(f"{path}:4:1: JSON parse error: trailing comma")
    assert "[parse_error]" in r.lines[0]
    assert r.lines[-1] == "✗ 1 file could not be checked"


def test_yaml_fixture_lines_point_at_the_field(cli, project: Path) -> None:
    text = (
        "- order_id: ord_A1B2C3D4\n"
        "  placed_on: 2026-02-30\n"  # stays a string (YAML 1.2 core), invalid date
        "  status: paid\n"
        "  customer: {id: c1}\n"
        "  items:\n"
        "    - {sku: S, qty: 0, price: 1}\n"
        "  total: 1\n"
    )
    (project / "examples/fixtures/orders.bad.yaml").write_text(text)
    r = cli("validate", "examples/fixtures/orders.bad.yaml")
    assert r.code == 1
    lines = [line.split("orders.bad.yaml:", 1)[1] for line in r.lines[:3]]
    assert lines[0].startswith(
        "2:3: record 1: placed_on: Field 'placed_on' value \"2026-02-30\" is not a valid calendar"
    )
    assert lines[1].startswith("4:14: record 1: customer.id: Field 'customer.id' length 2 is below")
    assert lines[2].startswith("6:16: record 1: items[0].qty: Field 'items[0].qty' value 0 is")


def test_uniqueness_rules_apply_within_a_file(cli, project: Path) -> None:
    order = {
        "order_id": "ord_AAAABBBB",
        "placed_on": "2026-01-01",
        "status": "paid",
        "customer": {"id": "c01"},
        "items": [],
        "total": 1,
    }
    (project / "examples/fixtures/orders.dup.ndjson").write_text(ndjson(order, order))
    r = cli("validate", "examples/fixtures/orders.dup.ndjson")
    assert r.code == 1
    assert "record 2: order_id: Quality uniqueness: duplicate value" in r.out
    assert "record 1:" not in r.out


def test_json_format_is_pure_json(cli, project: Path) -> None:
    r = cli("validate", "--format", "json", BAD, GOOD_YAML)
    assert r.code == 1
    doc = r.json()
    assert doc["command"] == "validate" and doc["exit_code"] == 1 and doc["ok"] is False
    assert doc["summary"]["records"] == 4 and doc["summary"]["failed"] == 2
    assert doc["summary"]["by_kind"] == {
        "enum_violation": 1,
        "pattern_mismatch": 1,
        "range_violation": 1,
        "type_mismatch": 1,
    }
    first = doc["errors"][0]
    assert first == {
        "file": BAD,
        "line": 3,
        "column": 4,
        "record": 2,
        "field": "user_id",
        "kind": "pattern_mismatch",
        "message": "Field 'user_id' value \"Dave!\" does not match required pattern",
    }
    assert [f["file"] for f in doc["files"]] == [BAD, GOOD_YAML]


def test_github_format_emits_annotations(cli, project: Path) -> None:
    r = cli("validate", "--format", "github", BAD)
    assert r.code == 1
    assert r.lines[0] == (
        f"::error file={BAD},line=3,col=4,title=contractgate%3A pattern_mismatch::"
        "record 2: user_id: Field 'user_id' value \"Dave!\" does not match required pattern"
    )
    assert sum(1 for line in r.lines if line.startswith("::error ")) == 4


def test_quiet_prints_nothing_on_success_and_only_problems_on_failure(cli, project: Path) -> None:
    r = cli("validate", "-q", GOOD_YAML)
    assert (r.code, r.out, r.err) == (0, "", "")
    r = cli("validate", "-q", BAD)
    assert r.code == 1
    assert len(r.lines) == 4 and all("record" in line for line in r.lines)


def test_color(cli, project: Path, monkeypatch) -> None:
    assert "\x1b[" in cli("validate", "--color", "always", BAD).out
    assert "\x1b[" not in cli("validate", "--color", "never", BAD, tty=True).out
    assert "\x1b[" in cli("validate", BAD, tty=True).out
    assert "\x1b[" not in cli("validate", BAD, tty=False).out
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli("validate", BAD, tty=True).out


def test_no_config_and_no_contract_is_a_config_error(cli, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    r = cli("validate", "a.json")
    assert r.code == 3
    assert "no --contract given and no config found" in r.err
    assert "Traceback" not in r.err


def test_bad_config_is_a_config_error(cli, project: Path) -> None:
    (project / ".contractgate.yml").write_text("fixtures: [a, b]\n")
    r = cli("validate", GOOD_YAML)
    assert r.code == 3
    assert ".contractgate.yml" in r.err and "'fixtures' must map globs" in r.err
    (project / ".contractgate.yml").write_text("fixtures:\n  a: b\n bad indent\n")
    r = cli("validate", GOOD_YAML)
    assert r.code == 3 and "invalid YAML" in r.err and ".contractgate.yml:3" in r.err


def test_broken_contract_is_reported_with_its_location(cli, project: Path) -> None:
    (project / ORDERS).write_text(
        "version: 1\nname: orders\nontology:\n  entities:\n    - name: a\n      type: strin\n"
    )
    r = cli("validate", GOOD_YAML, GOOD_NDJSON)
    assert r.code == 2
    assert r.lines[0].startswith(f"{ORDERS}:6:13: ")
    assert "invalid contract YAML: " in r.lines[0] and "unknown variant `strin`" in r.lines[0]
    assert "Traceback" not in r.err


def test_missing_file_is_unreadable_input(cli, project: Path) -> None:
    r = cli("validate", "--contract", USER_EVENTS, "nope.json")
    assert r.code == 2
    assert "nope.json: cannot read: No such file or directory [read_error]" in r.out


def test_usage_errors_exit_2(cli, project: Path) -> None:
    r = cli("validate", "--contract", USER_EVENTS)
    assert r.code == 2 and "no event files given" in r.err
    r = cli("validate", "--format", "xml", GOOD_YAML)
    assert r.code == 2 and "invalid choice" in r.err


def test_pyproject_table_is_used_when_there_is_no_yml(cli, project: Path) -> None:
    (project / ".contractgate.yml").unlink()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.contractgate.fixtures]\n'
        f'"examples/fixtures/orders.*" = "{ORDERS}"\n'
    )
    r = cli("validate", "-v", GOOD_YAML, BAD)
    assert r.code == 0
    assert "pyproject.toml" in r.out  # BAD is skipped: no glob in pyproject.toml


def test_config_found_from_a_subdirectory(cli, project: Path, monkeypatch) -> None:
    monkeypatch.chdir(project / "examples")
    r = cli("validate", "fixtures/orders.good.yaml")
    assert r.code == 0 and "1 record in 1 file" in r.out


def test_a_directory_stands_for_its_event_files(cli, project: Path) -> None:
    r = cli("validate", "-v", "examples")
    assert r.code == 1
    assert r.lines[-1].startswith("✗ 4 of 9 records failed in 2 of 4 files")
    r = cli("validate", "--contract", ORDERS, "examples/fixtures", "--format", "json")
    assert [f["file"] for f in r.json()["files"]] == [
        BAD_ORDERS,
        "examples/fixtures/orders.good.yaml",
        BAD,
        GOOD_NDJSON,
    ]


def test_an_empty_fixture_warns_and_fails_with_fail_on_empty(cli, project: Path) -> None:
    empty = "examples/fixtures/user_events.empty.ndjson"
    (project / empty).write_text("\n\n")
    r = cli("validate", empty)
    assert r.code == 0
    assert r.out.strip() == "✓ 0 records in 1 file: all passed (1 file without records)"
    assert r.err == (
        f"contractgate: warning: {empty}: no records to check "
        "(--fail-on-empty makes this an error)\n"
    )
    r = cli("validate", empty, GOOD_YAML, "--fail-on-empty")
    assert r.code == 1
    assert r.lines[0] == f"{empty}: no records to check (--fail-on-empty) [empty_input]"
    assert r.lines[-1] == "✗ 1 file without records"
    r = cli("validate", empty, "--fail-on-empty", "--format", "json")
    doc = r.json()
    assert doc["exit_code"] == 1 and doc["summary"]["files_empty"] == 1
    assert doc["summary"]["files_failed"] == 1
    assert doc["errors"][0]["kind"] == "empty_input"
    r = cli("validate", empty, "--format", "github")
    assert r.code == 0
    assert r.lines[0] == (
        f"::warning file={empty}::{empty}: no records to check "
        "(--fail-on-empty makes this an error)"
    )
    assert cli("validate", "-q", empty).err == ""  # -q: problems only


def test_an_unreadable_file_outranks_violations_in_the_exit_code(cli, project: Path) -> None:
    """Violations exit 1, a file that cannot be checked 2, in either order."""
    for files in ((BAD, "examples/fixtures/missing.ndjson"),
                  ("examples/fixtures/missing.ndjson", BAD)):  # fmt: skip
        r = cli("validate", "--contract", USER_EVENTS, *files)
        assert r.code == 2, files
        assert "1 file could not be checked" in r.lines[-1]


def test_a_quoted_glob_is_expanded(cli, project: Path) -> None:
    # pre-commit passes args: unexpanded; validate expands them itself
    r = cli("validate", "--contract", USER_EVENTS, "examples/fixtures/user_events.*")
    assert r.code == 1
    assert r.lines[-1].startswith("✗ 2 of 6 records failed in 1 of 2 files")
    r = cli("validate", "examples/**/*.yaml", "-v")
    assert f"✓ {GOOD_YAML} → {ORDERS}" in r.out
    r = cli("validate", "--contract", USER_EVENTS, "examples/fixtures/nothing.*")
    assert r.code == 2 and "no file matches 'examples/fixtures/nothing.*'" in r.err


def test_every_contract_has_a_failing_example_fixture(cli, project: Path) -> None:
    """The README promises a passing and a failing fixture per contract."""
    r = cli("validate", "-v", "--format", "json")
    files = {f["file"]: f for f in r.json()["files"]}
    by_contract: dict = {}
    for f in files.values():
        by_contract.setdefault(f["contract"], []).append(f["failed"] > 0)
    assert by_contract == {ORDERS: [True, False], USER_EVENTS: [True, False]}
    r = cli("validate", BAD_ORDERS)
    assert r.lines[:5] == [
        f"{BAD_ORDERS}:5:3: record 1: placed_on: Field 'placed_on' value \"2026-02-30\" is not a "
        "valid calendar date (expected YYYY-MM-DD) [pattern_mismatch]",
        f"{BAD_ORDERS}:6:3: record 1: status: Field 'status' value \"lost\" not in allowed set: "
        '["placed", "paid", "shipped", "cancelled"] [enum_violation]',
        f"{BAD_ORDERS}:7:28: record 1: customer.country: Field 'customer.country' value \"nl\" "
        "does not match required pattern [pattern_mismatch]",
        f"{BAD_ORDERS}:9:20: record 1: items[0].qty: Field 'items[0].qty' value 0 is below "
        "minimum 1 [range_violation]",
        f"{BAD_ORDERS}:11:3: record 2: order_id: Quality uniqueness: duplicate value "
        '"\\"ord_Q7R8S9T0\\"" for field \'order_id\' in batch [uniqueness_violation]',
    ]
