"""Defects found in hand-built contract models (the public frozen dataclasses).

A contract built by hand is typed as :meth:`Contract.from_dict` types the same data: a
value ``from_dict`` refuses is a ``ContractCompileError`` naming the model field
(``FieldDefinition.min: invalid type: string "5", expected f64``) when the model is
built, never a raw ``TypeError``/``AttributeError``/``OverflowError`` from
``compile()``, ``validate()`` or ``to_dict()``, nor a silent pass. Each defect test names
what used to go wrong; see the CHANGELOG's Fixed section. Tests marked "pins" only pin
behaviour down.
"""

from __future__ import annotations

import copy
import decimal
import enum
import json
import math
import pickle
import re
from typing import Any, Dict, List

import pytest

from contractgate import Contract, ContractCompileError
from contractgate.contract import (
    EnvelopeConfig,
    FieldDefinition,
    FieldType,
    GlossaryEntry,
    MetricDefinition,
    Ontology,
    QualityRule,
    QualityRuleType,
    Transform,
    TransformKind,
)

NOW = 1_750_000_000
S, INT, OBJ, A = FieldType.STRING, FieldType.INTEGER, FieldType.OBJECT, FieldType.ARRAY


def _contract(*entities: FieldDefinition, **options: Any) -> Contract:
    return Contract(version="1", name="t", ontology=Ontology(list(entities)), **options)


def _doc(**field: Any) -> Dict[str, Any]:
    return {"version": "1", "name": "t", "ontology": {"entities": [{"name": "a", **field}]}}


def _answers(contract: Contract, events: List[Any]) -> Any:
    compiled = contract.compile()
    out = []
    for event in events:
        r = compiled.validate(event, now=NOW)
        out.append((r.passed, [(v.field, v.kind, v.message) for v in r.violations]))
    return out


def _from_dict_error(data: Dict[str, Any]) -> str:
    """What ``from_dict`` says about ``data``, without its path."""
    with pytest.raises(ContractCompileError) as info:
        Contract.from_dict(data)
    assert info.value.path is not None
    return info.value.message[len(info.value.path) + 2 :]


def _refused(build: Any, path: str) -> str:
    with pytest.raises(ContractCompileError) as info:
        build()
    assert info.value.path == path
    assert info.value.message.startswith(path + ": ")
    return info.value.message[len(path) + 2 :]


# --------------------------------------------------------------------------------------
# Defects: a FieldDefinition field of the wrong type
# --------------------------------------------------------------------------------------

_BAD_FIELD_VALUES = [
    # (keyword, value, what compile/validate/to_dict did before)
    ("name", 1, "TypeError in compile()"),
    ("name", None, "every event failed; from_dict(to_dict()) refused"),
    ("type", None, "AttributeError in compile()"),
    ("required", "no", "silently required"),
    ("required", None, "silently optional"),
    ("pattern", 5, "TypeError in compile()"),
    ("pattern", b"^a", "TypeError in compile()"),
    ("min", "5", "TypeError in validate() and to_dict()"),
    ("min", True, "silently the bound 1"),
    ("min", decimal.Decimal("1.5"), "to_dict() wrote a float"),
    ("min", 10**400, "OverflowError in compile()"),
    ("max", [1], "TypeError in validate()"),
    ("min_length", -1, "silently no bound"),
    ("min_length", "3", "every string failed"),
    ("min_length", 3.0, "from_dict(to_dict()) refused"),
    ("max_length", True, "silently the bound 1"),
    ("max_length", 2**64, "from_dict(to_dict()) refused"),
]


@pytest.mark.parametrize(("key", "value", "before"), _BAD_FIELD_VALUES)
def test_a_field_value_of_the_wrong_type_is_refused_like_from_dict(
    key: str, value: Any, before: str
) -> None:
    kwargs: Dict[str, Any] = {"name": "a", "type": INT}
    kwargs[key] = value
    said = _refused(lambda: FieldDefinition(**kwargs), f"FieldDefinition.{key}")
    doc = _doc(type="integer")
    doc["ontology"]["entities"][0][key] = value
    assert said == _from_dict_error(doc)


