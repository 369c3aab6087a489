"""The regex engines cost a bounded amount of work per character (issue #15, items 1-3).

No wall-clock assertions: work is counted.  The ``re`` path is checked against an
instrumented backtracker that explores the HIR the way ``re`` explores the emitted
pattern (same choice points, same order, real look-arounds) and counts its steps;
the DFA, the bit-parallel engine and the literal-set engine count their own work
through their ``stats``/``steps`` hooks.  Speed lives in ``bench/bench_regex.py``.
"""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractgate._validation.regex import (
    STACK_SAFE_LEN,
    CompiledRegex,
    RegexCompileError,
    compile_pattern,
    is_match_fn,
)
from contractgate._validation.regex import bitchains as _bitchains
from contractgate._validation.regex import bitgroups as _bitgroups
from contractgate._validation.regex import bitnfa as _bitnfa
from contractgate._validation.regex import hir as H
from contractgate._validation.regex import nfa as _nfa
from contractgate._validation.regex import safety as _safety
from contractgate._validation.regex.bitnfa import BitNFA, Unavailable
from contractgate._validation.regex.literals import LiteralSet, literal_set
from contractgate._validation.regex.looks import AWORD, CR, EDGE, NL, UWORD, boundary, holds
from contractgate._validation.regex.unicode import is_word_char
from hang_guard import hang_guard

# -- an instrumented backtracker: re's search, step by step ------------------------------


class _TooMany(Exception):
    pass


class Backtracker:
    """Depth-first search over the HIR with ``re``'s choice points and order.

    A step is what the safety analysis counts: a choice point (an alternation,
    one iteration decision of a repetition), a look-around, a class or
    character test, reaching the end of the pattern.  Captures and
    concatenations cost nothing.  Stops at the first match, like ``search``.
    """

    def __init__(self, h: H.Hir, s: str, limit: int) -> None:
        self.h = h
        self.s = s
        self.steps = 0
        self.limit = limit

    def tick(self) -> None:
        self.steps += 1
        if self.steps > self.limit:
            raise _TooMany()

    def ctx(self, i: int) -> int:
        if i == 0:
            return EDGE
        c = self.s[i - 1]
        bits = NL if c == "\n" else CR if c == "\r" else 0
        if is_word_char(c):
            bits |= UWORD
        if c == "_" or (c.isascii() and c.isalnum()):
            bits |= AWORD
        return bits

    def m(self, h: H.Hir, i: int, k: Callable[[int], bool]) -> bool:
        s = self.s
        if isinstance(h, H.HEmpty):
            return k(i)
        if isinstance(h, H.HLiteral):
            for j, c in enumerate(h.chars):
                self.tick()
                if i + j >= len(s) or s[i + j] != c:
                    return False
            return k(i + len(h.chars))
        if isinstance(h, H.HClass):
            self.tick()
            if i < len(s) and any(lo <= ord(s[i]) <= hi for lo, hi in h.ranges):
                return k(i + 1)
            return False
        if isinstance(h, H.HLook):
            self.tick()
            nxt = s[i] if i < len(s) else None
            return holds(h.look, boundary(self.ctx(i), nxt)) and k(i)
        if isinstance(h, H.HCapture):
            return self.m(h.sub, i, k)
        if isinstance(h, H.HConcat):
            return self.seq(h.subs, 0, i, k)
        if isinstance(h, H.HAlternation):
            self.tick()
            return any(self.m(sub, i, k) for sub in h.subs)
        assert isinstance(h, H.HRepetition)
        return self.rep(h, 0, i, k)

    def seq(self, subs: List[H.Hir], n: int, i: int, k: Callable[[int], bool]) -> bool:
        if n == len(subs):
            return k(i)
        return self.m(subs[n], i, lambda j: self.seq(subs, n + 1, j, k))

    def rep(self, h: H.HRepetition, count: int, i: int, k: Callable[[int], bool]) -> bool:
        def again(j: int) -> bool:
            return self.rep(h, count + 1, j, k)

        if count < h.min:
            return self.m(h.sub, i, again)
        if h.max is not None and count >= h.max:
            return k(i)
        self.tick()
        if h.greedy:
            return self.m(h.sub, i, again) or k(i)
        return k(i) or self.m(h.sub, i, again)

    def search(self) -> bool:
        def end(_i: int) -> bool:
            self.tick()
            return True

        for start in range(len(self.s) + 1):
            if self.m(self.h, start, end):
                return True
        return False


def _backtrack(m: CompiledRegex, s: str, limit: int) -> Tuple[bool, int]:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20_000))
    try:
        b = Backtracker(m.hir, s, limit)
        return b.search(), b.steps
    finally:
        sys.setrecursionlimit(old)


# -- item 1: the analysis only sends patterns with few steps per character to re -----------

HOSTILE_FOR_RE = [
    "(?:|)" * 26 + "x",
    "(?:\\b|\\b)" * 26 + "x",
    "(" + "(?:|)" * 26 + ")[^\\s\\S]z|y",
    "(?:" + "|" * 50_000 + ")x",
    "\\b" * 10_000 + "x",
    "a.{0,10000}b",
    "(?:|)(?:|)(?:|)(?:|)(?:|)(?:|)(?:|)(?:|)\\z",
]


@pytest.mark.parametrize("pattern", HOSTILE_FOR_RE, ids=lambda p: p[:24])
def test_exponential_and_wide_empty_paths_are_not_sent_to_re(pattern: str) -> None:
    m = compile_pattern(pattern)
    assert m.engine != "re", pattern
    assert _safety.cost_bound(m.hir) is None
    dfa = m._get_dfa()
    before = dfa.stats.closure_steps
    for s in ["y", "y" * 2000, "x"]:
        m.is_match(s)
    # The DFA's closures are bounded by the NFA, once per state (here: a few states).
    assert dfa.stats.closure_steps - before <= 8 * (len(dfa.nfa.kind) + 2000)


COMMON = [
    "^[a-z0-9_]+$",
    "^\\d{4}-\\d{2}-\\d{2}$",
    "^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
    "^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$",
    "^[\\w.+-]+@[\\w-]+\\.[\\w.]+$",
    "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:\\d{2})$",
    "\\bfoo\\b",
    "colou?r",
    "^.{0,10000}$",
    "^[A-Z]{2}\\d{2}[A-Z0-9]{1,30}$",
]


@pytest.mark.parametrize("pattern", COMMON)
def test_common_contract_patterns_stay_on_re(pattern: str) -> None:
    m = compile_pattern(pattern)
    assert m.engine == "re"
    assert m.steps_per_char is not None and m.steps_per_char <= _safety.STEP_BUDGET


def _adversarial(m: CompiledRegex, r: random.Random, n: int) -> List[str]:
    """Subjects built from the pattern's own characters: runs, near misses, mixes."""
    chars: List[str] = []
    stack = [m.hir]
    while stack:
        x = stack.pop()
        if isinstance(x, H.HLiteral):
            chars.extend(x.chars)
        elif isinstance(x, H.HClass) and x.ranges:
            lo, hi = x.ranges[r.randrange(len(x.ranges))]
            chars.append(chr(lo))
            chars.append(chr(min(hi, lo + 1)))
        elif isinstance(x, (H.HRepetition, H.HCapture)):
            stack.append(x.sub)
        elif isinstance(x, (H.HConcat, H.HAlternation)):
            stack.extend(x.subs)
    chars = [c for c in chars if not 0xD800 <= ord(c) <= 0xDFFF] or ["a"]
    pool = [*chars, "!", "\n", " "]
    out = [
        chars[0] * n,
        "".join(chars[i % len(chars)] for i in range(n)),
        "".join(r.choice(pool) for _ in range(n)),
        (chars[0] * (n - 1)) + "!",
    ]
    unit = "".join(r.choice(chars) for _ in range(r.randint(1, 4)))
    out.append((unit * n)[:n - 1] + r.choice(pool))
    return out


_PIECES = [
    "a", "b", "ab", "x", "\\d", "\\w", "[a-c]", "[^a]", ".", "\\s", "-", "é", "(?i)k",
    "\\b", "\\B", "^", "$", "(?m)^", "(?m)$", "\\A", "\\z", "(?:|)", "(?:a|)", "[^\\s\\S]",
    "foo|bar", "(?:a|b)", "(?:ab|cd)", "\\b{start}",
]
_QUANTS = ["", "", "", "*", "+", "?", "{2}", "{0,3}", "{1,}", "{2,5}", "*?", "{0,40}"]


@st.composite
def _patterns(draw: st.DrawFn, depth: int = 0) -> str:
    parts: List[str] = []
    for _ in range(draw(st.integers(1, 5))):
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            inner = "|".join(draw(st.lists(_patterns(depth + 1), min_size=1, max_size=3)))
            parts.append(draw(st.sampled_from(["(", "(?:"])) + inner + ")")
        else:
            parts.append(draw(st.sampled_from(_PIECES)))
        parts.append(draw(st.sampled_from(_QUANTS)))
    return "".join(parts)


def _check_bounded(pattern: str, seed: int, n: int) -> Optional[int]:
    """Steps of the backtracker are within the proven bound; return the bound.

    A pattern whose full classes cost too much per test runs on ``re`` for ASCII
    input only (its ASCII variant, classes cut to ASCII: on ASCII subjects the
    same paths as the full HIR), so its ASCII bound is checked on ASCII subjects.
    """
    try:
        m = compile_pattern(pattern)
    except RegexCompileError:
        return None
    budget = _safety.STEP_BUDGET
    bound = _safety.cost_bound(m.hir)
    ascii_only = bound is None or bound > budget
    if ascii_only:
        bound = _safety.cost_bound(m.hir, ascii_only=True)
    if bound is None or bound > budget:
        return None
    r = random.Random(seed)
    for s in _adversarial(m, r, n):
        if ascii_only and not s.isascii():
            s = "".join(c if c.isascii() else "!" for c in s)
        limit = bound * (len(s) + 1)
        got, steps = _backtrack(m, s, limit)
        assert steps <= limit, (pattern, s, steps, bound)
        assert got == m.dfa_is_match(s), (pattern, s)
    return bound


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_patterns(), st.integers(0, 2**32))
def test_patterns_sent_to_re_take_bounded_steps(pattern: str, seed: int) -> None:
    _check_bounded(pattern, seed, 60)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_patterns())
