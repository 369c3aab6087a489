"""Event file readers: encodings, line separators, broken arrays and nesting depth.

Each test compares the reader with an independent computation: line numbers counted at
``\\n``, positions as the gateway's decoder reports them for the whole file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import List, Tuple

import pytest

from contractgate._validation.values.jsonvalue import MAX_DEPTH, loads
from contractgate.cli._readers import InputError, Record, RecordSource
from contractgate.exceptions import EventDecodeError


def read_file(tmp_path: Path, name: str, data: bytes, fmt: str = "auto") -> List[Record]:
    path = tmp_path / name
    path.write_bytes(data)
    with RecordSource(str(path), fmt) as src:
        return list(src)


def read_stdin(data: bytes, fmt: str = "auto") -> Tuple[str, List[Record]]:
    stream = io.BufferedReader(io.BytesIO(data))  # type: ignore[arg-type]
    with RecordSource("-", fmt, stdin=stream) as src:  # type: ignore[arg-type]
        return src.format, list(src)


def summary(records: List[Record]) -> List[tuple]:
    return [(r.number, r.line, r.value if r.ok else r.error) for r in records]


def gateway_error(text: str) -> EventDecodeError:
    with pytest.raises(EventDecodeError) as exc:
        loads(text)
    return exc.value


def char_position(text: str, err: EventDecodeError) -> Tuple[int, int]:
    """The decoder's (line, byte column; 0 at a line start) as (line, character column)."""
    assert err.line is not None and err.column is not None
    line_bytes = text.split("\n")[err.line - 1].encode()
    return err.line, len(line_bytes[: max(err.column - 1, 0)].decode()) + 1


# -- line separators -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["-", "events.txt", "x.json"])
def test_sniffed_ndjson_splits_lines_only_at_newlines(tmp_path: Path, name: str) -> None:
    """A bare CR is not a line break for NDJSON (the gateway splits at "\\n"): the
    sniffed reading gave 3 records where the .ndjson reading of the same bytes gives 2,
    and shifted every later line number by one."""
    data = b'{"a": 1}\r{"a": 2}\n{"a": 3}\n'
    expected = summary(read_file(tmp_path, "x.ndjson", data))
    assert [(n, line) for n, line, _ in expected] == [(1, 1), (2, 2)]
    assert expected[1][2] == {"a": 3}
    if name == "-":
        _fmt, recs = read_stdin(data)
    else:
        recs = read_file(tmp_path, name, data)
    assert summary(recs) == expected


def test_sniffed_ndjson_after_blank_lines_keeps_crs_in_the_line(tmp_path: Path) -> None:
    data = b'\n\r\n{"a": 1}\r{"a": 2}\r\n{"a": 3}'
    fmt, recs = read_stdin(data)
    assert fmt == "ndjson"
    assert summary(recs) == summary(read_file(tmp_path, "x.ndjson", data))
    assert [(r.line, r.ok) for r in recs] == [(3, False), (4, True)]


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_yaml_unicode_line_separators_do_not_shift_lines(tmp_path: Path, sep: str) -> None:
    """libyaml (YAML 1.1) counts U+2028/U+2029/U+0085 as line breaks; nothing else
    does (YAML 1.2, editors, grep, the JSON readers): the records after one were reported
    a line too low."""
    text = f'- a: "x{sep}y"\n- a: 2\n  b: [1, {{c: 3}}]\n- a: 4\n'
    recs = read_file(tmp_path, "x.yaml", text.encode())
    same = text.replace(sep, "_")  # an ordinary character of the same width
    plain = read_file(tmp_path, "y.yaml", same.encode())
    assert [(r.line, r.column) for r in recs] == [(r.line, r.column) for r in plain]
    assert [r.line for r in recs] == [1, 2, 4]
    assert recs[1].locate("b[1].c") == plain[1].locate("b[1].c") == (3, 11)


