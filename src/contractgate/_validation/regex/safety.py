"""Decide whether a backtracking ``re`` search provably costs a few steps per character.

``re.search`` runs a depth-first search.  We model it on an ε-NFA built from
the HIR the way ``emit`` writes it (``_Graph``): ``CHAR`` nodes test one
character, ``SPLIT`` nodes are alternations and repetition choices,
``LOOK`` nodes are zero-width assertions, ``MATCH`` ends the pattern.
Counted repetitions are unrolled into nested optional copies
(``X{0,3}`` = ``(X(X(X)?)?)?``), which is what the backtracker's counter
distinguishes; unanchored search is a leading ``(?s:.)*?`` loop (the
``DOT`` node), which is what the search loop over start positions does.
Look-arounds are assumed to pass (the search only explores more paths).

The search tree's nodes are paths of this graph over prefixes of the input.
A *post-state* ``(q, i)`` is "``CHAR`` node ``q`` has just consumed
``s[i-1]``" (or the root at ``i = 0``); from it the search walks every
ε-path to the next ``CHAR`` tests.  ``E(v)`` is the size of that ε-tree from
node ``v`` (counted exactly, with a weight per class test), so a post-state
costs ``E(next(q))`` steps.  We prove:

1. *Each post-state is explored at most once.*  A position ``q`` is a *sink*
   when a look-free ε-path leads from it to ``MATCH``: the first time it is
   explored the search succeeds, so it is explored once.  Two explorations
   of a non-sink ``(q, i)`` would need either two ε-paths from one
   post-state into ``q`` (rejected: follow multiplicity ≥ 2) or two
   distinct post-states at the same index whose paths reconverge on ``q``
   (rejected by the pair graph below).
2. *Post-states explored at the same index are pairwise "co-live".*  The
   pair graph contains every pair of distinct positions that two paths over
   the same input can occupy at the same index: pairs of distinct follow
   entries of one post-state (classes overlapping), and the successors of
   pairs.  Pairs of two sinks are not followed: whichever is explored first
   succeeds, so the other never is.  (Pruning when only one is a sink would
   be wrong: ``^(?:[xy]+c|x)*`` is quadratic in ``re``.)
3. Hence the explored post-states at index ``i`` lie in ``{p} ∪ N(p)`` for
   any one of them ``p`` (``N`` = neighbours in the pair graph, pairs of
   two sinks excluded, as both cannot be explored), and the steps spent at
   index ``i`` are at most ``W = max_p E(next(p)) + Σ_{r ∈ N(p)} E(next(r))``.
   For a pattern anchored at the start of the text, the search also tries
   every later start, each failing at the first ``\\A``: ``E_fail(start)``.

So the search costs at most ``(W + E_fail) · (n + 1)`` steps, and the
pattern goes to ``re`` only if that per-character bound is at most
``STEP_BUDGET``.  An unbounded repetition of a nullable body (ε-cycles) is
rejected outright; too many nodes or too much analysis work give up
(answer "no", so the lazy DFA runs it).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

from . import charset as C
from . import hir as H
from .charset import Ranges
from .thompson import K_CHAR, K_LOOK, K_MATCH, K_SPLIT, Graph, TooLarge

#: Steps per input character that a pattern may cost on ``re`` (see ``cost_bound``).
STEP_BUDGET = 64
#: Graph nodes the analysis builds before giving up.
MAX_NODES = 24_000
#: Units of analysis work (follow-set merges, pair visits) before giving up.
MAX_WORK = 400_000

_ASCII: Ranges = ((0, 0x7F),)

Counts = Dict[int, int]


class _Unsafe(Exception):
    pass


class _TooLarge(_Unsafe):
    """More graph nodes than ``MAX_NODES`` (as many for the ASCII variant)."""


class _TooWide(_Unsafe):
    """The ε-tree from the start passes the budget with every class test one step: the
    ASCII variant's graph has the same shape and no dearer tests, so it fails alike."""


def step_weight(rs: Ranges) -> int:
    """Steps for one class test: ``re`` scans ranges above U+FFFF one by one."""
    return 1 + sum(1 for _, hi in rs if hi > 0xFFFF) // 16


