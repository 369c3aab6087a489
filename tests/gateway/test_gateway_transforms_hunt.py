"""PII transforms and egress leakage over the real local gateway: long values under
``format_preserving``, envelope rows, and the §1.6 / §6.4 / §7.4 edges (top-level string
entities only, key order, non-string values, compliance mode with ``egress_leakage_mode``)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any, Dict, Iterator

import httpx
import pytest
from cg_gateway_testlib import make_client

from contractgate.gateway import LocalGateway
from contractgate.gateway._transforms import format_preserving

ENV_PII = """\
version: "1.0.0"
name: env_pii
envelope:
  records_path: data
  validate_wrapper: true
ontology:
  entities:
    - name: id
      type: string
    - name: email
      type: string
      required: false
      transform: {kind: mask}
    - name: secret
      type: string
      required: false
      transform: {kind: drop}
"""

EDGES = """\
version: "1.0.0"
name: edges
compliance_mode: true
egress_leakage_mode: fail
null_as_absent: true
ontology:
  entities:
    - name: id
      type: string
    - name: a.b
      type: string
      required: false
      transform: {kind: redact}
    - name: phone
      type: string
      required: false
      transform: {kind: mask, style: format_preserving}
    - name: tag
      type: string
      required: false
      transform: {kind: hash, style: format_preserving}
    - name: obj
      type: object
      required: false
      properties:
        - name: email
          type: string
          transform: {kind: mask}
