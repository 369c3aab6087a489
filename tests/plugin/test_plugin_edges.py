"""The pytest plugin at its edges: bad option and ini values, a disabled pytest-asyncio,
failing contract loaders, secrets, and comparisons whose difference is not in the
violations. Scratch projects run by ``pytester`` against the real local gateway."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_pytest_plugin
from test_pytest_plugin import _test_file

from contractgate import Contract
from contractgate.gateway import LocalGateway
from contractgate.testing import assert_invalid, assert_valid

pytest_plugins = ["pytester"]

#: The scratch project of test_pytest_plugin: contracts signup 1.0.0 and 0.9.0, a
#: draft-only and a broken one, and an ini naming the folder.
project = test_pytest_plugin.project


def _failures(result: pytest.RunResult) -> str:
    """The failure reports only: with CI set in the environment, pytest's short summary
    repeats each failure's whole message."""
    return result.stdout.str().split("short test summary info")[0]


# ---------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    "args",
    [
        ["-o", "contractgate_admin=maybe"],
        ["-o", "contractgate_admin=maybe", "--contractgate-admin"],  # read either way
        ["-o", "contractgate_admin=maybe", "--co"],
    ],
    ids=["alone", "with-the-flag", "collect-only"],
)
def test_a_bad_admin_ini_value_stops_the_run_naming_it(
    project: pytest.Pytester, args: list[str]
) -> None:
    """It was an error of each test using the gateway, a traceback through pytest's
    fixture machinery ending in "invalid truth value 'maybe'", which named no option."""
    _test_file(project, "def test_gw(contractgate_gateway):\n    pass\n")
    result = project.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: contractgate_admin: invalid truth value 'maybe' (use true or false)"]
    )
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_a_bad_admin_value_in_the_ini_file_too(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\ncontractgate_contracts = contracts\ncontractgate_admin = yes plz\n")
    _test_file(project, "def test_x():\n    pass\n")
    result = project.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: contractgate_admin: invalid truth value 'yes plz'*"])


def test_admin_false_in_the_ini_file_keeps_the_admin_routes_off(project: pytest.Pytester) -> None:
    _test_file(
        project,
        """
        import httpx

        def test_off(contractgate_gateway):
            assert httpx.post(contractgate_gateway.base_url + "/_admin/reset").status_code == 404
        """,
    )
    project.runpytest_subprocess("-o", "contractgate_admin=false").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    "args, where",
    [
        (
            ["--contractgate-contracts=nowhere"],
            "given by --contractgate-contracts 'nowhere'",
        ),
        (
            ["-o", "contractgate_contracts=elsewhere"],
            "given by the contractgate_contracts ini option 'elsewhere', relative to {root}",
        ),
    ],
    ids=["option", "ini"],
)
def test_a_missing_contracts_folder_fails_without_a_traceback(
    project: pytest.Pytester, args: list[str], where: str
) -> None:
    """Was a ``UsageError`` raised inside the fixture: a traceback through pytest's and
    the plugin's code, and no word of which option chose the folder."""
    _test_file(
        project,
        """
        def test_gateway(contractgate_gateway):
            pass

        def test_contract(contractgate_contract):
            pass
        """,
    )
    result = project.runpytest_subprocess(*args)
    result.assert_outcomes(errors=2)
    folder = project.path / args[-1].split("=")[-1]
    where = where.format(root=project.path)
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at setup of test_gateway _*",
            f"contractgate_gateway: contracts folder not found: {folder} ({where})",
            "*_ ERROR at setup of test_contract _*",
            f"contractgate_contract: contracts folder not found: {folder} ({where})",
        ]
    )
    out = result.stdout.str()
    assert "pytest_plugin.py" not in out and "UsageError" not in out


# ---------------------------------------------------------------------------- async


