"""The real ``pre-commit`` tool running our hooks from ``.pre-commit-hooks.yaml``.

``pre-commit try-repo`` installs the hook repository into its own virtualenv (``pip
install .`` of a clone, so it needs the package index for hatchling and the
dependencies) and runs the hooks in a throw-away git repository. try-repo only sees
committed and tracked-modified files of a local repo, so the test snapshots the current
source tree into a temporary git repository first: what is tested is the working tree,
committed or not.

Slow (one hook environment, about 15 s to build; reused across the tests of this module):
deselect with ``-m "not slow"``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
from cg_cli_testlib import REPO

pytestmark = pytest.mark.slow

_SKIP = shutil.ignore_patterns(
    ".venv",
    "venv",
    ".git",
    "__pycache__",
    "*.pyc",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "build",
    "dist",
    "*.egg-info",
)


def _ignore(directory: str, names: List[str]) -> Set[str]:
    skipped = set(_SKIP(directory, names))
    if Path(directory).name == "tests" and "data" in names:
        skipped.add("data")  # the corpora are not needed to install the hook
    return skipped


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=test@example.invalid", "-c", "user.name=test", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _pre_commit() -> List[str]:
    exe = Path(sys.executable).with_name("pre-commit")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "pre_commit"]


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (pip install -e '.[dev]')")
    repo = tmp_path_factory.mktemp("hookrepo") / "contractgate"
    shutil.copytree(REPO, repo, ignore=_ignore)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "snapshot of the working tree")
    return repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    """A user's repository: a contract, fixtures, and the mapping config."""
    root = tmp_path / "user"
    (root / "contracts").mkdir(parents=True)
    (root / "fixtures").mkdir()
    shutil.copy(REPO / "contracts/user_events/1.1.0.yaml", root / "contracts/user_events.yaml")
    shutil.copy(
        REPO / "examples/fixtures/user_events.good.ndjson",
        root / "fixtures/user_events.good.ndjson",
    )
    shutil.copy(
        REPO / "examples/fixtures/user_events.bad.json", root / "fixtures/user_events.bad.json"
    )
    (root / ".contractgate.yml").write_text(
        'fixtures:\n  "fixtures/user_events.*": contracts/user_events.yaml\n'
    )
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    return root


def _env(home: Path) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "VIRTUAL_ENV"))}
    env.update(PRE_COMMIT_HOME=str(home), NO_COLOR="1")
    return env


def _head(repo: Path) -> str:
    proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, check=True)
    return proc.stdout.decode().strip()


def try_repo(hook_repo: Path, home: Path, cwd: Path, *files: str) -> Tuple[int, str]:
    """``pre-commit try-repo HOOK_REPO --files …``: every hook of the manifest, in a fresh
    hook environment (try-repo never reuses one)."""
    proc = subprocess.run(
        [*_pre_commit(), "try-repo", str(hook_repo), "--color", "never", "--files", *files],
        cwd=cwd,
        capture_output=True,
        env=_env(home),
        timeout=900,
    )
    return proc.returncode, proc.stdout.decode() + proc.stderr.decode()


def run_config(hook_repo: Path, home: Path, cwd: Path, hooks: str, *files: str) -> Tuple[int, str]:
    """``pre-commit run`` with a ``.pre-commit-config.yaml`` as users write it (the hook
    environment is built once in ``home`` and reused)."""
    (cwd / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {_head(hook_repo)}\n    hooks:\n{hooks}"
    )
    _git(cwd, "add", "-A")
    selection = ["--files", *files] if files else ["--all-files"]
    proc = subprocess.run(
        [*_pre_commit(), "run", "--color", "never", *selection],
        cwd=cwd,
        capture_output=True,
        env=_env(home),
        timeout=900,
    )
    return proc.returncode, proc.stdout.decode() + proc.stderr.decode()


def _section(out: str, hook_name: str) -> str:
    """The part of pre-commit's output that belongs to one hook."""
    start = out.index(hook_name)
    rest = out[start + len(hook_name) :]
    for other in ("contractgate validate fixtures", "contractgate check contracts"):
        pos = rest.find(other)
        if pos >= 0:
            rest = rest[:pos]
    return rest


# -- try-repo: the hooks exactly as published ---------------------------------------


