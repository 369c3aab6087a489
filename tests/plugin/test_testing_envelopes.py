"""``contractgate.testing`` on envelope contracts, on raw JSON in a ``memoryview`` and
with ``[*]`` in ``fields=``.

An envelope contract's entities describe its records, but the assertions validated the
payload as one event: ``assert_invalid`` of a payload whose records all pass succeeded
(the wrapper lacked the records' required fields) and ``assert_valid`` of a payload
with bad records could pass. A ``memoryview`` of JSON text (which ``validate_json``
takes) was read as a value with no JSON form."""

from __future__ import annotations

import pytest

from contractgate import BatchValidationResult, Contract, ValidationResult
from contractgate.testing import assert_invalid, assert_valid

ENVELOPE = Contract.from_yaml(
    """
version: "1.0.0"
name: batches
envelope:
  records_path: data
ontology:
  entities:
    - {name: id, type: string, required: true}
    - {name: qty, type: integer, required: false, min: 1}
"""
).compile()

ORDERS = Contract.from_yaml(
    """
version: "2.0.0"
name: orders
ontology:
  entities:
    - name: items
      type: array
      required: true
      items:
        name: item
        type: object
        properties:
          - {name: qty, type: integer, required: true, min: 1}
          - {name: sku, type: string, required: true}
"""
).compile()


def test_an_envelope_is_judged_by_its_records() -> None:
    result = assert_valid(ENVELOPE, {"data": [{"id": "a"}, {"id": "b", "qty": 2}]})
    assert isinstance(result, BatchValidationResult) and result.passed == 2
    assert assert_valid(ENVELOPE, {"data": []}).passed == 0  # no record fails
    with pytest.raises(AssertionError) as ei:
        assert_valid(ENVELOPE, {"data": [{"id": "a"}, {"id": 5, "qty": 0}]})
    text = str(ei.value)
    assert text.startswith("event fails contract 'batches' 1.0.0 with 2 violations:")
    assert "record 1" in text and "type_mismatch" in text and "range_violation" in text


def test_assert_invalid_on_an_envelope_whose_records_pass_fails() -> None:
    # before: the wrapper lacked the records' required 'id', so this "failed" and the
    # assertion passed whatever the records held
    with pytest.raises(AssertionError, match=r"event satisfies contract 'batches' 1\.0\.0"):
        assert_invalid(ENVELOPE, {"data": [{"id": "ok"}]})
    r = assert_invalid(ENVELOPE, {"data": [{"id": "ok"}, {"id": 7}]}, kinds=["type_mismatch"],
                       fields=["id"], only=True)  # fmt: skip
    assert isinstance(r, BatchValidationResult) and r.quarantined == 1
    assert_invalid(ENVELOPE, {"data": 5}, kinds="type_mismatch", fields="data")
    assert_invalid(ENVELOPE, b'{"records": []}', kinds="missing_required_field", fields="data")


def test_raw_json_in_a_memoryview_is_raw_json() -> None:
    good = memoryview(b'{"items": [{"qty": 1, "sku": "a"}]}')
    assert isinstance(assert_valid(ORDERS, good), ValidationResult)
    bad = memoryview(b'{"items": [{"qty": 0, "sku": "a"}]}')
    with pytest.raises(AssertionError) as ei:
        assert_valid(ORDERS, bad)
    assert "event (JSON): b'{\"items\"" in str(ei.value)
    assert_invalid(ORDERS, bad, kinds="range_violation")
    assert_invalid(ENVELOPE, memoryview(b'{"data": [{"id": 1}]}'), fields="id")
    with pytest.raises(AssertionError, match="is not JSON the gateway accepts"):
        assert_valid(ORDERS, memoryview(b'{"items": [1,]}'))


def test_a_star_in_fields_stands_for_any_index() -> None:
    event = {"items": [{"qty": 1, "sku": "a"}, {"qty": 2, "sku": "b"}, {"qty": 0, "sku": "c"}]}
    assert_invalid(ORDERS, event, fields=["items[*].qty"])
    assert_invalid(ORDERS, event, kinds="range_violation", fields="items[*].qty", only=True)
    assert_invalid(ORDERS, event, fields=["items[2].qty"], only=True)  # exact still works
    with pytest.raises(AssertionError, match=r"no violation on field 'items\[\*\]\.sku'"):
        assert_invalid(ORDERS, event, fields=["items[*].sku"])
    two = {"items": [{"qty": 0, "sku": "a"}, {"qty": 1}]}
    with pytest.raises(AssertionError, match=r"1 other violation \(only=True\): "
                       r"missing_required_field on 'items\[1\]\.sku'"):  # fmt: skip
        assert_invalid(ORDERS, two, fields="items[*].qty", only=True)
    assert_invalid(ORDERS, two, fields=["items[*].qty", "items[*].sku"], only=True)
