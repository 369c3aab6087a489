# ruff: noqa: E501
"""The size limit: ``Compiled regex exceeds size limit of 10485760 bytes.`` exactly
where the crate says it (thresholds probed with regex 1.13.1 itself)."""

from __future__ import annotations

import pytest
from regex_testlib import display

from contractgate._validation.regex import hir as H
from contractgate._validation.regex import size as _size
from contractgate._validation.regex.parser import parse
from contractgate._validation.regex.translate import translate


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
        below = translate(fmt % n, parse(fmt % n))
        above = translate(fmt % (n + 1), parse(fmt % (n + 1)))
        assert not _size.exceeds_limit(below), fmt % n
        assert _size.exceeds_limit(above), fmt % (n + 1)


def test_size_decision_stops_once_over_the_limit() -> None:
    # Totals only grow, so the replay stops when the limit is passed; the public
    # estimate still counts everything.
    pattern = "\\w" * 6000
    h = translate(pattern, parse(pattern))
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
    h = translate(pattern, parse(pattern))
    assert isinstance(h, H.HConcat) and len({id(x) for x in h.subs}) == 1
    distinct = H.HConcat([H.HRepetition(0, 1, True, H.HLiteral("a")) for _ in range(3000)])
    assert _size.estimate(h) == _size.estimate(distinct)


def _words(n: int) -> str:
    """``bench/bench_regex.py``'s word list: distinct random words ending in z."""
    import random

    r = random.Random(2)
    letters = "abcdefghijklmnopqrstuvwxy"
    return "|".join(sorted({
        "".join(r.choice(letters) for _ in range(r.randint(4, 10))) + "z" for _ in range(n)
    }))


@pytest.mark.parametrize(
    "pattern",
    ["(a){5}\\w{3}", "(?i)" + _words(300), "(?:ab|cd|ef)+x", "^(?:\\pL\\d?){3,9}$", "(?:(a)|[é-ü]){0,4}\\z",
     "a{100}" * 50, "(?:\\d\\pL){2}" * 20, "\\b(?:x|\\w+)*?$"],
)
def test_one_replay_of_both_nfas_is_two_replays(pattern: str) -> None:
    # Both NFAs are priced in one walk (the reverse one's counts 2**96 higher in the
    # same integers): the same as one walk per NFA, bound and estimate alike.
    h = translate(pattern, parse(pattern))
    for bound in (False, True):
        both = _size._simulate(h, None, False, bound)
        assert both == (
            _size._simulate(h, False, False, bound)[0], _size._simulate(h, True, False, bound)[1]
        )


@pytest.mark.parametrize("n", [14542, 14543])
def test_a_word_list_at_the_limit_is_decided_exactly(n: int) -> None:
    # The largest case-insensitive list of these words the crate accepts (probed with
    # regex 1.13.1): k and s fold to non-ASCII classes, whose states the exact replay
    # counts with the crate's evicting hash caches.
    pattern = "(?i)" + _words(n)
    h = translate(pattern, parse(pattern))
    want = n > 14542
    assert _size.exceeds_limit(h) is want
    assert _size.exceeds_limit(h, bound_first=False) is want
    if not want:  # the estimate is within 2 % of the limit: the exact replay decides
        _fwd, rev = _size._simulate(h, None, False)
        assert _size.EXACT_BAND * _size.SIZE_LIMIT <= rev <= _size.SIZE_LIMIT


@pytest.mark.parametrize(
    ("unit", "count", "over"),
    [("\\w{3}", 69, False), ("\\w{3}", 70, True), ("\\pL{2}", 122, False),
     ("\\pL{2}", 123, True), ("(?:\\d\\pL){2}", 109, False), ("(?:\\d\\pL){2}", 110, True),
     ("\\d{20}", 102, False), ("\\d{20}", 103, True)],
)
def test_unicode_class_copies_at_the_limit_are_decided_exactly(
    unit: str, count: int, over: bool
) -> None:
    # The largest counts the crate accepts and one more (probed with pydantic-core's
    # regex 1.13). Every copy of a multi-byte class is replayed through the crate's
    # evicting suffix cache in the reverse NFA: a replay that kept an evicted state, or
    # did not store the states of a sequence after its first miss, accepts \w{3} x 70.
    pattern = unit * count
    h = translate(pattern, parse(pattern))
    assert _size.exceeds_limit(h) is over
    if not over:
        _fwd, rev = _size._simulate(h, None, False)
        assert _size.EXACT_BAND * _size.SIZE_LIMIT <= rev <= _size.SIZE_LIMIT


def test_the_exact_replay_prices_hash_free_parts_from_records() -> None:
    # Parts without non-ASCII classes do not depend on state ids: the exact replay adds
    # the cost the estimate recorded instead of walking them again, to the same total.
    pattern = "(?:ab|cd{2}|(e))\\pL" * 40
    h = translate(pattern, parse(pattern))
    records: _size.Records = {}
    _size._simulate(h, None, False, records=records)
    for reverse in (False, True):
        walked = _size._Sim(reverse, True)
        walked.run(h)
        priced = _size._Sim(reverse, True, records=records)
        priced.run(h)
        assert priced.b.total() == walked.b.total()
        assert priced.skipped == 40 and walked.skipped == 0
