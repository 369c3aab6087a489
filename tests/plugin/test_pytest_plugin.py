"""The pytest plugin the way users meet it: scratch projects run by ``pytester``, using
each fixture and helper, with assertions on the text of the failure reports."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

SIGNUP = """\
version: "{version}"
name: signup
ontology:
  entities:
    - name: email
      type: string
      pattern: "^[^@]+@[^@]+$"
    - name: age
      type: integer
      min: {min_age}
    - name: plan
      type: string
      enum: [free, pro]
"""

DRAFTY = """\
version: "0.1.0"
name: drafty
ontology:
  entities:
    - {name: id, type: string}
"""

BROKEN = """\
version: "1.0.0"
name: broken
ontology:
  entities:
    - {name: id, type: string, pattern: "([a-z"}
"""

MANIFEST = """\
contracts:
  drafty:
    versions:
      "0.1.0": draft
"""

GOOD = '{"email": "ada@example.com", "age": 36, "plan": "pro"}'
BAD = '{"email": "nope", "age": 9, "plan": "pro"}'


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A scratch project: contracts/ (signup 1.0.0 and 0.9.0, a draft-only and a broken
    contract) and an ini naming the folder."""
    contracts = pytester.mkdir("contracts")
    (contracts / "signup.yaml").write_text(SIGNUP.format(version="1.0.0", min_age=13))
    (contracts / "signup_old.yaml").write_text(SIGNUP.format(version="0.9.0", min_age=16))
    (contracts / "drafty.yaml").write_text(DRAFTY)
    (contracts / "broken.yaml").write_text(BROKEN)
    (contracts / "_gateway.yaml").write_text(MANIFEST)
    pytester.makeini(
        """
        [pytest]
        contractgate_contracts = contracts
        asyncio_default_fixture_loop_scope = function
        """
    )
    return pytester


def _test_file(project: pytest.Pytester, source: str) -> None:
    project.makepyfile(
        test_scratch=f"GOOD = {GOOD}\nBAD = {BAD}\n" + textwrap.dedent(source).lstrip()
    )


# ---------------------------------------------------------------------------- readable asserts


def test_a_failed_passed_assert_lists_each_violation(project: pytest.Pytester) -> None:
    _test_file(
        project,
        """
        def test_inline(contractgate_contract):
            assert contractgate_contract("signup").validate(BAD).passed

        def test_named(contractgate_contract):
            result = contractgate_contract("signup").validate(BAD)
            assert result.passed

        def test_passes(contractgate_contract):
            assert contractgate_contract("signup").validate(GOOD).passed

        def test_without_source(contractgate_contract):
            exec("assert vr.passed", {"vr": contractgate_contract("signup").validate(BAD)})
        """,
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=1, failed=3)
    assert "could not explain" not in result.stdout.str()
    for name in ("test_inline", "test_named"):
        result.stdout.fnmatch_lines(
            [
                f"*_ {name} _*",
                "E       assert False",
                "E       contractgate: ValidationResult has 2 violations:",
                "E         email  pattern_mismatch  "
                "Field 'email' value \"nope\" does not match required pattern",
                "E         age    range_violation   Field 'age' value 9 is below minimum 13",
            ]
        )


