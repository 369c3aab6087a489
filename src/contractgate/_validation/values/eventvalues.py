"""Python event values as the gateway sees them: one classification for both paths.

Values decoded by :func:`~.jsondecode.loads` are already canonical. Values built in
Python may hold big ints, tuples, subclasses or non-JSON types; every helper here treats
such a value as what its JSON text would decode to in serde_json (spec §3):

* an ``int`` within [−2⁶³, 2⁶⁴−1] is a JSON integer; beyond it, the float serde_json
  decodes its digits to; beyond f64, :class:`EventDecodeError` ``number out of range``
  (the gateway rejects that text) — never a raw ``ValueError`` from ``str()``;
* a non-finite ``float``, a non-``str`` key or a non-JSON type is
  :class:`EventTypeError`;
* ``tuple`` is an array, ``dict`` subclasses are objects, ``bool`` is never a number.

Both the generated code and the reference closures call these helpers (the generated code
only on its slow branches), so the two paths classify every value the same way.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, FrozenSet, Optional, Tuple

from ...exceptions import EventTypeError
from ..freshstack import with_room
from .jsonvalue import MAX_DEPTH, json_equal, render_json
from .pyjson import check_text, int_as_json_number

__all__ = [
    "I64_MAX",
    "I64_MIN",
    "MISSING",
    "TYPE_TESTS",
    "U64_MAX",
    "accepts_integer",
    "accepts_number",
    "check_finite",
    "enum_key",
    "enum_ok",
    "f64",
    "is_number",
    "jtype",
    "normalise",
    "render_value",
    "resolve",
    "utf8_len",
]

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1
U64_MAX = 2**64 - 1


class _Missing:
    """The "no such key" sentinel. It pickles by reference (``__reduce__`` names the
    module global), so code copied by value into another process (cloudpickle) still
    compares it by identity with the helpers' own."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def jtype(v: Any) -> str:
    """serde_json's ``json_type_name`` for a Python value (spec §4.3), or a typed error
    if the value has no JSON form."""
    t = type(v)
    if t is str:
        return "string"
    if t is bool:
        return "boolean"
    if t is int:
        return "integer" if I64_MIN <= v <= U64_MAX else _big_int_type(v)
    if t is float:
        check_finite(v)
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
        return "integer" if I64_MIN <= v <= U64_MAX else _big_int_type(int(v))
    if isinstance(v, float):
        check_finite(v)
        return "float"
    if isinstance(v, dict):
        return "object"
    if isinstance(v, (list, tuple)):
        return "array"
    raise EventTypeError(
        f"value of type {type(v).__name__} is not a JSON value (use str, int, float, bool, "
        "None, list, tuple or dict)",
        python_type=type(v).__name__,
    )


def _big_int_type(v: int) -> str:
    int_as_json_number(v)  # beyond f64: "number out of range", as for its JSON text
    return "float"


def check_finite(v: float) -> None:
    if not math.isfinite(v):
        raise EventTypeError(
            f"{v!r} is not a JSON number (JSON has no NaN or Infinity)", python_type="float"
        )


def is_number(v: Any) -> bool:
    """A JSON number: ``int`` or ``float``, never ``bool``."""
    t = type(v)
    if t is int or t is float:
        return True
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def f64(v: Any) -> float:
    """The f64 a number is compared as (spec §4.6): ints round half-to-even (Python's
    ``float(int)``); ints beyond 64 bits follow serde_json's decoding of their digits."""
    if type(v) is float:
        check_finite(v)
        return float(v)
    if isinstance(v, bool):  # pragma: no cover - callers exclude bools
        raise TypeError("bool is not a number")
    if isinstance(v, int) and not (I64_MIN <= v <= U64_MAX):
        return float(int_as_json_number(int(v)))
    f = float(v)
    check_finite(f)
    return f


def utf8_len(s: str) -> int:
    """Length in UTF-8 bytes (spec §4.5); a lone surrogate is ``check_text``'s error, as
    for every rule that reads a string's text."""
    if s.isascii():
        return len(s)
    try:
        return len(s.encode("utf-8"))
    except UnicodeEncodeError:
        check_text(s)
        raise  # pragma: no cover - only a lone surrogate fails to encode


def enum_key(v: Any) -> Optional[Tuple[str, Any]]:
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
        if I64_MIN <= v <= U64_MAX:
            return ("i", v)
        return ("f", f64(v))
    if t is float:
        return ("f", v)
    if isinstance(v, (dict, list, tuple)):
        return None
    jtype(v)  # raises for non-JSON types
    return enum_key(_canonical_scalar(v))


