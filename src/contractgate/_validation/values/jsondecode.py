"""Event JSON decoding with serde_json 1.0 semantics (spec §3 and appendix B).

:func:`loads` answers exactly what ``serde_json::from_slice::<Value>`` answers (without
the ``float_roundtrip``, ``arbitrary_precision`` and ``preserve_order`` features):

* with msgspec installed (``contractgate[fast]``), msgspec's decoder with serde_json's
  float rule as its float hook, for texts cheap checks prove it decodes alike (below);
* otherwise the stdlib C decoder with ``parse_int``/``parse_float``/``parse_constant``
  hooks that apply serde_json's number rules, guarded by cheap C-speed pre-checks
  (nesting depth, lone surrogates);
* whenever the fast path rejects the text, or a pre-check says it might be wrong, an
  iterative pure-Python re-implementation of serde_json's parser runs instead. It is the
  reference: it decides acceptance and produces serde_json's error text and position
  (``number out of range at line 1 column 6``). It never recurses, so no input can raise
  ``RecursionError``.

:func:`to_event_value` maps Python objects that did not come from JSON text onto the
same data model.

The data model: ``None``, ``bool``, ``int`` (only values that fit u64 or i64), ``float``
(finite; JSON floats, ``-0`` and integer literals beyond 64 bits), ``str`` (no lone
surrogates), ``list`` and ``dict`` with ``str`` keys (duplicate keys in JSON text keep the
last value; the dict is in document order, serde_json iterates sorted by key, so
renderers sort).
"""

from __future__ import annotations

import json
import math
import re
from array import array
from itertools import accumulate
from typing import Any, Dict, List, Optional, Tuple, Union

from ...exceptions import EventDecodeError, EventTypeError

__all__ = [
    "MAX_DEPTH",
    "EventDecodeError",
    "EventTypeError",
    "decode_lines",
    "loads",
    "loads_for_validation",
    "number_from_literal",
]

#: serde_json's recursion limit: at most 127 nested arrays/objects.
MAX_DEPTH = 127

_U64_MAX = (1 << 64) - 1
_I64_MIN = -(1 << 63)
_I32_MAX = (1 << 31) - 1
_I32_MIN = -(1 << 31)

# serde_json ErrorCode Display texts.
_EOF_LIST = "EOF while parsing a list"
_EOF_OBJECT = "EOF while parsing an object"
_EOF_STRING = "EOF while parsing a string"
_EOF_VALUE = "EOF while parsing a value"
_EXPECTED_COLON = "expected `:`"
_EXPECTED_LIST_COMMA_OR_END = "expected `,` or `]`"
_EXPECTED_OBJECT_COMMA_OR_END = "expected `,` or `}`"
_EXPECTED_IDENT = "expected ident"
_EXPECTED_VALUE = "expected value"
_INVALID_ESCAPE = "invalid escape"
_INVALID_NUMBER = "invalid number"
_NUMBER_OUT_OF_RANGE = "number out of range"
_INVALID_UNICODE = "invalid unicode code point"
_CONTROL_CHAR = "control character (\\u0000-\\u001F) found while parsing a string"
_KEY_MUST_BE_STRING = "key must be a string"
_LONE_LEADING_SURROGATE = "lone leading surrogate in hex escape"
_TRAILING_COMMA = "trailing comma"
_TRAILING_CHARACTERS = "trailing characters"
_UNEXPECTED_END_OF_HEX = "unexpected end of hex escape"
_RECURSION_LIMIT = "recursion limit exceeded"


# --------------------------------------------------------------------------------------
# Numbers: appendix B (serde_json's parse_integer / parse_decimal / parse_exponent /
# f64_from_parts, without float_roundtrip).

_POW10: Tuple[float, ...] = tuple(float(f"1e{k}") for k in range(309))
_NUMBER_RE = re.compile(r"(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?)([0-9]+))?\Z")


class _FastPathFailure(Exception):
    """Internal: the C decoder's hooks met something only the reference parser handles."""


class _NumberOutOfRange(_FastPathFailure):
    """Internal: serde_json's NumberOutOfRange. ``exp_digit`` is the index (within the
    exponent digits) of the digit at which the exponent overflowed i32, or ``None`` when
    the error is raised after the whole literal was read."""

    def __init__(self, exp_digit: Optional[int] = None) -> None:
        super().__init__()
        self.exp_digit = exp_digit


