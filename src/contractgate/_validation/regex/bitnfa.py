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
into guard bits and a multiplication (``_family_masks``); the other large
bicliques are dealt to groups whose last positions lie in disjoint blocks, so
one addition finds a group's bicliques with a live last (``_lone_masks``), and
groups are tested in chunks skipped with one test while dead.  Loop-like
bicliques (firsts within their own block) go to *fill groups* (``_fill_groups``),
whose live members' blocks are filled by a few doubling shifts, whatever their
number.  The copies of a
nullable body are one *suffix chain* (``Builder.nullable_copies``) and a run of
nullable items of a concatenation one *nullable chain*
(``Builder.nullable_chain``): from the lowest live last, every first of the
later copies or items (for a chain, up to the next item whose null condition
fails at the boundary: ``_chain_blocks``).  The construction is ``glushkov``'s.
Look-arounds sit on edges as conditions on the boundary between the previous
and the next character; the masks are built once per distinct boundary
context (a handful of bits) and cached.

Per character: ``D = (follow(D) | first) & chars[c]``, with ``first`` added
at every boundary for an unanchored search; a match is a position of ``D`` in
``last`` (or an empty match) under the boundary's context.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, TypeVar

from . import hir as H
from .glushkov import (
    MAX_BUILD_WORK,
    MAX_EXPANDED,
    NO_COND,
    Builder,
    ChainItem,
    Cond,
    Entries,
    Unavailable,
)
from .looks import EDGE, NEXT_SHIFT, char_bits, context_masks, holds
from .origin import Rebuildable, Source

__all__ = ["BitNFA", "Stats", "Unavailable"]

#: Groups of lone large bicliques, families and blocks of nullable chains (a few mask
#: operations per character each) the engine accepts: at most ``MAX_GROUPS``, and at
#: most ``MAX_GROUP_BITS`` over all positions (groups x positions: the per-character
#: cost and the masks' memory); lone large bicliques (dealt to groups, a few operations
#: each only while live): ``MAX_LONE``.
MAX_GROUPS = 4096
MAX_GROUP_BITS = 64 << 20
MAX_LONE = 1 << 16
#: Lone bicliques and groups are tested in chunks of this many (by position), each
#: skipped with one test while none of its last positions is live.
CHUNK = 16
#: Bits of the lone bicliques' first positions (their spans) the engine accepts.
MAX_LONE_BITS = 1 << 26
#: A loop-like biclique (its first positions within its own block of positions, at most
#: this wide) is dealt to a *fill group* (``_fill_groups``): many live members cost a
#: few operations per doubling of the width instead of a few each.
MAX_FILL_WIDTH = 256
#: Bits of the fill groups' segment masks (steps x span, shared by every context).
MAX_FILL_BITS = 1 << 24
#: Live members of a fill group taken one by one (at most this many, and at most its
#: number of doubling steps) before the rest are filled.
FILL_SERIAL = 1
#: Distances whose edges are always one mask operation each (the busiest); past them,
#: a distance with at most ``SPARSE_SOURCES`` sources is tested like lone bicliques.
DISTANCES = 16
SPARSE_SOURCES = 16
#: Live members of a lone group taken one by one before the rest are gathered at once
#: (``_gather``).
LONE_SERIAL = 4
#: Translations of one large biclique applied together (``_families``) from this many on.
FAMILY_MIN = 4
#: Bytes of cached per-character masks before the cache is dropped.
MAX_CHARMASK_BYTES = 8 << 20


