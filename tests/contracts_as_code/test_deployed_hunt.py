"""The deployed-contract cache against garbage on disk, odd version strings, odd TTLs,
a rate-limited or restarted gateway, and the CLI's output; a real local gateway on
127.0.0.1 throughout (an httpx transport rewrites an answer only for the faults of a
proxy the gateway cannot produce)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator, List

import httpx
import pytest

import contractgate
from conftest import CountingClient, Result
from contractgate import Client, DeployedContractError, StaleContractWarning
from contractgate._deployed import fetch_deployed
from contractgate.gateway import LocalGateway


def only(paths: List[Path]) -> Path:
    assert len(paths) == 1, paths
    return paths[0]


def version_file(cache: Path, name: str) -> Path:
    return only(sorted(cache.glob(f"*/*/versions/{name}")))


# ------------------------------------------------------------------ garbage on disk

_GARBAGE: List[Any] = [
    pytest.param(lambda doc: "[" * 100_000, id="nesting-too-deep"),
    pytest.param(lambda doc: {**doc, "checked_at": 10**400}, id="checked_at-too-large"),
    pytest.param(lambda doc: {**doc, "fetched_at": 10**400}, id="fetched_at-too-large"),
    pytest.param(lambda doc: {**doc, "yaml": "\ud800", "sha256": "0" * 64}, id="lone-surrogate"),
    pytest.param(lambda doc: "", id="empty"),
    pytest.param(lambda doc: [], id="a-list"),
    pytest.param(lambda doc: {**doc, "checked_at": "yesterday"}, id="checked_at-a-string"),
]


def _write_garbage(path: Path, garbage: Any) -> None:
    if isinstance(garbage, str):
        path.write_text(garbage)
    else:  # Python's json writes 10**400 as it is, and "\ud800" as its escape
        path.write_text(json.dumps(garbage))


@pytest.mark.parametrize("spoil", _GARBAGE)
def test_a_garbage_version_file_is_a_typed_error_offline_and_repaired_online(
    gateway: LocalGateway, counting: CountingClient, cache: Path, spoil: Callable[[Any], Any]
) -> None:
    """A file nested too deep for the JSON parser was a RecursionError, a time too large
    for a float an OverflowError, a lone surrogate a UnicodeEncodeError."""
    ref = f"{gateway.contract_id('user_events')}@1.0.0"
    fetch_deployed(ref, client=counting.client, cache_dir=str(cache))
    entry = version_file(cache, "1.0.0.json")
    good = entry.read_text()
    _write_garbage(entry, spoil(json.loads(good)))
    with pytest.raises(DeployedContractError) as err:
        fetch_deployed(ref, client=counting.client, cache_dir=str(cache), offline=True)
    assert err.value.path == str(entry) and str(entry) in str(err.value)
    assert err.value.reason == "unreachable"
    got = fetch_deployed(ref, client=counting.client, cache_dir=str(cache))
    assert got.source == "gateway"
    assert json.loads(entry.read_text())["yaml"] == json.loads(good)["yaml"]  # repaired


def test_a_directory_where_the_version_file_should_be(
    gateway: LocalGateway, counting: CountingClient, cache: Path
) -> None:
    ref = f"{gateway.contract_id('user_events')}@1.0.0"
    fetch_deployed(ref, client=counting.client, cache_dir=str(cache))
    entry = version_file(cache, "1.0.0.json")
    entry.unlink()
    entry.mkdir()
    got = fetch_deployed(ref, client=counting.client, cache_dir=str(cache))
    assert got.source == "gateway"  # not cached (a folder is in the way), but answered
    with pytest.raises(DeployedContractError) as err:
        fetch_deployed(ref, client=counting.client, cache_dir=str(cache), offline=True)
    assert err.value.path == str(entry)


@pytest.mark.parametrize(
    "names",
    [
        pytest.param({"user_events": 5}, id="an-int"),
        pytest.param({"user_events": {"a": 1}}, id="a-dict"),
        pytest.param({"user_events": "abc"}, id="a-string"),
        pytest.param({"user_events": [5]}, id="a-list-of-int"),
        pytest.param({"user_events": []}, id="an-empty-list"),
        pytest.param(["user_events"], id="not-a-map"),
    ],
)
def test_a_garbage_names_file_is_not_used(
    gateway: LocalGateway, counting: CountingClient, cache: Path, names: Any
) -> None:
    """An int was a TypeError, a dict a KeyError, a string "3 contracts are named…", an
    empty list "no contract named 'user_events' (contracts: user_events)"."""
    cid = gateway.contract_id("user_events")
    fetch_deployed("user_events", client=counting.client, cache_dir=str(cache))
    path = only(sorted(cache.glob("*/names.json")))
    path.write_text(json.dumps({"checked_at": 4e9, "names": names}))  # "fresh" for ages
    counting.take()
    got = fetch_deployed(
        "user_events", client=counting.client, cache_dir=str(cache), clock=lambda: 4e9 + 1
    )
    assert got.contract_id == cid and counting.take()[0] == "/contracts"  # asked again
    assert json.loads(path.read_text())["names"]["user_events"] == [cid]  # and repaired
    path.write_text(json.dumps({"checked_at": 4e9, "names": names}))
    with pytest.raises(DeployedContractError) as err:
        fetch_deployed("user_events", client=counting.client, cache_dir=str(cache), offline=True)
    assert err.value.reason == "unreachable" and err.value.path == str(path)


@pytest.mark.parametrize(
    "pointer",
    [
        pytest.param({"version": 5, "sha256": "x", "checked_at": 1}, id="version-an-int"),
        pytest.param({"version": "1.1.0", "sha256": "x", "checked_at": 10**400}, id="huge-time"),
        pytest.param({"version": "", "sha256": "x", "checked_at": 1}, id="empty-version"),
        pytest.param("[" * 100_000, id="nesting-too-deep"),
    ],
)
def test_a_garbage_latest_pointer_is_a_typed_error_offline(
    gateway: LocalGateway, counting: CountingClient, cache: Path, pointer: Any
) -> None:
    """``{"version": 5}`` offline was a TypeError from ``quote``; a time too large for a
    float an OverflowError."""
    fetch_deployed("user_events", client=counting.client, cache_dir=str(cache))
    path = only(sorted(cache.glob("*/*/latest.json")))
    _write_garbage(path, pointer)
    with pytest.raises(DeployedContractError) as err:
        fetch_deployed("user_events", client=counting.client, cache_dir=str(cache), offline=True)
    assert err.value.reason == "unreachable" and err.value.path == str(path)
    assert "latest.json" in str(err.value)
    got = fetch_deployed("user_events", client=counting.client, cache_dir=str(cache))
    assert (got.version, got.source) == ("1.1.0", "cache")  # its copy is still good
    assert json.loads(path.read_text())["version"] == "1.1.0"


def test_a_pointer_confirmed_at_minus_infinity_is_no_crash(
    gateway: LocalGateway, counting: CountingClient, cache: Path
) -> None:
    """``-Infinity`` (which Python's json reads) made the stale warning's age an
    OverflowError."""
    fetch_deployed("user_events", client=counting.client, cache_dir=str(cache))
    path = only(sorted(cache.glob("*/*/latest.json")))
    path.write_text(json.dumps({**json.loads(path.read_text()), "checked_at": float("-inf")}))
    with pytest.raises(DeployedContractError, match=r"latest\.json"):
        fetch_deployed("user_events", client=counting.client, cache_dir=str(cache), offline=True)


def test_a_version_file_holding_another_version_is_not_used(
    gateway: LocalGateway, counting: CountingClient, cache: Path
) -> None:
    """A copy of 1.0.0 in 1.1.0's file (what a case-insensitive file system made of
    ``RC1`` and ``rc1``) was returned as 1.1.0 for good: a stable copy is never
    re-checked."""
    cid = gateway.contract_id("user_events")
    for v in ("1.0.0", "1.1.0"):
        fetch_deployed(cid, v, client=counting.client, cache_dir=str(cache))
    shutil.copy(version_file(cache, "1.0.0.json"), version_file(cache, "1.1.0.json"))
    with pytest.raises(DeployedContractError, match=r"it holds .*@1\.0\.0, not .*@1\.1\.0"):
        fetch_deployed(cid, "1.1.0", client=counting.client, cache_dir=str(cache), offline=True)
    counting.take()
    got = fetch_deployed(cid, "1.1.0", client=counting.client, cache_dir=str(cache))
    assert (got.version, got.source) == ("1.1.0", "gateway")
    assert "login" in got.yaml  # 1.1.0's YAML, not 1.0.0's
    assert counting.take() == [f"/contracts/{cid}/versions/1.1.0"]


# ------------------------------------------------------------------ version strings

ODD_VERSIONS = ["1.0.0-RC1", "1.0.0-rc1", "x" * 300, "../..", "a/b", "a\\b", "\u00e9", "\u00c9",
                "e\u0301", "nul", "."]  # fmt: skip


@pytest.fixture
def odd_gateway(tmp_path: Path) -> Iterator[LocalGateway]:
    served = tmp_path / "odd-served" / "odd"
    served.mkdir(parents=True)
    for i, v in enumerate(ODD_VERSIONS):
        (served / f"v{i}.yaml").write_text(
            f"version: {json.dumps(v)}\nname: odd\nontology:\n  entities:\n"
            f"    - name: field_{i}\n      type: string\n"
        )
    with LocalGateway(contracts_dir=served.parent) as gw:
        yield gw


def test_every_version_gets_its_own_file_on_any_file_system(
    odd_gateway: LocalGateway, cache: Path
) -> None:
    """``RC1``/``rc1`` differed only in case (one file on macOS and Windows), a 300-
    character version was a file name too long to write (never cached), ``nul`` is the
    null device on Windows."""
    cid = odd_gateway.contract_id("odd")
    with Client(base_url=odd_gateway.base_url, api_key=odd_gateway.api_key) as client:
        for v in ODD_VERSIONS:
            assert fetch_deployed(cid, v, client=client, cache_dir=str(cache)).version == v
    files = sorted(cache.glob("*/*/versions/*.json"))
    assert len(files) == len(ODD_VERSIONS)
    assert len({f.name.lower() for f in files}) == len(ODD_VERSIONS)
    assert all(len(f.name) <= 120 for f in files)
    assert not any(f.name.split(".")[0].lower() in ("nul", "con") for f in files)
    odd_gateway.stop()
    for i, v in enumerate(ODD_VERSIONS):
        got = fetch_deployed(cid, v, cache_dir=str(cache), client=client, offline=True)
        assert (got.version, got.source) == (v, "cache")
        assert f"field_{i}" in got.yaml


# ------------------------------------------------------------------ TTL and the clock


@pytest.mark.parametrize("ttl", [pytest.param(10**400, id="10**400"), float("inf"), 1e308])
def test_a_huge_ttl_means_never_recheck(
    gateway: LocalGateway, counting: CountingClient, cache: Path, ttl: float
) -> None:
    """An int too large for a float was an OverflowError."""
    fetch_deployed("user_events", client=counting.client, cache_dir=str(cache))
    counting.take()
    got = fetch_deployed("user_events", client=counting.client, cache_dir=str(cache), ttl=ttl)
    assert got.source == "cache" and counting.take() == []


@pytest.mark.parametrize("ttl", [True, pytest.param(-(10**400), id="-10**400"), "soon"])
def test_a_ttl_that_is_no_number_of_seconds_is_refused(cache: Path, ttl: Any) -> None:
    with pytest.raises(DeployedContractError, match="ttl must be a number of seconds") as err:
        fetch_deployed("orders@1.0.0", cache_dir=str(cache), offline=True, ttl=ttl)
    assert err.value.reason == "setting"


def test_a_check_time_in_the_future_is_said_so_offline(
    gateway: LocalGateway, counting: CountingClient, cache: Path
) -> None:
    """The stale warning said "last confirmed 0s ago" of a copy confirmed an hour after
    the clock's now."""
    fetch_deployed("user_events", client=counting.client, cache_dir=str(cache),
                   clock=lambda: 2_000_000.0)  # fmt: skip
    with pytest.warns(StaleContractWarning, match="still to come") as caught:
        got = fetch_deployed("user_events", client=counting.client, cache_dir=str(cache),
                             offline=True, clock=lambda: 2_000_000.0 - 3600)  # fmt: skip
    assert got.source == "stale-cache"
    assert "0s ago" not in str(caught[0].message)


