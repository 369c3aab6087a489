"""The reference path: one check closure per field (``compile(reference=True)``).

The generated code (:mod:`.codegen`) is what validates by default; these closures are the
plain reading of spec §4 it is tested against (differential tests over the parity corpus
and random contracts), and the fallback when a contract nests too deeply for Python's
compiler. Both paths share the value helpers (:mod:`.eventvalues`), the message templates
(:mod:`.messages`) and the rules after the walk (:mod:`.rules`).

Neither building the closures nor running them recurses per nesting level: the builder
is a walk run by :func:`~.walks.walk`, and a value's check pushes its
children onto a to-do list that :func:`run_checks` drains (last in, first out, so the
order is still depth-first), so a deep contract compiles and validates from any caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from .._frozenlist import EMPTY, FrozenList
from . import messages as M
from .values.eventvalues import (
    MISSING,
    TYPE_TESTS,
    enum_key,
    enum_ok,
    f64,
    is_number,
    jtype,
    render_value,
    utf8_len,
)
from .values.jsonvalue import is_valid_date, render_debug_str, render_f64, render_json
from .violations import ValidationResult, Violation
from .walks import Walk, walk

if TYPE_CHECKING:  # pragma: no cover
    from ..contract import FieldDefinition

__all__ = ["PASSED", "ROOT_RESULT", "Builder", "FailFast", "Out", "Stop", "run_checks"]

Out = List[Violation]
#: Checks waiting to run: ``(check, value, path)``, the next one last.
Todo = List[Tuple[Any, Any, str]]
Check = Callable[[Any, str, Out, Todo], None]

#: The verdicts both paths share: every passing event returns the same object.
PASSED = ValidationResult(True, EMPTY, 0)
ROOT_RESULT = ValidationResult(False, FrozenList((M.ROOT.violation("<root>"),)), 0)


class Stop(Exception):
    """Raised by a fail-fast sink at the first violation (``is_valid``)."""


class FailFast(List[Violation]):
    """A violation list that stops the walk at its first entry."""

    def append(self, v: Violation) -> None:
        raise Stop


def run_checks(checks: Sequence[Check], event: Any, out: Out) -> None:
    """Run the top-level field checks on ``event`` and, in depth-first order, every
    check they push onto the to-do list (a value's properties or elements)."""
    todo: Todo = [(check, event, "") for check in reversed(checks)]
    while todo:
        check, v, path = todo.pop()
        check(v, path, out, todo)


class Builder:
    """Turns field definitions into check closures. Holds the path-keyed pattern map of
    spec §2.2 (later fields in walk order win on a path collision).

    A field's path is known at compile time unless it sits below an array element
    (``a[3].b``); known paths resolve their pattern once, run-time ones look it up by
    text as the engine does.
    """

    def __init__(self, patterns: Dict[str, Callable[[str], Any]], null_as_absent: bool):
        self.patterns = patterns
        self.null_as_absent = null_as_absent
        # Run-time paths always contain a bracket, so they can only hit a pattern whose
        # path text has one.
        self.dynamic_patterns = any("[" in p for p in patterns)

    def field(self, fd: FieldDefinition, parent: Optional[str], static: bool) -> Check:
        """Look ``fd.name`` up in an object and check it. ``parent`` is the parent's path
        (None at the root); when ``static`` it is known now, else it arrives at run time."""
        check: Check = walk(self._field(fd, parent, static))
        return check

    def _field(self, fd: FieldDefinition, parent: Optional[str], static: bool) -> Walk[Any]:
        name = fd.name
        required = fd.required
        null_as_absent = self.null_as_absent
        # The engine joins with "." only under a non-empty parent path: the properties of
        # an object named "" sit at the root of the path space ("sku", not ".sku").
        path: Optional[str] = None
        if static:
            path = f"{parent}.{name}" if parent else name
        value_check: Check = yield self._value(fd, path)
        if path is not None:
            fixed_path = path
            missing = M.MISSING.violation(fixed_path, name=name)

            def check_static(obj: Any, _parent: str, out: Out, todo: Todo) -> None:
                v = obj.get(name, MISSING)
                if v is MISSING or (v is None and null_as_absent):
                    if required:
                        out.append(missing)
                    return
                value_check(v, fixed_path, out, todo)

            return check_static

        def check_dynamic(obj: Any, parent_path: str, out: Out, todo: Todo) -> None:
            v = obj.get(name, MISSING)
            here = f"{parent_path}.{name}" if parent_path else name
            if v is MISSING or (v is None and null_as_absent):
                if required:
                    out.append(M.MISSING.violation(here, name=name))
                return
            value_check(v, here, out, todo)

        return check_dynamic

    def _value(self, fd: FieldDefinition, static_path: Optional[str]) -> Walk[Any]:
        """Checks on one present value (spec §4.2.1, in order). ``static_path`` is the
        value's path when known at compile time. The check runs the value's own checks
        and pushes its properties (or elements) onto the to-do list, first one last."""
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
        fixed_matcher: Optional[Callable[[str], Any]] = None
        dynamic_lookup = False
        if static_path is not None:
            fixed_matcher = patterns.get(static_path)
        else:
            dynamic_lookup = self.dynamic_patterns
        enum_check = _enum_checker(fd.enum)
        children: Optional[List[Check]] = None
        if ftype == "object" and fd.properties is not None:
            static = static_path is not None
            children = []
            for p in fd.properties:
                children.append((yield self._field(p, static_path, static)))
            children.reverse()  # pushed onto the to-do list, so the first runs first
        item_check: Optional[Check] = None
        if ftype == "array" and fd.items is not None:
            item_check = yield self._value(fd.items, None)

        accepts = TYPE_TESTS[ftype]
        has_range = lo is not None or hi is not None
        str_checks = has_len or fixed_matcher is not None or dynamic_lookup or is_date
        min_text = None if lo is None else render_f64(lo)
        max_text = None if hi is None else render_f64(hi)

        def check_value(v: Any, path: str, out: Out, todo: Todo) -> None:
            if not accepts(v):
                out.append(M.TYPE.violation(path, path=path, expected=type_name, got=jtype(v)))
                return
            if str_checks and isinstance(v, str):
                if has_len:
                    n = utf8_len(v)
                    if min_len is not None and n < min_len:
                        out.append(M.LENGTH_MIN.violation(path, path=path, length=n, min=min_len))
                    if max_len is not None and n > max_len:
                        out.append(M.LENGTH_MAX.violation(path, path=path, length=n, max=max_len))
                matcher = patterns.get(path) if dynamic_lookup else fixed_matcher
                if matcher is not None and not matcher(v):
                    out.append(M.PATTERN.violation(path, path=path, value=render_debug_str(v)))
                if is_date and not is_valid_date(v):
                    out.append(M.DATE.violation(path, path=path, value=render_debug_str(v)))
            if has_range and is_number(v):
                x = f64(v)
                if lo is not None and x < lo:
                    out.append(
                        M.RANGE_MIN.violation(path, path=path, value=render_f64(x), min=min_text)
                    )
                if hi is not None and x > hi:
                    out.append(
                        M.RANGE_MAX.violation(path, path=path, value=render_f64(x), max=max_text)
                    )
            if enum_check is not None:
                enum_check(v, path, out)
            if children is not None:
                todo.extend([(child, v, path) for child in children])
            if item_check is not None:
                items = [(item_check, item, f"{path}[{i}]") for i, item in enumerate(v)]
                items.reverse()
                todo.extend(items)

        return check_value


def enum_sets(enum: Sequence[Any]) -> Tuple[FrozenSet[Tuple[str, Any]], Tuple[Any, ...]]:
    """An enum's scalar keys (:func:`~.eventvalues.enum_key`) and its containers, the
    arguments of :func:`~.eventvalues.enum_ok`."""
    keys = frozenset(k for k in (enum_key(e) for e in enum) if k is not None)
    containers = tuple(e for e in enum if isinstance(e, (dict, list, tuple)))
    return keys, containers


def allowed_text(enum: Sequence[Any]) -> str:
    """The ``{allowed}`` hole of the enum message: the enum as a JSON array."""
    return "[" + ", ".join(render_nested(e) for e in enum) + "]"


def render_nested(value: Any) -> str:
    """:func:`~.jsonvalue.render_json` of a value that may nest as deeply as a contract
    allows (an enum element: 124 levels), without recursion: arrays and objects (keys
    sorted) are written here from an explicit stack, everything else by ``render_json``."""
    t = type(value)
    if t is not list and t is not tuple and t is not dict:
        return render_json(value)
    out: List[str] = []
    stack: List[Tuple[bool, Any]] = [(False, value)]  # (is literal text, text or value)
    while stack:
        literal, item = stack.pop()
        t = type(item)
        if literal:
            out.append(item)
        elif t is list or t is tuple:
            parts: List[Tuple[bool, Any]] = [(True, "[")]
            for i, x in enumerate(item):
                if i:
                    parts.append((True, ","))
                parts.append((False, x))
            parts.append((True, "]"))
            stack.extend(reversed(parts))
        elif t is dict:
            parts = [(True, "{")]
            for i, k in enumerate(sorted(item)):
                parts.append((True, ("," if i else "") + render_json(k) + ":"))
                parts.append((False, item[k]))
            parts.append((True, "}"))
            stack.extend(reversed(parts))
        else:
            out.append(render_json(item))
    return "".join(out)


def _enum_checker(enum: Optional[Sequence[Any]]) -> Optional[Callable[[Any, str, Out], None]]:
    if enum is None:
        return None
    allowed = allowed_text(enum)
    keys, containers = enum_sets(enum)

    def check_enum(v: Any, path: str, out: Out) -> None:
        if not enum_ok(v, keys, containers):
            out.append(M.ENUM.violation(path, path=path, value=render_value(v), allowed=allowed))

    return check_enum
