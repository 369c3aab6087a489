"""``contractgate pull ID[@VERSION]``: write a deployed contract's YAML into the repository,
as ``contracts/<name>/<version>.yaml`` (the gateway CLI's ``cg pull`` layout, and this
repository's); and the loading of deployed contracts for ``validate --contract-id`` and
for config entries that name one (``{contract_id: orders@2.0.0}``).

Both go through the deployed-contract cache (:mod:`contractgate._deployed`): a pinned
version is read from the cache once fetched; the latest stable is re-checked (``pull``
always asks, ``validate`` after the cache TTL), and when the gateway cannot be reached
the cached copy is used with a warning.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import stat
import tempfile
import warnings
from typing import Any, List, Optional, Tuple

from ._common import (
    DEPLOYED_PREFIX,
    EXIT_AUTH,
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_GATEWAY,
    EXIT_OK,
    EXIT_USAGE,
    NO_GATEWAY,
    CLIError,
    ContractLoadError,
    LoadedContract,
    compile_error_finding,
    display_path,
    gateway_client,
)
from ._output import Output

_EXIT_FOR_REASON = {
    "no_gateway": EXIT_CONFIG,
    "setting": EXIT_CONFIG,
    "unknown_contract": EXIT_USAGE,
    "ambiguous_name": EXIT_USAGE,
    "unreachable": EXIT_AUTH,
    "hash_mismatch": EXIT_GATEWAY,
    "invalid_answer": EXIT_GATEWAY,
}


def fetch(
    ref: str,
    out: Output,
    *,
    client: Any = None,
    ttl: Optional[float] = None,
    offline: Optional[bool] = None,
) -> Any:
    """The deployed YAML of ``ref`` (``ID|NAME[@VERSION]``); stale-cache warnings are
    printed as the CLI's warnings, every failure is a :class:`CLIError` with its exit
    code (3 no gateway configured, 2 unknown name, 4 unreachable without a usable copy,
    5 another gateway error)."""
    from .._deployed import fetch_deployed
    from ..exceptions import AuthError, DeployedContractError, HTTPError

    logged = _Logged()
    log = logging.getLogger("contractgate")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log.addHandler(logged)  # else Python's last-resort handler prints them as well
        try:
            got = fetch_deployed(ref, client=client, ttl=ttl, offline=offline)
        except DeployedContractError as err:
            code = _EXIT_FOR_REASON.get(err.reason or "", EXIT_GATEWAY)
            message = err.message
            if err.reason == "no_gateway" and message.startswith("no gateway configured"):
                message = f"{NO_GATEWAY} (the cache is kept per gateway URL)"
            raise CLIError(message, code) from None
        except AuthError as err:
            raise CLIError(f"the gateway refused the API key: {err}", EXIT_AUTH) from None
        except HTTPError as err:
            raise CLIError(f"{ref}: {err}", EXIT_GATEWAY) from None
        finally:
            log.removeHandler(logged)
            # the stale-copy warning is both logged and warned: shown once
            lines = logged.lines + [str(w.message) for w in caught]
            for line in dict.fromkeys(lines):
                out.warning(line)
    return got


class _Logged(logging.Handler):
    """The ``contractgate`` logger's warnings during a fetch (a cache file ignored or
    not written, a stale copy used), to show as the CLI's own warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        self.lines.append(text.split(": ", 1)[1] if text.startswith("contractgate: ") else text)


def load_deployed(ref: str, out: Output) -> LoadedContract:
    """Fetch and compile a deployed contract for ``validate``; a YAML or compile error
    is a :class:`ContractLoadError` like a file's."""
    from ..contract import Contract
    from ..exceptions import ContractCompileError

    got = fetch(ref, out)
    label = f"{DEPLOYED_PREFIX}{got.label}"
    try:
        contract = Contract.from_yaml(got.yaml, filename=label)
    except ContractCompileError as err:
        raise ContractLoadError(compile_error_finding(err, label, "yaml_error"), "parse") from err
    try:
        compiled = contract.compile()
    except ContractCompileError as err:
        finding = compile_error_finding(err, label, "compile_error")
        raise ContractLoadError(finding, "compile") from err
    return LoadedContract(label, contract, compiled)


