"""Network faults, on purpose, against the local gateway and small hostile servers on
127.0.0.1: each ends in a typed error, and a retried ingest is never double-counted (the
gateway's audit rows are checked, one row per unique event tag).

Not repeated here (covered in tests/client): refused/DNS basics on ``health``, 503/429
retries, a single dropped or truncated answer on the real gateway.
"""

from __future__ import annotations

import socket
import ssl
import struct
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterator, List, Tuple

import pytest
from hardening_testlib import CONTRACTS, FAST_RETRY, event, free_port, run_client, user_ids

import contractgate.exceptions as E
from contractgate import Client, RetryPolicy

KINDS = ["sync", "async"]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _gw_kwargs(gw: Any, **extra: Any) -> dict:  # type: ignore[type-arg]
    return {"base_url": gw.base_url, "api_key": gw.api_key, **extra}


def _tags(prefix: str, n: int) -> List[str]:
    return [f"{prefix}_{i}" for i in range(n)]


def _assert_each_once(gw: Any, cid: str, tags: List[str]) -> None:
    seen = Counter(u for u in user_ids(gw, cid) if u in set(tags))
    twice = sorted(t for t, n in seen.items() if n > 1)
    missing = sorted(set(tags) - set(seen))
    assert not twice, f"written twice: {twice[:10]}"
    assert not missing, f"missing: {missing[:10]}"


# ------------------------------------------------------------------ refused / DNS


def test_connection_refused_with_retries_on_ends_typed(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(E.APIConnectionError) as ei, caplog.at_level(10, logger="contractgate"):
        run_client(kind, {"base_url": url, "api_key": "cg_test_" + "x" * 24}, "ingest",
                   "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93", [event("a")])  # fmt: skip
    assert not isinstance(ei.value, E.HTTPError)
    assert ei.value.idempotency_key  # resend under the same key to stay deduplicated
    retries = [r for r in caplog.records if r.getMessage().startswith("retrying ")]
    assert len(retries) == FAST_RETRY.max_retries  # gave up after the retries, no spinning


def test_gateway_gone_mid_session(kind: str, tmp_path: Path) -> None:
    """A gateway that stops between two calls: the second call is a typed connection
    error, not a hang or a raw httpx exception."""

    from contractgate.gateway import LocalGateway

    with LocalGateway(contracts_dir=str(CONTRACTS), db=":memory:") as g:
        url, key = g.base_url, g.api_key
        assert run_client(kind, {"base_url": url, "api_key": key}, "health").status == "ok"
    with pytest.raises(E.APIConnectionError):
        run_client(kind, {"base_url": url, "api_key": key}, "health")


def test_dns_failure_with_retries_on_is_typed(kind: str) -> None:
    with pytest.raises(E.APIConnectionError) as ei:
        run_client(kind, {"base_url": "https://contractgate-hardening.invalid"}, "health",
                   timeout=5)  # fmt: skip
    assert not isinstance(ei.value, E.APITimeoutError)
    assert isinstance(ei.value.__cause__, Exception)


# ------------------------------------------------------------------ truncated / non-JSON 200


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>502 Bad Gateway</body></html>",
        "",
        {"unexpected": "shape"},
        [1, 2],
    ],
    ids=["html", "empty", "wrong-object", "list"],
)
def test_unusable_200_is_invalid_response_error(kind: str, gw: Any, cid: str, body: Any) -> None:
    gw.faults.fail_next(1, status=200, body=body, path_prefix="/v1/ingest")
    with pytest.raises(E.InvalidResponseError) as ei:
        run_client(kind, _gw_kwargs(gw, max_retries=0), "ingest", cid, [event("nj")])
    assert ei.value.status_code == 200
    assert gw.api_key not in str(ei.value)


def test_non_json_200_on_a_read_is_typed(kind: str, gw: Any) -> None:
    gw.faults.fail_next(1, status=200, body="not json at all", path_prefix="/health")
    with pytest.raises(E.InvalidResponseError) as ei:
        run_client(kind, _gw_kwargs(gw, max_retries=0), "health")
    assert "not valid JSON" in str(ei.value) and "not json at all" in str(ei.value)


