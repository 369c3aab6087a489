"""Egress (§3.3), playground (§3.4), contract and version reads (§3.5), health/ready,
and the framework's plain-text and empty answers (§2.3)."""

from __future__ import annotations

import hashlib

import httpx
from cg_gateway_testlib import GOOD, make_client

from contractgate.gateway import LocalGateway

OUTCOME_KEYS = ["index", "passed", "violations", "validation_us", "action"]


def test_egress_block(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    records = [
        {
            "user_id": "alice_01",
            "event_type": "click",
            "timestamp": 1724252600,
            "email": "alice@example.com",
        },
        {"user_id": "alice_01", "event_type": "click"},
    ]
    r = client.post(f"/egress/{uid}@1.1.0?disposition=block", json=records)
    assert r.status_code == 207
    body = r.json()
    assert list(body) == [
        "total",
        "passed",
        "failed",
        "dry_run",
        "disposition",
        "egress_leakage_mode",
        "resolved_version",
        "payload",
        "outcomes",
    ]
    assert body["payload"] == [
        {"user_id": "alice_01", "event_type": "click", "timestamp": 1724252600, "email": "****"}
    ]
    assert [o["action"] for o in body["outcomes"]] == ["included", "blocked"]
    assert list(body["outcomes"][0]) == OUTCOME_KEYS  # stripped_fields omitted when empty
    assert body["outcomes"][1]["violations"][0]["kind"] == "missing_required_field"


def test_egress_fail_and_tag(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    records = [GOOD, {"user_id": "x"}]
    r = client.post(f"/egress/{uid}?disposition=fail&dry_run=true", json=records)
    assert r.status_code == 422 and r.json()["payload"] == []
    assert [o["action"] for o in r.json()["outcomes"]] == ["included", "rejected"]
    r = client.post(f"/egress/{uid}?disposition=tag&dry_run=true", json=records)
    assert r.status_code == 207 and len(r.json()["payload"]) == 2
    assert r.json()["outcomes"][1]["action"] == "tagged"
    r = client.post(f"/egress/{uid}?disposition=tag&dry_run=true", json=[{"user_id": "x"}])
    assert r.status_code == 422  # zero passes, whatever the mode
    r = client.post(f"/egress/{uid}?disposition=drop", json=records)
    assert r.status_code == 400
    assert r.text == (
        "Failed to deserialize query string: unknown variant `drop`, "
        "expected one of `block`, `fail`, `tag`"
    )


def test_egress_leakage_modes(gw: LocalGateway, client: httpx.Client) -> None:
    pid = gw.contract_id("pii")
    r = client.post(f"/egress/{pid}?dry_run=true", json=[{"id": "a", "zz": 1, "aa": 2}])
    body = r.json()
    assert r.status_code == 200 and body["egress_leakage_mode"] == "strip"
    assert body["payload"] == [{"id": "a"}]
    assert body["outcomes"][0]["stripped_fields"] == ["aa", "zz"]
    lid = gw.contract_id("leaky")
    body = client.post(f"/egress/{lid}?dry_run=true", json=[{"id": "a", "b": 1}]).json()
    (v,) = body["outcomes"][0]["violations"]
    assert v == {
        "field": "b",
        "kind": "leakage_violation",
        "message": "Undeclared field 'b' found in egress payload (egress_leakage_mode=fail); "
        "field stripped from response",
    }
    assert body["passed"] == 0


def test_egress_writes_and_deprecated(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    r = fresh_client.post(f"/egress/{uid}?disposition=fail", json=[GOOD, {"user_id": "x"}])
    assert r.status_code == 422
    rows = fresh_gw.audit_rows()
    assert [row["direction"] for row in rows] == ["egress", "egress"]  # written even on fail
    assert fresh_gw.count_rows("quarantine", direction="egress") == 1
    assert fresh_gw.count_rows("forwarded") == 0
    lid = fresh_gw.contract_id("lifecycle")
    r = fresh_client.post(f"/egress/{lid}@0.9.0", json={"id": "a"})
    assert r.status_code == 400
    assert r.json()["error"] == (
        f"Invalid request: Version 0.9.0 on contract {lid} is "
        "deprecated; pin a stable version for egress"
    )


def test_playground(client: httpx.Client) -> None:
    yaml = (
        'version: "1.0"\nname: t\nontology:\n  entities:\n    - name: user_id\n'
        "      type: string\n      transform: {kind: hash}\n"
    )
    r = client.post("/playground/validate", json={"yaml_content": yaml, "event": {"user_id": 7}})
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["passed", "violations", "validation_us", "transformed_event"]
    assert body["violations"] == [
        {
            "field": "user_id",
            "message": "Field 'user_id' expected type String, got integer",
            "kind": "type_mismatch",
        }
    ]
    ok = client.post(
        "/playground/validate", json={"yaml_content": yaml, "event": {"user_id": "u"}}
    ).json()
    assert ok["transformed_event"]["user_id"].startswith("hmac-sha256:")
    r = client.post("/playground/validate", json={"yaml_content": "name: [", "event": {}})
    assert r.status_code == 422 and r.json()["error"].startswith("Invalid contract YAML: ")
    r = client.post("/playground/validate", json={"yaml_content": yaml})
    assert r.status_code == 422
    assert r.text.startswith(
        "Failed to deserialize the JSON body into the target type: missing field `event`"
    )


def test_contract_reads(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    listing = client.get("/contracts").json()
    names = [c["name"] for c in listing]
    assert names == sorted(names) and "user_events" in names and "broken" in names
    summary = next(c for c in listing if c["name"] == "user_events")
    assert summary == {
        "id": uid,
        "name": "user_events",
        "multi_stable_resolution": "fallback",
        "latest_stable_version": "1.1.0",
        "version_count": 2,
        "store_event_payloads": True,
    }
    c = client.get(f"/contracts/{uid}").json()
    assert list(c) == [
        "id",
        "name",
        "description",
        "multi_stable_resolution",
        "created_at",
        "updated_at",
        "version_count",
        "latest_stable_version",
    ]
    assert c["description"] == "Clickstream events"
    lid = gw.contract_id("lifecycle")
    versions = client.get(f"/contracts/{lid}/versions").json()
    assert [(v["version"], v["state"]) for v in versions] == [
        ("2.0.0", "draft"),
        ("1.0.0", "stable"),
        ("0.9.0", "deprecated"),
    ]
    assert versions[0]["promoted_at"] is None and versions[2]["deprecated_at"] is not None
    latest = client.get(f"/contracts/{uid}/versions/latest-stable").json()
    assert latest["version"] == "1.1.0" and latest["egress_leakage_mode"] == "off"
    assert list(latest) == [
        "id",
        "contract_id",
        "version",
        "state",
        "yaml_content",
        "created_at",
        "promoted_at",
        "deprecated_at",
        "compliance_mode",
        "egress_leakage_mode",
        "import_source",
        "requires_review",
    ]
    v = client.get(f"/contracts/{uid}/versions/1.0.0").json()
    assert v["version"] == "1.0.0" and "view" in v["yaml_content"]
    r = client.get(f"/contracts/{uid}/versions/3.0.0")
    assert r.status_code == 404
    assert r.json()["error"] == f"Version 3.0.0 not found on contract {uid}"
    did = gw.contract_id("drafty")
    r = client.get(f"/contracts/{did}/versions/latest-stable")
    assert r.status_code == 409
    pointer = client.get(f"/v1/contracts/{uid}/version").json()
    assert pointer == {
        "version": "1.1.0",
        "hash": hashlib.sha256(latest["yaml_content"].encode()).hexdigest(),
    }
    assert client.get(f"/v1/contracts/{did}/version").status_code == 409


def test_framework_answers(gw: LocalGateway, client: httpx.Client) -> None:
    r = client.get("/contracts/not-a-uuid")
    assert r.status_code == 400 and r.text.startswith("Invalid URL: UUID parsing failed: ")
    r = client.get("/contracts/")
    assert r.status_code == 404 and r.content == b""
    r = client.get("/nope")
    assert r.status_code == 404 and r.content == b""
    r = client.delete("/audit")
    assert r.status_code == 405 and r.content == b""
    r = client.post("/contracts", json={})
    assert r.status_code == 501 and r.json()["status"] == 501
    r = client.get("/audit?limit=abc")
    assert r.text == "Failed to deserialize query string: invalid digit found in string"
    r = client.get("/quarantine/replay-history")
    assert r.text == "Failed to deserialize query string: missing field `event_id`"


def test_health_ready_public(gw: LocalGateway) -> None:
    with httpx.Client(base_url=gw.base_url) as anon:
        assert anon.get("/health").json() == {
            "status": "ok",
            "version": "0.1.0",
            "service": "contractgate",
        }
        ready = anon.get("/ready").json()
        assert ready["status"] == "ready" and ready["db"] == "ok"
        assert anon.get("/contracts").status_code == 401


def test_org_scoping(gw: LocalGateway) -> None:
    other = gw.add_api_key(org_id="11111111-2222-4333-8444-555555555555")
    uid = gw.contract_id("user_events")
    with make_client(gw, other) as c:
        assert c.get("/contracts").json() == []
        assert c.get(f"/contracts/{uid}").status_code == 404
        assert c.post(f"/ingest/{uid}", json=GOOD).json() == {
            "error": f"Contract not found: {uid}",
            "status": 404,
        }
        assert c.post(f"/v1/ingest/{uid}", json=GOOD).status_code == 404
        assert c.get("/audit").json() == [] and c.get("/quarantine").json() == []
        assert c.get("/stats").json()["total_events"] == 0
        # per-contract stats are not org-scoped upstream (§10.5)
        assert c.get(f"/ingest/{uid}/stats").status_code == 200


def test_small_routes(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    assert client.get(f"/contracts/{uid}/name-history").json() == []
    r = client.head("/contracts")
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) > 2
    r = client.post(f"/egress/{uid}", json=[GOOD], headers={"X-Contract-Version": "1.0.0"})
    assert r.json()["resolved_version"] == "1.0.0"


def test_ready_reports_a_broken_database(fresh_gw: LocalGateway) -> None:
    fresh_gw.storage.close()
    with httpx.Client(base_url=fresh_gw.base_url) as anon:
        r = anon.get("/ready")
        assert r.status_code == 503 and r.json() == {"status": "degraded", "db": "error"}
        assert anon.get("/health").status_code == 200


def test_egress_dry_run_writes_nothing_and_rows_follow_the_payload_setting(
    contracts_dir,
) -> None:
    from cg_gateway_testlib import BAD

    for store in (True, False):
        with LocalGateway(contracts_dir=contracts_dir, store_payloads=store) as g, make_client(
            g
        ) as c:
            uid = g.contract_id("user_events")
            r = c.post(f"/egress/{uid}?disposition=tag&dry_run=true", json=[GOOD, BAD])
            assert r.status_code == 207
            assert (g.count_rows("audit"), g.count_rows("quarantine")) == (0, 0)
            assert c.post(f"/egress/{uid}?disposition=tag", json=[GOOD, BAD]).status_code == 207
            assert (g.count_rows("audit"), g.count_rows("quarantine")) == (2, 1)
            (q,) = g.quarantine_rows(uid)
            assert (q["raw_event"] is None) is (not store)
            assert all((a["raw_event"] == {}) is (not store) for a in g.audit_rows(uid))
