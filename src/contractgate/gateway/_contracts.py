"""Loading a folder of contract YAML files into contracts, versions and states.

Layout rules:

* every ``*.yaml`` / ``*.yml`` below the folder (recursively, through symlinked
  directories, each real directory once) is one contract *version*; files and
  directories whose name starts with ``_`` or ``.`` are skipped;
* the contract name and the version string come from the YAML's ``name`` / ``version``;
* an optional ``_gateway.yaml`` manifest at the top of the folder sets, per contract name,
  ``multi_stable_resolution`` (``strict`` | ``fallback``), ``store_event_payloads``
  (bool), ``description``, and per version a state (``draft`` | ``stable`` |
  ``deprecated``). Versions the manifest does not list are ``stable``;
* versions are created and promoted in natural version order (``1.2.0`` < ``1.10.0``,
  ``1.0.0-rc1`` < ``1.0.0``), so the highest stable version is the latest stable one.

A file (or directory, or a symlink leading nowhere, or a FIFO, socket or device named
like a contract) that cannot be read or parsed as a contract is reported in
:attr:`ContractRegistry.problems` (path + error) and skipped; the others still load.
The manifest's mistakes (unknown keys, wrong types, unknown states, versions no file
declares, a second manifest) are reported the same way. A file that
parses but does not compile (a bad regex, a transform on a non-string field) is loaded
with its compile error: ingest against that version answers 422
``Invalid contract YAML: could not compile contract <uuid>@<version>: <error>``, as the
real gateway does at first use.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple, Union

from ._wire import format_ts

__all__ = [
    "CONTRACT_NAMESPACE",
    "ContractEntry",
    "ContractRegistry",
    "LoadProblem",
    "VersionEntry",
    "contract_uuid",
    "version_sort_key",
]

#: uuid5 namespace for contract ids: ``uuid5(CONTRACT_NAMESPACE, name)``.
CONTRACT_NAMESPACE = uuid.UUID("6f1c2a3e-9b1d-5c3e-8f47-0a6c1e2d3b4f")

MANIFEST_NAMES = ("_gateway.yaml", "_gateway.yml")
MANIFEST_KEYS = ("contracts",)
CONTRACT_KEYS = ("multi_stable_resolution", "store_event_payloads", "description", "versions")
STATES = ("draft", "stable", "deprecated")
RESOLUTIONS = ("strict", "fallback")


def contract_uuid(name: str) -> str:
    """The deterministic id of the contract called ``name``."""
    return str(uuid.uuid5(CONTRACT_NAMESPACE, name))


_DIGIT_RUNS = re.compile(r"([0-9]+)")


def version_sort_key(version: str) -> Tuple[Any, ...]:
    """Natural ordering: runs of ASCII digits compare as numbers (of any length); a
    pre-release (``-rc1``) sorts before the release; build metadata (``+...``) is
    ignored for ordering (the full string breaks ties)."""
    core = version.split("+", 1)[0]
    main, dash, pre = core.partition("-")

    def parts(s: str) -> Tuple[Tuple[int, int, str], ...]:
        out: List[Tuple[int, int, str]] = []
        for i, tok in enumerate(_DIGIT_RUNS.split(s)):
            if not tok:
                continue
            if i % 2:  # a digit run: shorter (without leading zeros) is smaller
                number = tok.lstrip("0")
                out.append((0, len(number), number))
            else:
                out.append((1, 0, tok))
        return tuple(out)

    return (parts(main), 0 if dash else 1, parts(pre), version)


@dataclass
class LoadProblem:
    """A file (or manifest entry) that could not be used."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class VersionEntry:
    id: str
    contract_id: str
    version: str
    state: str
    yaml_content: str
    source: str
    contract: Any  # contractgate.Contract
    compiled: Any  # CompiledContract or None
    compile_error: Optional[str]
    created_at: str = ""
    promoted_at: Optional[str] = None
    deprecated_at: Optional[str] = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.yaml_content.encode("utf-8")).hexdigest()

    @property
    def compliance_mode(self) -> bool:
        return bool(getattr(self.contract, "compliance_mode", False))

    @property
    def egress_leakage_mode(self) -> str:
        mode = getattr(self.contract, "egress_leakage_mode", None)
        return str(getattr(mode, "value", mode) or "off")

    @property
    def has_envelope(self) -> bool:
        return getattr(self.contract, "envelope", None) is not None

    def summary(self) -> Dict[str, Any]:
        """``VersionSummary``."""
        return {
            "version": self.version,
            "state": self.state,
            "created_at": self.created_at,
            "promoted_at": self.promoted_at,
            "deprecated_at": self.deprecated_at,
            "import_source": "native",
            "requires_review": False,
        }

    def response(self) -> Dict[str, Any]:
        """``VersionResponse``."""
        return {
            "id": self.id,
            "contract_id": self.contract_id,
            "version": self.version,
            "state": self.state,
            "yaml_content": self.yaml_content,
            "created_at": self.created_at,
            "promoted_at": self.promoted_at,
            "deprecated_at": self.deprecated_at,
            "compliance_mode": self.compliance_mode,
            "egress_leakage_mode": self.egress_leakage_mode,
            "import_source": "native",
            "requires_review": False,
        }


