"""The API key goes only to the configured origin: never in a repr, a log line (debug
level included), an exception message, or a request to another host after a redirect.

Redirects are tested over real sockets: two tiny HTTP servers on 127.0.0.1, one reached
as ``127.0.0.1`` and the other as ``localhost`` (a different origin)."""

from __future__ import annotations

import json
import logging
import re
import warnings
from typing import Any, Iterator, List, Tuple

import httpx
import pytest
from cg_client_testlib import API_KEY, LoopbackServer, Recorder, verdict_for

import contractgate._http.logging as cglog
import contractgate.exceptions as E
from contractgate.async_client import AsyncClient
from contractgate.client import Client

CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"


@pytest.fixture
def servers() -> Iterator[Tuple[LoopbackServer, LoopbackServer]]:
    a, b = LoopbackServer(), LoopbackServer()
    yield a, b
    a.close()
    b.close()


async def test_cross_origin_redirect_drops_the_key(
    make_api: Any, servers: Tuple[LoopbackServer, LoopbackServer]
) -> None:
    a, b = servers
    other = f"http://localhost:{b.port}"
    a.routes["/health"] = (307, {"location": f"{other}/health"}, b"")
    a.routes["/stats"] = (302, {"location": "/elsewhere"}, b"")  # same origin
    a.routes["/elsewhere"] = (200, {}, b'{"total_events": 1}')
    api = make_api(base_url=f"http://127.0.0.1:{a.port}", api_key=API_KEY, org_id="org-9")
    health = await api.health()
    assert health.status == "ok"
    assert [s[1] for s in b.seen] == ["/health"]
    leaked = b.seen[0][2]
    assert "x-api-key" not in leaked and "x-org-id" not in leaked
    assert "authorization" not in leaked
    assert API_KEY not in json.dumps(b.seen)
    # a same-origin redirect keeps the credentials
    stats = await api.stats()
    assert stats.total_events == 1
    assert a.seen[-1][1] == "/elsewhere" and a.seen[-1][2]["x-api-key"] == API_KEY


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_own_http_client_following_redirects_still_protects_the_key(
    servers: Tuple[LoopbackServer, LoopbackServer], kind: str
) -> None:
    a, b = servers
    a.routes["/usage"] = (308, {"location": f"http://localhost:{b.port}/usage"}, b"")
    base = f"http://127.0.0.1:{a.port}"
    if kind == "sync":
        with (
            httpx.Client(follow_redirects=True) as http,
            Client(base, API_KEY, http_client=http) as cg,
        ):
            cg.usage()
    else:
        async with (
            httpx.AsyncClient(follow_redirects=True) as ahttp,
            AsyncClient(base, API_KEY, http_client=ahttp) as acg,
        ):
            await acg.usage()
    assert b.seen and "x-api-key" not in b.seen[0][2]


