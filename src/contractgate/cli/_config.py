"""The fixture → contract mapping: ``.contractgate.yml`` or ``[tool.contractgate]``.

``.contractgate.yml`` (or ``.contractgate.yaml``) is the gateway CLI's config file; we read
two keys from it and ignore the rest::

    fixtures:                      # glob -> contract file; the first matching glob wins
      "examples/fixtures/user_events.*": contracts/user_events/1.1.0.yaml
      "examples/fixtures/orders.*": contracts/orders.yaml
    contracts:                     # optional: which files are contracts
      - "contracts/**/*.yaml"

The same keys may live in ``pyproject.toml``::

    [tool.contractgate]
    contracts = ["contracts/**/*.yaml"]

    [tool.contractgate.fixtures]
    "examples/fixtures/user_events.*" = "contracts/user_events/1.1.0.yaml"

Paths and globs are relative to the directory holding the config file. Globs use ``/``
(``\\`` is read as ``/``); ``*`` and ``?`` stay within one path segment, ``**`` spans
directories, and a glob with no ``/`` matches the file name at any depth (as in
``.gitignore``). A glob no path can match (``fixtures/``, ``../x``, ``a/./b``) and, in
``.contractgate.yml``, a key of ours given twice are errors.

The file is looked up from the current directory upwards, stopping at the repository
root (the first directory with a ``.git``). ``.contractgate.yml`` wins over
``pyproject.toml``; a ``pyproject.toml`` without a ``[tool.contractgate]`` table is
skipped.

TOML: Python 3.11+ reads ``pyproject.toml`` with ``tomllib``; older Pythons use ``tomli``
when it is installed, else a small built-in reader that understands what this table
needs (strings, arrays of strings, inline tables, ``[tool.contractgate.fixtures]``
sub-tables) and skips every other table.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Pattern, Set, Tuple

from ._common import DEPLOYED_PREFIX, EXIT_CONFIG, CLIError, display_path
from ._globs import glob_to_regex, walk_globs
from ._minitoml import mini_toml_loads

CONFIG_NAMES = (".contractgate.yml", ".contractgate.yaml")
PYPROJECT = "pyproject.toml"

class ConfigError(CLIError):
    def __init__(
        self, message: str, *, file: Optional[str] = None, line: Optional[int] = None
    ) -> None:
        super().__init__(message, EXIT_CONFIG, file=file, line=line)


# --------------------------------------------------------------------------------------
# the config


@dataclass
class FixtureRule:
    glob: str  # as written, stripped, "/"-separated
    contract: str  # path relative to the config's directory, as written
    regex: Pattern[str]
    deployed: Optional[str] = None  # ID|NAME[@VERSION] of a deployed contract instead




@dataclass
class Config:
    path: str  # the file it was read from
    root: str  # its directory; globs and contract paths are relative to it
    fixtures: List[FixtureRule] = field(default_factory=list)
    contracts: List[Tuple[str, Pattern[str]]] = field(default_factory=list)
    breaking: Optional[Dict[str, Any]] = None  # the diff command's policy, checked there
    _named: Optional[Set[str]] = field(default=None, init=False, repr=False, compare=False)

    @property
    def display(self) -> str:
        return display_path(self.path)

    def relative(self, file: str) -> Optional[str]:
        """``file`` relative to the config root (POSIX), or None when outside it. A path
        through a symbolic link to the root's folders (``$PWD/…`` in a linked folder,
        ``--config`` named so) counts as the path it leads to."""
        absolute = os.path.abspath(file)
        rel = _below(absolute, self.root)
        if rel is None:  # the file's folder, resolved; the name is the file's own
            folder, name = os.path.split(absolute)
            rel = _below(os.path.join(os.path.realpath(folder), name), os.path.realpath(self.root))
        return rel

    def contract_path(self, rule: FixtureRule) -> str:
        if rule.deployed is not None:
            return DEPLOYED_PREFIX + rule.deployed
        return os.path.normpath(os.path.join(self.root, rule.contract))

    def contract_for(self, file: str) -> Optional[str]:
        """The contract file mapped to fixture ``file`` (first matching glob), or None."""
        rel = self.relative(file)
        if rel is None:
            return None
        for rule in self.fixtures:
            if rule.regex.match(rel):
                return self.contract_path(rule)
        return None

    def contract_files(self) -> List[str]:
        """Every contract the fixture mapping names (absolute, no duplicates, in order)."""
        seen: Dict[str, None] = {}
        for rule in self.fixtures:
            if rule.deployed is None:
                seen.setdefault(self.contract_path(rule), None)
        return list(seen)

    def is_contract(self, file: str) -> bool:
        """True for a file the config says is a contract (``contracts`` globs, or a
        contract named in ``fixtures``)."""
        if self._named is None:  # asked for each fixture: resolve the contracts once
            self._named = {same_file(c) for c in self.contract_files()}
        if same_file(file) in self._named:
            return True
        rel = self.relative(file)
        return rel is not None and any(rx.match(rel) for _, rx in self.contracts)

    def _walk(self, globs: List[Tuple[str, Pattern[str]]]) -> Iterator[str]:
        return walk_globs(self.root, globs)

    def fixture_files(self, contract: Optional[str] = None) -> List[str]:
        """Fixture files on disk that the mapping assigns to a contract (``contract``
        only, when given), in a stable order."""
        target = os.path.normpath(os.path.abspath(contract)) if contract else None
        out = []
        for full in self._walk([(r.glob, r.regex) for r in self.fixtures]):
            mapped = self.contract_for(full)
            if mapped is None or self.is_contract(full):
                continue
            if target is None or (
                not mapped.startswith(DEPLOYED_PREFIX) and os.path.normpath(mapped) == target
            ):
                out.append(full)
        return out

    def contract_glob_files(self) -> List[str]:
        return list(self._walk(self.contracts))


def _below(path: str, root: str) -> Optional[str]:
    """``path`` (absolute) relative to ``root`` (POSIX), or None when outside it."""
    try:
        rel = os.path.relpath(path, root)
    except ValueError:  # another drive on Windows
        return None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


def same_file(path: str) -> str:
    """A key that is equal for two paths of the same file (relative or absolute, through
    symbolic links or not)."""
    return os.path.normcase(os.path.realpath(path))


# --------------------------------------------------------------------------------------
# loading


def find_config(start: Optional[str] = None) -> Optional[str]:
    """The nearest ``.contractgate.yml`` / ``pyproject.toml`` with ``[tool.contractgate]``,
    searching upwards from ``start`` (default: the current directory) to the repo root."""
    here = os.path.abspath(start or os.getcwd())
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(here, name)
            if os.path.isfile(candidate):
                return candidate
        pyproject = os.path.join(here, PYPROJECT)
        if os.path.isfile(pyproject) and _has_tool_table(pyproject):
            return pyproject
        if os.path.exists(os.path.join(here, ".git")):
            return None
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _has_tool_table(path: str) -> bool:
    """Whether ``path`` holds a ``[tool.contractgate]`` table, however TOML spells it
    (``[tool."contractgate"]``, ``contractgate.x = …`` in ``[tool]``); a file that does
    not read as TOML counts when it has the header, so that loading it says what is
    wrong (not UTF-8, invalid TOML) instead of the search passing over it."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return False
    if b"contractgate" not in raw:
        return False
    text = raw.decode("utf-8", "replace")
    try:
        return _tool_table(_toml_loads()(text)) is not None
    except ValueError:  # tomllib.TOMLDecodeError is a ValueError
        return re.search(r"^\s*\[\s*tool\s*\.\s*contractgate\s*[.\]]", text, re.M) is not None


