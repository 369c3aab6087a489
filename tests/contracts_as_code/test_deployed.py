"""``Contract.from_gateway`` against a real local gateway: online, then offline from the
cache (gateway stopped), then with corrupted cache files; TTL re-checks by hash, names,
pinned versions, and a new stable version being picked up."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, List

import httpx
import pytest

from conftest import REPO, CountingClient
from contractgate import Client, Contract, DeployedContractError, StaleContractWarning
from contractgate._deployed import default_cache_dir, fetch_deployed
from contractgate.gateway import LocalGateway

USER_EVENTS_1_1 = Contract.from_file(REPO / "contracts/user_events/1.1.0.yaml")
USER_EVENTS_1_0 = Contract.from_file(REPO / "contracts/user_events/1.0.0.yaml")


def version_files(cache: Path) -> List[Path]:
    return sorted(cache.glob("*/*/versions/*.json"))


def test_online_then_offline_then_corrupted(
    gateway: LocalGateway, counting: CountingClient, cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cid = gateway.contract_id("user_events")
    # 1. online: the name is resolved, the latest stable's hash asked, its YAML downloaded
    c = Contract.from_gateway("user_events", client=counting.client, cache_dir=str(cache))
    assert c == USER_EVENTS_1_1
    assert c.filename == "deployed:user_events@1.1.0"
    assert counting.take() == [
        "/contracts",
        f"/v1/contracts/{cid}/version",
        f"/contracts/{cid}/versions/1.1.0",
    ]
    # 2. within the TTL: no request at all
    assert Contract.from_gateway("user_events", client=counting.client, cache_dir=str(cache)) == c
    assert counting.take() == []
    # 3. past the TTL: one cheap re-check, the hash matches, nothing downloaded
    got = fetch_deployed("user_events", client=counting.client, cache_dir=str(cache), ttl=0)
    assert (got.version, got.source) == ("1.1.0", "cache")
    assert counting.take() == ["/contracts", f"/v1/contracts/{cid}/version"]
    # a pinned (immutable) version is cached too
    assert Contract.from_gateway(f"{cid}@1.0.0", client=counting.client, cache_dir=str(cache)) == (
        USER_EVENTS_1_0
    )
    assert counting.take() == [f"/contracts/{cid}/versions/1.0.0"]

    # 4. the gateway goes away
    gateway.stop()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # within the TTL, or a pinned version: no warning
        assert Contract.from_gateway("user_events", client=counting.client, cache_dir=str(cache))
        assert (
            Contract.from_gateway(
                "user_events@1.0.0", client=counting.client, cache_dir=str(cache), ttl=0
            )
            == USER_EVENTS_1_0
        )
    caplog.set_level(logging.WARNING, logger="contractgate")
    with pytest.warns(StaleContractWarning, match="cached latest stable user_events@1.1.0"):
        stale = Contract.from_gateway(
            "user_events", client=counting.client, cache_dir=str(cache), ttl=0
        )
    assert stale == USER_EVENTS_1_1
    assert "cannot be reached" in caplog.text and "a newer version may be deployed" in caplog.text

    # 5. a corrupted copy is never used: offline, it is a clear typed error
    entry = next(p for p in version_files(cache) if p.name == "1.1.0.json")
    doc = json.loads(entry.read_text())
    doc["yaml"] = doc["yaml"].replace("login", "logout")
    entry.write_text(json.dumps(doc))
    with pytest.raises(DeployedContractError) as err:
        Contract.from_gateway("user_events", client=counting.client, cache_dir=str(cache))
    assert "does not match its SHA-256" in str(err.value)
    assert err.value.path == str(entry)
    assert "cannot be reached" in str(err.value)
    # a truncated file (a crash halfway through a write that was not atomic) likewise
    entry.write_bytes(entry.read_bytes()[:40])
    with pytest.raises(DeployedContractError, match="truncated or overwritten"):
        Contract.from_gateway(f"{cid}@1.1.0", client=counting.client, cache_dir=str(cache))


def test_a_corrupt_copy_is_fetched_again_while_online(
    gateway: LocalGateway, counting: CountingClient, cache: Path
) -> None:
    cid = gateway.contract_id("user_events")
    Contract.from_gateway(f"{cid}@1.0.0", client=counting.client, cache_dir=str(cache))
    (entry,) = version_files(cache)
    entry.write_text("{not json")
    counting.take()
    again = Contract.from_gateway(f"{cid}@1.0.0", client=counting.client, cache_dir=str(cache))
    assert again == USER_EVENTS_1_0
    assert counting.take() == [f"/contracts/{cid}/versions/1.0.0"]
    assert json.loads(entry.read_text())["version"] == "1.0.0"  # repaired in place
    assert [p.name for p in entry.parent.iterdir()] == ["1.0.0.json"]  # no temp files left


def test_a_copy_that_is_not_the_one_latest_json_names_is_not_used(
    gateway: LocalGateway, counting: CountingClient, cache: Path
) -> None:
    """A version file replaced by another YAML with its own (matching) hash: within the
    TTL it is not taken, the gateway's hash decides, and the right YAML is fetched."""
    cid = gateway.contract_id("user_events")
    Contract.from_gateway("user_events", client=counting.client, cache_dir=str(cache))
    entry = next(p for p in version_files(cache) if p.name == "1.1.0.json")
    doc = json.loads(entry.read_text())
    doc["yaml"] = doc["yaml"].replace("login", "logout")
    doc["sha256"] = hashlib.sha256(doc["yaml"].encode("utf-8")).hexdigest()
    entry.write_text(json.dumps(doc))
    counting.take()
    again = Contract.from_gateway("user_events", client=counting.client, cache_dir=str(cache))
    assert again == USER_EVENTS_1_1
    assert counting.take() == [f"/v1/contracts/{cid}/version", f"/contracts/{cid}/versions/1.1.0"]


