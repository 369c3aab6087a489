"""The validator's public surface: names, results that read well in asserts, batch and
envelope entry points, the clock, and bad input of every shape."""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import contractgate
from contractgate import (
    CompiledContract,
    Contract,
    ContractCompileError,
    EventDecodeError,
    EventTypeError,
    ValidationResult,
    Violation,
    ViolationKind,
)

ROOT = Path(__file__).resolve().parents[2]
USER_EVENTS = ROOT / "contracts" / "user_events" / "1.1.0.yaml"
GOOD = {"user_id": "alice_01", "event_type": "click", "timestamp": 1724252400}


@pytest.fixture(scope="module")
def compiled() -> CompiledContract:
    return Contract.from_file(USER_EVENTS).compile()


def test_v01_names_stay_importable() -> None:
    for name in (
        "Contract",
        "CompiledContract",
        "ValidationResult",
        "Violation",
        "ViolationKind",
        "ContractCompileError",
        "FieldDefinition",
        "FieldType",
        "MetricDefinition",
        "MetricType",
        "Transform",
        "TransformKind",
        "MaskStyle",
    ):
        assert getattr(contractgate, name) is not None


def test_importing_the_validator_does_not_import_httpx() -> None:
    import subprocess
    import sys

    code = (
        "import sys, contractgate\n"
        "from contractgate import Contract\n"
        "Contract.from_yaml('version: \"1\"\\nname: t\\nontology: {entities: []}').compile()\n"
        "print('httpx' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_passing_event(compiled: CompiledContract) -> None:
    vr = compiled.validate(GOOD)
    assert vr.passed and vr.violations == ()
    assert bool(vr) is True
    assert repr(vr) == "ValidationResult(passed=True)"


def test_failing_event_reads_well_in_an_assert(compiled: CompiledContract) -> None:
    vr = compiled.validate({"user_id": "Dave!", "event_type": "refund", "timestamp": 1})
    assert not vr.passed
    assert [v.kind for v in vr.violations] == ["pattern_mismatch", "enum_violation"]
    assert vr.violations[0] == Violation(
        "user_id",
        "Field 'user_id' value \"Dave!\" does not match required pattern",
        ViolationKind.PATTERN_MISMATCH,
    )
    with pytest.raises(AssertionError) as info:
        assert vr.passed, vr.violations
    text = str(info.value)
    assert "field='user_id'" in text and "kind='pattern_mismatch'" in text
    assert "not in allowed set" in text


def test_results_are_frozen(compiled: CompiledContract) -> None:
    vr = compiled.validate(GOOD)
    with pytest.raises(AttributeError):
        vr.passed = False  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Violation("a", "b", "c").field = "x"  # type: ignore[misc]


def test_violation_kind_is_an_open_str_enum() -> None:
    assert ViolationKind.ENUM_VIOLATION == "enum_violation"
    assert ViolationKind.parse("uniqueness_violation") is ViolationKind.UNIQUENESS_VIOLATION
    assert ViolationKind.parse("brand_new_kind") == "brand_new_kind"
    v = Violation.from_dict({"field": "f", "message": "m", "kind": "brand_new_kind"})
    assert v.kind == "brand_new_kind"
    assert v.to_dict() == {"field": "f", "message": "m", "kind": "brand_new_kind"}


def test_validate_json_decodes_like_the_gateway(compiled: CompiledContract) -> None:
    # 1.0 is a float in serde_json, so it is not an integer timestamp.
    vr = compiled.validate_json(b'{"user_id":"a","event_type":"click","timestamp":1.0}')
    assert [v.message for v in vr.violations] == [
        "Field 'timestamp' expected type Integer, got float"
    ]
    # duplicate keys: the last one wins
    vr = compiled.validate_json('{"user_id":"A","user_id":"a","event_type":"click","timestamp":1}')
    assert vr.passed


@pytest.mark.parametrize(
    "raw",
    [
        b'{"user_id": "\xff"}',  # invalid UTF-8
        '{"a": NaN}',
        '{"a": "\\ud800"}',  # lone surrogate
        "[" * 10_000 + "]" * 10_000,  # deeper than the engine's 127 levels
        '{"a": 1,}',
        "",
    ],
)
def test_validate_json_rejects_what_the_gateway_rejects(
    compiled: CompiledContract, raw: Any
) -> None:
    with pytest.raises(EventDecodeError) as info:
        compiled.validate_json(raw)
    assert info.value.line is not None


@pytest.mark.parametrize("event", [None, 1, 1.5, "x", True, [], [GOOD], ("a",)])
def test_non_object_events_get_the_root_violation(compiled: CompiledContract, event: Any) -> None:
    vr = compiled.validate(event)
    assert vr.violations == (
        Violation("<root>", "Event must be a JSON object", ViolationKind.TYPE_MISMATCH),
    )
    assert vr.validation_us == 0


def test_deeply_nested_and_huge_values_are_fine(compiled: CompiledContract) -> None:
    deep: Any = "x"
    for _ in range(10_000):
        deep = {"d": deep}
    vr = compiled.validate({**GOOD, "extra": deep})
    assert vr.passed  # undeclared keys are not walked (compliance mode off)
    vr = compiled.validate({**GOOD, "user_id": "a" * 5_000_000 + "!"})
    assert [v.kind for v in vr.violations] == ["pattern_mismatch"]


@pytest.mark.parametrize(
    "value, needle",
    [({1, 2}, "set"), (math.nan, "NaN"), (math.inf, "inf"), (b"x", "bytes")],
)
def test_non_json_python_values_raise_a_typed_error(
    compiled: CompiledContract, value: Any, needle: str
) -> None:
    with pytest.raises(EventTypeError) as info:
        compiled.validate({**GOOD, "amount": value})
    assert needle in str(info.value)
    assert isinstance(info.value, TypeError)


def test_big_python_ints_are_floats_as_in_the_engine() -> None:
    c = Contract.from_yaml(
        "version: '1'\nname: t\nontology:\n  entities:\n    - {name: n, type: integer}\n"
    ).compile()
    assert c.validate({"n": 2**64 - 1}).passed
    vr = c.validate({"n": 2**64})
    assert vr.violations[0].message == "Field 'n' expected type Integer, got float"


def test_is_valid_and_validate_many(compiled: CompiledContract) -> None:
    bad = {"user_id": "Dave!"}
    assert compiled.is_valid(GOOD) is True
    assert compiled.is_valid(bad) is False
    assert compiled.is_valid([]) is False
    results = list(compiled.validate_many([GOOD, bad]))
    assert [r.passed for r in results] == [True, False]
    assert results[1] == compiled.validate(bad)


def test_many_and_batch_read_events_as_ingest_does(compiled: CompiledContract) -> None:
    """One mapping is one event, as ``Client.ingest`` takes it; text is no list of
    events (a str was checked character by character, a dict key by key)."""
    (one,) = compiled.validate_many(GOOD)
    assert one.passed
    assert [r.passed for r in compiled.validate_batch(GOOD)] == [True]
    for text in ("abc", b"abc", bytearray(b"a")):
        with pytest.raises(TypeError, match="events must be an iterable of JSON values"):
            compiled.validate_many(text)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="events must be an iterable of JSON values"):
            compiled.validate_batch(text)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="events must be an iterable of JSON values, not int"):
        compiled.validate_many(5)  # type: ignore[arg-type]
    assert list(compiled.validate_many(iter([GOOD]))) == [compiled.validate(GOOD)]


