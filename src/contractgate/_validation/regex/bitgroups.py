"""The masks of the bit-parallel engine's tests (``bitnfa``), built from the position
automaton's follow relation: *families* of translated bicliques, *fill groups* of
loop-like bicliques, groups of *lone* bicliques found by one carry each (spread by
chains, or looked up by ``Windows``) and groups of *carry* bicliques; with the bit-set
helpers they share with ``bitchains`` (the blocks of nullable chains).
"""

from __future__ import annotations

import heapq
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

from .glushkov import Cond, Entries

#: A loop-like biclique (its first positions within its own block of positions, at most
#: this wide) is dealt to a *fill group* (``fill_groups``): many live members cost a
#: few operations per doubling of the width instead of a few each.
MAX_FILL_WIDTH = 256
#: Wider loop-like bicliques (up to this) are fill groups of their own where their steps
#: cost less than the chains of ``spread_masks`` would: guard bits far apart take few
#: steps (300 loops 270-410 wide: a subtraction and one doubling, 11 operations per
#: character against two down chains' 13).
MAX_WIDE_FILL_WIDTH = 1 << 12
#: Bits of the fill groups' segment masks (steps x span, shared by every context).
MAX_FILL_BITS = 1 << 24
#: A fill group with one live member (its guard bits a power of two, a cheap test) looks
#: that member's firsts up instead of filling; two or more are filled.  (Taking the
#: lowest live member first, as before, cost three operations over the group per
#: character when many were live: 4 of 28 us on 1 000 live loops.)
FILL_SINGLE = True
#: A fill group's subtraction step ``y | (y - (y >> k))`` (two operations over the group
#: and an OR) is one shift and one multiplication ``(y >> k) * (2 ** (k + 1) - 1)`` when
#: the factor is one digit of a Python int (a wider factor costs a pass per digit): the
#: guard bits are more than ``k`` apart, so the products' runs do not meet.
FILL_MULTIPLY = True
#: Over at least ``CARRY_BITS`` positions, a step that borrows (a fill group's
#: ``y - (y >> k)`` without a factor, an up or down spread chain's) adds into the runs it
#: would set instead and keeps what changed, ``((y >> k) + R) ^ R`` (``fill_masks``,
#: ``carried_chains``): an addition and an XOR cost less than a subtraction there (2.1
#: against 2.5 us over 100 000 bits; 0.13 against 0.14 over 4 096).
CARRY_RUNS = True
CARRY_BITS = 8192
#: The largest factor of a multiplied subtraction step (one digit): runs are wider.
FACTOR_MAX = (1 << sys.int_info.bits_per_digit) - 1
#: Translations of one large biclique applied together (``families``) from this many on,
#: when they lie close together: a family costs a few operations over its whole span,
#: so members more than ``FAMILY_STRIDE`` times their own width apart on average (four
#: equal loops among 1 000 others, 10 000 positions apart) are left to the groups,
#: where they cost next to nothing more.
FAMILY_MIN = 4
FAMILY_STRIDE = 8


if sys.version_info >= (3, 10):
    popcount = int.bit_count
else:  # pragma: no cover - Python 3.9

    def popcount(v: int) -> int:
        return bin(v).count("1")


Relative = List[Tuple[int, Cond]]
#: (lowest last, lasts, ones, guards, shift, first pattern): see ``family_masks``.
FamilyMasks = Tuple[int, int, int, int, int, int]


def families(
    big: List[Tuple[Entries, Entries]],
) -> Tuple[List[Tuple[Entries, Entries]], List[Tuple[Relative, Relative, List[int]]]]:
    """Split large bicliques into lone ones and *families*: translations of one
    biclique (the junctions between the copies of a counted repetition, or one
    inside each copy), each applied to all its copies by ``family_masks``."""
    Shape = Tuple[Tuple[Tuple[int, Cond], ...], Tuple[Tuple[int, Cond], ...]]
    members: Dict[Shape, List[Tuple[int, Tuple[Entries, Entries]]]] = {}
    singles: List[Tuple[Entries, Entries]] = []
    # Only bicliques of a size shared by FAMILY_MIN of them get a shape key (a key is
    # a tuple per entry: nested bicliques of distinct sizes would cost one each).
    sizes: Dict[Tuple[int, int], int] = {}
    for last, first in big:
        sizes[(last.size, first.size)] = sizes.get((last.size, first.size), 0) + 1
    for last, first in big:
        if sizes[(last.size, first.size)] < FAMILY_MIN:
            singles.append((last, first))
            continue
        ls, fs = last.flat(), first.flat()
        o = min(p for p, _ in ls)
        key = (tuple(sorted((p - o, c) for p, c in ls)), tuple(sorted((q - o, c) for q, c in fs)))
        members.setdefault(key, []).append((o, (last, first)))
    families: List[Tuple[Relative, Relative, List[int]]] = []
    for key, found in members.items():
        offsets = sorted({o for o, _ in found})
        width = max(r for r, _ in key[0] + key[1]) + 2
        if len(found) >= FAMILY_MIN and (
            offsets[-1] - offsets[0] <= FAMILY_STRIDE * width * len(offsets)
        ):
            families.append((list(key[0]), list(key[1]), offsets))
        else:
            singles.extend(pair for _, pair in found)
    return singles, families


