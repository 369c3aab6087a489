"""``contractgate validate``: check event files (fixtures) against their contracts."""

from __future__ import annotations

import argparse
import os
from typing import Any, Dict, List, Tuple, Union

from ._common import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CLIError,
    ContractLoadError,
    Finding,
    LoadedContract,
    display_path,
    load_contract,
    severity_code,
)
from ._events import Tally, envelope_findings, parse_error_finding, plural, violation_findings
from ._output import Output
from ._readers import InputError, Record, RecordSource


def _norm(path: str) -> str:
    return os.path.normcase(os.path.normpath(os.path.abspath(path)))


def _expand_dirs(files: List[str]) -> List[str]:
    """Directories stand for the event files below them (by extension, sorted)."""
    from ._readers import EVENT_EXTENSIONS

    out: List[str] = []
    for f in files:
        if f != "-" and os.path.isdir(f):
            found: List[str] = []
            for dirpath, dirnames, filenames in os.walk(f):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                found.extend(
                    os.path.join(dirpath, name)
                    for name in filenames
                    if os.path.splitext(name)[1].lower() in EVENT_EXTENSIONS
                )
            out.extend(sorted(found))
        else:
            out.append(f)
    return out


def _plan(args: argparse.Namespace, out: Output) -> List[Tuple[str, str]]:
    """(fixture file, contract file) pairs to check, in order, without duplicates."""
    files: List[str] = _expand_dirs(list(args.files))
    pairs: List[Tuple[str, str]] = []
    if args.contract:
        if not files:
            raise CLIError(
                "no event files given (validate --contract CONTRACT FILE...)", EXIT_USAGE
            )
        contract_key = _norm(args.contract)
        for f in files:
            if f != "-" and _norm(f) == contract_key:
                out.info(f"skipped {display_path(f)} (it is the contract)")
                continue
            pairs.append((f, args.contract))
        return _dedupe(pairs)

    from ._config import load_config

    cfg = load_config(args.config)
    if cfg is None:
        raise CLIError(
            "no --contract given and no config found: add a 'fixtures' mapping "
            "(glob: contract) to .contractgate.yml or [tool.contractgate] in pyproject.toml",
            EXIT_CONFIG,
        )
    if not cfg.fixtures:
        raise CLIError(
            f"{cfg.display} has no 'fixtures' mapping (glob: contract file)", EXIT_CONFIG
        )
    if not files:
        return [(f, _contract_of(cfg, f)) for f in cfg.fixture_files()]
    cfg_key = _norm(cfg.path)
    named_contracts = {_norm(c): c for c in cfg.contract_files()}
    for f in files:
        if f == "-":
            raise CLIError("stdin needs --contract (no file name to map)", EXIT_USAGE)
        key = _norm(f)
        if key == cfg_key:
            out.info(f"{display_path(f)} changed: checking every mapped fixture")
            pairs.extend((x, _contract_of(cfg, x)) for x in cfg.fixture_files())
        elif key in named_contracts:
            fixtures = cfg.fixture_files(named_contracts[key])
            out.info(
                f"{display_path(f)} is a contract: checking its {plural(len(fixtures), 'fixture')}"
            )
            pairs.extend((x, named_contracts[key]) for x in fixtures)
        elif cfg.is_contract(f):
            out.info(f"skipped {display_path(f)} (a contract no fixture maps to)")
        else:
            contract = cfg.contract_for(f)
            if contract is None:
                out.info(f"skipped {display_path(f)} (no glob in {cfg.display} matches it)")
                continue
            pairs.append((f, contract))
    return _dedupe(pairs)


def _contract_of(cfg: Any, fixture: str) -> str:
    contract = cfg.contract_for(fixture)
    assert contract is not None
    return str(contract)