def test_try_repo_good_files_pass(hook_repo: Path, pre_commit_home: Path, user_repo: Path) -> None:
    # (a changed contract re-checks all its fixtures, so the bad one must go first)
    (user_repo / "fixtures/user_events.bad.json").unlink()
    _git(user_repo, "add", "-A")
    code, out = try_repo(
        hook_repo,
        pre_commit_home,
        user_repo,
        "fixtures/user_events.good.ndjson",
        "contracts/user_events.yaml",
    )
    assert code == 0, out
    assert "contractgate validate fixtures" in out
    assert "contractgate check contracts" in out
    assert "Failed" not in out


def test_try_repo_bad_fixture_and_broken_contract_fail(
    hook_repo: Path, pre_commit_home: Path, user_repo: Path
) -> None:
    shutil.copy(user_repo / "contracts/user_events.yaml", user_repo / "contracts/broken.yaml")
    broken = user_repo / "contracts/broken.yaml"
    broken.write_text(broken.read_text().replace("type: integer", "type: int"))
    _git(user_repo, "add", "-A")
    code, out = try_repo(
        hook_repo,
        pre_commit_home,
        user_repo,
        "fixtures/user_events.bad.json",
        "fixtures/user_events.good.ndjson",
        "contracts/broken.yaml",
    )
    assert code == 1, out
    validate = _section(out, "contractgate validate fixtures")
    assert "Failed" in validate and "exit code: 1" in validate
    assert (
        "fixtures/user_events.bad.json:3:4: record 2: user_id: Field 'user_id' value "
        '"Dave!" does not match required pattern [pattern_mismatch]'
    ) in validate
    assert "fixtures/user_events.bad.json:4:52: record 3: timestamp:" in validate
    contracts = _section(out, "contractgate check contracts")
    assert "Failed" in contracts
    assert "contracts/broken.yaml:16:13: YAML parse error: " in contracts
    assert "unknown variant `int`" in contracts


# -- pre-commit run with a user's config ----------------------------------------------

MAPPED = "      - id: contractgate-validate\n"


def test_changed_contract_rechecks_its_fixtures(
    hook_repo: Path, pre_commit_home: Path, user_repo: Path
) -> None:
    code, out = run_config(
        hook_repo, pre_commit_home, user_repo, MAPPED, "contracts/user_events.yaml"
    )
    assert code == 1, out
    assert "fixtures/user_events.bad.json:3:4: record 2: user_id:" in out


def test_all_files_with_the_config_mapping(
    hook_repo: Path, pre_commit_home: Path, user_repo: Path
) -> None:
    (user_repo / "fixtures/user_events.bad.json").unlink()
    code, out = run_config(hook_repo, pre_commit_home, user_repo, MAPPED)
    assert code == 0, out  # .pre-commit-config.yaml and the config are not fixtures


def test_explicit_contract_argument(
    hook_repo: Path, pre_commit_home: Path, user_repo: Path
) -> None:
    (user_repo / ".contractgate.yml").unlink()
    hooks = (
        "      - id: contractgate-validate\n"
        "        args: [--contract, contracts/user_events.yaml]\n"
        "        files: ^fixtures/\n"
    )
    code, out = run_config(hook_repo, pre_commit_home, user_repo, hooks)
    assert code == 1, out
    assert "fixtures/user_events.bad.json:3:24: record 2: event_type:" in out
    assert "2 of 6 records failed in 1 of 2 files" in out


def test_strict_hook_catches_a_typo(
    hook_repo: Path, pre_commit_home: Path, user_repo: Path
) -> None:
    path = user_repo / "contracts/user_events.yaml"
    path.write_text(path.read_text().replace("required: false", "requried: false", 1))
    hooks = (
        "      - id: contractgate-check-contracts\n"
        "      - id: contractgate-check-contracts-strict\n"
    )
    code, out = run_config(
        hook_repo, pre_commit_home, user_repo, hooks, "contracts/user_events.yaml"
    )
    assert code == 1, out
    assert "contractgate check contracts.." in out and "Passed" in out  # engine: fine
    assert "contractgate check contracts (strict)" in out
    assert (
        "contracts/user_events.yaml:20:7: ontology.entities[3].requried: "
        "unknown key 'requried' (did you mean 'required'?)"
    ) in out


# -- a commit that changes only a contract, in every documented mode ------------------

