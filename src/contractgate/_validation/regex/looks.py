"""Look-around assertions at the boundary between two characters: one rule for every
engine (the lazy DFA of ``nfa`` and the bit-parallel ``bitnfa``).

A boundary is an ``int`` of bits: what the matcher knows about the previous character
in the low ``NEXT_SHIFT`` bits (``EDGE`` there: the start of the text) and about the
next character above them (``EDGE`` there: the end of the text).  A character's own
bits (``char_bits``) are the same for both sides, so the DFA can keep the previous
character's bits in a state and shift the next one's in.
"""

from __future__ import annotations

from typing import Dict, Iterable, Optional, Tuple

from . import hir as H
from . import unicode as U

EDGE = 1  # previous side: start of text; next side: end of text
NL = 2  # "\n"
CR = 4  # "\r"
UWORD = 8  # a Unicode word character (``\w``)
AWORD = 16  # an ASCII word character (``[0-9A-Za-z_]``)
NEXT_SHIFT = 5

_PREV_START = EDGE
_NEXT_END = EDGE << NEXT_SHIFT
_NEXT_NL = NL << NEXT_SHIFT
_NEXT_CR = CR << NEXT_SHIFT
_NEXT_UWORD = UWORD << NEXT_SHIFT
_NEXT_AWORD = AWORD << NEXT_SHIFT


def is_aword(c: str) -> bool:
    """ASCII word character (``[0-9A-Za-z_]``), as the ``Ascii`` word boundaries read it."""
    return c == "_" or ("0" <= c <= "9") or ("A" <= c <= "Z") or ("a" <= c <= "z")


def char_bits(c: str) -> int:
    """The bits of one character (``NL``, ``CR``, ``UWORD``, ``AWORD``)."""
    bits = NL if c == "\n" else CR if c == "\r" else 0
    if U.is_word_char(c):
        bits |= UWORD
    if is_aword(c):
        bits |= AWORD
    return bits


def boundary(prev: int, nxt: Optional[str]) -> int:
    """The boundary between a previous character described by ``prev`` and ``nxt``
    (``None``: the end of the text)."""
    return prev | ((EDGE if nxt is None else char_bits(nxt)) << NEXT_SHIFT)


def _word(before: int, after: int, test: str) -> bool:
    """The six word-boundary kinds, ``before``/``after`` being "is a word character"."""
    b, a = bool(before), bool(after)
    if test == "Word":
        return b != a
    if test == "WordNegate":
        return b == a
    if test == "WordStart":
        return not b and a
    if test == "WordEnd":
        return b and not a
    if test == "WordStartHalf":
        return not b
    assert test == "WordEndHalf", test
    return not a


# word boundary -> (its bit on the previous side, on the next side, the ``_word`` test)
_WORD_BITS: Dict[str, Tuple[int, int, str]] = {}
for _look in (
    H.WORD_ASCII, H.WORD_ASCII_NEGATE, H.WORD_UNICODE, H.WORD_UNICODE_NEGATE,
    H.WORD_START_ASCII, H.WORD_END_ASCII, H.WORD_START_UNICODE, H.WORD_END_UNICODE,
    H.WORD_START_HALF_ASCII, H.WORD_END_HALF_ASCII, H.WORD_START_HALF_UNICODE,
    H.WORD_END_HALF_UNICODE,
):
    _bit = UWORD if "Unicode" in _look else AWORD
    _test = _look.replace("Unicode", "").replace("Ascii", "")
    _WORD_BITS[_look] = (_bit, _bit << NEXT_SHIFT, _test)


def holds(look: str, b: int) -> bool:
    """Does ``look`` hold at the boundary ``b``?"""
    if look == H.START:
        return bool(b & _PREV_START)
    if look == H.END:
        return bool(b & _NEXT_END)
    if look == H.START_LF:
        return bool(b & (_PREV_START | NL))
    if look == H.END_LF:
        return bool(b & (_NEXT_END | _NEXT_NL))
    if look == H.START_CRLF:
        return bool(b & (_PREV_START | NL)) or (bool(b & CR) and not b & _NEXT_NL)
    if look == H.END_CRLF:
        return bool(b & (_NEXT_END | _NEXT_CR)) or (bool(b & _NEXT_NL) and not b & CR)
    prev_bit, next_bit, test = _WORD_BITS[look]
    return _word(b & prev_bit, b & next_bit, test)


def context_masks(looks: Iterable[str]) -> Tuple[int, int]:
    """The bits of the previous and of the next character that ``looks`` read (the
    next character's unshifted): a matcher keeps only those, so fewer boundaries
    are distinct."""
    prev = nxt = 0
    for lk in looks:
        if lk in (H.START, H.START_LF, H.START_CRLF):
            prev |= EDGE
        if lk in (H.START_LF, H.START_CRLF):
            prev |= NL
        if lk == H.START_CRLF:
            prev |= CR
            nxt |= NL
        if lk in (H.END, H.END_LF, H.END_CRLF):
            nxt |= EDGE
        if lk in (H.END_LF, H.END_CRLF):
            nxt |= NL
        if lk == H.END_CRLF:
            nxt |= CR
            prev |= CR
        if "Unicode" in lk:
            prev |= UWORD
            nxt |= UWORD
        if "Ascii" in lk:
            prev |= AWORD
            nxt |= AWORD
    return prev, nxt
