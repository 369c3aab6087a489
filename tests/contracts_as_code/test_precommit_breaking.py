"""The ``contractgate-breaking`` hook through the real ``pre-commit`` tool, on a
throw-away git repository: a staged contract that breaks producers and consumers in a
minor release is blocked with what breaks, the fixtures that now fail and how to
proceed; the override and a major bump let it through.

As in tests/cli/test_cli_precommit.py, the working tree is snapshotted into a temporary
git repository that pre-commit installs the hook from (about 15 s to build the hook
environment once). Slow: deselect with ``-m "not slow"``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from conftest import REPO, git

pytestmark = pytest.mark.slow

_SKIP = shutil.ignore_patterns(
    ".venv", "venv", ".git", "__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache",
    ".pytest_cache", "build", "dist", "*.egg-info",
)  # fmt: skip


def _ignore(directory: str, names: List[str]) -> Set[str]:
    skipped = set(_SKIP(directory, names))
    if Path(directory).name == "tests" and "data" in names:
        skipped.add("data")
    return skipped


def _pre_commit() -> List[str]:
    exe = Path(sys.executable).with_name("pre-commit")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "pre_commit"]


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("pre_commit")
    repo = tmp_path_factory.mktemp("hookrepo") / "contractgate"
    shutil.copytree(REPO, repo, ignore=_ignore)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "snapshot of the working tree")
    return repo


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def user_repo(tmp_path: Path, hook_repo: Path) -> Path:
    """user_events 1.0.0 committed, fixtures mapped, the hook configured."""
    root = tmp_path / "user"
    (root / "contracts").mkdir(parents=True)
    (root / "fixtures").mkdir()
    shutil.copy(REPO / "contracts/user_events/1.0.0.yaml", root / "contracts/user_events.yaml")
    (root / "fixtures/user_events.ndjson").write_text(
        '{"user_id": "alice_01", "event_type": "view", "timestamp": 1724252400}\n'
    )
    (root / ".contractgate.yml").write_text(
        'fixtures:\n  "fixtures/user_events.*": contracts/user_events.yaml\n'
    )
    head = git(hook_repo, "rev-parse", "HEAD").strip()
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {head}\n    hooks:\n"
        "      - id: contractgate-breaking\n"
    )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "user_events 1.0.0")
    return root


def _env(home: Path, extra: Dict[str, str]) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "VIRTUAL_ENV"))}
    env = {k: v for k, v in env.items() if not k.startswith("CONTRACTGATE_")}
    env.update(PRE_COMMIT_HOME=str(home), NO_COLOR="1", **extra)
    return env


def run_hook(root: Path, home: Path, **extra: str) -> Tuple[int, str]:
    """``pre-commit run`` on the staged files, as ``git commit`` would."""
    proc = subprocess.run(
        [*_pre_commit(), "run", "--verbose", "--color", "never"],
        cwd=root,
        capture_output=True,
        env=_env(home, extra),
        timeout=900,
    )
    return proc.returncode, proc.stdout.decode() + proc.stderr.decode()


def test_breaking_change_in_a_minor_release_is_blocked(user_repo: Path, home: Path) -> None:
    shutil.copy(REPO / "contracts/user_events/1.1.0.yaml", user_repo / "contracts/user_events.yaml")
    git(user_repo, "add", "-A")
    code, out = run_hook(user_repo, home)
    assert code == 1, out
    assert "contractgate breaking changes" in out and "Failed" in out
    assert "against contracts/user_events.yaml@HEAD" in out
    assert 'event_type  enum_value_removed  "view"  — breaks producers: events with' in out
    assert 'event_type  enum_value_added  "login"  — breaks consumers: event_type may' in out
    assert "fixtures that now fail (1):" in out
    assert "fixtures/user_events.ndjson:1: record 1: event_type: Field 'event_type'" in out
    assert "bump the version to 2.0.0" in out
    assert "SKIP=contractgate-breaking" in out

    # the override lets this one commit through, and says so
    code, out = run_hook(user_repo, home, CONTRACTGATE_ALLOW_BREAKING="1")
    assert code == 0, out
    assert "allowed by --allow-breaking / CONTRACTGATE_ALLOW_BREAKING" in out

    # a major bump is what the default policy asks for
    path = user_repo / "contracts/user_events.yaml"
    path.write_text(path.read_text().replace('"1.1.0"', '"2.0.0"'))
    git(user_repo, "add", "-A")
    code, out = run_hook(user_repo, home)
    assert code == 0, out
    assert "Passed" in out


def test_a_compatible_change_passes(user_repo: Path, home: Path) -> None:
    path = user_repo / "contracts/user_events.yaml"
    path.write_text(
        path.read_text().replace("enum: [click, view, purchase]", "enum: [click, view]")
    )
    # removing "purchase" breaks producers; but a new optional-free loosening does not
    path.write_text(
        (REPO / "contracts/user_events/1.0.0.yaml").read_text().replace(
            "      min: 0", "      min: -10"
        ).replace('"1.0.0"', '"1.0.1"')
    )  # fmt: skip
    git(user_repo, "add", "-A")
    code, out = run_hook(user_repo, home)
    assert code == 1 and "amount (min)" in out and "breaks consumers" in out
    # a repository that only protects producers lets it through
    (user_repo / ".contractgate.yml").write_text(
        'fixtures:\n  "fixtures/user_events.*": contracts/user_events.yaml\n'
        "breaking: {sides: [producers]}\n"
    )
    git(user_repo, "add", "-A")
    code, out = run_hook(user_repo, home)
    assert code == 0, out