UNIQUE = """
version: "1"
name: t
ontology:
  entities:
    - {name: id, type: string}
quality:
  - {field: id, type: uniqueness}
"""


def test_validate_batch_appends_uniqueness_violations() -> None:
    c = Contract.from_yaml(UNIQUE).compile()
    results = c.validate_batch([{"id": "a"}, {"id": "b"}, {"id": "a"}, {"id": 1}])
    assert [r.passed for r in results] == [True, True, False, False]
    assert results[2].violations == (
        Violation(
            "id",
            'Quality uniqueness: duplicate value "\\"a\\"" for field \'id\' in batch',
            ViolationKind.UNIQUENESS_VIOLATION,
        ),
    )
    # per-event validation knows nothing of the batch
    assert c.validate({"id": "a"}).passed


FRESH = """
version: "1"
name: t
ontology:
  entities:
    - {name: ts, type: integer}
quality:
  - {field: ts, type: freshness, max_age_seconds: 60}
"""


@pytest.mark.parametrize(
    "now",
    [1_750_000_000, 1_750_000_000.9, datetime.fromtimestamp(1_750_000_000, tz=timezone.utc)],
)
def test_the_clock_is_injectable(now: Any) -> None:
    c = Contract.from_yaml(FRESH).compile()
    assert c.validate({"ts": 1_750_000_000 - 60}, now=now).passed
    vr = c.validate({"ts": 1_750_000_000 - 61}, now=now)
    assert vr.violations[0].message == (
        "Quality freshness: field 'ts' timestamp is 61s old (max 60s)"
    )
    vr = c.validate({"ts": 1_750_000_001}, now=now)
    assert "is -1s old" in vr.violations[0].message


