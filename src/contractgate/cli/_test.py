"""``contractgate test``: the gateway CLI's ``cg test`` — one contract, one input, each
event validated on its own, streamed (NDJSON from stdin is checked as it arrives, in
constant memory; with ``--jobs N`` a chunk at a time)."""

from __future__ import annotations

import argparse
import itertools
import sys
from typing import Any, Dict, Iterator, Optional, Tuple

from ._checking import Outcome, checked, findings_for
from ._common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CLIError,
    ContractLoadError,
    Finding,
    LoadedContract,
    display_path,
    load_contract,
)
from ._events import EMPTY_INPUT, Tally, plural
from ._output import JsonStream, Output
from ._readers import Record, RecordSource

_STAGE_TEXT = {
    "parse": "invalid contract YAML: ",
    "compile": "contract compile failed: ",
    "read": "cannot read contract: ",
}


def _load(path: str) -> LoadedContract:
    try:
        return load_contract(path)
    except ContractLoadError as err:
        f = err.finding
        raise CLIError(
            _STAGE_TEXT[err.stage] + f.message,
            EXIT_USAGE,
            file=f.file,
            line=f.line,
            column=f.column,
        ) from None


def run(args: argparse.Namespace, out: Output) -> int:
    loaded = _load(args.contract)
    if args.data == "-" and _isatty(sys.stdin):
        out.warning("reading events from the terminal; end with Ctrl-D")
    with RecordSource(args.data, args.input_format) as source:
        pending = source.pending()
        first = next(pending, None)  # a document that does not parse fails before any output
        records = checked(
            itertools.chain([first] if first is not None else [], pending),
            loaded,
            jobs=args.jobs,
            on_pool=lambda: out.info_note(
                f"{source.display}: checking in {args.jobs} worker processes"
            ),
        )
        return _stream(args, out, loaded, source, records)


def _stream(
    args: argparse.Namespace,
    out: Output,
    loaded: LoadedContract,
    source: RecordSource,
    records: Iterator[Tuple[Record, Outcome]],
) -> int:
    shown = source.display
    tally = Tally()
    style = out.style
    json_out: Optional[JsonStream] = None
    if out.is_json:
        json_out = JsonStream(
            out.stdout,
            {
                "contract": {
                    "file": display_path(loaded.path),
                    "name": loaded.contract.name,
                    "version": loaded.contract.version,
                },
                "input": {"file": shown, "format": source.format},
            },
        )
    elif not out.quiet and not out.is_github:
        out.write(
            f"Testing {style.paint(shown, 'bold')} ({source.format}) against "
            f"{style.paint(loaded.label, 'bold')} ({display_path(loaded.path)})"
        )
    flush_each = source.is_stdin
    #: what ended the run midway: a read error, a worker that died, Ctrl-C
    broke: Optional[BaseException] = None
    stopped_early = False

    def handle(record: Record, outcome: Outcome) -> bool:
        findings = findings_for(record, outcome, shown)
        tally.add(findings)
        if json_out is not None:
            json_out.item(
                {
                    "record": record.number,
                    "line": record.line,
                    "passed": not findings,
                    "violations": [f.record_dict() for f in findings],
                }
            )
        elif out.is_github:
            out.findings(findings)
        elif findings:
            where = f" (line {record.line})" if record.line is not None else ""
            out.write(f"{style.fail_mark} record {record.number}{where}")
            for f in findings:
                loc = f":{f.line}" if f.line is not None and f.line != record.line else ""
                out.write(
                    f"    {style.paint(str(f.field), 'cyan')}{style.paint(loc, 'dim')}: "
                    f"{f.message} {style.paint('[' + f.kind + ']', 'red')}"
                )
        elif out.verbose:
            where = f" (line {record.line})" if record.line is not None else ""
            out.write(f"{style.ok_mark} record {record.number}{where}")
        if flush_each:
            out.flush()
        return not findings

    try:
        for record, outcome in records:
            if not handle(record, outcome) and args.fail_fast:
                stopped_early = True
                break
    except (CLIError, KeyboardInterrupt) as err:
        # the stream broke midway (NDJSON keeps what it had), a worker died, or Ctrl-C:
        # what was checked is still summed up (and the JSON document closed)
        broke = err
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()  # stop the worker processes of --jobs now (--fail-fast)

    code = EXIT_OK if tally.failed == 0 else EXIT_FAILED
    empty = tally.records == 0 and broke is None
    if empty:
        if args.fail_on_empty:
            code = EXIT_FAILED
            out.finding(Finding(EMPTY_INPUT, "no records to check (--fail-on-empty)", file=shown))
        else:
            out.warning(
                f"{shown}: no records to check (--fail-on-empty makes this an error)",
                file=None if source.is_stdin else shown,
            )
    if isinstance(broke, CLIError):
        code = broke.code
    elif broke is not None:
        code = EXIT_INTERRUPTED
    summary = {
        "total": tally.records,
        "passed": tally.passed,
        "failed": tally.failed,
        "violations": tally.violations,
        "by_kind": dict(tally.kinds_sorted()),
    }
    if json_out is not None:
        tail: Dict[str, Any] = {"summary": summary, "exit_code": code}
        if stopped_early:
            tail["stopped_early"] = True
        if broke is not None:
            tail["error"] = broke.message if isinstance(broke, CLIError) else "interrupted"
        if empty and args.fail_on_empty:
            tail["error"] = "no records to check (--fail-on-empty)"
        json_out.close(tail)
    elif not out.quiet:  # -q: the failing records above are the output
        line = f"{plural(tally.records, 'record')}: {tally.passed} passed, {tally.failed} failed"
        if tally.violations:
            line += f" — {tally.kinds_text()}"
        if stopped_early:
            line += " (stopped at the first failure: --fail-fast)"
        if empty and args.fail_on_empty:
            line += " (--fail-on-empty)"
        if isinstance(broke, KeyboardInterrupt):
            line += " (interrupted)"
        mark = style.ok_mark if code == EXIT_OK else style.fail_mark
        out.write(f"{mark} {line}")
    if broke is not None:
        raise broke  # its message on stderr, and its exit code
    return code


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
