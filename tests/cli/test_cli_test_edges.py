"""``contractgate test`` at its edges: quiet runs, inputs that break or are interrupted
midway, ``--jobs N`` keeping ``--jobs 1``'s output in those cases too, and positions in
CRLF, BOM, blank-line, multi-document and multi-line inputs."""

from __future__ import annotations

import io
import json
import signal
import sys
from pathlib import Path
from typing import Any, List

import pytest
from cg_cli_testlib import GOOD_EVENT, USER_EVENTS, break_the_pool, ndjson
from test_cli_test import _BreaksAfter

from contractgate.cli._checking import CHUNK

BAD = dict(GOOD_EVENT, user_id="NOPE")


def _lines(events: List[Any]) -> List[bytes]:
    return [(json.dumps(e) + "\n").encode() for e in events]


def _run_on_stream(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, raw: io.RawIOBase, *args: str
) -> Any:
    from contractgate.cli import main

    stdin = io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    code = main(
        [
            "test",
            "-c",
            USER_EVENTS,
            "-d",
            "-",
            "--input-format",
            "ndjson",
            "--color",
            "never",
            *args,
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


# -- --fail-on-empty ------------------------------------------------------------------


def test_quiet_fail_on_empty_still_says_why_it_failed(cli, project: Path) -> None:
    (project / "blank.ndjson").write_bytes(b"\n\r\n  \n")
    r = cli("test", "-q", "-c", USER_EVENTS, "-d", "blank.ndjson", "--fail-on-empty")
    assert r.code == 1
    # -q prints only problems: an empty input under --fail-on-empty is one
    assert r.lines == ["blank.ndjson: no records to check (--fail-on-empty) [empty_input]"]
    r = cli("test", "-c", USER_EVENTS, "-d", "blank.ndjson", "--fail-on-empty")
    assert r.lines[-2:] == [
        "blank.ndjson: no records to check (--fail-on-empty) [empty_input]",
        "✗ 0 records: 0 passed, 0 failed (--fail-on-empty)",
    ]
    assert "warning" not in r.err


def test_only_parse_errors_are_not_an_empty_input(cli, project: Path) -> None:
    r = cli(
        "test",
        "-c",
        USER_EVENTS,
        "-d",
        "-",
        "--fail-on-empty",
        "--format",
        "json",
        "--input-format",
        "ndjson",
        stdin=b"\nnot json\n",
    )
    doc = r.json()
    assert r.code == 1 and "error" not in doc
    assert doc["summary"]["total"] == 1 and doc["summary"]["by_kind"] == {"parse_error": 1}
    assert doc["results"][0]["line"] == 2


# -- a stream that breaks midway, with --jobs N ----------------------------------------


@pytest.mark.parametrize("n", [3, CHUNK + 5, 2 * CHUNK + 500])
@pytest.mark.parametrize("stop", ["read_error", "ctrl_c"])
def test_jobs_keeps_the_records_read_before_the_input_stops(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, n: int, stop: str
) -> None:
    """--jobs N reads ahead: records it read before the input broke (or Ctrl-C came
    while it waited for more) are still checked and reported, as --jobs 1 does."""
    events = [BAD if i % 3 == 1 else GOOD_EVENT for i in range(n)]
    breaker = _BreaksAfter if stop == "read_error" else _InterruptedAfter
    docs = []
    for jobs in ("1", "2"):
        code, out, err = _run_on_stream(
            monkeypatch, capsys, breaker(_lines(events)), "--format", "json", "-j", jobs
        )
        if stop == "read_error":
            assert code == 2, err
            assert "contractgate: error: <stdin>: cannot read: Input/output error" in err
        else:
            assert (code, err) == (130, "contractgate: interrupted\n")
        docs.append(json.loads(out))
    one, two = docs
    assert one["summary"]["total"] == n and one["summary"]["failed"] == n // 3
    assert one["error"] == (
        "cannot read: Input/output error" if stop == "read_error" else "interrupted"
    )
    assert two == one


# -- Ctrl-C -----------------------------------------------------------------------------


class _InterruptedAfter(_BreaksAfter):
    """NDJSON whose reader gets Ctrl-C after some lines (a ``tail -f`` ended by hand)."""

    def breaks(self) -> BaseException:
        return KeyboardInterrupt()


def test_ctrl_c_midway_keeps_the_json_document_whole(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    code, out, err = _run_on_stream(
        monkeypatch, capsys, _InterruptedAfter(_lines([GOOD_EVENT, BAD])), "--format", "json"
    )
    assert code == 130
    assert err.endswith("contractgate: interrupted\n") and "Traceback" not in err
    doc = json.loads(out)  # one valid document, with what was checked
    assert [r["passed"] for r in doc["results"]] == [True, False]
    assert doc["summary"]["total"] == 2
    assert doc["exit_code"] == 130 and doc["error"] == "interrupted"


def test_ctrl_c_midway_in_text_prints_the_summary(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    code, out, err = _run_on_stream(
        monkeypatch, capsys, _InterruptedAfter(_lines([GOOD_EVENT, BAD]))
    )
    assert code == 130 and err == "contractgate: interrupted\n"
    assert out.splitlines()[-1] == (
        "✗ 2 records: 1 passed, 1 failed — 1 pattern_mismatch (interrupted)"
    )


def test_ctrl_c_while_the_worker_pool_starts_exits_130(
    cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C that lands while ``submit`` starts the pool's thread left a pool whose
    shutdown failed ("cannot join thread before it is started"): an internal error,
    exit 70, instead of 130."""
    import os
    import time
    from concurrent.futures import process

    start = process._ExecutorManagerThread.start

    def interrupted_start(self: Any) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, as the thread is being started
        time.sleep(0.2)
        start(self)

    monkeypatch.setattr(process._ExecutorManagerThread, "start", interrupted_start)
    (project / "big.ndjson").write_text(ndjson(*[GOOD_EVENT] * (2 * CHUNK + 1)))
    r = cli("test", "-c", USER_EVENTS, "-d", "big.ndjson", "-j", "2", "--format", "json")
    assert r.code == 130, r.err
    assert "internal error" not in r.err
    assert r.json()["exit_code"] == 130


def test_a_worker_that_dies_still_ends_the_json_document(
    cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_the_pool(monkeypatch)
    (project / "big.ndjson").write_text(ndjson(*[GOOD_EVENT] * (2 * CHUNK + 1)))
    r = cli("test", "-c", USER_EVENTS, "-d", "big.ndjson", "-j", "2", "--format", "json")
    assert r.code == 70
    assert "a worker process of --jobs ended abruptly" in r.err and "Traceback" not in r.err
    doc = r.json()
    assert doc["exit_code"] == 70 and doc["results"] == []
    assert doc["error"].startswith("a worker process of --jobs ended abruptly")
    assert "no records to check" not in r.err  # the input was not empty


# -- positions ------------------------------------------------------------------------


def test_positions_agree_across_formats_in_a_multi_line_crlf_array(cli, project: Path) -> None:
    """Each element of a JSON array keeps the line it starts on; a field on a later line
    of the element is shown at its own line (text), line and column (json, github)."""
    (project / "events.json").write_bytes(
        b"[\r\n"
        b'  {"user_id": "a_1", "event_type": "click", "timestamp": 1},\r\n'
        b'  {"event_type": "click",\r\n'
        b'   "user_id": "B!", "timestamp": 2}\r\n'
        b"]"
    )
    args = ("test", "-c", USER_EVENTS, "-d", "events.json", "--color", "never")
    text = cli(*args)
    assert text.code == 1
    assert text.lines[1:3] == [
        "✗ record 2 (line 3)",
        "    user_id:4: Field 'user_id' value \"B!\" does not match required pattern "
        "[pattern_mismatch]",
    ]
    doc = cli(*args, "--format", "json").json()
    assert doc["results"][1]["line"] == 3
    assert doc["results"][1]["violations"][0]["line"] == 4
    assert doc["results"][1]["violations"][0]["column"] == 4
    gh = cli(*args, "--format", "github")
    assert gh.lines[0].startswith(
        "::error file=events.json,line=4,col=4,title=contractgate%3A pattern_mismatch::"
        "record 2: user_id: "
    )


def test_yaml_documents_number_records_across_documents(cli, project: Path) -> None:
    (project / "events.yaml").write_text(
        "---\nuser_id: a_1\nevent_type: click\ntimestamp: 1\n"
        "---\n- user_id: b_2\n  event_type: click\n  timestamp: 2\n"
        "- user_id: c_3\n  event_type: nope\n  timestamp: 3\n"
    )
    for jobs in ("1", "2"):
        r = cli("test", "-c", USER_EVENTS, "-d", "events.yaml", "--format", "json", "-j", jobs)
        doc = r.json()
        assert [(x["record"], x["line"]) for x in doc["results"]] == [(1, 2), (2, 6), (3, 9)]
        (v,) = doc["results"][2]["violations"]
        assert (v["field"], v["line"], v["column"]) == ("event_type", 10, 3)


def test_ndjson_lines_keep_their_numbers_with_crlf_blank_lines_and_no_last_newline(
    cli, project: Path
) -> None:
    data = (
        b'{"user_id": "a_1", "event_type": "click", "timestamp": 1}\r\n'
        b"\r\n"
        b"   \n"
        b'[{"user_id": "a_1"}]\r\n'
        b'  {"user_id": "B!", "event_type": "click", "timestamp": 2}'
    )
    (project / "events.ndjson").write_bytes(data)
    for source, stdin in (("events.ndjson", None), ("-", data)):
        r = cli("test", "-c", USER_EVENTS, "-d", source, "--format", "json", stdin=stdin)
        doc = r.json()
        assert doc["input"]["format"] == "ndjson"
        assert [(x["record"], x["line"]) for x in doc["results"]] == [(1, 1), (2, 4), (3, 5)]
        # a line holding an array is one event, which is not an object (as in cg test)
        assert doc["results"][1]["violations"] == [
            {
                "field": "<root>",
                "message": "Event must be a JSON object",
                "kind": "type_mismatch",
                "line": 4,
                "column": 1,
            }
        ]
        (v,) = doc["results"][2]["violations"]
        assert (v["field"], v["line"], v["column"]) == ("user_id", 5, 4)
