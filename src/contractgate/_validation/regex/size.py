"""Reproduce the regex crate's "Compiled regex exceeds size limit" decision.

``Regex::new`` compiles a forward Thompson NFA (with capture states) and a
reverse one (without captures), each with ``nfa_size_limit = 10 MiB``.  The
builder counts ``32 bytes per state + 8 per sparse transition + 4 per union
alternate`` and fails as soon as either NFA exceeds the limit.  This module
replays regex-automata 0.4's Thompson compiler on our HIR, counting instead of
building:

* literals are one state per UTF-8 byte; an alternation of two or more plain
  literals goes through ``LiteralTrie`` (a sparse/range state and a union per
  inner trie node);
* Unicode classes become UTF-8 automata, forward through ``Utf8Compiler`` and
  backward through ``c_unicode_class_reverse_with_suffix``; both use small
  hash caches keyed by absolute state ids (FNV-1a, 10 000 and 1 000 slots).

``estimate`` is a fast version that models those caches as exact (never
evicting) and multiplies repeated sub-expressions; evictions only ever add
states, so it is a lower bound that is off by well under 1 %.  When it comes
within 2 % of the limit (evictions were measured
to add at most 0.4 %), ``exceeds_limit`` replays the build state by state
with absolute ids and the real cache behaviour.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from . import hir as H
from .charset import Ranges
from .errors import SIZE_LIMIT

STATE = 32
TRANSITION = 8
STATE_ID = 4
FORWARD_CACHE = 10_000
SUFFIX_CACHE = 1_000
EXACT_BAND = 0.98

_FNV_INIT = 14695981039346656037
_FNV_PRIME = 1099511628211
_M64 = (1 << 64) - 1

Cost = Tuple[int, int]  # (states, extra heap bytes)


def utf8_sequences(lo: int, hi: int) -> List[List[Tuple[int, int]]]:
    """regex-syntax's ``Utf8Sequences`` for the scalar range ``lo..=hi``."""
    out: List[List[Tuple[int, int]]] = []
    stack: List[Tuple[int, int]] = [(lo, hi)]
    while stack:
        start, end = stack.pop()
        while True:
            if start < 0xE000 and end > 0xD7FF:
                stack.append((0xE000, end))
                end = 0xD7FF
                continue
            if start > end:
                break
            split = False
            for mx in (0x7F, 0x7FF, 0xFFFF):
                if start <= mx < end:
                    stack.append((mx + 1, end))
                    end = mx
                    split = True
                    break
            if split:
                continue
            if end <= 0x7F:
                out.append([(start, end)])
                break
            for i in (1, 2, 3):
                m = (1 << (6 * i)) - 1
                if (start & ~m) != (end & ~m):
                    if start & m:
                        stack.append(((start | m) + 1, end))
                        end = start | m
                        split = True
                        break
                    if (end & m) != m:
                        stack.append((end & ~m, end))
                        end = (end & ~m) - 1
                        split = True
                        break
            if split:
                continue
            a = chr(start).encode("utf-8")
            b = chr(end).encode("utf-8")
            out.append(list(zip(a, b)))
            break
    return out


_seq_cache: Dict[Ranges, List[List[Tuple[int, int]]]] = {}


def _sequences(rs: Ranges) -> List[List[Tuple[int, int]]]:
    got = _seq_cache.get(rs)
    if got is None:
        got = [seq for lo, hi in rs for seq in utf8_sequences(lo, hi)]
        if len(_seq_cache) > 64:
            _seq_cache.clear()
        _seq_cache[rs] = got
    return got


def _fnv(values: List[int], slots: int) -> int:
    h = _FNV_INIT
    for v in values:
        h = ((h ^ v) * _FNV_PRIME) & _M64
    return h % slots


_bounds: Dict[int, Tuple[Ranges, Tuple[int, int, int]]] = {}
_bounds_by_value: Dict[Ranges, Tuple[int, int, int]] = {}


