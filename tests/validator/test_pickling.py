"""Compiled contracts travel between processes and stay exact.

A :class:`CompiledContract` pickles as its contract and compile options, and the receiving
process compiles again (once per process for a given contract). The copy must answer
byte for byte like the original: the whole parity corpus runs through copies made with
``pickle`` and ``cloudpickle``, and a real ``spawn`` process pool maps
``compiled.is_valid``. Sizes are asserted in bytes.
"""

from __future__ import annotations

import copy
import json
import multiprocessing
import pickle
import types
from typing import Any, Callable, Dict, List, Tuple

import cloudpickle
import pytest
from cg_validator_testlib import CONTRACTS, DATA

from contractgate import Contract
from contractgate._validation.compiler import compiled_cache_info
from contractgate._validation.portable import fingerprint
from contractgate._validation.values.jsonvalue import EventDecodeError, loads

PROTOCOLS = list(range(pickle.HIGHEST_PROTOCOL + 1))

COMPLETENESS = """
version: "1"
name: emails
ontology:
  entities:
    - {name: email, type: string, required: false}
quality:
  - {field: email, type: completeness}
"""


def _pickle_copy(obj: Any, protocol: int = pickle.HIGHEST_PROTOCOL) -> Any:
    return pickle.loads(pickle.dumps(obj, protocol))


def _cloudpickle_copy(obj: Any) -> Any:
    return cloudpickle.loads(cloudpickle.dumps(obj))


COPIERS: Dict[str, Callable[[Any], Any]] = {
    "pickle": _pickle_copy,
    "cloudpickle": _cloudpickle_copy,
}


def _answers(validate: Callable[..., Any], events: List[Any], now: int = 0) -> List[Any]:
    out = []
    for e in events:
        r = validate(e, now=now)
        out.append((r.passed, [(v.field, str(v.kind), v.message) for v in r.violations]))
    return out


def _orders() -> Contract:
    return Contract.from_file(CONTRACTS / "orders.yaml")


def _user_events() -> Contract:
    return Contract.from_file(CONTRACTS / "user_events" / "1.1.0.yaml")


ORDER_EVENTS: List[Dict[str, Any]] = [
    {
        "order_id": "ord_ABCDEFGH",
        "placed_on": "2026-01-05",
        "status": "paid",
        "customer": {"id": "c_123", "country": "DE"},
        "items": [{"sku": "s", "qty": 2, "price": 9.5}],
        "total": 19.0,
    },
    {"order_id": "x", "placed_on": "2026-02-30", "status": "lost", "customer": {"id": ""}},
    {"order_id": "ord_ABCDEFGH", "customer": {"country": "de"}, "items": [{"qty": 0}], "total": -1},
    {"customer": None, "items": "no", "total": 1e9},
]


# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("copier", sorted(COPIERS))
def test_the_issue_example_keeps_its_completeness_violation(copier: str) -> None:
    """cloudpickle used to copy the generated code by value with a fresh "missing"
    sentinel, and the copy answered ``[True, True]``."""
    compiled = Contract.from_yaml(COMPLETENESS).compile()
    events: List[Any] = [{}, {"email": "a@b"}]
    assert [compiled.validate(e).passed for e in events] == [False, True]
    clone = COPIERS[copier](compiled)
    assert clone is not compiled
    assert [clone.validate(e).passed for e in events] == [False, True]
    assert [clone.is_valid(e) for e in events] == [False, True]
    # the bound methods travel too (pickle: by reference to the compiled contract;
    # cloudpickle: the function by value, still with the shared sentinel)
    for name in ("validate", "is_valid"):
        method = COPIERS[copier](getattr(compiled, name))
        got = [bool(method(e)) for e in events]
        assert got == [False, True], name


