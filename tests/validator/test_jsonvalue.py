"""The JSON value layer: serde_json decoding, {J:}/{F:}/{D:} renderings, dates, equality.

Expected values come from the parity corpus (``helper_vectors``, produced by the Rust
build described in the spec), from the spec's own examples, and from two digests of
output produced with rustc 1.95.0 (the spec's toolchain): see
``test_render_f64_matches_rust_stream`` and
``test_render_debug_str_matches_rust_all_code_points``.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import math
import pickle
import struct
from pathlib import Path
from typing import Any, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractgate._validation.values.jsondecode import _reference_loads
from contractgate._validation.values.jsonvalue import (
    MAX_DEPTH,
    EventDecodeError,
    EventTypeError,
    f64_of,
    is_valid_date,
    json_equal,
    json_type_name,
    loads,
    number_from_literal,
    render_debug_str,
    render_f64,
    render_json,
    to_event_value,
    uniqueness_key,
)
from contractgate.exceptions import ContractGateError

DATA = Path(__file__).resolve().parents[1] / "data"
_CORPUS = json.loads((DATA / "contract-validation-parity.json").read_text(encoding="utf-8"))
_HELPERS = _CORPUS["helper_vectors"]


def _same(a: Any, b: Any, ordered: bool = True) -> bool:
    """Identity of JSON values: same types, floats bit for bit, same key order."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return struct.pack("<d", a) == struct.pack("<d", b)
    if type(a) is list:
        return len(a) == len(b) and all(_same(x, y, ordered) for x, y in zip(a, b))
    if type(a) is dict:
        keys_a = list(a) if ordered else sorted(a)
        keys_b = list(b) if ordered else sorted(b)
        return keys_a == keys_b and all(_same(a[k], b[k], ordered) for k in a)
    return bool(a == b)


def _ids(prefix: str, items: List[Any], key: str) -> List[Any]:
    return [
        pytest.param(item, id=f"{prefix}{i:03d}-{item[key][:40]!r}") for i, item in enumerate(items)
    ]


# --------------------------------------------------------------------------------------
# helper_vectors: one test id per vector


@pytest.mark.parametrize("vec", _ids("num", _HELPERS["numbers"]["items"], "json_text"))
def test_number_vector(vec: Any) -> None:
    text = vec["json_text"]
    if "decode_error" in vec:
        with pytest.raises(EventDecodeError) as info:
            loads(text)
        assert str(info.value) == vec["decode_error"]
        assert info.value.code == "number out of range"
        assert info.value.line == 1
        assert info.value.column == int(vec["decode_error"].rsplit(" ", 1)[1])
        with pytest.raises(EventDecodeError):
            number_from_literal(text)
        return
    v = loads(text)
    assert json_type_name(v) == vec["class"]
    assert type(v) is (int if vec["class"] == "integer" else float)
    assert render_json(v) == vec["J"]
    assert uniqueness_key(v) == vec["J"]
    assert render_f64(f64_of(v)) == vec["F"]
    # the same number inside containers, from bytes, and through the reference parser
    assert (
        render_json(loads(f'[{text}, {{"k": {text}}}]'.encode()))
        == f'[{vec["J"]},{{"k":{vec["J"]}}}]'
    )
    assert _same(_reference_loads(text.encode()), v)
    assert _same(number_from_literal(text), v)


@pytest.mark.parametrize("vec", _ids("dbg", _HELPERS["debug_strings"]["items"], "input"))
def test_debug_string_vector(vec: Any) -> None:
    assert render_debug_str(vec["input"]) == vec["D"]


@pytest.mark.parametrize("vec", _ids("date", _HELPERS["dates"]["items"], "input"))
def test_date_vector(vec: Any) -> None:
    assert is_valid_date(vec["input"]) is vec["valid"]


def test_helper_vector_counts() -> None:
    assert len(_HELPERS["numbers"]["items"]) >= 290
    assert len(_HELPERS["debug_strings"]["items"]) >= 50
    assert len(_HELPERS["dates"]["items"]) >= 50


