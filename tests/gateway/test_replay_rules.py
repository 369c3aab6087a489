"""Quarantine replay (§3.7) beyond the common path: which stable version a replay tries,
what it forwards, the id bounds, org scoping, the order of the top-level route's groups
and its history's limit. One gateway per test, on a contracts folder of its own."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Dict, Iterator, List

import httpx
import pytest
from cg_gateway_testlib import make_client

from contractgate.gateway import LocalGateway

OTHER_KEY = "cg_other_org_key_0123456789"


def _contract(name: str, version: str, a_type: str, pattern: str = "") -> str:
    extra = f"\n              pattern: {pattern!r}" if pattern else ""
    return textwrap.dedent(
        f"""\
        version: "{version}"
        name: {name}
        ontology:
          entities:
            - name: a
              type: {a_type}{extra}
        """
    )


FILES = {
    # three stables: 1.0.0 and 2.0.0 take a string, 3.0.0 an integer; 4.0.0 does not compile
    "multi/1.0.0.yaml": _contract("multi", "1.0.0", "string"),
    "multi/2.0.0.yaml": _contract("multi", "2.0.0", "string"),
    "multi/3.0.0.yaml": _contract("multi", "3.0.0", "integer"),
    "multi/4.0.0.yaml": _contract("multi", "4.0.0", "string", "([a-z"),
    # the same versions without fallback
    "strict/1.0.0.yaml": _contract("strict", "1.0.0", "string"),
    "strict/3.0.0.yaml": _contract("strict", "3.0.0", "integer"),
    # two contracts for the top-level route's groups: 5.0.0 and 6.0.0 exist in one each
    "p/1.0.0.yaml": _contract("p", "1.0.0", "integer"),
    "p/5.0.0.yaml": _contract("p", "5.0.0", "string"),
    "q/1.0.0.yaml": _contract("q", "1.0.0", "integer"),
    "q/6.0.0.yaml": _contract("q", "6.0.0", "string"),
}
MANIFEST = """\
contracts:
  multi:
    multi_stable_resolution: fallback
    versions: {"1.0.0": stable, "2.0.0": stable, "3.0.0": stable, "4.0.0": draft}
  strict:
    versions: {"1.0.0": stable, "3.0.0": stable}
  p:
    versions: {"1.0.0": stable, "5.0.0": draft}
  q:
    versions: {"1.0.0": stable, "6.0.0": draft}
