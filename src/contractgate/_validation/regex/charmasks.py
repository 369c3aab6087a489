"""Which positions of the bit-parallel engine accept a character (``bitnfa``).

A character's mask is the union of the positions of every class that holds it.  With a
few classes a miss tests each class and ORs a mask kept per class.  A pattern may hold
tens of thousands of distinct classes (an alternation of CJK pairs), and one mask per
class, each as wide as the pattern, then took hundreds of MB (classes x positions / 8
bytes), while each miss tested every class: 1-2 ms per character of a text that
visits more distinct characters than the engine's cache holds.  Past ``FEW_CLASSES``
only classes with many positions keep a mask (at most ``DENSE_SHARE`` of them: 32 bytes
per position in all), and a segment tree over the elementary intervals between the
classes' bounds finds the classes holding a character in O(log intervals + classes
found).  A miss still costs the classes found: a character held by thousands of classes
is gathered once and kept (``KEEP_BITS``, ``KEEP_BYTES``).
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Dict, List, Optional, Tuple

from .bitgroups import bitset
from .charset import Ranges

__all__ = ["FEW_CLASSES", "ClassIndex"]

#: Up to this many classes, a miss tests each class (a mask per class is cheap then).
FEW_CLASSES = 64
#: Past ``FEW_CLASSES``, a class keeps a mask when it has at least ``positions /
#: DENSE_SHARE`` positions (and ``DENSE_MIN``): at most ``DENSE_SHARE`` such masks.
DENSE_SHARE = 256
DENSE_MIN = 64
#: A mask made of at most this many positions is ORed bit by bit (each a shift over
#: the mask's width); more are set in one pass over a byte buffer (``bitset``).
FEW_BITS = 8
#: A mask gathered from more positions than this is kept here, up to ``KEEP_BYTES`` in
#: all: the engine's own cache of masks is cleared whole when full, and a text cycling
#: through new characters would otherwise gather a character held by thousands of
#: classes again after every clear.
KEEP_BITS = 256
KEEP_BYTES = 16 << 20


class ClassIndex:
    """The positions whose class holds a code point: :meth:`mask`."""

    __slots__ = ("_dense", "_few", "_kept", "_kept_bytes", "_nodes", "_size", "_sparse", "bounds")

    def __init__(self, classes: List[Ranges], by_class: List[List[int]], positions: int) -> None:
        # The code points where some class starts or stops: between two of them every
        # class holds or not alike (an elementary interval, numbered by ``bisect_right``).
        self.bounds = sorted({x for rs in classes for lo, hi in rs for x in (lo, hi + 1)})
        self._few: Optional[List[Tuple[List[int], List[int], int]]] = None
        self._dense: List[int] = []
        self._sparse: List[Tuple[int, ...]] = []
        self._nodes: List[Optional[List[int]]] = []
        self._size = 0
        self._kept: Dict[int, int] = {}
        self._kept_bytes = 0
        if len(classes) <= FEW_CLASSES:
            self._few = [
                ([lo for lo, _ in rs], [hi for _, hi in rs], bitset(ps))
                for rs, ps in zip(classes, by_class)
            ]
            return
        dense = max(DENSE_MIN, positions // DENSE_SHARE)
        # a class id's mask (dense) or its positions (sparse): one of the two is empty
        self._dense = [bitset(ps) if len(ps) >= dense else 0 for ps in by_class]
        self._sparse = [() if len(ps) >= dense else tuple(ps) for ps in by_class]
        # A segment tree over the elementary intervals: a class's range is kept in the
        # O(log n) nodes that cover it exactly; the classes holding an interval are those
        # kept on the path from its leaf to the root.
        size = 1 << len(self.bounds).bit_length()
        nodes: List[Optional[List[int]]] = [None] * (2 * size)
        bounds = self.bounds
        for cid, rs in enumerate(classes):
            for lo, hi in rs:
                left = bisect_right(bounds, lo) + size
                right = bisect_right(bounds, hi) + size + 1
                while left < right:
                    if left & 1:
                        node = nodes[left]
                        if node is None:
                            node = nodes[left] = []
                        node.append(cid)
                        left += 1
                    if right & 1:
                        right -= 1
                        node = nodes[right]
                        if node is None:
                            node = nodes[right] = []
                        node.append(cid)
                    left >>= 1
                    right >>= 1
        self._nodes = nodes
        self._size = size

    def interval(self, o: int) -> int:
        """The elementary interval of code point ``o``: every class holds all of it or none."""
        return bisect_right(self.bounds, o)

    def mask(self, o: int, interval: int) -> int:
        """The positions whose class holds ``o`` (in ``interval``)."""
        mask = 0
        if self._few is not None:
            for los, his, cm in self._few:
                i = bisect_right(los, o) - 1
                if i >= 0 and o <= his[i]:
                    mask |= cm
            return mask
        kept = self._kept.get(interval)
        if kept is not None:
            return kept
        dense, sparse, nodes = self._dense, self._sparse, self._nodes
        bits: List[int] = []
        i = interval + self._size
        while i:
            node = nodes[i]
            if node is not None:
                for cid in node:
                    cm = dense[cid]
                    if cm:
                        mask |= cm
                    else:
                        bits.extend(sparse[cid])
            i >>= 1
        if len(bits) <= FEW_BITS:
            for p in bits:
                mask |= 1 << p
            return mask
        mask |= bitset(bits)
        size = (mask.bit_length() >> 3) + 100
        if len(bits) > KEEP_BITS and self._kept_bytes + size <= KEEP_BYTES:
            self._kept[interval] = mask
            self._kept_bytes += size
        return mask
