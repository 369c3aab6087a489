"""Network failures over real loopback sockets: refused connections, DNS failure, TLS with
a self-signed certificate (fails by default, works with the caller's CA bundle)."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
from cg_client_testlib import API_KEY

import contractgate.exceptions as E


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_connection_refused(make_api: Any) -> None:
    api = make_api(base_url=f"http://127.0.0.1:{_free_port()}", api_key=API_KEY)
    with pytest.raises(E.APIConnectionError) as ei:
        await api.ingest("3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93", [{"a": 1}])
    assert "cannot connect" in str(ei.value)
    assert ei.value.idempotency_key  # the batch's key, to resend it safely
    assert API_KEY not in str(ei.value)


async def test_dns_failure(make_api: Any) -> None:
    with pytest.warns(UserWarning, match="plain http"):  # a key over http to a remote host
        api = make_api(base_url="http://contractgate-test.invalid", api_key=API_KEY, max_retries=0)
    with pytest.raises(E.ConnectionError):
        await api.health(timeout=5)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, Path, List[int]]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    hits: List[int] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            hits.append(1)
            body = b'{"status":"ok","version":"0.1.0","service":"contractgate"}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}", cert, hits
    httpd.shutdown()
    httpd.server_close()


async def test_tls_self_signed_fails_by_default(
    make_api: Any, tls_server: Tuple[str, Path, List[int]]
) -> None:
    url, _cert, hits = tls_server
    api = make_api(base_url=url, api_key=API_KEY)
    with pytest.raises(E.ConnectionError) as ei:
        await api.health()
    assert "TLS" in str(ei.value)
    assert not isinstance(ei.value, E.APITimeoutError)
    assert hits == []  # never got through; and it was not retried (nothing to gain)


async def test_tls_with_the_callers_ca_bundle(
    make_api: Any, tls_server: Tuple[str, Path, List[int]]
) -> None:
    url, cert, hits = tls_server
    before = len(hits)
    api = make_api(base_url=url, api_key=API_KEY, verify=ssl.create_default_context(
        cafile=str(cert)))  # fmt: skip
    assert (await api.health()).status == "ok"
    assert len(hits) == before + 1


async def test_both_clients_send_through_the_environments_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``HTTP_PROXY`` & co. as httpx reads them, for the sync client too (its deadline
    transport used to make httpx skip the environment's proxies; the async one used them)."""
    from cg_client_testlib import LoopbackServer

    from contractgate.async_client import AsyncClient
    from contractgate.client import Client

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    proxy = LoopbackServer()
    proxy.routes["http://gw.example:8080/health"] = (
        200, {}, b'{"status":"ok","version":"0.1.0","service":"contractgate"}'
    )  # fmt: skip
    try:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        with Client("http://gw.example:8080", max_retries=0) as c:
            assert c.health().status == "ok"
        async with AsyncClient("http://gw.example:8080", max_retries=0) as a:
            assert (await a.health()).status == "ok"
        assert [path for _, path, _ in proxy.seen] == ["http://gw.example:8080/health"] * 2
        monkeypatch.setenv("NO_PROXY", "gw.example")
        with Client("http://gw.example:8080", max_retries=0) as c:
            with pytest.raises(E.ConnectionError):
                c.health()  # straight to a host that does not resolve
        assert len(proxy.seen) == 2
    finally:
        proxy.close()
