"""The compile fast paths build exactly what the step-by-step code builds.

* ``parser.Parser.open_group``: ``(``, ``(c)``, ``(?:``, ``(?flags)``, ``(?flags:`` in
  one go (same AST, spans included, same errors);
* ``translate.Flags.with_``'s memo (same HIR);
* ``thompson._FAST_RUNS``: ``x{n}`` of a class or literal laid out inside its
  concatenation's chain (the same graph, state for state);
* ``hir.alternation``'s one-pass type test (the same HIR as the ``isinstance`` tests);

each compared with the fast path on and off over seeded random patterns, and end to end
through ``compile_pattern``.
"""

from __future__ import annotations

import importlib
import random
from typing import Dict, Iterator, List, Optional

import pytest
from regex_testlib import analysis_key, compiled_outcome, nfa_key, parsed, translated

from contractgate._validation import regex as R
from contractgate._validation.regex import charset as C
from contractgate._validation.regex import hir as H
from contractgate._validation.regex import parser as P
from contractgate._validation.regex import thompson as T
from contractgate._validation.regex.errors import RegexCompileError

# (the package's ``translate`` attribute is the function)
TR = importlib.import_module("contractgate._validation.regex.translate")

_ATOMS = [
    # flag groups, valid and not
    "(?i)", "(?-i)", "(?i-s)", "(?ims)", "(?U)", "(?u)", "(?-u)", "(?R)", "(?imsUuR)",
    "(?ii)", "(?i-i)", "(?-)", "(?i-)", "(?--i)", "(?)", "(?i", "(?-i", "(?z)", "(?i-:",
    "(?x)", "(?-x)", "(?x:", "(?ix)", "(?i:", "(?-i:", "(?s-m:", "(?:", "(?P<n>", "(?<m>",
    "(?=", "(?!", "(?<=",
    # groups and alternations
    "(", ")", "|", "(a)", "(b)", "(.)", "()", "(|)", "(#)", "( )", "(])", "(})", "(é)",
    "(\\d)", "(ab)", "(a|b)", "((a))",
    # x mode whitespace and comments
    " ", "  ", "\n", "# c\n", "#", "\t", "\u3000",
    # literals, escapes, repetitions
    "a", "b", "ab", "xyz", "é", "\\.", "\\(", "\\)", "\\?", "\\x41", "\\u00e9", "\\n", "\\d",
    "\\W", "\\b", "\\pL", ".", "^", "$", "-", "]", "}", "{", "?", "*", "+", "??", "{2}",
    "{1,3}", "{ 2 }", "{2,}", "{0}", "{3,1}",
    # classes
    "[a]", "[a-z]", "[^a]", "[a-z0-9_]", "[ab]", "[é]", "[(]", "[)]", "[?]", "[a-]", "[]",
    "[[:alpha:]]", "[a&&b]", "[\\d]", "[ ]",
]


def _patterns(seed: int, count: int) -> Iterator[str]:
    rnd = random.Random(seed)
    for i in range(count):
        p = "".join(rnd.choice(_ATOMS) for _ in range(rnd.randint(1, 12)))
        if i % 10 == 0:  # long runs of one item
            p = rnd.choice(["(?i)a(?-i)b", "(a)", "(?:ab){3}", "a|", "[a]", "(?:x)"]) * rnd.randint(
                50, 300
            ) + p
        elif i % 10 == 1:  # deep nesting, near the limit
            d = rnd.choice([124, 125, 249, 250, 251])
            p = rnd.choice(["(", "(?:", "(?i:", "(?x:"]) * d + p + ")" * rnd.choice([0, d])
        yield p


_PATTERNS = list(_patterns(20261207, 4000))


