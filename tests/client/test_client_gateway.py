"""The behavioural suite: Client and AsyncClient against the local gateway over real
sockets (127.0.0.1). Every test runs once per client kind (the ``gapi`` fixture).

Row counts are read from the gateway's own database (``gw.count_rows``), so "no event is
written twice or lost" is checked where it matters, not inferred from responses.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
from typing import Any, Dict, List

import pytest
from cg_client_testlib import Api, retry_delays

import contractgate.exceptions as E
from contractgate import RetryPolicy
from contractgate._validation.violations import ViolationKind
from contractgate.models import (
    BatchIngestResponse,
    ContractResponse,
    ContractSummary,
    VersionSummary,
)

pytestmark = pytest.mark.usefixtures("gw")


def good(i: int = 0, **extra: Any) -> Dict[str, Any]:
    return {"user_id": f"user_{i}", "event_type": "click", "timestamp": 1724252400 + i, **extra}


def bad(i: int = 0) -> Dict[str, Any]:
    return {"user_id": f"Bad User {i}!", "event_type": "click", "timestamp": 1724252400 + i}


def view(i: int = 0) -> Dict[str, Any]:
    """Fails 1.1.0 (no "view"), passes 1.0.0: decided by fallback when unpinned."""
    return {"user_id": f"viewer_{i}", "event_type": "view", "timestamp": 1724252400 + i}


@pytest.fixture
def cid(gw: Any) -> str:
    return str(gw.contract_id("user_events"))


class Rows:
    """Snapshot of the gateway's row counts for one contract."""

    def __init__(self, gw: Any, cid: str) -> None:
        self.gw, self.cid = gw, cid
        self.before = self.now()

    def now(self) -> Dict[str, int]:
        return {
            t: self.gw.count_rows(t, contract_id=self.cid)
            for t in ("audit", "quarantine", "forwarded")
        }

    def delta(self) -> Dict[str, int]:
        after = self.now()
        return {k: after[k] - self.before[k] for k in after}


# --------------------------------------------------------------------------- ingest


async def test_all_pass(gapi: Api, gw: Any, cid: str) -> None:
    rows = Rows(gw, cid)
    res = await gapi.ingest(cid, [good(1, email="alice@example.com"), good(2, amount=3.5)])
    assert isinstance(res, BatchIngestResponse)
    assert (res.status_code, res.total, res.passed, res.failed) == (200, 2, 2, 0)
    assert res.resolved_version == "1.1.0" and res.version_pin_source == "default_stable"
    r0 = res.results[0]
    assert r0.index == 0 and r0.passed and r0.forwarded and r0.quarantine_id is None
    assert r0.contract_version == "1.1.0"
    assert r0.transformed_event["email"] == "****"  # mask transform applied
    assert res.rate_limit is not None and res.rate_limit.limit is not None
    assert rows.delta() == {"audit": 2, "quarantine": 0, "forwarded": 2}


async def test_mixed_batch_207(gapi: Api, gw: Any, cid: str) -> None:
    rows = Rows(gw, cid)
    res = await gapi.ingest(cid, [good(1), bad(2), good(3)])
    assert (res.status_code, res.passed, res.failed) == (207, 2, 1)
    failed = res.failures
    assert [f.index for f in failed] == [1]
    assert failed[0].quarantine_id
    assert failed[0].violations[0].kind is ViolationKind.PATTERN_MISMATCH
    assert failed[0].violations[0].field == "user_id"
    assert rows.delta() == {"audit": 3, "quarantine": 1, "forwarded": 2}


async def test_all_failed_422_is_returned(gapi: Api, gw: Any, cid: str) -> None:
    rows = Rows(gw, cid)
    res = await gapi.ingest(cid, [bad(1), bad(2)])
    assert (res.status_code, res.passed, res.failed) == (422, 0, 2)
    assert all(not r.passed and r.violations for r in res.results)
    assert rows.delta() == {"audit": 2, "quarantine": 2, "forwarded": 0}
    single = await gapi.ingest(cid, bad(3))  # one failing event is a 422 verdict too
    assert single.status_code == 422 and single.total == 1