# --------------------------------------------------------------------------------------
# Spec examples


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-255204.91454853758", -255204.9145485376),
        ("9007199254740993.0", 9007199254740994.0),
        ("100.00000000000001", 100.0),
        ("1e2", 100.0),
        ("1.0", 1.0),
        ("-0", -0.0),
        ("18446744073709551616", 1.8446744073709552e19),
        ("-9223372036854775809", -9.223372036854776e18),
        ("1e-400", 0.0),
        ("-1e-400", -0.0),
        ("0e99999999999", 0.0),
        ("-0e99999999999", -0.0),
        ("1e-99999999999", 0.0),
        ("0." + "0" * 400 + "1", 0.0),
        ("1" + "0" * 300, 1e300),
    ],
)
def test_spec_float_decoding(text: str, expected: float) -> None:
    v = loads(text)
    assert type(v) is float
    assert struct.pack("<d", v) == struct.pack("<d", expected)


def test_not_correctly_rounded_like_serde_json() -> None:
    # Python's float() is correctly rounded; serde_json (no float_roundtrip) is not.
    assert float("100.00000000000001") != 100.0
    assert loads("100.00000000000001") == 100.0
    assert float("9007199254740993.0") == 9007199254740992.0
    assert loads("9007199254740993.0") == 9007199254740994.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("18446744073709551615", 18446744073709551615),
        ("-9223372036854775808", -9223372036854775808),
        ("9007199254740993", 9007199254740993),
        ("-1", -1),
    ],
)
def test_spec_integer_decoding(text: str, expected: int) -> None:
    v = loads(text)
    assert type(v) is int and v == expected


def test_integer_overflow_then_fraction_digit() -> None:
    # serde_json's parse_long_integer hands over to parse_decimal, which keeps appending
    # fraction digits while the significand still fits u64.
    assert number_from_literal("18446744073709551616.0") == 1.8446744073709552e19
    assert type(number_from_literal("1" * 400 + ".5e-400")) is float
    with pytest.raises(EventDecodeError, match="number out of range"):
        number_from_literal("1" * 400)
    with pytest.raises(ValueError):
        number_from_literal("01")


@pytest.mark.parametrize(
    ("value", "j", "f"),
    [
        (1.0, "1.0", "1"),
        (1e15, "1000000000000000.0", "1000000000000000"),
        (0.00001, "0.00001", "0.00001"),
        (150.5, "150.5", "150.5"),
        (-0.0, "-0.0", "-0"),
        (0.0, "0.0", "0"),
        (1e16, "1e+16", "10000000000000000"),
        (1e-7, "1e-7", "0.0000001"),
        (1.5e300, "1.5e+300", "1" + "5" + "0" * 299),
        (5e-324, "5e-324", "0." + "0" * 323 + "5"),
        (1e21, "1e+21", "1000000000000000000000"),
        (2.0**64, "1.8446744073709552e+19", "18446744073709552000"),
        (-5.0, "-5.0", "-5"),
        (0.1, "0.1", "0.1"),
        (-1.5e-5, "-0.000015", "-0.000015"),
        (2113325745016023.25, "2113325745016023.2", "2113325745016023.3"),
        (-958597496152.40625, "-958597496152.4062", "-958597496152.4063"),
    ],
)
def test_spec_number_rendering(value: float, j: str, f: str) -> None:
    assert render_json(value) == j
    assert render_f64(value) == f


def test_render_f64_non_finite_and_ints() -> None:
    assert render_f64(math.inf) == "inf"
    assert render_f64(-math.inf) == "-inf"
    assert render_f64(math.nan) == "NaN"
    assert render_f64(f64_of(9007199254740993)) == "9007199254740992"
    assert render_f64(f64_of(-1)) == "-1"
    assert render_json(math.nan) == "null"  # serde_json serialises non-finite f64 as null


def test_render_json_values() -> None:
    assert render_json(None) == "null"
    assert render_json(True) == "true"
    assert render_json(False) == "false"
    assert render_json(1) == "1"
    assert render_json("x") == '"x"'
    assert render_json({"y": 1, "x": 2}) == '{"x":2,"y":1}'
    assert render_json([1, 1.0, True, None, [], {}]) == "[1,1.0,true,null,[],{}]"
    assert render_json((1, 2)) == "[1,2]"
    assert render_json({"b": [1e-7, {"d": -1e-5, "c": "e-1"}], "a": 0.5}) == (
        '{"a":0.5,"b":[1e-7,{"c":"e-1","d":-0.00001}]}'
    )
    # strings: short escapes, \u00XX lowercase, everything else literal
    assert render_json('"\\/\b\f\n\r\t\x01\x1f\x7f\u2028é😀') == (
        '"\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\u2028é😀"'
    )
    # keys sort by code point (= UTF-8 byte order)
    assert render_json({"é": 1, "z": 2, "Z": 3, "😀": 4, "\uffff": 5}) == (
        '{"Z":3,"z":2,"é":1,"\uffff":5,"😀":4}'
    )


