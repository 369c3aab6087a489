"""A minimal TOML reader for ``[tool.contractgate]`` on Python < 3.11 without ``tomli``."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Set, Tuple

__all__ = ["MiniTomlError", "mini_toml_loads"]


class MiniTomlError(ValueError):
    pass


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_OURS = ["tool", "contractgate"]
# a scalar runs to the next space, separator or comment; we read booleans and decimal
# integers (as TOML writes them: no leading zero, "_" only between digits) and refuse
# the rest (floats, dates, times, hex/octal/binary, inf, nan) by name
_SCALAR = re.compile(r"[^\s,\]}#]+")
_INTEGER = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)")

Path = Tuple[str, ...]


def mini_toml_loads(text: str) -> Dict[str, Any]:
    """Read just the ``[tool.contractgate]`` table, however TOML spells it (headers,
    dotted keys, inline tables): keys (bare, quoted, dotted) with string, array,
    inline-table, boolean and integer values. Other tables are skipped, and arrays of
    tables below ours too. What this reader does not support in our table, or finds
    invalid, raises :class:`MiniTomlError` with its line and column."""
    root: Dict[str, Any] = {}
    assigned: Set[Path] = set()  # paths given a value by ``key = value``
    declared: Set[Path] = set()  # tables given a ``[header]``
    dotted: Set[Path] = set()  # tables made by the dotted keys of ``a.b = value``
    table: Optional[List[str]] = []  # the current table; None below an array of tables
    pos = 0
    n = len(text)
    while True:
        pos = _toml_skip_blank(text, pos)
        if pos >= n:
            return root
        start = pos
        if text[pos] == "[":
            array = text.startswith("[[", pos)
            close = "]]" if array else "]"
            keys, pos = _toml_key(text, pos + len(close))
            if not text.startswith(close, pos):
                raise _error(text, pos, f"expected {close!r} at the end of a table header")
            pos = _toml_end_of_line(text, pos + len(close))
            table = keys
            if array:
                if keys in (_OURS, _OURS[:1]):
                    raise _error(
                        text, start, "[tool.contractgate] must be a table, not an array of tables"
                    )
                table = None
            elif _related(keys):
                if tuple(keys) in declared or tuple(keys) in dotted:
                    raise _error(text, start, f"table [{'.'.join(keys)}] is declared twice")
                declared.add(tuple(keys))
                _toml_table(root, keys, assigned, text, start)
            continue
        if table is None or not _related(table):
            pos = _toml_skip_statement(text, pos)
            continue
        keys, pos = _toml_key(text, pos)
        if not _related(table + keys):
            pos = _toml_skip_statement(text, start)
            continue
        for i in range(len(table) + 1, len(table) + len(keys)):
            made = tuple((table + keys)[:i])
            if made in declared:
                raise _error(text, start, f"table [{'.'.join(made)}] is declared twice")
            dotted.add(made)
        value, pos = _toml_key_value(text, pos)
        _toml_put(root, table + keys, value, assigned, text, start)
        pos = _toml_end_of_line(text, pos)


def _related(path: List[str]) -> bool:
    """True for a path at, above or below ``tool.contractgate``."""
    return path[: len(_OURS)] == _OURS[: len(path)]


def _error(text: str, pos: int, message: str) -> MiniTomlError:
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    return MiniTomlError(f"{message} (at line {line}, column {column})")


def _toml_table(
    root: Dict[str, Any], path: List[str], assigned: Set[Path], text: str, pos: int
) -> Dict[str, Any]:
    """The table at ``path`` (created as needed); a value on the way is an error."""
    table = root
    for i, key in enumerate(path):
        if tuple(path[: i + 1]) in assigned:
            raise _error(text, pos, f"cannot add keys to {'.'.join(path[: i + 1])}, a value")
        table = table.setdefault(key, {})
    return table


def _toml_put(
    root: Dict[str, Any], path: List[str], value: Any, assigned: Set[Path], text: str, pos: int
) -> None:
    table = _toml_table(root, path[:-1], assigned, text, pos)
    if path[-1] in table:
        raise _error(text, pos, f"{'.'.join(path)} is defined twice")
    table[path[-1]] = value
    assigned.add(tuple(path))


def _toml_skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _toml_skip_blank(text: str, pos: int) -> int:
    """Skip whitespace, newlines and comments."""
    while pos < len(text):
        c = text[pos]
        if c in " \t\r\n":
            pos += 1
        elif c == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end + 1
        else:
            break
    return pos


def _toml_end_of_line(text: str, pos: int) -> int:
    """Past the end of a statement's line (spaces and a comment allowed before it)."""
    pos = _toml_skip_spaces(text, pos)
    if text.startswith("#", pos):
        end = text.find("\n", pos)
        return len(text) if end < 0 else end + 1
    if text.startswith("\r\n", pos):
        return pos + 2
    if pos < len(text) and text[pos] != "\n":
        raise _error(text, pos, "expected the end of the line")
    return pos + 1


