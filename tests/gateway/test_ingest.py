"""Legacy ``POST /ingest/{id}[@version]`` (gateway-api.md §3.1)."""

from __future__ import annotations

import json
import re

import httpx
from cg_gateway_testlib import BAD, GOOD, VIEW

from contractgate.gateway import LocalGateway

RESULT_KEYS = [
    "passed",
    "violations",
    "validation_us",
    "forwarded",
    "contract_version",
    "transformed_event",
]
BATCH_KEYS = [
    "total",
    "passed",
    "failed",
    "dry_run",
    "atomic",
    "resolved_version",
    "version_pin_source",
    "results",
]


def test_mixed_batch_is_207_with_exact_shape(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    r = client.post(f"/ingest/{uid}", json=[GOOD, BAD])
    assert r.status_code == 207
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert list(body) == BATCH_KEYS
    assert body["total"] == 2 and body["passed"] == 1 and body["failed"] == 1
    assert body["resolved_version"] == "1.1.0"
    assert body["version_pin_source"] == "default_stable"
    ok, bad = body["results"]
    assert list(ok) == RESULT_KEYS
    assert ok["passed"] is True and ok["forwarded"] is True and ok["violations"] == []
    assert ok["transformed_event"]["email"] == "****"  # mask transform
    assert bad["passed"] is False and bad["forwarded"] is False
    assert bad["violations"] == [
        {
            "field": "event_type",
            "message": "Field 'event_type' value \"refund\" not in allowed set: "
            '["login", "purchase", "click"]',
            "kind": "enum_violation",
        }
    ]
    assert "index" not in ok and "quarantine_id" not in ok  # /v1 only
    # compact JSON on the wire
    assert b", " not in r.content.split(b'"message"')[0]


def test_all_passed_200_and_single_failure_422(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    assert client.post(f"/ingest/{uid}", json=GOOD).status_code == 200
    r = client.post(f"/ingest/{uid}", json=BAD)  # a single object is a one-event batch
    assert r.status_code == 422
    assert r.json()["total"] == 1 and r.json()["failed"] == 1


def test_rows_written_per_event(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    r = fresh_client.post(
        f"/ingest/{uid}",
        json=[GOOD, BAD, GOOD],
        headers={"x-forwarded-for": "203.0.113.7, 10.0.0.1"},
    )
    assert r.status_code == 207
    assert fresh_gw.count_rows("audit") == 3
    assert fresh_gw.count_rows("quarantine") == 1
    assert fresh_gw.count_rows("forwarded") == 2
    rows = fresh_gw.audit_rows(uid)
    assert {row["source_ip"] for row in rows} == {"203.0.113.7"}
    assert len({row["created_at"] for row in rows}) == 1  # one batch, one timestamp
    assert rows[0]["raw_event"]["email"] == "****"  # post-transform payload is stored


def test_dry_run_writes_nothing(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    r = fresh_client.post(f"/ingest/{uid}?dry_run=true", json=[GOOD, BAD])
    assert r.status_code == 207
    body = r.json()
    assert body["dry_run"] is True
    assert [x["forwarded"] for x in body["results"]] == [False, False]
    assert body["results"][0]["transformed_event"]["email"] == "****"
    assert fresh_gw.count_rows("audit") == 0 and fresh_gw.count_rows("quarantine") == 0
    assert fresh_client.get("/usage").json()["used"] == 0


def test_atomic_rejection_writes_one_summary_row(
    fresh_gw: LocalGateway, fresh_client: httpx.Client
) -> None:
    uid = fresh_gw.contract_id("user_events")
    r = fresh_client.post(f"/ingest/{uid}?atomic=true", json=[GOOD, BAD, BAD])
    assert r.status_code == 422
    body = r.json()
    assert body["atomic"] is True and body["passed"] == 1
    assert all(res["forwarded"] is False for res in body["results"])
    assert fresh_gw.count_rows("quarantine") == 0 and fresh_gw.count_rows("forwarded") == 0
    (row,) = fresh_gw.audit_rows()
    assert row["raw_event"] == {
        "batch_rejected": True,
        "atomic": True,
        "batch_size": 3,
        "failing_count": 2,
        "first_failing_index": 1,
    }
    assert [d["index"] for d in row["violation_details"]] == [1, 2]
    assert row["contract_version"] == "1.1.0"
    # atomic and all passing: a normal 200 with rows
    assert fresh_client.post(f"/ingest/{uid}?atomic=true", json=[GOOD]).status_code == 200
    assert fresh_gw.count_rows("forwarded") == 1


def test_fallback_decides_per_event(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    body = client.post(f"/ingest/{uid}", json=[GOOD, VIEW]).json()
    assert body["resolved_version"] == "1.1.0"
    assert [x["contract_version"] for x in body["results"]] == ["1.1.0", "1.0.0"]
    assert body["passed"] == 2
    # pinned requests never fall back
    pinned = client.post(f"/ingest/{uid}@1.1.0", json=[VIEW]).json()
    assert pinned["version_pin_source"] == "path" and pinned["passed"] == 0


def test_header_pin_beats_path_suffix(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    r = client.post(f"/ingest/{uid}@1.1.0", json=[VIEW], headers={"X-Contract-Version": "1.0.0"})
    body = r.json()
    assert r.status_code == 200
    assert body["resolved_version"] == "1.0.0" and body["version_pin_source"] == "header"
    # an empty header is ignored; an empty suffix means no pin
    r = client.post(f"/ingest/{uid}@", json=[GOOD], headers={"X-Contract-Version": ""})
    assert r.json()["version_pin_source"] == "default_stable"


def test_uniqueness_across_the_request(gw: LocalGateway, client: httpx.Client) -> None:
    oid = gw.contract_id("orders")
    order = {
        "order_id": "ord_A1B2C3D4",
        "placed_on": "2026-11-20",
        "status": "paid",
        "customer": {"id": "cust_001"},
        "items": [],
        "total": 1.0,
    }
    body = client.post(f"/ingest/{oid}", json=[order, order]).json()
    assert [x["passed"] for x in body["results"]] == [True, False]
    (v,) = body["results"][1]["violations"]
    assert v["kind"] == "uniqueness_violation" and v["field"] == "order_id"


def test_transforms_all_kinds(gw: LocalGateway, client: httpx.Client) -> None:
    pid = gw.contract_id("pii")
    ev = {
        "id": "a",
        "email": "x@y.z",
        "phone": "+1 (555) 010-9999",
        "ssn": "123-45-6789",
        "note": "hello",
        "secret": "s3cr3t",
        "n": 5,
    }
    t = client.post(f"/ingest/{pid}?dry_run=true", json=ev).json()["results"][0][
        "transformed_event"
    ]
    assert t["email"] == "****"
    assert len(t["phone"]) == len(ev["phone"]) and t["phone"] != ev["phone"]
    assert re.fullmatch(r"\+\d \(\d{3}\) \d{3}-\d{4}", t["phone"])
    assert re.fullmatch(r"hmac-sha256:[0-9a-f]{64}", t["ssn"])
    assert t["note"] == "<REDACTED>"
    assert "secret" not in t
    assert t["n"] == 5 and t["id"] == "a"
    again = client.post(f"/ingest/{pid}?dry_run=true", json=ev).json()["results"][0]
    assert again["transformed_event"] == t  # keyed, deterministic
    # compliance mode removes undeclared keys from the stored payload
    sid = gw.contract_id("strict_keys")
    r = client.post(f"/ingest/{sid}?dry_run=true", json={"id": "a", "extra": 1}).json()
    assert r["results"][0]["transformed_event"] == {"id": "a"}
    assert r["results"][0]["violations"][0]["kind"] == "undeclared_field"


def test_deprecated_pin(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    lid = fresh_gw.contract_id("lifecycle")
    r = fresh_client.post(f"/ingest/{lid}@0.9.0", json=[{"id": "a", "email": "e"}, {"id": "b"}])
    assert r.status_code == 422
    body = r.json()
    assert list(body) == ["error", "status", "batch"]
    assert body["error"] == f"Version 0.9.0 on contract {lid} is deprecated; batch quarantined."
    assert body["status"] == 422
    batch = body["batch"]
    assert batch["version_pin_source"] == "pinned_deprecated"
    assert batch["resolved_version"] == "0.9.0"
    first = batch["results"][0]
    assert first == {
        "passed": False,
        "violations": [],
        "validation_us": 0,
        "forwarded": False,
        "contract_version": "0.9.0",
        "transformed_event": {"id": "a", "email": "<REDACTED>"},
    }
    q = fresh_gw.quarantine_rows()
    assert len(q) == 2
    assert q[0]["violation_details"] == [
        {"kind": "deprecated_contract_version", "pinned_version": "0.9.0", "latest_stable": "1.0.0"}
    ]
    (summary,) = fresh_gw.audit_rows()
    assert summary["raw_event"]["batch_rejected"] is True
    assert fresh_client.get("/usage").json()["used"] == 0  # not metered


def test_pinned_draft_is_validated(gw: LocalGateway, client: httpx.Client) -> None:
    lid = gw.contract_id("lifecycle")
    r = client.post(f"/ingest/{lid}", json={"id": "a"}, headers={"X-Contract-Version": "2.0.0"})
    assert r.status_code == 200 and r.json()["resolved_version"] == "2.0.0"


def test_envelope_contract(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    wid = fresh_gw.contract_id("wrapped")
    payload = {"success": True, "data": [{"id": "ok"}, {"id": "NOPE"}]}
    r = fresh_client.post(f"/ingest/{wid}", json=payload)
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["passed", "quarantined", "validation_us", "violations"]
    assert body["passed"] == 1 and body["quarantined"] == 1
    assert body["violations"][0]["record_index"] == 1
    assert fresh_gw.count_rows("audit") == 2 and fresh_gw.count_rows("quarantine") == 1
    # wrapper failure is still a 200 verdict
    r = fresh_client.post(f"/ingest/{wid}", json={"data": []})
    assert r.status_code == 200 and r.json()["violations"][0]["field"] == "success"
    # a bare array is rejected
    r = fresh_client.post(f"/ingest/{wid}", json=[{"id": "a"}])
    assert r.status_code == 400 and r.json()["error"].startswith("Invalid request: ")


def test_envelope_rows_and_usage(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    """Records of a sound wrapper are stored and metered one by one; a wrapper that fails
    its own checks is quarantined whole, as one row and one metered event, even when its
    records would pass."""
    wid = fresh_gw.contract_id("wrapped")
    payload = {"success": True, "data": [{"id": "a"}, {"id": "b"}, {"id": "C"}]}
    assert fresh_client.post(f"/ingest/{wid}", json=payload).status_code == 200
    assert fresh_gw.count_rows("audit") == 3 and fresh_gw.count_rows("quarantine") == 1
    assert fresh_client.get("/usage").json()["used"] == 3
    broken = {"data": [{"id": "a"}, {"id": "b"}]}  # no `success`: the wrapper fails
    r = fresh_client.post(f"/ingest/{wid}", json=broken)
    assert r.status_code == 200 and r.json()["violations"][0]["field"] == "success"
    assert fresh_gw.count_rows("audit") == 4 and fresh_gw.count_rows("quarantine") == 2
    rows = [q for q in fresh_gw.quarantine_rows() if q["raw_event"] == broken]
    assert len(rows) == 1
    assert fresh_client.get("/usage").json()["used"] == 4


def test_error_shapes(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    # 415 plain text without a JSON content type
    r = client.post(f"/ingest/{uid}", content=b"{}", headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert r.text == "Expected request with `Content-Type: application/json`"
    assert r.headers["content-type"].startswith("text/plain")
    # 400 plain text for bad JSON
    r = client.post(
        f"/ingest/{uid}", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert r.text.startswith("Failed to parse the request body as JSON: ")
    # 400 plain text for a bad query value
    r = client.post(f"/ingest/{uid}?dry_run=1", json=GOOD)
    assert r.status_code == 400
    assert r.text == "Failed to deserialize query string: provided string was not `true` or `false`"
    # 400 JSON for a malformed contract id
    r = client.post("/ingest/not-a-uuid", json=GOOD)
    assert r.status_code == 400
    assert r.json()["error"].startswith("Invalid request: invalid contract_id in path: ")
    assert r.json()["status"] == 400
    # 404 unknown contract / unknown version
    other = gw.contract_id("nope")
    r = client.post(f"/ingest/{other}", json=GOOD)
    assert r.status_code == 404 and r.json() == {
        "error": f"Contract not found: {other}",
        "status": 404,
    }
    r = client.post(f"/ingest/{uid}@9.9.9", json=GOOD)
    assert r.json() == {"error": f"Version 9.9.9 not found on contract {uid}", "status": 404}
    # 409 no stable version
    did = gw.contract_id("drafty")
    r = client.post(f"/ingest/{did}", json={"id": "a"})
    assert r.status_code == 409
    assert r.json()["error"] == f"Contract {did} has no stable version yet"
    # 400 empty batch / too large
    r = client.post(f"/ingest/{uid}", json=[])
    assert r.json() == {"error": "Invalid request: Empty event batch", "status": 400}
    r = client.post(f"/ingest/{uid}?dry_run=true", json=[GOOD] * 1001)
    assert r.json()["error"] == (
        "Invalid request: Batch too large: 1001 events submitted, maximum is 1000"
    )


def test_compile_error_is_422(gw: LocalGateway, client: httpx.Client) -> None:
    bid = gw.contract_id("broken")
    r = client.post(f"/ingest/{bid}", json={"id": "a"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err.startswith(f"Invalid contract YAML: could not compile contract {bid}@1.0.0: ")
    assert any("broken.yaml" in p.path for p in gw.problems)
    assert any("not_a_contract.yaml" in p.path for p in gw.problems)
    assert "not_a_contract" not in json.dumps(client.get("/contracts").json())


def test_body_cap_is_one_mib(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    big = json.dumps([{"user_id": "a", "pad": "x" * 1_100_000}]).encode()
    r = client.post(f"/ingest/{uid}", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.text == "length limit exceeded"

    def chunks():  # no Content-Length: the limit hits while buffering
        yield big[:600_000]
        yield big[600_000:]

    r = client.post(
        f"/ingest/{uid}", content=chunks(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    assert r.text == "Failed to buffer the request body: length limit exceeded"
    # the connection is still usable afterwards
    assert client.get("/health").status_code == 200