def test_uniqueness_key_examples() -> None:
    # spec §5.2 / §7.1: {D:J:value}
    assert render_debug_str(uniqueness_key("x")) == '"\\"x\\""'
    assert render_debug_str(uniqueness_key(1)) == '"1"'
    assert render_debug_str(uniqueness_key({"y": 1, "x": 2})) == '"{\\"x\\":2,\\"y\\":1}"'
    keys = {uniqueness_key(v) for v in (1, 1.0, True)}
    assert len(keys) == 3
    assert uniqueness_key({"a": 1, "b": 2}) == uniqueness_key({"b": 2, "a": 1})


@pytest.mark.parametrize(
    ("s", "d"),
    [
        ("\0\t\n\r\"\\'", '"\\0\\t\\n\\r\\"\\\\\'"'),
        ("\x07\x1b\xa0\u200b\u0301", '"\\u{7}\\u{1b}\\u{a0}\\u{200b}\\u{301}"'),
        ("/é😀", '"/é😀"'),
        ("\b\f", '"\\u{8}\\u{c}"'),
        ("plain ascii text", '"plain ascii text"'),
        ("\U000e0041\U0001f600\U0010ffff", '"\\u{e0041}😀\\u{10ffff}"'),
        ("\ud800", '"\\u{d800}"'),  # cannot occur in Rust; escaped like the other Cs
    ],
)
def test_spec_debug_examples(s: str, d: str) -> None:
    assert render_debug_str(s) == d


def test_render_debug_str_matches_rust_all_code_points() -> None:
    # format!("{:?}", s) by rustc 1.95.0 for s = every BMP scalar value plus every
    # astral one divisible by 7, in order; digest of the output plus "\n".
    s = "".join(
        chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and (c <= 0xFFFF or c % 7 == 0)
    )
    out = (render_debug_str(s) + "\n").encode("utf-8")
    assert len(out) == 1516503
    assert hashlib.sha256(out).hexdigest() == (
        "fb583d7b1e25b0d238dd7eb7b085739750ff33b3b9b0a96bf044418d8ac654aa"
    )


def test_render_f64_matches_rust_stream() -> None:
    # format!("{}", v) by rustc 1.95.0 for 30,000 values of a 64-bit LCG: even steps
    # are raw bit patterns, odd steps m / 2**j (short decimals, many exact ties).
    mask = (1 << 64) - 1
    x = 0x243F6A8885A308D3
    out = []
    for i in range(30000):
        x = (x * 6364136223846793005 + 1442695040888963407) & mask
        if i % 2 == 0:
            v = struct.unpack("<d", struct.pack("<Q", x))[0]
        else:
            m = (x >> 4) % (10 ** (1 + (x >> 60) % 17)) + 1
            v = float(m) / (2.0 ** (x & 15))
        out.append(render_f64(v) + "\n")
    assert hashlib.sha256("".join(out).encode()).hexdigest() == (
        "c24b332cca470f1fcecda93799eb0c57decd55d92dfdb3ea9c76ebaae37896be"
    )


def test_debug_table_shipped_unchanged() -> None:
    from contractgate._validation.values import render as _render
    shipped = Path(_render.__file__).parent / "data" / "rust_str_debug_escapes.txt"
    assert shipped.read_bytes() == (DATA / "rust-str-debug-escapes.txt").read_bytes()
    ranges = _render.debug_escape_ranges()
    assert len(ranges) == 909
    assert ranges[0] == (0x1, 0x8)
    assert ranges[-1] == (0x3347A, 0x10FFFF)


# --------------------------------------------------------------------------------------
# Dates (appendix A) beyond the vectors


