"""The examples of ``docs/cli.md`` and ``docs/contracts-as-code.md`` run as shown.

What runs: every ``$ contractgate …`` line of a ```` ```console ```` block (its output is
the lines up to the next ``$``; ``$ echo $?`` gives the exit code; ``$ mkdir -p DIR`` is
done), every ``- run: contractgate …`` line of a YAML block (the CI examples), the JSON
samples of ``test`` and ``validate``, the config files shown, the hook ids named, and the
Python ``diff`` example. Each command (its words, without a comment) must be registered
below with the exit code it has and the project it needs (``EXAMPLES``) or skipped with a
reason (``SKIPPED``): a new or changed example fails
``test_every_console_example_is_registered`` until it is.

Output lines are matched in order (other lines may come between them: the docs elide);
``…`` in a documented line stands for any text. Lines starting ``contractgate: `` are
looked for on stderr, the others on stdout. Everything runs for real: the CLI in-process
(``main()``), the local gateway on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from cg_cli_testlib import REPO, USER_EVENTS, Result, run_module

DOCS = ("cli.md", "contracts-as-code.md")

ORDERS_GOOD = {
    "order_id": "ord_A1B2C3D4",
    "placed_on": "2026-11-20",
    "status": "paid",
    "customer": {"id": "cust_001", "country": "NL"},
    "items": [{"sku": "SKU-1", "qty": 2, "price": 9.5}],
    "total": 19.0,
}


# ---------------------------------------------------------------------------------------
# reading the docs


@dataclass
class Block:
    doc: str
    line: int  # of the opening fence
    lang: str
    lines: List[str]


@dataclass
class Command:
    doc: str
    line: int
    text: str  # without the "$ " prompt
    output: List[str] = field(default_factory=list)
    exit_code: Optional[int] = None  # from a following "$ echo $?"
    mkdirs: List[str] = field(default_factory=list)  # "$ mkdir -p" lines before it


def blocks(doc: str) -> List[Block]:
    found: List[Block] = []
    current: Optional[Block] = None
    for number, line in enumerate((REPO / "docs" / doc).read_text("utf-8").splitlines(), 1):
        if line.startswith("```"):
            if current is None:
                current = Block(doc, number, line[3:].strip(), [])
            else:
                found.append(current)
                current = None
        elif current is not None:
            current.lines.append(line)
    assert current is None, f"{doc}: a code block is not closed"
    return found


def console_commands() -> List[Command]:
    commands: List[Command] = []
    for doc in DOCS:
        for block in blocks(doc):
            if block.lang == "console":
                commands.extend(_console(block))
            elif block.lang == "yaml":
                for offset, line in enumerate(block.lines, 1):
                    m = re.match(r"\s*- run: (contractgate .*)$", line)
                    if m:
                        commands.append(Command(doc, block.line + offset, m.group(1)))
    return commands


def _console(block: Block) -> List[Command]:
    commands: List[Command] = []
    mkdirs: List[str] = []
    lines = iter(enumerate(block.lines, 1))
    for offset, line in lines:
        if not line.startswith("$ "):
            assert commands, f"{block.doc}:{block.line + offset}: output before any command"
            commands[-1].output.append(line)
            continue
        text = line[2:]
        if text.strip() == "echo $?":
            _, code = next(lines)
            assert commands, f"{block.doc}:{block.line + offset}: echo $? without a command"
            commands[-1].exit_code = int(code)
        elif text.startswith("mkdir -p "):
            mkdirs.append(text[len("mkdir -p ") :].strip())
        else:
            assert text.startswith("contractgate "), (
                f"{block.doc}:{block.line + offset}: a console example runs only "
                f"'contractgate …', 'mkdir -p …' and 'echo $?': {text!r}"
            )
            commands.append(Command(block.doc, block.line + offset, text, mkdirs=mkdirs))
            mkdirs = []
    return commands


def block_after(doc: str, marker: str, lang: str) -> Block:
    """The first ``lang`` block after the line containing ``marker``."""
    text = (REPO / "docs" / doc).read_text("utf-8").splitlines()
    at = next(i for i, line in enumerate(text, 1) if marker in line)
    return next(b for b in blocks(doc) if b.line > at and b.lang == lang)


def block_starting(doc: str, lang: str, first: str) -> Block:
    return next(
        b for b in blocks(doc) if b.lang == lang and b.lines and b.lines[0].startswith(first)
    )


# ---------------------------------------------------------------------------------------
# the projects the examples need


def _broken_contracts(root: Path) -> None:
    """Two contracts that fail check-contracts (of five), as in the check-contracts sample."""
    orders = root / "contracts" / "orders.yaml"
    lines = orders.read_text("utf-8").splitlines(keepends=True)
    assert lines[15] == "      type: object\n"
    lines[15] = "      type: int\n"
    orders.write_text("".join(lines), "utf-8")
    (root / "contracts" / "clicks.yaml").write_text(
        'version: "1.0.0"\nname: clicks\ndescription: Page clicks\nontology:\n  entities:\n'
        '    - name: page\n      type: string\n      required: true\n      pattern: "([a-z"\n',
        "utf-8",
    )
    shutil.copy(root / "contracts" / "user_events" / "1.0.0.yaml", root / "contracts" / "s.yaml")


def _strict_findings(root: Path) -> None:
    """contracts/user_events.yaml with the mistakes of the --strict sample, on its lines."""
    (root / "contracts" / "user_events.yaml").write_text(
        'version: "1.1.0"\n'
        "description: Clickstream events\n"
        "name: null\n"
        "ontology:\n"
        "  entities:\n"
        "    - name: user_id\n"
        "      type: string\n"
        '      pattern: "^[a-z0-9_]+$"\n'
        '      required: "yes"\n'
        "    - name: event_type\n"
        "      required: true\n"
        "      type: String\n"
        "    - name: timestamp\n"
        "      type: integer\n"
        "    - name: amount\n"
        "      type: float\n"
        "      min: 0\n"
        "      max: 1000000\n"
        "      required: false\n"
        "      requried: true\n",
        "utf-8",
    )


def _orders_json_fixtures(root: Path) -> None:
    (root / "fixtures").mkdir()
    (root / "fixtures" / "orders.good.json").write_text(json.dumps([ORDERS_GOOD]), "utf-8")


def _new_repository(root: Path) -> Path:
    """An empty repository of its own (no config, no contracts): ``pull`` writes there."""
    fresh = root.parent / "new-repo"
    (fresh / ".git").mkdir(parents=True)
    return fresh


@dataclass
class Spec:
    exit_code: int
    gateway: bool = False
    setup: Optional[Callable[[Path], Any]] = None  # given the project; may return a new cwd


EXAMPLES: Dict[str, Spec] = {
    # docs/cli.md
    "contractgate check-contracts": Spec(1, setup=_broken_contracts),
    "contractgate check-contracts --strict contracts/user_events.yaml": Spec(
        1, setup=_strict_findings
    ),
    "contractgate validate": Spec(1),
    "contractgate test --contract contracts/user_events/1.1.0.yaml "
    "--data examples/fixtures/user_events.bad.json": Spec(1),
    "contractgate ingest --contract-id user_events examples/fixtures/user_events.bad.json": Spec(
        1, gateway=True
    ),
    "contractgate ingest --contract-id user_events --dry-run "
    "examples/fixtures/user_events.bad.json": Spec(1, gateway=True),
    "contractgate ingest --contract-id user_events --atomic "
    "examples/fixtures/user_events.bad.json": Spec(1, gateway=True),
    "contractgate ingest --contract-id user_events --atomic --batch-size 1 "
    "examples/fixtures/user_events.bad.json": Spec(1, gateway=True),
    "contractgate pull user_events": Spec(0, gateway=True, setup=_new_repository),
    "contractgate schema > .contractgate/contract.schema.json": Spec(0),
    "contractgate schema --path": Spec(0),
    "contractgate check-contracts --strict --format github": Spec(0),
    "contractgate validate --format github": Spec(1),
    # docs/contracts-as-code.md
    "contractgate validate --contract-id orders fixtures/orders.*.json": Spec(
        0, gateway=True, setup=_orders_json_fixtures
    ),
    "contractgate validate --contract-id orders@2.0.0 fixtures/orders.good.json": Spec(
        0, gateway=True, setup=_orders_json_fixtures
    ),
    "contractgate pull orders": Spec(0, gateway=True),
    "contractgate diff contracts/user_events/1.0.0.yaml contracts/user_events/1.1.0.yaml": Spec(1),
}

SKIPPED: Dict[str, str] = {
    "contractgate diff git:origin/main:contracts/orders.yaml contracts/orders.yaml "
    "--format github": "needs a git repository whose origin/main has contracts/orders.yaml "
    "(git: revisions are tested in tests/contracts_as_code/test_cli_diff.py)",
    "contractgate diff --base origin/main --format github $(git diff --name-only origin/main "
    "-- contracts/*.yaml)": "a shell command substitution over git history of a CI checkout",
}

COMMANDS = console_commands()


def key(text: str) -> str:
    """A command as registered: its words, without a trailing comment."""
    return " ".join(shlex.split(text, comments=True))


def test_every_console_example_is_registered() -> None:
    texts = {key(c.text) for c in COMMANDS}
    unknown = sorted(texts - set(EXAMPLES) - set(SKIPPED))
    assert not unknown, f"register these doc examples in EXAMPLES or SKIPPED: {unknown}"
    stale = sorted((set(EXAMPLES) | set(SKIPPED)) - texts)
    assert not stale, f"no longer in the docs: {stale}"


# ---------------------------------------------------------------------------------------
# matching


def _pattern(doc_line: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in doc_line.rstrip().split("…")))


def assert_lines_in_order(expected: List[str], actual: List[str], what: str) -> None:
    at = 0
    actual = [line.rstrip() for line in actual]
    for line in expected:
        pattern = _pattern(line)
        for i in range(at, len(actual)):
            if pattern.fullmatch(actual[i]):
                at = i + 1
                break
        else:
            raise AssertionError(
                f"{what}: documented line not found (in order):\n  {line}\nactual:\n  "
                + "\n  ".join(actual)
            )


def assert_output(doc_lines: List[str], r: Result, what: str) -> None:
    doc_lines = [line for line in doc_lines if line.strip()]
    to_err = [line for line in doc_lines if line.startswith("contractgate: ")]
    to_out = [line for line in doc_lines if not line.startswith("contractgate: ")]
    assert_lines_in_order(to_out, r.out.splitlines(), f"{what} (stdout)")
    assert_lines_in_order(to_err, r.err.splitlines(), f"{what} (stderr)")


def matches(doc: Any, actual: Any) -> bool:
    """A documented JSON value against the real one: ``"…"`` and ``{}`` (written ``{…}``)
    match anything; a documented list's items match items of the real one, in order."""
    if doc == "…" or doc == {}:
        return True
    if isinstance(doc, dict):
        return (
            isinstance(actual, dict)
            and set(doc) == set(actual)
            and all(matches(v, actual[k]) for k, v in doc.items())
        )
    if isinstance(doc, list):
        if not isinstance(actual, list):
            return False
        rest = iter(actual)
        return all(any(matches(item, a) for a in rest) for item in doc)
    return bool(doc == actual and type(doc) is type(actual))


