"""Two fast paths for long bracketed classes give exactly what they stand for.

* ``translate._FLAT_UNIONS``: a union of characters and ranges under ``u`` taken in one
  pass instead of an item at a time on the walk's stack (the same HIR; the same errors,
  first error first, since such an item cannot fail and any other item sends the union
  down the walk);
* ``parser.simple_class`` making the items of a class of characters only (no ``-``) in
  one pass (the same AST, spans included, as the step-by-step parser's);

each compared on and off over seeded random classes, under random flags, inside random
patterns.
"""

from __future__ import annotations

import random
from typing import Iterator

import pytest
from regex_testlib import TR, class_patterns, flat_unions_taken, parse_translate_on_off

from contractgate._validation.regex import parser as P

_CHARS = ["a", "b", "z", "A", "0", "_", "é", "ß", "K", "ſ", "😀", "\u00e0", ".", "*", "(", "|"]
_ITEMS = [
    *_CHARS,
    "a-z", "A-Z", "0-9", "à-ÿ", "a-a", "z-a", "\\d", "\\w", "\\s", "\\pL", "\\p{Greek}",
    "[:alpha:]", "[:^digit:]", "[ab]", "[^a]", "\\x41", "\\u{e9}", "\\xff", "\\n", "\\-",
    "&&b", "--a", "~~c", " ", "#", "\\]", "^",
]  # fmt: skip
_FLAGS = ["", "(?i)", "(?-u)", "(?i-u)", "(?x)", "(?u)", "(?s)"]


def _class(r: random.Random) -> str:
    if r.random() < 0.5:  # characters only: the one-pass parse and the flat union
        body = "".join(r.choice(_CHARS[:12]) for _ in range(r.randint(1, 40)))
    else:
        body = "".join(r.choice(_ITEMS) for _ in range(r.randint(1, 12)))
    return "[" + ("^" if r.random() < 0.3 else "") + body + "]"


def _patterns(seed: int, n: int) -> Iterator[str]:
    return class_patterns(seed, n, _class, _FLAGS, ["@", "a", "(?i:@)", "@+"])


def test_flat_unions_translate_as_the_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = flat_unions_taken(monkeypatch)
    errors = parse_translate_on_off(monkeypatch, TR, "_FLAT_UNIONS", _patterns(20261208, 3000))
    assert sum(taken) > 1000 and not all(taken)  # both ways, many times
    assert 100 < errors < 2500  # errors compared too (first error first)


def test_character_classes_parse_as_the_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    parse_translate_on_off(monkeypatch, P, "_FAST_STEPS", _patterns(20261209, 3000))


def test_a_long_character_class() -> None:
    """A class of thousands of characters, each a literal item with its own span."""
    body = "ab" * 5000 + "é😀"
    p = "[" + body + "]x"
    ast = P.parse(p)
    kind = ast.asts[0].kind  # type: ignore[attr-defined]
    assert len(kind.items) == len(body)
    assert (kind.items[-1].c, kind.items[-1].span.start) == ("😀", len(body))
    assert TR.translate(p, ast).key() == TR.translate("[abé😀]x", P.parse("[abé😀]x")).key()
