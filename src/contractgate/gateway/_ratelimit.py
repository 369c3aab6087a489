"""Token buckets per API key, as the gateway keeps them (spec §4.2).

A bucket starts full (``burst`` tokens) and refills continuously at ``rps`` tokens per
second up to ``burst``. Every authenticated request costs one token in the middleware;
``/v1/ingest`` costs a second one in its handler.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

__all__ = ["MAX_RESET_UNIX", "Decision", "RateLimiter"]

#: The latest ``X-RateLimit-Reset`` (and the longest ``retry_after_ms``) announced:
#: 9999-12-31T23:59:59Z, the last second common date types (Python's datetime, SQL
#: timestamps) can hold. A key whose rps is so small that its next token comes later (or
#: never: ``1 / 5e-324`` is infinite) is told this instead.
MAX_RESET_UNIX = 253_402_300_799


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: float
    remaining: int
    reset_unix: int
    retry_after_ms: int

    def headers(self) -> List[Tuple[str, str]]:
        """The ``X-RateLimit-*`` headers of a ``/v1/ingest`` answer."""
        return [
            ("x-ratelimit-limit", format_rps(self.limit)),
            ("x-ratelimit-remaining", str(self.remaining)),
            ("x-ratelimit-reset", str(self.reset_unix)),
        ]


def format_rps(rps: float) -> str:
    return str(int(rps)) if float(rps).is_integer() else repr(float(rps))


class _Bucket:
    __slots__ = ("burst", "rps", "stamp", "tokens")

    def __init__(self, rps: float, burst: float, now: float) -> None:
        self.rps = rps
        self.burst = burst
        self.tokens = burst
        self.stamp = now

    def refill(self, now: float) -> None:
        """Add what ``now - stamp`` earned; a reading not after ``stamp`` adds nothing and
        leaves ``stamp`` alone (moving it back would have the span earned twice)."""
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rps)
            self.stamp = now


class RateLimiter:
    """Thread-safe token buckets keyed by identity (the API key's id)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._buckets: Dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._wall = wall

    def take(self, identity: str, rps: float, burst: float) -> Decision:
        """Debit one token if one is available and say how the bucket stands."""
        with self._lock:
            now = self._clock()  # under the lock: buckets see readings in order
            bucket = self._buckets.get(identity)
            if bucket is None:
                bucket = self._buckets[identity] = _Bucket(rps, burst, now)
            else:
                bucket.refill(now)
                if bucket.rps != rps or bucket.burst != burst:
                    bucket.rps, bucket.burst = rps, burst
                    bucket.tokens = min(bucket.tokens, burst)
            allowed = bucket.tokens >= 1.0
            if allowed:
                bucket.tokens -= 1.0
            tokens = bucket.tokens
        wall = self._wall()
        if allowed:
            retry_ms, reset = 0, int(wall)
        else:
            # (1 - tokens) / rps overflows to inf for a vanishing rps: cap the wait.
            wait_s = (1.0 - tokens) / rps if rps > 0 else math.inf
            wait_s = min(wait_s, max(0.0, MAX_RESET_UNIX - wall))
            retry_ms = max(1, math.ceil(wait_s * 1000.0))
            reset = min(MAX_RESET_UNIX, math.ceil(wall + wait_s))
        return Decision(
            allowed=allowed,
            limit=rps,
            remaining=max(0, math.floor(tokens)),
            reset_unix=reset,
            retry_after_ms=retry_ms,
        )

    def reset(self, identity: Optional[str] = None) -> None:
        """Refill one identity's bucket (forget it), or every bucket."""
        with self._lock:
            if identity is None:
                self._buckets.clear()
            else:
                self._buckets.pop(identity, None)
