"""Ingest: ``POST /ingest/{id}[@version]`` (§3.1, envelopes §3.1.7) and
``POST /v1/ingest/{id}`` (§3.2: NDJSON, idempotency, rate-limit headers).

Both routes share the validation core (:func:`validate_events`: per-event verdicts,
multi-stable fallback, batch uniqueness, transforms) and the persistence rule
(:func:`persist`); deprecated pinned versions quarantine the whole batch
(:func:`quarantine_deprecated`).
"""

from __future__ import annotations

import hashlib
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List, Optional, Tuple

from .._validation.violations import Violation
from ._call import (
    MAX_EVENT_BYTES,
    Call,
    Resolved,
    bad_request,
    batch_events,
    batch_status,
    check_batch,
    compile_error,
    legacy_pin,
    resolve,
    usage_period,
)
from ._contracts import VersionEntry
from ._http import QueryField, decode_json, json_body, parse_query
from ._ratelimit import Decision, format_rps
from ._rows import RowWriter, wire_violations
from ._storage import Tx
from ._transforms import apply_transforms
from ._wire import Abort, Response, dumps, format_ts, json_response, new_id, parse_uuid, std_error
from ._wire import uuid_error as _uuid_error

__all__ = ["KeyedLocks", "Outcome", "ingest", "v1_ingest", "validate_events"]

MAX_IDEMPOTENCY_KEY = 255
IDEMPOTENCY_TTL_S = 24 * 3600


@dataclass
class Outcome:
    """One event's verdict inside a batch (mutable while uniqueness rules are applied)."""

    index: int
    passed: bool
    violations: List[Any]
    validation_us: int
    version: VersionEntry
    transformed: Any = None
    quarantine_id: Optional[str] = None
    details: List[Dict[str, Any]] = field(default_factory=list)


def validate_events(call: Call, res: Resolved, events: List[Any]) -> List[Outcome]:
    """Per-event validation, multi-stable fallback (unpinned only, §6.2), batch
    uniqueness with the resolved version's rules (§7.1), then transforms (§6.4)."""
    resolved = res.version
    compiled = resolved.compiled
    fallback = (
        res.pin_source == "default_stable" and res.contract.multi_stable_resolution == "fallback"
    )
    candidates: Optional[List[VersionEntry]] = None
    outcomes: List[Outcome] = []
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
        outcomes.append(Outcome(i, r.passed, list(r.violations), us, decided))
    for i, v in compiled.uniqueness_violations(events):
        outcomes[i].violations.append(v)
        outcomes[i].passed = False
    salt = call.app.salt(res.contract.id)
    for o in outcomes:
        o.transformed = apply_transforms(o.version.contract, events[o.index], salt)
        o.details = wire_violations(o.violations)
    return outcomes


def persist(call: Call, tx: Tx, res: Resolved, outcomes: List[Outcome], atomic: bool) -> None:
    """Store a validated batch: an atomic batch with a failure leaves one summary audit
    row; otherwise every event is audited and forwarded or quarantined, and counted."""
    org_id = call.key.org_id
    w = RowWriter(
        tx,
        org_id=org_id,
        contract_id=res.contract.id,
        direction="ingress",
        source_ip=call.req.source_ip(),
        store_bodies=call.stores_bodies(res.contract),
    )
    failing = [o for o in outcomes if not o.passed]
    if atomic and failing:
        w.audit(
            res.version.version,
            passed=False,
            details=[{"index": o.index, "violations": o.details} for o in failing],
            raw_event={
                "batch_rejected": True,
                "atomic": True,
                "batch_size": len(outcomes),
                "failing_count": len(failing),
                "first_failing_index": failing[0].index,
            },
            validation_us=sum(o.validation_us for o in outcomes),
            is_body=False,
        )
        return
    for o in outcomes:
        w.verdict(
            o.version.version,
            o.transformed,
            o.details,
            validation_us=o.validation_us,
            quarantine_id=o.quarantine_id,
        )
    tx.add_usage(org_id, usage_period(), len(outcomes))


