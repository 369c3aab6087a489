"""SQLite storage of the local gateway: audit, quarantine, forwards, idempotency, usage.

One connection, serialised by a lock, in autocommit mode with explicit transactions:
every batch's writes go through :meth:`Storage.transaction`, which runs ``BEGIN
IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any error), so a crash mid-batch leaves
nothing half-written and concurrent clients never lose or duplicate rows. A file
database uses WAL journaling and survives restarts; ``":memory:"`` lives as long as the
gateway. A file that already has tables must be this gateway's database (its tables and
no others), of this schema version: another is refused with :class:`StorageSchemaError`,
untouched. A path that cannot be used (no SQLite file, a damaged one, a directory, a
missing folder, a read-only file or folder) raises SQLite's error class with a message
naming the file and what is wrong with it. Several processes may open one new file at
once: each waits for the others, up to the busy timeout.

Ordering: list queries sort by ``created_at`` descending and break ties (all rows of one
batch share one ``created_at``, as on the real gateway) by ``id`` descending, so offset
pagination over an unchanging table neither overlaps nor skips rows.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from ._wire import dumps_str

__all__ = ["Storage", "StorageSchemaError", "Tx"]

SCHEMA_VERSION = "1"

#: Seconds a write waits for another connection (another gateway on the same file).
BUSY_TIMEOUT = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL UNIQUE,
    org_id            TEXT,
    contract_id       TEXT NOT NULL,
    contract_version  TEXT,
    passed            INTEGER NOT NULL,
    violation_count   INTEGER NOT NULL,
    violation_details TEXT NOT NULL,
    raw_event         TEXT NOT NULL,
    validation_us     INTEGER NOT NULL,
    source_ip         TEXT,
    direction         TEXT NOT NULL,
    replay_source_id  TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_org ON audit_log (org_id, created_at, id);
CREATE INDEX IF NOT EXISTS audit_by_contract ON audit_log (contract_id, created_at, id);
CREATE INDEX IF NOT EXISTS audit_by_replay_source ON audit_log (replay_source_id);
CREATE TABLE IF NOT EXISTS quarantine (
    seq                    INTEGER PRIMARY KEY AUTOINCREMENT,
    id                     TEXT NOT NULL UNIQUE,
    org_id                 TEXT,
    contract_id            TEXT NOT NULL,
    contract_version       TEXT,
    raw_event              TEXT,
    payload_redacted       INTEGER NOT NULL,
    violation_details      TEXT NOT NULL,
    violation_count        INTEGER NOT NULL,
    source_ip              TEXT,
    direction              TEXT NOT NULL,
    status                 TEXT NOT NULL DEFAULT 'pending',
    source_id              TEXT,
    quarantined_at         TEXT NOT NULL,
    replay_count           INTEGER NOT NULL DEFAULT 0,
    last_replayed_at       TEXT,
    last_replay_passed     INTEGER,
    replayed_at            TEXT,
    replayed_into_audit_id TEXT
);
CREATE INDEX IF NOT EXISTS quarantine_by_org ON quarantine (org_id, quarantined_at, id);
CREATE INDEX IF NOT EXISTS quarantine_by_source ON quarantine (source_id);
CREATE TABLE IF NOT EXISTS forwarded_events (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    org_id           TEXT,
    contract_id      TEXT NOT NULL,
    contract_version TEXT,
    payload          TEXT NOT NULL,
    source           TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    key          TEXT PRIMARY KEY,
    contract_id  TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    response     BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS usage (
    org_id TEXT NOT NULL,
    period TEXT NOT NULL,
    used   INTEGER NOT NULL,
    PRIMARY KEY (org_id, period)
);
"""

#: Tables (and friendly aliases) that tests may count with ``count_rows``.
TABLES = {
    "audit": "audit_log",
    "audit_log": "audit_log",
    "quarantine": "quarantine",
    "forwarded": "forwarded_events",
    "forwarded_events": "forwarded_events",
    "forwards": "forwarded_events",
    "idempotency": "idempotency",
    "usage": "usage",
}

#: The tables holding data (everything but ``meta``).
DATA_TABLES = ("audit_log", "quarantine", "forwarded_events", "idempotency", "usage")

#: Every table (and view) name a gateway database may hold.
GATEWAY_TABLES = frozenset(("meta", *DATA_TABLES))

_JSON_COLUMNS = ("violation_details", "raw_event", "payload")
_BOOL_COLUMNS = ("passed", "payload_redacted", "last_replay_passed")


class StorageSchemaError(sqlite3.DatabaseError):
    """The database file is not one this gateway can use: another tool's database, or
    one of another schema version. (A ``sqlite3.DatabaseError``, as a file that is no
    database at all is.)"""


