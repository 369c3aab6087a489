"""Contract ``pattern``s with the dialect and semantics of the Rust ``regex`` crate 1.13.

Public interface::

    m = compile_pattern(pattern)     # raises RegexCompileError
    m.is_match(s) -> bool            # unanchored search, Rust semantics
    m.pattern -> str
    fn = is_match_fn(m)              # the fastest callable; its result is truthy iff match
    str(err) == err.display          # the regex crate's Display text of the error

Pipeline: ``parser`` (regex-syntax's parser, exact errors) -> ``translate`` (AST to
``hir`` with flags, Unicode tables from ``tables``) -> ``size`` (the crate's NFA size
limit) -> an engine: ``literals`` (literal sets), ``emit`` (a stdlib ``re`` pattern, used
only when ``safety`` proves that backtracking stays linear), ``bitnfa`` (bit-parallel)
or ``nfa`` (a lazy DFA): every one linear in the text. See docs/design/regex.md.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Callable, Dict, Optional, Tuple, cast

from . import hir as H
from .emit import emit, nesting, uses_unicode_word_boundary, wants_ascii_variant
from .errors import RegexCompileError, check_encodable, size_limit_error
from .gc_pause import gc_paused
from .literals import LiteralSet, literal_set
from .nfa import LazyDFA
from .parser import parse
from .safety import cost_bounds, grows_stack
from .size import exceeds_limit
from .translate import translate

__all__ = [
    "CharRun",
    "CompiledRegex",
    "RegexCompileError",
    "char_run",
    "compile_pattern",
    "is_match_fn",
]

ENGINE_RE = "re"
ENGINE_DFA = "dfa"
ENGINE_NEVER = "never"
ENGINE_LITERALS = "literals"


def _never(_s: str) -> bool:
    return False


def _dispatch(
    ascii_search: Callable[[str], object], other: Callable[[str], object], other_is_bool: bool
) -> Callable[[str], bool]:
    """Run the small-class ``re`` variant on ASCII input, ``other`` otherwise."""
    if other_is_bool:

        def search_dfa(s: str) -> bool:
            if s.isascii():
                return ascii_search(s) is not None
            return other(s) is True

        return search_dfa

    def search(s: str) -> bool:
        if s.isascii():
            return ascii_search(s) is not None
        return other(s) is not None

    return search


#: Longest value given to ``re`` when its backtracking stack grows with the input
#: (``safety.grows_stack``: ~100-200 bytes per character); longer ones use the DFA.
STACK_SAFE_LEN = 16_384


def _short_only(search: Callable[[str], bool], dfa: Callable[[str], bool]) -> Callable[[str], bool]:
    """``search`` for values of at most ``STACK_SAFE_LEN`` characters, ``dfa`` beyond."""

    def bounded(s: str) -> bool:
        if len(s) <= STACK_SAFE_LEN:
            return search(s)
        return dfa(s)

    return bounded


#: Deepest nesting of groups given to ``re``: ``re.compile`` recurses about three
#: Python frames per level, so deeper patterns use the DFA (whose build keeps its own
#: stack) and a pattern on ``re`` needs a couple of hundred frames at most.
RE_MAX_NESTING = 64


def _try_compile(text: str) -> Optional[re.Pattern[str]]:
    # RecursionError: the caller left ``re.compile`` too little stack; the DFA answers.
    try:
        return re.compile(text)
    except (re.error, OverflowError, RecursionError):  # pragma: no cover - defensive
        return None


class CompiledRegex:
    """A compiled contract pattern.

    ``engine`` is ``"re"`` (a stdlib ``re`` search, used only when ``safety``
    proves it costs at most ``STEP_BUDGET`` steps per character), ``"dfa"``
    (the lazy DFA, handing over to the bit-parallel ``bitnfa`` if its cache
    thrashes), ``"literals"`` (an alternation of plain literals: a set or an
    Aho-Corasick scan) or ``"never"`` (the pattern cannot match).  Patterns
    whose ``re`` stack grows with the input use the DFA for values longer than
    ``STACK_SAFE_LEN``.

    On the ``re`` engine, patterns with big Unicode classes or Unicode word
    boundaries get a second, ASCII-only ``re`` pattern that is used when the
    input is ASCII; non-ASCII input then goes to the full ``re`` pattern, or
    to the lazy DFA if the pattern uses Unicode word boundaries (whose
    look-around form is slow in ``re``).
    """

    __slots__ = (
        "_can_match", "_dfa", "_fast", "_full", "_literals", "ascii_pattern", "engine", "hir",
        "pattern", "python_pattern", "steps_per_char",
    )

    def __init__(self, pattern: str, hir: H.Hir, force: Optional[str] = None) -> None:
        self.pattern = pattern
        self.hir = hir
        self.python_pattern: Optional[str] = None
        self.ascii_pattern: Optional[str] = None
        self._full: Optional[re.Pattern[str]] = None
        self._dfa: Optional[LazyDFA] = None
        self._literals: Optional[LiteralSet] = None
        self._can_match = H.can_match(hir)
        # Steps per character on ``re``: with the full classes (astral ranges are
        # scanned one by one) and on ASCII input (the ASCII variant, if any).
        full_cost = ascii_cost = None
        if not self._can_match:
            engine = ENGINE_NEVER
        elif force is not None:
            engine = force
        else:
            full_cost, ascii_cost = cost_bounds(hir)
            if ascii_cost is not None and nesting(hir) > RE_MAX_NESTING:
                full_cost = ascii_cost = None
            engine = ENGINE_RE if ascii_cost is not None else ENGINE_DFA
        self.steps_per_char = ascii_cost
        fast: Optional[Callable[[str], bool]] = None
        if engine == ENGINE_RE:
            full_ok = force is not None or full_cost is not None
            if wants_ascii_variant(hir):
                text = emit(hir, ascii_only=True)
                compiled = _try_compile(text)
                if compiled is not None:
                    self.ascii_pattern = text
                    if uses_unicode_word_boundary(hir) or not full_ok:
                        fast = _dispatch(compiled.search, self._get_dfa().is_match, True)
                    else:
                        fast = _dispatch(compiled.search, self._lazy_full_search, False)
            elif full_ok:
                fast = cast(Callable[[str], bool], self._get_full_search())
            if fast is not None and force is None and grows_stack(hir):
                fast = _short_only(fast, self._get_dfa().is_match)
            if fast is None:
                engine = ENGINE_DFA
        if engine == ENGINE_DFA and force is None:
            literals = self.literal_engine()
            if literals is not None:
                engine = ENGINE_LITERALS
                fast = literals.is_match
        if engine == ENGINE_DFA:
            fast = self._get_dfa().is_match
        elif engine == ENGINE_NEVER:
            fast = _never
        assert fast is not None
        self.engine = engine
        self._fast = fast

    def __reduce__(self) -> Tuple[Any, ...]:
        """Pickle as the pattern: the copy is ``compile_pattern(pattern)``."""
        return (compile_pattern, (self.pattern,))

    def _get_dfa(self) -> LazyDFA:
        if self._dfa is None:
            self._dfa = LazyDFA(self.hir, (engine_of, self.pattern))
        return self._dfa

    def literal_engine(self) -> Optional[LiteralSet]:
        """The literal-set engine, if the pattern is an alternation of plain literals."""
        if self._literals is None:
            words = literal_set(self.hir)
            if words is not None:
                self._literals = LiteralSet(*words, source=(engine_of, self.pattern))
        return self._literals

    def _get_full_search(self) -> Callable[[str], object]:
        if self._full is None:
            text = emit(self.hir)
            compiled = _try_compile(text)
            if compiled is None:  # pragma: no cover - defensive
                dfa = self._get_dfa()
                return lambda s: True if dfa.is_match(s) else None
            self._full = compiled
            self.python_pattern = text
        return self._full.search

    def _lazy_full_search(self, s: str) -> object:
        # The full pattern (big classes: slow to compile) is only built once
        # a non-ASCII value shows up.
        return self._get_full_search()(s)

    def is_match(self, s: str) -> bool:
        """Unanchored search with the Rust crate's semantics."""
        return bool(self._fast(s))

    def backtracking_is_match(self, s: str) -> bool:
        """The answer of the full stdlib ``re`` pattern (for tests; may be slow)."""
        if not self._can_match:
            return False
        return self._get_full_search()(s) is not None

    def ascii_is_match(self, s: str) -> Optional[bool]:
        """The answer of the ASCII-only ``re`` variant, if there is one (for tests)."""
        if self.ascii_pattern is None or not s.isascii():
            return None
        return re.search(self.ascii_pattern, s) is not None

    def dfa_is_match(self, s: str) -> bool:
        """The lazy DFA's answer (for tests)."""
        return self._get_dfa().is_match(s)

    def __repr__(self) -> str:
        return f"CompiledRegex({self.pattern!r}, engine={self.engine!r})"


