"""The one place that writes audit, quarantine and forward rows.

Every route that stores something (ingest, /v1 ingest, envelopes, deprecated versions,
egress, replay) opens a transaction and writes through a :class:`RowWriter`, which
holds what all rows of one request share (org, contract, direction, source IP, time,
whether bodies are stored) and applies the storage rules once: a passing event is
audited and forwarded, a failing one audited and quarantined, and a body is redacted
(``{}`` in audit, ``NULL`` in quarantine) when the contract or the gateway does not keep
bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional

from ._storage import Tx
from ._wire import new_id, now_ts

__all__ = ["RowWriter", "wire_violations"]


def wire_violations(violations: Iterable[Any]) -> List[Dict[str, Any]]:
    """Violations in their wire (and stored) form; dicts are taken as already wired."""
    return [v if isinstance(v, dict) else v.to_dict() for v in violations]


@dataclass(frozen=True)
class RowWriter:
    """Writes one request's rows inside its transaction ``tx``.

    ``direction`` is ``ingress`` or ``egress`` (replay uses the quarantined row's own);
    ``store_bodies`` false stores ``{}`` as the audit body and marks quarantine rows
    ``payload_redacted``. All rows of one request share ``now`` (as upstream).
    """

    tx: Tx
    org_id: Optional[str]
    contract_id: str
    direction: str
    source_ip: Optional[str]
    store_bodies: bool
    now: str = field(default_factory=now_ts)

    def verdict(
        self,
        version: str,
        event: Any,
        details: List[Dict[str, Any]],
        *,
        validation_us: int = 0,
        forward: bool = True,
        quarantine_id: Optional[str] = None,
    ) -> None:
        """One event's verdict (``details``: its wire violations, empty when it passed):
        an audit row, then a forward row if it passed (and ``forward``), else a
        quarantine row (under ``quarantine_id`` when the answer already announced it)."""
        passed = not details
        self.audit(
            version, passed=passed, details=details, raw_event=event, validation_us=validation_us
        )
        if not passed:
            self.quarantine(version, event, details, row_id=quarantine_id)
        elif forward:
            self.forward(version, event)

    def audit(
        self,
        version: Optional[str],
        *,
        passed: bool,
        details: List[Dict[str, Any]],
        raw_event: Any,
        validation_us: int = 0,
        count: Optional[int] = None,
        is_body: bool = True,
        replay_source_id: Optional[str] = None,
    ) -> str:
        """An audit row; returns its id. ``is_body`` false: ``raw_event`` is a summary the
        gateway wrote (a rejected batch), stored even when bodies are not."""
        row_id = new_id()
        self.tx.insert_audit(
            id=row_id,
            org_id=self.org_id,
            contract_id=self.contract_id,
            contract_version=version,
            passed=passed,
            violation_count=len(details) if count is None else count,
            violation_details=details,
            raw_event=raw_event if (self.store_bodies or not is_body) else {},
            validation_us=validation_us,
            source_ip=self.source_ip,
            direction=self.direction,
            replay_source_id=replay_source_id,
            created_at=self.now,
        )
        return row_id

    def quarantine(
        self,
        version: Optional[str],
        event: Any,
        details: List[Dict[str, Any]],
        *,
        count: Optional[int] = None,
        row_id: Optional[str] = None,
        source_id: Optional[str] = None,
    ) -> str:
        """A quarantine row (``source_id``: the row a failed replay came from)."""
        row_id = row_id or new_id()
        self.tx.insert_quarantine(
            id=row_id,
            org_id=self.org_id,
            contract_id=self.contract_id,
            contract_version=version,
            raw_event=event,
            payload_redacted=not self.store_bodies,
            violation_details=details,
            violation_count=len(details) if count is None else count,
            source_ip=self.source_ip,
            direction=self.direction,
            quarantined_at=self.now,
            source_id=source_id,
        )
        return row_id

    def forward(self, version: Optional[str], payload: Any, *, source: str = "ingest") -> str:
        """A forwarded event: what downstream would receive (``source``: ingest | replay)."""
        row_id = new_id()
        self.tx.insert_forward(
            id=row_id,
            org_id=self.org_id,
            contract_id=self.contract_id,
            contract_version=version,
            payload=payload,
            source=source,
            created_at=self.now,
        )
        return row_id
