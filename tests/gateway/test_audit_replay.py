"""Audit, stats, usage (§3.6, §3.8) and quarantine + replay (§3.7, §10.3)."""

from __future__ import annotations

from pathlib import Path
from typing import List

import httpx
from cg_gateway_testlib import BAD, GOOD, VIEW, make_client

from contractgate.gateway import LocalGateway

NIL = "00000000-0000-0000-0000-000000000000"
AUDIT_KEYS = [
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
]
QUARANTINE_KEYS = [
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
]


def _ids(rows: List[dict]) -> List[str]:  # type: ignore[type-arg]
    return [r["id"] for r in rows]


def test_audit_listing_and_pagination(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    fresh_client.post(f"/ingest/{uid}", json=[GOOD, BAD, GOOD])
    fresh_client.post(f"/v1/ingest/{uid}", json=[GOOD, BAD])
    rows = fresh_client.get("/audit").json()
    assert len(rows) == 5 and list(rows[0]) == AUDIT_KEYS
    # newest first: the second batch comes first; within a batch, ties broken by id desc
    assert [r["created_at"] for r in rows] == sorted((r["created_at"] for r in rows), reverse=True)
    second = rows[:2]
    assert _ids(second) == sorted(_ids(second), reverse=True)
    pages = [fresh_client.get(f"/audit?limit=2&offset={o}").json() for o in (0, 2, 4)]
    assert [i for p in pages for i in _ids(p)] == _ids(rows)  # no overlap, no gap
    assert fresh_client.get("/audit?limit=0").json() == []
    r = fresh_client.get("/audit?limit=-1")
    assert r.status_code == 500 and r.json() == {"error": "Database error", "status": 500}
    assert fresh_client.get("/audit?offset=-1").status_code == 500
    assert len(fresh_client.get(f"/audit?contract_id={uid}&limit=999").json()) == 5
    other = fresh_gw.contract_id("pii")
    assert fresh_client.get(f"/audit?contract_id={other}").json() == []
    r = fresh_client.get("/audit?contract_id=xyz")
    assert r.status_code == 400 and r.text.startswith(
        "Failed to deserialize query string: UUID parsing failed: "
    )


def test_stats_and_usage(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    fresh_client.post(f"/ingest/{uid}", json=[GOOD, GOOD, GOOD, BAD])
    stats = fresh_client.get("/stats").json()
    assert list(stats) == [
        "total_events",
        "passed_events",
        "failed_events",
        "pass_rate",
        "avg_validation_us",
        "p50_validation_us",
        "p95_validation_us",
        "p99_validation_us",
    ]
    assert stats["total_events"] == 4 and stats["passed_events"] == 3
    assert stats["pass_rate"] == 0.75 and isinstance(stats["avg_validation_us"], float)
    assert fresh_client.get(f"/ingest/{uid}/stats").json()["total_events"] == 4
    usage = fresh_client.get("/usage").json()
    assert list(usage) == ["plan", "period_start", "used", "limit", "remaining", "pct", "unlimited"]
    assert usage["plan"] == "free" and usage["used"] == 4 and usage["limit"] == 1_000_000
    assert usage["remaining"] == 999_996 and usage["unlimited"] is False
    assert usage["period_start"].endswith("-01T00:00:00Z")


def test_quarantine_listing(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    fresh_client.post(
        f"/ingest/{uid}", json=[BAD, BAD, GOOD], headers={"x-real-ip": "198.51.100.4"}
    )
    rows = fresh_client.get("/quarantine").json()
    assert len(rows) == 2 and list(rows[0]) == QUARANTINE_KEYS
    assert rows[0]["raw_event"] == BAD and rows[0]["payload_redacted"] is False
    assert rows[0]["source_ip"] == "198.51.100.4"
    assert rows[0]["replay_count"] == 0 and rows[0]["last_replay_passed"] is None
    assert len(fresh_client.get("/quarantine?limit=0").json()) == 1  # clamped to 1..500
    assert len(fresh_client.get("/quarantine?offset=-5").json()) == 2  # negatives → 0


def test_per_contract_replay(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    # VIEW pinned to 1.1.0 fails (no fallback when pinned); a default replay falls back
    fresh_client.post(f"/ingest/{uid}@1.1.0", json=[VIEW, BAD])
    view_q, bad_q = _ids(sorted(fresh_gw.quarantine_rows(), key=lambda r: r["seq"]))
    unknown = "11111111-2222-4333-8444-555555555555"
    r = fresh_client.post(
        f"/contracts/{uid}/quarantine/replay", json={"ids": [view_q, bad_q, unknown]}
    )
    assert r.status_code == 200
    body = r.json()
    assert list(body) == [
        "total",
        "replayed",
        "still_quarantined",
        "already_replayed",
        "not_found",
        "wrong_contract",
        "purged",
        "redacted",
        "target_version",
        "target_version_source",
        "target_is_draft",
        "results",
    ]
    assert (body["total"], body["replayed"], body["still_quarantined"], body["not_found"]) == (
        3,
        1,
        1,
        1,
    )
    assert body["target_version"] == "1.1.0" and body["target_version_source"] == "default_stable"
    ok, still, missing = body["results"]
    assert list(ok) == [
        "quarantine_id",
        "outcome",
        "replayed_into_audit_id",
        "contract_version_matched",
    ]
    assert ok["outcome"] == "replayed" and ok["contract_version_matched"] == "1.0.0"
    assert still["outcome"] == "still_quarantined" and still["new_quarantine_id"] == NIL
    assert still["contract_version_attempted"] == "1.1.0" and still["violation_count"] == 1
    assert missing == {"quarantine_id": unknown, "outcome": "not_found"}
    # the replayed row is terminal; replay audit rows are invisible to /audit
    again = fresh_client.post(f"/contracts/{uid}/quarantine/replay", json={"ids": [view_q]})
    assert again.json()["results"][0]["outcome"] == "already_replayed"
    audit_ids = _ids(fresh_client.get("/audit").json())
    assert ok["replayed_into_audit_id"] not in audit_ids
    assert fresh_gw.count_rows("audit", direction="replay") == 1
    # quarantine listing: still lists the replayed source row, not failed-replay children
    listed = {r["id"]: r for r in fresh_client.get("/quarantine").json()}
    assert set(listed) == {view_q, bad_q}
    assert listed[view_q]["last_replay_passed"] is True and listed[view_q]["replay_count"] == 1
    assert listed[bad_q]["last_replay_passed"] is False
    # history (per contract): source, failed attempts, then passes
    hist = fresh_client.get(f"/contracts/{uid}/quarantine/{bad_q}/replay-history").json()
    assert [h["kind"] for h in hist] == ["source", "failed_replay"]
    assert list(hist[0]) == [
        "kind",
        "id",
        "contract_version",
        "status",
        "violation_count",
        "replayed_at",
        "replayed_into_audit_id",
        "created_at",
    ]
    hist = fresh_client.get(f"/contracts/{uid}/quarantine/{view_q}/replay-history").json()
    assert [h["kind"] for h in hist] == ["source", "passed_replay"]
    assert hist[0]["status"] == "replayed"
    assert hist[1]["id"] == ok["replayed_into_audit_id"]
    # an explicit target: a draft is flagged; unknown → 404
    lid = fresh_gw.contract_id("lifecycle")
    r = fresh_client.post(
        f"/contracts/{uid}/quarantine/replay", json={"ids": [bad_q], "target_version": "9.9"}
    )
    assert r.status_code == 404
    r = fresh_client.post(
        f"/contracts/{lid}/quarantine/replay", json={"ids": [bad_q], "target_version": "2.0.0"}
    )
    assert r.json()["target_is_draft"] is True
    assert r.json()["results"][0]["outcome"] == "wrong_contract"


def test_replay_errors_and_duplicates(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    fresh_client.post(f"/ingest/{uid}", json=[BAD])
    (qid,) = _ids(fresh_gw.quarantine_rows())
    r = fresh_client.post(f"/contracts/{uid}/quarantine/replay", json={"ids": [qid, qid]})
    assert [x["outcome"] for x in r.json()["results"]] == ["not_found", "still_quarantined"]
    r = fresh_client.post(f"/contracts/{uid}/quarantine/replay", json={"ids": []})
    assert r.status_code == 400 and r.json()["error"].startswith("Invalid request: ")
    r = fresh_client.post(f"/contracts/{uid}/quarantine/replay", json={"quarantine_ids": [qid]})
    assert r.status_code == 422
    assert r.text.startswith(
        "Failed to deserialize the JSON body into the target type: missing field `ids`"
    )
    r = fresh_client.post(
        f"/contracts/{uid}/quarantine/replay",
        content=b"{",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400
    other = "11111111-2222-4333-8444-555555555555"
    r = fresh_client.get(f"/contracts/{uid}/quarantine/{other}/replay-history")
    assert r.status_code == 400
    assert r.json()["error"] == (
        f"Invalid request: quarantine row {other} not found on contract {uid}"
    )
    r = fresh_client.get(f"/contracts/{other}/quarantine/{qid}/replay-history")
    assert r.status_code == 404


def test_top_level_replay(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    pid = fresh_gw.contract_id("pii")
    fresh_client.post(f"/ingest/{uid}@1.1.0", json=[VIEW, BAD])
    fresh_client.post(f"/ingest/{pid}", json=[{"n": 1}])
    rows = sorted(fresh_gw.quarantine_rows(), key=lambda r: r["seq"])
    view_q, bad_q, pii_q = _ids(rows)
    unknown = "11111111-2222-4333-8444-555555555555"
    r = fresh_client.post(
        "/quarantine/replay", json={"event_ids": [view_q, bad_q, pii_q], "contract_id": uid}
    )
    assert r.status_code == 400  # pii_q belongs to another contract
    r = fresh_client.post("/quarantine/replay", json={"event_ids": [unknown, view_q, bad_q]})
    assert r.status_code == 200
    body = r.json()
    assert body["replayed"] == 1
    first, ok, bad = body["outcomes"]
    assert list(first) == ["event_id", "version", "passed", "violations", "replayed_at"]
    assert first == {
        "event_id": unknown,
        "version": "",
        "passed": False,
        "violations": [],
        "replayed_at": first["replayed_at"],
    }
    assert ok["passed"] is True and ok["version"] == "1.0.0"
    assert bad["passed"] is False and bad["violations"] and bad["version"] == "1.1.0"
    assert len({o["replayed_at"] for o in body["outcomes"]}) == 1
    # replaying again: already_replayed looks like any other non-replay
    again = fresh_client.post(
        "/quarantine/replay", json={"event_ids": [view_q], "version": "1.0.0"}
    )
    assert again.json()["outcomes"][0] == {
        "event_id": view_q,
        "version": "1.0.0",
        "passed": False,
        "violations": [],
        "replayed_at": again.json()["outcomes"][0]["replayed_at"],
    }
    hist = fresh_client.get(f"/quarantine/replay-history?event_id={bad_q}").json()
    assert [(h["passed"], h["violations"]) for h in hist] == [(False, [])]
    hist = fresh_client.get(f"/quarantine/replay-history?event_id={view_q}").json()
    assert [h["passed"] for h in hist] == [True] and hist[0]["version"] == "1.0.0"
    assert fresh_client.get(f"/quarantine/replay-history?event_id={unknown}").json() == []


def test_no_stored_bodies_means_redacted(contracts_dir: Path) -> None:
    with LocalGateway(contracts_dir=contracts_dir, store_payloads=False) as g, make_client(g) as c:
        uid = g.contract_id("user_events")
        res = c.post(f"/ingest/{uid}", json=[GOOD, BAD]).json()
        assert res["results"][0]["transformed_event"]["email"] == "****"  # still echoed
        assert [a["raw_event"] for a in c.get("/audit").json()] == [{}, {}]
        (q,) = c.get("/quarantine").json()
        assert q["raw_event"] is None and q["payload_redacted"] is True
        r = c.post(f"/contracts/{uid}/quarantine/replay", json={"ids": [q["id"]]}).json()
        assert r["redacted"] == 1 and r["results"][0]["outcome"] == "redacted"


def test_stats_percentiles_interpolate_and_empty_stats_are_zero(
    fresh_gw: LocalGateway, fresh_client: httpx.Client
) -> None:
    """``percentile_cont`` between neighbours, truncated (§3.6); with no events every
    figure is 0 (no division by zero, no ``NaN``)."""
    from contractgate.gateway._reads import _stats_body

    body = _stats_body(4, 3, [10, 20, 30, 40])
    assert (body["p50_validation_us"], body["p95_validation_us"]) == (25, 38)
    assert body["p99_validation_us"] == 39 and body["avg_validation_us"] == 25.0
    assert list(_stats_body(101, 101, list(range(101))).values())[-3:] == [50, 95, 99]
    empty = fresh_client.get("/stats").json()
    assert empty["pass_rate"] == 0.0 and empty["avg_validation_us"] == 0.0
    assert empty["total_events"] == 0 and empty["p99_validation_us"] == 0


def test_audit_pages_hold_at_most_500_rows(
    fresh_gw: LocalGateway, fresh_client: httpx.Client
) -> None:
    uid = fresh_gw.contract_id("user_events")
    assert fresh_client.post(f"/v1/ingest/{uid}", json=[GOOD] * 501).status_code == 200
    assert len(fresh_client.get("/audit?limit=999").json()) == 500
    assert len(fresh_client.get("/audit?limit=999&offset=500").json()) == 1


def test_usage_with_a_cap_of_zero(contracts_dir: Path) -> None:
    with LocalGateway(contracts_dir=contracts_dir, monthly_event_limit=0) as g, make_client(g) as c:
        usage = c.get("/usage").json()
    assert (usage["limit"], usage["used"], usage["remaining"], usage["pct"]) == (0, 0, 0, 100.0)