class _Table:
    """Masks for one boundary context."""

    __slots__ = (
        "chains", "chunks", "cost", "families", "first", "groups", "last", "last_low", "null",
    )

    def __init__(
        self, groups: List[Tuple[int, int, int]], chunks: List[Chunk],
        families: List[FamilyMasks], chains: List[ChainBlock],
        first: int, last: int, null: bool,
    ) -> None:
        self.chains = chains
        self.families = families
        self.groups = groups
        self.chunks = chunks
        self.first = first
        self.last = last
        # the lowest last position (the match test is skipped while ``D`` is below it)
        self.last_low = _low(last)
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
        b = Builder()
        top = b.build(hir)
        self.positions = len(b.cls)
        self.anchored = H.anchored_start(hir)
        self._top = top
        self._class_ranges = [([lo for lo, _ in rs], [hi for _, hi in rs]) for rs in b.classes]
        by_class: List[List[int]] = [[] for _ in b.classes]
        for p, cid in enumerate(b.cls):
            by_class[cid].append(p)
        self._class_masks = [_bits(ps) for ps in by_class]
        # The code points where some class starts or stops: between two of them every
        # class holds or not alike, so a character's mask is its interval's (computed
        # once per interval: a text of thousands of distinct characters, each a new
        # character, costs a look-up each, not a pass over every class).
        self._bounds = sorted({x for rs in b.classes for lo, hi in rs for x in (lo, hi + 1)})
        self._intervals: Dict[int, int] = {}
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
        self._fills, rest = _fill_groups(self._big)
        self._lone = _lone_groups(_last_blocks(rest))
        self._nullable_chains = [items for items in b.chains_nullable if items]
        # Each block of a chain is a test per character, like a group.
        groups = (
            len(self._lone) + len(self._families) + len(self._fills)
            + sum(_chain_block_bound(items) for items in self._nullable_chains)
        )
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
        looks: Set[str] = set()
        for c in edges:
            looks |= c
        for last, first in big:
            for _, c in (last + first).flat():
                looks |= c
        for items in b.chains_nullable:
            for nulls, first, last, _ in items:
                for c in nulls:
                    looks |= c
                for _, c in (first + last).flat():
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
        chains: List[ChainBlock] = []
        small: List[Tuple[int, int]] = []
        for items in self._nullable_chains:
            chains.extend(_chain_blocks(items, ok, small))
        for p, d in small:
            by_delta.setdefault(d, []).append(p)
        # A group whose sources are every position that has a position ``d`` away
        # needs no mask: the bits it would clear are shifted off the end (or below 0).
        m = self.positions
        groups: List[Tuple[int, int, int]] = []  # (distance, sources or -1, lowest source)
        # Past the ``DISTANCES`` busiest distances, the edges of a distance with few
        # sources (the loop-backs of 400 distinct ``(?:x[ab]{k})*``) are tested like lone
        # bicliques: grouped, a carry per group and a step per live source, instead of
        # three operations over every position per distance.
        sparse: Dict[int, List[int]] = {}
        for rank, (d, ps) in enumerate(sorted(by_delta.items(), key=lambda item: -len(item[1]))):
            distinct = set(ps)
            full = len(distinct) == (m - d if d >= 0 else m + d)
            if full:
                groups.append((d, -1, 0))
            elif rank >= DISTANCES and len(distinct) <= SPARSE_SOURCES:
                for p in distinct:
                    sparse.setdefault(p, []).append(p + d)
            elif ps:
                groups.append((d, _bits(ps), min(ps)))
        tests: List[Tuple[int, Any]] = []  # (lowest last, a biclique or a group's masks)
        edge_groups = _lone_groups([(p, p, [p], qs) for p, qs in sparse.items()])
        for edges in edge_groups:
            if len(edges) == 1:
                _, _, lps, fps = edges[0]
                tests.append((lps[0], (_bits(lps), _bits(fps))))
            else:
                tests.append((edges[0][0], _lone_masks(edges)))
        for group in self._lone:
            # Position lists, not masks: a member's masks would each be as wide as
            # the pattern, and a group may have thousands of members.
            live = []
            for lo, hi, last, first in group:
                lps = [p for p, c in last.flat() if ok(c)]
                fps = [q for q, c in first.flat() if ok(c)]
                if lps and fps:
                    live.append((lo, hi, lps, fps))
            if len(live) == 1:
                tests.append((live[0][0], (_bits(live[0][2]), _bits(live[0][3]))))
            elif live:
                tests.append((live[0][0], _lone_masks(live)))
        for members, base, steps in self._fills:
            live = []
            for lo, hi, last, first in members:
                lps = [p for p, c in last.flat() if ok(c)]
                fps = [q for q, c in first.flat() if ok(c)]
                if lps and fps:
                    live.append((lo, hi, lps, fps))
            if live:
                tests.append((min(live[0][2]), _fill_masks(live, base, steps)))
        tests.sort(key=lambda x: x[0])
        chunks: List[Chunk] = []
        for i in range(0, len(tests), CHUNK):
            part = [x for _, x in tests[i:i + CHUNK]]
            union = 0
            for x in part:
                union |= x[0]
            chunks.append((
                tests[i][0], union, [x for x in part if len(x) == 2],
                [x for x in part if len(x) == 6],
                [x for x in part if len(x) == 8],
            ))
        families: List[FamilyMasks] = []
        for rel_last, rel_first, offsets in self._families:
            families.extend(_family_masks(
                [o for o, c in rel_last if ok(c)], [o for o, c in rel_first if ok(c)], offsets,
            ))
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
            interval = bisect_right(self._bounds, o)
            mask = self._intervals.get(interval)
            size = 0
            if mask is None:
                mask = 0
                for cid, (los, his) in enumerate(self._class_ranges):
                    i = bisect_right(los, o) - 1
                    if i >= 0 and o <= his[i]:
                        mask |= self._class_masks[cid]
                size = (mask.bit_length() >> 3) + 100
            bits = char_bits(c)
            got = (bits & self._prev_mask, (bits & self._next_mask) << NEXT_SHIFT, mask)
            if self._char_bytes + size + 100 > MAX_CHARMASK_BYTES:
                self._chars.clear()
                self._intervals.clear()
                self._char_bytes = 0
                size = (mask.bit_length() >> 3) + 100
            self._intervals[interval] = mask
            self._chars[c] = got
            self._char_bytes += size + 100
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
            # ``D`` has no position at or above ``top``: masks above it are skipped (an AND
            # costs the narrower operand's width, a prefix's ``D`` may be much narrower)
            top = d.bit_length()
            if (t.last_low < top and d & t.last) or (t.null and (not anchored or i == 0)):
                self._count(ops, i)
                return True
            if d:
                f = 0
                for delta, m, low in t.groups:
                    if low >= top:
                        continue
                    x = d if m < 0 else d & m
                    if x:
                        x = x << delta if delta >= 0 else x >> -delta
                        f = f | x if f else x
                for low, union, bicliques, lone, fills in t.chunks:
                    if low >= top:
                        break  # chunks are sorted by their lowest last: the rest are dead
                    if not d & union:
                        continue
                    ops += len(bicliques) + 3 * len(lone) + 3 * len(fills)
                    for lm, fm in bicliques:
                        if d & lm:
                            f |= fm
                    for lm, ones, guards, gbase, fbase, fmap in lone:
                        x = d & lm
                        if x:
                            # a guard bit per biclique with a live last
                            y = ((x + ones) & guards) >> gbase
                            acc = 0
                            n = LONE_SERIAL
                            while y and n:
                                low = y & -y
                                fo, fm = fmap[low.bit_length()]
                                acc |= fm << fo
                                y ^= low
                                n -= 1
                                ops += 4
                            if y:  # many live: each step above costs the group's span
                                gathered, live = _gather(y, fmap)
                                acc |= gathered
                                ops += 2 * live
                            f |= acc << fbase
                            ops += 1
                    for lm, ones, guards, base, fmap, steps, fmr, budget in fills:
                        x = d & lm
                        if x:
                            y = ((x + ones) & guards) >> base
                            acc = 0
                            n = budget
                            # few live members: one by one; many: fill their blocks
                            while y and n:
                                low = y & -y
                                fo, fm = fmap[low.bit_length()]
                                acc |= fm << fo
                                y ^= low
                                n -= 1
                            ops += 4 * (budget - n) + 1
                            if y:
                                for sh, seg in steps:
                                    y |= (y >> sh) & seg
                                acc |= y & fmr
                                ops += 3 * len(steps) + 1
                            f |= acc << base
                for low, lm, ones, guards, shift, spread in t.families:
                    if low >= top:
                        continue
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
                for low, lm, fm, starts in t.chains:
                    if low >= top:
                        continue
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
#: (lowest last, lasts, ones, guards, shift, first pattern): see ``_family_masks``.
FamilyMasks = Tuple[int, int, int, int, int, int]