@pytest.mark.parametrize(
    ("s", "valid"),
    [
        ("2026-02-28", True),
        ("2026-02-29", False),
        ("0000-02-29", True),  # year 0 is a leap year
        ("-0100-02-29", False),  # -100 is not
        ("-0400-02-29", True),
        ("-0004-02-29", True),
        ("2026-04-31", False),
        ("2026-12-31", True),
        ("\u00a02026-\u30002-\u20051", True),
        ("\u001f2026-01-05", False),
        ("2026-01-05\u00a0", False),
        ("2026-01-0x", False),
        ("+" + "0" * 5000 + "1-01-01", True),
        ("+" + "9" * 5000 + "-01-01", False),
        ("2026-01-05\n", False),
        ("٢٠٢٦-01-05", False),
        ("2026-1-", False),
        ("-", False),
    ],
)
def test_dates_extra(s: str, valid: bool) -> None:
    assert is_valid_date(s) is valid


def test_the_four_digit_year_shortcut_agrees_with_the_grammar() -> None:
    """Every month/day text around the valid range, on leap and common years of each
    century rule, plus non-ASCII digits and separators in each place."""
    from contractgate._validation.values.dates import _parse_valid

    years = ["0000", "0004", "0100", "0400", "1900", "2000", "2023", "2024", "9999", "20x6"]
    parts = [f"{n:02d}" for n in range(0, 34)] + ["1", "001", "٠١", "0x", " 1"]
    seen = 0
    for y in years:
        for m in parts:
            for d in parts:
                for s in (f"{y}-{m}-{d}", f"{y}/{m}-{d}", f"{y}-{m}/{d}"):
                    assert is_valid_date(s) is _parse_valid(s), s
                    seen += 1
    assert seen > 40_000


@given(st.text(alphabet="0123456789-+ /٠\u00a0", max_size=12))
def test_date_shortcut_property(s: str) -> None:
    from contractgate._validation.values.dates import _parse_valid

    assert is_valid_date(s) is _parse_valid(s)


# --------------------------------------------------------------------------------------
# Decoding: rejections with serde_json's messages


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "EOF while parsing a value at line 1 column 0"),
        ("   ", "EOF while parsing a value at line 1 column 3"),
        ("x", "expected value at line 1 column 1"),
        ("NaN", "expected value at line 1 column 1"),
        ("Infinity", "expected value at line 1 column 1"),
        ("-Infinity", "invalid number at line 1 column 2"),
        ('{"a": NaN}', "expected value at line 1 column 7"),
        ("01", "invalid number at line 1 column 2"),
        ("-01", "invalid number at line 1 column 3"),
        ("+1", "expected value at line 1 column 1"),
        (".5", "expected value at line 1 column 1"),
        ("1.", "EOF while parsing a value at line 1 column 2"),
        ("[1.]", "invalid number at line 1 column 4"),
        ("1e", "EOF while parsing a value at line 1 column 2"),
        ("1e+x", "invalid number at line 1 column 4"),
        ("-", "EOF while parsing a value at line 1 column 1"),
        ("[1,]", "trailing comma at line 1 column 4"),
        ('{"a":1,}', "trailing comma at line 1 column 8"),
        ("[1 2]", "expected `,` or `]` at line 1 column 4"),
        ('{"a":1 "b":2}', "expected `,` or `}` at line 1 column 8"),
        ('{"a" 1}', "expected `:` at line 1 column 6"),
        ("{1:2}", "key must be a string at line 1 column 2"),
        ("[", "EOF while parsing a list at line 1 column 1"),
        ("{", "EOF while parsing an object at line 1 column 1"),
        ('{"a":', "EOF while parsing a value at line 1 column 5"),
        ('"abc', "EOF while parsing a string at line 1 column 4"),
        ("tru", "EOF while parsing a value at line 1 column 3"),
        ("nulL", "expected ident at line 1 column 4"),
        ("[1]x", "trailing characters at line 1 column 4"),
        ("1 2", "trailing characters at line 1 column 3"),
        ("// c\n1", "expected value at line 1 column 1"),
        ("/* c */ 1", "expected value at line 1 column 1"),
        ("[1,\n  2,\n  ]", "trailing comma at line 3 column 3"),
        (
            '"a\x01"',
            "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3",
        ),
        (
            '"a\nb"',
            "control character (\\u0000-\\u001F) found while parsing a string at line 2 column 0",
        ),
        ('"\\q"', "invalid escape at line 1 column 3"),
        ('"\\u12"', "EOF while parsing a string at line 1 column 6"),
        ('"\\u12x4"', "invalid escape at line 1 column 7"),
        ('"\\ud800"', "unexpected end of hex escape at line 1 column 8"),
        ('"\\ud800x"', "unexpected end of hex escape at line 1 column 8"),
        ('"\\ud800\\n"', "unexpected end of hex escape at line 1 column 9"),
        ('"\\udc00"', "lone leading surrogate in hex escape at line 1 column 7"),
        ('"\\ud800\\u0041"', "lone leading surrogate in hex escape at line 1 column 13"),
        ('{"\\udfff": 1}', "lone leading surrogate in hex escape at line 1 column 8"),
        ("\ufeff{}", "expected value at line 1 column 1"),
        ('"\ud800"', "invalid unicode code point at line 1 column 5"),
        ("1e400", "number out of range at line 1 column 5"),
        ('{"n": [1, 2e309]}', "number out of range at line 1 column 15"),
        ("1" * 400, "number out of range at line 1 column 400"),
        ("1e2147483648", "number out of range at line 1 column 12"),
    ],
)
def test_rejections(text: str, message: str) -> None:
    with pytest.raises(EventDecodeError) as info:
        loads(text)
    err = info.value
    assert str(err) == message
    assert f"{err.code} at line {err.line} column {err.column}" == message
    assert isinstance(err, ContractGateError) and isinstance(err, ValueError)
    with pytest.raises(EventDecodeError) as info2:
        loads(text.encode("utf-8", "surrogatepass"))
    assert str(info2.value) == message


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'"\xff"', "invalid unicode code point at line 1 column 3"),
        (b'{"a\xc3":1}', "invalid unicode code point at line 1 column 5"),
        (b'"\xed\xa0\x80"', "invalid unicode code point at line 1 column 5"),  # CESU surrogate
        (b"\xff", "expected value at line 1 column 1"),
        (b"[1]\xff", "trailing characters at line 1 column 4"),
        (
            b'"\xff\x01"',
            "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3",
        ),
        (b"\xef\xbb\xbf{}", "expected value at line 1 column 1"),
    ],
)
def test_rejections_bytes(raw: bytes, message: str) -> None:
    with pytest.raises(EventDecodeError) as info:
        loads(raw)
    assert str(info.value) == message
    with pytest.raises(EventDecodeError):
        loads(bytearray(raw))


