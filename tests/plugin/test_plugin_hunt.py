"""The pytest plugin and ``contractgate.testing`` against what users of pytest plugins
expect: nothing one test arms leaks into the next, the fixtures' clients reach the
local gateway whatever the environment's proxies, failure reports stay readable for
huge verdicts and never replace the user's ``AssertionError``, and a contract file that
cannot be loaded is never skipped silently. Scratch projects run by ``pytester``."""

from __future__ import annotations

from typing import Any

import pytest
import test_pytest_plugin
from test_pytest_plugin import _test_file

from contractgate import Contract
from contractgate.testing import assert_invalid, assert_valid, explain

pytest_plugins = ["pytester"]

#: The scratch project of test_pytest_plugin: contracts signup 1.0.0 and 0.9.0, a
#: draft-only and a broken one, and an ini naming the folder.
project = test_pytest_plugin.project


def _failures(result: pytest.RunResult) -> str:
    """The failure reports only (with CI set, the short summary repeats messages)."""
    return result.stdout.str().split("short test summary info")[0]


# ---------------------------------------------------------------------------- isolation


def test_faults_armed_in_one_test_do_not_fail_the_next(project: pytest.Pytester) -> None:
    """A fault armed on the session's gateway and not used up by its test was served to
    the next test, which failed with a 503 it never asked for (and passed alone)."""
    _test_file(
        project,
        """
        def test_1_arms_a_fault_it_does_not_use(contractgate_gateway):
            contractgate_gateway.faults.fail_next(5, status=503)

        def test_2_starts_without_faults(contractgate_client, contractgate_gateway):
            assert contractgate_gateway.faults.pending() == []
            r = contractgate_client.with_options(max_retries=0).ingest(
                contractgate_gateway.contract_id("signup"), [GOOD])
            assert r.passed == 1

        def test_3_faults_still_work_within_a_test(contractgate_client, contractgate_gateway):
            import pytest
            from contractgate.exceptions import ServerError
            contractgate_gateway.faults.fail_next(1, status=503)
            with pytest.raises(ServerError):
                contractgate_client.with_options(max_retries=0).list_contracts()
        """,
    )
    project.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=3)


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "ALL_PROXY"])  # (lower case alike)
def test_the_client_fixtures_reach_the_gateway_whatever_the_proxy_settings(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """With a proxy in the environment (as on many CI runners) the fixtures' clients sent
    their requests for the loopback gateway to the proxy: ConnectionError in every test."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv(variable, "http://127.0.0.1:9")  # the discard port: nothing there
    asyncio_test = ""
    args = ["-p", "no:asyncio"]
    try:
        import pytest_asyncio  # noqa: F401
    except ImportError:
        pass
    else:
        args = ["-p", "pytest_asyncio", "-o", "asyncio_mode=strict"]
        asyncio_test = """
        async def test_async(contractgate_async_client, contractgate_gateway):
            r = await contractgate_async_client.with_options(max_retries=0).ingest(
                contractgate_gateway.contract_id("signup"), [GOOD])
            assert r.passed == 1
        """
    _test_file(
        project,
        """
        def test_sync(contractgate_client, contractgate_gateway):
            r = contractgate_client.with_options(max_retries=0).ingest(
                contractgate_gateway.contract_id("signup"), [GOOD])
            assert r.passed == 1
        """
        + asyncio_test,
    )
    project.runpytest_subprocess(*args).assert_outcomes(passed=2 if asyncio_test else 1)


# ---------------------------------------------------------------------------- readable asserts


def test_a_huge_failing_batch_is_explained_in_bounded_lines(project: pytest.Pytester) -> None:
    """``assert r.failed == 0`` on an ingest of 10,000 failing events printed every
    event's violations: 30,000 lines of report for one failing test (1,000 here: 3,000
    lines before)."""
    _test_file(
        project,
        """
        def test_big(contractgate_client, contractgate_gateway):
            r = contractgate_client.ingest(contractgate_gateway.contract_id("signup"),
                                           [BAD] * 1000)
            assert r.failed == 0
        """,
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    failures = _failures(result)
    assert len(failures.splitlines()) < 150
    result.stdout.fnmatch_lines(
        [
            "E       contractgate: BatchIngestResponse: 1000 failing events of 1000:",
            "E         event 0:",
            "E           email  pattern_mismatch  Field 'email' value*",
            "E         ... and 975 more failing events (1950 violations)",
        ]
    )


def test_verbose_verbose_shows_every_failing_event(project: pytest.Pytester) -> None:
    """With -vv (pytest's "show me everything") nothing is cut."""
    _test_file(
        project,
        """
        def test_batch(contractgate_client, contractgate_gateway):
            r = contractgate_client.ingest(contractgate_gateway.contract_id("signup"),
                                           [BAD] * 40)
            assert r.failed == 0
        """,
    )
    result = project.runpytest_subprocess("-vv")
    result.assert_outcomes(failed=1)
    failures = _failures(result)
    assert "more failing events" not in failures
    result.stdout.fnmatch_lines(["E         event 39:"])


def _many_fields(n: int) -> Any:
    entities = "\n".join(f"    - {{name: f{i:03d}, type: string}}" for i in range(n))
    return Contract.from_yaml(
        f'version: "1.0.0"\nname: wide\nontology:\n  entities:\n{entities}\n'
    ).compile()


def test_explain_and_the_helpers_list_a_bounded_number_of_violations() -> None:
    wide = _many_fields(120)
    vr = wide.validate({})
    assert len(vr.violations) == 120
    text = explain(vr)
    assert text is not None
    lines = text.splitlines()
    assert lines[0] == "ValidationResult has 120 violations:"
    assert len(lines) == 1 + 50 + 1
    assert lines[-1] == "  ... and 70 more violations"
    full = explain(vr, max_violations=None)
    assert full is not None and len(full.splitlines()) == 121
    with pytest.raises(AssertionError) as ei:
        assert_valid(wide, {})
    message = str(ei.value).splitlines()
    assert len(message) == 1 + 50 + 1 + 1
    assert message[-2] == "  ... and 70 more violations"
    with pytest.raises(AssertionError) as ei:
        assert_invalid(wide, {}, kinds="enum_violation")
    assert "  ... and 70 more violations" in str(ei.value).splitlines()
    with pytest.raises(ValueError, match="max_violations"):
        explain(vr, max_violations=-1)


def test_a_helper_failure_with_many_violations_is_not_listed_twice(
    project: pytest.Pytester,
) -> None:
    """The plugin adds its table only when the message lacks it; the "... and N more"
    line is not a violation of the verdict, so it must not make the table look new."""
    entities = "\n".join(f"    - {{name: f{i:03d}, type: string}}" for i in range(60))
    (project.path / "contracts" / "wide.yaml").write_text(
        f'version: "1.0.0"\nname: wide\nontology:\n  entities:\n{entities}\n'
    )
    _test_file(
        project,
        """
        from contractgate.testing import assert_valid

        def test_helper(contractgate_contract):
            assert_valid(contractgate_contract("wide"), {})
        """,
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    failures = _failures(result)
    assert "contractgate: ValidationResult" not in failures
    assert failures.count("... and 10 more violations") == 1


def test_a_comparison_the_plugin_cannot_read_still_fails_as_the_assertion(
    project: pytest.Pytester,
) -> None:
    """An odd verdict in ``==`` made the plugin's comparison hook raise inside pytest's
    assertion machinery: the test failed with that AttributeError, not its assertion."""
    _test_file(
        project,
        """
        from contractgate import ValidationResult

        def test_odd_comparison():
            vr = ValidationResult(passed=False, violations=[1])
            assert vr == []
        """,
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_odd_comparison _*",
            "E       assert ValidationResult(passed=False, violations=[[]1[]]) == [[][]]",
            "*contractgate: could not explain the comparison: AttributeError(*",
        ]
    )
    assert "testing.py" not in _failures(result)


# ---------------------------------------------------------------------------- contracts by name

SIGNUP_2_UNREADABLE = """\
version: "2.0.0"
name: signup
ontology:
  entities:
    - name: email
      type: string
     pattern: "x"
"""


def test_a_contract_file_that_cannot_be_loaded_is_not_skipped_silently(
    project: pytest.Pytester,
) -> None:
    """signup 2.0.0 with a YAML error: ``contractgate_contract("signup")`` quietly gave
    1.0.0 (no warning unless the gateway fixture ran too), and ``version="2.0.0"``
    failed with "no version '2.0.0'" without naming the file that held it."""
    (project.path / "contracts" / "signup_2.yaml").write_text(SIGNUP_2_UNREADABLE)
    _test_file(
        project,
        """
        def test_latest(contractgate_contract):
            assert contractgate_contract("signup").contract.version == "1.0.0"

        def test_pinned(contractgate_contract):
            contractgate_contract("signup", version="2.0.0")
        """,
    )
    result = project.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_pinned _*",
            "contractgate_contract: 'signup' has no version '2.0.0' (versions: 0.9.0, 1.0.0)",
            "  could not load *signup_2.yaml: *line 7*",
            "*warnings summary*",
            "*UserWarning: contractgate_contract: *signup_2.yaml: *line 7*",
        ]
    )


