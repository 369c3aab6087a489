"""Help texts, entry points, lazy imports (fast start for pre-commit), error handling."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cg_cli_testlib import ORDERS, USER_EVENTS, run_module, subprocess_env

import contractgate.cli as cli_module

COMMANDS = ["check-contracts", "validate", "test", "ingest", "schema"]


def test_top_level_help_lists_commands_and_exit_codes(cli) -> None:
    r = cli("--help")
    assert r.code == 0
    assert r.out.startswith("usage: contractgate [-h] [--version] COMMAND ...")
    for name in [*COMMANDS, "gateway"]:
        assert f"\n  {name} " in r.out
    assert "exit codes:" in r.out and "3  configuration problem" in r.out


def test_help_points_at_what_a_pip_user_has(cli, monkeypatch) -> None:
    # docs/cli.md is not installed by pip: the help must not send users there
    r = cli("--help")
    assert "docs/cli.md" not in r.out
    last = " ".join(r.out.split("\n\n")[-1].split())
    assert last.startswith("Run 'contractgate COMMAND --help' for a command's options and output.")
    # with a documentation URL in the package metadata, the help names it
    import importlib.metadata as md

    real = md.metadata

    def metadata(name: str):
        meta = real(name)
        meta["Project-URL"] = "Documentation, https://docs.example.invalid/contractgate/cli"
        return meta

    monkeypatch.setattr(md, "metadata", metadata)
    r = cli("--help")
    assert "Documentation: https://docs.example.invalid/contractgate/cli" in " ".join(r.out.split())
    assert "Documentation:" not in cli("validate", "--help").out  # the top-level help only


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(cli, command: str) -> None:
    r = cli(command, "--help")
    assert r.code == 0
    assert r.out.startswith(f"usage: contractgate {command}")
    assert "--format {text,json,github}" in r.out and "--color" in r.out


def test_version_and_missing_command(cli) -> None:
    from contractgate import __version__

    r = cli("--version")
    assert (r.code, r.out.strip()) == (0, f"contractgate {__version__}")
    r = cli()
    assert r.code == 2 and "required: COMMAND" in r.err


def test_python_dash_m_works(project: Path) -> None:
    r = run_module(["validate", "examples/fixtures/orders.good.yaml"], cwd=project)
    assert r.code == 0, r.err
    assert "1 record in 1 file: all passed" in r.out


def _modules_after(args: list, cwd: Path) -> dict:
    code = (
        "import sys, json\n"
        "from contractgate.cli import main\n"
        f"rc = main({args!r})\n"
        "sys.stdout.flush()\n"
        "sys.stderr.write(json.dumps({'rc': rc, 'httpx': 'httpx' in sys.modules,"
        " 'client': 'contractgate.client' in sys.modules,"
        " 'gateway': 'contractgate.gateway' in sys.modules,"
        " 'jsonschema': 'jsonschema' in sys.modules}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        env=subprocess_env(),
        timeout=120,
    )
    return json.loads(proc.stderr.decode().strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "examples/fixtures/orders.good.yaml"],
        ["validate"],
        ["check-contracts", ORDERS],
        ["test", "-c", USER_EVENTS, "-d", "examples/fixtures/user_events.good.ndjson"],
    ],
)
def test_local_commands_never_import_httpx(project: Path, args: list) -> None:
    seen = _modules_after(args, project)
    assert seen["rc"] in (0, 1)
    assert seen == {**seen, "httpx": False, "client": False, "gateway": False, "jsonschema": False}


def test_strict_imports_jsonschema_only_when_asked(project: Path) -> None:
    seen = _modules_after(["check-contracts", "--strict", ORDERS], project)
    assert seen["rc"] == 0 and seen["jsonschema"] and not seen["httpx"]


def test_gateway_is_delegated(cli) -> None:
    r = cli("gateway", "--help")
    assert r.code == 0
    assert r.out.startswith("usage: contractgate gateway")


def test_internal_errors_are_one_line_without_traceback(cli, monkeypatch, project: Path) -> None:
    def boom(handler, args, out):
        raise RuntimeError("kaput")

    monkeypatch.setattr(cli_module, "_dispatch", boom)
    r = cli("validate")
    assert r.code == 70
    assert "internal error: RuntimeError: kaput" in r.err and "Traceback" not in r.err
    r = cli("validate", "-v")
    assert "Traceback" in r.err  # -v shows it, for bug reports


def test_keyboard_interrupt_exits_130(cli, monkeypatch, project: Path) -> None:
    def interrupted(handler, args, out):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "_dispatch", interrupted)
    r = cli("validate")
    assert r.code == 130 and "interrupted" in r.err


def test_schema_command(cli) -> None:
    r = cli("schema")
    assert r.code == 0 and json.loads(r.out)["title"] == "ContractGate data contract"
    r = cli("schema", "--path")
    assert r.out.strip().endswith("contract.schema.json") and Path(r.out.strip()).is_file()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [["schema"], ["check-contracts", ORDERS], ["check-contracts", ORDERS, "--format", "json"]],
)
def test_output_that_cannot_be_written_is_an_error_not_a_bug(args: list, project: Path) -> None:
    """A full disk under stdout was an "internal error ... a bug in contractgate" (exit
    70), or, for a short output, Python's "Exception ignored" at exit (exit 120)."""
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "contractgate.cli", *args],
            cwd=project, stdout=full, stderr=subprocess.PIPE, env=subprocess_env(), timeout=120,
        )  # fmt: skip
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert err == "contractgate: error: cannot write the output: No space left on device\n"
