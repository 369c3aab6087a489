"""Contract and version lifecycle of the local gateway against spec §3.5 and §6: states
from the manifest, ``latest-stable`` once the newest stable is deprecated, deprecated
pins and fallback candidates, listing order, and what a restart on one ``--db`` file
keeps (lifecycle hunt).

Defect tests (they failed before the fix in ``_contracts.py`` / ``_app.py``):

* ``test_a_restart_on_the_same_file_keeps_the_contract_and_version_dates``
* ``test_a_database_from_before_the_epoch_dates_contracts_before_its_oldest_row``

The other tests pin behaviour down (they passed before the fix too).
"""

from __future__ import annotations

import sqlite3
import textwrap
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import httpx
import pytest
from cg_gateway_testlib import GOOD, make_client

from contractgate import Client
from contractgate.exceptions import ConflictError, DeprecatedVersionError
from contractgate.gateway import LocalGateway

# ladder: 1.0.0 stable < 1.5.0 deprecated < 1.7.0 draft < 2.0.0 stable < 3.0.0 deprecated,
# with fallback; each version accepts one ``kind`` only. sunset: its only version is
# deprecated, so it has no stable at all.
LADDER = {"1.0.0": "old", "1.5.0": "dep", "1.7.0": "draft", "2.0.0": "new", "3.0.0": "gone"}
MANIFEST = """
contracts:
  ladder:
    multi_stable_resolution: fallback
    versions:
      "1.0.0": stable
      "1.5.0": deprecated
      "1.7.0": draft
      "2.0.0": stable
      "3.0.0": deprecated
  sunset:
    versions:
      "1.0.0": deprecated
"""


def _version_yaml(name: str, version: str, kind: str) -> str:
    return textwrap.dedent(f"""\
        version: "{version}"
        name: {name}
        ontology:
          entities:
            - name: id
              type: string
            - name: kind
              type: string
              enum: [{kind}]
            - name: email
              type: string
              required: false
              transform: {{kind: redact}}
        """)


@pytest.fixture(scope="module")
def ladder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("lifecycle") / "contracts"
    d.mkdir()
    for version, kind in LADDER.items():
        (d / f"ladder_{version}.yaml").write_text(_version_yaml("ladder", version, kind))
    (d / "sunset.yaml").write_text(_version_yaml("sunset", "1.0.0", "old"))
    (d / "_gateway.yaml").write_text(MANIFEST.lstrip())
    return d


@pytest.fixture
def lgw(ladder_dir: Path) -> Iterator[LocalGateway]:
    with LocalGateway(contracts_dir=ladder_dir) as g:
        yield g


@pytest.fixture
def lclient(lgw: LocalGateway) -> Iterator[httpx.Client]:
    with make_client(lgw) as c:
        yield c


def _ev(kind: str, **extra: Any) -> Dict[str, Any]:
    return {"id": "a", "kind": kind, **extra}


# ---------------------------------------------------------------------------- restarts


def _lifecycle_view(c: httpx.Client, cid: str) -> Dict[str, Any]:
    return {
        "contract": c.get(f"/contracts/{cid}").json(),
        "versions": c.get(f"/contracts/{cid}/versions").json(),
        "latest": c.get(f"/contracts/{cid}/versions/latest-stable").json(),
        "listing": c.get("/contracts").json(),
    }


def test_a_restart_on_the_same_file_keeps_the_contract_and_version_dates(
    contracts_dir: Path, tmp_path: Path
) -> None:
    """Upstream stores ``created_at`` / ``promoted_at`` / ``deprecated_at``; a restart
    does not move them. The local gateway dated the folder's contracts from the moment
    it started, so after a restart on the same database every contract was "created",
    and every version "promoted", after the audit rows that the version had decided."""
    db = tmp_path / "gw.sqlite3"
    with LocalGateway(contracts_dir=contracts_dir, db=db) as g1, make_client(g1) as c:
        uid = g1.contract_id("user_events")
        lid = g1.contract_id("lifecycle")
        assert c.post(f"/ingest/{uid}", json=[GOOD]).status_code == 200
        before = {cid: _lifecycle_view(c, cid) for cid in (uid, lid)}
    time.sleep(0.02)  # a new start is later than any timestamp of the first one
    with LocalGateway(contracts_dir=contracts_dir, db=db) as g2, make_client(g2) as c:
        after = {cid: _lifecycle_view(c, cid) for cid in (uid, lid)}
        (row,) = c.get("/audit").json()
    assert after == before
    decided_by = next(v for v in after[uid]["versions"] if v["version"] == "1.1.0")
    assert row["contract_version"] == "1.1.0"
    assert decided_by["promoted_at"] < row["created_at"]
    assert after[uid]["contract"]["created_at"] < row["created_at"]