class _Graph(Graph):
    """The ε-NFA of the emitted pattern, counted repetitions unrolled (``Graph``: the
    lazy DFA's construction; here without literal tries, as ``re`` tries branches one
    by one)."""

    max_states = MAX_NODES

    def __init__(self, ascii_only: bool = False) -> None:
        super().__init__()
        self.ascii_only = ascii_only
        self._nullable: Dict[int, Tuple[H.Hir, bool]] = {}

    def class_ranges(self, rs: Ranges) -> Ranges:
        # what ``emit(ascii_only=True)`` writes
        return C.intersect(rs, _ASCII) if self.ascii_only else rs

    def loop_body(self, sub: H.Hir) -> None:
        if nullable(sub, self._nullable):
            raise _Unsafe()  # an ε-cycle: re's empty-loop guard is not modelled


def _nullable_leaf(h: H.Hir) -> Any:
    if isinstance(h, (H.HEmpty, H.HLook)):
        return True
    if isinstance(h, (H.HLiteral, H.HClass)):
        return False
    if isinstance(h, H.HRepetition) and h.min == 0:
        return True
    return H.DEFER


def _nullable_combine(h: H.Hir, vals: List[bool]) -> bool:
    return any(vals) if isinstance(h, H.HAlternation) else all(vals)


def nullable(root: H.Hir, memo: Dict[int, Tuple[H.Hir, Any]]) -> bool:
    """Whether ``root`` can match the empty string (classes count as consuming, even
    empty ones), as a post-order fold; ``memo`` by identity (the node kept alive)."""
    return bool(H.fold(root, _nullable_leaf, _nullable_combine, memo))


class Analysis:
    """The facts the proof uses, for one HIR (``None`` fields: gave up early)."""

    __slots__ = ("anchored", "fail_cost", "positions", "sinks", "work", "worst")

    def __init__(self) -> None:
        self.anchored = False
        self.positions = 0  # CHAR nodes, the unanchored DOT included
        self.sinks = 0
        self.worst = 0  # W: steps at one index
        self.fail_cost = 0  # steps of a failing attempt at a later start (anchored)
        self.work = 0  # analysis work units spent


def cost_bound(h: H.Hir, ascii_only: bool = False) -> Optional[int]:
    """Steps per input character a backtracking search of ``h`` provably stays under.

    ``None`` when no such bound at most ``STEP_BUDGET`` was proven (ambiguity,
    an ε-cycle, a larger bound, or the analysis gave up).  ``ascii_only``: for
    the pattern ``emit(h, ascii_only=True)`` (classes cut to ASCII), which
    runs on ASCII input only.
    """
    try:
        a = analyse(h, ascii_only=ascii_only)
    except _Unsafe:
        return None
    return a.worst + a.fail_cost


def cost_bounds(h: H.Hir) -> Tuple[Optional[int], Optional[int]]:
    """``cost_bound`` of the full pattern and of its ASCII variant, analysing once in the
    common case: cutting classes to ASCII only removes overlaps and weight, so a bound
    for the full pattern is one for the variant, and a graph too large for the
    analysis is as large for the variant."""
    try:
        a = analyse(h)
    except (_TooLarge, _TooWide):
        return None, None
    except _Unsafe:
        return None, cost_bound(h, ascii_only=True)
    return a.worst + a.fail_cost, a.worst + a.fail_cost


#: Settle ``analyse`` from ``entry_bound`` before building any graph (the tests turn it
#: off to compare with the full analysis).
_EARLY_WIDE = True
#: ``entry_bound`` looks this deep into the HIR and this far into a concatenation.
_BOUND_DEPTH = 24
_BOUND_ITEMS = 16


def entry_bound(h: H.Hir) -> int:
    """A lower bound of ``E`` at the start (every class test one step, capped just past
    ``STEP_BUDGET``), from the HIR alone.

    Past the budget, ``analyse`` fails whatever else it finds (at its ``E(root)`` test at
    the latest), and so does the ASCII variant's (same ε-graph, every test one step):
    ``_TooWide``, so ``cost_bounds`` is ``(None, None)``.  (An alternation of many words
    is the common case: its graph is never built.)"""
    return _entry(h, 1, _BOUND_DEPTH)


