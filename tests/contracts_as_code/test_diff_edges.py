"""``Contract.diff`` at the edges: each verdict checked against the engine itself (an
event that passes the old contract and fails the new one is a producer break; the other
way round, a consumer break), plus a differential property test over random pairs."""

from __future__ import annotations

import copy
import json
import random
import re
from typing import Any, Dict, List, Tuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_diff import changes, contract, one, sides

from contractgate._validation.diff_model import version_bump
from contractgate.contract import ChangeKind, Contract, Impact

N, B, U = Impact.NONE, Impact.BREAKING, Impact.UNKNOWN
NOW = 1_750_000_000


def flips(old: Contract, new: Contract, event: Dict[str, Any]) -> str:
    """``producers`` when the event passes old and fails new, ``consumers`` the other way
    round, else ``none``."""
    before = old.compile().validate(event, now=NOW).passed
    after = new.compile().validate(event, now=NOW).passed
    if before and not after:
        return "producers"
    return "consumers" if after and not before else "none"


# ------------------------------------------------------------------ fields under array items


def test_required_on_a_property_of_array_elements_is_checked() -> None:
    # 'required' has no effect on the element itself, but the properties of an object
    # element are looked up by name like any other (spec §4.2)
    def lines(required: str) -> Contract:
        return contract(
            "- {name: lines, type: array, items: {name: l, type: object, properties: "
            f"[{{name: qty, type: integer, required: {required}}}]}}}}"
        )

    opt, req = lines("false"), lines("true")
    assert flips(opt, req, {"lines": [{}]}) == "producers"
    assert changes(opt, req) == [
        ("required_changed", "lines[].qty", False, True, "breaking", "none")
    ]
    assert changes(req, opt) == [
        ("required_changed", "lines[].qty", True, False, "none", "breaking")
    ]


def test_null_as_absent_reaches_required_any_properties_of_array_elements() -> None:
    fields = (
        "- {name: lines, type: array, items: {name: l, type: object, properties: "
        "[{name: note, type: any}]}}"
    )
    base, loose = contract(fields), contract(fields, "null_as_absent: true\n")
    event = {"lines": [{"note": None}]}
    assert flips(base, loose, event) == "producers"
    assert flips(loose, base, event) == "consumers"
    assert one(base, loose).producers is B
    assert one(loose, base).consumers is B


# ------------------------------------------------------------------ any <-> object / array


def test_any_narrowed_to_an_object_compares_its_properties() -> None:
    old = contract("- {name: v, type: any, enum: [{k: 1}]}")
    new = contract(
        "- {name: v, type: object, enum: [{k: 1}], properties: [{name: id, type: string}]}"
    )
    assert flips(old, new, {"v": {"k": 1}}) == "producers"
    d = old.diff(new)
    assert d.breaks_producers
    assert ("field_added", "v.id", None, "required string", "breaking", "none") in changes(old, new)


def test_an_object_widened_to_any_compares_its_properties() -> None:
    old = contract("- {name: v, type: object, properties: [{name: id, type: string}]}")
    new = contract("- {name: v, type: any, enum: [{}]}")
    assert flips(old, new, {"v": {}}) == "consumers"
    assert old.diff(new).breaks_consumers


def test_an_array_and_any_compare_the_items() -> None:
    old = contract("- {name: v, type: any, enum: [[1], [x]]}")
    new = contract("- {name: v, type: array, enum: [[1], [x]], items: {name: i, type: integer}}")
    assert flips(old, new, {"v": ["x"]}) == "producers"
    assert old.diff(new).breaks_producers
    assert flips(new, old, {"v": ["x"]}) == "consumers"
    assert new.diff(old).breaks_consumers


# ------------------------------------------------------------------ duplicate field names