_NOT_A_MODEL = [
    ("properties", {"b": FieldDefinition("b", S)}, "FieldDefinition.properties"),
    ("properties", "abc", "FieldDefinition.properties"),
    ("properties", [{"name": "b", "type": "string"}], "FieldDefinition.properties[0]"),
    ("properties", FieldDefinition("b", S), "FieldDefinition.properties"),
    ("properties", {FieldDefinition("b", S)}, "FieldDefinition.properties"),
    ("items", [FieldDefinition("b", S)], "FieldDefinition.items"),
    ("items", {"name": "b", "type": "string"}, "FieldDefinition.items"),
    ("transform", "mask", "FieldDefinition.transform"),
    ("transform", {"kind": "mask"}, "FieldDefinition.transform"),
    ("transform", TransformKind.MASK, "FieldDefinition.transform"),
]


@pytest.mark.parametrize(("key", "value", "path"), _NOT_A_MODEL)
def test_a_nested_model_of_the_wrong_shape_is_refused(key: str, value: Any, path: str) -> None:
    """``properties``/``items``/``transform`` holding dicts, strings or a lone
    FieldDefinition raised a raw ``AttributeError``/``TypeError`` from ``compile()``,
    ``to_dict()`` or the constructor, or (a dict transform) was silently ignored."""
    kwargs: Dict[str, Any] = {"name": "a", "type": OBJ if key == "properties" else S}
    kwargs[key] = value
    said = _refused(lambda: FieldDefinition(**kwargs), path)
    assert said.startswith("invalid type: ")
    assert said.endswith(("expected a sequence", "expected struct FieldDefinition",
                          "expected struct Transform"))  # fmt: skip


# --------------------------------------------------------------------------------------
# Defects: the other models and the contract itself
# --------------------------------------------------------------------------------------

_FD = FieldDefinition("a", S)

_BAD_MODELS = [
    (lambda: Contract(version=1, name="t", ontology=Ontology([])), "Contract.version"),
    (lambda: Contract(version="1", name=None, ontology=Ontology([])), "Contract.name"),
    (lambda: Contract(version="1", name="t", ontology=[_FD]), "Contract.ontology"),
    (lambda: Contract(version="1", name="t", ontology=None), "Contract.ontology"),
    (lambda: _contract(_FD, compliance_mode="yes"), "Contract.compliance_mode"),
    (lambda: _contract(_FD, null_as_absent="no"), "Contract.null_as_absent"),
    (lambda: _contract(_FD, description=3), "Contract.description"),
    (lambda: _contract(_FD, glossary=None), "Contract.glossary"),
    (lambda: _contract(_FD, glossary=[{"field": "a", "description": "d"}]), "Contract.glossary[0]"),
    (lambda: _contract(_FD, metrics=[{"name": "m"}]), "Contract.metrics[0]"),
    (lambda: _contract(_FD, quality=[{"field": "a", "type": "uniqueness"}]), "Contract.quality[0]"),
    (lambda: _contract(_FD, envelope={"records_path": "r"}), "Contract.envelope"),
    (lambda: Ontology(_FD), "Ontology.entities"),  # type: ignore[arg-type]
    (lambda: Ontology([{"name": "a", "type": "string"}]), "Ontology.entities[0]"),
    (lambda: Ontology(None), "Ontology.entities"),  # type: ignore[arg-type]
    (lambda: MetricDefinition("m", field=3, min=1), "MetricDefinition.field"),
    (lambda: MetricDefinition("m", field="a", min="1"), "MetricDefinition.min"),
    (lambda: QualityRule(None, QualityRuleType.UNIQUENESS), "QualityRule.field"),
    (lambda: QualityRule("a", QualityRuleType.COMPLETENESS, scope="row"), "QualityRule.scope"),
    (lambda: QualityRule("a", QualityRuleType.FRESHNESS, max_age_seconds="5"),
     "QualityRule.max_age_seconds"),
    (lambda: QualityRule("a", QualityRuleType.FRESHNESS, max_age_seconds=-5),
     "QualityRule.max_age_seconds"),
    (lambda: EnvelopeConfig(5), "EnvelopeConfig.records_path"),  # type: ignore[arg-type]
    (lambda: EnvelopeConfig("r", validate_wrapper="yes"), "EnvelopeConfig.validate_wrapper"),
    (lambda: GlossaryEntry("a", "d", synonyms="abc"), "GlossaryEntry.synonyms"),
    (lambda: GlossaryEntry(1, "d"), "GlossaryEntry.field"),  # type: ignore[arg-type]
]  # fmt: skip


