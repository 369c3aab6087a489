"""The README's main job (`./scripts/demo` runs examples/demo.py) works end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_runs_the_whole_story() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    # 1. the offline report names the failing file, line, field and kind
    assert "examples/fixtures/user_events.bad.json:3:4: record 2: user_id:" in text
    assert "[pattern_mismatch]" in text
    # 3.-6. ingest verdicts, fallback, quarantine and a replay
    assert "HTTP 207: 1 passed, 2 failed" in text
    assert "PASS decided by 1.0.0" in text
    assert "replayed (matched 1.0.0)" in text
    assert "history: passed_replay v1.0.0" in text
    assert "8 events, 5 passed, 3 failed" in text