def _toml_skip_statement(text: str, pos: int) -> int:
    """Skip a key = value line of a table we do not read (multi-line strings and
    arrays included)."""
    depth = 0
    n = len(text)
    while pos < n:
        if text.startswith('"""', pos) or text.startswith("'''", pos):
            end = _multiline_end(text, pos)
            if end < 0:
                raise _error(text, pos, "unterminated string")
            pos = end + 3
            continue
        c = text[pos]
        if c in "\"'":
            _, pos = _toml_string(text, pos)
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "#":
            end = text.find("\n", pos)
            pos = n if end < 0 else end
            continue
        elif c == "\n" and depth <= 0:
            return pos + 1
        pos += 1
    return pos


def _toml_key(text: str, pos: int) -> Tuple[List[str], int]:
    keys: List[str] = []
    while True:
        pos = _toml_skip_spaces(text, pos)
        if text[pos : pos + 1] in ('"', "'"):
            key, pos = _toml_string(text, pos)
        else:
            m = _BARE_KEY.match(text, pos)
            if not m:
                raise _error(text, pos, "bad key")
            key, pos = m.group(), m.end()
        keys.append(key)
        pos = _toml_skip_spaces(text, pos)
        if text[pos : pos + 1] == ".":
            pos += 1
            continue
        return keys, pos


def _toml_key_value(text: str, pos: int) -> Tuple[Any, int]:
    """The value after a key: ``= VALUE``."""
    pos = _toml_skip_spaces(text, pos)
    if text[pos : pos + 1] != "=":
        raise _error(text, pos, "expected '=' after a key")
    return _toml_value(text, _toml_skip_spaces(text, pos + 1))


_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
_HEX = re.compile(r"[0-9A-Fa-f]*")


def _toml_string(text: str, pos: int) -> Tuple[str, int]:
    quote = text[pos]
    if text.startswith(quote * 3, pos):
        end = _multiline_end(text, pos)
        if end < 0:
            raise _error(text, pos, "unterminated string")
        first = pos + 3
        for newline in ("\n", "\r\n"):  # a newline right after the quotes is trimmed
            if text.startswith(newline, first):
                first += len(newline)
                break
        return _toml_string_body(text, quote, first, end, multiline=True), end + 3
    end = pos + 1
    while end < len(text) and text[end] != quote and text[end] != "\n":
        if quote == '"' and text[end] == "\\":
            end += 1
        end += 1
    if end >= len(text) or text[end] != quote:
        raise _error(text, pos, "unterminated string")
    return _toml_string_body(text, quote, pos + 1, end), end + 1


def _multiline_end(text: str, pos: int) -> int:
    """Where the closing quotes of the multi-line string opened at ``pos`` are (-1 when
    there are none): up to two quotes right before them are part of the string, and in
    a basic string (double quotes) a backslash escapes the character after it."""
    quote = text[pos]
    i = pos + 3
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and quote == '"':
            i += 2
        elif c == quote:
            run = i
            while run < n and text[run] == quote:
                run += 1
            if run - i >= 3:
                return i + min(run - i, 5) - 3
            i = run
        else:
            i += 1
    return -1


