"""A file database survives restarts; concurrent clients never lose or duplicate rows;
a batch that fails mid-write leaves nothing behind."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any, List

import httpx
import pytest
from cg_gateway_testlib import BAD, GOOD, make_client

from contractgate.gateway import LocalGateway
from contractgate.gateway._storage import Storage, Tx


def test_an_expired_idempotency_record_is_not_replayed(
    contracts_dir: Path, tmp_path: Path
) -> None:
    """Records are kept 24 h (§5.2): one whose time is up is a new request."""
    db = tmp_path / "gw.sqlite3"
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    with LocalGateway(contracts_dir=contracts_dir, db=db) as gw, make_client(gw) as c:
        uid = gw.contract_id("user_events")
        c.post(f"/v1/ingest/{uid}", json=[GOOD], headers=headers)
        kept = c.post(f"/v1/ingest/{uid}", json=[GOOD], headers=headers)
        assert kept.headers["x-idempotency-replay"] == "true"
        with sqlite3.connect(db) as conn:
            (expires,) = conn.execute("SELECT expires_at FROM idempotency").fetchone()
            assert 24 * 3600 - 60 < expires - time.time() <= 24 * 3600
            conn.execute("UPDATE idempotency SET expires_at = ?", (time.time() - 1,))
        late = c.post(f"/v1/ingest/{uid}", json=[GOOD], headers=headers)
        assert "x-idempotency-replay" not in late.headers
        assert gw.count_rows("audit") == 2


def test_file_database_survives_a_restart(contracts_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "gw.sqlite3"
    key = str(uuid.uuid4())
    body = json.dumps([GOOD, BAD]).encode()
    with LocalGateway(contracts_dir=contracts_dir, db=db) as g1, make_client(g1) as c:
        uid = g1.contract_id("user_events")
        first = c.post(f"/v1/ingest/{uid}", content=body, headers={"Idempotency-Key": key})
        assert first.status_code == 207
        dev_key = g1.api_key
        audit_before = c.get("/audit").json()
        quarantine_before = c.get("/quarantine").json()
    with LocalGateway(contracts_dir=contracts_dir, db=db) as g2, make_client(g2) as c:
        assert g2.api_key == dev_key  # the generated dev key is remembered in the db
        assert c.get("/audit").json() == audit_before
        assert c.get("/quarantine").json() == quarantine_before
        assert c.get("/usage").json()["used"] == 2
        again = c.post(f"/v1/ingest/{uid}", content=body, headers={"Idempotency-Key": key})
        assert again.headers["x-idempotency-replay"] == "true"
        assert again.content == first.content
        qid = quarantine_before[0]["id"]
        r = c.post(f"/contracts/{uid}/quarantine/replay", json={"ids": [qid]})
        assert r.json()["still_quarantined"] == 1
        assert g2.count_rows("audit") == 2
    # rows can still be inspected once a file-backed gateway is stopped
    assert g2.count_rows("quarantine") == 2


def test_transforms_are_stable_across_restarts(contracts_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "gw.sqlite3"
    ev = {"id": "a", "ssn": "123-45-6789", "phone": "555-0101"}
    outs = []
    for _ in range(2):
        with LocalGateway(contracts_dir=contracts_dir, db=db) as g, make_client(g) as c:
            r = c.post(f"/ingest/{g.contract_id('pii')}?dry_run=true", json=ev)
            outs.append(r.json()["results"][0]["transformed_event"])
    assert outs[0] == outs[1]


def test_concurrent_clients_exact_counts(fresh_gw: LocalGateway) -> None:
    uid = fresh_gw.contract_id("user_events")
    threads, per_thread, batch = 8, 20, [GOOD, GOOD, BAD, GOOD, BAD]
    errors: List[Any] = []

    def hammer(n: int) -> None:
        try:
            with make_client(fresh_gw) as c:
                for i in range(per_thread):
                    path = f"/v1/ingest/{uid}" if (n + i) % 2 else f"/ingest/{uid}"
                    r = c.post(path, json=batch)
                    if r.status_code != 207:
                        errors.append((r.status_code, r.text))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    workers = [threading.Thread(target=hammer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    requests = threads * per_thread
    assert fresh_gw.count_rows("audit") == requests * 5
    assert fresh_gw.count_rows("quarantine") == requests * 2
    assert fresh_gw.count_rows("forwarded") == requests * 3
    ids = [row["id"] for row in fresh_gw.audit_rows()]
    assert len(set(ids)) == len(ids)
    with make_client(fresh_gw) as c:
        assert c.get("/usage").json()["used"] == requests * 5
        assert c.get("/stats").json()["total_events"] == requests * 5


def test_a_batch_is_all_or_nothing(
    fresh_gw: LocalGateway, fresh_client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    uid = fresh_gw.contract_id("user_events")
    real = Tx.insert_forward
    calls = {"n": 0}

    def crash_on_second(self: Tx, **kw: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        real(self, **kw)

    monkeypatch.setattr(Tx, "insert_forward", crash_on_second)
    r = fresh_client.post(
        f"/v1/ingest/{uid}", json=[GOOD, BAD, GOOD, GOOD], headers={"Idempotency-Key": "crash"}
    )
    assert r.status_code == 500
    assert r.json() == {"error": "Internal server error", "status": 500}
    for table in ("audit", "quarantine", "forwarded", "idempotency", "usage"):
        assert fresh_gw.count_rows(table) == 0, table
    monkeypatch.setattr(Tx, "insert_forward", real)
    r = fresh_client.post(
        f"/v1/ingest/{uid}", json=[GOOD, BAD, GOOD, GOOD], headers={"Idempotency-Key": "crash"}
    )
    assert r.status_code == 207 and "x-idempotency-replay" not in r.headers
    assert fresh_gw.count_rows("audit") == 4


def test_reset_forgets_data(fresh_gw: LocalGateway, fresh_client: httpx.Client) -> None:
    uid = fresh_gw.contract_id("user_events")
    fresh_client.post(f"/v1/ingest/{uid}", json=[GOOD, BAD], headers={"Idempotency-Key": "r"})
    fresh_gw.faults.fail_next(5)
    key = fresh_gw.api_key
    fresh_gw.reset()
    assert fresh_gw.faults.pending() == []
    for table in ("audit", "quarantine", "forwarded", "idempotency", "usage"):
        assert fresh_gw.count_rows(table) == 0, table
    r = fresh_client.post(f"/v1/ingest/{uid}", json=[GOOD, BAD], headers={"Idempotency-Key": "r"})
    assert "x-idempotency-replay" not in r.headers and fresh_gw.api_key == key


def test_storage_transaction_rolls_back(tmp_path: Path) -> None:
    s = Storage(str(tmp_path / "s.sqlite3"))
    with pytest.raises(ZeroDivisionError), s.transaction() as tx:
        tx.add_usage("org", "2026-01", 5)
        1 / 0  # noqa: B018
    assert s.count_rows("usage") == 0
    with s.transaction() as tx:
        tx.add_usage("org", "2026-01", 5)
        tx.add_usage("org", "2026-01", 2)
    assert s.usage_used("org", "2026-01") == 7
    with pytest.raises(ValueError):
        s.count_rows("sqlite_master")
    with pytest.raises(ValueError):
        s.count_rows("audit", nope=1)
    s.close()
