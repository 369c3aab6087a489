"""The request object and the framework-level extractors (axum's, as the gateway sees
them): query strings, JSON bodies, typed JSON bodies and UUID path segments.

Errors are raised as :class:`~._wire.Abort` carrying the framework's plain-text answers
(spec §2.3): ``400 Failed to deserialize query string: ...``, ``415 Expected request with
`Content-Type: application/json```, ``400 Failed to parse the request body as JSON: ...``,
``422 Failed to deserialize the JSON body into the target type: ...``, ``400 Invalid URL:
...``, and the two 413 texts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qsl

from ._wire import Abort, parse_uuid, plain, uuid_error

__all__ = [
    "BODY_BUFFER",
    "BODY_LAYER",
    "QueryField",
    "Request",
    "decode_json",
    "json_body",
    "parse_query",
    "path_uuid",
    "typed_body",
]

#: 413 texts: tower-http's layer (by Content-Length) and axum's body buffering.
BODY_LAYER = "length limit exceeded"
BODY_BUFFER = "Failed to buffer the request body: length limit exceeded"


@dataclass(frozen=True)
class Request:
    """One parsed request, as the server hands it to the application."""

    method: str
    path: str
    query: str = ""
    headers: Dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    body_error: Optional[str] = None  # BODY_LAYER / BODY_BUFFER when over a cap
    client_ip: str = ""

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name.lower())

    def require_layer_limit(self) -> None:
        """The tower-http body-size layer (checked by Content-Length before extraction)."""
        if self.body_error == BODY_LAYER:
            raise Abort(plain(413, BODY_LAYER))

    def require_body(self) -> bytes:
        """The buffered body, or the framework's 413."""
        if self.body_error is not None:
            raise Abort(plain(413, self.body_error))
        return self.body

    def source_ip(self) -> Optional[str]:
        """First ``x-forwarded-for`` entry, else ``x-real-ip`` (client-controlled)."""
        xff = self.header("x-forwarded-for")
        if xff:
            first = xff.split(",")[0].strip()
            if first:
                return first
        real = self.header("x-real-ip")
        if real and real.strip():
            return real.strip()
        return None


# ---------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class QueryField:
    """One field of a query struct: kind is ``bool``, ``i64``, ``uuid``, ``str`` or
    ``enum``; ``required`` fields without a default must be present."""

    name: str
    kind: str
    default: Any = None
    required: bool = False
    choices: Tuple[str, ...] = ()


def _query_error(msg: str) -> Abort:
    return Abort(plain(400, f"Failed to deserialize query string: {msg}"))


def _parse_i64(text: str) -> int:
    if text == "":
        raise ValueError("cannot parse integer from empty string")
    body = text[1:] if text[0] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        raise ValueError("invalid digit found in string")
    value = int(text)
    if value > 2**63 - 1:
        raise ValueError("number too large to fit in target type")
    if value < -(2**63):
        raise ValueError("number too small to fit in target type")
    return value


def parse_query(req: Request, fields: Sequence[QueryField]) -> Dict[str, Any]:
    """Deserialize the query string into ``fields`` the way serde_urlencoded does:
    unknown keys are ignored, repeated keys are an error, values are typed strictly."""
    by_name = {f.name: f for f in fields}
    out: Dict[str, Any] = {}
    seen: set[str] = set()
    try:
        pairs = parse_qsl(req.query, keep_blank_values=True)
    except ValueError as e:  # pragma: no cover - parse_qsl is lenient
        raise _query_error(str(e)) from None
    for key, value in pairs:
        f = by_name.get(key)
        if f is None:
            continue
        if key in seen:
            raise _query_error(f"duplicate field `{key}`")
        seen.add(key)
        if f.kind == "bool":
            if value not in ("true", "false"):
                raise _query_error("provided string was not `true` or `false`")
            out[key] = value == "true"
        elif f.kind == "i64":
            try:
                out[key] = _parse_i64(value)
            except ValueError as e:
                raise _query_error(str(e)) from None
        elif f.kind == "uuid":
            u = parse_uuid(value)
            if u is None:
                raise _query_error(f"UUID parsing failed: {uuid_error(value)}")
            out[key] = u
        elif f.kind == "enum":
            if value not in f.choices:
                expected = ", ".join(f"`{c}`" for c in f.choices)
                raise _query_error(f"unknown variant `{value}`, expected one of {expected}")
            out[key] = value
        else:
            out[key] = value
    for f in fields:
        if f.name not in out:
            if f.required:
                raise _query_error(f"missing field `{f.name}`")
            out[f.name] = f.default
    return out


# ---------------------------------------------------------------------------- paths


def path_uuid(text: str) -> str:
    """A ``Path<Uuid>`` segment, or axum's plain-text 400 ``Invalid URL: ...``."""
    u = parse_uuid(text)
    if u is None:
        raise Abort(plain(400, f"Invalid URL: UUID parsing failed: {uuid_error(text)}"))
    return u


