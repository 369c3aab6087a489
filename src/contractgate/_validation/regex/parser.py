"""A port of regex-syntax 0.8's ``ast::parse`` (the parts the regex crate uses).

The parser mirrors the Rust one step by step (``bump``, ``bump_space``,
``peek_space``, the group and class stacks, ``NestLimiter``) so that every
error is raised at the same point with the same span; ``errors.format_error``
renders it.  Octal escapes are disabled, as in the regex crate, and the nest
limit is 250.

Two differences of representation keep a megabyte pattern cheap (about a
microsecond and a hundred bytes per item) while errors, spans and the
translation stay exactly the Rust parser's:

* positions are character offsets only: regex-syntax's line and column are a
  function of the offset (``errors.Position.at``), derived when an error is
  rendered;
* a run of two or more plain literal characters is one ``LiteralRun`` node
  (found with a stdlib ``re``) instead of one ``Literal`` per character, and
  ``x``-mode whitespace and comments are skipped in bulk.  A repetition
  operator splits the run's last character off, and a lone run still counts
  as a ``Concat`` for the nest limit.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List, Optional, Pattern, Tuple, Union

from . import ast as A
from . import errors as E
from .charset import Ranges
from .errors import RegexCompileError, Span
from .gc_pause import gc_paused
from .unicode import is_capture_char, is_white_space, perl_space

NEST_LIMIT = 250

_META = frozenset("\\.+*?()|[]{}^$#&-~")
_ASCII_CLASSES = frozenset(
    [
        "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print",
        "punct", "space", "upper", "word", "xdigit",
    ]
)
_HEX = frozenset("0123456789abcdefABCDEF")
_ASCII_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\[\]]*")  # ASCII capture name characters
_DIGITS = re.compile("[0-9]+")
# ``{n}``, ``{n,}``, ``{n,m}`` (and lazy) without spaces, counts far below u32's limit.
_COUNTED = re.compile(r"\{([0-9]{1,9})(?:(,)([0-9]{1,9})?)?\}(\?)?")
# ``[...]`` of plain characters and ranges (``[c]``, ``[^a-z0-9_]``), outside x mode.
_PLAIN_IN_CLASS = r"[^\\\[\]\-&~^\s]"
_SIMPLE_CLASS = re.compile(rf"\[(\^?)((?:{_PLAIN_IN_CLASS}(?:-{_PLAIN_IN_CLASS})?)+)\]")
# ``(?flags)`` or ``(?flags:`` (``(?:`` too) with at most one negation, not dangling.
_FLAG_GROUP = re.compile(r"\(\?([imsuURx]*(?:-[imsuURx]+)?)([:)])")
#: ``open_group``'s verdict on a flag text (no ``x``, no flag twice) by the text: a long
#: pattern repeats a few (``(?i)a(?-i)b``); the tests turn the memo off to compare.
_FAST_FLAGS = True
_FLAG_TEXTS: Dict[str, bool] = {}
_FLAG_TEXTS_MAX = 4096
_SPECIAL = {"a": "\x07", "f": "\x0c", "t": "\t", "n": "\n", "r": "\r", "v": "\x0b"}
_WORD_BOUNDARIES = {
    "start": A.A_WORD_START,
    "end": A.A_WORD_END,
    "start-half": A.A_WORD_START_HALF,
    "end-half": A.A_WORD_END_HALF,
}

#: The parse loop's inline steps (``Parser.parse_items``); the tests turn them off to
#: compare with the methods they stand for.
_FAST_STEPS = True
_FAST_NEST = True  # ``[a-z]`` without the regex; ``R([k])`` seen as shallow
#: ``(c)`` and ``[c]`` of a plain character made by the parse loop itself (the node
#: ``open_group``/``simple_class`` make, without their call); the tests turn it off.
_FAST_ITEMS = True
#: ``parse`` skips the nest limit's walk when the parser's own bound on the depth is
#: within the limit (the tests turn it off: always walked, to compare).
_FAST_DEPTH = True
#: ``parse_set_class`` makes a class's commonest items (characters, ranges of two
#: characters, ``\\d``, a nested ``[c]``) itself, outside x mode (the tests turn it off).
_FAST_CLASS_ITEMS = True
# What ``_pop_repeatable`` does not give back as it is.
_NOT_PLAIN_REPEATABLE = (A.LiteralRun, A.Empty, A.SetFlags)

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


_space_set: List[frozenset[str]] = []


def _space_starts() -> frozenset[str]:
    """The characters ``_space_skipper`` can start a match with: White_Space and ``#``."""
    if not _space_set:
        chars = {chr(c) for lo, hi in perl_space() for c in range(lo, hi + 1)}
        _space_set.append(frozenset(chars | {"#"}))
    return _space_set[0]


# ``[...&&...]`` (or ``--``, ``~~``) of plain characters and ranges, outside x mode.
_SIMPLE_OP_CLASS = re.compile(
    rf"\[(\^?)((?:{_PLAIN_IN_CLASS}(?:-{_PLAIN_IN_CLASS})?)+)(&&|--|~~)"
    rf"((?:{_PLAIN_IN_CLASS}(?:-{_PLAIN_IN_CLASS})?)+)\]"
)


