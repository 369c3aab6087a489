"""The fifth round of compile fast paths give exactly what the steps they stand for give.

* ``parser._FAST_ITEMS``: ``(c)`` and ``[c]`` made by the parse loop itself (the same
  AST, spans included, and the same errors);
* ``parser._FAST_DEPTH``: the nest limit's walk skipped when the parser's bound on the
  depth is within the limit (the same ASTs and errors, deep patterns included);
* ``translate._SHARED_RUNS``/``_FAST_CAPTURES``/``_FAST_CLASSES``: equal literal runs
  share one node, ``(c)`` is translated inline and ``[c]`` remembered by its character
  (the same HIR, the same errors);
* ``hir._LONE_LITERALS``: ``concat`` keeping a literal that merges with nothing as it is
  (the same HIR, and the same size replays and graphs made from it);
* ``size._FAST_CAPS``: a capture of an ASCII literal summed with the simple items (the
  same totals, stops and records);
* ``thompson._SAME_ITEMS``: an item that is the node before it reuses its class indexes
  (the same graphs, for the lazy DFA and for the safety analysis);

each compared with the fast path on and off over seeded random patterns, and end to end
through ``compile_pattern``.
"""

from __future__ import annotations

import importlib
import random
from typing import Iterator, List

import pytest
from regex_testlib import analysis_key, compiled_outcome, nfa_key, parsed, size_replays, translated

from contractgate._validation import regex as R
from contractgate._validation.regex import hir as H
from contractgate._validation.regex import parser as P
from contractgate._validation.regex import size as Z
from contractgate._validation.regex import thompson as TH
from contractgate._validation.regex.errors import RegexCompileError

# (the package's ``translate`` attribute is the function)
TR = importlib.import_module("contractgate._validation.regex.translate")

_ATOMS = [
    "a", "b", "é", "ab", "(a)", "(b)", "(é)", "(?)", "(()", "(\\)", "(.)", "(|)", "(a))",
    "[a]", "[b]", "[é]", "[^a]", "[]]", "[-]", "[&]", "[~]", "[\\]", "[[]", "[ ]", "[a-c]",
    "(", ")", "|", "*", "+", "?", "{2}", "{1,3}", "(?:", "(?i)", "(?-i)", "(?x)", "(?-x)",
    " ", "# c\n", "\\d", ".", "(?P<n>", "(?i:", "x", "[[a]]", "[a&&b]", "\\x41", "(ab)",
    "[#]", "[k]", "(?-u)", "(?u)", "(?-u:[é])", "[\\xFF]", "(?i)[k]", "[\\x41]", "(?s)",
]  # fmt: skip


def _patterns(seed: int, count: int) -> Iterator[str]:
    rnd = random.Random(seed)
    for i in range(count):
        p = "".join(rnd.choice(_ATOMS) for _ in range(rnd.randint(1, 16)))
        if i % 8 == 0:  # a unit repeated: the memos and the shared translations at work
            unit = rnd.choice(["(a)", "[a]", "(?:ab){3}", "(é)", "(ab)", "ab|", "(?i)(a)(?-i)b",
                               "(?i)[k](?-i)[k]", "(?-u)[a](?u)[é]", "[ ](?x)[ ](?-x)"])
            p = unit * rnd.randint(20, 200) + p
        yield p


_PATTERNS = list(_patterns(20261214, 3000))


