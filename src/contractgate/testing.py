"""Assertions for tests about contracts, with failure messages that list the violations.

::

    from contractgate.testing import assert_invalid, assert_valid

    def test_orders(orders):                      # orders: a CompiledContract
        assert_valid(orders, good_order)
        assert_invalid(orders, {**good_order, "total": -1},
                       kinds=["range_violation"], fields=["total"])

A failing assertion reads::

    event fails contract 'orders' 2.0.0 with 2 violations:
      order_id  pattern_mismatch  Field 'order_id' does not match pattern ...
      total     range_violation   Field 'total' value -1 is below minimum 0
    event: {'order_id': 'x', ...}

:func:`explain` renders any verdict (a ``ValidationResult``, an envelope result, the
clients' ingest / egress / playground answers, a list of violations, or
``validate_batch``'s list of results) the same way;
the pytest plugin uses it to make plain ``assert result.passed`` failures readable.
This module needs neither pytest nor httpx.
"""

from __future__ import annotations

import difflib
import sys
from collections import Counter
from typing import Any, Iterable, List, NoReturn, Optional, Sequence, Tuple, Union

from ._validation.rules import check_now
from ._validation.summary import field_group
from ._validation.values.render import display_width, printable
from ._validation.violations import (
    BatchValidationResult,
    ValidationResult,
    ViolationKind,
)
from .exceptions import EventDecodeError, EventTypeError

__all__ = [
    "assert_invalid",
    "assert_valid",
    "compare_explanation",
    "explain",
    "format_violations",
]

Names = Union[None, str, Iterable[str]]
#: A contract's verdict on one event, or on one envelope payload (its records).
Verdict = Union[ValidationResult, BatchValidationResult]

_KNOWN_KINDS = tuple(k.value for k in ViolationKind)

#: How much of an event a failure message shows.
_EVENT_REPR_MAX = 240

#: How many violations a failure message lists (a batch's failing events or records
#: count with theirs); the others are counted in a last line, so a verdict of 10,000
#: failing events reads in a screenful.
_VIOLATIONS_MAX = 50


# ---------------------------------------------------------------------------- rendering


def _is_violation(v: Any) -> bool:
    return all(hasattr(v, name) for name in ("field", "kind", "message"))


def _shown(value: Any) -> str:
    """A cell on one line: what a terminal would act on (a colour, a line break, a
    bidirectional control from an event's key) escaped as the CLI escapes it."""
    return printable(str(value), one_line=True)


def _rows(violations: Iterable[Any]) -> List[Tuple[str, ...]]:
    rows: List[Tuple[str, ...]] = []
    for v in violations:
        field = _shown(v.field) or "''"  # an entity named "" (the root is "<root>")
        index = getattr(v, "record_index", None)
        if isinstance(index, int):
            rows.append((f"record {index}", field, _shown(v.kind), _shown(v.message)))
        else:
            rows.append((field, _shown(v.kind), _shown(v.message)))
    return rows


def format_violations(violations: Iterable[Any], indent: str = "  ") -> str:
    """One line per violation, ``field  kind  message``, in aligned columns (envelope
    violations start with their record). A field named by the empty string shows as ``''``."""
    rows = _rows(violations)
    if not rows:
        return f"{indent}(no violations)"
    n = max(len(r) for r in rows)
    rows = [("",) * (n - len(r)) + r for r in rows]
    widths = [max(display_width(r[i]) for r in rows) for i in range(n - 1)]
    return "\n".join(
        indent + "  ".join([c + " " * (w - display_width(c)) for c, w in zip(r, widths)] + [r[-1]])
        for r in rows
    )


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _check_max(max_violations: Optional[int]) -> None:
    if max_violations is not None and (
        isinstance(max_violations, bool)
        or not isinstance(max_violations, int)
        or max_violations < 0
    ):
        raise ValueError(f"max_violations must be an int >= 0 or None, got {max_violations!r}")


def _listing(violations: Sequence[Any], max_violations: Optional[int], indent: str = "  ") -> str:
    """:func:`format_violations` of the first ``max_violations`` (None: all), then a
    line counting the others."""
    shown = list(violations) if max_violations is None else list(violations[:max_violations])
    more = len(violations) - len(shown)
    text = format_violations(shown, indent) if shown or not more else ""
    if more > 0:
        text += ("\n" if text else "") + f"{indent}... and {_count(more, 'more violation')}"
    return text


