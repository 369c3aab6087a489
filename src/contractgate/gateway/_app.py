"""The gateway application: API keys, authentication, dispatch, and the state a request
runs against.

Framework-free: :meth:`GatewayApp.handle` takes a :class:`~._http.Request` and returns a
:class:`~._wire.Response`; ``_server.py`` does the sockets, ``_routes.py`` holds the
routing table, and the handlers live by resource (``_ingest``, ``_egress``, ``_reads``,
``_replay``, ``_admin``). Everything follows ``gateway-api.md`` (section numbers in
comments) unless marked LOCAL.
"""

from __future__ import annotations

import logging
import secrets
import threading
import traceback
from typing import Dict, FrozenSet, Optional, Tuple
from urllib.parse import unquote

from ._call import MSG_RATE_LIMITED, MSG_UNAUTHORIZED, ApiKey, Call, GatewayConfig
from ._contracts import ContractRegistry
from ._faults import FaultInjector
from ._http import Request
from ._ingest import KeyedLocks
from ._ratelimit import RateLimiter
from ._routes import Router
from ._storage import Storage
from ._transforms import contract_salt
from ._wire import Abort, Response, empty, format_ts, new_id, parse_ts, std_error

__all__ = ["KEY_FORMAT", "GatewayApp", "body_caps", "generate_api_key", "valid_key_format"]

log = logging.getLogger("contractgate.gateway")

#: Body caps (spec §4.1): (layer cap by Content-Length, buffered cap).
CAP_PROTECTED = (1_048_576, 1_048_576)
CAP_V1 = (10_485_760, 2_097_152)


def body_caps(path: str) -> Tuple[int, int]:
    """(cap checked against Content-Length, cap of the buffered body) for ``path``."""
    if path.startswith("/v1/"):
        return CAP_V1
    return CAP_PROTECTED


def generate_api_key() -> str:
    """A key in the dashboard's format: ``cg_live_`` + 48 lowercase hex characters."""
    return "cg_live_" + secrets.token_hex(24)


#: What :func:`valid_key_format` asks of a key, for the errors that refuse one.
KEY_FORMAT = (
    "API keys must start with 'cg_' and be at least 12 printable ASCII characters, without spaces"
)


def valid_key_format(key: str) -> bool:
    """``cg_`` and at least 12 characters, each printable ASCII other than a space: what
    an ``x-api-key`` header carries unchanged (HTTP trims surrounding whitespace, and has
    no agreed encoding for other characters), so a request can present the key."""
    return key.startswith("cg_") and len(key) >= 12 and all("!" <= ch <= "~" for ch in key)


