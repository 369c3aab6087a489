"""What the SDK relies on in its dependencies, each stated once, so that a new release
that changes it fails here with a message naming the dependency, its version and the
behaviour — before a user sees a different answer.

YAML is not on this list: contracts, fixtures and config files are read by the SDK's own
libyaml 0.2.5 port (tests/validator/test_libyaml_port.py holds the answers recorded from
libyaml 0.2.5 itself), so no YAML library's release can change a verdict.
"""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any, Dict, List

import pytest

from contractgate._http import chunking


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "(not installed)"


def test_httpcore_lets_the_sync_deadline_reach_the_socket() -> None:
    """The sync Client's transports cap each socket operation by the time left in the
    attempt through httpcore's connection pool's ``_network_backend``; without it a
    server that trickles response headers holds a sync call past its timeout."""
    import httpx

    from contractgate._http.deadline import bound

    transport = httpx.HTTPTransport()
    try:
        assert bound(transport), (
            f"httpx {_version('httpx')} / httpcore {_version('httpcore')}: the connection "
            "pool has no _network_backend any more, so the sync Client's per-attempt "
            "deadline no longer reaches the socket (see _http/deadline.py)"
        )
    finally:
        transport.close()


def test_httpx_shows_the_async_pool_connections_of_another_loop() -> None:
    """``AsyncClient`` refuses, before sending, to use connections an earlier event loop
    opened (httpx would fail with "Event loop is closed", possibly after sending the
    request on a new connection): it finds them in the httpcore pools of the httpx
    client's ``_transport``/``_mounts``. If a new httpx keeps them elsewhere, the check
    sees none and only the error httpx raises is reworded."""
    import asyncio
    import socket
    import threading

    import httpx

    from contractgate.async_client import _holds_connections

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
            conn.recv(65536)  # until the client closes

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    async def use() -> bool:
        async with httpx.AsyncClient() as http:
            assert not _holds_connections(http)
            await http.get(f"http://127.0.0.1:{port}/")
            return _holds_connections(http)

    try:
        assert asyncio.run(use()), (
            f"httpx {_version('httpx')} / httpcore {_version('httpcore')}: an AsyncClient's "
            "pooled connections are no longer in _transport._pool.connections (see "
            "async_client._holds_connections)"
        )
    finally:
        listener.close()
        thread.join(5)


def test_httpx_lets_the_sync_deadline_reach_proxied_sockets(monkeypatch: Any) -> None:
    """The sync Client lets httpx build its transports (so that the environment's proxies
    are read as httpx reads them) and then bounds each one, found in ``_transport`` and
    ``_mounts``; if a new httpx keeps them elsewhere, proxied calls would lose the
    per-attempt deadline silently."""
    import httpx

    from contractgate._http.deadline import _DeadlineBackend, bind_client

    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    http = httpx.Client()
    bind_client(http)
    try:
        mounts = getattr(http, "_mounts", None)
        transports = [getattr(http, "_transport", None), *(mounts or {}).values()]
        found = [t for t in transports if t is not None]
        assert isinstance(mounts, dict) and len(found) >= 2, (
            f"httpx {_version('httpx')}: httpx.Client no longer keeps its transports in "
            "_transport/_mounts, so the sync Client cannot bound proxied sockets "
            "(see _http/deadline.py)"
        )
        for t in found:
            backend = getattr(getattr(t, "_pool", None), "_network_backend", None)
            assert isinstance(backend, _DeadlineBackend), f"{t!r} is not bounded"
    finally:
        http.close()


FLAT_EVENTS: List[Dict[str, Any]] = [
    {"user_id": "alice_01", "n": 1, "ok": True, "none": None},
    {"s": 'quote " backslash \\ slash / tab \t newline \n nul \x00 del \x7f'},
    {"u": "é 日本 🚀 \u2028 \u2029 \ufeff", "e": ""},
    {"i": 2**63 - 1, "j": -(2**63), "k": 0},
    {"f": 0.1, "g": -2.5, "h": 1e15, "m": 123456.789, "z": 0.0, "w": 1e-4, "v": 9999999999999998.0},
]


