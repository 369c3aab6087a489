"""The position (Glushkov) automaton of a HIR, for the bit-parallel engine (``bitnfa``).

Positions are laid out left to right (the copies of a counted repetition one after
the other), and the follow relation is kept as Glushkov builds it: runs of one class
and literals are *chains* (``p -> p + 1``), every concatenation and loop adds a
*biclique* ``last(X) x first(Y)``, the copies of a nullable body under an unbounded
repetition are a *suffix chain* (``Builder.nullable_copies``) and a run of nullable
items of a concatenation (the optional copies of ``X{m,n}`` among them) a *nullable
chain* (``Builder.nullable_chain``).  Entries carry the
look-around conditions on the way to them (``Cond``: all must hold at the boundary).
The construction is a walk over an explicit stack (``iterative.run``).
"""

from __future__ import annotations

from typing import AbstractSet, Any, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, TypeVar

from . import hir as H
from .charset import Ranges
from .iterative import Walk, run

Cond = FrozenSet[str]
Entry = Tuple[int, Cond]


T = TypeVar("T")

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
#: An item of a nullable chain: (its null conditions, firsts, lasts, lowest position or -1).
ChainItem = Tuple[FrozenSet[Cond], Entries, Entries, int]

NO_COND: Cond = frozenset()
#: Single edges a biclique may expand to before it is kept as one test.
MAX_EXPANDED = 16
#: Construction limits (positions, entry-list work); beyond them the engine is unavailable.
MAX_POSITIONS = 1_000_000
MAX_BUILD_WORK = 6_000_000
#: Build units per entry copied with a condition added (a new tuple each, kept: ~70
#: bytes), so that the copies stay under ~50 MB.
COPY_WEIGHT = 8
#: Unbounded repetitions of a nullable body with at least this many copies use a suffix
#: chain (bounded ones are a nullable chain of optional copies).
SUFFIX_MIN_COPIES = 4
#: Runs of nullable items of a concatenation with at least this many items holding
#: positions use a nullable chain.
CHAIN_MIN = 3

class Unavailable(Exception):
    """The pattern is too large for the bit-parallel engine."""


class _Frag:
    __slots__ = ("chain", "first", "last", "null")

    def __init__(
        self, first: Entries, last: Entries, null: Set[Cond],
        chain: Optional[List[ChainItem]] = None,
    ) -> None:
        self.first = first
        self.last = last
        self.null = null
        # the items of the nullable chain this fragment is, wholly: a chain it is an
        # item of takes them over (``Builder.nullable_chain``)
        self.chain = chain