def _accumulate(sig: int, digits: str) -> Tuple[int, int]:
    """Append ``digits`` to ``sig`` while ``sig * 10 + d`` fits in u64.

    Returns the new significand and how many digits were taken (the rest are ignored by
    the caller, or counted into the exponent for integer digits).
    """
    taken = 0
    if sig == 0:
        rest = digits.lstrip("0")
        taken = len(digits) - len(rest)
        digits = rest
    for ch in digits[:20]:
        nxt = sig * 10 + (ord(ch) - 48)
        if nxt > _U64_MAX:
            break
        sig = nxt
        taken += 1
    return sig, taken


def _f64_from_parts(sig: int, exp: int) -> float:
    f = float(sig)
    while True:
        mag = -exp if exp < 0 else exp
        if mag <= 308:
            if exp >= 0:
                f *= _POW10[exp]
                if f == math.inf:
                    raise _NumberOutOfRange()
            else:
                f /= _POW10[mag]
            return f
        if f == 0.0:
            return f
        if exp >= 0:
            raise _NumberOutOfRange()
        f /= 1e308
        exp += 308


def _exponent_overflow_digit(digits: str) -> int:
    """Index of the exponent digit at which ``exp * 10 + d`` first exceeds i32::MAX."""
    zeros = len(digits) - len(digits.lstrip("0"))
    rest = digits[zeros:]
    if int(rest[:10]) > _I32_MAX:
        return zeros + 9
    return zeros + 10


def number_from_literal(text: str) -> Union[int, float]:
    """The value serde_json decodes a JSON number literal to (appendix B).

    Integers without ``.``/exponent that fit u64 (non-negative) or i64 (negative) give an
    ``int``; everything else a ``float`` computed with serde_json's (not correctly
    rounded) algorithm. Raises :class:`EventDecodeError` (``number out of range``) when
    serde_json does, and ``ValueError`` if ``text`` is not a JSON number literal.
    """
    try:
        return _number_value(text)
    except _NumberOutOfRange:
        raise EventDecodeError(_NUMBER_OUT_OF_RANGE) from None


def _number_value(text: str) -> Union[int, float]:
    m = _NUMBER_RE.match(text)
    if m is None:
        raise ValueError(f"not a JSON number literal: {text[:40]!r}")
    neg = m.group(1) == "-"
    int_digits, frac_digits, exp_sign, exp_digits = m.group(2, 3, 4, 5)
    if len(int_digits) <= 19:
        sig = int(int_digits)
        exp = 0
    else:
        sig, taken = _accumulate(0, int_digits)
        exp = len(int_digits) - taken  # digits past the u64 limit scale by 10 each
    if frac_digits is None and exp_digits is None and exp == 0:
        if not neg:
            return sig
        if sig == 0:
            return -0.0
        if sig <= -_I64_MIN:
            return -sig
        return -float(sig)
    if frac_digits is not None:
        # serde_json's parse_decimal keeps appending while the significand fits in u64
        # (also right after an integer-part overflow), then ignores the rest.
        sig, taken = _accumulate(sig, frac_digits)
        exp -= taken
    if exp_digits is not None:
        stripped = exp_digits.lstrip("0")
        if len(stripped) > 10 or (stripped and int(stripped) > _I32_MAX):
            if sig != 0 and exp_sign != "-":
                raise _NumberOutOfRange(_exponent_overflow_digit(exp_digits))
            return -0.0 if neg else 0.0
        e = int(stripped) if stripped else 0
        exp = exp - e if exp_sign == "-" else exp + e
        if exp > _I32_MAX:
            exp = _I32_MAX
        elif exp < _I32_MIN:
            exp = _I32_MIN
    f = _f64_from_parts(sig, exp)
    return -f if neg else f


# --------------------------------------------------------------------------------------
# Fast path: the stdlib C decoder with serde_json's number rules as hooks.


def _hook_int(s: str) -> Any:
    if len(s) < 19:
        v = int(s)
        if v == 0 and s[0] == "-":
            return -0.0
        return v
    return _number_value(s)


def _hook_float(s: str) -> Any:
    # <= 15 digits and no exponent: the significand and 10**k (k <= 14) are exact, so
    # serde_json's single division is correctly rounded and equals float().
    if len(s) < 17 and "e" not in s and "E" not in s:
        return float(s)
    return _number_value(s)


