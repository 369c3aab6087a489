"""serde_yaml-faithful typed reading of contract YAML (spec §1.1, §1.2, §1.12, appendix E).

The gateway reads contracts with serde_yaml 0.9, which types every scalar by the Rust
field it lands in rather than by one document-wide schema. PyYAML's resolver (YAML 1.1:
``yes`` → True, ``1.0`` → float, ``017`` → 15, …) must therefore never construct Python
objects here. Instead this module:

1. pulls the libyaml *event* stream of the first document (PyYAML's ``CSafeLoader``
   event API when available, never its composer or constructor: same libyaml 0.2.5 as serde_yaml's
   ``unsafe-libyaml``, so the same events, marks and scanner/parser error texts);
2. replays serde_yaml's ``DeserializerFromEvents`` over those events, driven by a small
   type description of the target structs (:class:`Struct`, :class:`Seq`, …). Alias
   jumps, the 128-level recursion limit, the repetition limit, error paths
   (``ontology.entities[0].required``), marks (``at line L column C``) and error
   precedence (a type error before a later syntax error wins) all follow serde_yaml.

A second backend (:func:`read_python`) types plain Python data (``json.load`` output)
with the same descriptions, for ``Contract.from_dict``.

Everything here is private; the public model lives in :mod:`contractgate.contract`.
"""

from __future__ import annotations

import math
import re
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    List,
    Mapping,
    NoReturn,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from ..exceptions import ContractCompileError
from .render import render_debug_str, render_f64

if TYPE_CHECKING:
    import yaml

__all__ = [
    "F64",
    "Bool",
    "Enum",
    "FieldSpec",
    "Json",
    "Opt",
    "Seq",
    "Str",
    "Struct",
    "UInt",
    "read_python",
    "read_yaml",
]

# --------------------------------------------------------------------------------------
# Target type descriptions
# --------------------------------------------------------------------------------------


class TypeSpec:
    """Base class of the target-type descriptions."""

    __slots__ = ()


class Str(TypeSpec):
    """A Rust ``String``: any scalar, as its text."""

    __slots__ = ()


class Bool(TypeSpec):
    """A Rust ``bool``: plain true/True/TRUE/false/False/FALSE only."""

    __slots__ = ()


class F64(TypeSpec):
    """A Rust ``f64``: a plain scalar that Rust's float parser accepts (plus .inf/.nan)."""

    __slots__ = ()


class UInt(TypeSpec):
    """A Rust ``u64``/``usize`` (``expecting`` is the name used in messages)."""

    __slots__ = ("expecting",)

    def __init__(self, expecting: str) -> None:
        self.expecting = expecting


class Json(TypeSpec):
    """A ``serde_json::Value`` (appendix E)."""

    __slots__ = ()


class Opt(TypeSpec):
    """A Rust ``Option<inner>``."""

    __slots__ = ("inner",)

    def __init__(self, inner: TypeSpec) -> None:
        self.inner = inner


class Seq(TypeSpec):
    """A Rust ``Vec<elem>``; read as a Python list."""

    __slots__ = ("elem",)

    def __init__(self, elem: TypeSpec) -> None:
        self.elem = elem


class Enum(TypeSpec):
    """A serde unit-variant enum: exact keywords; ``variants`` maps keyword → value."""

    __slots__ = ("expected", "variants")

    def __init__(self, names: Sequence[str], variants: Mapping[str, Any]) -> None:
        self.variants = dict(variants)
        self.expected = _one_of(names)


class FieldSpec:
    """One struct field: canonical name, accepted keys (aliases), type, default."""

    __slots__ = ("default", "keys", "mark_key", "name", "required", "ty")

    def __init__(
        self,
        name: str,
        ty: TypeSpec,
        *,
        required: bool = False,
        default: Callable[[], Any] = lambda: None,
        aliases: Sequence[str] = (),
        mark_key: Optional[str] = None,
    ) -> None:
        self.name = name
        self.ty = ty
        self.required = required
        self.default = default
        self.keys = (name, *aliases)
        # When set, the YAML reader stores the (line, column) of this field's value in
        # the values handed to ``build`` under this key.
        self.mark_key = mark_key


class Struct(TypeSpec):
    """A serde-derived struct (no ``deny_unknown_fields``)."""

    __slots__ = ("build", "by_key", "expecting", "fields")

    def __init__(self, name: str, build: Callable[[Dict[str, Any]], Any]) -> None:
        self.expecting = f"struct {name}"
        self.build = build
        self.fields: List[FieldSpec] = []
        self.by_key: Dict[str, FieldSpec] = {}

    def set_fields(self, fields: Sequence[FieldSpec]) -> None:
        self.fields = list(fields)
        self.by_key = {key: f for f in self.fields for key in f.keys}

    def finish(self, values: Dict[str, Any]) -> Any:
        """serde's post-loop step: missing fields in declaration order, then build."""
        for f in self.fields:
            if f.name not in values:
                if f.required:
                    raise _DeError(f"missing field `{f.name}`")
                values[f.name] = f.default()
        return self.build(values)