def _families(
    big: List[Tuple[Entries, Entries]],
) -> Tuple[List[Tuple[Entries, Entries]], List[Tuple[Relative, Relative, List[int]]]]:
    """Split large bicliques into lone ones and *families*: translations of one
    biclique (the junctions between the copies of a counted repetition, or one
    inside each copy), each applied to all its copies by ``_family_masks``."""
    Shape = Tuple[Tuple[Tuple[int, Cond], ...], Tuple[Tuple[int, Cond], ...]]
    members: Dict[Shape, List[Tuple[int, Tuple[Entries, Entries]]]] = {}
    singles: List[Tuple[Entries, Entries]] = []
    # Only bicliques of a size shared by FAMILY_MIN of them get a shape key (a key is
    # a tuple per entry: nested bicliques of distinct sizes would cost one each).
    sizes: Dict[Tuple[int, int], int] = {}
    for last, first in big:
        sizes[(last.size, first.size)] = sizes.get((last.size, first.size), 0) + 1
    for last, first in big:
        if sizes[(last.size, first.size)] < FAMILY_MIN:
            singles.append((last, first))
            continue
        ls, fs = last.flat(), first.flat()
        o = min(p for p, _ in ls)
        key = (tuple(sorted((p - o, c) for p, c in ls)), tuple(sorted((q - o, c) for q, c in fs)))
        members.setdefault(key, []).append((o, (last, first)))
    families: List[Tuple[Relative, Relative, List[int]]] = []
    for key, found in members.items():
        if len(found) >= FAMILY_MIN:
            families.append((list(key[0]), list(key[1]), sorted({o for o, _ in found})))
        else:
            singles.extend(pair for _, pair in found)
    return singles, families


