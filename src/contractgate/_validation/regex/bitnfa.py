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
into guard bits and a multiplication (``family_masks``); the other large
bicliques are dealt to groups whose last positions lie in disjoint blocks, so
one addition finds a group's bicliques with a live last (``lone_masks``), and
groups are tested in chunks skipped with one test while dead.  A group finds all its
live members' firsts with a subtraction or two per chain (``spread_masks``: those at
or above the guard bits in spans that do not overlap, the junctions of
concatenations, or from the live lasts themselves when whole members do not overlap;
those below them in blocks far enough apart, wide loops); in the
other groups, many live members are looked up per window of 8 (``Windows``).  A
biclique into one first just above its lasts (``X z``) is a *carry*
(``carry_masks``): the addition's guard bit is that first.  Loop-like bicliques
(firsts within their own block, at most 256 wide, or wider where that pays) go to
*fill groups* (``fill_groups``), whose live members' blocks are filled by a few
doubling shifts (after one subtraction when their guard bits are far enough apart),
whatever their number (one live member is looked up); the character after a loop is
one of its firsts there (``share_carries``).  The copies of a
nullable body are one *suffix chain* (``Builder.nullable_copies``) and a run of
nullable items of a concatenation one *nullable chain*
(``Builder.nullable_chain``): from the lowest live last, every first of the
later copies or items (for a chain, up to the next item whose null condition
fails at the boundary: ``bitchains.chain_blocks``); disjoint blocks of chains are tested
as one family (``chain_families``).  The construction is ``glushkov``'s, the
masks of the tests ``bitgroups``' and ``bitchains``'.
Look-arounds sit on edges as conditions on the boundary between the previous
and the next character; the masks are built once per distinct boundary
context (a handful of bits) and cached.

Per character: ``D = (follow(D) | first) & chars[c]``, with ``first`` added
at every boundary for an unanchored search; a match is a position of ``D`` in
``last`` (or an empty match) under the boundary's context, tested only when the
character's class holds a last position.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Dict, List, Optional, Set, Tuple, Union, cast