def test_truncated_200_without_retries_is_typed_and_resend_is_deduplicated(
    kind: str, gw: Any, cid: str
) -> None:
    tags = _tags(f"trunc_{kind}", 5)
    gw.faults.truncate_next(1, path_prefix="/v1/ingest")
    with pytest.raises(E.APIConnectionError) as ei:
        run_client(kind, _gw_kwargs(gw, max_retries=0), "ingest", cid,
                   [event(t) for t in tags])  # fmt: skip
    key = ei.value.idempotency_key
    assert key
    _assert_each_once(gw, cid, tags)  # the gateway did store them (processed, then cut)
    # the caller resends with the key from the error: answered from the idempotency cache
    time.sleep(0.2)
    res = run_client(kind, _gw_kwargs(gw), "ingest", cid, [event(t) for t in tags],
                     idempotency_key=key)  # fmt: skip
    assert res.total == 5 and res.idempotent_replay
    _assert_each_once(gw, cid, tags)


# ------------------------------------------------------------------ reset mid-body


class _RawServer:
    """A TCP server on 127.0.0.1 whose per-connection behaviour is a function."""

    def __init__(self, handle: Callable[[socket.socket], None]) -> None:
        self.handle = handle
        self.hits = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._stop = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(10)
            _read_request(conn)
            self.handle(conn)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self.sock.close()


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head


def _reset_mid_body(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                 b"content-length: 400\r\n\r\n{\"status\": \"ok\", \"ver")  # fmt: skip
    time.sleep(0.05)
    # SO_LINGER 0: close() sends a TCP RST instead of a FIN
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.fixture
def reset_server() -> Iterator[_RawServer]:
    srv = _RawServer(_reset_mid_body)
    yield srv
    srv.close()


def test_reset_mid_body_is_typed_and_retried_for_reads(kind: str, reset_server: _RawServer) -> None:
    with pytest.raises(E.APIConnectionError) as ei:
        run_client(kind, {"base_url": reset_server.url}, "health")
    assert not isinstance(ei.value, E.HTTPError)
    assert reset_server.hits == 1 + FAST_RETRY.max_retries  # a read is safe to retry


def test_reset_mid_body_of_a_legacy_ingest_is_not_retried(
    kind: str, reset_server: _RawServer
) -> None:
    """The legacy route has no idempotency: after an ambiguous failure the SDK must not
    resend (the rows may be written)."""
    with pytest.raises(E.APIConnectionError):
        run_client(kind, {"base_url": reset_server.url, "api_key": "cg_test_" + "r" * 24},
                   "ingest", "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93", [event("x")],
                   route="legacy")  # fmt: skip
    assert reset_server.hits == 1


# ------------------------------------------------------------------ slow loris


def _trickle(data: bytes, budget: float, interval: float = 0.1) -> Callable[[socket.socket], None]:
    def handle(conn: socket.socket) -> None:
        t0 = time.monotonic()
        for b in data:
            if time.monotonic() - t0 > budget:
                return
            conn.sendall(bytes([b]))
            time.sleep(interval)

    return handle


SLOW_HEADERS = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                b"content-length: 2\r\n\r\n{}")  # fmt: skip
SLOW_BODY = b"HTTP/1.1 200 OK\r\ncontent-length: 400\r\n\r\n" + b" " * 400


def test_slow_loris_response_always_ends_in_a_typed_error(kind: str) -> None:
    """A server that dribbles one byte every 0.1 s (for up to 1 s, then hangs up): the
    client ends with a typed connection error, never a raw exception."""
    srv = _RawServer(_trickle(SLOW_BODY, budget=1.0))
    try:
        with pytest.raises(E.APIConnectionError):
            run_client(kind, {"base_url": srv.url, "timeout": 0.5, "max_retries": 0}, "health")
    finally:
        srv.close()


