"""``contractgate.testing``: assert_valid / assert_invalid, explain, format_violations and
the comparison explanation, on real contracts, real verdicts and real gateway answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from contractgate import Client, Contract
from contractgate.gateway import LocalGateway
from contractgate.testing import (
    assert_invalid,
    assert_valid,
    compare_explanation,
    explain,
    format_violations,
)

SIGNUP = """\
version: "1.0.0"
name: signup
ontology:
  entities:
    - name: email
      type: string
      pattern: "^[^@]+@[^@]+$"
    - name: age
      type: integer
      min: 13
    - name: plan
      type: string
      enum: [free, pro]
"""

WRAPPED = """\
version: "1.0.0"
name: wrapped
envelope:
  records_path: data
ontology:
  entities:
    - {name: id, type: string}
"""

GOOD = {"email": "ada@example.com", "age": 36, "plan": "pro"}
BAD = {"email": "nope", "age": 9, "plan": "pro"}
EMAIL_ROW = (
    "  email  pattern_mismatch  Field 'email' value \"nope\" does not match required pattern"
)
AGE_ROW = "  age    range_violation   Field 'age' value 9 is below minimum 13"


@pytest.fixture(scope="module")
def signup() -> Any:
    return Contract.from_yaml(SIGNUP).compile()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("contracts")
    (d / "signup.yaml").write_text(SIGNUP)
    (d / "wrapped.yaml").write_text(WRAPPED)
    return d


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[Any]:
    with LocalGateway(contracts_dir=folder) as gw, Client(gw.base_url, api_key=gw.api_key) as c:
        c.signup_id = gw.contract_id("signup")  # type: ignore[attr-defined]
        c.wrapped_id = gw.contract_id("wrapped")  # type: ignore[attr-defined]
        yield c


def test_format_violations_aligns_columns(signup: Any) -> None:
    text = format_violations(signup.validate(BAD).violations)
    assert text.splitlines() == [EMAIL_ROW, AGE_ROW]
    assert format_violations([]) == "  (no violations)"
    assert format_violations(signup.validate(BAD).violations, indent="").startswith("email  ")


def test_assert_valid_returns_the_result_or_lists_the_violations(signup: Any) -> None:
    assert assert_valid(signup, GOOD).passed
    assert assert_valid(Contract.from_yaml(SIGNUP), GOOD).passed  # an uncompiled Contract
    with pytest.raises(AssertionError) as ei:
        assert_valid(signup, BAD)
    assert str(ei.value).splitlines() == [
        "event fails contract 'signup' 1.0.0 with 2 violations:",
        EMAIL_ROW,
        AGE_ROW,
        "event: {'email': 'nope', 'age': 9, 'plan': 'pro'}",
    ]


def test_raw_json_is_decoded_the_gateway_way(signup: Any) -> None:
    assert_valid(signup, b'{"email": "a@b", "age": 13, "plan": "free"}')
    # 13.0 is a float to the gateway: not an integer
    result = assert_invalid(
        signup, b'{"email": "a@b", "age": 13.0, "plan": "free"}', "type_mismatch"
    )
    assert [v.field for v in result.violations] == ["age"]
    with pytest.raises(AssertionError, match=r"(?s)^event fails .*\nevent \(JSON\): b'\{\"email\""):
        assert_valid(signup, b'{"email": "a@b", "age": 1, "plan": "free"}')


def test_assert_invalid_checks_kinds_and_fields(signup: Any) -> None:
    result = assert_invalid(signup, BAD, kinds=["range_violation"], fields=["age", "email"])
    assert len(result.violations) == 2
    assert_invalid(signup, BAD, kinds="pattern_mismatch")  # a single kind as a string
    assert_invalid(signup, {**GOOD, "age": 1}, "range_violation", "age", only=True)
    with pytest.raises(AssertionError) as ei:
        assert_invalid(signup, BAD, kinds=["enum_violation"], fields=["plan"])
    lines = str(ei.value).splitlines()
    assert lines[0] == (
        "event fails contract 'signup' 1.0.0, but not as expected (kind enum_violation, "
        "field 'plan'): no enum_violation violation; no violation on field 'plan'"
    )
    assert lines[1:4] == ["its 2 violations:", EMAIL_ROW, AGE_ROW]
    with pytest.raises(AssertionError, match="1 other violation \\(only=True\\): range_viol"):
        assert_invalid(signup, BAD, kinds="pattern_mismatch", only=True)
    with pytest.raises(AssertionError, match=r"^event satisfies contract 'signup' 1\.0\.0; expec"):
        assert_invalid(signup, GOOD)


def test_assert_invalid_refuses_what_cannot_be_right(signup: Any) -> None:
    with pytest.raises(ValueError, match="unknown violation kind 'range_violaton'; did you mean"):
        assert_invalid(signup, BAD, kinds="range_violaton")
    with pytest.raises(ValueError, match="only=True needs kinds= or fields="):
        assert_invalid(signup, BAD, only=True)
    with pytest.raises(TypeError, match=r"expected a CompiledContract .* got str"):
        assert_valid(SIGNUP, GOOD)


def test_explain_a_validation_result(signup: Any) -> None:
    assert explain(signup.validate(GOOD)) is None
    assert explain(signup.validate(BAD)) == "\n".join(
        ["ValidationResult has 2 violations:", EMAIL_ROW, AGE_ROW]
    )
    assert explain(signup.validate(BAD).violations) == "\n".join(
        ["2 violations:", EMAIL_ROW, AGE_ROW]
    )
    assert explain([]) is None and explain("text") is None and explain(3) is None


def test_explain_envelope_results(client: Any) -> None:
    compiled = Contract.from_yaml(WRAPPED).compile()
    payload = {"data": [{"id": "a"}, {"id": 5}]}
    text = explain(compiled.validate_envelope(payload))
    assert text is not None
    assert text.splitlines() == [
        "BatchValidationResult: 1 passed, 1 quarantined, 1 violation:",
        "  record 1  id  type_mismatch  Field 'id' expected type String, got integer",
    ]
    answer = client.ingest_envelope(client.wrapped_id, payload)
    text = explain(answer)
    assert text is not None and text.startswith("EnvelopeIngestResponse: 1 passed, 1 quar")


def test_explain_gateway_answers(client: Any) -> None:
    r = client.ingest(client.signup_id, [GOOD, BAD, {**GOOD, "plan": "gold"}])
    assert explain(r) == "\n".join(
        [
            "BatchIngestResponse: 2 failing events of 3:",
            "  event 1:",
            "  " + EMAIL_ROW,
            "  " + AGE_ROW,
            "  event 2:",
            "    plan  enum_violation  Field 'plan' value \"gold\" not in allowed set: "
            '["free", "pro"]',
        ]
    )
    assert explain(r.results[0]) is None
    assert explain(r.results[2]) == (
        "IngestEventResult (event 2) has 1 violation:\n"
        "  plan  enum_violation  Field 'plan' value \"gold\" not in allowed set: "
        '["free", "pro"]'
    )
    assert explain(client.ingest(client.signup_id, [GOOD])) is None
    played = client.playground_validate(SIGNUP, BAD)
    assert explain(played) == "\n".join(["PlaygroundResult has 2 violations:", EMAIL_ROW, AGE_ROW])
    out = client.egress(client.signup_id, [GOOD, BAD])
    assert explain(out) == "\n".join(
        ["EgressResponse: 1 failing record of 2:", "  record 1:", "  " + EMAIL_ROW, "  " + AGE_ROW]
    )
    assert explain(out.outcomes[1]) == "\n".join(
        ["EgressOutcome (event 1) has 2 violations:", EMAIL_ROW, AGE_ROW]
    )


def test_compare_explanation(signup: Any) -> None:
    bad, good = signup.validate(BAD), signup.validate(GOOD)
    assert compare_explanation("==", bad.violations, []) == [
        "[2 violations] == [no violations]",
        "only on the left (2):",
        EMAIL_ROW,
        AGE_ROW,
    ]
    assert compare_explanation("==", good, bad) == [
        "ValidationResult(no violations) == ValidationResult(2 violations)",
        "only on the right (2):",
        EMAIL_ROW,
        AGE_ROW,
    ]
    swapped = list(reversed(bad.violations))
    lines = compare_explanation("==", bad.violations, swapped)
    assert lines is not None and lines[1] == "the same violations in another order; left:"
    lines = compare_explanation("!=", bad, bad)
    assert lines is not None and lines[1] == "the same violations on both sides:"
    many = signup.validate({"email": 1, "age": "x", "plan": 2, "extra": None}).violations
    lines = compare_explanation("==", [*many, *many], [])
    assert lines is not None and lines[-1] == "  ... and 2 more"  # pytest shows 8 lines
    assert compare_explanation("==", good, good) is None  # nothing to say
    assert compare_explanation("==", bad, 3) is None


BLANK = """\
version: "1.0.0"
name: blank
ontology:
  entities:
    - {name: "", type: integer, required: true}
    - {name: a, type: integer}
