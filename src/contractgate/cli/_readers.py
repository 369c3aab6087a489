"""Event file readers that keep line numbers.

* ``.json``: one JSON value; a top-level array is a list of events. The array is split
  into its elements without decoding it twice, so each event keeps the line it starts on,
  and an element the gateway's decoder rejects (``NaN``, a lone surrogate, ``1e400``…) is
  a record-level parse error while its neighbours are still checked.
* ``.ndjson`` / ``.jsonl``: one event a line, read as a stream (constant memory). Blank
  lines are skipped but counted for line numbers; a line that does not parse is a
  record-level ``parse_error`` (the gateway CLI's pseudo-kind), the rest still checked.
* ``.yaml`` / ``.yml``: one event or a list of events per document (``---`` separates
  documents). Scalars are typed by the YAML 1.2 core schema (``2024-01-01`` and ``yes``
  stay strings); each event is turned into JSON text and decoded the gateway's way.
* Anything else, and standard input: sniffed. ``[`` starts a JSON document; ``{`` starts
  NDJSON when the first line is a complete JSON value, else a (pretty-printed) JSON
  document; other input is read as YAML.

Inputs are UTF-8: a UTF-16 or UTF-32 one is refused with its encoding's name, bytes
that are not UTF-8 make a document unreadable at their line and column. Lines end at
``\n`` (and, in YAML, ``\r``), never at U+2028 and friends.

Events are decoded with the validator's serde_json-compatible decoder, so integers,
floats and duplicate keys come out exactly as the gateway sees them.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Iterator, List, Optional, Tuple, Type, Union

from ._common import EXIT_USAGE, CLIError, display_path, os_error_text
from ._locate import (
    TOKEN,
    LineIndex,
    Position,
    YamlLines,
    balanced_end,
    json_locator,
    skip_value,
    skip_ws,
    text_locator,
    yaml_locator,
)

INPUT_FORMATS = ("auto", "json", "ndjson", "yaml")

_EXTENSIONS = {
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".yaml": "yaml",
    ".yml": "yaml",
}

EVENT_EXTENSIONS = frozenset(_EXTENSIONS)

_PREVIEW_CHARS = 80


class InputError(CLIError):
    """An input that cannot be read or parsed as a whole (exit code 2)."""

    def __init__(
        self,
        message: str,
        *,
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
    ) -> None:
        super().__init__(message, EXIT_USAGE, file=file, line=line, column=column)


# --------------------------------------------------------------------------------------
# records and locating a field inside one


@dataclass
class Record:
    """One event read from a file. ``line``/``column`` (1-based) say where it starts;
    ``index`` is its 0-based position in the file and :attr:`number` (``index + 1``) is
    what the command line shows ("record 1" is the first event).

    A JSON or NDJSON record keeps its JSON text in ``raw``, which starts at (``line``,
    ``raw_column``). Out of :meth:`RecordSource.pending` it is not ``decoded`` yet:
    :func:`decode_record` (or a worker process, then :meth:`fail`) settles it. When
    ``error`` is set the record did not decode (``value`` is None) and
    ``error_line``/``error_column`` point at the problem.
    """

    index: int
    line: Optional[int]
    column: Optional[int] = None
    value: Any = None
    error: Optional[str] = None
    error_line: Optional[int] = None
    error_column: Optional[int] = None
    raw: Union[bytes, str, None] = None
    raw_column: int = 1
    decoded: bool = True
    _locator: Optional[Callable[[str], Position]] = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def number(self) -> int:
        """The record's 1-based number in its file."""
        return self.index + 1

    def fail(self, code: str, line: Optional[int], byte_column: Optional[int]) -> None:
        """Mark the record as not decodable, from the decoder's ``code`` and its
        serde_json position inside ``raw`` (1-based line; column = bytes, 0 at a line
        start), turned into the file's 1-based line and character column."""
        raw = self.raw if self.raw is not None else ""
        preview = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        self.error = parse_error_message(code, preview)
        base_line = self.line if self.line is not None else 1
        if line is None:
            self.error_line, self.error_column = base_line, self.column
        else:
            col = char_column(_nth_line(raw, line), byte_column)
            if line == 1:
                col += self.raw_column - 1
            self.error_line, self.error_column = base_line + line - 1, col
        self.value = None
        self.decoded = True

    def locate(self, path: str) -> Position:
        """Where the field at violation path ``path`` (``items[0].sku``) is, or as close
        as the parser knows: the nearest existing parent, else the record's start."""
        locator = self._locator
        if locator is None and self.raw is not None and self.line is not None:
            locator = self._locator = text_locator(self.raw, self.line, self.raw_column)
        if locator is not None and path and not path.startswith("<"):
            try:
                line, col = locator(path)
            except Exception:  # locating is best effort, never fatal
                line, col = None, None
            if line is not None:
                return line, col
        return self.line, self.column