def family_masks(
    rel_last: List[int], rel_first: List[int], offsets: List[int],
) -> List[FamilyMasks]:
    """Masks applying ``if D & (L + o): F + o`` for every offset ``o`` at once.

    ``L``'s block ``[o + lo, o + hi]`` plus all ones carries into the guard bit
    ``o + hi + 1`` exactly when it is non-zero; the guard bits, shifted to
    ``o + min(F)`` and multiplied by ``F``'s pattern, set ``F + o``.  Blocks (and
    patterns) of one group must not touch, so offsets closer than that are dealt
    to several groups."""
    if not rel_last or not rel_first:
        return []
    lo, hi = min(rel_last), max(rel_last)
    fmin, fmax = min(rel_first), max(rel_first)
    gap = max(hi - lo + 2, fmax - fmin + 1)
    groups: List[List[int]] = []
    for o in offsets:
        for g in groups:
            if o - g[-1] >= gap:
                g.append(o)
                break
        else:
            groups.append([o])
    spread = bitset([f - fmin for f in rel_first])
    out = []
    for g in groups:
        lm = bitset([o + r for o in g for r in rel_last])
        ones = bitset([o + r for o in g for r in range(lo, hi + 1)])
        guards = bitset([o + hi + 1 for o in g])
        out.append((lowest_bit(lm), lm, ones, guards, hi + 1 - fmin, spread))
    return out


Lone = Tuple[int, int, Entries, Entries]
LoneMasks = Tuple[int, int, int, int, int, Dict[int, Tuple[int, int]], Optional["Windows"]]
#: (lasts, ones, guards, chains ``(guards or -1 for all, ends, width or -1 or DIRECT
#: (then lasts, not guards), firsts)``): see ``spread_masks``.
SpreadMasks = Tuple[int, int, int, List[Tuple[int, int, int, int]]]
#: (lasts, ones, guards, base, guard -> first positions, steps, firsts, single): see
#: ``fill_masks``.
FillMasks = Tuple[int, int, int, int, Dict[int, Tuple[int, int]], List[Tuple[int, int]], int, bool]
#: (lowest last, union of the lasts or 0 for a chunk of one group, bicliques (lasts,
#: firsts), groups' masks, fill groups' masks, spread groups' masks): see ``CHUNK``.
Chunk = Tuple[
    int, int, List[Tuple[int, int]], List[LoneMasks], List[FillMasks], List[SpreadMasks]
]
#: (members, base (their lowest position, or 0: no shift), segment masks ``(shift,
#: mask)``, the subtraction step ``(-k, factor or 0)`` first if any): see ``fill_groups``.
Fill = Tuple[List[Lone], int, List[Tuple[int, int]]]


def last_blocks(big: List[Tuple[Entries, Entries]]) -> List[Lone]:
    spans: List[Lone] = []
    for last, first in big:
        ps = [p for p, _ in last.flat()]
        spans.append((min(ps), max(ps), last, first))
    return spans