def _plain_union(pattern: str, i: int, end: int) -> Optional[A.ClassSet]:
    """What the steps make of ``pattern[i:end]``, plain characters and ranges (as
    ``_SIMPLE_CLASS`` finds them), as a side of a class: its one item, or their union.
    None for an invalid range (the steps report it)."""
    literal, verbatim, range_t = A.Literal, A.LIT_VERBATIM, A.ClassSetRange
    start, body = i, pattern[i:end]
    items: List[A.ClassSetItem]
    if "-" not in body:  # characters only: what the loop below makes, in one pass
        items = [literal(k, k + 1, verbatim, c) for k, c in enumerate(body, i)]
    elif (
        _FAST_CLASS_ITEMS and body[1::3] == "-" * (len(body) // 3)
        and len(body) % 3 == 0 and all(map(str.__le__, body[0::3], body[2::3]))
    ):  # ranges only, all valid: what the loop below makes, in one pass
        items = [
            range_t(
                Span(k, k + 3), literal(k, k + 1, verbatim, c),
                literal(k + 2, k + 3, verbatim, d),
            )
            for k, c, d in zip(range(i, end, 3), body[0::3], body[2::3])
        ]
    else:
        items = []
        while i < end:
            c = pattern[i]
            if i + 1 < end and pattern[i + 1] == "-":
                d = pattern[i + 2]
                if c > d:
                    return None
                lo = literal(i, i + 1, verbatim, c)
                hi = literal(i + 2, i + 3, verbatim, d)
                items.append(range_t(Span(i, i + 3), lo, hi))
                i += 3
            else:
                items.append(literal(i, i + 1, verbatim, c))
                i += 1
    if len(items) == 1:
        return items[0]
    union = A.ClassSetUnion(Span(start, end))
    union.items = items
    return union


_x_class_re: List[Pattern[str]] = []


def _simple_x_class() -> Pattern[str]:
    """``[ c ]`` or ``[ ^ c ]`` in x mode: one plain character, White_Space around."""
    if not _x_class_re:
        ws = _escape_ranges(perl_space())
        plain = rf"[^\\\[\]\-&~^#{ws}]"
        _x_class_re.append(re.compile(rf"\[[{ws}]*(\^[{ws}]*)?({plain})[{ws}]*\]"))
    return _x_class_re[0]


def _plain_count(pattern: str, offset: int) -> Tuple[int, int, Optional[int], bool]:
    """``(end, min, max, greedy)`` of the counted repetition at ``offset`` when it is
    written without spaces and is valid; else an ``end`` of -1, for the steps to decide
    (and report)."""
    m = _COUNTED.match(pattern, offset)
    if m is None:
        return _NO_COUNT
    lo, comma, hi, lazy = m.groups()
    rmin = int(lo)
    rmax = rmin if comma is None else None if hi is None else int(hi)
    if rmax is not None and rmin > rmax:
        return _NO_COUNT
    return m.end(), rmin, rmax, lazy is None


_NO_COUNT: Tuple[int, int, Optional[int], bool] = (-1, 0, None, True)


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
    """An entry of the group stack: an open group, or an alternation in progress."""

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
    """An entry of the class stack: an open bracket, or the left side of a set operator."""

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


# The body of a group until its ``)`` (regex-syntax puts an empty AST there;
# ``pop_group`` always replaces it, so one object serves every group).
_PENDING = A.Empty(Span(0, 0))

# A parsed primitive: the escape parser returns one of these.
Primitive = Union[A.Literal, A.Assertion, A.Dot, A.ClassPerl, A.ClassUnicode]


class Parser:
    """``ParserI``: the state of one parse (positions are character offsets)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.n = len(pattern)
        self.offset = 0
        self.capture_index = 0
        self.capture_names: Dict[str, Span] = {}
        self.stack_group: List[_GroupState] = []
        self.stack_class: List[_ClassState] = []
        self.ignore_whitespace = False
        # For the nest limit's bound: the deepest group stack, and whether a node nests
        # deeper than the stack tells (a repetition of a repetition, or a bracketed
        # class the steps parsed: set operations and nested classes)
        self.deepest = 0
        self.unbounded = False

    # -- low level ---------------------------------------------------------

    def error(self, span: Span, message: str, aux: Optional[Span] = None) -> RegexCompileError:
        return E.parse_error(self.pattern, message, span, aux)

    def span(self) -> Span:
        return Span(self.offset, self.offset)

    def is_eof(self) -> bool:
        return self.offset >= self.n

    def char(self) -> str:
        return self.pattern[self.offset] if self.offset < self.n else ""

    def span_char(self) -> Span:
        return Span(self.offset, self.offset + 1)

    def bump(self) -> bool:
        if self.offset >= self.n:
            return False
        self.offset += 1
        return self.offset < self.n

    def bump_if(self, prefix: str) -> bool:
        if self.pattern.startswith(prefix, self.offset):
            self.offset += len(prefix)
            return True
        return False

    def bump_space(self) -> None:
        if not self.ignore_whitespace or self.offset >= self.n:
            return
        if _FAST_CLASS_ITEMS and self.pattern[self.offset] not in _space_starts():
            return  # (the skipper would match nothing)
        m = _space_skipper().match(self.pattern, self.offset, self.n)
        assert m is not None
        self.offset = m.end()

    def bump_and_bump_space(self) -> bool:
        if not self.bump():
            return False
        self.bump_space()
        return self.offset < self.n

    def peek(self) -> Optional[str]:
        if self.offset + 1 < self.n:
            return self.pattern[self.offset + 1]
        return None

    def peek_space(self) -> Optional[str]:
        if not self.ignore_whitespace:
            return self.peek()
        if self.is_eof():
            return None
        # Rust's loop, quirks included: ``\n`` is whitespace, so it never ends a
        # comment, and the first other character ends the scan even inside one;
        # if nothing but whitespace and comments follows, the next character is
        # the answer.
        pattern, n = self.pattern, self.n
        start = self.offset + 1
        in_comment = False
        for i in range(start, n):
            c = pattern[i]
            if is_white_space(c):
                continue
            if not in_comment and c == "#":
                in_comment = True
            else:
                start = i
                break
        return pattern[start] if start < n else None

    # -- top level -----------------------------------------------------------

    def parse(self) -> A.Ast:
        ast = self.parse_items()
        # Below the top, each entry of the group stack adds at most a repetition, a
        # group, an alternation and a concatenation to a path; the top adds an
        # alternation, a concatenation, and a repeated class of two levels.
        if not _FAST_DEPTH or self.unbounded or 5 + 4 * self.deepest > NEST_LIMIT:
            check_nest_limit(self, ast)
        return ast

    def push_state(self, state: _GroupState) -> None:
        """Onto the group stack, minding its deepest."""
        stack = self.stack_group
        stack.append(state)
        if len(stack) > self.deepest:
            self.deepest = len(stack)

    def parse_items(self) -> A.Ast:
        """``parse_with_comments`` up to the nest limit check."""
        pattern, n = self.pattern, self.n
        plain = (_scanner(False), _scanner(True))
        # The loop's ``match self.char()``, as a table of bound methods.
        table: Dict[str, Callable[[A.Concat], A.Concat]] = {
            "(": self.push_group,
            ")": self.pop_group,
            "|": self.push_alternate,
            "[": self.push_set_class,
            "?": self.parse_question,
            "*": self.parse_star,
            "+": self.parse_plus,
            "{": self.parse_counted_repetition,
            "\\": self.push_primitive,
            ".": self.push_primitive,
            "^": self.push_primitive,
            "$": self.push_primitive,
        }
        flag_group, flag_texts = _FLAG_GROUP.match, _FLAG_TEXTS
        items, verbatim = _FAST_ITEMS, A.LIT_VERBATIM
        # (the hot loop's names as locals: a global and an attribute each, saved per item)
        literal, group_t, bracketed, set_flags = A.Literal, A.Group, A.ClassBracketed, A.SetFlags
        not_plain, fast_steps = _NOT_PLAIN, _FAST_STEPS
        concat = A.Concat(self.span(), [])
        while True:
            if self.ignore_whitespace:
                self.bump_space()
            offset = self.offset
            if offset >= n:
                break
            c = pattern[offset]
            step = table.get(c)
            if step is not None:
                if fast_steps:
                    # The commonest steps without the method calls (what they do, inline).
                    asts = concat.asts
                    if c == "(" and not self.ignore_whitespace:  # (the commonest first)
                        if _FAST_FLAGS and pattern.startswith("?", offset + 1):
                            # ``(?flags)`` of a flag text seen before (``open_group``'s)
                            m = flag_group(pattern, offset)
                            if m is not None:
                                text, delim = m.groups()
                                if delim == ")" and text and flag_texts.get(text):
                                    self.offset = end = offset + 3 + len(text)
                                    asts.append(set_flags(offset, end, text))
                                    continue
                        elif (
                            items and pattern.startswith(")", offset + 2)
                            and pattern[offset + 1] not in not_plain
                            and self.capture_index < 0xFFFFFFFF
                        ):  # ``(c)``: open_group's node
                            self.capture_index = index = self.capture_index + 1
                            self.offset = offset + 3
                            lit = literal(offset + 1, offset + 2, verbatim, pattern[offset + 1])
                            asts.append(group_t(offset, offset + 3, index, None, None, lit))
                            continue
                        opened = self.open_group(concat, offset)
                        if opened is not None:
                            concat = opened
                            continue
                    elif c == ".":
                        self.offset = offset + 1
                        asts.append(A.Dot(offset, offset + 1))
                        continue
                    elif c in "?*+{":  # parse_(un)counted_repetition of a plain item
                        if asts and type(asts[-1]) not in _NOT_PLAIN_REPEATABLE:
                            if c != "{":
                                end = offset + 1
                                greedy = not pattern.startswith("?", end)
                                if not greedy:
                                    end += 1
                                rmin = 1 if c == "+" else 0
                                rmax = 1 if c == "?" else None
                            elif self.ignore_whitespace:
                                end = -1
                            else:
                                end, rmin, rmax, greedy = _plain_count(pattern, offset)
                            if end >= 0:  # (else the step decides)
                                ast = asts[-1]
                                if type(ast) is A.Repetition:
                                    self.unbounded = True
                                self.offset = end
                                asts[-1] = A.Repetition(
                                    ast.start if isinstance(ast, A.Offsets) else ast.span.start,
                                    end, rmin, rmax, greedy, ast,
                                )
                                continue
                    elif c == "\\" and offset + 1 < n:  # parse_escape: \d, \. ...
                        e = pattern[offset + 1]
                        if e in "dswDSW":
                            self.offset = offset + 2
                            asts.append(A.ClassPerl(offset, offset + 2, e.lower(), e.isupper()))
                            continue
                        if e in _META:
                            self.offset = offset + 2
                            asts.append(A.Literal(offset, offset + 2, A.LIT_META, e))
                            continue
                    elif c == "[":
                        if (
                            items and pattern.startswith("]", offset + 2)
                            and pattern[offset + 1] not in "\\[]-&~^"
                            and not self.ignore_whitespace
                        ):  # ``[c]``: simple_class's node
                            self.offset = offset + 3
                            lit = literal(offset + 1, offset + 2, verbatim, pattern[offset + 1])
                            asts.append(bracketed(offset, offset + 3, False, lit))
                            continue
                        short = self.simple_class()
                        if short is not None:
                            asts.append(short)
                            continue
                        if _FAST_CLASS_ITEMS:  # (push_set_class, without a second try)
                            asts.append(self.parse_set_class(False))
                            continue
                    elif c == ")":  # pop_group closing a group without alternation
                        stack = self.stack_group
                        if stack and stack[-1].alternation is None:
                            top = stack.pop()
                            group = top.group
                            assert group is not None and top.concat is not None
                            self.ignore_whitespace = top.ignore_whitespace
                            concat.span.end = offset
                            self.offset = offset + 1
                            group.end = offset + 1
                            group.ast = concat.into_ast()
                            concat = top.concat
                            concat.asts.append(group)
                            continue
                    elif c == "|":  # push_alternate after a branch of one item
                        stack = self.stack_group
                        if (
                            len(asts) == 1 and type(asts[0]) is not A.LiteralRun
                            and stack and (alt := stack[-1].alternation) is not None
                        ):
                            # ``into_ast`` is the item: the ``Concat`` and its span,
                            # in no tree, serve as the next branch's
                            alt.asts.append(asts.pop())
                            span = concat.span
                            span.start = span.end = self.offset = offset + 1
                            continue
                concat = step(concat)
            elif offset + 1 < n and pattern[offset + 1] in not_plain:
                # One plain character (what parse_primitive makes of it).
                self.offset = offset + 1
                concat.asts.append(literal(offset, offset + 1, verbatim, c))
            else:
                m = plain[self.ignore_whitespace].match(pattern, offset, n)
                assert m is not None  # (c is plain: not syntax, not x-mode whitespace)
                self.offset = end = m.end()
                if end - offset > 1:
                    concat.asts.append(A.LiteralRun(Span(offset, end), m.group()))
                else:
                    concat.asts.append(A.Literal(offset, end, A.LIT_VERBATIM, c))
        return self.pop_group_end(concat)

    def push_set_class(self, concat: A.Concat) -> A.Concat:
        concat.asts.append(self.parse_set_class())
        return concat

    def push_primitive(self, concat: A.Concat) -> A.Concat:
        concat.asts.append(self.parse_primitive())
        return concat

    def parse_question(self, concat: A.Concat) -> A.Concat:
        return self.parse_uncounted_repetition(concat, 0, 1)

    def parse_star(self, concat: A.Concat) -> A.Concat:
        return self.parse_uncounted_repetition(concat, 0, None)

    def parse_plus(self, concat: A.Concat) -> A.Concat:
        return self.parse_uncounted_repetition(concat, 1, None)

    def push_alternate(self, concat: A.Concat) -> A.Concat:
        """``push_alternate`` with ``push_or_add_alternation``."""
        offset = self.offset
        concat.span.end = offset
        ast = concat.into_ast()
        stack = self.stack_group
        alt = stack[-1].alternation if stack else None
        if alt is not None:
            alt.asts.append(ast)
        else:
            alt = A.Alternation(Span(concat.span.start, offset), [ast])
            self.push_state(_GroupState(None, None, False, alt))
        self.offset = offset + 1
        return A.Concat(Span(offset + 1, offset + 1), [])

    def push_group(self, concat: A.Concat) -> A.Concat:
        o = self.offset
        if not self.ignore_whitespace and not self.pattern.startswith("?", o + 1):
            # A plain capturing group: what the steps below make of it, in one go.
            span = Span(o, o + 1)
            group = A.Group(o, o + 1, self.next_capture_index(span), None, None, _PENDING)
            self.push_state(_GroupState(concat, group, False, None))
            self.offset = o + 1
            return A.Concat(Span(o + 1, o + 1), [])
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
        self.push_state(_GroupState(concat, parsed, old, None))
        self.ignore_whitespace = new
        return A.Concat(self.span(), [])

    def open_group(self, concat: A.Concat, o: int) -> Optional[A.Concat]:
        """``push_group`` in one go, outside x mode, for ``(``, ``(c)`` of a plain
        character, ``(?:`` and valid ``(?flags)``/``(?flags:`` without ``x``: the nodes
        the steps build.  None, and no move, for anything else (the steps decide)."""
        pattern = self.pattern
        c = pattern[o + 1:o + 2]
        if c != "?":
            if self.capture_index >= 0xFFFFFFFF:
                return None
            self.capture_index += 1
            if c and c not in _NOT_PLAIN and pattern.startswith(")", o + 2):
                self.offset = o + 3
                lit = A.Literal(o + 1, o + 2, A.LIT_VERBATIM, c)
                concat.asts.append(A.Group(o, o + 3, self.capture_index, None, None, lit))
                return concat
            group = A.Group(o, o + 1, self.capture_index, None, None, _PENDING)
            self.push_state(_GroupState(concat, group, False, None))
            self.offset = o + 1
            return A.Concat(Span(o + 1, o + 1), [])
        m = _FLAG_GROUP.match(pattern, o)
        if m is None:
            return None
        text, delim = m.groups()
        ok = _FLAG_TEXTS.get(text) if _FAST_FLAGS else None
        if ok is None:
            ok = "x" not in text and len(set(text)) == len(text)
            if _FAST_FLAGS and len(_FLAG_TEXTS) < _FLAG_TEXTS_MAX:
                _FLAG_TEXTS[text] = ok
        if not ok or (not text and delim == ")"):
            return None  # x mode, a repeated flag, ``(?)``: the steps decide
        self.offset = end = o + 3 + len(text)
        if delim == ")":
            concat.asts.append(A.SetFlags(o, end, text))
            return concat
        group = A.Group(o, o + 1, None, None, A.Flags(o + 2, end - 1, text), _PENDING)
        self.push_state(_GroupState(concat, group, False, None))
        return A.Concat(Span(end, end), [])

    def pop_group(self, group_concat: A.Concat) -> A.Concat:
        alt: Optional[A.Alternation] = None
        if not self.stack_group:
            raise self.error(self.span_char(), E.GROUP_UNOPENED)
        top = self.stack_group.pop()
        if top.alternation is not None:
            alt = top.alternation
            if not self.stack_group or self.stack_group[-1].alternation is not None:
                raise self.error(self.span_char(), E.GROUP_UNOPENED)
            top = self.stack_group.pop()
        assert top.group is not None and top.concat is not None
        prior_concat, group = top.concat, top.group
        self.ignore_whitespace = top.ignore_whitespace
        group_concat.span.end = self.offset
        self.bump()
        group.end = self.offset
        if alt is not None:
            alt.span.end = group_concat.span.end
            alt.asts.append(group_concat.into_ast())
            group.ast = alt
        else:
            group.ast = group_concat.into_ast()
        prior_concat.asts.append(group)
        return prior_concat

    def pop_group_end(self, concat: A.Concat) -> A.Ast:
        concat.span.end = self.offset
        ast: A.Ast
        if not self.stack_group:
            ast = concat.into_ast()
        else:
            top = self.stack_group.pop()
            if top.alternation is not None:
                alt = top.alternation
                alt.span.end = self.offset
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

    def parse_group(self) -> Union[A.SetFlags, A.Group]:
        open_span = self.span_char()
        self.bump()
        self.bump_space()
        if not self.pattern.startswith("?", self.offset):  # (every prefix below starts with '?')
            index = self.next_capture_index(open_span)
            return A.Group(open_span.start, open_span.end, index, None, None, _PENDING)
        if (
            self.bump_if("?=") or self.bump_if("?!") or self.bump_if("?<=")
            or self.bump_if("?<!")
        ):
            raise self.error(Span(open_span.start, self.offset), E.UNSUPPORTED_LOOK_AROUND)
        inner_span = self.span()
        if self.bump_if("?P<") or self.bump_if("?<"):
            index = self.next_capture_index(open_span)
            name = self.parse_capture_name()
            return A.Group(open_span.start, open_span.end, index, name, None, _PENDING)
        self.bump_if("?")
        if self.is_eof():
            raise self.error(open_span, E.GROUP_UNCLOSED)
        flags = self.parse_flags()
        char_end = self.char()
        self.bump()
        if char_end == ")":
            if not flags.kinds:
                raise self.error(inner_span, E.REPETITION_MISSING)
            return A.SetFlags(open_span.start, self.offset, flags.kinds)
        return A.Group(open_span.start, open_span.end, None, None, flags, _PENDING)

    def next_capture_index(self, span: Span) -> int:
        if self.capture_index >= 0xFFFFFFFF:
            raise self.error(span, E.CAPTURE_LIMIT_EXCEEDED)
        self.capture_index += 1
        return self.capture_index

    def parse_capture_name(self) -> str:
        if self.is_eof():
            raise self.error(self.span(), E.GROUP_NAME_UNEXPECTED_EOF)
        start = self.offset
        m = _ASCII_NAME.match(self.pattern, self.offset)
        if m is not None:  # the usual ASCII name in one step (checked below from there on)
            self.offset = m.end()
        while not self.is_eof():
            if self.char() == ">":
                break
            if not is_capture_char(self.char(), self.offset == start):
                raise self.error(self.span_char(), E.GROUP_NAME_INVALID)
            self.bump()
        end = self.offset
        if self.is_eof():
            raise self.error(self.span(), E.GROUP_NAME_UNEXPECTED_EOF)
        self.bump()
        name = self.pattern[start:end]
        if not name:
            raise self.error(Span(start, start), E.GROUP_NAME_EMPTY)
        span = Span(start, end)
        if name in self.capture_names:
            raise self.error(span, E.GROUP_NAME_DUPLICATE, self.capture_names[name])
        self.capture_names[name] = span
        return name

    def parse_flags(self) -> A.Flags:
        start = self.offset
        kinds = ""  # the items so far: item ``i`` is at ``start + i``
        last_was_negation: Optional[Span] = None
        while self.char() != ":" and self.char() != ")":
            if self.char() == "-":
                last_was_negation = self.span_char()
                i = kinds.find(A.F_NEGATION)
                if i >= 0:
                    raise self.error(
                        self.span_char(), E.FLAG_REPEATED_NEGATION, Span(start + i, start + i + 1)
                    )
                kinds += A.F_NEGATION
            else:
                last_was_negation = None
                kind = self.parse_flag()
                i = kinds.find(kind)
                if i >= 0:
                    raise self.error(
                        self.span_char(), E.FLAG_DUPLICATE, Span(start + i, start + i + 1)
                    )
                kinds += kind
            if not self.bump():
                raise self.error(self.span(), E.FLAG_UNEXPECTED_EOF)
        if last_was_negation is not None:
            raise self.error(last_was_negation, E.FLAG_DANGLING_NEGATION)
        return A.Flags(start, self.offset, kinds)

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
        if type(ast) is A.Literal:
            return ast
        if isinstance(ast, A.LiteralRun):
            # The operator applies to the run's last character only.
            text, start, last = ast.text, ast.span.start, ast.span.end - 1
            head: A.Ast
            if len(text) == 2:
                head = A.Literal(start, last, A.LIT_VERBATIM, text[0])
            else:
                head = A.LiteralRun(Span(start, last), text[:-1])
            concat.asts.append(head)
            return A.Literal(last, last + 1, A.LIT_VERBATIM, text[-1])
        if isinstance(ast, (A.Empty, A.SetFlags)):
            raise self.error(self.span(), E.REPETITION_MISSING)
        return ast

    def parse_uncounted_repetition(
        self, concat: A.Concat, rmin: int, rmax: Optional[int]
    ) -> A.Concat:
        op_start = self.offset
        ast = self._pop_repeatable(concat)
        if type(ast) is A.Repetition:
            self.unbounded = True
        end = op_start + 1
        greedy = not self.pattern.startswith("?", end)
        if not greedy:
            end += 1
        self.offset = end
        concat.asts.append(
            A.Repetition(ast.span.start, end, rmin, rmax, greedy, ast)
        )
        return concat

    def parse_counted_repetition(self, concat: A.Concat) -> A.Concat:
        start = self.offset
        ast = self._pop_repeatable(concat)
        if type(ast) is A.Repetition:
            self.unbounded = True
        if not self.bump_and_bump_space():
            raise self.error(Span(start, self.offset), E.REPETITION_COUNT_UNCLOSED)
        # A decimal error is only raised once the end of the pattern is ruled out.
        count_start = self.parse_decimal()
        if self.is_eof():
            raise self.error(Span(start, self.offset), E.REPETITION_COUNT_UNCLOSED)
        rmax: Optional[int]
        if self.char() == ",":
            if not self.bump_and_bump_space():
                raise self.error(Span(start, self.offset), E.REPETITION_COUNT_UNCLOSED)
            rmin = _count(count_start)
            rmax = _count(self.parse_decimal()) if self.char() != "}" else None
        else:
            rmin = rmax = _count(count_start)
        if self.is_eof() or self.char() != "}":
            raise self.error(Span(start, self.offset), E.REPETITION_COUNT_UNCLOSED)
        greedy = True
        if self.bump_and_bump_space() and self.char() == "?":
            greedy = False
            self.bump()
        op_span = Span(start, self.offset)
        if rmax is not None and rmin > rmax:
            raise self.error(op_span, E.REPETITION_COUNT_INVALID)
        concat.asts.append(
            A.Repetition(ast.span.start, self.offset, rmin, rmax, greedy, ast)
        )
        return concat

    def parse_decimal(self) -> Union[int, RegexCompileError]:
        """A repetition count, or the error it is (raised by the caller when due).

        Whitespace is skipped around the digits even outside ``x`` mode, as
        regex-syntax does; ``u32::from_str`` accepts leading zeros (and no
        ``int()`` of thousands of digits is made: CPython refuses those).
        """
        while not self.is_eof() and is_white_space(self.char()):
            self.bump()
        start = self.offset
        digits: List[str] = []
        if not self.ignore_whitespace:  # the digits in one step
            m = _DIGITS.match(self.pattern, self.offset, self.n)
            if m is not None:
                digits.append(m.group())
                self.offset = m.end()
        while not self.is_eof() and "0" <= self.char() <= "9":
            digits.append(self.char())
            self.bump_and_bump_space()
        span = Span(start, self.offset)
        while not self.is_eof() and is_white_space(self.char()):
            self.bump_and_bump_space()
        if not digits:
            return self.error(span, E.REPETITION_COUNT_DECIMAL_EMPTY)
        text = "".join(digits).lstrip("0") or "0"
        if len(text) > 10 or int(text) > 0xFFFFFFFF:
            return self.error(span, E.DECIMAL_INVALID)
        return int(text)

    # -- primitives and escapes ----------------------------------------------

    def parse_primitive(self) -> A.Ast:
        c = self.pattern[self.offset]
        if c == "\\":
            return self.parse_escape()
        start = self.offset
        end = self.offset = start + 1
        if c == ".":
            return A.Dot(start, end)
        if c == "^":
            return A.Assertion(start, end, A.A_START_LINE)
        if c == "$":
            return A.Assertion(start, end, A.A_END_LINE)
        return A.Literal(start, end, A.LIT_VERBATIM, c)

    def parse_escape(self) -> Primitive:
        start = self.offset
        if not self.bump():
            raise self.error(Span(start, self.offset), E.ESCAPE_UNEXPECTED_EOF)
        c = self.pattern[self.offset]
        if c in "dswDSW":
            self.offset += 1
            return A.ClassPerl(start, self.offset, c.lower(), c.isupper())
        if "0" <= c <= "9":
            raise self.error(Span(start, self.offset + 1), E.UNSUPPORTED_BACKREFERENCE)
        if c in "xuU":
            lit = self.parse_hex()
            lit.start = start
            return lit
        if c in "pP":
            cls = self.parse_unicode_class()
            cls.span.start = start
            return cls
        self.bump()
        end = self.offset
        if is_meta_character(c):
            return A.Literal(start, end, A.LIT_META, c)
        if is_escapeable_character(c):
            return A.Literal(start, end, A.LIT_SUPERFLUOUS, c)
        special = _SPECIAL.get(c)
        if special is not None:
            return A.Literal(start, end, A.LIT_SPECIAL, special)
        if c == "A":
            return A.Assertion(start, end, A.A_START_TEXT)
        if c == "z":
            return A.Assertion(start, end, A.A_END_TEXT)
        if c == "b":
            wb = A.Assertion(start, end, A.A_WORD)
            if not self.is_eof() and self.char() == "{":
                kind = self.maybe_parse_special_word_boundary(start)
                if kind is not None:
                    wb.kind = kind
                    wb.end = self.offset
            return wb
        if c == "B":
            return A.Assertion(start, end, A.A_NOT_WORD)
        if c == "<":
            return A.Assertion(start, end, A.A_WORD_START)
        if c == ">":
            return A.Assertion(start, end, A.A_WORD_END)
        raise self.error(Span(start, end), E.ESCAPE_UNRECOGNIZED)

    def maybe_parse_special_word_boundary(self, wb_start: int) -> Optional[str]:
        def is_valid_char(ch: str) -> bool:
            return ("A" <= ch <= "Z") or ("a" <= ch <= "z") or ch == "-"

        start = self.offset
        if not self.bump_and_bump_space():
            raise self.error(
                Span(wb_start, self.offset), E.SPECIAL_WORD_OR_REPETITION_UNEXPECTED_EOF
            )
        start_contents = self.offset
        if not is_valid_char(self.char()):
            self.offset = start  # not a special word boundary: a counted repetition
            return None
        scratch: List[str] = []
        while not self.is_eof() and is_valid_char(self.char()):
            scratch.append(self.char())
            self.bump_and_bump_space()
        if self.is_eof() or self.char() != "}":
            raise self.error(Span(start, self.offset), E.SPECIAL_WORD_BOUNDARY_UNCLOSED)
        end = self.offset
        self.bump()
        kind = _WORD_BOUNDARIES.get("".join(scratch))
        if kind is None:
            raise self.error(Span(start_contents, end), E.SPECIAL_WORD_BOUNDARY_UNRECOGNIZED)
        return kind

    def parse_hex(self) -> A.Literal:
        c = self.char()
        if not self.bump_and_bump_space():
            raise self.error(self.span(), E.ESCAPE_UNEXPECTED_EOF)
        if self.char() == "{":
            return self.parse_hex_brace()
        return self.parse_hex_digits({"x": 2, "u": 4, "U": 8}[c], c == "x")

    def parse_hex_digits(self, digits: int, x_kind: bool) -> A.Literal:
        start = self.offset
        scratch: List[str] = []
        for i in range(digits):
            if i > 0 and not self.bump_and_bump_space():
                raise self.error(self.span(), E.ESCAPE_UNEXPECTED_EOF)
            if self.char() not in _HEX:
                raise self.error(self.span_char(), E.ESCAPE_HEX_INVALID_DIGIT)
            scratch.append(self.char())
        self.bump_and_bump_space()
        span = Span(start, self.offset)
        value = _scalar("".join(scratch))
        if value is None:
            raise self.error(span, E.ESCAPE_HEX_INVALID)
        return A.Literal(
            start, self.offset, A.LIT_HEX_FIXED_X if x_kind else A.LIT_HEX_OTHER, chr(value)
        )

    def parse_hex_brace(self) -> A.Literal:
        brace_pos = self.offset
        start = self.offset + 1
        scratch: List[str] = []
        while self.bump_and_bump_space() and self.char() != "}":
            if self.char() not in _HEX:
                raise self.error(self.span_char(), E.ESCAPE_HEX_INVALID_DIGIT)
            scratch.append(self.char())
        if self.is_eof():
            raise self.error(Span(brace_pos, self.offset), E.ESCAPE_UNEXPECTED_EOF)
        end = self.offset
        self.bump_and_bump_space()
        if not scratch:
            raise self.error(Span(brace_pos, self.offset), E.ESCAPE_HEX_EMPTY)
        value = _scalar("".join(scratch))
        if value is None:
            raise self.error(Span(start, end), E.ESCAPE_HEX_INVALID)
        return A.Literal(start, self.offset, A.LIT_HEX_OTHER, chr(value))

    def parse_unicode_class(self) -> A.ClassUnicode:
        negated = self.char() == "P"
        if not self.bump_and_bump_space():
            raise self.error(self.span(), E.ESCAPE_UNEXPECTED_EOF)
        if self.char() == "{":
            start = self.offset + 1
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
                        Span(start, self.offset), negated, name[:i], False, op,
                        name[i + len(op):],
                    )
            return A.ClassUnicode(Span(start, self.offset), negated, name)
        start = self.offset
        c = self.char()
        if c == "\\":
            raise self.error(self.span_char(), E.UNICODE_CLASS_INVALID)
        self.bump_and_bump_space()
        return A.ClassUnicode(Span(start, self.offset), negated, c, True)

    # -- bracketed classes ---------------------------------------------------

    def parse_set_class(self, simple: bool = True) -> A.ClassBracketed:
        """The class at the offset (``simple``: trying ``simple_class`` first; the parse
        loop, which tried it already, says False)."""
        if simple:
            short = self.simple_class()
            if short is not None:
                return short
        self.unbounded = True
        union = A.ClassSetUnion(self.span())
        pattern, n = self.pattern, self.n
        fast = _FAST_CLASS_ITEMS
        literal, verbatim, span_t = A.Literal, A.LIT_VERBATIM, Span
        while True:
            if fast and not self.ignore_whitespace:
                # The commonest items without their steps (outside x mode, where
                # ``bump_space`` does nothing): what the steps make of them, pushed
                # onto the union as ``push`` does.
                o = self.offset
                if o + 2 < n:
                    c = pattern[o]
                    d = pattern[o + 1]
                    item: Optional[A.ClassSetItem] = None
                    if c not in "[]\\&-~":
                        if d != "-":  # a character (a range needs ``-`` next)
                            item = literal(o, o + 1, verbatim, c)
                            end = o + 1
                        else:
                            e = pattern[o + 2]
                            if e not in "]-\\" and c <= e:  # c-e of two characters
                                end = o + 3
                                item = A.ClassSetRange(
                                    span_t(o, end), literal(o, o + 1, verbatim, c),
                                    literal(o + 2, end, verbatim, e),
                                )
                    elif c == "\\":
                        if d in "dswDSW" and pattern[o + 2] != "-":  # \d, not a range
                            end = o + 2
                            item = A.ClassPerl(o, end, d.lower(), d.isupper())
                    elif (
                        c == "[" and self.stack_class and d not in "\\[]-&~^:"
                        and pattern[o + 2] == "]"
                    ):  # a nested ``[d]``: what ``push_class_open`` and ``pop_class`` make
                        end = o + 3
                        item = A.ClassBracketed(o, end, False, literal(o + 1, o + 2, verbatim, d))
                    if item is not None:
                        self.offset = end
                        items = union.items
                        union.span = span_t(union.span.start if items else o, end)
                        items.append(item)
                        continue
            self.bump_space()
            if self.is_eof():
                raise self.unclosed_class_error()
            c = self.pattern[self.offset]
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
                self.offset += 2
                union = self.push_class_op("&&", union)
            elif c == "-" and self.peek() == "-":
                self.offset += 2
                union = self.push_class_op("--", union)
            elif c == "~" and self.peek() == "~":
                self.offset += 2
                union = self.push_class_op("~~", union)
            else:
                union.push(self.parse_set_class_range())

    def simple_class(self) -> Optional[A.ClassBracketed]:
        """``[...]`` or ``[^...]`` of plain characters and ranges (``[c]``,
        ``[a-z0-9_]``), outside x mode: the node the steps below build for it, made in
        one go (a common shape, and a big share of the parsing time of a pattern made
        of many such classes). None, and no move, for anything else."""
        if self.ignore_whitespace:
            return self.simple_x_class() if _FAST_CLASS_ITEMS else None
        pattern, o = self.pattern, self.offset
        negated = pattern.startswith("^", o + 1)
        i = o + 2 if negated else o + 1
        if pattern.startswith("]", i + 1) and i < self.n and pattern[i] not in "\\[]-&~^":
            self.offset = i + 2  # [c] or [^c], the commonest: without the regex
            lit = A.Literal(i, i + 1, A.LIT_VERBATIM, pattern[i])
            return A.ClassBracketed(o, i + 2, negated, lit)
        if _FAST_NEST and pattern.startswith("]", i + 3) and pattern.startswith("-", i + 1):
            c, d = pattern[i], pattern[i + 2]
            if c.isalnum() and d.isalnum() and c <= d:  # [a-z] or [^a-z], as below
                self.offset = i + 4
                lo = A.Literal(i, i + 1, A.LIT_VERBATIM, c)
                hi = A.Literal(i + 2, i + 3, A.LIT_VERBATIM, d)
                rng = A.ClassSetRange(Span(i, i + 3), lo, hi)
                return A.ClassBracketed(o, i + 4, negated, rng)
        m = _SIMPLE_CLASS.match(pattern, o)
        if m is None:
            return self.simple_op_class() if _FAST_CLASS_ITEMS else None
        kind = _plain_union(pattern, *m.span(2))
        if kind is None:
            return None  # the steps report the invalid range
        self.offset = m.end()
        return A.ClassBracketed(o, m.end(), m.group(1) == "^", kind)

    def simple_op_class(self) -> Optional[A.ClassBracketed]:
        """``simple_class`` for one set operation between two runs of plain characters
        and ranges (``[a-z&&b]``, ``[^a--bc]``), outside x mode: the node the steps make.
        None, and no move, for anything else (an invalid range too: the steps report it)."""
        pattern = self.pattern
        m = _SIMPLE_OP_CLASS.match(pattern, self.offset)
        if m is None:
            return None
        (start, end), (n0, n1), (l0, l1), (o0, o1), (r0, r1) = m.regs
        # (a side of one character, the commonest, made here)
        literal, verbatim = A.Literal, A.LIT_VERBATIM
        lhs = (
            literal(l0, l1, verbatim, pattern[l0]) if l1 - l0 == 1
            else _plain_union(pattern, l0, l1)
        )
        rhs = (
            literal(r0, r1, verbatim, pattern[r0]) if r1 - r0 == 1
            else _plain_union(pattern, r0, r1)
        )
        if lhs is None or rhs is None:
            return None
        self.unbounded = True  # (as ``parse_set_class`` says: the steps made it before)
        self.offset = end
        op = A.ClassSetBinaryOp(Span(l0, r1), pattern[o0:o1], lhs, rhs)
        return A.ClassBracketed(start, end, n1 > n0, op)

    def simple_x_class(self) -> Optional[A.ClassBracketed]:
        """``simple_class`` in x mode, for ``[ c ]`` and ``[ ^ c ]`` of one plain
        character with whitespace (no comments) around: the node the steps make (that of
        ``[c]``).  None, and no move, for anything else."""
        m = _simple_x_class().match(self.pattern, self.offset)
        if m is None:
            return None
        i = m.start(2)
        self.offset = m.end()
        lit = A.Literal(i, i + 1, A.LIT_VERBATIM, m.group(2))
        return A.ClassBracketed(m.start(), m.end(), m.group(1) is not None, lit)

    def parse_set_class_range(self) -> A.ClassSetItem:
        prim1 = self.parse_set_class_item()
        self.bump_space()
        if self.is_eof():
            raise self.unclosed_class_error()
        if self.pattern[self.offset] != "-" or self.peek_space() in ("]", "-"):
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
        c = self.pattern[self.offset]
        if c == "\\":
            return self.parse_escape()
        lit = A.Literal(self.offset, self.offset + 1, A.LIT_VERBATIM, c)
        self.offset += 1
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
        start = self.offset
        if not self.bump_and_bump_space():
            raise self.error(Span(start, self.offset), E.CLASS_UNCLOSED)
        negated = False
        if self.char() == "^":
            negated = True
            if not self.bump_and_bump_space():
                raise self.error(Span(start, self.offset), E.CLASS_UNCLOSED)
        union = A.ClassSetUnion(self.span())
        while self.char() == "-":
            union.push(A.Literal(self.offset, self.offset + 1, A.LIT_VERBATIM, "-"))
            if not self.bump_and_bump_space():
                raise self.error(Span(start, start), E.CLASS_UNCLOSED)
        if not union.items and self.char() == "]":
            union.push(A.Literal(self.offset, self.offset + 1, A.LIT_VERBATIM, "]"))
            if not self.bump_and_bump_space():
                raise self.error(Span(start, self.offset), E.CLASS_UNCLOSED)
        empty_union = A.ClassSetUnion(Span(union.span.start, union.span.start))
        cset = A.ClassBracketed(start, self.offset, negated, empty_union)
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
        cset.end = self.offset
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
        """``[:name:]`` / ``[:^name:]`` inside a class; None (and no move) otherwise."""
        start = self.offset
        i = start + 1
        if not self.pattern.startswith(":", i) or i + 1 >= self.n:
            return None
        i += 1
        negated = self.pattern[i] == "^"
        if negated:
            i += 1
            if i >= self.n:
                return None
        colon = self.pattern.find(":", i)
        if colon < 0 or not self.pattern.startswith(":]", colon):
            return None
        name = self.pattern[i:colon]
        if name not in _ASCII_CLASSES:
            return None
        self.offset = colon + 2
        return A.ClassAscii(Span(start, self.offset), name, negated)


def _count(value: Union[int, RegexCompileError]) -> int:
    if isinstance(value, RegexCompileError):
        raise value
    return value


def _scalar(hex_digits: str) -> Optional[int]:
    """``u32::from_str_radix(digits, 16)`` then ``char::from_u32``: leading zeros are
    fine, a value over ``u32`` or not a Unicode scalar value is None."""
    significant = hex_digits.lstrip("0")
    if len(significant) > 8:
        return None
    value = int(significant or "0", 16)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        return None
    return value


def _children(node: object) -> Optional[List[object]]:
    """The children of a node NestLimiter counts as a level, None for one it does not."""
    if isinstance(node, (A.Repetition, A.Group)):
        return [node.ast]
    if isinstance(node, (A.Alternation, A.Concat)):
        return node.asts  # type: ignore[return-value]
    if isinstance(node, A.ClassBracketed):
        return [node.kind]
    if isinstance(node, A.ClassSetUnion):
        return node.items  # type: ignore[return-value]
    if isinstance(node, A.ClassSetBinaryOp):
        return [node.lhs, node.rhs]
    return None


_LEAVES = (
    A.Literal, A.LiteralRun, A.Dot, A.Assertion, A.ClassPerl, A.ClassUnicode, A.Empty,
    A.SetFlags, A.ClassSetRange, A.ClassAscii,
)
_LEAF_TYPES = frozenset(_LEAVES)


def check_nest_limit(p: Parser, ast: A.Ast) -> None:
    """regex-syntax's NestLimiter: the first node, in pre-order, nested deeper than the
    limit is the error (an explicit-stack walk: no Python recursion)."""
    stack: List[Tuple[object, int]] = [(ast, 0)]
    while stack:
        node, depth = stack.pop()
        children = _children(node)
        if children is None:
            continue
        depth += 1
        if depth > NEST_LIMIT:
            span = node.span  # type: ignore[attr-defined]
            raise p.error(span, E.NEST_LIMIT_EXCEEDED.format(NEST_LIMIT))
        roomy = depth + 2 <= NEST_LIMIT
        for child in reversed(children):
            t = type(child)
            if t in _LEAF_TYPES:
                continue
            if roomy and (
                ((t is A.Repetition or t is A.Group) and type(child.ast) in _LEAF_TYPES)  # type: ignore[attr-defined]
                or (_FAST_NEST and (t is A.Repetition or t is A.Group)  # ``[a-z]{20}``
                    and type(child.ast) is A.ClassBracketed  # type: ignore[attr-defined]
                    and type(child.ast.kind) in _LEAF_TYPES)  # type: ignore[attr-defined]
                or (t is A.ClassBracketed and type(child.kind) in _LEAF_TYPES)  # type: ignore[attr-defined]
                or (_FAST_CLASS_ITEMS and t is A.ClassBracketed  # ``[a&&b]``
                    and type(child.kind) is A.ClassSetBinaryOp  # type: ignore[attr-defined]
                    and type(child.kind.lhs) in _LEAF_TYPES  # type: ignore[attr-defined]
                    and type(child.kind.rhs) in _LEAF_TYPES)  # type: ignore[attr-defined]
                or _shallow(child)
            ):
                continue  # two levels at most, within the limit: nothing to see
            stack.append((child, depth))


def _shallow(node: object) -> bool:
    """Whether nothing below ``node`` is more than two levels deep (a common case:
    ``a*``, ``(a)``, ``[ab]``, ``[a&&b]``), checked without walking it."""
    children = _children(node)
    if children is None:
        return True
    fast, leaf_types, bracketed = _FAST_CLASS_ITEMS, _LEAF_TYPES, A.ClassBracketed
    for child in children:
        if fast and (
            type(child) in leaf_types
            or (type(child) is bracketed and type(child.kind) in leaf_types)
        ):
            continue  # (``[c]``: one level below)
        if not isinstance(child, _LEAVES):
            grandchildren = _children(child)
            if grandchildren is not None and not all(
                isinstance(x, _LEAVES) for x in grandchildren
            ):
                return False
    return True


def parse(pattern: str) -> A.Ast:
    """The AST of ``pattern``; raises the first parse error (or the nest limit's)."""
    with gc_paused(pattern):
        return Parser(pattern).parse()
