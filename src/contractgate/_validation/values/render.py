"""Byte-exact renderings used in violation messages (spec §5.1, appendices C and D).

* :func:`render_f64` — Rust ``Display`` for ``f64`` (``{F:}``, appendix C.1).
* :func:`render_json` — serde_json's compact serialisation of a ``Value`` (``{J:}``,
  appendix C.2): sorted object keys, zmij float digits.
* :func:`render_debug_str` — Rust ``{:?}`` of a ``str`` (``{D:}``, appendix D).

The ``{D:}`` escape set is the table ``data/rust_str_debug_escapes.txt`` (Unicode 17.0.0,
as compiled into rustc 1.95's core). It is a verbatim copy of
``shared/spec/rust-str-debug-escapes.txt`` (also kept in ``tests/data/``); to regenerate,
copy that file over it unchanged. It is read lazily, through ``importlib.resources``, the
first time a string needs escaping beyond the printable-ASCII fast path.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from bisect import bisect_right
from json.encoder import encode_basestring
from typing import Any, List, Mapping, Optional, Pattern, Tuple

from ..freshstack import with_room

__all__ = [
    "debug_escape_ranges",
    "display_width",
    "printable",
    "render_debug_str",
    "render_f64",
    "render_json",
    "render_json_float",
    "uniqueness_key",
]

# --------------------------------------------------------------------------------------
# Shortest round-trip digits (the digits of Python's repr, which are zmij's).


def _shortest(x: float) -> Tuple[str, int]:
    """Shortest round-trip digits of a finite, non-zero ``|x|`` and the scientific
    exponent ``E`` (``|x| = d1.d2… × 10**E``), ties rounded to even as repr does."""
    r = repr(abs(x))
    mant, sep, exp = r.partition("e")
    if sep:
        return mant.replace(".", ""), int(exp)
    int_part, _, frac = mant.partition(".")
    if int_part != "0":
        return (int_part + frac).rstrip("0"), len(int_part) - 1
    digits = frac.lstrip("0")
    return digits.rstrip("0"), -(len(frac) - len(digits)) - 1


def _rust_shortest(x: float) -> Tuple[str, int]:
    """Rust's shortest digits of a finite ``x > 0``: repr's, except that on an exact tie
    between two shortest candidates Rust takes the one farther from zero (repr takes the
    even one)."""
    digits, e10 = _shortest(x)
    # A tie means the exact binary value has exactly len(digits) + 1 <= 18 significant
    # decimal digits, the last one a 5. x = m / 2**k (m odd) has the digits of m * 5**k,
    # at least 0.7 * k of them, so only k in 1..26 can tie (integers >= 2**53 are even).
    m, q = x.as_integer_ratio()
    k = q.bit_length() - 1
    if k == 0 or k > 26:
        return digits, e10
    exact = str(m * 5**k)
    n = len(digits)
    if len(exact) != n + 1 or exact[n] != "5" or exact[:n] != digits:
        return digits, e10  # no tie, or repr already rounded away from zero
    up = str(int(digits) + 1)
    if len(up) == n and float(f"{up}e{e10 - n + 1}") == x:
        return up, e10
    return digits, e10


def _positional(digits: str, e10: int) -> str:
    n = len(digits)
    if e10 >= n - 1:
        return digits + "0" * (e10 - n + 1)
    if e10 >= 0:
        return f"{digits[: e10 + 1]}.{digits[e10 + 1 :]}"
    return "0." + "0" * (-e10 - 1) + digits


def render_f64(x: float) -> str:
    """Rust ``format!("{}", x)`` for an ``f64``: never exponent notation, no ``.0``
    (``-1``, ``0.1``, ``1000000000000000000000``, ``0.0000001``, ``-0``, ``inf``, ``NaN``);
    exact ties between two shortest digit strings go away from zero
    (``2113325745016023.25`` → ``2113325745016023.3``)."""
    x = float(x)
    if not math.isfinite(x):
        if x != x:
            return "NaN"
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    if -1e16 < x < 1e16 and x.is_integer():
        return str(int(x))
    digits, e10 = _rust_shortest(-x if x < 0 else x)
    text = _positional(digits, e10)
    return "-" + text if x < 0 else text


def render_json_float(x: float) -> str:
    """serde_json (zmij) text of a finite ``f64``: repr digits; positional for decimal
    exponents −5…15 with ``.0`` on integral values, otherwise ``d.ddde±X``. Non-finite
    values render as ``null``, as serde_json serialises them."""
    r = float.__repr__(x)
    mant, sep, exp = r.partition("e")
    if not sep:
        if r[-1] in "fn":  # inf, -inf, nan
            return "null"
        return r
    e10 = int(exp)
    if e10 == -5:
        neg = mant[0] == "-"
        digits = mant.lstrip("-").replace(".", "")
        return ("-0.0000" if neg else "0.0000") + digits
    return f"{mant}e{'+' if e10 > 0 else '-'}{-e10 if e10 < 0 else e10}"


# --------------------------------------------------------------------------------------
# {J:} — serde_json compact serialisation.


_C_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    check_circular=False,
    allow_nan=False,
    sort_keys=True,
    separators=(",", ":"),
)
_c_encode = _C_ENCODER.encode
_NEG_EXPONENT_RE = re.compile(r"[0-9]e-[0-9]")


def render_json(v: Any) -> str:
    """serde_json's ``to_string`` of a ``Value``: ``null``/``true``/``false``, integers as
    digits, floats per :func:`render_json_float`, strings JSON-escaped with non-ASCII left
    literal, ``[a,b]`` and ``{"k":v}`` without spaces, object keys sorted.

    ``v`` must be in the data model (what :func:`loads` / ``to_event_value`` return; tuples
    are accepted as arrays): an ``int`` beyond u64/i64 would print as digits, not as the
    float serde_json holds for it."""
    t = type(v)
    if t is str:
        return encode_basestring(v)
    if t is int:
        return int.__repr__(v)
    if t is float:
        return render_json_float(v)
    if v is None:
        return "null"
    if t is bool:
        return "true" if v else "false"
    if t is dict or t is list or t is tuple:
        # called with little stack left, a deep value is rendered in a fresh thread
        return with_room(_render_container, v, t)
    return _render_other(v)


def _render_container(v: Any, t: type) -> str:
    if t is not tuple:
        # The stdlib C encoder writes the same text as serde_json except for floats with
        # a decimal exponent below -4 (repr's "1e-05" / "1e-07"); such a float (or a
        # string that looks like one) sends the value to the exact renderer.
        try:
            text = _c_encode(v)
        except (TypeError, ValueError, RecursionError):
            text = "0e-0"
        if "e-" not in text or _NEG_EXPONENT_RE.search(text) is None:
            return text
        if t is dict:
            return _render_object(v)
    return "[" + ",".join([render_json(x) for x in v]) + "]"


def _render_object(d: Mapping[Any, Any]) -> str:
    if not d:
        return "{}"
    return "{" + ",".join([encode_basestring(k) + ":" + render_json(d[k]) for k in sorted(d)]) + "}"


def _render_other(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return encode_basestring(str.__str__(v))
    if isinstance(v, int):
        return int.__repr__(v)
    if isinstance(v, float):
        return render_json_float(v)
    if isinstance(v, Mapping):
        return _render_object(v)
    if isinstance(v, (list, tuple)):
        return "[" + ",".join([render_json(x) for x in v]) + "]"
    raise TypeError(f"{type(v).__name__} is not a JSON value")


def uniqueness_key(v: Any) -> str:
    """The batch-uniqueness comparison key (spec §7.1): the ``{J:}`` text of the value."""
    return render_json(v)


# --------------------------------------------------------------------------------------
# {D:} — Rust Debug of a str.

_SHORT_ESCAPES = {
    "\0": "\\0",
    "\t": "\\t",
    "\n": "\\n",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_TABLE_NAME = "rust_str_debug_escapes.txt"
_escape_re: Optional[Pattern[str]] = None
_ranges: Optional[List[Tuple[int, int]]] = None


def _read_table() -> str:
    from importlib import resources

    package = __name__.rpartition(".")[0]
    return (
        resources.files(package).joinpath("data").joinpath(_TABLE_NAME).read_text(encoding="utf-8")
    )


def debug_escape_ranges() -> List[Tuple[int, int]]:
    """The ``(first, last)`` code point ranges Rust's ``{:?}`` prints as ``\\u{…}``."""
    global _ranges
    if _ranges is None:
        ranges: List[Tuple[int, int]] = []
        for line in _read_table().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            first, _, last = line.partition("..")
            ranges.append((int(first, 16), int(last or first, 16)))
        _ranges = ranges
    return _ranges