def _entry(h: H.Hir, nxt: int, depth: int) -> int:
    """Lower bound of ``E`` of ``h``'s entry when its continuation's is at least ``nxt``
    (every state's ``E`` is at least 1: the bound for whatever is not looked into)."""
    t = type(h)
    if t is H.HClass:
        return 1
    if t is H.HLiteral:
        return 1 if h.chars else nxt  # type: ignore[attr-defined]
    if t is H.HEmpty:
        return nxt
    if t is H.HLook:
        return 1 + nxt
    if depth <= 0:
        return 1
    if t is H.HCapture:
        return _entry(h.sub, nxt, depth - 1)  # type: ignore[attr-defined]
    if t is H.HConcat:
        subs: List[H.Hir] = h.subs  # type: ignore[attr-defined]
        head = subs[:_BOUND_ITEMS]
        if len(head) < len(subs):
            nxt = 1  # the rest's entry
        for i, s in enumerate(head):
            ts = type(s)
            if ts is H.HClass or (ts is H.HLiteral and s.chars):  # type: ignore[attr-defined]
                head = head[:i]  # its entry is one test, whatever follows
                nxt = 1
                break
        for s in reversed(head):
            nxt = _entry(s, nxt, depth - 1)
        return nxt
    if t is H.HAlternation:
        total = 1
        for s in h.subs:  # type: ignore[attr-defined]
            total += _entry(s, nxt, depth - 1)
            if total > STEP_BUDGET:
                return STEP_BUDGET + 1
        return total
    return 1  # a repetition


def is_linear(h: H.Hir) -> bool:
    """True if ``re`` may run ``h``: at most ``STEP_BUDGET`` steps per character."""
    got = cost_bound(h)
    return got is not None and got <= STEP_BUDGET


def analyse(h: H.Hir, budget: int = STEP_BUDGET, ascii_only: bool = False) -> Analysis:
    """Run the proof; raise ``_Unsafe`` if it fails or if a bound exceeds ``budget``."""
    if _EARLY_WIDE and entry_bound(h) > budget:
        raise _TooWide()  # before any graph is built
    g = _Graph(ascii_only)
    try:
        match = g.add(K_MATCH, [])
        start = g.compile(h, match)
        out = Analysis()
        out.anchored = H.anchored_start(h)
        if out.anchored:
            root = start
        else:
            root = g.add(K_SPLIT, [start])
            dot = g.add(K_CHAR, [root], g.class_id(C.ANY))
            g.alts[root].append(dot)
    except TooLarge:
        raise _TooLarge() from None
    cap = budget + 1
    nexts = g.successors()
    e, follow, clean = _closures(g, nexts, cap)
    kind, cls, classes = g.kind, g.cls, g.classes
    chars = [q for q in range(len(kind)) if kind[q] == K_CHAR]
    out.positions = len(chars)
    sinks: Set[int] = {q for q in chars if clean[nexts[q][0]]}
    out.sinks = len(sinks)
    if out.anchored:
        out.fail_cost = _fail_cost(g, nexts, start, cap)
        if out.fail_cost > budget:
            raise _Unsafe()
    cost = {q: e[nexts[q][0]] for q in chars if classes[cls[q]]}
    if e[root] > budget and all(step_weight(rs) == 1 for rs in classes):
        raise _TooWide()  # (an alternation of more than ``budget`` branches, say)
    if e[root] > budget or any(c > budget for c in cost.values()):
        raise _Unsafe()

    overlap_cache: Dict[Tuple[int, int], bool] = {}

    def overlap(p: int, q: int) -> bool:
        a, b = cls[p], cls[q]
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
    # (3), kept up to date: the steps at one index of a post-state and all the ones
    # co-live with it.  Pairs are only ever added, so the proof fails as soon as one
    # total passes the budget.
    total = dict(cost)
    limit = budget - out.fail_cost

    def push(p: int, q: int) -> None:
        key = (p, q) if p < q else (q, p)
        if key in pairs:
            return
        pairs.add(key)
        todo.append(key)
        if p in sinks and q in sinks:
            return  # whichever is explored first succeeds
        tp = total[p] = total.get(p, 0) + cost.get(q, 0)
        tq = total[q] = total.get(q, 0) + cost.get(p, 0)
        if tp > limit or tq > limit:
            raise _Unsafe()

    # (1) one post-state: duplicate entries, and pairs of distinct entries.
    for v in [root] + [nexts[q][0] for q in cost]:
        items = [(q, n) for q, n in follow[v].items() if classes[cls[q]]]
        for i, (q, n) in enumerate(items):
            if n > 1 and q not in sinks:
                raise _Unsafe()
            for r, _ in items[i + 1:]:
                if overlap(q, r):
                    push(q, r)
        work += len(items) * len(items) + 1
        if work > MAX_WORK:
            raise _Unsafe()
    # (2) successors of pairs; two sinks are never both explored.
    while todo:
        p, q = todo.pop()
        if p in sinks and q in sinks:
            continue
        fq = follow[nexts[q][0]]
        for p2 in follow[nexts[p][0]]:
            for q2 in fq:
                if not overlap(p2, q2):
                    continue
                if p2 == q2:
                    if p2 not in sinks:
                        raise _Unsafe()
                    continue
                push(p2, q2)
            work += len(fq) + 1
        if work > MAX_WORK:
            raise _Unsafe()
    out.worst = max([e[root], *total.values()])
    out.work = work
    if out.worst + out.fail_cost > budget:
        raise _Unsafe()
    return out


