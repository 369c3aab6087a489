"""serde's view of a contract: target-type descriptions, errors and scalar typing.

The gateway deserializes contracts with serde (serde_yaml 0.9 for YAML text, serde_json
for already-decoded values). Both readers here — :mod:`.yaml_loader` (YAML text) and
:mod:`.python_loader` (Python data, ``Contract.from_dict``) — are driven by the same small
description of the target Rust structs (:class:`Struct`, :class:`Seq`, …) and raise the
same serde errors (:class:`DeError`: message, path like ``ontology.entities[0].required``,
mark). serde_yaml's scalar typing (``parse_bool``, ``parse_f64``, ``visit_int``…, spec
§1.2 and appendix E) lives here too.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ...exceptions import ContractCompileError
from ..values.render import render_debug_str, render_f64

RECURSION_LIMIT = 128  # serde's remaining_depth (serde_yaml and serde_json alike)

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
        self.expected = one_of(names)


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

    __slots__ = ("build", "by_key", "expecting", "fields", "model")

    def __init__(
        self, name: str, build: Callable[[Dict[str, Any]], Any], model: Optional[type] = None
    ) -> None:
        self.expecting = f"struct {name}"
        self.build = build
        self.model = model  # the class ``build`` makes (hand-built models are checked)
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
                    raise DeError(f"missing field `{f.name}`")
                values[f.name] = f.default()
        return self.build(values)


def one_of(names: Sequence[str]) -> str:
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


class DeError(Exception):
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


def invalid_type(unexpected: str, expected: str) -> DeError:
    return DeError(f"invalid type: {unexpected}, expected {expected}")


def invalid_value(unexpected: str, expected: str) -> DeError:
    return DeError(f"invalid value: {unexpected}, expected {expected}")


# --------------------------------------------------------------------------------------
# Rust renderings used inside serde messages
# --------------------------------------------------------------------------------------


def unexpected_float(x: float) -> str:
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

BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
NULLS = frozenset(["null", "Null", "NULL", "~"])
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
    return BOOLS.get(v)


def parse_null(v: str) -> bool:
    return v in NULLS


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


def digits_but_not_number(v: str) -> bool:
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
    if digits_but_not_number(v):
        return None
    return _from_str_radix(unpositive, 10, False, bits)


def _parse_negative_int(v: str, bits: int) -> Optional[int]:
    for prefix, radix in (("-0x", 16), ("-0o", 8), ("-0b", 2)):
        if v.startswith(prefix):
            value = _from_str_radix("-" + v[3:], radix, True, bits)
            if value is not None:
                return value
    if digits_but_not_number(v):
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


def visit_int(v: str) -> Optional[Typed]:
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


def untagged(v: str) -> Typed:
    m = _SMALL_INT.match(v)
    if m is not None:
        return ("i64", int(v)) if m.group(1) else ("u64", int(v))
    if v == "" or v in NULLS:
        return ("unit", None)
    b = BOOLS.get(v)
    if b is not None:
        return ("bool", b)
    as_int = visit_int(v)
    if as_int is not None:
        return as_int
    if not digits_but_not_number(v):
        f = parse_f64(v)
        if f is not None:
            return ("f64", f)
    return ("str", v)


def visit_scalar(value: str, tag: Optional[str], plain: bool) -> Typed:
    """serde_yaml's ``visit_scalar`` (not ``tagged_already``); may raise invalid-value."""
    if tag is not None:
        if tag == TAG_BOOL:
            b = BOOLS.get(value)
            if b is None:
                raise invalid_value(f"string {render_debug_str(value)}", "a boolean")
            return ("bool", b)
        if tag == TAG_INT:
            as_int = visit_int(value)
            if as_int is None:
                raise invalid_value(f"string {render_debug_str(value)}", "an integer")
            return as_int
        if tag == TAG_FLOAT:
            f = parse_f64(value)
            if f is None:
                raise invalid_value(f"string {render_debug_str(value)}", "a float")
            return ("f64", f)
        if tag == TAG_NULL:
            if value in NULLS:
                return ("unit", None)
            raise invalid_value(f"string {render_debug_str(value)}", "null")
        if tag.startswith("!") and plain:
            return untagged(value)
        return ("str", value)
    if plain:
        return untagged(value)
    return ("str", value)


def describe(typed: Typed) -> str:
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
        return unexpected_float(value)
    return f"string {render_debug_str(value)}"
