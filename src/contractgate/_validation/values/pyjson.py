"""Python objects as the JSON the gateway would decode from their text.

The validator takes events as decoded JSON (``dict``/``list``/``str``/``int``/``float``/
``bool``/``None``). A Python caller may hold other objects: tuples, ints beyond 64 bits,
non-``str`` keys. :func:`to_event_value` maps them onto the data model exactly as the
gateway would read ``json.dumps(obj)`` (an int beyond 64 bits is the float serde_json
decodes, beyond f64 "number out of range"), or raises :class:`EventTypeError` naming the
path of a value with no JSON form.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Tuple, Union

from ...exceptions import EventDecodeError, EventTypeError
from .jsondecode import (
    _I64_MIN,
    _NUMBER_OUT_OF_RANGE,
    _SURROGATE_RE,
    _U64_MAX,
    MAX_DEPTH,
    _number_value,
    _NumberOutOfRange,
)

__all__ = ["int_as_json_number", "to_event_value"]

def to_event_value(obj: Any) -> Any:
    """Map a Python object onto the JSON data model the validator uses.

    Returns ``obj`` itself when it already is a clean JSON value (dicts with ``str``
    keys, lists, ``str``, ``int`` within u64/i64, finite ``float``, ``bool``, ``None``,
    at most 127 containers deep); otherwise a converted copy:

    * ``tuple`` → ``list``; other ``Mapping`` types → ``dict``; subclasses of ``int``,
      ``float`` and ``str`` (enums …) → the plain value;
    * an ``int`` outside [−2⁶³, 2⁶⁴−1] → the ``float`` serde_json decodes from its digits
      (appendix B), or :class:`EventDecodeError` ``number out of range`` past ~1e308;
    * NaN and ±inf, and strings with lone surrogates → :class:`EventDecodeError` (JSON
      text cannot carry them);
    * a non-``str`` dict key, any other type (``set``, ``bytes``, ``datetime``,
      ``Decimal``, custom objects …), or nesting deeper than 127 →
      :class:`EventTypeError` naming the path (``event.items[2]``) and the type.
    """
    if _is_clean(obj):
        return obj
    return _convert(obj, "event", 0)


def _is_clean(obj: Any) -> bool:
    t = type(obj)
    if t is not dict and t is not list:
        return _clean_scalar(obj)
    stack: List[Tuple[Any, int]] = [(obj, 1)]
    pop = stack.pop
    push = stack.append
    isfinite = math.isfinite
    while stack:
        container, depth = pop()
        if depth > MAX_DEPTH:
            return False
        if type(container) is dict:
            for k in container:
                if type(k) is not str or (not k.isascii() and _SURROGATE_RE.search(k)):
                    return False
            items = container.values()
        else:
            items = container
        for v in items:
            t = type(v)
            if t is str:
                if not v.isascii() and _SURROGATE_RE.search(v):
                    return False
            elif t is int:
                if not _I64_MIN <= v <= _U64_MAX:
                    return False
            elif t is float:
                if not isfinite(v):
                    return False
            elif t is dict or t is list:
                push((v, depth + 1))
            elif v is not None and t is not bool:
                return False
    return True


def _clean_scalar(v: Any) -> bool:
    t = type(v)
    if t is str:
        return bool(v.isascii()) or _SURROGATE_RE.search(v) is None
    if t is int:
        return bool(_I64_MIN <= v <= _U64_MAX)
    if t is float:
        return math.isfinite(v)
    return v is None or t is bool


def check_text(s: str, path: str = "the value") -> str:
    """``s`` when JSON text can carry it; a lone surrogate (``"\\ud800"`` in Python) is an
    :class:`EventDecodeError`, as the gateway's decoder refuses its escape."""
    if not s.isascii() and _SURROGATE_RE.search(s):
        raise EventDecodeError("lone surrogate in string (JSON text cannot carry it)", path=path)
    return s


def _convert(v: Any, path: str, depth: int) -> Any:
    """Slow path of to_event_value; recursion depth is bounded by MAX_DEPTH."""
    if v is None or isinstance(v, bool):
        return None if v is None else bool(v)
    if isinstance(v, str):
        return check_text(str.__str__(v), path)
    if isinstance(v, int):
        return _convert_int(int(v), path)
    if isinstance(v, float):
        f = float(v)
        if not math.isfinite(f):
            raise EventDecodeError(
                f"{f!r} is not a JSON number (JSON has no NaN or Infinity)", path=path
            )
        return f
    if isinstance(v, (dict, Mapping)):
        _check_depth(depth, path)
        out: Dict[str, Any] = {}
        for k, x in v.items():
            if not isinstance(k, str):
                raise EventTypeError(
                    f"object key {k!r} at {path} is a {type(k).__name__}; "
                    "JSON object keys must be str",
                    path=path,
                    python_type=type(k).__name__,
                )
            key = _convert(k, f"{path} (key)", depth)
            out[key] = _convert(x, f"{path}.{key}", depth + 1)
        return out
    if isinstance(v, (list, tuple)):
        _check_depth(depth, path)
        return [_convert(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(v)]
    name = type(v).__name__
    raise EventTypeError(
        f"{path} is a {name}, which is not a JSON value (use dict, list, tuple, str, int, "
        "float, bool or None)",
        path=path,
        python_type=name,
    )


def _check_depth(depth: int, path: str) -> None:
    if depth >= MAX_DEPTH:
        raise EventTypeError(
            f"{path} nests deeper than {MAX_DEPTH} arrays/objects, the gateway's JSON limit",
            path=path,
        )


def _convert_int(v: int, path: str) -> Union[int, float]:
    try:
        return int_as_json_number(v)
    except EventDecodeError:
        raise EventDecodeError(_NUMBER_OUT_OF_RANGE, path=path) from None


def int_as_json_number(v: int) -> Union[int, float]:
    """What serde_json decodes the JSON text of the Python int ``v`` to: ``v`` itself
    within [−2⁶³, 2⁶⁴−1], else the float of appendix B. Beyond f64 it raises
    :class:`EventDecodeError` ``number out of range``, as serde_json does for that text
    (without ``str()`` of the int: Python refuses ints over 4,300 digits there)."""
    if _I64_MIN <= v <= _U64_MAX:
        return v
    if v.bit_length() > 1100:  # > 330 digits: always beyond f64
        raise EventDecodeError(_NUMBER_OUT_OF_RANGE)
    try:
        return _number_value(int.__repr__(v))
    except _NumberOutOfRange:
        raise EventDecodeError(_NUMBER_OUT_OF_RANGE) from None
