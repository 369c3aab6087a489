# ruff: noqa: E501
"""The matching engines: when stdlib ``re`` is allowed, the lazy DFA, and their agreement.

(The front end -- parsing, translation, size limit -- is tested in
``test_regex_parse.py``, ``test_regex_size.py`` and ``test_regex_huge.py``.)
"""

from __future__ import annotations

import threading
from typing import Any, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from regex_testlib import all_answers

from contractgate._validation.regex import CompiledRegex, RegexCompileError, compile_pattern
from contractgate._validation.regex import hir as H
from contractgate._validation.regex import nfa as _nfa
from contractgate._validation.regex import safety as _safety
from contractgate._validation.regex.parser import parse
from contractgate._validation.regex.translate import translate

# -- the linear-time guarantee ---------------------------------------------------------------

SAFE = [
    "^[a-z0-9_]+$", "^\\d{4}-\\d{2}-\\d{2}$", "colou?r", "\\bfoo\\b", "\\d{3}-\\d{4}", "^(foo|bar|baz)+$",
    "^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", "[a-z]+",
    "^https?://[^\\s/$.?#][^\\s]*$", "^[a-zA-Z]+(?:-[a-zA-Z]+)*$", "^v\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.]+)?$",
    "^(?:\\+?1[-. ]?)?\\(?\\d{3}\\)?[-. ]?\\d{3}[-. ]?\\d{4}$", "\\p{Lu}+", "",
]
UNSAFE = [
    "^(a+)+$", "(a|a)*b", "(a*)*b", "(\\w+\\s?)*$", "^(a|aa)+$", "(.*a){20}", "[a-z]+$", "a*a*a*a*a*b",
    "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", "\\w+@", "(x+x+)+y", "^(\\d+)*$", "(a|b|ab)*c", "(?:a?){30}a{30}",
    # A failing run that shares its prefix with runs reaching sinks (quadratic in re).
    "^(?:[xy]+c|x)*",
]


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_patterns_use_re(pattern: str) -> None:
    assert compile_pattern(pattern).engine == "re"


@pytest.mark.parametrize("pattern", UNSAFE)
def test_unsafe_patterns_use_dfa(pattern: str) -> None:
    assert compile_pattern(pattern).engine == "dfa"


CATASTROPHIC = [
    ("^(a+)+$", "a" * 50_000 + "!", False),
    ("(a|a)*b", "a" * 100_000, False),
    ("(a*)*b", "a" * 100_000, False),
    ("(\\w+\\s?)*$", "a" * 100_000 + "!", True),
    ("^(\\w+\\s?)*$", "a" * 100_000 + "!", False),
    ("^(a|aa)+$", "a" * 100_000 + "!", False),
    ("(.*a){20}", "a" * 100_000, True),
    ("(.*a){20}b", "a" * 100_000, False),
    ("[a-z]+$", "a" * 100_000 + "!", False),
    ("a*a*a*a*a*b", "a" * 100_000, False),
    ("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", "a@" + "b." * 50_000 + "@", False),
    ("(x+x+)+y", "x" * 100_000, False),
    ("\\bfoo\\b", "foo" * 50_000, False),
    ("(?i)\\p{L}+\\d", "é" * 100_000, False),
    ("^(?:[xy]+c|x)*!", "x" * 100_000, False),
    ("\\w+@\\w+", "a" * 100_000, False),
]


@pytest.mark.parametrize("pattern,haystack,want", CATASTROPHIC)
def test_catastrophic_patterns_are_linear(pattern: str, haystack: str, want: bool) -> None:
    # Work is counted, not timed: re only with a proven per-character step bound, the
    # DFA within its thrash rule (plus one closure), the bit-parallel engine in mask
    # operations per character.
    m = compile_pattern(pattern)
    if m.engine == "re":
        assert m.steps_per_char is not None and m.steps_per_char <= _safety.STEP_BUDGET
        assert m.is_match(haystack) is want
        return
    dfa = m._get_dfa()
    before = dfa.stats.work()
    assert m.is_match(haystack) is want
    n = len(haystack)
    if dfa.stats.handovers:
        bits = dfa._bits
        assert bits.stats.ops <= 64 * (bits.stats.chars + 1), (pattern, bits.stats.ops)
    else:
        spent = dfa.stats.work() - before
        limit = _nfa.THRASH_SLACK + _nfa.THRASH_PER_CHAR * n + _nfa.MISS_UNITS + len(dfa.nfa.kind)
        assert spent <= limit, (pattern, spent)


