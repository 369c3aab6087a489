"""libyaml 0.2.5's scanner (scanner.c), token for token.

The structure, names and order of checks follow scanner.c; each ``CACHE(parser, n)``
of the C code is the test ``pos + n > limit`` (see :mod:`.reader`). Loops that C runs
one character at a time over ordinary characters (plain/quoted scalar text, comments,
blanks, block scalar lines, anchors, tag URIs) run here as one regex match; the
``CACHE`` of the last iteration, the only one that can fail first, is tested at the end
of the run (a few fast paths for the commonest shapes, e.g. a plain scalar that ends
at ``: `` or at the end of its line, are taken only when their result is the one the
general loop gives, and no ``CACHE`` on the way could fail). Marks are
``(index, line, column)`` tuples in characters, like ``yaml_mark_t``.

The scalar scanners live in :mod:`.scalars`, token types, character classes and the
scanner fields in :mod:`.tokens` (split for size only).

Two bookkeeping structures differ from C's for speed, not in behaviour:

* the token queue is a :class:`collections.deque` (``QUEUE_INSERT`` is ``insert``);
* the simple-key stack keeps only its *possible* keys, in a deque ordered by flow level.
  Keys lower in C's stack were saved earlier, so they sit at smaller indexes and on no
  later line: the stale ones (``yaml_parser_stale_simple_keys``) are always a prefix
  and the key ``yaml_parser_fetch_more_tokens`` waits for is always the first one.
  C walks the whole stack on every token (quadratic in flow depth); this is O(1)
  amortised. Only a flow-level-0 key can be ``required`` and it is first, so the
  error C raises on the first stale required key is the one raised here.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from .scalars import ScalarScanner
from .tokens import (
    _ANCHOR_END,
    _NOT_PLAIN_START,
    _SKIPPABLE,
    ALIAS,
    ANCHOR,
    BLANKZ,
    BLOCK_END,
    BLOCK_ENTRY,
    BLOCK_MAPPING_START,
    BLOCK_SEQUENCE_START,
    BREAK,
    DIGITS,
    DOCUMENT_END,
    DOCUMENT_START,
    FLOW_ENTRY,
    FLOW_MAPPING_END,
    FLOW_MAPPING_START,
    FLOW_SEQUENCE_END,
    FLOW_SEQUENCE_START,
    HEX,
    KEY,
    STREAM_END,
    STREAM_START,
    TAG,
    TAG_DIRECTIVE,
    VALUE,
    VERSION_DIRECTIVE,
    MarkT,
    Token,
)

__all__ = ["Scanner", "Token"]


class Scanner(ScalarScanner):
    """The scanner of a ``yaml_parser_t``; :meth:`peek_token`/:meth:`skip_token` are the
    parser's ``PEEK_TOKEN``/``SKIP_TOKEN``."""

    # -- the parser's interface ---------------------------------------------------------

    def peek_token(self) -> Token:
        if not self.token_available:
            self.fetch_more_tokens()
        return self.tokens[0]

    def skip_token(self) -> None:
        self.token_available = False
        self.tokens_parsed += 1
        if self.tokens.popleft().type == STREAM_END:
            self.stream_end_produced = True

    # -- token fetching -----------------------------------------------------------------

    def fetch_more_tokens(self) -> None:
        tokens = self.tokens
        possible = self.possible
        while True:
            if tokens:
                if not possible:
                    break
                key = possible[0]
                if key[4] < self.line or key[3] + 1024 < self.pos:
                    self.stale_simple_keys()
                    if not possible:
                        break
                    key = possible[0]
                if key[2] != self.tokens_parsed:
                    break
            self.fetch_next_token()
        self.token_available = True

    def fetch_next_token(self) -> None:
        if self.pos >= self.limit:  # CACHE(1)
            self.reader_failed()
        if not self.stream_start_produced:
            self.fetch_stream_start()
            return
        text = self.text
        pos = self.pos
        ch = text[pos]
        if ch in _SKIPPABLE:
            # (the commonest case of scan_to_next_token inline: one space)
            if ch == " " and text[pos + 1] not in _SKIPPABLE and pos + 2 <= self.limit:
                self.pos = pos = pos + 1
                self.col += 1
            else:
                self.scan_to_next_token()
                pos = self.pos
        possible = self.possible
        if possible:
            key = possible[0]
            if key[4] < self.line or key[3] + 1024 < pos:
                self.stale_simple_keys()
        if not self.flow_level and self.indent > self.col:
            self.unroll_indent(self.col)
        if pos + 4 > self.limit:  # CACHE(4)
            self.reader_failed()
        ch = text[pos]
        if ch not in _NOT_PLAIN_START and (self.col or ch != "."):
            # (C tests this last; no earlier test can match these characters)
            self.fetch_plain_scalar()
            return
        if ch == "\0":
            self.fetch_stream_end()
            return
        if self.col == 0:
            if ch == "%":
                self.fetch_directive()
                return
            if (
                (ch == "-" or ch == ".")
                and text[pos + 1] == ch
                and text[pos + 2] == ch
                and text[pos + 3] in BLANKZ
            ):
                self.fetch_document_indicator(DOCUMENT_START if ch == "-" else DOCUMENT_END)
                return
        if ch == "[":
            self.fetch_flow_collection_start(FLOW_SEQUENCE_START)
        elif ch == "{":
            self.fetch_flow_collection_start(FLOW_MAPPING_START)
        elif ch == "]":
            self.fetch_flow_collection_end(FLOW_SEQUENCE_END)
        elif ch == "}":
            self.fetch_flow_collection_end(FLOW_MAPPING_END)
        elif ch == ",":
            self.fetch_flow_entry()
        elif ch == "-" and text[pos + 1] in BLANKZ:
            self.fetch_block_entry()
        elif ch == "?" and (self.flow_level or text[pos + 1] in BLANKZ):
            self.fetch_key()
        elif ch == ":" and (self.flow_level or text[pos + 1] in BLANKZ):
            self.fetch_value()
        elif ch == "*":
            self.fetch_anchor(ALIAS)
        elif ch == "&":
            self.fetch_anchor(ANCHOR)
        elif ch == "!":
            self.fetch_tag()
        elif ch == "|" and not self.flow_level:
            self.fetch_block_scalar(True)
        elif ch == ">" and not self.flow_level:
            self.fetch_block_scalar(False)
        elif ch == "'":
            self.fetch_flow_scalar(True)
        elif ch == '"':
            self.fetch_flow_scalar(False)
        elif (
            ch not in _NOT_PLAIN_START
            or (ch == "-" and text[pos + 1] not in " \t")
            or (not self.flow_level and (ch == "?" or ch == ":") and text[pos + 1] not in BLANKZ)
        ):
            self.fetch_plain_scalar()
        else:
            self.error(
                "while scanning for the next token",
                (pos, self.line, self.col),
                "found character that cannot start any token",
            )

    # -- simple keys --------------------------------------------------------------------

    def stale_simple_keys(self) -> None:
        possible = self.possible
        line = self.line
        pos = self.pos
        while possible:
            key = possible[0]
            if key[4] < line or key[3] + 1024 < pos:
                if key[1]:
                    self.error(
                        "while scanning a simple key",
                        (key[3], key[4], key[5]),
                        "could not find expected ':'",
                    )
                possible.popleft()
            else:
                return

    def save_simple_key(self) -> None:
        if self.simple_key_allowed:
            required = not self.flow_level and self.indent == self.col
            token_number = self.tokens_parsed + len(self.tokens)
            self.remove_simple_key()
            self.possible.append(
                (self.flow_level, required, token_number, self.pos, self.line, self.col)
            )

    def remove_simple_key(self) -> None:
        possible = self.possible
        if possible and possible[-1][0] == self.flow_level:
            key = possible[-1]
            if key[1]:
                self.error(
                    "while scanning a simple key",
                    (key[3], key[4], key[5]),
                    "could not find expected ':'",
                )
            possible.pop()

    def increase_flow_level(self) -> None:
        self.flow_level += 1

    def decrease_flow_level(self) -> None:
        if self.flow_level:
            possible = self.possible
            if possible and possible[-1][0] == self.flow_level:
                possible.pop()
            self.flow_level -= 1

    # -- indentation --------------------------------------------------------------------

    def roll_indent(self, column: int, number: int, type: int, mark: MarkT) -> None:
        if self.flow_level:
            return
        if self.indent < column:
            self.indents.append(self.indent)
            self.indent = column
            token = Token(type, mark, mark)
            if number == -1:
                self.tokens.append(token)
            else:
                self.tokens.insert(number - self.tokens_parsed, token)

    def unroll_indent(self, column: int) -> None:
        if self.flow_level:
            return
        while self.indent > column:
            mark = (self.pos, self.line, self.col)
            self.tokens.append(Token(BLOCK_END, mark, mark))
            self.indent = self.indents.pop()

    # -- fetchers -----------------------------------------------------------------------

    def fetch_stream_start(self) -> None:
        self.indent = -1
        self.simple_key_allowed = True
        self.stream_start_produced = True
        mark = (self.pos, self.line, self.col)
        self.tokens.append(Token(STREAM_START, mark, mark))

    def fetch_stream_end(self) -> None:
        if self.col != 0:
            self.col = 0
            self.line += 1
        self.unroll_indent(-1)
        self.remove_simple_key()
        self.simple_key_allowed = False
        mark = (self.pos, self.line, self.col)
        self.tokens.append(Token(STREAM_END, mark, mark))

    def fetch_directive(self) -> None:
        self.unroll_indent(-1)
        self.remove_simple_key()
        self.simple_key_allowed = False
        self.tokens.append(self.scan_directive())

    def fetch_document_indicator(self, type: int) -> None:
        self.unroll_indent(-1)
        self.remove_simple_key()
        self.simple_key_allowed = False
        start = (self.pos, self.line, self.col)
        self.pos += 3
        self.col += 3
        self.tokens.append(Token(type, start, (self.pos, self.line, self.col)))

    def fetch_flow_collection_start(self, type: int) -> None:
        self.save_simple_key()
        self.increase_flow_level()
        self.simple_key_allowed = True
        self._single_char_token(type)

    def fetch_flow_collection_end(self, type: int) -> None:
        self.remove_simple_key()
        self.decrease_flow_level()
        self.simple_key_allowed = False
        self._single_char_token(type)

    def fetch_flow_entry(self) -> None:
        self.remove_simple_key()
        self.simple_key_allowed = True
        self._single_char_token(FLOW_ENTRY)

    def _single_char_token(self, type: int) -> None:
        start = (self.pos, self.line, self.col)
        self.pos += 1
        self.col += 1
        self.tokens.append(Token(type, start, (self.pos, self.line, self.col)))

    def fetch_block_entry(self) -> None:
        if not self.flow_level:
            if not self.simple_key_allowed:
                self.error(
                    None,
                    (self.pos, self.line, self.col),
                    "block sequence entries are not allowed in this context",
                )
            mark = (self.pos, self.line, self.col)
            self.roll_indent(self.col, -1, BLOCK_SEQUENCE_START, mark)
        self.remove_simple_key()
        self.simple_key_allowed = True
        self._single_char_token(BLOCK_ENTRY)

    def fetch_key(self) -> None:
        if not self.flow_level:
            if not self.simple_key_allowed:
                self.error(
                    None,
                    (self.pos, self.line, self.col),
                    "mapping keys are not allowed in this context",
                )
            mark = (self.pos, self.line, self.col)
            self.roll_indent(self.col, -1, BLOCK_MAPPING_START, mark)
        self.remove_simple_key()
        self.simple_key_allowed = not self.flow_level
        self._single_char_token(KEY)

    def fetch_value(self) -> None:
        possible = self.possible
        if possible and possible[-1][0] == self.flow_level:
            key = possible.pop()
            mark = (key[3], key[4], key[5])
            self.tokens.insert(key[2] - self.tokens_parsed, Token(KEY, mark, mark))
            self.roll_indent(key[5], key[2], BLOCK_MAPPING_START, mark)
            self.simple_key_allowed = False
        else:
            if not self.flow_level:
                if not self.simple_key_allowed:
                    self.error(
                        None,
                        (self.pos, self.line, self.col),
                        "mapping values are not allowed in this context",
                    )
                mark = (self.pos, self.line, self.col)
                self.roll_indent(self.col, -1, BLOCK_MAPPING_START, mark)
            self.simple_key_allowed = not self.flow_level
        self._single_char_token(VALUE)

    def fetch_anchor(self, type: int) -> None:
        self.save_simple_key()
        self.simple_key_allowed = False
        self.tokens.append(self.scan_anchor(type))

    def fetch_tag(self) -> None:
        self.save_simple_key()
        self.simple_key_allowed = False
        self.tokens.append(self.scan_tag())

    def fetch_block_scalar(self, literal: bool) -> None:
        self.remove_simple_key()
        self.simple_key_allowed = True
        self.tokens.append(self.scan_block_scalar(literal))

    def fetch_flow_scalar(self, single: bool) -> None:
        self.save_simple_key()
        self.simple_key_allowed = False
        self.tokens.append(self.scan_flow_scalar(single))

    def fetch_plain_scalar(self) -> None:
        if self.simple_key_allowed:  # save_simple_key, inline
            required = not self.flow_level and self.indent == self.col
            token_number = self.tokens_parsed + len(self.tokens)
            possible = self.possible
            if possible and possible[-1][0] == self.flow_level:
                self.remove_simple_key()
            possible.append(
                (self.flow_level, required, token_number, self.pos, self.line, self.col)
            )
        self.simple_key_allowed = False
        self.tokens.append(self.scan_plain_scalar())

    # -- whitespace and comments --------------------------------------------------------

    def scan_to_next_token(self) -> None:
        text = self.text
        limit = self.limit
        pos = self.pos
        # Fast paths: nothing to skip, or one space before the next token.
        ch = text[pos]
        if ch not in _SKIPPABLE:
            if pos < limit:  # CACHE(1)
                return
        elif ch == " " and text[pos + 1] not in _SKIPPABLE and pos + 2 <= limit:
            self.pos = pos + 1
            self.col += 1
            return
        col = self.col
        try:
            while True:
                if pos >= limit:  # CACHE(1)
                    self.reader_failed()
                if col == 0 and text[pos] == "\ufeff":
                    pos += 1
                    col = 1
                    if pos >= limit:
                        self.reader_failed()
                if self.flow_level or not self.simple_key_allowed:
                    end = self.rx.blanks.match(text, pos).end()  # type: ignore[union-attr]
                else:
                    end = self.rx.spaces.match(text, pos).end()  # type: ignore[union-attr]
                if end != pos:
                    col += end - pos
                    pos = end
                    if pos >= limit:
                        self.reader_failed()
                ch = text[pos]
                if ch == "#":
                    end = self.rx.to_breakz.match(text, pos).end()  # type: ignore[union-attr]
                    col += end - pos
                    pos = end
                    if pos >= limit:
                        self.reader_failed()
                    ch = text[pos]
                if ch in BREAK:
                    if pos + 2 > limit:  # CACHE(2)
                        self.reader_failed()
                    pos += 2 if ch == "\r" and text[pos + 1] == "\n" else 1
                    self.line += 1
                    col = 0
                    if not self.flow_level:
                        self.simple_key_allowed = True
                else:
                    return
        finally:
            self.pos = pos
            self.col = col

    # -- directives ---------------------------------------------------------------------

    def scan_directive(self) -> Token:
        start = (self.pos, self.line, self.col)
        self.pos += 1
        self.col += 1
        name = self.scan_directive_name(start)
        token: Token
        if name == "YAML":
            major, minor = self.scan_version_directive_value(start)
            token = Token(VERSION_DIRECTIVE, start, (self.pos, self.line, self.col), (major, minor))
        elif name == "TAG":
            handle, prefix = self.scan_tag_directive_value(start)
            token = Token(
                TAG_DIRECTIVE, start, (self.pos, self.line, self.col), handle, suffix=prefix
            )
        else:
            self.error("while scanning a directive", start, "found unknown directive name")
        self._skip_to_line_end(start, "while scanning a directive")
        return token

    def scan_directive_name(self, start: MarkT) -> str:
        name = self._read_alpha()
        if not name:
            self.error(
                "while scanning a directive", start, "could not find expected directive name"
            )
        if self.text[self.pos] not in BLANKZ:
            self.error(
                "while scanning a directive", start, "found unexpected non-alphabetical character"
            )
        return name

    def scan_version_directive_value(self, start: MarkT) -> Tuple[int, int]:
        self._skip_blanks()
        major = self.scan_version_directive_number(start)
        if self.text[self.pos] != ".":
            self.error(
                "while scanning a %YAML directive",
                start,
                "did not find expected digit or '.' character",
            )
        self.pos += 1
        self.col += 1
        minor = self.scan_version_directive_number(start)
        return major, minor

    def scan_version_directive_number(self, start: MarkT) -> int:
        text = self.text
        if self.pos >= self.limit:  # CACHE(1)
            self.reader_failed()
        length = 0
        value = 0
        while text[self.pos] in DIGITS and text[self.pos] != "\0":
            length += 1
            if length > 9:  # MAX_NUMBER_LENGTH
                self.error(
                    "while scanning a %YAML directive", start, "found extremely long version number"
                )
            value = value * 10 + ord(text[self.pos]) - 48
            self.pos += 1
            self.col += 1
            if self.pos >= self.limit:
                self.reader_failed()
        if not length:
            self.error(
                "while scanning a %YAML directive", start, "did not find expected version number"
            )
        return value

    def scan_tag_directive_value(self, start: MarkT) -> Tuple[bytes, bytes]:
        self._skip_blanks()
        handle = self.scan_tag_handle(True, start)
        if self.pos >= self.limit:  # CACHE(1)
            self.reader_failed()
        if self.text[self.pos] not in " \t":
            self.error("while scanning a %TAG directive", start, "did not find expected whitespace")
        self._skip_blanks()
        prefix = self.scan_tag_uri(True, True, None, start)
        if self.pos >= self.limit:  # CACHE(1)
            self.reader_failed()
        if self.text[self.pos] not in BLANKZ:
            self.error(
                "while scanning a %TAG directive",
                start,
                "did not find expected whitespace or line break",
            )
        return handle, prefix

    # -- anchors and tags ---------------------------------------------------------------

    def scan_anchor(self, type: int) -> Token:
        start = (self.pos, self.line, self.col)
        self.pos += 1
        self.col += 1
        name = self._read_alpha()
        end = (self.pos, self.line, self.col)
        if not name or self.text[self.pos] not in _ANCHOR_END:
            self.error(
                "while scanning an anchor" if type == ANCHOR else "while scanning an alias",
                start,
                "did not find expected alphabetic or numeric character",
            )
        return Token(type, start, end, name)

    def scan_tag(self) -> Token:
        start = (self.pos, self.line, self.col)
        if self.pos + 2 > self.limit:  # CACHE(2)
            self.reader_failed()
        text = self.text
        if text[self.pos + 1] == "<":
            handle = b""
            self.pos += 2
            self.col += 2
            suffix = self.scan_tag_uri(True, False, None, start)
            if text[self.pos] != ">":
                self.error("while scanning a tag", start, "did not find the expected '>'")
            self.pos += 1
            self.col += 1
        else:
            handle = self.scan_tag_handle(False, start)
            if len(handle) > 1 and handle[0] == 0x21 and handle[-1] == 0x21:  # "!...!"
                suffix = self.scan_tag_uri(False, False, None, start)
            else:
                suffix = self.scan_tag_uri(False, False, handle, start)
                handle = b"!"
                if not suffix:
                    handle, suffix = suffix, handle
        if self.pos >= self.limit:  # CACHE(1)
            self.reader_failed()
        ch = text[self.pos]
        if ch not in BLANKZ and (not self.flow_level or ch != ","):
            self.error(
                "while scanning a tag", start, "did not find expected whitespace or line break"
            )
        return Token(TAG, start, (self.pos, self.line, self.col), handle, suffix=suffix)

    def scan_tag_handle(self, directive: bool, start: MarkT) -> bytes:
        text = self.text
        if self.pos >= self.limit:  # CACHE(1)
            self.reader_failed()
        if text[self.pos] != "!":
            self.error(
                "while scanning a tag directive" if directive else "while scanning a tag",
                start,
                "did not find expected '!'",
            )
        self.pos += 1
        self.col += 1
        name = "!" + self._read_alpha()
        if text[self.pos] == "!":
            self.pos += 1
            self.col += 1
            name += "!"
        elif directive and name != "!":
            self.error("while parsing a tag directive", start, "did not find expected '!'")
        return name.encode("ascii")

    def scan_tag_uri(
        self, uri_char: bool, directive: bool, head: Optional[bytes], start: MarkT
    ) -> bytes:
        """The tag URI as C's NUL-terminated string: bytes up to the first NUL."""
        text = self.text
        uri_re = self.rx.uri_flow if uri_char else self.rx.uri
        length = len(head) if head else 0
        parts: List[bytes] = [head[1:]] if head else []
        if self.pos >= self.limit:  # CACHE(1)
            self.reader_failed()
        while True:
            pos = self.pos
            end = uri_re.match(text, pos).end()  # type: ignore[union-attr]
            if end != pos:
                parts.append(text[pos:end].encode("ascii"))
                length += end - pos
                self.col += end - pos
                self.pos = end
                if end >= self.limit:
                    self.reader_failed()
            if text[self.pos] != "%":
                break
            parts.append(self.scan_uri_escapes(directive, start))
            length += 1
            if self.pos >= self.limit:
                self.reader_failed()
        if not length:
            self.error(
                "while parsing a %TAG directive" if directive else "while parsing a tag",
                start,
                "did not find expected tag URI",
            )
        return b"".join(parts).split(b"\0", 1)[0]

    def scan_uri_escapes(self, directive: bool, start: MarkT) -> bytes:
        text = self.text
        context = "while parsing a %TAG directive" if directive else "while parsing a tag"
        octets = bytearray()
        width = 0
        while True:
            pos = self.pos
            if pos + 3 > self.limit:  # CACHE(3)
                self.reader_failed()
            if not (
                text[pos] == "%"
                and text[pos + 1] in HEX
                and text[pos + 2] in HEX
                and text[pos + 1] != "\0"
                and text[pos + 2] != "\0"
            ):
                self.error(context, start, "did not find URI escaped octet")
            octet = int(text[pos + 1 : pos + 3], 16)
            if not width:
                width = (
                    1
                    if octet & 0x80 == 0
                    else 2
                    if octet & 0xE0 == 0xC0
                    else 3
                    if octet & 0xF0 == 0xE0
                    else 4
                    if octet & 0xF8 == 0xF0
                    else 0
                )
                if not width:
                    self.error(context, start, "found an incorrect leading UTF-8 octet")
            elif octet & 0xC0 != 0x80:
                self.error(context, start, "found an incorrect trailing UTF-8 octet")
            octets.append(octet)
            self.pos += 3
            self.col += 3
            width -= 1
            if not width:
                return bytes(octets)
