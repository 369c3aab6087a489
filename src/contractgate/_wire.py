"""How the wire models read the gateway's JSON: tolerantly (spec gateway-api.md §9.2).

A missing key, or a value of another JSON type, reads as the field's default, never as an
error, so a newer gateway's answer never fails to decode after it already stored a batch
(v0.1 raised there). What a field could only hold by making a value up is
:class:`WrongValue` (the clients' ``InvalidResponseError``, naming the field and what it
held): a number no double holds, a count that is not an integer, an array item that is
not the object the array holds, a violation without string ``field``/``message``/``kind``.
Each model field is read by the reader its annotation calls for; the models themselves
(:mod:`contractgate.models`) only declare fields.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import math
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

from ._frozenlist import EMPTY, FrozenList, freeze_fields
from ._validation.violations import BatchRecordViolation, Violation

M = TypeVar("M", bound="Model")

EMPTY_MAPPING: Mapping[str, Any] = {}

# ---------------------------------------------------------------- values no field holds


class WrongValue(ValueError):
    """A value a model cannot hold without making one up (see the module docstring).
    Raised while a model reads an answer; the clients turn it into an
    ``InvalidResponseError`` whose message is this one (``responses.undecodable``)."""

    def within(self, where: str) -> WrongValue:
        """The same error, its message prefixed with where the value sits."""
        return type(self)(f"{where}: {self}")


class BeyondDouble(WrongValue, OverflowError):
    """A number no double holds (``1e999``, which the JSON decoder reads as ``inf``, or a
    400-digit integer where a fraction belongs)."""


#: a key's value when the key is absent (``json_kind`` names it "missing")
MISSING: Any = object()
_JSON_KINDS = {str: "a string", bool: "a boolean", list: "an array"}


def json_kind(v: Any) -> str:
    """``v`` named as JSON names it, for messages."""
    if v is MISSING:
        return "missing"
    if v is None:
        return "null"
    if isinstance(v, float):
        return f"the number {v!r}" if math.isfinite(v) else "a number beyond a double"
    if isinstance(v, Mapping):
        return "an object"
    return _JSON_KINDS.get(type(v), "a number")


def _int_value(d: Mapping[str, Any], key: str) -> Optional[int]:
    """The integer at ``key``; None when absent or not a number (the field's default)."""
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    if isinstance(v, int):
        return v
    if not math.isfinite(v):
        raise BeyondDouble(f"{key!r} is {json_kind(v)}, not an integer")
    if not v.is_integer():
        raise WrongValue(f"{key!r} is {json_kind(v)}, not an integer")
    return int(v)


def _float_value(d: Mapping[str, Any], key: str) -> Optional[float]:
    """The number at ``key`` as a float; None when absent or not a number."""
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        f = float(v)
    except OverflowError:  # an integer of 309 digits or more
        f = math.inf
    if not math.isfinite(f):
        raise BeyondDouble(f"{key!r} is a number beyond a double, not a finite number")
    return f


# ---------------------------------------------------------------- tolerant field readers


def read_str(d: Mapping[str, Any], key: str, default: str = "") -> str:
    v = d.get(key)
    return v if isinstance(v, str) else default


def read_optional_str(d: Mapping[str, Any], key: str) -> Optional[str]:
    v = d.get(key)
    return v if isinstance(v, str) else None


def read_int(d: Mapping[str, Any], key: str, default: int = 0) -> int:
    v = _int_value(d, key)
    return default if v is None else v


def read_optional_int(d: Mapping[str, Any], key: str) -> Optional[int]:
    return _int_value(d, key)


def read_float(d: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    v = _float_value(d, key)
    return default if v is None else v


def read_optional_float(d: Mapping[str, Any], key: str) -> Optional[float]:
    return _float_value(d, key)


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
    """The violations of an ingest result (already checked by the clients, see
    ``_http.ingest_answer``; unchecked, non-objects are skipped)."""
    if not v:
        return EMPTY
    return FrozenList(Violation.from_dict(x) for x in objects(v))


def strings_of(v: Any) -> Tuple[str, ...]:
    if not isinstance(v, list):
        return EMPTY
    return FrozenList(x for x in v if isinstance(x, str))


#: a violation object's fields, all strings (gateway-api.md §3.1)
VIOLATION_FIELDS = ("field", "message", "kind")


def violation_problem(item: Any, ints: Tuple[str, ...] = ()) -> Optional[str]:
    """What keeps ``item`` from being a violation (an object with string ``field``,
    ``message`` and ``kind``, and an integer at each of ``ints``), or None."""
    if not isinstance(item, Mapping):
        return f"is {json_kind(item)}, not an object"
    for name in ints:
        v = item.get(name, MISSING)
        if _int_value(item, name) is None:
            return f"has {name!r} {json_kind(v)}, not an integer"
    for name in VIOLATION_FIELDS:
        v = item.get(name, MISSING)
        if not isinstance(v, str):
            return f"has {name!r} {json_kind(v)}, not a string"
    return None


def violation_shaped(v: Any) -> Tuple[Violation, ...]:
    """The items of ``v`` that are violations (others skipped: a row's
    ``violation_details`` has other shapes on summary rows, spec §3.6); never raises."""
    if not isinstance(v, list):
        return EMPTY
    return FrozenList(Violation.from_dict(x) for x in v if violation_problem(x) is None)


def violations_problem(
    v: Any, key: str = "violations", ints: Tuple[str, ...] = ()
) -> Optional[str]:
    """What keeps ``v`` (at ``key``) from being an array of violations (see
    :func:`violation_problem`), or None: the one rule for every answer that carries
    violations, ingest results included (``_http.ingest_answer``)."""
    if not isinstance(v, list):
        return f"{key!r} is {json_kind(v)}, not an array of violations"
    for j, item in enumerate(v):
        try:
            problem = violation_problem(item, ints)
        except WrongValue as exc:
            raise exc.within(f"{key!r} item {j}") from None
        if problem is not None:
            return f"{key!r} item {j} {problem}"
    return None


def _violations_reader(cls: Any, ints: Tuple[str, ...] = ()) -> Reader:
    """The reader of a ``violations`` array (missing: none): anything else is WrongValue,
    as on ingest results."""

    def read(d: Mapping[str, Any], key: str) -> Tuple[Any, ...]:
        v = d.get(key, MISSING)
        if v is MISSING:
            return EMPTY
        problem = violations_problem(v, key, ints)
        if problem is not None:
            raise WrongValue(problem)
        return FrozenList(cls.from_dict(item) for item in v)

    return read


def object_items(v: List[Any], where: str) -> List[Mapping[str, Any]]:
    """The items of the array ``v``, all objects: an item that is not is WrongValue
    naming it (``where`` names the array), never skipped (the items after it would take
    its place)."""
    for i, item in enumerate(v):
        if not (type(item) is dict or isinstance(item, Mapping)):
            raise WrongValue(f"{where}item {i} is {json_kind(item)}, not an object")
    return v


def _models(cls: Any, v: List[Any], where: str) -> List[Any]:
    """One model per item of the array ``v``; an item that is not an object, or that
    the model cannot read, is WrongValue naming the item (``where`` names the array)."""
    out = []
    for i, item in enumerate(object_items(v, where)):
        try:
            out.append(cls.from_dict(item))
        except WrongValue as exc:
            raise exc.within(f"{where}item {i}") from None
    return out


def models_of(cls: Any, v: Any, key: str = "") -> Tuple[Any, ...]:
    """The models of the array at ``key`` (missing or not an array: none)."""
    if not isinstance(v, list):
        return EMPTY
    return FrozenList(_models(cls, v, f"{key!r} " if key else ""))


def parse_list(cls: type[M], data: Any) -> list[M]:
    """Parse a JSON array of objects (an item that is not an object is WrongValue)."""
    return _models(cls, data, "")


Reader = Callable[[Mapping[str, Any], str], Any]


def is_sequence(hint: Any) -> bool:
    """Whether a field of this annotation holds a sequence (a ``FrozenList``)."""
    return get_origin(hint) in (tuple, collections.abc.Sequence)


def reader_for(hint: Any, default: Any) -> Reader:
    """How a field of this annotation reads its JSON key, tolerantly (spec §9.2): a value
    of another JSON type reads as the field's default; one the field could only hold
    made up is :class:`WrongValue` (module docstring)."""
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
    if is_sequence(hint):
        item = args[0]
        if item is Violation:
            return _violations_reader(Violation)
        if item is BatchRecordViolation:
            return _violations_reader(BatchRecordViolation, ("record_index",))
        if item is str:
            return lambda d, k: strings_of(d.get(k))
        if isinstance(item, type) and hasattr(item, "from_dict"):
            return lambda d, k: models_of(item, d.get(k), k)
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


_SEQUENCES: Dict[type, Tuple[str, ...]] = {}


def sequence_fields(cls: type) -> Tuple[str, ...]:
    """The names of the fields of a model class that hold a sequence."""
    names = _SEQUENCES.get(cls)
    if names is None:
        hints = get_type_hints(cls)
        names = tuple(f.name for f in dataclasses.fields(cls) if is_sequence(hints[f.name]))
        _SEQUENCES[cls] = names
    return names


class Model:
    """Shared behaviour. Subclasses are frozen dataclasses whose fields carry the JSON
    names; ``raw`` keeps the decoded object (unknown keys included)."""

    raw: Mapping[str, Any]

    def __post_init__(self) -> None:
        # a model built by hand with lists holds them as FrozenLists, as a decoded one does
        freeze_fields(self, *sequence_fields(type(self)))

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
    ``== {...}``), while its attributes are typed. It equals a model of its type with the
    same fields (``raw`` aside, as every model) and a plain mapping with the same JSON."""

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            names = [name for name, _ in readers_of(type(self))]
            return [getattr(self, n) for n in names] == [getattr(other, n) for n in names]
        return MappingABC.__eq__(self, other)

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


def raw_field() -> Any:
    return field(default_factory=dict, repr=False, compare=False)


