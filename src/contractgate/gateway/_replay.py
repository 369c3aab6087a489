"""Quarantine replay (§3.7, §10.3): ``POST /contracts/{id}/quarantine/replay``, the
top-level ``POST /quarantine/replay``, and both replay-history reads.

A replayed row that now passes is audited (direction ``replay``), forwarded, and marked
``replayed``; one that still fails gets a child quarantine row (``source_id`` = the
original) and its replay counters move. Both routes run the same engine
(:func:`replay_rows`) inside one transaction.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

from ._call import Call, bad_request, compile_error, no_stable, version_not_found
from ._contracts import ContractEntry, VersionEntry
from ._http import BodyField, QueryField, decode_json, parse_query, path_uuid, typed_body
from ._rows import RowWriter, wire_violations
from ._wire import NIL_UUID, Response, format_ts, json_response

__all__ = ["replay", "replay_history", "replay_rows", "toplevel_replay", "toplevel_replay_history"]

_OUTCOMES = (
    "replayed",
    "still_quarantined",
    "already_replayed",
    "not_found",
    "wrong_contract",
    "purged",
    "redacted",
)


def _target(
    contract: ContractEntry, target: Optional[str]
) -> Tuple[VersionEntry, str, List[VersionEntry]]:
    """(version to replay against, its source, fallback candidates newest first)."""
    if target is not None:
        ve = contract.versions.get(target)
        if ve is None:
            raise version_not_found(target, contract.id)
        source, fallback = "explicit", False
    else:
        latest = contract.latest_stable()
        if latest is None:
            raise no_stable(contract.id)
        ve, source = latest, "default_stable"
        fallback = contract.multi_stable_resolution == "fallback"
    if ve.compiled is None:
        raise compile_error(contract.id, ve)
    candidates = (
        [
            v
            for v in contract.stables_newest_first()
            if v.version != ve.version and v.compiled is not None
        ]
        if fallback
        else []
    )
    return ve, source, candidates


def replay_rows(
    call: Call, contract: ContractEntry, ids: List[str], target: Optional[str]
) -> Dict[str, Any]:
    """The replay engine shared by both replay routes: the per-contract answer body."""
    ve, source, candidates = _target(contract, target)
    last_index = {qid: i for i, qid in enumerate(ids)}  # a repeated id counts once (the last)
    counts = dict.fromkeys(_OUTCOMES, 0)
    results: List[Dict[str, Any]] = []
    now = format_ts(datetime.now(timezone.utc))
    with call.storage.transaction() as tx:
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
                w = RowWriter(
                    tx,
                    org_id=row["org_id"],
                    contract_id=contract.id,
                    direction=row["direction"],
                    source_ip=row["source_ip"],
                    store_bodies=True,
                    now=now,
                )
                if r.passed:
                    outcome = "replayed"
                    audit_id = replace(w, org_id=None, direction="replay").audit(
                        matched.version,
                        passed=True,
                        details=[],
                        raw_event=event,
                        validation_us=r.validation_us,
                        replay_source_id=qid,
                    )
                    w.forward(matched.version, event, source="replay")
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
                    details = wire_violations(r.violations)
                    w.quarantine(ve.version, event, details, source_id=qid)
                    tx.execute(
                        "UPDATE quarantine SET replay_count = replay_count + 1,"
                        " last_replayed_at = ?, last_replay_passed = 0 WHERE id = ?",
                        (now, qid),
                    )
                    item["new_quarantine_id"] = NIL_UUID
                    item["contract_version_attempted"] = ve.version
                    item["violation_count"] = len(details)
                    item["violations"] = details
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


def replay(call: Call) -> Response:
    """``POST /contracts/{id}/quarantine/replay``."""
    cid = path_uuid(call.params["id"])
    body = typed_body(
        call.req,
        "ReplayRequest",
        [BodyField("ids", "uuid_list"), BodyField("target_version", "str", True)],
    )
    contract = call.contract(cid)
    ids: List[str] = body["ids"]
    if not 1 <= len(ids) <= 1000:
        raise bad_request(f"ids must contain between 1 and 1000 entries (got {len(ids)})")
    return json_response(200, replay_rows(call, contract, ids, body["target_version"]))


def replay_history(call: Call) -> Response:
    """``GET /contracts/{id}/quarantine/{quar_id}/replay-history``."""
    cid = path_uuid(call.params["id"])
    qid = path_uuid(call.params["quar_id"])
    call.contract(cid)
    row = call.storage.query_one("SELECT * FROM quarantine WHERE id = ?", (qid,))
    if row is None or row["contract_id"] != cid:
        raise bad_request(f"quarantine row {qid} not found on contract {cid}")
    failed, passed = call.storage.replay_children(qid)
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


def toplevel_replay(call: Call) -> Response:
    """``POST /quarantine/replay``: ids of any of the org's contracts, grouped by contract
    and replayed per contract; answers per id in the order given."""
    org_id = call.key.org_id
    body = typed_body(
        call.req,
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
        raise bad_request(f"event_ids must contain between 1 and 1000 entries (got {len(ids)})")
    replayed_at = format_ts(datetime.now(timezone.utc))
    owner: Dict[str, str] = {}
    for qid in dict.fromkeys(ids):
        row = call.storage.query_one(
            "SELECT contract_id FROM quarantine WHERE id = ? AND org_id = ?", (qid, org_id)
        )
        if row is not None:
            owner[qid] = str(row["contract_id"])
    if asserted is not None:
        for qid, c in owner.items():
            if c != asserted:
                raise bad_request(f"event {qid} belongs to contract {c}, not {asserted}")
    groups: Dict[str, List[int]] = {}
    for i, qid in enumerate(ids):
        if qid in owner:
            groups.setdefault(owner[qid], []).append(i)
    by_pos: Dict[int, Dict[str, Any]] = {}
    for cid in sorted(groups):
        positions = groups[cid]
        resp = replay_rows(call, call.contract(cid), [ids[p] for p in positions], version)
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


def toplevel_replay_history(call: Call) -> Response:
    """``GET /quarantine/replay-history?event_id=...``."""
    q = parse_query(
        call.req, [QueryField("event_id", "uuid", required=True), QueryField("limit", "i64", 100)]
    )
    limit = max(1, min(int(q["limit"]), 500))
    qid: str = q["event_id"]
    row = call.storage.query_one(
        "SELECT id FROM quarantine WHERE id = ? AND org_id = ?", (qid, call.key.org_id)
    )
    if row is None:
        return json_response(200, [])
    failed, passed = call.storage.replay_children(qid)
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
