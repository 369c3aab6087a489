"""Code written against the v0.1 SDK, the way its users wrote it, runs unchanged.

Everything here imports from v0.1's module paths and uses v0.1's names, keywords,
exception constructors and list comparisons; nothing here is new API. The HTTP part runs
against a real local gateway over a real socket. The deliberate differences (each with
its one-line change) are tested in test_v01_differences.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from contractgate.async_client import AsyncClient
from contractgate.client import Client
from contractgate.contract import (
    CompiledContract,
    Contract,
    FieldDefinition,
    FieldType,
    MetricDefinition,
    MetricType,
    Transform,
    TransformKind,
)
from contractgate.exceptions import (
    AuthError,
    ContractCompileError,
    ContractGateError,
    HTTPError,
    NotFoundError,
    ServerError,
    ValidationFailedError,
    raise_for_status,
    status_to_exception,
)
from contractgate.models import (
    AuditEntry,
    BatchIngestResponse,
    IngestEventResult,
    ValidationResult,
    Violation,
    ViolationKind,
)
from contractgate.validator import validate

REPO = Path(__file__).resolve().parents[2]

CONTRACT_YAML = """
version: "1.0"
name: user_events
ontology:
  entities:
    - name: user_id
      type: string
      required: true
      pattern: "^[a-z0-9_]+$"
    - name: event_type
      type: string
      required: true
      enum: [login, purchase, click]
    - name: amount
      type: number
      required: false
      min: 0
metrics:
  - name: revenue
    field: amount
    type: float
