"""``FrozenList``: the read-only sequence every model uses where v0.1 had a ``list``.

Models are frozen (hashable, shareable: a passing verdict is one shared object), so their
sequences are tuples. v0.1 returned lists, and its users compare with lists
(``assert result.violations == []``) and concatenate them; a plain tuple would make
such a comparison silently ``False``. A ``FrozenList`` is a tuple that compares equal
to the list (or tuple) with the same items, concatenates with lists, and prints like a
list.
"""

from __future__ import annotations

from typing import Any, SupportsIndex

__all__ = ["FrozenList"]

class FrozenList(tuple):  # type: ignore[type-arg]
    """An immutable sequence equal to the ``list`` or ``tuple`` with the same items."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list):
            return tuple.__eq__(self, tuple(other))
        if isinstance(other, tuple):
            return tuple.__eq__(self, other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = tuple.__hash__

    def __add__(self, other: Any) -> Any:
        # list + list was a list in v0.1: keep that; tuple-like + tuple-like stays frozen
        if isinstance(other, list):
            return [*self, *other]
        if isinstance(other, tuple):
            return FrozenList((*self, *other))
        return NotImplemented

    def __radd__(self, other: Any) -> Any:
        if isinstance(other, list):
            return [*other, *self]
        if isinstance(other, tuple):
            return FrozenList((*other, *self))
        return NotImplemented

    def __getitem__(self, index: Any) -> Any:
        # a slice of a v0.1 list was a list: keep it comparable (vr.violations[1:] == [...])
        item = tuple.__getitem__(self, index)
        return FrozenList(item) if isinstance(index, slice) else item

    def __mul__(self, count: SupportsIndex) -> FrozenList:
        return FrozenList(tuple.__mul__(self, count))

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return "[" + ", ".join(repr(x) for x in self) + "]"

    def __reduce__(self) -> Any:
        # type(self): a subclass (``models.IngestResults``) comes back as itself
        return (type(self), (tuple(self),))


def freeze_fields(obj: Any, *names: str) -> None:
    """Make the named sequence fields of a frozen dataclass ``FrozenList``s (for
    instances built by callers with lists; the SDK's own are built frozen)."""
    for name in names:
        value = getattr(obj, name)
        if value is not None and not isinstance(value, FrozenList):
            object.__setattr__(obj, name, FrozenList(value))


EMPTY = FrozenList()
