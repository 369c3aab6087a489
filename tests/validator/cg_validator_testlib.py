"""Helpers shared by the validator tests (imported by the test modules and conftest)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, List, Tuple

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


# -- whole-request rules (spec §7) ------------------------------------------------------


def dups(compiled: Any, events: Any) -> List[Tuple[int, str, str]]:
    """Batch uniqueness as ``(index, field, message)``."""
    return [(i, v.field, v.message) for i, v in compiled.uniqueness_violations(events)]


def uniqueness_message(shown: str, field: str = "a") -> str:
    return f"Quality uniqueness: duplicate value {shown} for field '{field}' in batch"


def batch_summary(result: Any) -> Tuple[int, int, List[Tuple[int, str, str, str]]]:
    """A batch or envelope result as (passed, quarantined, violations as tuples)."""
    return (
        result.passed,
        result.quarantined,
        [(v.record_index, v.field, str(v.kind), v.message) for v in result.violations],
    )
