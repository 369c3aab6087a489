"""``Contract.diff`` and ``ContractDiff.probe`` against the engine: a pattern looked up by
a path text that names an array element, probe evidence blamed on changes that cannot
cause it, and a differential property test over random contract pairs and events (a
claim of "breaks nobody" that a real event contradicts is a defect; so is a probe that
turns a static ``none`` into ``breaking``)."""

from __future__ import annotations

import copy
import json
import math
import random
from typing import Any, Dict, Iterator, List

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_diff import contract
from test_diff_edges import flips

from contractgate.contract import Contract, Impact

N, B, U = Impact.NONE, Impact.BREAKING, Impact.UNKNOWN
NOW = 1_750_000_000


def verdicts(old: Contract, new: Contract) -> List[Any]:
    return [(c.kind.value, c.path, c.producers, c.consumers) for c in old.diff(new)]


# ------------------------------------------------------------------ probe attribution


def test_probe_blames_no_child_for_a_violation_of_its_parent() -> None:
    # 'a' becomes required, 'a.b' optional: {} is now rejected because 'a' is missing;
    # making 'a.b' optional cannot reject anything
    old = contract(
        "- {name: a, type: object, required: false, properties: [{name: b, type: string}]}"
    )
    new = contract(
        "- {name: a, type: object, properties: [{name: b, type: string, required: false}]}"
    )
    assert flips(old, new, {}) == "producers"
    probed = old.diff(new).probe(old.compile(), new.compile(), [("empty", {})])
    by_path = {c.path: c for c in probed}
    assert (by_path["a"].producers, [e.label for e in by_path["a"].evidence]) == (B, ["empty"])
    assert (by_path["a.b"].producers, by_path["a.b"].consumers) == (N, B)
    assert by_path["a.b"].evidence == []


def test_probe_blames_no_parent_for_a_violation_of_its_child() -> None:
    # the reverse: 'a' becomes optional, 'a.b' required; {"a": {}} is now rejected at a.b
    old = contract(
        "- {name: a, type: object, properties: [{name: b, type: string, required: false}]}"
    )
    new = contract(
        "- {name: a, type: object, required: false, properties: [{name: b, type: string}]}"
    )
    event = {"a": {}}
    assert flips(old, new, event) == "producers"
    probed = old.diff(new).probe(old.compile(), new.compile(), [("e", event)])
    by_path = {c.path: c for c in probed}
    assert (by_path["a"].producers, by_path["a"].consumers) == (N, B)
    assert by_path["a.b"].producers is B


def test_probe_blames_no_quality_rule_on_a_parent_path() -> None:
    fields = "- {name: a, type: string}"
    old = contract(fields, "quality:\n  - {type: completeness, field: a}\n")
    new = contract(fields, "quality:\n  - {type: completeness, field: a.p}\n")
    probed = old.diff(new).probe(old.compile(), new.compile(), [("e", {"a": "x"})])
    assert [(c.path, c.producers, c.consumers) for c in probed] == [("a", N, B), ("a.p", B, N)]


def test_probe_decides_a_change_of_a_field_named_like_an_element() -> None:
    old = contract("- {name: 'x[0]', type: string, pattern: '^a'}")
    new = contract("- {name: 'x[0]', type: string, pattern: '^b'}")
    (change,) = old.diff(new).probe(old.compile(), new.compile(), [("e", {"x[0]": "a"})])
    assert (change.producers, change.consumers, len(change.evidence)) == (B, U, 1)


# ------------------------------------------------------------------ patterns by path text

TAGS = "- {name: tags, type: array, items: {name: t, type: string}}\n"
TAG0 = "- {name: 'tags[0]', type: integer, required: false, pattern: '^a'}\n"


