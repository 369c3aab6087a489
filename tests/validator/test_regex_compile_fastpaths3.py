"""The third round of compile fast paths give exactly what the steps they stand for give.

* ``translate._FAST_RUNS``: a word of a list (a ``Concat`` of one ``LiteralRun``)
  translated without a frame of its own, and a run under ``i`` folded through a table of
  its distinct characters (the same HIR as folding and concatenating char by char);
* ``hir.can_match`` stopping at the item that decides (the same
  answer as the walk over every node);
* ``parser._FAST_NEST``: ``[a-z]`` made without the class regex, and ``R([k])`` (a
  repetition or group of a one-item class) seen as shallow by the nest limit check
  without ``_shallow`` (the same AST, spans included, and the same errors);

each compared with the fast path on and off over seeded random word lists (with and
without ``(?i)``/``(?-i)``, letters that fold specially, empty words, classes and
escapes, ``(?x)``), and end to end through ``compile_pattern``.
"""

from __future__ import annotations

import importlib
import random
from typing import Dict, Iterator, List, Tuple

import pytest
from regex_testlib import compiled_outcome, parsed, translated

from contractgate._validation import regex as R
from contractgate._validation.regex import hir as H
from contractgate._validation.regex import parser as P
from contractgate._validation.regex.errors import RegexCompileError

# (the package's ``translate`` attribute is the function)
TR = importlib.import_module("contractgate._validation.regex.translate")

# k, s, ß, ǅ (titlecase), Greek sigmas, the Kelvin sign, long s, Turkish i's, digits
_LETTERS = "abkKsSxyzß\u01c5\u01c4\u01c6σςΣ\u212a\u017f\u0130\u0131éÉ09_"
_EXTRAS = [
    "", "\\d", "[a-z]", "[^a-z]", "[0-9]", "[é-ü]", "[z-a]", "[k]", "[K-k]", "\\.", "\\pL",
    "x{2}", "[a-z]{3}", "(?:k|s)", "(ß)", "\\x{212A}", "[[:alpha:]]", "[a-]", "\\b", "é+",
    "(?i)", "(?-i)", "(?i:ks)", "(?-i:KS)", "(?u)", "(?-u)", "(?-u:ab)", "ǅ?", "[σς]", "#",
]
_PREFIXES = ["", "(?i)", "(?-i)", "(?i)(?-i)", "(?x)", "(?ix)", "(?i-u)", "(?iu)", "(?is)"]


def _word(rnd: random.Random) -> str:
    r = rnd.random()
    if r < 0.08:
        return ""
    w = "".join(rnd.choice(_LETTERS) for _ in range(rnd.randint(1, 9)))
    if r < 0.35:
        k = rnd.randrange(len(w) + 1)
        w = w[:k] + rnd.choice(_EXTRAS) + w[k:]
    if r > 0.93:
        w = w.replace("a", " a ", 1) + rnd.choice(["", " # c\n", "\t"])
    return w


def _lists(seed: int, count: int) -> Iterator[str]:
    rnd = random.Random(seed)
    for i in range(count):
        words = [_word(rnd) for _ in range(rnd.randint(1, 40))]
        p = rnd.choice(_PREFIXES) + "|".join(words)
        if i % 7 == 0:  # inside a group, maybe flagged, maybe followed by more
            p = rnd.choice(["(?:", "(", "(?i:", "(?-i:", "(?x:"]) + p + ")" + rnd.choice(
                ["", "z", "|k", "+", "{2}"]
            )
        elif i % 7 == 1:  # a flag switched half way
            k = rnd.randrange(len(words) + 1)
            p = "|".join(words[:k]) + rnd.choice(["(?i)", "(?-i)"]) + "|".join(words[k:])
        yield p


_LISTS = list(_lists(20261208, 1500))

_CLASS_ATOMS = [
    "[a-z]", "[^a-z]", "[0-9]", "[A-Z]", "[z-a]", "[a-a]", "[é-ü]", "[a-]", "[-a]", "[^-a]",
    "[a-z0-9]", "[k]", "[^k]", "[ -~]", "[a- ]", "[a-z]{20}", "[0-9]{2,3}", "[a-z]*", "[a-z]+?",
    "([a-z])", "(?:[a-z])", "(?i:[a-z])", "([a-z]{2})", "(?:[a-z]){2}", "([^0-9])+", "[[a-z]]",
    "[a-z&&k]", "[\\d-z]", "[a-\\d]", "(?x)", "(?-x)", "(", ")", "|", "a", "ab", "\\d", " ",
]


def _class_patterns(seed: int, count: int) -> Iterator[str]:
    rnd = random.Random(seed)
    for i in range(count):
        p = "".join(rnd.choice(_CLASS_ATOMS) for _ in range(rnd.randint(1, 12)))
        if i % 8 == 0:  # near the nest limit (250)
            d = rnd.choice([246, 247, 248, 249, 250])
            p = rnd.choice(["(", "(?:", "(?i:"]) * d + p + ")" * rnd.choice([0, d])
        elif i % 8 == 1:  # long runs
            p = rnd.choice(["[a-z]{20}", "[a-z]", "([a-z])", "(?:[0-9])+"]) * rnd.randint(
                20, 200
            ) + p
        yield p