def test_ascii_bound_never_exceeds_the_full_bound(pattern: str) -> None:
    # CompiledRegex skips the ASCII analysis when the full one succeeds.
    try:
        m = compile_pattern(pattern)
    except RegexCompileError:
        return
    full = _safety.cost_bound(m.hir)
    if full is not None:
        ascii_bound = _safety.cost_bound(m.hir, ascii_only=True)
        assert ascii_bound is not None and ascii_bound <= full, pattern


@pytest.mark.parametrize(
    "pattern",
    [
        *COMMON[:8],
        "(?:a|)(?:a|)(?:a|)x", "[ab]{40}c", "(?:foo|bar)+baz", "\\b\\w{1,5}\\b", "a{0,40}$",
        "(?m)^\\d+$", "x(?:ab|cd){0,20}y", "(?:|)(?:|)(?:|)x",
    ],
)
def test_step_bound_on_known_shapes(pattern: str) -> None:
    if _check_bounded(pattern, 7, 200) is None:
        assert compile_pattern(pattern).engine != "re"


def test_a_start_wider_than_the_budget_is_analysed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2 000 alternatives: the epsilon-tree from the start passes the budget with every
    # class test one step, and the ASCII variant's graph has the same shape, so it is not
    # analysed a second time (a fifth of compiling a (?i) word list).  Classes that
    # cost more than one step (16 or more astral ranges) still get the second analysis.
    wide = compile_pattern("|".join(f"w{i}x" for i in range(2000))).hir
    # 40 distinct classes of 17 astral ranges each (two steps per test: 81 at the start)
    heavy = compile_pattern("|".join(
        "[" + "".join(chr(0x10000 + 64 * i + 2 * j) for j in range(17)) + "]" + chr(97 + i % 26)
        for i in range(40)
    )).hir
    calls: List[bool] = []
    real = _safety.analyse

    def counted(h: H.Hir, *args: Any, **kwargs: Any) -> Any:
        calls.append(bool(kwargs.get("ascii_only")))
        return real(h, *args, **kwargs)

    monkeypatch.setattr(_safety, "analyse", counted)
    assert _safety.cost_bounds(wide) == (None, None) and calls == [False]
    assert _safety.cost_bound(wide, ascii_only=True) is None  # what it would have said
    calls.clear()
    assert _safety.cost_bounds(heavy) == (None, 43) and calls == [False, True]


def test_analysis_bound_is_per_character_not_per_pattern() -> None:
    # The work of a window of characters does not depend on how many came before.
    m = compile_pattern("[0-9a-f]{8}-[0-9a-f]{4}")
    bound = _safety.cost_bound(m.hir)
    assert bound is not None
    steps = [_backtrack(m, "0" * n, 10**9)[1] for n in (100, 200, 400)]
    for n, got in zip((100, 200, 400), steps):
        assert got <= bound * (n + 1)
    assert steps[2] - steps[1] <= 2 * (steps[1] - steps[0]) + bound


# -- item 2: bounded repetitions keep DFA states small; the cache is bounded -----------------


def _dfa(pattern: str) -> CompiledRegex:
    return CompiledRegex(pattern, compile_pattern(pattern).hir, "dfa")


@pytest.mark.parametrize(
    "pattern,subject,want",
    [
        ("^.{0,10000}$", "a" * 4000, True),
        ("^a{0,20000}b", "a" * 4000, False),
        ("^(?:ab){0,5000}$", "ab" * 2000, True),
    ],
)
def test_bounded_repetition_closures_are_small(pattern: str, subject: str, want: bool) -> None:
    m = _dfa(pattern)
    dfa = m._get_dfa()
    assert m.is_match(subject) is want
    # Before: every state held every copy after it (quadratic: 2 GB at 4 000 chars).
    assert dfa.stats.closure_steps <= 6 * (len(subject) + 2)
    assert dfa.stats.states_built <= len(subject) + 3


def test_exponential_dfa_hands_over_to_bit_parallel() -> None:
    r = random.Random(1)
    subject = "".join(r.choice("ab") for _ in range(24_000))
    m = compile_pattern("[ab]*a[ab]{20000}c")
    dfa = m._get_dfa()
    assert m.is_match(subject) is False and m.is_match(subject + "c") is True
    assert dfa.stats.handovers == 2
    # The DFA's wasted work is capped before the hand-over...
    per_call = _nfa.THRASH_SLACK + _nfa.THRASH_PER_CHAR * len(subject) + 3 * 20_003
    assert dfa.stats.work() <= 2 * (per_call + _nfa.MISS_UNITS)
    # ...and the bit-parallel engine does a fixed number of mask operations per character.
    bits = dfa._bits
    assert isinstance(bits, BitNFA)
    assert bits.stats.ops <= 8 * bits.stats.chars


def test_nullable_copies_are_one_chain() -> None:
    # Before: every DFA state held thousands of copies (2.6 ms per character).  The
    # copies of a bounded repetition are one nullable chain (of an unbounded one, a
    # suffix chain: ``x(?:a?){3000,}c``).
    for pattern, chains, suffixes in (("x(?:a?){3000}c", 1, 0), ("x(?:a?){3000,}c", 0, 1)):
        m = compile_pattern(pattern)
        subject = (("x" + "a" * 3000) * 8)[:20_000]
        assert m.is_match(subject) is False and m.is_match(subject + "c") is True
        dfa = m._get_dfa()
        assert dfa.stats.handovers == 2
        bits = dfa._bits
        assert isinstance(bits, BitNFA)
        assert (len(bits._nullable_chains), len(bits._suffixes)) == (chains, suffixes)
        assert bits.stats.ops <= 12 * bits.stats.chars


def test_chains_of_chains_are_one_chain() -> None:
    # (?:x?){4} is a chain of four optional copies; 20 000 of them in a row were 20 000
    # tests per character, each mask as wide as the pattern (600 MB, 4 ms per
    # character).  A chain that is an item of a chain gives it its items.
    m = compile_pattern("[ab]*a[ab]{200}c" + "(?:x?){4}" * 5000 + "(?:xy?){3}q")
    bits = BitNFA(m.hir)
    assert len(bits._nullable_chains) == 1 and not bits._suffixes
    assert len(bits._nullable_chains[0]) == 4 * 5000  # (?:xy?){3} is not nullable
    rs = random.Random(8)
    subject = "".join(rs.choice("ab") for _ in range(3_000))
    assert bits.is_match(subject) is False
    assert bits.stats.ops <= 24 * bits.stats.chars
    for s in ["a" + "b" * 200 + "c" + "x" * 9 + "xyxq", "a" + "b" * 200 + "cxq",
              "a" + "b" * 200 + "c" + "x" * 20005 + "q", "a" + "b" * 200 + "cyq"]:
        assert bits.is_match(s) == m.dfa_is_match(s), s


@pytest.mark.parametrize(
    "pattern",
    ["^(?:(?:ab|c)?){4}$", "^(?:(?:ab|c)?){4,5}$", "^(?:(?:ab|c)?){5,}$", "(?:(?:ab|c)?){4}x",
     "^(?:a?b?){5}$", "^(?:a|){6,}b", "^(?:a?){4}(?:b?){4}$"],
)
def test_nullable_copies_keep_the_copy_count(pattern: str) -> None:
    # A copy's own first positions are never re-entered from its last ones: every
    # string over the alphabet up to length 7 gets the DFA's answer.
    m = compile_pattern(pattern)
    bits = BitNFA(m.hir)
    assert bits._suffixes or bits._nullable_chains
    for n in range(8):
        for t in itertools.product("abcx", repeat=n):
            s = "".join(t)
            assert bits.is_match(s) == m.dfa_is_match(s), (pattern, s)


def test_copies_of_a_wide_alternation_are_one_family() -> None:
    # Before: one biclique test per copy was too many for the bit-parallel engine and
    # the DFA built a state of ~40 NFA states per character (44-150 us per character).
    r = random.Random(1)
    subject = "".join(r.choice(["a", "b", "c", "d", "ef"]) for _ in range(12_000))
    m = compile_pattern("a(?:a|b|c|d|ef){300}x")
    assert m.is_match(subject) is False
    dfa = m._get_dfa()
    bits = dfa._bits
    assert dfa.stats.handovers == 1 and isinstance(bits, BitNFA)
    assert len(bits._families) == 1 and not bits._big
    assert bits.stats.ops <= 40 * bits.stats.chars


def test_equal_loops_far_apart_are_left_to_the_fill_group() -> None:
    # Among 1 000 loops of random counts, some have the same shape by chance: four
    # equal ones thousands of positions apart were a family, six operations over the
    # whole pattern per character (20 of 53 us).  Far apart for their number, they are
    # members of the fill group with the others now, at no cost; close copies (a
    # counted repetition's) stay a family.
    m = compile_pattern(_branches_plus_z(1000))
    bits = BitNFA(m.hir)
    assert not bits._families and len(bits._fills) == 1
    r = random.Random(4)
    subject = "".join(r.choice("aaab") for _ in range(2_000))
    assert bits.is_match(subject) is False
    assert bits.stats.ops <= 45 * bits.stats.chars
    assert bits.is_match(subject + "az") is True
    # four equal junctions 500 positions apart, or 1 apart
    spaced = "(?:(?:a|b|c|d|ef)(?:a|b|c|d|ef)y{500})" * 4
    dense = "(?:(?:a|b|c|d|ef)(?:a|b|c|d|ef)y)" * 4
    assert not BitNFA(compile_pattern(spaced).hir)._families
    assert len(BitNFA(compile_pattern(dense).hir)._families) == 1


def test_fill_groups_start_with_one_subtraction() -> None:
    # The 1 000 loops' guard bits are 10 or more apart: ``y - (y >> 9)`` fills the 9
    # positions under every live guard at once, then 4 doublings (10, 20, 40, 80)
    # instead of 7 (1, 2, ..., 64).
    (fill,) = BitNFA(compile_pattern(_branches_plus_z(1000)).hir)._fills
    guards = sorted(hi + 1 for _, hi, _, _ in fill[0])
    assert min(b - a for a, b in zip(guards, guards[1:])) == 10
    assert [sh for sh, _ in fill[2]] == [-9, 10, 20, 40, 80]


