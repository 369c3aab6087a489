"""libyaml 0.2.5's scalar scanners (scanner.c: ``yaml_parser_scan_block_scalar``,
``..._flow_scalar``, ``..._plain_scalar``), split from :mod:`.scanner` for size.

Runs of ordinary characters are matched by regexes (see the note above
``_Regexes`` in :mod:`.tokens` for why the ``CACHE`` tests stay exact).
"""

from __future__ import annotations

from typing import List, Tuple

from .tokens import (
    _BLANK_OR_BREAK,
    _CODE_LENGTHS,
    _ESCAPES,
    _FLOW_INDICATORS,
    BLANKZ,
    BREAK,
    DIGITS,
    DOUBLE_QUOTED,
    FOLDED,
    HEX,
    LITERAL,
    PLAIN,
    SCALAR,
    SINGLE_QUOTED,
    MarkT,
    ScannerBase,
    Token,
)


class ScalarScanner(ScannerBase):
    """The scalar-scanning routines of the scanner."""

    # -- block scalars ------------------------------------------------------------------

    def scan_block_scalar(self, literal: bool) -> Token:
        text = self.text
        start = (self.pos, self.line, self.col)
        self.pos += 1
        self.col += 1
        if self.pos >= self.limit:  # CACHE(1)
            self.reader_failed()
        chomping = 0
        increment = 0
        ch = text[self.pos]
        if ch == "+" or ch == "-":
            chomping = 1 if ch == "+" else -1
            self.pos += 1
            self.col += 1
            if self.pos >= self.limit:
                self.reader_failed()
            ch = text[self.pos]
            if ch in DIGITS and ch != "\0":
                if ch == "0":
                    self.error(
                        "while scanning a block scalar",
                        start,
                        "found an indentation indicator equal to 0",
                    )
                increment = ord(ch) - 48
                self.pos += 1
                self.col += 1
        elif ch in DIGITS and ch != "\0":
            if ch == "0":
                self.error(
                    "while scanning a block scalar",
                    start,
                    "found an indentation indicator equal to 0",
                )
            increment = ord(ch) - 48
            self.pos += 1
            self.col += 1
            if self.pos >= self.limit:
                self.reader_failed()
            ch = text[self.pos]
            if ch == "+" or ch == "-":
                chomping = 1 if ch == "+" else -1
                self.pos += 1
                self.col += 1
        self._skip_to_line_end(start, "while scanning a block scalar")
        end_mark = (self.pos, self.line, self.col)
        indent = 0
        if increment:
            indent = self.indent + increment if self.indent >= 0 else increment
        trailing_breaks: List[str] = []
        indent, end_mark = self.scan_block_scalar_breaks(indent, trailing_breaks, start)
        limit = self.limit
        if self.pos >= limit:  # CACHE(1)
            self.reader_failed()
        chunks: List[str] = []
        leading_break = ""
        leading_blank = False
        while self.col == indent and text[self.pos] != "\0":
            pos = self.pos
            trailing_blank = text[pos] in " \t"
            if not literal and leading_break == "\n" and not leading_blank and not trailing_blank:
                if not trailing_breaks:
                    chunks.append(" ")
            else:
                chunks.append(leading_break)
            leading_break = ""
            chunks.extend(trailing_breaks)
            trailing_breaks.clear()
            leading_blank = trailing_blank
            end = self.rx.to_breakz.match(text, pos).end()  # type: ignore[union-attr]
            if end != pos:
                chunks.append(text[pos:end])
                self.col += end - pos
                self.pos = pos = end
                if pos >= limit:  # CACHE(1)
                    self.reader_failed()
            if pos + 2 > limit:  # CACHE(2)
                self.reader_failed()
            ch = text[pos]
            if ch != "\0":  # READ_LINE
                if ch == "\r" and text[pos + 1] == "\n":
                    self.pos += 2
                    leading_break = "\n"
                else:
                    self.pos += 1
                    leading_break = "\n" if ch in "\r\n\x85" else ch
                self.line += 1
                self.col = 0
            indent, end_mark = self.scan_block_scalar_breaks(indent, trailing_breaks, start)
        if chomping != -1:
            chunks.append(leading_break)
        if chomping == 1:
            chunks.extend(trailing_breaks)
        return Token(SCALAR, start, end_mark, "".join(chunks), LITERAL if literal else FOLDED)

    def scan_block_scalar_breaks(
        self, indent: int, breaks: List[str], start: MarkT
    ) -> Tuple[int, MarkT]:
        text = self.text
        limit = self.limit
        max_indent = 0
        end_mark = (self.pos, self.line, self.col)
        while True:
            pos = self.pos
            if pos >= limit:  # CACHE(1)
                self.reader_failed()
            col = self.col
            if not indent or col < indent:
                end = self.rx.spaces.match(text, pos).end()  # type: ignore[union-attr]
                if indent and end - pos > indent - col:
                    end = pos + indent - col
                if end != pos:
                    col += end - pos
                    self.col = col
                    self.pos = pos = end
                    if pos >= limit:
                        self.reader_failed()
            if col > max_indent:
                max_indent = col
            ch = text[pos]
            if (not indent or col < indent) and ch == "\t":
                self.error(
                    "while scanning a block scalar",
                    start,
                    "found a tab character where an indentation space is expected",
                )
            if ch not in BREAK or ch == "\0":
                break
            if pos + 2 > limit:  # CACHE(2)
                self.reader_failed()
            if ch == "\r" and text[pos + 1] == "\n":
                self.pos += 2
                breaks.append("\n")
            else:
                self.pos += 1
                breaks.append("\n" if ch in "\r\n\x85" else ch)
            self.line += 1
            self.col = 0
            end_mark = (self.pos, self.line, 0)
        if not indent:
            indent = max(max_indent, self.indent + 1, 1)
        return indent, end_mark

    # -- quoted scalars -----------------------------------------------------------------

    def scan_flow_scalar(self, single: bool) -> Token:
        text = self.text
        limit = self.limit
        start = (self.pos, self.line, self.col)
        pos = self.pos + 1
        col = self.col + 1
        line = self.line
        quote = "'" if single else '"'
        run_end = self.rx.single_end if single else self.rx.double_end
        word = self.rx.single_word if single else self.rx.double_word
        chunks: List[str] = []
        leading_break = ""
        trailing_breaks: List[str] = []
        whitespaces = ""
        try:
            while True:
                if pos + 4 > limit:  # CACHE(4)
                    self.reader_failed()
                ch = text[pos]
                if (
                    col == 0
                    and (ch == "-" or ch == ".")
                    and text[pos + 1] == ch
                    and text[pos + 2] == ch
                    and text[pos + 3] in BLANKZ
                ):
                    self.pos, self.line, self.col = pos, line, col
                    self.error(
                        "while scanning a quoted scalar",
                        start,
                        "found unexpected document indicator",
                    )
                if ch == "\0":
                    self.pos, self.line, self.col = pos, line, col
                    self.error(
                        "while scanning a quoted scalar", start, "found unexpected end of stream"
                    )
                if pos + 2 > limit:  # CACHE(2)
                    self.reader_failed()
                leading_blanks = False
                while True:
                    end = run_end.search(text, pos).start()  # type: ignore[union-attr]
                    if end != pos:
                        end = pos + len(text[pos:end].rstrip(" \t"))
                        if end + 3 > limit:
                            m = word.match(text, pos)
                            end = pos if m is None else m.end()
                    if end != pos:
                        chunks.append(text[pos:end])
                        col += end - pos
                        pos = end
                        if pos + 2 > limit:  # CACHE(2)
                            self.reader_failed()
                    ch = text[pos]
                    if single:
                        if ch == "'" and text[pos + 1] == "'":
                            chunks.append("'")
                            pos += 2
                            col += 2
                            if pos + 2 > limit:  # CACHE(2)
                                self.reader_failed()
                            continue
                        break
                    if ch != "\\":
                        break
                    ch = text[pos + 1]
                    if ch in BREAK and ch != "\0":
                        if pos + 3 > limit:  # CACHE(3)
                            self.reader_failed()
                        pos += 3 if ch == "\r" and text[pos + 2] == "\n" else 2
                        line += 1
                        col = 0
                        leading_blanks = True
                        break
                    simple = _ESCAPES.get(ch)
                    if simple is not None:
                        chunks.append(simple)
                        pos += 2
                        col += 2
                    else:
                        code_length = _CODE_LENGTHS.get(ch, 0)
                        if not code_length:
                            self.pos, self.line, self.col = pos, line, col
                            self.error(
                                "while parsing a quoted scalar",
                                start,
                                "found unknown escape character",
                            )
                        pos += 2
                        col += 2
                        if pos + code_length > limit:  # CACHE(code_length)
                            self.reader_failed()
                        digits = text[pos : pos + code_length]
                        if digits.strip(HEX) or "\0" in digits:
                            self.pos, self.line, self.col = pos, line, col
                            self.error(
                                "while parsing a quoted scalar",
                                start,
                                "did not find expected hexdecimal number",
                            )
                        value = int(digits, 16)
                        if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
                            self.pos, self.line, self.col = pos, line, col
                            self.error(
                                "while parsing a quoted scalar",
                                start,
                                "found invalid Unicode character escape code",
                            )
                        chunks.append(chr(value))
                        pos += code_length
                        col += code_length
                    if pos + 2 > limit:  # CACHE(2)
                        self.reader_failed()
                if pos >= limit:  # CACHE(1)
                    self.reader_failed()
                if text[pos] == quote:
                    break
                while True:
                    ch = text[pos]
                    if ch == " " or ch == "\t":
                        end = self.rx.blanks.match(text, pos).end()  # type: ignore[union-attr]
                        if not leading_blanks:
                            whitespaces += text[pos:end]
                        col += end - pos
                        pos = end
                    elif ch in BREAK and ch != "\0":
                        if pos + 2 > limit:  # CACHE(2)
                            self.reader_failed()
                        if ch == "\r" and text[pos + 1] == "\n":
                            pos += 2
                            brk = "\n"
                        else:
                            pos += 1
                            brk = "\n" if ch in "\r\n\x85" else ch
                        line += 1
                        col = 0
                        if not leading_blanks:
                            whitespaces = ""
                            leading_break = brk
                            leading_blanks = True
                        else:
                            trailing_breaks.append(brk)
                    else:
                        break
                    if pos >= limit:  # CACHE(1)
                        self.reader_failed()
                if leading_blanks:
                    if leading_break == "\n":
                        if not trailing_breaks:
                            chunks.append(" ")
                        else:
                            chunks.extend(trailing_breaks)
                            trailing_breaks.clear()
                    else:
                        chunks.append(leading_break)
                        chunks.extend(trailing_breaks)
                        trailing_breaks.clear()
                    leading_break = ""
                else:
                    chunks.append(whitespaces)
                    whitespaces = ""
            pos += 1
            col += 1
        finally:
            self.pos, self.line, self.col = pos, line, col
        return Token(
            SCALAR,
            start,
            (pos, line, col),
            "".join(chunks),
            SINGLE_QUOTED if single else DOUBLE_QUOTED,
        )

    # -- plain scalars ------------------------------------------------------------------

    def scan_plain_scalar(self) -> Token:
        text = self.text
        limit = self.limit
        flow = self.flow_level
        # Fast paths (the general loop below gives the same results): one run that ends
        # the scalar by itself, or ends at a line break after which the next line is
        # indented less than the scalar may continue (block context).
        pos = self.pos
        run_end = self.rx.plain_flow_end if flow else self.rx.plain_block_end
        end = run_end.search(text, pos).start()  # type: ignore[union-attr]
        if end + 3 <= limit and text[end - 1] not in " \t":
            ch = text[end]
            line = self.line
            col = self.col + end - pos
            if ch not in _BLANK_OR_BREAK:
                if not (flow and ch == ":" and text[end + 1] in _FLOW_INDICATORS):
                    self.pos = end
                    self.col = col
                    return Token(
                        SCALAR,
                        (pos, line, self.col - end + pos),
                        (end, line, col),
                        text[pos:end],
                        PLAIN,
                    )
            elif not flow and ch != " " and ch != "\t":
                m = self.rx.plain_next_line.match(text, end)
                if m is not None and m.end() + 1 <= limit:
                    new_col = m.end() - m.start(1)
                    if new_col <= self.indent:
                        start = (pos, line, self.col)
                        self.pos = m.end()
                        self.line = line + 1
                        self.col = new_col
                        self.simple_key_allowed = True
                        return Token(SCALAR, start, (end, line, col), text[pos:end], PLAIN)
        run_end = self.rx.plain_flow_end if flow else self.rx.plain_block_end
        word = self.rx.plain_flow_word if flow else self.rx.plain_block_word
        pos = self.pos
        line = self.line
        col = self.col
        start = end_mark = (pos, line, col)
        indent = self.indent + 1
        chunks: List[str] = []
        leading_break = ""
        trailing_breaks: List[str] = []
        whitespaces = ""
        leading_blanks = False
        try:
            while True:
                if pos + 4 > limit:  # CACHE(4)
                    self.reader_failed()
                ch = text[pos]
                if (
                    col == 0
                    and (ch == "-" or ch == ".")
                    and text[pos + 1] == ch
                    and text[pos + 2] == ch
                    and text[pos + 3] in BLANKZ
                ):
                    break
                if ch == "#":
                    break
                while True:
                    end = run_end.search(text, pos).start()  # type: ignore[union-attr]
                    if end != pos:
                        end = pos + len(text[pos:end].rstrip(" \t"))
                        if end + 3 > limit:
                            m = word.match(text, pos)
                            end = pos if m is None else m.end()
                    if end != pos:
                        pass
                    elif text[pos] == ":":
                        nxt = text[pos + 1]
                        if flow and nxt in _FLOW_INDICATORS:
                            self.pos, self.line, self.col = pos, line, col
                            self.error(
                                "while scanning a plain scalar", start, "found unexpected ':'"
                            )
                        if nxt in BLANKZ:
                            break
                        end = pos + 1
                    else:
                        break
                    if leading_blanks or whitespaces:
                        if leading_blanks:
                            if leading_break == "\n":
                                if not trailing_breaks:
                                    chunks.append(" ")
                                else:
                                    chunks.extend(trailing_breaks)
                                    trailing_breaks.clear()
                            else:
                                chunks.append(leading_break)
                                chunks.extend(trailing_breaks)
                                trailing_breaks.clear()
                            leading_break = ""
                            leading_blanks = False
                        else:
                            chunks.append(whitespaces)
                            whitespaces = ""
                    chunks.append(text[pos:end])
                    col += end - pos
                    pos = end
                    end_mark = (pos, line, col)
                    if pos + 2 > limit:  # CACHE(2)
                        self.reader_failed()
                ch = text[pos]
                if not (ch == " " or ch == "\t" or (ch in BREAK and ch != "\0")):
                    break
                if pos >= limit:  # CACHE(1)
                    self.reader_failed()
                while True:
                    ch = text[pos]
                    if ch == " " or ch == "\t":
                        end = self.rx.blanks.match(text, pos).end()  # type: ignore[union-attr]
                        if leading_blanks:
                            if col < indent:
                                tab = text.find("\t", pos, min(end, pos + indent - col))
                                if tab >= 0:
                                    col += tab - pos
                                    pos = tab
                                    if pos >= limit:  # CACHE(1)
                                        self.reader_failed()
                                    self.pos, self.line, self.col = pos, line, col
                                    self.error(
                                        "while scanning a plain scalar",
                                        start,
                                        "found a tab character that violates indentation",
                                    )
                        else:
                            whitespaces += text[pos:end]
                        col += end - pos
                        pos = end
                    elif ch in BREAK and ch != "\0":
                        if pos + 2 > limit:  # CACHE(2)
                            self.reader_failed()
                        if ch == "\r" and text[pos + 1] == "\n":
                            pos += 2
                            brk = "\n"
                        else:
                            pos += 1
                            brk = "\n" if ch in "\r\n\x85" else ch
                        line += 1
                        col = 0
                        if not leading_blanks:
                            whitespaces = ""
                            leading_break = brk
                            leading_blanks = True
                        else:
                            trailing_breaks.append(brk)
                    else:
                        break
                    if pos >= limit:  # CACHE(1)
                        self.reader_failed()
                if not flow and col < indent:
                    break
        finally:
            self.pos, self.line, self.col = pos, line, col
        if leading_blanks:
            self.simple_key_allowed = True
        return Token(SCALAR, start, end_mark, "".join(chunks), PLAIN)
