"""The non-ingest methods against the spec, end to end (local gateway, real sockets) and on
the wire (MockTransport): how ids, versions and limits given by the caller reach the
gateway. Every test runs once with Client and once with AsyncClient.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Dict

import httpx
import pytest
from cg_client_testlib import API_KEY, Api, Recorder

BASE = "http://gw.test"
CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"
QID = "b51f0e2c-8a7d-4c39-9e12-6d0a4f3b7c81"

pytestmark = pytest.mark.filterwarnings("ignore:the API key will be sent over plain http")


def _bad(i: int) -> Dict[str, Any]:
    return {"user_id": f"Routes Hunt {i}!", "event_type": "click", "timestamp": 1724252400 + i}


async def _quarantined(gapi: Api, gw: Any, i: int) -> tuple[str, str]:
    """A fresh quarantined (source) row of user_events: (contract id, quarantine id)."""
    cid = str(gw.contract_id("user_events"))
    res = await gapi.ingest(cid, [_bad(i)])
    qid = res.results[0].quarantine_id
    assert qid
    return cid, qid


# ------------------------------------------------------------- replay: ids are UUIDs


@pytest.mark.parametrize(
    "variant",
    [str.upper, lambda q: uuid.UUID(q).hex, lambda q: uuid.UUID(q).urn, lambda q: f"{{{q}}}"],
    ids=["upper", "simple", "urn", "braced"],
)
async def test_replay_treats_spellings_of_one_uuid_as_one_id(
    gapi: Api, gw: Any, variant: Any
) -> None:
    # The gateway parses ids as UUIDs (any case, simple or urn form) and reports the first
    # of two ids naming one row "not_found" (spec §3.7): "ids are de-duplicated" must
    # de-duplicate what the gateway sees, not the spellings.
    cid, qid = await _quarantined(gapi, gw, 1)
    res = await gapi.replay(cid, [variant(qid), qid])
    assert res.total == 1 and res.not_found == 0
    assert [r.outcome for r in res.results] == ["still_quarantined"]
    assert res.results[0].quarantine_id == qid


async def test_replay_events_treats_spellings_of_one_uuid_as_one_id(gapi: Api, gw: Any) -> None:
    _, qid = await _quarantined(gapi, gw, 2)
    res = await gapi.replay_events([qid.upper(), qid])
    assert [o.event_id for o in res.outcomes] == [qid]
    assert res.outcomes[0].violations  # a real failed attempt, not a "not found" twin


async def test_replay_events_takes_a_uuid_contract_id(gapi: Api, gw: Any) -> None:
    # every other id argument takes a uuid.UUID; this one failed with "body is not
    # JSON-encodable" before anything was sent
    cid, qid = await _quarantined(gapi, gw, 3)
    res = await gapi.replay_events([uuid.UUID(qid)], contract_id=uuid.UUID(cid))
    assert [o.event_id for o in res.outcomes] == [qid]


async def test_replay_ids_that_are_not_uuids_are_sent_as_given(make_api: Any) -> None:
    rec = Recorder(lambda r: httpx.Response(200, json={"total": 2, "results": []}))
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    await api.replay(CID, ["q1", "Q1", QID.upper()])
    assert json.loads(rec.bodies[0]) == {"ids": ["q1", "Q1", QID]}


@pytest.mark.parametrize(
    "call",
    [
        lambda a: a.replay(CID, [QID], target_version=1),
        lambda a: a.replay_events([QID], version=1.1),
        lambda a: a.replay_events([QID], contract_id=7),
    ],
    ids=["replay-target_version", "replay_events-version", "replay_events-contract_id"],
)
async def test_replay_refuses_non_string_versions_and_ids(make_api: Any, call: Any) -> None:
    # sent as JSON numbers they came back as the framework's 422 plain text
    rec = Recorder()
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    with pytest.raises(TypeError):
        await call(api)
    assert rec.requests == []


# ------------------------------------------------- top-level replay history: limit


async def test_event_replay_history_limit_is_honoured(gapi: Api, gw: Any) -> None:
    cid, qid = await _quarantined(gapi, gw, 4)
    await gapi.replay(cid, [qid])
    await gapi.replay(cid, [qid])
    assert len(await gapi.event_replay_history(qid)) == 2
    assert len(await gapi.event_replay_history(qid, limit=1)) == 1
    assert len(await gapi.event_replay_history(uuid.UUID(qid), limit=500)) == 2


@pytest.mark.parametrize("limit", [0, -1, 501, True, 2.0, "2"])
async def test_event_replay_history_refuses_limits_the_gateway_would_change(
    make_api: Any, limit: Any
) -> None:
    # the gateway clamps limit to 1..500 (limit=0 answered one row) and answers a bool
    # or a float with a plain-text 400: refused before sending, as audit() does
    rec = Recorder()
    api = make_api(base_url=BASE, api_key=API_KEY, handler=rec)
    with pytest.raises(ValueError, match="limit"):
        await api.event_replay_history(QID, limit=limit)
    assert rec.requests == []
