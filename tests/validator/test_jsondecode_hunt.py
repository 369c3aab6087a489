"""Defects found hunting the exact JSON event decoder (``values/jsondecode.py``).

Each test failed before its fix. The decoder's answer for a text must not depend on the
Python type that carries the text (``str`` or one of its subclasses, ``bytes`` …), nor on
whether the native fast path (msgspec) has been loaded yet.
"""

from __future__ import annotations

import math
from typing import Any, Iterator

import pytest

from contractgate._validation.values import jsondecode
from contractgate.validator import decode_event


class _Text(str):
    """A ``str`` subclass, as numpy's ``str_`` or an ``enum.StrEnum`` member is."""


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types; floats bit for bit (``-0.0`` is not ``0.0``)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return bool(a == b) and math.copysign(1.0, a) == math.copysign(1.0, b)
    if type(a) is dict:
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


@pytest.fixture
def native() -> Iterator[Any]:
    """The state after the warm-up: msgspec's decoder loaded."""
    before = jsondecode._native
    loaded = jsondecode.load_native()
    if not loaded:
        jsondecode._native = before
        pytest.skip("msgspec (contractgate[fast]) is not installed")
    yield loaded
    jsondecode._native = before


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1}',
        '{"a":18446744073709551616,"b":-0,"c":[1.5e3]}',
        "[-9223372036854775809]",
        '"\\u00e9"',
    ],
)
def test_loads_of_a_str_subclass_after_the_warm_up(text: str, native: Any) -> None:
    """``loads`` (``decode_event``) of a ``str`` subclass raised ``TypeError: string
    argument without an encoding`` once msgspec was loaded: the check for integers
    beyond 64 bits called ``bytes()`` on every non-``str``, non-``bytes`` type."""
    want = jsondecode._exact_loads(text)
    assert _same(jsondecode.loads(_Text(text)), want)
    assert _same(decode_event(_Text(text)), want)
    assert _same(jsondecode.loads(text), want)


def test_loads_of_a_str_subclass_reports_serde_jsons_error(native: Any) -> None:
    with pytest.raises(jsondecode.EventDecodeError, match=r"^trailing comma at line 1 column 4$"):
        jsondecode.loads(_Text("[1,]"))
