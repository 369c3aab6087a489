"""Where things are in an event file's text: line indexes, the position of a violation's
field path inside one event (JSON text or a YAML node), and YAML positions mapped to
the lines every other reader counts.

The JSON scanning here reads structure only (strings, brackets, commas), never values:
the readers decode with the validator's decoder, and a path that cannot be followed
simply has no position.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any, Callable, List, Optional, Tuple, Union

Position = Tuple[Optional[int], Optional[int]]


def text_locator(raw: Union[bytes, str], line: int, column: int) -> Callable[[str], Position]:
    """Find violation paths in one event's JSON text that starts at (``line``,
    ``column``) of its file."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return json_locator(text, skip_ws(text, 0), LineIndex(text, line, column))


class LineIndex:
    """Offset → (line, column) for one text, built once per file."""

    def __init__(self, text: str, first_line: int = 1, first_col: int = 1) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._first_line = first_line
        self._first_col = first_col

    def position(self, offset: int) -> Tuple[int, int]:
        i = bisect.bisect_right(self._starts, offset) - 1
        col = offset - self._starts[i] + 1
        if i == 0:
            col += self._first_col - 1
        return i + self._first_line, col


# JSON scanning ------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
# a lone '"' is a string that never ends (it swallows the rest of the text)
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},"]', re.S)
_SCALAR = re.compile(r"[^,\]}\s]*")


def skip_ws(text: str, pos: int) -> int:
    m = _WS.match(text, pos)
    return m.end() if m else pos


def balanced_end(text: str, pos: int = 0) -> Optional[int]:
    """End offset of the first bracketed value from ``pos`` (strings skipped), or None
    when its brackets never balance."""
    depth = 0
    for m in TOKEN.finditer(text, pos):
        tok = m.group()
        if tok in ("{", "["):
            depth += 1
        elif tok in ("}", "]"):
            depth -= 1
            if depth == 0:
                return m.end()
    return None


def skip_value(text: str, pos: int) -> int:
    """End offset of the JSON value starting at ``pos`` (structure only, no decoding)."""
    ch = text[pos : pos + 1]
    if ch == '"':
        m = _STRING.match(text, pos)
        return m.end() if m else len(text)
    if ch in ("{", "["):
        end = balanced_end(text, pos)
        return len(text) if end is None else end
    m = _SCALAR.match(text, pos)
    return m.end() if m else pos


def _object_members(text: str, pos: int) -> List[Tuple[str, int, int]]:
    """(key, key offset, value offset) for the object at ``pos`` (best effort)."""
    members: List[Tuple[str, int, int]] = []
    pos = skip_ws(text, pos + 1)
    while pos < len(text) and text[pos] == '"':
        m = _STRING.match(text, pos)
        if not m:
            break
        try:
            key = json.loads(m.group())
        except ValueError:
            break
        key_pos = pos
        pos = skip_ws(text, m.end())
        if text[pos : pos + 1] != ":":
            break
        pos = skip_ws(text, pos + 1)
        members.append((key, key_pos, pos))
        pos = skip_ws(text, skip_value(text, pos))
        if text[pos : pos + 1] != ",":
            break
        pos = skip_ws(text, pos + 1)
    return members


def _array_elements(text: str, pos: int) -> List[int]:
    out: List[int] = []
    pos = skip_ws(text, pos + 1)
    if text[pos : pos + 1] == "]":
        return out
    while pos < len(text):
        out.append(pos)
        pos = skip_ws(text, skip_value(text, pos))
        if text[pos : pos + 1] != ",":
            break
        pos = skip_ws(text, pos + 1)
    return out


_INDEX = re.compile(r"\[(\d+)\]")


