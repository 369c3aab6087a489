"""Compile a :class:`~contractgate.contract.Contract` into a validator.

Compiling does the work once that would otherwise be repeated per event: patterns are
compiled (Rust dialect), transform types are checked (spec §2), and one Python function
specialised for the contract is generated (:mod:`.codegen`). After compilation
``validate()`` never fails on a JSON value: it always returns a result, in the gateway
engine's exact order and wording (spec §4–§6).

The module holds the compile steps and the public :class:`CompiledContract`; the
reference closures are in :mod:`.reference`, the rules after the walk in :mod:`.rules`,
whole-request rules in :mod:`.batch`, every message text in :mod:`.messages`. It never
imports :mod:`contractgate.contract` at run time (the model types are annotations only).
"""

from __future__ import annotations

import re
import time
from dataclasses import FrozenInstanceError
from functools import cached_property, partial
from types import MappingProxyType, MethodType
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Union,
    cast,
)

from .._frozenlist import EMPTY, FrozenList
from ..exceptions import ContractCompileError, EventDecodeError
from . import batch as _batch
from . import messages as M
from .freshstack import in_fresh_thread
from .inputs import iter_events
from .reference import (
    PASSED,
    ROOT_RESULT,
    Builder,
    FailFast,
    Out,
    Stop,
    allowed_text,
    enum_sets,
    run_checks,
)
from .rules import Now, Tail, check_now
from .values import jsondecode as _jsondecode
from .values.eventvalues import (
    MISSING,
    accepts_integer,
    accepts_number,
    enum_ok,
    f64,
    is_number,
    jtype,
    render_value,
    utf8_len,
)
from .values.jsondecode import decode_lines, loads_for_validation
from .values.jsonvalue import is_valid_date, loads, render_debug_str, render_f64, render_json
from .violations import (
    BatchValidationResult,
    ValidationResult,
    Violation,
    ViolationKind,
    pending_result,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..contract import Contract, FieldDefinition
    from .portable import CacheInfo, CompileCache
    from .regex import CompiledRegex

__all__ = [
    "CompiledContract",
    "JsonValidate",
    "Now",
    "compile_contract",
    "compiled_cache_info",
    "preorder",
]


# --------------------------------------------------------------------------------------
# Compile steps (spec §2.1): regexes over the walk, then transform types.


def preorder(
    defs: Sequence[FieldDefinition], prefix: Optional[str] = None
) -> Iterator[Tuple[str, FieldDefinition]]:
    """The compile walk (spec §2.2): depth-first pre-order over entities and object
    properties, never into ``items``, with each field's dotted path. As in the engine, a
    name joins its parent's path with ``.`` only under a non-empty parent path."""
    # An explicit stack of (remaining siblings, their parent's path): no recursion, so
    # the walk works at any nesting depth from any caller.
    stack: List[Tuple[Iterator[FieldDefinition], Optional[str]]] = [(iter(defs), prefix)]
    while stack:
        siblings, parent = stack[-1]
        fd = next(siblings, None)
        if fd is None:
            stack.pop()
            continue
        path = f"{parent}.{fd.name}" if parent else fd.name
        yield path, fd
        if fd.type.value == "object" and fd.properties is not None:
            stack.append((iter(fd.properties), path))


#: The longest ``pattern`` compiled, in UTF-8 bytes. Every gateway route that stores a
#: contract caps its request body at 1 MiB (gateway-api §4.1), so no contract the gateway
#: holds has a longer pattern; refusing one here bounds the compile time and memory of a
#: hostile contract without changing an answer the gateway could give.
MAX_PATTERN_BYTES = 1_048_576


def _pattern_too_long(pattern: str) -> Optional[int]:
    """The pattern's size in UTF-8 bytes when it is over :data:`MAX_PATTERN_BYTES`."""
    if len(pattern) * 4 <= MAX_PATTERN_BYTES:  # the common case: no encoding needed
        return None
    size = len(pattern.encode("utf-8", "surrogatepass"))
    return size if size > MAX_PATTERN_BYTES else None


CharRun = Tuple[str, int, Optional[int]]

# ``^[set]{min,max}$`` over letters, digits and ``_`` (single characters, or ranges within
# a-z, A-Z or 0-9), with ``+``, ``*``, ``{n}``, ``{n,}`` or ``{n,m}``: the most common
# contract patterns. Their match is a character run (``char_run``); recognising them here
# spares a hook run importing the regex engine (its parser and Unicode tables).
_SIMPLE_RUN = re.compile(
    r"\^\[((?:[a-z]-[a-z]|[A-Z]-[A-Z]|[0-9]-[0-9]|[A-Za-z0-9_])+)\]"
    r"(?:(\+)|(\*)|\{([0-9]{1,3})(?:(,)([0-9]{1,3})?)?\})\$\Z"
)
_CLASS_ITEM = re.compile(r"(.)-(.)|(.)", re.S)


def simple_run(pattern: str) -> Optional[CharRun]:
    """The :data:`CharRun` of a pattern of the form above, or None (for every other
    pattern, including ``{n,m}`` with ``n > m``, which the engine rejects). It equals
    ``regex.char_run(regex.compile_pattern(pattern))`` (tested)."""
    m = _SIMPLE_RUN.match(pattern)
    if m is None:
        return None
    chars = set()
    for item in _CLASS_ITEM.finditer(m.group(1)):
        lo, hi, one = item.groups()
        if one is not None:
            chars.add(one)
        elif lo > hi:
            return None  # the engine's error
        else:
            chars.update(chr(c) for c in range(ord(lo), ord(hi) + 1))
    plus, star, n, comma, top = m.group(2, 3, 4, 5, 6)
    if plus:
        lo_n, hi_n = 1, None
    elif star:
        lo_n, hi_n = 0, None
    else:
        lo_n = int(n)
        hi_n = None if comma and top is None else int(top) if comma else lo_n
        if hi_n is not None and (hi_n < lo_n or hi_n == 0):
            return None  # the engine's error, or a pattern matching "" only
    return "".join(sorted(chars)), lo_n, hi_n


def run_matcher(run: CharRun) -> Callable[[str], bool]:
    """``is_match`` of a character-run pattern, without ``re``."""
    chars, lo, hi = run
    top = -1 if hi is None else hi
    strip, length = str.strip, str.__len__

    def is_match(s: str) -> bool:
        n = length(s)
        return n >= lo and (top < 0 or n <= top) and not strip(s, chars)

    return is_match


def _compile_patterns(
    contract: Contract,
) -> Tuple[Dict[str, Callable[[str], Any]], Dict[str, CharRun], Dict[str, CompiledRegex]]:
    """The path-keyed ``is_match`` callables of the patterns (a later field with the same
    dotted path wins, spec §2.2); those that are a plain run of one ASCII class
    (``^[a-z0-9_]+$``), which the generated code tests without ``re``; and the patterns
    compiled by the regex engine so far (character runs are compiled by it only when
    :attr:`CompiledContract.patterns` is read). The maps hold the winner only: a path's
    run is the run of the pattern that won that path, or absent."""
    matchers: Dict[str, Callable[[str], Any]] = {}
    runs: Dict[str, CharRun] = {}
    regexes: Dict[str, CompiledRegex] = {}
    for path, fd in preorder(contract.ontology.entities):
        if fd.pattern is None:
            continue
        run = simple_run(fd.pattern)
        if run is not None:
            regexes.pop(path, None)  # an earlier pattern of this path lost
            runs[path] = run
            matchers[path] = run_matcher(run)
            continue
        compiled = _compile_regex(contract, path, fd)
        regexes[path] = compiled
        # Imported here: the regex engine is the bulk of the validator's import time,
        # and a contract without (other than character-run) patterns never needs it.
        from .regex import char_run, is_match_fn

        matchers[path] = is_match_fn(compiled)
        run = char_run(compiled)
        if run is not None:
            runs[path] = run
        else:  # an earlier field's run for this path must not outlive its pattern
            runs.pop(path, None)
    return matchers, runs, regexes


def _field_error(
    contract: Contract, path: str, message: str, mark: Optional[Tuple[int, int]] = None
) -> ContractCompileError:
    """A compile error about the field at ``path``: its file, the field's path, and the
    position of the offending value when the contract was read from YAML (``mark``)."""
    line, column = mark if mark is not None else (None, None)
    return ContractCompileError(
        message, file=contract.filename, line=line, column=column, path=path
    )


def _compile_regex(contract: Contract, path: str, fd: FieldDefinition) -> CompiledRegex:
    from .regex import RegexCompileError, compile_pattern

    pattern = fd.pattern
    assert pattern is not None
    size = _pattern_too_long(pattern)
    if size is not None:
        message = M.PATTERN_TOO_LONG.format(path=path, size=size, limit=MAX_PATTERN_BYTES)
        raise _field_error(contract, path, message, fd._pattern_mark)
    try:
        return compile_pattern(pattern)
    except RegexCompileError as exc:
        message = M.INVALID_REGEX.format(pattern=pattern, path=path, error=exc.display)
        raise _field_error(contract, path, message, fd._pattern_mark) from None


def _all_regexes(contract: Contract, known: Dict[str, CompiledRegex]) -> Dict[str, CompiledRegex]:
    """Every path's winning pattern compiled by the regex engine (``known`` reused)."""
    out: Dict[str, CompiledRegex] = {}
    for path, fd in preorder(contract.ontology.entities):
        if fd.pattern is not None:
            got = known.get(path)
            out[path] = (
                got if got is not None and got.pattern == fd.pattern
                else _compile_regex(contract, path, fd)
            )
    return out


def _check_transforms(contract: Contract) -> None:
    for path, fd in preorder(contract.ontology.entities):
        if fd.transform is not None and fd.type.value != "string":
            message = M.TRANSFORM_TYPE.format(path=path, type=fd.type.variant_name)
            raise _field_error(contract, path, message)


# --------------------------------------------------------------------------------------


class JsonValidate(Protocol):
    """The type of ``CompiledContract.validate_json``."""

    def __call__(
        self, raw: Union[str, bytes, bytearray, memoryview], *, now: Now = None
    ) -> ValidationResult: ...


class CompiledContract:
    """A contract ready to validate events; build it with ``Contract.compile()``.

    ``validate()`` checks one event the way the gateway's engine does. Rules that need
    the whole request (uniqueness) run in :meth:`validate_batch`; envelope contracts use
    :meth:`validate_envelope`. Time-dependent rules (freshness) read the clock once per
    rule per event, or use ``now`` (Unix seconds or a ``datetime``) when given.

    A compiled contract pickles (``pickle``, any protocol, and ``cloudpickle``) as its
    contract and compile options; the receiving process compiles it again, once per
    process for a given contract (see :func:`compiled_cache_info`). ``compiled.validate``
    and ``compiled.is_valid`` pickle the same way, so they can be handed to a process pool.
    """

    # ``__dict__``: ``validate``/``is_valid`` are bound per instance to the generated
    # functions, so a call runs them directly (no wrapper frame).
    __slots__ = (
        "__dict__",
        "_checks",
        "_compliance",
        "_declared",
        "_fast",
        "_gen",
        "_options",
        "_pattern_runs",
        "_patterns",
        "_regexes",
        "_regexes_complete",
        "_tail",
        "_timing",
        "_uniqueness_fields",
        "contract",
        "source",
    )

    def __init__(
        self, contract: Contract, *, reference: bool = False, timing: bool = False
    ) -> None:
        self.contract = contract
        self._options = {"reference": bool(reference), "timing": bool(timing)}
        patterns, runs, regexes = _compile_patterns(contract)
        _check_transforms(contract)
        builder = Builder(patterns, contract.null_as_absent)
        self._checks = tuple(builder.field(fd, None, True) for fd in contract.ontology.entities)
        self._timing = timing
        self._tail = Tail(contract)
        self._compliance = contract.compliance_mode
        self._declared = self._tail.declared
        self._uniqueness_fields = tuple(
            q.field for q in contract.quality if q.type.value == "uniqueness"
        )
        #: The generated Python source of the validator (None on the reference path).
        self.source: Optional[str] = None
        self._gen: Callable[..., ValidationResult] = self._reference_validate
        self._fast: Callable[..., bool] = self._reference_is_valid
        self._regexes = regexes
        self._regexes_complete = len(regexes) == len(patterns)
        self._patterns = patterns
        self._pattern_runs = runs
        if not reference:
            gen = _generate(self, False)
            if gen is not None:
                self.source = gen.source
                # A bound method: it calls the generated function directly, and pickles
                # as ``getattr(compiled, "validate")`` (see __reduce__).
                self._gen = MethodType(gen.function, self)
                self._fast = self._first_is_valid
                if not timing:
                    self.validate = self._gen  # type: ignore[method-assign]

    def __setattr__(self, name: str, value: Any) -> None:
        # Frozen like v0.1's dataclass: the checks were compiled from this contract (and a
        # pickle carries the contract), so pointing it at another would split the two.
        if name == "contract" and hasattr(self, name):
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if name == "contract":
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    def __repr__(self) -> str:
        c = self.contract
        return f"<CompiledContract {c.name!r} version {c.version!r}>"

    def __reduce__(self) -> Tuple[Any, ...]:
        """Pickle as the contract and the compile options, never the generated code:
        :func:`_restore` compiles again on the receiving side (once per process)."""
        return (_restore, (self.contract, dict(self._options)))

    @property
    def has_envelope(self) -> bool:
        return self.contract.envelope is not None

    @property
    def patterns(self) -> Mapping[str, CompiledRegex]:
        """The compiled ``pattern`` of each field, by dotted path (v0.1's attribute).

        Values are the engine's regex dialect (``.pattern``, ``.is_match(text)``), not
        ``re.Pattern``: Rust's ``regex`` syntax and semantics differ from ``re``'s.
        """
        if self._regexes_complete is False:
            self._regexes = _all_regexes(self.contract, self._regexes)
            self._regexes_complete = True
        return MappingProxyType(self._regexes)

    @property
    def declared_top_level_fields(self) -> FrozenSet[str]:
        """The top-level field names compliance mode allows (v0.1's attribute): empty
        when ``compliance_mode`` is off, as in v0.1."""
        return self._declared if self._compliance else frozenset()

    @property
    def is_generated(self) -> bool:
        """True when validation runs generated code (False on the reference path)."""
        return self.source is not None

    # -- one event ------------------------------------------------------------------

    def _run(self, event: Any, out: Out, now: Now) -> None:
        run_checks(self._checks, event, out)
        self._tail(event, out, now)

    def validate(self, event: Any, *, now: Now = None) -> ValidationResult:
        """Check one decoded JSON value (a dict for a real event) against the contract.

        Returns every violation, in the engine's order. A passing event returns a shared
        result object. ``validation_us`` is 0 unless the contract was compiled with
        ``timing=True`` (a passing event takes well under a microsecond). Only the values
        the contract reads are inspected (a walk of every value would cost more than the
        checks): a value with no JSON form where the contract never looks passes here,
        and the clients refuse it before sending.
        """
        if self._timing:
            t0 = time.perf_counter_ns()
            r = self._gen(event, now=now)
            us = (time.perf_counter_ns() - t0) // 1000
            if us == 0 or r is ROOT_RESULT:
                return r
            return ValidationResult(r.passed, r.violations, us)
        return self._gen(event, now=now)

    def _reference_validate(self, event: Any, *, now: Now = None) -> ValidationResult:
        """The closure-per-field interpreter (kept as the reference for differential
        tests; used when code generation is unavailable)."""
        if not isinstance(event, dict):
            jtype(event)
            return ROOT_RESULT
        t0 = time.perf_counter_ns()
        out: Out = []
        self._run(event, out, now)
        us = (time.perf_counter_ns() - t0) // 1000
        if not out:
            return PASSED if us == 0 else ValidationResult(True, EMPTY, us)
        return ValidationResult(False, FrozenList(out), us)

    @cached_property
    def validate_json(self) -> JsonValidate:
        """``validate_json(raw, *, now=None)``: decode ONE JSON value the way the gateway
        does (serde_json: integer/float classification, duplicate keys, depth limit) and
        validate it. Text the gateway would reject raises
        :class:`~contractgate.EventDecodeError`.

        Generated on first access (``validate``'s checks after the decoding, in one
        function), so a reference taken before the first call is the fast one too."""
        if self.source is not None and not self._timing:
            gen = _generate(self, False, decode=True)
            if gen is not None:
                return cast(JsonValidate, MethodType(gen.function, self))
        return self._validate_json

    def _validate_json(
        self, raw: Union[str, bytes, bytearray, memoryview], *, now: Now = None
    ) -> ValidationResult:
        """The general ``validate_json`` (the reference path, ``timing=True``)."""
        value = loads_for_validation(raw)
        try:
            return self.validate(value) if now is None else self.validate(value, now=now)
        except EventDecodeError:  # an integer beyond f64's range, read without a position
            return self.validate(loads(raw), now=now)

    def is_valid(self, event: Any, *, now: Now = None) -> bool:
        """True when the event passes; stops at the first violation."""
        return self._fast(event, now=now)

    def _first_is_valid(self, event: Any, *, now: Now = None) -> bool:
        """Generate the fail-fast function on first use, then run it."""
        gen = _generate(self, True)
        if gen is not None:
            self._fast = self.is_valid = MethodType(gen.function, self)  # type: ignore[method-assign]
        else:  # pragma: no cover - nesting limits
            self._fast = self._reference_is_valid
        return self._fast(event, now=now)

    def _reference_is_valid(self, event: Any, *, now: Now = None) -> bool:
        if not isinstance(event, dict):
            jtype(event)
            return False
        try:
            self._run(event, FailFast(), now)
        except Stop:
            return False
        return True

    def validate_many(
        self, events: Iterable[Any], *, now: Now = None
    ) -> Iterator[ValidationResult]:
        """Validate each event independently, lazily (no batch rules). ``events`` as
        ``ingest`` takes them: one mapping is one event; text is refused."""
        check_now(now)  # for many events: fails now, not midway or never
        it = iter_events(events)
        if now is None and not self._timing:
            return map(self._gen, it)
        return self._validate_each(it, now)

    def _validate_each(self, events: Iterable[Any], now: Now) -> Iterator[ValidationResult]:
        validate = self.validate
        for event in events:
            yield validate(event, now=now)

    # -- whole batches ----------------------------------------------------------------

    def uniqueness_violations(self, events: Iterable[Any]) -> List[Tuple[int, Violation]]:
        """The batch uniqueness step alone (spec §7.1): ``(event_index, violation)`` pairs,
        grouped by rule in declared order, then by index (``events`` read as
        :meth:`validate_batch` reads them)."""
        return _batch.uniqueness_violations(self._uniqueness_fields, events)

    def validate_batch(self, events: Iterable[Any], *, now: Now = None) -> List[ValidationResult]:
        """Validate a request's worth of events as ``/ingest`` does: each event, then the
        batch uniqueness rules, whose violations are appended to the events they hit."""
        check_now(now)
        batch = list(iter_events(events))
        results = [self.validate(e, now=now) for e in batch]
        # an event's batch violations gathered first: one result each, not a copy of its
        # violations per hit (quadratic in the uniqueness rules an event breaks)
        added: Dict[int, List[Violation]] = {}
        for i, v in self.uniqueness_violations(batch):
            added.setdefault(i, []).append(v)
        for i, vs in added.items():
            r = results[i]
            results[i] = ValidationResult(False, FrozenList((*r.violations, *vs)), r.validation_us)
        return results

    def validate_envelope(self, payload: Any, *, now: Now = None) -> BatchValidationResult:
        """Validate an envelope payload (RFC-038, spec §7.2) for a contract with
        ``envelope``: the wrapper checks, then each record under ``records_path``."""
        check_now(now)
        envelope = self.contract.envelope
        if envelope is None:
            raise ContractCompileError(
                f"contract {self.contract.name!r} has no envelope section; "
                "use validate() or validate_batch()"
            )
        validate = self.validate
        return _batch.validate_envelope(
            payload,
            envelope.records_path,
            envelope.validate_wrapper,
            lambda record: validate(record, now=now),
        )

    def validate_envelope_json(
        self, raw: Union[str, bytes, bytearray, memoryview], *, now: Now = None
    ) -> BatchValidationResult:
        """:meth:`validate_envelope` on raw JSON text, decoded the gateway's way."""
        return self.validate_envelope(loads(raw), now=now)


# --------------------------------------------------------------------------------------
# Code generation


def _code_filename(contract: Contract) -> str:
    """The generated code's file name for tracebacks: the contract's name and version
    with every control and non-ASCII character escaped (``compile()`` refuses NUL)."""
    label = f"{contract.name} {contract.version}"
    return "<contractgate " + label.encode("unicode_escape").decode("ascii") + ">"


def _generate(compiled: CompiledContract, fail_fast: bool, decode: bool = False) -> Any:
    """Generate the specialised ``validate`` (or, with ``fail_fast``, ``is_valid``; with
    ``decode``, ``validate_json``) with ``codegen``; None if the contract is too deeply
    nested for Python's compiler, in which case the closures are used.

    Whether code is generated depends on the contract only, never on the caller's stack:
    generating (a recursive walk, and Python's compiler) from a caller whose stack is
    too short to finish is done again in a fresh thread (:func:`_in_fresh_thread`), whose
    stack depth is what any caller at the top of its stack has."""
    from . import codegen as _codegen

    c = compiled.contract

    def build() -> Any:
        return _codegen.generate(
            c.ontology.entities,
            compiled._patterns,
            c.null_as_absent,
            compiled._pattern_runs,
            compiled._tail if compiled._tail else None,
            _HELPERS,
            fail_fast=fail_fast,
            decode=decode_lines("raw", "event", "_jsondecode") if decode else None,
            filename=_code_filename(c),
        )

    try:
        return build()
    except RecursionError:
        return _in_fresh_thread(build)
    except (SyntaxError, MemoryError):  # nesting limits of Python's parser and compiler
        return None


def _in_fresh_thread(build: Callable[[], Any]) -> Any:
    """``build()`` run at the bottom of a new thread's stack; None when even there
    the contract nests too deeply for Python's compiler."""
    try:
        return in_fresh_thread(build)
    except (SyntaxError, RecursionError, MemoryError):
        return None


def _render_f64_fast(x: float) -> str:
    """``render_f64`` for the common case, cheaply: when ``repr`` is positional with at
    most 15 significant digits, those digits are the unique shortest round-trip string
    (two 15-digit decimals are further apart than one ULP), so there is no tie to break
    and Rust's Display is ``repr`` without a trailing ``.0``. Anything else (exponents,
    16-17 digits, non-finite, non-float) takes the exact path."""
    if type(x) is float:
        r = float.__repr__(x)
        if len(r) <= 16 and "e" not in r and "n" not in r:
            return r[:-2] if r.endswith(".0") else r
    return render_f64(x)


_new = object.__new__


def _violation(field: str, message: str, kind: Any) -> Violation:
    """``Violation(field, message, kind)`` without the frozen dataclass ``__init__``
    (three ``object.__setattr__`` calls); equal and identical in every respect."""
    v = _new(Violation)
    d = v.__dict__
    d["field"] = field
    d["message"] = message
    d["kind"] = kind
    return v


def _plain_dataclasses() -> bool:
    """The fast constructors rely on instance ``__dict__``s (no slots, and no post-init
    but ValidationResult's, which :func:`pending_result` makes unnecessary)."""
    kind = ViolationKind.TYPE_MISMATCH
    try:
        v = _violation("f", "m", kind)
        r = pending_result([v, (lambda p, a: _violation(p, a, kind), "g", "n")])
    except (AttributeError, TypeError):  # pragma: no cover - slotted dataclasses
        return False
    return (
        v == Violation("f", "m", kind)
        and r == ValidationResult(False, [v, Violation("g", "n", kind)], 0)
        and type(r.violations) is type(ValidationResult(False, [v], 0).violations)
        and not hasattr(Violation, "__post_init__")
    )


def make_violation(
    kind: Any,
    head: str,
    use_path: bool,
    mid: str,
    render: Optional[Callable[[Any], str]],
    tail: str,
    path: str,
    value: Any,
) -> Violation:
    """A pending violation of the generated code, built: the message is ``head``, then
    (``use_path``) the path and ``mid``, then (``render``) the rendered value and
    ``tail``; the field is ``path``. Bound to a failure site with ``functools.partial``."""
    message = head + path + mid if use_path else head
    if render is not None:
        message = message + render(value) + tail
    return _violation(path, message, kind)


#: The JSON type word of the exact types whose word needs no further test (``int`` and
#: ``float`` do: big ints and NaN); what ``jtype`` answers for them.
_TYPE_NAMES: Dict[type, str] = {
    str: "string",
    bool: "boolean",
    type(None): "null",
    dict: "object",
    list: "array",
    tuple: "array",
}
#: Exact types that never pass an ``integer`` / ``float`` type test (and whose test
#: raises nothing): the generated code rejects them without calling the general test.
_NOT_NUMBER = frozenset({str, bool, type(None), dict, list, tuple})
_NOT_INTEGER = _NOT_NUMBER | {float}


#: The names the generated code uses (globals of its module).
_HELPERS: Dict[str, Any] = {
    "Violation": Violation,
    "_MISSING": MISSING,
    "_PASSED": PASSED,
    "_ROOT_RESULT": ROOT_RESULT,
    "_jtype": jtype,
    "_accepts_integer": accepts_integer,
    "_accepts_number": accepts_number,
    "_utf8_len": utf8_len,
    "_is_number": is_number,
    "_f64": f64,
    "_enum_ok": enum_ok,
    "_enum_sets": enum_sets,
    "_allowed_text": allowed_text,
    "_is_valid_date": is_valid_date,
    "_render_debug_str": render_debug_str,
    "_render_f64": _render_f64_fast,
    "_render_value": render_value,
    "render_f64": render_f64,
    "render_json": render_json,
    "_TYPE_NAMES": _TYPE_NAMES,
    "_partial": partial,
    "_str": str,
    "_as_text": str,
    "_NOT_NUMBER": _NOT_NUMBER,
    "_NOT_INTEGER": _NOT_INTEGER,
    "_jsondecode": _jsondecode,
    "_loads": loads,
    "_EventDecodeError": EventDecodeError,
}
if _plain_dataclasses():
    _HELPERS["Violation"] = _violation
    _HELPERS["_failed"] = pending_result
    _HELPERS["_make_violation"] = make_violation
else:  # pragma: no cover - slotted dataclasses
    _HELPERS["_make_violation"] = lambda kind, head, use_path, mid, render, tail, path, value: (
        Violation(
            path,
            (head + path + mid if use_path else head)
            + ("" if render is None else render(value) + tail),
            kind,
        )
    )
    _HELPERS["_failed"] = lambda items: ValidationResult(
        False,
        FrozenList([v if type(v) is Violation else v[0](v[1], v[2]) for v in items]),
        0,
    )


def compile_contract(
    contract: Contract, *, reference: bool = False, timing: bool = False
) -> CompiledContract:
    """Compile ``contract`` (spec §2): regexes first, then transform types, then the
    generated validator. ``timing=True`` measures ``validation_us`` per call (two clock
    reads); ``reference=True`` uses the closure interpreter (for differential tests)."""
    return CompiledContract(contract, reference=reference, timing=timing)


# --------------------------------------------------------------------------------------
# Pickling: compile again on the receiving side, once per process.

#: Compiled contracts restored from pickles in this process, by fingerprint (made on
#: first use: ``portable`` imports hashlib, which a hook run never needs).
_RESTORED: Optional[CompileCache[CompiledContract]] = None


def _restored() -> CompileCache[CompiledContract]:
    global _RESTORED
    if _RESTORED is None:
        from .portable import CompileCache

        _RESTORED = CompileCache(maxsize=64)
    return _RESTORED


def _restore(contract: Contract, options: Dict[str, Any]) -> CompiledContract:
    """Unpickle a :class:`CompiledContract`: the process's compiled copy of this contract
    with these options, compiled on first use."""
    from .portable import fingerprint

    return _restored().get_or_build(
        fingerprint(contract, options), lambda: CompiledContract(contract, **options)
    )


def compiled_cache_info() -> CacheInfo:
    """Hits, misses (compilations) and size of this process's cache of compiled
    contracts restored from pickles."""
    return _restored().info()
