"""The exact replay of ``c_unicode_class_reverse_with_suffix`` (reverse NFA, 1 000-slot
``Utf8SuffixMap``) against the straightforward step-by-step loop it replaced.

The size decision near the limit rests on this count being exact to the state, so the
fast replay is compared with the plain loop (kept here as the oracle) on many classes
and many base ids: evictions depend on the absolute ids, so bases are picked where
evictions happen early, late, several times and not at all.
"""

from __future__ import annotations

import random
from typing import Dict, List, Optional, Tuple

import pytest
from regex_testlib import class_of

from contractgate._validation.regex import size as _size
from contractgate._validation.regex.charset import Ranges

FNV_INIT = 14695981039346656037
FNV_PRIME = 1099511628211
M64 = (1 << 64) - 1


def reference(rs: Ranges, base: int, cache: int = 1000) -> Tuple[int, int]:
    """The plain loop (the oracle): (states after, extra heap bytes) of one reverse
    class compiled when ``base`` states exist."""
    n = base + 2  # union, alt_end
    alt_end = n - 1
    seqs = _size._sequences(rs)
    mem = _size.STATE_ID * len(seqs)
    keys: List[Optional[int]] = [None] * cache
    ids = [0] * cache
    for seq in seqs:
        end = alt_end
        for s, e in seq:
            key = end << 16 | s << 8 | e
            h = ((FNV_INIT ^ end) * FNV_PRIME ^ s) * FNV_PRIME
            slot = (((h ^ e) * FNV_PRIME) & M64) % cache
            if keys[slot] == key:
                end = ids[slot]
                continue
            keys[slot] = key
            ids[slot] = n
            end = n
            n += 1
    return n, mem


def non_evicting(rs: Ranges, base: int) -> int:
    b = _size._Builder(False)
    b.n = base
    b.reverse_class(rs)
    return b.n


def fast(rs: Ranges, base: int) -> Tuple[int, int]:
    b = _size._Builder(True)
    b.n = base
    b.reverse_class(rs)
    return b.n, b.mem


NAMED = ["\\w", "\\pL", "\\d", "\\s", "(?i)k", "(?i)s", ".", "[^a]", "\\pN", "\\p{Greek}",
         "[\\u{80}-\\u{10FFFF}]", "[é-ü]", "[\\u{800}-\\u{FFFF}]", "[\\u{10000}-\\u{10FFFF}]",
         "\\p{Han}", "\\W"]


def _random_class(rng: random.Random) -> Ranges:
    """Random sorted disjoint ranges, biased to byte-length boundaries and small spans."""
    points = [0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF]
    cuts = set()
    for _ in range(rng.choice([1, 2, 4, 8, 30, 120])):
        kind = rng.random()
        if kind < 0.3:
            c = rng.choice(points) + rng.randint(-3, 3)
        elif kind < 0.6:
            c = rng.randint(0x80, 0x3000)
        else:
            c = rng.randint(0, 0x10FFFF)
        cuts.add(min(max(c, 0), 0x10FFFF))
    pts = sorted(cuts)
    out: List[Tuple[int, int]] = []
    for i in range(0, len(pts) - 1, 2):
        lo, hi = pts[i], pts[i + 1]
        if out and lo <= out[-1][1] + 1:
            continue
        out.append((lo, hi))
    if not out:
        out = [(pts[0], pts[0])]
    # Surrogates are never in a class.
    cleaned: List[Tuple[int, int]] = []
    for lo, hi in out:
        if lo <= 0xDFFF and hi >= 0xD800:
            if lo < 0xD800:
                cleaned.append((lo, 0xD7FF))
            if hi > 0xDFFF:
                cleaned.append((0xE000, hi))
        else:
            cleaned.append((lo, hi))
    return tuple(cleaned)


def _bases(rs: Ranges, rng: random.Random, count: int) -> List[int]:
    """Random bases plus, among a wider sample, the ones with the most and the earliest
    evictions (so both the slow path and the batch path are exercised)."""
    picked = [0, 1, 2, 999, 1000, 65535, 65536, 330_000]
    sample = [rng.randint(0, 330_000) for _ in range(count * 3)]
    plain = {b: non_evicting(rs, b) for b in sample}
    extra: Dict[int, int] = {b: reference(rs, b)[0] - plain[b] for b in sample}
    ranked = sorted(sample, key=lambda b: -extra[b])
    picked += ranked[: count // 2]
    picked += [b for b in sample if extra[b] == 0][:2]
    picked += rng.sample(sample, count // 2)
    return sorted(set(picked))


@pytest.mark.parametrize("pattern", NAMED)
def test_named_classes_match_the_plain_loop(pattern: str) -> None:
    rs = class_of(pattern)
    rng = random.Random(pattern)
    count = 24 if len(rs) > 100 else 60
    for base in _bases(rs, rng, count):
        assert fast(rs, base) == reference(rs, base), (pattern, base)


def test_consecutive_copies_match_the_plain_loop() -> None:
    # Copies one after the other, as ``\\w{3}`` repeated compiles them.
    for pattern in ["\\w", "\\pL", "\\d"]:
        rs = class_of(pattern)
        n = n_ref = 7
        for _ in range(40):
            b = _size._Builder(True)
            b.n = n
            b.reverse_class(rs)
            n = b.n + 3
            n_ref = reference(rs, n_ref)[0] + 3
            assert n == n_ref, pattern


@pytest.mark.parametrize("seed", range(40))
def test_random_classes_match_the_plain_loop(seed: int) -> None:
    rng = random.Random(seed)
    rs = _random_class(rng)
    for base in _bases(rs, rng, 12):
        assert fast(rs, base) == reference(rs, base), (rs, base)


@pytest.mark.parametrize("cache", [1, 2, 3, 7, 31, 100, 257, 999])
def test_small_caches_match_the_plain_loop(cache: int) -> None:
    # A tiny map evicts all the time: misses in a row, parents created again (their
    # children's keys go stale), several misses in one sequence.
    from contractgate._validation.regex import suffix_replay as R

    rng = random.Random(cache)
    classes = [class_of(p) for p in ["\\w", "\\d", "\\s", "(?i)k", "\\p{Greek}"]]
    classes += [_random_class(rng) for _ in range(6)]
    for rs in classes:
        plan = R.plan_of(rs, _size._sequences)
        for base in [0, 1, 5, 1000, 77_777] + [rng.randint(0, 330_000) for _ in range(3)]:
            got = base + 2 + R.replay(plan, base + 2, cache)
            assert got == reference(rs, base, cache)[0], (rs, base, cache)


@pytest.mark.parametrize("chunk", [1, 5, 17, 100])
def test_chunk_sizes_match_the_plain_loop(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Chunk boundaries fall anywhere (a miss near one, a node evicted from the next one).
    from contractgate._validation.regex import suffix_replay as R

    monkeypatch.setattr(R, "CHUNK", chunk)
    rng = random.Random(chunk)
    classes = [class_of("\\w"), class_of("\\pL"), class_of("\\d")]
    for rs in classes + [_random_class(rng) for _ in range(4)]:
        for base in _bases(rs, rng, 6):
            assert fast(rs, base) == reference(rs, base), (rs, base, chunk)


def test_bases_cover_evictions() -> None:
    # The bases above include copies with no eviction and copies with several.
    rs = class_of("\\w")
    bases = _bases(rs, random.Random("\\w"), 24)
    extra = [reference(rs, b)[0] - non_evicting(rs, b) for b in bases]
    assert min(extra) == 0 and max(extra) >= 5