def test_a_database_from_before_the_epoch_dates_contracts_before_its_oldest_row(
    contracts_dir: Path, tmp_path: Path
) -> None:
    """A file written by a gateway that kept no epoch: the contracts are dated before
    its oldest row, not at this start."""
    db = tmp_path / "gw.sqlite3"
    with LocalGateway(contracts_dir=contracts_dir, db=db) as g1, make_client(g1) as c:
        uid = g1.contract_id("user_events")
        assert c.post(f"/ingest/{uid}", json=[GOOD]).status_code == 200
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'contracts_epoch'")
    time.sleep(0.02)
    with LocalGateway(contracts_dir=contracts_dir, db=db) as g2, make_client(g2) as c:
        (row,) = c.get("/audit").json()
        for summary in c.get("/contracts").json():
            contract = c.get(f"/contracts/{summary['id']}").json()
            assert contract["updated_at"] < row["created_at"], contract["name"]


def test_reset_and_a_stop_and_start_keep_the_dates(lgw: LocalGateway) -> None:
    lid = lgw.contract_id("ladder")
    with make_client(lgw) as c:
        before = _lifecycle_view(c, lid)
    lgw.reset()
    lgw.stop()
    time.sleep(0.01)
    lgw.start()
    with make_client(lgw) as c:
        assert _lifecycle_view(c, lid) == before


# ---------------------------------------------------------------------------- states


def test_versions_newest_created_first_with_their_state_dates(
    lgw: LocalGateway, lclient: httpx.Client
) -> None:
    """§3.5: newest ``created_at`` first; deprecated versions were promoted first (§6.1:
    draft → stable → deprecated), drafts have neither date."""
    lid = lgw.contract_id("ladder")
    versions = lclient.get(f"/contracts/{lid}/versions").json()
    assert [(v["version"], v["state"]) for v in versions] == [
        ("3.0.0", "deprecated"),
        ("2.0.0", "stable"),
        ("1.7.0", "draft"),
        ("1.5.0", "deprecated"),
        ("1.0.0", "stable"),
    ]
    created = [v["created_at"] for v in versions]
    assert created == sorted(created, reverse=True) and len(set(created)) == len(created)
    for v in versions:
        if v["state"] == "draft":
            assert v["promoted_at"] is None and v["deprecated_at"] is None
        else:
            assert v["created_at"] < v["promoted_at"]
        if v["state"] == "deprecated":
            assert v["promoted_at"] <= v["deprecated_at"]
        else:
            assert v["deprecated_at"] is None
    contract = lclient.get(f"/contracts/{lid}").json()
    assert contract["created_at"] == min(created)
    assert contract["version_count"] == 5


def test_latest_stable_skips_the_deprecated_newest_version(
    lgw: LocalGateway, lclient: httpx.Client
) -> None:
    """§3.5: greatest ``promoted_at`` among ``stable``: 3.0.0 was promoted last but is
    deprecated, so the pointer is 2.0.0 on every read and on unpinned ingest."""
    lid = lgw.contract_id("ladder")
    latest = lclient.get(f"/contracts/{lid}/versions/latest-stable").json()
    assert (latest["version"], latest["state"]) == ("2.0.0", "stable")
    three = lclient.get(f"/contracts/{lid}/versions/3.0.0").json()
    assert three["promoted_at"] > latest["promoted_at"]  # promoted later, then deprecated
    assert lclient.get(f"/contracts/{lid}").json()["latest_stable_version"] == "2.0.0"
    (summary,) = [c for c in lclient.get("/contracts").json() if c["id"] == lid]
    assert summary["latest_stable_version"] == "2.0.0"
    assert lclient.get(f"/v1/contracts/{lid}/version").json()["version"] == "2.0.0"
    with Client(base_url=lgw.base_url, api_key=lgw.api_key) as cg:
        assert cg.get_latest_stable(lid).version == "2.0.0"
        r = cg.ingest(lid, [_ev("new")], dry_run=True)
        assert (r.resolved_version, r.version_pin_source) == ("2.0.0", "default_stable")