async def test_atomic(gapi: Api, gw: Any, cid: str) -> None:
    rows = Rows(gw, cid)
    with pytest.raises(E.AtomicRejectedError) as ei:
        await gapi.ingest(cid, [good(1), bad(2)], atomic=True)
    result = ei.value.result
    assert result.atomic and result.total == 2 and result.failed == 1
    assert [r.passed for r in result.results] == [True, False]
    assert not any(r.forwarded for r in result.results)
    # one summary audit row, no per-event rows (spec §3.1.5)
    assert rows.delta() == {"audit": 1, "quarantine": 0, "forwarded": 0}
    ok = await gapi.ingest(cid, [good(3), good(4)], atomic=True)
    assert ok.status_code == 200 and ok.atomic


async def test_dry_run_writes_nothing(gapi: Api, gw: Any, cid: str) -> None:
    rows = Rows(gw, cid)
    res = await gapi.ingest(cid, [good(1, email="x@y.z"), bad(2)], dry_run=True)
    assert res.dry_run and res.status_code == 207
    assert res.results[0].transformed_event["email"] == "****"
    assert not any(r.forwarded for r in res.results)
    assert rows.delta() == {"audit": 0, "quarantine": 0, "forwarded": 0}


async def test_version_pins(gapi: Api, cid: str) -> None:
    pinned = await gapi.ingest(cid, [view(1)], version="1.0.0")
    assert pinned.status_code == 200
    assert (pinned.resolved_version, pinned.version_pin_source) == ("1.0.0", "query_param")
    suffix = await gapi.ingest(f"{cid}@1.0.0", [view(2)], dry_run=True)
    assert suffix.resolved_version == "1.0.0" and suffix.passed == 1
    strict = await gapi.ingest(cid, [view(3)], version="1.1.0", dry_run=True)
    assert strict.failed == 1
    assert strict.results[0].violations[0].kind is ViolationKind.ENUM_VIOLATION
    legacy = await gapi.ingest(cid, [view(4)], version="1.0.0", route="legacy", dry_run=True)
    assert legacy.version_pin_source == "header" and legacy.passed == 1
    with pytest.raises(E.NotFoundError):
        await gapi.ingest(cid, [good(5)], version="9.9.9")


async def test_fallback_per_event_contract_version(gapi: Api, cid: str) -> None:
    res = await gapi.ingest(cid, [good(1), view(2), bad(3)], dry_run=True)
    assert res.resolved_version == "1.1.0"  # before fallback
    versions = [r.contract_version for r in res.results]
    assert versions[0] == "1.1.0" and versions[1] == "1.0.0"  # fallback decided event 1
    assert [r.passed for r in res.results] == [True, True, False]
    assert versions[2] == "1.1.0"  # a miss keeps the latest stable's verdict


async def test_chunked_generator_indexes_and_rows(gapi: Api, gw: Any, cid: str) -> None:
    rows = Rows(gw, cid)

    def events() -> Any:
        for i in range(1205):
            yield bad(i) if i % 100 == 7 else good(i)

    res = await gapi.ingest(cid, events())
    assert res.total == 1205 and len(res.batches) == 2
    assert [r.index for r in res.results] == list(range(1205))
    assert [r.index for r in res.failures] == [i for i in range(1205) if i % 100 == 7]
    assert res.results[1107].transformed_event["user_id"] == "Bad User 1107!"
    assert res.status_code == 207
    n_bad = len(res.failures)
    assert n_bad == 12
    assert rows.delta() == {"audit": 1205, "quarantine": n_bad, "forwarded": 1205 - n_bad}


async def test_partial_ingest_error_on_real_gateway(gapi: Api, gw: Any, cid: str) -> None:
    rows = Rows(gw, cid)

    def arm(part: BatchIngestResponse) -> None:
        if part.batches[0].number == 0:  # let batch 0 through, refuse the next request
            gw.faults.fail_next(1, status=400, path_prefix="/v1/ingest")

    kwargs: Dict[str, Any] = {"max_concurrency": 1} if gapi.is_async else {}
    with pytest.raises(E.PartialIngestError) as ei:
        await gapi.ingest(cid, (good(i) for i in range(2500)), on_batch=arm, **kwargs)
    err = ei.value
    assert err.accepted.total == 1000 and err.first_unsent_index == 1000
    assert list(err.unsent_indexes) == list(range(1000, 2500))
    assert isinstance(err.cause, E.BadRequestError)
    assert rows.delta()["audit"] == 1000


