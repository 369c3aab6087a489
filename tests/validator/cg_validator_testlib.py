"""Helpers shared by the validator tests (imported by the test modules and conftest)."""

from __future__ import annotations

import os
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

#: Examples per differential fuzz test and whether they are drawn at random: from
#: ``--validator-fuzz-examples N`` (conftest; registered when pytest is pointed at
#: tests/validator) or the environment variable ``CONTRACTGATE_VALIDATOR_FUZZ_EXAMPLES``
#: (any invocation); by default a deterministic run of a few seconds.
_FROM_ENV = os.environ.get("CONTRACTGATE_VALIDATOR_FUZZ_EXAMPLES", "").strip()
FUZZ_EXAMPLES = int(_FROM_ENV) if _FROM_ENV else 50
FUZZ_LONG_RUN = bool(_FROM_ENV)
