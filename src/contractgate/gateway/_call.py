"""What every route handler shares: the request context (:class:`Call`), API keys, the
gateway's configuration, its limits, and the spec's standard error answers.

A handler is ``(call) -> Response``. :class:`Call` carries the request, its path
parameters, the authenticated key, and the database the request runs against, taken
once when the request starts (so swapping in a fresh database for an isolated test never
splits one request across two databases).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

from ._contracts import ContractEntry, VersionEntry
from ._http import Request
from ._storage import Storage
from ._wire import Abort, json_response, parse_uuid, std_error, uuid_error

if TYPE_CHECKING:  # pragma: no cover
    from ._app import GatewayApp

__all__ = [
    "API_VERSION",
    "MAX_BATCH",
    "MAX_EVENT_BYTES",
    "MSG_RATE_LIMITED",
    "MSG_UNAUTHORIZED",
    "ApiKey",
    "Call",
    "GatewayConfig",
    "Resolved",
    "bad_request",
    "batch_events",
    "batch_status",
    "check_batch",
    "compile_error",
    "legacy_pin",
    "no_stable",
    "positive_number",
    "resolve",
    "timeout_seconds",
    "usage_period",
    "version_not_found",
]

API_VERSION = "0.1.0"  # what /health and /ready report, as the real gateway does
MAX_BATCH = 1000
MAX_EVENT_BYTES = 1_048_576
PLAN_LIMITS: Dict[str, Optional[int]] = {
    "free": 1_000_000,
    "growth": 50_000_000,
    "enterprise": None,
}
UPGRADE_URL = "https://app.datacontractgate.com/pricing"

MSG_UNAUTHORIZED = "Unauthorized: missing or invalid API key"
MSG_RATE_LIMITED = "Rate limit exceeded — too many requests"


def positive_number(name: str, value: Any) -> float:
    """``value`` as a float when it is a finite number greater than 0 (not a bool), else
    a ``ValueError`` naming ``name`` (NaN would compare false with every bound)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise ValueError(f"{name} must be a finite number greater than 0, got {value!r}")
    return float(value)


def timeout_seconds(name: str, value: Any) -> float:
    """A timeout: a :func:`positive_number` of seconds the platform can wait on a socket
    or a lock (``threading.TIMEOUT_MAX``, ~292 years on Linux); a longer one would make
    every connection fail with an ``OverflowError``."""
    seconds = positive_number(name, value)
    if seconds > threading.TIMEOUT_MAX:
        raise ValueError(
            f"{name} must be at most {threading.TIMEOUT_MAX:.0f} seconds, got {value!r}"
        )
    return seconds


def bucket_size(name: str, value: Any) -> float:
    """A rate-limit burst: a :func:`positive_number` of at least 1 (a smaller bucket
    never holds the token a request takes, so every request would be refused)."""
    size = positive_number(name, value)
    if size < 1:
        raise ValueError(
            f"{name} must be at least 1 (a request takes one token, /v1/ingest two), "
            f"got {value!r}"
        )
    return size


@dataclass(frozen=True)
class ApiKey:
    """An accepted API key: its org, its token bucket and the contracts it may use."""

    key: str = field(repr=False)  # a secret: never in a repr
    id: str
    org_id: str
    rate_limit_rps: float
    rate_limit_burst: float
    allowed_contract_ids: Optional[FrozenSet[str]] = None


@dataclass(frozen=True)
class GatewayConfig:
    """What the gateway's answers depend on besides the contracts and the data."""

    org_id: str
    admin: bool = False
    store_payloads: bool = True
    plan: str = "free"
    monthly_event_limit: Optional[int] = None
    request_timeout: float = 30.0
    rate_limit_rps: float = 100.0
    rate_limit_burst: float = 1000.0

    def plan_limit(self) -> Optional[int]:
        """The monthly event cap (None: unlimited)."""
        if self.monthly_event_limit is not None:
            return self.monthly_event_limit
        return PLAN_LIMITS.get(self.plan, 1_000_000)


# ---------------------------------------------------------------------------- errors


def bad_request(msg: str) -> Abort:
    return Abort(std_error(400, f"Invalid request: {msg}"))


def contract_not_found(cid: str) -> Abort:
    return Abort(std_error(404, f"Contract not found: {cid}"))


def version_not_found(version: str, cid: str) -> Abort:
    return Abort(std_error(404, f"Version {version} not found on contract {cid}"))


def no_stable(cid: str) -> Abort:
    return Abort(std_error(409, f"Contract {cid} has no stable version yet"))


