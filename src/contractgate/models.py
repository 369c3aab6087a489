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

from dataclasses import dataclass, field, fields
from typing import (
    Any,
    Dict,
    Iterator,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
)

from ._frozenlist import EMPTY, FrozenList
from ._validation.violations import (
    BatchRecordViolation,
    ValidationResult,
    Violation,
    ViolationKind,
)
from ._wire import (
    EMPTY_MAPPING,
    DictCompat,
    Model,
    WrongValue,
    new_object,
    object_items,
    raw_field,
    read_bool,
    read_int,
    read_optional_int,
    read_optional_str,
    violation_shaped,
    violations_of,
)

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
    "ValidationResult",
    "VersionResponse",
    "VersionSummary",
    "Violation",
    "ViolationKind",
]




# ------------------------------------------------------------------------------ ingest


@dataclass(frozen=True)
class RateLimitInfo:
    """``X-RateLimit-*`` headers of a ``/v1/ingest`` answer (spec §3.2)."""

    limit: Optional[int] = None
    remaining: Optional[int] = None
    reset: Optional[int] = None  # unix seconds


@dataclass(frozen=True)
class IngestEventResult(Model):
    """The verdict for one event.

    The first six fields are v0.1's, in v0.1's order. ``index`` is the event's position
    in the iterable given to ``ingest`` (the SDK re-maps the gateway's per-request index
    when it splits the input). ``contract_version`` is the version that decided *this*
    event (it differs between events under fallback); ``quarantine_id`` may name a row
    that was never written (dry-run, atomic rejection, spec §10.1); ``forwarded`` is
    optimistic on ``/v1``.
    """

    passed: bool
    violations: Sequence[Violation] = EMPTY
    validation_us: int = 0
    forwarded: bool = False
    contract_version: Optional[str] = None
    transformed_event: Any = None
    index: int = 0
    quarantine_id: Optional[str] = None
    raw: Mapping[str, Any] = raw_field()

    @classmethod
    def from_dict(
        cls, raw: Mapping[str, Any], *, index: Optional[int] = None
    ) -> IngestEventResult:
        if index is None:
            idx = read_optional_int(raw, "index")
            index = idx if idx is not None else 0
        # The hot path of a 1000-event answer: the same tolerant reads as the _wire
        # readers, with exact-type checks first (decoded JSON has exact types), and the
        # frozen dataclass filled without one object.__setattr__ per field.
        get = raw.get
        passed = get("passed")
        violations = get("violations")
        contract_version = get("contract_version")
        quarantine_id = get("quarantine_id")
        forwarded = get("forwarded")
        vus = get("validation_us")
        obj = new_object(cls)
        obj.__dict__.update(
            passed=passed if passed is True or passed is False else False,
            violations=violations_of(violations),
            validation_us=vus if type(vus) is int else read_int(raw, "validation_us"),
            forwarded=forwarded if forwarded is True or forwarded is False else False,
            contract_version=contract_version
            if type(contract_version) is str or isinstance(contract_version, str)
            else None,
            transformed_event=get("transformed_event"),
            index=index,
            quarantine_id=quarantine_id
            if type(quarantine_id) is str or isinstance(quarantine_id, str)
            else None,
            raw=raw,
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


class ResultStore(Protocol):
    """The per-event results of one answer (or of part of one), kept undecoded until
    asked for: :class:`DecodedResults` holds the gateway's decoded JSON; the clients keep
    the answer's bytes, compressed (``contractgate._http.ingest_answer``). Each builds
    exactly the :class:`IngestEventResult` objects that ``IngestEventResult.from_dict``
    builds from the gateway's JSON."""

    def __len__(self) -> int: ...

    def build(self, failing_only: bool = False) -> Iterator[IngestEventResult]:
        """The results in order (only the failing ones with ``failing_only``)."""
        ...

    def failing(self) -> Optional[ResultStore]:
        """A store of the failing results only (None when none failed)."""
        ...


def is_failure(raw: Mapping[str, Any]) -> bool:
    """Whether a decoded result is a failure: ``from_dict`` reads anything but JSON
    ``true`` as "not passed"."""
    return raw.get("passed") is not True


def result_from_raw(raw: Mapping[str, Any], offset: int, pos: int) -> IngestEventResult:
    """Result ``pos`` of an answer whose first event has index ``offset``: ``index`` is
    ``offset`` plus the result's own ``index`` field, else plus its position."""
    idx = raw.get("index")
    if type(idx) is not int:
        idx = read_optional_int(raw, "index")
    return IngestEventResult.from_dict(raw, index=offset + (pos if idx is None else idx))


class DecodedResults:
    """Results as the gateway's decoded JSON objects (``BatchIngestResponse.from_dict``):
    result ``k`` is at position ``positions[k]`` (``k`` when ``positions`` is None)."""

    __slots__ = ("offset", "positions", "raws")

    def __init__(
        self,
        raws: Sequence[Mapping[str, Any]],
        offset: int,
        positions: Optional[Sequence[int]] = None,
    ) -> None:
        self.raws = raws
        self.offset = offset
        self.positions = positions

    def __len__(self) -> int:
        return len(self.raws)

    def _pairs(self) -> Iterator[Tuple[int, Mapping[str, Any]]]:
        pos = range(len(self.raws)) if self.positions is None else self.positions
        return zip(pos, self.raws)

    def build(self, failing_only: bool = False) -> Iterator[IngestEventResult]:
        offset = self.offset
        for pos, raw in self._pairs():
            if failing_only and not is_failure(raw):
                continue
            try:
                result = result_from_raw(raw, offset, pos)
            except WrongValue as exc:
                raise exc.within(f"'results' item {pos}") from None
            yield result

    def failing(self) -> Optional[DecodedResults]:
        bad = [(p, r) for p, r in self._pairs() if is_failure(r)]
        if not bad:
            return None
        return DecodedResults([r for _, r in bad], self.offset, [p for p, _ in bad])


def _build(
    stores: Sequence[ResultStore], failing_only: bool = False
) -> Iterator[IngestEventResult]:
    for store in stores:
        yield from store.build(failing_only)


class IngestResults(FrozenList):
    """The per-event results of an ingest, in input order: a read-only sequence of
    :class:`IngestEventResult` equal to the list (or tuple) of the same results."""

    __slots__ = ()

    def failures(self) -> Tuple[IngestEventResult, ...]:
        return FrozenList(r for r in self if not r.passed)


#: Results a :class:`BatchIngestResponse` repr shows; past them, their number.
_REPR_RESULTS = 10


@dataclass(frozen=True)
class BatchIngestResponse(Model):
    """Answer of ``ingest``: counts plus one :class:`IngestEventResult` per event, in order.

    The wire fields are ``total``, ``passed``, ``failed``, ``dry_run``, ``atomic``,
    ``resolved_version`` (before fallback), ``version_pin_source`` (``"query_param"``,
    ``"header"``, ``"path"``, ``"default_stable"``, ``"pinned_deprecated"``; open set),
    ``results`` and, on the deprecated-pin body only, ``error``.

    SDK metadata (not part of equality): ``status_code`` (200, 207 or 422; for a chunked
    ingest the status a single request with these counts would have had), ``rate_limit``
    (last ``X-RateLimit-*`` seen), ``idempotent_replay`` (some batch was answered from the
    gateway's idempotency cache) and ``batches`` (one :class:`BatchAck` per request).

    A 1000-event answer is often read only for its counts and failures, so a decoded
    answer keeps its results undecoded (a :class:`ResultStore`: the gateway's decoded
    JSON, or, in the clients, its bytes compressed: a few dozen bytes per event) and
    builds ``results`` on first access; ``failures`` builds only the failing ones.
    """

    total: int
    passed: int
    failed: int
    dry_run: bool = False
    atomic: bool = False
    resolved_version: Optional[str] = None
    version_pin_source: Optional[str] = None
    # default_factory, not default: a decoded answer leaves ``results`` out of the
    # instance and builds it in __getattr__ (a class-level default would hide it).
    results: Sequence[IngestEventResult] = field(default_factory=IngestResults)
    error: Optional[str] = None
    raw: Mapping[str, Any] = raw_field()
    status_code: int = field(default=200, compare=False)
    rate_limit: Optional[RateLimitInfo] = field(default=None, compare=False)
    idempotent_replay: bool = field(default=False, compare=False)
    batches: Tuple[BatchAck, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if type(self.results) is not IngestResults:
            object.__setattr__(self, "results", IngestResults(self.results))
        super().__post_init__()

    def __repr__(self) -> str:
        """The dataclass's repr, but past :data:`_REPR_RESULTS` results their number
        only (a million-event ingest would print, and decode, every result)."""
        parts = []
        for f in fields(self):
            if not f.repr:
                continue
            if f.name == "results":
                stores = self._stores_or_none()
                n = len(self.results) if stores is None else sum(map(len, stores))
                if n > _REPR_RESULTS:
                    parts.append(f"results=<{n} results>")
                    continue
            parts.append(f"{f.name}={getattr(self, f.name)!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __getattr__(self, name: str) -> Any:
        stores = self.__dict__.get("_stores")
        if name != "results" or stores is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        results = IngestResults(_build(stores))
        self.__dict__["results"] = results
        return results

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, index_offset: int = 0) -> BatchIngestResponse:
        results = raw.get("results")
        raws = list(object_items(results, "'results' ")) if isinstance(results, list) else []
        total = read_optional_int(raw, "total")
        passed = read_optional_int(raw, "passed")
        failed = read_optional_int(raw, "failed")
        if total is None:
            total = len(raws)
        if passed is None:
            passed = sum(1 for r in raws if not is_failure(r))
        if failed is None:
            failed = total - passed
        return cls.from_store(
            raw, DecodedResults(raws, index_offset), total=total, passed=passed, failed=failed
        )

    @classmethod
    def from_store(
        cls, answer: Mapping[str, Any], store: ResultStore, **counts: int
    ) -> BatchIngestResponse:
        """A response to the decoded answer ``answer`` (its ``raw``) whose results are in
        ``store``, with ``total``, ``passed`` and ``failed`` given (the clients check them
        against the results; :meth:`from_dict` derives missing ones)."""
        return cls._decoded(
            (store,),
            dry_run=read_bool(answer, "dry_run"),
            atomic=read_bool(answer, "atomic"),
            resolved_version=read_optional_str(answer, "resolved_version"),
            version_pin_source=read_optional_str(answer, "version_pin_source"),
            error=read_optional_str(answer, "error"),
            raw=answer,
            **counts,
        )

    @classmethod
    def _decoded(cls, stores: Tuple[ResultStore, ...], **values: Any) -> BatchIngestResponse:
        """An instance whose ``results`` are built from ``stores`` when first read."""
        obj = new_object(cls)
        obj.__dict__.update(
            dry_run=False,
            atomic=False,
            resolved_version=None,
            version_pin_source=None,
            error=None,
            raw=EMPTY_MAPPING,
            status_code=200,
            rate_limit=None,
            idempotent_replay=False,
            batches=(),
        )
        obj.__dict__.update(values)
        obj.__dict__["_stores"] = stores
        return obj

    def _stores_or_none(self) -> Optional[Tuple[ResultStore, ...]]:
        """The undecoded results, unless ``results`` was given or already built."""
        if "results" in self.__dict__:
            return None
        stores: Tuple[ResultStore, ...] = self.__dict__["_stores"]
        return stores

    def with_meta(self, **changes: Any) -> BatchIngestResponse:
        """A copy with SDK metadata (or ``raw``) changed, results still undecoded."""
        obj = new_object(type(self))
        obj.__dict__.update(self.__dict__)
        obj.__dict__.update(changes)
        return obj

    def result_stores(self) -> Tuple[ResultStore, ...]:
        """The stores ``results`` are (or were) built from; () when given as objects."""
        stores: Tuple[ResultStore, ...] = self.__dict__.get("_stores", ())
        return stores

    def with_results(
        self, stores: Tuple[ResultStore, ...], raw: Mapping[str, Any]
    ) -> BatchIngestResponse:
        """A copy whose results are built from ``stores`` when first read, with ``raw``
        (how the clients keep an acknowledged batch for the rest of an ingest)."""
        obj = self.with_meta(raw=raw)
        obj.__dict__.pop("results", None)
        obj.__dict__["_stores"] = stores
        return obj

    def failing_only(self) -> BatchIngestResponse:
        """A copy that keeps the failing results only (``keep_results=False``)."""
        stores = self._stores_or_none()
        if stores is None:
            return self.with_meta(results=IngestResults(self.failures), raw=EMPTY_MAPPING)
        obj = self.with_meta(raw=EMPTY_MAPPING)
        failing = (s.failing() for s in stores)
        obj.__dict__["_stores"] = tuple(f for f in failing if f is not None)
        return obj

    # ---- conveniences
    @property
    def all_passed(self) -> bool:
        return self.failed == 0

    @property
    def quarantined(self) -> int:
        """Failed events the gateway actually stored as quarantine rows: ``failed``,
        except 0 for a dry run and for an atomic rejection, where each failing result
        still carries a ``quarantine_id`` but no such row exists (spec §3.1.5, §3.2).
        Judged from the answer's own ``dry_run``/``atomic`` echo, so an idempotent replay
        of a stored batch counts its rows. A row can still be missing if the gateway's
        background insert failed; only ``quarantine()`` can tell."""
        if self.dry_run or (self.atomic and self.failed > 0):
            return 0
        return self.failed

    @property
    def failures(self) -> Tuple[IngestEventResult, ...]:
        """Results of the events that failed (each with its ``index``)."""
        stores = self._stores_or_none()
        if stores is None:
            return FrozenList(r for r in self.results if not r.passed)
        return FrozenList(_build(stores, failing_only=True))

    def __len__(self) -> int:
        stores = self._stores_or_none()
        if stores is None:
            return len(self.results)
        return sum(len(s) for s in stores)

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
    meta: Dict[str, Any] = dict(
        total=total,
        passed=passed,
        failed=failed,
        dry_run=first.dry_run if first else False,
        atomic=first.atomic if first else False,
        resolved_version=first.resolved_version if first else None,
        version_pin_source=first.version_pin_source if first else None,
        raw=EMPTY_MAPPING,
        status_code=status,
        rate_limit=rate_limit,
        idempotent_replay=any(p.idempotent_replay for p in ordered),
        batches=tuple(acks),
    )
    undecoded = [p._stores_or_none() for p in ordered]
    if all(u is not None for u in undecoded):
        return BatchIngestResponse._decoded(
            tuple(store for u in undecoded if u is not None for store in u), **meta
        )
    return BatchIngestResponse(results=[r for p in ordered for r in p.results], **meta)


@dataclass(frozen=True)
class EnvelopeIngestResponse(Model):
    """Answer of the legacy route for an envelope contract (spec §3.1.7; always 200)."""

    passed: int
    quarantined: int
    validation_us: int = 0
    violations: Tuple[BatchRecordViolation, ...] = EMPTY
    raw: Mapping[str, Any] = raw_field()

# ------------------------------------------------------------------------------ egress


@dataclass(frozen=True)
class EgressOutcome(Model):
    index: int
    passed: bool
    violations: Tuple[Violation, ...] = EMPTY
    validation_us: int = 0
    action: str = ""  # included | blocked | rejected | tagged (open set)
    stripped_fields: Tuple[str, ...] = EMPTY
    raw: Mapping[str, Any] = raw_field()

@dataclass(frozen=True)
class EgressResponse(Model):
    total: int
    passed: int
    failed: int
    dry_run: bool = False
    disposition: str = ""
    egress_leakage_mode: str = ""
    resolved_version: Optional[str] = None
    payload: Tuple[Any, ...] = EMPTY
    outcomes: Tuple[EgressOutcome, ...] = EMPTY
    raw: Mapping[str, Any] = raw_field()
    status_code: int = field(default=200, compare=False)

# -------------------------------------------------------------------------- playground


@dataclass(frozen=True, eq=False)
class PlaygroundResult(DictCompat):
    """Answer of ``playground_validate``: typed attributes, and (v0.1 returned the raw
    dict) a read-only mapping of the gateway's JSON that compares equal to it."""

    passed: bool
    violations: Tuple[Violation, ...] = EMPTY
    validation_us: int = 0
    transformed_event: Any = None
    raw: Mapping[str, Any] = raw_field()

# --------------------------------------------------------------------------- contracts


@dataclass(frozen=True)
class ContractSummary(Model):
    """An element of ``GET /contracts`` (no description or timestamps: spec §3.5)."""

    id: str
    name: str
    multi_stable_resolution: str = "strict"
    latest_stable_version: Optional[str] = None
    version_count: int = 0
    store_event_payloads: bool = False
    raw: Mapping[str, Any] = raw_field()

@dataclass(frozen=True)
class ContractResponse(Model):
    id: str
    name: str
    description: Optional[str] = None
    multi_stable_resolution: str = "strict"
    created_at: Optional[str] = None
    updated_at: Optional[str] = None
    version_count: int = 0
    latest_stable_version: Optional[str] = None
    raw: Mapping[str, Any] = raw_field()

@dataclass(frozen=True)
class VersionSummary(Model):
    version: str
    state: str = ""  # draft | stable | deprecated (open set)
    created_at: Optional[str] = None
    promoted_at: Optional[str] = None
    deprecated_at: Optional[str] = None
    import_source: str = "native"
    requires_review: bool = False
    raw: Mapping[str, Any] = raw_field()

@dataclass(frozen=True)
class VersionResponse(Model):
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
    raw: Mapping[str, Any] = raw_field()

@dataclass(frozen=True)
class ContractVersionPointer(Model):
    """``GET /v1/contracts/{id}/version``: the latest stable and the SHA-256 of its YAML."""

    version: str
    hash: str = ""
    raw: Mapping[str, Any] = raw_field()

# ---------------------------------------------------------------- audit and quarantine


@dataclass(frozen=True)
class AuditEntry(Model):
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
    raw: Mapping[str, Any] = raw_field()
    @property
    def violations(self) -> Tuple[Violation, ...]:
        """The items of ``violation_details`` that are violations, as :class:`Violation`
        objects (a summary row's items have other shapes: none)."""
        return violation_shaped(self.violation_details)


@dataclass(frozen=True)
class QuarantineEntry(Model):
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
    raw: Mapping[str, Any] = raw_field()
    @property
    def violations(self) -> Tuple[Violation, ...]:
        """As :attr:`AuditEntry.violations`."""
        return violation_shaped(self.violation_details)


# ------------------------------------------------------------------------------ replay


@dataclass(frozen=True)
class ReplayResult(Model):
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
    violations: Tuple[Violation, ...] = EMPTY
    raw: Mapping[str, Any] = raw_field()

@dataclass(frozen=True)
class ReplayResponse(Model):
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
    results: Tuple[ReplayResult, ...] = EMPTY
    raw: Mapping[str, Any] = raw_field()

@dataclass(frozen=True)
class ReplayHistoryEntry(Model):
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
    raw: Mapping[str, Any] = raw_field()

@dataclass(frozen=True)
class TopLevelReplayOutcome(Model):
    """An outcome of the lossy top-level replay (spec §3.7): every non-replayed reason
    shows ``passed=False``."""

    event_id: str
    version: str = ""
    passed: bool = False
    violations: Tuple[Violation, ...] = EMPTY
    replayed_at: Optional[str] = None
    raw: Mapping[str, Any] = raw_field()

TopLevelReplayHistoryEntry = TopLevelReplayOutcome


@dataclass(frozen=True)
class TopLevelReplayResponse(Model):
    replayed: int
    outcomes: Tuple[TopLevelReplayOutcome, ...] = EMPTY
    raw: Mapping[str, Any] = raw_field()

# ------------------------------------------------------------------ stats, usage, health


@dataclass(frozen=True)
class IngestionStats(Model):
    total_events: int = 0
    passed_events: int = 0
    failed_events: int = 0
    pass_rate: float = 0.0
    avg_validation_us: float = 0.0
    p50_validation_us: int = 0
    p95_validation_us: int = 0
    p99_validation_us: int = 0
    raw: Mapping[str, Any] = raw_field()

@dataclass(frozen=True)
class Usage(Model):
    """Current UTC month usage. ``limit``/``remaining``/``pct`` are ``None`` when
    unlimited; ``pct`` is 0..100."""

    plan: str = "free"
    period_start: Optional[str] = None
    used: int = 0
    limit: Optional[int] = None
    remaining: Optional[int] = None
    pct: Optional[float] = None
    unlimited: bool = False
    raw: Mapping[str, Any] = raw_field()

@dataclass(frozen=True)
class Health(Model):
    status: str = ""
    version: Optional[str] = None
    service: Optional[str] = None
    raw: Mapping[str, Any] = raw_field()

@dataclass(frozen=True)
class Ready(Model):
    """``GET /ready``: returned for both 200 (``status == "ready"``) and the 503
    ``degraded`` answer; check :attr:`ok`."""

    status: str = ""
    db: Optional[str] = None
    version: Optional[str] = None
    pool: Optional[Mapping[str, Any]] = None
    raw: Mapping[str, Any] = raw_field()
    status_code: int = field(default=200, compare=False)

    @property
    def ok(self) -> bool:
        return self.status_code == 200 and self.status == "ready"
