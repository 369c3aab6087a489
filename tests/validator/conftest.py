"""Fixtures and options of the validator tests.

``--validator-fuzz-examples N`` runs the differential fuzz test
(``test_differential_fuzz.py``) with N random examples instead of the deterministic
few-second default; it is registered when pytest is given this directory or a file in it,
e.g. ``pytest tests/validator/test_differential_fuzz.py --validator-fuzz-examples 20000``.
From any invocation, ``CONTRACTGATE_VALIDATOR_FUZZ_EXAMPLES=20000 pytest tests`` does the
same.
"""

from __future__ import annotations

import os
from typing import Any, Iterator

import cg_validator_testlib
import pytest
from cg_validator_testlib import CONTRACTS


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--validator-fuzz-examples",
        type=int,
        default=None,
        metavar="N",
        help="examples per differential validator fuzz test, drawn at random "
        f"(default: {cg_validator_testlib.FUZZ_EXAMPLES}, deterministic, a few seconds)",
    )
    parser.addoption(
        "--regex-oracle-examples",
        type=int,
        default=None,
        metavar="N",
        help="examples of the Rust-crate regex oracle test (test_regex_oracle.py), drawn at "
        "random (default: a deterministic run of a few seconds)",
    )


def pytest_configure(config: pytest.Config) -> None:
    n = config.getoption("--validator-fuzz-examples", default=None)
    if n is not None:  # read by the fuzz tests' @settings when they are collected
        cg_validator_testlib.FUZZ_EXAMPLES = int(n)
        cg_validator_testlib.FUZZ_LONG_RUN = True


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
