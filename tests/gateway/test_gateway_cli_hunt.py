"""``contractgate gateway`` / ``python -m contractgate.gateway``: option values that were
accepted and then broke every request (or the start-up), and shutdown by SIGTERM.

Each test runs the real command in a subprocess bound to loopback, on a free port."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List, Optional, Tuple

import httpx
import pytest
from cg_gateway_testlib import BAD, GOOD

from contractgate.gateway import LocalGateway


def _start(args: List[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "contractgate.gateway", "--port", "0", "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )


def _wait_ready(proc: subprocess.Popen[str]) -> Optional[str]:
    """The start-up banner once the gateway serves, or None when it exited first."""
    assert proc.stdout is not None
    lines: List[str] = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            return "".join(lines)
    return None


def _usage_error(args: List[str]) -> Tuple[int, str]:
    """Run the command, expecting it to stop at start-up; a gateway that starts serving
    instead is stopped (Ctrl-C) and the test fails."""
    proc = _start(args)
    try:
        banner = _wait_ready(proc)
        if banner is not None:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=20)
            pytest.fail(f"the gateway started with {args!r}:\n{banner}")
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err


@pytest.fixture
def empty_contracts(tmp_path: Path) -> Path:
    folder = tmp_path / "contracts"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("option", ["--request-timeout", "--idle-timeout", "--header-timeout"])
def test_a_timeout_the_platform_cannot_wait_is_a_usage_error(
    empty_contracts: Path, option: str
) -> None:
    """A timeout past what a socket or lock can wait (~292 years on Linux) was accepted,
    then every connection ended without an answer: OverflowError tracebacks on stderr."""
    rc, err = _usage_error(["--contracts", str(empty_contracts), option, "1e12"])
    name = option[2:].replace("-", "_")
    assert rc == 2, err
    assert f"{name} must be at most " in err and "got 1000000000000.0" in err
    assert "Traceback" not in err


def test_the_largest_timeout_accepted_still_serves(empty_contracts: Path) -> None:
    limit = f"{threading.TIMEOUT_MAX:.0f}"
    proc = _start(
        ["--contracts", str(empty_contracts), "--request-timeout", limit, "--idle-timeout", limit,
         "--header-timeout", limit]
    )  # fmt: skip
    try:
        banner = _wait_ready(proc)
        assert banner is not None, proc.communicate(timeout=20)[1]
        base = re.search(r"base URL : (\S+)", banner)
        assert base is not None
        assert httpx.get(base.group(1) + "/health", timeout=10).status_code == 200
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and "Traceback" not in err, err


def test_an_empty_host_is_a_usage_error(empty_contracts: Path) -> None:
    """``--host "$HOST"`` with the variable unset bound every interface and printed the
    unusable base URL ``http://:PORT``."""
    rc, err = _usage_error(["--contracts", str(empty_contracts), "--host", ""])
    assert rc == 2, err
    assert "host must not be empty" in err and "Traceback" not in err


def test_an_empty_db_path_is_a_usage_error(empty_contracts: Path) -> None:
    """``--db "$DB"`` with the variable unset used SQLite's throw-away temporary
    database: the run looked persistent and kept nothing."""
    rc, err = _usage_error(["--contracts", str(empty_contracts), "--db", ""])
    assert rc == 2, err
    assert "db must be" in err and "Traceback" not in err
    with pytest.raises(ValueError, match="db must be"):
        LocalGateway(contracts_dir=str(empty_contracts), db="")


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
def test_an_ipv6_loopback_host_is_served(empty_contracts: Path) -> None:
    """``--host ::1`` was refused ("Address family for hostname not supported"), though
    the base URL is written for IPv6 hosts (bracketed)."""
    proc = _start(["--contracts", str(empty_contracts), "--host", "::1"])
    try:
        banner = _wait_ready(proc)
        assert banner is not None, proc.communicate(timeout=20)[1]
        base = re.search(r"base URL : (http://\[::1\]:\d+)\n", banner)
        assert base is not None, banner
        assert httpx.get(base.group(1) + "/health", timeout=10).status_code == 200
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0


def test_a_contracts_path_the_system_refuses_is_a_usage_error(tmp_path: Path) -> None:
    """A path the OS cannot even look at (here: a name longer than NAME_MAX; likewise a
    folder below one without search permission) was an internal error, exit 70."""
    path = tmp_path / ("c" * 300)
    rc, err = _usage_error(["--contracts", str(path)])
    assert rc == 2, err
    assert f"cannot read the contracts folder {path}: " in err
    assert "internal error" not in err


