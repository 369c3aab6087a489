"""Edge cases of the contracts folder (symlinks, unreadable directories, manifest
mistakes) and of the egress route over it."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
from cg_gateway_testlib import make_client

from contractgate.gateway import LocalGateway
from contractgate.gateway._contracts import ContractRegistry, version_sort_key


def _contract(name: str, version: str = "1.0.0", description: str = "") -> str:
    extra = f"description: {description}\n" if description else ""
    return (
        f'version: "{version}"\nname: {name}\n{extra}egress_leakage_mode: strip\n'
        "ontology:\n  entities:\n    - name: id\n      type: string\n"
    )


def _write(folder: Path, rel: str, text: str) -> Path:
    p = folder / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def _messages(reg: ContractRegistry) -> str:
    return "\n".join(str(p) for p in reg.problems)


needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")


@pytest.fixture
def linked_folder(tmp_path: Path) -> Path:
    """contracts/ with a symlinked shared folder, a link back up (a loop), a second link
    to a folder already inside, and links that lead nowhere."""
    shared = tmp_path / "shared"
    _write(shared, "orders/1.0.0.yaml", _contract("orders"))
    _write(shared, "orders/2.0.0.yaml", _contract("orders", "2.0.0"))
    root = tmp_path / "contracts"
    _write(root, "local/users.yaml", _contract("users"))
    (root / "orders").symlink_to(shared / "orders", target_is_directory=True)
    (root / "local" / "up").symlink_to(root, target_is_directory=True)  # loop
    (root / "users_again").symlink_to(root / "local", target_is_directory=True)
    (root / "gone.yaml").symlink_to(tmp_path / "missing.yaml")
    (root / "self.yaml").symlink_to(root / "self.yaml")  # a link to itself
    return root


@needs_symlinks
def test_symlinked_directories_load_once_and_loops_end(linked_folder: Path) -> None:
    reg = ContractRegistry.load(linked_folder, "org")
    names = {c.name: sorted(c.versions) for c in reg.contracts.values()}
    assert names == {"orders": ["1.0.0", "2.0.0"], "users": ["1.0.0"]}
    messages = _messages(reg)
    assert "duplicate" not in messages  # the second link to local/ is not walked again


@needs_symlinks
def test_links_that_lead_nowhere_are_reported(linked_folder: Path) -> None:
    reg = ContractRegistry.load(linked_folder, "org")
    by_file = {Path(p.path).name: p.message for p in reg.problems}
    assert set(by_file) == {"gone.yaml", "self.yaml"}
    assert all(m.startswith("cannot read file: ") for m in by_file.values())


@needs_symlinks
def test_gateway_serves_a_contract_from_a_symlinked_directory(linked_folder: Path) -> None:
    with LocalGateway(contracts_dir=linked_folder) as gw, make_client(gw) as c:
        oid = gw.contract_id("orders")
        assert c.get(f"/contracts/{oid}").json()["latest_stable_version"] == "2.0.0"
        r = c.post(f"/egress/{oid}?dry_run=true", json=[{"id": "a", "x": 1}])
        assert r.status_code == 200
        assert r.json()["payload"] == [{"id": "a"}]
        assert r.json()["outcomes"][0]["stripped_fields"] == ["x"]


def test_an_unreadable_directory_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Running as root, chmod cannot make a directory unreadable, so the refusal is
    simulated at os.scandir for that one directory."""
    _write(tmp_path, "ok/a.yaml", _contract("a"))
    locked = tmp_path / "locked"
    _write(locked, "b.yaml", _contract("b"))
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    reg = ContractRegistry.load(tmp_path, "org")
    assert [c.name for c in reg.contracts.values()] == ["a"]
    (problem,) = reg.problems
    assert problem.path == str(locked)
    assert problem.message == "cannot read directory: Permission denied"


def test_manifest_unknown_keys_and_wrong_types_are_reported(tmp_path: Path) -> None:
    """A typo in the manifest (``version:`` for ``versions:``) used to be ignored
    silently, leaving every version stable."""
    _write(tmp_path, "a.yaml", _contract("a", description="From the YAML"))
    _write(tmp_path, "b.yaml", _contract("b"))
    _write(
        tmp_path,
        "_gateway.yaml",
        textwrap.dedent("""\
            contract_defaults: {store_event_payloads: false}
            contracts:
              a:
                version:
                  "1.0.0": draft
                description: [not, text]
              b:
                versions: ""
            """),
    )
    reg = ContractRegistry.load(tmp_path, "org")
    messages = _messages(reg)
    assert "unknown key 'contract_defaults' ignored" in messages
    assert "[contracts.a]: unknown key 'version' ignored" in messages
    assert "[contracts.a]: description must be a string, got ['not', 'text']" in messages
    assert "[contracts.b]: versions must be a mapping" in messages
    a = reg.by_name("a")
    assert a is not None and a.description == "From the YAML"
    assert a.versions["1.0.0"].state == "stable"  # as documented: unlisted is stable


