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
serde_json equality, where ``1 != 1.0`` and ``True != 1``, and so does ``==`` between
models (and ``hash()``): two models are equal when the engine cannot tell them apart, so
``enum: [1]`` and ``enum: [1.0]`` differ, as do bounds ``0.0`` and ``-0.0`` (messages print
``-0``), while an ``int`` bound equals the same ``float`` and NaN bounds are equal.
"""

from __future__ import annotations

import enum
import functools
import os
from dataclasses import dataclass, field, replace
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

from ._coerce import enum_fields
from ._equality import engine_equality, f64_key, json_seq_key
from ._frozenlist import EMPTY, FrozenList
from ._validation.compiler import CompiledContract, compile_contract
from ._validation.diff_model import ChangeKind, ContractChange, ContractDiff, Impact
from ._validation.handbuilt import FIELD_ROOM, check_model
from ._validation.loading import serde_types as _st
from ._validation.loading.python_loader import f64_json, json_to_python, read_python
from ._validation.loading.yaml_loader import read_yaml
from .exceptions import ContractCompileError

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client

__all__ = [
    "ChangeKind",
    "CompiledContract",
    "Contract",
    "ContractChange",
    "ContractDiff",
    "EgressLeakageMode",
    "EnvelopeConfig",
    "FieldDefinition",
    "FieldType",
    "GlossaryEntry",
    "Impact",
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


C = TypeVar("C")


def _v01_keywords(**aliases: str) -> Callable[[type[C]], type[C]]:
    """Let the constructor also take v0.1's keyword names (``field_type=`` for ``type=``).

    The attributes themselves are properties written in the class body, so that type
    checkers see them."""

    def decorate(cls: type[C]) -> type[C]:
        init = cls.__init__

        @functools.wraps(init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            for old, new in aliases.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{cls.__name__}() got both {old}= and {new}=")
                    kwargs[new] = kwargs.pop(old)
            init(self, *args, **kwargs)

        cls.__init__ = __init__  # type: ignore[method-assign]
        cls.__v01_keywords__ = dict(aliases)  # type: ignore[attr-defined]
        return cls

    return decorate


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

    @classmethod
    def from_yaml(cls, raw: Any) -> FieldType:
        """The type for a YAML keyword (v0.1's helper), else :class:`ContractCompileError`."""
        result: FieldType = read_python(raw, _FIELD_TYPE)
        return result

    @classmethod
    def _missing_(cls, value: object) -> Any:  # ``FieldType("number")``: the alias of FLOAT
        return _FIELD_TYPE.variants.get(value) if isinstance(value, str) else None


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


@dataclass(frozen=True)
class Transform:
    """A PII transform declared on a field (§1.6). ``style`` is only used by ``mask``."""

    kind: TransformKind
    style: Optional[MaskStyle] = None

    def __post_init__(self) -> None:
        enum_fields(self, kind=TransformKind, style=MaskStyle)

    @classmethod
    def from_yaml(cls, raw: Any) -> Transform:
        """Read one ``transform`` mapping (already parsed), as v0.1's helper did."""
        result: Transform = read_python(raw, _TRANSFORM)
        return result

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": self.kind.value,
            "style": None if self.style is None else self.style.value,
        }


