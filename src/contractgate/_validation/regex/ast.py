"""The abstract syntax tree of regex-syntax 0.8 (only what translation needs)."""

from __future__ import annotations

from typing import List, Optional, Union

from .errors import Span

# Literal kinds (only HexFixed-X matters: it is the one that can denote a byte).
LIT_VERBATIM = "verbatim"
LIT_META = "meta"
LIT_SUPERFLUOUS = "superfluous"
LIT_SPECIAL = "special"
LIT_HEX_FIXED_X = "hex_fixed_x"
LIT_HEX_OTHER = "hex_other"

# Assertion kinds.
A_START_LINE = "start_line"
A_END_LINE = "end_line"
A_START_TEXT = "start_text"
A_END_TEXT = "end_text"
A_WORD = "word"
A_NOT_WORD = "not_word"
A_WORD_START = "word_start"
A_WORD_END = "word_end"
A_WORD_START_HALF = "word_start_half"
A_WORD_END_HALF = "word_end_half"

# Flags.
F_I = "i"
F_M = "m"
F_S = "s"
F_U = "U"
F_UNICODE = "u"
F_R = "R"
F_X = "x"
F_NEGATION = "-"


class Offsets:
    """A node that keeps its span as two offsets: primitives and repetitions are the
    bulk of a megabyte pattern, and a ``Span`` object each would double their count.
    ``span`` makes one when asked (errors); to move an end, set ``start``/``end``."""

    __slots__ = ("end", "start")
    start: int
    end: int

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


class Literal(Offsets):
    __slots__ = ("c", "kind")

    def __init__(self, start: int, end: int, kind: str, c: str) -> None:
        self.start = start
        self.end = end
        self.kind = kind
        self.c = c

    def byte(self) -> Optional[int]:
        if self.kind == LIT_HEX_FIXED_X and ord(self.c) <= 0xFF:
            return ord(self.c)
        return None


class LiteralRun:
    """Two or more consecutive verbatim literals (not in regex-syntax).

    The parser's compact form of what regex-syntax represents as one
    ``Literal`` per character (inside a ``Concat``): it means exactly that
    sequence of verbatim literals, the one at ``span.start + i`` being
    ``text[i]``.  A repetition operator splits off the last character.
    """

    __slots__ = ("span", "text")

    def __init__(self, span: Span, text: str) -> None:
        self.span = span
        self.text = text


class Empty:
    __slots__ = ("span",)

    def __init__(self, span: Span) -> None:
        self.span = span


class Dot(Offsets):
    __slots__ = ()

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end


class Assertion(Offsets):
    __slots__ = ("kind",)

    def __init__(self, start: int, end: int, kind: str) -> None:
        self.start = start
        self.end = end
        self.kind = kind


class FlagsItem:
    __slots__ = ("kind", "span")

    def __init__(self, span: Span, kind: str) -> None:
        self.span = span
        self.kind = kind


class _FlagText(Offsets):
    """A node that keeps flags as their text (``"i-s"``): a megabyte of ``(?i)…(?-i)``
    keeps one node per group instead of an item and a span per flag."""

    __slots__ = ("kinds",)

    def __init__(self, start: int, end: int, kinds: str) -> None:
        self.start = start
        self.end = end
        self.kinds = kinds


class Flags(_FlagText):
    """``(?flags)``'s flags: the items are the text's characters, one per offset from
    ``start`` (no whitespace is allowed between them)."""

    __slots__ = ()

    @property
    def items(self) -> List[FlagsItem]:
        """regex-syntax's items (made when asked)."""
        s = self.start
        return [FlagsItem(Span(i, i + 1), k) for i, k in enumerate(self.kinds, s)]

    def flag_state(self, flag: str) -> Optional[bool]:
        i = self.kinds.find(flag)
        if i < 0:
            return None
        return not 0 <= self.kinds.find(F_NEGATION) < i


class SetFlags(_FlagText):
    """``(?flags)`` in the middle of a concatenation. Its ``Flags`` node (the text
    just before the closing ``)``) is made when asked: only the flags' text is kept."""

    __slots__ = ()

    @property
    def flags(self) -> Flags:
        return Flags(self.end - 1 - len(self.kinds), self.end - 1, self.kinds)


