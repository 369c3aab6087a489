"""High-level IR and the AST -> HIR translation of regex-syntax 0.8.

The translation applies flags (``i m s U u R``) the way regex-syntax's
``Translator`` does: flags set by ``(?flags)`` last until the end of the
enclosing group (they leak into later alternation branches), classes are case
folded before they are negated, and with ``u`` off only ASCII may be matched.
The smart constructors (``concat``, ``alternation``, ``repetition``, ``cls``)
mirror ``Hir::concat`` & co. closely enough for the NFA size estimate.

Every walk here (translation, class sets, keys, properties) keeps its own
stack instead of recursing, so a pattern nested to the parser's limit
compiles however deep the caller's Python stack already is.  HIR values are
immutable, so a translation is shared by every occurrence of the same
primitive under the same flags (``'\\\\w' * N`` costs one class, not N).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple, cast

from . import ast as A
from . import charset as C
from . import errors as E
from . import unicode as U
from .charset import Ranges
from .errors import RegexCompileError, Span
from .gc_pause import gc_paused

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
    _key: Any

    def key(self) -> Any:
        """A nested tuple describing the node (computed once, without recursion)."""
        try:
            return self._key
        except AttributeError:
            self._key = _key_of(self)
            return self._key

    def leaf_key(self) -> Any:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hir) and (self is other or self.key() == other.key())

    def __hash__(self) -> int:
        return hash(self.key())


class HEmpty(Hir):
    __slots__ = ()

    def leaf_key(self) -> Any:
        return ("e",)


class HLiteral(Hir):
    __slots__ = ("chars",)

    def __init__(self, chars: str) -> None:
        self.chars = chars

    def leaf_key(self) -> Any:
        return ("l", self.chars)


class HClass(Hir):
    """A class; an empty one never matches (``Hir::fail``)."""

    __slots__ = ("ranges",)

    def __init__(self, ranges: Ranges) -> None:
        self.ranges = ranges

    def leaf_key(self) -> Any:
        return ("c", self.ranges)


class HLook(Hir):
    __slots__ = ("look",)

    def __init__(self, look: str) -> None:
        self.look = look

    def leaf_key(self) -> Any:
        return ("k", self.look)


class HRepetition(Hir):
    __slots__ = ("greedy", "max", "min", "sub")

    def __init__(self, rmin: int, rmax: Optional[int], greedy: bool, sub: Hir) -> None:
        self.min = rmin
        self.max = rmax
        self.greedy = greedy
        self.sub = sub


class HCapture(Hir):
    __slots__ = ("index", "name", "sub")

    def __init__(self, index: int, name: Optional[str], sub: Hir) -> None:
        self.index = index
        self.name = name
        self.sub = sub


class HConcat(Hir):
    __slots__ = ("subs",)

    def __init__(self, subs: List[Hir]) -> None:
        self.subs = subs


class HAlternation(Hir):
    __slots__ = ("subs",)

    def __init__(self, subs: List[Hir]) -> None:
        self.subs = subs


_NO_CHILDREN: List[Hir] = []


def children(h: Hir) -> List[Hir]:
    """The direct sub-expressions of ``h`` (a list the caller must not change)."""
    t = type(h)
    if t is HConcat or t is HAlternation:
        return h.subs  # type: ignore[attr-defined, no-any-return]
    if t is HRepetition or t is HCapture:
        return [h.sub]  # type: ignore[attr-defined]
    return _NO_CHILDREN


def _key_of(root: Hir) -> Any:
    """``root.key()``: a post-order walk over an explicit stack."""
    out: List[Any] = []
    stack: List[Tuple[Hir, bool]] = [(root, False)]
    while stack:
        h, done = stack.pop()
        known = getattr(h, "_key", None)
        if known is not None:
            out.append(known)
            continue
        subs = children(h)
        if not subs and not isinstance(h, (HConcat, HAlternation)):
            out.append(h.leaf_key())
            continue
        if not done:
            stack.append((h, True))
            stack.extend((x, False) for x in reversed(subs))
            continue
        got = tuple(out[len(out) - len(subs):])
        del out[len(out) - len(subs):]
        if isinstance(h, HRepetition):
            out.append(("r", h.min, h.max, h.greedy, got[0]))
        elif isinstance(h, HCapture):
            out.append(("g", h.index, h.name, got[0]))
        else:
            out.append(("cat" if isinstance(h, HConcat) else "alt", got))
    return out[0]


# -- properties ------------------------------------------------------------------


def max_len(h: Hir) -> Optional[int]:
    """Maximum length in chars, or None if unbounded (or if it can never match)."""
    return _max_lens(h, None)


def _max_lens(root: Hir, memo: Optional[Dict[int, Tuple[Hir, Optional[int]]]]) -> Optional[int]:
    """``max_len`` as a post-order walk; ``memo`` (by identity, the node kept alive
    beside its value) spares walking a shared or nested sub-expression again."""
    out: List[Optional[int]] = []
    stack: List[Tuple[Hir, bool]] = [(root, False)]
    while stack:
        h, done = stack.pop()
        if isinstance(h, (HEmpty, HLook)):
            out.append(0)
            continue
        if isinstance(h, HLiteral):
            out.append(len(h.chars))
            continue
        if isinstance(h, HClass):
            out.append(1 if h.ranges else None)
            continue
        if isinstance(h, HRepetition) and h.max == 0:
            out.append(0)
            continue
        if memo is not None:
            got = memo.get(id(h))
            if got is not None and got[0] is h:
                out.append(got[1])
                continue
        subs = children(h)
        if not done:
            stack.append((h, True))
            stack.extend((x, False) for x in reversed(subs))
            continue
        vals = out[len(out) - len(subs):]
        del out[len(out) - len(subs):]
        value: Optional[int]
        if isinstance(h, HCapture):
            value = vals[0]
        elif isinstance(h, HRepetition):
            sub = vals[0]
            if sub is None or h.max is None:
                value = 0 if sub == 0 else None
            else:
                value = sub * h.max
        elif any(v is None for v in vals):
            value = None
        elif isinstance(h, HConcat):
            value = sum(vals)  # type: ignore[arg-type]
        else:
            value = max(vals, default=0)  # type: ignore[type-var]
        if memo is not None:
            memo[id(h)] = (h, value)
        out.append(value)
    return out[0]


def can_match(h: Hir) -> bool:
    """False if ``h`` provably never matches (contains a mandatory empty class).

    A post-order walk of the composite nodes (leaves are read where they stand), each
    shared node evaluated once."""
    known: Dict[int, bool] = {}

    def value(x: Hir) -> bool:
        t = type(x)
        if t is HClass:
            return bool(x.ranges)  # type: ignore[attr-defined]
        return known[id(x)] if t in _COMPOSITE else True

    stack: List[Tuple[Hir, bool]] = [(h, False)]
    while stack:
        x, done = stack.pop()
        t = type(x)
        if t not in _COMPOSITE or id(x) in known:
            continue
        if t is HRepetition and x.min == 0:  # type: ignore[attr-defined]
            known[id(x)] = True
            continue
        subs = x.subs if t is HConcat or t is HAlternation else [x.sub]  # type: ignore[attr-defined]
        if not done:
            stack.append((x, True))
            stack.extend((s, False) for s in subs if type(s) in _COMPOSITE)
            continue
        known[id(x)] = (any if t is HAlternation else all)(map(value, subs))
    return value(h)


_COMPOSITE = frozenset([HConcat, HAlternation, HRepetition, HCapture])


def anchored_start(h: Hir) -> bool:
    """Every match starts with a ``Start`` look (regex's look_set_prefix contains Start)."""
    return _anchored(h, START, False)


def anchored_end(h: Hir) -> bool:
    """Every match ends with an ``End`` look (regex's look_set_suffix contains End)."""
    return _anchored(h, END, True)


def _anchored(root: Hir, look: str, from_end: bool) -> bool:
    """Whether ``look`` is in the prefix (or suffix) look set of ``root``.

    For a concatenation, the first item (from the end: the last) that has the
    look decides, unless a consuming item comes before it; an alternation
    needs it in every branch.  Evaluated over an explicit stack, stopping
    early: a pending concatenation or alternation is ``(node, next index)``.
    """
    memo: Dict[int, Tuple[Hir, Optional[int]]] = {}
    out: List[bool] = []
    stack: List[Tuple[Hir, int]] = [(root, -1)]
    while stack:
        h, state = stack.pop()
        while isinstance(h, (HCapture, HRepetition)):
            if isinstance(h, HRepetition) and h.min == 0:
                break
            h = h.sub
        if isinstance(h, HLook):
            out.append(h.look == look)
        elif isinstance(h, HConcat):
            subs, last = h.subs, len(h.subs) - 1
            if state >= 0:  # the item ``state`` places in has been evaluated
                if out.pop():
                    out.append(True)
                    continue
                if _max_lens(subs[last - state if from_end else state], memo) != 0:
                    out.append(False)
                    continue
            nxt = state + 1
            if nxt > last:
                out.append(False)
                continue
            stack.append((h, nxt))
            stack.append((subs[last - nxt if from_end else nxt], -1))
        elif isinstance(h, HAlternation):  # every branch, up to the first that fails
            if state >= 0 and not out.pop():
                out.append(False)
                continue
            nxt = state + 1
            if nxt >= len(h.subs):
                out.append(True)
                continue
            stack.append((h, nxt))
            stack.append((h.subs[nxt], -1))
        else:
            out.append(False)
    return out[0]


def look_set(h: Hir) -> Tuple[str, ...]:
    """All look kinds used anywhere in ``h``."""
    found: Dict[str, None] = {}
    stack = [h]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is HConcat or t is HAlternation:
            stack.extend(x.subs)  # type: ignore[attr-defined]
        elif t is HRepetition or t is HCapture:
            stack.append(x.sub)  # type: ignore[attr-defined]
        elif t is HLook:
            found[x.look] = None  # type: ignore[attr-defined]
    return tuple(found)


# -- smart constructors -----------------------------------------------------------


def cls(ranges: Ranges) -> Hir:
    if len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
        return HLiteral(chr(ranges[0][0]))
    return HClass(ranges)


def repetition(
    rmin: int,
    rmax: Optional[int],
    greedy: bool,
    sub: Hir,
    memo: Optional[Dict[int, Tuple[Hir, Optional[int]]]] = None,
) -> Hir:
    """``Hir::repetition``: a body that matches only the empty string is clamped to
    at most one copy; ``memo`` is passed on to ``max_len``'s walk."""
    if not isinstance(sub, (HLiteral, HClass)) and _max_lens(sub, memo) == 0:
        rmin = min(rmin, 1)
        rmax = 1 if rmax is None else min(rmax, 1)
    if rmin == 0 and rmax == 0:
        return HEmpty()
    if rmin == 1 and rmax == 1:
        return sub
    return HRepetition(rmin, rmax, greedy, sub)


def concat(subs: List[Hir]) -> Hir:
    """``Hir::concat``: nested concatenations flattened, empties dropped, adjacent
    literals merged."""
    new: List[Hir] = []
    lit: List[str] = []
    for s in subs:
        t = type(s)
        if t is HConcat:
            for h in s.subs:  # type: ignore[attr-defined]
                u = type(h)
                if u is HLiteral:
                    lit.append(h.chars)
                elif u is not HEmpty:
                    if lit:
                        new.append(HLiteral("".join(lit)))
                        lit = []
                    new.append(h)
        elif t is HLiteral:
            lit.append(s.chars)  # type: ignore[attr-defined]
        elif t is not HEmpty:
            if lit:
                new.append(HLiteral("".join(lit)))
                lit = []
            new.append(s)
    if lit:
        new.append(HLiteral("".join(lit)))
    if not new:
        return HEmpty()
    if len(new) == 1:
        return new[0]
    return HConcat(new)


def alternation(subs: List[Hir]) -> Hir:
    """``Hir::alternation``: nested alternations flattened, single characters and
    classes merged into one class, a common prefix of concatenations lifted."""
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
        return cls(_union_all([s.ranges for s in new]))  # type: ignore[attr-defined]
    lifted = _lift_common_prefix(new)
    if lifted is not None:
        return lifted
    return HAlternation(new)


def _lift_common_prefix(branches: List[Hir]) -> Optional[Hir]:
    first = branches[0]
    if not isinstance(first, HConcat) or not first.subs:
        return None
    prefix = list(first.subs)
    for h in branches[1:]:
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
    suffixes = [concat(h.subs[n:]) for h in branches]  # type: ignore[attr-defined]
    return concat([*prefix, alternation(suffixes)])


def _union_all(parts: List[Ranges]) -> Ranges:
    """``C.union`` of the parts in order, in one ``canon`` (folding ``C.union`` part by
    part is quadratic for many parts); a lone non-empty part is returned as it is."""
    full = [rs for rs in parts if rs]
    if not full:
        return ()
    if len(full) == 1:
        return full[0]
    return C.canon([r for rs in full for r in rs])


# -- translation ------------------------------------------------------------------

_PERL_ASCII = {"d": "digit", "s": "space", "w": "word"}
_BYTES_ALL: Ranges = ((0, 0xFF),)
_WORD_LOOKS = {
    A.A_WORD: (WORD_UNICODE, WORD_ASCII),
    A.A_NOT_WORD: (WORD_UNICODE_NEGATE, WORD_ASCII_NEGATE),
    A.A_WORD_START: (WORD_START_UNICODE, WORD_START_ASCII),
    A.A_WORD_END: (WORD_END_UNICODE, WORD_END_ASCII),
    A.A_WORD_START_HALF: (WORD_START_HALF_UNICODE, WORD_START_HALF_ASCII),
    A.A_WORD_END_HALF: (WORD_END_HALF_UNICODE, WORD_END_HALF_ASCII),
}


def _bytes_negate(rs: Ranges) -> Ranges:
    return C.intersect(C.negate(rs), _BYTES_ALL)


class Flags:
    """The translator's flags; never changed once made (``with_`` makes new ones)."""

    __slots__ = ("crlf", "dot_nl", "i", "key", "m", "swap_greed", "unicode")

    def __init__(
        self,
        i: bool = False,
        m: bool = False,
        dot_nl: bool = False,
        swap_greed: bool = False,
        unicode: bool = True,
        crlf: bool = False,
    ) -> None:
        self.i = i
        self.m = m
        self.dot_nl = dot_nl
        self.swap_greed = swap_greed
        self.unicode = unicode
        self.crlf = crlf
        self.key = (i, m, dot_nl, swap_greed, unicode, crlf)

    def with_(self, flags: A.Flags) -> Flags:
        """These flags with the items of ``(?flags)`` applied."""
        state = dict(zip(("i", "m", "s", "U", "u", "R"), self.key))
        on = True
        for item in flags.items:
            if item.kind == A.F_NEGATION:
                on = False
            elif item.kind in state:
                state[item.kind] = on
        return Flags(state["i"], state["m"], state["s"], state["U"], state["u"], state["R"])


class _Frame:
    """A composite node being translated: its children, the next one, their HIR."""

    __slots__ = ("children", "index", "node", "results", "saved")

    def __init__(self, node: Optional[A.Ast], kids: List[A.Ast], saved: Optional[Flags]) -> None:
        self.node = node
        self.children = kids
        self.index = 0
        self.results: List[Hir] = []
        self.saved = saved


_MEMO_MAX = 4096  # distinct primitives remembered per translation
_NO_MEMO = re.compile(r"[\s#]")  # a class with these may read differently in x mode
_LEAVES = frozenset([A.Literal, A.LiteralRun, A.Dot, A.Assertion, A.ClassUnicode, A.ClassPerl,
                     A.ClassBracketed, A.Empty, A.SetFlags])  # fmt: skip


class Translator:
    """regex-syntax's ``TranslatorI``, over explicit stacks."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.flags = Flags()
        self._memo: Dict[Tuple[Any, ...], Hir] = {}
        self._folded: Dict[Tuple[bool, str], Hir] = {}  # (unicode, char) under ``i``
        self._lens: Dict[int, Tuple[Hir, Optional[int]]] = {}
        self._reps: Dict[Tuple[int, int, Optional[int], bool], Tuple[Hir, Hir]] = {}

    def error(self, span: Span, message: str) -> RegexCompileError:
        return E.parse_error(self.pattern, message, span)

    def translate(self, root: A.Ast) -> Hir:
        """The HIR of ``root``, children before parents and left to right, as the
        Rust visitor goes (so the first error met is the crate's)."""
        top = _Frame(None, [root], None)
        frames = [top]
        leaf = self.leaf
        while True:
            f = frames[-1]
            kids, results = f.children, f.results
            i, n = f.index, len(kids)
            while i < n:
                node = kids[i]
                i += 1
                t = type(node)
                if t in _LEAVES:
                    results.append(leaf(node))
                    continue
                if t is A.Repetition:
                    rep = cast(A.Repetition, node)
                    if type(rep.ast) in _LEAVES:
                        results.append(self.repeat(rep, leaf(rep.ast)))
                        continue
                elif t is A.Group:
                    group = cast(A.Group, node)
                    if type(group.ast) in _LEAVES:  # enter, the leaf, leave: in one go
                        saved = self.flags
                        if group.flags is not None:
                            self.flags = saved.with_(group.flags)
                        sub = leaf(group.ast)
                        self.flags = saved
                        if group.capture_index is not None:
                            sub = HCapture(group.capture_index, group.name, sub)
                        results.append(sub)
                        continue
                f.index = i
                frames.append(self.enter(node))
                break
            else:
                frames.pop()
                if f.node is None:
                    return results[0]
                frames[-1].results.append(self.leave(f))

    def enter(self, node: A.Ast) -> _Frame:
        if isinstance(node, A.Group):
            saved = self.flags
            if node.flags is not None:
                self.flags = saved.with_(node.flags)
            return _Frame(node, [node.ast], saved)
        if isinstance(node, A.Repetition):
            return _Frame(node, [node.ast], None)
        assert isinstance(node, (A.Concat, A.Alternation)), node
        return _Frame(node, node.asts, None)

    def leave(self, f: _Frame) -> Hir:
        node = f.node
        if isinstance(node, A.Group):
            assert f.saved is not None
            self.flags = f.saved
            sub = f.results[0]
            if node.capture_index is None:
                return sub
            return HCapture(node.capture_index, node.name, sub)
        if isinstance(node, A.Repetition):
            return self.repeat(node, f.results[0])
        if isinstance(node, A.Concat):
            return concat(f.results)
        return alternation(f.results)

    def repeat(self, node: A.Repetition, sub: Hir) -> Hir:
        """The repetition of ``sub``; shared by equal repetitions of a shared ``sub``."""
        greedy = (not node.greedy) if self.flags.swap_greed else node.greedy
        key = (id(sub), node.min, node.max, greedy)
        got = self._reps.get(key)
        if got is not None and got[0] is sub:
            return got[1]
        h = repetition(node.min, node.max, greedy, sub, self._lens)
        if len(self._reps) < _MEMO_MAX:
            self._reps[key] = (sub, h)
        return h

    def leaf(self, node: A.Ast) -> Hir:
        """The HIR of a primitive, shared by equal primitives under equal flags."""
        t = type(node)
        fk = self.flags.key
        key: Tuple[Any, ...]
        if t is A.Literal:
            lit = cast(A.Literal, node)
            key = (fk, lit.c, lit.kind == A.LIT_HEX_FIXED_X)
        elif t is A.Dot:
            key = (fk, ".")
        elif t is A.LiteralRun:
            return self.literal_run(cast(A.LiteralRun, node))
        elif t is A.ClassPerl:
            perl = cast(A.ClassPerl, node)
            key = (fk, "\\", perl.kind, perl.negated)
        elif t is A.Assertion:
            key = (fk, "$", cast(A.Assertion, node).kind)
        elif t is A.ClassUnicode:
            u = cast(A.ClassUnicode, node)
            key = (fk, "p", u.negated, u.name, u.one_letter, u.op, u.value)
        elif t is A.ClassBracketed:
            text = self.pattern[node.span.start:node.span.end]
            if _NO_MEMO.search(text):
                return cls(self.bracketed(cast(A.ClassBracketed, node)))
            key = (fk, "[", text)
        elif t is A.SetFlags:
            self.flags = self.flags.with_(cast(A.SetFlags, node).flags)
            return HEmpty()
        else:
            assert t is A.Empty, node
            return HEmpty()
        got = self._memo.get(key)
        if got is None:
            got = self.primitive(node)
            if len(self._memo) < _MEMO_MAX:
                self._memo[key] = got
        return got

    def primitive(self, node: A.Ast) -> Hir:
        if isinstance(node, A.Literal):
            return self.literal_char(self.literal_scalar(node))
        if isinstance(node, A.Dot):
            return self.dot(node.span)
        if isinstance(node, A.Assertion):
            return HLook(self.assertion(node.kind))
        if isinstance(node, A.ClassPerl):
            return cls(self.perl_class(node))
        if isinstance(node, A.ClassUnicode):
            return cls(self.unicode_class(node))
        assert isinstance(node, A.ClassBracketed)
        return cls(self.bracketed(node))

    def literal_scalar(self, lit: A.Literal) -> int:
        """ast_literal_to_scalar: a char (as int); errors for non-UTF-8 bytes."""
        if self.flags.unicode:
            return ord(lit.c)
        b = lit.byte()
        if b is None or b <= 0x7F:
            return ord(lit.c)
        raise self.error(lit.span, E.INVALID_UTF8)

    def literal_run(self, run: A.LiteralRun) -> Hir:
        """A run of verbatim literals: what their ``Concat`` would translate to."""
        text = run.text
        if not self.flags.i:
            return HLiteral(text)
        folded, unicode = self._folded, self.flags.unicode
        hirs = []
        for ch in text:
            h = folded.get((unicode, ch))
            if h is None:
                h = self.literal_char(ord(ch))
                if len(folded) < _MEMO_MAX:
                    folded[(unicode, ch)] = h
            hirs.append(h)
        if all(type(h) is HLiteral for h in hirs):
            return HLiteral(text)
        return concat(hirs)

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
        if kind == A.A_START_LINE:
            return (START_CRLF if f.crlf else START_LF) if f.m else START
        if kind == A.A_END_LINE:
            return (END_CRLF if f.crlf else END_LF) if f.m else END
        if kind == A.A_START_TEXT:
            return START
        if kind == A.A_END_TEXT:
            return END
        return _WORD_LOOKS[kind][0 if f.unicode else 1]

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
        rs = U.ASCII_CLASSES[_PERL_ASCII[ast.kind]]
        if ast.negated:
            rs = _bytes_negate(rs)
        if not C.is_ascii(rs):
            raise self.error(ast.span, E.INVALID_UTF8)
        return rs

    def class_byte(self, lit: A.Literal) -> int:
        c = self.literal_scalar(lit)
        if c > 0x7F:
            b = lit.byte()
            if b is not None:
                return b
            raise self.error(lit.span, E.UNICODE_NOT_ALLOWED)
        return c

    def bracketed(self, root: A.ClassBracketed) -> Ranges:
        """The set of a bracketed class, as a post-order walk over an explicit stack
        (left operands and earlier items first: the crate's first error)."""
        vals: List[Ranges] = []
        stack: List[Tuple[A.ClassSet, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            if isinstance(node, A.ClassSetBinaryOp):
                if not done:
                    stack.extend([(node, True), (node.rhs, False), (node.lhs, False)])
                    continue
                rhs, lhs = vals.pop(), vals.pop()
                if self.flags.i:
                    fold = U.case_fold_simple if self.flags.unicode else U.ascii_case_fold
                    rhs, lhs = fold(rhs), fold(lhs)
                if node.kind == "&&":
                    vals.append(C.intersect(lhs, rhs))
                elif node.kind == "--":
                    vals.append(C.difference(lhs, rhs))
                else:
                    vals.append(C.symmetric_difference(lhs, rhs))
            elif isinstance(node, A.ClassSetUnion):
                if not done:
                    stack.append((node, True))
                    stack.extend((x, False) for x in reversed(node.items))
                    continue
                k = len(node.items)
                parts = vals[len(vals) - k:]
                del vals[len(vals) - k:]
                vals.append(_union_all(parts))
            elif isinstance(node, A.ClassBracketed):
                if not done:
                    stack.extend([(node, True), (node.kind, False)])
                    continue
                vals.append(self._fold_negate(node.span, node.negated, vals.pop()))
            else:
                vals.append(self.class_item(node))
        return vals[0]

    def class_item(self, item: A.ClassSetItem) -> Ranges:
        """A class item that holds no other item."""
        if isinstance(item, A.Empty):
            return ()
        if isinstance(item, A.Literal):
            c = ord(item.c) if self.flags.unicode else self.class_byte(item)
            return ((c, c),)
        if isinstance(item, A.ClassSetRange):
            if self.flags.unicode:
                return C.canon([(ord(item.start.c), ord(item.end.c))])
            return C.canon([(self.class_byte(item.start), self.class_byte(item.end))])
        if isinstance(item, A.ClassAscii):
            return self._fold_negate(item.span, item.negated, U.ASCII_CLASSES[item.kind])
        if isinstance(item, A.ClassUnicode):
            return self.unicode_class(item)
        assert isinstance(item, A.ClassPerl), item
        return self.perl_class(item)


def translate(pattern: str, ast: A.Ast) -> Hir:
    """The HIR of ``ast`` (parsed from ``pattern``); raises translation errors."""
    with gc_paused(pattern):
        return Translator(pattern).translate(ast)
