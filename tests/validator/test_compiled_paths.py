"""The generated validator against the closure reference path.

``Contract.compile()`` generates Python source per contract (``_codegen``);
``compile(reference=True)`` keeps the closure-per-field interpreter. The parity corpus pins
the generated path to the engine; here a differential test runs both paths on random
events for every corpus contract and requires identical results (verdict, violations,
order, messages) and ``is_valid() == validate().passed``. No timings are asserted.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractgate import CompiledContract, Contract, ContractCompileError
from contractgate._validation.values.jsonvalue import EventTypeError, loads

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = Path(__file__).resolve().parents[2]


def _corpus() -> List[Tuple[str, str, List[Any]]]:
    parity = json.loads((DATA / "contract-validation-parity.json").read_text(encoding="utf-8"))
    rows = [(f"p:{c['id']}", c["contract_yaml"], c.get("events") or []) for c in parity["cases"]]
    for line in (DATA / "contract-validation-fuzz.jsonl").read_text(encoding="utf-8").split("\n"):
        if line.strip():
            r = json.loads(line)
            rows.append((f"f:{r['id']}", r["contract_yaml"], r.get("events") or []))
    out = []
    for cid, text, events in rows:
        try:
            Contract.from_yaml(text).compile()
        except Exception:  # compile-error cases have nothing to run
            continue
        seeds = []
        for raw in events:
            try:
                seeds.append(loads(raw) if isinstance(raw, (str, bytes)) else raw)
            except Exception:  # undecodable inputs are decode tests
                pass
        out.append((cid, text, seeds))
    return out


CORPUS = _corpus()
# Every 4th corpus contract plus every contract that has arrays, patterns or enums:
# enough variety to keep the run short.
SELECTED = [
    row
    for i, row in enumerate(CORPUS)
    if i % 4 == 0 or any(k in row[1] for k in ("items", "pattern", "null_as_absent", "enum"))
][:160]

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -0.0, 1.0, 1, "", "a", "A", "2026-01-05", "2026-02-30", " 2026-1-5"]),
    st.text(max_size=8),
)
_json = st.recursive(
    _scalars,
    lambda c: st.one_of(
        st.lists(c, max_size=3), st.dictionaries(st.text(max_size=4), c, max_size=3)
    ),
    max_leaves=6,
)


def _finite(xs: List[Any]) -> List[Any]:
    return [x for x in xs if x is not None and not (isinstance(x, float) and math.isnan(x))]


def _value(fd: Any, depth: int) -> Any:
    opts: List[Any] = [_json]
    t = fd.type.value
    if fd.enum:
        opts.append(st.sampled_from(list(fd.enum)))
    bounds = _finite([fd.min, fd.max])
    if bounds:
        near = []
        for b in bounds:
            if math.isfinite(b):
                near += [b, b - 1, b + 1, b - 0.5, int(b)]
        if near:
            opts.append(st.sampled_from(near))
    if t in ("string", "date", "any"):
        opts.append(st.text(max_size=12))
        opts.append(st.dates().map(str))
        if fd.min_length is not None or fd.max_length is not None:
            n = fd.max_length if fd.max_length is not None else fd.min_length
            opts.append(st.text(min_size=max(n - 1, 0), max_size=n + 1))
    if t == "integer":
        opts.append(st.integers(min_value=-(2**64), max_value=2**64))
    if t == "float":
        opts.append(st.floats(allow_nan=False, allow_infinity=False))
    if t == "object" and fd.properties is not None and depth < 4:
        opts.append(_object(fd.properties, depth + 1))
    if t == "array" and fd.items is not None and depth < 4:
        opts.append(st.lists(_value(fd.items, depth + 1), max_size=3))
    return st.one_of(opts)


def _object(fields: Any, depth: int) -> Any:
    optional = {fd.name: _value(fd, depth) for fd in fields}
    return st.fixed_dictionaries({}, optional=optional).flatmap(
        lambda d: st.dictionaries(st.text(max_size=4), _json, max_size=2).map(
            lambda extra: {**extra, **d}
        )
    )


def _events(contract: Contract, seeds: List[Any]) -> Any:
    generated = _object(contract.ontology.entities, 0)
    if seeds:
        return st.one_of(generated, st.sampled_from(seeds))
    return generated


def _both(text: str) -> Tuple[CompiledContract, CompiledContract]:
    contract = Contract.from_yaml(text)
    gen = contract.compile()
    ref = contract.compile(reference=True)
    assert gen.source is not None and ref.source is None
    return gen, ref


def _same(gen: CompiledContract, ref: CompiledContract, event: Any, now: int) -> None:
    try:
        want = ref.validate(event, now=now)
    except EventTypeError as exc:
        with pytest.raises(EventTypeError) as info:
            gen.validate(event, now=now)
        assert str(info.value) == str(exc)
        return
    got = gen.validate(event, now=now)
    assert got.passed == want.passed
    assert [(v.field, str(v.kind), v.message) for v in got.violations] == [
        (v.field, str(v.kind), v.message) for v in want.violations
    ]
    assert gen.is_valid(event, now=now) is want.passed
    assert ref.is_valid(event, now=now) is want.passed


@pytest.mark.parametrize("row", SELECTED, ids=[r[0] for r in SELECTED])
def test_generated_code_matches_the_reference(row: Tuple[str, str, List[Any]]) -> None:
    _, text, seeds = row
    gen, ref = _both(text)

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(event=_events(gen.contract, seeds))
    def check(event: Any) -> None:
        _same(gen, ref, event, 1_750_000_000)

    check()


def test_corpus_events_match_the_reference() -> None:
    for _, text, seeds in CORPUS:
        gen, ref = _both(text)
        for event in seeds:
            _same(gen, ref, event, 1_750_000_000)


def _pass_function(compiled: CompiledContract) -> Any:
    from contractgate._validation import codegen as _codegen
    from contractgate._validation.compiler import _HELPERS

    c = compiled.contract
    return _codegen.pass_function(
        c.ontology.entities, compiled._patterns, c.null_as_absent, compiled._pattern_runs,
        _HELPERS,
    )


def test_passing_corpus_events_take_the_fast_path() -> None:
    """The pass expressions are conservative (False sends an event to the checking code);
    this pins that every passing event of both corpora is answered by them, except under
    patterns keyed by an index-like path (``tags[0]``), which array items may hit."""
    fast = slow = 0
    for cid, text, seeds in CORPUS:
        compiled = Contract.from_yaml(text).compile()
        passes = _pass_function(compiled)
        indexed = any("[" in p for p in compiled._patterns)
        # metrics, quality rules and compliance mode run after the pass expressions
        tail = bool(compiled._tail)
        for event in seeds:
            try:
                ok = compiled.validate(event, now=1_750_000_000).passed
            except EventTypeError:
                continue
            if not ok:
                assert tail or not passes(event), (cid, event)
            elif passes(event):
                fast += 1
            else:
                assert indexed, (cid, event)
                slow += 1
    assert fast > 600 and slow <= 2


def test_the_pass_expression_never_admits_a_failing_value() -> None:
    """Values that fail one check each, on a contract using every kind of check."""
    text = """