@pytest.mark.parametrize(("build", "path"), _BAD_MODELS)
def test_a_model_value_of_the_wrong_type_is_refused(build: Any, path: str) -> None:
    """Before: raw ``AttributeError`` from ``compile()`` (``ontology=[...]``, a dict in
    ``metrics``/``quality``), raw errors from every ``validate()`` (``MetricDefinition(field=3)``)
    or ``to_dict()`` (a dict envelope or glossary entry), ``TypeError`` from ``compile()``
    (``max_age_seconds="5"``), or a silent pass (``null_as_absent="no"`` read as true,
    ``synonyms="abc"`` read as three synonyms, ``scope="row"`` as batch-less)."""
    said = _refused(build, path)
    assert said.startswith(("invalid type: ", "invalid value: ", "unknown variant "))


def test_wrong_scalars_say_what_from_dict_says() -> None:
    said = _refused(lambda: QualityRule("a", QualityRuleType.COMPLETENESS, scope="row"),
                    "QualityRule.scope")  # fmt: skip
    doc = _doc(type="string")
    doc["quality"] = [{"field": "a", "type": "completeness", "scope": "row"}]
    assert said == _from_dict_error(doc) == "unknown variant `row`, expected `batch`"
    said = _refused(lambda: _contract(_FD, null_as_absent="no"), "Contract.null_as_absent")
    assert said == _from_dict_error({**_doc(type="string"), "null_as_absent": "no"})


# --------------------------------------------------------------------------------------
# Defect: an int bound is the f64 the engine holds
# --------------------------------------------------------------------------------------


def test_an_int_bound_is_compared_as_the_engine_compares_it() -> None:
    """A hand-built ``min=2**53 + 1`` was compared as a Python int: the event value
    ``2**53`` failed with ``value 9007199254740992 is below minimum 9007199254740992``,
    while the equal contract read by ``from_dict`` (an f64 bound) passed it."""
    big = 2**53 + 1
    by_hand = _contract(
        FieldDefinition("a", INT, min=big, max=big),
        metrics=[MetricDefinition("m", field="a", min=big, max=big)],
    )
    read = Contract.from_dict(by_hand.to_dict())
    assert read == by_hand
    events = [{"a": 2**53}, {"a": big}, {"a": 2**53 + 2}, {"a": 2**53 - 1}]
    assert _answers(by_hand, events) == _answers(read, events)
    assert by_hand.compile().validate({"a": 2**53}).passed
    fd = by_hand.entities[0]
    assert type(fd.min) is float and type(by_hand.metrics[0].max) is float


# --------------------------------------------------------------------------------------
# Defect: nesting deeper than any contract the gateway can read
# --------------------------------------------------------------------------------------


def _nested(levels: int, kind: FieldType) -> FieldDefinition:
    fd = FieldDefinition("x", S)
    for _ in range(levels):
        if kind is OBJ:
            fd = FieldDefinition("x", OBJ, properties=[fd])
        else:
            fd = FieldDefinition("x", A, items=fd)
    return fd


