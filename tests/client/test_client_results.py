"""``BatchIngestResponse.results``: an :class:`IngestResults` sequence (equal to the list
of the same results) that a decoded answer builds from the gateway's JSON on first
access; counts, ``len`` and ``failures`` need no per-event objects for passing events."""

from __future__ import annotations

import dataclasses
import json
import pickle
from typing import Any, Dict, List

from contractgate import BatchIngestResponse, IngestEventResult, IngestResults
from contractgate.models import merge_batches


def _answer(n: int, offset_fail: int = 3, with_index: bool = True) -> Dict[str, Any]:
    results: List[Dict[str, Any]] = []
    for i in range(n):
        ok = i % offset_fail != offset_fail - 1
        r: Dict[str, Any] = {
            "passed": ok,
            "violations": [] if ok else [
                {"field": "user_id", "kind": "pattern_mismatch", "message": "bad"}
            ],
            "contract_version": "1.1.0",
            "transformed_event": {"i": i},
            "quarantine_id": None if ok else f"q{i}",
            "forwarded": ok,
            "validation_us": 2,
        }
        if with_index:
            r["index"] = i
        results.append(r)
    passed = sum(1 for r in results if r["passed"])
    return {"total": n, "passed": passed, "failed": n - passed, "dry_run": False,
            "atomic": False, "resolved_version": "1.1.0", "results": results}  # fmt: skip


def _built(resp: BatchIngestResponse) -> bool:
    return "results" in vars(resp)


def test_results_are_built_on_first_access_and_then_shared() -> None:
    resp = BatchIngestResponse.from_dict(_answer(9), index_offset=100)
    assert len(resp) == 9 and resp.total == 9 and resp.passed == 6 and resp.failed == 3
    assert not _built(resp)  # counts and len need no result objects
    res = resp.results
    assert isinstance(res, IngestResults) and len(res) == 9 and resp.results is res
    first = res[0]
    assert isinstance(first, IngestEventResult) and first.index == 100 and first.passed
    assert res[0] is first and next(iter(res)) is first  # built once
    assert [r.index for r in res] == list(range(100, 109))
    assert res[-1].quarantine_id == "q8" and res[2:4][1].index == 103


def test_failures_build_only_the_failing_results() -> None:
    resp = BatchIngestResponse.from_dict(_answer(9), index_offset=10)
    fails = resp.failures
    assert [f.index for f in fails] == [12, 15, 18]
    assert not _built(resp)
    assert all(f.violations[0].kind == "pattern_mismatch" for f in fails)
    assert fails == tuple(r for r in resp.results if not r.passed)  # same after building


def test_results_equal_a_tuple_of_the_same_results() -> None:
    a = BatchIngestResponse.from_dict(_answer(4))
    b = BatchIngestResponse.from_dict(_answer(4))
    assert a == b and a.results == b.results
    built = tuple(a.results)
    assert a.results == built and built == a.results and a.results == list(built)
    assert a.results != built[:3] and a.results != "abcd"
    assert BatchIngestResponse.from_dict({"results": []}).results == ()
    assert repr(a.results) == repr(list(built))  # prints like the list v0.1 returned
    assert hash(IngestResults()) == hash(())


def test_the_position_stands_in_for_a_missing_index() -> None:
    resp = BatchIngestResponse.from_dict(_answer(5, with_index=False), index_offset=7)
    assert [r.index for r in resp.results] == [7, 8, 9, 10, 11]
    ans = _answer(3)
    ans["results"][1]["index"] = True  # not an index: the position is used
    assert [r.index for r in BatchIngestResponse.from_dict(ans).results] == [0, 1, 2]


def test_missing_counts_are_derived_from_the_results() -> None:
    ans = _answer(6)
    for k in ("total", "passed", "failed"):
        del ans[k]
    resp = BatchIngestResponse.from_dict(ans)
    assert (resp.total, resp.passed, resp.failed) == (6, 4, 2)


def test_merged_batches_stay_lazy_and_in_order() -> None:
    from contractgate.models import BatchAck

    parts = []
    for start in (20, 0, 10):
        p = BatchIngestResponse.from_dict(_answer(10), index_offset=start)
        ack = BatchAck(number=start // 10, start_index=start, count=10, status_code=207)
        parts.append(p.with_meta(batches=(ack,)))
    merged = merge_batches(parts)
    assert not _built(merged)
    assert [r.index for r in merged.results] == list(range(30))
    assert [f.index for f in merged.failures] == [s + j for s in (0, 10, 20) for j in (2, 5, 8)]


def test_results_survive_pickling() -> None:
    resp = BatchIngestResponse.from_dict(_answer(5))
    again = pickle.loads(pickle.dumps(resp))
    assert again == resp and [r.index for r in again.results] == [0, 1, 2, 3, 4]


def test_results_are_a_list_for_v01_code() -> None:
    """v0.1 returned a list: ``+`` and ``dataclasses.asdict`` work as they did."""
    resp = BatchIngestResponse.from_dict(_answer(3))
    extra = IngestEventResult(passed=True, violations=[], validation_us=1, forwarded=True,
                              contract_version="1.1.0", transformed_event={})  # fmt: skip
    assert resp.results + [extra] == [*resp.results, extra]  # noqa: RUF005
    assert [extra] + resp.results == [extra, *resp.results]  # noqa: RUF005
    as_dict = dataclasses.asdict(resp)
    assert isinstance(as_dict["results"], (list, tuple)) and len(as_dict["results"]) == 3
    assert as_dict["results"][2]["violations"][0]["kind"] == "pattern_mismatch"
    assert json.loads(json.dumps(as_dict, default=str))["results"][0]["passed"] is True


def test_keep_results_false_keeps_only_failures_still_undecoded() -> None:
    resp = BatchIngestResponse.from_dict(_answer(9), index_offset=5)
    slim = resp.failing_only()
    assert not _built(slim) and slim.total == 9 and len(slim) == 3
    assert [r.index for r in slim.results] == [7, 10, 13]
