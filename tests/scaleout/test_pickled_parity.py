""""Same answers" on workers: a compiled contract that crossed a process boundary (pickle,
cloudpickle — what Dask and Spark use — and a real ProcessPoolExecutor) gives the Rust
engine's verdicts for every case of the parity and fuzz corpora."""

from __future__ import annotations

import json
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Dict, List, Tuple

import cloudpickle
import pytest
from cg_scaleout_testlib import DATA, ORDERS, chunks, order_lines, reference

from contractgate import Contract
from contractgate.validator import validate_chunk

PARITY = json.loads((DATA / "contract-validation-parity.json").read_text(encoding="utf-8"))
FUZZ = [
    json.loads(line)
    for line in (DATA / "contract-validation-fuzz.jsonl").read_text(encoding="utf-8").split("\n")
    if line.strip()
]

# (id, contract YAML, raw events, now, expected [(passed, violations)])
Case = Tuple[str, str, List[str], int, List[Tuple[bool, List[Dict[str, str]]]]]


def _cases() -> List[Case]:
    out: List[Case] = []
    rows = [(c, PARITY["now_unix"]) for c in PARITY["cases"]] + [(r, r["now"]) for r in FUZZ]
    for row, now in rows:
        expect = row["expect"]
        if "results" not in expect or "batch_uniqueness" in expect:
            continue
        want = [
            (r["passed"], [{k: v[k] for k in ("field", "kind", "message")}
                           for v in r["violations"]])
            for r in expect["results"]
        ]
        out.append((row["id"], row["contract_yaml"], row["events"], now, want))
    return out


CASES = _cases()


def _answers(compiled: Any, events: List[str], now: int) -> List[Tuple[bool, List[Dict[str, str]]]]:
    report = validate_chunk(compiled, events, now=now, failures_only=False)
    return [(o.passed, [v.to_dict() for v in o.violations]) for o in report.outcomes]


def _expected(want: List[Tuple[bool, List[Dict[str, str]]]]) -> List[Any]:
    return [(p, [{"field": v["field"], "message": v["message"], "kind": v["kind"]} for v in vs])
            for p, vs in want]


def test_corpus_is_large_enough() -> None:
    assert len(CASES) > 400
    assert sum(len(c[2]) for c in CASES) > 3000


@pytest.mark.parametrize("dumps,loads", [(pickle.dumps, pickle.loads),
                                         (cloudpickle.dumps, cloudpickle.loads)],
                         ids=["pickle", "cloudpickle"])
def test_pickled_copies_give_the_engines_verdicts(dumps: Any, loads: Any) -> None:
    mismatches = []
    for case_id, yaml_text, events, now, want in CASES:
        compiled = Contract.from_yaml(yaml_text).compile()
        copy = loads(dumps(compiled))
        got = _answers(copy, events, now)
        if got != _expected(want):
            mismatches.append(case_id)
    assert mismatches == []


def _case_task(compiled: Any, events: List[str], now: int) -> List[Any]:
    return _answers(compiled, events, now)


def test_process_pool_gives_the_engines_verdicts() -> None:
    """Compiled contracts shipped to spawned worker processes, as a CLI ``--jobs N``
    would, answer every corpus case like the engine."""
    ctx = multiprocessing.get_context("spawn")
    compiled = [Contract.from_yaml(c[1]).compile() for c in CASES]
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        got = list(pool.map(_case_task, compiled, [c[2] for c in CASES], [c[3] for c in CASES],
                            chunksize=16))
    assert [g == _expected(c[4]) for g, c in zip(got, CASES)] == [True] * len(CASES)


def test_process_pool_chunks_add_up_to_the_single_process_summary() -> None:
    lines = order_lines(3000)
    parts = chunks(lines, 6)
    want_outcomes, want = reference(ORDERS.compile(), parts)
    compiled = ORDERS.compile()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        futures = [pool.submit(validate_chunk, compiled, p, partition=i)
                   for i, p in enumerate(parts)]
        reports = [f.result() for f in futures]
    assert sum(r.summary for r in reversed(reports)) == want
    assert [o for r in reports for o in r.outcomes] == want_outcomes
