"""Property-based tests (hypothesis): random contracts × random events never crash the
compiler or the validator -- only ``ContractCompileError`` or a result -- and the
validator's entry points agree with each other on every generated case:

* ``validate(event)`` == ``validate_json(json.dumps(event))`` (the Python-object path and
  the gateway-decoding path),
* ``is_valid`` == ``validate(...).passed``; ``validate_batch([e])`` == ``[validate(e)]``,
* compiling the same contract twice gives the same answers (no hidden state),
* and the compiled (generated) path agrees with the documented reference path,
  ``compile_contract(contract, reference=True)``, when this version has it.

Deterministic on purpose: ``derandomize=True``, no deadline, a modest example count.
"""

from __future__ import annotations

import json
import math
import string
from typing import Any, Dict, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractgate import Contract, ContractCompileError, EventDecodeError, ValidationResult

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: the cheaper cross-checks draw fewer examples (no-crash and reference parity keep 200)
SETTINGS_100 = settings(SETTINGS, max_examples=100)
SETTINGS_50 = settings(SETTINGS, max_examples=50)
NOW = 1_750_000_000

TYPES = ["string", "integer", "float", "number", "boolean", "object", "array", "any", "date"]
BAD_TYPES = ["String", "int", "", "null"]
PATTERNS = [
    "^[a-z0-9_]+$", "^\\d{4}-\\d{2}-\\d{2}$", "\\p{L}+", "(?i)^ab", "a|b|c", "^$", "x*",
    "[[:alpha:]]", "^.{0,5}$", "\\bword\\b", "[a-z&&[^aeiou]]", "(?<n>a)(?P<m>b)",
    "^(a+)+$", "(\\w+\\s?)*$",
    # rejected by the Rust dialect
    "(?=x)", "\\1", "a{,3}", "\\Z", "[", "(", "(?#c)", "\\e",
]  # fmt: skip
NAMES = ["a", "b", "user_id", "n", "x.y", "", "é", "tags[0]", "s"]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    # floats whose shortest repr round-trips the same through serde_json's parser
    st.floats(allow_nan=False, allow_infinity=False, width=32).filter(
        lambda f: len(repr(f).replace("-", "").replace(".", "").lstrip("0")) <= 15
    ),
    st.text(alphabet=string.ascii_letters + string.digits + '_-: é\n"\\', max_size=12),
    st.sampled_from(["2024-02-29", "2023-02-29", "2024-13-01", "user_1", "BAD!", ""]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from([*NAMES, "z", "extra"]), inner, max_size=4),
    ),
    max_leaves=20,
)


def field_def(depth: int) -> st.SearchStrategy[Dict[str, Any]]:
    base: Dict[str, st.SearchStrategy[Any]] = {
        "name": st.sampled_from(NAMES),
        "type": st.one_of(st.sampled_from(TYPES), st.sampled_from(BAD_TYPES)),
    }
    optional: Dict[str, st.SearchStrategy[Any]] = {
        "required": st.booleans(),
        "pattern": st.sampled_from(PATTERNS),
        "enum": st.lists(json_scalars, max_size=4),
        "min": st.one_of(st.integers(-100, 100), st.floats(-1e3, 1e3)),
        "max": st.one_of(st.integers(-100, 100), st.floats(-1e3, 1e3)),
        "min_length": st.integers(0, 10),
        "max_length": st.integers(0, 10),
        "transform": st.fixed_dictionaries({"kind": st.sampled_from(["mask", "hash", "drop",
                                                                      "redact"])}),
    }  # fmt: skip
    if depth > 0:
        optional["properties"] = st.lists(st.deferred(lambda: field_def(depth - 1)), max_size=3)
        optional["items"] = st.deferred(lambda: field_def(depth - 1))
    return st.fixed_dictionaries(base, optional=optional)


contracts = st.fixed_dictionaries(
    {
        "version": st.sampled_from(["1", "1.0.0", "2.1"]),
        "name": st.sampled_from(["t", "orders"]),
        "ontology": st.fixed_dictionaries({"entities": st.lists(field_def(2), max_size=5)}),
    },
    optional={
        "compliance_mode": st.booleans(),
        "null_as_absent": st.booleans(),
        "quality": st.lists(
            st.fixed_dictionaries(
                {"field": st.sampled_from([*NAMES, "a.b", "s.x"]),
                 "type": st.sampled_from(["completeness", "validity", "freshness",
                                          "uniqueness"])},
                optional={"max_age_seconds": st.integers(0, 10**6)},
            ),
            max_size=3,
        ),
        "metrics": st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(["m1", "m2"]),
                 "type": st.sampled_from(["integer", "float", "counter", "gauge"])},
                optional={"field": st.sampled_from(NAMES), "min": st.integers(-5, 5),
                          "max": st.integers(-5, 50)},
            ),
            max_size=2,
        ),
    },
)  # fmt: skip


