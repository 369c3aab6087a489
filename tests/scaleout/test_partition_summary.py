"""The engine-agnostic partition API and ValidationSummary: positions, decode errors,
merge algebra (associative, commutative, identity), output forms."""

from __future__ import annotations

import json
import pickle
import random
from functools import reduce
from typing import Any, List

import pytest
from cg_scaleout_testlib import ORDERS, chunks, order, order_lines, reference

from contractgate.validator import (
    NOT_JSON_VALUE,
    PARSE_ERROR,
    ROOT_FIELD,
    EventOutcome,
    Example,
    ValidationSummary,
    field_group,
    frame_records,
    summarize_partition,
    validate_chunk,
    validate_partition,
)

COMPILED = ORDERS.compile()


def test_outcomes_carry_the_callers_positions() -> None:
    events = [order(i) for i in range(40)]
    got = list(validate_partition(COMPILED, events, partition=3, start=100))
    assert [o.position for o in got] == [(3, 100 + i) for i in range(40)]
    for o, e in zip(got, events):
        r = COMPILED.validate(e)
        assert (o.passed, o.violations) == (r.passed, r.violations)
    failing = list(validate_partition(COMPILED, events, partition=3, start=100, failures_only=True))
    assert failing == [o for o in got if not o.passed]
    assert failing and all(not o.passed for o in failing)


def test_raw_lines_decode_the_gateway_way_and_bad_lines_are_counted() -> None:
    lines: List[Any] = [
        json.dumps(order(1)),
        json.dumps(order(5)).encode(),  # bytes
        "{not json",
        "   \n",  # blank: skipped, its offset stays taken
        b'{"order_id": 1e400}',  # serde_json: number out of range
        bytearray(json.dumps(order(2)), "utf-8"),
        b"\xff\xfe",
    ]
    report = validate_chunk(COMPILED, lines, partition=1, failures_only=False)
    by_offset = {o.offset: o for o in report.outcomes}
    assert sorted(by_offset) == [0, 1, 2, 4, 5, 6]
    assert by_offset[0].passed and by_offset[5].passed
    assert by_offset[1].violations == COMPILED.validate(order(5)).violations
    for off, text in ((2, "key must be a string at line 1 column 2"),
                      (4, "number out of range at line 1 column 18")):
        (v,) = by_offset[off].violations
        assert (v.field, str(v.kind), v.message) == (ROOT_FIELD, PARSE_ERROR, text)
    assert str(by_offset[6].violations[0].kind) == PARSE_ERROR
    s = report.summary
    assert (s.total, s.passed, s.failed) == (6, 2, 4)
    assert s.counts[(ROOT_FIELD, PARSE_ERROR)] == 3


@pytest.mark.parametrize("line", ["\x0c", "\u00a0", " \u2028 ", b"\x0b", b"\x1c\n"])
def test_a_line_of_what_json_does_not_call_whitespace_is_not_blank(line: Any) -> None:
    """Blank lines are skipped as the CLI's readers skip them: JSON whitespace only
    (space, tab, CR, LF). A form feed, NBSP or U+2028 line was skipped as blank (Python's
    ``strip``) and passed, where the gateway refuses the line."""
    report = validate_chunk(COMPILED, [line], failures_only=False)
    (outcome,) = report.outcomes
    assert not outcome.passed
    assert str(outcome.violations[0].kind) == PARSE_ERROR
    assert validate_chunk(COMPILED, [" \t\r\n"], failures_only=False).outcomes == ()


def test_raw_lines_answer_alike_with_and_without_the_native_decoder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lines go through ``validate_json``: with msgspec (``contractgate[fast]``) integers
    beyond 64 bits reach the validator as ints, and a line whose integer is out of f64's
    range is still serde_json's positioned parse error, wherever the integer is."""
    from contractgate._validation.values import jsondecode

    pytest.importorskip("msgspec")
    big = "7" * 400
    lines: List[Any] = [
        json.dumps(order(1))[:-1] + ', "x": ' + big + "}",  # unknown field: out of range
        json.dumps({**order(2), "order_id": 10**25}),  # beyond u64: a float to serde_json
        json.dumps({**order(3), "total": -(10**30)}),
        json.dumps(order(4))[:-1] + ', "x": -0}',
        b'{"order_id": "' + b"-0" * 3 + b'", "total": 1e5}',
        json.dumps({**order(5), "items": [{"sku": "a", "qty": 2**64, "price": 1}]}),
    ]
    answers = []
    for native in (False, jsondecode.load_native()):
        monkeypatch.setattr(jsondecode, "_native", native)
        report = validate_chunk(COMPILED, lines, partition=0, failures_only=False)
        answers.append([(o.offset, o.passed, o.violations) for o in report.outcomes])
    assert answers[0] == answers[1]
    (first, *_) = answers[1]
    assert first[2][0].message.startswith("number out of range at line 1 column ")


