"""How the wire models read the gateway's JSON: tolerantly (spec gateway-api.md §9.2).

A value of the wrong type reads as the field's default, never as an error, so a newer
gateway's answer never fails to decode after it already stored a batch (v0.1 raised
there). Each model field is read by the reader its annotation calls for; the models
themselves (:mod:`contractgate.models`) only declare fields.
"""

from __future__ import annotations

import collections.abc
import dataclasses
from collections.abc import Mapping as MappingABC
from dataclasses import field
from typing import (
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from ._frozenlist import EMPTY, FrozenList
from ._validation.violations import Violation

M = TypeVar("M", bound="Model")

EMPTY_MAPPING: Mapping[str, Any] = {}

# ---------------------------------------------------------------- tolerant field readers


def read_str(d: Mapping[str, Any], key: str, default: str = "") -> str:
    v = d.get(key)
    return v if isinstance(v, str) else default


def read_optional_str(d: Mapping[str, Any], key: str) -> Optional[str]:
    v = d.get(key)
    return v if isinstance(v, str) else None


def read_int(d: Mapping[str, Any], key: str, default: int = 0) -> int:
    v = d.get(key)
    if isinstance(v, bool):
        return default
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return default


def read_optional_int(d: Mapping[str, Any], key: str) -> Optional[int]:
    v = d.get(key)
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return int(v)


def read_float(d: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return default
    return float(v)


def read_optional_float(d: Mapping[str, Any], key: str) -> Optional[float]:
    v = d.get(key)
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def read_bool(d: Mapping[str, Any], key: str, default: bool = False) -> bool:
    v = d.get(key)
    return v if isinstance(v, bool) else default


def read_optional_bool(d: Mapping[str, Any], key: str) -> Optional[bool]:
    v = d.get(key)
    return v if isinstance(v, bool) else None


def objects(v: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(v, list):
        for item in v:
            if type(item) is dict or isinstance(item, Mapping):
                yield item


new_object = object.__new__


def violations_of(v: Any) -> Tuple[Violation, ...]:
    if not v:
        return EMPTY
    return FrozenList(Violation.from_dict(x) for x in objects(v))


def strings_of(v: Any) -> Tuple[str, ...]:
    if not isinstance(v, list):
        return EMPTY
    return FrozenList(x for x in v if isinstance(x, str))


def models_of(cls: Any, v: Any) -> Tuple[Any, ...]:
    return FrozenList(cls.from_dict(x) for x in objects(v))


def parse_list(cls: type[M], data: Any) -> list[M]:
    """Parse a JSON array of objects (non-objects are skipped)."""
    return [cls.from_dict(x) for x in objects(data)]


Reader = Callable[[Mapping[str, Any], str], Any]


def reader_for(hint: Any, default: Any) -> Reader:
    """How a field of this annotation reads its JSON key, tolerantly (spec §9.2): a value
    of the wrong type reads as the field's default, never as an error."""
    args = get_args(hint)
    optional = get_origin(hint) is Union and type(None) in args
    if optional:
        hint = next(a for a in args if a is not type(None))
        args = get_args(hint)
    scalars: Dict[Any, Tuple[Reader, Callable[[Mapping[str, Any], str, Any], Any]]] = {
        str: (read_optional_str, read_str),
        bool: (read_optional_bool, read_bool),
        int: (read_optional_int, read_int),
        float: (read_optional_float, read_float),
    }
    if hint in scalars:
        read_optional, read = scalars[hint]
        if optional:
            return read_optional
        zero = hint() if default is None else default  # a required field reads as "", 0…
        return lambda d, k: read(d, k, zero)
    if get_origin(hint) in (tuple, collections.abc.Sequence):
        item = args[0]
        if item is Violation:
            return lambda d, k: violations_of(d.get(k))
        if item is str:
            return lambda d, k: strings_of(d.get(k))
        if isinstance(item, type) and hasattr(item, "from_dict"):
            return lambda d, k: models_of(item, d.get(k))
        return lambda d, k: FrozenList(d[k]) if isinstance(d.get(k), list) else EMPTY
    if get_origin(hint) in (Mapping, collections.abc.Mapping):
        return lambda d, k: d[k] if isinstance(d.get(k), Mapping) else None
    return lambda d, k: d.get(k)  # Any: the JSON value as it is


_READERS: Dict[type, List[Tuple[str, Reader]]] = {}


def readers_of(cls: type) -> List[Tuple[str, Reader]]:
    """One reader per wire field of a model class (``raw`` and SDK metadata excluded)."""
    readers = _READERS.get(cls)
    if readers is None:
        hints = get_type_hints(cls)
        readers = []
        for f in dataclasses.fields(cls):
            if not f.compare:  # raw, status_code …: not read from the body
                continue
            default = f.default if f.default is not dataclasses.MISSING else None
            readers.append((f.name, reader_for(hints[f.name], default)))
        _READERS[cls] = readers
    return readers


class Model:
    """Shared behaviour. Subclasses are frozen dataclasses whose fields carry the JSON
    names; ``raw`` keeps the decoded object (unknown keys included)."""

    raw: Mapping[str, Any]

    @classmethod
    def from_dict(cls: type[M], raw: Mapping[str, Any]) -> M:
        """Decode the gateway's JSON object, each field by its type (see :func:`reader_for`)."""
        values = {name: read(raw, name) for name, read in readers_of(cls)}
        return cls(raw=raw, **values)  # type: ignore[call-arg]

    def to_dict(self) -> Dict[str, Any]:
        """The JSON object this model was decoded from (unknown keys included)."""
        return dict(self.raw)


class DictCompat(Model, MappingABC):  # type: ignore[type-arg]
    """v0.1 returned some answers as plain dicts: such a model is also a read-only
    ``Mapping`` of the decoded JSON (``result["passed"]``, ``dict(result)``, ``items()``,
    ``== {...}``), while its attributes are typed."""

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


def raw_field() -> Any:
    return field(default_factory=dict, repr=False, compare=False)


