"""pytest plugin (entry point ``contractgate``): a local gateway for your test suite.

Fixtures:

``contractgate_gateway`` (session)
    A started :class:`contractgate.gateway.LocalGateway` serving the contracts folder
    (``--contractgate-contracts DIR`` on the command line, or ``contractgate_contracts``
    in the ini file; default ``contracts``), with an in-memory database, on a free
    loopback port. Use ``.base_url``, ``.api_key``, ``.contract_id(name)``, ``.faults``.
``contractgate_client``
    A :class:`contractgate.Client` bound to that gateway (closed after the test).
``contractgate_async_client``
    A :class:`contractgate.AsyncClient` bound to that gateway (needs pytest-asyncio).

The gateway is shared by the whole session, so tests see each other's rows: filter by
contract, use fresh idempotency keys, or count deltas. Importing this plugin is cheap:
neither httpx nor the server is imported until a fixture is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from contractgate.gateway import LocalGateway

__all__ = [
    "contractgate_async_client",
    "contractgate_client",
    "contractgate_gateway",
    "pytest_addoption",
]

_INI = "contractgate_contracts"
_DEFAULT = "contracts"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contractgate", "contractgate local gateway")
    group.addoption(
        "--contractgate-contracts",
        dest=_INI,
        default=None,
        metavar="DIR",
        help="folder of contract YAML files served by the contractgate_gateway fixture "
        "(default: the contractgate_contracts ini value, else 'contracts')",
    )
    parser.addini(
        _INI,
        help="folder of contract YAML files for the contractgate_gateway fixture, relative "
        "to the ini file (default: contracts)",
        default=None,
    )


def _contracts_dir(config: pytest.Config) -> Path:
    opt: Optional[str] = config.getoption(_INI, default=None)
    if opt:
        return Path(opt).expanduser().resolve()
    ini: Any = config.getini(_INI)
    base = Path(config.inipath).parent if config.inipath is not None else config.rootpath
    if ini:
        return (base / str(ini)).expanduser().resolve()
    for candidate in (Path.cwd() / _DEFAULT, config.rootpath / _DEFAULT):
        if candidate.exists():
            return candidate.resolve()
    return (config.rootpath / _DEFAULT).resolve()


@pytest.fixture(scope="session")
def contractgate_gateway(request: pytest.FixtureRequest) -> Iterator[LocalGateway]:
    """A local gateway serving the project's contracts for the whole test session."""
    from contractgate.gateway import LocalGateway

    folder = _contracts_dir(request.config)
    if not folder.exists():
        raise pytest.UsageError(
            f"contractgate_gateway: contracts folder not found: {folder} "
            "(set --contractgate-contracts DIR or the contractgate_contracts ini option)"
        )
    gw = LocalGateway(contracts_dir=folder)
    for problem in gw.problems:
        import warnings

        warnings.warn(f"contractgate_gateway: {problem}", stacklevel=1)
    gw.start()
    try:
        yield gw
    finally:
        gw.stop()


def _client_class(name: str) -> Any:
    try:
        import contractgate

        return getattr(contractgate, name)
    except (ImportError, AttributeError) as e:
        pytest.skip(f"contractgate.{name} is not available in this installation ({e})")


@pytest.fixture
def contractgate_client(contractgate_gateway: LocalGateway) -> Iterator[Any]:
    """A ``contractgate.Client`` talking to ``contractgate_gateway``."""
    client_cls = _client_class("Client")
    client = client_cls(
        base_url=contractgate_gateway.base_url, api_key=contractgate_gateway.api_key
    )
    try:
        yield client
    finally:
        client.close()


def _make_async_fixture() -> Callable[..., Any]:
    try:
        import pytest_asyncio
    except ImportError:

        @pytest.fixture(name="contractgate_async_client")
        def _skip_async_client(contractgate_gateway: LocalGateway) -> Any:
            """A ``contractgate.AsyncClient`` (needs pytest-asyncio)."""
            pytest.skip(
                "contractgate_async_client needs pytest-asyncio (pip install pytest-asyncio)"
            )

        return _skip_async_client

    @pytest_asyncio.fixture(name="contractgate_async_client")
    async def _async_client(contractgate_gateway: LocalGateway) -> Any:
        """A ``contractgate.AsyncClient`` talking to ``contractgate_gateway``."""
        client_cls = _client_class("AsyncClient")
        client = client_cls(
            base_url=contractgate_gateway.base_url, api_key=contractgate_gateway.api_key
        )
        try:
            yield client
        finally:
            await client.aclose()

    return _async_client


contractgate_async_client = _make_async_fixture()
