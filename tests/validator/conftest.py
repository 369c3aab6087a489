"""Fixtures and options of the validator tests.

``--validator-fuzz-examples N`` runs the differential fuzz test
(``test_differential_fuzz.py``) with N examples per test instead of the few-second
default; it is registered when pytest starts in (or is given) this directory, e.g.
``pytest tests/validator --validator-fuzz-examples 20000``.
"""

from __future__ import annotations

import os
from typing import Any, Iterator

import pytest
from cg_validator_testlib import CONTRACTS

#: examples per differential fuzz test when no option is given (a few seconds in all)
DEFAULT_FUZZ_EXAMPLES = 150


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--validator-fuzz-examples",
        type=int,
        default=None,
        metavar="N",
        help="examples per differential validator fuzz test "
        f"(default {DEFAULT_FUZZ_EXAMPLES}: a few seconds)",
    )


@pytest.fixture(scope="session")
def fuzz_examples(pytestconfig: pytest.Config) -> int:
    """How many examples the differential fuzz tests run."""
    n = pytestconfig.getoption("--validator-fuzz-examples", default=None)
    return DEFAULT_FUZZ_EXAMPLES if n is None else int(n)


@pytest.fixture(scope="module")
def gateway() -> Iterator[Any]:
    """One local gateway (in-memory SQLite, 127.0.0.1) per module that asks for it."""
    from contractgate.gateway import LocalGateway

    os.environ.pop("CONTRACTGATE_BASE_URL", None)
    os.environ.pop("CONTRACTGATE_API_KEY", None)
    with LocalGateway(
        contracts_dir=str(CONTRACTS),
        db=":memory:",
        rate_limit_rps=100_000,
        rate_limit_burst=100_000,
    ) as gw:
        yield gw


@pytest.fixture
def gw(gateway: Any) -> Iterator[Any]:
    gateway.faults.clear()
    yield gateway
    gateway.faults.clear()


@pytest.fixture
def cid(gw: Any) -> str:
    return str(gw.contract_id("user_events"))