class _Rewrites(httpx.HTTPTransport):
    """Real answers, but the JSON body of those whose path ends with ``suffix``
    rewritten (a version promoted between two requests, another spelling of a hash, a
    proxy answering something else)."""

    def __init__(self, suffix: str, rewrite: Callable[[Any], Any]) -> None:
        super().__init__()
        self.suffix, self.rewrite = suffix, rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if not request.url.path.endswith(self.suffix):
            return response
        body = self.rewrite(json.loads(response.read()))
        return httpx.Response(response.status_code, json=body)


@contextmanager
def _rewriting(
    gateway: LocalGateway, suffix: str, rewrite: Callable[[Any], Any]
) -> Iterator[Client]:
    with httpx.Client(transport=_Rewrites(suffix, rewrite)) as http, Client(
        base_url=gateway.base_url, api_key=gateway.api_key, http_client=http
    ) as client:
        yield client


def _announcing(gateway: LocalGateway, rewrite: Callable[[str], str]) -> Any:
    return _rewriting(gateway, "/version", lambda body: {**body, "hash": rewrite(body["hash"])})


def test_a_yaml_without_the_hash_the_gateway_announced_is_refused(
    gateway: LocalGateway, cache: Path
) -> None:
    with _announcing(gateway, lambda h: "0" * 64) as client, pytest.raises(
        DeployedContractError
    ) as err:
        Contract.from_gateway("user_events", client=client, cache_dir=str(cache))
    assert err.value.reason == "hash_mismatch"
    assert "does not match the SHA-256 it announced" in str(err.value)
    assert version_files(cache) == []  # nothing kept


@pytest.mark.parametrize(
    ("suffix", "rewrite", "said"),
    [
        ("/versions/1.0.0", lambda body: {}, "it answered contract '' version ''"),
        ("/versions/1.0.0", lambda body: {**body, "version": "1.1.0"}, "version '1.1.0'"),
        ("/versions/1.0.0", lambda body: {**body, "contract_id": "6" * 32}, "contract '666"),
        ("/versions/1.0.0", lambda body: {**body, "yaml_content": " "}, "it holds no YAML"),
        ("/versions/1.0.0", lambda body: {**body, "yaml_content": None}, "it holds no YAML"),
        ("/version", lambda body: {"status": "ok"}, "pointer has no version or no SHA-256"),
        ("/version", lambda body: {**body, "hash": "abc"}, "pointer has no version or no SHA-256"),
    ],
)
def test_an_answer_that_is_not_the_version_asked_for_is_not_cached(
    gateway: LocalGateway, cache: Path, suffix: str, rewrite: Callable[[Any], Any], said: str
) -> None:
    """A proxy's ``{}`` was read as a version with no YAML and cached for good (a stable
    version is never asked for again)."""
    version = "1.0.0" if suffix != "/version" else None
    with _rewriting(gateway, suffix, rewrite) as client:
        with pytest.raises(DeployedContractError) as err:
            fetch_deployed("user_events", version, client=client, cache_dir=str(cache))
    assert err.value.reason == "invalid_answer" and said in str(err.value)
    assert "nothing was cached" in str(err.value)
    assert version_files(cache) == []
    with Client(base_url=gateway.base_url, api_key=gateway.api_key) as client:
        got = fetch_deployed("user_events", version, client=client, cache_dir=str(cache))
    assert got.source == "gateway"  # the real answer, then cached
    assert len(version_files(cache)) == 1


