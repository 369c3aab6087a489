"""Storage (``--db``) and contract registry edges found by a hunt: files that are no
database, another tool's database, two gateways on one file, a gateway killed mid-ingest,
and contract folders holding things that are not contract files."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Iterator, List, Tuple

import httpx
import pytest

from contractgate.cli import main
from contractgate.gateway import LocalGateway
from contractgate.gateway._contracts import ContractRegistry, contract_uuid
from contractgate.gateway._storage import Storage, StorageSchemaError

CONTRACT = textwrap.dedent(
    """\
    version: "1.0.0"
    name: plain
    ontology:
      entities:
        - name: id
          type: string
    """
)


# -- opening a --db file ---------------------------------------------------------------


def test_a_new_file_locked_for_a_moment_by_another_process_is_waited_for(tmp_path: Path) -> None:
    """Two gateways starting at once on one new ``--db`` file: switching the file to WAL
    needs it to itself, and SQLite answers "database is locked" at once instead of
    waiting, so the second start failed while the first was creating its tables."""
    db = tmp_path / "shared.sqlite3"
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of its first write
    release = threading.Timer(0.3, lambda: other.execute("ROLLBACK"))
    release.start()
    try:
        s = Storage(str(db))
    finally:
        release.join()
        other.close()
    assert s.query_one("PRAGMA journal_mode")[0] == "wal"  # type: ignore[index]
    s.close()


def test_processes_opening_one_new_file_at_once_all_succeed(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from contractgate.gateway._storage import Storage\n"
        "s = Storage(sys.argv[1])\n"
        "print(s.meta_default('default_api_key', lambda: sys.argv[2]))\n"
    )
    for round_ in range(3):
        db = tmp_path / f"new{round_}.sqlite3"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", code, str(db), f"key{i}"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(8)
        ]
        outs = [p.communicate(timeout=60) for p in procs]
        assert [p.returncode for p in procs] == [0] * 8, [err for _, err in outs if err]
        assert len({out for out, _ in outs}) == 1  # one dev key, the first one stored


def _not_sqlite(tmp_path: Path) -> Path:
    p = tmp_path / "notes.txt"
    p.write_text("these are my notes, not a database\n" * 20, encoding="utf-8")
    return p


def _directory(tmp_path: Path) -> Path:
    p = tmp_path / "a-folder"
    p.mkdir()
    return p


def _missing_folder(tmp_path: Path) -> Path:
    return tmp_path / "no-such-folder" / "gw.sqlite3"


def _truncated(tmp_path: Path) -> Path:
    good = tmp_path / "good.sqlite3"
    s = Storage(str(good))
    with s.transaction() as tx:
        for i in range(500):
            tx.add_usage(f"org{i}", "2026-01", 1)
    s.close()
    data = good.read_bytes()
    p = tmp_path / "truncated.sqlite3"
    p.write_bytes(data[: len(data) // 2])
    return p


@pytest.mark.parametrize(
    "make, why",
    [
        (_not_sqlite, "is not a SQLite database"),
        (_truncated, "is not a SQLite database"),
        (_directory, "is a directory"),
        (_missing_folder, "folder .* does not exist"),
    ],
    ids=["text", "truncated", "directory", "missing-folder"],
)
def test_a_db_path_that_cannot_be_used_is_an_error_naming_the_file(
    tmp_path: Path, make: object, why: str, contracts_dir: Path
) -> None:
    """The errors were SQLite's own (``file is not a database``, ``unable to open
    database file``), naming neither the file nor what is wrong with it."""
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(sqlite3.DatabaseError) as info:
        Storage(str(path))
    assert str(path) in str(info.value)
    assert re.search(why, str(info.value)), str(info.value)
    gw = LocalGateway(contracts_dir=contracts_dir, db=path)
    with pytest.raises(sqlite3.DatabaseError, match=re.escape(str(path))):
        gw.start()
    assert not gw.running


def test_the_cli_names_the_file_and_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    db = _missing_folder(tmp_path)
    assert main(["gateway", "--contracts", str(contracts), "--port", "0", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert f"cannot open the database {db}" in err
    assert f"the folder {db.parent} does not exist" in err
    assert "Traceback" not in err


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """A folder another user can enter (pytest's tmp_path is private to its user)."""
    d = Path(tempfile.mkdtemp(prefix="cg-ro-"))
    d.chmod(0o755)
    try:
        yield d
    finally:
        d.chmod(0o755)
        shutil.rmtree(d, ignore_errors=True)


def _run_as_nobody(code: str, *args: str) -> Tuple[int, str]:
    """Run Python code as the unprivileged user ``nobody``: as root, file permissions do
    not bite, so a read-only file or folder can only be tried as another user. The
    interpreter starts as root (it may live in root's home) and switches user after its
    imports, before ``code`` runs."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root to switch to the user nobody")
    try:
        import pwd

        nobody = pwd.getpwnam("nobody")
    except (ImportError, KeyError):
        pytest.skip("no user nobody")
    prelude = (
        "import os, sqlite3, sys\n"
        "from contractgate.gateway._storage import Storage\n"
        f"os.setgroups([]); os.setgid({nobody.pw_gid}); os.setuid({nobody.pw_uid})\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", prelude + code, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stdout + proc.stderr


_OPEN_AS_NOBODY = (
    "try:\n"
    "    Storage(sys.argv[1])\n"
    "except sqlite3.Error as e:\n"
    "    print(type(e).__name__, e)\n"
    "    sys.exit(3)\n"
)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_db_file_or_folder_is_named(world_readable_dir: Path, what: str) -> None:
    """A read-only file (or a writable file in a read-only folder, where WAL cannot put
    its -wal and -shm files) failed with a bare ``attempt to write a readonly
    database``."""
    db = world_readable_dir / "gw.sqlite3"
    Storage(str(db)).close()
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    if what == "file":  # in a folder anyone may write to
        db.chmod(0o444)
        world_readable_dir.chmod(0o777)
    else:
        db.chmod(0o666)
        world_readable_dir.chmod(0o555)
    rc, out = _run_as_nobody(_OPEN_AS_NOBODY, str(db))
    assert rc == 3, out
    assert str(db) in out and "must be writable" in out, out


# -- another tool's database -----------------------------------------------------------


def test_another_tools_database_with_its_own_schema_version_is_refused_untouched(
    tmp_path: Path,
) -> None:
    """A tool that also keeps ``meta(key, value)`` with ``schema_version = '1'`` passed
    the check: the gateway added its tables to that tool's file and switched it to WAL."""
    db = tmp_path / "other.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.close()
    with pytest.raises(StorageSchemaError, match="is not a contractgate gateway database"):
        Storage(str(db))
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    conn.close()
    assert (tables, mode) == ({"meta", "customers"}, "delete")


def test_a_gateway_database_is_still_reopened(tmp_path: Path) -> None:
    db = tmp_path / "gw.sqlite3"
    s = Storage(str(db))
    with s.transaction() as tx:
        tx.add_usage("org", "2026-01", 2)
    s.close()
    again = Storage(str(db))
    assert again.usage_used("org", "2026-01") == 2
    again.close()


# -- two gateways, a killed gateway ----------------------------------------------------


def _start_cli(contracts: Path, db: Path) -> Tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "contractgate.gateway", "--contracts", str(contracts),
            "--port", "0", "--db", str(db), "-q",
            "--rate-limit-rps", "100000", "--rate-limit-burst", "100000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    url = key = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        m = re.search(r"base URL : (\S+)", line)
        url = m.group(1) if m else url
        m = re.search(r"API key  : (\S+)", line)
        key = m.group(1) if m else key
        if "Press Ctrl-C" in line:
            break
    assert url and key, proc.stderr.read() if proc.stderr else ""
    return proc, url, key


def _contracts(tmp_path: Path) -> Path:
    d = tmp_path / "contracts"
    d.mkdir()
    (d / "plain.yaml").write_text(CONTRACT, encoding="utf-8")
    return d


def _batch(tag: str, n: int) -> List[dict]:  # type: ignore[type-arg]
    return [{"id": f"{tag}:{i}"} for i in range(n)]


def test_two_gateways_serving_one_file_keep_every_row_once(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    contracts = _contracts(tmp_path)
    cid = contract_uuid("plain")
    gws = [_start_cli(contracts, db), _start_cli(contracts, db)]
    try:
        assert gws[0][2] == gws[1][2]  # one remembered dev key
        acked: List[str] = []
        lock = threading.Lock()

        def worker(url: str, key: str, w: int) -> None:
            with httpx.Client(base_url=url, headers={"x-api-key": key}, timeout=60) as c:
                for i in range(15):
                    tag = f"{w}-{i}"
                    r = c.post(f"/v1/ingest/{cid}", json=_batch(tag, 20))
                    assert r.status_code == 200, r.text
                    with lock:
                        acked.append(tag)

        threads = [
            threading.Thread(target=worker, args=(url, key, w))
            for w, (_, url, key) in enumerate(gws * 3)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with httpx.Client(base_url=gws[1][1], headers={"x-api-key": gws[1][2]}) as c:
            ids: List[str] = []
            offset = 0
            while True:  # every row once, through either gateway's pages
                page = c.get("/audit", params={"limit": 77, "offset": offset}).json()
                if not page:
                    break
                ids += [row["id"] for row in page]
                offset += 77
    finally:
        for proc, _, _ in gws:
            proc.terminate()
            proc.wait(timeout=30)
    assert len(acked) == 6 * 15
    assert len(ids) == len(set(ids)) == 6 * 15 * 20
    with sqlite3.connect(db) as conn:
        counts = dict(
            conn.execute(
                "SELECT substr(json_extract(raw_event, '$.id'), 1,"
                " instr(json_extract(raw_event, '$.id'), ':') - 1), COUNT(*)"
                " FROM audit_log GROUP BY 1"
            ).fetchall()
        )
        (used,) = conn.execute("SELECT SUM(used) FROM usage").fetchone()
    conn.close()
    assert counts == {tag: 20 for tag in acked}
    assert used == 6 * 15 * 20


def test_a_gateway_killed_mid_ingest_keeps_every_acknowledged_batch_once(
    tmp_path: Path,
) -> None:
    db = tmp_path / "gw.sqlite3"
    contracts = _contracts(tmp_path)
    cid = contract_uuid("plain")
    proc, url, key = _start_cli(contracts, db)
    acked: List[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def worker(w: int) -> None:
        with httpx.Client(base_url=url, headers={"x-api-key": key}, timeout=30) as c:
            i = 0
            while not stop.is_set():
                tag = f"{w}-{i}"
                i += 1
                try:
                    r = c.post(f"/v1/ingest/{cid}", json=_batch(tag, 40))
                except httpx.HTTPError:
                    return
                if r.status_code == 200:
                    with lock:
                        acked.append(tag)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(acked) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) >= 40
    again, url, key = _start_cli(contracts, db)  # recovers the WAL left behind
    try:
        with httpx.Client(base_url=url, headers={"x-api-key": key}) as c:
            assert c.get("/audit", params={"limit": 1}).status_code == 200
    finally:
        again.terminate()
        again.wait(timeout=30)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT raw_event FROM audit_log").fetchall()
    conn.close()
    counts: dict = {}  # type: ignore[type-arg]
    for (raw,) in rows:
        tag = json.loads(raw)["id"].split(":")[0]
        counts[tag] = counts.get(tag, 0) + 1
    assert all(counts.get(tag) == 40 for tag in acked)  # every acknowledged batch
    assert set(counts.values()) == {40}  # none half-written, none doubled


# -- contract folders ------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_like_a_contract_is_reported(tmp_path: Path) -> None:
    """It was skipped without a word, although the docs promise that every file that
    cannot be read is reported."""
    (tmp_path / "plain.yaml").write_text(CONTRACT, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.yaml")
    reg = ContractRegistry.load(tmp_path, "org")
    assert [c.name for c in reg.contracts.values()] == ["plain"]
    assert [(Path(p.path).name, p.message) for p in reg.problems] == [
        ("pipe.yaml", "not a regular file (a FIFO, socket or device); skipped")
    ]


def test_one_key_sent_to_two_gateways_on_one_file_is_stored_once(tmp_path: Path) -> None:
    """The in-process lock serialises one key within a gateway only: two gateways on one
    file each found no record, and both stored the batch (20 keys x 200 events: 6,000
    audit rows instead of 4,000). The record is read again under the write lock, which
    spans processes, so the later one answers from it."""
    db = tmp_path / "shared.sqlite3"
    contracts = _contracts(tmp_path)
    cid = contract_uuid("plain")
    gws = [_start_cli(contracts, db), _start_cli(contracts, db)]
    answers: List[Tuple[int, bool]] = []
    lock = threading.Lock()
    try:
        start = threading.Barrier(2 * 20)

        def send(url: str, api_key: str, k: int) -> None:
            with httpx.Client(base_url=url, headers={"x-api-key": api_key}, timeout=60) as c:
                start.wait()
                r = c.post(
                    f"/v1/ingest/{cid}", json=_batch(f"k{k}", 200),
                    headers={"idempotency-key": f"same-key-{k}"},
                )  # fmt: skip
            with lock:
                answers.append((r.status_code, r.headers.get("x-idempotency-replay") == "true"))

        threads = [
            threading.Thread(target=send, args=(url, api_key, k))
            for k in range(20)
            for _, url, api_key in gws
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for proc, _, _ in gws:
            proc.terminate()
            proc.wait(timeout=30)
    assert sorted(answers) == [(200, False)] * 20 + [(200, True)] * 20
    with sqlite3.connect(db) as conn:
        (rows,) = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()
        (used,) = conn.execute("SELECT SUM(used) FROM usage").fetchone()
    conn.close()
    assert rows == used == 20 * 200
