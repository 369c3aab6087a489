"""Fresh state between tests: ``LocalGateway.isolated()`` (same server, a fresh database
for a block) and ``POST /_admin/reset`` (for tests driven from another process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from cg_gateway_testlib import BAD, GOOD, make_client

from contractgate.gateway import LocalGateway


@pytest.fixture(scope="module")
def gw_no_admin(contracts_dir: Path) -> Iterator[LocalGateway]:
    with LocalGateway(contracts_dir=contracts_dir) as g:
        yield g


def test_isolated_swaps_in_a_fresh_state_and_restores_the_shared_one(
    fresh_gw: LocalGateway, fresh_client: httpx.Client
) -> None:
    uid = fresh_gw.contract_id("user_events")
    assert fresh_client.post(f"/ingest/{uid}", json=[GOOD, BAD]).status_code == 207
    port, key = fresh_gw.port, fresh_gw.api_key
    with fresh_gw.isolated() as gw:
        assert gw is fresh_gw and (gw.port, gw.api_key) == (port, key)
        assert gw.count_rows("audit") == 0 and fresh_client.get("/audit").json() == []
        assert fresh_client.get("/usage").json()["used"] == 0
        assert fresh_client.post(f"/ingest/{uid}", json=[BAD]).status_code == 422
        assert gw.count_rows("quarantine") == 1
        extra = gw.add_api_key()
        gw.faults.fail_next(5, status=503)
        assert fresh_client.get("/health").status_code == 503
    # the shared rows are back; the block's key and faults are gone
    assert fresh_gw.count_rows("audit") == 2 and fresh_gw.count_rows("quarantine") == 1
    assert fresh_client.get("/usage").json()["used"] == 2
    assert fresh_gw.faults.pending() == []
    with make_client(fresh_gw, key=extra) as other:
        assert other.get("/contracts").status_code == 401


def test_a_request_still_running_when_the_block_ends_finishes_on_its_database(
    fresh_gw: LocalGateway, fresh_client: httpx.Client
) -> None:
    """As the docs say; the block's database was closed under it (a 500, "Cannot
    operate on a closed database"). The request is held just before it writes, by a
    hook on the block's storage: the timing cannot be had otherwise."""
    import threading
    from contextlib import contextmanager

    uid = fresh_gw.contract_id("user_events")
    before = fresh_gw.count_rows("audit")
    writing, go = threading.Event(), threading.Event()
    answers: list = []
    with fresh_gw.isolated():
        storage = fresh_gw._storage
        assert storage is not None
        original = storage.transaction

        @contextmanager
        def held() -> Iterator[object]:
            writing.set()
            go.wait(10)
            with original() as tx:
                yield tx

        storage.transaction = held  # type: ignore[method-assign]
        worker = threading.Thread(
            target=lambda: answers.append(fresh_client.post(f"/v1/ingest/{uid}", json=[GOOD]))
        )
        worker.start()
        assert writing.wait(10)
    go.set()
    worker.join(10)
    assert [a.status_code for a in answers] == [200]
    assert fresh_gw.count_rows("audit") == before  # written to the block's database


def test_isolated_blocks_start_and_end_with_no_faults_and_full_buckets(
    fresh_gw: LocalGateway,
) -> None:
    """A fault armed before the block does not fire inside it, and a rate-limit bucket
    emptied before (or inside) is full again inside (and after)."""
    key = fresh_gw.add_api_key(rate_limit_rps=0.01, rate_limit_burst=3)  # one dry run each
    uid = fresh_gw.contract_id("user_events")
    url = f"/v1/ingest/{uid}?dry_run=true"
    with make_client(fresh_gw, key) as c:
        assert c.post(url, json=GOOD).status_code == 200
        assert c.post(url, json=GOOD).status_code == 429  # the bucket is empty
        fresh_gw.faults.fail_next(1, status=503, path_prefix="/health")
        with fresh_gw.isolated():
            assert c.get("/health").status_code == 200
            assert c.post(url, json=GOOD).status_code == 200
            assert c.post(url, json=GOOD).status_code == 429
        assert c.post(url, json=GOOD).status_code == 200
        assert c.post(url, json=GOOD).status_code == 429
        fresh_gw.reset()
        assert c.post(url, json=GOOD).status_code == 200


def test_a_key_added_inside_an_isolated_block_is_gone_after_a_restart(
    contracts_dir: Path,
) -> None:
    gw = LocalGateway(contracts_dir=contracts_dir)
    gw.start()
    try:
        with gw.isolated():
            extra = gw.add_api_key()
    finally:
        gw.stop()
    gw.start()
    try:
        with make_client(gw, key=extra) as other:
            assert other.get("/contracts").status_code == 401
        with make_client(gw) as own:
            assert own.get("/contracts").status_code == 200
    finally:
        gw.stop()


def test_isolated_blocks_do_not_see_each_other(fresh_gw: LocalGateway) -> None:
    uid = fresh_gw.contract_id("user_events")
    for _ in range(2):
        with fresh_gw.isolated(), make_client(fresh_gw) as c:
            assert c.get("/audit").json() == []
            c.post(f"/v1/ingest/{uid}", json=[GOOD], headers={"Idempotency-Key": "same-key"})
            assert fresh_gw.count_rows("idempotency") == 1  # not a replay of the last block


def test_admin_reset_forgets_all_data(contracts_dir: Path) -> None:
    with LocalGateway(contracts_dir=contracts_dir, admin=True) as gw, make_client(gw) as c:
        uid = gw.contract_id("user_events")
        c.post(f"/ingest/{uid}", json=[GOOD, BAD])
        gw.faults.delay_next(3, seconds=0.01)
        code = (
            "import sys, httpx\n"
            "r = httpx.post(sys.argv[1] + '/_admin/reset')\n"
            "print(r.status_code, r.text)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, gw.base_url],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert out.startswith("200 ")
        assert '"deleted":{"audit_log":2,"quarantine":1,"forwarded_events":1' in out
        assert gw.count_rows("audit") == 0 and gw.faults.pending() == []
        assert c.get("/usage").json()["used"] == 0
        assert c.get("/contracts").status_code == 200  # keys and contracts stay


def test_admin_reset_exists_only_with_admin(gw_no_admin: LocalGateway) -> None:
    r = httpx.post(f"{gw_no_admin.base_url}/_admin/reset")
    assert r.status_code == 404


def test_admin_reset_is_post_only(contracts_dir: Path) -> None:
    with LocalGateway(contracts_dir=contracts_dir, admin=True) as gw:
        r = httpx.get(f"{gw.base_url}/_admin/reset")
        assert r.status_code == 405 and r.headers["allow"] == "POST"