#: Where the verdict classes of the clients and of partitions live.
_HOMES = ("contractgate.models", "contractgate._validation.partition")


def _model(name: str) -> Optional[type]:
    """A class of :mod:`contractgate.models` (or ``EventOutcome``), if its module is
    loaded (no object of it can exist otherwise, and importing it here would cost the
    start-up)."""
    for home in _HOMES:
        cls = getattr(sys.modules.get(home), name, None)
        if isinstance(cls, type):
            return cls
    return None


def _is_a(obj: Any, *names: str) -> bool:
    return any(cls is not None and isinstance(obj, cls) for cls in map(_model, names))


def explain(obj: Any, *, max_violations: Optional[int] = _VIOLATIONS_MAX) -> Optional[str]:
    """What failed in a verdict, as readable text; None when ``obj`` is not a verdict or
    nothing in it failed. At most ``max_violations`` violations (default 50; ``None``
    for all) are listed, the rest counted, with the failing events or records of a batch.

    Understands ``ValidationResult``, ``BatchValidationResult`` (envelopes), a list of
    violations, a list of ``ValidationResult`` (``validate_batch``'s: each failing
    event), ``EventOutcome`` and lists of them (``validate_partition``'s, each failing
    event at ``partition:offset``), and the clients' ``IngestEventResult``, ``PlaygroundResult``,
    ``EgressOutcome``, ``EnvelopeIngestResponse``, ``BatchIngestResponse`` (each failing
    event) and ``EgressResponse`` (each failing record)::

        assert result.passed, explain(result)
    """
    _check_max(max_violations)
    if isinstance(obj, (list, tuple)):
        if obj and all(_is_violation(v) for v in obj):
            return f"{_count(len(obj), 'violation')}:\n{_listing(obj, max_violations)}"
        failing: List[Tuple[Any, Any]]
        if obj and all(isinstance(r, ValidationResult) for r in obj):  # validate_batch's
            failing = [(i, r) for i, r in enumerate(obj) if not r.passed]
        elif obj and all(_is_a(r, "EventOutcome") for r in obj):  # validate_partition's
            failing = [(_position(r), r) for r in obj if not r.passed]
        else:
            return None
        if not failing:
            return None
        head = f"{_count(len(failing), 'failing event')} of {len(obj)}:"
        return _per_item(head, failing, "event", max_violations)
    if isinstance(obj, ValidationResult) or _is_a(
        obj, "IngestEventResult", "PlaygroundResult", "EgressOutcome", "EventOutcome"
    ):
        violations = list(obj.violations)
        if obj.passed or not violations:
            return None
        name = type(obj).__name__
        where = f" (event {obj.index})" if isinstance(getattr(obj, "index", None), int) else ""
        if _is_a(obj, "EventOutcome"):
            where = f" (event {_position(obj)})"
        return f"{name}{where} has {_count(len(violations), 'violation')}:\n" + _listing(
            violations, max_violations
        )
    if isinstance(obj, BatchValidationResult) or _is_a(obj, "EnvelopeIngestResponse"):
        violations = list(obj.violations)
        if not violations:
            return None
        return (
            f"{type(obj).__name__}: {obj.passed} passed, {obj.quarantined} quarantined, "
            f"{_count(len(violations), 'violation')}:\n{_listing(violations, max_violations)}"
        )
    if _is_a(obj, "BatchIngestResponse", "EgressResponse"):
        items = obj.outcomes if hasattr(obj, "outcomes") else obj.results
        failing = [(it.index, it) for it in items if it.passed is False]
        if not failing:
            return None
        noun = "record" if hasattr(obj, "outcomes") else "event"
        head = f"{type(obj).__name__}: {_count(len(failing), f'failing {noun}')} of {obj.total}:"
        return _per_item(head, failing, noun, max_violations)
    return None


def _position(outcome: Any) -> str:
    """An ``EventOutcome``'s place, as the CLI and summaries write it: ``partition:offset``."""
    return f"{outcome.partition}:{outcome.offset}"


