"""Compile a :class:`~contractgate.contract.Contract` into a validator.

Compiling does the work once that would otherwise be repeated per event: patterns are
compiled (Rust dialect), every field becomes a closure specialised for its type and
constraints, constant violations are pre-built, and enum sets become hash lookups. After
compilation ``validate()`` never fails on a JSON value: it always returns a result, in the
gateway engine's exact order and wording (spec §4–§6).
"""

from __future__ import annotations

import math
import time
from datetime import datetime
from types import MappingProxyType
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
    Sequence,
    Tuple,
    Union,
)

from .._frozenlist import EMPTY, FrozenList
from ..exceptions import ContractCompileError
from .jsonvalue import (
    EventTypeError,
    is_valid_date,
    json_equal,
    loads,
    render_debug_str,
    render_f64,
    render_json,
)
from .violations import (
    BatchRecordViolation,
    BatchValidationResult,
    ValidationResult,
    Violation,
    ViolationKind,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..contract import Contract, FieldDefinition
    from .regex import CompiledRegex

__all__ = ["CompiledContract", "compile_contract"]

Now = Union[None, int, float, datetime]
_Out = List[Violation]
_Check = Callable[[Any, str, _Out], None]

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1
_U64_MAX = 2**64 - 1
_MISSING: Any = object()

_K_MISSING = ViolationKind.MISSING_REQUIRED_FIELD
_K_TYPE = ViolationKind.TYPE_MISMATCH
_K_LENGTH = ViolationKind.LENGTH_VIOLATION
_K_PATTERN = ViolationKind.PATTERN_MISMATCH
_K_RANGE = ViolationKind.RANGE_VIOLATION
_K_ENUM = ViolationKind.ENUM_VIOLATION
_K_METRIC = ViolationKind.METRIC_RANGE_VIOLATION
_K_COMPLETE = ViolationKind.COMPLETENESS_VIOLATION
_K_FRESH = ViolationKind.FRESHNESS_VIOLATION
_K_UNIQUE = ViolationKind.UNIQUENESS_VIOLATION
_K_UNDECLARED = ViolationKind.UNDECLARED_FIELD

_ROOT_VIOLATION = Violation("<root>", "Event must be a JSON object", _K_TYPE)
_ROOT_RESULT = ValidationResult(False, FrozenList((_ROOT_VIOLATION,)), 0)
_PASSED = ValidationResult(True, EMPTY, 0)


# --------------------------------------------------------------------------------------
# JSON data model of Python values (values decoded by ``loads`` are already canonical;
# values built in Python may hold big ints, tuples or non-JSON types).


def _jtype(v: Any) -> str:
    """serde_json's ``json_type_name`` for a Python value, or a typed error if the value
    has no JSON form."""
    t = type(v)
    if t is str:
        return "string"
    if t is bool:
        return "boolean"
    if t is int:
        return "integer" if _I64_MIN <= v <= _U64_MAX else "float"
    if t is float:
        _check_finite(v)
        return "float"
    if v is None:
        return "null"
    if t is dict or t is list or t is tuple:
        return "object" if t is dict else "array"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, str):
        return "string"
    if isinstance(v, int):
        return "integer" if _I64_MIN <= v <= _U64_MAX else "float"
    if isinstance(v, float):
        _check_finite(v)
        return "float"
    if isinstance(v, dict):
        return "object"
    if isinstance(v, (list, tuple)):
        return "array"
    raise EventTypeError(
        f"value of type {type(v).__name__} is not a JSON value (use str, int, float, bool, "
        "None, list, tuple or dict)"
    )


def _check_finite(v: float) -> None:
    if not math.isfinite(v):
        raise EventTypeError(f"{v!r} is not a JSON number (JSON has no NaN or Infinity)")


def _is_number(v: Any) -> bool:
    t = type(v)
    if t is int or t is float:
        return True
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _f64(v: Any) -> float:
    """The f64 a number is compared as: ints round half-to-even (Python's float(int));
    ints beyond 64 bits follow serde_json's decoding of their digits."""
    if type(v) is float:
        _check_finite(v)
        return float(v)
    if isinstance(v, bool):  # pragma: no cover - callers exclude bools
        raise TypeError("bool is not a number")
    if isinstance(v, int) and not (_I64_MIN <= v <= _U64_MAX):
        return float(loads(str(v)))
    f = float(v)
    _check_finite(f)
    return f


