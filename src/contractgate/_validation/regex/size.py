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

from typing import Any, Dict, List, Optional, Tuple, cast

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


def _min_len(root: H.Hir) -> Optional[int]:
    """The fewest UTF-8 bytes a match of ``root`` takes (None: it never matches)."""
    out: List[Optional[int]] = []
    stack: List[Tuple[H.Hir, bool]] = [(root, False)]
    while stack:
        h, done = stack.pop()
        if isinstance(h, (H.HEmpty, H.HLook)):
            out.append(0)
            continue
        if isinstance(h, H.HLiteral):
            out.append(len(h.chars.encode("utf-8")))
            continue
        if isinstance(h, H.HClass):
            out.append(1 if h.ranges else None)
            continue
        subs = H.children(h)
        if not done:
            stack.append((h, True))
            stack.extend((x, False) for x in reversed(subs))
            continue
        vals = out[len(out) - len(subs):]
        del out[len(out) - len(subs):]
        value: Optional[int]
        if isinstance(h, H.HCapture):
            value = vals[0]
        elif isinstance(h, H.HRepetition):
            value = None if vals[0] is None else vals[0] * h.min
        elif isinstance(h, H.HConcat):
            value = None if any(v is None for v in vals) else sum(vals)  # type: ignore[arg-type]
        else:
            value = min((v for v in vals if v is not None), default=None)
        out.append(value)
    return out[0]


_class_costs: Dict[Tuple[bool, Ranges], Cost] = {}

# The simulator's tasks (a stack of tuples whose first item is one of these):
# (_C, hir) compiles ``hir``; (_ADD, states, bytes); (_SEQ, items, next index,
# reversed) compiles items one after the other; (_TIMES, hir, n) and
# (_OPTIONAL, hir, n) are ``n`` copies of ``hir`` (the latter each after a
# union, as ``c_bounded`` adds them); (_MEASURE, key, n, states, bytes)
# records the cost of the copy just compiled and adds ``n`` more.
_C, _ADD, _SEQ, _TIMES, _OPTIONAL, _MEASURE = range(6)
_LEAF = frozenset([H.HEmpty, H.HLiteral, H.HClass, H.HLook])