def test_fill_groups_shift_down_only_past_a_wide_prefix() -> None:
    # The steps run on the guard bits shifted down to the group's lowest position only
    # when that saves more than the two shifts cost: not for the 1 000 loops after a
    # prefix of 203 positions, but for 8 loops after one of 400 (a branch, so the loops
    # are reached after one character): the same answers either way.
    (fill,) = BitNFA(compile_pattern(_branches_plus_z(1000)).hir)._fills
    assert fill[1] == 0
    loops = "".join(f"(?:x{{{i}}}a|xb|ba|bb|ab)*" for i in range(1, 9)) + "x$"
    m = compile_pattern("(?:q{400}|b)" + loops)
    bits = BitNFA(m.hir)
    assert bits._fills and all(fill[1] > 400 for fill in bits._fills)
    _assert_agrees(bits, m, "aabbx", 40)


def _letter_loops(op: str) -> List[str]:
    """Four loops ``(?:a|b{5}|by|bx|bw|bv)`` + ``op``, for ``b``, ``c``, ``e``, ``g``
    (5 to 8 copies): each large enough for a fill group, live alone on its own letter."""
    return [f"(?:a|{c}{{{n}}}|{c}y|{c}x|{c}w|{c}v){op}" for c, n in zip("bceg", range(5, 9))]


def test_a_lone_live_member_of_a_fill_group_is_looked_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Four loops in two fill groups: on ``ccc...`` only the second is live, and its
    # firsts are looked up, without the fill steps (3 operations each per character);
    # on ``aaa...`` all four are, and filled either way.  The same answers as the DFA
    # both ways.
    m = compile_pattern("".join(_letter_loops("*")) + "z")

    def engine(single: bool) -> BitNFA:
        monkeypatch.setattr(_bitgroups, "FILL_SINGLE", single)
        bits = BitNFA(m.hir)
        _assert_agrees(bits, m, "abcegyz", 30)
        return bits

    looked_up, filled = engine(True), engine(False)
    assert [len(members) for members, _, _ in filled._fills] == [2, 2]
    # the c loop's (positions 14 to 28; every other loop is in the other group)
    (steps,) = [steps for members, _, steps in filled._fills if members[0][0] == 14]

    def ops(bits: BitNFA, subject: str) -> int:
        assert bits.is_match(subject + "z") is True
        bits.stats.ops = 0
        assert bits.is_match(subject) is False
        return bits.stats.ops

    saved = ops(filled, "c" * 600) - ops(looked_up, "c" * 600)
    assert saved % (3 * len(steps)) == 0 and saved >= 3 * len(steps) * 590
    assert ops(filled, "a" * 600) == ops(looked_up, "a" * 600)


def test_a_chunk_of_one_test_is_not_tested_twice() -> None:
    # A chunk's union of lasts skips all its tests while none is live; for a chunk of
    # one group that is the group's own first test, one operation more per character
    # (0.7-1.4 us over 50 000-100 000 positions): such a chunk has no union (0).  A
    # biclique's test costs no more than the union's, which skips the chunk's loops.
    loops = "".join(_letter_loops("*"))
    for pattern, kinds, union in (
        (_branches_plus_z(1000), [0, 0, 1, 0], False),  # a fill group
        (_junctions(300, 3), [0, 0, 0, 1], False),  # a spread group
        ("x(?:a?){3000}c", [1, 0, 0, 0], True),  # a biclique
        (loops, [0, 0, 2, 0], True),  # two fill groups
    ):
        (chunk,) = BitNFA(compile_pattern(pattern).hir)._table(0).chunks
        assert [len(part) for part in chunk[2:]] == kinds
        assert (chunk[1] != 0) is union


def test_characters_that_end_no_match_skip_the_match_test() -> None:
    # Each step tested ``D`` against the last positions, one operation over the pattern
    # (0.6-1.7 us at 50 000-100 000 positions).  ``D`` holds only positions of its
    # character's class: where that class holds no last position (``a`` and ``b`` in
    # the 1 000 loops, which end in ``c`` or ``z``), the test is skipped.
    m = compile_pattern(_branches_plus_z(1000))
    bits = BitNFA(m.hir)
    assert [bits._char(c)[3] for c in "abzcy"] == [False, False, True, True, False]
    tested = []

    class Lasts(int):
        def __rand__(self, d: int) -> int:
            tested.append(d.bit_length())
            return int(self) & d

    table = bits._table(0)
    table.last = Lasts(table.last)
    r = random.Random(4)
    subject = "".join(r.choice("aaab") for _ in range(300)) + "c"
    # tested after the ``c`` and after the last character
    assert bits.is_match(subject + "aab") is False and len(tested) == 2
    assert bits.is_match(subject + "az") is True and len(tested) == 4  # after ``c``, ``z``
    # a last position under a condition counts (``\b`` after ``x``)
    assert BitNFA(compile_pattern("(?:ab|cd)*x\\b").hir)._char("x")[3] is True


def _random_loops(
    r: random.Random, most: int, branches: Callable[[], List[str]], suffix: Callable[[], str],
) -> str:
    """2 to ``most`` loops ``(?:...)``, each of the ``branches()`` in random order then
    ``suffix()``, and ``y``."""
    loops = []
    for _ in range(r.randint(2, most)):
        words = branches()
        r.shuffle(words)
        loops.append("(?:" + "|".join(words) + ")" + suffix())
    return "".join(loops) + "y"