def test_python_values_are_mapped_as_the_client_sends_them() -> None:
    tupled = order(1)
    tupled["items"] = tuple(tupled["items"])  # a tuple is a JSON array
    odd = order(1)
    odd["extra"] = {1, 2}  # a set is no JSON value, even in an undeclared field
    nan = order(1)
    nan["total"] = float("nan")
    got = list(validate_partition(COMPILED, [tupled, odd, nan]))
    assert got[0].passed
    for o in got[1:]:
        (v,) = o.violations
        assert (v.field, str(v.kind)) == (ROOT_FIELD, NOT_JSON_VALUE)
    assert "set" in got[1].violations[0].message
    assert "NaN" in got[2].violations[0].message


def test_partition_and_start_are_checked() -> None:
    for bad in (-1, 1.5, True, "0"):
        with pytest.raises(ValueError, match="partition must be an int"):
            validate_chunk(COMPILED, [], partition=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="start must be an int"):
        list(validate_partition(COMPILED, [], start=-5))
    with pytest.raises(ValueError, match="max_examples"):
        validate_chunk(COMPILED, [], max_examples=-1)


def test_summary_counts_rows_by_field_group_and_keeps_the_first_examples() -> None:
    lines = order_lines(600)
    s = validate_chunk(COMPILED, lines, partition=0, max_examples=3).summary
    assert s.total == 600
    expected_failed = sum(1 for line in lines if not _passes(line))
    assert s.failed == expected_failed
    # one row per rule: array positions fold into [*]
    assert ("items[*].qty", "range_violation") in s.counts
    assert not any("[0]" in f for f, _ in s.counts)
    qty = s.examples[("items[*].qty", "range_violation")]
    assert [e.offset for e in qty] == [5, 5, 16]  # both items of order 5, then order 16
    assert [e.field for e in qty] == ["items[0].qty", "items[1].qty", "items[0].qty"]
    assert all(len(ex) <= 3 for ex in s.examples.values())
    assert sum(s.counts.values()) == s.violations >= s.failed


def _passes(line: str) -> bool:
    try:
        return COMPILED.validate_json(line).passed
    except ValueError:
        return False


def test_merge_is_associative_commutative_with_an_identity() -> None:
    lines = order_lines(1500)
    parts = chunks(lines, 9)
    _, whole = reference(COMPILED, parts, max_examples=4)
    summaries = [
        validate_chunk(COMPILED, p, partition=i, max_examples=4).summary
        for i, p in enumerate(parts)
    ]
    rng = random.Random(7)
    for _ in range(25):
        order_ = summaries[:]
        rng.shuffle(order_)
        # a random binary tree over a random order
        items = order_[:]
        while len(items) > 1:
            k = rng.randrange(len(items) - 1)
            items[k : k + 2] = [items[k] + items[k + 1]]
        assert items[0] == whole
    assert sum(summaries, ValidationSummary()) == whole
    assert sum(summaries) == whole  # starts from 0
    assert reduce(lambda a, b: b + a, summaries) == whole
    assert ValidationSummary() + whole == whole == whole + ValidationSummary()
    # the summary of the concatenation, with positions shifted the same way
    flat = summarize_partition(COMPILED, lines, partition=0, max_examples=4)
    assert (flat.total, flat.passed, dict(flat.counts)) == (
        whole.total,
        whole.passed,
        dict(whole.counts),
    )


def test_examples_keep_the_smallest_positions_whatever_the_order() -> None:
    ex = [Example(p, o, "f", "m") for p in range(3) for o in range(4)]
    parts = [
        ValidationSummary(total=1, passed=0, counts={("f", "k"): 1},
                          examples={("f", "k"): (e,)}, max_examples=2)
        for e in ex
    ]
    rng = random.Random(3)
    for _ in range(10):
        rng.shuffle(parts)
        merged = sum(parts, ValidationSummary())
        assert merged.examples[("f", "k")] == (Example(0, 0, "f", "m"), Example(0, 1, "f", "m"))
        assert merged.counts[("f", "k")] == 12