def _tool_table(doc: Dict[str, Any]) -> Any:
    """``doc["tool"]["contractgate"]``, or None when there is none."""
    tool = doc.get("tool")
    return tool.get("contractgate") if isinstance(tool, dict) else None


def load_config(path: Optional[str] = None) -> Optional[Config]:
    """Load the config at ``path``, or the one :func:`find_config` finds (None if none)."""
    if path is None:
        path = find_config()
        if path is None:
            return None
    elif not os.path.isfile(path):
        raise ConfigError("config file not found", file=display_path(path))
    path = os.path.abspath(path)
    shown = display_path(path)
    if os.path.basename(path) == PYPROJECT or path.endswith(".toml"):
        data = _read_pyproject(path, shown)
    else:
        data = _read_yaml_config(path, shown)
    return _build(path, data, shown)


_KEYS = ("fixtures", "contracts", "breaking")  # what we read of a .contractgate.yml


def _read_yaml_config(path: str, shown: str) -> Dict[str, Any]:
    from .._validation.loading.yamldoc import (
        YAMLError,
        compose_documents,
        error_position,
        error_text,
        load,
    )

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read config: {err}", file=shown) from None
    try:
        data = load(text)
        nodes = compose_documents(text)
    except YAMLError as err:
        line, _ = error_position(err)
        raise ConfigError(f"invalid YAML: {error_text(err)}", file=shown, line=line) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("the config must be a mapping", file=shown)
    _refuse_duplicate_keys(nodes[0], shown)
    return data


def _refuse_duplicate_keys(root: Any, shown: str) -> None:
    """A key of ours, or one below them, given twice is an error, as in TOML: YAML
    loaders keep the last one, which would drop a mapping silently. (The gateway CLI's
    own keys are not ours to judge.)"""
    from .._validation.loading.yamldoc import MappingNode, ScalarNode, SequenceNode

    lines: Dict[Tuple[str, ...], int] = {}  # each key's first line
    todo: List[Tuple[Tuple[str, ...], Any]] = [((), root)]
    seen = set()  # an alias names its anchor's node again
    while todo:
        path, node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            todo.extend((path, item) for item in node.value)
            continue
        if not isinstance(node, MappingNode):
            continue
        for key, value in node.value:
            if (
                not isinstance(key, ScalarNode)
                or key.value == "<<"
                or (not path and key.value not in _KEYS)
            ):
                continue
            here = (*path, key.value)
            line = key.start_mark.line + 1
            if here in lines:
                raise ConfigError(
                    f"{_key_name(here)} is given twice (first on line {lines[here]})",
                    file=shown,
                    line=line,
                )
            lines[here] = line
            todo.append((here, value))


