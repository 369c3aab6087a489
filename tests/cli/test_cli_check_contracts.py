"""``contractgate check-contracts`` (and ``--strict`` against the JSON Schema)."""

from __future__ import annotations

from pathlib import Path

from cg_cli_testlib import ORDERS, USER_EVENTS

GOOD = """\
version: "1.0.0"
name: demo
ontology:
  entities:
    - name: user_id
      type: string
      required: true
"""


def write(project: Path, name: str, text: str) -> str:
    path = project / "contracts" / name
    path.write_text(text)
    return f"contracts/{name}"


def test_good_contracts_pass(cli, project: Path) -> None:
    r = cli("check-contracts", ORDERS, USER_EVENTS, "-v")
    assert r.code == 0, r.out + r.err
    assert f"✓ {ORDERS} (orders 2.0.0)" in r.out
    assert r.lines[-1] == "✓ 2 contracts OK"


def test_without_files_checks_every_contract_of_the_contracts_folder(cli, project: Path) -> None:
    # The README's config: a 'fixtures' mapping and no 'contracts' globs. Contracts no
    # fixture maps to are checked too (they used to be skipped: "✓ 2 contracts OK").
    for n in range(3):
        write(project, f"broken{n}.yaml", GOOD.replace("type: string", "type: strin"))
    r = cli("check-contracts", "--strict", "-v")
    assert r.code == 1, r.out
    for n in range(3):
        assert f"contracts/broken{n}.yaml:6:13: YAML parse error: " in r.out
    assert "✓ contracts/user_events/1.0.0.yaml (user_events 1.0.0)" in r.out
    assert "_gateway.yaml" not in r.out  # the local gateway's registry is not a contract
    assert r.lines[-1] == "✗ 3 of 6 contracts failed (strict): 3 errors"


def test_without_files_a_contract_mapped_outside_the_folder_is_checked(cli, project: Path) -> None:
    (project / "schemas").mkdir()
    (project / "schemas" / "clicks.yaml").write_text(GOOD)
    cfg = project / ".contractgate.yml"
    cfg.write_text(cfg.read_text() + '  "clicks/*.json": schemas/clicks.yaml\n')
    r = cli("check-contracts", "-v")
    assert r.code == 0
    assert "✓ schemas/clicks.yaml (demo 1.0.0)" in r.out
    assert r.lines[-1] == "✓ 4 contracts OK"


def test_contracts_globs_of_the_config_decide(cli, project: Path) -> None:
    write(project, "broken.yaml", GOOD.replace("type: string", "type: strin"))
    (project / ".contractgate.yml").write_text(
        (project / ".contractgate.yml").read_text() + 'contracts:\n  - "contracts/*.yaml"\n'
    )
    r = cli("check-contracts", "-v")
    assert r.code == 1
    assert "contracts/broken.yaml:6:13:" in r.out
    assert "contracts/user_events/1.0.0.yaml" not in r.out  # not named by the glob
    assert r.lines[-1] == "✗ 1 of 2 contracts failed: 1 error"


def test_a_directory_stands_for_its_contracts(cli, project: Path) -> None:
    r = cli("check-contracts", "contracts/", "-v")
    assert r.code == 0, r.out + r.err
    assert "contract file is a directory" not in r.out
    assert "skipped contracts/_gateway.yaml" in r.out
    assert r.lines[-1] == "✓ 3 contracts OK"
    r = cli("check-contracts", "contracts/user_events")
    assert (r.code, r.lines[-1]) == (0, "✓ 2 contracts OK")
    r = cli("check-contracts", "contracts/*/1.*.yaml")  # a quoted glob (pre-commit args)
    assert (r.code, r.lines[-1]) == (0, "✓ 2 contracts OK")
    r = cli("check-contracts", "contracts/nothing-*.yaml")
    assert r.code == 2 and "no file matches 'contracts/nothing-*.yaml'" in r.err
    # a folder holding no contract checks nothing: a usage error, as for a glob (it
    # printed "✓ 0 contracts OK"); so for event files given to validate
    (project / "empty" / ".hidden").mkdir(parents=True)
    (project / "empty" / "notes.txt").write_text("x")
    (project / "empty" / ".hidden" / "c.yaml").write_text("x")
    r = cli("check-contracts", "empty")
    assert r.code == 2
    assert "contractgate: error: empty: no .yaml or .yml file in this folder" in r.err
    assert r.out == ""
    r = cli("validate", "--contract", "contracts/orders.yaml", "empty", "contracts/user_events")
    assert r.code == 2
    assert "empty: no .json, .jsonl, .ndjson, .yaml or .yml file in this folder" in r.err