def fill_groups(
    big: List[Tuple[Entries, Entries]],
) -> Tuple[List[Fill], List[Tuple[Entries, Entries]]]:
    """Deal the loop-like large bicliques (every first position within the block
    ``[lo, hi + 1]`` of the biclique's positions, ``hi`` its highest last, at most
    ``MAX_FILL_WIDTH`` wide, or up to ``MAX_WIDE_FILL_WIDTH`` in groups of their own
    that pay) to groups of disjoint blocks.  Per character one addition
    puts a guard bit ``hi + 1`` on every member with a live last (``fill_masks``), and
    the guard bits are spread down over their own blocks by doubling shifts, each masked
    to stay within its block, after one subtraction when the guard bits are far enough
    apart (``steps``): the firsts of every live member are then one AND, whatever the
    number of live members.  Groups of one member and those
    beyond ``MAX_FILL_BITS`` go back to the lone bicliques."""
    narrow: List[Lone] = []
    wide: List[Lone] = []
    rest: List[Tuple[Entries, Entries]] = []
    for last, first in big:
        lps = [p for p, _ in last.flat()]
        fps = [q for q, _ in first.flat()]
        lo, hi = min(min(lps), min(fps)), max(lps)
        if max(fps) <= hi + 1 and hi + 2 - lo <= MAX_WIDE_FILL_WIDTH:
            (narrow if hi + 2 - lo <= MAX_FILL_WIDTH else wide).append((lo, hi, last, first))
        else:
            rest.append((last, first))
    fills: List[Fill] = []
    budget = MAX_FILL_BITS
    for members in lone_groups(narrow) + lone_groups(wide):
        width = max(hi + 2 - lo for lo, hi, _, _ in members)
        # The steps may run on the guard bits shifted down to the group's lowest position
        # (``>> base``, then ``<< base``): two operations over the whole width, worth it
        # only when the three per step save more (1 000 loops after a prefix of 203
        # positions: no shift, 2.7 of 28 us per character saved).
        base = members[0][0]
        if 3 * width.bit_length() * base <= 2 * (members[-1][1] + 2):
            base = 0
        # Guard bits more than ``k`` apart (and at least ``k`` above the base): one
        # subtraction ``y - (y >> k)`` sets the ``k`` positions under every live guard
        # at once (the regions do not meet; bits in the gaps between blocks are never
        # shifted into a block, nor firsts), a step ``-k``; the doubling goes on from
        # there (1 000 loops 9-87 wide, guards 10 or more apart: 5 steps, not 7).
        gs = [hi + 1 - base for _, hi, _, _ in members]
        k = min([b - a - 1 for a, b in zip(gs, gs[1:])] + [gs[0]])
        shifts = [-k] if k >= 2 else []
        sh = k + 1 if k >= 2 else 1
        while sh < width:
            shifts.append(sh)
            sh <<= 1
        cost = len(shifts) * (members[-1][1] + 2 - base)
        if (
            len(members) < 2 or cost > budget
            or (width > MAX_FILL_WIDTH and not _fill_pays(members, len(shifts)))
        ):
            rest.extend((last, first) for _, _, last, first in members)
            continue
        budget -= cost
        steps = [
            (sh, runs([(lo - base, hi + 1 - sh - base) for lo, hi, _, _ in members]))
            if sh > 0 else (sh, _run_factor(-sh))
            for sh in shifts
        ]
        fills.append((members, base, steps))
    return fills, rest


def _run_factor(k: int) -> int:
    """The factor ``2 ** (k + 1) - 1`` of a subtraction step as a multiplication
    (``FILL_MULTIPLY``), or 0 (subtract) when it is wider than one digit."""
    if FILL_MULTIPLY and k + 1 <= sys.int_info.bits_per_digit:
        return (1 << (k + 1)) - 1
    return 0


def share_carries(
    fills: List[Fill], carry: List[Tuple[Entries, Entries]],
) -> Tuple[List[Fill], List[Tuple[Entries, Entries]]]:
    """A loop then one character (``(?:a|b{p}|dd)+z``) is a fill member and a carry
    biclique with the same lasts (look conditions included), whose first ``z`` is the
    member's guard bit, inside its block: ``z`` joins the member's firsts (under its
    own condition, as every first is) and the carry biclique is dropped.  The fill
    steps keep every live guard bit, so the group's last AND finds ``z`` with the
    loop's firsts: nothing per character instead of a carry group's four operations."""
    by_last: Dict[Tuple[Any, ...], int] = {}
    for i, (last, _) in enumerate(carry):
        by_last.setdefault(tuple(last.flat()), i)
    shared = set()
    merged: List[Fill] = []
    for members, base, steps in fills:
        joined: List[Lone] = []
        for lo, hi, last, first in members:
            found = by_last.pop(tuple(last.flat()), None)  # one carry biclique per member
            if found is not None:
                shared.add(found)
                first = first + carry[found][1]
            joined.append((lo, hi, last, first))
        merged.append((joined, base, steps))
    return merged, [x for i, x in enumerate(carry) if i not in shared]


