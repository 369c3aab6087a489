"""Helpers shared by the validator tests (imported by the test modules and conftest)."""

from __future__ import annotations

from pathlib import Path

from contractgate._http.transport import RetryPolicy

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = REPO / "contracts"
DATA = REPO / "tests" / "data"

#: short waits so the tests against the local gateway stay fast
FAST_RETRY = RetryPolicy(
    max_retries=2,
    initial_delay=0.01,
    max_delay=0.05,
    keyed_min_delay=0.05,
    auth_retry_delay=0.01,
)

#: Examples per differential fuzz test and whether they are drawn at random; conftest sets
#: them from ``--validator-fuzz-examples N`` (default: a deterministic few-second run).
FUZZ_EXAMPLES = 50
FUZZ_LONG_RUN = False
