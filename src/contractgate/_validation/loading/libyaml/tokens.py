"""Tokens, character classes and the scanner state shared by :mod:`.scanner` and
:mod:`.scalars` (libyaml 0.2.5's ``yaml_token_t``, ``yaml_parser_t`` scanner fields and
the character macros of yaml_private.h). See :mod:`.scanner` for how the C code maps
to this port.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Deque, List, NoReturn, Optional, Tuple, Union

from .errors import YAMLReaderError, YAMLSyntaxError
from .reader import prepare

MarkT = Tuple[int, int, int]  # (index, line, column)

# yaml_token_type_t
(
    STREAM_START,
    STREAM_END,
    VERSION_DIRECTIVE,
    TAG_DIRECTIVE,
    DOCUMENT_START,
    DOCUMENT_END,
    BLOCK_SEQUENCE_START,
    BLOCK_MAPPING_START,
    BLOCK_END,
    FLOW_SEQUENCE_START,
    FLOW_SEQUENCE_END,
    FLOW_MAPPING_START,
    FLOW_MAPPING_END,
    BLOCK_ENTRY,
    FLOW_ENTRY,
    KEY,
    VALUE,
    ALIAS,
    ANCHOR,
    TAG,
    SCALAR,
) = range(1, 22)

# yaml_scalar_style_t
PLAIN, SINGLE_QUOTED, DOUBLE_QUOTED, LITERAL, FOLDED = range(1, 6)

BREAK = "\r\n\x85\u2028\u2029"
BREAKZ = BREAK + "\0"
BLANKZ = " \t" + BREAKZ
_BLANK_OR_BREAK = " \t" + BREAK
_SKIPPABLE = " \t#\ufeff" + BREAK  # what scan_to_next_token may skip
DIGITS = "0123456789"
HEX = "0123456789ABCDEFabcdef"
_NOT_PLAIN_START = BLANKZ + "-?:,[]{}#&*!|>'\"%@`"
_ANCHOR_END = BLANKZ + "?:,]}%@`"
_FLOW_INDICATORS = ",?[]{}"

# Runs of scalar text: words, and the blanks between words on one line, which the C
# loops read into ``whitespaces`` and join unchanged when the next word starts. A run
# ends before the first thing those loops treat specially (found by one regex search),
# minus trailing blanks. Within a run the last CACHE that C makes is at most ``end + 3``
# (a CACHE(4) at the start of its last word): a run is only taken whole when
# ``end + 3 <= limit``, else one word at a time (the ``*_word`` patterns).


class _Regexes:
    """The scanner's regexes, compiled on first use so that importing stays cheap."""

    __slots__ = (
        "alpha",
        "blanks",
        "double_end",
        "double_word",
        "plain_block_end",
        "plain_block_word",
        "plain_flow_end",
        "plain_flow_word",
        "plain_next_line",
        "single_end",
        "single_word",
        "spaces",
        "to_breakz",
        "uri",
        "uri_flow",
    )

    def __init__(self) -> None:
        self.spaces = re.compile(" *")
        self.blanks = re.compile("[ \t]*")
        # comments, block scalar lines
        self.to_breakz = re.compile("[^\r\n\x85\u2028\u2029\0]*")
        # anchors, directive names, tag handles
        self.alpha = re.compile("[0-9A-Za-z_-]*")
        # where a run of plain scalar text ends: a break or NUL, ": " and the like, or
        # " #" (found at the '#'; the caller strips the blanks before it). One class
        # first, so that the regex engine skips ahead by that class.
        self.plain_block_end = re.compile(
            "[\r\n\x85\u2028\u2029\0:#]"
            "(?:(?<=[\r\n\x85\u2028\u2029\0])|(?<=:)(?=[ \t\r\n\x85\u2028\u2029\0])|(?<=[ \t]#))"
        )
        self.plain_flow_end = re.compile(
            "[\r\n\x85\u2028\u2029\0:#,\\[\\]{}]"
            "(?:(?<=[\r\n\x85\u2028\u2029\0,\\[\\]{}])"
            "|(?<=:)(?=[ \t\r\n\x85\u2028\u2029\0,?\\[\\]{}])|(?<=[ \t]#))"
        )
        # one line break, the next line's indentation, the start of its content
        self.plain_next_line = re.compile(
            "(?:\r\n|[\r\n\x85\u2028\u2029])( *)(?=[^ \t\r\n\x85\u2028\u2029])"
        )
        self.single_end = re.compile("['\r\n\x85\u2028\u2029\0]")
        self.double_end = re.compile('["\\\\\r\n\x85\u2028\u2029\0]')
        self.plain_block_word = re.compile(
            "(?:[^ \t\r\n\x85\u2028\u2029\0:]|:(?=[^ \t\r\n\x85\u2028\u2029\0]))+"
        )
        self.plain_flow_word = re.compile(
            "(?:[^ \t\r\n\x85\u2028\u2029\0:,\\[\\]{}]"
            "|:(?=[^ \t\r\n\x85\u2028\u2029\0,?\\[\\]{}]))+"
        )
        self.single_word = re.compile("[^ \t\r\n\x85\u2028\u2029\0']+")
        self.double_word = re.compile('[^ \t\r\n\x85\u2028\u2029\0"\\\\]+')
        # tag URI characters (without %: escapes are scanned apart)
        self.uri = re.compile("[0-9A-Za-z_\\-;/?:@&=+$.!~*'()]*")
        # the same in %TAG prefixes and verbatim tags: also , [ ]
        self.uri_flow = re.compile("[0-9A-Za-z_\\-;/?:@&=+$.!~*'(),\\[\\]]*")