def _fill_pays(members: List[Lone], steps: int) -> bool:
    """Whether a fill group of ``steps`` steps costs no more operations per character
    than the chains ``spread_masks`` would deal its members to (if any)."""
    spread = spread_masks([
        (lo, hi, [p for p, _ in last.flat()], [q for q, _ in first.flat()])
        for lo, hi, last, first in members
    ])
    # the AND with the lasts and the carry (3), 3 per step, the AND with the firsts and
    # the OR (2)
    return spread is None or 3 * steps + 5 <= _spread_ops(spread)


def fill_masks(
    live: List[Tuple[int, int, List[int], List[int]]], base: int, steps: List[Tuple[int, int]],
) -> FillMasks:
    """(lasts, ones, guards, base, guard -> first positions, segment masks, firsts,
    whether one live member is looked up) of a fill group, relative to ``base`` after
    the carry (see ``fill_groups`` and ``lone_masks``)."""
    fmap: Dict[int, Tuple[int, int]] = {}
    ones: List[Tuple[int, int]] = []
    for lo, hi, _, fps in live:
        fo = min(fps)
        fmap[hi + 2 - base] = (fo - base, bitset([q - fo for q in fps]))
        ones.append((min(lo, min(fps)), hi))
    lm = bitset([p for _, _, lps, _ in live for p in lps])
    guards = bitset([hi + 1 for _, hi, _, _ in live])
    fmr = bitset([q - base for _, _, _, fps in live for q in fps])
    top = max(hi for _, hi, _, _ in live) + 2 - base
    if CARRY_RUNS and top >= CARRY_BITS:
        # a subtraction step ``(-k, 0)``: the ``k`` positions under each guard, added into
        # (``BitNFA.is_match`` tells them from a factor by their size)
        steps = [
            (sh, _above_factor(runs([(hi + 1 + sh - base, hi - base) for _, hi, _, _ in live])))
            if sh < 0 and not seg else (sh, seg)
            for sh, seg in steps
        ]
    return lm, runs(ones), guards, base, fmap, steps, fmr, FILL_SINGLE


def _above_factor(r: int) -> int:
    """The runs of a carried fill step, or 0 (subtract) where they could pass for a
    factor (``FACTOR_MAX`` or less: only when ``CARRY_BITS`` is lowered)."""
    return r if r > FACTOR_MAX else 0


def carried_chains(spread: SpreadMasks) -> SpreadMasks:
    """``spread`` with its up and down chains at least ``CARRY_BITS`` wide (``CARRY_RUNS``)
    given the runs ``R`` their subtraction sets, to add into: ``((y + R) ^ R) & fm`` is
    ``(ends - y) & fm`` (a live member's run carries into the bit above it, which no first
    of the chain holds; a dead one's is unchanged).  An up chain's runs ``[g, e - 1]``
    replace its ends (its width becomes ``UP_RUNS``), a down chain's ``[g - w, g - 1]``
    (added to ``y >> w``) fill its ends (0 before); a lone direct chain's runs are every
    position up to its top end but the ends (its lasts ``ALL_RUNS``): a live member's
    lasts lie in its run, above the end below, and carry out of it, clearing the run
    above its highest last, where its firsts are."""
    lm, ones, guards, chains = spread
    if not CARRY_RUNS:
        return spread
    out: List[Tuple[int, int, int, int]] = []
    for gm, ends, w, fm in chains:
        gs = guards if gm < 0 else gm
        if w == DIRECT:
            if gm < 0 and ends.bit_length() >= CARRY_BITS:
                out.append((ALL_RUNS, ((1 << ends.bit_length()) - 1) ^ ends, w, fm))
            else:
                out.append((gm, ends, w, fm))
        elif gs.bit_length() < CARRY_BITS:
            out.append((gm, ends, w, fm))
        elif w < 0:
            out.append((gm, ends - gs, UP_RUNS, fm))
        else:
            out.append((gm, gs - (gs >> w), w, fm))
    return lm, ones, guards, out


