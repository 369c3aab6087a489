"""Defects found in the contract model's conversions (``from_dict``, ``to_dict``).

The promise: ``Contract.from_dict(c.to_dict())`` validates every event as ``c`` does, and
``from_dict`` reads Python data as ``from_yaml`` reads the same data (a JSON contract file
is YAML to the gateway), with the same typed ``ContractCompileError``. Each test names
what used to go wrong; see the CHANGELOG's Fixed section.
"""

from __future__ import annotations

import enum
import json
import math
from typing import Any, Dict, Iterator, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractgate import Contract, ContractCompileError
from contractgate.contract import FieldDefinition, FieldType, Ontology

NOW = 1_750_000_000


def _doc(**field: Any) -> Dict[str, Any]:
    return {
        "version": "1",
        "name": "t",
        "ontology": {"entities": [{"name": "a", "type": "any", **field}]},
    }


def _answers(contract: Contract, events: List[Any]) -> Any:
    try:
        compiled = contract.compile()
    except ContractCompileError as err:
        return ("compile error", str(err))
    out = []
    for event in events:
        r = compiled.validate(event, now=NOW)
        out.append((r.passed, [(v.field, v.kind, v.message) for v in r.violations]))
    return out


class Color(str, enum.Enum):
    RED = "red"
    GREEN = "green"


class Small(enum.IntEnum):
    ONE = 1


class MyFloat(float):
    pass


# --------------------------------------------------------------------------------------
# from_dict reads Python values as the YAML reader reads the same data
# --------------------------------------------------------------------------------------


def test_from_dict_reads_str_enum_members_as_their_text() -> None:
    """A ``str`` subclass (a ``(str, Enum)`` member, ``numpy.str_``) was kept as is in an
    ``enum``: the validator matches exact ``str``, so ``enum: [Color.RED]`` rejected
    ``"red"`` with ``value "red" not in allowed set: ["red"]``."""
    contract = Contract.from_dict(_doc(enum=[Color.RED, [Color.GREEN], {Color.RED: Color.RED}]))
    same = Contract.from_yaml(json.dumps(_doc(enum=["red", ["green"], {"red": "red"}])))
    assert contract == same
    events = [{"a": "red"}, {"a": ["green"]}, {"a": {"red": "red"}}, {"a": "blue"}]
    assert _answers(contract, events) == _answers(same, events)
    assert contract.compile().validate({"a": "red"}).passed
    enum_values = contract.entities[0].enum or ()
    assert type(enum_values[0]) is str
    assert type(next(iter(enum_values[2]))) is str


def test_from_dict_keeps_plain_types_for_text_and_numbers() -> None:
    """Text fields kept a ``str`` subclass (``repr`` showed ``version=FieldType.STRING``),
    bounds a ``float`` subclass and lengths an ``IntEnum``."""
    data = _doc(min=MyFloat(1.5), min_length=Small.ONE)
    data["version"] = FieldType.STRING
    data["ontology"]["entities"][0]["name"] = Color.RED
    data["quality"] = [{"field": "a", "type": "freshness", "max_age_seconds": Small.ONE}]
    contract = Contract.from_dict(data)
    fd = contract.entities[0]
    assert type(contract.version) is str and contract.version == "string"
    assert type(fd.name) is str and type(fd.min) is float and type(fd.min_length) is int
    assert type(contract.quality[0].max_age_seconds) is int
    assert "version='string'" in repr(contract) and "name='red'" in repr(contract)
    assert "Small" not in repr(contract)


# --------------------------------------------------------------------------------------
# Hand-built models: to_dict() reads back as the same contract
# --------------------------------------------------------------------------------------


def _hand_built(**field: Any) -> Contract:
    return Contract(
        version="1", name="t", ontology=Ontology([FieldDefinition(name="a", type="any", **field)])
    )


