"""Event file readers: formats, line numbers, record-level parse errors, locating fields."""

from __future__ import annotations

import io
from pathlib import Path
from typing import List

import pytest

from contractgate.cli._readers import InputError, Record, RecordSource


def read(tmp_path: Path, name: str, text: str, fmt: str = "auto") -> List[Record]:
    path = tmp_path / name
    path.write_bytes(text.encode())
    with RecordSource(str(path), fmt) as src:
        return list(src)


def read_stdin(data: bytes, fmt: str = "auto") -> tuple:
    src = RecordSource("-", fmt, stdin=io.BufferedReader(io.BytesIO(data)))  # type: ignore[arg-type]
    with src:
        return src.format, list(src)


def test_json_array_elements_keep_their_lines(tmp_path: Path) -> None:
    text = '[\n  {"a": 1},\n\n  {\n    "a": [1, {"b": "x]"}],\n    "c": "},{"\n  },\n  3\n]\n'
    recs = read(tmp_path, "x.json", text)
    assert [(r.index, r.line, r.column) for r in recs] == [(0, 2, 3), (1, 4, 3), (2, 8, 3)]
    assert recs[1].value == {"a": [1, {"b": "x]"}], "c": "},{"}
    assert recs[1].locate("a[1].b") == (5, 15)
    assert recs[1].locate("c") == (6, 5)
    assert recs[1].locate("missing.deeper") == (4, 3)  # falls back to the record


def test_json_single_object(tmp_path: Path) -> None:
    (rec,) = read(tmp_path, "x.json", '\n\n  {"a":\n 1}\n')
    assert (rec.index, rec.line, rec.column, rec.value) == (0, 3, 3, {"a": 1})


def test_json_element_the_decoder_rejects_is_a_record_error(tmp_path: Path) -> None:
    recs = read(tmp_path, "x.json", '[{"a": 1},\n {"a": 01},\n {"a": "\\ud800"}, {"n": 1e400}]')
    assert recs[0].ok
    assert not recs[1].ok and recs[1].error_line == 2
    assert recs[1].error.startswith("JSON parse error: ")
    assert not recs[2].ok and not recs[3].ok
    assert "number out of range" in (recs[3].error or "")


@pytest.mark.parametrize(
    "text, line",
    [
        ('[{"a": 1},]', 1),
        ('[{"a": 1}\n {"a": 2}]', 2),
        ('[{"a": 1}, {"a": 2}', 1),
        ("[1] x", 1),
        ("", 1),
    ],
)
def test_json_structure_errors_are_document_errors(tmp_path: Path, text: str, line: int) -> None:
    with pytest.raises(InputError) as exc:
        read(tmp_path, "x.json", text)
    assert exc.value.message.startswith("JSON parse error: ")
    assert exc.value.line == line


def test_ndjson_streams_with_physical_line_numbers(tmp_path: Path) -> None:
    text = '{"a": 1}\r\n\n   \n  {"a": 2}\nnot json\n{"a": 3}'
    recs = read(tmp_path, "x.ndjson", text)
    assert [(r.index, r.line, r.ok) for r in recs] == [
        (0, 1, True),
        (1, 4, True),
        (2, 5, False),
        (3, 6, True),
    ]
    assert recs[1].column == 3
    assert recs[2].error == "JSON parse error: expected ident (input: not json)"
    assert (recs[2].error_line, recs[2].error_column) == (5, 2)
    assert [r.number for r in recs] == [1, 2, 3, 4]


def test_jsonl_extension(tmp_path: Path) -> None:
    assert len(read(tmp_path, "x.jsonl", '{"a": 1}\n{"a": 2}\n')) == 2