def test_comparing_verdicts_shows_the_difference(project: pytest.Pytester) -> None:
    _test_file(
        project,
        """
        def test_no_violations(contractgate_contract):
            vr = contractgate_contract("signup").validate(BAD)
            assert vr.violations == []

        def test_two_verdicts(contractgate_contract):
            signup = contractgate_contract("signup")
            assert signup.validate(BAD) == signup.validate({**BAD, "age": 20})

        def test_plain_list(contractgate_contract):
            vr = contractgate_contract("signup").validate({**BAD, "email": "a@b"})
            assert list(vr.violations) == []

        def test_verdict_on_the_right(contractgate_contract):
            vr = contractgate_contract("signup").validate({**BAD, "email": "a@b"})
            assert [] == vr.violations

        def test_not_equal(contractgate_contract):
            signup = contractgate_contract("signup")
            assert signup.validate(BAD) != signup.validate(BAD)
        """,
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=5)
    result.stdout.fnmatch_lines(
        [
            "*_ test_no_violations _*",
            "E       assert [2 violations] == [no violations]",
            "E         only on the left (2):",
            "E           email  pattern_mismatch  Field 'email' value*",
            "E           age    range_violation   Field 'age' value 9 is below minimum 13",
            "*_ test_two_verdicts _*",
            "E       assert ValidationResult(2 violations) == ValidationResult(1 violation)",
            "E         only on the left (1):",
            "E           age  range_violation  Field 'age' value 9 is below minimum 13",
            "*_ test_plain_list _*",
            # (pytest keeps "AssertionError: " before some messages, by their quotes)
            "E       *assert [[]1 violation] == [[]no violations]",
            "E         only on the left (1):",
            "*_ test_verdict_on_the_right _*",
            "E       *assert [[]no violations] == [[]1 violation]",
            "E         only on the right (1):",
            "*_ test_not_equal _*",
            "E       assert ValidationResult(2 violations) != ValidationResult(2 violations)",
            "E         the same violations on both sides:",
        ]
    )
    # the comparison already showed everything: no second copy of the table. Count in
    # the failure reports only: with CI set in the environment, pytest's short summary
    # repeats each failure's whole message.
    failures = result.stdout.str().split("short test summary info")[0]
    assert failures.count("contractgate: ValidationResult has") == 1


def test_a_failed_ingest_assert_lists_the_failing_events(project: pytest.Pytester) -> None:
    _test_file(
        project,
        """
        def test_ingest(contractgate_client, contractgate_gateway):
            r = contractgate_client.ingest(contractgate_gateway.contract_id("signup"),
                                           [GOOD, BAD])
            assert r.failed == 0
        """,
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       assert 1 == 0",
            "E       contractgate: BatchIngestResponse: 1 failing event of 2:",
            "E         event 1:",
            "E           email  pattern_mismatch  Field 'email' value*",
            "E           age    range_violation   Field 'age' value 9 is below minimum 13",
        ]
    )


def test_assert_valid_and_assert_invalid(project: pytest.Pytester) -> None:
    _test_file(
        project,
        """
        from contractgate.testing import assert_invalid, assert_valid

        def test_valid_ok(contractgate_contract):
            assert_valid(contractgate_contract("signup"), GOOD)

        def test_invalid_ok(contractgate_contract):
            assert_invalid(contractgate_contract("signup"), BAD,
                           kinds=["range_violation", "pattern_mismatch"], fields="age")

        def test_valid_fails(contractgate_contract):
            assert_valid(contractgate_contract("signup"), BAD)

        def test_invalid_passes(contractgate_contract):
            assert_invalid(contractgate_contract("signup"), GOOD, kinds="enum_violation")

        def test_invalid_for_another_reason(contractgate_contract):
            assert_invalid(contractgate_contract("signup"), BAD, kinds="enum_violation",
                           fields="age", only=True)
        """,
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*_ test_valid_fails _*",
            "E   *AssertionError: event fails contract 'signup' 1.0.0 with 2 violations:",
            "E   *  email  pattern_mismatch  Field 'email' value*",
            "E   *  age    range_violation   Field 'age' value 9 is below minimum 13",
            "E   *event: {'email': 'nope', 'age': 9, 'plan': 'pro'}",
            "*_ test_invalid_passes _*",
            "E   *AssertionError: event satisfies contract 'signup' 1.0.0; "
            "expected it to fail (kind enum_violation)",
            "*_ test_invalid_for_another_reason _*",
            "E   *AssertionError: event fails contract 'signup' 1.0.0, but not as expected "
            "(kind enum_violation, field 'age'): no enum_violation violation; "
            "2 other violations (only=True): pattern_mismatch on 'email', "
            "range_violation on 'age'",
            "E   *its 2 violations:",
        ]
    )
    # a helper's message already lists the violations: the plugin adds nothing
    assert "contractgate: ValidationResult" not in result.stdout.str()