def test_the_async_client_with_pytest_asyncio_disabled_is_skipped(
    project: pytest.Pytester,
) -> None:
    """With ``-p no:asyncio`` a sync test using the async client failed ("requested an
    async fixture ... with no plugin or hook that handled it") and an async one ended
    in an AssertionError inside pytest's fixture code. Now both are skipped, saying why,
    as when pytest-asyncio is not installed."""
    pytest.importorskip("pytest_asyncio")
    _test_file(
        project,
        """
        def test_sync(contractgate_async_client):
            pass

        async def test_async(contractgate_async_client):
            pass

        def test_other(contractgate_gateway):
            assert contractgate_gateway.running
        """,
    )
    result = project.runpytest_subprocess("-p", "no:asyncio", "-rs")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]2[]] *: contractgate_async_client needs pytest-asyncio, installed "
            "(pip install pytest-asyncio) and not disabled (-p no:asyncio)"
        ]
    )


# ---------------------------------------------------------------------------- loaders


def test_deployed_contract_failures_read_once_and_never_show_the_key(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A failing ``contractgate_deployed_contract`` showed its message twice, joined by
    "During handling of the above exception, another exception occurred"."""
    key, wrong = "cg_live_" + "5ec7e7" * 8, "cg_live_" + "0ther5" * 8
    with LocalGateway(contracts_dir=project.path / "contracts", api_keys=key) as gw:
        monkeypatch.setenv("CONTRACTGATE_BASE_URL", gw.base_url)
        monkeypatch.setenv("CONTRACTGATE_API_KEY", key)
        monkeypatch.setenv("CONTRACTGATE_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("WRONG_KEY", wrong)
        _test_file(
            project,
            """
            import os

            def test_found(contractgate_deployed_contract):
                assert contractgate_deployed_contract("signup").contract.version == "1.0.0"

            def test_unknown(contractgate_deployed_contract):
                contractgate_deployed_contract("sign_up")

            def test_wrong_key(contractgate_deployed_contract, monkeypatch):
                monkeypatch.setenv("CONTRACTGATE_API_KEY", os.environ["WRONG_KEY"])
                contractgate_deployed_contract("signup", version="0.9.0")
            """,
        )
        result = project.runpytest_subprocess("-l", "-vv")
    result.assert_outcomes(passed=1, failed=2)
    failures = _failures(result)
    assert "During handling" not in failures
    assert failures.count("no contract named 'sign_up'") == 1
    result.stdout.fnmatch_lines(
        [
            "*_ test_unknown _*",
            "contractgate_deployed_contract: no contract named 'sign_up' on http://127.0.0.1:*",
            "*_ test_wrong_key _*",
            "contractgate_deployed_contract: Unauthorized: missing or invalid API key *",
        ]
    )
    everything = result.stdout.str() + result.stderr.str()
    assert key not in everything and wrong not in everything


def test_contract_loaders_refuse_a_name_that_is_no_string(project: pytest.Pytester) -> None:
    """``contractgate_contract(None)`` was a TypeError from inside ``uuid``
    ("encoding without a string argument"), the deployed loader's an AttributeError."""
    _test_file(
        project,
        """
        def test_none(contractgate_contract):
            contractgate_contract(None)

        def test_numeric_version(contractgate_contract):
            contractgate_contract("signup", version=1.0)

        def test_deployed_none(contractgate_deployed_contract):
            contractgate_deployed_contract(None)
        """,
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines_random(
        [
            "E   *TypeError: contractgate_contract: the contract name must be a str, got None",
            "E   *TypeError: contractgate_contract: version must be a str or None, got 1.0",
            "E   *TypeError: contractgate_deployed_contract: the contract name must be a str, "
            "got None",
        ]
    )


# ---------------------------------------------------------------------------- comparisons


def test_equal_violations_leave_the_comparison_to_pytest(project: pytest.Pytester) -> None:
    """``assert a == b`` between verdicts with the same violations fails for another
    reason (the event's index, the type); the plugin said "the same violations on both
    sides" and so hid pytest's own comparison, which names the differing attribute."""
    _test_file(
        project,
        """
        def test_same_violations(contractgate_client, contractgate_gateway):
            r = contractgate_client.ingest(contractgate_gateway.contract_id("signup"),
                                           [BAD, BAD])
            assert r.results[0] == r.results[1]

        def test_local_and_gateway(contractgate_client, contractgate_gateway,
                                   contractgate_contract):
            r = contractgate_client.ingest(contractgate_gateway.contract_id("signup"), [BAD])
            assert contractgate_contract("signup").validate(BAD) == r.results[0]
        """,
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_same_violations _*",
            "E         Differing attributes:",
            "E         [[]'index', *",
            "*_ test_local_and_gateway _*",
            "E       assert ValidationResult(passed=False*== IngestEventResult(*",
        ]
    )
    assert "the same violations" not in result.stdout.str()


# ---------------------------------------------------------------------------- isolation


def test_each_test_starts_with_full_rate_buckets(project: pytest.Pytester) -> None:
    """The session's gateway kept its token buckets from test to test: after a few
    hundred quick requests, a later test's requests were answered 429 because of what
    ran before it (and passed when run alone)."""
    _test_file(
        project,
        """
        import httpx

        def test_1_drains_the_bucket(contractgate_gateway):
            gw = contractgate_gateway
            with httpx.Client(base_url=gw.base_url, headers={"x-api-key": gw.api_key}) as h:
                for _ in range(5000):
                    if h.get("/contracts").status_code == 429:
                        break
                else:
                    raise AssertionError("never limited")

        def test_2_has_a_full_bucket(contractgate_gateway):
            gw = contractgate_gateway
            with httpx.Client(base_url=gw.base_url, headers={"x-api-key": gw.api_key}) as h:
                codes = [h.get("/contracts").status_code for _ in range(100)]
            assert set(codes) == {200}
        """,
    )
    project.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=2)


