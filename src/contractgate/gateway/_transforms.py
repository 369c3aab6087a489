"""PII transforms and egress leakage (contract-validation.md §1.6, §7.4).

The gateway applies a version's declared transforms after validation, to top-level
string entities only:

* ``mask`` → ``"****"``; with ``style: format_preserving`` a keyed per-position scramble
  of the same length that keeps each character's class (digit, lower, upper; others kept);
* ``hash`` → ``"hmac-sha256:<64 hex>"`` keyed by the contract's secret salt;
* ``redact`` → ``"<REDACTED>"``;
* ``drop`` → the key is removed.

Non-string values are left alone. Under ``compliance_mode`` undeclared top-level keys are
removed from the stored payload. Non-object events pass through unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Dict, List, Optional, Tuple

__all__ = [
    "apply_transforms",
    "contract_salt",
    "declared_names",
    "format_preserving",
    "strip_undeclared",
]

_DIGITS = "0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _enum_value(v: Any) -> Optional[str]:
    if v is None:
        return None
    return str(getattr(v, "value", v))


def contract_salt(secret: bytes, contract_id: str) -> bytes:
    """The per-contract secret salt: HMAC of the contract id under the gateway secret."""
    return hmac.new(secret, contract_id.encode("utf-8"), hashlib.sha256).digest()


def _keystream(salt: bytes, field: str, value: str, n: int) -> bytes:
    """``n`` bytes: the concatenated ``HMAC(salt, field 0x00 value counter_be32)`` for
    counter = 0, 1, …. The HMAC state after the seed is computed once and copied per
    block, so a long value costs linear time, not a pass over the value per 32 bytes."""
    out = bytearray()
    counter = 0
    seeded = hmac.new(salt, field.encode("utf-8") + b"\x00" + value.encode("utf-8"), hashlib.sha256)
    while len(out) < n:
        block = seeded.copy()
        block.update(counter.to_bytes(4, "big"))
        out += block.digest()
        counter += 1
    return bytes(out[:n])


def format_preserving(value: str, salt: bytes, field: str = "") -> str:
    """Same length, same character classes, keyed by ``salt`` (and the field name)."""
    ks = _keystream(salt, field, value, len(value))
    chars: List[str] = []
    for ch, k in zip(value, ks):
        if ch in _DIGITS:
            chars.append(_DIGITS[(_DIGITS.index(ch) + k) % 10])
        elif ch in _LOWER:
            chars.append(_LOWER[(_LOWER.index(ch) + k) % 26])
        elif ch in _UPPER:
            chars.append(_UPPER[(_UPPER.index(ch) + k) % 26])
        else:
            chars.append(ch)
    return "".join(chars)


def declared_names(contract: Any) -> frozenset[str]:
    return frozenset(fd.name for fd in contract.ontology.entities)


def apply_transforms(contract: Any, event: Any, salt: bytes) -> Any:
    """Return the post-transform copy of ``event`` (the input is not modified)."""
    if not isinstance(event, dict):
        return event
    out: Dict[str, Any] = dict(event)
    for fd in contract.ontology.entities:
        transform = getattr(fd, "transform", None)
        if transform is None:
            continue
        name = fd.name
        if name not in out:
            continue
        value = out[name]
        if not isinstance(value, str):
            continue
        kind = _enum_value(transform.kind)
        if kind == "mask":
            style = _enum_value(getattr(transform, "style", None)) or "opaque"
            if style == "format_preserving":
                out[name] = format_preserving(value, salt, name)
            else:
                out[name] = "****"
        elif kind == "hash":
            digest = hmac.new(salt, value.encode("utf-8"), hashlib.sha256).hexdigest()
            out[name] = "hmac-sha256:" + digest
        elif kind == "redact":
            out[name] = "<REDACTED>"
        elif kind == "drop":
            del out[name]
    if getattr(contract, "compliance_mode", False):
        declared = declared_names(contract)
        for key in [k for k in out if k not in declared]:
            del out[key]
    return out


def strip_undeclared(contract: Any, record: Any) -> Tuple[Any, List[str]]:
    """Egress leakage: remove top-level keys that are not declared entities, in sorted
    key order. Returns the cleaned record and the removed keys (in that order)."""
    if not isinstance(record, dict):
        return record, []
    declared = declared_names(contract)
    stripped = sorted(k for k in record if k not in declared)
    if not stripped:
        return record, []
    cleaned = {k: v for k, v in record.items() if k in declared}
    return cleaned, stripped


def leakage_message(key: str) -> str:
    return (
        f"Undeclared field '{key}' found in egress payload (egress_leakage_mode=fail); "
        "field stripped from response"
    )
