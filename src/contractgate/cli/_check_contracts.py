"""``contractgate check-contracts``: parse and compile contracts (the gateway CLI's
``cg validate``), optionally checking them against the contract JSON Schema."""

from __future__ import annotations

import argparse
import os
from typing import Any, Dict, List, Optional

from ._common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CLIError,
    ContractLoadError,
    Finding,
    display_path,
    expand_files,
    load_contract,
    severity_code,
)
from ._config import Config
from ._output import Output

# The local gateway's registry file lives among the contracts but is not one.
_NOT_CONTRACTS = {"_gateway.yaml", "_gateway.yml"}

_PREFIX = {"parse": "YAML parse error: ", "compile": "compile error: ", "read": ""}


_CONTRACT_EXTENSIONS = (".yaml", ".yml")

#: where contracts live when the config does not say (the hooks' default ``files:``)
CONTRACTS_DIR = "contracts"


def _select_files(args: argparse.Namespace, out: Output) -> List[str]:
    from ._config import load_config

    explicit = list(args.files)
    cfg = None
    if not explicit or args.config:
        cfg = load_config(args.config)
    elif explicit:
        # Only to filter what pre-commit passes; a broken config must not hide contracts.
        try:
            cfg = load_config(None)
        except CLIError:
            cfg = None
    if not explicit:
        return _every_contract(cfg, out)
    selected = []
    for f in expand_files(explicit, _CONTRACT_EXTENSIONS):
        name = os.path.basename(f)
        if name in _NOT_CONTRACTS:
            out.info(f"skipped {display_path(f)} (the local gateway's registry, not a contract)")
            continue
        if cfg is not None and cfg.contracts and os.path.isfile(f) and not cfg.is_contract(f):
            out.info(f"skipped {display_path(f)} (not a contract according to {cfg.display})")
            continue
        selected.append(f)
    return selected


def _every_contract(cfg: Optional[Config], out: Output) -> List[str]:
    """Every contract of the repository: the config's ``contracts`` globs when it has
    them, else each .yaml/.yml file under ``contracts/`` (beside the config, else at the
    repository root) plus the contracts its ``fixtures`` mapping names elsewhere."""
    if cfg is not None and cfg.contracts:
        files = cfg.contract_glob_files()
        where = f"the 'contracts' globs of {cfg.display}"
    else:
        root = cfg.root if cfg is not None else _repository_root()
        folder = os.path.join(root, CONTRACTS_DIR)
        files = (
            expand_files([folder], _CONTRACT_EXTENSIONS, empty_dirs=True)
            if os.path.isdir(folder)
            else []
        )
        if cfg is not None:
            files.extend(cfg.contract_files())
        if cfg is None and not os.path.isdir(folder):
            raise CLIError(
                f"no contract files given, no {display_path(folder)}/ directory and no "
                "config found (.contractgate.yml or [tool.contractgate] in pyproject.toml)",
                EXIT_USAGE,
            )
        where = f"{display_path(folder)}/" + (
            f" or the 'fixtures' of {cfg.display}" if cfg is not None else ""
        )
    files = [f for f in files if os.path.basename(f) not in _NOT_CONTRACTS]
    if not files:
        out.warning(f"no contracts found in {where}")
    return files


def _repository_root() -> str:
    """The nearest directory upwards with a ``.git``, else the current directory."""
    here = os.path.abspath(os.getcwd())
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return os.getcwd()
        here = parent


def run(args: argparse.Namespace, out: Output) -> int:
    files = _dedupe(_select_files(args, out))
    strict: bool = args.strict
    code = EXIT_OK
    reports: List[Dict[str, Any]] = []
    all_findings: List[Finding] = []
    failed = 0
    for path in files:
        shown = display_path(path)
        findings: List[Finding] = []
        name: Optional[str] = None
        version: Optional[str] = None
        engine_lines = set()
        try:
            loaded = load_contract(path)
            name, version = loaded.contract.name, loaded.contract.version
        except ContractLoadError as err:
            f = err.finding
            f = Finding(
                f.kind, _PREFIX[err.stage] + f.message, f.file, f.line, f.column, None, f.field
            )
            findings.append(f)
            engine_lines.add(f.line)
            code = severity_code(code, EXIT_USAGE if err.stage == "read" else EXIT_FAILED)
        if strict and not (findings and findings[0].kind == "read_error"):
            from ._schema import check_contract_schema

            try:
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
            except (OSError, UnicodeDecodeError):
                text = None
            if text is not None:
                schema_findings = [
                    s
                    for s in check_contract_schema(text, shown)
                    if s.line not in engine_lines or s.line is None
                ]
                if schema_findings:
                    code = severity_code(code, EXIT_FAILED)
                findings.extend(schema_findings)
        ok = not findings
        if not ok:
            failed += 1
        out.findings(findings)
        if ok:
            out.info(f"{out.style.ok_mark} {shown} ({name} {version})")
        reports.append(
            {
                "file": shown,
                "ok": ok,
                "name": name,
                "version": version,
                "errors": len(findings),
            }
        )
        all_findings.extend(findings)

    total = len(files)
    if out.is_json:
        out.json_document(
            {
                "command": "check-contracts",
                "ok": code == EXIT_OK,
                "exit_code": code,
                "strict": strict,
                "summary": {
                    "contracts": total,
                    "passed": total - failed,
                    "failed": failed,
                    "errors": len(all_findings),
                },
                "contracts": reports,
                "errors": [f.to_dict() for f in all_findings],
            }
        )
    elif not out.quiet:  # -q: the findings above are the output
        what = "contract" if total == 1 else "contracts"
        mode = " (strict)" if strict else ""
        if code == EXIT_OK:
            out.write(f"{out.style.ok_mark} {total} {what} OK{mode}")
        else:
            errs = len(all_findings)
            out.write(
                f"{out.style.fail_mark} {failed} of {total} {what} failed{mode}: "
                f"{errs} error{'s' if errs != 1 else ''}"
            )
    return code


def _dedupe(files: List[str]) -> List[str]:
    seen = set()
    out = []
    for f in files:
        key = os.path.normcase(os.path.abspath(f))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