# ------------------------------------------------------------------ the gateway


def test_a_rate_limited_gateway_is_one_that_cannot_answer_now(
    gateway: LocalGateway, cache: Path
) -> None:
    """``/v1/contracts/{id}/version`` is rate-limited (spec §3.5): a 429 on the re-check
    was a RateLimitError although a copy was at hand."""
    with Client(base_url=gateway.base_url, api_key=gateway.api_key, max_retries=0) as client:
        fetch_deployed("user_events", client=client, cache_dir=str(cache))
        gateway.faults.fail_next(2, status=429)
        with pytest.warns(StaleContractWarning, match="cannot be reached"):
            got = fetch_deployed("user_events", client=client, cache_dir=str(cache), ttl=0)
        assert (got.version, got.source) == ("1.1.0", "stale-cache")
        gateway.faults.fail_next(1, status=429)
        with pytest.raises(DeployedContractError) as err:
            fetch_deployed(gateway.contract_id("orders"), client=client, cache_dir=str(cache))
        assert err.value.reason == "unreachable"


def test_a_contract_created_within_the_ttl_is_found_by_name(
    contracts_dir: Path, gateway: LocalGateway, counting: CountingClient, cache: Path
) -> None:
    """The cached contract list was taken as the whole truth for its TTL: "no contract
    named 'fresh'" for a contract the gateway has."""
    fetch_deployed("user_events", client=counting.client, cache_dir=str(cache))
    key, port = gateway.api_key, gateway.port
    gateway.stop()
    (contracts_dir / "fresh.yaml").write_text(
        'version: "1.0.0"\nname: fresh\nontology:\n  entities:\n    - name: id\n'
        "      type: string\n"
    )
    with LocalGateway(contracts_dir=contracts_dir, port=port, api_keys=[key]) as again:
        got = fetch_deployed("fresh", client=counting.client, cache_dir=str(cache))
        assert (got.contract_id, got.name) == (again.contract_id("fresh"), "fresh")
        counting.take()
        fetch_deployed("user_events", client=counting.client, cache_dir=str(cache))
        assert counting.take() == []  # a known name within the TTL: still no request


