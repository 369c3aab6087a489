"""pytest plugin (entry point ``contractgate``): a local gateway, contracts by name, and
readable failures for contract verdicts. See ``docs/local-gateway.md``.

Fixtures:

``contractgate_gateway`` (session)
    A started :class:`contractgate.gateway.LocalGateway` serving the contracts folder
    (``--contractgate-contracts DIR``, or ``contractgate_contracts`` in the ini file;
    default ``contracts``), in-memory database, free loopback port. Shared by the session:
    tests see each other's rows; each test starts with full rate-limit buckets and no
    armed faults.
``contractgate_isolated_gateway``
    The same gateway, with a fresh empty database (and no faults, full rate buckets, the
    session's keys) for this test only; the shared rows are back afterwards. Costs one
    in-memory SQLite database, not a server.
``contractgate_client`` / ``contractgate_async_client``
    A ``contractgate.Client`` / ``AsyncClient`` bound to that gateway (directly, not
    through the environment's proxies). The async one needs pytest-asyncio; a bare
    ``async def`` test using it runs in strict mode too.
``contractgate_contract`` (session)
    ``contractgate_contract("orders")`` → the ``CompiledContract`` of the latest stable
    version in the same folder (``version="1.0.0"`` for another).
``contractgate_deployed_contract`` (session)
    The same, as deployed on the gateway named by ``CONTRACTGATE_BASE_URL``.

Assertions: a failing ``assert result.passed`` (or ``assert resp.failed == 0``,
``assert vr.violations == []``, ...) lists the violations as ``field  kind  message``
(the first 50, all with ``-vv``);
:mod:`contractgate.testing` has ``assert_valid`` / ``assert_invalid``.

Importing this plugin is cheap: nothing of the gateway, the validator or httpx is
imported until a fixture or a failing assertion needs it.
"""

from __future__ import annotations

import inspect
import re
import warnings
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Generator,
    Iterator,
    List,
    NoReturn,
    Optional,
    Tuple,
)

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from contractgate.gateway import LocalGateway
    from contractgate.gateway._contracts import ContractRegistry

__all__ = [
    "ContractLoader",
    "DeployedContractLoader",
    "contractgate_async_client",
    "contractgate_client",
    "contractgate_contract",
    "contractgate_deployed_contract",
    "contractgate_gateway",
    "contractgate_isolated_gateway",
    "pytest_addoption",
    "pytest_assertrepr_compare",
    "pytest_configure",
]

_INI = "contractgate_contracts"
_ADMIN = "contractgate_admin"
_DEFAULT = "contracts"
_ASYNC_FIXTURE = "contractgate_async_client"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contractgate", "contractgate local gateway")
    group.addoption(
        "--contractgate-contracts",
        dest=_INI,
        default=None,
        metavar="DIR",
        help="folder of contract YAML files for the contractgate fixtures "
        "(default: the contractgate_contracts ini value, else 'contracts')",
    )
    group.addoption(
        "--contractgate-admin",
        dest=_ADMIN,
        action="store_true",
        default=None,
        help="start contractgate_gateway with its admin routes (/_admin/faults, "
        "POST /_admin/reset), for tests driven from other processes",
    )
    parser.addini(
        _INI,
        help="folder of contract YAML files for the contractgate fixtures, relative to the "
        "ini file (default: contracts)",
        default=None,
    )
    parser.addini(
        _ADMIN,
        help="start contractgate_gateway with its admin routes (default: false)",
        type="bool",
        default=False,
    )


def pytest_configure(config: pytest.Config) -> None:
    """A ``contractgate_admin`` ini value that is no boolean stops the run at once (a
    usage error naming it), as a bad command-line option would."""
    _admin_routes(config)


def _admin_routes(config: pytest.Config) -> bool:
    """Whether the session's gateway serves the admin routes."""
    try:
        ini = bool(config.getini(_ADMIN))
    except (ValueError, pytest.UsageError) as err:  # ValueError before pytest 9
        raise pytest.UsageError(f"{_ADMIN}: {err} (use true or false)") from None
    return bool(config.getoption(_ADMIN, default=None)) or ini


def _contracts_dir(config: pytest.Config) -> Tuple[Path, str]:
    """The contracts folder, and what chose it (for the error when it is missing)."""
    opt: Optional[str] = config.getoption(_INI, default=None)
    if opt:
        return Path(opt).expanduser().resolve(), f"given by --contractgate-contracts {opt!r}"
    ini: Any = config.getini(_INI)
    base = Path(config.inipath).parent if config.inipath is not None else config.rootpath
    if ini:
        where = f"given by the {_INI} ini option {str(ini)!r}, relative to {base}"
        return (base / str(ini)).expanduser().resolve(), where
    for candidate in (Path.cwd() / _DEFAULT, config.rootpath / _DEFAULT):
        if candidate.exists():
            return candidate.resolve(), "the default"
    return (config.rootpath / _DEFAULT).resolve(), (
        "the default; set --contractgate-contracts DIR or the contractgate_contracts ini option"
    )