def _client(args: argparse.Namespace) -> Any:
    if not (args.base_url or args.api_key):
        return None  # fetch_deployed builds one from the environment, only if it must ask
    return gateway_client(args.base_url, args.api_key)


_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]")


def _component(text: str, what: str) -> str:
    """A path component for a contract name or version (no separators, no dot-names)."""
    safe = _UNSAFE.sub("_", text).strip()
    if not safe or set(safe) <= {"."}:
        raise CLIError(f"the contract's {what} {text!r} cannot be a file name: use --output")
    return safe


def _default_dir() -> str:
    from ._config import find_config

    cfg = find_config()
    return os.path.join(os.path.dirname(cfg), "contracts") if cfg else "contracts"


def target_path(args: argparse.Namespace, name: str, version: str) -> str:
    if args.output:
        return str(args.output)
    folder = args.dir or _default_dir()
    return os.path.join(folder, _component(name, "name"), _component(version, "version") + ".yaml")


def _file_mode(path: str) -> int:
    """The mode the written file should have: an existing file's own, else that of any
    new file (0666 less the umask), not the 0600 of the temporary file it starts as."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _write(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    mode = _file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=".pull-", suffix=".yaml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _existing(path: str) -> Tuple[bool, Optional[str]]:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return True, fh.read()
    except FileNotFoundError:
        return False, None
    except (OSError, UnicodeDecodeError):
        return True, None


def run(args: argparse.Namespace, out: Output) -> int:
    from ..contract import Contract
    from ..exceptions import ContractCompileError

    client = _client(args)
    try:
        got = fetch(args.contract, out, client=client, ttl=0.0)
    finally:
        if client is not None:
            client.close()
    try:
        contract = Contract.from_yaml(got.yaml, filename=f"{DEPLOYED_PREFIX}{got.label}")
        name, version = contract.name, contract.version
    except ContractCompileError:
        name, version = got.name or got.contract_id, got.version
    pinned = "@" in args.contract
    what = f"{name} {got.version}" + ("" if pinned else " (latest stable)")
    if args.output == "-":
        out.stdout.write(got.yaml)
        return EXIT_OK
    path = target_path(args, name, got.version)
    shown = display_path(path)
    exists, current = _existing(path)
    if exists and current == got.yaml:
        status, code = "unchanged", EXIT_OK
    elif exists and not args.force:
        status, code = "differs", EXIT_FAILED
    else:
        try:
            _write(path, got.yaml)
        except OSError as err:
            raise CLIError(f"cannot write: {err.strerror or err}", EXIT_USAGE, file=shown) from None
        status, code = ("overwritten" if exists else "written"), EXIT_OK
    if out.is_json:
        out.json_document(
            {
                "command": "pull",
                "ok": code == EXIT_OK,
                "exit_code": code,
                "contract_id": got.contract_id,
                "name": name,
                "version": got.version,
                "yaml_version": version,
                "sha256": got.sha256,
                "path": shown,
                "status": status,
                "source": got.source,
            }
        )
        return code
    if status == "differs":
        out.error(
            f"{shown} differs from the deployed {what}: not overwritten (--force overwrites, "
            "or pull to another --output)"
        )
        return code
    if version != got.version:
        out.warning(f"the YAML says version {version!r}, the gateway {got.version!r}")
    verb = {"unchanged": "up to date:", "written": "pulled", "overwritten": "pulled (overwrote)"}
    note = " from the cache (gateway unreachable)" if got.source == "stale-cache" else ""
    if not out.quiet:
        out.write(f"{out.style.ok_mark} {verb[status]} {what}{note} -> {shown}")
    return code
