"""Validate events offline against a compiled contract (v0.1's module path).

``validate(compiled, event)`` is v0.1's function form of ``compiled.validate(event)``;
the answer is the gateway engine's, byte for byte.
"""

from __future__ import annotations

from typing import Any

from ._validation.compiler import CompiledContract
from ._validation.violations import ValidationResult

__all__ = ["CompiledContract", "ValidationResult", "validate"]


def validate(compiled: CompiledContract, event: Any) -> ValidationResult:
    """The verdict for one event (a JSON-shaped Python value), as the gateway gives it."""
    return compiled.validate(event)