@pytest.mark.parametrize("single", [False, True])
def test_fill_subtraction_steps_agree_with_the_dfa(
    single: bool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Random loops of random widths (guards 3 to 30 apart, the lowest near the base),
    # every live member filled, or a lone live member looked up: the same answers as
    # the DFA; and the subtraction step is met with several widths.
    monkeypatch.setattr(_bitgroups, "FILL_SINGLE", single)
    r = random.Random(7 + single)
    ks = set()
    for _ in range(40):
        m = compile_pattern(_random_loops(
            r, 6, lambda: ["a" * r.randint(1, 6), "b" * r.randint(1, 6), "ab", "x", "ba"],
            lambda: "*" + r.choice(["", "x", "\\b"]),
        ))
        bits = BitNFA(m.hir)
        ks.update(-fill[2][0][0] for fill in bits._fills if fill[2] and fill[2][0][0] < 0)
        _assert_agrees(bits, m, "aabxy ", 40)
    assert len(ks) >= 3, ks


def test_fill_doubling_steps_agree_with_the_dfa() -> None:
    # A second loop one position wider than the subtraction covers, then exactly as
    # wide as the doubling step reaches: its lowest first (the ``b`` of ``ba``) lies
    # where the step lands, then at the end of its reach. A shift one too far leaves a
    # gap at the first, one too short falls short of the second: the tests above
    # missed both.
    for k, n in [(3, 7), (3, 19), (9, 13), (9, 31), (15, 19), (15, 43)]:  # n: k + 4, 2k + 13
        m = compile_pattern(f"(?:{'d' * k}|x|ab|cccc|ba)*y(?:ba|x|{'c' * n}|ab|b)+yy")
        bits = BitNFA(m.hir)
        assert [[sh for sh, _ in steps] for _, _, steps in bits._fills] == [[-(k + 9), k + 10]]
        assert bits.is_match("yxbayy") is True and bits.is_match("yxaayy") is False
        _assert_agrees(bits, m, "bcdxy", 60)
    # Each step stays within its member's block (``& seg``): after ``xy`` the two upper
    # loops are live, and the middle one's run, doubled past its block, must not reach
    # the firsts of the lowest loop, which is not live.
    m = compile_pattern(
        "^(?:(?:a|xa|ay|aw|av)+z|(?:e|xy|ey|ew|ev|eu)+z|(?:" + "c" * 30 + "|xy|cy|cw|cv)+z)$"
    )
    bits = BitNFA(m.hir)
    assert [len(members) for members, _, steps in bits._fills if len(steps) == 3] == [3]
    assert bits.is_match("xyaz") is False and bits.is_match("xyez") is True
    _assert_agrees(bits, m, "acexyz", 40)
    # Random loops whose blocks are up to 30 positions wide, some two or three times
    # their closest guard distance: the fill groups double their filled run (``y |= (y
    # >> sh) & seg``) after the subtraction.
    r = random.Random(11)
    doubling = 0
    for _ in range(40):
        m = compile_pattern(_random_loops(
            r, 8,
            lambda: [
                r.choice("abcd") * r.randint(1, 30), r.choice("abcd") * r.randint(1, 8), "ab",
                "x", "ba",
            ],
            lambda: r.choice("*+") + r.choice(["", "x"]),
        ))
        bits = BitNFA(m.hir)
        doubling += sum(sh > 0 for _, _, steps in bits._fills for sh, _ in steps)
        _assert_agrees(bits, m, "abcdxy", 80)
    assert doubling >= 10, doubling


def _branches_plus_z(k: int, lo: int = 1, hi: int = 40) -> str:
    """``k`` loops ``(?:a|b{p}|c{q}|dd|ee|kk)+z`` with counts from ``lo`` to ``hi``,
    after an exponential prefix that keeps the DFA from holding them."""
    r = random.Random(3)
    return "[ab]*a[ab]{200}c|" + "|".join(
        f"(?:a|b{{{r.randint(lo, hi)}}}|c{{{r.randint(lo, hi)}}}|dd|ee|kk)+z" for _ in range(k)
    )


def _handed_over(m: CompiledRegex, n: int, seed: int) -> Tuple[Any, BitNFA, str]:
    """Search ``n`` random ``ab`` characters (no match): the DFA's cache thrashes and it
    hands the search over to the bit-parallel engine, once.  (dfa, engine, subject)."""
    dfa = m._get_dfa()
    rs = random.Random(seed)
    subject = "".join(rs.choice("ab") for _ in range(n))
    assert m.is_match(subject) is False
    bits = dfa._bits
    assert dfa.stats.handovers == 1 and isinstance(bits, BitNFA)
    return dfa, bits, subject


def _tail(groups: int) -> str:
    return "".join(f"(?:x{{{i}}}y|xz|zy|zz|yx)*" for i in range(1, groups + 1))


def test_many_distinct_wide_loops_after_an_exponential_prefix_hand_over() -> None:
    # Before: 139 lone large bicliques (70 loops, 69 junctions of the nullable tail) were
    # more than the bit-parallel engine took (64), and the DFA thrashed with nothing to
    # hand over to (640 us per character at [ab]{5000}, 1.8 ms at [ab]{20000}).
    m = compile_pattern("[ab]*a[ab]{3000}c" + _tail(70))
    dfa, bits, subject = _handed_over(m, 12_000, seed=5)
    # The tail's junctions are one nullable chain; its 70 distinct loops are two fill
    # groups of disjoint blocks (one carry test each), the edge into the chain is lone.
    assert len(bits._nullable_chains) == 1 and not bits._families
    assert len(bits._big) > 64 and [len(g[0]) for g in bits._fills] == [35, 35]
    assert len(bits._lone) == 1
    assert bits.stats.ops <= 16 * bits.stats.chars
    # The DFA's work before the hand-over is capped as usual, no cache evictions.
    per_call = _nfa.THRASH_SLACK + _nfa.THRASH_PER_CHAR * len(subject) + 3 * 3_003
    assert dfa.stats.work() <= per_call + _nfa.MISS_UNITS and dfa.stats.evictions == 0
    assert m.is_match(subject[:5000] + "a" + "b" * 3000 + "czzxxyw") is True
    assert dfa.stats.handovers == 2


def test_conditional_junctions_are_one_nullable_chain() -> None:
    # Before: a look-around between the loops broke the nullable chain, and the
    # junctions were lone bicliques whose blocks nest (69 groups; 700 such loops after
    # [ab]{100000} were more group bits than the engine takes, and the DFA ran at ~2 ms
    # per character).  Now the \b items are conditional members of the chain: walls
    # where \b fails, so one block per boundary context.
    m = compile_pattern("[ab]*a[ab]{2000}c" + "".join(
        f"(?:x{{{i}}}y|xz|zy|zz|yx)*\\b" for i in range(1, 71)))
    dfa, bits, subject = _handed_over(m, 8_000, seed=7)
    # The 70 loops are two fill groups, the edge into the chain is lone.
    assert len(bits._lone) == 1 and len(bits._fills) == 2
    assert len(bits._nullable_chains) == 1
    assert _bitchains.chain_block_bound(bits._nullable_chains[0]) == 1
    assert bits.stats.ops <= 16 * bits.stats.chars
    assert dfa.stats.evictions == 0
    assert m.is_match(subject[:3000] + "a" + "b" * 2000 + "c zz yx") is True


def test_thousands_of_distinct_junctions_hand_over() -> None:
    # 5 000 alternations of random shapes in a row: 4 989 large junction bicliques, few
    # alike (at most a family or two).  Before: more than the 4 096 lone bicliques the engine took,
    # and the DFA ran on at 0.5-1.4 ms per character, its RSS growing past 200 MB.
    # They are dealt to two groups of disjoint blocks, skipped while D is below them.
    r = random.Random(3)
    alts = [["x" * r.randint(0, 2) + c for c in "yzwvuq"] for _ in range(5000)]
    m = compile_pattern("[ab]*a[ab]{2000}c" + "".join("(?:" + "|".join(a) + ")" for a in alts))
    dfa, bits, subject = _handed_over(m, 12_000, seed=5)
    assert len(bits._big) > 4096 and len(bits._lone) <= 4 and len(bits._families) <= 2
    assert bits.stats.ops <= 64 * bits.stats.chars
    tail = "".join(r.choice(a) for a in alts)
    assert m.is_match(subject[:3000] + "a" + "b" * 2000 + "c" + tail) is True
    assert m.is_match(subject[:3000] + "a" + "b" * 2000 + "c" + tail[:-1]) is False
    assert dfa.stats.handovers == 3


@pytest.mark.parametrize(
    "tail", ["(?:xy){0,4000}", "(?:ab|\\b){0,3000}", "(?:\\b|\\B|x){0,2000}", "(?:xy|z){5,3000}"],
)
def test_bounded_repetitions_are_one_chain_of_optional_copies(tail: str) -> None:
    # Before: X{m,n} was nested, X(X(X)?)?, and each level flattened (and, with a look
    # in X, copied) the whole tail: quadratic build work, so the engine declined a
    # plain (?:xy){0,3500} after ~4 s and the DFA thrashed on at 300-700 us/char.
    # X^m (X?)^(n-m) has the same language; its optional copies are one nullable chain.
    from contractgate._validation.regex.glushkov import Builder

    m = compile_pattern("[ab]*a[ab]{2000}c" + tail)
    b = Builder()
    b.build(m.hir)
    assert b.work < 600_000  # nested: 8-110 M
    assert len([c for c in b.chains_nullable if c]) == 1
    _, bits, _ = _handed_over(m, 8_000, seed=2)
    assert bits.stats.ops <= 24 * bits.stats.chars


@pytest.mark.parametrize(
    "pattern", ["[ab]*a[ab]{2000}c(?:ab|\\b){5000}", "(?:ab|\\b){4000}[ab]*a[ab]{2000}c"],
)
def test_repeated_conditional_items_cost_a_few_steps(pattern: str) -> None:
    # (?:ab|\b) is nullable only where \b holds: elsewhere every copy is a wall of the
    # chain.  Before: 4 999 blocks were more than the engine took (the DFA thrashed at
    # 250 us/char), or ~4 000 block tests per character (880 us/char).  Blocks of at
    # most 16 edges are single edges, grouped by distance with the others.
    m = compile_pattern(pattern)
    bits = BitNFA(m.hir)
    assert _bitchains.chain_block_bound(bits._nullable_chains[0]) <= 1
    rs = random.Random(3)
    subject = "".join(rs.choice("ab") for _ in range(6_000))
    assert bits.is_match(subject) is False
    assert bits.stats.ops <= 24 * bits.stats.chars
    for s in ["ab" * 2001 + "c", "a" + "b" * 2000 + "cab ab", "ab ab a" + "b" * 2000 + "c"]:
        assert bits.is_match(s) == m.dfa_is_match(s), s


def test_a_new_character_costs_a_look_up_not_a_pass_over_every_class() -> None:
    # 5 000 distinct classes and a text of 20 000 distinct characters (each a DFA miss,
    # so the search hands over): each new character passed over every class (1.1 ms
    # per character).  Between two class boundaries every class holds or not alike: one
    # mask per interval, computed once.
    m = compile_pattern("".join(f"[^\\x{{{0x100 + i:x}}}]" for i in range(5000)) + "q")
    bits = BitNFA(m.hir)
    text = "".join(chr(0x4E00 + i) for i in range(20_000))
    assert bits.is_match(text) is False and len(bits._intervals) == 1
    assert bits.is_match(text[:6000] + "q") is True
    near = "".join(chr(0x100 + i) for i in range(0, 5000, 7)) + "ab"
    for s in [near, near[1:] + "q", "\u0100" * 5001 + "q", "a" * 5000 + "q"]:
        assert bits.is_match(s) == m.dfa_is_match(s), s[-20:]


def test_hundreds_of_distances_cost_a_few_steps() -> None:
    # 400 loops (?:x[ab]{k})* have 400 distinct loop-back distances.  Before: three
    # operations over every position per distance and character (375 us per character).
    # Past the 16 busiest distances, a sparse distance's edges are lone bicliques.
    m = compile_pattern("".join(f"(?:x[ab]{{{k}}})*" for k in range(1, 401)) + "q")
    bits = BitNFA(m.hir)
    rs = random.Random(5)
    subject = "".join(rs.choice("xababababab") for _ in range(4_000))
    assert bits.is_match(subject) is False
    assert all(len(t.groups) <= _bitnfa.DISTANCES + 1 for t in bits._tables.values())
    assert bits.stats.ops <= 64 * bits.stats.chars  # 800 before
    for s in ["xa" + "xab" + "xaba" + "q", "xaxq", "xab" * 5 + "q", "xabq" + "xq"]:
        assert bits.is_match(s) == m.dfa_is_match(s), s


def test_a_search_stays_on_the_dfa_while_it_is_cheaper_than_the_bit_engine() -> None:
    # 400 distinct loops: 80 000 positions, so the bit-parallel engine costs about 70
    # closure steps' worth per character (20-25 us), while the DFA needs a few hundred
    # states, built in a burst of misses at the start.  Before: the burst handed the
    # first search over, 23 us per character instead of about 2.
    m = compile_pattern("".join(f"(?:x[ab]{{{k}}})*" for k in range(1, 401)) + "q")
    dfa = m._get_dfa()
    rs = random.Random(5)
    subject = "".join(rs.choice("xababababab") for _ in range(20_000))
    assert m.is_match(subject) is False
    bits = dfa._bits
    assert isinstance(bits, BitNFA) and bits.work_per_char() > 2 * _nfa.THRASH_PER_CHAR
    assert dfa.stats.handovers == 0 and dfa._per_char == bits.work_per_char()
    # The DFA's work stays within the raised allowance: linear, its slack scaled alike.
    per_char = dfa._per_char
    slack = _nfa.THRASH_SLACK * per_char // _nfa.THRASH_PER_CHAR
    assert dfa.stats.work() <= slack + per_char * len(subject) + _nfa.MISS_UNITS
    assert m.is_match(subject + "xaq") is True and dfa.stats.handovers == 0



def test_a_dead_branch_does_not_keep_a_thrashing_search_on_the_dfa() -> None:
    # 529 distinct loops behind a `q` the text never holds: 140 000 positions, so the bit
    # engine's estimate (every test over the whole pattern) is 129 units per character,
    # and the DFA, allowed as much, thrashed on the look-around prefix at 25 us per
    # character without handing over.  The bit engine measured on the text costs 9
    # units (its state never reaches the loops): it takes over, at about 5 us.
    loops = "".join(f"(?:x[ab]{{{k}}})*" for k in range(1, 530))
    m = compile_pattern("[ab]*a(?:[ab](?:\\b|\\B)){40}c|q" + loops + "w")
    dfa = m._get_dfa()
    rs = random.Random(3)
    subject = "".join(rs.choice("ab") for _ in range(16_000))
    assert m.is_match(subject) is False
    bits = dfa._bits
    assert isinstance(bits, BitNFA) and bits.work_per_char() > 100
    assert dfa._bits_cost is not None and dfa._bits_cost < _nfa.THRASH_PER_CHAR
    assert dfa.stats.handovers == 1 and dfa._per_char == _nfa.THRASH_PER_CHAR
    slack = _nfa.THRASH_SLACK
    assert dfa.stats.work() <= slack + _nfa.THRASH_PER_CHAR * len(subject) + _nfa.MISS_UNITS
    assert m.is_match(subject + "q" + "xab" * 3 + "w") is True
    assert m.is_match(subject + "a" + "b" * 40 + "c") is True
    assert m.is_match(subject + "a" + "b" * 39 + "c") is False

def test_live_loops_cost_a_few_steps_per_fill_group() -> None:
    # Past the prefix the tail's loops are all live.  Before: one carry test per group,
    # then four operations per live loop (~300 per character).  Now the loops are two
    # fill groups: a carry, then their blocks filled by 7 doubling shifts (~40).
    m = compile_pattern("[ab]*a[ab]{300}c" + _tail(70) + "w")
    bits = BitNFA(m.hir)
    assert [len(g[0]) for g in bits._fills] == [35, 35]
    r = random.Random(6)
    subject = "a" + "".join(r.choice("ab") for _ in range(300)) + "c" + "zz" * 2000
    assert bits.is_match(subject) is False and bits.is_match(subject + "w") is True
    assert bits.stats.ops <= 50 * bits.stats.chars
    assert m.dfa_is_match(subject) is False and m.dfa_is_match(subject + "w") is True


def _assert_agrees(bits: BitNFA, m: CompiledRegex, alphabet: str, longest: int) -> None:
    """The bit-parallel engine answers as the DFA on every string over ``abx`` up to
    length 6 and on 300 random strings over ``alphabet`` up to ``longest`` characters."""
    for n in range(7):
        for t in itertools.product("abx", repeat=n):
            s = "".join(t)
            assert bits.is_match(s) == m.dfa_is_match(s), (m.pattern, s)
    r = random.Random(m.pattern)
    for _ in range(300):
        s = "".join(r.choice(alphabet) for _ in range(r.randint(0, longest)))
        assert bits.is_match(s) == m.dfa_is_match(s), (m.pattern, s)


FILL_PATTERNS = [
    "".join(f"(?:x{{{i}}}a|xb|ba|bb|ab)*" for i in range(1, 9)) + "x$",
    "".join(f"(?:x{{{i}}}a|xb|ba|bb|ab)*\\b" for i in range(1, 9)) + "x",
    "^(?:" + "|".join(f"(?:a{{{i}}}b|ab|ba|bb|xa)*" for i in range(1, 7)) + ")+x$",
    "(?m)^" + "".join(f"(?:a{{{i}}}b|a$|ba|^b|xa)*" for i in range(1, 7)) + "$",
    "^a(?:ab|ba|bb|ax|xx)*(?:x|ab|bb|ba|aa)*(?:b|ba|xx|ab|aa)*$",
    "a(?:ab|ba|bb|ax|xx)*\\b(?:x|ab|bb|ba|aa)*\\B(?:b|ba|xx|ab|aa)*\\b(?:a|xb|bx|xx|ab)*$",
    "(?:ab|ba|xb|bx|aa)*x(?:ba|xa|bb|ax|a)*b(?:b|xx|ab|ba|aa)*$",
]


@pytest.mark.parametrize("single", [False, True])
@pytest.mark.parametrize("pattern", FILL_PATTERNS)
def test_fill_groups_agree_with_the_dfa(
    pattern: str, single: bool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A lone live member of a fill group looked up, or every live member filled: the
    # same answers as the DFA.
    monkeypatch.setattr(_bitgroups, "FILL_SINGLE", single)
    m = compile_pattern(pattern)
    bits = BitNFA(m.hir)
    assert bits._fills
    _assert_agrees(bits, m, "aabbx \n", 40)


@pytest.mark.parametrize("serial", [0, 1, 4])
def test_fill_groups_fall_back_to_lone_groups(
    serial: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Beyond the fill budget the loops are lone bicliques again, with the same answers,
    # their live members taken one by one (4) or gathered at once (0) when chains
    # cannot take them (test_spread_chains_agree_with_the_dfa has the chains).
    monkeypatch.setattr(_bitgroups, "MAX_FILL_BITS", 0)
    monkeypatch.setattr(_bitgroups, "MAX_SPREAD_CHAINS", 0)
    monkeypatch.setattr(_bitnfa, "LONE_SERIAL", serial)
    m = compile_pattern(FILL_PATTERNS[0])
    bits = BitNFA(m.hir)
    assert not bits._fills and any(len(g) > 1 for g in bits._lone)
    r = random.Random(9)
    for _ in range(300):
        s = "".join(r.choice("aabbx") for _ in range(r.randint(0, 40)))
        assert bits.is_match(s) == m.dfa_is_match(s), s


def _junctions(k: int, seed: int, most: int = 40) -> str:
    """``k`` branches ``X Y`` of random counts after an exponential prefix: each
    junction ``last(X) x first(Y)`` is a large biclique, all in one lone group."""
    r = random.Random(seed)

    def n() -> int:
        return r.randint(1, most)

    return "[ab]*a[ab]{200}c|" + "|".join(
        f"(?:a|b{{{n()}}}|c{{{n()}}}|dd|ee|kk)(?:az|f{{{n()}}}|gg|hh|ii)" for _ in range(k)
    )


def _lone_windows(bits: BitNFA) -> List[Any]:
    return [
        lone[6] for t in bits._tables.values() for chunk in t.chunks for lone in chunk[3]
    ]


def _spreads(bits: BitNFA) -> List[Any]:
    return [
        spread for t in bits._tables.values() for chunk in t.chunks for spread in chunk[5]
    ]


def _searched_junctions() -> Tuple[BitNFA, str]:
    """The engine of 300 junctions (one lone group) after a search of 3 000 `a`-heavy
    characters it does not match, and that text."""
    m = compile_pattern(_junctions(300, 3))
    bits = BitNFA(m.hir)
    assert [len(g) for g in bits._lone] == [300]
    r = random.Random(4)
    subject = "".join(r.choice("aaab") for _ in range(3_000))
    assert bits.is_match(subject) is False
    return bits, subject


def test_many_live_junctions_are_spread_by_one_subtraction() -> None:
    # On a-heavy text about 225 of the 300 junctions are live at once.  Looked up per
    # window of 8 members, that was 38 look-ups per character (28 us; 125 and 89 us
    # for 1 000 junctions); their firsts lie above their guard bits in disjoint spans,
    # so one subtraction from the spans' ends finds them all (one chain).  Whole
    # junctions (lowest last to end) are disjoint too: the subtraction takes the live
    # lasts themselves, without the carry into guard bits (a direct chain: 4 operations,
    # was 7, and 13 per character in all, now 10).
    bits, subject = _searched_junctions()
    assert not _lone_windows(bits)
    (spread,) = _spreads(bits)
    assert [w for _, _, w, _ in spread[3]] == [_bitgroups.DIRECT] and spread[1:3] == (0, 0)
    assert bits.stats.ops <= 10 * bits.stats.chars
    assert bits.is_match(subject + "azz") is True


@pytest.mark.parametrize("wide_fills", [True, False])
def test_wide_loops_are_spread_down_by_chains_or_filled(
    wide_fills: bool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 300 loops of 270-410 positions each, wider than a narrow fill group's 256: lone
    # bicliques whose firsts lie below their guard bits.  Looked up per window they cost
    # 65 us per character (the Rust crate 32); spread down by two chains of every other
    # loop (``y - (y >> w)`` fills each live loop's block), 30 (13 operations for the
    # group); their guard bits are at least 270 apart, so as a fill group of their own
    # they take a subtraction and one doubling, 23 (11 operations).
    if not wide_fills:
        monkeypatch.setattr(_bitgroups, "MAX_WIDE_FILL_WIDTH", _bitgroups.MAX_FILL_WIDTH)
    m = compile_pattern(_branches_plus_z(300, 130, 200))
    bits = BitNFA(m.hir)
    rs = random.Random(4)
    subject = "".join(rs.choice("aaab") for _ in range(2_000))
    assert bits.is_match(subject) is False
    assert not _lone_windows(bits)
    if wide_fills:
        ((members, _, steps),) = bits._fills
        assert len(members) == 300 and not _spreads(bits)
        ((k, _), (sh, _)) = steps
        assert -k >= 269 and sh == 1 - k
        assert bits.stats.ops <= 20 * bits.stats.chars
    else:
        assert not bits._fills and [len(g) for g in bits._lone] == [300]
        (spread,) = _spreads(bits)
        assert [w >= 0 for _, _, w, _ in spread[3]] == [True, True]
        assert bits.stats.ops <= 30 * bits.stats.chars
    assert bits.is_match(subject + "az") is True


def test_wide_loops_far_apart_stay_in_a_chain() -> None:
    # Two loops 300 wide, 2 000 positions apart (and above position 500: ``y >> w``
    # drops no guard bit): one down chain (4 operations) costs less than a fill group's
    # subtraction and doubling (8); and the same answers as the DFA.  Three narrow
    # loops before them are a fill group still (grouped with the wide ones, all would
    # have been chains).
    narrow = "(?:a|b{5}|c{6}|dd|ee|kk)+z" * 3
    m = compile_pattern(
        f"y{{500}}{narrow}(?:(?:a|b{{150}}|c{{150}}|dd|ee|kk)+zx{{2000}})"
        "(?:a|b{150}|c{160}|dd|kk)+z"
    )
    bits = BitNFA(m.hir)
    assert [len(members) for members, _, _ in bits._fills] == [3]
    bits.is_match("a")
    (spread,) = _spreads(bits)
    assert [(gm, w >= 0) for gm, _, w, _ in spread[3]] == [(-1, True)]
    s = "y" * 500 + "az" * 3 + "a" + "b" * 150 + "c" * 150 + "dd" + "z" + "x" * 2000
    assert bits.is_match(s + "kkbbz") is False and bits.is_match(s + "kkz") is True
    assert m.dfa_is_match(s + "kkbbz") is False and m.dfa_is_match(s + "kkz") is True


def test_many_live_lone_bicliques_cost_a_look_up_per_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Without chains (the firsts of a group's members below their guard bits, or their
    # spans overlapping past MAX_SPREAD_CHAINS), many live members are looked up per
    # window of WINDOW members: before, four operations per live member, or two each
    # gathered from a binary string (~470 per character, 165 us); with windows, 38.
    monkeypatch.setattr(_bitgroups, "MAX_SPREAD_CHAINS", 0)
    bits, subject = _searched_junctions()
    (windows,) = _lone_windows(bits)
    assert windows.count <= 300 // _bitgroups.WINDOW + 2
    assert bits.stats.ops <= 60 * bits.stats.chars
    # Each window keeps at most 2 ** WINDOW unions, bounded before any text is read.
    assert all(
        len(w[4]) <= _bitgroups.WINDOW and len(w[2]) <= 1 << len(w[4])
        for _, ws in windows.runs for w in ws
    )
    assert bits._budget.left < _bitgroups.MAX_WINDOW_BYTES
    assert bits.is_match(subject + "azz") is True


@pytest.mark.parametrize("fills", [True, False])
def test_loops_into_one_character_are_carry_groups(
    fills: bool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 300 distinct loops, each then ``z``: a loop's six lasts reach its ``z`` at six
    # distances, so the edges into the ``z``s were dozens of distances, three operations
    # over every position each (~120 per character; 321 us at 1 000 loops).  Each is a
    # carry biclique now: one carry group, four operations; or, with the loops in a fill
    # group, a first of its loop there (the guard bit above its lasts): none.
    if not fills:
        monkeypatch.setattr(_bitgroups, "MAX_FILL_BITS", 0)
    m = compile_pattern(_branches_plus_z(300))
    bits = BitNFA(m.hir)
    if fills:
        assert not bits._carries
        ((members, _, _),) = bits._fills
        assert len(members) == 300
        assert all(hi + 1 in [q for q, _ in first.flat()] for _, hi, _, first in members)
    else:
        assert len(bits._carries) == 1 and len(bits._carries[0]) == 300
    rs = random.Random(4)
    subject = "".join(rs.choice("aaab") for _ in range(3_000))
    assert bits.is_match(subject) is False
    assert all(len(t.groups) <= 2 for t in bits._tables.values())
    assert bits.stats.ops <= 50 * bits.stats.chars
    assert bits.is_match(subject + "az") is True
    for tail in ("b" * 40 + "z", "cz", "ddeez", "kkd"):
        assert bits.is_match(subject[:100] + tail) == m.dfa_is_match(subject[:100] + tail)


def test_a_loops_next_character_is_a_first_of_its_fill_member() -> None:
    # ``X+z``: ``z`` is the loop's guard bit, and the carry biclique into it has the
    # loop's lasts: ``z`` joins the loop's firsts (also for a loop with a conditional
    # first, ``\ba``).  Before ``\bz`` the carry's lasts hold the ``\b``, so they are
    # not the loop's: that carry stays, and ``\b`` still decides (after ``c `` but not
    # after ``cy``).  The same answers as the DFA.
    loops = _letter_loops("+")
    m = compile_pattern(
        f"{loops[0]}z(?:a|c{{6}}|cy|cx|c |cv)+\\bz{loops[2]}z(?:\\ba|e{{7}}|ey|ex|ew|ev)+z"
    )
    bits = BitNFA(m.hir)
    joined = [
        hi + 1 in [q for q, _ in first.flat()]
        for members, _, _ in bits._fills for _, hi, _, first in members
    ]
    assert sorted(joined) == [False, True, True, True] and len(bits._carries) == 1
    for subject, found in [("azc zazeyz", True), ("azcyzazeyz", False), ("xazc zaaazeyeyz", True)]:
        assert bits.is_match(subject) is found and m.dfa_is_match(subject) is found, subject
    _assert_agrees(bits, m, "abcegyxz ", 30)


@pytest.mark.parametrize(
    "pattern",
    ["(?:a|b\\b|xx)z", "(?:a\\b|bb)\\bz", "(?:ab|b|xa)\\Bx", "((?:a|b)x|bb)a",
     "(?m)(?:a$|bx)\\n?z", "(?:a|bb|xab)(?:x|b)(?:a|x)b", "(?:(?:a|b)x|ab)*(?:a|bb)x$",
     "^(?:a|bx){2,4}b", "(?:(?:ab|b){3}a|x)+z"],
)
def test_carry_groups_agree_with_the_dfa(pattern: str) -> None:
    m = compile_pattern(pattern)
    bits = BitNFA(m.hir)
    assert bits._carries
    _assert_agrees(bits, m, "aabbxz \n", 30)


@pytest.mark.parametrize(
    ("window", "fold", "threshold", "budget"),
    [(8, 4096, 8, 16 << 20), (2, 0, 1 << 30, 16 << 20), (3, 64, 0, 16 << 20), (8, 4096, 8, 0)],
)
def test_lone_windows_agree_with_the_dfa(
    window: int, fold: int, threshold: int, budget: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Windows of 8, 2 or 3 members, runs of one window or of 64 bits, every live set
    # looked up (threshold huge) or taken one by one (0), or no windows at all (no
    # budget: gathered from a binary string): the same answers as the DFA.
    monkeypatch.setattr(_bitgroups, "WINDOW", window)
    monkeypatch.setattr(_bitgroups, "FOLD_SPAN", fold)
    monkeypatch.setattr(_bitgroups, "MAX_WINDOW_BYTES", budget)
    monkeypatch.setattr(_bitnfa, "WINDOW", threshold)
    monkeypatch.setattr(_bitnfa, "LONE_SERIAL", 0)
    monkeypatch.setattr(_bitgroups, "MAX_SPREAD_CHAINS", 0)
    for seed in range(3):
        m = compile_pattern(_junctions(12, seed, most=3))
        bits = BitNFA(m.hir)
        _assert_agrees(bits, m, "aaabbcdekfghiz", 40)
        found = _lone_windows(bits)
        assert found and all((w is None) == (budget == 0) for w in found)


def _spread(d: int, masks: Tuple[int, int, int, List[Tuple[int, int, int, int]]]) -> int:
    """The firsts a spread group gives for the live positions ``d`` (``bitnfa``'s loop)."""
    lm, ones, guards, chains = masks
    x = d & lm
    y = (x + ones) & guards
    f = 0
    for gm, ends, w, fm in chains:
        if w == _bitgroups.DIRECT:
            f |= (ends - (x if gm < 0 else x & gm)) & fm
            continue
        yc = y if gm < 0 else y & gm
        f |= ((ends - yc) if w < 0 else yc - (yc >> w)) & fm
    return f


def test_spread_masks_find_exactly_the_live_members_firsts() -> None:
    # Random groups (last blocks with a free guard bit above each, firsts above the
    # guard, or below it within the block and the gap under it, or both): for every
    # live subset the chains give the union of the live members' firsts, nothing else.
    r = random.Random(5)
    shapes = {"none": 0, "up": 0, "down": 0, "both": 0, "direct": 0}
    for i in range(1200):
        live, lo = [], 4
        mode = r.choice(["up", "down", "mixed"])
        for _ in range(r.randint(2, 12)):
            hi = lo + r.randint(0, 5)
            g = hi + 1
            side = mode if mode != "mixed" else r.choice(["up", "down", "both"])
            low = g if side == "up" else lo - r.randint(0, 3)
            high = g - 1 if side == "down" else g + 12
            fps = sorted(set(r.randint(low, high) for _ in range(r.randint(1, 4))))
            live.append((lo, hi, list(range(lo, hi + 1)), fps))
            lo = g + 1 + r.randint(0, 6)
        got = _bitgroups.spread_masks(live, direct=i % 2 == 0)
        if got is None:
            shapes["none"] += 1
            continue
        kinds = {w for _, _, w, _ in got[3]}
        if _bitgroups.DIRECT in kinds:
            assert kinds == {_bitgroups.DIRECT} and got[1:3] == (0, 0)
            shapes["direct"] += 1
        else:
            ups = -1 in kinds
            shapes["both" if ups and len(kinds) > 1 else "up" if ups else "down"] += 1
        for _ in range(20):
            on = [m for m in live if r.random() < 0.6]
            d = 0
            for m in on:
                d |= 1 << r.choice(m[2])
            assert _spread(d, got) == _bitgroups.bitset(
                [q for m in on for q in m[3]]
            ), (live, on)
    assert min(shapes.values()) >= 5, shapes
    # direct chains: whole members [lowest last, end] apart; a first at or below its
    # member's highest last (a loop's) takes none
    members = [(0, 1, [0, 1], [2, 5]), (7, 8, [7, 8], [9]), (10, 11, [11], [12])]
    assert _bitgroups.direct_chains(members) == [
        [(0, 6, [0, 1], [2, 5]), (7, 10, [7, 8], [9]), (11, 13, [11], [12])],
    ]
    members[1] = (6, 8, [6, 8], [9])  # touches the first member's end (6)
    assert [len(c) for c in _bitgroups.direct_chains(members) or []] == [2, 1]
    assert _bitgroups.direct_chains([*members, (14, 15, [14, 15], [15])]) is None
    # a span ending where the next one starts (2..5 and 6..7, ends 6 and 8): two chains
    members = [(0, 1, [0, 1], [2, 5]), (3, 5, [3, 4, 5], [6, 7])]
    assert len((_bitgroups.spread_masks(members, direct=False) or (0, 0, 0, []))[3]) == 2
    # loops 4 wide with guards 4 apart (4, 8, 12): every other one in a chain
    members = [(1, 3, [1, 2, 3], [0]), (5, 7, [5, 6, 7], [4]), (9, 11, [9, 10, 11], [8])]
    chains = (_bitgroups.spread_masks(members) or (0, 0, 0, []))[3]
    assert [(gm, w, fm) for gm, _, w, fm in chains] == [
        (1 << 12 | 1 << 4, 4, 1 << 8 | 1 << 0), (1 << 8, 4, 1 << 4),
    ]
    # a loop 5 wide far above one whose guard is 1: not in its chain (y >> 5 would
    # drop the guard bit 1)
    members = [(0, 0, [0], [0]), (20, 24, [20, 24], [20])]
    assert len((_bitgroups.spread_masks(members) or (0, 0, 0, []))[3]) == 2
    # Loops 3 wide with guards 4 apart (10, 14, 18), then 4 wide ones (25, 29): in chains
    # as wide as their widest member the wider ones fit in none (3 chains); in chains
    # all 4 wide, in two.  With a loop whose guard (2) is below 4 first, chains all 4
    # wide would drop its guard bit: each as wide as its own then (4 chains).
    loops = [(7, 9, [7, 9], [7]), (11, 13, [11, 13], [11]), (15, 17, [15, 17], [15]),
             (21, 24, [21, 24], [21]), (26, 28, [26, 28], [25])]
    for members, count in [(loops, 2), ([(1, 1, [1], [1]), *loops], 4)]:
        got = _bitgroups.spread_masks(members)
        assert got is not None and len(got[3]) == count
        for on in itertools.product([False, True], repeat=len(members)):
            d = sum(1 << m[2][0] for m, live in zip(members, on) if live)
            assert _spread(d, got) == _bitgroups.bitset(
                [q for m, live in zip(members, on) if live for q in m[3]]
            ), on


def _nested_junctions(r: random.Random, depth: int) -> str:
    """A random concatenation of alternations whose branches nest more of them: the
    junctions of a group's members then have spans of firsts that overlap (an outer
    junction's firsts around an inner one's guard), which takes several chains; some
    are loops, whose firsts lie below their guard bits (no chains)."""

    def word() -> str:
        c = r.choice("abx")
        return c * r.randint(1, 3)

    def alt(d: int) -> str:
        branches = [word() for _ in range(r.randint(2, 3))]
        if d > 0:
            branches[r.randrange(len(branches))] = alt(d - 1) + alt(d - 1) + word()
        if r.random() < 0.3:
            branches.append(r.choice(["\\b", "\\B", "$", "^"]) + word())
        return "(?:" + "|".join(branches) + ")" + r.choice(["", "", "", "*", "+"])

    return "".join(alt(depth) for _ in range(r.randint(2, 4)))


@pytest.mark.parametrize("direct", [True, False])
@pytest.mark.parametrize("chains", [1, 2, 4])
def test_spread_chains_agree_with_the_dfa(
    chains: int, direct: bool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Groups of junctions spread by one to four chains (or, past that, windows), with
    # spans nested and overlapping, loops (without fill groups: lone bicliques) and
    # looks on the way, with direct chains where they fit or never: the same answers as
    # the DFA; and every chain count is met.
    monkeypatch.setattr(_bitgroups, "MAX_SPREAD_CHAINS", chains)
    spread_masks = _bitgroups.spread_masks
    monkeypatch.setattr(
        _bitgroups, "spread_masks", lambda live: spread_masks(live, direct=direct),
    )
    r = random.Random(chains)
    seen = set()
    down = direct_chains = 0
    for i in range(60):
        monkeypatch.setattr(_bitgroups, "MAX_FILL_BITS", (i % 2) << 24)
        m = compile_pattern(_nested_junctions(r, 2))
        bits = BitNFA(m.hir)
        _assert_agrees(bits, m, "aabx \n", 30)
        seen.update(len(spread[3]) for spread in _spreads(bits))
        down += sum(w >= 0 for spread in _spreads(bits) for _, _, w, _ in spread[3])
        direct_chains += sum(
            w == _bitgroups.DIRECT for spread in _spreads(bits) for _, _, w, _ in spread[3]
        )
    assert seen == set(range(1, chains + 1)) and down > 0
    assert (direct_chains > 0) is direct


@pytest.mark.parametrize(
    "pattern",
    ["^a(?:ab|ba|bb|ax|xx)*(?:x|ab|bb|ba|aa)*(?:b|ba|xx|ab|aa)*$", "^a*b?(?:ab)*x?[ab]{0,2}$",
     "x(?:ab|ba|xa|bx|aa)*(?:xx|ab|bb|a|b)?(?:b|x|ab)*x{2}", "^(?:\\ba|b|x)*(?:a|b\\b|x)*(?:a|x)*$",
     "(?m)^(?:a$|b|x|ab|ba)*(?:^x|a|b|bb|ax)*(?:a|b)*x$", "^(?:(?:ab|xb|aa|bx|ba)*x?a*){3}$",
     "^(?:x{2}a|xb|bb|ab)*(?:x{3}a|xb|bb|ab)*(?:x{4}b|xa|ba|aa)*$",
     "^(?:aa|ab|ba|bx|xb)(?:aaa|abx|bab|xb|x)(?:ax|xa|bbb|abab|b)(?:x|a|bb|xab|ba)$",
     "a(?:ab|ba|bb|ax|xx)*\\b(?:x|ab|bb|ba|aa)*\\B(?:b|ba|xx|ab|aa)*\\b(?:a|xb|bx|xx|ab)*$",
     "^(?:a|b|c|d|ef){4,8}$", "x(?:ab|\\b){2,9}x", "(?:\\ba|b\\B|x){0,7}$"],
)
def test_nullable_chains_and_lone_groups_agree_with_the_dfa(pattern: str) -> None:
    m = compile_pattern(pattern)
    bits = BitNFA(m.hir)
    assert bits._nullable_chains or bits._fills or any(len(g) > 1 for g in bits._lone)
    _assert_agrees(bits, m, "abx \n", 30)


_CHAIN_ITEMS = [
    "\\b", "\\B", "(?:ab|ba|x)*", "(?:a|xb)*", "(?:ab|\\b)", "(?:a\\b|x)*", "(?m:^)", "(?m:$)",
    "a?", "(?:xa)?", "b*", "(?:\\Ba|b)*", "(?:a|\\b)", "^", "$", "(?:a|b\\b)?", "x", "ab",
    "(?:ab|xx|ba)*\\b", "\\b{start}", "\\b{end}", "(?:a|\\B)(?:b|\\b)",
]


@pytest.mark.parametrize("distances", [16, 0])
def test_conditional_nullable_chains_agree_with_the_dfa(
    distances: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Runs of items nullable under conditions (looks, loops, alternations with a look):
    # per boundary context the items whose condition fails are walls of the chain.
    # With no busiest distances kept, every edge of a distance is tested like a lone
    # biclique.
    monkeypatch.setattr(_bitnfa, "DISTANCES", distances)
    if not distances:
        monkeypatch.setattr(_bitnfa, "SPARSE_SOURCES", 1 << 30)
    r = random.Random(11)
    chains = 0
    for _ in range(400):
        pattern = "".join(r.choice(_CHAIN_ITEMS) for _ in range(r.randint(3, 9)))
        if r.random() < 0.3:
            pattern = r.choice(["a", "x", "^", "(?:ab)*"]) + pattern
        m = compile_pattern(pattern)
        bits = BitNFA(m.hir)
        chains += bool(bits._nullable_chains)
        for _ in range(40):
            s = "".join(r.choice("abx \n") for _ in range(r.randint(0, 10)))
            assert bits.is_match(s) == m.dfa_is_match(s), (pattern, s)
    assert chains > 150


def _families_of_blocks(bits: BitNFA) -> int:
    return sum(len(t.chain_families) for t in bits._tables.values())


def test_thousands_of_chains_are_one_family() -> None:
    # 3 000 chains (?:x?y?){4}, each then z: one block each, all disjoint.  Before: a
    # test per block was more than the engine took, and the DFA built a state per
    # character (35-66 us).  Now every block is tested at once: a dozen operations.
    m = compile_pattern("[ab]*a[ab]{200}c" + "(?:(?:x?y?){4}z)" * 3000)
    _, bits, subject = _handed_over(m, 6_000, seed=8)
    assert len(bits._nullable_chains) == 3000
    assert bits.stats.ops <= 40 * bits.stats.chars
    tail = "xyz" * 2999 + "yyz"
    assert bits.is_match(subject + "a" + "b" * 200 + "c" + tail) is True
    assert bits.is_match(subject + "a" + "b" * 200 + "c" + tail[:-1]) is False
    assert [len(t.chain_families) for t in bits._tables.values()] == [1] * len(bits._tables)


#: Chain items and what each may match (a wall, a look, matches the empty string).
_CHAIN_PARTS = {
    "x?": ["", "x"], "y?": ["", "y"], "a?": ["", "a"], "(?:ab)?": ["", "ab"],
    "(?:xa|b)*": ["", "xa", "b", "bxa", "xab"], "b*": ["", "b", "bb"],
    "(?:ab|\\b)": ["", "ab"], "(?:a|\\B)": ["", "a"], "(?m:^)": [""],
    "(?:ba|\\b)": ["", "ba"], "\\b": [""],
}
_WALLED = ["(?:ab|\\b)", "(?:a|\\B)", "(?m:^)", "(?:ba|\\b)", "\\b"]


def test_families_of_chain_blocks_agree_with_the_dfa() -> None:
    # Several chains in a row, long enough for blocks of more than MAX_EXPANDED edges,
    # some items walls in some boundary contexts: the blocks of one context dealt to
    # families (tested at once) answer as the DFA, on texts the pattern nearly matches.
    r = random.Random(12)
    families = matched = 0
    for _ in range(150):
        chains = []
        for _ in range(r.randint(2, 4)):
            items = [r.choice(list(_CHAIN_PARTS)[:6]) for _ in range(r.randint(6, 10))]
            for _ in range(r.randint(0, 2)):
                items.insert(r.randint(1, len(items) - 1), r.choice(_WALLED))
            chains.append(items)
        sep = r.choice(["z", "q", " "])
        pattern = "^" + sep.join("".join(items) for items in chains) + "$"
        m = compile_pattern(pattern)
        bits = BitNFA(m.hir)
        for _ in range(60):
            s = sep.join(
                "".join(r.choice(_CHAIN_PARTS[item]) for item in items) for items in chains
            )
            if r.random() < 0.5:  # a character dropped, doubled or changed
                k = r.randrange(len(s) + 1)
                s = s[:k] + r.choice(["", "a", "b", "x", s[k:k + 1]]) + s[k + 1:]
            got = bits.is_match(s)
            assert got == m.dfa_is_match(s), (pattern, s)
            matched += got
        families += _families_of_blocks(bits) > 0
        bound = _bitchains.chain_family_bound(bits._nullable_chains)
        assert all(len(t.chain_families) + len(t.chains) <= bound for t in bits._tables.values())
    assert families > 60 and 1_000 < matched < 8_000


@pytest.mark.parametrize(
    "pattern",
    ["a(?:a|b|c|d|ef){5}x", "^(?:a|b|c|d|ef){6}(?:a|b|c|d|ef)*$",
     "^(?:(?:ab|cd|ef|gh|ia)(?:k|l|m|n|op)){6}$",
     "(?:\\ba|b|c|d|ef\\b){5}x", "(?:a|b|c|d|ef\\b){6,}x", "(?m)(?:^a|b|c$|d|ef){5}",
     "(?:a|bb|ccc|dddd|eeeee){6}x"],
)
def test_biclique_families_agree_with_the_dfa(pattern: str) -> None:
    m = compile_pattern(pattern)
    bits = BitNFA(m.hir)
    assert bits._families
    r = random.Random(pattern)
    alphabet = sorted({c for c in pattern if c.isalpha()} | {"\n", " "})
    for _ in range(600):
        s = "".join(r.choice(alphabet) for _ in range(r.randint(0, 30)))
        assert bits.is_match(s) == m.dfa_is_match(s), (pattern, s)


def test_cache_is_bounded_by_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_nfa, "MAX_CACHE_BYTES", 64 << 10)
    monkeypatch.setattr(_nfa, "THRASH_SLACK", 10**9)  # stay on the DFA
    m = _dfa("[ab]*a[ab]{12}c")
    dfa = m._get_dfa()
    r = random.Random(3)
    subject = "".join(r.choice("ab") for _ in range(20_000))
    assert m.is_match(subject) is False
    assert dfa.stats.evictions >= 1
    assert dfa._cache.bytes <= (64 << 10) + _nfa._STATE_BYTES + 64 * _nfa._MEMBER_BYTES
    assert m.is_match(subject + "c") is True


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_patterns(), st.lists(st.text(st.sampled_from(list("abxé-fo\n 1_k!cd")), max_size=12),
                             min_size=1, max_size=5))
def test_bit_parallel_engine_agrees_with_the_dfa(pattern: str, subjects: List[str]) -> None:
    try:
        m = compile_pattern(pattern)
    except RegexCompileError:
        return
    try:
        bits = BitNFA(m.hir)
    except Unavailable:  # chains of nullable copies: the DFA keeps the search
        return
    for s in subjects:
        assert bits.is_match(s) == m.dfa_is_match(s), (pattern, s)


# -- item 3: literal alternations ------------------------------------------------------------


def _words(n: int, seed: int) -> List[str]:
    r = random.Random(seed)
    return sorted(
        {"".join(r.choice("abcdefghijklmnopqrstuvwxy") for _ in range(r.randint(4, 9))) + "z"
         for _ in range(n)}
    )


def test_large_literal_alternation_scans_in_amortised_constant_steps() -> None:
    words = _words(3000, 2)
    m = compile_pattern("|".join(words))
    assert m.engine == "literals"
    r = random.Random(4)
    parts: List[str] = []
    while sum(map(len, parts)) < 20_000:
        w = r.choice(words)
        parts.append(w[: r.randint(1, len(w) - 1)])  # prefixes only: never a whole word
    subject = "".join(parts)
    fn = is_match_fn(m)
    assert not fn(subject) and fn(subject + words[17])
    engine = fn.__self__  # type: ignore[attr-defined]
    assert isinstance(engine, LiteralSet)
    # Aho-Corasick: failure links are followed at most once per character read.
    assert engine.steps <= 2 * (2 * len(subject) + len(words[17]))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text(st.sampled_from("abc"), min_size=1, max_size=4), min_size=3, max_size=8),
    st.sampled_from([("", ""), ("^", ""), ("", "$"), ("^", "$"), ("\\A(?:", ")\\z"), ("(", ")")]),
    st.lists(st.text(st.sampled_from("abcd"), max_size=10), min_size=1, max_size=6),
)
def test_literal_sets_agree_with_the_dfa(
    words: List[str], ends: Tuple[str, str], subjects: List[str]
) -> None:
    m = compile_pattern(ends[0] + "|".join(words) + ends[1])
    shape = literal_set(m.hir)
    if shape is None:  # e.g. a common prefix was lifted out of the alternation
        return
    ls = LiteralSet(*shape)
    for s in subjects:
        assert ls.is_match(s) == m.dfa_is_match(s), (words, ends, s)


# -- re's stack: patterns whose backtracking stack grows use the DFA on long values ----------


def test_stack_growing_patterns_use_the_dfa_on_long_values() -> None:
    m = compile_pattern("^(?:ab|cd)*$")
    assert m.engine == "re" and _safety.grows_stack(m.hir)
    fn = is_match_fn(m)
    assert fn("ab" * 10) and not fn("ab" * 10 + "a")
    dfa = m._get_dfa()
    before = dfa.stats.states_built
    long_value = "abcd" * (STACK_SAFE_LEN // 2)
    assert fn(long_value) and not fn(long_value + "x")
    assert dfa.stats.states_built > before  # the long values went to the DFA
    assert not _safety.grows_stack(compile_pattern("^[a-z0-9_]+$").hir)


# -- through the local gateway: the events ------------------------------------------


def test_hostile_patterns_through_the_local_gateway(tmp_path: Path) -> None:
    """Patterns that used to reach ``re`` with 2^30 empty paths (~50 s for a one-character
    value, a worker held per event) get the engine's answer from the gateway."""
    from contractgate import Client
    from contractgate.gateway import LocalGateway

    patterns = {
        "e": "(?:|)" * 30 + "x",
        "b": "(?:\\b|\\b)" * 30 + "x",
        "c": "(" + "(?:|)" * 30 + ")[^\\s\\S]z|y",
    }
    fields = "".join(
        f"    - {{name: {k}, type: string, pattern: '{p}'}}\n" for k, p in patterns.items()
    )
    (tmp_path / "hostile.yaml").write_text(
        "version: '1.0.0'\nname: hostile\nontology:\n  entities:\n" + fields
    )
    for p in patterns.values():
        assert compile_pattern(p).engine != "re"
    events = [{"e": "y", "b": "y", "c": "x"}, {"e": "x", "b": "x", "c": "y"}]
    with (
        LocalGateway(contracts_dir=str(tmp_path), db=":memory:") as gw,
        Client(gw.base_url, api_key=gw.api_key, timeout=120, max_retries=0) as client,
        hang_guard(120),
    ):
        res = client.ingest(gw.contract_id("hostile"), events)
    assert [r.passed for r in res.results] == [False, True]
    kinds = sorted(v.kind for v in res.results[0].violations)
    assert kinds == ["pattern_mismatch"] * 3


def _nested(n: int) -> str:
    # Each loop and look nested in its own capture group: concatenations of two items
    # with positions, so no nullable chain (and at most ~120 deep: the nest limit).
    return "(" * n + "(?:ay|xz|zy|zz|yx)*\\b)" * n + "q"


def test_conditional_junctions_share_their_conditions() -> None:
    # Nested conditional nullable items copy the lasts gathered so far with the
    # condition added at every level (quadratic in the depth): each copy shares one
    # condition object per distinct union instead of making a frozenset per entry.
    from contractgate._validation.regex.glushkov import Builder

    m = compile_pattern(_nested(60))
    b = Builder()
    b.build(m.hir)
    assert not b.chains_nullable
    entries = [e for last, _ in b.bicliques for e in last.flat()]
    assert len(entries) > 5_000
    assert len({id(c) for _, c in entries}) <= 2 * 60 + 2
    bits = BitNFA(m.hir)
    r = random.Random(4)
    for _ in range(200):
        s = "".join(r.choice(["ay", "zz", "yx", " ", "q", "x"]) for _ in range(r.randint(0, 12)))
        assert bits.is_match(s) == m.dfa_is_match(s), s


def test_conditional_copies_count_towards_the_build_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The copies of nested conditional nullable items are charged (before, they were
    # not, and such patterns built for minutes before the engine declined them).
    from contractgate._validation.regex import glushkov
    from contractgate._validation.regex.glushkov import Builder

    m = compile_pattern(_nested(100))
    b = Builder()
    b.build(m.hir)
    assert b.work > 8 * 5 * 100 * 100 // 2
    monkeypatch.setattr(glushkov, "MAX_BUILD_WORK", 50_000)
    with pytest.raises(Unavailable):
        Builder().build(m.hir)
    with pytest.raises(Unavailable):
        BitNFA(m.hir)
    assert m.is_match("ay zz q") is True and m.is_match("ay zz") is False


def test_a_run_of_conditional_nullable_items_builds_in_linear_work() -> None:
    # Before: item by item, the run's lasts were copied with the condition added at
    # every \b (quadratic): 5 000 such loops were declined after 1.2 s and 104 MB.
    # As one chain each item's entries are copied once.
    from contractgate._validation.regex.glushkov import Builder

    work = []
    for n in (500, 5000):
        b = Builder()
        b.build(compile_pattern("(?:ay|xz|zy|zz|yx)*\\b" * n + "q").hir)
        assert len(b.chains_nullable) == 1
        work.append(b.work)
    assert work[1] < 11 * work[0]
    m = compile_pattern("(?:ay|xz|zy|zz|yx)*\\b" * 5000 + "q")
    bits = BitNFA(m.hir)
    for s in ["ay zz q", "ay zz", "q", "ayq", "ay zzq", "", "yx yx yx q"]:
        assert bits.is_match(s) == m.dfa_is_match(s), s


def test_a_search_decided_by_its_first_step_builds_no_bit_engine() -> None:
    # `(?:a?){60000}` matches the empty string: the first step decides the search, but
    # its closure (60 000 copies) is past the thrash slack, and the hand-over check ran
    # before the answer was read: 1.3 s and 106 MB building the bit engine to answer
    # what was known (0.01 s). Also for a miss decided false (anchored, no way on).
    m = compile_pattern("(?:a?){60000}")
    assert m.is_match("x") is True
    dfa = m._get_dfa()
    assert dfa.stats.handovers == 0 and dfa._bits is None
    m = compile_pattern("^(?:a?){60000}b")
    assert m.is_match("x" * 10) is False
    dfa = m._get_dfa()
    assert dfa.stats.handovers == 0 and dfa._bits is None