@pytest.mark.parametrize(
    "enum_values",
    [
        [math.inf],  # the YAML .inf in an enum is null: to_dict wrote null, c never matched it
        [math.nan, 1],
        [10**30],  # rendered 1000000000000000000000000000000, read back as 1e+30
        [Color.RED],  # never matched "red"
        [(1, Color.GREEN)],
        [{"k": (1.0,)}],
    ],
)
def test_hand_built_enum_reads_back_the_same(enum_values: List[Any]) -> None:
    """A hand-built ``enum`` was used as given: ``to_dict()`` then wrote other JSON values
    (``inf`` as ``null``) and the contract read back from it answered differently."""
    contract = _hand_built(enum=enum_values)
    again = Contract.from_dict(json.loads(json.dumps(contract.to_dict(), allow_nan=False)))
    events: List[Any] = [{"a": v} for v in (None, 1, 1.0, "red", [1, "green"], {"k": [1.0]})]
    assert again == contract
    assert _answers(again, events) == _answers(contract, events)


@pytest.mark.parametrize(
    ("enum_values", "path"),
    [
        (["x", {1: "y"}], "FieldDefinition.enum[1]"),  # rendered {1:"y"}, read back {"1":"y"}
        ([{"k": {1, 2}}], "FieldDefinition.enum[0].k"),  # to_dict() was not JSON
        ("abc", "FieldDefinition.enum"),  # was the enum ["a", "b", "c"]
    ],
)
def test_hand_built_enum_that_is_no_json_list_is_refused(enum_values: Any, path: str) -> None:
    with pytest.raises(ContractCompileError) as info:
        _hand_built(enum=enum_values)
    assert info.value.path == path


# --------------------------------------------------------------------------------------
# Property: from_dict(to_dict(c)) == c with the same verdicts; YAML and JSON round trips
# --------------------------------------------------------------------------------------

_TRICKY = [
    "yes", "no", "on", "null", "~", "", "1.10", "01", "0x1F", "0o17", "1e5", "1_000", "true",
    "True", ".inf", "-0", "2024-01-01", "12:30", "é", "名前", "a\nb", " x ", "\t", "#", "- a",
    "a: b", "'", '"', "\\", "\x00", "\x85", "\u2028", "\ufeff", "<<", "!x", "&a", "*a", "%",
    "? x", "-.inf", ".NaN", "+1", "5.", ".5", "😀",
]  # fmt: skip
_text = st.one_of(
    st.sampled_from(_TRICKY), st.text(st.characters(blacklist_categories=("Cs",)), max_size=5)
)
_floats = st.one_of(
    st.sampled_from([0.0, -0.0, 0.1, 1e20, -1e20, 1e300, 5e-324, 1.5, 1e16, 2.0**63]),
    st.floats(allow_nan=False, allow_infinity=False),
)
_ints = st.one_of(
    st.sampled_from([0, 1, -1, 2**63 - 1, -(2**63), 2**64 - 1, 2**53 + 1]),
    st.integers(-(2**63), 2**64 - 1),
)
_json = st.recursive(
    st.one_of(st.none(), st.booleans(), _ints, _floats, _text),
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(_text, c, max_size=3)),
    max_leaves=6,
)
_bound = st.one_of(st.none(), _ints, _floats)  # ±inf/NaN are null in to_dict() (§1.13)
_length = st.one_of(st.none(), st.integers(0, 20), st.integers(0, 2**64 - 1))
_PATTERNS = [None, "^a", "é+$", r"\d", r"\w+", "[a-z]", r"\.", "(?i)x", r"\u{e9}", r"\p{L}"]
_TYPES = ["string", "integer", "float", "number", "boolean", "object", "array", "any", "date"]
_transform = st.fixed_dictionaries(
    {"kind": st.sampled_from(["mask", "hash", "drop", "redact"])},
    optional={"style": st.sampled_from([None, "opaque", "format_preserving"])},
)


def _field(children: Any) -> Any:
    return st.fixed_dictionaries(
        {"name": _text, "type": st.sampled_from(_TYPES)},
        optional={
            "required": st.booleans(),
            "pattern": st.sampled_from(_PATTERNS),
            "enum": st.one_of(st.none(), st.lists(_json, max_size=4)),
            "min": _bound,
            "max": _bound,
            "min_length": _length,
            "max_length": _length,
            "properties": st.one_of(st.none(), st.lists(children, max_size=3)),
            "items": st.one_of(st.none(), children),
            "transform": st.one_of(st.none(), _transform),
        },
    )