class ClassUnicode:
    """``\\pN``, ``\\p{Name}``, ``\\p{name=value}`` (op is '=', ':' or '!=')."""

    __slots__ = ("name", "negated", "one_letter", "op", "span", "value")

    def __init__(
        self,
        span: Span,
        negated: bool,
        name: str,
        one_letter: bool = False,
        op: Optional[str] = None,
        value: str = "",
    ) -> None:
        self.span = span
        self.negated = negated
        self.name = name
        self.one_letter = one_letter
        self.op = op
        self.value = value

    def is_negated(self) -> bool:
        if self.op == "!=":
            return not self.negated
        return self.negated


class ClassPerl(Offsets):
    __slots__ = ("kind", "negated")

    def __init__(self, start: int, end: int, kind: str, negated: bool) -> None:
        self.start = start
        self.end = end
        self.kind = kind  # 'd', 's' or 'w'
        self.negated = negated


class ClassAscii:
    __slots__ = ("kind", "negated", "span")

    def __init__(self, span: Span, kind: str, negated: bool) -> None:
        self.span = span
        self.kind = kind
        self.negated = negated


class ClassSetRange:
    __slots__ = ("end", "span", "start")

    def __init__(self, span: Span, start: Literal, end: Literal) -> None:
        self.span = span
        self.start = start
        self.end = end


class ClassSetUnion:
    __slots__ = ("items", "span")

    def __init__(self, span: Span) -> None:
        self.span = span
        self.items: List[ClassSetItem] = []

    def push(self, item: ClassSetItem) -> None:
        if not self.items:
            self.span = Span(item.span.start, self.span.end)
        self.span = Span(self.span.start, item.span.end)
        self.items.append(item)

    def into_item(self) -> ClassSetItem:
        if not self.items:
            return Empty(self.span)
        if len(self.items) == 1:
            return self.items[0]
        return self


class ClassSetBinaryOp:
    __slots__ = ("kind", "lhs", "rhs", "span")

    def __init__(self, span: Span, kind: str, lhs: ClassSet, rhs: ClassSet) -> None:
        self.span = span
        self.kind = kind  # '&&', '--' or '~~'
        self.lhs = lhs
        self.rhs = rhs


class ClassBracketed(Offsets):
    __slots__ = ("kind", "negated")

    def __init__(self, start: int, end: int, negated: bool, kind: ClassSet) -> None:
        self.start = start
        self.end = end
        self.negated = negated
        self.kind = kind


ClassSetItem = Union[
    Empty, Literal, ClassSetRange, ClassAscii, ClassUnicode, ClassPerl, ClassBracketed,
    ClassSetUnion,
]
ClassSet = Union[ClassSetItem, ClassSetBinaryOp]


class Repetition(Offsets):
    """(regex-syntax's ``op.span`` is not kept: nothing reads it.)"""

    __slots__ = ("ast", "greedy", "max", "min")

    def __init__(
        self, start: int, end: int, rmin: int, rmax: Optional[int], greedy: bool, ast: Ast
    ) -> None:
        self.start = start
        self.end = end
        self.min = rmin
        self.max = rmax
        self.greedy = greedy
        self.ast = ast


class Group(Offsets):
    """A group: capture (index, optional name) or non-capturing with flags."""

    __slots__ = ("ast", "capture_index", "flags", "name")

    def __init__(
        self,
        start: int,
        end: int,
        capture_index: Optional[int],
        name: Optional[str],
        flags: Optional[Flags],
        ast: Ast,
    ) -> None:
        self.start = start
        self.end = end
        self.capture_index = capture_index
        self.name = name
        self.flags = flags
        self.ast = ast


class Alternation:
    __slots__ = ("asts", "span")

    def __init__(self, span: Span, asts: List[Ast]) -> None:
        self.span = span
        self.asts = asts


class Concat:
    __slots__ = ("asts", "span")

    def __init__(self, span: Span, asts: List[Ast]) -> None:
        self.span = span
        self.asts = asts

    def into_ast(self) -> Ast:
        if not self.asts:
            return Empty(self.span)
        # A lone LiteralRun stands for two or more items: still a Concat (it
        # counts for the nest limit).
        if len(self.asts) == 1 and not isinstance(self.asts[0], LiteralRun):
            return self.asts[0]
        return self


Ast = Union[
    Empty, SetFlags, Literal, LiteralRun, Dot, Assertion, ClassUnicode,
    ClassPerl, ClassBracketed, Repetition, Group, Alternation, Concat,
]
