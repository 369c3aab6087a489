"""The ``LocalGateway`` object itself: keys across restarts, the row helpers, checked
options, a start that fails, and ``isolated()`` around a restart (helper hunt)."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator

import httpx
import pytest
from cg_gateway_testlib import BAD, GOOD, make_client

from contractgate.gateway import LocalGateway


def _status(gw: LocalGateway, key: str) -> int:
    with make_client(gw, key=key) as c:
        return c.get("/contracts").status_code


def _open_files(path: Path) -> int:
    """How many of this process's descriptors point at ``path`` (or its -wal/-shm)."""
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        n += target.startswith(str(path))
    return n


@pytest.fixture
def busy_port() -> Iterator[int]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    try:
        yield int(s.getsockname()[1])
    finally:
        s.close()


# ------------------------------------------------------------------ keys


def test_a_revoked_dev_key_stays_revoked_after_a_restart(
    contracts_dir: Path, tmp_path: Path
) -> None:
    """The generated key is kept in a file database; a restart took it from there and
    accepted it again, undoing remove_api_key()."""
    gw = LocalGateway(contracts_dir=contracts_dir, db=tmp_path / "gw.sqlite3")
    with gw:
        key = gw.api_key
        assert gw.remove_api_key(key) is True
        assert _status(gw, key) == 401
    with gw:
        assert _status(gw, key) == 401
        assert gw.app.keys() == {}


def test_removing_every_key_does_not_bring_a_generated_one_after_a_restart(
    contracts_dir: Path,
) -> None:
    gw = LocalGateway(contracts_dir=contracts_dir, api_keys=["cg_mine_0123456789"])
    with gw:
        assert gw.remove_api_key("cg_mine_0123456789") is True
    with gw:
        assert gw.app.keys() == {}  # a key nobody asked for was accepted
        assert _status(gw, "cg_mine_0123456789") == 401
    extra = gw.add_api_key()
    with gw:  # keys added later are still accepted after a restart
        assert list(gw.app.keys()) == [extra]


def test_an_empty_key_is_refused_not_replaced_by_a_generated_one(contracts_dir: Path) -> None:
    gw = LocalGateway(contracts_dir=contracts_dir)
    with pytest.raises(ValueError, match="cg_"):
        gw.add_api_key("")
    assert gw.add_api_key(None).startswith("cg_live_")


# ------------------------------------------------------------------ row helpers


def test_rows_can_be_read_before_the_first_start(contracts_dir: Path) -> None:
    """An in-memory gateway never started has no rows; it was told its database was
    "gone once the gateway is stopped" (unless api_key had been read first)."""
    gw = LocalGateway(contracts_dir=contracts_dir)
    assert gw.count_rows("audit") == 0
    assert gw.audit_rows() == [] and gw.quarantine_rows() == [] and gw.forwarded_rows() == []
    with gw, make_client(gw) as c:
        assert c.post(f"/ingest/{gw.contract_id('user_events')}", json=[GOOD]).status_code == 200
        assert gw.count_rows("audit") == 1
    with pytest.raises(RuntimeError, match="stopped"):  # after a stop it is gone
        gw.count_rows("audit")


def test_row_helpers_take_a_contract_name_or_any_uuid_spelling(fresh_gw: LocalGateway) -> None:
    """The ids are stored lowercase and hyphenated: a name (which allowed_contract_ids
    takes) or an upper-case id matched nothing, silently."""
    uid = fresh_gw.contract_id("user_events")
    with make_client(fresh_gw) as c:
        assert c.post(f"/ingest/{uid}", json=[GOOD, BAD]).status_code == 207
    for ident in ("user_events", uid.upper(), uid.replace("-", ""), "{" + uid + "}", uid):
        assert len(fresh_gw.audit_rows(ident)) == 2, ident
        assert len(fresh_gw.quarantine_rows(ident)) == 1, ident
        assert fresh_gw.count_rows("audit", contract_id=ident) == 2, ident
        assert fresh_gw.count_rows("quarantine", contract_id=ident, direction="ingress") == 1
    assert fresh_gw.audit_rows("orders") == []
    assert fresh_gw.count_rows("audit", contract_id="orders") == 0