def test_a_duplicate_field_shares_the_pattern_of_its_path() -> None:
    # patterns are keyed by path: the later field's pattern wins for both (spec §2.2)
    old = contract("- {name: a, type: string, pattern: '^a$'}")
    new = contract(
        "- {name: a, type: string, pattern: '^a$'}\n"
        "- {name: a, type: string, required: false, pattern: ''}"
    )
    assert flips(old, new, {"a": "b"}) == "consumers"
    assert old.diff(new).breaks_consumers
    assert flips(new, old, {"a": "b"}) == "producers"
    assert new.diff(old).breaks_producers


def test_a_duplicate_of_a_declared_field_under_compliance_mode() -> None:
    cm = "compliance_mode: true\n"
    old = contract("- {name: b, type: float}", cm)
    new = contract("- {name: b, type: float}\n- {name: b, type: integer, required: false}", cm)
    # 'b' was declared already: compliance mode never rejected it, and floats now fail
    assert flips(old, new, {"b": 1.5}) == "producers"
    c = one(old, new)
    assert c.kind is ChangeKind.FIELD_ADDED and c.producers is not N
    assert c.consumers is N  # nothing that failed passes now
    back = one(new, old)
    assert back.kind is ChangeKind.FIELD_REMOVED and back.producers is N


# ------------------------------------------------------------------ metrics and quality


def test_a_second_metric_with_the_same_name_is_a_change() -> None:
    fields = "- {name: x, type: float}\n- {name: y, type: float}"
    old = contract(fields, "metrics:\n  - {name: m, field: x, max: 10}\n")
    new = contract(
        fields, "metrics:\n  - {name: m, field: x, max: 10}\n  - {name: m, field: y, max: 10}\n"
    )
    assert flips(old, new, {"x": 1, "y": 50}) == "producers"
    assert changes(old, new) == [
        ("constraint_changed", "y (metric m)", None,
         {"name": "m", "field": "y", "type": None, "formula": None, "min": None,
          "max": 10.0}, "breaking", "none"),
    ]  # fmt: skip
    assert new.diff(old).breaks_consumers


def test_a_second_quality_rule_on_the_same_field_is_a_change() -> None:
    fields = "- {name: ts, type: integer}"
    rule = "  - {field: ts, type: freshness, max_age_seconds: %d}\n"
    old = contract(fields, "quality:\n" + rule % 1000)
    new = contract(fields, "quality:\n" + rule % 1000 + rule % 10)
    assert flips(old, new, {"ts": NOW - 100}) == "producers"
    assert old.diff(new).breaks_producers
    assert new.diff(old).breaks_consumers


def test_a_freshness_max_age_beyond_i64_rejects_every_event() -> None:
    # the engine casts max_age_seconds to i64: 2**63 and above are negative (spec §4.10)
    fields = "- {name: ts, type: integer}"
    rule = "quality:\n  - {field: ts, type: freshness, max_age_seconds: %d}\n"
    old, huge = contract(fields, rule % 100), contract(fields, rule % (2**64 - 1))
    assert flips(old, huge, {"ts": NOW}) == "producers"
    assert sides(one(old, huge)) == (B, N)
    assert sides(one(huge, old)) == (N, B)
    # two values that both reject everything: the same check
    assert sides(one(huge, contract(fields, rule % 2**63))) == (N, N)


# ------------------------------------------------------------------ wording


def test_an_added_field_is_summarised_once() -> None:
    c = one(
        contract("- {name: id, type: string}"),
        contract("- {name: id, type: string}\n- {name: note, type: string, required: false}"),
    )
    assert "(new optional string)" in c.reason, c.reason


# ------------------------------------------------------------------ version steps


def test_version_steps_follow_semver_precedence() -> None:
    # the same version written differently, or a release to its own pre-release, never
    # counts as a step up (docs: "the same version, or a lower one never covers")
    assert version_bump("1.0", "1.0.0") == "none"
    assert version_bump("v1.0.0", "1.0.0") == "none"
    assert version_bump("1.0.0+build.1", "1.0.0+build.2") == "none"
    assert version_bump("1.0.0", "1.0.0-rc.1") == "downgrade"
    assert version_bump("1.0.0-rc.2", "1.0.0-rc.1") == "downgrade"
    assert version_bump("1.0.0-rc.1", "1.0.0-rc.2") == "prerelease"
    assert version_bump("1.0.0-rc.9", "1.0.0-rc.10") == "prerelease"
    assert version_bump("1.0.0-rc1", "1.0.0") == "prerelease"
    # digits are ASCII digits: "١.0.0" (Arabic-Indic one) is no version number
    assert version_bump("\u0661.0.0", "2.0.0") is None