def test_the_announced_hash_may_be_spelled_in_uppercase(gateway: LocalGateway, cache: Path) -> None:
    with _announcing(gateway, str.upper) as client:
        got = Contract.from_gateway("user_events", client=client, cache_dir=str(cache))
    assert got == USER_EVENTS_1_1


def test_a_clock_that_went_back_is_no_proof_of_freshness(
    gateway: LocalGateway, counting: CountingClient, cache: Path
) -> None:
    cid = gateway.contract_id("user_events")
    for now in (1_000_000.0, 1_000_001.0, 999_000.0):
        fetch_deployed("user_events", client=counting.client, cache_dir=str(cache),
                       clock=lambda now=now: now)  # fmt: skip
        asked = counting.take()
        # first: fetched; a second later: within the TTL; checked again when time runs back
        assert (f"/v1/contracts/{cid}/version" in asked) is (now != 1_000_001.0), now


def test_a_new_stable_version_is_picked_up(
    contracts_dir: Path, gateway: LocalGateway, cache: Path
) -> None:
    key, port = gateway.api_key, gateway.port
    with Client(base_url=gateway.base_url, api_key=key) as client:
        assert Contract.from_gateway(
            "user_events", client=client, cache_dir=str(cache)
        ).version == ("1.1.0")
        gateway.stop()
        newer = (contracts_dir / "user_events/1.1.0.yaml").read_text().replace("1.1.0", "1.2.0")
        (contracts_dir / "user_events/1.2.0.yaml").write_text(newer)
        (contracts_dir / "_gateway.yaml").unlink()  # every version stable
        with LocalGateway(contracts_dir=contracts_dir, port=port, api_keys=[key]):
            got = Contract.from_gateway("user_events", client=client, cache_dir=str(cache), ttl=0)
    assert got.version == "1.2.0"


def test_names_ids_and_errors(gateway: LocalGateway, counting: CountingClient, cache: Path) -> None:
    client = counting.client
    with pytest.raises(
        DeployedContractError, match=r"no contract named 'nope' .*orders, user_events"
    ):
        Contract.from_gateway("nope", client=client, cache_dir=str(cache))
    orders = Contract.from_gateway(
        gateway.contract_id("orders"), client=client, cache_dir=str(cache)
    )
    assert orders == Contract.from_file(REPO / "contracts/orders.yaml")
    # the name map is cached: offline, a known name still resolves
    Contract.from_gateway("orders", client=client, cache_dir=str(cache))
    gateway.stop()
    with pytest.warns(StaleContractWarning):
        assert Contract.from_gateway("orders", client=client, cache_dir=str(cache), ttl=0) == orders
    with pytest.raises(DeployedContractError, match="no cached copy of user_events"):
        Contract.from_gateway("user_events", client=client, cache_dir=str(cache), ttl=0)
    with pytest.raises(DeployedContractError, match="has never seen it; use the contract id"):
        Contract.from_gateway("orders", client=client, cache_dir=str(cache / "empty"))


def test_offline_mode_never_asks(
    gateway: LocalGateway, counting: CountingClient, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DeployedContractError, match=r"no cached copy of .* offline mode"):
        Contract.from_gateway(
            gateway.contract_id("orders"), client=counting.client, cache_dir=str(cache),
            offline=True,
        )  # fmt: skip
    assert counting.take() == []
    Contract.from_gateway(
        gateway.contract_id("orders"), client=counting.client, cache_dir=str(cache)
    )
    counting.take()
    monkeypatch.setenv("CONTRACTGATE_OFFLINE", "1")
    with pytest.warns(StaleContractWarning, match="offline mode"):
        Contract.from_gateway(
            gateway.contract_id("orders"), client=counting.client, cache_dir=str(cache), ttl=0
        )
    assert counting.take() == []


