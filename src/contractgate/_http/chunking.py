"""Split any iterable of events into request bodies the gateway accepts.

Limits (spec §4.1): at most 1000 events per request; bodies at most 2,000,000 bytes on
``/v1/ingest`` (the real cap is 2 MiB) and 1,000,000 bytes on the legacy ``/ingest``
route (cap 1 MiB); each event at most 1,048,576 bytes on ``/v1``.

Every event is encoded exactly once, by :func:`encode_event`, as compact UTF-8 JSON in
the caller's key order: a flat object of plain scalars by orjson when it is installed
(``contractgate[fast]``; the same bytes as the stdlib encoder), anything else by the
stdlib encoder (orjson then only speeds up the structure checks). An event that can
never be sent (not JSON-encodable, NaN/Infinity, a lone surrogate, nested deeper than the
gateway's parser allows, an integer beyond what it can represent, or too large) raises
:class:`~contractgate.EventEncodeError` with its index when it is encoded.

:class:`StreamPlanner` is the one batcher: ``ingest()`` streams through it (each batch is
handed out, its bytes held in memory, as soon as the next event does not fit in it; the
clients read ahead at most ``READ_AHEAD_BATCHES`` batches, ``READ_AHEAD_BYTES``, before
sending), and :func:`encode_single_body` uses it for the routes that take one request
(egress). Batches never cross the limits, and every batch keeps the position of its first
event in the caller's iterable so results can be re-indexed.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional, Sized, Tuple

from .._validation.inputs import iter_events
from ..exceptions import EventDecodeError, EventEncodeError

__all__ = [
    "LEGACY_MAX_BODY_BYTES",
    "MAX_EVENTS_PER_BATCH",
    "MAX_EVENT_DEPTH",
    "MAX_NESTING_DEPTH",
    "PER_EVENT_LIMIT",
    "READ_AHEAD_BATCHES",
    "READ_AHEAD_BYTES",
    "V1_MAX_BODY_BYTES",
    "BatchPlan",
    "StreamPlanner",
    "batch_limit",
    "check_max_batch_events",
    "encode_event",
    "encode_single_body",
    "encode_whole_body",
    "input_length",
]

MAX_EVENTS_PER_BATCH = 1000
V1_MAX_BODY_BYTES = 2_000_000
LEGACY_MAX_BODY_BYTES = 1_000_000
PER_EVENT_LIMIT = 1_048_576
# serde_json allows 127 nested arrays/objects per document: an NDJSON line is one event,
# in a JSON array body the batch array is one of them.
MAX_EVENT_DEPTH = 127
MAX_NESTING_DEPTH = MAX_EVENT_DEPTH - 1
# ingest() reads and encodes ahead of the requests until this many batches (or bytes)
# are encoded and not yet sent: an input that fits in the window is encoded completely
# before the first request, as in v0.2; a longer one streams with bounded memory.
READ_AHEAD_BATCHES = 8
READ_AHEAD_BYTES = 8 * 1024 * 1024


def batch_limit(name: str, value: object, lo: int, hi: int, where: str = "") -> int:
    """An ingest limit as a plain int in ``lo..hi``: any integer type (numpy's too) is
    taken, a bool or a float is not (``1e6`` bytes would print as ``1000000.0``)."""
    n = None
    if not isinstance(value, bool):
        try:
            n = operator.index(value)  # type: ignore[arg-type]
        except TypeError:
            pass
    if n is None or not lo <= n <= hi:
        raise ValueError(f"{name} must be an int in {lo}..{hi}{where}, got {value!r}")
    return n


def check_max_batch_events(n: object) -> int:
    """``max_batch_events`` as ``ingest`` takes it: an int in 1..1000."""
    return batch_limit("max_batch_events", n, 1, MAX_EVENTS_PER_BATCH)


_I64_MIN = -(2**63)
_U64_MAX = 2**64 - 1

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def input_length(events: Any) -> Optional[int]:
    """How many events :func:`iter_events` will yield, when known without reading them
    (``len()`` of a sized input; 1 for a mapping), else None."""
    if isinstance(events, Mapping):
        return 1
    if isinstance(events, Sized) and not isinstance(events, (str, bytes, bytearray)):
        try:
            return len(events)
        except Exception:  # a len() that fails is no reason to fail the ingest
            return None
    return None


def _unusual_int(value: Any) -> bool:
    """An int the gateway may not read as the same integer: one beyond [i64 min, u64 max]
    (serde_json reads it as a float, or refuses it), or of a subclass (the encoder writes
    its digits, whatever its own comparisons say); never a bool."""
    t = type(value)
    if t is int:
        return not _I64_MIN <= value <= _U64_MAX
    return t is not bool and isinstance(value, int)


def _check_int(value: int, index: int) -> None:
    """:class:`EventEncodeError` when serde_json finds the digits the encoder writes for
    ``value`` out of range (its own rounding decides, not ``float()``'s)."""
    from .._validation.values.pyjson import int_as_json_number  # rare: wide ints only

    try:
        int_as_json_number(int.__int__(value))
    except EventDecodeError:
        raise EventEncodeError(index, "integer too large for the gateway's JSON parser") from None


def _check_structure(event: Any, index: int, max_depth: int) -> None:
    """Reject what the gateway's parser rejects for the whole batch: deep nesting and
    integers beyond what it decodes; and object keys that are not strings.

    Containers are read as the stdlib encoder reads them: a dict (a subclass too, whatever
    its ``__iter__``, ``keys()`` or ``values()``) through ``items()``, a list or tuple by
    iteration."""
    stack: List[tuple[Any, int]] = [(event, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            values: List[Any] = []
            for key, child in value.items():
                if not isinstance(key, str):
                    # json.dumps would turn 1, True or None into a string and could
                    # collide with a real key; the gateway would keep only one value.
                    raise EventEncodeError(
                        index,
                        f"object key {key!r} is a {type(key).__name__}; "
                        "JSON object keys must be strings",
                    )
                values.append(child)
            children: Iterable[Any] = values
        elif isinstance(value, (list, tuple)):
            children = value
        else:
            if _unusual_int(value):
                _check_int(value, index)
            continue
        if depth > max_depth:
            raise EventEncodeError(index, f"nested deeper than {max_depth} arrays/objects")
        for child in children:
            if isinstance(child, (dict, list, tuple)) or _unusual_int(child):
                stack.append((child, depth + 1))


# orjson, when installed (``contractgate[fast]``), encodes flat events (encode_event) and
# checks the structure of nested ones (whose bytes come from the stdlib encoder).
_orjson_dumps: Optional[Callable[..., bytes]]
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson_dumps = None
    _ORJSON_OPTS = 0
else:
    _orjson_dumps = _orjson.dumps
    _ORJSON_OPTS = (
        _orjson.OPT_PASSTHROUGH_SUBCLASS
        | _orjson.OPT_PASSTHROUGH_DATETIME
        | (_orjson.OPT_PASSTHROUGH_DATACLASS)
    )


def _structure_is_plain(event: Any, data: bytes, max_depth: int) -> bool:
    """Cheap proof, from the encoded bytes, that :func:`_check_structure` would pass.

    ``data`` is the stdlib encoding of ``event``, so the event holds only JSON types and
    no NaN/Infinity; the nesting depth is at most the number of ``[`` and ``{`` bytes.
    What is left to check are object keys and integers outside the gateway's range: a
    flat event's are checked here, and a nested event is handed to orjson (which refuses
    non-string keys, integers beyond the ``i64``/``u64`` range and subclasses); anything
    unusual returns False and gets the full walk."""
    containers = data.count(b"{") + data.count(b"[")
    if containers > max_depth:
        return False
    if containers <= 1:  # at most one container, the event itself: its items are scalars
        t = type(event)
        if t is dict:
            for key in event:
                if type(key) is not str:
                    return False
            scalars: Iterable[Any] = event.values()
        elif t is list or not containers:
            scalars = event if t is list else (event,)
        else:
            return False  # a tuple or a subclass: the walk judges it
        for value in scalars:
            vt = type(value)
            if vt is int:
                if not _I64_MIN <= value <= _U64_MAX:
                    return False
            elif vt is not str and vt is not float and vt is not bool and value is not None:
                return False  # a subclass of a JSON type: the walk judges it
        return True
    if _orjson_dumps is None:
        return False
    try:
        _orjson_dumps(event, None, _ORJSON_OPTS)
    except Exception:
        return False
    return True


def encode_event(event: Any, index: int = 0, max_depth: int = MAX_NESTING_DEPTH) -> bytes:
    """Compact UTF-8 JSON for one event, or :class:`EventEncodeError`.

    The fast path: a flat object whose values are plain JSON scalars (exactly these
    types; floats only where both spell them alike) is encoded by orjson, whose bytes are
    then the stdlib encoder's (compact, non-ASCII kept, the same escapes); orjson refuses
    what the stdlib path must judge (keys that are not exactly ``str``, lone surrogates,
    integers beyond 64 bits, whose ``i64``/``u64`` range is the gateway's). Anything else
    takes the stdlib encoder and the structure checks."""
    dumps = _orjson_dumps
    if dumps is not None and type(event) is dict:
        for value in event.values():
            t = type(value)
            if t is str or t is int or t is bool or value is None:
                continue
            # repr() and orjson spell a float alike in 1e-4 <= |x| < 1e16 (and 0.0)
            if t is float and (1e-4 <= value < 1e16 or -1e16 < value <= -1e-4 or value == 0.0):
                continue
            break
        else:
            try:
                return dumps(event)
            except Exception:
                pass
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
    if not _structure_is_plain(event, data, max_depth):
        _check_structure(event, index, max_depth)
    return data


def _check_size(
    data: bytes, index: int, per_event_limit: Optional[int], max_body: int, framing: int = 2
) -> None:
    """The per-event limit and the route's body cap (with ``framing`` bytes of brackets
    around the event), each failure an :class:`EventEncodeError` naming the index."""
    n = len(data)
    if per_event_limit is not None and n > per_event_limit:
        raise EventEncodeError(
            index,
            f"{n} bytes encoded, over the gateway's per-event limit of {per_event_limit} bytes",
        )
    if n + framing > max_body:
        raise EventEncodeError(
            index, f"{n} bytes encoded; a request body on this route is limited to {max_body} bytes"
        )


@dataclass(frozen=True)
class BatchPlan:
    """One request body: events ``start_index .. start_index + count - 1``."""

    number: int
    start_index: int
    count: int
    length: int  # bytes of the body

    @property
    def indexes(self) -> range:
        return range(self.start_index, self.start_index + self.count)


class StreamPlanner:
    """The batcher: ``add()`` (or ``fill()``) encodes events and hands out each batch it
    closes with its bytes; ``flush()`` closes the last one. Only the open batch is held (in
    memory, at most one request body).

    With ``ndjson=True`` a body is the events one per line (``application/x-ndjson``)
    instead of a JSON array: the same bytes but for the framing, and cheaper for the
    gateway, which measures an NDJSON line as it is but re-serialises every array element
    to check the per-event limit (spec §3.2; ~25% more events/s on the local gateway).
    Batches are cut identically either way (the size accounting counts the brackets)."""

    def __init__(
        self,
        *,
        max_events: int = MAX_EVENTS_PER_BATCH,
        max_body_bytes: int = V1_MAX_BODY_BYTES,
        per_event_limit: Optional[int] = PER_EVENT_LIMIT,
        ndjson: bool = False,
    ) -> None:
        if not 1 <= max_events <= MAX_EVENTS_PER_BATCH:
            raise ValueError(f"max_events must be in 1..{MAX_EVENTS_PER_BATCH}")
        if max_body_bytes < 3:
            raise ValueError("max_body_bytes is too small")
        self.max_events = max_events
        self.max_body_bytes = max_body_bytes
        self.per_event_limit = per_event_limit
        self.ndjson = ndjson
        self.max_depth = MAX_EVENT_DEPTH if ndjson else MAX_NESTING_DEPTH
        self._parts: List[bytes] = []
        self._number = 0
        self._index = 0  # events encoded so far
        self._batch_start = 0
        self._size = 0  # bytes of the open batch, including "[" (not yet "]")
        self.events_read = 0  # taken from the input (encoded, or refused)

    @property
    def open_start(self) -> Optional[int]:
        """Index of the first event of the open (unclosed) batch, if any."""
        return self._batch_start if self._parts else None

    def add(self, event: Any) -> Optional[Tuple[BatchPlan, bytes]]:
        """Encode one event (raises :class:`EventEncodeError` with its index); returns
        the previous batch when this event does not fit in it."""
        closed: List[Tuple[BatchPlan, bytes]] = []

        def keep(batch: BatchPlan, body: bytes) -> bool:
            closed.append((batch, body))
            return True

        self.fill(iter((event,)), keep)
        return closed[0] if closed else None

    def fill(self, events: Iterator[Any], on_close: Callable[[BatchPlan, bytes], bool]) -> bool:
        """``add()`` for each event of ``events``, in one loop: stops after a batch is
        closed and handed to ``on_close`` if it returns False (returns False), or when
        the input ends (returns True; the open batch stays open for ``flush()``).

        The hot loop of ``ingest()``: each event goes through :func:`encode_event` once.
        ``events_read`` counts every event taken from ``events``, including one whose
        encoding raised."""
        encode = encode_event
        per_event = self.per_event_limit if self.per_event_limit is not None else 1 << 62
        max_events, max_body, max_depth = self.max_events, self.max_body_bytes, self.max_depth
        # the counters live in locals while the loop runs (written back on every exit)
        parts, size, index, read = self._parts, self._size, self._index, self.events_read
        try:
            for event in events:
                read += 1
                data = encode(event, index, max_depth)
                n = len(data)
                if n > per_event or n + 2 > max_body:
                    _check_size(data, index, self.per_event_limit, max_body)
                if parts and (len(parts) >= max_events or size + n + 2 > max_body):
                    self._size = size
                    batch, body = self._close()
                    parts = self._parts
                    self._batch_start = index
                    size = 1 + n
                    parts.append(data)
                    index += 1
                    self._size, self._index, self.events_read = size, index, read
                    if not on_close(batch, body):
                        return False
                    continue
                if not parts:
                    self._batch_start = index
                    size = 1 + n
                else:
                    size += 1 + n
                parts.append(data)
                index += 1
            return True
        finally:
            self._parts, self._size, self._index, self.events_read = parts, size, index, read

    def _close(self) -> Tuple[BatchPlan, bytes]:
        if self.ndjson:
            body = b"\n".join(self._parts)  # compact JSON holds no raw newline
        else:
            body = b"[" + b",".join(self._parts) + b"]"
        plan = BatchPlan(self._number, self._batch_start, len(self._parts), len(body))
        self._number += 1
        self._parts = []
        self._size = 0
        return plan, body

    def flush(self) -> Optional[Tuple[BatchPlan, bytes]]:
        """Close the open batch (``None`` when there is none)."""
        return self._close() if self._parts else None


def encode_single_body(
    events: Any,
    *,
    max_events: int,
    max_body_bytes: int,
    what: str,
) -> bytes:
    """The JSON array body for a route that takes all ``events`` in one request (egress):
    :class:`StreamPlanner`'s encoding and limits, and a ``ValueError`` naming ``what``
    when the events are none or need a second request (nothing is sent either way)."""
    planner = StreamPlanner(
        max_events=max_events, max_body_bytes=max_body_bytes, per_event_limit=None
    )
    for event in iter_events(events):
        if planner.add(event) is not None:
            raise ValueError(
                f"{what} takes at most {max_events} records and {max_body_bytes} bytes per "
                "call; split the records"
            )
    closed = planner.flush()
    if closed is None:
        raise ValueError(f"{what} needs at least one record")
    return closed[1]


def encode_whole_body(value: Any, *, max_body_bytes: int) -> bytes:
    """One JSON value sent as the whole body (an envelope object): :func:`encode_event`'s
    encoding and checks, within ``max_body_bytes``."""
    data = encode_event(value, 0, MAX_EVENT_DEPTH)  # the whole document: no batch array
    _check_size(data, 0, None, max_body_bytes, framing=0)
    return data
