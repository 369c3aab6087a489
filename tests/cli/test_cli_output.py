"""Output helpers: GitHub annotation escaping, streamed JSON, colour decisions."""

from __future__ import annotations

import io
import json

from cg_cli_testlib import TTYStringIO

from contractgate.cli._common import Finding
from contractgate.cli._output import JsonStream, Style, finding_text, github_annotation, use_color


def test_github_annotation_escaping() -> None:
    line = github_annotation(
        "error", "50% off\nline two", file="a,b:c.json", line=3, column=7, title="x: y"
    )
    assert line == "::error file=a%2Cb%3Ac.json,line=3,col=7,title=x%3A y::50%25 off%0Aline two"
    assert github_annotation("error", "m") == "::error::m"
    assert github_annotation("warning", "m", file="f", column=3) == "::warning file=f::m"


def test_json_stream_is_one_valid_document() -> None:
    buf = io.StringIO()
    js = JsonStream(buf, {"a": 1})
    for i in range(3):
        js.item({"i": i})
    js.close({"summary": {"n": 3}})
    assert json.loads(buf.getvalue()) == {
        "a": 1,
        "results": [{"i": 0}, {"i": 1}, {"i": 2}],
        "summary": {"n": 3},
    }
    buf = io.StringIO()
    JsonStream(buf, {}).close({})
    assert json.loads(buf.getvalue()) == {"results": []}


def test_finding_text_parts() -> None:
    plain = Style(False)
    f = Finding("enum_violation", "bad", file="f.json", line=2, column=5, record=1, field="a.b")
    assert finding_text(f, plain) == "f.json:2:5: record 1: a.b: bad [enum_violation]"
    f = Finding("yaml_error", "x.y: invalid type", file="c.yaml", line=1, field="x.y")
    assert finding_text(f, plain) == "c.yaml:1: x.y: invalid type [yaml_error]"
    assert "\x1b[31m" in finding_text(f, Style(True))
    f = Finding("yaml_error", "YAML parse error: x.y: missing", file="c.yaml", field="x.y")
    assert finding_text(f, plain) == "c.yaml: YAML parse error: x.y: missing [yaml_error]"
    # a value that happens to hold "field: " does not hide the field
    message = "Field 'id' value \"id: 5\" does not match required pattern"
    f = Finding("pattern_mismatch", message, file="f.json", line=1, column=2, record=1, field="id")
    assert finding_text(f, plain) == f"f.json:1:2: record 1: id: {message} [pattern_mismatch]"


def test_use_color(monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_color("auto", TTYStringIO(True)) is True
    assert use_color("auto", TTYStringIO(False)) is False
    assert use_color("always", TTYStringIO(False)) is True
    assert use_color("never", TTYStringIO(True)) is False
    monkeypatch.setenv("TERM", "dumb")
    assert use_color("auto", TTYStringIO(True)) is False
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm")
    assert use_color("auto", TTYStringIO(False)) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color("auto", TTYStringIO(True)) is False