def _per_item(
    head: str, failing: List[Tuple[Any, Any]], noun: str, max_violations: Optional[int]
) -> str:
    """``head``, then each failing ``(index, verdict)`` with its violations, until
    ``max_violations`` are listed; the other events or records are counted."""
    parts = [head]
    budget = max_violations
    for i, (index, it) in enumerate(failing):
        if budget is not None and budget <= 0 and i > 0:
            rest = failing[i:]
            n = sum(len(r.violations) for _, r in rest)
            parts.append(
                f"  ... and {_count(len(rest), f'more failing {noun}')} ({_count(n, 'violation')})"
            )
            break
        violations = list(it.violations)
        parts.append(f"  {noun} {index}:")
        parts.append(_listing(violations, budget, indent="    "))
        if budget is not None:
            budget -= len(violations)
    return "\n".join(parts)


def _violations_of(obj: Any) -> Optional[List[Any]]:
    """The violations a value stands for in a comparison (None: not a verdict)."""
    if isinstance(obj, (list, tuple)):
        return list(obj) if all(_is_violation(v) for v in obj) else None
    if isinstance(obj, (ValidationResult, BatchValidationResult)) or _is_a(
        obj,
        "IngestEventResult",
        "PlaygroundResult",
        "EgressOutcome",
        "EnvelopeIngestResponse",
        "EventOutcome",
    ):
        return list(obj.violations)
    return None


def _describe(obj: Any, violations: List[Any]) -> str:
    what = _count(len(violations), "violation") if violations else "no violations"
    if isinstance(obj, (list, tuple)):
        return f"[{what}]"
    return f"{type(obj).__name__}({what})"


def _minus(a: List[Any], b: List[Any]) -> List[Any]:
    """The violations of ``a`` that ``b`` does not have (as multisets; ``a``'s order)."""
    unmatched = Counter(_rows(b))
    out = []
    for v, row in zip(a, _rows(a)):
        if unmatched[row] > 0:
            unmatched[row] -= 1
        else:
            out.append(v)
    return out


def compare_explanation(op: str, left: Any, right: Any) -> Optional[List[str]]:
    """pytest's ``pytest_assertrepr_compare`` for ``==`` / ``!=`` between verdicts or
    lists of violations: the violations found on one side only, or the shared ones.
    None when either side is not a verdict, or for ``==`` when both sides have the same
    violations (what differs is another attribute, or the type)."""
    lv, rv = _violations_of(left), _violations_of(right)
    if lv is None or rv is None or not (lv or rv):
        return None
    lines = [f"{_describe(left, lv)} {op} {_describe(right, rv)}"]
    only_left, only_right = _minus(lv, rv), _minus(rv, lv)
    if only_left:
        lines += _section(f"only on the left ({len(only_left)}):", only_left)
    if only_right:
        lines += _section(f"only on the right ({len(only_right)}):", only_right)
    if not (only_left or only_right):
        if _rows(lv) == _rows(rv):
            if op == "==":
                return None  # the difference is elsewhere: pytest's own comparison shows it
            lines += _section("the same violations on both sides:", lv)
        else:
            lines += _section("the same violations in another order; left:", lv)
            lines += _section("right:", rv)
    return lines


#: Rows per section of a comparison: pytest cuts explanations at 8 lines unless -vv
#: (the full verdicts are appended to the failure by the pytest plugin).
_COMPARE_ROWS = 4


def _section(title: str, violations: List[Any]) -> List[str]:
    rows = format_violations(violations[:_COMPARE_ROWS]).splitlines()
    more = len(violations) - _COMPARE_ROWS
    return [title, *rows] + ([f"  ... and {more} more"] if more > 0 else [])


# ---------------------------------------------------------------------------- assertions


def _compiled(contract: Any) -> Any:
    """A ``CompiledContract`` from a compiled contract or a ``Contract``."""
    if callable(getattr(contract, "validate", None)) and hasattr(contract, "contract"):
        return contract
    if callable(getattr(contract, "compile", None)):
        return contract.compile()
    raise TypeError(
        "expected a CompiledContract (Contract.from_file(...).compile()) or a Contract, "
        f"got {type(contract).__name__}"
    )