version: "1"
name: t
ontology:
  entities:
    - {name: s, type: string, pattern: "^[a-z_]{2,4}$", min_length: 2, max_length: 3}
    - {name: e, type: string, enum: [a, b]}
    - {name: i, type: integer, min: 0, max: 10}
    - {name: f, type: float, min: 0.5, max: 1.5, required: false}
    - {name: b, type: boolean, required: false}
    - {name: d, type: date, required: false}
    - {name: a, type: any, min: 1, max: 2, enum: [1, 2, x], required: false}
    - name: o
      type: object
      required: false
      properties:
        - {name: n, type: integer}
    - name: l
      type: array
      required: false
      items: {name: x, type: string, pattern: "^[0-9]+$"}
"""
    compiled = Contract.from_yaml(text).compile()
    passes = _pass_function(compiled)
    good = {"s": "ab", "e": "a", "i": 3, "f": 1.0, "b": True, "d": "2024-02-29", "a": 1,
            "o": {"n": 1}, "l": ["1", "22"]}  # fmt: skip
    assert passes(good) and compiled.validate(good).passed
    bad = [("s", "abcd"), ("s", "a"), ("s", "ab1"), ("s", "ä"), ("e", "c"), ("i", 11),
           ("i", -1), ("i", 2**64), ("i", 1.0), ("i", True), ("f", 2.0), ("f", 0), ("f", "1"),
           ("b", 1), ("b", None), ("d", "2023-02-29"), ("d", 20240229),
           ("a", 3), ("a", "y"), ("a", 2.5), ("o", {}), ("o", {"n": "1"}), ("o", []),
           ("l", [1]), ("l", "1"), ("s", None), ("e", None),
           ("i", None)]  # fmt: skip
    for field, value in bad:
        event = {**good, field: value}
        assert not compiled.validate(event).passed, (field, value)
        assert not passes(event), (field, value)
    for field in ("s", "e", "i"):
        event = {k: v for k, v in good.items() if k != field}
        assert not passes(event) and not compiled.validate(event).passed
    nan = {**good, "f": float("nan")}
    assert not passes(nan)
    with pytest.raises(EventTypeError):
        compiled.validate(nan)


def test_python_values_beyond_json_take_the_slow_tests() -> None:
    gen, ref = _both(
        (ROOT / "contracts" / "user_events" / "1.1.0.yaml").read_text(encoding="utf-8")
    )

    class Sub(str):
        pass

    class D(dict):  # type: ignore[type-arg]
        pass

    base = {"user_id": "a", "event_type": "click", "timestamp": 1}
    for event in [
        D(base),
        {**base, "user_id": Sub("ok")},
        {**base, "timestamp": 2**64},
        {**base, "timestamp": True},
        {**base, "amount": 2**70},
        {**base, "amount": -(2**70)},
        {**base, "amount": float("nan")},
        {**base, "amount": float("-inf")},
        {**base, "amount": {1, 2}},
        {**base, "user_id": "x" * 10_000 + "!"},
        (),
        [],
        None,
    ]:
        _same(gen, ref, event, 0)


def test_passing_results_are_shared_and_untimed_unless_asked() -> None:
    contract = Contract.from_file(ROOT / "contracts" / "user_events" / "1.1.0.yaml")
    gen = contract.compile()
    good = {"user_id": "a", "event_type": "click", "timestamp": 1}
    assert gen.validate(good) is gen.validate(dict(good))
    assert gen.validate(good).validation_us == 0
    timed = contract.compile(timing=True)
    assert timed.validate(good) == gen.validate(good)
    assert timed.validate({"user_id": "A"}).validation_us >= 0
    assert timed.validate(5).validation_us == 0


def test_validate_many_is_lazy_and_accepts_now() -> None:
    gen = Contract.from_file(ROOT / "contracts" / "user_events" / "1.1.0.yaml").compile()
    good = {"user_id": "a", "event_type": "click", "timestamp": 1}

    def events() -> Any:
        yield good
        raise RuntimeError("consumed too far")

    it = gen.validate_many(events())
    assert next(it).passed
    assert [r.passed for r in gen.validate_many([good, {}], now=0)] == [True, False]


def test_generated_source_is_plain_python() -> None:
    gen = Contract.from_file(ROOT / "contracts" / "user_events" / "1.1.0.yaml").compile()
    src = gen.source or ""
    assert "def validate(_self, event, now=None):" in src
    assert "'user_id'" in src
    compile(src, "<check>", "exec")


def test_deep_contracts_still_validate() -> None:
    # Nesting deeper than Python's block limits falls back to the closures.
    depth = 60
    lines = ['version: "1"', "name: deep", "ontology:", "  entities:"]
    ind = "    "
    for i in range(depth):
        lines.append(f"{ind}- name: a{i}")
        lines.append(f"{ind}  type: object")
        lines.append(f"{ind}  properties:")
        ind += "    "
    lines.append(f"{ind}- {{name: leaf, type: integer, min: 0}}")
    contract = Contract.from_yaml("\n".join(lines) + "\n")
    gen = contract.compile()
    ref = contract.compile(reference=True)
    event: Dict[str, Any] = {"leaf": -1}
    for i in reversed(range(depth)):
        event = {f"a{i}": event}
    _same(gen, ref, event, 0)
    assert not gen.validate(event).passed


def test_compile_errors_are_unchanged() -> None:
    with pytest.raises(ContractCompileError):
        Contract.from_yaml(
            'version: "1"\nname: t\nontology:\n  entities:\n'
            "    - {name: a, type: string, pattern: '(?=x)'}\n"
        ).compile()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.sampled_from(
        ["[a-z0-9_]", "[A-Z]", "[0-9]", "[ -~]", "a", "[-.a-c]", r"(?-u:[\d_])", "(?:[a-f])",
         "([x-z])", "[^\\x00-\\x60\\x7b-\\U0010FFFF]", r"[\[\]]"]
    ),
    rep=st.sampled_from(["+", "*", "{2}", "{2,}", "{0,3}", "{1,4}?", "+?"]),
    anchors=st.sampled_from([("^", "$"), (r"\A", r"\z"), ("^", ""), ("", "$"), ("(?m)^", "$")]),
    text=st.text(alphabet="abcxyzAZ09_-.[] \n\x7f\u00e9\u212a", max_size=8),
)
def test_char_run_patterns_match_like_the_regex(
    body: str, rep: str, anchors: Tuple[str, str], text: str
) -> None:
    """``^[set]{m,n}$`` patterns are tested as ``m <= len(s) <= n and not s.strip(set)``
    in the pass expressions: that must be the regex's answer for every string, and other
    shapes (a missing anchor, multi-line mode) must not be taken for runs."""
    from contractgate._validation.regex import char_run, compile_pattern

    pattern = anchors[0] + body + rep + anchors[1]
    m = compile_pattern(pattern)
    run = char_run(m)
    if anchors in (("^", ""), ("", "$"), ("(?m)^", "$")):
        assert run is None
        return
    assert run is not None, pattern
    chars, lo, hi = run
    fast = lo <= len(text) and (hi is None or len(text) <= hi) and not text.strip(chars)
    assert fast == m.is_match(text), (pattern, text)


def test_unicode_classes_are_not_char_runs() -> None:
    from contractgate._validation.regex import char_run, compile_pattern

    for pattern in (r"^[\d_]+$", r"^\w+$", "^(?i)[a-z]+$", "^[a-z]+$|^x$", "^[a-z]+x$"):
        assert char_run(compile_pattern(pattern)) is None, pattern
