"""High-level IR and the AST -> HIR translation of regex-syntax 0.8.

The translation applies flags (``i m s U u R``) the way regex-syntax's
``Translator`` does: flags set by ``(?flags)`` last until the end of the
enclosing group (they leak into later alternation branches), classes are case
folded before they are negated, and with ``u`` off only ASCII may be matched.
The smart constructors (``concat``, ``alternation``, ``repetition``, ``cls``)
mirror ``Hir::concat`` & co. closely enough for the NFA size estimate.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from . import _ast as A
from . import _charset as C
from . import _errors as E
from . import _unicode as U
from ._charset import Ranges
from ._errors import RegexCompileError, Span

# Look-around kinds (regex-automata's util::look::Look).
START = "Start"
END = "End"
START_LF = "StartLF"
END_LF = "EndLF"
START_CRLF = "StartCRLF"
END_CRLF = "EndCRLF"
WORD_ASCII = "WordAscii"
WORD_ASCII_NEGATE = "WordAsciiNegate"
WORD_UNICODE = "WordUnicode"
WORD_UNICODE_NEGATE = "WordUnicodeNegate"
WORD_START_ASCII = "WordStartAscii"
WORD_END_ASCII = "WordEndAscii"
WORD_START_UNICODE = "WordStartUnicode"
WORD_END_UNICODE = "WordEndUnicode"
WORD_START_HALF_ASCII = "WordStartHalfAscii"
WORD_END_HALF_ASCII = "WordEndHalfAscii"
WORD_START_HALF_UNICODE = "WordStartHalfUnicode"
WORD_END_HALF_UNICODE = "WordEndHalfUnicode"


class Hir:
    """Base class; ``key`` gives structural equality (used by prefix lifting)."""

    __slots__ = ("_key",)

    def key(self) -> Any:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hir) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())


class HEmpty(Hir):
    __slots__ = ()

    def key(self) -> Any:
        return ("e",)


class HLiteral(Hir):
    __slots__ = ("chars",)

    def __init__(self, chars: str) -> None:
        self.chars = chars

    def key(self) -> Any:
        return ("l", self.chars)


class HClass(Hir):
    """A class; an empty one never matches (``Hir::fail``)."""

    __slots__ = ("ranges",)

    def __init__(self, ranges: Ranges) -> None:
        self.ranges = ranges

    def key(self) -> Any:
        return ("c", self.ranges)


class HLook(Hir):
    __slots__ = ("look",)

    def __init__(self, look: str) -> None:
        self.look = look

    def key(self) -> Any:
        return ("k", self.look)


class HRepetition(Hir):
    __slots__ = ("greedy", "max", "min", "sub")

    def __init__(self, rmin: int, rmax: Optional[int], greedy: bool, sub: Hir) -> None:
        self.min = rmin
        self.max = rmax
        self.greedy = greedy
        self.sub = sub

    def key(self) -> Any:
        return ("r", self.min, self.max, self.greedy, self.sub.key())


class HCapture(Hir):
    __slots__ = ("index", "name", "sub")

    def __init__(self, index: int, name: Optional[str], sub: Hir) -> None:
        self.index = index
        self.name = name
        self.sub = sub

    def key(self) -> Any:
        return ("g", self.index, self.name, self.sub.key())


class HConcat(Hir):
    __slots__ = ("subs",)

    def __init__(self, subs: List[Hir]) -> None:
        self.subs = subs

    def key(self) -> Any:
        return ("cat", tuple(s.key() for s in self.subs))


class HAlternation(Hir):
    __slots__ = ("subs",)

    def __init__(self, subs: List[Hir]) -> None:
        self.subs = subs

    def key(self) -> Any:
        return ("alt", tuple(s.key() for s in self.subs))


# -- properties ------------------------------------------------------------------


def max_len(h: Hir) -> Optional[int]:
    """Maximum length in chars, or None if unbounded (or if it can never match)."""
    if isinstance(h, (HEmpty, HLook)):
        return 0
    if isinstance(h, HLiteral):
        return len(h.chars)
    if isinstance(h, HClass):
        return 1 if h.ranges else None
    if isinstance(h, HCapture):
        return max_len(h.sub)
    if isinstance(h, HRepetition):
        if h.max == 0:
            return 0
        sub = max_len(h.sub)
        if sub is None or h.max is None:
            return 0 if sub == 0 else None
        return sub * h.max
    if isinstance(h, HConcat):
        total = 0
        for s in h.subs:
            m = max_len(s)
            if m is None:
                return None
            total += m
        return total
    assert isinstance(h, HAlternation)
    best = 0
    for s in h.subs:
        m = max_len(s)
        if m is None:
            return None
        best = max(best, m)
    return best


def can_match(h: Hir) -> bool:
    """False if ``h`` provably never matches (contains a mandatory empty class)."""
    if isinstance(h, HClass):
        return bool(h.ranges)
    if isinstance(h, HCapture):
        return can_match(h.sub)
    if isinstance(h, HRepetition):
        return h.min == 0 or can_match(h.sub)
    if isinstance(h, HConcat):
        return all(can_match(s) for s in h.subs)
    if isinstance(h, HAlternation):
        return any(can_match(s) for s in h.subs)
    return True


def anchored_start(h: Hir) -> bool:
    """Every match starts with a ``Start`` look (regex's look_set_prefix contains Start)."""
    if isinstance(h, HLook):
        return h.look == START
    if isinstance(h, HCapture):
        return anchored_start(h.sub)
    if isinstance(h, HRepetition):
        return h.min > 0 and anchored_start(h.sub)
    if isinstance(h, HConcat):
        for s in h.subs:
            if anchored_start(s):
                return True
            if max_len(s) != 0:
                return False
        return False
    if isinstance(h, HAlternation):
        return all(anchored_start(s) for s in h.subs)
    return False


# -- smart constructors -----------------------------------------------------------


def cls(ranges: Ranges) -> Hir:
    if len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
        return HLiteral(chr(ranges[0][0]))
    return HClass(ranges)


def repetition(rmin: int, rmax: Optional[int], greedy: bool, sub: Hir) -> Hir:
    if max_len(sub) == 0:
        rmin = min(rmin, 1)
        rmax = 1 if rmax is None else min(rmax, 1)
    if rmin == 0 and rmax == 0:
        return HEmpty()
    if rmin == 1 and rmax == 1:
        return sub
    return HRepetition(rmin, rmax, greedy, sub)


def concat(subs: List[Hir]) -> Hir:
    new: List[Hir] = []
    lit: Optional[List[str]] = None

    def add(h: Hir) -> None:
        nonlocal lit
        if isinstance(h, HLiteral):
            if lit is None:
                lit = [h.chars]
            else:
                lit.append(h.chars)
            return
        if isinstance(h, HEmpty):
            return
        if lit is not None:
            new.append(HLiteral("".join(lit)))
            lit = None
        new.append(h)

    for s in subs:
        if isinstance(s, HConcat):
            for s2 in s.subs:
                add(s2)
        else:
            add(s)
    if lit is not None:
        new.append(HLiteral("".join(lit)))
    if not new:
        return HEmpty()
    if len(new) == 1:
        return new[0]
    return HConcat(new)


def alternation(subs: List[Hir]) -> Hir:
    new: List[Hir] = []
    for s in subs:
        if isinstance(s, HAlternation):
            new.extend(s.subs)
        else:
            new.append(s)
    if not new:
        return HClass(())
    if len(new) == 1:
        return new[0]
    if all(isinstance(s, HLiteral) and len(s.chars) == 1 for s in new):
        return cls(C.canon((ord(s.chars), ord(s.chars)) for s in new))  # type: ignore[attr-defined]
    if all(isinstance(s, HClass) for s in new):
        rs: Ranges = ()
        for s in new:
            assert isinstance(s, HClass)
            rs = C.union(rs, s.ranges)
        return cls(rs) if rs else HClass(())
    lifted = _lift_common_prefix(new)
    if lifted is not None:
        return lifted
    return HAlternation(new)


def _lift_common_prefix(hirs: List[Hir]) -> Optional[Hir]:
    first = hirs[0]
    if not isinstance(first, HConcat) or not first.subs:
        return None
    prefix = list(first.subs)
    for h in hirs[1:]:
        if not isinstance(h, HConcat):
            return None
        n = 0
        for x, y in zip(prefix, h.subs):
            if x != y:
                break
            n += 1
        prefix = prefix[:n]
        if not prefix:
            return None
    n = len(prefix)
    suffixes = [concat(h.subs[n:]) for h in hirs if isinstance(h, HConcat)]
    return concat([*prefix, alternation(suffixes)])


# -- translation ------------------------------------------------------------------

_ASCII_CLASSES: Dict[str, Ranges] = {
    "alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "ascii": ((0x00, 0x7F),),
    "blank": ((0x09, 0x09), (0x20, 0x20)),
    "cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "digit": ((0x30, 0x39),),
    "graph": ((0x21, 0x7E),),
    "lower": ((0x61, 0x7A),),
    "print": ((0x20, 0x7E),),
    "punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "space": ((0x09, 0x0D), (0x20, 0x20)),
    "upper": ((0x41, 0x5A),),
    "word": ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)),
    "xdigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}
