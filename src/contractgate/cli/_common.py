"""Pieces every sub-command shares: exit codes, the finding record, contract loading.

Kept free of heavy imports: the validator is imported only when a contract is loaded.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .._validation.compiler import CompiledContract
    from ..contract import Contract

# Exit codes (documented in docs/cli.md; keep them stable).
#: how a deployed contract is named where a contract path is expected (see cli/_pull.py)
DEPLOYED_PREFIX = "deployed:"

EXIT_OK = 0  # everything checked passed
EXIT_FAILED = 1  # violations found (or a contract failed check-contracts)
EXIT_USAGE = 2  # bad usage, unreadable input, a contract that cannot be loaded
EXIT_CONFIG = 3  # configuration problem (.contractgate.yml, pyproject, missing URL/key)
EXIT_AUTH = 4  # the gateway refused the API key, or could not be reached
EXIT_GATEWAY = 5  # the gateway answered with another error, or an ingest stopped midway
EXIT_INTERNAL = 70  # a bug in contractgate itself (please report it)
EXIT_INTERRUPTED = 130  # Ctrl-C

# The pseudo-kind the gateway CLI (`cg test`) uses for input that does not parse.
PARSE_ERROR = "parse_error"
PARSE_ERROR_FIELD = "(record)"


#: What the gateway commands say when no URL is given (the library's own message names
#: its ``base_url=``/``client=`` arguments, which the command line does not have)
NO_GATEWAY = "no gateway configured: pass --base-url or set CONTRACTGATE_BASE_URL"


class CLIError(Exception):
    """An error that ends the command with ``code`` and a one-line message (no traceback)."""

    def __init__(
        self,
        message: str,
        code: int = EXIT_USAGE,
        *,
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.file = file
        self.line = line
        self.column = column

    def location(self) -> str:
        return format_location(self.file, self.line, self.column)


@dataclass(frozen=True)
class Finding:
    """One problem to report: a violation, a parse error, a contract error.

    ``record`` is the event's 1-based number in its file ("record 1" is the first);
    ``line``/``column`` are 1-based (columns count characters) and point at the field
    when it could be located, else at the record. The message carries no position of
    its own.
    """

    kind: str
    message: str
    file: Optional[str] = None
    line: Optional[int] = None
    column: Optional[int] = None
    record: Optional[int] = None
    field: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "record": self.record,
            "field": self.field,
            "kind": self.kind,
            "message": self.message,
        }

    def record_dict(self) -> Dict[str, Any]:
        """The finding inside its record's JSON entry (``test`` results, ``ingest``
        failures): the gateway's violation keys, then its own position."""
        return {
            "field": self.field,
            "message": self.message,
            "kind": self.kind,
            "line": self.line,
            "column": self.column,
        }


def format_location(file: Optional[str], line: Optional[int], column: Optional[int]) -> str:
    """``file:line:col`` with the unknown parts left out (empty string if no file)."""
    if file is None:
        return ""
    out = file
    if line is not None:
        out += f":{line}"
        if column is not None:
            out += f":{column}"
    return out


def display_path(path: str) -> str:
    """A path as the user should see it: relative to the current directory when it is
    below it, with forward slashes (so pre-commit and CI logs match the repo's paths)."""
    if path == "-":
        return "<stdin>"
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        rel = path
    if rel.startswith(".." + os.sep) or rel == "..":
        rel = path
    return rel.replace(os.sep, "/")


def expand_files(
    files: List[str], extensions: Iterable[str], *, empty_dirs: bool = False
) -> List[str]:
    """Command-line FILEs as files: a directory stands for the files below it with one
    of ``extensions`` (sorted; hidden directories skipped), and a glob that is not an
    existing path is expanded (pre-commit's ``args:`` reach us unexpanded). A directory
    holding no such file is a usage error, as a glob matching nothing is (unless
    ``empty_dirs``): checking nothing must not read as a pass."""
    from ._globs import expand_glob, is_glob

    wanted = {e.lower() for e in extensions}
    out: List[str] = []
    for f in files:
        if f != "-" and os.path.isdir(f):
            found: List[str] = []
            for dirpath, dirnames, filenames in os.walk(f):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                found.extend(
                    os.path.join(dirpath, name)
                    for name in filenames
                    if os.path.splitext(name)[1].lower() in wanted
                )
            if not found and not empty_dirs:
                *rest, last = sorted(wanted)
                kinds = f"{', '.join(rest)} or {last}" if rest else last
                raise CLIError(f"{display_path(f)}: no {kinds} file in this folder", EXIT_USAGE)
            out.extend(sorted(found))
        elif f != "-" and not os.path.exists(f) and is_glob(f):
            matched = expand_glob(f)
            if not matched:
                raise CLIError(f"no file matches {f!r}", EXIT_USAGE)
            out.extend(matched)
        else:
            out.append(f)
    return out


