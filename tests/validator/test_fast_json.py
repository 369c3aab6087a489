"""The native JSON fast path (orjson, ``contractgate[fast]``) against the exact decoder.

``loads`` hands a text to orjson only when ``native_agrees`` proves orjson decodes it to
serde_json's value; everything else, and every error, goes to the exact decoder (the
stdlib C decoder with serde_json's number hooks, and the reference parser). The
differential test feeds both adversarial texts: long mantissas, exponents, ``-0``,
integers around the 64-bit limits, duplicate keys, nesting around the 127 limit, escapes,
lone surrogates, invalid UTF-8, truncations and stray bytes. Any difference fails.

Also here: the start-up promises of a hook run (a contract whose patterns are character
runs never imports the regex engine; orjson is imported only after a warm-up) and the
character-run recogniser, checked against the regex engine's own ``char_run``.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, List, Tuple, Union

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractgate import Contract
from contractgate._validation.compiler import simple_run
from contractgate._validation.values import jsondecode
from contractgate.exceptions import EventDecodeError

orjson = pytest.importorskip("orjson")

EXAMPLES = int(os.environ.get("CONTRACTGATE_FAST_JSON_EXAMPLES", "400"))
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(autouse=True)
def native_on() -> Any:
    """Skip the warm-up: every call may take the native path."""
    before = jsondecode._native
    jsondecode.load_native()
    assert jsondecode._native is orjson.loads
    yield
    jsondecode._native = before


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types; floats bit for bit (``-0.0`` is not ``0.0``)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if type(a) is dict:
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def outcome(decode: Callable[[Any], Any], text: Union[str, bytes]) -> Tuple[str, Any]:
    try:
        return ("value", decode(text))
    except EventDecodeError as err:
        return ("error", str(err))


def assert_agree(text: Union[str, bytes]) -> None:
    got = outcome(jsondecode.loads, text)
    want = outcome(jsondecode._exact_loads, text)
    assert got[0] == want[0], (text, got, want)
    if got[0] == "error":
        assert got[1] == want[1], (text, got, want)
    else:
        assert same(got[1], want[1]), (text, got, want)


# -- adversarial texts ---------------------------------------------------------------

_digits = st.text("0123456789", min_size=1, max_size=26)
_numbers = st.one_of(
    st.builds(
        lambda neg, i, f, e: f"{neg}{i.lstrip('0') or '0'}{f}{e}",
        st.sampled_from(["", "-"]),
        _digits,
        st.one_of(st.just(""), _digits.map(lambda d: "." + d)),
        st.one_of(
            st.just(""),
            st.builds(
                lambda e, s, d: f"{e}{s}{d}",
                st.sampled_from("eE"),
                st.sampled_from(["", "+", "-"]),
                st.text("0123456789", min_size=1, max_size=12),
            ),
        ),
    ),
    st.sampled_from(
        [
            "-0", "0", "-0.0", "0.0", "-0e0", "0e999999999999", "1e400", "-1e400", "1e-400",
            "18446744073709551615", "18446744073709551616", "-9223372036854775808",
            "-9223372036854775809", "99999999999999999999", "9007199254740993",
            "0.30000000000000004", "2.2250738585072011e-308", "1.7976931348623157e308",
            "123456789012345.6", "1234567890123456.7", "0.1000000000000000055511151231257827",
            "4.35", "1e22", "1e23", "123456789012345678", "1E5", "1.5e-7",
        ]
    ),
)
_escapes = st.sampled_from(
    [
        "\\n", "\\\"", "\\\\", "\\/", "\\u0041", "\\u00e9", "\\ud83d\\ude00", "\\ud800",
        "\\udc00", "\\ud800\\u0041", "\\uD83D\\uDE00", "\\u0000", "\\x", "\\u12",
    ]
)
_string_bodies = st.lists(
    st.one_of(
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=6).map(
            lambda s: s.replace("\\", "").replace('"', "")
        ),
        _escapes,
        st.sampled_from(["-0", "3e1f", "2026-01-05", "1234567890123456789", ":1e5", ", -0"]),
    ),
    max_size=4,
).map(lambda parts: '"' + "".join(parts) + '"')
_scalars = st.one_of(_numbers, _string_bodies, st.sampled_from(["true", "false", "null"]))
_ws = st.sampled_from(["", " ", "\n", "\t", "\r\n  "])


def _array(items: List[str]) -> str:
    return "[" + ",".join(items) + "]"


def _object(pairs: List[Tuple[str, str]]) -> str:
    return "{" + ",".join(f"{k}:{v}" for k, v in pairs) + "}"


_keys = st.one_of(_string_bodies, st.sampled_from(['"a"', '"b"', '"a"']))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(_array),
        st.lists(st.tuples(_keys, inner), max_size=4).map(_object),
        st.builds(lambda w1, v, w2: w1 + v + w2, _ws, inner, _ws),
    ),
    max_leaves=12,
)


def _nested(depth: int, inner: str, kind: str) -> str:
    if kind == "[":
        return "[" * depth + inner + "]" * depth
    return '{"k":' * depth + inner + "}" * depth


_deep = st.builds(
    _nested, st.integers(120, 135), _scalars, st.sampled_from(["[", "{"])
)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    """A text as bytes, sometimes damaged: a byte replaced, inserted or dropped
    (invalid UTF-8 included), or the text cut short."""
    text = draw(st.one_of(_values, _deep)).encode("utf-8", "surrogatepass")
    how = draw(st.sampled_from(["keep", "keep", "replace", "insert", "drop", "cut"]))
    if not text or how == "keep":
        return text
    i = draw(st.integers(0, len(text) - 1))
    junk = draw(st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xc0\xaf", b"\x00", b",", b"]",
                                 b"}", b"-", b"e", b".", b"0", b'"', b"\\", b" "]))
    if how == "replace":
        return text[:i] + junk + text[i + 1 :]
    if how == "insert":
        return text[:i] + junk + text[i:]
    if how == "drop":
        return text[:i] + text[i + 1 :]
    return text[:i]


_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 400,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_SETTINGS
@given(_mutated())
def test_bytes_decode_like_the_exact_decoder(text: bytes) -> None:
    assert_agree(text)


@_SETTINGS
@given(st.one_of(_values, _deep))
def test_str_decode_like_the_exact_decoder(text: str) -> None:
    assert_agree(text)
    if "\\" not in text:
        assert_agree(text.replace('"', '"\\ud800'))  # a lone surrogate character


# -- the guard --------------------------------------------------------------------------

_RISKY = [
    b'{"a":-0}', b'[-0 ]', b"-0", b'{"a":1e5}', b'[1E-5]', b'{"a":0.1234567890123456}',
    b'{"a":18446744073709551616}', b'[12345678901234567890]', b'{"a":-0e0}',
    b'[' * 128 + b']' * 128, b'{"a":' * 128 + b"1" + b"}" * 128,
]
_SAFE = [
    b'{"a":-0.5}', b'{"day":"2026-01-05","id":"3e1f0000000000000000"}', b'[1.5,-2,0]',
    b'{"ts":1712000000000000000}', b'{"a":12345678901234.5}', b'{"s":"-0 1e5"}',
    b'[' * 127 + b']' * 127, b'{"s":"\\" 1e5 \\\\"}',
]


@pytest.mark.parametrize("text", _RISKY)
def test_risky_texts_take_the_exact_decoder(text: bytes) -> None:
    assert not jsondecode.native_agrees(text)
    assert_agree(text)


@pytest.mark.parametrize("text", _SAFE)
def test_safe_texts_take_the_native_decoder(text: bytes) -> None:
    assert jsondecode.native_agrees(text)
    assert_agree(text)


def test_validate_json_answers_as_before() -> None:
    compiled = Contract.from_file(
        Path(__file__).resolve().parents[2] / "contracts" / "user_events" / "1.1.0.yaml"
    ).compile()
    texts = [
        b'{"user_id":"ab_1","event_type":"login","timestamp":1712000000,"amount":4.5}',
        b'{"user_id":"Bad!","event_type":"refund","timestamp":-0,"amount":-1e-400}',
        b'{"user_id":"a","event_type":"click","timestamp":18446744073709551616}',
        b'{"user_id":"a","user_id":"B","event_type":"click","timestamp":1,"amount":-0.0}',
        '{"user_id":"é","event_type":"click","timestamp":1}',
    ]
    for text in texts:
        assert compiled.validate_json(text) == compiled.validate(jsondecode._exact_loads(text))


# -- start-up of a hook run ---------------------------------------------------------------


def _run(code: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()


def test_character_run_patterns_do_not_import_the_regex_engine() -> None:
    code = (
        "import sys\n"
        "from contractgate import Contract\n"
        "c = Contract.from_yaml('''version: '1'\\nname: n\\nontology:\\n  entities:\\n"
        "    - {name: a, type: string, required: true, pattern: '^[a-z0-9_]+$'}\\n"
        "    - {name: b, type: string, required: false, pattern: '^[A-Z]{2,3}$'}\\n''').compile()\n"
        "r = c.validate({'a': 'Bad', 'b': 'x'})\n"
        "print([v.kind for v in r.violations], 'contractgate._validation.regex' in sys.modules, "
        "'orjson' in sys.modules, c.validate_json('{\"a\": \"ok\"}').passed)\n"
        "print(sorted(c.patterns), c.patterns['a'].is_match('ok_1'), "
        "'contractgate._validation.regex' in sys.modules)\n"
    )
    first, second = _run(code).splitlines()
    assert first == "['pattern_mismatch', 'pattern_mismatch'] False False True"
    assert second == "['a', 'b'] True True"


def test_orjson_is_imported_after_the_warm_up() -> None:
    code = (
        "import sys\n"
        "from contractgate.validator import decode_event\n"
        "text = '{\"k\": [' + ','.join(['1.5'] * 1000) + ']}'\n"
        "seen = []\n"
        "for _ in range(30):\n"
        "    decode_event(text)\n"
        "    seen.append('orjson' in sys.modules)\n"
        "print(seen.index(True))\n"
    )
    assert 10 <= int(_run(code)) <= 30


# -- the character-run recogniser -----------------------------------------------------------

_class_items = st.lists(
    st.one_of(
        st.sampled_from(list("abcxyzAZ09_QM5")),
        st.tuples(st.sampled_from("aAm0z9Z"), st.sampled_from("zZa9m0A")).map("-".join),
    ),
    min_size=1,
    max_size=4,
).map("".join)
_quantifiers = st.sampled_from(
    ["+", "*", "{2}", "{0}", "{0,0}", "{0,3}", "{3,1}", "{1,}", "{07}", "{999}", "{12,999}", "?"]
)
_patterns = st.one_of(
    st.builds(lambda c, q: f"^[{c}]{q}$", _class_items, _quantifiers),
    st.builds(lambda c, q: f"[{c}]{q}$", _class_items, _quantifiers),
    st.builds(lambda c, q: f"^[{c}]{q}$\n", _class_items, _quantifiers),
    st.builds(lambda c, q: f"^[^{c}]{q}$", _class_items, _quantifiers),
)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 400)
@given(_patterns)
def test_simple_run_is_the_engines_char_run(pattern: str) -> None:
    from contractgate._validation.regex import RegexCompileError, char_run, compile_pattern

    mine = simple_run(pattern)
    if mine is None:
        return
    try:
        theirs = char_run(compile_pattern(pattern))
    except RegexCompileError:  # pragma: no cover - a bug in simple_run
        theirs = None
    assert mine == theirs, pattern