@dataclass
class ContractEntry:
    id: str
    name: str
    org_id: str
    description: Optional[str] = None
    multi_stable_resolution: str = "strict"
    store_event_payloads: bool = True
    created_at: str = ""
    updated_at: str = ""
    versions: Dict[str, VersionEntry] = field(default_factory=dict)

    def latest_stable(self) -> Optional[VersionEntry]:
        stables = self.stables_newest_first()
        return stables[0] if stables else None

    def stables_newest_first(self) -> List[VersionEntry]:
        stables = [v for v in self.versions.values() if v.state == "stable"]
        stables.sort(key=lambda v: (v.promoted_at or "", version_sort_key(v.version)), reverse=True)
        return stables

    def versions_newest_first(self) -> List[VersionEntry]:
        return sorted(
            self.versions.values(),
            key=lambda v: (v.created_at, version_sort_key(v.version)),
            reverse=True,
        )

    def summary(self) -> Dict[str, Any]:
        """``ContractSummary``."""
        latest = self.latest_stable()
        return {
            "id": self.id,
            "name": self.name,
            "multi_stable_resolution": self.multi_stable_resolution,
            "latest_stable_version": latest.version if latest else None,
            "version_count": len(self.versions),
            "store_event_payloads": self.store_event_payloads,
        }

    def response(self) -> Dict[str, Any]:
        """``ContractResponse``."""
        latest = self.latest_stable()
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "multi_stable_resolution": self.multi_stable_resolution,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "version_count": len(self.versions),
            "latest_stable_version": latest.version if latest else None,
        }


@dataclass
class _Loaded:
    path: Path
    text: str
    contract: Any
    compiled: Any
    compile_error: Optional[str]