def test_contract_ids_as_uuid_objects_and_other_spellings(
    gateway: LocalGateway, counting: CountingClient, cache: Path
) -> None:
    """A ``uuid.UUID`` was an AttributeError (``partition``); an upper-case id got a
    cache folder of its own."""
    cid = gateway.contract_id("user_events")
    got = fetch_deployed(uuid.UUID(cid), "1.0.0", client=counting.client, cache_dir=str(cache))
    assert got.version == "1.0.0"
    counting.take()
    again = fetch_deployed(cid.upper(), "1.0.0", client=counting.client, cache_dir=str(cache))
    assert (again.source, again.contract_id, counting.take()) == ("cache", cid, [])
    assert len(list(cache.glob("*/*/versions"))) == 1
    with pytest.raises(TypeError, match="an id or a name"):
        fetch_deployed(42, client=counting.client, cache_dir=str(cache))  # type: ignore[arg-type]


def test_an_empty_version_means_no_pin(
    gateway: LocalGateway, counting: CountingClient, cache: Path
) -> None:
    """As ``orders@`` does; it was a ValueError from the client online and
    "no cached copy of … (latest stable)" offline."""
    cid = gateway.contract_id("user_events")
    assert fetch_deployed(cid, "", client=counting.client, cache_dir=str(cache)).version == "1.1.0"


