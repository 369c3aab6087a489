"""``contractgate test`` — the gateway CLI's ``cg test``: output shapes, exit codes,
parse_error records, and streaming from stdin."""

from __future__ import annotations

import errno
import io
import json
import os
import queue
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path
from typing import Any, List

import pytest
from cg_cli_testlib import GOOD_EVENT, USER_EVENTS, ndjson, subprocess_env

BAD = "examples/fixtures/user_events.bad.json"


def test_human_output_and_exit_code_1(cli, project: Path) -> None:
    r = cli("test", "--contract", USER_EVENTS, "--data", BAD)
    assert r.code == 1
    assert r.lines == [
        f"Testing {BAD} (json) against user_events 1.1.0 ({USER_EVENTS})",
        "✗ record 2 (line 3)",
        "    user_id: Field 'user_id' value \"Dave!\" does not match required pattern "
        "[pattern_mismatch]",
        "    event_type: Field 'event_type' value \"refund\" not in allowed set: "
        '["login", "purchase", "click"] [enum_violation]',
        "✗ record 3 (line 4)",
        "    timestamp: Field 'timestamp' expected type Integer, got string [type_mismatch]",
        "    amount: Field 'amount' value -5 is below minimum 0 [range_violation]",
        "✗ 3 records: 1 passed, 2 failed — 1 enum_violation, 1 pattern_mismatch, "
        "1 range_violation, 1 type_mismatch",
    ]


def test_all_pass_exit_0_and_verbose_lists_passes(cli, project: Path) -> None:
    r = cli("test", "-c", USER_EVENTS, "-d", "examples/fixtures/user_events.good.ndjson", "-v")
    assert r.code == 0
    assert "✓ record 1 (line 1)" in r.lines and "✓ record 3 (line 3)" in r.lines
    assert r.lines[-1] == "✓ 3 records: 3 passed, 0 failed"
    assert (
        cli("test", "-q", "-c", USER_EVENTS, "-d", "examples/fixtures/user_events.good.ndjson").out
        == ""
    )


def test_json_output_shape(cli, project: Path) -> None:
    r = cli("test", "-c", USER_EVENTS, "-d", BAD, "--format", "json")
    assert r.code == 1
    doc = r.json()
    assert doc["contract"] == {"file": USER_EVENTS, "name": "user_events", "version": "1.1.0"}
    assert doc["input"] == {"file": BAD, "format": "json"}
    assert doc["results"][0] == {"record": 1, "line": 2, "passed": True, "violations": []}
    assert doc["results"][1]["violations"][0] == {
        "field": "user_id",
        "message": "Field 'user_id' value \"Dave!\" does not match required pattern",
        "kind": "pattern_mismatch",
        "line": 3,
        "column": 4,
    }
    assert doc["summary"] == {
        "total": 3,
        "passed": 1,
        "failed": 2,
        "violations": 4,
        "by_kind": {
            "enum_violation": 1,
            "pattern_mismatch": 1,
            "range_violation": 1,
            "type_mismatch": 1,
        },
    }
    assert doc["exit_code"] == 1


def test_parse_error_pseudo_kind(cli, project: Path) -> None:
    long_line = '{"user_id": "x", ' + '"pad": "' + "y" * 200 + '", broken'
    data = (ndjson(GOOD_EVENT) + long_line + "\n").encode()
    r = cli("test", "-c", USER_EVENTS, "-d", "-", "--format", "json", stdin=data)
    assert r.code == 1
    bad = r.json()["results"][1]
    assert bad["record"] == 2 and bad["line"] == 2 and bad["passed"] is False
    (v,) = bad["violations"]
    assert v["field"] == "(record)" and v["kind"] == "parse_error"
    assert v["message"].startswith("JSON parse error: ")
    assert v["message"].endswith(f"(input: {long_line[:80]})")
    # one position: the finding's own (1-based line and character column), not serde's
    assert " at line " not in v["message"]
    assert (v["line"], v["column"]) == (2, long_line.index("broken") + 1)


def test_contract_errors_exit_2_with_cg_test_wording(cli, project: Path) -> None:
    bad_yaml = project / "contracts" / "bad.yaml"
    bad_yaml.write_text("version: 1\nname: x\n")
    r = cli("test", "-c", "contracts/bad.yaml", "-d", BAD)
    assert r.code == 2 and r.out == ""
    assert "invalid contract YAML: missing field `ontology`" in r.err
    assert "Traceback" not in r.err
    r = cli("test", "-c", "contracts/nope.yaml", "-d", BAD)
    assert r.code == 2 and "cannot read contract: contract file does not exist" in r.err


def test_unreadable_data_exits_2(cli, project: Path) -> None:
    r = cli("test", "-c", USER_EVENTS, "-d", "missing.ndjson")
    assert r.code == 2 and "missing.ndjson: cannot read: No such file or directory" in r.err
    (project / "broken.json").write_text("[1, 2")
    r = cli("test", "-c", USER_EVENTS, "-d", "broken.json", "--format", "json")
    assert r.code == 2 and r.out == ""  # nothing half-written on stdout
    assert "broken.json:1:5: JSON parse error: EOF while parsing a list" in r.err