def test_yaml_error_after_a_unicode_line_separator_names_its_line(tmp_path: Path) -> None:
    text = '- a: "x\u2028y"  # \u2029\n- a: 2\n  b: [1,\n'
    with pytest.raises(InputError) as exc:
        read_file(tmp_path, "x.yaml", text.encode())
    with pytest.raises(InputError) as plain:
        read_file(tmp_path, "y.yaml", text.replace("\u2028", "_").replace("\u2029", "_").encode())
    assert (exc.value.line, exc.value.column) == (plain.value.line, plain.value.column)
    assert exc.value.line == 4


def test_yaml_record_error_after_a_unicode_line_separator(tmp_path: Path) -> None:
    text = '- a: "\u2028"\n- b: 1\n  ? [x]\n  : 3\n'
    recs = read_file(tmp_path, "x.yaml", text.encode())
    assert recs[0].ok and not recs[1].ok
    assert (recs[1].line, recs[1].error_line, recs[1].error_column) == (2, 3, 5)


# -- positions of unreadable files -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'a: 1\nb: "x\x01"\n',
        "- a: 1\n- a: \x00\n",
        "- {a: 1}\n- a: é\x7f\n",
        "\ufeffa: 1\nb: \x0c\n",
    ],
)
def test_yaml_control_character_names_line_and_column(tmp_path: Path, text: str) -> None:
    """A control character made the file unreadable without saying where."""
    with pytest.raises(InputError) as exc:
        read_file(tmp_path, "x.yaml", text.encode())
    body = text.lstrip("\ufeff")
    bad = next(i for i, ch in enumerate(body) if (ch < " " and ch != "\n") or ch == "\x7f")
    line = body.count("\n", 0, bad) + 1
    column = bad - (body.rfind("\n", 0, bad) + 1) + 1
    assert exc.value.message.startswith("YAML parse error: control characters are not allowed")
    assert (exc.value.line, exc.value.column) == (line, column)


@pytest.mark.parametrize("name", ["x.json", "x.yaml", "x.txt"])
def test_invalid_utf8_names_line_and_column(tmp_path: Path, name: str) -> None:
    data = b'[\n  {"\xc3\xa9": "ab\xffc"}]\n'
    with pytest.raises(InputError) as exc:
        read_file(tmp_path, name, data)
    assert "not valid UTF-8" in exc.value.message
    assert (exc.value.line, exc.value.column) == (2, 12)  # characters, "é" is one


# -- UTF-16 / UTF-32 -----------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, named",
    [
        ("utf-16", "UTF-16"),
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "UTF-16"),
        ("utf-32", "UTF-32"),
        ("utf-32-le", "UTF-32"),
        ("utf-32-be", "UTF-32"),
    ],
)
@pytest.mark.parametrize(
    "name, text",
    [
        ("x.ndjson", '{"a": 1}\n{"a": 2}\n'),
        ("x.json", '[{"a": 1},\n {"a": 2}]\n'),
        ("x.yaml", "- a: 1\n- a: 2\n"),
        ("x.txt", '{"a": 1}\n{"a": 2}\n'),
        ("-", '{"a": 1}\n{"a": 2}\n'),
        ("-", "a: 1\n"),
    ],
)
def test_utf16_and_utf32_inputs_are_unreadable_and_say_why(
    tmp_path: Path, encoding: str, named: str, name: str, text: str
) -> None:
    """A UTF-16 NDJSON file gave one parse_error per line plus a phantom record for the
    NUL byte after the last newline (3 records for 2 events), a UTF-16 YAML file
    "control characters are not allowed" without a position."""
    data = text.encode(encoding)
    with pytest.raises(InputError) as exc:
        if name == "-":
            read_stdin(data)
        else:
            read_file(tmp_path, name, data)
    assert named in exc.value.message and "save it as UTF-8" in exc.value.message
    assert (exc.value.line, exc.value.column) == (1, 1)


def test_nul_bytes_later_in_ndjson_stay_record_errors(tmp_path: Path) -> None:
    recs = read_file(tmp_path, "x.ndjson", b'{"a": 1}\n\x00\x00\x00\x00\n{"a": 2}\n')
    assert [(r.line, r.ok) for r in recs] == [(1, True), (2, False), (3, True)]


