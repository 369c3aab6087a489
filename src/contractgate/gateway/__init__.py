"""The local gateway: ContractGate's HTTP API on your own machine.

Standard library only (``http.server`` + ``sqlite3``), backed by this package's
validator. Start it from Python (:class:`LocalGateway`), from the command line
(``contractgate gateway --contracts contracts/`` or ``python -m contractgate.gateway``),
or from pytest (the ``contractgate_gateway`` fixture). See ``docs/local-gateway.md``.
"""

from __future__ import annotations

from ._app import generate_api_key
from ._contracts import LoadProblem
from ._faults import FaultInjector
from ._gateway import DEFAULT_ORG_ID, LocalGateway

__all__ = [
    "DEFAULT_ORG_ID",
    "FaultInjector",
    "LoadProblem",
    "LocalGateway",
    "generate_api_key",
]