def test_orjson_spells_flat_events_as_the_stdlib_encoder() -> None:
    """With ``contractgate[fast]``, flat events are encoded by orjson; a retry resends the
    same bytes under the same Idempotency-Key, so its bytes must be the stdlib encoder's
    (a difference between two releases' bytes would turn a retry into a 422 conflict)."""
    if chunking._orjson_dumps is None:
        pytest.skip("orjson is not installed (the stdlib encoder is used)")
    for event in FLAT_EVENTS:
        fast = chunking._orjson_dumps(event)
        stdlib = json.dumps(event, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        assert fast == stdlib.encode("utf-8"), (
            f"orjson {_version('orjson')} encodes {event!r} as {fast!r}, the stdlib as "
            f"{stdlib!r}: narrow the fast path in _http/chunking.py.encode_event"
        )


def test_orjson_refuses_what_the_stdlib_path_must_judge() -> None:
    """The fast path relies on orjson raising (so the stdlib path decides) for lone
    surrogates and integers beyond 64 bits."""
    if chunking._orjson_dumps is None:
        pytest.skip("orjson is not installed (the stdlib encoder is used)")
    for event in ({"s": "\ud800"}, {"i": 2**64}, {"i": -(2**63) - 1}):
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            chunking._orjson_dumps(event)


def test_msgspec_decodes_as_the_native_event_path_relies_on() -> None:
    """With ``contractgate[fast]``, events are decoded by msgspec (``jsondecode``): every
    float literal goes through the float hook, integer literals come back exact, nesting
    past serde_json's limit of 127 is accepted (so the guard's own check must run), and
    what serde_json rejects msgspec refuses too (the exact decoder then reports it)."""
    msgspec = pytest.importorskip("msgspec")
    where = f"msgspec {_version('msgspec')}"
    seen: List[str] = []

    def hook(literal: str) -> float:
        seen.append(literal)
        return 0.0

    decode = msgspec.json.Decoder(float_hook=hook).decode
    value = decode('[1.5, 1e5, -0.0, 2E-3, 12345678901234567890.5, 7, -0, 98765432109876543210]')
    assert seen == ["1.5", "1e5", "-0.0", "2E-3", "12345678901234567890.5"], where
    assert value[5:] == [7, 0, 98765432109876543210], where
    assert type(value[6]) is int and type(value[7]) is int, where
    assert decode("[" * 128 + "]" * 128) is not None, where
    assert decode('{"a":1,"a":2,"b":3}') == {"a": 2, "b": 3}, where
    assert list(decode('{"a":1,"b":2,"a":3}')) == ["a", "b"], where
    bad_texts = [
        "[1,]", '{"a":1,}', "01", "1.", ".5", "+1", "NaN", "Infinity", '"\\u12"',
        '"\\ud800"', '"\\udc00"', '"\\ud800\\u0041"', '"a\\x"', '"a\x01"', "\ufeff1",
        "1 2", "", "\x0c1", "{1:2}", "tru",
    ]  # fmt: skip
    bad_texts.append('"' + chr(0xD800) + '"')  # a lone surrogate in a str
    for bad in bad_texts:  # (bytes never reach msgspec: they are decoded to str first)
        try:
            decode(bad)
        except Exception:  # any refusal: the exact decoder then decides
            continue
        pytest.fail(f"{where} accepts {bad!r}: narrow jsondecode's native fast path")


def test_jsonschema_reports_what_check_contracts_strict_shows() -> None:
    """``check-contracts --strict`` reads each error's ``path`` (to find the YAML line),
    ``validator`` and ``message`` from jsonschema's Draft 2020-12 validator."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = {"type": "object", "properties": {"a": {"type": "integer"}},
              "additionalProperties": False}  # fmt: skip
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors({"a": "x", "b": 1}),
        key=lambda e: e.validator,
    )
    where = f"jsonschema {_version('jsonschema')}"
    assert [e.validator for e in errors] == ["additionalProperties", "type"], where
    assert list(errors[1].path) == ["a"], where
    assert "'b' was unexpected" in errors[0].message, where
