"""The pure-Python libyaml 0.2.5 port against libyaml 0.2.5 itself.

``tests/data/libyaml-0.2.5-oracle.jsonl`` holds libyaml 0.2.5's answers (events, marks,
errors and where they surface) for a few thousand texts, recorded by
``scripts/record_libyaml_oracle.py`` (see there for the format and how to re-record).
Every record must match exactly. The focused tests below pin the points the loader
relies on: BOM handling, laziness, byte offsets of reader errors, no nesting limit, and
linear cost (counted in steps, never timed).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from contractgate._validation.loading.libyaml import (
    ALIAS,
    DOCUMENT_END,
    DOCUMENT_START,
    MAPPING_END,
    MAPPING_START,
    PLAIN_STYLE,
    SCALAR,
    SEQUENCE_END,
    SEQUENCE_START,
    STREAM_END,
    STREAM_START,
    Event,
    YAMLReaderError,
    YAMLSyntaxError,
    iter_events,
)
from contractgate._validation.loading.libyaml import scanner as scanner_module

ORACLE = Path(__file__).resolve().parent.parent / "data" / "libyaml-0.2.5-oracle.jsonl"


def _load() -> List[Dict[str, Any]]:
    with ORACLE.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


RECORDS = _load()


def _text(record: Dict[str, Any]) -> str:
    if "text" in record:
        return str(record["text"])
    return "".join(piece * n for piece, n in record["rle"])


def _encode(ev: Event) -> List[Any]:
    out: List[Any] = [ev.kind, *ev.start, ev.start_index, *ev.end, ev.end_index]
    if ev.kind == DOCUMENT_START:
        version = list(ev.version) if ev.version is not None else None
        out += [ev.implicit, version, [list(t) for t in ev.tag_directives]]
    elif ev.kind == DOCUMENT_END:
        out.append(ev.implicit)
    elif ev.kind == ALIAS:
        out.append(ev.anchor)
    elif ev.kind == SCALAR:
        out += [ev.value, ev.style, ev.tag, ev.anchor, ev.implicit, ev.quoted_implicit]
    elif ev.kind in (SEQUENCE_START, MAPPING_START):
        out += [ev.tag, ev.anchor, ev.implicit, ev.style]
    return out


def _encode_error(exc: Exception) -> List[Any]:
    if isinstance(exc, YAMLReaderError):
        return ["reader", exc.reason, exc.offset, exc.value]
    assert isinstance(exc, YAMLSyntaxError)
    assert exc.problem_mark is not None
    out: List[Any] = [exc.stage, exc.problem, *exc.problem_mark, exc.problem_index]
    if exc.context is not None:
        assert exc.context_mark is not None
        out += [exc.context, *exc.context_mark, exc.context_index]
    else:
        out += [None, None, None, None]
    return out


def port(text: str) -> Tuple[List[List[Any]], Optional[List[Any]], List[Event]]:
    events: List[List[Any]] = []
    raw: List[Event] = []
    try:
        for ev in iter_events(text):
            raw.append(ev)
            events.append(_encode(ev))
    except (YAMLSyntaxError, YAMLReaderError) as exc:
        return events, _encode_error(exc), raw
    return events, None, raw


def _undecodable(ev: Event) -> bool:
    """PyYAML cannot decode tags that URI escapes made invalid UTF-8; we keep the bytes."""
    texts = [ev.tag or ""] + [p for pair in ev.tag_directives for p in pair]
    return any(any("\udc80" <= c <= "\udcff" for c in t) for t in texts)


def _check(record: Dict[str, Any]) -> None:
    text = _text(record)
    events, error, raw = port(text)
    expected_error = record["error"]
    if expected_error == ["undecodable"]:
        # The oracle stopped at an event it could not turn into Python: that event must
        # carry bytes that are not UTF-8, and the events before it must match.
        n = len(record["events"]) if "events" in record else record["n_events"]
        assert len(raw) > n and _undecodable(raw[n]), record["id"]
        events = events[:n]
        error = expected_error
    if "events" in record:
        assert events == record["events"], record["id"]
    else:
        assert len(events) == record["n_events"], record["id"]
        tail = record["tail"]
        assert events[len(events) - len(tail) :] == tail, record["id"]
        digest = hashlib.sha256(
            json.dumps(events, ensure_ascii=True, separators=(",", ":")).encode()
        ).hexdigest()
        assert digest == record["events_sha256"], record["id"]
    assert error == expected_error, record["id"]


@pytest.mark.parametrize("chunk", list(range(16)))
def test_oracle_records(chunk: int) -> None:
    failures = []
    for record in RECORDS[chunk::16]:
        try:
            _check(record)
        except AssertionError:
            failures.append(record["id"])
    assert not failures, f"{len(failures)} records differ from libyaml 0.2.5: {failures[:20]}"


def test_oracle_file_is_substantial() -> None:
    assert len(RECORDS) >= 3000
    kinds = {(r["error"] or ["ok"])[0] for r in RECORDS}
    assert {"ok", "scanner", "parser", "reader"} <= kinds


# --------------------------------------------------------------------------------------
# Focused tests
# --------------------------------------------------------------------------------------


def _kinds(text: str) -> List[int]:
    return [ev.kind for ev in iter_events(text)]


def _scalars(text: str) -> List[Tuple[str, Tuple[int, int]]]:
    return [(ev.value, ev.start) for ev in iter_events(text) if ev.kind == SCALAR]


def _error(text: str) -> Exception:
    with pytest.raises((YAMLSyntaxError, YAMLReaderError)) as info:
        for _ in iter_events(text):
            pass
    return info.value


def test_leading_bom_is_a_character_skipped_at_column_0() -> None:
    # serde_yaml presets UTF-8: the BOM is not stripped, the scanner skips it (column 1).
    assert _scalars("\ufeffa: b") == [("a", (0, 1)), ("b", (0, 4))]
    # A second BOM is content (only one is skipped per line start).
    assert _scalars("\ufeff\ufeffa") == [("\ufeffa", (0, 1))]
    # At the start of any line, not only the first: the BOM takes column 0, so "b" is
    # indented and no longer a key of the mapping.
    err = _error("a: 1\n\ufeffb: 2")
    assert isinstance(err, YAMLSyntaxError)
    assert (err.problem, err.problem_mark) == ("did not find expected key", (1, 1))
    # Not inside a line.
    assert _scalars("a: \ufeffb") == [("a", (0, 0)), ("\ufeffb", (0, 3))]
    # A BOM counts 3 bytes in reader-error offsets.
    err = _error("\ufeff\x01")
    assert isinstance(err, YAMLReaderError) and err.offset == 3


@pytest.mark.parametrize(
    ("prefix", "offset"),
    [("", 0), ("a", 1), ("é", 2), ("語", 3), ("\U0001f600", 4), ("\ufeffa: é", 8)],
)
def test_reader_error_offsets_are_utf8_bytes(prefix: str, offset: int) -> None:
    err = _error(prefix + "\x07 tail")
    assert isinstance(err, YAMLReaderError)
    assert (err.reason, err.offset, err.value) == ("control characters are not allowed", offset, 7)


def test_reader_error_values_and_surrogates() -> None:
    for bad in ("\x00", "\x08", "\x0b", "\x1f", "\x7f", "\x84", "\x9f", "\ufffe", "\uffff"):
        err = _error("k: " + bad)
        assert isinstance(err, YAMLReaderError) and err.value == ord(bad) and err.offset == 3
    for good in ("\t", "\xa0", "\ud7ff", "\ue000", "\ufffd", "\U00010000", "\U0010ffff"):
        assert _scalars("k: a" + good + "b")[1][0] == "a" + good + "b"
    err = _error("k: \ud800")  # libyaml would meet the 3 bytes ED A0 80
    assert isinstance(err, YAMLReaderError)
    assert (err.reason, err.offset, err.value) == ("invalid Unicode character", 3, 0xD800)


def test_reader_error_in_a_later_chunk_surfaces_lazily() -> None:
    # libyaml decodes 16384 bytes at a time: a bad character in a later chunk fails
    # the first CACHE that reaches that chunk; the events before it are delivered.
    text = "- item\n" * 4000 + "- \x01\n"
    events = iter_events(text)
    seen = 0
    with pytest.raises(YAMLReaderError) as info:
        for _ in events:
            seen += 1
    assert info.value.offset == 28002
    # only the items of the first 16384 bytes (2340 lines of 7 bytes): not all 4000
    assert 2340 < seen < 2350
    # In the first chunk the error comes before any event.
    assert _kinds_or_error("- item\n" * 10 + "\x01") == "error after 0 events"


def _kinds_or_error(text: str) -> str:
    n = 0
    try:
        for _ in iter_events(text):
            n += 1
    except (YAMLSyntaxError, YAMLReaderError):
        return f"error after {n} events"
    return f"{n} events"


def test_error_after_the_first_document_surfaces_only_when_asked_for() -> None:
    events = iter_events("a: b\n--- [c, d: e: f]\n")  # the error is at the second ':'

    kinds = [next(events).kind for _ in range(7)]
    assert kinds == [
        STREAM_START,
        DOCUMENT_START,
        MAPPING_START,
        SCALAR,
        SCALAR,
        MAPPING_END,
        DOCUMENT_END,
    ]
    assert next(events).kind == DOCUMENT_START
    assert next(events).kind == SEQUENCE_START
    with pytest.raises(YAMLSyntaxError) as info:
        for _ in events:
            pass
    assert (info.value.problem, info.value.problem_mark) == (
        "did not find expected ',' or ']'",
        (1, 12),
    )
    assert (info.value.context, info.value.context_mark) == (
        "while parsing a flow sequence",
        (1, 4),
    )
    assert list(events) == []  # the stream ends with the error


def test_scan_ahead_for_simple_keys_decides_when_errors_surface() -> None:
    # '"a"' may be a simple key: libyaml scans on to the next token before it delivers
    # the scalar (even the DOCUMENT-START that precedes it), and that token fails.
    assert _kinds_or_error('"a" @') == "error after 1 events"
    # After a ':' that resolved a simple key, no simple key is allowed on that line: the
    # value is delivered first and the error surfaces with the next request.
    assert _kinds_or_error('a: b\nc: "d" @') == "error after 7 events"


def test_error_texts_and_marks() -> None:
    cases = {
        "a: b: c": ("mapping values are not allowed in this context", (0, 4), None, None),
        "@": (
            "found character that cannot start any token",
            (0, 0),
            "while scanning for the next token",
            (0, 0),
        ),
        "a:\n  b\n c: d": ("mapping values are not allowed in this context", (2, 2), None, None),
        '"\\x4g"': (
            "did not find expected hexdecimal number",
            (0, 3),
            "while parsing a quoted scalar",
            (0, 0),
        ),
        "k" * 1025 + ": v": (
            "mapping values are not allowed in this context",
            (0, 1025),
            None,
            None,
        ),
        "? a\n" + "k" * 1030 + "\n: v": (
            "could not find expected ':'",
            (2, 0),
            "while scanning a simple key",
            (1, 0),
        ),
        "%YAML 1.3\n---": ("found incompatible YAML document", (0, 0), None, None),
        "!e!x a": ("found undefined tag handle", (0, 0), "while parsing a node", (0, 0)),
        "a:\n\t- b": (
            "found character that cannot start any token",
            (1, 0),
            "while scanning for the next token",
            (1, 0),
        ),
    }
    for text, (problem, mark, context, context_mark) in cases.items():
        err = _error(text)
        assert isinstance(err, YAMLSyntaxError), text
        assert (err.problem, err.problem_mark, err.context, err.context_mark) == (
            problem,
            mark,
            context,
            context_mark,
        ), text


def test_simple_key_length_limit_is_1024_characters() -> None:
    assert _scalars("k" * 1024 + ": v")[0][0] == "k" * 1024
    assert isinstance(_error("k" * 1025 + ": v"), YAMLSyntaxError)
    # counted in characters (mark.index), not bytes
    assert _scalars("é" * 1024 + ": v")[0][0] == "é" * 1024


def test_long_scalars_of_every_style() -> None:
    big = "x" * 1_000_000
    words = "ab cd\tef " * 100_000 + "gh"
    assert _scalars("k: " + big)[1][0] == big
    assert _scalars("k: " + words)[1][0] == words
    assert _scalars('k: "' + words + '"')[1][0] == words
    assert _scalars("k: '" + words.replace("a", "''") + "'")[1][0] == words.replace("a", "'")
    assert (
        _scalars("k: |\n" + ("  " + big[:1000] + "\n") * 1000)[1][0] == (big[:1000] + "\n") * 1000
    )
    assert _scalars("k: >\n  a\n  b\n\n  c\n")[1][0] == "a b\nc\n"


def test_no_nesting_limit_and_no_recursion() -> None:
    depth = 10_000
    kinds = _kinds("[" * depth + "]" * depth)
    assert kinds.count(SEQUENCE_START) == depth and kinds.count(SEQUENCE_END) == depth
    kinds = _kinds("{a: " * depth + "b" + "}" * depth)
    assert kinds.count(MAPPING_START) == depth and kinds.count(MAPPING_END) == depth
    kinds = _kinds("".join("  " * i + "k:\n" for i in range(2000)) + "  " * 2000 + "v\n")
    assert kinds.count(MAPPING_START) == 2000


def _steps(text: str) -> int:
    """Lines of this package executed while parsing ``text`` (a cost model, no clock)."""
    import sys

    package = str(Path(scanner_module.__file__).parent)
    count = 0

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if not frame.f_code.co_filename.startswith(package):
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        for _ in iter_events(text):
            pass
    except (YAMLSyntaxError, YAMLReaderError):
        pass
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "[" * n + "]" * n,  # flow nesting: libyaml itself is quadratic here
        lambda n: "[" * n,
        lambda n: "{a: " * n + "b" + "}" * n,
        lambda n: "- " * n + "x",
        lambda n: "[" + "a, " * n + "]",
        lambda n: "".join(f"k{i}: v\n" for i in range(n)),
        lambda n: (
            "".join(f"%TAG !t{i}! p{i}:\n" for i in range(n))
            + "--- ["
            + ", ".join(f"!t{i}!x a" for i in range(n))
            + "]"
        ),
    ],
)
def test_cost_is_linear(make: Any) -> None:
    small, large = _steps(make(500)), _steps(make(2000))
    assert large < 4.6 * small, (small, large)


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "k: " + "x" * n,
        lambda n: "k: " + "ab cd " * (n // 6),
        lambda n: '"' + "ab cd " * (n // 6) + '"',
        lambda n: "'" + "ab cd " * (n // 6) + "'",
        lambda n: "# " + "c" * n + "\nk: v",
        lambda n: "k: |\n  " + "x" * n + "\n",
    ],
)
def test_runs_of_ordinary_characters_cost_nothing_per_character(make: Any) -> None:
    assert _steps(make(1_000_000)) < _steps(make(1_000)) + 50


def test_tags_anchors_and_directives() -> None:
    events = list(iter_events("%TAG !e! tag:e.com,2000:\n--- !e!x &a [!!str b, *a, !<u:v> c, ! d]"))
    doc = events[1]
    assert doc.kind == DOCUMENT_START and not doc.implicit
    assert doc.tag_directives == (("!e!", "tag:e.com,2000:"),)
    seq = events[2]
    assert (seq.tag, seq.anchor, seq.implicit) == ("tag:e.com,2000:x", "a", False)
    scalars = [ev for ev in events if ev.kind in (SCALAR, ALIAS)]
    assert [(ev.value, ev.tag, ev.anchor) for ev in scalars] == [
        ("b", "tag:yaml.org,2002:str", None),
        ("", None, "a"),
        ("c", "u:v", None),
        ("d", "!", None),
    ]
    assert scalars[3].implicit and scalars[3].plain  # the '!' tag keeps plain_implicit


def test_tags_are_c_strings_of_bytes() -> None:
    # A %00 escape ends the C string; bytes that are not UTF-8 are kept (surrogateescape).
    assert [ev.tag for ev in iter_events("!a%00b c") if ev.kind == SCALAR] == ["!a"]
    assert [ev.tag for ev in iter_events("!a%C0%80 c") if ev.kind == SCALAR] == ["!a\udcc0\udc80"]
    assert [ev.tag for ev in iter_events("!%00 c") if ev.kind == SCALAR] == ["!"]


def test_event_interface() -> None:
    events = list(iter_events("a: 'b'\n"))
    assert [ev.kind for ev in events] == [
        STREAM_START,
        DOCUMENT_START,
        MAPPING_START,
        SCALAR,
        SCALAR,
        MAPPING_END,
        DOCUMENT_END,
        STREAM_END,
    ]
    key, value = events[3], events[4]
    assert key.plain and key.style == PLAIN_STYLE and (key.start, key.end) == ((0, 0), (0, 1))
    assert not value.plain and value.quoted_implicit and value.value == "b"
    assert (value.start_index, value.end_index) == (3, 6)
    assert events[-1].start == (1, 0)
    assert events[-2].implicit  # an implicit DOCUMENT-END