# -- JSON arrays -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '[1, "abc]\n',
        '[{"a": 1}, {"a": "x}, {"b": 1}]\n',
        '[{"a": 1},\n {"a": "x\\"}]',
    ],
)
def test_unterminated_string_breaks_the_array(tmp_path: Path, text: str) -> None:
    """The string swallows the closing bracket, so the array is unbalanced: the file is
    unreadable (as the gateway sees it), not one good record and one parse_error."""
    err = gateway_error(text)
    with pytest.raises(InputError) as exc:
        read_file(tmp_path, "x.json", text.encode())
    assert exc.value.message == f"JSON parse error: {err.code}"
    assert (exc.value.line, exc.value.column) == char_position(text, err)


def _nest(depth: int) -> str:
    return '{"a":' * (depth - 1) + "[1]" + "}" * (depth - 1)


@pytest.mark.parametrize("pending", [False, True])
def test_array_element_nested_as_deep_as_the_limit_is_too_deep(
    tmp_path: Path, pending: bool
) -> None:
    """The array itself is a level: an element nested 127 deep is 128 deep in the file,
    which the gateway rejects (recursion limit exceeded); it passed."""
    deep = _nest(MAX_DEPTH)
    ok = _nest(MAX_DEPTH - 1)
    text = f'[{{"a": 1}},\n  {ok},\n  {deep},\n  {{"a": 2}}]\n'
    path = tmp_path / "x.json"
    path.write_bytes(text.encode())
    with RecordSource(str(path)) as src:
        recs = list(src.pending() if pending else src)
    assert len(recs) == 4
    assert recs[0].decoded is not pending and recs[1].decoded is not pending
    assert not recs[2].ok and recs[2].decoded
    assert recs[2].error is not None
    assert recs[2].error.startswith("JSON parse error: recursion limit exceeded (input: ")
    # where the gateway stops in a file holding only that element
    alone = f'[{{"a": 1}},\n  0,\n  {deep}]'
    err = gateway_error(alone)
    assert err.code == "recursion limit exceeded"
    assert (recs[2].line, recs[2].error_line, recs[2].error_column) == (3, err.line, err.column)
    if not pending:
        assert recs[1].ok and recs[3].value == {"a": 2}


def test_deep_element_with_an_earlier_error_keeps_that_error(tmp_path: Path) -> None:
    deep = '{"x": NaN, "a":' + _nest(MAX_DEPTH - 1) + "}"
    (rec,) = read_file(tmp_path, "x.json", f"[{deep}]".encode())
    assert not rec.ok and rec.error is not None
    assert rec.error.startswith("JSON parse error: expected value")
    assert (rec.error_line, rec.error_column) == (1, 8)


def test_array_elements_after_u2028_in_a_string_keep_their_lines(tmp_path: Path) -> None:
    text = '[{"a": "x\u2028y"},\n {"a": "\u2029", "b": 01},\n {"a": 3}]'
    recs = read_file(tmp_path, "x.json", text.encode())
    assert [(r.line, r.ok) for r in recs] == [(1, True), (2, False), (3, True)]
    err = gateway_error(text)  # the first error in the file is this element's
    assert (recs[1].error_line, recs[1].error_column) == char_position(text, err) == (2, 19)


@pytest.mark.parametrize("pending", [False, True])
@pytest.mark.parametrize("element", ["tru", "1.", "-", "1e+", "nul"])
def test_bare_scalar_element_is_decoded_as_in_its_array(
    tmp_path: Path, element: str, pending: bool
) -> None:
    """Decoded alone, ``tru`` ran into the end of its text: "EOF while parsing a value",
    where the gateway, reading on into ", 1]", says "expected ident" (and "invalid
    number" for ``1.``)."""
    text = f'[{{"a": 1}},\n  {element}, {{"a": 2}}]'
    err = gateway_error(text)
    path = tmp_path / "x.json"
    path.write_bytes(text.encode())
    with RecordSource(str(path)) as src:
        recs = list(src.pending() if pending else src)
    assert len(recs) == 3 and not recs[1].ok and recs[1].error is not None
    assert recs[1].error == f"JSON parse error: {err.code} (input: {element})"
    assert "EOF" not in err.code
    assert (recs[1].error_line, recs[1].error_column) == char_position(text, err)