def _closures(
    g: _Graph, nexts: List[List[int]], cap: int
) -> Tuple[List[int], List[Counts], List[bool]]:
    """Per node: ε-tree size ``E`` (capped), follow multiplicities (capped at 2), and
    whether a look-free ε-path reaches ``MATCH``.  The ε-graph is acyclic (nullable
    loop bodies were rejected), so one post-order walk computes all three."""
    n = len(g.kind)
    kind, cls = g.kind, g.cls
    weights = [step_weight(rs) for rs in g.classes]
    e = [0] * n
    follow: List[Counts] = [{}] * n
    clean = [False] * n
    done = [False] * n
    work = 0
    for root in range(n):
        if done[root]:
            continue
        stack: List[Tuple[int, bool]] = [(root, False)]
        while stack:
            v, expanded = stack.pop()
            if done[v]:
                continue
            k = kind[v]
            if k == K_CHAR:
                e[v] = weights[cls[v]]
                follow[v] = {v: 1}
                done[v] = True
                continue
            if k == K_MATCH:
                e[v], clean[v], done[v] = 1, True, True
                continue
            if not expanded:
                stack.append((v, True))
                stack.extend((u, False) for u in nexts[v] if not done[u])
                continue
            if k == K_LOOK:
                u = nexts[v][0]
                e[v] = min(cap, 1 + e[u])
                follow[v] = follow[u]
            else:
                total = 1
                merged: Counts = {}
                for u in nexts[v]:
                    total += e[u]
                    for q, m in follow[u].items():
                        merged[q] = min(2, merged.get(q, 0) + m)
                    work += len(follow[u])
                    clean[v] = clean[v] or clean[u]
                e[v] = min(cap, total)
                follow[v] = merged
                if work > MAX_WORK:
                    raise _Unsafe()
            done[v] = True
    return e, follow, clean


def _fail_cost(g: _Graph, nexts: List[List[int]], start: int, cap: int) -> int:
    """ε-tree size from ``start`` when every ``\\A`` fails (a later start position)."""
    memo: Dict[int, int] = {}
    stack: List[Tuple[int, bool]] = [(start, False)]
    while stack:
        v, expanded = stack.pop()
        if v in memo:
            continue
        k = g.kind[v]
        if k in (K_CHAR, K_MATCH) or (k == K_LOOK and g.look[v] == H.START):
            memo[v] = 1
            continue
        if not expanded:
            stack.append((v, True))
            stack.extend((u, False) for u in nexts[v] if u not in memo)
            continue
        memo[v] = min(cap, 1 + sum(memo[u] for u in nexts[v]))
    return memo[start]


def grows_stack(h: H.Hir) -> bool:
    """True if ``re``'s backtracking stack grows with the input (not only the pattern).

    ``re`` runs ``X*`` of a one-character ``X`` as a counted loop; any other
    unbounded repetition keeps a frame per iteration (≈ 100-200 bytes per
    character), so such patterns only get ``re`` for short values.
    """
    stack = [h]
    while stack:
        x = stack.pop()
        if isinstance(x, H.HRepetition):
            sub = x.sub
            while isinstance(sub, H.HCapture):
                sub = sub.sub
            single = isinstance(sub, H.HClass) or (
                isinstance(sub, H.HLiteral) and len(sub.chars) == 1
            )
            if x.max is None and not single:
                return True
            stack.append(x.sub)
        elif isinstance(x, H.HCapture):
            stack.append(x.sub)
        elif isinstance(x, (H.HConcat, H.HAlternation)):
            stack.extend(x.subs)
    return False
