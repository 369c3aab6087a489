"""Edge cases of the config reading: the built-in TOML reader against ``tomllib``, glob
classes, the pyproject lookup and globs that can never match (found by adversarial
inputs and a mutation sweep of cli/_config.py, cli/_minitoml.py and cli/_globs.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from cg_cli_testlib import Result, run_module

import contractgate.cli._config as config_module
from contractgate.cli._config import ConfigError, find_config, load_config
from contractgate.cli._globs import expand_glob, glob_to_regex, walk_globs
from contractgate.cli._minitoml import MiniTomlError, mini_toml_loads

H = "[tool.contractgate]\n"


def _tomllib_loads(text: str) -> Optional[Dict[str, Any]]:
    """What tomllib reads (None before Python 3.11: no reference to compare with)."""
    if sys.version_info < (3, 11):
        return None
    import tomllib

    return tomllib.loads(text)


def _use_the_fallback_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    # On Python 3.11+ tomllib always wins, so the built-in reader is only reached this way.
    monkeypatch.setattr(config_module, "_toml_loads", lambda: mini_toml_loads)


# --------------------------------------------------------------------------------------
# the built-in TOML reader


INVALID_TOML = {
    # each of these raised a TypeError/ValueError (an internal error of the CLI) or was
    # read silently into something else
    "table over a string": H + 'fixtures = "x"\n[tool.contractgate.fixtures]\n"a" = "b"\n',
    "dotted key over an integer": H + "a = 1\na.b = 2\n",
    "dotted key over an array": H + "a = [1]\na.b = 2\n",
    "dotted key over a key of an inline table": H + "a = {b = 1, b.c = 2}\n",
    "header into an inline table": H + 'fixtures = {a = "b"}\n[tool.contractgate.fixtures]\n',
    "duplicate key": H + 'contracts = ["a"]\ncontracts = ["b"]\n',
    "duplicate key in an inline table": H + "x = {a = 1, a = 2}\n",
    "table declared twice": H + 'contracts = ["a"]\n[tool.contractgate]\nfixtures = {}\n',
    "two statements on a line": H + 'contracts = ["a"] fixtures = {}\n',
    "text after a header": H + "[tool.other] junk\nx = 1\n",
    "unbalanced header": H + 'contracts = ["a"]\n[tool.other]]\nx = 1\n',
    "space inside a header key": '[tool.contractgate fixtures]\n"a" = "b"\n',
    "empty header": "[]\nx = 1\n",
    "an underscore for a number": H + "x = _\n",
    "a sign alone": H + "x = +_\n",
    "double underscore in a number": H + "x = 1__2\n",
    "leading zero": H + "x = 012\n",
    "trailing underscore": H + "x = 1_\n",
    "bad \\u escape": H + 'x = "\\uZZZZ"\n',
    "short \\u escape": H + 'x = "\\u00"\n',
    "\\U beyond Unicode": H + 'x = "\\U11000000"\n',
    "\\u surrogate": H + 'x = "\\ud800"\n',
    "unterminated multi-line string in another table": (
        '[tool.other]\nx = """abc\n' + H + 'contracts = ["a"]\n'
    ),
    "array of tables for the whole table": '[[tool.contractgate]]\ncontracts = ["a"]\n',
    "array of tables above ours": '[[tool]]\n[tool.contractgate]\ncontracts = ["a"]\n',
    "a lone carriage return": H + "x = 1\ry = 2\n",
    "an escaped quote before the closing quotes": H + 'x = """a\\"""\n',
}


@pytest.mark.parametrize("text", list(INVALID_TOML.values()), ids=list(INVALID_TOML))
def test_the_fallback_reader_refuses_invalid_toml_with_a_position(text: str) -> None:
    with pytest.raises(MiniTomlError) as exc:
        mini_toml_loads(text)
    assert "(at line " in str(exc.value)
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return
        # valid TOML that our config cannot be: [[tool.contractgate]] makes it a list
        tool = doc["tool"]
        assert not isinstance(tool, dict) or not isinstance(tool["contractgate"], dict)


