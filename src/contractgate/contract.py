"""The contract model: what a ContractGate contract YAML means (spec §1).

Build a :class:`Contract` with :meth:`Contract.from_yaml`, :meth:`Contract.from_file` or
:meth:`Contract.from_dict`, then :meth:`Contract.compile` it into a validator.

Reading follows the gateway (serde_yaml 0.9) exactly, not PyYAML's YAML 1.1 rules: each
scalar is typed by the field it lands in. So ``version: 1.10`` stays the text ``"1.10"``,
``name: yes`` is the text ``"yes"``, ``required: yes`` is an error, ``min: 0x10`` is an
error and ``enum: [017, 1_000]`` holds two strings. Unknown keys are ignored at every
level; a repeated known key is an error. Errors are :class:`ContractCompileError` with
serde_yaml's text (``ontology.entities[0].required: invalid type: string "yes", expected
a boolean at line 7 column 17``) and ``.line``/``.column``/``.path`` set.

All model classes are frozen dataclasses. Sequences are tuples. ``FieldDefinition.enum``
holds JSON values as plain Python objects: ``None``, ``bool``, ``int``, ``float``,
``str``, ``list`` and ``dict`` (object keys sorted). The validator compares them with
serde_json equality, where ``1 != 1.0`` and ``True != 1``. Because an enum can hold lists
and dicts, hashing a :class:`FieldDefinition` (or a contract) that has such an element
raises ``TypeError``; equality works.
"""

from __future__ import annotations

import enum
import math
import os
from dataclasses import dataclass, field, replace
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    List,
    Mapping,
    Optional,
    Tuple,
    Union,
)

from . import _yaml_loader as _yl
from ._exceptions import ContractCompileError

if TYPE_CHECKING:  # pragma: no cover
    from ._compiler import CompiledContract

__all__ = [
    "Contract",
    "EgressLeakageMode",
    "EnvelopeConfig",
    "FieldDefinition",
    "FieldType",
    "GlossaryEntry",
    "MaskStyle",
    "MetricDefinition",
    "MetricType",
    "Ontology",
    "QualityRule",
    "QualityRuleType",
    "Transform",
    "TransformKind",
]


class _StrEnum(str, enum.Enum):
    """A ``str`` enum whose ``str()`` is its YAML keyword."""

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


class FieldType(_StrEnum):
    """A field's declared type (§1.5). The YAML keyword ``number`` reads as :attr:`FLOAT`."""

    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    OBJECT = "object"
    ARRAY = "array"
    ANY = "any"
    DATE = "date"

    @property
    def variant_name(self) -> str:
        """The engine's variant name used in messages: ``String``, ``Integer``, ``Float``…"""
        return self.name.capitalize()


class TransformKind(_StrEnum):
    """RFC-004 transform kinds (§1.6)."""

    MASK = "mask"
    HASH = "hash"
    DROP = "drop"
    REDACT = "redact"


class MaskStyle(_StrEnum):
    """Mask styles; only meaningful with ``kind: mask`` (default there: opaque)."""

    OPAQUE = "opaque"
    FORMAT_PRESERVING = "format_preserving"


class MetricType(_StrEnum):
    """A metric's declared type (parsed, never enforced; §1.8)."""

    INTEGER = "integer"
    FLOAT = "float"


class QualityRuleType(_StrEnum):
    """Quality rule kinds (§1.9)."""

    COMPLETENESS = "completeness"
    VALIDITY = "validity"
    FRESHNESS = "freshness"
    UNIQUENESS = "uniqueness"


class EgressLeakageMode(_StrEnum):
    """RFC-030 egress leakage handling (§1.11); no effect on ``validate()``."""

    OFF = "off"
    STRIP = "strip"
    FAIL = "fail"


