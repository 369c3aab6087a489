"""HIR -> a pattern for Python's stdlib ``re`` with exactly the Rust semantics.

Nothing is left to ``re``'s own interpretation: every class is written out as
explicit code-point ranges (so ``\\d``, ``\\w``, ``\\p{..}``, case folding and
set operations are already resolved), ``$``/``\\z`` become ``\\Z`` (end of text
only), and multi-line anchors and word boundaries become one-character
look-arounds.  No flags are passed to ``re.compile``.
"""

from __future__ import annotations

from typing import Any, Dict, List

from . import charset as C
from . import hir as H
from . import unicode as U
from .charset import Ranges
from .iterative import Walk, run

ASCII: Ranges = ((0, 0x7F),)

_SAFE_ASCII = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


def esc(c: int) -> str:
    ch = chr(c)
    if ch in _SAFE_ASCII:
        return ch
    if c < 0x80:
        if 0x21 <= c <= 0x7E:
            return "\\" + ch
        return f"\\x{c:02x}"
    # Non-ASCII characters are never special to ``re`` and parse much faster
    # raw than as \\u / \\U escapes (classes can have thousands of them).
    return ch


def class_body(rs: Ranges) -> str:
    parts: List[str] = []
    for lo, hi in rs:
        if lo == hi:
            parts.append(esc(lo))
        elif hi == lo + 1:
            parts.append(esc(lo) + esc(hi))
        else:
            parts.append(esc(lo) + "-" + esc(hi))
    return "".join(parts)


def class_re(rs: Ranges) -> str:
    if not rs:
        return "(?!)"
    if len(rs) == 1 and rs[0][0] == rs[0][1]:
        return esc(rs[0][0])
    return "[" + class_body(rs) + "]"


_ASCII_WORD = "[0-9A-Z_a-z]"


class Emitter:
    """``ascii_only=True`` gives a pattern that is only valid for ASCII input.

    Every class is intersected with U+0000..U+007F, so ``re`` tests a small
    bitmap instead of scanning hundreds of astral ranges for characters that
    are not in a large Unicode class (``\\w``, ``\\d``, ``\\p{L}``, ...).  On an
    ASCII haystack both patterns give the same answer.
    """

    def __init__(self, ascii_only: bool = False) -> None:
        self.ascii_only = ascii_only
        self._word: str = ""

    def cls(self, rs: Ranges) -> Ranges:
        return C.intersect(rs, ASCII) if self.ascii_only else rs

    def uword(self) -> str:
        if not self._word:
            self._word = class_re(self.cls(U.perl_word()))
        return self._word

    def look(self, look: str) -> str:
        if look == H.START:
            return "\\A"
        if look == H.END:
            return "\\Z"
        if look == H.START_LF:
            return "(?<![^\\n])"
        if look == H.END_LF:
            return "(?![^\\n])"
        if look == H.START_CRLF:
            return "(?<![^\\n\\r])(?!(?<=\\r)\\n)"
        if look == H.END_CRLF:
            return "(?![^\\n\\r])(?!(?<=\\r)\\n)"
        kind = look.replace("Unicode", "").replace("Ascii", "")
        if "Ascii" in look or self.ascii_only:
            # Python's ASCII \b uses exactly [0-9A-Za-z_]; its \B is avoided
            # because it never matches the empty string.
            w = _ASCII_WORD
            ascii_table: Dict[str, str] = {
                "Word": "(?a:\\b)",
                "WordNegate": "(?!(?a:\\b))",
                "WordStart": f"(?a:\\b)(?={w})",
                "WordEnd": f"(?a:\\b)(?<={w})",
                "WordStartHalf": f"(?<!{w})",
                "WordEndHalf": f"(?!{w})",
            }
            return ascii_table[kind]
        w = self.uword()
        table: Dict[str, str] = {
            "Word": f"(?:(?<={w})(?!{w})|(?<!{w})(?={w}))",
            "WordNegate": f"(?:(?<={w})(?={w})|(?<!{w})(?!{w}))",
            "WordStart": f"(?<!{w})(?={w})",
            "WordEnd": f"(?<={w})(?!{w})",
            "WordStartHalf": f"(?<!{w})",
            "WordEndHalf": f"(?!{w})",
        }
        return table[kind]

    def emit(self, h: H.Hir) -> str:
        text: str = run(self._step, h)
        return text

    def _step(self, h: H.Hir) -> Any:
        """A leaf's text, or the walk of a composite node."""
        t = type(h)
        if t is H.HLiteral:
            chars: str = h.chars  # type: ignore[attr-defined]
            if self.ascii_only and not chars.isascii():
                return "(?!)"
            return "".join(esc(ord(c)) for c in chars)
        if t is H.HClass:
            return class_re(self.cls(h.ranges))  # type: ignore[attr-defined]
        if t is H.HLook:
            return self.look(h.look)  # type: ignore[attr-defined]
        if t is H.HEmpty:
            return ""
        return self._walk(h)

    def _walk(self, h: H.Hir) -> Walk[str]:
        if isinstance(h, H.HCapture):
            text: str = yield h.sub
            return text
        if isinstance(h, H.HConcat):
            parts: List[str] = []
            step = self._step
            for s in h.subs:
                parts.append(step(s) if type(s) in _LEAVES else (yield s))
            return "".join(parts)
        if isinstance(h, H.HAlternation):
            branches: List[str] = []
            for s in h.subs:
                branches.append((yield s))
            return "(?:" + "|".join(branches) + ")"
        assert isinstance(h, H.HRepetition)
        if H.max_len(h.sub) == 0:
            # Zero-width body: the smart constructor left only {0,1}.
            inner: str = yield h.sub
            return "(?:" + inner + "|)"
        sub = h.sub
        while isinstance(sub, H.HCapture):
            sub = sub.sub
        if isinstance(sub, H.HLiteral) and len(sub.chars) == 1:
            o = ord(sub.chars)
            sub = H.HClass(((o, o),))
        if isinstance(sub, H.HClass):
            rs = self.cls(sub.ranges)
            atom = class_re(rs) if rs else "[^\\x00-\\U0010ffff]"
        else:
            atom = "(?:" + (yield sub) + ")"
        return atom + quantifier(h)


