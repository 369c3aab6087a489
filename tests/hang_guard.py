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