@pytest.mark.parametrize(
    ("base", "target", "trusted"),
    [
        ("http://gw.example.com", "http://gw.example.com/x", True),
        ("http://gw.example.com", "https://gw.example.com/x", True),  # the https upgrade
        ("http://gw.example.com:80", "https://gw.example.com:443/x", True),
        ("https://gw.example.com", "https://gw.example.com:443/x", True),
        ("http://gw.example.com", "https://other.example.com/x", False),
        ("http://gw.example.com:8080", "https://gw.example.com/x", False),
        ("http://gw.example.com", "https://gw.example.com:8443/x", False),
        ("http://gw.example.com", "http://gw.example.com:8080/x", False),
        ("https://gw.example.com", "http://gw.example.com/x", False),  # a downgrade
        ("https://gw.example.com:8443", "https://gw.example.com/x", False),
        ("https://gw.example.com:80", "https://gw.example.com/x", False),
    ],
)  # fmt: skip
def test_credentials_go_to_the_configured_origin_or_its_https_upgrade_only(
    base: str, target: str, trusted: bool
) -> None:
    """Which redirect targets get the key, ``x-org-id`` and credential-like default
    headers (any spelling); other default headers go everywhere."""
    defaults = {"Cookie": "s=1", "Proxy-Authorization": "Basic eA==", "X-Trace": "t"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # plain http to a remote host warns
        client = Client(base, API_KEY, org_id="o", default_headers=defaults)
    headers = {k.lower(): v for k, v in client._t.headers_for(httpx.URL(target)).items()}
    client.close()
    for name in ("x-api-key", "x-org-id", "cookie", "proxy-authorization"):
        assert (name in headers) is trusted, name
    assert headers["x-trace"] == "t"


@pytest.mark.parametrize(
    ("base", "warns"),
    [("http://127.0.0.1:9", False), ("http://localhost:9", False),
     ("http://gw.localhost:9", False), ("http://[::1]:9", False),
     ("http://10.0.0.1", True), ("http://gw.example.com", True)],
)  # fmt: skip
def test_a_key_over_plain_http_warns_unless_the_host_is_loopback(base: str, warns: bool) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Client(base, API_KEY).close()
    assert any("plain http://" in str(w.message) for w in caught) is warns


@pytest.mark.parametrize(
    "base", ["http://user:pw-s3cret@127.0.0.1:9", "https://pw-s3cret@gw.example.com", "http://user:@127.0.0.1:9"]
)
def test_credentials_in_the_base_url_are_refused(
    base: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """A URL's user:password would travel into reprs, log lines, error messages and the
    deployed-contract cache's folder names; the gateway authenticates with the API key."""
    for make in (Client, AsyncClient):
        with pytest.raises(ValueError) as exc:
            make(base, API_KEY)
        assert "must not carry a user name or password" in str(exc.value)
        assert "s3cret" not in str(exc.value)
    from contractgate._deployed import fetch_deployed

    monkeypatch.setenv("CONTRACTGATE_BASE_URL", base)
    with pytest.raises(E.DeployedContractError) as dexc:
        fetch_deployed("orders@1.0.0", cache_dir=str(tmp_path), offline=True)
    assert "must not carry a user name or password" in str(dexc.value)
    assert "s3cret" not in str(dexc.value) and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "base, message",
    [
        ("http://[::1", "base_url is not a valid URL: Invalid port"),
        ("http://127.0.0.1:70000", "base_url has no valid port: 70000 is not in 1..65535"),
        ("http://127.0.0.1:0", "base_url has no valid port: 0 is not in 1..65535"),
        ("ftp://127.0.0.1", "base_url must be an absolute http:// or https:// URL"),
    ],
)
def test_a_base_url_that_cannot_be_reached_is_refused_at_once(base: str, message: str) -> None:
    for make in (Client, AsyncClient):
        with pytest.raises(ValueError, match=re.escape(message)):
            make(base, API_KEY)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"api_key": API_KEY + "\x00"}, "api_key holds a character that is not printable ASCII"),
        ({"api_key": API_KEY + "\t"}, "api_key starts or ends with whitespace"),
        ({"api_key": " " + API_KEY}, "api_key starts or ends with whitespace"),
        ({"api_key": API_KEY + "\r\n"}, "api_key holds a character that is not printable ASCII"),
        ({"api_key": "cg_clé_" + API_KEY}, "api_key holds a character that is not printable ASCII"),
        ({"org_id": "org\n1"}, "org_id holds a character that is not printable ASCII"),
        ({"org_id": "orgé"}, "org_id holds a character that is not printable ASCII"),
        ({"default_headers": {"X-Trace": "a\nb"}},
         "default_headers['X-Trace'] holds a character that is not printable ASCII"),
        ({"default_headers": {"X-Trace": "é"}},
         "default_headers['X-Trace'] holds a character that is not printable ASCII"),
        ({"default_headers": {"X Trace": "1"}},
         "default_headers: 'X Trace' is not a valid header name"),
    ],
)
def test_header_values_that_http_cannot_carry_are_refused_at_once(
    options: Any, message: str
) -> None:
    """They failed at the first call: a raw UnicodeEncodeError for non-ASCII text, or a
    ConnectionError (retried) whose message showed the key (``Illegal header value
    b'cg_...\\x00'``: the escaped bytes escaped redaction)."""
    for make in (Client, AsyncClient):
        kwargs = {"api_key": API_KEY, **options}
        with pytest.raises(ValueError, match=re.escape(message)) as ei:
            make("http://127.0.0.1:9", **kwargs)
        assert API_KEY not in str(ei.value)


def test_key_absent_from_reprs() -> None:
    c = Client("http://127.0.0.1:9", API_KEY, org_id="o")
    for text in (repr(c), str(c), repr(c.with_options(max_retries=0)), repr(c._t)):
        assert API_KEY not in text
    assert "[REDACTED]" in repr(c)
    req = c._t.health()
    assert API_KEY not in repr(req) and "[REDACTED]" in repr(req)
    c.close()
    a = AsyncClient("http://127.0.0.1:9", API_KEY)
    assert API_KEY not in repr(a)


async def test_key_absent_from_errors_and_debug_logs(
    make_api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # a hostile proxy that echoes the request headers back in its error page
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text=f"bad gateway; you sent {dict(request.headers)}")

    caplog.set_level(logging.DEBUG, logger="contractgate")
    texts: List[str] = []
    api = make_api(base_url="http://127.0.0.1:9", api_key=API_KEY, handler=echo)
    with pytest.raises(E.ServerError) as ei:
        await api.ingest(CID, [{"user_id": "x"}])
    err = ei.value
    texts += [str(err), repr(err), err.message, str(err.body)]

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused; key was {API_KEY}")

    api2 = make_api(base_url="http://127.0.0.1:9", api_key=API_KEY, max_retries=0, handler=refuse)
    with pytest.raises(E.ConnectionError) as ei2:
        await api2.health()
    texts += [str(ei2.value), repr(ei2.value)]
    api3 = make_api(base_url="http://127.0.0.1:9", api_key=API_KEY, handler=Recorder(verdict_for))
    await api3.ingest(CID, [{"user_id": "x"}])
    assert "request POST" in caplog.text and "[REDACTED]" in caplog.text  # logging happened
    texts.append(caplog.text)
    for t in texts:
        assert API_KEY not in t


def test_contractgate_log_env_enables_debug(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONTRACTGATE_LOG", "debug")
    monkeypatch.setattr(cglog, "_configured", False)
    logger = logging.getLogger("contractgate")
    old_level, old_handlers = logger.level, list(logger.handlers)
    try:
        with Client("http://127.0.0.1:9", API_KEY,
                    transport=httpx.MockTransport(verdict_for)) as cg:  # fmt: skip
            cg.ingest(CID, [{"user_id": "x"}])
        err = capfd.readouterr().err
        assert "contractgate: request POST" in err and "idempotency_key=" in err
        assert "x-api-key" in err and API_KEY not in err
    finally:
        logger.setLevel(old_level)
        for h in list(logger.handlers):
            if h not in old_handlers:
                logger.removeHandler(h)
