"""API-key auth (§1) and fault injection (Python API and the admin route)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from cg_gateway_testlib import BAD, GOOD, make_client

from contractgate.gateway import LocalGateway

UNAUTHORIZED = {"error": "Unauthorized: missing or invalid API key", "status": 401}


def test_api_key_rules(gw: LocalGateway) -> None:
    assert re.fullmatch(r"cg_live_[0-9a-f]{48}", gw.api_key)
    uid = gw.contract_id("user_events")
    with httpx.Client(base_url=gw.base_url) as c:
        for headers in (
            {},
            {"x-api-key": "cg_short"},
            {"x-api-key": "nope_" + "a" * 20},
            {"x-api-key": "cg_live_" + "0" * 48},
            # Bearer takes the JWT path and never looks at x-api-key
            {"authorization": f"Bearer {gw.api_key}"},
            {"authorization": "Bearer x", "x-api-key": gw.api_key},
        ):
            r = c.post(f"/ingest/{uid}", json=GOOD, headers=headers)
            assert r.status_code == 401 and r.json() == UNAUTHORIZED
            assert "www-authenticate" not in r.headers
        r = c.get("/contracts", headers={"X-Api-Key": gw.api_key})  # case-insensitive name
        assert r.status_code == 200
        r = c.get("/contracts", headers={"x-api-key": gw.api_key, "authorization": "Basic x"})
        assert r.status_code == 200


def test_added_and_revoked_keys(gw: LocalGateway) -> None:
    key = gw.add_api_key("cg_test_" + "ab" * 10)
    with make_client(gw, key) as c:
        assert c.get("/contracts").status_code == 200
        assert gw.remove_api_key(key) is True
        assert c.get("/contracts").status_code == 401
    with pytest.raises(ValueError):
        gw.add_api_key("not_a_cg_key")


def test_allow_list(gw: LocalGateway) -> None:
    uid = gw.contract_id("user_events")
    pid = gw.contract_id("pii")
    key = gw.add_api_key(allowed_contract_ids=["pii"])  # names are accepted too
    with make_client(gw, key) as c:
        assert c.post(f"/ingest/{pid}?dry_run=true", json={"id": "a"}).status_code == 200
        for path in (f"/ingest/{uid}", f"/v1/ingest/{uid}", f"/egress/{uid}"):
            r = c.post(path + "?dry_run=true", json=GOOD)
            assert r.status_code == 401 and r.json() == UNAUTHORIZED, path
        # reads are not allow-list checked (§1.3)
        assert c.get(f"/contracts/{uid}").status_code == 200


def test_fail_next_bodies(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    fresh_gw.faults.fail_next(2, status=503)
    for _ in range(2):
        r = fresh_client.post(f"/v1/ingest/{uid}", json=GOOD)
        assert r.status_code == 503
        assert r.json() == {"error": "Service unavailable", "status": 503}
    assert fresh_client.post(f"/v1/ingest/{uid}", json=GOOD).status_code == 200
    assert fresh_gw.count_rows("audit") == 1  # the failed requests were not processed
    fresh_gw.faults.fail_next(
        status=429,
        body={"error": "rate_limit_exceeded", "detail": "slow down", "retry_after_ms": 50},
        headers={"X-RateLimit-Reset": "1"},
    )
    r = fresh_client.get("/contracts")
    assert r.status_code == 429 and r.json()["retry_after_ms"] == 50
    assert r.headers["x-ratelimit-reset"] == "1"
    fresh_gw.faults.fail_next(status=502, body="upstream went away")
    r = fresh_client.get("/contracts")
    assert r.status_code == 502 and r.text == "upstream went away"
    assert r.headers["content-type"].startswith("text/plain")
    fresh_gw.faults.fail_next(status=408)
    r = fresh_client.get("/contracts")
    assert r.status_code == 408 and r.content == b""


@pytest.mark.parametrize(
    ("arm", "said"),
    [
        (lambda f: f.fail_next(status=100), "status must be an HTTP status code in 200..599"),
        (lambda f: f.fail_next(status=True), "got True"),
        (lambda f: f.fail_next(status="503"), "got '503'"),
        (lambda f: f.fail_next(headers={"x": "€"}), "header x: '€' is not Latin-1 text"),
        (lambda f: f.fail_next(headers={"x": "a\r\nset-cookie: y"}), "holds a control char"),
        (lambda f: f.fail_next(headers={"x y": "1"}), "header name 'x y' is not an HTTP token"),
        (lambda f: f.delay_next(seconds=float("nan")), "finite number >= 0, got nan"),
        (lambda f: f.delay_next(seconds=float("inf")), "finite number >= 0, got inf"),
        (lambda f: f.delay_next(seconds=-1), "finite number >= 0, got -1"),
        (lambda f: f.delay_next(seconds="1"), "seconds must be a number, got '1'"),
    ],
)
def test_a_fault_the_server_cannot_answer_is_refused_when_armed(
    fresh_gw: LocalGateway, fresh_client: httpx.Client, arm: Any, said: str
) -> None:
    """A 1xx left the client waiting for the answer that follows; a non-Latin-1 header
    killed the answer midway (a traceback, the connection closed); a line break in one
    split the answer; NaN seconds failed in the server's thread."""
    with pytest.raises(ValueError, match=re.escape(said)):
        arm(fresh_gw.faults)
    assert fresh_gw.faults.pending() == []
    assert fresh_client.get("/health").status_code == 200
    r = fresh_client.post("/_admin/faults", json={"action": "fail", "headers": {"x": "\n"}})
    assert r.status_code == 400 and "holds a control character" in r.json()["error"]


