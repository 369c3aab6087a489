"""Defects found in the public contract model (equality, frozenness, v0.1 keywords).

Each test names what used to go wrong; see the CHANGELOG's Fixed section.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any, Dict

import pytest

from contractgate.contract import (
    Contract,
    FieldDefinition,
    FieldType,
    GlossaryEntry,
    MetricDefinition,
    QualityRule,
    QualityRuleType,
)


def _contract(*field_lines: str, extra: str = "") -> Contract:
    text = 'version: "1"\nname: t\nontology:\n  entities:\n    - name: a\n      type: any\n'
    text += "".join(f"      {line}\n" for line in field_lines)
    return Contract.from_yaml(text + extra)


def _answer(contract: Contract, event: Dict[str, Any]) -> Any:
    r = contract.compile().validate(event)
    return r.passed, [v.message for v in r.violations]


# --------------------------------------------------------------------------------------
# Equality sees what the engine sees
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "event"),
    [
        ("enum: [1]", "enum: [1.0]", {"a": 1}),  # serde_json: 1 != 1.0
        ("enum: [1]", "enum: [true]", {"a": True}),  # a bool is not a number
        ("enum: [0]", "enum: [false]", {"a": 0}),
        ("enum: [[1]]", "enum: [[true]]", {"a": [1]}),
        ("enum: [{k: 1}]", "enum: [{k: 1.0}]", {"a": {"k": 1}}),
        ("enum: [0.0]", "enum: [-0.0]", {"a": 1}),  # same check, different message
        ("min: 0", "min: -0.0", {"a": -1}),  # "below minimum 0" / "below minimum -0"
    ],
)
def test_contracts_with_different_verdicts_are_not_equal(
    left: str, right: str, event: Dict[str, Any]
) -> None:
    a, b = _contract(left), _contract(right)
    assert _answer(a, event) != _answer(b, event)
    assert a != b
    assert a.entities[0] != b.entities[0]


def test_metric_and_quality_bounds_compare_as_f64() -> None:
    assert MetricDefinition("m", min=0.0) != MetricDefinition("m", min=-0.0)
    assert MetricDefinition("m", min=1) == MetricDefinition("m", min=1.0)
    assert QualityRule("f", QualityRuleType.VALIDITY, threshold=0.0) != QualityRule(
        "f", QualityRuleType.VALIDITY, threshold=-0.0
    )


def test_equal_contracts_stay_equal() -> None:
    # an int bound and the same float bound are the same f64 to the engine
    assert FieldDefinition("a", FieldType.FLOAT, min=1) == FieldDefinition(
        "a", FieldType.FLOAT, min=1.0
    )
    text = ("enum: [1, 1.0, true, null, x, [1, {b: 2, a: [false]}]]", "min: 2", "max: 3.5")
    a, b = _contract(*text), _contract(*text)
    assert a == b and hash(a) == hash(b)
    assert Contract.from_dict(a.to_dict()) == a


def test_a_nan_bound_survives_pickle_and_from_dict() -> None:
    a = _contract("min: .nan", "max: .nan", extra="metrics:\n  - {name: m, field: a, min: .nan}\n")
    for copied in (pickle.loads(pickle.dumps(a)), copy.deepcopy(a)):
        assert copied == a and hash(copied) == hash(a)
    rebuilt = Contract.from_dict(
        {
            "version": "1",
            "name": "t",
            "ontology": {
                "entities": [{"name": "a", "type": "any", "min": float("nan"), "max": float("nan")}]
            },
            "metrics": [{"name": "m", "field": "a", "min": float("nan")}],
        }
    )
    assert rebuilt == a and hash(rebuilt) == hash(a)


def test_a_contract_with_an_object_in_an_enum_hashes() -> None:
    a, b = _contract("enum: [{k: [1]}]"), _contract("enum: [{k: [1]}]")
    assert hash(a) == hash(b)
    assert len({a, b}) == 1


# --------------------------------------------------------------------------------------
# v0.1: GlossaryEntry(synonyms=None)
# --------------------------------------------------------------------------------------


def test_glossary_synonyms_none_is_v01s_no_synonyms() -> None:
    entry = GlossaryEntry("f", "d", synonyms=None)  # type: ignore[arg-type]
    assert entry == GlossaryEntry("f", "d")
    assert entry.synonyms == []
    contract = Contract(version="1", name="t", entities=[], glossary=[entry])
    assert contract.to_dict()["glossary"] == [
        {"field": "f", "description": "d", "constraints": None, "synonyms": []}
    ]
    assert Contract.from_dict(contract.to_dict()) == contract


# --------------------------------------------------------------------------------------
# CompiledContract is frozen, as v0.1's frozen dataclass was
# --------------------------------------------------------------------------------------


def test_compiled_contract_cannot_be_pointed_at_another_contract() -> None:
    compiled = _contract().compile()
    other = Contract.from_yaml(
        'version: "1"\nname: t\nontology:\n  entities:\n    - {name: a, type: integer}\n'
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.contract = other  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del compiled.contract
    assert compiled.contract == _contract()
    # the verdict and the pickled copy's verdict agree
    event = {"a": "x"}
    assert compiled.validate(event) == pickle.loads(pickle.dumps(compiled)).validate(event)
    # what the class itself sets lazily still works
    assert compiled.is_valid(event) and compiled.is_valid(event)
    assert compiled.validate_json('{"a": 1}').passed
