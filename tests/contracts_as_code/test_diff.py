"""``Contract.diff``: every change kind, its verdict per side (producers / consumers),
the engine's semantics behind each verdict, real contract pairs, and empirical probing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List, Tuple

import pytest

from contractgate import ContractChange, ContractDiff
from contractgate.contract import ChangeKind, Contract, Impact

REPO = Path(__file__).resolve().parents[2]
N, B, U = Impact.NONE, Impact.BREAKING, Impact.UNKNOWN


def contract(fields: str, extra: str = "", version: str = "1.0.0") -> Contract:
    body = "\n".join("    " + line for line in fields.strip("\n").splitlines())
    text = f'version: "{version}"\nname: t\n{extra}ontology:\n  entities:\n{body}\n'
    return Contract.from_yaml(text)


def changes(old: Contract, new: Contract) -> List[Tuple[str, str, Any, Any, str, str]]:
    return [
        (c.kind.value, c.subject, c.before, c.after, c.producers.value, c.consumers.value)
        for c in old.diff(new)
    ]


def one(old: Contract, new: Contract) -> ContractChange:
    d = old.diff(new)
    assert len(d) == 1, [c.to_dict() for c in d]
    return d.changes[0]


def sides(c: ContractChange) -> Tuple[Impact, Impact]:
    return c.producers, c.consumers


ID = "- {name: id, type: string}"


def test_diff_takes_a_contract() -> None:
    old = contract(ID)
    with pytest.raises(TypeError, match=r"takes a Contract \(its \.contract\), not Compiled"):
        old.diff(old.compile())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Contract\.diff\(\) takes a Contract, not str"):
        old.diff("contracts/orders.yaml")  # type: ignore[arg-type]


# ------------------------------------------------------------------ field_added / removed


def test_required_field_added_breaks_producers() -> None:
    c = one(contract(ID), contract(ID + "\n- {name: ts, type: integer}"))
    assert c.kind is ChangeKind.FIELD_ADDED and c.path == "ts"
    assert sides(c) == (B, N)
    assert c.after == "required integer"


def test_optional_field_added_on_an_open_object_is_unknown_for_producers() -> None:
    # the old contract accepted any value under 'note'; the new one only strings
    c = one(contract(ID), contract(ID + "\n- {name: note, type: string, required: false}"))
    assert sides(c) == (U, N)
    assert "already send it" in c.reason


def test_optional_bare_any_field_added_changes_nothing() -> None:
    c = one(contract(ID), contract(ID + "\n- {name: note, type: any, required: false}"))
    assert sides(c) == (N, N)


def test_field_added_under_compliance_mode_breaks_consumers() -> None:
    cm = "compliance_mode: true\n"
    c = one(contract(ID, cm), contract(ID + "\n- {name: note, type: string, required: false}", cm))
    assert sides(c) == (N, B)  # events carrying 'note' were rejected and now pass
    c = one(contract(ID, cm), contract(ID + "\n- {name: ts, type: integer}", cm))
    assert sides(c) == (B, B)


def test_optional_field_removed_without_compliance_breaks_consumers_only() -> None:
    old = contract(ID + "\n- {name: amount, type: float, required: false, min: 0}")
    c = one(old, contract(ID))
    assert c.kind is ChangeKind.FIELD_REMOVED
    assert sides(c) == (N, B)  # nobody's events fail; readers lose 'amount >= 0'
    assert c.before == "optional float, min 0"


def test_removing_an_unconstrained_optional_field_breaks_nobody() -> None:
    c = one(contract(ID + "\n- {name: x, type: any, required: false}"), contract(ID))
    assert sides(c) == (N, N)


def test_field_removed_under_compliance_mode_breaks_producers() -> None:
    cm = "compliance_mode: true\n"
    old = contract(ID + "\n- {name: note, type: string, required: false}", cm)
    assert sides(one(old, contract(ID, cm))) == (B, N)
    old = contract(ID + "\n- {name: note, type: string}", cm)
    assert sides(one(old, contract(ID, cm))) == (B, B)


def test_nested_properties_and_items_are_compared_with_their_paths() -> None:
    old = contract(
        """
- name: customer
  type: object
  properties:
    - {name: id, type: string}