def test_a_second_manifest_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", _contract("a"))
    _write(tmp_path, "_gateway.yaml", 'contracts:\n  a:\n    versions: {"1.0.0": draft}\n')
    _write(tmp_path, "_gateway.yml", 'contracts:\n  a:\n    versions: {"1.0.0": stable}\n')
    reg = ContractRegistry.load(tmp_path, "org")
    (problem,) = reg.problems
    assert problem.path == str(tmp_path / "_gateway.yml")
    assert problem.message == "ignored: _gateway.yaml is the manifest in use; keep only one"
    a = reg.by_name("a")
    assert a is not None and a.versions["1.0.0"].state == "draft"


ODD_VERSIONS = ["2.0-²", "①", "1." + "9" * 5000, "1." + "9" * 4999, "1.010", "1.9"]


def test_version_ordering_survives_odd_digits_and_huge_numbers() -> None:
    """Superscripts and circled digits count as digits for ``str.isdigit`` but not for
    ``int``; a run of more than 4300 digits exceeds ``int``'s limit. Both used to
    raise ``ValueError``."""
    ordered = sorted(ODD_VERSIONS, key=version_sort_key)
    assert ordered.index("1.9") < ordered.index("1.010")  # 9 < 10
    assert ordered.index("1." + "9" * 4999) < ordered.index("1." + "9" * 5000)
    assert version_sort_key("1.010") != version_sort_key("1.10")  # still a total order


def test_an_odd_version_string_does_not_stop_the_gateway(tmp_path: Path) -> None:
    for i, version in enumerate(ODD_VERSIONS[:3]):
        _write(tmp_path, f"odd_{i}.yaml", _contract("odd", version))
    _write(tmp_path, "fine.yaml", _contract("fine"))
    with LocalGateway(contracts_dir=tmp_path) as gw, make_client(gw) as c:
        assert gw.problems == []
        odd = gw.contract_id("odd")
        assert [v["version"] for v in c.get(f"/contracts/{odd}/versions").json()] == [
            "①",  # not a digit run: text sorts after numbers
            "2.0-²",
            "1." + "9" * 5000,
        ]
        r = c.post(f"/egress/{odd}@①?dry_run=true", json={"id": "a"})
        assert r.status_code == 200 and r.json()["resolved_version"] == "①"
        r = c.post(f"/egress/{gw.contract_id('fine')}?dry_run=true", json={"id": "a"})
        assert r.status_code == 200


def test_yaml_content_and_hash_are_the_file_as_written(tmp_path: Path) -> None:
    """A file with Windows line endings used to be served with ``\\n`` ones, so its
    ``yaml_content`` and the ``/v1/contracts/{id}/version`` hash differed from the file
    (and ``contractgate pull`` reported a difference that is not there)."""
    import hashlib

    raw = _contract("crlf").replace("\n", "\r\n").encode("utf-8")
    (tmp_path / "crlf.yaml").write_bytes(raw)
    with LocalGateway(contracts_dir=tmp_path) as gw, make_client(gw) as c:
        cid = gw.contract_id("crlf")
        version = c.get(f"/contracts/{cid}/versions/1.0.0").json()
        assert version["yaml_content"].encode("utf-8") == raw
        pointer = c.get(f"/v1/contracts/{cid}/version").json()
        assert pointer == {"version": "1.0.0", "hash": hashlib.sha256(raw).hexdigest()}


@needs_symlinks
def test_a_manifest_link_that_leads_nowhere_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", _contract("a"))
    (tmp_path / "_gateway.yaml").symlink_to(tmp_path / "elsewhere" / "_gateway.yaml")
    reg = ContractRegistry.load(tmp_path, "org")
    (problem,) = reg.problems
    assert problem.path == str(tmp_path / "_gateway.yaml")
    assert problem.message.startswith("unreadable manifest: ")
