"""Hunt for defects in the whole-request rules (spec §7): batch uniqueness (§7.1) and
envelope batches (§7.2), reached through ``CompiledContract.validate_batch``,
``uniqueness_violations`` and ``validate_envelope``. Expected texts follow the spec's
templates (§5.2) and renderings (§5.1, appendices C and D)."""

from __future__ import annotations

import enum
import json
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from cg_validator_testlib import batch_summary as _batch
from cg_validator_testlib import dups as _dups
from cg_validator_testlib import uniqueness_message as _msg

from contractgate import Contract, EventDecodeError, EventTypeError
from contractgate._validation.values.jsonvalue import loads

REPO = Path(__file__).resolve().parents[2]

UNIQUE = """
version: "1"
name: t
quality:
  - {field: a, type: uniqueness}
  - {field: a, type: uniqueness}
  - {field: o.b, type: uniqueness}
ontology:
  entities:
    - {name: a, type: any, required: false}
"""


def _unique() -> Any:
    return Contract.from_yaml(UNIQUE).compile()


def _envelope(records_path: str, wrapper: bool) -> Any:
    return Contract.from_yaml(
        f"""
version: "1"
name: t
envelope: {{records_path: {json.dumps(records_path)}, validate_wrapper: {str(wrapper).lower()}}}
ontology:
  entities:
    - {{name: id, type: string}}
"""
    ).compile()


# -- §7.1 uniqueness: cost of repeats ------------------------------------------------------


def test_a_repeated_long_value_costs_one_message_not_one_per_repeat() -> None:
    """Every repeat of a value gets the same message; building (and holding) a fresh
    copy of a long value's message for each of n repeats made the step's memory n times
    the value's size (400 repeats of a 50 kB value: 20 MB of identical text)."""
    compiled = _unique()
    value = "é" * 50_000
    events = [{"a": value, "o": {"b": 1}} for _ in range(400)]
    tracemalloc.start()
    try:
        found = compiled.uniqueness_violations(events)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(found) == 2 * 399 + 399
    shown = '"\\"' + value + '\\""'
    assert found[0] == (1, found[0][1]) and found[0][1].message == _msg(shown)
    assert found[399][1].message == _msg(shown) and found[-1][1].message == _msg('"1"', "o.b")
    assert peak < 2_000_000, peak


def test_a_batch_of_100000_events_with_one_repeated_value_is_linear() -> None:
    compiled = _unique()
    n = 100_000
    events = [loads('{"a": "same", "o": {"b": 7}}') for _ in range(n)]
    t0 = time.perf_counter()
    found = compiled.uniqueness_violations(events)
    elapsed = time.perf_counter() - t0
    assert len(found) == 3 * (n - 1)
    assert [i for i, _ in found[: n - 1]] == list(range(1, n))
    assert {v.message for _, v in found[: 2 * (n - 1)]} == {_msg('"\\"same\\""')}
    assert elapsed < 10, elapsed  # about 0.3 s; a quadratic step would take hours


def test_duplicate_rules_still_report_in_rule_then_index_order() -> None:
    compiled = _unique()
    events = [{"a": 1, "o": {"b": 1}}, {"a": 1, "o": {"b": 2}}, {"a": 2, "o": {"b": 2}},
              {"a": 1}, {"a": 2, "o": {"b": 1}}]  # fmt: skip
    one, two = _msg('"1"'), _msg('"2"')
    assert _dups(compiled, events) == [
        (1, "a", one), (3, "a", one), (4, "a", two),
        (1, "a", one), (3, "a", one), (4, "a", two),
        (2, "o.b", _msg('"2"', "o.b")), (4, "o.b", _msg('"1"', "o.b")),
    ]  # fmt: skip


def test_a_value_without_a_json_form_is_an_error_even_on_its_first_occurrence() -> None:
    compiled = _unique()
    with pytest.raises(EventTypeError):
        compiled.uniqueness_violations([{"a": 1}, {"a": {3}}])
    with pytest.raises(EventDecodeError, match="number out of range"):
        compiled.validate_batch([{"a": 1}, {"o": {"b": -(10**400)}}])


# -- §7.1 uniqueness: which values are equal -------------------------------------------------


def test_ints_beyond_i64_compare_as_the_float_serde_json_reads() -> None:
    """§3: an integer literal below -2^63 is a float; Python's -2**63 - 1 and the float
    it decodes to are one value, -2**63 itself stays an integer."""
    compiled = _unique()
    events = [{"a": -(2**63) - 1}, {"a": -9.223372036854776e18}, {"a": -(2**63)}]
    assert _dups(compiled, events)[:1] == [(1, "a", _msg('"-9.223372036854776e+18"'))]
    assert len(_dups(compiled, events)) == 2


def test_object_keys_sort_by_code_point_not_utf16() -> None:
    """serde_json's map is sorted by UTF-8 bytes (= code points): U+FFFF before U+1F600,
    though UTF-16 order would put the astral key first."""
    compiled = _unique()
    value = {"\U0001f600": 1, "\uffff": 2, "z": 3}
    got = _dups(compiled, [{"a": value}, {"a": dict(reversed(list(value.items())))}])
    assert got[0] == (1, "a", _msg('"{\\"z\\":3,\\"\\u{ffff}\\":2,\\"😀\\":1}"'))


