"""What each gateway answer becomes (docs/failure-modes.md, spec gateway-api.md §2, §3, §4,
§9.1): a result, or the one typed error with its attributes, retried or not. Served for
real by a loopback HTTP server; every test runs once per client kind.

* a success status whose body is the gateway's error object (``{"error": …}``) was
  returned as a model of defaults (``ContractResponse(id='')``, zero ``IngestionStats``),
  or raised as the base ``HTTPError`` by ``egress``: now ``InvalidResponseError`` quoting
  the body's text;
* a deprecated-pin rejection's ``result.status_code`` said 200 for the 422 it came with;
* an error body of another shape lost the server's text from the message
  (``{"message": m, "detail": d}`` kept only ``d``; a JSON body with neither said
  "empty or unrecognised body").

* a 422 verdict that does not judge every event sent was raised as
  ``ValidationFailedError`` carrying the short result, not as the
  ``InvalidResponseError`` a 200 of that shape gives.
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, Optional, Tuple, Type

import pytest
from cg_client_testlib import API_KEY, FAST_RETRY, LoopbackServer

import contractgate.exceptions as E
from contractgate._http.request import RawResponse
from contractgate._http.responses import MAX_WAIT_HINT, error_from_response, retry_after_seconds

CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"
V1 = f"/v1/ingest/{CID}"
LEGACY = f"/ingest/{CID}"
ERROR_OBJECT = {"error": "Database error", "status": 500}


@pytest.fixture
def api(server: LoopbackServer, make_api: Any) -> Any:
    """A client with FAST_RETRY (two retries), so ``len(server.seen)`` says whether an
    answer was retried."""
    return make_api(base_url=server.url, api_key=API_KEY)


def _serve(server: LoopbackServer, path: str, status: int, body: Any, **headers: str) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    server.routes[path] = (status, headers, raw)


async def _raises(api: Any, call: Any, cls: Type[E.HTTPError]) -> Any:
    with pytest.raises(E.ContractGateError) as ei:
        await call(api)
    assert type(ei.value) is cls, repr(ei.value)
    return ei.value


def _deprecated(shape: str) -> Dict[str, Any]:
    """The two deprecated-pin 422 bodies (spec §3.1.6, §3.2.6)."""
    result = {"index": 0, "passed": False, "violations": [], "validation_us": 0,
              "forwarded": False, "contract_version": "1.0.0", "quarantine_id": None}  # fmt: skip
    batch = {"total": 1, "passed": 0, "failed": 1, "dry_run": False,
             "version_pin_source": "pinned_deprecated", "results": [result]}  # fmt: skip
    error = f"Version 1.0.0 on contract {CID} is deprecated; batch quarantined."
    if shape == "v1":
        return {"error": error, **batch}
    return {"error": error, "status": 422,
            "batch": {**batch, "atomic": False, "resolved_version": "1.0.0"}}  # fmt: skip


def _verdict(n: int, *, atomic: bool = False, failing: Tuple[int, ...] = ()) -> Dict[str, Any]:
    results = [{"index": i, "passed": i not in failing, "violations": [], "validation_us": 1,
                "forwarded": False, "contract_version": "1.1.0", "quarantine_id": None}
               for i in range(n)]  # fmt: skip
    failed = len(failing)
    return {"total": n, "passed": n - failed, "failed": failed, "dry_run": False,
            "atomic": atomic, "resolved_version": "1.1.0",
            "version_pin_source": "default_stable", "results": results}  # fmt: skip


# ------------------------------------------------------------------ the table

PLAN = {"error": "plan_limit_exceeded",
        "detail": "Plan event limit exceeded for plan 'free' (1000000/1000000 in 2026-08)",
        "plan": "free", "limit": 1000000, "used": 1000000, "period": "2026-08",
        "upgrade_url": "https://app.datacontractgate.com/pricing", "status": 429}  # fmt: skip
RATE_V1 = {"error": "rate_limit_exceeded",
           "detail": "Rate limit of 100 req/sec exceeded. Retry after 5ms.",
           "retry_after_ms": 5}  # fmt: skip
RATE_MW = {"error": "Rate limit exceeded — too many requests", "status": 429}
UNAUTH = {"error": "Unauthorized: missing or invalid API key", "status": 401}
NO_STABLE = {"error": f"Contract {CID} has no stable version yet", "status": 409}
NO_VERSION = {"error": f"Version 9.9.9 not found on contract {CID}", "status": 404}
TOO_LARGE = {"error": "Payload too large: Event at index 0 exceeds the 1 MB per-event "
             "limit (1048600 bytes)", "status": 413}  # fmt: skip
YAML = {"error": "Invalid contract YAML: mapping values are not allowed here", "status": 422}
IDEMPOTENCY = {"error": "idempotency_conflict",
               "detail": "A different request body was already submitted with this "
               "Idempotency-Key."}  # fmt: skip

CALLS: Dict[str, Tuple[str, Any]] = {
    "get": (f"/contracts/{CID}", lambda a: a.get_contract(CID)),
    "latest": (f"/contracts/{CID}/versions/latest-stable", lambda a: a.get_latest_stable(CID)),
    "version": (f"/contracts/{CID}/versions/9.9.9", lambda a: a.get_version(CID, "9.9.9")),
    "playground": ("/playground/validate", lambda a: a.playground_validate("x: 1", {})),
    "v1": (V1, lambda a: a.ingest(CID, [{"a": 1}])),
    "legacy": (LEGACY, lambda a: a.ingest(CID, [{"a": 1}], route="legacy")),
    "replay": (f"/contracts/{CID}/quarantine/replay", lambda a: a.replay(CID, ["q1"])),
    "replay_events": ("/quarantine/replay", lambda a: a.replay_events(["q1"])),
}

# (call, status, body, error class, attempts with two retries allowed, text in the message)
TABLE = [
    # §1.4: one body for every cause; retried once (a DB blip also answers 401)
    ("get", 401, UNAUTH, E.AuthError, 2, "Unauthorized: missing or invalid API key"),
    ("legacy", 401, UNAUTH, E.AuthError, 2, "Unauthorized"),
    # §3.5 / §6.1: 409 no stable version, 404 unknown version: never retried
    ("latest", 409, NO_STABLE, E.ConflictError, 1, "has no stable version yet"),
    ("version", 404, NO_VERSION, E.NotFoundError, 1, "Version 9.9.9 not found"),
    ("v1", 409, NO_STABLE, E.ConflictError, 1, "has no stable version yet"),
    ("v1", 404, NO_VERSION, E.NotFoundError, 1, "Version 9.9.9 not found"),
    # §2.3 / §4.1: 413 JSON or plain text, 400/415 plain text: never retried
    ("v1", 413, TOO_LARGE, E.PayloadTooLargeError, 1, "Payload too large: Event at index 0"),
    ("get", 413, b"length limit exceeded", E.PayloadTooLargeError, 1, "length limit exceeded"),
    ("legacy", 413, b"Failed to buffer the request body: length limit exceeded",
     E.PayloadTooLargeError, 1, "Failed to buffer the request body"),
    ("legacy", 400, b"Failed to deserialize query string: dry_run", E.BadRequestError, 1,
     "Failed to deserialize query string"),
    ("legacy", 415, b"Expected request with `Content-Type: application/json`", E.HTTPError, 1,
     "Expected request with"),
    # §2.4 422: idempotency conflict, invalid YAML, framework rejection: raised, not retried
    ("v1", 422, IDEMPOTENCY, E.IdempotencyConflictError, 1, "idempotency_conflict: A different"),
    ("playground", 422, YAML, E.ValidationFailedError, 1, "Invalid contract YAML: mapping"),
    ("v1", 422, b"Failed to deserialize the JSON body into the target type: x",
     E.ValidationFailedError, 1, "Failed to deserialize the JSON body"),
    # §4.2 / §4.4: rate limits retried (either shape), the plan cap never
    ("v1", 429, RATE_V1, E.RateLimitError, 3, "rate_limit_exceeded: Rate limit of 100"),
    ("legacy", 429, RATE_MW, E.RateLimitError, 3, "Rate limit exceeded — too many requests"),
    ("v1", 429, PLAN, E.PlanLimitExceededError, 1, "plan_limit_exceeded: Plan event limit"),
    ("get", 429, PLAN, E.PlanLimitExceededError, 1, "plan_limit_exceeded"),
    # §9.1: 5xx retried on a safe route and with an Idempotency-Key; on the keyless route
    # only the gateway's own JSON 500 (raised before any write)
    ("get", 503, b"<html><body>503 Service Unavailable</body></html>", E.ServerError, 3,
     "<html><body>503 Service Unavailable</body></html>"),
    ("v1", 502, b"<html>Bad gateway</html>", E.ServerError, 3, "Bad gateway"),
    ("legacy", 502, b"<html>Bad gateway</html>", E.ServerError, 1, "Bad gateway"),
    ("legacy", 504, b"", E.ServerError, 1, "empty or unrecognised body"),
    ("legacy", 500, ERROR_OBJECT, E.ServerError, 3, "Database error"),
    ("legacy", 503, {"error": "Database error", "status": 503}, E.ServerError, 1, "Database"),
    ("get", 408, b"", E.ServerTimeoutError, 3, "the gateway's 30 s request timeout expired"),
    ("legacy", 408, b"", E.ServerTimeoutError, 1, "30 s request timeout"),
    # §10.3: replay's JSON 500 can come after its rows were written: never retried
    ("replay", 500, ERROR_OBJECT, E.ServerError, 1, "Database error"),
    ("replay_events", 500, ERROR_OBJECT, E.ServerError, 1, "Database error"),
    ("replay", 502, b"<html>Bad gateway</html>", E.ServerError, 1, "Bad gateway"),
    ("replay", 429, RATE_MW, E.RateLimitError, 3, "Rate limit exceeded"),
    ("replay", 401, UNAUTH, E.AuthError, 2, "Unauthorized"),
    # statuses outside the spec: the base class (5xx: ServerError), never a raw exception
    ("get", 418, b"I'm a teapot", E.HTTPError, 1, "I'm a teapot (HTTP 418 I'm a Teapot from"),
    ("get", 451, {"error": "blocked"}, E.HTTPError, 1, "blocked (HTTP 451 Unavailable For"),
    ("get", 599, b"", E.ServerError, 3, "(HTTP 599 from GET /contracts/"),
    # HTTP allows 600-999 (a proxy's 999 "request denied"): not 5xx, never retried
    ("get", 600, b"", E.HTTPError, 1, "(HTTP 600 from GET /contracts/"),
    ("v1", 999, b"denied", E.HTTPError, 1, "denied (HTTP 999 from POST /v1/ingest"),
    ("get", 304, b"", E.HTTPError, 1, "(HTTP 304 Not Modified from GET /contracts/"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "status", "body", "cls", "attempts", "text"), TABLE)
async def test_each_error_answer_is_its_class_and_retried_as_the_spec_says(
    api: Any,
    server: LoopbackServer,
    call: str,
    status: int,
    body: Any,
    cls: Type[E.HTTPError],
    attempts: int,
    text: str,
) -> None:
    path, do = CALLS[call]
    _serve(server, path, status, body)
    err = await _raises(api, do, cls)
    assert len(server.seen) == attempts
    assert err.status_code == status == err.status
    assert text in str(err) and str(err) == err.message
    method = "GET" if call in ("get", "latest", "version") else "POST"
    assert f" from {method} {path}" in str(err)
    assert err.method == method and err.url is not None and err.url.startswith(server.url + path)
    assert err.body == (body.decode() if isinstance(body, bytes) else body)
    assert err.headers["content-length"] == str(len(server.routes[path][2]))
    if call == "v1":  # the batch's key, to resend with
        assert err.idempotency_key and server.seen[0][2]["idempotency-key"] == err.idempotency_key
    else:
        assert err.idempotency_key is None


async def test_the_plan_cap_carries_its_fields_and_no_wait(
    api: Any, server: LoopbackServer
) -> None:
    _serve(server, V1, 429, PLAN)
    err = await _raises(api, CALLS["v1"][1], E.PlanLimitExceededError)
    fields = (err.plan, err.limit, err.used, err.period, err.upgrade_url)
    assert fields == ("free", 1000000, 1000000, "2026-08", PLAN["upgrade_url"])
    assert err.retry_after is None and isinstance(err, E.RateLimitError)


async def test_a_plan_cap_body_of_odd_types_keeps_none_of_them(
    api: Any, server: LoopbackServer
) -> None:
    _serve(server, V1, 429, {"error": "plan_limit_exceeded", "plan": 3, "limit": "10",
                             "used": None, "period": 2026, "upgrade_url": ["x"]})  # fmt: skip
    err = await _raises(api, CALLS["v1"][1], E.PlanLimitExceededError)
    assert (err.plan, err.limit, err.used, err.period, err.upgrade_url) == (None,) * 5
    _serve(server, V1, 429, {"error": "plan_limit_exceeded", "limit": True, "used": False})
    err = await _raises(api, CALLS["v1"][1], E.PlanLimitExceededError)
    assert (err.limit, err.used) == (None, None)  # a JSON boolean is no count


@pytest.mark.parametrize("status", [400, 409, 429, 500])
async def test_an_idempotency_conflict_code_on_another_status_is_that_status(
    api: Any, server: LoopbackServer, status: int
) -> None:
    """The conflict is a 422 (spec §2.2); the error code alone does not make one."""
    _serve(server, LEGACY, status, IDEMPOTENCY)
    with pytest.raises(E.HTTPError) as ei:
        await CALLS["legacy"][1](api)
    assert not isinstance(ei.value, E.ValidationFailedError)
    assert type(ei.value) is E.status_to_exception(status)


# ------------------------------------------------------------------ 422: verdict or rejection


@pytest.mark.parametrize("route", ["v1", "legacy"])
async def test_an_all_failed_verdict_is_returned_not_raised(
    api: Any, server: LoopbackServer, route: str
) -> None:
    _serve(server, V1 if route == "v1" else LEGACY, 422, _verdict(2, failing=(0, 1)))
    res = await api.ingest(CID, [{"a": 1}, {"a": 2}], route=route)
    assert res.status_code == 422 and res.failed == 2 and res.passed == 0
    assert len(server.seen) == 1


async def test_an_atomic_rejection_is_raised_with_every_verdict(
    api: Any, server: LoopbackServer
) -> None:
    _serve(server, V1, 422, _verdict(2, atomic=True, failing=(1,)))
    err = await _raises(api, lambda a: a.ingest(CID, [{"a": 1}, {"a": 2}], atomic=True),
                        E.AtomicRejectedError)  # fmt: skip
    assert [r.passed for r in err.result.results] == [True, False]
    assert err.result.status_code == 422 and err.status_code == 422
    assert str(err).startswith("atomic batch rejected: 1 of 2 event(s) failed")
    assert len(server.seen) == 1


@pytest.mark.parametrize("shape", ["v1", "legacy"])
async def test_a_deprecated_pin_is_raised_with_its_batch_marked_422(
    api: Any, server: LoopbackServer, shape: str
) -> None:
    """``err.result.status_code`` was 200: the batch was read without the status it came
    with (the atomic rejection's said 422)."""
    _serve(server, V1 if shape == "v1" else LEGACY, 422, _deprecated(shape))
    err = await _raises(api, lambda a: a.ingest(CID, [{"a": 1}], version="1.0.0", route=shape),
                        E.DeprecatedVersionError)  # fmt: skip
    assert err.batch is err.result and err.result.version_pin_source == "pinned_deprecated"
    assert err.result.status_code == 422
    assert [r.passed for r in err.result.results] == [False]
    assert str(err).startswith(f"Version 1.0.0 on contract {CID} is deprecated")
    assert isinstance(err.body, dict) and err.body["error"] in str(err)
    assert len(server.seen) == 1


async def test_a_deprecated_pin_needs_a_string_error(api: Any, server: LoopbackServer) -> None:
    """A 422 with a ``batch`` but no error text is no deprecated pin (spec §2.2)."""
    body = _deprecated("legacy")
    body["error"] = 7
    _serve(server, LEGACY, 422, body)
    err = await _raises(api, CALLS["legacy"][1], E.ValidationFailedError)
    assert err.result is None


async def test_a_422_verdict_that_does_not_judge_every_event_is_an_invalid_response(
    api: Any, server: LoopbackServer
) -> None:
    """As for a 200 (docs/failure-modes.md): the error names what is wrong, carries the
    batch's key, and never holds a result that lacks verdicts."""
    short = _verdict(1, failing=(0,))
    _serve(server, V1, 422, short)
    err = await _raises(api, lambda a: a.ingest(CID, [{"a": 1}, {"a": 2}]),
                        E.InvalidResponseError)  # fmt: skip
    assert "for the 2 event(s) sent" in str(err) and err.idempotency_key


# ------------------------------------------------------------------ success statuses


READS: Dict[str, Tuple[str, Any]] = {
    "get_contract": (f"/contracts/{CID}", lambda a: a.get_contract(CID)),
    "get_version": (f"/contracts/{CID}/versions/1.0.0", lambda a: a.get_version(CID, "1.0.0")),
    "contract_version": (f"/v1/contracts/{CID}/version", lambda a: a.get_contract_version(CID)),
    "stats": ("/stats", lambda a: a.stats()),
    "usage": ("/usage", lambda a: a.usage()),
    "health": ("/health", lambda a: a.health()),
    "ready": ("/ready", lambda a: a.ready()),
    "playground": ("/playground/validate", lambda a: a.playground_validate("x: 1", {})),
    "replay": (f"/contracts/{CID}/quarantine/replay", lambda a: a.replay(CID, ["q"])),
    "replay_events": ("/quarantine/replay", lambda a: a.replay_events(["e"])),
    "envelope": (LEGACY, lambda a: a.ingest_envelope(CID, {"records": []})),
    "egress": (f"/egress/{CID}", lambda a: a.egress(CID, [{"a": 1}])),
}  # fmt: skip


@pytest.mark.parametrize("status", [200, 207])
@pytest.mark.parametrize("route", sorted(READS))
async def test_a_success_whose_body_is_an_error_object_is_an_invalid_response(
    api: Any, server: LoopbackServer, route: str, status: int
) -> None:
    """Returned as a model of defaults before (``ContractResponse(id='')``, zero stats),
    or, by ``egress``, raised as the base ``HTTPError`` with status 200. Not retried: no
    answer was cut short."""
    path, call = READS[route]
    _serve(server, path, status, ERROR_OBJECT)
    err = await _raises(api, call, E.InvalidResponseError)
    assert err.status_code == status and not err.transient
    assert "it is an error object: Database error" in str(err)
    method = "GET" if route in ("contract_version", "get_contract", "get_version", "health",
                                "ready", "stats", "usage") else "POST"  # fmt: skip
    assert f"unexpected answer from {method} {path}" in str(err)
    assert err.body == ERROR_OBJECT and err.headers["content-type"] == "application/json"
    assert len(server.seen) == 1


@pytest.mark.parametrize("status", [200, 207])
async def test_an_egress_success_of_another_shape_is_an_invalid_response(
    api: Any, server: LoopbackServer, status: int
) -> None:
    path, call = READS["egress"]
    _serve(server, path, status, {"unexpected": "shape"})
    err = await _raises(api, call, E.InvalidResponseError)
    assert err.status_code == status and not err.transient and len(server.seen) == 1
    assert f'(HTTP {status}): it is not what the route answers: {{"unexpected": "shape"}}' in str(
        err
    )


async def test_a_degraded_ready_and_an_error_text_elsewhere_are_still_read(
    api: Any, server: LoopbackServer
) -> None:
    """Only a string ``error`` key makes an error object: ``"db": "error"`` is data."""
    _serve(server, "/ready", 503, {"status": "degraded", "db": "error"})
    ready = await api.ready()
    assert not ready.ok and ready.status_code == 503 and ready.db == "error"
    _serve(server, "/health", 200, {"status": "ok", "error": None, "errors": ["x"]})
    assert (await api.health()).status == "ok"


# ------------------------------------------------------------------ messages


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"message": "the proxy said no", "detail": "try later"},
         "the proxy said no: try later"),
        ({"error": "bad_request", "message": "m", "detail": "d"}, "bad_request: m: d"),
        ({"error": {"code": 7, "message": "nested"}},
         '{"error": {"code": 7, "message": "nested"}}'),
        ([{"msg": "field required"}], '[{"msg": "field required"}]'),
        ({"error": "", "detail": ""}, '{"error": "", "detail": ""}'),
        (None, "null"),
        ("plain", "plain"),
        (b"\xff\xfebad \x80 bytes", "\ufffd\ufffdbad \ufffd bytes"),
        (b"  \n ", "empty or unrecognised body"),
    ],
    ids=["message-and-detail", "all-three", "nested-error", "json-list", "empty-strings",
         "json-null", "json-string", "not-utf8", "blank"],
)  # fmt: skip
async def test_the_message_keeps_what_the_server_said(
    api: Any, server: LoopbackServer, body: Any, text: str
) -> None:
    """``{"message": m, "detail": d}`` kept only ``d``; a JSON body with no text under
    ``error``/``message``/``detail`` said "empty or unrecognised body"."""
    _serve(server, "/stats", 400, body)
    err = await _raises(api, lambda a: a.stats(), E.BadRequestError)
    assert str(err) == f"{text} (HTTP 400 Bad Request from GET /stats)"


