"""Parity with the gateway's Rust engine, case by case.

Both corpora were produced by the engine itself (see tests/data and
../shared/spec/contract-validation.md). Every case is one test id; comparisons are exact:
same verdict, same violations in the same order, same field, kind and message bytes.
Every case that validates runs three times: on the compiled contract, and on copies made
with ``pickle`` and with ``cloudpickle`` (a copy compiles again in the receiving process
and must answer byte for byte the same).
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any, Callable, Dict, List

import cloudpickle
import pytest

from contractgate import Contract, ContractCompileError
from contractgate._validation.portable import fingerprint
from contractgate._validation.values.jsonvalue import (
    EventDecodeError,
    is_valid_date,
    loads,
    render_debug_str,
    render_f64,
    render_json,
)

DATA = Path(__file__).resolve().parents[1] / "data"
SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec"
CORPUS_FILES = (
    "contract-validation-parity.json",
    "contract-validation-fuzz.jsonl",
    "rust-str-debug-escapes.txt",
    "v0.1-surface.md",
)

PARITY = json.loads((DATA / "contract-validation-parity.json").read_text(encoding="utf-8"))
FUZZ = [
    json.loads(line)
    for line in (DATA / "contract-validation-fuzz.jsonl").read_text(encoding="utf-8").split("\n")
    if line.strip()
]
NOW = PARITY["now_unix"]


def _violations(result: Any) -> List[Dict[str, str]]:
    return [
        {"field": v.field, "kind": str(v.kind), "message": v.message} for v in result.violations
    ]


def _expected(violations: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    return [{"field": v["field"], "kind": v["kind"], "message": v["message"]} for v in violations]


def _compile_mode(expect: Dict[str, Any]) -> str:
    """How to compare an expected compile error: the corpus may say (``compile_match``);
    otherwise the spec's rule: transform errors exact, regex errors by their prefix,
    YAML shape errors by the fact of failure."""
    mode = expect.get("compile_match", {}).get("mode")
    if mode:
        return str(mode)
    text = expect["compile_error"]
    if text.startswith("Invalid regex '"):
        return "prefix"
    if text.startswith("Field '") and "declares a PII transform" in text:
        return "exact"
    return "any"


def _regex_prefix(text: str) -> str:
    # "Invalid regex '<pattern>' for field '<path>': " — the pattern may contain "': ".
    marker = "' for field '"
    head, _, rest = text.partition(marker)
    path, _, _ = rest.partition("': ")
    return f"{head}{marker}{path}': "


def _assert_compile_error(yaml_text: str, expect: Dict[str, Any]) -> None:
    with pytest.raises(ContractCompileError) as info:
        Contract.from_yaml(yaml_text).compile()
    got = info.value.message
    want = expect["compile_error"]
    mode = _compile_mode(expect)
    if mode == "exact":
        assert got == want
    elif mode == "prefix":
        prefix = expect.get("compile_match", {}).get("prefix") or _regex_prefix(want)
        assert got.startswith(prefix), (got, prefix)


def _check_results(
    compiled: Any, events: List[str], expected: List[Dict[str, Any]], now: int
) -> None:
    assert len(events) == len(expected)
    for i, (raw, want) in enumerate(zip(events, expected)):
        got = compiled.validate_json(raw, now=now)
        assert (got.passed, _violations(got)) == (
            want["passed"],
            _expected(want["violations"]),
        ), f"event {i}: {raw!r}"


# --------------------------------------------------------------------------------------

#: How a compiled contract reaches the checks: as compiled, or through a pickled copy.
VIAS: Dict[str, Callable[[Any], Any]] = {
    "compiled": lambda c: c,
    "pickle": lambda c: pickle.loads(pickle.dumps(c)),
    "cloudpickle": lambda c: cloudpickle.loads(cloudpickle.dumps(c)),
}


def _validates(expect: Dict[str, Any]) -> bool:
    return not ({"parse_error", "compile_error"} & set(expect))


def _params(cases: List[Dict[str, Any]], name: Callable[[Dict[str, Any]], str]) -> List[Any]:
    """Each case once, and twice more through pickled copies when it validates."""
    return [
        pytest.param(case, via, id=name(case) if via == "compiled" else f"{name(case)}::{via}")
        for case in cases
        for via in VIAS
        if via == "compiled" or _validates(case["expect"])
    ]


def _compile(contract: Contract, via: str) -> Any:
    original = contract.compile()
    compiled = VIAS[via](original)
    # the same content (a fingerprint: ``==`` is False for contracts with NaN bounds)
    assert fingerprint(compiled.contract, {}) == fingerprint(contract, {})
    assert (compiled is original) is (via == "compiled")
    return compiled


@pytest.mark.parametrize(
    "case,via", _params(PARITY["cases"], lambda c: f"{c['group']}::{c['id']}")
)
def test_parity_case(case: Dict[str, Any], via: str) -> None:
    expect = case["expect"]
    yaml_text = case["contract_yaml"]
    if "parse_error" in expect:
        with pytest.raises(ContractCompileError):
            Contract.from_yaml(yaml_text)
        return
    if "compile_error" in expect:
        _assert_compile_error(yaml_text, expect)
        return
    contract = Contract.from_yaml(yaml_text)
    if "contract_as_json" in expect:
        assert (
            json.loads(json.dumps(contract.to_dict(), sort_keys=True)) == expect["contract_as_json"]
        )
    compiled = _compile(contract, via)
    if "results" in expect:
        _check_results(compiled, case["events"], expect["results"], NOW)
    if "batch_uniqueness" in expect:
        events = [loads(raw) for raw in case["events"]]
        got = [
            {"index": i, "violation": {"field": v.field, "kind": str(v.kind), "message": v.message}}
            for i, v in compiled.uniqueness_violations(events)
        ]
        assert got == expect["batch_uniqueness"]
        # validate_batch = per-event results with the uniqueness violations appended
        batch = compiled.validate_batch(events, now=NOW)
        for entry in expect["batch_uniqueness"]:
            r = batch[entry["index"]]
            assert not r.passed
            assert _violations(r)[-1] == entry["violation"] or entry["violation"] in _violations(r)
    if "envelope_result" in expect:
        want = expect["envelope_result"]
        got_env = compiled.validate_envelope_json(case["envelope_payload"], now=NOW)
        assert got_env.passed == want["passed"]
        assert got_env.quarantined == want["quarantined"]
        assert [
            {
                "record_index": v.record_index,
                "field": v.field,
                "kind": str(v.kind),
                "message": v.message,
            }
            for v in got_env.violations
        ] == [
            {
                "record_index": v["record_index"],
                "field": v["field"],
                "kind": v["kind"],
                "message": v["message"],
            }
            for v in want["violations"]
        ]
    if expect.get("compiles"):
        assert compiled is not None


@pytest.mark.parametrize("row,via", _params(FUZZ, lambda r: str(r["id"])))
def test_fuzz_case(row: Dict[str, Any], via: str) -> None:
    expect = row["expect"]
    if "compile_error" in expect:
        _assert_compile_error(row["contract_yaml"], expect)
        return
    compiled = _compile(Contract.from_yaml(row["contract_yaml"]), via)
    _check_results(compiled, row["events"], expect["results"], row["now"])


# -- helper vectors: the number, string and date primitives ----------------------------

_NUMBERS = PARITY["helper_vectors"]["numbers"]["items"]
_DEBUG = PARITY["helper_vectors"]["debug_strings"]["items"]
_DATES = PARITY["helper_vectors"]["dates"]["items"]


@pytest.mark.parametrize("item", _NUMBERS, ids=[i["json_text"] for i in _NUMBERS])
def test_number_vector(item: Dict[str, Any]) -> None:
    if item.get("decode_error") or "class" not in item:
        with pytest.raises(EventDecodeError):
            loads(item["json_text"])
        return
    v = loads(item["json_text"])
    assert ("integer" if isinstance(v, int) else "float") == item["class"]
    assert render_json(v) == item["J"]
    assert render_f64(float(v)) == item["F"]


@pytest.mark.parametrize("item", _DEBUG, ids=[repr(i["input"]) for i in _DEBUG])
def test_debug_string_vector(item: Dict[str, str]) -> None:
    assert render_debug_str(item["input"]) == item["D"]


@pytest.mark.parametrize("item", _DATES, ids=[repr(i["input"]) for i in _DATES])
def test_date_vector(item: Dict[str, Any]) -> None:
    assert is_valid_date(item["input"]) is item["valid"]


def test_corpus_counts() -> None:
    assert len(PARITY["cases"]) == 212
    assert len(FUZZ) == 400


@pytest.mark.skipif(
    not SPEC.is_dir(),
    reason="only the copy-in-sync check is skipped: ../shared/spec is not beside this "
    "checkout; every other test reads the copies in tests/data",
)
@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_copy_matches_spec(name: str) -> None:
    assert (DATA / name).read_bytes() == (SPEC / name).read_bytes(), (
        f"tests/data/{name} differs from ../shared/spec/{name}; copy it again unchanged"
    )
