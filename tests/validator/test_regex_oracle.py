# ruff: noqa: E501
"""The Rust regex crate itself as the oracle of contract patterns.

``flpc`` 0.2.5 (a dev dependency) wraps the crate -- regex 1.10.5 / regex-syntax
0.8.4 -- and raises the crate's own ``Display`` text as ``ValueError``; its
``search`` is the crate's unanchored ``find``.  Hypothesis generates patterns of the
Rust dialect (classes with ``&&``/``--``/``~~`` and nesting, ``[:name:]``, Unicode
classes, Perl classes, flags and scoped flags, x mode with whitespace and comments,
anchors and every word boundary, counted repetitions, every form of escape,
capture names, and invalid constructs of each kind) and subjects built from
case-folding and Unicode edge cases; for each, the compile verdict, the error text
(byte for byte) and ``is_match`` of every subject must be the crate's.

The crate here is older than the one the gateway runs (regex 1.13.1 / regex-syntax
0.8.11), so two differences are allowed for, and counted:

* **size-limit verdicts of patterns with non-ASCII classes.**  regex-syntax 0.8.4
  ships Unicode 15.0 tables, 0.8.11 Unicode 16.0: ``\\w``, ``\\pL``, case folding
  etc. have different ranges, so their compiled NFAs differ in size and a
  pattern near the 10 MiB limit can fall on either side of it.  Waived only when
  one side is the size-limit error, the other compiles, and the pattern has a
  Perl or Unicode class or case folding (whose ranges come from those tables).

* **``\\p{name!=value}``.**  regex-syntax 0.8.4 ignores the negation of ``!=``
  (``\\p{gc!=L}`` is ``\\p{gc=L}`` there; regex 1.13.1 matches ``[`` with it, as we
  do).  Not waived but rewritten: the crate's answers are taken for the same set
  written ``\\P{name=value}``; the verdict and error text still come from the
  pattern as written.

The generator stays within what both versions agree on otherwise: property names
and ``age`` values that exist in Unicode 15.0, subjects made of characters whose
properties did not change in 15.1/16.0.  Everything else -- including every error
text -- must be identical.

Default: a deterministic run of a few seconds.  ``--regex-oracle-examples N`` (or the
environment variable ``REGEX_ORACLE_EXAMPLES=N``) runs N random examples, e.g.
``pytest tests/validator/test_regex_oracle.py --regex-oracle-examples 20000``.
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
import regex_testlib
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from contractgate import Contract, ContractCompileError
from contractgate._validation.regex import RegexCompileError, compile_pattern

flpc = pytest.importorskip("flpc", reason="the oracle needs flpc (dev extra; no 3.13 wheel)")

SIZE_ERROR = "Compiled regex exceeds size limit of 10485760 bytes."

# -- patterns -----------------------------------------------------------------------------

LITERALS = [
    "a", "b", "k", "K", "s", "S", "x", "z", "0", "9", "_", "-", " ", "é", "É", "ß", "ẞ", "σ",
    "ς", "Σ", "ſ", "\u212a", "İ", "ı", "Ⅻ", "٣", "\U0001f600", "日", "\t", "\n", "#", "&", "~",
    ",", ":", "=", "!", "<", ">", "'", '"', "/", "@", "%",
]
ESCAPES = [
    # hexadecimal, fixed and braced, with and without leading zeros
    "\\x41", "\\x7f", "\\xe9", "\\xFF", "\\x{41}", "\\x{1F600}", "\\x{000000041}",
    "\\u00e9", "\\u{e9}", "\\u{0000000e9}", "\\U0001F600", "\\U{41}", "\\U{000000000}",
    # meta, superfluous and special escapes
    "\\.", "\\*", "\\+", "\\?", "\\(", "\\)", "\\[", "\\]", "\\{", "\\}", "\\|", "\\^",
    "\\$", "\\\\", "\\-", "\\#", "\\&", "\\~", "\\ ", "\\!", "\\%", "\\a", "\\f", "\\t",
    "\\n", "\\r", "\\v", "\\_",
]
BAD_ESCAPES = [
    "\\x{110000}", "\\x{D800}", "\\u{}", "\\x{100000000}", "\\xZZ", "\\x4", "\\u{12",
    "\\U0011FFFF", "\\Q", "\\e", "\\1", "\\0", "\\9", "\\k<a>", "\\é", "\\x{ 4 1 }", "\\",
]
PERL = ["\\d", "\\D", "\\w", "\\W", "\\s", "\\S"]
UNICODE = [
    "\\pL", "\\PL", "\\pN", "\\p{L}", "\\p{Lu}", "\\p{Ll}", "\\p{Nd}", "\\p{Greek}", "\\P{Greek}",
    "\\p{Latin}", "\\p{Han}", "\\p{Cyrillic}", "\\p{Script=Greek}", "\\p{sc=Grek}",
    "\\p{scx:Latn}", "\\p{gc!=L}", "\\p{General_Category=Lu}", "\\p{Alphabetic}", "\\p{Any}",
    "\\p{ASCII}", "\\p{White_Space}", "\\p{age=3.0}", "\\p{Age:6.1}", "\\p{ Greek }",
    "\\p{is_greek}", "\\p{Emoji}", "\\p{Lowercase}", "\\p{cf}", "\\pé",
]
BAD_UNICODE = [
    "\\p{Bogus}", "\\p{sc=Bogus}", "\\p{age=99}", "\\p", "\\p{", "\\p{L", "\\p\\", "\\p{Cs}",
    "\\p{Zzzz}",
]
ANCHORS = [
    "^", "$", "\\A", "\\z", "\\b", "\\B", "\\<", "\\>", "\\b{start}", "\\b{end}",
    "\\b{start-half}", "\\b{end-half}",
]
BAD_ANCHORS = ["\\b{foo}", "\\b{", "\\b{ start }", "\\b{start"]
CLASS_ITEMS = [
    "a", "z", "k", "é", "ß", "σ", "0", "9", "_", " ", "-", "^", "&", "~", "\\]", "\\[", "\\-",
    "\\^", "\\&", "\\d", "\\w", "\\s", "\\D", "\\W", "\\pL", "\\p{Greek}", "\\PN",
    "[:alpha:]", "[:^digit:]", "[:word:]", "[:upper:]", "[:foo:]", "\\x41", "\\u{e9}", "\\n",
    "\\t", ".", "$", "\\#", "\\.", "a-z", "A-Z", "0-9", "é-ü", "\\x00-\\x7f", "\\u{100}-\\u{2ff}",
    "--", "&&", "~~", "&", "[a-c]", "[^a-c]", "[[:alpha:]--[a-z]]", "[\\w&&\\pL]",
]
BAD_CLASS_ITEMS = ["]", "[", "z-a", "\\d-z", "a-\\d", "\\b", "\\A", "[:alpha]", "\\pX"]
FLAGS = ["i", "-i", "m", "s", "U", "R", "x", "-x", "-u", "u", "is", "i-s", "ix", "-ms", "mR"]
BAD_FLAGS = ["", "z", "ii", "-", "i-", "--i", "i--s", "-i-"]
QUANTS = [
    "*", "+", "?", "*?", "+?", "??", "{2}", "{0}", "{1,}", "{0,3}", "{2,5}?", "{ 2 }", "{2 , 3}",
    "{00002}", "{2}{3}", "{0,1}{1,}",
]
BIG_QUANTS = ["{1000}", "{4000}", "{300}{40}", "{100,}", "{0,2000}"]  # near the size limit
BAD_QUANTS = ["{3,2}", "{,2}", "{", "{a}", "{2", "{99999999999}", "{ ", "{\n", "**", "{2}{"]
NAMES = ["a", "b", "n_1", "é", "a.b", "a[0]", "日本", "Ab"]
BAD_NAMES = ["", "1a", "a-b", "a b"]
OTHER_BAD = ["(", ")", "(?=a)", "(?!a)", "(?<=a)", "(?<!a)", "(?", "(?P<", "(?P<a", "*", "+", "|"]


def _rare(draw: st.DrawFn) -> bool:
    """True once in 40 draws: invalid constructs, which end the parse, stay rare."""
    return draw(st.integers(0, 39)) == 17  # (hypothesis favours the ends of a range)


@st.composite
def classes(draw: st.DrawFn) -> str:
    items = draw(st.lists(st.sampled_from(CLASS_ITEMS), min_size=1, max_size=5))
    if _rare(draw):
        items.append(draw(st.sampled_from(BAD_CLASS_ITEMS)))
    neg = draw(st.sampled_from(["", "", "^"]))
    close = "" if _rare(draw) else "]"
    ws = draw(st.sampled_from(["", "", "", " ", " # c\n"]))
    return "[" + neg + ws.join(items) + close


@st.composite
def atoms(draw: st.DrawFn, depth: int) -> str:
    if _rare(draw):
        bad = [*BAD_ESCAPES, *OTHER_BAD, *BAD_QUANTS, *BAD_UNICODE, *BAD_ANCHORS]
        return draw(st.sampled_from(bad))
    kind = draw(st.integers(0, 14))
    if kind <= 4:
        return draw(st.sampled_from(LITERALS))
    if kind == 5:
        return draw(st.sampled_from(ESCAPES))
    if kind == 6:
        return draw(st.sampled_from(PERL))
    if kind == 7:
        return draw(st.sampled_from(UNICODE))
    if kind == 8:
        return draw(st.sampled_from(ANCHORS))
    if kind in (9, 10):
        return draw(classes())
    if kind == 11:
        return "."
    if kind == 12:
        flags = BAD_FLAGS if _rare(draw) else FLAGS
        return "(?" + draw(st.sampled_from(flags)) + ")"
    if depth >= 3:
        return draw(st.sampled_from(LITERALS))
    inner = draw(alternations(depth + 1))
    name = draw(st.sampled_from(BAD_NAMES if _rare(draw) else NAMES))
    opener = draw(
        st.sampled_from(["(", "(?:", "(?i:", "(?x:", "(?-u:", "(?s-i:", f"(?P<{name}>", f"(?<{name}>"])
    )
    return opener + inner + ("" if _rare(draw) else ")")


@st.composite
def sequences(draw: st.DrawFn, depth: int) -> str:
    out: List[str] = []
    for _ in range(draw(st.integers(0, 5))):
        atom = draw(atoms(depth))
        out.append(atom)
        if not atom.startswith("(?") and draw(st.integers(0, 3)) == 0:
            quants = draw(st.sampled_from([BAD_QUANTS, BIG_QUANTS])) if _rare(draw) else QUANTS
            out.append(draw(st.sampled_from(quants)))
        if draw(st.integers(0, 7)) == 0:
            out.append(draw(st.sampled_from([" ", "  ", "# note\n", "\n"])))
    return "".join(out)


@st.composite
def alternations(draw: st.DrawFn, depth: int = 0) -> str:
    return "|".join(draw(st.lists(sequences(depth), min_size=1, max_size=3)))


@st.composite
def patterns(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["", "", "", "^", "(?x)", "(?i)", "(?-u)", "(?m)", "(?s)"]))
    return prefix + draw(alternations())


# Characters whose properties are the same in Unicode 15.0 and 16.0 (see the docstring).
SUBJECT_CHARS = [
    *"abkKsSxzAZ09_- .\t\n\r", "é", "É", "ß", "ẞ", "σ", "ς", "Σ", "ſ", "\u212a", "İ", "ı", "i",
    "I", "Ⅻ", "٣", "\U0001f600", "日", "\u00a0", "\u2028", "\u200d", "\x00", "\x7f", "ǅ", "ﬀ",
    "\u0345", "α", "Ω", "ω", "\u2126", "ä", "Ä", "#", "&", "[", "]", "\\", "@", "é",
]
subjects = st.lists(st.text(st.sampled_from(SUBJECT_CHARS), max_size=10), min_size=1, max_size=5)

# -- the comparison -----------------------------------------------------------------------

# A Perl or Unicode class, or case folding: what the Unicode tables decide.
_TABLES = re.compile(r"\\[wWdDsSpP]|\(\?[imsURux-]*i")


def _ours(pattern: str) -> Tuple[str, Any]:
    try:
        return "ok", compile_pattern(pattern)
    except RegexCompileError as err:
        return "error", str(err)


def _theirs(pattern: str) -> Tuple[str, Any]:
    try:
        return "ok", flpc.compile(pattern)
    except ValueError as err:
        return "error", str(err)


_NOT_EQUAL = re.compile(r"(?<!\\)((?:\\\\)*)\\([pP])\{([^}]*)!=([^}]*)\}")


def _for_the_old_crate(pattern: str) -> str:
    """``pattern`` with ``\\p{name!=value}`` written ``\\P{name=value}`` (and ``\\P{..!=..}``
    as ``\\p{..=..}``): the same set, which regex-syntax 0.8.4 gets right -- it ignores the
    negation of ``!=``, a bug fixed by 0.8.11 (regex 1.13.1: ``\\p{gc!=L}`` matches ``[``)."""

    def swap(m: re.Match[str]) -> str:
        p = "P" if m.group(2) == "p" else "p"
        return f"{m.group(1)}\\{p}{{{m.group(3)}={m.group(4)}}}"

    return _NOT_EQUAL.sub(swap, pattern)


def _waived(pattern: str, ours: Tuple[str, Any], theirs: Tuple[str, Any]) -> bool:
    """The one waived difference: a size-limit verdict that the Unicode tables move."""
    verdicts = {ours[1] if ours[0] == "error" else "ok", theirs[1] if theirs[0] == "error" else "ok"}
    if verdicts != {"ok", SIZE_ERROR}:
        return False
    return _TABLES.search(pattern) is not None


def _ignore(_: str) -> None:
    """No hypothesis ``event`` outside a hypothesis run."""


def compare(
    pattern: str, texts: List[str], stats: Dict[str, int], note: Callable[[str], None] = _ignore
) -> Optional[str]:
    """None if we answer like the crate (or the difference is waived), else what differs.

    Compiling may raise nothing but ``RegexCompileError``, matching nothing at all: any
    other exception propagates and fails the test. The pattern also goes through a
    contract: ``ContractCompileError`` exactly when it does not compile, and ``validate``
    answers as ``is_match`` does.
    """
    ours, theirs = _ours(pattern), _theirs(pattern)
    if ours[0] != theirs[0] or (ours[0] == "error" and ours[1] != theirs[1]):
        if _waived(pattern, ours, theirs):
            stats["waived: size limit"] = stats.get("waived: size limit", 0) + 1
            return None
        return f"compile: ours {ours[1]!r}\ncrate {theirs[1]!r}"
    stats[ours[0]] = stats.get(ours[0], 0) + 1
    validate = _through_a_contract(pattern, ours[0] == "error")
    if ours[0] == "error":
        note("error: " + ours[1].rsplit("\n", 1)[-1])
        return None
    note("compiles")
    crate = theirs[1]
    same_set = _for_the_old_crate(pattern)
    if same_set != pattern:
        kind, crate = _theirs(same_set)
        key = "rewritten: !=" if kind == "ok" else "rewritten: !=, over the size limit"
        stats[key] = stats.get(key, 0) + 1
        if kind != "ok":  # (the negated set is bigger: waived as a size-limit verdict)
            return None
    for text in texts:
        got = ours[1].is_match(text)
        assert isinstance(got, bool)
        want = flpc.search(crate, text) is not None
        if got != want:
            return f"is_match({text!r}): ours {got}, crate {want}"
        if validate is not None and validate(text) != got:
            return f"validate({text!r}) through a contract: passed {not got}, is_match {got}"
        stats["match" if got else "no match"] = stats.get("match" if got else "no match", 0) + 1
    return None


def _through_a_contract(pattern: str, fails: bool) -> Optional[Callable[[str], bool]]:
    """The same pattern in a contract: compiling it raises ``ContractCompileError`` iff
    the pattern does not compile (nothing else), and ``validate`` never raises; returns
    whether a value passes, for patterns that compile."""
    spec = {"version": "1", "name": "t",
            "ontology": {"entities": [{"name": "s", "type": "string", "pattern": pattern}]}}
    try:
        compiled = Contract.from_dict(spec).compile()
    except ContractCompileError:
        assert fails, f"{pattern!r} compiles alone but not in a contract"
        return None
    assert not fails, f"{pattern!r} does not compile alone but does in a contract"

    def passes(text: str) -> bool:
        result = compiled.validate({"s": text})
        assert result.passed or [v.kind for v in result.violations] == ["pattern_mismatch"]
        return result.passed

    return passes


@pytest.fixture(scope="module")
def regex_oracle_examples(pytestconfig: pytest.Config) -> Tuple[int, bool]:
    """``(examples, drawn at random)``: ``--regex-oracle-examples N`` (registered in this
    directory's conftest) or ``REGEX_ORACLE_EXAMPLES=N``, else the deterministic default."""
    n = pytestconfig.getoption("--regex-oracle-examples", default=None)
    if n is None and os.environ.get("REGEX_ORACLE_EXAMPLES"):
        n = int(os.environ["REGEX_ORACLE_EXAMPLES"])
    if n is None:
        return regex_testlib.ORACLE_DEFAULT_EXAMPLES, False
    return int(n), True


def test_the_oracle_is_the_crate() -> None:
    # The binding raises the crate's own text, and its search is unanchored.
    assert _theirs("a{")[1] == "regex parse error:\n    a{\n     ^\nerror: unclosed counted repetition"
    assert _theirs("a" * 10 + "{327674}") == ("error", SIZE_ERROR)
    assert flpc.search(flpc.compile("b"), "abc") is not None


@pytest.mark.parametrize(
    "pattern",
    [
        "\\x{000000041}", "\\u{0000000e9}", "\\U{000000000}", "[\\x{00000000061}-z]", "a{ ",
        "a{\n", "a{  \n ", "a{ 1 , 2 }", "(?x)a{ 1 # c\n , 2 }", "a{x,", "a{99999999999,",
        "\\b{ start }", "[[:alpha:]--[a-z]]", "[a-z&&[^aeiou]]", "[\\w--\\d]", "[a-f~~c-h]",
        "(?i)\u212a", "(?i)ſ", "(?i)[k-l]", "(?i)ß", "(?-u:\\xFF)", "(?-u)[^a]", "\\p{ Greek }",
        "(?x)\\p { Greek }", "[\\p{Greek}&&\\pL]", "(?<a>x)(?P<a>y)", "(?P<a.b[0]>x)", "\\pé",
        "\\p{gc!=L}", "[\\P{sc!=Greek}a]", "(?x)\\p{ gc != Lu }",
    ],
)
def test_known_corners(pattern: str) -> None:
    texts = ["", "A", "é", "q", "k", "K", "\u212a", "s", "ſ", "S", "ß", "ss", "a", "α", "x"]
    stats: Dict[str, int] = {}
    assert compare(pattern, texts, stats) is None


def test_against_the_crate(regex_oracle_examples: Tuple[int, bool]) -> None:
    examples, randomized = regex_oracle_examples
    stats: Dict[str, int] = {}
    failures: List[str] = []

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=not randomized,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(patterns(), subjects)
    def run(pattern: str, texts: List[str]) -> None:
        diff = compare(pattern, texts, stats, event)
        if diff is not None:
            failures.append(f"{pattern!r}: {diff}")
        assert diff is None, f"{pattern!r}: {diff}"

    run()
    assert not failures
    # The run saw both verdicts and both answers (a sanity check of the generator).
    assert stats.get("ok", 0) and stats.get("error", 0), stats
    assert stats.get("match", 0) and stats.get("no match", 0), stats
    # Only a small share may be waived; each one is counted in the stats above.
    assert stats.get("waived: size limit", 0) <= max(3, examples // 50), stats