# ---------------------------------------------------------------------------------------
# the console examples


def _run(cli: Any, text: str) -> Tuple[Result, Optional[Path]]:
    args = shlex.split(text, comments=True)[1:]
    redirect = None
    if ">" in args:
        at = args.index(">")
        redirect, args = Path(args[at + 1]), args[:at]
    r = cli(*args)
    if redirect is not None:
        redirect.write_text(r.out, "utf-8")  # as the shell would: its folder must exist
    return r, redirect


RUN = [c for c in COMMANDS if key(c.text) not in SKIPPED]  # the skipped: registered above


@pytest.mark.parametrize("example", RUN, ids=[f"{c.doc}:{c.line}" for c in RUN])
def test_console_example(
    example: Command,
    cli: Any,
    project: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    spec = EXAMPLES[key(example.text)]
    monkeypatch.setenv("CONTRACTGATE_CACHE_DIR", str(tmp_path / "cache"))
    if spec.gateway:
        request.getfixturevalue("gateway")
    cwd = spec.setup(project) if spec.setup else None
    if cwd is not None:
        monkeypatch.chdir(cwd)
    for folder in example.mkdirs:
        Path(folder).mkdir(parents=True, exist_ok=True)
    r, redirected = _run(cli, example.text)
    what = f"docs/{example.doc}:{example.line}: $ {example.text}"
    assert r.code == spec.exit_code, f"{what}: exit {r.code}\n{r.out}\n{r.err}"
    if example.exit_code is not None:
        assert r.code == example.exit_code, what
    assert "Traceback" not in r.out + r.err
    assert_output(example.output, r, what)
    if redirected is not None:
        json.loads(redirected.read_text("utf-8"))


def test_the_schema_commands_print_the_shipped_schema(cli: Any) -> None:
    r = cli("schema", "--path")
    path = Path(r.out.strip())
    assert r.code == 0 and path.is_file()
    assert path.parts[-3:] == ("contractgate", "schema", "contract.schema.json")
    assert json.loads(cli("schema").out) == json.loads(path.read_text("utf-8"))


def test_python_dash_m_works_too() -> None:
    r = run_module(["check-contracts", "--help"])
    assert r.code == 0 and r.out.startswith("usage: contractgate check-contracts")


# ---------------------------------------------------------------------------------------
# the JSON samples


def test_the_json_sample_of_test(cli: Any, project: Path) -> None:
    doc = json.loads("\n".join(block_after("cli.md", "JSON output (one document;", "json").lines))
    stdin = b'{"user_id": "alice_01", "event_type": "click", "timestamp": 1}\nnot json\n'
    r = cli("test", "--contract", USER_EVENTS, "--data", "-", "--format", "json", stdin=stdin)
    assert r.code == doc["exit_code"] == 1
    assert matches(doc, r.json()), r.out


def test_the_json_sample_of_validate(cli: Any, project: Path) -> None:
    text = "\n".join(block_after("cli.md", "### JSON output", "json").lines)
    doc = json.loads(text.replace("{…}", "{}"))
    r = cli(
        "validate",
        "--format",
        "json",
        "examples/fixtures/user_events.bad.json",
        "examples/fixtures/user_events.good.ndjson",
        "examples/fixtures/orders.good.yaml",
    )
    assert r.code == doc["exit_code"] == 1
    assert matches(doc, r.json()), r.out


# ---------------------------------------------------------------------------------------
# config files, hooks


def _config_block(lang: str, first: str) -> str:
    return "\n".join(block_starting("cli.md", lang, first).lines) + "\n"


@pytest.mark.parametrize(
    "name, lang, first",
    [(".contractgate.yml", "yaml", "# .contractgate.yml"), ("pyproject.toml", "toml", "# py")],
)
def test_the_config_files_shown_map_the_fixtures(
    cli: Any, project: Path, name: str, lang: str, first: str
) -> None:
    (project / ".contractgate.yml").unlink()
    (project / name).write_text(_config_block(lang, first), "utf-8")
    r = cli("validate")
    assert r.code == 1
    assert r.lines[-1].startswith("✗ 4 of 9 records failed in 2 of 4 files — 9 problems")
    r = cli("check-contracts")
    assert (r.code, r.out) == (0, "✓ 3 contracts OK\n")


def test_the_version_policy_shown(cli: Any, project: Path) -> None:
    policy = "\n".join(block_starting("contracts-as-code.md", "yaml", "# .contractgate.yml").lines)
    assert "breaking:" in policy
    with (project / ".contractgate.yml").open("a", encoding="utf-8") as f:
        f.write(policy + "\n")
    r = cli("diff", "contracts/user_events/1.0.0.yaml", USER_EVENTS)
    assert r.code == 1
    assert "the policy needs a major step (breaking.require: major)" in r.out


def test_fixtures_mapped_to_deployed_contracts(
    cli: Any, project: Path, gateway: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACTGATE_CACHE_DIR", str(tmp_path / "cache"))
    block = next(
        b
        for b in blocks("contracts-as-code.md")
        if b.lang == "yaml" and b.lines[0] == "fixtures:" and "contract_id" in b.lines[1]
    )
    (project / ".contractgate.yml").write_text("\n".join(block.lines) + "\n", "utf-8")
    _orders_json_fixtures(project)
    (project / "fixtures" / "user_events.good.json").write_text(
        json.dumps([{"user_id": "a_1", "event_type": "login", "timestamp": 1}]), "utf-8"
    )
    shutil.copy(project / "contracts" / "orders.yaml", project / "contracts" / "local.yaml")
    (project / "fixtures" / "local.json").write_text(json.dumps([ORDERS_GOOD]), "utf-8")
    r = cli("validate", "-v")
    assert r.code == 0, r.out + r.err
    assert r.lines[-1] == "✓ 3 records in 3 files: all passed"


def _hook_ids(text: str) -> List[str]:
    return re.findall(r"(?<![\w/.-])(contractgate-[a-z][a-z-]*[a-z])\b", text)


def test_the_hook_ids_named_exist() -> None:
    from contractgate._validation.loading.yamldoc import load

    manifest = {h["id"]: h for h in load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))}
    for doc in DOCS:
        named = set(_hook_ids((REPO / "docs" / doc).read_text("utf-8")))
        assert named, doc
        assert named <= set(manifest), (doc, named - set(manifest))
    # "contractgate-breaking … compares with HEAD", "the contractgate-check-contracts-strict"
    assert manifest["contractgate-breaking"]["entry"] == "contractgate diff --base HEAD"
    assert manifest["contractgate-check-contracts-strict"]["entry"].endswith(" --strict")
    for path in ("hooks/README.md", "hooks/pre-commit-config.explicit.yaml"):
        assert (REPO / path).is_file()