def test_different_example_limits_do_not_merge() -> None:
    a = validate_chunk(COMPILED, order_lines(60), max_examples=2).summary
    b = validate_chunk(COMPILED, order_lines(60), partition=1, max_examples=3).summary
    with pytest.raises(ValueError, match="different max_examples"):
        a + b
    assert (ValidationSummary() + a).max_examples == 2
    with pytest.raises(TypeError):
        a + 1  # type: ignore[operator]


def test_summary_round_trips_through_dict_json_and_pickle() -> None:
    s = validate_chunk(COMPILED, order_lines(400), partition=2).summary
    d = s.to_dict()
    assert d["total"] == 400 and d["failed"] == s.failed
    assert d["violations"][0]["count"] == max(s.counts.values())
    assert ValidationSummary.from_dict(json.loads(s.to_json())) == s
    assert pickle.loads(pickle.dumps(s)) == s
    assert hash(pickle.loads(pickle.dumps(s))) == hash(s)
    with pytest.raises(ValueError, match="not a ValidationSummary"):
        ValidationSummary.from_dict({"violations": []})
    assert ValidationSummary.of(validate_partition(COMPILED, order_lines(400), partition=2)) == s


def test_summary_prints_as_a_table() -> None:
    s = validate_chunk(COMPILED, order_lines(300), partition=0, max_examples=2).summary
    text = str(s)
    head, blank, header, rule, *rest = text.splitlines()
    pct = f"{100 * s.failed / 300:.2f}"
    assert head == f"300 events: {s.passed} passed, {s.failed} failed ({pct}% failed)"
    assert blank == ""
    assert header.split() == ["field", "kind", "count", "first", "at", "(partition:offset)"]
    assert set(rule) <= {"-", " "}
    first = rest[0].split()
    assert first[:3] == [s.rows()[0][0], s.rows()[0][1], f"{s.rows()[0][2]:,}"]
    assert "first example of each:" in text
    assert "<root>" in text and "parse_error" in text
    assert str(ValidationSummary()) == "0 events: 0 passed, 0 failed"


def test_field_group() -> None:
    assert field_group("items[12].tags[0]") == "items[*].tags[*]"
    assert field_group("customer.id") == "customer.id"
    assert field_group(ROOT_FIELD) == ROOT_FIELD


def test_frame_records_null_cells() -> None:
    rows = [{"a": None, "b": float("nan"), "c": {"d": None, "e": 1}, "f": [None, 2.0]}]
    assert list(frame_records(rows, "absent")) == [{"c": {"e": 1}, "f": [None, 2.0]}]
    assert list(frame_records(rows, "null")) == [
        {"a": None, "b": None, "c": {"d": None, "e": 1}, "f": [None, 2.0]}
    ]
    with pytest.raises(ValueError, match="null_cells"):
        list(frame_records(rows, "drop"))


def test_event_outcome_forms() -> None:
    (o,) = validate_partition(COMPILED, [order(3)], partition=2, start=7)
    assert o.to_dict()["partition"] == 2 and o.to_dict()["offset"] == 7
    assert o.to_dict()["violations"][0]["kind"] == "enum_violation"
    assert pickle.loads(pickle.dumps(o)) == o
    assert EventOutcome(0, 0, True) == EventOutcome(0, 0, True, [])


def test_partition_keys_need_a_contract_id_not_a_name() -> None:
    from contractgate.partitions import partition_key

    cid = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"
    assert partition_key("job-1", cid, 2) == f"job-1:{cid}:p2"
    for bad in ("orders", "", cid + "0", cid + "\n", None):
        with pytest.raises(ValueError, match="contract_id must be the contract's id"):
            partition_key("job-1", bad, 0)  # type: ignore[arg-type]
    for bad_job in ("", "job 1", "job-1\n", "x" * 129, None):
        with pytest.raises(ValueError, match="job_id must be 1-128 printable ASCII"):
            partition_key(bad_job, cid, 0)  # type: ignore[arg-type]
    assert partition_key("x" * 128, cid, 0).startswith("x" * 128 + ":")
    assert partition_key("job-1", cid, 2, "1.0.0") == f"job-1:{cid}@1.0.0:p2"


def test_a_job_run_again_against_another_version_is_judged_by_it() -> None:
    """The partition key named the job, contract and partition but not a pinned
    ``version``: the same job run again against another version got the first run's
    stored answers back (the same bytes under the same key are a replay), judged by the
    other version, and stored nothing."""
    from cg_scaleout_testlib import scaleout_gateway

    from contractgate.partitions import ClientConfig, ingest_partition

    events = [{"user_id": "u1", "event_type": "view", "timestamp": 1}]
    with scaleout_gateway() as gw:
        config = ClientConfig(base_url=gw.base_url, api_key=gw.api_key)
        cid = gw.contract_id("user_events")
        runs = [
            ingest_partition(events, client=config, contract_id=cid, job_id="job-v",
                             partition=0, version=v)
            for v in ("1.0.0", "1.1.0", "1.1.0")
        ]  # fmt: skip
    assert [r.replayed_batches for r in runs] == [0, 0, 1]
    # 1.1.0 no longer accepts "view" events: only its verdicts fail the event
    assert [r.failed for r in runs] == [0, 1, 1]


