"""Config defects found by a hunt through cli/_config.py, cli/_globs.py and
cli/_minitoml.py: each test failed before its fix (a silent pass, an internal error, or
the built-in TOML reader disagreeing with tomllib)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

import pytest
from cg_cli_testlib import Result, run_module

import contractgate.cli._config as config_module
from contractgate.cli._config import ConfigError, load_config
from contractgate.cli._minitoml import mini_toml_loads

RunCLI = Callable[..., Result]

USER_EVENTS = "contracts/user_events/1.1.0.yaml"
BAD = "examples/fixtures/user_events.bad.json"


def _config(project: Path, text: str) -> None:
    (project / ".contractgate.yml").write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------
# a key of ours given twice in .contractgate.yml (YAML kept the last one, silently)


def test_a_glob_given_twice_is_a_config_error_with_its_line(project: Path) -> None:
    # the fixture passes user_events, so keeping the last mapping (orders) dropped was
    # a pass: the mapping the author wrote first was never applied
    _config(
        project,
        "fixtures:\n"
        '  "examples/fixtures/*.ndjson": contracts/orders.yaml\n'
        f'  "examples/fixtures/*.ndjson": {USER_EVENTS}\n',
    )
    r = run_module(["validate"], cwd=project)
    assert (r.code, r.err.strip()) == (
        3,
        "contractgate: error: .contractgate.yml:3: fixtures['examples/fixtures/*.ndjson'] "
        "is given twice (first on line 2)",
    )


@pytest.mark.parametrize(
    "text, message, line",
    [
        (
            'fixtures:\n  "a/*": c.yaml\ncontracts: ["c/*"]\nfixtures:\n  "b/*": d.yaml\n',
            "'fixtures' is given twice (first on line 1)",
            4,
        ),
        (
            "breaking:\n  require: minor\n  require: never\n",
            "breaking['require'] is given twice (first on line 2)",
            3,
        ),
        (
            'fixtures:\n  "a/*": {contract_id: x, contract_id: y}\n',
            "fixtures['a/*']['contract_id'] is given twice (first on line 2)",
            2,
        ),
    ],
)
def test_keys_of_ours_given_twice(tmp_path: Path, text: str, message: str, line: int) -> None:
    path = tmp_path / ".contractgate.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(str(path))
    assert (exc.value.message, exc.value.line, exc.value.code) == (message, line, 3)


def test_the_gateway_clis_own_keys_are_not_ours_to_judge(tmp_path: Path) -> None:
    path = tmp_path / ".contractgate.yml"
    path.write_text(
        "base_url: http://a\nbase_url: http://b\n"
        'defaults: &d {"x/*": c.yaml}\n'
        'fixtures:\n  <<: *d\n  "y/*": c.yaml\n'
    )
    cfg = load_config(str(path))
    assert cfg is not None and [r.glob for r in cfg.fixtures] == ["y/*", "x/*"]


# --------------------------------------------------------------------------------------
# globs no file path can match: '..', '.', empty segments (silently matched nothing)


@pytest.mark.parametrize(
    "glob, hint",
    [
        (
            "../proj/examples/fixtures/user_events.*",
            "globs are relative to the config file's folder and cannot leave it with '..'",
        ),
        (
            "examples/./fixtures/user_events.*",
            "no path has an empty or '.' segment: 'examples/fixtures/user_events.*'",
        ),
        (
            "examples//fixtures/user_events.*",
            "no path has an empty or '.' segment: 'examples/fixtures/user_events.*'",
        ),
        ("examples/**/../fixtures/*.json", "cannot leave it with '..'"),
    ],
)
def test_a_fixture_glob_no_path_can_match_is_a_config_error(
    project: Path, glob: str, hint: str
) -> None:
    assert project.name == "proj"  # so that '../proj/...' names the fixtures
    _config(project, f'fixtures:\n  "{glob}": {USER_EVENTS}\n')
    r = run_module(["validate"], cwd=project)
    assert r.code == 3, (r.out, r.err)  # was 0: "no fixture files to check"
    assert r.err.startswith(
        f"contractgate: error: .contractgate.yml: fixtures: the glob {glob!r} can never "
        "match a file ("
    )
    assert hint in r.err


def test_a_contracts_glob_no_path_can_match_is_a_config_error(project: Path) -> None:
    _config(project, 'contracts: ["contracts/../contracts/*.yaml"]\n')
    r = run_module(["check-contracts"], cwd=project)
    assert r.code == 3, (r.out, r.err)  # was 0 with "no contracts found"
    assert "contracts: the glob 'contracts/../contracts/*.yaml' can never match" in r.err


# --------------------------------------------------------------------------------------
# Windows separators in config globs (matched nothing, on every system)


@pytest.mark.parametrize(
    "glob", ["examples\\fixtures\\user_events.*", "examples\\fixtures/user_events.*"]
)
def test_a_glob_written_with_backslashes_maps_its_fixtures(project: Path, glob: str) -> None:
    _config(project, f"fixtures:\n  '{glob}': {USER_EVENTS}\n")
    r = run_module(["validate"], cwd=project)
    assert r.code == 1, (r.out, r.err)  # user_events.bad.json fails; was 0, nothing checked
    assert BAD in r.out
    assert r.out.splitlines()[-1].startswith("✗ 2 of 6 records failed in 1 of 2 files")
    r = run_module(["validate", BAD], cwd=project)
    assert r.code == 1, (r.out, r.err)


# --------------------------------------------------------------------------------------
# files named through a symbolic link ($PWD in a linked folder): silently skipped


@pytest.fixture
def linked(project: Path) -> Path:
    link = project.parent / "linked"
    try:
        link.symlink_to(project, target_is_directory=True)
    except (OSError, NotImplementedError):  # pragma: no cover - Windows without rights
        pytest.skip("no symbolic links here")
    return link


def test_a_fixture_named_through_a_symlink_is_validated(project: Path, linked: Path) -> None:
    r = run_module(["validate", str(linked / BAD)], cwd=project)
    assert r.code == 1, (r.out, r.err)  # was 0: "skipped … (no glob … matches it)"
    assert "record 2: user_id" in r.out


def test_a_config_named_through_a_symlink_maps_the_fixtures(project: Path, linked: Path) -> None:
    r = run_module(["validate", "--config", str(linked / ".contractgate.yml"), BAD], cwd=project)
    assert r.code == 1, (r.out, r.err)
    r = run_module(["validate", BAD], cwd=linked)  # cwd through the link, paths relative
    assert r.code == 1, (r.out, r.err)


def test_a_contract_named_through_a_symlink_checks_its_fixtures(
    project: Path, linked: Path
) -> None:
    # pre-commit style: only the contract changed, and it stands for its fixtures
    r = run_module(["validate", "-v", str(linked / USER_EVENTS)], cwd=project)
    assert r.code == 1, (r.out, r.err)  # was 0: skipped as a file no glob matches
    assert "is a contract: checking its 2 fixtures" in r.err + r.out
    r = run_module(["validate", "-v", str(linked / ".contractgate.yml")], cwd=project)
    assert r.code == 1, (r.out, r.err)
    assert "changed: checking every mapped fixture" in r.err + r.out


# --------------------------------------------------------------------------------------
# a file on another drive (Windows): os.path.relpath raises ValueError


def test_a_file_on_another_drive_is_no_internal_error(
    cli: RunCLI, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "D"
    other.mkdir()
    (other / "x.json").write_text('{"user_id": "u"}\n')
    real_relpath = os.path.relpath

    def relpath(path: Any, start: Any = os.curdir) -> str:
        # as ntpath.relpath: paths on two drives have no relative path
        if str(path).startswith(str(other)) != os.path.abspath(start).startswith(str(other)):
            raise ValueError("path is on mount 'D:', start on mount 'C:'")
        return real_relpath(path, start)

    monkeypatch.setattr(os.path, "relpath", relpath)
    r = cli("validate", "-v", str(other / "x.json"), BAD)
    assert r.code == 1, r.err  # was 70: internal error: ValueError
    assert "internal error" not in r.err
    assert "no glob in .contractgate.yml matches it" in r.err + r.out


# --------------------------------------------------------------------------------------
# the built-in TOML reader against tomllib


def _tomllib(text: str) -> Optional[Dict[str, Any]]:
    if sys.version_info < (3, 11):
        return None
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {"error": True}


H = "[tool.contractgate]\n"

#: valid TOML the built-in reader refused, and invalid TOML it read
TOML_CASES: Dict[str, Tuple[str, Any]] = {
    # up to two quotes before the closing ones are part of a multi-line string
    "two quotes before the closing ones": (H + "contracts = ['''a/*''''']\n", ["a/*''"]),
    "one quote before the closing ones": (H + 'contracts = ["""a/*""""]\n', ['a/*"']),
    "a description ending in a quote, in another table": (
        '[project]\ndescription = """Say "hi""""\n' + H + 'contracts = ["c/*"]\n',
        ["c/*"],
    ),
    "an escaped quote before quotes, in another table": (
        '[project]\ndescription = """a \\""" b"""\n' + H + 'contracts = ["c/*"]\n',
        ["c/*"],
    ),
    # invalid: read as something before
    "a trailing comma in an inline table": (H + 'fixtures = {"a/*" = "c.yaml",}\n', None),
    "a table made by dotted keys, then a header": (
        H + 'fixtures."a/*" = "c.yaml"\n[tool.contractgate.fixtures]\n"b/*" = "d.yaml"\n',
        None,
    ),
    "a header's table, then dotted keys from above": (
        '[tool.contractgate.fixtures]\n"a/*" = "c.yaml"\n[tool]\n'
        'contractgate.fixtures."b/*" = "d.yaml"\n',
        None,
    ),
    "our table made by dotted keys in [tool], then its header": (
        '[tool]\ncontractgate.contracts = ["a"]\n[tool.contractgate]\nfixtures = {}\n',
        None,
    ),
}


@pytest.mark.parametrize("text, contracts", list(TOML_CASES.values()), ids=list(TOML_CASES))
def test_the_fallback_reader_agrees_with_tomllib(text: str, contracts: Any) -> None:
    full = _tomllib(text)
    if contracts is None:
        assert full in (None, {"error": True})
        with pytest.raises(ValueError, match=r"\(at line \d+, column \d+\)"):
            mini_toml_loads(text)
        return
    mini = mini_toml_loads(text)["tool"]["contractgate"]
    assert mini["contracts"] == contracts
    if full is not None:
        assert mini == full["tool"]["contractgate"]


def test_a_pyproject_with_a_quoted_description_works_with_the_fallback_reader(
    cli: RunCLI, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config_module, "_toml_loads", lambda: mini_toml_loads)
    (project / ".contractgate.yml").unlink()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\ndescription = """Checks "events""""\n\n'
        "[tool.contractgate.fixtures]\n"
        f'"examples/fixtures/user_events.*" = "{USER_EVENTS}"\n'
    )
    r = cli("validate")
    assert r.code == 1, r.err  # was 3: invalid TOML: unterminated string
    assert BAD in r.out
