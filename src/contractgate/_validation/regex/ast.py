"""The abstract syntax tree of regex-syntax 0.8 (only what translation needs)."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Union

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


class Literal:
    __slots__ = ("c", "kind", "span")

    def __init__(self, span: Span, kind: str, c: str) -> None:
        self.span = span
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
    sequence of verbatim literals, whose spans follow from ``span.start`` and
    the text.  Repetition operators split off the last character.
    """

    __slots__ = ("span", "text")

    def __init__(self, span: Span, text: str) -> None:
        self.span = span
        self.text = text


class _Run:
    """What ``TokenRun`` and ``BranchRun`` share: the text's pieces, the distinct
    tokens' counts, the first capture index, the nesting depth and the mode."""

    __slots__ = ("counts", "depth", "first_capture", "pieces", "span", "xmode")

    def __init__(
        self,
        span: Span,
        pieces: List[Tuple[int, int, int]],
        counts: Dict[str, int],
        first_capture: int,
        depth: int,
        xmode: bool,
    ) -> None:
        self.span = span
        self.pieces = pieces
        self.counts = counts
        self.first_capture = first_capture
        self.depth = depth
        self.xmode = xmode


class TokenRun(_Run):
    """Many consecutive *simple tokens* of a concatenation (not in regex-syntax).

    A simple token is one item the parser appends to a ``Concat`` whose
    meaning does not depend on where it stands: a literal, an escape, ``.``,
    ``^``, ``$``, a bracketed class without set operations, or a short group
    (no name, no ``x`` flag, at most two deep) -- each with at most one
    repetition operator (``_parser._grammar`` is the grammar).  The run means
    exactly the sequence of nodes the parser would have produced for its
    tokens one by one; it never ends right before a repetition operator.

    ``pieces`` tiles the run's text as ``(start offset, length, repeat)``
    triples (``pattern[start:start + length]`` repeated ``repeat`` times, in
    order), ``counts`` maps each distinct token to its number of occurrences
    (a run of plain characters counts as one token per character), and
    ``first_capture`` is the capture index of the run's first capturing
    group.  ``depth`` is the deepest nesting level reached inside one token
    (0 for a plain literal), for the nest limit; ``xmode`` says whether the run
    was read in ``x`` mode (whitespace and comments between the tokens).  Spans
    of the tokens are only materialised (by parsing the one token again) when
    an error needs one.
    """

    __slots__ = ()


class BranchRun(_Run):
    """Many consecutive alternation branches made of simple tokens (not in regex-syntax).

    An entry of ``Alternation.asts`` that stands for ``count`` branches, each
    a (possibly empty) sequence of simple tokens (see ``TokenRun``) followed
    by ``|``.  ``pieces`` tiles the text including those bars, ``counts``
    maps each distinct token to its number of occurrences in all the
    branches together, ``first_capture`` is as for ``TokenRun``, and
    ``depth`` bounds the nesting below the alternation (the deepest token
    plus one for a branch's ``Concat``), ``xmode`` as for ``TokenRun``.
    """

    __slots__ = ("count",)

    def __init__(
        self,
        span: Span,
        pieces: List[Tuple[int, int, int]],
        counts: Dict[str, int],
        count: int,
        first_capture: int,
        depth: int,
        xmode: bool,
    ) -> None:
        super().__init__(span, pieces, counts, first_capture, depth, xmode)
        self.count = count


class Empty:
    __slots__ = ("span",)

    def __init__(self, span: Span) -> None:
        self.span = span


class Dot:
    __slots__ = ("span",)

    def __init__(self, span: Span) -> None:
        self.span = span


class Assertion:
    __slots__ = ("kind", "span")

    def __init__(self, span: Span, kind: str) -> None:
        self.span = span
        self.kind = kind


class FlagsItem:
    __slots__ = ("kind", "span")

    def __init__(self, span: Span, kind: str) -> None:
        self.span = span
        self.kind = kind


