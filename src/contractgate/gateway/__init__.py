"""The local gateway: ContractGate's HTTP API on your own machine.

Standard library only (``http.server`` + ``sqlite3``), backed by this package's
validator. Start it from Python (:class:`LocalGateway`), from the command line
(``contractgate gateway --contracts contracts/`` or ``python -m contractgate.gateway``),
or from pytest (the ``contractgate_gateway`` fixture). See ``docs/local-gateway.md``.

Names are imported on first use, so ``contractgate gateway --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ._app import generate_api_key
    from ._contracts import LoadProblem
    from ._faults import FaultInjector
    from ._gateway import DEFAULT_ORG_ID, LocalGateway
    from ._storage import StorageSchemaError

__all__ = [
    "DEFAULT_ORG_ID",
    "FaultInjector",
    "LoadProblem",
    "LocalGateway",
    "StorageSchemaError",
    "generate_api_key",
]

_HOMES = {
    "DEFAULT_ORG_ID": "._gateway",
    "FaultInjector": "._faults",
    "LoadProblem": "._contracts",
    "LocalGateway": "._gateway",
    "StorageSchemaError": "._storage",
    "generate_api_key": "._app",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