@engine_equality(enum=json_seq_key, min=f64_key, max=f64_key)
@_v01_keywords(field_type="type", allowed_values="enum")
@dataclass(frozen=True)
class FieldDefinition:
    """One field of the ontology (§1.4), also used for ``properties`` and ``items``.

    ``enum`` elements are JSON values (see the module docstring), read as
    :meth:`Contract.from_dict` reads them (``inf`` is ``None``, a ``str`` enum member its
    text; what is no JSON raises :class:`ContractCompileError`). ``min``/``max`` are
    floats (possibly infinite or NaN, from ``.inf``/``.nan``); ``min_length`` and
    ``max_length`` count UTF-8 bytes. v0.1's names ``field_type`` and ``allowed_values``
    work as constructor keywords and read-only attributes.
    """

    name: str
    type: FieldType
    required: bool = True
    pattern: Optional[str] = None
    enum: Optional[Sequence[Any]] = None
    min: Optional[float] = None
    max: Optional[float] = None
    min_length: Optional[int] = None
    max_length: Optional[int] = None
    properties: Optional[Sequence[FieldDefinition]] = None
    items: Optional[FieldDefinition] = None
    transform: Optional[Transform] = None
    # 1-based (line, column) of ``pattern`` in the source YAML, for "file:line" messages:
    # set by the loader on the instance, not a field (asdict(), ==, replace() ignore it).
    _pattern_mark: ClassVar[Optional[Tuple[int, int]]] = None

    def __post_init__(self) -> None:
        enum_fields(self, type=FieldType)
        check_model(self, _FIELD, FIELD_ROOM)  # typed as from_dict types it

    @property
    def field_type(self) -> FieldType:
        """v0.1's name for :attr:`type`."""
        return self.type

    @property
    def allowed_values(self) -> Optional[Sequence[Any]]:
        """v0.1's name for :attr:`enum`."""
        return self.enum

    @classmethod
    def from_yaml(cls, raw: Any) -> FieldDefinition:
        """Read one field mapping (already parsed, e.g. by ``yaml.safe_load``), typed by
        the engine's rules, as v0.1's helper did."""
        result: FieldDefinition = read_python(raw, _FIELD)
        return result

    def to_dict(self) -> Dict[str, Any]:
        """The canonical serialised form (§1.13)."""
        return {
            "name": self.name,
            "type": self.type.value,
            "required": self.required,
            "pattern": self.pattern,
            "enum": None if self.enum is None else json_to_python(list(self.enum)),
            "min": f64_json(self.min),
            "max": f64_json(self.max),
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

    entities: Sequence[FieldDefinition]

    def __post_init__(self) -> None:
        check_model(self, _ONTOLOGY)

    def to_dict(self) -> Dict[str, Any]:
        return {"entities": [e.to_dict() for e in self.entities]}


@dataclass(frozen=True)
class GlossaryEntry:
    """A glossary entry (§1.7; documentation only). YAML aliases: ``term``, ``definition``.
    ``synonyms=None`` (v0.1's default) means no synonyms."""

    field: str
    description: str
    constraints: Optional[str] = None
    synonyms: Sequence[str] = EMPTY

    def __post_init__(self) -> None:
        if self.synonyms is None:  # v0.1's default (``Optional``): no synonyms
            object.__setattr__(self, "synonyms", EMPTY)
        check_model(self, _GLOSSARY)

    @classmethod
    def from_yaml(cls, raw: Any) -> GlossaryEntry:
        """Read one glossary mapping (already parsed), as v0.1's helper did."""
        result: GlossaryEntry = read_python(raw, _GLOSSARY)
        return result

    def to_dict(self) -> Dict[str, Any]:
        return {
            "field": self.field,
            "description": self.description,
            "constraints": self.constraints,
            "synonyms": list(self.synonyms),
        }


@engine_equality(min=f64_key, max=f64_key)
@_v01_keywords(metric_type="type")
@dataclass(frozen=True)
class MetricDefinition:
    """A metric (§1.8): checked only with a ``field`` and at least one bound. v0.1's
    name ``metric_type`` works as a constructor keyword and read-only attribute."""

    name: str
    field: Optional[str] = None
    type: Optional[MetricType] = None
    formula: Optional[str] = None
    min: Optional[float] = None
    max: Optional[float] = None

    def __post_init__(self) -> None:
        enum_fields(self, type=MetricType)
        check_model(self, _METRIC)

    @property
    def metric_type(self) -> Optional[MetricType]:
        """v0.1's name for :attr:`type`."""
        return self.type

    @classmethod
    def from_yaml(cls, raw: Any) -> MetricDefinition:
        """Read one metric mapping (already parsed), as v0.1's helper did."""
        result: MetricDefinition = read_python(raw, _METRIC)
        return result

    def to_dict(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "field": self.field,
            "type": None if self.type is None else self.type.value,
            "formula": self.formula,
            "min": f64_json(self.min),
            "max": f64_json(self.max),
        }


@engine_equality(threshold=f64_key)
@dataclass(frozen=True)
class QualityRule:
    """A quality rule (§1.9). ``scope`` is ``"batch"`` or None; ``threshold`` is unused."""

    field: str
    type: QualityRuleType
    description: Optional[str] = None
    max_age_seconds: Optional[int] = None
    scope: Optional[str] = None
    threshold: Optional[float] = None

    def __post_init__(self) -> None:
        enum_fields(self, type=QualityRuleType)
        check_model(self, _QUALITY)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "field": self.field,
            "type": self.type.value,
            "description": self.description,
            "max_age_seconds": self.max_age_seconds,
            "scope": self.scope,
            "threshold": f64_json(self.threshold),
        }