class _Rewrites(httpx.HTTPTransport):
    def __init__(self, suffix: str, rewrite: Callable[[Any], Any]) -> None:
        super().__init__()
        self.suffix, self.rewrite = suffix, rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if not request.url.path.endswith(self.suffix):
            return response
        body = json.dumps(self.rewrite(json.loads(response.read())))
        return httpx.Response(response.status_code, content=body.encode(),
                              headers={"content-type": "application/json"})  # fmt: skip


@pytest.mark.parametrize(
    ("suffix", "rewrite", "said"),
    [
        ("/version", lambda b: {"hash": b["hash"]}, "no version or no SHA-256"),
        ("/version", lambda b: {**b, "version": 110}, "no version or no SHA-256"),
        ("/versions/1.0.0", lambda b: {**b, "yaml_content": "\ud800"}, "not valid Unicode"),
    ],
)
def test_a_proxy_answer_that_is_no_version_is_refused(
    gateway: LocalGateway, cache: Path, suffix: str, rewrite: Callable[[Any], Any], said: str
) -> None:
    """A pointer without a version asked for version "None" (a 404); a YAML with a lone
    surrogate was a UnicodeEncodeError."""
    version = "1.0.0" if suffix != "/version" else None
    with httpx.Client(transport=_Rewrites(suffix, rewrite)) as http:
        with Client(base_url=gateway.base_url, api_key=gateway.api_key, http_client=http) as c:
            with pytest.raises(DeployedContractError) as err:
                fetch_deployed("user_events", version, client=c, cache_dir=str(cache))
    assert err.value.reason == "invalid_answer" and said in str(err.value)
    assert not list(cache.glob("*/*/versions/*.json"))


# ------------------------------------------------------------------ the command line


_SRC = str(Path(contractgate.__file__).resolve().parents[1])  # the code under test


def _cli(*args: str, env: Any, cwd: Path) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "contractgate.cli", *args, "--color", "never"],
        env=env, cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )  # fmt: skip
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli_env(gateway: LocalGateway, tmp_path: Path) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACTGATE_")}
    env.update(
        CONTRACTGATE_BASE_URL=gateway.base_url,
        CONTRACTGATE_API_KEY=gateway.api_key,
        CONTRACTGATE_CACHE_DIR=str(tmp_path / "cli-cache"),
        PYTHONPATH=os.pathsep.join([_SRC, env.get("PYTHONPATH", "")]),
    )
    (tmp_path / "proj" / ".git").mkdir(parents=True)
    return env


