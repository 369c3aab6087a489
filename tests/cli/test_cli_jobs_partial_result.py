"""``validate --jobs``: a worker killed while it writes a result to the pool's pipe.

The pool's manager thread reads results with a blocking ``recv``; a worker that dies
half-way through writing one leaves a partial message, and this process holds the
pipe's write end, so no end-of-file ever comes: the manager waits forever, never sees
the dead worker, and the CLI hung (on every Python version). ``_drain`` now notices a
dead worker whose pool makes no progress and breaks the pool itself.

The partial message is written by the task itself (its worker's result pipe, found in
the worker loop's frame), exactly what a SIGKILL in the middle of ``send_bytes`` leaves.
"""

from __future__ import annotations

import os
import signal
import struct
import sys
import threading
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, List

import pytest

from contractgate.cli import _checking

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGKILL")


def _die_mid_result(_: Any) -> None:
    frame = sys._getframe()
    while frame is not None and "result_queue" not in frame.f_locals:
        frame = frame.f_back  # type: ignore[assignment]
    assert frame is not None
    queue = frame.f_locals["result_queue"]
    queue._wlock.acquire()  # as send does: the other workers now wait for it forever
    header = struct.pack("!i", 100_000)  # a 100 kB message, of which 10 bytes arrive
    os.write(queue._writer.fileno(), header + b"x" * 10)
    os.kill(os.getpid(), signal.SIGKILL)


def _slow(x: int) -> int:
    return x


def test_a_worker_killed_while_it_writes_a_result_breaks_the_pool() -> None:
    import multiprocessing

    pool = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork"))
    window: Any = deque()
    window.append(([], pool.submit(_die_mid_result, 0)))
    window.append(([], pool.submit(_slow, 1)))
    raised: List[BaseException] = []

    def drain() -> None:
        try:
            while window:
                list(_checking._drain(window, pool))
        except BaseException as err:  # reported below
            raised.append(err)

    t = threading.Thread(target=drain, daemon=True)
    t.start()
    t.join(30)
    hung = t.is_alive()
    # unstick the pool whatever happened (as the fix does), so that shutdown returns
    _checking._break_stuck_pool(pool, list(pool._processes.values()))  # type: ignore[attr-defined]
    t.join(30)
    _checking._let_broken_pool_shut_down(pool)
    pool.shutdown(wait=True, cancel_futures=True)
    assert not hung, "the pool waited forever for the rest of the dead worker's result"
    assert raised and isinstance(raised[0], BrokenProcessPool), raised