def _existing_contracts_dir(config: pytest.Config, fixture: str) -> Path:
    """The contracts folder; a missing one fails the test with a message naming the
    option that chose it (no traceback: the test's code is not at fault)."""
    folder, where = _contracts_dir(config)
    if not folder.exists():
        pytest.fail(f"{fixture}: contracts folder not found: {folder} ({where})", pytrace=False)
    return folder


def _warn_problems(fixture: str, problems: List[Any]) -> None:
    """Each file of the folder that could not be used, as a warning of the test setting
    the fixture up (an error of each test using it under ``-W error``)."""
    for problem in problems:
        warnings.warn(f"{fixture}: {problem}", stacklevel=1)


# ---------------------------------------------------------------------------- gateway


#: The session's gateway while it runs, for the per-test refill of its rate buckets.
_SESSION_GATEWAY = pytest.StashKey["LocalGateway"]()


@pytest.fixture(scope="session")
def contractgate_gateway(request: pytest.FixtureRequest) -> Iterator[LocalGateway]:
    """A local gateway serving the project's contracts for the whole test session."""
    from contractgate.gateway import LocalGateway

    config = request.config
    folder = _existing_contracts_dir(config, "contractgate_gateway")
    gw = LocalGateway(contracts_dir=folder, admin=_admin_routes(config))
    _warn_problems("contractgate_gateway", gw.problems)
    gw.start()
    config.stash[_SESSION_GATEWAY] = gw
    try:
        yield gw
    finally:
        del config.stash[_SESSION_GATEWAY]
        gw.stop()


@pytest.fixture
def contractgate_isolated_gateway(contractgate_gateway: LocalGateway) -> Iterator[LocalGateway]:
    """The session's gateway with a fresh, empty state for this test (see
    :meth:`LocalGateway.isolated`): same server, port and API key."""
    with contractgate_gateway.isolated() as gw:
        yield gw


@pytest.fixture
def contractgate_client(contractgate_gateway: LocalGateway) -> Iterator[Any]:
    """A ``contractgate.Client`` talking to ``contractgate_gateway`` (directly: proxies
    of the environment, ``HTTP_PROXY`` and the like, are not for the loopback gateway)."""
    import httpx

    from contractgate import Client
    from contractgate._http.deadline import bound

    transport = httpx.HTTPTransport()
    bound(transport)  # each attempt's deadline down to the socket, as Client's own
    with Client(
        base_url=contractgate_gateway.base_url,
        api_key=contractgate_gateway.api_key,
        transport=transport,
    ) as c:
        yield c