_cache: Dict[str, CompiledRegex] = {}
#: From this length on, the size decision skips its cheap upper bound (``exceeds_limit``).
_LONG_PATTERN = 4096
_cache_lock = threading.Lock()
_CACHE_MAX = 1024


def compile_pattern(pattern: str) -> CompiledRegex:
    """Compile ``pattern`` as the Rust ``regex`` crate 1.13 would.

    Raises :class:`RegexCompileError` whose ``display`` (and ``str()``) is the
    crate's error text.
    """
    got = _cache.get(pattern)
    if got is not None:
        return got
    check_encodable(pattern)
    with gc_paused(pattern):
        ast = parse(pattern)
        hir = translate(pattern, ast)
        # Freed while the collector is paused: alive when it resumes (the AST always,
        # the HIR in the size-limit error's traceback), their millions of objects would
        # be scanned by its next pass (a quarter of a 1 MiB ``(a)…``'s compile).
        del ast
        if exceeds_limit(hir, bound_first=len(pattern) < _LONG_PATTERN):
            del hir
            raise size_limit_error(pattern)
        compiled = CompiledRegex(pattern, hir)
    with _cache_lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[pattern] = compiled
    return compiled


def engine_of(pattern: str, part: str) -> Any:
    """The engine ``part`` (``"dfa"``, ``"bits"``, ``"literals"``) of ``pattern``: what
    an engine pickles as (``origin.Rebuildable``)."""
    m = compile_pattern(pattern)
    if part == "dfa":
        return m._get_dfa()
    got: Any
    if part == "bits":
        got = m._get_dfa().bit_engine()
    elif part == "literals":
        got = m.literal_engine()
    else:
        raise ValueError(f"unknown regex engine {part!r}")
    if got is None:  # it was built where it was pickled: never happens
        raise ValueError(f"pattern {pattern!r} has no {part!r} engine")
    return got