def _open_error(path: str, error: sqlite3.Error) -> sqlite3.Error:
    """``error`` (raised while opening ``path``) again, of the same class, with a message
    naming the file and saying what is wrong with it."""
    text = str(error)
    p = Path(path)
    folder = p.parent
    if path == ":memory:" or path.startswith("file:"):
        why = f"cannot be opened ({text})"
    elif p.is_dir():
        why = "is a directory, not a database file; name a file (it is created if missing)"
    elif not p.exists() and not folder.is_dir():
        why = f"cannot be created: the folder {folder} does not exist"
    elif "not a database" in text or "malformed" in text:
        why = f"is not a SQLite database, or is damaged ({text}); use another file"
    elif (p.exists() and not os.access(p, os.W_OK)) or not os.access(folder, os.W_OK):
        why = (
            f"cannot be written ({text}): the file and its folder {folder} must be writable"
            f" (the gateway keeps {p.name}-wal and {p.name}-shm beside it)"
        )
    elif "locked" in text:
        why = f"is locked by another program ({text})"
    else:
        why = f"cannot be opened ({text})"
    return type(error)(f"{path} {why}")


def _j(value: Any) -> str:
    return dumps_str(value)


def decode_row(row: sqlite3.Row) -> Dict[str, Any]:
    """A row as a dict with JSON columns decoded and flags as bools."""
    d = dict(row)
    for col in _JSON_COLUMNS:
        if col in d and d[col] is not None:
            d[col] = json.loads(d[col])
    for col in _BOOL_COLUMNS:
        if col in d and d[col] is not None:
            d[col] = bool(d[col])
    return d


