"""Compiled patterns pickle by reference to their pattern.

A ``CompiledRegex`` and the engines it holds (the lazy DFA with its lock, the
bit-parallel engine, literal sets) pickle as "compile this pattern again", never as
their caches, so ``pickle`` and ``cloudpickle`` copy them, and cloudpickle can copy a
generated validator function that closes over them (before, 26 of the corpus contracts'
``compiled.validate`` failed with ``TypeError: cannot pickle '_thread.lock' object``).
"""

from __future__ import annotations

import json
import pickle
import random
import subprocess
import sys
from types import BuiltinMethodType
from typing import Any, Callable, Dict, List, Set, Tuple

import cloudpickle
import pytest
from regex_testlib import SRC, data_file

import contractgate._validation.regex as R
from contractgate import Contract, ContractCompileError
from contractgate._validation.regex.bitnfa import BitNFA
from contractgate._validation.regex.literals import LiteralSet
from contractgate._validation.regex.nfa import LazyDFA
from contractgate._validation.regex.parser import parse
from contractgate._validation.regex.translate import translate
from contractgate._validation.values.jsonvalue import EventDecodeError, loads

PROTOCOLS = list(range(pickle.HIGHEST_PROTOCOL + 1))


def _corpus() -> List[Tuple[str, str, List[Any]]]:
    """(id, contract YAML, events) of both corpora."""
    parity = json.loads(data_file("contract-validation-parity.json").read_text("utf-8"))
    rows = [(c["id"], c["contract_yaml"], c.get("events") or []) for c in parity["cases"]]
    for line in data_file("contract-validation-fuzz.jsonl").read_text("utf-8").split("\n"):
        if line.strip():
            r = json.loads(line)
            rows.append((r["id"], r["contract_yaml"], r.get("events") or []))
    return rows


CORPUS = _corpus()


def _compiled_corpus() -> List[Tuple[str, Any, List[Any]]]:
    out = []
    for cid, text, raw_events in CORPUS:
        try:
            compiled = Contract.from_yaml(text).compile()
        except ContractCompileError:
            continue
        events = []
        for raw in raw_events:
            try:
                events.append(loads(raw) if isinstance(raw, (str, bytes)) else raw)
            except EventDecodeError:
                continue
        out.append((cid, compiled, events))
    return out


COMPILED = _compiled_corpus()


def _strings(value: Any, out: Set[str]) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.add(v)
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)


def _patterns_and_subjects() -> Tuple[List[str], List[str]]:
    patterns: Dict[str, None] = {}
    subjects: Set[str] = {"", "a", "abc", "A1_", "foo bar", "\n", "é", "\u212a", "x" * 300}
    for _, compiled, events in COMPILED:
        for m in compiled.patterns.values():
            patterns[m.pattern] = None
        for e in events:
            _strings(e, subjects)
    return list(patterns), sorted(subjects)[:400]


#: Beyond the corpora: literal sets, a pattern that cannot match, a thrashing DFA, the
#: ASCII dispatchers (``re`` on ASCII, the full pattern or the DFA otherwise).
LITERALS = "|".join(f"w{i}x" for i in range(200))
EXTRA = [
    LITERALS, "|".join("a" * i + "b" for i in range(1, 80)), "[^\\s\\S]x",
    "[ab]*a[ab]{20}c", "^(\\w+\\s?)*$", "\\bfoo\\b", "(?i)straße", "^\\w+$",
]
PATTERNS, SUBJECTS = _patterns_and_subjects()
PATTERNS += EXTRA

COPIERS: Dict[str, Callable[[Any], Any]] = {
    **{
        f"pickle-{p}": (lambda obj, p=p: pickle.loads(pickle.dumps(obj, p)))  # type: ignore[misc]
        for p in PROTOCOLS
    },
    "cloudpickle": lambda obj: cloudpickle.loads(cloudpickle.dumps(obj)),
}


def test_the_corpus_has_patterns_on_every_engine() -> None:
    engines = {R.compile_pattern(p).engine for p in PATTERNS}
    assert len(PATTERNS) > 60 and {"re", "dfa", "literals", "never"} <= engines, engines