from . import bitchains as C
from . import bitgroups as G
from . import hir as H
from .bitgroups import DIRECT, FACTOR_MAX, UP_RUNS, WINDOW
from .charmasks import ClassIndex
from .glushkov import (
    MAX_BUILD_WORK,
    MAX_EXPANDED,
    NO_COND,
    Builder,
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
#: Distances whose edges are always one mask operation each (the busiest); past them,
#: a distance with at most ``SPARSE_SOURCES`` sources is tested like lone bicliques.
DISTANCES = 16
SPARSE_SOURCES = 16
#: With more distances of two sources or more than ``DISTANCES`` (the junctions into
#: 1 000 distinct loops ``a(?:a|b{p}|c{q}|dd|ee|kk)+z``: 73 distance groups, most of
#: 50-95 sources, three operations over 50 000 positions each, 118 us per character), every
#: distance with fewer sources than the positions over ``SPARSE_DENSITY`` is tested like
#: lone bicliques too, whatever its rank (18 us per character there).
SPARSE_ALL = True
SPARSE_DENSITY = 128
#: Small loop-like bicliques on many distances are kept whole (``_small_loops``).
SMALL_LOOPS = True
#: Sparse edges back to their source or below tested apart from forward ones when that
#: lets the forward ones borrow straight from their sources (``BitNFA._edge_tests``).
SPLIT_BACK = True
#: Live members of a lone group without ``Windows`` (past their memory budget) taken one
#: by one before the rest are gathered at once (``gather``).  A group with windows takes
#: its live members one by one while they are at most its windows over ``WINDOW`` (a
#: step per member costs about ``WINDOW`` look-ups) and looks up every window otherwise.
LONE_SERIAL = 4
#: Bytes of cached per-character masks before the cache is dropped.
MAX_CHARMASK_BYTES = 8 << 20
#: A mask operation in the lazy DFA's work units (a closure step, about 0.3 us): its
#: fixed cost, and its cost per position of the pattern (measured: 0.06 us, and 0.5 us
#: over 80 000 positions).
OP_WORK = 0.2
POSITION_WORK = 1 / 50_000
#: The kinds of a chunk's tests, in the order of its lists (``bitgroups.Chunk``).
_BICLIQUE, _LONE, _FILL, _SPREAD = range(4)


def _small_loops(bicliques: List[Tuple[Entries, Entries]]) -> Set[int]:
    """The small loop-like bicliques (two edges or more, firsts within the block of
    their positions: ``bitgroups.fill_groups``), when their edges fall on more than
    ``DISTANCES`` distances: kept whole, for fill groups, instead of a mask operation
    per distance or a look-up per live loop (800 loops ``(?:a(?:b{p}|c{q})|d)+z``)."""
    found: Set[int] = set()
    distances: Set[int] = set()
    for i, (last, first) in enumerate(bicliques):
        if last.size * first.size > MAX_EXPANDED or last.size * first.size < 2:
            continue
        if G.carries(last, first):
            continue
        lps = [p for p, _ in last.flat()]
        fps = [q for q, _ in first.flat()]
        hi = max(lps)
        if max(fps) <= hi + 1 and hi + 2 - min(min(lps), min(fps)) <= G.MAX_FILL_WIDTH:
            found.add(i)
            distances.update(q - p for p in lps for q in fps)
    return found if len(distances) > DISTANCES else set()


class _Table:
    """Masks for one boundary context."""

    __slots__ = (
        "carries", "chain_families", "chains", "chunks", "cost", "families", "first", "groups",
        "last", "last_low", "null",
    )

    def __init__(
        self, groups: List[Tuple[int, int, int]], chunks: List[G.Chunk],
        families: List[G.FamilyMasks], chains: List[C.ChainBlock],
        chain_families: List[C.ChainFamily], carries: List[Tuple[int, int, int, int]],
        first: int, last: int, null: bool,
    ) -> None:
        self.carries = carries
        self.chain_families = chain_families
        self.chains = chains
        self.families = families
        self.groups = groups
        self.chunks = chunks
        self.first = first
        self.last = last
        # the lowest last position (the match test is skipped while ``D`` is below it)
        self.last_low = G.lowest_bit(last)
        self.null = null
        # mask operations per character
        self.cost = (
            2 * len(groups) + sum(1 for c in chunks if c[1]) + 6 * len(families) + 4 * len(chains)
            + 3 * len(carries) + 12 * len(chain_families)
        )


class Stats:
    """Work counters (instrumentation for tests and benchmarks)."""

    __slots__ = ("chars", "ops", "tables", "widest")

    def __init__(self) -> None:
        self.chars = 0  # characters simulated
        # big-integer mask operations (each over at most one bit per position)
        self.ops = 0
        self.tables = 0  # boundary contexts whose masks were built
        self.widest = 0  # the most bits the state ``D`` held (its highest position + 1)


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
        by_class: List[List[int]] = [[] for _ in b.classes]
        for p, cid in enumerate(b.cls):
            by_class[cid].append(p)
        # A character's mask is its elementary interval's (``ClassIndex``: between two
        # bounds of classes every class holds or not alike), computed once per interval:
        # a text of thousands of distinct characters costs a look-up each.
        self._classes = ClassIndex(b.classes, by_class, self.positions)
        self._intervals: Dict[int, int] = {}
        # Singleton edges p -> p + d under a condition, as condition -> d -> sources,
        # and the bicliques kept whole.
        edges: Dict[Cond, Dict[int, List[int]]] = {}
        ones = edges.setdefault(NO_COND, {}).setdefault(1, [])
        for lo, hi in b.chains:
            ones.extend(range(lo, hi))
        big: List[Tuple[Entries, Entries]] = []
        carry: List[Tuple[Entries, Entries]] = []
        kept = _small_loops(b.bicliques) if SMALL_LOOPS else set()
        for i, (last, first) in enumerate(b.bicliques):
            if G.carries(last, first):
                carry.append((last, first))
            elif last.size * first.size <= MAX_EXPANDED and i not in kept:
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
        self._big, self._families = G.families(big)
        fills, rest = G.fill_groups(self._big)
        self._fills, carry = G.share_carries(fills, carry)
        self._lone = G.lone_groups(G.last_blocks(rest))
        self._nullable_chains = [items for items in b.chains_nullable if items]
        self._carries = G.lone_groups(G.last_blocks(carry))
        # Each family of blocks of chains is a test per character, like a group.
        groups = (
            len(self._lone) + len(self._families) + len(self._fills) + len(self._carries)
            + C.chain_family_bound(self._nullable_chains)
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
            (base, period, G.mask_of(lasts, G.always), G.mask_of(firsts, G.always))
            for base, period, lasts, firsts in b.suffixes
        ]
        looks: Set[str] = set()
        for c in edges:
            looks |= c
        for last, first in big + carry:
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
        self._chars: Dict[str, Tuple[int, int, int, bool]] = {}
        # Every last position under any boundary context: a character whose class holds
        # none of them cannot end a match, and the next step skips the match test (one
        # operation over the pattern per character of a search that finds nothing).
        self._last_any = G.mask_of(top.last, G.always)
        self._budget = G.Budget(G.MAX_WINDOW_BYTES)
        self._work: Optional[int] = None
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
        chains: List[C.ChainBlock] = []
        small: List[Tuple[int, int]] = []
        for items in self._nullable_chains:
            chains.extend(C.chain_blocks(items, ok, small))
        for p, d in small:
            by_delta.setdefault(d, []).append(p)
        chains, chain_families = C.chain_families(chains)
        # A group whose sources are every position that has a position ``d`` away
        # needs no mask: the bits it would clear are shifted off the end (or below 0).
        m = self.positions
        groups: List[Tuple[int, int, int]] = []  # (distance, sources or -1, lowest source)
        # Past the ``DISTANCES`` busiest distances, the edges of a distance with few
        # sources (the loop-backs of 400 distinct ``(?:x[ab]{k})*``) are tested like lone
        # bicliques: grouped, a carry per group and a step per live source, instead of
        # three operations over every position per distance.
        # Many such distances, each with few sources for the width: all of them too
        # (``SPARSE_ALL``).
        ranked = [
            (d, set(ps)) for d, ps in sorted(by_delta.items(), key=lambda item: -len(item[1]))
        ]
        crowded = SPARSE_ALL and sum(1 for _, distinct in ranked if len(distinct) > 1) > DISTANCES
        sparse: Dict[int, List[int]] = {}
        for rank, (d, distinct) in enumerate(ranked):
            ps = list(distinct)
            full = len(distinct) == (m - d if d >= 0 else m + d)
            if full:
                groups.append((d, -1, 0))
            elif (rank >= DISTANCES and len(distinct) <= SPARSE_SOURCES) or (
                crowded and len(distinct) * SPARSE_DENSITY < m
            ):
                for p in distinct:
                    sparse.setdefault(p, []).append(p + d)
            elif ps:
                groups.append((d, G.bitset(ps), min(ps)))
        # (lowest last, kind, masks): kinds index a chunk's lists (``_BICLIQUE`` ...)
        tests: List[Tuple[int, int, Any]] = []
        edge_groups = G.lone_groups([(p, p, [p], qs) for p, qs in sparse.items()])
        for edges in edge_groups:
            tests.extend(self._edge_tests(edges))
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
                tests.append(
                    (live[0][0], _BICLIQUE, (G.bitset(live[0][2]), G.bitset(live[0][3]))),
                )
            elif live:
                tests.append((live[0][0], *self._lone_masks(live)))
        for members, base, steps in self._fills:
            live = []
            for lo, hi, last, first in members:
                lps = [p for p, c in last.flat() if ok(c)]
                fps = [q for q, c in first.flat() if ok(c)]
                if lps and fps:
                    live.append((lo, hi, lps, fps))
            if live:
                tests.append((min(live[0][2]), _FILL, G.fill_masks(live, base, steps)))
        tests.sort(key=lambda x: x[0])
        chunks: List[G.Chunk] = []
        for i in range(0, len(tests), CHUNK):
            part = tests[i:i + CHUNK]
            kinds: Tuple[List[Any], List[Any], List[Any], List[Any]] = ([], [], [], [])
            for _, kind, masks in part:
                kinds[kind].append(masks)
            # A chunk of one group (not a biclique, whose test is as cheap as the chunk's)
            # tests its lasts once, not twice: no union (0), one operation over the group
            # less per character (0.7-1.4 us at 50 000-100 000 positions).
            union = 0
            if len(part) > 1 or part[0][1] == _BICLIQUE:
                for _, _, masks in part:
                    union |= masks[0]
            chunks.append((tests[i][0], union, *kinds))
        families: List[G.FamilyMasks] = []
        for rel_last, rel_first, offsets in self._families:
            families.extend(G.family_masks(
                [o for o, c in rel_last if ok(c)], [o for o, c in rel_first if ok(c)], offsets,
            ))
        carries = [masks for group in self._carries for masks in G.carry_masks(group, ok)]
        top = self._top
        null = any(ok(c) for c in top.null)
        return _Table(
            groups, chunks, families, chains, chain_families, carries, G.mask_of(top.first, ok),
            G.mask_of(top.last, ok), null,
        )

    def _edge_tests(
        self, edges: List[Tuple[int, int, List[int], List[int]]],
    ) -> List[Tuple[int, int, Any]]:
        """The tests of a group of sparse edges (one source each, ``(p, p, [p], targets)``).
        A spread group with edges back to their source or below (a loop's, ``[ab]*``)
        among forward ones carries into guard bits for all of them; without those the
        forward ones may borrow straight from their sources (a direct chain: the carry
        into guard bits saved, and a down chain; 300 junctions into wide loops after
        ``[ab]*``: 18 -> 15 us per character), the others apart (``SPLIT_BACK``), when
        that costs fewer operations, weighted by the widths they run over."""
        if len(edges) == 1:
            _, _, lps, fps = edges[0]
            return [(lps[0], _BICLIQUE, (G.bitset(lps), G.bitset(fps)))]
        kind, masks = self._lone_masks(edges)
        whole = [(edges[0][0], kind, masks)]
        if not SPLIT_BACK or kind != _SPREAD or not masks[2]:  # (not direct already)
            return whole
        forward = [e for e in edges if min(e[3]) > e[1]]
        back = [e for e in edges if min(e[3]) <= e[1]]
        if len(forward) < 2 or not back:
            return whole
        direct = G.spread_masks(forward)
        if direct is None or direct[2]:
            return whole

        def width(es: List[Tuple[int, int, List[int], List[int]]]) -> int:
            return max(max(e[3]) for e in es) + 1 - min(min(e[0], min(e[3])) for e in es)

        rest = self._edge_tests(back)
        rest_ops = sum(
            2 if k == _BICLIQUE else G._spread_ops(m) if k == _SPREAD else 8 for _, k, m in rest
        )
        split = G._spread_ops(direct) + rest_ops * width(back) / width(forward)
        if split >= G._spread_ops(cast(G.SpreadMasks, masks)):  # (spread: no direct chain)
            return whole
        return [(forward[0][0], _SPREAD, G.carried_chains(direct)), *rest]

    def _lone_masks(
        self, live: List[Tuple[int, int, List[int], List[int]]],
    ) -> Tuple[int, Union[G.SpreadMasks, G.LoneMasks]]:
        """A group of lone bicliques, with its kind: spread by chains when its firsts
        allow, else taken one by one or looked up per window."""
        spread = G.spread_masks(live)
        if spread is not None:
            return _SPREAD, G.carried_chains(spread)
        return _LONE, G.lone_masks(live, self._budget)

    def work_per_char(self) -> int:
        """What this engine costs per character, in the lazy DFA's work units (a closure
        step): its mask operations per character (``_Table.cost``: groups and chunks of
        tests once each, as while they are dead), each over the whole pattern.  The DFA
        keeps a search whose misses cost less (``nfa``): with 400 distinct loops (80 000
        positions) this engine costs 20-25 us per character, the DFA's first search
        about 1 us once its few hundred states are built."""
        if self._work is None:
            self._work = int(self._table(0).cost * (OP_WORK + self.positions * POSITION_WORK))
        return self._work

    def measured_work_per_char(self, text: str) -> int:
        """What a search of ``text`` costs here per character, in the same units as
        :meth:`work_per_char`: the operations it ran, each over the widest state it
        reached instead of the whole pattern.  A branch that is never live keeps ``D``
        below its masks (its tests are skipped or cost their narrow operand): 529 dead
        loops of 140 000 positions made the estimate 129 units while a search cost 5 us
        per character, and the DFA, allowed as much, spent 25."""
        stats = self.stats
        ops, chars = stats.ops, stats.chars
        stats.widest = 0
        self.is_match(text)
        n = stats.chars - chars
        if not n:
            return self.work_per_char()
        return int((stats.ops - ops) / n * (OP_WORK + stats.widest * POSITION_WORK))

    # -- per-character data --------------------------------------------------------

    def _char(self, c: str) -> Tuple[int, int, int, bool]:
        """(previous-character bits, next-character bits << NEXT_SHIFT, positions whose class
        holds ``c``, whether some of them are last positions), cached up to
        ``MAX_CHARMASK_BYTES`` of masks."""
        got = self._chars.get(c)
        if got is None:
            o = ord(c)
            interval = self._classes.interval(o)
            mask = self._intervals.get(interval)
            new = mask is None
            if mask is None:
                mask = self._classes.mask(o, interval)
            bits = char_bits(c)
            got = (
                bits & self._prev_mask, (bits & self._next_mask) << NEXT_SHIFT, mask,
                mask & self._last_any != 0,
            )
            size = (mask.bit_length() >> 3) + 100  # an interval's entry; a character's: 100
            if self._char_bytes + new * size + 100 > MAX_CHARMASK_BYTES:
                self._chars.clear()
                self._intervals.clear()
                self._char_bytes = 0
                new = True
            if new:
                self._intervals[interval] = mask
                self._char_bytes += size
            self._chars[c] = got
            self._char_bytes += 100
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
        popcount = G.popcount
        i = 0
        widest = 0
        may_end = False  # whether ``D`` may hold a last position (its character's class does)
        for c in s:
            got = chars.get(c)
            pb, nb, cm, ending = got if got is not None else self._char(c)
            t = tables.get(prev | nb)
            if t is None:
                t = self._table(prev | nb)
            # ``D`` has no position at or above ``top``: masks above it are skipped (an AND
            # costs the narrower operand's width, a prefix's ``D`` may be much narrower)
            top = d.bit_length()
            if top > widest:
                widest = top
            if (
                (may_end and t.last_low < top and d & t.last)
                or (t.null and (not anchored or i == 0))
            ):
                self._count(ops, i, widest)
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
                for low, union, bicliques, lone, fills, spreads in t.chunks:
                    if low >= top:
                        break  # chunks are sorted by their lowest last: the rest are dead
                    if union and not d & union:
                        continue
                    ops += len(bicliques) + 3 * (len(lone) + len(fills)) + len(spreads)
                    for lm, fm in bicliques:
                        if d & lm:
                            f |= fm
                    for lm, ones, guards, chains in spreads:
                        x = d & lm
                        if x:
                            y = 0  # a guard bit per live member (not for direct chains)
                            if guards:
                                y = (x + ones) & guards
                                ops += 2
                            for gm, ends, w, fm in chains:
                                if w == DIRECT:  # the borrow from the live lasts
                                    xc = x if gm < 0 else x & gm
                                    if xc:
                                        if gm < -1:  # ``ends``: the runs it would set
                                            f |= ((xc + ends) ^ ends) & fm
                                        else:
                                            f |= (ends - xc) & fm
                                        ops += 3 + (gm >= 0)
                                    continue
                                yc = y if gm < 0 else y & gm
                                if not yc:
                                    continue
                                # (an addition and an XOR in place of a subtraction: one
                                # operation's cost, counted as one)
                                if w == UP_RUNS:  # each live guard's run carries out
                                    f |= ((yc + ends) ^ ends) & fm
                                    ops += 4
                                elif w < 0:  # the borrow from each live guard stops at its end
                                    f |= (ends - yc) & fm
                                    ops += 4
                                elif ends:  # the run under each live guard carries out
                                    f |= (((yc >> w) + ends) ^ ends) & fm
                                    ops += 5
                                else:  # each live guard, minus the bit w below it
                                    f |= (yc - (yc >> w)) & fm
                                    ops += 5
                    for lm, ones, guards, gbase, fbase, fmap, windows in lone:
                        x = d & lm
                        if x:
                            # a guard bit per biclique with a live last
                            y = ((x + ones) & guards) >> gbase
                            if windows is not None and popcount(y) * WINDOW > windows.count:
                                # more live than a step per window costs: look them up
                                acc = windows.gather(y)
                                ops += windows.count
                                y = 0
                            else:
                                acc = 0
                                n = LONE_SERIAL if windows is None else windows.count  # all
                            while y and n:
                                low = y & -y
                                fo, fm = fmap[low.bit_length()]
                                acc |= fm << fo
                                y ^= low
                                n -= 1
                                ops += 4
                            if y:  # many live: each step above costs the group's span
                                gathered, live = G.gather(y, fmap)
                                acc |= gathered
                                ops += 2 * live
                            f |= acc << fbase
                            ops += 1
                    for lm, ones, guards, base, fmap, steps, fmr, single in fills:
                        x = d & lm
                        if x:
                            y = (x + ones) & guards  # a guard bit per live member
                            if base:
                                y >>= base
                            n = y.bit_length()
                            if single and y == 1 << (n - 1):  # one: its firsts
                                fo, fm = fmap[n]
                                acc = fm << fo
                            else:  # fill every live member's block
                                for sh, seg in steps:
                                    if sh > 0:
                                        y |= (y >> sh) & seg
                                    elif seg > FACTOR_MAX:  # runs under the guards
                                        y = ((y >> -sh) + seg) ^ seg
                                    elif seg:  # the -sh positions under each live guard
                                        y = (y >> -sh) * seg
                                    else:
                                        y |= y - (y >> -sh)
                                acc = y & fmr
                                ops += 3 * len(steps)
                            f |= acc << base if base else acc
                            ops += 2
                for low, lm, ones, guards, shift, spread in t.families:
                    if low >= top:
                        continue
                    x = d & lm
                    if x:
                        y = (x + ones) & guards  # a guard bit per block with a live last
                        f |= (y >> shift if shift >= 0 else y << -shift) * spread
                for low, lm, ones, guards in t.carries:
                    if low < top:
                        x = d & lm
                        if x:
                            f |= (x + ones) & guards
                for base, period, lm, fm in suffixes:
                    x = d & lm
                    if x:
                        low = (x & -x).bit_length() - 1
                        start = base + ((low - base) // period + 1) * period
                        f |= fm >> start << start
                for low, lm, le, oe, ge, lo, oo, go, spread, fm in t.chain_families:
                    if low >= top:
                        continue
                    x = d & lm
                    if x:
                        # the start of the item after each item with a live last...
                        y = ((x & le) + oe) & ge | ((x & lo) + oo) & go
                        # ... and from the lowest one, every first up to the block's end
                        f |= (((spread + y) ^ spread) | y) & fm
                for low, lm, fm, starts, _ in t.chains:
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
                self._count(ops, i, widest)
                return False
            i += 1
            prev = pb
            may_end = ending
        self._count(ops, i, widest)
        t = self._table(prev | (EDGE & self._next_mask) << NEXT_SHIFT)
        return bool(d & t.last) or (t.null and (not anchored or i == 0))

    def _count(self, ops: int, chars: int, widest: int) -> None:
        self.stats.ops += ops + 2 * chars  # plus the first-set OR and the class AND
        self.stats.chars += chars
        self.stats.widest = max(self.stats.widest, widest)
