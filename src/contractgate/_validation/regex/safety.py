"""Decide whether a backtracking search is guaranteed to run in linear time.

``re.search`` explores, from every start position, a tree of configurations
(pattern position, input index).  It can only take super-linear time if some
configuration is explored more than once, i.e. if two *different* runs of the
search reach the same position of the pattern at the same input index and the
first exploration failed.  We check, on the Glushkov (position) automaton of
``.*P`` (or of ``P`` alone when ``P`` is anchored at the start of the text),
that no two distinct paths over the same input converge on a position that is
not a *sink*: a position after which the whole pattern may end with no further
condition, so that reaching it means the search succeeds and stops.

* Counted repetitions are unrolled (each copy gets fresh positions), so the
  automaton mirrors what the backtracker counts.
* Look-arounds are treated as always passing (more paths, so more
  conservative); a position followed by a look-around before the end is not
  a sink.
* An unbounded repetition of something that can match the empty string is
  rejected outright.
* Too many positions or too much work give up (answer "unsafe").

A pair of runs that are *both* at sinks is not followed further: whichever
configuration is explored first makes the search succeed, so the other is
never explored.  (Pruning when only one run is at a sink would be wrong:
``^(?:[xy]+c|x)*`` is quadratic in ``re`` although every failing run shares
its prefix with a run that reaches a sink.)  When every check passes, each
configuration is explored at most once, so the whole search costs
O(|positions|² · n).  Otherwise the lazy DFA is used.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

from . import charset as C
from . import hir as H
from .charset import Ranges

MAX_POSITIONS = 2000
MAX_WORK = 60_000

Counts = Dict[int, int]


class _Unsafe(Exception):
    pass


class _Frag:
    __slots__ = ("first", "last", "last_clean", "null", "null_clean")

    def __init__(self) -> None:
        self.first: Counts = {}
        self.last: Counts = {}
        self.last_clean: Set[int] = set()
        self.null = 0
        self.null_clean = False


def _add(dst: Counts, src: Counts, mul: int = 1) -> None:
    if mul == 0:
        return
    for k, v in src.items():
        dst[k] = min(2, dst.get(k, 0) + v * mul)


class Glushkov:
    def __init__(self) -> None:
        self.cls: List[int] = []  # position -> class id
        self.classes: List[Ranges] = []
        self._class_ids: Dict[Ranges, int] = {}
        self.follow: List[Counts] = []

    def position(self, rs: Ranges) -> int:
        cid = self._class_ids.get(rs)
        if cid is None:
            cid = len(self.classes)
            self.classes.append(rs)
            self._class_ids[rs] = cid
        if len(self.cls) >= MAX_POSITIONS:
            raise _Unsafe()
        self.cls.append(cid)
        self.follow.append({})
        return len(self.cls) - 1

    def link(self, last: Counts, first: Counts) -> None:
        for p, a in last.items():
            f = self.follow[p]
            for q, b in first.items():
                f[q] = min(2, f.get(q, 0) + a * b)

    def build(self, h: H.Hir) -> _Frag:
        fr = _Frag()
        if isinstance(h, H.HEmpty):
            fr.null, fr.null_clean = 1, True
            return fr
        if isinstance(h, H.HLook):
            fr.null = 1
            return fr
        if isinstance(h, H.HClass):
            p = self.position(h.ranges)
            fr.first, fr.last, fr.last_clean = {p: 1}, {p: 1}, {p}
            return fr
        if isinstance(h, H.HLiteral):
            prev: Optional[int] = None
            for c in h.chars:
                p = self.position(((ord(c), ord(c)),))
                if prev is None:
                    fr.first = {p: 1}
                else:
                    self.follow[prev][p] = 1
                prev = p
            assert prev is not None
            fr.last, fr.last_clean = {prev: 1}, {prev}
            return fr
        if isinstance(h, H.HCapture):
            return self.build(h.sub)
        if isinstance(h, H.HConcat):
            return self.concat([self.build(s) for s in h.subs])
        if isinstance(h, H.HAlternation):
            fr.null_clean = False
            for s in h.subs:
                f = self.build(s)
                _add(fr.first, f.first)
                _add(fr.last, f.last)
                fr.last_clean |= f.last_clean
                fr.null = min(2, fr.null + f.null)
                fr.null_clean = fr.null_clean or f.null_clean
            return fr
        assert isinstance(h, H.HRepetition)
        if h.max is None:
            # X* and X+ are one looping copy; X{m,} is X^(m-1) X+.
            parts = [self.build(h.sub) for _ in range(max(0, h.min - 1))]
            star = self.build(h.sub)
            if star.null:
                raise _Unsafe()
            self.link(star.last, star.first)
            loop = _Frag()
            loop.first, loop.last, loop.last_clean = star.first, star.last, star.last_clean
            if h.min == 0:
                loop.null, loop.null_clean = 1, True
            parts.append(loop)
            return self.concat(parts)
        parts = [self.build(h.sub) for _ in range(h.min)]
        # Optional tail copies nested as (X(X(X)?)?)?: build inner-most first.
        tail: Optional[_Frag] = None
        for _ in range(h.max - h.min):
            x = self.build(h.sub)
            inner = self.concat([x, tail]) if tail is not None else x
            opt = _Frag()
            opt.first, opt.last, opt.last_clean = inner.first, inner.last, inner.last_clean
            opt.null = min(2, inner.null + 1)
            opt.null_clean = True
            tail = opt
        if tail is not None:
            parts.append(tail)
        if not parts:
            fr.null, fr.null_clean = 1, True
            return fr
        return self.concat(parts)

    def concat(self, frags: List[_Frag]) -> _Frag:
        acc = _Frag()
        acc.null, acc.null_clean = 1, True
        for f in frags:
            self.link(acc.last, f.first)
            first = dict(acc.first)
            _add(first, f.first, acc.null)
            last = dict(f.last)
            _add(last, acc.last, f.null)
            last_clean = set(f.last_clean)
            if f.null_clean:
                last_clean |= acc.last_clean
            acc.first, acc.last, acc.last_clean = first, last, last_clean
            acc.null = min(2, acc.null * f.null)
            acc.null_clean = acc.null_clean and f.null_clean
        return acc


def is_linear(h: H.Hir) -> bool:
    """True if a backtracking ``search`` for ``h`` provably runs in linear time."""
    try:
        return _check(h)
    except _Unsafe:
        return False


def _check(h: H.Hir) -> bool:
    g = Glushkov()
    fr = g.build(h)
    sinks = set(fr.last_clean)
    start_first: Counts = dict(fr.first)
    if not H.anchored_start(h):
        dot = g.position(C.ANY)
        g.follow[dot] = dict(fr.first)
        g.follow[dot][dot] = 1
        start_first[dot] = 1
    cls = g.cls
    classes = g.classes
    follow = g.follow
    overlap_cache: Dict[Tuple[int, int], bool] = {}

    def overlap(a: int, b: int) -> bool:
        # a, b are class ids
        if a == b:
            return bool(classes[a])
        key = (a, b) if a < b else (b, a)
        got = overlap_cache.get(key)
        if got is None:
            got = C.overlaps(classes[a], classes[b])
            overlap_cache[key] = got
        return got

    pairs: Set[Tuple[int, int]] = set()
    todo: List[Tuple[int, int]] = []
    work = 0

    def push(p: int, q: int) -> None:
        key = (p, q) if p < q else (q, p)
        if key not in pairs:
            pairs.add(key)
            todo.append(key)

    def branch(succ: Counts) -> None:
        nonlocal work
        items = list(succ.items())
        for i, (q, cnt) in enumerate(items):
            if cnt > 1 and q not in sinks and classes[cls[q]]:
                raise _Unsafe()
            cq = cls[q]
            for r, _ in items[i + 1:]:
                if overlap(cq, cls[r]):
                    push(q, r)
            work += len(items)
        if work > MAX_WORK:
            raise _Unsafe()

    branch(start_first)
    for succ in follow:
        branch(succ)
    while todo:
        p, q = todo.pop()
        if p in sinks and q in sinks:
            # Whichever of the two configurations is explored first makes the
            # search succeed, so the other one is never explored.
            continue
        fq = follow[q]
        for p2 in follow[p]:
            c2 = cls[p2]
            for q2 in fq:
                if not overlap(c2, cls[q2]):
                    continue
                if p2 == q2:
                    if p2 not in sinks:
                        raise _Unsafe()
                    continue
                push(p2, q2)
            work += len(fq) + 1
        if work > MAX_WORK:
            raise _Unsafe()
    return True
