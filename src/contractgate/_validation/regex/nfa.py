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
  exponential DFA) hands over to the bit-parallel simulation of ``bitnfa``.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from . import hir as H
from . import unicode as U
from .charset import Ranges

K_CHAR = 0
K_SPLIT = 1
K_LOOK = 2
K_MATCH = 3
K_TRIE = 4

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
#: Literal alternations with at least this many branches become a trie.
TRIE_MIN_BRANCHES = 3

# Context bits describing the previous character.
C_START = 1
C_NL = 2
C_CR = 4
C_UWORD = 8
C_AWORD = 16


def is_aword(c: str) -> bool:
    """ASCII word character (``[0-9A-Za-z_]``), as the ``Ascii`` word boundaries read it."""
    return c == "_" or ("0" <= c <= "9") or ("A" <= c <= "Z") or ("a" <= c <= "z")


class NFA:
    """States are parallel lists: kind, class index, look kind, successors, trie edges."""

    def __init__(self) -> None:
        self.kind: List[int] = []
        self.cls: List[int] = []
        self.look: List[str] = []
        self.nexts: List[List[int]] = []
        self.trie: Dict[int, Dict[str, int]] = {}
        self.classes: List[Tuple[List[int], List[int]]] = []
        self._class_ids: Dict[Ranges, int] = {}

    def add(self, kind: int, nexts: List[int], cls: int = -1, look: str = "") -> int:
        self.kind.append(kind)
        self.cls.append(cls)
        self.look.append(look)
        self.nexts.append(nexts)
        return len(self.kind) - 1

    def class_id(self, rs: Ranges) -> int:
        got = self._class_ids.get(rs)
        if got is None:
            got = len(self.classes)
            self.classes.append(([lo for lo, _ in rs], [hi for _, hi in rs]))
            self._class_ids[rs] = got
        return got

    def compile(self, h: H.Hir, nxt: int) -> int:
        """Compile ``h`` so that it continues at ``nxt``; return its start state."""
        if isinstance(h, H.HEmpty):
            return nxt
        if isinstance(h, H.HLiteral):
            for c in reversed(h.chars):
                o = ord(c)
                nxt = self.add(K_CHAR, [nxt], cls=self.class_id(((o, o),)))
            return nxt
        if isinstance(h, H.HClass):
            return self.add(K_CHAR, [nxt], cls=self.class_id(h.ranges))
        if isinstance(h, H.HLook):
            return self.add(K_LOOK, [nxt], look=h.look)
        if isinstance(h, H.HCapture):
            return self.compile(h.sub, nxt)
        if isinstance(h, H.HConcat):
            for s in reversed(h.subs):
                nxt = self.compile(s, nxt)
            return nxt
        if isinstance(h, H.HAlternation):
            words = [s.chars for s in h.subs if isinstance(s, H.HLiteral)]
            if len(words) == len(h.subs) and len(words) >= TRIE_MIN_BRANCHES:
                return self.compile_trie(words, nxt)
            outs = [self.compile(s, nxt) for s in h.subs]
            return self.add(K_SPLIT, outs)
        assert isinstance(h, H.HRepetition)
        sub = h.sub
        if h.max is None:
            # X* is one looping copy; X{m,} is X^(m-1) X+ (as regex-automata's
            # c_at_least), so nested unbounded repetitions stay linear in size.
            loop = self.add(K_SPLIT, [])
            body = self.compile(sub, loop)
            self.nexts[loop] = [body, nxt]
            if h.min == 0:
                return loop
            start = body
            for _ in range(h.min - 1):
                start = self.compile(sub, start)
            return start
        # X{m,n} = X^m (X(X(X)?)?)?: every skip goes straight to ``nxt``.
        cur = nxt
        for _ in range(h.max - h.min):
            body = self.compile(sub, cur)
            cur = self.add(K_SPLIT, [body, nxt])
        for _ in range(h.min):
            cur = self.compile(sub, cur)
        return cur

    def compile_trie(self, words: List[str], nxt: int) -> int:
        """One ``K_TRIE`` state per distinct prefix; a node that ends a word has the
        ε-successor ``nxt``."""
        root = self.add(K_TRIE, [])
        self.trie[root] = {}
        for w in words:
            node = root
            for c in w:
                edges = self.trie[node]
                child = edges.get(c)
                if child is None:
                    child = self.add(K_TRIE, [])
                    self.trie[child] = {}
                    edges[c] = child
                node = child
            if not self.nexts[node]:
                self.nexts[node] = [nxt]
        return root


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