# ------------------------------------------------------------------ options


@pytest.mark.parametrize("name", ["admin", "store_payloads", "log_requests"])
@pytest.mark.parametrize("value", ["false", "no", "0", None, 2, 0.0])
def test_flags_must_be_booleans(contracts_dir: Path, name: str, value: Any) -> None:
    """admin="false" (say, read from the environment) enabled the admin routes, which
    take no key."""
    with pytest.raises(ValueError, match=name):
        LocalGateway(contracts_dir=contracts_dir, **{name: value})


def test_admin_false_as_a_string_is_not_admin(contracts_dir: Path) -> None:
    with LocalGateway(contracts_dir=contracts_dir, admin=False) as gw:
        assert httpx.get(f"{gw.base_url}/_admin/faults").status_code == 404
    with LocalGateway(contracts_dir=contracts_dir, admin=1) as gw:  # an int 0/1 is a flag
        assert httpx.get(f"{gw.base_url}/_admin/faults").status_code == 200


@pytest.mark.parametrize("plan", ["pro", "Growth", "", None])
def test_an_unknown_plan_is_refused(contracts_dir: Path, plan: Any) -> None:
    """It was reported by /usage as given, with the free plan's cap."""
    with pytest.raises(ValueError, match="plan"):
        LocalGateway(contracts_dir=contracts_dir, plan=plan)


@pytest.mark.parametrize("limit", [-1, 1.5, float("nan"), "10", True])
def test_a_monthly_event_limit_that_is_no_count_is_refused(contracts_dir: Path, limit: Any) -> None:
    """A limit of "10" made every ingest and /usage a 500 (a traceback on stderr)."""
    with pytest.raises(ValueError, match="monthly_event_limit"):
        LocalGateway(contracts_dir=contracts_dir, monthly_event_limit=limit)


def test_plans_and_limits_that_are_fine(contracts_dir: Path) -> None:
    for plan in ("free", "growth", "enterprise"):
        assert LocalGateway(contracts_dir=contracts_dir, plan=plan).config.plan == plan
    for limit in (None, 0, 10**12):
        gw = LocalGateway(contracts_dir=contracts_dir, monthly_event_limit=limit)
        assert gw.config.monthly_event_limit == limit


# ------------------------------------------------------------------ lifecycle


def test_a_start_that_cannot_bind_leaves_no_database_open(
    contracts_dir: Path, tmp_path: Path, busy_port: int
) -> None:
    """The file stayed open (for as long as the exception, a notebook's last traceback
    say, kept the gateway alive), the gateway not running."""
    db = tmp_path / "gw.sqlite3"
    gw = LocalGateway(contracts_dir=contracts_dir, db=db, port=busy_port)
    with pytest.raises(OSError):
        gw.start()
    assert not gw.running
    assert _open_files(db) == 0
    with pytest.raises(OSError):
        with gw:
            pass
    assert _open_files(db) == 0
    gw._requested_port = 0  # the same object starts once the port is free
    with gw:
        assert _status(gw, gw.api_key) == 200
    assert _open_files(db) == 0


def test_a_failed_start_keeps_an_in_memory_gateway_usable(
    contracts_dir: Path, busy_port: int
) -> None:
    gw = LocalGateway(contracts_dir=contracts_dir, port=busy_port)
    key = gw.api_key
    with pytest.raises(OSError):
        gw.start()
    assert gw.api_key == key and gw.count_rows("audit") == 0


def test_a_start_that_cannot_bind_names_the_host_and_port(
    contracts_dir: Path, busy_port: int
) -> None:
    """The socket's own text ("Address already in use") named neither."""
    gw = LocalGateway(contracts_dir=contracts_dir, port=busy_port)
    with pytest.raises(OSError) as err:
        gw.start()
    assert err.value.errno == errno.EADDRINUSE
    assert f"cannot listen on 127.0.0.1:{busy_port}" in str(err.value)
    assert "in use" in str(err.value)