def _label(compiled: Any) -> str:
    c = compiled.contract
    return f"contract {c.name!r} {c.version}"


#: How many of the unexpected violations the first line of an ``only=True`` failure names.
_OTHERS_MAX = 5


def _is_raw(event: Any) -> bool:
    return isinstance(event, (bytes, bytearray, memoryview))


def _fails(result: Verdict) -> bool:
    """An envelope fails when a record (or the wrapper) does; ``passed`` counts records."""
    if isinstance(result, BatchValidationResult):
        return bool(result.quarantined or result.violations)
    return not result.passed


def _matches(want: str, field: str) -> bool:
    """``want`` names ``field``: exactly, or with ``[*]`` for any index (``items[*].qty``,
    as summaries group fields)."""
    return want == field or ("[*]" in want and want == field_group(field))


def _check_now(now: Any) -> None:
    """``now`` as every ``validate`` call checks it where a freshness rule reads it:
    checked here for every contract, so a wrong clock fails before the contract gains
    such a rule (raised from here: pytest shows the test's line, not the engine's)."""
    __tracebackhide__ = True
    try:
        check_now(now)
    except (TypeError, ValueError) as err:
        raise err.with_traceback(None) from None


def _validate(compiled: Any, event: Any, now: Any, expected: Optional[str]) -> Verdict:
    """The verdict of ``compiled`` on ``event`` (for an envelope contract, on the payload
    and its records, as ``/ingest`` judges them); an event that never reaches the rules
    (raw JSON the gateway refuses, a value with no JSON form) fails the assertion,
    naming why (``expected``: what :func:`assert_invalid` wanted; None for valid)."""
    __tracebackhide__ = True
    envelope = compiled.has_envelope
    try:
        if _is_raw(event):  # raw JSON, decoded as the gateway does
            check = compiled.validate_envelope_json if envelope else compiled.validate_json
        else:
            check = compiled.validate_envelope if envelope else compiled.validate
        result: Verdict = check(event, now=now)
        return result
    except (EventDecodeError, EventTypeError) as err:
        problem = err
    what = "is not JSON the gateway accepts" if _is_raw(event) else "has no JSON form"
    want = "pass" if expected is None else f"fail{expected}"
    _fail(
        f"event {what} ({problem}), so it never reaches {_label(compiled)}; "
        f"expected it to {want}\n{_event_line(event)}"
    )


def _fail(message: str) -> NoReturn:
    __tracebackhide__ = True
    raise AssertionError(message) from None


def _names(value: Names, what: str) -> Tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items: Tuple[Any, ...] = (value,)
    elif isinstance(value, (bytes, bytearray, memoryview)) or not isinstance(value, Iterable):
        raise TypeError(f"{what}= takes a str or an iterable of str, got {type(value).__name__}")
    else:
        items = tuple(value)
    out = []
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{what}= takes str items, got {type(item).__name__} {item!r}")
        text = str(item)  # a ViolationKind member: its value
        if what == "kinds" and text not in _KNOWN_KINDS:
            close = difflib.get_close_matches(text.lower(), _KNOWN_KINDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"unknown violation kind {text!r}{hint} (kinds: {', '.join(_KNOWN_KINDS)})"
            )
        out.append(text)
    return tuple(out)


def _event_line(event: Any) -> str:
    label = "event (JSON)" if _is_raw(event) else "event"
    text = repr(bytes(event) if isinstance(event, (bytearray, memoryview)) else event)
    if len(text) > _EVENT_REPR_MAX:
        text = text[: _EVENT_REPR_MAX - 3] + "..."
    line = f"{label}: {text}"
    if isinstance(event, str):  # validate() reads a str as a JSON string, not as JSON text
        line += "\n(a str is one JSON string value; raw JSON text goes in as bytes: text.encode())"
    return line


