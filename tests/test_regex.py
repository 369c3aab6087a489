# ruff: noqa: E501
"""Tests for ``contractgate._validation.regex``: Rust ``regex`` 1.13 dialect, errors and speed.

The expected values in ``ERROR_CASES`` and ``MATCH_CASES`` were produced by the
Rust crate itself (regex 1.13.1 / regex-syntax 0.8.11, through pydantic-core's
``str`` pattern validator), see docs/design/regex.md.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractgate._validation.regex import (
    CompiledRegex,
    RegexCompileError,
    compile_pattern,
    is_match_fn,
)
from contractgate._validation.regex import ast as A
from contractgate._validation.regex import hir as H
from contractgate._validation.regex import nfa as _nfa
from contractgate._validation.regex import safety as _safety
from contractgate._validation.regex import size as _size
from contractgate._validation.regex.parser import parse

DATA = Path(__file__).parent / "data"


def _data_file(name: str) -> Path:
    return DATA / name  # the engine's corpora, copied unchanged (tests/test_parity.py)


def _display(pattern: str) -> Optional[str]:
    try:
        compile_pattern(pattern)
    except RegexCompileError as exc:
        assert str(exc) == exc.display
        return exc.display
    return None


def _all_answers(m: CompiledRegex, s: str) -> Tuple[bool, ...]:
    """Every engine's answer; the full ``re`` pattern only where it is known to be fast."""
    answers = [m.is_match(s), bool(is_match_fn(m)(s)), m.dfa_is_match(s)]
    if m.engine == "re" or len(s) <= 12:
        answers.append(m.backtracking_is_match(s))
    a = m.ascii_is_match(s)
    if a is not None:
        answers.append(a)
    return tuple(answers)


