"""Envelope contracts (§3.1.7, validation §7.2), egress (§3.3) and quarantine replay
(§3.7, §6.1-§6.4, §10.3) over a real local gateway, through the SDK client where it
offers the call and raw httpx otherwise: what the spec states and no earlier test pins.

One gateway for the module, on a contracts folder of its own; every test runs in an
isolated (empty) database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List

import httpx
import pytest
from cg_gateway_testlib import make_client

from contractgate import Client
from contractgate.gateway import LocalGateway

NIL = "00000000-0000-0000-0000-000000000000"

FILES = {
    # an envelope contract with a batch uniqueness rule and two required fields
    "env.yaml": """\
version: "1.0.0"
name: env
envelope:
  records_path: items
  validate_wrapper: true
quality:
  - field: id
    type: uniqueness
ontology:
  entities:
    - name: id
      type: string
      pattern: "^[a-z]+$"
    - name: n
      type: integer
""",
    # two stables under fallback: 2.0.0 (latest) allows kind "a", 1.0.0 "a" and "b";
    # the latest also has a uniqueness rule
    "fb/1.0.0.yaml": """\
version: "1.0.0"
name: fb
ontology:
  entities:
    - name: id
      type: string
    - name: kind
      type: string
      enum: [a, b]
""",
    "fb/2.0.0.yaml": """\
version: "2.0.0"
name: fb
quality:
  - field: id
    type: uniqueness
ontology:
  entities:
    - name: id
      type: string
    - name: kind
      type: string
      enum: [a]
""",
    # 1.0.0 is deprecated and redacts the email; 2.0.0 (stable) wants a real address
    "dep/1.0.0.yaml": """\
version: "1.0.0"
name: dep
ontology:
  entities:
    - name: id
      type: string
    - name: email
      type: string
      required: false
      transform: {kind: redact}
""",
    "dep/2.0.0.yaml": """\
version: "2.0.0"
name: dep
ontology:
  entities:
    - name: id
      type: string
    - name: email
      type: string
      required: false
      pattern: "^[^@]+@[^@]+$"
""",
}
MANIFEST = """\
contracts:
  fb:
    multi_stable_resolution: fallback
  dep:
    versions: {"1.0.0": deprecated, "2.0.0": stable}