def test_the_cli_says_which_port_is_taken(contracts_dir: Path, busy_port: int) -> None:
    from contractgate.cli import main

    out = subprocess.run(
        [sys.executable, "-c", "from contractgate.cli import main; raise SystemExit(main())",
         "gateway", "--contracts", str(contracts_dir), "--port", str(busy_port)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert main is not None and out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == (
        f"contractgate gateway: cannot listen on 127.0.0.1:{busy_port}: Address already in use"
    )


def test_an_ipv6_host_may_be_written_as_urls_write_it(contracts_dir: Path) -> None:
    """``[::1]`` was looked up as a host name (``gaierror``) when starting."""
    assert LocalGateway(contracts_dir=contracts_dir, host="[::1]").host == "::1"


def test_an_empty_contracts_dir_is_refused_not_read_as_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "stray.yaml").write_text("name: [unclosed\n")
    monkeypatch.chdir(tmp_path)
    for empty in ("", "  "):
        with pytest.raises(ValueError, match="contracts_dir must be a folder or file path"):
            LocalGateway(contracts_dir=empty)


# ------------------------------------------------------------------ isolated()


def _ingest(gw: LocalGateway, events: Any) -> int:
    with make_client(gw) as c:
        return c.post(f"/ingest/{gw.contract_id('user_events')}", json=events).status_code


def test_a_restart_inside_an_isolated_block_stays_isolated(
    contracts_dir: Path, tmp_path: Path
) -> None:
    """The restart opened the gateway's own file: rows written in the block after it
    were kept, and count_rows read another database than the one requests used."""
    gw = LocalGateway(contracts_dir=contracts_dir, db=tmp_path / "gw.sqlite3")
    with gw:
        assert _ingest(gw, [GOOD]) == 200
        with make_client(gw) as c:
            shared_row: Dict[str, Any] = c.get("/audit").json()[0]
        with gw.isolated():
            gw.stop()
            gw.start()
            assert gw.count_rows("audit") == 0
            with make_client(gw) as c:
                assert c.get("/audit").json() == []
            assert _ingest(gw, [GOOD, GOOD, BAD]) == 207
            assert gw.count_rows("audit") == 3
        assert gw.count_rows("audit") == 1
        with make_client(gw) as c:
            rows = c.get("/audit").json()
        assert [r["id"] for r in rows] == [shared_row["id"]]
    with gw:  # the block's rows never reached the file
        assert gw.count_rows("audit") == 1


def test_a_stop_inside_an_isolated_block_closes_the_database(
    contracts_dir: Path,
) -> None:
    """As a stop always does: the in-memory rows are gone; the next start is empty."""
    gw = LocalGateway(contracts_dir=contracts_dir).start()
    assert _ingest(gw, [GOOD]) == 200
    with gw.isolated():
        gw.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        gw.count_rows("audit")
    with gw:
        assert gw.count_rows("audit") == 0 and _ingest(gw, [GOOD]) == 200


def test_the_pii_salt_survives_a_restart_inside_an_isolated_block(
    contracts_dir: Path, tmp_path: Path
) -> None:
    """Hashes stay stable across restarts of a file database, also when the restart
    happened inside an isolated block (the new app took its secret from the block's
    empty database)."""
    gw = LocalGateway(contracts_dir=contracts_dir, db=tmp_path / "gw.sqlite3")
    pid = gw.contract_id("pii")

    def hashed() -> str:
        with make_client(gw) as c:
            r = c.post(f"/ingest/{pid}", json=[{"id": "a", "ssn": "123-45-6789"}])
            assert r.status_code == 200, r.text
        return str(gw.forwarded_rows(pid)[-1]["payload"]["ssn"])

    with gw:
        before = hashed()
        with gw.isolated():
            gw.stop()
            gw.start()
            assert hashed() == before
        assert hashed() == before


@pytest.mark.parametrize("value", [[1], {"a": 1}, {1}, object()])
def test_a_row_filter_that_no_column_can_equal_is_a_value_error(value: object) -> None:
    """``count_rows("audit", passed=[1])`` raised sqlite3's ``ProgrammingError``
    ("type 'list' is not supported") from deep inside the storage."""
    with LocalGateway() as gw:
        with pytest.raises(ValueError, match="passed"):
            gw.count_rows("audit", passed=value)
