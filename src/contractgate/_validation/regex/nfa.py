"""A linear-time matcher: Thompson NFA simulated by a lazily built DFA.

``is_match`` only needs a yes/no answer, so a DFA state is just the set of NFA
states reached so far plus what the look-arounds need to know about the
previous character (start of text, ``\\n``, ``\\r``, word character).  Look-
arounds that look ahead are resolved when the next character is read, so a
transition is a function of (state, next character) and is cached per
character in a dict.  A character costs O(1) on a cache hit and O(closure)
on a miss.

Three things keep the cost per character small, not just linear:

* ``X{m,n}`` is ``X^m (X(X(X)?)?)?`` with every skip edge going straight to
  the end (as regex-automata's ``c_bounded``), so a state holds the copy it
  is in, not all the copies after it;
* an alternation of literals is one trie (``K_TRIE``): a state holds one
  trie node per live prefix instead of one NFA state per branch;
* the cache is bounded by an estimate of its memory (``MAX_CACHE_BYTES``)
  and is dropped when full, and a search whose misses cost more than
  ``THRASH_PER_CHAR`` closure steps per character (adversarial input on an
  exponential DFA), or more than the bit-parallel engine's own cost per character
  when that is higher (``BitNFA.work_per_char``, or what it measures on the text when
  that is lower: ``_measure``), hands over to the bit-parallel simulation of ``bitnfa``.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from . import hir as H
from .bitnfa import BitNFA, Unavailable
from .looks import EDGE, NEXT_SHIFT, char_bits, context_masks, holds
from .origin import Rebuildable, Source
from .thompson import K_CHAR, K_LOOK, K_MATCH, K_SPLIT, K_TRIE, Graph

#: Cache bounds: states, transitions, and estimated bytes (frozensets and dicts).
MAX_DFA_STATES = 20_000
MAX_TRANSITIONS = 400_000
MAX_CACHE_BYTES = 8 << 20
_STATE_BYTES = 400  # a _State dict, its frozenset and the interning entry
_MEMBER_BYTES = 40  # per NFA state in the frozenset (measured: estimate within 30 %)
_TRANSITION_BYTES = 80  # per dict entry, amortised over resizes

#: A search hands over to ``bitnfa`` once its cache misses have cost more than
#: ``THRASH_SLACK + THRASH_PER_CHAR * characters`` work units: a unit is an NFA
#: state visited by a closure, and a miss costs ``MISS_UNITS`` on top (building a
#: state is worth that many closure steps), so a search that misses at almost
#: every character hands over even when its closures are small.
THRASH_PER_CHAR = 32
THRASH_SLACK = 50_000
MISS_UNITS = 40
#: When the bit-parallel engine's estimate is above that allowance, its cost is measured
#: once on this many characters of the text (ending where the search stands, or the
#: text's first ones), and the lower of the two figures is the allowance.
PROBE_CHARS = 512
#: Literal alternations with at least this many branches become a trie.
TRIE_MIN_BRANCHES = 3
#: Take the look kinds from the graph instead of walking the HIR again (the tests turn it
#: off to compare).
_GRAPH_LOOKS = True


class NFA(Graph):
    """The Thompson NFA of the lazy DFA: literal alternations are tries."""

    trie_min = TRIE_MIN_BRANCHES

    def bounds(self) -> List[Tuple[List[int], List[int]]]:
        """Per class: the sorted lower and upper ends of its ranges (for bisection)."""
        return [([lo for lo, _ in rs], [hi for _, hi in rs]) for rs in self.classes]


class _State(Dict[str, object]):
    """A DFA state: a dict char -> next state (or True / False once decided)."""

    __slots__ = ("ctx", "eoi", "states")

    def __init__(self, states: FrozenSet[int], ctx: int) -> None:
        # (dict.__new__ already made the empty mapping; no super().__init__ call.)
        self.states = states
        self.ctx = ctx
        self.eoi: Optional[bool] = None


class _Cache:
    __slots__ = ("bytes", "ids", "ntrans", "start")

    def __init__(self) -> None:
        self.ids: Dict[Tuple[FrozenSet[int], int], _State] = {}
        self.ntrans = 0
        self.bytes = 0
        self.start: Optional[_State] = None


class Stats:
    """Work counters (instrumentation for tests and benchmarks; updated without a lock,
    so under concurrent use they are approximate)."""

    __slots__ = ("closure_steps", "evictions", "handovers", "misses", "states_built")

    def __init__(self) -> None:
        self.states_built = 0  # DFA states created
        self.misses = 0  # transitions computed (cache misses)
        self.closure_steps = 0  # NFA states visited while computing transitions
        self.evictions = 0  # times the cache was dropped because it was full
        self.handovers = 0  # searches handed to the bit-parallel simulation

    def work(self) -> int:
        """Work units of the thrash rule (closure steps plus ``MISS_UNITS`` per miss)."""
        return self.closure_steps + MISS_UNITS * self.misses

    def snapshot(self) -> Dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}


class LazyDFA(Rebuildable):
    """``is_match`` over a compiled NFA (unanchored unless the pattern is anchored).

    Thread-safe: transitions are only ever added to a state's dict, new states
    are interned under a lock, and when the cache is full a fresh cache is
    swapped in while searches in flight keep using the states they hold.
    Pickles by reference to its pattern (``source``), never its cache or lock.
    """

    part = "dfa"

    def __init__(self, hir: H.Hir, source: Optional[Source] = None) -> None:
        nfa = NFA()
        match = nfa.add(K_MATCH, [])
        self.hir = hir
        self.source = source
        self.nfa = nfa
        self.match_state = match
        self.start = nfa.compile(hir, match)
        self._bounds = nfa.bounds()
        self.anchored = H.anchored_start(hir)
        # (the looks the graph tests are the HIR's unless a part was left out)
        looks = H.look_set(hir) if nfa.dropped or not _GRAPH_LOOKS else nfa.looks
        self.ctx_mask = context_masks(looks)[0]
        self.stats = Stats()
        self._char_bits: Dict[str, int] = {}
        self._lock = threading.Lock()
        self._bits: Any = None  # bitnfa.BitNFA built on the first hand-over; False: too large
        # work units per character a search may spend on misses before it hands over
        # (raised to the bit-parallel engine's own cost once that is built)
        self._per_char = THRASH_PER_CHAR
        self._bits_cost: Optional[int] = None  # the bit engine's cost per character
        self._cache = self._new_cache()

    def _new_cache(self) -> _Cache:
        cache = _Cache()
        cache.start = self._intern(cache, frozenset([self.start]), EDGE & self.ctx_mask)
        return cache

    def _intern(self, cache: _Cache, states: FrozenSet[int], ctx: int) -> _State:
        key = (states, ctx)
        got = cache.ids.get(key)
        if got is None:
            got = _State(states, ctx)
            cache.ids[key] = got
            cache.bytes += _STATE_BYTES + _MEMBER_BYTES * len(states)
            self.stats.states_built += 1
        return got

    def bits_of(self, c: str) -> int:
        """``looks.char_bits(c)``, cached for the first 10 000 distinct characters."""
        got = self._char_bits.get(c)
        if got is None:
            got = char_bits(c)
            if len(self._char_bits) < 10_000:
                self._char_bits[c] = got
        return got

    def ctx_of(self, c: str) -> int:
        """The bits of ``c`` a state keeps about its previous character."""
        return self.bits_of(c) & self.ctx_mask

    def _closure(self, states: FrozenSet[int], b: int) -> List[int]:
        """The states reached from ``states`` over ε-edges at the boundary ``b``."""
        nfa = self.nfa
        kinds, looks, nexts, alts = nfa.kind, nfa.look, nfa.out, nfa.alts
        seen = set()
        out: List[int] = []
        stack = list(states)
        held: Dict[str, bool] = {}  # each look at ``b``, decided once per walk
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            k = kinds[s]
            if k == K_SPLIT:
                stack.extend(alts[s])
            elif k == K_LOOK:
                ok = held.get(looks[s])
                if ok is None:
                    ok = held[looks[s]] = holds(looks[s], b)
                if ok:
                    stack.append(nexts[s])
            else:
                out.append(s)
                if k == K_TRIE and nexts[s] >= 0:
                    stack.append(nexts[s])
        self.stats.closure_steps += len(seen)
        return out

    def _step(self, state: _State, c: str) -> object:
        """The next state after ``c`` (a _State), or True (matched) / False (dead).

        The closure (with look-arounds decided by ``c``) and the step over ``c``
        are one walk: this is the cost of a cache miss."""
        nfa = self.nfa
        kinds, looks, nexts, alts, trie, cls, bounds = (
            nfa.kind, nfa.look, nfa.out, nfa.alts, nfa.trie, nfa.cls, self._bounds
        )
        cbits = self._char_bits.get(c)
        if cbits is None:
            cbits = self.bits_of(c)
        b = state.ctx | cbits << NEXT_SHIFT
        o = ord(c)
        new: List[int] = []
        seen = set()
        stack = list(state.states)
        held: Dict[str, bool] = {}  # each look at ``b``, decided once per walk
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            k = kinds[s]
            if k == K_CHAR:
                los, his = bounds[cls[s]]
                i = bisect_right(los, o) - 1
                if i >= 0 and o <= his[i]:
                    new.append(nexts[s])
            elif k == K_SPLIT:
                stack.extend(alts[s])
            elif k == K_LOOK:
                ok = held.get(looks[s])
                if ok is None:
                    ok = held[looks[s]] = holds(looks[s], b)
                if ok:
                    stack.append(nexts[s])
            elif k == K_TRIE:
                child = trie[s].get(c)
                if child is not None:
                    new.append(child)
                if nexts[s] >= 0:
                    stack.append(nexts[s])
            else:
                self.stats.closure_steps += len(seen)
                return True  # K_MATCH
        self.stats.closure_steps += len(seen)
        if not self.anchored:
            new.append(self.start)
        elif not new:
            return False
        nctx = cbits & self.ctx_mask
        key = (frozenset(new), nctx)
        with self._lock:
            cache = self._cache
            if (
                len(cache.ids) >= MAX_DFA_STATES
                or cache.ntrans >= MAX_TRANSITIONS
                or cache.bytes >= MAX_CACHE_BYTES
            ):
                cache = self._cache = self._new_cache()
                self.stats.evictions += 1
            cache.ntrans += 1
            cache.bytes += _TRANSITION_BYTES
            got = cache.ids.get(key)
            if got is None:
                got = _State(key[0], nctx)
                cache.ids[key] = got
                cache.bytes += _STATE_BYTES + _MEMBER_BYTES * len(key[0])
                self.stats.states_built += 1
            return got

    def at_eoi(self, state: _State) -> bool:
        got = state.eoi
        if got is None:
            closed = self._closure(state.states, state.ctx | EDGE << NEXT_SHIFT)
            got = any(self.nfa.kind[s] == K_MATCH for s in closed)
            state.eoi = got
        return got

    def is_match(self, s: str) -> bool:
        st: Any = self._cache.start
        stats = self.stats
        watch = self._bits is not False  # False: the bit-parallel engine is unavailable
        per_char = self._per_char
        # the slack is as many characters of that allowance as THRASH_SLACK is of the
        # default one (a warm-up burst of misses is not thrashing)
        limit = stats.work() + THRASH_SLACK * per_char // THRASH_PER_CHAR
        i = 0
        for c in s:
            nx = st.get(c)
            if nx is None:
                stats.misses += 1
                nx = st[c] = self._step(st, c)
                # (a decided search returns below: no hand-over, not even a build, for it)
                if watch and nx is not True and nx is not False and (
                    stats.closure_steps + MISS_UNITS * stats.misses > limit + per_char * i
                ):
                    bits = self.bit_engine()
                    if bits is None:
                        watch = False
                    else:
                        # hand over only if the bit-parallel engine is cheaper per character
                        cost = self._bits_cost
                        if cost is None:
                            cost = self._bits_cost = self._measure(bits, s, i, per_char)
                        if per_char < cost:
                            limit += THRASH_SLACK * (cost - per_char) // THRASH_PER_CHAR
                            per_char = self._per_char = cost
                        if stats.work() > limit + per_char * i:
                            stats.handovers += 1
                            return bool(bits.is_match(s))
            if nx is True:
                return True
            if nx is False:
                return False
            st = nx
            i += 1
        return self.at_eoi(st)

    def _measure(self, bits: BitNFA, s: str, i: int, per_char: int) -> int:
        """The bit engine's cost per character: its estimate (every test over the whole
        pattern) or, when that is above ``per_char``, what it measures on
        ``PROBE_CHARS`` characters of ``s`` if lower (``BitNFA.measured_work_per_char``)."""
        cost = bits.work_per_char()
        if per_char < cost:
            end = max(i + 1, PROBE_CHARS)
            cost = min(cost, bits.measured_work_per_char(s[max(0, end - PROBE_CHARS):end]))
        return cost

    def bit_engine(self) -> Optional[BitNFA]:
        """The bit-parallel engine of this pattern, built on first use (None: the
        pattern is too large for it)."""
        bits = self._bits
        if bits is None:
            try:
                bits = self._bits = BitNFA(self.hir, self.source)
            except Unavailable:
                bits = self._bits = False
        return bits if bits is not False else None