def _hook_constant(s: str) -> Any:
    raise _FastPathFailure(s)


_DECODER = json.JSONDecoder(
    parse_int=_hook_int, parse_float=_hook_float, parse_constant=_hook_constant
)
_fast_decode = _DECODER.decode

_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]")
_BRACKET_STEPS = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")
_NOT_QUOTE_OR_BRACKET = bytes(c for c in range(256) if c not in b'"[]{}')


def _too_deep(text: str) -> bool:
    """True if the brackets outside strings nest deeper than MAX_DEPTH.

    Exact for valid JSON: once escaped backslashes and quotes are dropped, every other
    piece between quotes is outside a string. On invalid text the answer only decides
    which parser reports the error, and both report serde_json's error.
    """
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    marks = unescaped.encode("utf-8", "surrogatepass").translate(None, _NOT_QUOTE_OR_BRACKET)
    steps = b"".join(marks.split(b'"')[::2])
    if len(steps) <= MAX_DEPTH:
        return False
    deltas = array("b")
    deltas.frombytes(steps.translate(_BRACKET_STEPS))
    return max(accumulate(deltas)) > MAX_DEPTH


def loads(data: Union[str, bytes, bytearray, memoryview]) -> Any:
    """Decode one JSON value exactly as serde_json 1.0 does (spec §3, appendix B).

    Bytes-like input must be UTF-8 (no BOM); ``str`` must not contain lone surrogates.
    Raises :class:`EventDecodeError` for every input serde_json rejects, and
    nothing else for any text (deep nesting, huge numbers and huge inputs included).
    Passing a non-text object raises :class:`EventTypeError`.

    With msgspec installed (``contractgate[fast]``), text msgspec provably decodes to
    serde_json's value is decoded by msgspec (see the native fast path below).
    """
    value = loads_for_validation(data)
    if _native and _holds_wide_ints(data):
        return _exact_loads(data)
    return value


def decode_lines(raw: str, out: str, module: str) -> List[str]:
    """Python source binding ``out`` to :func:`loads_for_validation` of ``raw``, with its
    commonest cases inline: bytes and str without ``-0``, shorter than the shortest text
    nested too deep, go straight to msgspec once it is loaded (``module`` names this
    module in the generated code). Every other text, and every text msgspec refuses, goes
    through :func:`loads_for_validation`.

    The generated ``validate_json`` starts with these lines, which saves two calls per
    event. ``tests/validator/test_fast_json.py`` holds the test here and the one in
    :func:`loads_for_validation` to the same rule."""
    short = (
        f"(type({raw}) is bytes and len({raw}) < {_MIN_TOO_DEEP}"
        f" and (45 not in {raw} or {raw}.find(b'-0') < 0)"
        f" or type({raw}) is str and len({raw}) < {_MIN_TOO_DEEP} and '-0' not in {raw})"
    )
    general = f"{out} = {module}.loads_for_validation({raw})"
    return [
        f"if {short} and ({out} := {module}._native):",
        "    try:",
        f"        {out} = {out}({raw})",
        "    except Exception:  # msgspec refuses it: the general path decides",
        f"        {general}",
        "else:",
        f"    {general}",
    ]


def loads_for_validation(data: Union[str, bytes, bytearray, memoryview]) -> Any:
    """:func:`loads`, except that integer literals beyond 64 bits may come back as
    Python ints (from the native decoder) instead of serde_json's float.

    Only for the validator, which reads such an int in an event as serde_json's float
    for its digits, the way it reads one in a dict. When that float is out of range the
    validator raises :class:`EventDecodeError` without a position: decode with
    :func:`loads` then, for serde_json's error. This spares the native path its dearest
    check (the scan for long integers) on texts shorter than 309 characters.
    """
    native = _native if _native is not None else _warm_up(data)
    if native is False:
        return _exact_loads(data)
    t = type(data)
    if t is bytes:
        # msgspec reads UTF-8 itself (and refuses what is invalid): the text is decoded
        # only when a check needs it, for a '-0' or a long text ('-' first: a memchr).
        if (45 in data and data.find(b"-0") >= 0) or len(data) >= _MIN_TOO_DEEP:  # type: ignore[union-attr,arg-type]
            try:
                text = data.decode()  # type: ignore[union-attr]
            except UnicodeDecodeError:  # serde_json's error, from the exact decoder
                return _exact_loads(data)
            if not _native_agrees(text):
                return _exact_loads(data)
    elif t is str:
        text = data
        if ("-0" in text or len(text) >= _MIN_TOO_DEEP) and not _native_agrees(text):  # type: ignore[arg-type]
            return _exact_loads(data)
    elif t is bytearray or t is memoryview:
        return loads_for_validation(bytes(data))  # type: ignore[arg-type]
    else:
        return _exact_loads(data)
    try:
        return native(data)
    except Exception:  # msgspec refuses it, or the float hook met serde_json's error
        return _exact_loads(data)