GITHUB_URL = "https://github.com/contractgate/contractgate-python"


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A repository laid out like this one's examples, with the passing fixtures only."""
    root = tmp_path / "example"
    (root / "contracts" / "user_events").mkdir(parents=True)
    (root / "examples" / "fixtures").mkdir(parents=True)
    for rel in (
        "contracts/user_events/1.1.0.yaml",
        "contracts/orders.yaml",
        "examples/fixtures/user_events.good.ndjson",
        "examples/fixtures/orders.good.yaml",
    ):
        shutil.copy(REPO / rel, root / rel)
    _git(root, "init", "-q")
    return root


def _commit_env(home: Path) -> Dict[str, str]:
    env = _env(home)
    # `repo: local` hooks run the `contractgate` of the project's environment
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _commit(repo: Path, home: Path, message: str) -> Tuple[int, str]:
    """``git commit`` with pre-commit's git hook installed: what a user does."""
    git = ["git", "-c", "user.email=test@example.invalid", "-c", "user.name=test"]
    proc = subprocess.run(
        [*git, "commit", "-q", "-m", message],
        cwd=repo,
        capture_output=True,
        env=_commit_env(home),
        timeout=900,
    )
    return proc.returncode, proc.stdout.decode() + proc.stderr.decode()


def _use_example(repo: Path, hook_repo: Path, home: Path, mode: str) -> None:
    """Set ``repo`` up as hooks/README.md says for ``mode``: copy the example config,
    point it at the hook repository, pin ``rev:`` with ``pre-commit autoupdate --freeze``
    (mapped modes: also the .contractgate.yml mapping), install the git hook."""
    text = (REPO / "hooks" / f"pre-commit-config.{mode}.yaml").read_text()
    (repo / ".pre-commit-config.yaml").write_text(text.replace(GITHUB_URL, str(hook_repo)))
    if mode != "explicit":
        shutil.copy(REPO / ".contractgate.yml", repo / ".contractgate.yml")
    if mode != "local":
        proc = subprocess.run(
            [*_pre_commit(), "autoupdate", "--freeze"],
            cwd=repo,
            capture_output=True,
            env=_env(home),
            timeout=900,
        )
        assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
        assert f"rev: '{_head(hook_repo)}'" in (repo / ".pre-commit-config.yaml").read_text()
    proc = subprocess.run(
        [*_pre_commit(), "install"], cwd=repo, capture_output=True, env=_env(home), timeout=120
    )
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()


@pytest.mark.parametrize("mode", ["explicit", "mapping", "local"])
def test_a_commit_that_changes_only_a_contract_rechecks_its_fixtures(
    hook_repo: Path, pre_commit_home: Path, example_repo: Path, mode: str
) -> None:
    _use_example(example_repo, hook_repo, pre_commit_home, mode)
    _git(example_repo, "add", "-A")
    code, out = _commit(example_repo, pre_commit_home, "contracts and passing fixtures")
    assert code == 0, out
    first = _head(example_repo)

    # drop `click` from the enum: carol_03's click event (record 3) no longer passes
    contract = example_repo / "contracts/user_events/1.1.0.yaml"
    contract.write_text(
        contract.read_text().replace("[login, purchase, click]", "[login, purchase]")
    )
    _git(example_repo, "add", "contracts/user_events/1.1.0.yaml")
    code, out = _commit(example_repo, pre_commit_home, "only the contract changes")
    assert code != 0, out
    assert _head(example_repo) == first  # the commit did not land
    assert (
        "examples/fixtures/user_events.good.ndjson:3:" in out
        and "record 3: event_type: Field 'event_type' value \"click\" not in allowed set" in out
    ), out
    # the orders fixtures were not touched and are not the problem
    assert "orders.good.yaml:" not in out


def test_hook_examples_pin_no_tag_that_does_not_exist() -> None:
    """No release is tagged yet: every example leaves ``rev: ''`` (or names a commit SHA)
    and says to pin with ``pre-commit autoupdate --freeze``; none pins a made-up tag."""
    import re

    tags = subprocess.run(["git", "tag"], cwd=REPO, capture_output=True, text=True).stdout.split()
    texts = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")),
             *sorted((REPO / "hooks").glob("*"))]  # fmt: skip
    pins = []
    for path in texts:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = re.match(r"\s*rev:\s*['\"]?([^'\"\s#]*)", line)
            if m and m.group(1) and not m.group(1).startswith("<"):
                pins.append((path.name, n, m.group(1)))
    assert all(rev in tags or re.fullmatch(r"[0-9a-f]{40}", rev) for _, _, rev in pins), pins