def runs(ranges: List[Tuple[int, int]]) -> int:
    """The int with the bits ``a..b`` of every ``(a, b)`` set (empty ranges skipped)."""
    top = max((b for a, b in ranges if a <= b), default=-1)
    if top < 0:
        return 0
    buf = bytearray(b"0" * (top + 1))
    for a, b in ranges:
        if a <= b:
            buf[top - b:top - a + 1] = b"1" * (b - a + 1)
    return int(buf, 2)


def gather(y: int, fmap: Dict[int, Tuple[int, int]]) -> Tuple[int, int]:
    """The union of ``fm << fo`` over the guard bits of ``y`` (``fmap`` keyed by bit
    length), and their number: the bits are read from one binary string (the fallback
    of a group without ``Windows``)."""
    bs = bin(y)
    n = len(bs)
    pieces = []
    j = bs.find("1", 2)
    while j >= 0:
        pieces.append(fmap[n - j])
        j = bs.find("1", j + 1)
    pieces.sort()
    return merge(pieces), len(pieces)


def merge(pieces: List[Tuple[int, int]]) -> int:
    """The union of ``fm << fo`` over ``pieces`` sorted by ``fo``: merged pairwise, each
    merge as wide as the two pieces' span, so many pieces cost the group's span a few
    times (and a few small operations each), not the span once each."""
    while len(pieces) > 1:
        merged = []
        for i in range(0, len(pieces) - 1, 2):
            (fo1, fm1), (fo2, fm2) = pieces[i], pieces[i + 1]
            merged.append((fo1, fm1 | fm2 << (fo2 - fo1)))
        if len(pieces) % 2:
            merged.append(pieces[-1])
        pieces = merged
    fo, fm = pieces[0]
    return fm << fo


#: Members of a lone group per window of its guard bits (``Windows``): a window has at
#: most ``2 ** WINDOW`` keys.
WINDOW = 8
#: Bytes the windows of one engine's lone groups may cache at most (over every boundary
#: context): a group whose windows would pass it is gathered bit by bit instead.
MAX_WINDOW_BYTES = 16 << 20
#: Widest run of window unions OR-ed together before it joins the group's union.
FOLD_SPAN = 4096


class Budget:
    """Bytes left for ``Windows`` caches (one per engine)."""

    __slots__ = ("left",)

    def __init__(self, left: int) -> None:
        self.left = left


#: (first byte, end byte, key -> union of firsts, offset, members (guard bit in the key,
#: first offset, firsts)): the unions and the members' offsets are relative to the
#: window's lowest first, which is ``offset`` above its run's base.
Window = Tuple[int, int, Dict[bytes, int], int, List[Tuple[int, int, int]]]


class Windows:
    """The firsts of a lone group's live members, a look-up per window of its guard bits.

    With hundreds of members live at once (``lone(300)``: 300 branches, each a biclique
    ``last(X) x first(Y)``) a step per live member was most of a character's cost. The
    guard bits are cut into byte ranges holding at most ``WINDOW`` members each; a
    window's bytes are the key of the union of its live members' firsts, computed on
    first sight and kept (at most ``2 ** WINDOW`` keys per window: the memory is bounded
    before any text is read, see ``Budget``). Per character: one ``to_bytes``, then a
    slice and a look-up per window.  The windows, in the order of their lowest firsts,
    form *runs* at most ``FOLD_SPAN`` bits wide: a window's union is OR-ed into its run
    (a narrow operation), each run into the group's union once."""

    __slots__ = ("count", "nbytes", "runs")

    def __init__(self, nbytes: int, runs: List[Tuple[int, List[Window]]]) -> None:
        self.nbytes = nbytes
        self.runs = runs
        self.count = sum(len(windows) for _, windows in runs)  # windows (look-ups)

    @staticmethod
    def build(
        members: List[Tuple[int, int, int]], budget: Budget,
    ) -> Optional[Windows]:
        """From the members' ``(guard bit, lowest first, firsts)`` (guard bits relative to
        the group's lowest one, firsts to its lowest first); None past the budget."""
        members = sorted(members)
        cut: List[Tuple[int, int, int, List[Tuple[int, int, int]]]] = []
        cost = 0
        i = 0
        while i < len(members):
            a = members[i][0] >> 3
            j = i
            # whole bytes (at most 4 guard bits each: a block and its guard are 2 bits
            # or more) while the window holds at most WINDOW members
            while j < len(members):
                k = j
                byte = members[j][0] >> 3
                while k < len(members) and members[k][0] >> 3 == byte:
                    k += 1
                if k - i > WINDOW:
                    break
                j = k
            b = (members[j - 1][0] >> 3) + 1
            part = members[i:j]
            fo = min(f for _, f, _ in part)
            span = max(f + fm.bit_length() for _, f, fm in part) - fo
            cost += (1 << len(part)) * (200 + (b - a) + (span >> 3))
            cut.append((fo, a, b, [(g - 8 * a, f - fo, fm) for g, f, fm in part]))
            i = j
        if cost > budget.left:
            return None
        budget.left -= cost
        cut.sort(key=lambda w: w[0])
        runs: List[Tuple[int, List[Window]]] = []
        for fo, a, b, part in cut:
            if not runs or fo - runs[-1][0] > FOLD_SPAN:
                runs.append((fo, []))
            base, windows = runs[-1]
            windows.append((a, b, {bytes(b - a): 0}, fo - base, part))
        return Windows((members[-1][0] >> 3) + 1, runs)

    def gather(self, y: int) -> int:
        """The union of the firsts of the members whose guard bit ``y`` holds, relative to
        the group's lowest first."""
        yb = y.to_bytes(self.nbytes, "little")
        out = 0
        for base, windows in self.runs:
            acc = 0
            for a, b, table, rel, members in windows:
                key = yb[a:b]
                fm = table.get(key)
                if fm is None:
                    bits = int.from_bytes(key, "little")
                    fm = 0
                    for g, f, m in members:
                        if bits >> g & 1:
                            fm |= m << f
                    table[key] = fm
                if fm:
                    acc |= fm << rel
            if acc:
                out |= acc << base
        return out


