"""Edges of the whole-request rules (spec §7): batch uniqueness (§7.1) and envelope
batches (§7.2). Expected texts follow the spec's templates (§5.2) and renderings (§5.1);
the engine's own answers for the common cases are in the parity corpus (test_parity.py)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Dict, List

import pytest
from cg_validator_testlib import batch_summary as _batch
from cg_validator_testlib import dups as _dups
from cg_validator_testlib import uniqueness_message as _msg

from contractgate import Contract, EventDecodeError, EventTypeError
from contractgate._validation.values.jsonvalue import loads

UNIQUE = """
version: "1"
name: t
quality:
  - {field: a, type: uniqueness}
  - {field: completeness_only, type: completeness}
  - {field: a, type: uniqueness}
  - {field: o.b, type: uniqueness}
ontology:
  entities:
    - {name: a, type: any, required: false}
"""

ENVELOPE = """
version: "1"
name: t
envelope: {records_path: data, validate_wrapper: %s}
quality:
  - {field: id, type: uniqueness}
ontology:
  entities:
    - {name: id, type: string}
"""


def _unique() -> Any:
    return Contract.from_yaml(UNIQUE).compile()


def _envelope(wrapper: bool) -> Any:
    return Contract.from_yaml(ENVELOPE % ("true" if wrapper else "false")).compile()


# -- §7.1 uniqueness -------------------------------------------------------------------


def test_every_rule_sees_every_event_when_events_come_from_an_iterator() -> None:
    """Each rule walks the whole batch; a one-shot iterator must not leave the later
    rules with nothing to see."""
    compiled = _unique()
    events = [loads('{"a": 1, "o": {"b": 2}}'), loads('{"a": 1, "o": {"b": 2}}')]
    want = [(1, "a", _msg('"1"')), (1, "a", _msg('"1"')), (1, "o.b", _msg('"2"', "o.b"))]
    assert _dups(compiled, events) == want
    assert _dups(compiled, iter(events)) == want
    assert _dups(compiled, (e for e in events)) == want
    assert _dups(compiled, tuple(events)) == want
    with pytest.raises(TypeError, match="not str"):
        compiled.uniqueness_violations("ab")


def test_values_compare_by_their_json_text_not_by_python_equality() -> None:
    """§7.1: ``1``, ``1.0``, ``true`` and ``"1"`` are distinct; so are ``0`` , ``0.0``
    and ``-0.0`` (§3: ``-0`` is a float); keys compare sorted."""
    compiled = _unique()
    texts = ["1", "1.0", "true", '"1"', "0", "0.0", "-0", "-0.0", "1e2", "100", "100.0"]
    events = [loads('{"a": ' + t + "}") for t in texts]
    got = [(i, m) for i, f, m in _dups(compiled, events) if f == "a"]
    # -0 and -0.0 are the same float; 1e2 and 100.0 are the same float (100.0)
    assert got == [
        (7, _msg('"-0.0"')),
        (10, _msg('"100.0"')),
        (7, _msg('"-0.0"')),
        (10, _msg('"100.0"')),
    ]


def test_python_values_compare_as_the_json_value_they_stand_for() -> None:
    compiled = _unique()
    events: List[Dict[str, Any]] = [
        {"a": (1, 2.0)},
        {"a": [1, 2.0]},  # a tuple is an array
        {"a": {"y": 1, "x": [2]}},
        {"a": {"x": (2,), "y": 1}},  # key order never matters
        {"a": 2**64},
        {"a": 1.8446744073709552e19},  # beyond u64: the float of its digits
        {"a": True},
        {"a": 1},
    ]
    got = [(i, m) for i, f, m in _dups(compiled, events)]
    assert len(got) == 6 and got[:3] == got[3:]
    assert got[:3] == [
        (1, _msg('"[1,2.0]"')),
        (3, _msg('"{\\"x\\":[2],\\"y\\":1}"')),
        (5, _msg('"1.8446744073709552e+19"')),
    ]


def test_null_missing_and_unreachable_values_are_skipped() -> None:
    compiled = _unique()
    events = [
        {"a": None, "o": {"b": None}},
        {"a": None, "o": {"b": None}},
        {},
        {},
        {"o": [{"b": 1}]},  # paths descend through objects only
        {"o": [{"b": 1}]},
        {"o": 1},
        {"o": 1},
        [{"a": 1}],  # not an object
        [{"a": 1}],
        "a",
        None,
        {"a": [None]},  # a null inside a value is part of the value
        {"a": [None]},
    ]
    assert _dups(compiled, events) == [(13, "a", _msg('"[null]"'))] * 2


def test_violations_are_grouped_by_rule_then_index_and_appended_in_that_order() -> None:
    compiled = _unique()
    events = [
        {"a": "x", "o": {"b": "y"}},
        {"a": "z", "o": {"b": "y"}},
        {"a": "x", "o": {"b": "x"}},  # "x" in o.b is new: each rule has its own set
        {"a": "x", "o": {"b": "y"}},
    ]
    x, y = _msg('"\\"x\\""'), _msg('"\\"y\\""', "o.b")
    assert _dups(compiled, events) == [
        (2, "a", x),
        (3, "a", x),
        (2, "a", x),
        (3, "a", x),
        (1, "o.b", y),
        (3, "o.b", y),
    ]
    results = compiled.validate_batch(events)
    assert [r.passed for r in results] == [False] * 4  # completeness: field absent
    completeness = "Quality completeness: field 'completeness_only' is absent or null"
    assert [(v.field, v.message) for v in results[3].violations] == [
        ("completeness_only", completeness),
        ("a", x),
        ("a", x),
        ("o.b", y),
    ]
    assert [len(r.violations) for r in results] == [1, 2, 3, 4]


def test_the_duplicate_value_is_rust_debug_of_its_json_text() -> None:
    """§5.2: ``{D:J:value}``: JSON escapes first (non-ASCII literal), then Rust Debug
    (``\\u{a0}`` for the literal no-break space; the JSON escape ``\\u0001``, quotes and
    backslashes escaped again)."""
    compiled = _unique()
    value = '\u00a0\x01é"\\\t😀'
    got = _dups(compiled, [{"a": value}, {"a": value}])
    assert got[0] == (1, "a", _msg(r'"\"\u{a0}\\u0001é\\\"\\\\\\t😀\""'))
    floats = _dups(compiled, [{"a": [1e-7, 1e16, 1e15, 1e-5]}] * 2)
    assert floats[0] == (1, "a", _msg('"[1e-7,1e+16,1000000000000000.0,0.00001]"'))


def test_values_without_a_json_form_are_typed_errors() -> None:
    compiled = _unique()
    for bad in (math.nan, math.inf, {1: 2}, {"b": {1, 2}}, Decimal(1)):
        with pytest.raises(EventTypeError):
            compiled.uniqueness_violations([{"a": bad}, {"a": bad}])
    with pytest.raises(EventDecodeError, match="number out of range"):
        compiled.uniqueness_violations([{"a": [10**400]}])


# -- §7.2 envelopes --------------------------------------------------------------------


def test_records_may_be_a_tuple_and_non_objects_get_the_root_violation() -> None:
    root = "Event must be a JSON object"
    for wrapper in (False, True):
        got = _batch(
            _envelope(wrapper).validate_envelope(
                {"success": True, "data": ({"id": "a"}, 5, {"id": 1}, [], {"id": "b"})}
            )
        )
        assert got == (
            2,
            3,
            [
                (1, "<root>", "type_mismatch", root),
                (2, "id", "type_mismatch", "Field 'id' expected type String, got integer"),
                (3, "<root>", "type_mismatch", root),
            ],
        )


def test_the_envelope_path_runs_no_uniqueness_check() -> None:
    """§7.2: "The envelope path performs no uniqueness check"."""
    c = _envelope(False)
    assert _batch(c.validate_envelope_json('{"data": [{"id": "a"}, {"id": "a"}]}')) == (2, 0, [])


def test_wrapper_checks_only_run_when_asked() -> None:
    payload = {"success": 1, "pagination": None, "data": [{"id": "a"}]}
    assert _batch(_envelope(False).validate_envelope(payload)) == (1, 0, [])
    assert _batch(_envelope(True).validate_envelope(payload)) == (
        0,
        1,
        [
            (0, "success", "type_mismatch", "Wrapper field 'success' must be boolean, got integer"),
            (
                0,
                "pagination",
                "type_mismatch",
                "Wrapper field 'pagination' must be an object, got null",
            ),
        ],
    )


def test_wrapper_pagination_values_are_classified_like_event_values() -> None:
    c = _envelope(True)
    ok = {"page": 2**70, "limit": 2.5, "total": -0.0, "hasMore": True}
    assert _batch(c.validate_envelope({"success": False, "data": [], "pagination": ok})) == (
        0,
        0,
        [],
    )
    no_more = {"page": 1, "limit": 1, "total": 1}  # hasMore may be absent
    got = c.validate_envelope({"success": True, "data": [{"id": "x"}], "pagination": no_more})
    assert _batch(got) == (1, 0, [])
    bad = {"page": None, "limit": True, "total": "3", "hasMore": 0}
    assert _batch(c.validate_envelope({"success": True, "data": [1, 2], "pagination": bad})) == (
        0,
        2,
        [
            (0, "pagination.page", "type_mismatch", _page("page", "a number", "null")),
            (0, "pagination.limit", "type_mismatch", _page("limit", "a number", "boolean")),
            (0, "pagination.total", "type_mismatch", _page("total", "a number", "string")),
            (0, "pagination.hasMore", "type_mismatch", _page("hasMore", "boolean", "integer")),
        ],
    )


def _page(name: str, expected: str, got: str) -> str:
    return f"Wrapper pagination field '{name}' must be {expected}, got {got}"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (math.nan, EventTypeError),
        (math.inf, EventTypeError),
        (-math.inf, EventTypeError),
        (10**400, EventDecodeError),
        (Decimal(1), EventTypeError),
    ],
    ids=["nan", "inf", "-inf", "int-beyond-f64", "Decimal"],
)
def test_wrapper_numbers_json_cannot_hold_are_typed_errors(value: Any, error: type) -> None:
    """No JSON text decodes to these, so they are not "a number" to the wrapper check;
    they are the same typed errors a ``type: float`` field gives."""
    c = _envelope(True)
    payload = {"success": True, "data": [], "pagination": {"page": 1, "limit": value, "total": 1}}
    with pytest.raises(error):
        c.validate_envelope(payload)
    with pytest.raises(error):
        Contract.from_yaml(
            "version: '1'\nname: t\nontology:\n  entities:\n    - {name: n, type: float}\n"
        ).compile().validate({"n": value})
    # without the wrapper check the value is never looked at, as in any unchecked field
    assert _batch(_envelope(False).validate_envelope(payload)) == (0, 0, [])
