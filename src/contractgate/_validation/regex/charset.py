"""Sets of Unicode scalar values as sorted, disjoint, non-adjacent ranges.

A ``Ranges`` value is a tuple of inclusive ``(lo, hi)`` pairs.  Surrogates
(U+D800..U+DFFF) are never members: Rust's ``char`` cannot hold them, so every
constructor removes them and negation is taken within the scalar values.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Iterable, List, Tuple

Ranges = Tuple[Tuple[int, int], ...]

MAX = 0x10FFFF
_SUR_LO = 0xD800
_SUR_HI = 0xDFFF
EMPTY: Ranges = ()
ANY: Ranges = ((0, _SUR_LO - 1), (_SUR_HI + 1, MAX))


def canon(rs: Iterable[Tuple[int, int]]) -> Ranges:
    items = sorted(rs)
    out: List[Tuple[int, int]] = []
    for a, b in items:
        if a > b:
            continue
        if out and a <= out[-1][1] + 1:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    # Remove surrogates.
    res: List[Tuple[int, int]] = []
    for a, b in out:
        if b < _SUR_LO or a > _SUR_HI:
            res.append((a, b))
            continue
        if a < _SUR_LO:
            res.append((a, _SUR_LO - 1))
        if b > _SUR_HI:
            res.append((_SUR_HI + 1, b))
    return tuple(res)


def union(a: Ranges, b: Ranges) -> Ranges:
    if not a:
        return b
    if not b:
        return a
    return canon(a + b)


def negate(a: Ranges) -> Ranges:
    out: List[Tuple[int, int]] = []
    prev = 0
    for lo, hi in a:
        if lo > prev:
            out.append((prev, lo - 1))
        prev = hi + 1
    if prev <= MAX:
        out.append((prev, MAX))
    return canon(out)


def intersect(a: Ranges, b: Ranges) -> Ranges:
    out: List[Tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def difference(a: Ranges, b: Ranges) -> Ranges:
    return intersect(a, negate(b))


def symmetric_difference(a: Ranges, b: Ranges) -> Ranges:
    return difference(union(a, b), intersect(a, b))


def contains(a: Ranges, c: int) -> bool:
    i = bisect_right(a, (c, MAX + 1)) - 1
    return i >= 0 and a[i][0] <= c <= a[i][1]


def overlaps(a: Ranges, b: Ranges) -> bool:
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i][1] < b[j][0]:
            i += 1
        elif b[j][1] < a[i][0]:
            j += 1
        else:
            return True
    return False


def is_ascii(a: Ranges) -> bool:
    return not a or a[-1][1] <= 0x7F
