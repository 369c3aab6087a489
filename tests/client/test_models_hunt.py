"""Defects found in the wire models (``contractgate.models``, ``contractgate._wire``):
each test failed before its fix.

* ``IngestResults`` came back from ``pickle``, ``copy`` and ``deepcopy`` as a plain
  ``FrozenList``, so ``resp.results.failures()`` raised ``AttributeError`` on a copy.
* ``BatchIngestResponse.from_dict`` skipped a result that is not an object, so every
  later result without an ``index`` (the legacy route sends none) took the place, and the
  index, of the event before it: a 422 rejection came back with verdicts for the wrong
  events.
* A model built by hand kept the lists it was given: mutable and unhashable, while the
  same model decoded from the gateway holds ``FrozenList``s.
* ``PlaygroundResult``s compared by their ``raw`` JSON only, so two built by hand (empty
  ``raw``) were equal whatever their verdicts.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any, Callable, Dict, List

import httpx
import pytest
from cg_client_testlib import API_KEY

import contractgate.exceptions as E
from contractgate import IngestResults, Violation
from contractgate._frozenlist import FrozenList
from contractgate._wire import WrongValue
from contractgate.models import (
    BatchIngestResponse,
    EgressOutcome,
    EgressResponse,
    EnvelopeIngestResponse,
    IngestEventResult,
    PlaygroundResult,
    ReplayResponse,
    ReplayResult,
    TopLevelReplayOutcome,
    TopLevelReplayResponse,
)

BASE = "http://gw.test"
CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"
V = {"field": "user_id", "message": "no match", "kind": "pattern_mismatch"}

pytestmark = pytest.mark.filterwarnings("ignore:the API key will be sent over plain http")


def _result(i: int, ok: bool) -> Dict[str, Any]:
    return {"passed": ok, "violations": [] if ok else [V], "validation_us": 1, "forwarded": ok,
            "contract_version": "1.0.0", "transformed_event": {"i": i}}  # fmt: skip


def _answer(n: int) -> Dict[str, Any]:
    results = [_result(i, i % 2 == 0) for i in range(n)]
    passed = sum(1 for r in results if r["passed"])
    return {"total": n, "passed": passed, "failed": n - passed, "results": results}


# ------------------------------------------------------------- IngestResults round trips

ROUND_TRIPS: Dict[str, Callable[[Any], Any]] = {
    **{f"pickle-{p}": (lambda o, p=p: pickle.loads(pickle.dumps(o, p))) for p in (2, 5)},
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}


@pytest.mark.parametrize("trip", list(ROUND_TRIPS))
def test_ingest_results_keep_their_type_through_pickle_and_copy(trip: str) -> None:
    again = ROUND_TRIPS[trip]
    decoded = BatchIngestResponse.from_dict(_answer(4), index_offset=10)
    decoded.results  # noqa: B018 - built before the round trip
    by_hand = BatchIngestResponse(total=1, passed=1, failed=0,
                                  results=[IngestEventResult(True, index=3)])  # fmt: skip
    for resp in (decoded, by_hand):
        copied = again(resp)
        assert type(copied.results) is IngestResults
        assert copied.results.failures() == resp.results.failures()
        assert copied == resp
    alone = again(decoded.results)
    assert type(alone) is IngestResults and alone == decoded.results
    assert [r.index for r in alone.failures()] == [11, 13]


# ------------------------------------------------------ results that are not objects


@pytest.mark.parametrize("item", [7, None, "x", [], True])
def test_a_result_that_is_not_an_object_is_wrong_value_not_skipped(item: Any) -> None:
    answer = {"total": 2, "passed": 0, "failed": 2, "results": [item, _result(1, False)]}
    with pytest.raises(WrongValue, match=r"'results' item 0 is .*, not an object"):
        BatchIngestResponse.from_dict(answer)


def test_results_that_are_objects_keep_their_positions() -> None:
    answer = _answer(3)
    resp = BatchIngestResponse.from_dict(answer, index_offset=5)
    assert [r.index for r in resp.results] == [5, 6, 7]
    assert BatchIngestResponse.from_dict({"results": None}).results == []  # still tolerant


@pytest.mark.parametrize("shape", ["v1", "legacy"])
async def test_a_rejection_with_a_result_that_is_not_an_object_is_an_invalid_response(
    make_api: Any, shape: str
) -> None:
    """Was a ``DeprecatedVersionError`` whose one result, event 1's, said ``index=0``."""
    batch = {"total": 2, "passed": 0, "failed": 2, "dry_run": False,
             "version_pin_source": "pinned_deprecated",
             "results": [7, _result(1, False)]}  # fmt: skip
    msg = f"Version 1.0.0 on contract {CID} is deprecated; batch quarantined."
    body: Any = {"error": msg, **batch} if shape == "v1" else {
        "error": msg, "status": 422, "batch": batch}  # fmt: skip
    api = make_api(base_url=BASE, api_key=API_KEY, max_retries=0,
                   handler=lambda r: httpx.Response(422, json=body))  # fmt: skip
    with pytest.raises(E.InvalidResponseError, match="'results' item 0 is a number"):
        await api.ingest(CID, [{}, {}], version="1.0.0", route=shape)