def compile_error(cid: str, ve: VersionEntry) -> Abort:
    return Abort(
        std_error(
            422,
            f"Invalid contract YAML: could not compile contract {cid}@{ve.version}: "
            f"{ve.compile_error}",
        )
    )


# ---------------------------------------------------------------------------- rules


def usage_period(now: Optional[datetime] = None) -> str:
    """The usage counter's month, ``YYYY-MM`` (UTC)."""
    return (now or datetime.now(timezone.utc)).strftime("%Y-%m")


def batch_status(total: int, passed: int, atomic: bool) -> int:
    """§3.1 status selection (also used by /v1)."""
    if atomic and passed < total:
        return 422
    if passed == total:
        return 200
    if passed == 0:
        return 422
    return 207


def check_batch(events: List[Any]) -> List[Any]:
    """A batch holds 1..1000 events (§4.1)."""
    if not events:
        raise bad_request("Empty event batch")
    if len(events) > MAX_BATCH:
        raise bad_request(
            f"Batch too large: {len(events)} events submitted, maximum is {MAX_BATCH}"
        )
    return events


def batch_events(body: Any) -> List[Any]:
    """A legacy route's JSON body as a batch: one event, or a list of them."""
    return check_batch(body if isinstance(body, list) else [body])


def legacy_pin(req: Request, raw: str) -> Tuple[str, Optional[str], Optional[str]]:
    """``{uuid}[@version]`` plus ``X-Contract-Version`` (header beats suffix):
    (contract id, pinned version or None, pin source or None)."""
    ident, at, suffix = raw.partition("@")
    cid = parse_uuid(ident)
    if cid is None:
        raise bad_request(f"invalid contract_id in path: {uuid_error(ident)}")
    header = req.header("x-contract-version")
    if header is not None and header.strip():
        return cid, header.strip(), "header"
    if at and suffix:
        return cid, suffix, "path"
    return cid, None, None


@dataclass(frozen=True)
class Resolved:
    """The contract version a request runs against, and why (§6.1)."""

    contract: ContractEntry
    version: VersionEntry
    pin_source: str


def resolve(contract: ContractEntry, pin: Optional[str], pin_source: str) -> Resolved:
    """§6.1: a pin must exist (404); no pin means the latest stable (409 if none)."""
    if pin is not None:
        ve = contract.versions.get(pin)
        if ve is None:
            raise version_not_found(pin, contract.id)
        return Resolved(contract, ve, pin_source)
    latest = contract.latest_stable()
    if latest is None:
        raise no_stable(contract.id)
    return Resolved(contract, latest, "default_stable")


# ---------------------------------------------------------------------------- the call


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it."""

    app: GatewayApp
    storage: Storage
    req: Request
    params: Mapping[str, str]
    auth: Optional[ApiKey]

    @property
    def key(self) -> ApiKey:
        """The authenticated key (every route but /health, /ready and /_admin has one)."""
        if self.auth is None:  # pragma: no cover - a routing-table mistake
            raise Abort(std_error(401, MSG_UNAUTHORIZED))
        return self.auth

    def contract(self, contract_id: str) -> ContractEntry:
        """The contract, as the caller's org sees it (another org's is a 404)."""
        entry = self.app.registry.get(contract_id, self.auth.org_id if self.auth else None)
        if entry is None:
            raise contract_not_found(contract_id)
        return entry

    def check_allowed(self, contract_id: str) -> None:
        """A key restricted to some contracts gets a 401 for the others."""
        allowed = self.key.allowed_contract_ids
        if allowed is not None and contract_id not in allowed:
            raise Abort(std_error(401, MSG_UNAUTHORIZED))

    def check_plan_cap(self) -> None:
        """§4.4: blocks once used >= cap; the batch that crosses the cap is allowed."""
        config = self.app.config
        limit = config.plan_limit()
        if limit is None:
            return
        period = usage_period()
        used = self.storage.usage_used(self.key.org_id, period)
        if used >= limit:
            raise Abort(
                json_response(
                    429,
                    {
                        "error": "plan_limit_exceeded",
                        "detail": f"Plan event limit exceeded for plan '{config.plan}' "
                        f"({used}/{limit} in {period})",
                        "plan": config.plan,
                        "limit": limit,
                        "used": used,
                        "period": period,
                        "upgrade_url": UPGRADE_URL,
                        "status": 429,
                    },
                )
            )

    def stores_bodies(self, contract: ContractEntry) -> bool:
        """Whether event bodies go into audit and quarantine rows (§6.5)."""
        return self.app.config.store_payloads and contract.store_event_payloads
