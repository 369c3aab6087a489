"""The contract JSON Schema: valid, in step with the parser's model, and consistent with
what the engine accepts on the parity and fuzz corpora."""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest
from cg_cli_testlib import REPO
from jsonschema import Draft202012Validator

from contractgate import contract as model
from contractgate._validation.loading import serde_types as yl
from contractgate.cli._schema import check_contract_schema, load_schema, schema_path

SCHEMA = load_schema()


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema_path().endswith("contractgate/schema/contract.schema.json")
    with open(schema_path(), encoding="utf-8") as fh:
        assert json.load(fh) == SCHEMA


# -- the model and the schema agree ---------------------------------------------------


def resolve(node: Dict[str, Any]) -> Dict[str, Any]:
    while "$ref" in node:
        target: Any = SCHEMA
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def branches(node: Dict[str, Any]) -> List[Dict[str, Any]]:
    node = resolve(node)
    if "anyOf" in node:
        out: List[Dict[str, Any]] = []
        for sub in node["anyOf"]:
            out.extend(branches(sub))
        return out
    return [node]


def json_types(node: Dict[str, Any]) -> Set[str]:
    """The JSON types a schema node accepts (enum values count by their type)."""
    out: Set[str] = set()
    for b in branches(node):
        if "enum" in b:
            out.update("null" if v is None else "string" for v in b["enum"])
        t = b.get("type")
        if isinstance(t, str):
            out.add(t)
        elif isinstance(t, list):
            out.update(t)
    return out


def non_null(node: Dict[str, Any]) -> Dict[str, Any]:
    """The branch of ``anyOf: [null, X]`` that is not null."""
    bs = [b for b in branches(node) if b.get("type") != "null"]
    assert len(bs) == 1, node
    return bs[0]


EXPECTED_TYPES = {
    yl.Str: {"string", "number", "boolean"},
    yl.Bool: {"boolean"},
    yl.F64: {"number"},
    yl.UInt: {"integer"},
    yl.Seq: {"array"},
    yl.Struct: {"object"},
}


def check_type(spec: Any, node: Dict[str, Any], where: str, seen: Set[int]) -> None:
    optional = isinstance(spec, yl.Opt)
    inner = spec.inner if optional else spec
    types = json_types(node)
    assert ("null" in types) == optional, (
        f"{where}: null accepted={'null' in types}, Option={optional}"
    )
    types.discard("null")
    if isinstance(inner, yl.Enum):
        (enum_node,) = [b for b in branches(node) if "enum" in b]
        assert {v for v in enum_node["enum"] if v is not None} == set(inner.variants), where
        return
    if isinstance(inner, yl.Json):
        return
    assert types == EXPECTED_TYPES[type(inner)], f"{where}: schema {types}"
    target = non_null(node) if optional else resolve(node)
    if isinstance(inner, yl.Seq):
        check_type(inner.elem, target.get("items", {}), f"{where}[]", seen)
    elif isinstance(inner, yl.Struct):
        check_struct(inner, target, where, seen)


def check_struct(spec: Any, node: Dict[str, Any], where: str, seen: Set[int]) -> None:
    if id(spec) in seen:
        return
    seen.add(id(spec))
    node = resolve(node)
    assert node.get("additionalProperties") is False, f"{where}: unknown keys must be rejected"
    props = node["properties"]
    keys = {k for f in spec.fields for k in f.keys}
    assert set(props) == keys, f"{where}: schema {sorted(props)} vs model {sorted(keys)}"
    required = {f.name for f in spec.fields if f.required and len(f.keys) == 1}
    assert set(node.get("required", [])) == required, where
    for f in spec.fields:
        if len(f.keys) > 1:  # aliases: exactly one of them
            alternatives = [
                sorted(k for alt in rule["oneOf"] for k in alt["required"])
                for rule in node.get("allOf", [])
            ]
            assert sorted(f.keys) in alternatives, f"{where}.{f.name}: aliases {f.keys}"
        for key in f.keys:
            check_type(f.ty, props[key], f"{where}.{key}", seen)


def test_every_model_key_is_in_the_schema_and_vice_versa() -> None:
    check_struct(model._CONTRACT, SCHEMA, "<contract>", set())


@pytest.mark.parametrize(
    "cls, spec",
    [
        (model.Contract, model._CONTRACT),
        (model.Ontology, model._ONTOLOGY),
        (model.FieldDefinition, model._FIELD),
        (model.Transform, model._TRANSFORM),
        (model.GlossaryEntry, model._GLOSSARY),
        (model.MetricDefinition, model._METRIC),
        (model.QualityRule, model._QUALITY),
        (model.EnvelopeConfig, model._ENVELOPE),
    ],
)
def test_dataclass_fields_match_the_yaml_model(cls: Any, spec: Any) -> None:
    fields = {
        f.name
        for f in dataclasses.fields(cls)
        if not f.name.startswith("_") and f.compare  # source/source_text are metadata
    }
    assert fields == {f.name for f in spec.fields}