def _nth_line(text: Union[bytes, str], line: int) -> Union[bytes, str]:
    sep: Any = b"\n" if isinstance(text, bytes) else "\n"
    parts = text.split(sep)
    return parts[line - 1] if 0 < line <= len(parts) else parts[-1]


def char_column(line_text: Union[bytes, str], byte_column: Optional[int]) -> int:
    """serde_json's column (the 1-based byte offset in the line, 0 at a line start) as
    the 1-based character column this command line reports everywhere."""
    if not byte_column or byte_column < 1:
        return 1
    data = line_text.encode("utf-8") if isinstance(line_text, str) else line_text
    return len(data[: byte_column - 1].decode("utf-8", errors="ignore")) + 1


def decode_record(record: Record) -> Record:
    """Decode a pending record in this process (the gateway's decoder); returns it."""
    if record.decoded or record.raw is None:
        return record
    loads, decode_error = _decoder()
    try:
        record.value = loads(record.raw)
    except decode_error as err:
        code = str(getattr(err, "code", err))
        line, col = _decode_error_position(err)
        record.fail(code, line, col)
    record.decoded = True
    return record


# --------------------------------------------------------------------------------------
# decoding


def _decoder() -> Tuple[Callable[[Any], Any], Type[Exception]]:
    from .._validation.values.jsonvalue import loads
    from ..exceptions import EventDecodeError

    return loads, EventDecodeError


def _decode_error_position(err: BaseException) -> Position:
    line = getattr(err, "line", None)
    col = getattr(err, "column", None)
    return (line if isinstance(line, int) else None, col if isinstance(col, int) else None)


def parse_error_message(code: str, raw: str) -> str:
    """The gateway CLI's text for a record that does not parse (``cg test``'s, without
    serde_json's "at line L column C": the finding's own position says where)."""
    return f"JSON parse error: {code} (input: {raw[:_PREVIEW_CHARS]})"


def _document_error(err: BaseException, text: str, file: str) -> InputError:
    """A JSON document that does not parse as a whole, at its 1-based line and column."""
    code = str(getattr(err, "code", err))
    line, col = _decode_error_position(err)
    column = char_column(_nth_line(text, line), col) if line is not None else None
    if text.startswith("\ufeff"):  # invisible in an editor, so say it
        code += (
            " (the input starts with a UTF-8 byte order mark, which JSON does not allow:"
            " save it without one)"
        )
    return InputError(f"JSON parse error: {code}", file=file, line=line, column=column)