class LazyDFA:
    """``is_match`` over a compiled NFA (unanchored unless the pattern is anchored).

    Thread-safe: transitions are only ever added to a state's dict, new states
    are interned under a lock, and when the cache is full a fresh cache is
    swapped in while searches in flight keep using the states they hold.
    """

    def __init__(self, hir: H.Hir) -> None:
        nfa = NFA()
        match = nfa.add(K_MATCH, [])
        self.hir = hir
        self.nfa = nfa
        self.match_state = match
        self.start = nfa.compile(hir, match)
        self.anchored = H.anchored_start(hir)
        mask = 0
        for lk in H.look_set(hir):
            if lk in (H.START, H.START_LF, H.START_CRLF):
                mask |= C_START
            if lk in (H.START_LF, H.START_CRLF):
                mask |= C_NL
            if lk in (H.START_CRLF, H.END_CRLF):
                mask |= C_CR
            if "Unicode" in lk:
                mask |= C_UWORD
            if "Ascii" in lk:
                mask |= C_AWORD
        self.ctx_mask = mask
        self.stats = Stats()
        self._ctx_cache: Dict[str, int] = {}
        self._lock = threading.Lock()
        self._bits: Any = None  # bitnfa.BitNFA built on the first hand-over; False: too large
        self._cache = self._new_cache()

    def _new_cache(self) -> _Cache:
        cache = _Cache()
        cache.start = self._intern(cache, frozenset([self.start]), C_START & self.ctx_mask)
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

    def ctx_of(self, c: str) -> int:
        got = self._ctx_cache.get(c)
        if got is None:
            got = 0
            if c == "\n":
                got |= C_NL
            elif c == "\r":
                got |= C_CR
            if U.is_word_char(c):
                got |= C_UWORD
            if is_aword(c):
                got |= C_AWORD
            got &= self.ctx_mask
            if len(self._ctx_cache) < 10_000:
                self._ctx_cache[c] = got
        return got

    def _closure(self, states: FrozenSet[int], ctx: int, nxt: Optional[str]) -> List[int]:
        nfa = self.nfa
        kinds, looks, nexts = nfa.kind, nfa.look, nfa.nexts
        seen = set()
        out: List[int] = []
        stack = list(states)
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            k = kinds[s]
            if k == K_SPLIT:
                stack.extend(nexts[s])
            elif k == K_LOOK:
                if look_holds(looks[s], ctx, nxt):
                    stack.append(nexts[s][0])
            else:
                out.append(s)
                if k == K_TRIE:
                    stack.extend(nexts[s])
        self.stats.closure_steps += len(seen)
        return out

    def _step(self, state: _State, c: str) -> object:
        """The next state after ``c`` (a _State), or True (matched) / False (dead).

        The closure (with look-arounds decided by ``c``) and the step over ``c``
        are one walk: this is the cost of a cache miss."""
        nfa = self.nfa
        kinds, looks, nexts, trie, cls, classes = (
            nfa.kind, nfa.look, nfa.nexts, nfa.trie, nfa.cls, nfa.classes
        )
        ctx = state.ctx
        o = ord(c)
        new: List[int] = []
        seen = set()
        stack = list(state.states)
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            k = kinds[s]
            if k == K_CHAR:
                los, his = classes[cls[s]]
                i = bisect_right(los, o) - 1
                if i >= 0 and o <= his[i]:
                    new.append(nexts[s][0])
            elif k == K_SPLIT:
                stack.extend(nexts[s])
            elif k == K_LOOK:
                if look_holds(looks[s], ctx, c):
                    stack.append(nexts[s][0])
            elif k == K_TRIE:
                child = trie[s].get(c)
                if child is not None:
                    new.append(child)
                stack.extend(nexts[s])
            else:
                self.stats.closure_steps += len(seen)
                return True  # K_MATCH
        self.stats.closure_steps += len(seen)
        if not self.anchored:
            new.append(self.start)
        elif not new:
            return False
        nctx = self._ctx_cache.get(c)
        if nctx is None:
            nctx = self.ctx_of(c)
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
            closed = self._closure(state.states, state.ctx, None)
            got = any(self.nfa.kind[s] == K_MATCH for s in closed)
            state.eoi = got
        return got

    def is_match(self, s: str) -> bool:
        st: Any = self._cache.start
        stats = self.stats
        watch = self._bits is not False  # False: the bit-parallel engine is unavailable
        limit = stats.work() + THRASH_SLACK
        i = 0
        for c in s:
            nx = st.get(c)
            if nx is None:
                stats.misses += 1
                nx = st[c] = self._step(st, c)
                if watch and stats.closure_steps + MISS_UNITS * stats.misses > (
                    limit + THRASH_PER_CHAR * i
                ):
                    got = self._hand_over(s)
                    if got is not None:
                        return got
                    watch = False
            if nx is True:
                return True
            if nx is False:
                return False
            st = nx
            i += 1
        return self.at_eoi(st)

    def _hand_over(self, s: str) -> Optional[bool]:
        """The cache thrashes on this input: answer with the bit-parallel simulation
        (``None`` if the pattern is too large for it; the DFA then goes on)."""
        from .bitnfa import BitNFA, Unavailable  # bitnfa imports this module

        bits = self._bits
        if bits is None:
            try:
                bits = self._bits = BitNFA(self.hir)
            except Unavailable:
                self._bits = False
                return None
        self.stats.handovers += 1
        return bool(bits.is_match(s))


def look_holds(look: str, ctx: int, nxt: Optional[str]) -> bool:
    """Does ``look`` hold between a previous character described by ``ctx`` and ``nxt``?"""
    if look == H.START:
        return bool(ctx & C_START)
    if look == H.END:
        return nxt is None
    if look == H.START_LF:
        return bool(ctx & (C_START | C_NL))
    if look == H.END_LF:
        return nxt is None or nxt == "\n"
    if look == H.START_CRLF:
        return bool(ctx & (C_START | C_NL)) or (bool(ctx & C_CR) and nxt != "\n")
    if look == H.END_CRLF:
        return nxt is None or nxt == "\r" or (nxt == "\n" and not ctx & C_CR)
    if "Unicode" in look:
        before = bool(ctx & C_UWORD)
        after = nxt is not None and U.is_word_char(nxt)
    else:
        before = bool(ctx & C_AWORD)
        after = nxt is not None and is_aword(nxt)
    kind = look.replace("Unicode", "").replace("Ascii", "")
    if kind == "Word":
        return before != after
    if kind == "WordNegate":
        return before == after
    if kind == "WordStart":
        return not before and after
    if kind == "WordEnd":
        return before and not after
    if kind == "WordStartHalf":
        return not before
    assert kind == "WordEndHalf"
    return not after
