"""Micro-benchmarks for ``contractgate._validation.regex``.

Run with ``python bench/bench_regex.py`` (add ``--quick`` for fewer rounds).
Prints, per pattern, the per-call time of

* ``fast``  - ``is_match_fn(m)``, what the validator calls;
* ``re``    - the full stdlib ``re`` translation (``m.backtracking_is_match``);
* ``dfa``   - the lazy DFA (``m.dfa_is_match``);
* ``stdre`` - Python's own ``re.search`` of the raw pattern (different semantics,
  for scale only; ``-`` when ``re`` rejects the pattern);

then the time for catastrophic patterns on long inputs (engine chosen by
``compile_pattern``), and compile times.
"""

from __future__ import annotations

import re
import sys
import time
import timeit
from pathlib import Path
from typing import Callable, List, Optional, Tuple

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


def main() -> None:
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


if __name__ == "__main__":
    main()