def test_gateway_registry_file_is_skipped(cli, project: Path) -> None:
    r = cli("check-contracts", "contracts/_gateway.yaml", ORDERS, "-v")
    assert r.code == 0
    assert "skipped contracts/_gateway.yaml" in r.out


def test_yaml_error_names_file_line_and_column(cli, project: Path) -> None:
    path = write(project, "bad.yaml", GOOD.replace("required: true", "required: yes"))
    r = cli("check-contracts", path, ORDERS)
    assert r.code == 1
    assert r.lines[0] == (
        f"{path}:7:17: YAML parse error: ontology.entities[0].required: invalid type: "
        'string "yes", expected a boolean [yaml_error]'  # one position: the finding's own
    )
    assert r.lines[-1] == "✗ 1 of 2 contracts failed: 1 error"


def test_syntax_error(cli, project: Path) -> None:
    path = write(project, "syntax.yaml", "version: 1\nname: [unclosed\n")
    r = cli("check-contracts", path)
    assert r.code == 1
    assert r.lines[0].startswith(f"{path}:")
    assert "YAML parse error: " in r.lines[0]


def test_compile_error(cli, project: Path) -> None:
    path = write(
        project,
        "regex.yaml",
        GOOD.replace("required: true", 'pattern: "(unclosed"'),
    )
    r = cli("check-contracts", path)
    assert r.code == 1
    # the regex error carries no position: the pattern's line and column are looked up
    assert r.lines[0].startswith(f"{path}:7:16: user_id: compile error: Invalid regex '(unclosed'")
    assert r.lines[0].endswith("[compile_error]")
    assert "    error: unclosed group" in r.lines  # the engine's caret diagram, indented


def test_transform_on_non_string_is_a_compile_error(cli, project: Path) -> None:
    text = GOOD.replace("type: string", "type: float").replace(
        "required: true", "transform:\n        kind: hash"
    )
    path = write(project, "transform.yaml", text)
    r = cli("check-contracts", path)
    assert r.code == 1
    assert "declares a PII transform but has type 'Float'" in r.out


def test_missing_file_exits_2(cli, project: Path) -> None:
    r = cli("check-contracts", "contracts/nope.yaml")
    assert r.code == 2
    assert "contracts/nope.yaml: contract file does not exist [read_error]" in r.out


def test_strict_reports_typos_with_their_line(cli, project: Path) -> None:
    text = GOOD.replace("required: true", "requried: false\n      allowed_values: [a]")
    path = write(project, "typo.yaml", text)
    assert cli("check-contracts", path).code == 0  # the engine ignores unknown keys
    r = cli("check-contracts", "--strict", path)
    assert r.code == 1
    assert r.lines[0] == (
        f"{path}:7:7: ontology.entities[0].requried: unknown key 'requried' "
        "(did you mean 'required'?) — the gateway ignores it silently [unknown_key]"
    )
    assert r.lines[1].startswith(f"{path}:8:7: ontology.entities[0].allowed_values: unknown key")
    assert r.lines[-1] == "✗ 1 of 1 contract failed (strict): 2 errors"