# ---------------------------------------------------------------------------- the summary itself

KEY = ("f", "k")


def _one(p: int, o: int, field: str = "f") -> ValidationSummary:
    return ValidationSummary(
        total=1, passed=0, counts={(field, "k"): 1},
        examples={(field, "k"): (Example(p, o, field, "m"),)}, max_examples=2,
    )


def test_a_summary_is_checked_when_it_is_made() -> None:
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(ValueError, match=r"max_examples must be an int >= 0, got "):
            ValidationSummary(max_examples=bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=r"max_examples must be an int >= 0, got "):
            ValidationSummary.of([], max_examples=bad)  # type: ignore[arg-type]
    def unread() -> Any:
        raise AssertionError("a bad limit must fail before any event is read")
        yield  # pragma: no cover

    with pytest.raises(ValueError, match="max_examples must be an int >= 0, got -1"):
        validate_chunk(COMPILED, unread(), max_examples=-1)
    with pytest.raises(ValueError, match="max_examples must be an int >= 0, got -1"):
        summarize_partition(COMPILED, unread(), max_examples=-1)
    for entry in (validate_chunk, summarize_partition, validate_partition):
        with pytest.raises(TypeError, match=r"now must be Unix seconds .* not str: 'today'"):
            entry(COMPILED, unread(), now="today")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="now must be a finite number"):
            entry(COMPILED, unread(), now=float("nan"))
    with pytest.raises(ValueError, match="a summary with examples needs max_examples"):
        ValidationSummary(total=1, counts={KEY: 1}, examples={KEY: (Example(0, 0, "f", "m"),)})
    for total, passed in ((1, 2), (1, -1)):
        with pytest.raises(ValueError, match=rf"passed={passed} must lie in 0\.\.total={total}"):
            ValidationSummary(total=total, passed=passed)
    # the caller's dicts are copied: changing them later changes no summary
    counts = {KEY: 1}
    s = ValidationSummary(total=1, counts=counts)
    counts[KEY] = 5
    assert s.counts[KEY] == 1 and s.violations == 1


def test_equal_summaries_agree_on_everything() -> None:
    assert _one(0, 1) != _one(0, 2)  # same counts, another example
    assert ValidationSummary(max_examples=2) != ValidationSummary(max_examples=3)
    assert _one(0, 1) == _one(0, 1) and hash(_one(0, 1)) == hash(_one(0, 1))
    assert ValidationSummary.from_dict(ValidationSummary().to_dict()) == ValidationSummary()
    kept_none = ValidationSummary(total=2, counts={KEY: 2}, max_examples=0)
    assert ValidationSummary.from_dict(kept_none.to_dict()) == kept_none
    with pytest.raises(ValueError, match="not a ValidationSummary dict"):
        ValidationSummary.from_dict({"total": None, "passed": 0})
    with pytest.raises(TypeError):
        1 + _one(0, 0)  # type: ignore[operator]  # only sum()'s 0 starts a sum


def test_rows_of_equal_counts_come_by_name() -> None:
    s = _one(0, 0, "b") + _one(0, 1, "a") + _one(0, 2, "c") + _one(0, 3, "c")
    assert [(f, n) for f, _, n, _ in s.rows()] == [("c", 2), ("a", 1), ("b", 1)]


def test_examples_arriving_in_any_order_are_the_smallest_in_order() -> None:
    outcomes = list(validate_partition(COMPILED, order_lines(300), partition=1))
    forward = ValidationSummary.of(outcomes, max_examples=3)
    assert ValidationSummary.of(reversed(outcomes), max_examples=3) == forward
    shuffled = outcomes[:]
    random.Random(11).shuffle(shuffled)
    assert ValidationSummary.of(shuffled, max_examples=3) == forward
    for ex in forward.examples.values():
        assert list(ex) == sorted(ex)
    none_kept = ValidationSummary.of(outcomes, max_examples=0)
    assert dict(none_kept.examples) == {} and none_kept.counts == forward.counts