# ---------------------------------------------------------------------------- JSON bodies


def _is_json_content_type(value: Optional[str]) -> bool:
    if not value:
        return False
    mime = value.split(";", 1)[0].strip().lower()
    if "/" not in mime:
        return False
    top, sub = mime.split("/", 1)
    return top == "application" and (sub == "json" or sub.endswith("+json"))


def decode_json(data: bytes) -> Any:
    """serde_json decoding of one JSON document (raises ``EventDecodeError``)."""
    from .._validation.values.jsonvalue import loads

    return loads(data)


def json_body(req: Request) -> Any:
    """axum's ``Json<Value>`` extractor: content type (415), buffering (413), syntax (400)."""
    from ..exceptions import EventDecodeError

    if not _is_json_content_type(req.header("content-type")):
        raise Abort(plain(415, "Expected request with `Content-Type: application/json`"))
    body = req.require_body()
    try:
        return decode_json(body)
    except EventDecodeError as e:
        raise Abort(plain(400, f"Failed to parse the request body as JSON: {e}")) from None


def _end_position(body: bytes) -> Tuple[int, int]:
    text = body.decode("utf-8", errors="replace").rstrip()
    lines = text.split("\n")
    return len(lines), len(lines[-1])


def _unexpected(value: Any) -> str:
    """serde's ``Unexpected`` rendering of a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value!r}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, list):
        return "sequence"
    return "map"


def _duplicate_field(body: bytes, names: Sequence[str]) -> Optional[str]:
    """The field of ``names`` that the body's top-level object gives a second time first
    (serde's derived ``Deserialize`` refuses a struct field given twice, where
    :func:`decode_json` keeps the last value), or None. Unknown keys may repeat, as serde
    ignores them. ``body`` is JSON that :func:`decode_json` accepted."""
    top: List[Tuple[str, Any]] = []

    def pairs(items: List[Tuple[str, Any]]) -> None:
        top[:] = items  # objects close inside out: the last call is the outermost

    try:
        json.loads(body, object_pairs_hook=pairs, parse_int=str, parse_float=str)
    except (ValueError, RecursionError):  # pragma: no cover - decode_json accepted it
        return None
    seen: set[str] = set()
    for key, _ in top:
        if key in names:
            if key in seen:
                return key
            seen.add(key)
    return None


@dataclass(frozen=True)
class BodyField:
    """One field of a typed JSON body: kind is ``str``, ``any``, ``uuid`` or
    ``uuid_list``; ``optional`` fields accept absence and ``null``."""

    name: str
    kind: str
    optional: bool = False


def typed_body(req: Request, struct: str, fields: Sequence[BodyField]) -> Dict[str, Any]:
    """axum's ``Json<T>`` for a struct ``T``: like :func:`json_body`, then shape errors as
    ``422 Failed to deserialize the JSON body into the target type: ...``."""
    value = json_body(req)
    line, col = _end_position(req.body)

    def fail(path: Optional[str], msg: str) -> Abort:
        where = f"{path}: " if path else ""
        return Abort(
            plain(
                422,
                "Failed to deserialize the JSON body into the target type: "
                f"{where}{msg} at line {line} column {col}",
            )
        )

    if not isinstance(value, dict):
        raise fail(None, f"invalid type: {_unexpected(value)}, expected struct {struct}")
    duplicate = _duplicate_field(req.body, [f.name for f in fields])
    if duplicate is not None:
        raise fail(None, f"duplicate field `{duplicate}`")
    out: Dict[str, Any] = {}
    for f in fields:
        if f.name not in value or (f.optional and value[f.name] is None):
            if f.optional:
                out[f.name] = None
                continue
            raise fail(None, f"missing field `{f.name}`")
        v = value[f.name]
        if f.kind == "str":
            if not isinstance(v, str):
                raise fail(f.name, f"invalid type: {_unexpected(v)}, expected a string")
            out[f.name] = v
        elif f.kind == "uuid":
            if not isinstance(v, str):
                raise fail(f.name, f"invalid type: {_unexpected(v)}, expected a UUID string")
            u = parse_uuid(v)
            if u is None:
                raise fail(f.name, f"UUID parsing failed: {uuid_error(v)}")
            out[f.name] = u
        elif f.kind == "uuid_list":
            if not isinstance(v, list):
                raise fail(f.name, f"invalid type: {_unexpected(v)}, expected a sequence")
            ids: List[str] = []
            for i, item in enumerate(v):
                where = f"{f.name}[{i}]"
                if not isinstance(item, str):
                    raise fail(where, f"invalid type: {_unexpected(item)}, expected a UUID string")
                u = parse_uuid(item)
                if u is None:
                    raise fail(where, f"UUID parsing failed: {uuid_error(item)}")
                ids.append(u)
            out[f.name] = ids
        else:
            out[f.name] = v
    return out