def test_client_from_the_environment_and_the_default_cache(
    gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CONTRACTGATE_BASE_URL", gateway.base_url)
    monkeypatch.setenv("CONTRACTGATE_API_KEY", gateway.api_key)
    assert Contract.from_gateway("orders").name == "orders"
    assert default_cache_dir() == str(tmp_path / "default-cache")
    assert len(version_files(tmp_path / "default-cache")) == 1
    monkeypatch.delenv("CONTRACTGATE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if default_cache_dir().startswith(str(tmp_path)):  # Linux and the BSDs
        assert default_cache_dir() == str(tmp_path / "xdg" / "contractgate")


def test_no_gateway_configured_is_a_typed_error(cache: Path) -> None:
    with pytest.raises(DeployedContractError, match="no gateway configured"):
        Contract.from_gateway("orders", cache_dir=str(cache))


def test_http_errors_other_than_unreachable_propagate(
    gateway: LocalGateway, counting: CountingClient, cache: Path
) -> None:
    from contractgate import NotFoundError

    with pytest.raises(NotFoundError):
        Contract.from_gateway(
            f"{gateway.contract_id('orders')}@9.9.9", client=counting.client, cache_dir=str(cache)
        )
    assert not version_files(cache)


def test_a_page_that_is_not_json_means_the_gateway_did_not_answer(
    gateway: LocalGateway, counting: CountingClient, cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A captive portal (or a proxy) answering 200 with its HTML page: the due copy is used
    with the stale warning, as when the gateway cannot be reached (it was an
    ``InvalidResponseError`` that failed every test of an offline laptop)."""
    assert Contract.from_gateway("user_events", client=counting.client, cache_dir=str(cache))
    gateway.faults.fail_next(50, status=200, body="<html><body>Sign in to the hotel Wi-Fi</body>")
    caplog.set_level(logging.WARNING, logger="contractgate")
    with pytest.warns(StaleContractWarning, match="cached latest stable user_events@1.1.0"):
        got = fetch_deployed("user_events", client=counting.client, cache_dir=str(cache), ttl=0)
    assert (got.version, got.source) == ("1.1.0", "stale-cache")
    assert "did not answer" in caplog.text and "not JSON" in caplog.text
    # a version never cached cannot be had: the reason names the page, nothing is cached
    with pytest.raises(DeployedContractError) as err:
        fetch_deployed("user_events", "1.0.0", client=counting.client, cache_dir=str(cache))
    assert err.value.reason == "unreachable" and "not JSON" in str(err.value)
    gateway.faults.clear()
    # JSON of the wrong shape is still the gateway's answer: refused, never a fallback
    with _rewriting(gateway, "/version", lambda body: {}) as client:
        with pytest.raises(DeployedContractError) as wrong:
            fetch_deployed("user_events", client=client, cache_dir=str(cache), ttl=0)
    assert wrong.value.reason == "invalid_answer"


def test_cache_folders_are_per_gateway(
    contracts_dir: Path, gateway: LocalGateway, cache: Path
) -> None:
    other_dir = contracts_dir.parent / "other"
    shutil.copytree(contracts_dir, other_dir)
    with LocalGateway(contracts_dir=other_dir) as other:
        for gw in (gateway, other):
            with Client(base_url=gw.base_url, api_key=gw.api_key) as client:
                Contract.from_gateway("orders", client=client, cache_dir=str(cache))
    assert len({p.parts[-4] for p in version_files(cache)}) == 2


@pytest.mark.parametrize("value", ["abc", "nan", "-1", ""])
def test_a_ttl_that_is_no_duration_is_a_setting_error(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """NaN compared false with every age (a copy was never fresh), a negative TTL the
    same; ``inf`` stays allowed (never re-check) and an empty variable means the default."""
    monkeypatch.setenv("CONTRACTGATE_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CONTRACTGATE_CACHE_TTL", value)
    if value == "":
        with pytest.raises(DeployedContractError) as ei:  # offline, nothing cached
            fetch_deployed("orders@1.0.0", cache_dir=str(tmp_path), offline=True)
        assert ei.value.reason == "unreachable"
        return
    with pytest.raises(DeployedContractError) as ei:
        fetch_deployed("orders@1.0.0", cache_dir=str(tmp_path), offline=True)
    assert ei.value.reason == "setting"
    assert "CONTRACTGATE_CACHE_TTL must be a number of seconds >= 0" in str(ei.value)
    monkeypatch.delenv("CONTRACTGATE_CACHE_TTL")
    for bad in (float("nan"), -5):
        with pytest.raises(DeployedContractError, match="ttl must be a number of seconds >= 0"):
            fetch_deployed("orders@1.0.0", cache_dir=str(tmp_path), offline=True, ttl=bad)
