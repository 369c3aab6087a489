# ruff: noqa: E501
"""The regex front end: parse and translation errors byte for byte, and its structure.

The expected texts in ``ERROR_CASES`` were produced by the Rust crate itself
(regex 1.13.1 / regex-syntax 0.8.11, through pydantic-core's ``str`` pattern
validator), see docs/design/regex.md.
"""

from __future__ import annotations

import ast as pyast
import re
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from regex_testlib import ast_key, display, from_deep_stack, pattern_contract

from contractgate._validation.regex import RegexCompileError, compile_pattern
from contractgate._validation.regex import ast as A
from contractgate._validation.regex import hir as H
from contractgate._validation.regex import size as _size
from contractgate._validation.regex.parser import parse
from contractgate._validation.regex.translate import translate
from contractgate.contract import Contract
from contractgate.exceptions import ContractCompileError

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


@pytest.mark.parametrize("pattern,display_text", ERROR_CASES)
def test_error_display(pattern: str, display_text: Optional[str]) -> None:
    assert display(pattern) == display_text


def test_error_attributes() -> None:
    with pytest.raises(RegexCompileError) as info:
        compile_pattern("(abc")
    err = info.value
    assert err.pattern == "(abc"
    assert err.message == "unclosed group"
    assert str(err) == err.display == "regex parse error:\n    (abc\n    ^\nerror: unclosed group"
    assert isinstance(err, ValueError)
    assert err.span is not None and err.span.key() == (0, 1)
    assert [p.key() for p in err.span.positions(err.pattern)] == [(0, 1, 1), (1, 1, 2)]


# -- hexadecimal escapes with leading zeros (issue #14, item 2) ------------------------------
#
# regex-syntax reads the braced digits with ``u32::from_str_radix``: any number of
# leading zeros, then at most 8 significant digits.


@pytest.mark.parametrize(
    "pattern, subject",
    [
        ("\\x{000000041}", "A"),
        ("\\u{0000000e9}", "\u00e9"),
        ("\\U{000000000}", "\x00"),
        ("[\\x{00000000061}-z]", "q"),
        ("\\x{" + "0" * 5000 + "10FFFF}", "\U0010ffff"),
        ("(?i)\\u{00000000000004B}", "\u212a"),
    ],
)
def test_hex_escapes_with_leading_zeros(pattern: str, subject: str) -> None:
    m = compile_pattern(pattern)
    assert m.is_match(subject)
    assert not m.is_match("%")


@pytest.mark.parametrize(
    "pattern, carets",
    [
        ("\\x{100000000}", "   ^^^^^^^^^"),
        ("\\x{0000000110000}", "   ^^^^^^^^^^^^^"),
        ("\\u{00000000D800}", "   ^^^^^^^^^^^^"),
    ],
)
def test_hex_escapes_still_checked_for_scalar_values(pattern: str, carets: str) -> None:
    assert display(pattern) == (
        f"regex parse error:\n    {pattern}\n    {carets}\n"
        "error: hexadecimal literal is not a Unicode scalar value"
    )


def test_hex_escapes_in_a_long_pattern() -> None:
    # After a 1 KB prefix of escapes: leading zeros are fine, and a value that is
    # not a scalar value is reported as such, not as a later error.
    assert display("\\x41" * 300 + "\\x{0000000041}" + "a") is None
    err = display("\\x41" * 300 + "\\x{000000000110000}" + "a(")
    assert err is not None and err.endswith("error: hexadecimal literal is not a Unicode scalar value")


# -- counted repetitions (issue #14, item 3) -----------------------------------------------
#
# The decimal parser skips whitespace even outside x mode, and the end of the
# pattern is checked before a bad first count is reported.

RULE = "~" * 79


