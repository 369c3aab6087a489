"""``contractgate validate``: check event files (fixtures) against their contracts.

Each file is one batch, as in one ``POST /ingest``. Records are read, checked and
reported one at a time (memory stays flat however long the file), except for contracts
with uniqueness rules: those need the whole batch, so such a file is held until its end.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from typing import Any, Dict, Iterator, List, Tuple, Union

from ._checking import Located, Outcome, checked, findings_for
from ._common import (
    DEPLOYED_PREFIX,
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CLIError,
    ContractLoadError,
    Finding,
    LoadedContract,
    display_path,
    expand_files,
    load_contract,
    severity_code,
)
from ._events import EMPTY_INPUT, Tally, plural
from ._output import Output
from ._readers import InputError, Record, RecordSource


def _norm(path: str) -> str:
    return os.path.normcase(os.path.normpath(os.path.abspath(path)))


def _plan(args: argparse.Namespace, out: Output) -> List[Tuple[str, str]]:
    """(fixture file, contract file) pairs to check, in order, without duplicates."""
    from ._readers import EVENT_EXTENSIONS

    files = expand_files(list(args.files), EVENT_EXTENSIONS)
    pairs: List[Tuple[str, str]] = []
    if args.contract_id:
        if args.contract:
            raise CLIError("give --contract or --contract-id, not both", EXIT_USAGE)
        args.contract = DEPLOYED_PREFIX + args.contract_id
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

    from ._config import load_config, same_file

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
    cfg_key = same_file(cfg.path)
    named_contracts = {same_file(c): c for c in cfg.contract_files()}
    for f in files:
        if f == "-":
            raise CLIError("stdin needs --contract (no file name to map)", EXIT_USAGE)
        key = same_file(f)
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


def _uniqueness_fields(loaded: LoadedContract) -> List[str]:
    """The fields of the contract's batch uniqueness rules (none for envelope contracts,
    whose records are checked one payload at a time)."""
    contract = loaded.contract
    if contract.envelope is not None:
        return []
    return [str(q.field) for q in contract.quality if q.type.value == "uniqueness"]


class _FileCheck:
    """Validate one file against one contract, reporting as it goes."""

    def __init__(self, out: Output, args: argparse.Namespace, loaded: LoadedContract) -> None:
        self.out = out
        self.args = args
        self.loaded = loaded
        self.tally = Tally()
        self.findings: List[Finding] = []  # kept for --format json only

    def report(self, findings: List[Finding]) -> None:
        self.tally.add(findings)
        self.out.findings(findings)
        if self.out.is_json:
            self.findings.extend(findings)

    def run(self, source: RecordSource) -> None:
        unique = _uniqueness_fields(self.loaded)
        records = checked(
            source.pending(),
            self.loaded,
            jobs=self.args.jobs,
            keep_values=bool(unique),
            on_pool=lambda: self.out.info_note(
                f"{source.display}: checking in {self.args.jobs} worker processes"
            ),
        )
        if not unique:  # each record on its own: report it and let it go
            for record, outcome in records:
                self.report(findings_for(record, outcome, source.display))
            return
        self._whole_batch(source.display, records, unique)

    def _whole_batch(
        self, shown: str, records: Iterator[Tuple[Record, Outcome]], unique: List[str]
    ) -> None:
        """Uniqueness rules see the whole file as one batch (one POST /ingest), so the
        file's records are held until its end."""
        held: List[Tuple[Record, Outcome]] = []
        noted = False
        for pair in records:
            held.append(pair)
            if not noted and (len(held) > WHOLE_FILE_NOTE_AFTER or self.out.verbose):
                noted = True
                self.out.note(
                    f"{shown}: {self.loaded.label} has uniqueness rules "
                    f"({', '.join(unique)}), which apply to a whole batch: the file is "
                    "checked as one batch, held in memory"
                )
        decoded = [i for i, (record, _) in enumerate(held) if record.ok]
        extra: Dict[int, List[Located]] = {}
        values = [held[i][1].value for i in decoded]
        for i, v in self.loaded.compiled.uniqueness_violations(values):
            record = held[decoded[i]][0]
            field = str(v.field)
            extra.setdefault(decoded[i], []).append(
                Located(field, str(v.message), str(v.kind), *record.locate(field))
            )
        for i, (record, outcome) in enumerate(held):
            if i in extra:
                outcome = replace(outcome, violations=(*outcome.violations, *extra[i]))
            self.report(findings_for(record, outcome, shown))


