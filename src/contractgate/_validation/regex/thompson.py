"""Thompson's construction over the HIR: the ε-NFA of the lazy DFA (``nfa``) and of the
backtracking-cost analysis (``safety``), one construction for both.

``X{m,}`` is ``X^(m-1) X+`` and ``X{m,n}`` is ``X^m (X(X(X)?)?)?`` with every skip edge
going straight to the end (regex-automata's ``c_at_least``/``c_bounded``): a DFA state
then holds the copy it is in, not every copy after it, and the analysis sees the
choices ``re``'s repeat counter makes.

A sub-expression compiled to continue at ``nxt`` only refers to its own states and to
``nxt``, so the further copies of a repetition are clones of the first (its states
with shifted ids) instead of new walks of the HIR, and runs of one-character items are
laid out in bulk.  The walk keeps its own stack (``iterative.run``).
"""

from __future__ import annotations

from itertools import chain
from types import GeneratorType
from typing import Any, Dict, List, Optional, Tuple

from . import hir as H
from .charset import Ranges
from .iterative import Walk, run

K_CHAR = 0
K_SPLIT = 1
K_LOOK = 2
K_MATCH = 3
K_TRIE = 4

_LEAVES = frozenset([H.HLook, H.HEmpty])
#: Lay out ``x{n}`` of a class or literal inside a concatenation's chain (the tests
#: turn it off to compare with the walk it stands for).
_FAST_RUNS = True
#: Lay out a concatenation of classes and literals without a walk of its own (the tests
#: turn it off to compare).
_FLAT_CONCATS = True
#: ``_ids_back`` gives an item the same node as the item before it got (``(?:ab){50}``
#: repeated shares one node) without laying it out again (the tests turn it off).
_SAME_ITEMS = True

#: (first state, end, entry, continuation) of a compiled copy, for ``Graph.clones``.
Copy = Tuple[int, int, int, int]


class TooLarge(Exception):
    """The graph would have more than ``Graph.max_states`` states."""