#: Control characters no TOML string may hold (TOML 1.0: all but tab; a multi-line
#: string may also hold its line breaks: LF, and CR only right before LF).
_STRING_CTL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_ENDING_BACKSLASH = re.compile(r"[ \t]*\r?\n[ \t\r\n]*")


def _toml_string_body(text: str, quote: str, start: int, end: int, multiline: bool = False) -> str:
    """``text[start:end]``, with the escapes of a basic (``"``) string decoded, as
    tomllib reads it: a control character is refused; in a multi-line string CRLF reads
    as LF, and in a multi-line basic string a backslash ending a line ("line ending
    backslash") drops itself and the whitespace up to the next text."""
    for bad in _STRING_CTL.finditer(text, start, end):
        c = bad.group()
        if multiline and (c == "\n" or (c == "\r" and text.startswith("\r\n", bad.start()))):
            continue
        raise _error(text, bad.start(), f"control character U+{ord(c):04X} in a string")
    if quote == "'":
        body = text[start:end]
        return body.replace("\r\n", "\n") if multiline else body  # as tomllib reads it
    out = []
    i = start
    while i < end:
        c = text[i]
        if c != "\\":
            if c != "\r" or not multiline:  # a CR is only ever read before an LF here
                out.append(c)
            i += 1
            continue
        nxt = text[i + 1 : min(i + 2, end)]
        ending = _ENDING_BACKSLASH.match(text, i + 1, end) if multiline else None
        if ending is not None:
            i = ending.end()
            continue
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        if nxt not in ("u", "U"):
            raise _error(text, i, f"bad escape '{text[i : i + 2].rstrip()}'")
        width = 4 if nxt == "u" else 8
        digits = _HEX.match(text, i + 2, min(i + 2 + width, end))
        code = int(digits.group(), 16) if digits and len(digits.group()) == width else -1
        if not (0 <= code < 0xD800 or 0xDFFF < code <= 0x10FFFF):
            raise _error(text, i, f"bad escape '{text[i : i + 2 + width]}'")
        out.append(chr(code))
        i += 2 + width
    return "".join(out)


def _toml_value(text: str, pos: int) -> Tuple[Any, int]:
    c = text[pos : pos + 1]
    if c in ('"', "'"):
        return _toml_string(text, pos)
    if c == "[":
        items: List[Any] = []
        pos = _toml_skip_blank(text, pos + 1)
        while text[pos : pos + 1] != "]":
            value, pos = _toml_value(text, pos)
            items.append(value)
            pos = _toml_skip_blank(text, pos)
            if text[pos : pos + 1] == ",":
                pos = _toml_skip_blank(text, pos + 1)
            elif text[pos : pos + 1] != "]":
                raise _error(text, pos, "expected ',' or ']'")
        return items, pos + 1
    if c == "{":
        table: Dict[str, Any] = {}
        assigned: Set[Path] = set()
        pos = _toml_skip_spaces(text, pos + 1)
        if text[pos : pos + 1] == "}":
            return table, pos + 1
        while True:  # a key after each comma: TOML has no trailing comma in an inline table
            start = pos
            keys, pos = _toml_key(text, pos)
            value, pos = _toml_key_value(text, pos)
            _toml_put(table, keys, value, assigned, text, start)
            pos = _toml_skip_spaces(text, pos)
            if text[pos : pos + 1] == "}":
                return table, pos + 1
            if text[pos : pos + 1] != ",":
                raise _error(text, pos, "expected ',' or '}'")
            pos = _toml_skip_spaces(text, pos + 1)
    m = _SCALAR.match(text, pos)
    if not m:
        raise _error(text, pos, "missing value")
    word = m.group()
    if word in ("true", "false"):
        return word == "true", m.end()
    if _INTEGER.fullmatch(word):
        return int(word.replace("_", "")), m.end()
    raise _error(
        text,
        pos,
        f"unsupported value {word!r}: the built-in reader takes strings, arrays, inline "
        "tables, booleans and integers (install tomli for the rest of TOML)",
    )
