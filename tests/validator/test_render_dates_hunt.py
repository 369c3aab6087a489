"""{F:}, {J:}, {D:} and the ``date`` grammar against references written from the spec alone.

Each reference below is derived from the spec text (§4.5, §5.1, appendices A, C, D), not
from ``values/render.py`` or ``values/dates.py``:

* shortest round-trip digits by exact rational arithmetic (the shortest length at which
  the floor or ceiling decimal reads back as ``x``; the closer one, exact ties away from
  zero for Rust, to even for serde_json/zmij), then C.1 / C.2 layout;
* Rust ``{:?}`` of a ``str``, one code point at a time over the shipped table;
* chrono 0.4.45 ``%Y-%m-%d`` as a port of its item-by-item scanner (trim White_Space,
  signed/unsigned ``scan::number`` with widths, literal ``-``, nothing after).

The F reference reproduces the rustc digest of ``test_render_f64_matches_rust_stream`` and
all three reproduce the corpus ``helper_vectors`` (checked when this file was written).
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction
from pathlib import Path
from typing import Any, List, Optional, Set, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contractgate import Contract
from contractgate._validation.compiler import _render_f64_fast
from contractgate._validation.reference import render_nested
from contractgate._validation.values.dates import is_valid_date
from contractgate._validation.values.render import (
    render_debug_str,
    render_f64,
    render_json,
    render_json_float,
)

DATA = Path(__file__).resolve().parents[1] / "data"

# --------------------------------------------------------------------------------------
# References


def _shortest(x: float, ties_away: bool) -> Tuple[str, int]:
    """Shortest round-trip digits of a finite ``x > 0`` and ``E`` (x = d1.d2… × 10**E)."""
    exact = Fraction(x)
    e10 = len(str(exact.numerator)) - len(str(exact.denominator))
    while Fraction(10) ** e10 > exact:
        e10 -= 1
    while Fraction(10) ** (e10 + 1) <= exact:
        e10 += 1
    for n in range(1, 18):
        p = e10 - n + 1
        unit = Fraction(10) ** p
        q = exact / unit
        lo = q.numerator // q.denominator
        fits = [c for c in (lo, lo + 1) if c and float(f"{c}e{p}") == x]
        if not fits:
            continue
        c = fits[0]
        if len(fits) == 2:
            below, above = exact - lo * unit, (lo + 1) * unit - exact
            if above < below or (above == below and (ties_away or lo % 2)):
                c = lo + 1
        digits = str(c)
        return digits.rstrip("0"), p + len(digits) - 1
    raise AssertionError(x)  # pragma: no cover


def _plain(digits: str, e10: int) -> str:
    n = len(digits)
    if e10 >= n - 1:
        return digits + "0" * (e10 - n + 1)
    if e10 >= 0:
        return digits[: e10 + 1] + "." + digits[e10 + 1 :]
    return "0." + "0" * (-e10 - 1) + digits


def ref_f(x: float) -> str:
    """Appendix C.1."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    if x == 0:
        return sign + "0"
    return sign + _plain(*_shortest(abs(x), True))


def ref_j_float(x: float) -> str:
    """Appendix C.2, floats."""
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    if x == 0:
        return sign + "0.0"
    digits, e10 = _shortest(abs(x), False)
    if -5 <= e10 <= 15:
        text = _plain(digits, e10)
        return sign + (text + ".0" if "." not in text else text)
    frac = "." + digits[1:] if len(digits) > 1 else ""
    return f"{sign}{digits[0]}{frac}e{'+' if e10 > 0 else '-'}{abs(e10)}"


_J_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}
_J_SHORT["\t"] = "\\t"


def ref_j_str(s: str) -> str:
    return '"' + "".join(
        _J_SHORT.get(c, f"\\u{ord(c):04x}" if ord(c) < 0x20 else c) for c in s
    ) + '"'


def ref_j(v: Any) -> str:
    """Appendix C.2: a JSON value, objects sorted by UTF-8 bytes of the key."""
    if v is None or v is True or v is False:
        return {None: "null", True: "true", False: "false"}[v]
    if type(v) is int:
        return str(v)
    if type(v) is float:
        return ref_j_float(v)
    if type(v) is str:
        return ref_j_str(v)
    if type(v) is list:
        return "[" + ",".join(ref_j(x) for x in v) + "]"
    keys = sorted(v, key=lambda k: k.encode("utf-8"))
    return "{" + ",".join(ref_j_str(k) + ":" + ref_j(v[k]) for k in keys) + "}"


_ESCAPED: Optional[Set[int]] = None
_D_SHORT = {0: "\\0", 9: "\\t", 10: "\\n", 13: "\\r", 34: '\\"', 92: "\\\\"}


