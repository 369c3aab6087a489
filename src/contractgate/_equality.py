"""Equality of the contract models as the engine sees them.

A model's dataclass ``==`` would use Python's, where ``1 == 1.0 == True`` and
``0.0 == -0.0`` but ``nan != nan``: contracts that validate differently (``enum: [1]`` and
``enum: [1.0]``) would be equal, and a contract with a NaN bound would differ from its own
pickled copy. :func:`engine_equality` gives a model ``==`` and ``hash()`` through key
functions instead: ``enum`` elements by JSON type and value, bounds as the f64 the engine
holds.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Callable, Mapping, Optional, Sequence, Tuple, TypeVar

__all__ = ["engine_equality", "f64_key", "json_key", "json_seq_key"]

C = TypeVar("C")


def f64_key(x: Optional[float]) -> Optional[str]:
    """A bound as the engine holds it, an f64, for ``==`` and ``hash()``: ``1`` and ``1.0``
    alike, ``0.0`` and ``-0.0`` apart, every NaN the same."""
    return None if x is None else float(x).hex()


def json_key(value: Any) -> Any:
    """A JSON value for ``==`` and ``hash()``: equal only for the same value of the same
    JSON type (serde_json equality, spec §4.7: ``1``, ``1.0`` and ``True`` differ), floats
    as :func:`f64_key` sees them, objects whatever their key order."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int):
        return ("i", value)
    if isinstance(value, float):
        return ("f", f64_key(value))
    if isinstance(value, (list, tuple)):
        return ("a", tuple(json_key(v) for v in value))
    if isinstance(value, Mapping):
        return ("o", tuple(sorted((k, json_key(v)) for k, v in value.items())))
    return ("?", value)  # not JSON (a hand-built model): Python's own equality


def json_seq_key(values: Optional[Sequence[Any]]) -> Optional[Tuple[Any, ...]]:
    """An optional list of JSON values (``enum``), element by element (:func:`json_key`)."""
    return None if values is None else tuple(json_key(v) for v in values)


def engine_equality(**keys: Callable[[Any], Any]) -> Callable[[type[C]], type[C]]:
    """Give a frozen model dataclass ``==`` and ``hash()`` that compare the named fields
    through their key functions (the others as they are), so that models are equal
    exactly when the engine treats them alike."""

    def decorate(cls: type[C]) -> type[C]:
        names = [f.name for f in fields(cls) if f.compare]  # type: ignore[arg-type]

        def key(self: Any) -> Tuple[Any, ...]:
            return tuple(
                keys[n](getattr(self, n)) if n in keys else getattr(self, n) for n in names
            )

        def __eq__(self: Any, other: object) -> bool:
            if other.__class__ is not self.__class__:
                return NotImplemented
            return key(self) == key(other)

        def __hash__(self: Any) -> int:
            return hash(key(self))

        cls.__eq__ = __eq__  # type: ignore[method-assign]
        cls.__hash__ = __hash__  # type: ignore[method-assign]
        return cls

    return decorate
