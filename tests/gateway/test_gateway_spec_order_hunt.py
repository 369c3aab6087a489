"""Which error wins: the local gateway against the spec's "Processing order" lists
(gateway-api.md §3.1, §3.2), requests carrying two faults at once, and the edges of the
NDJSON per-event limit (§3.2).

Defects found by this hunt (each test below fails on the code before its fix):

* a path parameter whose percent-encoding is not UTF-8 was refused (``400 Invalid URL``)
  before authentication and before the body-size layer; axum extracts the path inside
  the handler, so the middleware's 401/429 and the layer's 413 come first (§1, §3.1
  steps 1-2) -- ``test_a_path_that_is_not_utf8_is_refused_after_auth_and_the_layer``;
* an NDJSON line's size was measured without its ``\\r``; the spec measures the raw line
  (§3.2), so a CRLF line one ``\\r`` over the limit is a 413 and the 413 names the raw
  length -- ``test_an_ndjson_crlf_line_is_measured_raw``.

Every other test here already passed: it pins down an order the existing tests did not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from cg_gateway_testlib import BAD, GOOD, make_client

from contractgate.gateway import LocalGateway

UNAUTHORIZED = {"error": "Unauthorized: missing or invalid API key", "status": 401}
JSON = {"content-type": "application/json"}
TEXT = {"content-type": "text/plain"}
NDJSON = {"content-type": "application/x-ndjson"}
OVER_CAP = b" " * 1_048_577  # one byte over the protected routes' 1 MiB layer
QUERY_BOOL = "Failed to deserialize query string: provided string was not `true` or `false`"
LIMIT = 1_048_576


@pytest.fixture(scope="module")
def capped(contracts_dir: Path) -> Iterator[LocalGateway]:
    """A gateway whose org has used up its monthly cap (0 events): every non-dry-run
    ingest that reaches the plan-cap step gets 429 ``plan_limit_exceeded``."""
    with LocalGateway(contracts_dir=contracts_dir, monthly_event_limit=0) as g:
        yield g


def _plan_capped(r: httpx.Response) -> bool:
    return r.status_code == 429 and r.json()["error"] == "plan_limit_exceeded"


# ---------------------------------------------------------------------------- defect 1


def test_a_path_that_is_not_utf8_is_refused_after_auth_and_the_layer(gw: LocalGateway) -> None:
    """``%FF`` decodes to no UTF-8 text: axum's ``Path`` extractor refuses it with a
    plain-text ``400 Invalid URL``, but only once the auth middleware (401) and the
    body-size layer (413 by ``Content-Length``) have let the request through."""
    uid = gw.contract_id("user_events")
    with httpx.Client(base_url=gw.base_url, timeout=10.0) as anon:
        for method, path in (
            ("POST", "/ingest/%FF"),
            ("POST", "/egress/%FF"),
            ("POST", "/v1/ingest/%FF"),
            ("GET", f"/contracts/{uid}/versions/%FF"),
            ("GET", "/contracts/%FF%FE"),
        ):
            r = anon.request(method, path, json=GOOD)
            assert (r.status_code, r.json()) == (401, UNAUTHORIZED), (method, path, r.text)
    with make_client(gw) as c:
        r = c.post("/ingest/%FF", content=OVER_CAP, headers=JSON)
        assert (r.status_code, r.text) == (413, "length limit exceeded")
        r = c.request("GET", f"/contracts/{uid}/versions/%FF", content=OVER_CAP)
        assert (r.status_code, r.text) == (413, "length limit exceeded")
        # within the limits the path is still refused, as plain text, before the query
        r = c.post("/ingest/%FF?dry_run=1", json=GOOD)
        assert r.status_code == 400 and r.text.startswith("Invalid URL: ")
        assert r.headers["content-type"].startswith("text/plain")


def test_a_path_that_is_not_utf8_costs_a_rate_limit_token_first(gw: LocalGateway) -> None:
    """The middleware's bucket is checked before the path: an emptied bucket answers the
    standard 429 even for a path that cannot be decoded."""
    key = gw.add_api_key(rate_limit_rps=0.001, rate_limit_burst=1)
    with make_client(gw, key) as c:
        assert c.get("/contracts").status_code == 200  # the only token
        r = c.get("/contracts/%FF")
        assert r.status_code == 429
        assert r.json() == {"error": "Rate limit exceeded — too many requests", "status": 429}


# ---------------------------------------------------------------------------- defect 2


def _line(size: int) -> bytes:
    """A compact JSON event of exactly ``size`` bytes."""
    pad = size - len('{"user_id":"a","pad":""}')
    return json.dumps({"user_id": "a", "pad": "x" * pad}, separators=(",", ":")).encode()


def test_an_ndjson_crlf_line_is_measured_raw(gw: LocalGateway, client: httpx.Client) -> None:
    """§3.2: "For NDJSON, the raw line length is measured" -- the line as split on
    ``\\n``, its ``\\r`` included. An event of exactly the limit is fine with ``\\n``
    but one byte over it with ``\\r\\n``; the 413 reports the raw length."""
    uid = gw.contract_id("user_events")
    line = _line(LIMIT)
    r = client.post(f"/v1/ingest/{uid}?dry_run=true", content=line + b"\n", headers=NDJSON)
    assert r.status_code == 422, r.text[:200]  # accepted (and fails validation: no fields)
    r = client.post(
        f"/v1/ingest/{uid}?dry_run=true", content=b"{}\r\n" + line + b"\r\n", headers=NDJSON
    )
    assert r.status_code == 413
    assert r.json() == {
        "error": "Payload too large: NDJSON line 1 exceeds the 1 MB per-event limit "
        f"({LIMIT + 1} bytes)",
        "status": 413,
    }
    assert "x-ratelimit-limit" not in r.headers


def test_crlf_lines_and_bare_cr_lines_still_work(gw: LocalGateway, client: httpx.Client) -> None:
    """CRLF endings parse, ``\\r``-only lines are skipped, and a parse error counts the
    physical line (blank lines included) -- unchanged by measuring raw lines."""
    uid = gw.contract_id("user_events")
    body = b"\r\n".join([json.dumps(GOOD).encode(), b"", json.dumps(BAD).encode(), b""])
    r = client.post(f"/v1/ingest/{uid}?dry_run=true", content=body, headers=NDJSON)
    assert r.status_code == 207 and r.json()["total"] == 2
    r = client.post(f"/v1/ingest/{uid}?dry_run=true", content=b"\r\n\r\n{bad\r\n", headers=NDJSON)
    assert r.status_code == 400
    assert r.json()["error"].startswith("Invalid request: NDJSON parse error at line 2: ")


# ---------------------------------------------------------------------------- §3.1 order


def test_legacy_bad_query_beats_bad_content_type_and_bad_path(
    gw: LocalGateway, client: httpx.Client
) -> None:
    """Step 3 (query, then JSON extraction) comes before step 4 (path)."""
    r = client.post("/ingest/not-a-uuid?atomic=TRUE", content=b"{}", headers=TEXT)
    assert (r.status_code, r.text) == (400, QUERY_BOOL)
    r = client.post("/ingest/not-a-uuid", content=b"{}", headers=TEXT)
    assert r.status_code == 415
    assert r.text == "Expected request with `Content-Type: application/json`"
    r = client.post("/ingest/not-a-uuid", content=b"{nope", headers=JSON)
    assert r.status_code == 400 and r.text.startswith("Failed to parse the request body as JSON: ")


def test_legacy_layer_beats_query_and_content_type_auth_beats_layer(
    gw: LocalGateway, client: httpx.Client
) -> None:
    uid = gw.contract_id("user_events")
    r = client.post(f"/ingest/{uid}?dry_run=1", content=OVER_CAP, headers=TEXT)
    assert (r.status_code, r.text) == (413, "length limit exceeded")
    with make_client(gw, "cg_not_a_known_key_000") as stranger:
        r = stranger.post(f"/ingest/{uid}?dry_run=1", content=OVER_CAP, headers=TEXT)
        assert (r.status_code, r.json()) == (401, UNAUTHORIZED)

    def chunks() -> Iterator[bytes]:  # no Content-Length: only the buffering sees it
        yield OVER_CAP[:600_000]
        yield OVER_CAP[600_000:]

    # buffering happens inside the Json extractor, after its content-type check
    r = client.post(f"/ingest/{uid}", content=chunks(), headers=TEXT)
    assert r.status_code == 415
    r = client.post(f"/ingest/{uid}?atomic=no", content=chunks(), headers=JSON)
    assert (r.status_code, r.text) == (400, QUERY_BOOL)


def test_legacy_allow_list_comes_before_the_contract_lookup(gw: LocalGateway) -> None:
    """Step 5 (allow-list, 401) before step 6 (lookup, 404); step 4 (path) before 5."""
    key = gw.add_api_key(allowed_contract_ids=["pii"])
    unknown = gw.contract_id("no_such_contract")
    with make_client(gw, key) as c:
        for route in ("ingest", "egress"):
            r = c.post(f"/{route}/{unknown}", json=GOOD)
            assert (r.status_code, r.json()) == (401, UNAUTHORIZED), route
            r = c.post(f"/{route}/not-a-uuid", json=GOOD)
            assert r.status_code == 400, route
            assert r.json()["error"].startswith("Invalid request: invalid contract_id in path: ")
            r = c.post(f"/{route}/{unknown}", content=b"[", headers=JSON)
            assert r.status_code == 400 and r.text.startswith("Failed to parse"), route


def test_legacy_version_resolution_comes_before_the_batch_size(
    gw: LocalGateway, client: httpx.Client
) -> None:
    """Step 7 (404 unknown pin, 409 no stable) before step 8 (empty / too large)."""
    uid = gw.contract_id("user_events")
    did = gw.contract_id("drafty")
    r = client.post(f"/ingest/{uid}@9.9.9", json=[])
    assert r.json() == {"error": f"Version 9.9.9 not found on contract {uid}", "status": 404}
    r = client.post(f"/ingest/{uid}", json=[GOOD] * 1001, headers={"X-Contract-Version": "0"})
    assert r.status_code == 404
    r = client.post(f"/ingest/{did}?dry_run=true", json=[{"id": "a"}] * 1001)
    assert r.json() == {"error": f"Contract {did} has no stable version yet", "status": 409}
    unknown = gw.contract_id("no_such_contract")
    r = client.post(f"/ingest/{unknown}@9.9.9", json=[])
    assert r.json() == {"error": f"Contract not found: {unknown}", "status": 404}


def test_legacy_plan_cap_sits_between_batch_size_and_deprecated_pin(
    capped: LocalGateway,
) -> None:
    """Steps 6-8 answer before the plan cap (9); the cap answers before the deprecated
    short-circuit (10) and the envelope branch (11); dry-run skips it."""
    uid = capped.contract_id("user_events")
    lid = capped.contract_id("lifecycle")
    wid = capped.contract_id("wrapped")
    unknown = capped.contract_id("no_such_contract")
    with make_client(capped) as c:
        assert c.post(f"/ingest/{unknown}", json=GOOD).status_code == 404
        assert c.post(f"/ingest/{uid}@9.9.9", json=GOOD).status_code == 404
        r = c.post(f"/ingest/{uid}", json=[])
        assert r.json() == {"error": "Invalid request: Empty event batch", "status": 400}
        assert _plan_capped(c.post(f"/ingest/{lid}@0.9.0", json={"id": "a"}))
        assert _plan_capped(c.post(f"/ingest/{wid}", json=[{"id": "a"}]))  # array + envelope
        r = c.post(f"/ingest/{lid}@0.9.0?dry_run=true", json={"id": "a"})
        assert r.status_code == 422 and r.json()["batch"]["version_pin_source"] == (
            "pinned_deprecated"
        )
        # egress has no plan cap at all
        assert c.post(f"/egress/{uid}", json=GOOD).status_code == 200
    assert capped.count_rows("audit", direction="ingress") == 0
    assert capped.count_rows("quarantine", direction="ingress") == 0


def test_legacy_deprecated_pin_beats_the_envelope_branch_and_batch_is_checked_first(
    gw: LocalGateway, client: httpx.Client
) -> None:
    wid = gw.contract_id("wrapped")
    # an envelope contract's bare array is a 400 only at step 11: step 8 sees it first
    r = client.post(f"/ingest/{wid}?dry_run=true", json=[])
    assert r.json() == {"error": "Invalid request: Empty event batch", "status": 400}
    r = client.post(f"/ingest/{wid}?dry_run=true", json=[{"id": "a"}] * 1001)
    assert r.json()["error"].startswith("Invalid request: Batch too large: 1001 events")


# ---------------------------------------------------------------------------- §3.2 order


def test_v1_query_beats_the_buffered_body_cap_which_beats_the_path(
    gw: LocalGateway, client: httpx.Client
) -> None:
    """Steps 2 (query), 3 (body read: 413 over 2 MiB) and 4 (path UUID)."""
    uid = gw.contract_id("user_events")
    big = b"[" + b" " * 2_200_000 + b"]"  # over 2 MiB, under the 10 MB layer
    r = client.post("/v1/ingest/not-a-uuid?dry_run=1", content=big)
    assert (r.status_code, r.text) == (400, QUERY_BOOL)
    r = client.post("/v1/ingest/not-a-uuid", content=big)
    assert (r.status_code, r.text) == (
        413,
        "Failed to buffer the request body: length limit exceeded",
    )
    r = client.post(f"/v1/ingest/{uid}@1.0.0", content=b"[", headers=NDJSON)
    assert r.status_code == 400
    assert r.json()["error"].startswith("Invalid request: invalid contract_id: ")


def test_v1_needs_no_content_type_and_ignores_a_wrong_one(
    gw: LocalGateway, client: httpx.Client
) -> None:
    uid = gw.contract_id("user_events")
    body = json.dumps([GOOD]).encode()
    for headers in ({}, TEXT, {"content-type": "application/xml"}):
        r = client.post(f"/v1/ingest/{uid}?dry_run=true", content=body, headers=headers)
        assert r.status_code == 200, headers
    # the legacy route refuses the same request
    assert client.post(f"/ingest/{uid}?dry_run=true", content=body).status_code == 415


def test_v1_handler_rate_limit_comes_after_path_and_before_the_idempotency_key(
    gw: LocalGateway,
) -> None:
    """Step 4 (path) answers without the handler's token; step 5 (handler bucket)
    answers before step 6 (key length) and step 7 (a cached replay)."""
    uid = gw.contract_id("user_events")
    key = gw.add_api_key(rate_limit_rps=0.001, rate_limit_burst=3)
    with make_client(gw, key) as c:
        r = c.post("/v1/ingest/not-a-uuid", json=GOOD)  # middleware token only
        assert r.status_code == 400 and "x-ratelimit-limit" not in r.headers
        r = c.post(f"/v1/ingest/{uid}?dry_run=true", json=GOOD)  # 2 tokens: now empty
        assert r.status_code == 200 and r.headers["x-ratelimit-remaining"] == "0"
    key2 = gw.add_api_key(rate_limit_rps=0.001, rate_limit_burst=2)
    with make_client(gw, key2) as c:
        assert c.get("/contracts").status_code == 200  # 1 token left: middleware only
        r = c.post(
            f"/v1/ingest/{uid}?dry_run=true", json=GOOD, headers={"Idempotency-Key": "k" * 300}
        )
        assert r.status_code == 429 and r.json()["error"] == "rate_limit_exceeded"
        assert r.headers["x-ratelimit-remaining"] == "0"


def test_v1_idempotency_key_length_before_the_body_parse(
    gw: LocalGateway, client: httpx.Client
) -> None:
    uid = gw.contract_id("user_events")
    r = client.post(f"/v1/ingest/{uid}", content=b"[", headers={"Idempotency-Key": "k" * 256})
    assert r.status_code == 400 and r.json()["error"].startswith("Invalid request: Idempotency")
    assert "x-ratelimit-limit" not in r.headers
    # a non-ASCII key is treated as absent, however long it is
    r = client.post(
        f"/v1/ingest/{uid}?dry_run=true",
        content=json.dumps(GOOD).encode(),
        headers={"Idempotency-Key": "é".encode("latin-1") * 300},
    )
    assert r.status_code == 200


def test_v1_batch_checks_come_before_cap_lookup_allow_list_and_version(
    gw: LocalGateway, capped: LocalGateway
) -> None:
    """Steps 8-9 (parse, size) before 10 (plan cap) before 11 (lookup) before 12
    (allow-list) before 13 (version resolution): unlike the legacy route, where the
    allow-list comes first and the version is resolved before the batch is checked."""
    did = gw.contract_id("drafty")
    unknown = gw.contract_id("no_such_contract")
    with make_client(gw) as c:
        r = c.post(f"/v1/ingest/{did}", json=[])
        assert r.json() == {"error": "Invalid request: Empty event batch", "status": 400}
        r = c.post(f"/v1/ingest/{unknown}?version=9.9.9", json=[1] * 1001)
        assert r.json()["error"].startswith("Invalid request: Batch too large: 1001 events")
    key = gw.add_api_key(allowed_contract_ids=["pii"])
    with make_client(gw, key) as c:
        r = c.post(f"/v1/ingest/{unknown}", json=GOOD)
        assert r.json() == {"error": f"Contract not found: {unknown}", "status": 404}
        r = c.post(f"/v1/ingest/{did}?version=9.9.9", json=GOOD)
        assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
    with make_client(gw) as c:
        r = c.post(f"/v1/ingest/{did}?version=9.9.9", json=GOOD)
        assert r.json() == {"error": f"Version 9.9.9 not found on contract {did}", "status": 404}
    uid = capped.contract_id("user_events")
    lid = capped.contract_id("lifecycle")
    with make_client(capped) as c:
        assert _plan_capped(c.post(f"/v1/ingest/{capped.contract_id('nope')}", json=GOOD))
        assert _plan_capped(c.post(f"/v1/ingest/{lid}?version=0.9.0", json={"id": "a"}))
        assert _plan_capped(c.post(f"/v1/ingest/{uid}?version=9.9.9", json=GOOD))
        r = c.post(f"/v1/ingest/{uid}", json=[])
        assert r.status_code == 400
        r = c.post(f"/v1/ingest/{uid}", content=b"[1,", headers={})
        assert r.status_code == 400
        assert r.json()["error"].startswith("Invalid request: JSON parse error: ")
        assert "x-ratelimit-limit" not in r.headers
    with make_client(capped, capped.add_api_key(allowed_contract_ids=["pii"])) as c:
        assert _plan_capped(c.post(f"/v1/ingest/{uid}", json=GOOD))  # cap before 401


# ---------------------------------------------------------------------------- pins and flags


def test_pins_header_beats_suffix_even_when_the_suffix_is_unknown(
    gw: LocalGateway, client: httpx.Client
) -> None:
    uid = gw.contract_id("user_events")
    lid = gw.contract_id("lifecycle")
    r = client.post(
        f"/ingest/{uid}@9.9.9?dry_run=true", json=GOOD, headers={"X-Contract-Version": "1.0.0"}
    )
    assert r.status_code == 200 and r.json()["version_pin_source"] == "header"
    r = client.post(
        f"/ingest/{uid}@1.0.0?dry_run=true", json=GOOD, headers={"X-Contract-Version": "9.9.9"}
    )
    assert r.json() == {"error": f"Version 9.9.9 not found on contract {uid}", "status": 404}
    # a header naming a deprecated version wins over a stable suffix
    r = client.post(
        f"/ingest/{lid}@1.0.0?dry_run=true",
        json={"id": "a"},
        headers={"X-Contract-Version": "0.9.0"},
    )
    assert r.status_code == 422 and r.json()["batch"]["resolved_version"] == "0.9.0"
    r = client.post(
        f"/egress/{lid}@1.0.0?dry_run=true",
        json={"id": "a"},
        headers={"X-Contract-Version": "0.9.0"},
    )
    assert r.status_code == 400 and r.json()["error"].endswith(
        "is deprecated; pin a stable version for egress"
    )
    # a percent-encoded "@" is still the suffix (the path is decoded first)
    r = client.post(f"/ingest/{uid}%401.0.0?dry_run=true", json=GOOD)
    assert r.json()["version_pin_source"] == "path" and r.json()["resolved_version"] == "1.0.0"
    # an empty suffix on egress means no pin too
    r = client.post(f"/egress/{uid}@?dry_run=true", json=GOOD)
    assert r.status_code == 200 and r.json()["resolved_version"] == "1.1.0"


def test_v1_has_no_suffix_and_no_header_pin(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    r = client.post(
        f"/v1/ingest/{uid}?dry_run=true", json=GOOD, headers={"X-Contract-Version": "9.9.9"}
    )
    assert r.status_code == 200 and r.json()["version_pin_source"] == "default_stable"
    r = client.post(f"/v1/ingest/{uid}?dry_run=true&version=1.0.0", json=GOOD)
    assert r.json()["version_pin_source"] == "query_param"
    r = client.post(f"/v1/ingest/{uid}?version=1.0.0&version=1.1.0", json=GOOD)
    assert r.status_code == 400
    assert r.text == "Failed to deserialize query string: duplicate field `version`"


@pytest.mark.parametrize(
    "query", ["dry_run", "dry_run=", "dry_run=True", "dry_run=1", "dry_run=yes", "atomic=FALSE"]
)
def test_bool_flags_accept_only_true_and_false(
    gw: LocalGateway, client: httpx.Client, query: str
) -> None:
    uid = gw.contract_id("user_events")
    paths = [f"/ingest/{uid}", f"/v1/ingest/{uid}"]
    if query.startswith("dry_run"):  # egress has no `atomic` (an unknown key is ignored)
        paths.append(f"/egress/{uid}")
    for path in paths:
        r = client.post(f"{path}?{query}", json=GOOD)
        assert (r.status_code, r.text) == (400, QUERY_BOOL), (path, query)


def test_bool_flags_spelled_right_and_unknown_keys(gw: LocalGateway, client: httpx.Client) -> None:
    uid = gw.contract_id("user_events")
    r = client.post(f"/ingest/{uid}?dry_run=%74rue&DRY_RUN=1&x=y&x=z", json=[GOOD, BAD])
    assert r.status_code == 207 and r.json()["dry_run"] is True and r.json()["atomic"] is False
    r = client.post(f"/ingest/{uid}?dry_run=true&atomic=false&dry_run=true", json=GOOD)
    assert (r.status_code, r.text) == (
        400,
        "Failed to deserialize query string: duplicate field `dry_run`",
    )


# ---------------------------------------------------------------------------- reads


def test_read_routes_order_path_then_lookup_then_state(
    gw: LocalGateway, client: httpx.Client
) -> None:
    uid = gw.contract_id("user_events")
    did = gw.contract_id("drafty")
    unknown = gw.contract_id("no_such_contract")
    r = client.get("/contracts/not-a-uuid/versions/latest-stable")
    assert r.status_code == 400 and r.text.startswith("Invalid URL: UUID parsing failed: ")
    r = client.get(f"/contracts/{unknown}/versions/latest-stable")
    assert r.json() == {"error": f"Contract not found: {unknown}", "status": 404}
    r = client.get(f"/v1/contracts/{unknown}/version")
    assert r.json() == {"error": f"Contract not found: {unknown}", "status": 404}
    r = client.get(f"/v1/contracts/{did}/version")
    assert r.json() == {"error": f"Contract {did} has no stable version yet", "status": 409}
    assert "x-ratelimit-limit" not in r.headers
    r = client.get(f"/contracts/{uid.upper()}/versions/1.0.0")
    assert r.status_code == 200 and r.json()["contract_id"] == uid
    # routes match the raw path: an encoded "latest-stable" is a version segment, which
    # is percent-decoded and looked up like any other version
    r = client.get(f"/contracts/{uid}/versions/latest%2Dstable")
    assert r.json() == {
        "error": f"Version latest-stable not found on contract {uid}",
        "status": 404,
    }
    # the literal route knows only GET, even though PATCH .../{version} exists
    r = client.patch(f"/contracts/{uid}/versions/latest-stable")
    assert r.status_code == 405 and r.content == b""