_LEAVES = frozenset([H.HLiteral, H.HClass, H.HLook, H.HEmpty])


def quantifier(h: H.HRepetition) -> str:
    """The ``re`` quantifier of ``h`` (its body made an atom)."""
    rmin, rmax = h.min, h.max
    if rmax is None:
        if rmin == 0:
            q = "*"
        elif rmin == 1:
            q = "+"
        else:
            q = f"{{{rmin},}}"
    elif rmin == rmax:
        q = f"{{{rmin}}}"
    elif rmin == 0 and rmax == 1:
        q = "?"
    else:
        q = f"{{{rmin},{rmax}}}"
    return q if h.greedy else q + "?"


def nesting(h: H.Hir) -> int:
    """How deeply the groups ``emit`` writes for ``h`` can nest (an upper bound: the
    depth of alternations and repetitions), which is how deeply ``re.compile``
    recurses."""
    deepest = 0
    stack = [(h, 0)]
    while stack:
        x, depth = stack.pop()
        if isinstance(x, (H.HAlternation, H.HRepetition)):
            depth += 1
            deepest = max(deepest, depth)
        stack.extend((s, depth) for s in H.children(x))
    return deepest


def emit(h: H.Hir, ascii_only: bool = False) -> str:
    return Emitter(ascii_only).emit(h)


def wants_ascii_variant(h: H.Hir) -> bool:
    """True if an ASCII-only variant would be much faster on ASCII input.

    That is the case when some class has many ranges above U+FFFF (``re``
    checks those one by one for every non-member) or a Unicode word boundary
    is used.
    """
    stack = [h]
    while stack:
        x = stack.pop()
        if isinstance(x, H.HClass):
            if sum(1 for lo, hi in x.ranges if hi > 0xFFFF) > 4:
                return True
        elif isinstance(x, H.HLook):
            if "Unicode" in x.look:
                return True
        elif isinstance(x, (H.HRepetition, H.HCapture)):
            stack.append(x.sub)
        elif isinstance(x, (H.HConcat, H.HAlternation)):
            stack.extend(x.subs)
    return False


def uses_unicode_word_boundary(h: H.Hir) -> bool:
    return any("Unicode" in look for look in H.look_set(h))
