"""Failing results of the generated validator build their violations when first read.

Such a result must be indistinguishable from one built eagerly (the reference path's):
attribute, equality, hash, repr, pickles, copies, dataclass helpers, the wire form.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import threading
from typing import Any, Dict, List

import pytest

from contractgate import Contract
from contractgate._validation.violations import (
    ValidationResult,
    Violation,
    ViolationKind,
    pending_result,
)

CONTRACT = """
version: "1.0.0"
name: pending
ontology:
  entities:
    - {name: user_id, type: string, required: true, pattern: "^[a-z0-9_]+$"}
    - {name: code, type: string, required: false, pattern: "^[A-Z]{2}-[0-9]+$"}
    - {name: kind, type: string, required: true, enum: [a, b]}
    - {name: n, type: integer, required: true, min: 0, max: 10}
    - {name: x, type: float, required: false, min: 0.5}
    - {name: day, type: date, required: false}
    - {name: name, type: string, required: false, min_length: 2, max_length: 4}
    - name: items
      type: array
      required: false
      items:
        name: item
        type: object
        properties:
          - {name: sku, type: string, required: true, pattern: "^[0-9]+$"}
          - {name: qty, type: integer, required: true, min: 1}
"""

EVENTS: List[Dict[str, Any]] = [
    {"user_id": "Bad-User!", "kind": "c", "n": 11},
    {"user_id": "ok", "kind": "a", "n": "7", "x": 0.25, "day": "2026-02-30", "name": "é"},
    {"user_id": 5, "kind": None, "n": -1, "code": "ab-1", "name": "abcdefg"},
    {"user_id": "ok", "kind": "b", "n": 3, "items": [{"sku": "x1", "qty": 0}, {"qty": 2}]},
    {"kind": ["a"], "n": 2**70, "x": "1"},
]


@pytest.fixture(scope="module")
def pair() -> Any:
    c = Contract.from_yaml(CONTRACT)
    return c.compile(), c.compile(reference=True)


def test_pending_results_equal_the_reference(pair: Any) -> None:
    compiled, reference = pair
    for event in EVENTS:
        got, want = compiled.validate(event), reference.validate(event)
        assert not got.passed
        assert "violations" not in vars(got)  # not built yet
        assert repr(got) == repr(want)  # builds them
        assert got == want and hash(got) == hash(want)
        assert got.violations == want.violations
        assert got.violations is got.violations  # built once
        assert type(got.violations) is type(want.violations)
        assert got.to_dict() == {**want.to_dict(), "validation_us": 0}
        assert ValidationResult.from_dict(got.to_dict()) == want


def test_copies_and_pickles_build_the_violations(pair: Any) -> None:
    compiled, reference = pair
    for event in EVENTS:
        want = reference.validate(event)
        for copier in (
            copy.copy,
            copy.deepcopy,
            lambda r: pickle.loads(pickle.dumps(r, 0)),
            lambda r: pickle.loads(pickle.dumps(r, pickle.HIGHEST_PROTOCOL)),
        ):
            got = copier(compiled.validate(event))
            assert got == want and repr(got) == repr(want)
            assert vars(got) == {
                "passed": False,
                "violations": want.violations,
                "validation_us": 0,
            }


def test_dataclass_helpers_see_the_violations(pair: Any) -> None:
    compiled, reference = pair
    got, want = compiled.validate(EVENTS[0]), reference.validate(EVENTS[0])
    assert dataclasses.asdict(got) == {**dataclasses.asdict(want), "validation_us": 0}
    assert dataclasses.replace(compiled.validate(EVENTS[0]), validation_us=5) == want
    assert dataclasses.astuple(compiled.validate(EVENTS[0]))[:2] == dataclasses.astuple(want)[:2]


def test_the_field_default_is_unchanged() -> None:
    assert ValidationResult.violations == []
    assert ValidationResult(True).violations == []
    assert ValidationResult(False, [Violation("a", "b", "c")]).violations == [
        Violation("a", "b", "c")
    ]
    field = {f.name: f for f in dataclasses.fields(ValidationResult)}["violations"]
    assert field.default == []


def test_values_are_captured_when_the_event_fails(pair: Any) -> None:
    compiled, reference = pair
    event = {"user_id": "Bad", "kind": "z", "n": 1}
    want = reference.validate(dict(event))
    got = compiled.validate(event)
    event["user_id"] = "fine"
    event["kind"] = "a"
    assert got == want


def test_concurrent_first_reads_share_one_list(pair: Any) -> None:
    compiled, _ = pair
    for _ in range(20):
        result = compiled.validate(EVENTS[1])
        seen: List[Any] = []
        barrier = threading.Barrier(4)

        def read(result: Any, seen: List[Any], barrier: threading.Barrier) -> None:
            barrier.wait()
            seen.append(result.violations)

        threads = [
            threading.Thread(target=read, args=(result, seen, barrier)) for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(s is seen[0] for s in seen)


def test_pending_result_mixes_built_and_pending_items() -> None:
    kind = ViolationKind.RANGE_VIOLATION
    built = Violation("a", "m", kind)

    def make(path: str, value: Any) -> Violation:
        return Violation(path, f"value {value}", kind)

    r = pending_result([built, (make, "b", 3)])
    assert r.violations == [built, Violation("b", "value 3", kind)]
    assert not r.passed and r.validation_us == 0 and not r