"""


def test_a_field_named_by_the_empty_string_is_quoted_and_the_root_is_its_own() -> None:
    blank = Contract.from_yaml(BLANK).compile()
    assert format_violations(blank.validate({"a": "x"}).violations).splitlines() == [
        "  ''  missing_required_field  Required field '' is missing",
        "  a   type_mismatch           Field 'a' expected type Integer, got string",
    ]
    assert format_violations(blank.validate([1]).violations) == (
        "  <root>  type_mismatch  Event must be a JSON object"
    )


def test_rows_with_and_without_a_record_share_the_columns() -> None:
    compiled = Contract.from_yaml(WRAPPED).compile()
    records = compiled.validate_envelope({"data": [{"id": 5}]}).violations
    plain = compiled.validate({"id": 6}).violations
    assert format_violations([*records, *plain]).splitlines() == [
        "  record 0  id  type_mismatch  Field 'id' expected type String, got integer",
        "            id  type_mismatch  Field 'id' expected type String, got integer",
    ]


def test_a_long_event_is_cut_in_the_failure_message(signup: Any) -> None:
    event = {**BAD, "note": "x" * 500}
    with pytest.raises(AssertionError) as ei:
        assert_valid(signup, event)
    last = str(ei.value).splitlines()[-1]
    assert last == "event: " + repr(event)[:237] + "..."
    assert len(last) == len("event: ") + 240


def test_a_bytearray_is_raw_json_too(signup: Any) -> None:
    assert_valid(signup, bytearray(b'{"email": "a@b", "age": 13, "plan": "free"}'))
    with pytest.raises(AssertionError) as ei:
        assert_valid(signup, bytearray(b'{"email": "a@b", "age": 1, "plan": "free"}'))
    assert str(ei.value).splitlines()[-1] == (
        "event (JSON): b'{\"email\": \"a@b\", \"age\": 1, \"plan\": \"free\"}'"
    )


def test_only_with_fields_alone_compares_fields_alone(signup: Any) -> None:
    assert_invalid(signup, {**GOOD, "age": 1}, fields="age", only=True)
    with pytest.raises(AssertionError) as ei:
        assert_invalid(signup, BAD, fields="age", only=True)
    assert str(ei.value).splitlines()[0] == (
        "event fails contract 'signup' 1.0.0, but not as expected (field 'age'): "
        "1 other violation (only=True): pattern_mismatch on 'email'"
    )


def test_a_kind_with_nothing_close_gets_no_suggestion(signup: Any) -> None:
    with pytest.raises(ValueError) as ei:
        assert_invalid(signup, BAD, kinds="zzz")
    assert str(ei.value).startswith("unknown violation kind 'zzz' (kinds: missing_required_field, ")


def test_only_contracts_are_accepted(signup: Any) -> None:
    from types import SimpleNamespace

    with pytest.raises(TypeError, match=r"expected a CompiledContract .* got SimpleNamespace"):
        assert_valid(SimpleNamespace(contract=signup.contract), GOOD)


def test_explain_and_compare_leave_other_values_alone(signup: Any) -> None:
    violation = signup.validate(BAD).violations[0]
    assert explain([1, 2]) is None and explain([violation, "x"]) is None
    assert compare_explanation("==", [1], []) is None
    assert compare_explanation("==", [], [violation, 2]) is None
    wrapped = Contract.from_yaml(WRAPPED).compile()
    assert explain(wrapped.validate_envelope({"data": [{"id": "a"}]})) is None


def test_compare_counts_repeated_violations(signup: Any) -> None:
    email = signup.validate(BAD).violations[0]
    assert compare_explanation("==", [email, email], [email]) == [
        "[2 violations] == [1 violation]",
        "only on the left (1):",
        EMAIL_ROW,
    ]
    four = signup.validate({"email": 1, "age": "x", "plan": 2, "extra": None}).violations
    four = [*four, *four][:4]
    lines = compare_explanation("==", four, [])
    assert lines is not None and len(lines) == 6 and "more" not in lines[-1]
