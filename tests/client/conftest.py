"""Fixtures of the client suite.

The behavioural tests run once with :class:`Client` and once with :class:`AsyncClient`
through :class:`Api`, a tiny adapter whose methods are all awaitable, so the two clients
are held to the same expectations. Tests that need the real local gateway use the
``gateway`` fixture (real sockets on 127.0.0.1).
"""

from __future__ import annotations

import os
from typing import Any, Iterator, List

import httpx
import pytest
from cg_client_testlib import CONTRACTS, FAST_RETRY, Api, LoopbackServer, Recorder

from contractgate.async_client import AsyncClient
from contractgate.client import Client
from contractgate.gateway import LocalGateway


@pytest.fixture(params=["sync", "async"])
def client_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def make_api(client_kind: str) -> Any:
    """``make_api(base_url=..., **options) -> Api`` for the parametrised client kind."""
    made: List[Api] = []

    def make(**kwargs: Any) -> Api:
        handler = kwargs.pop("handler", None)
        if handler is not None:
            kwargs["transport"] = httpx.MockTransport(handler)
        kwargs.setdefault("retry_policy", FAST_RETRY)
        cls = AsyncClient if client_kind == "async" else Client
        api = Api(cls(**kwargs))
        made.append(api)
        return api

    yield make
    for api in made:
        await api.close()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1 for this test (``routes`` say what it answers)."""
    srv = LoopbackServer()
    yield srv
    srv.close()


# ---------------------------------------------------------------------- real gateway


@pytest.fixture(scope="session")
def gateway() -> Iterator[Any]:
    """One local gateway (in-memory SQLite) for the session; faults cleared per test."""
    os.environ.pop("CONTRACTGATE_BASE_URL", None)
    with LocalGateway(contracts_dir=str(CONTRACTS), db=":memory:") as gw:
        yield gw


@pytest.fixture
def gw(gateway: Any) -> Iterator[Any]:
    gateway.faults.clear()
    yield gateway
    gateway.faults.clear()


@pytest.fixture
async def gapi(gw: Any, make_api: Any) -> Api:
    """An Api bound to the local gateway with fast retries."""
    return make_api(base_url=gw.base_url, api_key=gw.api_key)  # type: ignore[no-any-return]
