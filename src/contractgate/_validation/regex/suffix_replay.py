"""The exact replay of the crate's ``c_unicode_class_reverse_with_suffix``, fast.

The reverse NFA compiles a Unicode class through a 1 000-slot ``Utf8SuffixMap``
(FNV-1a, cleared per class, keyed by ``(next state id, byte start, byte end)``,
evicting on collision).  Because the keys hold absolute state ids, every copy of a class
must be replayed; stepping through its byte ranges one by one in Python was most of the
time of long patterns near the size limit.

Per class, a :class:`Plan` holds the trie of its UTF-8 sequences as the non-evicting
cache builds it: node ``k`` is created at step ``cstep[k]`` under ``par[k]`` and visited
again at the steps ``visits[k]``.  With evictions, the same steps reach the same nodes,
but a visit misses (and creates a state again) when the node's key was overwritten since
it was last written, or its parent was created again since (the key then holds another
id).  Every state created is one write to the map, so a node's id is
``base + position of its last write``.

A copy is replayed in chunks: the slots of a chunk's creations are hashed at once on
lanes of one big integer (assuming no miss), written to a byte timeline (one 2-byte code
per write; a match at an odd offset, across two codes, is skipped), and
``bytes.find`` over it tells, per node visited later, whether its slot was overwritten
before a visit.  Up to the first such miss the prediction is exact; from the miss the
rest of that sequence is stepped one by one, and the next chunk is predicted anew.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

FNV_INIT = 14695981039346656037
FNV_PRIME = 1099511628211
M64 = (1 << 64) - 1
SUFFIX_CACHE = 1_000

#: Lanes of the batch hash (bytes): ``INIT ^ id`` (64 bits) times the 41-bit prime fits
#: in 128 bits, and is cut back to 64 after each product, so lanes never carry over.
_LB = 16
_LANE = 8 * _LB
#: Creations predicted (and hashed) at once: a miss wastes the rest of a chunk.
CHUNK = 256
#: Classes of at most this many steps are replayed step by step (``_replay_steps``; the
#: tests turn ``_STEP_SMALL`` off to compare).
SMALL_STEPS = 32
_STEP_SMALL = True
#: ``slot`` as the timeline stores it (2 bytes, little-endian, as ``_codes`` writes
#: them); the root's dummy code is no slot.
_CODES = [s.to_bytes(2, "little") for s in range(1 << 10)]
_ROOT = b"\xff\xff"
#: ``floor(y / 1000) == (y * _RECIP) >> 51`` for every ``y < 2 ** 41``.
_RECIP = -(-(1 << 51) // SUFFIX_CACHE)

Sequences = Sequence[Sequence[Tuple[int, int]]]


class Plan:
    """The non-evicting walk of one class's sequences (see the module docstring)."""

    __slots__ = ("ccount", "cstep", "e_lanes", "es", "n", "open", "par", "rel", "s_lanes",
                 "seq_start", "small", "ss", "step_node", "vis", "vis_at", "visits")

    def __init__(self, seqs: Sequences) -> None:
        nodes: Dict[Tuple[int, int, int], int] = {}
        par: List[int] = []
        ss: List[int] = []
        es: List[int] = []
        step_node: List[int] = []
        cstep: List[int] = []
        visits: List[List[int]] = []
        seq_start: List[int] = []
        ccount: List[int] = []  # step -> creations before it
        for seq in seqs:
            seq_start.append(len(step_node))
            cur = -1  # the root: alt_end
            for s, e in seq:
                t = len(step_node)
                ccount.append(len(par))
                k = nodes.get((cur, s, e))
                if k is None:
                    k = nodes[(cur, s, e)] = len(par)
                    par.append(cur)
                    ss.append(s)
                    es.append(e)
                    cstep.append(t)
                    visits.append([])
                else:
                    visits[k].append(t)
                step_node.append(k)
                cur = k
        ccount.append(len(par))
        # a small class (``(?i)k``) is stepped through: cheaper than setting up chunks
        small = len(step_node) <= SMALL_STEPS
        self.small = tuple(tuple((s, e) for s, e in seq) for seq in seqs) if small else None
        n = self.n = len(par)
        self.par, self.ss, self.es, self.cstep, self.visits = par, ss, es, cstep, visits
        self.ccount, self.step_node, self.seq_start = ccount, step_node, seq_start
        # Nodes visited after their creation, in creation order: (creation step, byte
        # offset of their code, byte offset past the last write before their last
        # visit), both relative to the timeline position of node 0.
        visited = [k for k in range(n) if visits[k]]
        self.vis = [(cstep[k], 2 * k, 2 * ccount[visits[k][-1]], k) for k in visited]
        self.vis_at = visited
        # open[i]: nodes created before sequence i starts and visited from it on.
        opened: List[List[int]] = [[] for _ in range(len(seq_start) + 1)]
        for k in visited:
            last = bisect_right(seq_start, visits[k][-1])
            for i in range(bisect_right(seq_start, cstep[k]), last):
                opened[i].append(k)
        self.open = [tuple(x) for x in opened]
        self.rel = _lanes([p + 1 for p in par])  # write positions of parents, no miss
        self.s_lanes = _lanes(ss)
        self.e_lanes = _lanes(es)