def _escape_pattern() -> Pattern[str]:
    """One character class for the BMP (sre compiles it to an O(1) bitmap) plus "any
    astral code point", which :func:`_escape_one` settles by bisecting the table; a single
    class with astral ranges would be scanned range by range for every character."""
    global _escape_re, _astral_starts, _astral_ranges
    if _escape_re is None:
        bmp = ['\\x00\\t\\n\\r"\\\\', "\\ud800-\\udfff"]  # surrogates: Python-only
        astral: List[Tuple[int, int]] = []
        for first, last in debug_escape_ranges():
            if first <= 0xFFFF:
                top = min(last, 0xFFFF)
                bmp.append(f"\\u{first:04x}" if first == top else f"\\u{first:04x}-\\u{top:04x}")
            if last > 0xFFFF:
                astral.append((max(first, 0x10000), last))
        _astral_ranges = astral
        _astral_starts = [first for first, _ in astral]
        _escape_re = re.compile("[" + "".join(bmp) + "]|[\\U00010000-\\U0010ffff]")
    return _escape_re


_astral_starts: List[int] = []
_astral_ranges: List[Tuple[int, int]] = []


def _escape_one(m: re.Match[str]) -> str:
    c = m.group()
    cp = ord(c)
    if cp > 0xFFFF:
        k = bisect_right(_astral_starts, cp) - 1
        if k < 0 or cp > _astral_ranges[k][1]:
            return c
        return f"\\u{{{cp:x}}}"
    short = _SHORT_ESCAPES.get(c)
    if short is not None:
        return short
    return f"\\u{{{cp:x}}}"


