"""The fourth round of compile fast paths give exactly what the steps they stand for give.

* ``parser._FAST_FLAGS``: ``open_group``'s verdict on a flag text remembered by the
  text, and ``(?flags)`` of a remembered text parsed inline by the parse loop (the same
  AST, spans included, and the same errors);
* ``translate._FAST_LEAVES``: literals, ``(?flags)``, bracketed classes and a group's
  literal translated inline by the translation loop (the same HIR, the same errors);
* ``parser._FAST_STEPS``' step for ``|`` after a branch of one item (the branch's
  ``Concat`` reused for the next one: the same AST as ``push_alternate``'s);
* ``size._FAST_SEQ``: a concatenation's literals, ASCII classes and empties summed before
  they are multiplied by the replay's lane unit (the same totals, stops and records);
* ``ast.Flags``/``ast.SetFlags`` keeping the flags as their text (the items, spans and
  ``flag_state`` regex-syntax's items give, derived from it);

each compared with the fast path on and off over seeded random patterns, and end to end
through ``compile_pattern``.
"""

from __future__ import annotations

import importlib
import random
from typing import Iterator, List, Optional, Tuple

import pytest
from regex_testlib import compiled_outcome, parsed, size_replays, translated

from contractgate._validation import regex as R
from contractgate._validation.regex import ast as A
from contractgate._validation.regex import errors as E
from contractgate._validation.regex import parser as P
from contractgate._validation.regex import size as Z
from contractgate._validation.regex.errors import RegexCompileError, Span

# (the package's ``translate`` attribute is the function)
TR = importlib.import_module("contractgate._validation.regex.translate")

_FLAG_TEXTS = ["i", "-i", "i-s", "ims", "U", "u", "-u", "R", "imsUuR", "s-m", "", "-",
               "ii", "i-i", "--i", "i-", "z", "x", "-x", "ix", "iu-sR", "i-u", "m-iU"]  # fmt: skip
_ATOMS = [
    "a", "b", "k", "é", "ab", "\\x41", "\\xFF", "\\u00e9", "\\.", "\\d", "\\W", "\\b", "\\pL",
    ".", "^", "$", "?", "*", "+", "{2}", "[a]", "[a-z]", "[^k]", "[é]", "[\\xFF]", "[ ]",
    "[#]", "[a&&b]", "(", ")", "|", "(a)", "(k)", "(é)", "(\\d)", "(?:", "(?P<n>", "()",
    " ", "# c\n", "(?x)", "(?-x)", "( ?i)", "(?i", "(?",
]


def _flag_atom(rnd: random.Random) -> str:
    text = rnd.choice(_FLAG_TEXTS)
    return f"(?{text}" + rnd.choice([")", ")", ":"])


def _patterns(seed: int, count: int) -> Iterator[str]:
    rnd = random.Random(seed)
    for i in range(count):
        parts = [_flag_atom(rnd) if rnd.random() < 0.35 else rnd.choice(_ATOMS)
                 for _ in range(rnd.randint(1, 14))]  # fmt: skip
        p = "".join(parts)
        if i % 8 == 0:  # a unit repeated: the memo and the shared translations at work
            unit = rnd.choice(["(?i)a(?-i)b", "(?i)k(?-i)[k]", "(?s).(?-s).", "(?-u)a(?u)é",
                               "(k)", "[a]", "a|", "(?U)a*(?-U)b+", "(?i)(a)(?-i)(b)"])  # fmt: skip
            p = unit * rnd.randint(20, 200) + p
        yield p


_PATTERNS = list(_patterns(20261210, 3000))


def test_flag_memo_parses_like_open_group(monkeypatch: pytest.MonkeyPatch) -> None:
    P._FLAG_TEXTS.clear()
    fast = [parsed(p) for p in _PATTERNS]
    monkeypatch.setattr(P, "_FAST_FLAGS", False)
    for p, got in zip(_PATTERNS, fast):
        assert got == parsed(p), p


def test_flag_memo_against_all_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = [parsed(p) for p in _PATTERNS[:1200]]
    monkeypatch.setattr(P, "_FAST_FLAGS", False)
    monkeypatch.setattr(P, "_FAST_STEPS", False)
    monkeypatch.setattr(P.Parser, "open_group", lambda self, concat, o: None)
    monkeypatch.setattr(P.Parser, "simple_class", lambda self: None)
    for p, got in zip(_PATTERNS, fast):
        assert got == parsed(p), p


def test_inline_leaves_translate_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = [translated(p) for p in _PATTERNS]
    monkeypatch.setattr(TR, "_FAST_LEAVES", False)
    monkeypatch.setattr(TR.Flags, "with_", TR.Flags._with)
    for p, got in zip(_PATTERNS, fast):
        assert got == translated(p), p


def _reference_flags(text: str, start: int) -> Tuple[List[Tuple[int, int, str]], Optional[str]]:
    """regex-syntax's ``parse_flags`` over ``text`` at ``start``: the items, or the error
    and its spans (the items kept in a list, as the Rust parser keeps them)."""
    items: List[Tuple[int, int, str]] = []
    last_neg: Optional[int] = None
    for i, c in enumerate(text, start):
        if c not in "imsUuRx-":
            return items, f"unrecognized {i}"
        for s, _, k in items:
            if k == c:
                return items, f"{'negation' if c == '-' else 'duplicate'} {i} {s}"
        items.append((i, i + 1, c))
        last_neg = i if c == "-" else None
    if last_neg is not None:
        return items, f"dangling {last_neg}"
    return items, None