def test_input_auto_detection(cli, project: Path) -> None:
    pretty = json.dumps([GOOD_EVENT, GOOD_EVENT], indent=2).encode()
    one = json.dumps(GOOD_EVENT, indent=2).encode()
    lines = ndjson(GOOD_EVENT, GOOD_EVENT, GOOD_EVENT).encode()
    yaml_text = b"- user_id: a_1\n  event_type: click\n  timestamp: 5\n"
    for data, fmt, n in (
        (pretty, "json", 2),
        (one, "json", 1),
        (lines, "ndjson", 3),
        (yaml_text, "yaml", 1),
    ):
        r = cli("test", "-c", USER_EVENTS, "-d", "-", "--format", "json", stdin=data)
        doc = r.json()
        assert (doc["input"]["format"], doc["summary"]["total"]) == (fmt, n), data
        assert r.code == 0
    r = cli("test", "-c", USER_EVENTS, "-d", "-", "--input-format", "ndjson", stdin=pretty)
    assert r.code == 1 and "parse_error" in r.out


def test_fail_fast(cli, project: Path) -> None:
    r = cli("test", "-c", USER_EVENTS, "-d", BAD, "--fail-fast", "--format", "json")
    doc = r.json()
    assert r.code == 1 and doc["stopped_early"] is True and doc["summary"]["total"] == 2


def test_github_format(cli, project: Path) -> None:
    r = cli("test", "-c", USER_EVENTS, "-d", BAD, "--format", "github")
    assert r.code == 1
    assert r.lines[0] == (
        f"::error file={BAD},line=3,col=4,title=contractgate%3A pattern_mismatch::"
        "record 2: user_id: Field 'user_id' value \"Dave!\" does not match required pattern"
    )


def test_an_error_that_ends_the_command_is_pinned_to_its_file_in_github(
    cli, project: Path
) -> None:
    """A contract that does not load: the annotation had no ``file=``/``line=`` (the
    position was only in the text), so GitHub showed it on no file."""
    (project / "broken.yaml").write_text(
        'version: "1"\nname: a\nontology:\n  entities:\n    - name: x\n      type: strin\n'
    )
    r = cli("test", "-c", "broken.yaml", "-d", BAD, "--format", "github")
    assert r.code == 2
    assert r.lines[0].startswith(
        "::error file=broken.yaml,line=6,col=13::contractgate: invalid contract YAML: "
        "ontology.entities[0].type: unknown variant `strin`"
    )
    assert "contractgate: error: broken.yaml:6:13: invalid contract YAML: " in r.err


def _reader(stream: Any, q: queue.Queue[str]) -> None:
    for line in iter(stream.readline, b""):
        q.put(line.decode())
    q.put("")


def test_stdin_ndjson_is_validated_as_it_arrives(project: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "contractgate.cli",
            "test",
            "-c",
            USER_EVENTS,
            "-d",
            "-",
            "-v",
            "--color",
            "never",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # stdout is a pipe, block-buffered unless the CLI flushes each record itself
        env={k: v for k, v in subprocess_env().items() if k != "PYTHONUNBUFFERED"},
    )
    assert proc.stdin is not None and proc.stdout is not None
    q: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, q), daemon=True).start()
    try:
        proc.stdin.write((json.dumps(GOOD_EVENT) + "\n").encode())
        proc.stdin.flush()
        assert q.get(timeout=30).startswith("Testing <stdin> (ndjson)")
        assert q.get(timeout=30).strip() == "✓ record 1 (line 1)"
        # the process is still waiting for input, and has already answered
        assert proc.poll() is None
        proc.stdin.write(b'{"user_id": "NOPE", "event_type": "click", "timestamp": 1}\n')
        proc.stdin.flush()
        assert q.get(timeout=30).strip() == "✗ record 2 (line 2)"
        assert "pattern_mismatch" in q.get(timeout=30)
        proc.stdin.close()
        rest: List[str] = []
        while True:
            line = q.get(timeout=30)
            if line == "":
                break
            rest.append(line)
        assert proc.wait(timeout=30) == 1
        assert rest[-1].startswith("✗ 2 records: 1 passed, 1 failed")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


class _Generated(io.RawIOBase):
    """An endless-looking NDJSON stream produced on demand (never held in memory)."""

    def __init__(self, lines: int, pad: int) -> None:
        self._left = lines
        self._line = (json.dumps({**GOOD_EVENT, "note": "x" * pad}) + "\n").encode()
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while len(self._buf) < len(b) and self._left:
            self._buf += self._line
            self._left -= 1
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