def test_a_field_named_like_an_element_puts_its_pattern_on_that_element() -> None:
    # spec §2.2: patterns are keyed by path text, so 'tags[0]' also checks element 0
    old, new = contract(TAGS + TAG0), contract(TAGS + TAG0.replace(", pattern: '^a'", ""))
    event = {"tags": ["b"]}
    assert flips(old, new, event) == "consumers"
    assert ("pattern_changed", "tags[0]", N, B) in verdicts(old, new)
    assert flips(new, old, event) == "producers"
    assert ("pattern_changed", "tags[0]", B, N) in verdicts(new, old)


def test_elements_checked_only_by_a_pattern_named_after_them_are_checked() -> None:
    # bare 'any' items, or a bare property of object elements, check nothing themselves,
    # but the pattern of a field named after their path text reaches them
    old, new = (
        contract("- {name: tags, type: array}\n" + TAG0),
        contract("- {name: tags, type: array, items: {name: t, type: any}}\n" + TAG0),
    )
    assert flips(old, new, {"tags": ["b"]}) == "producers"
    assert verdicts(old, new) == [("constraint_changed", "tags[]", B, N)]
    assert verdicts(new, old) == [("constraint_changed", "tags[]", N, B)]

    prop = TAG0.replace("tags[0]", "tags[0].p")
    elements = "- {name: tags, type: array, items: {name: t, type: object%s}}\n"
    old = contract(elements % "" + prop)
    new = contract(elements % ", properties: [{name: p, type: any, required: false}]" + prop)
    assert flips(old, new, {"tags": [{"p": "b"}]}) == "producers"
    assert verdicts(old, new) == [("field_added", "tags[].p", U, N)]
    assert verdicts(new, old) == [("field_removed", "tags[].p", N, B)]


def test_a_pattern_declared_under_items_still_reaches_nothing() -> None:
    old = contract("- {name: tags, type: array, items: {name: t, type: string, pattern: '^a'}}")
    new = contract("- {name: tags, type: array, items: {name: t, type: string}}")
    assert flips(old, new, {"tags": ["b"]}) == "none"
    assert verdicts(old, new) == [("pattern_changed", "tags[]", N, N)]


# ------------------------------------------------------------------ differential property

TYPES = ["string", "integer", "float", "number", "boolean", "object", "array", "any", "date"]
BOUNDS = [0, -0.0, 0.5, 1, 1.5, 2, math.inf, -math.inf, math.nan, 1e20]
ENUM: List[Any] = [0, -0.0, 1, 1.0, True, None, "a", "ab", "", "2024-01-01", "2024-02-30",
                   [], {}, 2.5, 2**64 - 1, {"p": 1}, [1]]  # fmt: skip
VALUES: List[Any] = [None, True, False, 0, -0.0, 0.0, 1, 1.0, -1, 1.5, 2, 2.5, 3, 1e20,
                     2**64 - 1, 2**64, "", "a", "ab", "abc", "b", "aé", "2024-01-01",
                     "2024-02-30", [], {}, [1], {"p": 1}]  # fmt: skip
CHECKS: Dict[str, Any] = {
    "required": st.booleans(),
    "pattern": st.sampled_from(["", "^a", "b", "^a$", "."]),
    "enum": st.lists(st.sampled_from(ENUM), max_size=3),
    "min": st.sampled_from(BOUNDS),
    "max": st.sampled_from(BOUNDS),
    "min_length": st.integers(0, 3),
    "max_length": st.integers(0, 3),
}
#: top-level names include path texts of a property ('a.p') and of an element ('c[0]')
TOP_NAMES = ["a", "b", "c", "a.p", "c[0]"]


def field_def(depth: int = 0) -> Any:
    name = st.sampled_from(["p", "q"] if depth else TOP_NAMES)
    types = TYPES if depth < 2 else [t for t in TYPES if t not in ("object", "array")]
    base = st.fixed_dictionaries({"name": name, "type": st.sampled_from(types)}, optional=CHECKS)
    if depth >= 2:
        return base
    inner = field_def(depth + 1)
    return st.tuples(base, st.lists(inner, max_size=2), inner).map(
        lambda t: {**t[0], "properties": t[1]} if t[0]["type"] == "object"
        else {**t[0], "items": {**t[2], "name": "i"}} if t[0]["type"] == "array"
        else t[0]
    )  # fmt: skip


