"""The position automaton of a long chain of nullable copies stays small (``glushkov``).

``(?:a?\\b){77099}x``, at the crate's size limit, took 292 MB and 5 s to build on its
first search: each copy made its own dict of condition unions (60 000 equal frozensets
kept for 20 000 copies), its own ``{\\b}`` condition and its own null set. They are
shared for the whole build now (180 MB, 4 s at the limit). Measured with
``tracemalloc``; no timing is asserted.
"""

from __future__ import annotations

from regex_testlib import traced_peak

from contractgate._validation.regex import compile_pattern
from contractgate._validation.regex.bitnfa import BitNFA


def test_nullable_copies_with_a_look_share_their_conditions() -> None:
    m = compile_pattern("(?:a?\\b){10000}x")
    bits, peak = traced_peak(lambda: BitNFA(m.hir))
    assert peak < 22 << 20, peak  # 29 MB before, 15 MB now
    # and it answers as the DFA does
    for s in ["x", "ax", "a x", "aax", "ab", " " * 5 + "x", "a" * 30 + "y"]:
        assert bits.is_match(s) == m.dfa_is_match(s), s
