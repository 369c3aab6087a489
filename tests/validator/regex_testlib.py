"""Helpers shared by the ``tests/validator/test_regex_*.py`` files."""

from __future__ import annotations

import hashlib
import importlib
import json
import random
import tracemalloc
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, TypeVar

from contractgate._validation.regex import (
    CompiledRegex,
    RegexCompileError,
    _cache,
    compile_pattern,
    is_match_fn,
)
from contractgate._validation.regex import hir as H
from contractgate._validation.regex import parser as P
from contractgate._validation.regex import safety as S
from contractgate._validation.regex import size as Z
from contractgate._validation.regex import thompson as TH
from contractgate._validation.regex.bitnfa import BitNFA
from contractgate._validation.regex.charset import Ranges
from contractgate._validation.regex.nfa import NFA

TR = importlib.import_module("contractgate._validation.regex.translate")  # the package
# exports a function of that name

DATA = Path(__file__).resolve().parents[1] / "data"
SRC = str(Path(__file__).resolve().parents[2] / "src")


def data_file(name: str) -> Path:
    return DATA / name  # the engine's corpora, copied unchanged (tests/test_parity.py)


def display(pattern: str) -> Optional[str]:
    """The crate's error text for ``pattern``, or None if it compiles."""
    try:
        compile_pattern(pattern)
    except RegexCompileError as exc:
        assert str(exc) == exc.display
        return exc.display
    return None


def all_answers(m: CompiledRegex, s: str) -> Tuple[bool, ...]:
    """Every engine's answer; the full ``re`` pattern only where it is known to be fast."""
    answers = [m.is_match(s), bool(is_match_fn(m)(s)), m.dfa_is_match(s)]
    if m.engine == "re" or len(s) <= 12:
        answers.append(m.backtracking_is_match(s))
    a = m.ascii_is_match(s)
    if a is not None:
        answers.append(a)
    return tuple(answers)