"""


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[LocalGateway]:
    folder = tmp_path / "contracts"
    for rel, text in FILES.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    (folder / "_gateway.yaml").write_text(MANIFEST, encoding="utf-8")
    keys: Dict[str, Any] = {"cg_first_org_key_0123456789": {}, OTHER_KEY: {"org_id": "o-2"}}
    with LocalGateway(contracts_dir=folder, api_keys=keys) as g:
        yield g


@pytest.fixture
def client(gw: LocalGateway) -> Iterator[httpx.Client]:
    with make_client(gw, "cg_first_org_key_0123456789") as c:
        yield c


def _quarantine(
    gw: LocalGateway, client: httpx.Client, name: str, pin: str, events: List[Any]
) -> List[str]:
    cid = gw.contract_id(name)
    before = {r["id"] for r in gw.quarantine_rows(cid)}
    r = client.post(f"/ingest/{cid}@{pin}", json=events)
    assert r.status_code in (200, 422), r.text  # 422: every event failed
    return [r["id"] for r in gw.quarantine_rows(cid) if r["id"] not in before]


def _replay(client: httpx.Client, cid: str, ids: List[str], **body: Any) -> Dict[str, Any]:
    r = client.post(f"/contracts/{cid}/quarantine/replay", json={"ids": ids, **body})
    assert r.status_code == 200, r.text
    answer: Dict[str, Any] = r.json()
    return answer


def test_fallback_takes_the_newest_stable_that_passes_and_forwards_it(
    gw: LocalGateway, client: httpx.Client
) -> None:
    cid = gw.contract_id("multi")
    (qid,) = _quarantine(gw, client, "multi", "3.0.0", [{"a": "text"}])
    body = _replay(client, cid, [qid])
    assert body["target_version"] == "3.0.0"
    (res,) = body["results"]
    assert res["outcome"] == "replayed" and res["contract_version_matched"] == "2.0.0"
    assert gw.count_rows("forwarded", source="replay") == 1
    assert gw.count_rows("forwarded", source="replay", contract_version="2.0.0") == 1


def test_without_fallback_only_the_target_is_tried(gw: LocalGateway, client: httpx.Client) -> None:
    cid = gw.contract_id("strict")
    (qid,) = _quarantine(gw, client, "strict", "3.0.0", [{"a": "text"}])
    (res,) = _replay(client, cid, [qid])["results"]
    assert res["outcome"] == "still_quarantined" and res["contract_version_attempted"] == "3.0.0"
    assert gw.count_rows("forwarded", source="replay") == 0
    # an explicit older target is tried as asked
    (res,) = _replay(client, cid, [qid], target_version="1.0.0")["results"]
    assert res["outcome"] == "replayed" and res["contract_version_matched"] == "1.0.0"


def test_a_target_that_does_not_compile_is_refused(gw: LocalGateway, client: httpx.Client) -> None:
    cid = gw.contract_id("multi")
    (qid,) = _quarantine(gw, client, "multi", "3.0.0", [{"a": "text"}])
    r = client.post(
        f"/contracts/{cid}/quarantine/replay", json={"ids": [qid], "target_version": "4.0.0"}
    )
    assert r.status_code == 422
    assert r.json()["error"].startswith(
        f"Invalid contract YAML: could not compile contract {cid}@4.0.0: "
    )
    assert gw.quarantine_rows(cid)[0]["replay_count"] == 0


def test_id_bounds_on_both_routes(gw: LocalGateway, client: httpx.Client) -> None:
    cid = gw.contract_id("multi")
    ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(1001)]
    r = client.post(f"/contracts/{cid}/quarantine/replay", json={"ids": ids})
    assert r.status_code == 400
    assert r.json()["error"] == (
        "Invalid request: ids must contain between 1 and 1000 entries (got 1001)"
    )
    assert _replay(client, cid, ids[:1000])["not_found"] == 1000
    r = client.post("/quarantine/replay", json={"event_ids": ids})
    assert r.status_code == 400 and "(got 1001)" in r.json()["error"]


def test_history_of_a_row_of_another_contract_is_refused(
    gw: LocalGateway, client: httpx.Client
) -> None:
    (qid,) = _quarantine(gw, client, "multi", "3.0.0", [{"a": "text"}])
    strict = gw.contract_id("strict")
    r = client.get(f"/contracts/{strict}/quarantine/{qid}/replay-history")
    assert r.status_code == 400
    assert r.json()["error"] == (
        f"Invalid request: quarantine row {qid} not found on contract {strict}"
    )


def test_top_level_routes_see_the_callers_org_only(gw: LocalGateway, client: httpx.Client) -> None:
    cid = gw.contract_id("strict")
    (qid,) = _quarantine(gw, client, "strict", "3.0.0", [{"a": "text"}])
    assert _replay(client, cid, [qid])["still_quarantined"] == 1  # a history to hide
    with make_client(gw, OTHER_KEY) as other:
        r = other.post("/quarantine/replay", json={"event_ids": [qid], "version": "1.0.0"})
        (outcome,) = r.json()["outcomes"]
        assert outcome["passed"] is False and outcome["version"] == "1.0.0"
        assert other.get(f"/quarantine/replay-history?event_id={qid}").json() == []
    assert gw.quarantine_rows(cid)[0]["replay_count"] == 1
    assert len(client.get(f"/quarantine/replay-history?event_id={qid}").json()) == 1
    # the owner's org replays it
    r = client.post("/quarantine/replay", json={"event_ids": [qid], "version": "1.0.0"})
    assert r.json()["replayed"] == 1


def test_top_level_groups_run_in_contract_id_order(gw: LocalGateway, client: httpx.Client) -> None:
    """A version only the first group has: its rows are replayed and written before the
    second group fails (§3.7, partial failure), whatever order the ids came in."""
    p, q = gw.contract_id("p"), gw.contract_id("q")
    first, second = sorted([("p", p, "5.0.0"), ("q", q, "6.0.0")], key=lambda t: t[1])
    (q_first,) = _quarantine(gw, client, first[0], "1.0.0", [{"a": "text"}])
    (q_second,) = _quarantine(gw, client, second[0], "1.0.0", [{"a": "text"}])
    r = client.post(
        "/quarantine/replay", json={"event_ids": [q_second, q_first], "version": first[2]}
    )
    assert r.status_code == 404
    assert gw.quarantine_rows(first[1])[0]["status"] == "replayed"
    assert gw.quarantine_rows(second[1])[0]["replay_count"] == 0


def test_top_level_history_limit(gw: LocalGateway, client: httpx.Client) -> None:
    cid = gw.contract_id("strict")
    (qid,) = _quarantine(gw, client, "strict", "3.0.0", [{"a": "text"}])
    for _ in range(3):
        assert _replay(client, cid, [qid])["still_quarantined"] == 1
    url = f"/quarantine/replay-history?event_id={qid}"
    assert len(client.get(url).json()) == 3
    assert len(client.get(url + "&limit=2").json()) == 2
    assert len(client.get(url + "&limit=0").json()) == 1  # clamped to 1..500
    assert len(client.get(url + "&limit=-4").json()) == 1


def test_unknown_ids_echo_the_requested_version(gw: LocalGateway, client: httpx.Client) -> None:
    unknown = "11111111-2222-4333-8444-555555555555"
    r = client.post("/quarantine/replay", json={"event_ids": [unknown], "version": "2.0.0"})
    assert r.json()["outcomes"][0]["version"] == "2.0.0"