def quarantine_deprecated(
    call: Call, res: Resolved, events: List[Any], *, dry_run: bool, summary_row: bool
) -> Tuple[List[Any], str]:
    """§3.1.6 / §3.2.6: transform with the pinned version's rules and quarantine
    everything (the legacy route adds a summary audit row). Returns (transformed events,
    error message)."""
    contract, ve = res.contract, res.version
    latest = contract.latest_stable()
    latest_v = latest.version if latest else None
    salt = call.app.salt(contract.id)
    transformed = [apply_transforms(ve.contract, e, salt) for e in events]
    if not dry_run:
        details = [
            {
                "kind": "deprecated_contract_version",
                "pinned_version": ve.version,
                "latest_stable": latest_v,
            }
        ]
        with call.storage.transaction() as tx:
            w = RowWriter(
                tx,
                org_id=call.key.org_id,
                contract_id=contract.id,
                direction="ingress",
                source_ip=call.req.source_ip(),
                store_bodies=call.stores_bodies(contract),
            )
            for t in transformed:
                w.quarantine(ve.version, t, details)
            if summary_row:
                w.audit(
                    ve.version,
                    passed=False,
                    details=[
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
                    is_body=False,
                )
    msg = f"Version {ve.version} on contract {contract.id} is deprecated; batch quarantined."
    return transformed, msg


# ---------------------------------------------------------------------------- /ingest (§3.1)


def ingest(call: Call) -> Response:
    """``POST /ingest/{contract_id}[@version]``."""
    req = call.req
    q = parse_query(
        req, [QueryField("dry_run", "bool", False), QueryField("atomic", "bool", False)]
    )
    body = json_body(req)
    cid, pin, pin_source = legacy_pin(req, call.params["contract_id"])
    call.check_allowed(cid)
    res = resolve(call.contract(cid), pin, pin_source or "default_stable")
    events = batch_events(body)
    dry_run: bool = q["dry_run"]
    atomic: bool = q["atomic"]
    if not dry_run:
        call.check_plan_cap()
    if res.version.state == "deprecated":
        transformed, msg = quarantine_deprecated(
            call, res, events, dry_run=dry_run, summary_row=True
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
        raise compile_error(cid, res.version)
    if res.version.has_envelope:
        return _envelope_ingest(call, res, body, dry_run)
    outcomes = validate_events(call, res, events)
    passed = sum(1 for o in outcomes if o.passed)
    if not dry_run:
        with call.storage.transaction() as tx:
            persist(call, tx, res, outcomes, atomic)
    forwards = not dry_run and not (atomic and passed < len(outcomes))
    return json_response(
        batch_status(len(outcomes), passed, atomic),
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
                    "violations": o.details,
                    "validation_us": o.validation_us,
                    "forwarded": o.passed and forwards,
                    "contract_version": o.version.version,
                    "transformed_event": o.transformed,
                }
                for o in outcomes
            ],
        },
    )


def _envelope_ingest(call: Call, res: Resolved, body: Any, dry_run: bool) -> Response:
    """§3.1.7 / validation §7.2: one wrapper object; always 200 with the batch verdict.

    LOCAL: persistence is not specified upstream; here every record gets an audit row and
    failing records a quarantine row (wrapper-level failures quarantine the whole payload
    as one row, its records array transformed like the records of a good wrapper)."""
    if not isinstance(body, dict):
        raise bad_request("envelope contracts expect a single JSON object wrapping the records")
    ve = res.version
    compiled = ve.compiled
    result = compiled.validate_envelope(body)
    records_path = str(ve.contract.envelope.records_path)
    records = body.get(records_path)
    if not dry_run:
        probe = dict(body)
        probe[records_path] = []
        wrapper_ok = isinstance(records, list) and not compiled.validate_envelope(probe).violations
        org_id = call.key.org_id
        with call.storage.transaction() as tx:
            w = RowWriter(
                tx,
                org_id=org_id,
                contract_id=res.contract.id,
                direction="ingress",
                source_ip=call.req.source_ip(),
                store_bodies=call.stores_bodies(res.contract),
            )
            # every stored record is post-transform (§6.4), also inside a failed wrapper
            salt = call.app.salt(res.contract.id)
            transformed: Optional[List[Any]] = (
                [apply_transforms(ve.contract, rec, salt) for rec in records]
                if isinstance(records, list)
                else None
            )
            if transformed is not None and wrapper_ok:
                by_index: Dict[int, List[Dict[str, Any]]] = {}
                for v in result.violations:
                    by_index.setdefault(v.record_index, []).append(
                        Violation(v.field, v.message, v.kind).to_dict()  # no record_index
                    )
                for i, t in enumerate(transformed):
                    w.verdict(ve.version, t, by_index.get(i, []))
                tx.add_usage(org_id, usage_period(), len(transformed))
            else:
                stored = body if transformed is None else {**body, records_path: transformed}
                vs = [Violation(v.field, v.message, v.kind).to_dict() for v in result.violations]
                w.audit(
                    ve.version,
                    passed=False,
                    details=vs,
                    raw_event=stored,
                    validation_us=result.validation_us,
                )
                w.quarantine(ve.version, stored, vs)
                tx.add_usage(org_id, usage_period(), 1)
    return json_response(
        200,
        {
            "passed": result.passed,
            "quarantined": result.quarantined,
            "validation_us": result.validation_us,
            "violations": [v.to_dict() for v in result.violations],
        },
    )


# ---------------------------------------------------------------------------- /v1/ingest (§3.2)


class KeyedLocks:
    """LOCAL: requests carrying the same Idempotency-Key are processed one at a time, so
    a concurrent duplicate becomes a replay instead of a second write (§5.2)."""

    def __init__(self) -> None:
        self._locks: Dict[str, Tuple[threading.Lock, int]] = {}
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, key: Optional[str]) -> Iterator[None]:
        if key is None:
            yield
            return
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users <= 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)


def _too_large(what: str, size: int) -> Abort:
    return Abort(
        std_error(413, f"Payload too large: {what} exceeds the 1 MB per-event limit ({size} bytes)")
    )