# ---------------------------------------------------------------------------- testing helpers

FRESH = """\
version: "1.0.0"
name: fresh
ontology:
  entities:
    - {name: ts, type: integer}
    - {name: note, type: string, required: false}
quality:
  - {field: ts, type: freshness, max_age_seconds: 60}
"""

NOW = 1_750_000_000


def test_now_pins_the_clock_of_both_helpers() -> None:
    fresh = Contract.from_yaml(FRESH).compile()
    assert_valid(fresh, {"ts": NOW - 60}, now=NOW)
    assert_invalid(fresh, {"ts": NOW - 61}, kinds="freshness_violation", only=True, now=NOW)
    with pytest.raises(AssertionError, match="timestamp is 61s old"):
        assert_valid(fresh, {"ts": NOW - 61}, now=NOW)
    with pytest.raises(AssertionError, match=r"^event satisfies contract 'fresh' 1\.0\.0"):
        assert_invalid(fresh, {"ts": NOW - 60}, now=NOW)


def test_several_kinds_and_fields_read_as_a_list() -> None:
    fresh = Contract.from_yaml(FRESH).compile()
    with pytest.raises(AssertionError) as ei:
        assert_invalid(fresh, {"ts": "x"}, kinds=["type_mismatch", "enum_violation"],
                       fields=["ts", "note"], now=NOW)  # fmt: skip
    assert str(ei.value).splitlines()[0] == (
        "event fails contract 'fresh' 1.0.0, but not as expected (kind type_mismatch and "
        "enum_violation, field 'ts' and 'note'): no enum_violation violation; "
        "no violation on field 'note'"
    )


def test_an_event_of_exactly_the_limit_is_shown_whole() -> None:
    fresh = Contract.from_yaml(FRESH).compile()
    for size, cut in ((240, False), (241, True)):
        event = {"ts": "x", "note": ""}
        event["note"] = "n" * (size - len(repr(event)))
        assert len(repr(event)) == size
        with pytest.raises(AssertionError) as ei:
            assert_valid(fresh, event, now=NOW)
        last = str(ei.value).splitlines()[-1]
        assert last.endswith("...") is cut
        assert len(last) == len("event: ") + 240