def _key_name(path: Tuple[str, ...]) -> str:
    """``'fixtures'``, ``fixtures['data/*.json']``, ``breaking['require']``."""
    if len(path) == 1:
        return repr(path[0])
    return path[0] + "".join(f"[{key!r}]" for key in path[1:])


def _read_pyproject(path: str, shown: str) -> Dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as err:
        raise ConfigError(f"cannot read config: {err}", file=shown) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        message = f"not valid UTF-8 (byte offset {err.start})"
        raise ConfigError(message, file=shown, line=line) from None
    loads = _toml_loads()
    try:
        doc = loads(text)
    except ValueError as err:  # tomllib.TOMLDecodeError is a ValueError
        raise ConfigError(f"invalid TOML: {err}", file=shown) from None
    table = _tool_table(doc)
    if table is None:
        raise ConfigError("no [tool.contractgate] table", file=shown)
    if not isinstance(table, dict):
        raise ConfigError("[tool.contractgate] must be a table", file=shown)
    return table


def _toml_loads() -> Any:
    try:
        import tomllib

        return tomllib.loads
    except ImportError:  # Python < 3.11
        pass
    try:
        return importlib.import_module("tomli").loads
    except ImportError:
        return mini_toml_loads


def _build(path: str, data: Dict[str, Any], shown: str) -> Config:
    cfg = Config(path=path, root=os.path.dirname(path))
    fixtures = data.get("fixtures")
    if fixtures is not None:
        if not isinstance(fixtures, dict):
            raise ConfigError(
                "'fixtures' must map globs to contract files (glob: contract.yaml)", file=shown
            )
        for glob, contract in fixtures.items():
            pattern, regex = _config_glob(str(glob), "fixtures", shown)
            deployed = _deployed_entry(glob, contract, shown)
            if deployed is not None:
                cfg.fixtures.append(FixtureRule(pattern, "", regex, deployed))
                continue
            if not isinstance(contract, str) or not contract.strip():
                raise ConfigError(
                    f"fixtures[{glob!r}] must be a contract file path or {{contract_id: "
                    f"ID[@VERSION]}}, got {contract!r}",
                    file=shown,
                )
            cfg.fixtures.append(FixtureRule(pattern, contract.strip(), regex))
    contracts = data.get("contracts")
    if contracts is not None:
        if isinstance(contracts, str):
            contracts = [contracts]
        if not isinstance(contracts, list) or not all(isinstance(c, str) for c in contracts):
            raise ConfigError("'contracts' must be a list of globs", file=shown)
        cfg.contracts = [_config_glob(c, "contracts", shown) for c in contracts]
    breaking = data.get("breaking")
    if breaking is not None and not isinstance(breaking, dict):
        raise ConfigError("'breaking' must be a mapping (require, unknown, sides)", file=shown)
    cfg.breaking = breaking
    return cfg


def _config_glob(glob: str, key: str, shown: str) -> Tuple[str, Pattern[str]]:
    """A config glob, stripped and with ``\\`` read as ``/`` (so that a config written
    on Windows means the same everywhere), and its regex; one that names no file (empty,
    a directory: ``fixtures/``, a path with ``..``) is an error rather than a rule that
    silently never applies."""
    pattern = glob.strip().replace("\\", "/")
    hint = _never_matches(pattern)
    if hint is not None:
        raise ConfigError(f"{key}: the glob {glob!r} can never match a file{hint}", file=shown)
    return pattern, glob_to_regex(pattern)


def _never_matches(pattern: str) -> Optional[str]:
    """Why the (stripped) glob ``pattern`` can never match a file, as a hint to append
    (``""`` without one), or None when it can. Files are matched by their path below the
    config's folder, ``/``-separated and normalised (see :meth:`Config.relative`)."""
    if not pattern:
        return ""
    if pattern.endswith("/"):
        return f" (a glob names files; {pattern + '**'!r} names those below)"
    rest = pattern
    while rest.startswith("./"):
        rest = rest[2:]
    segments = rest.lstrip("/").split("/")
    if ".." in segments:
        return " (globs are relative to the config file's folder and cannot leave it with '..')"
    if any(s in ("", ".") for s in segments):
        kept = "/".join(s for s in segments if s not in ("", "."))
        return f" (no path has an empty or '.' segment: {kept!r})"
    return None


def _deployed_entry(glob: Any, value: Any, shown: str) -> Optional[str]:
    """``{contract_id: ID|NAME[@VERSION]}``: a fixture mapped to a deployed contract."""
    if not isinstance(value, dict):
        return None
    ref = value.get("contract_id")
    if set(value) != {"contract_id"} or not isinstance(ref, str) or not ref.strip():
        raise ConfigError(
            f"fixtures[{glob!r}] must be a contract file path or {{contract_id: "
            f"ID[@VERSION]}}, got {value!r}",
            file=shown,
        )
    return ref.strip()
