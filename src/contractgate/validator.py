"""Validate events offline against a compiled contract (v0.1's module path).

``validate(compiled, event)`` is v0.1's function form of ``compiled.validate(event)``;
the answer is the gateway engine's, byte for byte.

For datasets: :func:`validate_partition` / :func:`validate_chunk` validate one partition
(dicts or raw NDJSON lines) into positioned :class:`EventOutcome` verdicts and a
:class:`ValidationSummary` that adds up across partitions in any order. They know no
engine; ``contractgate.dask`` and ``contractgate.spark`` run them per partition, and a
``concurrent.futures.ProcessPoolExecutor`` can too (see ``docs/scale-out.md``).
"""

from __future__ import annotations

from typing import Any, Union

from ._validation.compiler import CompiledContract, Now
from ._validation.partition import (
    EventOutcome,
    PartitionReport,
    frame_records,
    summarize_partition,
    validate_chunk,
    validate_partition,
)
from ._validation.summary import (
    NOT_JSON_VALUE,
    PARSE_ERROR,
    ROOT_FIELD,
    Example,
    ValidationSummary,
    field_group,
)
from ._validation.values.jsondecode import loads
from ._validation.violations import ValidationResult
from .contract import Contract

__all__ = [
    "NOT_JSON_VALUE",
    "PARSE_ERROR",
    "ROOT_FIELD",
    "CompiledContract",
    "EventOutcome",
    "Example",
    "Now",
    "PartitionReport",
    "ValidationResult",
    "ValidationSummary",
    "as_compiled",
    "decode_event",
    "field_group",
    "frame_records",
    "summarize_partition",
    "validate",
    "validate_chunk",
    "validate_partition",
]


def as_compiled(contract: Union[Contract, CompiledContract]) -> CompiledContract:
    """The compiled contract to ship to workers: a :class:`Contract` is compiled here, on
    the driver, so a compile error surfaces before any task runs."""
    if isinstance(contract, CompiledContract):
        return contract
    if isinstance(contract, Contract):
        return contract.compile()
    raise TypeError(f"expected a Contract or CompiledContract, got {type(contract).__name__}")


def validate(compiled: CompiledContract, event: Any) -> ValidationResult:
    """The verdict for one event (a JSON-shaped Python value), as the gateway gives it."""
    return compiled.validate(event)


def decode_event(raw: Union[str, bytes, bytearray, memoryview]) -> Any:
    """Decode ONE JSON text the way the gateway does (serde_json: integer/float
    classification, duplicate keys, depth limit); text the gateway would reject raises
    :class:`~contractgate.EventDecodeError`."""
    return loads(raw)
