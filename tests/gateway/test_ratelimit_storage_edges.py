"""Edges of the rate limiter (spec §4.2, §3.2 headers) and of the SQLite storage (§10,
docs/local-gateway.md "Storage"): clocks read out of order, vanishing rates, a database
file that is not the gateway's, a write that fills the disk, two processes creating one
database."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from cg_gateway_testlib import GOOD, make_client

from contractgate.cli import main
from contractgate.gateway import LocalGateway
from contractgate.gateway._ratelimit import MAX_RESET_UNIX, RateLimiter
from contractgate.gateway._storage import SCHEMA_VERSION, Storage, StorageSchemaError

# ---------------------------------------------------------------------------- rate limiter


def test_a_clock_reading_older_than_the_bucket_does_not_rewind_it() -> None:
    """Concurrent requests read the clock before taking the bucket's lock, so the one that
    got the lock second could hold the older reading, and refilling set the bucket's time
    back to it: the next request earned that span again (more tokens than ``rps`` allows).
    The clock is now read under the lock, and an older reading refills nothing and leaves
    the bucket's time alone."""
    readings = iter([0.0, 5.0, 4.0, 5.0])
    rl = RateLimiter(clock=lambda: next(readings), wall=lambda: 1000.0)
    assert rl.take("k", 1.0, 1.0).allowed  # t=0: the only token
    assert rl.take("k", 1.0, 1.0).allowed  # t=5: refilled to the burst of 1
    stale = rl.take("k", 1.0, 1.0)  # read at t=4, before the t=5 request took the lock
    assert not stale.allowed and stale.remaining == 0
    again = rl.take("k", 1.0, 1.0)  # t=5 again: no time has passed since the last refill
    assert not again.allowed
    assert again.retry_after_ms == 1000


@pytest.mark.parametrize("rps", [5e-324, 1e-300])
def test_a_vanishing_rps_gives_a_bounded_retry(rps: float) -> None:
    """``(1 - tokens) / rps`` is infinite (or a 300-digit number of seconds): the refusal
    was an OverflowError (a 500) or a Reset past any date type. Now both are capped at
    9999-12-31T23:59:59Z."""
    rl = RateLimiter(clock=lambda: 0.0, wall=lambda: 1_000.5)
    assert rl.take("k", rps, 1.0).allowed
    d = rl.take("k", rps, 1.0)
    assert not d.allowed
    assert d.reset_unix == MAX_RESET_UNIX == 253_402_300_799
    assert d.retry_after_ms == (MAX_RESET_UNIX - 1_000) * 1000 - 500


def test_a_tiny_but_ordinary_rps_keeps_its_exact_retry() -> None:
    rl = RateLimiter(clock=lambda: 0.0, wall=lambda: 1_000.0)
    rl.take("k", 1e-9, 1.0)
    d = rl.take("k", 1e-9, 1.0)
    assert d.retry_after_ms == 10**12 and d.reset_unix == 1_000 + 10**9


def test_a_vanishing_rps_is_a_429_over_http(fresh_gw: LocalGateway) -> None:
    """The middleware 429 (standard body, no headers) and the /v1 handler 429
    (``rate_limit_exceeded`` with ``X-RateLimit-*``) of a key refilling at 5e-324 rps were
    500 Internal server error."""
    uid = fresh_gw.contract_id("user_events")
    key = fresh_gw.add_api_key(rate_limit_rps=5e-324, rate_limit_burst=3)
    with make_client(fresh_gw, key) as c:
        assert c.post(f"/v1/ingest/{uid}", json=GOOD).status_code == 200  # 3 -> 1
        handler = c.post(f"/v1/ingest/{uid}", json=GOOD)  # middleware 1 -> 0, handler: none
        assert handler.status_code == 429, handler.text
        body = handler.json()
        assert body["error"] == "rate_limit_exceeded"
        assert body["retry_after_ms"] > 0
        assert body["detail"].endswith(f"Retry after {body['retry_after_ms']}ms.")
        assert handler.headers["x-ratelimit-limit"] == "5e-324"
        assert handler.headers["x-ratelimit-remaining"] == "0"
        reset = int(handler.headers["x-ratelimit-reset"])
        assert time.time() < reset <= MAX_RESET_UNIX
        middleware = c.get("/contracts")
        assert middleware.status_code == 429
        assert middleware.json() == {
            "error": "Rate limit exceeded — too many requests",
            "status": 429,
        }
        assert "x-ratelimit-limit" not in middleware.headers


