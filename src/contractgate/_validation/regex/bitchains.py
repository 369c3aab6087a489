"""The masks of the bit-parallel engine's *nullable chains* (``bitnfa``): the blocks a
chain of nullable copies or items falls into per boundary context (its walls: the items
whose null condition fails there), the families of disjoint blocks tested at once, and
the bounds on both that the engine checks before it takes a pattern.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Callable, List, Optional, Tuple

from .bitgroups import bitset, lone_groups, lowest_bit, runs
from .glushkov import MAX_EXPANDED, NO_COND, ChainItem, Cond

__all__ = [
    "ChainBlock", "ChainFamily", "chain_block_bound", "chain_blocks", "chain_families",
    "chain_family_bound",
]


#: (lowest last, lasts, firsts, item starts, start of the first item or -1) of a block of
#: a nullable chain.
ChainBlock = Tuple[int, int, int, List[int], int]


def chain_blocks(
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
    start = -1  # of the block's first item (the wall the block starts at)

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
            out.append((0, 0, 0, [], -1))
        else:
            out.append((min(lasts), bitset(lasts), bitset(firsts), starts, start))

    for j, (nulls, first, last, lo) in enumerate(items):
        if j:
            firsts.extend(q for q, c in first.flat() if ok(c))
            if lo >= 0:
                starts.append(lo)
            if not any(ok(c) for c in nulls):
                close()
                lasts, firsts, starts, start = [], [], [], lo
        else:
            start = lo
        lasts.extend(p for p, c in last.flat() if ok(c))
    close()
    return out


#: (lowest last, lasts, even items' lasts, their ones, their guards, odd items' lasts,
#: their ones, their guards, the blocks' spans, firsts): see ``chain_families``.
ChainFamily = Tuple[int, int, int, int, int, int, int, int, int, int]


def chain_families(
    blocks: List[ChainBlock],
) -> Tuple[List[ChainBlock], List[ChainFamily]]:
    """Deal large blocks of nullable chains (``chain_blocks``) to families of disjoint
    blocks, each tested at once (a block alone keeps its own test).

    A block's rule: from the lowest live last, the firsts at or above the start of the
    next item.  For every block of a family at once: an item with a live last carries
    into the start of the next item (``(lasts & D) + ones``, the items' ranges as
    blocks; the even items and the odd ones in two additions, so a carry never lands on
    a live last), and the lowest such start is spread up to the block's end
    (``((spans + y) ^ spans) | y``: the carry from it clears the span above it).  So
    thousands of chains (``(?:(?:x?y?){4}z){3000}``) cost a dozen operations, not a
    few each."""
    # (lowest position, top: the highest first or item start, item starts, block)
    spans: List[Tuple[int, int, List[int], ChainBlock]] = []
    for block in blocks:
        _, _, fm, starts, start = block
        bounds = ([start] if start >= 0 else []) + starts
        spans.append((bounds[0], max(fm.bit_length() - 1, bounds[-1]), bounds, block))
    singles: List[ChainBlock] = []
    out: List[ChainFamily] = []
    for group in lone_groups(spans):
        if len(group) == 1:
            singles.append(group[0][3])
            continue
        lm = fm = 0
        ranges: List[List[Tuple[int, int]]] = [[], []]
        guards: List[List[int]] = [[], []]
        spans_up: List[Tuple[int, int]] = []
        for _, top, bounds, (_, lasts, firsts, _, _) in group:
            lm |= lasts
            fm |= firsts
            for i in range(len(bounds) - 1):
                ranges[i & 1].append((bounds[i], bounds[i + 1] - 1))
                guards[i & 1].append(bounds[i + 1])
            spans_up.append((bounds[1], top))
        even, odd = runs(ranges[0]), runs(ranges[1])
        out.append((
            lowest_bit(lm), lm, lm & even, even, bitset(guards[0]),
            lm & odd, odd, bitset(guards[1]), runs(spans_up), fm,
        ))
    return singles, out


#: Entries x truth assignments ``chain_block_bound`` tries before it takes the coarse bound.
MAX_BOUND_WORK = 1 << 20


def chain_block_bound(items: List[ChainItem]) -> int:
    """The most large blocks ``chain_blocks`` can give in any boundary context: the walls
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
        most = max(most, len(chain_blocks(items, false.isdisjoint)))
    return most


def chain_family_bound(chains: List[List[ChainItem]]) -> int:
    """The most families ``chain_families`` can give in any boundary context.  Blocks
    that meet at a point (with their guard bits) share no family, and at most three
    blocks of one chain do (two overlap at the wall between them, the next may touch
    the first); so three per chain at the deepest point of the chains' nesting, or one
    per block of each chain (``chain_block_bound``) if that is fewer."""
    ends: List[Tuple[int, int]] = []
    for items in chains:
        positioned = [it for it in items if it[3] >= 0]
        if positioned:
            top = max(p for p, _ in (positioned[-1][1] + positioned[-1][2]).flat())
            ends.append((positioned[0][3], 1))
            ends.append((top + 2, -1))  # the guard bit above the chain still counts
    depth = most = 0
    for _, step in sorted(ends):  # a chain's end sorts before a start at the same point
        depth += step
        most = max(most, depth)
    return min(3 * most, sum(chain_block_bound(items) for items in chains))