VALID_TOML = {
    "quoted header key with a bracket": (
        H + 'contracts = ["a"]\n[tool.contractgate.fixtures."x]"]\n"a" = "b"\n'
    ),
    "quoted table name": '[tool."contractgate"]\ncontracts = ["a"]\n',
    "dotted keys in [tool]": '[tool]\ncontractgate.contracts = ["a"]\nother = 1.5\n',
    "inline table in [tool]": '[tool]\ncontractgate = {contracts = ["a"]}\n',
    "dotted keys at the top": 'tool.contractgate.contracts = ["a"]\nname = 1.5\n',
    "inline table at the top": 'tool = {contractgate = {contracts = ["a"]}}\n',
    "super-table after its sub-table": (
        '[tool.contractgate.fixtures]\n"a" = "b"\n[tool.contractgate]\ncontracts = []\n'
    ),
    "CRLF line ends": H.replace("\n", "\r\n")
    + 'contracts = ["a"] # c\r\n[tool.contractgate.fixtures]\r\n"a" = "b"\r\n',
    "multi-line literal string after CRLF": H + "x = '''\r\nab'''\r\n",
    "numbers": H + "x = [0, -5, +1_000, 12]\n",
    "comment after a header and a value": H + "# c\nx = 1 # c\n[tool.x] # c\ny = 2.5\n",
    "sub-table of ours after another table": (
        '[tool.other]\nv = 2024-01-01\n[tool.contractgate.fixtures]\n"a" = "b"\n'
    ),
}


@pytest.mark.parametrize("text", list(VALID_TOML.values()), ids=list(VALID_TOML))
def test_the_fallback_reader_reads_our_table_as_tomllib_does(text: str) -> None:
    mini = mini_toml_loads(text)["tool"].get("contractgate")
    assert mini is not None
    full = _tomllib_loads(text)
    if full is not None:
        assert mini == full["tool"]["contractgate"]


def test_what_the_fallback_reader_finds_in_our_table() -> None:
    # the same expectations, where no tomllib is there to compare with
    assert mini_toml_loads(VALID_TOML["quoted header key with a bracket"])["tool"] == {
        "contractgate": {"contracts": ["a"], "fixtures": {"x]": {"a": "b"}}}
    }
    assert mini_toml_loads(VALID_TOML["dotted keys in [tool]"]) == {
        "tool": {"contractgate": {"contracts": ["a"]}}
    }
    assert mini_toml_loads(VALID_TOML["inline table at the top"]) == {
        "tool": {"contractgate": {"contracts": ["a"]}}
    }
    assert mini_toml_loads(VALID_TOML["multi-line literal string after CRLF"]) == {
        "tool": {"contractgate": {"x": "ab"}}
    }
    assert mini_toml_loads(VALID_TOML["numbers"])["tool"]["contractgate"]["x"] == [
        0,
        -5,
        1000,
        12,
    ]
    assert mini_toml_loads(H + 'x = "\\u00e9\\U0001F600"\n')["tool"]["contractgate"] == {
        "x": "\u00e9\U0001f600"
    }


@pytest.mark.parametrize(
    "value, word",
    [
        ("1.5", "1.5"),
        ("2024-01-01", "2024-01-01"),
        ("0x10", "0x10"),
        ("1e5", "1e5"),
        ("inf", "inf"),
        ("[1, 2.5]", "2.5"),
        ("{a = 07:32:00}", "07:32:00"),
    ],
)
def test_the_fallback_reader_names_a_value_it_does_not_support(value: str, word: str) -> None:
    with pytest.raises(MiniTomlError) as exc:
        mini_toml_loads(H + "contracts = []\nx = " + value + "\n")
    assert str(exc.value).startswith(f"unsupported value {word!r}")
    assert "(at line 3, column " in str(exc.value)