@pytest.mark.parametrize("copier", sorted(COPIERS))
@pytest.mark.parametrize("contract", [_orders, _user_events], ids=["orders", "user_events"])
def test_shipped_contracts_answer_the_same_after_a_copy(
    copier: str, contract: Callable[[], Contract]
) -> None:
    compiled = contract().compile()
    clone = COPIERS[copier](compiled)
    assert clone.contract == compiled.contract
    assert clone.contract.source_text == compiled.contract.source_text
    assert clone.source == compiled.source and clone.is_generated
    events: List[Any] = [*ORDER_EVENTS, {"user_id": "u_1", "event_type": "click", "timestamp": 1}]
    events += [{"user_id": "BAD!", "event_type": "nope", "timestamp": "x"}, {}, 5]
    assert _answers(clone.validate, events) == _answers(compiled.validate, events)
    assert [clone.is_valid(e) for e in events] == [compiled.is_valid(e) for e in events]
    assert clone.validate_batch(events[:4]) == compiled.validate_batch(events[:4])


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_pickle_protocol_and_copy_module(protocol: int) -> None:
    contract = _orders()
    assert _pickle_copy(contract, protocol) == contract
    for options in ({}, {"reference": True}, {"timing": True}):
        compiled = contract.compile(**options)
        clone = _pickle_copy(compiled, protocol)
        assert clone.is_generated is compiled.is_generated
        assert clone._options == compiled._options
        assert _answers(clone.validate, ORDER_EVENTS) == _answers(compiled.validate, ORDER_EVENTS)
    compiled = contract.compile()
    for clone in (copy.copy(compiled), copy.deepcopy(compiled)):
        assert _answers(clone.validate, ORDER_EVENTS) == _answers(compiled.validate, ORDER_EVENTS)


@pytest.mark.parametrize("contract", [_orders, _user_events], ids=["orders", "user_events"])
def test_the_pickle_is_the_contract_and_options_not_the_code(
    contract: Callable[[], Contract],
) -> None:
    c = contract()
    compiled = c.compile()
    size = len(pickle.dumps(compiled))
    # the contract (with its YAML text) plus the options and a reference to _restore
    assert size <= len(pickle.dumps(c)) + 150
    assert size <= len(cloudpickle.dumps(compiled)) + 150
    assert b"_factory" not in pickle.dumps(compiled) and b"def " not in pickle.dumps(compiled)
    # the bound methods pickle as getattr(compiled, name): a few bytes more
    assert len(pickle.dumps(compiled.validate)) <= size + 100
    compiled.is_valid({})  # after the fail-fast function is generated, too
    assert len(pickle.dumps(compiled.is_valid)) <= size + 100


def test_a_process_compiles_a_given_contract_once() -> None:
    contract = Contract.from_yaml(COMPLETENESS.replace("emails", "cache-check"))
    data = pickle.dumps(contract.compile())
    before = compiled_cache_info()
    first = pickle.loads(data)
    copies = [pickle.loads(data) for _ in range(20)] + [cloudpickle.loads(data)]
    after = compiled_cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits == 21
    assert all(c is first for c in copies)
    # other options are another compilation
    pickle.loads(pickle.dumps(contract.compile(reference=True)))
    assert compiled_cache_info().misses - before.misses == 2


def test_the_cache_is_bounded() -> None:
    info = compiled_cache_info()
    for i in range(info.maxsize + 5):
        text = COMPLETENESS.replace("emails", f"bounded-{i}")
        pickle.loads(pickle.dumps(Contract.from_yaml(text).compile()))
    assert compiled_cache_info().size == info.maxsize


def test_the_fingerprint_sees_every_meaningful_difference() -> None:
    base = Contract.from_yaml(COMPLETENESS).to_dict()
    opts = {"reference": False, "timing": False}

    def fp(**changes: Any) -> str:
        d = json.loads(json.dumps(base))
        field = d["ontology"]["entities"][0]
        field.update(changes)
        return fingerprint(Contract.from_dict(d), opts)

    same = fingerprint(Contract.from_dict(base, filename="elsewhere.yaml"), opts)
    assert same == fp()
    seen = {
        fp(),
        fp(min=0.0),
        fp(min=-0.0),
        fp(enum=[1]),
        fp(enum=[1.0]),
        fp(enum=[True]),
        fp(enum=["1"]),
        fp(pattern="^a"),
        fp(required=True),
        fingerprint(Contract.from_dict(base), {**opts, "timing": True}),
    }
    assert len(seen) == 10


