"""Property tests of the pure chunking and paging logic (no I/O)."""

from __future__ import annotations

import json
from typing import Any, List

from hypothesis import given, settings
from hypothesis import strategies as st

from contractgate._http.chunking import StreamPlanner, encode_single_body
from contractgate._http.pagination import PageCursor
from contractgate.exceptions import EventEncodeError

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None)
@given(
    events=st.lists(json_values, max_size=60),
    max_events=st.integers(min_value=1, max_value=7),
    max_bytes=st.integers(min_value=400, max_value=2000),
    ndjson=st.booleans(),
)
def test_batches_respect_limits_and_keep_order(
    events: List[Any], max_events: int, max_bytes: int, ndjson: bool
) -> None:
    encoded = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in events]
    fits = all(len(x.encode()) + 2 <= max_bytes for x in encoded)
    planner = StreamPlanner(
        max_events=max_events, max_body_bytes=max_bytes, per_event_limit=None, ndjson=ndjson
    )
    batches = []
    try:
        for e in events:
            closed = planner.add(e)
            if closed:
                batches.append(closed)
        last = planner.flush()
    except ValueError:
        assert not fits
        return
    assert fits
    batches += [last] if last else []
    decoded: List[Any] = []
    expected_start = 0
    for number, (b, body) in enumerate(batches):
        assert b.number == number
        assert len(body) == b.length <= max_bytes
        assert 1 <= b.count <= max_events
        assert b.start_index == expected_start
        expected_start += b.count
        if ndjson:
            items = [json.loads(line) for line in body.split(b"\n")]
        else:
            items = json.loads(body)
        assert len(items) == b.count
        decoded.extend(items)
    assert expected_start == len(events) == planner.events_read
    # same values, and the bytes are exactly the compact encoding of each event
    sep = b"\n" if ndjson else b","
    inner = [body if ndjson else body[1:-1] for _, body in batches]
    assert b"".join(x + sep for x in inner) == b"".join(x.encode() + sep for x in encoded)
    assert json.dumps(decoded) == json.dumps(events)


@settings(max_examples=40, deadline=None)
@given(
    events=st.lists(json_values, max_size=30),
    max_events=st.integers(min_value=1, max_value=7),
    max_bytes=st.integers(min_value=60, max_value=600),
)
def test_a_single_body_is_the_batchers_only_batch(
    events: List[Any], max_events: int, max_bytes: int
) -> None:
    """``encode_single_body`` (egress) is the batcher's one and only batch, or the first
    refusal met while reading the events in order."""
    planner = StreamPlanner(max_events=max_events, max_body_bytes=max_bytes, per_event_limit=None)
    expected: Any = None
    for e in events:
        try:
            if planner.add(e) is not None:
                expected = "takes at most"
        except EventEncodeError as exc:
            expected = (exc.index, exc.reason)
        if expected is not None:
            break
    else:
        last = planner.flush()
        expected = last[1] if last else "needs at least one record"
    try:
        got: Any = encode_single_body(
            events, max_events=max_events, max_body_bytes=max_bytes, what="x"
        )
    except EventEncodeError as exc:
        got = (exc.index, exc.reason)
    except ValueError as exc:
        got = "takes at most" if "x takes at most" in str(exc) else str(exc)[2:]
    assert got == expected


flat_events = st.dictionaries(
    st.text(max_size=6),
    st.one_of(json_scalars, st.floats(), st.integers(min_value=-(2**70), max_value=2**70)),
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(
    events=st.lists(st.one_of(flat_events, json_values), max_size=40),
    max_events=st.integers(min_value=1, max_value=7),
    max_bytes=st.integers(min_value=60, max_value=600),
    stop_every=st.integers(min_value=1, max_value=4),
)
def test_the_fill_loop_cuts_and_encodes_exactly_like_add(
    events: List[Any], max_events: int, max_bytes: int, stop_every: int
) -> None:
    """``StreamPlanner.fill`` (the ingest loop, with its inlined flat-object encoding) and
    ``add`` give the same batches, bytes and errors, however often ``fill`` is paused."""

    def run_add() -> Any:
        p = StreamPlanner(max_events=max_events, max_body_bytes=max_bytes, per_event_limit=300)
        out = []
        try:
            for e in events:
                closed = p.add(e)
                if closed:
                    out.append(closed)
        except EventEncodeError as exc:
            return out, (exc.index, exc.reason), p.events_read
        last = p.flush()
        return out + ([last] if last else []), None, p.events_read

    def run_fill() -> Any:
        p = StreamPlanner(max_events=max_events, max_body_bytes=max_bytes, per_event_limit=300)
        out: List[Any] = []

        def on_close(batch: Any, body: bytes) -> bool:
            out.append((batch, body))
            return len(out) % stop_every != 0

        it = iter(events)
        try:
            while not p.fill(it, on_close):
                pass
        except EventEncodeError as exc:
            return out, (exc.index, exc.reason), p.events_read
        last = p.flush()
        return out + ([last] if last else []), None, p.events_read

    assert run_fill() == run_add()


@settings(max_examples=60, deadline=None)
@given(
    n_rows=st.integers(min_value=0, max_value=60),
    limit=st.one_of(st.none(), st.integers(min_value=0, max_value=70)),
    offset=st.integers(min_value=0, max_value=20),
    page_size=st.integers(min_value=1, max_value=9),
    overlap=st.integers(min_value=0, max_value=3),
)
def test_cursor_yields_each_row_once_within_limit(
    n_rows: int, limit: Any, offset: int, page_size: int, overlap: int
) -> None:
    class Row:
        def __init__(self, i: int) -> None:
            self.id = f"r{i}"

    table = [Row(i) for i in range(n_rows)]
    cur = PageCursor(limit=limit, offset=offset, page_size=page_size)
    out: List[str] = []
    pages = 0
    while (req := cur.next_page()) is not None:
        off, size = req
        pages += 1
        # simulate tie reordering: the server re-sends the last `overlap` rows of the
        # previous page at the start of this one
        start = max(offset, off - overlap) if pages > 1 else off
        page = table[start : start + size]
        out.extend(r.id for r in cur.accept(page, size))
        assert pages < 200
    assert len(out) == len(set(out))
    expected = [r.id for r in table[offset:]]
    if limit is not None:
        expected = expected[:limit]
    assert set(out) <= set(r.id for r in table[offset:])
    if overlap == 0:
        assert out == expected
