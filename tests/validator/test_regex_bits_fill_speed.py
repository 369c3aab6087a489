"""Two speed-ups of the bit-parallel engine give what the paths they replace give: a fill
group's subtraction step as one multiplication (``bitgroups.FILL_MULTIPLY``: the same runs
under the guard bits), and the edges of distances with few sources tested like lone
bicliques when there are many such distances (``bitnfa.SPARSE_ALL``); the same answers
on random patterns and subjects (no timing here: ``bench_regex.py``)."""

from __future__ import annotations

import random
import sys

import pytest
from regex_testlib import bit_engines
from test_regex_bits_fuzz import pattern, subject

from contractgate._validation.regex import RegexCompileError, compile_pattern
from contractgate._validation.regex import bitgroups as _bitgroups
from contractgate._validation.regex import bitnfa as _bitnfa
from contractgate._validation.regex.bitnfa import BitNFA, Unavailable


def test_the_product_is_the_subtraction() -> None:
    r = random.Random(7)
    for _ in range(300):
        k = r.randint(1, sys.int_info.bits_per_digit - 1)
        factor = _bitgroups._run_factor(k)
        assert factor == (1 << (k + 1)) - 1
        # guard bits more than k apart, none below k
        y, g = 0, k + r.randint(0, 40)
        for _ in range(r.randint(0, 200)):
            y |= 1 << g
            g += k + 1 + r.randint(0, 30)
        assert (y >> k) * factor == y | (y - (y >> k))
    assert _bitgroups._run_factor(sys.int_info.bits_per_digit) == 0  # wider: subtract


def _branches_plus_z(k: int) -> str:
    r = random.Random(3)
    return "[ab]*a[ab]{200}c|" + "|".join(
        f"(?:a|b{{{r.randint(1, 40)}}}|c{{{r.randint(1, 40)}}}|dd|ee|kk)+z" for _ in range(k)
    )


def test_the_loops_use_the_product(monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = bit_engines(monkeypatch, _branches_plus_z(200), _bitgroups, "FILL_MULTIPLY")
    ((_, _, old_steps),) = old._fills
    ((_, _, new_steps),) = new._fills
    assert old_steps[0][0] < 0 and old_steps[0][1] == 0
    assert new_steps[0][1] == (1 << (1 - new_steps[0][0])) - 1
    assert old_steps[1:] == new_steps[1:]
    r = random.Random(4)
    for _ in range(20):
        s = "".join(r.choice("aaabcdekz") for _ in range(r.randint(0, 300)))
        assert old.is_match(s) == new.is_match(s), s
        assert old.is_match(s + "az") and new.is_match(s + "az")


def test_the_product_answers_as_the_subtraction(monkeypatch: pytest.MonkeyPatch) -> None:
    r = random.Random(20261207)
    products = 0
    for _ in range(120):
        p, samplers = pattern(r)
        try:
            old, new = bit_engines(monkeypatch, p, _bitgroups, "FILL_MULTIPLY")
        except (RegexCompileError, Unavailable):
            continue
        products += any(sh < 0 and seg for _, _, steps in new._fills for sh, seg in steps)
        for _ in range(30):
            s = subject(r, samplers)
            assert old.is_match(s) == new.is_match(s), (p, s)
    assert products >= 5


def _prefixed_loops(r: random.Random) -> str:
    """Distinct loops each behind a letter (``a(?:a|b{p}|c{q}|dd)+z``): the junctions into
    them are small bicliques, edges of dozens of distances of a few sources each."""
    branches = [
        f"{r.choice('abx')}(?:a|b{{{r.randint(1, 40)}}}|c{{{r.randint(1, 40)}}}|dd)"
        f"{r.choice('+*')}{r.choice('zab')}"
        for _ in range(r.randint(40, 150))
    ]
    return ("[ab]*a[ab]{20}c|" if r.random() < 0.5 else "") + "|".join(branches)


def test_crowded_distances_answer_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    r = random.Random(20261208)
    crowded = 0
    for _ in range(25):
        p = _prefixed_loops(r)
        m = compile_pattern(p)
        engines = []
        for sparse in (False, True):
            monkeypatch.setattr(_bitnfa, "SPARSE_ALL", sparse)
            bits = BitNFA(m.hir)
            engines.append((bits, len(bits._table(0).groups)))
        (old, old_groups), (new, new_groups) = engines
        crowded += new_groups < old_groups
        for _ in range(30):
            s = "".join(r.choice("aaabcdzx") for _ in range(r.randint(0, 120)))
            assert old.is_match(s) == new.is_match(s) == m.dfa_is_match(s), (p, s)
    assert crowded >= 10


def _small_loops(r: random.Random) -> str:
    """Distinct small loops (``(?:a(?:b{p}|c{q})|d)+z``: six edges each, on as many
    distances as there are counts), alone, in a row or behind a letter."""
    loops = [
        f"(?:a(?:b{{{r.randint(1, 30)}}}|c{{{r.randint(1, 30)}}})|{r.choice('dab')})"
        f"{r.choice('+*')}"
        for _ in range(r.randint(10, 60))
    ]
    if r.random() < 0.3:
        return "".join(loops) + "z"
    return "|".join(r.choice(["", "x", "a"]) + loop + r.choice("zab") for loop in loops)


def test_small_loops_kept_whole_answer_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    r = random.Random(20261209)
    kept = 0
    for _ in range(25):
        p = _small_loops(r)
        m = compile_pattern(p)
        engines = []
        for whole in (False, True):
            monkeypatch.setattr(_bitnfa, "SMALL_LOOPS", whole)
            try:
                engines.append(BitNFA(m.hir))
            except Unavailable:
                break
        if len(engines) < 2:
            continue
        old, new = engines
        kept += len(new._big) > len(old._big)
        for _ in range(30):
            s = "".join(r.choice("aaabcdzx") for _ in range(r.randint(0, 120)))
            assert old.is_match(s) == new.is_match(s) == m.dfa_is_match(s), (p, s)
    assert kept >= 10