_PERL_ASCII = {"d": "digit", "s": "space", "w": "word"}
_BYTES_ALL: Ranges = ((0, 0xFF),)


def _bytes_negate(rs: Ranges) -> Ranges:
    return C.intersect(C.negate(rs), _BYTES_ALL)


class Flags:
    __slots__ = ("crlf", "dot_nl", "i", "m", "swap_greed", "unicode")

    def __init__(self) -> None:
        self.i = False
        self.m = False
        self.dot_nl = False
        self.swap_greed = False
        self.unicode = True
        self.crlf = False

    def copy(self) -> Flags:
        f = Flags()
        f.i, f.m, f.dot_nl = self.i, self.m, self.dot_nl
        f.swap_greed, f.unicode, f.crlf = self.swap_greed, self.unicode, self.crlf
        return f

    def apply(self, flags: A.Flags) -> None:
        on = True
        for item in flags.items:
            k = item.kind
            if k == A.F_NEGATION:
                on = False
            elif k == A.F_I:
                self.i = on
            elif k == A.F_M:
                self.m = on
            elif k == A.F_S:
                self.dot_nl = on
            elif k == A.F_U:
                self.swap_greed = on
            elif k == A.F_UNICODE:
                self.unicode = on
            elif k == A.F_R:
                self.crlf = on