# ------------------------------------------------------------ sequences built by hand

VIOL = Violation("user_id", "no match", "pattern_mismatch")
OUTCOME = EgressOutcome(index=0, passed=False, violations=[VIOL], stripped_fields=["x"])
BY_HAND: List[Any] = [
    IngestEventResult(False, [VIOL]),
    OUTCOME,
    EgressResponse(total=1, passed=0, failed=1, payload=[1, "a"], outcomes=[OUTCOME]),
    EnvelopeIngestResponse(passed=0, quarantined=1, violations=[]),  # type: ignore[arg-type]
    ReplayResult(quarantine_id="q", outcome="still_quarantined", violations=[VIOL]),
    ReplayResponse(total=1, results=[ReplayResult("q", "not_found")]),
    TopLevelReplayOutcome(event_id="e", violations=[VIOL]),
    TopLevelReplayResponse(replayed=0, outcomes=[TopLevelReplayOutcome("e")]),
    PlaygroundResult(passed=False, violations=[VIOL]),
]


@pytest.mark.parametrize("model", BY_HAND, ids=lambda m: type(m).__name__)
def test_sequences_given_as_lists_are_frozen(model: Any) -> None:
    """Every sequence in a model is a ``FrozenList`` (CHANGELOG): read-only, and the
    model hashable as the decoded one is (a ``PlaygroundResult`` is a mapping: no hash)."""
    for f in dataclasses.fields(model):
        value = getattr(model, f.name)
        if isinstance(value, (list, tuple)):
            assert type(value) is FrozenList, f.name
    if not isinstance(model, PlaygroundResult):
        assert hash(model) == hash(copy.deepcopy(model))


# --------------------------------------------------------- PlaygroundResult equality


def test_playground_results_with_different_verdicts_are_unequal() -> None:
    ok = PlaygroundResult(passed=True)
    bad = PlaygroundResult(passed=False, violations=[VIOL])
    assert ok != bad and not ok == bad
    assert ok == PlaygroundResult(passed=True)
    wire = {"passed": False, "violations": [V], "validation_us": 3, "transformed_event": {}}
    decoded = PlaygroundResult.from_dict(wire)
    assert decoded == wire and wire == decoded and decoded == dict(decoded)  # v0.1's dict
    assert decoded == PlaygroundResult(False, [VIOL], 3, {})  # as every model: raw aside
    assert decoded != PlaygroundResult(False, [VIOL], 4, {})
    assert decoded != PlaygroundResult.from_dict({**wire, "passed": True})
    assert decoded != {**wire, "validation_us": 4}


def test_the_repr_of_a_big_response_is_short_and_decodes_nothing() -> None:
    """``repr(resp)`` (a notebook's last line, a log call) printed every result: for a
    1,000,000-event ingest it decoded every kept batch and built a string of hundreds
    of MB. Past a few results it says how many there are instead."""
    raws = [{"index": i, "passed": i % 3 != 2, "violations": [], "transformed_event": {"i": i}}
            for i in range(1000)]  # fmt: skip
    resp = BatchIngestResponse.from_dict(
        {"total": 1000, "passed": 667, "failed": 333, "results": raws}
    )
    text = repr(resp)
    assert "results" not in resp.__dict__  # nothing built
    assert len(text) < 400 and "results=<1000 results>" in text, text
    assert text.startswith("BatchIngestResponse(total=1000, passed=667, failed=333, ")
    small = BatchIngestResponse.from_dict(
        {"total": 2, "passed": 2, "failed": 0, "results": raws[:2]}
    )
    assert "IngestEventResult(passed=True" in repr(small)  # a few results are shown
    built = BatchIngestResponse(total=1000, passed=1000, failed=0,
                                results=[IngestEventResult(passed=True)] * 1000)  # fmt: skip
    assert "results=<1000 results>" in repr(built)