def severity_code(current: int, new: int) -> int:
    """Combine two exit codes: usage/input problems outrank violations, which outrank OK."""
    rank = {EXIT_OK: 0, EXIT_FAILED: 1}
    return new if rank.get(new, 2) > rank.get(current, 2) else current


# --------------------------------------------------------------------------------------
# contracts


@dataclass
class LoadedContract:
    path: str
    contract: Contract
    compiled: CompiledContract

    @property
    def label(self) -> str:
        return f"{self.contract.name} {self.contract.version}"


class ContractLoadError(Exception):
    """A contract file that could not be read, parsed or compiled."""

    def __init__(self, finding: Finding, stage: str) -> None:
        super().__init__(finding.message)
        self.finding = finding
        self.stage = stage  # "read", "parse" or "compile"


_AT_POSITION = re.compile(r" at line (\d+) column (\d+)$")


def without_position(message: str, line: Optional[int]) -> str:
    """``message`` without a trailing "at line L column C" that repeats ``line``: a
    finding shows one position, its own ``file:line:column``."""
    m = _AT_POSITION.search(message)
    if m is not None and line is not None and int(m.group(1)) == line:
        return message[: m.start()]
    return message


def compile_error_finding(err: Any, shown: str, kind: str) -> Finding:
    """The finding of a :class:`ContractCompileError` of the contract shown as ``shown``
    (a display path or a deployed contract's label), with the error's position and field."""
    line = getattr(err, "line", None)
    column = getattr(err, "column", None)
    line = line if isinstance(line, int) else None
    return Finding(
        kind=kind,
        message=without_position(str(getattr(err, "message", err)), line),
        file=shown,
        line=line,
        column=column if isinstance(column, int) and column > 0 else None,
        field=getattr(err, "path", None) or None,
    )


def load_contract(path: str) -> LoadedContract:
    """Read, parse and compile one contract file, or raise :class:`ContractLoadError`."""
    from ..exceptions import ContractCompileError

    if not os.path.isfile(path):
        what = "is a directory" if os.path.isdir(path) else "does not exist"
        raise ContractLoadError(
            Finding("read_error", f"contract file {what}", file=display_path(path)), "read"
        )
    from ..contract import Contract

    try:
        contract = Contract.from_file(path)
    except ContractCompileError as err:
        finding = compile_error_finding(err, display_path(path), "yaml_error")
        raise ContractLoadError(finding, "parse") from err
    except (OSError, UnicodeDecodeError) as err:
        raise ContractLoadError(
            Finding(
                "read_error",
                f"cannot read contract: {os_error_text(err)}",
                file=display_path(path),
            ),
            "read",
        ) from err
    try:
        compiled = contract.compile()
    except ContractCompileError as err:
        finding = compile_error_finding(err, display_path(path), "compile_error")
        raise ContractLoadError(finding, "compile") from err
    return LoadedContract(path, contract, compiled)


def os_error_text(err: BaseException) -> str:
    """A short reason for an I/O error (``No such file or directory``)."""
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err)


def gateway_client(base_url: Optional[str], api_key: Optional[str]) -> Any:
    """A :class:`~contractgate.Client` for ``--base-url``/``--api-key`` (each else its
    environment variable); a missing or bad URL is a :class:`CLIError` (exit 3)."""
    from ..client import Client

    if not base_url and not os.environ.get("CONTRACTGATE_BASE_URL", "").strip():
        raise CLIError(NO_GATEWAY, EXIT_CONFIG)
    try:
        return Client(base_url=base_url, api_key=api_key)
    except (ValueError, TypeError) as err:
        raise CLIError(str(err), EXIT_CONFIG) from None
