"""A PyYAML loader with YAML 1.2 core-schema typing, keeping each node's position.

PyYAML's default resolver is YAML 1.1: ``yes``/``on`` become booleans, ``2024-01-01`` a
``date``, ``1_000`` an int and ``017`` octal. For event fixtures and for checking a
contract against its JSON Schema we want what a JSON user (and editors' YAML language
server) expects: only ``true``/``false`` are booleans, dates stay strings, ``0o17`` and
``0x1F`` are ints (and, as the engine allows, ``0b101``), ``.inf``/``.nan`` are
floats. Mapping keys are always their source text, as in JSON.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

import yaml

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|0b[01]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class CoreResolver(yaml.resolver.Resolver):
    """Implicit typing of plain scalars by the YAML 1.2 core schema (plus merge keys)."""


# An own table (add_implicit_resolver would otherwise start from YAML 1.1's).
CoreResolver.yaml_implicit_resolvers = {}

for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", _BOOL, list("tTfF")),
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", _INT, list("-+0123456789")),
    ("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789")),
    ("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"]),
):
    CoreResolver.add_implicit_resolver(_tag, _regexp, _first)


class CoreConstructor(yaml.constructor.SafeConstructor):
    def construct_yaml_int(self, node: yaml.Node) -> int:
        value = str(self.construct_scalar(node))  # type: ignore[arg-type]
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        if value.startswith("0b"):
            return int(value[2:], 2)
        return int(value, 10)

    def construct_yaml_float(self, node: yaml.Node) -> float:
        value = str(self.construct_scalar(node)).lower()  # type: ignore[arg-type]
        if value.endswith(".inf"):
            return float("-inf") if value.startswith("-") else float("inf")
        if value.endswith(".nan"):
            return float("nan")
        return float(value)

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> Dict[Any, Any]:
        # Keys are their source text (JSON objects have string keys).
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"expected a mapping node, but found {type(node).__name__}",
                node.start_mark,
            )
        mapping: Dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found a non-scalar key (JSON keys are strings)",
                    key_node.start_mark,
                )
            mapping[str(key_node.value)] = self.construct_object(value_node, deep=deep)
        return mapping


CoreConstructor.yaml_constructors = {
    **yaml.constructor.SafeConstructor.yaml_constructors,
    "tag:yaml.org,2002:int": CoreConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": CoreConstructor.construct_yaml_float,
    # construct_yaml_map calls the construct_mapping above
}


class CoreLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    CoreConstructor,
    CoreResolver,
):
    def __init__(self, stream: Any) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        CoreConstructor.__init__(self)
        CoreResolver.__init__(self)


def compose_documents(text: str) -> Tuple[CoreLoader, List[yaml.Node]]:
    """Parse ``text`` into node trees (one per document; empty documents are left out).
    Raises ``yaml.YAMLError`` with a mark on syntax errors."""
    loader = CoreLoader(text)
    nodes: List[yaml.Node] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                nodes.append(node)
    except BaseException:
        loader.dispose()
        raise
    return loader, nodes


def construct(loader: CoreLoader, node: yaml.Node) -> Any:
    """Build the Python value of ``node`` (deeply)."""
    return loader.construct_object(node, deep=True)


def node_position(node: yaml.Node) -> Tuple[int, int]:
    """1-based (line, column) where ``node`` starts."""
    mark = node.start_mark
    return mark.line + 1, mark.column + 1


def error_position(err: BaseException) -> Tuple[Optional[int], Optional[int]]:
    """1-based (line, column) of a PyYAML error, when it carries a mark."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    if mark is None:
        return None, None
    return mark.line + 1, mark.column + 1


def error_text(err: BaseException) -> str:
    """A one-line message for a PyYAML error, without PyYAML's multi-line snippet."""
    problem = getattr(err, "problem", None)
    context = getattr(err, "context", None)
    if problem:
        text = str(problem)
        if context:
            text = f"{text} ({context})"
        return text
    return str(err).splitlines()[0] if str(err) else type(err).__name__
