"""Helpers shared by the ``tests/validator/test_regex_*.py`` files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable, Optional, Tuple, TypeVar

from contractgate._validation.regex import (
    CompiledRegex,
    RegexCompileError,
    compile_pattern,
    is_match_fn,
)

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