class Tx:
    """Write operations inside one transaction (see :meth:`Storage.transaction`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def insert_audit(
        self,
        *,
        id: str,
        org_id: Optional[str],
        contract_id: str,
        contract_version: Optional[str],
        passed: bool,
        violation_count: int,
        violation_details: Any,
        raw_event: Any,
        validation_us: int,
        source_ip: Optional[str],
        direction: str,
        created_at: str,
        replay_source_id: Optional[str] = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO audit_log (id, org_id, contract_id, contract_version, passed,"
            " violation_count, violation_details, raw_event, validation_us, source_ip,"
            " direction, replay_source_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                id,
                org_id,
                contract_id,
                contract_version,
                int(passed),
                violation_count,
                _j(violation_details),
                _j(raw_event),
                int(validation_us),
                source_ip,
                direction,
                replay_source_id,
                created_at,
            ),
        )

    def insert_quarantine(
        self,
        *,
        id: str,
        org_id: Optional[str],
        contract_id: str,
        contract_version: Optional[str],
        raw_event: Any,
        payload_redacted: bool,
        violation_details: Any,
        violation_count: int,
        source_ip: Optional[str],
        direction: str,
        quarantined_at: str,
        source_id: Optional[str] = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO quarantine (id, org_id, contract_id, contract_version, raw_event,"
            " payload_redacted, violation_details, violation_count, source_ip, direction,"
            " source_id, quarantined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                id,
                org_id,
                contract_id,
                contract_version,
                None if payload_redacted else _j(raw_event),
                int(payload_redacted),
                _j(violation_details),
                violation_count,
                source_ip,
                direction,
                source_id,
                quarantined_at,
            ),
        )

    def insert_forward(
        self,
        *,
        id: str,
        org_id: Optional[str],
        contract_id: str,
        contract_version: Optional[str],
        payload: Any,
        source: str,
        created_at: str,
    ) -> None:
        self.conn.execute(
            "INSERT INTO forwarded_events (id, org_id, contract_id, contract_version, payload,"
            " source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (id, org_id, contract_id, contract_version, _j(payload), source, created_at),
        )

    def add_usage(self, org_id: str, period: str, n: int) -> None:
        if n <= 0:
            return
        self.conn.execute(
            "INSERT INTO usage (org_id, period, used) VALUES (?, ?, ?)"
            " ON CONFLICT (org_id, period) DO UPDATE SET used = used + excluded.used",
            (org_id, period, n),
        )

    def put_idempotency(
        self,
        *,
        key: str,
        contract_id: str,
        request_hash: str,
        status: int,
        response: bytes,
        created_at: str,
        expires_at: float,
    ) -> None:
        self.conn.execute(
            "INSERT INTO idempotency (key, contract_id, request_hash, status, response,"
            " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET contract_id = excluded.contract_id,"
            " request_hash = excluded.request_hash, status = excluded.status,"
            " response = excluded.response, created_at = excluded.created_at,"
            " expires_at = excluded.expires_at",
            (key, contract_id, request_hash, status, response, created_at, expires_at),
        )

    def get_quarantine(self, qid: str) -> Optional[sqlite3.Row]:
        row: Optional[sqlite3.Row] = self.conn.execute(
            "SELECT * FROM quarantine WHERE id = ?", (qid,)
        ).fetchone()
        return row


class Storage:
    """The gateway's database. Thread-safe; every public method takes the lock."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT
            )
        except sqlite3.Error as e:
            raise _open_error(self.path, e) from e
        self._conn.row_factory = sqlite3.Row
        try:
            self._check_schema()  # before WAL: another tool's file is left as it was
            if self.path != ":memory:" and not self.path.startswith("file::memory:"):
                self._use_wal()
                self._conn.execute("PRAGMA synchronous=NORMAL")
            with self.transaction() as tx:  # two processes opening a new file: one creates
                self._check_schema()
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        tx.execute(statement)
                tx.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (SCHEMA_VERSION,),
                )
        except StorageSchemaError:
            self._conn.close()
            raise
        except sqlite3.Error as e:
            self._conn.close()
            raise _open_error(self.path, e) from e
        except BaseException:
            self._conn.close()
            raise
        self.closed = False

    def _use_wal(self) -> None:
        """Switch the file to WAL. That needs the file to itself, and SQLite answers
        "database is locked" at once, without its busy wait, while another process holds
        it (another gateway creating the tables of the same new file): retry until the
        busy timeout."""
        deadline = time.monotonic() + BUSY_TIMEOUT
        pause = 0.005
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    def _check_schema(self) -> None:
        """A database with tables must be this gateway's (no tables or views but its
        own), of this schema version, else :class:`StorageSchemaError` (nothing is written
        to it)."""
        tables = {
            str(r[0])
            for r in self._conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                " AND name NOT LIKE 'sqlite_%'"
            )
        }
        if not tables:
            return
        try:
            row = self._conn.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
        except sqlite3.OperationalError:  # no "meta" table, or one of another shape
            row = None
        if row is not None and str(row[0]) != SCHEMA_VERSION:
            raise StorageSchemaError(
                f"{self.path} has schema version {str(row[0])!r}; this contractgate gateway "
                f"uses {SCHEMA_VERSION}: use another file"
            )
        # no version, or tables of its own (another tool's "meta" with a schema_version)
        if row is None or not tables <= GATEWAY_TABLES:
            raise StorageSchemaError(
                f"{self.path} is not a contractgate gateway database (it has the tables "
                f"{', '.join(sorted(tables))}); use another file"
            )

    # -- plumbing ----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One atomic unit of writes: all of it is committed, or none of it."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
                self._conn.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (a full disk, an I/O error); a
                # COMMIT refused as busy leaves the transaction open.
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def query(self, sql: str, params: Sequence[Any] = ()) -> List[sqlite3.Row]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> Optional[sqlite3.Row]:
        with self._lock:
            row: Optional[sqlite3.Row] = self._conn.execute(sql, params).fetchone()
            return row

    def ping(self) -> bool:
        try:
            self.query_one("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def close(self) -> None:
        with self._lock:
            if not self.closed:
                self.closed = True
                self._conn.close()

    def clear_data(self) -> Dict[str, int]:
        """Delete every audit, quarantine, forward, idempotency and usage row (one
        transaction); the dev key and the PII salt in ``meta`` are kept. Returns the
        number of rows deleted per table."""
        deleted: Dict[str, int] = {}
        with self.transaction() as tx:
            for table in DATA_TABLES:
                deleted[table] = tx.execute(f"DELETE FROM {table}").rowcount
        return deleted

    # -- meta --------------------------------------------------------------------------

    def get_meta(self, key: str) -> Optional[str]:
        row = self.query_one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    def meta_default(self, key: str, make: Any) -> str:
        """The stored value of ``key``, storing ``make()`` first if there is none."""
        with self._lock:
            current = self.get_meta(key)
            if current is not None:
                return current
            value = str(make())
            with self.transaction() as tx:  # another process may have stored one since
                tx.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
                row = tx.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return str(row[0])

    # -- reads -------------------------------------------------------------------------

    def earliest_row_time(self) -> Optional[str]:
        """The time of the oldest audit, quarantine or forward row (None: there is none)."""
        row = self.query_one(
            "SELECT MIN(t) AS t FROM (SELECT MIN(created_at) AS t FROM audit_log"
            " UNION ALL SELECT MIN(quarantined_at) FROM quarantine"
            " UNION ALL SELECT MIN(created_at) FROM forwarded_events)"
        )
        return None if row is None or row["t"] is None else str(row["t"])

    def usage_used(self, org_id: str, period: str) -> int:
        row = self.query_one(
            "SELECT used FROM usage WHERE org_id = ? AND period = ?", (org_id, period)
        )
        return 0 if row is None else int(row["used"])

    def get_idempotency(self, key: str, contract_id: str, now: float) -> Optional[sqlite3.Row]:
        return self.query_one(
            "SELECT * FROM idempotency WHERE key = ? AND contract_id = ? AND expires_at > ?",
            (key, contract_id, now),
        )

    def list_audit(
        self, org_id: str, contract_id: Optional[str], limit: int, offset: int
    ) -> List[sqlite3.Row]:
        sql = "SELECT * FROM audit_log WHERE org_id = ?"
        params: List[Any] = [org_id]
        if contract_id is not None:
            sql += " AND contract_id = ?"
            params.append(contract_id)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
        params += [limit, offset]
        return self.query(sql, params)

    def list_quarantine(
        self, org_id: str, contract_id: Optional[str], limit: int, offset: int
    ) -> List[sqlite3.Row]:
        sql = "SELECT * FROM quarantine WHERE org_id = ? AND source_id IS NULL"
        params: List[Any] = [org_id]
        if contract_id is not None:
            sql += " AND contract_id = ?"
            params.append(contract_id)
        sql += " ORDER BY quarantined_at DESC, id DESC LIMIT ? OFFSET ?"
        params += [limit, offset]
        return self.query(sql, params)

    def validation_stats(
        self, *, org_id: Optional[str] = None, contract_id: Optional[str] = None
    ) -> Tuple[int, int, List[int]]:
        """(total, passed, sorted validation_us) over the matching audit rows."""
        clauses: List[str] = []
        params: List[Any] = []
        if org_id is not None:
            clauses.append("org_id = ?")
            params.append(org_id)
        if contract_id is not None:
            clauses.append("contract_id = ?")
            params.append(contract_id)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self.query(
            f"SELECT passed, validation_us FROM audit_log{where} ORDER BY validation_us",
            params,
        )
        passed = sum(1 for r in rows if r["passed"])
        return len(rows), passed, [int(r["validation_us"]) for r in rows]

    def replay_children(self, source_id: str) -> Tuple[List[sqlite3.Row], List[sqlite3.Row]]:
        """(failed replay quarantine rows, passed replay audit rows), oldest first."""
        failed = self.query(
            "SELECT * FROM quarantine WHERE source_id = ? ORDER BY quarantined_at, seq",
            (source_id,),
        )
        passed = self.query(
            "SELECT * FROM audit_log WHERE replay_source_id = ? ORDER BY created_at, seq",
            (source_id,),
        )
        return failed, passed

    def _where(self, table: str, where: Dict[str, Any]) -> Tuple[str, str, List[Any], Set[str]]:
        """Validate ``table`` and ``where`` (test helpers take them from callers) and
        build the SQL filter: (table name, " WHERE ..." or "", params, column names)."""
        name = TABLES.get(table)
        if name is None:
            raise ValueError(f"unknown table {table!r}; one of {sorted(TABLES)}")
        cols = {r["name"] for r in self.query(f"PRAGMA table_info({name})")}
        clauses: List[str] = []
        params: List[Any] = []
        for col, value in where.items():
            if col not in cols:
                raise ValueError(f"table {name} has no column {col!r}")
            if value is None:
                clauses.append(f"{col} IS NULL")
            elif not isinstance(value, (str, int, float, bytes)):
                raise ValueError(
                    f"{col}={value!r}: a column is compared with a str, int, float, bool, "
                    "bytes or None"
                )
            else:
                clauses.append(f"{col} = ?")
                params.append(int(value) if isinstance(value, bool) else value)
        return name, (" WHERE " + " AND ".join(clauses)) if clauses else "", params, cols

    def count_rows(self, table: str, **where: Any) -> int:
        name, filt, params, _ = self._where(table, where)
        row = self.query_one(f"SELECT COUNT(*) AS n FROM {name}{filt}", params)
        return 0 if row is None else int(row["n"])

    def rows(self, table: str, **where: Any) -> List[Dict[str, Any]]:
        """Every row of ``table`` matching ``where``, oldest first, JSON decoded."""
        name, filt, params, cols = self._where(table, where)
        order = " ORDER BY seq" if "seq" in cols else ""
        return [decode_row(r) for r in self.query(f"SELECT * FROM {name}{filt}{order}", params)]