@pytest.mark.parametrize("copier", sorted(COPIERS))
def test_every_corpus_pattern_round_trips(copier: str) -> None:
    copy = COPIERS[copier]
    for pattern in PATTERNS:
        m = R.compile_pattern(pattern)
        got = copy(m)
        assert isinstance(got, R.CompiledRegex) and got.pattern == pattern
        assert got is m  # in one process: the cached compile
        for s in SUBJECTS:
            assert got.is_match(s) == m.is_match(s), (pattern, s)
        # the fast callable too (a bound method of an engine, or a closure over them)
        fn = copy(R.is_match_fn(m)) if copier == "cloudpickle" else R.is_match_fn(m)
        assert [bool(fn(s)) for s in SUBJECTS] == [m.is_match(s) for s in SUBJECTS], pattern


def test_a_pickled_pattern_is_its_text() -> None:
    """By reference: the bytes are the pattern and the name of ``compile_pattern``,
    however much the engine has cached."""
    m = R.compile_pattern("^[ab]*a[ab]{200}c$|x(?:a?){300}y")
    m.dfa_is_match("ab" * 5000)  # fills the DFA cache
    data = pickle.dumps(m)
    assert len(data) < len(m.pattern) + 150
    assert b"compile_pattern" in data and m.pattern.encode() in data


@pytest.mark.parametrize("copier", sorted(COPIERS))
def test_the_engines_pickle_by_reference(copier: str) -> None:
    copy = COPIERS[copier]
    dfa_pattern = "[ab]*a[ab]{20}c"
    m = R.compile_pattern(dfa_pattern)
    dfa = m._get_dfa()
    r = random.Random(3)
    noise = "".join(r.choice("ab") for _ in range(20_000))
    assert not dfa.is_match(noise)  # the cache thrashes: hands over to the bit-parallel engine
    bits = dfa.bit_engine()
    assert isinstance(bits, BitNFA) and dfa.stats.handovers >= 1
    assert copy(dfa) is dfa and copy(bits) is bits
    words = R.compile_pattern(LITERALS)
    assert words.engine == "literals"
    literals = words.literal_engine()
    assert isinstance(literals, LiteralSet) and copy(literals) is literals
    assert copy(R.is_match_fn(words))("a w17x") and not copy(R.is_match_fn(words))("w17")


def test_an_engine_without_a_pattern_refuses_clearly() -> None:
    h = translate("a+b", parse("a+b"))
    for engine in (LazyDFA(h), BitNFA(h), LiteralSet(False, ["a", "b"], False)):
        with pytest.raises(TypeError, match="pickle the CompiledRegex"):
            pickle.dumps(engine)


@pytest.mark.parametrize("module", [pickle, cloudpickle], ids=["pickle", "cloudpickle"])
def test_every_corpus_validator_function_copies(module: Any) -> None:
    """``compiled.validate`` is a bound method of a generated function: pickle sends it
    by reference to the compiled contract, cloudpickle copies the function by value with
    the pattern matchers it closes over.  Every contract's pickles; the copies of the
    ones whose matchers are Python objects (the DFA, literal sets, dispatchers) answer
    every corpus event like the original."""
    python_level = 0
    for i, (cid, compiled, events) in enumerate(COMPILED):
        data = module.dumps(compiled.validate)
        matchers = [R.is_match_fn(m) for m in compiled.patterns.values()]
        kinds = {isinstance(fn, BuiltinMethodType) for fn in matchers}
        if not kinds or (kinds == {True} and i % 8):
            continue  # re's search is a C method; a sample of those is enough
        python_level += False in kinds
        validate = module.loads(data)
        for event in events:
            want = compiled.validate(event)
            got = validate(event)
            assert (got.passed, got.violations) == (want.passed, want.violations), cid
    assert len(COMPILED) > 400 and python_level >= 26


def test_a_pickled_pattern_answers_in_another_process() -> None:
    patterns = [p for p in PATTERNS if R.compile_pattern(p).engine != "re"][:20]
    patterns.append("[ab]*a[ab]{20}c")
    payload = pickle.dumps([R.compile_pattern(p) for p in patterns])
    subjects = [*SUBJECTS[:50], "ab" * 3000 + "a" + "b" * 20 + "c"]
    child = (
        "import pickle, sys, json\n"
        "ms = pickle.loads(sys.stdin.buffer.read())\n"
        f"subjects = json.loads({json.dumps(json.dumps(subjects))})\n"
        "print(json.dumps([[m.is_match(s) for s in subjects] for m in ms]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", child], input=payload, capture_output=True, check=True,
        env={"PYTHONPATH": SRC}, timeout=300,
    )
    got = json.loads(out.stdout)
    assert got == [[R.compile_pattern(p).is_match(s) for s in subjects] for p in patterns]