@dataclass(frozen=True)
class EnvelopeConfig:
    """RFC-038 envelope (§1.10): ``records_path`` is one literal top-level key."""

    records_path: str
    validate_wrapper: bool = False

    def __post_init__(self) -> None:
        check_model(self, _ENVELOPE)

    def to_dict(self) -> Dict[str, Any]:
        return {"records_path": self.records_path, "validate_wrapper": self.validate_wrapper}


def _entities_to_ontology(kwargs: Dict[str, Any]) -> None:
    if "entities" in kwargs:
        if "ontology" in kwargs:
            raise TypeError("Contract() got both entities= and ontology=")
        kwargs["ontology"] = Ontology(kwargs.pop("entities"))


@dataclass(frozen=True)
class Contract:
    """A parsed contract (§1.3).

    ``filename`` (the file read, or the label given to :meth:`from_yaml`) and
    ``source_text`` (the YAML text) are kept for error messages; they are not part of
    equality or ``repr``. v0.1's ``entities`` is :attr:`entities` here too (the
    top-level fields, ``ontology.entities``), also as a constructor keyword.
    """

    version: str
    name: str
    ontology: Ontology
    description: Optional[str] = None
    compliance_mode: bool = False
    glossary: Sequence[GlossaryEntry] = EMPTY
    metrics: Sequence[MetricDefinition] = EMPTY
    quality: Sequence[QualityRule] = EMPTY
    egress_leakage_mode: EgressLeakageMode = EgressLeakageMode.OFF
    envelope: Optional[EnvelopeConfig] = None
    null_as_absent: bool = False
    filename: Optional[str] = field(default=None, compare=False, repr=False)
    source_text: Optional[str] = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        enum_fields(self, egress_leakage_mode=EgressLeakageMode)
        check_model(self, _CONTRACT)

    @property
    def entities(self) -> Sequence[FieldDefinition]:
        """The top-level fields (v0.1's attribute; ``ontology.entities``)."""
        return self.ontology.entities

    # -- constructors -----------------------------------------------------------------

    @classmethod
    def from_yaml(cls, source: Union[str, bytes], *, filename: Optional[str] = None) -> Contract:
        """Parse contract YAML ``source`` the way the gateway does (serde_yaml 0.9).

        ``bytes`` must be UTF-8. ``filename`` names the input in errors (``file``) and is
        kept on the contract. Raises :class:`ContractCompileError`."""
        if isinstance(source, (bytes, bytearray, memoryview)):
            source = _decode_utf8(bytes(source), filename)
        elif not isinstance(source, str):
            raise TypeError(f"contract YAML must be str or bytes, not {type(source).__name__}")
        contract: Contract = read_yaml(source, _CONTRACT, file=filename)
        return replace(contract, filename=filename, source_text=source)

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike[str]]) -> Contract:
        """Read and parse a contract file (UTF-8). Parse errors name the file.

        I/O problems raise the usual :class:`OSError`; content problems (including bytes
        that are not UTF-8) raise :class:`ContractCompileError`.
        """
        name = os.fspath(path)
        with open(name, "rb") as fh:
            data = fh.read()
        return cls.from_yaml(_decode_utf8(data, name), filename=name)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, filename: Optional[str] = None) -> Contract:
        """Build a contract from a mapping shaped like the YAML (e.g. from ``json.load``).

        Values are typed by the same rules, taking Python values as already typed: text
        fields need ``str``, booleans need ``bool``, bounds take ``int``/``float``, lengths
        take non-negative ``int``, keywords are exact lowercase strings, absent options may
        be ``None``. The output of :meth:`to_dict` is accepted. Errors carry serde's path.
        """
        contract: Contract = read_python(data, _CONTRACT, file=filename)
        return replace(contract, filename=filename)

    @classmethod
    def from_gateway(
        cls,
        contract_id_or_name: str,
        version: Optional[str] = None,
        *,
        client: Optional[Client] = None,
        cache_dir: Optional[str] = None,
        ttl: Optional[float] = None,
        offline: Optional[bool] = None,
    ) -> Contract:
        """The contract as deployed on the gateway: ``version``, or the latest stable one
        (``"orders@1.2.0"`` pins a version too). Cached on disk, so it keeps working
        offline (with a :class:`~contractgate.exceptions.StaleContractWarning` once the
        latest stable is due for a re-check); see ``docs/contracts-as-code.md``.

        ``client`` defaults to one built from ``CONTRACTGATE_BASE_URL`` /
        ``CONTRACTGATE_API_KEY``; ``cache_dir`` to ``$CONTRACTGATE_CACHE_DIR`` or the
        user cache directory; ``ttl`` (seconds between re-checks of the latest stable) to
        ``$CONTRACTGATE_CACHE_TTL`` or 60; ``offline=True`` never asks the gateway.
        Raises :class:`~contractgate.exceptions.DeployedContractError` when no usable
        copy can be had, :class:`ContractCompileError` when the YAML does not parse.
        """
        from ._deployed import fetch_deployed

        got = fetch_deployed(
            contract_id_or_name,
            version,
            client=client,
            cache_dir=cache_dir,
            ttl=ttl,
            offline=offline,
        )
        return cls.from_yaml(got.yaml, filename=f"deployed:{got.label}")

    # -- serialisation ------------------------------------------------------------------

    def to_dict(self) -> Dict[str, Any]:
        """The canonical serialised form (§1.13): every key present, absent options as
        ``None``, ``number`` as ``"float"``, bounds as floats, non-finite floats as ``None``.
        So an infinite bound (``min: .inf``) reads back from it as no bound: keep the
        YAML (``source_text``) to round-trip such a contract exactly.
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

    # -- comparison -----------------------------------------------------------------------

    def diff(self, other: Contract) -> ContractDiff:
        """What changes from this contract to ``other`` (the newer one), each change with
        whom it breaks: producers (events accepted before are rejected now) and consumers
        (events rejected before pass now). See ``docs/contracts-as-code.md``."""
        from ._validation.diff import diff_contracts

        if not isinstance(other, Contract):
            hint = " (its .contract)" if isinstance(other, CompiledContract) else ""
            raise TypeError(
                f"Contract.diff() takes a Contract{hint}, not {type(other).__name__}"
            )
        return diff_contracts(self, other)

    # -- compilation --------------------------------------------------------------------

    def compile(self, **options: Any) -> CompiledContract:
        """Compile into a validator (regexes, transform checks; spec §2).

        Raises :class:`ContractCompileError` for a bad regex or a transform on a
        non-string field.
        """
        return compile_contract(self, **options)


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
) -> _st.Enum:
    variants = {m.value: m for m in enum_cls}
    for alias, target in (aliases or {}).items():
        variants[alias] = variants[target]
    return _st.Enum(names, variants)


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
_SCOPE = _st.Enum(["batch"], {"batch": "batch"})

_STR = _st.Str()
_OPT_STR = _st.Opt(_STR)
_BOOL = _st.Bool()
_OPT_F64 = _st.Opt(_st.F64())
_OPT_USIZE = _st.Opt(_st.UInt("usize"))
_OPT_U64 = _st.Opt(_st.UInt("u64"))


def _build_transform(v: Dict[str, Any]) -> Transform:
    return Transform(kind=v["kind"], style=v["style"])


def _build_field(v: Dict[str, Any]) -> FieldDefinition:
    fd = FieldDefinition(
        name=v["name"],
        type=v["type"],
        required=v["required"],
        pattern=v["pattern"],
        enum=None if v["enum"] is None else FrozenList(v["enum"]),
        min=v["min"],
        max=v["max"],
        min_length=v["min_length"],
        max_length=v["max_length"],
        properties=None if v["properties"] is None else FrozenList(v["properties"]),
        items=v["items"],
        transform=v["transform"],
    )
    mark = v.get("_pattern_mark")
    if mark is not None:
        object.__setattr__(fd, "_pattern_mark", mark)
    return fd


def _build_ontology(v: Dict[str, Any]) -> Ontology:
    return Ontology(entities=FrozenList(v["entities"]))


def _build_glossary(v: Dict[str, Any]) -> GlossaryEntry:
    return GlossaryEntry(
        field=v["field"],
        description=v["description"],
        constraints=v["constraints"],
        synonyms=FrozenList(v["synonyms"]),
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


_contract_init = Contract.__init__


@functools.wraps(_contract_init)
def _contract_init_v01(self: Contract, *args: Any, **kwargs: Any) -> None:
    _entities_to_ontology(kwargs)
    _contract_init(self, *args, **kwargs)


Contract.__init__ = _contract_init_v01  # type: ignore[method-assign]
Contract.__v01_keywords__ = {"entities": "ontology"}  # type: ignore[attr-defined]


def _build_contract(v: Dict[str, Any]) -> Contract:
    return Contract(
        version=v["version"],
        name=v["name"],
        ontology=v["ontology"],
        description=v["description"],
        compliance_mode=v["compliance_mode"],
        glossary=FrozenList(v["glossary"]),
        metrics=FrozenList(v["metrics"]),
        quality=FrozenList(v["quality"]),
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


F = _st.FieldSpec

_TRANSFORM = _st.Struct("Transform", _build_transform, Transform)
_TRANSFORM.set_fields([F("kind", _TRANSFORM_KIND, required=True), F("style", _st.Opt(_MASK_STYLE))])

_FIELD = _st.Struct("FieldDefinition", _build_field, FieldDefinition)
_FIELD.set_fields(
    [
        F("name", _STR, required=True),
        F("type", _FIELD_TYPE, required=True),
        F("required", _BOOL, default=_true),
        F("pattern", _OPT_STR, mark_key="_pattern_mark"),
        F("enum", _st.Opt(_st.Seq(_st.Json()))),
        F("min", _OPT_F64),
        F("max", _OPT_F64),
        F("min_length", _OPT_USIZE),
        F("max_length", _OPT_USIZE),
        F("properties", _st.Opt(_st.Seq(_FIELD))),
        F("items", _st.Opt(_FIELD)),
        F("transform", _st.Opt(_TRANSFORM)),
    ]
)

_ONTOLOGY = _st.Struct("Ontology", _build_ontology, Ontology)
_ONTOLOGY.set_fields([F("entities", _st.Seq(_FIELD), required=True)])

_GLOSSARY = _st.Struct("GlossaryEntry", _build_glossary, GlossaryEntry)
_GLOSSARY.set_fields(
    [
        F("field", _STR, required=True, aliases=("term",)),
        F("description", _STR, required=True, aliases=("definition",)),
        F("constraints", _OPT_STR),
        F("synonyms", _st.Seq(_STR), default=_empty),
    ]
)

_METRIC = _st.Struct("MetricDefinition", _build_metric, MetricDefinition)
_METRIC.set_fields(
    [
        F("name", _STR, required=True),
        F("field", _OPT_STR),
        F("type", _st.Opt(_METRIC_TYPE)),
        F("formula", _OPT_STR),
        F("min", _OPT_F64),
        F("max", _OPT_F64),
    ]
)

_QUALITY = _st.Struct("QualityRule", _build_quality, QualityRule)
_QUALITY.set_fields(
    [
        F("field", _STR, required=True),
        F("type", _QUALITY_TYPE, required=True),
        F("description", _OPT_STR),
        F("max_age_seconds", _OPT_U64),
        F("scope", _st.Opt(_SCOPE)),
        F("threshold", _OPT_F64),
    ]
)

_ENVELOPE = _st.Struct("EnvelopeConfig", _build_envelope, EnvelopeConfig)
_ENVELOPE.set_fields(
    [F("records_path", _STR, required=True), F("validate_wrapper", _BOOL, default=_false)]
)

_CONTRACT = _st.Struct("Contract", _build_contract, Contract)
_CONTRACT.set_fields(
    [
        F("version", _STR, required=True),
        F("name", _STR, required=True),
        F("description", _OPT_STR),
        F("compliance_mode", _BOOL, default=_false),
        F("ontology", _ONTOLOGY, required=True),
        F("glossary", _st.Seq(_GLOSSARY), default=_empty),
        F("metrics", _st.Seq(_METRIC), default=_empty),
        F("quality", _st.Seq(_QUALITY), default=_empty),
        F("egress_leakage_mode", _EGRESS_MODE, default=lambda: EgressLeakageMode.OFF),
        F("envelope", _st.Opt(_ENVELOPE)),
        F("null_as_absent", _BOOL, default=_false),
    ]
)
del F
