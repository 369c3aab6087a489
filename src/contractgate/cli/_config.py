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

Paths and globs are relative to the directory holding the config file. Globs use ``/``;
``*`` and ``?`` stay within one path segment, ``**`` spans directories, and a glob with
no ``/`` matches the file name at any depth (as in ``.gitignore``).

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
from typing import Any, Dict, Iterator, List, Optional, Pattern, Tuple

from ._common import EXIT_CONFIG, CLIError, display_path

CONFIG_NAMES = (".contractgate.yml", ".contractgate.yaml")
PYPROJECT = "pyproject.toml"

_SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox"}


class ConfigError(CLIError):
    def __init__(
        self, message: str, *, file: Optional[str] = None, line: Optional[int] = None
    ) -> None:
        super().__init__(message, EXIT_CONFIG, file=file, line=line)


# --------------------------------------------------------------------------------------
# globs


def glob_to_regex(pattern: str) -> Pattern[str]:
    """Compile a ``/``-separated glob (``**``, ``*``, ``?``, ``[…]``) to a regex that
    matches a whole relative POSIX path."""
    pat = pattern.strip()
    while pat.startswith("./"):
        pat = pat[2:]
    anchored = pat.startswith("/") or "/" in pat.rstrip("/")
    pat = pat.lstrip("/")
    out = []
    i = 0
    n = len(pat)
    while i < n:
        c = pat[i]
        if c == "*":
            if pat.startswith("**", i):
                j = i + 2
                if j < n and pat[j] == "/":
                    out.append("(?:[^/]*/)*")  # **/ : zero or more directories
                    i = j + 1
                    continue
                out.append(".*")
                i = j
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pat.find("]", i + 2 if pat[i + 1 : i + 2] in ("!", "^") else i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pat[i + 1 : j]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    body = "".join(out)
    if not anchored:
        body = "(?:.*/)?" + body
    return re.compile(body + r"\Z")


def _literal_prefix(pattern: str) -> str:
    """The directory part of a glob before its first wildcard segment ("" = the root)."""
    pat = pattern.strip()
    while pat.startswith("./"):
        pat = pat[2:]
    pat = pat.lstrip("/")
    if "/" not in pat.rstrip("/"):
        return ""
    prefix = []
    for part in pat.split("/")[:-1]:
        if any(ch in part for ch in "*?["):
            break
        prefix.append(part)
    return "/".join(prefix)


def walk_globs(root: str, globs: List[Tuple[str, Pattern[str]]]) -> Iterator[str]:
    """Files below ``root`` whose relative POSIX path matches one of ``globs`` (each
    distinct literal prefix walked once; VCS, virtualenv and cache directories skipped),
    in a stable order."""
    roots = sorted({_literal_prefix(g) for g, _ in globs})
    chosen: List[str] = []
    for r in roots:
        if not any(r == c or r.startswith(c + "/") or c == "" for c in chosen):
            chosen.append(r)
    seen = set()
    for prefix in chosen:
        top = os.path.join(root, prefix) if prefix else root
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                if rel in seen:
                    continue
                if any(rx.match(rel) for _, rx in globs):
                    seen.add(rel)
                    yield full


def is_glob(arg: str) -> bool:
    return any(ch in arg for ch in "*?[")


def expand_glob(pattern: str) -> List[str]:
    """The files a command-line glob names (``*``, ``?``, ``[…]``, ``**``), relative to
    the current directory, as a shell would expand it: no shell does it for pre-commit's
    ``args:``."""
    pat = pattern.replace(os.sep, "/")
    if os.path.isabs(pattern):
        drive, rest = os.path.splitdrive(pat)
        root = (drive or "") + "/"
        rel_pat = rest.lstrip("/")
    else:
        root = os.curdir
        rel_pat = pat
        while rel_pat.startswith("./"):
            rel_pat = rel_pat[2:]
    rx = glob_to_regex("/" + rel_pat)  # anchored: a name-only glob means this directory
    found = walk_globs(root, [(rel_pat, rx)])
    return [os.path.normpath(f) if root == os.curdir else f for f in found]


# --------------------------------------------------------------------------------------
# the config


@dataclass
class FixtureRule:
    glob: str
    contract: str  # path relative to the config's directory, as written
    regex: Pattern[str]
    deployed: Optional[str] = None  # ID|NAME[@VERSION] of a deployed contract instead


#: how a deployed contract is named where a contract path is expected (see cli/_pull.py)
DEPLOYED_PREFIX = "deployed:"


@dataclass
class Config:
    path: str  # the file it was read from
    root: str  # its directory; globs and contract paths are relative to it
    fixtures: List[FixtureRule] = field(default_factory=list)
    contracts: List[Tuple[str, Pattern[str]]] = field(default_factory=list)
    breaking: Optional[Dict[str, Any]] = None  # the diff command's policy, checked there

    @property
    def display(self) -> str:
        return display_path(self.path)

    def relative(self, file: str) -> Optional[str]:
        """``file`` relative to the config root (POSIX), or None when outside it."""
        rel = os.path.relpath(os.path.abspath(file), self.root)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return None
        return rel.replace(os.sep, "/")

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
        absolute = os.path.normpath(os.path.abspath(file))
        if absolute in self.contract_files():
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
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*contractgate\s*[.\]]", text, re.M) is not None


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


