"""Enum fields of hand-built contract models.

v0.1's enums (``FieldType``, ``TransformKind``…) are ``str`` enums, so code written for
it may pass their plain values (``FieldDefinition(name="a", field_type="string")``).
The models read such a value as the member; anything else is a
:class:`~contractgate.ContractCompileError` naming the model and the field, never a raw
``AttributeError`` later in ``compile()``, ``to_dict()`` or ``diff()``.
"""

from __future__ import annotations

import enum
from typing import Any

from .exceptions import ContractCompileError

__all__ = ["enum_fields"]


def enum_fields(obj: Any, **enums: type[enum.Enum]) -> None:
    """Set each named field of the frozen dataclass ``obj`` to its enum's member when
    it holds the member's value (None stays None)."""
    for name, cls in enums.items():
        value = getattr(obj, name)
        if value is None or isinstance(value, cls):
            continue
        try:
            member = cls(value)
        except (ValueError, TypeError):
            allowed = ", ".join(repr(m.value) for m in cls)
            raise ContractCompileError(
                f"{type(obj).__name__}.{name}: {value!r} is not one of {allowed}"
            ) from None
        object.__setattr__(obj, name, member)