# --------------------------------------------------------------------------------------
# The native fast path: msgspec, with serde_json's float rule as its float hook.
#
# msgspec and serde_json agree on the grammar (strict RFC 8259: no NaN, trailing commas,
# leading zeros, control characters, BOM or lone surrogate escapes; invalid UTF-8
# rejected; a duplicate key keeps the last value in the first one's place). msgspec hands
# every float literal (a fraction or an exponent) to ``_hook_float``, which returns
# serde_json's value or raises (and the exact decoder then reports serde_json's error),
# and decodes integer literals to exact Python ints. The values differ only on:
#   * ``-0``: msgspec gives the int 0, serde_json the float -0.0;
#   * integers outside [i64 min, u64 max] (19 digits or more): msgspec gives the exact
#     int, serde_json a float, or "number out of range" from 309 digits on;
#   * nesting deeper than 127: serde_json's recursion limit (msgspec allows 1,000).
# ``loads_for_validation`` rules out the first and the last (and integer literals of 309
# digits or more), conservatively; ``loads`` also the rest. Every text msgspec rejects
# goes to the exact decoder, which produces serde_json's error.

_native: Any = None  # msgspec's decode, False when msgspec is not installed, None: not looked up

_MIN_TOO_DEEP = 2 * (MAX_DEPTH + 1)  # the shortest valid JSON nested too deep
_LONG_INT_DIGITS = 19  # the shortest integer literal outside [i64 min, u64 max]
_WIDE_INT_DIGITS = 309  # the shortest one serde_json finds out of f64's range
_DIGIT_CHARS = bytes(ord("0") if chr(c) in "0123456789" else ord(" ") for c in range(256))
_RUNS = {n: "0" * n for n in (_LONG_INT_DIGITS, _WIDE_INT_DIGITS)}
_INT_LITERAL = re.compile(r"-?[0-9]{19,}")  # or a float's integer part
_MINUS_ZERO = re.compile(r"-0(?![.0-9eE])")


# Importing msgspec costs about as much as decoding 100 KB the exact way: a short run,
# such as a pre-commit hook over a few fixtures, does without.
_WARM_UP_BYTES = 100_000
_warm_up_left = _WARM_UP_BYTES


def _warm_up(data: Any) -> Any:
    """False (decode exactly) until ``_WARM_UP_BYTES`` of text were decoded, then
    msgspec's decode (or False for good, when msgspec is not installed)."""
    global _warm_up_left
    try:
        _warm_up_left -= len(data)
    except TypeError:
        return False
    return load_native() if _warm_up_left <= 0 else False


def load_native() -> Any:
    """Look msgspec up now (instead of after the warm-up): its decode, or False."""
    global _native
    native: Any
    try:
        import msgspec.json
    except ImportError:  # pragma: no cover - depends on the environment
        native = False
    else:
        native = msgspec.json.Decoder(float_hook=_hook_float).decode
    _native = native
    return native


def _native_agrees(text: str) -> bool:
    """True if msgspec's decoding of ``text``, if it accepts it, is serde_json's value up
    to integers beyond 64 bits (:func:`loads_for_validation`). The caller skips this for
    texts without ``-0`` shorter than 256 characters: it could only say yes."""
    n = len(text)
    return (
        ("-0" not in text or not _minus_zero(text))
        and (
            n < _WIDE_INT_DIGITS
            or not _long_ints(text.encode("utf-8", "surrogatepass"), _WIDE_INT_DIGITS)
        )
        and (n < _MIN_TOO_DEEP or not _too_deep(text))
    )


def _minus_zero(text: str) -> bool:
    """True if ``text`` may hold the literal ``-0`` outside its strings (a date such as
    ``2026-01-05`` does not count, nor does ``-0.5``)."""
    return _MINUS_ZERO.search(text) is not None and (
        _MINUS_ZERO.search(_outside_strings(text)) is not None
    )