@pytest.mark.parametrize(
    ("now", "error", "said"),
    [
        ("2024", TypeError, "not str: '2024'"),
        (True, TypeError, "not bool: True"),
        (date(2024, 1, 1), TypeError, "not date: "),
        (float("nan"), ValueError, "finite number of Unix seconds, got nan"),
        (float("inf"), ValueError, "finite number of Unix seconds, got inf"),
    ],
)
def test_a_bad_clock_is_named(now: Any, error: type, said: str) -> None:
    """Not a raw ``must be real number`` / ``cannot convert float NaN to integer``."""
    for reference in (False, True):
        c = Contract.from_yaml(FRESH).compile(reference=reference)
        for call in (c.validate, c.is_valid):
            with pytest.raises(error, match="now must be ") as ei:
                call({"ts": 1_750_000_000}, now=now)
            assert said in str(ei.value)
        with pytest.raises(error, match="now must be "):
            c.validate_json(b'{"ts": 1750000000}', now=now)


ENVELOPE = """
version: "1"
name: t
envelope: {records_path: data, validate_wrapper: true}
ontology:
  entities:
    - {name: id, type: integer}
"""


def test_envelope_entry_point() -> None:
    c = Contract.from_yaml(ENVELOPE).compile()
    r = c.validate_envelope({"success": True, "data": [{"id": 1}, {"id": "x"}]})
    assert (r.passed, r.quarantined) == (1, 1)
    assert r.violations[0].record_index == 1
    r = c.validate_envelope({"data": []})
    assert r.violations[0].message == "Wrapper field 'success' is missing"
    with pytest.raises(ContractCompileError):
        Contract.from_file(USER_EVENTS).compile().validate_envelope({})


def test_contract_errors_are_typed_and_located(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'version: "1"\nname: t\nontology:\n  entities:\n    - name: a\n      type: String\n'
    )
    with pytest.raises(ContractCompileError) as info:
        Contract.from_file(bad)
    err = info.value
    assert str(bad) in str(err)
    assert err.line == 6 and "unknown variant `String`" in err.message
    with pytest.raises(ContractCompileError) as info2:
        Contract.from_yaml(
            "version: '1'\nname: t\nontology:\n  entities:\n"
            "    - {name: a, type: string, pattern: '(?=x)'}\n"
        ).compile()
    assert info2.value.message.startswith("Invalid regex '(?=x)' for field 'a': ")