"""


@pytest.fixture(scope="module")
def compiled() -> CompiledContract:
    return Contract.from_yaml(source=CONTRACT_YAML).compile()


# ------------------------------------------------------------------ the local validator


def test_a_valid_event_has_no_violations(compiled: CompiledContract) -> None:
    result = validate(compiled, {"user_id": "alice_01", "event_type": "click"})
    assert result.passed
    assert result.violations == []
    assert result == ValidationResult(passed=True, violations=[])


def test_violations_compare_with_a_list(compiled: CompiledContract) -> None:
    result = compiled.validate({"user_id": "Bob!", "event_type": "click"})
    assert not result.passed
    assert result.violations == [
        Violation(
            field="user_id",
            message="Field 'user_id' value \"Bob!\" does not match required pattern",
            kind=ViolationKind.PATTERN_MISMATCH,
        )
    ]
    if result.violations == []:  # the branch v0.1 code takes must not flip
        pytest.fail("a failing result compared equal to []")


def test_reading_violations_like_v01(compiled: CompiledContract) -> None:
    result = validate(compiled, {"event_type": "refund", "amount": -1})
    kinds = [v.kind for v in result.violations]
    assert kinds == [
        ViolationKind.MISSING_REQUIRED_FIELD,
        ViolationKind.ENUM_VIOLATION,
        ViolationKind.RANGE_VIOLATION,
    ]
    assert [v.field for v in result.violations] == ["user_id", "event_type", "amount"]
    first, *rest = result.violations
    assert first.kind == "missing_required_field" and len(rest) == 2
    assert result.violations + [first] == [*result.violations, first]  # noqa: RUF005


def test_contract_attributes_have_their_v01_names() -> None:
    contract = Contract.from_yaml(CONTRACT_YAML)
    assert [f.name for f in contract.entities] == ["user_id", "event_type", "amount"]
    user_id, event_type, amount = contract.entities
    assert user_id.field_type == FieldType.STRING and user_id.pattern == "^[a-z0-9_]+$"
    assert event_type.allowed_values == ["login", "purchase", "click"]
    assert amount.field_type is FieldType.FLOAT and amount.min == 0
    assert contract.metrics[0].metric_type == MetricType.FLOAT
    assert contract.glossary == [] and contract.compliance_mode is False


def test_a_loaded_field_shows_only_its_model_fields() -> None:
    # The YAML position of a pattern (for "file:line" messages) once showed in asdict()
    # and fields() as a private dataclass field.
    user_id = Contract.from_yaml(CONTRACT_YAML).entities[0]
    names = [f.name for f in dataclasses.fields(FieldDefinition)]
    assert not [n for n in names if n.startswith("_")]
    assert list(dataclasses.asdict(user_id)) == names
    by_hand = FieldDefinition(name="user_id", type=FieldType.STRING, pattern="^[a-z0-9_]+$")
    assert dataclasses.asdict(user_id) == dataclasses.asdict(by_hand) and user_id == by_hand


def test_compiled_contract_attributes(compiled: CompiledContract) -> None:
    assert isinstance(compiled.contract, Contract)
    assert set(compiled.patterns) == {"user_id"}
    assert compiled.patterns["user_id"].pattern == "^[a-z0-9_]+$"
    assert compiled.declared_top_level_fields == set()  # compliance mode is off
    strict = Contract.from_yaml(CONTRACT_YAML + "compliance_mode: true\n").compile()
    assert strict.declared_top_level_fields == {"user_id", "event_type", "amount"}


def test_building_models_by_hand() -> None:
    field = FieldDefinition(
        name="status",
        field_type=FieldType.STRING,
        required=False,
        allowed_values=["new", "done"],
        transform=Transform(kind=TransformKind.MASK),
    )
    assert field.field_type is FieldType.STRING and field.allowed_values == ["new", "done"]
    metric = MetricDefinition(name="m", field="amount", metric_type=MetricType.INTEGER, min=0)
    assert metric.metric_type is MetricType.INTEGER
    contract = Contract(version="1", name="t", description=None, compliance_mode=False,
                        entities=[field])  # fmt: skip
    assert contract.entities == [field]
    assert not contract.compile().validate({"status": "open"}).passed


def test_from_yaml_helpers_of_the_models() -> None:
    assert FieldType.from_yaml("number") is FieldType.FLOAT
    field = FieldDefinition.from_yaml({"name": "n", "type": "integer", "required": False})
    assert field.field_type is FieldType.INTEGER and field.required is False
    assert Transform.from_yaml({"kind": "hash"}).kind is TransformKind.HASH
    assert MetricDefinition.from_yaml({"name": "m", "type": "integer"}).metric_type is (
        MetricType.INTEGER
    )
    with pytest.raises(ContractCompileError):
        FieldType.from_yaml("strnig")


def test_validation_result_from_dict() -> None:
    wire = {
        "passed": False,
        "violations": [{"field": "a", "message": "m", "kind": "type_mismatch"}],
        "validation_us": 3,
    }
    result = ValidationResult.from_dict(wire)
    assert result.violations == [Violation("a", "m", ViolationKind.TYPE_MISMATCH)]
    assert result.validation_us == 3 and not result.passed


def test_bad_contracts_raise_contract_compile_error() -> None:
    with pytest.raises(ContractCompileError):
        Contract.from_yaml(source="version: 1\nname: [x]\n")
    with pytest.raises(ContractGateError):
        Contract.from_yaml(CONTRACT_YAML.replace("^[a-z0-9_]+$", "(")).compile()


def test_ingest_results_built_by_hand() -> None:
    ok = IngestEventResult(True, [], 12, True, "1.0", {"user_id": "a"})
    bad = IngestEventResult(
        passed=False,
        violations=[Violation("user_id", "m", ViolationKind.PATTERN_MISMATCH)],
        validation_us=3,
        forwarded=False,
        contract_version="1.0",
        transformed_event=None,
    )
    resp = BatchIngestResponse(
        total=2, passed=1, failed=1, dry_run=False, atomic=False, resolved_version="1.0",
        version_pin_source="default_stable", results=[ok, bad],
    )  # fmt: skip
    assert resp.results == [ok, bad] and resp.results + [ok] == [ok, bad, ok]  # noqa: RUF005
    assert bad.violations == [Violation("user_id", "m", ViolationKind.PATTERN_MISMATCH)]
    out = dataclasses.asdict(resp)
    assert out["results"][1]["violations"][0]["field"] == "user_id"
    assert json.loads(json.dumps(out, default=str))["total"] == 2


# ------------------------------------------------------------------------- exceptions


def test_exceptions_are_built_as_in_v01() -> None:
    err = NotFoundError("no such contract", status=404)
    assert err.status == 404 and err.body is None and str(err) == "no such contract"
    err.status = 410
    assert err.status == 410
    with_body = ValidationFailedError("HTTP 422", status=422, body={"results": []})
    assert with_body.body == {"results": []} and isinstance(with_body, HTTPError)
    assert isinstance(ServerError("boom", status=503), ContractGateError)


def test_status_helpers() -> None:
    assert status_to_exception(404) is NotFoundError
    assert status_to_exception(401) is AuthError
    assert status_to_exception(502) is ServerError
    assert status_to_exception(422) is ValidationFailedError
    assert issubclass(status_to_exception(418), HTTPError)
    raise_for_status(200, {"ok": True})
    with pytest.raises(NotFoundError) as info:
        raise_for_status(404, {"error": "contract not found"})
    assert str(info.value) == "contract not found" and info.value.status == 404
    with pytest.raises(HTTPError, match="HTTP 418"):
        raise_for_status(418, "")
    with pytest.raises(ServerError, match="try later"):
        raise_for_status(500, None, default_message="try later")


def test_raising_sdk_errors_from_a_test_double() -> None:
    def fake_get_contract(contract_id: str) -> Any:
        raise NotFoundError(f"contract {contract_id} not found", status=404, body=None)

    with pytest.raises(HTTPError) as info:
        fake_get_contract("x")
    assert info.value.status == 404


# ----------------------------------------------------------------- the HTTP clients


@pytest.fixture(scope="module")
def gateway() -> Iterator[Any]:
    from contractgate import LocalGateway

    with LocalGateway(contracts_dir=REPO / "contracts") as gw:
        yield gw


def test_ingest_with_error_handling(gateway: Any) -> None:
    contract_id = gateway.contract_id("user_events")
    events = [
        {"user_id": "alice_01", "event_type": "click", "timestamp": 1},
        {"user_id": "Bob!", "event_type": "click", "timestamp": 2},
    ]
    with Client(base_url=gateway.base_url, api_key=gateway.api_key) as client:
        try:
            response = client.ingest(contract_id=contract_id, events=events)
        except ValidationFailedError as exc:  # pragma: no cover - a 207 is not an error
            pytest.fail(f"unexpected {exc}")
        assert response.total == 2 and response.passed == 1 and response.failed == 1
        assert [r.passed for r in response.results] == [True, False]
        assert response.results[0].violations == []
        assert response.results[1].violations[0].kind == ViolationKind.PATTERN_MISMATCH
        with pytest.raises(NotFoundError):
            client.get_contract("00000000-0000-0000-0000-000000000000")


def test_audit_is_a_list_that_outlives_the_client(gateway: Any) -> None:
    contract_id = gateway.contract_id("user_events")
    with Client(base_url=gateway.base_url, api_key=gateway.api_key) as client:
        client.ingest(contract_id=contract_id,
                      events=[{"user_id": f"u{i}", "event_type": "login", "timestamp": i}
                              for i in range(60)])  # fmt: skip
        rows = client.audit(contract_id=contract_id)
    assert isinstance(rows, list) and len(rows) == 50  # v0.1's default limit
    assert all(isinstance(r, AuditEntry) for r in rows)
    both = rows + rows
    assert len(both) == 100 and both[50] is rows[0]


def test_audit_errors_at_the_call(gateway: Any) -> None:
    client = Client(base_url=gateway.base_url, api_key="cg_live_wrong")
    try:
        with pytest.raises(AuthError):
            client.audit(limit=5)
    finally:
        client.close()


def test_async_audit_as_a_task(gateway: Any) -> None:
    async def main() -> Any:
        async with AsyncClient(base_url=gateway.base_url, api_key=gateway.api_key) as client:
            task = asyncio.create_task(client.audit(limit=3))
            return await task

    rows = asyncio.run(main())
    assert isinstance(rows, list) and len(rows) <= 3


def test_playground_result_is_a_mapping(gateway: Any) -> None:
    with Client(base_url=gateway.base_url, api_key=gateway.api_key) as client:
        result = client.playground_validate(
            yaml_content=CONTRACT_YAML, event={"user_id": "x", "event_type": "click"}
        )
    assert result["passed"] is True
    assert dict(result.items())["violations"] == []
    assert set(result) >= {"passed", "violations"}
    assert json.loads(json.dumps(dict(result)))["passed"] is True
    assert result == dict(result)