def _holds_wide_ints(data: Union[str, bytes, bytearray, memoryview]) -> bool:
    """True if the (valid JSON) text may hold an integer literal outside [i64 min,
    u64 max], which :func:`loads_for_validation` may have left a Python int."""
    if isinstance(data, str):  # subclasses too: bytes() of a str raises TypeError
        raw = data.encode("utf-8", "surrogatepass")
    else:
        raw = bytes(data)  # no copy of an exact bytes object
    return _long_ints(raw, _LONG_INT_DIGITS)


def _long_ints(raw: bytes, digits: int) -> bool:
    """True if the UTF-8 text ``raw`` may hold an integer literal msgspec and serde_json
    decode differently: outside [i64 min, u64 max] (``digits`` 19), or one that may be
    beyond f64's range (``digits`` 309). A quick scan of the whole text first: a run of
    digits inside a string (an ID, a timestamp) counts only if one outside is as long."""
    if len(raw) < digits or _RUNS[digits] not in raw.translate(_DIGIT_CHARS).decode():
        return False
    outside = _outside_strings(raw.decode("utf-8", "surrogatepass"))
    for m in _INT_LITERAL.finditer(outside):
        literal = m.group()
        if len(literal.lstrip("-")) >= digits and (
            digits > _LONG_INT_DIGITS
            or len(literal) > 21
            or not _I64_MIN <= int(literal) <= _U64_MAX
        ):
            return True
    return False


def _outside_strings(text: str) -> str:
    """The text of valid JSON ``text`` with every string literal removed."""
    if "\\" in text:
        text = text.replace("\\\\", "").replace('\\"', "")
    return "".join(text.split('"')[::2])


def _exact_loads(data: Union[str, bytes, bytearray, memoryview]) -> Any:
    """:func:`loads` without the native fast path: the stdlib C decoder with serde_json's
    number hooks, guarded, and the reference parser for everything else."""
    if isinstance(data, str):
        text = data
        if not text.isascii() and _SURROGATE_RE.search(text) is not None:
            return _reference_loads(text.encode("utf-8", "surrogatepass"))
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _reference_loads(raw)
    else:
        raise EventTypeError(
            f"loads() takes str or bytes-like data, not {type(data).__name__}",
            python_type=type(data).__name__,
        )
    if text.count("[") + text.count("{") > MAX_DEPTH and _too_deep(text):
        return _reference_loads(text.encode("utf-8"))
    try:
        value = _fast_decode(text)
    except Exception:  # JSONDecodeError, hook failures, RecursionError, digit limits …
        return _reference_loads(text.encode("utf-8"))
    if (
        "\\u" in text
        and _SURROGATE_ESCAPE_RE.search(text) is not None
        and _SURROGATE_RE.search(json.dumps(value, ensure_ascii=False)) is not None
    ):
        # A \ud8xx escape the C decoder let through unpaired: serde_json rejects it.
        return _reference_loads(text.encode("utf-8"))
    return value


# --------------------------------------------------------------------------------------
# Reference parser: serde_json's Deserializer<SliceRead> for Value, iterative.

_WS_B = re.compile(rb"[ \t\n\r]*")
_STR_RUN_B = re.compile(rb'[^"\\\x00-\x1f]*')
_DIGITS_B = re.compile(rb"[0-9]*")
_HEX4_B = re.compile(rb"[0-9a-fA-F]{4}")
_SIMPLE_ESCAPES: Dict[int, bytes] = {
    0x22: b'"',
    0x5C: b"\\",
    0x2F: b"/",
    0x62: b"\x08",
    0x66: b"\x0c",
    0x6E: b"\n",
    0x72: b"\r",
    0x74: b"\t",
}


def _position(buf: bytes, index: int) -> Tuple[int, int]:
    start_of_line = buf.rfind(b"\n", 0, index) + 1
    return buf.count(b"\n", 0, start_of_line) + 1, index - start_of_line


