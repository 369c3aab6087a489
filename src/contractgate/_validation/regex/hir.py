"""High-level IR and the AST -> HIR translation of regex-syntax 0.8.

The translation applies flags (``i m s U u R``) the way regex-syntax's
``Translator`` does: flags set by ``(?flags)`` last until the end of the
enclosing group (they leak into later alternation branches), classes are case
folded before they are negated, and with ``u`` off only ASCII may be matched.
The smart constructors (``concat``, ``alternation``, ``repetition``, ``cls``)
mirror ``Hir::concat`` & co. closely enough for the NFA size estimate.

Runs of simple tokens (``TokenRun``/``BranchRun`` from the parser, long
case-insensitive ``LiteralRun``s) are translated once per distinct token.  A
long one becomes a *compact* node (``HRun``: a concatenation given as
``(item, count)`` pairs; ``HAltBag``: an alternation with such a multiset of
branches, ``HBag``) that exists only inside ``translate``: if the size
estimate of the compact HIR (a lower bound) already exceeds the limit,
``translate`` raises the size-limit error -- every parse and translation error
has been raised by then, as in the crate -- otherwise the compact nodes are
expanded into the HIR the one-token-at-a-time translation gives, so the rest
of the package never sees them.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, Union

from . import ast as A
from . import charset as C
from . import errors as E
from . import parser as P
from . import unicode as U
from .charset import Ranges
from .errors import RegexCompileError, Span

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


class HRun(Hir):
    """Compact: the concatenation of many items, given as ``(item, count)`` pairs.

    ``expand()`` returns the concatenation in order (``concat`` of the items,
    which may contain compact nodes themselves), ``head()`` its first item.
    Only the size lower bound looks at the pairs (order does not change the
    estimate); there are at least two non-empty items, not all of them
    literals, so the expansion is an ``HConcat``.
    """

    __slots__ = ("expand", "head", "pairs")

    def __init__(
        self, pairs: List[Tuple[Hir, int]], expand: Callable[[], Hir], head: Callable[[], Hir]
    ) -> None:
        self.pairs = pairs
        self.expand = expand
        self.head = head  # the first item of the expansion (for prefix lifting)

    def key(self) -> Any:
        return ("compact", id(self))


class HBag(Hir):
    """Compact: many branches of an alternation (an argument of ``alternation``,
    a part of ``HAltBag``).

    * ``items``: ``(item, count)`` pairs whose costs add up to at most the
      branches' cost (for a ``BranchRun``: the non-empty tokens of all
      branches together; a branch costs the sum of its items);
    * ``count``: the number of branches;
    * ``sample``: the first few branches -- enough, as a rule, to see that
      none of ``alternation``'s special cases applies;
    * ``branches()``: every distinct branch with its count (may be slow);
    * ``expand()``: the branches in order.
    """

    __slots__ = ("branches", "count", "expand", "items", "sample")

    def __init__(
        self,
        items: List[Tuple[Hir, int]],
        count: int,
        sample: List[Hir],
        branches: Callable[[], List[Tuple[Hir, int]]],
        expand: Callable[[], List[Hir]],
    ) -> None:
        self.items = items
        self.count = count
        self.sample = sample
        self.branches = branches
        self.expand = expand

    @staticmethod
    def of(pairs: List[Tuple[Hir, int]], expand: Callable[[], List[Hir]]) -> HBag:
        """A bag of the given distinct branches."""
        return HBag(pairs, sum(n for _, n in pairs), [h for h, _ in pairs[:_SAMPLE]],
                    lambda: pairs, expand)  # fmt: skip

    def key(self) -> Any:
        return ("compact", id(self))


_SAMPLE = 8  # branches in HBag.sample


class HAltBag(Hir):
    """Compact: an alternation whose branches (``parts``) include ``HBag``\\ s.

    ``alternation`` builds one only when the result is a plain
    ``HAlternation`` of the flattened branches (no class merging, literal trie
    or prefix lifting applies), so expanding is just listing the branches.
    """

    __slots__ = ("parts",)

    def __init__(self, parts: List[Hir]) -> None:
        self.parts = parts

    def key(self) -> Any:
        return ("compact", id(self))


def _distinct(parts: List[Hir]) -> List[Tuple[Hir, int]]:
    """All branches of ``parts`` as ``(branch, count)`` pairs (bags listed: may be slow)."""
    out: List[Tuple[Hir, int]] = []
    for part in parts:
        if isinstance(part, HBag):
            out.extend(part.branches())
        else:
            out.append((part, 1))
    return out


def _all_branches(parts: List[Hir], pred: Callable[[Hir], bool]) -> bool:
    """``pred`` holds for every branch; the samples of bags are tried first."""
    for part in parts:
        for x in part.sample if isinstance(part, HBag) else [part]:
            if not pred(x):
                return False
    return all(pred(x) for x, _ in _distinct(parts))


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
    if isinstance(h, (HConcat, HRun)):
        total = 0
        for s, n in h.pairs if isinstance(h, HRun) else [(x, 1) for x in h.subs]:
            m = max_len(s)
            if m is None:
                return None
            total += m * n
        return total
    best = 0
    for s in _branches(h):
        m = max_len(s)
        if m is None:
            return None
        best = max(best, m)
    return best


def _branches(h: Hir) -> List[Hir]:
    """The distinct branches of an ``HAlternation`` or ``HAltBag``."""
    if isinstance(h, HAltBag):
        return [x for x, _ in _distinct(h.parts)]
    assert isinstance(h, HAlternation), h
    return h.subs


def zero_width(h: Hir) -> bool:
    """``max_len(h) == 0``, without listing the branches of compact nodes."""
    if isinstance(h, HRun):
        return all(zero_width(x) for x, _ in h.pairs)
    if isinstance(h, HAltBag):
        return all(
            all(zero_width(x) for x, _ in part.items)
            if isinstance(part, HBag)
            else zero_width(part)
            for part in h.parts
        )
    return max_len(h) == 0


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
    if isinstance(h, HRun):
        return all(can_match(s) for s, _ in h.pairs)
    if isinstance(h, (HAlternation, HAltBag)):
        return any(can_match(s) for s in _branches(h))
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
    if zero_width(sub):
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
        elif isinstance(s, HAltBag):
            new.extend(s.parts)
        else:
            new.append(s)
    if not new:
        return HClass(())
    if len(new) == 1 and not isinstance(new[0], HBag):
        return new[0]
    if not any(isinstance(s, HBag) for s in new):
        return _alternation(new)
    # Bags: decide on samples when they suffice, on distinct branches otherwise.
    if _all_branches(new, lambda s: isinstance(s, HLiteral) and len(s.chars) == 1):
        return _alternation([x for x, _ in _distinct(new)])
    if _all_branches(new, lambda s: isinstance(s, HClass)):
        return _alternation([x for x, _ in _distinct(new)])
    if _all_branches(new, lambda s: isinstance(s, HLiteral)):
        return _alternation(_listed(new))  # the literal trie depends on the order
    # Prefix lifting needs concatenations with a first item common to all.
    heads: List[Optional[Hir]] = []
    if _all_branches(new, lambda s: isinstance(s, (HConcat, HRun)) and _same_head(s, heads)):
        lifted = _lift_common_prefix(_expand_parts(new))
        assert lifted is not None
        return lifted
    if any(h is None for h in heads):
        return _alternation([expand(s) for s in _listed(new)])
    return HAltBag(new)


def _same_head(h: Hir, heads: List[Optional[Hir]]) -> bool:
    """True while all branches seen have the same first item (collected in ``heads``)."""
    got = _head(h)
    heads.append(got)
    return got is not None and got == heads[0]


def _alternation(new: List[Hir]) -> Hir:
    """``Hir::alternation`` of flattened branches without bags (compact branches allowed)."""
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
    if all(isinstance(s, (HConcat, HRun)) for s in new) and any(map(_has_compact, new)):
        # Prefix lifting needs a first item common to all branches.
        heads = [_head(s) for s in new]
        if any(h is None for h in heads) or all(h == heads[0] for h in heads):
            new = [expand(s) for s in new]
        else:
            return HAlternation(new)
    lifted = _lift_common_prefix(new)
    if lifted is not None:
        return lifted
    return HAlternation(new)


def _lift_common_prefix(parts: List[Hir]) -> Optional[Hir]:
    """Hir::alternation's prefix lifting; ``parts`` may include ``HBag``\\ s of branches.

    The common prefix of all branches is that of the distinct ones, so a bag
    is looked at once per distinct branch; each branch then loses the prefix
    (the bag's order is kept by mapping its expansion).
    """
    branches = [x for x, _ in _distinct(parts)]
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

    def suffix(h: Hir) -> Hir:
        assert isinstance(h, HConcat)
        return concat(h.subs[n:])

    return concat([*prefix, alternation(_map_branches(parts, suffix))])


def _map_branches(parts: List[Hir], f: Callable[[Hir], Hir]) -> List[Hir]:
    """``f`` applied to every branch (to those of a bag lazily, in order)."""
    out: List[Hir] = []
    for part in parts:
        out.append(_map_bag(part, f) if isinstance(part, HBag) else f(part))
    return out


def _map_bag(bag: HBag, f: Callable[[Hir], Hir]) -> HBag:
    return HBag.of([(f(x), c) for x, c in bag.branches()], lambda: _map_shared(f, bag.expand()))


def _map_shared(f: Callable[[Hir], Hir], hirs: List[Hir]) -> List[Hir]:
    """``[f(x) for x in hirs]``, computing ``f`` once per distinct object (HIRs
    are immutable; a bag's expansion repeats the same objects)."""
    done: Dict[int, Hir] = {}
    out: List[Hir] = []
    for x in hirs:
        got = done.get(id(x))
        if got is None:
            got = done[id(x)] = f(x)
        out.append(got)
    return out


def _expand_parts(parts: List[Hir]) -> List[Hir]:
    """``expand`` applied to every branch."""
    return _map_branches(parts, expand)


def _has_compact(h: Hir) -> bool:
    stack = [h]
    while stack:
        x = stack.pop()
        if isinstance(x, (HRun, HBag, HAltBag)):
            return True
        if isinstance(x, (HCapture, HRepetition)):
            stack.append(x.sub)
        elif isinstance(x, (HConcat, HAlternation)):
            stack.extend(x.subs)
    return False


def _head(h: Hir) -> Optional[Hir]:
    """The first item of the expansion of ``h`` (an ``HConcat`` or ``HRun``).

    None if that item contains a compact node (its structure is unknown
    until expanded).  A literal before an ``HRun`` merges with the run's
    leading literal, as ``concat`` would merge them.
    """
    if isinstance(h, HRun):
        got = h.head()
    else:
        assert isinstance(h, HConcat) and h.subs
        got = h.subs[0]
        if isinstance(got, HRun):
            got = got.head()
        elif isinstance(got, HLiteral) and len(h.subs) > 1 and isinstance(h.subs[1], HRun):
            nxt = h.subs[1].head()
            if isinstance(nxt, HLiteral):
                got = HLiteral(got.chars + nxt.chars)
    return None if _has_compact(got) else got


def _flat(h: Hir) -> List[Hir]:
    """The branches ``h`` gives an enclosing alternation (which flattens alternations)."""
    if isinstance(h, HAlternation):
        return h.subs
    if isinstance(h, HAltBag):
        return _listed(h.parts)
    return [h]


def _listed(parts: List[Hir]) -> List[Hir]:
    """Branches in order, with each ``HBag`` replaced by its branches."""
    out: List[Hir] = []
    for part in parts:
        if isinstance(part, HBag):
            out.extend(part.expand())
        else:
            out.append(part)
    return out


def expand(h: Hir) -> Hir:
    """``h`` without compact nodes: the HIR of the one-token-at-a-time translation.

    Returns ``h`` itself when it contains none.  An ``HRun`` inside an
    ``HConcat`` is flattened by ``concat`` (literals merge across its
    boundary, as they would have); ``HAltBag`` became one only where
    ``alternation`` yields a plain ``HAlternation``.
    """
    if isinstance(h, HRun):
        return expand(h.expand())
    if isinstance(h, HAltBag):
        return HAlternation(_map_shared(expand, _listed(h.parts)))
    if isinstance(h, (HConcat, HAlternation)):
        subs = [expand(x) for x in h.subs]
        if all(x is y for x, y in zip(subs, h.subs)):
            return h
        return concat(subs) if isinstance(h, HConcat) else HAlternation(subs)
    if isinstance(h, HCapture):
        sub = expand(h.sub)
        return h if sub is h.sub else HCapture(h.index, h.name, sub)
    if isinstance(h, HRepetition):
        sub = expand(h.sub)
        return h if sub is h.sub else HRepetition(h.min, h.max, h.greedy, sub)
    assert not isinstance(h, HBag)
    return h


def shift_captures(h: Hir, delta: int) -> Hir:
    """``h`` with every capture index increased by ``delta``."""
    if delta == 0:
        return h
    if isinstance(h, HCapture):
        return HCapture(h.index + delta, h.name, shift_captures(h.sub, delta))
    if isinstance(h, HRepetition):
        return HRepetition(h.min, h.max, h.greedy, shift_captures(h.sub, delta))
    if isinstance(h, HConcat):
        return HConcat([shift_captures(x, delta) for x in h.subs])
    if isinstance(h, HAlternation):
        return HAlternation([shift_captures(x, delta) for x in h.subs])
    if isinstance(h, HRun):
        run = h
        return HRun(
            h.pairs,
            lambda: shift_captures(run.expand(), delta),
            lambda: shift_captures(run.head(), delta),
        )
    if isinstance(h, HBag):
        bag = h
        return HBag(
            h.items,
            h.count,
            [shift_captures(x, delta) for x in h.sample],
            lambda: [(shift_captures(x, delta), c) for x, c in bag.branches()],
            lambda: [shift_captures(x, delta) for x in bag.expand()],
        )
    if isinstance(h, HAltBag):
        return HAltBag([shift_captures(x, delta) for x in h.parts])
    return h


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


class _TextOf(Dict[str, str]):
    """Literal text of a token; a ``_SEG`` of plain characters is its own text."""

    def __missing__(self, token: str) -> str:
        return token


def _chars(h: Hir) -> str:
    """The text of a literal; an empty item (``x{0}``) contributes nothing."""
    return h.chars if isinstance(h, HLiteral) else ""


# A run translated to more non-empty items than this becomes a compact node.
# Tests lower it.
COMPACT_MIN = 4096

_DUMMY_SPAN = Span(E.Position(0, 1, 1), E.Position(1, 1, 2))


def _copies(pieces: List[Tuple[int, int, int]]) -> Iterator[Tuple[int, int, int]]:
    """``(offset, length, copies)``: each piece's first copy, then its second
    standing for the other ``k - 1`` -- with ``(?flags)`` tokens, every copy
    ends with the same flags (the last value set for each flag), so all
    copies after the first start with the same ones and read alike."""
    for start, length, k in pieces:
        for copy in range(min(k, 2)):
            yield start + copy * length, length, 1 if copy == 0 else k - 1


class Translator:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.flags = Flags()
        self.compact = False  # a compact node was made

    def error(self, span: Span, message: str) -> RegexCompileError:
        return E.parse_error(self.pattern, message, span)

    def translate(self, ast: A.Ast) -> Hir:
        if isinstance(ast, A.Empty):
            return HEmpty()
        if isinstance(ast, A.SetFlags):
            # Flags objects are never changed in place once in use (a group
            # restores the object it started with; runs keep some).
            self.flags = self.flags.copy()
            self.flags.apply(ast.flags)
            return HEmpty()
        if isinstance(ast, A.Literal):
            return self.literal(ast)
        if isinstance(ast, A.LiteralRun):
            return self.literal_run(ast)
        if isinstance(ast, A.TokenRun):
            return self.token_run(ast)
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
            old = self.flags
            if ast.flags is not None:
                self.flags = old.copy()
                self.flags.apply(ast.flags)
            sub = self.translate(ast.ast)
            self.flags = old
            if ast.capture_index is None:
                return sub
            return HCapture(ast.capture_index, ast.name, sub)
        if isinstance(ast, A.Concat):
            return concat([self.translate(x) for x in ast.asts])
        assert isinstance(ast, A.Alternation)
        subs: List[Hir] = []
        for x in ast.asts:
            if isinstance(x, A.BranchRun):
                subs.extend(self.branch_run(x))
            else:
                subs.append(self.translate(x))
        return alternation(subs)

    # -- runs of simple tokens ------------------------------------------------------

    def _token(self, text: str, xmode: bool) -> Tuple[Hir, int]:
        """``(HIR, capturing groups)`` of one distinct token under the current flags.

        The token is parsed and translated on its own (with a translator for
        its text, so that a failure is cheap); its meaning does not depend on
        where it stands.  Raises the (misplaced) error if it fails.
        """
        if len(text) == 1:  # a plain character, '.', '^' or '$'
            if text == ".":
                return self.dot(_DUMMY_SPAN), 0
            if text in "^$":
                kind = A.A_START_LINE if text == "^" else A.A_END_LINE
                return HLook(self.assertion(kind)), 0
            return self.literal_char(ord(text)), 0
        ast, captures = P.parse_isolated(text, xmode)
        sub = Translator(text)
        sub.flags = self.flags.copy()
        h = sub.translate(ast)
        self.compact = self.compact or sub.compact
        return h, captures

    def _tokens(self, run: Union[A.TokenRun, A.BranchRun]) -> Tuple[Dict[str, Hir], Dict[str, int]]:
        """HIR and capture count of each distinct token; raises the first error in place."""
        memo: Dict[str, Hir] = {}
        caps: Dict[str, int] = {}
        bad: Set[str] = set()
        for text in run.counts:
            try:
                memo[text], caps[text] = self._token(text, run.xmode)
            except RegexCompileError:
                bad.add(text)
        if bad:
            off, text = P.first_token(self.pattern, run.pieces, bad, run.xmode)
            sub = Translator(self.pattern)
            sub.flags = self.flags.copy()
            sub.translate(P.parse_fragment(self.pattern, off, off + len(text), run.xmode))
            raise AssertionError(f"{text!r} failed on its own but not in place")
        return memo, caps

    @staticmethod
    def _unit(tokens: List[str], memo: Dict[str, Hir]) -> List[Hir]:
        """The items of a list of tokens (a ``_SEG`` gives one per character)."""
        out: List[Hir] = []
        for t in tokens:
            if P.is_segment(t):
                out.extend(map(memo.__getitem__, t))
            else:
                out.append(memo[t])
        return out

    def _ordered(self, run: A.TokenRun, memo: Dict[str, Hir], caps: Dict[str, int]) -> List[Hir]:
        """The run's non-empty items in order, capture indexes renumbered."""
        out: List[Hir] = []
        index = run.first_capture
        for start, length, k in run.pieces:
            tokens = P.run_tokens(self.pattern, start, length, run.xmode)
            if not any(caps.get(t) for t in tokens):
                out.extend([h for h in self._unit(tokens, memo) if not isinstance(h, HEmpty)] * k)
                continue
            for _ in range(k):
                items, index = self._numbered(tokens, memo, caps, index)
                out.extend(h for h in items if not isinstance(h, HEmpty))
        return out

    def _numbered(
        self, tokens: List[str], memo: Dict[str, Hir], caps: Dict[str, int], index: int
    ) -> Tuple[List[Hir], int]:
        """The items of ``tokens``, captures numbered from ``index``; and the next index."""
        out: List[Hir] = []
        for t in tokens:
            if P.is_segment(t):
                out.extend(map(memo.__getitem__, t))
                continue
            h = memo[t]
            if caps[t]:
                h = shift_captures(h, index - 1)
                index += caps[t]
            out.append(h)
        return out, index

    def _branch(
        self,
        run: A.BranchRun,
        text: str,
        flags: Flags,
        memo: Dict[str, Hir],
        caps: Dict[str, int],
        index: int,
    ) -> Hir:
        """The HIR of one branch of a ``BranchRun``, its captures numbered from ``index``.

        ``flags`` are those of the run (this may run later, from a bag).
        """
        if len(text) >= P._RUN_MIN_CHARS:
            # Long: as the step-by-step parser would (with runs inside).
            ast, _ = P.parse_isolated(text, run.xmode)
            sub = Translator(text)
            sub.flags = flags.copy()
            h = sub.translate(ast)
            self.compact = self.compact or sub.compact
            return shift_captures(h, index - 1)
        return concat(self._numbered(P.tokens_of(text, run.xmode), memo, caps, index)[0])

    def _branches(
        self,
        run: A.BranchRun,
        flags: Flags,
        memo: Dict[str, Hir],
        caps: Dict[str, int],
        limit: Optional[int] = None,
    ) -> List[Hir]:
        """The branches in order (the first ``limit`` or a few more).

        A branch that is itself an alternation (``(?:a|b)``) gives its
        branches, as ``alternation`` flattens it.  Without capturing groups,
        equal branch texts share one HIR and the copies of a periodic piece
        are one list repeated.
        """
        if limit is None and not any(caps.values()):
            shared: Dict[str, List[Hir]] = {}
            out: List[Hir] = []
            for start, length, k in run.pieces:
                unit: List[Hir] = []
                for text in P.run_branches(self.pattern, start, length, run.xmode):
                    got = shared.get(text)
                    if got is None:
                        got = shared[text] = _flat(self._branch(run, text, flags, memo, caps, 1))
                    unit.extend(got)
                out.extend(unit * k)
            return out
        out = []
        index = run.first_capture
        for _off, text in P.iter_branches(self.pattern, run.pieces, run.xmode):
            if limit is not None and len(out) >= limit:
                break
            out.extend(_flat(self._branch(run, text, flags, memo, caps, index)))
            index += sum(caps[t] for t in P.tokens_of(text, run.xmode) if not P.is_segment(t))
        return out

    def _distinct_branches(
        self, run: A.BranchRun, flags: Flags, memo: Dict[str, Hir], caps: Dict[str, int]
    ) -> List[Tuple[Hir, int]]:
        """Each distinct branch with its count (with captures, every branch is distinct)."""
        if any(caps.values()):
            return [(h, 1) for h in self._branches(run, flags, memo, caps)]
        counts: Dict[str, int] = {}
        for start, length, k in run.pieces:
            for text, n in Counter(P.run_branches(self.pattern, start, length, run.xmode)).items():
                counts[text] = counts.get(text, 0) + n * k
        return [
            (x, n)
            for text, n in counts.items()
            for x in _flat(self._branch(run, text, flags, memo, caps, 1))
        ]

    def token_run(self, run: A.TokenRun) -> Hir:
        """What ``concat`` of the tokens' translations gives, compact if long."""
        if any(P.is_set_flags(t) for t in run.counts):
            return self.flagged_run(run)
        memo, caps = self._tokens(run)
        pairs = [(memo[t], n) for t, n in run.counts.items() if not isinstance(memo[t], HEmpty)]
        total = sum(n for _, n in pairs)
        if total == 0:
            return HEmpty()
        if all(isinstance(h, HLiteral) for h, _ in pairs):
            # One literal, built with str operations: each token's text (a
            # run of plain characters stands for itself).
            text = _TextOf({t: _chars(h) for t, h in memo.items()})
            chars: List[str] = []
            for start, length, k in run.pieces:
                tokens = P.run_tokens(self.pattern, start, length, run.xmode)
                chars.append("".join(map(text.__getitem__, tokens)) * k)
            return HLiteral("".join(chars))
        if total <= COMPACT_MIN:
            return concat(self._ordered(run, memo, caps))
        self.compact = True
        return HRun(
            pairs,
            lambda: concat(self._ordered(run, memo, caps)),
            lambda: self._head(run, memo, caps),
        )

    def _read(
        self, lo: int, hi: int, xmode: bool, state: Flags, parsed: Dict[str, A.Flags]
    ) -> Tuple[List[Tuple[Flags, str, int]], Flags]:
        """The tokens of ``pattern[lo:hi]`` (part of a run) with the flags each is
        read under, from ``state`` on: ``(flags, token, offset)`` (plain
        characters one by one, ``(?flags)`` left out); and the flags after."""
        rx = P._rx(xmode)
        items: List[Tuple[Flags, str, int]] = []
        for m in rx.item.finditer(self.pattern, lo, hi):
            t = m.group()
            if not rx.no_gaps([t]):
                continue
            if P.is_set_flags(t):
                if t not in parsed:
                    ast = P.parse_isolated(t, xmode)[0]
                    assert isinstance(ast, A.SetFlags)
                    parsed[t] = ast.flags
                state = state.copy()
                state.apply(parsed[t])
            elif P.is_segment(t):
                items.extend((state, ch, m.start() + j) for j, ch in enumerate(t))
            else:
                items.append((state, t, m.start()))
        return items, state

    def _flag_sequence(self, run: A.TokenRun) -> List[Tuple[List[Tuple[Flags, str, int]], int]]:
        """The tokens of a run with ``(?flags)`` tokens, with the flags each is read
        under: ``[(items, copies)]`` (items as ``_read`` gives them), and leaves
        ``self.flags`` as they are after the run."""
        parsed: Dict[str, A.Flags] = {}
        state = self.flags
        out: List[Tuple[List[Tuple[Flags, str, int]], int]] = []
        for lo, length, n in _copies(run.pieces):
            items, state = self._read(lo, lo + length, run.xmode, state, parsed)
            out.append((items, n))
        self.flags = state
        return out

    def _flagged_token(
        self,
        f: Flags,
        t: str,
        off: int,
        xmode: bool,
        memo: Dict[Tuple[Any, str], Hir],
        caps: Dict[str, int],
    ) -> Tuple[Any, str]:
        """The memo key of token ``t`` read under ``f`` (at ``off``), translated
        once per key; a failure is raised from ``off``, parsed in place (the
        caller meets tokens in order, so that is the first failing one)."""
        k = ((f.i, f.m, f.dot_nl, f.swap_greed, f.unicode, f.crlf), t)
        if k not in memo:
            saved = self.flags
            self.flags = f
            try:
                memo[k], caps[t] = self._token(t, xmode)
            except RegexCompileError:
                self.translate(P.parse_fragment(self.pattern, off, off + len(t), xmode))
                raise AssertionError(f"{t!r} failed on its own but not in place") from None
            finally:
                self.flags = saved
        return k

    def flagged_run(self, run: A.TokenRun) -> Hir:
        """``token_run`` for a run with ``(?flags)`` tokens: each token is translated
        once per flag state it is read under (a failure is raised from its
        first occurrence, parsed in place), and the flags set last hold after
        the run, as after a ``SetFlags``."""
        seq = self._flag_sequence(run)
        memo: Dict[Tuple[Any, str], Hir] = {}
        caps: Dict[str, int] = {}
        keyed = [
            ([self._flagged_token(f, t, off, run.xmode, memo, caps) for f, t, off in entries], n)
            for entries, n in seq
        ]
        counts: Counter[Tuple[Any, str]] = Counter()
        for keys, n in keyed:
            for k, c in Counter(keys).items():
                counts[k] += c * n
        pairs = [(memo[k], n) for k, n in counts.items() if not isinstance(memo[k], HEmpty)]
        if not pairs:
            return HEmpty()
        if all(isinstance(h, HLiteral) for h, _ in pairs):
            text = {k: _chars(h) for k, h in memo.items()}
            return HLiteral("".join("".join(map(text.__getitem__, keys)) * n for keys, n in keyed))

        def items() -> Iterator[Hir]:
            index = run.first_capture
            for keys, n in keyed:
                if not any(caps[t] for _, t in keys):
                    unit = [h for h in map(memo.__getitem__, keys) if not isinstance(h, HEmpty)]
                    for _ in range(n):
                        yield from unit
                    continue
                for _ in range(n):
                    for k in keys:
                        h = memo[k]
                        if caps[k[1]]:
                            h = shift_captures(h, index - 1)
                            index += caps[k[1]]
                        if not isinstance(h, HEmpty):
                            yield h

        def head() -> Hir:
            lit: List[str] = []
            for y in items():
                for h in y.subs if isinstance(y, HConcat) else [y]:
                    if isinstance(h, HLiteral):
                        lit.append(h.chars)
                    elif not isinstance(h, HEmpty):
                        text = "".join(lit)
                        return HLiteral(text) if text else h
            raise AssertionError("a compact run has an item that is not a literal")

        if sum(n for _, n in pairs) <= COMPACT_MIN:
            return concat(list(items()))
        self.compact = True
        return HRun(pairs, lambda: concat(list(items())), head)

    def _head(self, run: A.TokenRun, memo: Dict[str, Hir], caps: Dict[str, int]) -> Hir:
        """The first item of the run's ``concat``: its leading literals merged, or the
        first other non-empty item (with its capture index)."""
        lit: List[str] = []
        index = run.first_capture
        for start, length, k in run.pieces:
            tokens = P.run_tokens(self.pattern, start, length, run.xmode)
            items, after = self._numbered(tokens, memo, caps, index)
            # (concat flattens a token that is a concatenation, ``(?:\da)``)
            for h in (x for y in items for x in (y.subs if isinstance(y, HConcat) else [y])):
                if isinstance(h, HLiteral):
                    lit.append(h.chars)
                elif not isinstance(h, HEmpty):
                    text = "".join(lit)
                    return HLiteral(text) if text else h
            # One copy of the piece is all literals and empty items.
            lit.append("".join(map(_chars, items)) * (k - 1))
            index = after + (k - 1) * (after - index)
        raise AssertionError("a compact run has an item that is not a literal")

    def branch_run(self, run: A.BranchRun) -> List[Hir]:
        """The branches' translations in order, or one ``HBag`` if there are many."""
        if any(P.is_set_flags(t) for t in run.counts):
            return self.flagged_branches(run)
        memo, caps = self._tokens(run)
        flags = self.flags.copy()
        if run.count <= COMPACT_MIN:
            return self._branches(run, flags, memo, caps)
        self.compact = True
        # A token that is an alternation counts as its branches: if it is a
        # whole branch, alternation() flattens it (its own states vanish).
        items = [
            (x, n)
            for t, n in run.counts.items()
            if not isinstance(memo[t], HEmpty)
            for x in (_flat(memo[t]) if isinstance(memo[t], (HAlternation, HAltBag)) else [memo[t]])
        ]
        return [
            HBag(
                items,
                run.count,
                self._branches(run, flags, memo, caps, _SAMPLE),
                lambda: self._distinct_branches(run, flags, memo, caps),
                lambda: self._branches(run, flags, memo, caps),
            )
        ]

    def flagged_branches(self, run: A.BranchRun) -> List[Hir]:
        """``branch_run`` for branches with ``(?flags)`` tokens.

        Flags set in a branch hold in the next ones (and after the run), as
        in the step-by-step translation, so each branch is read from the
        flags in force at its start (``_copies``: all copies of a piece
        after the first start with the same flags); each distinct (flags,
        branch) is translated once, its tokens once per flag state.
        """
        parsed: Dict[str, A.Flags] = {}
        memo: Dict[Tuple[Any, str], Hir] = {}
        caps: Dict[str, int] = {}
        keys: Dict[Tuple[Any, str], List[Tuple[Any, str]]] = {}  # a branch's tokens
        after: Dict[Tuple[Any, str], Flags] = {}  # the flags after a branch
        seq: List[Tuple[List[Tuple[Any, str]], int]] = []  # (branches, copies)
        state = self.flags
        for lo, length, n in _copies(run.pieces):
            branches: List[Tuple[Any, str]] = []
            off = lo
            for text in P.run_branches(self.pattern, lo, length, run.xmode):
                b = ((state.i, state.m, state.dot_nl, state.swap_greed, state.unicode,
                      state.crlf), text)  # fmt: skip
                if b not in keys:
                    items, after[b] = self._read(off, off + len(text), run.xmode, state, parsed)
                    keys[b] = [
                        self._flagged_token(f, t, o, run.xmode, memo, caps) for f, t, o in items
                    ]
                state = after[b]
                branches.append(b)
                off += len(text) + 1
            seq.append((branches, n))
        self.flags = state
        has_caps = any(caps.values())
        shared: Dict[Tuple[Any, str], List[Hir]] = {}

        def hir(b: Tuple[Any, str], index: int) -> Tuple[List[Hir], int]:
            """Branch ``b`` (flattened), captures numbered from ``index``; the next index."""
            if not has_caps:
                got = shared.get(b)
                if got is None:
                    got = shared[b] = _flat(concat([memo[k] for k in keys[b]]))
                return got, index
            out: List[Hir] = []
            for k in keys[b]:
                h = memo[k]
                if caps[k[1]]:
                    h = shift_captures(h, index - 1)
                    index += caps[k[1]]
                out.append(h)
            return _flat(concat(out)), index

        def in_order(limit: Optional[int] = None) -> List[Hir]:
            out: List[Hir] = []
            index = run.first_capture
            for branches, n in seq:
                if not has_caps and limit is None:
                    out.extend([x for b in branches for x in hir(b, index)[0]] * n)
                    continue
                for _ in range(n):
                    for b in branches:
                        if limit is not None and len(out) >= limit:
                            return out
                        got, index = hir(b, index)
                        out.extend(got)
            return out

        if run.count <= COMPACT_MIN:
            return in_order()
        self.compact = True

        def distinct() -> List[Tuple[Hir, int]]:
            if has_caps:
                return [(h, 1) for h in in_order()]
            counts: Counter[Tuple[Any, str]] = Counter()
            for branches, n in seq:
                for b in branches:
                    counts[b] += n
            return [(x, n) for b, n in counts.items() for x in hir(b, 1)[0]]

        tokens: Counter[Tuple[Any, str]] = Counter()
        for branches, n in seq:
            for b in branches:
                for k in keys[b]:
                    tokens[k] += n
        pairs = [
            (x, n)
            for k, n in tokens.items()
            if not isinstance(memo[k], HEmpty)
            for x in (_flat(memo[k]) if isinstance(memo[k], (HAlternation, HAltBag)) else [memo[k]])
        ]
        return [HBag(pairs, run.count, in_order(_SAMPLE), distinct, in_order)]

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
        text = run.text
        if not self.flags.i:
            return HLiteral(text)
        # Hir values are immutable, so repeated characters share one node.
        memo = {ch: self.literal_char(ord(ch)) for ch in set(text)}
        if all(isinstance(h, HLiteral) for h in memo.values()):
            return HLiteral(text)
        if len(text) <= COMPACT_MIN:
            return concat(list(map(memo.__getitem__, text)))
        self.compact = True
        pairs = [(memo[ch], n) for ch, n in Counter(text).items()]

        def head() -> Hir:
            folded = "".join(ch for ch, h in memo.items() if not isinstance(h, HLiteral))
            m = re.search("[" + re.escape(folded) + "]", text)
            assert m is not None
            return HLiteral(text[:m.start()]) if m.start() else memo[text[0]]

        return HRun(pairs, lambda: concat(list(map(memo.__getitem__, text))), head)

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
        if isinstance(item, A.ClassItemRun):
            return self.class_item_run(item)
        assert isinstance(item, A.ClassSetUnion)
        return _union_all([(self.class_item(x), 1) for x in item.items])

    def class_item_run(self, run: A.ClassItemRun) -> Ranges:
        """The union of a run's items, each distinct item translated once.

        An item means the same wherever it stands, so it is translated on its
        own (with a translator for its text); if that fails, its first
        occurrence is parsed and translated in place to raise the error.
        """
        parts: List[Tuple[Ranges, int]] = []
        bad: Set[str] = set()
        for text, n in run.counts.items():
            sub = Translator(text + "]")
            sub.flags = self.flags
            try:
                parts.append((sub.class_item(P.parse_class_item(text + "]", 0, run.xmode)), n))
            except RegexCompileError:
                bad.add(text)
        if bad:
            off = P.first_class_item(self.pattern, run, bad)
            self.class_item(P.parse_class_item(self.pattern, off, run.xmode))
            raise AssertionError("a class item failed on its own but not in place")
        return _union_all(parts)


def _union_all(parts: List[Tuple[Ranges, int]]) -> Ranges:
    """``C.union`` of the parts in order (``(ranges, copies)``), in one ``canon``.

    As folding ``C.union`` from the empty set: a lone non-empty part is
    returned as it is, two or more are canonicalised together.
    """
    full = [(rs, n) for rs, n in parts if rs]
    if not full:
        return ()
    if len(full) == 1 and full[0][1] == 1:
        return full[0][0]
    return C.canon([r for rs, _ in full for r in rs])


def translate(pattern: str, ast: A.Ast) -> Hir:
    """The HIR of ``ast``; raises translation errors, and the size-limit error
    when a long run alone proves the NFA too big (see the module docstring)."""
    t = Translator(pattern)
    with P.gc_paused(pattern):
        h = t.translate(ast)
    if t.compact:
        from .size import exceeds_lower_bound  # _size imports this module

        if exceeds_lower_bound(h):
            raise E.size_limit_error(pattern)
        h = expand(h)
    return h


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