_CLASSES = list(_class_patterns(20261209, 1500))


def test_word_lists_exercise_the_fast_paths() -> None:
    # (not vacuous: lists that parse, translate, fold and fail are all there)
    kinds = [translated(p) for p in _LISTS[:300]]
    assert sum(1 for k in kinds if isinstance(k, tuple) and k[0] == "error") > 5
    assert sum(1 for k in kinds if not (isinstance(k, tuple) and k[0] == "error")) > 200


def test_fold_runs_translate_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = [translated(p) for p in _LISTS]
    monkeypatch.setattr(TR, "_FAST_RUNS", False)
    for p, got in zip(_LISTS, fast):
        assert got == translated(p), p


def test_fold_table_outgrown(monkeypatch: pytest.MonkeyPatch) -> None:
    # More distinct characters than the table keeps: the char-by-char path takes over.
    monkeypatch.setattr(TR, "_MEMO_MAX", 40)
    rnd = random.Random(7)
    alphabet = [chr(c) for c in range(0x100, 0x250)] + list(_LETTERS)
    for _ in range(200):
        words = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(2, 12)))
                 for _ in range(rnd.randint(1, 30))]  # fmt: skip
        p = "(?i)" + "|".join(words)
        fast = translated(p)
        monkeypatch.setattr(TR, "_FAST_RUNS", False)
        assert fast == translated(p), p
        monkeypatch.setattr(TR, "_FAST_RUNS", True)


def test_words_against_every_translate_step(monkeypatch: pytest.MonkeyPatch) -> None:
    # ... and against the flags memo off as well.
    fast = [translated(p) for p in _LISTS[:500]]
    monkeypatch.setattr(TR, "_FAST_RUNS", False)
    monkeypatch.setattr(TR.Flags, "with_", TR.Flags._with)
    for p, got in zip(_LISTS, fast):
        assert got == translated(p), p


def test_parser_fast_steps_parse_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    patterns = _LISTS + _CLASSES
    fast = [parsed(p) for p in patterns]
    monkeypatch.setattr(P, "_FAST_NEST", False)
    for p, got in zip(patterns, fast):
        assert got == parsed(p), p
    errors = [got for got in fast if isinstance(got, tuple) and got[0] == "error"]
    assert any("nested" in str(e[1]) for e in errors)
    assert any("invalid" in str(e[1]) for e in errors)


def test_nest_shortcut_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # ``R([k])`` near the limit, with ``simple_class`` off: only the nest check differs.
    patterns = [o * d + inner + ")" * d
                for o in ("(", "(?:", "(?i:") for d in (246, 247, 248, 249, 250)
                for inner in ("[a-z]{2}", "([a-z])", "(?:[k])+", "[a-z]", "([ab]){3}")]  # fmt: skip
    monkeypatch.setattr(P.Parser, "simple_class", lambda self: None)
    fast = [parsed(p) for p in patterns]
    monkeypatch.setattr(P, "_FAST_NEST", False)
    for p, got in zip(patterns, fast):
        assert got == parsed(p), p
    assert any(isinstance(g, tuple) and g[0] == "error" for g in fast)
    assert any(not (isinstance(g, tuple) and g[0] == "error") for g in fast)


def test_parser_fast_steps_against_all_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    patterns = _LISTS[:400] + _CLASSES[:400]
    fast = [parsed(p) for p in patterns]
    monkeypatch.setattr(P, "_FAST_NEST", False)
    monkeypatch.setattr(P, "_FAST_STEPS", False)
    monkeypatch.setattr(P.Parser, "simple_class", lambda self: None)
    monkeypatch.setattr(P, "_shallow", lambda node: False)
    for p, got in zip(patterns, fast):
        assert got == parsed(p), p


# -- can_match -----------------------------------------------------------------------


def _can_match_all(h: H.Hir) -> bool:
    """The reference: ``can_match`` as it was before it stopped at the deciding item, a
    post-order walk of every composite node (leaves read where they stand)."""
    known: Dict[int, bool] = {}

    def value(x: H.Hir) -> bool:
        t = type(x)
        if t is H.HClass:
            return bool(x.ranges)  # type: ignore[attr-defined]
        return known[id(x)] if t in H._COMPOSITE else True

    stack: List[Tuple[H.Hir, bool]] = [(h, False)]
    while stack:
        x, done = stack.pop()
        t = type(x)
        if t not in H._COMPOSITE or id(x) in known:
            continue
        if t is H.HRepetition and x.min == 0:  # type: ignore[attr-defined]
            known[id(x)] = True
            continue
        subs = x.subs if t is H.HConcat or t is H.HAlternation else [x.sub]  # type: ignore[attr-defined]
        if not done:
            stack.append((x, True))
            stack.extend((s, False) for s in subs if type(s) in H._COMPOSITE)
            continue
        known[id(x)] = (any if t is H.HAlternation else all)(map(value, subs))
    return value(h)


