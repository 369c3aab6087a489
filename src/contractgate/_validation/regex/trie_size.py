"""The size of the crate's ``LiteralTrie`` for an alternation of literals (``size``).

regex-automata compiles an alternation of plain literals into a trie: per inner node one
state per *chunk* of its transitions (a literal ending at the node, once it has
transitions or is not yet split, starts a new chunk, which keeps leftmost-first order)
and a union state.  Building the trie node by node cost about 500 bytes per byte of the
pattern (1 GB for a 1 MB alternation of non-ASCII words on its way to the size-limit
error), so it is counted from the literals sorted instead: the literals under a node are
a contiguous block of the sorted order, a block's common prefix is a chain of nodes of
one child each, counted at once, and a node's events (a child's first literal, a
literal ending there) are ordered by the literals' positions in the alternation.
Memory: the sorted order and a stack of blocks.
"""

from __future__ import annotations

from typing import List, Tuple

__all__ = ["trie_cost"]


def _common(a: bytes, b: bytes, start: int) -> int:
    """The length of the common prefix of ``a`` and ``b``, known to be at least ``start``
    (a binary search over slice comparisons: no loop per byte in Python)."""
    lo, hi = start, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _node(events: List[Tuple[int, int]], transition: int, state_id: int) -> Tuple[int, int]:
    """(states, heap bytes) of an inner node from its events in alternation order: a
    child's first literal (kind 1) and a literal ending at the node (kind 0)."""
    nonempty = lengths = chunks = 0
    last = 0  # transitions in the current chunk
    has_child = False
    for _, kind in events:
        if kind:
            last += 1
            has_child = True
        elif has_child or chunks == 0:  # (a leaf's chunk is split once only)
            if last:
                nonempty += 1
                lengths += last if last > 1 else 0
            last = 0
            chunks += 1
    if last:
        nonempty += 1
        lengths += last if last > 1 else 0
    chunks += 1
    return nonempty + 1, transition * lengths + state_id * (chunks - 1 + nonempty)


def trie_cost(literals: List[bytes], transition: int, state_id: int) -> Tuple[int, int]:
    """``LiteralTrie::compile``'s (states, heap bytes) for ``literals`` in order, given
    the heap bytes of a transition (in a state with several) and of a state id."""
    order = sorted(range(len(literals)), key=literals.__getitem__)
    states, mem = 1, 0  # the shared end state
    stack = [(0, len(order), 0)] if order else []  # blocks of ``order``, their depth
    while stack:
        lo, hi, depth = stack.pop()
        first, final = literals[order[lo]], literals[order[hi - 1]]
        # the block's common prefix past ``depth``: nodes of one child and no end
        common = _common(first, final, depth)
        if common > depth and len(first) > depth:
            states += 2 * (common - depth)
            mem += state_id * (common - depth)
            depth = common
        events: List[Tuple[int, int]] = []
        i = lo
        while i < hi and len(literals[order[i]]) == depth:  # literals ending here (first)
            events.append((order[i], 0))
            i += 1
        children = []
        while i < hi:
            byte = literals[order[i]][depth]
            j, earliest = i, order[i]
            while j < hi and literals[order[j]][depth] == byte:
                earliest = min(earliest, order[j])
                j += 1
            events.append((earliest, 1))
            children.append((i, j, depth + 1))
            i = j
        if not children:
            continue  # a leaf: its parent points straight at the end state
        events.sort()
        n, m = _node(events, transition, state_id)
        states += n
        mem += m
        stack.extend(children)
    return states, mem