def _read_yaml_config(path: str, shown: str) -> Dict[str, Any]:
    from .._validation.yamldoc import YAMLError, error_position, error_text, load

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read config: {err}", file=shown) from None
    try:
        data = load(text)
    except YAMLError as err:
        line, _ = error_position(err)
        raise ConfigError(f"invalid YAML: {error_text(err)}", file=shown, line=line) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("the config must be a mapping", file=shown)
    return data


def _read_pyproject(path: str, shown: str) -> Dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as err:
        raise ConfigError(f"cannot read config: {err}", file=shown) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("pyproject.toml is not valid UTF-8", file=shown) from None
    loads = _toml_loads()
    try:
        doc = loads(text)
    except ValueError as err:  # tomllib.TOMLDecodeError is a ValueError
        raise ConfigError(f"invalid TOML: {err}", file=shown) from None
    tool = doc.get("tool", {})
    table = tool.get("contractgate", {}) if isinstance(tool, dict) else {}
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
        return _mini_toml_loads


def _build(path: str, data: Dict[str, Any], shown: str) -> Config:
    cfg = Config(path=path, root=os.path.dirname(path))
    fixtures = data.get("fixtures")
    if fixtures is not None:
        if not isinstance(fixtures, dict):
            raise ConfigError(
                "'fixtures' must map globs to contract files (glob: contract.yaml)", file=shown
            )
        for glob, contract in fixtures.items():
            deployed = _deployed_entry(glob, contract, shown)
            if deployed is not None:
                rule = FixtureRule(str(glob), "", glob_to_regex(str(glob)), deployed)
                cfg.fixtures.append(rule)
                continue
            if not isinstance(contract, str) or not contract.strip():
                raise ConfigError(
                    f"fixtures[{glob!r}] must be a contract file path or {{contract_id: "
                    f"ID[@VERSION]}}, got {contract!r}",
                    file=shown,
                )
            cfg.fixtures.append(FixtureRule(str(glob), contract.strip(), glob_to_regex(str(glob))))
    contracts = data.get("contracts")
    if contracts is not None:
        if isinstance(contracts, str):
            contracts = [contracts]
        if not isinstance(contracts, list) or not all(isinstance(c, str) for c in contracts):
            raise ConfigError("'contracts' must be a list of globs", file=shown)
        cfg.contracts = [(c, glob_to_regex(c)) for c in contracts]
    breaking = data.get("breaking")
    if breaking is not None and not isinstance(breaking, dict):
        raise ConfigError("'breaking' must be a mapping (require, unknown, sides)", file=shown)
    cfg.breaking = breaking
    return cfg


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


# --------------------------------------------------------------------------------------
# a minimal TOML reader for [tool.contractgate] on Python < 3.11 without tomli


class _MiniTomlError(ValueError):
    pass


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _mini_toml_loads(text: str) -> Dict[str, Any]:
    """Read just the ``[tool.contractgate]`` tables: keys (bare, quoted, dotted) with
    string, array, inline-table, boolean and integer values. Other tables are skipped."""
    root: Dict[str, Any] = {}
    current: Optional[Dict[str, Any]] = None
    pos = 0
    n = len(text)
    while pos < n:
        pos = _toml_skip_blank(text, pos)
        if pos >= n:
            break
        if text[pos] == "[":
            end = text.find("\n", pos)
            header = text[pos : n if end < 0 else end]
            m = re.match(r"\[\s*([^\[\]]+?)\s*\](?:\s*#.*)?\s*$", header)
            if header.startswith("[["):
                current = None
            elif m:
                keys, _ = _toml_key(m.group(1), 0)
                if keys[:2] == ["tool", "contractgate"]:
                    current = root.setdefault("tool", {}).setdefault("contractgate", {})
                    for k in keys[2:]:
                        current = current.setdefault(k, {})
                else:
                    current = None
            pos = n if end < 0 else end + 1
            continue
        if current is None:
            pos = _toml_skip_statement(text, pos)
            continue
        keys, pos = _toml_key(text, pos)
        pos = _toml_skip_spaces(text, pos)
        if text[pos : pos + 1] != "=":
            raise _MiniTomlError(f"expected '=' at offset {pos}")
        value, pos = _toml_value(text, _toml_skip_spaces(text, pos + 1))
        target = current
        for k in keys[:-1]:
            target = target.setdefault(k, {})
        target[keys[-1]] = value
    return root


