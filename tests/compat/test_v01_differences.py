"""Each deliberate difference from v0.1, with the one-line change a v0.1 user makes.

The same list, with the reasons, is in CHANGELOG.md and the README's "Upgrading from
0.1". Everything else of v0.1 works unchanged (test_v01_user_code.py,
test_v01_surface.py).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any, Iterator, List

import httpx
import pytest

from contractgate import (
    Client,
    CompiledContract,
    Contract,
    ContractSummary,
    EventTypeError,
    LocalGateway,
    NotFoundError,
    Ontology,
    ValidationFailedError,
)

REPO = Path(__file__).resolve().parents[2]
GOOD = {"user_id": "alice_01", "event_type": "click", "timestamp": 1}
BAD = {"user_id": "Bob!", "event_type": "click", "timestamp": 2}


@pytest.fixture(scope="module")
def gateway() -> Iterator[LocalGateway]:
    with LocalGateway(contracts_dir=REPO / "contracts") as gw:
        yield gw


@pytest.fixture
def client(gateway: LocalGateway) -> Iterator[Client]:
    with Client(base_url=gateway.base_url, api_key=gateway.api_key) as c:
        yield c


def test_an_all_failed_batch_is_returned_not_raised(gateway: LocalGateway,
                                                    client: Client) -> None:  # fmt: skip
    # v0.1: `except ValidationFailedError as e: e.body["results"]`; now: read the answer.
    result = client.ingest(gateway.contract_id("user_events"), [BAD, BAD])
    assert result.status_code == 422 and result.passed == 0 and len(result.results) == 2
    # real rejections still raise, with the parsed answer attached
    with pytest.raises(ValidationFailedError) as info:
        client.ingest(gateway.contract_id("user_events"), [GOOD, BAD], atomic=True)
    assert info.value.result.failed == 1


def test_ingest_uses_v1_with_ndjson_and_version_as_a_query(gateway: LocalGateway) -> None:
    # v0.1 posted a JSON array to /ingest with an X-Contract-Version header;
    # route="legacy" keeps that route.
    seen: List[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [seen.append]}) as http, Client(
        base_url=gateway.base_url, api_key=gateway.api_key, http_client=http
    ) as client:
        result = client.ingest(gateway.contract_id("user_events"), [GOOD], version="1.1.0")
        legacy = client.ingest(
            gateway.contract_id("user_events"), [GOOD], version="1.1.0", route="legacy"
        )
    assert result.version_pin_source == "query_param"
    assert seen[0].url.path.startswith("/v1/ingest/") and seen[0].url.params["version"] == (
        "1.1.0"
    )
    assert seen[0].headers["content-type"] == "application/x-ndjson"
    assert seen[0].headers["idempotency-key"]
    assert legacy.version_pin_source == "header" and seen[1].url.path.startswith("/ingest/")


def test_transient_failures_are_retried(gateway: LocalGateway, client: Client) -> None:
    # v0.1 raised ServerError on the first 503; `max_retries=0` restores that.
    gateway.faults.fail_next(1, status=503)
    assert client.stats().total_events >= 0
    gateway.faults.fail_next(1, status=503)
    with Client(base_url=gateway.base_url, api_key=gateway.api_key, max_retries=0) as once:
        with pytest.raises(Exception, match="503"):
            once.stats()


def test_list_contracts_parses_the_real_summary_shape(client: Client) -> None:
    # v0.1 raised KeyError('created_at') on any non-empty list.
    rows = client.list_contracts()
    assert rows and all(isinstance(r, ContractSummary) for r in rows)
    assert {r.name for r in rows} >= {"user_events", "orders"}


def test_the_default_timeout_is_split_by_phase() -> None:
    # v0.1: 30 s for everything; `Client(..., timeout=30.0)` restores that.
    with Client(base_url="http://127.0.0.1:9", api_key="k") as c:
        assert (c.timeout.connect, c.timeout.read) == (10.0, 40.0)
    with Client(base_url="http://127.0.0.1:9", api_key="k", timeout=30.0) as c:
        assert (c.timeout.connect, c.timeout.read) == (30.0, 30.0)


def test_non_json_python_values_raise_event_type_error() -> None:
    compiled = Contract.from_file(REPO / "contracts/user_events/1.1.0.yaml").compile()
    with pytest.raises(EventTypeError, match="set"):
        compiled.validate({**GOOD, "amount": {1, 2}})


def test_validation_us_is_zero_unless_timed() -> None:
    contract = Contract.from_file(REPO / "contracts/user_events/1.1.0.yaml")
    assert contract.compile().validate(GOOD).validation_us == 0
    timed = contract.compile(timing=True)
    assert all(timed.validate(GOOD).validation_us >= 0 for _ in range(3))


def test_patterns_are_the_engines_dialect_not_re() -> None:
    compiled = Contract.from_file(REPO / "contracts/user_events/1.1.0.yaml").compile()
    pattern: Any = compiled.patterns["user_id"]
    assert not isinstance(pattern, re.Pattern)
    assert pattern.is_match("alice_01") and not pattern.is_match("Bob!")


def test_contract_takes_ontology_third_when_positional() -> None:
    # v0.1: Contract(version, name, description, compliance_mode, entities);
    # keywords work as before: Contract(version=..., name=..., entities=[...]).
    contract = Contract("1", "t", Ontology([]))
    assert contract.entities == [] and contract.description is None
    assert Contract(version="1", name="t", entities=[]) == contract


def test_result_lists_are_read_only_but_compare_slice_and_add_as_lists() -> None:
    compiled = Contract.from_file(REPO / "contracts/user_events/1.1.0.yaml").compile()
    vr = compiled.validate({**BAD, "event_type": "scroll"})
    assert len(vr.violations) == 2
    with pytest.raises(AttributeError):
        vr.violations.append(vr.violations[0])  # type: ignore[attr-defined]
    assert vr.violations[1:] == [vr.violations[1]] and vr.violations[:0] == []
    assert vr.violations * 2 == list(vr.violations) + list(vr.violations)
    copy = list(vr.violations)  # the one-line change: a mutable copy
    copy.append(copy[0])
    assert len(copy) == 3 and len(vr.violations) == 2


def test_compiled_contracts_are_built_by_compile() -> None:
    contract = Contract.from_file(REPO / "contracts/user_events/1.1.0.yaml")
    with pytest.raises(TypeError):
        CompiledContract(contract, {}, [])  # type: ignore[call-arg]
    compiled = contract.compile()
    assert compiled.contract is contract
    assert sorted(compiled.patterns) == ["user_id"]


def test_http_error_text_names_the_call_and_the_body_keeps_the_gateways_text(
    client: Client,
) -> None:
    with pytest.raises(NotFoundError) as ei:
        client.get_contract("00000000-0000-0000-0000-000000000000")
    err = ei.value
    assert err.status == 404
    assert "HTTP 404" in str(err) and "GET /contracts/00000000-" in str(err)
    assert isinstance(err.body, dict) and err.body["error"] in str(err)


def test_an_api_key_over_plain_http_to_a_remote_host_warns() -> None:
    with pytest.warns(UserWarning, match="plain http://"):
        Client(base_url="http://gateway.example.com", api_key="k").close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # loopback and https: no warning
        Client(base_url="http://127.0.0.1:9", api_key="k").close()
        Client(base_url="https://gateway.example.com", api_key="k").close()
