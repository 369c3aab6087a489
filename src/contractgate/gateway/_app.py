"""The gateway application: routing, API-key auth, rate limiting and the route handlers.

Framework-free: :meth:`GatewayApp.handle` takes a :class:`~._http.Request` and returns a
:class:`~._wire.Response`; ``_server.py`` does the sockets. Everything here follows
``gateway-api.md`` (section numbers in comments) unless marked LOCAL.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
)
from urllib.parse import unquote

from .._validation.violations import BatchRecordViolation, Violation, ViolationKind
from ._contracts import ContractEntry, ContractRegistry, VersionEntry
from ._faults import FaultInjector
from ._http import (
    BodyField,
    QueryField,
    Request,
    decode_json,
    json_body,
    parse_query,
    path_uuid,
    typed_body,
)
from ._ratelimit import Decision, RateLimiter, format_rps
from ._storage import Storage, decode_row
from ._transforms import apply_transforms, contract_salt, leakage_message, strip_undeclared
from ._wire import (
    NIL_UUID,
    Abort,
    Response,
    dumps,
    empty,
    format_ts,
    json_response,
    new_id,
    parse_uuid,
    std_error,
    uuid_error,
)

__all__ = ["ApiKey", "GatewayApp", "GatewayConfig", "generate_api_key"]

log = logging.getLogger("contractgate.gateway")

API_VERSION = "0.1.0"  # what /health and /ready report, as the real gateway does
MAX_BATCH = 1000
MAX_EVENT_BYTES = 1_048_576
MAX_IDEMPOTENCY_KEY = 255
IDEMPOTENCY_TTL_S = 24 * 3600
PLAN_LIMITS: Dict[str, Optional[int]] = {
    "free": 1_000_000,
    "growth": 50_000_000,
    "enterprise": None,
}
UPGRADE_URL = "https://app.datacontractgate.com/pricing"

MSG_UNAUTHORIZED = "Unauthorized: missing or invalid API key"
MSG_RATE_LIMITED = "Rate limit exceeded — too many requests"

#: Body caps (spec §4.1): (layer cap by Content-Length, buffered cap).
CAP_PROTECTED = (1_048_576, 1_048_576)
CAP_V1 = (10_485_760, 2_097_152)


def body_caps(path: str) -> Tuple[int, int]:
    if path.startswith("/v1/"):
        return CAP_V1
    return CAP_PROTECTED


def generate_api_key() -> str:
    """A key in the dashboard's format: ``cg_live_`` + 48 lowercase hex characters."""
    return "cg_live_" + secrets.token_hex(24)


def valid_key_format(key: str) -> bool:
    return key.startswith("cg_") and len(key) >= 12


@dataclass
class ApiKey:
    key: str
    id: str
    org_id: str
    rate_limit_rps: float
    rate_limit_burst: float
    allowed_contract_ids: Optional[FrozenSet[str]] = None


@dataclass
class GatewayConfig:
    org_id: str
    admin: bool = False
    store_payloads: bool = True
    plan: str = "free"
    monthly_event_limit: Optional[int] = None
    request_timeout: float = 30.0
    rate_limit_rps: float = 100.0
    rate_limit_burst: float = 1000.0


Handler = Callable[["GatewayApp", Request, Dict[str, str], Optional[ApiKey]], Response]


@dataclass
class Route:
    method: str
    pattern: Tuple[str, ...]
    handler: Handler
    auth: bool = True

    @property
    def specificity(self) -> Tuple[int, ...]:
        return tuple(1 if seg.startswith("{") else 0 for seg in self.pattern)


def _split(path: str) -> Tuple[str, ...]:
    return tuple(path.split("/")[1:]) if path.startswith("/") else (path,)


def _bad(msg: str) -> Abort:
    return Abort(std_error(400, f"Invalid request: {msg}"))


def _contract_not_found(cid: str) -> Abort:
    return Abort(std_error(404, f"Contract not found: {cid}"))


def _version_not_found(version: str, cid: str) -> Abort:
    return Abort(std_error(404, f"Version {version} not found on contract {cid}"))


def _no_stable(cid: str) -> Abort:
    return Abort(std_error(409, f"Contract {cid} has no stable version yet"))


def _compile_error(cid: str, ve: VersionEntry) -> Abort:
    return Abort(
        std_error(
            422,
            f"Invalid contract YAML: could not compile contract {cid}@{ve.version}: "
            f"{ve.compile_error}",
        )
    )


def _violations(vs: Sequence[Any]) -> List[Dict[str, Any]]:
    return [v.to_dict() for v in vs]


def _wire_violation(v: BatchRecordViolation) -> Dict[str, str]:
    """An envelope record's violation as stored per event (no ``record_index``)."""
    return Violation(v.field, v.message, v.kind).to_dict()


def _status(total: int, passed: int, atomic: bool) -> int:
    """§3.1 status selection (also used by /v1)."""
    if atomic and passed < total:
        return 422
    if passed == total:
        return 200
    if passed == 0:
        return 422
    return 207


def _percentile(sorted_vals: List[int], p: float) -> int:
    """Continuous percentile (``percentile_cont``), truncated to an integer."""
    if not sorted_vals:
        return 0
    k = (len(sorted_vals) - 1) * p
    lo = math.floor(k)
    hi = math.ceil(k)
    v = sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)
    return int(v)


@dataclass
class _Outcome:
    """One event's verdict inside an ingest batch."""

    index: int
    passed: bool
    violations: List[Any]
    validation_us: int
    version: VersionEntry
    transformed: Any = None
    quarantine_id: Optional[str] = None


@dataclass
class _Resolved:
    contract: ContractEntry
    version: VersionEntry
    pin_source: str


