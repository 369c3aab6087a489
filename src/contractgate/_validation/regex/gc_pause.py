"""Pause the cyclic garbage collector while a long pattern is parsed and translated."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

_GC_PAUSE_MIN = 1 << 16  # shorter patterns make too few objects for the collector to matter


@contextmanager
def gc_paused(pattern: str) -> Iterator[None]:
    """Parsing and translation make no reference cycles, and a megabyte pattern keeps
    millions of objects alive, which the collector would scan over and over (up to
    eight times the work). The pause is process-wide, so short patterns, the usual
    case, never take it, nor does a caller that turned the collector off itself."""
    if len(pattern) < _GC_PAUSE_MIN or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