def _toml_skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _toml_skip_blank(text: str, pos: int) -> int:
    """Skip whitespace, newlines and comments."""
    while pos < len(text):
        c = text[pos]
        if c in " \t\r\n":
            pos += 1
        elif c == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end + 1
        else:
            break
    return pos


def _toml_skip_statement(text: str, pos: int) -> int:
    """Skip a key = value line of a table we do not read (multi-line strings and
    arrays included)."""
    depth = 0
    n = len(text)
    while pos < n:
        if text.startswith('"""', pos) or text.startswith("'''", pos):
            q = text[pos : pos + 3]
            end = text.find(q, pos + 3)
            pos = n if end < 0 else end + 3
            continue
        c = text[pos]
        if c in "\"'":
            _, pos = _toml_string(text, pos)
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "#":
            end = text.find("\n", pos)
            pos = n if end < 0 else end
            continue
        elif c == "\n" and depth <= 0:
            return pos + 1
        pos += 1
    return pos


def _toml_key(text: str, pos: int) -> Tuple[List[str], int]:
    keys: List[str] = []
    while True:
        pos = _toml_skip_spaces(text, pos)
        if text[pos : pos + 1] in ('"', "'"):
            key, pos = _toml_string(text, pos)
        else:
            m = _BARE_KEY.match(text, pos)
            if not m:
                raise _MiniTomlError(f"bad key at offset {pos}")
            key, pos = m.group(), m.end()
        keys.append(key)
        pos = _toml_skip_spaces(text, pos)
        if text[pos : pos + 1] == ".":
            pos += 1
            continue
        return keys, pos


_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def _toml_string(text: str, pos: int) -> Tuple[str, int]:
    quote = text[pos]
    if text.startswith(quote * 3, pos):
        end = text.find(quote * 3, pos + 3)
        if end < 0:
            raise _MiniTomlError("unterminated string")
        body = text[pos + 3 : end]
        if body.startswith("\n"):
            body = body[1:]
        return (body if quote == "'" else _toml_unescape(body)), end + 3
    end = pos + 1
    while end < len(text) and text[end] != quote and text[end] != "\n":
        if quote == '"' and text[end] == "\\":
            end += 1
        end += 1
    if end >= len(text) or text[end] != quote:
        raise _MiniTomlError("unterminated string")
    body = text[pos + 1 : end]
    return (body if quote == "'" else _toml_unescape(body)), end + 1


def _toml_unescape(body: str) -> str:
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in ("u", "U"):
            width = 4 if nxt == "u" else 8
            out.append(chr(int(body[i + 2 : i + 2 + width], 16)))
            i += 2 + width
        else:
            raise _MiniTomlError(f"bad escape \\{nxt}")
    return "".join(out)


def _toml_value(text: str, pos: int) -> Tuple[Any, int]:
    c = text[pos : pos + 1]
    if c in ('"', "'"):
        return _toml_string(text, pos)
    if c == "[":
        items: List[Any] = []
        pos = _toml_skip_blank(text, pos + 1)
        while text[pos : pos + 1] != "]":
            value, pos = _toml_value(text, pos)
            items.append(value)
            pos = _toml_skip_blank(text, pos)
            if text[pos : pos + 1] == ",":
                pos = _toml_skip_blank(text, pos + 1)
            elif text[pos : pos + 1] != "]":
                raise _MiniTomlError(f"expected ',' or ']' at offset {pos}")
        return items, pos + 1
    if c == "{":
        table: Dict[str, Any] = {}
        pos = _toml_skip_spaces(text, pos + 1)
        while text[pos : pos + 1] != "}":
            keys, pos = _toml_key(text, pos)
            pos = _toml_skip_spaces(text, pos)
            if text[pos : pos + 1] != "=":
                raise _MiniTomlError(f"expected '=' at offset {pos}")
            value, pos = _toml_value(text, _toml_skip_spaces(text, pos + 1))
            target = table
            for k in keys[:-1]:
                target = target.setdefault(k, {})
            target[keys[-1]] = value
            pos = _toml_skip_spaces(text, pos)
            if text[pos : pos + 1] == ",":
                pos = _toml_skip_spaces(text, pos + 1)
            elif text[pos : pos + 1] != "}":
                raise _MiniTomlError(f"expected ',' or '}}' at offset {pos}")
        return table, pos + 1
    m = re.compile(r"true|false|[-+]?[0-9_]+").match(text, pos)
    if not m:
        raise _MiniTomlError(f"unsupported value at offset {pos}")
    word = m.group()
    if word in ("true", "false"):
        return word == "true", m.end()
    return int(word.replace("_", "")), m.end()
