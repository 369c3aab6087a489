"""More fast paths for long bracketed classes give exactly what they stand for.

* ``parser._FAST_CLASS_ITEMS``: ``parse_set_class`` making a class's commonest items
  (characters, ranges of two characters, ``\\d``-like classes, a nested ``[c]``) itself
  outside x mode; ``simple_class`` taking a class of ranges only in one pass, one set
  operation between plain characters and ranges (``[a-z&&b]``) and, in x mode,
  ``[ c ]`` in one go; ``bump_space`` seeing at once that nothing is to skip; the nest
  limit's walk seeing ``[c]`` and ``[a&&b]`` as shallow without asking;
* ``translate._FLAT_ITEMS``: the one-pass union taking POSIX classes, ``\\d``-like
  classes and nested ``[c]`` too (each distinct set once);

each compared on and off (the same AST with its spans, the same HIR, the same errors
with their spans) over seeded random patterns.
"""

from __future__ import annotations

import random
from typing import Iterator

import pytest
from regex_testlib import (
    TR,
    class_patterns,
    flat_unions_taken,
    parse_translate_on_off,
    parsed,
    translated,
)

from contractgate._validation.regex import parser as P

_CHARS = ["a", "b", "z", "A", "0", "_", "é", "ß", "K", "ſ", "😀", "\u00e0", ".", "*", "(", "|",
          " ", "#", "^", ":", "\u00a0"]  # fmt: skip
_ITEMS = [
    *_CHARS,
    "a-z", "A-Z", "0-9", "à-ÿ", "a-a", "z-a", "a-", "-", "a-\\d", "\\d-z", "a-[", "\\d", "\\w",
    "\\s", "\\D", "\\W", "\\S", "\\d-", "\\pL", "\\p{Greek}", "\\PN", "[:alpha:]",
    "[:^digit:]", "[:word:]", "[:foo:]", "[:]", "[ab]", "[^a]", "[a]", "[b]", "[:a]", "[-]",
    "[&]", "[ a ]", "[]a]", "[^]", "\\x41", "\\u{e9}", "\\xff", "\\n", "\\-", "&&", "&&b",
    "--a", "~~c", "&", "~", "--", " ", "#", "# c\n", "\\]", "^", "[a&&b]", "[a-c--b]",
    "[[a]]", "[\\d]", "[é]", "\\", "[",
]  # fmt: skip
_FLAGS = ["", "", "(?i)", "(?-u)", "(?i-u)", "(?x)", "(?x)", "(?ix)", "(?u)", "(?s)"]
_SIDES = ["a", "bc", "a-z", "z-a", "0-9b", "é", "ſK", "\\d", "a-"]


def _class(r: random.Random) -> str:
    x = r.random()
    if x < 0.15:  # one set operation of plain sides: simple_op_class
        op = r.choice(["&&", "--", "~~"])
        body = r.choice(_SIDES) + op + r.choice(_SIDES)
    elif x < 0.3:  # x mode's ``[ c ]``
        ws = lambda: r.choice(["", " ", "  ", "\t", "\n", "\u2003", "#c\n"])  # noqa: E731
        neg = r.choice(["", "", "^" + ws()])
        return "[" + ws() + neg + r.choice(_CHARS) + ws() + "]"
    elif x < 0.4:  # ranges only: simple_class's one pass (an invalid one sometimes)
        ranges = ["a-z", "0-9", "A-Z", "é-ü", "a-a", "b-c", "z-a" if r.random() < 0.2 else "x-y"]
        body = "".join(r.choice(ranges) for _ in range(r.randint(1, 20)))
    elif x < 0.55:  # a long run of the commonest items
        common = ["a", "b", "é", "a-z", "0-9", "\\d", "\\W", "[a]", "[b]", "[:alpha:]", "z-a"]
        body = "".join(r.choice(common) for _ in range(r.randint(1, 30)))
    else:
        body = "".join(r.choice(_ITEMS) for _ in range(r.randint(1, 12)))
    return "[" + ("^" if r.random() < 0.3 else "") + body + "]"


def _patterns(seed: int, n: int) -> Iterator[str]:
    forms = ["@", "@", "a", "(?i:@)", "(?x:@)", "@+", "[@]", "(?-u:@)"]
    yield from class_patterns(seed, n, _class, _FLAGS, forms, cut=0.1)
    # the nest limit, near it and past it, with the shapes the walk takes as shallow
    for inner in ["[a&&b]", "[a]", "[[a][b]]", "[a-z\\d]", "[ a ]"]:
        for depth in (60, 61, 62, 123, 124, 125, 126, 248, 249, 250, 251):
            yield "(?:" * depth + inner + ")" * depth
            yield "(?x)" + "[" * depth + inner + "]" * depth
            yield "[" * depth + inner + "]" * depth
            yield "[" * depth + "a&&" + inner + "]" * depth


def _same(monkeypatch: pytest.MonkeyPatch, module: object, switch: str, seed: int) -> int:
    return parse_translate_on_off(monkeypatch, module, switch, _patterns(seed, 3000))


def test_class_items_parse_as_the_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    errors = _same(monkeypatch, P, "_FAST_CLASS_ITEMS", 20261210)
    assert 200 < errors < 2500  # errors compared too (first error first)


def test_flat_items_translate_as_the_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = flat_unions_taken(monkeypatch)
    errors = _same(monkeypatch, TR, "_FLAT_ITEMS", 20261211)
    assert sum(taken) > 1000 and not all(taken)  # both ways, many times
    assert 200 < errors < 2500


def test_all_class_fast_paths_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every class fast path on against every one off (the steps and the walk)."""
    switches = [(P, "_FAST_STEPS"), (P, "_FAST_ITEMS"), (P, "_FAST_NEST"),
                (P, "_FAST_DEPTH"), (P, "_FAST_CLASS_ITEMS"), (TR, "_FLAT_UNIONS"),
                (TR, "_FLAT_ITEMS"), (TR, "_FAST_CLASSES")]  # fmt: skip
    for p in _patterns(20261212, 1500):
        for module, name in switches:
            monkeypatch.setattr(module, name, True)
        fast = parsed(p), translated(p)
        for module, name in switches:
            monkeypatch.setattr(module, name, False)
        assert fast == (parsed(p), translated(p)), p


def test_long_classes_of_every_fast_item() -> None:
    """Megabyte-shaped classes (shorter here) of each fast item, one item per node."""
    for body, count in [("[:alpha:]a-z\\d", 3), ("[a][b]", 2), ("a-z", 1)]:
        p = "[" + body * 2000 + "]"
        kind = P.parse(p).kind  # type: ignore[attr-defined]
        assert len(kind.items) == 2000 * count
    for p in ["(?x)" + "[ a ]" * 2000, "[a&&b]" * 2000]:
        assert len(P.parse(p).asts) == 2000 + p.startswith("(?x)")  # type: ignore[attr-defined]
