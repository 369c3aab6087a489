"""Typing already-decoded Python data as a contract (``Contract.from_dict``).

The same target descriptions as the YAML reader (:mod:`.serde_types`), with
``serde_json::from_value``'s rules: the same messages and paths, no marks. Values come
out as plain Python types (a ``str`` subclass as ``str``, a ``float`` subclass as
``float``…).
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, NoReturn, Optional, Sequence, Tuple, Union

from ...exceptions import ContractCompileError
from ..values.render import render_debug_str
from ..walks import Walk, walk
from .serde_types import (
    F64,
    RECURSION_LIMIT,
    Bool,
    DeError,
    Enum,
    Json,
    Opt,
    PathT,
    Seq,
    Str,
    Struct,
    TypeSpec,
    UInt,
    invalid_type,
    invalid_value,
    unexpected_float,
)

__all__ = ["f64_json", "json_list", "json_to_python", "read_field", "read_python", "wrong_type"]

_I64_MIN, _U64_END = -(1 << 63), 1 << 64


class _PyReader:
    """Types plain Python data (e.g. ``json.load`` output) with the same descriptions.

    Errors follow ``serde_json::from_value``: the same messages and paths, no marks.
    ``de`` and ``json`` answer a scalar at once and a container with a :data:`Walk`
    (run by :func:`walk`), so nesting costs no Python frames.
    """

    def __init__(self) -> None:
        self.depth = RECURSION_LIMIT
        self.lowest = RECURSION_LIMIT  # the least depth left so far

    def _enter(self) -> None:
        if self.depth == 0:
            raise DeError("recursion limit exceeded", fixable=False)
        self.depth -= 1
        self.lowest = min(self.lowest, self.depth)

    def _fail(self, value: Any, expected: str, path: PathT) -> NoReturn:
        err = invalid_type(_describe_py(value), expected)
        err.fix(None, path)
        raise err

    def de(self, ty: TypeSpec, value: Any, path: PathT) -> Any:
        """The typed value, or a :data:`Walk` that returns it."""
        if isinstance(ty, Opt):
            return None if value is None else self.de(ty.inner, value, path)
        if isinstance(ty, Str):
            if isinstance(value, str):
                return _text(value)
            self._fail(value, "a string", path)
        if isinstance(ty, Bool):
            if isinstance(value, bool):
                return value
            self._fail(value, "a boolean", path)
        if isinstance(ty, F64):
            if isinstance(value, float):
                return float(value)
            if isinstance(value, int) and not isinstance(value, bool):
                try:
                    return float(value)
                except OverflowError:
                    err = DeError("number out of range")
                    err.fix(None, path)
                    raise err from None
            self._fail(value, "f64", path)
        if isinstance(ty, UInt):
            if isinstance(value, int) and not isinstance(value, bool):
                if 0 <= value < _U64_END:
                    return int(value)
                err = invalid_value(f"integer `{value}`", ty.expecting)
                err.fix(None, path)
                raise err
            self._fail(value, ty.expecting, path)
        if isinstance(ty, Enum):
            if isinstance(value, str):
                if value in ty.variants:
                    return ty.variants[value]
                err = DeError(f"unknown variant `{value}`, expected {ty.expected}")
                err.fix(None, path)
                raise err
            self._fail(value, "string or map", path)
        if isinstance(ty, Seq):
            if isinstance(value, (list, tuple)):
                self._enter()
                return self._seq(ty, value, path)
            self._fail(value, "a sequence", path)
        if isinstance(ty, Struct):
            if isinstance(value, Mapping):
                self._enter()
                return self._struct(ty, value, path)
            self._fail(value, ty.expecting, path)
        if isinstance(ty, Json):
            return self.json(value, path)
        raise TypeError(f"unknown type spec {ty!r}")  # pragma: no cover

    def _seq(self, ty: Seq, value: Any, path: PathT) -> Walk[Any]:
        out: List[Any] = []
        for i, v in enumerate(value):
            out.append((yield self.de(ty.elem, v, ("s", path, i))))
        self.depth += 1
        return out

    def _struct(self, ty: Struct, value: Mapping[Any, Any], path: PathT) -> Walk[Any]:
        values: Dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                self._fail(key, "field identifier", path)
            field = ty.by_key.get(key)
            if field is None:
                continue
            if field.name in values:
                err = DeError(f"duplicate field `{field.name}`")
                err.fix(None, path)
                raise err
            values[field.name] = yield self.de(field.ty, item, ("m", path, key))
        self.depth += 1
        try:
            return ty.finish(values)
        except DeError as err:
            err.fix(None, path)
            raise

    def json(self, value: Any, path: PathT) -> Any:
        """The JSON value, or a :data:`Walk` that returns it."""
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            return _text(value)
        if isinstance(value, int):
            if _I64_MIN <= value < _U64_END:
                return int(value)
            # serde_json reads an integer literal outside i64/u64 as an f64.
            try:
                return float(value)
            except OverflowError:
                err = DeError("number out of range")
                err.fix(None, path)
                raise err from None
        if isinstance(value, float):
            return float(value) if math.isfinite(value) else None
        if isinstance(value, (list, tuple)):
            self._enter()
            return self._json_array(value, path)
        if isinstance(value, Mapping):
            self._enter()
            return self._json_object(value, path)
        self._fail(value, "any valid JSON value", path)

    def _json_array(self, value: Any, path: PathT) -> Walk[Any]:
        arr: List[Any] = []
        for i, v in enumerate(value):
            arr.append((yield self.json(v, ("s", path, i))))
        self.depth += 1
        return arr

    def _json_object(self, value: Mapping[Any, Any], path: PathT) -> Walk[Any]:
        obj: Dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                self._fail(key, "a string", path)
            key = _text(key)
            obj[key] = yield self.json(item, ("m", path, key))
        self.depth += 1
        return {k: obj[k] for k in sorted(obj)}


def _text(value: str) -> str:
    """``value`` as a plain ``str``: the validator matches exact ``str``, so a subclass
    (a ``(str, Enum)`` member, ``numpy.str_``) in an ``enum`` would never match."""
    return value if type(value) is str else str.__str__(value)


def _describe_py(value: Any) -> str:
    if value is None:
        return "unit value"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return unexpected_float(value)
    if isinstance(value, str):
        return f"string {render_debug_str(value)}"
    if isinstance(value, (list, tuple)):
        return "sequence"
    if isinstance(value, Mapping):
        return "map"
    return f"Python value of type {type(value).__name__}"


def read_python(data: Any, root: TypeSpec, *, file: Optional[str] = None) -> Any:
    """Type already-decoded Python data as ``root`` (``Contract.from_dict``, the models'
    ``from_yaml`` helpers)."""
    try:
        return walk(_PyReader().de(root, data, None))
    except DeError as err:
        raise err.to_compile_error(file) from None


_JSON_LIST = Seq(Json())


def read_field(ty: TypeSpec, value: Any, owner: str) -> Tuple[Any, int]:
    """A hand-built model's field value as ``from_dict`` reads it (so that ``to_dict()``
    reads back the same), and the levels of nesting the reading entered; errors name
    ``owner`` (``FieldDefinition.enum[0]: …``)."""
    reader = _PyReader()
    try:
        result = walk(reader.de(ty, value, ("m", None, owner)))
    except DeError as err:
        raise err.to_compile_error(None) from None
    return result, RECURSION_LIMIT - reader.lowest


def json_list(values: Sequence[Any], owner: str) -> List[Any]:
    """A hand-built model's list of JSON values (``FieldDefinition.enum``) as
    ``from_dict`` reads it; errors name ``owner``."""
    result: List[Any] = read_field(_JSON_LIST, values, owner)[0]
    return result


def wrong_type(value: Any, expected: str, owner: str) -> ContractCompileError:
    """serde's "invalid type" error for ``value``, at ``owner``."""
    err = invalid_type(_describe_py(value), expected)
    err.fix(None, ("m", None, owner))
    return err.to_compile_error(None)


def f64_json(x: Optional[float]) -> Optional[float]:
    """serde_json's rendering of an ``Option<f64>``: non-finite → null, always a float."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def json_to_python(value: Any) -> Union[bool, int, float, str, List[Any], Dict[str, Any], None]:
    """A deep copy of a JSON value with tuples turned into lists (for ``to_dict``)."""
    if isinstance(value, (list, tuple)):
        return [json_to_python(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_to_python(value[k]) for k in sorted(value)}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value  # type: ignore[no-any-return]