Spanned = TypeVar("Spanned", bound=Tuple[Any, ...])


def lone_groups(spans: List[Spanned]) -> List[List[Spanned]]:
    """Deal large bicliques to groups whose blocks ``[lo, hi]`` (of last positions) are
    disjoint with a free guard bit ``hi + 1`` between them (first fit by ``lo``), so
    one addition finds every biclique of a group with a live last (``lone_masks``)."""
    spans = sorted(spans, key=lambda x: x[0])
    groups: List[List[Spanned]] = []
    ends: List[Tuple[int, int]] = []  # heap of (hi of the group's last block, group)
    for item in spans:
        if ends and ends[0][0] + 2 <= item[0]:
            _, g = heapq.heappop(ends)
        else:
            g = len(groups)
            groups.append([])
        groups[g].append(item)
        heapq.heappush(ends, (item[1], g))
    return groups


def lone_masks(
    live: List[Tuple[int, int, List[int], List[int]]], budget: Budget,
) -> LoneMasks:
    """(lasts, ones, guards, lowest guard, lowest first, guard -> first positions,
    windows) of a group of lone bicliques: ``(D & lasts) + ones`` carries into the guard
    bit ``hi + 1`` of a block exactly when the block has a live last.  The live firsts
    are gathered relative to the group's lowest first (so the loop works on the group's
    span, not on every position), each kept shifted down to its own lowest
    (``(offset, mask)``: the group costs memory by its members' spans); many live at
    once are looked up by ``Windows`` (None past the budget: ``gather``)."""
    gbase = min(hi for _, hi, _, _ in live) + 1
    fbase = min(min(fps) for _, _, _, fps in live)
    fmap: Dict[int, Tuple[int, int]] = {}
    for _, hi, _, fps in live:
        fo = min(fps)
        # keyed by the bit length of the guard bit (shifted down by ``gbase``)
        fmap[hi + 2 - gbase] = (fo - fbase, bitset([q - fo for q in fps]))
    lm = bitset([p for _, _, lps, _ in live for p in lps])
    guards = bitset([hi + 1 for _, hi, _, _ in live])
    ones = guards - bitset([lo for lo, _, _, _ in live])
    windows = Windows.build([(n - 1, fo, fm) for n, (fo, fm) in fmap.items()], budget)
    return lm, ones, guards, gbase, fbase, fmap, windows


#: Chains a group of lone bicliques may be split into by ``spread_masks`` (four or five
#: operations each per character while the group is live); past them, ``lone_masks``.
MAX_SPREAD_CHAINS = 4


#: A chain's width (``SpreadMasks``) when it borrows from its members' lasts (``x``), not
#: from their guard bits: see ``spread_masks``.
DIRECT = -2
#: An up chain's width when its ends are the runs it sets (``carried_chains``).
UP_RUNS = -3
#: A lone direct chain's lasts (every one, as -1) when its ends are the runs it sets.
ALL_RUNS = -2