def compile_or_none(doc: Dict[str, Any]) -> Optional[Any]:
    # JSON is a YAML flow document: the text goes through the real YAML loader
    try:
        return Contract.from_yaml(json.dumps(doc, ensure_ascii=False)).compile()
    except ContractCompileError as err:
        assert str(err)
        return None


def events_for(doc: Dict[str, Any]) -> st.SearchStrategy[Any]:
    """Events shaped like the contract (so the checks fire), plus arbitrary JSON."""
    names = [f["name"] for f in doc["ontology"]["entities"]] or ["a"]
    shaped = st.dictionaries(st.sampled_from([*names, "zz"]), json_values, max_size=6)
    return st.one_of(shaped, shaped, json_values)


def _key(vr: ValidationResult) -> Any:
    return vr.passed, [(v.field, str(v.kind), v.message) for v in vr.violations]


def _depth(v: Any) -> int:
    if isinstance(v, dict):
        return 1 + max((_depth(x) for x in v.values()), default=0)
    if isinstance(v, list):
        return 1 + max((_depth(x) for x in v), default=0)
    return 0


@SETTINGS
@given(data=st.data(), doc=contracts)
def test_random_contracts_and_events_never_crash(data: st.DataObject, doc: Dict[str, Any]) -> None:
    compiled = compile_or_none(doc)
    if compiled is None:
        return
    for _ in range(3):
        event = data.draw(events_for(doc))
        vr = compiled.validate(event, now=NOW)
        assert isinstance(vr, ValidationResult)
        assert vr.passed == (not vr.violations)
        assert compiled.is_valid(event, now=NOW) is vr.passed
        assert [_key(r) for r in compiled.validate_batch([event], now=NOW)] == [_key(vr)]
        assert _key(compiled.validate(event, now=NOW)) == _key(vr)  # deterministic


@SETTINGS_100
@given(data=st.data(), doc=contracts)
def test_object_path_and_json_path_agree(data: st.DataObject, doc: Dict[str, Any]) -> None:
    compiled = compile_or_none(doc)
    if compiled is None:
        return
    event = data.draw(events_for(doc))
    if _depth(event) > 127:
        return
    raw = json.dumps(event, ensure_ascii=False)
    via_json = compiled.validate_json(raw, now=NOW)  # every drawn value is decodable
    assert _key(via_json) == _key(compiled.validate(event, now=NOW))


@SETTINGS_50
@given(doc=contracts, data=st.data())
def test_recompiling_gives_the_same_answers(doc: Dict[str, Any], data: st.DataObject) -> None:
    a, b = compile_or_none(doc), compile_or_none(doc)
    assert (a is None) == (b is None)
    if a is None or b is None:
        return
    events = data.draw(st.lists(events_for(doc), max_size=4))
    assert [_key(r) for r in a.validate_batch(events, now=NOW)] == [
        _key(r) for r in b.validate_batch(events, now=NOW)]  # fmt: skip


@SETTINGS
@given(text=st.text(max_size=300))
def test_arbitrary_text_is_a_contract_or_a_compile_error(text: str) -> None:
    try:
        Contract.from_yaml(text).compile()
    except ContractCompileError:
        pass


@SETTINGS
@given(raw=st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_arbitrary_raw_events_are_a_result_or_a_decode_error(raw: Any) -> None:
    compiled = Contract.from_yaml(
        "version: '1'\nname: t\nontology:\n  entities:\n    - {name: a, type: any}\n"
    ).compile()
    try:
        vr = compiled.validate_json(raw)
    except EventDecodeError:
        return
    assert isinstance(vr, ValidationResult)


# ------------------------------------------------------------------ reference path


@SETTINGS
@given(data=st.data(), doc=contracts)
def test_compiled_path_agrees_with_the_reference(data: st.DataObject, doc: Dict[str, Any]) -> None:
    def make_reference(contract: Contract) -> Any:
        return contract.compile(reference=True)

    try:
        contract = Contract.from_yaml(json.dumps(doc, ensure_ascii=False))
        compiled = contract.compile()
    except ContractCompileError:
        with pytest.raises(ContractCompileError):
            make_reference(Contract.from_yaml(json.dumps(doc, ensure_ascii=False)))
        return
    ref = make_reference(contract)
    events = [data.draw(events_for(doc)) for _ in range(3)]
    for event in events:
        expected = ref.validate(event, now=NOW)
        assert _key(compiled.validate(event, now=NOW)) == _key(expected)
        assert compiled.is_valid(event, now=NOW) is expected.passed
    assert [_key(r) for r in compiled.validate_batch(events, now=NOW)] == [
        _key(r) for r in ref.validate_batch(events, now=NOW)
    ]


def test_generated_floats_are_exact_through_json() -> None:
    """Guard for the strategy above: the floats it draws survive a JSON round trip."""
    for f in (0.1, 1.5, -2.25, 1e-7, 123456.789):
        assert float(json.dumps(f)) == f and not math.isnan(f)