- name: lines
  type: array
  items:
    name: line
    type: object
    properties:
      - {name: sku, type: string}
"""
    )
    new = contract(
        """
- name: customer
  type: object
  properties:
    - {name: id, type: string}
    - {name: tier, type: integer}
- name: lines
  type: array
  items:
    name: line
    type: object
    properties:
      - {name: sku, type: string}
      - {name: qty, type: integer, required: false}
"""
    )
    assert changes(old, new) == [
        ("field_added", "customer.tier", None, "required integer", "breaking", "none"),
        ("field_added", "lines[].qty", None, "optional integer", "unknown", "none"),
    ]


def test_items_added_and_removed() -> None:
    bare = contract("- {name: tags, type: array}")
    typed = contract("- {name: tags, type: array, items: {name: t, type: string}}")
    assert changes(bare, typed) == [
        ("constraint_changed", "tags[] (items)", None, "required string", "breaking", "none")
    ]
    assert sides(one(typed, bare)) == (N, B)


# ------------------------------------------------------------------ type_changed


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("integer", "float", (N, B)),  # widening: floats now pass
        ("float", "integer", (B, N)),
        ("string", "date", (B, N)),  # a date is a string with a calendar check
        ("date", "string", (N, B)),
        ("boolean", "any", (N, B)),
        ("any", "object", (B, N)),
        ("string", "integer", (B, B)),
        ("object", "array", (B, B)),
    ],
)
def test_type_changes(old: str, new: str, expected: Tuple[Impact, Impact]) -> None:
    c = one(contract(f"- {{name: v, type: {old}}}"), contract(f"- {{name: v, type: {new}}}"))
    assert c.kind is ChangeKind.TYPE_CHANGED
    assert (c.before, c.after) == (old, new)
    assert sides(c) == expected


def test_number_is_float() -> None:
    assert (
        len(contract("- {name: v, type: number}").diff(contract("- {name: v, type: float}"))) == 0
    )


def test_widening_behind_an_enum_lets_nothing_new_through() -> None:
    c = one(
        contract("- {name: v, type: integer, enum: [1, 2]}"),
        contract("- {name: v, type: float, enum: [1, 2]}"),
    )
    assert sides(c) == (N, N)
    assert "enum admits only integer values" in c.reason
    # but an enum with a float element does let floats through
    d = contract("- {name: v, type: integer, enum: [1]}").diff(
        contract("- {name: v, type: float, enum: [1, 1.5]}")
    )
    assert [(c.kind.value, c.producers, c.consumers) for c in d] == [
        ("type_changed", N, B),
        ("enum_value_added", N, B),
    ]


# ------------------------------------------------------------------ required_changed


def test_required_changes() -> None:
    opt = contract("- {name: v, type: string, required: false}")
    req = contract("- {name: v, type: string}")
    assert changes(opt, req) == [("required_changed", "v", False, True, "breaking", "none")]
    assert changes(req, opt) == [("required_changed", "v", True, False, "none", "breaking")]


def test_required_has_no_effect_on_array_items() -> None:
    old = contract("- {name: a, type: array, items: {name: i, type: string}}")
    new = contract("- {name: a, type: array, items: {name: i, type: string, required: false}}")
    c = one(old, new)
    assert (c.kind, c.path, sides(c)) == (ChangeKind.REQUIRED_CHANGED, "a[]", (N, N))


# ------------------------------------------------------------------ enum values


def test_enum_values_removed_and_added() -> None:
    old = contract("- {name: s, type: string, enum: [a, b]}")
    new = contract("- {name: s, type: string, enum: [b, c]}")
    assert changes(old, new) == [
        ("enum_value_removed", "s", "a", None, "breaking", "none"),
        ("enum_value_added", "s", None, "c", "none", "breaking"),
    ]


def test_enum_order_alone_is_no_change() -> None:
    old = contract("- {name: s, type: string, enum: [a, b, c]}")
    assert len(old.diff(contract("- {name: s, type: string, enum: [c, a, b]}"))) == 0


def test_enum_equality_is_json_equality() -> None:
    # 1 and 1.0 and true are three different JSON values (spec §4.7)
    d = contract("- {name: v, type: any, enum: [1]}").diff(
        contract("- {name: v, type: any, enum: [1.0, true]}")
    )
    assert [(c.kind.value, c.before, c.after) for c in d] == [
        ("enum_value_removed", 1, None),
        ("enum_value_added", None, 1.0),
        ("enum_value_added", None, True),
    ]


def test_enum_values_the_type_never_lets_through_break_nobody() -> None:
    c = one(
        contract("- {name: v, type: integer, enum: [1, x]}"),
        contract("- {name: v, type: integer, enum: [1]}"),
    )
    assert (c.kind, sides(c)) == (ChangeKind.ENUM_VALUE_REMOVED, (N, N))
    assert "never passed the integer type check" in c.reason


def test_enum_introduced_and_dropped() -> None:
    free = contract("- {name: v, type: string}")
    closed = contract("- {name: v, type: string, enum: [a]}")
    assert changes(free, closed) == [
        ("constraint_changed", "v (enum)", None, ["a"], "breaking", "none")
    ]
    assert sides(one(closed, free)) == (N, B)


# ------------------------------------------------------------------ patterns


def test_pattern_changes() -> None:
    none = contract("- {name: v, type: string}")
    lower = contract("- {name: v, type: string, pattern: '^[a-z]+$'}")
    alnum = contract("- {name: v, type: string, pattern: '^[a-z0-9]+$'}")
    assert sides(one(none, lower)) == (B, N)
    assert sides(one(lower, none)) == (N, B)
    assert sides(one(lower, alnum)) == (U, U)  # two regexes: not compared statically
    assert len(lower.diff(contract("- {name: v, type: string, pattern: '^[a-z]+$'}"))) == 0
    assert one(lower, alnum).kind is ChangeKind.PATTERN_CHANGED


def test_patterns_that_never_apply() -> None:
    # under array items a pattern is never compiled nor applied (spec §2.2)
    old = contract("- {name: a, type: array, items: {name: i, type: string}}")
    new = contract("- {name: a, type: array, items: {name: i, type: string, pattern: '^x$'}}")
    assert sides(one(old, new)) == (N, N)
    # on an integer field it never fires
    assert sides(
        one(
            contract("- {name: v, type: integer}"),
            contract("- {name: v, type: integer, pattern: x}"),
        )
    ) == (N, N)
    # the empty pattern matches every string
    assert sides(
        one(
            contract("- {name: v, type: string}"),
            contract("- {name: v, type: string, pattern: ''}"),
        )
    ) == (N, N)


# ------------------------------------------------------------------ constraints


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("min: 0", "min: 1", (B, N)),
        ("min: 1", "min: 0", (N, B)),
        ("", "min: 0", (B, N)),
        ("min: 0", "", (N, B)),
        ("max: 10", "max: 5", (B, N)),
        ("max: 5", "max: 10", (N, B)),
        ("min: -.inf", "", (N, N)),  # a bound that never triggers (spec §4.6)
        ("max: .nan", "", (N, N)),
    ],
)
def test_numeric_bounds(old: str, new: str, expected: Tuple[Impact, Impact]) -> None:
    def c(extra: str) -> Contract:
        return contract("- {name: v, type: float" + (", " + extra if extra else "") + "}")

    change = one(c(old), c(new))
    assert change.kind is ChangeKind.CONSTRAINT_CHANGED
    assert change.constraint in ("min", "max")
    assert sides(change) == expected


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("min_length: 1", "min_length: 3", (B, N)),
        ("max_length: 8", "max_length: 16", (N, B)),
        ("max_length: 8", "", (N, B)),
        ("min_length: 0", "", (N, N)),
    ],
)
def test_length_bounds(old: str, new: str, expected: Tuple[Impact, Impact]) -> None:
    def c(extra: str) -> Contract:
        return contract("- {name: v, type: string" + (", " + extra if extra else "") + "}")

    assert sides(one(c(old), c(new))) == expected


def test_bounds_on_types_they_never_apply_to() -> None:
    c = one(
        contract("- {name: v, type: string, min: 0}"), contract("- {name: v, type: string, min: 5}")
    )
    assert sides(c) == (N, N) and "no effect on string" in c.reason


def test_transform_changes_what_is_stored_not_verdicts() -> None:
    c = one(
        contract("- {name: e, type: string}"),
        contract("- {name: e, type: string, transform: {kind: hash}}"),
    )
    assert (c.constraint, c.after, sides(c)) == ("transform", "hash", (N, N))


# ------------------------------------------------------------------ contract-wide settings


def test_compliance_mode_and_null_as_absent() -> None:
    base = contract(ID)
    strict = contract(ID, "compliance_mode: true\n")
    assert changes(base, strict) == [
        ("constraint_changed", "compliance_mode", False, True, "breaking", "none")
    ]
    assert sides(one(strict, base)) == (N, B)
    loose = contract(ID, "null_as_absent: true\n")
    assert sides(one(base, loose)) == (N, B)
    assert sides(one(loose, base)) == (B, N)


def test_metrics_quality_and_envelope() -> None:
    fields = "- {name: total, type: float}\n- {name: id, type: string}"
    old = contract(
        fields,
        "metrics:\n  - {name: t, field: total, max: 100}\n"
        "quality:\n  - {field: id, type: uniqueness}\n",
    )
    new = contract(
        fields,
        "metrics:\n  - {name: t, field: total, max: 50}\n"
        "quality:\n  - {field: id, type: completeness}\n"
        "envelope: {records_path: data}\n",
    )
    assert changes(old, new) == [
        ("constraint_changed", "envelope", None,
         {"records_path": "data", "validate_wrapper": False}, "breaking", "breaking"),
        ("constraint_changed", "total (metric t max)", 100.0, 50.0, "breaking", "none"),
        ("constraint_changed", "id (quality uniqueness)",
         {"field": "id", "type": "uniqueness", "description": None, "max_age_seconds": None,
          "scope": None, "threshold": None}, None, "none", "breaking"),
        ("constraint_changed", "id (quality completeness)", None,
         {"field": "id", "type": "completeness", "description": None, "max_age_seconds": None,
          "scope": None, "threshold": None}, "breaking", "none"),
    ]  # fmt: skip


def test_descriptions_and_glossary_are_not_verdict_changes() -> None:
    old = contract(ID, "description: one\n")
    new = contract(ID, "description: two\nglossary:\n  - {field: id, description: the id}\n")
    assert len(old.diff(new)) == 0


# ------------------------------------------------------------------ real contracts


def test_user_events_1_0_0_to_1_1_0_is_a_breaking_minor_release() -> None:
    old = Contract.from_file(REPO / "contracts/user_events/1.0.0.yaml")
    new = Contract.from_file(REPO / "contracts/user_events/1.1.0.yaml")
    d = old.diff(new)
    assert isinstance(d, ContractDiff)
    # "view" is gone (events with it are rejected now), "login" is new (readers may now
    # see it); the enum's order changed too, which changes no verdict
    assert changes(old, new) == [
        ("enum_value_removed", "event_type", "view", None, "breaking", "none"),
        ("enum_value_added", "event_type", None, "login", "none", "breaking"),
    ]
    assert (d.old_version, d.new_version, d.bump) == ("1.0.0", "1.1.0", "minor")
    assert d.breaks_producers and d.breaks_consumers
    doc = json.loads(json.dumps(d.to_dict()))
    assert doc["changes"][0]["kind"] == "enum_value_removed"
    # and back: the same two changes, the other way round
    assert changes(new, old) == [
        ("enum_value_removed", "event_type", "login", None, "breaking", "none"),
        ("enum_value_added", "event_type", None, "view", "none", "breaking"),
    ]


def test_a_contract_against_itself_has_no_changes() -> None:
    orders = Contract.from_file(REPO / "contracts/orders.yaml")
    d = orders.diff(Contract.from_file(REPO / "contracts/orders.yaml"))
    assert len(d) == 0 and not d.breaking and d.bump == "none"


# ------------------------------------------------------------------ probing


def test_probe_decides_a_pattern_change_empirically() -> None:
    lower = contract("- {name: v, type: string, pattern: '^[a-z]+$'}")
    alnum = contract("- {name: v, type: string, pattern: '^[a-z0-9]+$'}", version="1.1.0")
    d = lower.diff(alnum)
    assert sides(d.changes[0]) == (U, U)
    events = [("f.json: record 1", {"v": "abc"}), ("f.json: record 2", {"v": "abc1"})]
    probed = d.probe(lower.compile(), alnum.compile(), events)
    c = probed.changes[0]
    assert sides(c) == (U, B)  # "abc1" failed before and passes now; nothing new fails
    assert probed.probed == 2
    assert [e.label for e in c.evidence] == ["f.json: record 2"]
    assert c.evidence[0].violations == [
        "v: Field 'v' value \"abc1\" does not match required pattern [pattern_mismatch]"
    ]
    assert probed.now_failing == []


def test_probe_attributes_each_event_to_the_change_it_hits() -> None:
    old = Contract.from_file(REPO / "contracts/user_events/1.0.0.yaml")
    new = Contract.from_file(REPO / "contracts/user_events/1.1.0.yaml")
    base = {"user_id": "a", "timestamp": 1}
    events = [(t, {**base, "event_type": t}) for t in ("view", "login", "click")]
    d = old.diff(new).probe(old.compile(), new.compile(), events)
    assert [[e.label for e in c.evidence] for c in d] == [["view"], ["login"]]
    assert [e.label for e in d.now_failing] == ["view"]


@pytest.mark.parametrize(
    "old, new, bump",
    [
        ("1.0.0", "2.0.0", "major"),
        ("1.0.0", "1.1.0", "minor"),
        ("1.0.0", "1.0.1", "patch"),
        ("v1.2", "1.2.1", "patch"),
        ("0.3.0", "0.4.0", "major"),  # under 1.0.0 a minor step is a major one
        ("2.0.0", "1.9.0", "downgrade"),
        ("1.0.0-rc1", "1.0.0", "prerelease"),
        ("1.0.0", "1.0.0", "none"),
        ("2024-01", "next", None),
    ],
)
def test_version_bump(old: str, new: str, bump: Any) -> None:
    assert contract(ID, version=old).diff(contract(ID, version=new)).bump == bump


# ------------------------------------------------------------------ corners (mutation sweep)


def test_a_type_change_away_from_object_compares_no_nested_fields() -> None:
    obj = contract("- {name: v, type: object, properties: [{name: a, type: integer}]}")
    c = one(obj, contract("- {name: v, type: string}"))
    assert c.kind is ChangeKind.TYPE_CHANGED
    assert "the nested definitions of 'v' were not compared" in c.reason


def test_items_that_check_nothing_are_no_change() -> None:
    bare = contract("- {name: tags, type: array}")
    free = contract("- {name: tags, type: array, items: {name: t, type: any}}")
    assert changes(bare, free) == [] and changes(free, bare) == []


def test_narrowing_behind_an_enum_rejects_nothing_new() -> None:
    c = one(
        contract("- {name: v, type: float, enum: [1, 2]}"),
        contract("- {name: v, type: integer, enum: [1, 2]}"),
    )
    assert sides(c) == (N, N)
    assert c.reason == "float narrowed to integer, but the old enum admitted only integer values"


def test_an_enum_value_the_type_can_never_pass_breaks_nobody_when_added() -> None:
    c = one(
        contract("- {name: v, type: integer, enum: [1]}"),
        contract("- {name: v, type: integer, enum: [1, x]}"),
    )
    assert (c.kind, sides(c)) == (ChangeKind.ENUM_VALUE_ADDED, (N, N))
    assert c.reason == '"x" can never pass the integer type check'


def test_length_bounds_on_types_they_never_apply_to() -> None:
    c = one(
        contract("- {name: v, type: integer, min_length: 1}"),
        contract("- {name: v, type: integer, min_length: 5}"),
    )
    assert sides(c) == (N, N) and c.reason == "'min_length' has no effect on integer values"


def test_null_as_absent_with_a_required_any_field_flips_both_ways() -> None:
    fields = "- {name: v, type: any}"  # required by default
    base, loose = contract(fields), contract(fields, "null_as_absent: true\n")
    on, off = one(base, loose), one(loose, base)
    # null passed the required 'any' field; as if absent, it is now missing: and back
    assert on.producers is B and off.consumers is B
    assert on.reason.endswith("; a null on a required 'any' field flips the other way")
    assert base.compile().validate({"v": None}).passed
    assert not loose.compile().validate({"v": None}).passed