def _random_hirs(seed: int, count: int) -> Iterator[H.Hir]:
    """HIR trees built with the raw node types (no smart constructor tidies them):
    empty classes, empty concatenations and alternations, shared sub-trees."""
    rnd = random.Random(seed)
    for _ in range(count):
        pool: List[H.Hir] = [
            H.HClass(()), H.HClass(((97, 98),)), H.HLiteral("a"), H.HLiteral(""), H.HEmpty(),
            H.HLook(H.START), H.HClass(()),
        ]
        for _ in range(rnd.randint(1, 25)):
            r = rnd.random()
            if r < 0.3:
                subs = [rnd.choice(pool) for _ in range(rnd.randint(0, 5))]
                pool.append(H.HConcat(subs))
            elif r < 0.6:
                subs = [rnd.choice(pool) for _ in range(rnd.randint(0, 5))]
                pool.append(H.HAlternation(subs))
            elif r < 0.85:
                lo = rnd.choice([0, 0, 1, 2])
                hi = rnd.choice([None, lo, lo + 3])
                pool.append(H.HRepetition(lo, hi, rnd.random() < 0.5, rnd.choice(pool)))
            else:
                pool.append(H.HCapture(rnd.randint(1, 9), None, rnd.choice(pool)))
        yield pool[-1]
        yield rnd.choice(pool)


def test_lazy_can_match_answers_alike() -> None:
    answers = []
    for h in _random_hirs(20261210, 4000):
        got = H.can_match(h)
        assert got is _can_match_all(h)
        answers.append(got)
    assert True in answers and False in answers


def test_lazy_can_match_on_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    never = ["[a&&b]", "[^\\s\\S]", "(?:[a&&b]){2}", "\\P{any}"]
    rnd = random.Random(11)
    patterns = []
    for _ in range(600):
        parts = [rnd.choice([*never, "a", "(?:k|s)", "[a-z]*", "x?", "(ß)"]) for _ in range(4)]
        sep = rnd.choice(["", "|"])
        p = sep.join(parts)
        if rnd.random() < 0.4:
            p = rnd.choice(["(?i)", "(?i:", "(", "(?:"]) + p
            p += ")" if p[:4] != "(?i)" else ""
        patterns.append(p)
    for p in patterns + _LISTS[:300] + _CLASSES[:300]:
        try:
            h = TR.translate(p, P.parse(p))
        except RegexCompileError:
            continue
        assert H.can_match(h) is _can_match_all(h), p
    assert H.can_match(H.HClass(())) is False


# -- end to end ----------------------------------------------------------------------

_SUBJECTS = [
    "", "a", "ab", "k", "K", "\u212a", "s", "S", "\u017f", "ß", "ẞ", "ss", "\u01c4", "\u01c5",
    "\u01c6", "σ", "ς", "Σ", "é", "É", "0", "abc z", "x1", "aZ", "xyz", "\u0130", "i",
]


def _switches(monkeypatch: pytest.MonkeyPatch, on: bool) -> None:
    monkeypatch.setattr(TR, "_FAST_RUNS", on)
    monkeypatch.setattr(H, "can_match", H.can_match if on else _can_match_all)
    monkeypatch.setattr(P, "_FAST_NEST", on)


def test_compile_pattern_end_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    patterns = _LISTS[::3] + _CLASSES[::4]
    rnd = random.Random(3)
    fast = []
    for p in patterns:
        words = [w for w in rnd.sample(_SUBJECTS, 6)] + [p[4:9], p[-5:]]
        fast.append((words, compiled_outcome(p, words)))
    _switches(monkeypatch, False)
    for p, (words, got) in zip(patterns, fast):
        assert got == compiled_outcome(p, words), p
    R._cache.clear()


def test_bench_shapes_compile_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    # The compile shapes of bench/bench_regex.py, shortened.
    rnd = random.Random(5)
    words = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(2, 11)))
             for _ in range(400)]  # fmt: skip
    shapes = ["(?i)" + "|".join(words), "|".join(words), "[a-z]{20}" * 180,
              "(?i)" + "|".join(words) + "|[a&&b]", "(?:[a-z]\\d){9}" * 50]  # fmt: skip
    subjects = words[:5] + [w.upper() for w in words[5:10]] + ["a" * 40, "q1" * 9]
    fast = [compiled_outcome(p, subjects) for p in shapes]
    _switches(monkeypatch, False)
    for p, got in zip(shapes, fast):
        assert got == compiled_outcome(p, subjects), p[:40]
    R._cache.clear()