def test_compile_errors_name_the_field_and_where_its_pattern_is() -> None:
    """A regex error from ``compile()`` says which field and where its ``pattern`` is
    (line and column of the value), so the error is actionable without the CLI (which
    used to find the position by matching the message's text); a transform error names
    the field."""
    text = (
        "version: '1'\nname: t\nontology:\n  entities:\n"
        "    - name: o\n      type: object\n      properties:\n"
        "        - name: code\n          type: string\n          pattern: '(unclosed'\n"
    )
    with pytest.raises(ContractCompileError) as info:
        Contract.from_yaml(text, filename="c.yaml").compile()
    err = info.value
    assert (err.file, err.line, err.column, err.path) == ("c.yaml", 10, 20, "o.code")
    assert err.message.startswith("Invalid regex '(unclosed' for field 'o.code': ")
    hand = Contract.from_dict(
        {"version": "1", "name": "t",
         "ontology": {"entities": [{"name": "a", "type": "string", "pattern": "("}]}}
    )  # fmt: skip
    with pytest.raises(ContractCompileError) as info:
        hand.compile()
    assert (info.value.line, info.value.column, info.value.path) == (None, None, "a")
    transform = text.replace("type: string", "type: integer").replace(
        "pattern: '(unclosed'", "transform: {kind: mask}"
    )
    with pytest.raises(ContractCompileError) as info:
        Contract.from_yaml(transform).compile()
    assert info.value.path == "o.code" and "declares a PII transform" in info.value.message


@pytest.mark.parametrize(
    "text",
    [
        "a: [",  # malformed
        "- 1\n- 2\n",  # not a mapping
        "version: '1'\nname: t\nontology: {entities: [{name: a, type: string, required: yes}]}",
        "!!python/object:os.system {}",
        "a: &a [*a]",
        b"\xff\xfe\x00",
    ],
)
def test_hostile_or_malformed_yaml_is_a_compile_error(text: Any) -> None:
    with pytest.raises(ContractCompileError):
        Contract.from_yaml(text)


def test_result_equality_ignores_timing() -> None:
    a = ValidationResult(True, (), 0)
    b = ValidationResult(True, (), 17)
    assert a == b and hash(a) == hash(b)


@pytest.mark.parametrize("now", ["x", True, float("nan")])
def test_a_bad_now_for_many_events_fails_before_any_is_read(now: Any) -> None:
    """``validate_many``, ``validate_batch`` and ``validate_envelope`` take ``now`` for
    many events at once: a value that is no clock was accepted silently when no freshness
    rule read it (an empty input, a contract without one) and failed midway otherwise."""
    compiled = Contract.from_yaml(
        "version: '1'\nname: t\nenvelope: {records_path: data}\nontology:\n  entities:\n"
        "    - {name: a, type: string}\n"
    ).compile()
    with pytest.raises((TypeError, ValueError), match="now must be"):
        compiled.validate_many([], now=now)
    with pytest.raises((TypeError, ValueError), match="now must be"):
        compiled.validate_batch([], now=now)
    with pytest.raises((TypeError, ValueError), match="now must be"):
        compiled.validate_envelope({"data": []}, now=now)


@pytest.mark.parametrize("rule", ["enum: [x, é]", "max_length: 3", "min_length: 1"])
@pytest.mark.parametrize("text", ["\ud800", "é\udfff"])
def test_a_lone_surrogate_read_by_a_rule_is_an_event_decode_error_on_every_path(
    rule: str, text: str
) -> None:
    """A str with a lone surrogate has no JSON text. A failing enum deferred its message
    for any ``str``, so ``validate()`` returned a result whose message raised
    ``EventDecodeError`` when first read (the reference raised at once) and ``is_valid``
    returned False; a length rule raised ``EventTypeError``. Now every path raises
    ``EventDecodeError`` when validating, as for the other values JSON text cannot carry."""
    entity = f"{{name: a, type: string, {rule}}}"
    yaml = f"version: '1'\nname: t\nontology:\n  entities:\n    - {entity}\n"
    compiled = Contract.from_yaml(yaml).compile()
    reference = Contract.from_yaml(yaml).compile(reference=True)
    event = {"a": text}
    for call in (compiled.validate, compiled.is_valid, reference.validate,
                 lambda e: compiled.validate_batch([e])):  # fmt: skip
        with pytest.raises(EventDecodeError, match="lone surrogate"):
            call(event)
    # a non-ASCII str failing the enum, now rendered at once: the same message
    for value in ("ü", "y", "日本"):
        got, want = compiled.validate({"a": value}), reference.validate({"a": value})
        assert repr(got) == repr(want) and compiled.is_valid({"a": value}) == want.passed