@pytest.mark.parametrize(("kind", "deepest"), [(OBJ, 62), (A, 124)])
def test_nesting_is_bounded_as_from_dict_bounds_it(kind: FieldType, deepest: int) -> None:
    """A hand-built field nested 200 levels deep compiled, but ``==`` and ``repr`` (and,
    at 1000 levels, ``hash``, ``to_dict``, ``pickle`` and ``diff``) raised a raw
    ``RecursionError``, and ``from_dict(to_dict())`` refused it. A field is now refused
    when built past the deepest nesting ``from_dict`` reads in a contract."""
    key = "properties" if kind is OBJ else "items"
    with pytest.raises(ContractCompileError, match="recursion limit exceeded") as info:
        _nested(deepest + 1, kind)
    assert info.value.path == f"FieldDefinition.{key}"
    enum_deep: Any = 1
    for _ in range(125):
        enum_deep = [enum_deep]  # 125 lists: from_dict enters 4 + 125 levels
    with pytest.raises(ContractCompileError, match="recursion limit exceeded"):
        FieldDefinition("x", A, enum=enum_deep)  # the enum's nesting counts too
    with pytest.raises(ContractCompileError, match="recursion limit exceeded"):
        Contract.from_dict(_doc(type="array", enum=enum_deep))  # as from_dict does
    FieldDefinition("x", A, enum=enum_deep[0])
    Contract.from_dict(_doc(type="array", enum=enum_deep[0]))
    # the deepest accepted one works everywhere and reads back the same
    contract = _contract(_nested(deepest, kind))
    read = Contract.from_dict(contract.to_dict())
    assert read == contract and hash(read) == hash(contract)
    assert pickle.loads(pickle.dumps(contract)) == copy.deepcopy(contract) == contract
    assert repr(contract) == repr(read)
    assert not contract.diff(read).changes
    event: Any = "s"
    for _ in range(deepest):
        event = {"x": event} if kind is OBJ else [event]
    assert _answers(contract, [{"x": event}]) == _answers(read, [{"x": event}])


# --------------------------------------------------------------------------------------
# Pins: the three ways give one contract, with the same verdicts
# --------------------------------------------------------------------------------------


class Other(str, enum.Enum):
    STRING = "string"


_YAML = """\
version: "1"
name: t
compliance_mode: true
null_as_absent: true
ontology:
  entities:
    - name: a
      type: object
      properties:
        - {name: b, type: string, pattern: "^[a-z]+$", min_length: 1, max_length: 4}
        - {name: b, type: integer, min: 5, max: 1}
        - {name: c, type: string, required: false, transform: {kind: mask, style: opaque}}
    - {name: n, type: number, min: .nan, max: -0.0, enum: [1, 1.0, true, null, x]}
    - {name: l, type: array, items: {name: i, type: date}}
metrics:
  - {name: m, field: n, type: float, min: 0}
quality:
  - {field: a, type: uniqueness, scope: batch}
  - {field: n, type: freshness, max_age_seconds: 60}
glossary:
  - {term: a, definition: d, synonyms: [x]}
envelope: {records_path: records}
"""


def _by_hand() -> Contract:
    return Contract(
        version="1",
        name="t",
        compliance_mode=True,
        null_as_absent=True,
        ontology=Ontology(
            (
                FieldDefinition("a", OBJ, properties=(
                    FieldDefinition("b", Other.STRING, pattern="^[a-z]+$",  # type: ignore[arg-type]
                                    min_length=1, max_length=4),
                    FieldDefinition("b", INT, min=5, max=1),  # min > max: no value
                    FieldDefinition("c", S, required=False,
                                    transform=Transform("mask", "opaque")),  # type: ignore[arg-type]
                )),
                FieldDefinition("n", "float", min=math.nan, max=-0.0,  # type: ignore[arg-type]
                                enum=[1, 1.0, True, None, "x"]),
                FieldDefinition("l", A, items=FieldDefinition("i", FieldType.DATE)),
            )
        ),
        metrics=[MetricDefinition("m", field="n", type="float", min=0)],  # type: ignore[arg-type]
        quality=[
            QualityRule("a", "uniqueness", scope="batch"),  # type: ignore[arg-type]
            QualityRule("n", QualityRuleType.FRESHNESS, max_age_seconds=60),
        ],
        glossary=[GlossaryEntry("a", "d", synonyms=["x"])],
        envelope=EnvelopeConfig("records"),
    )  # fmt: skip