def test_pull_prints_the_stale_warning_once(
    gateway: LocalGateway, cli_env: Any, tmp_path: Path
) -> None:
    """In a real process (no logging configured) Python's last-resort handler printed the
    warning's log line too: the same sentence twice on stderr."""
    proj = tmp_path / "proj"
    assert _cli("pull", "orders", "--dir", "a", env=cli_env, cwd=proj).code == 0
    gateway.stop()
    r = _cli("pull", "orders", "--dir", "b", env=dict(cli_env, CONTRACTGATE_CACHE_TTL="0"),
             cwd=proj)  # fmt: skip
    assert r.code == 0, r
    assert r.err.count("using the cached latest stable orders@2.0.0") == 1, r.err
    assert r.err.startswith("contractgate: warning: using the cached")


def test_pull_with_a_garbage_cache_offline_is_no_internal_error(
    gateway: LocalGateway, cli_env: Any, tmp_path: Path
) -> None:
    proj = tmp_path / "proj"
    ref = f"{gateway.contract_id('orders')}@2.0.0"
    assert _cli("pull", ref, "-o", "-", env=cli_env, cwd=proj).code == 0
    entry = version_file(tmp_path / "cli-cache", "2.0.0.json")
    entry.write_text("[" * 100_000)
    gateway.stop()
    r = _cli("pull", ref, "-o", "-", env=cli_env, cwd=proj)
    assert r.code == 4, r
    assert "internal error" not in r.err and str(entry) in r.err
    assert r.err.count(str(entry)) >= 1 and "Traceback" not in r.err


def test_pull_says_when_the_cache_cannot_be_written(
    gateway: LocalGateway, cli_env: Any, tmp_path: Path
) -> None:
    """A cache root that is a file: the pull works, with one warning per unwritable file
    (once each, as the CLI's warnings)."""
    (tmp_path / "not-a-dir").write_text("x")
    env = dict(cli_env, CONTRACTGATE_CACHE_DIR=str(tmp_path / "not-a-dir"))
    r = _cli("pull", "orders", "-o", "-", env=env, cwd=tmp_path / "proj")
    assert r.code == 0 and "name: orders" in r.out, r
    lines = [ln for ln in r.err.splitlines() if ln]
    assert lines and all(ln.startswith("contractgate: warning: cannot write") for ln in lines)
    assert len(lines) == len(set(lines))


def test_api_key_never_in_cache_files_or_warnings(
    gateway: LocalGateway, counting: CountingClient, cache: Path
) -> None:
    fetch_deployed("user_events", client=counting.client, cache_dir=str(cache))
    gateway.stop()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = fetch_deployed("user_events", client=counting.client, cache_dir=str(cache), ttl=0)
    key = gateway.api_key
    assert caught and all(key not in str(w.message) for w in caught)
    assert key not in repr(got)
    for p in cache.rglob("*"):
        assert key not in str(p)
        assert not p.is_file() or key not in p.read_text()


@pytest.mark.parametrize("value", ["on", "Y", "enabled", "2", "off"])
def test_an_offline_setting_that_is_no_yes_or_no_is_refused(
    cache: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """``CONTRACTGATE_OFFLINE=on`` meant online, silently: a CI job meant to stay off
    the network asked the gateway."""
    monkeypatch.setenv("CONTRACTGATE_OFFLINE", value)
    monkeypatch.setenv("CONTRACTGATE_BASE_URL", "http://127.0.0.1:9")
    ref = "11111111-1111-1111-1111-111111111111@1.0.0"
    with pytest.raises(DeployedContractError) as err:
        fetch_deployed(ref, cache_dir=str(cache))
    if value in ("on", "Y"):  # spellings of yes: offline, nothing asked
        assert "offline mode" in str(err.value)
    elif value == "off":
        assert "cannot be reached" in str(err.value)
    else:
        assert err.value.reason == "setting" and "CONTRACTGATE_OFFLINE" in str(err.value)


def test_a_blank_ttl_setting_is_the_default(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty ``CONTRACTGATE_CACHE_TTL`` meant the default, a blank one (``" "``, as a
    templated CI variable gives) was a setting error."""
    from contractgate._deployed import DEFAULT_TTL, _ttl

    for blank in ("", " ", "\t\n"):
        monkeypatch.setenv("CONTRACTGATE_CACHE_TTL", blank)
        assert _ttl(None) == DEFAULT_TTL
