"""The validator answers the same when called from code already deep in its stack.

Values nest at most 128 levels (the gateway's JSON depth), and normalising, comparing
and rendering them recurses about two frames a level: a caller some 630 frames deep,
with a value 125 levels deep under an ``enum`` or a uniqueness rule, got a raw
``RecursionError`` from every path (generated, reference, ``is_valid``,
``validate_json``, ``validate_batch``). Those steps now run again in a fresh thread
when the caller's stack is short (``freshstack``).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, TypeVar

import pytest

from contractgate import Contract

T = TypeVar("T")


def _nest(n: int, leaf: Any) -> Any:
    for _ in range(n):
        leaf = [leaf]
    return leaf


def _from_deep_stack(depth: int, f: Callable[[], T]) -> T:
    return f() if depth == 0 else _from_deep_stack(depth - 1, f)


_YAML = f"""version: "1"
name: t
quality:
  - {{field: a, type: uniqueness}}
ontology:
  entities:
    - {{name: a, type: any, required: false, enum: [{json.dumps(_nest(120, 1))}, "x"]}}
"""


@pytest.mark.parametrize("room", [300, 150])
def test_deep_values_from_a_deep_caller(room: int) -> None:
    compiled = Contract.from_yaml(_YAML).compile()
    reference = Contract.from_yaml(_YAML).compile(reference=True)
    failing = {"a": _nest(125, 2)}
    passing = {"a": _nest(120, 1)}
    raw = json.dumps(failing)
    calls = {
        "validate": lambda: repr(compiled.validate(failing)),
        "reference": lambda: repr(reference.validate(failing)),
        "is_valid": lambda: compiled.is_valid(failing),
        "validate_json": lambda: repr(compiled.validate_json(raw)),
        "validate_batch": lambda: repr(compiled.validate_batch([passing, passing, failing])),
        "passing": lambda: compiled.is_valid(passing) and compiled.validate(passing).passed,
    }
    shallow = {name: f() for name, f in calls.items()}
    assert "enum_violation" in shallow["validate"] and "uniqueness_violation" in (
        shallow["validate_batch"]
    )
    assert shallow["validate"] == shallow["reference"] == shallow["validate_json"]
    depth = sys.getrecursionlimit() - room
    for name, f in calls.items():
        assert _from_deep_stack(depth, f) == shallow[name], name