def test_three_ways_give_one_contract() -> None:
    """A duplicate property name is checked twice and ``min > max`` rejects every number
    (spec §4.2), whichever way the contract was built; an enum member of another ``str``
    enum and plain keyword strings are read as ``from_yaml`` reads them (pins). The defect:
    the hand-built ``min=5`` stayed an ``int``, so its ``repr`` differed (``min=5``)."""
    from_yaml, by_hand = Contract.from_yaml(_YAML), _by_hand()
    from_dict = Contract.from_dict(from_yaml.to_dict())
    assert by_hand == from_yaml and hash(by_hand) == hash(from_yaml)
    assert by_hand.to_dict() == from_yaml.to_dict()
    for contract in (by_hand, pickle.loads(pickle.dumps(by_hand))):
        assert repr(contract) == repr(from_yaml)  # min=5 was kept an int: min=5 vs 5.0
    events: List[Any] = [
        {"a": {"b": "ab"}, "n": 1, "l": ["2024-01-01"]},
        {"a": {"b": "ABCDE", "c": 1}, "n": 1.0, "l": ["2024-02-30", 3]},
        {"a": {"b": 3}, "n": None, "x": 1},
        {"a": None, "n": "x"},
        [],
    ]
    expected = _answers(from_yaml, events)
    for contract in (by_hand, from_dict, pickle.loads(pickle.dumps(by_hand))):
        assert _answers(contract, events) == expected
    compiled = by_hand.compile()
    assert compiled.validate_batch([events[0], events[0]], now=NOW) == from_yaml.compile(
    ).validate_batch([events[0], events[0]], now=NOW)  # fmt: skip
    assert json.loads(json.dumps(by_hand.to_dict())) == by_hand.to_dict()


def test_a_transform_on_a_non_string_field_names_the_path() -> None:
    """Pins: the compile-time rule of spec §2 is the same error for every way."""
    inner = FieldDefinition("c", INT, transform=Transform(TransformKind.HASH))
    by_hand = _contract(FieldDefinition("a", OBJ, properties=[inner]))
    with pytest.raises(ContractCompileError) as info:
        by_hand.compile()
    assert info.value.path == "a.c"
    read = Contract.from_dict(by_hand.to_dict())
    with pytest.raises(ContractCompileError) as again:
        read.compile()
    assert str(again.value) == str(info.value)


def test_plain_values_are_kept_as_from_dict_keeps_them() -> None:
    """A ``str`` subclass name, a numpy float bound and an ``IntEnum`` length were kept
    as given (``repr`` showed ``name=<Other.STRING: 'string'>``, ``min=np.float64(5.0)``);
    they come out plain, as from ``from_dict``. ``dataclasses.replace`` checks too."""
    import dataclasses

    import numpy

    class Small(enum.IntEnum):
        TWO = 2

    fd = FieldDefinition(Other.STRING, S, min_length=Small.TWO,  # type: ignore[arg-type]
                         min=numpy.float64(5))  # fmt: skip
    assert type(fd.name) is str and type(fd.min_length) is int and type(fd.min) is float
    assert repr(fd) == repr(FieldDefinition("string", S, min_length=2, min=5.0))
    with pytest.raises(ContractCompileError, match=re.escape("FieldDefinition.min: ")):
        dataclasses.replace(fd, min="x")


def test_the_number_keyword_is_float_when_built_by_hand_too() -> None:
    """``from_yaml`` and ``from_dict`` read ``type: number`` as ``float`` (an alias, spec
    §1.5); a hand-built ``type="number"`` was refused."""
    from contractgate.contract import FieldDefinition, FieldType

    built = FieldDefinition(name="x", type="number")  # type: ignore[arg-type]
    assert built.type is FieldType.FLOAT is FieldType("number")
    read = Contract.from_dict(
        {"version": "1", "name": "n", "ontology": {"entities": [{"name": "x", "type": "number"}]}}
    )
    assert read.entities[0] == built
