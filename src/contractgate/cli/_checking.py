"""Checking records against one contract, in this process or in worker processes.

The work for one record (decode its JSON text with the gateway's decoder, validate the
value, find where each violated field is in the text) is one function,
:meth:`Checker.check_record` / :meth:`Checker.check_text`, whether it runs here
(``--jobs 1``) or in a pool of processes (``--jobs N``): so ``--jobs N`` prints exactly
what ``--jobs 1`` prints. Workers get chunks of raw JSON texts with their positions and
send back positioned verdicts; reading the file and printing stay here.

Memory stays bounded by a window: records are read as they are checked, at most
``2 × jobs`` chunks are in flight, and a record is dropped once its verdict is reported.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Deque,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Tuple,
    Union,
)

from ._common import EXIT_INTERNAL, CLIError, Finding
from ._events import parse_error_finding
from ._locate import Position
from ._readers import InputError, Record

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future, ProcessPoolExecutor

    from ._common import LoadedContract

#: records sent to a worker at a time with --jobs N
CHUNK = 1000

Text = Union[bytes, str]
#: one record for a worker: its JSON text, where the record starts, where the text starts
Item = Tuple[Text, int, Optional[int], int]


class Located(NamedTuple):
    """One violation, with the field as shown (envelope records get their
    ``records_path[i]`` prefix) and its 1-based position in the file."""

    field: str
    message: str
    kind: str
    line: Optional[int]
    column: Optional[int]


@dataclass(frozen=True)
class Outcome:
    """The verdict on one record: its violations, or why it did not decode (the
    decoder's message and its serde_json line and byte column inside the record's
    text). ``value`` is the decoded event when the caller needs it (batch rules)."""

    violations: Tuple[Located, ...] = ()
    error: Optional[Tuple[str, Optional[int], Optional[int]]] = None
    value: Any = None


_PASSED = Outcome()


class Checker:
    """Decodes, validates and locates records against one compiled contract."""

    def __init__(self, compiled: Any, *, keep_values: bool = False) -> None:
        from .._validation.values.jsonvalue import loads
        from ..exceptions import EventDecodeError

        self._compiled = compiled
        envelope = compiled.contract.envelope
        self._records_path = None if envelope is None else str(envelope.records_path)
        self._keep = keep_values
        self._loads = loads
        self._decode_error = EventDecodeError

    def check_text(self, item: Item) -> Outcome:
        raw, line, column, raw_column = item
        try:
            value = self._loads(raw)
        except self._decode_error as err:
            eline, ecol = getattr(err, "line", None), getattr(err, "column", None)
            return Outcome(error=(str(getattr(err, "code", err)), eline, ecol))

        located: List[Record] = []

        def locate(path: str) -> Position:
            # a record's own rule (best effort, never fatal), as for a record read here
            if not located:
                located.append(Record(0, line, column, raw=raw, raw_column=raw_column))
            return located[0].locate(path)

        return self.check_value(value, locate)

    def check_value(self, value: Any, locate: Callable[[str], Position]) -> Outcome:
        if self._records_path is not None:
            result = self._compiled.validate_envelope(value)
            shown = [
                (envelope_field(v, self._records_path), str(v.message), str(v.kind))
                for v in result.violations
            ]
        else:
            result = self._compiled.validate(value)
            shown = [(str(v.field), str(v.message), str(v.kind)) for v in result.violations]
        if not shown and not self._keep:
            return _PASSED
        found = tuple(Located(f, m, k, *locate(f)) for f, m, k in shown)
        return Outcome(found, None, value if self._keep else None)

    def check_record(self, record: Record) -> Outcome:
        """The verdict on a record: pending ones are decoded, decoded ones validated,
        ones that already failed to read (YAML) need nothing more."""
        if not record.decoded and record.raw is not None and record.line is not None:
            return self.check_text(item_of(record))
        if record.ok:
            return self.check_value(record.value, record.locate)
        return _PASSED


def item_of(record: Record) -> Item:
    assert record.raw is not None and record.line is not None
    return (record.raw, record.line, record.column, record.raw_column)


def envelope_field(v: Any, records_path: str) -> str:
    """The path of an envelope violation as the user finds it in the payload: record
    violations get ``records_path[i]`` in front; wrapper ones keep theirs."""
    field = str(v.field)
    message = str(v.message)
    is_record_violation = not (
        message.startswith("Wrapper ")
        or message.startswith("Envelope ")
        or (field == "<root>" and message.startswith("Envelope payload"))
    )
    if not is_record_violation:
        return field
    shown = f"{records_path}[{v.record_index}]"
    return shown if field == "<root>" else f"{shown}.{field}"


def settle(record: Record, outcome: Outcome) -> None:
    """Apply a verdict's decoding part to the record (error position, or decoded)."""
    if record.decoded:
        return
    if outcome.error is not None:
        record.fail(*outcome.error)
    else:
        record.value = outcome.value
        record.decoded = True