class Flags:
    __slots__ = ("items", "span")

    def __init__(self, span: Span) -> None:
        self.span = span
        self.items: List[FlagsItem] = []

    def add_item(self, item: FlagsItem) -> Optional[int]:
        for i, x in enumerate(self.items):
            if x.kind == item.kind:
                return i
        self.items.append(item)
        return None

    def flag_state(self, flag: str) -> Optional[bool]:
        negated = False
        for x in self.items:
            if x.kind == F_NEGATION:
                negated = True
            elif x.kind == flag:
                return not negated
        return None


class SetFlags:
    """``(?flags)`` in the middle of a concatenation."""

    __slots__ = ("flags", "span")

    def __init__(self, span: Span, flags: Flags) -> None:
        self.span = span
        self.flags = flags


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


class ClassPerl:
    __slots__ = ("kind", "negated", "span")

    def __init__(self, span: Span, kind: str, negated: bool) -> None:
        self.span = span
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
        # A lone ClassItemRun stands for two or more items: still a union.
        if len(self.items) == 1 and not isinstance(self.items[0], ClassItemRun):
            return self.items[0]
        return self


class ClassItemRun:
    """Many consecutive simple items of a class union (not in regex-syntax).

    A simple item is a literal or a range of literals (escapes included), a
    Perl or Unicode class, an ASCII class ``[:name:]`` with a known name, or
    a nested class of such items: its parse and meaning do not depend on
    where it stands (``_parser._class_item_grammar``).  The node means
    exactly those items pushed one by one onto the union.  ``start``/``end`` are the offsets of
    its text (in ``x`` mode with the whitespace after each item), ``counts``
    maps each distinct item text to its number of occurrences, and ``span``
    runs from the first item's start to the last item's end, as the union's
    span would.  ``depth`` is the deepest nesting level inside one item (0, or
    1-2 for a nested class), for the nest limit.
    """

    __slots__ = ("counts", "depth", "end", "span", "start", "xmode")

    def __init__(
        self, span: Span, start: int, end: int, counts: Dict[str, int], depth: int, xmode: bool
    ) -> None:
        self.span = span
        self.start = start
        self.end = end
        self.counts = counts
        self.depth = depth
        self.xmode = xmode


class ClassSetBinaryOp:
    __slots__ = ("kind", "lhs", "rhs", "span")

    def __init__(self, span: Span, kind: str, lhs: ClassSet, rhs: ClassSet) -> None:
        self.span = span
        self.kind = kind  # '&&', '--' or '~~'
        self.lhs = lhs
        self.rhs = rhs


class ClassBracketed:
    __slots__ = ("kind", "negated", "span")

    def __init__(self, span: Span, negated: bool, kind: ClassSet) -> None:
        self.span = span
        self.negated = negated
        self.kind = kind


ClassSetItem = Union[
    Empty, Literal, ClassSetRange, ClassAscii, ClassUnicode, ClassPerl, ClassBracketed,
    ClassSetUnion, ClassItemRun,
]
ClassSet = Union[ClassSetItem, ClassSetBinaryOp]


class Repetition:
    __slots__ = ("ast", "greedy", "max", "min", "op_span", "span")

    def __init__(
        self,
        span: Span,
        op_span: Span,
        rmin: int,
        rmax: Optional[int],
        greedy: bool,
        ast: Ast,
    ) -> None:
        self.span = span
        self.op_span = op_span
        self.min = rmin
        self.max = rmax
        self.greedy = greedy
        self.ast = ast


class Group:
    """A group: capture (index, optional name) or non-capturing with flags."""

    __slots__ = ("ast", "capture_index", "flags", "name", "span")

    def __init__(
        self,
        span: Span,
        capture_index: Optional[int],
        name: Optional[str],
        flags: Optional[Flags],
        ast: Ast,
    ) -> None:
        self.span = span
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
        # A lone LiteralRun or TokenRun stands for two or more items: still a
        # Concat (it counts for the nest limit).
        if len(self.asts) == 1 and not isinstance(self.asts[0], (LiteralRun, TokenRun)):
            return self.asts[0]
        return self


Ast = Union[
    Empty, SetFlags, Literal, LiteralRun, TokenRun, BranchRun, Dot, Assertion, ClassUnicode,
    ClassPerl, ClassBracketed, Repetition, Group, Alternation, Concat,
]