def spread_masks(
    live: List[Tuple[int, int, List[int], List[int]]], direct: bool = True,
) -> Optional[SpreadMasks]:
    """(lasts, ones, guards, chains) of a group of lone bicliques, or None past
    ``MAX_SPREAD_CHAINS`` chains.  Each member's firsts at or above its guard bit
    ``g = hi + 1`` (the junction ``last(X) x first(Y)`` of a concatenation: all of
    them) and those below it (a loop's, within its own block) are spread separately:

    * *up*: in a chain whose spans ``[g, e]`` (``e`` one above the highest first)
      are disjoint, ``E - y`` (the ends ``E``, the live guard bits ``y``) borrows
      through exactly the spans of the live members;
    * *down*: in a chain whose guard bits are more than ``w`` apart (``w`` its widest
      member's distance from its guard down to its lowest first), ``y - (y >> w)``
      sets exactly ``[g - w, g - 1]`` for each live member.

    One AND with the chain's firsts then gives them all: a few operations per chain,
    whatever the number of live members, where ``Windows`` costs a look-up per window
    (1 000 junctions: 125).  When every first is up and few enough chains have whole
    members ``[lo, e]`` (lowest last to end) apart, the guard bits are not needed:
    ``E - x`` borrows from each live member's lowest live last (``x``) through its
    span, two operations fewer for one chain (``direct_chains``; guards and ones 0;
    not with ``direct=False``)."""
    up_parts: List[Tuple[int, int, List[int]]] = []  # (g, e, firsts)
    down_parts = []
    for _, hi, _, fps in live:
        g = hi + 1
        above = [q for q in fps if q >= g]
        below = [q for q in fps if q < g]
        if above:
            up_parts.append((g, max(above) + 1, above))
        if below:
            down_parts.append((g, g - min(below), below))
    ups = _first_fit(up_parts)
    down_parts.sort()
    downs = _down_chains(down_parts, False) or []
    uniform = _down_chains(down_parts, True)
    if uniform is not None and len(uniform) < len(downs):
        downs = uniform
    if len(ups) + len(downs) > MAX_SPREAD_CHAINS:
        return None
    lm = bitset([p for _, _, lps, _ in live for p in lps])
    guards = bitset([hi + 1 for _, hi, _, _ in live])
    ones = guards - bitset([lo for lo, _, _, _ in live])

    def select(gs: List[int]) -> int:
        gm = bitset(gs)
        return -1 if gm == guards else gm

    chains = [
        (
            select([g for g, _, _ in up]),
            bitset([e for _, e, _ in up]),
            -1,
            bitset([q for _, _, qs in up for q in qs]),
        )
        for up in ups
    ] + [
        (select([g for g, _ in members]), 0, width, bitset([q for _, qs in members for q in qs]))
        for members, width, _, _ in downs
    ]
    carried: SpreadMasks = (lm, ones, guards, chains)
    borrows = direct_chains(live) if direct and not down_parts else None
    if borrows is None:
        return carried
    # direct chains are never fewer than up chains: at most MAX_SPREAD_CHAINS win
    direct_masks: SpreadMasks = (lm, 0, 0, [
        (
            -1 if len(borrows) == 1 else bitset([p for _, _, lps, _ in chain for p in lps]),
            bitset([e for _, e, _, _ in chain]),
            DIRECT,
            bitset([q for _, _, _, fps in chain for q in fps]),
        )
        for chain in borrows
    ])
    return direct_masks if _spread_ops(direct_masks) <= _spread_ops(carried) else carried


def _spread_ops(masks: SpreadMasks) -> int:
    """Operations per character of a live spread group: the AND with its lasts, the
    carry into guard bits (two; none for direct chains), and per chain its subtraction,
    AND and OR, a down chain's shift, and a chain's own mask when it is not alone."""
    _, _, guards, chains = masks
    return 1 + 2 * (guards != 0) + sum(3 + (w >= 0) + (gm >= 0) for gm, _, w, _ in chains)


