"""``contractgate diff``: files and git revisions, the version policy, the fixtures that
now fail, the three output formats and the exit codes of docs/cli.md."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

from conftest import REPO, Result, git

Run = Callable[..., Result]
OLD = str(REPO / "contracts/user_events/1.0.0.yaml")
NEW = str(REPO / "contracts/user_events/1.1.0.yaml")


@pytest.fixture(autouse=True)
def _no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run outside any repository unless a test moves (no config found upwards)."""
    (tmp_path / "empty" / ".git").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "empty")


def test_breaking_minor_release_fails_with_what_breaks_and_how_to_proceed(cli: Run) -> None:
    r = cli("diff", OLD, NEW, "--color", "never")
    assert r.code == 1, r
    lines = r.out.splitlines()
    assert lines[0].endswith("user_events 1.0.0 -> 1.1.0 (minor), against " + OLD)
    assert lines[1] == (
        '  ✗ event_type  enum_value_removed  "view"  — breaks producers: events with '
        'event_type "view" are now rejected'
    )
    assert lines[2] == (
        '  ✗ event_type  enum_value_added  "login"  — breaks consumers: event_type may now be '
        '"login"'
    )
    assert lines[3] == (
        "✗ breaking change with a minor version step (1.0.0 -> 1.1.0); the policy needs a "
        "major step (breaking.require: major)"
    )
    assert "bump the version to 2.0.0" in lines[4] and "--allow-breaking" in lines[4]