class _Colour(str, enum.Enum):
    RED = "red"


def test_a_str_enum_member_is_the_text_the_client_sends() -> None:
    """The clients encode a ``(str, Enum)`` member as its value (``json.dumps`` gives
    ``"red"``), so the gateway sees two equal strings and reports the repeat."""
    compiled = _unique()
    assert (
        _dups(compiled, [{"a": _Colour.RED}, {"a": "red"}]) == [(1, "a", _msg('"\\"red\\""'))] * 2
    )


def test_a_lone_surrogate_has_no_json_form() -> None:
    compiled = _unique()
    with pytest.raises((EventDecodeError, EventTypeError)):
        compiled.uniqueness_violations([{"a": "\ud800"}, {"a": "\ud800"}])


# -- §7.2 envelopes --------------------------------------------------------------------------


def test_records_path_may_name_a_wrapper_field() -> None:
    """Wrapper checks come first (step 2), the records lookup after (step 3)."""
    c = _envelope("success", True)
    assert _batch(c.validate_envelope({"success": [{"id": "a"}, {"id": "b"}]})) == (
        0,
        2,
        [(0, "success", "type_mismatch", "Wrapper field 'success' must be boolean, got array")],
    )
    assert _batch(c.validate_envelope({"success": True})) == (
        0,
        1,
        [(0, "success", "type_mismatch", "Envelope key 'success' must be an array, got boolean")],
    )


def test_records_path_text_is_raw_in_messages() -> None:
    c = _envelope("d{0}.x", False)
    assert _batch(c.validate_envelope({"d{0}": {"x": []}})) == (
        0,
        1,
        [(0, "d{0}.x", "missing_required_field", "Envelope key 'd{0}.x' is missing")],
    )
    assert _batch(c.validate_envelope_json('{"d{0}.x": [{"id": "a"}, null]}')) == (
        1,
        1,
        [(1, "<root>", "type_mismatch", "Event must be a JSON object")],
    )


def test_a_str_enum_member_passes_an_enum_as_the_text_the_client_sends() -> None:
    """``enum: [login, ...]`` failed a ``(str, Enum)`` member whose value is ``"login"``
    ("value \\"E.LOGIN\\" not in allowed set"), on both validation paths, while the
    client sends ``"login"`` and the gateway accepts it."""
    class Kind(str, enum.Enum):
        LOGIN = "login"
        REFUND = "refund"

    class Stamp(enum.IntEnum):
        T = 1_724_252_400

    c = Contract.from_file(REPO / "contracts" / "user_events" / "1.1.0.yaml").compile()
    ok = {"user_id": "u1", "event_type": Kind.LOGIN, "timestamp": Stamp.T}
    bad = {**ok, "event_type": Kind.REFUND}
    for validate in (c.validate, c._reference_validate):
        assert validate(ok).passed
        (v,) = validate(bad).violations
        assert v.message.startswith("Field 'event_type' value \"refund\" not in allowed set")
    assert c.is_valid(ok) and not c.is_valid(bad)


def test_a_value_nested_deeper_than_the_gateway_reads_has_no_json_form() -> None:
    """Uniqueness compared values nested up to 200 levels, though no event holding one
    reaches the gateway (127 levels per event; the clients refuse it): a verdict the
    gateway never gives."""
    deep: Any = 1
    for _ in range(130):
        deep = [deep]
    compiled = Contract.from_yaml(UNIQUE).compile()
    with pytest.raises(EventTypeError, match="deeper"):
        compiled.uniqueness_violations([{"a": deep}, {"a": deep}])
    shallow: Any = 1
    for _ in range(100):
        shallow = [shallow]
    assert len(compiled.uniqueness_violations([{"a": shallow}, {"a": shallow}])) == 2


def test_an_event_breaking_many_uniqueness_rules_gets_one_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each uniqueness hit copied the event's violations so far into a new result:
    quadratic in the rules one event breaks (8,000 rules on three equal events: 0.52 s,
    4x per doubling). The hits are gathered first, in the same order."""
    from contractgate._validation import compiler

    k = 300
    rules = "\n".join(f"  - {{field: f{i}, type: uniqueness}}" for i in range(k))
    compiled = Contract.from_yaml(
        f'version: "1"\nname: t\nquality:\n{rules}\nontology:\n  entities: []\n'
    ).compile()
    event = {f"f{i}": 1 for i in range(k)}
    made = []
    real = compiler.ValidationResult

    def counted(*args: Any) -> Any:
        made.append(args)
        return real(*args)

    monkeypatch.setattr(compiler, "ValidationResult", counted)
    results = compiled.validate_batch([event, dict(event), dict(event)])
    assert len(made) == 2  # one per event hit (the second and the third), not one per hit
    assert results[0].passed and not results[1].passed and not results[2].passed
    for r in results[1:]:
        assert [v.field for v in r.violations] == [f"f{i}" for i in range(k)]
        assert {v.kind for v in r.violations} == {"uniqueness_violation"}
    assert [(i, v.field) for i, v in compiled.uniqueness_violations([event] * 3)] == [
        (i, f"f{f}") for f in range(k) for i in (1, 2)
    ]
