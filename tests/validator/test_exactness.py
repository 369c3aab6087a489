"""Exact answers on the contract shapes that used to go wrong, on both paths.

* Pattern key collisions (spec §2.2): patterns are keyed by the textual dotted path and
  the later field in walk order wins, for every field with that path text — in every
  order and at every depth, for ``tags[0]``-style paths and the ``""`` parent, and on
  the generated fast path (pass expressions and inline character runs) too.
* Contracts that made the generated code raise (``NameError``) or the compiler raise
  (``ValueError`` for a NUL in the contract name).
* Python ints beyond 64 bits and beyond f64: treated as their JSON text is by serde_json
  (a float, or ``number out of range``), the same answer wherever the value sits.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Dict, List, Sequence, Tuple

import pytest

from contractgate import CompiledContract, Contract, EventDecodeError
from contractgate._validation.values.jsonvalue import loads

LOWER = "^[a-z]+$"  # a character run: tested inline by the pass expressions
DIGITS = r"^\d+$"  # Unicode \d: not a run, goes through the regex
DIGIT_RUN = "^[0-9]+$"  # a run too
X = "^x"


def _contract(entities: List[Dict[str, Any]], **extra: Any) -> Contract:
    return Contract.from_dict(
        {"version": "1", "name": "t", "ontology": {"entities": entities}, **extra}
    )


def _paths(compiled: CompiledContract) -> Tuple[CompiledContract, CompiledContract]:
    return compiled, compiled.contract.compile(reference=True)


def _answer(c: CompiledContract, event: Any) -> Tuple[bool, List[Tuple[str, str, str]]]:
    r = c.validate(event)
    return r.passed, [(v.field, str(v.kind), v.message) for v in r.violations]


def _pass_function(compiled: CompiledContract) -> Any:
    from contractgate._validation import codegen
    from contractgate._validation.compiler import _HELPERS

    c = compiled.contract
    return codegen.pass_function(
        c.ontology.entities, compiled._patterns, c.null_as_absent, compiled._pattern_runs, _HELPERS
    )


def _same_everywhere(contract: Contract, event: Any) -> Tuple[bool, List[Tuple[str, str, str]]]:
    """The answer, required equal on the generated and the reference path (validate and
    is_valid); a failing event must not get through the pass expressions."""
    gen, ref = _paths(contract.compile())
    got, want = _answer(gen, event), _answer(ref, event)
    assert got == want, (got, want)
    assert gen.is_valid(event) is want[0] and ref.is_valid(event) is want[0]
    if not want[0]:
        assert not _pass_function(gen)(event)
    return want


def _mismatch(path: str, value: str) -> Tuple[str, str, str]:
    return (
        path,
        "pattern_mismatch",
        f"Field '{path}' value {json.dumps(value)} does not match required pattern",
    )


# --------------------------------------------------------------------------------------
# Pattern key collisions (issue 14 item 1, issue 15 item 4)


def test_the_issue_example_top_level_dotted_name_before_the_object() -> None:
    contract = _contract(
        [
            {"name": "a.b", "type": "string", "pattern": LOWER},
            {
                "name": "a",
                "type": "object",
                "properties": [{"name": "b", "type": "string", "pattern": DIGITS}],
            },
        ]
    )
    assert _same_everywhere(contract, {"a.b": "abc", "a": {"b": "123"}}) == (
        False,
        [_mismatch("a.b", "abc")],
    )
    assert _same_everywhere(contract, {"a.b": "123", "a": {"b": "123"}}) == (True, [])


def test_two_entities_with_one_name_both_use_the_later_pattern() -> None:
    contract = _contract(
        [
            {"name": "f", "type": "string", "pattern": LOWER},
            {"name": "f", "type": "string", "pattern": X},
        ]
    )
    assert _same_everywhere(contract, {"f": "abc"}) == (False, [_mismatch("f", "abc")] * 2)
    assert _same_everywhere(contract, {"f": "xyz"}) == (True, [])
    # the earlier field's character run must not survive its pattern
    assert "f" not in contract.compile()._pattern_runs


def _nested(names: Sequence[str], pattern: str) -> Dict[str, Any]:
    """A field at ``names`` (objects down to a string leaf with ``pattern``)."""
    leaf: Dict[str, Any] = {"name": names[-1], "type": "string", "pattern": pattern}
    for name in reversed(names[:-1]):
        leaf = {"name": name, "type": "object", "properties": [leaf]}
    return leaf


def _put(event: Dict[str, Any], names: Sequence[str], value: str) -> None:
    for name in names[:-1]:
        event = event.setdefault(name, {})
    event[names[-1]] = value


#: Ways to spell the path text "a.b.c" (and "a.b"), as key lists from the root.
SPELLINGS_3 = [["a.b.c"], ["a", "b.c"], ["a.b", "c"], ["a", "b", "c"]]
SPELLINGS_2 = [["a.b"], ["a", "b"]]


@pytest.mark.parametrize("spellings", [SPELLINGS_2, SPELLINGS_3], ids=["depth2", "depth3"])
@pytest.mark.parametrize("patterns", [(LOWER, DIGITS), (DIGITS, LOWER), (LOWER, DIGIT_RUN)])
def test_every_order_and_depth_of_a_collision(
    spellings: List[List[str]], patterns: Tuple[str, str]
) -> None:
    """Every pair of spellings of one path text, in both orders: the later field's
    pattern applies to the values at both, whichever pattern is a character run."""
    for first, second in itertools.permutations(spellings, 2):
        contract = _contract([_nested(first, patterns[0]), _nested(second, patterns[1])])
        winner_ok = "123" if patterns[1] != LOWER else "abc"
        loser_ok = "abc" if winner_ok == "123" else "123"
        path = ".".join(first)
        for v1, v2 in itertools.product((winner_ok, loser_ok), repeat=2):
            event: Dict[str, Any] = {}
            _put(event, first, v1)
            _put(event, second, v2)
            want = [_mismatch(path, v) for v in (v1, v2) if v != winner_ok]
            assert _same_everywhere(contract, event) == (not want, want), (first, second, event)


def test_a_collision_through_an_object_named_empty() -> None:
    """The properties of an object named "" sit at the root of the path space: ``[``
    under ``""`` and a top-level ``[`` share the path text ``[``, in both orders."""
    inner = {
        "name": "",
        "type": "object",
        "properties": [{"name": "[", "type": "string", "pattern": LOWER}],
    }
    top = {"name": "[", "type": "string", "pattern": X}
    for entities, winner in (([inner, top], X), ([top, inner], LOWER)):
        contract = _contract(entities)
        compiled = contract.compile()
        assert compiled.patterns["["].pattern == winner
        assert ("[" in compiled._pattern_runs) is (winner == LOWER)
        good = "xabc" if winner == X else "abc"
        bad = "abc" if winner == X else "xyz1"
        assert _same_everywhere(contract, {"": {"[": good}, "[": good}) == (True, [])
        assert _same_everywhere(contract, {"": {"[": bad}, "[": good}) == (
            False,
            [_mismatch("[", bad)],
        )
        assert _same_everywhere(contract, {"": {"[": good}, "[": bad}) == (
            False,
            [_mismatch("[", bad)],
        )


@pytest.mark.parametrize("before", [True, False], ids=["pattern-first", "array-first"])
@pytest.mark.parametrize("parent", ["", "o"], ids=["top", "nested"])
@pytest.mark.parametrize("pattern", [LOWER, DIGITS])
def test_an_index_like_name_applies_its_pattern_to_that_array_element(
    before: bool, parent: str, pattern: str
) -> None:
    """``tags[0]`` (a field name) keys a pattern that element 0 of the array ``tags``
    also gets, because patterns are looked up by path text (§4.5); element 1 has none,
    and a pattern under ``items`` is never compiled."""
    named = {"name": "tags[0]", "type": "string", "required": False, "pattern": pattern}
    array = {
        "name": "tags",
        "type": "array",
        "items": {"name": "t", "type": "string", "pattern": "^never$"},
    }
    fields = [named, array] if before else [array, named]
    entities = [{"name": "o", "type": "object", "properties": fields}] if parent else fields
    contract = _contract(entities)
    good, bad = ("abc", "12") if pattern == LOWER else ("12", "abc")
    where = f"{parent}.tags[0]" if parent else "tags[0]"

    def event(tags: List[Any], named_value: Any = None) -> Dict[str, Any]:
        body: Dict[str, Any] = {"tags": tags}
        if named_value is not None:
            body["tags[0]"] = named_value
        return {"o": body} if parent else body

    assert _same_everywhere(contract, event([good, bad])) == (True, [])
    assert _same_everywhere(contract, event([bad, good], good)) == (False, [_mismatch(where, bad)])
    assert _same_everywhere(contract, event([good], bad)) == (False, [_mismatch(where, bad)])
    # an object in the array: the pattern of "tags[0].v" applies to element 0's v
    nested = _contract(
        [
            {"name": "tags[0].v", "type": "string", "required": False, "pattern": pattern},
            {
                "name": "tags",
                "type": "array",
                "items": {
                    "name": "t",
                    "type": "object",
                    "properties": [{"name": "v", "type": "any"}],
                },
            },
        ]
    )
    assert _same_everywhere(nested, {"tags": [{"v": good}, {"v": bad}]}) == (True, [])
    assert _same_everywhere(nested, {"tags": [{"v": bad}, {"v": 1}]}) == (
        False,
        [_mismatch("tags[0].v", bad)],
    )


# --------------------------------------------------------------------------------------
# Contracts that made the generated code or the compiler raise (issue 15 items 5, 6)


def test_an_index_keyed_pattern_with_any_under_array_items_does_not_raise() -> None:
    contract = _contract(
        [
            {"name": "tags[0]", "type": "string", "pattern": "^a"},
            {
                "name": "arr",
                "type": "array",
                "items": {
                    "name": "x",
                    "type": "object",
                    "properties": [{"name": "v", "type": "any"}],
                },
            },
        ]
    )
    for event in (
        {"tags[0]": "a", "arr": [{"v": 1}, {"v": "s"}, {"v": None}]},
        {"tags[0]": "a", "arr": [{"v": [1]}, {"v": 2.5}]},
    ):
        assert _same_everywhere(contract, event) == (True, [])
    assert _same_everywhere(contract, {"tags[0]": "b", "arr": [{"v": 1}]})[0] is False
    assert _same_everywhere(contract, {"tags[0]": "a", "arr": [{}]}) == (
        False,
        [("arr[0].v", "missing_required_field", "Required field 'v' is missing")],
    )
    required_any = _contract(
        [
            {"name": "x[0]", "type": "string", "required": False, "pattern": "^a"},
            {"name": "x", "type": "array", "items": {"name": "i", "type": "any", "min_length": 2}},
        ]
    )
    assert _same_everywhere(required_any, {"x": ["abc", 5, None]}) == (True, [])
    assert _same_everywhere(required_any, {"x": ["zz"]}) == (False, [_mismatch("x[0]", "zz")])


@pytest.mark.parametrize("name", ["a\0b", "\0", "a\ud800b", "é\n\t\x7f", ""])
def test_a_contract_name_with_nul_or_control_characters_compiles(name: str) -> None:
    yaml_name = json.dumps(name)
    text = (
        f"version: '1'\nname: {yaml_name}\n"
        "ontology:\n  entities:\n    - {name: x, type: string}\n"
    )
    if "\ud800" in name:  # not YAML text: build it directly
        contract = _contract([{"name": "x", "type": "string"}])
        contract = Contract.from_dict({**contract.to_dict(), "name": name})
    else:
        contract = Contract.from_yaml(text)
    assert contract.name == name
    compiled = contract.compile()
    assert compiled.is_generated
    assert compiled.validate({"x": "s"}).passed and compiled.is_valid({"x": "s"})
    assert _answer(compiled, {"x": 1}) == (
        False,
        [("x", "type_mismatch", "Field 'x' expected type String, got integer")],
    )


# --------------------------------------------------------------------------------------
# Python ints beyond 64 bits (issue 15 item 7)

BIG_FIELDS = _contract(
    [
        {"name": "f", "type": "float", "required": False},
        {"name": "fb", "type": "float", "required": False, "min": 0},
        {"name": "a", "type": "any", "required": False},
        {"name": "ab", "type": "any", "required": False, "max": 1e300},
        {"name": "ae", "type": "any", "required": False, "enum": [1, "x"]},
        {"name": "i", "type": "integer", "required": False},
        {"name": "s", "type": "string", "required": False},
        {"name": "b", "type": "boolean", "required": False},
        {
            "name": "l",
            "type": "array",
            "required": False,
            "items": {"name": "x", "type": "float", "max": 0},
        },
    ],
    quality=[{"field": "s", "type": "uniqueness"}, {"field": "a", "type": "uniqueness"}],
)
FIELDS = ["f", "fb", "a", "ab", "ae", "i", "s", "b"]
BEYOND_F64 = [10**400, -(10**400), 2**1024, 10**5000, -(10**100_000)]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize(
    "value", BEYOND_F64, ids=["1e400", "-1e400", "2^1024", "1e5000", "-1e100000"]
)
def test_an_int_beyond_f64_is_number_out_of_range_wherever_it_sits(field: str, value: int) -> None:
    """serde_json rejects the JSON text of such an int (``number out of range``), so the
    event is an EventDecodeError whatever the field's type or bounds, on both paths,
    and never a raw ValueError from ``str()`` of an int over 4,300 digits."""
    for compiled in _paths(BIG_FIELDS.compile()):
        for call in (
            compiled.validate,
            compiled.is_valid,
            lambda e, c=compiled: c.validate_batch([e, e]),
        ):
            with pytest.raises(EventDecodeError) as info:
                call({field: value})
            assert info.value.code == "number out of range"
        with pytest.raises(EventDecodeError):
            compiled.validate({"l": [0, value]})
    text_field = json.dumps({field: 0})[:-2] + str(10**400) + "}"
    with pytest.raises(EventDecodeError, match="number out of range"):
        BIG_FIELDS.compile().validate_json(text_field)


@pytest.mark.parametrize("value", [2**64, -(2**63) - 1, 10**300, -(10**308), 2**1023])
def test_an_int_beyond_64_bits_within_f64_is_the_float_of_its_digits(value: int) -> None:
    """Such an int is a JSON float (spec §3): it passes float/any fields, fails integer
    fields as ``got float``, and is compared and rendered as serde_json's float."""
    as_json = BIG_FIELDS.compile().validate_json(json.dumps({"i": value, "f": value, "a": value}))
    got = _same_everywhere(BIG_FIELDS, {"i": value, "f": value, "a": value})
    assert got == _answer(BIG_FIELDS.compile(), {"i": value, "f": value, "a": value})
    assert (as_json.passed, [(v.field, str(v.kind), v.message) for v in as_json.violations]) == got
    assert got == (False, [("i", "type_mismatch", "Field 'i' expected type Integer, got float")])
    bounded = _same_everywhere(BIG_FIELDS, {"fb": -value if value > 0 else value, "ab": value})
    assert bounded[0] is False and {f for f, _, _ in bounded[1]} <= {"fb", "ab"}


def test_huge_ints_in_batch_uniqueness_are_typed_errors_not_value_errors() -> None:
    compiled = BIG_FIELDS.compile()
    events = [{"a": 10**5000}, {"a": 10**5000}]
    with pytest.raises(EventDecodeError, match="number out of range"):
        compiled.validate_batch(events)
    with pytest.raises(EventDecodeError, match="number out of range"):
        compiled.uniqueness_violations(events)
    # within f64 they compare as their float: 2**64 and 2**64 + 1 are the same float
    dup = compiled.validate_batch([{"a": 2**64}, {"a": 2**64 + 1}])
    assert [r.passed for r in dup] == [True, False]
    assert dup[1].violations[0].message == (
        "Quality uniqueness: duplicate value \"1.8446744073709552e+19\" for field 'a' in batch"
    )
    from_text = compiled.validate_batch(
        [loads('{"a": 18446744073709551616}'), loads('{"a": 18446744073709551617}')]
    )
    assert from_text == dup