def _walk_path(
    path: str,
    is_object: Callable[[Any], bool],
    members: Callable[[Any], List[Tuple[str, Any, Any]]],
    is_array: Callable[[Any], bool],
    elements: Callable[[Any], List[Any]],
    root: Any,
) -> Any:
    """Follow a violation path as far as it goes; return the position handle of the
    deepest part found (the key of a member, or an array element). Object keys are
    matched greedily (longest key first), so names that contain dots still resolve."""
    node = root
    handle = None
    rest = path
    while rest:
        m = _INDEX.match(rest)
        if m and is_array(node):
            items = elements(node)
            digits = m.group(1)  # an index past any list (5,000 digits): int() refuses it
            i = int(digits) if len(digits) <= 18 else len(items)
            if i >= len(items):
                return handle
            node = items[i]
            handle = node
            rest = rest[m.end() :]
            if rest.startswith("."):
                rest = rest[1:]
            continue
        if not is_object(node):
            return handle
        best = None
        for key, key_handle, value in members(node):
            if (rest == key or rest.startswith(key + ".") or rest.startswith(key + "[")) and (
                best is None or len(key) >= len(best[0])
            ):
                best = (key, key_handle, value)
        if best is None:
            return handle
        key, key_handle, node = best
        handle = key_handle
        rest = rest[len(key) :]
        if rest.startswith("."):
            rest = rest[1:]
    return handle


def json_locator(text: str, start: int, index: LineIndex) -> Callable[[str], Position]:
    def locate(path: str) -> Position:
        off = _walk_path(
            path,
            lambda p: text[p : p + 1] == "{",
            lambda p: [(k, kp, vp) for k, kp, vp in _object_members(text, p)],
            lambda p: text[p : p + 1] == "[",
            lambda p: _array_elements(text, p),
            start,
        )
        if off is None:
            return None, None
        return index.position(off)

    return locate


def yaml_locator(node: Any, lines: YamlLines) -> Callable[[str], Position]:
    from .._validation.loading.yamldoc import MappingNode, ScalarNode, SequenceNode

    def members(n: Any) -> List[Tuple[str, Any, Any]]:
        return [(str(k.value), k, v) for k, v in n.value if isinstance(k, ScalarNode)]

    def locate(path: str) -> Position:
        found = _walk_path(
            path,
            lambda n: isinstance(n, MappingNode),
            members,
            lambda n: isinstance(n, SequenceNode),
            lambda n: list(n.value),
            node,
        )
        if found is None:
            return None, None
        return lines.of_node(found)

    return locate


class YamlLines:
    """Positions in a YAML text, as its reader sees its lines.

    The YAML parser (libyaml, YAML 1.1) also breaks lines at U+0085, U+2028 and U+2029;
    YAML 1.2 and every other reader here do not, so a position after one is
    moved back to the line it is on. A reader error's byte offset becomes a position
    too."""

    _YAML_ONLY = re.compile("[\x85\u2028\u2029]")
    _YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
    _BREAK = re.compile("\r\n|[\r\n]")

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: Optional[List[int]] = None  # offsets where lines start
        self._yaml_starts: Optional[List[int]] = None  # ... and where libyaml's do
        if self._YAML_ONLY.search(text):
            self._yaml_starts = self._line_starts(self._YAML_BREAK)

    def _line_starts(self, breaks: Any) -> List[int]:
        return [0] + [m.end() for m in breaks.finditer(self._text)]

    def _position(self, offset: int) -> Position:
        if self._starts is None:
            self._starts = self._line_starts(self._BREAK)
        i = bisect.bisect_right(self._starts, offset) - 1
        return i + 1, offset - self._starts[i] + 1

    def of_mark(self, line: int, column: int) -> Position:
        """The position of libyaml's 0-based (line, column in characters)."""
        starts = self._yaml_starts
        if starts is None or line >= len(starts):
            return line + 1, column + 1
        return self._position(starts[line] + column)

    def of_node(self, node: Any) -> Position:
        """1-based (line, column) where a YAML node starts."""
        return self.of_mark(node.start_mark.line, node.start_mark.column)

    def of_error(self, err: BaseException) -> Position:
        """1-based (line, column) of a YAML error, when it has one."""
        from .._validation.loading.yamldoc import error_position

        line, col = error_position(err)
        if line is not None and col is not None:
            return self.of_mark(line - 1, col - 1)
        offset = getattr(err, "offset", None)  # a reader error: bytes into the text
        if isinstance(offset, int):
            data = self._text.encode("utf-8", "surrogatepass")[:offset]
            return self._position(len(data.decode("utf-8", "ignore")))
        return None, None