def findings_for(record: Record, outcome: Outcome, file: str) -> List[Finding]:
    """The findings for a settled record."""
    if not record.ok:
        return [parse_error_finding(record, file)]
    n = record.number
    return [
        Finding(v.kind, v.message, file, v.line, v.column, n, v.field) for v in outcome.violations
    ]


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


def _check_chunk(items: List[Item]) -> List[Outcome]:
    checker = _WORKER
    assert checker is not None, "worker not initialised"
    return [checker.check_text(item) for item in items]


def checked(
    records: Iterable[Record],
    loaded: LoadedContract,
    *,
    jobs: int = 1,
    keep_values: bool = False,
    chunk: int = CHUNK,
    on_pool: Optional[Callable[[], None]] = None,
) -> Iterator[Tuple[Record, Outcome]]:
    """Each record with its verdict, in input order, settled (decoded or failed).

    With ``jobs > 1``, chunks of ``chunk`` pending records go to a process pool (started
    only once a second chunk exists: a small input is checked here, and ``on_pool`` is
    called when the pool starts); chunks with records that are already decoded (YAML)
    are checked here, in order.
    """
    checker = Checker(loaded.compiled, keep_values=keep_values)
    if jobs <= 1:
        for record in records:
            outcome = checker.check_record(record)
            settle(record, outcome)
            yield record, outcome
        return

    from concurrent.futures.process import BrokenProcessPool

    pool: Optional[ProcessPoolExecutor] = None
    window: Deque[Tuple[List[Record], Union[Future[List[Outcome]], List[Outcome]]]] = deque()
    broke: List[BaseException] = []
    it = _until_broken(records, broke)
    try:
        first = _take(it, chunk)
        second = _take(it, chunk) if len(first) == chunk else []
        if not second:  # everything fits in one chunk: no pool
            for record in first:
                outcome = checker.check_record(record)
                settle(record, outcome)
                yield record, outcome
        else:
            pool = _start_pool(loaded, jobs, keep_values)
            if on_pool is not None:
                on_pool()
            for batch in itertools.chain((first, second), iter(lambda: _take(it, chunk), [])):
                if all(not r.decoded and r.raw is not None and r.line is not None for r in batch):
                    items = [item_of(r) for r in batch]
                    with _ctrl_c_held():
                        window.append((batch, pool.submit(_check_chunk, items)))
                else:
                    window.append((batch, [checker.check_record(r) for r in batch]))
                while len(window) >= 2 * jobs:
                    yield from _drain(window, pool)
            while window:
                yield from _drain(window, pool)
        if broke:  # as with --jobs 1: after every record read before the input stopped
            raise broke[0]
    except BrokenProcessPool as err:  # from a result, or from submitting after a death
        if pool is not None:
            _let_broken_pool_shut_down(pool)
        raise CLIError(
            f"a worker process of --jobs ended abruptly ({err}); it may have been killed "
            "or run out of memory: try fewer --jobs",
            EXIT_INTERNAL,
        ) from None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _let_broken_pool_shut_down(pool: ProcessPoolExecutor) -> None:
    """Let a pool that a worker's death broke shut down instead of hanging forever.

    Before Python 3.11.5 (CPython gh-94777, fixed in 3.12 and 3.11.5), a worker dying
    while the pool's feeder thread writes a chunk to the call queue leaves that thread
    blocked on the pipe for good: this process still holds the pipe's read end, so the
    write never fails, and ``shutdown`` (and the interpreter's exit, which joins the pool's
    thread) waits for it. The fixed stdlib closes that read end itself once the workers
    are terminated; here it is closed for it (nothing in this process reads it), so the
    write fails as soon as the workers are gone. Later Pythons are left alone: closing it
    here too would race with their own close."""
    if sys.version_info >= (3, 11, 5):  # the stdlib's own terminate_broken does this
        return
    _close_pipe_end(pool, "_call_queue", "_reader")


