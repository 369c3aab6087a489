"""Differential fuzzing of the bit-parallel engine against the lazy DFA.

The bit-parallel engine (``bitnfa``) turns a pattern's edges into groups of mask
operations: fill groups, lone groups, spread chains (up, down, direct), families,
carries and nullable chains, chosen by costs and limits. Each has its own tests; this
one draws random patterns built from what makes them (dozens of loops and junctions of
letters, counted runs, classes and look-arounds; alternations and concatenations,
nested; an exponential prefix; anchors and ``(?i)``), with the limits that steer the
choices drawn too, and checks that the engine answers as the DFA on random subjects.
The DFA is checked against the Rust crate itself (``test_regex_oracle.py``).

The default run is deterministic and takes a few seconds; ``REGEX_BITS_FUZZ_PATTERNS=N``
in the environment runs ``N`` patterns from a random seed (printed on failure).
"""

from __future__ import annotations

import os
import random
from typing import Callable, List, Set, Tuple

import pytest

from contractgate._validation.regex import RegexCompileError, compile_pattern
from contractgate._validation.regex import bitgroups as _bitgroups
from contractgate._validation.regex.bitnfa import BitNFA, Unavailable

_FROM_ENV = os.environ.get("REGEX_BITS_FUZZ_PATTERNS", "").strip()
PATTERNS = int(_FROM_ENV) if _FROM_ENV else 150
SEED = random.randrange(1 << 32) if _FROM_ENV else 20261206

LETTERS = "abcxyz"
ALPHABET = "abcxyz \n"
#: (before the letter, after it, a text that satisfies them around the letter ``c``)
LOOKS = [
    ("\\b", "", " c"), ("\\B", "", "c"), ("(?m)^", "", "\nc"), ("", "(?m)$", "c\n"),
    ("\\b{start}", "", " c"), ("", "\\b{end}", "c "), ("^", "", "c"), ("", "$", "c"),
]


Sampler = Callable[[random.Random], str]


def _atom(r: random.Random) -> Tuple[str, Sampler]:
    """An item and a sampler of texts it matches (looks: a character that may satisfy
    them)."""
    c = r.choice(LETTERS)
    k = r.random()
    if k < 0.5:
        word = c * r.randint(1, 3)
        return word, lambda _: word
    if k < 0.65:
        n = r.randint(1, 12)
        return f"{c}{{{n}}}", lambda _: c * n
    if k < 0.75:
        chars = "".join(r.sample(LETTERS, r.randint(1, 3)))
        return f"[{chars}]", lambda rr: rr.choice(chars)
    if k < 0.82:
        lo = r.randint(0, 6)
        hi = lo + r.randint(0, 5)
        return f"{c}{{{lo},{hi}}}", lambda rr: c * rr.randint(lo, hi)
    if k < 0.9:  # a look, and what satisfies it (``^``/``$``: only at an end)
        before, after, text = r.choice(LOOKS)
        return before + c + after, lambda _: text.replace("c", c)
    op = r.choice("?*+")
    least = 1 if op == "+" else 0
    most = 1 if op == "?" else 4
    return c + op, lambda rr: c * rr.randint(least, most)


def _letter(r: random.Random) -> Tuple[str, Sampler]:
    c = r.choice("xyz")
    return c, lambda _: c


def _seq(parts: List[Tuple[str, Sampler]]) -> Tuple[str, Sampler]:
    return "".join(t for t, _ in parts), lambda rr: "".join(f(rr) for _, f in parts)


def _group(r: random.Random, depth: int) -> Tuple[str, Sampler]:
    """``(?:b1|b2|...)`` + a repetition: a loop, a junction or an optional part."""
    branches = [
        _seq([_atom(r)] + ([_atom(r)] if r.random() < 0.3 else []))
        for _ in range(r.randint(1, 6))
    ]
    if depth > 0 and r.random() < 0.4:
        branches[r.randrange(len(branches))] = _seq(
            [_group(r, depth - 1), _group(r, depth - 1)]
        )
    if r.random() < 0.1:
        branches.append(("", lambda _: ""))
    op, least, most = r.choice(
        [("", 1, 1), ("*", 0, 4), ("+", 1, 4), ("?", 0, 1), ("{2}", 2, 2), ("{1,3}", 1, 3)]
    )

    def sample(rr: random.Random) -> str:
        return "".join(rr.choice(branches)[1](rr) for _ in range(rr.randint(least, most)))

    return "(?:" + "|".join(t for t, _ in branches) + ")" + op, sample


