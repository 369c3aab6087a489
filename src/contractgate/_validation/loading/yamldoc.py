"""YAML documents that are not contracts, as Python values with positions.

Event fixtures, ``.contractgate.yml``, the local gateway's ``_gateway.yaml`` and the
``check-contracts --strict`` schema check read YAML through the same libyaml 0.2.5 port
as contracts (:mod:`.libyaml`), so no YAML library's release changes what the package
reads. Typing follows the YAML 1.2 core schema, which JSON users and editors' YAML
language servers expect: only ``true``/``false`` are booleans, ``~``/``null``/empty are
null, ``0o17``/``0x1F``/``0b101`` are ints, ``.inf``/``.nan`` floats, dates stay
strings; mapping keys are their source text (JSON objects have string keys); ``<<``
merge keys work as in YAML 1.1 tooling; an explicit ``!!str``/``!!int``/... tag wins.

Nodes keep their ``start_mark`` (0-based ``line``/``column``) for error messages that
point at a line.
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, List, NamedTuple, Optional, Set, Tuple, Union

from . import libyaml as Y
from .libyaml import YAMLError, YAMLReaderError

__all__ = [
    "MappingNode",
    "Mark",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "YAMLDocumentError",
    "YAMLError",
    "compose_documents",
    "construct",
    "error_position",
    "error_text",
    "load",
]


class Mark(NamedTuple):
    line: int  # 0-based
    column: int  # 0-based, in characters


class ScalarNode:
    __slots__ = ("plain", "start_mark", "tag", "value")

    def __init__(self, value: str, tag: Optional[str], plain: bool, start_mark: Mark) -> None:
        self.value = value
        self.tag = tag
        self.plain = plain
        self.start_mark = start_mark


class SequenceNode:
    __slots__ = ("start_mark", "tag", "value")

    def __init__(self, tag: Optional[str], start_mark: Mark) -> None:
        self.value: List[Node] = []
        self.tag = tag
        self.start_mark = start_mark


class MappingNode:
    __slots__ = ("start_mark", "tag", "value")

    def __init__(self, tag: Optional[str], start_mark: Mark) -> None:
        self.value: List[Tuple[Node, Node]] = []
        self.tag = tag
        self.start_mark = start_mark


Node = Union[ScalarNode, SequenceNode, MappingNode]


class YAMLDocumentError(YAMLError):
    """A document that parses but cannot be composed or typed (undefined alias,
    non-scalar key, a value its tag rejects); ``problem``/``problem_mark`` as libyaml's
    syntax errors carry them."""

    def __init__(self, problem: str, mark: Optional[Mark]) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark
        self.context: Optional[str] = None
        self.context_mark: Optional[Mark] = None


# ------------------------------------------------------------------------ composition


def compose_documents(text: str) -> List[Node]:
    """The node tree of each document of ``text`` (empty documents left out). Aliases
    are the anchored node itself. Raises :class:`YAMLError` subclasses."""
    docs: List[Node] = []
    anchors: Dict[str, Node] = {}
    stack: List[Union[SequenceNode, MappingNode]] = []
    open_ids: Set[int] = set()  # the collections in ``stack``
    pending_key: List[Optional[Node]] = []  # per open mapping: the key awaiting a value
    root: Optional[Node] = None

    def attach(node: Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        parent = stack[-1]
        if isinstance(parent, SequenceNode):
            parent.value.append(node)
        elif pending_key[-1] is None:
            pending_key[-1] = node
        else:
            key = pending_key[-1]
            assert key is not None
            parent.value.append((key, node))
            pending_key[-1] = None

    for ev in Y.iter_events(text):
        kind = ev.kind
        mark = Mark(*ev.start)
        if kind == Y.SCALAR:
            node: Node = ScalarNode(ev.value, ev.tag, ev.plain, mark)
            if ev.anchor is not None:
                anchors[ev.anchor] = node
            attach(node)
        elif kind == Y.ALIAS:
            target = anchors.get(ev.anchor or "")
            if target is None:
                raise YAMLDocumentError(f"found undefined alias {ev.anchor!r}", mark)
            if id(target) in open_ids:
                # `&a [*a]`: a node containing itself has no (finite) value
                raise YAMLDocumentError(f"found recursive alias {ev.anchor!r}", mark)
            attach(target)
        elif kind in (Y.SEQUENCE_START, Y.MAPPING_START):
            coll: Union[SequenceNode, MappingNode]
            if kind == Y.SEQUENCE_START:
                coll = SequenceNode(ev.tag, mark)
            else:
                coll = MappingNode(ev.tag, mark)
            if ev.anchor is not None:
                anchors[ev.anchor] = coll
            attach(coll)
            stack.append(coll)
            open_ids.add(id(coll))
            pending_key.append(None)
        elif kind in (Y.SEQUENCE_END, Y.MAPPING_END):
            open_ids.discard(id(stack.pop()))
            pending_key.pop()
        elif kind == Y.DOCUMENT_START:
            root = None
            anchors = {}
        elif kind == Y.DOCUMENT_END:
            if root is not None and not (
                isinstance(root, ScalarNode) and root.value == "" and root.plain
                and root.tag is None
            ):
                docs.append(root)
    return docs


# ------------------------------------------------------------------------ construction

_BOOL = re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")
_NULL = re.compile(r"(?:~|null|Null|NULL|)\Z")
_INT = re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|0b[01]+)\Z")
_FLOAT = re.compile(
    r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)
_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_TAGGED = {
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
}
_MERGE = "<<"


def _int(text: str) -> int:
    for prefix, base in (("0o", 8), ("0x", 16), ("0b", 2)):
        if text.startswith(prefix):
            return int(text[2:], base)
    return int(text, 10)


def _float(text: str) -> float:
    low = text.lower()
    if low.endswith(".inf"):
        return -math.inf if low.startswith("-") else math.inf
    if low.endswith(".nan"):
        return math.nan
    return float(text)


def _unsupported(tag: str, mark: Mark) -> YAMLDocumentError:
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    return YAMLDocumentError(f"a {shown} value has no JSON form (unsupported tag)", mark)


def _scalar(node: ScalarNode, engine: bool = False) -> Any:
    text = node.value
    tag = node.tag
    if engine and tag is not None:
        # The contract engine reads every scalar outside `enum` values by its text and
        # the target field, whatever its tag: only a `!!str` null stays text, and a
        # `!name` tag on a null names a keyword (`type: !string`, serde's enum syntax).
        null_body = node.plain and _NULL.match(text) is not None
        if tag.startswith("!") and tag != "!" and null_body:
            return tag[1:]
        tag = _STR_TAG if tag == _STR_TAG and null_body else None
    if tag is not None and tag != "!":
        if tag == _STR_TAG:
            return text
        want = _TAGGED.get(tag)
        if want is None:  # !!binary, !!timestamp, !custom...
            raise _unsupported(tag, node.start_mark)
        checks = {"bool": _BOOL, "null": _NULL, "int": _INT, "float": _FLOAT}
        if not checks[want].match(text) and not (want == "float" and _INT.match(text)):
            raise YAMLDocumentError(f"{text!r} is not a valid {tag}", node.start_mark)
        return _typed(want, text)
    if not node.plain:
        return text
    for name, pattern in (("null", _NULL), ("bool", _BOOL), ("int", _INT), ("float", _FLOAT)):
        if pattern.match(text):
            return _typed(name, text)
    return text


def _typed(kind: str, text: str) -> Any:
    if kind == "null":
        return None
    if kind == "bool":
        return text.lower() == "true"
    if kind == "int":
        return _int(text)
    return float(_int(text)) if _INT.match(text) else _float(text)


def construct(node: Node, *, engine: bool = False) -> Any:
    """The Python value of ``node`` (deeply, without recursion: documents nested deeper
    than Python's recursion limit are fine). Raises :class:`YAMLDocumentError`.

    ``engine=True`` reads a contract as the contract engine (serde_yaml) does where the
    YAML 1.2 core schema differs: tags are ignored (a ``!!str`` null stays text) and
    ``<<`` is an ordinary key, not a merge."""
    done: Dict[int, Any] = {}
    # post-order over an explicit stack; aliases are shared objects, built once
    todo: List[Tuple[Node, bool]] = [(node, False)]
    while todo:
        current, expanded = todo.pop()
        key = id(current)
        if key in done:
            continue
        if isinstance(current, ScalarNode):
            done[key] = _scalar(current, engine)
            continue
        plain_tag = _SEQ_TAG if isinstance(current, SequenceNode) else _MAP_TAG
        if not engine and current.tag not in (None, "!", plain_tag):  # !!set, !!omap, !custom
            raise _unsupported(current.tag, current.start_mark)
        if not expanded:
            todo.append((current, True))
            children: List[Node] = (
                list(current.value)
                if isinstance(current, SequenceNode)
                else [n for pair in current.value for n in pair]
            )
            todo.extend((c, False) for c in reversed(children) if id(c) not in done)
            continue
        if isinstance(current, SequenceNode):
            done[key] = [done[id(c)] for c in current.value]
        else:
            done[key] = _mapping(current, done, merge=not engine)
    return done[id(node)]


def _mapping(node: MappingNode, done: Dict[int, Any], merge: bool) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    merged: Dict[str, Any] = {}
    for k, v in node.value:
        if not isinstance(k, ScalarNode):
            raise YAMLDocumentError(
                "found a non-scalar mapping key (JSON keys are strings)", k.start_mark
            )
        if merge and k.value == _MERGE and k.plain and k.tag is None:
            value = done[id(v)]
            sources = value if isinstance(v, SequenceNode) else [value]
            for source in sources:
                if not isinstance(source, dict):
                    raise YAMLDocumentError(
                        "a merge key (<<) needs a mapping or a list of mappings", v.start_mark
                    )
                for mk, mv in source.items():
                    merged.setdefault(mk, mv)
            continue
        out[k.value] = done[id(v)]
    for mk, mv in merged.items():
        out.setdefault(mk, mv)
    return out


def load(text: str) -> Any:
    """The value of a single-document YAML text (``None`` when empty); more than one
    document is an error."""
    docs = compose_documents(text)
    if len(docs) > 1:
        raise YAMLDocumentError(
            "expected a single document, found several", docs[1].start_mark
        )
    return construct(docs[0]) if docs else None


# ------------------------------------------------------------------------ errors


def error_position(err: BaseException) -> Tuple[Optional[int], Optional[int]]:
    """1-based (line, column) of a YAML error, when it has one."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    if mark is None:
        return None, None
    return mark[0] + 1, mark[1] + 1


def error_text(err: BaseException) -> str:
    """A one-line message for a YAML error (its position is reported separately)."""
    if isinstance(err, YAMLReaderError):
        return f"{err.reason} (byte {err.offset})"
    problem = getattr(err, "problem", None)
    if problem:
        context = getattr(err, "context", None)
        return f"{problem} ({context})" if context else str(problem)
    return str(err) or type(err).__name__