def test_yaml_typing_is_json_like(tmp_path: Path) -> None:
    text = (
        "- d: 2024-01-01\n  y: yes\n  n: ~\n  o: 0o17\n  h: 0x1F\n  f: 1e3\n"
        "  i: 017\n  t: True\n  v: 1.10\n  1: key\n"
        "- &base {a: 1}\n- {<<: *base, b: 2}\n"
    )
    recs = read(tmp_path, "x.yaml", text)
    assert recs[0].value == {
        "d": "2024-01-01",
        "y": "yes",
        "n": None,
        "o": 15,
        "h": 31,
        "f": 1000.0,
        "i": 17,
        "t": True,
        "v": 1.1,
        "1": "key",
    }
    assert recs[2].value == {"a": 1, "b": 2}
    assert [r.line for r in recs] == [1, 11, 12]


def test_yaml_multiple_documents_and_single_events(tmp_path: Path) -> None:
    recs = read(tmp_path, "x.yml", "a: 1\n---\n- b: 2\n- c: 3\n---\n")
    assert [(r.index, r.line, r.value) for r in recs] == [
        (0, 1, {"a": 1}),
        (1, 3, {"b": 2}),
        (2, 4, {"c": 3}),
    ]


def test_yaml_values_json_cannot_hold_are_record_errors(tmp_path: Path) -> None:
    recs = read(tmp_path, "x.yaml", "- a: .inf\n- a: !!binary aGVsbG8=\n- a: 1\n")
    assert not recs[0].ok and "infinite or NaN" in (recs[0].error or "")
    assert not recs[1].ok
    assert recs[2].ok


def test_yaml_syntax_error_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read(tmp_path, "x.yaml", "a: 1\n b: [\n")
    assert exc.value.message.startswith("YAML parse error: ")
    assert exc.value.line is not None


def test_yaml_locate(tmp_path: Path) -> None:
    (rec,) = read(tmp_path, "x.yaml", "a:\n  b.c:\n    - 1\n    - {d: 2}\n")
    assert rec.locate("a.b.c[1].d") == (4, 8)
    assert rec.locate("a.b.c[5]") == (2, 3)


def test_sniffing_stdin() -> None:
    assert read_stdin(b'[{"a": 1}]')[0] == "json"
    assert read_stdin(b'{"a": 1}\n{"a": 2}\n')[0] == "ndjson"
    assert read_stdin(b'\n\n{\n  "a": 1\n}\n')[0] == "json"
    assert read_stdin(b'{"a": 1, broken}\n{"a": 2}\n')[0] == "ndjson"
    assert read_stdin(b"a: 1\n")[0] == "yaml"
    assert read_stdin(b"")[0] == "ndjson"
    _fmt, recs = read_stdin(b'\n{"a": 1}\n{"a": 2}\n')
    assert [(r.line, r.value) for r in recs] == [(2, {"a": 1}), (3, {"a": 2})]


def test_unknown_extension_is_sniffed(tmp_path: Path) -> None:
    assert len(read(tmp_path, "events.txt", '{"a": 1}\n{"a": 2}\n')) == 2
    assert read(tmp_path, "events.txt", "- a: 1\n")[0].value == {"a": 1}


def test_not_utf8_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_bytes(b'[\n{"a": "\xff"}]')
    with pytest.raises(InputError) as exc:
        with RecordSource(str(tmp_path / "x.json")) as src:
            list(src)
    assert "not valid UTF-8" in exc.value.message and exc.value.line == 2
    (tmp_path / "x.ndjson").write_bytes(b'{"a": 1}\n{"a": "\xff"}\n')
    with RecordSource(str(tmp_path / "x.ndjson")) as src:
        recs = list(src)
    assert recs[0].ok and not recs[1].ok  # one bad line, not a bad file
    with pytest.raises(InputError) as exc:
        RecordSource(str(tmp_path / "none.json"))
    assert "No such file" in exc.value.message
    with pytest.raises(InputError):
        RecordSource(str(tmp_path))


def test_json_element_error_at_a_line_start_is_column_1(tmp_path: Path) -> None:
    # serde_json puts a raw newline inside a string at column 0 of the next line
    recs = read(tmp_path, "x.json", '[{"a": 1},\n {"a": "x\ny"}]')
    assert recs[0].ok and not recs[1].ok
    assert (recs[1].error_line, recs[1].error_column) == (3, 1)