@pytest.mark.slow
@pytest.mark.parametrize("payload", [SLOW_HEADERS, SLOW_BODY], ids=["headers", "body"])
def test_slow_loris_response_is_cut_by_the_timeout(kind: str, payload: bytes) -> None:
    srv = _RawServer(_trickle(payload, budget=3.0, interval=0.05))
    try:
        # A timeout, not a connection error: the client hung up first. Had it waited for
        # the server, which stops after 3 s mid-response, it would have got a truncated
        # answer (APIConnectionError, not a ClientTimeoutError).
        with pytest.raises(E.ClientTimeoutError):
            run_client(kind, {"base_url": srv.url, "timeout": 0.5, "max_retries": 0}, "health")
    finally:
        srv.close()


# ------------------------------------------------------------------ retried ingest, exactly once


def test_many_faults_in_one_chunked_ingest_write_each_event_once(
    kind: str, gw: Any, cid: str
) -> None:
    """Three batches and four faults in a row (dropped after storing, 503, truncated
    answer after storing, dropped after storing) that land wherever the requests fall.
    With retries on, the result is complete and the audit log holds every event exactly
    once."""
    tags = _tags(f"multi_{kind}", 2100)
    gw.faults.drop_next(1, path_prefix="/v1/ingest", after_processing=True)
    gw.faults.fail_next(1, status=503, path_prefix="/v1/ingest")
    gw.faults.truncate_next(1, path_prefix="/v1/ingest")
    gw.faults.drop_next(1, path_prefix="/v1/ingest", after_processing=True)
    policy = RetryPolicy(max_retries=5, initial_delay=0.01, max_delay=0.05,
                         keyed_min_delay=0.1, auth_retry_delay=0.01)  # fmt: skip
    extra = {"max_concurrency": 1} if kind == "async" else {}
    res = run_client(kind, _gw_kwargs(gw, retry_policy=policy), "ingest", cid,
                     [event(t, i) for i, t in enumerate(tags)], **extra)  # fmt: skip
    assert res.total == 2100 and res.passed == 2100
    assert [r.index for r in res.results] == list(range(2100))
    assert gw.faults.pending() == []
    _assert_each_once(gw, cid, tags)


def test_response_slower_than_the_timeout_is_retried_once_written_once(
    kind: str, gw: Any, cid: str
) -> None:
    tags = _tags(f"slow_{kind}", 3)
    gw.faults.delay_next(1, seconds=0.7, path_prefix="/v1/ingest")
    res = run_client(kind, _gw_kwargs(gw, timeout=0.3), "ingest", cid,
                     [event(t) for t in tags])  # fmt: skip
    assert res.total == 3
    time.sleep(0.5)  # let the delayed first attempt finish on the server side
    _assert_each_once(gw, cid, tags)


# ------------------------------------------------------------------ TLS


def _openssl_cert(d: Path, *, san: str, cn: str) -> Tuple[Path, Path]:
    cert, key = d / f"{cn}.pem", d / f"{cn}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", f"/CN={cn}", "-addext",
         f"subjectAltName={san}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def _make_cert(d: Path, *, san: str, cn: str) -> Tuple[Path, Path]:
    try:  # the cryptography package, if present
        import cryptography  # noqa: F401
    except ImportError:
        pass
    import shutil

    if shutil.which("openssl") is None:
        pytest.skip("neither the cryptography package nor the openssl CLI is available")
    return _openssl_cert(d, san=san, cn=cn)


class _TLSRelay:
    """TLS in front of the local gateway: terminates TLS with a self-signed certificate
    and relays the bytes to the gateway's plain-HTTP port."""

    def __init__(self, target_port: int, cert: Path, key: Path) -> None:
        self.target_port = target_port
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(cert), str(key))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.handshakes_ok = 0
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            raw.settimeout(10)
            tls = self.ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            return
        self.handshakes_ok += 1
        up = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)

        def pump(src: Any, dst: Any) -> None:
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.close()
                    except OSError:
                        pass

        threading.Thread(target=pump, args=(up, tls), daemon=True).start()
        pump(tls, up)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    d = tmp_path_factory.mktemp("tls")
    return {
        "ip": _make_cert(d, san="IP:127.0.0.1", cn="hardening-ip"),
        "wrong-host": _make_cert(d, san="DNS:not-this-host.example", cn="hardening-wrong"),
    }