def test_dfa_cache_reset_keeps_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_nfa, "MAX_DFA_STATES", 3)
    monkeypatch.setattr(_nfa, "MAX_TRANSITIONS", 5)
    m = CompiledRegex("(a|ab)(c|bcd)(d*)$", translate("x", parse("(a|ab)(c|bcd)(d*)$")), "dfa")
    for s in ["abcd", "abcdx", "acd", "xabcddd", "ab", ""]:
        assert m.is_match(s) == m.backtracking_is_match(s), s


def test_dfa_threads() -> None:
    m = compile_pattern("^(\\w+\\s?)*$")
    values = ["hello world", "a b c d!", "x" * 200, "é ü ß", "tab\there", "x y z "]
    want = {v: m.backtracking_is_match(v) for v in values}
    errors: List[str] = []

    def work() -> None:
        for _ in range(300):
            for v in values:
                if m.is_match(v) != want[v]:
                    errors.append(v)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


DEEP = [
    "a" + "*" * 248,
    "(" * 249 + "a" + ")" * 249,
    "(?:" * 125 + "a" + ")*" * 125,
    "(?:a|" * 124 + "b" + ")" * 124,
    "[" * 124 + "a" + "]" * 124,
    "(" * 124 + "a" + ")+" * 124,
    "(?:(?:a|b)+" * 80 + ")" * 80,
    "(?:(?:a?){2}" * 60 + ")" * 60,
    "((((((((((((a{2}){2}){2}){2}){2}){2}){2}){2}){2}){2}){2}){2})",
]


@pytest.mark.parametrize("pattern", DEEP, ids=lambda p: p[:20])
def test_deep_nesting(pattern: str) -> None:
    m = compile_pattern(pattern)
    for s in ["", "a", "aab", "b" * 100]:
        got = all_answers(m, s)
        assert len(set(got)) == 1, (s, got)


# -- differential: random patterns x random strings --------------------------------------

_PIECES = [
    "a", "b", "ab", "k", "K", "ß", "é", "_", " ", ".", "-", "\\.", "\\d", "\\w", "\\s", "\\D", "\\W", "\\S",
    "[a-c]", "[^a]", "[[:alpha:]]", "[a-z&&[^b]]", "\\pL", "\\p{Greek}", "\\b", "\\B", "\\<", "\\>", "^", "$",
    "\\A", "\\z", "(?i)", "(?m)", "(?s)", "(?R)", "(?-u)", "(?x)", "\\x{e9}", "\\n", "\\r",
]
_QUANTS = ["", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "*?", "+?", "??"]


@st.composite
def _patterns(draw: st.DrawFn, depth: int = 0) -> str:
    parts: List[str] = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 2 and draw(st.integers(0, 5)) == 0:
            inner = "|".join(draw(st.lists(_patterns(depth + 1), min_size=1, max_size=3)))
            parts.append(draw(st.sampled_from(["(", "(?:", "(?i:", "(?P<g>"])) + inner + ")")
        else:
            parts.append(draw(st.sampled_from(_PIECES)))
        parts.append(draw(st.sampled_from(_QUANTS)))
    return "".join(parts)