def _skip_without_asyncio(config: pytest.Config) -> None:
    """Skip the test when pytest-asyncio is not installed, or installed but disabled
    (``-p no:asyncio``): nothing would run the async client's fixture then."""
    if not config.pluginmanager.has_plugin("asyncio"):
        pytest.skip(
            f"{_ASYNC_FIXTURE} needs pytest-asyncio, installed (pip install pytest-asyncio) "
            "and not disabled (-p no:asyncio)"
        )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture of the test is set up: the session's gateway gets full rate
    buckets and no armed faults, so the requests of earlier tests cannot make this
    one's answer a 429, nor a fault an earlier test left unused a 503; a test using
    ``contractgate_async_client`` without an active pytest-asyncio is skipped (else
    pytest fails it, or errors internally)."""
    gw = item.config.stash.get(_SESSION_GATEWAY, None)
    if gw is not None:
        gw.refill_rate_limits()
        gw.faults.clear()
    if _ASYNC_FIXTURE in getattr(item, "fixturenames", ()):
        _skip_without_asyncio(item.config)


def _make_async_fixture() -> Callable[..., Any]:
    try:
        import pytest_asyncio
    except ImportError:

        @pytest.fixture(name=_ASYNC_FIXTURE)
        def _skip_async_client(request: pytest.FixtureRequest) -> Any:
            """A ``contractgate.AsyncClient`` (needs pytest-asyncio)."""
            _skip_without_asyncio(request.config)

        return _skip_async_client

    @pytest_asyncio.fixture(name=_ASYNC_FIXTURE)
    async def _async_client(contractgate_gateway: LocalGateway) -> Any:
        """A ``contractgate.AsyncClient`` talking to ``contractgate_gateway`` (directly,
        not through the environment's proxies)."""
        import httpx

        from contractgate import AsyncClient

        async with AsyncClient(
            base_url=contractgate_gateway.base_url,
            api_key=contractgate_gateway.api_key,
            transport=httpx.AsyncHTTPTransport(),
        ) as client:
            yield client

    return _async_client


contractgate_async_client = _make_async_fixture()


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_pycollect_makeitem(collector: Any, name: str, obj: object) -> Generator[None, Any, None]:
    """An ``async def`` test using ``contractgate_async_client`` is an asyncio test: mark
    it, so pytest-asyncio runs it in strict mode too (unless another async runner's mark
    is on it). Runs inside pytest-asyncio's own collection hook, which reads the mark."""
    outcome = yield
    if not inspect.iscoroutinefunction(obj):
        return
    result = outcome.get_result()
    items = result if isinstance(result, list) else [result]
    for item in items:
        if (
            isinstance(item, pytest.Function)
            and _ASYNC_FIXTURE in item.fixturenames
            and item.config.pluginmanager.has_plugin("asyncio")
            and not any(item.get_closest_marker(m) for m in ("asyncio", "anyio", "trio"))
        ):
            item.add_marker(pytest.mark.asyncio)


# ---------------------------------------------------------------------------- contracts


def _check_arguments(fixture: str, name: object, version: object) -> None:
    """A contract name and a version are strings: anything else is a ``TypeError``
    naming the fixture and the value, not an error from deep inside the lookup."""
    __tracebackhide__ = True
    if not isinstance(name, str):
        raise TypeError(f"{fixture}: the contract name must be a str, got {name!r}")
    if version is not None and not isinstance(version, str):
        raise TypeError(f"{fixture}: version must be a str or None, got {version!r}")


class ContractLoader:
    """``contractgate_contract(name, version=None)``: a compiled contract of the folder,
    loaded once per session. No version: the latest stable one, as the gateway picks for
    unpinned requests. ``loader.names`` lists the contracts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._registry: Optional[ContractRegistry] = None

    def _load(self) -> ContractRegistry:
        if self._registry is None:
            from contractgate.gateway._contracts import ContractRegistry

            self._registry = ContractRegistry.load(self.folder, "contractgate-pytest")
        return self._registry

    @property
    def names(self) -> List[str]:
        return sorted(c.name for c in self._load().contracts.values())

    def __repr__(self) -> str:
        return f"<contractgate_contract {self.folder}>"

    def _not_found(self, message: str) -> NoReturn:
        """Fail the test: ``message``, then each file that could not be loaded (the
        contract or version asked for may be in one)."""
        __tracebackhide__ = True
        problems = "".join(f"\n  could not load {p}" for p in self._load().problems)
        pytest.fail(f"contractgate_contract: {message}{problems}", pytrace=False)

    def __call__(self, name: str, version: Optional[str] = None) -> Any:
        _check_arguments("contractgate_contract", name, version)
        registry = self._load()
        entry = registry.by_name(name)
        if entry is None:
            self._not_found(
                f"no contract named {name!r} in {self.folder} "
                f"(contracts: {', '.join(self.names) or 'none'})"
            )
        if version is None:
            ve = entry.latest_stable()
            if ve is None:
                self._not_found(
                    f"{name!r} has no stable version; pass version= "
                    f"(versions: {', '.join(sorted(entry.versions))})"
                )
        else:
            ve = entry.versions.get(version)
            if ve is None:
                self._not_found(
                    f"{name!r} has no version {version!r} "
                    f"(versions: {', '.join(sorted(entry.versions))})"
                )
        if ve.compiled is None:
            pytest.fail(
                f"contractgate_contract: {name!r} {ve.version} ({ve.source}) does not "
                f"compile: {ve.compile_error}",
                pytrace=False,
            )
        return ve.compiled


@pytest.fixture(scope="session")
def contractgate_contract(request: pytest.FixtureRequest) -> ContractLoader:
    """Compiled contracts of the contracts folder by name:
    ``contractgate_contract("orders")`` (latest stable) or ``(..., version="1.0.0")``.
    Files that cannot be loaded are warnings of the first test using it."""
    loader = ContractLoader(_existing_contracts_dir(request.config, "contractgate_contract"))
    _warn_problems("contractgate_contract", loader._load().problems)
    return loader


# ---------------------------------------------------------------------------- assertions


def _ours(value: object) -> bool:
    """Cheap test for a contractgate verdict (or a list/tuple starting with one)."""
    if isinstance(value, (list, tuple)) and value:
        value = value[0]
    module = getattr(type(value), "__module__", None)
    return isinstance(module, str) and module.startswith("contractgate.")


def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: object, right: object
) -> Optional[List[str]]:
    """``==`` / ``!=`` between verdicts or lists of violations: which violations are
    only on one side, each as ``field  kind  message``."""
    try:
        if op not in ("==", "!=") or not (_ours(left) or _ours(right)):
            return None
        from contractgate.testing import compare_explanation

        return compare_explanation(op, left, right)
    except Exception as e:  # raised here, it would replace the user's AssertionError
        _could_not_explain("the comparison", e)
        return None


def _could_not_explain(what: str, err: Exception) -> None:
    warnings.warn(f"contractgate: could not explain {what}: {err!r}", stacklevel=1)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed ``assert`` about a verdict gets the verdict's violations appended to its
    message (pytest's own rendering cuts reprs at 240 characters): the first 50
    violations, every one with ``-vv``. The verdicts are the values the failing
    statement computed or named."""
    excinfo = call.excinfo
    if excinfo is not None and isinstance(excinfo.value, AssertionError):
        try:
            _explain_failed_assert(excinfo, full=item.config.get_verbosity() >= 2)
        except Exception as e:  # an explanation must never cost the user their report
            _could_not_explain("the failure", e)
    yield


def _squash(line: str) -> str:
    """A line with its runs of spaces collapsed (column widths differ between tables)."""
    return " ".join(line.split())


def _explain_failed_assert(excinfo: pytest.ExceptionInfo[BaseException], full: bool) -> None:
    tb = excinfo.tb
    while tb.tb_next is not None:
        tb = tb.tb_next
    frame_locals: Dict[str, Any] = dict(tb.tb_frame.f_locals)
    try:
        statement = str(excinfo.traceback[-1].statement)
    except (AssertionError, OSError, IndexError, ValueError):  # no source (exec'd code)
        statement = ""
    named = set(_IDENT.findall(statement))
    candidates = [v for k, v in frame_locals.items() if k.startswith("@py_assert")]
    candidates += [v for k, v in frame_locals.items() if k in named]
    if not any(_ours(v) for v in candidates):
        return
    from contractgate.testing import explain

    exc = excinfo.value
    message = str(exc.args[0]) if exc.args else ""
    blocks: List[str] = []
    shown = {_squash(line) for line in message.splitlines()}
    seen: set[int] = set()
    for value in candidates:
        if id(value) in seen or not _ours(value):
            continue
        seen.add(id(value))
        text = explain(value, max_violations=None) if full else explain(value)
        if text is None:
            continue
        # the violations' rows, not the lines counting those left out
        rows = {r for r in map(_squash, text.splitlines()[1:]) if not r.startswith("... and ")}
        if rows <= shown:
            continue  # already in the message (a comparison's explanation, a helper's)
        blocks.append(text)
        shown |= rows
    if blocks:
        extra = "\n\n".join(f"contractgate: {b}" for b in blocks)
        exc.args = (f"{message}\n\n{extra}" if message else extra, *exc.args[1:])


# ---------------------------------------------------------------------------- deployed contracts


class DeployedContractLoader:
    """``contractgate_deployed_contract(name_or_id, version=None)``: the compiled contract
    as deployed on the gateway named by ``CONTRACTGATE_BASE_URL`` /
    ``CONTRACTGATE_API_KEY`` (latest stable unless ``version``), through the on-disk
    cache (``Contract.from_gateway``): offline, the cached copy is used and a stale
    latest stable shows up as a ``StaleContractWarning``. Loaded once per session."""

    def __init__(self) -> None:
        self._loaded: Dict[Any, Any] = {}

    def __repr__(self) -> str:
        return "<contractgate_deployed_contract>"

    def __call__(self, contract: str, version: Optional[str] = None) -> Any:
        _check_arguments("contractgate_deployed_contract", contract, version)
        key = (contract, version)
        if key not in self._loaded:
            from contractgate.contract import Contract
            from contractgate.exceptions import ContractGateError

            try:
                self._loaded[key] = Contract.from_gateway(contract, version).compile()
            except ContractGateError as err:  # its message once, without the chain
                raise pytest.fail.Exception(
                    f"contractgate_deployed_contract: {err}", pytrace=False
                ) from None
        return self._loaded[key]


@pytest.fixture(scope="session")
def contractgate_deployed_contract() -> DeployedContractLoader:
    """Compiled contracts as deployed on the gateway, for tests that must follow the
    deployed version: ``contractgate_deployed_contract("orders")`` (latest stable) or
    ``(..., version="1.0.0")``."""
    return DeployedContractLoader()
