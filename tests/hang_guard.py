"""A guard against hangs, shared by the test folders (``tests/`` is on ``sys.path``: its
conftest.py is at the top). Not a performance claim: a block that used to take minutes
fails with a clear error instead of holding the run."""

from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Any, Iterator


@contextmanager
def hang_guard(seconds: int) -> Iterator[None]:
    """Raise ``TimeoutError`` if the block runs longer than ``seconds`` (no-op on Windows)."""
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - Windows
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def kill_first_worker(proc: Any, tries: int) -> None:
    """Wait (``tries`` x 50 ms) until the process ``proc`` (a ``subprocess.Popen``) has a
    child, then SIGKILL that child: a ``--jobs`` worker dying under the pool (Linux
    ``/proc``)."""
    import os
    import time
    from pathlib import Path

    children: list[int] = []
    for _ in range(tries):  # the pool starts once a second chunk is read
        task = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        children = [int(x) for x in task.read_text().split()] if task.exists() else []
        if children or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert children, "no worker process started"
    os.kill(children[0], signal.SIGKILL)


def communicate_or_dump(proc: Any, timeout: float, what: str) -> bytes:
    """``proc.communicate(timeout)``'s stderr; if ``proc`` is still running then, an
    AssertionError saying ``what`` hung, with every thread's stack (``proc`` runs with
    ``-X faulthandler``: SIGABRT makes it dump them), so a hang says where."""
    import subprocess

    try:
        err: bytes = proc.communicate(timeout=timeout)[1]
        return err
    except subprocess.TimeoutExpired:
        pass
    proc.send_signal(signal.SIGABRT)
    try:
        dump = proc.communicate(timeout=20)[1].decode("utf-8", "replace")
    except subprocess.TimeoutExpired:  # pragma: no cover
        dump = "(no thread dump)"
    raise AssertionError(f"{what} hung; its threads:\n{dump[-6000:]}")


def after_killed_worker(proc: Any, tries: int, timeout: float, what: str) -> bytes:
    """Kill ``proc``'s first worker (:func:`kill_first_worker`) and return its stderr once
    it ends (:func:`communicate_or_dump`); ``proc`` never outlives the call."""
    try:
        kill_first_worker(proc, tries)
        return communicate_or_dump(proc, timeout, what)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