def render_debug_str(s: str) -> str:
    """Rust ``format!("{:?}", s)``: ``"``-wrapped; ``\\0 \\t \\n \\r \\" \\\\`` short
    escapes; code points in the shipped table as ``\\u{hex}``; everything else literal
    (``'``, ``/``, ``é``, ``😀``)."""
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return '"' + s + '"'
    return '"' + _escape_pattern().sub(_escape_one, s) + '"'


#: What a terminal acts on instead of showing (C0 controls, DEL, C1 controls: colours,
#: cursor moves, a window title, a carriage return over the line) and the bidirectional
#: controls that reorder what is shown. Text from the input (a parse error's preview, an
#: event's keys in a message, a file name) is written with these escaped.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: With ``one_line``, also the line breaks (a tab, and U+2028/U+2029, which editors and
#: ``str.splitlines`` break lines at).
_CONTROLS_OR_BREAKS = re.compile(f"[\t\n\u2028\u2029{_CONTROLS.pattern[1:-1]}]")


def _escape(m: re.Match[str]) -> str:
    return f"\\u{{{ord(m.group()):x}}}"  # as the engine's messages escape (\u{1b})


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with the characters a terminal would act on escaped (``\\u{1b}``); tabs
    and line breaks kept unless ``one_line`` (a file name, a field)."""
    return (_CONTROLS_OR_BREAKS if one_line else _CONTROLS).sub(_escape, text)


def display_width(text: str) -> int:
    """The columns ``text`` takes on a terminal: wide East Asian characters take two,
    combining marks and other zero-width characters none (for aligned tables)."""
    if text.isascii():
        return len(text)
    return sum(
        0
        if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf")
        else 2
        if unicodedata.east_asian_width(c) in ("W", "F")
        else 1
        for c in text
    )