class GatewayApp:
    """State and request handling of one local gateway."""

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
        self._keys: Dict[str, ApiKey] = {}
        self._keys_lock = threading.Lock()
        self._idem_locks: Dict[str, Tuple[threading.Lock, int]] = {}
        self._idem_guard = threading.Lock()
        self.secret = bytes.fromhex(
            storage.meta_default("pii_secret", lambda: secrets.token_hex(32))
        )
        self._salts: Dict[str, bytes] = {}
        self.routes = self._build_routes()

    # ------------------------------------------------------------------ keys and auth

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
            raise ValueError("API keys must start with 'cg_' and be at least 12 characters long")
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
        with self._keys_lock:
            self._keys[key] = info
        return info

    def remove_key(self, key: str) -> bool:
        with self._keys_lock:
            return self._keys.pop(key, None) is not None

    def _authenticate(self, req: Request) -> ApiKey:
        """§1.2: a ``Bearer`` header takes the JWT path (always 401 locally: no JWKS);
        otherwise ``x-api-key`` must be a known key. Then the middleware token (§4.2)."""
        authz = req.header("authorization")
        if authz is not None and authz.startswith("Bearer "):
            raise Abort(std_error(401, MSG_UNAUTHORIZED))
        key = req.header("x-api-key")
        if key is None or not valid_key_format(key):
            raise Abort(std_error(401, MSG_UNAUTHORIZED))
        with self._keys_lock:
            info = self._keys.get(key)
        if info is None:
            raise Abort(std_error(401, MSG_UNAUTHORIZED))
        decision = self.limiter.take(info.id, info.rate_limit_rps, info.rate_limit_burst)
        if not decision.allowed:
            raise Abort(std_error(429, MSG_RATE_LIMITED))
        return info

    @staticmethod
    def _check_allowed(auth: ApiKey, contract_id: str) -> None:
        if auth.allowed_contract_ids is not None and contract_id not in auth.allowed_contract_ids:
            raise Abort(std_error(401, MSG_UNAUTHORIZED))

    # ------------------------------------------------------------------ dispatch

    def _build_routes(self) -> List[Route]:
        r: List[Route] = []

        def add(method: str, path: str, handler: Handler, auth: bool = True) -> None:
            r.append(Route(method, _split(path), handler, auth))

        add("GET", "/health", GatewayApp.h_health, auth=False)
        add("GET", "/ready", GatewayApp.h_ready, auth=False)
        add("POST", "/ingest/{contract_id}", GatewayApp.h_ingest)
        add("GET", "/ingest/{contract_id}/stats", GatewayApp.h_contract_stats)
        add("POST", "/v1/ingest/{contract_id}", GatewayApp.h_v1_ingest)
        add("GET", "/v1/contracts/{contract_id}/version", GatewayApp.h_v1_version)
        add("POST", "/egress/{contract_id}", GatewayApp.h_egress)
        add("POST", "/playground/validate", GatewayApp.h_playground)
        add("GET", "/contracts", GatewayApp.h_list_contracts)
        add("GET", "/contracts/{id}", GatewayApp.h_get_contract)
        add("GET", "/contracts/{id}/versions", GatewayApp.h_list_versions)
        add("GET", "/contracts/{id}/versions/latest-stable", GatewayApp.h_latest_stable)
        add("GET", "/contracts/{id}/versions/{version}", GatewayApp.h_get_version)
        add("GET", "/contracts/{id}/name-history", GatewayApp.h_name_history)
        add("POST", "/contracts/{id}/quarantine/replay", GatewayApp.h_replay)
        add(
            "GET",
            "/contracts/{id}/quarantine/{quar_id}/replay-history",
            GatewayApp.h_replay_history,
        )
        add("GET", "/audit", GatewayApp.h_audit)
        add("GET", "/stats", GatewayApp.h_stats)
        add("GET", "/quarantine", GatewayApp.h_quarantine)
        add("POST", "/quarantine/replay", GatewayApp.h_toplevel_replay)
        add("GET", "/quarantine/replay-history", GatewayApp.h_toplevel_replay_history)
        add("GET", "/usage", GatewayApp.h_usage)
        # LOCAL: contracts come from the folder; the write routes exist but say so.
        for method, path in (
            ("POST", "/contracts"),
            ("POST", "/contracts/deploy"),
            ("PATCH", "/contracts/{id}"),
            ("DELETE", "/contracts/{id}"),
            ("POST", "/contracts/{id}/versions"),
            ("PATCH", "/contracts/{id}/versions/{version}"),
            ("DELETE", "/contracts/{id}/versions/{version}"),
            ("POST", "/contracts/{id}/versions/{version}/promote"),
            ("POST", "/contracts/{id}/versions/{version}/deprecate"),
        ):
            add(method, path, GatewayApp.h_not_implemented)
        if self.config.admin:
            add("GET", "/_admin/faults", GatewayApp.h_admin_faults, auth=False)
            add("POST", "/_admin/faults", GatewayApp.h_admin_faults, auth=False)
            add("DELETE", "/_admin/faults", GatewayApp.h_admin_faults, auth=False)
        return r

    def match(self, method: str, path: str) -> Tuple[Optional[Route], Dict[str, str], List[str]]:
        """The route for ``method path`` (None: 404 if no methods, else 405 + allowed)."""
        segs = _split(path)
        best: Optional[Tuple[int, ...]] = None
        candidates: List[Tuple[Route, Dict[str, str]]] = []
        for route in self.routes:
            if len(route.pattern) != len(segs):
                continue
            params: Dict[str, str] = {}
            for pat, seg in zip(route.pattern, segs):
                if pat.startswith("{"):
                    if seg == "":
                        break
                    params[pat[1:-1]] = seg
                elif pat != seg:
                    break
            else:
                spec = route.specificity
                if best is None or spec < best:
                    best = spec
                    candidates = [(route, params)]
                elif spec == best:
                    candidates.append((route, params))
        methods = [r.method for r, _ in candidates]
        for route, params in candidates:
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route, params, methods
        return None, {}, methods

    def handle(self, req: Request) -> Response:
        """Answer one request; never raises."""
        try:
            route, raw_params, methods = self.match(req.method, req.path)
            if route is None:
                if methods:
                    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())
                    allow = ",".join(sorted(allowed))
                    return empty(405, [("allow", allow)])
                return empty(404)
            params: Dict[str, str] = {}
            for name, raw in raw_params.items():
                try:
                    params[name] = unquote(raw, errors="strict")
                except UnicodeDecodeError:
                    return Response(
                        400, b"Invalid URL: invalid utf-8 in path", "text/plain; charset=utf-8"
                    )
            auth = self._authenticate(req) if route.auth else None
            return route.handler(self, req, params, auth)
        except Abort as a:
            return a.response
        except Exception:
            log.error(
                "internal error handling %s %s\n%s", req.method, req.path, traceback.format_exc()
            )
            return std_error(500, "Internal server error")

    # ------------------------------------------------------------------ helpers

    def salt(self, contract_id: str) -> bytes:
        s = self._salts.get(contract_id)
        if s is None:
            s = self._salts[contract_id] = contract_salt(self.secret, contract_id)
        return s

    def plan_limit(self) -> Optional[int]:
        if self.config.monthly_event_limit is not None:
            return self.config.monthly_event_limit
        return PLAN_LIMITS.get(self.config.plan, 1_000_000)

    @staticmethod
    def _period(now: Optional[datetime] = None) -> str:
        return (now or datetime.now(timezone.utc)).strftime("%Y-%m")

    def _check_plan_cap(self, org_id: str) -> None:
        """§4.4: blocks once used >= cap; the batch that crosses the cap is allowed."""
        limit = self.plan_limit()
        if limit is None:
            return
        period = self._period()
        used = self.storage.usage_used(org_id, period)
        if used >= limit:
            raise Abort(
                json_response(
                    429,
                    {
                        "error": "plan_limit_exceeded",
                        "detail": f"Plan event limit exceeded for plan '{self.config.plan}' "
                        f"({used}/{limit} in {period})",
                        "plan": self.config.plan,
                        "limit": limit,
                        "used": used,
                        "period": period,
                        "upgrade_url": UPGRADE_URL,
                        "status": 429,
                    },
                )
            )

    def _contract(self, contract_id: str, auth: Optional[ApiKey]) -> ContractEntry:
        entry = self.registry.get(contract_id, auth.org_id if auth else None)
        if entry is None:
            raise _contract_not_found(contract_id)
        return entry

    @staticmethod
    def _resolve(contract: ContractEntry, pin: Optional[str], pin_source: str) -> _Resolved:
        """§6.1: a pin must exist (404); no pin means the latest stable (409 if none)."""
        if pin is not None:
            ve = contract.versions.get(pin)
            if ve is None:
                raise _version_not_found(pin, contract.id)
            return _Resolved(contract, ve, pin_source)
        latest = contract.latest_stable()
        if latest is None:
            raise _no_stable(contract.id)
        return _Resolved(contract, latest, "default_stable")

    def _stores_bodies(self, contract: ContractEntry) -> bool:
        return self.config.store_payloads and contract.store_event_payloads

    @staticmethod
    def _legacy_pin(req: Request, raw: str) -> Tuple[str, Optional[str], Optional[str]]:
        """``{uuid}[@version]`` plus ``X-Contract-Version`` (header beats suffix)."""
        ident, at, suffix = raw.partition("@")
        cid = parse_uuid(ident)
        if cid is None:
            raise _bad(f"invalid contract_id in path: {uuid_error(ident)}")
        header = req.header("x-contract-version")
        if header is not None and header.strip():
            return cid, header.strip(), "header"
        if at and suffix:
            return cid, suffix, "path"
        return cid, None, None

    @staticmethod
    def _batch(body: Any) -> List[Any]:
        events = body if isinstance(body, list) else [body]
        if not events:
            raise _bad("Empty event batch")
        if len(events) > MAX_BATCH:
            raise _bad(f"Batch too large: {len(events)} events submitted, maximum is {MAX_BATCH}")
        return events

    # ------------------------------------------------------------------ validation core

    def _validate(self, res: _Resolved, events: List[Any]) -> List[_Outcome]:
        """Per-event validation, multi-stable fallback (unpinned only, §6.2), batch
        uniqueness with the resolved version's rules (§7.1), then transforms (§6.4)."""
        resolved = res.version
        compiled = resolved.compiled
        fallback = (
            res.pin_source == "default_stable"
            and res.contract.multi_stable_resolution == "fallback"
        )
        candidates: Optional[List[VersionEntry]] = None
        outcomes: List[_Outcome] = []
        for i, event in enumerate(events):
            r = compiled.validate(event)
            decided = resolved
            us = r.validation_us
            if not r.passed and fallback:
                if candidates is None:
                    candidates = [
                        v
                        for v in res.contract.stables_newest_first()
                        if v.version != resolved.version and v.compiled is not None
                    ]
                for cand in candidates:
                    r2 = cand.compiled.validate(event)
                    us += r2.validation_us
                    if r2.passed:
                        r, decided = r2, cand
                        break
            outcomes.append(_Outcome(i, r.passed, list(r.violations), us, decided))
        for i, v in compiled.uniqueness_violations(events):
            outcomes[i].violations.append(v)
            outcomes[i].passed = False
        salt = self.salt(res.contract.id)
        for o in outcomes:
            o.transformed = apply_transforms(o.version.contract, events[o.index], salt)
        return outcomes

    def _persist_ingest(
        self,
        tx: Any,
        *,
        org_id: str,
        res: _Resolved,
        outcomes: List[_Outcome],
        atomic_rejected: bool,
        source_ip: Optional[str],
    ) -> None:
        contract = res.contract
        now = format_ts(datetime.now(timezone.utc))
        store = self._stores_bodies(contract)
        if atomic_rejected:
            failing = [o for o in outcomes if not o.passed]
            tx.insert_audit(
                id=new_id(),
                org_id=org_id,
                contract_id=contract.id,
                contract_version=res.version.version,
                passed=False,
                violation_count=len(failing),
                violation_details=[
                    {"index": o.index, "violations": _violations(o.violations)} for o in failing
                ],
                raw_event={
                    "batch_rejected": True,
                    "atomic": True,
                    "batch_size": len(outcomes),
                    "failing_count": len(failing),
                    "first_failing_index": failing[0].index,
                },
                validation_us=sum(o.validation_us for o in outcomes),
                source_ip=source_ip,
                direction="ingress",
                created_at=now,
            )
            return
        for o in outcomes:
            tx.insert_audit(
                id=new_id(),
                org_id=org_id,
                contract_id=contract.id,
                contract_version=o.version.version,
                passed=o.passed,
                violation_count=len(o.violations),
                violation_details=_violations(o.violations),
                raw_event=o.transformed if store else {},
                validation_us=o.validation_us,
                source_ip=source_ip,
                direction="ingress",
                created_at=now,
            )
            if o.passed:
                tx.insert_forward(
                    id=new_id(),
                    org_id=org_id,
                    contract_id=contract.id,
                    contract_version=o.version.version,
                    payload=o.transformed,
                    source="ingest",
                    created_at=now,
                )
            else:
                tx.insert_quarantine(
                    id=o.quarantine_id or new_id(),
                    org_id=org_id,
                    contract_id=contract.id,
                    contract_version=o.version.version,
                    raw_event=o.transformed,
                    payload_redacted=not store,
                    violation_details=_violations(o.violations),
                    violation_count=len(o.violations),
                    source_ip=source_ip,
                    direction="ingress",
                    quarantined_at=now,
                )
        tx.add_usage(org_id, self._period(), len(outcomes))

    def _deprecated_batch(
        self,
        res: _Resolved,
        events: List[Any],
        *,
        org_id: str,
        dry_run: bool,
        source_ip: Optional[str],
        summary_row: bool,
    ) -> Tuple[List[Any], str]:
        """§3.1.6 / §3.2.6: transform with the pinned version's rules and quarantine
        everything. Returns (transformed events, error message)."""
        contract, ve = res.contract, res.version
        latest = contract.latest_stable()
        latest_v = latest.version if latest else None
        salt = self.salt(contract.id)
        transformed = [apply_transforms(ve.contract, e, salt) for e in events]
        if not dry_run:
            now = format_ts(datetime.now(timezone.utc))
            store = self._stores_bodies(contract)
            details = [
                {
                    "kind": "deprecated_contract_version",
                    "pinned_version": ve.version,
                    "latest_stable": latest_v,
                }
            ]
            with self.storage.transaction() as tx:
                for t in transformed:
                    tx.insert_quarantine(
                        id=new_id(),
                        org_id=org_id,
                        contract_id=contract.id,
                        contract_version=ve.version,
                        raw_event=t,
                        payload_redacted=not store,
                        violation_details=details,
                        violation_count=1,
                        source_ip=source_ip,
                        direction="ingress",
                        quarantined_at=now,
                    )
                if summary_row:
                    tx.insert_audit(
                        id=new_id(),
                        org_id=org_id,
                        contract_id=contract.id,
                        contract_version=ve.version,
                        passed=False,
                        violation_count=1,
                        violation_details=[
                            {
                                "kind": "deprecated_contract_version",
                                "batch_size": len(events),
                                "pinned_version": ve.version,
                                "latest_stable": latest_v,
                            }
                        ],
                        raw_event={
                            "batch_rejected": True,
                            "reason": "deprecated_contract_version",
                            "batch_size": len(events),
                            "pinned_version": ve.version,
                            "latest_stable": latest_v,
                        },
                        validation_us=0,
                        source_ip=source_ip,
                        direction="ingress",
                        created_at=now,
                    )
        msg = f"Version {ve.version} on contract {contract.id} is deprecated; batch quarantined."
        return transformed, msg

    # ------------------------------------------------------------------ public routes

    def h_health(self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]) -> Response:
        return json_response(
            200, {"status": "ok", "version": API_VERSION, "service": "contractgate"}
        )

    def h_ready(self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]) -> Response:
        if not self.storage.ping():
            return json_response(503, {"status": "degraded", "db": "error"})
        return json_response(
            200,
            {"status": "ready", "db": "ok", "version": API_VERSION, "pool": {"size": 1, "idle": 1}},
        )

    # ------------------------------------------------------------------ /ingest (§3.1)

    def h_ingest(self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]) -> Response:
        assert auth is not None
        req.require_layer_limit()
        q = parse_query(
            req, [QueryField("dry_run", "bool", False), QueryField("atomic", "bool", False)]
        )
        body = json_body(req)
        cid, pin, pin_source = self._legacy_pin(req, params["contract_id"])
        self._check_allowed(auth, cid)
        contract = self._contract(cid, auth)
        res = self._resolve(contract, pin, pin_source or "default_stable")
        events = self._batch(body)
        dry_run: bool = q["dry_run"]
        atomic: bool = q["atomic"]
        if not dry_run:
            self._check_plan_cap(auth.org_id)
        source_ip = req.source_ip()
        if res.version.state == "deprecated":
            transformed, msg = self._deprecated_batch(
                res,
                events,
                org_id=auth.org_id,
                dry_run=dry_run,
                source_ip=source_ip,
                summary_row=True,
            )
            return json_response(
                422,
                {
                    "error": msg,
                    "status": 422,
                    "batch": {
                        "total": len(events),
                        "passed": 0,
                        "failed": len(events),
                        "dry_run": dry_run,
                        "atomic": atomic,
                        "resolved_version": res.version.version,
                        "version_pin_source": "pinned_deprecated",
                        "results": [
                            {
                                "passed": False,
                                "violations": [],
                                "validation_us": 0,
                                "forwarded": False,
                                "contract_version": res.version.version,
                                "transformed_event": t,
                            }
                            for t in transformed
                        ],
                    },
                },
            )
        if res.version.compiled is None:
            raise _compile_error(cid, res.version)
        if res.version.has_envelope:
            return self._envelope_ingest(req, res, body, auth.org_id, dry_run, source_ip)
        outcomes = self._validate(res, events)
        passed = sum(1 for o in outcomes if o.passed)
        atomic_rejected = atomic and passed < len(outcomes)
        if not dry_run:
            with self.storage.transaction() as tx:
                self._persist_ingest(
                    tx,
                    org_id=auth.org_id,
                    res=res,
                    outcomes=outcomes,
                    atomic_rejected=atomic_rejected,
                    source_ip=source_ip,
                )
        fwd_ok = not dry_run and not atomic_rejected
        return json_response(
            _status(len(outcomes), passed, atomic),
            {
                "total": len(outcomes),
                "passed": passed,
                "failed": len(outcomes) - passed,
                "dry_run": dry_run,
                "atomic": atomic,
                "resolved_version": res.version.version,
                "version_pin_source": res.pin_source,
                "results": [
                    {
                        "passed": o.passed,
                        "violations": _violations(o.violations),
                        "validation_us": o.validation_us,
                        "forwarded": o.passed and fwd_ok,
                        "contract_version": o.version.version,
                        "transformed_event": o.transformed,
                    }
                    for o in outcomes
                ],
            },
        )

    def _envelope_ingest(
        self,
        req: Request,
        res: _Resolved,
        body: Any,
        org_id: str,
        dry_run: bool,
        source_ip: Optional[str],
    ) -> Response:
        """§3.1.7 / validation §7.2: one wrapper object; always 200 with the batch verdict.

        LOCAL: persistence is not specified upstream; here every record gets an audit
        row and failing records a quarantine row (wrapper-level failures quarantine the
        whole payload as one row)."""
        if not isinstance(body, dict):
            raise _bad("envelope contracts expect a single JSON object wrapping the records")
        ve = res.version
        compiled = ve.compiled
        result = compiled.validate_envelope(body)
        envelope = ve.contract.envelope
        records_path = str(envelope.records_path)
        records = body.get(records_path)
        if not dry_run:
            now = format_ts(datetime.now(timezone.utc))
            store = self._stores_bodies(res.contract)
            salt = self.salt(res.contract.id)
            probe = dict(body)
            probe[records_path] = []
            wrapper_ok = (
                isinstance(records, list) and not compiled.validate_envelope(probe).violations
            )
            with self.storage.transaction() as tx:
                if wrapper_ok:
                    assert isinstance(records, list)
                    by_index: Dict[int, List[Dict[str, Any]]] = {}
                    for v in result.violations:
                        by_index.setdefault(v.record_index, []).append(_wire_violation(v))
                    for i, rec in enumerate(records):
                        vs = by_index.get(i, [])
                        t = apply_transforms(ve.contract, rec, salt)
                        tx.insert_audit(
                            id=new_id(),
                            org_id=org_id,
                            contract_id=res.contract.id,
                            contract_version=ve.version,
                            passed=not vs,
                            violation_count=len(vs),
                            violation_details=vs,
                            raw_event=t if store else {},
                            validation_us=0,
                            source_ip=source_ip,
                            direction="ingress",
                            created_at=now,
                        )
                        if vs:
                            tx.insert_quarantine(
                                id=new_id(),
                                org_id=org_id,
                                contract_id=res.contract.id,
                                contract_version=ve.version,
                                raw_event=t,
                                payload_redacted=not store,
                                violation_details=vs,
                                violation_count=len(vs),
                                source_ip=source_ip,
                                direction="ingress",
                                quarantined_at=now,
                            )
                        else:
                            tx.insert_forward(
                                id=new_id(),
                                org_id=org_id,
                                contract_id=res.contract.id,
                                contract_version=ve.version,
                                payload=t,
                                source="ingest",
                                created_at=now,
                            )
                    tx.add_usage(org_id, self._period(), len(records))
                else:
                    vs = [_wire_violation(v) for v in result.violations]
                    tx.insert_audit(
                        id=new_id(),
                        org_id=org_id,
                        contract_id=res.contract.id,
                        contract_version=ve.version,
                        passed=False,
                        violation_count=len(vs),
                        violation_details=vs,
                        raw_event=body if store else {},
                        validation_us=result.validation_us,
                        source_ip=source_ip,
                        direction="ingress",
                        created_at=now,
                    )
                    tx.insert_quarantine(
                        id=new_id(),
                        org_id=org_id,
                        contract_id=res.contract.id,
                        contract_version=ve.version,
                        raw_event=body,
                        payload_redacted=not store,
                        violation_details=vs,
                        violation_count=len(vs),
                        source_ip=source_ip,
                        direction="ingress",
                        quarantined_at=now,
                    )
                    tx.add_usage(org_id, self._period(), 1)
        return json_response(
            200,
            {
                "passed": result.passed,
                "quarantined": result.quarantined,
                "validation_us": result.validation_us,
                "violations": [v.to_dict() for v in result.violations],
            },
        )

    # ------------------------------------------------------------------ /v1/ingest (§3.2)

    @contextmanager
    def _idempotency_lock(self, key: Optional[str]) -> Iterator[None]:
        """LOCAL: requests carrying the same Idempotency-Key are processed one at a time,
        so a concurrent duplicate becomes a replay instead of a second write (§5.2)."""
        if key is None:
            yield
            return
        with self._idem_guard:
            lock, users = self._idem_locks.get(key, (threading.Lock(), 0))
            self._idem_locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._idem_guard:
                lock, users = self._idem_locks[key]
                if users <= 1:
                    del self._idem_locks[key]
                else:
                    self._idem_locks[key] = (lock, users - 1)

    def _v1_events(self, req: Request, body: bytes) -> List[Any]:
        from ..exceptions import EventDecodeError

        ctype = (req.header("content-type") or "").lower()
        events: List[Any] = []
        if "application/x-ndjson" in ctype:
            for i, raw_line in enumerate(body.split(b"\n")):
                line = raw_line[:-1] if raw_line.endswith(b"\r") else raw_line
                if not line:
                    continue
                if len(line) > MAX_EVENT_BYTES:
                    raise Abort(
                        std_error(
                            413,
                            f"Payload too large: NDJSON line {i} exceeds "
                            f"the 1 MB per-event limit ({len(line)} bytes)",
                        )
                    )
                try:
                    events.append(decode_json(line))
                except EventDecodeError as e:
                    raise _bad(f"NDJSON parse error at line {i}: {e}") from None
        else:
            try:
                value = decode_json(body)
            except EventDecodeError as e:
                raise _bad(f"JSON parse error: {e}") from None
            events = value if isinstance(value, list) else [value]
            for i, ev in enumerate(events):
                size = len(dumps(ev))
                if size > MAX_EVENT_BYTES:
                    raise Abort(
                        std_error(
                            413,
                            f"Payload too large: Event at index {i} exceeds "
                            f"the 1 MB per-event limit ({size} bytes)",
                        )
                    )
        if not events:
            raise _bad("Empty event batch")
        if len(events) > MAX_BATCH:
            raise _bad(f"Batch too large: {len(events)} events submitted, maximum is {MAX_BATCH}")
        return events

    def h_v1_ingest(self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]) -> Response:
        assert auth is not None
        q = parse_query(
            req,
            [
                QueryField("version", "str"),
                QueryField("dry_run", "bool", False),
                QueryField("atomic", "bool", False),
            ],
        )
        body = req.require_body()
        raw_id = params["contract_id"]
        cid = parse_uuid(raw_id)
        if cid is None:
            raise _bad(f"invalid contract_id: {uuid_error(raw_id)}")
        decision = self.limiter.take(auth.id, auth.rate_limit_rps, auth.rate_limit_burst)
        rl_headers = decision.headers()
        if not decision.allowed:
            rps = format_rps(auth.rate_limit_rps)
            wait = decision.retry_after_ms
            raise Abort(
                json_response(
                    429,
                    {
                        "error": "rate_limit_exceeded",
                        "detail": f"Rate limit of {rps} req/sec exceeded. Retry after {wait}ms.",
                        "retry_after_ms": wait,
                    },
                    rl_headers,
                )
            )
        key = req.header("idempotency-key")
        if key is not None and not all(c == "\t" or 0x20 <= ord(c) < 0x7F for c in key):
            key = None  # non-ASCII / non-visible values are silently ignored (§3.2)
        if key == "":
            key = None
        if key is not None and len(key.encode("latin-1")) > MAX_IDEMPOTENCY_KEY:
            raise _bad(f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} bytes")
        with self._idempotency_lock(key):
            request_hash = hashlib.sha256(body).hexdigest()
            if key is not None:
                row = self.storage.get_idempotency(key, cid, time.time())
                if row is not None:
                    if row["request_hash"] != request_hash:
                        return json_response(
                            422,
                            {
                                "error": "idempotency_conflict",
                                "detail": "A different request body was already submitted with "
                                "this Idempotency-Key.",
                            },
                        )
                    return Response(
                        int(row["status"]),
                        bytes(row["response"]),
                        "application/json",
                        [*rl_headers, ("x-idempotency-replay", "true")],
                    )
            return self._v1_process(req, q, body, cid, auth, decision, key, request_hash)

    def _v1_process(
        self,
        req: Request,
        q: Dict[str, Any],
        body: bytes,
        cid: str,
        auth: ApiKey,
        decision: Decision,
        key: Optional[str],
        request_hash: str,
    ) -> Response:
        events = self._v1_events(req, body)
        dry_run: bool = q["dry_run"]
        atomic: bool = q["atomic"]
        if not dry_run:
            self._check_plan_cap(auth.org_id)
        contract = self._contract(cid, auth)
        self._check_allowed(auth, cid)
        pin: Optional[str] = q["version"]
        res = self._resolve(contract, pin, "query_param")
        source_ip = req.source_ip()
        if res.version.state == "deprecated":
            transformed, msg = self._deprecated_batch(
                res,
                events,
                org_id=auth.org_id,
                dry_run=dry_run,
                source_ip=source_ip,
                summary_row=False,
            )
            return json_response(
                422,
                {
                    "error": msg,
                    "total": len(events),
                    "passed": 0,
                    "failed": len(events),
                    "dry_run": dry_run,
                    "version_pin_source": "pinned_deprecated",
                    "results": [
                        {
                            "index": i,
                            "passed": False,
                            "violations": [],
                            "validation_us": 0,
                            "forwarded": False,
                            "contract_version": res.version.version,
                            "quarantine_id": None,
                            "transformed_event": t,
                        }
                        for i, t in enumerate(transformed)
                    ],
                },
            )
        if res.version.compiled is None:
            raise _compile_error(cid, res.version)
        outcomes = self._validate(res, events)
        for o in outcomes:
            if not o.passed:
                o.quarantine_id = new_id()  # pre-generated, even for dry-run / atomic
        passed = sum(1 for o in outcomes if o.passed)
        atomic_rejected = atomic and passed < len(outcomes)
        fwd_ok = not dry_run and not atomic_rejected
        status = _status(len(outcomes), passed, atomic)
        payload = dumps(
            {
                "total": len(outcomes),
                "passed": passed,
                "failed": len(outcomes) - passed,
                "dry_run": dry_run,
                "atomic": atomic,
                "resolved_version": res.version.version,
                "version_pin_source": res.pin_source,
                "results": [
                    {
                        "index": o.index,
                        "passed": o.passed,
                        "violations": _violations(o.violations),
                        "validation_us": o.validation_us,
                        "forwarded": o.passed and fwd_ok,
                        "contract_version": o.version.version,
                        "quarantine_id": o.quarantine_id,
                        "transformed_event": o.transformed,
                    }
                    for o in outcomes
                ],
            }
        )
        if not dry_run:
            # LOCAL: the rows and the idempotency record commit together (upstream stores
            # them in background tasks, §10.1), so a retry after any answer is a replay.
            with self.storage.transaction() as tx:
                self._persist_ingest(
                    tx,
                    org_id=auth.org_id,
                    res=res,
                    outcomes=outcomes,
                    atomic_rejected=atomic_rejected,
                    source_ip=source_ip,
                )
                if key is not None:
                    now = time.time()
                    tx.put_idempotency(
                        key=key,
                        contract_id=cid,
                        request_hash=request_hash,
                        status=status,
                        response=payload,
                        created_at=format_ts(datetime.now(timezone.utc)),
                        expires_at=now + IDEMPOTENCY_TTL_S,
                    )
        return Response(status, payload, "application/json", decision.headers())

    # ------------------------------------------------------------------ /egress (§3.3)

    def h_egress(self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]) -> Response:
        assert auth is not None
        req.require_layer_limit()
        q = parse_query(
            req,
            [
                QueryField("disposition", "enum", "block", choices=("block", "fail", "tag")),
                QueryField("dry_run", "bool", False),
            ],
        )
        body = json_body(req)
        cid, pin, pin_source = self._legacy_pin(req, params["contract_id"])
        self._check_allowed(auth, cid)
        contract = self._contract(cid, auth)
        res = self._resolve(contract, pin, pin_source or "default_stable")
        records = self._batch(body)
        ve = res.version
        if ve.state == "deprecated":
            raise _bad(
                f"Version {ve.version} on contract {cid} is deprecated; "
                "pin a stable version for egress"
            )
        if ve.compiled is None:
            raise _compile_error(cid, ve)
        disposition: str = q["disposition"]
        dry_run: bool = q["dry_run"]
        mode = ve.egress_leakage_mode
        salt = self.salt(cid)
        outcomes: List[Dict[str, Any]] = []
        cleaned: List[Any] = []
        verdicts: List[Tuple[bool, List[Any], int]] = []

        for i, rec in enumerate(records):
            r = ve.compiled.validate(rec)
            violations = list(r.violations)
            t = apply_transforms(ve.contract, rec, salt)
            stripped: List[str] = []
            if mode in ("strip", "fail"):
                t, stripped = strip_undeclared(ve.contract, t)
                if mode == "fail":
                    violations.extend(
                        Violation(k, leakage_message(k), ViolationKind.LEAKAGE_VIOLATION)
                        for k in stripped
                    )
            ok = not violations
            if ok:
                action = "included"
            else:
                action = {"block": "blocked", "fail": "rejected", "tag": "tagged"}[disposition]
            outcome: Dict[str, Any] = {
                "index": i,
                "passed": ok,
                "violations": _violations(violations),
                "validation_us": r.validation_us,
                "action": action,
            }
            if stripped:
                outcome["stripped_fields"] = stripped
            outcomes.append(outcome)
            cleaned.append(t)
            verdicts.append((ok, violations, r.validation_us))
        passed = sum(1 for ok, _, _ in verdicts if ok)
        failed = len(records) - passed
        if disposition == "block":
            payload = [t for t, (ok, _, _) in zip(cleaned, verdicts) if ok]
        elif disposition == "fail":
            payload = [] if failed else list(cleaned)
        else:
            payload = list(cleaned)
        if (disposition == "fail" and failed) or passed == 0:
            status = 422
        elif failed:
            status = 207
        else:
            status = 200
        if not dry_run:
            now = format_ts(datetime.now(timezone.utc))
            store = self._stores_bodies(contract)
            source_ip = req.source_ip()
            with self.storage.transaction() as tx:
                for t, (ok, vs, us) in zip(cleaned, verdicts):
                    tx.insert_audit(
                        id=new_id(),
                        org_id=auth.org_id,
                        contract_id=cid,
                        contract_version=ve.version,
                        passed=ok,
                        violation_count=len(vs),
                        violation_details=_violations(vs),
                        raw_event=t if store else {},
                        validation_us=us,
                        source_ip=source_ip,
                        direction="egress",
                        created_at=now,
                    )
                    if not ok:
                        tx.insert_quarantine(
                            id=new_id(),
                            org_id=auth.org_id,
                            contract_id=cid,
                            contract_version=ve.version,
                            raw_event=t,
                            payload_redacted=not store,
                            violation_details=_violations(vs),
                            violation_count=len(vs),
                            source_ip=source_ip,
                            direction="egress",
                            quarantined_at=now,
                        )
        return json_response(
            status,
            {
                "total": len(records),
                "passed": passed,
                "failed": failed,
                "dry_run": dry_run,
                "disposition": disposition,
                "egress_leakage_mode": mode,
                "resolved_version": ve.version,
                "payload": payload,
                "outcomes": outcomes,
            },
        )

    # ------------------------------------------------------------------ playground (§3.4)

    def h_playground(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        from ..contract import Contract
        from ..exceptions import ContractCompileError

        req.require_layer_limit()
        body = typed_body(
            req, "PlaygroundRequest", [BodyField("yaml_content", "str"), BodyField("event", "any")]
        )
        try:
            compiled = Contract.from_yaml(body["yaml_content"]).compile()
        except ContractCompileError as e:
            raise Abort(std_error(422, f"Invalid contract YAML: {e.message}")) from None
        event = body["event"]
        result = compiled.validate(event)
        return json_response(
            200,
            {
                "passed": result.passed,
                "violations": _violations(result.violations),
                "validation_us": result.validation_us,
                "transformed_event": apply_transforms(compiled.contract, event, b""),
            },
        )

    # ------------------------------------------------------------------ reads (§3.5)

    def h_list_contracts(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        assert auth is not None
        return json_response(200, [c.summary() for c in self.registry.list_for(auth.org_id)])

    def h_get_contract(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        return json_response(200, self._contract(path_uuid(params["id"]), auth).response())

    def h_list_versions(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        contract = self._contract(path_uuid(params["id"]), auth)
        return json_response(200, [v.summary() for v in contract.versions_newest_first()])

    def h_latest_stable(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        contract = self._contract(path_uuid(params["id"]), auth)
        latest = contract.latest_stable()
        if latest is None:
            raise _no_stable(contract.id)
        return json_response(200, latest.response())

    def h_get_version(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        contract = self._contract(path_uuid(params["id"]), auth)
        ve = contract.versions.get(params["version"])
        if ve is None:
            raise _version_not_found(params["version"], contract.id)
        return json_response(200, ve.response())

    def h_name_history(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        self._contract(path_uuid(params["id"]), auth)
        return json_response(200, [])

    def h_v1_version(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        contract = self._contract(path_uuid(params["contract_id"]), auth)
        latest = contract.latest_stable()
        if latest is None:
            raise _no_stable(contract.id)
        return json_response(200, {"version": latest.version, "hash": latest.sha256})

    def h_not_implemented(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        return std_error(
            501,
            "Not implemented by the local gateway: contracts are loaded from "
            "the contracts folder; edit the YAML files (and _gateway.yaml) "
            "and restart",
        )

    # ------------------------------------------------------------------ audit & stats (§3.6)

    def h_audit(self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]) -> Response:
        assert auth is not None
        q = parse_query(
            req,
            [
                QueryField("contract_id", "uuid"),
                QueryField("limit", "i64", 50),
                QueryField("offset", "i64", 0),
            ],
        )
        limit = min(int(q["limit"]), 500)
        offset = int(q["offset"])
        if limit < 0 or offset < 0:
            return std_error(500, "Database error")  # Postgres rejects negative LIMIT/OFFSET
        rows = self.storage.list_audit(auth.org_id, q["contract_id"], limit, offset)
        out = []
        for row in rows:
            d = decode_row(row)
            out.append(
                {
                    "id": d["id"],
                    "contract_id": d["contract_id"],
                    "contract_version": d["contract_version"],
                    "passed": d["passed"],
                    "violation_count": d["violation_count"],
                    "violation_details": d["violation_details"],
                    "raw_event": d["raw_event"],
                    "validation_us": d["validation_us"],
                    "source_ip": d["source_ip"],
                    "created_at": d["created_at"],
                }
            )
        return json_response(200, out)

    def _stats_body(self, total: int, passed: int, us: List[int]) -> Dict[str, Any]:
        return {
            "total_events": total,
            "passed_events": passed,
            "failed_events": total - passed,
            "pass_rate": (passed / total) if total else 0.0,
            "avg_validation_us": (sum(us) / len(us)) if us else 0.0,
            "p50_validation_us": _percentile(us, 0.50),
            "p95_validation_us": _percentile(us, 0.95),
            "p99_validation_us": _percentile(us, 0.99),
        }

    def h_stats(self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]) -> Response:
        assert auth is not None
        total, passed, us = self.storage.validation_stats(org_id=auth.org_id)
        return json_response(200, self._stats_body(total, passed, us))

    def h_contract_stats(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        # Not org-scoped and not allow-list-checked, as upstream (§10.5).
        cid = path_uuid(params["contract_id"])
        total, passed, us = self.storage.validation_stats(contract_id=cid)
        return json_response(200, self._stats_body(total, passed, us))

    def h_usage(self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]) -> Response:
        assert auth is not None
        now = datetime.now(timezone.utc)
        period_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        used = self.storage.usage_used(auth.org_id, self._period(now))
        limit = self.plan_limit()
        return json_response(
            200,
            {
                "plan": self.config.plan,
                "period_start": period_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "used": used,
                "limit": limit,
                "remaining": None if limit is None else max(limit - used, 0),
                "pct": None if limit is None else (used / limit * 100.0 if limit else 100.0),
                "unlimited": limit is None,
            },
        )

    # ------------------------------------------------------------------ quarantine (§3.7)

    def h_quarantine(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        assert auth is not None
        q = parse_query(
            req,
            [
                QueryField("contract_id", "uuid"),
                QueryField("limit", "i64", 100),
                QueryField("offset", "i64", 0),
            ],
        )
        limit = max(1, min(int(q["limit"]), 500))
        offset = max(0, int(q["offset"]))
        rows = self.storage.list_quarantine(auth.org_id, q["contract_id"], limit, offset)
        out = []
        for row in rows:
            d = decode_row(row)
            out.append(
                {
                    "id": d["id"],
                    "contract_id": d["contract_id"],
                    "contract_version": d["contract_version"],
                    "raw_event": d["raw_event"],
                    "payload_redacted": d["payload_redacted"],
                    "violation_details": d["violation_details"],
                    "violation_count": d["violation_count"],
                    "source_ip": d["source_ip"],
                    "quarantined_at": d["quarantined_at"],
                    "replay_count": d["replay_count"],
                    "last_replayed_at": d["last_replayed_at"],
                    "last_replay_passed": d["last_replay_passed"],
                }
            )
        return json_response(200, out)

    def _replay_engine(
        self, contract: ContractEntry, ids: List[str], target: Optional[str]
    ) -> Dict[str, Any]:
        """The replay engine shared by both replay routes (§3.7, §10.3)."""
        if target is not None:
            ve = contract.versions.get(target)
            if ve is None:
                raise _version_not_found(target, contract.id)
            source, fallback = "explicit", False
        else:
            latest = contract.latest_stable()
            if latest is None:
                raise _no_stable(contract.id)
            ve, source = latest, "default_stable"
            fallback = contract.multi_stable_resolution == "fallback"
        if ve.compiled is None:
            raise _compile_error(contract.id, ve)
        candidates = (
            [
                v
                for v in contract.stables_newest_first()
                if v.version != ve.version and v.compiled is not None
            ]
            if fallback
            else []
        )
        last_index = {qid: i for i, qid in enumerate(ids)}
        counts = {
            k: 0
            for k in (
                "replayed",
                "still_quarantined",
                "already_replayed",
                "not_found",
                "wrong_contract",
                "purged",
                "redacted",
            )
        }
        results: List[Dict[str, Any]] = []
        now = format_ts(datetime.now(timezone.utc))
        with self.storage.transaction() as tx:
            for i, qid in enumerate(ids):
                item: Dict[str, Any] = {"quarantine_id": qid}
                row = tx.get_quarantine(qid) if last_index[qid] == i else None
                if row is None:
                    outcome = "not_found"
                elif row["contract_id"] != contract.id:
                    outcome = "wrong_contract"
                elif row["status"] == "purged":
                    outcome = "purged"
                elif row["status"] == "replayed":
                    outcome = "already_replayed"
                elif row["payload_redacted"] or row["raw_event"] is None:
                    outcome = "redacted"
                else:
                    event = decode_json(row["raw_event"].encode("utf-8"))
                    r = ve.compiled.validate(event)
                    matched = ve
                    if not r.passed:
                        for cand in candidates:
                            r2 = cand.compiled.validate(event)
                            if r2.passed:
                                r, matched = r2, cand
                                break
                    if r.passed:
                        outcome = "replayed"
                        audit_id = new_id()
                        tx.insert_audit(
                            id=audit_id,
                            org_id=None,
                            contract_id=contract.id,
                            contract_version=matched.version,
                            passed=True,
                            violation_count=0,
                            violation_details=[],
                            raw_event=event,
                            validation_us=r.validation_us,
                            source_ip=row["source_ip"],
                            direction="replay",
                            replay_source_id=qid,
                            created_at=now,
                        )
                        tx.insert_forward(
                            id=new_id(),
                            org_id=row["org_id"],
                            contract_id=contract.id,
                            contract_version=matched.version,
                            payload=event,
                            source="replay",
                            created_at=now,
                        )
                        tx.execute(
                            "UPDATE quarantine SET status = 'replayed', replayed_at = ?,"
                            " replayed_into_audit_id = ?, replay_count = replay_count + 1,"
                            " last_replayed_at = ?, last_replay_passed = 1 WHERE id = ?",
                            (now, audit_id, now, qid),
                        )
                        item["replayed_into_audit_id"] = audit_id
                        item["contract_version_matched"] = matched.version
                    else:
                        outcome = "still_quarantined"
                        tx.insert_quarantine(
                            id=new_id(),
                            org_id=row["org_id"],
                            contract_id=contract.id,
                            contract_version=ve.version,
                            raw_event=event,
                            payload_redacted=False,
                            violation_details=_violations(r.violations),
                            violation_count=len(r.violations),
                            source_ip=row["source_ip"],
                            direction=row["direction"],
                            quarantined_at=now,
                            source_id=qid,
                        )
                        tx.execute(
                            "UPDATE quarantine SET replay_count = replay_count + 1,"
                            " last_replayed_at = ?, last_replay_passed = 0 WHERE id = ?",
                            (now, qid),
                        )
                        item["new_quarantine_id"] = NIL_UUID
                        item["contract_version_attempted"] = ve.version
                        item["violation_count"] = len(r.violations)
                        item["violations"] = _violations(r.violations)
                counts[outcome] += 1
                results.append(
                    {
                        "quarantine_id": qid,
                        "outcome": outcome,
                        **{k: v for k, v in item.items() if k != "quarantine_id"},
                    }
                )
        return {
            "total": len(ids),
            **counts,
            "target_version": ve.version,
            "target_version_source": source,
            "target_is_draft": ve.state == "draft",
            "results": results,
        }

    def h_replay(self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]) -> Response:
        req.require_layer_limit()
        cid = path_uuid(params["id"])
        body = typed_body(
            req,
            "ReplayRequest",
            [BodyField("ids", "uuid_list"), BodyField("target_version", "str", True)],
        )
        contract = self._contract(cid, auth)
        ids: List[str] = body["ids"]
        if not 1 <= len(ids) <= 1000:
            raise _bad(f"ids must contain between 1 and 1000 entries (got {len(ids)})")
        return json_response(200, self._replay_engine(contract, ids, body["target_version"]))

    def h_replay_history(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        cid = path_uuid(params["id"])
        qid = path_uuid(params["quar_id"])
        self._contract(cid, auth)
        row = self.storage.query_one("SELECT * FROM quarantine WHERE id = ?", (qid,))
        if row is None or row["contract_id"] != cid:
            raise _bad(f"quarantine row {qid} not found on contract {cid}")
        failed, passed = self.storage.replay_children(qid)
        out: List[Dict[str, Any]] = [
            {
                "kind": "source",
                "id": row["id"],
                "contract_version": row["contract_version"],
                "status": row["status"],
                "violation_count": row["violation_count"],
                "replayed_at": row["replayed_at"],
                "replayed_into_audit_id": row["replayed_into_audit_id"],
                "created_at": row["quarantined_at"],
            }
        ]
        out += [
            {
                "kind": "failed_replay",
                "id": f["id"],
                "contract_version": f["contract_version"],
                "violation_count": f["violation_count"],
                "created_at": f["quarantined_at"],
            }
            for f in failed
        ]
        out += [
            {
                "kind": "passed_replay",
                "id": p["id"],
                "contract_version": p["contract_version"],
                "created_at": p["created_at"],
            }
            for p in passed
        ]
        return json_response(200, out)

    def h_toplevel_replay(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        assert auth is not None
        req.require_layer_limit()
        body = typed_body(
            req,
            "TopLevelReplayRequest",
            [
                BodyField("event_ids", "uuid_list"),
                BodyField("version", "str", True),
                BodyField("contract_id", "uuid", True),
            ],
        )
        ids: List[str] = body["event_ids"]
        version: Optional[str] = body["version"]
        asserted: Optional[str] = body["contract_id"]
        if not 1 <= len(ids) <= 1000:
            raise _bad(f"event_ids must contain between 1 and 1000 entries (got {len(ids)})")
        replayed_at = format_ts(datetime.now(timezone.utc))
        owner: Dict[str, str] = {}
        for qid in dict.fromkeys(ids):
            row = self.storage.query_one(
                "SELECT contract_id FROM quarantine WHERE id = ? AND org_id = ?", (qid, auth.org_id)
            )
            if row is not None:
                owner[qid] = str(row["contract_id"])
        if asserted is not None:
            for qid, c in owner.items():
                if c != asserted:
                    raise _bad(f"event {qid} belongs to contract {c}, not {asserted}")
        groups: Dict[str, List[int]] = {}
        for i, qid in enumerate(ids):
            if qid in owner:
                groups.setdefault(owner[qid], []).append(i)
        by_pos: Dict[int, Dict[str, Any]] = {}
        for cid in sorted(groups):
            contract = self._contract(cid, auth)
            positions = groups[cid]
            resp = self._replay_engine(contract, [ids[p] for p in positions], version)
            for p, result in zip(positions, resp["results"]):
                result["_target"] = resp["target_version"]
                by_pos[p] = result
        outcomes: List[Dict[str, Any]] = []
        for i, qid in enumerate(ids):
            result = by_pos.get(i)
            if result is None:
                outcomes.append(
                    {
                        "event_id": qid,
                        "version": version or "",
                        "passed": False,
                        "violations": [],
                        "replayed_at": replayed_at,
                    }
                )
                continue
            oc = result["outcome"]
            v = (
                result.get("contract_version_matched")
                or result.get("contract_version_attempted")
                or result["_target"]
            )
            outcomes.append(
                {
                    "event_id": qid,
                    "version": v,
                    "passed": oc == "replayed",
                    "violations": result.get("violations", []) if oc == "still_quarantined" else [],
                    "replayed_at": replayed_at,
                }
            )
        return json_response(
            200, {"replayed": sum(1 for o in outcomes if o["passed"]), "outcomes": outcomes}
        )

    def h_toplevel_replay_history(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        assert auth is not None
        q = parse_query(
            req, [QueryField("event_id", "uuid", required=True), QueryField("limit", "i64", 100)]
        )
        limit = max(1, min(int(q["limit"]), 500))
        qid: str = q["event_id"]
        row = self.storage.query_one(
            "SELECT id FROM quarantine WHERE id = ? AND org_id = ?", (qid, auth.org_id)
        )
        if row is None:
            return json_response(200, [])
        failed, passed = self.storage.replay_children(qid)
        out = [
            {
                "event_id": qid,
                "version": f["contract_version"],
                "passed": False,
                "violations": [],
                "replayed_at": f["quarantined_at"],
            }
            for f in failed
        ]
        out += [
            {
                "event_id": qid,
                "version": p["contract_version"],
                "passed": True,
                "violations": [],
                "replayed_at": p["created_at"],
            }
            for p in passed
        ]
        return json_response(200, out[:limit])

    # ------------------------------------------------------------------ admin (LOCAL)

    def h_admin_faults(
        self, req: Request, params: Dict[str, str], auth: Optional[ApiKey]
    ) -> Response:
        """``POST /_admin/faults`` arms rules (one object or a list), ``DELETE`` clears,
        ``GET`` lists what is pending. Only routed when the gateway runs with admin on."""
        if req.method == "DELETE":
            self.faults.clear()
        elif req.method == "POST":
            body = json_body(req)
            specs = body if isinstance(body, list) else [body]
            for spec in specs:
                if not isinstance(spec, dict):
                    return std_error(400, "Invalid request: each fault must be a JSON object")
                try:
                    self.faults.configure(spec)
                except (ValueError, TypeError) as e:
                    return std_error(400, f"Invalid request: {e}")
        return json_response(200, {"pending": self.faults.pending()})