def test_strict_reports_wrong_types_and_values(cli, project: Path) -> None:
    text = (
        'version: "1"\nname: x\ntypo_top: 1\nontology:\n  entities:\n'
        "    - name: a\n      type: string\n      min_length: -1\n"
        "      transform: {kind: masc}\n"
        "quality:\n  - {field: a, type: freshness, max_age_seconds: 10}\n"
    )
    path = write(project, "types.yaml", text)
    r = cli("check-contracts", "--strict", "--format", "json", path)
    doc = r.json()
    assert r.code == 1 and doc["strict"] is True
    found = {(e["line"], e["kind"], e["field"]) for e in doc["errors"]}
    # min_length: -1 is an engine error (usize); transform kind too: reported once each
    assert (3, "unknown_key", "typo_top") in found
    assert any(e["kind"] == "yaml_error" for e in doc["errors"])


def test_strict_passes_the_example_contracts(cli, project: Path) -> None:
    r = cli("check-contracts", "--strict", ORDERS, USER_EVENTS, "contracts/user_events/1.0.0.yaml")
    assert r.code == 0, r.out
    assert r.lines[-1] == "✓ 3 contracts OK (strict)"


def test_json_and_github_formats(cli, project: Path) -> None:
    path = write(project, "bad.yaml", GOOD.replace("type: string", "type: String"))
    r = cli("check-contracts", "--format", "json", path, ORDERS)
    doc = r.json()
    assert doc["command"] == "check-contracts" and doc["exit_code"] == 1
    assert doc["summary"] == {"contracts": 2, "passed": 1, "failed": 1, "errors": 1}
    assert doc["errors"][0]["file"] == path and doc["errors"][0]["line"] == 6
    r = cli("check-contracts", "--format", "github", path)
    assert r.lines[0].startswith(
        f"::error file={path},line=6,col=13,title=contractgate%3A yaml_error::"
    )


def test_no_files_and_no_config_is_a_usage_error(cli, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    r = cli("check-contracts")
    assert r.code == 2
    assert "no contract files given, no contracts/ directory and no config found" in r.err


def test_no_config_checks_the_repository_contracts_folder(cli, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "a.yml").write_text(GOOD)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # found from below, at the repository root
    r = cli("check-contracts", "-v")
    assert r.code == 0
    shown = (tmp_path / "contracts" / "a.yml").resolve()  # above the cwd: shown absolute
    assert f"✓ {shown} (demo 1.0.0)" in r.out


def test_files_pre_commit_passes_are_filtered_by_the_contracts_globs(cli, project: Path) -> None:
    (project / ".contractgate.yml").write_text(
        (project / ".contractgate.yml").read_text() + 'contracts:\n  - "contracts/*.yaml"\n'
    )
    (project / "notes.yaml").write_text("just: notes\n")
    r = cli("check-contracts", ORDERS, "notes.yaml", "-v")
    assert r.code == 0, r.out + r.err
    assert "skipped notes.yaml (not a contract according to .contractgate.yml)" in r.out
    assert r.lines[-1] == "✓ 1 contract OK"


def test_a_broken_config_hides_no_file_given(cli, project: Path) -> None:
    """pre-commit passes files: a broken config must not stop them being checked, unless
    it was asked for by --config, which then fails loudly."""
    (project / ".contractgate.yml").write_text("fixtures: [\n")
    r = cli("check-contracts", ORDERS)
    assert r.code == 0, r.err
    assert r.lines[-1] == "✓ 1 contract OK"
    r = cli("check-contracts", "--config", ".contractgate.yml", ORDERS)
    assert r.code == 3 and ".contractgate.yml:2: invalid YAML" in r.err and r.out == ""


def test_quiet_prints_nothing_when_everything_passes(cli, project: Path) -> None:
    assert cli("check-contracts", "-q", ORDERS).out == ""
    write(project, "broken.yaml", GOOD.replace("type: string", "type: strin"))
    r = cli("check-contracts", "-q", ORDERS, "contracts/broken.yaml")
    assert r.code == 1
    assert r.lines == [r.lines[0]] and r.lines[0].startswith("contracts/broken.yaml:6:13: ")


def test_an_empty_contracts_folder_is_named_in_the_warning(
    cli, tmp_path: Path, monkeypatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "contracts").mkdir()
    monkeypatch.chdir(tmp_path)
    r = cli("check-contracts")
    assert r.code == 0
    assert "contractgate: warning: no contracts found in contracts/" in r.err