def ref_d(s: str) -> str:
    """Appendix D, over the spec's table (tests/data copy)."""
    global _ESCAPED
    if _ESCAPED is None:
        cps: Set[int] = set()
        text = (DATA / "rust-str-debug-escapes.txt").read_text(encoding="utf-8")
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                a, _, b = line.partition("..")
                cps.update(range(int(a, 16), int(b or a, 16) + 1))
        _ESCAPED = cps
    out = []
    for c in s:
        cp = ord(c)
        if cp in _D_SHORT:
            out.append(_D_SHORT[cp])
        elif cp in _ESCAPED:
            out.append(f"\\u{{{cp:x}}}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


_WS = {*range(0x9, 0xE), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029}
_WS |= {0x202F, 0x205F, 0x3000}


def ref_date(s: str) -> bool:
    """chrono 0.4.45 ``NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()``."""

    def trim(t: str) -> str:
        i = 0
        while i < len(t) and ord(t[i]) in _WS:
            i += 1
        return t[i:]

    def number(t: str, width: int) -> Optional[Tuple[str, int]]:
        n = i = 0
        while i < len(t) and i < width and "0" <= t[i] <= "9":
            n = n * 10 + ord(t[i]) - 48
            if n > 2**63 - 1:
                return None  # checked_mul / checked_add overflow
            i += 1
        return None if i == 0 else (t[i:], n)

    t = trim(s)
    sign = t[:1] if t[:1] in ("+", "-") else ""
    got = number(t[len(sign) :], 1 << 62 if sign else 4)
    if got is None:
        return False
    t, year = got
    year = -year if sign == "-" else year
    fields = [year]
    for _ in range(2):
        if not t.startswith("-"):
            return False
        got = number(trim(t[1:]), 2)
        if got is None:
            return False
        t, n = got
        fields.append(n)
    year, month, day = fields
    if t or not -(2**31) <= year < 2**31 or not 1 <= month <= 12 or not 1 <= day <= 31:
        return False
    if not -262143 <= year <= 262142:
        return False
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    return day <= [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]


# --------------------------------------------------------------------------------------
# {F:} and {J:} floats


def _edge_floats() -> List[float]:
    vals = {math.ldexp(1.0, e) for e in range(-1074, 1024, 11)}
    for e in range(-323, 309, 7):
        for m in ("1", "5", "9.999999999999999", "1.5", "4.9999999999999995"):
            vals.add(float(f"{m}e{e}"))
    vals |= {1e16, 2.0**53, 1e15, 1e-5, 1e-4, 0.5, 2.5, 1e22, 1e23, 5e-324, 2.2250738585072014e-308}
    vals |= {1.7976931348623157e308, 2113325745016023.25, 958597496152.40625}
    out: List[float] = []
    for v in sorted(vals):
        for w in (v, math.nextafter(v, 0), math.nextafter(v, math.inf)):
            if 0 < w < math.inf:
                out += [w, -w]
    return out


def test_floats_at_edges_match_the_references() -> None:
    """Powers of 2 and 10, their neighbours, the integer/exponent switch points (2**53,
    1e15/1e16, 1e-4/1e-5), the subnormal and normal limits, and the spec's tie examples."""
    for x in [*_edge_floats(), 0.0, -0.0]:
        f = ref_f(x)
        assert render_f64(x) == f, x
        assert _render_f64_fast(x) == f, x
        j = ref_j_float(x)
        assert render_json_float(x) == j, x
        assert render_json([x]) == render_nested([x]) == f"[{j}]", x


@settings(max_examples=700, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(0, 2**64 - 1).map(lambda b: struct.unpack("<d", struct.pack("<Q", b))[0]),
        st.tuples(st.integers(1, 10**17), st.integers(0, 30)).map(lambda t: t[0] / 2.0 ** t[1]),
    ).filter(math.isfinite)
)
def test_floats_match_the_references(x: float) -> None:
    assert render_f64(x) == ref_f(x)
    assert _render_f64_fast(x) == ref_f(x)
    assert render_json_float(x) == ref_j_float(x)


def test_non_finite_f() -> None:
    assert [render_f64(x) for x in (math.nan, math.inf, -math.inf)] == ["NaN", "inf", "-inf"]


# --------------------------------------------------------------------------------------
# {J:} values and {D:}

_CHARS = st.sampled_from(
    ["a", "e", "-", "0", '"', "\\", "\x00", "\x08", "\x1f", "\x7f", "é", "\u2028", "😀", "\uffff"]
)
_TEXT = st.lists(_CHARS, max_size=5).map("".join)
_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**64 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([1e-5, -1e-7, 1e16, 0.0001, 1e15, -0.0]),
        _TEXT,
    ),
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(_TEXT, c, max_size=3)),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_json_values_match_the_reference(v: Any) -> None:
    j = ref_j(v)
    assert render_json(v) == j
    assert render_nested(v) == j
    assert render_debug_str(j) == ref_d(j)  # the uniqueness message's {D:J:value}


