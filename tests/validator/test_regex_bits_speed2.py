"""Two speed-ups of the bit-parallel engine give what the paths they replace give: wide
subtraction steps as an addition into the runs they set and an XOR (``bitgroups.
CARRY_RUNS``: fill groups' first step, up and down spread chains), and sparse edges back
to their source tested apart so that the forward ones borrow straight from their sources
(``bitnfa.SPLIT_BACK``); the same answers as with the switches off and as the DFA, on
random patterns and subjects with look-arounds (no timing here: ``bench_regex.py``)."""

from __future__ import annotations

import random
from typing import List, Tuple

import pytest
from regex_testlib import bit_engines
from test_regex_bits_fuzz import pattern, subject

from contractgate._validation.regex import RegexCompileError, compile_pattern
from contractgate._validation.regex import bitgroups as _bitgroups
from contractgate._validation.regex import bitnfa as _bitnfa
from contractgate._validation.regex.bitnfa import BitNFA, Unavailable


def _carried(bits: BitNFA) -> int:
    """Carried steps and chains in the plain context's tests."""
    n = 0
    for _, _, _, _, fills, spreads in bits._table(0).chunks:
        n += sum(
            1 for fill in fills for sh, seg in fill[5] if sh < 0 and seg > _bitgroups.FACTOR_MAX
        )
        n += sum(
            1 for spread in spreads for gm, ends, w, _ in spread[3]
            if w == _bitgroups.UP_RUNS or (w >= 0 and ends) or gm == _bitgroups.ALL_RUNS
        )
    return n


def _direct_runs(bits: BitNFA) -> int:
    return sum(
        1 for chunk in bits._table(0).chunks for spread in chunk[5]
        for gm, _, w, _ in spread[3] if gm == _bitgroups.ALL_RUNS and w == _bitgroups.DIRECT
    )


def test_runs_added_into_answer_as_the_borrows(monkeypatch: pytest.MonkeyPatch) -> None:
    # every width carried (the patterns are narrow), multiplied steps off at times
    r = random.Random(20261208)
    monkeypatch.setattr(_bitgroups, "CARRY_BITS", 0)
    carried = direct = 0
    for _ in range(150):
        p, samplers = pattern(r)
        monkeypatch.setattr(_bitgroups, "FILL_MULTIPLY", r.random() < 0.5)
        monkeypatch.setattr(_bitgroups, "MAX_SPREAD_CHAINS", r.choice([4, 4, 1, 2, 3]))
        try:
            m = compile_pattern(p)
        except RegexCompileError:
            continue
        engines: List[BitNFA] = []
        try:
            for on in (False, True):
                monkeypatch.setattr(_bitgroups, "CARRY_RUNS", on)
                engines.append(BitNFA(m.hir))
                engines[-1]._table(0)
        except Unavailable:
            continue
        old, new = engines
        assert _carried(old) == 0
        carried += _carried(new) > 0
        direct += _direct_runs(new) > 0
        for _ in range(30):
            s = subject(r, samplers)
            assert old.is_match(s) == new.is_match(s) == m.dfa_is_match(s), (p, s)
    assert carried >= 20 and direct >= 5, (carried, direct)


def test_wide_loops_add_into_their_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # 60 loops 130-200 wide (over CARRY_BITS positions): the fill group's subtraction
    # step, and without wide fill groups the down chains, carried
    r = random.Random(3)
    p = "[ab]*a[ab]{20}c|" + "|".join(
        f"(?:a|b{{{r.randint(130, 200)}}}|c{{{r.randint(130, 200)}}}|dd|ee)+{r.choice('zx')}"
        for _ in range(60)
    )
    for wide_fills in (True, False):
        if not wide_fills:
            monkeypatch.setattr(_bitgroups, "MAX_WIDE_FILL_WIDTH", _bitgroups.MAX_FILL_WIDTH)
        old, new = bit_engines(monkeypatch, p, _bitgroups, "CARRY_RUNS", tables=True)
        assert _carried(old) == 0 and _carried(new) > 0
        rs = random.Random(4)
        for _ in range(40):
            s = "".join(rs.choice("aaabcdez") for _ in range(rs.randint(0, 600)))
            assert old.is_match(s) == new.is_match(s), s
        assert new.is_match("a" + "b" * 400 + "az") or new.is_match("a" + "b" * 400 + "ax")


def _behind_letters(r: random.Random) -> Tuple[str, List[str]]:
    """Distinct loops each behind a letter (junctions on many distances of one source
    each: sparse edges, forward), after a loop of one class (an edge back to its source)
    or with loops of a letter among them, with look-arounds at times; and texts that
    walk through some of them (whole, or cut short)."""
    lead, lead_text = r.choice([
        ("^[ab]*", "ab"), ("y[ab]*", "yab"), ("(?m)^x*", "\nxx"), ("y(?:ab)*", "yabab"),
        ("[ab]*", "ab"), ("\\by[ab]*", " yab"),
    ])
    branches, texts = [], []
    for _ in range(r.randint(30, 120)):
        before = r.choice(["a", "b", "\\ba", "x"])
        p, q = r.randint(1, 40), r.randint(1, 40)
        after = r.choice(["z", "a", "z\\b", "z$", "c*z", ""])
        branches.append(f"{before}(?:a|b{{{p}}}|c{{{q}}}|dd){r.choice('+*')}{after}")
        body = "".join(r.choice(["a", "b" * p, "c" * q, "dd"]) for _ in range(r.randint(1, 4)))
        end = after.replace("\\b", "").replace("$", "").replace("*", "")
        texts.append(before.replace("\\b", " ") + body + end)
    if r.random() < 0.3:
        branches.append("y+q")
    if r.random() < 0.5:
        return lead + "(?:" + "|".join(branches) + ")", [lead_text + t for t in texts]
    return lead + "a[ab]{12}c|" + "|".join(branches), texts


def _near(r: random.Random, texts: List[str]) -> str:
    """A text of the pattern, cut or changed at one place at times, or a random one."""
    if r.random() < 0.2:
        return "".join(r.choice("aaabbcdzxy \n") for _ in range(r.randint(0, 150)))
    t = r.choice(texts)
    k = r.random()
    if k < 0.3 and t:
        i = r.randrange(len(t))
        t = t[:i] + r.choice("abcdz") + t[i + 1:]
    elif k < 0.5:
        t = t[:r.randint(0, len(t))]
    return r.choice(["", "b", " "]) + t + r.choice(["", "\n", " ", "a"])


def _direct(bits: BitNFA) -> int:
    return sum(
        1 for t in bits._tables.values() for chunk in t.chunks for spread in chunk[5]
        for _, _, w, _ in spread[3] if w == _bitgroups.DIRECT
    )


def test_back_edges_apart_answer_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    r = random.Random(20261210)
    split = 0
    for _ in range(40):
        p, texts = _behind_letters(r)
        m = compile_pattern(p)
        engines = []
        for on in (False, True):
            monkeypatch.setattr(_bitnfa, "SPLIT_BACK", on)
            bits = BitNFA(m.hir)
            bits._table(0)
            engines.append(bits)
        old, new = engines
        split += _direct(new) > _direct(old)
        for _ in range(30):
            s = _near(r, texts)
            assert old.is_match(s) == new.is_match(s) == m.dfa_is_match(s), (p, s)
    assert split >= 10
