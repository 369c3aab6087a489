"""The validator's JSON value layer: serde_json's data model in Python.

Values are ``None``, ``bool``, ``int`` (JSON integers: fit u64, or i64 when negative),
``float`` (every other JSON number, finite), ``str``, ``list`` and ``dict`` (``str``
keys). :func:`loads` produces them from JSON text with serde_json's exact decoding;
:func:`to_event_value` maps other Python objects onto them.

Implementation is split by topic and re-exported here:

* :mod:`.jsondecode` — :func:`loads`, the error types and the
  appendix-B number algorithm;
* :mod:`.render` — :func:`render_f64` (``{F:}``), :func:`render_json` (``{J:}``),
  :func:`render_debug_str` (``{D:}``);
* :mod:`.dates` — :func:`is_valid_date`.

This module adds the helpers that compare and classify values.
"""

from __future__ import annotations

from typing import Any, Mapping, Union

from ..freshstack import with_room
from .dates import is_valid_date
from .jsondecode import (
    MAX_DEPTH,
    EventDecodeError,
    EventTypeError,
    loads,
    number_from_literal,
)
from .pyjson import to_event_value
from .render import (
    render_debug_str,
    render_f64,
    render_json,
    render_json_float,
    uniqueness_key,
)

__all__ = [
    "MAX_DEPTH",
    "EventDecodeError",
    "EventTypeError",
    "f64_of",
    "is_valid_date",
    "json_equal",
    "json_type_name",
    "loads",
    "number_from_literal",
    "render_debug_str",
    "render_f64",
    "render_json",
    "render_json_float",
    "to_event_value",
    "uniqueness_key",
]

_SCALAR_NAMES = {
    str: "string",
    int: "integer",
    float: "float",
    bool: "boolean",
    type(None): "null",
    list: "array",
    tuple: "array",
    dict: "object",
}


def json_type_name(v: Any) -> str:
    """serde_json's type word for a value: ``null``, ``boolean``, ``integer``, ``float``,
    ``string``, ``array`` or ``object`` (``int`` → integer, ``float`` → float, ``bool`` →
    boolean). Raises :class:`EventTypeError` for a non-JSON value."""
    name = _SCALAR_NAMES.get(type(v))
    if name is not None:
        return name
    if isinstance(v, bool):  # pragma: no cover - bool cannot be subclassed
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        return "array"
    if isinstance(v, Mapping):
        return "object"
    raise EventTypeError(f"{type(v).__name__} is not a JSON value", python_type=type(v).__name__)


def _kind(v: Any) -> str:
    return json_type_name(v)


def json_equal(a: Any, b: Any) -> bool:
    """serde_json ``Value`` equality (spec §4.7).

    An integer never equals a float (``1`` ≠ ``1.0``, ``0`` ≠ ``-0.0``), a bool never
    equals a number, floats compare as f64 (``-0.0 == 0.0``), strings by code points,
    arrays element-wise, objects as unordered maps, ``null`` only equals ``null``.
    Called with little stack left, deep values are compared again in a fresh thread.
    """
    return with_room(_json_equal, a, b)


def _json_equal(a: Any, b: Any) -> bool:
    ta = type(a)
    if ta is type(b):
        if ta is dict:
            if len(a) != len(b):
                return False
            for k, x in a.items():
                if k not in b or not _json_equal(x, b[k]):
                    return False
            return True
        if ta is list or ta is tuple:
            return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
        return bool(a == b)
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        return False
    if ka == "object":
        if len(a) != len(b):
            return False
        return all(k in b and _json_equal(x, b[k]) for k, x in a.items())
    if ka == "array":
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return bool(a == b)


def f64_of(v: Union[int, float]) -> float:
    """The f64 a JSON number is compared as in range checks (spec §4.6): an ``int`` is
    rounded to the nearest f64, ties to even (``9007199254740993`` → ``9007199254740992.0``),
    which is exactly Python's ``float(int)``."""
    return float(v)