class Translator:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.flags = Flags()

    def error(self, span: Span, message: str) -> RegexCompileError:
        return E.parse_error(self.pattern, message, span)

    def translate(self, ast: A.Ast) -> Hir:
        if isinstance(ast, A.Empty):
            return HEmpty()
        if isinstance(ast, A.SetFlags):
            self.flags.apply(ast.flags)
            return HEmpty()
        if isinstance(ast, A.Literal):
            return self.literal(ast)
        if isinstance(ast, A.LiteralRun):
            return self.literal_run(ast)
        if isinstance(ast, A.Dot):
            return self.dot(ast.span)
        if isinstance(ast, A.Assertion):
            return HLook(self.assertion(ast.kind))
        if isinstance(ast, A.ClassUnicode):
            return cls(self.unicode_class(ast))
        if isinstance(ast, A.ClassPerl):
            return cls(self.perl_class(ast))
        if isinstance(ast, A.ClassBracketed):
            return cls(self.bracketed(ast))
        if isinstance(ast, A.Repetition):
            sub = self.translate(ast.ast)
            greedy = (not ast.greedy) if self.flags.swap_greed else ast.greedy
            return repetition(ast.min, ast.max, greedy, sub)
        if isinstance(ast, A.Group):
            old = self.flags.copy()
            if ast.flags is not None:
                self.flags.apply(ast.flags)
            sub = self.translate(ast.ast)
            self.flags = old
            if ast.capture_index is None:
                return sub
            return HCapture(ast.capture_index, ast.name, sub)
        if isinstance(ast, A.Concat):
            return concat([self.translate(x) for x in ast.asts])
        assert isinstance(ast, A.Alternation)
        return alternation([self.translate(x) for x in ast.asts])

    # -- literals, dot, assertions ----------------------------------------------

    def literal_scalar(self, lit: A.Literal) -> int:
        """ast_literal_to_scalar: a char (as int); errors for non-UTF-8 bytes."""
        if self.flags.unicode:
            return ord(lit.c)
        b = lit.byte()
        if b is None or b <= 0x7F:
            return ord(lit.c)
        raise self.error(lit.span, E.INVALID_UTF8)

    def literal(self, lit: A.Literal) -> Hir:
        return self.literal_char(self.literal_scalar(lit))

    def literal_run(self, run: A.LiteralRun) -> Hir:
        """A run of verbatim literals: what their ``Concat`` would translate to."""
        if not self.flags.i:
            return HLiteral(run.text)
        # Hir values are immutable, so repeated characters can share one node.
        memo: Dict[str, Hir] = {}
        subs: List[Hir] = []
        for ch in run.text:
            h = memo.get(ch)
            if h is None:
                h = memo[ch] = self.literal_char(ord(ch))
            subs.append(h)
        return concat(subs)

    def literal_char(self, c: int) -> Hir:
        if self.flags.i:
            if self.flags.unicode:
                if U.has_simple_fold(c):
                    return cls(U.case_fold_simple(((c, c),)))
            elif c < 0x80 and chr(c).isalpha():
                return cls(U.ascii_case_fold(((c, c),)))
        return HLiteral(chr(c))

    def dot(self, span: Span) -> Hir:
        f = self.flags
        if not f.unicode:
            raise self.error(span, E.INVALID_UTF8)
        if f.dot_nl:
            return cls(C.ANY)
        if f.crlf:
            return cls(C.difference(C.ANY, ((0x0A, 0x0A), (0x0D, 0x0D))))
        return cls(C.difference(C.ANY, ((0x0A, 0x0A),)))

    def assertion(self, kind: str) -> str:
        f = self.flags
        u = f.unicode
        if kind == A.A_START_LINE:
            return (START_CRLF if f.crlf else START_LF) if f.m else START
        if kind == A.A_END_LINE:
            return (END_CRLF if f.crlf else END_LF) if f.m else END
        if kind == A.A_START_TEXT:
            return START
        if kind == A.A_END_TEXT:
            return END
        return {
            A.A_WORD: (WORD_UNICODE, WORD_ASCII),
            A.A_NOT_WORD: (WORD_UNICODE_NEGATE, WORD_ASCII_NEGATE),
            A.A_WORD_START: (WORD_START_UNICODE, WORD_START_ASCII),
            A.A_WORD_END: (WORD_END_UNICODE, WORD_END_ASCII),
            A.A_WORD_START_HALF: (WORD_START_HALF_UNICODE, WORD_START_HALF_ASCII),
            A.A_WORD_END_HALF: (WORD_END_HALF_UNICODE, WORD_END_HALF_ASCII),
        }[kind][0 if u else 1]

    # -- classes ------------------------------------------------------------------

    def _fold_negate(self, span: Span, negated: bool, rs: Ranges) -> Ranges:
        if self.flags.unicode:
            if self.flags.i:
                rs = U.case_fold_simple(rs)
            if negated:
                rs = C.negate(rs)
            return rs
        if self.flags.i:
            rs = U.ascii_case_fold(rs)
        if negated:
            rs = _bytes_negate(rs)
        if not C.is_ascii(rs):
            raise self.error(span, E.INVALID_UTF8)
        return rs

    def unicode_class(self, ast: A.ClassUnicode) -> Ranges:
        if not self.flags.unicode:
            raise self.error(ast.span, E.UNICODE_NOT_ALLOWED)
        try:
            if ast.op is None:
                rs = U.class_query(ast.name, None, ast.one_letter)
            else:
                rs = U.class_query(ast.name, ast.value)
        except U.PropertyError as exc:
            msg = E.UNICODE_PROPERTY_VALUE_NOT_FOUND if exc.value else E.UNICODE_PROPERTY_NOT_FOUND
            raise self.error(ast.span, msg) from None
        return self._fold_negate(ast.span, ast.is_negated(), rs)

    def perl_class(self, ast: A.ClassPerl) -> Ranges:
        if self.flags.unicode:
            rs = {"d": U.perl_digit, "s": U.perl_space, "w": U.perl_word}[ast.kind]()
            return C.negate(rs) if ast.negated else rs
        rs = _ASCII_CLASSES[_PERL_ASCII[ast.kind]]
        if ast.negated:
            rs = _bytes_negate(rs)
        if not C.is_ascii(rs):
            raise self.error(ast.span, E.INVALID_UTF8)
        return rs

    def ascii_class(self, ast: A.ClassAscii) -> Ranges:
        return self._fold_negate(ast.span, ast.negated, _ASCII_CLASSES[ast.kind])

    def class_byte(self, lit: A.Literal) -> int:
        c = self.literal_scalar(lit)
        if c > 0x7F:
            b = lit.byte()
            if b is not None:
                return b
            raise self.error(lit.span, E.UNICODE_NOT_ALLOWED)
        return c

    def bracketed(self, ast: A.ClassBracketed) -> Ranges:
        rs = self.class_set(ast.kind)
        return self._fold_negate(ast.span, ast.negated, rs)

    def class_set(self, node: A.ClassSet) -> Ranges:
        if isinstance(node, A.ClassSetBinaryOp):
            lhs = self.class_set(node.lhs)
            rhs = self.class_set(node.rhs)
            if self.flags.i:
                fold = U.case_fold_simple if self.flags.unicode else U.ascii_case_fold
                rhs = fold(rhs)
                lhs = fold(lhs)
            if node.kind == "&&":
                return C.intersect(lhs, rhs)
            if node.kind == "--":
                return C.difference(lhs, rhs)
            return C.symmetric_difference(lhs, rhs)
        return self.class_item(node)

    def class_item(self, item: A.ClassSetItem) -> Ranges:
        if isinstance(item, A.Empty):
            return ()
        if isinstance(item, A.Literal):
            if self.flags.unicode:
                c = ord(item.c)
            else:
                c = self.class_byte(item)
            return ((c, c),)
        if isinstance(item, A.ClassSetRange):
            if self.flags.unicode:
                return C.canon([(ord(item.start.c), ord(item.end.c))])
            lo = self.class_byte(item.start)
            hi = self.class_byte(item.end)
            return C.canon([(lo, hi)])
        if isinstance(item, A.ClassAscii):
            return self.ascii_class(item)
        if isinstance(item, A.ClassUnicode):
            return self.unicode_class(item)
        if isinstance(item, A.ClassPerl):
            return self.perl_class(item)
        if isinstance(item, A.ClassBracketed):
            return self.bracketed(item)
        assert isinstance(item, A.ClassSetUnion)
        out: Ranges = ()
        for x in item.items:
            out = C.union(out, self.class_item(x))
        return out


def translate(pattern: str, ast: A.Ast) -> Hir:
    return Translator(pattern).translate(ast)


def look_set(h: Hir) -> Tuple[str, ...]:
    """All look kinds used anywhere in ``h``."""
    found: Dict[str, None] = {}
    stack = [h]
    while stack:
        x = stack.pop()
        if isinstance(x, HLook):
            found[x.look] = None
        elif isinstance(x, (HRepetition, HCapture)):
            stack.append(x.sub)
        elif isinstance(x, (HConcat, HAlternation)):
            stack.extend(x.subs)
    return tuple(found)
