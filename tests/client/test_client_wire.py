"""Request building and response decoding, checked on the wire through httpx.MockTransport.

These cover shapes the local gateway cannot produce on demand (proxy bodies, odd
statuses, v1 rate-limit bodies...). Every test runs against Client and AsyncClient.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import httpx
import pytest
from cg_client_testlib import API_KEY, Recorder, verdict_for

import contractgate.exceptions as E
from contractgate._validation.violations import ViolationKind
from contractgate.models import BatchIngestResponse, ContractSummary, PlaygroundResult

BASE = "http://gw.test"
CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"

pytestmark = pytest.mark.filterwarnings("ignore:the API key will be sent over plain http")


def _json(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


# ------------------------------------------------------------------------- requests


async def test_headers_auth_and_user_agent(make_api: Any) -> None:
    from contractgate._version import __version__

    rec = Recorder(lambda r: _json(200, {"status": "ok"}))
    api = make_api(base_url=BASE + "/", api_key=API_KEY, handler=rec)
    await api.health()
    req = rec.requests[0]
    assert str(req.url) == BASE + "/health"
    assert req.headers["x-api-key"] == API_KEY
    assert "authorization" not in req.headers  # never Bearer for an API key
    assert "x-org-id" not in req.headers  # only when asked for
    assert req.headers["user-agent"] == f"contractgate-python/{__version__}"
    assert req.headers["accept"] == "application/json"


async def test_org_id_and_default_headers(make_api: Any) -> None:
    rec = Recorder(lambda r: _json(200, []))
    api = make_api(
        base_url=BASE,
        api_key=API_KEY,
        org_id="org-1",
        default_headers={"X-Team": "data"},
        handler=rec,
    )
    await api.list_contracts()
    req = rec.requests[0]
    assert req.headers["x-org-id"] == "org-1"
    assert req.headers["x-team"] == "data"


def test_authorization_with_api_key_is_refused() -> None:
    from contractgate.client import Client

    with pytest.raises(ValueError, match="Authorization"):
        Client(BASE, api_key=API_KEY, default_headers={"Authorization": "Bearer x"})


def test_env_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    from contractgate.client import Client

    monkeypatch.setenv("CONTRACTGATE_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CONTRACTGATE_API_KEY", API_KEY)
    c = Client()
    assert c.base_url == "http://127.0.0.1:9"
    assert c._t.api_key == API_KEY
    c.close()
    monkeypatch.delenv("CONTRACTGATE_BASE_URL")
    with pytest.raises(ValueError, match="base_url"):
        Client()


async def test_base_url_with_path_prefix(make_api: Any) -> None:
    rec = Recorder(lambda r: _json(200, {"status": "ok"}))
    api = make_api(base_url=BASE + "/api/", api_key=API_KEY, handler=rec)
    await api.health()
    assert str(rec.requests[0].url) == BASE + "/api/health"


async def test_version_is_url_encoded(make_api: Any) -> None:
    def answer(r: httpx.Request) -> httpx.Response:
        return _json(200, [] if r.url.path.endswith("/replay-history") else {"version": "x"})

    rec = Recorder(answer)
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    await api.get_version(CID, "1.0.0+b/2")
    assert rec.requests[0].url.raw_path.decode() == f"/contracts/{CID}/versions/1.0.0%2Bb%2F2"
    await api.get_version(CID, "..")  # a dot-segment the URL would drop
    await api.replay_history(CID, ".")
    assert [r.url.raw_path.decode() for r in rec.requests[1:]] == [
        f"/contracts/{CID}/versions/%2E%2E",
        f"/contracts/{CID}/quarantine/%2E/replay-history",
    ]


async def test_ingest_request_v1(make_api: Any) -> None:
    rec = Recorder(verdict_for)
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    events = [{"user_id": "a", "n": 1.5, "s": "é"}, {"user_id": "b"}]
    res = await api.ingest(f"{CID}@1.0.0", events, dry_run=False, atomic=False)
    req = rec.requests[0]
    assert req.url.path == f"/v1/ingest/{CID}"
    assert dict(req.url.params) == {"version": "1.0.0"}  # @suffix → ?version=
    # NDJSON: one compact event per line (the gateway measures lines without re-encoding)
    assert req.headers["content-type"] == "application/x-ndjson"
    assert len(req.headers["idempotency-key"]) == 36  # a fresh uuid4
    assert rec.bodies[0] == b"\n".join(
        json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() for e in events
    )
    assert res.total == 2 and res.status_code == 200
    # version kwarg beats the suffix; booleans are true/false, only when set
    await api.ingest(f"{CID}@1.0.0", events, version="1.1.0", dry_run=True, atomic=True)
    assert dict(rec.requests[1].url.params) == {
        "version": "1.1.0",
        "dry_run": "true",
        "atomic": "true",
    }
    assert "idempotency-key" not in rec.requests[1].headers  # dry runs are never stored


@pytest.mark.parametrize(("header", "replay"), [("true", True), (" True ", True),
                                              ("false", False), (None, False)])  # fmt: skip
async def test_an_answer_from_the_idempotency_record_is_flagged(
    make_api: Any, header: Any, replay: bool
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        answer = verdict_for(request)
        if header is not None:
            answer.headers["X-Idempotency-Replay"] = header
        return answer

    api = make_api(base_url=BASE, api_key=API_KEY, handler=handler)
    res = await api.ingest(CID, [{"user_id": "a"}], idempotency_key="k-1")
    assert res.idempotent_replay is replay and res.batches[0].idempotent_replay is replay


async def test_ingest_request_legacy_route(make_api: Any) -> None:
    rec = Recorder(lambda r: verdict_for(r, v1=False))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    res = await api.ingest(f"{CID}@1.0.0", [{"a": 1}, {"a": 2}], route="legacy")
    req = rec.requests[0]
    assert req.url.path == f"/ingest/{CID}"
    assert req.headers["content-type"] == "application/json"  # no NDJSON on this route
    assert rec.bodies[0] == b'[{"a":1},{"a":2}]'
    assert req.headers["x-contract-version"] == "1.0.0"
    assert "idempotency-key" not in req.headers
    assert [r.index for r in res.results] == [0, 1]  # legacy results carry no index


async def test_single_mapping_is_one_event(make_api: Any) -> None:
    rec = Recorder(verdict_for)
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    res = await api.ingest(CID, {"user_id": "a"})
    assert rec.bodies[0] == b'{"user_id":"a"}'  # one NDJSON line
    assert res.total == 1
    await api.ingest(CID, [[1, 2]])  # an array event stays one event: one line
    assert rec.bodies[1] == b"[1,2]"
    with pytest.raises(TypeError):
        await api.ingest(CID, "not events")


async def test_empty_input_sends_nothing(make_api: Any, recorder: Recorder) -> None:
    api = make_api(base_url=BASE, api_key=API_KEY, handler=recorder)
    res = await api.ingest(CID, iter(()))
    assert res.total == 0 and res.results == ()
    assert recorder.requests == []


# ------------------------------------------------------------------------- decoding


async def test_all_failed_422_is_returned(make_api: Any) -> None:
    rec = Recorder(lambda r: verdict_for(r, fail_if=lambda e: True))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    res = await api.ingest(CID, [{"x": 1}])
    assert isinstance(res, BatchIngestResponse)
    assert res.status_code == 422 and res.failed == 1 and res.passed == 0
    v = res.results[0].violations[0]
    assert v.kind is ViolationKind.PATTERN_MISMATCH
    assert res.results[0].quarantine_id is not None


async def test_unknown_kind_and_fields_are_tolerated(make_api: Any) -> None:
    body = {
        "total": 1, "passed": 0, "failed": 1, "dry_run": False, "atomic": False,
        "resolved_version": "1.1.0", "version_pin_source": "something_new", "new_top": 1,
        "results": [{"index": 0, "passed": False, "extra": True, "violations": [
            {"field": "f", "message": "m", "kind": "quantum_violation", "more": 1}]}],
    }  # fmt: skip
    api = make_api(base_url=BASE, api_key=API_KEY, handler=lambda r: _json(422, body))
    res = await api.ingest(CID, [{}])
    assert res.results[0].violations[0].kind == "quantum_violation"
    assert res.version_pin_source == "something_new"
    assert res.results[0].contract_version is None


async def test_atomic_rejection_raises_with_full_result(make_api: Any) -> None:
    rec = Recorder(lambda r: verdict_for(r, fail_if=lambda e: e.get("bad")))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    with pytest.raises(E.AtomicRejectedError) as ei:
        await api.ingest(CID, [{"ok": 1}, {"bad": 1}], atomic=True)
    err = ei.value
    assert isinstance(err, E.ValidationFailedError) and err.status_code == 422
    assert err.result.total == 2 and err.result.failed == 1
    assert [r.passed for r in err.result.results] == [True, False]
    assert len(rec.requests) == 1  # a verdict is never retried


async def test_atomic_over_one_request_is_refused(make_api: Any, recorder: Recorder) -> None:
    api = make_api(base_url=BASE, api_key=API_KEY, handler=recorder)
    with pytest.raises(ValueError, match="atomic"):
        await api.ingest(CID, [{"i": i} for i in range(1001)], atomic=True)
    assert recorder.requests == []


@pytest.mark.parametrize("shape", ["v1", "legacy"])
async def test_deprecated_pin_shapes(make_api: Any, shape: str) -> None:
    results = [
        {
            "index": 0,
            "passed": False,
            "violations": [],
            "validation_us": 0,
            "forwarded": False,
            "contract_version": "1.0.0",
            "quarantine_id": None,
        }
    ]
    batch = {"total": 1, "passed": 0, "failed": 1, "dry_run": False,
             "version_pin_source": "pinned_deprecated", "results": results}  # fmt: skip
    msg = f"Version 1.0.0 on contract {CID} is deprecated; batch quarantined."
    if shape == "v1":
        body: Any = {"error": msg, **batch}
    else:
        body = {
            "error": msg,
            "status": 422,
            "batch": {**batch, "atomic": False, "resolved_version": "1.0.0"},
        }
    api = make_api(base_url=BASE, api_key=API_KEY, handler=lambda r: _json(422, body))
    with pytest.raises(E.DeprecatedVersionError) as ei:
        await api.ingest(CID, [{}], version="1.0.0", route=shape)
    assert ei.value.batch.version_pin_source == "pinned_deprecated"
    assert ei.value.result.failed == 1
    assert "deprecated" in str(ei.value)


async def test_idempotency_conflict(make_api: Any) -> None:
    body = {"error": "idempotency_conflict", "detail": "A different request body was already "
            "submitted with this Idempotency-Key."}  # fmt: skip
    api = make_api(base_url=BASE, api_key=API_KEY, handler=lambda r: _json(422, body))
    with pytest.raises(E.IdempotencyConflictError) as ei:
        await api.ingest(CID, [{}], idempotency_key="my-key-1")
    assert ei.value.idempotency_key == "my-key-1"
    assert "idempotency_conflict" in str(ei.value)


@pytest.mark.parametrize(
    ("status", "body", "cls", "text"),
    [
        (400, "Failed to deserialize query string: bad", E.BadRequestError, "deserialize"),
        (401, {"error": "Unauthorized: missing or invalid API key", "status": 401},
         E.AuthError, "Unauthorized"),
        (404, "", E.NotFoundError, "no such route"),
        (405, "", E.HTTPError, "method not allowed"),
        (409, {"error": "Contract x has no stable version yet", "status": 409},
         E.ConflictError, "no stable"),
        (413, "length limit exceeded", E.PayloadTooLargeError, "length limit"),
        (413, {"error": "Payload too large: Event at index 0 exceeds", "status": 413},
         E.PayloadTooLargeError, "Payload too large"),
        (415, "Expected request with `Content-Type: application/json`", E.HTTPError,
         "Content-Type"),
        (422, "Failed to deserialize the JSON body into the target type: x",
         E.ValidationFailedError, "deserialize"),
        (422, {"error": "Invalid contract YAML: bad", "status": 422},
         E.ValidationFailedError, "Invalid contract YAML"),
        (502, "<html>Bad gateway</html>", E.ServerError, "Bad gateway"),
        (400, {"error": "bad_request", "detail": "limit must be positive"}, E.BadRequestError,
         "bad_request: limit must be positive"),
        (400, {"message": "the proxy said no"}, E.BadRequestError, "the proxy said no"),
        (503, "x" * 290 + " overflowing the three hundred characters", E.ServerError,
         "x" * 290 + " overflowi…"),
    ],
)  # fmt: skip
async def test_error_mapping(make_api: Any, status: int, body: Any, cls: type, text: str) -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return _json(status, body)

    api = make_api(base_url=BASE, api_key=API_KEY, max_retries=0, handler=handler)
    with pytest.raises(cls) as ei:
        await api.get_contract(CID)
    err = ei.value
    assert type(err) is cls or cls is E.HTTPError
    assert isinstance(err, E.APIStatusError) and isinstance(err, E.ContractGateError)
    assert err.status_code == status == err.status
    assert text in err.message and text in str(err)
    assert f"HTTP {status} {HTTPStatus(status).phrase}" in str(err)
    assert err.body == body
    assert err.method == "GET"


@pytest.mark.parametrize("header", ["x-request-id", "fly-request-id", "x-amzn-requestid", "cf-ray"])
async def test_the_request_id_of_an_error_comes_from_any_known_header(
    make_api: Any, header: str
) -> None:
    api = make_api(base_url=BASE, api_key=API_KEY, max_retries=0,
                   handler=lambda r: httpx.Response(404, headers={header: "req-7"}))  # fmt: skip
    with pytest.raises(E.NotFoundError) as ei:
        await api.get_contract(CID)
    assert ei.value.request_id == "req-7"


async def test_rate_limit_headers_are_read_even_when_only_some_come(make_api: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        answer = verdict_for(request)
        answer.headers["X-RateLimit-Remaining"] = " 5 "
        return answer

    api = make_api(base_url=BASE, api_key=API_KEY, handler=handler)
    res = await api.ingest(CID, [{"user_id": "a"}])
    assert res.rate_limit is not None
    assert (res.rate_limit.limit, res.rate_limit.remaining, res.rate_limit.reset) == (None, 5, None)


async def test_408_is_a_timeout_and_an_http_error(make_api: Any) -> None:
    api = make_api(base_url=BASE, api_key=API_KEY, max_retries=0,
                   handler=lambda r: httpx.Response(408))  # fmt: skip
    with pytest.raises(E.ServerTimeoutError) as ei:
        await api.stats()
    assert isinstance(ei.value, E.APITimeoutError) and isinstance(ei.value, E.HTTPError)
    assert isinstance(ei.value, E.RequestTimeoutError)
    assert "30 s" in str(ei.value)


async def test_plan_limit_is_not_retried(make_api: Any, recorder: Recorder) -> None:
    body = {"error": "plan_limit_exceeded", "detail": "Plan event limit exceeded",
            "plan": "free", "limit": 10, "used": 10, "period": "2026-08",
            "upgrade_url": "https://x/pricing", "status": 429}  # fmt: skip
    recorder.responder = lambda r: _json(429, body)
    api = make_api(base_url=BASE, api_key=API_KEY, handler=recorder)
    with pytest.raises(E.PlanLimitExceededError) as ei:
        await api.ingest(CID, [{}])
    assert isinstance(ei.value, E.RateLimitError)
    assert (ei.value.plan, ei.value.limit, ei.value.used, ei.value.period) == (
        "free", 10, 10, "2026-08")  # fmt: skip
    assert ei.value.retry_after is None
    assert len(recorder.requests) == 1


async def test_rate_limit_hint_is_parsed(make_api: Any) -> None:
    body = {"error": "rate_limit_exceeded", "detail": "Retry after 1500ms.",
            "retry_after_ms": 1500}  # fmt: skip
    api = make_api(base_url=BASE, api_key=API_KEY, max_retries=0,
                   handler=lambda r: _json(429, body, **{"X-RateLimit-Limit": "100"}))  # fmt: skip
    with pytest.raises(E.RateLimitError) as ei:
        await api.ingest(CID, [{}])
    assert ei.value.retry_after == pytest.approx(1.5)
    assert ei.value.headers["x-ratelimit-limit"] == "100"


async def test_playground_result_keeps_dict_access(make_api: Any) -> None:
    violation = {"field": "user_id", "message": "m", "kind": "type_mismatch"}
    body = {"passed": False, "validation_us": 3, "transformed_event": {"user_id": 7},
            "violations": [violation]}  # fmt: skip
    rec = Recorder(lambda r: _json(200, body))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    res = await api.playground_validate("name: t", {"user_id": 7})
    assert isinstance(res, PlaygroundResult)
    assert res.passed is False and res["passed"] is False  # v0.1 returned the dict
    assert res.violations[0].kind is ViolationKind.TYPE_MISMATCH
    assert json.loads(rec.bodies[0]) == {"yaml_content": "name: t", "event": {"user_id": 7}}


async def test_list_contracts_parses_summary_shape(make_api: Any) -> None:
    body = [{"id": CID, "name": "user_events", "multi_stable_resolution": "fallback",
             "latest_stable_version": "1.1.0", "version_count": 3,
             "store_event_payloads": True}]  # fmt: skip
    api = make_api(base_url=BASE, api_key=API_KEY, handler=lambda r: _json(200, body))
    rows = await api.list_contracts()
    assert rows == [ContractSummary(CID, "user_events", "fallback", "1.1.0", 3, True)]


async def test_invalid_json_success_is_typed(make_api: Any) -> None:
    api = make_api(base_url=BASE, api_key=API_KEY, max_retries=0,
                   handler=lambda r: httpx.Response(200, text="<html>oops"))  # fmt: skip
    with pytest.raises(E.InvalidResponseError) as ei:
        await api.usage()
    assert ei.value.transient and "not valid JSON" in str(ei.value)


async def test_an_envelope_answer_to_ingest_says_which_call_to_use(make_api: Any) -> None:
    body = {"total": 1, "passed": 1, "failed": 0, "quarantined": 0}
    api = make_api(base_url=BASE, api_key=API_KEY, max_retries=0,
                   handler=lambda r: _json(200, body))  # fmt: skip
    with pytest.raises(E.InvalidResponseError) as ei:
        await api.ingest(CID, [{"a": 1}])
    assert "not an ingest batch answer (no 'results')" in str(ei.value)
    assert "use ingest_envelope()" in str(ei.value)


async def test_a_success_of_the_wrong_json_type_names_it(make_api: Any) -> None:
    api = make_api(base_url=BASE, api_key=API_KEY, max_retries=0,
                   handler=lambda r: _json(200, [] if r.url.path == "/health" else {}))  # fmt: skip
    with pytest.raises(E.InvalidResponseError) as ei:
        await api.health()
    assert "expected a JSON object, got list" in str(ei.value)
    with pytest.raises(E.InvalidResponseError) as ei:
        await api.audit()
    assert "expected a JSON array, got dict" in str(ei.value)


async def test_ready_degraded_is_returned(make_api: Any) -> None:
    api = make_api(base_url=BASE, handler=lambda r: _json(503, {"status": "degraded",
                                                                 "db": "error"}))  # fmt: skip
    ready = await api.ready()
    assert not ready.ok and ready.status == "degraded" and ready.status_code == 503


async def test_egress(make_api: Any) -> None:
    body = {"total": 2, "passed": 1, "failed": 1, "dry_run": False, "disposition": "block",
            "egress_leakage_mode": "off", "resolved_version": "1.1.0",
            "payload": [{"user_id": "a"}],
            "outcomes": [{"index": 0, "passed": True, "violations": [], "validation_us": 1,
                          "action": "included"},
                         {"index": 1, "passed": False, "violations": [], "validation_us": 1,
                          "action": "blocked", "stripped_fields": ["x"]}]}  # fmt: skip
    rec = Recorder(lambda r: _json(207, body))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    res = await api.egress(f"{CID}@1.1.0", [{"user_id": "a"}, {}])
    assert rec.requests[0].url.path == f"/egress/{CID}"
    assert rec.requests[0].headers["x-contract-version"] == "1.1.0"
    assert res.payload == ({"user_id": "a"},) and res.outcomes[1].stripped_fields == ("x",)
    rec.responder = lambda r: _json(422, {**body, "disposition": "fail", "payload": []})
    with pytest.raises(E.EgressRejectedError) as ei:
        await api.egress(CID, [{}, {}], disposition="fail")
    assert ei.value.result.failed == 1


async def test_replay_dedupes_ids(make_api: Any) -> None:
    rec = Recorder(lambda r: _json(200, {"total": 2, "replayed": 2, "results": []}))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    await api.replay(CID, ["a", "b", "a"], target_version="1.2.0")
    assert json.loads(rec.bodies[0]) == {"ids": ["a", "b"], "target_version": "1.2.0"}
    assert rec.requests[0].url.path == f"/contracts/{CID}/quarantine/replay"


def test_errors_survive_pickling() -> None:
    import pickle

    errs = [
        E.RateLimitError("slow down", status_code=429, body={"retry_after_ms": 5},
                         headers=httpx.Headers({"x-ratelimit-reset": "1"}), retry_after=0.005),
        E.ClientTimeoutError("timeout", method="GET", url="http://h/x"),
        E.EventEncodeError(7, "not JSON-encodable"),
    ]  # fmt: skip
    for err in errs:
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is type(err) and str(copy) == str(err)
        assert copy.__dict__.keys() == err.__dict__.keys()


def test_import_contractgate_does_not_import_httpx() -> None:
    import subprocess
    import sys

    code = "import sys, contractgate; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