def test_the_policy_and_the_overrides(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    r = cli("diff", OLD, NEW, "--require", "minor", "--color", "never")
    assert r.code == 0, r
    assert "released as a minor version step (breaking.require: minor): accepted" in r.out
    assert cli("diff", OLD, NEW, "--require", "never").code == 1
    r = cli("diff", OLD, NEW, "--allow-breaking")
    assert r.code == 0 and "allowed by --allow-breaking" in r.err
    monkeypatch.setenv("CONTRACTGATE_ALLOW_BREAKING", "1")
    assert cli("diff", OLD, NEW).code == 0


def test_policy_from_the_config(cli: Run, tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.yml"
    cfg.write_text("breaking:\n  require: minor\n  sides: [producers]\n")
    assert cli("diff", OLD, NEW, "--config", str(cfg)).code == 0
    cfg.write_text("breaking:\n  require: sometimes\n")
    r = cli("diff", OLD, NEW, "--config", str(cfg))
    assert r.code == 3 and "breaking.require must be one of major, minor, patch" in r.err
    cfg.write_text("breaking: major\n")
    assert cli("diff", OLD, NEW, "--config", str(cfg)).code == 3


def test_only_the_sides_the_policy_names_count(cli: Run, tmp_path: Path) -> None:
    # a widened type breaks consumers only
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    body = 'version: "{v}"\nname: t\nontology:\n  entities:\n    - {{name: n, type: {t}}}\n'
    a.write_text(body.format(v="1.0.0", t="integer"))
    b.write_text(body.format(v="1.0.1", t="float"))
    cfg = tmp_path / "cfg.yml"
    cfg.write_text("breaking: {sides: [producers]}\n")
    assert cli("diff", str(a), str(b), "--config", str(cfg)).code == 0
    assert cli("diff", str(a), str(b)).code == 1


def test_no_change_and_same_file(cli: Run) -> None:
    r = cli("diff", NEW, NEW, "--color", "never")
    assert r.code == 0 and "✓ no change that affects verdicts" in r.out
    assert cli("diff", NEW, NEW, "-q").out == ""


def test_json_and_github_formats(cli: Run) -> None:
    doc = cli("diff", OLD, NEW, "--format", "json").json()
    assert doc["command"] == "diff" and doc["exit_code"] == 1 and not doc["ok"]
    (res,) = doc["results"]
    assert res["blocking"] is True
    assert [
        (c["kind"], c["path"], c["producers"], c["consumers"]) for c in res["diff"]["changes"]
    ] == [
        ("enum_value_removed", "event_type", "breaking", "none"),
        ("enum_value_added", "event_type", "none", "breaking"),
    ]
    assert res["diff"]["bump"] == "minor"
    gh = cli("diff", OLD, NEW, "--format", "github").out.splitlines()
    assert gh[0].startswith(f"::error file={NEW},title=contractgate%3A enum_value_removed::")
    assert gh[-1].startswith(f"::error file={NEW},title=contractgate%3A breaking change::")


def test_usage_errors(cli: Run, tmp_path: Path) -> None:
    r = cli("diff", OLD)
    assert r.code == 2 and "diff takes OLD and NEW" in r.err
    r = cli("diff", OLD, str(tmp_path / "missing.yaml"))
    assert r.code == 2 and "contract file does not exist" in r.err
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: x\nontology: {entities: [{name: a, type: int}]}\n")
    r = cli("diff", OLD, str(bad))
    assert r.code == 2 and "unknown variant `int`" in r.err


# ------------------------------------------------------------------ git revisions


def test_staged_contract_against_head_lists_the_fixtures_that_now_fail(
    cli: Run, repo: Path
) -> None:
    shutil.copy(REPO / "contracts/user_events/1.1.0.yaml", repo / "contracts/user_events.yaml")
    r = cli("diff", "--base", "HEAD", "contracts/user_events.yaml", "--color", "never")
    assert r.code == 1, r
    assert "against contracts/user_events.yaml@HEAD" in r.out
    assert "fixtures that now fail (1):" in r.out
    assert (
        "    fixtures/user_events.ndjson:1: record 1: event_type: Field 'event_type' value "
        '"view" not in allowed set: ["login", "purchase", "click"] [enum_violation]'
    ) in r.out
    # the same through git:REF:PATH
    r = cli("diff", "git:HEAD:contracts/user_events.yaml", "contracts/user_events.yaml")
    assert r.code == 1 and "fixtures that now fail (1):" in r.out
    # a major bump is what the default policy asks for
    path = repo / "contracts/user_events.yaml"
    path.write_text(path.read_text().replace('"1.1.0"', '"2.0.0"'))
    r = cli("diff", "--base", "HEAD", "contracts/user_events.yaml", "--color", "never")
    assert r.code == 0 and "released as a major version step" in r.out


def test_versioned_layout_compares_with_the_previous_version_of_the_same_name(
    cli: Run, repo: Path
) -> None:
    (repo / "contracts/user_events").mkdir()
    git(repo, "mv", "contracts/user_events.yaml", "contracts/user_events/1.0.0.yaml")
    git(repo, "commit", "-q", "-m", "versioned layout")
    shutil.copy(
        REPO / "contracts/user_events/1.1.0.yaml", repo / "contracts/user_events/1.1.0.yaml"
    )
    shutil.copy(REPO / "contracts/_gateway.yaml", repo / "contracts/_gateway.yaml")
    r = cli(
        "diff", "--base", "HEAD", "contracts/user_events/1.1.0.yaml", "contracts/_gateway.yaml",
        "-v", "--color", "never",
    )  # fmt: skip
    assert r.code == 1, r
    assert "against contracts/user_events/1.0.0.yaml@HEAD" in r.out
    assert "skipped contracts/_gateway.yaml (not a contract file)" in r.out


def test_pattern_change_is_decided_by_the_fixtures(cli: Run, repo: Path) -> None:
    path = repo / "contracts/user_events.yaml"
    path.write_text(path.read_text().replace("^[a-z0-9_]+$", "^[a-z0-9_]{8,}$"))
    r = cli("diff", "--base", "HEAD", "contracts/user_events.yaml", "--color", "never")
    assert r.code == 1, r  # "bob_02" passed before and is now too short
    assert "pattern_changed" in r.out and "breaks producers, may break consumers" in r.out
    assert "fixtures/user_events.ndjson:2: record 2: user_id:" in r.out
    r = cli("diff", "--base", "HEAD", "contracts/user_events.yaml", "--no-fixtures")
    assert r.code == 0, r  # undecided changes only warn by default
    assert "1 change(s) whose effect is undecided (no fixtures mapped)" in r.err


def test_new_contracts_and_bad_revisions(cli: Run, repo: Path) -> None:
    shutil.copy(REPO / "contracts/orders.yaml", repo / "contracts/orders.yaml")
    r = cli("diff", "--base", "HEAD", "contracts/orders.yaml", "-v")
    assert r.code == 0 and "a new contract (nothing at HEAD to compare with)" in r.out
    r = cli("diff", "--base", "nope", "contracts/orders.yaml")
    assert r.code == 2 and "git knows no such revision" in r.err
    r = cli("diff", "git:HEAD:contracts/missing.yaml", "contracts/orders.yaml")
    assert r.code == 2 and "does not exist at HEAD" in r.err


# -- the verdict, as a function (each from a surviving mutant) ---------------------------


@pytest.mark.parametrize(
    "version, require, suggested",
    [
        ("1.4.2", "major", "2.0.0"),
        ("0.4.2", "major", "0.5.0"),  # below 1.0 a minor step is the breaking one
        ("0.4.2", "minor", "0.5.0"),
        ("1.4.2", "minor", "1.5.0"),
        ("1.4.2", "patch", "1.4.3"),
        ("v2", "major", "v3.0.0"),
        ("next", "major", None),
        ("1.4.2-rc.1+b7", "patch", "1.4.3"),
        ("1.4.2junk", "major", None),  # read as version_bump reads it: no version number
    ],
)
def test_the_suggested_version(version: str, require: str, suggested: str) -> None:
    from contractgate.cli._diff import _next_version

    assert _next_version(version, require) == suggested


def _decide(old: str, new: str, **policy: object) -> object:
    from contractgate.cli._diff import Policy, decide
    from contractgate.contract import Contract

    diff = Contract.from_file(old).diff(Contract.from_file(new))
    allow = bool(policy.pop("allow", False))
    return decide(diff, Policy(**policy), allow=allow)  # type: ignore[arg-type]


def test_decide_advice_and_overrides() -> None:
    never = _decide(OLD, NEW, require="never")
    assert never.blocking and len(never.advice) == 1  # no version step can be suggested
    assert never.advice[0].startswith("accept it once: --allow-breaking")
    assert never.summary.endswith("the policy accepts no breaking change (breaking.require: never)")
    allowed = _decide(OLD, NEW, allow=True)
    assert not allowed.blocking and allowed.advice == []
    assert allowed.summary == "breaking change allowed by override"


def test_decide_on_undecided_changes(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    text = (REPO / "contracts/user_events/1.0.0.yaml").read_text()
    old.write_text(text)
    new.write_text(text.replace("^[a-z0-9_]+$", "^[a-z0-9_]{8,}$"))
    failing = _decide(str(old), str(new), unknown="fail")
    assert failing.blocking and failing.warnings == []  # failing, not also warned about
    assert failing.summary.startswith("undecided change with the same version (1.0.0 -> 1.0.0)")
    warned = _decide(str(old), str(new))
    assert not warned.blocking and len(warned.warnings) == 1


def test_the_base_version_is_the_highest_older_one_of_the_same_name(
    cli: Run, repo: Path
) -> None:
    folder = repo / "contracts/user_events"
    folder.mkdir()
    git(repo, "mv", "contracts/user_events.yaml", "contracts/user_events/1.0.0.yaml")
    text = (REPO / "contracts/user_events/1.1.0.yaml").read_text()
    (folder / "1.1.0.yaml").write_text(text)
    (folder / "3.0.0.yaml").write_text(text.replace('version: "1.1.0"', 'version: "3.0.0"'))
    (folder / "2.0.0-draft.yaml").write_text(text.replace('version: "1.1.0"', 'version: "2.0.0"'))
    (folder / "_notes.yaml").write_text(text.replace('version: "1.1.0"', 'version: "1.9.0"'))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "versions")
    (folder / "2.0.0.yaml").write_text(text.replace('version: "1.1.0"', 'version: "2.0.0"'))
    r = cli("diff", "--base", "HEAD", "contracts/user_events/2.0.0.yaml", "--color", "never")
    # not 3.0.0 (newer), not the other 2.0.0 (the same version), not _notes.yaml
    assert "against contracts/user_events/1.1.0.yaml@HEAD" in r.out, r.out


def test_git_paths_from_the_current_directory_and_a_repository_without_commits(
    cli: Run, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "contracts")
    r = cli("diff", "git:HEAD:./user_events.yaml", "user_events.yaml")
    assert r.code == 0, r
    assert "contracts/user_events.yaml@HEAD" in r.out
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    git(fresh, "init", "-q")
    (fresh / "a.yaml").write_text((REPO / "contracts/orders.yaml").read_text())
    monkeypatch.chdir(fresh)
    r = cli("diff", "--base", "HEAD", "a.yaml", "-v")
    assert r.code == 0, r
    assert "no HEAD yet: every contract is new" in r.out