class ContractRegistry:
    """The contracts of one gateway, loaded from a folder (or a single file)."""

    def __init__(self, org_id: str) -> None:
        self.org_id = org_id
        self.root: Optional[Path] = None
        self.contracts: Dict[str, ContractEntry] = {}
        self.problems: List[LoadProblem] = []
        #: the instant every contract and version is dated before (see :meth:`stamp`)
        self.epoch = datetime.now(timezone.utc)

    # -- lookups -----------------------------------------------------------------------

    def get(self, contract_id: str, org_id: Optional[str]) -> Optional[ContractEntry]:
        """Org-scoped lookup: another org's contract is simply not found."""
        entry = self.contracts.get(contract_id)
        if entry is None or (org_id is not None and entry.org_id != org_id):
            return None
        return entry

    def by_name(self, name: str) -> Optional[ContractEntry]:
        return self.contracts.get(contract_uuid(name))

    def list_for(self, org_id: str) -> List[ContractEntry]:
        """Newest ``created_at`` first."""
        items = [c for c in self.contracts.values() if c.org_id == org_id]
        items.sort(key=lambda c: (c.created_at, c.name), reverse=True)
        return items

    # -- loading -------------------------------------------------------------------------

    @classmethod
    def load(
        cls, path: Optional[Union[str, Path]], org_id: str, now: Optional[datetime] = None
    ) -> ContractRegistry:
        reg = cls(org_id)
        if path is None:
            return reg
        root = Path(path)
        reg.root = root
        if not root.exists():
            raise FileNotFoundError(f"contracts folder not found: {root}")
        base = now or datetime.now(timezone.utc)
        if root.is_file():
            files = [root]
            manifest_dir = root.parent
        else:
            files = sorted(reg._contract_files(root), key=str)
            manifest_dir = root
        manifest = reg._load_manifest(manifest_dir)
        loaded: Dict[str, Dict[str, _Loaded]] = {}
        for f in files:
            item = reg._load_file(f)
            if item is None:
                continue
            name = str(item.contract.name)
            version = str(item.contract.version)
            versions = loaded.setdefault(name, {})
            if version in versions:
                reg.problems.append(
                    LoadProblem(
                        str(f),
                        f"duplicate contract version {name}@{version} "
                        f"(already loaded from {versions[version].path}); file skipped",
                    )
                )
                continue
            versions[version] = item
        reg._build(loaded, manifest, base)
        return reg

    def _contract_files(self, root: Path) -> List[Path]:
        """The ``*.yaml`` / ``*.yml`` files below ``root``. Symlinked directories are
        followed, but each real directory is walked once (a link back up ends there);
        names starting with ``_`` or ``.`` are not entered. A link that leads nowhere is
        listed too, so that reading it reports why; an unreadable directory is reported."""

        def identity(path: str) -> Optional[Tuple[int, int]]:
            try:
                st = os.stat(path)
            except OSError:
                return None
            return (st.st_dev, st.st_ino)

        def unreadable(e: OSError) -> None:
            self.problems.append(
                LoadProblem(str(e.filename), f"cannot read directory: {e.strerror or e}")
            )

        out: List[Path] = []
        seen: Set[Optional[Tuple[int, int]]] = {identity(str(root))}
        for top, dirs, names in os.walk(root, onerror=unreadable, followlinks=True):
            keep: List[str] = []
            for d in sorted(dirs):
                ident = identity(os.path.join(top, d))
                if d.startswith(("_", ".")) or ident is None or ident in seen:
                    continue
                seen.add(ident)
                keep.append(d)
            dirs[:] = keep
            for n in names:
                p = Path(top, n)
                if n.startswith(("_", ".")) or p.suffix.lower() not in (".yaml", ".yml"):
                    continue
                # a dangling link is kept (reading it reports why); a FIFO or device is
                # reported and not read (reading it could block start-up)
                if p.is_file() or not p.exists():
                    out.append(p)
                else:
                    self.problems.append(
                        LoadProblem(
                            str(p), "not a regular file (a FIFO, socket or device); skipped"
                        )
                    )
        return out

    def _load_manifest(self, folder: Path) -> Dict[str, Dict[str, Any]]:
        # a link that leads nowhere counts, so that reading it reports why
        found = [p for p in (folder / n for n in MANIFEST_NAMES) if p.is_file() or p.is_symlink()]
        if not found:
            return {}
        mpath = found[0]
        for extra in found[1:]:
            self.problems.append(
                LoadProblem(
                    str(extra), f"ignored: {mpath.name} is the manifest in use; keep only one"
                )
            )
        from .._validation.loading.yamldoc import YAMLError, load

        try:
            data = load(mpath.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, YAMLError) as e:
            self.problems.append(LoadProblem(str(mpath), f"unreadable manifest: {e}"))
            return {}
        if data is None:
            return {}
        if isinstance(data, dict):
            self._unknown_keys(str(mpath), data, MANIFEST_KEYS)
        contracts = data.get("contracts") if isinstance(data, dict) else None
        if not isinstance(contracts, dict):
            self.problems.append(
                LoadProblem(str(mpath), "manifest must be a mapping with a 'contracts' mapping")
            )
            return {}
        out: Dict[str, Dict[str, Any]] = {}
        for cname, spec in contracts.items():
            where = f"{mpath} [contracts.{cname}]"
            if spec is None:
                spec = {}
            if not isinstance(spec, dict):
                self.problems.append(LoadProblem(where, "entry must be a mapping; ignored"))
                continue
            self._unknown_keys(where, spec, CONTRACT_KEYS)
            clean: Dict[str, Any] = {"_where": where}
            res = spec.get("multi_stable_resolution")
            if res is not None:
                if res in RESOLUTIONS:
                    clean["multi_stable_resolution"] = res
                else:
                    self.problems.append(
                        LoadProblem(
                            where,
                            f"multi_stable_resolution must be strict or fallback, got {res!r}",
                        )
                    )
            store = spec.get("store_event_payloads")
            if store is not None:
                if isinstance(store, bool):
                    clean["store_event_payloads"] = store
                else:
                    self.problems.append(
                        LoadProblem(
                            where, f"store_event_payloads must be true or false, got {store!r}"
                        )
                    )
            desc = spec.get("description")
            if isinstance(desc, str):
                clean["description"] = desc
            elif desc is not None:
                self.problems.append(
                    LoadProblem(where, f"description must be a string, got {desc!r}; ignored")
                )
            versions = spec.get("versions")
            if versions is None:
                versions = {}
            states: Dict[str, str] = {}
            if not isinstance(versions, dict):
                self.problems.append(LoadProblem(where, "versions must be a mapping"))
            else:
                for v, state in versions.items():
                    if state not in STATES:
                        self.problems.append(
                            LoadProblem(
                                where,
                                f"version {v}: state must be draft, stable or deprecated, "
                                f"got {state!r}; treated as stable",
                            )
                        )
                        continue
                    states[str(v)] = state
            clean["versions"] = states
            out[str(cname)] = clean
        return out

    def _unknown_keys(self, where: str, mapping: Dict[Any, Any], known: Tuple[str, ...]) -> None:
        for key in mapping:
            if key not in known:
                self.problems.append(
                    LoadProblem(
                        where, f"unknown key {key!r} ignored (known keys: {', '.join(known)})"
                    )
                )

    def _load_file(self, path: Path) -> Optional[_Loaded]:
        from ..contract import Contract
        from ..exceptions import ContractCompileError

        try:  # the text as written: read_text() would turn "\r\n" into "\n"
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            self.problems.append(LoadProblem(str(path), f"cannot read file: {e}"))
            return None
        try:
            contract = Contract.from_yaml(text, filename=str(path))
        except ContractCompileError as e:
            self.problems.append(LoadProblem(str(path), f"Invalid contract YAML: {e.message}"))
            return None
        except Exception as e:  # a validator bug must not stop the other files loading
            self.problems.append(LoadProblem(str(path), f"Invalid contract YAML: {e}"))
            return None
        compiled: Any = None
        error: Optional[str] = None
        try:
            compiled = contract.compile()
        except ContractCompileError as e:
            error = e.message
        except Exception as e:
            error = str(e)
        if error is not None:
            self.problems.append(
                LoadProblem(str(path), f"does not compile (ingest will answer 422): {error}")
            )
        return _Loaded(path, text, contract, compiled, error)

    def _build(
        self,
        loaded: Dict[str, Dict[str, _Loaded]],
        manifest: Dict[str, Dict[str, Any]],
        base: datetime,
    ) -> None:
        for cname in manifest:
            if cname not in loaded:
                self.problems.append(
                    LoadProblem(
                        manifest[cname]["_where"], f"no contract named {cname!r} was loaded"
                    )
                )
        for cname in sorted(loaded, reverse=True):
            spec = manifest.get(cname, {})
            states: Dict[str, str] = dict(spec.get("versions", {}))
            cid = contract_uuid(cname)
            entry = ContractEntry(
                id=cid,
                name=cname,
                org_id=self.org_id,
                multi_stable_resolution=spec.get("multi_stable_resolution", "strict"),
                store_event_payloads=spec.get("store_event_payloads", True),
            )
            for v in states:
                if v not in loaded[cname]:
                    self.problems.append(
                        LoadProblem(
                            spec["_where"], f"version {v!r} is listed but no file declares it"
                        )
                    )
            ordered = sorted(loaded[cname].items(), key=lambda kv: version_sort_key(kv[0]))
            for version, item in ordered:
                entry.versions[version] = VersionEntry(
                    id=str(uuid.uuid5(uuid.UUID(cid), version)),
                    contract_id=cid,
                    version=version,
                    state=states.get(version, "stable"),
                    yaml_content=item.text,
                    source=str(item.path),
                    contract=item.contract,
                    compiled=item.compiled,
                    compile_error=item.compile_error,
                )
            latest = ordered[-1][1].contract
            desc = spec.get("description", getattr(latest, "description", None))
            entry.description = None if desc is None else str(desc)
            self.contracts[cid] = entry
        self.stamp(base)

    def stamp(self, base: datetime) -> None:
        """Date every contract and version, all before ``base``: contracts are created in
        reverse name order, so ``GET /contracts`` (newest first) lists them alphabetically;
        versions are created (and promoted, and deprecated) one millisecond apart in
        natural version order, so the highest stable one is the latest stable.

        The same ``base`` gives the same dates: the gateway passes the epoch kept in its
        database, so a restart on the same file serves the contracts' dates unchanged,
        all older than the rows that name them (as upstream, where they are stored)."""
        self.epoch = base
        tick = timedelta(milliseconds=1)
        entries = sorted(self.contracts.values(), key=lambda c: c.name, reverse=True)
        clock = base - tick * (sum(len(c.versions) for c in entries) * 2 + 1)
        for entry in entries:
            for ve in sorted(entry.versions.values(), key=lambda v: version_sort_key(v.version)):
                clock += tick
                ve.created_at = format_ts(clock)
                clock += tick
                stamped = format_ts(clock)
                ve.promoted_at = stamped if ve.state in ("stable", "deprecated") else None
                ve.deprecated_at = stamped if ve.state == "deprecated" else None
            times = [v.created_at for v in entry.versions.values()]
            stamps = [
                t for v in entry.versions.values() for t in (v.promoted_at, v.deprecated_at) if t
            ]
            entry.created_at = min(times)
            entry.updated_at = max(times + stamps)