def enum_ok(v: Any, keys: FrozenSet[Tuple[str, Any]], containers: Tuple[Any, ...]) -> bool:
    """Strict JSON-equality membership (spec §4.7): ``keys`` are the enum's scalar keys
    (:func:`enum_key`), ``containers`` its arrays and objects."""
    k = enum_key(v)
    if k is not None:
        return k in keys
    return any(json_equal(normalise(v), e) for e in containers)


def _canonical_scalar(v: Any) -> Any:
    """A subclass's value as the clients send it: the base type's own conversion, never
    the subclass's ``__str__`` (``class C(str, Enum)`` prints ``C.RED`` but is sent as
    ``"red"``, as ``json`` writes it)."""
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, str):
        return str.__str__(v)
    if isinstance(v, int):
        return int.__int__(v)
    if isinstance(v, float):
        return float.__float__(v)
    return v  # pragma: no cover


def render_value(v: Any) -> str:
    """``{J:}`` of an event value (big ints and tuples normalised first)."""
    return render_json(normalise(v))


def normalise(v: Any) -> Any:
    """The value as serde_json would hold it: plain types, big ints as floats, tuples as
    lists (an error for anything without a JSON form).  Called with little stack left, a
    deep value is normalised again in a fresh thread (``freshstack``)."""
    return with_room(_normalise, v, 0)


def _normalise(v: Any, depth: int) -> Any:
    t = type(v)
    if t is str or t is bool or v is None or t is float:
        if t is float:
            check_finite(v)
        elif t is str:
            check_text(v)
        return v
    if t is int:
        return v if I64_MIN <= v <= U64_MAX else f64(v)
    if depth >= MAX_DEPTH:  # a value this deep is in an event deeper than the gateway reads
        raise EventTypeError("event nests deeper than any JSON document the gateway accepts")
    if isinstance(v, dict):
        out: Dict[str, Any] = {}
        for k, x in v.items():
            if not isinstance(k, str):
                raise EventTypeError(
                    f"object key {k!r} is a {type(k).__name__}; JSON object keys are strings",
                    python_type=type(k).__name__,
                )
            out[check_text(str.__str__(k))] = _normalise(x, depth + 1)
        return out
    if isinstance(v, (list, tuple)):
        return [_normalise(x, depth + 1) for x in v]
    jtype(v)
    return _normalise(_canonical_scalar(v), depth)


def resolve(event: Any, dotted: str) -> Any:
    """Dot-split path through objects only (metrics, quality rules, §4.9); MISSING when
    a segment does not resolve."""
    cur = event
    for seg in dotted.split("."):
        if isinstance(cur, dict):
            cur = cur.get(seg, MISSING)
            if cur is MISSING:
                return MISSING
        else:
            return MISSING
    return cur


# --------------------------------------------------------------------------------------
# Type tests (spec §4.3)


def accepts_string(v: Any) -> bool:
    return isinstance(v, str)


def accepts_integer(v: Any) -> bool:
    t = type(v)
    if t is int:
        return I64_MIN <= v <= U64_MAX  # type: ignore[no-any-return]
    if t is float or t is str or t is bool:
        return False
    return isinstance(v, int) and not isinstance(v, bool) and I64_MIN <= v <= U64_MAX


def accepts_number(v: Any) -> bool:
    t = type(v)
    if t is float:
        check_finite(v)
        return True
    if t is int:
        if not I64_MIN <= v <= U64_MAX:
            int_as_json_number(v)  # beyond f64: the gateway rejects the event's text
        return True
    if is_number(v):
        if isinstance(v, int):
            return accepts_number(int(v))
        return accepts_number(float(v))
    return False


def accepts_boolean(v: Any) -> bool:
    return isinstance(v, bool)


def accepts_object(v: Any) -> bool:
    return isinstance(v, dict)


def accepts_array(v: Any) -> bool:
    return isinstance(v, (list, tuple))


def accepts_any(v: Any) -> bool:
    jtype(v)  # a non-JSON Python value is an error, not a pass
    return True


#: The type test of each ``FieldType`` value (spec §4.3).
TYPE_TESTS: Dict[str, Callable[[Any], bool]] = {
    "string": accepts_string,
    "integer": accepts_integer,
    "float": accepts_number,
    "boolean": accepts_boolean,
    "object": accepts_object,
    "array": accepts_array,
    "any": accepts_any,
    "date": accepts_string,
}
