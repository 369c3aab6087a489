"""The position (Glushkov) automaton of a HIR, for the bit-parallel engine (``bitnfa``).

Positions are laid out left to right (the copies of a counted repetition one after
the other), and the follow relation is kept as Glushkov builds it: runs of one class
and literals are *chains* (``p -> p + 1``), every concatenation and loop adds a
*biclique* ``last(X) x first(Y)``, the copies of a nullable body are a *suffix
chain* (``Builder.nullable_copies``) and a run of nullable items of a
concatenation a *nullable chain* (``Builder.nullable_chain``).  Entries carry the
look-around conditions on the way to them (``Cond``: all must hold at the boundary).
The construction is a walk over an explicit stack (``iterative.run``).
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from . import hir as H
from .charset import Ranges
from .iterative import Walk, run

Cond = FrozenSet[str]
Entry = Tuple[int, Cond]


class Entries:
    """An immutable list of ``(position, condition)`` built by sharing: concatenation
    makes a node over both parts, so ``last`` of ``X{0,n}`` (the union of every
    copy's) costs O(n) in total, not O(n^2)."""

    __slots__ = ("_flat", "leaf", "parts", "size")

    def __init__(self, leaf: Sequence[Entry] = (), parts: Sequence[Entries] = ()) -> None:
        self.leaf = leaf
        self.parts = parts
        self.size: int = len(leaf) + sum(p.size for p in parts)
        self._flat: Optional[List[Entry]] = None

    def __add__(self, other: Entries) -> Entries:
        if not other.size:
            return self
        if not self.size:
            return other
        return Entries(parts=(self, other))

    def flat(self) -> List[Entry]:
        if self._flat is None:
            out: List[Entry] = []
            stack: List[Entries] = [self]
            while stack:
                e = stack.pop()
                if e._flat is not None:
                    out.extend(reversed(e._flat))
                    continue
                out.extend(reversed(e.leaf))
                stack.extend(e.parts)
            out.reverse()
            self._flat = out
        return self._flat


EMPTY = Entries()

NO_COND: Cond = frozenset()
#: Single edges a biclique may expand to before it is kept as one test.
MAX_EXPANDED = 16
#: Construction limits (positions, entry-list work); beyond them the engine is unavailable.
MAX_POSITIONS = 1_000_000
MAX_BUILD_WORK = 6_000_000
#: Build units per entry copied with a condition added (a new tuple each, kept: ~70
#: bytes), so that the copies stay under ~50 MB.
COPY_WEIGHT = 8
#: Repetitions of a nullable body with at least this many copies use a suffix chain.
SUFFIX_MIN_COPIES = 4
#: Runs of at least this many nullable items of a concatenation use a nullable chain.
CHAIN_MIN = 3

class Unavailable(Exception):
    """The pattern is too large for the bit-parallel engine."""


class _Frag:
    __slots__ = ("first", "last", "null")

    def __init__(self, first: Entries, last: Entries, null: Set[Cond]) -> None:
        self.first = first
        self.last = last
        self.null = null


def _with(entries: Entries, nulls: Set[Cond]) -> Entries:
    """``entries`` with each null condition added (the ways through a nullable part)."""
    if nulls == {NO_COND}:
        return entries
    out: Dict[Entry, None] = {}
    # One union per distinct pair (a frozenset per entry would be ~200 bytes each).
    unions: Dict[Tuple[Cond, Cond], Cond] = {}
    for nc in nulls:
        for p, c in entries.flat():
            if nc:
                u = unions.get((c, nc))
                if u is None:
                    u = unions[(c, nc)] = c | nc
                c = u
            out[(p, c)] = None
    return Entries(list(out))


class Builder:
    def __init__(self) -> None:
        self.cls: List[int] = []
        self.classes: List[Ranges] = []
        self._class_ids: Dict[Ranges, int] = {}
        self.bicliques: List[Tuple[Entries, Entries]] = []
        self.chains: List[Tuple[int, int]] = []  # (a, b): edges p -> p + 1 for a <= p < b
        # (base, period, lasts, firsts) of nullable copies: see ``nullable_copies``.
        self.suffixes: List[Tuple[int, int, Entries, Entries]] = []
        # (lasts, firsts, item starts) of runs of nullable items: see ``nullable_chain``.
        self.chains_nullable: List[Tuple[Entries, Entries, List[int]]] = []
        self.work = 0

    def _charge(self, n: int) -> None:
        self.work += n
        if self.work > MAX_BUILD_WORK:
            raise Unavailable()

    def position(self, rs: Ranges) -> int:
        if len(self.cls) >= MAX_POSITIONS:
            raise Unavailable()
        cid = self._class_ids.get(rs)
        if cid is None:
            cid = len(self.classes)
            self.classes.append(rs)
            self._class_ids[rs] = cid
        self.cls.append(cid)
        return len(self.cls) - 1

    def link(self, last: Entries, first: Entries) -> None:
        if last.size and first.size:
            self.bicliques.append((last, first))
            self._charge(1)

    def build(self, h: H.Hir) -> _Frag:
        """The fragment of ``h`` (positions laid out left to right)."""
        frag: _Frag = run(self._step, h)
        return frag

    def _step(self, h: H.Hir) -> Any:
        """A leaf's fragment, or the walk of a composite node."""
        t = type(h)
        if t is H.HEmpty:
            return _Frag(EMPTY, EMPTY, {NO_COND})
        if t is H.HLook:
            return _Frag(EMPTY, EMPTY, {frozenset([h.look])})  # type: ignore[attr-defined]
        if t is H.HClass:
            one = Entries([(self.position(h.ranges), NO_COND)])  # type: ignore[attr-defined]
            return _Frag(one, one, set())
        if t is H.HLiteral:
            ps = [self.position(((ord(c), ord(c)),)) for c in h.chars]  # type: ignore[attr-defined]
            self.chains.append((ps[0], ps[-1]))
            self._charge(len(ps))
            return _Frag(Entries([(ps[0], NO_COND)]), Entries([(ps[-1], NO_COND)]), set())
        return self._walk(h)

    def _walk(self, h: H.Hir) -> Walk[_Frag]:
        if isinstance(h, H.HCapture):
            return (yield h.sub)  # type: ignore[no-any-return]
        if isinstance(h, H.HConcat):
            return self.concat((yield from self.items(h.subs)))
        if isinstance(h, H.HAlternation):
            firsts: List[Entries] = []
            lasts: List[Entries] = []
            null: Set[Cond] = set()
            for s in h.subs:
                f = yield s
                firsts.append(f.first)
                lasts.append(f.last)
                null |= f.null
            self._charge(len(h.subs))
            return _Frag(Entries(parts=firsts), Entries(parts=lasts), null)
        assert isinstance(h, H.HRepetition)
        if _one_char(h.sub) is not None:
            return self.run(h)
        count = h.max if h.max is not None else max(1, h.min)
        if count == 0:
            return _Frag(EMPTY, EMPTY, {NO_COND})
        base = len(self.cls)
        # The copies laid out one after the other (so their edges are translations of
        # each other).
        copies: List[_Frag] = [(yield h.sub)]
        if count >= SUFFIX_MIN_COPIES and _free_nullable(copies[0]):
            for _ in range(count - 1):
                copies.append((yield h.sub))
            return self.nullable_copies(h, copies, base)
        if h.max is None:
            for _ in range(max(0, h.min - 1)):
                copies.append((yield h.sub))
            loop = copies[-1]  # X{m,} = X^(m-1) X+
            self.link(loop.last, loop.first)
            null = set(loop.null)
            if h.min == 0:
                null.add(NO_COND)
            copies[-1] = _Frag(loop.first, loop.last, null)
            return self.concat(copies)
        for _ in range(h.max - 1):
            copies.append((yield h.sub))
        parts = copies[:h.min]
        # Nested from the innermost: X{0,3} = (X(X(X)?)?)?.
        tail: Optional[_Frag] = None
        for x in reversed(copies[h.min:]):
            inner = self.concat([x, tail]) if tail is not None else x
            tail = _Frag(inner.first, inner.last, inner.null | {NO_COND})
        if tail is not None:
            parts.append(tail)
        return self.concat(parts)

    def nullable_copies(self, h: H.HRepetition, frags: List[_Frag], base: int) -> _Frag:
        """``X{m,n}`` / ``X{m,}`` of an unconditionally nullable ``X`` without looks at
        its ends: from copy ``i`` every later copy can be entered (the ones between
        match the empty string), so the inter-copy edges are one *suffix chain*
        (``BitNFA``: all firsts of the copies after the lowest live last) instead of
        a biclique per copy; every copy's first is a first and every last a last."""
        count = len(frags)
        period = (len(self.cls) - base) // count
        if period == 0 or len(self.cls) - base != period * count:  # pragma: no cover
            raise Unavailable()  # copies are built identically; never happens
        if count > 1:
            self.suffixes.append((
                base, period,
                Entries(parts=[f.last for f in frags[:-1]]),
                Entries(parts=[f.first for f in frags[1:]]),
            ))
        if h.max is None:
            self.link(frags[-1].last, frags[-1].first)  # X{m,} = X^(m-1) X+
        self._charge(count)
        return _Frag(
            Entries(parts=[f.first for f in frags]), Entries(parts=[f.last for f in frags]),
            {NO_COND},
        )

    def nullable_chain(self, frags: List[_Frag], k: int) -> int:
        """The last index of a run ``frags[k..e]`` of at least ``CHAIN_MIN`` items that are
        nullable without a condition (``-1`` if there is none).  Its inner edges (every
        last of an item to every first of each later item, the items between matching
        the empty string) are one *nullable chain* (``BitNFA``: all firsts of the items
        after the lowest live last's item) instead of a biclique per item.  An edge's
        condition is its last's and its first's together, so the chain's masks are
        built per boundary context like a biclique's."""
        e = k
        spans: List[Tuple[int, int]] = []
        while e < len(frags):
            f = frags[e]
            if f.null != {NO_COND} or not f.first.size or not f.last.size:
                break
            both = (f.first + f.last).flat()
            self._charge(len(both))
            lo, hi = min(p for p, _ in both), max(p for p, _ in both)
            if spans and lo <= spans[-1][1]:  # pragma: no cover - items are laid out in order
                break
            spans.append((lo, hi))
            e += 1
        if e - k < CHAIN_MIN:
            return -1
        run = frags[k:e]
        self.chains_nullable.append((
            Entries(parts=[f.last for f in run[:-1]]),
            Entries(parts=[f.first for f in run[1:]]),
            [lo for lo, _ in spans[1:]],
        ))
        return e - 1

    def items(self, subs: List[H.Hir]) -> Walk[List[_Frag]]:
        """Fragments of a concatenation; a stretch of one-character items (the classes of
        a case-insensitive word, say) is consecutive positions and one chain."""
        out: List[_Frag] = []
        i = 0
        while i < len(subs):
            j = i
            while j < len(subs) and _one_char(subs[j]) is not None:
                j += 1
            if j - i < 2:
                out.append((yield subs[i]))
                i += 1
                continue
            ps = []
            for x in subs[i:j]:
                rs = _one_char(x)
                assert rs is not None
                ps.append(self.position(rs))
            self.chains.append((ps[0], ps[-1]))
            self._charge(len(ps))
            out.append(_Frag(Entries([(ps[0], NO_COND)]), Entries([(ps[-1], NO_COND)]), set()))
            i = j
        return out

    def run(self, h: H.HRepetition) -> _Frag:
        """``C{m,n}`` / ``C{m,}`` of one class: consecutive positions, one chain."""
        rs = _one_char(h.sub)
        assert rs is not None
        count = h.max if h.max is not None else max(1, h.min)
        if count == 0:
            return _Frag(EMPTY, EMPTY, {NO_COND})
        if len(self.cls) + count > MAX_POSITIONS:
            raise Unavailable()
        a = self.position(rs)
        self.cls.extend([self.cls[a]] * (count - 1))
        b = a + count - 1
        self.chains.append((a, b))
        self._charge(count)
        if h.max is None:
            self.link(Entries([(b, NO_COND)]), Entries([(b, NO_COND)]))  # the loop
            last = Entries([(b, NO_COND)])
        else:
            last = Entries([(p, NO_COND) for p in range(a + max(0, h.min - 1), b + 1)])
        return _Frag(Entries([(a, NO_COND)]), last, {NO_COND} if h.min == 0 else set())

    def concat(self, frags: List[_Frag]) -> _Frag:
        if not frags:
            return _Frag(EMPTY, EMPTY, {NO_COND})
        acc = frags[0]
        chained = -1  # frags[k] with k <= chained are linked by a nullable chain
        for k in range(1, len(frags)):
            f = frags[k]
            if k > chained:
                chained = self.nullable_chain(frags, k)
                if chained >= k:
                    # ``acc.last`` reaches the first positions of every item in the
                    # chain (they are all nullable): one biclique.
                    self.link(acc.last, Entries(parts=[g.first for g in frags[k:chained + 1]]))
            if k > chained:
                self.link(acc.last, f.first)
            # A conditional null copies the entries with the condition added: charged,
            # as a run of conditional nullable items copies its lasts at every item.
            if acc.null and acc.null != {NO_COND}:
                self._charge(COPY_WEIGHT * len(acc.null) * f.first.size)
            if f.null and f.null != {NO_COND}:
                self._charge(COPY_WEIGHT * len(f.null) * acc.last.size)
            first = acc.first + _with(f.first, acc.null) if acc.null else acc.first
            last = f.last + _with(acc.last, f.null) if f.null else f.last
            null = {a | b for a in acc.null for b in f.null}
            self._charge(1 + len(null))
            acc = _Frag(first, last, null)
        return acc


def _free_nullable(f: _Frag) -> bool:
    """Nullable without a condition, and no condition on its first/last entries."""
    if NO_COND not in f.null or f.first.size + f.last.size > 4 * MAX_EXPANDED:
        return False
    return all(not c for _, c in (f.first + f.last).flat())


def _one_char(h: H.Hir) -> Optional[Ranges]:
    """The class of ``h`` if it matches exactly one character from a class, else None."""
    while isinstance(h, H.HCapture):
        h = h.sub
    if isinstance(h, H.HClass):
        return h.ranges
    if isinstance(h, H.HLiteral) and len(h.chars) == 1:
        o = ord(h.chars)
        return ((o, o),)
    return None