def _dedupe(pairs: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    seen = set()
    out = []
    for f, c in pairs:
        key = f if f == "-" else _norm(f)
        if key not in seen:
            seen.add(key)
            out.append((f, c))
    return out


def check_records(
    loaded: LoadedContract, records: List[Record], file: str
) -> List[Tuple[Record, List[Finding]]]:
    """Validate one file's records as one batch (per-event rules, then uniqueness)."""
    compiled = loaded.compiled
    decoded = [r for r in records if r.ok]
    results: Dict[int, List[Finding]] = {}
    if getattr(compiled, "has_envelope", False):
        envelope = loaded.contract.envelope
        records_path = str(getattr(envelope, "records_path", ""))
        for r in decoded:
            results[r.index] = envelope_findings(
                r, compiled.validate_envelope(r.value), records_path, file
            )
    else:
        verdicts = compiled.validate_batch([r.value for r in decoded])
        for r, vr in zip(decoded, verdicts):
            results[r.index] = violation_findings(r, vr.violations, file)
    out = []
    for r in records:
        if r.ok:
            out.append((r, results[r.index]))
        else:
            out.append((r, [parse_error_finding(r, file)]))
    return out


def run(args: argparse.Namespace, out: Output) -> int:
    pairs = _plan(args, out)
    contracts: Dict[str, Union[LoadedContract, ContractLoadError]] = {}
    code = EXIT_OK
    total = Tally()
    all_findings: List[Finding] = []
    file_reports: List[Dict[str, Any]] = []
    files_failed = 0
    files_unchecked = 0

    for path, contract_path in pairs:
        shown = display_path(path)
        key = _norm(contract_path)
        if key not in contracts:
            try:
                contracts[key] = load_contract(contract_path)
            except ContractLoadError as err:
                contracts[key] = err
                f = err.finding
                prefix = (
                    "invalid contract YAML: "
                    if err.stage == "parse"
                    else (
                        "contract compile failed: "
                        if err.stage == "compile"
                        else "cannot load contract: "
                    )
                )
                f = Finding(f.kind, prefix + f.message, f.file, f.line, f.column, None, f.field)
                out.finding(f)
                all_findings.append(f)
        loaded = contracts[key]
        report: Dict[str, Any] = {"file": shown, "contract": display_path(contract_path)}
        if isinstance(loaded, ContractLoadError):
            report.update(checked=False, error="contract could not be loaded")
            file_reports.append(report)
            code = severity_code(code, EXIT_USAGE)
            files_unchecked += 1
            continue

        tally = Tally()
        try:
            with RecordSource(path, args.input_format) as source:
                report["format"] = source.format
                records = list(source)
        except InputError as err:
            f = Finding(
                "parse_error"
                if err.line is not None or "parse error" in err.message
                else "read_error",
                err.message,
                file=shown,
                line=err.line,
                column=err.column,
            )
            out.finding(f)
            all_findings.append(f)
            report.update(checked=False, error=err.message)
            file_reports.append(report)
            code = severity_code(code, EXIT_USAGE)
            files_unchecked += 1
            continue

        for _record, findings in check_records(loaded, records, shown):
            tally.add(findings)
            out.findings(findings)
            all_findings.extend(findings)
        if tally.failed:
            files_failed += 1
            code = severity_code(code, EXIT_FAILED)
        report.update(checked=True, **tally.to_dict())
        file_reports.append(report)
        total.merge(tally)
        mark = out.style.ok_mark if not tally.failed else out.style.fail_mark
        detail = "all passed" if not tally.failed else f"{tally.failed} failed"
        out.info(
            f"{mark} {shown} → {display_path(contract_path)} ({loaded.label}): "
            f"{plural(tally.records, 'record')}, {detail}"
        )

    counts = (files_failed, files_unchecked)
    _summary(out, code, pairs, total, counts, file_reports, all_findings)
    return code


def _summary(
    out: Output,
    code: int,
    pairs: List[Tuple[str, str]],
    total: Tally,
    counts: Tuple[int, int],
    file_reports: List[Dict[str, Any]],
    findings: List[Finding],
) -> None:
    nfiles = len(pairs)
    files_failed, files_unchecked = counts
    if out.is_json:
        summary = {
            "files": nfiles,
            "files_failed": files_failed,
            "files_unchecked": files_unchecked,
            **total.to_dict(),
        }
        out.json_document(
            {
                "command": "validate",
                "ok": code == EXIT_OK,
                "exit_code": code,
                "summary": summary,
                "files": file_reports,
                "errors": [f.to_dict() for f in findings],
            }
        )
        return
    if out.quiet:
        return
    files_txt = plural(nfiles, "file")
    if nfiles == 0:
        out.write("no fixture files to check")
    elif code == EXIT_OK:
        out.write(
            f"{out.style.ok_mark} {plural(total.records, 'record')} in {files_txt}: all passed"
        )
    else:
        bits = []
        if total.failed:
            where = f" in {files_failed} of {files_txt}" if nfiles > 1 else ""
            bits.append(f"{total.failed} of {plural(total.records, 'record')} failed{where}")
        if files_unchecked:
            bits.append(f"{plural(files_unchecked, 'file')} could not be checked")
        line = f"{out.style.fail_mark} " + "; ".join(bits)
        if total.violations:
            line += f" — {plural(total.violations, 'problem')}: {total.kinds_text()}"
        out.write(line)
