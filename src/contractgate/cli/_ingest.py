"""``contractgate ingest``: send a file of events to a gateway through ``Client``.

Events are read as a stream and sent in batches of ``--batch-size`` (memory stays
bounded for NDJSON), with a progress bar (rate and, when the input's length is known,
ETA) on stderr when it is a terminal. The summary says how many passed and failed, and
what the gateway stored: quarantine rows are counted from each answer's
:attr:`~contractgate.BatchIngestResponse.quarantined` (none for a dry run or an atomic
rejection, although each failing result carries a ``quarantine_id`` even then).
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, TextIO, Tuple

from ._common import (
    EXIT_AUTH,
    EXIT_FAILED,
    EXIT_GATEWAY,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CLIError,
    Finding,
    gateway_client,
)
from ._events import parse_error_finding, plural
from ._output import Output
from ._readers import Record, RecordSource

_SHOW_FAILURES = 20  # failing events listed in text output without -v
#: The problem of a record the gateway could never take (over its per-event limit,
#: nested too deeply): reported like a parse error, and not sent.
UNSENDABLE = "unsendable"
UNSENDABLE_FIELD = "(record)"


class Progress:
    """A one-line progress bar on a terminal (stderr) with the rate and, when the
    input's length is known, the ETA; silent otherwise."""

    def __init__(self, stream: TextIO, enabled: bool, total: Optional[int]) -> None:
        self.stream = stream
        self.enabled = enabled
        self.total = total
        self._start = time.monotonic()
        self._last = -1.0
        self._shown = False

    def update(self, sent: int, passed: int, failed: int, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and self._last >= 0 and now - self._last < 0.1:
            return
        self._last = now
        elapsed = now - self._start
        rate = sent / elapsed if elapsed > 0 else 0.0
        counts = f"{passed:,} passed · {failed:,} failed · {_rate_text(rate)}"
        if self.total:
            width = 24
            done = min(width, int(width * sent / self.total))
            bar = "█" * done + "░" * (width - done)
            pct = min(100, int(100 * sent / self.total))
            line = f"ingesting [{bar}] {pct:3d}% {sent:,}/{self.total:,} · {counts}"
            if 0 < sent < self.total and rate > 0:
                line += f" · ETA {_duration_text((self.total - sent) / rate)}"
        else:
            line = f"ingesting … {sent:,} sent · {counts}"
        self.stream.write("\r\x1b[2K" + line)
        self.stream.flush()
        self._shown = True

    def finish(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def _rate_text(rate: float) -> str:
    return f"{rate:,.0f} events/s" if rate >= 10 else f"{rate:.1f} events/s"


def _duration_text(seconds: float) -> str:
    s = int(seconds + 0.5)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def _count_lines(path: str) -> Optional[int]:
    """Non-blank lines of an NDJSON file (for the progress bar's total)."""
    try:
        n = 0
        with open(path, "rb") as fh:
            for line in fh:
                if line.strip():
                    n += 1
        return n
    except OSError:
        return None


@dataclass
class _Target:
    contract_id: str
    name: Optional[str]  # when --contract-id was a name
    version: Optional[str]


class _Totals:
    def __init__(self) -> None:
        self.contract_id: Optional[str] = None
        self.contract_name: Optional[str] = None
        self.sent = 0
        self.passed = 0
        self.failed = 0
        self.quarantined = 0  # quarantine rows actually written
        self.stored = 0  # events the gateway wrote (audit or quarantine rows)
        self.unparsed = 0
        self.unsendable = 0  # parsed, but the gateway could never take them
        self.batches = 0
        self.requests = 0  # parts sent (or tried): the partition numbers of --job-id
        self.replayed = 0  # answered from the idempotency cache: stored by an earlier run
        self.rejected_batches = 0  # atomic rejections: nothing written
        self.by_kind: Dict[str, int] = {}
        self.resolved_version: Optional[str] = None
        self.version_pin_source: Optional[str] = None
        self.versions: Dict[str, int] = {}

    def kinds(self) -> List[Tuple[str, int]]:
        return sorted(self.by_kind.items(), key=lambda kv: (-kv[1], kv[0]))


def _make_client(args: argparse.Namespace) -> Any:
    return gateway_client(args.base_url, args.api_key)


def _canonical_id(text: str) -> Optional[str]:
    """``text`` as a contract id in its one canonical spelling (lower case, hyphens), or
    None when it is not a UUID. Every spelling the gateway reads (capitals, braces,
    ``urn:uuid:``, no hyphens) names the same contract, and must key a ``--job-id`` the
    same: another spelling would store a resumed run a second time under other keys."""
    from .._http.request import uuid_text

    return uuid_text(text)


def resolve_contract(client: Any, text: str) -> Tuple[str, Optional[str], Optional[str]]:
    """``--contract-id`` as (id, name or None, version pin from an ``@`` suffix). A value
    that is not a UUID is a contract name, looked up in the gateway's contract list."""
    base, at, suffix = text.partition("@")
    version = suffix if at and suffix else None
    canonical = _canonical_id(base)
    if canonical is not None:
        return canonical, None, version
    contracts = client.list_contracts()
    matches = [c for c in contracts if c.name == base]
    if len(matches) == 1:
        return str(matches[0].id), base, version
    if matches:
        listed = "; ".join(f"{c.id} (latest stable {c.latest_stable_version})" for c in matches)
        raise CLIError(
            f"{len(matches)} contracts are named {base!r}: pass one id with --contract-id: "
            + listed,
            EXIT_USAGE,
        )
    if contracts:
        listed = "; ".join(f"{c.name} ({c.id})" for c in sorted(contracts, key=lambda c: c.name))
        hint = f"the gateway's contracts: {listed}"
    else:
        hint = "the gateway has no contracts"
    raise CLIError(f"no contract named {base!r} (and it is not a contract id); {hint}", EXIT_USAGE)


#: The request numbers a --job-id key is checked for before anything is sent: a run of
#: up to this many requests (10^8, of up to 1000 events each) never meets a key the
#: gateway refuses midway, after some of its batches were stored.
_MAX_REQUESTS = 10**8


def _check_job_keys(job_id: str, target: _Target) -> None:
    """Whether the gateway takes every idempotency key a run of ``--job-id`` may send:
    the job id, the contract id and version pin, the request number (:func:`partition_key`)
    and the ``#<n>`` the client adds for each further request of a batch over 2 MB."""
    from .._http.chunking import MAX_EVENTS_PER_BATCH
    from .._http.ingest_plan import check_idempotency_key
    from ..partitions import partition_key

    try:
        longest = partition_key(job_id, target.contract_id, _MAX_REQUESTS - 1, target.version)
        check_idempotency_key(f"{longest}#{MAX_EVENTS_PER_BATCH - 1}")
    except ValueError as err:
        pinned = f" version {target.version}" if target.version else ""
        raise CLIError(
            f"--job-id: the idempotency keys of this run (job id, contract "
            f"{target.contract_id}{pinned}, request number) cannot all be sent: {err}; use "
            "a shorter --job-id",
            EXIT_USAGE,
        ) from None


def run(args: argparse.Namespace, out: Output) -> int:
    from .._http.ingest_plan import IngestRefused
    from ..exceptions import (
        APITimeoutError,
        AtomicRejectedError,
        AuthError,
        ContractGateError,
        DeprecatedVersionError,
        EventEncodeError,
        IdempotencyConflictError,
        InvalidResponseError,
        PartialIngestError,
        ServerError,
    )
    from ..exceptions import ConnectionError as GatewayConnectionError
    from ..partitions import check_job_id, partition_key

    if args.job_id is not None:
        if args.dry_run:
            raise CLIError("--job-id makes a run resumable; a dry run stores nothing", EXIT_USAGE)
        try:
            check_job_id(args.job_id)
        except ValueError as err:
            raise CLIError(f"--job-id: {err}", EXIT_USAGE) from None
    source = RecordSource(args.file, args.input_format)
    try:
        client = _make_client(args)
    except BaseException:
        source.close()
        raise
    shown = source.display
    show_progress = args.progress == "always" or (
        args.progress == "auto" and not out.quiet and not out.is_json and _isatty(out.stderr)
    )
    total_hint = None
    if show_progress and not source.is_stdin:
        total_hint = _count_lines(args.file) if source.format == "ndjson" else None
    if show_progress and total_hint is None and source.length is not None:
        total_hint = source.length
    totals = _Totals()
    failures: List[Dict[str, Any]] = []
    printed_failures = 0
    error: Optional[BaseException] = None
    progress = Progress(out.stderr, show_progress, total_hint)
    target: Optional[_Target] = None
    noted = {"deprecated": False, "split": False}
    acked: Optional[Record] = None  # the last record of the last acknowledged part
    sending: Optional[List[Record]] = None  # the part whose request is out

    def report_finding(f: Finding) -> None:
        nonlocal printed_failures
        if out.is_json:
            return
        if out.verbose or printed_failures < _SHOW_FAILURES:
            progress.finish()
            out.finding(f)
        printed_failures += 1

    def post(part: List[Record]) -> Any:
        """``part`` in one request (at most 1000 events: ``--batch-size``), or in a
        request per 2 MB of it (with --atomic, refused: :class:`IngestRefused`). With
        ``--job-id`` the n-th part sent has the key of partition n of that job, the
        same on every run of the same command."""
        assert target is not None
        key = None
        if args.job_id is not None:
            key = partition_key(
                args.job_id, target.contract_id, totals.requests, target.version
            )
        totals.requests += 1
        try:
            return client.ingest(
                target.contract_id,
                [r.value for r in part],
                version=target.version,
                dry_run=args.dry_run,
                atomic=args.atomic,
                idempotency_key=key,
            )
        except AtomicRejectedError as err:
            if err.result is None:
                raise
            totals.rejected_batches += 1
            return err.result
        except DeprecatedVersionError as err:
            if err.result is None:
                raise
            if not noted["deprecated"]:  # the same for every batch: said once
                noted["deprecated"] = True
                out.warning(str(err))
            return err.result

    def not_sent(record: Record, reason: str) -> None:
        totals.unsendable += 1
        f = Finding(
            UNSENDABLE, reason, shown, record.line, record.column, record.number, UNSENDABLE_FIELD
        )
        report_finding(f)
        failures.append(_failure(record.number, record.line, None, None, [f.record_dict()]))

    def send(batch: List[Record]) -> None:
        """``batch`` in one request, but for what cannot be: an event that cannot be
        sent (too large, nested too deeply) is reported as its record's problem and left
        out, and with --atomic a batch beyond one request's bytes is halved until each
        part fits (each part is then accepted or rejected whole). The client raises
        either before it sends anything of the part."""
        nonlocal sending
        parts = [batch]
        while parts:
            part = parts.pop()
            sending = part
            try:
                resp = post(part)
            except PartialIngestError as err:  # a part over 2 MB stopped midway: what the
                take(part, err.accepted)  # gateway stored counts, then the run stops
                sending = _sent_unacknowledged(part, err)
                raise
            except EventEncodeError as err:
                sending = None  # refused before anything was sent
                not_sent(part[err.index], err.reason)
                rest = part[: err.index] + part[err.index + 1 :]
                if rest:
                    parts.append(rest)
                continue
            except IngestRefused:
                sending = None
                if len(part) < 2:  # pragma: no cover - one event fits, or is unsendable
                    raise
                half = len(part) // 2
                parts += [part[half:], part[:half]]
                if not noted["split"]:
                    noted["split"] = True
                    out.note(
                        f"a batch of {plural(len(part), 'event')} is over one request's "
                        "bytes: with --atomic it is sent in parts, each accepted or "
                        "rejected whole"
                    )
                continue
            take(part, resp)
            sending = None
            answered = len(resp.results)
            if 0 < answered < len(part):
                # a deprecated pin's 422 answers the first request of a part over 2 MB
                # and stops the client: the rest of the part is sent on its own
                parts.append(part[answered:])

    def take(part: List[Record], resp: Any) -> None:
        nonlocal acked
        if resp.results:
            acked = part[len(resp.results) - 1]
        if progress.total is None and source.length is not None:
            progress.total = source.length  # a JSON document: known once it was read
        totals.batches += 1
        totals.replayed += _replayed(resp)
        totals.quarantined += resp.quarantined
        totals.stored += _stored(resp)
        if totals.resolved_version is None:
            totals.resolved_version = resp.resolved_version
            totals.version_pin_source = resp.version_pin_source
        for res in resp.results:
            totals.sent += 1
            rec = part[res.index]  # the client checked: one verdict per event, in order
            if res.contract_version:
                totals.versions[res.contract_version] = (
                    totals.versions.get(res.contract_version, 0) + 1
                )
            if res.passed:
                totals.passed += 1
                continue
            totals.failed += 1
            located = []
            for v in res.violations:
                totals.by_kind[str(v.kind)] = totals.by_kind.get(str(v.kind), 0) + 1
                vline, vcol = rec.locate(str(v.field))
                f = Finding(
                    str(v.kind), str(v.message), shown, vline, vcol, rec.number, str(v.field)
                )
                report_finding(f)
                located.append(f.record_dict())
            # the id of a row that exists: none after a dry run or a rejection
            qid = res.quarantine_id if resp.quarantined else None
            failures.append(_failure(rec.number, rec.line, qid, res.contract_version, located))
        progress.update(totals.sent, totals.passed, totals.failed)

    batch: List[Record] = []
    interrupted = False
    try:
        with client, source:
            contract_id, name, pin = resolve_contract(client, args.contract_id)
            target = _Target(contract_id, name, args.contract_version or pin)
            if args.job_id is not None:
                _check_job_keys(args.job_id, target)
            if name is not None:
                out.info(f"contract {name}: id {contract_id}")
            for record in source:
                if not record.ok:
                    totals.unparsed += 1
                    f = parse_error_finding(record, shown)
                    report_finding(f)
                    problem = [f.record_dict()]
                    failures.append(_failure(record.number, record.line, None, None, problem))
                    continue
                batch.append(record)
                if len(batch) >= args.batch_size:
                    send(batch)
                    batch = []
            if batch:
                send(batch)
                batch = []
    except (AuthError, GatewayConnectionError, PartialIngestError, ContractGateError) as err:
        error = err
    except KeyboardInterrupt:  # the summary says what was stored, so a resume doubles nothing
        interrupted = True
    finally:
        progress.update(totals.sent, totals.passed, totals.failed, force=True)
        progress.finish()

    code = EXIT_OK if totals.failed == totals.unparsed == totals.unsendable == 0 else EXIT_FAILED
    err_text = None
    if error is not None:
        cause = error.cause if isinstance(error, PartialIngestError) else error
        code = EXIT_AUTH if isinstance(cause, (AuthError, GatewayConnectionError)) else EXIT_GATEWAY
        # no answer, or one that could not be read: the gateway may have stored the part
        in_doubt = isinstance(
            cause, (GatewayConnectionError, APITimeoutError, ServerError, InvalidResponseError)
        )
        err_text = f"{type(cause).__name__}: {cause}"
        resume_job = args.job_id
        if isinstance(cause, IdempotencyConflictError) and args.job_id is not None:
            err_text += _conflict_note(args.job_id, sending)
            resume_job = None  # the same command conflicts again
        if totals.sent or in_doubt:
            doubt = sending if in_doubt else None
            err_text += f" ({_stop_note(totals.sent, acked, doubt, resume_job)})"
    elif interrupted:
        code = EXIT_INTERRUPTED
        err_text = f"interrupted ({_stop_note(totals.sent, acked, sending, args.job_id)})"

    label = args.contract_id
    if target is not None:
        totals.contract_id, totals.contract_name = target.contract_id, target.name
        if target.name is not None:
            label = f"{target.name} ({target.contract_id})"
    _summary(out, args, shown, label, totals, failures, printed_failures, code, err_text)
    if interrupted:
        out.stderr.write(f"contractgate: {err_text}\n")
    elif err_text is not None:
        out.error(err_text)
    return code


def _sent_unacknowledged(part: List[Record], err: Any) -> List[Record]:
    """The records of ``part`` whose request went out and was not acknowledged when a
    :class:`~contractgate.PartialIngestError` stopped it (the gateway may have stored
    them); the requests never sent are not in doubt."""
    batches = err.unacknowledged_batches
    if not batches:  # an error without them: everything not acknowledged
        return part[len(err.accepted.results) :]
    return [part[i] for b in batches if b.sent for i in b.indexes]


def _replayed(resp: Any) -> int:
    """Events of one answer that the gateway's idempotency cache answered: a part sent
    in several requests is merged, and only some of them may be replays."""
    if resp.batches:
        return sum(b.count for b in resp.batches if b.idempotent_replay)
    return len(resp.results) if resp.idempotent_replay else 0


def _span(records: List[Record], verbs: Tuple[str, str]) -> str:
    """``record 5 was`` or ``records 5-7 were`` (``verbs``: singular, plural)."""
    first, last = records[0].number, records[-1].number
    return f"record {first} {verbs[0]}" if first == last else f"records {first}-{last} {verbs[1]}"


def _conflict_note(job_id: str, records: Optional[List[Record]]) -> str:
    """What an idempotency conflict under ``--job-id`` means, and the ways out that
    store nothing twice: running the command again conflicts again, and another job id
    stores again everything the earlier run stored."""
    which = _span(records, ("is", "are")) if records else "this input is"
    return (
        f"; {which} not what an earlier run of --job-id {job_id} sent under the same "
        "idempotency keys: the input or the options changed since (a record among or "
        "before them edited, added or removed, or one that did not parse then and does "
        "now; another --batch-size). Running this command again conflicts again, and "
        "another --job-id would store again what the earlier run stored: to finish that "
        "run, run it with its input and options; to send what it did not store (records "
        "that did not parse then, records added since), put only those in a file and "
        "send it under a new --job-id"
    )


def _stop_note(
    sent: int, acked: Optional[Record], sending: Optional[List[Record]], job_id: Optional[str]
) -> str:
    """What a stopped run left behind, by record number, so that resuming sends neither
    less nor more: the events acknowledged, and the records whose request was out when
    it stopped (the gateway may have stored them); with ``--job-id``, how to resume."""
    if acked is not None:
        note = (
            f"stopped after {plural(sent, 'event')} were acknowledged, "
            f"through record {acked.number}"
        )
    else:
        note = "nothing was acknowledged"
    if sending:
        note += f"; {_span(sending, ('was', 'were'))} being sent and may have been stored"
    if job_id is not None:
        note += (
            f"; to resume, run the same command again (--job-id {job_id}): what was "
            "stored is answered from the gateway's idempotency cache, not stored twice"
        )
    return note


def _summary(
    out: Output,
    args: argparse.Namespace,
    shown: str,
    label: str,
    t: _Totals,
    failures: List[Dict[str, Any]],
    printed: int,
    code: int,
    err_text: Optional[str],
) -> None:
    if out.is_json:
        doc: Dict[str, Any] = {
            "command": "ingest",
            "ok": code == EXIT_OK,
            "exit_code": code,
            "input": shown,
            "contract_id": t.contract_id or args.contract_id,
            "contract_name": t.contract_name,
            "dry_run": bool(args.dry_run),
            "resolved_version": t.resolved_version,
            "version_pin_source": t.version_pin_source,
            "summary": {
                "sent": t.sent,
                "passed": t.passed,
                "failed": t.failed,
                "quarantined": t.quarantined,
                "stored": t.stored,
                "unparsed": t.unparsed,
                "unsendable": t.unsendable,
                "replayed": t.replayed,
                "batches": t.batches,
                "rejected_batches": t.rejected_batches,
                "by_kind": dict(t.kinds()),
                "versions": t.versions,
            },
            "failures": failures,
        }
        if err_text is not None:
            doc["error"] = err_text
        out.json_document(doc)
        return
    nothing = t.sent == t.unparsed == t.unsendable == 0
    if (out.quiet and code == EXIT_OK) or (err_text is not None and nothing):
        return  # nothing was sent: the error says it all
    style = out.style
    hidden = printed - _SHOW_FAILURES
    if hidden > 0 and not out.verbose:
        out.write(style.paint(f"… and {hidden} more problems (use -v to list them all)", "dim"))
    version = ""
    if t.resolved_version:
        version = f" version {t.resolved_version}"
        if t.version_pin_source:
            version += f" ({t.version_pin_source})"
    mode = " [dry run]" if args.dry_run else ""
    mark = style.ok_mark if code == EXIT_OK else style.fail_mark
    line = (
        f"{mark} {plural(t.sent, 'event')} sent to {label}{version}{mode}: "
        f"{t.passed} passed, {t.failed} failed{_stored_text(args, t)}"
    )
    if t.replayed:
        line += f" ({t.replayed} stored by an earlier run of --job-id {args.job_id})"
    if t.unparsed:
        line += f", {t.unparsed} not sent (parse errors)"
    if t.unsendable:
        line += f", {t.unsendable} not sent (too large or too deep for the gateway)"
    out.write(line)
    if t.by_kind:
        out.write("  violations: " + ", ".join(f"{n} {k}" for k, n in t.kinds()))
    if len(t.versions) > 1:
        out.write("  decided by: " + ", ".join(f"{v} ({n})" for v, n in sorted(t.versions.items())))


def _failure(
    number: int,
    line: Optional[int],
    quarantine_id: Optional[str],
    version: Optional[str],
    violations: List[Dict[str, Any]],
) -> Dict[str, Any]:
    """One entry of the JSON output's ``failures``."""
    return {
        "record": number,
        "line": line,
        "quarantine_id": quarantine_id,
        "contract_version": version,
        "violations": violations,
    }


def _stored(resp: Any) -> int:
    """Events of one answer the gateway wrote rows for: all of them, unless nothing was
    written (a dry run, or an atomic rejection, where ``quarantined`` is 0 although
    events failed)."""
    if resp.dry_run or resp.quarantined != resp.failed:
        return 0
    return int(resp.total)


def _stored_text(args: argparse.Namespace, t: _Totals) -> str:
    """What the gateway kept, in words: quarantine rows, or why nothing was written."""
    if args.dry_run:
        return "; nothing stored (dry run)"
    if t.rejected_batches and t.rejected_batches == t.batches:
        return "; rejected (atomic), nothing written"
    if t.rejected_batches:
        return (
            f"; {t.rejected_batches} of {t.batches} batches rejected (atomic), nothing "
            f"written for them; {plural(t.stored, 'event')} stored"
        )
    return f", {t.quarantined} quarantined"


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty()) and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False
