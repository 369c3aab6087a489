"""Bit-parallel simulation of the position (Glushkov) automaton.

The lazy DFA (``nfa``) answers in O(1) per character while its cache holds;
on an input that visits a new DFA state at almost every character (an
exponential DFA such as ``[ab]*a[ab]{20000}c``) each miss costs a closure over
thousands of NFA states.  This engine costs a fixed number of big-integer
operations per character instead, each over one bit per position.

The set ``D`` of positions that have just consumed a character is a Python
``int``.  Glushkov's follow relation is the union of *bicliques*
``last(X) × first(Y)`` (one per concatenation ``XY`` and per loop ``X*``).
Small bicliques are split into single edges ``p -> q`` and grouped by the
distance ``q - p``: ``follow(D) = OR_d shift(D & S_d, d)``.  Copies of a
counted repetition are laid out one after the other, so their edges share
distances and the number of groups does not grow with the count.  A large
biclique (an alternation's branches, the exits of ``X{0,n}``) is one test
``if D & L: acc |= F``; the translated copies of one (a biclique in every
copy of a repetition) are one *family*, applied to all copies with a carry
into guard bits and a multiplication (``_family_masks``); the copies of a
nullable body are one *suffix chain* (``_Builder.nullable_copies``).
Look-arounds sit on edges as conditions on the boundary between the previous
and the next character; the masks are built once per distinct boundary
context (a handful of bits) and cached.

Per character: ``D = (follow(D) | first) & chars[c]``, with ``first`` added
at every boundary for an unanchored search; a match is a position of ``D`` in
``last`` (or an empty match) under the boundary's context.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from . import hir as H
from .charset import Ranges
from .iterative import Walk, run
from .looks import EDGE, NEXT_SHIFT, char_bits, context_masks, holds
from .origin import Rebuildable, Source

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
#: Groups of lone large bicliques and families (a few mask operations per character
#: each) the engine accepts: at most ``MAX_GROUPS``, and at most ``MAX_GROUP_BITS``
#: over all positions (groups x positions: the per-character cost and the masks'
#: memory); lone large bicliques (a few operations each while live): ``MAX_LONE``.
MAX_GROUPS = 4096
MAX_GROUP_BITS = 64 << 20
MAX_LONE = 4096
#: Lone bicliques and groups are tested in chunks of this many (by position), each
#: skipped with one test while none of its last positions is live.
CHUNK = 16
#: Bits of the lone bicliques' first positions (their spans) the engine accepts.
MAX_LONE_BITS = 1 << 26
#: Repetitions of a nullable body with at least this many copies use a suffix chain.
SUFFIX_MIN_COPIES = 4
#: Runs of at least this many nullable items of a concatenation use a nullable chain.
CHAIN_MIN = 3
#: Translations of one large biclique applied together (``_families``) from this many on.
FAMILY_MIN = 4
#: Bytes of cached per-character masks before the cache is dropped.
MAX_CHARMASK_BYTES = 8 << 20


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
    for nc in nulls:
        for p, c in entries.flat():
            out[(p, c | nc if nc else c)] = None
    return Entries(list(out))


class _Builder:
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
            first = acc.first + _with(f.first, acc.null) if acc.null else acc.first
            last = f.last + _with(acc.last, f.null) if f.null else f.last
            null = {a | b for a in acc.null for b in f.null}
            self._charge(1 + len(null))
            acc = _Frag(first, last, null)
        return acc


class _Table:
    """Masks for one boundary context."""

    __slots__ = ("chains", "chunks", "cost", "families", "first", "groups", "last", "null")

    def __init__(
        self, groups: List[Tuple[int, int]], chunks: List[Chunk],
        families: List[Tuple[int, int, int, int, int]], chains: List[Tuple[int, int, List[int]]],
        first: int, last: int, null: bool,
    ) -> None:
        self.chains = chains
        self.families = families
        self.groups = groups
        self.chunks = chunks
        self.first = first
        self.last = last
        self.null = null
        # mask operations per character
        self.cost = (
            2 * len(groups) + len(chunks) + 6 * len(families) + 4 * len(chains)
        )


class Stats:
    """Work counters (instrumentation for tests and benchmarks)."""

    __slots__ = ("chars", "ops", "tables")

    def __init__(self) -> None:
        self.chars = 0  # characters simulated
        # big-integer mask operations (each over at most one bit per position)
        self.ops = 0
        self.tables = 0  # boundary contexts whose masks were built


class BitNFA(Rebuildable):
    """``is_match`` by bit-parallel simulation (raises ``Unavailable`` if too large).

    Pickles by reference to its pattern (``source``), never its masks."""

    part = "bits"

    def __init__(self, hir: H.Hir, source: Optional[Source] = None) -> None:
        self.source = source
        b = _Builder()
        top = b.build(hir)
        self.positions = len(b.cls)
        self.anchored = H.anchored_start(hir)
        self._top = top
        self._class_ranges = [([lo for lo, _ in rs], [hi for _, hi in rs]) for rs in b.classes]
        by_class: List[List[int]] = [[] for _ in b.classes]
        for p, cid in enumerate(b.cls):
            by_class[cid].append(p)
        self._class_masks = [_bits(ps) for ps in by_class]
        # Singleton edges p -> p + d under a condition, as condition -> d -> sources,
        # and the bicliques kept whole.
        edges: Dict[Cond, Dict[int, List[int]]] = {}
        ones = edges.setdefault(NO_COND, {}).setdefault(1, [])
        for lo, hi in b.chains:
            ones.extend(range(lo, hi))
        big: List[Tuple[Entries, Entries]] = []
        for last, first in b.bicliques:
            if last.size * first.size <= MAX_EXPANDED:
                for p, c1 in last.flat():
                    for q, c2 in first.flat():
                        edges.setdefault(c1 | c2, {}).setdefault(q - p, []).append(p)
            else:
                big.append((last, first))
        # Each large biclique is a test per character, and its masks are built per
        # context: too many (chains of nullable copies, ``(?:a?){3000}``) and this
        # engine would be no better than the DFA's closures.
        if sum(x.size + y.size for x, y in big) > MAX_BUILD_WORK:
            raise Unavailable()
        self._big, self._families = _families(big)
        self._lone = _lone_groups(self._big)
        groups = len(self._lone) + len(self._families)
        if (
            groups > MAX_GROUPS
            or groups * self.positions > MAX_GROUP_BITS
            or len(self._big) > MAX_LONE
        ):
            raise Unavailable()
        spans = 0
        for _, first in self._big:
            fs = [q for q, _ in first.flat()]
            spans += max(fs) - min(fs) + 1
        if spans > MAX_LONE_BITS:  # their first positions are kept per boundary context
            raise Unavailable()
        self._edges = edges
        self._suffixes = [
            (base, period, _mask(lasts, _always), _mask(firsts, _always))
            for base, period, lasts, firsts in b.suffixes
        ]
        self._nullable_chains = b.chains_nullable
        looks: Set[str] = set()
        for c in edges:
            looks |= c
        for last, first in big:
            for _, c in (last + first).flat():
                looks |= c
        for lasts, firsts, _ in b.chains_nullable:
            for _, c in (lasts + firsts).flat():
                looks |= c
        for _, c in (top.first + top.last).flat():
            looks |= c
        for c in top.null:
            looks |= c
        self._prev_mask, self._next_mask = context_masks(looks)
        self._tables: Dict[int, _Table] = {}
        self._chars: Dict[str, Tuple[int, int, int]] = {}
        self._char_bytes = 0
        self.stats = Stats()

    # -- per-context masks ---------------------------------------------------------

    def _table(self, ctx: int) -> _Table:
        got = self._tables.get(ctx)
        if got is None:
            got = self._tables[ctx] = self._build_table(ctx)
            self.stats.tables += 1
        return got

    def _build_table(self, ctx: int) -> _Table:
        memo: Dict[Cond, bool] = {}

        def ok(c: Cond) -> bool:
            if not c:
                return True
            got = memo.get(c)
            if got is None:
                got = memo[c] = all(holds(look, ctx) for look in c)
            return got

        by_delta: Dict[int, List[int]] = {}
        for c, deltas in self._edges.items():
            if ok(c):
                for d, sources in deltas.items():
                    by_delta.setdefault(d, []).extend(sources)
        # A group whose sources are every position that has a position ``d`` away
        # needs no mask: the bits it would clear are shifted off the end (or below 0).
        m = self.positions
        groups: List[Tuple[int, int]] = []
        for d, ps in sorted(by_delta.items(), key=lambda item: -len(item[1])):
            full = len(set(ps)) == (m - d if d >= 0 else m + d)
            groups.append((d, -1 if full else _bits(ps)))
        tests: List[Tuple[int, Any]] = []  # (lowest last, a biclique or a group's masks)
        for group in self._lone:
            live = []
            for lo, hi, last, first in group:
                lm = _mask(last, ok)
                fm = _mask(first, ok)
                if lm and fm:
                    live.append((lo, hi, lm, fm))
            if len(live) == 1:
                tests.append((live[0][0], live[0][2:]))
            elif live:
                tests.append((live[0][0], _lone_masks(live)))
        tests.sort(key=lambda x: x[0])
        chunks: List[Chunk] = []
        for i in range(0, len(tests), CHUNK):
            part = [x for _, x in tests[i:i + CHUNK]]
            union = 0
            for x in part:
                union |= x[0]
            chunks.append((
                union, [x for x in part if len(x) == 2], [x for x in part if len(x) == 4],
            ))
        families: List[Tuple[int, int, int, int, int]] = []
        for rel_last, rel_first, offsets in self._families:
            families.extend(_family_masks(
                [o for o, c in rel_last if ok(c)], [o for o, c in rel_first if ok(c)], offsets,
            ))
        chains: List[Tuple[int, int, List[int]]] = []
        for lasts, firsts, starts in self._nullable_chains:
            lm = _mask(lasts, ok)
            fm = _mask(firsts, ok)
            if lm and fm:
                chains.append((lm, fm, starts))
        top = self._top
        null = any(ok(c) for c in top.null)
        return _Table(
            groups, chunks, families, chains, _mask(top.first, ok), _mask(top.last, ok),
            null,
        )

    # -- per-character data --------------------------------------------------------

    def _char(self, c: str) -> Tuple[int, int, int]:
        """(previous-character bits, next-character bits << NEXT_SHIFT, positions whose class
        holds ``c``), cached up to ``MAX_CHARMASK_BYTES`` of masks."""
        got = self._chars.get(c)
        if got is None:
            o = ord(c)
            mask = 0
            for cid, (los, his) in enumerate(self._class_ranges):
                i = bisect_right(los, o) - 1
                if i >= 0 and o <= his[i]:
                    mask |= self._class_masks[cid]
            bits = char_bits(c)
            got = (bits & self._prev_mask, (bits & self._next_mask) << NEXT_SHIFT, mask)
            size = (mask.bit_length() >> 3) + 200
            if self._char_bytes + size > MAX_CHARMASK_BYTES:
                self._chars.clear()
                self._char_bytes = 0
            self._chars[c] = got
            self._char_bytes += size
        return got

    # -- the search ------------------------------------------------------------------

    def is_match(self, s: str) -> bool:
        anchored = self.anchored
        suffixes = self._suffixes
        fixed = 4 * len(suffixes)
        chars = self._chars
        tables = self._tables
        d = 0
        prev = EDGE & self._prev_mask
        ops = 0
        i = 0
        for c in s:
            got = chars.get(c)
            pb, nb, cm = got if got is not None else self._char(c)
            t = tables.get(prev | nb)
            if t is None:
                t = self._table(prev | nb)
            if d & t.last or (t.null and (not anchored or i == 0)):
                self._count(ops, i)
                return True
            if d:
                f = 0
                for delta, m in t.groups:
                    x = d if m < 0 else d & m
                    if x:
                        x = x << delta if delta >= 0 else x >> -delta
                        f = f | x if f else x
                for union, bicliques, lone in t.chunks:
                    if not d & union:
                        continue
                    ops += len(bicliques) + 3 * len(lone)
                    for lm, fm in bicliques:
                        if d & lm:
                            f |= fm
                    for lm, ones, guards, fmap in lone:
                        x = d & lm
                        if x:
                            y = (x + ones) & guards  # a guard bit per biclique with a live last
                            while y:
                                low = y & -y
                                fo, fm = fmap[low.bit_length()]
                                f |= fm << fo
                                y ^= low
                                ops += 4
                for lm, ones, guards, shift, spread in t.families:
                    x = d & lm
                    if x:
                        y = (x + ones) & guards  # a guard bit per block with a live last
                        f |= (y >> shift if shift >= 0 else y << -shift) * spread
                for base, period, lm, fm in suffixes:
                    x = d & lm
                    if x:
                        low = (x & -x).bit_length() - 1
                        start = base + ((low - base) // period + 1) * period
                        f |= fm >> start << start
                for lm, fm, starts in t.chains:
                    x = d & lm
                    if x:
                        k = bisect_right(starts, (x & -x).bit_length() - 1)
                        if k < len(starts):
                            start = starts[k]
                            f |= fm >> start << start
                ops += t.cost + fixed
                if not anchored:
                    f |= t.first
                d = f & cm
            elif not anchored or i == 0:
                d = t.first & cm
            elif anchored:
                self._count(ops, i)
                return False
            i += 1
            prev = pb
        self._count(ops, i)
        t = self._table(prev | (EDGE & self._next_mask) << NEXT_SHIFT)
        return bool(d & t.last) or (t.null and (not anchored or i == 0))

    def _count(self, ops: int, chars: int) -> None:
        self.stats.ops += ops + 2 * chars  # plus the first-set OR and the class AND
        self.stats.chars += chars


Relative = List[Tuple[int, Cond]]


def _families(
    big: List[Tuple[Entries, Entries]],
) -> Tuple[List[Tuple[Entries, Entries]], List[Tuple[Relative, Relative, List[int]]]]:
    """Split large bicliques into lone ones and *families*: translations of one
    biclique (the junctions between the copies of a counted repetition, or one
    inside each copy), each applied to all its copies by ``_family_masks``."""
    Shape = Tuple[Tuple[Tuple[int, Cond], ...], Tuple[Tuple[int, Cond], ...]]
    members: Dict[Shape, List[Tuple[int, Tuple[Entries, Entries]]]] = {}
    for last, first in big:
        ls, fs = last.flat(), first.flat()
        o = min(p for p, _ in ls)
        key = (tuple(sorted((p - o, c) for p, c in ls)), tuple(sorted((q - o, c) for q, c in fs)))
        members.setdefault(key, []).append((o, (last, first)))
    singles: List[Tuple[Entries, Entries]] = []
    families: List[Tuple[Relative, Relative, List[int]]] = []
    for key, found in members.items():
        if len(found) >= FAMILY_MIN:
            families.append((list(key[0]), list(key[1]), sorted({o for o, _ in found})))
        else:
            singles.extend(pair for _, pair in found)
    return singles, families


def _family_masks(
    rel_last: List[int], rel_first: List[int], offsets: List[int],
) -> List[Tuple[int, int, int, int, int]]:
    """Masks applying ``if D & (L + o): F + o`` for every offset ``o`` at once.

    ``L``'s block ``[o + lo, o + hi]`` plus all ones carries into the guard bit
    ``o + hi + 1`` exactly when it is non-zero; the guard bits, shifted to
    ``o + min(F)`` and multiplied by ``F``'s pattern, set ``F + o``.  Blocks (and
    patterns) of one group must not touch, so offsets closer than that are dealt
    to several groups."""
    if not rel_last or not rel_first:
        return []
    lo, hi = min(rel_last), max(rel_last)
    fmin, fmax = min(rel_first), max(rel_first)
    gap = max(hi - lo + 2, fmax - fmin + 1)
    groups: List[List[int]] = []
    for o in offsets:
        for g in groups:
            if o - g[-1] >= gap:
                g.append(o)
                break
        else:
            groups.append([o])
    spread = _bits([f - fmin for f in rel_first])
    out = []
    for g in groups:
        lm = _bits([o + r for o in g for r in rel_last])
        ones = _bits([o + r for o in g for r in range(lo, hi + 1)])
        guards = _bits([o + hi + 1 for o in g])
        out.append((lm, ones, guards, hi + 1 - fmin, spread))
    return out


Lone = Tuple[int, int, Entries, Entries]
LoneMasks = Tuple[int, int, int, Dict[int, Tuple[int, int]]]
#: (union of the lasts, bicliques (lasts, firsts), groups' masks): see ``CHUNK``.
Chunk = Tuple[int, List[Tuple[int, int]], List[LoneMasks]]


def _lone_groups(big: List[Tuple[Entries, Entries]]) -> List[List[Lone]]:
    """Deal lone large bicliques to groups whose last positions lie in disjoint blocks
    ``[lo, hi]`` with a free guard bit ``hi + 1`` between them (first fit by ``lo``), so
    one addition finds every biclique of a group with a live last (``_lone_masks``)."""
    spans: List[Lone] = []
    for last, first in big:
        ps = [p for p, _ in last.flat()]
        spans.append((min(ps), max(ps), last, first))
    spans.sort(key=lambda x: x[0])
    groups: List[List[Lone]] = []
    ends: List[Tuple[int, int]] = []  # heap of (hi of the group's last block, group)
    for item in spans:
        if ends and ends[0][0] + 2 <= item[0]:
            _, g = heapq.heappop(ends)
        else:
            g = len(groups)
            groups.append([])
        groups[g].append(item)
        heapq.heappush(ends, (item[1], g))
    return groups


def _lone_masks(live: List[Tuple[int, int, int, int]]) -> LoneMasks:
    """(lasts, ones, guards, guard -> first positions) of a group of lone bicliques:
    ``(D & lasts) + ones`` carries into the guard bit ``hi + 1`` of a block exactly
    when the block has a live last; the first positions are kept shifted down to
    their lowest (``(offset, mask)``), so the group costs memory by its spans."""
    lm = 0
    fmap: Dict[int, Tuple[int, int]] = {}
    for _, hi, m, fm in live:
        lm |= m
        fo = (fm & -fm).bit_length() - 1
        fmap[hi + 2] = (fo, fm >> fo)  # keyed by the bit length of the guard bit
    guards = _bits([hi + 1 for _, hi, _, _ in live])
    ones = guards - _bits([lo for lo, _, _, _ in live])
    return lm, ones, guards, fmap


def _always(_c: Cond) -> bool:
    return True


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


def _mask(entries: Entries, ok: Callable[[Cond], bool]) -> int:
    return _bits([p for p, c in entries.flat() if ok(c)])


def _bits(positions: List[int]) -> int:
    """The int with exactly these bits set (one pass, not one big-int OR per bit)."""
    if not positions:
        return 0
    buf = bytearray((max(positions) >> 3) + 1)
    for p in positions:
        buf[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(buf, "little")
