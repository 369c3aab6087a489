"""Checking a contract file against the JSON Schema of the contract format.

The engine ignores unknown keys; the schema does not, so ``requried: true`` or
``allowed_values:`` is reported with its line. The contract YAML is typed by the YAML 1.2
core schema (what editors' YAML language server does too), except where the engine reads
it otherwise: tags are ignored, ``<<`` is an (unknown) key rather than a merge, and an
empty value is an empty list or text. Every error is mapped back to the line of the
offending key or value.
"""

from __future__ import annotations

import difflib
import importlib
import json
import os
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from ._common import Finding

SCHEMA_RELPATH = ("schema", "contract.schema.json")

_schema_cache: Optional[Dict[str, Any]] = None


def schema_path() -> str:
    """Filesystem path of the packaged ``contract.schema.json``."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(here, *SCHEMA_RELPATH)


def load_schema() -> Dict[str, Any]:
    global _schema_cache
    if _schema_cache is None:
        try:
            from importlib.resources import files

            text = files("contractgate").joinpath("/".join(SCHEMA_RELPATH)).read_text("utf-8")
        except (ImportError, OSError, AttributeError):  # pragma: no cover - odd installs
            with open(schema_path(), encoding="utf-8") as fh:
                text = fh.read()
        data = json.loads(text)
        if not isinstance(data, dict):  # pragma: no cover
            raise ValueError("contract.schema.json is not an object")
        _schema_cache = data
    return _schema_cache


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


_TYPE_WORDS = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "a boolean (true/false)",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def _render_path(path: Sequence[Any]) -> str:
    """``ontology.entities[0].required`` — the engine's (serde) path style."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _node_at(root: Any, path: Sequence[Any]) -> Tuple[Any, Any]:
    """(key node, value node) for ``path`` in a YAML node tree (key node None for the
    root and for sequence items)."""
    from .._validation.loading.yamldoc import MappingNode, ScalarNode, SequenceNode

    key_node = None
    node = root
    for part in path:
        if isinstance(node, SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            key_node, node = None, node.value[part]
        elif isinstance(node, MappingNode):
            pair = None
            for k, v in node.value:
                if isinstance(k, ScalarNode) and k.value == part:
                    pair = (k, v)
            if pair is None:
                break
            key_node, node = pair
        else:
            break
    return key_node, node


def _pos(node: Any) -> Tuple[Optional[int], Optional[int]]:
    if node is None:
        return None, None
    return node.start_mark.line + 1, node.start_mark.column + 1


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _allowed_keys(schema: Dict[str, Any], root: Dict[str, Any]) -> List[str]:
    if "$ref" in schema:
        schema = _resolve(root, schema["$ref"])
    return sorted(schema.get("properties", {}))


def _resolve(root: Dict[str, Any], ref: str) -> Dict[str, Any]:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    if not isinstance(node, dict):  # pragma: no cover
        raise ValueError(f"bad $ref {ref}")
    return node


def check_contract_schema(text: str, file: str) -> List[Finding]:
    """Schema findings for one contract's YAML text (empty when it conforms, or when the
    YAML does not parse at all — the engine reports that)."""
    from .._validation.loading.serde_types import RECURSION_LIMIT
    from .._validation.loading.yamldoc import YAMLError, compose_documents, construct

    try:
        documents = compose_documents(text)
        if len(documents) != 1:
            return []
        root_node = documents[0]
        instance, emptied = _clip(construct(root_node, engine=True), RECURSION_LIMIT)
    except YAMLError:
        return []

    schema = load_schema()
    validator = importlib.import_module("jsonschema").Draft202012Validator(schema)
    findings: List[Finding] = []
    for err in _flatten(validator.iter_errors(instance)):
        if id(err.instance) not in emptied:  # the engine reports nesting that deep
            findings.extend(_to_findings(err, root_node, schema, file))
    findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.message))
    unique: List[Finding] = []
    for f in findings:
        if not unique or unique[-1] != f:
            unique.append(f)
    return unique


def _clip(value: Any, limit: int) -> Tuple[Any, Set[int]]:
    """``value`` with every list and mapping nested deeper than ``limit`` levels emptied,
    and the ids of the emptied ones.

    The engine rejects such nesting under its keys (serde's recursion limit) and ignores
    it under unknown ones; jsonschema and ``repr`` would exceed Python's recursion limit.
    Shared (aliased) values are measured once and kept as they are when shallow enough.
    """
    heights: Dict[int, int] = {}
    todo: List[Tuple[Any, bool]] = [(value, False)]
    while todo:  # post-order without recursion: documents may nest thousands deep
        current, expanded = todo.pop()
        if id(current) in heights or not isinstance(current, (list, dict)):
            continue
        children = list(current.values()) if isinstance(current, dict) else current
        if expanded:
            heights[id(current)] = 1 + max((heights.get(id(c), 0) for c in children), default=0)
        else:
            todo.append((current, True))
            todo.extend((c, False) for c in children)

    clipped: Dict[Tuple[int, int], Any] = {}
    emptied: Set[int] = set()

    def clip(node: Any, depth: int) -> Any:  # recurses at most ``limit`` levels
        if depth + heights.get(id(node), 0) - 1 <= limit:
            return node
        memo = (id(node), depth)
        if memo not in clipped:
            if depth >= limit:
                clipped[memo] = {} if isinstance(node, dict) else []
                emptied.add(id(clipped[memo]))
            elif isinstance(node, dict):
                clipped[memo] = {k: clip(v, depth + 1) for k, v in node.items()}
            else:
                clipped[memo] = [clip(v, depth + 1) for v in node]
        return clipped[memo]

    return clip(value, 1), emptied