def _utf8_len(s: str) -> int:
    if s.isascii():
        return len(s)
    try:
        return len(s.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise EventTypeError(
            "string contains a lone surrogate, which JSON text cannot carry"
        ) from exc


def _enum_key(v: Any) -> Optional[Tuple[str, Any]]:
    """A hashable key with serde_json equality for scalars (int never equals float, bool
    never equals a number); None for containers, which compare structurally."""
    t = type(v)
    if t is str:
        return ("s", v)
    if v is None:
        return ("n", None)
    if t is bool:
        return ("b", v)
    if t is int:
        if _I64_MIN <= v <= _U64_MAX:
            return ("i", v)
        return ("f", _f64(v))
    if t is float:
        return ("f", v)
    if isinstance(v, (dict, list, tuple)):
        return None
    _jtype(v)  # raises for non-JSON types
    return _enum_key(_canonical_scalar(v))


def _canonical_scalar(v: Any) -> Any:
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, str):
        return str(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    return v  # pragma: no cover


def _render_value(v: Any) -> str:
    """``{J:}`` of an event value (big ints and tuples normalised first)."""
    return render_json(_normalise(v))


def _normalise(v: Any, depth: int = 0) -> Any:
    t = type(v)
    if t is str or t is bool or v is None or t is float:
        if t is float:
            _check_finite(v)
        return v
    if t is int:
        return v if _I64_MIN <= v <= _U64_MAX else _f64(v)
    if depth > 200:
        raise EventTypeError("event nests deeper than any JSON document the gateway accepts")
    if isinstance(v, dict):
        out: Dict[str, Any] = {}
        for k, x in v.items():
            if not isinstance(k, str):
                raise EventTypeError(
                    f"object key {k!r} is a {type(k).__name__}; JSON object keys are strings"
                )
            out[str(k)] = _normalise(x, depth + 1)
        return out
    if isinstance(v, (list, tuple)):
        return [_normalise(x, depth + 1) for x in v]
    _jtype(v)
    return _normalise(_canonical_scalar(v), depth)


def _resolve(event: Any, dotted: str) -> Any:
    """Dot-split path through objects only (metrics, quality rules, §4.9)."""
    cur = event
    for seg in dotted.split("."):
        if isinstance(cur, dict):
            cur = cur.get(seg, _MISSING)
            if cur is _MISSING:
                return _MISSING
        else:
            return _MISSING
    return cur


def _now_seconds(now: Now) -> int:
    if now is None:
        return int(time.time() // 1)
    if isinstance(now, datetime):
        return math.floor(now.timestamp())
    return math.floor(now)


def _wrap_i64(x: int) -> int:
    x &= (1 << 64) - 1
    return x - (1 << 64) if x >= (1 << 63) else x


class _Stop(Exception):
    """Raised by a fail-fast sink at the first violation (used by ``is_valid``)."""


class _FailFast(List[Violation]):
    def append(self, v: Violation) -> None:
        raise _Stop


# --------------------------------------------------------------------------------------
# Field compilation


class _Builder:
    """Turns field definitions into check closures. Holds the path-keyed pattern map of
    spec §2.2 (later fields in walk order win on a path collision).

    A field's path is known at compile time unless it sits below an array element
    (``a[3].b``); known paths resolve their pattern once, run-time ones look it up by
    text as the engine does.
    """

    def __init__(self, patterns: Dict[str, Callable[[str], bool]], null_as_absent: bool):
        self.patterns = patterns
        self.null_as_absent = null_as_absent
        # Run-time paths always contain a bracket, so they can only hit a pattern whose
        # path text has one.
        self.dynamic_patterns = any("[" in p for p in patterns)

    def field(self, fd: FieldDefinition, parent: Optional[str], static: bool) -> _Check:
        """Look ``fd.name`` up in an object and check it. ``parent`` is the parent's path
        (None at the root); when ``static`` it is known now, else it arrives at run time."""
        name = fd.name
        required = fd.required
        null_as_absent = self.null_as_absent
        missing_msg = f"Required field '{name}' is missing"
        # The engine joins with "." only under a non-empty parent path: the properties of
        # an object named "" sit at the root of the path space ("sku", not ".sku").
        path: Optional[str] = None
        if static:
            path = f"{parent}.{name}" if parent else name
        value_check = self.value(fd, path)
        if path is not None:
            fixed_path = path
            missing = Violation(fixed_path, missing_msg, _K_MISSING)

            def check_static(obj: Any, _parent: str, out: _Out) -> None:
                v = obj.get(name, _MISSING)
                if v is _MISSING or (v is None and null_as_absent):
                    if required:
                        out.append(missing)
                    return
                value_check(v, fixed_path, out)

            return check_static

        def check_dynamic(obj: Any, parent_path: str, out: _Out) -> None:
            v = obj.get(name, _MISSING)
            if v is _MISSING or (v is None and null_as_absent):
                if required:
                    out.append(
                        Violation(
                            f"{parent_path}.{name}" if parent_path else name,
                            missing_msg,
                            _K_MISSING,
                        )
                    )
                return
            value_check(v, f"{parent_path}.{name}" if parent_path else name, out)

        return check_dynamic

    def value(self, fd: FieldDefinition, static_path: Optional[str]) -> _Check:
        """Checks on one present value (spec §4.2.1, in order). ``static_path`` is the
        value's path when known at compile time."""
        ftype = fd.type.value
        type_name = fd.type.variant_name
        lo = fd.min
        hi = fd.max
        min_len = fd.min_length
        max_len = fd.max_length
        has_len = min_len is not None or max_len is not None
        is_date = ftype == "date"
        patterns = self.patterns
        # Pattern resolution: fixed at compile time for known paths; by run-time path text
        # below arrays (only if some pattern path could match such a text).
        fixed_matcher: Optional[Callable[[str], bool]] = None
        dynamic_lookup = False
        if static_path is not None:
            fixed_matcher = patterns.get(static_path)
        else:
            dynamic_lookup = self.dynamic_patterns
        enum_check = _enum_checker(fd.enum)
        children: Optional[List[_Check]] = None
        if ftype == "object" and fd.properties is not None:
            static = static_path is not None
            children = [self.field(p, static_path, static) for p in fd.properties]
        item_check: Optional[_Check] = None
        if ftype == "array" and fd.items is not None:
            item_check = self.value(fd.items, None)

        accepts = _TYPE_TESTS[ftype]
        has_range = lo is not None or hi is not None
        str_checks = has_len or fixed_matcher is not None or dynamic_lookup or is_date

        def check_value(v: Any, path: str, out: _Out) -> None:
            if not accepts(v):
                out.append(
                    Violation(
                        path, f"Field '{path}' expected type {type_name}, got {_jtype(v)}", _K_TYPE
                    )
                )
                return
            if str_checks and isinstance(v, str):
                if has_len:
                    n = _utf8_len(v)
                    if min_len is not None and n < min_len:
                        out.append(
                            Violation(
                                path,
                                f"Field '{path}' length {n} is below minimum {min_len}",
                                _K_LENGTH,
                            )
                        )
                    if max_len is not None and n > max_len:
                        out.append(
                            Violation(
                                path,
                                f"Field '{path}' length {n} exceeds maximum {max_len}",
                                _K_LENGTH,
                            )
                        )
                matcher = patterns.get(path) if dynamic_lookup else fixed_matcher
                if matcher is not None and not matcher(v):
                    out.append(
                        Violation(
                            path,
                            f"Field '{path}' value {render_debug_str(v)} "
                            "does not match required pattern",
                            _K_PATTERN,
                        )
                    )
                if is_date and not is_valid_date(v):
                    out.append(
                        Violation(
                            path,
                            f"Field '{path}' value {render_debug_str(v)} is not a valid "
                            "calendar date (expected YYYY-MM-DD)",
                            _K_PATTERN,
                        )
                    )
            if has_range and _is_number(v):
                x = _f64(v)
                if lo is not None and x < lo:
                    out.append(
                        Violation(
                            path,
                            f"Field '{path}' value {render_f64(x)} is below minimum "
                            f"{render_f64(lo)}",
                            _K_RANGE,
                        )
                    )
                if hi is not None and x > hi:
                    out.append(
                        Violation(
                            path,
                            f"Field '{path}' value {render_f64(x)} exceeds maximum "
                            f"{render_f64(hi)}",
                            _K_RANGE,
                        )
                    )
            if enum_check is not None:
                enum_check(v, path, out)
            if children is not None:
                for child in children:
                    child(v, path, out)
            if item_check is not None:
                for i, item in enumerate(v):
                    item_check(item, f"{path}[{i}]", out)

        return check_value


def _enum_checker(enum: Optional[Sequence[Any]]) -> Optional[_Check]:
    if enum is None:
        return None
    allowed_text = "[" + ", ".join(render_json(e) for e in enum) + "]"
    keys: FrozenSet[Tuple[str, Any]] = frozenset(
        k for k in (_enum_key(e) for e in enum) if k is not None
    )
    containers = tuple(e for e in enum if isinstance(e, (dict, list, tuple)))

    def check_enum(v: Any, path: str, out: _Out) -> None:
        k = _enum_key(v)
        if k is not None:
            if k in keys:
                return
        elif any(json_equal(_normalise(v), e) for e in containers):
            return
        out.append(
            Violation(
                path,
                f"Field '{path}' value {_render_value(v)} not in allowed set: {allowed_text}",
                _K_ENUM,
            )
        )

    return check_enum


def _enum_ok(v: Any, keys: FrozenSet[Tuple[str, Any]], containers: Tuple[Any, ...]) -> bool:
    """Strict JSON equality membership (spec §4.7), for the generated code."""
    k = _enum_key(v)
    if k is not None:
        return k in keys
    return any(json_equal(_normalise(v), e) for e in containers)


def _accepts_string(v: Any) -> bool:
    return isinstance(v, str)


def _accepts_integer(v: Any) -> bool:
    t = type(v)
    if t is int:
        return _I64_MIN <= v <= _U64_MAX  # type: ignore[no-any-return]
    if t is float or t is str or t is bool:
        return False
    return isinstance(v, int) and not isinstance(v, bool) and _I64_MIN <= v <= _U64_MAX


def _accepts_number(v: Any) -> bool:
    t = type(v)
    if t is float:
        _check_finite(v)
        return True
    if t is int:
        return True
    return _is_number(v)


def _accepts_boolean(v: Any) -> bool:
    return isinstance(v, bool)


def _accepts_object(v: Any) -> bool:
    return isinstance(v, dict)


def _accepts_array(v: Any) -> bool:
    return isinstance(v, (list, tuple))


def _accepts_any(v: Any) -> bool:
    _jtype(v)  # a non-JSON Python value is an error, not a pass
    return True


#: The type test of each ``FieldType`` value (spec §4.3).
_TYPE_TESTS: Dict[str, Callable[[Any], bool]] = {
    "string": _accepts_string,
    "integer": _accepts_integer,
    "float": _accepts_number,
    "boolean": _accepts_boolean,
    "object": _accepts_object,
    "array": _accepts_array,
    "any": _accepts_any,
    "date": _accepts_string,
}


# --------------------------------------------------------------------------------------
# Compile steps (spec §2.1): regexes over the walk, then transform types.


def _walk(
    defs: Sequence[FieldDefinition], prefix: Optional[str]
) -> Iterator[Tuple[str, FieldDefinition]]:
    """Depth-first pre-order over entities and object properties, never into ``items``."""
    for fd in defs:
        path = f"{prefix}.{fd.name}" if prefix else fd.name
        yield path, fd
        if fd.type.value == "object" and fd.properties is not None:
            yield from _walk(fd.properties, path)


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


def _compile_patterns(
    contract: Contract,
) -> Tuple[Dict[str, CompiledRegex], Dict[str, Tuple[str, int, Optional[int]]]]:
    """The path-keyed compiled patterns (a later field with the same dotted path wins,
    spec §2.2), and those that are a plain run of one ASCII class (``^[a-z0-9_]+$``),
    which the generated code tests without ``re``."""
    # Imported here: the regex engine's tables are the bulk of the validator's import time,
    # and a contract without patterns never needs them.
    from .regex import RegexCompileError, char_run, compile_pattern

    patterns: Dict[str, CompiledRegex] = {}
    runs: Dict[str, Tuple[str, int, Optional[int]]] = {}
    for path, fd in _walk(contract.ontology.entities, None):
        if fd.pattern is None:
            continue
        size = _pattern_too_long(fd.pattern)
        if size is not None:
            raise ContractCompileError(
                f"Invalid regex for field '{path}': the pattern is {size} bytes long; "
                f"contractgate compiles patterns of at most {MAX_PATTERN_BYTES} bytes "
                "(no gateway can store a longer one: contract bodies are capped at 1 MiB)",
                file=contract.filename,
            )
        try:
            matcher = compile_pattern(fd.pattern)
        except RegexCompileError as exc:
            raise ContractCompileError(
                f"Invalid regex '{fd.pattern}' for field '{path}': {exc.display}",
                file=contract.filename,
            ) from None
        patterns[path] = matcher
        run = char_run(matcher)
        if run is not None:
            runs[path] = run
        else:  # an earlier field's run for this path must not outlive its pattern
            runs.pop(path, None)
    return patterns, runs


def _match_functions(regexes: Dict[str, CompiledRegex]) -> Dict[str, Callable[[str], bool]]:
    """The fastest ``is_match`` callable of each compiled pattern."""
    if not regexes:
        return {}
    from .regex import is_match_fn

    return {path: is_match_fn(r) for path, r in regexes.items()}


def _check_transforms(contract: Contract) -> None:
    for path, fd in _walk(contract.ontology.entities, None):
        if fd.transform is not None and fd.type.value != "string":
            raise ContractCompileError(
                f"Field '{path}' declares a PII transform but has type "
                f"'{fd.type.variant_name}' — transforms are only supported on string fields. "
                "If this field holds PII, change its type to 'string'.",
                file=contract.filename,
            )


# --------------------------------------------------------------------------------------


class CompiledContract:
    """A contract ready to validate events; build it with ``Contract.compile()``.

    ``validate()`` checks one event the way the gateway's engine does. Rules that need
    the whole request (uniqueness) run in :meth:`validate_batch`; envelope contracts use
    :meth:`validate_envelope`. Time-dependent rules (freshness) read the clock once per
    rule per event, or use ``now`` (Unix seconds or a ``datetime``) when given.
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
        "_metric_checks",
        "_pattern_runs",
        "_patterns",
        "_quality_checks",
        "_regexes",
        "_timing",
        "_uniqueness_fields",
        "contract",
        "source",
    )

    def __init__(
        self, contract: Contract, *, reference: bool = False, timing: bool = False
    ) -> None:
        self.contract = contract
        regexes, runs = _compile_patterns(contract)
        patterns = _match_functions(regexes)
        _check_transforms(contract)
        builder = _Builder(patterns, contract.null_as_absent)
        self._checks = tuple(builder.field(fd, None, True) for fd in contract.ontology.entities)
        self._timing = timing
        self._metric_checks = tuple(
            _metric_check(m) for m in contract.metrics if _metric_applies(m)
        )
        self._quality_checks = tuple(
            c for c in (_quality_check(q) for q in contract.quality) if c is not None
        )
        self._compliance = contract.compliance_mode
        self._declared = frozenset(fd.name for fd in contract.ontology.entities)
        self._uniqueness_fields = tuple(
            q.field for q in contract.quality if q.type.value == "uniqueness"
        )
        #: The generated Python source of the validator (None on the reference path).
        self.source: Optional[str] = None
        self._gen: Callable[..., ValidationResult] = self._reference_validate
        self._fast: Callable[..., bool] = self._reference_is_valid
        self._regexes = regexes
        self._patterns = patterns
        self._pattern_runs = runs
        if not reference:
            gen = _generate(self, False)
            if gen is not None:
                self.source = gen.source
                self._gen = gen.function
                self._fast = self._first_is_valid
                if not timing:
                    self.validate = gen.function  # type: ignore[method-assign]

    def __repr__(self) -> str:
        c = self.contract
        return f"<CompiledContract {c.name!r} version {c.version!r}>"

    @property
    def has_envelope(self) -> bool:
        return self.contract.envelope is not None

    @property
    def patterns(self) -> Mapping[str, CompiledRegex]:
        """The compiled ``pattern`` of each field, by dotted path (v0.1's attribute).

        Values are the engine's regex dialect (``.pattern``, ``.is_match(text)``), not
        ``re.Pattern``: Rust's ``regex`` syntax and semantics differ from ``re``'s.
        """
        return MappingProxyType(self._regexes)

    @property
    def declared_top_level_fields(self) -> FrozenSet[str]:
        """The top-level field names compliance mode allows (v0.1's attribute): empty
        when ``compliance_mode`` is off, as in v0.1."""
        return self._declared if self._compliance else frozenset()

    # -- one event ------------------------------------------------------------------

    def _run(self, event: Any, out: _Out, now: Now) -> None:
        for check in self._checks:
            check(event, "", out)
        self._tail(event, out, now)

    def _tail(self, event: Any, out: _Out, now: Now) -> None:
        """Metrics, per-event quality rules and compliance mode (spec §4.9–§4.11)."""
        for m in self._metric_checks:
            m(event, out)
        for q in self._quality_checks:
            q(event, out, now)
        if self._compliance:
            declared = self._declared
            keys = list(event)
            for k in keys:
                if not isinstance(k, str):
                    raise EventTypeError(
                        f"object key {k!r} is a {type(k).__name__}; JSON object keys are strings"
                    )
            for k in sorted(keys):
                if k not in declared:
                    out.append(
                        Violation(
                            k,
                            f"Field '{k}' is not declared in the contract ontology. "
                            "Compliance mode rejects undeclared fields.",
                            _K_UNDECLARED,
                        )
                    )

    @property
    def is_generated(self) -> bool:
        """True when validation runs generated code (False on the reference path)."""
        return self.source is not None

    def validate(self, event: Any, *, now: Now = None) -> ValidationResult:
        """Check one decoded JSON value (a dict for a real event) against the contract.

        Returns every violation, in the engine's order. A passing event returns a shared
        result object. ``validation_us`` is 0 unless the contract was compiled with
        ``timing=True`` (a passing event takes well under a microsecond).
        """
        if self._timing:
            t0 = time.perf_counter_ns()
            r = self._gen(event, now=now)
            us = (time.perf_counter_ns() - t0) // 1000
            if us == 0 or r is _ROOT_RESULT:
                return r
            return ValidationResult(r.passed, r.violations, us)
        return self._gen(event, now=now)

    def _reference_validate(self, event: Any, *, now: Now = None) -> ValidationResult:
        """The closure-per-field interpreter (kept as the reference for differential
        tests; used when code generation is unavailable)."""
        if not isinstance(event, dict):
            _jtype(event)
            return _ROOT_RESULT
        t0 = time.perf_counter_ns()
        out: _Out = []
        self._run(event, out, now)
        us = (time.perf_counter_ns() - t0) // 1000
        if not out:
            return _PASSED if us == 0 else ValidationResult(True, EMPTY, us)
        return ValidationResult(False, FrozenList(out), us)

    def validate_json(
        self, raw: Union[str, bytes, bytearray], *, now: Now = None
    ) -> ValidationResult:
        """Decode ONE JSON value the way the gateway does (serde_json: integer/float
        classification, duplicate keys, depth limit) and validate it. Text the gateway
        would reject raises :class:`~contractgate.EventDecodeError`."""
        return self.validate(loads(raw), now=now)

    def is_valid(self, event: Any, *, now: Now = None) -> bool:
        """True when the event passes; stops at the first violation."""
        return self._fast(event, now=now)

    def _first_is_valid(self, event: Any, *, now: Now = None) -> bool:
        """Generate the fail-fast function on first use, then run it."""
        gen = _generate(self, True)
        if gen is not None:
            self._fast = self.is_valid = gen.function  # type: ignore[method-assign]
        else:  # pragma: no cover - nesting limits
            self._fast = self._reference_is_valid
        return self._fast(event, now=now)

    def _reference_is_valid(self, event: Any, *, now: Now = None) -> bool:
        if not isinstance(event, dict):
            _jtype(event)
            return False
        try:
            self._run(event, _FailFast(), now)
        except _Stop:
            return False
        return True

    def validate_many(
        self, events: Iterable[Any], *, now: Now = None
    ) -> Iterator[ValidationResult]:
        """Validate each event independently, lazily (no batch rules)."""
        if now is None and not self._timing:
            return map(self._gen, events)
        return self._validate_each(events, now)

    def _validate_each(self, events: Iterable[Any], now: Now) -> Iterator[ValidationResult]:
        validate = self.validate
        for event in events:
            yield validate(event, now=now)

    # -- whole batches ----------------------------------------------------------------

    def uniqueness_violations(self, events: Sequence[Any]) -> List[Tuple[int, Violation]]:
        """The batch uniqueness step alone (spec §7.1): ``(event_index, violation)`` pairs,
        grouped by rule in declared order, then by index."""
        found: List[Tuple[int, Violation]] = []
        for field in self._uniqueness_fields:
            seen: set[str] = set()
            for i, event in enumerate(events):
                v = _resolve(event, field)
                if v is _MISSING or v is None:
                    continue
                key = _render_value(v)
                if key in seen:
                    found.append(
                        (
                            i,
                            Violation(
                                field,
                                f"Quality uniqueness: duplicate value {render_debug_str(key)} "
                                f"for field '{field}' in batch",
                                _K_UNIQUE,
                            ),
                        )
                    )
                else:
                    seen.add(key)
        return found

    def validate_batch(self, events: Iterable[Any], *, now: Now = None) -> List[ValidationResult]:
        """Validate a request's worth of events as ``/ingest`` does: each event, then the
        batch uniqueness rules, whose violations are appended to the events they hit."""
        batch = list(events)
        results = [self.validate(e, now=now) for e in batch]
        for i, v in self.uniqueness_violations(batch):
            r = results[i]
            results[i] = ValidationResult(False, FrozenList((*r.violations, v)), r.validation_us)
        return results

    def validate_envelope(self, payload: Any, *, now: Now = None) -> BatchValidationResult:
        """Validate an envelope payload (RFC-038, spec §7.2) for a contract with
        ``envelope``: the wrapper checks, then each record under ``records_path``."""
        envelope = self.contract.envelope
        if envelope is None:
            raise ContractCompileError(
                f"contract {self.contract.name!r} has no envelope section; "
                "use validate() or validate_batch()"
            )
        t0 = time.perf_counter_ns()
        if not isinstance(payload, dict):
            _jtype(payload)
            return BatchValidationResult(
                0,
                1,
                (
                    BatchRecordViolation(
                        0, "<root>", "Envelope payload must be a JSON object", _K_TYPE
                    ),
                ),
                0,
            )
        wrapper: List[BatchRecordViolation] = []
        if envelope.validate_wrapper:
            _wrapper_checks(payload, wrapper)
        rp = envelope.records_path
        records = payload.get(rp, _MISSING)
        if records is _MISSING or not isinstance(records, (list, tuple)):
            if records is _MISSING:
                last = BatchRecordViolation(0, rp, f"Envelope key '{rp}' is missing", _K_MISSING)
            else:
                last = BatchRecordViolation(
                    0, rp, f"Envelope key '{rp}' must be an array, got {_jtype(records)}", _K_TYPE
                )
            return BatchValidationResult(
                0, 1, FrozenList((*wrapper, last)), (time.perf_counter_ns() - t0) // 1000
            )
        if wrapper:
            return BatchValidationResult(
                0,
                max(len(records), 1),
                FrozenList(wrapper),
                (time.perf_counter_ns() - t0) // 1000,
            )
        passed = quarantined = 0
        violations: List[BatchRecordViolation] = []
        for i, record in enumerate(records):
            r = self.validate(record, now=now)
            if r.passed:
                passed += 1
            else:
                quarantined += 1
                violations.extend(
                    BatchRecordViolation(i, v.field, v.message, v.kind) for v in r.violations
                )
        return BatchValidationResult(
            passed, quarantined, FrozenList(violations), (time.perf_counter_ns() - t0) // 1000
        )

    def validate_envelope_json(
        self, raw: Union[str, bytes, bytearray], *, now: Now = None
    ) -> BatchValidationResult:
        """:meth:`validate_envelope` on raw JSON text, decoded the gateway's way."""
        return self.validate_envelope(loads(raw), now=now)


def _wrapper_checks(payload: Dict[str, Any], out: List[BatchRecordViolation]) -> None:
    success = payload.get("success", _MISSING)
    if success is _MISSING:
        out.append(
            BatchRecordViolation(0, "success", "Wrapper field 'success' is missing", _K_MISSING)
        )
    elif not isinstance(success, bool):
        out.append(
            BatchRecordViolation(
                0,
                "success",
                f"Wrapper field 'success' must be boolean, got {_jtype(success)}",
                _K_TYPE,
            )
        )
    pagination = payload.get("pagination", _MISSING)
    if pagination is _MISSING:
        return
    if not isinstance(pagination, dict):
        out.append(
            BatchRecordViolation(
                0,
                "pagination",
                f"Wrapper field 'pagination' must be an object, got {_jtype(pagination)}",
                _K_TYPE,
            )
        )
        return
    for k in ("page", "limit", "total"):
        v = pagination.get(k, _MISSING)
        if v is _MISSING:
            out.append(
                BatchRecordViolation(
                    0, f"pagination.{k}", f"Wrapper pagination field '{k}' is missing", _K_MISSING
                )
            )
        elif not _is_number(v):
            out.append(
                BatchRecordViolation(
                    0,
                    f"pagination.{k}",
                    f"Wrapper pagination field '{k}' must be a number, got {_jtype(v)}",
                    _K_TYPE,
                )
            )
    has_more = pagination.get("hasMore", _MISSING)
    if has_more is not _MISSING and not isinstance(has_more, bool):
        out.append(
            BatchRecordViolation(
                0,
                "pagination.hasMore",
                f"Wrapper pagination field 'hasMore' must be boolean, got {_jtype(has_more)}",
                _K_TYPE,
            )
        )


def _metric_applies(m: Any) -> bool:
    return m.field is not None and (m.min is not None or m.max is not None)


def _metric_check(m: Any) -> Callable[[Any, _Out], None]:
    name: str = m.name
    field: str = m.field
    lo: Optional[float] = m.min
    hi: Optional[float] = m.max
    missing = Violation(
        field, f"Metric '{name}' field '{field}' is missing or not numeric", _K_MISSING
    )

    def check_metric(event: Any, out: _Out) -> None:
        v = _resolve(event, field)
        if v is _MISSING or not _is_number(v):
            out.append(missing)
            return
        x = _f64(v)
        if lo is not None and x < lo:
            out.append(
                Violation(
                    field,
                    f"Metric '{name}' value {render_f64(x)} is below minimum {render_f64(lo)} "
                    f"(field: '{field}')",
                    _K_METRIC,
                )
            )
        if hi is not None and x > hi:
            out.append(
                Violation(
                    field,
                    f"Metric '{name}' value {render_f64(x)} exceeds maximum {render_f64(hi)} "
                    f"(field: '{field}')",
                    _K_METRIC,
                )
            )

    return check_metric


def _quality_check(q: Any) -> Optional[Callable[[Any, _Out, Now], None]]:
    kind = q.type.value
    field: str = q.field
    if kind == "completeness":
        absent = Violation(
            field, f"Quality completeness: field '{field}' is absent or null", _K_COMPLETE
        )
        empty = Violation(
            field, f"Quality completeness: field '{field}' is an empty string", _K_COMPLETE
        )

        def check_completeness(event: Any, out: _Out, now: Now) -> None:
            v = _resolve(event, field)
            if v is _MISSING or v is None:
                out.append(absent)
            elif v == "" and isinstance(v, str):
                out.append(empty)

        return check_completeness
    if kind == "freshness" and q.max_age_seconds is not None:
        max_age: int = q.max_age_seconds
        max_i64 = _wrap_i64(max_age)
        not_ts = Violation(
            field, f"Quality freshness: field '{field}' is not a numeric Unix timestamp", _K_FRESH
        )

        def check_freshness(event: Any, out: _Out, now: Now) -> None:
            v = _resolve(event, field)
            if v is _MISSING:
                return
            if not (isinstance(v, int) and not isinstance(v, bool) and _I64_MIN <= v <= _I64_MAX):
                out.append(not_ts)
                return
            ts = int(v)
            if ts > 1_700_000_000_000:
                ts //= 1000
            age = _wrap_i64(_now_seconds(now) - ts)
            if age < 0 or age > max_i64:
                out.append(
                    Violation(
                        field,
                        f"Quality freshness: field '{field}' timestamp is {age}s old "
                        f"(max {max_age}s)",
                        _K_FRESH,
                    )
                )

        return check_freshness
    return None


def _generate(compiled: CompiledContract, fail_fast: bool) -> Any:
    """Generate the specialised ``validate`` (or, with ``fail_fast``, ``is_valid``) with
    ``_codegen``; None if the contract is too deeply nested for Python's compiler, in which
    case the closures are used."""
    from . import codegen as _codegen

    c = compiled.contract
    has_tail = bool(compiled._metric_checks or compiled._quality_checks or compiled._compliance)
    try:
        return _codegen.generate(
            c.ontology.entities,
            compiled._patterns,
            c.null_as_absent,
            compiled._pattern_runs,
            compiled._tail if has_tail else None,
            _HELPERS,
            fail_fast=fail_fast,
            filename=f"<contractgate {c.name} {c.version}>",
        )
    except (SyntaxError, RecursionError, MemoryError):  # pragma: no cover - nesting limits
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


def _failed(violations: Sequence[Violation]) -> ValidationResult:
    """``ValidationResult(False, violations, 0)``, built the same way as :func:`_violation`
    (its ``__post_init__`` only makes ``violations`` a FrozenList, done here)."""
    r = _new(ValidationResult)
    d = r.__dict__
    d["passed"] = False
    d["violations"] = FrozenList(violations)
    d["validation_us"] = 0
    return r


def _plain_dataclasses() -> bool:
    """The fast constructors rely on instance ``__dict__``s (no slots, and no post-init
    but ValidationResult's, which :func:`_failed` reproduces)."""
    try:
        v = _violation("f", "m", _K_TYPE)
        r = _failed([v])
    except (AttributeError, TypeError):  # pragma: no cover - slotted dataclasses
        return False
    return (
        v == Violation("f", "m", _K_TYPE)
        and r == ValidationResult(False, [v], 0)
        and type(r.violations) is type(ValidationResult(False, [v], 0).violations)
        and not hasattr(Violation, "__post_init__")
    )


_HELPERS: Dict[str, Any] = {
    "Violation": Violation,
    "_MISSING": _MISSING,
    "_PASSED": _PASSED,
    "_ROOT_RESULT": _ROOT_RESULT,
    "_K_MISSING": _K_MISSING,
    "_K_TYPE": _K_TYPE,
    "_K_LENGTH": _K_LENGTH,
    "_K_PATTERN": _K_PATTERN,
    "_K_RANGE": _K_RANGE,
    "_K_ENUM": _K_ENUM,
    "_jtype": _jtype,
    "_accepts_integer": _accepts_integer,
    "_accepts_number": _accepts_number,
    "_utf8_len": _utf8_len,
    "_is_number": _is_number,
    "_f64": _f64,
    "_enum_ok": _enum_ok,
    "_enum_key": _enum_key,
    "_is_valid_date": is_valid_date,
    "_render_debug_str": render_debug_str,
    "_render_f64": _render_f64_fast,
    "_render_value": _render_value,
    "render_f64": render_f64,
    "render_json": render_json,
}
if _plain_dataclasses():
    _HELPERS["Violation"] = _violation
    _HELPERS["_failed"] = _failed
else:  # pragma: no cover - slotted dataclasses
    _HELPERS["_failed"] = lambda violations: ValidationResult(False, FrozenList(violations), 0)


def compile_contract(
    contract: Contract, *, reference: bool = False, timing: bool = False
) -> CompiledContract:
    """Compile ``contract`` (spec §2): regexes first, then transform types, then the
    generated validator. ``timing=True`` measures ``validation_us`` per call (two clock
    reads); ``reference=True`` uses the closure interpreter (for differential tests)."""
    return CompiledContract(contract, reference=reference, timing=timing)
