"""Fixtures for the command-line tests: run ``main()`` in-process or as a subprocess, and
a throw-away project (contracts, fixtures, config) in a temp directory."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest
from cg_cli_testlib import REPO, Result, TTYStringIO


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: runs the real pre-commit tool (builds a hook environment); "
        "deselect with -m 'not slow'",
    )


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "CONTRACTGATE_BASE_URL", "CONTRACTGATE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm")


RunCLI = Callable[..., Result]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> RunCLI:
    """Run ``contractgate.cli.main`` in-process; returns exit code, stdout, stderr."""
    from contractgate.cli import main

    def run(*args: str, stdin: Optional[bytes] = None, tty: bool = False) -> Result:
        out = TTYStringIO(tty)
        err = TTYStringIO(tty)
        with monkeypatch.context() as m:
            m.setattr(sys, "stdout", out)
            m.setattr(sys, "stderr", err)
            if stdin is not None:
                m.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
            code = main(list(args))
        return Result(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repo's example contracts, fixtures and .contractgate.yml in a temp
    directory (with a ``.git`` marker so the config search stops there); cwd is set to it."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / ".git").mkdir()
    shutil.copytree(REPO / "contracts", root / "contracts")
    shutil.copytree(REPO / "examples" / "fixtures", root / "examples" / "fixtures")
    shutil.copy(REPO / ".contractgate.yml", root / ".contractgate.yml")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def gateway(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The local gateway on the project's contracts, named by the environment (as the
    CLI finds a gateway); ``gw.user_events`` is that contract's id."""
    from contractgate.gateway import LocalGateway

    with LocalGateway(contracts_dir=project / "contracts") as gw:
        monkeypatch.setenv("CONTRACTGATE_BASE_URL", gw.base_url)
        monkeypatch.setenv("CONTRACTGATE_API_KEY", gw.api_key)
        gw.user_events = next(
            c.id for c in gw.registry.contracts.values() if c.name == "user_events"
        )
        yield gw
