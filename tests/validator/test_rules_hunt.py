"""Edges of the per-event quality rules and metrics (spec §4.9–§4.10) and of the
injectable clock: values without a JSON form at a rule's path, and ``now`` at the edges
of what a clock can say. Each case runs on both paths (generated code and reference
closures), through ``validate``, ``is_valid`` and ``validate_batch``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable, List

import pytest

from contractgate import CompiledContract, Contract, EventDecodeError, EventTypeError

I64_MAX = 2**63 - 1
I64_MIN = -(2**63)

RULES = """
version: "1"
name: t
ontology:
  entities:
    - {name: declared, type: any, required: false}
quality:
  - {field: ts, type: freshness, max_age_seconds: 0}
  - {field: c, type: completeness}
metrics:
  - {name: m, field: mm, min: 0}
"""


def _both(yaml: str = RULES) -> List[CompiledContract]:
    c = Contract.from_yaml(yaml)
    return [c.compile(), c.compile(reference=True)]


def _calls(compiled: CompiledContract) -> List[Callable[..., Any]]:
    return [
        compiled.validate,
        compiled.is_valid,
        lambda ev, now=None: compiled.validate_batch([ev], now=now),
    ]


def _age_message(age: int) -> str:
    return f"Quality freshness: field 'ts' timestamp is {age}s old (max 0s)"


# -- values without a JSON form at a rule's path ----------------------------------------
#
# The gateway never sees such a value: its JSON text does not exist (a set, a datetime,
# NaN) or is refused ("number out of range"). The ontology raises the typed error for
# them wherever it inspects a value; the rules gave a verdict instead (freshness: "not a
# numeric Unix timestamp"; completeness: a pass; a metric: "missing or not numeric").

NO_JSON_FORM = [
    pytest.param(float("nan"), EventTypeError, id="nan"),
    pytest.param(float("inf"), EventTypeError, id="inf"),
    pytest.param(datetime(2025, 1, 1, tzinfo=timezone.utc), EventTypeError, id="datetime"),
    pytest.param({1, 2}, EventTypeError, id="set"),
    pytest.param(Decimal("1750000000"), EventTypeError, id="decimal"),
    pytest.param(b"x", EventTypeError, id="bytes"),
    pytest.param(10**400, EventDecodeError, id="int-beyond-f64"),
]


@pytest.mark.parametrize(("value", "error"), NO_JSON_FORM)
@pytest.mark.parametrize("key", ["ts", "c", "mm"])
def test_a_rule_reading_a_value_without_json_form_raises_the_typed_error(
    key: str, value: Any, error: type
) -> None:
    event = {"ts": 1_750_000_000, "c": "x", "mm": 1, key: value}
    for compiled in _both():
        for call in _calls(compiled):
            with pytest.raises(error):
                call(event, now=1_750_000_000)


def test_values_with_a_json_form_keep_their_verdicts() -> None:
    """The typed error is for values without JSON text only: ints beyond 64 bits (within
    f64) are floats, so not timestamps; nested containers are not looked into."""
    event = {"ts": 2**64, "c": {"k": [1, {"z": None}]}, "mm": 2**64}
    for compiled in _both():
        r = compiled.validate(event, now=1_750_000_000)
        assert [v.message for v in r.violations] == [
            "Quality freshness: field 'ts' is not a numeric Unix timestamp"
        ]


# -- the clock --------------------------------------------------------------------------

FRESH = """
version: "1"
name: t
ontology:
  entities: []
quality:
  - {field: ts, type: freshness, max_age_seconds: 0}
"""


@pytest.mark.parametrize(
    "now",
    [
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone.utc),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone(-timedelta(hours=5))),
        datetime(3000, 1, 1, 0, 0, 0, 999_999, tzinfo=timezone.utc),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
        datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone.utc),
    ],
)
def test_a_datetime_clock_is_read_to_the_exact_second(now: datetime) -> None:
    """``datetime.timestamp()`` is a float: late in year 9999 (or 3000) a time 1 us
    before a whole second rounds up to it, and the age was a second too large."""
    seconds = (now - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(seconds=1)
    for compiled in _both(FRESH):
        r = compiled.validate({"ts": 0}, now=now)
        want = [_age_message(seconds)] if seconds != 0 else []
        assert [v.message for v in r.violations] == want
        r = compiled.validate_json(b'{"ts": 0}', now=now)
        assert [v.message for v in r.violations] == want


def test_a_naive_datetime_is_local_time_read_exactly() -> None:
    now = datetime(9999, 12, 30, 23, 59, 59, 999_999)
    local = now.astimezone()
    seconds = (local - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(seconds=1)
    for compiled in _both(FRESH):
        r = compiled.validate({"ts": 0}, now=now)
        assert [v.message for v in r.violations] == [_age_message(seconds)]


def test_a_naive_datetime_the_local_clock_cannot_read_is_named() -> None:
    """``datetime.min`` as local time is before year 1 in UTC: a raw ``ValueError: year
    0 is out of range`` (or ``OverflowError``) came out of the freshness rule."""
    now = datetime.min
    try:
        local = now.astimezone()
    except (OverflowError, ValueError, OSError):
        local = None
    for compiled in _both(FRESH):
        for call in (*_calls(compiled), compiled.validate_many):
            if local is None:
                with pytest.raises(ValueError, match="now must be"):
                    call({"ts": 0}, now=now)


@pytest.mark.parametrize(
    "now",
    [I64_MAX + 1, 2**70, 10**400, -(10**5000), I64_MIN - 1, 1e19, -1e19, 1e300],
    ids=["i64-max+1", "2**70", "10**400", "-10**5000", "i64-min-1", "1e19", "-1e19", "1e300"],
)
def test_a_clock_beyond_the_engines_64_bit_seconds_is_named(now: Any) -> None:
    """The engine's clock is an i64 of seconds. Beyond it, ``now`` wrapped into a
    plausible age (``now=2**70``: "-1750000000s old") or, for an int beyond a double,
    raised a raw ``OverflowError: int too large to convert to float``."""
    for compiled in _both(FRESH):
        for call in (*_calls(compiled), compiled.validate_many):
            with pytest.raises(ValueError, match="now must be"):
                call({"ts": 1_750_000_000}, now=now)
        with pytest.raises(ValueError, match="now must be"):
            compiled.validate_json(b'{"ts": 0}', now=now)


@pytest.mark.parametrize(("now", "age"), [(I64_MAX, I64_MAX), (float(I64_MIN), I64_MIN)])
def test_the_clocks_64_bit_edges_are_read(now: Any, age: int) -> None:
    for compiled in _both(FRESH):
        r = compiled.validate({"ts": 0}, now=now)
        assert [v.message for v in r.violations] == [_age_message(age)]
