"""The second round of compile fast paths give exactly what the steps they stand for give.

* ``safety.entry_bound`` / ``safety._EARLY_WIDE``: ``cost_bounds`` settled from a lower
  bound of the ε-tree at the start (the bound never exceeds the real one, and the
  answers are the full analysis');
* ``thompson._FLAT_CONCATS``: a concatenation of classes and literals laid out without a
  walk of its own, alternation branches answered without a round trip (the same
  graphs, state for state);
* ``nfa._GRAPH_LOOKS``: the lazy DFA's context mask from the graph's looks (the same
  mask as from ``hir.look_set``);
* ``size._WORD_SUMS``: a word of a list priced as the sum of its classes (the same
  totals, bound, estimate and exact replays);
* ``suffix_replay._STEP_SMALL``: small classes replayed step by step (the same count of
  states as the chunked replay, evictions included);

each compared with the fast path on and off over seeded random patterns, and end to end
through ``compile_pattern``.
"""

from __future__ import annotations

import importlib
import random
from typing import Iterator, List, Optional, Tuple

import pytest
from regex_testlib import analysis_key, class_of, nfa_key

from contractgate._validation import regex as R
from contractgate._validation.regex import hir as H
from contractgate._validation.regex import nfa as N
from contractgate._validation.regex import safety as S
from contractgate._validation.regex import size as Z
from contractgate._validation.regex import suffix_replay as SR
from contractgate._validation.regex import thompson as T
from contractgate._validation.regex.errors import RegexCompileError
from contractgate._validation.regex.parser import parse
from contractgate._validation.regex.thompson import K_CHAR, K_MATCH, K_SPLIT, TooLarge

# (the package's ``translate`` attribute is the function)
TR = importlib.import_module("contractgate._validation.regex.translate")

_LETTERS = "abcdefghijklmnopqrstuvwxyzéßk"
_ATOMS = [
    "a", "ab", "k", "s", "é", "\\d", "\\w", "\\pL", "\\s", "[a-z]", "[^a]", "[0-9a-f]", ".",
    "\\b", "\\B", "^", "$", "(?m:^)", "(?m:$)", "\\A", "\\z", "(?i)", "(?-i)", "(?u)",
    "(?-u:\\b)", "x{0}", "(?:\\b){0}", "(?:^a){0}b", "a{3}", "[ab]{2}", "\\d{2,3}", "a*", "b+",
    "c?", "(?:ab)*", "(?:a|bc)+", "(a)", "(?:x|y|z)", "(?:\\w\\d){2}", "\\p{Greek}",
]


def _words(rnd: random.Random, k: int) -> List[str]:
    out = []
    for _ in range(k):
        w = "".join(rnd.choice(_LETTERS) for _ in range(rnd.randint(1, 8)))
        if rnd.random() < 0.2:
            w += rnd.choice(["1", "\\d", "[xy]", "(z)", "\\b", "é", "k{2}", "(?:q|r)"])
        out.append(w)
    return out


def _patterns(seed: int, count: int) -> Iterator[str]:
    rnd = random.Random(seed)
    for i in range(count):
        kind = i % 4
        if kind == 0:  # word lists, with and without (?i), some wide
            k = rnd.choice([2, 3, 5, 40, 70, 200])
            p = "|".join(_words(rnd, k))
            p = rnd.choice(["", "(?i)", "^(?:", "\\b(?:", "(?i)(?:"]) + p
            if p.endswith("(?:") or "(?:" in p[:8]:
                p += ")" + rnd.choice(["", "$", "\\b", "x"])
            yield p
        elif kind == 1:  # random atoms, nested in groups and repetitions
            p = "".join(rnd.choice(_ATOMS) for _ in range(rnd.randint(1, 10)))
            if rnd.random() < 0.5:
                p = f"(?:{p}){rnd.choice(['*', '+', '?', '{2}', '{0,3}', '{1,}', ''])}"
            if rnd.random() < 0.3:
                p = p + "|" + "".join(rnd.choice(_ATOMS) for _ in range(rnd.randint(1, 4)))
            yield p
        elif kind == 2:  # alternations of atoms, some past the step budget
            yield "|".join(rnd.choice(_ATOMS) for _ in range(rnd.choice([2, 8, 70, 130])))
        else:  # concatenations of classes (the size replay's shapes, shortened)
            unit = rnd.choice(["\\w{3}", "(?:\\d\\pL){2}", "[a-z]{4}", "(?i)k", "(?i)s[a-z]",
                               "\\pL{2}", "(?:ab){5}", "é"])
            yield unit * rnd.randint(1, 30)


