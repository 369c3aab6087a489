"""Checking records against one contract, in this process or in worker processes.

The work for one record (decode its JSON text with the gateway's decoder, validate the
value) is one function, :meth:`Checker.check_record`, whether it runs here (``--jobs 1``)
or in a pool of processes (``--jobs N``): so ``--jobs N`` prints exactly what ``--jobs 1``
prints, only sooner. Workers get chunks of raw JSON texts and send back plain verdicts;
positions and findings are made here, where the file's text is.

Memory stays bounded by a window: records are read as they are checked, at most
``2 × jobs`` chunks are in flight, and a record is dropped once its verdict is reported.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Deque,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Tuple,
    Union,
)

from ._events import envelope_findings, parse_error_finding, violation_findings

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future, ProcessPoolExecutor

    from ._common import Finding, LoadedContract
    from ._readers import Record

#: records sent to a worker at a time with --jobs N
CHUNK = 1000


class Violation(NamedTuple):
    """One violation as it travels back from a worker (the validator's fields)."""

    field: str
    message: str
    kind: str
    record_index: Optional[int] = None  # envelope contracts: the record in the payload


@dataclass(frozen=True)
class Outcome:
    """The verdict on one record: its violations, or why it did not decode (the
    decoder's message and its serde_json line and byte column inside the record's
    text). ``value`` is the decoded event when the caller needs it (batch rules)."""

    violations: Tuple[Violation, ...] = ()
    error: Optional[Tuple[str, Optional[int], Optional[int]]] = None
    value: Any = None


_PASSED = Outcome()


class Checker:
    """Decodes and validates records against one compiled contract."""

    def __init__(self, compiled: Any, *, keep_values: bool = False) -> None:
        from .._validation.jsonvalue import loads
        from ..exceptions import EventDecodeError

        self._compiled = compiled
        self._envelope = bool(getattr(compiled, "has_envelope", False))
        self._keep = keep_values
        self._loads = loads
        self._decode_error = EventDecodeError

    def check_text(self, raw: Union[bytes, str]) -> Outcome:
        try:
            value = self._loads(raw)
        except self._decode_error as err:
            line, column = getattr(err, "line", None), getattr(err, "column", None)
            return Outcome(error=(str(getattr(err, "code", err)), line, column))
        return self.check_value(value)

    def check_value(self, value: Any) -> Outcome:
        if self._envelope:
            result = self._compiled.validate_envelope(value)
            found = tuple(
                Violation(str(v.field), str(v.message), str(v.kind), v.record_index)
                for v in result.violations
            )
        else:
            result = self._compiled.validate(value)
            found = tuple(
                Violation(str(v.field), str(v.message), str(v.kind)) for v in result.violations
            )
        if not found and not self._keep:
            return _PASSED
        return Outcome(found, None, value if self._keep else None)

    def check_record(self, record: Record) -> Outcome:
        """The verdict on a record: pending ones are decoded, decoded ones validated,
        ones that already failed to read (YAML) need nothing more."""
        if record.raw is not None:
            return self.check_text(record.raw)
        if record.ok:
            return self.check_value(record.value)
        return _PASSED


def settle(record: Record, outcome: Outcome) -> None:
    """Apply a verdict's decoding part to the record (error position, or done)."""
    if outcome.error is not None:
        record.fail(*outcome.error)
    elif record.raw is not None:
        record.raw = None
        record.value = outcome.value


def findings_for(
    loaded: LoadedContract, record: Record, outcome: Outcome, file: str
) -> List[Finding]:
    """The findings for a settled record, positioned in the file."""
    if not record.ok:
        return [parse_error_finding(record, file)]
    if not outcome.violations:
        return []
    envelope = loaded.contract.envelope
    if envelope is not None:
        records_path = str(getattr(envelope, "records_path", ""))
        return envelope_findings(record, outcome.violations, records_path, file)
    return violation_findings(record, outcome.violations, file)


# --------------------------------------------------------------------------------------
# worker processes

_WORKER: Optional[Checker] = None


def _init_worker(source: str, path: str, keep_values: bool) -> None:
    """Compile the contract once per worker (it travels as YAML text)."""
    import signal

    from ..contract import Contract

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    global _WORKER
    _WORKER = Checker(Contract.from_yaml(source, filename=path).compile(), keep_values=keep_values)


def _check_chunk(texts: List[Union[bytes, str]]) -> List[Outcome]:
    checker = _WORKER
    assert checker is not None, "worker not initialised"
    return [checker.check_text(t) for t in texts]


def checked(
    records: Iterable[Record],
    loaded: LoadedContract,
    *,
    jobs: int = 1,
    keep_values: bool = False,
    chunk: int = CHUNK,
) -> Iterator[Tuple[Record, Outcome]]:
    """Each record with its verdict, in input order, settled (decoded or failed).

    With ``jobs > 1``, chunks of ``chunk`` pending records go to a process pool (started
    only once a second chunk exists: a small input is checked here); chunks with records
    that are already decoded (YAML) are checked here, in order.
    """
    checker = Checker(loaded.compiled, keep_values=keep_values)
    if jobs <= 1:
        for record in records:
            outcome = checker.check_record(record)
            settle(record, outcome)
            yield record, outcome
        return

    pool: Optional[ProcessPoolExecutor] = None
    window: Deque[Tuple[List[Record], Union[Future[List[Outcome]], List[Outcome]]]] = deque()
    it = iter(records)
    try:
        first = _take(it, chunk)
        second = _take(it, chunk) if len(first) == chunk else []
        if not second:  # everything fits in one chunk: no pool
            for record in first:
                outcome = checker.check_record(record)
                settle(record, outcome)
                yield record, outcome
            return
        pool = _start_pool(loaded, jobs, keep_values)
        for batch in itertools.chain((first, second), iter(lambda: _take(it, chunk), [])):
            texts = [r.raw for r in batch if r.raw is not None]
            if len(texts) == len(batch):
                window.append((batch, pool.submit(_check_chunk, texts)))
            else:
                window.append((batch, [checker.check_record(r) for r in batch]))
            while len(window) >= 2 * jobs:
                yield from _drain(window)
        while window:
            yield from _drain(window)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _take(it: Iterator[Record], n: int) -> List[Record]:
    out: List[Record] = []
    for record in it:
        out.append(record)
        if len(out) >= n:
            break
    return out


def _drain(
    window: Deque[Tuple[List[Record], Union[Future[List[Outcome]], List[Outcome]]]],
) -> Iterator[Tuple[Record, Outcome]]:
    batch, pending = window.popleft()
    outcomes = pending if isinstance(pending, list) else pending.result()
    for record, outcome in zip(batch, outcomes):
        settle(record, outcome)
        yield record, outcome


def _start_pool(loaded: LoadedContract, jobs: int, keep_values: bool) -> ProcessPoolExecutor:
    from concurrent.futures import ProcessPoolExecutor

    source = loaded.contract.source_text
    if source is None:  # pragma: no cover - contracts are always read from files here
        with open(loaded.path, encoding="utf-8") as fh:
            source = fh.read()
    return ProcessPoolExecutor(
        max_workers=jobs,
        initializer=_init_worker,
        initargs=(source, os.fspath(loaded.path), keep_values),
    )
