"""The literal trie's size counted from the sorted literals (``trie_size``) equals the trie
built node by node, as regex-automata's ``LiteralTrie::compile`` builds it (the oracle
below, the replay ``size`` used before), and stays small in memory: the node-by-node
replay took about 500 bytes per byte of pattern (1 GB for a 1 MB alternation of
non-ASCII words on its way to the size-limit error).
"""

from __future__ import annotations

import random
import tracemalloc
from typing import Dict, List, Tuple

import pytest

from contractgate._validation.regex import RegexCompileError, compile_pattern
from contractgate._validation.regex.size import STATE_ID, TRANSITION
from contractgate._validation.regex.trie_size import trie_cost


def _trie_by_nodes(literals: List[bytes]) -> Tuple[int, int]:
    """The trie built node by node: per inner node one state per chunk plus a union."""
    nodes: List[Tuple[Dict[int, int], List[List[int]]]] = [({}, [[]])]
    for lit in literals:
        cur = 0
        for b in lit:
            trans, chunks = nodes[cur]
            nxt = trans.get(b)
            if nxt is None:
                nxt = len(nodes)
                nodes.append(({}, [[]]))
                trans[b] = nxt
                chunks[-1].append(b)
            cur = nxt
        trans, chunks = nodes[cur]
        if not (not trans and len(chunks) > 1):
            chunks.append([])
    states, mem = 1, 0
    for trans, chunks in nodes:
        if not trans:
            continue
        alternates = 0
        for i, chunk in enumerate(chunks):
            if i > 0:
                alternates += 1
            if chunk:
                states += 1
                if len(chunk) > 1:
                    mem += TRANSITION * len(chunk)
                alternates += 1
        states += 1
        mem += STATE_ID * alternates
    return states, mem


def _literals(r: random.Random) -> List[bytes]:
    """Random literals over a small alphabet: shared prefixes, literals that are prefixes
    of others (before and after them), duplicates, the empty literal, long tails."""
    alphabet = r.choice([b"ab", b"abc", bytes(range(256))])
    out: List[bytes] = []
    for _ in range(r.randint(0, 40)):
        k = r.random()
        if out and k < 0.25:
            base = r.choice(out)
            out.append(base[: r.randint(0, len(base))])  # a prefix of an earlier one
        elif out and k < 0.5:
            base = r.choice(out)
            out.append(base + bytes(r.choice(alphabet) for _ in range(r.randint(0, 4))))
        elif out and k < 0.55:
            out.append(r.choice(out))  # a duplicate
        else:
            n = r.choice([0, 1, 2, 3, 5, 30])
            out.append(bytes(r.choice(alphabet) for _ in range(n)))
    return out


@pytest.mark.parametrize("seed", range(400))
def test_counted_from_sorted_literals_as_built_node_by_node(seed: int) -> None:
    lits = _literals(random.Random(seed))
    assert trie_cost(lits, TRANSITION, STATE_ID) == _trie_by_nodes(lits), lits


def test_words_and_their_prefixes_in_both_orders() -> None:
    words = [b"abc", b"ab", b"a", b"abd", b"", b"b", b"abc", b"ba", b"abcd"]
    for lits in (words, words[::-1], sorted(words)):
        assert trie_cost(lits, TRANSITION, STATE_ID) == _trie_by_nodes(lits)


def test_a_megabyte_alternation_of_non_ascii_words_stays_small() -> None:
    """20 000 words of 50 ``é`` and one CJK character: the size-limit error (as the
    crate's), counted in a few MB instead of 1 GB (tracemalloc's peak, the pattern
    itself and its parse included)."""
    words = "|".join("é" * 50 + chr(0x4E00 + i) for i in range(20_000))
    pattern = f"(?:{words})"
    tracemalloc.start()
    try:
        with pytest.raises(RegexCompileError, match="exceeds size limit"):
            compile_pattern(pattern)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, peak