def test_locating_stops_at_the_nearest_existing_parent(tmp_path: Path) -> None:
    (rec,) = read(tmp_path, "x.json", '[\n  {"a": {"b": 1,\n         "c": {}}}\n]')
    assert rec.locate("a.c.missing") == (3, 10)  # the object that lacks it
    assert rec.locate("a.b.deeper") == (2, 10)  # a scalar has no members
    assert rec.locate("a.zzz") == (2, 4)


def test_pretty_printed_single_object_locates_fields(tmp_path: Path) -> None:
    (rec,) = read(tmp_path, "x.json", '{\n  "a": 1,\n  "b": {"c": 2}\n}\n')
    assert rec.locate("b.c") == (3, 9)


def test_two_scalars_in_one_element_break_the_array(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read(tmp_path, "x.json", "[1 2]")
    assert exc.value.message.startswith("JSON parse error: ") and exc.value.column == 4


def test_ndjson_column_counts_leading_tabs(tmp_path: Path) -> None:
    recs = read(tmp_path, "x.ndjson", '\t {"a": 1}\n\tbroken\n')
    assert recs[0].column == 3
    assert (recs[1].error_line, recs[1].error_column) == (2, 2)


def test_yaml_record_error_points_inside_the_record(tmp_path: Path) -> None:
    recs = read(tmp_path, "x.yaml", "- a: 1\n- b: 2\n  ? [x]\n  : 3\n")
    assert recs[0].ok and not recs[1].ok
    assert (recs[1].line, recs[1].error_line, recs[1].error_column) == (2, 3, 5)


def test_byte_order_mark_does_not_hide_ndjson_from_the_sniffer() -> None:
    fmt, recs = read_stdin(b'\xef\xbb\xbf{"a": 1}\n{"a": 2}\n')
    assert fmt == "ndjson"
    assert not recs[0].ok and recs[1].value == {"a": 2}  # JSON has no BOM (serde_json)


@pytest.mark.parametrize(
    "text",
    ["a: 1\nb: [2]\n", "- a: 1\n  b: [2]\n", "---\na: 1\nb: [2]\n", "{a: 1, b: [2]}\n"],
)
def test_yaml_skips_a_byte_order_mark(tmp_path: Path, text: str) -> None:
    """As docs/cli.md says: a mapping of more than one line after a BOM was a parse
    error (the mark counted as a column, so the next line's indentation was wrong)."""
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    with RecordSource(str(path)) as src:
        (rec,) = list(src)
    assert rec.ok and rec.value == {"a": 1, "b": [2]}
    first = 2 if text.startswith("---") else 1
    assert rec.line == first
    if not text.startswith("{"):  # stdin: "{" is sniffed as JSON, with or without a BOM
        fmt, recs = read_stdin(b"\xef\xbb\xbf" + text.encode())
        assert fmt == "yaml" and [r.value for r in recs] == [{"a": 1, "b": [2]}]


def test_byte_order_mark_is_named_in_a_document_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b'\xef\xbb\xbf[{"a": 1}]')
    with pytest.raises(InputError) as exc:
        with RecordSource(str(path)) as src:
            list(src)
    assert exc.value.message == (
        "JSON parse error: expected value (the input starts with a UTF-8 byte order mark, "
        "which JSON does not allow: save it without one)"
    )


def test_dot_json_file_is_not_read_as_yaml(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read(tmp_path, "x.json", "a: 1\n")
    assert exc.value.message.startswith("JSON parse error: ")


def test_dot_json_file_of_one_line_objects_is_read_as_ndjson(tmp_path: Path) -> None:
    recs = read(tmp_path, "x.json", '{"a": 1}\n{"a": 2}\n')
    assert [(r.line, r.value) for r in recs] == [(1, {"a": 1}), (2, {"a": 2})]