def test_an_explanation_that_fails_leaves_the_report_alone(project: pytest.Pytester) -> None:
    """A verdict the explanation cannot read (a hand-made one holding no violation)
    costs a warning, not the user's failure report."""
    _test_file(
        project,
        """
        from contractgate import ValidationResult

        def test_odd():
            vr = ValidationResult(passed=False, violations=[1])
            assert vr.passed
        """,
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_odd _*",
            "E       assert False",
            "*contractgate: could not explain the failure: AttributeError(*",
        ]
    )


# ---------------------------------------------------------------------------- contracts by name


def test_contract_fixture_loads_by_name_and_version(project: pytest.Pytester) -> None:
    _test_file(
        project,
        """
        def test_latest_stable(contractgate_contract):
            signup = contractgate_contract("signup")
            assert (signup.contract.name, signup.contract.version) == ("signup", "1.0.0")
            assert signup.validate({**GOOD, "age": 14}).passed
            assert contractgate_contract("signup") is signup  # loaded once a session

        def test_pinned(contractgate_contract):
            old = contractgate_contract("signup", version="0.9.0")
            assert not old.validate({**GOOD, "age": 14}).passed

        def test_draft_by_version(contractgate_contract):
            assert contractgate_contract("drafty", version="0.1.0").validate({"id": "a"}).passed

        def test_unknown(contractgate_contract):
            contractgate_contract("sign_up")

        def test_no_stable(contractgate_contract):
            contractgate_contract("drafty")

        def test_missing_version(contractgate_contract):
            contractgate_contract("signup", version="3.0.0")

        def test_broken(contractgate_contract):
            contractgate_contract("broken")
        """,
    )
    (project.path / "contracts" / "unreadable.yaml").write_text("version: [\n")
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=3, failed=4)
    result.stdout.fnmatch_lines_random(
        [
            "*contractgate_contract: no contract named 'sign_up' in *contracts "
            "(contracts: broken, drafty, signup)",
            "  could not load *unreadable.yaml*",
            "*contractgate_contract: 'drafty' has no stable version; pass version= "
            "(versions: 0.1.0)",
            "*contractgate_contract: 'signup' has no version '3.0.0' (versions: 0.9.0, 1.0.0)",
            "*contractgate_contract: 'broken' 1.0.0 (*broken.yaml) does not compile: *",
        ]
    )


