"""The ``gateway`` sub-command, ``python -m contractgate.gateway`` and the pytest plugin."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List

import httpx
import pytest

pytest_plugins = ["pytester"]


def _start(args: List[str]) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "contractgate.gateway", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_module_entry_point_serves_and_stops_on_ctrl_c(contracts_dir: Path, tmp_path: Path) -> None:
    proc = _start(
        [
            "--contracts",
            str(contracts_dir),
            "--port",
            "0",
            "--quiet",
            "--db",
            str(tmp_path / "cli.sqlite3"),
            "--api-key",
            "cg_test_0123456789ab",
        ]
    )
    try:
        assert proc.stdout is not None
        lines: List[str] = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        out = "".join(lines)
        base = re.search(r"base URL : (\S+)", out)
        assert base is not None, out
        # a key given with --api-key is the user's secret: the banner shows its end only
        assert "API key  : cg_...89ab (given with --api-key)" in out
        assert "cg_test_0123456789ab" not in out and "x-api-key: <your key>" in out
        assert re.search(
            r"user_events\s+\S+\s+1\.0\.0 \(stable\), 1\.1\.0 \(stable, latest\)"
            r" \[fallback\]",
            out,
        ), out
        assert "broken" in out and "DOES NOT COMPILE" in out
        r = httpx.get(base.group(1) + "/contracts", headers={"x-api-key": "cg_test_0123456789ab"})
        assert r.status_code == 200
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "gateway stopped" in rest
    assert "not_a_contract.yaml" in err  # bad files are reported, the rest loads


def test_cli_usage_errors(tmp_path: Path) -> None:
    proc = _start(["--contracts", str(tmp_path / "missing"), "--port", "0"])
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2 and "contracts folder not found" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--port", "70000"], "port must be an integer in 0..65535, got 70000"),
        (["--port", "-1"], "port must be an integer in 0..65535, got -1"),
        (["--rate-limit-rps", "nan"], "rate_limit_rps must be a finite number greater than 0"),
        (["--rate-limit-rps", "-5"], "rate_limit_rps must be a finite number greater than 0"),
        (["--rate-limit-burst", "inf"], "rate_limit_burst must be a finite number greater than"),
        (["--rate-limit-burst", "0.5"], "rate_limit_burst must be at least 1 (a request takes"),
        (["--request-timeout", "nan"], "request_timeout must be a finite number greater than 0"),
        (["--db", "{tmp}/no/such/dir/x.db"], "cannot open the database {tmp}/no/such/dir/x.db: "),
        (["--db", "{tmp}"], "cannot open the database {tmp}: "),
    ],
)
def test_bad_settings_are_usage_errors(tmp_path: Path, args: List[str], message: str) -> None:
    """Each was an internal error (OverflowError, sqlite3.OperationalError) or, for the
    rate limits, accepted and then compared as NaN or negative on every request."""
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    argv = ["--contracts", str(contracts), "--port", "0"]
    argv += [a.replace("{tmp}", str(tmp_path)) for a in args]
    proc = _start(argv)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2, err
    assert message.replace("{tmp}", str(tmp_path)) in err
    assert "internal error" not in err


def test_the_port_from_the_environment(tmp_path: Path) -> None:
    """``$CONTRACTGATE_GATEWAY_PORT`` that is no number was a raw traceback from building
    the parser; out of range, the gateway's own check."""
    (tmp_path / "contracts").mkdir()
    for value, message in (
        ("abc", "CONTRACTGATE_GATEWAY_PORT must be a port number, got 'abc'"),
        ("99999", "port must be an integer in 0..65535, got 99999"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "contractgate.cli", "gateway", "--contracts",
             str(tmp_path / "contracts")],
            capture_output=True, text=True, timeout=60,
            env=dict(os.environ, CONTRACTGATE_GATEWAY_PORT=value),
        )  # fmt: skip
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr and "Traceback" not in proc.stderr


def test_help_has_the_cli_layout() -> None:
    """Same layout as the other sub-commands: wide options column, an exit-codes epilog;
    ``python -m contractgate.gateway`` is the same command."""
    for argv in (
        [sys.executable, "-m", "contractgate.cli", "gateway", "--help"],
        [sys.executable, "-m", "contractgate.gateway", "--help"],
    ):
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True).stdout
        assert out.startswith("usage: contractgate gateway [-h]")
        assert "\nexit codes:\n  0  stopped by Ctrl-C or SIGTERM\n" in out
        assert "\nconnections:\n  --max-connections N " in out
        assert "  -q, --quiet " in out
        assert "contractgate[gateway]" not in out


def test_a_python_without_sqlite3_gets_a_clear_error() -> None:
    code = (
        "import sys; sys.modules['sqlite3'] = None; sys.modules['_sqlite3'] = None\n"
        "from contractgate.cli import main\n"
        "sys.exit(main(['gateway', '--port', '0', '--contracts', '.']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "this Python has no sqlite3 module" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_register_adds_the_gateway_subcommand() -> None:
    from contractgate.gateway._cli import register, run

    parser = argparse.ArgumentParser(prog="contractgate")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "gateway",
            "--contracts",
            "c",
            "--port",
            "0",
            "--admin",
            "--api-key",
            "cg_a_0123456789",
            "--api-key",
            "cg_b_0123456789",
        ]
    )
    assert args.gateway_func is run
    assert args.admin is True and args.port == 0
    assert args.api_keys == ["cg_a_0123456789", "cg_b_0123456789"]


def test_pytest_plugin_fixtures(pytester: pytest.Pytester, contracts_dir: Path) -> None:
    pytester.makeini(
        textwrap.dedent(f"""
        [pytest]
        contractgate_contracts = {contracts_dir}
        asyncio_default_fixture_loop_scope = function
    """)
    )
    pytester.makepyfile(
        test_uses_gateway=textwrap.dedent("""
        import httpx

        def test_gateway(contractgate_gateway):
            gw = contractgate_gateway
            uid = gw.contract_id("user_events")
            r = httpx.post(f"{gw.base_url}/v1/ingest/{uid}",
                           headers={"x-api-key": gw.api_key},
                           json={"user_id": "a", "event_type": "click", "timestamp": 1})
            assert r.status_code == 200

        def test_same_session_gateway(contractgate_gateway):
            assert contractgate_gateway.count_rows("audit") == 1

        def test_client(contractgate_client, contractgate_gateway):
            assert contractgate_client is not None

        async def test_async_client(contractgate_async_client):
            assert contractgate_async_client is not None
    """)
    )
    result = pytester.runpytest_subprocess("-p", "asyncio", "--asyncio-mode=auto", "-rs")
    result.assert_outcomes(passed=4)


def test_pytest_plugin_missing_folder(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile("def test_x(contractgate_gateway):\n    pass\n")
    result = pytester.runpytest_inprocess(f"--contractgate-contracts={tmp_path / 'nope'}")
    result.stdout.fnmatch_lines(["*contracts folder not found*"])
    assert result.ret != 0