def test_a_summary_where_everything_passed_says_so() -> None:
    s = ValidationSummary.of(validate_partition(COMPILED, [order(1), order(2)]))
    assert s.failed == 0
    assert str(s) == "2 events: 2 passed, 0 failed (0.00% failed)"


def test_a_partition_is_read_as_ingest_reads_events() -> None:
    """One mapping is one event; a str is no partition of characters (refused at once,
    even by the lazy entry point)."""
    (o,) = validate_partition(COMPILED, order(3))
    assert (o.offset, o.passed) == (0, False)
    assert validate_chunk(COMPILED, order(1)).summary.total == 1
    assert summarize_partition(COMPILED, order(1)).total == 1
    for entry in (validate_partition, validate_chunk, summarize_partition):
        with pytest.raises(TypeError, match="events must be an iterable of JSON values"):
            entry(COMPILED, '{"order_id": "x"}')  # type: ignore[operator]


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"base_url": "ftp://gateway"}, ValueError, "http:// or https://"),
        ({"base_url": "http://u:secret@gw"}, ValueError, "user name or password"),
        ({"api_key": "   "}, ValueError, "api_key"),
        ({"api_key": "cg_key\nX-Injected: 1"}, ValueError, "api_key"),
        ({"org_id": "org\r\n"}, ValueError, "org_id"),
        ({"timeout": 0}, ValueError, "timeout"),
        ({"timeout": float("nan")}, ValueError, "timeout"),
        ({"timeout": "30"}, TypeError, "timeout"),
        ({"max_retries": 2.0}, TypeError, "max_retries"),
        ({"max_retries": True}, TypeError, "max_retries"),
    ],
)
def test_a_client_config_is_checked_where_it_is_made(
    kwargs: Any, error: type, words: str
) -> None:
    # Each task builds its Client from the config: a bad value used to surface only
    # there, once per task, after the graph was shipped.
    from contractgate.partitions import ClientConfig

    with pytest.raises(error, match=words) as info:
        ClientConfig(**kwargs)
    assert "secret" not in str(info.value) and "cg_key" not in str(info.value)


def test_a_client_config_leaves_unset_fields_to_each_worker(monkeypatch: Any) -> None:
    from contractgate.partitions import ClientConfig

    monkeypatch.delenv("CONTRACTGATE_BASE_URL", raising=False)
    cfg = ClientConfig()  # workers read CONTRACTGATE_BASE_URL / _API_KEY themselves
    assert cfg.base_url is None and cfg.api_key is None
    assert ClientConfig(base_url="http://127.0.0.1:9/", timeout=5).timeout == 5


def test_ingesting_raw_lines_sends_the_events_they_hold_as_validation_reads_them() -> None:
    """Validation reads a ``str``/``bytes`` item as one raw JSON event (an NDJSON line),
    but the partition ingest sent it as a JSON *string*: ``ingest_bag(read_text(...))``
    stored every event as a failing string ("Event must be a JSON object")."""
    from cg_scaleout_testlib import USER_EVENTS, scaleout_gateway, stored_ids, user_event

    from contractgate import EventEncodeError
    from contractgate.partitions import ClientConfig, ingest_partition

    lines: List[Any] = [json.dumps(user_event(i)) for i in range(20)]
    lines[3] = lines[3].encode()
    lines[5] = "  "  # blank: not sent, its offset kept (as validation does)
    lines[7] = user_event(7)  # a decoded event among the lines
    compiled = USER_EVENTS.compile()
    expected = validate_chunk(compiled, lines, partition=0).summary
    with scaleout_gateway() as gw:
        config = ClientConfig(base_url=gw.base_url, api_key=gw.api_key)
        cid = gw.contract_id("user_events")
        got = ingest_partition(lines, client=config, contract_id=cid, job_id="raw", partition=0)
        again = ingest_partition(
            (x for x in lines), client=config, contract_id=cid, job_id="raw2", partition=0
        )
        stored = sorted(stored_ids(gw, cid))
        with pytest.raises(EventEncodeError, match="partition 0, offset 1 is not JSON"):
            ingest_partition([lines[0], "{nope"], client=config, contract_id=cid,
                             job_id="bad", partition=0)  # fmt: skip
        with pytest.raises(TypeError, match="not str"):
            ingest_partition(lines[0], client=config, contract_id=cid, job_id="c",
                             partition=0)  # fmt: skip
    assert (got.total, got.passed, got.failed) == (19, 17, 2)
    assert got.summary == expected == again.summary
    assert stored == sorted(2 * [f"u{i:07d}" for i in range(20) if i != 5])
