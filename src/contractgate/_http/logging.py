"""The ``contractgate`` logger and secret redaction.

Everything the HTTP clients log goes to the standard ``logging`` logger named
``contractgate``. Set ``CONTRACTGATE_LOG=debug`` (or ``info``, ``warning``) to have the
SDK attach a stderr handler at that level the first time a client is built; otherwise
configure logging as usual (``logging.getLogger("contractgate").setLevel(...)``).

Headers are logged through :func:`redact_headers`, and a filter on the logger replaces any
registered API key that would still reach a message with ``[REDACTED]``.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Iterable, Mapping, Tuple

__all__ = [
    "REDACTED",
    "logger",
    "redact",
    "redact_cut",
    "redact_headers",
    "register_secret",
    "setup_logging",
]

logger = logging.getLogger("contractgate")

REDACTED = "[REDACTED]"

#: Header names whose values are never logged.
SENSITIVE_HEADERS = frozenset(
    {"x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie"}
)

_lock = threading.Lock()
_secrets: set[str] = set()
_configured = False


def register_secret(secret: str) -> None:
    """Remember a secret so the logger filter scrubs it from any message."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[REDACTED]``."""
    if not _secrets:
        return text
    for s in tuple(_secrets):
        if s in text:
            text = text.replace(s, REDACTED)
    return text


def redact_cut(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text``, redacted; a secret the limit would cut
    in two is left out whole (``redact`` cannot recognise half of one). ``text`` must
    reach past ``limit`` by the longest secret for a cut one to be seen."""
    cut = limit
    for s in tuple(_secrets):
        i = text.find(s, max(0, limit - len(s) + 1), limit + len(s) - 1)
        if 0 <= i < cut:
            cut = i
    return redact(text[:cut])


def redact_headers(headers: Iterable[Tuple[str, str]] | Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` safe to log: sensitive values become ``[REDACTED]``."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for k, v in items:
        out[k] = REDACTED if k.lower() in SENSITIVE_HEADERS else redact(v)
    return out


class _ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            try:
                msg = record.getMessage()
            except Exception:  # pragma: no cover - a broken format string is not ours
                return True
            clean = redact(msg)
            if clean != msg:
                record.msg = clean
                record.args = None
        return True


#: Loggers whose records may quote what a server sent back (a reason phrase, response
#: headers, a redirect's URL): a logger's filter sees only records made on that very
#: logger, not those of its children, hence each name.
SCRUBBED_LOGGERS = (
    "contractgate",
    "contractgate.gateway",
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)

_scrub = _ScrubFilter()
for _name in SCRUBBED_LOGGERS:
    logging.getLogger(_name).addFilter(_scrub)

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}


def setup_logging() -> None:
    """Apply ``CONTRACTGATE_LOG`` once per process (called when a client is built)."""
    global _configured
    if _configured:
        return
    with _lock:
        if _configured:
            return
        _configured = True
        level = _LEVELS.get(os.environ.get("CONTRACTGATE_LOG", "").strip().lower())
        if level is None:
            return
        logger.setLevel(level)
        if not any(getattr(h, "_contractgate", False) for h in logger.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
            )
            handler._contractgate = True  # type: ignore[attr-defined]
            handler.addFilter(_ScrubFilter())
            logger.addHandler(handler)