def _one_of(names: Sequence[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    if len(quoted) == 1:
        return quoted[0]
    if len(quoted) == 2:
        return f"{quoted[0]} or {quoted[1]}"
    return "one of " + ", ".join(quoted)


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------

Mark = Tuple[int, int]  # 0-based (line, column), as libyaml reports it
# A lazily rendered serde path: None is the root; ("m", parent, key), ("s", parent, index)
# and ("u", parent) are Map, Seq and Unknown (an alias or non-scalar key).
PathT = Optional[Tuple[Any, ...]]


class _DeError(Exception):
    """A serde_yaml error in the making.

    ``fixable`` errors are serde ``Message`` errors: the first ``fix`` on the way up
    gives them a mark and a path (serde_yaml's ``fix_mark``); other errors (libyaml
    errors, recursion/repetition limits) keep what they were created with.
    """

    def __init__(
        self,
        message: str,
        mark: Optional[Mark] = None,
        *,
        fixable: bool = True,
        path: PathT = None,
        show_mark: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.path = path
        self.fixable = fixable
        self.fixed = False
        # False when ``message`` already says where (libyaml errors).
        self.show_mark = show_mark

    def fix(self, mark: Optional[Mark], path: PathT) -> None:
        if self.fixable and not self.fixed:
            self.fixed = True
            self.mark = mark
            self.path = path

    def render(self) -> str:
        text = self.message
        if self.fixed and self.path is not None:
            text = f"{render_path(self.path)}: {text}"
        if self.show_mark and self.mark is not None and self.mark != (0, 0):
            text += f" at line {self.mark[0] + 1} column {self.mark[1] + 1}"
        return text

    def to_compile_error(self, file: Optional[str]) -> ContractCompileError:
        line = column = None
        if self.mark is not None:
            line, column = self.mark[0] + 1, self.mark[1] + 1
        path = render_path(self.path) if (self.fixed and self.path is not None) else None
        return ContractCompileError(self.render(), file=file, line=line, column=column, path=path)


def render_path(path: PathT) -> str:
    """serde_yaml's ``Path`` Display (the root renders as ``.``)."""
    if path is None:
        return "."
    parts: List[str] = []
    node: PathT = path
    while node is not None:
        kind = node[0]
        if kind == "m":
            parts.append(str(node[2]))
            if node[1] is not None:
                parts.append(".")
        elif kind == "s":
            parts.append(f"[{node[2]}]")
            if node[1] is None:
                parts.append(".")
        else:  # "u"
            parts.append("?")
            if node[1] is not None:
                parts.append(".")
        node = node[1]
    return "".join(reversed(parts))


def _invalid_type(unexpected: str, expected: str) -> _DeError:
    return _DeError(f"invalid type: {unexpected}, expected {expected}")


def _invalid_value(unexpected: str, expected: str) -> _DeError:
    return _DeError(f"invalid value: {unexpected}, expected {expected}")


# --------------------------------------------------------------------------------------
# Rust renderings used inside serde messages
# --------------------------------------------------------------------------------------


def _unexpected_float(x: float) -> str:
    """serde's ``Unexpected::Float`` (``WithDecimalPoint``)."""
    text = render_f64(x)
    if math.isfinite(x) and "." not in text:
        text += ".0"
    return f"floating point `{text}`"


# --------------------------------------------------------------------------------------
# serde_yaml scalar parsing (de.rs: parse_bool, parse_null, parse_f64, visit_int, …)
# --------------------------------------------------------------------------------------

TAG_NULL = "tag:yaml.org,2002:null"
TAG_BOOL = "tag:yaml.org,2002:bool"
TAG_INT = "tag:yaml.org,2002:int"
TAG_FLOAT = "tag:yaml.org,2002:float"

_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULLS = frozenset(["null", "Null", "NULL", "~"])
_DIGITS = {
    10: re.compile(r"[0-9]+\Z"),
    16: re.compile(r"[0-9a-fA-F]+\Z"),
    8: re.compile(r"[0-7]+\Z"),
    2: re.compile(r"[01]+\Z"),
}
_LEADING_ZERO_DIGITS = re.compile(r"[+-]?0[0-9]+\Z")
_MAX_DIGITS = {10: 40, 16: 33, 8: 44, 2: 129}  # more significant digits overflow 128 bits
# Unambiguous (no nested quantifiers over the same digits): linear even on huge inputs.
_RUST_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


def parse_bool(v: str) -> Optional[bool]:
    return _BOOLS.get(v)


def parse_null(v: str) -> bool:
    return v in _NULLS


def _from_str_radix(s: str, radix: int, signed: bool, bits: int) -> Optional[int]:
    """Rust ``{integer}::from_str_radix``: one optional sign, then digits only."""
    if not s:
        return None
    negative = False
    if s[0] in "+-":
        if len(s) == 1:
            return None
        if s[0] == "+":
            s = s[1:]
        elif signed:
            negative = True
            s = s[1:]
    if _DIGITS[radix].match(s) is None:
        return None
    significant = s.lstrip("0")
    if len(significant) > _MAX_DIGITS[radix]:
        return None
    value = int(significant or "0", radix)
    if negative:
        value = -value
    if signed:
        limit = 1 << (bits - 1)
        return value if -limit <= value < limit else None
    return value if value < (1 << bits) else None


def _digits_but_not_number(v: str) -> bool:
    """A leading zero followed by digits (after one optional sign) is a string (YAML 1.2)."""
    return _LEADING_ZERO_DIGITS.match(v) is not None


def parse_unsigned_int(v: str, bits: int) -> Optional[int]:
    unpositive = v[1:] if v.startswith("+") else v
    for prefix, radix in (("0x", 16), ("0o", 8), ("0b", 2)):
        if unpositive.startswith(prefix):
            rest = unpositive[2:]
            if rest[:1] in ("+", "-"):
                return None
            value = _from_str_radix(rest, radix, False, bits)
            if value is not None:
                return value
    if unpositive[:1] in ("+", "-"):
        return None
    if _digits_but_not_number(v):
        return None
    return _from_str_radix(unpositive, 10, False, bits)


def _parse_negative_int(v: str, bits: int) -> Optional[int]:
    for prefix, radix in (("-0x", 16), ("-0o", 8), ("-0b", 2)):
        if v.startswith(prefix):
            value = _from_str_radix("-" + v[3:], radix, True, bits)
            if value is not None:
                return value
    if _digits_but_not_number(v):
        return None
    return _from_str_radix(v, 10, True, bits)


def parse_f64(v: str) -> Optional[float]:
    """serde_yaml's ``parse_f64``: Rust float grammar, finite only, plus .inf/.nan forms."""
    unpositive = v
    if v.startswith("+"):
        unpositive = v[1:]
        if unpositive[:1] in ("+", "-"):
            return None
    if unpositive in (".inf", ".Inf", ".INF"):
        return math.inf
    if v in ("-.inf", "-.Inf", "-.INF"):
        return -math.inf
    if v in (".nan", ".NaN", ".NAN"):
        return math.nan
    if _RUST_FLOAT.match(unpositive) is None:
        return None
    value = float(unpositive)
    return value if math.isfinite(value) else None


# A typed scalar as serde's visitors see it: (kind, value) with kind one of
# unit, bool, u64, i64, u128, i128, f64, str.
Typed = Tuple[str, Any]


def _visit_int(v: str) -> Optional[Typed]:
    value = parse_unsigned_int(v, 64)
    if value is not None:
        return ("u64", value)
    value = _parse_negative_int(v, 64)
    if value is not None:
        return ("i64", value)
    value = parse_unsigned_int(v, 128)
    if value is not None:
        return ("u128", value)
    value = _parse_negative_int(v, 128)
    if value is not None:
        return ("i128", value)
    return None


_SMALL_INT = re.compile(r"(-?)(?:0|[1-9][0-9]{0,17})\Z")  # always fits i64/u64


def _untagged(v: str) -> Typed:
    m = _SMALL_INT.match(v)
    if m is not None:
        return ("i64", int(v)) if m.group(1) else ("u64", int(v))
    if v == "" or v in _NULLS:
        return ("unit", None)
    b = _BOOLS.get(v)
    if b is not None:
        return ("bool", b)
    as_int = _visit_int(v)
    if as_int is not None:
        return as_int
    if not _digits_but_not_number(v):
        f = parse_f64(v)
        if f is not None:
            return ("f64", f)
    return ("str", v)


def visit_scalar(value: str, tag: Optional[str], plain: bool) -> Typed:
    """serde_yaml's ``visit_scalar`` (not ``tagged_already``); may raise invalid-value."""
    if tag is not None:
        if tag == TAG_BOOL:
            b = _BOOLS.get(value)
            if b is None:
                raise _invalid_value(f"string {render_debug_str(value)}", "a boolean")
            return ("bool", b)
        if tag == TAG_INT:
            as_int = _visit_int(value)
            if as_int is None:
                raise _invalid_value(f"string {render_debug_str(value)}", "an integer")
            return as_int
        if tag == TAG_FLOAT:
            f = parse_f64(value)
            if f is None:
                raise _invalid_value(f"string {render_debug_str(value)}", "a float")
            return ("f64", f)
        if tag == TAG_NULL:
            if value in _NULLS:
                return ("unit", None)
            raise _invalid_value(f"string {render_debug_str(value)}", "null")
        if tag.startswith("!") and plain:
            return _untagged(value)
        return ("str", value)
    if plain:
        return _untagged(value)
    return ("str", value)


def _describe(typed: Typed) -> str:
    """serde's ``Unexpected`` Display for a typed scalar."""
    kind, value = typed
    if kind == "unit":
        return "unit value"
    if kind == "bool":
        return f"boolean `{'true' if value else 'false'}`"
    if kind in ("u64", "i64"):
        return f"integer `{value}`"
    if kind in ("u128", "i128"):
        return f"integer `{value}` as {kind}"
    if kind == "f64":
        return _unexpected_float(value)
    return f"string {render_debug_str(value)}"


# --------------------------------------------------------------------------------------
# Events (serde_yaml's loader.rs)
# --------------------------------------------------------------------------------------

SCALAR, SEQ_START, SEQ_END, MAP_START, MAP_END, ALIAS, VOID = range(7)


class _Event:
    __slots__ = ("kind", "mark", "plain", "tag", "target", "value")

    def __init__(
        self,
        kind: int,
        mark: Mark,
        value: str = "",
        tag: Optional[str] = None,
        plain: bool = False,
        target: int = -1,
    ) -> None:
        self.kind = kind
        self.mark = mark
        self.value = value
        self.tag = tag
        self.plain = plain
        self.target = target


MAX_NESTING = 5_000  # collections nested deeper are rejected (our own bound)
MAX_EVENTS = 500_000  # nodes per document (our own bound)


class _Document:
    def __init__(self) -> None:
        self.events: List[_Event] = []
        self.error: Optional[_DeError] = None


_K_SCALAR, _K_MAP_START, _K_MAP_END, _K_SEQ_START, _K_SEQ_END, _K_ALIAS = range(6)
_K_DOC_END, _K_STREAM_END, _K_OTHER = 6, 7, 8
_EVENT_KINDS: Dict[type, int] = {}  # filled by _yaml()
_C_LOADER = False  # libyaml's loader is available (set by _yaml())


def _yaml() -> Any:
    """PyYAML, imported on first use: importing it costs ~25 ms (its reader compiles a
    large regex), which ``import contractgate`` should not pay before a YAML text."""
    global _C_LOADER
    import yaml

    if not _EVENT_KINDS:
        _C_LOADER = getattr(yaml, "CSafeLoader", None) is not None
        _EVENT_KINDS.update(
            {
                yaml.ScalarEvent: _K_SCALAR,
                yaml.MappingStartEvent: _K_MAP_START,
                yaml.MappingEndEvent: _K_MAP_END,
                yaml.SequenceStartEvent: _K_SEQ_START,
                yaml.SequenceEndEvent: _K_SEQ_END,
                yaml.AliasEvent: _K_ALIAS,
                yaml.DocumentEndEvent: _K_DOC_END,
                yaml.StreamEndEvent: _K_STREAM_END,
            }
        )
    return yaml


def _loader_class() -> Any:
    yaml = _yaml()
    return getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


_PY_PROBLEMS = {
    "mapping values are not allowed here": "mapping values are not allowed in this context",
}


def _libyaml_error(exc: yaml.YAMLError, bom_shift: int) -> _DeError:
    """Render a PyYAML/libyaml error the way serde_yaml's libyaml error Display does."""
    yaml = _yaml()
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = exc.problem or "YAML syntax error"
        if not _C_LOADER:  # a few pure-Python PyYAML texts differ from libyaml's
            problem = _PY_PROBLEMS.get(problem, problem)
            if problem.startswith("found character ") and "cannot start any token" in problem:
                problem = "found character that cannot start any token"
        pm = exc.problem_mark
        text = problem
        mark: Optional[Mark] = None
        if pm is not None:
            mark = (pm.line, pm.column)
            if mark != (0, 0):
                text += f" at line {pm.line + 1} column {pm.column + 1}"
        if exc.context:
            text += f", {exc.context}"
            cm = exc.context_mark
            if (
                cm is not None
                and (cm.line, cm.column) != (0, 0)
                and (pm is None or (cm.line, cm.column) != (pm.line, pm.column))
            ):
                text += f" at line {cm.line + 1} column {cm.column + 1}"
        return _DeError(text, mark, fixable=False, show_mark=False)
    if isinstance(exc, yaml.reader.ReaderError):
        position = max(0, int(exc.position) - bom_shift)
        text = str(exc.reason)
        if position:
            text += f" at position {position}"
        return _DeError(text, fixable=False)
    return _DeError(str(exc), fixable=False)


class _EventSource:
    """The libyaml event stream, read lazily one document at a time."""

    def __init__(self, text: str) -> None:
        # serde_yaml presets UTF-8, so libyaml does not strip a leading BOM: the scanner
        # skips it as a character (column 1). PyYAML lets libyaml detect the encoding,
        # which strips one BOM; doubling it reproduces serde_yaml's marks (spec §1.1).
        # The pure-Python parser drops a leading BOM without counting it; a space there
        # has the same effect on marks and tokens as serde_yaml's skipped BOM.
        self.bom_shift = 0
        loader_class = _loader_class()  # imports PyYAML first: _C_LOADER is set
        if text.startswith("\ufeff"):
            if _C_LOADER:
                text = "\ufeff" + text
                self.bom_shift = 3
            else:
                text = " " + text[1:]
        self._loader: Any = loader_class(text)
        self.done = False

    def close(self) -> None:
        self._loader.dispose()

    def first_document(self) -> _Document:
        yaml = _yaml()
        doc = _Document()
        anchors: Dict[str, int] = {}
        events = doc.events
        append = events.append
        get_event = self._loader.get_event
        kinds = _EVENT_KINDS
        depth = 0
        try:
            while True:
                ev = get_event()
                if ev is None:  # past the end of the stream
                    zero = yaml.Mark("<contract>", 0, 0, 0, "", 0)
                    ev = yaml.StreamEndEvent(zero, zero)
                kind = kinds.get(type(ev), _K_OTHER)
                if kind == _K_OTHER:  # StreamStart / DocumentStart
                    continue
                sm = ev.start_mark
                mark = (sm.line, sm.column)
                if kind == _K_SCALAR:
                    if ev.anchor is not None:
                        anchors[ev.anchor] = len(events)
                    append(_Event(SCALAR, mark, ev.value, ev.tag, not ev.style))
                elif kind == _K_MAP_END:
                    append(_Event(MAP_END, mark))
                    depth -= 1
                elif kind == _K_SEQ_END:
                    append(_Event(SEQ_END, mark))
                    depth -= 1
                elif kind == _K_MAP_START or kind == _K_SEQ_START:
                    depth += 1
                    if depth > MAX_NESTING:
                        # libyaml slows down quadratically with flow nesting; serde_yaml
                        # would still read it. Content this deep can only sit under an
                        # ignored key (known fields stop at 128 levels, and that error
                        # is still reported first: the deserializer meets it earlier).
                        doc.error = _DeError(
                            f"YAML nesting too deep: more than {MAX_NESTING} levels",
                            mark,
                            fixable=False,
                        )
                        return doc
                    if ev.anchor is not None:
                        anchors[ev.anchor] = len(events)
                    append(
                        _Event(MAP_START if kind == _K_MAP_START else SEQ_START, mark, tag=ev.tag)
                    )
                elif kind == _K_ALIAS:
                    target = anchors.get(ev.anchor)
                    if target is None:
                        doc.error = _DeError("unknown anchor", mark, fixable=False)
                        return doc
                    append(_Event(ALIAS, mark, target=target))
                elif kind == _K_DOC_END:
                    return doc
                else:  # StreamEnd
                    self.done = True
                    if not events:
                        append(_Event(VOID, mark))
                    return doc
                if len(events) > MAX_EVENTS:
                    # Our own bound against hostile input (serde_yaml has none): stop
                    # here, as if the YAML had a syntax error at this point.
                    doc.error = _DeError(
                        f"YAML document too large: more than {MAX_EVENTS} nodes",
                        mark,
                        fixable=False,
                    )
                    return doc
        except yaml.YAMLError as exc:
            doc.error = _libyaml_error(exc, self.bom_shift)
            return doc

    def has_another_document(self) -> bool:
        """serde_yaml's ``loader.next_document().is_some()`` after the first document."""
        if self.done:
            return False
        yaml = _yaml()
        try:
            ev = self._loader.get_event()
        except yaml.YAMLError:
            return True
        return ev is not None and not isinstance(ev, yaml.StreamEndEvent)


# --------------------------------------------------------------------------------------
# The event deserializer (serde_yaml's DeserializerFromEvents)
# --------------------------------------------------------------------------------------

RECURSION_LIMIT = 128  # serde_yaml's remaining_depth
ALIAS_EXPANSION_LIMIT = 1_000_000  # events re-read through aliases (our own bound)


class _EventReader:
    def __init__(self, doc: _Document) -> None:
        self.events = doc.events
        self.doc_error = doc.error
        self.pos = 0
        self.jumpcount = 0
        self.jump_limit = len(doc.events) * 100
        self.depth = RECURSION_LIMIT
        self.in_alias = 0
        self.expanded = 0

    # -- event access ---------------------------------------------------------------

    def _end_of_events(self) -> NoReturn:
        if self.doc_error is not None:
            raise self.doc_error
        raise _DeError("EOF while parsing a value", fixable=False)

    def peek(self) -> _Event:
        if self.pos < len(self.events):
            return self.events[self.pos]
        self._end_of_events()

    def next(self) -> _Event:
        if self.pos >= len(self.events):
            self._end_of_events()
        ev = self.events[self.pos]
        self.pos += 1
        if self.in_alias:
            self.expanded += 1
            if self.expanded > ALIAS_EXPANSION_LIMIT:
                raise _DeError(
                    "alias expansion limit exceeded: aliases expand to more than "
                    f"{ALIAS_EXPANSION_LIMIT} nodes",
                    fixable=False,
                )
        return ev

    def jump(self, target: int, then: Callable[[], Any]) -> Any:
        self.jumpcount += 1
        if self.jumpcount > self.jump_limit:
            raise _DeError("repetition limit exceeded", fixable=False)
        saved = self.pos
        self.pos = target
        self.in_alias += 1
        try:
            return then()
        finally:
            self.in_alias -= 1
            self.pos = saved

    def _enter(self, mark: Mark) -> None:
        if self.depth == 0:
            raise _DeError("recursion limit exceeded", mark, fixable=False)
        self.depth -= 1

    def _leave(self) -> None:
        self.depth += 1

    # -- helpers --------------------------------------------------------------------

    def _invalid_type(self, ev: _Event, expected: str) -> _DeError:
        """serde_yaml's ``invalid_type(event, exp)``."""
        if ev.kind == SCALAR:
            return _invalid_type(_describe(visit_scalar(ev.value, ev.tag, ev.plain)), expected)
        if ev.kind == SEQ_START:
            return _invalid_type("sequence", expected)
        if ev.kind == MAP_START:
            return _invalid_type("map", expected)
        return _DeError("EOF while parsing a value", fixable=False)

    def _value_mark(self) -> Mark:
        ev = self.peek()
        seen = 0
        while ev.kind == ALIAS and seen < 64:
            ev = self.events[ev.target]
            seen += 1
        return ev.mark

    def ignore_any(self) -> None:
        depth = 0
        while True:
            kind = self.next().kind
            if kind in (SEQ_START, MAP_START):
                depth += 1
            elif kind in (SEQ_END, MAP_END):
                depth -= 1
            if depth <= 0:
                return

    # -- dispatch -------------------------------------------------------------------

    def de(self, ty: TypeSpec, path: PathT) -> Any:
        if isinstance(ty, Str):
            return self.de_str(path, "a string")
        if isinstance(ty, Opt):
            return self.de_option(ty, path)
        if isinstance(ty, Struct):
            return self.de_struct(ty, path)
        if isinstance(ty, Seq):
            return self.de_seq(ty, path)
        if isinstance(ty, Enum):
            return self.de_enum(ty, path)
        if isinstance(ty, Bool):
            return self.de_bool(path)
        if isinstance(ty, F64):
            return self.de_f64(path)
        if isinstance(ty, UInt):
            return self.de_uint(ty, path)
        if isinstance(ty, Json):
            return self.de_any(path)
        raise TypeError(f"unknown type spec {ty!r}")  # pragma: no cover

    def de_str(self, path: PathT, expected: str) -> str:
        ev = self.next()
        if ev.kind == ALIAS:
            return str(self.jump(ev.target, lambda: self.de_str(path, expected)))
        try:
            if ev.kind == SCALAR:
                return ev.value
            raise self._invalid_type(ev, expected)
        except _DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_bool(self, path: PathT) -> bool:
        ev = self.next()
        if ev.kind == ALIAS:
            return bool(self.jump(ev.target, lambda: self.de_bool(path)))
        try:
            if ev.kind == SCALAR and ev.plain:
                b = _BOOLS.get(ev.value)
                if b is not None:
                    return b
            raise self._invalid_type(ev, "a boolean")
        except _DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_f64(self, path: PathT) -> float:
        ev = self.next()
        if ev.kind == ALIAS:
            return float(self.jump(ev.target, lambda: self.de_f64(path)))
        try:
            if ev.kind == SCALAR and ev.plain:
                f = parse_f64(ev.value)
                if f is not None:
                    return f
            raise self._invalid_type(ev, "f64")
        except _DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_uint(self, ty: UInt, path: PathT) -> int:
        ev = self.next()
        if ev.kind == ALIAS:
            return int(self.jump(ev.target, lambda: self.de_uint(ty, path)))
        try:
            if ev.kind == SCALAR and ev.plain:
                value = parse_unsigned_int(ev.value, 64)
                if value is not None:
                    return value
            raise self._invalid_type(ev, ty.expecting)
        except _DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_option(self, ty: Opt, path: PathT) -> Any:
        ev = self.peek()
        if ev.kind == ALIAS:
            self.pos += 1
            return self.jump(ev.target, lambda: self.de_option(ty, path))
        if ev.kind == SCALAR:
            if not ev.plain:
                is_some = True
            elif ev.tag is not None:
                if ev.tag == TAG_NULL:
                    if ev.value not in _NULLS:
                        # Not fixed here: serde_yaml's deserialize_option has no map_err,
                        # so the enclosing struct's mark and path end up on it.
                        raise _invalid_value(f"string {render_debug_str(ev.value)}", "null")
                    is_some = False
                else:
                    is_some = True
            else:
                is_some = not (ev.value == "" or ev.value in _NULLS)
        else:
            is_some = ev.kind != VOID
        if is_some:
            return self.de(ty.inner, path)
        self.next()
        return None

    def de_seq(self, ty: Seq, path: PathT) -> List[Any]:
        ev = self.next()
        if ev.kind == ALIAS:
            return list(self.jump(ev.target, lambda: self.de_seq(ty, path)))
        try:
            if ev.kind == SEQ_START:
                self._enter(ev.mark)
                out: List[Any] = []
                while self.peek().kind != SEQ_END:
                    out.append(self.de(ty.elem, ("s", path, len(out))))
                self.next()
                self._leave()
                return out
            if ev.kind == VOID or (ev.kind == SCALAR and ev.plain and ev.value == ""):
                return []
            raise self._invalid_type(ev, "a sequence")
        except _DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_struct(self, ty: Struct, path: PathT) -> Any:
        ev = self.next()
        if ev.kind == ALIAS:
            return self.jump(ev.target, lambda: self.de_struct(ty, path))
        try:
            values: Dict[str, Any] = {}
            if ev.kind == MAP_START:
                self._enter(ev.mark)
                while self.peek().kind != MAP_END:
                    key_ev = self.peek()
                    key_text = key_ev.value if key_ev.kind == SCALAR else None
                    ident = self.de_str(path, "field identifier")
                    field = ty.by_key.get(ident)
                    if field is None:
                        self.ignore_any()
                        continue
                    if field.name in values:
                        raise _DeError(f"duplicate field `{field.name}`")
                    value_path = ("m", path, key_text) if key_text is not None else ("u", path)
                    if field.mark_key is not None:
                        line, column = self._value_mark()
                        values[field.mark_key] = (line + 1, column + 1)
                    values[field.name] = self.de(field.ty, value_path)
                self.next()
                self._leave()
            elif not (ev.kind == VOID or (ev.kind == SCALAR and ev.plain and ev.value == "")):
                raise self._invalid_type(ev, ty.expecting)
            return ty.finish(values)
        except _DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_enum(self, ty: Enum, path: PathT) -> Any:
        ev = self.peek()
        if ev.kind == ALIAS:
            self.pos += 1
            return self.jump(ev.target, lambda: self.de_enum(ty, path))
        try:
            tag = ev.tag if ev.kind in (SCALAR, SEQ_START, MAP_START) else None
            if tag is not None and tag.startswith("!"):
                # A '!tag' names the variant; the node itself must then be a unit.
                variant = tag[1:] or "!"
                if variant not in ty.variants:
                    raise _DeError(f"unknown variant `{variant}`, expected {ty.expected}")
                self._unit_tagged(path)
                return ty.variants[variant]
            if ev.kind == SCALAR:
                name = self.de_str(path, "variant identifier")
                if name not in ty.variants:
                    raise _DeError(f"unknown variant `{name}`, expected {ty.expected}")
                return ty.variants[name]
            if ev.kind in (SEQ_START, MAP_START):
                what = "sequence" if ev.kind == SEQ_START else "map"
                raise _invalid_type(what, "a YAML tag starting with '!'")
            self.next()
            raise _DeError("EOF while parsing a value", fixable=False)
        except _DeError as err:
            err.fix(ev.mark, path)
            raise

    def _unit_tagged(self, path: PathT) -> None:
        """``deserialize_unit`` with ``tagged_already`` (the body of a tagged unit variant)."""
        ev = self.next()
        try:
            if ev.kind == SCALAR:
                if ev.plain and (ev.value == "" or ev.value in _NULLS):
                    return
                raise _invalid_value(f"string {render_debug_str(ev.value)}", "null")
            raise self._invalid_type(ev, "unit")
        except _DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_any(self, path: PathT) -> Any:
        ev = self.next()
        if ev.kind == ALIAS:
            return self.jump(ev.target, lambda: self.de_any(path))
        try:
            if ev.tag is not None and ev.tag.startswith("!"):
                raise _invalid_type("enum", "any valid JSON value")
            if ev.kind == SCALAR:
                return _json_from_typed(visit_scalar(ev.value, ev.tag, ev.plain))
            if ev.kind == SEQ_START:
                self._enter(ev.mark)
                arr: List[Any] = []
                while self.peek().kind != SEQ_END:
                    arr.append(self.de_any(("s", path, len(arr))))
                self.next()
                self._leave()
                return arr
            if ev.kind == MAP_START:
                self._enter(ev.mark)
                obj: Dict[str, Any] = {}
                first = True
                while self.peek().kind != MAP_END:
                    key_ev = self.peek()
                    key_text = key_ev.value if key_ev.kind == SCALAR else None
                    key = self.de_str(path, "a string key" if first else "a string")
                    first = False
                    value_path = ("m", path, key_text) if key_text is not None else ("u", path)
                    obj[key] = self.de_any(value_path)
                self.next()
                self._leave()
                return {k: obj[k] for k in sorted(obj)}
            return None  # Void
        except _DeError as err:
            err.fix(ev.mark, path)
            raise


def _json_from_typed(typed: Typed) -> Any:
    kind, value = typed
    if kind in ("u128", "i128"):
        raise _DeError("JSON number out of range")
    if kind == "f64":
        return value if math.isfinite(value) else None
    return value


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def read_yaml(text: str, root: Struct, *, file: Optional[str] = None) -> Any:
    """Deserialize ``text`` into ``root`` exactly as ``serde_yaml::from_str`` would.

    Raises :class:`ContractCompileError` with serde_yaml's message text.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ContractCompileError(
            "contract text is not valid Unicode: unpaired surrogate "
            f"U+{ord(exc.object[exc.start]):04X} at character offset {exc.start}",
            file=file,
        ) from None
    source = _EventSource(text)
    try:
        doc = source.first_document()
        reader = _EventReader(doc)
        try:
            result = reader.de_struct(root, None)
        except RecursionError:
            raise _DeError("recursion limit exceeded", fixable=False) from None
        if doc.error is not None:
            raise doc.error
        if source.has_another_document():
            raise _DeError(
                "deserializing from YAML containing more than one document is not supported",
                fixable=False,
            )
        return result
    except _DeError as err:
        raise err.to_compile_error(file) from None
    finally:
        source.close()


class _PyReader:
    """Types plain Python data (e.g. ``json.load`` output) with the same descriptions.

    Errors follow ``serde_json::from_value``: the same messages and paths, no marks.
    """

    def __init__(self) -> None:
        self.depth = RECURSION_LIMIT

    def _enter(self) -> None:
        if self.depth == 0:
            raise _DeError("recursion limit exceeded", fixable=False)
        self.depth -= 1

    def _fail(self, value: Any, expected: str, path: PathT) -> NoReturn:
        err = _invalid_type(_describe_py(value), expected)
        err.fix(None, path)
        raise err

    def de(self, ty: TypeSpec, value: Any, path: PathT) -> Any:
        if isinstance(ty, Opt):
            return None if value is None else self.de(ty.inner, value, path)
        if isinstance(ty, Str):
            if isinstance(value, str):
                return value
            self._fail(value, "a string", path)
        if isinstance(ty, Bool):
            if isinstance(value, bool):
                return value
            self._fail(value, "a boolean", path)
        if isinstance(ty, F64):
            if isinstance(value, float):
                return value
            if isinstance(value, int) and not isinstance(value, bool):
                try:
                    return float(value)
                except OverflowError:
                    err = _DeError("number out of range")
                    err.fix(None, path)
                    raise err from None
            self._fail(value, "f64", path)
        if isinstance(ty, UInt):
            if isinstance(value, int) and not isinstance(value, bool):
                if 0 <= value < (1 << 64):
                    return value
                err = _invalid_value(f"integer `{value}`", ty.expecting)
                err.fix(None, path)
                raise err
            self._fail(value, ty.expecting, path)
        if isinstance(ty, Enum):
            if isinstance(value, str):
                if value in ty.variants:
                    return ty.variants[value]
                err = _DeError(f"unknown variant `{value}`, expected {ty.expected}")
                err.fix(None, path)
                raise err
            self._fail(value, "string or map", path)
        if isinstance(ty, Seq):
            if isinstance(value, (list, tuple)):
                self._enter()
                out = [self.de(ty.elem, v, ("s", path, i)) for i, v in enumerate(value)]
                self.depth += 1
                return out
            self._fail(value, "a sequence", path)
        if isinstance(ty, Struct):
            if isinstance(value, Mapping):
                self._enter()
                values: Dict[str, Any] = {}
                for key, item in value.items():
                    if not isinstance(key, str):
                        self._fail(key, "field identifier", path)
                    field = ty.by_key.get(key)
                    if field is None:
                        continue
                    if field.name in values:
                        err = _DeError(f"duplicate field `{field.name}`")
                        err.fix(None, path)
                        raise err
                    values[field.name] = self.de(field.ty, item, ("m", path, key))
                self.depth += 1
                try:
                    return ty.finish(values)
                except _DeError as err:
                    err.fix(None, path)
                    raise
            self._fail(value, ty.expecting, path)
        if isinstance(ty, Json):
            return self.json(value, path)
        raise TypeError(f"unknown type spec {ty!r}")  # pragma: no cover

    def json(self, value: Any, path: PathT) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            if -(1 << 63) <= value < (1 << 64):
                return int(value)
            # serde_json reads an integer literal outside i64/u64 as an f64.
            try:
                return float(value)
            except OverflowError:
                err = _DeError("number out of range")
                err.fix(None, path)
                raise err from None
        if isinstance(value, float):
            return float(value) if math.isfinite(value) else None
        if isinstance(value, (list, tuple)):
            self._enter()
            arr = [self.json(v, ("s", path, i)) for i, v in enumerate(value)]
            self.depth += 1
            return arr
        if isinstance(value, Mapping):
            self._enter()
            obj: Dict[str, Any] = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    self._fail(key, "a string", path)
                obj[key] = self.json(item, ("m", path, key))
            self.depth += 1
            return {k: obj[k] for k in sorted(obj)}
        self._fail(value, "any valid JSON value", path)


def _describe_py(value: Any) -> str:
    if value is None:
        return "unit value"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return _unexpected_float(value)
    if isinstance(value, str):
        return f"string {render_debug_str(value)}"
    if isinstance(value, (list, tuple)):
        return "sequence"
    if isinstance(value, Mapping):
        return "map"
    return f"Python value of type {type(value).__name__}"


def read_python(data: Any, root: TypeSpec, *, file: Optional[str] = None) -> Any:
    """Type already-decoded Python data as ``root`` (``Contract.from_dict``, the models'
    ``from_yaml`` helpers)."""
    try:
        return _PyReader().de(root, data, None)
    except _DeError as err:
        raise err.to_compile_error(file) from None
    except RecursionError:
        raise ContractCompileError("recursion limit exceeded", file=file) from None


def json_to_python(value: Any) -> Union[bool, int, float, str, List[Any], Dict[str, Any], None]:
    """A deep copy of a JSON value with tuples turned into lists (for ``to_dict``)."""
    if isinstance(value, (list, tuple)):
        return [json_to_python(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_to_python(value[k]) for k in sorted(value)}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value  # type: ignore[no-any-return]