class _Sink(io.StringIO):
    def write(self, s: str) -> int:
        return len(s)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_streaming_keeps_memory_constant(project: Path, monkeypatch, fmt: str) -> None:
    from contractgate.cli import main

    lines, pad = 6000, 4000  # ~24 MB of input
    stdin = io.TextIOWrapper(io.BufferedReader(_Generated(lines, pad), 65536), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", _Sink())
    main(["test", "-c", USER_EVENTS, "-d", "-", "--format", fmt])  # warm-up (imports)
    stdin = io.TextIOWrapper(io.BufferedReader(_Generated(lines, pad), 65536), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    tracemalloc.start()
    try:
        code = main(["test", "-c", USER_EVENTS, "-d", "-", "--format", fmt])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 0
    assert peak < 2_000_000, f"peak {peak} bytes while streaming ~{lines * pad // 1_000_000} MB"


def test_empty_input_warns_and_fails_with_fail_on_empty(cli, project: Path) -> None:
    r = cli("test", "-c", USER_EVENTS, "-d", "-", stdin=b"")
    assert r.code == 0
    assert r.lines[-1] == "✓ 0 records: 0 passed, 0 failed"
    assert "contractgate: warning: <stdin>: no records to check" in r.err
    r = cli("test", "-c", USER_EVENTS, "-d", "-", "--fail-on-empty", stdin=b"\n")
    assert r.code == 1
    assert r.lines[-1] == "✗ 0 records: 0 passed, 0 failed (--fail-on-empty)"
    r = cli("test", "-c", USER_EVENTS, "-d", "-", "--fail-on-empty", "--format", "json", stdin=b"")
    doc = r.json()
    assert doc["exit_code"] == 1 and doc["error"] == "no records to check (--fail-on-empty)"


def test_fail_fast_says_so_in_text(cli, project: Path) -> None:
    r = cli("test", "-c", USER_EVENTS, "-d", BAD, "--fail-fast")
    assert r.code == 1
    assert r.lines[-1] == (
        "✗ 2 records: 1 passed, 1 failed — 1 enum_violation, 1 pattern_mismatch "
        "(stopped at the first failure: --fail-fast)"
    )


def test_contract_path_shown_relative_to_the_working_directory(cli, project: Path) -> None:
    r = cli("test", "-c", str(project / USER_EVENTS), "-d", BAD, "--format", "json")
    assert r.json()["contract"]["file"] == USER_EVENTS


def test_empty_input_in_github_format(cli, project: Path) -> None:
    r = cli("test", "-c", USER_EVENTS, "-d", "-", "--format", "github", stdin=b"")
    assert r.code == 0
    assert "::warning::<stdin>: no records to check (--fail-on-empty makes this an error)" in (
        r.lines
    )
    (project / "empty.ndjson").write_text("")
    r = cli("test", "-c", USER_EVENTS, "-d", "empty.ndjson", "--format", "github")
    assert "::warning file=empty.ndjson::empty.ndjson: no records to check" in r.out
    r = cli("test", "-c", USER_EVENTS, "-d", "empty.ndjson", "--format", "github",
            "--fail-on-empty")
    assert r.code == 1
    assert r.lines[0].startswith("::error file=empty.ndjson,title=contractgate%3A empty_input::")


class _BreaksAfter(io.RawIOBase):
    """NDJSON that fails with EIO after some lines: a disk or a network mount giving
    way midway, which no local file can be made to do (subclasses raise otherwise)."""

    def __init__(self, lines: List[bytes]) -> None:
        self._data = b"".join(lines)

    def readable(self) -> bool:
        return True

    def breaks(self) -> BaseException:
        return OSError(errno.EIO, os.strerror(errno.EIO))

    def readinto(self, b: Any) -> int:
        if not self._data:
            raise self.breaks()
        n = min(len(b), len(self._data))
        b[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_read_error_midway_keeps_what_was_checked(
    project: Path, monkeypatch, capsys, fmt: str
) -> None:
    from contractgate.cli import main

    bad = dict(GOOD_EVENT, user_id="NOPE")
    lines = [(json.dumps(e) + "\n").encode() for e in (GOOD_EVENT, bad)]
    stdin = io.TextIOWrapper(io.BufferedReader(_BreaksAfter(lines)), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    code = main(["test", "-c", USER_EVENTS, "-d", "-", "--input-format", "ndjson",
                 "--format", fmt, "--color", "never"])
    out, err = capsys.readouterr()
    assert code == 2  # the input broke: a usage-class error, even with a failing record
    assert "contractgate: error: <stdin>: cannot read: Input/output error" in err
    if fmt == "json":
        doc = json.loads(out)
        assert [r["passed"] for r in doc["results"]] == [True, False]
        assert doc["summary"]["total"] == 2 and doc["exit_code"] == 2
        assert doc["error"] == "cannot read: Input/output error"
        assert "stopped_early" not in doc
    else:
        assert out.splitlines()[-1] == "✗ 2 records: 1 passed, 1 failed — 1 pattern_mismatch"
        assert "no records to check" not in err


def test_a_terminal_on_stdin_gets_a_hint(project: Path) -> None:
    import pty

    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "contractgate.cli", "test", "-c", USER_EVENTS, "-d", "-",
         "--format", "json"],
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(),
    )
    os.close(secondary)
    try:
        os.write(primary, (json.dumps(GOOD_EVENT) + "\n").encode() + b"\x04")  # Ctrl-D
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(primary)
    assert proc.returncode == 0, err
    assert b"contractgate: warning: reading events from the terminal; end with Ctrl-D" in err
    assert json.loads(out)["summary"]["total"] == 1
