"""Fixtures of the hardening suite (issue 7): failure modes tried on purpose.

Everything runs on 127.0.0.1. One local gateway (in-memory SQLite) serves the whole
module that asks for it; faults are cleared around every test. Retries use short waits so
the suite stays fast; the keyed wait before resending an ambiguous ingest is kept small but
non-zero.
"""

from __future__ import annotations

import os
from typing import Any, Iterator

import pytest
from hardening_testlib import CONTRACTS


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: slower hardening tests (each well under 2 min)")


@pytest.fixture(scope="module")
def gateway() -> Iterator[Any]:
    from contractgate.gateway import LocalGateway

    os.environ.pop("CONTRACTGATE_BASE_URL", None)
    os.environ.pop("CONTRACTGATE_API_KEY", None)
    # a generous rate limit: the load tests must not be throttled into retries
    with LocalGateway(
        contracts_dir=str(CONTRACTS),
        db=":memory:",
        rate_limit_rps=100_000,
        rate_limit_burst=100_000,
    ) as gw:
        yield gw


@pytest.fixture
def gw(gateway: Any) -> Iterator[Any]:
    gateway.faults.clear()
    yield gateway
    gateway.faults.clear()


@pytest.fixture
def cid(gw: Any) -> str:
    return str(gw.contract_id("user_events"))