@pytest.mark.parametrize(
    "text, message",
    [
        (H + "x = 1\nx = 2\n", "tool.contractgate.x is defined twice (at line 3, column 1)"),
        (
            H + "[tool.contractgate]\n",
            "table [tool.contractgate] is declared twice (at line 2, column 1)",
        ),
        (
            H + "a = 1\na.b = 2\n",
            "cannot add keys to tool.contractgate.a, a value (at line 3, column 1)",
        ),
        (H + "x = 1 y\n", "expected the end of the line (at line 2, column 7)"),
        (H + "x\n", "expected '=' after a key (at line 2, column 2)"),
        (H + "x = \n", "missing value (at line 2, column 5)"),
        (H + 'x = "a\\qb"\n', "bad escape '\\q' (at line 2, column 7)"),
        (H + 'x = "\\u12G4"\n', "bad escape '\\u12G4' (at line 2, column 6)"),
        (H + 'x = "abc\n', "unterminated string (at line 2, column 5)"),
        (H + "x = [1 2]\n", "expected ',' or ']' (at line 2, column 8)"),
        (H + "x = {a = 1 b = 2}\n", "expected ',' or '}' (at line 2, column 12)"),
        (
            H + "x = 1\n[tool.contractgate.x]\n",
            "cannot add keys to tool.contractgate.x, a value (at line 3, column 1)",
        ),
        (
            "[[tool.contractgate]]\n",
            "[tool.contractgate] must be a table, not an array of tables (at line 1, column 1)",
        ),
        (
            "[tool.contractgate\n",
            "expected ']' at the end of a table header (at line 1, column 19)",
        ),
        ("[[tool.x]\n", "expected ']]' at the end of a table header (at line 1, column 9)"),
        ("[tool]\n.x = 1\n", "bad key (at line 2, column 1)"),
    ],
)
def test_the_fallback_reader_messages(text: str, message: str) -> None:
    with pytest.raises(MiniTomlError) as exc:
        mini_toml_loads(text)
    assert str(exc.value) == message


def test_the_fallback_reader_skips_other_tables_and_arrays_of_tables_below_ours() -> None:
    text = (
        'top = "level"\n[project]\nname = "x"\nv = 1.5\nd = """\n[tool.contractgate]\n"""\n'
        "[[tool.contractgate.arrays]]\nignored = 2.5\n[tool.other]\nx = [1.5, {a = 1979-05-27}]\n"
        + H
        + 'contracts = ["a"]\n'
    )
    assert mini_toml_loads(text) == {"tool": {"contractgate": {"contracts": ["a"]}}}
    assert mini_toml_loads("[tool]\nx = 1.5\n") == {"tool": {}}
    assert mini_toml_loads("[tool.contractgate]\n") == {"tool": {"contractgate": {}}}