def _family_masks(
    rel_last: List[int], rel_first: List[int], offsets: List[int],
) -> List[FamilyMasks]:
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
        out.append((_low(lm), lm, ones, guards, hi + 1 - fmin, spread))
    return out


Lone = Tuple[int, int, Entries, Entries]
LoneMasks = Tuple[int, int, int, int, int, Dict[int, Tuple[int, int]]]
#: (lowest last, union of the lasts, bicliques (lasts, firsts), groups' masks, fill
#: groups' masks): see ``CHUNK``.
FillMasks = Tuple[int, int, int, int, Dict[int, Tuple[int, int]], List[Tuple[int, int]], int, int]
Chunk = Tuple[int, int, List[Tuple[int, int]], List[LoneMasks], List[FillMasks]]
#: (members, lowest position, segment masks ``(shift, mask)``): see ``_fill_groups``.
Fill = Tuple[List[Lone], int, List[Tuple[int, int]]]


def _last_blocks(big: List[Tuple[Entries, Entries]]) -> List[Lone]:
    spans: List[Lone] = []
    for last, first in big:
        ps = [p for p, _ in last.flat()]
        spans.append((min(ps), max(ps), last, first))
    return spans


def _fill_groups(
    big: List[Tuple[Entries, Entries]],
) -> Tuple[List[Fill], List[Tuple[Entries, Entries]]]:
    """Deal the loop-like large bicliques (every first position within the block
    ``[lo, hi + 1]`` of the biclique's positions, ``hi`` its highest last, at most
    ``MAX_FILL_WIDTH`` wide) to groups of disjoint blocks.  Per character one addition
    puts a guard bit ``hi + 1`` on every member with a live last (``_fill_masks``), and
    the guard bits are spread down over their own blocks by doubling shifts, each
    masked to stay within its block (``steps``): the firsts of every live member are
    then one AND, whatever the number of live members.  Groups of one member and those
    beyond ``MAX_FILL_BITS`` go back to the lone bicliques."""
    spans: List[Lone] = []
    rest: List[Tuple[Entries, Entries]] = []
    for last, first in big:
        lps = [p for p, _ in last.flat()]
        fps = [q for q, _ in first.flat()]
        lo, hi = min(min(lps), min(fps)), max(lps)
        if max(fps) <= hi + 1 and hi + 2 - lo <= MAX_FILL_WIDTH:
            spans.append((lo, hi, last, first))
        else:
            rest.append((last, first))
    fills: List[Fill] = []
    budget = MAX_FILL_BITS
    for members in _lone_groups(spans):
        base = members[0][0]
        width = max(hi + 2 - lo for lo, hi, _, _ in members)
        shifts = []
        sh = 1
        while sh < width:
            shifts.append(sh)
            sh <<= 1
        cost = len(shifts) * (members[-1][1] + 2 - base)
        if len(members) < 2 or cost > budget:
            rest.extend((last, first) for _, _, last, first in members)
            continue
        budget -= cost
        steps = [
            (sh, _runs([(lo - base, hi + 1 - sh - base) for lo, hi, _, _ in members]))
            for sh in shifts
        ]
        fills.append((members, base, steps))
    return fills, rest