def test_a_load_problem_warning_as_error_fails_every_test_alike(
    project: pytest.Pytester,
) -> None:
    """With ``-W error`` the problem is an error of each test using the fixture, not of
    the first one only."""
    (project.path / "contracts" / "signup_2.yaml").write_text(SIGNUP_2_UNREADABLE)
    _test_file(
        project,
        """
        def test_1(contractgate_contract):
            pass

        def test_2(contractgate_contract):
            pass
        """,
    )
    result = project.runpytest_subprocess("-W", "error::UserWarning")
    result.assert_outcomes(errors=2)


def test_the_deployed_loader_refuses_an_unhashable_name_clearly(
    project: pytest.Pytester,
) -> None:
    """A list as the name was ``TypeError: unhashable type: 'list'`` from the loader's
    cache, not the message naming the fixture and the value."""
    _test_file(
        project,
        """
        def test_list(contractgate_deployed_contract):
            contractgate_deployed_contract(["signup"])

        def test_list_version(contractgate_deployed_contract):
            contractgate_deployed_contract("signup", version=["1.0.0"])
        """,
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines_random(
        [
            "E   *TypeError: contractgate_deployed_contract: the contract name must be a str, "
            "got [[]'signup'[]]",
            "E   *TypeError: contractgate_deployed_contract: version must be a str or None, "
            "got [[]'1.0.0'[]]",
        ]
    )
    assert "unhashable type" not in result.stdout.str()