# ---------------------------------------------------------------------------------------
# Python examples

PYTHON_SKIPPED = {
    "from contractgate import Contract": "illustrative: uses an undefined `event` and an "
    "orders 1.0.0 deployment (Contract.from_gateway is tested in tests/contracts_as_code)",
    "def test_orders_fixture_still_passes": "a pytest test body with an undefined "
    "load_fixture helper (the fixture is tested in tests/contracts_as_code)",
}


PYTHON_RUN = "old = Contract.from_file("


def test_python_blocks_are_run_or_skipped_with_a_reason() -> None:
    for doc in DOCS:
        for b in blocks(doc):
            if b.lang == "python":
                assert b.lines[0].startswith((PYTHON_RUN, *PYTHON_SKIPPED)), (doc, b.line)


def test_the_python_diff_example(project: Path) -> None:
    block = block_starting("contracts-as-code.md", "python", PYTHON_RUN)
    *body, last = block.lines
    expression, expected = last.split("#", 1)
    namespace: Dict[str, Any] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec("from contractgate import Contract\n" + "\n".join(body), namespace)
    assert type(namespace["diff"]).__name__ == "ContractDiff"
    assert type(namespace["change"]).__name__ == "ContractChange"
    assert eval(expression, namespace) == eval(expected, {"True": True, "False": False})
    shown = next(b for b in blocks("contracts-as-code.md") if b.line > block.line)
    assert shown.lang == "" and printed.getvalue().splitlines() == shown.lines
