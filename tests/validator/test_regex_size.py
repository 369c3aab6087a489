# ruff: noqa: E501
"""The size limit: ``Compiled regex exceeds size limit of 10485760 bytes.`` exactly
where the crate says it (thresholds probed with regex 1.13.1 itself)."""

from __future__ import annotations

import pytest
from regex_testlib import display

from contractgate._validation.regex import hir as H
from contractgate._validation.regex import size as _size
from contractgate._validation.regex.parser import parse


@pytest.mark.parametrize(
    "pattern",
    ["a{1000000}", "\\w{220}", "(?:a{1000}){1000}", "a{327674}", "\\d{3000}", "(?:ab|cd){41610}"],
)
def test_size_limit(pattern: str) -> None:
    assert display(pattern) == "Compiled regex exceeds size limit of 10485760 bytes."


@pytest.mark.parametrize(
    "pattern", ["a{327673}", "\\w{150}", "[a-z]{3,50}", "\\w{3,50}", "(?:ab|cd){41609}", ".{1,1000}"]
)
def test_below_size_limit(pattern: str) -> None:
    assert display(pattern) is None


def test_size_estimate_matches_rust_thresholds() -> None:
    # Largest counts the Rust crate accepts (probed with the crate itself).
    for fmt, n in [(".{%d}", 10485), ("(a){%d}", 109224), ("(?i)k{%d}", 44430), ("a{0,%d}", 145631)]:
        below = H.translate(fmt % n, parse(fmt % n))
        above = H.translate(fmt % (n + 1), parse(fmt % (n + 1)))
        assert not _size.exceeds_limit(below), fmt % n
        assert _size.exceeds_limit(above), fmt % (n + 1)


def test_size_decision_stops_once_over_the_limit() -> None:
    # Totals only grow, so the replay stops when the limit is passed; the public
    # estimate still counts everything.
    pattern = "\\w" * 6000
    h = H.translate(pattern, parse(pattern))
    full = _size.estimate(h)
    assert min(full) > 10 * _size.SIZE_LIMIT
    sim = _size._Sim(False, False, stop=_size.SIZE_LIMIT)
    sim.run(h)
    assert _size.SIZE_LIMIT < sim.b.total() < full[0] // 10
    assert _size.exceeds_limit(h)


def test_copies_of_one_shared_node_are_priced_once() -> None:
    # ``a?`` repeated translates to one shared HIR node; the estimate is the same
    # as for distinct equal nodes.
    pattern = "a?" * 3000
    h = H.translate(pattern, parse(pattern))
    assert isinstance(h, H.HConcat) and len({id(x) for x in h.subs}) == 1
    distinct = H.HConcat([H.HRepetition(0, 1, True, H.HLiteral("a")) for _ in range(3000)])
    assert _size.estimate(h) == _size.estimate(distinct)