def pattern(r: random.Random) -> Tuple[str, List[Sampler]]:
    """A pattern and samplers of its pieces, in order. Alternatives end with a
    character (a look may stand before it), and so does a concatenation: a branch
    that matches the empty text would make every search an instant match."""
    alternation = r.random() < 0.5
    pieces: List[Tuple[str, Sampler]] = []
    for _ in range(r.randint(2, 40)):
        piece = _group(r, r.randint(0, 2))
        if alternation or r.random() < 0.3:  # a loop's next character
            piece = _seq([piece, _atom(r) if r.random() < 0.2 else _letter(r)])
        pieces.append(piece)
    if alternation:
        body = "|".join(t for t, _ in pieces)
    else:
        body = "".join(t for t, _ in pieces) + "z"
        pieces.append(("z", lambda _: "z"))
    if r.random() < 0.3:  # keeps the DFA from holding the rest
        body = f"[ab]*a[ab]{{{r.randint(5, 60)}}}c|" + body
    if r.random() < 0.2:
        body = "^(?:" + body + ")"
    if r.random() < 0.2:
        body = "(?:" + body + ")$"
    if r.random() < 0.1:
        body = "(?i)" + body
    return body, [f for _, f in pieces]


def subject(r: random.Random, samplers: List[Sampler]) -> str:
    """Random text, or the samples of a run of pieces (often up to the end) with a
    little noise or cut short: texts that travel deep into the loops and junctions and
    stop or stray near a match."""
    if r.random() < 0.25:
        letters = "".join(r.sample(ALPHABET, r.randint(2, len(ALPHABET))))
        return "".join(r.choice(letters) for _ in range(r.randint(0, 60)))
    i = r.randrange(len(samplers))
    j = len(samplers) if r.random() < 0.5 else i + r.randint(1, 4)
    chars = list("".join(f(r) for f in samplers[i:j]))
    for _ in range(r.choice([0, 0, 1, 2])):
        at = r.randint(0, len(chars))
        if r.random() < 0.5 and at < len(chars):
            del chars[at]
        else:
            chars.insert(at, r.choice(ALPHABET))
    if r.random() < 0.3:
        del chars[len(chars) - r.randint(1, 3):]
    return r.choice(["", "", "a", "x "]) + "".join(chars)


def kinds(bits: BitNFA) -> Set[str]:
    """The kinds of mask groups the engine built for the plain context."""
    t = bits._table(0)
    out = set()
    for _, _, bicliques, lone, fills, spreads in t.chunks:
        out.update(name for name, xs in
                   (("biclique", bicliques), ("lone", lone), ("fill", fills)) if xs)
        for _, _, _, chains in spreads:
            for _, _, w, _ in chains:
                out.add("direct" if w == _bitgroups.DIRECT else "up" if w < 0 else "down")
    out.update(name for name, xs in
               (("family", t.families), ("carry", t.carries), ("chain", t.chains)) if xs)
    return out


def test_the_bit_parallel_engine_answers_as_the_dfa(monkeypatch: pytest.MonkeyPatch) -> None:
    r = random.Random(SEED)
    seen: Set[str] = set()
    for _ in range(PATTERNS):
        p, samplers = pattern(r)
        # the limits that steer the engine's choices
        monkeypatch.setattr(_bitgroups, "FILL_SINGLE", r.random() < 0.7)
        monkeypatch.setattr(_bitgroups, "MAX_FILL_BITS", 1 << 24 if r.random() < 0.8 else 0)
        monkeypatch.setattr(_bitgroups, "MAX_SPREAD_CHAINS", r.choice([4, 4, 1, 2, 3]))
        try:
            m = compile_pattern(p)
        except RegexCompileError:
            continue
        try:
            bits = BitNFA(m.hir)
        except Unavailable:
            continue
        seen |= kinds(bits)
        for _ in range(40):
            s = subject(r, samplers)
            assert bits.is_match(s) == m.dfa_is_match(s), (SEED, p, s)
    if not _FROM_ENV:  # the default run meets every kind of group
        assert seen == {
            "biclique", "lone", "fill", "direct", "up", "down", "family", "carry", "chain",
        }, seen
