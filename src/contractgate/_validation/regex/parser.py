"""A port of regex-syntax 0.8's ``ast::parse`` (the parts the regex crate uses).

The parser mirrors the Rust one step by step (``bump``, ``bump_space``,
``peek_space``, the group and class stacks) so that every error is raised at
the same point with the same span; ``_errors.format_error`` then renders it.
Octal escapes are disabled, as in the regex crate, and the nest limit is 250.

Deliberate differences in representation, so that a multi-megabyte pattern
parses in little time and memory while errors, spans and the translation stay
exactly those of the step-by-step parser:

* a run of two or more plain literal characters is one ``LiteralRun`` node
  instead of one ``Literal`` (with two ``Position``s) per character, and
  ``x``-mode whitespace and comments are skipped with a stdlib ``re``; the run
  is split when a repetition operator follows, and a lone run still counts as
  a ``Concat`` for the nest limit;
* in a pattern of at least ``_RUN_MIN_CHARS`` characters, a long sequence of
  *simple tokens* (``_grammar``: literals, escapes, ``.``, simple bracketed
  classes, short groups at most two deep, each with one optional repetition
  operator; in ``x`` mode with whitespace and comments between them) is one
  ``TokenRun`` node, and a long sequence of ``|``-terminated branches made of
  such tokens is one ``BranchRun`` entry of the alternation.  A run is found
  with stdlib ``re`` (and, for periodic text such as ``'\\d' * N``, by
  comparing the text with itself shifted by the period), stores how often
  each distinct token occurs, and parses each distinct token once on its own
  (a simple token means the same wherever it stands), which also proves that
  none of them is a parse error.  When an error needs a position inside a
  run, that one token is parsed again in place (``parse_fragment``);
* likewise, in a long bracketed class, a stretch of simple class items is one
  ``ClassItemRun`` item of the union (``class_items``);
* many ``(`` / ``(?:`` in a row are one ``_OpenRun`` entry of the group stack,
  and a group is built only when it is closed (or named by an error).
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Pattern, Set, Tuple, Union

from . import ast as A
from . import errors as E
from .charset import Ranges
from .errors import Position, RegexCompileError, Span
from .unicode import is_capture_char, is_white_space, perl_space

NEST_LIMIT = 250

_META = frozenset("\\.+*?()|[]{}^$#&-~")
_ASCII_CLASSES = frozenset(
    [
        "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print",
        "punct", "space", "upper", "word", "xdigit",
    ]
)
_HEX = frozenset("0123456789abcdefABCDEF")
_ASCII_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\[\]]*")  # ASCII capture name characters
_DIGITS = re.compile("[0-9]+")

# Characters the top-level loop does not treat as plain literals: the ones
# ``parse`` dispatches on, plus the ones ``parse_primitive`` handles specially.
_NOT_PLAIN = "\\.^$()|[?*+{"


def _escape_ranges(ranges: Ranges) -> str:
    out = []
    for lo, hi in ranges:
        out.append(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}")
    return "".join(out)


_scanners: Dict[bool, Pattern[str]] = {}


def _scanner(ignore_whitespace: bool) -> Pattern[str]:
    """A stdlib ``re`` matching a run of plain literal characters.

    In ``x`` mode, White_Space (Rust's ``char::is_whitespace``) and ``#`` end
    a run too.  Used only to find where a run ends; the run means exactly what
    parsing its characters one by one with ``parse_primitive`` would mean.
    """
    got = _scanners.get(ignore_whitespace)
    if got is None:
        extra = "#" + _escape_ranges(perl_space()) if ignore_whitespace else ""
        got = re.compile(f"[^{re.escape(_NOT_PLAIN)}{extra}]+")
        _scanners[ignore_whitespace] = got
    return got


_space_re: List[Pattern[str]] = []


def _space_skipper() -> Pattern[str]:
    """``bump_space`` in ``x`` mode: White_Space and ``#`` comments up to and including ``\\n``."""
    if not _space_re:
        ws = _escape_ranges(perl_space())
        _space_re.append(re.compile(f"(?:[{ws}]+|#[^\\n]*\\n?)*"))
    return _space_re[0]


# -- simple tokens and runs of them ------------------------------------------------
#
# The grammar below accepts only items whose parse cannot fail (hexadecimal
# escapes are checked to be Unicode scalar values here) or is checked by
# parsing each distinct token once (class ranges, counted repetitions, groups
# and their flags).  It is unambiguous -- plain characters not followed by a
# repetition operator form one ``_SEG`` -- so ``re`` never backtracks more
# than one token, a failed attempt at one position scans no further than the
# construct it tries (``\p{..}`` names, classes and groups are bounded), and
# the tokens ``findall`` returns are the items the parser would read one by
# one.  In ``x`` mode tokens contain no whitespace or ``#`` (a token means the
# same in both modes then), and whitespace and comments between them are
# items of their own (``gap``) that mean nothing.

_QCHARS = "?*+{"
_HEXD = "[0-9a-fA-F]"
_HEX4 = "(?![dD][89a-fA-F])" + _HEXD + "{4}"  # not a surrogate
_BRACED = (  # {1-8 hex digits} with a value <= 0x10FFFF that is not a surrogate
    r"\{(?=" + _HEXD + r"{1,8}\})0*(?:" + _HEXD + "{0,3}|" + _HEX4 + "|[1-9a-fA-F]" + _HEXD
    + "{4}|10" + _HEXD + r"{4})\}"
)
_HEX_ESC = (
    "x(?:" + _HEXD + "{2}|" + _BRACED + ")|u(?:" + _HEX4 + "|" + _BRACED + ")|U(?:0000" + _HEX4
    + "|000[1-9a-fA-F]" + _HEXD + "{4}|0010" + _HEXD + "{4}|" + _BRACED + ")"
)
_QUANT = r"(?:[?*+]\??|\{[0-9]+(?:,[0-9]*)?\}\??)"


def _ws(xmode: bool) -> str:
    """``#`` and White_Space, as the body of a ``re`` class, in x mode."""
    return "#" + _escape_ranges(perl_space()) if xmode else ""


def _class_parts(xmode: bool) -> Tuple[str, str, str]:
    """``(sp, literal, other)``: the pieces of a bracketed class's simple items.

    ``sp`` is the whitespace allowed between items in x mode (not comments;
    no item starts with whitespace, so there is one way only to split a
    class body), ``literal`` a class literal (no set operator characters,
    escapes that are literals), ``other`` a Perl or Unicode class escape.
    """
    ws = _ws(xmode)
    sp = "[" + ws[1:] + "]*" if xmode else ""
    cc = r"[^\\\[\]\-&~^" + ws + "]"
    lit = r"(?:" + cc + r"|\\(?:[aftnrv\x00-/:;=?@\[-\x60{-\x7f]|" + _HEX_ESC + "))"
    other = r"\\(?:[dswDSW]|" + _uni(ws) + ")"
    return sp, lit, other


def _uni(ws: str) -> str:
    """A Unicode class escape after its backslash (``\\pL``, ``\\p{..}``)."""
    return r"[pP](?:[^\\{" + ws + r"]|\{[^}" + ws + r"]{0,100}\})"


def _class_item_grammar(xmode: bool) -> str:
    """One simple class item (``A.ClassItemRun``) and the whitespace after it.

    The item is group 1, the whitespace group 2.  A literal or escape
    followed by ``-`` (or by a comment, in x mode) is never an item on its
    own: the parser reads a range (or an error) there.  A nested class of
    simple items is one too (it nests: ``A.ClassItemRun.depth``).
    """
    sp, lit, other = _class_parts(xmode)
    names = "|".join(sorted(_ASCII_CLASSES))
    item = (
        lit + sp + "-" + sp + lit + "|(?:" + lit + "|" + other + ")(?!" + sp + "[-#])|\\[:\\^?(?:"
        + names + r"):\]"
    )
    # A nested class of such items (not [:name:]-like: no ':' first).
    nested = r"\[(?!:)" + sp + r"(?:\^" + sp + ")?(?:(?:" + item + ")" + sp + r")+\]"
    return "(" + item + "|" + nested + ")(" + sp + ")"


def _grammar(xmode: bool) -> Tuple[str, str]:
    """``(token, gap)`` regular expressions for one mode."""
    ws = _ws(xmode)
    s1 = r"[^\\()|\[?*+{" + ws + "]"  # a one-character atom: plain literal, '.', '^' or '$'
    # Whitespace and comments: an item is a stretch of whitespace or one
    # comment; in a lookahead, one character or one whole comment per step,
    # so that there is one way only to split them (no backtracking blowup).
    gap = "(?:[" + ws[1:] + r"]+|#[^\n]*\n?)" if xmode else "(?!)"
    gaps = "(?:[" + ws[1:] + r"]|#[^\n]*(?:\n|\Z))*" if xmode else ""
    # Plain characters, one token each; never ends right before a
    # repetition operator's atom (the last character then forms s1 QUANT, or
    # ends the run in x mode, where whitespace may come between the two).
    seg = s1 + "+(?:(?=" + s1 + gaps + "[?*+{])|(?!" + s1 + "|" + gaps + "[?*+{]))"
    # Escapes: ASCII punctuation/controls (meta, superfluous, \< and \>), the
    # special letters, Perl classes, \A \z \B, \b unless '{' follows, hex, \p.
    esc = r"\\(?:[aftnrvdswDSWAzB\x00-/:-@\[-\x60{-\x7f]|b(?!\{)|" + _HEX_ESC + "|" + _uni(ws) + ")"
    # Bracketed classes: set operators only as ``&&``/``--``/``~~`` between
    # items, no '^' after the first, no leading/trailing '-', and no nesting
    # but [:name:] (an ASCII class, or a nested class of the same extent if
    # the name is unknown); in x mode whitespace between the items.
    sp, clit, other = _class_parts(xmode)
    item = clit + "(?:" + sp + "-" + sp + clit + ")?|" + other + r"|\[:\^?[a-z]{1,16}:\]|&&|--|~~"
    bracket = r"\[" + sp + r"(?:\^" + sp + ")?(?:(?:" + item + ")" + sp + r"){1,256}\]"
    atom = "(?:" + s1 + "|" + esc + "|" + bracket + ")"
    # Groups: capturing or with flags other than x (which changes the
    # syntax), two levels deep at most, and short (a longer one is read by
    # the step-by-step parser, which finds the runs inside it).
    opn = r"\((?:" + sp + r"\?[imsURu-]*:|(?!" + sp + r"\?))"
    inner = "|" + sp[:-1] if xmode else ""
    group1 = opn + "(?:" + atom + _QUANT + r"?|\|" + inner + r"){0,64}\)"
    group = opn + "(?:" + atom + _QUANT + "?|" + group1 + _QUANT + r"?|\|" + inner + r"){0,256}\)"
    token = (
        seg + "|" + s1 + _QUANT + "|" + esc + _QUANT + "?|" + bracket + _QUANT + "?|" + group
        + _QUANT + "?"
    )
    return token, gap


_SET_FLAGS = re.compile(r"\(\?[imsURu-]+\)")


def is_set_flags(token: str) -> bool:
    """True for a ``(?flags)`` token."""
    return token[:2] == "(?" and token[-1] == ")" and _SET_FLAGS.fullmatch(token) is not None


class _Regexes:
    """The grammar of one mode, compiled on first use (only long patterns need it).

    ``item`` matches one token or gap; ``tokens``/``bars`` find the items of
    a window (``bars`` also the ``|`` between branches, as items of their
    own), where a position at which no item starts gives an empty string, so
    the items before the first one are exactly the parser's from the window
    start on; ``branch`` finds the branches of a branch run.  In a token run
    ``(?flags)`` (not x) is a token too: it changes how later tokens
    translate, not how they parse (it is never repeated: that is an error
    the step-by-step parser raises).  Likewise in a branch run: flags set in
    a branch hold in the next ones, which the translator follows
    (``Translator.flagged_branches``).
    """

    def __init__(self, xmode: bool) -> None:
        plain, gap = _grammar(xmode)
        token = plain + "|" + _SET_FLAGS.pattern
        self.xmode = xmode
        self.item = re.compile(token + "|" + gap)
        self.tokens = re.compile(token + "|" + gap + r"|(?=[\s\S])")
        self.bars = re.compile(token + "|" + gap + r"|\||(?=[\s\S])")
        self.branch = re.compile("((?:" + token + "|" + gap + r")*)\|")
        self.gap_start = frozenset("#" + "".join(chr(c) for lo, hi in perl_space()
                                                   for c in range(lo, hi + 1)))  # fmt: skip

    def no_gaps(self, items: List[str]) -> List[str]:
        """``items`` without whitespace and comments (x mode)."""
        if not self.xmode:
            return items
        starts = self.gap_start
        return [t for t in items if t[0] not in starts]


_res: Dict[bool, _Regexes] = {}


def _rx(xmode: bool) -> _Regexes:
    got = _res.get(xmode)
    if got is None:
        got = _res[xmode] = _Regexes(xmode)
    return got


# Runs are looked for only in patterns (and runs) at least this long, so that
# ordinary patterns take the step-by-step path.  Tests lower these.
_RUN_MIN_CHARS = 1024
_PERIODIC_MIN = 1024  # shortest periodic stretch handled by comparing the text with itself
_MAX_PERIOD = 4096
_WINDOW_MIN = 64
_RUN_BACKOFF = 256
_WINDOW_MAX = 1 << 16

Piece = Tuple[int, int, int]  # (start offset, length, repeat)


def is_segment(token: str) -> bool:
    """True for a ``_SEG`` token of two or more plain characters (one token each)."""
    return len(token) > 1 and token[0] not in "\\[(" and token[1] not in _QCHARS


def run_tokens(pattern: str, start: int, length: int, xmode: bool) -> List[str]:
    """The tokens of ``pattern[start:start + length]``, part of a run (bars skipped)."""
    rx = _rx(xmode)
    return rx.no_gaps(rx.item.findall(pattern, start, start + length))


def tokens_of(text: str, xmode: bool) -> List[str]:
    """The tokens of ``text`` (a branch of a ``BranchRun``)."""
    rx = _rx(xmode)
    return rx.no_gaps(rx.item.findall(text))


def run_branches(pattern: str, start: int, length: int, xmode: bool) -> List[str]:
    """The branch texts (without their ``|``) of ``pattern[start:start + length]``."""
    return _rx(xmode).branch.findall(pattern, start, start + length)


def _token_set(tokens: List[str]) -> Set[str]:
    """The distinct tokens, a ``_SEG`` counting as its characters."""
    out = set(tokens)
    segs = [t for t in out if is_segment(t)]
    if segs:
        out.difference_update(segs)
        out.update(*segs)
    return out


def first_token(
    pattern: str, pieces: List[Piece], wanted: Set[str], xmode: bool
) -> Tuple[int, str]:
    """``(offset, token)`` of the first token of a run that is in ``wanted``.

    Pieces without one are skipped with ``findall``; every distinct token of
    a piece occurs in its first copy.
    """
    rx = _rx(xmode)
    for start, length, _k in pieces:
        if not _token_set(run_tokens(pattern, start, length, xmode)) & wanted:
            continue
        for m in rx.item.finditer(pattern, start, start + length):
            t = m.group()
            for j, ch in enumerate(t if is_segment(t) else [t]):
                if ch in wanted:
                    return m.start() + j, ch
    raise AssertionError("no such token in the run")


def iter_branches(pattern: str, pieces: List[Piece], xmode: bool) -> Iterator[Tuple[int, str]]:
    """``(offset, text)`` of every branch of a ``BranchRun``, in order."""
    for start, length, k in pieces:
        texts = run_branches(pattern, start, length, xmode)
        for copy in range(k):
            off = start + copy * length
            for text in texts:
                yield off, text
                off += len(text) + 1


def _split_segments(raw: Counter[str], rx: _Regexes) -> Dict[str, int]:
    """Token counts, without gaps, each ``_SEG`` counted as its characters."""
    counts: Dict[str, int] = {}
    for t, n in raw.items():
        if rx.xmode and t[0] in rx.gap_start:
            continue
        if is_segment(t):
            for ch, m in Counter(t).items():
                counts[ch] = counts.get(ch, 0) + m * n
        else:
            counts[t] = counts.get(t, 0) + n
    return counts


def _common_length(s: str, a: int, b: int, limit: int, known: int) -> int:
    """The largest ``m <= limit - b`` with ``s[a:a + m] == s[b:b + m]`` (``a < b``).

    ``known`` characters are known to be equal.  Galloping, then bisection;
    each step compares only the not yet compared part, so the cost is a few
    ``memcmp`` passes over the result.
    """
    top = limit - b
    lo = min(known, top)
    hi = lo
    while lo < top:
        hi = min(top, 2 * lo + 1)
        if not s.startswith(s[b + lo:b + hi], a + lo):
            break
        lo = hi
    else:
        return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if s.startswith(s[b + lo:b + mid], a + lo):
            lo = mid
        else:
            hi = mid
    return lo


def _items(
    pattern: str, start: int, end: int, branches: bool, xmode: bool
) -> Tuple[List[str], int]:
    """The items of ``pattern[start:end]`` from ``start`` on: ``(items, end of the last)``.

    Items are tokens, gaps (x mode) and, for a branch run, ``"|"`` for a bar
    between branches; they stop where no item starts (not necessarily the end
    of the run: an item may extend past ``end``).
    """
    rx = _rx(xmode).bars if branches else _rx(xmode).tokens
    items: List[str] = rx.findall(pattern, start, end)
    try:
        items = items[:items.index("")]
    except ValueError:
        pass
    return items, start + sum(map(len, items))


def _periodic(
    pattern: str, i: int, limit: int, branches: bool, xmode: bool
) -> Optional[Tuple[int, int]]:
    """``(period, copies)`` if ``pattern[i:limit]`` starts with a periodic stretch.

    The period is found as the next occurrence of the text's first few
    characters; the stretch must be at least ``_PERIODIC_MIN`` long and one
    period must consist of whole items (branches, for a branch run).  Since
    an item never extends past a character that cannot start one, the text of
    ``copies`` periods is then exactly ``copies`` times those items (a token
    run must not end right before a repetition operator: one copy less is
    taken then).
    """
    if limit - i < _PERIODIC_MIN:
        return None
    probe_len = max(1, min(32, _PERIODIC_MIN // 2))
    j = pattern.find(pattern[i:i + probe_len], i + 1, min(limit, i + _MAX_PERIOD + probe_len))
    if j < 0:
        return None
    p = j - i
    # The unit: the shortest multiple of p (up to 8 p) that ends between items.
    items, _ = _items(pattern, i, i + min(limit - i, _MAX_PERIOD, 8 * p), branches, xmode)
    q = 0
    for item in items:
        q += len(item)
        if q % p:
            continue
        if branches and item != "|":
            continue
        if xmode and item[0] == "#" and item[-1] != "\n":
            continue  # a comment cut by the period's end goes on in the next copy
        break
    else:
        return None
    # Only now the (linear) comparison: the stretch it measures is consumed.
    total = p + _common_length(pattern, i, j, limit, probe_len)
    k = total // q
    if not branches and i + k * q < len(pattern) and pattern[i + k * q] in _QCHARS:
        k -= 1
    if k >= 2 and k * q >= _PERIODIC_MIN:
        return q, k
    return None


def _scan(
    pattern: str, start: int, limit: int, branches: bool, xmode: bool
) -> Tuple[int, List[Piece], Dict[str, int], int]:
    """The longest run of tokens (or ``|``-terminated branches) from ``start``.

    Returns ``(end, pieces, token counts, number of tokens or branches)``.
    Periodic stretches are taken whole; elsewhere ``findall`` reads windows of
    growing size.  A window ends where no item starts -- the end of the run,
    unless the window cut an item (then that item starts the next window) --
    and a window that reaches its end may have cut its last item (read again
    with the next window); a branch run's window ends after its last bar.  A
    token run never ends right before a repetition operator (its last token
    is left to the step-by-step parser).
    """
    rx = _rx(xmode)
    pieces: List[Piece] = []
    raw: Counter[str] = Counter()
    nitems = 0
    i = start
    window = _WINDOW_MIN
    if pattern[start] in (")?*+{" if branches else ")|?*+{"):
        return start, pieces, {}, nitems  # no run starts here (the usual case)
    while i < limit:
        if xmode:  # a long stretch of whitespace and comments in one step
            m = _space_skipper().match(pattern, i, limit)
            assert m is not None
            if m.end() - i >= _WINDOW_MIN:
                pieces.append((i, m.end() - i, 1))
                i = m.end()
                continue
        per = _periodic(pattern, i, limit, branches, xmode)
        if per is not None:
            p, k = per
            items, _ = _items(pattern, i, i + p, branches, xmode)
        else:
            w = min(limit, i + window)
            items, e = _items(pattern, i, w, branches, xmode)
            # Does the run end at ``e``, or did the window cut an item there?
            one = rx.item
            cut = one.match(pattern, e, limit) if e < w else None
            done = e < w and cut is None
            if not done and e == w < limit and items:
                e -= len(items.pop())  # maybe cut: read it again
            if branches:
                bar = len(items) - 1
                while bar >= 0 and items[bar] != "|":
                    bar -= 1
                e -= sum(map(len, items[bar + 1:]))
                del items[bar + 1:]
            if not items:
                if done or w >= limit or (branches and window >= _WINDOW_MAX):
                    break  # (a branch that long is left to a token run)
                # An item (or branch) longer than the window: grow it past
                # the item that the window cut (scanned once more, not
                # once per doubling).
                window = max(2 * window, 2 * ((cut.end() if cut is not None else w) - i))
                continue
            window = min(4 * window, _WINDOW_MAX)
            p, k = e - i, 1
        # Counted with the bars and gaps; those are taken out below.
        if k == 1:
            raw.update(items)
        else:
            for t, n in Counter(items).items():
                raw[t] += n * k
        pieces.append((i, p, k))
        i += p * k
        if per is None and done:
            break
    bars = raw.pop("|", 0)
    counts = _split_segments(raw, rx)
    nitems = bars if branches else sum(counts.values())
    if not branches and nitems and i < len(pattern) and pattern[i] in _QCHARS:
        i = _drop_last_token(pattern, pieces, counts, xmode)
        nitems -= 1
    return i, pieces, counts, nitems


def _drop_last_token(
    pattern: str, pieces: List[Piece], counts: Dict[str, int], xmode: bool
) -> int:
    """Remove the run's last token, and the gaps after it (a repetition operator
    follows them); the new end."""
    rx = _rx(xmode)
    while True:
        start, length, k = pieces.pop()
        if k > 1:
            pieces.append((start, length, k - 1))
            start += length * (k - 1)
        items = rx.item.findall(pattern, start, start + length)
        while items and not rx.no_gaps(items[-1:]):
            items.pop()
        if items:
            break
    last = items[-1]
    if is_segment(last):
        last = last[-1]
    counts[last] -= 1
    if not counts[last]:
        del counts[last]
    end = start + sum(map(len, items)) - len(last)
    if end > start:
        pieces.append((start, end - start, 1))
    return end


_class_item_res: Dict[bool, Tuple[Pattern[str], Pattern[str]]] = {}


def _class_item_rx(xmode: bool) -> Tuple[Pattern[str], Pattern[str]]:
    """``(one item, items or an empty match where none starts)`` for ``A.ClassItemRun``."""
    got = _class_item_res.get(xmode)
    if got is None:
        item = _class_item_grammar(xmode)
        got = _class_item_res[xmode] = (re.compile(item), re.compile(item + r"|(?=[\s\S])"))
    return got


def class_items(pattern: str, start: int, xmode: bool) -> Tuple[int, List[Tuple[str, str]]]:
    """The simple class items from ``start`` on: ``(end, [(item, whitespace after)])``.

    ``findall`` reads windows of growing size, as ``_scan`` does: an item cut
    by the window's end (or whose lookahead the end hides) is read again
    with the next window, and where no item starts the run ends, unless an
    item does start there once the whole pattern is seen (the window cut it).
    """
    one, items_rx = _class_item_rx(xmode)
    out: List[Tuple[str, str]] = []
    i, n, window = start, len(pattern), _WINDOW_MIN
    while i < n:
        w = min(n, i + window)
        items = items_rx.findall(pattern, i, w)
        try:
            items = items[:items.index(("", ""))]
        except ValueError:
            pass
        e = i + sum(len(t) + len(ws) for t, ws in items)
        if e == w < n and items:
            t, ws = items.pop()
            e -= len(t) + len(ws)
        elif e < w and one.match(pattern, e) is None:
            out.extend(items)
            return e, out
        if not items:
            window *= 2  # an item longer than the window
            continue
        out.extend(items)
        i = e
        window = min(4 * window, _WINDOW_MAX)
    return i, out


def first_class_item(pattern: str, run: A.ClassItemRun, wanted: Set[str]) -> int:
    """The offset of the first item of ``run`` that is in ``wanted``."""
    for m in _class_item_rx(run.xmode)[0].finditer(pattern, run.start, run.end):
        if m.group(1) in wanted:
            return m.start()
    raise AssertionError("no such item in the run")


def parse_class_item(pattern: str, offset: int, xmode: bool) -> A.ClassSetItem:
    """Parse the simple class item at ``offset`` in place (``text + ']'`` for one on its own)."""
    p = Parser(pattern)
    p.ignore_whitespace = xmode
    p.set_pos(position_at(pattern, offset))
    p.stack_class.append(_ClassState())  # inside a class: '[' may start [:name:]
    if p.char() == "[":
        got = p.maybe_parse_ascii_class()
        if got is not None:
            return got
        p.stack_class.clear()  # a nested class parses as one on its own
        return p.parse_set_class()
    return p.parse_set_class_range()


def _class_item_depth(text: str, xmode: bool) -> Optional[int]:
    """How deep a simple class item nests (None if it does not parse: a range's
    ends may be out of order)."""
    try:
        return max_depth(parse_class_item(text + "]", 0, xmode))
    except RegexCompileError:
        return None


def position_at(pattern: str, offset: int) -> Position:
    """The ``Position`` the parser has at ``offset`` (line and column counted)."""
    line = pattern.count("\n", 0, offset) + 1
    return Position(offset, line, offset - pattern.rfind("\n", 0, offset))


def parse_isolated(text: str, xmode: bool) -> Tuple[A.Ast, int]:
    """Parse one simple token (or branch) on its own: ``(ast, capturing groups)``.

    A simple token means the same wherever it stands, so this is its meaning
    in context too, up to positions and capture indexes (numbered from 1).
    """
    p = Parser(text)
    p.ignore_whitespace = xmode
    return p.parse(), p.capture_index


def parse_fragment(pattern: str, start: int, end: int, xmode: bool) -> A.Ast:
    """Parse ``pattern[start:end]`` (whole items) in place: exact spans, for errors.

    In x mode the whitespace after the last item is included: some items (hex
    escapes, counted repetitions) end their span after it.
    """
    p = Parser(pattern)
    p.ignore_whitespace = xmode
    if xmode:
        m = _space_skipper().match(pattern, end)
        assert m is not None
        end = m.end()
    p.n = end
    p.set_pos(position_at(pattern, start))
    return p.parse_items()


def _run_info(counts: Dict[str, int], xmode: bool) -> Tuple[Set[str], int, int]:
    """``(tokens that are parse errors, deepest nesting in a token, capturing groups)``."""
    bad: Set[str] = set()
    depth = captures = 0
    for token, n in counts.items():
        if len(token) == 1:
            continue  # a one-character atom
        try:
            ast, caps = parse_isolated(token, xmode)
        except RegexCompileError:
            bad.add(token)
            continue
        depth = max(depth, max_depth(ast))
        captures += n * caps
    return bad, depth, captures


def is_meta_character(c: str) -> bool:
    return c in _META


def is_escapeable_character(c: str) -> bool:
    if c in _META:
        return True
    if ord(c) > 0x7F:
        return False
    if "0" <= c <= "9" or "A" <= c <= "Z" or "a" <= c <= "z":
        return False
    return c not in "<>"


class _GroupState:
    __slots__ = ("alternation", "concat", "group", "ignore_whitespace")

    def __init__(
        self,
        concat: Optional[A.Concat],
        group: Optional[A.Group],
        ignore_whitespace: bool,
        alternation: Optional[A.Alternation],
    ) -> None:
        self.concat = concat
        self.group = group
        self.ignore_whitespace = ignore_whitespace
        self.alternation = alternation


class _ClassState:
    __slots__ = ("kind", "lhs", "set", "union")

    def __init__(
        self,
        union: Optional[A.ClassSetUnion] = None,
        cset: Optional[A.ClassBracketed] = None,
        kind: str = "",
        lhs: Optional[A.ClassSet] = None,
    ) -> None:
        self.union = union
        self.set = cset
        self.kind = kind
        self.lhs = lhs


class _OpenRun:
    """Many consecutive ``(`` / ``(?:`` on the group stack, as one entry.

    ``'(' * N`` would otherwise cost a ``Group``, a ``Concat`` and their
    spans per open group; here a group is only built (``innermost``) when it
    is closed, or named by an error.  ``end`` is the offset just after the
    innermost open group still in the run, ``last_index`` the capture index
    of its innermost capturing group.  The opens contain no ``\n``, so one
    line and the first open's column give every position.
    """

    __slots__ = ("column", "concat", "end", "ignore_whitespace", "last_index", "line", "start")
    alternation: Optional[A.Alternation] = None

    def __init__(
        self, concat: A.Concat, start: Position, end: int, last_index: int, ignore: bool
    ) -> None:
        self.concat = concat
        self.start = start.offset
        self.line = start.line
        self.column = start.column
        self.end = end
        self.last_index = last_index
        self.ignore_whitespace = ignore

    def at(self, offset: int) -> Position:
        """The position at ``offset`` (within the run)."""
        return Position(offset, self.line, self.column + offset - self.start)

    def take(self, pattern: str, close_end: Position, ast: A.Ast) -> A.Group:
        """Take the innermost open group off, as a ``Group`` of ``ast`` ending at ``close_end``."""
        off = self.end - (3 if pattern[self.end - 1] == ":" else 1)
        flags: Optional[A.Flags] = None
        index: Optional[int] = None
        if self.end - off == 3:
            colon = self.at(off + 2)
            flags = A.Flags(Span(colon, colon))
        else:
            index = self.last_index
            self.last_index -= 1
        self.end = off
        return A.Group(Span(self.at(off), close_end), index, None, flags, ast)

    def prior(self) -> A.Concat:
        """The concatenation the group last taken off was opened in."""
        if self.end == self.start:
            return self.concat
        p = self.at(self.end)
        return A.Concat(Span(p, p), [])

    def innermost(self, pattern: str) -> Tuple[_GroupState, bool]:
        """Take the innermost open group off: its state as ``push_group`` would have
        made it (an open group's span is its ``(``), and whether the run is now empty."""
        end = self.at(self.end - (3 if pattern[self.end - 1] == ":" else 1) + 1)
        group = self.take(pattern, end, A.Empty(Span(end, end)))
        state = _GroupState(self.prior(), group, self.ignore_whitespace, None)
        return state, self.end == self.start


_OPENS = re.compile(r"\((?!\?)|\(\?:|(?=[\s\S])")
_CLOSES = re.compile(r"\)+")
_OPEN_RUN_MIN = 16  # opens in a row kept as one _OpenRun (tests lower it)


class _Tries:
    """Where the next try for one kind of run (token, branch, class item, open
    group) may start.

    No run is looked for before ``next``: a shorter one was just found there,
    which keeps the search linear overall.  After tries that found (nearly)
    nothing, the next one waits a doubling distance, up to ``_RUN_BACKOFF``
    characters: where runs are rare (flags between single tokens, nested
    classes), trying costs about as much as parsing.
    """

    __slots__ = ("next", "skip")

    def __init__(self) -> None:
        self.next = 0
        self.skip = 1

    def missed(self, start: int, end: int) -> None:
        """No run at ``start``, and none may start before ``end``: back off."""
        self.next = max(end, start + self.skip)
        self.skip = min(2 * self.skip, _RUN_BACKOFF)

    def found(self) -> None:
        self.skip = 1


# A parsed primitive: the escape parser returns one of these.
Primitive = Union[A.Literal, A.Assertion, A.Dot, A.ClassPerl, A.ClassUnicode]


class Parser:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.n = len(pattern)
        self.offset = 0
        self.line = 1
        self.column = 1
        self.capture_index = 0
        self.capture_names: Dict[str, Span] = {}
        self.stack_group: List[Union[_GroupState, _OpenRun]] = []
        self.stack_class: List[_ClassState] = []
        self.ignore_whitespace = False
        # Where each kind of run may next be looked for (see ``_Tries``).
        self.token_tries = _Tries()
        self.branch_tries = _Tries()
        self.class_tries = _Tries()
        self.open_tries = _Tries()

    # -- low level ---------------------------------------------------------

    def error(self, span: Span, message: str, aux: Optional[Span] = None) -> RegexCompileError:
        return E.parse_error(self.pattern, message, span, aux)

    def pos(self) -> Position:
        return Position(self.offset, self.line, self.column)

    def set_pos(self, p: Position) -> None:
        self.offset, self.line, self.column = p.offset, p.line, p.column

    def span(self) -> Span:
        p = self.pos()
        return Span(p, p)

    def is_eof(self) -> bool:
        return self.offset >= self.n

    def char(self) -> str:
        return self.pattern[self.offset] if self.offset < self.n else ""

    def span_char(self) -> Span:
        c = self.char()
        if c == "\n":
            nxt = Position(self.offset + 1, self.line + 1, 1)
        else:
            nxt = Position(self.offset + 1, self.line, self.column + 1)
        return Span(self.pos(), nxt)

    def bump(self) -> bool:
        if self.is_eof():
            return False
        if self.pattern[self.offset] == "\n":
            self.line += 1
            self.column = 1
        else:
            self.column += 1
        self.offset += 1
        return self.offset < self.n

    def bump_if(self, prefix: str) -> bool:
        """``bump`` past ``prefix`` if it comes next (prefixes contain no ``\n``)."""
        if self.pattern.startswith(prefix, self.offset):
            self.offset += len(prefix)
            self.column += len(prefix)
            return True
        return False

    def advance_to(self, end: int) -> None:
        """``bump`` until ``offset == end`` (``end <= n``), in O(end - offset) C time."""
        nl = self.pattern.count("\n", self.offset, end)
        if nl:
            self.line += nl
            self.column = end - self.pattern.rfind("\n", self.offset, end)
        else:
            self.column += end - self.offset
        self.offset = end

    def bump_space(self) -> None:
        if not self.ignore_whitespace or self.offset >= self.n:
            return
        m = _space_skipper().match(self.pattern, self.offset, self.n)
        assert m is not None
        if m.end() > self.offset:
            self.advance_to(m.end())

    def bump_and_bump_space(self) -> bool:
        if not self.bump():
            return False
        self.bump_space()
        return not self.is_eof()

    def peek(self) -> Optional[str]:
        if self.offset + 1 < self.n:
            return self.pattern[self.offset + 1]
        return None

    def peek_space(self) -> Optional[str]:
        if not self.ignore_whitespace:
            return self.peek()
        if self.is_eof():
            return None
        start = self.offset + 1
        in_comment = False
        i = start
        while i < self.n:
            c = self.pattern[i]
            if is_white_space(c):
                pass
            elif not in_comment and c == "#":
                in_comment = True
            elif in_comment and c == "\n":
                in_comment = False
            else:
                start = i
                break
            i += 1
        return self.pattern[start] if start < self.n else None

    # -- top level -----------------------------------------------------------

    def parse(self) -> A.Ast:
        ast = self.parse_items()
        check_nest_limit(self, ast)
        return ast

    def parse_items(self) -> A.Ast:
        """The main loop and ``pop_group_end``, up to ``self.n`` (no nest check)."""
        concat = A.Concat(self.span(), [])
        while True:
            self.bump_space()
            if self.is_eof():
                break
            if self.offset >= self.token_tries.next and self.n - self.offset >= _RUN_MIN_CHARS:
                run = self.try_run(False)
                if run is not None:
                    concat.asts.append(run)
                    continue
            c = self.char()
            if c == "(":
                concat = self.push_open_run(concat) or self.push_group(concat)
            elif c == ")":
                concat = self.pop_open_run(concat) or self.pop_group(concat)
            elif c == "|":
                concat = self.push_alternate(concat)
            elif c == "[":
                cls = self.parse_set_class()
                concat.asts.append(cls)
            elif c == "?":
                concat = self.parse_uncounted_repetition(concat, 0, 1)
            elif c == "*":
                concat = self.parse_uncounted_repetition(concat, 0, None)
            elif c == "+":
                concat = self.parse_uncounted_repetition(concat, 1, None)
            elif c == "{":
                concat = self.parse_counted_repetition(concat)
            else:
                m = _scanner(self.ignore_whitespace).match(self.pattern, self.offset, self.n)
                if m is not None and m.end() - self.offset > 1:
                    concat.asts.append(self.parse_literal_run(m.end()))
                else:
                    concat.asts.append(self.parse_primitive())
        return self.pop_group_end(concat)

    def _scan_run(
        self, branches: bool
    ) -> Tuple[int, Optional[Tuple[List[Piece], Dict[str, int], int, int, int]]]:
        """``_scan`` from here, cut before the first token that is a parse error.

        Returns ``(end, (pieces, token counts, items, depth, captures))``, or
        ``(next, None)`` if the run is too short (fewer than ``_RUN_MIN_CHARS``
        characters or two items), where ``next`` is the first offset at which
        another try makes sense.  Tokens up to a bad one parse; the
        step-by-step parser then reads the bad one and raises its error in
        place (a branch run ends before the branch that contains it).
        ``depth`` is for the nest limit: the deepest token, plus one for a
        branch's ``Concat`` (an upper bound: a one-token branch has none).
        """
        start = self.offset
        limit = self.n
        xmode = self.ignore_whitespace
        while True:
            end, pieces, counts, nitems = _scan(self.pattern, start, limit, branches, xmode)
            if nitems < 2:
                # One item at most: it may be a long group with runs inside,
                # so the next try is at the next position.
                return start + 1, None
            if end - start < _RUN_MIN_CHARS:
                return end, None
            bad, depth, captures = _run_info(counts, xmode)
            if not bad:
                return end, (pieces, counts, nitems, depth + (1 if branches else 0), captures)
            limit = first_token(self.pattern, pieces, bad, xmode)[0]

    def try_run(self, branches: bool) -> Union[A.TokenRun, A.BranchRun, None]:
        """A ``TokenRun`` (or, right after a ``|``, at the start of an empty branch,
        a ``BranchRun``) of at least ``_RUN_MIN_CHARS`` characters and two tokens
        (branches) here, if any."""
        tries = self.branch_tries if branches else self.token_tries
        start = self.pos()
        end, got = self._scan_run(branches)
        if got is None:
            if end == start.offset + 1:  # no run of two tokens (branches) here
                tries.missed(start.offset, end)
            else:
                tries.next = end
            return None
        tries.found()
        pieces, counts, nitems, depth, captures = got
        self.advance_to(end)
        first = self.capture_index + 1
        self.capture_index += captures
        assert self.capture_index <= 0xFFFFFFFF
        span = Span(start, self.pos())
        if branches:
            return A.BranchRun(span, pieces, counts, nitems, first, depth, self.ignore_whitespace)
        return A.TokenRun(span, pieces, counts, first, depth, self.ignore_whitespace)

    def parse_literal_run(self, end: int) -> A.LiteralRun:
        """Plain literal characters up to ``end``, as one compact node.

        Equivalent to ``parse_primitive`` once per character (each would give a
        verbatim ``Literal``); ``_pop_repeatable`` splits off the last one when
        a repetition operator follows.
        """
        start = self.pos()
        text = self.pattern[self.offset:end]
        self.advance_to(end)
        return A.LiteralRun(Span(start, self.pos()), text)

    def push_alternate(self, concat: A.Concat) -> A.Concat:
        concat.span = concat.span.with_end(self.pos())
        self.push_or_add_alternation(concat)
        self.bump()
        if self.offset >= self.branch_tries.next and self.n - self.offset >= _RUN_MIN_CHARS:
            run = self.try_run(True)
            if run is not None:
                alt = self.stack_group[-1].alternation
                assert alt is not None
                alt.asts.append(run)
        return A.Concat(self.span(), [])

    def push_or_add_alternation(self, concat: A.Concat) -> None:
        if self.stack_group and self.stack_group[-1].alternation is not None:
            self.stack_group[-1].alternation.asts.append(concat.into_ast())
            return
        alt = A.Alternation(Span(concat.span.start, self.pos()), [concat.into_ast()])
        self.stack_group.append(_GroupState(None, None, False, alt))

    def push_open_run(self, concat: A.Concat) -> Optional[A.Concat]:
        """``push_group`` for many plain ``(`` / ``(?:`` in a row, as one ``_OpenRun``."""
        if self.ignore_whitespace:  # (whitespace could come between '(' and '?')
            return None
        # Cheap refutations first: most groups (``(a|``) hold no second open
        # right away; after tries that found too few opens, back off as for
        # token runs (``((a|`` ...).
        i = self.offset
        second = i + (3 if self.pattern.startswith("(?:", i) else 1)
        if _OPEN_RUN_MIN > 1 and self.pattern[second:second + 1] != "(":
            return None
        if i < self.open_tries.next:
            return None
        opens = self._opens()
        captures = opens.count("(")
        if len(opens) < _OPEN_RUN_MIN or self.capture_index + captures > 0xFFFFFFFF:
            self.open_tries.missed(i, i)
            return None
        self.open_tries.found()
        end = self.offset + captures + 3 * (len(opens) - captures)
        start = self.pos()
        self.capture_index += captures
        self.stack_group.append(
            _OpenRun(concat, start, end, self.capture_index, self.ignore_whitespace)
        )
        self.advance_to(end)
        return A.Concat(self.span(), [])

    def _opens(self) -> List[str]:
        """The ``(`` / ``(?:`` in a row from here.

        ``findall`` reads windows of growing size (a simple ``(?:...)+``
        would cost ``re`` memory per repetition), so the work is linear in
        the opens found: an open that the window's end may have cut (or
        hidden the ``?`` after) is read again with the next window.
        """
        out: List[str] = []
        i, window = self.offset, 3 * _OPEN_RUN_MIN
        while True:
            w = min(self.n, i + window)
            got: List[str] = _OPENS.findall(self.pattern, i, w)
            try:
                del got[got.index(""):]
            except ValueError:
                pass
            e = i + sum(map(len, got))
            cut = e == w < self.n and bool(got)
            if cut:
                e -= len(got.pop())
            out.extend(got)
            if (not cut and e + 3 <= w) or w == self.n:
                return out
            i, window = e, 2 * window

    def pop_state(self) -> _GroupState:
        """Pop the top of the group stack (one group of an ``_OpenRun``)."""
        top = self.stack_group.pop()
        if isinstance(top, _OpenRun):
            state, empty = top.innermost(self.pattern)
            if not empty:
                self.stack_group.append(top)
            return state
        return top

    def push_group(self, concat: A.Concat) -> A.Concat:
        parsed = self.parse_group()
        if isinstance(parsed, A.SetFlags):
            ignore = parsed.flags.flag_state(A.F_X)
            if ignore is not None:
                self.ignore_whitespace = ignore
            concat.asts.append(parsed)
            return concat
        old = self.ignore_whitespace
        new = old
        if parsed.flags is not None:
            st = parsed.flags.flag_state(A.F_X)
            if st is not None:
                new = st
        self.stack_group.append(_GroupState(concat, parsed, old, None))
        self.ignore_whitespace = new
        return A.Concat(self.span(), [])

    def pop_open_run(self, concat: A.Concat) -> Optional[A.Concat]:
        """``pop_group`` for many ``)`` in a row closing groups of an ``_OpenRun``.

        Each group gets the one before as its ``ast``, as ``pop_group`` would
        give it (a ``Concat`` of one item is that item), without the
        ``Concat`` objects in between.
        """
        top = self.stack_group[-1] if self.stack_group else None
        if not isinstance(top, _OpenRun):
            return None
        m = _CLOSES.match(self.pattern, self.offset, self.offset + top.end - top.start)
        assert m is not None
        if m.end() - self.offset < 2:
            return None
        concat.span = concat.span.with_end(self.pos())
        ast = concat.into_ast()
        line, col = self.line, self.column - self.offset
        i = self.offset
        while i < m.end() and top.end > top.start:
            i += 1
            ast = top.take(self.pattern, Position(i, line, col + i), ast)
        prior = top.prior()
        if top.end == top.start:
            self.stack_group.pop()
        prior.asts.append(ast)
        self.ignore_whitespace = top.ignore_whitespace
        self.advance_to(i)
        return prior

    def pop_group(self, group_concat: A.Concat) -> A.Concat:
        alt: Optional[A.Alternation] = None
        if not self.stack_group:
            raise self.error(self.span_char(), E.GROUP_UNOPENED)
        top = self.pop_state()
        if top.alternation is not None:
            alt = top.alternation
            if not self.stack_group or self.stack_group[-1].alternation is not None:
                raise self.error(self.span_char(), E.GROUP_UNOPENED)
            top = self.pop_state()
        assert top.group is not None and top.concat is not None
        prior_concat, group = top.concat, top.group
        self.ignore_whitespace = top.ignore_whitespace
        group_concat.span = group_concat.span.with_end(self.pos())
        self.bump()
        group.span = group.span.with_end(self.pos())
        if alt is not None:
            alt.span = alt.span.with_end(group_concat.span.end)
            alt.asts.append(group_concat.into_ast())
            group.ast = alt
        else:
            group.ast = group_concat.into_ast()
        prior_concat.asts.append(group)
        return prior_concat

    def pop_group_end(self, concat: A.Concat) -> A.Ast:
        concat.span = concat.span.with_end(self.pos())
        ast: A.Ast
        if not self.stack_group:
            ast = concat.into_ast()
        else:
            top = self.pop_state()
            if top.alternation is not None:
                alt = top.alternation
                alt.span = alt.span.with_end(self.pos())
                alt.asts.append(concat.into_ast())
                ast = alt
            else:
                assert top.group is not None
                raise self.error(top.group.span, E.GROUP_UNCLOSED)
        if self.stack_group:
            top = self.pop_state()
            assert top.group is not None
            raise self.error(top.group.span, E.GROUP_UNCLOSED)
        return ast

    # -- groups and flags ----------------------------------------------------

    def is_lookaround_prefix(self) -> bool:
        return (
            self.bump_if("?=")
            or self.bump_if("?!")
            or self.bump_if("?<=")
            or self.bump_if("?<!")
        )

    def parse_group(self) -> Union[A.SetFlags, A.Group]:
        open_span = self.span_char()
        self.bump()
        self.bump_space()
        if not self.pattern.startswith("?", self.offset):  # (every prefix below starts with '?')
            index = self.next_capture_index(open_span)
            return A.Group(open_span, index, None, None, A.Empty(self.span()))
        if self.is_lookaround_prefix():
            raise self.error(Span(open_span.start, self.pos()), E.UNSUPPORTED_LOOK_AROUND)
        inner_span = self.span()
        if self.bump_if("?P<") or self.bump_if("?<"):
            index = self.next_capture_index(open_span)
            name = self.parse_capture_name()
            return A.Group(open_span, index, name, None, A.Empty(self.span()))
        self.bump_if("?")
        if self.is_eof():
            raise self.error(open_span, E.GROUP_UNCLOSED)
        flags = self.parse_flags()
        char_end = self.char()
        self.bump()
        if char_end == ")":
            if not flags.items:
                raise self.error(inner_span, E.REPETITION_MISSING)
            return A.SetFlags(Span(open_span.start, self.pos()), flags)
        return A.Group(open_span, None, None, flags, A.Empty(self.span()))

    def next_capture_index(self, span: Span) -> int:
        if self.capture_index >= 0xFFFFFFFF:
            raise self.error(span, E.CAPTURE_LIMIT_EXCEEDED)
        self.capture_index += 1
        return self.capture_index

    def parse_capture_name(self) -> str:
        if self.is_eof():
            raise self.error(self.span(), E.GROUP_NAME_UNEXPECTED_EOF)
        start = self.pos()
        m = _ASCII_NAME.match(self.pattern, self.offset)
        if m is not None:  # the usual ASCII name in one step (checked below from there on)
            self.advance_to(m.end())
        while not self.is_eof():
            if self.char() == ">":
                break
            if not is_capture_char(self.char(), self.offset == start.offset):
                raise self.error(self.span_char(), E.GROUP_NAME_INVALID)
            self.bump()
        end = self.pos()
        if self.is_eof():
            raise self.error(self.span(), E.GROUP_NAME_UNEXPECTED_EOF)
        self.bump()
        name = self.pattern[start.offset:end.offset]
        if not name:
            raise self.error(Span(start, start), E.GROUP_NAME_EMPTY)
        span = Span(start, end)
        if name in self.capture_names:
            raise self.error(span, E.GROUP_NAME_DUPLICATE, self.capture_names[name])
        self.capture_names[name] = span
        return name

    def parse_flags(self) -> A.Flags:
        flags = A.Flags(self.span())
        last_was_negation: Optional[Span] = None
        while self.char() != ":" and self.char() != ")":
            if self.char() == "-":
                last_was_negation = self.span_char()
                item = A.FlagsItem(self.span_char(), A.F_NEGATION)
                i = flags.add_item(item)
                if i is not None:
                    raise self.error(
                        self.span_char(), E.FLAG_REPEATED_NEGATION, flags.items[i].span
                    )
            else:
                last_was_negation = None
                item = A.FlagsItem(self.span_char(), self.parse_flag())
                i = flags.add_item(item)
                if i is not None:
                    raise self.error(self.span_char(), E.FLAG_DUPLICATE, flags.items[i].span)
            if not self.bump():
                raise self.error(self.span(), E.FLAG_UNEXPECTED_EOF)
        if last_was_negation is not None:
            raise self.error(last_was_negation, E.FLAG_DANGLING_NEGATION)
        flags.span = flags.span.with_end(self.pos())
        return flags

    def parse_flag(self) -> str:
        c = self.char()
        if c in ("i", "m", "s", "U", "u", "R", "x"):
            return c
        raise self.error(self.span_char(), E.FLAG_UNRECOGNIZED)

    # -- repetition ----------------------------------------------------------

    def _pop_repeatable(self, concat: A.Concat) -> A.Ast:
        if not concat.asts:
            raise self.error(self.span(), E.REPETITION_MISSING)
        ast = concat.asts.pop()
        if isinstance(ast, A.LiteralRun):
            head, ast = self.split_literal_run(ast)
            concat.asts.append(head)
        if isinstance(ast, (A.Empty, A.SetFlags)):
            raise self.error(self.span(), E.REPETITION_MISSING)
        return ast

    def split_literal_run(self, run: A.LiteralRun) -> Tuple[A.Ast, A.Literal]:
        """The run without its last character, and that character as a ``Literal``."""
        text = run.text
        start, end = run.span.start, run.span.end
        last_i = end.offset - 1
        if text[-1] != "\n":
            last_start = Position(last_i, end.line, end.column - 1)
        else:
            prev_nl = self.pattern.rfind("\n", start.offset, last_i)
            col = last_i - prev_nl if prev_nl >= 0 else start.column + (last_i - start.offset)
            last_start = Position(last_i, end.line - 1, col)
        last = A.Literal(Span(last_start, end), A.LIT_VERBATIM, text[-1])
        head: A.Ast
        if len(text) == 2:
            head = A.Literal(Span(start, last_start), A.LIT_VERBATIM, text[0])
        else:
            head = A.LiteralRun(Span(start, last_start), text[:-1])
        return head, last

    def parse_uncounted_repetition(
        self, concat: A.Concat, rmin: int, rmax: Optional[int]
    ) -> A.Concat:
        op_start = self.pos()
        ast = self._pop_repeatable(concat)
        greedy = True
        if self.bump() and self.char() == "?":
            greedy = False
            self.bump()
        concat.asts.append(
            A.Repetition(
                ast.span.with_end(self.pos()), Span(op_start, self.pos()), rmin, rmax, greedy, ast
            )
        )
        return concat

    def parse_counted_repetition(self, concat: A.Concat) -> A.Concat:
        start = self.pos()
        ast = self._pop_repeatable(concat)
        if not self.bump_and_bump_space():
            raise self.error(Span(start, self.pos()), E.REPETITION_COUNT_UNCLOSED)
        count_start = self.parse_decimal(E.REPETITION_COUNT_DECIMAL_EMPTY)
        rmin, rmax = count_start, count_start
        rmax_o: Optional[int] = rmax
        if self.is_eof():
            raise self.error(Span(start, self.pos()), E.REPETITION_COUNT_UNCLOSED)
        if self.char() == ",":
            if not self.bump_and_bump_space():
                raise self.error(Span(start, self.pos()), E.REPETITION_COUNT_UNCLOSED)
            if self.char() != "}":
                rmax_o = self.parse_decimal(E.REPETITION_COUNT_DECIMAL_EMPTY)
            else:
                rmax_o = None
        if self.is_eof() or self.char() != "}":
            raise self.error(Span(start, self.pos()), E.REPETITION_COUNT_UNCLOSED)
        greedy = True
        if self.bump_and_bump_space() and self.char() == "?":
            greedy = False
            self.bump()
        op_span = Span(start, self.pos())
        if rmax_o is not None and rmin > rmax_o:
            raise self.error(op_span, E.REPETITION_COUNT_INVALID)
        concat.asts.append(
            A.Repetition(ast.span.with_end(self.pos()), op_span, rmin, rmax_o, greedy, ast)
        )
        return concat

    def parse_decimal(self, empty_message: str) -> int:
        while not self.is_eof() and is_white_space(self.char()):
            self.bump()
        start = self.pos()
        digits: List[str] = []
        if not self.ignore_whitespace:  # the digits in one step
            m = _DIGITS.match(self.pattern, self.offset, self.n)
            if m is not None:
                digits.append(m.group())
                self.advance_to(m.end())
        while not self.is_eof() and "0" <= self.char() <= "9":
            digits.append(self.char())
            self.bump_and_bump_space()
        span = Span(start, self.pos())
        while not self.is_eof() and is_white_space(self.char()):
            self.bump_and_bump_space()
        if not digits:
            raise self.error(span, empty_message)
        # u32::from_str: leading zeros are fine; no int() of a huge string
        # (CPython limits those conversions).
        text = "".join(digits).lstrip("0") or "0"
        if len(text) > 10 or int(text) > 0xFFFFFFFF:
            raise self.error(span, E.DECIMAL_INVALID)
        return int(text)

    # -- primitives and escapes ----------------------------------------------

    def parse_primitive(self) -> A.Ast:
        c = self.char()
        if c == "\\":
            return self.parse_escape()
        span = self.span_char()
        self.bump()
        if c == ".":
            return A.Dot(span)
        if c == "^":
            return A.Assertion(span, A.A_START_LINE)
        if c == "$":
            return A.Assertion(span, A.A_END_LINE)
        return A.Literal(span, A.LIT_VERBATIM, c)

    def parse_escape(self) -> Primitive:
        start = self.pos()
        if not self.bump():
            raise self.error(Span(start, self.pos()), E.ESCAPE_UNEXPECTED_EOF)
        c = self.char()
        if "0" <= c <= "9":
            raise self.error(Span(start, self.span_char().end), E.UNSUPPORTED_BACKREFERENCE)
        if c in ("x", "u", "U"):
            lit = self.parse_hex()
            lit.span = lit.span.with_start(start)
            return lit
        if c in ("p", "P"):
            cls = self.parse_unicode_class()
            cls.span = cls.span.with_start(start)
            return cls
        if c in ("d", "s", "w", "D", "S", "W"):
            perl = self.parse_perl_class()
            perl.span = perl.span.with_start(start)
            return perl
        self.bump()
        span = Span(start, self.pos())
        if is_meta_character(c):
            return A.Literal(span, A.LIT_META, c)
        if is_escapeable_character(c):
            return A.Literal(span, A.LIT_SUPERFLUOUS, c)
        special = {"a": "\x07", "f": "\x0c", "t": "\t", "n": "\n", "r": "\r", "v": "\x0b"}
        if c in special:
            return A.Literal(span, A.LIT_SPECIAL, special[c])
        if c == "A":
            return A.Assertion(span, A.A_START_TEXT)
        if c == "z":
            return A.Assertion(span, A.A_END_TEXT)
        if c == "b":
            wb = A.Assertion(span, A.A_WORD)
            if not self.is_eof() and self.char() == "{":
                kind = self.maybe_parse_special_word_boundary(start)
                if kind is not None:
                    wb.kind = kind
                    wb.span = wb.span.with_end(self.pos())
            return wb
        if c == "B":
            return A.Assertion(span, A.A_NOT_WORD)
        if c == "<":
            return A.Assertion(span, A.A_WORD_START)
        if c == ">":
            return A.Assertion(span, A.A_WORD_END)
        raise self.error(span, E.ESCAPE_UNRECOGNIZED)

    def maybe_parse_special_word_boundary(self, wb_start: Position) -> Optional[str]:
        def is_valid_char(ch: str) -> bool:
            return ("A" <= ch <= "Z") or ("a" <= ch <= "z") or ch == "-"

        start = self.pos()
        if not self.bump_and_bump_space():
            raise self.error(
                Span(wb_start, self.pos()), E.SPECIAL_WORD_OR_REPETITION_UNEXPECTED_EOF
            )
        start_contents = self.pos()
        if not is_valid_char(self.char()):
            self.set_pos(start)
            return None
        scratch: List[str] = []
        while not self.is_eof() and is_valid_char(self.char()):
            scratch.append(self.char())
            self.bump_and_bump_space()
        if self.is_eof() or self.char() != "}":
            raise self.error(Span(start, self.pos()), E.SPECIAL_WORD_BOUNDARY_UNCLOSED)
        end = self.pos()
        self.bump()
        kind = {
            "start": A.A_WORD_START,
            "end": A.A_WORD_END,
            "start-half": A.A_WORD_START_HALF,
            "end-half": A.A_WORD_END_HALF,
        }.get("".join(scratch))
        if kind is None:
            raise self.error(Span(start_contents, end), E.SPECIAL_WORD_BOUNDARY_UNRECOGNIZED)
        return kind

    def parse_hex(self) -> A.Literal:
        c = self.char()
        digits = {"x": 2, "u": 4, "U": 8}[c]
        x_kind = c == "x"
        if not self.bump_and_bump_space():
            raise self.error(self.span(), E.ESCAPE_UNEXPECTED_EOF)
        if self.char() == "{":
            return self.parse_hex_brace()
        return self.parse_hex_digits(digits, x_kind)

    def parse_hex_digits(self, digits: int, x_kind: bool) -> A.Literal:
        start = self.pos()
        scratch: List[str] = []
        for i in range(digits):
            if i > 0 and not self.bump_and_bump_space():
                raise self.error(self.span(), E.ESCAPE_UNEXPECTED_EOF)
            if self.char() not in _HEX:
                raise self.error(self.span_char(), E.ESCAPE_HEX_INVALID_DIGIT)
            scratch.append(self.char())
        self.bump_and_bump_space()
        end = self.pos()
        value = int("".join(scratch), 16)
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            raise self.error(Span(start, end), E.ESCAPE_HEX_INVALID)
        kind = A.LIT_HEX_FIXED_X if x_kind else A.LIT_HEX_OTHER
        return A.Literal(Span(start, end), kind, chr(value))

    def parse_hex_brace(self) -> A.Literal:
        brace_pos = self.pos()
        start = self.span_char().end
        scratch: List[str] = []
        while self.bump_and_bump_space() and self.char() != "}":
            if self.char() not in _HEX:
                raise self.error(self.span_char(), E.ESCAPE_HEX_INVALID_DIGIT)
            scratch.append(self.char())
        if self.is_eof():
            raise self.error(Span(brace_pos, self.pos()), E.ESCAPE_UNEXPECTED_EOF)
        end = self.pos()
        self.bump_and_bump_space()
        if not scratch:
            raise self.error(Span(brace_pos, self.pos()), E.ESCAPE_HEX_EMPTY)
        text = "".join(scratch)
        value = int(text, 16) if len(text) <= 8 else 0x110000
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            raise self.error(Span(start, end), E.ESCAPE_HEX_INVALID)
        return A.Literal(Span(start, self.pos()), A.LIT_HEX_OTHER, chr(value))

    def parse_unicode_class(self) -> A.ClassUnicode:
        negated = self.char() == "P"
        if not self.bump_and_bump_space():
            raise self.error(self.span(), E.ESCAPE_UNEXPECTED_EOF)
        if self.char() == "{":
            start = self.span_char().end
            scratch: List[str] = []
            while self.bump_and_bump_space() and self.char() != "}":
                scratch.append(self.char())
            if self.is_eof():
                raise self.error(self.span(), E.ESCAPE_UNEXPECTED_EOF)
            self.bump()
            name = "".join(scratch)
            for op in ("!=", ":", "="):
                i = name.find(op)
                if i >= 0:
                    return A.ClassUnicode(
                        Span(start, self.pos()), negated, name[:i], False, op,
                        name[i + len(op):],
                    )
            return A.ClassUnicode(Span(start, self.pos()), negated, name)
        start = self.pos()
        c = self.char()
        if c == "\\":
            raise self.error(self.span_char(), E.UNICODE_CLASS_INVALID)
        self.bump_and_bump_space()
        return A.ClassUnicode(Span(start, self.pos()), negated, c, True)

    def parse_perl_class(self) -> A.ClassPerl:
        c = self.char()
        span = self.span_char()
        self.bump()
        return A.ClassPerl(span, c.lower(), c.isupper())

    # -- bracketed classes ---------------------------------------------------

    def parse_set_class(self) -> A.ClassBracketed:
        union = A.ClassSetUnion(self.span())
        while True:
            self.bump_space()
            if self.is_eof():
                raise self.unclosed_class_error()
            if (
                self.stack_class  # (not at the class's own '[')
                and self.offset >= self.class_tries.next
                and self.n - self.offset >= _RUN_MIN_CHARS
            ):
                run = self.try_class_run()
                if run is not None:
                    union.push(run)
                    continue
            c = self.char()
            if c == "[":
                if self.stack_class:
                    ascii_cls = self.maybe_parse_ascii_class()
                    if ascii_cls is not None:
                        union.push(ascii_cls)
                        continue
                union = self.push_class_open(union)
            elif c == "]":
                res = self.pop_class(union)
                if isinstance(res, A.ClassBracketed):
                    return res
                union = res
            elif c == "&" and self.peek() == "&":
                self.bump_if("&&")
                union = self.push_class_op("&&", union)
            elif c == "-" and self.peek() == "-":
                self.bump_if("--")
                union = self.push_class_op("--", union)
            elif c == "~" and self.peek() == "~":
                self.bump_if("~~")
                union = self.push_class_op("~~", union)
            else:
                union.push(self.parse_set_class_range())

    def try_class_run(self) -> Optional[A.ClassItemRun]:
        """A ``ClassItemRun`` of at least ``_RUN_MIN_CHARS`` characters and two items here.

        Items up to the first one that is a parse error (each distinct item
        is parsed once on its own); the step-by-step parser then raises that
        error in place.  No run is looked for again before its end.
        """
        start = self.offset
        xmode = self.ignore_whitespace
        end, items = class_items(self.pattern, start, xmode)
        if end == self.n and items:  # the class is unclosed: the last item raises that
            t, ws = items.pop()
            end -= len(t) + len(ws)
        if len(items) < 2 or end - start < _RUN_MIN_CHARS:
            # Where runs are rare (nested classes), trying costs more than parsing.
            self.class_tries.missed(start, end)
            return None
        self.class_tries.found()
        counts = Counter(t for t, _ in items)
        depths = {t: _class_item_depth(t, xmode) for t in counts}
        bad = {t for t, d in depths.items() if d is None}
        if bad:
            end = start
            for i, (t, ws) in enumerate(items):
                if t in bad:
                    del items[i:]
                    break
                end += len(t) + len(ws)
            counts = Counter(t for t, _ in items)
        self.class_tries.next = max(end, start + 1)
        if len(items) < 2 or end - start < _RUN_MIN_CHARS:
            return None
        first = self.pos()
        last = items[-1]
        last_end = parse_class_item(self.pattern, end - len(last[0]) - len(last[1]), xmode).span.end
        self.advance_to(end)
        depth = max(d or 0 for t, d in depths.items() if t in counts)
        return A.ClassItemRun(Span(first, last_end), start, end, dict(counts), depth, xmode)

    def parse_set_class_range(self) -> A.ClassSetItem:
        prim1 = self.parse_set_class_item()
        self.bump_space()
        if self.is_eof():
            raise self.unclosed_class_error()
        if self.char() != "-" or self.peek_space() in ("]", "-"):
            return self.into_class_set_item(prim1)
        if not self.bump_and_bump_space():
            raise self.unclosed_class_error()
        prim2 = self.parse_set_class_item()
        span = Span(prim1.span.start, prim2.span.end)
        start = self.into_class_literal(prim1)
        end = self.into_class_literal(prim2)
        if start.c > end.c:
            raise self.error(span, E.CLASS_RANGE_INVALID)
        return A.ClassSetRange(span, start, end)

    def parse_set_class_item(self) -> Primitive:
        if self.char() == "\\":
            return self.parse_escape()
        lit = A.Literal(self.span_char(), A.LIT_VERBATIM, self.char())
        self.bump()
        return lit

    def into_class_set_item(self, prim: Primitive) -> A.ClassSetItem:
        if isinstance(prim, (A.Literal, A.ClassPerl, A.ClassUnicode)):
            return prim
        raise self.error(prim.span, E.CLASS_ESCAPE_INVALID)

    def into_class_literal(self, prim: Primitive) -> A.Literal:
        if isinstance(prim, A.Literal):
            return prim
        raise self.error(prim.span, E.CLASS_RANGE_LITERAL)

    def parse_set_class_open(self) -> Tuple[A.ClassBracketed, A.ClassSetUnion]:
        start = self.pos()
        if not self.bump_and_bump_space():
            raise self.error(Span(start, self.pos()), E.CLASS_UNCLOSED)
        negated = False
        if self.char() == "^":
            negated = True
            if not self.bump_and_bump_space():
                raise self.error(Span(start, self.pos()), E.CLASS_UNCLOSED)
        union = A.ClassSetUnion(self.span())
        while self.char() == "-":
            union.push(A.Literal(self.span_char(), A.LIT_VERBATIM, "-"))
            if not self.bump_and_bump_space():
                raise self.error(Span(start, start), E.CLASS_UNCLOSED)
        if not union.items and self.char() == "]":
            union.push(A.Literal(self.span_char(), A.LIT_VERBATIM, "]"))
            if not self.bump_and_bump_space():
                raise self.error(Span(start, self.pos()), E.CLASS_UNCLOSED)
        empty_union = A.ClassSetUnion(Span(union.span.start, union.span.start))
        cset = A.ClassBracketed(Span(start, self.pos()), negated, empty_union)
        return cset, union

    def push_class_open(self, parent_union: A.ClassSetUnion) -> A.ClassSetUnion:
        nested_set, nested_union = self.parse_set_class_open()
        self.stack_class.append(_ClassState(union=parent_union, cset=nested_set))
        return nested_union

    def pop_class(
        self, nested_union: A.ClassSetUnion
    ) -> Union[A.ClassSetUnion, A.ClassBracketed]:
        item = nested_union.into_item()
        prevset = self.pop_class_op(item)
        state = self.stack_class.pop()
        assert state.set is not None and state.union is not None
        self.bump()
        cset = state.set
        cset.span = cset.span.with_end(self.pos())
        cset.kind = prevset
        if not self.stack_class:
            return cset
        state.union.push(cset)
        return state.union

    def unclosed_class_error(self) -> RegexCompileError:
        for state in reversed(self.stack_class):
            if state.set is not None:
                return self.error(state.set.span, E.CLASS_UNCLOSED)
        raise AssertionError("no open character class found")

    def push_class_op(self, kind: str, next_union: A.ClassSetUnion) -> A.ClassSetUnion:
        item = next_union.into_item()
        new_lhs = self.pop_class_op(item)
        self.stack_class.append(_ClassState(kind=kind, lhs=new_lhs))
        return A.ClassSetUnion(self.span())

    def pop_class_op(self, rhs: A.ClassSet) -> A.ClassSet:
        state = self.stack_class[-1]
        if state.set is not None:
            return rhs
        self.stack_class.pop()
        assert state.lhs is not None
        span = Span(state.lhs.span.start, rhs.span.end)
        return A.ClassSetBinaryOp(span, state.kind, state.lhs, rhs)

    def maybe_parse_ascii_class(self) -> Optional[A.ClassAscii]:
        start = self.pos()
        negated = False
        if not self.bump() or self.char() != ":":
            self.set_pos(start)
            return None
        if not self.bump():
            self.set_pos(start)
            return None
        if self.char() == "^":
            negated = True
            if not self.bump():
                self.set_pos(start)
                return None
        name_start = self.offset
        while self.char() != ":" and self.bump():
            pass
        if self.is_eof():
            self.set_pos(start)
            return None
        name = self.pattern[name_start:self.offset]
        if not self.bump_if(":]"):
            self.set_pos(start)
            return None
        if name not in _ASCII_CLASSES:
            self.set_pos(start)
            return None
        return A.ClassAscii(Span(start, self.pos()), name, negated)


def _nesting(node: object) -> Tuple[bool, List[object]]:
    """Whether NestLimiter counts ``node`` as a level, and its children."""
    if isinstance(node, (A.Repetition, A.Group)):
        return True, [node.ast]
    if isinstance(node, (A.Alternation, A.Concat)):
        return True, list(node.asts)
    if isinstance(node, A.ClassBracketed):
        return True, [node.kind]
    if isinstance(node, A.ClassSetUnion):
        return True, list(node.items)
    if isinstance(node, A.ClassSetBinaryOp):
        return True, [node.lhs, node.rhs]
    return False, []


def max_depth(ast: object) -> int:
    """The deepest nesting level NestLimiter reaches in ``ast`` (a child at level 0)."""
    best = 0
    stack: List[Tuple[object, int]] = [(ast, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (A.TokenRun, A.BranchRun, A.ClassItemRun)):
            best = max(best, depth + node.depth)
            continue
        nests, children = _nesting(node)
        if nests:
            depth += 1
            best = max(best, depth)
            stack.extend((child, depth) for child in children)
    return best


def check_nest_limit(p: Parser, ast: A.Ast) -> None:
    """regex-syntax's NestLimiter, as an explicit-stack pre-order walk."""
    # Stack entries: (node, depth of the parent).  A node that nests bumps the
    # depth for its children; an error is raised at the first node (pre-order)
    # whose depth exceeds the limit.  The items of a run are children of its
    # Concat (of its Alternation, for branches; of its union, for class
    # items): if one of them can go too
    # deep, the first such item is parsed in place and walked instead.
    stack: List[Tuple[object, int]] = [(ast, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (A.TokenRun, A.BranchRun, A.ClassItemRun)):
            if depth + node.depth > NEST_LIMIT:
                item = _deepest_item(p.pattern, node, NEST_LIMIT - depth)
                if item is not None:
                    stack.append((item, depth))
            continue
        nests, children = _nesting(node)
        if not nests:
            continue
        depth += 1
        if depth > NEST_LIMIT:
            span = node.span  # type: ignore[attr-defined]
            raise p.error(span, E.NEST_LIMIT_EXCEEDED.format(NEST_LIMIT))
        for child in reversed(children):
            stack.append((child, depth))


def _deepest_item(
    pattern: str, run: Union[A.TokenRun, A.BranchRun, A.ClassItemRun], room: int
) -> Optional[object]:
    """The first item (token, branch or class item) of ``run`` nesting deeper
    than ``room``, parsed in place, or None if there is none."""
    x = run.xmode
    if isinstance(run, A.ClassItemRun):
        deep = {t for t in run.counts if (_class_item_depth(t, x) or 0) > room}
        if not deep:
            return None
        return parse_class_item(pattern, first_class_item(pattern, run, deep), x)
    depths = {t: max_depth(parse_isolated(t, x)[0]) for t in run.counts if len(t) > 1}
    if isinstance(run, A.TokenRun):
        deep = {t for t, d in depths.items() if d > room}
        if not deep:
            return None
        off, token = first_token(pattern, run.pieces, deep, x)
        return parse_fragment(pattern, off, off + len(token), x)
    # A branch of one token nests as deep as it, a longer one (a Concat) one
    # level more: with no room left, any branch of two tokens is too deep.
    near = {t for t, d in depths.items() if d >= room}
    for start, length, _k in run.pieces:
        tokens = run_tokens(pattern, start, length, x)
        texts = run_branches(pattern, start, length, x)
        if not _token_set(tokens) & near:
            if room > 0:
                continue
            ntokens = len(tokens) + sum(len(t) - 1 for t in tokens if is_segment(t))
            if ntokens <= len(texts) - sum(1 for t in texts if not tokens_of(t, x)):
                continue  # no branch of two tokens
        off = start
        for text in texts:
            tokens = tokens_of(text, x)
            if len(tokens) == 1 and not is_segment(tokens[0]):
                deepest = depths.get(tokens[0], 0)
            else:
                deepest = 1 + max((depths.get(t, 0) for t in tokens), default=-1)
            if deepest > room:
                return parse_fragment(pattern, off, off + len(text), x)
            off += len(text) + 1
    return None


_GC_PAUSE_MIN = 1 << 16  # shorter patterns make too few objects for the collector to matter


@contextmanager
def gc_paused(pattern: str) -> Iterator[None]:
    """Pause the cyclic garbage collector for a long ``pattern`` (parse and translate
    make no reference cycles, and a huge pattern keeps millions of objects alive,
    which the collector would scan over and over: up to 8 times the work). The
    pause is process-wide, so short patterns, the usual case, never take it."""
    if len(pattern) < _GC_PAUSE_MIN or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def parse(pattern: str) -> A.Ast:
    """The AST of ``pattern``; raises the first parse error (or the nest limit's)."""
    with gc_paused(pattern):
        return Parser(pattern).parse()
