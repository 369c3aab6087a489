"""Hand-built contract models, typed as :meth:`Contract.from_dict` types the same data.

Each model's ``__post_init__`` calls :func:`check_model` with the serde description the
readers use (``contract._FIELD``…). Every value is read by ``from_dict``'s reader: the
same rules and messages, and the value kept is the one ``from_dict`` keeps (an ``int``
bound becomes the f64 the engine compares with, a ``str`` subclass a plain ``str``).
Nested models must be instances of their class, and sequences of them ``list``s or
``tuple``s (kept as ``FrozenList``). A wrong value is a
:class:`~contractgate.ContractCompileError` naming the model field
(``FieldDefinition.min: invalid type: string "5", expected f64``), raised where the model
is built, never a raw error later in ``compile()``, ``validate()`` or ``to_dict()``.

Nested models were checked when they were built, so a check looks at one level only. A
model also records how many levels of nesting ``from_dict`` enters to read it: a field
nested deeper than ``from_dict`` reads in a contract is refused (serde's recursion limit,
the gateway's too), so every model stays within what ``==``, ``hash()``, ``repr()``,
``pickle`` and ``to_dict()`` can walk.
"""

from __future__ import annotations

import enum
from typing import Any, Optional

from .._frozenlist import FrozenList
from ..exceptions import ContractCompileError
from .loading.python_loader import read_field, wrong_type
from .loading.serde_types import RECURSION_LIMIT, Enum, Opt, Seq, Struct

__all__ = ["FIELD_ROOM", "check_model"]

#: The levels ``from_dict`` has left for a top-level field of a contract: the
#: ``Contract`` and ``Ontology`` structs and the ``entities`` sequence take three.
FIELD_ROOM = RECURSION_LIMIT - 3

_DEPTH = "_serde_depth"


def _depth(model: Any) -> int:
    depth: int = getattr(model, _DEPTH, 1)
    return depth


def _instance(value: Any, ty: Struct, owner: str) -> None:
    if ty.model is None or not isinstance(value, ty.model):
        raise wrong_type(value, ty.expecting, owner)


def check_model(obj: Any, spec: Struct, limit: Optional[int] = None) -> None:
    """Type each field of the frozen model ``obj`` by ``spec``, keeping the values
    ``from_dict`` would; with ``limit``, refuse a model that nests deeper. Enum fields
    hold their members already (``_coerce.enum_fields``)."""
    name = type(obj).__name__
    depth = 1
    for f in spec.fields:
        value = getattr(obj, f.name)
        ty = f.ty.inner if isinstance(f.ty, Opt) else f.ty
        if value is None and ty is not f.ty:
            continue
        owner = f"{name}.{f.name}"
        if isinstance(ty, Enum) and isinstance(value, enum.Enum):
            continue
        new = value
        if isinstance(ty, Struct):
            _instance(value, ty, owner)
            depth = max(depth, 1 + _depth(value))
        elif isinstance(ty, Seq) and isinstance(ty.elem, Struct):
            if not isinstance(value, (list, tuple)):
                raise wrong_type(value, "a sequence", owner)
            deepest = 0
            for i, item in enumerate(value):
                _instance(item, ty.elem, f"{owner}[{i}]")
                deepest = max(deepest, _depth(item))
            depth = max(depth, 2 + deepest)
        else:
            new, used = read_field(f.ty, value, owner)
            depth = max(depth, 1 + used)
        if isinstance(ty, Seq) and type(new) is not FrozenList:
            new = FrozenList(new)
        if new is not value:
            object.__setattr__(obj, f.name, new)
        if limit is not None and depth > limit:
            raise ContractCompileError(
                f"{owner}: recursion limit exceeded (nested deeper than a contract can be)",
                path=owner,
            )
    object.__setattr__(obj, _DEPTH, depth)