def test_accepted_forms() -> None:
    assert loads(' \t\r\n{"a" : [ 1 , -2.5e-1 , "\\u00e9\\ud83d\\ude00\\/" ] } \n') == {
        "a": [1, -0.25, "é😀/"]
    }
    assert loads(b'"\x7f\xc3\xa9"') == "\x7fé"
    assert loads(bytearray(b"[true,false,null]")) == [True, False, None]
    assert loads(memoryview(b"{}")) == {}
    assert loads('"\\u0000"') == "\0"
    assert loads('"\u2028"') == "\u2028"


def test_duplicate_keys_keep_last() -> None:
    v = loads('{"a": 1, "b": 2, "a": 3}')
    assert v == {"a": 3, "b": 2}
    assert v == _reference_loads(b'{"a": 1, "b": 2, "a": 3}')


def test_loads_rejects_non_text() -> None:
    with pytest.raises(EventTypeError):
        loads(123)  # type: ignore[arg-type]


def test_error_pickles() -> None:
    err = EventDecodeError("expected value", 1, 1)
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == "expected value at line 1 column 1"
    assert (back.line, back.column) == (1, 1)
    terr = EventTypeError("x is a set", path="event.x", python_type="set")
    back2 = pickle.loads(pickle.dumps(terr))
    assert (str(back2), back2.path, back2.python_type) == ("x is a set", "event.x", "set")


# --------------------------------------------------------------------------------------
# Depth: serde_json's recursion limit, never RecursionError