class _Reader:
    """serde_json's parser state over a byte slice. ``error`` reports at the current
    index, ``peek_error`` one byte further (capped at the end), as serde_json does."""

    __slots__ = ("buf", "n")

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.n = len(buf)

    def error(self, code: str, index: int) -> EventDecodeError:
        line, column = _position(self.buf, index)
        return EventDecodeError(code, line, column)

    def peek_error(self, code: str, index: int) -> EventDecodeError:
        return self.error(code, min(self.n, index + 1))

    def ident(self, i: int, rest: bytes) -> int:
        buf, n = self.buf, self.n
        for expected in rest:
            if i >= n:
                raise self.error(_EOF_VALUE, i)
            ch = buf[i]
            i += 1
            if ch != expected:
                raise self.error(_EXPECTED_IDENT, i)
        return i

    def colon(self, i: int) -> int:
        i = _WS_B.match(self.buf, i).end()  # type: ignore[union-attr]
        if i >= self.n:
            raise self.peek_error(_EOF_OBJECT, i)
        if self.buf[i] != 0x3A:
            raise self.peek_error(_EXPECTED_COLON, i)
        return i + 1

    def hex4(self, i: int) -> Tuple[int, int]:
        if i + 4 > self.n:
            raise self.error(_EOF_STRING, self.n)
        if _HEX4_B.match(self.buf, i) is None:
            raise self.error(_INVALID_ESCAPE, i + 4)
        return int(self.buf[i : i + 4], 16), i + 4

    def string(self, i: int) -> Tuple[str, int]:
        """Parse a string whose opening quote ends just before ``i``."""
        buf, n = self.buf, self.n
        parts: List[bytes] = []
        while True:
            j = _STR_RUN_B.match(buf, i).end()  # type: ignore[union-attr]
            if j >= n:
                raise self.error(_EOF_STRING, n)
            ch = buf[j]
            if ch == 0x22:
                parts.append(buf[i:j])
                i = j + 1
                try:
                    return b"".join(parts).decode("utf-8"), i
                except UnicodeDecodeError:
                    raise self.error(_INVALID_UNICODE, i) from None
            if ch != 0x5C:
                raise self.error(_CONTROL_CHAR, j + 1)
            parts.append(buf[i:j])
            i = j + 1
            if i >= n:
                raise self.peek_error(_EOF_STRING, i)
            esc = buf[i]
            i += 1
            simple = _SIMPLE_ESCAPES.get(esc)
            if simple is not None:
                parts.append(simple)
                continue
            if esc != 0x75:
                raise self.error(_INVALID_ESCAPE, i)
            cp, i = self.hex4(i)
            if 0xDC00 <= cp <= 0xDFFF:
                raise self.error(_LONE_LEADING_SURROGATE, i)
            if 0xD800 <= cp <= 0xDBFF:
                if i >= n:
                    raise self.peek_error(_EOF_STRING, i)
                if buf[i] != 0x5C:
                    raise self.error(_UNEXPECTED_END_OF_HEX, i + 1)
                i += 1
                if i >= n:
                    raise self.peek_error(_EOF_STRING, i)
                if buf[i] != 0x75:
                    raise self.error(_UNEXPECTED_END_OF_HEX, i + 1)
                low, i = self.hex4(i + 1)
                if not 0xDC00 <= low <= 0xDFFF:
                    raise self.error(_LONE_LEADING_SURROGATE, i)
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00)
            parts.append(chr(cp).encode("utf-8"))

    def number(self, i: int) -> Tuple[Union[int, float], int]:
        """Parse a number starting at ``i`` (a ``-`` or a digit)."""
        buf, n = self.buf, self.n
        start = i
        if buf[i] == 0x2D:
            i += 1
            if i >= n:
                raise self.error(_EOF_VALUE, i)
        ch = buf[i]
        i += 1
        if ch == 0x30:
            if i < n and 0x30 <= buf[i] <= 0x39:
                raise self.peek_error(_INVALID_NUMBER, i)
        elif 0x31 <= ch <= 0x39:
            i = _DIGITS_B.match(buf, i).end()  # type: ignore[union-attr]
        else:
            raise self.error(_INVALID_NUMBER, i)
        if i < n and buf[i] == 0x2E:
            i += 1
            j = _DIGITS_B.match(buf, i).end()  # type: ignore[union-attr]
            if j == i:
                raise self.peek_error(_INVALID_NUMBER if i < n else _EOF_VALUE, i)
            i = j
        exp_start = 0
        if i < n and buf[i] in (0x45, 0x65):
            i += 1
            if i < n and buf[i] in (0x2B, 0x2D):
                i += 1
            if i >= n:
                raise self.error(_EOF_VALUE, i)
            ch = buf[i]
            i += 1
            if not 0x30 <= ch <= 0x39:
                raise self.error(_INVALID_NUMBER, i)
            exp_start = i - 1
            i = _DIGITS_B.match(buf, i).end()  # type: ignore[union-attr]
        try:
            return _number_value(buf[start:i].decode("ascii")), i
        except _NumberOutOfRange as exc:
            at = i if exc.exp_digit is None else exp_start + exc.exp_digit + 1
            raise self.error(_NUMBER_OUT_OF_RANGE, at) from None