def _class_bound(rs: Ranges) -> Tuple[int, int, int]:
    """Cheap upper bounds: (UTF-8 sequences, total sequence length) of a class.

    Memoised by identity: a pattern with many copies of one class (``\\w``
    repeated) shares the tuple, and hashing a big one costs as much as the bound.
    """
    got = _bounds.get(id(rs))
    if got is not None and got[0] is rs:
        return got[1]
    # Equal classes built one by one (``[a-z\\d]`` parsed step by step) are
    # distinct tuples: small ones are also memoised by value.
    res = _bounds_by_value.get(rs) if len(rs) <= 256 else None
    if res is None:
        res = _class_bound_uncached(rs)
        if len(rs) <= 256:
            if len(_bounds_by_value) > 256:
                _bounds_by_value.clear()
            _bounds_by_value[rs] = res
    if len(_bounds) > 256:
        _bounds.clear()
    _bounds[id(rs)] = (rs, res)
    return res


def _class_bound_uncached(rs: Ranges) -> Tuple[int, int, int]:
    nseq = total = 0
    for lo, hi in rs:
        for a, b, k in ((0, 0x7F, 1), (0x80, 0x7FF, 2), (0x800, 0xFFFF, 3), (0x10000, 0x10FFFF, 4)):
            x, y = max(lo, a), min(hi, b)
            if x > y:
                continue
            n = 1 if (x >> 6) == (y >> 6) else 2 * k - 1
            if k == 3 and x < 0xE000 and y > 0xD7FF:
                n += 1  # split around the surrogates
            nseq += n
            total += n * k
    return nseq, total, 0