def test_deep_nesting_rejected_not_recursion_error() -> None:
    for text in ("[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 100_000):
        with pytest.raises(EventDecodeError) as info:
            loads(text)
        assert info.value.code == "recursion limit exceeded"
    with pytest.raises(EventDecodeError, match="recursion limit exceeded at line 1 column 128"):
        loads("[" * 128 + "]" * 128)
    with pytest.raises(EventDecodeError, match="recursion limit exceeded at line 1 column 128"):
        loads(b"[" * 100_000)


def test_depth_limit_boundary() -> None:
    ok = loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    depth = 0
    while isinstance(ok, list) and ok:
        ok, depth = ok[0], depth + 1
    assert depth == MAX_DEPTH - 1
    # brackets inside strings do not count; escaped quotes do not end strings
    s = '"]]]]\\"[[[[\\\\"'
    text = "[" * MAX_DEPTH + s + "]" * MAX_DEPTH
    assert loads(text) is not None
    deep = "[" * 128 + s + "]" * 128
    with pytest.raises(EventDecodeError, match="recursion limit exceeded at line 1 column 128"):
        loads(deep)
    # many shallow containers are fine
    wide = json.dumps([{"a": [1, {"b": []}]}] * 5000)
    assert len(loads(wide)) == 5000


def test_huge_inputs() -> None:
    assert loads("9" * 50_000 + "e-50000") == _reference_loads(("9" * 50_000 + "e-50000").encode())
    assert loads('"' + "a" * 1_000_000 + '"') == "a" * 1_000_000
    assert loads("0." + "0" * 100_000 + "1e100000") == 0.1
    with pytest.raises(EventDecodeError):
        loads("1" + "0" * 10_000)


# --------------------------------------------------------------------------------------
# Property tests: loads never raises anything else; fast path == reference parser

_TOKENS = [*'[]{},: \n"\\u0-19.eE+/\x01\ud800\ufeff', "d800", "dc00", "0041", "00", "true"]
_TOKENS += ["false", "null", "nul", "NaN", "Infinity", '"a"', '"é"', '"\\ud83d\\ude00"', "1e400"]
_TOKENS += ["18446744073709551616", "12345678901234567890", "0.1234567890123456789"]
_json_ish = st.lists(st.sampled_from(_TOKENS), max_size=30).map("".join)


def _outcome(fn: Any, arg: Any) -> Any:
    try:
        return ("ok", fn(arg))
    except EventDecodeError as exc:
        return ("err", str(exc))


def _agree(text: str) -> None:
    got = _outcome(loads, text)
    ref = _outcome(_reference_loads, text.encode("utf-8", "surrogatepass"))
    assert got[0] == ref[0]
    if got[0] == "ok":
        assert _same(got[1], ref[1])
    else:
        assert got[1] == ref[1]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_property_random_bytes(raw: bytes) -> None:
    try:
        loads(raw)
    except EventDecodeError:
        pass


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_json_ish, st.text(max_size=80)))
def test_property_json_ish_text(text: str) -> None:
    _agree(text)


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json_values, st.booleans())
def test_property_valid_json(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    _agree(text)
    decoded = loads(text)
    # {J:} text is valid JSON whose float digits round-trip under correct rounding (they
    # are repr's); serde_json itself would not always re-read them bit for bit.
    assert _same(json.loads(render_json(decoded)), decoded, ordered=False)


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(r"-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,40})?([eE][+-]?[0-9]{1,4})?", fullmatch=True)
)
def test_property_number_literals(text: str) -> None:
    _agree(text)
    got = _outcome(loads, text)
    if got[0] == "ok":
        digits = text.lstrip("-").split("e")[0].split("E")[0].replace(".", "").lstrip("0")
        if "." in text or "e" in text.lower():
            assert type(got[1]) is float
            if len(digits) <= 15 and "e" not in text.lower() and len(text) < 17:
                assert got[1] == float(text)