@pytest.fixture
def tls_gw(gw: Any, certs: dict) -> Iterator[Tuple[str, Path, _TLSRelay]]:  # type: ignore[type-arg]
    cert, key = certs["ip"]
    relay = _TLSRelay(gw.port, cert, key)
    yield f"https://127.0.0.1:{relay.port}", cert, relay
    relay.close()


def test_tls_self_signed_ingest_fails_by_default_and_writes_nothing(
    kind: str, gw: Any, cid: str, tls_gw: Tuple[str, Path, _TLSRelay]
) -> None:
    url, _cert, relay = tls_gw
    tags = _tags(f"tlsfail_{kind}", 2)
    with pytest.raises(E.APIConnectionError) as ei:
        run_client(kind, {"base_url": url, "api_key": gw.api_key}, "ingest", cid,
                   [event(t) for t in tags])  # fmt: skip
    assert "TLS" in str(ei.value) or "certificate" in str(ei.value).lower()
    assert gw.api_key not in str(ei.value)
    assert relay.handshakes_ok == 0
    assert not set(tags) & set(user_ids(gw, cid))


def test_tls_with_the_users_ca_bundle_ingests_once(
    kind: str, gw: Any, cid: str, tls_gw: Tuple[str, Path, _TLSRelay]
) -> None:
    url, cert, _relay = tls_gw
    tags = _tags(f"tlsok_{kind}", 3)
    ctx = ssl.create_default_context(cafile=str(cert))
    res = run_client(kind, {"base_url": url, "api_key": gw.api_key, "verify": ctx}, "ingest",
                     cid, [event(t) for t in tags])  # fmt: skip
    assert res.total == 3 and res.passed == 3
    _assert_each_once(gw, cid, tags)


def test_tls_hostname_mismatch_fails_even_with_the_ca_bundle(
    kind: str,
    gw: Any,
    certs: dict,  # type: ignore[type-arg]
) -> None:
    cert, key = certs["wrong-host"]
    relay = _TLSRelay(gw.port, cert, key)
    try:
        ctx = ssl.create_default_context(cafile=str(cert))
        with pytest.raises(E.APIConnectionError) as ei:
            run_client(kind, {"base_url": f"https://127.0.0.1:{relay.port}",
                              "api_key": gw.api_key, "verify": ctx}, "health")  # fmt: skip
        assert not isinstance(ei.value, E.APITimeoutError)
        assert relay.handshakes_ok == 0
    finally:
        relay.close()


def test_client_is_usable_after_a_fault(gw: Any, cid: str) -> None:
    """One shared Client survives every fault above: the pool is not poisoned."""
    tags = _tags("after_fault", 4)
    with Client(**_gw_kwargs(gw, retry_policy=FAST_RETRY)) as c:
        gw.faults.truncate_next(1, path_prefix="/v1/ingest")
        c.ingest(cid, [event(tags[0])])
        gw.faults.drop_next(1, path_prefix="/v1/ingest")
        c.ingest(cid, [event(tags[1])])
        gw.faults.fail_next(1, status=200, body="junk", path_prefix="/health")
        with pytest.raises(E.InvalidResponseError):
            c.with_options(max_retries=0).health()
        c.ingest(cid, [event(t) for t in tags[2:]])
    _assert_each_once(gw, cid, tags)


def test_the_sync_deadline_reaches_the_socket() -> None:
    """The sync Client's deadline lives in httpx's connection pool; if a new httpx or
    httpcore keeps its network backend elsewhere, this fails instead of silently falling
    back to per-read timeouts."""
    import httpx

    from contractgate._http.deadline import bound

    transport = httpx.HTTPTransport()
    try:
        assert bound(transport)
    finally:
        transport.close()
