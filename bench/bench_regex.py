"""Micro-benchmarks for ``contractgate._validation.regex``.

Run with ``python bench/bench_regex.py`` (add ``--quick`` for fewer rounds).
Prints, per pattern, the per-call time of

* ``fast``  - ``is_match_fn(m)``, what the validator calls;
* ``re``    - the full stdlib ``re`` translation (``m.backtracking_is_match``);
* ``dfa``   - the lazy DFA (``m.dfa_is_match``);
* ``stdre`` - Python's own ``re.search`` of the raw pattern (different semantics,
  for scale only; ``-`` when ``re`` rejects the pattern);

then the time for catastrophic patterns on long inputs (engine chosen by
``compile_pattern``), compile times, the *compile shapes* (``--compile`` runs only
those): patterns near the 10 MiB compiled-size limit and 1 MiB patterns of one
repeated item, each compiled in a child process, CPU time (``time.process_time``,
median of the repetitions; the first one, with cold per-process caches, apart) next to
the Rust crate's (pydantic-core's ``pattern``, when installed; else the reference
recorded in docs/design/regex.md), and the *worst shapes*: the slowest
patterns per character we know for each engine, each in a child process
(``--shapes`` runs only those; ``--quick`` uses shorter subjects).  For each
shape: the engine, µs per character of the first search (which builds the
DFA states or the bit-parallel masks) and the median of three more, the CPU
time of the whole subject over that of its first half (≈ 2 when linear), the
child's peak RSS, and the Rust crate's µs per character on the same subject
(pydantic-core's ``pattern``, when installed; on the first 16 K characters when the
whole subject would take it over a minute) with our median over it.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from contractgate._validation.regex import compile_pattern, is_match_fn
from contractgate._validation.regex import size as _size

PATTERNS = [
    r"^[a-z0-9_]+$",
    r"^[A-Z]{3}$",
    r"^\d{4}-\d{2}-\d{2}$",
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
    r"^\w+$",
    r"^\p{Lu}\p{Ll}+$",
    r"\bfoo\b",
    r"(?i)straße",
    r"^https?://[^\s/$.?#][^\s]*$",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    r"^(\w+\s?)*$",
]
VALUES = ["hello_world", "user@example.com", "Ünïcödé wörds", "2024-01-15", "a foo b"]

CATASTROPHIC: List[Tuple[str, str]] = [
    (r"^(a+)+$", "a" * 50_000 + "!"),
    (r"(a|a)*b", "a" * 100_000),
    (r"(a*)*b", "a" * 100_000),
    (r"(\w+\s?)*$", "a" * 100_000 + "!"),
    (r"^(a|aa)+$", "a" * 100_000 + "!"),
    (r"(.*a){20}", "a" * 100_000),
    (r"[a-z]+$", "a" * 100_000 + "!"),
    (r"a*a*a*a*a*b", "a" * 100_000),
    (r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "a@" + "b." * 50_000 + "@"),
]


def per_call(fn: Callable[[str], object], number: int) -> float:
    def run() -> None:
        for v in VALUES:
            fn(v)

    best = min(timeit.repeat(run, number=number, repeat=3))
    return best / number / len(VALUES) * 1e6


def stdre(pattern: str) -> Optional[Callable[[str], object]]:
    try:
        return re.compile(pattern).search
    except re.error:
        return None


# name -> (pattern builder, subject builder(n)); n = characters of the subject.
def _words(seed: int, count: int) -> List[str]:
    import random

    r = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxy"
    return sorted({"".join(r.choice(letters) for _ in range(r.randint(4, 10))) + "z"
                   for _ in range(count)})


def _prefixes(words: List[str], n: int) -> str:
    """Concatenated proper prefixes of the words: many partial matches, no match."""
    import random

    r = random.Random(4)
    parts: List[str] = []
    total = 0
    while total < n:
        w = r.choice(words)
        parts.append(w[: r.randint(1, len(w) - 1)])
        total += len(parts[-1])
    return "".join(parts)[:n]


def _cycle(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _random_abcdef(n: int) -> str:
    import random

    r = random.Random(1)
    return "".join(r.choice(["a", "b", "c", "d", "ef"]) for _ in range(n))[:n]


def _random_from(alphabet: str, n: int) -> str:
    import random

    r = random.Random(5)
    return "".join(r.choice(alphabet) for _ in range(n))


def _random_ab(n: int) -> str:
    import random

    r = random.Random(1)
    return "".join(r.choice("ab") for _ in range(n))


#: The widest shape measured: an exponential prefix of 100 000 positions followed by a
#: run of 700 loops each behind a word boundary (107 003 positions, a 15 KB pattern).
_WIDE_TAIL = "[ab]*a[ab]{100000}c" + "(?:ay|xz|zy|zz|yx)*\\b" * 700


def _live_tail(n: int) -> str:
    """Past the prefix every loop of ``_WIDE_TAIL``'s tail is live at once."""
    import random

    r = random.Random(2)
    tail = "".join(r.choice(["ay", "zz", "yx", "xz", "zy", "a", "b"]) for _ in range(n // 2))
    return (_random_ab(100_001) + "c" + tail)[:max(n, 100_003)]


def _branches(k: int, then: str, lo: int = 1, hi: int = 40, lead: str = "") -> str:
    """``k`` branches ``(?:a|b{p}|c{q}|dd|ee|kk)`` + ``then`` (``{r}`` filled in) with
    random counts from ``lo`` to ``hi``, each after ``lead``, after an exponential
    prefix that keeps the DFA from holding them."""
    import random

    r = random.Random(3)
    return "[ab]*a[ab]{200}c|" + "|".join(
        f"{lead}(?:a|b{{{r.randint(lo, hi)}}}|c{{{r.randint(lo, hi)}}}|dd|ee|kk)"
        + then.replace("{r}", f"{{{r.randint(lo, hi)}}}")
        for _ in range(k)
    )


def _small_loops(k: int) -> str:
    """``k`` loops ``(?:a(?:b{p}|c{q})|d)+z`` with random counts from 1 to 60."""
    import random

    r = random.Random(9)
    return "|".join(
        f"(?:a(?:b{{{r.randint(1, 60)}}}|c{{{r.randint(1, 60)}}})|d)+z" for _ in range(k)
    )


def _cjk(k: int, start: int = 0x4E00) -> str:
    return "".join(chr(start + i) for i in range(k))


def _cjk_pairs(k: int, run: int) -> str:
    """``k`` alternatives of two distinct CJK characters (2k one-position classes)
    after an exponential prefix with a ``run`` of ``[ab]``."""
    pairs = "|".join(a + b for a, b in zip(_cjk(k), _cjk(k, 0x4E00 + k)))
    return f"[ab]*a[ab]{{{run}}}c(?:{pairs})"


def _cjk_cycle(k: int) -> Callable[[int], str]:
    """Random ``ab`` text, then the pairs' first characters over and over: each one
    new to a cache of fewer masks than ``k``."""
    return lambda n: (_random_ab(min(n, 20_000)) + _cycle(_cjk(k), n))[:n]

def _a_heavy(n: int) -> str:
    """Random ``a``/``b`` text, three ``a`` in four: most branches live, none matching."""
    import random

    r = random.Random(4)
    return "".join(r.choice("aaab") for _ in range(n))


SHAPES: Dict[str, Tuple[Callable[[], str], Callable[[int], str]]] = {
    # re: the most expensive shapes the safety analysis still accepts.
    "re: (?:|){4}x": (lambda: "(?:|)" * 4 + "x", lambda n: "y" * n),
    "re: \\b{58}x": (lambda: "\\b" * 58 + "x", lambda n: "y" * n),
    "re: [ab]{60}c": (lambda: "[ab]{60}c", lambda n: _cycle("ab", n)),
    "re: (?:|||...){58}x": (lambda: "(?:" + "|" * 58 + ")x", lambda n: "y" * n),
    "re: ^(?:ab|cd)*$ (<16K)": (lambda: "^(?:ab|cd)*$", lambda n: _cycle("abcd", min(n, 16_000))),
    "re: ^.{0,10000}$": (lambda: "^.{0,10000}$", lambda n: "a" * min(n, 10_000)),
    # the shapes (re before; DFA or literals now)
    "(?:|){26}x": (lambda: "(?:|)" * 26 + "x", lambda n: "y" * n),
    "(?:\\b|\\b){26}x": (lambda: "(?:\\b|\\b)" * 26 + "x", lambda n: "y" * n),
    "((?:|){26})[^\\s\\S]z|y": (lambda: "(" + "(?:|)" * 26 + ")[^\\s\\S]z|y", lambda n: "x" * n),
    "(?:|{50000})x": (lambda: "(?:" + "|" * 50_000 + ")x", lambda n: "y" * n),
    "\\b{10000}x": (lambda: "\\b" * 10_000 + "x", lambda n: "y" * n),
    # DFA: one new state per character, big closures, an exponential DFA.
    "dfa: ^a{0,20000}b": (lambda: "^a{0,20000}b", lambda n: "a" * n),
    "dfa: a.{0,10000}b": (lambda: "a.{0,10000}b", lambda n: "a" * n),
    "dfa: (?:a?){3000}b": (lambda: "(?:a?){3000}b", lambda n: "a" * n),
    "bits: [ab]*a[ab]{20000}c": (lambda: "[ab]*a[ab]{20000}c", _random_ab),
    "bits: [ab]*a[ab]{140000}c": (lambda: "[ab]*a[ab]{140000}c", _random_ab),
    "bits: x(?:a?){3000}c": (lambda: "x(?:a?){3000}c", lambda n: _cycle("x" + "a" * 3000, n)),
    "bits: x(?:ab|c?){2000}d": (lambda: "x(?:ab|c?){2000}d",
                                 lambda n: _cycle("x" + "ab" * 1000, n)),
    "bits: a(?:a|b|c|d|ef){300}x": (lambda: "a(?:a|b|c|d|ef){300}x", _random_abcdef),
    "bits: [ab]{100000}c + 700 \\b loops": (lambda: _WIDE_TAIL, _random_ab),
    "bits: ... loops live": (lambda: _WIDE_TAIL, _live_tail),
    # hundreds of distinct junctions or loops live at once
    "bits: lone(300) junctions": (lambda: _branches(300, "(?:az|f{r}|gg|hh|ii)"), _a_heavy),
    "bits: lone(1000) junctions": (lambda: _branches(1000, "(?:az|f{r}|gg|hh|ii)"), _a_heavy),
    "bits: fill(1000) loops + z": (lambda: _branches(1000, "+z"), _a_heavy),
    # loops too wide for a narrow fill group (blocks of 270-410 positions): a wide one
    "bits: 300 wide loops + z": (lambda: _branches(300, "+z", 130, 200), _a_heavy),
    # the same behind a letter each: the junctions into the loops on 70+ distances
    "bits: a + fill(1000) loops + z": (lambda: _branches(1000, "+z", lead="a"), _a_heavy),
    "bits: a + 300 wide loops + z": (lambda: _branches(300, "+z", 130, 200, lead="a"), _a_heavy),
    "bits: 800 small loops (?:a(?:b{p}|c{q})|d)+z": (
        lambda: _small_loops(800), lambda n: _random_from("abcdexy", n)),
    "bits: 3,000 chains (?:x?y?){4}z": (
        lambda: "[ab]*a[ab]{200}c" + "(?:(?:x?y?){4}z)" * 3000, _random_ab),
    "bits: 400 loops (?:x[ab]{k})*": (
        lambda: "".join(f"(?:x[ab]{{{k}}})*" for k in range(1, 401)) + "q",
        lambda n: _random_from("xababababab", n)),
    # thousands of distinct classes, a text visiting more of them than the cache holds
    "bits: 13,000 CJK pairs": (lambda: _cjk_pairs(13_000, 100_000), _cjk_cycle(13_000)),
    "literals: 30,000 words": (lambda: "|".join(_words(2, 30_000)),
                               lambda n: _prefixes(_words(2, 30_000), n)),
    "bits: (?i) 12,000 words": (lambda: "(?i)" + "|".join(_words(2, 12_000)),
                                lambda n: _prefixes(_words(2, 12_000), n)),
}


# -- compile shapes ------------------------------------------------------------------------

MIB = 1 << 20


def _mib(unit: str) -> str:
    return unit * (MIB // len(unit.encode("utf-8")))


def _iwords(n: int) -> str:
    return "(?i)" + "|".join(_words(2, n))


# name -> pattern builder.  Near the limit: the largest count the crate accepts, and one
# more (its size-limit error); the counts were found with the crate (pydantic-core).
COMPILE_SHAPES: Dict[str, Callable[[], str]] = {
    "a{100} x 3276 (ok)": lambda: "a{100}" * 3276,
    "a{100} x 3277 (limit)": lambda: "a{100}" * 3277,
    "\\pL{2} x 122 (ok)": lambda: "\\pL{2}" * 122,
    "\\pL{2} x 123 (limit)": lambda: "\\pL{2}" * 123,
    "\\w{3} x 70 (limit)": lambda: "\\w{3}" * 70,
    "\\d{20} x 102 (ok)": lambda: "\\d{20}" * 102,
    "(?:\\d\\pL){2} x 109 (ok)": lambda: "(?:\\d\\pL){2}" * 109,
    "(?:[a-z]\\d){9} x 1800 (limit)": lambda: "(?:[a-z]\\d){9}" * 1800,
    "(?:ab){50} x 2000": lambda: "(?:ab){50}" * 2000,
    "[a-z]{20} x 1800": lambda: "[a-z]{20}" * 1800,
    "(?i) 2000 words": lambda: _iwords(2000),
    "(?i) 14542 words (ok)": lambda: _iwords(14542),
    "(?i) 14543 words (limit)": lambda: _iwords(14543),
    "1 MiB a": lambda: _mib("a"),
    "1 MiB [a]": lambda: _mib("[a]"),
    "1 MiB \\d": lambda: _mib("\\d"),
    "1 MiB \\w": lambda: _mib("\\w"),
    "1 MiB .": lambda: _mib("."),
    "1 MiB (a)": lambda: _mib("(a)"),
    "1 MiB a?": lambda: _mib("a?"),
    "1 MiB a|": lambda: _mib("a|"),
    "1 MiB (?i)a(?-i)b": lambda: _mib("(?i)a(?-i)b"),
}

#: The crate's CPU seconds (pydantic-core 2.50.5, regex 1.13; median of four, each a
#: fresh pattern) on the development VM, 2026-12-06, as in docs/design/regex.md:
#: printed when pydantic-core is not installed.
CRATE_SECONDS: Dict[str, float] = {
    "a{100} x 3276 (ok)": 0.044,
    "a{100} x 3277 (limit)": 0.013,
    "\\pL{2} x 122 (ok)": 0.075,
    "\\pL{2} x 123 (limit)": 0.073,
    "\\w{3} x 70 (limit)": 0.065,
    "\\d{20} x 102 (ok)": 0.059,
    "(?:\\d\\pL){2} x 109 (ok)": 0.077,
    "(?:[a-z]\\d){9} x 1800 (limit)": 0.091,
    "(?:ab){50} x 2000": 0.026,
    "[a-z]{20} x 1800": 0.009,
    "(?i) 2000 words": 0.017,
    "(?i) 14542 words (ok)": 0.155,
    "(?i) 14543 words (limit)": 0.142,
    "1 MiB a": 0.142,
    "1 MiB [a]": 0.323,
    "1 MiB \\d": 0.551,
    "1 MiB \\w": 3.282,
    "1 MiB .": 0.556,
    "1 MiB (a)": 0.418,
    "1 MiB a?": 4.367,
    "1 MiB a|": 0.307,
    "1 MiB (?i)a(?-i)b": 0.26,
}


def _crate_seconds(pattern: str, reps: int) -> Optional[float]:
    """The crate's compile time, or None without pydantic-core.  pydantic-core caches
    compiled patterns, so each repetition gets a new one: ``(?:)`` prefixes, which the
    crate's translation drops (the NFA is the same)."""
    try:
        from pydantic_core import SchemaError, SchemaValidator
    except ImportError:
        return None
    times = []
    for k in range(reps):
        fresh = "(?:)" * (k + 1) + pattern
        t0 = time.process_time()
        try:
            SchemaValidator({"type": "str", "pattern": fresh})
        except SchemaError:
            pass
        times.append(time.process_time() - t0)
    return statistics.median(times)


def _compile_child(name: str, reps: int) -> None:
    import resource

    import contractgate._validation.regex as R

    pattern = COMPILE_SHAPES[name]()
    times = []
    outcome = ""
    for _ in range(reps):
        R._cache.clear()
        t0 = time.process_time()
        try:
            m = compile_pattern(pattern)
            outcome = m.engine
        except R.RegexCompileError as err:
            outcome = "size limit" if "size limit" in err.display else err.message
        times.append(time.process_time() - t0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    crate = _crate_seconds(pattern, reps)
    print(json.dumps({
        "chars": len(pattern), "outcome": outcome, "first": times[0],
        "median": statistics.median(times[1:] or times), "rss": rss, "crate": crate,
    }))


def compile_shapes(quick: bool) -> None:
    print(f"{'compile shape':<30} {'chars':>8} {'outcome':<10} {'first s':>8} {'median s':>8} "
          f"{'RSS MB':>7} {'crate s':>8} {'ratio':>6}")
    for name in COMPILE_SHAPES:
        reps = 2 if quick or name.startswith("1 MiB") else 5
        out = subprocess.run(
            [sys.executable, __file__, "--compile-shape", name, str(reps)],
            capture_output=True, text=True, timeout=900,
        )
        if out.returncode != 0:
            print(f"{name:<30} failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(out.stdout)
        crate = r["crate"] if r["crate"] is not None else CRATE_SECONDS.get(name)
        crate_t = f"{crate:8.3f}" if crate is not None else "       -"
        ratio = f"{r['median'] / crate:6.1f}" if crate else "     -"
        print(f"{name:<30} {r['chars']:>8} {r['outcome'][:10]:<10} {r['first']:>8.3f} "
              f"{r['median']:>8.3f} {r['rss']:>7.0f} {crate_t} {ratio}")


def _shape_child(name: str, n: int) -> None:
    import resource

    build, subject = SHAPES[name]
    pattern = build()
    s = subject(n)
    t0 = time.perf_counter()
    m = compile_pattern(pattern)
    compile_s = time.perf_counter() - t0
    fn = is_match_fn(m)
    times = []
    for _ in range(4):
        t0 = time.perf_counter()
        fn(s)
        times.append(time.perf_counter() - t0)
    # Linearity: CPU time of the whole subject over that of its first half (~2).
    half = s[: len(s) // 2]
    ratios = []
    for _ in range(3):
        t0 = time.process_time()
        fn(half)
        t1 = time.process_time()
        fn(s)
        t2 = time.process_time()
        ratios.append((t2 - t1) / max(t1 - t0, 1e-6))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the crate's
    crate = _crate_search(pattern, s, fn)
    print(json.dumps({
        "engine": m.engine, "n": len(s), "compile": compile_s,
        "first": times[0] / max(1, len(s)) * 1e6,
        "median": statistics.median(times[1:]) / max(1, len(s)) * 1e6, "rss": rss,
        "ratio": statistics.median(ratios), "crate": crate,
    }))


#: The crate's search is timed on the subject's first characters only when the whole
#: subject would take it longer than this (seconds, estimated from those characters).
_CRATE_BUDGET_S = 60.0
_CRATE_HEAD = 16_384


def _crate_search(
    pattern: str, s: str, ours: Callable[[str], object]
) -> Optional[Tuple[float, int, bool]]:
    """The Rust crate's search (pydantic-core's ``pattern``: ``Regex::is_match``) on the
    same subject: (us per character, characters searched, agrees with ours), the median
    of three searches after two of the first ``_CRATE_HEAD`` characters (one when three
    would take over ``_CRATE_BUDGET_S``), and on those characters only when the whole
    subject would; None without pydantic-core."""
    try:
        from pydantic_core import SchemaError, SchemaValidator, ValidationError
    except ImportError:
        return None
    try:
        v = SchemaValidator({"type": "str", "pattern": pattern})
    except SchemaError:
        return None

    def search(text: str) -> Tuple[float, bool]:
        t0 = time.perf_counter()
        try:
            v.validate_python(text)
            found = True
        except ValidationError:
            found = False
        return time.perf_counter() - t0, found

    head = s[:_CRATE_HEAD]
    search(head)  # builds what the crate caches
    per_char = search(head)[0] / max(1, len(head))
    text = head if per_char * len(s) > _CRATE_BUDGET_S else s
    first, found = search(text)
    times = [first]
    if per_char * len(text) * 3 <= _CRATE_BUDGET_S:
        times += [search(text)[0] for _ in range(2)]
    agrees = found == bool(ours(text))
    return statistics.median(times) / max(1, len(text)) * 1e6, len(text), agrees


def shapes(quick: bool) -> None:
    n = 65_536 if quick else 262_144
    print(f"{'worst shape':<30} {'engine':<9} {'chars':>8} {'compile s':>9} "
          f"{'first':>8} {'median':>8} {'x2 CPU':>6} {'RSS MB':>7} {'crate':>8} "
          f"{'median/crate':>12}  (us/char)")
    for name in SHAPES:
        size = n if not name.startswith("re:") else 4 * n
        out = subprocess.run(
            [sys.executable, __file__, "--shape", name, str(size)],
            capture_output=True, text=True, timeout=900,
        )
        if out.returncode != 0:
            print(f"{name:<30} failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(out.stdout)
        crate = r["crate"]
        if crate is None:
            versus = f"{'-':>8} {'-':>12}"
        else:
            us, chars, agrees = crate
            note = ("" if chars == r["n"] else f" (first {chars:,})") + (
                "" if agrees else " DISAGREES"
            )
            versus = f"{us:>8.3f} {r['median'] / max(us, 1e-9):>12.2f}{note}"
        print(f"{name:<30} {r['engine']:<9} {r['n']:>8} {r['compile']:>9.2f} "
              f"{r['first']:>8.2f} {r['median']:>8.2f} {r['ratio']:>6.2f} {r['rss']:>7.0f} "
              f"{versus}")


def main() -> None:
    if "--shape" in sys.argv:
        i = sys.argv.index("--shape")
        _shape_child(sys.argv[i + 1], int(sys.argv[i + 2]))
        return
    if "--compile-shape" in sys.argv:
        i = sys.argv.index("--compile-shape")
        _compile_child(sys.argv[i + 1], int(sys.argv[i + 2]))
        return
    if "--shapes" in sys.argv:
        shapes("--quick" in sys.argv)
        return
    if "--compile" in sys.argv:
        compile_shapes("--quick" in sys.argv)
        return
    number = 2_000 if "--quick" in sys.argv else 20_000
    print(f"{'pattern':<58} {'engine':<6} {'fast':>7} {'re':>7} {'dfa':>7} {'stdre':>7}  (us/call)")
    for pattern in PATTERNS:
        m = compile_pattern(pattern)
        fast = per_call(is_match_fn(m), number)
        full = per_call(m.backtracking_is_match, number)
        dfa = per_call(m.dfa_is_match, number)
        raw = stdre(pattern)
        raw_t = f"{per_call(raw, number):7.3f}" if raw is not None else "      -"
        print(f"{pattern[:58]:<58} {m.engine:<6} {fast:7.3f} {full:7.3f} {dfa:7.3f} {raw_t}")

    print()
    print(f"{'catastrophic pattern':<34} {'input':>8} {'engine':<6} {'seconds':>8}")
    for pattern, haystack in CATASTROPHIC:
        m = compile_pattern(pattern)
        t0 = time.perf_counter()
        m.is_match(haystack)
        dt = time.perf_counter() - t0
        print(f"{pattern:<34} {len(haystack):>8} {m.engine:<6} {dt:8.4f}")
    print("(stdlib re on ^(a+)+$ with 26 a's + '!' takes seconds; 50 000 never finishes)")

    print()
    print(f"{'compile':<40} {'ms':>8}")
    for pattern in [r"^[a-z0-9_]+$", r"^\w+$", r"(?i)^[\w.+-]+@[\w-]+\.[\w.]+$", r"\w{209}"]:
        _size._class_costs.clear()
        t0 = time.perf_counter()
        compile_pattern(pattern + "(?:)")  # bypass the compile cache
        print(f"{pattern:<40} {(time.perf_counter() - t0) * 1e3:8.1f}")

    print()
    compile_shapes("--quick" in sys.argv)
    print()
    shapes("--quick" in sys.argv)


if __name__ == "__main__":
    main()