ERROR_CASES = [
    ('(?', 'regex parse error:\n    (?\n    ^\nerror: unclosed group'),
    ('(?P<', 'regex parse error:\n    (?P<\n        ^\nerror: unclosed capture group name'),
    ('(?P<a', 'regex parse error:\n    (?P<a\n         ^\nerror: unclosed capture group name'),
    ('(?P<a>', 'regex parse error:\n    (?P<a>\n    ^\nerror: unclosed group'),
    ('(?P<>a)', 'regex parse error:\n    (?P<>a)\n        ^\nerror: empty capture group name'),
    ('(?<a', 'regex parse error:\n    (?<a\n        ^\nerror: unclosed capture group name'),
    ('(?<a>b', 'regex parse error:\n    (?<a>b\n    ^\nerror: unclosed group'),
    ('(?i-i)', 'regex parse error:\n    (?i-i)\n      ^ ^\nerror: duplicate flag'),
    ('(?ii)', 'regex parse error:\n    (?ii)\n      ^^\nerror: duplicate flag'),
    ('(?--i)', 'regex parse error:\n    (?--i)\n      ^^\nerror: flag negation operator repeated'),
    ('(?i-)', 'regex parse error:\n    (?i-)\n       ^\nerror: dangling flag negation operator'),
    ('(?-)', 'regex parse error:\n    (?-)\n      ^\nerror: dangling flag negation operator'),
    ('(?i-:a)', 'regex parse error:\n    (?i-:a)\n       ^\nerror: dangling flag negation operator'),
    ('(?)', 'regex parse error:\n    (?)\n     ^\nerror: repetition operator missing expression'),
    ('()', None),
    ('(|)', None),
    ('(?:)', None),
    ('a\n(', 'regex parse error:\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n1: a\n2: (\n   ^\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nerror: unclosed group'),
    ('(\n', 'regex parse error:\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n1: (\n   ^\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nerror: unclosed group'),
    ('\n(', 'regex parse error:\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n1: \n2: (\n   ^\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nerror: unclosed group'),
    ('a\r\n(', 'regex parse error:\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n1: a\n2: (\n   ^\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nerror: unclosed group'),
    ('ab\ncd\n(?z)', 'regex parse error:\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n1: ab\n2: cd\n3: (?z)\n     ^\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nerror: unrecognized flag'),
    ('(?x)\n  a{\n', 'regex parse error:\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n1: (?x)\n2:   a{\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\non line 2 (column 4) through line 3 (column 0)\nerror: unclosed counted repetition'),
    ('(?x)[a \n', 'regex parse error:\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n1: (?x)[a \n       ^\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nerror: unclosed character class'),
    ('[\n', 'regex parse error:\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n1: [\n   ^\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nerror: unclosed character class'),
    ('a\n\n\n\n\n\n\n\n\n\n(', 'regex parse error:\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n 1: a\n 2: \n 3: \n 4: \n 5: \n 6: \n 7: \n 8: \n 9: \n10: \n11: (\n    ^\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nerror: unclosed group'),
    ('x{', 'regex parse error:\n    x{\n     ^\nerror: unclosed counted repetition'),
    ('x{1', 'regex parse error:\n    x{1\n     ^^\nerror: unclosed counted repetition'),
    ('x{1,', 'regex parse error:\n    x{1,\n     ^^^\nerror: unclosed counted repetition'),
    ('x{1,2', 'regex parse error:\n    x{1,2\n     ^^^^\nerror: unclosed counted repetition'),
    ('x{a}', 'regex parse error:\n    x{a}\n      ^\nerror: repetition quantifier expects a valid decimal'),
    ('x{1a}', 'regex parse error:\n    x{1a}\n     ^^\nerror: unclosed counted repetition'),
    ('x{ 1 }', None),
    ('x{1, }', 'regex parse error:\n    x{1, }\n         ^\nerror: repetition quantifier expects a valid decimal'),
    ('x{99999999999}', 'regex parse error:\n    x{99999999999}\n      ^^^^^^^^^^^\nerror: decimal literal invalid'),
    ('x{4294967295}', 'Compiled regex exceeds size limit of 10485760 bytes.'),
    ('x{4294967296}', 'regex parse error:\n    x{4294967296}\n      ^^^^^^^^^^\nerror: decimal literal invalid'),
    ('\\b{', 'regex parse error:\n    \\b{\n    ^^^\nerror: found either the beginning of a special word boundary or a bounded repetition on a \\b with an opening brace, but no closing brace'),
    ('\\b{s', 'regex parse error:\n    \\b{s\n      ^^\nerror: special word boundary assertion is either unclosed or contains an invalid character'),
    ('\\b{start', 'regex parse error:\n    \\b{start\n      ^^^^^^\nerror: special word boundary assertion is either unclosed or contains an invalid character'),
    ('\\b{sta rt}', 'regex parse error:\n    \\b{sta rt}\n      ^^^^\nerror: special word boundary assertion is either unclosed or contains an invalid character'),
    ('(?x)\\b{sta rt}', None),
    ('\\b{3}', None),
    ('\\b{ 3}', None),
    ('\\b{-}', 'regex parse error:\n    \\b{-}\n       ^\nerror: unrecognized special word boundary assertion, valid choices are: start, end, start-half or end-half'),
    ('\\b{a1}', 'regex parse error:\n    \\b{a1}\n      ^^\nerror: special word boundary assertion is either unclosed or contains an invalid character'),
    ('\\b{start}*', None),
    ('[', 'regex parse error:\n    [\n    ^\nerror: unclosed character class'),
    ('[]', 'regex parse error:\n    []\n    ^^\nerror: unclosed character class'),
    ('[^]', 'regex parse error:\n    [^]\n    ^^^\nerror: unclosed character class'),
    ('[^', 'regex parse error:\n    [^\n    ^^\nerror: unclosed character class'),
    ('[-', 'regex parse error:\n    [-\n    ^\nerror: unclosed character class'),
    ('[--', 'regex parse error:\n    [--\n    ^\nerror: unclosed character class'),
    ('[a--', 'regex parse error:\n    [a--\n    ^\nerror: unclosed character class'),
    ('[a&&', 'regex parse error:\n    [a&&\n    ^\nerror: unclosed character class'),
    ('[a&&]', None),
    ('[&&a]', None),
    ('[a-]', None),
    ('[-a]', None),
    ('[a-b-c]', None),
    ('[]a]', None),
    ('[^]a]', None),
    ('[[:alpha:]', 'regex parse error:\n    [[:alpha:]\n    ^\nerror: unclosed character class'),
    ('[[:alpha:', 'regex parse error:\n    [[:alpha:\n     ^\nerror: unclosed character class'),
    ('[[:foo:]]', None),
    ('[[:^alpha:]]', None),
    ('[[:alpha]]', None),
    ('[a-\\d]', 'regex parse error:\n    [a-\\d]\n       ^^\nerror: invalid range boundary, must be a literal'),
    ('[\\d-a]', 'regex parse error:\n    [\\d-a]\n     ^^\nerror: invalid range boundary, must be a literal'),
    ('[\\A]', 'regex parse error:\n    [\\A]\n     ^^\nerror: invalid escape sequence found in character class'),
    ('[\\b]', 'regex parse error:\n    [\\b]\n     ^^\nerror: invalid escape sequence found in character class'),
    ('[\\<]', 'regex parse error:\n    [\\<]\n     ^^\nerror: invalid escape sequence found in character class'),
    ('[.-a]', None),
    ('[\\x{10FFFF}-\\x{0}]', 'regex parse error:\n    [\\x{10FFFF}-\\x{0}]\n     ^^^^^^^^^^^^^^^^\nerror: invalid character class range, the start must be <= the end'),
    ('[\\pL-z]', 'regex parse error:\n    [\\pL-z]\n     ^^^\nerror: invalid range boundary, must be a literal'),
    ('[a-\\pL]', 'regex parse error:\n    [a-\\pL]\n       ^^^\nerror: invalid range boundary, must be a literal'),
    ('[\\p{Greek}&&\\p{Lu}]', None),
    ('\\x', 'regex parse error:\n    \\x\n      ^\nerror: incomplete escape sequence, reached end of pattern prematurely'),
    ('\\x1', 'regex parse error:\n    \\x1\n       ^\nerror: incomplete escape sequence, reached end of pattern prematurely'),
    ('\\x1g', 'regex parse error:\n    \\x1g\n       ^\nerror: invalid hexadecimal digit'),
    ('\\xg', 'regex parse error:\n    \\xg\n      ^\nerror: invalid hexadecimal digit'),
    ('\\x{', 'regex parse error:\n    \\x{\n      ^\nerror: incomplete escape sequence, reached end of pattern prematurely'),
    ('\\x{1', 'regex parse error:\n    \\x{1\n      ^^\nerror: incomplete escape sequence, reached end of pattern prematurely'),
    ('\\x{g}', 'regex parse error:\n    \\x{g}\n       ^\nerror: invalid hexadecimal digit'),
    ('\\x{}', 'regex parse error:\n    \\x{}\n      ^^\nerror: hexadecimal literal empty'),
    ('\\x{110000}', 'regex parse error:\n    \\x{110000}\n       ^^^^^^\nerror: hexadecimal literal is not a Unicode scalar value'),
    ('\\x{D800}', 'regex parse error:\n    \\x{D800}\n       ^^^^\nerror: hexadecimal literal is not a Unicode scalar value'),
    ('\\u12', 'regex parse error:\n    \\u12\n        ^\nerror: incomplete escape sequence, reached end of pattern prematurely'),
    ('\\u{', 'regex parse error:\n    \\u{\n      ^\nerror: incomplete escape sequence, reached end of pattern prematurely'),
    ('\\U1234567', 'regex parse error:\n    \\U1234567\n             ^\nerror: incomplete escape sequence, reached end of pattern prematurely'),
    ('\\U00110000', 'regex parse error:\n    \\U00110000\n      ^^^^^^^^\nerror: hexadecimal literal is not a Unicode scalar value'),
    ('\\x{ 41 }', 'regex parse error:\n    \\x{ 41 }\n       ^\nerror: invalid hexadecimal digit'),
    ('(?x)\\x{ 41 }', None),
    ('(?x)\\x 41', None),
    ('\\p', 'regex parse error:\n    \\p\n      ^\nerror: incomplete escape sequence, reached end of pattern prematurely'),
    ('\\p{', 'regex parse error:\n    \\p{\n       ^\nerror: incomplete escape sequence, reached end of pattern prematurely'),
    ('\\p{L', 'regex parse error:\n    \\p{L\n        ^\nerror: incomplete escape sequence, reached end of pattern prematurely'),
    ('\\p\\', 'regex parse error:\n    \\p\\\n      ^\nerror: invalid Unicode character class'),
    ('\\P{}', 'regex parse error:\n    \\P{}\n    ^^^^\nerror: Unicode property not found'),
    ('\\p{}', 'regex parse error:\n    \\p{}\n    ^^^^\nerror: Unicode property not found'),
    ('\\p{=}', 'regex parse error:\n    \\p{=}\n    ^^^^^\nerror: Unicode property not found'),
    ('\\p{sc=}', 'regex parse error:\n    \\p{sc=}\n    ^^^^^^^\nerror: Unicode property value not found'),
    ('\\p{=Greek}', 'regex parse error:\n    \\p{=Greek}\n    ^^^^^^^^^^\nerror: Unicode property not found'),
    ('\\p{Greek=}', 'regex parse error:\n    \\p{Greek=}\n    ^^^^^^^^^^\nerror: Unicode property not found'),
    ('\\p{gc:L}', None),
    ('\\p{gc!=L}', None),
    ('\\p{Block=Basic_Latin}', 'regex parse error:\n    \\p{Block=Basic_Latin}\n    ^^^^^^^^^^^^^^^^^^^^^\nerror: Unicode property value not found'),
    ('\\p{ISC}', 'regex parse error:\n    \\p{ISC}\n    ^^^^^^^\nerror: Unicode property not found'),
    ('\\p{isc}', 'regex parse error:\n    \\p{isc}\n    ^^^^^^^\nerror: Unicode property not found'),
    ('\\p{IsC}', 'regex parse error:\n    \\p{IsC}\n    ^^^^^^^\nerror: Unicode property not found'),
    ('\\p{Cs}', 'regex parse error:\n    \\p{Cs}\n    ^^^^^^\nerror: Unicode property value not found'),
    ('\\pC', None),
    ('\\p{lc}', None),
    ('\\p{LC}', None),
    ('\\p{sc}', None),
    ('\\p{cf}', None),
    ('\\p{Script}', 'regex parse error:\n    \\p{Script}\n    ^^^^^^^^^^\nerror: Unicode property not found'),
    ('\\p{age}', 'regex parse error:\n    \\p{age}\n    ^^^^^^^\nerror: Unicode property not found'),
    ('\\p{age=6.0}', None),
    ('\\p{Age=V6_0}', None),
    ('\\p{Zzzz}', 'regex parse error:\n    \\p{Zzzz}\n    ^^^^^^^^\nerror: Unicode property value not found'),
    ('\\p{Hrkt}', 'regex parse error:\n    \\p{Hrkt}\n    ^^^^^^^^\nerror: Unicode property value not found'),
    ('(?-u)\\xFF', 'regex parse error:\n    (?-u)\\xFF\n         ^^^^\nerror: pattern can match invalid UTF-8'),
    ('(?-u:[\\xFF])', 'regex parse error:\n    (?-u:[\\xFF])\n          ^^^^\nerror: pattern can match invalid UTF-8'),
    ('(?-u:\\w)', None),
    ('(?-u:\\W)', 'regex parse error:\n    (?-u:\\W)\n         ^^\nerror: pattern can match invalid UTF-8'),
    ('(?-u:[^\\w])', 'regex parse error:\n    (?-u:[^\\w])\n         ^^^^^\nerror: pattern can match invalid UTF-8'),
    ('(?-u:[^\\x00-\\x7F])', 'regex parse error:\n    (?-u:[^\\x00-\\x7F])\n         ^^^^^^^^^^^^\nerror: pattern can match invalid UTF-8'),
    ('(?-u)(?i)k', None),
    ('(?-u:[[:^alpha:]])', 'regex parse error:\n    (?-u:[[:^alpha:]])\n          ^^^^^^^^^^\nerror: pattern can match invalid UTF-8'),
    ('(?-u:\\p{L})', 'regex parse error:\n    (?-u:\\p{L})\n         ^^^^^\nerror: Unicode not allowed here'),
    ('(?i-u:[\\x{212A}])', 'regex parse error:\n    (?i-u:[\\x{212A}])\n           ^^^^^^^^\nerror: Unicode not allowed here'),
    ('(?-u:[\\x{e9}])', 'regex parse error:\n    (?-u:[\\x{e9}])\n          ^^^^^^\nerror: Unicode not allowed here'),
    ('(?-u:\\x{e9})', None),
    ('(?-u:\\u00e9)', None),
    ('(?-u:[a&&[^b]])', 'regex parse error:\n    (?-u:[a&&[^b]])\n             ^^^^\nerror: pattern can match invalid UTF-8'),
    ('(?-u)\\D', 'regex parse error:\n    (?-u)\\D\n         ^^\nerror: pattern can match invalid UTF-8'),
    ('(?-u)[^a]', 'regex parse error:\n    (?-u)[^a]\n         ^^^^\nerror: pattern can match invalid UTF-8'),
    ('(?-u)\\B', None),
    ('(?-u)\\b{start}', None),
    ('\\8', 'regex parse error:\n    \\8\n    ^^\nerror: backreferences are not supported'),
    ('\\9', 'regex parse error:\n    \\9\n    ^^\nerror: backreferences are not supported'),
    ('\\0', 'regex parse error:\n    \\0\n    ^^\nerror: backreferences are not supported'),
    ('\\01', 'regex parse error:\n    \\01\n    ^^\nerror: backreferences are not supported'),
    ('\\a\\f\\v', None),
    ('\\Q', 'regex parse error:\n    \\Q\n    ^^\nerror: unrecognized escape sequence'),
    ('\\E', 'regex parse error:\n    \\E\n    ^^\nerror: unrecognized escape sequence'),
    ('\\G', 'regex parse error:\n    \\G\n    ^^\nerror: unrecognized escape sequence'),
    ('\\K', 'regex parse error:\n    \\K\n    ^^\nerror: unrecognized escape sequence'),
    ('\\R', 'regex parse error:\n    \\R\n    ^^\nerror: unrecognized escape sequence'),
    ('\\X', 'regex parse error:\n    \\X\n    ^^\nerror: unrecognized escape sequence'),
    ('\\h', 'regex parse error:\n    \\h\n    ^^\nerror: unrecognized escape sequence'),
    ('\\N', 'regex parse error:\n    \\N\n    ^^\nerror: unrecognized escape sequence'),
    ('\\é', 'regex parse error:\n    \\é\n    ^^\nerror: unrecognized escape sequence'),
    ('\\<', None),
    ('\\>', None),
    ('\\`', None),
    ("\\'", None),
    ('\\ ', None),
    ('\\\n', None),
    ('*', 'regex parse error:\n    *\n    ^\nerror: repetition operator missing expression'),
    ('a**', None),
    ('a+?+', None),
    ('a{2}{3}', None),
    ('(?i)*', 'regex parse error:\n    (?i)*\n        ^\nerror: repetition operator missing expression'),
    ('a|*', 'regex parse error:\n    a|*\n      ^\nerror: repetition operator missing expression'),
    ('^*', None),
    ('$+', None),
    ('\\b+', None),
    ('(*)', 'regex parse error:\n    (*)\n     ^\nerror: repetition operator missing expression'),
    ('(?:*)', 'regex parse error:\n    (?:*)\n       ^\nerror: repetition operator missing expression'),
    ('(?i:*)', 'regex parse error:\n    (?i:*)\n        ^\nerror: repetition operator missing expression'),
    ('a)', 'regex parse error:\n    a)\n     ^\nerror: unopened group'),
    ('(a))', 'regex parse error:\n    (a))\n       ^\nerror: unopened group'),
    ('(a|b))', 'regex parse error:\n    (a|b))\n         ^\nerror: unopened group'),
    ('|)', 'regex parse error:\n    |)\n     ^\nerror: unopened group'),
    (')', 'regex parse error:\n    )\n    ^\nerror: unopened group'),
    ('(?P<n>a)(?P<n>b)', 'regex parse error:\n    (?P<n>a)(?P<n>b)\n        ^       ^\nerror: duplicate capture group name'),
    ('(?P<n>a)|(?<n>b)', 'regex parse error:\n    (?P<n>a)|(?<n>b)\n        ^       ^\nerror: duplicate capture group name'),
    ('(?<a.b>x)', None),
    ('(?<a[0]>x)', None),
    ('(?<_>x)', None),
    ('(?<é>x)', None),
    ('(?<1>x)', 'regex parse error:\n    (?<1>x)\n       ^\nerror: invalid capture group character'),
    ('(?<a b>x)', 'regex parse error:\n    (?<a b>x)\n        ^\nerror: invalid capture group character'),
    ('(?<a-b>x)', 'regex parse error:\n    (?<a-b>x)\n        ^\nerror: invalid capture group character'),
    ('(?<aé>x)', None),
    ('(?x) a # comment\n b', None),
    ('(?x)a{1 , 2}', None),
    ('(?x)[ a - z ]', None),
    ('(?x)[a-\n z]', None),
    ('(?x)( ?i)', None),
    ('(?x)( ?=a)', 'regex parse error:\n    (?x)( ?=a)\n        ^^^^\nerror: look-around, including look-ahead and look-behind, is not supported'),
    ('(?x)\\ ', None),
    ('(?x)a#(', None),
    ('(?x)[#]', 'regex parse error:\n    (?x)[#]\n        ^^^\nerror: unclosed character class'),
    ('(?x)[a #]\n]', None),
    ('((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((()))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))', 'regex parse error:\n    ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((()))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))\n                                                                                                                                                                                                                                                              ^^\nerror: exceed the maximum number of nested parentheses/brackets (250)'),
    ('(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((())))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))', None),
    ('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[', 'regex parse error:\n    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n                                                                                                                                                                                                                                                                       ^\nerror: unclosed character class'),
    ('a************************************************************************************************************************************************************************************************************************************************************************************************************', 'regex parse error:\n    a************************************************************************************************************************************************************************************************************************************************************************************************************\n    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\nerror: exceed the maximum number of nested parentheses/brackets (250)'),
    ('(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|b))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))', 'regex parse error:\n    (?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|(?:a|b))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))\n                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\nerror: exceed the maximum number of nested parentheses/brackets (250)'),
    ('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]', 'regex parse error:\n    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n    ^\nerror: unclosed character class'),
    ('[[[[a]]]]', None),
    ('a{1000000}', 'Compiled regex exceeds size limit of 10485760 bytes.'),
    ('a{327673}', None),
    ('a{327674}', 'Compiled regex exceeds size limit of 10485760 bytes.'),
    ('(?:ab|cd){41610}', 'Compiled regex exceeds size limit of 10485760 bytes.'),
    ('\\W{100}', None),
    ('\\S{1000}', None),
    ('[^a]{10000}', None),
    ('(?s:.){100000}', 'Compiled regex exceeds size limit of 10485760 bytes.'),
    ('[\\x{80}-\\x{10FFFF}]{20000}', 'Compiled regex exceeds size limit of 10485760 bytes.'),
    ('(?i)\\w{100}', None),
    ('(?i)[a-z]{10000}', None),
    ('(?:a{1000}){1000}', 'Compiled regex exceeds size limit of 10485760 bytes.'),
    ('(?:a{1000}){400}', 'Compiled regex exceeds size limit of 10485760 bytes.'),
    ('\\b{start}{1000000}', None),
    ('(?:){1000000}', None),
    ('^{1000000}', None),
    ('(?:foo|bar){20000}', None),
    ('\\w{50}\\d{200}', None),
    ('a{10,1000000}', 'Compiled regex exceeds size limit of 10485760 bytes.'),
    ('a{2147483648,}', 'Compiled regex exceeds size limit of 10485760 bytes.'),
    ('x{2,1}', 'regex parse error:\n    x{2,1}\n     ^^^^^\nerror: invalid repetition count range, the start must be <= the end'),
    ('x{3,2}?', 'regex parse error:\n    x{3,2}?\n     ^^^^^^\nerror: invalid repetition count range, the start must be <= the end'),
    ('(?U)a{2,1}', 'regex parse error:\n    (?U)a{2,1}\n         ^^^^^\nerror: invalid repetition count range, the start must be <= the end'),
    ('(?i)\\p{Cs}', 'regex parse error:\n    (?i)\\p{Cs}\n        ^^^^^^\nerror: Unicode property value not found'),
    ('[\\p{Cs}a]', 'regex parse error:\n    [\\p{Cs}a]\n     ^^^^^^\nerror: Unicode property value not found'),
    ('\\p{Zzzz}', 'regex parse error:\n    \\p{Zzzz}\n    ^^^^^^^^\nerror: Unicode property value not found'),
    ('\\p{Katakana_Or_Hiragana}', 'regex parse error:\n    \\p{Katakana_Or_Hiragana}\n    ^^^^^^^^^^^^^^^^^^^^^^^^\nerror: Unicode property value not found'),
    ('\\p{sc=Berf}', 'regex parse error:\n    \\p{sc=Berf}\n    ^^^^^^^^^^^\nerror: Unicode property value not found'),
    ('\\p{age=17.0}', 'regex parse error:\n    \\p{age=17.0}\n    ^^^^^^^^^^^^\nerror: Unicode property value not found'),
    ('\\p{gcb=XX}', 'regex parse error:\n    \\p{gcb=XX}\n    ^^^^^^^^^^\nerror: Unicode property value not found'),
    ('a{,3}', 'regex parse error:\n    a{,3}\n      ^\nerror: repetition quantifier expects a valid decimal'),
    ('(?#c)a', 'regex parse error:\n    (?#c)a\n      ^\nerror: unrecognized flag'),
    ('ab\ncd(', 'regex parse error:\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n1: ab\n2: cd(\n     ^\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nerror: unclosed group'),
    ('^\\d+$\n(', 'regex parse error:\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n1: ^\\d+$\n2: (\n   ^\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nerror: unclosed group'),
    ('(?P<n>a)(?P=n)', 'regex parse error:\n    (?P<n>a)(?P=n)\n              ^\nerror: unrecognized flag'),
    ('(?P<1a>x)', 'regex parse error:\n    (?P<1a>x)\n        ^\nerror: invalid capture group character'),
    ('a{2}{', 'regex parse error:\n    a{2}{\n        ^\nerror: unclosed counted repetition'),
    ('[[:alpha:]', 'regex parse error:\n    [[:alpha:]\n    ^\nerror: unclosed character class'),
    ('\\x{D800}', 'regex parse error:\n    \\x{D800}\n       ^^^^\nerror: hexadecimal literal is not a Unicode scalar value'),
    ('[]', 'regex parse error:\n    []\n    ^^\nerror: unclosed character class'),
    ('(?>a+)b', 'regex parse error:\n    (?>a+)b\n      ^\nerror: unrecognized flag'),
    ('a(?!b)', 'regex parse error:\n    a(?!b)\n     ^^^\nerror: look-around, including look-ahead and look-behind, is not supported'),
    ('\\k<n>', 'regex parse error:\n    \\k<n>\n    ^^\nerror: unrecognized escape sequence'),
]

