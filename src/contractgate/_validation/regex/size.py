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

from typing import Any, Dict, List, Optional, Tuple

from . import hir as H
from .charset import Ranges
from .errors import SIZE_LIMIT
from .suffix_replay import FNV_INIT as _FNV_INIT
from .suffix_replay import FNV_PRIME as _FNV_PRIME
from .suffix_replay import M64 as _M64
from .suffix_replay import SUFFIX_CACHE as SUFFIX_CACHE
from .suffix_replay import plan_of, replay
from .trie_size import trie_cost
from .utf8seq import sequences as _sequences

STATE = 32
TRANSITION = 8
STATE_ID = 4
FORWARD_CACHE = 10_000
EXACT_BAND = 0.98

Cost = Tuple[int, int]  # (states, extra heap bytes)

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
        """``Utf8Compiler`` over the class's sequences: nodes are compiled (hashed by
        their transitions, next ids included) when the next sequence no longer shares
        their prefix."""
        exact = self.exact
        target = self.add()
        keys: Dict[int, Tuple[int, ...]] = {}  # slot -> key (exact: 10 000 slots)
        ids: Dict[Any, int] = {}  # slot -> state (exact), or key -> state
        slots: Dict[Tuple[int, ...], int] = {}  # key -> slot (hashing is slow)
        unc: List[Tuple[List[int], Optional[Tuple[int, int]]]] = [([], None)]

        def compile_node(trans: List[int]) -> int:
            key = tuple(trans)
            if not exact:
                got = ids.get(key)
                if got is not None:
                    return got
                sid = ids[key] = self.add(1, TRANSITION * (len(trans) // 3))
                return sid
            slot = slots.get(key)
            if slot is None:
                h = _FNV_INIT
                for v in trans:
                    h = ((h ^ v) * _FNV_PRIME) & _M64
                slot = slots[key] = h % FORWARD_CACHE
            elif keys.get(slot) == key:
                return ids[slot]
            sid = self.add(1, TRANSITION * (len(trans) // 3))
            keys[slot] = key
            ids[slot] = sid
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
        """``c_unicode_class_reverse_with_suffix``: each sequence from its first byte
        range, sharing the states cached under ``(next state, range)``."""
        self.add(2)  # union, alt_end
        if self.exact:  # keys hold absolute ids: every copy is replayed, with evictions
            plan = plan_of(rs, _sequences)
            self.mem += STATE_ID * len(plan.seq_start)
            self.n += replay(plan, self.n)
            return
        alt_end = self.n - 1
        seqs = _sequences(rs)
        self.mem += STATE_ID * len(seqs)
        n = self.n
        known: Dict[int, int] = {}
        for seq in seqs:
            end = alt_end
            for s, e in seq:
                key = end << 16 | s << 8 | e
                got = known.get(key)
                if got is None:
                    got = known[key] = n
                    n += 1
                end = got
        self.n = n


def _trie(literals: List[bytes]) -> Cost:
    """LiteralTrie::compile: per inner node, one state per chunk plus a union."""
    return trie_cost(literals, TRANSITION, STATE_ID)


def _is_literal_alt(h: H.Hir) -> bool:
    return isinstance(h, H.HAlternation) and all(isinstance(s, H.HLiteral) for s in h.subs)


def _min_len_leaf(h: H.Hir) -> Any:
    if isinstance(h, (H.HEmpty, H.HLook)):
        return 0
    if isinstance(h, H.HLiteral):
        return len(h.chars.encode("utf-8"))
    if isinstance(h, H.HClass):
        return 1 if h.ranges else None
    return H.DEFER


def _min_len_combine(h: H.Hir, vals: List[Optional[int]]) -> Optional[int]:
    if isinstance(h, H.HCapture):
        return vals[0]
    if isinstance(h, H.HRepetition):
        return None if vals[0] is None else vals[0] * h.min
    if isinstance(h, H.HConcat):
        return None if any(v is None for v in vals) else sum(vals)  # type: ignore[arg-type]
    return min((v for v in vals if v is not None), default=None)


def _min_len(root: H.Hir) -> Optional[int]:
    """The fewest UTF-8 bytes a match of ``root`` takes (None: it never matches)."""
    value: Optional[int] = H.fold(root, _min_len_leaf, _min_len_combine)
    return value


_class_costs: Dict[Tuple[bool, Ranges], Cost] = {}

#: A replay of both NFAs at once keeps the reverse NFA's counts ``LANE`` times higher in
#: the same integers (sums of non-negative counts far below ``LANE`` never carry over).
LANE_BITS = 96
LANE = 1 << LANE_BITS
LOW = LANE - 1
BOTH = 1 + LANE

# The simulator's tasks (a stack of tuples whose first item is one of these):
# (_C, hir) compiles ``hir``; (_ADD, states, bytes); (_SEQ, items, next index,
# reversed) compiles items one after the other; (_TIMES, hir, n) and
# (_OPTIONAL, hir, n) are ``n`` copies of ``hir`` (the latter each after a
# union, as ``c_bounded`` adds them); (_MEASURE, key, n, states, bytes, hashed)
# records the cost of the copy just compiled and adds ``n`` more; (_RECORD, hir,
# states, bytes, hashed) records what compiling ``hir`` cost.
_C, _ADD, _SEQ, _TIMES, _OPTIONAL, _MEASURE, _RECORD = range(7)
_CHECK_EVERY = 64
#: Price a word of a list (a concatenation of classes and literals) as the sum of its
#: items' costs, each class priced once (the tests turn it off to compare).
_WORD_SUMS = True
#: ``run`` sums a concatenation's simple items before multiplying by ``unit`` (the
#: tests turn it off: added item by item, to compare).
_FAST_SEQ = True
#: ... and counts a capture of an ASCII literal (``(a)``) among those simple items (the
#: tests turn it off: added to the totals one by one, to compare).
_FAST_CAPS = True
#: The packed cost of a word: states, bytes and hashed classes on lanes this wide.
_FIELD_BITS = 256
_FIELD = (1 << _FIELD_BITS) - 1
_UNPRICED_BITS = 3 * _FIELD_BITS
_UNPRICED = 1 << _UNPRICED_BITS
_LEAF = frozenset([H.HEmpty, H.HLiteral, H.HClass, H.HLook])

#: id(node) -> (node, states, bytes, hash-free) of the composite nodes a replay of both
#: NFAs compiled (lanes packed): the exact replay adds a hash-free node's cost as it is.
Records = Dict[int, Tuple[H.Hir, int, int, bool]]


class _Sim:
    """Replays ``Compiler::c`` in state-creation order, over an explicit task stack
    (no recursion, so nesting depth costs no Python frames).

    ``reverse``: the reverse NFA, the forward one, or ``None``: both at once (lanes,
    without ``exact``).  ``stop``: the replay ends as soon as a total exceeds it (the
    answer is then known to be over the limit; totals only grow).  ``records``: filled
    by a replay of both NFAs, read by an exact one.
    """

    def __init__(
        self,
        reverse: Optional[bool],
        exact: bool,
        bound: bool = False,
        stop: Optional[int] = None,
        records: Optional[Records] = None,
    ) -> None:
        assert not (exact and reverse is None), "the exact replay is one NFA at a time"
        self.reverse = reverse
        self.b = _Builder(exact)
        self.exact = exact
        self.bound = bound
        self.stop = stop
        self.records = records
        self.unit = BOTH if reverse is None else 1  # a state of every NFA replayed
        self.cap = 0 if reverse else 1  # a capture state (forward NFA only)
        self.hashed = 0  # classes compiled through an id-keyed cache (non-ASCII)
        self.skipped = 0  # nodes an exact replay priced from ``records``
        self._fast_cache: Dict[Tuple[int, int], Tuple[int, int, int]] = {}
        self._leaf_costs: Dict[int, int] = {}  # id(ranges): packed cost (``class_cost``)
        self._kept: List[Ranges] = []  # (the ranges of those ids, kept alive)
        self._hash_free: Dict[int, bool] = {}

    def totals(self) -> Tuple[int, int]:
        """(forward, reverse) heap bytes so far (one of them 0 for a one-NFA replay)."""
        t = self.b.total()
        if self.reverse is None:
            return t & LOW, t >> LANE_BITS
        return (0, t) if self.reverse else (t, 0)

    def over(self) -> bool:
        stop = self.stop
        if stop is None:
            return False
        t = STATE * self.b.n + self.b.mem
        return t > stop and (self.reverse is not None or (t & LOW) > stop or t >> LANE_BITS > stop)

    def run(self, root: H.Hir) -> None:
        b = self.b
        stop = self.stop
        unit, cap, rev = self.unit, self.cap, bool(self.reverse)
        records = self.records
        recording = records is not None and not self.exact
        per_item = not _FAST_SEQ
        caps = _FAST_CAPS and not per_item
        cap2 = 2 * cap
        # (the per-item names as locals: a global and an attribute each, saved per item)
        literal, klass, empty, look = H.HLiteral, H.HClass, H.HEmpty, H.HLook
        capture, hconcat, transition = H.HCapture, H.HConcat, TRANSITION
        tasks: List[Tuple[Any, ...]] = [(_C, root)]
        # The stop is checked every ``_CHECK_EVERY`` steps (totals only grow: a later
        # stop gives the same answer).
        countdown = _CHECK_EVERY
        while tasks:
            countdown -= 1
            if not countdown:
                countdown = _CHECK_EVERY
                if stop is not None and self.over():
                    return
            t = tasks.pop()
            op = t[0]
            if op == _SEQ:
                subs, i = t[1], t[2]
                n = len(subs)
                # Literals, ASCII classes and empties add ``dn`` states and ``dm`` bytes
                # per NFA replayed, multiplied by ``unit`` (a big integer for two NFAs)
                # and added to the totals once, before anything reads them.
                dn = dm = dx = 0  # dx: capture states (forward NFA only: not by ``unit``)
                while i < n:
                    s = subs[n - 1 - i] if rev else subs[i]
                    i += 1
                    kind = type(s)
                    if kind is literal:
                        chars: str = s.chars
                        dn += len(chars) if chars.isascii() else len(chars.encode("utf-8"))
                    elif kind is klass and (not (rs := s.ranges) or rs[-1][1] <= 0x7F):
                        dn += 2
                        dm += transition * len(rs)
                    elif kind is empty or kind is look:
                        dn += 1
                    elif (
                        caps and kind is capture and type(sub := s.sub) is literal
                        and (chars := sub.chars).isascii()
                    ):
                        dn += len(chars)
                        dx += cap2
                    elif kind is hconcat and (wc := self.word(s.subs)) is not None:
                        # (``word`` prices from relative counts: no need to add first)
                        b.n += wc & _FIELD
                        b.mem += (wc >> _FIELD_BITS) & _FIELD
                        self.hashed += wc >> 2 * _FIELD_BITS
                    elif dn or dm or dx:  # (the item again, with the totals up to date)
                        b.n += dn * unit + dx
                        b.mem += dm * unit
                        dn = dm = dx = 0
                        i -= 1
                        continue
                    elif kind is klass:
                        self.unicode_class(s.ranges)
                    elif kind is capture and type(s.sub) in _LEAF:  # (a)
                        sub = s.sub
                        if type(sub) is literal and sub.chars.isascii():
                            b.n += 2 * cap + len(sub.chars) * unit
                        else:
                            b.n += 2 * cap
                            self.leaf(sub)
                    elif kind is hconcat:  # (a nested concatenation: a word of a list)
                        tasks.append((_SEQ, subs, i))
                        tasks.append((_SEQ, s.subs, 0))
                        break
                    else:
                        # Copies of one shared node in a row (``a?`` repeated) are
                        # priced once.
                        k = 1
                        while i < n and (subs[n - 1 - i] if rev else subs[i]) is s:
                            i += 1
                            k += 1
                        tasks.append((_SEQ, subs, i))
                        tasks.append((_TIMES, s, k) if k > 1 else (_C, s))
                        break
                    if per_item and (dn or dm):
                        b.n += dn * unit
                        b.mem += dm * unit
                        dn = dm = 0
                    countdown -= 1
                    if not countdown:
                        countdown = _CHECK_EVERY
                        if dn or dm or dx:
                            b.n += dn * unit + dx
                            b.mem += dm * unit
                            dn = dm = dx = 0
                        if stop is not None and self.over():
                            return
                else:
                    b.n += dn * unit + dx
                    b.mem += dm * unit
            elif op == _C:
                h = t[1]
                if type(h) in _LEAF:
                    self.leaf(h)
                elif not self.recorded(h):
                    if recording:
                        tasks.append((_RECORD, h, b.n, b.mem, self.hashed))
                    self.composite(h, tasks)
            elif op == _ADD:
                b.add(t[1], t[2])
            elif op == _TIMES:
                self.times(t[1], t[2], tasks)
            elif op == _OPTIONAL:
                self.optional(t[1], t[2], tasks)
            elif op == _MEASURE:
                key, k, n0, m0, c0 = t[1], t[2], t[3], t[4], t[5]
                got = (b.n - n0, b.mem - m0, self.hashed - c0)
                self._fast_cache[key] = got
                b.add(got[0] * k, got[1] * k)
                self.hashed += got[2] * k
            else:
                h, n0, m0, c0 = t[1], t[2], t[3], t[4]
                assert records is not None
                records[id(h)] = (h, b.n - n0, b.mem - m0, self.hashed == c0)

    def word(self, subs: List[H.Hir]) -> Optional[int]:
        """The packed cost of a word of classes and literals (None: something else, or
        an exact replay's non-ASCII class), summed from per-class costs."""
        if not _WORD_SUMS:
            return None
        costs = self._leaf_costs
        try:  # classes only, all priced before (a word under ``(?i)``)
            packed: int = sum([costs[id(x.ranges)] for x in subs])  # type: ignore[attr-defined, misc]
            return None if packed >> _UNPRICED_BITS else packed
        except (AttributeError, KeyError):
            pass
        total = 0
        for x in subs:
            t = type(x)
            if t is H.HLiteral:
                chars: str = x.chars  # type: ignore[attr-defined]
                k = len(chars) if chars.isascii() else len(chars.encode("utf-8"))
                total += k * self.unit
            elif t is H.HClass:
                rs: Ranges = x.ranges  # type: ignore[attr-defined]
                cost = costs.get(id(rs))
                if cost is None:
                    cost = costs[id(rs)] = self.class_cost(rs)
                    self._kept.append(rs)
                if cost >> _UNPRICED_BITS:
                    return None
                total += cost
            else:
                return None
        return total

    def class_cost(self, rs: Ranges) -> int:
        """What compiling the class ``rs`` adds (states, bytes, hashed classes: packed on
        ``_FIELD_BITS`` lanes); ``_UNPRICED`` in an exact replay if state ids matter."""
        if self.exact and rs and rs[-1][1] > 0x7F:
            return _UNPRICED
        b = self.b
        n0, m0, c0 = b.n, b.mem, self.hashed
        self.unicode_class(rs)
        got = (b.n - n0) | (b.mem - m0) << _FIELD_BITS | (self.hashed - c0) << 2 * _FIELD_BITS
        b.n, b.mem, self.hashed = n0, m0, c0
        return got

    def recorded(self, h: H.Hir) -> bool:
        """In an exact replay: add the recorded cost of a hash-free ``h`` instead of
        compiling it (its states do not depend on ids)."""
        if not self.exact or self.records is None:
            return False
        got = self.records.get(id(h))
        if got is None or got[0] is not h or not got[3]:
            return False
        if self.reverse:
            self.b.add(got[1] >> LANE_BITS, got[2] >> LANE_BITS)
        else:
            self.b.add(got[1] & LOW, got[2] & LOW)
        self.skipped += 1
        return True

    def leaf(self, h: H.Hir) -> None:
        b = self.b
        if isinstance(h, (H.HEmpty, H.HLook)):
            b.add(self.unit)
        elif isinstance(h, H.HLiteral):
            b.add(len(h.chars.encode("utf-8")) * self.unit)
        else:
            assert isinstance(h, H.HClass)
            self.unicode_class(h.ranges)

    def unicode_class(self, rs: Ranges) -> None:
        b = self.b
        if not rs or rs[-1][1] <= 0x7F:
            b.add(2 * self.unit, TRANSITION * len(rs) * self.unit)
            return
        self.hashed += 1
        if self.bound:
            nseq, total, _ = _class_bound(rs)
            fwd = (2 + total, TRANSITION * total)
            rev = (2 + total, STATE_ID * nseq)
        elif self.exact:
            if self.reverse:
                b.reverse_class(rs)
            else:
                b.forward_class(rs)
            return
        else:
            fwd = _class_cost(False, rs) if not self.reverse else (0, 0)
            rev = _class_cost(True, rs) if self.reverse is not False else (0, 0)
        if self.reverse is None:
            b.add(fwd[0] + (rev[0] << LANE_BITS), fwd[1] + (rev[1] << LANE_BITS))
        else:
            b.add(*(rev if self.reverse else fwd))

    def composite(self, h: H.Hir, tasks: List[Tuple[Any, ...]]) -> None:
        """Push the tasks of ``h`` (the last pushed runs first)."""
        b = self.b
        unit = self.unit
        if isinstance(h, H.HCapture):
            b.add(self.cap)
            tasks.append((_ADD, self.cap, 0))
            tasks.append((_C, h.sub))
        elif isinstance(h, H.HConcat):
            tasks.append((_SEQ, h.subs, 0))
        elif isinstance(h, H.HAlternation):
            if _is_literal_alt(h):
                lits = [s.chars.encode("utf-8") for s in h.subs]  # type: ignore[attr-defined]
                if self.reverse is not False:
                    rn, rm = _trie([x[::-1] for x in lits])
                    shift = LANE_BITS if self.reverse is None else 0
                    b.add(rn << shift, rm << shift)
                if not self.reverse:
                    b.add(*_trie(lits))
            else:
                subs = h.subs
                tasks.append((_SEQ, subs[2:], 0))
                tasks.append((_ADD, 2 * unit, STATE_ID * len(subs) * unit))
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
            self.hashed += got[2] * n
            return
        tasks.append((_MEASURE, key, n - 1, self.b.n, self.b.mem, self.hashed))
        tasks.append((_C, h))

    def optional(self, h: H.Hir, n: int, tasks: List[Tuple[Any, ...]]) -> None:
        """``n`` copies of a union then ``h`` (the optional part of ``c_bounded``)."""
        if n <= 0:
            return
        unit = self.unit
        if self.exact and not self.hash_free(h):
            tasks.append((_OPTIONAL, h, n - 1))
            tasks.append((_C, h))
            tasks.append((_ADD, 1, 2 * STATE_ID))
            return
        key = (id(h), 1)
        got = self._fast_cache.get(key)
        if got is not None:
            self.b.add(got[0] * n, got[1] * n)
            self.hashed += got[2] * n
            return
        tasks.append((_MEASURE, key, n - 1, self.b.n, self.b.mem, self.hashed))
        tasks.append((_C, h))
        tasks.append((_ADD, unit, 2 * STATE_ID * unit))

    def repetition(self, h: H.HRepetition, tasks: List[Tuple[Any, ...]]) -> None:
        b = self.b
        unit = self.unit
        rmin, rmax, sub = h.min, h.max, h.sub
        if rmin == 0 and rmax == 1:
            b.add(unit)
            tasks.append((_ADD, unit, 2 * STATE_ID * unit))
            tasks.append((_C, sub))
        elif rmax is None:
            if rmin == 0:
                ml = _min_len(sub)
                if ml is not None and ml > 0:
                    b.add(unit, 2 * STATE_ID * unit)
                    tasks.append((_C, sub))
                else:
                    tasks.append((_ADD, 3 * unit, 4 * STATE_ID * unit))
                    tasks.append((_C, sub))
            else:
                tasks.append((_ADD, unit, 2 * STATE_ID * unit))
                if rmin == 1:
                    tasks.append((_C, sub))
                else:
                    tasks.append((_TIMES, sub, rmin))
        else:
            if rmax > rmin:
                tasks.append((_OPTIONAL, sub, rmax - rmin))
                tasks.append((_ADD, unit, 0))
            if rmin == 0:
                tasks.append((_ADD, unit, 0))
            else:
                tasks.append((_TIMES, sub, rmin))


def _class_cost(reverse: bool, rs: Ranges) -> Cost:
    """States and bytes of one class's UTF-8 automaton with exact (non-evicting) caches,
    cached per process (a pattern's classes are few and recur across patterns)."""
    key = (reverse, rs)
    got = _class_costs.get(key)
    if got is None:
        tmp = _Builder(False)
        if reverse:
            tmp.reverse_class(rs)
        else:
            tmp.forward_class(rs)
        got = (tmp.n, tmp.mem)
        if len(_class_costs) > 256:
            _class_costs.clear()
        _class_costs[key] = got
    return got


def _prefix(anchored: bool) -> Cost:
    return (1, 0) if anchored else (3, 2 * STATE_ID + TRANSITION)


def _simulate(
    h: H.Hir,
    reverse: Optional[bool],
    exact: bool,
    bound: bool = False,
    stop: Optional[int] = None,
    records: Optional[Records] = None,
) -> Tuple[int, int]:
    """(forward, reverse) heap bytes of the NFAs replayed (0 for the one not replayed)."""
    sim = _Sim(reverse, exact, bound, stop, records)
    b = sim.b
    # The unanchored prefix (?s-u:.)*? : union, empty, sparse; one state if anchored.
    if reverse is not True:
        b.add(*_prefix(H.anchored_start(h)))
    if reverse is not False:
        n, mem = _prefix(H.anchored_end(h))
        shift = LANE_BITS if reverse is None else 0
        b.add(n << shift, mem << shift)
    b.add(sim.cap)  # capture start of group 0
    sim.run(h)
    b.add(sim.cap)  # capture end of group 0
    b.add(sim.unit)  # match
    return sim.totals()


def estimate(h: H.Hir) -> Tuple[int, int]:
    """(forward, reverse) NFA heap sizes in bytes, with exact (non-evicting) caches."""
    return _simulate(h, None, False)


def exceeds_limit(h: H.Hir, bound_first: bool = True) -> bool:
    """Whether either NFA ``Regex::new`` builds for ``h`` exceeds the size limit.

    ``bound_first``: try a cheap upper bound first, which settles most patterns
    without compiling any class (for a long pattern, walking it once more costs more
    than the classes).
    """
    limit = SIZE_LIMIT
    if bound_first and max(_simulate(h, None, False, True, limit)) <= limit:
        return False
    records: Records = {}
    fwd, rev = _simulate(h, None, False, stop=limit, records=records)
    if fwd > limit or rev > limit:
        return True
    band = EXACT_BAND * limit
    if fwd >= band and _simulate(h, False, True, stop=limit, records=records)[0] > limit:
        return True
    return rev >= band and _simulate(h, True, True, stop=limit, records=records)[1] > limit
