"""Fault injection for tests: make the next requests fail, stall, drop or truncate.

Rules are consumed first-in first-out: each incoming request takes the oldest rule whose
``path_prefix`` matches (``None`` matches every path) and decrements its count. Admin routes
(``/_admin/...``) are never faulted, so a test can always reach them.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from ._wire import FIELD_CTL, HTTP_TOKEN

__all__ = ["Fault", "FaultInjector"]

FaultBody = Union[None, str, Mapping[str, Any], List[Any]]

_KINDS = ("fail", "delay", "drop", "truncate")


@dataclass
class Fault:
    """One armed rule. ``remaining`` counts the requests it still applies to."""

    kind: str
    remaining: int
    path_prefix: Optional[str] = None
    status: int = 503
    body: FaultBody = None
    headers: Dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    after_processing: bool = False

    def matches(self, path: str) -> bool:
        return self.path_prefix is None or path.startswith(self.path_prefix)

    def describe(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"kind": self.kind, "remaining": self.remaining}
        if self.path_prefix is not None:
            d["path_prefix"] = self.path_prefix
        if self.kind == "fail":
            d["status"] = self.status
        if self.kind == "delay":
            d["seconds"] = self.seconds
        if self.kind == "drop":
            d["after_processing"] = self.after_processing
        return d


def _header(name: str, value: str) -> Tuple[str, str]:
    """A header the fault's answer can carry: its head is Latin-1, a line per field (a
    line break in a value would split the answer; another letter made the server die
    mid-answer)."""
    if not HTTP_TOKEN.fullmatch(name):
        raise ValueError(f"header name {name!r} is not an HTTP token")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"header {name}: {value!r} is not Latin-1 text") from None
    if FIELD_CTL.search(value):
        raise ValueError(f"header {name}: {value!r} holds a control character")
    return name, value


def _count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return n


class FaultInjector:
    """The ``gw.faults`` object. Thread-safe; every method may be called while serving."""

    def __init__(self) -> None:
        self._rules: List[Fault] = []
        self._lock = threading.Lock()

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self._rules.append(fault)

    def fail_next(
        self,
        n: int = 1,
        status: int = 503,
        body: FaultBody = None,
        headers: Optional[Mapping[str, str]] = None,
        path_prefix: Optional[str] = None,
    ) -> None:
        """Answer the next ``n`` matching requests with ``status`` without processing them.

        ``body``: a dict (or list) is sent as JSON, a str as text/plain, None as the
        gateway's standard error JSON ``{"error": ..., "status": ...}`` (empty for 408).
        """
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            # a 1xx is no answer: the client would wait for the one that follows
            raise ValueError(f"status must be an HTTP status code in 200..599, got {status!r}")
        checked = dict(_header(str(k), str(v)) for k, v in (headers or {}).items())
        self._add(Fault("fail", _count(n), path_prefix, status=status, body=body, headers=checked))

    def delay_next(
        self, n: int = 1, seconds: float = 1.0, path_prefix: Optional[str] = None
    ) -> None:
        """Sleep ``seconds`` before handling each of the next ``n`` matching requests.

        A delay longer than the gateway's request timeout (30 s by default) ends in the
        gateway's own ``408`` with an empty body, as the real one does.
        """
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise ValueError(f"seconds must be a number, got {seconds!r}")
        if not 0 <= seconds < math.inf:  # NaN too
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        self._add(Fault("delay", _count(n), path_prefix, seconds=float(seconds)))

    def drop_next(
        self, n: int = 1, path_prefix: Optional[str] = None, after_processing: bool = False
    ) -> None:
        """Close the connection without any response.

        ``after_processing=False``: the request is read and discarded (nothing written).
        ``after_processing=True``: the request is fully processed and committed, then the
        connection drops -- the client cannot tell whether it was applied (the dangerous
        retry case).
        """
        self._add(Fault("drop", _count(n), path_prefix, after_processing=bool(after_processing)))

    def truncate_next(self, n: int = 1, path_prefix: Optional[str] = None) -> None:
        """Process the request, then send the status line, the headers (with the full
        Content-Length) and only half of the body before closing the connection."""
        self._add(Fault("truncate", _count(n), path_prefix))

    def clear(self) -> None:
        """Disarm every pending rule."""
        with self._lock:
            self._rules.clear()

    def pending(self) -> List[Dict[str, Any]]:
        """The armed rules, oldest first."""
        with self._lock:
            return [f.describe() for f in self._rules]

    def take(self, path: str) -> Optional[Fault]:
        """Consume one application of the oldest rule matching ``path`` (None if none)."""
        with self._lock:
            for i, rule in enumerate(self._rules):
                if rule.matches(path):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        del self._rules[i]
                    return Fault(
                        rule.kind,
                        1,
                        rule.path_prefix,
                        rule.status,
                        rule.body,
                        dict(rule.headers),
                        rule.seconds,
                        rule.after_processing,
                    )
        return None

    def configure(self, spec: Mapping[str, Any]) -> None:
        """Arm a rule from the admin route's JSON body (mirrors the Python calls).

        ``{"action": "fail_next", "n": 2, "status": 503}``, ``{"action": "delay_next",
        "seconds": 0.5}``, ``{"action": "drop_next", "after_processing": true}``,
        ``{"action": "truncate_next"}``, ``{"action": "clear"}``. ``kind`` is accepted as
        a synonym of ``action`` and the ``_next`` suffix is optional.
        """
        action = spec.get("action", spec.get("kind"))
        if not isinstance(action, str):
            raise ValueError(
                "missing 'action' (fail_next, delay_next, drop_next, truncate_next, clear)"
            )
        action = action[: -len("_next")] if action.endswith("_next") else action
        n = spec.get("n", 1)
        prefix = spec.get("path_prefix")
        if prefix is not None and not isinstance(prefix, str):
            raise ValueError("'path_prefix' must be a string")
        if action == "clear":
            self.clear()
        elif action == "fail":
            headers = spec.get("headers") or {}
            if not isinstance(headers, Mapping):
                raise ValueError("'headers' must be an object")
            self.fail_next(
                n,
                status=spec.get("status", 503),
                body=spec.get("body"),
                headers=headers,
                path_prefix=prefix,
            )
        elif action == "delay":
            seconds = spec.get("seconds", 1.0)
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                raise ValueError("'seconds' must be a number")
            self.delay_next(n, seconds=float(seconds), path_prefix=prefix)
        elif action == "drop":
            self.drop_next(
                n, path_prefix=prefix, after_processing=bool(spec.get("after_processing", False))
            )
        elif action == "truncate":
            self.truncate_next(n, path_prefix=prefix)
        else:
            raise ValueError(f"unknown action {action!r}")
