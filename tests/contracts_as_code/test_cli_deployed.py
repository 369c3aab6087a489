"""``contractgate pull``, ``validate --contract-id`` and config entries naming a deployed
contract, against a real local gateway (then stopped: the cache answers); and the
``contractgate_deployed_contract`` pytest fixture."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import Callable

import pytest

from conftest import REPO, Result
from contractgate.gateway import LocalGateway

pytest_plugins = ["pytester"]

Run = Callable[..., Result]


@pytest.fixture
def env(gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The gateway in the environment, and cwd a project with a .git marker."""
    monkeypatch.setenv("CONTRACTGATE_BASE_URL", gateway.base_url)
    monkeypatch.setenv("CONTRACTGATE_API_KEY", gateway.api_key)
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    shutil.copytree(REPO / "examples/fixtures", root / "fixtures")
    monkeypatch.chdir(root)
    return root


def test_pull_writes_the_repository_layout(cli: Run, env: Path, gateway: LocalGateway) -> None:
    r = cli("pull", "user_events", "--color", "never")
    assert r.code == 0, r
    target = env / "contracts/user_events/1.1.0.yaml"
    assert r.out == (
        "✓ pulled user_events 1.1.0 (latest stable) -> contracts/user_events/1.1.0.yaml\n"
    )
    assert target.read_bytes() == (REPO / "contracts/user_events/1.1.0.yaml").read_bytes()
    r = cli("pull", "user_events@1.0.0", "--color", "never")
    assert r.code == 0 and "contracts/user_events/1.0.0.yaml" in r.out
    assert "up to date" in cli("pull", "user_events", "--color", "never").out
    target.write_text(target.read_text() + "# local edit\n")
    r = cli("pull", "user_events")
    assert r.code == 1 and "differs from the deployed user_events 1.1.0" in r.err
    assert "# local edit" in target.read_text()
    r = cli("pull", "user_events", "--force", "--format", "json")
    assert r.json()["status"] == "overwritten" and "# local edit" not in target.read_text()
    r = cli("pull", gateway.contract_id("orders"), "-o", "-")
    assert r.out == (REPO / "contracts/orders.yaml").read_text()


def test_pulled_files_get_the_permissions_of_any_new_file(cli: Run, env: Path) -> None:
    """Not the private 0600 of a temporary file: a pulled contract is repository content;
    an overwritten file keeps its own mode."""
    old = os.umask(0o022)
    try:
        assert cli("pull", "user_events").code == 0
        target = env / "contracts/user_events/1.1.0.yaml"
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
        os.umask(0o027)
        assert cli("pull", "user_events@1.0.0").code == 0
        assert stat.S_IMODE((env / "contracts/user_events/1.0.0.yaml").stat().st_mode) == 0o640
        target.write_text("# local edit\n")
        target.chmod(0o664)
        assert cli("pull", "user_events", "--force").code == 0
        assert stat.S_IMODE(target.stat().st_mode) == 0o664
    finally:
        os.umask(old)


def test_pull_errors_and_offline(cli: Run, env: Path, gateway: LocalGateway) -> None:
    r = cli("pull", "nope")
    assert r.code == 2 and "no contract named 'nope'" in r.err
    assert cli("pull", "orders", "--dir", "out").code == 0
    gateway.stop()
    r = cli("pull", "orders", "--dir", "again", "--color", "never")
    assert r.code == 0, r
    assert "using the cached latest stable orders@2.0.0" in r.err
    assert "from the cache (gateway unreachable)" in r.out
    r = cli("pull", "user_events")
    assert r.code == 4 and "no cached copy of user_events (latest stable)" in r.err


def test_pull_without_a_gateway_is_a_configuration_error(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    r = cli("pull", "orders")
    assert r.code == 3 and "no gateway configured" in r.err
    # the command's own option, not the library's client= argument
    assert "pass --base-url or set CONTRACTGATE_BASE_URL" in r.err and "client=" not in r.err
    r = cli("validate", "--contract-id", "orders", "x.json")
    assert r.code == 3 and "pass --base-url or set CONTRACTGATE_BASE_URL" in r.err


def test_validate_against_the_deployed_contract(cli: Run, env: Path, gateway: LocalGateway) -> None:
    r = cli("validate", "--contract-id", "user_events", "fixtures/user_events.good.ndjson")
    assert r.code == 0, r
    r = cli(
        "validate", "--contract-id", "user_events", "fixtures/user_events.bad.json",
        "--color", "never",
    )  # fmt: skip
    assert r.code == 1
    assert "fixtures/user_events.bad.json:3:4: record 2: user_id:" in r.out
    # 1.0.0 does not know "login": the good fixture fails there
    r = cli("validate", "--contract-id", "user_events@1.0.0", "fixtures/user_events.good.ndjson")
    assert r.code == 1 and "not in allowed set" in r.out
    r = cli("validate", "--contract-id", "x", "--contract", "y.yaml", "fixtures")
    assert r.code == 2 and "not both" in r.err
    # offline: the cache answers
    gateway.stop()
    r = cli("validate", "--contract-id", "user_events", "fixtures/user_events.good.ndjson", "-v")
    assert r.code == 0, r
    assert "→ deployed:user_events (user_events 1.1.0): 3 records, all passed" in r.out


def test_config_entries_naming_deployed_contracts(cli: Run, env: Path) -> None:
    (env / ".contractgate.yml").write_text(
        "fixtures:\n"
        '  "fixtures/user_events.*": {contract_id: "user_events@1.1.0"}\n'
        '  "fixtures/orders.*": {contract_id: orders}\n'
    )
    r = cli("validate", "--color", "never")
    assert r.code == 1, r
    assert "fixtures/orders.bad.yaml" in r.out and "fixtures/user_events.bad.json" in r.out
    r = cli("validate", "fixtures/user_events.good.ndjson", "fixtures/orders.good.yaml")
    assert r.code == 0, r
    # check-contracts has no file to check for them, and does not try
    r = cli("check-contracts", "--color", "never")
    assert "deployed:" not in r.out + r.err
    (env / ".contractgate.yml").write_text('fixtures:\n  "x.*": {contract: orders}\n')
    r = cli("validate")
    assert r.code == 3 and "{contract_id: ID[@VERSION]}" in r.err


def test_pytest_fixture(
    pytester: pytest.Pytester,
    gateway: LocalGateway,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytester.makepyfile(
        """
        def test_follows_the_deployed_version(contractgate_deployed_contract):
            events = contractgate_deployed_contract("user_events")
            assert events.contract.version == "1.1.0"
            assert events.is_valid({"user_id": "a", "event_type": "login", "timestamp": 1})
            pinned = contractgate_deployed_contract("user_events", version="1.0.0")
            assert not pinned.is_valid({"user_id": "a", "event_type": "login", "timestamp": 1})
            assert contractgate_deployed_contract("user_events") is events  # once a session

        def test_unknown(contractgate_deployed_contract):
            contractgate_deployed_contract("nope")
        """
    )
    monkeypatch.setenv("CONTRACTGATE_BASE_URL", gateway.base_url)
    monkeypatch.setenv("CONTRACTGATE_API_KEY", gateway.api_key)
    monkeypatch.setenv("CONTRACTGATE_CACHE_DIR", str(tmp_path / "pytester-cache"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*contractgate_deployed_contract: no contract named 'nope'*"])
