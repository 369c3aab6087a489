"""Patterns that are one alternation of plain literals: a set or an Aho-Corasick scan.

``w1|w2|...|wK`` (optionally between ``^``/``\\A`` and ``$``/``\\z``) is common for
enumerations and deny-lists.  Backtracking tries every branch at every position
and a DFA state holds one NFA state per live branch prefix; here

* ``^(?:...)$`` is ``s in words``;
* ``^(?:...)`` / ``(?:...)$`` walk a trie of the words / of the reversed words
  from that end of ``s`` (at most the longest word's length in look-ups);
* unanchored, an Aho-Corasick automaton scans ``s`` once: amortised O(1) dict
  look-ups per character, whatever ``K`` (failure links are followed at most
  as often as characters are read).

The tries are built with the pattern (``compile_pattern``), not on first use.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

from . import hir as H
from .origin import Rebuildable, Source


def literal_set(h: H.Hir) -> Optional[Tuple[bool, List[str], bool]]:
    """``(starts, words, ends)`` if ``h`` is ``[\\A] (w1|...|wK) [\\z]``, K ≥ 2, else None."""
    subs = list(h.subs) if isinstance(h, H.HConcat) else [h]
    starts = bool(subs) and isinstance(subs[0], H.HLook) and subs[0].look == H.START
    if starts:
        subs = subs[1:]
    ends = bool(subs) and isinstance(subs[-1], H.HLook) and subs[-1].look == H.END
    if ends:
        subs = subs[:-1]
    if len(subs) != 1:
        return None
    alt = subs[0]
    while isinstance(alt, H.HCapture):
        alt = alt.sub
    if not isinstance(alt, H.HAlternation):
        return None
    words: List[str] = []
    for s in alt.subs:
        while isinstance(s, H.HCapture):
            s = s.sub
        if not isinstance(s, H.HLiteral) or not s.chars:
            return None
        words.append(s.chars)
    return starts, words, ends


def _trie(words: FrozenSet[str]) -> Tuple[List[Dict[str, int]], List[bool]]:
    goto: List[Dict[str, int]] = [{}]
    hit = [False]
    for w in words:
        node = 0
        for c in w:
            nxt = goto[node].get(c)
            if nxt is None:
                nxt = len(goto)
                goto.append({})
                hit.append(False)
                goto[node][c] = nxt
            node = nxt
        hit[node] = True
    return goto, hit


def _walk(goto: List[Dict[str, int]], hit: List[bool], chars: Iterable[str]) -> bool:
    """Is some word a prefix of ``chars``?  At most (longest word) look-ups."""
    node = 0
    for c in chars:
        node = goto[node].get(c, 0)
        if not node:
            return False
        if hit[node]:
            return True
    return False


class LiteralSet(Rebuildable):
    """``is_match`` for ``[\\A] (w1|...|wK) [\\z]`` with Rust semantics (every word
    non-empty).  Pickles by reference to its pattern (``source``)."""

    part = "literals"

    def __init__(
        self, starts: bool, words: List[str], ends: bool, *, source: Optional[Source] = None
    ) -> None:
        self.source = source
        self.starts = starts
        self.ends = ends
        self.words: FrozenSet[str] = frozenset(words)
        self._tables: Optional[Tuple[List[Dict[str, int]], List[bool], List[int]]] = None
        self._reversed: Optional[Tuple[List[Dict[str, int]], List[bool]]] = None
        self.steps = 0  # instrumentation: trie look-ups of the unanchored scan
        # Built here, with the pattern, not by the first value (~1 s for 30 000 words).
        if ends and not starts:
            self._reversed = _trie(frozenset(w[::-1] for w in self.words))
        elif not ends:
            self._automaton()

    def is_match(self, s: str) -> bool:
        if self.starts and self.ends:
            return s in self.words
        if self.ends:
            if self._reversed is None:
                self._reversed = _trie(frozenset(w[::-1] for w in self.words))
            return _walk(*self._reversed, reversed(s))
        goto, hit, fail = self._automaton()
        if self.starts:
            return _walk(goto, hit, s)
        node = 0
        steps = 0
        for c in s:
            edges = goto[node]
            while node and c not in edges:
                node = fail[node]
                edges = goto[node]
                steps += 1
            node = edges.get(c, 0)
            steps += 1
            if hit[node]:
                self.steps += steps
                return True
        self.steps += steps
        return False

    def _automaton(self) -> Tuple[List[Dict[str, int]], List[bool], List[int]]:
        """The trie with Aho-Corasick failure links (``hit``: a word ends here or at a
        node on the failure chain), built on first use."""
        if self._tables is None:
            goto, hit = _trie(self.words)
            fail = [0] * len(goto)
            queue = list(goto[0].values())
            head = 0
            while head < len(queue):
                node = queue[head]
                head += 1
                for c, child in goto[node].items():
                    f = fail[node]
                    while f and c not in goto[f]:
                        f = fail[f]
                    g = goto[f].get(c, 0)
                    fail[child] = g if g != child else 0
                    hit[child] = hit[child] or hit[fail[child]]
                    queue.append(child)
            self._tables = (goto, hit, fail)
        return self._tables