class Graph:
    """States are parallel lists: kind, class index, look kind, and ``out``, the one
    successor of a character test, a look or a trie node (-1: none); the successors of
    a split are in ``alts``, the edges of a trie node in ``trie``.  (Flat lists of
    ints: a chain of states is three ``extend`` calls, a copy a few slices.)"""

    #: Fail with ``TooLarge`` beyond this many states (None: no limit).
    max_states: Optional[int] = None
    #: Alternations of at least this many plain literals become one trie (None: never).
    trie_min: Optional[int] = None

    def __init__(self) -> None:
        self.kind: List[int] = []
        self.cls: List[int] = []
        self.look: List[str] = []
        self.out: List[int] = []
        self.alts: Dict[int, List[int]] = {}
        self.trie: Dict[int, Dict[str, int]] = {}
        self.classes: List[Ranges] = []
        self._class_ids: Dict[Ranges, int] = {}
        self._by_id: Dict[int, int] = {}  # id(ranges): class (the ranges kept in _kept)
        self._kept: List[Ranges] = []
        self._chars: Dict[str, int] = {}
        #: The look kinds of the ``K_LOOK`` states, and whether a sub-expression was left
        #: out (``x{0}``): if not, they are ``hir.look_set`` of what was compiled.
        self.looks: Dict[str, None] = {}
        self.dropped = False
        self._last_ids: Tuple[Optional[H.Hir], Optional[List[int]]] = (None, None)

    # -- hooks ------------------------------------------------------------------------

    def class_ranges(self, rs: Ranges) -> Ranges:
        """The set a class test of ``rs`` checks (subclasses may narrow it)."""
        return rs

    def loop_body(self, sub: H.Hir) -> None:
        """Called for the body of every unbounded repetition (subclasses may refuse it)."""

    # -- states -------------------------------------------------------------------------

    def reserve(self, n: int) -> None:
        if self.max_states is not None and len(self.kind) + n > self.max_states:
            raise TooLarge()

    def add(self, kind: int, nexts: List[int], cls: int = -1, look: str = "") -> int:
        if self.max_states is not None and len(self.kind) >= self.max_states:
            raise TooLarge()
        sid = len(self.kind)
        self.kind.append(kind)
        self.cls.append(cls)
        self.look.append(look)
        if kind == K_SPLIT:
            self.alts[sid] = nexts
            self.out.append(-1)
        else:
            self.out.append(nexts[0] if nexts else -1)
        return sid

    def successors(self) -> List[List[int]]:
        """Every state's successors as a list (for the analysis of small graphs)."""
        alts, out = self.alts, self.out
        return [
            alts[s] if k == K_SPLIT else ([out[s]] if out[s] >= 0 else [])
            for s, k in enumerate(self.kind)
        ]

    def class_id(self, rs: Ranges) -> int:
        """The index of ``rs``'s test (by identity first: hashing a big class is slow)."""
        got = self._by_id.get(id(rs))
        if got is not None:
            return got
        narrowed = self.class_ranges(rs)
        cid = self._class_ids.get(narrowed)
        if cid is None:
            cid = len(self.classes)
            self.classes.append(narrowed)
            self._class_ids[narrowed] = cid
        self._by_id[id(rs)] = cid
        self._kept.append(rs)  # its id stays its own
        return cid

    def char_id(self, c: str) -> int:
        got = self._chars.get(c)
        if got is None:
            o = ord(c)
            got = self._chars[c] = self.class_id(((o, o),))
        return got

    def chain(self, classes: List[int], nxt: int) -> int:
        """Consecutive ``K_CHAR`` states testing ``classes`` in order, then ``nxt``."""
        n = len(classes)
        if not n:
            return nxt
        self.reserve(n)
        first = len(self.kind)
        # Built back to front (the last test first), as a recursive build would.
        self.kind.extend([K_CHAR] * n)
        self.cls.extend(reversed(classes))
        self.look.extend([""] * n)
        self.out.append(nxt)
        self.out.extend(range(first, first + n - 1))
        return first + n - 1

    def clones(self, copy: Copy, n: int, nxt: int, skip: Optional[int] = None) -> int:
        """``n`` more copies of ``copy``, each continuing at the entry of the one made
        before it (the first at ``nxt``); returns the last one's entry.  With ``skip``,
        each copy's entry is a split to it or to ``skip`` (``X(X(X)?)?``)."""
        a, b, entry, _old = copy  # every successor outside [a, b) is ``_old`` (< a)
        if n <= 0:
            return nxt
        kinds, classes, looks = self.kind[a:b], self.cls[a:b], self.look[a:b]
        if skip is not None:
            kinds.append(K_SPLIT)
            classes.append(-1)
            looks.append("")
        per = len(kinds)
        if not per:
            return nxt
        self.reserve(per * n)
        base = len(self.kind)
        self.kind.extend(kinds * n)
        self.cls.extend(classes * n)
        self.look.extend(looks * n)
        # Copy k's states are ``shift + k * per`` further on, it continues at curs[k]: the
        # entry of copy k - 1 (its split with ``skip``), or ``nxt`` throughout when the
        # entry lies outside the copied states.
        shift = base - a
        if skip is not None:
            step = base + per - 1  # copy k's split: step + k * per
        elif entry >= a:
            step = entry + shift  # copy k's entry: step + k * per
        else:
            step = -1
        if step >= 0:
            curs: List[int] = [nxt, *range(step, step + (n - 1) * per, per)]
            cur = step + (n - 1) * per
        else:
            curs = [nxt] * n
            cur = nxt
        template = self.out[a:b]
        if skip is not None:
            template.append(-1)
        # the copies' successors column by column (a range per inner successor), then
        # interleaved copy by copy
        columns = [
            range(x + shift, x + shift + n * per, per) if x >= a else (curs if x >= 0 else [-1] * n)
            for x in template
        ]
        self.out.extend(chain.from_iterable(zip(*columns)))
        splits = [j for j in range(a, b) if kinds[j - a] == K_SPLIT]
        for j in splits:
            succ = self.alts[j]
            for k in range(n):
                d = shift + k * per
                self.alts[j + d] = [x + d if x >= a else curs[k] for x in succ]
        if skip is not None:
            for k in range(n):
                d = shift + k * per
                e = entry + d if entry >= a else curs[k]
                self.alts[base + k * per + per - 1] = [e, skip]
        if K_TRIE in kinds:
            for j in range(a, b):
                edges = self.trie.get(j)
                if edges is not None:
                    for k in range(n):
                        d = shift + k * per
                        self.trie[j + d] = {c: x + d for c, x in edges.items()}
        return cur

    # -- the construction ---------------------------------------------------------------

    def compile(self, h: H.Hir, nxt: int) -> int:
        """Compile ``h`` so that it continues at ``nxt``; return its entry state."""
        entry: int = run(self._step, (h, nxt))
        return entry

    def _step(self, request: Tuple[H.Hir, int]) -> Any:
        h, nxt = request
        t = type(h)
        if t is H.HLiteral:
            return self.chain([self.char_id(c) for c in h.chars], nxt)  # type: ignore[attr-defined]
        if t is H.HClass:
            return self.add(K_CHAR, [nxt], self.class_id(h.ranges))  # type: ignore[attr-defined]
        if t is H.HEmpty:
            return nxt
        if t is H.HLook:
            self.looks[h.look] = None  # type: ignore[attr-defined]
            return self.add(K_LOOK, [nxt], look=h.look)  # type: ignore[attr-defined]
        if t is H.HConcat and _FLAT_CONCATS:
            # A word of an alternation (all characters and classes) is one chain, made
            # without a walk of its own; otherwise the walk takes over the run so far.
            subs: List[H.Hir] = h.subs  # type: ignore[attr-defined]
            run, i = self._flat_run(subs)
            if i == len(subs):
                run.reverse()
                return self.chain(run, nxt)
            return self._concat(subs, nxt, run, i)
        return self._walk(h, nxt)

    def _flat_run(self, subs: List[H.Hir]) -> Tuple[List[int], int]:
        """The class indexes of ``subs``' trailing classes, literals and ``x{n}`` of one
        (last first, asked in the walk's order), and how many items they are."""
        by_id = self._by_id
        try:  # classes only, all seen before (a word under ``(?i)``): no side effects
            return [by_id[id(s.ranges)] for s in reversed(subs)], len(subs)  # type: ignore[attr-defined]
        except (AttributeError, KeyError):
            pass
        run: List[int] = []
        n = len(subs)
        for i in range(n - 1, -1, -1):
            ids = self._ids_back(subs[i])
            if ids is None:
                return run, n - 1 - i
            run.extend(ids)
        return run, n

    def _ids_back(self, s: H.Hir) -> Optional[List[int]]:
        """The class indexes of a class, a literal or ``x{n}`` of one, last first (asked
        in the walk's order: a literal's characters back to front, ``x{n}``'s body front
        to back); None for anything else (the walk lays it out).  The same node again
        asks for no class it has not asked for: the answer is the one before (a list
        the callers only read)."""
        last, ids = self._last_ids
        if last is s and _SAME_ITEMS:
            return ids
        ids = self._new_ids_back(s)
        self._last_ids = (s, ids)
        return ids

    def _new_ids_back(self, s: H.Hir) -> Optional[List[int]]:
        t = type(s)
        if t is H.HClass:
            return [self.class_id(s.ranges)]  # type: ignore[attr-defined]
        if t is H.HLiteral:
            return [self.char_id(c) for c in reversed(s.chars)]  # type: ignore[attr-defined]
        if _FAST_RUNS and t is H.HRepetition and s.min == s.max >= 1:  # type: ignore[attr-defined]
            # ``x{n}`` of a class or literal: the states its walk would lay out (``chain``
            # then ``clones``) are this run's, made in one go.
            ids = self._chars_of(s.sub)  # type: ignore[attr-defined]
            if ids is not None:
                ids.reverse()
                return ids * s.min  # type: ignore[attr-defined,no-any-return]
        return None

    def _one_char(self, h: H.Hir) -> Optional[int]:
        """The class index if ``h`` is one class or one character, else None."""
        if type(h) is H.HClass:
            return self.class_id(h.ranges)
        if type(h) is H.HLiteral and len(h.chars) == 1:
            return self.char_id(h.chars)
        return None

    def _chars_of(self, h: H.Hir) -> Optional[List[int]]:
        """The class indexes of ``h``'s characters in order if it is a class or a literal
        (asked in the order ``_one_char`` or ``_step`` would ask), else None."""
        if type(h) is H.HClass:
            return [self.class_id(h.ranges)]
        if type(h) is H.HLiteral:
            return [self.char_id(c) for c in h.chars]
        return None

    def _concat(self, subs: List[H.Hir], nxt: int, run: List[int], done: int) -> Walk[int]:
        """A concatenation back to front (stretches of characters and classes are one
        chain), its last ``done`` items already in ``run`` (class indexes, the last
        item's first)."""
        for s in reversed(subs[: len(subs) - done]):
            ids = self._ids_back(s)
            if ids is not None:
                run.extend(ids)
                continue
            if run:
                run.reverse()
                nxt = self.chain(run, nxt)
                run = []
            got: int = self._step((s, nxt)) if type(s) in _LEAVES else (yield (s, nxt))
            nxt = got
        if run:
            run.reverse()
            nxt = self.chain(run, nxt)
        return nxt

    def _walk(self, h: H.Hir, nxt: int) -> Walk[int]:
        if isinstance(h, H.HCapture):
            entry: int = yield (h.sub, nxt)
            return entry
        if isinstance(h, H.HConcat):
            entry = yield from self._concat(h.subs, nxt, [], 0)
            return entry
        if isinstance(h, H.HAlternation):
            if self.trie_min is not None and len(h.subs) >= self.trie_min:
                words = [s.chars for s in h.subs if isinstance(s, H.HLiteral)]
                if len(words) == len(h.subs):
                    return self.compile_trie(words, nxt)
            outs = []
            if _FLAT_CONCATS:
                # Branches answered at once (a word, a class) skip the walk's round trip.
                step = self._step
                for s in h.subs:
                    got = step((s, nxt))
                    if type(got) is GeneratorType:
                        got = yield from got
                    outs.append(got)
                return self.add(K_SPLIT, outs)
            for s in h.subs:
                outs.append((yield (s, nxt)))
            return self.add(K_SPLIT, outs)
        assert isinstance(h, H.HRepetition), type(h)
        sub = h.sub
        one = self._one_char(sub)
        if h.max is None:
            self.loop_body(sub)
            loop = self.add(K_SPLIT, [])
            mark = len(self.kind)
            body: int = yield (sub, loop)
            self.alts[loop] = [body, nxt]
            if h.min <= 1:
                return loop if h.min == 0 else body
            if one is not None:
                return self.chain([one] * (h.min - 1), body)
            return self.clones((mark, len(self.kind), body, loop), h.min - 1, body)
        cur = nxt
        copy: Optional[Copy] = None
        if not h.max:
            self.dropped = True
        if h.max > h.min:
            mark = len(self.kind)
            body = yield (sub, cur)
            copy = (mark, len(self.kind), body, cur)
            cur = self.add(K_SPLIT, [body, nxt])
            cur = self.clones(copy, h.max - h.min - 1, cur, skip=nxt)
        if not h.min:
            return cur
        if one is not None:
            return self.chain([one] * h.min, cur)
        if copy is None:
            mark = len(self.kind)
            body = yield (sub, cur)
            copy = (mark, len(self.kind), body, cur)
            return self.clones(copy, h.min - 1, body)
        return self.clones(copy, h.min, cur)

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
            if self.out[node] < 0:
                self.out[node] = nxt
        return root