def _flatten(errors: Any) -> Iterator[Any]:
    """Replace an ``anyOf: [null, X]`` error by the errors of its ``X`` branch, so
    ``items: {typo: 1}`` reports the typo rather than "not valid under any of…"."""
    for err in errors:
        if err.validator == "anyOf" and err.context:
            relevant = [
                e
                for e in err.context
                if not (e.validator == "type" and e.validator_value == "null")
            ]
            yield from _flatten(relevant or list(err.context))
            continue
        yield err


def _to_findings(err: Any, root_node: Any, schema: Dict[str, Any], file: str) -> List[Finding]:
    from .._validation.loading.yamldoc import ScalarNode

    path = list(err.absolute_path)
    where = _render_path(path)
    key_node, value_node = _node_at(root_node, path)
    validator = err.validator

    if validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = _allowed_keys(err.schema, schema)
        patterns = list(err.schema.get("patternProperties", {}))
        out = []
        for key in err.instance:
            if key in allowed or any(key.startswith(p.lstrip("^")) for p in patterns):
                continue
            k_node, _ = _node_at(root_node, [*path, key])
            line, col = _pos(k_node)
            hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            msg = f"unknown key '{key}'"
            if key == "<<":
                msg += " (YAML merge keys are not supported: the merged keys do not apply)"
            elif hint:
                msg += f" (did you mean '{hint[0]}'?)"
            else:
                msg += f"; allowed here: {', '.join(allowed)}"
            msg += " — the gateway ignores it silently"
            out.append(
                Finding(
                    "unknown_key",
                    msg,
                    file=file,
                    line=line,
                    column=col,
                    field=_render_path([*path, key]),
                )
            )
        return out

    line, col = _pos(value_node if value_node is not None else key_node)
    if validator == "type":
        expected = err.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        if (
            isinstance(value_node, ScalarNode)
            and value_node.plain
            and value_node.value == ""
            and ("string" in names or "array" in names)
        ):
            return []  # the engine reads an empty value as empty text or an empty list
        if err.instance is None and "string" in names:
            source = value_node.value if isinstance(value_node, ScalarNode) else "null"
            msg = (
                f"is null, which the gateway reads as the literal text {_short(source)} here "
                "(quote it if that is what you mean)"
            )
            kind = "null_as_text"
        else:
            if {"string", "number", "boolean"} <= set(names):
                shown = "text (a string, number or boolean)"
            else:
                shown = " or ".join(_TYPE_WORDS.get(n, n) for n in names if n != "null")
            got = _json_type(err.instance)
            value = "" if err.instance is None else f" {_short(err.instance)}"
            msg = f"expected {shown}, got {_TYPE_WORDS.get(got, got)}{value}"
            kind = "wrong_type"
    elif validator == "enum":
        options = ", ".join(str(o) for o in err.validator_value)
        hint = (
            difflib.get_close_matches(str(err.instance), [str(o) for o in err.validator_value], n=1)
            if isinstance(err.instance, str)
            else []
        )
        msg = f"{_short(err.instance)} is not one of: {options}"
        if hint:
            msg += f" (did you mean '{hint[0]}'?)"
        kind = "wrong_value"
    elif validator == "required":
        # one error per missing key, none saying which: report each (duplicates merge)
        missing = [
            k
            for k in err.validator_value
            if isinstance(err.instance, dict) and k not in err.instance
        ]
        if missing:
            return [
                Finding(
                    "missing_key",
                    f"missing required key '{k}'",
                    file=file,
                    line=line,
                    column=col,
                    field=where or None,
                )
                for k in missing
            ]
        msg = err.message
        kind = "missing_key"
    elif validator == "minimum":
        msg = f"must be at least {err.validator_value}, got {_short(err.instance)}"
        kind = "wrong_value"
    elif validator == "oneOf" and isinstance(err.instance, dict):
        msg = _one_of_message(err)
        kind = "wrong_shape"
    else:
        msg = err.message
        kind = "schema_error"
    return [Finding(kind, msg, file=file, line=line, column=col, field=where or None)]


def _one_of_message(err: Any) -> str:
    """Glossary entries: exactly one of field/term and of description/definition."""
    keys: List[str] = []
    for sub in err.validator_value:
        keys.extend(sub.get("required", []))
    present = [k for k in keys if k in err.instance]
    if not present:
        return f"needs one of: {', '.join(keys)}"
    if len(present) > 1:
        return f"give only one of: {', '.join(present)} (they are aliases)"
    return str(err.message)