def is_match_fn(m: CompiledRegex) -> Callable[[str], bool]:
    """The fastest callable for ``m``: its result is truthy exactly when ``m`` matches.

    For patterns on the backtracking engine this is the compiled ``re``
    pattern's bound ``search`` (returning a ``Match`` or ``None``); otherwise
    a bound ``LazyDFA.is_match``.  Use ``bool(...)`` if a real bool is needed.
    """
    return m._fast


#: ``(chars, min, max)``: see :func:`char_run`.
CharRun = Tuple[str, int, Optional[int]]

# A run over a bigger set is rare in contracts, and ``str.strip`` scans its argument.
_CHAR_RUN_MAX_SET = 128


def char_run(m: CompiledRegex) -> Optional[CharRun]:
    """``(chars, min, max)`` when ``m`` is ``^[set]{min,max}$`` (``max`` None: unbounded)
    over a small ASCII set, else None.

    Such a pattern (``^[a-z0-9_]+$`` is the most common contract pattern) matches ``s``
    exactly when ``min <= len(s) <= max`` and ``not s.strip(chars)``: every character
    of ``s`` is in the set iff stripping the set from both ends leaves nothing. The
    generated validator inlines that test, which is several times cheaper than a call
    into ``re``. Only text anchors (``^``/``\\A`` without ``m``, ``$``/``\\z``) and an
    ASCII set qualify, so characters and lengths mean the same in both views.
    """
    h = m.hir
    if not isinstance(h, H.HConcat) or len(h.subs) != 3:
        return None
    start, body, end = h.subs
    if not (
        isinstance(start, H.HLook) and start.look == H.START
        and isinstance(end, H.HLook) and end.look == H.END
    ):
        return None
    while isinstance(body, H.HCapture):
        body = body.sub
    if not isinstance(body, H.HRepetition):
        return None
    sub = body.sub
    while isinstance(sub, H.HCapture):
        sub = sub.sub
    if isinstance(sub, H.HLiteral) and len(sub.chars) == 1 and sub.chars.isascii():
        chars = sub.chars
    elif isinstance(sub, H.HClass) and sub.ranges:
        if any(hi > 0x7F for _, hi in sub.ranges):
            return None
        if sum(hi - lo + 1 for lo, hi in sub.ranges) > _CHAR_RUN_MAX_SET:
            return None
        chars = "".join(chr(c) for lo, hi in sub.ranges for c in range(lo, hi + 1))
    else:
        return None
    return chars, body.min, body.max
