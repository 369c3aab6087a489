"""Shared fixtures: a temp contracts folder served by a real local gateway (127.0.0.1),
a client that counts the requests it sends, and an empty cache directory."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, List

import httpx
import pytest

from contractgate import Client
from contractgate.gateway import LocalGateway

REPO = Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs the real pre-commit tool; deselect with -m 'not slow'"
    )


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "CONTRACTGATE_BASE_URL",
        "CONTRACTGATE_API_KEY",
        "CONTRACTGATE_OFFLINE",
        "CONTRACTGATE_CACHE_TTL",
        "CONTRACTGATE_ALLOW_BREAKING",
        "NO_COLOR",
        "FORCE_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)
    # never touch the user's real cache
    monkeypatch.setenv("CONTRACTGATE_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture
def contracts_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "served"
    shutil.copytree(REPO / "contracts", folder)
    return folder


@pytest.fixture
def gateway(contracts_dir: Path) -> Iterator[LocalGateway]:
    gw = LocalGateway(contracts_dir=contracts_dir)
    gw.start()
    try:
        yield gw
    finally:
        gw.stop()


class CountingClient:
    """A real Client whose httpx client records each request path (real sockets)."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.paths: List[str] = []
        self.http = httpx.Client(event_hooks={"request": [self._seen]}, follow_redirects=False)
        self.client = Client(base_url=base_url, api_key=api_key, http_client=self.http)

    def _seen(self, request: httpx.Request) -> None:
        self.paths.append(request.url.path)

    def take(self) -> List[str]:
        out, self.paths = self.paths, []
        return out

    def close(self) -> None:
        self.client.close()
        self.http.close()


@pytest.fixture
def counting(gateway: LocalGateway) -> Iterator[CountingClient]:
    c = CountingClient(gateway.base_url, gateway.api_key)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


# ------------------------------------------------------------------ the command line


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"Result(code={self.code}, out={self.out!r}, err={self.err!r})"


class _Utf8IO(io.StringIO):
    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``contractgate.cli.main`` in this process; returns exit code, stdout, stderr."""
    from contractgate.cli import main

    def run(*args: str) -> Result:
        out, err = _Utf8IO(), _Utf8IO()
        with monkeypatch.context() as m:
            m.setattr(sys, "stdout", out)
            m.setattr(sys, "stderr", err)
            code = main(list(args))
        return Result(code, out.getvalue(), err.getvalue())

    return run


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.email=test@example.invalid", "-c", "user.name=test", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )
    return proc.stdout.decode()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with user_events 1.0.0 committed as contracts/user_events.yaml, its
    fixtures mapped by .contractgate.yml; cwd is set to it."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    (root / "contracts").mkdir(parents=True)
    (root / "fixtures").mkdir()
    shutil.copy(REPO / "contracts/user_events/1.0.0.yaml", root / "contracts/user_events.yaml")
    (root / "fixtures/user_events.ndjson").write_text(
        '{"user_id": "alice_01", "event_type": "view", "timestamp": 1724252400}\n'
        '{"user_id": "bob_02", "event_type": "click", "timestamp": 1724252401}\n'
    )
    (root / ".contractgate.yml").write_text(
        'fixtures:\n  "fixtures/user_events.*": contracts/user_events.yaml\n'
    )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "user_events 1.0.0")
    monkeypatch.chdir(root)
    return root