@pytest.mark.parametrize(
    "pattern, want",
    [
        ("a{ ", "regex parse error:\n    a{ \n     ^^\nerror: unclosed counted repetition"),
        ("a{\t\t", "regex parse error:\n    a{\t\t\n     ^^^\nerror: unclosed counted repetition"),
        ("a{\u3000", "regex parse error:\n    a{\u3000\n     ^^\nerror: unclosed counted repetition"),
        (
            "a{\n",
            f"regex parse error:\n{RULE}\n1: a{{\n{RULE}\n"
            "on line 1 (column 2) through line 2 (column 0)\nerror: unclosed counted repetition",
        ),
        (
            "a{  \n ",
            f"regex parse error:\n{RULE}\n1: a{{  \n2:  \n{RULE}\n"
            "on line 1 (column 2) through line 2 (column 1)\nerror: unclosed counted repetition",
        ),
        ("a{99999999999", "regex parse error:\n    a{99999999999\n     ^^^^^^^^^^^^\nerror: unclosed counted repetition"),
        ("a{99999999999,", "regex parse error:\n    a{99999999999,\n     ^^^^^^^^^^^^^\nerror: unclosed counted repetition"),
        ("a{,", "regex parse error:\n    a{,\n     ^^\nerror: unclosed counted repetition"),
        ("a{ ,", "regex parse error:\n    a{ ,\n     ^^^\nerror: unclosed counted repetition"),
        ("a{x,", "regex parse error:\n    a{x,\n      ^\nerror: repetition quantifier expects a valid decimal"),
        ("a{99999999999,}", "regex parse error:\n    a{99999999999,}\n      ^^^^^^^^^^^\nerror: decimal literal invalid"),
        ("a{99999999999,5}", "regex parse error:\n    a{99999999999,5}\n      ^^^^^^^^^^^\nerror: decimal literal invalid"),
        ("a{x", "regex parse error:\n    a{x\n      ^\nerror: repetition quantifier expects a valid decimal"),
        ("a{,5}", "regex parse error:\n    a{,5}\n      ^\nerror: repetition quantifier expects a valid decimal"),
        ("a{1,x", "regex parse error:\n    a{1,x\n        ^\nerror: repetition quantifier expects a valid decimal"),
        ("a{ 1 , 2 }b", None),
    ],
)
def test_counted_repetition_errors(pattern: str, want: Optional[str]) -> None:
    assert display(pattern) == want


def test_counted_repetition_with_thousands_of_digits() -> None:
    # u32::from_str: leading zeros are fine; CPython's int() would refuse the
    # string (more than 4300 digits) with a ValueError.
    assert display("a{" + "0" * 5000 + "5}") is None
    assert display("a{" + "1" * 5000 + "}") == (
        "regex parse error:\n    a{" + "1" * 5000 + "}\n      " + "^" * 5000 + "\nerror: decimal literal invalid"
    )
    assert display("a{ 004294967296 }") is not None and display("a{ 004294967295 }") is not None


# -- representation: runs of plain characters, one-character classes ------------------------

_RUN_ATOMS = [
    "a", "b", "ab", "abc", " ", "  ", "\n", "#", "# c\n", "\t", "\u3000", "\u0085", "é", "?", "*",
    "+", "{2}", "{1,3}", "{ 2 }", "{", "}", "(", ")", "(?x)", "(?-x)", "(?i)", "(?x:", "(?:", "|",
    "[a-z]", "[ a-c]", "[-a]", "]", "\\", "\\x41", "\\x{ 41 }", "\\d", "\\b{start}", ".", "^",
    "$", "-", "&&", "~", "(?P<n>", "(?-u)", "\\xFF", "x y\nz", "\n\n", "é\n", "\\p {L}", "[a]",
    "[^a]", "[]", "[^]", "[-]", "[\\]", "[#]", "[ ]", "[^^]", "\\.", "\\W", "\\-", "\\$", "??",
    "+?", "*?", "a?", "(a)", "\\d+", ".*",
]


def _outcome(pattern: str) -> str:
    try:
        return repr(translate(pattern, parse(pattern)).key())
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


def test_compact_forms_parse_like_the_step_by_step_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    # The parser reads runs of plain characters as one LiteralRun node, ``[c]`` in
    # one go and the commonest steps inline; with the shortcuts off it takes
    # regex-syntax's own steps (one Literal per character, the class stack, the
    # methods).  Same HIR, same errors.
    from contractgate._validation.regex import parser as P

    patterns = list(_run_patterns())
    with_shortcuts = [_outcome(p) for p in patterns]
    monkeypatch.setattr(P, "_scanner", lambda _x: re.compile("(?s:.)"))
    monkeypatch.setattr(P, "_NOT_PLAIN", "")
    monkeypatch.setattr(P.Parser, "simple_class", lambda self: None)
    monkeypatch.setattr(P, "_FAST_STEPS", False)
    for p, got in zip(patterns, with_shortcuts):
        assert got == _outcome(p), p