# -- the schema and the engine agree on the corpora ----------------------------------


@functools.lru_cache(maxsize=1)
def corpus_results() -> List[Tuple[str, str, Optional[str], List[Any]]]:
    """(id, contract YAML, engine error or None, schema findings) for both corpora."""
    from contractgate import Contract, ContractCompileError

    data = json.loads((REPO / "tests/data/contract-validation-parity.json").read_text())
    cases = [(c["id"], c["contract_yaml"]) for c in data["cases"]]
    with open(REPO / "tests/data/contract-validation-fuzz.jsonl", encoding="utf-8") as fh:
        for line in fh:
            case = json.loads(line)
            cases.append((case["id"], case["contract_yaml"]))
    out = []
    for case_id, text in cases:
        try:
            Contract.from_yaml(text)
            error = None
        except ContractCompileError as err:
            error = err.message
        out.append((case_id, text, error, check_contract_schema(text, case_id)))
    return out


def test_schema_never_rejects_what_the_engine_accepts_except_on_purpose() -> None:
    """Strict mode adds exactly two kinds of finding to contracts the engine accepts:
    unknown keys, and ``null`` where the engine would store the literal text "null"."""
    checked = accepted_with_findings = 0
    for case_id, _text, error, findings in corpus_results():
        if error is not None:
            continue
        checked += 1
        unexpected = [f for f in findings if f.kind not in ("unknown_key", "null_as_text")]
        assert not unexpected, (case_id, unexpected)
        accepted_with_findings += bool(findings)
    assert checked > 400 and accepted_with_findings > 50


def test_schema_catches_most_type_errors_the_engine_rejects() -> None:
    """Where the engine rejects a value's *type or keyword*, the schema agrees."""
    missed = []
    for case_id, _text, error, findings in corpus_results():
        if error is None:
            continue
        if "invalid type" in error or "unknown variant" in error or "missing field" in error:
            if not findings:
                missed.append((case_id, error))
    # The schema cannot see the engine's YAML-level rules (hex/float/1_000 in f64/usize
    # positions, merge keys, a BOM, several documents).
    assert len(missed) <= 8, missed


def test_editor_style_yaml_typing() -> None:
    """Values the YAML language server types as numbers are still valid text."""
    text = "version: 1.10\nname: 123\nontology:\n  entities: []\n"
    assert check_contract_schema(text, "x") == []
    findings = check_contract_schema(text.replace("[]", "[{name: a, type: strin}]"), "x")
    assert [f.kind for f in findings] == ["wrong_value"]
    assert "did you mean 'string'?" in findings[0].message


def test_every_missing_required_key_is_reported() -> None:
    findings = check_contract_schema("ontology:\n  entities:\n    - type: string\n", "x")
    assert [(f.message, f.line, f.field) for f in findings] == [
        ("missing required key 'name'", 1, None),
        ("missing required key 'version'", 1, None),
        ("missing required key 'name'", 3, "ontology.entities[0]"),
    ]


def test_finding_messages_name_the_value_and_what_was_expected() -> None:
    text = (
        'version: "1.0"\nname: x\ndescription: [a, b]\nx-owner: team\ndescripton: typo\n'
        "ontology:\n  entities:\n    - name: a\n      type: 5\n      required: ~\n"
        "      min_length: -1\n"
        "      pattern: {aaaaaaaaaaaaaaaaaaaa: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb}\n"
        "glossary:\n  - field: a\n    term: b\n    description: d\n  - description: d\n"
    )
    found = [(f.line, f.kind, f.message) for f in check_contract_schema(text, "x")]
    assert found == [
        (3, "wrong_type", 'expected text (a string, number or boolean), got a list ["a", "b"]'),
        (
            5,
            "unknown_key",
            "unknown key 'descripton' (did you mean 'description'?) — the gateway ignores it"
            " silently",
        ),  # and not x-owner: x- keys are extensions
        (
            9,
            "wrong_value",
            "5 is not one of: string, integer, float, number, boolean, object, array, any, date",
        ),
        (10, "wrong_type", "expected a boolean (true/false), got null"),
        (11, "wrong_value", "must be at least 0, got -1"),
        (
            12,
            "wrong_type",
            "expected text (a string, number or boolean), got a mapping "
            '{"aaaaaaaaaaaaaaaaaaaa": "bbbbbbbbbbb...',
        ),
        (14, "wrong_shape", "give only one of: field, term (they are aliases)"),
        (17, "wrong_shape", "needs one of: field, term"),
    ]


def test_findings_point_at_the_value_and_name_its_json_type() -> None:
    text = (
        'version: "1.0"\nname: x\nontology:\n  entities:\n'
        "    - {name: a, type: string, min_length: true}\n"
        "    - name: b\n      type: string\n      max_length:   1.5\n"
    )
    found = [(f.line, f.column, f.message) for f in check_contract_schema(text, "x")]
    assert found == [
        (5, 43, "expected an integer, got a boolean (true/false) true"),
        (8, 21, "expected an integer, got a number 1.5"),
    ]