# ------------------------------------------------------------------ differential property

TYPES = ("string", "integer", "float", "boolean", "any", "date", "object", "array")
ENUM = (1, 1.0, "1", True, "a", "ab", 2, 2.5, None, "2024-01-01", [1], {"k": 1}, -0.0)
SCALARS: Tuple[Any, ...] = (None, True, 0, 1, -1, 1.5, 2, 2.5, -0.0, "", "a", "ab", "abc", "b", "1",
           "2024-01-01", "2024-02-30", [], {}, {"k": 1})  # fmt: skip
CHECKS: Dict[str, Any] = {
    "required": st.booleans(),
    "pattern": st.sampled_from(["", "^a", "b", "^a$"]),
    "enum": st.lists(st.sampled_from(ENUM), max_size=3),
    "min": st.sampled_from([0, 1, 1.5, 2]),
    "max": st.sampled_from([0, 1, 1.5, 2]),
    "min_length": st.integers(0, 3),
    "max_length": st.integers(0, 3),
}


def field_def(depth: int = 0) -> Any:
    """A field definition as a dict (JSON is YAML) with checks drawn at random: a leaf,
    or (two levels deep) an object with properties or an array with items."""
    name = st.sampled_from("pq" if depth else "abc")
    types = TYPES[:6] if depth >= 2 else TYPES
    base = st.fixed_dictionaries({"name": name, "type": st.sampled_from(types)}, optional=CHECKS)
    if depth >= 2:
        return base
    inner = field_def(depth + 1)
    return st.tuples(base, st.lists(inner, min_size=1, max_size=2), inner).map(
        lambda t: {**t[0], "properties": t[1]} if t[0]["type"] == "object"
        else {**t[0], "items": {**t[2], "name": "i"}} if t[0]["type"] == "array"
        else t[0]
    )  # fmt: skip


#: always there: an array of objects (its elements' properties are looked up by name)
ELEMENTS = st.builds(
    lambda props: {"name": "d", "type": "array",
                   "items": {"name": "i", "type": "object", "properties": props}},
    st.lists(field_def(2), min_size=1, max_size=2),
)  # fmt: skip