# Atoms for the one-go forms of counted repetitions and bracketed classes, with their
# near misses (spaces, ranges backwards, class operators, x mode).
_SHORTCUT_ATOMS = [
    *_RUN_ATOMS, "{2,}", "{0,07}", "{3,1}", "{2}?", "{1,3}?", "{,3}", "{999999999}",
    "{4294967295}", "{4294967296}", "{ 2,3}", "{2 }", "{2,3 }", "{1,}?", "[a-z]", "[a-z0-9_]",
    "[^a-c_x]", "[a-]", "[0-9a-f]", "[z-a]", "[a-a]", "[é-ü]", "[a-z&&b]", "[[:alpha:]]",
    "[a^]", "[^-a]", "[]a]", "[a-z\\d]", "[x]", "[^x]", "[a b]", "[a-c-e]", "[\u3000-\u3001]",
    "(?:ab)", "a{0}", "(?i)[a-z]{2}",
]


def _parsed(pattern: str) -> object:
    try:
        return ast_key(parse(pattern))
    except RegexCompileError as err:
        return "error: " + str(err)


def test_one_go_forms_build_the_steps_ast(monkeypatch: pytest.MonkeyPatch) -> None:
    # The inline steps of the parse loop and the one-go bracketed classes build the very
    # nodes (spans included) that regex-syntax's steps build, and raise the same errors.
    import random

    from contractgate._validation.regex import parser as P

    rnd = random.Random(20261206)
    patterns = ["".join(rnd.choice(_SHORTCUT_ATOMS) for _ in range(rnd.randint(1, 10)))
                for _ in range(3000)]  # fmt: skip
    fast = [_parsed(p) for p in patterns]
    monkeypatch.setattr(P.Parser, "simple_class", lambda self: None)
    monkeypatch.setattr(P, "_FAST_STEPS", False)
    for p, got in zip(patterns, fast):
        assert got == _parsed(p), p


def test_literal_run_split_by_repetition() -> None:
    ast = parse("ab\nc*")
    assert isinstance(ast, A.Concat)
    assert [type(x).__name__ for x in ast.asts] == ["LiteralRun", "Repetition"]
    rep = ast.asts[1]
    assert isinstance(rep, A.Repetition) and isinstance(rep.ast, A.Literal)
    assert (rep.ast.c, rep.ast.span.key()) == ("c", (3, 4))
    rule = "~" * 79
    assert display("(?x)ab \n cd \n\n*{") == (
        f"regex parse error:\n{rule}\n1: (?x)ab \n2:  cd \n3: \n4: *{{\n    ^\n{rule}\n"
        "error: unclosed counted repetition"
    )


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from(list("()[]{}|*+?^$.\\-&~:=!<>,PpxuUdwsbBAzi0129aZ# \n")), max_size=12))
def test_random_syntax_never_crashes(pattern: str) -> None:
    try:
        m = compile_pattern(pattern)
    except RegexCompileError as exc:
        assert exc.display.startswith(("regex parse error:\n", "Compiled regex exceeds"))
        return
    assert isinstance(m.is_match("abc"), bool)


# -- depth: no Python recursion on the compile path (issue #14, item 4) ----------------------

@pytest.mark.parametrize(
    "pattern, error",
    [
        ("a" + "{2}" * 249, "Compiled regex exceeds size limit of 10485760 bytes."),
        ("a" + "{2}" * 250, "Compiled regex exceeds size limit of 10485760 bytes."),
        ("a" + "{2}" * 251, "exceed the maximum number of nested parentheses/brackets (250)"),
        ("(?:" * 249 + "a" + ")*" * 249, "exceed the maximum number of nested parentheses/brackets (250)"),
        ("(" * 100 + "a{9}" + "{9}" * 120 + ")" * 100, "Compiled regex exceeds size limit of 10485760 bytes."),
    ],
    ids=["rep249", "rep250", "rep251", "group-rep", "groups-reps"],
)
def test_contract_compile_from_a_deep_call_chain(pattern: str, error: str) -> None:
    # The caller is already 900 frames deep (CPython's limit is 1000 by default):
    # the compile path must not need Python frames per nesting level.
    text = pattern_contract(pattern)

    def compile_contract() -> str:
        try:
            Contract.from_yaml(text).compile()
        except ContractCompileError as err:
            return str(err)
        return "ok"

    got = from_deep_stack(sys.getrecursionlimit() - 100, compile_contract)
    assert got.endswith(error), got[-200:]