def test_corpus_events_decode() -> None:
    events = [e for case in _CORPUS["cases"] for e in case.get("events") or []]
    with (DATA / "contract-validation-fuzz.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            events.extend(json.loads(line).get("events") or [])
    assert len(events) > 500
    for text in events:
        _agree(text)
        loads(text)


# --------------------------------------------------------------------------------------
# to_event_value


def test_to_event_value_fast_path_identity() -> None:
    ev = {"a": [1, 2.5, "x", None, True, {"b": -(2**63)}], "c": 2**64 - 1}
    assert to_event_value(ev) is ev
    for scalar in ("s", 1, 1.5, None, False):
        assert to_event_value(scalar) is scalar


def test_to_event_value_conversions() -> None:
    import enum

    class Color(enum.IntEnum):
        RED = 1

    class Name(str, enum.Enum):
        BOB = "bob"

    out = to_event_value(
        {
            "t": (1, (2, 3)),
            "big": 2**64,
            "neg": -(2**63) - 1,
            "e": Color.RED,
            "n": Name.BOB,
            "huge": 10**300,
        }
    )
    assert out == {
        "t": [1, [2, 3]],
        "big": 1.8446744073709552e19,
        "neg": -9.223372036854776e18,
        "e": 1,
        "n": "bob",
        "huge": 1e300,
    }
    assert type(out["e"]) is int and type(out["n"]) is str and type(out["big"]) is float
    assert render_json(out["n"]) == '"bob"'
    assert to_event_value(True) is True
    assert json_type_name(to_event_value(2**64)) == "float"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_to_event_value_non_finite(bad: float) -> None:
    with pytest.raises(EventDecodeError) as info:
        to_event_value({"items": [1, 2, bad]})
    assert info.value.path == "event.items[2]"
    assert "event.items[2]" in str(info.value)


def test_to_event_value_out_of_range_int() -> None:
    with pytest.raises(EventDecodeError, match=r"number out of range at event\.x"):
        to_event_value({"x": 10**400})
    with pytest.raises(EventDecodeError, match="number out of range"):
        to_event_value(-(10**5000))


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [
        ({1, 2}, "set"),
        (b"x", "bytes"),
        (datetime.date(2026, 1, 1), "date"),
        (decimal.Decimal("1.5"), "Decimal"),
        (object(), "object"),
        (frozenset(), "frozenset"),
    ],
)
def test_to_event_value_non_json_types(bad: Any, type_name: str) -> None:
    with pytest.raises(EventTypeError) as info:
        to_event_value({"items": [0, 1, bad]})
    err = info.value
    assert isinstance(err, TypeError) and isinstance(err, ContractGateError)
    assert err.path == "event.items[2]"
    assert err.python_type == type_name
    assert "event.items[2]" in str(err) and type_name in str(err)


def test_to_event_value_bad_keys_and_surrogates() -> None:
    with pytest.raises(EventTypeError) as info:
        to_event_value({"a": {1: "x"}})
    assert info.value.path == "event.a" and info.value.python_type == "int"
    with pytest.raises(EventDecodeError):
        to_event_value({"a": "x\ud800"})
    with pytest.raises(EventDecodeError):
        to_event_value({"\udc00": 1})


def test_to_event_value_depth() -> None:
    ok: Any = 1
    for _ in range(MAX_DEPTH):
        ok = [ok]
    assert to_event_value(ok) is ok
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(EventTypeError, match="nests deeper than 127"):
        to_event_value(deep)
    cyclic: List[Any] = []
    cyclic.append(cyclic)
    with pytest.raises(EventTypeError):
        to_event_value(cyclic)
    with pytest.raises(EventTypeError):
        to_event_value([ok])


# --------------------------------------------------------------------------------------
# Types and equality


def test_json_type_name() -> None:
    values: List[Any] = [None, True, 0, 0.0, "", [], (), {}]
    names = "null boolean integer float string array array object".split()
    assert [json_type_name(v) for v in values] == names
    assert json_type_name(loads("-0")) == "float"
    with pytest.raises(EventTypeError):
        json_type_name({1})


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, 1.0, False),
        (0, -0.0, False),
        (0.0, -0.0, True),
        (True, 1, False),
        (False, 0, False),
        (1, 1, True),
        ("a", "a", True),
        ("é", "e\u0301", False),
        (None, None, True),
        (None, 0, False),
        ([1, 2], [1, 2], True),
        ([1, 2], [2, 1], False),
        ([1], (1,), True),
        ([1], [1.0], False),
        ({"a": 1, "b": [True]}, {"b": [True], "a": 1}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ({"a": 1}, {"a": True}, False),
        ({"a": None}, {"b": None}, False),
        ([], {}, False),
        ("1", 1, False),
    ],
)
def test_json_equal(a: Any, b: Any, equal: bool) -> None:
    assert json_equal(a, b) is equal
    assert json_equal(b, a) is equal


def test_f64_of() -> None:
    assert f64_of(9007199254740993) == 9007199254740992.0
    assert f64_of(9007199254740995) == 9007199254740996.0  # ties to even
    assert f64_of(2**64 - 1) == 2.0**64
    assert type(f64_of(3)) is float
    assert f64_of(1.5) == 1.5
