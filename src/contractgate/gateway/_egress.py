"""Validation on the way out and on the side: ``POST /egress/{id}[@version]`` (§3.3:
dispositions and leakage modes; audited and quarantined, never forwarded) and
``POST /playground/validate`` (§3.4: a contract and an event in the body; stores
nothing)."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from .._validation.violations import Violation, ViolationKind
from ._call import Call, bad_request, batch_events, compile_error, legacy_pin, resolve
from ._http import BodyField, QueryField, json_body, parse_query, typed_body
from ._rows import RowWriter, wire_violations
from ._transforms import apply_transforms, leakage_message, strip_undeclared
from ._wire import Abort, Response, json_response, std_error

__all__ = ["egress", "playground"]

_ACTIONS = {"block": "blocked", "fail": "rejected", "tag": "tagged"}


def egress(call: Call) -> Response:
    """``POST /egress/{contract_id}[@version]``."""
    req = call.req
    q = parse_query(
        req,
        [
            QueryField("disposition", "enum", "block", choices=("block", "fail", "tag")),
            QueryField("dry_run", "bool", False),
        ],
    )
    body = json_body(req)
    cid, pin, pin_source = legacy_pin(req, call.params["contract_id"])
    call.check_allowed(cid)
    contract = call.contract(cid)
    ve = resolve(contract, pin, pin_source or "default_stable").version
    records = batch_events(body)
    if ve.state == "deprecated":
        raise bad_request(
            f"Version {ve.version} on contract {cid} is deprecated; pin a stable version for egress"
        )
    if ve.compiled is None:
        raise compile_error(cid, ve)
    disposition: str = q["disposition"]
    dry_run: bool = q["dry_run"]
    mode = ve.egress_leakage_mode
    salt = call.app.salt(cid)
    outcomes: List[Dict[str, Any]] = []
    checked: List[Tuple[Any, List[Dict[str, Any]], int]] = []  # (cleaned, details, us)
    for i, rec in enumerate(records):
        r = ve.compiled.validate(rec)
        violations = list(r.violations)
        cleaned = apply_transforms(ve.contract, rec, salt)
        stripped: List[str] = []
        if mode in ("strip", "fail"):
            cleaned, stripped = strip_undeclared(ve.contract, cleaned)
            if mode == "fail":
                violations.extend(
                    Violation(k, leakage_message(k), ViolationKind.LEAKAGE_VIOLATION)
                    for k in stripped
                )
        details = wire_violations(violations)
        outcome: Dict[str, Any] = {
            "index": i,
            "passed": not details,
            "violations": details,
            "validation_us": r.validation_us,
            "action": _ACTIONS[disposition] if details else "included",
        }
        if stripped:
            outcome["stripped_fields"] = stripped
        outcomes.append(outcome)
        checked.append((cleaned, details, r.validation_us))
    passed = sum(1 for _, details, _ in checked if not details)
    failed = len(records) - passed
    if disposition == "block":
        payload = [cleaned for cleaned, details, _ in checked if not details]
    elif disposition == "fail":
        payload = [] if failed else [cleaned for cleaned, _, _ in checked]
    else:
        payload = [cleaned for cleaned, _, _ in checked]
    if (disposition == "fail" and failed) or passed == 0:
        status = 422
    elif failed:
        status = 207
    else:
        status = 200
    if not dry_run:
        with call.storage.transaction() as tx:
            w = RowWriter(
                tx,
                org_id=call.key.org_id,
                contract_id=cid,
                direction="egress",
                source_ip=req.source_ip(),
                store_bodies=call.stores_bodies(contract),
            )
            for cleaned, details, us in checked:
                w.verdict(ve.version, cleaned, details, validation_us=us, forward=False)
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


def playground(call: Call) -> Response:
    """``POST /playground/validate``: compile the body's contract, validate its event."""
    from ..contract import Contract
    from ..exceptions import ContractCompileError

    body = typed_body(
        call.req,
        "PlaygroundRequest",
        [BodyField("yaml_content", "str"), BodyField("event", "any")],
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
            "violations": wire_violations(result.violations),
            "validation_us": result.validation_us,
            "transformed_event": apply_transforms(compiled.contract, event, b""),
        },
    )