def run(args: argparse.Namespace, out: Output) -> int:
    pairs = _plan(args, out)
    contracts: Dict[str, Union[LoadedContract, ContractLoadError]] = {}
    code = EXIT_OK
    total = Tally()
    all_findings: List[Finding] = []
    file_reports: List[Dict[str, Any]] = []
    counts = _Counts()

    for path, contract_path in pairs:
        shown = display_path(path)
        key = _norm(contract_path)
        if key not in contracts:
            try:
                contracts[key] = _load(contract_path, out)
            except ContractLoadError as err:
                contracts[key] = err
                f = err.finding
                f = replace(f, message=_LOAD_PREFIX[err.stage] + f.message, record=None)
                out.finding(f)
                all_findings.append(f)
        loaded = contracts[key]
        report: Dict[str, Any] = {"file": shown, "contract": display_path(contract_path)}
        file_reports.append(report)
        if isinstance(loaded, ContractLoadError):
            report.update(checked=False, error="contract could not be loaded")
            code = severity_code(code, EXIT_USAGE)
            counts.unchecked += 1
            continue

        check = _FileCheck(out, args, loaded)
        try:
            with RecordSource(path, args.input_format) as source:
                report["format"] = source.format
                check.run(source)
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
            all_findings.extend(check.findings)
            all_findings.append(f)
            # the records read before the file broke were reported: they count
            total.merge(check.tally)
            counts.with_failures += bool(check.tally.failed)
            report.update(checked=False, error=err.message, **check.tally.to_dict())
            code = severity_code(code, EXIT_USAGE)
            counts.unchecked += 1
            continue

        tally = check.tally
        all_findings.extend(check.findings)
        counts.with_failures += bool(tally.failed)
        empty = tally.records == 0
        if empty:
            counts.empty += 1
            counts.empty_failed += bool(args.fail_on_empty)
            _empty_file(out, args, shown, all_findings)
        if tally.failed or (empty and args.fail_on_empty):
            counts.failed += 1
            code = severity_code(code, EXIT_FAILED)
        report.update(checked=True, **tally.to_dict())
        total.merge(tally)
        mark = out.style.ok_mark if not tally.failed else out.style.fail_mark
        detail = "all passed" if not tally.failed else f"{tally.failed} failed"
        out.info(
            f"{mark} {shown} → {display_path(contract_path)} ({loaded.label}): "
            f"{plural(tally.records, 'record')}, {detail}"
        )

    _summary(out, code, pairs, total, counts, file_reports, all_findings)
    return code


def _load(contract: str, out: Output) -> LoadedContract:
    """A contract file, or a deployed contract (``deployed:ID[@VERSION]``)."""
    if contract.startswith(DEPLOYED_PREFIX):
        from ._pull import load_deployed

        return load_deployed(contract[len(DEPLOYED_PREFIX) :], out)
    return load_contract(contract)


#: with uniqueness rules, files with more records than this say they are held whole
WHOLE_FILE_NOTE_AFTER = 10_000

_LOAD_PREFIX = {
    "parse": "invalid contract YAML: ",
    "compile": "contract compile failed: ",
    "read": "cannot load contract: ",
}


class _Counts:
    def __init__(self) -> None:
        self.failed = 0  # files that failed the run (failing records, or empty ones)
        self.with_failures = 0  # files with failing records (checked whole or not)
        self.unchecked = 0
        self.empty = 0
        self.empty_failed = 0  # empty files under --fail-on-empty


def _empty_file(
    out: Output, args: argparse.Namespace, shown: str, findings: List[Finding]
) -> None:
    """A fixture with no events checks nothing: a warning, or (``--fail-on-empty``, which
    fails the run) an error."""
    if args.fail_on_empty:
        f = Finding(EMPTY_INPUT, "no records to check (--fail-on-empty)", file=shown)
        out.finding(f)
        findings.append(f)
    else:
        out.warning(
            f"{shown}: no records to check (--fail-on-empty makes this an error)", file=shown
        )


def _summary(
    out: Output,
    code: int,
    pairs: List[Tuple[str, str]],
    total: Tally,
    counts: _Counts,
    file_reports: List[Dict[str, Any]],
    findings: List[Finding],
) -> None:
    nfiles = len(pairs)
    if out.is_json:
        summary = {
            "files": nfiles,
            "files_failed": counts.failed,
            "files_unchecked": counts.unchecked,
            "files_empty": counts.empty,
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
        line = f"{out.style.ok_mark} {plural(total.records, 'record')} in {files_txt}: all passed"
        if counts.empty:
            line += f" ({plural(counts.empty, 'file')} without records)"
        out.write(line)
    else:
        bits = []
        if total.failed:
            where = f" in {counts.with_failures} of {files_txt}" if nfiles > 1 else ""
            bits.append(f"{total.failed} of {plural(total.records, 'record')} failed{where}")
        if counts.unchecked:
            bits.append(f"{plural(counts.unchecked, 'file')} could not be checked")
        if counts.empty_failed:
            bits.append(f"{plural(counts.empty_failed, 'file')} without records")
        line = f"{out.style.fail_mark} " + "; ".join(bits)
        if total.violations:
            line += f" — {plural(total.violations, 'problem')}: {total.kinds_text()}"
        out.write(line)
