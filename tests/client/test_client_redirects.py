"""Redirects over a real loopback server: the method and body each status keeps, the
query the ``Location`` gives, and the redirects refused (no ``Location``, a scheme other
than HTTP(S), a loop). Where the key goes after a redirect: test_client_secrets.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cg_client_testlib import API_KEY, LoopbackServer

import contractgate.exceptions as E
from contractgate._http.request import MAX_REDIRECTS

VERDICT = json.dumps({"passed": True, "violations": [], "validation_us": 1}).encode()


@pytest.mark.parametrize(
    ("status", "method"),
    [(301, "GET"), (302, "GET"), (303, "GET"), (307, "POST"), (308, "POST")],
)
async def test_a_redirected_post_keeps_its_method_and_body_only_on_307_and_308(
    make_api: Any, server: LoopbackServer, status: int, method: str
) -> None:
    """As browsers and httpx do: 301 and 302 turn a POST into a GET, 303 always does (the
    body and its headers dropped); 307 and 308 resend the same request."""
    server.routes["/playground/validate"] = (status, {"location": "/moved?step=2"}, b"")
    server.routes["/moved"] = (200, {}, VERDICT)
    api = make_api(base_url=f"http://127.0.0.1:{server.port}", api_key=API_KEY)
    result = await api.playground_validate("version: '1.0'", {"a": 1})
    assert result.passed
    (first, second) = server.seen
    assert first[0] == "POST" and second[:2] == (method, "/moved?step=2")
    if method == "POST":
        assert server.bodies[1] == server.bodies[0] != b""
        assert second[2]["content-type"] == first[2]["content-type"]
    else:
        assert server.bodies[1] == b"" and "content-type" not in second[2]
    assert second[2]["x-api-key"] == API_KEY  # the same origin


async def test_the_location_gives_the_query_the_original_one_is_not_added(
    make_api: Any, server: LoopbackServer
) -> None:
    server.routes["/audit"] = (302, {"location": "/audit-v2?cursor=z"}, b"")
    server.routes["/audit-v2"] = (200, {}, b"[]")
    api = make_api(base_url=f"http://127.0.0.1:{server.port}", api_key=API_KEY)
    assert await api.audit(limit=5) == []
    assert server.seen[0][1].startswith("/audit?") and "limit=5" in server.seen[0][1]
    assert server.seen[1][1] == "/audit-v2?cursor=z"


async def test_a_redirect_to_another_scheme_is_refused_not_followed(
    make_api: Any, server: LoopbackServer
) -> None:
    server.routes["/health"] = (302, {"location": "ftp://127.0.0.1/health"}, b"")
    api = make_api(base_url=f"http://127.0.0.1:{server.port}", api_key=API_KEY)
    with pytest.raises(E.InvalidResponseError) as ei:
        await api.health()
    assert "redirect to unsupported scheme 'ftp'" in str(ei.value)
    assert ei.value.status_code == 302 and len(server.seen) == 1


async def test_a_redirect_status_without_a_location_is_that_status(
    make_api: Any, server: LoopbackServer
) -> None:
    server.routes["/health"] = (302, {}, b'{"error": "moved somewhere", "status": 302}')
    api = make_api(base_url=f"http://127.0.0.1:{server.port}", api_key=API_KEY)
    with pytest.raises(E.HTTPError) as ei:
        await api.health()
    assert type(ei.value) is E.HTTPError and ei.value.status_code == 302
    assert "moved somewhere" in str(ei.value) and len(server.seen) == 1


async def test_a_redirect_loop_stops_after_the_limit(make_api: Any, server: LoopbackServer) -> None:
    server.routes["/health"] = (307, {"location": "/health"}, b"")
    api = make_api(base_url=f"http://127.0.0.1:{server.port}", api_key=API_KEY)
    with pytest.raises(E.HTTPError) as ei:
        await api.health()
    assert f"too many redirects (more than {MAX_REDIRECTS})" in str(ei.value)
    assert len(server.seen) == MAX_REDIRECTS + 1
