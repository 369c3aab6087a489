"""Deeply nested patterns compile and match from a caller with almost no stack left
(issue #14, item 4).

Every compile step -- parser, translation, size decision, the safety analysis, the
Thompson construction of the lazy DFA, the emitted ``re`` text, the literal and
bit-parallel engines -- keeps its own stack, so a contract compiles the same from a
call chain 900 frames deep (CPython's default limit is 1 000) as from the top: to a
validator, or to a ``ContractCompileError``, never to anything else.  The answers are
compared with a compile at the top of the stack and, where ``flpc`` is installed,
with the Rust crate itself.
"""

from __future__ import annotations

import random
import sys
from typing import Any, Callable, List, Optional, Tuple

import pytest
from regex_testlib import from_deep_stack, pattern_contract

import contractgate._validation.regex as R
from contractgate import Contract, ContractCompileError

try:  # the Rust crate (regex 1.10.5): the dev extra has it, except on 3.13
    import flpc
except ImportError:  # pragma: no cover - the answers are then compared with the top only
    flpc = None

#: Frames the test's caller already uses (CPython's default limit is 1 000).
CALLER_DEPTH = 900

Shape = Callable[[int], str]

SHAPES: List[Tuple[str, Shape]] = [
    ("groups", lambda d: "(" * d + "a" + ")" * d),
    ("flag-groups", lambda d: "(?i:" * d + "k" + ")" * d),
    ("stars", lambda d: "a" + "*" * d),
    ("lazy-questions", lambda d: "a" + "??" * (d // 2)),
    ("counted", lambda d: "a" + "{1,2}" * min(d, 18)),
    ("group-stars", lambda d: "(" * d + "a" + ")*" * d),
    ("group-plus-alt", lambda d: "(?:(?:a|b)+" * (d // 3) + ")" * (d // 3)),
    ("nullable-counted", lambda d: "(?:(?:a?){2}" * (d // 2) + ")" * (d // 2)),
    ("alternations", lambda d: "(?:a|" * (d // 2) + "b" + ")" * (d // 2)),
    ("alt-literals", lambda d: "(?:ab|cd|" * (d // 2) + "ef" + ")" * (d // 2)),
    ("classes", lambda d: "[" * (d // 2) + "a" + "]" * (d // 2)),
    ("class-ops", lambda d: "[a" + "&&[a-c" * (d // 2) + "]" * (d // 2 + 1)),
    ("looks", lambda d: "(?m:^(?:\\b" * (d // 3) + "a" + "\\b)$)" * (d // 3)),
    ("word-looks", lambda d: "(?:\\B(?:\\<" * (d // 3) + "a" + "\\>)|b)" * (d // 3)),
    ("unicode-plus", lambda d: "(?i)" + "(" * (d // 2) + "\\pL" + ")+" * (d // 2)),
    ("thrash", lambda d: "(" * d + "[ab]*a[ab]{12}c" + ")" * d),
    ("literal-set", lambda d: "(?:" * d + "foo|bar|baz|qux" + ")" * d),
]
DEPTHS = [30, 124, 249]


def _subjects() -> List[str]:
    r = random.Random(7)
    noise = "".join(r.choice("ab") for _ in range(20_000))
    return [
        "", "a", "b", "ab", "k", "K", "\u212a", "ba", "bar", "x foo y", "a\nb", "\n",
        "aab" * 3, "é", "a" * 20_000, noise, noise + "c", "ab" * 10_000 + "c",
    ]


SUBJECTS = _subjects()
MISMATCH = "pattern_mismatch"


def _outcome(text: str) -> Tuple[str, Optional[List[bool]]]:
    """``("error", None)`` or ``("ok", [passed per subject])``; anything else raises."""
    try:
        compiled = Contract.from_yaml(text).compile()
    except ContractCompileError as err:
        return "error: " + str(err).rsplit(": ", 1)[-1], None
    answers = []
    for s in SUBJECTS:
        result = compiled.validate({"s": s})
        assert all(str(v.kind) == MISMATCH for v in result.violations), result.violations
        answers.append(result.passed)
    return "ok", answers


def _crate(pattern: str) -> Optional[Tuple[str, Optional[List[bool]]]]:
    """The crate's outcome (None without flpc, or when its Unicode 15 tables could move
    the size-limit verdict: the oracle test's waiver)."""
    if flpc is None:
        return None
    try:
        crate = flpc.compile(pattern)
    except ValueError as err:
        if "size limit" in str(err):
            return None
        return "error", None
    return "ok", [flpc.search(crate, s) is not None for s in SUBJECTS]


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("name, shape", SHAPES, ids=[n for n, _ in SHAPES])
def test_deep_patterns_from_a_deep_call_chain(name: str, shape: Shape, depth: int) -> None:
    pattern = shape(depth)
    text = pattern_contract(pattern)
    R._cache.clear()  # compile for real, at depth
    deep = from_deep_stack(CALLER_DEPTH - _frames(), lambda: _outcome(text))
    R._cache.clear()
    top = _outcome(text)
    assert deep == top, pattern
    crate = _crate(pattern)
    if crate is not None:
        assert (deep[0] == "ok") == (crate[0] == "ok"), (pattern, deep[0])
        assert deep[1] == crate[1], pattern


def test_the_family_compiles_and_reaches_every_engine() -> None:
    """The shapes are not all rejected: most compile, and between them they run on the
    DFA (with a hand-over to the bit-parallel engine), on ``re`` and on literal sets."""
    engines = set()
    compiled = 0
    for _, shape in SHAPES:
        for depth in DEPTHS:
            try:
                m = R.compile_pattern(shape(depth))
            except R.RegexCompileError:
                continue
            compiled += 1
            engines.add(m.engine)
    assert compiled >= len(SHAPES) * len(DEPTHS) * 2 // 3
    assert {"re", "dfa", "literals"} <= engines
    thrash = R.compile_pattern(dict(SHAPES)["thrash"](124))
    assert thrash.engine == "dfa"
    before = thrash._get_dfa().stats.handovers
    from_deep_stack(CALLER_DEPTH - _frames(), lambda: thrash.is_match(SUBJECTS[15]))
    assert thrash._get_dfa().stats.handovers == before + 1


def test_re_never_gets_a_pattern_nested_deeper_than_its_limit() -> None:
    """``re.compile`` recurses per group: patterns nested deeper than ``RE_MAX_NESTING``
    run on the DFA, shallower ones may run on ``re``."""
    half = R.RE_MAX_NESTING // 2  # two optional groups per level

    def nested(k: int) -> str:
        return "(?:a(?:b" * k + ")?)?" * k

    assert R.compile_pattern(nested(half)).engine == "re"
    assert R.compile_pattern(nested(half + 1)).engine == "dfa"


def _frames() -> int:
    """Frames already on the stack below this test."""
    depth = 0
    frame: Any = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth
