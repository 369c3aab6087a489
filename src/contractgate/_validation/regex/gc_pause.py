"""Pause the cyclic garbage collector while a long pattern is compiled."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

_GC_PAUSE_MIN = 1 << 14  # shorter patterns make too few objects for the collector to matter


@contextmanager
def gc_paused(pattern: str) -> Iterator[None]:
    """A long pattern keeps hundreds of thousands of objects alive (AST, HIR, NFA
    states) while the compile allocates millions of short-lived ones, so the collector
    would scan the long-lived ones over and over (up to eight times the work; a
    quarter of the size decision for a 130 KB word list).  The compile makes no
    cycles it needs collected.  The pause is process-wide, so short patterns, the
    usual case, never take it, nor does a caller that turned the collector off."""
    if len(pattern) < _GC_PAUSE_MIN or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