def _v1_events(call: Call, body: bytes) -> List[Any]:
    """The batch of a /v1 body: NDJSON lines or one JSON value/array, each event
    within the per-event limit, 1..1000 events."""
    from ..exceptions import EventDecodeError

    ctype = (call.req.header("content-type") or "").lower()
    events: List[Any] = []
    if "application/x-ndjson" in ctype:
        # the raw line, as split on "\n", is measured and parsed: a CRLF line keeps its
        # "\r" (JSON whitespace), which counts toward the per-event limit (§3.2)
        for i, line in enumerate(body.split(b"\n")):
            if line in (b"", b"\r"):
                continue
            if len(line) > MAX_EVENT_BYTES:
                raise _too_large(f"NDJSON line {i}", len(line))
            try:
                events.append(decode_json(line))
            except EventDecodeError as e:
                raise bad_request(f"NDJSON parse error at line {i}: {e}") from None
    else:
        try:
            value = decode_json(body)
        except EventDecodeError as e:
            raise bad_request(f"JSON parse error: {e}") from None
        events = value if isinstance(value, list) else [value]
        for i, ev in enumerate(events):
            size = len(dumps(ev))
            if size > MAX_EVENT_BYTES:
                raise _too_large(f"Event at index {i}", size)
    return check_batch(events)


def _idempotency_key(call: Call) -> Optional[str]:
    """The request's Idempotency-Key; non-ASCII / non-visible values are silently
    ignored (§3.2), over-long ones are a 400."""
    key = call.req.header("idempotency-key")
    if key is None or key == "" or not all(c == "\t" or 0x20 <= ord(c) < 0x7F for c in key):
        return None
    if len(key.encode("latin-1")) > MAX_IDEMPOTENCY_KEY:
        raise bad_request(f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} bytes")
    return key


def v1_ingest(call: Call) -> Response:
    """``POST /v1/ingest/{contract_id}``."""
    auth = call.key
    q = parse_query(
        call.req,
        [
            QueryField("version", "str"),
            QueryField("dry_run", "bool", False),
            QueryField("atomic", "bool", False),
        ],
    )
    body = call.req.require_body()
    raw_id = call.params["contract_id"]
    cid = parse_uuid(raw_id)
    if cid is None:
        raise bad_request(f"invalid contract_id: {_uuid_error(raw_id)}")
    decision = call.app.limiter.take(auth.id, auth.rate_limit_rps, auth.rate_limit_burst)
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
    key = _idempotency_key(call)
    with call.app.idempotency.hold(key):
        request_hash = hashlib.sha256(body).hexdigest()
        if key is not None:
            row = call.storage.get_idempotency(key, cid, time.time())
            if row is not None:
                return _stored_answer(row, request_hash, rl_headers)
        return _v1_process(call, q, body, cid, decision, key, request_hash)


def _stored_answer(row: Any, request_hash: str, rl_headers: List[Tuple[str, str]]) -> Response:
    """The answer to a key the gateway has a record of: the stored one, or a conflict
    when the body differs."""
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


def _v1_process(
    call: Call,
    q: Dict[str, Any],
    body: bytes,
    cid: str,
    decision: Decision,
    key: Optional[str],
    request_hash: str,
) -> Response:
    events = _v1_events(call, body)
    dry_run: bool = q["dry_run"]
    atomic: bool = q["atomic"]
    if not dry_run:
        call.check_plan_cap()
    contract = call.contract(cid)
    call.check_allowed(cid)
    res = resolve(contract, q["version"], "query_param")
    if res.version.state == "deprecated":
        transformed, msg = quarantine_deprecated(
            call, res, events, dry_run=dry_run, summary_row=False
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
        raise compile_error(cid, res.version)
    outcomes = validate_events(call, res, events)
    for o in outcomes:
        if not o.passed:
            o.quarantine_id = new_id()  # pre-generated, even for dry-run / atomic
    passed = sum(1 for o in outcomes if o.passed)
    forwards = not dry_run and not (atomic and passed < len(outcomes))
    status = batch_status(len(outcomes), passed, atomic)
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
                    "violations": o.details,
                    "validation_us": o.validation_us,
                    "forwarded": o.passed and forwards,
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
        with call.storage.transaction() as tx:
            # LOCAL: another gateway serving the same --db file may have stored this key
            # since it was looked up (the lock above is this process's); the write lock
            # spans processes, so the record read here is final
            row = None if key is None else call.storage.get_idempotency(key, cid, time.time())
            if row is not None:
                return _stored_answer(row, request_hash, decision.headers())
            persist(call, tx, res, outcomes, atomic)
            if key is not None:
                tx.put_idempotency(
                    key=key,
                    contract_id=cid,
                    request_hash=request_hash,
                    status=status,
                    response=payload,
                    created_at=format_ts(datetime.now(timezone.utc)),
                    expires_at=time.time() + IDEMPOTENCY_TTL_S,
                )
    return Response(status, payload, "application/json", decision.headers())