class _Builder:
    """Counts states and heap bytes; ``exact`` switches on absolute-id caches."""

    def __init__(self, exact: bool) -> None:
        self.exact = exact
        self.n = 0
        self.mem = 0

    def add(self, count: int = 1, mem: int = 0) -> int:
        sid = self.n
        self.n += count
        self.mem += mem
        return sid

    def total(self) -> int:
        return STATE * self.n + self.mem

    # -- Unicode classes -----------------------------------------------------------

    def forward_class(self, rs: Ranges) -> None:
        target = self.add()
        slots: Dict[int, Tuple[Tuple[int, ...], int]] = {}
        exact_map: Dict[Tuple[int, ...], int] = {}
        unc: List[Tuple[List[int], Optional[Tuple[int, int]]]] = [([], None)]

        def compile_node(trans: List[int]) -> int:
            key = tuple(trans)
            slot = -1
            if self.exact:
                slot = _fnv(trans, FORWARD_CACHE)
                hit = slots.get(slot)
                if hit is not None and hit[0] == key:
                    return hit[1]
            else:
                got = exact_map.get(key)
                if got is not None:
                    return got
            sid = self.add(1, TRANSITION * (len(trans) // 3))
            if self.exact:
                slots[slot] = (key, sid)
            else:
                exact_map[key] = sid
            return sid

        def freeze(node: Tuple[List[int], Optional[Tuple[int, int]]], nxt: int) -> List[int]:
            trans, last = node
            if last is not None:
                trans.extend((last[0], last[1], nxt))
            return trans

        def compile_from(frm: int) -> None:
            nxt = target
            while frm + 1 < len(unc):
                node = unc.pop()
                nxt = compile_node(freeze(node, nxt))
            trans = freeze(unc[-1], nxt)
            unc[-1] = (trans, None)

        for seq in _sequences(rs):
            prefix = 0
            for rng, node in zip(seq, unc):
                if node[1] is not None and node[1] == rng:
                    prefix += 1
                else:
                    break
            compile_from(prefix)
            unc[-1] = (unc[-1][0], seq[prefix])
            for r in seq[prefix + 1:]:
                unc.append(([], r))
        compile_from(0)
        root = unc.pop()
        compile_node(root[0])

    def reverse_class(self, rs: Ranges) -> None:
        self.add(2)  # union, alt_end
        alt_end = self.n - 1
        slots: Dict[int, Tuple[Tuple[int, int, int], int]] = {}
        exact_map: Dict[Tuple[int, int, int], int] = {}
        for seq in _sequences(rs):
            end = alt_end
            for s, e in seq:
                key = (end, s, e)
                slot = -1
                if self.exact:
                    slot = _fnv([end, s, e], SUFFIX_CACHE)
                    hit = slots.get(slot)
                    if hit is not None and hit[0] == key:
                        end = hit[1]
                        continue
                else:
                    got = exact_map.get(key)
                    if got is not None:
                        end = got
                        continue
                sid = self.add()
                if self.exact:
                    slots[slot] = (key, sid)
                else:
                    exact_map[key] = sid
                end = sid
            self.mem += STATE_ID


def _trie(literals: List[bytes]) -> Cost:
    """LiteralTrie::compile: per inner node, one state per chunk plus a union."""
    # node: [transitions {byte: child}, order of bytes, chunks (list of byte lists), is_match]
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
    states, mem = 1, 0  # the shared end state
    for trans, chunks in nodes:
        if not trans:
            continue  # a leaf: its parent points straight at `end`
        alternates = 0
        all_chunks = [c for c in chunks]
        for i, chunk in enumerate(all_chunks):
            if i > 0:
                alternates += 1  # a match between chunks: `end`
            if chunk:
                states += 1
                if len(chunk) > 1:
                    mem += TRANSITION * len(chunk)
                alternates += 1
        states += 1
        mem += STATE_ID * alternates
    return states, mem


def _is_literal_alt(h: H.Hir) -> bool:
    return isinstance(h, H.HAlternation) and all(isinstance(s, H.HLiteral) for s in h.subs)


def _min_len(h: H.Hir) -> Optional[int]:
    if isinstance(h, (H.HEmpty, H.HLook)):
        return 0
    if isinstance(h, H.HLiteral):
        return len(h.chars.encode("utf-8"))
    if isinstance(h, H.HClass):
        return 1 if h.ranges else None
    if isinstance(h, H.HCapture):
        return _min_len(h.sub)
    if isinstance(h, H.HRepetition):
        m = _min_len(h.sub)
        return None if m is None else m * h.min
    if isinstance(h, (H.HConcat, H.HRun)):
        total = 0
        for s, n in h.pairs if isinstance(h, H.HRun) else [(x, 1) for x in h.subs]:
            m = _min_len(s)
            if m is None:
                return None
            total += m * n
        return total
    if isinstance(h, H.HAltBag):
        # Only in the lower bound, where a longer minimum is the cheaper
        # assumption for x*: bags are left out (1 if nothing else is there).
        parts = [x for x in h.parts if not isinstance(x, H.HBag)]
        lens = [m for m in map(_min_len, parts) if m is not None]
        return min(lens) if lens else (1 if len(parts) < len(h.parts) else None)
    assert isinstance(h, H.HAlternation)
    best: Optional[int] = None
    for s in h.subs:
        m = _min_len(s)
        if m is not None and (best is None or m < best):
            best = m
    return best


_class_costs: Dict[Tuple[bool, Ranges], Cost] = {}


class _Sim:
    """Replays ``Compiler::c`` in state-creation order."""

    def __init__(self, reverse: bool, exact: bool, bound: bool = False) -> None:
        self.reverse = reverse
        self.b = _Builder(exact)
        self.exact = exact
        self.bound = bound
        self._fast_cache: Dict[Tuple[int, int], Cost] = {}
        self._hash_free: Dict[int, bool] = {}

    def over(self) -> bool:
        return self.exact and self.b.total() > SIZE_LIMIT

    def c(self, h: H.Hir) -> None:
        b = self.b
        if self.over():
            return
        if isinstance(h, H.HEmpty):
            b.add()
        elif isinstance(h, H.HLiteral):
            b.add(len(h.chars.encode("utf-8")))
        elif isinstance(h, H.HClass):
            rs = h.ranges
            if not rs or rs[-1][1] <= 0x7F:
                b.add(2, TRANSITION * len(rs))
            elif self.bound:
                nseq, total, _ = _class_bound(rs)
                if self.reverse:
                    b.add(2 + total, STATE_ID * nseq)
                else:
                    b.add(2 + total, TRANSITION * total)
            elif self.exact:
                if self.reverse:
                    b.reverse_class(rs)
                else:
                    b.forward_class(rs)
            else:
                key = (self.reverse, rs)
                got = _class_costs.get(key)
                if got is None:
                    tmp = _Builder(False)
                    if self.reverse:
                        tmp.reverse_class(rs)
                    else:
                        tmp.forward_class(rs)
                    got = (tmp.n, tmp.mem)
                    if len(_class_costs) > 256:
                        _class_costs.clear()
                    _class_costs[key] = got
                b.add(got[0], got[1])
        elif isinstance(h, H.HLook):
            b.add()
        elif isinstance(h, H.HCapture):
            if self.reverse:
                self.c(h.sub)
            else:
                b.add()
                self.c(h.sub)
                b.add()
        elif isinstance(h, H.HConcat):
            for s in reversed(h.subs) if self.reverse else h.subs:
                self.c(s)
        elif isinstance(h, H.HRun):
            # Compact nodes only reach the (non-exact) lower-bound estimate,
            # where the order of the items does not matter.
            assert not self.exact
            for s, n in h.pairs:
                self.times(s, n)
        elif isinstance(h, H.HAltBag):
            assert not self.exact
            count = 0
            for part in h.parts:
                if isinstance(part, H.HBag):
                    # Each branch is at least one state (an empty one too).
                    n0 = b.n
                    for s, n in part.items:
                        self.times(s, n)
                    b.add(max(0, part.count - (b.n - n0)))
                    count += part.count
                else:
                    self.c(part)
                    count += 1
            b.add(2, STATE_ID * count)
        elif isinstance(h, H.HAlternation):
            if _is_literal_alt(h):
                lits = [s.chars.encode("utf-8") for s in h.subs]  # type: ignore[attr-defined]
                if self.reverse:
                    lits = [x[::-1] for x in lits]
                ns, nm = _trie(lits)
                b.add(ns, nm)
            else:
                subs = h.subs
                self.c(subs[0])
                self.c(subs[1])
                b.add(2, STATE_ID * len(subs))
                for s in subs[2:]:
                    self.c(s)
        else:
            assert isinstance(h, H.HRepetition)
            self.repetition(h)

    def hash_free(self, h: H.Hir) -> bool:
        """True if compiling ``h`` never consults an id-keyed cache (no non-ASCII class)."""
        key = id(h)
        got = self._hash_free.get(key)
        if got is None:
            got = True
            stack = [h]
            while stack and got:
                x = stack.pop()
                if isinstance(x, H.HClass):
                    got = not x.ranges or x.ranges[-1][1] <= 0x7F
                elif isinstance(x, (H.HRepetition, H.HCapture)):
                    stack.append(x.sub)
                elif isinstance(x, (H.HConcat, H.HAlternation)):
                    stack.extend(x.subs)
            self._hash_free[key] = got
        return got

    def times(self, h: H.Hir, n: int) -> None:
        """``n`` consecutive copies of ``h`` (c_exactly without the empty case)."""
        if n <= 0:
            return
        if self.exact and not self.hash_free(h):
            for _ in range(n):
                self.c(h)
                if self.over():
                    return
            return
        key = (id(h), 0)
        got = self._fast_cache.get(key)
        if got is None:
            n0, m0 = self.b.n, self.b.mem
            self.c(h)
            got = (self.b.n - n0, self.b.mem - m0)
            self._fast_cache[key] = got
            n -= 1
        self.b.add(got[0] * n, got[1] * n)

    def exactly(self, h: H.Hir, n: int) -> None:
        if n == 0:
            self.b.add()
        else:
            self.times(h, n)

    def repetition(self, h: H.HRepetition) -> None:
        b = self.b
        rmin, rmax, sub = h.min, h.max, h.sub
        if rmin == 0 and rmax == 1:
            b.add()
            self.c(sub)
            b.add(1, 2 * STATE_ID)
        elif rmax is None:
            if rmin == 0:
                ml = _min_len(sub)
                if ml is not None and ml > 0:
                    b.add(1, 2 * STATE_ID)
                    self.c(sub)
                else:
                    self.c(sub)
                    b.add(3, 4 * STATE_ID)
            elif rmin == 1:
                self.c(sub)
                b.add(1, 2 * STATE_ID)
            else:
                self.times(sub, rmin)
                b.add(1, 2 * STATE_ID)
        elif rmin == rmax:
            self.exactly(sub, rmin)
        else:
            self.exactly(sub, rmin)
            b.add()
            if self.exact and not self.hash_free(sub):
                for _ in range(rmax - rmin):
                    b.add(1, 2 * STATE_ID)
                    self.c(sub)
                    if self.over():
                        return
            else:
                key = (id(sub), 1)
                got = self._fast_cache.get(key)
                k = rmax - rmin
                if got is None:
                    n0, m0 = b.n, b.mem
                    b.add(1, 2 * STATE_ID)
                    self.c(sub)
                    got = (b.n - n0, b.mem - m0)
                    self._fast_cache[key] = got
                    k -= 1
                b.add(got[0] * k, got[1] * k)


def _anchored_end(h: H.Hir) -> bool:
    if isinstance(h, H.HLook):
        return h.look == H.END
    if isinstance(h, H.HCapture):
        return _anchored_end(h.sub)
    if isinstance(h, H.HRepetition):
        return h.min > 0 and _anchored_end(h.sub)
    if isinstance(h, H.HConcat):
        for s in reversed(h.subs):
            if _anchored_end(s):
                return True
            if H.max_len(s) != 0:
                return False
        return False
    if isinstance(h, H.HAlternation):
        return all(_anchored_end(s) for s in h.subs)
    return False


def _simulate(
    h: H.Hir, reverse: bool, exact: bool, bound: bool = False, lower: bool = False
) -> int:
    sim = _Sim(reverse, exact, bound)
    b = sim.b
    if lower:
        anchored = True  # the cheaper start; the anchoring tests do not know compact nodes
    else:
        anchored = _anchored_end(h) if reverse else H.anchored_start(h)
    if anchored:
        b.add()
    else:
        b.add(3, 2 * STATE_ID + TRANSITION)  # (?s-u:.)*? : union, empty, sparse
    if not reverse:
        b.add()  # capture start of group 0
    sim.c(h)
    if not reverse:
        b.add()  # capture end of group 0
    b.add()  # match
    return b.total()


def estimate(h: H.Hir) -> Tuple[int, int]:
    """(forward, reverse) NFA heap sizes in bytes, with exact (non-evicting) caches."""
    return _simulate(h, False, False), _simulate(h, True, False)


def exceeds_lower_bound(h: H.Hir) -> bool:
    """True if the non-exact estimate (a lower bound) of ``h`` exceeds the limit.

    Accepts the compact nodes of ``_hir`` (``HRun``, ``HAltBag``): each item
    is costed once and multiplied by its count, so a multi-megabyte run is
    decided without building its HIR.
    """
    return (
        _simulate(h, False, False, lower=True) > SIZE_LIMIT
        or _simulate(h, True, False, lower=True) > SIZE_LIMIT
    )


def exceeds_limit(h: H.Hir) -> bool:
    # A cheap upper bound settles most patterns without compiling any class.
    fwd_bound = _simulate(h, False, False, True)
    if fwd_bound <= SIZE_LIMIT and _simulate(h, True, False, True) <= SIZE_LIMIT:
        return False
    fwd, rev = estimate(h)
    if fwd > SIZE_LIMIT or rev > SIZE_LIMIT:
        return True
    band = EXACT_BAND * SIZE_LIMIT
    if fwd >= band and _simulate(h, False, True) > SIZE_LIMIT:
        return True
    return rev >= band and _simulate(h, True, True) > SIZE_LIMIT
