"""``POST /v1/ingest/{id}`` (gateway-api.md §3.2, §5)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import List

import httpx
from cg_gateway_testlib import BAD, GOOD, make_client

from contractgate.gateway import LocalGateway

V1_RESULT_KEYS = [
    "index",
    "passed",
    "violations",
    "validation_us",
    "forwarded",
    "contract_version",
    "quarantine_id",
    "transformed_event",
]
NDJSON = {"content-type": "application/x-ndjson"}


def test_json_batch_shape_and_headers(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    r = client.post(f"/v1/ingest/{uid}", json=[GOOD, BAD])
    assert r.status_code == 207
    body = r.json()
    assert body["version_pin_source"] == "default_stable"
    ok, bad = body["results"]
    assert list(ok) == V1_RESULT_KEYS
    assert ok["index"] == 0 and ok["quarantine_id"] is None and ok["forwarded"] is True
    assert bad["index"] == 1 and uuid.UUID(bad["quarantine_id"])
    assert r.headers["x-ratelimit-limit"] == "100"
    assert int(r.headers["x-ratelimit-remaining"]) <= 998
    assert abs(int(r.headers["x-ratelimit-reset"]) - time.time()) < 5
    assert "x-idempotency-replay" not in r.headers


def test_quarantine_id_matches_the_row(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    body = fresh_client.post(f"/v1/ingest/{uid}", json=[BAD]).json()
    qid = body["results"][0]["quarantine_id"]
    assert [row["id"] for row in fresh_gw.quarantine_rows()] == [qid]
    # dry-run and atomic rejections pre-generate ids for rows that do not exist
    dry = fresh_client.post(f"/v1/ingest/{uid}?dry_run=true", json=[BAD]).json()
    atomic = fresh_client.post(f"/v1/ingest/{uid}?atomic=true", json=[GOOD, BAD]).json()
    assert dry["results"][0]["quarantine_id"] and atomic["results"][1]["quarantine_id"]
    assert fresh_gw.count_rows("quarantine") == 1


def test_ndjson_and_version_param(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    lines = [json.dumps(GOOD), "", "\r", json.dumps(BAD) + "\r", ""]
    r = client.post(f"/v1/ingest/{uid}?version=1.0.0", content="\n".join(lines), headers=NDJSON)
    body = r.json()
    assert r.status_code == 207
    assert body["resolved_version"] == "1.0.0" and body["version_pin_source"] == "query_param"
    assert body["total"] == 2
    # X-Contract-Version is ignored on /v1
    r = client.post(f"/v1/ingest/{uid}", json=GOOD, headers={"X-Contract-Version": "1.0.0"})
    assert r.json()["resolved_version"] == "1.1.0"
    # an array on one NDJSON line is one event
    r = client.post(f"/v1/ingest/{uid}?dry_run=true", content=b"[1,2]\n", headers=NDJSON)
    assert r.json()["total"] == 1


def test_parse_errors(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    r = client.post(f"/v1/ingest/{uid}", content=b'{"a":1}\n\n{bad\n', headers=NDJSON)
    assert r.status_code == 400
    assert r.json()["error"].startswith("Invalid request: NDJSON parse error at line 2: ")
    r = client.post(f"/v1/ingest/{uid}", content=b"[1,")
    assert r.status_code == 400
    assert r.json()["error"].startswith("Invalid request: JSON parse error: ")
    r = client.post("/v1/ingest/xyz", json=GOOD)
    assert r.json()["error"].startswith("Invalid request: invalid contract_id: ")
    r = client.post(f"/v1/ingest/{uid}", content=b"", headers=NDJSON)
    assert r.json() == {"error": "Invalid request: Empty event batch", "status": 400}
    r = client.post(f"/v1/ingest/{uid}?atomic=yes", json=GOOD)
    assert r.status_code == 400 and r.text.startswith("Failed to deserialize query string: ")


def test_size_limits(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    big_event = {"user_id": "a", "pad": "x" * 1_048_600}
    r = client.post(f"/v1/ingest/{uid}", json=[GOOD, big_event])
    assert r.status_code == 413
    err = r.json()["error"]
    assert err.startswith("Payload too large: Event at index 1 exceeds the 1 MB per-event limit (")
    assert "x-ratelimit-limit" not in r.headers
    r = client.post(
        f"/v1/ingest/{uid}", content=json.dumps(big_event).encode() + b"\n", headers=NDJSON
    )
    assert r.json()["error"].startswith("Payload too large: NDJSON line 0 exceeds")
    # the body cap is 2 MiB (plain text)
    r = client.post(f"/v1/ingest/{uid}", content=b"[" + b" " * 2_200_000 + b"]")
    assert r.status_code == 413
    assert r.text == "Failed to buffer the request body: length limit exceeded"


def test_an_event_of_exactly_the_per_event_limit_is_accepted(
    gw: LocalGateway, client: httpx.Client
) -> None:
    uid = gw.contract_id("user_events")
    for extra, too_large in ((0, False), (1, True)):
        pad = 1_048_576 + extra - len('{"user_id":"a","pad":""}')
        line = json.dumps({"user_id": "a", "pad": "x" * pad}, separators=(",", ":")).encode()
        for content, headers in ((b"[" + line + b"]", {}), (line + b"\n", NDJSON)):
            r = client.post(f"/v1/ingest/{uid}?dry_run=true", content=content, headers=headers)
            assert (r.status_code == 413) is too_large, (extra, headers, r.text[:200])


def test_ndjson_with_content_type_parameters(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    lines = json.dumps(GOOD) + "\n" + json.dumps(BAD)
    ctype = {"content-type": "application/x-ndjson; charset=utf-8"}
    r = client.post(f"/v1/ingest/{uid}?dry_run=true", content=lines, headers=ctype)
    assert r.status_code == 207 and len(r.json()["results"]) == 2


def test_idempotent_replay_and_conflict(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    key = str(uuid.uuid4())
    body = json.dumps([GOOD, BAD]).encode()
    first = fresh_client.post(f"/v1/ingest/{uid}", content=body, headers={"Idempotency-Key": key})
    again = fresh_client.post(f"/v1/ingest/{uid}", content=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 207
    assert again.content == first.content
    assert again.headers["x-idempotency-replay"] == "true"
    assert "x-ratelimit-remaining" in again.headers
    assert fresh_gw.count_rows("audit") == 2  # written once
    # a dry-run reusing the key and body gets the real cached response
    dry = fresh_client.post(
        f"/v1/ingest/{uid}?dry_run=true", content=body, headers={"Idempotency-Key": key}
    )
    assert dry.json()["dry_run"] is False and dry.headers["x-idempotency-replay"] == "true"
    # different bytes: 422 idempotency_conflict without a status field or rate headers
    other = fresh_client.post(
        f"/v1/ingest/{uid}", content=body + b" ", headers={"Idempotency-Key": key}
    )
    assert other.status_code == 422
    assert other.json() == {
        "error": "idempotency_conflict",
        "detail": "A different request body was already submitted with this Idempotency-Key.",
    }
    assert "x-ratelimit-limit" not in other.headers
    # an all-failed batch is a stored verdict too
    k2 = str(uuid.uuid4())
    a = fresh_client.post(f"/v1/ingest/{uid}", json=[BAD], headers={"Idempotency-Key": k2})
    b = fresh_client.post(f"/v1/ingest/{uid}", json=[BAD], headers={"Idempotency-Key": k2})
    assert a.status_code == b.status_code == 422 and b.headers["x-idempotency-replay"] == "true"
    # the key is scoped by contract on lookup: another contract re-processes
    oid = fresh_gw.contract_id("pii")
    c = fresh_client.post(f"/v1/ingest/{oid}", json={"id": "x"}, headers={"Idempotency-Key": k2})
    assert "x-idempotency-replay" not in c.headers


def test_idempotency_entry_lives_24_hours(
    fresh_gw: LocalGateway, fresh_client: httpx.Client
) -> None:
    import time

    uid = fresh_gw.contract_id("user_events")
    key = str(uuid.uuid4())
    fresh_client.post(f"/v1/ingest/{uid}", json=[GOOD], headers={"Idempotency-Key": key})
    storage = fresh_gw._ensure_storage()
    hour = 3600.0
    assert storage.get_idempotency(key, uid, time.time() + 23.9 * hour) is not None
    assert storage.get_idempotency(key, uid, time.time() + 24.1 * hour) is None


def test_atomic_rejection_forwards_nothing(
    fresh_gw: LocalGateway, fresh_client: httpx.Client
) -> None:
    uid = fresh_gw.contract_id("user_events")
    r = fresh_client.post(f"/v1/ingest/{uid}?atomic=true", json=[GOOD, BAD])
    assert r.status_code == 422
    assert [x["forwarded"] for x in r.json()["results"]] == [False, False]
    assert fresh_gw.count_rows("forwarded") == 0
    r = fresh_client.post(f"/v1/ingest/{uid}?atomic=true", json=[GOOD, GOOD])
    assert [x["forwarded"] for x in r.json()["results"]] == [True, True]


def test_dry_run_is_not_stored(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    key = str(uuid.uuid4())
    r1 = fresh_client.post(
        f"/v1/ingest/{uid}?dry_run=true", json=[GOOD], headers={"Idempotency-Key": key}
    )
    assert fresh_gw.count_rows("idempotency") == 0
    r2 = fresh_client.post(f"/v1/ingest/{uid}", json=[GOOD], headers={"Idempotency-Key": key})
    assert "x-idempotency-replay" not in r2.headers
    assert r1.json()["dry_run"] is True and r2.json()["dry_run"] is False
    assert fresh_gw.count_rows("audit") == 1 and fresh_gw.count_rows("idempotency") == 1


def test_idempotency_key_rules(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    r = client.post(
        f"/v1/ingest/{uid}?dry_run=true", json=GOOD, headers={"Idempotency-Key": "k" * 256}
    )
    assert r.status_code == 400 and r.json()["error"].startswith("Invalid request: ")
    r = client.post(
        f"/v1/ingest/{uid}?dry_run=true", json=GOOD, headers={"Idempotency-Key": "k" * 255}
    )
    assert r.status_code == 200


def test_a_key_with_spaces_or_tabs_is_honoured(
    fresh_gw: LocalGateway, fresh_client: httpx.Client
) -> None:
    uid = fresh_gw.contract_id("user_events")
    for key in ("batch 7", "batch\t8"):
        headers = {"Idempotency-Key": key}
        first = fresh_client.post(f"/v1/ingest/{uid}", json=[GOOD], headers=headers)
        again = fresh_client.post(f"/v1/ingest/{uid}", json=[GOOD], headers=headers)
        assert "x-idempotency-replay" not in first.headers, key
        assert again.headers["x-idempotency-replay"] == "true", key
    assert fresh_gw.count_rows("audit") == 2


def test_concurrent_same_key_is_written_once(fresh_gw: LocalGateway) -> None:
    """Eight connections send the same keyed batch at the same moment, five times over
    (a batch of 300 events keeps each request busy long enough to overlap): every time,
    one is processed and seven are replays of its answer."""
    uid = fresh_gw.contract_id("user_events")
    body = json.dumps([GOOD, BAD] * 150).encode()
    clients = [make_client(fresh_gw) for _ in range(8)]

    def send(
        c: httpx.Client, key: str, start: threading.Barrier, out: List[httpx.Response]
    ) -> None:
        c.get("/health")  # connected before the barrier
        start.wait()
        out.append(c.post(f"/v1/ingest/{uid}", content=body, headers={"Idempotency-Key": key}))

    try:
        for _ in range(5):
            key = str(uuid.uuid4())
            start = threading.Barrier(len(clients))
            answers: List[httpx.Response] = []
            threads = [
                threading.Thread(target=send, args=(c, key, start, answers)) for c in clients
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert [r.status_code for r in answers] == [207] * 8
            replays = [r.headers.get("x-idempotency-replay") == "true" for r in answers]
            assert replays.count(False) == 1
            assert len({r.content for r in answers}) == 1
    finally:
        for c in clients:
            c.close()
    assert fresh_gw.count_rows("audit") == 5 * 300


def test_v1_deprecated_pin_shape(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    lid = fresh_gw.contract_id("lifecycle")
    key = str(uuid.uuid4())
    r = fresh_client.post(
        f"/v1/ingest/{lid}?version=0.9.0", json=[{"id": "a"}], headers={"Idempotency-Key": key}
    )
    assert r.status_code == 422
    body = r.json()
    assert list(body) == [
        "error",
        "total",
        "passed",
        "failed",
        "dry_run",
        "version_pin_source",
        "results",
    ]
    assert body["results"][0]["quarantine_id"] is None
    assert body["results"][0]["index"] == 0
    assert "x-ratelimit-limit" not in r.headers
    assert fresh_gw.count_rows("quarantine") == 1 and fresh_gw.count_rows("audit") == 0
    assert fresh_gw.count_rows("idempotency") == 0


def test_handler_rate_limit(gw: LocalGateway) -> None:
    key = gw.add_api_key(rate_limit_rps=0.5, rate_limit_burst=3)
    uid = gw.contract_id("user_events")
    with make_client(gw, key) as c:
        first = c.post(f"/v1/ingest/{uid}?dry_run=true", json=GOOD)  # 2 tokens
        assert first.status_code == 200
        assert first.headers["x-ratelimit-remaining"] == "1"
        assert first.headers["x-ratelimit-limit"] == "0.5"
        second = c.post(f"/v1/ingest/{uid}?dry_run=true", json=GOOD)  # middleware ok, handler not
        assert second.status_code == 429
        body = second.json()
        assert list(body) == ["error", "detail", "retry_after_ms"]
        assert body["error"] == "rate_limit_exceeded"
        assert body["detail"].startswith("Rate limit of 0.5 req/sec exceeded. Retry after ")
        assert body["retry_after_ms"] > 0
        assert second.headers["x-ratelimit-remaining"] == "0"
        assert "retry-after" not in second.headers
        third = c.get("/contracts")  # middleware bucket: standard body, no headers
        assert third.status_code == 429
        assert third.json() == {"error": "Rate limit exceeded — too many requests", "status": 429}
        assert "x-ratelimit-limit" not in third.headers


def test_plan_cap(contracts_dir) -> None:  # type: ignore[no-untyped-def]
    with LocalGateway(contracts_dir=contracts_dir, monthly_event_limit=2) as g, make_client(g) as c:
        uid = g.contract_id("user_events")
        assert c.post(f"/v1/ingest/{uid}", json=[GOOD, GOOD, GOOD]).status_code == 200
        r = c.post(f"/v1/ingest/{uid}", json=[GOOD])
        assert r.status_code == 429
        body = r.json()
        assert body["error"] == "plan_limit_exceeded" and body["status"] == 429
        assert body["limit"] == 2 and body["used"] == 3 and body["plan"] == "free"
        assert c.post(f"/ingest/{uid}", json=[GOOD]).status_code == 429
        # dry-run skips the cap
        assert c.post(f"/v1/ingest/{uid}?dry_run=true", json=[GOOD]).status_code == 200
        usage = c.get("/usage").json()
        assert usage["used"] == 3 and usage["remaining"] == 0 and usage["pct"] == 150.0
