"""libyaml 0.2.5's reader (reader.c), as serde_yaml drives it.

serde_yaml presets the encoding (``yaml_parser_set_encoding(UTF8)``) and hands libyaml
the UTF-8 bytes of a ``&str``: nothing is stripped (a leading BOM is an ordinary
character that the scanner skips at column 0) and the only reader error a valid
``str`` can meet is a character outside libyaml's allowed set:

    TAB, LF, CR, 0x20-0x7E, NEL 0x85, 0xA0-0xD7FF, 0xE000-0xFFFD, 0x10000-0x10FFFF

("control characters are not allowed", ``problem_offset`` = byte offset of that
character). A Python ``str`` may also hold a lone surrogate, which libyaml would meet
as a 3-byte sequence and reject as "invalid Unicode character"; we report it so.

*When* the error surfaces matters (serde_yaml reports whichever of a type error or a
syntax error comes first). libyaml decodes its input in chunks: the raw buffer holds
16384 bytes, and ``yaml_parser_update_buffer`` decodes the whole raw buffer (all
complete characters in it) whenever the scanner asks for more characters than it has
(``CACHE(parser, n)`` with ``unread < n``). A bad character therefore fails the first
``CACHE`` whose request reaches into the chunk holding it, not the point where the
scanner reaches the character itself. :func:`prepare` computes that point once, as the
character index ``limit``: a ``CACHE(n)`` at character index ``p`` fails iff
``p + n > limit``. The scanner mirrors every ``CACHE`` of scanner.c with that test.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

from .errors import YAMLReaderError

__all__ = ["NO_LIMIT", "RAW_BUFFER_SIZE", "prepare"]

RAW_BUFFER_SIZE = 16384  # INPUT_RAW_BUFFER_SIZE
NO_LIMIT = 1 << 62  # no bad character: no CACHE ever fails
PADDING = "\0" * 16  # libyaml's buffer ends with one NUL; the scanner never reads past it

# Everything outside the allowed set (a str holds nothing above U+10FFFF), compiled on
# first use.
_BAD_SOURCE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"
_bad: Optional[re.Pattern[str]] = None


def _utf8_width(lead: int) -> int:
    return 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def prepare(text: str) -> Tuple[str, int, Optional[YAMLReaderError]]:
    """Return ``(padded text, limit, error)`` for a scanner over ``text``.

    ``limit`` is :data:`NO_LIMIT` when every character is allowed; otherwise ``error``
    is the reader error libyaml raises and ``limit`` the character index at which the
    chunk that holds the first bad character starts.
    """
    global _bad
    if _bad is None:
        _bad = re.compile(_BAD_SOURCE)
    m = _bad.search(text)
    if m is None:
        return text + PADDING, NO_LIMIT, None
    index = m.start()
    value = ord(text[index])
    reason = (
        "invalid Unicode character"
        if 0xD800 <= value <= 0xDFFF
        else "control characters are not allowed"
    )
    data = text.encode("utf-8", "surrogatepass")
    offset = len(text[:index].encode("utf-8", "surrogatepass"))
    width = _utf8_width(data[offset])
    chunk_start = 0  # byte offset where the current decoding round starts
    while True:
        chunk_end = chunk_start + RAW_BUFFER_SIZE
        if offset + width <= chunk_end:
            break
        # The round decodes every complete character before chunk_end; an incomplete
        # one stays in the raw buffer for the next round.
        boundary = chunk_end
        while data[boundary] & 0xC0 == 0x80:
            boundary -= 1
        chunk_start = boundary
    limit = len(data[:chunk_start].decode("utf-8", "surrogatepass"))
    return text + PADDING, limit, YAMLReaderError(reason, offset, value)