METRIC = st.fixed_dictionaries(
    {"name": st.sampled_from(["m", "n"]), "field": st.sampled_from(["a", "b", "a.p"])},
    optional={"min": st.sampled_from(BOUNDS), "max": st.sampled_from(BOUNDS)},
)
QUALITY = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("completeness"), "field": st.sampled_from(["a", "b", "a.p"])}
    ),
    st.fixed_dictionaries(
        {"type": st.just("freshness"), "field": st.sampled_from(["a", "t"])},
        optional={"max_age_seconds": st.sampled_from([0, 100, 2**63])},
    ),
)
CONTRACT = st.fixed_dictionaries(
    {
        "entities": st.lists(field_def(), min_size=1, max_size=3),
        "compliance_mode": st.booleans(),
        "null_as_absent": st.booleans(),
        "metrics": st.lists(METRIC, max_size=1),
        "quality": st.lists(QUALITY, max_size=1),
    }
)


def yaml_value(v: Any) -> str:
    """JSON is YAML, except for the non-finite floats."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {yaml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(yaml_value(x) for x in v) + "]"
    if isinstance(v, float) and not math.isfinite(v):
        return ".nan" if math.isnan(v) else ".inf" if v > 0 else "-.inf"
    return json.dumps(v)


def to_contract(c: Dict[str, Any]) -> Contract:
    lines = ['version: "1.0.0"', "name: t"]
    lines += [f"{k}: {json.dumps(c[k])}" for k in ("compliance_mode", "null_as_absent")]
    for k in ("metrics", "quality"):
        if c[k]:
            lines += [f"{k}:", *(f"  - {yaml_value(x)}" for x in c[k])]
    lines += ["ontology:", "  entities:", *(f"    - {yaml_value(e)}" for e in c["entities"])]
    return Contract.from_yaml("\n".join(lines) + "\n")


def nodes(defs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for d in defs:
        out.append(d)
        out += nodes(d.get("properties") or [])
        out += nodes([d["items"]] if d.get("items") else [])
    return out


def paths(defs: List[Dict[str, Any]], prefix: str = "") -> Iterator[str]:
    for d in defs:
        path = f"{prefix}.{d['name']}" if prefix else d["name"]
        yield path
        yield from paths(d.get("properties") or [], path)
        if d.get("items"):
            yield from paths(d["items"].get("properties") or [], path + "[]")


def mutate(data: Any, c: Dict[str, Any]) -> None:
    """One change: a check of a field at any depth, a field added or dropped, a flag,
    the metrics or the quality rules."""
    what = data.draw(st.sampled_from(["field"] * 6 + ["add", "drop", "flag", "metric", "quality"]))
    entities = c["entities"]
    if what == "field":
        d = data.draw(st.sampled_from(nodes(entities)))
        key = data.draw(st.sampled_from([*CHECKS, "type", "type", "drop"]))
        if key == "type":
            d["type"] = data.draw(st.sampled_from(TYPES))
        elif key == "drop":
            for k in data.draw(st.lists(st.sampled_from(list(CHECKS)), max_size=2)):
                d.pop(k, None)
        else:
            d[key] = data.draw(CHECKS[key])
    elif what == "add":
        entities.insert(data.draw(st.integers(0, len(entities))), data.draw(field_def()))
    elif what == "drop" and len(entities) > 1:
        del entities[data.draw(st.integers(0, len(entities) - 1))]
    elif what == "flag":
        flag = data.draw(st.sampled_from(["compliance_mode", "null_as_absent"]))
        c[flag] = not c[flag]
    elif what == "metric":
        c["metrics"] = data.draw(st.lists(METRIC, max_size=2))
    elif what == "quality":
        c["quality"] = data.draw(st.lists(QUALITY, max_size=2))


def shaped(r: random.Random, defs: List[Dict[str, Any]]) -> Any:
    """A value shaped like one of ``defs`` (fields of either version), or any value."""
    if not defs or r.random() < 0.2:
        return r.choice(VALUES)
    d = r.choice(defs)
    if d["type"] == "object":
        return shaped_object(r, [p for x in defs for p in x.get("properties") or ()])
    if d["type"] == "array":
        items = [x["items"] for x in defs if x.get("items")]
        return [shaped(r, items) for _ in range(r.randint(0, 2))]
    if d.get("enum") and r.random() < 0.6:
        return r.choice(d["enum"])
    return r.choice(VALUES)


def shaped_object(r: random.Random, defs: List[Dict[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for name in sorted({d["name"] for d in defs} | {"k", "t"}):
        if r.random() < (0.15 if name in ("k", "t") else 0.8):
            if name == "t" and r.random() < 0.7:  # a timestamp for freshness rules
                out[name] = NOW - r.choice([0, 50, 500, -10])
            else:
                out[name] = shaped(r, [d for d in defs if d["name"] == name])
    return out


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(CONTRACT, st.data())
def test_every_flip_is_claimed_and_probe_never_contradicts_a_none(
    c: Dict[str, Any], data: Any
) -> None:
    c2 = copy.deepcopy(c)
    for _ in range(data.draw(st.integers(1, 2))):
        mutate(data, c2)
    old, new = to_contract(c), to_contract(c2)
    d = old.diff(new)
    co, cn = old.compile(), new.compile()
    r = random.Random(data.draw(st.integers(0, 2**32)))
    flipped = []
    for i in range(30):
        event = shaped_object(r, nodes(c["entities"]) + nodes(c2["entities"]))
        before, after = co.validate(event, now=NOW).passed, cn.validate(event, now=NOW).passed
        claims = [x.to_dict() for x in d]
        assert not (before and not after) or any(x.producers is not N for x in d), (event, claims)
        assert not (after and not before) or any(x.consumers is not N for x in d), (event, claims)
        if before != after and "t" not in event:  # probe reads the wall clock
            flipped.append((f"event {i}", event))
    # a probe decides unknowns and adds examples; a 'none' it turns into 'breaking' is a
    # wrong static verdict or a wrong attribution. Duplicate paths are ambiguous (one
    # violation path, several definitions), so they are left out here.
    for version in (c, c2):
        all_paths = list(paths(version["entities"]))
        if len(all_paths) != len(set(all_paths)) or {"a.p", "c[0]"} & set(all_paths):
            return
    probed = d.probe(co, cn, flipped)
    for x, y in zip(d, probed):
        assert not (x.producers is N and y.producers is B), (x.to_dict(), y.to_dict())
        assert not (x.consumers is N and y.consumers is B), (x.to_dict(), y.to_dict())


def test_probe_blames_the_calendar_check_on_the_type_not_a_pattern() -> None:
    # 'date' reports a bad calendar date as a pattern_mismatch: the type change caused it
    old = contract("- {name: d, type: string, pattern: '^2'}")
    new = contract("- {name: d, type: date}")
    event = {"d": "2024-02-30"}
    assert flips(old, new, event) == "producers"
    probed = old.diff(new).probe(old.compile(), new.compile(), [("e", event)])
    kinds = {c.kind.value: [e.label for e in c.evidence] for c in probed}
    assert kinds == {"type_changed": ["e"], "pattern_changed": []}


def test_a_property_added_where_a_dotted_name_declares_a_pattern_is_checked() -> None:
    # entity 'a.p' and property p of a share the path text 'a.p', and so its pattern
    dotted = "- {name: 'a.p', type: string, required: false, pattern: '^x'}\n"
    old = contract("- {name: a, type: object}\n" + dotted)
    new = contract(
        "- {name: a, type: object, properties: [{name: p, type: any, required: false}]}\n" + dotted
    )
    assert flips(old, new, {"a": {"p": "b"}}) == "producers"
    assert verdicts(old, new) == [("field_added", "a.p", U, N)]
    assert verdicts(new, old) == [("field_removed", "a.p", N, B)]