def test_open_group_builds_the_steps_ast(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = [parsed(p) for p in _PATTERNS]
    monkeypatch.setattr(P.Parser, "open_group", lambda self, concat, o: None)
    for p, got in zip(_PATTERNS, fast):
        assert got == parsed(p), p


def test_open_group_against_all_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    # ... and against regex-syntax's steps with every other shortcut off as well.
    fast = [parsed(p) for p in _PATTERNS[:1500]]
    monkeypatch.setattr(P.Parser, "simple_class", lambda self: None)
    monkeypatch.setattr(P, "_FAST_STEPS", False)
    for p, got in zip(_PATTERNS, fast):
        assert got == parsed(p), p


def test_flag_groups_are_errors_where_the_steps_say(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = ["(?ii)", "(?i-i)", "(?-)", "(?i-)", "(?--i)", "(?)", "(?i", "(?-i", "(?z)",
             "(?i-:a)", "a(?ii)", "(?:(?)", "(?x)( ?ii)", "(?imsUuRi)", "(?P<n>(?ii))"]  # fmt: skip
    fast = [parsed(p) for p in cases]
    monkeypatch.setattr(P.Parser, "open_group", lambda self, concat, o: None)
    for p, got in zip(cases, fast):
        assert isinstance(got, tuple) and got[0] == "error", p
        assert got == parsed(p), p


def test_flags_memo_translates_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    TR._WITH.clear()
    fast = [translated(p) for p in _PATTERNS]
    monkeypatch.setattr(TR.Flags, "with_", TR.Flags._with)
    for p, got in zip(_PATTERNS, fast):
        assert got == translated(p), p


_REPEATS = [
    "(?:ab){50}", "[a-z]{20}", "a{3}", "(?i)k{2}", "x{1}", "(?:abc){2}b", "[ab]{4}c{2}",
    "(?:ab){2,3}", "a{2,}", "(?:a|b){3}", "(?:a{2}){3}", "\\d{3}-\\d{4}", "(a){2}", "é{5}",
    "(?i)(?:straße){2}", "(?:){3}", "(?:a*){2}", "^a{4}$",
]


def _repeat_patterns() -> Iterator[str]:
    rnd = random.Random(20261208)
    for _ in range(800):
        yield "".join(rnd.choice(_REPEATS + _ATOMS[60:80]) for _ in range(rnd.randint(1, 8)))
    yield "(?:ab){50}" * 300  # past the analysis' node limit
    yield "[a-z]{20}" * 1800


def test_repetition_runs_lay_out_the_walks_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    hirs: List[H.Hir] = []
    for p in _repeat_patterns():
        try:
            hirs.append(TR.translate(p, P.parse(p)))
        except RegexCompileError:
            continue
    fast = [(nfa_key(h), analysis_key(h)) for h in hirs]
    monkeypatch.setattr(T, "_FAST_RUNS", False)
    for h, got in zip(hirs, fast):
        assert got == (nfa_key(h), analysis_key(h)), h.key()


def _reference_alternation(subs: List[H.Hir]) -> H.Hir:
    """``hir.alternation`` as it was, with ``isinstance`` tests."""
    new: List[H.Hir] = []
    for s in subs:
        new.extend(s.subs if isinstance(s, H.HAlternation) else [s])
    if not new:
        return H.HClass(())
    if len(new) == 1:
        return new[0]
    if all(isinstance(s, H.HLiteral) and len(s.chars) == 1 for s in new):
        return H.cls(C.canon((ord(s.chars), ord(s.chars)) for s in new))  # type: ignore[attr-defined]
    if all(isinstance(s, H.HClass) for s in new):
        return H.cls(H.union_all([s.ranges for s in new]))  # type: ignore[attr-defined]
    lifted = H._lift_common_prefix(new)
    return lifted if lifted is not None else H.HAlternation(new)


def test_alternation_type_test() -> None:
    rnd = random.Random(20261209)
    pool: List[H.Hir] = [
        H.HLiteral("a"), H.HLiteral("b"), H.HLiteral("ab"), H.HClass(((97, 99),)), H.HClass(()),
        H.HEmpty(), H.HLook(H.START), H.HConcat([H.HLiteral("a"), H.HClass(((48, 57),))]),
        H.HAlternation([H.HLiteral("x"), H.HLiteral("yz")]), H.HAlternation([H.HLiteral("q")]),
        H.HRepetition(0, None, True, H.HLiteral("a")), H.HCapture(1, None, H.HLiteral("a")),
    ]
    for _ in range(3000):
        subs = [rnd.choice(pool) for _ in range(rnd.randint(0, 6))]
        assert H.alternation(list(subs)).key() == _reference_alternation(list(subs)).key()


_SUBJECTS = ["", "a", "ab", "abab", "Ab", "aB", "é", "xyz", "a\nb", "(a)", "k", "K", "\u212a"]


def test_compile_pattern_end_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    patterns = _PATTERNS[::4] + list(_repeat_patterns())[::8]
    fast = [compiled_outcome(p, _SUBJECTS) for p in patterns]
    monkeypatch.setattr(P.Parser, "open_group", lambda self, concat, o: None)
    monkeypatch.setattr(TR.Flags, "with_", TR.Flags._with)
    monkeypatch.setattr(T, "_FAST_RUNS", False)
    for p, got in zip(patterns, fast):
        assert got == compiled_outcome(p, _SUBJECTS), p
    R._cache.clear()


def test_bench_shapes_parse_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    # The compile shapes of bench/bench_regex.py, shortened.
    shapes = ["(?:ab){50}" * 200, "[a-z]{20}" * 180, "(?i)" + "|".join(["ab", "kz", "sx"] * 50),
              "[a]" * 3000, "(a)" * 3000, "a|" * 3000, "(?i)a(?-i)b" * 3000]  # fmt: skip
    fast: Dict[str, Optional[object]] = {p: (parsed(p), translated(p)) for p in shapes}
    monkeypatch.setattr(P.Parser, "open_group", lambda self, concat, o: None)
    monkeypatch.setattr(TR.Flags, "with_", TR.Flags._with)
    for p in shapes:
        assert fast[p] == (parsed(p), translated(p)), p[:40]