@pytest.mark.parametrize(
    "pattern",
    [
        "(" * 249 + "a" + ")" * 249,
        "a" + "*" * 248,
        "(?:a|" * 124 + "b" + ")" * 124,
        "[" * 124 + "a" + "]" * 124,
        "[a" + "&&[a" * 120 + "]" * 121,
        "(?:(?:a|b)+" * 80 + ")" * 80,
        "(?i)" + "(" * 120 + "\\pL" + ")+" * 120,
    ],
    ids=lambda p: p[:12],
)
def test_front_end_from_a_deep_call_chain(pattern: str) -> None:
    # Parse, translation, size decision, keys and properties near the nest limit
    # with almost no Python stack left.
    def front_end() -> bool:
        h = translate(pattern, parse(pattern))
        h.key()
        H.max_len(h)
        H.can_match(h)
        H.anchored_start(h)
        H.anchored_end(h)
        return _size.exceeds_limit(h)

    assert from_deep_stack(sys.getrecursionlimit() - 60, front_end) is False


# -- module structure ----------------------------------------------------------------------


def _imports(package_dir: Path) -> Dict[str, Set[str]]:
    """The modules each module of the package imports (module level or not), read
    from the source: ``from . import x`` counts as importing ``x`` when it is a module."""
    root = package_dir.name
    sources: Dict[str, Path] = {}
    for path in package_dir.rglob("*.py"):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        sources[".".join(parts)] = path
    graph: Dict[str, Set[str]] = {}
    for name, path in sources.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        deps: Set[str] = set()
        for node in pyast.walk(pyast.parse(path.read_text("utf-8"))):
            if isinstance(node, pyast.ImportFrom):
                if node.level:
                    base = here[: len(here) - node.level + 1]
                    mod = ".".join([*base, *(node.module.split(".") if node.module else [])])
                else:
                    mod = node.module or ""
                for alias in node.names:
                    sub = f"{mod}.{alias.name}"
                    deps.add(sub if sub in sources else mod)
            elif isinstance(node, pyast.Import):
                deps.update(alias.name for alias in node.names)
        graph[name] = {d for d in deps if d in sources and d != name and d.startswith(root)}
    return graph


def _cycle(graph: Dict[str, Set[str]]) -> Optional[List[str]]:
    """A cycle of the graph, or None (iterative DFS)."""
    state: Dict[str, int] = {}
    for root in sorted(graph):
        if state.get(root):
            continue
        path: List[str] = []
        stack = [(root, iter(sorted(graph[root])))]
        state[root] = 1
        path.append(root)
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(sorted(graph[nxt]))))
    return None


FRONT_END = {"regex.parser", "regex.ast", "regex.errors", "regex.hir", "regex.size",
             "regex.charset", "regex.unicode", "regex.tables", "regex.gc_pause"}  # fmt: skip


def _graph() -> Dict[str, Set[str]]:
    import contractgate._validation.regex as pkg

    return _imports(Path(pkg.__file__).parent)


def test_the_front_end_has_no_import_cycle() -> None:
    graph = _graph()
    assert FRONT_END <= set(graph)
    front = {m: graph[m] & FRONT_END for m in FRONT_END}
    assert "regex.hir" in front["regex.size"] and "regex.size" not in front["regex.hir"]
    assert not front["regex.hir"] & {"regex.parser"}  # translation does not call the parser
    assert _cycle(front) is None, _cycle(front)


def test_the_regex_package_has_no_import_cycle() -> None:
    graph = _graph()
    assert "regex.size" in graph["regex"]
    assert _cycle(graph) is None, _cycle(graph)