# ---------------------------------------------------------------------------- storage


def _other_tools_db(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE audit_log (ts TEXT, who TEXT, what TEXT)")
        conn.execute("INSERT INTO audit_log VALUES ('2026-01-01', 'me', 'login')")
    conn.close()


def _tables_and_journal(path: Path) -> tuple[set[str], str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    conn.close()
    return {r[0] for r in rows}, mode


def test_another_tools_database_is_refused_untouched(tmp_path: Path) -> None:
    """It failed with a bare ``no such column: org_id`` after the gateway had already added
    its own tables to the other tool's file (and switched it to WAL)."""
    db = tmp_path / "other.sqlite3"
    _other_tools_db(db)
    with pytest.raises(StorageSchemaError, match="is not a contractgate gateway database"):
        Storage(str(db))
    assert _tables_and_journal(db) == ({"audit_log"}, "delete")
    assert issubclass(StorageSchemaError, sqlite3.DatabaseError)


def test_another_schema_version_is_refused(tmp_path: Path) -> None:
    """A database of another schema version was opened as if it were this one."""
    db = tmp_path / "gw.sqlite3"
    Storage(str(db)).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(StorageSchemaError, match=f"schema version '2'.*uses {SCHEMA_VERSION}"):
        Storage(str(db))


def test_an_empty_file_and_a_reopened_database_are_fine(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    s = Storage(str(empty))
    assert s.get_meta("schema_version") == SCHEMA_VERSION
    with s.transaction() as tx:
        tx.add_usage("org", "2026-01", 3)
    s.close()
    again = Storage(str(empty))
    assert again.usage_used("org", "2026-01") == 3
    assert again.query_one("PRAGMA journal_mode")[0] == "wal"  # type: ignore[index]
    again.close()


def test_a_foreign_database_is_a_usage_error_of_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "other.sqlite3"
    _other_tools_db(db)
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    assert main(["gateway", "--contracts", str(contracts), "--port", "0", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert f"cannot open the database {db}: {db} is not a contractgate gateway database" in err


def test_local_gateway_start_raises_the_typed_error(contracts_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite3"
    _other_tools_db(db)
    gw = LocalGateway(contracts_dir=contracts_dir, db=db)
    with pytest.raises(StorageSchemaError):
        gw.start()
    assert not gw.running


def test_a_write_that_fills_the_disk_reports_the_real_error(tmp_path: Path) -> None:
    """SQLite rolls a transaction back by itself when the disk is full; the ROLLBACK that
    followed then failed ("cannot rollback - no transaction is active") and hid the cause."""
    s = Storage(str(tmp_path / "small.sqlite3"))
    pages = s.query_one("PRAGMA page_count")[0]  # type: ignore[index]
    s.query(f"PRAGMA max_page_count = {int(pages) + 1}")
    with pytest.raises(sqlite3.OperationalError, match="full"), s.transaction() as tx:
        for i in range(50):
            tx.insert_forward(
                id=str(i),
                org_id="org",
                contract_id="c",
                contract_version=None,
                payload="x" * 5000,
                source="ingest",
                created_at="2026-01-01T00:00:00.000000Z",
            )
    assert s.count_rows("forwarded") == 0
    with s.transaction() as tx:  # the connection is usable again
        tx.add_usage("org", "2026-01", 1)
    assert s.usage_used("org", "2026-01") == 1
    s.close()


def test_a_meta_value_stored_meanwhile_by_another_process_wins(tmp_path: Path) -> None:
    """Two gateways starting on one new database file both miss the dev key and both
    store one: the second start failed with ``UNIQUE constraint failed: meta.key``. Now
    the value stored first is the one both use."""
    db = tmp_path / "shared.sqlite3"
    s = Storage(str(db))
    other = sqlite3.connect(db, isolation_level=None)

    def make() -> str:  # the other process stores its key between our read and write
        other.execute("INSERT INTO meta (key, value) VALUES ('default_api_key', 'theirs')")
        return "ours"

    assert s.meta_default("default_api_key", make) == "theirs"
    assert s.meta_default("default_api_key", lambda: "never") == "theirs"
    other.close()
    s.close()