def digest(pattern: str) -> str:
    """``ok <hash of the HIR>`` or ``err <hash of the text> <message> <span positions>``."""

    def h(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    try:
        m = compile_pattern(pattern)
    except RegexCompileError as err:
        span = None
        if err.span is not None:
            span = tuple(p.key() for p in err.span.positions(err.pattern))
        return f"err {h(err.display)} {err.message} {span!r}"
    return "ok " + h(repr(m.hir.key()))


#: Examples of the crate-oracle test (``test_regex_oracle.py``) when
#: ``--regex-oracle-examples`` is not given: a deterministic run of a few seconds.
ORACLE_DEFAULT_EXAMPLES = 200


T = TypeVar("T")


def from_deep_stack(depth: int, f: Callable[[], T]) -> T:
    """``f()`` called ``depth`` Python frames deeper than here."""
    if depth == 0:
        return f()
    return from_deep_stack(depth - 1, f)


_CONTRACT = "version: '1'\nname: t\nontology:\n  entities:\n    - {name: s, type: string%s}\n"


def pattern_contract(pattern: str) -> str:
    """The YAML of a contract whose one field ``s`` has ``pattern``."""
    return _CONTRACT % f", pattern: {json.dumps(pattern)}"


# ---------------------------------------------------------------------------- fast paths
# What the fast-path tests compare with a module switch off and on.


def ast_key(node: object) -> object:
    """A node as nested tuples: its type and every slot, spans included."""
    if node is None or isinstance(node, (str, int, float)):
        return node
    if isinstance(node, (list, tuple)):
        return tuple(ast_key(x) for x in node)
    slots = [s for cls in type(node).__mro__ for s in getattr(cls, "__slots__", ())]
    if slots:
        return (type(node).__name__, tuple((s, ast_key(getattr(node, s, None))) for s in slots))
    return (type(node).__name__, repr(node))


def parsed(pattern: str) -> object:
    """The AST of ``pattern`` (:func:`ast_key`), or its error's text and message."""
    try:
        return ast_key(P.parse(pattern))
    except RegexCompileError as err:
        return ("error", str(err), err.message)


def translated(pattern: str) -> object:
    """The HIR key of ``pattern``, or its error's text and message."""
    try:
        return TR.translate(pattern, P.parse(pattern)).key()
    except RegexCompileError as err:
        return ("error", str(err), err.message)


def class_of(pattern: str) -> Ranges:
    """The ranges of the first class in ``pattern``'s HIR."""
    stack = [TR.translate(pattern, P.parse(pattern))]
    while stack:
        h = stack.pop()
        if isinstance(h, H.HClass):
            return h.ranges
        stack.extend(H.children(h))
    raise AssertionError(pattern)


def graph_key(g: TH.Graph) -> Tuple[Any, ...]:
    """A Thompson graph, state by state."""
    return (g.kind, g.cls, g.look, g.out, g.alts, g.trie, g.classes, g.dropped, sorted(g.looks))


def nfa_key(h: H.Hir) -> object:
    """The lazy DFA's NFA of ``h`` and its start."""
    g = NFA()
    return graph_key(g), g.compile(h, g.add(TH.K_MATCH, []))


def analysis_key(h: H.Hir, ascii_only: bool = False) -> object:
    """The safety analysis's graph of ``h`` (or why it has none) and its start."""
    g = S._Graph(ascii_only)
    try:
        start = g.compile(h, g.add(TH.K_MATCH, []))
    except TH.TooLarge:
        return "too large"
    except S._Unsafe:
        return "unsafe"
    return graph_key(g), start


def compiled_outcome(pattern: str, subjects: Sequence[str]) -> object:
    """What ``compile_pattern`` makes of ``pattern`` (compiled afresh): its engine, HIR
    and answers on ``subjects``, or its error."""
    _cache.clear()
    try:
        m = compile_pattern(pattern)
    except RegexCompileError as err:
        return ("error", str(err))
    return m.engine, m.hir.key(), [m.is_match(s) for s in subjects]


def size_replays(h: H.Hir, by_id: bool = True) -> object:
    """Every kind of size replay of ``h``: totals, records (by node, or only their
    values to compare two trees) and the decision."""
    out = []
    for reverse, exact, bound, stop in [
        (None, False, False, None), (None, False, True, None), (False, True, False, None),
        (True, True, False, None), (None, False, False, Z.SIZE_LIMIT),
        (False, True, False, Z.SIZE_LIMIT), (True, False, False, 1 << 20),
    ]:  # fmt: skip
        records: Z.Records = {}
        got = Z._simulate(h, reverse, exact, bound, stop, records)
        if by_id:
            out.append((got, sorted((k, v[1:]) for k, v in records.items())))
        else:
            out.append((got, sorted(v[1:] for v in records.values())))
    out.append(Z.exceeds_limit(h, False))
    return out


def bit_engines(
    monkeypatch: Any, pattern: str, module: Any, flag: str, tables: bool = False
) -> Tuple[BitNFA, BitNFA]:
    """The bit-parallel engine of ``pattern`` built with ``module.flag`` off, then on;
    with ``tables``, the first context's masks too, while the flag holds (they are
    built when first asked)."""
    m = compile_pattern(pattern)
    out = []
    for on in (False, True):
        monkeypatch.setattr(module, flag, on)
        out.append(BitNFA(m.hir))
        if tables:
            out[-1]._table(0)
    return out[0], out[1]


def traced_peak(build: Callable[[], T]) -> Tuple[T, int]:
    """``build()`` and the peak of memory it allocated (``tracemalloc``, bytes)."""
    tracemalloc.start()
    try:
        got = build()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return got, peak


def class_patterns(
    seed: int, n: int, make_class: Callable[[random.Random], str], flags: Sequence[str],
    forms: Sequence[str], cut: float = 0.0,
) -> Iterator[str]:
    """``n`` seeded random patterns for the class fast-path tests: a flag group, then one
    to four classes from ``make_class``, each in one of ``forms`` (``@`` stands for the
    class); a share ``cut`` of them cut short (unclosed classes, errors at the end)."""
    r = random.Random(seed)
    for _ in range(n):
        parts = [r.choice(flags)]
        for _ in range(r.randint(1, 4)):
            parts.append(r.choice(forms).replace("@", make_class(r)))
        p = "".join(parts)
        if cut and r.random() < cut:
            p = p[: r.randint(1, len(p))]
        yield p


def parse_translate_on_off(
    monkeypatch: Any, module: Any, switch: str, patterns: Iterator[str]
) -> int:
    """Each pattern parsed and translated with ``module.switch`` on, then off: the same
    AST with its spans, the same HIR, the same errors with theirs. The errors counted."""
    errors = 0
    for p in patterns:
        monkeypatch.setattr(module, switch, True)
        fast = parsed(p), translated(p)
        monkeypatch.setattr(module, switch, False)
        assert fast == (parsed(p), translated(p)), p
        errors += fast[1][0] == "error"  # type: ignore[index]
    return errors


def flat_unions_taken(monkeypatch: Any) -> List[bool]:
    """Whether each call of the translator's one-pass union took its items (it gives
    None to leave them to the walk), recorded while the test runs."""
    taken: List[bool] = []
    one_pass = TR.Translator._flat_union

    def counted(self: object, items: object) -> object:
        got = one_pass(self, items)  # type: ignore[arg-type]
        taken.append(got is not None)
        return got

    monkeypatch.setattr(TR.Translator, "_flat_union", counted)
    return taken