MATCH_STRINGS = [
    '',
    'a',
    'abc',
    'abc\n',
    '\n',
    '\r\n',
    'a\nb\nc',
    'a\r\nb\r\nc',
    'A',
    'ABC',
    'aBc',
    'K',
    'k',
    'K',
    'ſ',
    's',
    'S',
    'ß',
    'SS',
    'ẞ',
    'straße',
    'STRASSE',
    'STRAẞE',
    'é',
    'é',
    'É',
    '²',
    '١٢٣',
    '１２３',
    '123',
    '12',
    ' ',
    '\t',
    '\x1c',
    '\x85',
    '\xa0',
    '\u180e',
    '\u200b',
    '\u3000',
    '\x0b',
    '\u200d',
    'Ⅻ',
    '_',
    'foo',
    'a foo b',
    'afoob',
    'éfooé',
    '<a',
    'ba',
    'a b',
    'x.y',
    '😀',
    '😀😀',
    'αβγ',
    'Ωmega',
    'привет',
    '日本',
    'a@b.co',
    'a@b.co\n',
    'user name',
    '2024-01-15',
    'a-b',
    'a--b',
    '/api/v1',
    'aaa',
    'aaaaaa',
    'ab',
    'abab',
    'end',
    'x\nend\n',
    'end\r\n',
    '\rend',
    'foo bar',
    'FOO',
    '[x]',
    '{}',
    '~',
    '&&',
    '--',
    'tab\there',
    'àb',
    'İ',
    'ı',
    'i',
    'I',
    'ǅ',
    'ǆ',
    'Ǆ',
    'µ',
    'μ',
    'Μ',
    'ϐ',
    'β',
    'ﬀ',
    'ff',
    'Ω',
    'ω',
    'Ω',
    'x\u200cy',
    '٣',
    '०१२',
    'Ⅻ',
    '¼',
]
MATCH_CASES = [
    ('^[a-z]+$', '0110000000001001000000000000000000000000000101001000000000000000111110000000000000010000000000100000000'),
    ('[a-z]+', '0111001100101001000010001000000000000000000111111110001001110111111111111010000110010000000000100010000'),
    ('', '1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('^\\d+$', '0000000000000000000000000001111000000000000000000000000000000000000000000000000000000000000000000001100'),
    ('^\\w+$', '0110000011111111111111111101111000000000111101101000011110000000111110000100000011111111111111111111110'),
    ('^\\s$', '0000100000000000000000000000000110110011000000000000000000000000000000000000000000000000000000000000000'),
    ('^.$', '0100000010011111110100010110000111111111111000000001000000000000000000000000100001111111111111011101011'),
    ('(?s)^.$', '0100100010011111110100010110000111111111111000000001000000000000000000000000100001111111111111011101011'),
    ('(?R)^.$', '0100000010011111110100010110000111111111111000000001000000000000000000000000100001111111111111011101011'),
    ('(?Rs)^.$', '0100100010011111110100010110000111111111111000000001000000000000000000000000100001111111111111011101011'),
    ('(?m)^b$', '0000001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('(?Rm)^b$', '0000001100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('(?m)^$', '1001110000000000000000000000000000000000000000000000000000100000000001100000000000000000000000000000000'),
    ('(?Rm)^$', '1001110000000000000000000000000000000000000000000000000000100000000001110000000000000000000000000000000'),
    ('(?m)$', '1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('(?m)^', '1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('(?i)^straße$', '0000000000000000000010100000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('(?i)^k$', '0000000000011100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('(?i)^s$', '0000000000000011100000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('(?i)^ß$', '0000000000000000010100000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('(?i)ǅ', '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000111000000000000000'),
    ('(?i)μ', '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000111000000000000'),
    ('(?i)β', '0000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000110000000000'),
    ('(?i)Ω', '0000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000011100000'),
    ('(?i)ﬀ', '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001000000000'),
    ('(?i)i', '0000000000000000000000000000000000000000000000000000000000000001000000000000000000011000000000000000000'),
    ('(?i)İ', '0000000000000000000000000000000000000000000000000000000000000000000000000000000001000000000000000000000'),
    ('(?i-u)k', '0000000000011000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('(?i)[a-z]', '0111001111111111101011101000000000000000000111111110001001110111111111111110000110011000000000100010000'),
    ('(?i)[^a-z]', '0001111100000000010110111111111111111111111010110111111111111111000001111011111111100111111111011111111'),
    ('(?i)[[:upper:]]', '0111001111111111101011101000000000000000000111111110001001110111111111111110000110011000000000100010000'),
    ('(?i)[k&&K]', '0000000000011100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('\\bfoo\\b', '0000000000000000000000000000000000000000000110000000000000000000000000001000000000000000000000000000000'),
    ('\\Bfoo', '0000000000000000000000000000000000000000000001100000000000000000000000000000000000000000000000000000000'),
    ('\\B', '1011110101100000001011101011111111111111000111111001111111111011111111111111111110000000000000100010101'),
    ('\\b', '0111001111111111111111111101111000000000111111111110011111111111111111111110000111111111111111111111110'),
    ('(?-u:\\b)', '0111001111111001101011101000011000000000001111111110001001111111111111111110000110011000000000100010000'),
    ('(?-u:\\B)', '1011110101100110011111111111111111111111110111111001111111111011111111111111111101100111111111111101111'),
    ('(?-u)\\bé', '0000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000'),
    ('\\<a', '0111001100100000000000000000000000000000000011010100000001100111111100000000000010000000000000000000000'),
    ('a\\>', '0100001100000000000000000000000000000000000010011100001001100110110000000000000000000000000000000000000'),
    ('\\b{start}a', '0111001100100000000000000000000000000000000011010100000001100111111100000000000010000000000000000000000'),
    ('a\\b{end}', '0100001100000000000000000000000000000000000010011100001001100110110000000000000000000000000000000000000'),
    ('\\b{start-half}', '1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('\\b{end-half}', '1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('\\b{start}\\w+\\b{end}', '0111001111111111111111111101111000000000111111111110011111111111111111111110000111111111111111111111110'),
    ('^[[:alpha:]]+$', '0110000011111001101001000000000000000000000101001000000000000000111110000100000000011000000000100000000'),
    ('[[:word:]]', '0111001111111001101011101000011000000000001111111110001001111111111111111110000110011000000000100010000'),
    ('^[[:^digit:]]+$', '0111111111111111111111111111100111111111111111111111111111110110111111111111111111111111111111111111111'),
    ('^[[:punct:]]+$', '0000000000000000000000000000000000000000001000000000000000000000000000000001111000000000000000000000000'),
    ('^[[:space:]]+$', '0000110000000000000000000000000110000001000000000000000000000000000000000000000000000000000000000000000'),
    ('^[[:upper:][:digit:]]+$', '0000000011010000101001000000011000000000000000000000000000000000000000000100000000001000000000000000000'),
    ('^\\p{L}+$', '0110000011111111111111110100000000000000000101101000011110000000111110000100000001111111111111111100000'),
    ('^\\p{Greek}+$', '0000000000000000000000000000000000000000000000000000010000000000000000000000000000000000011110011100000'),
    ('^\\p{Lu}', '0000000011010100101101100100000000000000000000000000001000000000000000000100000001001001001000010100000'),
    ('^\\P{L}*$', '1000110000000000000000000011111111111111111000000001100000001000000000000001111000000000000000000001111'),
    ('\\p{Emoji_Presentation}', '0000000000000000000000000000000000000000000000000001100000000000000000000000000000000000000000000000000'),
    ('^\\p{sc=Cyrl}+$', '0000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000'),
    ('\\p{scx=Grek}', '0000000000000000000000001000000000000000000000000000011000000000000000000000000010000000011110011100000'),
    ('\\p{Nd}', '0000000000000000000000000001111000000000000000000000000000001001000000000000000000000000000000000001100'),
    ('\\pN', '0000000000000000000000000011111000000000010000000000000000001001000000000000000000000000000000000001111'),
    ('\\p{No}', '0000000000000000000000000010000000000000000000000000000000000000000000000000000000000000000000000000001'),
    ('\\p{Mn}', '0000000000000000000000001000000000000000000000000000000000000000000000000000000010000000000000000000000'),
    ('\\p{Cf}', '0000000000000000000000000000000000001100100000000000000000000000000000000000000000000000000000000010000'),
    ('\\p{Zs}', '0000000000000000000000000000000100010010000010000100000000010000000000001000000000000000000000000000000'),
    ('\\p{White_Space}', '0001111100000000000000000000000110110011000010000100000000110000000001111000000100000000000000000000000'),
    ('\\p{Han}', '0000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000'),
    ('\\p{Any}', '0111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('^\\p{ASCII}+$', '0111111111111001101001000000011111000001001111011110000001111111111111111111111100011000000000100000000'),
    ('\\p{Assigned}', '0111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('^a\\z', '0100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('\\Aa', '0111001100100000000000000000000000000000000011000100000001100110111100000000000010000000000000000000000'),
    ('^a$', '0100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('^$', '1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('$', '1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('^', '1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('a|^b', '0111001100100000000010000000000000000000000011011100001001110111111100001000000110000000000000000000000'),
    ('^(?:a|b)$', '0100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('^\\x{1F600}$', '0000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000000000000000'),
    ('^\\u{41}$', '0000000010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('^\\x41\\x{42}C$', '0000000001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('^\\u{E9}t\\u{E9}$', '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('\\U0001F600', '0000000000000000000000000000000000000000000000000001100000000000000000000000000000000000000000000000000'),
    ('\\u0041', '0000000011000000000001100000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('(?U)^a+', '0111001100100000000000000000000000000000000011000100000001100110111100000000000010000000000000000000000'),
    ('a++a', '0000000000000000000000000000000000000000000000000000000000000000110000000000000000000000000000000000000'),
    ('a**', '1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('a{2}{3}', '0000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000'),
    ('^a{2,3}$', '0000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000'),
    ('^a{2,}$', '0000000000000000000000000000000000000000000000000000000000000000110000000000000000000000000000000000000'),
    ('^(?:ab){1,2}$', '0000000000000000000000000000000000000000000000000000000000000000001100000000000000000000000000000000000'),
    ('a+?b', '0011000000000000000000000000000000000000000000000000000000000000001100000000000100000000000000000000000'),
    ('(?U)a+?', '0111001100100000000010000000000000000000000011011100001001110111111100001000000110000000000000000000000'),
    ('^[a-z&&[^aeiou]]+$', '0000000000001001000000000000000000000000000000000000000000000000000000000000000000000000000000100000000'),
    ('^[a-z--[aeiou]]+$', '0000000000001001000000000000000000000000000000000000000000000000000000000000000000000000000000100000000'),
    ('^[a-f~~c-z]+$', '0100000000001001000000000000000000000000000000001000000000000000111100000000000000010000000000000000000'),
    ('^[\\w--\\d]+$', '0110000011111111111111111100000000000000111101101000011110000000111110000100000011111111111111111110010'),
    ('^[\\p{Nd}&&\\p{sc=Deva}]+$', '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000100'),
    ('[[a-c][x-z]]', '0111001100100000000010000000000000000000000011011110001001110111111101001010000110000000000000000010000'),
    ('[^[^a]]', '0111001100100000000010000000000000000000000011011100001001110111111100001000000110000000000000000000000'),
    ('[a[^b]]', '0111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('[]a]', '0111001100100000000010000000000000000000000011011100001001110111111100001010000110000000000000000000000'),
    ('[^]a]', '0011111111111111111111111111111111111111111111111111111111111111001111111111111111111111111111111111111'),
    ('[-a]', '0111001100100000000010000000000000000000000011011100001001111111111100001000001110000000000000000000000'),
    ('[a-]', '0111001100100000000010000000000000000000000011011100001001111111111100001000001110000000000000000000000'),
    ('[\\[\\]]', '0000000000000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000'),
    ('(?<n>a)', '0111001100100000000010000000000000000000000011011100001001110111111100001000000110000000000000000000000'),
    ('(?P<n>a)b', '0011000000000000000000000000000000000000000000000000000000000000001100000000000100000000000000000000000'),
    ('(?x) a b # c', '0011000000000000000000000000000000000000000000000000000000000000001100000000000100000000000000000000000'),
    ('(?x)a\\ b', '0000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000'),
    ('(?x)[a b]', '0111001100100000000010000000000000000000000011011100001001110111111100001000000110000000000000000000000'),
    ('(?x)a#\\nb', '0111001100100000000010000000000000000000000011011100001001110111111100001000000110000000000000000000000'),
    ('(?x: a b )c', '0011000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('\\/', '0000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000'),
    ('\\-', '0000000000000000000000000000000000000000000000000000000000001110000000000000001000000000000000000000000'),
    ('\\.', '0000000000000000000000000000000000000000000000000010000001100000000000000000000000000000000000000000000'),
    ('\\#', '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('\\&', '0000000000000000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000'),
    ('\\~', '0000000000000000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000'),
    ('\\ ', '0000000000000000000000000000000100000000000010000100000000010000000000001000000000000000000000000000000'),
    ('\\<', '0111001111111111111111111101111000000000111111111110011111111111111111111110000111111111111111111111110'),
    ('^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$', '0000000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000000000'),
    ('^\\S+@\\S+\\.\\S+$', '0000000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000000000'),
    ('^https?://[^\\s/$.?#][^\\s]*$', '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('(?i)[\\p{Lu}]', '0111001111111111111111111100000000000000000111111110011101110111111111111110000111011111111110111110000'),
    ('(?i)\\p{Ll}', '0111001111111111111111111100000000000000000111111110011101110111111111111110000110111111111111111110000'),
    ('(?i)\\P{Ll}', '0001111100000000000000001011111111111111111010010111100011111111000001111011111111000000000000000011111'),
    ('(?i)[^\\p{Lu}]', '0001111100000000000000001011111111111111111010010111100011111111000001111011111110100000000001000011111'),
    ('\\W', '0001111100000000000000000010000111111111000010010111100001111111000001111011111100000000000000000000001'),
    ('\\D', '0111111111111111111111111110000111111111111111111111111111111111111111111111111111111111111111111110011'),
    ('\\S', '0111001111111111111111111111111001001100111111111111111111111111111111111111111111111111111111111111111'),
    ('[\\W\\d]', '0001111100000000000000000011111111111111000010010111100001111111000001111011111100000000000000000001101'),
    ('[^\\w]', '0001111100000000000000000010000111111111000010010111100001111111000001111011111100000000000000000000001'),
    ('(?-u:\\w)', '0111001111111001101011101000011000000000001111111110001001111111111111111110000110011000000000100010000'),
    ('(?-u:\\d)', '0000000000000000000000000000011000000000000000000000000000001001000000000000000000000000000000000000000'),
    ('(?-u:\\s)', '0001111100000000000000000000000110000001000010000100000000110000000001111000000100000000000000000000000'),
    ('(?-u:[[:word:]])', '0111001111111001101011101000011000000000001111111110001001111111111111111110000110011000000000100010000'),
    ('x(?i)y|z', '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('(?i:a)b', '0011000000000000000000000000000000000000000000000000000000000000001100000000000100000000000000000000000'),
    ('(?i)a(?-i)b', '0011000000000000000000000000000000000000000000000000000000000000001100000000000100000000000000000000000'),
    ('(?s:.)', '0111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('(?-s:.)', '0111011111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('(?m:^b$)', '0000001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('(?i)(?-i:a)A', '0000000000000000000000000000000000000000000000000000000000000000110000000000000000000000000000000000000'),
    ('((?i)a)A', '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('[\\x{D7FF}\\x{E000}]', '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('[\\x{0}-\\x{10FFFF}]', '0111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('[^\\x{0}-\\x{10FFFF}]', '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('[a&&b]', '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('(?:[a&&b])?x', '0000000000000000000000000000000000000000000000000010000000000000000001000010000000000000000000000010000'),
    ('(?:[a&&b])*', '1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('[a&&b]|c', '0011001100100000000000000000000000000000000000000000000001100000000000000000000000000000000000000000000'),
    ('(a|a)*b', '0011001100000000000000000000000000000000000011001100000001100110001100001000000110000000000000000000000'),
    ('(a*)*b', '0011001100000000000000000000000000000000000011001100000001100110001100001000000110000000000000000000000'),
    ('(\\w+\\s?)*$', '1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111'),
    ('^(a|aa)+$', '0100000000000000000000000000000000000000000000000000000000000000110000000000000000000000000000000000000'),
    ('(.*a){3}', '0000000000000000000000000000000000000000000000000000000000000000110000000000000000000000000000000000000'),
    ('a*a*a*b', '0011001100000000000000000000000000000000000011001100000001100110001100001000000110000000000000000000000'),
    ('^(a+)+$', '0100000000000000000000000000000000000000000000000000000000000000110000000000000000000000000000000000000'),
    ('(?:a|b)*?c', '0011001100100000000000000000000000000000000000000000000001100000000000000000000000000000000000000000000'),
    ('^(?:a?){3}a{3}$', '0000000000000000000000000000000000000000000000000000000000000000110000000000000000000000000000000000000'),
]


# -- the parity corpus (group "regex") -----------------------------------------------


def _parity_regex_cases() -> List[Dict[str, Any]]:
    data = json.loads(_data_file("contract-validation-parity.json").read_text("utf-8"))
    return [c for c in data["cases"] if c.get("group") == "regex"]


def _only_pattern(contract_yaml: str) -> str:
    doc = yaml.safe_load(contract_yaml)
    pattern = doc["ontology"]["entities"][0]["pattern"]
    assert isinstance(pattern, str)
    return pattern


@pytest.mark.parametrize("case", _parity_regex_cases(), ids=lambda c: str(c["id"]))
def test_parity_corpus(case: Dict[str, Any]) -> None:
    pattern = _only_pattern(case["contract_yaml"])
    expect = case["expect"]
    if "compile_error" in expect:
        want = expect["compile_error"]
        prefix = f"Invalid regex '{pattern}' for field 's': "
        assert want.startswith(prefix)
        assert _display(pattern) == want[len(prefix):]
        return
    m = compile_pattern(pattern)
    for event, result in zip(case["events"], expect["results"]):
        s = json.loads(event)["s"]
        want_match = not any(v["kind"] == "pattern_mismatch" for v in result["violations"])
        assert _all_answers(m, s) == (want_match,) * len(_all_answers(m, s)), (pattern, s)


# -- the fuzz corpus ------------------------------------------------------------------------


def _fuzz_cases() -> Iterator[Dict[str, Any]]:
    with _data_file("contract-validation-fuzz.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def _fuzz_compile_errors() -> List[Tuple[str, str]]:
    out: Dict[str, str] = {}
    for case in _fuzz_cases():
        text = case["expect"].get("compile_error")
        if not text or not text.startswith("Invalid regex '"):
            continue
        for marker in ("': regex parse error:", "': Compiled regex exceeds"):
            cut = text.find(marker)
            if cut >= 0:
                head = text[: cut + 1]
                display = text[cut + 3 :]
                pattern = head[len("Invalid regex '") : head.rindex("' for field '")]
                out[pattern] = display
                break
    return sorted(out.items())


@pytest.mark.parametrize("pattern,display", _fuzz_compile_errors())
def test_fuzz_corpus_compile_errors(pattern: str, display: str) -> None:
    assert _display(pattern) == display


def _fuzz_match_expectations() -> List[Tuple[str, str, bool]]:
    """(pattern, value, matches) for top-level string fields with a pattern."""
    out: Dict[Tuple[str, str], bool] = {}
    for case in _fuzz_cases():
        if "results" not in case["expect"]:
            continue
        try:
            doc = yaml.safe_load(case["contract_yaml"])
            entities = doc["ontology"]["entities"]
        except Exception:
            continue
        names = [e.get("name") for e in entities if isinstance(e, dict)]
        fields = {}
        for e in entities:
            if not isinstance(e, dict) or not isinstance(e.get("pattern"), str):
                continue
            name = e.get("name")
            if not isinstance(name, str) or "." in name or "[" in name or names.count(name) != 1:
                continue
            if e.get("type") not in ("string", "any", "date"):
                continue
            fields[name] = e["pattern"]
        for event, result in zip(case["events"], case["expect"]["results"]):
            try:
                obj = json.loads(event)
            except ValueError:
                continue
            if not isinstance(obj, dict):
                continue
            for name, pattern in fields.items():
                value = obj.get(name)
                if not isinstance(value, str) or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
                    continue
                mismatch = any(
                    v["field"] == name
                    and v["kind"] == "pattern_mismatch"
                    and v["message"].endswith("does not match required pattern")
                    for v in result["violations"]
                )
                out[(pattern, value)] = not mismatch
    return sorted((p, v, ok) for (p, v), ok in out.items())


def test_fuzz_corpus_matches() -> None:
    cases = _fuzz_match_expectations()
    assert len(cases) > 100
    for pattern, value, want in cases:
        m = compile_pattern(pattern)
        got = _all_answers(m, value)
        assert got == (want,) * len(got), (pattern, value)


# -- errors, byte for byte -----------------------------------------------------------------


@pytest.mark.parametrize("pattern,display", ERROR_CASES)
def test_error_display(pattern: str, display: Optional[str]) -> None:
    assert _display(pattern) == display


def test_error_attributes() -> None:
    with pytest.raises(RegexCompileError) as info:
        compile_pattern("(abc")
    err = info.value
    assert err.pattern == "(abc"
    assert err.message == "unclosed group"
    assert str(err) == err.display == "regex parse error:\n    (abc\n    ^\nerror: unclosed group"
    assert isinstance(err, ValueError)


@pytest.mark.parametrize(
    "pattern",
    ["a{1000000}", "\\w{220}", "(?:a{1000}){1000}", "a{327674}", "\\d{3000}", "(?:ab|cd){41610}"],
)
def test_size_limit(pattern: str) -> None:
    assert _display(pattern) == "Compiled regex exceeds size limit of 10485760 bytes."


@pytest.mark.parametrize(
    "pattern", ["a{327673}", "\\w{150}", "[a-z]{3,50}", "\\w{3,50}", "(?:ab|cd){41609}", ".{1,1000}"]
)
def test_below_size_limit(pattern: str) -> None:
    assert _display(pattern) is None


def test_size_estimate_matches_rust_thresholds() -> None:
    # Largest counts the Rust crate accepts (probed with the crate itself).
    for fmt, n in [(".{%d}", 10485), ("(a){%d}", 109224), ("(?i)k{%d}", 44430), ("a{0,%d}", 145631)]:
        below = H.translate(fmt % n, parse(fmt % n))
        above = H.translate(fmt % (n + 1), parse(fmt % (n + 1)))
        assert not _size.exceeds_limit(below), fmt % n
        assert _size.exceeds_limit(above), fmt % (n + 1)


# -- huge patterns: compact literal runs ----------------------------------------------------

_RUN_ATOMS = [
    "a", "b", "ab", "abc", " ", "  ", "\n", "#", "# c\n", "\t", "\u3000", "\u0085", "é", "?", "*",
    "+", "{2}", "{1,3}", "{ 2 }", "{", "}", "(", ")", "(?x)", "(?-x)", "(?i)", "(?x:", "(?:", "|",
    "[a-z]", "[ a-c]", "[-a]", "]", "\\", "\\x41", "\\x{ 41 }", "\\d", "\\b{start}", ".", "^",
    "$", "-", "&&", "~", "(?P<n>", "(?-u)", "\\xFF", "x y\nz", "\n\n", "é\n", "\\p {L}",
]


def _parse_outcome(pattern: str) -> str:
    try:
        return repr(H.translate(pattern, parse(pattern)).key())
    except RegexCompileError as err:
        return "error: " + str(err)


def _run_patterns() -> Iterator[str]:
    import random

    rnd = random.Random(20261122)
    for i in range(1500):
        p = "".join(rnd.choice(_RUN_ATOMS) for _ in range(rnd.randint(1, 12)))
        if i % 3 == 0:  # around the nest limit (a lone run is still a Concat)
            d = rnd.choice([248, 249, 250])
            p = rnd.choice(["(", "(?:", "(?x:"]) * d + p + ")" * rnd.choice([0, d])
        yield p


def test_literal_runs_parse_like_single_literals(monkeypatch: pytest.MonkeyPatch) -> None:
    # The parser reads runs of plain characters as one LiteralRun node; with
    # the run scanner disabled it falls back to one Literal per character
    # (regex-syntax's own shape).  Both must give the same HIR or error text.
    from contractgate._validation.regex import parser as _parser

    patterns = list(_run_patterns())
    with_runs = [_parse_outcome(p) for p in patterns]
    monkeypatch.setattr(_parser, "_scanner", lambda _x: re.compile("(?!)"))
    for p, got in zip(patterns, with_runs):
        assert got == _parse_outcome(p), p


def test_literal_run_split_by_repetition() -> None:
    ast = parse("ab\nc*")
    assert isinstance(ast, A.Concat)
    assert [type(x).__name__ for x in ast.asts] == ["LiteralRun", "Repetition"]
    rep = ast.asts[1]
    assert isinstance(rep, A.Repetition) and isinstance(rep.ast, A.Literal)
    assert (rep.ast.c, rep.ast.span.start.offset, rep.ast.span.start.line, rep.ast.span.start.column) == ("c", 3, 2, 1)
    # The text the parser gave before literal runs existed.
    rule = "~" * 79
    assert compile_pattern_error("(?x)ab \n cd \n\n*{") == (
        f"regex parse error:\n{rule}\n1: (?x)ab \n2:  cd \n3: \n4: *{{\n    ^\n{rule}\n"
        "error: unclosed counted repetition"
    )


def compile_pattern_error(pattern: str) -> Optional[str]:
    try:
        compile_pattern(pattern)
    except RegexCompileError as err:
        return str(err)
    return None


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
    # Before literal runs: ~8 s and ~450 MB per MB of pattern.  Now well under
    # a second; the timeout is generous on purpose (slow CI machines).
    import subprocess
    import sys

    src = str(Path(__file__).resolve().parents[1] / "src")
    out = subprocess.run(
        [sys.executable, "-c", _HUGE_SCRIPT, kind],
        capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == expected


# -- huge patterns: runs of simple tokens ------------------------------------------------

def _digest(pattern: str) -> str:
    """``ok <hash of the HIR>`` or ``err <hash of the text> <message> <span>``."""
    import hashlib

    def h(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    try:
        m = compile_pattern(pattern)
    except RegexCompileError as err:
        span = err.span.key() if err.span is not None else None
        return f"err {h(err.display)} {err.message} {span!r}"
    return "ok " + h(repr(m.hir.key()))


# Mid-sized patterns of the shapes of issue #7 (a), long enough for TokenRun,
# BranchRun and compact HIR nodes.  The expected digests were recorded with the
# one-token-at-a-time parser (before runs of tokens existed): errors (parse,
# translation, nest limit, size limit), their spans and the HIR are unchanged.
_RUN_CASES: List[Tuple[str, Any, str]] = [
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


@pytest.mark.parametrize("builder, expected", [c[1:] for c in _RUN_CASES], ids=[c[0] for c in _RUN_CASES])
def test_runs_of_tokens_give_the_step_by_step_outcome(builder: Any, expected: str) -> None:
    assert _digest(builder()) == expected


_TOKEN_ATOMS = [
    "a", "b", "é", ".", "^", "$", " ", "\n", "#", "]", "}", "-", "&",
    "\\.", "\\d", "\\w", "\\W", "\\x41", "\\xFF", "\\u{41}", "\\u{D800}", "\\U0010FFFF", "\\x{110000}",
    "\\pL", "\\p{Greek}", "\\p{Bogus}", "\\PL", "\\p", "\\b", "\\b{start}", "\\b{2}", "\\B", "\\A", "\\z",
    "\\<", "\\Q", "\\\\", "\\n", "\\1", "[a]", "[^a]", "[a-z]", "[z-a]", "[\\d]", "[\\w-]", "[a-]",
    "[[:alpha:]]", "[]", "[^\\n]", "[\\x41-\\x5A]", "[\\pL\\d]", "[é]", "[\\b]", "?", "*", "+", "??", "{2}",
    "{2,}", "{3,2}", "{0}", "{,3}", "{ 2 }", "{99999999999}", "{2,5}?", "{", "(", ")", "(?:", "(?i)",
    "(?-u)", "(?x)", "(?i:", "(?P<n>", "()", "(?:)", "(a)", "(?:a|b)", "(a|)", "(\\d+)", "(?=a)", "|", "||",
    "a|", "(a)|", "\\w{150}", "a{200000}", ".{3000}", "(?:\\pL){200}", "(?:ab){30000}", "((a)b)",
    "(?i:(a)|b)", "(?-u:a)", "(?i-s:x|y.)", "(?ii:a)", "(?-:a)", "(?x:a )", "(((a)))", "(?U:a*)",
    "[[:alpha:]]", "[^[:digit:]x]", "[[:foo:]]", "[[:^space:]]", "[a[:digit:]-z]", "[[:alpha]]",
    "[a&&b]", "[a--b]", "[a~~b]", "[&&a]", "[a&&]", "[a&&&b]", "[\\w&&\\d]", "[a-z--b]", "[a-&&b]",
    "[^a&&b]", "[a&&b--c]", "(?-i)", "(?s)", "(?U)", "(?m)", "(?R)", "(?i-u)", "(?u)", "(?ii)", "(?-)",
    "(?i)a", "(?-i)b", "(?-u)\\xFF", "(?s).", "(?m)^",
]
# In x mode: whitespace and comments between tokens, and inside constructs
# (where runs of tokens must leave them to the step-by-step parser).
_X_ATOMS = [
    " ", "  ", "\n", "# c\n", "#", "\t", "\u3000", "\u0085", "\\ ", "\\#", "a *", "\\d +", "\\x 41",
    "\\p L", "\\p{ L }", "[a b]", "( a )", "(?: a|b)", "a{2} ?", "a* ?", "a {2}", "\\b {2}", "[#]",
    "\\pL ", "\\xFF ", "# (\n", "#|\n", "\\d{2} ",
    "[ a ]", "[ ^ a - z ]", "[a - z]", "[a -- b]", "[ a && b ]", "( ?:a)", "( ? : a)", "( a ?)",
    "(?i: a b )", "[ ]a]", "[ -a]", "[a - ]", "[a - -b]", "( a | b )", "(?: [ a ] )", "[\\x41 - \\x5A]",
]
_BRANCH_TOKENS = [
    "a", "b", "\\d", "\\w", ".", "[a]", "[ab]", "(a)", "(?:a|b)", "a?", "\\x41", "^", "$", "é", "(?i:a)",
    "\\pL", "()", "(?:)", "a{0}", "x{2}", "\\b", "((a)|b)", "(?-i:a)", "(?:\\da)", "(?:ab)", "(?:a\\d)",
    "(?:(a)b)", "(?:x|(a))", "(?:a|b){1}",
]


def _token_run_patterns(seed: int, n: int) -> Iterator[str]:
    """Random patterns rich in runs: repeated units, random tokens, alternations,
    flags around them and prefixes near the nest limit."""
    import random

    rnd = random.Random(seed)
    for i in range(n):
        pick = lambda atoms, k: "".join(rnd.choice(atoms) for _ in range(k))  # noqa: E731
        kind = i % 5
        if kind == 4:
            atoms = _TOKEN_ATOMS + _X_ATOMS * 2
            p = pick(atoms, rnd.randint(1, 8)) * rnd.randint(2, 40)
            p = rnd.choice(["(?x)", "(?x:", "(?ix)"]) + p + rnd.choice(["", ")", " x"])
        elif kind == 0:
            p = pick(_TOKEN_ATOMS, rnd.randint(1, 8)) * rnd.randint(2, 40)
            p = pick(_TOKEN_ATOMS, rnd.randint(0, 3)) + p + pick(_TOKEN_ATOMS, rnd.randint(0, 3))
        elif kind == 1:
            p = pick(_TOKEN_ATOMS, rnd.randint(1, 60))
        else:
            prefix = pick(_BRANCH_TOKENS, rnd.randint(0, 3))
            branches = [
                (prefix if rnd.random() < 0.7 else "") + pick(_BRANCH_TOKENS, rnd.randint(0, 4))
                for _ in range(rnd.randint(2, 30))
            ]
            p = "|".join(branches) * rnd.randint(1, 4)
            if kind == 3:
                p = rnd.choice(["(", "(?:", "(?i:", "(?-u:", "(?i)(?:"]) + p + ")" + rnd.choice(["", "*", "{2}", "x", "|y"])
        if rnd.random() < 0.15:
            p = "(?i)" + p
        if i % 5 == 0:
            d = rnd.choice([246, 248, 249, 250])
            op = rnd.choice(["(", "(?:", "(?i:", "(?:a|"])
            p = op * d + p + ")" * rnd.choice([0, d])
        yield p


def _full_outcome(pattern: str) -> str:
    try:
        h = H.translate(pattern, parse(pattern))
    except RegexCompileError as err:
        if err.span is None:  # raised by translate() from the compact HIR
            return "error: size limit"
        return "error: " + str(err)
    if _size.exceeds_limit(h):
        return "error: size limit"
    return repr(h.key())


def _assert_runs_change_nothing(
    monkeypatch: pytest.MonkeyPatch, patterns: List[str], thresholds: Tuple[int, ...]
) -> None:
    """Each pattern's outcome with runs found at ``thresholds`` (``_RUN_MIN_CHARS``,
    ``_PERIODIC_MIN``, ``_WINDOW_MIN``, ``_WINDOW_MAX``, ``COMPACT_MIN``) is the
    one-token-at-a-time outcome."""
    from contractgate._validation.regex import parser as P

    monkeypatch.setattr(P, "_RUN_MIN_CHARS", 10**9)
    monkeypatch.setattr(H, "COMPACT_MIN", 10**9)
    expected = [_full_outcome(p) for p in patterns]
    for name, value in zip(["_RUN_MIN_CHARS", "_PERIODIC_MIN", "_WINDOW_MIN", "_WINDOW_MAX"], thresholds):
        monkeypatch.setattr(P, name, value)
    monkeypatch.setattr(H, "COMPACT_MIN", thresholds[4])
    for p, want in zip(patterns, expected):
        assert _full_outcome(p) == want, p


@pytest.mark.parametrize(
    "thresholds",
    [(2, 4, 3, 9, 2), (8, 16, 4, 64, 16), (3, 1000, 3, 5, 1000)],
    ids=["tiny", "small", "no-periodic"],
)
def test_token_runs_translate_like_single_tokens(monkeypatch: pytest.MonkeyPatch, thresholds: Tuple[int, ...]) -> None:
    # TokenRun/BranchRun (found by findall in windows or by periodicity) and the
    # compact HIR (size lower bound, then expansion) must give exactly the HIR,
    # error text or size decision of the one-token-at-a-time path.  Tiny
    # thresholds make every path run on short patterns.

    patterns = list(_token_run_patterns(sum(thresholds), 90))
    _assert_runs_change_nothing(monkeypatch, patterns, thresholds)


_CLASS_ATOMS = [
    "a", "b", "é", "z-a", "a-z", "-", "]", "[", "^", "&", "~", "&&", "--", "~~", " ", "  ", "\t", "#", "#c\n",
    "\\d", "\\W", "\\pL", "\\p{Greek}", "\\p{Bogus}", "\\PL", "\\x41", "\\xFF", "\\x{110000}", "\\u{41}",
    "\\n", "\\]", "\\-", "\\ ", "\\b", "\\Q", "\\x41-\\x5A", "a - z", "a -", "- a", "[:alpha:]",
    "[:^digit:]", "[:foo:]", "[:alpha:", "[a]", "[^b]", "[a-z&&c]", "\\d-z", "a-\\d", "\\x 41", "é-ü",
    "[ab]", "[^\\d]", "[a-]", "[:a]", "[ ^a]", "[[a]]", "[z-a]", "[\\xFF]", "[^a]", "[]a]",
]


def _class_run_patterns(seed: int, n: int) -> Iterator[str]:
    """Random bracketed classes with long bodies (repeated units, random items, an
    error at a random place), under random flags and nesting."""
    import random

    rnd = random.Random(seed)
    for _ in range(n):
        pick = lambda k: "".join(rnd.choice(_CLASS_ATOMS) for _ in range(k))  # noqa: E731
        body = pick(rnd.randint(1, 6)) * rnd.randint(2, 30)
        if rnd.random() < 0.5:
            body = pick(rnd.randint(0, 3)) + body + pick(rnd.randint(0, 3))
        cls = "[" + rnd.choice(["", "^", "-", "]", "^-"]) + body + rnd.choice(["]", "]]", "", "&&b]", "]x"])
        flags = rnd.choice(["", "", "(?i)", "(?x)", "(?ix)", "(?-u)", "(?i-u)", "(?x-u)"])
        p = flags + rnd.choice(["", "a", "[b"]) + cls + rnd.choice(["", "*", "b", "{2}"])
        if rnd.random() < 0.3:  # near the nest limit
            p = rnd.choice(["[" * 246, "[" * 247, "[" * 248, "[" * 249, "(" * 248, "(" * 249]) + p
        yield p


@pytest.mark.parametrize("thresholds", [(2, 3, 5), (4, 8, 64)], ids=["tiny", "small"])
def test_class_runs_parse_like_single_items(monkeypatch: pytest.MonkeyPatch, thresholds: Tuple[int, ...]) -> None:
    # ClassItemRun (found by findall in windows) gives exactly the HIR or the
    # error text and span of the item-by-item path.
    from contractgate._validation.regex import parser as P

    patterns = list(_class_run_patterns(sum(thresholds), 300))
    monkeypatch.setattr(P, "_RUN_MIN_CHARS", 10**9)
    expected = [_full_outcome(p) for p in patterns]
    for name, value in zip(["_RUN_MIN_CHARS", "_WINDOW_MIN", "_WINDOW_MAX"], thresholds):
        monkeypatch.setattr(P, name, value)
    for p, want in zip(patterns, expected):
        assert _full_outcome(p) == want, p
    assert any(isinstance(x, A.ClassItemRun) for x in P.parse("[" + "ab" * 20 + "]").kind.items)  # type: ignore[union-attr]


_FLAG_ATOMS = [
    "(?i)", "(?-i)", "(?s)", "(?-s)", "(?-u)", "(?u)", "(?U)", "(?m)", "(?R)", "(?i-u)", "(?ii)", "(?-)", "(?x)",
    "a", "k", "é", "ab", ".", "^", "$", "\\xFF", "\\x41", "\\w", "\\pL", "[a]", "[^a]", "(a)", "(?i:a)", "(?-i:k)",
    "a*", "b?", "(?:a|b)", "\\b", " ", "(?i)*",
]


def _flag_run_patterns(seed: int, n: int) -> Iterator[str]:
    """Runs of tokens with ``(?flags)`` among them: repeated units, random tokens."""
    import random

    rnd = random.Random(seed)
    for i in range(n):
        pick = lambda k: "".join(rnd.choice(_FLAG_ATOMS) for _ in range(k))  # noqa: E731
        p = pick(rnd.randint(1, 6)) * rnd.randint(2, 40) if i % 2 else pick(rnd.randint(2, 80))
        yield rnd.choice(["", "(?i)", "(?-u)", "(?s:", "x|"]) + p + rnd.choice(["", ")", "|y", "."])


def test_flag_runs_translate_like_single_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    # A TokenRun with (?flags) tokens translates each token under the flags
    # it is read under, and leaves the last ones set: same HIR, error text
    # and span as token by token.
    from contractgate._validation.regex import parser as P

    patterns = list(_flag_run_patterns(3, 300))
    monkeypatch.setattr(P, "_RUN_MIN_CHARS", 10**9)
    monkeypatch.setattr(H, "COMPACT_MIN", 10**9)
    expected = [_full_outcome(p) for p in patterns]
    for name, value in [("_RUN_MIN_CHARS", 2), ("_PERIODIC_MIN", 4), ("_WINDOW_MIN", 3), ("_WINDOW_MAX", 9)]:
        monkeypatch.setattr(P, name, value)
    monkeypatch.setattr(H, "COMPACT_MIN", 2)
    for p, want in zip(patterns, expected):
        assert _full_outcome(p) == want, p


def _flag_branch_patterns(seed: int, n: int) -> Iterator[str]:
    """Alternations whose branches set flags: repeated units of branches, random
    branches, errors at random places, flags set in the last branch, nested
    groups (with flags) around and inside."""
    import random

    rnd = random.Random(seed)
    bad = {"(?ii)", "(?-)", "(?x)", "(?i)*", "(?i-u)", "\\xFF"}  # (errors are put in below)
    atoms = [a for a in _FLAG_ATOMS if a not in bad] + [
        "(?i-s)", "(?sU)", "(?-iU)", "(a(?i:b))", "(?s:(?i:.)c)", "c{2}", "[a-z\\d]", "(?u:.)", "(?u)", "(?u)",
    ]

    def pick(k: int) -> str:
        return "".join(rnd.choice(atoms) for _ in range(k))

    def branches(k: int) -> str:
        return "".join(pick(rnd.randint(0, 4)) + "|" for _ in range(k))

    for i in range(n):
        p = branches(rnd.randint(1, 4)) * rnd.randint(2, 30) if i % 2 else branches(rnd.randint(2, 40))
        if rnd.random() < 0.3:  # an error (or a flag change) at a random place
            cut = rnd.randint(0, len(p))
            p = p[:cut] + rnd.choice(["(?ii)", "(?-u)\\xFF", "(?-u)", "(?x)", "*", "(?i)", "(?-u)\\pL|"]) + p[cut:]
        last = rnd.choice(["", "x", "(?s).", "(?i)k", "(?-u)."])
        p = rnd.choice(["", "(?i)", "(?-u)", "x|"]) + p + last
        if rnd.random() < 0.5:  # in a group: the flags set inside end with it
            p = rnd.choice(["(?s:", "(?:", "((?i)", "(?U:a|"]) + p + rnd.choice([")", ")", ")", ""])
        yield p + rnd.choice(["", ".k", "|y."])


@pytest.mark.parametrize(
    "thresholds", [(2, 4, 3, 9, 2), (8, 16, 4, 64, 16), (3, 1000, 3, 5, 1000)], ids=["tiny", "small", "no-periodic"]
)
def test_flag_branches_translate_like_single_branches(
    monkeypatch: pytest.MonkeyPatch, thresholds: Tuple[int, ...]
) -> None:
    # A BranchRun with (?flags) tokens reads each branch under the flags in
    # force at its start (set in earlier branches) and leaves the last ones
    # set: same HIR, error text and span as branch by branch.
    from contractgate._validation.regex import parser as P

    patterns = list(_flag_branch_patterns(sum(thresholds), 300))
    _assert_runs_change_nothing(monkeypatch, patterns, thresholds)
    alt = P.parse("(?i)a|" + "(?s)b|(?-i)|" * 20 + "d")
    assert isinstance(alt, A.Alternation)
    assert any(isinstance(x, A.BranchRun) for x in alt.asts) or thresholds[3] < 9  # (windows too short)


_GROUP_ATOMS = ["(", "(?:", "(", "(?:", "(?i:", "(?i)", "(?P<n>", "(?", "(?=", ")", ")", ")", "|", "a", "\\d", "*", "(?x)", " ", "[a]", "\n"]


def _open_run_patterns(seed: int, n: int) -> Iterator[str]:
    """Runs of ``(`` / ``(?:`` and of ``)``, near and past the nest limit, with
    random items (and errors) between them."""
    import random

    rnd = random.Random(seed)
    for _ in range(n):
        parts = []
        for _ in range(rnd.randint(1, 4)):
            k = rnd.choice([2, 3, 10, 120, 248, 249, 250, 251, 400])
            parts.append("".join(rnd.choice(["(", "(?:", "(", "(?:", "("]) for _ in range(k)))
            parts.append("".join(rnd.choice(_GROUP_ATOMS) for _ in range(rnd.randint(0, 4))))
            parts.append(")" * rnd.choice([0, 1, 2, k // 2, k, k + 1]))
        yield "".join(parts)


def test_open_runs_parse_like_single_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    # _OpenRun (many opens as one stack entry) and the batched closes give the
    # AST, HIR, error text and span of the group-by-group path.
    from contractgate._validation.regex import parser as P

    patterns = list(_open_run_patterns(7, 400))
    with monkeypatch.context() as m:
        m.setattr(P.Parser, "push_open_run", lambda self, concat: None)
        expected = [_full_outcome(p) for p in patterns]
    monkeypatch.setattr(P, "_OPEN_RUN_MIN", 2)
    for p, want in zip(patterns, expected):
        assert _full_outcome(p) == want, p


def test_open_runs_after_back_off(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tries that find too few opens (``((a|``) back off; a long run of opens
    # after them is still one _OpenRun, and the outcome is the group-by-group one.
    from contractgate._validation.regex import parser as P

    patterns = [
        "((a|" * 40 + "(" * 300 + "b" + ")" * 300 + ")" * 80,
        "(a|" * 300 + ")" * 300,
        "((?:a|" * 30 + "(?:" * 40 + "(" * 20 + ")" * 120,
        "(((a|" * 100,
    ]
    with monkeypatch.context() as m:
        m.setattr(P.Parser, "push_open_run", lambda self, concat: None)
        expected = [_full_outcome(p) for p in patterns]
    assert [_full_outcome(p) for p in patterns] == expected
    seen: List[int] = []
    push = P.Parser.push_group

    def spy(self: P.Parser, concat: A.Concat) -> A.Concat:
        seen.append(self.offset)
        return push(self, concat)

    monkeypatch.setattr(P.Parser, "push_group", spy)
    P.Parser(patterns[0]).parse_items()
    assert len(seen) < 80 * 2 + 60  # the 300 opens were (mostly) one _OpenRun


# Each shape: 1 MiB, compiled in a child process under a memory limit; the
# outcome is the crate's (the step-by-step parser's, recorded before the fast
# paths existed).  Hangs, not speed, are what this catches.
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
    import os
    import subprocess
    import sys

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
    src = os.path.join(os.path.dirname(__file__), "..", "src")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert expected in out.stdout.strip()


def test_token_run_representation() -> None:
    # Periodic text: one piece repeated; counts per distinct token.
    ast = parse("x" + "\\d" * 1000 + "(a)?")
    assert isinstance(ast, A.Concat)
    run = ast.asts[0]
    assert isinstance(run, A.TokenRun)
    assert run.counts == {"x": 1, "\\d": 1000, "(a)?": 1}
    pattern = "x" + "\\d" * 1000 + "(a)?"  # the pieces tile the text
    assert "".join(pattern[s:s + n] * k for s, n, k in run.pieces) == pattern
    assert run.first_capture == 1 and run.depth == 2  # Repetition > Group
    # A run never ends right before a repetition operator: its last token is
    # left to the step-by-step parser (here ``\d*`` becomes one token, then
    # the ``?`` repeats it).
    ast = parse("\\d" * 600 + "*?+")
    assert isinstance(ast, A.Concat)
    assert [type(x).__name__ for x in ast.asts] == ["TokenRun", "Repetition"]
    # Branches: the first is parsed as usual, the run ends after the last bar.
    ast = parse("a|" * 600 + "b")
    assert isinstance(ast, A.Alternation)
    assert [type(x).__name__ for x in ast.asts] == ["Literal", "BranchRun", "Literal"]
    brun = ast.asts[1]
    assert isinstance(brun, A.BranchRun) and brun.count == 599 and brun.counts == {"a": 599}
    # Short patterns never use runs.
    assert not any(isinstance(x, (A.TokenRun, A.BranchRun)) for x in parse("\\d" * 100).asts)  # type: ignore[union-attr]


def test_compact_hir_is_a_lower_bound_then_expanded() -> None:
    # Long runs translate to compact nodes, priced per distinct item; over the
    # limit the size error is raised from the compact form, otherwise the HIR
    # is the usual one (no compact node leaks out of translate()).
    pattern = "\\w" * 5000
    t = H.Translator(pattern)
    h = t.translate(parse(pattern))
    assert isinstance(h, H.HRun) and t.compact and h.pairs == [(h.pairs[0][0], 5000)]
    assert _size.exceeds_lower_bound(h)
    with pytest.raises(RegexCompileError, match="size limit"):
        H.translate(pattern, parse(pattern))
    pattern = "\\w" * 150 + "a?" * 5000
    h = H.translate(pattern, parse(pattern))
    assert not H._has_compact(h)
    assert isinstance(h, H.HConcat) and len(h.subs) == 5150
    # Many branches: a bag, decided on samples; prefix lifting still applies.
    pattern = "\\da|" * 5000 + "\\db"
    t = H.Translator(pattern)
    h = t.translate(parse(pattern))
    assert isinstance(h, H.HConcat) and [type(x).__name__ for x in h.subs] == ["HClass", "HClass"]
    assert H.translate(pattern, parse(pattern)).key() == h.key()
    pattern = "(a)|" * 5000
    t = H.Translator(pattern)
    assert isinstance(t.translate(parse(pattern)), H.HAltBag)


def test_counted_repetition_with_thousands_of_digits() -> None:
    # u32::from_str: leading zeros are fine; CPython's int() would refuse the
    # string (more than 4300 digits) with a ValueError.
    assert _display("a{" + "0" * 5000 + "5}") is None
    assert _display("a{" + "1" * 5000 + "}") == (
        "regex parse error:\n    a{" + "1" * 5000 + "}\n      " + "^" * 5000 + "\nerror: decimal literal invalid"
    )
    assert _display("a{ 004294967296 }") is not None and _display("a{ 004294967295 }") is not None


def test_periodic_text_is_cut_into_whole_tokens() -> None:
    from contractgate._validation.regex import parser as P

    assert P._common_length("abcabcabx", 0, 3, 9, 1) == 5
    # Escaped backslashes: the text has period 1, the tokens period 2.
    pattern = "\\\\" * 1000
    ast = parse(pattern)
    assert isinstance(ast, A.Concat) and isinstance(ast.asts[0], A.TokenRun)
    assert ast.asts[0].pieces == [(0, 2, 1000)]
    assert H.translate(pattern, ast).key() == ("l", "\\" * 1000)


# -- match semantics -----------------------------------------------------------------------


@pytest.mark.parametrize("pattern,flags", MATCH_CASES)
def test_match_table(pattern: str, flags: str) -> None:
    m = compile_pattern(pattern)
    for s, flag in zip(MATCH_STRINGS, flags):
        want = flag == "1"
        got = _all_answers(m, s)
        assert got == (want,) * len(got), (pattern, s, m.engine)


def test_interface() -> None:
    m = compile_pattern("^[a-z0-9_]+$")
    assert m.pattern == "^[a-z0-9_]+$"
    assert m.engine == "re"
    fn = is_match_fn(m)
    # The fast path is the compiled pattern's own bound search method.
    assert getattr(fn, "__self__", None).__class__ is re.Pattern
    assert fn("abc_1") and not fn("abc\n")
    assert m.is_match("abc_1") is True and m.is_match("ABC") is False
    assert compile_pattern("^[a-z0-9_]+$") is m  # cached


def test_never_matching_pattern() -> None:
    m = compile_pattern("[a&&b]")
    assert m.engine == "never"
    assert not m.is_match("") and not m.is_match("ab")
    assert compile_pattern("[a&&b]|c").is_match("c")


# -- the linear-time guarantee ---------------------------------------------------------------

SAFE = [
    "^[a-z0-9_]+$", "^\\d{4}-\\d{2}-\\d{2}$", "colou?r", "\\bfoo\\b", "\\d{3}-\\d{4}", "^(foo|bar|baz)+$",
    "^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", "[a-z]+",
    "^https?://[^\\s/$.?#][^\\s]*$", "^[a-zA-Z]+(?:-[a-zA-Z]+)*$", "^v\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.]+)?$",
    "^(?:\\+?1[-. ]?)?\\(?\\d{3}\\)?[-. ]?\\d{3}[-. ]?\\d{4}$", "\\p{Lu}+", "",
]
UNSAFE = [
    "^(a+)+$", "(a|a)*b", "(a*)*b", "(\\w+\\s?)*$", "^(a|aa)+$", "(.*a){20}", "[a-z]+$", "a*a*a*a*a*b",
    "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", "\\w+@", "(x+x+)+y", "^(\\d+)*$", "(a|b|ab)*c", "(?:a?){30}a{30}",
    # A failing run that shares its prefix with runs reaching sinks (quadratic in re).
    "^(?:[xy]+c|x)*",
]


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_patterns_use_re(pattern: str) -> None:
    assert compile_pattern(pattern).engine == "re"


@pytest.mark.parametrize("pattern", UNSAFE)
def test_unsafe_patterns_use_dfa(pattern: str) -> None:
    assert compile_pattern(pattern).engine == "dfa"


CATASTROPHIC = [
    ("^(a+)+$", "a" * 50_000 + "!", False),
    ("(a|a)*b", "a" * 100_000, False),
    ("(a*)*b", "a" * 100_000, False),
    ("(\\w+\\s?)*$", "a" * 100_000 + "!", True),
    ("^(\\w+\\s?)*$", "a" * 100_000 + "!", False),
    ("^(a|aa)+$", "a" * 100_000 + "!", False),
    ("(.*a){20}", "a" * 100_000, True),
    ("(.*a){20}b", "a" * 100_000, False),
    ("[a-z]+$", "a" * 100_000 + "!", False),
    ("a*a*a*a*a*b", "a" * 100_000, False),
    ("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", "a@" + "b." * 50_000 + "@", False),
    ("(x+x+)+y", "x" * 100_000, False),
    ("\\bfoo\\b", "foo" * 50_000, False),
    ("(?i)\\p{L}+\\d", "é" * 100_000, False),
    ("^(?:[xy]+c|x)*!", "x" * 100_000, False),
    ("\\w+@\\w+", "a" * 100_000, False),
]


@pytest.mark.parametrize("pattern,haystack,want", CATASTROPHIC)
def test_catastrophic_patterns_are_linear(pattern: str, haystack: str, want: bool) -> None:
    m = compile_pattern(pattern)
    t0 = time.perf_counter()
    assert m.is_match(haystack) is want
    assert time.perf_counter() - t0 < 1.0, (pattern, m.engine)


def test_dfa_cache_reset_keeps_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_nfa, "MAX_DFA_STATES", 3)
    monkeypatch.setattr(_nfa, "MAX_TRANSITIONS", 5)
    m = CompiledRegex("(a|ab)(c|bcd)(d*)$", H.translate("x", parse("(a|ab)(c|bcd)(d*)$")), "dfa")
    for s in ["abcd", "abcdx", "acd", "xabcddd", "ab", ""]:
        assert m.is_match(s) == m.backtracking_is_match(s), s


def test_dfa_threads() -> None:
    m = compile_pattern("^(\\w+\\s?)*$")
    values = ["hello world", "a b c d!", "x" * 200, "é ü ß", "tab\there", "x y z "]
    want = {v: m.backtracking_is_match(v) for v in values}
    errors: List[str] = []

    def work() -> None:
        for _ in range(300):
            for v in values:
                if m.is_match(v) != want[v]:
                    errors.append(v)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


DEEP = [
    "a" + "*" * 248,
    "(" * 249 + "a" + ")" * 249,
    "(?:" * 125 + "a" + ")*" * 125,
    "(?:a|" * 124 + "b" + ")" * 124,
    "[" * 124 + "a" + "]" * 124,
    "(" * 124 + "a" + ")+" * 124,
    "(?:(?:a|b)+" * 80 + ")" * 80,
    "(?:(?:a?){2}" * 60 + ")" * 60,
    "((((((((((((a{2}){2}){2}){2}){2}){2}){2}){2}){2}){2}){2}){2})",
]


@pytest.mark.parametrize("pattern", DEEP, ids=lambda p: p[:20])
def test_deep_nesting(pattern: str) -> None:
    t0 = time.perf_counter()
    m = compile_pattern(pattern)
    for s in ["", "a", "aab", "b" * 100]:
        got = _all_answers(m, s)
        assert len(set(got)) == 1, (s, got)
    assert time.perf_counter() - t0 < 5.0


# -- differential: random patterns x random strings --------------------------------------

_PIECES = [
    "a", "b", "ab", "k", "K", "ß", "é", "_", " ", ".", "-", "\\.", "\\d", "\\w", "\\s", "\\D", "\\W", "\\S",
    "[a-c]", "[^a]", "[[:alpha:]]", "[a-z&&[^b]]", "\\pL", "\\p{Greek}", "\\b", "\\B", "\\<", "\\>", "^", "$",
    "\\A", "\\z", "(?i)", "(?m)", "(?s)", "(?R)", "(?-u)", "(?x)", "\\x{e9}", "\\n", "\\r",
]
_QUANTS = ["", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "*?", "+?", "??"]


@st.composite
def _patterns(draw: st.DrawFn, depth: int = 0) -> str:
    parts: List[str] = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 2 and draw(st.integers(0, 5)) == 0:
            inner = "|".join(draw(st.lists(_patterns(depth + 1), min_size=1, max_size=3)))
            parts.append(draw(st.sampled_from(["(", "(?:", "(?i:", "(?P<g>"])) + inner + ")")
        else:
            parts.append(draw(st.sampled_from(_PIECES)))
        parts.append(draw(st.sampled_from(_QUANTS)))
    return "".join(parts)


_CHARS = st.sampled_from([*"abkKßé_ .-\n\rxAB1", "\u212a", "ſ", "\u0661", "\U0001f600", "α", "\u200d"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_patterns(), st.lists(st.text(_CHARS, max_size=8), min_size=1, max_size=6))
def test_differential_re_vs_dfa(pattern: str, haystacks: List[str]) -> None:
    try:
        m = compile_pattern(pattern)
    except RegexCompileError:
        return
    for s in haystacks:
        got = _all_answers(m, s)
        assert len(set(got)) == 1, (pattern, s, got, m.engine)


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from(list("()[]{}|*+?^$.\\-&~:=!<>,PpxuUdwsbBAzi0129aZ# \n")), max_size=12))
def test_random_syntax_never_crashes(pattern: str) -> None:
    try:
        m = compile_pattern(pattern)
    except RegexCompileError as exc:
        assert exc.display.startswith(("regex parse error:\n", "Compiled regex exceeds"))
        return
    assert isinstance(m.is_match("abc"), bool)


def test_safety_analysis_is_conservative_on_random_patterns() -> None:
    # Every pattern the analysis accepts must finish quickly on adversarial input.
    for pattern in ["(a|b)*c", "(ab|a)*c", "(a|ab)(c|bcd)(d*)", "a{1,30}a{1,30}$", "(?:a|b)+c?$"]:
        m = compile_pattern(pattern)
        h = H.translate(pattern, parse(pattern))
        if _safety.is_linear(h):
            t0 = time.perf_counter()
            m.backtracking_is_match("ab" * 5000 + "x")
            assert time.perf_counter() - t0 < 1.0, pattern