def _fill_masks(
    live: List[Tuple[int, int, List[int], List[int]]], base: int, steps: List[Tuple[int, int]],
) -> FillMasks:
    """(lasts, ones, guards, base, guard -> first positions, segment masks, firsts,
    members taken one by one before filling) of a fill group, relative to ``base``
    after the carry (see ``_fill_groups`` and ``_lone_masks``)."""
    fmap: Dict[int, Tuple[int, int]] = {}
    ones: List[Tuple[int, int]] = []
    for lo, hi, _, fps in live:
        fo = min(fps)
        fmap[hi + 2 - base] = (fo - base, _bits([q - fo for q in fps]))
        ones.append((min(lo, min(fps)), hi))
    lm = _bits([p for _, _, lps, _ in live for p in lps])
    guards = _bits([hi + 1 for _, hi, _, _ in live])
    fmr = _bits([q - base for _, _, _, fps in live for q in fps])
    return lm, _runs(ones), guards, base, fmap, steps, fmr, min(len(steps), FILL_SERIAL)


def _runs(ranges: List[Tuple[int, int]]) -> int:
    """The int with the bits ``a..b`` of every ``(a, b)`` set (empty ranges skipped)."""
    top = max((b for a, b in ranges if a <= b), default=-1)
    if top < 0:
        return 0
    buf = bytearray(b"0" * (top + 1))
    for a, b in ranges:
        if a <= b:
            buf[top - b:top - a + 1] = b"1" * (b - a + 1)
    return int(buf, 2)


def _gather(y: int, fmap: Dict[int, Tuple[int, int]]) -> Tuple[int, int]:
    """The union of ``fm << fo`` over the guard bits of ``y`` (``fmap`` keyed by bit
    length), and their number: the bits are read from one binary string, and the
    pieces, in the order of their offsets, are merged pairwise, each merge as wide as
    the two pieces' span, so many live members cost the group's span a few times (and
    a few small operations each), not the span once each."""
    bs = bin(y)
    n = len(bs)
    pieces = []
    j = bs.find("1", 2)
    while j >= 0:
        pieces.append(fmap[n - j])
        j = bs.find("1", j + 1)
    pieces.sort()
    n_live = len(pieces)
    while len(pieces) > 1:
        merged = []
        for i in range(0, len(pieces) - 1, 2):
            (fo1, fm1), (fo2, fm2) = pieces[i], pieces[i + 1]
            merged.append((fo1, fm1 | fm2 << (fo2 - fo1)))
        if len(pieces) % 2:
            merged.append(pieces[-1])
        pieces = merged
    fo, fm = pieces[0]
    return fm << fo, n_live


Spanned = TypeVar("Spanned", bound=Tuple[Any, ...])


def _lone_groups(spans: List[Spanned]) -> List[List[Spanned]]:
    """Deal large bicliques to groups whose blocks ``[lo, hi]`` (of last positions) are
    disjoint with a free guard bit ``hi + 1`` between them (first fit by ``lo``), so
    one addition finds every biclique of a group with a live last (``_lone_masks``)."""
    spans = sorted(spans, key=lambda x: x[0])
    groups: List[List[Spanned]] = []
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