def test_contract_fixture_needs_the_folder(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(contractgate_contract):\n    pass\n")
    result = pytester.runpytest_subprocess("--contractgate-contracts=nowhere")
    result.stdout.fnmatch_lines(["*contractgate_contract: contracts folder not found:*nowhere*"])
    assert result.ret != 0


def test_contracts_folder_relative_to_the_ini_file(
    project: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The ini value is relative to the ini file, wherever the rootdir is."""
    _test_file(
        project,
        """
        def test_found(contractgate_contract):
            assert contractgate_contract.names == ["broken", "drafty", "signup"]
        """,
    )
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    project.runpytest_subprocess(f"--rootdir={elsewhere}").assert_outcomes(passed=1)


def test_contracts_folder_of_the_working_directory_first(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an option: ``contracts`` in the working directory, then in the rootdir;
    when neither exists, the error names the rootdir's."""
    pytester.makeini("[pytest]\n")
    sub = pytester.mkdir("sub")
    (sub / "contracts").mkdir()
    (sub / "contracts" / "signup.yaml").write_text(SIGNUP.format(version="1.0.0", min_age=13))
    (sub / "test_sub.py").write_text(
        "def test_found(contractgate_contract):\n"
        "    assert contractgate_contract.names == ['signup']\n"
    )
    monkeypatch.chdir(sub)
    pytester.runpytest_subprocess("test_sub.py").assert_outcomes(passed=1)
    monkeypatch.chdir(pytester.mkdir("other"))
    result = pytester.runpytest_subprocess(str(sub / "test_sub.py"))
    result.stdout.fnmatch_lines(
        [f"*contractgate_contract: contracts folder not found: {pytester.path / 'contracts'} *"]
    )


# ---------------------------------------------------------------------------- isolation


def test_isolated_gateway_per_test(project: pytest.Pytester) -> None:
    _test_file(
        project,
        """
        import pytest

        def ingest(client, gw, events):
            return client.ingest(gw.contract_id("signup"), events)

        def test_1_shared_writes(contractgate_client, contractgate_gateway):
            ingest(contractgate_client, contractgate_gateway, [GOOD, BAD])
            assert contractgate_gateway.count_rows("audit") == 2

        def test_2_isolated_starts_empty(contractgate_client, contractgate_isolated_gateway):
            gw = contractgate_isolated_gateway
            assert gw.count_rows("audit") == 0
            assert contractgate_client.audit() == []
            ingest(contractgate_client, gw, [BAD])
            assert gw.count_rows("quarantine") == 1
            gw.faults.fail_next(10, status=503)

        @pytest.mark.usefixtures("contractgate_isolated_gateway")
        def test_3_isolated_again(contractgate_client, contractgate_gateway):
            assert contractgate_gateway.count_rows("quarantine") == 0
            assert contractgate_gateway.faults.pending() == []

        def test_4_shared_rows_are_back(contractgate_gateway):
            assert contractgate_gateway.count_rows("audit") == 2
        """,
    )
    result = project.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        ["*UserWarning: contractgate_gateway: *broken.yaml: does not compile (ingest will *"]
    )


def test_the_session_gateway_stops_with_the_session(project: pytest.Pytester) -> None:
    """In-process, as an IDE or a test of a test runs pytest: nothing keeps serving."""
    import httpx

    noted = project.path / "gateway_url"
    _test_file(
        project,
        f"""
        def test_note_the_url(contractgate_gateway):
            open({str(noted)!r}, "w").write(contractgate_gateway.base_url)
        """,
    )
    project.runpytest_inprocess().assert_outcomes(passed=1)
    url = noted.read_text()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/health", timeout=5)


def test_admin_reset_over_http(project: pytest.Pytester) -> None:
    _test_file(
        project,
        """
        import httpx

        def test_reset(contractgate_client, contractgate_gateway):
            gw = contractgate_gateway
            contractgate_client.ingest(gw.contract_id("signup"), [GOOD, BAD])
            r = httpx.post(gw.base_url + "/_admin/reset")
            assert r.status_code == 200 and r.json()["deleted"]["audit_log"] == 2
            assert gw.count_rows("audit") == 0
        """,
    )
    project.runpytest_subprocess("--contractgate-admin").assert_outcomes(passed=1)
    project.runpytest_subprocess("-o", "contractgate_admin=true").assert_outcomes(passed=1)
    without = project.runpytest_subprocess()
    without.assert_outcomes(failed=1)
    without.stdout.fnmatch_lines(["*assert (404 == 200*"])


# ---------------------------------------------------------------------------- async


def test_async_client_in_strict_mode(project: pytest.Pytester) -> None:
    """A bare ``async def`` test (no mark) using the async client runs under
    pytest-asyncio's default strict mode; other async tests still need their mark."""
    pytest.importorskip("pytest_asyncio")
    _test_file(
        project,
        """
        import pytest

        async def test_bare(contractgate_async_client, contractgate_gateway):
            r = await contractgate_async_client.ingest(
                contractgate_gateway.contract_id("signup"), [GOOD])
            assert r.passed == 1

        @pytest.mark.asyncio
        async def test_marked(contractgate_async_client):
            assert [c.name for c in await contractgate_async_client.list_contracts()]

        @pytest.mark.parametrize("n", [1, 2])
        async def test_parametrized(contractgate_async_client, n):
            assert len(await contractgate_async_client.list_contracts()) >= n

        async def test_unrelated_async_test_is_left_alone():
            pass
        """,
    )
    result = project.runpytest_subprocess("-p", "pytest_asyncio", "-o", "asyncio_mode=strict")
    result.stdout.fnmatch_lines(["*asyncio: mode=*STRICT*"])
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_unrelated_async_test_is_left_alone _*",
            "async def functions are not natively supported.",
        ]
    )