async def test_a_long_body_is_shortened_in_the_message_not_in_the_error(
    api: Any, server: LoopbackServer
) -> None:
    body = {"detail": [{"loc": ["body", i], "msg": "x " * 50} for i in range(50)]}
    _serve(server, "/stats", 400, body)
    err = await _raises(api, lambda a: a.stats(), E.BadRequestError)
    shown = str(err).split(" (HTTP 400")[0]
    assert len(shown) == 301 and shown.endswith("…") and "  " not in shown
    assert err.body == body


# ------------------------------------------------------------------ wait hints


def _raw(status: int, body: Any, **headers: str) -> RawResponse:
    return RawResponse(status, headers, json.dumps(body).encode(), "GET", "http://h/health")


@pytest.mark.parametrize(
    ("body", "headers", "wait"),
    [
        ({"retry_after_ms": 1500}, {"x-ratelimit-reset": "1030", "retry-after": "9"}, 1.5),
        ({"retry_after_ms": 250.0}, {"x-ratelimit-reset": "1030"}, 0.25),
        ({"retry_after_ms": 0}, {"x-ratelimit-reset": "1030"}, 0.0),
        ({"retry_after_ms": "1500"}, {"x-ratelimit-reset": "1030", "retry-after": "9"}, 30.0),
        ({"retry_after_ms": -1}, {"x-ratelimit-reset": " 1002.5 "}, 2.5),
        ({}, {"x-ratelimit-reset": "soon", "retry-after": " 4 "}, 4.0),
        ({}, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 30.0),
        ({}, {"retry-after": "Sun Oct 21 07:28:00 2015"}, 30.0),
        ({}, {"retry-after": "Wed, 21 Oct 2015 07:27:00 GMT"}, 0.0),
        ({}, {"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"}, MAX_WAIT_HINT),
        ({}, {"retry-after": "Wed, 21 Oct 99999 07:28:00 GMT"}, None),
        ({}, {"retry-after": "soon"}, None),
        ([1500], {}, None),
        ({"retry_after_ms": 86_400_000}, {}, MAX_WAIT_HINT),
        ({"retry_after_ms": 86_399_999}, {}, 86_399.999),
        ({"retry_after_ms": 9e99}, {}, MAX_WAIT_HINT),
        # a reset that is no instant is no hint: Retry-After still counts; an infinite
        # one is as long as the longest hint (a day), and one in the past is now
        ({}, {"x-ratelimit-reset": "nan", "retry-after": "4"}, 4.0),
        ({}, {"x-ratelimit-reset": "inf", "retry-after": "4"}, MAX_WAIT_HINT),
        ({}, {"x-ratelimit-reset": "-inf"}, 0.0),
    ],
    ids=["body-first", "float-ms", "zero-ms", "string-ms", "negative-ms", "retry-after",
         "http-date", "asctime-date", "past-date", "far-date", "bad-year", "no-date",
         "not-an-object", "a-day", "under-a-day", "huge-float", "nan-reset", "inf-reset",
         "minus-inf-reset"],
)  # fmt: skip
def test_the_wait_hint_comes_from_the_body_then_the_reset_then_retry_after(
    body: Any, headers: Dict[str, str], wait: Optional[float]
) -> None:
    # 2015-10-21 07:27:30 UTC for the 2015 HTTP dates (RFC 9110 §10.2.3), else 1000
    now = 1445412450.0 if "2015" in headers.get("retry-after", "") else 1000.0
    got = retry_after_seconds(body, headers, now=now)
    assert got == (pytest.approx(wait) if wait is not None else None)