def test_a_fallback_reader_error_is_a_config_error_of_the_cli(
    cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_the_fallback_reader(monkeypatch)
    (project / ".contractgate.yml").unlink()
    (project / "pyproject.toml").write_text(
        '[tool.contractgate]\nfixtures = "x"\n[tool.contractgate.fixtures]\n"a" = "b"\n'
    )
    r = cli("validate")
    assert r.code == 3, r.err
    assert "internal error" not in r.err
    assert "pyproject.toml: invalid TOML: cannot add keys to tool.contractgate.fixtures" in r.err
    assert "(at line 3, column 1)" in r.err


# --------------------------------------------------------------------------------------
# globs


@pytest.mark.parametrize(
    "glob, path, matches",
    [
        # a reversed range is empty, as fnmatch reads it (this raised re.error)
        ("f/[z-a].json", "f/a.json", False),
        ("f/[z-a].json", "f/-.json", False),
        ("f/[!z-a].json", "f/a.json", True),
        ("f/[az-bc].json", "f/a.json", True),
        ("f/[az-bc].json", "f/c.json", True),
        ("f/[az-bc].json", "f/b.json", False),
        ("f/[b-a-c].json", "f/-.json", True),
        ("f/[b-a-c].json", "f/b.json", False),
        ("f/[a-c].json", "f/b.json", True),
        ("f/[a-c].json", "f/-.json", False),
        # a negated class stays within one path segment, as ? and * do
        ("data[!_]*.json", "data/x.json", False),
        ("data[!_]*.json", "data1.json", True),
        ("data[!_]*.json", "sub/data1.json", True),
        ("f[^a]x", "f/x", False),
        ("f/[a-a].json", "f/a.json", True),
        ("f/[\\-z].json", "f/a.json", True),  # a range from "\\" to "z"
        # the basics, from surviving mutants: * and ? stay within a segment, a name-only
        # glob matches whole names, and the whole path must match
        ("fixtures/*.json", "fixtures/a/b.json", False),
        ("f?x", "f/x", False),
        ("user.json", "xuser.json", False),
        ("user.json", "a/user.json", True),
        ("*.json", "a.json.bak", False),
    ],
)
def test_glob_classes(glob: str, path: str, matches: bool) -> None:
    assert bool(glob_to_regex(glob).match(path)) is matches


def test_a_reversed_range_in_the_config_or_an_argument_is_no_internal_error(project: Path) -> None:
    (project / ".contractgate.yml").write_text(
        'fixtures:\n  "examples/fixtures/[z-a]*": contracts/orders.yaml\n'
        '  "examples/fixtures/orders.*": contracts/orders.yaml\n'
    )
    r = run_module(["validate"], cwd=project)
    assert r.code in (0, 1), r.err
    assert "internal error" not in r.err
    r = run_module(["validate", "--contract", "contracts/orders.yaml", "x/[z-a].json"], cwd=project)
    assert (r.code, r.err.strip()) == (2, "contractgate: error: no file matches 'x/[z-a].json'")


def test_walking_globs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for rel in [
        "m.json",
        "z.json",
        "a.json",
        "q.json",
        "b.json",
        "b/x.json",
        "a/b/x.json",
        "a/c/b/x.json",
        "node_modules/x.json",
        ".venv/x.json",
        "sub/.git/x.json",
        "sub/y.json",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")

    def walk(*globs: str) -> List[str]:
        found = walk_globs(str(tmp_path), [(g, glob_to_regex(g)) for g in globs])
        return [Path(f).relative_to(tmp_path).as_posix() for f in found]

    # sorted (whatever order the file system lists them in), each file once,
    # VCS/virtualenv/vendor directories skipped
    assert walk("*.json", "**/*.json") == [
        "a.json",
        "b.json",
        "m.json",
        "q.json",
        "z.json",
        "a/b/x.json",
        "a/c/b/x.json",
        "b/x.json",
        "sub/y.json",
    ]
    assert walk("*/x.json") == ["b/x.json"]  # the whole path matches, not a tail of it
    assert walk("a/*/b/*.json") == ["a/c/b/x.json"]  # walked from a/, not a/b/
    assert walk("a/b/x.json") == ["a/b/x.json"]  # a literal path
    monkeypatch.chdir(tmp_path)
    # this directory only
    assert expand_glob("*.json") == ["a.json", "b.json", "m.json", "q.json", "z.json"]
    assert expand_glob("a/b/x.json") == [os.path.join("a", "b", "x.json")]


def test_walk_and_expand_use_the_same_classes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.json").write_text("{}")
    (tmp_path / "data1.json").write_text("{}")
    globs = [("data[!_]*.json", glob_to_regex("data[!_]*.json"))]
    assert list(walk_globs(str(tmp_path), globs)) == [str(tmp_path / "data1.json")]
    monkeypatch.chdir(tmp_path)
    assert expand_glob("data[!_]*.json") == ["data1.json"]


# --------------------------------------------------------------------------------------
# the config file: lookup and loading


@pytest.mark.parametrize(
    "text",
    [
        '[tool."contractgate".fixtures]\n"fx/*" = "c.yaml"\n',
        '[tool]\ncontractgate.fixtures = {"fx/*" = "c.yaml"}\n',
        'tool.contractgate.fixtures."fx/*" = "c.yaml"\n',
        "[ tool . contractgate . fixtures ]\n'fx/*' = 'c.yaml'\n",
    ],
)
@pytest.mark.parametrize("reader", ["tomllib", "fallback"])
def test_a_pyproject_table_in_any_toml_spelling_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, reader: str
) -> None:
    if reader == "fallback":
        _use_the_fallback_reader(monkeypatch)
    elif sys.version_info < (3, 11):
        pytest.importorskip("tomli")
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(text)
    assert find_config(str(tmp_path)) == str(tmp_path / "pyproject.toml")
    cfg = load_config(str(tmp_path / "pyproject.toml"))
    assert cfg is not None and [(r.glob, r.contract) for r in cfg.fixtures] == [("fx/*", "c.yaml")]


def test_a_table_name_inside_a_string_is_no_table(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    inner = outer / "inner"
    inner.mkdir(parents=True)
    (outer / ".git").mkdir()
    (outer / ".contractgate.yml").write_text("fixtures: {}\n")
    (inner / "pyproject.toml").write_text(
        '[project]\nname = "contractgate-demo"\ndescription = """\n[tool.contractgate]\n"""\n'
    )
    assert find_config(str(inner)) == str(outer / ".contractgate.yml")


@pytest.mark.parametrize(
    "data, error",
    [
        # not TOML: the header is there, so the error is reported, not passed over
        (b"[tool.contractgate]\ncontracts = [\n", "pyproject.toml: invalid TOML: "),
        (
            b'[tool.contractgate]\ncontracts = ["caf\xe9"]\n',
            "pyproject.toml:2: not valid UTF-8 (byte offset 37)",
        ),
    ],
)
def test_a_broken_pyproject_with_our_table_is_reported(
    project: Path, data: bytes, error: str
) -> None:
    (project / ".contractgate.yml").unlink()
    (project / "pyproject.toml").write_bytes(data)
    r: Result = run_module(["validate"], cwd=project)
    assert r.code == 3, r.err
    assert r.err.startswith("contractgate: error: " + error)


def test_an_unreadable_or_broken_pyproject_without_our_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\nname = "caf\xe9"\nx = [\n')
    assert find_config(str(tmp_path)) is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "contractgate"\nx = [\n')
    assert find_config(str(tmp_path)) is None


def test_config_option_naming_a_pyproject_without_our_table(project: Path) -> None:
    (project / "other.toml").write_text('[project]\nname = "x"\n[tool.black]\nline-length = 99\n')
    for command in (["check-contracts"], ["validate"]):
        r = run_module([*command, "--config", "other.toml"], cwd=project)
        assert (r.code, r.err.strip()) == (
            3,
            "contractgate: error: other.toml: no [tool.contractgate] table",
        )
    (project / "empty.toml").write_text("[tool.contractgate]\n")
    r = run_module(["check-contracts", "--config", "empty.toml"], cwd=project)
    assert r.code == 0, r.err  # an empty table is a config: contracts/ is checked


@pytest.mark.parametrize(
    "yaml, message",
    [
        ('fixtures:\n  "": c.yaml\n', "fixtures: the glob '' can never match a file"),
        ('fixtures:\n  "  ": c.yaml\n', "fixtures: the glob '  ' can never match a file"),
        ('fixtures:\n  "fx/": c.yaml\n', "fixtures: the glob 'fx/' can never match a file"),
        ("fixtures:\n  fx/:\n    contract_id: orders\n", "fixtures: the glob 'fx/' can never"),
        ('contracts: ["c/*.yaml", ""]\n', "contracts: the glob '' can never match a file"),
        ('contracts: "c/"\n', "contracts: the glob 'c/' can never match a file"),
    ],
)
def test_a_glob_that_can_never_match_is_a_config_error(
    tmp_path: Path, yaml: str, message: str
) -> None:
    path = tmp_path / ".contractgate.yml"
    path.write_text(yaml)
    with pytest.raises(ConfigError) as exc:
        load_config(str(path))
    assert exc.value.message.startswith(message)
    assert exc.value.code == 3 and exc.value.file is not None


def test_a_never_matching_glob_through_the_cli(project: Path) -> None:
    (project / ".contractgate.yml").write_text(
        'fixtures:\n  "examples/fixtures/": contracts/orders.yaml\n'
    )
    r = run_module(["validate"], cwd=project)
    assert r.code == 3, r.err
    assert r.err.strip() == (
        "contractgate: error: .contractgate.yml: fixtures: the glob 'examples/fixtures/' can "
        "never match a file (a glob names files; 'examples/fixtures/**' names those below)"
    )


# --------------------------------------------------------------------------------------
# what the config says, read directly (from surviving mutants of cli/_config.py)


def _load_yaml(tmp_path: Path, text: str) -> config_module.Config:
    path = tmp_path / ".contractgate.yml"
    path.write_text(text)
    cfg = load_config(str(path))
    assert cfg is not None
    return cfg


def test_the_entries_of_a_config(tmp_path: Path) -> None:
    cfg = _load_yaml(
        tmp_path,
        "fixtures:\n"
        '  "fx/a.*": {contract_id: "  orders@2.0.0 "}\n'
        '  "fx/*": "  c/one.yaml  "\n'
        '  "c/*": c/one.yaml\n'
        "breaking: {require: minor}\n",
    )
    assert [(r.glob, r.contract, r.deployed) for r in cfg.fixtures] == [
        ("fx/a.*", "", "orders@2.0.0"),
        ("fx/*", "c/one.yaml", None),
        ("c/*", "c/one.yaml", None),
    ]
    assert cfg.breaking == {"require": "minor"}
    one = str(tmp_path / "c" / "one.yaml")
    assert cfg.contract_for(str(tmp_path / "fx" / "a.json")) == "deployed:orders@2.0.0"
    assert cfg.contract_files() == [one]  # no deployed contract, no duplicate
    (tmp_path / "fx").mkdir()
    (tmp_path / "c").mkdir()
    for rel in ["fx/a.json", "fx/b.json", "c/one.yaml", "c/x.json"]:
        (tmp_path / rel).write_text("{}")
    # a contract the mapping names is no fixture, even where a fixture glob matches it
    assert cfg.fixture_files() == [
        str(tmp_path / p) for p in ["c/x.json", "fx/a.json", "fx/b.json"]
    ]
    assert cfg.fixture_files(one) == [
        str(tmp_path / "c" / "x.json"),
        str(tmp_path / "fx" / "b.json"),
    ]
    assert cfg.is_contract(one) and not cfg.is_contract(str(tmp_path / "c" / "x.json"))


@pytest.mark.parametrize(
    "text, message",
    [
        ('fixtures:\n  "fx/*": {contract_id: orders, version: 2}\n', "fixtures['fx/*'] must be"),
        ('fixtures:\n  "fx/*": {contract_id: "  "}\n', "fixtures['fx/*'] must be"),
        ('fixtures:\n  "fx/*": "  "\n', "fixtures['fx/*'] must be a contract file path"),
        ("fixtures: {}\ncontracts: [1]\n", "'contracts' must be a list of globs"),
        ("breaking: major\n", "'breaking' must be a mapping"),
    ],
)
def test_entries_a_config_cannot_have(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        _load_yaml(tmp_path, text)
    assert exc.value.message.startswith(message)


def test_empty_and_broken_config_files(tmp_path: Path) -> None:
    cfg = _load_yaml(tmp_path, "# only the gateway CLI's settings, none of ours\n")
    assert (cfg.fixtures, cfg.contracts, cfg.breaking) == ([], [], None)
    with pytest.raises(ConfigError) as exc:
        _load_yaml(tmp_path, "fixtures:\n  a: b\n  c: d: e\n")
    assert exc.value.message.startswith("invalid YAML") and exc.value.line == 3
    with pytest.raises(ConfigError) as exc:
        load_config(str(tmp_path / "missing.yml"))
    assert exc.value.message == "config file not found"
    toml = tmp_path / "pyproject.toml"
    for text in ("[[tool.contractgate]]\n", "[tool]\ncontractgate = 3\n"):
        toml.write_text(text)
        with pytest.raises(ConfigError) as exc:
            load_config(str(toml))
        assert exc.value.message.startswith(("[tool.contractgate] must be a table", "invalid TOML"))


def test_a_git_file_marks_the_repository_root_too(tmp_path: Path) -> None:
    # in a git worktree or submodule .git is a file
    (tmp_path / ".contractgate.yml").write_text("fixtures: {}\n")
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / ".git").write_text("gitdir: /elsewhere\n")
    assert find_config(str(tmp_path / "repo")) is None