def _f64_json(x: Optional[float]) -> Optional[float]:
    """serde_json's rendering of an ``Option<f64>``: non-finite → null, always a float."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


@dataclass(frozen=True)
class Transform:
    """A PII transform declared on a field (§1.6). ``style`` is only used by ``mask``."""

    kind: TransformKind
    style: Optional[MaskStyle] = None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": self.kind.value,
            "style": None if self.style is None else self.style.value,
        }


@dataclass(frozen=True)
class FieldDefinition:
    """One field of the ontology (§1.4), also used for ``properties`` and ``items``.

    ``enum`` elements are JSON values (see the module docstring). ``min``/``max`` are
    floats (possibly infinite or NaN, from ``.inf``/``.nan``); ``min_length`` and
    ``max_length`` count UTF-8 bytes.
    """

    name: str
    type: FieldType
    required: bool = True
    pattern: Optional[str] = None
    enum: Optional[Tuple[Any, ...]] = None
    min: Optional[float] = None
    max: Optional[float] = None
    min_length: Optional[int] = None
    max_length: Optional[int] = None
    properties: Optional[Tuple[FieldDefinition, ...]] = None
    items: Optional[FieldDefinition] = None
    transform: Optional[Transform] = None
    # 1-based (line, column) of the ``pattern`` value in the source YAML, when read from
    # YAML. Private: used for "file:line" messages; not part of equality.
    _pattern_mark: Optional[Tuple[int, int]] = field(default=None, compare=False, repr=False)

    def to_dict(self) -> Dict[str, Any]:
        """The canonical serialised form (§1.13)."""
        return {
            "name": self.name,
            "type": self.type.value,
            "required": self.required,
            "pattern": self.pattern,
            "enum": None if self.enum is None else _yl.json_to_python(list(self.enum)),
            "min": _f64_json(self.min),
            "max": _f64_json(self.max),
            "min_length": self.min_length,
            "max_length": self.max_length,
            "properties": (
                None if self.properties is None else [p.to_dict() for p in self.properties]
            ),
            "items": None if self.items is None else self.items.to_dict(),
            "transform": None if self.transform is None else self.transform.to_dict(),
        }


@dataclass(frozen=True)
class Ontology:
    """The ``ontology`` section: its ``entities`` are the top-level fields."""

    entities: Tuple[FieldDefinition, ...]

    def to_dict(self) -> Dict[str, Any]:
        return {"entities": [e.to_dict() for e in self.entities]}


@dataclass(frozen=True)
class GlossaryEntry:
    """A glossary entry (§1.7; documentation only). YAML aliases: ``term``, ``definition``."""

    field: str
    description: str
    constraints: Optional[str] = None
    synonyms: Tuple[str, ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        return {
            "field": self.field,
            "description": self.description,
            "constraints": self.constraints,
            "synonyms": list(self.synonyms),
        }


@dataclass(frozen=True)
class MetricDefinition:
    """A metric (§1.8): checked only with a ``field`` and at least one bound."""

    name: str
    field: Optional[str] = None
    type: Optional[MetricType] = None
    formula: Optional[str] = None
    min: Optional[float] = None
    max: Optional[float] = None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "field": self.field,
            "type": None if self.type is None else self.type.value,
            "formula": self.formula,
            "min": _f64_json(self.min),
            "max": _f64_json(self.max),
        }


@dataclass(frozen=True)
class QualityRule:
    """A quality rule (§1.9). ``scope`` is ``"batch"`` or None; ``threshold`` is unused."""

    field: str
    type: QualityRuleType
    description: Optional[str] = None
    max_age_seconds: Optional[int] = None
    scope: Optional[str] = None
    threshold: Optional[float] = None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "field": self.field,
            "type": self.type.value,
            "description": self.description,
            "max_age_seconds": self.max_age_seconds,
            "scope": self.scope,
            "threshold": _f64_json(self.threshold),
        }


@dataclass(frozen=True)
class EnvelopeConfig:
    """RFC-038 envelope (§1.10): ``records_path`` is one literal top-level key."""

    records_path: str
    validate_wrapper: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return {"records_path": self.records_path, "validate_wrapper": self.validate_wrapper}


@dataclass(frozen=True)
class Contract:
    """A parsed contract (§1.3).

    ``source`` (the file name or the label given to :meth:`from_yaml`) and
    ``source_text`` (the YAML text) are kept for error messages; they are not part of
    equality or ``repr``.
    """

    version: str
    name: str
    ontology: Ontology
    description: Optional[str] = None
    compliance_mode: bool = False
    glossary: Tuple[GlossaryEntry, ...] = ()
    metrics: Tuple[MetricDefinition, ...] = ()
    quality: Tuple[QualityRule, ...] = ()
    egress_leakage_mode: EgressLeakageMode = EgressLeakageMode.OFF
    envelope: Optional[EnvelopeConfig] = None
    null_as_absent: bool = False
    source: Optional[str] = field(default=None, compare=False, repr=False)
    source_text: Optional[str] = field(default=None, compare=False, repr=False)

    # -- constructors -----------------------------------------------------------------

    @classmethod
    def from_yaml(cls, text: Union[str, bytes], *, source: Optional[str] = None) -> Contract:
        """Parse contract YAML the way the gateway does (serde_yaml 0.9).

        ``bytes`` must be UTF-8. ``source`` names the input in errors (``file``) and is
        kept on the contract. Raises :class:`ContractCompileError`.
        """
        if isinstance(text, (bytes, bytearray, memoryview)):
            text = _decode_utf8(bytes(text), source)
        elif not isinstance(text, str):
            raise TypeError(f"contract YAML must be str or bytes, not {type(text).__name__}")
        contract: Contract = _yl.read_yaml(text, _CONTRACT, file=source)
        return replace(contract, source=source, source_text=text)

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike[str]]) -> Contract:
        """Read and parse a contract file (UTF-8). Parse errors name the file.

        I/O problems raise the usual :class:`OSError`; content problems (including bytes
        that are not UTF-8) raise :class:`ContractCompileError`.
        """
        name = os.fspath(path)
        with open(name, "rb") as fh:
            data = fh.read()
        return cls.from_yaml(_decode_utf8(data, name), source=name)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: Optional[str] = None) -> Contract:
        """Build a contract from a mapping shaped like the YAML (e.g. from ``json.load``).

        Values are typed by the same rules, taking Python values as already typed: text
        fields need ``str``, booleans need ``bool``, bounds take ``int``/``float``, lengths
        take non-negative ``int``, keywords are exact lowercase strings, absent options may
        be ``None``. The output of :meth:`to_dict` is accepted. Errors carry serde's path.
        """
        contract: Contract = _yl.read_python(data, _CONTRACT, file=source)
        return replace(contract, source=source)

    # -- serialisation ------------------------------------------------------------------

    def to_dict(self) -> Dict[str, Any]:
        """The canonical serialised form (§1.13): every key present, absent options as
        ``None``, ``number`` as ``"float"``, bounds as floats, non-finite floats as ``None``.
        """
        return {
            "version": self.version,
            "name": self.name,
            "description": self.description,
            "compliance_mode": self.compliance_mode,
            "ontology": self.ontology.to_dict(),
            "glossary": [g.to_dict() for g in self.glossary],
            "metrics": [m.to_dict() for m in self.metrics],
            "quality": [q.to_dict() for q in self.quality],
            "egress_leakage_mode": self.egress_leakage_mode.value,
            "envelope": None if self.envelope is None else self.envelope.to_dict(),
            "null_as_absent": self.null_as_absent,
        }

    # -- compilation --------------------------------------------------------------------

    def compile(self, **options: Any) -> CompiledContract:
        """Compile into a validator (regexes, transform checks; spec §2).

        Raises :class:`ContractCompileError` for a bad regex or a transform on a
        non-string field.
        """
        from ._compiler import compile_contract

        return compile_contract(self, **options)

    # -- source locations -----------------------------------------------------------------

    def _pattern_locations(self) -> Dict[str, Tuple[int, int]]:
        """1-based (line, column) of each compiled ``pattern``, keyed by field path.

        Walks like the compiler (§2.2: entities and object properties, never items; a
        later field with the same dotted path wins). Empty for contracts not read from
        YAML.
        """
        out: Dict[str, Tuple[int, int]] = {}
        for path, fd in _preorder(self.ontology.entities, None):
            if fd.pattern is not None and fd._pattern_mark is not None:
                out[path] = fd._pattern_mark
        return out


def _preorder(
    defs: Tuple[FieldDefinition, ...], prefix: Optional[str]
) -> List[Tuple[str, FieldDefinition]]:
    out: List[Tuple[str, FieldDefinition]] = []
    for fd in defs:
        path = fd.name if prefix is None else f"{prefix}.{fd.name}"
        out.append((path, fd))
        if fd.type is FieldType.OBJECT and fd.properties is not None:
            out.extend(_preorder(fd.properties, path))
    return out


def _decode_utf8(data: bytes, source: Optional[str]) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContractCompileError(
            f"contract is not valid UTF-8: invalid byte 0x{data[exc.start]:02x} "
            f"at byte offset {exc.start}",
            file=source,
        ) from None


# --------------------------------------------------------------------------------------
# The serde schema of src/contract.rs, as type descriptions for the readers.
# --------------------------------------------------------------------------------------


def _keywords(
    enum_cls: Any, names: List[str], aliases: Optional[Dict[str, str]] = None
) -> _yl.Enum:
    variants = {m.value: m for m in enum_cls}
    for alias, target in (aliases or {}).items():
        variants[alias] = variants[target]
    return _yl.Enum(names, variants)


_FIELD_TYPE = _keywords(
    FieldType,
    ["string", "integer", "float", "number", "boolean", "object", "array", "any", "date"],
    {"number": "float"},
)
_TRANSFORM_KIND = _keywords(TransformKind, ["mask", "hash", "drop", "redact"])
_MASK_STYLE = _keywords(MaskStyle, ["opaque", "format_preserving"])
_METRIC_TYPE = _keywords(MetricType, ["integer", "float"])
_QUALITY_TYPE = _keywords(QualityRuleType, ["completeness", "validity", "freshness", "uniqueness"])
_EGRESS_MODE = _keywords(EgressLeakageMode, ["off", "strip", "fail"])
_SCOPE = _yl.Enum(["batch"], {"batch": "batch"})

_STR = _yl.Str()
_OPT_STR = _yl.Opt(_STR)
_BOOL = _yl.Bool()
_OPT_F64 = _yl.Opt(_yl.F64())
_OPT_USIZE = _yl.Opt(_yl.UInt("usize"))
_OPT_U64 = _yl.Opt(_yl.UInt("u64"))


def _build_transform(v: Dict[str, Any]) -> Transform:
    return Transform(kind=v["kind"], style=v["style"])


def _build_field(v: Dict[str, Any]) -> FieldDefinition:
    return FieldDefinition(
        name=v["name"],
        type=v["type"],
        required=v["required"],
        pattern=v["pattern"],
        enum=None if v["enum"] is None else tuple(v["enum"]),
        min=v["min"],
        max=v["max"],
        min_length=v["min_length"],
        max_length=v["max_length"],
        properties=None if v["properties"] is None else tuple(v["properties"]),
        items=v["items"],
        transform=v["transform"],
        _pattern_mark=v.get("_pattern_mark"),
    )


def _build_ontology(v: Dict[str, Any]) -> Ontology:
    return Ontology(entities=tuple(v["entities"]))


def _build_glossary(v: Dict[str, Any]) -> GlossaryEntry:
    return GlossaryEntry(
        field=v["field"],
        description=v["description"],
        constraints=v["constraints"],
        synonyms=tuple(v["synonyms"]),
    )


def _build_metric(v: Dict[str, Any]) -> MetricDefinition:
    return MetricDefinition(
        name=v["name"],
        field=v["field"],
        type=v["type"],
        formula=v["formula"],
        min=v["min"],
        max=v["max"],
    )


def _build_quality(v: Dict[str, Any]) -> QualityRule:
    return QualityRule(
        field=v["field"],
        type=v["type"],
        description=v["description"],
        max_age_seconds=v["max_age_seconds"],
        scope=v["scope"],
        threshold=v["threshold"],
    )


def _build_envelope(v: Dict[str, Any]) -> EnvelopeConfig:
    return EnvelopeConfig(records_path=v["records_path"], validate_wrapper=v["validate_wrapper"])


def _build_contract(v: Dict[str, Any]) -> Contract:
    return Contract(
        version=v["version"],
        name=v["name"],
        ontology=v["ontology"],
        description=v["description"],
        compliance_mode=v["compliance_mode"],
        glossary=tuple(v["glossary"]),
        metrics=tuple(v["metrics"]),
        quality=tuple(v["quality"]),
        egress_leakage_mode=v["egress_leakage_mode"],
        envelope=v["envelope"],
        null_as_absent=v["null_as_absent"],
    )


def _false() -> bool:
    return False


def _true() -> bool:
    return True


def _empty() -> List[Any]:
    return []


F = _yl.FieldSpec

_TRANSFORM = _yl.Struct("Transform", _build_transform)
_TRANSFORM.set_fields([F("kind", _TRANSFORM_KIND, required=True), F("style", _yl.Opt(_MASK_STYLE))])

_FIELD = _yl.Struct("FieldDefinition", _build_field)
_FIELD.set_fields(
    [
        F("name", _STR, required=True),
        F("type", _FIELD_TYPE, required=True),
        F("required", _BOOL, default=_true),
        F("pattern", _OPT_STR, mark_key="_pattern_mark"),
        F("enum", _yl.Opt(_yl.Seq(_yl.Json()))),
        F("min", _OPT_F64),
        F("max", _OPT_F64),
        F("min_length", _OPT_USIZE),
        F("max_length", _OPT_USIZE),
        F("properties", _yl.Opt(_yl.Seq(_FIELD))),
        F("items", _yl.Opt(_FIELD)),
        F("transform", _yl.Opt(_TRANSFORM)),
    ]
)

_ONTOLOGY = _yl.Struct("Ontology", _build_ontology)
_ONTOLOGY.set_fields([F("entities", _yl.Seq(_FIELD), required=True)])

_GLOSSARY = _yl.Struct("GlossaryEntry", _build_glossary)
_GLOSSARY.set_fields(
    [
        F("field", _STR, required=True, aliases=("term",)),
        F("description", _STR, required=True, aliases=("definition",)),
        F("constraints", _OPT_STR),
        F("synonyms", _yl.Seq(_STR), default=_empty),
    ]
)

_METRIC = _yl.Struct("MetricDefinition", _build_metric)
_METRIC.set_fields(
    [
        F("name", _STR, required=True),
        F("field", _OPT_STR),
        F("type", _yl.Opt(_METRIC_TYPE)),
        F("formula", _OPT_STR),
        F("min", _OPT_F64),
        F("max", _OPT_F64),
    ]
)

_QUALITY = _yl.Struct("QualityRule", _build_quality)
_QUALITY.set_fields(
    [
        F("field", _STR, required=True),
        F("type", _QUALITY_TYPE, required=True),
        F("description", _OPT_STR),
        F("max_age_seconds", _OPT_U64),
        F("scope", _yl.Opt(_SCOPE)),
        F("threshold", _OPT_F64),
    ]
)

_ENVELOPE = _yl.Struct("EnvelopeConfig", _build_envelope)
_ENVELOPE.set_fields(
    [F("records_path", _STR, required=True), F("validate_wrapper", _BOOL, default=_false)]
)

_CONTRACT = _yl.Struct("Contract", _build_contract)
_CONTRACT.set_fields(
    [
        F("version", _STR, required=True),
        F("name", _STR, required=True),
        F("description", _OPT_STR),
        F("compliance_mode", _BOOL, default=_false),
        F("ontology", _ONTOLOGY, required=True),
        F("glossary", _yl.Seq(_GLOSSARY), default=_empty),
        F("metrics", _yl.Seq(_METRIC), default=_empty),
        F("quality", _yl.Seq(_QUALITY), default=_empty),
        F("egress_leakage_mode", _EGRESS_MODE, default=lambda: EgressLeakageMode.OFF),
        F("envelope", _yl.Opt(_ENVELOPE)),
        F("null_as_absent", _BOOL, default=_false),
    ]
)
del F
