"""What every engine integration needs before it ships a contract."""

from __future__ import annotations

from typing import Union

from ..contract import CompiledContract, Contract

__all__ = ["as_compiled"]


def as_compiled(contract: Union[Contract, CompiledContract]) -> CompiledContract:
    """The compiled contract to ship: a :class:`Contract` is compiled here, on the
    driver, so a compile error surfaces before any task runs."""
    if isinstance(contract, CompiledContract):
        return contract
    if isinstance(contract, Contract):
        return contract.compile()
    raise TypeError(f"expected a Contract or CompiledContract, got {type(contract).__name__}")
