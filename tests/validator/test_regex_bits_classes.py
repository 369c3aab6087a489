"""The bit-parallel engine with thousands of distinct classes (``charmasks``).

An alternation of CJK pairs after an exponential prefix holds a class per position:
the engine kept one mask per class, each as wide as the pattern (13 000 pairs: 449 MB),
and each character it had not cached tested every class (900 us per character on a
text cycling through those characters; 30 000 pairs: 2 ms).  Past ``FEW_CLASSES`` only
classes with many positions keep a mask and a segment tree finds the classes that hold
a character.  Memory is measured with ``tracemalloc``; no timing is asserted.
"""

from __future__ import annotations

import random
from typing import List

import pytest
from regex_testlib import traced_peak

from contractgate._validation.regex import charmasks, compile_pattern
from contractgate._validation.regex.bitgroups import bitset
from contractgate._validation.regex.bitnfa import BitNFA
from contractgate._validation.regex.charmasks import ClassIndex
from contractgate._validation.regex.charset import Ranges, canon


def _pairs(k: int) -> str:
    """``k`` alternatives of two distinct CJK characters: 2k classes of one position."""
    return "|".join(chr(0x4E00 + i) + chr(0x4E00 + k + i) for i in range(k))


def _classes(r: random.Random, n: int, top: int) -> List[Ranges]:
    """``n`` random classes over ``[0, top]``: singletons, short and long ranges that
    overlap and nest, a few ranges each."""
    out = []
    for _ in range(n):
        rs = []
        for _ in range(r.randint(1, 3)):
            lo = r.randint(0, top)
            rs.append((lo, min(top, lo + r.choice([0, 0, 1, 5, r.randint(0, top)]))))
        out.append(canon(rs))  # disjoint, sorted: as a class's ranges are
    return out


@pytest.mark.parametrize("seed", range(12))
def test_a_characters_mask_is_the_union_of_its_classes_positions(seed: int) -> None:
    r = random.Random(seed)
    top = r.choice([40, 300, 5000])
    classes = _classes(r, r.choice([3, 70, 400]), top)
    positions = r.randint(len(classes), 4 * len(classes) + 300)
    cls = [r.randrange(len(classes)) for _ in range(positions)]
    for i in range(len(classes)):  # every class holds a position, as in the engine
        cls[r.randrange(positions)] = i
    by_class: List[List[int]] = [[] for _ in classes]
    for p, cid in enumerate(cls):
        by_class[cid].append(p)
    index = ClassIndex(classes, by_class, positions)
    assert (index._few is None) == (len(classes) > charmasks.FEW_CLASSES)
    for o in [*range(-1, top + 3), 0x10FFFF]:
        want = bitset([
            p for cid, rs in enumerate(classes) if any(lo <= o <= hi for lo, hi in rs)
            for p in by_class[cid]
        ])
        assert index.mask(o, index.interval(o)) == want, (seed, o)


def test_many_classes_keep_few_wide_masks() -> None:
    """4 000 one-position classes after a run of 40 000: a mask per class took 22 MB
    (4 000 x 5.5 KB); a few masks (the run's class) and position tuples now."""
    m = compile_pattern("[ab]*a[ab]{40000}c(?:" + _pairs(2000) + ")")
    bits, peak = traced_peak(lambda: BitNFA(m.hir))
    assert bits.positions == 44_003
    assert peak < 12 << 20, peak
    dense = [cm for cm in bits._classes._dense if cm]
    assert 1 <= len(dense) <= charmasks.DENSE_SHARE


@pytest.mark.parametrize("few", [False, True])
def test_many_classes_answer_as_the_dfa(few: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same answers with the segment tree and with a test per class."""
    if few:
        monkeypatch.setattr(charmasks, "FEW_CLASSES", 1 << 30)
    k = 600
    m = compile_pattern("[ab]*a[ab]{300}c(?:" + _pairs(k) + ")|x[\\p{Han}&&[^\\x{4E01}]]z")
    bits = BitNFA(m.hir)
    assert (bits._classes._few is not None) == few
    r = random.Random(5)
    prefix = "".join(r.choice("ab") for _ in range(400)) + "a" + "b" * 300 + "c"
    cycling = "".join(chr(0x4E00 + i) for i in range(2 * k))
    subjects = [
        prefix + chr(0x4E00 + 17) + chr(0x4E00 + k + 17),  # a pair after the prefix
        prefix + chr(0x4E00 + 17) + chr(0x4E00 + k + 18),  # a wrong pair
        cycling * 3,  # no prefix: every character new, none matching
        prefix[:-1] + cycling,
        "x\u4e00z", "x\u4e01z", "a" * 50 + "x\u9fa5z",
    ]
    for s in subjects:
        assert bits.is_match(s) == m.dfa_is_match(s), s[-8:]
    assert [bits.is_match(s) for s in subjects] == [True, False, False, False, True, False, True]


def test_a_character_held_by_many_classes_is_gathered_once() -> None:
    """``a`` in 600 classes of one position each (``[a\\x{4E00}]``, ...): its mask is
    kept past the engine's cache clears, and equals the union."""
    classes = [canon([(0x61, 0x7A), (0x4E00 + i, 0x4E00 + i)]) for i in range(600)]
    by_class = [[i] for i in range(600)]
    index = ClassIndex(classes, by_class, 600)
    a = index.interval(0x61)
    assert index.mask(0x61, a) == (1 << 600) - 1
    assert index._kept == {a: (1 << 600) - 1}
    assert index.mask(0x7A, index.interval(0x7A)) == (1 << 600) - 1  # one interval: a-z
    assert index.mask(0x4E05, index.interval(0x4E05)) == 1 << 5
    assert len(index._kept) == 1