def _close_pipe_end(pool: Any, queue: str, end: str) -> None:
    """Close this process's copy of one end of a pool queue's pipe (private stdlib
    attributes, read defensively: an absent one is left alone)."""
    close = getattr(getattr(getattr(pool, queue, None), end, None), "close", None)
    if close is not None:
        try:
            close()
        except OSError:  # pragma: no cover - already closed
            pass


def _until_broken(records: Iterable[Record], broke: List[BaseException]) -> Iterator[Record]:
    """The records up to an input that breaks midway (a read error, or Ctrl-C while
    waiting for input), which is kept in ``broke``: the records read ahead before it
    are still checked and reported, as ``--jobs 1`` reports them."""
    try:
        yield from records
    except (InputError, KeyboardInterrupt) as err:
        broke.append(err)


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C while ``submit`` starts the pool's processes and thread, and deliver
    it right after: an interrupt in between leaves a pool that cannot be shut down (and
    a forked worker would die with a traceback before it ignores SIGINT)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: List[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held and callable(previous):
        previous(signal.SIGINT, None)


def _take(it: Iterator[Record], n: int) -> List[Record]:
    out: List[Record] = []
    for record in it:
        out.append(record)
        if len(out) >= n:
            break
    return out


#: How often a wait for a chunk looks for a dead worker, and how long the pool may then
#: stay without an answer before it is broken here.
_POLL_S = 0.5
_DEAD_GRACE_S = 2.0


def _drain(
    window: Deque[Tuple[List[Record], Union[Future[List[Outcome]], List[Outcome]]]],
    pool: Optional[ProcessPoolExecutor] = None,
) -> Iterator[Tuple[Record, Outcome]]:
    batch, pending = window.popleft()
    outcomes = pending if isinstance(pending, list) else _result(pending, pool)
    for record, outcome in zip(batch, outcomes):
        settle(record, outcome)
        yield record, outcome


def _result(future: Future[List[Outcome]], pool: Optional[ProcessPoolExecutor]) -> List[Outcome]:
    """``future.result()``, or BrokenProcessPool when a worker is dead and the pool stays
    silent: a worker killed half-way through writing a result leaves a partial message
    that the pool's manager thread waits for forever (this process holds the pipe's
    write end), so the pool never notices the death itself (any Python version)."""
    from concurrent.futures import TimeoutError as FutureTimeout

    dead_since: Optional[float] = None
    while True:
        try:
            return future.result(timeout=_POLL_S)
        except FutureTimeout:
            pass
        procs = list((getattr(pool, "_processes", None) or {}).values())
        if not any(p.exitcode is not None for p in procs):
            dead_since = None
            continue
        now = time.monotonic()
        if dead_since is None:
            dead_since = now
        elif now - dead_since >= _DEAD_GRACE_S:
            _break_stuck_pool(pool, procs)


def _break_stuck_pool(pool: Any, procs: List[Any]) -> None:
    """End the workers and close this process's copy of the result pipe's write end:
    the manager's read then ends (EOF), and the pool breaks as after any death."""
    for p in procs:
        if p.exitcode is None:
            p.kill()
    _close_pipe_end(pool, "_result_queue", "_writer")


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