def test_a_contract_whose_only_version_is_deprecated_has_no_stable(
    lgw: LocalGateway, lclient: httpx.Client
) -> None:
    sid = lgw.contract_id("sunset")
    no_stable = {"error": f"Contract {sid} has no stable version yet", "status": 409}
    assert lclient.get(f"/contracts/{sid}/versions/latest-stable").json() == no_stable
    assert lclient.get(f"/v1/contracts/{sid}/version").json() == no_stable
    assert lclient.post(f"/ingest/{sid}", json=[_ev("old")]).json() == no_stable
    assert lclient.post(f"/v1/ingest/{sid}", json=[_ev("old")]).json() == no_stable
    assert lclient.post(f"/egress/{sid}", json=[_ev("old")]).json() == no_stable
    assert lclient.get(f"/contracts/{sid}").json()["latest_stable_version"] is None
    with Client(base_url=lgw.base_url, api_key=lgw.api_key) as cg:
        with pytest.raises(ConflictError):
            cg.get_latest_stable(sid)
    # pinned, it quarantines with no latest stable to name (§3.1.6)
    r = lclient.post(f"/ingest/{sid}@1.0.0", json=[_ev("old")])
    assert r.status_code == 422
    (q,) = lgw.quarantine_rows(sid)
    assert q["violation_details"] == [
        {"kind": "deprecated_contract_version", "pinned_version": "1.0.0", "latest_stable": None}
    ]
    (summary,) = lgw.audit_rows(sid)
    assert summary["raw_event"]["latest_stable"] is None


# ---------------------------------------------------------------------------- pins


def test_a_deprecated_pin_names_the_stable_that_replaced_it_on_both_routes(
    lgw: LocalGateway, lclient: httpx.Client
) -> None:
    lid = lgw.contract_id("ladder")
    r = lclient.post(
        f"/ingest/{lid}", json=[_ev("gone", email="e")], headers={"X-Contract-Version": "3.0.0"}
    )
    assert r.status_code == 422
    batch = r.json()["batch"]
    assert (batch["resolved_version"], batch["version_pin_source"]) == (
        "3.0.0",
        "pinned_deprecated",
    )
    assert batch["results"][0]["transformed_event"] == {
        "id": "a",
        "kind": "gone",
        "email": "<REDACTED>",
    }
    r = lclient.post(f"/v1/ingest/{lid}?version=1.5.0", json=[_ev("dep"), _ev("dep")])
    assert r.status_code == 422 and "x-ratelimit-limit" not in r.headers
    assert [x["quarantine_id"] for x in r.json()["results"]] == [None, None]
    rows = lgw.quarantine_rows(lid)
    assert [(q["contract_version"], q["violation_details"][0]["latest_stable"]) for q in rows] == [
        ("3.0.0", "2.0.0"),
        ("1.5.0", "2.0.0"),
        ("1.5.0", "2.0.0"),
    ]
    # one summary row, for the legacy route only
    assert [a["contract_version"] for a in lgw.audit_rows(lid)] == ["3.0.0"]
    with Client(base_url=lgw.base_url, api_key=lgw.api_key) as cg:
        with pytest.raises(DeprecatedVersionError):
            cg.ingest(lid, [_ev("dep")], version="1.5.0")


