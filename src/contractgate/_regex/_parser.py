"""A port of regex-syntax 0.8's ``ast::parse`` (the parts the regex crate uses).

The parser mirrors the Rust one step by step (``bump``, ``bump_space``,
``peek_space``, the group and class stacks) so that every error is raised at
the same point with the same span; ``_errors.format_error`` then renders it.
Octal escapes are disabled, as in the regex crate, and the nest limit is 250.

One deliberate difference in representation: a run of two or more plain
literal characters is one ``LiteralRun`` node instead of one ``Literal`` (with
two ``Position``s) per character, and ``x``-mode whitespace and comments are
skipped with a stdlib ``re``, so a multi-megabyte pattern parses in
milliseconds and little memory.  The run is split when a repetition operator
follows, and a lone run still counts as a ``Concat`` for the nest limit, so
errors, spans and the translation are unchanged.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Pattern, Tuple, Union

from . import _ast as A
from . import _errors as E
from ._charset import Ranges
from ._errors import Position, RegexCompileError, Span
from ._unicode import is_capture_char, is_white_space, perl_space

NEST_LIMIT = 250

_META = frozenset("\\.+*?()|[]{}^$#&-~")
_ASCII_CLASSES = frozenset(
    [
        "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print",
        "punct", "space", "upper", "word", "xdigit",
    ]
)
_HEX = frozenset("0123456789abcdefABCDEF")

# Characters the top-level loop does not treat as plain literals: the ones
# ``parse`` dispatches on, plus the ones ``parse_primitive`` handles specially.
_NOT_PLAIN = "\\.^$()|[?*+{"


def _escape_ranges(ranges: Ranges) -> str:
    out = []
    for lo, hi in ranges:
        out.append(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}")
    return "".join(out)


_scanners: Dict[bool, Pattern[str]] = {}


def _scanner(ignore_whitespace: bool) -> Pattern[str]:
    """A stdlib ``re`` matching a run of plain literal characters.

    In ``x`` mode, White_Space (Rust's ``char::is_whitespace``) and ``#`` end
    a run too.  Used only to find where a run ends; the run means exactly what
    parsing its characters one by one with ``parse_primitive`` would mean.
    """
    got = _scanners.get(ignore_whitespace)
    if got is None:
        extra = "#" + _escape_ranges(perl_space()) if ignore_whitespace else ""
        got = re.compile(f"[^{re.escape(_NOT_PLAIN)}{extra}]+")
        _scanners[ignore_whitespace] = got
    return got


_space_re: List[Pattern[str]] = []


def _space_skipper() -> Pattern[str]:
    """``bump_space`` in ``x`` mode: White_Space and ``#`` comments up to and including ``\\n``."""
    if not _space_re:
        ws = _escape_ranges(perl_space())
        _space_re.append(re.compile(f"(?:[{ws}]+|#[^\\n]*\\n?)*"))
    return _space_re[0]


def is_meta_character(c: str) -> bool:
    return c in _META


def is_escapeable_character(c: str) -> bool:
    if c in _META:
        return True
    if ord(c) > 0x7F:
        return False
    if "0" <= c <= "9" or "A" <= c <= "Z" or "a" <= c <= "z":
        return False
    return c not in "<>"


class _GroupState:
    __slots__ = ("alternation", "concat", "group", "ignore_whitespace")

    def __init__(
        self,
        concat: Optional[A.Concat],
        group: Optional[A.Group],
        ignore_whitespace: bool,
        alternation: Optional[A.Alternation],
    ) -> None:
        self.concat = concat
        self.group = group
        self.ignore_whitespace = ignore_whitespace
        self.alternation = alternation


class _ClassState:
    __slots__ = ("kind", "lhs", "set", "union")

    def __init__(
        self,
        union: Optional[A.ClassSetUnion] = None,
        cset: Optional[A.ClassBracketed] = None,
        kind: str = "",
        lhs: Optional[A.ClassSet] = None,
    ) -> None:
        self.union = union
        self.set = cset
        self.kind = kind
        self.lhs = lhs


# A parsed primitive: the escape parser returns one of these.
Primitive = Union[A.Literal, A.Assertion, A.Dot, A.ClassPerl, A.ClassUnicode]


class Parser:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.n = len(pattern)
        self.offset = 0
        self.line = 1
        self.column = 1
        self.capture_index = 0
        self.capture_names: Dict[str, Span] = {}
        self.stack_group: List[_GroupState] = []
        self.stack_class: List[_ClassState] = []
        self.ignore_whitespace = False

    # -- low level ---------------------------------------------------------

    def error(self, span: Span, message: str, aux: Optional[Span] = None) -> RegexCompileError:
        return E.parse_error(self.pattern, message, span, aux)

    def pos(self) -> Position:
        return Position(self.offset, self.line, self.column)

    def set_pos(self, p: Position) -> None:
        self.offset, self.line, self.column = p.offset, p.line, p.column

    def span(self) -> Span:
        p = self.pos()
        return Span(p, p)

    def is_eof(self) -> bool:
        return self.offset >= self.n

    def char(self) -> str:
        return self.pattern[self.offset] if self.offset < self.n else ""

    def span_char(self) -> Span:
        c = self.char()
        if c == "\n":
            nxt = Position(self.offset + 1, self.line + 1, 1)
        else:
            nxt = Position(self.offset + 1, self.line, self.column + 1)
        return Span(self.pos(), nxt)

    def bump(self) -> bool:
        if self.is_eof():
            return False
        if self.pattern[self.offset] == "\n":
            self.line += 1
            self.column = 1
        else:
            self.column += 1
        self.offset += 1
        return self.offset < self.n

    def bump_if(self, prefix: str) -> bool:
        if self.pattern.startswith(prefix, self.offset):
            for _ in prefix:
                self.bump()
            return True
        return False

    def advance_to(self, end: int) -> None:
        """``bump`` until ``offset == end`` (``end <= n``), in O(end - offset) C time."""
        nl = self.pattern.count("\n", self.offset, end)
        if nl:
            self.line += nl
            self.column = end - self.pattern.rfind("\n", self.offset, end)
        else:
            self.column += end - self.offset
        self.offset = end

    def bump_space(self) -> None:
        if not self.ignore_whitespace or self.offset >= self.n:
            return
        m = _space_skipper().match(self.pattern, self.offset)
        assert m is not None
        if m.end() > self.offset:
            self.advance_to(m.end())

    def bump_and_bump_space(self) -> bool:
        if not self.bump():
            return False
        self.bump_space()
        return not self.is_eof()

    def peek(self) -> Optional[str]:
        if self.offset + 1 < self.n:
            return self.pattern[self.offset + 1]
        return None

    def peek_space(self) -> Optional[str]:
        if not self.ignore_whitespace:
            return self.peek()
        if self.is_eof():
            return None
        start = self.offset + 1
        in_comment = False
        i = start
        while i < self.n:
            c = self.pattern[i]
            if is_white_space(c):
                pass
            elif not in_comment and c == "#":
                in_comment = True
            elif in_comment and c == "\n":
                in_comment = False
            else:
                start = i
                break
            i += 1
        return self.pattern[start] if start < self.n else None

    # -- top level -----------------------------------------------------------

    def parse(self) -> A.Ast:
        concat = A.Concat(self.span(), [])
        while True:
            self.bump_space()
            if self.is_eof():
                break
            c = self.char()
            if c == "(":
                concat = self.push_group(concat)
            elif c == ")":
                concat = self.pop_group(concat)
            elif c == "|":
                concat = self.push_alternate(concat)
            elif c == "[":
                cls = self.parse_set_class()
                concat.asts.append(cls)
            elif c == "?":
                concat = self.parse_uncounted_repetition(concat, 0, 1)
            elif c == "*":
                concat = self.parse_uncounted_repetition(concat, 0, None)
            elif c == "+":
                concat = self.parse_uncounted_repetition(concat, 1, None)
            elif c == "{":
                concat = self.parse_counted_repetition(concat)
            else:
                m = _scanner(self.ignore_whitespace).match(self.pattern, self.offset)
                if m is not None and m.end() - self.offset > 1:
                    concat.asts.append(self.parse_literal_run(m.end()))
                else:
                    concat.asts.append(self.parse_primitive())
        ast = self.pop_group_end(concat)
        check_nest_limit(self, ast)
        return ast

    def parse_literal_run(self, end: int) -> A.LiteralRun:
        """Plain literal characters up to ``end``, as one compact node.

        Equivalent to ``parse_primitive`` once per character (each would give a
        verbatim ``Literal``); ``_pop_repeatable`` splits off the last one when
        a repetition operator follows.
        """
        start = self.pos()
        text = self.pattern[self.offset:end]
        self.advance_to(end)
        return A.LiteralRun(Span(start, self.pos()), text)

    def push_alternate(self, concat: A.Concat) -> A.Concat:
        concat.span = concat.span.with_end(self.pos())
        self.push_or_add_alternation(concat)
        self.bump()
        return A.Concat(self.span(), [])

    def push_or_add_alternation(self, concat: A.Concat) -> None:
        if self.stack_group and self.stack_group[-1].alternation is not None:
            self.stack_group[-1].alternation.asts.append(concat.into_ast())
            return
        alt = A.Alternation(Span(concat.span.start, self.pos()), [concat.into_ast()])
        self.stack_group.append(_GroupState(None, None, False, alt))

    def push_group(self, concat: A.Concat) -> A.Concat:
        parsed = self.parse_group()
        if isinstance(parsed, A.SetFlags):
            ignore = parsed.flags.flag_state(A.F_X)
            if ignore is not None:
                self.ignore_whitespace = ignore
            concat.asts.append(parsed)
            return concat
        old = self.ignore_whitespace
        new = old
        if parsed.flags is not None:
            st = parsed.flags.flag_state(A.F_X)
            if st is not None:
                new = st
        self.stack_group.append(_GroupState(concat, parsed, old, None))
        self.ignore_whitespace = new
        return A.Concat(self.span(), [])

    def pop_group(self, group_concat: A.Concat) -> A.Concat:
        alt: Optional[A.Alternation] = None
        if not self.stack_group:
            raise self.error(self.span_char(), E.GROUP_UNOPENED)
        top = self.stack_group.pop()
        if top.alternation is not None:
            alt = top.alternation
            if not self.stack_group or self.stack_group[-1].group is None:
                raise self.error(self.span_char(), E.GROUP_UNOPENED)
            top = self.stack_group.pop()
        assert top.group is not None and top.concat is not None
        prior_concat, group = top.concat, top.group
        self.ignore_whitespace = top.ignore_whitespace
        group_concat.span = group_concat.span.with_end(self.pos())
        self.bump()
        group.span = group.span.with_end(self.pos())
        if alt is not None:
            alt.span = alt.span.with_end(group_concat.span.end)
            alt.asts.append(group_concat.into_ast())
            group.ast = alt
        else:
            group.ast = group_concat.into_ast()
        prior_concat.asts.append(group)
        return prior_concat

    def pop_group_end(self, concat: A.Concat) -> A.Ast:
        concat.span = concat.span.with_end(self.pos())
        ast: A.Ast
        if not self.stack_group:
            ast = concat.into_ast()
        else:
            top = self.stack_group.pop()
            if top.alternation is not None:
                alt = top.alternation
                alt.span = alt.span.with_end(self.pos())
                alt.asts.append(concat.into_ast())
                ast = alt
            else:
                assert top.group is not None
                raise self.error(top.group.span, E.GROUP_UNCLOSED)
        if self.stack_group:
            top = self.stack_group.pop()
            assert top.group is not None
            raise self.error(top.group.span, E.GROUP_UNCLOSED)
        return ast

    # -- groups and flags ----------------------------------------------------

    def is_lookaround_prefix(self) -> bool:
        return (
            self.bump_if("?=")
            or self.bump_if("?!")
            or self.bump_if("?<=")
            or self.bump_if("?<!")
        )

    def parse_group(self) -> Union[A.SetFlags, A.Group]:
        open_span = self.span_char()
        self.bump()
        self.bump_space()
        if self.is_lookaround_prefix():
            raise self.error(Span(open_span.start, self.pos()), E.UNSUPPORTED_LOOK_AROUND)
        inner_span = self.span()
        if self.bump_if("?P<") or self.bump_if("?<"):
            index = self.next_capture_index(open_span)
            name = self.parse_capture_name()
            return A.Group(open_span, index, name, None, A.Empty(self.span()))
        if self.bump_if("?"):
            if self.is_eof():
                raise self.error(open_span, E.GROUP_UNCLOSED)
            flags = self.parse_flags()
            char_end = self.char()
            self.bump()
            if char_end == ")":
                if not flags.items:
                    raise self.error(inner_span, E.REPETITION_MISSING)
                return A.SetFlags(Span(open_span.start, self.pos()), flags)
            return A.Group(open_span, None, None, flags, A.Empty(self.span()))
        index = self.next_capture_index(open_span)
        return A.Group(open_span, index, None, None, A.Empty(self.span()))

    def next_capture_index(self, span: Span) -> int:
        if self.capture_index >= 0xFFFFFFFF:
            raise self.error(span, E.CAPTURE_LIMIT_EXCEEDED)
        self.capture_index += 1
        return self.capture_index

    def parse_capture_name(self) -> str:
        if self.is_eof():
            raise self.error(self.span(), E.GROUP_NAME_UNEXPECTED_EOF)
        start = self.pos()
        while True:
            if self.char() == ">":
                break
            if not is_capture_char(self.char(), self.offset == start.offset):
                raise self.error(self.span_char(), E.GROUP_NAME_INVALID)
            if not self.bump():
                break
        end = self.pos()
        if self.is_eof():
            raise self.error(self.span(), E.GROUP_NAME_UNEXPECTED_EOF)
        self.bump()
        name = self.pattern[start.offset:end.offset]
        if not name:
            raise self.error(Span(start, start), E.GROUP_NAME_EMPTY)
        span = Span(start, end)
        if name in self.capture_names:
            raise self.error(span, E.GROUP_NAME_DUPLICATE, self.capture_names[name])
        self.capture_names[name] = span
        return name

    def parse_flags(self) -> A.Flags:
        flags = A.Flags(self.span())
        last_was_negation: Optional[Span] = None
        while self.char() != ":" and self.char() != ")":
            if self.char() == "-":
                last_was_negation = self.span_char()
                item = A.FlagsItem(self.span_char(), A.F_NEGATION)
                i = flags.add_item(item)
                if i is not None:
                    raise self.error(
                        self.span_char(), E.FLAG_REPEATED_NEGATION, flags.items[i].span
                    )
            else:
                last_was_negation = None
                item = A.FlagsItem(self.span_char(), self.parse_flag())
                i = flags.add_item(item)
                if i is not None:
                    raise self.error(self.span_char(), E.FLAG_DUPLICATE, flags.items[i].span)
            if not self.bump():
                raise self.error(self.span(), E.FLAG_UNEXPECTED_EOF)
        if last_was_negation is not None:
            raise self.error(last_was_negation, E.FLAG_DANGLING_NEGATION)
        flags.span = flags.span.with_end(self.pos())
        return flags

    def parse_flag(self) -> str:
        c = self.char()
        if c in ("i", "m", "s", "U", "u", "R", "x"):
            return c
        raise self.error(self.span_char(), E.FLAG_UNRECOGNIZED)

    # -- repetition ----------------------------------------------------------

    def _pop_repeatable(self, concat: A.Concat) -> A.Ast:
        if not concat.asts:
            raise self.error(self.span(), E.REPETITION_MISSING)
        ast = concat.asts.pop()
        if isinstance(ast, A.LiteralRun):
            head, ast = self.split_literal_run(ast)
            concat.asts.append(head)
        if isinstance(ast, (A.Empty, A.SetFlags)):
            raise self.error(self.span(), E.REPETITION_MISSING)
        return ast

    def split_literal_run(self, run: A.LiteralRun) -> Tuple[A.Ast, A.Literal]:
        """The run without its last character, and that character as a ``Literal``."""
        text = run.text
        start, end = run.span.start, run.span.end
        last_i = end.offset - 1
        if text[-1] != "\n":
            last_start = Position(last_i, end.line, end.column - 1)
        else:
            prev_nl = self.pattern.rfind("\n", start.offset, last_i)
            col = last_i - prev_nl if prev_nl >= 0 else start.column + (last_i - start.offset)
            last_start = Position(last_i, end.line - 1, col)
        last = A.Literal(Span(last_start, end), A.LIT_VERBATIM, text[-1])
        head: A.Ast
        if len(text) == 2:
            head = A.Literal(Span(start, last_start), A.LIT_VERBATIM, text[0])
        else:
            head = A.LiteralRun(Span(start, last_start), text[:-1])
        return head, last

    def parse_uncounted_repetition(
        self, concat: A.Concat, rmin: int, rmax: Optional[int]
    ) -> A.Concat:
        op_start = self.pos()
        ast = self._pop_repeatable(concat)
        greedy = True
        if self.bump() and self.char() == "?":
            greedy = False
            self.bump()
        concat.asts.append(
            A.Repetition(
                ast.span.with_end(self.pos()), Span(op_start, self.pos()), rmin, rmax, greedy, ast
            )
        )
        return concat

    def parse_counted_repetition(self, concat: A.Concat) -> A.Concat:
        start = self.pos()
        ast = self._pop_repeatable(concat)
        if not self.bump_and_bump_space():
            raise self.error(Span(start, self.pos()), E.REPETITION_COUNT_UNCLOSED)
        count_start = self.parse_decimal(E.REPETITION_COUNT_DECIMAL_EMPTY)
        rmin, rmax = count_start, count_start
        rmax_o: Optional[int] = rmax
        if self.is_eof():
            raise self.error(Span(start, self.pos()), E.REPETITION_COUNT_UNCLOSED)
        if self.char() == ",":
            if not self.bump_and_bump_space():
                raise self.error(Span(start, self.pos()), E.REPETITION_COUNT_UNCLOSED)
            if self.char() != "}":
                rmax_o = self.parse_decimal(E.REPETITION_COUNT_DECIMAL_EMPTY)
            else:
                rmax_o = None
        if self.is_eof() or self.char() != "}":
            raise self.error(Span(start, self.pos()), E.REPETITION_COUNT_UNCLOSED)
        greedy = True
        if self.bump_and_bump_space() and self.char() == "?":
            greedy = False
            self.bump()
        op_span = Span(start, self.pos())
        if rmax_o is not None and rmin > rmax_o:
            raise self.error(op_span, E.REPETITION_COUNT_INVALID)
        concat.asts.append(
            A.Repetition(ast.span.with_end(self.pos()), op_span, rmin, rmax_o, greedy, ast)
        )
        return concat

    def parse_decimal(self, empty_message: str) -> int:
        while not self.is_eof() and is_white_space(self.char()):
            self.bump()
        start = self.pos()
        digits: List[str] = []
        while not self.is_eof() and "0" <= self.char() <= "9":
            digits.append(self.char())
            self.bump_and_bump_space()
        span = Span(start, self.pos())
        while not self.is_eof() and is_white_space(self.char()):
            self.bump_and_bump_space()
        if not digits:
            raise self.error(span, empty_message)
        n = int("".join(digits))
        if n > 0xFFFFFFFF:
            raise self.error(span, E.DECIMAL_INVALID)
        return n

    # -- primitives and escapes ----------------------------------------------

    def parse_primitive(self) -> A.Ast:
        c = self.char()
        if c == "\\":
            return self.parse_escape()
        span = self.span_char()
        self.bump()
        if c == ".":
            return A.Dot(span)
        if c == "^":
            return A.Assertion(span, A.A_START_LINE)
        if c == "$":
            return A.Assertion(span, A.A_END_LINE)
        return A.Literal(span, A.LIT_VERBATIM, c)

    def parse_escape(self) -> Primitive:
        start = self.pos()
        if not self.bump():
            raise self.error(Span(start, self.pos()), E.ESCAPE_UNEXPECTED_EOF)
        c = self.char()
        if "0" <= c <= "9":
            raise self.error(Span(start, self.span_char().end), E.UNSUPPORTED_BACKREFERENCE)
        if c in ("x", "u", "U"):
            lit = self.parse_hex()
            lit.span = lit.span.with_start(start)
            return lit
        if c in ("p", "P"):
            cls = self.parse_unicode_class()
            cls.span = cls.span.with_start(start)
            return cls
        if c in ("d", "s", "w", "D", "S", "W"):
            perl = self.parse_perl_class()
            perl.span = perl.span.with_start(start)
            return perl
        self.bump()
        span = Span(start, self.pos())
        if is_meta_character(c):
            return A.Literal(span, A.LIT_META, c)
        if is_escapeable_character(c):
            return A.Literal(span, A.LIT_SUPERFLUOUS, c)
        special = {"a": "\x07", "f": "\x0c", "t": "\t", "n": "\n", "r": "\r", "v": "\x0b"}
        if c in special:
            return A.Literal(span, A.LIT_SPECIAL, special[c])
        if c == "A":
            return A.Assertion(span, A.A_START_TEXT)
        if c == "z":
            return A.Assertion(span, A.A_END_TEXT)
        if c == "b":
            wb = A.Assertion(span, A.A_WORD)
            if not self.is_eof() and self.char() == "{":
                kind = self.maybe_parse_special_word_boundary(start)
                if kind is not None:
                    wb.kind = kind
                    wb.span = wb.span.with_end(self.pos())
            return wb
        if c == "B":
            return A.Assertion(span, A.A_NOT_WORD)
        if c == "<":
            return A.Assertion(span, A.A_WORD_START)
        if c == ">":
            return A.Assertion(span, A.A_WORD_END)
        raise self.error(span, E.ESCAPE_UNRECOGNIZED)

    def maybe_parse_special_word_boundary(self, wb_start: Position) -> Optional[str]:
        def is_valid_char(ch: str) -> bool:
            return ("A" <= ch <= "Z") or ("a" <= ch <= "z") or ch == "-"

        start = self.pos()
        if not self.bump_and_bump_space():
            raise self.error(
                Span(wb_start, self.pos()), E.SPECIAL_WORD_OR_REPETITION_UNEXPECTED_EOF
            )
        start_contents = self.pos()
        if not is_valid_char(self.char()):
            self.set_pos(start)
            return None
        scratch: List[str] = []
        while not self.is_eof() and is_valid_char(self.char()):
            scratch.append(self.char())
            self.bump_and_bump_space()
        if self.is_eof() or self.char() != "}":
            raise self.error(Span(start, self.pos()), E.SPECIAL_WORD_BOUNDARY_UNCLOSED)
        end = self.pos()
        self.bump()
        kind = {
            "start": A.A_WORD_START,
            "end": A.A_WORD_END,
            "start-half": A.A_WORD_START_HALF,
            "end-half": A.A_WORD_END_HALF,
        }.get("".join(scratch))
        if kind is None:
            raise self.error(Span(start_contents, end), E.SPECIAL_WORD_BOUNDARY_UNRECOGNIZED)
        return kind

    def parse_hex(self) -> A.Literal:
        c = self.char()
        digits = {"x": 2, "u": 4, "U": 8}[c]
        x_kind = c == "x"
        if not self.bump_and_bump_space():
            raise self.error(self.span(), E.ESCAPE_UNEXPECTED_EOF)
        if self.char() == "{":
            return self.parse_hex_brace()
        return self.parse_hex_digits(digits, x_kind)

    def parse_hex_digits(self, digits: int, x_kind: bool) -> A.Literal:
        start = self.pos()
        scratch: List[str] = []
        for i in range(digits):
            if i > 0 and not self.bump_and_bump_space():
                raise self.error(self.span(), E.ESCAPE_UNEXPECTED_EOF)
            if self.char() not in _HEX:
                raise self.error(self.span_char(), E.ESCAPE_HEX_INVALID_DIGIT)
            scratch.append(self.char())
        self.bump_and_bump_space()
        end = self.pos()
        value = int("".join(scratch), 16)
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            raise self.error(Span(start, end), E.ESCAPE_HEX_INVALID)
        kind = A.LIT_HEX_FIXED_X if x_kind else A.LIT_HEX_OTHER
        return A.Literal(Span(start, end), kind, chr(value))

    def parse_hex_brace(self) -> A.Literal:
        brace_pos = self.pos()
        start = self.span_char().end
        scratch: List[str] = []
        while self.bump_and_bump_space() and self.char() != "}":
            if self.char() not in _HEX:
                raise self.error(self.span_char(), E.ESCAPE_HEX_INVALID_DIGIT)
            scratch.append(self.char())
        if self.is_eof():
            raise self.error(Span(brace_pos, self.pos()), E.ESCAPE_UNEXPECTED_EOF)
        end = self.pos()
        self.bump_and_bump_space()
        if not scratch:
            raise self.error(Span(brace_pos, self.pos()), E.ESCAPE_HEX_EMPTY)
        text = "".join(scratch)
        value = int(text, 16) if len(text) <= 8 else 0x110000
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            raise self.error(Span(start, end), E.ESCAPE_HEX_INVALID)
        return A.Literal(Span(start, self.pos()), A.LIT_HEX_OTHER, chr(value))

    def parse_unicode_class(self) -> A.ClassUnicode:
        negated = self.char() == "P"
        if not self.bump_and_bump_space():
            raise self.error(self.span(), E.ESCAPE_UNEXPECTED_EOF)
        if self.char() == "{":
            start = self.span_char().end
            scratch: List[str] = []
            while self.bump_and_bump_space() and self.char() != "}":
                scratch.append(self.char())
            if self.is_eof():
                raise self.error(self.span(), E.ESCAPE_UNEXPECTED_EOF)
            self.bump()
            name = "".join(scratch)
            for op in ("!=", ":", "="):
                i = name.find(op)
                if i >= 0:
                    return A.ClassUnicode(
                        Span(start, self.pos()), negated, name[:i], False, op,
                        name[i + len(op):],
                    )
            return A.ClassUnicode(Span(start, self.pos()), negated, name)
        start = self.pos()
        c = self.char()
        if c == "\\":
            raise self.error(self.span_char(), E.UNICODE_CLASS_INVALID)
        self.bump_and_bump_space()
        return A.ClassUnicode(Span(start, self.pos()), negated, c, True)

    def parse_perl_class(self) -> A.ClassPerl:
        c = self.char()
        span = self.span_char()
        self.bump()
        return A.ClassPerl(span, c.lower(), c.isupper())

    # -- bracketed classes ---------------------------------------------------

    def parse_set_class(self) -> A.ClassBracketed:
        union = A.ClassSetUnion(self.span())
        while True:
            self.bump_space()
            if self.is_eof():
                raise self.unclosed_class_error()
            c = self.char()
            if c == "[":
                if self.stack_class:
                    ascii_cls = self.maybe_parse_ascii_class()
                    if ascii_cls is not None:
                        union.push(ascii_cls)
                        continue
                union = self.push_class_open(union)
            elif c == "]":
                res = self.pop_class(union)
                if isinstance(res, A.ClassBracketed):
                    return res
                union = res
            elif c == "&" and self.peek() == "&":
                self.bump_if("&&")
                union = self.push_class_op("&&", union)
            elif c == "-" and self.peek() == "-":
                self.bump_if("--")
                union = self.push_class_op("--", union)
            elif c == "~" and self.peek() == "~":
                self.bump_if("~~")
                union = self.push_class_op("~~", union)
            else:
                union.push(self.parse_set_class_range())

    def parse_set_class_range(self) -> A.ClassSetItem:
        prim1 = self.parse_set_class_item()
        self.bump_space()
        if self.is_eof():
            raise self.unclosed_class_error()
        if self.char() != "-" or self.peek_space() in ("]", "-"):
            return self.into_class_set_item(prim1)
        if not self.bump_and_bump_space():
            raise self.unclosed_class_error()
        prim2 = self.parse_set_class_item()
        span = Span(prim1.span.start, prim2.span.end)
        start = self.into_class_literal(prim1)
        end = self.into_class_literal(prim2)
        if start.c > end.c:
            raise self.error(span, E.CLASS_RANGE_INVALID)
        return A.ClassSetRange(span, start, end)

    def parse_set_class_item(self) -> Primitive:
        if self.char() == "\\":
            return self.parse_escape()
        lit = A.Literal(self.span_char(), A.LIT_VERBATIM, self.char())
        self.bump()
        return lit

    def into_class_set_item(self, prim: Primitive) -> A.ClassSetItem:
        if isinstance(prim, (A.Literal, A.ClassPerl, A.ClassUnicode)):
            return prim
        raise self.error(prim.span, E.CLASS_ESCAPE_INVALID)

    def into_class_literal(self, prim: Primitive) -> A.Literal:
        if isinstance(prim, A.Literal):
            return prim
        raise self.error(prim.span, E.CLASS_RANGE_LITERAL)

    def parse_set_class_open(self) -> Tuple[A.ClassBracketed, A.ClassSetUnion]:
        start = self.pos()
        if not self.bump_and_bump_space():
            raise self.error(Span(start, self.pos()), E.CLASS_UNCLOSED)
        negated = False
        if self.char() == "^":
            negated = True
            if not self.bump_and_bump_space():
                raise self.error(Span(start, self.pos()), E.CLASS_UNCLOSED)
        union = A.ClassSetUnion(self.span())
        while self.char() == "-":
            union.push(A.Literal(self.span_char(), A.LIT_VERBATIM, "-"))
            if not self.bump_and_bump_space():
                raise self.error(Span(start, start), E.CLASS_UNCLOSED)
        if not union.items and self.char() == "]":
            union.push(A.Literal(self.span_char(), A.LIT_VERBATIM, "]"))
            if not self.bump_and_bump_space():
                raise self.error(Span(start, self.pos()), E.CLASS_UNCLOSED)
        empty_union = A.ClassSetUnion(Span(union.span.start, union.span.start))
        cset = A.ClassBracketed(Span(start, self.pos()), negated, empty_union)
        return cset, union

    def push_class_open(self, parent_union: A.ClassSetUnion) -> A.ClassSetUnion:
        nested_set, nested_union = self.parse_set_class_open()
        self.stack_class.append(_ClassState(union=parent_union, cset=nested_set))
        return nested_union

    def pop_class(
        self, nested_union: A.ClassSetUnion
    ) -> Union[A.ClassSetUnion, A.ClassBracketed]:
        item = nested_union.into_item()
        prevset = self.pop_class_op(item)
        state = self.stack_class.pop()
        assert state.set is not None and state.union is not None
        self.bump()
        cset = state.set
        cset.span = cset.span.with_end(self.pos())
        cset.kind = prevset
        if not self.stack_class:
            return cset
        state.union.push(cset)
        return state.union

    def unclosed_class_error(self) -> RegexCompileError:
        for state in reversed(self.stack_class):
            if state.set is not None:
                return self.error(state.set.span, E.CLASS_UNCLOSED)
        raise AssertionError("no open character class found")

    def push_class_op(self, kind: str, next_union: A.ClassSetUnion) -> A.ClassSetUnion:
        item = next_union.into_item()
        new_lhs = self.pop_class_op(item)
        self.stack_class.append(_ClassState(kind=kind, lhs=new_lhs))
        return A.ClassSetUnion(self.span())

    def pop_class_op(self, rhs: A.ClassSet) -> A.ClassSet:
        state = self.stack_class[-1]
        if state.set is not None:
            return rhs
        self.stack_class.pop()
        assert state.lhs is not None
        span = Span(state.lhs.span.start, rhs.span.end)
        return A.ClassSetBinaryOp(span, state.kind, state.lhs, rhs)

    def maybe_parse_ascii_class(self) -> Optional[A.ClassAscii]:
        start = self.pos()
        negated = False
        if not self.bump() or self.char() != ":":
            self.set_pos(start)
            return None
        if not self.bump():
            self.set_pos(start)
            return None
        if self.char() == "^":
            negated = True
            if not self.bump():
                self.set_pos(start)
                return None
        name_start = self.offset
        while self.char() != ":" and self.bump():
            pass
        if self.is_eof():
            self.set_pos(start)
            return None
        name = self.pattern[name_start:self.offset]
        if not self.bump_if(":]"):
            self.set_pos(start)
            return None
        if name not in _ASCII_CLASSES:
            self.set_pos(start)
            return None
        return A.ClassAscii(Span(start, self.pos()), name, negated)


def check_nest_limit(p: Parser, ast: A.Ast) -> None:
    """regex-syntax's NestLimiter, as an explicit-stack pre-order walk."""
    # Stack entries: (node, depth of the parent).  A node that nests bumps the
    # depth for its children; an error is raised at the first node (pre-order)
    # whose depth exceeds the limit.
    stack: List[Tuple[object, int]] = [(ast, 0)]
    while stack:
        node, depth = stack.pop()
        children: List[object] = []
        nests = False
        if isinstance(node, (A.Repetition, A.Group)):
            nests, children = True, [node.ast]
        elif isinstance(node, (A.Alternation, A.Concat)):
            nests, children = True, list(node.asts)
        elif isinstance(node, A.ClassBracketed):
            nests, children = True, [node.kind]
        elif isinstance(node, A.ClassSetUnion):
            nests, children = True, list(node.items)
        elif isinstance(node, A.ClassSetBinaryOp):
            nests, children = True, [node.lhs, node.rhs]
        if not nests:
            continue
        depth += 1
        if depth > NEST_LIMIT:
            span = node.span  # type: ignore[attr-defined]
            raise p.error(span, E.NEST_LIMIT_EXCEEDED.format(NEST_LIMIT))
        for child in reversed(children):
            stack.append((child, depth))


def parse(pattern: str) -> A.Ast:
    return Parser(pattern).parse()