@settings(max_examples=600, deadline=None)
@given(st.text())
def test_debug_str_matches_the_reference(s: str) -> None:
    assert render_debug_str(s) == ref_d(s)


# --------------------------------------------------------------------------------------
# Dates

_WS_SAMPLES = ["", "", " ", "\t", "\x0b", "\x85", "\xa0", "\u2005", "\u3000", "\x1c", "\u200b"]
_DATE_PARTS = st.tuples(
    st.sampled_from(_WS_SAMPLES),
    st.sampled_from(["", "", "+", "-"]),
    st.integers(0, 10**8).map(str),
    st.integers(0, 5),
    st.sampled_from(_WS_SAMPLES),
    st.integers(0, 14).map(str),
    st.integers(0, 2),
    st.sampled_from(_WS_SAMPLES),
    st.integers(0, 33).map(str),
    st.integers(0, 2),
    st.sampled_from(["", "", "", " ", "\n", "x", "0", "\xa0"]),
)


def _date_text(p: Tuple[Any, ...]) -> str:
    ws0, sign, year, ypad, ws1, month, mpad, ws2, day, dpad, tail = p
    y = year.zfill(len(year) + ypad)
    return f"{ws0}{sign}{y}-{ws1}{month.zfill(mpad)}-{ws2}{day.zfill(dpad)}{tail}"


@settings(max_examples=800, deadline=None)
@given(_DATE_PARTS.map(_date_text))
def test_structured_dates_match_chrono(s: str) -> None:
    assert is_valid_date(s) is ref_date(s)


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet="0123456789-+ \t\xa0\u3000\x1c٠１T", max_size=14) | st.text(max_size=12))
def test_free_text_dates_match_chrono(s: str) -> None:
    assert is_valid_date(s) is ref_date(s)


@pytest.mark.parametrize(
    ("s", "valid"),
    [
        ("-0000-02-29", True),  # -0 is year 0, a leap year
        ("+262142-12-31", True),
        ("+262143-01-01", False),
        ("-262143-01-01", True),
        ("-262144-12-31", False),
        ("+0000000000000000000262142-01-01", True),  # leading zeros do not overflow
        ("+9223372036854775808-01-01", False),  # i64 overflow
        ("+2147483648-01-01", False),  # i32 overflow
        ("1-1-1", True),
        ("0-1-1", True),
        ("2026 -01-05", False),  # no whitespace before a separator
        ("2026-01- 5", True),
        ("+ 2026-01-05", False),
        (" -2026-01-05", True),
        ("2026-01-5\u3000", False),
        ("\u180e2026-01-05", False),  # not White_Space since Unicode 6.3
        ("\x852026-01-05", True),
    ],
)
def test_date_edges(s: str, valid: bool) -> None:
    assert ref_date(s) is valid
    assert is_valid_date(s) is valid


# --------------------------------------------------------------------------------------
# Messages, through both validation paths


_CONTRACT = """\
version: "1.0"
name: "t"
ontology:
  entities:
    - name: "{f}'x"
      type: any
      min: -5e-324
      max: 1.5e+300
    - name: i
      type: integer
      max: 1.0e+16
    - name: d
      type: date
metrics:
  - name: m
    field: "{f}'x"
    min: 0.1
"""


@pytest.mark.parametrize(
    ("event", "messages"),
    [
        (
            {"{f}'x": -1e-7, "i": 2**64 - 1, "d": "2026-02-30"},
            [
                "Field '{f}'x' value -0.0000001 is below minimum -0." + "0" * 323 + "5",
                "Field 'i' value 18446744073709552000 exceeds maximum 10000000000000000",
                "Field 'd' value \"2026-02-30\" is not a valid calendar date (expected YYYY-MM-DD)",
                "Metric 'm' value -0.0000001 is below minimum 0.1 (field: '{f}'x')",
            ],
        ),
        (
            {"{f}'x": 2113325745016023.25, "i": 9007199254740993, "d": "\xa02026-\u20051-5\u200b"},
            [
                'Field \'d\' value "\\u{a0}2026-\\u{2005}1-5\\u{200b}" is not a valid calendar '
                "date (expected YYYY-MM-DD)",
            ],
        ),
        (
            {"{f}'x": 0.0, "i": -1, "d": " +10000-1-01"},
            ["Metric 'm' value 0 is below minimum 0.1 (field: '{f}'x')"],
        ),
    ],
)
def test_messages_on_both_paths(event: Any, messages: List[str]) -> None:
    contract = Contract.from_yaml(_CONTRACT)
    for compiled in (contract.compile(), contract.compile(reference=True)):
        assert [v.message for v in compiled.validate(event).violations] == messages