def test_pinned_draft_and_deprecated_on_egress_and_replay(
    lgw: LocalGateway, lclient: httpx.Client
) -> None:
    """§6.1: a pinned draft is validated normally; a deprecated pin is 400 on egress and
    validated normally as an explicit replay target."""
    lid = lgw.contract_id("ladder")
    r = lclient.post(f"/egress/{lid}@1.7.0", json=[_ev("draft")])
    assert r.status_code == 200 and r.json()["resolved_version"] == "1.7.0"
    r = lclient.post(f"/egress/{lid}@1.5.0", json=[_ev("dep")])
    assert r.json() == {
        "error": f"Invalid request: Version 1.5.0 on contract {lid} is deprecated; "
        "pin a stable version for egress",
        "status": 400,
    }
    assert lclient.post(f"/ingest/{lid}@2.0.0", json=[_ev("dep")]).status_code == 422
    (q,) = lgw.quarantine_rows(lid)
    body = lclient.post(
        f"/contracts/{lid}/quarantine/replay", json={"ids": [q["id"]], "target_version": "1.5.0"}
    ).json()
    assert (body["replayed"], body["target_version"], body["target_is_draft"]) == (
        1,
        "1.5.0",
        False,
    )
    assert body["results"][0]["contract_version_matched"] == "1.5.0"


# ---------------------------------------------------------------------------- fallback


def test_fallback_tries_only_stable_versions_newest_promoted_first(
    lgw: LocalGateway, lclient: httpx.Client
) -> None:
    """§6.2: drafts and deprecated versions are never candidates; a miss keeps the
    latest stable's verdict; ``resolved_version`` stays the pre-fallback one."""
    lid = lgw.contract_id("ladder")
    events = [_ev("new"), _ev("old"), _ev("dep"), _ev("draft"), _ev("gone")]
    body = lclient.post(f"/ingest/{lid}", json=events).json()
    assert body["resolved_version"] == "2.0.0"
    verdicts = [(x["passed"], x["contract_version"]) for x in body["results"]]
    assert verdicts == [
        (True, "2.0.0"),
        (True, "1.0.0"),
        (False, "2.0.0"),
        (False, "2.0.0"),
        (False, "2.0.0"),
    ]
    for x in body["results"][2:]:
        assert [v["kind"] for v in x["violations"]] == ["enum_violation"]
    # the quarantined misses replay by default against the same candidates
    ids = [q["id"] for q in lgw.quarantine_rows(lid)]
    replay = lclient.post(f"/contracts/{lid}/quarantine/replay", json={"ids": ids}).json()
    assert (replay["target_version"], replay["still_quarantined"]) == ("2.0.0", 3)
    assert {x["contract_version_attempted"] for x in replay["results"]} == {"2.0.0"}


def test_v1_fallback_and_pins_match_the_legacy_route(
    lgw: LocalGateway, lclient: httpx.Client
) -> None:
    lid = lgw.contract_id("ladder")
    body = lclient.post(f"/v1/ingest/{lid}?dry_run=true", json=[_ev("old"), _ev("dep")]).json()
    assert [(x["passed"], x["contract_version"]) for x in body["results"]] == [
        (True, "1.0.0"),
        (False, "2.0.0"),
    ]
    pinned = lclient.post(f"/v1/ingest/{lid}?version=2.0.0&dry_run=true", json=[_ev("old")])
    assert pinned.status_code == 422
    assert pinned.json()["version_pin_source"] == "query_param"
    assert pinned.json()["results"][0]["contract_version"] == "2.0.0"  # no fallback


# ---------------------------------------------------------------------------- listings


def test_contract_listing_is_newest_created_first(lgw: LocalGateway, lclient: httpx.Client) -> None:
    listing: List[Dict[str, Any]] = lclient.get("/contracts").json()
    assert [c["name"] for c in listing] == ["ladder", "sunset"]
    created = [lclient.get(f"/contracts/{c['id']}").json()["created_at"] for c in listing]
    assert created == sorted(created, reverse=True)
    assert all(
        set(c)
        == {
            "id",
            "name",
            "multi_stable_resolution",
            "latest_stable_version",
            "version_count",
            "store_event_payloads",
        }
        for c in listing
    )
    with Client(base_url=lgw.base_url, api_key=lgw.api_key) as cg:
        assert [c.name for c in cg.list_contracts()] == ["ladder", "sunset"]
        assert [v.version for v in cg.list_versions(lgw.contract_id("ladder"))] == [
            "3.0.0",
            "2.0.0",
            "1.7.0",
            "1.5.0",
            "1.0.0",
        ]