def _reference_loads(buf: bytes) -> Any:
    """serde_json::from_slice::<Value>, iteratively. Raises only EventDecodeError."""
    rd = _Reader(buf)
    n = rd.n
    ws = _WS_B.match
    stack: List[Any] = []  # open containers, innermost last
    keys: List[str] = []  # for each open container: the pending key ("" for arrays)
    value: Any = None
    i = 0
    while True:
        # ---- parse one value starting at i
        i = ws(buf, i).end()  # type: ignore[union-attr]
        if i >= n:
            raise rd.peek_error(_EOF_VALUE, i)
        c = buf[i]
        if c == 0x5B or c == 0x7B:  # [ {
            if len(stack) >= MAX_DEPTH:
                raise rd.peek_error(_RECURSION_LIMIT, i)
            i = ws(buf, i + 1).end()  # type: ignore[union-attr]
            if c == 0x5B:
                if i >= n:
                    raise rd.peek_error(_EOF_LIST, i)
                if buf[i] == 0x5D:
                    i += 1
                    value = []
                else:
                    stack.append([])
                    keys.append("")
                    continue
            else:
                if i >= n:
                    raise rd.peek_error(_EOF_OBJECT, i)
                ch = buf[i]
                if ch == 0x7D:
                    i += 1
                    value = {}
                elif ch == 0x22:
                    key, i = rd.string(i + 1)
                    i = rd.colon(i)
                    stack.append({})
                    keys.append(key)
                    continue
                else:
                    raise rd.peek_error(_KEY_MUST_BE_STRING, i)
        elif c == 0x22:
            value, i = rd.string(i + 1)
        elif c == 0x2D or 0x30 <= c <= 0x39:
            value, i = rd.number(i)
        elif c == 0x6E:
            i = rd.ident(i + 1, b"ull")
            value = None
        elif c == 0x74:
            i = rd.ident(i + 1, b"rue")
            value = True
        elif c == 0x66:
            i = rd.ident(i + 1, b"alse")
            value = False
        else:
            raise rd.peek_error(_EXPECTED_VALUE, i)
        # ---- hand the value to its container; close containers that end here
        while True:
            if not stack:
                i = ws(buf, i).end()  # type: ignore[union-attr]
                if i < n:
                    raise rd.peek_error(_TRAILING_CHARACTERS, i)
                return value
            top = stack[-1]
            i = ws(buf, i).end()  # type: ignore[union-attr]
            if type(top) is list:
                top.append(value)
                if i >= n:
                    raise rd.peek_error(_EOF_LIST, i)
                ch = buf[i]
                if ch == 0x5D:
                    i += 1
                    value = stack.pop()
                    keys.pop()
                    continue
                if ch != 0x2C:
                    raise rd.peek_error(_EXPECTED_LIST_COMMA_OR_END, i)
                i = ws(buf, i + 1).end()  # type: ignore[union-attr]
                if i >= n:
                    raise rd.peek_error(_EOF_VALUE, i)
                if buf[i] == 0x5D:
                    raise rd.peek_error(_TRAILING_COMMA, i)
                break
            top[keys[-1]] = value
            if i >= n:
                raise rd.peek_error(_EOF_OBJECT, i)
            ch = buf[i]
            if ch == 0x7D:
                i += 1
                value = stack.pop()
                keys.pop()
                continue
            if ch != 0x2C:
                raise rd.peek_error(_EXPECTED_OBJECT_COMMA_OR_END, i)
            i = ws(buf, i + 1).end()  # type: ignore[union-attr]
            if i >= n:
                raise rd.peek_error(_EOF_VALUE, i)
            ch = buf[i]
            if ch == 0x22:
                key, i = rd.string(i + 1)
                keys[-1] = key
                i = rd.colon(i)
                break
            if ch == 0x7D:
                raise rd.peek_error(_TRAILING_COMMA, i)
            raise rd.peek_error(_KEY_MUST_BE_STRING, i)