def _first_fit(parts: List[Spanned]) -> List[List[Spanned]]:
    """Intervals ``(start, end, ...)`` dealt, by start, to the first chain whose last
    interval ends before the start: as few chains as intervals that meet at one point,
    the fewest any dealing can give."""
    chains: List[List[Spanned]] = []
    for part in sorted(parts):
        for chain in chains:
            if chain[-1][1] < part[0]:
                chain.append(part)
                break
        else:
            chains.append([part])
    return chains


def direct_chains(
    live: List[Tuple[int, int, List[int], List[int]]],
) -> Optional[List[List[Tuple[int, int, List[int], List[int]]]]]:
    """Chains of members ``(lo, e, lasts, firsts)`` whose intervals ``[lo, e]`` (the
    lowest last, one above the highest first) are disjoint, first fit by ``lo``
    (optimal for intervals), when every first lies above its member's lasts; else None.
    In a chain ``E - x`` (the ends ``E``, the live lasts ``x``) borrows from each live
    member's lowest live last up to its end, clearing it, and leaves a dead member's
    end alone: every position above the highest last, so every first, is set exactly
    for the live members, and no borrow crosses into another member."""
    parts = []
    for _, hi, lps, fps in live:
        if min(fps) <= hi:
            return None
        parts.append((min(lps), max(fps) + 1, lps, fps))
    return _first_fit(parts)


def _down_chains(
    parts: List[Tuple[int, int, List[int]]], uniform: bool,
) -> Optional[List[List[Any]]]:
    """Chains ``[members (g, firsts), width, last guard, least gap between guards]`` of
    the *down* parts ``(g, w, firsts)``, sorted by ``g``, first fit: each chain as wide
    as its widest member (narrow and wide loops apart), or all as wide as the widest
    (fewer chains when widths vary little: then regions are intervals of one width,
    and first fit by their start is optimal; None if a guard is below that width)."""
    top = max((w for _, w, _ in parts), default=0)
    if uniform and parts and parts[0][0] < top:
        return None
    chains: List[List[Any]] = []
    for g, w, qs in parts:
        w = top if uniform else w
        for chain in chains:
            members, width, last, gap = chain
            wide = max(width, w)
            # regions [g - w, g - 1] apart, and none below 0 (``y >> w`` drops no guard)
            if g - last > wide and gap > wide and members[0][0] >= wide:
                members.append((g, qs))
                chain[1:] = [wide, g, min(gap, g - last)]
                break
        else:  # (w <= g: every first is at or above 0)
            chains.append([[(g, qs)], w, g, 1 << 62])
    return chains


def carries(last: Entries, first: Entries) -> bool:
    """True for a biclique whose one first is just above its highest last, of two lasts
    or more (``(?:a|b{p}|c{q})z``: X's lasts, then ``z``): a *carry* biclique.  Its
    edges would be as many distances as lasts; instead ``(D & lasts) + ones``
    carries into the first itself, the block's guard bit (``carry_masks``)."""
    if first.size != 1 or last.size < 2:
        return False
    (q, _), = first.flat()
    return q == max(p for p, _ in last.flat()) + 1


def carry_masks(
    group: List[Lone], ok: Callable[[Cond], bool],
) -> List[Tuple[int, int, int, int]]:
    """(lowest last, lasts, ones, guards) of a group of carry bicliques (disjoint blocks,
    ``lone_groups``) in one boundary context: ``((D & lasts) + ones) & guards`` is the
    firsts of the members with a live last; [] if none can be."""
    lps: List[int] = []
    blocks: List[Tuple[int, int]] = []
    firsts: List[int] = []
    for lo, hi, last, first in group:
        (q, c), = first.flat()
        live = [p for p, c1 in last.flat() if ok(c1)]
        if live and ok(c):
            lps.extend(live)
            blocks.append((lo, hi))
            firsts.append(q)
    if not lps:
        return []
    return [(min(lps), bitset(lps), runs(blocks), bitset(firsts))]


def lowest_bit(mask: int) -> int:
    """The lowest set bit of ``mask`` (0 if none)."""
    return (mask & -mask).bit_length() - 1 if mask else 0


def always(_c: Cond) -> bool:
    return True


def mask_of(entries: Entries, ok: Callable[[Cond], bool]) -> int:
    return bitset([p for p, c in entries.flat() if ok(c)])


def bitset(positions: List[int]) -> int:
    """The int with exactly these bits set (one pass, not one big-int OR per bit)."""
    if not positions:
        return 0
    buf = bytearray((max(positions) >> 3) + 1)
    for p in positions:
        buf[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(buf, "little")
