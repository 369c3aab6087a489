"""Split any iterable of events into request bodies the gateway accepts.

Limits (spec §4.1): at most 1000 events per request; bodies at most 2,000,000 bytes on
``/v1/ingest`` (the real cap is 2 MiB) and 1,000,000 bytes on the legacy ``/ingest``
route (cap 1 MiB); each event at most 1,048,576 bytes on ``/v1``.

Every event is encoded exactly once, as compact UTF-8 JSON in the caller's key order.
The whole input is encoded before anything is sent, so an event that can never be sent
(not JSON-encodable, NaN/Infinity, a lone surrogate, nested deeper than the gateway's
parser allows, an integer beyond what it can represent, or too large) raises
:class:`~contractgate.EventEncodeError` with its index while nothing has gone over the
wire. Encoded bodies are kept in a spooled temporary file (in memory up to 32 MiB, then
on disk), so a generator over a file larger than memory is fine; each request then reads
its exact bytes back, and a retry resends those same bytes.

Batches never cross the limits, and every batch keeps the position of its first event
in the caller's iterable so results can be re-indexed.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from typing import IO, Any, Iterable, Iterator, List, Mapping, Optional

from ._exceptions import EventEncodeError

__all__ = [
    "LEGACY_MAX_BODY_BYTES",
    "MAX_EVENTS_PER_BATCH",
    "MAX_NESTING_DEPTH",
    "PER_EVENT_LIMIT",
    "V1_MAX_BODY_BYTES",
    "BatchPlan",
    "BatchPlanner",
    "EncodedBatches",
    "encode_event",
    "iter_events",
    "plan_batches",
]

MAX_EVENTS_PER_BATCH = 1000
V1_MAX_BODY_BYTES = 2_000_000
LEGACY_MAX_BODY_BYTES = 1_000_000
PER_EVENT_LIMIT = 1_048_576
# serde_json allows 127 nested arrays/objects per document; the batch array is one.
MAX_NESTING_DEPTH = 126
SPOOL_MEMORY_BYTES = 32 * 1024 * 1024

_I64_MIN = -(2**63)
_U64_MAX = 2**64 - 1

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def iter_events(events: Any) -> Iterator[Any]:
    """The events of ``events``: a mapping is one event, any other iterable many."""
    if isinstance(events, Mapping):
        return iter((events,))
    if isinstance(events, (str, bytes, bytearray, memoryview)):
        raise TypeError(
            "events must be an iterable of JSON values (or one mapping), not "
            f"{type(events).__name__}"
        )
    try:
        return iter(events)
    except TypeError:
        raise TypeError(
            f"events must be an iterable of JSON values, not {type(events).__name__}"
        ) from None


def _check_structure(event: Any, index: int, max_depth: int) -> None:
    """Reject what the gateway's parser rejects for the whole batch: deep nesting and
    integers that overflow a double."""
    stack: List[tuple[Any, int]] = [(event, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    # json.dumps would turn 1, True or None into a string and could
                    # collide with a real key; the gateway would keep only one value.
                    raise EventEncodeError(
                        index,
                        f"object key {key!r} is a {type(key).__name__}; "
                        "JSON object keys must be strings",
                    )
            children: Iterable[Any] = value.values()
        elif isinstance(value, (list, tuple)):
            children = value
        else:
            if type(value) is int and not (_I64_MIN <= value <= _U64_MAX):
                try:
                    float(value)
                except OverflowError:
                    raise EventEncodeError(
                        index, "integer too large for the gateway's JSON parser"
                    ) from None
            continue
        if depth > max_depth:
            raise EventEncodeError(index, f"nested deeper than {max_depth} arrays/objects")
        for child in children:
            if isinstance(child, (dict, list, tuple)):
                stack.append((child, depth + 1))
            elif type(child) is int and not (_I64_MIN <= child <= _U64_MAX):
                stack.append((child, depth + 1))


def encode_event(event: Any, index: int = 0, *, max_depth: int = MAX_NESTING_DEPTH) -> bytes:
    """Compact UTF-8 JSON for one event, or :class:`EventEncodeError`."""
    try:
        text = _encoder.encode(event)
    except RecursionError:
        raise EventEncodeError(index, "nested too deeply to encode") from None
    except (TypeError, ValueError) as exc:
        raise EventEncodeError(index, f"not JSON-encodable: {exc}") from None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise EventEncodeError(index, "contains a lone surrogate (not valid UTF-8)") from None
    _check_structure(event, index, max_depth)
    return data


@dataclass(frozen=True)
class BatchPlan:
    """One request body: events ``start_index .. start_index + count - 1``."""

    number: int
    start_index: int
    count: int
    offset: int
    length: int

    @property
    def indexes(self) -> range:
        return range(self.start_index, self.start_index + self.count)


class EncodedBatches:
    """The encoded input: a list of :class:`BatchPlan` and their bytes (spooled)."""

    def __init__(self, spool: IO[bytes], batches: List[BatchPlan], total_events: int) -> None:
        self._spool = spool
        self.batches = batches
        self.total_events = total_events

    def body(self, batch: BatchPlan) -> bytes:
        """The exact bytes of ``batch`` (a JSON array)."""
        self._spool.seek(batch.offset)
        data = self._spool.read(batch.length)
        if len(data) != batch.length:  # pragma: no cover - spool corruption
            raise OSError("short read from the ingest spool")
        return data

    def close(self) -> None:
        self._spool.close()

    def __enter__(self) -> EncodedBatches:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BatchPlanner:
    """Incremental form of :func:`plan_batches`: ``add()`` events one by one (e.g. from an
    async iterable), then ``finish()``. Nothing is sent by the planner."""

    def __init__(
        self,
        *,
        max_events: int = MAX_EVENTS_PER_BATCH,
        max_body_bytes: int = V1_MAX_BODY_BYTES,
        per_event_limit: Optional[int] = PER_EVENT_LIMIT,
        spool_memory_bytes: int = SPOOL_MEMORY_BYTES,
    ) -> None:
        if not 1 <= max_events <= MAX_EVENTS_PER_BATCH:
            raise ValueError(f"max_events must be in 1..{MAX_EVENTS_PER_BATCH}")
        if max_body_bytes < 3:
            raise ValueError("max_body_bytes is too small")
        self.max_events = max_events
        self.max_body_bytes = max_body_bytes
        self.per_event_limit = per_event_limit
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=spool_memory_bytes)
        self._batches: List[BatchPlan] = []
        self._index = 0
        self._batch_start = 0
        self._batch_offset = 0
        self._count = 0
        self._size = 0  # bytes written for the open batch, including "["
        self._pos = 0
        self._finished = False

    def add(self, event: Any) -> None:
        """Encode one event (raises :class:`EventEncodeError` with its index)."""
        index = self._index
        data = encode_event(event, index)
        n = len(data)
        if self.per_event_limit is not None and n > self.per_event_limit:
            raise EventEncodeError(
                index,
                f"{n} bytes encoded, over the gateway's per-event limit of "
                f"{self.per_event_limit} bytes",
            )
        if n + 2 > self.max_body_bytes:
            raise EventEncodeError(
                index,
                f"{n} bytes encoded; a request body on this route is limited to "
                f"{self.max_body_bytes} bytes",
            )
        spool = self._spool
        if self._count and (
            self._count >= self.max_events or self._size + 1 + n + 1 > self.max_body_bytes
        ):
            self._close_batch()
        if self._count == 0:
            self._batch_start = index
            self._batch_offset = self._pos
            spool.write(b"[")
            self._size = 1
        else:
            spool.write(b",")
            self._size += 1
        spool.write(data)
        self._size += n
        self._count += 1
        self._index += 1

    def _close_batch(self) -> None:
        self._spool.write(b"]")
        self._size += 1
        self._batches.append(
            BatchPlan(
                len(self._batches), self._batch_start, self._count, self._batch_offset, self._size
            )
        )
        self._pos += self._size
        self._count = 0
        self._size = 0

    def finish(self) -> EncodedBatches:
        if self._finished:
            raise RuntimeError("finish() already called")
        self._finished = True
        if self._count:
            self._close_batch()
        return EncodedBatches(self._spool, self._batches, self._index)

    def abort(self) -> None:
        self._finished = True
        self._spool.close()


def plan_batches(
    events: Any,
    *,
    max_events: int = MAX_EVENTS_PER_BATCH,
    max_body_bytes: int = V1_MAX_BODY_BYTES,
    per_event_limit: Optional[int] = PER_EVENT_LIMIT,
    spool_memory_bytes: int = SPOOL_MEMORY_BYTES,
) -> EncodedBatches:
    """Encode every event once and cut the stream into batches within the limits.

    Raises :class:`EventEncodeError` (nothing is sent) for an event that can never be
    sent, and ``TypeError`` when ``events`` is not an iterable.
    """
    it = iter_events(events)
    planner = BatchPlanner(
        max_events=max_events,
        max_body_bytes=max_body_bytes,
        per_event_limit=per_event_limit,
        spool_memory_bytes=spool_memory_bytes,
    )
    try:
        for event in it:
            planner.add(event)
        return planner.finish()
    except BaseException:
        planner.abort()
        raise
