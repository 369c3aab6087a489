"""Error values and their Display text, byte for byte as the Rust crates print them.

``regex-syntax`` 0.8 renders a parse or translation error as::

    regex parse error:
        <pattern>
        <carets>
    error: <message>

and a pattern containing ``\\n`` as a numbered listing between two rules of 79
``~``.  The ``regex`` crate itself adds one more error,
``Compiled regex exceeds size limit of 10485760 bytes.``.  Positions are counted
in characters (``column``) and lines, exactly as the Rust parser counts them.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

SIZE_LIMIT = 10 * (1 << 20)


class Position:
    """A position in the pattern: char offset, 1-based line and 1-based column."""

    __slots__ = ("column", "line", "offset")

    def __init__(self, offset: int, line: int, column: int) -> None:
        self.offset = offset
        self.line = line
        self.column = column

    @staticmethod
    def at(pattern: str, offset: int) -> Position:
        """The position at ``offset``: what regex-syntax's parser counts while it bumps
        (a ``\\n`` starts the next line at column 1), derived from the offset alone."""
        line = pattern.count("\n", 0, offset) + 1
        return Position(offset, line, offset - pattern.rfind("\n", 0, offset))

    def key(self) -> tuple[int, int, int]:
        return (self.offset, self.line, self.column)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Position({self.offset}, {self.line}, {self.column})"


class Span:
    """A half-open span ``[start, end)`` of the pattern, as character offsets.

    The parser keeps offsets only (a line and a column per node would cost
    two more objects per node in a megabyte pattern); ``positions`` derives
    regex-syntax's ``Position``s when an error is rendered.
    """

    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end

    def with_end(self, end: int) -> Span:
        return Span(self.start, end)

    def with_start(self, start: int) -> Span:
        return Span(start, self.end)

    def positions(self, pattern: str) -> tuple[Position, Position]:
        return Position.at(pattern, self.start), Position.at(pattern, self.end)

    def key(self) -> tuple[int, int]:
        return (self.start, self.end)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Span({self.start}, {self.end})"


# regex-syntax 0.8 ast::ErrorKind / hir::ErrorKind Display texts.
CAPTURE_LIMIT_EXCEEDED = "exceeded the maximum number of capturing groups (4294967295)"
CLASS_ESCAPE_INVALID = "invalid escape sequence found in character class"
CLASS_RANGE_INVALID = "invalid character class range, the start must be <= the end"
CLASS_RANGE_LITERAL = "invalid range boundary, must be a literal"
CLASS_UNCLOSED = "unclosed character class"
DECIMAL_EMPTY = "decimal literal empty"
DECIMAL_INVALID = "decimal literal invalid"
ESCAPE_HEX_EMPTY = "hexadecimal literal empty"
ESCAPE_HEX_INVALID = "hexadecimal literal is not a Unicode scalar value"
ESCAPE_HEX_INVALID_DIGIT = "invalid hexadecimal digit"
ESCAPE_UNEXPECTED_EOF = "incomplete escape sequence, reached end of pattern prematurely"
ESCAPE_UNRECOGNIZED = "unrecognized escape sequence"
FLAG_DANGLING_NEGATION = "dangling flag negation operator"
FLAG_DUPLICATE = "duplicate flag"
FLAG_REPEATED_NEGATION = "flag negation operator repeated"
FLAG_UNEXPECTED_EOF = "expected flag but got end of regex"
FLAG_UNRECOGNIZED = "unrecognized flag"
GROUP_NAME_DUPLICATE = "duplicate capture group name"
GROUP_NAME_EMPTY = "empty capture group name"
GROUP_NAME_INVALID = "invalid capture group character"
GROUP_NAME_UNEXPECTED_EOF = "unclosed capture group name"
GROUP_UNCLOSED = "unclosed group"
GROUP_UNOPENED = "unopened group"
NEST_LIMIT_EXCEEDED = "exceed the maximum number of nested parentheses/brackets ({})"
REPETITION_COUNT_INVALID = "invalid repetition count range, the start must be <= the end"
REPETITION_COUNT_DECIMAL_EMPTY = "repetition quantifier expects a valid decimal"
REPETITION_COUNT_UNCLOSED = "unclosed counted repetition"
REPETITION_MISSING = "repetition operator missing expression"
SPECIAL_WORD_BOUNDARY_UNCLOSED = (
    "special word boundary assertion is either unclosed or contains an invalid character"
)
SPECIAL_WORD_BOUNDARY_UNRECOGNIZED = (
    "unrecognized special word boundary assertion, valid choices are: "
    "start, end, start-half or end-half"
)
SPECIAL_WORD_OR_REPETITION_UNEXPECTED_EOF = (
    "found either the beginning of a special word boundary or a bounded repetition "
    "on a \\b with an opening brace, but no closing brace"
)
UNICODE_CLASS_INVALID = "invalid Unicode character class"
UNSUPPORTED_BACKREFERENCE = "backreferences are not supported"
UNSUPPORTED_LOOK_AROUND = "look-around, including look-ahead and look-behind, is not supported"
# hir::ErrorKind
UNICODE_NOT_ALLOWED = "Unicode not allowed here"
INVALID_UTF8 = "pattern can match invalid UTF-8"
UNICODE_PROPERTY_NOT_FOUND = "Unicode property not found"
UNICODE_PROPERTY_VALUE_NOT_FOUND = "Unicode property value not found"


class RegexCompileError(ValueError):
    """A pattern the Rust ``regex`` crate rejects; ``str(err) == err.display``."""

    def __init__(
        self,
        pattern: str,
        display: str,
        message: str,
        span: Optional[Span] = None,
    ) -> None:
        super().__init__(display)
        self.pattern = pattern
        self.display = display
        self.message = message
        self.span = span

    def __str__(self) -> str:
        return self.display


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def check_encodable(pattern: str) -> None:
    """A pattern must be UTF-8 text, as the crate's ``&str`` is: one holding a lone
    surrogate (only Python can make one: no contract file holds it) is refused."""
    if not pattern.isascii():
        m = _LONE_SURROGATE.search(pattern)
        if m is not None:
            text = (
                f"regex parse error: the pattern holds a lone surrogate "
                f"(U+{ord(m.group()):04X}), which no UTF-8 text can hold"
            )
            raise RegexCompileError(pattern, text, text)


def size_limit_error(pattern: str) -> RegexCompileError:
    text = f"Compiled regex exceeds size limit of {SIZE_LIMIT} bytes."
    return RegexCompileError(pattern, text, text)


def _rust_lines(pattern: str) -> List[str]:
    """``str::lines``: split on ``\\n``, dropping one ``\\r`` before each ``\\n``."""
    if not pattern:
        return []
    parts = pattern.split("\n")
    lines: List[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if last:
            if part:
                lines.append(part)
        else:
            lines.append(part[:-1] if part.endswith("\r") else part)
    return lines


def format_error(
    pattern: str, message: str, span: Span, aux: Optional[Span] = None
) -> str:
    """regex-syntax's ``error::Formatter`` Display."""
    lines = _rust_lines(pattern)
    line_count = len(lines)
    if pattern.endswith("\n"):
        line_count += 1
    width = 0 if line_count <= 1 else len(str(line_count))
    by_line: List[List[Tuple[Position, Position]]] = [[] for _ in range(line_count)]
    multi: List[Tuple[Position, Position]] = []
    for sp in [span] + ([aux] if aux is not None else []):
        start, end = sp.positions(pattern)
        if start.line == end.line:
            bucket = by_line[start.line - 1]
            bucket.append((start, end))
            bucket.sort(key=_span_key)
        else:
            multi.append((start, end))
            multi.sort(key=_span_key)
    pad = 4 if width == 0 else 2 + width
    notated: List[str] = []
    for i, line in enumerate(lines):
        if width > 0:
            notated.append(str(i + 1).rjust(width) + ": ")
        else:
            notated.append("    ")
        notated.append(line + "\n")
        spans = by_line[i]
        if spans:
            notes = [" " * pad]
            pos = 0
            for start, end in spans:
                while pos < start.column - 1:
                    notes.append(" ")
                    pos += 1
                n = max(1, end.column - start.column)
                notes.append("^" * n)
                pos += n
            notated.append("".join(notes) + "\n")
    body = "".join(notated)
    if "\n" in pattern:
        divider = "~" * 79
        out = "regex parse error:\n" + divider + "\n" + body + divider + "\n"
        if multi:
            notes_ml = [
                f"on line {start.line} (column {start.column}) "
                f"through line {end.line} (column {end.column - 1})"
                for start, end in multi
            ]
            out += "\n".join(notes_ml) + "\n"
        return out + "error: " + message
    return "regex parse error:\n" + body + "error: " + message


def _span_key(span: Tuple[Position, Position]) -> Tuple[Tuple[int, int, int], Tuple[int, int, int]]:
    return (span[0].key(), span[1].key())


def parse_error(
    pattern: str, message: str, span: Span, aux: Optional[Span] = None
) -> RegexCompileError:
    return RegexCompileError(pattern, format_error(pattern, message, span, aux), message, span)
