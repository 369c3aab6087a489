"""``LocalGateway``: the gateway's HTTP API on your own machine, in a background thread."""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Type, Union

from ._app import KEY_FORMAT, GatewayApp, generate_api_key, valid_key_format
from ._call import (
    PLAN_LIMITS,
    ApiKey,
    GatewayConfig,
    bucket_size,
    positive_number,
    timeout_seconds,
)
from ._contracts import CONTRACT_NAMESPACE, ContractRegistry, LoadProblem, contract_uuid
from ._faults import FaultInjector
from ._server import GatewayServer, ServerLimits
from ._storage import Storage
from ._wire import parse_uuid

__all__ = ["DEFAULT_ORG_ID", "LocalGateway"]

#: The org every contract of the folder (and the default key) belongs to, unless
#: ``org_id=`` says otherwise. Deterministic, so a file database keeps its rows visible
#: across restarts.
DEFAULT_ORG_ID = str(uuid.uuid5(CONTRACT_NAMESPACE, "contractgate-local-org"))

ApiKeysArg = Union[None, str, Iterable[str], Mapping[str, Optional[Mapping[str, Any]]]]


def _flag(name: str, value: Any) -> bool:
    """An on/off option: a bool (or the int 0 or 1), else a ``ValueError`` naming it: a
    string such as ``"false"`` (read from the environment, say) is truthy, and
    ``admin="false"`` would open the admin routes, which take no key."""
    if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
        return bool(value)
    raise ValueError(f"{name} must be True or False, got {value!r}")


def _plan(value: Any) -> str:
    if not isinstance(value, str) or value not in PLAN_LIMITS:
        raise ValueError(f"plan must be one of {', '.join(PLAN_LIMITS)}, got {value!r}")
    return value


def _event_count(name: str, value: Any) -> Optional[int]:
    """``None`` or a whole number of events, at least 0 (0 refuses every event)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be None or an integer of at least 0, got {value!r}")
    return int(value)


def _contract_ref(ident: Any) -> str:
    """A contract id in any spelling the gateway accepts (canonical: lowercase and
    hyphenated, as rows store it), or a contract name (its id, :func:`contract_uuid`)."""
    text = str(ident)
    u = parse_uuid(text)
    return u if u is not None else contract_uuid(text)


def _check_key(spec: Mapping[str, Any]) -> None:
    """An API key's spec as given: its format, and its own bucket when it has one."""
    if not isinstance(spec["key"], str) or not valid_key_format(spec["key"]):
        raise ValueError(KEY_FORMAT)
    if spec.get("rate_limit_rps") is not None:
        positive_number("rate_limit_rps", spec["rate_limit_rps"])
    if spec.get("rate_limit_burst") is not None:
        bucket_size("rate_limit_burst", spec["rate_limit_burst"])