"""


@pytest.fixture(scope="module")
def hgw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalGateway]:
    folder: Path = tmp_path_factory.mktemp("envelope_egress_hunt") / "contracts"
    for rel, text in FILES.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    (folder / "_gateway.yaml").write_text(MANIFEST, encoding="utf-8")
    with LocalGateway(contracts_dir=folder) as g:
        assert not g.problems
        yield g


@pytest.fixture
def iso(hgw: LocalGateway) -> Iterator[LocalGateway]:
    with hgw.isolated():
        yield hgw


@pytest.fixture
def cg(iso: LocalGateway) -> Iterator[Client]:
    with Client(base_url=iso.base_url, api_key=iso.api_key) as c:
        yield c


@pytest.fixture
def raw(iso: LocalGateway) -> Iterator[httpx.Client]:
    with make_client(iso) as c:
        yield c


def _used(raw: httpx.Client) -> int:
    used: int = raw.get("/usage").json()["used"]
    return used


def _quarantined_ids(g: LocalGateway, cid: str) -> List[str]:
    return [q["id"] for q in g.quarantine_rows(cid) if q["source_id"] is None]


# ---------------------------------------------------------------------------- envelopes


def test_envelope_violations_carry_their_record_index_and_uniqueness_never_runs(
    iso: LocalGateway, cg: Client
) -> None:
    """Validation §7.2 step 5: each violation of record i is copied with
    ``record_index = i`` (a record with two violations gives two entries); the envelope
    path performs no uniqueness check, so duplicate ids all pass."""
    cid = iso.contract_id("env")
    items: List[Any] = [{"id": "a", "n": 1}, {"id": "a", "n": 2}, {"id": "B", "n": "x"}, {}]
    r = cg.ingest_envelope(cid, {"success": True, "items": items})
    assert (r.passed, r.quarantined) == (2, 2)
    assert [(v.record_index, v.field, str(v.kind)) for v in r.violations] == [
        (2, "id", "pattern_mismatch"),
        (2, "n", "type_mismatch"),
        (3, "id", "missing_required_field"),
        (3, "n", "missing_required_field"),
    ]
    assert r.raw["violations"][0] == {
        "record_index": 2,
        "field": "id",
        "message": "Field 'id' value \"B\" does not match required pattern",
        "kind": "pattern_mismatch",
    }
    # stored per record: the duplicates were forwarded, the failures quarantined
    assert iso.count_rows("forwarded", contract_id=cid) == 2
    assert [q["raw_event"] for q in iso.quarantine_rows(cid)] == [{"id": "B", "n": "x"}, {}]


def test_envelope_answers_200_whatever_the_outcome_also_atomic(
    iso: LocalGateway, raw: httpx.Client
) -> None:
    """§3.1.7: always 200 with the envelope shape; ``atomic`` does not turn a failing
    record into a 422 batch answer (the envelope branch comes before step 12)."""
    cid = iso.contract_id("env")
    body = {"success": True, "items": [{"id": "Bad", "n": 1}]}
    for query in ("", "?atomic=true", "?atomic=true&dry_run=true"):
        r = raw.post(f"/ingest/{cid}{query}", json=body)
        assert r.status_code == 200, query
        assert list(r.json()) == ["passed", "quarantined", "validation_us", "violations"]
        assert (r.json()["passed"], r.json()["quarantined"]) == (0, 1)


def test_envelope_dry_run_writes_and_meters_nothing(iso: LocalGateway, cg: Client) -> None:
    cid = iso.contract_id("env")
    for env in (
        {"success": True, "items": [{"id": "a", "n": 1}, {"id": "B", "n": 1}]},
        {"items": [{"id": "a", "n": 1}]},  # wrapper failure
        {"success": True},  # records missing
    ):
        r = cg.ingest_envelope(cid, env, dry_run=True)
        assert r.quarantined >= 1
    assert iso.count_rows("audit") == iso.count_rows("quarantine") == 0
    assert iso.count_rows("forwarded") == 0 and iso.count_rows("usage") == 0


@pytest.mark.parametrize(
    ("envelope", "violations"),
    [
        (
            {"success": True},
            [("items", "missing_required_field", "Envelope key 'items' is missing")],
        ),
        (
            {"success": True, "items": {"id": "a"}},
            [("items", "type_mismatch", "Envelope key 'items' must be an array, got object")],
        ),
        (
            {"items": None},  # wrapper violations come first, then the records path
            [
                ("success", "missing_required_field", "Wrapper field 'success' is missing"),
                ("items", "type_mismatch", "Envelope key 'items' must be an array, got null"),
            ],
        ),
    ],
)
def test_envelope_records_path_missing_or_not_an_array_quarantines_one(
    iso: LocalGateway, cg: Client, envelope: Dict[str, Any], violations: List[Any]
) -> None:
    """Validation §7.2 step 3: ``passed 0, quarantined 1``, every violation at
    ``record_index`` 0."""
    cid = iso.contract_id("env")
    r = cg.ingest_envelope(cid, envelope)
    assert (r.passed, r.quarantined) == (0, 1)
    assert [(v.record_index, v.field, str(v.kind), v.message) for v in r.violations] == [
        (0, *v) for v in violations
    ]


def test_envelope_with_an_empty_records_array(iso: LocalGateway, cg: Client) -> None:
    """Validation §7.2 step 5: an empty array gives ``0, 0, []``; a failing wrapper
    around it still counts one quarantined (step 4: ``max(len(records), 1)``)."""
    cid = iso.contract_id("env")
    r = cg.ingest_envelope(cid, {"success": True, "items": []})
    assert (r.passed, r.quarantined, list(r.violations)) == (0, 0, [])
    assert iso.count_rows("audit") == 0
    r = cg.ingest_envelope(cid, {"success": 1, "items": []})
    assert (r.passed, r.quarantined) == (0, 1)
    assert [v.message for v in r.violations] == [
        "Wrapper field 'success' must be boolean, got integer"
    ]


def test_v1_and_egress_validate_the_wrapper_itself_as_one_event(
    iso: LocalGateway, raw: httpx.Client, cg: Client
) -> None:
    """§3.1.7: ``/v1/ingest`` and ``/egress`` do not implement envelopes: the wrapper
    object is one event (so it lacks the records' fields), and uniqueness runs on /v1."""
    cid = iso.contract_id("env")
    wrapper = {"success": True, "items": [{"id": "a", "n": 1}]}
    r = raw.post(f"/v1/ingest/{cid}", json=wrapper)
    assert r.status_code == 422
    (result,) = r.json()["results"]
    assert [(v["field"], v["kind"]) for v in result["violations"]] == [
        ("id", "missing_required_field"),
        ("n", "missing_required_field"),
    ]
    assert "record_index" not in json.dumps(r.json())
    assert [q["raw_event"] for q in iso.quarantine_rows(cid)] == [wrapper]
    # a wrapper that happens to carry the fields passes whole, duplicates fail on /v1
    ok = {"id": "w", "n": 1, "items": []}
    r = raw.post(f"/v1/ingest/{cid}", json=[ok, ok])
    assert r.status_code == 207
    assert [x["passed"] for x in r.json()["results"]] == [True, False]
    assert r.json()["results"][1]["violations"][0]["kind"] == "uniqueness_violation"
    # egress: the same wrapper is one failing record; an array's elements are records
    e = cg.egress(cid, wrapper)
    assert (e.total, e.failed, e.status_code) == (1, 1, 422)
    assert e.outcomes[0].action == "blocked" and e.payload == ()
    e = cg.egress(cid, [{"id": "a", "n": 1}, {"id": "a", "n": 1}], dry_run=True)
    assert (e.total, e.passed, e.status_code) == (2, 2, 200)  # no uniqueness on egress


# ---------------------------------------------------------------------------- egress


def test_egress_has_no_fallback_and_is_not_metered(
    iso: LocalGateway, raw: httpx.Client, cg: Client
) -> None:
    """§3.3: no fallback (a record only an older stable accepts fails), no uniqueness,
    no metering; §6.1: unpinned means the latest stable."""
    cid = iso.contract_id("fb")
    rec = {"id": "x", "kind": "b"}
    assert cg.ingest(cid, [rec]).results[0].contract_version == "1.0.0"  # ingest falls back
    used = _used(raw)
    e = cg.egress(cid, [rec, {"id": "x", "kind": "a"}, {"id": "x", "kind": "a"}])
    assert e.resolved_version == "2.0.0" and e.status_code == 207
    assert [(o.passed, o.action) for o in e.outcomes] == [
        (False, "blocked"),
        (True, "included"),
        (True, "included"),
    ]
    assert _used(raw) == used
    assert iso.count_rows("audit", direction="egress") == 3
    assert iso.count_rows("quarantine", direction="egress") == 1


def test_the_allow_list_binds_egress_but_not_replay(iso: LocalGateway, cg: Client) -> None:
    """§1.3: a key's contract allow-list is enforced on ``/egress`` (401) and not on
    replay."""
    cid = iso.contract_id("fb")
    cg.ingest(f"{cid}@2.0.0", [{"id": "x", "kind": "b"}])
    (qid,) = _quarantined_ids(iso, cid)
    key = iso.add_api_key(allowed_contract_ids=["env"])
    with make_client(iso, key) as other:
        r = other.post(f"/egress/{cid}", json={"id": "x", "kind": "a"})
        assert r.status_code == 401
        assert r.json() == {"error": "Unauthorized: missing or invalid API key", "status": 401}
        r = other.post(f"/contracts/{cid}/quarantine/replay", json={"ids": [qid]})
        assert r.status_code == 200 and r.json()["replayed"] == 1


# ---------------------------------------------------------------------------- replay


def test_replay_runs_no_uniqueness_and_an_explicit_target_never_falls_back(
    iso: LocalGateway, cg: Client
) -> None:
    """§7.1: uniqueness does not run on replay, so an event quarantined only for a
    duplicate passes alone; §3.7 / §6.2: an explicit target is tried alone, the default
    target falls back (and names the version that matched)."""
    cid = iso.contract_id("fb")
    dup = {"id": "d", "kind": "a"}
    r = cg.ingest(cid, [dup, dup])
    assert r.results[1].violations[0].kind == "uniqueness_violation"
    (dup_q,) = _quarantined_ids(iso, cid)
    out = cg.replay(cid, [dup_q])
    assert out.results[0].outcome == "replayed"
    assert out.results[0].contract_version_matched == "2.0.0"
    cg.ingest(f"{cid}@2.0.0", [{"id": "o", "kind": "b"}])  # pinned: no fallback on ingest
    (old_q,) = [q for q in _quarantined_ids(iso, cid) if q != dup_q]
    out = cg.replay(cid, [old_q], target_version="2.0.0")
    assert (out.target_version_source, out.still_quarantined) == ("explicit", 1)
    assert out.results[0].contract_version_attempted == "2.0.0"
    out = cg.replay(cid, [old_q])
    assert (out.target_version_source, out.replayed) == ("default_stable", 1)
    assert out.results[0].contract_version_matched == "1.0.0"
    (fwd,) = [
        f for f in iso.forwarded_rows(cid) if f["source"] == "replay" and f["payload"]["id"] == "o"
    ]
    assert fwd["contract_version"] == "1.0.0"


def test_replaying_twice_accumulates_children_then_a_pass_is_terminal(
    iso: LocalGateway, raw: httpx.Client, cg: Client
) -> None:
    """§10.3: each failing replay adds a pending child row (never listed by
    ``/quarantine``, shown by both histories) and leaves the source pending; a pass
    stamps the source ``replayed`` with an audit row invisible to ``/audit`` and
    ``/usage``; a later replay is ``already_replayed`` and writes nothing."""
    cid = iso.contract_id("fb")
    cg.ingest(f"{cid}@2.0.0", [{"id": "t", "kind": "b"}])
    (qid,) = _quarantined_ids(iso, cid)
    used = _used(raw)
    for _ in range(2):
        res = cg.replay(cid, [qid], target_version="2.0.0").results[0]
        assert res.outcome == "still_quarantined" and res.new_quarantine_id == NIL
    children = [q for q in iso.quarantine_rows(cid) if q["source_id"] == qid]
    assert [(c["status"], c["contract_version"]) for c in children] == [("pending", "2.0.0")] * 2
    (listed,) = raw.get(f"/quarantine?contract_id={cid}").json()
    assert listed["id"] == qid and listed["replay_count"] == 2
    assert listed["last_replay_passed"] is False
    history = cg.replay_history(cid, qid)
    assert [(h.kind, h.status) for h in history] == [
        ("source", "pending"),
        ("failed_replay", None),
        ("failed_replay", None),
    ]
    assert [h.id for h in history[1:]] == [c["id"] for c in children]
    res = cg.replay(cid, [qid], target_version="1.0.0").results[0]
    assert res.outcome == "replayed"
    audit_id = res.replayed_into_audit_id
    assert audit_id not in {a["id"] for a in raw.get("/audit").json()}
    assert _used(raw) == used
    rows = (iso.count_rows("audit"), iso.count_rows("quarantine"), iso.count_rows("forwarded"))
    again = cg.replay(cid, [qid])
    assert (again.already_replayed, again.results[0].outcome) == (1, "already_replayed")
    assert (
        iso.count_rows("audit"),
        iso.count_rows("quarantine"),
        iso.count_rows("forwarded"),
    ) == rows
    history = cg.replay_history(cid, qid)
    assert [h.kind for h in history] == [
        "source",
        "failed_replay",
        "failed_replay",
        "passed_replay",
    ]
    assert history[0].status == "replayed" and history[0].replayed_into_audit_id == audit_id
    assert history[-1].id == audit_id and history[-1].contract_version == "1.0.0"
    top = cg.event_replay_history(qid)
    assert [(o.version, o.passed) for o in top] == [
        ("2.0.0", False),
        ("2.0.0", False),
        ("1.0.0", True),
    ]
    assert all(not o.violations for o in top)


def test_replaying_rows_of_a_deprecated_pin(
    iso: LocalGateway, raw: httpx.Client, cg: Client
) -> None:
    """§3.1.6 rows hold the event transformed by the deprecated version; §6.4: replay
    validates that stored value without transforming again (a redacted field can never
    pass a later pattern); §6.1: the default target is the latest stable, and the
    deprecated version itself is a valid explicit target, validated normally."""
    cid = iso.contract_id("dep")
    r = raw.post(f"/ingest/{cid}@1.0.0", json=[{"id": "a", "email": "a@b.c"}, {"id": "b"}])
    assert r.status_code == 422 and r.json()["batch"]["version_pin_source"] == "pinned_deprecated"
    redacted_q, plain_q = _quarantined_ids(iso, cid)
    assert iso.quarantine_rows(cid)[0]["raw_event"] == {"id": "a", "email": "<REDACTED>"}
    out = cg.replay(cid, [redacted_q, plain_q])
    assert (out.target_version, out.target_version_source) == ("2.0.0", "default_stable")
    still, ok = out.results
    assert still.outcome == "still_quarantined" and still.contract_version_attempted == "2.0.0"
    assert [v.kind for v in still.violations] == ["pattern_mismatch"]
    assert ok.outcome == "replayed" and ok.contract_version_matched == "2.0.0"
    (fwd,) = [f for f in iso.forwarded_rows(cid) if f["source"] == "replay"]
    assert fwd["payload"] == {"id": "b"}
    out = cg.replay(cid, [redacted_q], target_version="1.0.0")
    assert (out.target_version, out.target_is_draft, out.replayed) == ("1.0.0", False, 1)
    assert out.results[0].contract_version_matched == "1.0.0"
    forwarded = [f["payload"] for f in iso.forwarded_rows(cid) if f["source"] == "replay"]
    assert forwarded == [{"id": "b"}, {"id": "a", "email": "<REDACTED>"}]
