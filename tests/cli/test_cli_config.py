"""The config: globs, lookup, .contractgate.yml / pyproject.toml, the TOML fallback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from contractgate.cli._config import ConfigError, find_config, load_config
from contractgate.cli._globs import glob_to_regex
from contractgate.cli._minitoml import mini_toml_loads


@pytest.mark.parametrize(
    "glob, path, matches",
    [
        ("examples/fixtures/user_events.*", "examples/fixtures/user_events.bad.json", True),
        ("examples/fixtures/user_events.*", "examples/fixtures/sub/user_events.x", False),
        ("examples/**/*.json", "examples/a.json", True),
        ("examples/**/*.json", "examples/a/b/c.json", True),
        ("examples/**", "examples/a/b", True),
        ("*.ndjson", "deep/down/x.ndjson", True),  # no slash: any depth
        ("/x.json", "x.json", True),
        ("/x.json", "a/x.json", False),
        ("./fixtures/?.json", "fixtures/a.json", True),
        ("fixtures/[ab].json", "fixtures/b.json", True),
        ("fixtures/[!ab].json", "fixtures/b.json", False),
        ("fixtures/*.json", "fixtures/a.yaml", False),
        # classes as fnmatch reads them: a leading "]" is a member, an unclosed "[" is
        # itself, and no character of a class is regex syntax (these raised re.error)
        ("f/[]a].json", "f/].json", True),
        ("f/[]a].json", "f/a.json", True),
        ("f/[!]a].json", "f/].json", False),
        ("f/[!]a].json", "f/b.json", True),
        ("f/x[].json", "f/x[].json", True),
        ("f/[[]x.json", "f/[x.json", True),
        ("f/[&&~]x.json", "f/~x.json", True),
        ("f/[a-].json", "f/-.json", True),
        ("f/[^a].json", "f/a.json", False),
        ("f/a[b.json", "f/a[b.json", True),
    ],
)
def test_globs(glob: str, path: str, matches: bool) -> None:
    assert bool(glob_to_regex(glob).match(path)) is matches


def test_lookup_walks_up_and_stops_at_the_repo_root(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    repo = outer / "repo"
    deep = repo / "a" / "b"
    deep.mkdir(parents=True)
    (outer / ".contractgate.yml").write_text("fixtures: {}\n")
    (repo / ".git").mkdir()
    assert find_config(str(deep)) is None  # the outer file is beyond the repo root
    (repo / "pyproject.toml").write_text("[project]\nname='x'\n")
    assert find_config(str(deep)) is None  # no [tool.contractgate] table
    (repo / "pyproject.toml").write_text("[tool.contractgate]\ncontracts = []\n")
    assert find_config(str(deep)) == str(repo / "pyproject.toml")
    (repo / "a" / ".contractgate.yaml").write_text("fixtures: {}\n")
    assert find_config(str(deep)) == str(repo / "a" / ".contractgate.yaml")


def test_mapping_is_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "fx").mkdir()
    (tmp_path / "fx" / "a.json").write_text("{}")
    (tmp_path / "fx" / "b.json").write_text("{}")
    cfg_path = tmp_path / ".contractgate.yml"
    cfg_path.write_text(
        'fixtures:\n  "fx/a.*": c/one.yaml\n  "fx/*": c/two.yaml\ncontracts: ["c/*.yaml"]\n'
    )
    cfg = load_config(str(cfg_path))
    assert cfg is not None
    assert cfg.contract_for(str(tmp_path / "fx" / "a.json")) == str(tmp_path / "c" / "one.yaml")
    assert cfg.contract_for(str(tmp_path / "fx" / "b.json")) == str(tmp_path / "c" / "two.yaml")
    assert cfg.contract_for(str(tmp_path / "elsewhere.json")) is None
    assert cfg.contract_for("/definitely/outside.json") is None
    assert cfg.fixture_files(str(tmp_path / "c" / "two.yaml")) == [str(tmp_path / "fx" / "b.json")]
    assert cfg.is_contract(str(tmp_path / "c" / "three.yaml"))


@pytest.mark.parametrize(
    "text, message",
    [
        ("[1, 2]\n", "must be a mapping"),
        ("fixtures: [a]\n", "'fixtures' must map globs"),
        ("fixtures:\n  a: [x]\n", "must be a contract file path"),
        ("contracts: {a: b}\n", "'contracts' must be a list of globs"),
        ("fixtures: {a: b\n", "invalid YAML"),
    ],
)
def test_config_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".contractgate.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(str(path))
    assert message in exc.value.message
    assert exc.value.code == 3


PYPROJECT = '''\
[project]
name = "demo"
description = """a [tool.contractgate] look-alike inside a string
[tool.contractgate.fixtures]
"x" = "y"
"""
dependencies = [
  "a>=1",  # comment
  "b[extra]",
]

[tool.other]
x = { a = 1, "b" = [1, 2] }

[tool.contractgate]
contracts = ["contracts/**/*.yaml", 'literal\\path'] # trailing comment
fail_fast = true
extra.dotted = "value"

[tool.contractgate.fixtures]
"examples/fixtures/user_events.*" = "contracts/user_events/1.1.0.yaml"
'examples/orders.*' = "contracts/orders.yaml"
"esc\\u00e9\\t" = "x"

[[tool.contractgate.arrays]]
ignored = 1
'''


def test_mini_toml_matches_tomllib() -> None:
    mini = mini_toml_loads(PYPROJECT)["tool"]["contractgate"]
    if sys.version_info >= (3, 11):
        import tomllib

        full = tomllib.loads(PYPROJECT)["tool"]["contractgate"]
        full.pop("arrays")
        assert mini == full
    assert mini["fixtures"]["examples/orders.*"] == "contracts/orders.yaml"
    assert mini["extra"] == {"dotted": "value"}
    assert mini["fixtures"]["esc\u00e9\t"] == "x"
    assert mini["contracts"] == ["contracts/**/*.yaml", "literal\\path"]


def test_pyproject_config_with_the_fallback_reader(tmp_path: Path, monkeypatch) -> None:
    import contractgate.cli._config as config_module

    monkeypatch.setattr(config_module, "_toml_loads", lambda: mini_toml_loads)
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT)
    cfg = load_config(str(path))
    assert cfg is not None
    assert next(r.glob for r in cfg.fixtures) == "examples/fixtures/user_events.*"
    path.write_text("[tool.contractgate]\nfixtures = 3\n")
    with pytest.raises(ConfigError):
        load_config(str(path))


def test_a_glob_argument_with_an_odd_class(cli, project) -> None:
    (project / "examples" / "fixtures" / "a].json").write_text("{}")
    r = cli("validate", "--contract", "contracts/orders.yaml", "examples/fixtures/a[]].json")
    assert r.code == 1, r.err  # the file was found and checked ({} fails orders)
    assert "internal error" not in r.err and "a].json" in r.out
