"""Wire-level helpers shared by the local gateway: JSON encoding, timestamps, ids, responses.

Responses are encoded the way the real gateway's serde_json does: compact (no spaces),
non-ASCII left literal, control characters escaped as ``\\u00xx``, and floats in serde's
shortest round-trip form (``1e-7`` rather than Python's ``1e-07``, ``0.00001`` rather than
``1e-05``).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from string import hexdigits
from typing import Any, Dict, List, Optional, Tuple, Union

from .._validation.values.jsonvalue import render_json_float

__all__ = [
    "FIELD_CTL",
    "HTTP_TOKEN",
    "NIL_UUID",
    "Abort",
    "Response",
    "dumps",
    "dumps_str",
    "empty",
    "format_ts",
    "json_response",
    "new_id",
    "now_ts",
    "parse_ts",
    "parse_uuid",
    "plain",
    "std_error",
    "uuid_error",
]

NIL_UUID = "00000000-0000-0000-0000-000000000000"

#: RFC 9110 §5.6.2: a method or a header field name.
HTTP_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: RFC 9110 §5.5: a control character other than HTAB cannot be in a field value.
FIELD_CTL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

_encode_str = json.encoder.encode_basestring


def _encode(value: Any, out: List[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_str(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(render_json_float(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        out.append("{")
        first = True
        for k, v in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(_encode_str(k if isinstance(k, str) else str(k)))
            out.append(":")
            _encode(v, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        out.append("[")
        first = True
        for v in value:
            if not first:
                out.append(",")
            first = False
            _encode(v, out)
        out.append("]")
    elif hasattr(value, "to_dict"):
        _encode(value.to_dict(), out)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps_str(value: Any) -> str:
    """Compact JSON text of ``value`` as serde_json would write it (key order kept)."""
    out: List[str] = []
    _encode(value, out)
    return "".join(out)


def dumps(value: Any) -> bytes:
    return dumps_str(value).encode("utf-8")


def format_ts(dt: datetime) -> str:
    """RFC 3339 UTC with microseconds, e.g. ``2026-08-21T14:59:04.123456Z`` (fixed width,
    so the text sorts chronologically)."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(text: str) -> datetime:
    """The instant :func:`format_ts` wrote as ``text``."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def now_ts() -> str:
    return format_ts(datetime.now(timezone.utc))


def new_id() -> str:
    return str(uuid.uuid4())


def uuid_error(text: str) -> str:
    """The uuid crate's parse error text for ``text`` (best effort)."""
    body = text
    if body.startswith("urn:uuid:"):
        body = body[len("urn:uuid:") :]
    elif body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    for i, ch in enumerate(body):
        if ch not in hexdigits and ch != "-":
            return (
                "invalid character: expected an optional prefix of `urn:uuid:` followed by "
                f"[0-9a-fA-F-], found `{ch}` at {i + 1}"
            )
    if "-" not in body:
        return f"invalid length: expected length 32 for simple format, found {len(body)}"
    groups = body.split("-")
    if len(groups) != 5:
        return f"invalid group count: expected 5, found {len(groups)}"
    for gi, (g, expected) in enumerate(zip(groups, (8, 4, 4, 4, 12))):
        if len(g) != expected:
            return f"invalid group length in group {gi}: expected {expected}, found {len(g)}"
    return "invalid UUID"


def parse_uuid(text: str) -> Optional[str]:
    """Canonical lowercase hyphenated form, or None when ``text`` is not a UUID the
    uuid crate accepts (hyphenated, simple, braced or urn)."""
    body = text
    if body.startswith("urn:uuid:"):
        body = body[len("urn:uuid:") :]
    elif body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    if len(body) == 32:
        if not all(c in hexdigits for c in body):
            return None
    elif len(body) == 36:
        parts = body.split("-")
        if [len(p) for p in parts] != [8, 4, 4, 4, 12]:
            return None
        if not all(c in hexdigits for p in parts for c in p):
            return None
    else:
        return None
    return str(uuid.UUID(body))


HeaderList = List[Tuple[str, str]]


@dataclass
class Response:
    """What a handler answers. ``body`` is bytes; ``content_type`` None means no header."""

    status: int
    body: bytes = b""
    content_type: Optional[str] = None
    headers: HeaderList = field(default_factory=list)


class Abort(Exception):
    """Raised inside a handler to answer with ``response`` immediately."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def json_response(status: int, value: Any, headers: Optional[HeaderList] = None) -> Response:
    return Response(status, dumps(value), "application/json", list(headers or []))


def std_error(status: int, message: str) -> Response:
    """The gateway's standard JSON error body ``{"error": ..., "status": ...}``."""
    return json_response(status, {"error": message, "status": status})


def plain(status: int, text: str) -> Response:
    """A framework-generated plain-text error (spec §2.3)."""
    return Response(status, text.encode("utf-8"), "text/plain; charset=utf-8")


def empty(status: int, headers: Optional[HeaderList] = None) -> Response:
    return Response(status, b"", None, list(headers or []))


JSONValue = Union[None, bool, int, float, str, List[Any], Dict[str, Any]]