# --------------------------------------------------------------------------------------
# The parity corpus through copies of the bound methods (tests/validator/test_parity.py
# runs every case through pickled copies of the compiled contract)


def _corpus_cases() -> List[Tuple[str, str, List[str], List[Any], int]]:
    parity = json.loads((DATA / "contract-validation-parity.json").read_text(encoding="utf-8"))
    rows = []
    for c in parity["cases"]:
        if "results" in c["expect"]:
            rows.append(
                (
                    c["id"],
                    c["contract_yaml"],
                    c["events"],
                    c["expect"]["results"],
                    parity["now_unix"],
                )
            )
    for line in (DATA / "contract-validation-fuzz.jsonl").read_text(encoding="utf-8").split("\n"):
        if line.strip():
            r = json.loads(line)
            if "results" in r["expect"]:
                rows.append(
                    (r["id"], r["contract_yaml"], r["events"], r["expect"]["results"], r["now"])
                )
    return rows


CORPUS = _corpus_cases()
#: The corpus contracts whose methods are copied: every one with a pattern, quality rule
#: or metric (what a by-value copy could get wrong), and every 4th of the rest.
METHOD_CORPUS = [
    row
    for i, row in enumerate(CORPUS)
    if i % 4 == 0 or any(k in row[1] for k in ("pattern", "quality", "metrics"))
]


def _expected(result: Dict[str, Any]) -> Tuple[bool, List[Tuple[str, str, str]]]:
    return result["passed"], [(v["field"], v["kind"], v["message"]) for v in result["violations"]]


@pytest.mark.parametrize("copier", sorted(COPIERS))
def test_the_parity_corpus_through_copied_methods(copier: str) -> None:
    """``compiled.validate`` and ``compiled.is_valid`` handed to another process (a pool's
    mapped function). pickle sends them by reference to the compiled contract (small, for
    every contract). cloudpickle copies the generated function by value: the copy must be
    exact, or, when a pattern's matcher cannot be copied (the regex engine's Python-level
    matchers hold locks), fail loudly at pickling time -- never answer differently."""
    assert len(CORPUS) == 98 + 2 + 341 and len(METHOD_CORPUS) > 200
    checked = refused = 0
    for cid, text, events, results, now in METHOD_CORPUS:
        compiled = Contract.from_yaml(text).compile()
        try:
            validate = COPIERS[copier](compiled.validate)
            is_valid = COPIERS[copier](compiled.is_valid)
        except TypeError:
            assert copier == "cloudpickle", cid
            assert any(
                not isinstance(fn, types.BuiltinMethodType) for fn in compiled._patterns.values()
            ), cid
            # the compiled contract itself always travels
            validate = COPIERS[copier](compiled).validate
            is_valid = COPIERS[copier](compiled).is_valid
            refused += 1
        for raw, want in zip(events, results):
            try:
                event = loads(raw)
            except EventDecodeError:
                continue
            r = validate(event, now=now)
            got = (r.passed, [(v.field, str(v.kind), v.message) for v in r.violations])
            assert got == _expected(want), (cid, raw)
            assert is_valid(event, now=now) is want["passed"], (cid, raw)
            checked += 1
    assert checked > 800 and refused < len(METHOD_CORPUS) // 10


# --------------------------------------------------------------------------------------
# A real child process


def _worker_cache_info() -> Tuple[int, int]:
    info = compiled_cache_info()
    return info.misses, info.hits


def test_a_spawn_pool_maps_is_valid_and_compiles_once_per_worker() -> None:
    compiled = _orders().compile()
    events = [ORDER_EVENTS[i % len(ORDER_EVENTS)] for i in range(24)]
    want = [compiled.is_valid(e) for e in events]
    assert True in want and False in want
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        got = pool.map(compiled.is_valid, events, chunksize=2)  # 12 tasks, each pickles it
        results = pool.map(compiled.validate, events, chunksize=4)
        misses, hits = pool.apply(_worker_cache_info)
    assert got == want
    assert [(r.passed, list(r.violations)) for r in results] == [
        (r.passed, list(r.violations)) for r in map(compiled.validate, events)
    ]
    assert misses == 1 and hits == 12 + 6 - 1
