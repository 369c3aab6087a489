# ruff: noqa: E501
"""Huge patterns: any shape up to the contract compiler's 1 MiB cap gets the crate's
answer in bounded time and memory, from the one Rust-faithful parser.

Hangs and memory, not speed, are what these catch (children run under an
address-space limit; the timeouts are generous); docs/design/regex.md has the
measured time and memory of each shape.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any, List, Tuple

import pytest
from regex_testlib import SRC, digest

_HUGE_SCRIPT = """
import resource, sys
try:
    resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
except (ValueError, OSError):
    pass
from contractgate._validation.regex import RegexCompileError, compile_pattern
MB = 1 << 20
kind = sys.argv[1]
p = {
    "literal10": "a" * (10 * MB),
    "xmode10": "(?x)a" + (" " * 60 + "# a comment\\n") * (10 * MB // 72) + "b",
    "error1": "a" * MB + "(",
}[kind]
try:
    m = compile_pattern(p)
    print("OK", m.is_match("ab"))
except RegexCompileError as err:
    text = str(err)
    if kind == "error1":
        exp = "regex parse error:\\n    " + p + "\\n    " + " " * (len(p) - 1) + "^\\nerror: unclosed group"
        print("SAME" if text == exp else "DIFFERENT")
    else:
        print(text)
"""


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("literal10", "Compiled regex exceeds size limit of 10485760 bytes."),
        ("xmode10", "OK True"),  # whitespace and comments compile to nothing
        ("error1", "SAME"),
    ],
)
def test_huge_patterns_answer_promptly(kind: str, expected: str) -> None:
    # Runs of plain characters and x-mode whitespace are read in bulk: well under
    # a second; the timeout is generous on purpose (slow CI machines).
    out = subprocess.run(
        [sys.executable, "-c", _HUGE_SCRIPT, kind],
        capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == expected


# Each shape: 1 MiB, compiled in a child process under a memory limit; the
# outcome is the crate's.  Hangs, not speed, are what this catches.
_MIB = 1 << 20
_HUGE_SHAPES: List[Tuple[str, str, str]] = [
    ("class", "'[' + 'ab' * (N // 2) + ']'", "ok"),
    ("classrange", "'[' + 'a-z' * (N // 3) + ']'", "ok"),
    ("posix", "'[' + '[:alpha:]a-z\\\\d' * (N // 14) + ']'", "ok"),
    ("classerr", "'[' + 'ab' * (N // 4) + 'z-a' + 'ab' * (N // 4) + ']'", "invalid character class range"),
    ("nestcls", "'[' + '[a][b]' * (N // 6) + ']'", "ok"),
    ("flags", "'(?i)a(?-i)b' * (N // 11)", "size limit"),
    ("flagset", "'(?i)' * (N // 4)", "ok"),
    ("named_distinct", "''.join(f'(?P<n{i}>a)' for i in range(N // 14))", "ok"),
    ("deep", "'(' * (N // 2) + ')' * (N // 2)", "nested parentheses"),
    ("deep_nc", "'(?:' * (N // 6) + ')' * (N // 6)", "nested parentheses"),
    ("unclosed", "'(' * N", "unclosed group"),
    ("xspace", "'(?x)' + '[ a ]' * (N // 5)", "ok"),
    ("xgroup", "'(?x)' + '( a )' * (N // 5)", "size limit"),
    ("altlit", "'ab|' * (N // 3) + 'ab'", "ok"),
    ("setop", "'[a&&b]' * (N // 6)", "size limit"),
]


@pytest.mark.parametrize("expr, expected", [c[1:] for c in _HUGE_SHAPES], ids=[c[0] for c in _HUGE_SHAPES])
def test_one_mib_patterns_of_each_shape(expr: str, expected: str) -> None:
    code = (
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from contractgate._validation.regex import compile_pattern, RegexCompileError\n"
        f"N = {_MIB}\n"
        f"p = {expr}\n"
        "assert len(p.encode()) <= N + 16\n"
        "try:\n"
        "    compile_pattern(p)\n"
        "    print('ok')\n"
        "except RegexCompileError as e:\n"
        "    print(str(e).splitlines()[-1])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert expected in out.stdout.strip()


# Mid-sized patterns of the huge shapes (issue #7 (a)).  The expected digests --
# error text, message and span for errors (parse, translation, nest limit, size
# limit), the HIR for the others -- were recorded with the Rust-faithful
# one-item-at-a-time parser; the shortcuts (literal runs, ``[c]``, shared
# translations, size pricing of shared nodes) must not change any of them.
_MID_CASES: List[Tuple[str, Any, str]] = [
    ("dot-10485", lambda: "." * 10485, "ok 41c4904a1f0583f3"),
    ("dot-10486", lambda: "." * 10486, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("ik-44430", lambda: "(?i)" + "k" * 44430, "ok 99bac6506b2f314f"),
    ("ik-44431", lambda: "(?i)" + "k" * 44431, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("w-600", lambda: "\\w" * 600, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("d-3000", lambda: "\\d" * 3000, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("pL-400", lambda: "\\pL" * 400, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("walt-10000", lambda: "\\w|" * 10000, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("cap-20000", lambda: "(a)" * 20000, "ok 7e1da436f80b2c20"),
    ("opt-150000", lambda: "a?" * 150000, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("cls-360000", lambda: "[a]" * 360000, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("esc-340000", lambda: "\\." * 340000, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("x41-340000", lambda: "\\x41" * 340000, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("u41-340000", lambda: "\\u{41}" * 340000, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("alt-400000", lambda: "a|" * 400000, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("cls-3000", lambda: "[a]" * 3000, "ok d5af442e779c9cc0"),
    ("cap-3000", lambda: "(a)" * 3000, "ok bce7e20a7e04070b"),
    ("opt-3000", lambda: "a?" * 3000, "ok 7463c66873a50a01"),
    ("alt-3000-a", lambda: "a|" * 3000 + "a", "ok f2f2701e76460d23"),
    ("alt-3000", lambda: "a|" * 3000, "ok 38c5598882ea845a"),
    ("lift-2000", lambda: "\\da|" * 2000 + "\\db", "ok 453eb42d6710cae3"),
    ("ilit-2000", lambda: "(?i)" + "abc" * 2000, "ok a0d90c1eb92dd3e6"),
    ("grp-2000", lambda: "(?:ab|cd)" * 2000, "ok 1536c5d60166fd28"),
    ("mixalt-2000", lambda: ".\\x41\\w|" * 2000, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("x41-5000", lambda: "\\x41" * 5000, "ok 8cb4e135fcbe36c1"),
    ("u41-5000", lambda: "\\u{41}" * 5000, "ok 8cb4e135fcbe36c1"),
    ("esc-5000", lambda: "\\." * 5000, "ok 01d5138320cd0656"),
    ("mix-1500", lambda: "a[b]\\.\\d(c)d?e|.\\x41\\w" * 300, "err ebb1ea3610473c6f Compiled regex exceeds size limit of 10485760 bytes. None"),
    ("caps-alt-2000", lambda: "(a)b|" * 2000 + "(a)c", "ok b8170ab2c12ee2c8"),
    ("dots-lines", lambda: ("[a]\n" * 3000) + "x", "ok 6dee0a54fe0187c1"),
    ("d-Q", lambda: "\\d" * 5000 + "\\Q", "err 142c60f5a2d0fad9 unrecognized escape sequence ((10000, 1, 10001), (10002, 1, 10003))"),
    ("cls-range", lambda: "[a]" * 5000 + "[z-a]", "err 73536c99e2f9d9d2 invalid character class range, the start must be <= the end ((15001, 1, 15002), (15004, 1, 15005))"),
    ("cap-open", lambda: "(a)" * 5000 + "(", "err 8d5c9c8138c30589 unclosed group ((15000, 1, 15001), (15001, 1, 15002))"),
    ("alt-close", lambda: "a|" * 5000 + ")", "err 5e04f4f4fed6ebd6 unopened group ((10000, 1, 10001), (10001, 1, 10002))"),
    ("x41-big", lambda: "\\x41" * 5000 + "\\x{110000}", "err d598fe85c4e9e25c hexadecimal literal is not a Unicode scalar value ((20003, 1, 20004), (20009, 1, 20010))"),
    ("opt-rep", lambda: "a?" * 5000 + "??*", "ok 68abfb0bb7e2e62e"),
    ("dot-brace", lambda: "." * 5000 + "{", "err e02fade503ecd16b unclosed counted repetition ((5000, 1, 5001), (5001, 1, 5002))"),
    ("pL-open", lambda: "\\pL" * 3000 + "\\p{", "err 64a31197edfc5a14 incomplete escape sequence, reached end of pattern prematurely ((9003, 1, 9004), (9003, 1, 9004))"),
    ("b-word", lambda: "\\b" * 3000 + "\\b{foo}", "err e82d5087019e89e4 unrecognized special word boundary assertion, valid choices are: start, end, start-half or end-half ((6003, 1, 6004), (6006, 1, 6007))"),
    ("count-bad", lambda: "a{2}" * 3000 + "a{3,2}", "err da4e08de6c0e5102 invalid repetition count range, the start must be <= the end ((12001, 1, 12002), (12006, 1, 12007))"),
    ("lines-Q", lambda: ("a\n" * 2000) + "\\Q", "err d3992b80f0d1a137 unrecognized escape sequence ((4000, 2001, 1), (4002, 2001, 3))"),
    ("lines-cls", lambda: ("[a]\n" * 3000) + "(", "err 2bcae1d2b79140a4 unclosed group ((12000, 3001, 1), (12001, 3001, 2))"),
    ("mid-Q", lambda: "\\d" * 3000 + "\\Q" + "\\d" * 3000, "err 6e0dcade3b1de1dd unrecognized escape sequence ((6000, 1, 6001), (6002, 1, 6003))"),
    ("nou-dot", lambda: "(?-u)" + "\\d" * 3000 + ".", "err 88bdc0ffcdee531d pattern can match invalid UTF-8 ((6005, 1, 6006), (6006, 1, 6007))"),
    ("nou-xff", lambda: "(?-u)" + "a" * 3000 + "\\xFF" + "a" * 10, "err 03b51e04c716d417 pattern can match invalid UTF-8 ((3005, 1, 3006), (3009, 1, 3010))"),
    ("bogus-prop", lambda: "\\pL" * 3000 + "\\p{Bogus}", "err bab95f90f6580bab Unicode property not found ((9000, 1, 9001), (9009, 1, 9010))"),
    ("nou-neg", lambda: "(?-u:" + "[a]" * 3000 + "[^a])", "err a997d1a937534d4c pattern can match invalid UTF-8 ((9005, 1, 9006), (9009, 1, 9010))"),
    ("nou-pL", lambda: "(?-u)" + "\\pL" * 500, "err 3276e392bdce535d Unicode not allowed here ((5, 1, 6), (8, 1, 9))"),
    ("nou-alt-dot", lambda: "(?-u)" + "a|" * 3000 + ".", "err 25746b077f5f3889 pattern can match invalid UTF-8 ((6005, 1, 6006), (6006, 1, 6007))"),
    ("nou-alt-tok", lambda: "(?-u)" + "a|\\d|" * 3000 + "(?:x|\\W)", "err b7154847f9394605 pattern can match invalid UTF-8 ((15010, 1, 15011), (15012, 1, 15013))"),
    ("nest-grp", lambda: "(" * 248 + "(?:a)" * 1000 + ")" * 248, "ok 10e484f67ac6e1e1"),
    ("nest-run", lambda: "(" * 247 + "\\d" * 1000 + ")" * 247, "ok 5478d69a8e17aa66"),
    ("nest-alt", lambda: "(?:" * 124 + "a|" * 1000 + ")" * 124, "ok 1c9e6c1e958f327c"),
    ("nest-deep-alt", lambda: "(?:" * 248 + "a|(?:b)*|" * 500 + ")" * 248, "err b68537c4aed6f9a5 exceed the maximum number of nested parentheses/brackets (250) ((746, 1, 747), (751, 1, 752))"),
    ("nest-ok", lambda: "(" * 100 + "(?:a)" * 1000 + ")" * 100, "ok a26d0b713ae68f8a"),
    ("nest-run-grp", lambda: "(" * 249 + "(?:a)" * 1000 + ")" * 249, "err 3d953302cb01a5e6 exceed the maximum number of nested parentheses/brackets (250) ((249, 1, 250), (254, 1, 255))"),
    ("nest-run-rep", lambda: "(" * 249 + "\\d+" * 1000 + ")" * 249, "err d372c2cdecd98252 exceed the maximum number of nested parentheses/brackets (250) ((249, 1, 250), (252, 1, 253))"),
    ("nest-branch", lambda: "(?:" * 249 + "ab|" * 1000 + ")" * 249, "err 83e3feb857764163 exceed the maximum number of nested parentheses/brackets (250) ((747, 1, 748), (749, 1, 750))"),
    ("nest-branch-single", lambda: "(?:" * 249 + "a|" * 1000 + ")" * 249, "ok 1c9e6c1e958f327c"),
    ("nest-branch-late", lambda: "(?:" * 248 + "a|" * 1000 + "(?:b)*|" * 10 + ")" * 248, "err 6ea12f56d0c7c119 exceed the maximum number of nested parentheses/brackets (250) ((2744, 1, 2745), (2749, 1, 2750))"),
    ("nest-run-late", lambda: "(" * 249 + "a" * 2000 + "\\d" * 10 + "(?:a)" + ")" * 249, "err c69eff3856a0893a exceed the maximum number of nested parentheses/brackets (250) ((2269, 1, 2270), (2274, 1, 2275))"),
    ("nest-branch-late2", lambda: "(?:" * 249 + "a|" * 1000 + "ab|" * 10 + ")" * 249, "err 7ee7a332a824d8fe exceed the maximum number of nested parentheses/brackets (250) ((2747, 1, 2748), (2749, 1, 2750))"),
    ("lines-nou-dot", lambda: "(?-u)" + "a\n" * 2000 + ".", "err 859c406808aab243 pattern can match invalid UTF-8 ((4005, 2001, 1), (4006, 2001, 2))"),
    ("crlf-lines-err", lambda: "\\d\r\n" * 1500 + "[z-a]", "err 59d2e053c56f4ef6 invalid character class range, the start must be <= the end ((6001, 1501, 2), (6004, 1501, 5))"),
]


@pytest.mark.parametrize("builder, expected", [c[1:] for c in _MID_CASES], ids=[c[0] for c in _MID_CASES])
def test_mid_sized_patterns_keep_their_recorded_outcome(builder: Any, expected: str) -> None:
    assert digest(builder()) == expected
