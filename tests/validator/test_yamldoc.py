"""YAML documents that are not contracts (fixtures, config, the gateway's manifest):
YAML 1.2 core typing, positions, anchors and merge keys, typed errors — read by the same
libyaml 0.2.5 port as contracts, so no YAML library release changes them."""

from __future__ import annotations

import math
from typing import Any

import pytest

from contractgate._validation.loading.yamldoc import (
    MappingNode,
    ScalarNode,
    SequenceNode,
    YAMLDocumentError,
    YAMLError,
    compose_documents,
    construct,
    error_position,
    error_text,
    load,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True), ("False", False), ("yes", "yes"), ("on", "on"), ("~", None),
        ("null", None), ("", None), ("017", 17), ("0o17", 15), ("0x1F", 31), ("0b101", 5),
        ("-3", -3), ("1_000", "1_000"), ("1.5", 1.5), ("1e3", 1000.0), (".5", 0.5),
        ("2024-01-01", "2024-01-01"), ("'true'", "true"), ('"1"', "1"), ("!!str 12", "12"),
        ("!!float 1", 1.0), ("!!int '7'", 7), ("!!bool 'true'", True), ("!!null ''", None),
        ("'a': 1", {"a": 1}),
    ],
)  # fmt: skip
def test_core_schema_typing(text: str, value: Any) -> None:
    assert load(text) == value and type(load(text)) is type(value)


def test_special_floats() -> None:
    assert load(".inf") == math.inf and load("-.Inf") == -math.inf
    assert math.isnan(load(".nan"))


def test_keys_are_source_text_and_merge_keys_work() -> None:
    doc = load("base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n  1: one\n  true: t\n")
    assert doc["item"] == {"y": 3, "1": "one", "true": "t", "x": 1}
    multi = load("a: &a {p: 1}\nb: &b {p: 2, q: 2}\nc:\n  <<: [*a, *b]\n")
    assert multi["c"] == {"p": 1, "q": 2}


def test_aliases_share_the_anchored_value() -> None:
    doc = load("a: &x [1, 2]\nb: *x\n")
    assert doc == {"a": [1, 2], "b": [1, 2]}


def test_positions_and_documents() -> None:
    docs = compose_documents("a: 1\n---\n- b: 2\n-   c: 3\n---\n")
    assert len(docs) == 2
    first, second = docs
    assert isinstance(first, MappingNode) and first.start_mark == (0, 0)
    assert isinstance(second, SequenceNode)
    assert [n.start_mark for n in second.value] == [(2, 2), (3, 4)]  # 0-based
    key, value = first.value[0]
    assert isinstance(key, ScalarNode) and key.value == "a" and construct(value) == 1


def test_deep_nesting_needs_no_recursion() -> None:
    depth = 5000
    value = load("[" * depth + "1" + "]" * depth)
    for _ in range(depth):
        value = value[0]
    assert value == 1


@pytest.mark.parametrize(
    ("text", "problem", "line"),
    [
        ("a: *nope\n", "found undefined alias 'nope'", 1),
        ("? [1]\n: x\n", "found a non-scalar mapping key (JSON keys are strings)", 1),
        ("a: !!binary aGVsbG8=\n", "a !!binary value has no JSON form (unsupported tag)", 1),
        ("a: !!set {x}\n", "a !!set value has no JSON form (unsupported tag)", 1),
        ("a: !custom 1\n", "a !custom value has no JSON form (unsupported tag)", 1),
        ("a: !!int x\n", "'x' is not a valid tag:yaml.org,2002:int", 1),
        ("a: 1\n---\nb: 2\n", "expected a single document, found several", 3),
        ("a: [1\n", "did not find expected ',' or ']' (while parsing a flow sequence)", 2),
        ("\ta: 1\n", "found character that cannot start any token (while scanning for the "
                     "next token)", 1),
    ],
)  # fmt: skip
def test_errors_are_typed_with_a_line(text: str, problem: str, line: int) -> None:
    with pytest.raises(YAMLError) as info:
        load(text)
    assert error_text(info.value) == problem
    assert error_position(info.value)[0] == line


def test_reader_errors_name_the_byte() -> None:
    with pytest.raises(YAMLError) as info:
        load("a: é\x01\n")
    assert error_text(info.value) == "control characters are not allowed (byte 5)"
    assert not isinstance(info.value, YAMLDocumentError)
