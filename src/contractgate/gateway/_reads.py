"""Read routes: health (§3.8), contracts and versions (§3.5), audit, stats and usage
(§3.6), and the quarantine list (§3.7). None of them writes anything."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any, Dict, List, Sequence

from ._call import API_VERSION, Call, no_stable, usage_period, version_not_found
from ._http import QueryField, parse_query, path_uuid
from ._storage import decode_row
from ._wire import Response, json_response, std_error

__all__ = [
    "audit",
    "contract_stats",
    "get_contract",
    "get_version",
    "health",
    "latest_stable",
    "list_contracts",
    "list_versions",
    "name_history",
    "not_implemented",
    "quarantine",
    "ready",
    "stats",
    "usage",
    "v1_version",
]

_AUDIT_COLUMNS = (
    "id",
    "contract_id",
    "contract_version",
    "passed",
    "violation_count",
    "violation_details",
    "raw_event",
    "validation_us",
    "source_ip",
    "created_at",
)
_QUARANTINE_COLUMNS = (
    "id",
    "contract_id",
    "contract_version",
    "raw_event",
    "payload_redacted",
    "violation_details",
    "violation_count",
    "source_ip",
    "quarantined_at",
    "replay_count",
    "last_replayed_at",
    "last_replay_passed",
)


def _project(rows: Sequence[Any], columns: Sequence[str]) -> List[Dict[str, Any]]:
    out = []
    for row in rows:
        d = decode_row(row)
        out.append({c: d[c] for c in columns})
    return out


# ---------------------------------------------------------------------------- health


def health(call: Call) -> Response:
    return json_response(200, {"status": "ok", "version": API_VERSION, "service": "contractgate"})


def ready(call: Call) -> Response:
    if not call.storage.ping():
        return json_response(503, {"status": "degraded", "db": "error"})
    return json_response(
        200,
        {"status": "ready", "db": "ok", "version": API_VERSION, "pool": {"size": 1, "idle": 1}},
    )


# ---------------------------------------------------------------------------- contracts


def list_contracts(call: Call) -> Response:
    return json_response(200, [c.summary() for c in call.app.registry.list_for(call.key.org_id)])


def get_contract(call: Call) -> Response:
    return json_response(200, call.contract(path_uuid(call.params["id"])).response())


def list_versions(call: Call) -> Response:
    contract = call.contract(path_uuid(call.params["id"]))
    return json_response(200, [v.summary() for v in contract.versions_newest_first()])


def latest_stable(call: Call) -> Response:
    contract = call.contract(path_uuid(call.params["id"]))
    latest = contract.latest_stable()
    if latest is None:
        raise no_stable(contract.id)
    return json_response(200, latest.response())


def get_version(call: Call) -> Response:
    contract = call.contract(path_uuid(call.params["id"]))
    ve = contract.versions.get(call.params["version"])
    if ve is None:
        raise version_not_found(call.params["version"], contract.id)
    return json_response(200, ve.response())


def name_history(call: Call) -> Response:
    call.contract(path_uuid(call.params["id"]))
    return json_response(200, [])


def v1_version(call: Call) -> Response:
    contract = call.contract(path_uuid(call.params["contract_id"]))
    latest = contract.latest_stable()
    if latest is None:
        raise no_stable(contract.id)
    return json_response(200, {"version": latest.version, "hash": latest.sha256})


def not_implemented(call: Call) -> Response:
    """LOCAL: contracts come from the folder; the write routes exist but say so."""
    return std_error(
        501,
        "Not implemented by the local gateway: contracts are loaded from "
        "the contracts folder; edit the YAML files (and _gateway.yaml) "
        "and restart",
    )


# ---------------------------------------------------------------------------- audit & stats


def audit(call: Call) -> Response:
    q = parse_query(
        call.req,
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
    rows = call.storage.list_audit(call.key.org_id, q["contract_id"], limit, offset)
    return json_response(200, _project(rows, _AUDIT_COLUMNS))


def _percentile(sorted_vals: List[int], p: float) -> int:
    """Continuous percentile (``percentile_cont``), truncated to an integer."""
    if not sorted_vals:
        return 0
    k = (len(sorted_vals) - 1) * p
    lo = math.floor(k)
    hi = math.ceil(k)
    v = sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)
    return int(v)


def _stats_body(total: int, passed: int, us: List[int]) -> Dict[str, Any]:
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


def stats(call: Call) -> Response:
    total, passed, us = call.storage.validation_stats(org_id=call.key.org_id)
    return json_response(200, _stats_body(total, passed, us))


def contract_stats(call: Call) -> Response:
    # Not org-scoped and not allow-list-checked, as upstream (§10.5).
    cid = path_uuid(call.params["contract_id"])
    total, passed, us = call.storage.validation_stats(contract_id=cid)
    return json_response(200, _stats_body(total, passed, us))


def usage(call: Call) -> Response:
    now = datetime.now(timezone.utc)
    period_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    used = call.storage.usage_used(call.key.org_id, usage_period(now))
    config = call.app.config
    limit = config.plan_limit()
    return json_response(
        200,
        {
            "plan": config.plan,
            "period_start": period_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "used": used,
            "limit": limit,
            "remaining": None if limit is None else max(limit - used, 0),
            "pct": None if limit is None else (used / limit * 100.0 if limit else 100.0),
            "unlimited": limit is None,
        },
    )


# ---------------------------------------------------------------------------- quarantine


def quarantine(call: Call) -> Response:
    q = parse_query(
        call.req,
        [
            QueryField("contract_id", "uuid"),
            QueryField("limit", "i64", 100),
            QueryField("offset", "i64", 0),
        ],
    )
    limit = max(1, min(int(q["limit"]), 500))
    offset = max(0, int(q["offset"]))
    rows = call.storage.list_quarantine(call.key.org_id, q["contract_id"], limit, offset)
    return json_response(200, _project(rows, _QUARANTINE_COLUMNS))