def _hirs(seed: int, count: int) -> List[Tuple[str, H.Hir]]:
    out = []
    for p in _patterns(seed, count):
        try:
            out.append((p, TR.translate(p, parse(p))))
        except RegexCompileError:
            continue
    return out


_HIRS = _hirs(20261210, 1600)


def test_flat_concats_lay_out_the_walks_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    hirs = [h for _, h in _HIRS]
    hirs.append(TR.translate("(?i)" + "|".join(_words(random.Random(3), 3000)), parse(
        "(?i)" + "|".join(_words(random.Random(3), 3000)))))
    fast = [(nfa_key(h), analysis_key(h, False), analysis_key(h, True)) for h in hirs]
    monkeypatch.setattr(T, "_FLAT_CONCATS", False)
    for h, got in zip(hirs, fast):
        assert got == (nfa_key(h), analysis_key(h, False), analysis_key(h, True))


def _e_root(h: H.Hir) -> Optional[int]:
    """``E`` at the analysis' root, uncapped (None: no graph to measure)."""
    g = S._Graph()
    try:
        start = g.compile(h, g.add(K_MATCH, []))
    except (TooLarge, S._Unsafe):
        return None
    root = start
    if not H.anchored_start(h):
        root = g.add(K_SPLIT, [start])
        dot = g.add(K_CHAR, [root], g.class_id(((0, 0x10FFFF),)))
        g.alts[root].append(dot)
    try:
        e, _, _ = S._closures(g, g.successors(), 1 << 40)
    except S._Unsafe:
        return None
    return e[root]


def test_entry_bound_is_a_lower_bound() -> None:
    measured = 0
    for p, h in _HIRS:
        got = _e_root(h)
        if got is None:
            continue
        measured += 1
        assert S.entry_bound(h) <= got, p
    assert measured > 1000


def test_early_wide_gives_the_full_analysis_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    fired = 0
    fast = []
    for _, h in _HIRS:
        fired += S.entry_bound(h) > S.STEP_BUDGET
        fast.append((S.cost_bounds(h), S.cost_bound(h), S.cost_bound(h, ascii_only=True)))
    assert fired > 200
    monkeypatch.setattr(S, "_EARLY_WIDE", False)
    for (p, h), got in zip(_HIRS, fast):
        assert got == (S.cost_bounds(h), S.cost_bound(h), S.cost_bound(h, ascii_only=True)), p


def test_graph_looks_give_the_hir_context_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    hirs = [h for _, h in _HIRS]
    # a look left out by ``x{0}`` (the smart constructor drops it; built by hand here)
    hirs.append(H.HConcat([H.HRepetition(0, 0, True, H.HLook(H.START_CRLF)), H.HLiteral("a")]))
    hirs.append(H.HConcat([H.HRepetition(0, 0, True, H.HLook(H.WORD_ASCII)), H.HLook(H.END)]))
    fast = [N.LazyDFA(h).ctx_mask for h in hirs]
    monkeypatch.setattr(N, "_GRAPH_LOOKS", False)
    for h, got in zip(hirs, fast):
        assert got == N.LazyDFA(h).ctx_mask, h.key()


#: Big classes make the exact replays slow: those patterns get the bound and estimate only.
_BIG = ("\\w", "\\W", "\\pL", "\\p{", "\\s", ".", "[^")


def _sizes(p: str, h: H.Hir) -> object:
    limit = 1 << 62
    records: Z.Records = {}
    got: List[object] = [
        Z._simulate(h, None, False, True, limit),
        Z._simulate(h, None, False, stop=limit, records=records),
        Z.exceeds_limit(h), Z.exceeds_limit(h, bound_first=False),
    ]
    if not any(x in p for x in _BIG):
        got += [
            Z._simulate(h, False, True, stop=limit, records=records),
            Z._simulate(h, True, True, stop=limit, records=records),
            Z._simulate(h, True, True),
        ]
    return got