_CHARS = st.sampled_from([*"abkKßé_ .-\n\rxAB1", "\u212a", "ſ", "\u0661", "\U0001f600", "α", "\u200d"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_patterns(), st.lists(st.text(_CHARS, max_size=8), min_size=1, max_size=6))
def test_differential_re_vs_dfa(pattern: str, haystacks: List[str]) -> None:
    try:
        m = compile_pattern(pattern)
    except RegexCompileError:
        return
    for s in haystacks:
        got = all_answers(m, s)
        assert len(set(got)) == 1, (pattern, s, got, m.engine)


def test_safety_analysis_is_conservative_on_random_patterns() -> None:
    # Accepted patterns carry a proven per-character bound; the bound itself is checked
    # against an instrumented backtracker in test_regex_linear.py.
    for pattern in ["(a|b)*c", "(ab|a)*c", "(a|ab)(c|bcd)(d*)", "a{1,30}a{1,30}$", "(?:a|b)+c?$"]:
        h = translate(pattern, parse(pattern))
        bound = _safety.cost_bound(h)
        assert _safety.is_linear(h) == (bound is not None and bound <= _safety.STEP_BUDGET)
        if bound is not None:
            assert compile_pattern(pattern).engine == "re"


# -- the Thompson construction: clones and chains build what plain recursion builds --------


def _plain_thompson(h: H.Hir, trie_min: int) -> List[Tuple[Any, ...]]:
    """The construction written recursively, one state at a time (small patterns only):
    per state (kind, class ranges, look, successors)."""
    from contractgate._validation.regex import thompson as T

    states: List[List[Any]] = []

    def add(kind: int, nexts: List[int], rs: object = None, look: str = "") -> int:
        states.append([kind, rs, look, nexts])
        return len(states) - 1

    def c(x: H.Hir, nxt: int) -> int:
        if isinstance(x, H.HEmpty):
            return nxt
        if isinstance(x, H.HLiteral):
            for ch in reversed(x.chars):
                nxt = add(T.K_CHAR, [nxt], ((ord(ch), ord(ch)),))
            return nxt
        if isinstance(x, H.HClass):
            return add(T.K_CHAR, [nxt], x.ranges)
        if isinstance(x, H.HLook):
            return add(T.K_LOOK, [nxt], look=x.look)
        if isinstance(x, H.HCapture):
            return c(x.sub, nxt)
        if isinstance(x, H.HConcat):
            for s in reversed(x.subs):
                nxt = c(s, nxt)
            return nxt
        if isinstance(x, H.HAlternation):
            words = [s.chars for s in x.subs if isinstance(s, H.HLiteral)]
            if len(words) == len(x.subs) >= trie_min:
                root = add(T.K_TRIE, [], {})
                for w in words:
                    node = root
                    for ch in w:
                        edges = states[node][1]
                        if ch not in edges:
                            edges[ch] = add(T.K_TRIE, [], {})
                        node = edges[ch]
                    if not states[node][3]:
                        states[node][3] = [nxt]
                return root
            return add(T.K_SPLIT, [c(s, nxt) for s in x.subs])
        assert isinstance(x, H.HRepetition)
        if x.max is None:
            loop = add(T.K_SPLIT, [])
            body = c(x.sub, loop)
            states[loop][3] = [body, nxt]
            if x.min == 0:
                return loop
            start = body
            for _ in range(x.min - 1):
                start = c(x.sub, start)
            return start
        cur = nxt
        for _ in range(x.max - x.min):
            cur = add(T.K_SPLIT, [c(x.sub, cur), nxt])
        for _ in range(x.min):
            cur = c(x.sub, cur)
        return cur

    match = add(T.K_MATCH, [])
    start = c(h, match)
    return [(k, rs, lk, tuple(n)) for k, rs, lk, n in states] + [("start", start)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_patterns(), st.sampled_from(["", "{3}", "{2,4}", "{0,3}", "{2,}", "+"]))
def test_clones_and_chains_build_the_plain_construction(pattern: str, outer: str) -> None:
    from contractgate._validation.regex import thompson as T

    pattern = f"(?:{pattern}|xyz|ab){outer}"
    try:
        h = translate(pattern, parse(pattern))
    except RegexCompileError:
        return
    for trie_min in (3, 10**9):
        g = T.Graph()
        g.trie_min = trie_min if trie_min < 10**9 else None
        start = g.compile(h, g.add(T.K_MATCH, []))
        succ = g.successors()
        got = [
            (k, g.trie.get(s) if k == T.K_TRIE else (g.classes[g.cls[s]] if k == T.K_CHAR else None),
             g.look[s], tuple(succ[s]))
            for s, k in enumerate(g.kind)
        ] + [("start", start)]
        assert got == _plain_thompson(h, trie_min), pattern