@pytest.mark.parametrize(
    "key",
    [
        "cg_test_0123456789 ",  # trailing space: HTTP trims it from the header
        "cg_test_0123456789\r",  # a key file with Windows line ends: "$(cat key.txt)"
        "cg_test_0123456789\u00e9",  # no way to send it in a header as it is
        "cg_test_01234 56789",
    ],
)
def test_an_api_key_no_request_can_carry_is_refused(empty_contracts: Path, key: str) -> None:
    """Such a key was accepted and printed as the key to use; every request with it was
    then answered 401."""
    rc, err = _usage_error(["--contracts", str(empty_contracts), "--api-key", key])
    assert rc == 2, err
    assert "API keys must start with 'cg_' and be at least 12 printable ASCII characters" in err
    assert key not in err  # the secret is not echoed


def test_sigterm_under_load_stops_cleanly_and_leaves_whole_batches(
    contracts_dir: Path, tmp_path: Path
) -> None:
    """SIGTERM while clients ingest: exit 0, 'gateway stopped', no traceback, and the
    database is unlocked and holds only whole batches."""
    db = tmp_path / "gw.sqlite3"
    proc = _start(["--contracts", str(contracts_dir), "--db", str(db)])
    stop = threading.Event()
    answered: List[int] = []
    try:
        banner = _wait_ready(proc)
        assert banner is not None, proc.communicate(timeout=20)[1]
        base = re.search(r"base URL : (\S+)", banner)
        key = re.search(r"API key  : (\S+)", banner)
        assert base is not None and key is not None
        cid = LocalGateway(contracts_dir=None).contract_id("user_events")
        url = f"{base.group(1)}/v1/ingest/{cid}"

        def ingest() -> None:
            with httpx.Client(headers={"x-api-key": key.group(1)}, timeout=10) as client:
                while not stop.is_set():
                    try:
                        answered.append(client.post(url, json=[GOOD, BAD] * 25).status_code)
                    except httpx.HTTPError:
                        pass

        threads = [threading.Thread(target=ingest) for _ in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(answered) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    for t in threads:
        t.join(timeout=30)
    assert proc.returncode == 0, err
    assert "gateway stopped" in out and "Traceback" not in err
    con = sqlite3.connect(db, timeout=0.1)
    try:
        con.execute("BEGIN IMMEDIATE")  # not left locked
        con.execute("COMMIT")
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (rows,) = con.execute("SELECT count(*) FROM audit_log").fetchone()
    finally:
        con.close()
    assert rows >= 20 * 50 and rows % 50 == 0


def test_a_request_arriving_while_the_gateway_stops_is_refused_unprocessed(
    contracts_dir: Path,
) -> None:
    """A request read on a kept-alive connection after shutdown began, but before the
    connections were closed, was handled after the database closed: a traceback and a
    500 ("Cannot operate on a closed database", seen under SIGTERM with clients
    ingesting). It is answered 503 without being processed."""
    gw = LocalGateway(contracts_dir=str(contracts_dir)).start()
    try:
        with httpx.Client(base_url=gw.base_url, headers={"x-api-key": gw.api_key}) as client:
            assert client.get("/health").status_code == 200  # the connection stays open
            server = gw._server
            assert server is not None
            server.shutdown()  # stopping: no new connection, open ones still read
            answer = client.get("/health")
            assert answer.status_code == 503 and answer.headers["connection"] == "close"
    finally:
        gw.stop()


def test_a_request_delayed_by_a_fault_is_dropped_when_the_gateway_stops(
    contracts_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A test arms a long delay (to see a client time out), then its fixture stops the
    gateway: ``stop()`` waited its grace period, closed the database, and the delayed
    request then ran against it ("Cannot operate on a closed database", a traceback on
    stderr). A delay ends when stopping begins, and the request is dropped unprocessed."""
    gw = LocalGateway(contracts_dir=str(contracts_dir)).start()
    cid = gw.contract_id("user_events")
    outcome: List[object] = []
    gw.faults.delay_next(1, seconds=6.0, path_prefix="/v1/ingest")

    def send() -> None:
        with httpx.Client(base_url=gw.base_url, headers={"x-api-key": gw.api_key}) as c:
            try:
                outcome.append(c.post(f"/v1/ingest/{cid}", json=[GOOD], timeout=30).status_code)
            except httpx.TransportError as e:
                outcome.append(type(e))

    t = threading.Thread(target=send)
    with caplog.at_level("ERROR", logger="contractgate"):
        t.start()
        deadline = time.monotonic() + 10
        while gw.faults.pending() and time.monotonic() < deadline:
            time.sleep(0.01)  # the request took the fault: it is sleeping
        time.sleep(0.2)
        gw.stop()
        t.join(timeout=30)
        time.sleep(6.5)  # past the delay: the handler would run by now
    assert outcome and outcome[0] not in (200, 500), outcome
    assert not [r for r in caplog.records if "internal error" in r.getMessage()]
