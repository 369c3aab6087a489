"""The hook manifest and the copy-paste examples in hooks/ are valid for pre-commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from cg_cli_testlib import REPO

from contractgate._validation.loading.yamldoc import load

clientlib = pytest.importorskip("pre_commit.clientlib")


def test_manifest_is_valid_and_has_the_documented_hooks() -> None:
    hooks = clientlib.load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    by_id = {h["id"]: h for h in hooks}
    assert {"contractgate-validate", "contractgate-check-contracts"} <= set(by_id)
    for hook in hooks:
        assert hook["language"] == "python"
        assert hook["entry"].startswith("contractgate ")


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (REPO / "hooks").glob("pre-commit-config.*.yaml"))
)
def test_example_configs_are_valid(name: str) -> None:
    path = REPO / "hooks" / name
    config = clientlib.load_config(str(path))
    manifest_ids = {h["id"] for h in clientlib.load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    for repo in config["repos"]:
        for hook in repo["hooks"]:
            assert hook["id"] in manifest_ids


def test_example_mapping_files_load(tmp_path: Path) -> None:
    from contractgate.cli._config import load_config

    cfg = load_config(str(REPO / "hooks" / "contractgate.example.yml"))
    assert cfg is not None and len(cfg.fixtures) == 3 and cfg.contracts
    toml = tmp_path / "pyproject.toml"
    toml.write_text((REPO / "hooks" / "pyproject.example.toml").read_text())
    cfg = load_config(str(toml))
    assert cfg is not None and [r.contract for r in cfg.fixtures] == [
        "contracts/user_events/1.1.0.yaml",
        "contracts/orders.yaml",
    ]
    workflow = load((REPO / "hooks" / "github-workflow.example.yml").read_text())
    assert "--format github" in str(workflow)
