"""Read, quarantine and replay routes: defects found by a hunt over §3.5-§3.10.

* a typed JSON body (replay requests) that names one of its fields twice is refused
  the way serde's derived ``Deserialize`` refuses it (422 ``duplicate field``), instead
  of replaying with the last value;
* tower-http's body-size layer (§4.1) answers a ``Content-Length`` over the cap with
  ``413 length limit exceeded`` on every authenticated route, reads included.
"""

from __future__ import annotations

import socket
from typing import List

import httpx
import pytest
from cg_gateway_testlib import VIEW, make_client

from contractgate.gateway import LocalGateway

JSON = {"content-type": "application/json"}
DUPLICATE = "Failed to deserialize the JSON body into the target type: duplicate field `{}`"


def _quarantined_views(gw: LocalGateway, client: httpx.Client, n: int) -> List[str]:
    """``n`` rows that fail 1.1.0 (pinned) and pass a default replay (fallback to 1.0.0)."""
    uid = gw.contract_id("user_events")
    before = {r["id"] for r in gw.quarantine_rows(uid)}
    assert client.post(f"/ingest/{uid}@1.1.0", json=[VIEW] * n).status_code == 422
    return [r["id"] for r in gw.quarantine_rows(uid) if r["id"] not in before]


# ---------------------------------------------------------------------------- duplicate fields


def test_replay_with_a_field_given_twice_is_refused_and_replays_nothing(
    fresh_gw: LocalGateway, fresh_client: httpx.Client
) -> None:
    uid = fresh_gw.contract_id("user_events")
    (qid,) = _quarantined_views(fresh_gw, fresh_client, 1)
    body = f'{{"ids": [], "ids": ["{qid}"]}}'.encode()
    r = fresh_client.post(f"/contracts/{uid}/quarantine/replay", content=body, headers=JSON)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith(DUPLICATE.format("ids") + " at line 1 column ")
    body = f'{{"ids": ["{qid}"], "target_version": "1.1.0", "target_version": "1.0.0"}}'
    r = fresh_client.post(
        f"/contracts/{uid}/quarantine/replay", content=body.encode(), headers=JSON
    )
    assert r.status_code == 422 and r.text.startswith(DUPLICATE.format("target_version"))
    assert fresh_gw.count_rows("audit", direction="replay") == 0
    assert fresh_gw.quarantine_rows(uid)[0]["replay_count"] == 0


def test_top_level_replay_with_a_field_given_twice_is_refused(
    fresh_gw: LocalGateway, fresh_client: httpx.Client
) -> None:
    (qid,) = _quarantined_views(fresh_gw, fresh_client, 1)
    for field, body in (
        ("event_ids", f'{{"event_ids": ["{qid}"], "event_ids": ["{qid}"]}}'),
        ("version", f'{{"event_ids": ["{qid}"], "version": null, "version": "1.0.0"}}'),
        ("contract_id", f'{{"contract_id": null, "event_ids": ["{qid}"], "contract_id": null}}'),
    ):
        r = fresh_client.post("/quarantine/replay", content=body.encode(), headers=JSON)
        assert r.status_code == 422, (body, r.text)
        assert r.text.startswith(DUPLICATE.format(field)), r.text
    assert fresh_gw.count_rows("forwarded", source="replay") == 0


def test_unknown_fields_given_twice_and_nested_duplicates_are_still_fine(
    fresh_gw: LocalGateway, fresh_client: httpx.Client
) -> None:
    """serde ignores unknown fields, repeated or not; only the struct's own fields count,
    and only at the top level."""
    uid = fresh_gw.contract_id("user_events")
    q1, q2 = _quarantined_views(fresh_gw, fresh_client, 2)
    body = f'{{"x": 1, "ids": ["{q1}"], "x": {{"ids": 1, "ids": 2}}}}'
    r = fresh_client.post(
        f"/contracts/{uid}/quarantine/replay", content=body.encode(), headers=JSON
    )
    assert r.status_code == 200 and r.json()["replayed"] == 1
    body = f'{{"event_ids": ["{q2}"], "meta": {{"version": "a", "version": "b"}}}}'
    r = fresh_client.post("/quarantine/replay", content=body.encode(), headers=JSON)
    assert r.status_code == 200 and r.json()["replayed"] == 1


# ---------------------------------------------------------------------------- body-size layer


READS = [
    "/contracts",
    "/contracts/{uid}",
    "/contracts/{uid}/versions",
    "/contracts/{uid}/versions/latest-stable",
    "/contracts/{uid}/versions/1.0.0",
    "/contracts/{uid}/name-history",
    "/audit",
    "/stats",
    "/ingest/{uid}/stats",
    "/quarantine",
    "/quarantine/replay-history?event_id={uid}",
    "/contracts/{uid}/quarantine/{uid}/replay-history",
    "/usage",
]


@pytest.mark.parametrize("path", READS)
def test_a_read_with_a_body_over_the_cap_is_413(
    gw: LocalGateway, client: httpx.Client, path: str
) -> None:
    """The layer answers by ``Content-Length`` before any extractor, on reads too; the
    connection serves the next request afterwards."""
    url = path.format(uid=gw.contract_id("user_events"))
    r = client.request("GET", url, content=b" " * 1_048_577)
    assert (r.status_code, r.text) == (413, "length limit exceeded")
    assert client.request("GET", url, content=b" " * 1_048_576).status_code in (200, 400)


def test_the_layer_comes_after_auth_and_before_path_and_query_checks(
    gw: LocalGateway, client: httpx.Client
) -> None:
    big = b" " * 1_048_577
    r = client.request("GET", "/audit?limit=abc", content=big)
    assert (r.status_code, r.text) == (413, "length limit exceeded")
    r = client.request("GET", "/contracts/not-a-uuid", content=big)
    assert (r.status_code, r.text) == (413, "length limit exceeded")
    with make_client(gw, "cg_not_a_known_key_000") as stranger:
        assert stranger.request("GET", "/audit", content=big).status_code == 401
    with httpx.Client(base_url=gw.base_url) as anon:  # public routes have no layer
        assert anon.request("GET", "/health", content=big).status_code == 200


def test_v1_contract_version_has_the_v1_cap(gw: LocalGateway) -> None:
    """``/v1/contracts/{id}/version`` sits behind the 10 MB layer of the v1 router: a
    ``Content-Length`` over it is refused before the body is asked for."""
    uid = gw.contract_id("user_events")
    head = (
        f"GET /v1/contracts/{uid}/version HTTP/1.1\r\nHost: x\r\nx-api-key: {gw.api_key}\r\n"
        "Expect: 100-continue\r\nContent-Length: 10485761\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as sock:
        sock.sendall(head)
        data = b""
        while b"\r\n\r\n" not in data or not data.endswith(b"length limit exceeded"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.1 413 ") and data.endswith(b"\r\n\r\nlength limit exceeded")
