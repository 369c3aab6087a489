"""Fixtures for the local gateway tests: a contracts folder exercising every feature,
a shared gateway (admin on) and httpx clients talking to it over real sockets."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import httpx
import pytest
from cg_gateway_testlib import build_contracts, make_client

from contractgate.gateway import LocalGateway


@pytest.fixture(scope="session")
def contracts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_contracts(tmp_path_factory.mktemp("gw") / "contracts")


@pytest.fixture(scope="session")
def gw(contracts_dir: Path) -> Iterator[LocalGateway]:
    """One gateway for the read-mostly tests (admin route on)."""
    with LocalGateway(contracts_dir=contracts_dir, admin=True) as g:
        yield g


@pytest.fixture
def fresh_gw(contracts_dir: Path) -> Iterator[LocalGateway]:
    """A gateway of its own, for tests that count rows or arm faults."""
    with LocalGateway(contracts_dir=contracts_dir, admin=True) as g:
        yield g


@pytest.fixture
def client(gw: LocalGateway) -> Iterator[httpx.Client]:
    with make_client(gw) as c:
        yield c


@pytest.fixture
def fresh_client(fresh_gw: LocalGateway) -> Iterator[httpx.Client]:
    with make_client(fresh_gw) as c:
        yield c
