"""Wire models of the gateway's HTTP API (spec gateway-api.md §3, §8).

Every model is a frozen dataclass whose fields carry the gateway's JSON names exactly.
Parsing is tolerant (spec §9.2): unknown keys are ignored, missing keys take a neutral
default, enum-like strings (``kind``, ``state``, ``outcome``, ``action``,
``version_pin_source`` ...) stay plain strings so a newer gateway never makes a decode
fail after it already stored a batch (the v0.1 defect, spec §7.4-1). The decoded JSON
object is kept in ``raw`` (excluded from equality and repr) for fields this SDK does not
model yet.

This module imports neither httpx nor the clients.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import (
    Any,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
    overload,
)

from ._violations import BatchRecordViolation, Violation

__all__ = [
    "AuditEntry",
    "BatchAck",
    "BatchIngestResponse",
    "ContractResponse",
    "ContractSummary",
    "ContractVersionPointer",
    "EgressOutcome",
    "EgressResponse",
    "EnvelopeIngestResponse",
    "Health",
    "IngestEventResult",
    "IngestResults",
    "IngestionStats",
    "PlaygroundResult",
    "QuarantineEntry",
    "RateLimitInfo",
    "Ready",
    "ReplayHistoryEntry",
    "ReplayResponse",
    "ReplayResult",
    "TopLevelReplayHistoryEntry",
    "TopLevelReplayOutcome",
    "TopLevelReplayResponse",
    "Usage",
    "VersionResponse",
    "VersionSummary",
]

_EMPTY: Mapping[str, Any] = {}

M = TypeVar("M", bound="_Model")


# ---------------------------------------------------------------- tolerant field readers


def _s(d: Mapping[str, Any], key: str, default: str = "") -> str:
    v = d.get(key)
    return v if isinstance(v, str) else default


def _os(d: Mapping[str, Any], key: str) -> Optional[str]:
    v = d.get(key)
    return v if isinstance(v, str) else None


def _i(d: Mapping[str, Any], key: str, default: int = 0) -> int:
    v = d.get(key)
    if isinstance(v, bool):
        return default
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return default


def _oi(d: Mapping[str, Any], key: str) -> Optional[int]:
    v = d.get(key)
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return int(v)


def _f(d: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return default
    return float(v)


def _of(d: Mapping[str, Any], key: str) -> Optional[float]:
    v = d.get(key)
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def _b(d: Mapping[str, Any], key: str, default: bool = False) -> bool:
    v = d.get(key)
    return v if isinstance(v, bool) else default


def _ob(d: Mapping[str, Any], key: str) -> Optional[bool]:
    v = d.get(key)
    return v if isinstance(v, bool) else None


def _objs(v: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(v, list):
        for item in v:
            if type(item) is dict or isinstance(item, Mapping):
                yield item


_new_object = object.__new__


def _violations(v: Any) -> Tuple[Violation, ...]:
    return tuple(Violation.from_dict(x) for x in _objs(v))


def _strs(v: Any) -> Tuple[str, ...]:
    if not isinstance(v, list):
        return ()
    return tuple(x for x in v if isinstance(x, str))


def parse_list(cls: type[M], data: Any) -> list[M]:
    """Parse a JSON array of objects (non-objects are skipped)."""
    return [cls.from_dict(x) for x in _objs(data)]


class _Model:
    """Shared helpers. Subclasses are frozen dataclasses with a ``raw`` field."""

    raw: Mapping[str, Any]

    @classmethod
    def from_dict(cls: type[M], data: Mapping[str, Any]) -> M:  # pragma: no cover
        raise NotImplementedError

    def to_dict(self) -> Dict[str, Any]:
        """The JSON object this model was decoded from (unknown keys included)."""
        return dict(self.raw)


class _DictCompat(_Model):
    """v0.1 returned some answers as plain dicts; keep ``result["passed"]`` working."""

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def keys(self) -> Any:
        return self.raw.keys()


def _raw() -> Any:
    return field(default_factory=dict, repr=False, compare=False)


# ------------------------------------------------------------------------------ ingest


@dataclass(frozen=True)
class RateLimitInfo:
    """``X-RateLimit-*`` headers of a ``/v1/ingest`` answer (spec §3.2)."""

    limit: Optional[int] = None
    remaining: Optional[int] = None
    reset: Optional[int] = None  # unix seconds


@dataclass(frozen=True)
class IngestEventResult(_Model):
    """The verdict for one event.

    ``index`` is the event's position in the iterable given to ``ingest`` (the SDK
    re-maps the gateway's per-request index when it splits the input). ``contract_version``
    is the version that decided *this* event (it differs between events under fallback);
    ``quarantine_id`` may name a row that was never written (dry-run, atomic rejection,
    spec §10.1); ``forwarded`` is optimistic on ``/v1``.
    """

    index: int
    passed: bool
    violations: Tuple[Violation, ...] = ()
    contract_version: Optional[str] = None
    transformed_event: Any = None
    quarantine_id: Optional[str] = None
    forwarded: bool = False
    validation_us: int = 0
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, index: Optional[int] = None
    ) -> IngestEventResult:
        if index is None:
            idx = _oi(data, "index")
            index = idx if idx is not None else 0
        # The hot path of a 1000-event answer: the same tolerant reads as _b/_os/_i, with
        # exact-type checks first (decoded JSON has exact types), and the frozen
        # dataclass filled without one object.__setattr__ per field.
        get = data.get
        passed = get("passed")
        violations = get("violations")
        contract_version = get("contract_version")
        quarantine_id = get("quarantine_id")
        forwarded = get("forwarded")
        vus = get("validation_us")
        obj = _new_object(cls)
        obj.__dict__.update(
            index=index,
            passed=passed if passed is True or passed is False else False,
            violations=_violations(violations) if violations else (),
            contract_version=contract_version
            if type(contract_version) is str or isinstance(contract_version, str)
            else None,
            transformed_event=get("transformed_event"),
            quarantine_id=quarantine_id
            if type(quarantine_id) is str or isinstance(quarantine_id, str)
            else None,
            forwarded=forwarded if forwarded is True or forwarded is False else False,
            validation_us=vus if type(vus) is int else _i(data, "validation_us"),
            raw=data,
        )
        return obj


@dataclass(frozen=True)
class BatchAck:
    """One request of a (possibly chunked) ingest, as the gateway acknowledged it."""

    number: int
    start_index: int
    count: int
    status_code: int
    idempotency_key: Optional[str] = None
    idempotent_replay: bool = False
    rate_limit: Optional[RateLimitInfo] = None


_Part = Tuple[Sequence[Mapping[str, Any]], int, Optional[Sequence[int]]]


def _is_failure(raw: Mapping[str, Any]) -> bool:
    # IngestEventResult.from_dict reads anything but JSON true as "not passed"
    return raw.get("passed") is not True


class IngestResults(Sequence[IngestEventResult]):
    """The per-event results of an ingest, in input order: a read-only sequence of
    :class:`IngestEventResult` that compares equal to a tuple or list of the same results.

    A 1000-event answer is often read only for its counts and failures, so the decoded
    JSON objects are kept and the results are built on first access (all at once, then
    cached); :meth:`failures` builds only the failing ones. Each part is ``(decoded
    result objects, index offset, positions or None)``: result *i* of a part gets
    ``index = offset + (its "index" field, else its position)``.
    """

    __slots__ = ("_built", "_len", "_parts")

    def __init__(self, parts: Sequence[_Part] = ()) -> None:
        self._parts: Tuple[_Part, ...] = tuple(parts)
        self._len = sum(len(raws) for raws, _, _ in self._parts)
        self._built: Optional[Tuple[IngestEventResult, ...]] = None

    @staticmethod
    def _build(raws: Sequence[Mapping[str, Any]], offset: int,
               positions: Optional[Sequence[int]]) -> Iterator[IngestEventResult]:  # fmt: skip
        make = IngestEventResult.from_dict
        for pos, raw in zip(range(len(raws)) if positions is None else positions, raws):
            idx = raw.get("index")
            if type(idx) is not int:
                idx = _oi(raw, "index")
            yield make(raw, index=offset + (pos if idx is None else idx))

    def _all(self) -> Tuple[IngestEventResult, ...]:
        built = self._built
        if built is None:
            built = self._built = tuple(
                r for part in self._parts for r in self._build(*part)
            )
        return built

    def failures(self) -> Tuple[IngestEventResult, ...]:
        """The failing results, building only those (unless all are built already)."""
        if self._built is not None:
            return tuple(r for r in self._built if not r.passed)
        return self.failing_parts()._all()

    def failing_parts(self) -> IngestResults:
        """The same results minus the passing ones, still unbuilt."""
        parts: List[_Part] = []
        for raws, offset, positions in self._parts:
            pos = range(len(raws)) if positions is None else positions
            bad = [(p, r) for p, r in zip(pos, raws) if _is_failure(r)]
            if bad:
                parts.append(([r for _, r in bad], offset, [p for p, _ in bad]))
        return IngestResults(parts)

    def passed_count(self) -> int:
        return sum(1 for raws, _, _ in self._parts for r in raws if not _is_failure(r))

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, i: int) -> IngestEventResult: ...

    @overload
    def __getitem__(self, i: slice) -> Tuple[IngestEventResult, ...]: ...

    def __getitem__(
        self, i: Union[int, slice]
    ) -> Union[IngestEventResult, Tuple[IngestEventResult, ...]]:
        return self._all()[i]

    def __iter__(self) -> Iterator[IngestEventResult]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IngestResults):
            return self._len == other._len and self._all() == other._all()
        if isinstance(other, (tuple, list)):
            return self._len == len(other) and self._all() == tuple(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())

    @classmethod
    def concat(cls, seqs: Sequence[Sequence[IngestEventResult]]) -> Sequence[IngestEventResult]:
        """Results of several responses in order; unbuilt if they all are."""
        lazy = [s for s in seqs if isinstance(s, IngestResults) and s._built is None]
        if len(lazy) == len(seqs):
            return cls([p for s in lazy for p in s._parts])
        return tuple(r for s in seqs for r in s)


@dataclass(frozen=True)
class BatchIngestResponse(_Model):
    """Answer of ``ingest``: counts plus one :class:`IngestEventResult` per event, in order.

    The wire fields are ``total``, ``passed``, ``failed``, ``dry_run``, ``atomic``,
    ``resolved_version`` (before fallback), ``version_pin_source`` (``"query_param"``,
    ``"header"``, ``"path"``, ``"default_stable"``, ``"pinned_deprecated"``; open set),
    ``results`` and, on the deprecated-pin body only, ``error``.

    SDK metadata (not part of equality): ``status_code`` (200, 207 or 422; for a chunked
    ingest the status a single request with these counts would have had), ``rate_limit``
    (last ``X-RateLimit-*`` seen), ``idempotent_replay`` (some batch was answered from the
    gateway's idempotency cache) and ``batches`` (one :class:`BatchAck` per request).
    """

    total: int
    passed: int
    failed: int
    dry_run: bool = False
    atomic: bool = False
    resolved_version: Optional[str] = None
    version_pin_source: Optional[str] = None
    results: Sequence[IngestEventResult] = ()
    error: Optional[str] = None
    raw: Mapping[str, Any] = _raw()
    status_code: int = field(default=200, compare=False)
    rate_limit: Optional[RateLimitInfo] = field(default=None, compare=False)
    idempotent_replay: bool = field(default=False, compare=False)
    batches: Tuple[BatchAck, ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, index_offset: int = 0) -> BatchIngestResponse:
        raws = list(_objs(data.get("results")))
        results = IngestResults([(raws, index_offset, None)])
        total = _oi(data, "total")
        passed = _oi(data, "passed")
        failed = _oi(data, "failed")
        if total is None:
            total = len(results)
        if passed is None:
            passed = results.passed_count()
        if failed is None:
            failed = total - passed
        obj = _new_object(cls)
        obj.__dict__.update(
            total=total,
            passed=passed,
            failed=failed,
            dry_run=_b(data, "dry_run"),
            atomic=_b(data, "atomic"),
            resolved_version=_os(data, "resolved_version"),
            version_pin_source=_os(data, "version_pin_source"),
            results=results,
            error=_os(data, "error"),
            raw=data,
            status_code=200,
            rate_limit=None,
            idempotent_replay=False,
            batches=(),
        )
        return obj

    # ---- conveniences
    @property
    def all_passed(self) -> bool:
        return self.failed == 0

    @property
    def failures(self) -> Tuple[IngestEventResult, ...]:
        """Results of the events that failed (each with its ``index``)."""
        if isinstance(self.results, IngestResults):
            return self.results.failures()
        return tuple(r for r in self.results if not r.passed)

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[IngestEventResult]:
        return iter(self.results)


def merge_batches(parts: Sequence[BatchIngestResponse]) -> BatchIngestResponse:
    """Merge per-request responses (already index-remapped) into one, ordered by index."""
    if len(parts) == 1:
        return parts[0]
    ordered = sorted(parts, key=lambda p: p.batches[0].start_index if p.batches else 0)
    acks: list[BatchAck] = []
    for p in ordered:
        acks.extend(p.batches)
    total = sum(p.total for p in ordered)
    passed = sum(p.passed for p in ordered)
    failed = sum(p.failed for p in ordered)
    first = ordered[0] if ordered else None
    if total == 0:
        status = 200
    elif failed == 0:
        status = 200
    elif passed == 0:
        status = 422
    else:
        status = 207
    rate_limit = None
    for p in ordered:
        if p.rate_limit is not None:
            rate_limit = p.rate_limit
    return BatchIngestResponse(
        total=total,
        passed=passed,
        failed=failed,
        dry_run=first.dry_run if first else False,
        atomic=first.atomic if first else False,
        resolved_version=first.resolved_version if first else None,
        version_pin_source=first.version_pin_source if first else None,
        results=IngestResults.concat([p.results for p in ordered]),
        raw={},
        status_code=status,
        rate_limit=rate_limit,
        idempotent_replay=any(p.idempotent_replay for p in ordered),
        batches=tuple(acks),
    )


def with_metadata(resp: BatchIngestResponse, **changes: Any) -> BatchIngestResponse:
    return dataclasses.replace(resp, **changes)


@dataclass(frozen=True)
class EnvelopeIngestResponse(_Model):
    """Answer of the legacy route for an envelope contract (spec §3.1.7; always 200)."""

    passed: int
    quarantined: int
    validation_us: int = 0
    violations: Tuple[BatchRecordViolation, ...] = ()
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EnvelopeIngestResponse:
        return cls(
            passed=_i(data, "passed"),
            quarantined=_i(data, "quarantined"),
            validation_us=_i(data, "validation_us"),
            violations=tuple(
                BatchRecordViolation.from_dict(v) for v in _objs(data.get("violations"))
            ),
            raw=data,
        )


# ------------------------------------------------------------------------------ egress


@dataclass(frozen=True)
class EgressOutcome(_Model):
    index: int
    passed: bool
    violations: Tuple[Violation, ...] = ()
    validation_us: int = 0
    action: str = ""  # included | blocked | rejected | tagged (open set)
    stripped_fields: Tuple[str, ...] = ()
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EgressOutcome:
        return cls(
            index=_i(data, "index"),
            passed=_b(data, "passed"),
            violations=_violations(data.get("violations")),
            validation_us=_i(data, "validation_us"),
            action=_s(data, "action"),
            stripped_fields=_strs(data.get("stripped_fields")),
            raw=data,
        )


@dataclass(frozen=True)
class EgressResponse(_Model):
    total: int
    passed: int
    failed: int
    dry_run: bool = False
    disposition: str = ""
    egress_leakage_mode: str = ""
    resolved_version: Optional[str] = None
    payload: Tuple[Any, ...] = ()
    outcomes: Tuple[EgressOutcome, ...] = ()
    raw: Mapping[str, Any] = _raw()
    status_code: int = field(default=200, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EgressResponse:
        payload = data.get("payload")
        return cls(
            total=_i(data, "total"),
            passed=_i(data, "passed"),
            failed=_i(data, "failed"),
            dry_run=_b(data, "dry_run"),
            disposition=_s(data, "disposition"),
            egress_leakage_mode=_s(data, "egress_leakage_mode"),
            resolved_version=_os(data, "resolved_version"),
            payload=tuple(payload) if isinstance(payload, list) else (),
            outcomes=tuple(EgressOutcome.from_dict(o) for o in _objs(data.get("outcomes"))),
            raw=data,
        )


# -------------------------------------------------------------------------- playground


@dataclass(frozen=True)
class PlaygroundResult(_DictCompat):
    """Answer of ``playground_validate``. ``result["passed"]`` still works (v0.1 returned
    the raw dict)."""

    passed: bool
    violations: Tuple[Violation, ...] = ()
    validation_us: int = 0
    transformed_event: Any = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlaygroundResult:
        return cls(
            passed=_b(data, "passed"),
            violations=_violations(data.get("violations")),
            validation_us=_i(data, "validation_us"),
            transformed_event=data.get("transformed_event"),
            raw=data,
        )


# --------------------------------------------------------------------------- contracts


@dataclass(frozen=True)
class ContractSummary(_Model):
    """An element of ``GET /contracts`` (no description or timestamps: spec §3.5)."""

    id: str
    name: str
    multi_stable_resolution: str = "strict"
    latest_stable_version: Optional[str] = None
    version_count: int = 0
    store_event_payloads: bool = False
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContractSummary:
        return cls(
            id=_s(data, "id"),
            name=_s(data, "name"),
            multi_stable_resolution=_s(data, "multi_stable_resolution", "strict"),
            latest_stable_version=_os(data, "latest_stable_version"),
            version_count=_i(data, "version_count"),
            store_event_payloads=_b(data, "store_event_payloads"),
            raw=data,
        )


@dataclass(frozen=True)
class ContractResponse(_Model):
    id: str
    name: str
    description: Optional[str] = None
    multi_stable_resolution: str = "strict"
    created_at: Optional[str] = None
    updated_at: Optional[str] = None
    version_count: int = 0
    latest_stable_version: Optional[str] = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContractResponse:
        return cls(
            id=_s(data, "id"),
            name=_s(data, "name"),
            description=_os(data, "description"),
            multi_stable_resolution=_s(data, "multi_stable_resolution", "strict"),
            created_at=_os(data, "created_at"),
            updated_at=_os(data, "updated_at"),
            version_count=_i(data, "version_count"),
            latest_stable_version=_os(data, "latest_stable_version"),
            raw=data,
        )


@dataclass(frozen=True)
class VersionSummary(_Model):
    version: str
    state: str = ""  # draft | stable | deprecated (open set)
    created_at: Optional[str] = None
    promoted_at: Optional[str] = None
    deprecated_at: Optional[str] = None
    import_source: str = "native"
    requires_review: bool = False
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VersionSummary:
        return cls(
            version=_s(data, "version"),
            state=_s(data, "state"),
            created_at=_os(data, "created_at"),
            promoted_at=_os(data, "promoted_at"),
            deprecated_at=_os(data, "deprecated_at"),
            import_source=_s(data, "import_source", "native"),
            requires_review=_b(data, "requires_review"),
            raw=data,
        )


@dataclass(frozen=True)
class VersionResponse(_Model):
    id: str
    contract_id: str
    version: str
    state: str = ""
    yaml_content: str = ""
    created_at: Optional[str] = None
    promoted_at: Optional[str] = None
    deprecated_at: Optional[str] = None
    compliance_mode: bool = False
    egress_leakage_mode: str = "off"
    import_source: str = "native"
    requires_review: bool = False
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VersionResponse:
        return cls(
            id=_s(data, "id"),
            contract_id=_s(data, "contract_id"),
            version=_s(data, "version"),
            state=_s(data, "state"),
            yaml_content=_s(data, "yaml_content"),
            created_at=_os(data, "created_at"),
            promoted_at=_os(data, "promoted_at"),
            deprecated_at=_os(data, "deprecated_at"),
            compliance_mode=_b(data, "compliance_mode"),
            egress_leakage_mode=_s(data, "egress_leakage_mode", "off"),
            import_source=_s(data, "import_source", "native"),
            requires_review=_b(data, "requires_review"),
            raw=data,
        )


@dataclass(frozen=True)
class ContractVersionPointer(_Model):
    """``GET /v1/contracts/{id}/version``: the latest stable and the SHA-256 of its YAML."""

    version: str
    hash: str = ""
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContractVersionPointer:
        return cls(version=_s(data, "version"), hash=_s(data, "hash"), raw=data)


# ---------------------------------------------------------------- audit and quarantine


@dataclass(frozen=True)
class AuditEntry(_Model):
    """A row of ``GET /audit``. ``violation_details`` and ``raw_event`` are kept as JSON:
    summary rows (atomic, deprecated pin) use other shapes (spec §3.6)."""

    id: str
    contract_id: str
    contract_version: Optional[str] = None
    passed: bool = False
    violation_count: int = 0
    violation_details: Any = None
    raw_event: Any = None
    validation_us: int = 0
    source_ip: Optional[str] = None
    created_at: Optional[str] = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEntry:
        return cls(
            id=_s(data, "id"),
            contract_id=_s(data, "contract_id"),
            contract_version=_os(data, "contract_version"),
            passed=_b(data, "passed"),
            violation_count=_i(data, "violation_count"),
            violation_details=data.get("violation_details"),
            raw_event=data.get("raw_event"),
            validation_us=_i(data, "validation_us"),
            source_ip=_os(data, "source_ip"),
            created_at=_os(data, "created_at"),
            raw=data,
        )

    @property
    def violations(self) -> Tuple[Violation, ...]:
        """``violation_details`` as :class:`Violation` objects when it has that shape."""
        return _violations(self.violation_details)


@dataclass(frozen=True)
class QuarantineEntry(_Model):
    id: str
    contract_id: str
    contract_version: Optional[str] = None
    raw_event: Any = None
    payload_redacted: bool = False
    violation_details: Any = None
    violation_count: int = 0
    source_ip: Optional[str] = None
    quarantined_at: Optional[str] = None
    replay_count: int = 0
    last_replayed_at: Optional[str] = None
    last_replay_passed: Optional[bool] = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuarantineEntry:
        return cls(
            id=_s(data, "id"),
            contract_id=_s(data, "contract_id"),
            contract_version=_os(data, "contract_version"),
            raw_event=data.get("raw_event"),
            payload_redacted=_b(data, "payload_redacted"),
            violation_details=data.get("violation_details"),
            violation_count=_i(data, "violation_count"),
            source_ip=_os(data, "source_ip"),
            quarantined_at=_os(data, "quarantined_at"),
            replay_count=_i(data, "replay_count"),
            last_replayed_at=_os(data, "last_replayed_at"),
            last_replay_passed=_ob(data, "last_replay_passed"),
            raw=data,
        )

    @property
    def violations(self) -> Tuple[Violation, ...]:
        return _violations(self.violation_details)


# ------------------------------------------------------------------------------ replay


@dataclass(frozen=True)
class ReplayResult(_Model):
    """One id of a per-contract replay. ``outcome`` is ``replayed``,
    ``still_quarantined``, ``already_replayed``, ``not_found``, ``wrong_contract``,
    ``purged`` or ``redacted`` (open set); the other fields depend on it."""

    quarantine_id: str
    outcome: str
    replayed_into_audit_id: Optional[str] = None
    contract_version_matched: Optional[str] = None
    new_quarantine_id: Optional[str] = None
    contract_version_attempted: Optional[str] = None
    violation_count: Optional[int] = None
    violations: Tuple[Violation, ...] = ()
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReplayResult:
        return cls(
            quarantine_id=_s(data, "quarantine_id"),
            outcome=_s(data, "outcome"),
            replayed_into_audit_id=_os(data, "replayed_into_audit_id"),
            contract_version_matched=_os(data, "contract_version_matched"),
            new_quarantine_id=_os(data, "new_quarantine_id"),
            contract_version_attempted=_os(data, "contract_version_attempted"),
            violation_count=_oi(data, "violation_count"),
            violations=_violations(data.get("violations")),
            raw=data,
        )


@dataclass(frozen=True)
class ReplayResponse(_Model):
    total: int
    replayed: int = 0
    still_quarantined: int = 0
    already_replayed: int = 0
    not_found: int = 0
    wrong_contract: int = 0
    purged: int = 0
    redacted: int = 0
    target_version: Optional[str] = None
    target_version_source: Optional[str] = None
    target_is_draft: bool = False
    results: Tuple[ReplayResult, ...] = ()
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReplayResponse:
        return cls(
            total=_i(data, "total"),
            replayed=_i(data, "replayed"),
            still_quarantined=_i(data, "still_quarantined"),
            already_replayed=_i(data, "already_replayed"),
            not_found=_i(data, "not_found"),
            wrong_contract=_i(data, "wrong_contract"),
            purged=_i(data, "purged"),
            redacted=_i(data, "redacted"),
            target_version=_os(data, "target_version"),
            target_version_source=_os(data, "target_version_source"),
            target_is_draft=_b(data, "target_is_draft"),
            results=tuple(ReplayResult.from_dict(r) for r in _objs(data.get("results"))),
            raw=data,
        )


@dataclass(frozen=True)
class ReplayHistoryEntry(_Model):
    """An entry of per-contract replay history; ``kind`` is ``source``,
    ``failed_replay`` or ``passed_replay`` (open set)."""

    kind: str
    id: str
    contract_version: Optional[str] = None
    created_at: Optional[str] = None
    status: Optional[str] = None
    violation_count: Optional[int] = None
    replayed_at: Optional[str] = None
    replayed_into_audit_id: Optional[str] = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReplayHistoryEntry:
        return cls(
            kind=_s(data, "kind"),
            id=_s(data, "id"),
            contract_version=_os(data, "contract_version"),
            created_at=_os(data, "created_at"),
            status=_os(data, "status"),
            violation_count=_oi(data, "violation_count"),
            replayed_at=_os(data, "replayed_at"),
            replayed_into_audit_id=_os(data, "replayed_into_audit_id"),
            raw=data,
        )


@dataclass(frozen=True)
class TopLevelReplayOutcome(_Model):
    """An outcome of the lossy top-level replay (spec §3.7): every non-replayed reason
    shows ``passed=False``."""

    event_id: str
    version: str = ""
    passed: bool = False
    violations: Tuple[Violation, ...] = ()
    replayed_at: Optional[str] = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TopLevelReplayOutcome:
        return cls(
            event_id=_s(data, "event_id"),
            version=_s(data, "version"),
            passed=_b(data, "passed"),
            violations=_violations(data.get("violations")),
            replayed_at=_os(data, "replayed_at"),
            raw=data,
        )


TopLevelReplayHistoryEntry = TopLevelReplayOutcome


@dataclass(frozen=True)
class TopLevelReplayResponse(_Model):
    replayed: int
    outcomes: Tuple[TopLevelReplayOutcome, ...] = ()
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TopLevelReplayResponse:
        return cls(
            replayed=_i(data, "replayed"),
            outcomes=tuple(TopLevelReplayOutcome.from_dict(o) for o in _objs(data.get("outcomes"))),
            raw=data,
        )


# ------------------------------------------------------------------ stats, usage, health


@dataclass(frozen=True)
class IngestionStats(_Model):
    total_events: int = 0
    passed_events: int = 0
    failed_events: int = 0
    pass_rate: float = 0.0
    avg_validation_us: float = 0.0
    p50_validation_us: int = 0
    p95_validation_us: int = 0
    p99_validation_us: int = 0
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IngestionStats:
        return cls(
            total_events=_i(data, "total_events"),
            passed_events=_i(data, "passed_events"),
            failed_events=_i(data, "failed_events"),
            pass_rate=_f(data, "pass_rate"),
            avg_validation_us=_f(data, "avg_validation_us"),
            p50_validation_us=_i(data, "p50_validation_us"),
            p95_validation_us=_i(data, "p95_validation_us"),
            p99_validation_us=_i(data, "p99_validation_us"),
            raw=data,
        )


@dataclass(frozen=True)
class Usage(_Model):
    """Current UTC month usage. ``limit``/``remaining``/``pct`` are ``None`` when
    unlimited; ``pct`` is 0..100."""

    plan: str = "free"
    period_start: Optional[str] = None
    used: int = 0
    limit: Optional[int] = None
    remaining: Optional[int] = None
    pct: Optional[float] = None
    unlimited: bool = False
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Usage:
        return cls(
            plan=_s(data, "plan", "free"),
            period_start=_os(data, "period_start"),
            used=_i(data, "used"),
            limit=_oi(data, "limit"),
            remaining=_oi(data, "remaining"),
            pct=_of(data, "pct"),
            unlimited=_b(data, "unlimited"),
            raw=data,
        )


@dataclass(frozen=True)
class Health(_Model):
    status: str = ""
    version: Optional[str] = None
    service: Optional[str] = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Health:
        return cls(
            status=_s(data, "status"),
            version=_os(data, "version"),
            service=_os(data, "service"),
            raw=data,
        )


@dataclass(frozen=True)
class Ready(_Model):
    """``GET /ready``: returned for both 200 (``status == "ready"``) and the 503
    ``degraded`` answer; check :attr:`ok`."""

    status: str = ""
    db: Optional[str] = None
    version: Optional[str] = None
    pool: Optional[Mapping[str, Any]] = None
    raw: Mapping[str, Any] = _raw()
    status_code: int = field(default=200, compare=False)

    @property
    def ok(self) -> bool:
        return self.status_code == 200 and self.status == "ready"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ready:
        pool = data.get("pool")
        return cls(
            status=_s(data, "status"),
            db=_os(data, "db"),
            version=_os(data, "version"),
            pool=pool if isinstance(pool, Mapping) else None,
            raw=data,
        )
