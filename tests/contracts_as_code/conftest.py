"""Shared fixtures: a temp contracts folder served by a real local gateway (127.0.0.1),
a client that counts the requests it sends, and an empty cache directory."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator, List

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