def _decode_text(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        line_start = data.rfind(b"\n", 0, err.start) + 1
        column = char_column(data[line_start : err.start + 1], err.start - line_start + 1)
        raise InputError(
            f"input is not valid UTF-8 (byte offset {err.start})",
            file=file,
            line=line,
            column=column,
        ) from None


# (byte order mark, or the NULs of the first two ASCII characters: RFC 4627 §3) → name
_WIDE_ENCODINGS = (
    (re.compile(b"\\A(?:\x00\x00\xfe\xff|\x00\x00\x00[^\x00])"), "UTF-32 (big-endian)"),
    (re.compile(b"\\A(?:\xff\xfe\x00\x00|[^\x00]\x00\x00\x00)"), "UTF-32 (little-endian)"),
    (re.compile(b"\\A(?:\xfe\xff|\x00[^\x00]\x00[^\x00])"), "UTF-16 (big-endian)"),
    (re.compile(b"\\A(?:\xff\xfe|[^\x00]\x00[^\x00]\x00)"), "UTF-16 (little-endian)"),
)


def _check_not_wide(head: bytes, file: str) -> None:
    """Refuse a UTF-16 or UTF-32 input from its first bytes: read as UTF-8, each line
    would be a parse error full of NUL bytes (plus one for the NUL after the last
    newline), or the whole file an error without a position."""
    for pattern, name in _WIDE_ENCODINGS:
        if pattern.match(head):
            raise InputError(
                f"input is {name} encoded, not UTF-8: save it as UTF-8",
                file=file,
                line=1,
                column=1,
            )


# --------------------------------------------------------------------------------------
# the three readers


def read_json_document(
    text: str,
    file: str,
    *,
    pending: bool = False,
    on_length: Optional[Callable[[int], None]] = None,
) -> Iterator[Record]:
    """One JSON value; a top-level array is split into its events (decoded here, or left
    ``pending`` for the caller to decode). ``on_length`` learns the number of events."""
    loads, decode_error = _decoder()
    index = LineIndex(text)
    pos = skip_ws(text, 0)
    if text[pos : pos + 1] != "[":
        line, col = index.position(pos) if pos < len(text) else (1, 1)
        try:
            value = loads(text)
        except decode_error as err:
            raise _document_error(err, text, file) from None
        if on_length is not None:
            on_length(1)
        yield Record(0, line, col, value, _locator=json_locator(text, pos, index))
        return

    spans = _split_array(text, pos)
    if spans is None:
        # Not a well-formed array: let the decoder say where and why.
        try:
            loads(text)
        except decode_error as err:
            raise _document_error(err, text, file) from None
        raise InputError("JSON parse error: malformed array", file=file)  # pragma: no cover
    if on_length is not None:
        on_length(len(spans))
    from .._validation.values.jsonvalue import MAX_DEPTH as max_depth

    for i, (start, end) in enumerate(spans):
        line, col = index.position(start)
        raw_str = text[start:end]
        record = Record(i, line, col, raw=raw_str, raw_column=col, decoded=False)
        if raw_str[:1] not in ("{", "[", '"') or (
            raw_str.count("[") + raw_str.count("{") >= max_depth
        ):
            _decode_in_its_array(record, raw_str)
        yield record if pending else decode_record(record)


def _decode_in_its_array(record: Record, raw: str) -> None:
    """Decode an array element whose decoding depends on the array around it as the
    gateway decodes it inside the file: the array is a nesting level of its own (an
    element nested 127 deep is too deep), and a bare scalar is followed by more text
    (``tru`` in ``[tru, 1]`` is "expected ident", not "EOF while parsing a value").
    Other objects, arrays and strings end on their own bracket or quote: they are
    decoded alone (possibly later, in a worker process)."""
    loads, decode_error = _decoder()
    try:
        (record.value,) = loads(f"[{raw}]")
    except decode_error as err:
        code = str(getattr(err, "code", err))
        line, col = _decode_error_position(err)
        if line == 1 and col:
            col -= 1  # the "[" in front
        record.fail(code, line, col)
    record.decoded = True


def _split_array(text: str, pos: int) -> Optional[List[Tuple[int, int]]]:
    """(start, end) offsets of each element of the array at ``pos``, or None when the
    array's own structure is broken (missing comma, trailing comma, unbalanced…)."""
    spans: List[Tuple[int, int]] = []
    depth = 0
    elem_start: Optional[int] = None
    tokens = TOKEN.finditer(text, pos)
    end_of_array = None
    for m in tokens:
        tok = m.group()
        if tok == '"':  # a string that never ends
            return None
        if tok in ("[", "{"):
            depth += 1
            if depth == 1:
                elem_start = m.end()
            continue
        if tok in ("]", "}"):
            depth -= 1
            if depth == 0:
                if tok != "]":
                    return None
                if elem_start is not None:
                    span = _trim(text, elem_start, m.start())
                    if span is None:
                        if spans:  # trailing comma
                            return None
                    else:
                        spans.append(span)
                end_of_array = m.end()
                break
            continue
        if tok == "," and depth == 1:
            if elem_start is None:
                return None
            span = _trim(text, elem_start, m.start())
            if span is None:
                return None
            spans.append(span)
            elem_start = m.end()
    if end_of_array is None:
        return None
    if skip_ws(text, end_of_array) != len(text):
        return None
    for start, end in spans:
        # an element must be one value: "1 2" or '"a" "b"' is a structural error
        if skip_ws(text, skip_value(text, start)) < end:
            return None
    return spans


def _trim(text: str, start: int, end: int) -> Optional[Tuple[int, int]]:
    s = skip_ws(text, start)
    e = end
    while e > s and text[e - 1] in " \t\n\r":
        e -= 1
    if s >= e:
        return None
    return s, e


def iter_ndjson(
    lines: Iterator[bytes], *, first_line: int = 1, first_index: int = 0, pending: bool = False
) -> Iterator[Record]:
    """Stream NDJSON: one record a non-blank line, decoded as it arrives (or left
    ``pending`` for the caller to decode)."""
    index = first_index
    for lineno, raw in enumerate(lines, start=first_line):
        stripped = raw.rstrip(b"\r\n")
        if not stripped.strip(b" \t\r\n"):
            continue
        col = len(stripped) - len(stripped.lstrip(b" \t")) + 1
        record = Record(index, lineno, col, raw=stripped, decoded=False)
        yield record if pending else decode_record(record)
        index += 1


def read_yaml(text: str, file: str) -> Iterator[Record]:
    """Each document is one event, or a list of events."""
    from .._validation.loading.yamldoc import (
        SequenceNode,
        YAMLError,
        compose_documents,
        construct,
        error_text,
    )

    loads, decode_error = _decoder()
    # YAML allows a byte order mark; the libyaml port, like the engine reading contracts
    # (spec §1.1), counts it as a column and then misreads the next line's indentation
    text = text[1:] if text.startswith("\ufeff") else text
    lines = YamlLines(text)
    try:
        documents = compose_documents(text)
    except YAMLError as err:
        line, col = lines.of_error(err)
        raise InputError(
            f"YAML parse error: {error_text(err)}", file=file, line=line, column=col
        ) from None
    index = 0
    for doc in documents:
        items = list(doc.value) if isinstance(doc, SequenceNode) else [doc]
        for node in items:
            line, col = lines.of_node(node)
            try:
                value = construct(node)
                raw = json.dumps(value, ensure_ascii=False, allow_nan=False)
                event = loads(raw)
            except YAMLError as err:
                eline, ecol = lines.of_error(err)
                yield Record(
                    index,
                    line,
                    col,
                    error=f"YAML error: {error_text(err)}",
                    error_line=eline or line,
                    error_column=ecol if eline else col,
                )
            except (TypeError, ValueError, decode_error) as err:
                yield Record(
                    index,
                    line,
                    col,
                    error=f"not representable as JSON: {_json_problem(err)}",
                    error_line=line,
                    error_column=col,
                )
            else:
                yield Record(index, line, col, event, _locator=yaml_locator(node, lines))
            index += 1


def _json_problem(err: BaseException) -> str:
    text = str(err)
    if "Out of range float values" in text:
        return "infinite or NaN number (.inf/.nan)"
    if "is not JSON serializable" in text:
        return text.replace("Object of type ", "a YAML value of type ")
    return text


# --------------------------------------------------------------------------------------
# opening a source


def format_for_path(path: str) -> str:
    """The format implied by a file's extension, or ``auto``."""
    return _EXTENSIONS.get(os.path.splitext(path)[1].lower(), "auto")


class RecordSource:
    """An opened input. ``format`` is known after opening (sniffed for ``auto``);
    iterate it for records. Use as a context manager to close the file."""

    def __init__(
        self,
        path: str,
        input_format: str = "auto",
        *,
        stdin: Optional[BinaryIO] = None,
    ) -> None:
        self.path = path
        self.display = display_path(path)
        self.is_stdin = path == "-"
        self._owned: Optional[BinaryIO] = None
        if self.is_stdin:
            self._stream: BinaryIO = stdin if stdin is not None else sys.stdin.buffer
        else:
            if os.path.isdir(path):
                raise InputError("is a directory", file=self.display)
            try:
                self._owned = open(path, "rb")
            except OSError as err:
                raise InputError(f"cannot read: {os_error_text(err)}", file=self.display) from None
            self._stream = self._owned
        fmt = input_format
        if fmt == "auto" and not self.is_stdin:
            fmt = format_for_path(path)
            if fmt == "json":
                fmt = "auto-json"  # sniff, but prefer a JSON document
        self._first: Optional[bytes] = None
        self._first_lineno = 1
        #: the number of events, once known (a JSON document, after it was read)
        self.length: Optional[int] = None
        if fmt in ("auto", "auto-json"):
            fmt = self._sniff(prefer_json=fmt == "auto-json")
        self.format = fmt

    # -- sniffing -----------------------------------------------------------------------

    def _sniff(self, *, prefer_json: bool) -> str:
        """Look at the first non-blank line (kept for reading) to pick the format."""
        lineno = 1
        buffered: List[bytes] = []
        while True:
            line = self._stream.readline()
            if not line:
                break
            buffered.append(line)
            if line.strip():
                break
            lineno += 1
        self._first = b"".join(buffered)
        first = buffered[-1].lstrip() if buffered else b""
        if first.startswith(b"\xef\xbb\xbf"):
            first = first[3:].lstrip()
        if not first:
            return "ndjson" if not prefer_json else "json"
        if first.startswith(b"["):
            return "json"
        if first.startswith(b"{"):
            return "ndjson" if _is_complete_value(first) else "json"
        return "json" if prefer_json else "yaml"

    # -- reading ------------------------------------------------------------------------

    def _read_all(self) -> bytes:
        try:
            rest = self._stream.read()
        except OSError as err:
            raise InputError(f"cannot read: {os_error_text(err)}", file=self.display) from None
        head = self._first or b""
        self._first = None
        return head + rest

    def _lines(self) -> Iterator[bytes]:
        """The input's lines, split at "\\n" only (as the gateway splits NDJSON): a
        bare "\\r" stays inside its line, whether the sniffer read the line or not."""
        first = True
        if self._first:
            _check_not_wide(self._first, self.display)
            first = False
            yield from io.BytesIO(self._first)
            self._first = None
        while True:
            try:
                line = self._stream.readline()
            except OSError as err:
                raise InputError(f"cannot read: {os_error_text(err)}", file=self.display) from None
            if not line:
                return
            if first:
                _check_not_wide(line, self.display)
                first = False
            yield line

    def __iter__(self) -> Iterator[Record]:
        """The records, decoded."""
        return self._records(pending=False)

    def pending(self) -> Iterator[Record]:
        """The records, JSON and NDJSON ones left undecoded (``raw`` set) so that the
        caller decodes them where it validates them (possibly in a worker process)."""
        return self._records(pending=True)

    def _records(self, *, pending: bool) -> Iterator[Record]:
        if self.format == "ndjson":
            yield from iter_ndjson(self._lines(), pending=pending)
            return
        data = self._read_all()
        _check_not_wide(data[:4], self.display)
        text = _decode_text(data, self.display)
        del data
        if self.format == "yaml":
            yield from read_yaml(text, self.display)
        else:
            yield from read_json_document(
                text, self.display, pending=pending, on_length=self._set_length
            )

    def _set_length(self, n: int) -> None:
        self.length = n

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> RecordSource:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _is_complete_value(line: bytes) -> bool:
    """True when ``line`` holds a balanced JSON object/array (it may still be invalid)."""
    return balanced_end(line.decode("utf-8", errors="replace")) is not None
