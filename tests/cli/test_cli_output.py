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


def test_control_characters_from_input_never_reach_the_terminal(cli, tmp_path) -> None:
    """A parse error's preview, an event's key in a message and a field path held the
    input's raw bytes: ESC sequences recoloured the terminal or set its title, a CR
    overwrote the line. People's output escapes them (JSON output stays exact)."""
    strict = tmp_path / "strict.yaml"
    strict.write_text(
        'version: "1"\nname: s\ncompliance_mode: true\nontology:\n  entities:\n'
        "    - {name: a, type: string, required: true}\n"
    )
    events = tmp_path / "e.ndjson"
    events.write_bytes(
        b'{"a": "\x1b]0;pwned\x07\r"}\n'  # raw controls: a parse error with a preview
        b'{"a": "x", "\\u001b[31mred\\u009b": 1}\n'  # an undeclared key, escaped in JSON
    )
    for fmt in ("text", "github"):
        r = cli("validate", "--contract", str(strict), "--format", fmt, str(events))
        assert r.code == 1, r
        shown = r.out + r.err
        assert not any(c in shown for c in "\x1b\x07\r\x9b"), repr(shown)
        assert "\\u{1b}]0;pwned\\u{7}" in shown and "\\u{1b}[31mred\\u{9b}" in shown
    r = cli("validate", "--contract", str(strict), "--format", "json", str(events))

    def strings(v: object) -> list:
        if isinstance(v, dict):
            return [s for x in v.values() for s in strings(x)]
        return [s for x in v for s in strings(x)] if isinstance(v, list) else [v]

    assert any("\x1b[31mred\x9b" in str(s) for s in strings(json.loads(r.out)))


def test_finding_text_escapes_controls_but_keeps_its_own_colours_and_lines() -> None:
    f = Finding(file="a\x1bb.json", line=1, column=2, record=1, field="k\x1b",
                message="line one \x1b[2J\nline two\t\x85", kind="pattern_mismatch")  # fmt: skip
    text = finding_text(f, Style(True))
    plain = text.replace("\x1b[1m", "").replace("\x1b[2m", "").replace("\x1b[36m", "")
    plain = plain.replace("\x1b[31m", "").replace("\x1b[0m", "")
    assert "\x1b" not in plain and "\x85" not in plain
    assert "a\\u{1b}b.json:1:2" in plain and "k\\u{1b}" in plain
    assert plain.endswith("line one \\u{1b}[2J [pattern_mismatch]\n    line two\t\\u{85}")