def nodes(defs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Every field definition in ``defs``, nested ones included."""
    out: List[Dict[str, Any]] = []
    for d in defs:
        out.append(d)
        out += nodes(d.get("properties") or [])
        out += nodes([d["items"]] if d.get("items") else [])
    return out


def mutate(data: Any, defs: List[Dict[str, Any]]) -> None:
    """One change to one field, at any depth: a check set, dropped or flipped."""
    d = data.draw(st.sampled_from(nodes(defs)))
    what = data.draw(st.sampled_from([*CHECKS, "required", "type", "type", "drop"]))
    if what == "type":
        d["type"] = data.draw(st.sampled_from(TYPES))
    elif what == "drop":
        for k in data.draw(st.lists(st.sampled_from(list(CHECKS)), max_size=2)):
            d.pop(k, None)
    elif what == "required":
        d["required"] = not d.get("required", True)
    else:
        d[what] = data.draw(CHECKS[what])


def fits(d: Dict[str, Any], v: Any) -> bool:
    """Roughly whether ``v`` passes ``d``'s own checks: only to make events that pass
    likely (the engine is the judge)."""
    kinds: Any = {"string": str, "date": str, "integer": int, "float": (int, float),
             "boolean": bool, "object": dict, "array": list}.get(d["type"])  # fmt: skip
    is_bool = isinstance(v, bool)
    if kinds is not None and (not isinstance(v, kinds) or is_bool != (d["type"] == "boolean")):
        return False
    if isinstance(v, str):
        short = len(v) < d.get("min_length", 0) or len(v) > d.get("max_length", len(v))
        return not short and re.search(d.get("pattern", ""), v) is not None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return bool(d.get("min", v) <= v <= d.get("max", v))
    return True


def shaped(r: random.Random, defs: List[Dict[str, Any]]) -> Any:
    """A value that likely passes one of ``defs`` (fields of either version), or any."""
    if not defs or r.random() < 0.15:
        return r.choice(SCALARS)
    d = r.choice(defs)
    if d["type"] == "object":
        return shaped_object(r, [p for x in defs for p in x.get("properties") or ()])
    if d["type"] == "array":
        items = [x["items"] for x in defs if x.get("items")]
        return [shaped(r, items) for _ in range(r.randint(0, 2))]
    good = [v for v in d.get("enum", SCALARS) if fits(d, v)]
    return r.choice(good or SCALARS)


def shaped_object(r: random.Random, defs: List[Dict[str, Any]]) -> Dict[str, Any]:
    names = sorted({d["name"] for d in defs} | {"k"})
    return {n: shaped(r, [d for d in defs if d["name"] == n]) for n in names
            if r.random() < (0.1 if n == "k" else 0.8)}  # fmt: skip


def to_contract(entities: List[Dict[str, Any]], settings_: Dict[str, bool]) -> Contract:
    extra = "".join(f"{k}: {json.dumps(v)}\n" for k, v in settings_.items())
    return contract("\n".join("- " + json.dumps(e) for e in entities), extra)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.tuples(st.lists(field_def(), min_size=1, max_size=2), ELEMENTS).map(lambda t: [*t[0], t[1]]),
    st.fixed_dictionaries({"compliance_mode": st.booleans(), "null_as_absent": st.booleans()}),
    st.data(),
)
def test_no_silent_pass(entities: List[Dict[str, Any]], flags: Dict[str, bool], data: Any) -> None:
    """A pair (old, one change away) and events shaped like both: an event accepted
    before and rejected now must come with a change that breaks (or may break)
    producers; rejected before and accepted now, consumers."""
    new_entities = copy.deepcopy(entities)
    new_flags = dict(flags)
    change = data.draw(st.sampled_from(["field", "field", "field", "add", "drop", "flag"]))
    if change == "field":
        mutate(data, new_entities)
    elif change == "add":
        new_entities.append(data.draw(field_def()))
    elif change == "drop":
        del new_entities[data.draw(st.integers(0, len(entities) - 1))]
    else:
        flag = data.draw(st.sampled_from(sorted(flags)))
        new_flags[flag] = not flags[flag]
    old, new = to_contract(entities, flags), to_contract(new_entities, new_flags)
    d = old.diff(new)
    producers = any(c.producers is not N for c in d)
    consumers = any(c.consumers is not N for c in d)
    if producers and consumers:
        return
    co, cn = old.compile(reference=True), new.compile(reference=True)
    r = random.Random(data.draw(st.integers(0, 2**32)))
    for _ in range(40):
        event = shaped_object(r, entities + new_entities)
        before, after = co.validate(event).passed, cn.validate(event).passed
        assert producers or not (before and not after), (event, d.to_dict())
        assert consumers or not (after and not before), (event, d.to_dict())


def test_a_pattern_shared_by_duplicate_fields_is_reported_once_per_verdict() -> None:
    old = contract("- {name: a, type: integer}\n- {name: a, type: string, pattern: '^a'}")
    new = contract("- {name: a, type: integer}\n- {name: a, type: string}")
    # the integer never meets the pattern; the string does, and now no longer
    assert [(c.subject, sides(c)) for c in old.diff(new)] == [("a", (N, B))]
    twice = "- {name: a, type: string, pattern: '%s'}\n- {name: a, type: string, pattern: '%s'}"
    assert len(contract(twice % ("x", "x")).diff(contract(twice % ("y", "y")))) == 1