async def test_on_batch_error_stops_the_ingest_and_is_raised(
    gapi: Api, gw: Any, cid: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The caller's callback failing on a later batch ends the ingest with its error, as
    on the sync client (AsyncClient ran such a batch as a task and dropped its error: the
    ingest went on and returned success)."""
    rows = Rows(gw, cid)
    seen: List[int] = []

    def callback(part: BatchIngestResponse) -> None:
        seen.append(part.batches[0].number)
        if len(seen) == 3:
            raise RuntimeError("callback broke")

    kwargs: Dict[str, Any] = {"max_concurrency": 2} if gapi.is_async else {}
    with caplog.at_level(logging.WARNING, logger="contractgate"):
        with pytest.raises(RuntimeError, match="callback broke"):
            await gapi.ingest(cid, [good(i) for i in range(20)], max_batch_events=1,
                              on_batch=callback, **kwargs)  # fmt: skip
    # no batch starts after the failure; the one still in flight (async) finishes
    assert 3 <= len(seen) <= 4
    assert rows.delta()["audit"] == len(seen)
    assert "ingest interrupted (RuntimeError)" in caplog.text


async def test_iterator_error_lets_batches_in_flight_finish(
    gw: Any, cid: str, caplog: pytest.LogCaptureFixture
) -> None:
    """AsyncClient: the caller's iterator failing (not Ctrl-C) ends the ingest like a
    callback's error: the batches in flight are answered before it propagates, so the
    warning's count is every event stored, not a lower bound."""
    from contractgate import AsyncClient

    rows = Rows(gw, cid)

    async def events() -> Any:
        for i in range(60):
            if i == 40:
                raise ValueError("source broke")
            yield good(i)
            await asyncio.sleep(0)

    caplog.set_level(logging.WARNING, logger="contractgate")
    async with AsyncClient(gw.base_url, api_key=gw.api_key) as cg:
        with pytest.raises(ValueError, match="source broke"):
            await cg.ingest(cid, events(), max_batch_events=1, max_concurrency=4)
    (note,) = [r.getMessage() for r in caplog.records if "interrupted" in r.getMessage()]
    m = re.search(r"acknowledged \((\d+) event", note)
    assert m and "ingest interrupted (ValueError)" in note
    assert rows.delta()["audit"] == int(m[1]) > 0


# --------------------------------------------------------------------------- faults


async def test_503_then_success_writes_once(gapi: Api, gw: Any, cid: str) -> None:
    rows = Rows(gw, cid)
    gw.faults.fail_next(1, status=503, path_prefix="/v1/ingest")
    res = await gapi.ingest(cid, [good(1), bad(2)])
    assert res.status_code == 207
    assert rows.delta() == {"audit": 2, "quarantine": 1, "forwarded": 1}


async def test_429_with_wait_hint(
    gapi: Api, gw: Any, cid: str, caplog: pytest.LogCaptureFixture
) -> None:
    rows = Rows(gw, cid)
    body = {"error": "rate_limit_exceeded", "detail": "Retry after 300ms.", "retry_after_ms": 300}
    gw.faults.fail_next(1, status=429, body=body, headers={"X-RateLimit-Remaining": "0"},
                        path_prefix="/v1/ingest")  # fmt: skip
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        res = await gapi.ingest(cid, [good(1)])
    (delay,) = retry_delays(caplog)
    assert 0.3 <= delay <= 0.3 * 1.1 + 0.01  # the hint (+ jitter), not the shorter back-off
    assert res.passed == 1 and rows.delta()["audit"] == 1


@pytest.mark.parametrize("status", [503, 502])
async def test_proxy_retry_after_on_5xx_is_waited_for(
    gapi: Api, gw: Any, cid: str, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    # a proxy in front of the gateway (the gateway sends no Retry-After) asks for 0.3 s
    rows = Rows(gw, cid)
    gw.faults.fail_next(1, status=status, body="", headers={"Retry-After": "0.3"},
                        path_prefix="/v1/ingest")  # fmt: skip
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        res = await gapi.ingest(cid, [good(1)])
    (delay,) = retry_delays(caplog)
    assert 0.3 <= delay <= 0.3 * 1.1 + 0.01  # the hint (+ jitter), not the 0.05 s back-off
    assert res.passed == 1 and rows.delta()["audit"] == 1


async def test_proxy_retry_after_as_an_http_date(
    gapi: Api, gw: Any, cid: str, caplog: pytest.LogCaptureFixture
) -> None:
    import email.utils
    import time

    rows = Rows(gw, cid)
    when = email.utils.formatdate(time.time() + 2, usegmt=True)  # whole seconds: 1-2 s away
    gw.faults.fail_next(1, status=503, body="", headers={"Retry-After": when},
                        path_prefix="/v1/ingest")  # fmt: skip
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        res = await gapi.ingest(cid, [good(1)])
    (delay,) = retry_delays(caplog)
    assert 0.9 <= delay <= 2.0 * 1.1 + 0.01
    assert res.passed == 1 and rows.delta()["audit"] == 1


@pytest.mark.parametrize("retry_after", ["3600", "soon", "-5", "0"])
async def test_proxy_retry_after_out_of_bounds_keeps_the_backoff(
    gw: Any, make_api: Any, cid: str, caplog: pytest.LogCaptureFixture, retry_after: str
) -> None:
    # longer than max_retry_after (60 s), unreadable, negative or zero: the back-off
    # stands, and the 503 is still retried (not given up on, not waited an hour for)
    api = make_api(base_url=gw.base_url, api_key=gw.api_key, retry_policy=RetryPolicy(
        max_retries=1, initial_delay=0.05, max_delay=0.05, keyed_min_delay=0.05))  # fmt: skip
    rows = Rows(gw, cid)
    gw.faults.fail_next(1, status=503, body="", headers={"Retry-After": retry_after},
                        path_prefix="/v1/ingest")  # fmt: skip
    with caplog.at_level(logging.DEBUG, logger="contractgate"):
        res = await api.ingest(cid, [good(1)])
    (delay,) = retry_delays(caplog)
    assert 0.025 <= delay <= 0.05 + 1e-9
    assert res.passed == 1 and rows.delta()["audit"] == 1


async def test_proxy_retry_after_does_not_make_an_unsafe_write_retried(
    gapi: Api, gw: Any, cid: str
) -> None:
    # the legacy route has no deduplication: a proxy 503 may come after the write, so it
    # is not retried, whatever Retry-After says
    rows = Rows(gw, cid)
    gw.faults.fail_next(1, status=503, body="", headers={"Retry-After": "0"},
                        path_prefix="/ingest/")  # fmt: skip
    with pytest.raises(E.ServerError) as ei:
        await gapi.ingest(cid, [good(1)], route="legacy")
    assert ei.value.status_code == 503 and ei.value.headers["retry-after"] == "0"
    assert rows.delta()["audit"] == 0


async def test_plan_limit_429_is_surfaced(gapi: Api, gw: Any, cid: str) -> None:
    body = {"error": "plan_limit_exceeded", "detail": "Plan event limit exceeded",
            "plan": "free", "limit": 5, "used": 5, "period": "2026-08",
            "upgrade_url": "https://example/pricing", "status": 429}  # fmt: skip
    gw.faults.fail_next(3, status=429, body=body, path_prefix="/v1/ingest")
    with pytest.raises(E.PlanLimitExceededError) as ei:
        await gapi.ingest(cid, [good(1)])
    assert ei.value.plan == "free" and ei.value.limit == 5
    assert len(gw.faults.pending()) == 1  # tried once: two armed failures left
    gw.faults.clear()


async def test_dropped_connection_after_processing_is_not_written_twice(
    gw: Any, make_api: Any, cid: str
) -> None:
    # the default keyed wait (≥ 1 s before resending an ambiguous ingest) is kept here
    api = make_api(
        base_url=gw.base_url, api_key=gw.api_key, retry_policy=RetryPolicy(initial_delay=0.05)
    )
    rows = Rows(gw, cid)
    gw.faults.drop_next(1, path_prefix="/v1/ingest", after_processing=True)
    res = await api.ingest(cid, [good(1), bad(2), good(3)])
    assert res.status_code == 207 and res.idempotent_replay  # answered from the cache
    assert rows.delta() == {"audit": 3, "quarantine": 1, "forwarded": 2}


async def test_dropped_connection_before_processing(gapi: Api, gw: Any, cid: str) -> None:
    rows = Rows(gw, cid)
    gw.faults.drop_next(1, path_prefix="/v1/ingest")
    res = await gapi.ingest(cid, [good(1)])
    assert res.passed == 1 and not res.idempotent_replay
    assert rows.delta()["audit"] == 1


async def test_truncated_answer_is_retried_without_double_write(
    gapi: Api, gw: Any, cid: str
) -> None:
    rows = Rows(gw, cid)
    gw.faults.truncate_next(1, path_prefix="/v1/ingest")
    res = await gapi.ingest(cid, [good(1), good(2)])
    assert res.passed == 2
    assert rows.delta()["audit"] == 2


async def test_slow_response_hits_the_timeout(gapi: Api, gw: Any) -> None:
    gw.faults.delay_next(1, seconds=5.0, path_prefix="/health")
    with pytest.raises(E.ClientTimeoutError) as ei:
        await _no_retry(gapi).health(timeout=0.3)
    assert isinstance(ei.value, E.APITimeoutError) and isinstance(ei.value, E.ConnectionError)
    # with retries, a GET simply succeeds on the next attempt
    gw.faults.delay_next(1, seconds=1.0, path_prefix="/health")
    assert (await gapi.health(timeout=0.3)).status == "ok"


async def test_ingest_timeout_retry_is_deduplicated(gw: Any, make_api: Any, cid: str) -> None:
    """The first attempt times out client-side but the gateway still processes it; the
    retry (same key, same bytes) must be answered from the idempotency record."""
    api = make_api(base_url=gw.base_url, api_key=gw.api_key,
                   retry_policy=RetryPolicy(initial_delay=0.05, keyed_min_delay=0.8))  # fmt: skip
    rows = Rows(gw, cid)
    gw.faults.delay_next(1, seconds=0.5, path_prefix="/v1/ingest")
    res = await api.ingest(cid, [good(1), good(2)], timeout=0.2)
    assert res.passed == 2
    assert rows.delta()["audit"] == 2


async def test_legacy_route_does_not_retry_ambiguous_failures(gapi: Api, gw: Any, cid: str) -> None:
    rows = Rows(gw, cid)
    gw.faults.fail_next(1, status=503, path_prefix="/ingest/")
    with pytest.raises(E.ServerError):
        await gapi.ingest(cid, [good(1)], route="legacy")
    assert rows.delta()["audit"] == 0
    res = await gapi.ingest(cid, [good(1)], route="legacy")
    assert res.passed == 1 and rows.delta()["audit"] == 1


def _no_retry(api: Api) -> Api:
    return Api(api.client.with_options(max_retries=0))


# ------------------------------------------------------------------- errors, secrets


async def test_bad_key_and_unknown_contract(gw: Any, make_api: Any, cid: str) -> None:
    wrong = "cg_live_" + "0" * 48
    api = make_api(base_url=gw.base_url, api_key=wrong, max_retries=0)
    with pytest.raises(E.AuthError) as ei:
        await api.ingest(cid, [good(1)])
    assert ei.value.status_code == 401
    assert wrong not in str(ei.value) and wrong not in repr(ei.value)
    ok = make_api(base_url=gw.base_url, api_key=gw.api_key)
    with pytest.raises(E.NotFoundError):
        await ok.get_contract("11111111-2222-4333-8444-555555555555")
    with pytest.raises(E.BadRequestError):
        await ok.ingest("not-a-uuid", [good(1)])


async def test_other_org_sees_404(gw: Any, make_api: Any, cid: str) -> None:
    key = gw.add_api_key(org_id="22222222-3333-4444-8555-666666666666")
    api = make_api(base_url=gw.base_url, api_key=key)
    with pytest.raises(E.NotFoundError):
        await api.get_contract(cid)
    assert await api.list_contracts() == []


# ----------------------------------------------------------------------- reads


async def test_contract_reads(gapi: Api, cid: str) -> None:
    contracts = await gapi.list_contracts()
    assert all(isinstance(c, ContractSummary) for c in contracts)
    ue = next(c for c in contracts if c.id == cid)
    assert ue.name == "user_events" and ue.multi_stable_resolution == "fallback"
    assert ue.latest_stable_version == "1.1.0"
    contract = await gapi.get_contract(cid)
    assert isinstance(contract, ContractResponse) and contract.description == "Clickstream events"
    versions = await gapi.list_versions(cid)
    assert {v.version for v in versions} == {"1.0.0", "1.1.0"}
    assert all(isinstance(v, VersionSummary) and v.state == "stable" for v in versions)
    v100 = await gapi.get_version(cid, "1.0.0")
    assert v100.version == "1.0.0" and "view" in v100.yaml_content
    latest = await gapi.get_latest_stable(cid)
    assert latest.version == "1.1.0"
    pointer = await gapi.get_contract_version(cid)
    assert pointer.version == "1.1.0" and len(pointer.hash) == 64
    with pytest.raises(E.NotFoundError):
        await gapi.get_version(cid, "1.0.0+build/7")  # encoded, so a clean 404
    # "." and ".." stay data: unencoded, the URL would drop them (GET /contracts/{cid},
    # read as a made-up VersionResponse; GET /contracts, a list)
    for dots in (".", ".."):
        with pytest.raises(E.NotFoundError, match=f"Version {re.escape(dots)} not found"):
            await gapi.get_version(cid, dots)
    with pytest.raises(E.BadRequestError, match="UUID parsing failed"):
        await gapi.get_contract(".")


async def test_audit_and_quarantine_pagination(gapi: Api, gw: Any, cid: str) -> None:
    res = await gapi.ingest(cid, [bad(i) for i in range(23)])
    qids = {r.quarantine_id for r in res.results}
    rows = await gapi.rows("quarantine", cid, page_size=7)
    ids = [r.id for r in rows]
    assert len(ids) == len(set(ids))  # no duplicates across pages
    assert qids <= set(ids)
    assert all(r.contract_id == cid for r in rows)
    total_audit = gw.count_rows("audit", contract_id=cid)
    audit = await gapi.rows("audit", cid, page_size=500)
    assert len(audit) == len({a.id for a in audit})
    assert len(audit) == total_audit - _invisible_audit_rows(gw, cid)
    first = await gapi.audit(cid, 5, 2)  # v0.1's call: audit(contract_id, limit, offset)
    assert isinstance(first, list) and [a.id for a in first] == [a.id for a in audit[2:7]]


async def test_a_str_enum_contract_id_is_sent_as_its_value(gapi: Api, cid: str) -> None:
    """A ``str`` Enum member as the contract id: paths always sent its value, but the
    listing calls' query strings sent ``str(member)``, ``Ids.ORDERS`` (an empty page or
    a 400 instead of the contract's rows)."""
    Ids = enum.Enum("Ids", {"ORDERS": cid}, type=str)
    await gapi.ingest(Ids.ORDERS, [bad(1)])
    quarantined = await gapi.quarantine(Ids.ORDERS, 5, 0)
    audit = await gapi.audit(Ids.ORDERS, 5, 0)
    assert quarantined and all(r.contract_id == cid for r in quarantined)
    assert audit and all(a.contract_id == cid for a in audit)


def _invisible_audit_rows(gw: Any, cid: str) -> int:
    """Replay-produced audit rows have no org and are not listed (spec §3.6)."""
    return sum(1 for r in gw.audit_rows(cid) if r.get("org_id") is None)


async def test_replay_and_history(gapi: Api, cid: str) -> None:
    res = await gapi.ingest(cid, [view(1)], version="1.1.0")  # fails 1.1.0, passes 1.0.0
    qid = res.results[0].quarantine_id
    assert qid
    replay = await gapi.replay(cid, [qid, qid], target_version="1.0.0")
    assert replay.total == 1 and replay.replayed == 1
    assert replay.results[0].outcome == "replayed"
    assert replay.results[0].contract_version_matched == "1.0.0"
    again = await gapi.replay(cid, [qid])
    assert again.results[0].outcome == "already_replayed"
    history = await gapi.replay_history(cid, qid)
    assert history[0].kind == "source" and history[0].status == "replayed"
    assert [h.kind for h in history][-1] == "passed_replay"


async def test_stats_usage_health(gapi: Api, cid: str) -> None:
    await gapi.ingest(cid, [good(1)])
    stats = await gapi.stats()
    assert stats.total_events >= 1 and 0 <= stats.pass_rate <= 1
    cstats = await gapi.contract_stats(cid)
    assert cstats.total_events >= 1
    usage = await gapi.usage()
    assert usage.used >= 1 and usage.plan
    health = await gapi.health()
    assert health.status == "ok"
    ready = await gapi.ready()
    assert ready.ok


async def test_playground_and_egress(gapi: Api, cid: str) -> None:
    from cg_client_testlib import CONTRACTS

    yaml_text = (CONTRACTS / "user_events" / "1.1.0.yaml").read_text()
    pg = await gapi.playground_validate(yaml_text, {"user_id": 7})
    assert pg.passed is False and pg["passed"] is False
    kinds = {str(v.kind) for v in pg.violations}
    assert "type_mismatch" in kinds
    with pytest.raises(E.ValidationFailedError):
        await gapi.playground_validate("ontology: [", {})
    out = await gapi.egress(cid, [good(1, email="a@b.c"), {"user_id": "x"}])
    assert out.status_code == 207 and out.total == 2
    assert [o.action for o in out.outcomes] == ["included", "blocked"]
    assert out.payload[0]["email"] == "****"
    with pytest.raises(E.EgressRejectedError) as ei:
        await gapi.egress(cid, [good(2), {"user_id": "x"}], disposition="fail")
    assert ei.value.result.payload == ()


async def test_many_concurrent_ingests_share_one_client(gapi: Api, gw: Any, cid: str) -> None:
    import concurrent.futures

    rows = Rows(gw, cid)
    chunks: List[List[Dict[str, Any]]] = [[good(i * 10 + j) for j in range(10)] for i in range(12)]
    if gapi.is_async:
        outs = await asyncio.gather(*(gapi.client.ingest(cid, c) for c in chunks))
    else:
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            outs = list(pool.map(lambda c: gapi.client.ingest(cid, c), chunks))
    assert sum(o.passed for o in outs) == 120
    assert rows.delta()["audit"] == 120


async def test_no_key_in_debug_logs_through_faults(
    gapi: Api, gw: Any, cid: str, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG, logger="contractgate")
    gw.faults.fail_next(1, status=503, path_prefix="/v1/ingest")
    gw.faults.drop_next(1, path_prefix="/v1/ingest", after_processing=True)
    await gapi.ingest(cid, [good(1), bad(2)])
    with pytest.raises(E.NotFoundError) as ei:
        await gapi.get_version(cid, "0.0.0")
    assert "retrying POST" in caplog.text and "[REDACTED]" in caplog.text
    for text in (caplog.text, str(ei.value), repr(ei.value), repr(gapi.client)):
        assert gw.api_key not in text


ENVELOPE_CONTRACT = """\
version: "1.0.0"
name: envelope_events
envelope:
  records_path: data
ontology:
  entities:
    - name: event_type
      type: string
      required: true
      enum: [click, view]
    - name: timestamp
      type: integer
      required: true
"""


@pytest.fixture(scope="module")
def envelope_gw(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from contractgate.gateway import LocalGateway

    d = tmp_path_factory.mktemp("envelope_contracts")
    (d / "envelope_events.yaml").write_text(ENVELOPE_CONTRACT)
    with LocalGateway(contracts_dir=str(d), db=":memory:") as gw:
        yield gw


async def test_envelope_contract_on_the_legacy_route(make_api: Any, envelope_gw: Any) -> None:
    gw = envelope_gw
    cid = gw.contract_id("envelope_events")
    api = make_api(base_url=gw.base_url, api_key=gw.api_key)
    envelope = {"data": [{"event_type": "click", "timestamp": 1}, {"event_type": "view"}]}
    before = gw.count_rows("quarantine", contract_id=cid)
    res = await api.ingest_envelope(cid, envelope)
    assert (res.passed, res.quarantined) == (1, 1)
    assert res.violations[0].record_index == 1 and res.violations[0].field == "timestamp"
    assert gw.count_rows("quarantine", contract_id=cid) == before + 1
    with pytest.raises(E.BadRequestError):  # the legacy route wants one object, not an array
        await api.ingest(cid, [envelope], route="legacy")