def _with(
    entries: Entries, nulls: Set[Cond], unions: Dict[Tuple[Cond, Cond], Cond]
) -> Entries:
    """``entries`` with each null condition added (the ways through a nullable part).
    ``unions`` holds one union per distinct pair for the whole build (a frozenset per
    entry would be ~200 bytes each, and the copies of a repetition meet the same few
    pairs: a dict per call kept 60 000 equal unions for ``(?:a?\\b){20000}``)."""
    if nulls == {NO_COND}:
        return entries
    out: Dict[Entry, None] = {}
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
        # the items of runs of nullable items: see ``nullable_chain``.
        self.chains_nullable: List[List[ChainItem]] = []
        self.work = 0
        self._unions: Dict[Tuple[Cond, Cond], Cond] = {}  # see ``_with``
        # one object per distinct condition and null set (each copy made its own)
        self._interned: Dict[Any, Any] = {}

    def _intern(self, value: T) -> T:
        got: T = self._interned.setdefault(value, value)
        return got

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
            return _Frag(EMPTY, EMPTY, {self._intern(frozenset([h.look]))})  # type: ignore[attr-defined]
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
        if h.max is None and count >= SUFFIX_MIN_COPIES and _free_nullable(copies[0]):
            for _ in range(count - 1):
                copies.append((yield h.sub))
            return self.nullable_copies(copies, base)
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
        # X{m,n} = X^m (X?)^(n-m): the same language as the nested (X(X(X)?)?)? (the
        # lazy DFA's form), and a run of optional copies is one nullable chain, built in
        # linear work (nested, each level flattened and copied the tail: quadratic).
        parts = copies[:h.min] + [
            _Frag(x.first, x.last, x.null | {NO_COND}) for x in copies[h.min:]
        ]
        return self.concat(parts)

    def nullable_copies(self, frags: List[_Frag], base: int) -> _Frag:
        """``X{m,}`` of an unconditionally nullable ``X`` without looks at its ends
        (``X{m,n}`` is a chain of optional copies): from copy ``i`` every later copy can
        be entered (the ones between match the empty string), so the inter-copy edges
        are one *suffix chain* (``BitNFA``: all firsts of the copies after the lowest
        live last) instead of a biclique per copy; every copy's first is a first and
        every last a last."""
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
        self.link(frags[-1].last, frags[-1].first)  # X{m,} = X^(m-1) X+
        self._charge(count)
        return _Frag(
            Entries(parts=[f.first for f in frags]), Entries(parts=[f.last for f in frags]),
            {NO_COND},
        )

    def nullable_chain(self, frags: List[_Frag], k: int) -> Tuple[int, Optional[_Frag]]:
        """A run ``frags[k..e]`` of nullable items (under any condition: a loop, ``\\b``,
        ``(?:ab|\\b)``) with at least ``CHAIN_MIN`` items holding positions, as
        ``(e, fragment)``; ``(e, None)`` if there is none (nor from any later item of
        the run, which ends at item ``e - 1`` then: the items need not be scanned again).

        Its inner edges (every last of an item to every first of each later item, the
        items between matching the empty string) are one *nullable chain* (``BitNFA``:
        per boundary context the items whose null condition fails are walls, and
        between two walls every first after the lowest live last's item follows)
        instead of a biclique per pair of items.  The fragment's firsts and lasts are
        each item's, copied once with the null conditions of the items before (after)
        it: linear in the run, where item-by-item concatenation copies the lasts
        gathered so far at every conditional item (quadratic)."""
        e = k
        items: List[ChainItem] = []
        inner: List[List[ChainItem]] = []
        top = -1
        while e < len(frags):
            f = frags[e]
            if not f.null:
                break
            if f.chain and min(it[3] for it in f.chain if it[3] >= 0) > top:
                # a chain itself (``(?:x?){4}``): its items join this one
                inner.append(f.chain)
                items.extend(f.chain)
                top = max(top, max(_top(it) for it in f.chain))
                e += 1
                continue
            lo = -1
            if f.first.size or f.last.size:
                both = (f.first + f.last).flat()
                self._charge(len(both))
                lo = min(p for p, _ in both)
                if lo <= top:  # pragma: no cover - items are laid out in order
                    break
                top = max(p for p, _ in both)
            items.append((self._intern(frozenset(f.null)), f.first, f.last, lo))
            e += 1
        if sum(1 for it in items if it[3] >= 0) < CHAIN_MIN:
            return e, None  # nor does one start later in the run: it is a suffix
        for absorbed in inner:
            absorbed.clear()  # no longer a chain of its own
        self.chains_nullable.append(items)
        firsts: List[Entries] = []
        before: Set[Cond] = {NO_COND}
        for nulls, first, _, _ in items:
            firsts.append(self._with_charged(first, before))
            before = self._conj(before, nulls)
        lasts: List[Entries] = []
        after: Set[Cond] = {NO_COND}
        for nulls, _, last, _ in reversed(items):
            lasts.append(self._with_charged(last, after))
            after = self._conj(after, nulls)
        lasts.reverse()
        return e - 1, _Frag(Entries(parts=firsts), Entries(parts=lasts), before, items)

    def _with_charged(self, entries: Entries, nulls: Set[Cond]) -> Entries:
        if nulls != {NO_COND} and entries.size:
            self._charge(COPY_WEIGHT * len(nulls) * entries.size)
        return _with(entries, nulls, self._unions)

    def _conj(self, a: AbstractSet[Cond], b: AbstractSet[Cond]) -> Set[Cond]:
        """The ways through two nullable parts in a row (both conditions hold)."""
        if len(a) == 1 and NO_COND in a:  # the common case: a part nullable as it is
            out = set(b)
        elif len(b) == 1 and NO_COND in b:
            out = set(a)
        else:
            out = {x | y for x in a for y in b}
        self._charge(1 + len(out))
        return out

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
        acc: Optional[_Frag] = None
        k = 0
        plain = 0  # frags[k] for k < plain start no chain
        while k < len(frags):
            chain = None
            if k >= plain:
                e, chain = self.nullable_chain(frags, k)
                plain = e
            if chain is not None:
                f, k = chain, plain + 1
            else:
                f, k = frags[k], k + 1
            if acc is None:
                acc = f
                continue
            self.link(acc.last, f.first)
            # A conditional null copies the entries with the condition added: charged,
            # as a run of conditional nullable items copies its lasts at every item.
            first = acc.first + self._with_charged(f.first, acc.null) if acc.null else acc.first
            last = f.last + self._with_charged(acc.last, f.null) if f.null else f.last
            acc = _Frag(first, last, self._conj(acc.null, f.null))
        assert acc is not None
        return acc


def _top(item: ChainItem) -> int:
    """The highest position of a chain item (-1 if it has none)."""
    _, first, last, lo = item
    if lo < 0:
        return -1
    return max(p for p, _ in (first + last).flat())


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