def _flags_nodes(node: object) -> Iterator[object]:
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, (A.SetFlags, A.Flags)):
            yield x
        for slot in ("ast", "asts", "flags"):
            v = getattr(x, slot, None) if not isinstance(x, A.SetFlags) else None
            if isinstance(v, list):
                stack.extend(v)
            elif v is not None:
                stack.append(v)


@pytest.mark.parametrize("prefix", ["", "a", "(?x) ", "(?x)(", "(?P<n>"])
def test_flags_text_gives_regex_syntax_items(prefix: str) -> None:
    rnd = random.Random(20261211)
    texts = list(_FLAG_TEXTS) + ["".join(rnd.choice("imsUuR-x") for _ in range(rnd.randint(1, 7)))
                                 for _ in range(300)]  # fmt: skip
    for text in texts:
        for close in (")", ":a)"):
            pattern = f"{prefix}(?{text}{close}" + (")" if prefix[-1:] in "(>" and prefix else "")
            start = len(prefix) + 2
            items, err = _reference_flags(text, start)
            try:
                ast = P.parse(pattern)
            except RegexCompileError as exc:
                assert exc.span is not None
                assert err is not None or not text, (pattern, exc.message)
                kind = err.split()[0] if err else "empty"
                at = int(err.split()[1]) if err else start
                if kind != "empty":
                    assert exc.span.start == at, (pattern, err)
                if kind in ("duplicate", "negation"):
                    first = int(err.split()[2])  # type: ignore[union-attr]
                    want = E.format_error(
                        pattern, exc.message, Span(at, at + 1), Span(first, first + 1)
                    )
                    assert str(exc) == want, pattern
                continue
            assert err is None, (pattern, err)
            node = max(_flags_nodes(ast), key=lambda x: x.start)  # type: ignore[attr-defined]
            flags = node.flags if isinstance(node, A.SetFlags) else node
            assert isinstance(flags, A.Flags)
            got = [(x.span.start, x.span.end, x.kind) for x in flags.items]
            assert got == items, pattern
            assert (flags.start, flags.end) == (start, start + len(text)), pattern
            for f in "imsUuRx":
                negated = False
                want = None
                for _, _, k in items:
                    if k == "-":
                        negated = True
                    elif k == f:
                        want = not negated
                        break
                assert flags.flag_state(f) is want, (pattern, f)


def test_compile_pattern_end_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    subjects = ["", "a", "ab", "Ab", "aB", "k", "K", "\u212a", "é", "É", "\n", "a\nb", "kk"]
    patterns = _PATTERNS[::5]
    fast = [compiled_outcome(p, subjects) for p in patterns]
    monkeypatch.setattr(P, "_FAST_FLAGS", False)
    monkeypatch.setattr(TR, "_FAST_LEAVES", False)
    for p, got in zip(patterns, fast):
        assert got == compiled_outcome(p, subjects), p
    R._cache.clear()


def test_alternate_step_parses_like_push_alternate(monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(20261212)
    atoms = ["a", "b", "ab", "é", "|", "||", "(", ")", "(?x)", " ", "(?:", "[a]", "\\d",
             "a*", "(a)", "(?i)", "# c\n", ")|", "|)"]  # fmt: skip
    patterns = ["".join(rnd.choice(atoms) for _ in range(rnd.randint(1, 16))) for _ in range(3000)]
    patterns += ["a|" * 500, "(a|b|" * 100 + ")" * 100, "(?x)a | b |c" * 50, "ab|" * 300 + "ab"]
    fast = [parsed(p) for p in patterns]
    monkeypatch.setattr(P, "_FAST_STEPS", False)
    for p, got in zip(patterns, fast):
        assert got == parsed(p), p


def _size_patterns() -> Iterator[str]:
    rnd = random.Random(20261213)
    atoms = ["a", "é", "ab", "[a]", "[a-z]", "\\d", "\\w", "\\pL", "(a)", "(é)", ".", "^",
             "$", "\\b", "a?", "(?:ab){3}", "a|b", "(?i)", "(?-i)", "k", "(?i:s)", "x{2,4}",
             "(?-u:\\w)", "[^a]", "()", "(?:)"]  # fmt: skip
    for _ in range(600):
        yield "".join(rnd.choice(atoms) for _ in range(rnd.randint(1, 30)))
    # at and around the limit (stops, exact replays)
    yield "(?i)a(?-i)b" * 30000
    yield "a|" * 120000
    yield "[a]" * 330000
    yield "(?:[a-z]\\d){9}" * 1800
    yield "\\w{3}" * 70
    yield "(?:\\d\\pL){2}" * 109


def test_summed_sequences_replay_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    hirs = []
    for p in _size_patterns():
        try:
            hirs.append(TR.translate(p, P.parse(p)))
        except RegexCompileError:
            continue
    fast = [size_replays(h) for h in hirs]
    monkeypatch.setattr(Z, "_FAST_SEQ", False)
    for h, got in zip(hirs, fast):
        assert got == size_replays(h)
