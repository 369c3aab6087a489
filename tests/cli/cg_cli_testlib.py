"""Helpers for the command-line tests (imported by the test modules and conftest)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def lines(self) -> List[str]:
        return self.out.splitlines()


class TTYStringIO(io.StringIO):
    """A text buffer that claims (or denies) being a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


def subprocess_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(extra or {})
    return env


def run_module(
    args: Sequence[str],
    *,
    cwd: Optional[Path] = None,
    stdin: Optional[bytes] = None,
    env: Optional[Dict[str, str]] = None,
    timeout: float = 120,
) -> Result:
    """``python -m contractgate.cli ARGS`` in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-m", "contractgate.cli", *args],
        cwd=str(cwd) if cwd else None,
        input=stdin,
        capture_output=True,
        env=subprocess_env(env),
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


USER_EVENTS = "contracts/user_events/1.1.0.yaml"
ORDERS = "contracts/orders.yaml"

GOOD_EVENT = {"user_id": "alice_01", "event_type": "click", "timestamp": 1724252400}


def ndjson(*events: Any) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)


def break_the_pool(monkeypatch: Any) -> None:
    """Make ``--jobs`` get a process pool whose worker died before the next ``submit``
    (the timing cannot be forced with a real kill; the real kill is tested too)."""
    from concurrent.futures.process import BrokenProcessPool

    from contractgate.cli import _checking

    class BrokenPool:
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            raise BrokenProcessPool("A child process terminated abruptly")

        def shutdown(self, *args: Any, **kwargs: Any) -> None:
            pass

    monkeypatch.setattr(_checking, "_start_pool", lambda *args: BrokenPool())