class GatewayApp:
    """State and request handling of one local gateway.

    ``storage`` is the database requests run against; :meth:`swap_storage` replaces it
    (an isolated test's fresh database). Each request takes it once, when it starts.
    """

    def __init__(
        self,
        registry: ContractRegistry,
        storage: Storage,
        config: GatewayConfig,
        faults: Optional[FaultInjector] = None,
    ) -> None:
        self.registry = registry
        self.storage = storage
        self.config = config
        self.faults = faults or FaultInjector()
        self.limiter = RateLimiter()
        self.idempotency = KeyedLocks()
        self.router = Router(config.admin)
        self._keys: Dict[str, ApiKey] = {}
        self._lock = threading.Lock()
        self.secret = bytes.fromhex(
            storage.meta_default("pii_secret", lambda: secrets.token_hex(32))
        )
        self._salts: Dict[str, bytes] = {}
        # the contracts' dates count back from an epoch kept in the database (when the
        # contracts were first read for it, or its oldest row if older): a restart on the
        # same file serves them unchanged, and older than every row
        loaded = format_ts(registry.epoch)
        epoch = storage.meta_default(
            "contracts_epoch", lambda: min(storage.earliest_row_time() or loaded, loaded)
        )
        try:
            registry.stamp(parse_ts(epoch))
        except ValueError:  # an edited value: the dates of this start, as before
            registry.stamp(registry.epoch)

    # ------------------------------------------------------------------ keys

    def add_key(
        self,
        key: str,
        *,
        org_id: Optional[str] = None,
        rate_limit_rps: Optional[float] = None,
        rate_limit_burst: Optional[float] = None,
        allowed_contract_ids: Optional[FrozenSet[str]] = None,
    ) -> ApiKey:
        if not valid_key_format(key):
            raise ValueError(KEY_FORMAT)
        info = ApiKey(
            key=key,
            id=new_id(),
            org_id=org_id or self.config.org_id,
            rate_limit_rps=float(
                self.config.rate_limit_rps if rate_limit_rps is None else rate_limit_rps
            ),
            rate_limit_burst=float(
                self.config.rate_limit_burst if rate_limit_burst is None else rate_limit_burst
            ),
            allowed_contract_ids=allowed_contract_ids,
        )
        with self._lock:
            self._keys[key] = info
        return info

    def remove_key(self, key: str) -> bool:
        with self._lock:
            return self._keys.pop(key, None) is not None

    def keys(self) -> Dict[str, ApiKey]:
        """A copy of the accepted keys (see :meth:`restore_keys`)."""
        with self._lock:
            return dict(self._keys)

    def restore_keys(self, keys: Dict[str, ApiKey]) -> None:
        """Accept exactly ``keys`` again (keys added since are revoked)."""
        with self._lock:
            self._keys = dict(keys)

    def _authenticate(self, req: Request) -> ApiKey:
        """§1.2: a ``Bearer`` header takes the JWT path (always 401 locally: no JWKS);
        otherwise ``x-api-key`` must be a known key. Then the middleware token (§4.2)."""
        authz = req.header("authorization")
        if authz is not None and authz.startswith("Bearer "):
            raise Abort(std_error(401, MSG_UNAUTHORIZED))
        key = req.header("x-api-key")
        if key is None or not valid_key_format(key):
            raise Abort(std_error(401, MSG_UNAUTHORIZED))
        with self._lock:
            info = self._keys.get(key)
        if info is None:
            raise Abort(std_error(401, MSG_UNAUTHORIZED))
        decision = self.limiter.take(info.id, info.rate_limit_rps, info.rate_limit_burst)
        if not decision.allowed:
            raise Abort(std_error(429, MSG_RATE_LIMITED))
        return info

    # ------------------------------------------------------------------ state

    def salt(self, contract_id: str) -> bytes:
        """The contract's PII salt (derived from the gateway's secret)."""
        s = self._salts.get(contract_id)
        if s is None:
            s = self._salts[contract_id] = contract_salt(self.secret, contract_id)
        return s

    def swap_storage(self, storage: Storage) -> Storage:
        """Serve new requests from ``storage``; returns the one it replaces. Requests
        already running finish on the old one."""
        with self._lock:
            old, self.storage = self.storage, storage
        return old

    def reset(self, storage: Optional[Storage] = None) -> Dict[str, int]:
        """Forget all data of ``storage`` (default: the current one), disarm faults and
        refill every rate-limit bucket. Returns the rows deleted per table."""
        deleted = (storage or self.storage).clear_data()
        self.faults.clear()
        self.limiter.reset()
        return deleted

    # ------------------------------------------------------------------ dispatch

    def handle(self, req: Request) -> Response:
        """Answer one request; never raises."""
        try:
            route, raw_params, methods = self.router.match(req.method, req.path)
            if route is None:
                if methods:
                    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())
                    return empty(405, [("allow", ",".join(sorted(allowed)))])
                return empty(404)
            auth = None
            if route.auth:
                auth = self._authenticate(req)
                # §4.1: tower-http's body-size layer wraps every authenticated route,
                # reads included, and answers by Content-Length before any extractor
                req.require_layer_limit()
            # axum's Path extractor runs inside the handler, after the middleware and the
            # layer (§3.1 steps 1-2): a parameter that is not UTF-8 is refused only now
            params: Dict[str, str] = {}
            for name, raw in raw_params.items():
                try:
                    params[name] = unquote(raw, errors="strict")
                except UnicodeDecodeError:
                    return Response(
                        400, b"Invalid URL: invalid utf-8 in path", "text/plain; charset=utf-8"
                    )
            return route.handler(Call(self, self.storage, req, params, auth))
        except Abort as a:
            return a.response
        except Exception:
            log.error(
                "internal error handling %s %s\n%s", req.method, req.path, traceback.format_exc()
            )
            return std_error(500, "Internal server error")