class LocalGateway:
    """A local ContractGate gateway speaking the real HTTP API (``gateway-api.md``).

    ::

        with LocalGateway(contracts_dir="contracts") as gw:
            httpx.post(f"{gw.base_url}/v1/ingest/{gw.contract_id('user_events')}",
                       headers={"x-api-key": gw.api_key}, json=[...])

    Arguments:
        contracts_dir: folder of contract YAML files (or one file; ``None`` for none).
        db: SQLite file path, or ``":memory:"`` (the default) for a throw-away database.
        port: TCP port; ``0`` picks a free one (see :attr:`port` / :attr:`base_url`).
        host: interface to bind, ``127.0.0.1`` by default.
        api_keys: keys to accept: one key, several, or ``{key: {org_id, rate_limit_rps,
            rate_limit_burst, allowed_contract_ids}}``. The first is :attr:`api_key`.
            Without keys a dev key (``cg_live_`` + 48 hex) is generated, and kept in the
            database when ``db`` is a file.
        admin: enable ``/_admin/faults`` (fault injection over HTTP). ``admin``,
            ``store_payloads`` and ``log_requests`` take True or False (or 1/0); anything
            else (a string such as ``"false"``) is a ``ValueError`` naming it.
        rate_limit_rps / rate_limit_burst: default token bucket of every key.
        org_id: the org owning the folder's contracts and the default keys.
        store_payloads: store event bodies in audit and quarantine rows (needed for
            replay). On by default: this is your own machine.
        plan: ``free`` | ``growth`` | ``enterprise`` (what ``/usage`` and the monthly cap
            use; another is a ``ValueError``); monthly_event_limit (an integer >= 0)
            overrides the plan's cap (handy to test a 429).
        request_timeout: the gateway's global timeout: a request body still arriving, or
            an injected delay, past it is answered 408.
        max_connections: connections served at once (one thread each); more wait in the
            listen queue until one closes.
        idle_timeout: seconds a connection may send nothing (new, or between requests)
            before it is closed.
        header_timeout: seconds a request line and headers may take from their first byte;
            past it the answer is 408 and the connection is closed.
        log_requests: print one line per request to stderr.
    """

    def __init__(
        self,
        contracts_dir: Optional[Union[str, Path]] = "contracts",
        db: Union[str, Path] = ":memory:",
        port: int = 0,
        host: str = "127.0.0.1",
        api_keys: ApiKeysArg = None,
        admin: bool = False,
        rate_limit_rps: float = 100.0,
        rate_limit_burst: float = 1000,
        org_id: Optional[str] = None,
        *,
        store_payloads: bool = True,
        plan: str = "free",
        monthly_event_limit: Optional[int] = None,
        request_timeout: float = 30.0,
        max_connections: int = ServerLimits.max_connections,
        idle_timeout: float = ServerLimits.idle_timeout,
        header_timeout: float = ServerLimits.header_timeout,
        log_requests: bool = False,
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be an integer in 0..65535, got {port!r}")
        if not isinstance(host, str) or not host.strip():  # "" would bind every interface
            raise ValueError(
                f"host must not be empty, got {host!r} (0.0.0.0 listens on every interface)"
            )
        if host.startswith("[") and host.endswith("]"):  # an IPv6 address as URLs write it
            host = host[1:-1]
        if isinstance(contracts_dir, str) and not contracts_dir.strip():
            # Path("") is the working directory: every YAML file there would be loaded
            raise ValueError(
                f"contracts_dir must be a folder or file path (None for no contracts), "
                f"got {contracts_dir!r}"
            )
        self.limits = ServerLimits(max_connections, idle_timeout, header_timeout)
        self.contracts_dir = None if contracts_dir is None else Path(contracts_dir)
        self.db = str(db)
        if not self.db.strip():  # SQLite's throw-away database: looks kept, keeps nothing
            raise ValueError(f"db must be a file path or ':memory:', got {db!r}")
        self.host = host
        self._requested_port = int(port)
        self.org_id = str(org_id) if org_id is not None else DEFAULT_ORG_ID
        self.admin = _flag("admin", admin)
        self.faults = FaultInjector()
        self.registry = ContractRegistry.load(self.contracts_dir, self.org_id)
        self.config = GatewayConfig(
            org_id=self.org_id,
            admin=self.admin,
            store_payloads=_flag("store_payloads", store_payloads),
            plan=_plan(plan),
            monthly_event_limit=_event_count("monthly_event_limit", monthly_event_limit),
            request_timeout=timeout_seconds("request_timeout", request_timeout),
            rate_limit_rps=positive_number("rate_limit_rps", rate_limit_rps),
            rate_limit_burst=bucket_size("rate_limit_burst", rate_limit_burst),
        )
        self.log_requests = _flag("log_requests", log_requests)
        # keys given to the constructor (else a generated dev key), then add_api_key()'s
        self._key_specs: List[Dict[str, Any]] = self._normalise_keys(api_keys)
        self._added_specs: List[Dict[str, Any]] = []
        self._api_key: Optional[str] = self._key_specs[0]["key"] if self._key_specs else None
        # the dev key is generated (or read from the database) once, when the first app
        # is built: a restart must not accept it again after remove_api_key()
        self._default_key_resolved = bool(self._key_specs)
        self._storage: Optional[Storage] = None
        # the gateway's own database, then each enclosing isolated() block's, while
        # isolated() blocks are open (innermost last)
        self._saved_storages: List[Storage] = []
        self._stops = 0  # stop() calls so far (an isolated() block ending sees one)
        self._app: Optional[GatewayApp] = None
        self._server: Optional[GatewayServer] = None
        self._thread: Optional[threading.Thread] = None
        self._port: Optional[int] = None
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ configuration

    def _normalise_keys(self, api_keys: ApiKeysArg) -> List[Dict[str, Any]]:
        if api_keys is None:
            return []
        if isinstance(api_keys, str):
            items: List[Dict[str, Any]] = [{"key": api_keys}]
        elif isinstance(api_keys, Mapping):
            items = [{"key": k, **dict(v or {})} for k, v in api_keys.items()]
        else:
            items = [{"key": k} for k in api_keys]
        for spec in items:
            _check_key(spec)
            unknown = set(spec) - {
                "key",
                "org_id",
                "rate_limit_rps",
                "rate_limit_burst",
                "allowed_contract_ids",
            }
            if unknown:
                raise ValueError(f"unknown API key option(s): {sorted(unknown)}")
            spec["allowed_contract_ids"] = self._allowed(spec.get("allowed_contract_ids"))
        return items

    def _allowed(self, ids: Optional[Iterable[str]]) -> Optional[FrozenSet[str]]:
        if ids is None:
            return None
        if isinstance(ids, str):
            ids = [ids]
        return frozenset(_contract_ref(ident) for ident in ids)

    # ------------------------------------------------------------------ lifecycle

    def _open_storage(self) -> Storage:
        """A new connection to the gateway's database; inside an :meth:`isolated` block a
        fresh in-memory one, so a restart in the block never serves the gateway's own."""
        return Storage(":memory:" if self._saved_storages else self.db)

    def _ensure_storage(self) -> Storage:
        """The database requests run against, opened if there is none (or it was closed
        by :meth:`stop`)."""
        with self._lock:
            if self._storage is None or self._storage.closed:
                self._storage = self._open_storage()
                self._app = None
            return self._storage

    def _ensure_app(self) -> GatewayApp:
        with self._lock:
            storage = self._ensure_storage()
            if self._app is None:
                # the gateway's own database (not an isolated block's) holds the dev key
                # and the PII secret
                own = self._saved_storages[0] if self._saved_storages else storage
                app = GatewayApp(self.registry, own, self.config, self.faults)
                app.swap_storage(storage)
                if not self._default_key_resolved:
                    default = own.meta_default("default_api_key", generate_api_key)
                    self._key_specs.append({"key": default, "allowed_contract_ids": None})
                    self._api_key = default
                    self._default_key_resolved = True
                for spec in self._key_specs + self._added_specs:
                    self._register(app, spec)
                self._app = app
            return self._app

    @staticmethod
    def _register(app: GatewayApp, spec: Mapping[str, Any]) -> ApiKey:
        return app.add_key(
            spec["key"],
            org_id=spec.get("org_id"),
            rate_limit_rps=spec.get("rate_limit_rps"),
            rate_limit_burst=spec.get("rate_limit_burst"),
            allowed_contract_ids=spec.get("allowed_contract_ids"),
        )

    def start(self) -> LocalGateway:
        """Bind the port and serve in a background (daemon) thread. Idempotent."""
        with self._lock:
            if self._server is not None:
                return self
            opened = self._storage is None or self._storage.closed
            app = self._ensure_app()
            try:
                server = GatewayServer(
                    (self.host, self._requested_port), app, self.log_requests, self.limits
                )
            except BaseException as err:  # the port is taken, the host unknown: leave
                if opened and self._storage is not None:  # nothing open
                    self._storage.close()
                    self._storage = self._app = None
                if isinstance(err, OSError):  # say where (socket's own text names nothing)
                    raise OSError(
                        err.errno,
                        f"cannot listen on {self.host}:{self._requested_port}: "
                        f"{err.strerror or err}",
                    ) from err
                raise
            self._server = server
            self._port = int(server.server_address[1])
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"contractgate-gateway:{self._port}",
                daemon=True,
            )
            self._thread.start()
            return self

    def stop(self) -> None:
        """Stop serving, close open connections and the database. Idempotent."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            if server is not None:
                server.shutdown()
                server.close_connections()
                server.server_close()
            if thread is not None:
                thread.join(timeout=5.0)
            if self._storage is not None:
                self._storage.close()
            self._app = None
            self._stops += 1

    close = stop

    def __enter__(self) -> LocalGateway:
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self.base_url if self.running else "stopped"
        return f"<LocalGateway {state} contracts={len(self.registry.contracts)} db={self.db!r}>"

    # ------------------------------------------------------------------ properties

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the gateway is not started; call start() or use `with`")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://<host>:<port>`` (IPv6 hosts bracketed)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_key(self) -> str:
        """The default API key (the first configured one, or the generated dev key)."""
        if self._api_key is None:
            self._ensure_app()
        assert self._api_key is not None
        return self._api_key

    @property
    def storage(self) -> Storage:
        return self._ensure_storage()

    @property
    def app(self) -> GatewayApp:
        return self._ensure_app()

    @property
    def problems(self) -> List[LoadProblem]:
        """Contract files (or manifest entries) that could not be used, with the reason."""
        return list(self.registry.problems)

    @property
    def contracts(self) -> Dict[str, str]:
        """Loaded contract names → ids."""
        return {c.name: c.id for c in self.registry.contracts.values()}

    def contract_id(self, name: str) -> str:
        """The deterministic id (uuid5 of the name) of contract ``name``."""
        return contract_uuid(name)

    # ------------------------------------------------------------------ keys

    def add_api_key(
        self,
        key: Optional[str] = None,
        *,
        org_id: Optional[str] = None,
        rate_limit_rps: Optional[float] = None,
        rate_limit_burst: Optional[float] = None,
        allowed_contract_ids: Optional[Iterable[str]] = None,
    ) -> str:
        """Accept another key (generated when ``key`` is None) and return it.

        ``org_id``: another org sees none of this gateway's contracts or rows (404s).
        ``allowed_contract_ids``: ids (or contract names) the key may ingest/egress to.
        """
        key = generate_api_key() if key is None else key
        spec = {
            "key": key,
            "org_id": None if org_id is None else str(org_id),
            "rate_limit_rps": rate_limit_rps,
            "rate_limit_burst": rate_limit_burst,
            "allowed_contract_ids": self._allowed(allowed_contract_ids),
        }
        _check_key(spec)
        with self._lock:
            self._added_specs = [s for s in self._added_specs if s["key"] != key] + [spec]
            if self._app is not None:
                self._register(self._app, spec)
        return key

    def remove_api_key(self, key: str) -> bool:
        """Revoke ``key`` immediately, also for later restarts (the generated dev key
        too). True if it was known."""
        with self._lock:
            known = any(s["key"] == key for s in self._key_specs + self._added_specs)
            self._key_specs = [s for s in self._key_specs if s["key"] != key]
            self._added_specs = [s for s in self._added_specs if s["key"] != key]
            if self._app is not None:
                known = self._app.remove_key(key) or known
            return known

    def reset(self) -> None:
        """Forget all data (audit, quarantine, forwards, idempotency records, usage),
        disarm pending faults and refill every rate-limit bucket. Keys, contracts and the
        PII salt stay. Handy between tests sharing the session's gateway."""
        with self._lock:
            self._ensure_app().reset()

    def refill_rate_limits(self) -> None:
        """Fill every API key's rate-limit bucket, keeping the data: what earlier
        requests spent cannot turn a later one into a 429 (the pytest plugin does this
        before each test)."""
        with self._lock:
            self._ensure_app().limiter.reset()

    @contextmanager
    def isolated(self) -> Iterator[LocalGateway]:
        """A fresh, empty state for the ``with`` block, on the same server and port::

            with gw.isolated():
                ...  # no audit, quarantine, forward, idempotency or usage rows yet

        Inside, requests run against a new in-memory database; faults are disarmed,
        rate-limit buckets full, and API keys are the ones accepted at entry. On exit the
        previous database (with its rows) is back, as are the keys; faults armed inside
        are disarmed and buckets refilled. Cheap: no new server, no contract reload.
        Requests already running at entry or exit finish on the database they started on.
        A restart (``stop()``, ``start()``) in the block serves another fresh in-memory
        database; the stop closes the gateway's own one, as any stop does (an in-memory
        one is gone, a file is opened again).
        """
        with self._lock:
            app = self._ensure_app()
            fresh = Storage(":memory:")
            saved_storage = app.swap_storage(fresh)
            saved_keys = app.keys()
            saved_specs = (list(self._key_specs), list(self._added_specs), self._api_key)
            stops = self._stops
            self._saved_storages.append(saved_storage)
            self._storage = fresh
            self.faults.clear()
            app.limiter.reset()
        try:
            yield self
        finally:
            with self._lock:
                self._saved_storages = [s for s in self._saved_storages if s is not saved_storage]
                self._key_specs, self._added_specs, self._api_key = saved_specs
                self.faults.clear()
                # the block's database is not closed here: a request still running writes
                # to it; the in-memory database goes with the last reference to it
                restored: Storage = saved_storage
                if self._stops != stops:  # stopped in the block: its database is closed,
                    saved_storage.close()  # as after any stop (an in-memory one is gone)
                    if self._app is not None:  # and started again: open it anew
                        restored = self._open_storage()
                self._storage = restored
                if self._app is not None:  # the app of a restart in the block, maybe
                    self._app.swap_storage(restored)
                    self._app.restore_keys(saved_keys)
                    self._app.limiter.reset()

    # ------------------------------------------------------------------ inspection

    def _inspect_storage(self) -> Storage:
        """The database requests run against (a gateway never started has an empty one);
        a file database closed by :meth:`stop` is opened again."""
        with self._lock:
            storage = self._storage
            if storage is not None and storage.closed:
                if self.db == ":memory:" or self._saved_storages:  # an in-memory one
                    raise RuntimeError("the in-memory database is gone once the gateway is stopped")
            return self._ensure_storage()

    def count_rows(self, table: str, **where: Any) -> int:
        """Rows of ``table`` (``audit``, ``quarantine``, ``forwarded``, ``idempotency``,
        ``usage``) matching the column filters, e.g. ``count_rows("audit", passed=False)``.
        A ``contract_id`` filter takes the id in any UUID spelling or the contract's name,
        as the ``*_rows`` helpers do."""
        if where.get("contract_id") is not None:
            where["contract_id"] = _contract_ref(where["contract_id"])
        return self._inspect_storage().count_rows(table, **where)

    def audit_rows(self, contract_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Every audit row (ingress, egress, summary and replay rows), oldest first."""
        where = {} if contract_id is None else {"contract_id": _contract_ref(contract_id)}
        return self._inspect_storage().rows("audit_log", **where)

    def quarantine_rows(self, contract_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Every quarantine row (including rows written by failed replays), oldest first."""
        where = {} if contract_id is None else {"contract_id": _contract_ref(contract_id)}
        return self._inspect_storage().rows("quarantine", **where)

    def forwarded_rows(self, contract_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Every forwarded event (what downstream would receive), oldest first."""
        where = {} if contract_id is None else {"contract_id": _contract_ref(contract_id)}
        return self._inspect_storage().rows("forwarded_events", **where)