class _Sim:
    """Replays ``Compiler::c`` in state-creation order, over an explicit task stack
    (no recursion, so nesting depth costs no Python frames).

    ``stop``: the replay ends as soon as the total exceeds it (the answer is
    then known to be over the limit; totals only grow).
    """

    def __init__(
        self, reverse: bool, exact: bool, bound: bool = False, stop: Optional[int] = None
    ) -> None:
        self.reverse = reverse
        self.b = _Builder(exact)
        self.exact = exact
        self.bound = bound
        self.stop = stop
        self._fast_cache: Dict[Tuple[int, int], Cost] = {}
        self._hash_free: Dict[int, bool] = {}

    def run(self, root: H.Hir) -> None:
        b = self.b
        stop = self.stop
        tasks: List[Tuple[Any, ...]] = [(_C, root)]
        while tasks:
            if stop is not None and b.total() > stop:
                return
            t = tasks.pop()
            op = t[0]
            if op == _SEQ:
                subs, i, rev = t[1], t[2], t[3]
                n = len(subs)
                while i < n:
                    s = subs[n - 1 - i] if rev else subs[i]
                    i += 1
                    kind = type(s)
                    if kind is H.HLiteral:
                        chars = cast(H.HLiteral, s).chars
                        b.n += len(chars) if chars.isascii() else len(chars.encode("utf-8"))
                    elif kind is H.HEmpty or kind is H.HLook:
                        b.n += 1
                    elif kind is H.HClass:
                        self.unicode_class(cast(H.HClass, s).ranges)
                    elif kind is H.HCapture and type(cast(H.HCapture, s).sub) in _LEAF:  # (a)
                        if not self.reverse:
                            b.add()
                        self.leaf(cast(H.HCapture, s).sub)
                        if not self.reverse:
                            b.add()
                    else:
                        # Copies of one shared node in a row (``a?`` repeated) are
                        # priced once.
                        k = 1
                        while i < n and (subs[n - 1 - i] if rev else subs[i]) is s:
                            i += 1
                            k += 1
                        tasks.append((_SEQ, subs, i, rev))
                        tasks.append((_TIMES, s, k) if k > 1 else (_C, s))
                        break
                    if stop is not None and STATE * b.n + b.mem > stop:
                        return
            elif op == _C:
                h = t[1]
                if type(h) in _LEAF:
                    self.leaf(h)
                else:
                    self.composite(h, tasks)
            elif op == _ADD:
                b.add(t[1], t[2])
            elif op == _TIMES:
                self.times(t[1], t[2], tasks)
            elif op == _OPTIONAL:
                self.optional(t[1], t[2], tasks)
            else:
                key, k, n0, m0 = t[1], t[2], t[3], t[4]
                got = (b.n - n0, b.mem - m0)
                self._fast_cache[key] = got
                b.add(got[0] * k, got[1] * k)

    def leaf(self, h: H.Hir) -> None:
        b = self.b
        if isinstance(h, (H.HEmpty, H.HLook)):
            b.add()
        elif isinstance(h, H.HLiteral):
            b.add(len(h.chars.encode("utf-8")))
        else:
            assert isinstance(h, H.HClass)
            self.unicode_class(h.ranges)

    def unicode_class(self, rs: Ranges) -> None:
        b = self.b
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

    def composite(self, h: H.Hir, tasks: List[Tuple[Any, ...]]) -> None:
        """Push the tasks of ``h`` (the last pushed runs first)."""
        b = self.b
        if isinstance(h, H.HCapture):
            if self.reverse:
                tasks.append((_C, h.sub))
            else:
                b.add()
                tasks.append((_ADD, 1, 0))
                tasks.append((_C, h.sub))
        elif isinstance(h, H.HConcat):
            tasks.append((_SEQ, h.subs, 0, self.reverse))
        elif isinstance(h, H.HAlternation):
            if _is_literal_alt(h):
                lits = [s.chars.encode("utf-8") for s in h.subs]  # type: ignore[attr-defined]
                if self.reverse:
                    lits = [x[::-1] for x in lits]
                b.add(*_trie(lits))
            else:
                subs = h.subs
                tasks.append((_SEQ, subs[2:], 0, False))
                tasks.append((_ADD, 2, STATE_ID * len(subs)))
                tasks.append((_C, subs[1]))
                tasks.append((_C, subs[0]))
        else:
            assert isinstance(h, H.HRepetition), h
            self.repetition(h, tasks)

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
                else:
                    stack.extend(H.children(x))
            self._hash_free[key] = got
        return got

    def times(self, h: H.Hir, n: int, tasks: List[Tuple[Any, ...]]) -> None:
        """``n`` consecutive copies of ``h`` (c_exactly without the empty case): one
        is compiled and the others priced alike, unless state ids matter."""
        if n <= 0:
            return
        if self.exact and not self.hash_free(h):
            tasks.append((_TIMES, h, n - 1))
            tasks.append((_C, h))
            return
        key = (id(h), 0)
        got = self._fast_cache.get(key)
        if got is not None:
            self.b.add(got[0] * n, got[1] * n)
            return
        tasks.append((_MEASURE, key, n - 1, self.b.n, self.b.mem))
        tasks.append((_C, h))

    def optional(self, h: H.Hir, n: int, tasks: List[Tuple[Any, ...]]) -> None:
        """``n`` copies of a union then ``h`` (the optional part of ``c_bounded``)."""
        if n <= 0:
            return
        if self.exact and not self.hash_free(h):
            tasks.append((_OPTIONAL, h, n - 1))
            tasks.append((_C, h))
            tasks.append((_ADD, 1, 2 * STATE_ID))
            return
        key = (id(h), 1)
        got = self._fast_cache.get(key)
        if got is not None:
            self.b.add(got[0] * n, got[1] * n)
            return
        tasks.append((_MEASURE, key, n - 1, self.b.n, self.b.mem))
        tasks.append((_C, h))
        tasks.append((_ADD, 1, 2 * STATE_ID))

    def repetition(self, h: H.HRepetition, tasks: List[Tuple[Any, ...]]) -> None:
        b = self.b
        rmin, rmax, sub = h.min, h.max, h.sub
        if rmin == 0 and rmax == 1:
            b.add()
            tasks.append((_ADD, 1, 2 * STATE_ID))
            tasks.append((_C, sub))
        elif rmax is None:
            if rmin == 0:
                ml = _min_len(sub)
                if ml is not None and ml > 0:
                    b.add(1, 2 * STATE_ID)
                    tasks.append((_C, sub))
                else:
                    tasks.append((_ADD, 3, 4 * STATE_ID))
                    tasks.append((_C, sub))
            else:
                tasks.append((_ADD, 1, 2 * STATE_ID))
                if rmin == 1:
                    tasks.append((_C, sub))
                else:
                    tasks.append((_TIMES, sub, rmin))
        else:
            if rmax > rmin:
                tasks.append((_OPTIONAL, sub, rmax - rmin))
                tasks.append((_ADD, 1, 0))
            if rmin == 0:
                tasks.append((_ADD, 1, 0))
            else:
                tasks.append((_TIMES, sub, rmin))


def _simulate(
    h: H.Hir, reverse: bool, exact: bool, bound: bool = False, stop: Optional[int] = None
) -> int:
    sim = _Sim(reverse, exact, bound, stop)
    b = sim.b
    anchored = H.anchored_end(h) if reverse else H.anchored_start(h)
    if anchored:
        b.add()
    else:
        b.add(3, 2 * STATE_ID + TRANSITION)  # (?s-u:.)*? : union, empty, sparse
    if not reverse:
        b.add()  # capture start of group 0
    sim.run(h)
    if not reverse:
        b.add()  # capture end of group 0
    b.add()  # match
    return b.total()


def estimate(h: H.Hir) -> Tuple[int, int]:
    """(forward, reverse) NFA heap sizes in bytes, with exact (non-evicting) caches."""
    return _simulate(h, False, False), _simulate(h, True, False)


def exceeds_limit(h: H.Hir) -> bool:
    """Whether either NFA ``Regex::new`` builds for ``h`` exceeds the size limit."""
    limit = SIZE_LIMIT
    # A cheap upper bound settles most patterns without compiling any class.
    if (
        _simulate(h, False, False, True, limit) <= limit
        and _simulate(h, True, False, True, limit) <= limit
    ):
        return False
    fwd = _simulate(h, False, False, stop=limit)
    if fwd > limit:
        return True
    rev = _simulate(h, True, False, stop=limit)
    if rev > limit:
        return True
    band = EXACT_BAND * limit
    if fwd >= band and _simulate(h, False, True, stop=limit) > limit:
        return True
    return rev >= band and _simulate(h, True, True, stop=limit) > limit
