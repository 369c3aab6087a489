"""Shared helpers of the local gateway tests (a unique module name, so it never clashes
with other test folders' helpers)."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any, Dict

import httpx

from contractgate.gateway import LocalGateway

REPO = Path(__file__).resolve().parents[2]

EXTRA_CONTRACTS: Dict[str, str] = {
    # transforms of every kind; egress strips undeclared fields
    "pii.yaml": """
        version: "1.0.0"
        name: pii
        egress_leakage_mode: strip
        ontology:
          entities:
            - name: id
              type: string
            - name: email
              type: string
              required: false
              transform: {kind: mask}
            - name: phone
              type: string
              required: false
              transform: {kind: mask, style: format_preserving}
            - name: ssn
              type: string
              required: false
              transform: {kind: hash}
            - name: note
              type: string
              required: false
              transform: {kind: redact}
            - name: secret
              type: string
              required: false
              transform: {kind: drop}
            - name: n
              type: integer
              required: false
    """,
    # egress leakage "fail" and compliance mode
    "leaky.yaml": """
        version: "1.0.0"
        name: leaky
        egress_leakage_mode: fail
        ontology:
          entities:
            - name: id
              type: string
    """,
    "strict_keys.yaml": """
        version: "1.0.0"
        name: strict_keys
        compliance_mode: true
        ontology:
          entities:
            - name: id
              type: string
    """,
    # RFC-038 envelope
    "wrapped.yaml": """
        version: "1.0.0"
        name: wrapped
        envelope:
          records_path: data
          validate_wrapper: true
        ontology:
          entities:
            - name: id
              type: string
              pattern: "^[a-z]+$"
    """,
    # states from the manifest: 0.9.0 deprecated, 1.0.0 stable, 2.0.0 draft
    "lifecycle/0.9.0.yaml": """
        version: "0.9.0"
        name: lifecycle
        ontology:
          entities:
            - name: id
              type: string
            - name: email
              type: string
              required: false
              transform: {kind: redact}
    """,
    "lifecycle/1.0.0.yaml": """
        version: "1.0.0"
        name: lifecycle
        ontology:
          entities:
            - name: id
              type: string
            - name: level
              type: integer
    """,
    "lifecycle/2.0.0.yaml": """
        version: "2.0.0"
        name: lifecycle
        ontology:
          entities:
            - name: id
              type: string
    """,
    # only a draft: unpinned requests get 409
    "drafty.yaml": """
        version: "0.1.0"
        name: drafty
        ontology:
          entities:
            - name: id
              type: string
    """,
    # parses but does not compile (bad regex): ingest answers 422
    "broken.yaml": """
        version: "1.0.0"
        name: broken
        ontology:
          entities:
            - name: id
              type: string
              pattern: "([a-z"
    """,
    # does not parse at all: reported at start-up, skipped
    "not_a_contract.yaml": """
        name: [unterminated
    """,
    # skipped by name
    "_ignored.yaml": "this: is not loaded\n",
}

MANIFEST = """
contracts:
  user_events:
    multi_stable_resolution: fallback
    versions:
      "1.0.0": stable
      "1.1.0": stable
  lifecycle:
    versions:
      "0.9.0": deprecated
      "1.0.0": stable
      "2.0.0": draft
  drafty:
    versions:
      "0.1.0": draft
  wrapped:
    store_event_payloads: true
"""


def build_contracts(dest: Path) -> Path:
    shutil.copytree(REPO / "contracts", dest)
    for rel, text in EXTRA_CONTRACTS.items():
        p = dest / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    (dest / "_gateway.yaml").write_text(MANIFEST.lstrip(), encoding="utf-8")
    return dest


def make_client(g: LocalGateway, key: Any = None, **kw: Any) -> httpx.Client:
    headers = {"x-api-key": key or g.api_key}
    kw.setdefault("timeout", 10.0)
    return httpx.Client(base_url=g.base_url, headers=headers, **kw)


GOOD = {
    "user_id": "alice_01",
    "event_type": "purchase",
    "timestamp": 1724252400,
    "amount": 49.99,
    "email": "alice@example.com",
}
BAD = {"user_id": "bob_02", "event_type": "refund", "timestamp": 1724252401}
VIEW = {"user_id": "carol_03", "event_type": "view", "timestamp": 1724252402}  # 1.0.0 only