"""


@pytest.fixture(scope="module")
def own_gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalGateway]:
    folder: Path = tmp_path_factory.mktemp("hunt") / "contracts"
    folder.mkdir()
    (folder / "env_pii.yaml").write_text(ENV_PII, encoding="utf-8")
    (folder / "edges.yaml").write_text(EDGES, encoding="utf-8")
    with LocalGateway(contracts_dir=folder) as g:
        assert not g.problems
        yield g


def _reference_format_preserving(value: str, salt: bytes, field: str) -> str:
    """The keyed per-position scramble as first shipped: block i of the keystream is
    HMAC-SHA256(salt, field 0x00 value i_be32); digits/lower/upper shift in class."""
    ks = bytearray()
    seed = field.encode("utf-8") + b"\x00" + value.encode("utf-8")
    i = 0
    while len(ks) < len(value):
        ks += hmac.new(salt, seed + i.to_bytes(4, "big"), hashlib.sha256).digest()
        i += 1
    out = []
    for ch, k in zip(value, ks):
        for alphabet in ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
            if ch in alphabet:
                ch = alphabet[(alphabet.index(ch) + k) % len(alphabet)]
                break
        out.append(ch)
    return "".join(out)


@pytest.mark.parametrize(
    "value",
    ["", "7", "Ab9-x", "a" * 31, "b" * 32, "C" * 33, "+1 (555) 010-9999", "Ünïcødé 😀 42" * 20],
)
def test_format_preserving_output_is_unchanged(value: str) -> None:
    """Stored masks must stay stable across versions (the salt persists in --db files)."""
    for salt in (b"", b"salt", bytes(range(32))):
        assert format_preserving(value, salt, "phone") == _reference_format_preserving(
            value, salt, "phone"
        )


def test_format_preserving_mask_of_a_long_value_is_fast(gw: LocalGateway) -> None:
    """A ~1 MB value under ``mask/format_preserving`` (within the 1 MiB body cap) took
    ~27 s: the whole value was re-hashed for every 32 bytes of keystream."""
    value = "a1B" * 333_000
    with make_client(gw, timeout=10.0) as c:
        r = c.post(
            f"/ingest/{gw.contract_id('pii')}?dry_run=true", json={"id": "x", "phone": value}
        )
    assert r.status_code == 200
    masked = r.json()["results"][0]["transformed_event"]["phone"]
    assert len(masked) == len(value) and masked != value
    assert all(
        m.isdigit() if v.isdigit() else (m.islower() if v.islower() else m.isupper())
        for v, m in zip(value, masked)
    )


def _env_rows(gw: LocalGateway, cid: str) -> Dict[str, Any]:
    audit = [r["raw_event"] for r in gw.audit_rows(cid)]
    quarantine = [r["raw_event"] for r in gw.quarantine_rows(cid)]
    return {"audit": audit, "quarantine": quarantine}


def test_envelope_wrapper_failure_stores_transformed_records(own_gw: LocalGateway) -> None:
    """A wrapper that fails (``success`` missing) was stored as sent: the masked email
    and the dropped secret of its records landed in audit and quarantine in clear."""
    cid = own_gw.contract_id("env_pii")
    rec = {"id": "a", "email": "a@b.c", "secret": "s3cr3t"}
    with own_gw.isolated(), make_client(own_gw) as c:
        body = {"data": [rec, "not an object"], "page": 1}
        r = c.post(f"/ingest/{cid}", json=body)
        assert r.status_code == 200 and r.json()["quarantined"] == 2
        stored = {"data": [{"id": "a", "email": "****"}, "not an object"], "page": 1}
        rows = _env_rows(own_gw, cid)
        assert rows == {"audit": [stored], "quarantine": [stored]}
        assert list(rows["audit"][0]) == ["data", "page"]  # the wrapper's key order is kept
    with own_gw.isolated(), make_client(own_gw) as c:
        # records missing or not an array: nothing identifies a record, the wrapper is kept
        for body in ({"page": 1, "email": "a@b.c"}, {"data": {"email": "a@b.c"}}):
            assert c.post(f"/ingest/{cid}", json=body).status_code == 200
        rows = _env_rows(own_gw, cid)
        assert rows["quarantine"] == [{"page": 1, "email": "a@b.c"}, {"data": {"email": "a@b.c"}}]
    with own_gw.isolated(), make_client(own_gw) as c:
        r = c.post(f"/ingest/{cid}", json={"success": True, "data": [rec]})
        assert r.json() == {**r.json(), "passed": 1, "quarantined": 0}
        assert _env_rows(own_gw, cid) == {"audit": [{"id": "a", "email": "****"}], "quarantine": []}


def test_transforms_touch_top_level_strings_only(own_gw: LocalGateway) -> None:
    """§1.6 / §6.4: nested properties and arrays are never transformed; non-string (and
    null) values under a transform are left alone; the key order is the event's;
    ``style`` is ignored for ``hash``; a dotted entity name is a literal top-level key;
    non-ASCII characters survive ``format_preserving``."""
    cid = own_gw.contract_id("edges")
    events = [
        {
            "phone": "Ünï-12 ab",
            "id": "x",
            "a.b": "s",
            "tag": "t",
            "obj": {"email": "in@x"},
            "a": {"b": "c"},
        },
        {"id": "x", "phone": None, "tag": 5, "a.b": ["s"]},
    ]
    with make_client(own_gw) as c:
        results = c.post(f"/ingest/{cid}?dry_run=true", json=events).json()["results"]
    first, second = (r["transformed_event"] for r in results)
    assert list(first) == ["phone", "id", "a.b", "tag", "obj"]  # compliance drops "a"
    assert first["a.b"] == "<REDACTED>" and first["obj"] == {"email": "in@x"}
    assert first["tag"].startswith("hmac-sha256:") and len(first["tag"]) == 12 + 64
    phone = first["phone"]
    assert len(phone) == 9 and phone[0] == "Ü" and phone[2] == "ï" and phone[3] == "-"
    assert phone[4:6].isdigit() and phone[7:].islower()
    assert second == {"id": "x", "phone": None, "tag": 5, "a.b": ["s"]}


def test_egress_compliance_mode_has_no_leakage_violations(own_gw: LocalGateway) -> None:
    """§7.4: under compliance mode the transform step already removed undeclared keys,
    so ``fail`` adds no ``leakage_violation`` and no ``stripped_fields``; the
    ``undeclared_field`` violations remain, in sorted key order."""
    cid = own_gw.contract_id("edges")
    with make_client(own_gw) as c:
        body = c.post(
            f"/egress/{cid}?dry_run=true&disposition=tag",
            json=[{"z": 1, "id": "x", "B": None, "a.b": "s"}],
        ).json()
    assert body["egress_leakage_mode"] == "fail"
    assert body["payload"] == [{"id": "x", "a.b": "<REDACTED>"}]
    (outcome,) = body["outcomes"]
    assert "stripped_fields" not in outcome
    assert [(v["field"], v["kind"]) for v in outcome["violations"]] == [
        ("B", "undeclared_field"),
        ("z", "undeclared_field"),
    ]


def test_egress_strip_runs_after_transforms(gw: LocalGateway, client: httpx.Client) -> None:
    """§3.3: transforms first (``drop`` removes a declared key, which is not "stripped"),
    then undeclared keys are removed and listed in sorted order; non-objects pass."""
    pid = gw.contract_id("pii")
    body = client.post(
        f"/egress/{pid}?dry_run=true&disposition=tag",
        json=[{"secret": "s", "é": 1, "id": "a", "Z": 2, "email": "m"}, "scalar"],
    ).json()
    assert body["payload"] == [{"id": "a", "email": "****"}, "scalar"]
    assert list(body["payload"][0]) == ["id", "email"]
    assert body["outcomes"][0]["stripped_fields"] == ["Z", "é"]
    assert "stripped_fields" not in body["outcomes"][1]