_fields = st.recursive(
    st.fixed_dictionaries({"name": _text, "type": st.sampled_from(_TYPES)}), _field, max_leaves=5
)
_opt_text = st.one_of(st.none(), _text)
_contracts = st.fixed_dictionaries(
    {
        "version": st.one_of(st.sampled_from(["1.10", "01", "yes", "~", "null", "0x1F"]), _text),
        "name": _text,
        "ontology": st.fixed_dictionaries({"entities": st.lists(_fields, max_size=4)}),
    },
    optional={
        "description": _opt_text,
        "compliance_mode": st.booleans(),
        "null_as_absent": st.booleans(),
        "egress_leakage_mode": st.sampled_from(["off", "strip", "fail"]),
        "envelope": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {"records_path": _text}, optional={"validate_wrapper": st.booleans()}
            ),
        ),
        "glossary": st.lists(
            st.fixed_dictionaries(
                {"field": _text, "description": _text},
                optional={"constraints": _opt_text, "synonyms": st.lists(_text, max_size=3)},
            ),
            max_size=2,
        ),
        "metrics": st.lists(
            st.fixed_dictionaries(
                {"name": _text},
                optional={
                    "field": _opt_text,
                    "type": st.sampled_from([None, "integer", "float"]),
                    "formula": _opt_text,
                    "min": _bound,
                    "max": _bound,
                },
            ),
            max_size=2,
        ),
        "quality": st.lists(
            st.fixed_dictionaries(
                {
                    "field": _text,
                    "type": st.sampled_from(
                        ["completeness", "validity", "freshness", "uniqueness"]
                    ),
                },
                optional={
                    "description": _opt_text,
                    "max_age_seconds": st.one_of(st.none(), st.integers(0, 2**64 - 1)),
                    "scope": st.sampled_from([None, "batch"]),
                    "threshold": _bound,
                },
            ),
            max_size=2,
        ),
    },
)


def _fields_of(entities: Any) -> Iterator[Dict[str, Any]]:
    for fd in entities or ():
        yield fd
        yield from _fields_of(fd.get("properties"))
        if fd.get("items"):
            yield from _fields_of([fd["items"]])


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def _pyyaml_keeps_enum_strings(out: Dict[str, Any], yaml: Any) -> bool:
    """PyYAML writes YAML 1.1: it leaves ``1e5`` and ``0o17`` unquoted, which YAML 1.2
    readers (serde_yaml) type as numbers; such strings cannot round-trip through it."""
    from contractgate._validation.loading.serde_types import untagged

    return all(
        untagged(s)[0] == "str" or yaml.safe_load(s) != s
        for fd in _fields_of(out["ontology"]["entities"])
        for s in _strings(fd.get("enum"))
    )


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_contracts, st.lists(_json, max_size=3))
def test_to_dict_round_trips(data: Dict[str, Any], values: List[Any]) -> None:
    contract = Contract.from_dict(data)
    out = contract.to_dict()
    text = json.dumps(out, allow_nan=False)  # JSON-ready: no NaN/inf, no tuples, str keys
    again = Contract.from_dict(json.loads(text))
    assert again == contract
    assert Contract.from_dict(out) == contract
    names = [fd["name"] for fd in data["ontology"]["entities"]] or ["x"]
    events = [{n: v for n in names} for v in values] + [{}]
    assert _answers(again, events) == _answers(contract, events)
    yaml = pytest.importorskip("yaml")
    if _pyyaml_keeps_enum_strings(out, yaml):
        assert Contract.from_yaml(yaml.safe_dump(out)) == contract
        assert Contract.from_yaml(yaml.safe_dump(data)) == contract


def test_a_pattern_holding_a_lone_surrogate_is_a_compile_error() -> None:
    """No contract file can hold a lone surrogate, but ``from_dict`` (or a hand-built
    model) can: ``compile()`` raised a raw ``UnicodeEncodeError`` from the size replay."""
    from contractgate import ContractCompileError

    c = Contract.from_dict({"version": "1", "name": "t", "ontology": {"entities": [
        {"name": "a", "type": "string", "pattern": "^a\ud800"}]}})  # fmt: skip
    with pytest.raises(ContractCompileError, match="lone surrogate") as err:
        c.compile()
    assert err.value.path == "a"