_REGEXES: List[_Regexes] = []


def _regexes() -> _Regexes:
    if not _REGEXES:
        _REGEXES.append(_Regexes())
    return _REGEXES[0]


_ESCAPES = {
    "0": "\0",
    "a": "\x07",
    "b": "\x08",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\x0b",
    "f": "\x0c",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_CODE_LENGTHS = {"x": 2, "u": 4, "U": 8}

# A possible simple key: (flow level, required, token number, index, line, column)
SimpleKey = Tuple[int, bool, int, int, int, int]


class Token:
    """A ``yaml_token_t``. ``value``: scalar text, anchor/alias name, tag handle,
    ``%TAG`` handle, or ``(major, minor)``; ``suffix``: tag suffix or ``%TAG`` prefix
    (tag parts are bytes: URI escapes may give any octets)."""

    __slots__ = ("end", "start", "style", "suffix", "type", "value")

    def __init__(
        self,
        type: int,
        start: MarkT,
        end: MarkT,
        value: Union[str, bytes, Tuple[int, int], None] = None,
        style: int = 0,
        suffix: bytes = b"",
    ) -> None:
        self.type = type
        self.start = start
        self.end = end
        self.value = value
        self.style = style
        self.suffix = suffix


class ScannerBase:
    """The scanner fields of a ``yaml_parser_t``, its error setters and the small
    helpers that several scanning routines share."""

    def __init__(self, text: str) -> None:
        self.rx = _regexes()
        self.text, self.limit, self.reader_error = prepare(text)
        self.pos = 0
        self.line = 0
        self.col = 0
        self.tokens: Deque[Token] = deque()
        self.tokens_parsed = 0
        self.token_available = False
        self.stream_start_produced = False
        self.stream_end_produced = False
        self.indent = -1
        self.indents: List[int] = []
        self.flow_level = 0
        self.simple_key_allowed = False
        self.possible: Deque[SimpleKey] = deque()

    # -- errors -------------------------------------------------------------------------

    def reader_failed(self) -> NoReturn:
        """A ``CACHE`` reached the chunk that holds a bad character."""
        assert self.reader_error is not None
        raise YAMLReaderError(
            self.reader_error.reason, self.reader_error.offset, self.reader_error.value
        )

    def error(self, context: Optional[str], context_mark: MarkT, problem: str) -> NoReturn:
        """``yaml_parser_set_scanner_error``: the problem mark is the current mark."""
        raise YAMLSyntaxError(
            "scanner",
            problem,
            (self.line, self.col),
            self.pos,
            context,
            (context_mark[1], context_mark[2]) if context is not None else None,
            context_mark[0] if context is not None else None,
        )

    # -- shared helpers -----------------------------------------------------------------

    def _skip_to_line_end(self, start: MarkT, context: str) -> None:
        """Blanks, an optional comment, then a line break or the end (directives and
        block scalar headers): ``did not find expected comment or line break``."""
        text = self.text
        pos = self.pos
        if pos >= self.limit:  # CACHE(1)
            self.reader_failed()
        end = self.rx.blanks.match(text, pos).end()  # type: ignore[union-attr]
        if text[end] == "#":
            end = self.rx.to_breakz.match(text, end).end()  # type: ignore[union-attr]
        if end != pos:
            self.col += end - pos
            self.pos = pos = end
            if pos >= self.limit:
                self.reader_failed()
        ch = text[pos]
        if ch not in BREAKZ:
            self.error(context, start, "did not find expected comment or line break")
        if ch != "\0":
            if pos + 2 > self.limit:  # CACHE(2)
                self.reader_failed()
            self.pos += 2 if ch == "\r" and text[pos + 1] == "\n" else 1
            self.line += 1
            self.col = 0

    def _skip_blanks(self) -> None:
        """``CACHE(1); while (IS_BLANK) { SKIP; CACHE(1); }``"""
        pos = self.pos
        if pos >= self.limit:
            self.reader_failed()
        end = self.rx.blanks.match(self.text, pos).end()  # type: ignore[union-attr]
        if end != pos:
            self.col += end - pos
            self.pos = end
            if end >= self.limit:
                self.reader_failed()

    def _read_alpha(self) -> str:
        """``CACHE(1); while (IS_ALPHA) { READ; CACHE(1); }``"""
        pos = self.pos
        if pos >= self.limit:
            self.reader_failed()
        end = self.rx.alpha.match(self.text, pos).end()  # type: ignore[union-attr]
        if end != pos:
            self.col += end - pos
            self.pos = end
            if end >= self.limit:
                self.reader_failed()
        return self.text[pos:end]