def _deep(seed: int) -> Iterator[str]:
    """Patterns nested around the nest limit, every way the AST can nest."""
    for k in (58, 60, 61, 62, 63, 80, 125, 126, 249, 250, 251):
        yield "(" * k + "a" + ")" * k
        yield "(?:" * k + "a*" + ")" * k
        yield "(a|" * k + "b" + ")" * k
        yield "(?:a|(?:" * (k // 2) + "b" + "))" * (k // 2)
        yield "a" + "{1}" * k
        yield "a" + "*" * k
        yield "(" * (k // 4) + "a" + "?" * k + ")" * (k // 4)
        yield "[" * k + "a" + "]" * k
        yield "[a" + "&&b" * k + "]"
        yield "(" * (k // 4) + "[a&&[b--c]]" + ")" * (k // 4)
        yield "(?:(?:" * (k // 2) + "[a-z]{2}" + "))" * (k // 2)
    rnd = random.Random(seed)
    pieces = ["(", "(?:", "(?i:", ")", "|", "*", "{2}", "a", "[a]", "[[a]]", "[a&&b]", "ab"]
    for _ in range(400):
        depth = rnd.randint(55, 70)
        parts: List[str] = []
        for _ in range(depth):
            parts.append(rnd.choice(pieces[:3]))
            parts.extend(rnd.choice(pieces[4:]) for _ in range(rnd.randint(0, 2)))
        parts.extend(rnd.choice(pieces[3:]) for _ in range(rnd.randint(0, 5)))
        yield "".join(parts) + ")" * rnd.randint(depth - 3, depth)


def test_inline_items_parse_like_the_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = [parsed(p) for p in _PATTERNS]
    monkeypatch.setattr(P, "_FAST_ITEMS", False)
    for p, got in zip(_PATTERNS, fast):
        assert got == parsed(p), p
    monkeypatch.setattr(P, "_FAST_STEPS", False)
    monkeypatch.setattr(P.Parser, "open_group", lambda self, concat, o: None)
    monkeypatch.setattr(P.Parser, "simple_class", lambda self: None)
    for p, got in zip(_PATTERNS[:1000], fast):
        assert got == parsed(p), p


def test_depth_bound_keeps_the_nest_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    patterns = list(_deep(20261215)) + _PATTERNS[:1000]
    skipped = 0
    walk = P.check_nest_limit

    def counting(p: P.Parser, ast: object) -> None:
        nonlocal skipped
        skipped -= 1
        walk(p, ast)  # type: ignore[arg-type]

    monkeypatch.setattr(P, "check_nest_limit", counting)
    fast = [parsed(p) for p in patterns]
    skipped += len(patterns)
    assert skipped > 100  # the bound does spare walks
    assert any(isinstance(x, tuple) and x[0] == "error" and "nest" in x[2] for x in fast)
    monkeypatch.setattr(P, "_FAST_DEPTH", False)
    for p, got in zip(patterns, fast):
        assert got == parsed(p), p


def test_shared_runs_and_inline_captures_translate_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = [translated(p) for p in _PATTERNS]
    monkeypatch.setattr(TR, "_SHARED_RUNS", False)
    monkeypatch.setattr(TR, "_FAST_CAPTURES", False)
    monkeypatch.setattr(TR, "_FAST_CLASSES", False)
    monkeypatch.setattr(H, "_LONE_LITERALS", False)
    for p, got in zip(_PATTERNS, fast):
        assert got == translated(p), p
    monkeypatch.setattr(TR, "_FAST_LEAVES", False)
    for p, got in zip(_PATTERNS[:1000], fast):
        assert got == translated(p), p


def _hirs(patterns: List[str]) -> List[H.Hir]:
    out = []
    for p in patterns:
        try:
            out.append(TR.translate(p, P.parse(p)))
        except RegexCompileError:
            continue
    return out


def _size_patterns() -> Iterator[str]:
    rnd = random.Random(20261216)
    atoms = ["a", "é", "ab", "[a]", "\\d", "\\pL", "(a)", "(é)", "(ab)", "(\\d)", "(?:a)", "^",
             "a?", "(?:ab){3}", "a|b", "(?i)", "(?-i)", "k", "()", "(a)?", "(?-u:(a))"]  # fmt: skip
    for _ in range(600):
        yield "".join(rnd.choice(atoms) for _ in range(rnd.randint(1, 40)))
    # at and around the limit (stops, exact replays)
    yield "(a)" * 349525
    yield "(a)" * 200000
    yield "(ab)" * 120000 + "\\pL"
    yield "(é)" * 20000 + "(a)" * 100000


def test_summed_captures_replay_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    hirs = _hirs(list(_size_patterns()))
    fast = [size_replays(h) for h in hirs]
    monkeypatch.setattr(Z, "_FAST_CAPS", False)
    for h, got in zip(hirs, fast):
        assert got == size_replays(h)


def test_lone_literals_replay_and_lay_out_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    patterns = [p for p in _size_patterns() if len(p) < 10_000]
    patterns += ["(?i)a(?-i)b" * 30000, "(?i)a(?-i)bc[d]" * 200, "a(?i)b(?-i)c|d(?:e)f" * 50]
    fast = _hirs(patterns)
    monkeypatch.setattr(H, "_LONE_LITERALS", False)
    slow = _hirs(patterns)
    assert len(fast) == len(slow)
    for h, g in zip(fast, slow):
        assert h.key() == g.key()
        assert size_replays(h, False) == size_replays(g, False)
    for h, g in zip(fast[:300], slow):
        assert (nfa_key(h), analysis_key(h)) == (nfa_key(g), analysis_key(g))


def test_same_items_lay_out_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(20261217)
    units = ["(?:ab){3}", "ab", "[a-c]{2}", "\\d{2}", "a", "(?:[a-z]\\d){2}", "é{2}", "x*",
             "(?i)k{2}", "(?:a|b){2}"]  # fmt: skip
    patterns = []
    for _ in range(300):
        parts = []
        for _ in range(rnd.randint(1, 6)):
            parts.append(rnd.choice(units) * rnd.randint(1, 5))
            if rnd.random() < 0.3:
                parts.append("|")
        patterns.append("".join(parts).strip("|") or "a")
    patterns += ["(?:ab){50}" * 200, "(?:[a-z]\\d){9}" * 50]
    hirs = _hirs(patterns)
    fast = [(nfa_key(h), analysis_key(h), analysis_key(h, True)) for h in hirs]
    monkeypatch.setattr(TH, "_SAME_ITEMS", False)
    for p, h, got in zip(patterns, hirs, fast):
        assert got == (nfa_key(h), analysis_key(h), analysis_key(h, True)), p


def test_compile_pattern_end_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    subjects = ["", "a", "ab", "Ab", "aB", "é", "\n", "a\nb", "aa", "abab", "]"]
    patterns = _PATTERNS[::5]
    fast = [compiled_outcome(p, subjects) for p in patterns]
    switches = [(P, "_FAST_ITEMS"), (P, "_FAST_DEPTH"), (TR, "_SHARED_RUNS"),
                (TR, "_FAST_CAPTURES"), (TR, "_FAST_CLASSES"), (Z, "_FAST_CAPS"),
                (TH, "_SAME_ITEMS"), (H, "_LONE_LITERALS")]  # fmt: skip
    for module, name in switches:
        monkeypatch.setattr(module, name, False)
    for p, got in zip(patterns, fast):
        assert got == compiled_outcome(p, subjects), p
    R._cache.clear()