async def test_a_rate_limit_is_retried_after_the_hint_then_raised_with_it(
    api: Any, server: LoopbackServer
) -> None:
    reset = str(int(time.time()))
    _serve(server, V1, 429, RATE_V1, **{"X-RateLimit-Limit": "100", "X-RateLimit-Reset": reset})
    err = await _raises(api, CALLS["v1"][1], E.RateLimitError)
    assert err.retry_after == pytest.approx(0.005) and len(server.seen) == 3
    assert err.headers["x-ratelimit-limit"] == "100"


def test_error_from_response_decides_by_status_and_shape_alone() -> None:
    """The pure mapping, for the statuses the clients only reach through a retry."""
    now = 1000.0
    rate = error_from_response(_raw(429, {"error": "x"}, **{"x-ratelimit-reset": "1003"}),
                               now=now)  # fmt: skip
    assert type(rate) is E.RateLimitError and rate.retry_after == pytest.approx(3.0)
    assert type(error_from_response(_raw(422, {"error": "x", "results": "no"}))) is (
        E.ValidationFailedError
    )
    odd_batch = error_from_response(_raw(422, {"error": "x", "batch": ["not", "an object"]}))
    assert type(odd_batch) is E.ValidationFailedError and odd_batch.result is None
    atomic = error_from_response(_raw(422, _verdict(2, atomic=True, failing=(0,))))
    assert type(atomic) is E.AtomicRejectedError and atomic.result.status_code == 422
    assert [r.passed for r in atomic.result.results] == [False, True]
    request_id = error_from_response(_raw(500, {}, **{"x-request-id": "r-1"})).request_id
    assert request_id == "r-1"
    assert error_from_response(_raw(404, {}), idempotency_key="k").idempotency_key == "k"
    assert FAST_RETRY.max_retries == 2  # the attempt counts in TABLE assume it
