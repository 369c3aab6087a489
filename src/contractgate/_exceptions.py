"""The one error hierarchy of the SDK.

Everything raised on purpose derives from :class:`ContractGateError` (also importable as
``SDKError``). Local contract problems raise :class:`ContractCompileError`; the HTTP
clients' errors are defined further down in this module.
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "ContractCompileError",
    "ContractGateError",
    "SDKError",
]


class ContractGateError(Exception):
    """Base class of every error this SDK raises on purpose."""


SDKError = ContractGateError


class ContractCompileError(ContractGateError):
    """A contract could not be parsed or compiled.

    ``str(err)`` is the engine's text where the engine defines it (regex and transform
    errors byte for byte, serde-style messages for YAML shape errors). ``file``, ``line``
    and ``column`` (1-based) say where, when known; ``path`` is the serde-style key path
    (``ontology.entities[0].required``) when the error is about one key.
    """

    def __init__(
        self,
        message: str,
        *,
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        path: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.path = path

    def __str__(self) -> str:
        if self.file is not None:
            return f"{self.file}: {self.message}"
        return self.message