def _lanes(values: List[int]) -> bytes:
    """``values`` as little-endian lanes of ``_LB`` bytes."""
    return b"".join(v.to_bytes(_LB, "little") for v in values)


def _pack(values: List[int]) -> int:
    """``values`` on lanes of ``_LANE`` bits (the first value in the lowest lane)."""
    arr = array("Q", bytes(_LB * len(values)))
    arr[:: _LB // 8] = array("Q", values)
    if sys.byteorder == "big":
        arr.byteswap()
    return int.from_bytes(arr.tobytes(), "little")


_masks: Dict[int, Tuple[int, ...]] = {}


def _constants(m: int) -> Tuple[int, ...]:
    """Per-lane constants for ``m`` lanes: 1, INIT, and the masks of ``_codes``."""
    got = _masks.get(m)
    if got is None:
        ones = int.from_bytes((b"\x01" + bytes(_LB - 1)) * m, "little")
        got = tuple(ones * c for c in (1, FNV_INIT, M64, (1 << 32) - 1))
        if len(_masks) > 64:
            _masks.clear()
        _masks[m] = got
    return got


def _codes(plan: Plan, k0: int, m: int, lanes: int, base: int) -> bytes:
    """The slots (2 bytes each) of creations ``k0 .. k0 + m`` whose parents' ids are
    ``base + lanes``: FNV-1a on all lanes at once, then ``% 1000`` by folding
    ``2 ** 32 = 296`` (mod 1000) and a reciprocal."""
    ones, inits, m64, m32 = _constants(m)
    a, b = _LB * k0, _LB * (k0 + m)
    x = (lanes + base * ones) ^ inits
    x = ((x * FNV_PRIME) & m64) ^ int.from_bytes(plan.s_lanes[a:b], "little")
    x = ((x * FNV_PRIME) & m64) ^ int.from_bytes(plan.e_lanes[a:b], "little")
    x = (x * FNV_PRIME) & m64
    x = 296 * ((x >> 32) & m32) + (x & m32)  # < 2 ** 41
    x -= SUFFIX_CACHE * (((x * _RECIP) >> 51) & m32)
    return memoryview(x.to_bytes(b - a, "little")).cast("H")[:: _LB // 2].tobytes()


def _find(tl: bytearray, code: bytearray, start: int, end: int) -> int:
    """The first write of ``code`` in ``tl[start:end]`` (``start`` even), or -1."""
    p = tl.find(code, start, end)
    while p > 0 and p & 1:  # across two codes
        p = tl.find(code, p + 1, end)
    return p


def replay(plan: Plan, base: int, cache: int = SUFFIX_CACHE) -> int:
    """States created by one copy of the class when ``base - 1`` is its ``alt_end``.

    ``at[k]``: position of node ``k``'s last write in ``tl`` (position 0 is a dummy code
    standing for the root, ``alt_end = base - 1 + 0``); ``at[-1]`` is the root's.
    ``cache``: the map's slots (tests shrink it; the batch hash assumes 1 000).
    """
    if plan.small is not None and _STEP_SMALL:
        return _replay_steps(plan.small, base, cache)
    n = plan.n
    par, cstep, visits, ccount = plan.par, plan.cstep, plan.visits, plan.ccount
    step_node, seq_start, opened = plan.step_node, plan.seq_start, plan.open
    vis, vis_at = plan.vis, plan.vis_at
    nseq = len(seq_start)
    total = len(step_node)
    base -= 1
    at = [0] * (n + 1)
    tl = bytearray(_ROOT)
    j = 1  # writes so far, the dummy included
    k0 = 0  # next node to create
    si = 0  # sequence the chunk starts with
    clean = cache == SUFFIX_CACHE  # no miss yet: node k was written at k + 1
    while si < nseq:
        t0 = seq_start[si]
        if k0 + CHUNK < n:
            si1 = max(bisect_right(seq_start, cstep[k0 + CHUNK]) - 1, si + 1)
            t1 = seq_start[si1] if si1 < nseq else total
            k1 = ccount[t1]
        else:
            si1, t1, k1 = nseq, total, n
        m = k1 - k0
        if m:
            at[k0:k1] = range(j, j + m)
            if clean:
                lanes = int.from_bytes(plan.rel[_LB * k0:_LB * k1], "little")
                tl += _codes(plan, k0, m, lanes, base)
            elif cache == SUFFIX_CACHE:
                tl += _codes(plan, k0, m, _pack(list(map(at.__getitem__, par[k0:k1]))), base)
            else:
                for k in range(k0, k1):
                    tl += _CODES[_slot(base + at[par[k]], plan.ss[k], plan.es[k], cache)]
        best = t1
        # Nodes from earlier chunks: stale (parent written since), or overwritten.
        for x in opened[si]:
            w = 2 * at[x]
            v = visits[x]
            if at[par[x]] > w >> 1:
                cand = v[bisect_left(v, t0)]
            else:
                p = _find(tl, tl[w:w + 2], w + 2, len(tl))
                if p < 0:
                    continue
                if p >> 1 < j:
                    cand = v[bisect_left(v, t0)]
                else:
                    i = bisect_right(v, cstep[k0 + (p >> 1) - j])
                    if i == len(v):
                        continue
                    cand = v[i]
            if cand < best:
                best = cand
        # Nodes of this chunk visited later: overwritten before their last visit?
        off = 2 * (j - k0)
        for cs, x2, end, x in vis[bisect_left(vis_at, k0):]:
            if cs >= best:
                break
            w = off + x2
            p = tl.find(tl[w:w + 2], w + 2, off + end)
            if p >= 0:
                if p & 1:
                    p = _find(tl, tl[w:w + 2], p + 1, off + end)
                    if p < 0:
                        continue
                v = visits[x]
                cand = v[bisect_right(v, cstep[k0 + (p >> 1) - j])]
                if cand < best:
                    best = cand
        if best >= t1:
            j += m
            k0 = k1
            si = si1
            continue
        # A miss at step ``best``: keep the writes before it, step to the sequence's end.
        clean = False
        kc = ccount[best]
        j += kc - k0
        del tl[2 * j:]
        k0 = kc
        si = bisect_right(seq_start, best)
        t_end = seq_start[si] if si < nseq else total
        for t in range(best, t_end):
            x = step_node[t]
            a = at[par[x]]
            if cstep[x] == t:
                k0 += 1
            else:
                w = 2 * at[x]
                if a <= w >> 1 and _find(tl, tl[w:w + 2], w + 2, len(tl)) < 0:
                    continue
            tl += _CODES[_slot(base + a, plan.ss[x], plan.es[x], cache)]
            at[x] = j
            j += 1
    return j - 1


def _replay_steps(seqs: Sequences, base: int, cache: int) -> int:
    """``replay`` as the crate runs it, one step after the other."""
    keys: Dict[int, int] = {}
    ids: Dict[int, int] = {}
    alt_end = base - 1
    n = base
    for seq in seqs:
        end = alt_end
        for s, e in seq:
            key = end << 16 | s << 8 | e
            h = ((FNV_INIT ^ end) * FNV_PRIME ^ s) * FNV_PRIME
            slot = (((h ^ e) * FNV_PRIME) & M64) % cache
            if keys.get(slot) == key:
                end = ids[slot]
                continue
            keys[slot] = key
            ids[slot] = end = n
            n += 1
    return n - base


def _slot(end: int, s: int, e: int, cache: int) -> int:
    """The crate's ``Utf8SuffixMap`` slot of the key ``(end, s, e)``."""
    h = ((FNV_INIT ^ end) * FNV_PRIME ^ s) * FNV_PRIME
    return (((h ^ e) * FNV_PRIME) & M64) % cache


_plans: Dict[Tuple[Tuple[int, int], ...], Plan] = {}
#: ``(ranges, plan)`` of the last call, replaced as one tuple (threads compile at once).
_last: List[Optional[Tuple[Tuple[Tuple[int, int], ...], Plan]]] = [None]


def plan_of(key: Tuple[Tuple[int, int], ...], sequences: Callable[[Any], Sequences]) -> Plan:
    """The plan of the class ``key`` (its ranges), cached per process and bounded.

    The last one is also remembered by identity: a pattern repeating one class passes the
    same tuple each time, and hashing a big one costs as much as a small replay.
    """
    last = _last[0]
    if last is not None and last[0] is key:
        return last[1]
    got = _plans.get(key)
    if got is None:
        got = Plan(sequences(key))
        if len(_plans) > 64:
            _plans.clear()
        _plans[key] = got
    _last[0] = (key, got)
    return got