def _lone_masks(live: List[Tuple[int, int, List[int], List[int]]]) -> LoneMasks:
    """(lasts, ones, guards, lowest guard, lowest first, guard -> first positions) of a
    group of lone bicliques: ``(D & lasts) + ones`` carries into the guard bit
    ``hi + 1`` of a block exactly when the block has a live last.  The live firsts are
    gathered relative to the group's lowest first (so the loop works on the group's
    span, not on every position), each kept shifted down to its own lowest
    (``(offset, mask)``: the group costs memory by its members' spans)."""
    gbase = min(hi for _, hi, _, _ in live) + 1
    fbase = min(min(fps) for _, _, _, fps in live)
    fmap: Dict[int, Tuple[int, int]] = {}
    for _, hi, _, fps in live:
        fo = min(fps)
        # keyed by the bit length of the guard bit (shifted down by ``gbase``)
        fmap[hi + 2 - gbase] = (fo - fbase, _bits([q - fo for q in fps]))
    lm = _bits([p for _, _, lps, _ in live for p in lps])
    guards = _bits([hi + 1 for _, hi, _, _ in live])
    ones = guards - _bits([lo for lo, _, _, _ in live])
    return lm, ones, guards, gbase, fbase, fmap


#: (lowest last, lasts, firsts, item starts) of a block of a nullable chain.
ChainBlock = Tuple[int, int, int, List[int]]


def _chain_blocks(
    items: List[ChainItem], ok: Callable[[Cond], bool],
    edges: Optional[List[Tuple[int, int]]] = None,
) -> List[ChainBlock]:
    """A nullable chain's blocks under one boundary context.  An item whose null
    condition fails here is a *wall*: a last reaches the firsts of the later items up
    to the next wall (inclusive), so between walls the firsts after the lowest live
    last's item follow (``BitNFA.is_match``: the first item start above it).  A block
    of at most ``MAX_EXPANDED`` edges (the copies of ``(?:ab|\\b){n}`` where ``\\b``
    fails) goes to ``edges`` as ``(last, distance)`` pairs, joining the single edges
    grouped by distance; blocks in which no last reaches a first are left out.
    Without ``edges`` the large blocks are only counted (their masks are empty)."""
    out: List[ChainBlock] = []
    lasts: List[int] = []
    firsts: List[int] = []
    starts: List[int] = []

    def close() -> None:
        if not lasts or not firsts:
            return
        fs = sorted(firsts)
        reach = []  # (last, first position it reaches from)
        n = 0
        for p in lasts:
            k = bisect_right(starts, p)
            if k < len(starts):
                i = bisect_left(fs, starts[k])
                if i < len(fs):
                    reach.append((p, i))
                    n += len(fs) - i
        if not n:
            return
        if n <= MAX_EXPANDED:
            if edges is not None:
                edges.extend((p, q - p) for p, i in reach for q in fs[i:])
        elif edges is None:
            out.append((0, 0, 0, []))
        else:
            out.append((min(lasts), _bits(lasts), _bits(firsts), starts))

    for j, (nulls, first, last, lo) in enumerate(items):
        if j:
            firsts.extend(q for q, c in first.flat() if ok(c))
            if lo >= 0:
                starts.append(lo)
            if not any(ok(c) for c in nulls):
                close()
                lasts, firsts, starts = [], [], []
        lasts.extend(p for p, c in last.flat() if ok(c))
    close()
    return out


#: Entries x truth assignments ``_chain_block_bound`` tries before it takes the coarse bound.
MAX_BOUND_WORK = 1 << 20


def _chain_block_bound(items: List[ChainItem]) -> int:
    """The most large blocks ``_chain_blocks`` can give in any boundary context: the walls
    under every truth assignment of the looks of the null conditions (a superset of
    the contexts; other looks true, which only adds blocks), or, for chains too large
    to try, every conditional item a wall."""
    looks = frozenset(lk for nulls, _, _, _ in items for c in nulls for lk in c)
    coarse = sum(1 for nulls, _, _, _ in items if NO_COND not in nulls) + 1
    size = sum(1 + first.size + last.size for _, first, last, _ in items)
    if size << len(looks) > MAX_BOUND_WORK:
        return coarse
    order = sorted(looks)
    most = 0
    for bits in range(1 << len(order)):
        false = {lk for i, lk in enumerate(order) if not bits >> i & 1}
        most = max(most, len(_chain_blocks(items, false.isdisjoint)))
    return most


def _low(mask: int) -> int:
    """The lowest set bit of ``mask`` (0 if none)."""
    return (mask & -mask).bit_length() - 1 if mask else 0


def _always(_c: Cond) -> bool:
    return True


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
