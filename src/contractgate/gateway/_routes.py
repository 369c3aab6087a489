"""The routing table: every route the local gateway serves, in one place, and the
matcher (axum's: the most specific pattern wins; a known path with another method is a
405 with ``allow``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from . import _admin, _egress, _ingest, _reads, _replay
from ._call import Call
from ._wire import Response

__all__ = ["Route", "Router"]

Handler = Callable[[Call], Response]


def _split(path: str) -> Tuple[str, ...]:
    return tuple(path.split("/")[1:]) if path.startswith("/") else (path,)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: Tuple[str, ...]
    handler: Handler
    auth: bool = True  # needs an API key (and takes a rate-limit token)

    @property
    def specificity(self) -> Tuple[int, ...]:
        return tuple(1 if seg.startswith("{") else 0 for seg in self.pattern)


def _r(method: str, path: str, handler: Handler, auth: bool = True) -> Route:
    return Route(method, _split(path), handler, auth)


#: Spec §3, in the spec's order. Comments name the section.
ROUTES: Tuple[Route, ...] = (
    # §3.8 health
    _r("GET", "/health", _reads.health, auth=False),
    _r("GET", "/ready", _reads.ready, auth=False),
    # §3.1 / §3.2 ingest
    _r("POST", "/ingest/{contract_id}", _ingest.ingest),
    _r("GET", "/ingest/{contract_id}/stats", _reads.contract_stats),
    _r("POST", "/v1/ingest/{contract_id}", _ingest.v1_ingest),
    _r("GET", "/v1/contracts/{contract_id}/version", _reads.v1_version),
    # §3.3 / §3.4 egress and playground
    _r("POST", "/egress/{contract_id}", _egress.egress),
    _r("POST", "/playground/validate", _egress.playground),
    # §3.5 contracts and versions (reads)
    _r("GET", "/contracts", _reads.list_contracts),
    _r("GET", "/contracts/{id}", _reads.get_contract),
    _r("GET", "/contracts/{id}/versions", _reads.list_versions),
    _r("GET", "/contracts/{id}/versions/latest-stable", _reads.latest_stable),
    _r("GET", "/contracts/{id}/versions/{version}", _reads.get_version),
    _r("GET", "/contracts/{id}/name-history", _reads.name_history),
    # §3.7 replay
    _r("POST", "/contracts/{id}/quarantine/replay", _replay.replay),
    _r("GET", "/contracts/{id}/quarantine/{quar_id}/replay-history", _replay.replay_history),
    # §3.6 audit, stats, usage; §3.7 quarantine
    _r("GET", "/audit", _reads.audit),
    _r("GET", "/stats", _reads.stats),
    _r("GET", "/quarantine", _reads.quarantine),
    _r("POST", "/quarantine/replay", _replay.toplevel_replay),
    _r("GET", "/quarantine/replay-history", _replay.toplevel_replay_history),
    _r("GET", "/usage", _reads.usage),
    # LOCAL: contracts come from the folder; the write routes exist but say so (501).
    _r("POST", "/contracts", _reads.not_implemented),
    _r("POST", "/contracts/deploy", _reads.not_implemented),
    _r("PATCH", "/contracts/{id}", _reads.not_implemented),
    _r("DELETE", "/contracts/{id}", _reads.not_implemented),
    _r("POST", "/contracts/{id}/versions", _reads.not_implemented),
    _r("PATCH", "/contracts/{id}/versions/{version}", _reads.not_implemented),
    _r("DELETE", "/contracts/{id}/versions/{version}", _reads.not_implemented),
    _r("POST", "/contracts/{id}/versions/{version}/promote", _reads.not_implemented),
    _r("POST", "/contracts/{id}/versions/{version}/deprecate", _reads.not_implemented),
)

#: LOCAL, only with ``admin=True``; no API key.
ADMIN_ROUTES: Tuple[Route, ...] = (
    _r("GET", "/_admin/faults", _admin.faults, auth=False),
    _r("POST", "/_admin/faults", _admin.faults, auth=False),
    _r("DELETE", "/_admin/faults", _admin.faults, auth=False),
    _r("POST", "/_admin/reset", _admin.reset, auth=False),
)


class Router:
    """Matches ``method path`` against the table."""

    def __init__(self, admin: bool) -> None:
        self.routes: List[Route] = list(ROUTES) + (list(ADMIN_ROUTES) if admin else [])

    def match(self, method: str, path: str) -> Tuple[Optional[Route], Dict[str, str], List[str]]:
        """(route, raw path parameters, methods allowed on the path). No route: a 404
        when no method is allowed, else a 405."""
        segs = _split(path)
        best: Optional[Tuple[int, ...]] = None
        candidates: List[Tuple[Route, Dict[str, str]]] = []
        for route in self.routes:
            if len(route.pattern) != len(segs):
                continue
            params: Dict[str, str] = {}
            for pat, seg in zip(route.pattern, segs):
                if pat.startswith("{"):
                    if seg == "":
                        break
                    params[pat[1:-1]] = seg
                elif pat != seg:
                    break
            else:
                spec = route.specificity
                if best is None or spec < best:
                    best = spec
                    candidates = [(route, params)]
                elif spec == best:
                    candidates.append((route, params))
        methods = [r.method for r, _ in candidates]
        for route, params in candidates:
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route, params, methods
        return None, {}, methods