def test_path_prefix_and_clear(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    fresh_gw.faults.fail_next(1, status=500, path_prefix="/v1/")
    assert fresh_client.get("/contracts").status_code == 200  # not matching: untouched
    assert len(fresh_gw.faults.pending()) == 1
    fresh_gw.faults.clear()
    assert fresh_gw.faults.pending() == []
    uid = fresh_gw.contract_id("user_events")
    assert fresh_client.post(f"/v1/ingest/{uid}", json=GOOD).status_code == 200


def test_delay_next(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    fresh_gw.faults.delay_next(seconds=0.2)
    assert fresh_client.get("/health").status_code == 200  # delayed, then answered
    assert fresh_gw.faults.pending() == []
    fresh_gw.faults.delay_next(seconds=1.0)
    with make_client(fresh_gw, timeout=0.3) as c, pytest.raises(httpx.ReadTimeout):
        c.get("/health")


def test_delay_beyond_the_gateway_timeout_is_408(contracts_dir: Path) -> None:
    with LocalGateway(contracts_dir=contracts_dir, request_timeout=0.2) as g, make_client(g) as c:
        g.faults.delay_next(seconds=1.0)
        r = c.get("/contracts")
        assert r.status_code == 408 and r.content == b""


def test_drop_before_and_after_processing(
    fresh_gw: LocalGateway, fresh_client: httpx.Client
) -> None:
    uid = fresh_gw.contract_id("user_events")
    fresh_gw.faults.drop_next()
    with pytest.raises(httpx.RemoteProtocolError):
        fresh_client.post(f"/v1/ingest/{uid}", json=[GOOD, BAD])
    assert fresh_gw.count_rows("audit") == 0
    fresh_gw.faults.drop_next(after_processing=True)
    with pytest.raises(httpx.RemoteProtocolError):
        fresh_client.post(
            f"/v1/ingest/{uid}", json=[GOOD, BAD], headers={"Idempotency-Key": "drop-me"}
        )
    assert fresh_gw.count_rows("audit") == 2  # processed and committed, answer lost
    # the dangerous retry is safe with the same Idempotency-Key and bytes
    r = fresh_client.post(
        f"/v1/ingest/{uid}", json=[GOOD, BAD], headers={"Idempotency-Key": "drop-me"}
    )
    assert r.status_code == 207 and r.headers["x-idempotency-replay"] == "true"
    assert fresh_gw.count_rows("audit") == 2


def test_truncate_next(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    fresh_gw.faults.truncate_next(path_prefix="/v1/ingest/")
    with pytest.raises(httpx.RemoteProtocolError):
        fresh_client.post(f"/v1/ingest/{uid}", json=[GOOD])
    assert fresh_gw.count_rows("audit") == 1  # processed before the answer was cut
    assert fresh_client.get("/health").status_code == 200


def test_admin_route(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    r = fresh_client.post(
        "/_admin/faults",
        json={"action": "fail_next", "n": 2, "status": 500, "path_prefix": "/contracts"},
    )
    assert r.status_code == 200
    assert r.json()["pending"] == [
        {"kind": "fail", "remaining": 2, "path_prefix": "/contracts", "status": 500}
    ]
    assert fresh_client.get("/contracts").status_code == 500
    fresh_client.post(
        "/_admin/faults",
        json=[{"action": "delay", "seconds": 0.2}, {"kind": "drop_next"}, {"action": "truncate"}],
    )
    assert len(fresh_client.get("/_admin/faults").json()["pending"]) == 4
    assert fresh_client.delete("/_admin/faults").json() == {"pending": []}
    r = fresh_client.post("/_admin/faults", json={"action": "explode"})
    assert r.status_code == 400
    r = fresh_client.post("/_admin/faults", json={"action": "fail", "n": 0})
    assert r.status_code == 400


def test_admin_route_is_404_unless_enabled(contracts_dir: Path) -> None:
    with LocalGateway(contracts_dir=contracts_dir) as g, make_client(g) as c:
        r = c.post("/_admin/faults", json={"action": "fail_next"})
        assert r.status_code == 404 and r.content == b""