def assert_valid(contract: Any, event: Any, *, now: Any = None) -> Verdict:
    """Assert that ``event`` satisfies ``contract`` (a ``CompiledContract`` or a
    ``Contract``); returns the result. ``event`` as ``bytes`` (or ``bytearray``,
    ``memoryview``) is raw JSON, decoded the way the gateway decodes it. For a contract
    with an ``envelope``, ``event`` is the payload: the wrapper and every record must pass
    (a ``BatchValidationResult``). ``now`` pins the clock of freshness rules."""
    __tracebackhide__ = True  # pytest shows the caller's line, not this function's
    _check_now(now)
    compiled = _compiled(contract)
    result = _validate(compiled, event, now, None)
    if _fails(result):
        _fail(
            f"event fails {_label(compiled)} with "
            f"{_count(len(result.violations), 'violation')}:\n"
            f"{_listing(result.violations, _VIOLATIONS_MAX)}\n{_event_line(event)}"
        )
    return result


def assert_invalid(
    contract: Any,
    event: Any,
    kinds: Names = None,
    fields: Names = None,
    *,
    only: bool = False,
    now: Any = None,
) -> Verdict:
    """Assert that ``event`` fails ``contract``; returns the result (for an envelope
    contract, ``event`` is the payload: the wrapper or a record must fail).

    ``kinds`` (violation kinds, e.g. ``["range_violation"]``) and ``fields`` (dotted
    paths, e.g. ``["customer.id"]``; ``items[*].qty`` for any element): each must appear
    among the violations. With
    ``only=True`` every violation must also be of one of those kinds and on one of
    those fields, so no other rule broke. A kind this SDK does not know is a
    ``ValueError`` (a typo would otherwise fail every time).
    """
    __tracebackhide__ = True
    if isinstance(event, str) and event.lstrip()[:1] in ("{", "["):
        # validate() reads a str as one JSON string, which fails every contract of
        # objects: the assertion would pass whatever the text holds
        raise TypeError(
            "event is a str holding JSON text, which validate() reads as one JSON string "
            "(failing any contract, so this assertion could never fail): pass the text as "
            "bytes (text.encode()) or the decoded value"
        )
    want_kinds = _names(kinds, "kinds")
    want_fields = _names(fields, "fields")
    if only and not (want_kinds or want_fields):
        raise ValueError("only=True needs kinds= or fields= to compare against")
    _check_now(now)
    compiled = _compiled(contract)
    expected = _expectation(want_kinds, want_fields)
    result = _validate(compiled, event, now, expected)
    if not _fails(result):
        _fail(
            f"event satisfies {_label(compiled)}; expected it to fail{expected}\n"
            f"{_event_line(event)}"
        )
    seen_kinds = {str(v.kind) for v in result.violations}
    seen_fields = {v.field for v in result.violations}
    problems = [f"no {k} violation" for k in want_kinds if k not in seen_kinds]
    problems += [
        _no_field(f, seen_fields)
        for f in want_fields
        if not any(_matches(f, seen) for seen in seen_fields)
    ]
    if only:
        extra = [
            v
            for v in result.violations
            if (want_kinds and str(v.kind) not in want_kinds)
            or (want_fields and not any(_matches(f, v.field) for f in want_fields))
        ]
        if extra:
            others = ", ".join(f"{_shown(v.kind)} on {v.field!r}" for v in extra[:_OTHERS_MAX])
            if len(extra) > _OTHERS_MAX:
                others += f", ... ({len(extra) - _OTHERS_MAX} more)"
            problems.append(f"{_count(len(extra), 'other violation')} (only=True): {others}")
    if problems:
        _fail(
            f"event fails {_label(compiled)}, but not as expected{expected}: "
            + "; ".join(problems)
            + f"\nits {_count(len(result.violations), 'violation')}:\n"
            + _listing(result.violations, _VIOLATIONS_MAX)
            + f"\n{_event_line(event)}"
        )
    return result


def _no_field(field: str, seen: Iterable[str]) -> str:
    """The problem of a wanted field no violation is on, with the closest one that is
    (``items.0.sku`` for ``items[0].sku``)."""
    close = difflib.get_close_matches(field, sorted(seen), n=1, cutoff=0.75)
    hint = f" (there is one on {close[0]!r})" if close else ""
    return f"no violation on field {field!r}{hint}"


def _expectation(kinds: Sequence[str], fields: Sequence[str]) -> str:
    parts = []
    if kinds:
        parts.append("kind " + " and ".join(kinds))
    if fields:
        parts.append("field " + " and ".join(repr(f) for f in fields))
    return f" ({', '.join(parts)})" if parts else ""