def test_word_sums_price_as_the_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = [_sizes(p, h) for p, h in _HIRS]
    monkeypatch.setattr(Z, "_WORD_SUMS", False)
    for (p, h), got in zip(_HIRS, fast):
        assert got == _sizes(p, h), p


def _bench_words(seed: int, count: int) -> List[str]:
    """bench/bench_regex.py's word lists."""
    r = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxy"
    return sorted({"".join(r.choice(letters) for _ in range(r.randint(4, 10))) + "z"
                   for _ in range(count)})


def test_word_sums_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # The largest (?i) word list the crate accepts, and one more word: the exact replays
    # decide (answers found with the crate).
    pats = ["(?i)" + "|".join(_bench_words(2, n)) for n in (14542, 14543)]
    hirs = [TR.translate(p, parse(p)) for p in pats]
    fast = [(Z.exceeds_limit(h, bound_first=False), Z.estimate(h)) for h in hirs]
    assert [x for x, _ in fast] == [False, True]
    monkeypatch.setattr(Z, "_WORD_SUMS", False)
    monkeypatch.setattr(SR, "_STEP_SMALL", False)
    assert fast == [(Z.exceeds_limit(h, bound_first=False), Z.estimate(h)) for h in hirs]


_SMALL_CLASSES = ["(?i)k", "(?i)s", "[éè]", "[é-ü]", "[a\\u{10000}]", "(?i)ß", "[\\u{80}\\u{800}]",
                  "\\p{Cherokee}", "[α-ω]", "(?i)[k-s]", "[\\u{2126}\\u{212A}\\u{212B}]"]


def test_small_classes_replay_step_by_step(monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(11)
    cases = []
    small = 0
    for p in _SMALL_CLASSES:
        plan = SR.plan_of(class_of(p), Z._sequences)
        small += plan.small is not None
        for _ in range(300):
            cases.append((plan, rnd.randint(2, 1 << 40), rnd.choice([1000, 1000, 7, 3, 2, 1])))
    assert small >= 8
    fast = [SR.replay(plan, base, cache) for plan, base, cache in cases]
    monkeypatch.setattr(SR, "_STEP_SMALL", False)
    assert fast == [SR.replay(plan, base, cache) for plan, base, cache in cases]
    assert any(plan.small is not None and got > plan.n for (plan, _, _), got in zip(cases, fast))


_SUBJECTS = ["", "a", "ab", "K", "\u212a", "s\u017f", "é", "x1", "a\nb", "abc abc", "ΑΒΓ",
             "quick brown", "zz", "0a", "héllo wörld"]


def _outcome(pattern: str) -> object:
    R._cache.clear()
    try:
        m = R.compile_pattern(pattern)
    except RegexCompileError as err:
        return ("error", str(err))
    dfa = N.LazyDFA(m.hir)
    return (m.engine, m.steps_per_char, [m.is_match(s) for s in _SUBJECTS],
            [dfa.is_match(s) for s in _SUBJECTS], dfa.ctx_mask, len(dfa.nfa.kind))


def _all_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(S, "_EARLY_WIDE", False)
    monkeypatch.setattr(T, "_FLAT_CONCATS", False)
    monkeypatch.setattr(N, "_GRAPH_LOOKS", False)
    monkeypatch.setattr(Z, "_WORD_SUMS", False)
    monkeypatch.setattr(SR, "_STEP_SMALL", False)


def test_compile_pattern_end_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    patterns = [p for p, _ in _HIRS][::3]
    patterns += ["(?:", "(?i)" + "|".join(_words(random.Random(5), 2000)), "\\w{3}" * 20,
                 "(?:\\d\\pL){2}" * 20, "(?:ab){50}" * 40, "[a-z]{20}" * 100]
    fast = [_outcome(p) for p in patterns]
    _all_off(monkeypatch)
    for p, got in zip(patterns, fast):
        assert got == _outcome(p), p[:60]
    R._cache.clear()
