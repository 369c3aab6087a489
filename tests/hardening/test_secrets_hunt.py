"""Hunt for API-key leaks (SECURITY.md "API keys"): the key never appears in a repr, a
log line (``contractgate``, ``contractgate.*``, ``httpx``, ``httpcore.*`` at DEBUG), an
exception message, repr or rendered traceback (chained causes included), CLI output, the
local gateway's console, answers or stored rows, nor in a request to any host other than
the configured base URL.

Complements ``test_secrets.py``: hostile servers on 127.0.0.1 that echo the key back
everywhere they can (bodies cut where the SDK quotes them, response headers, the reason
phrase, redirect targets), redirects of reads, a caller's own ``http_client``, the CLI's
gateway commands, the deployed-contract cache and the local gateway's own output.

Every check looks for any 12-character run of the key's secret part, so a key cut in two
by a truncated quote is caught too, not only the whole key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import httpx
import pytest
from hardening_testlib import CONTRACTS, FAST_RETRY, Handler, Hostile, event, free_port

import contractgate.exceptions as E
from contractgate import AsyncClient, Client, RetryPolicy

KEY = "cg_live_SECRET123" + "0f1e2d3c4b5a69788796a5b4c3d2e1f0abcdef99"  # 57 chars
SECRET = KEY[len("cg_live_") :]
WINDOWS = {SECRET[i : i + 12] for i in range(len(SECRET) - 11)}
CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"
NO_RETRY = RetryPolicy(max_retries=0)


def leaks(text: str) -> Optional[str]:
    """The first run of the key found in ``text`` (None: clean)."""
    for w in WINDOWS:
        if w in text:
            return w
    return None


def scan(*texts: Any) -> None:
    for t in texts:
        s = t if isinstance(t, str) else repr(t)
        found = leaks(s)
        assert found is None, f"key material {found!r} leaked in: {s[:400]!r}"


def all_text(exc: BaseException) -> List[str]:
    """What a user sees of an error: message, repr, notes, the rendered traceback, and
    the same of every chained cause/context."""
    out = ["".join(traceback.format_exception(type(exc), exc, exc.__traceback__))]
    cur: Any = exc
    seen = 0
    while cur is not None and seen < 10:
        out += [str(cur), repr(cur), repr(getattr(cur, "args", ()))]
        out += [str(n) for n in getattr(cur, "__notes__", ())]
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return out


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    names = ("contractgate", "contractgate.gateway", "httpx", "httpcore")
    old = {n: logging.getLogger(n).level for n in names}
    caplog.set_level(logging.DEBUG)
    for n in names:
        logging.getLogger(n).setLevel(logging.DEBUG)
    yield caplog
    for n, level in old.items():
        logging.getLogger(n).setLevel(level)


def log_text(caplog: pytest.LogCaptureFixture) -> List[str]:
    return [caplog.text] + [r.getMessage() for r in caplog.records]


# ------------------------------------------------------------------ a hostile server




def resp(status: int, body: bytes = b"", headers: str = "", reason: str = "X") -> bytes:
    return (
        f"HTTP/1.1 {status} {reason}\r\n{headers}content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    ).encode() + body


@pytest.fixture
def servers() -> Iterator[List[Hostile]]:
    made: List[Hostile] = []
    yield made
    for s in made:
        s.close()


def serve(servers: List[Hostile], handler: Handler, host: str = "127.0.0.1") -> Hostile:
    s = Hostile(handler, host)
    servers.append(s)
    return s


def call(kind: str, url: str, method: str, *args: Any, **client_kw: Any) -> Any:
    kw: Dict[str, Any] = {"base_url": url, "api_key": KEY, "retry_policy": FAST_RETRY}
    kw.update(client_kw)
    if kind == "sync":
        with Client(**kw) as c:
            return getattr(c, method)(*args)

    async def go() -> Any:
        async with AsyncClient(**kw) as ac:
            return await getattr(ac, method)(*args)

    return asyncio.run(go())


KINDS = ["sync", "async"]


# ------------------------------------------------------------------ quotes cut in the key


def _padded(prefix: bytes, at: int, suffix: bytes = b"") -> bytes:
    """``prefix`` padded so that the key starts at byte ``at`` of the body."""
    return prefix + b"p" * (at - len(prefix)) + KEY.encode() + suffix


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "status,body,ctype",
    [
        # a 200 page that is not JSON: the message quotes its first 200 bytes
        (200, _padded(b"<html>echo: ", 180, b"</html>"), "text/html"),
        # a 500 whose JSON is no error object: the message quotes its first 300 chars
        (500, _padded(b'["', 270, b'"]'), "application/json"),
        # the same in a 400 (not retried)
        (400, _padded(b'["', 270, b'"]'), "application/json"),
    ],
    ids=["200-html-cut-at-200", "500-json-array-cut-at-300", "400-json-array-cut-at-300"],
)
def test_a_quote_cut_inside_the_key_holds_no_part_of_it(
    servers: List[Hostile], kind: str, status: int, body: bytes, ctype: str,
    debug_logs: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """Failing before: the quote was cut first and redacted after, so the key's first
    characters (all but a few) stayed in the message when the cut fell inside it."""
    s = serve(servers, lambda raw: resp(status, body, f"content-type: {ctype}\r\n"))
    with pytest.raises(E.ContractGateError) as ei:
        call(kind, s.url, "health", retry_policy=NO_RETRY)
    scan(*all_text(ei.value), *log_text(debug_logs))


# ------------------------------------------------------------------ echoes in logs


def _echo_everywhere(status: int) -> Handler:
    def answer(raw: bytes) -> bytes:
        body = f'{{"error":"denied for {KEY}","status":{status}}}'.encode()
        return resp(
            status, body,
            f"content-type: application/json\r\nx-echo-api-key: {KEY}\r\n"
            f"set-cookie: k={KEY}\r\nlocation-hint: /x?k={KEY}\r\n",
            reason=f"Denied {KEY}",
        )  # fmt: skip

    return answer


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [401, 403, 429, 500, 502, 503])
def test_an_answer_echoing_the_key_in_headers_and_reason_leaks_into_no_log(
    servers: List[Hostile], kind: str, status: int, debug_logs: pytest.LogCaptureFixture
) -> None:
    """Failing before: httpx logs the reason phrase at INFO and httpcore the response
    headers at DEBUG, and neither logger had the SDK's scrubbing filter."""
    s = serve(servers, _echo_everywhere(status))
    with pytest.raises(E.HTTPError) as ei:
        call(kind, s.url, "stats")
    assert ei.value.status_code == status
    assert debug_logs.records, "nothing was logged"
    scan(*all_text(ei.value), *log_text(debug_logs))
    for raw in s.raw:  # the configured origin did get the key
        assert KEY.encode() in raw


@pytest.mark.parametrize("kind", KINDS)
def test_ready_retried_on_proxy_503_pages_echoing_the_key(
    servers: List[Hostile], kind: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    """Pin: the 503 page that is not the readiness answer is retried, and neither the
    retry log lines nor the final error hold the key."""
    page = f"<html>503 upstream down; your headers: x-api-key: {KEY}</html>".encode()
    s = serve(servers, lambda raw: resp(503, page, "content-type: text/html\r\n"))
    with pytest.raises(E.ServerError) as ei:
        call(kind, s.url, "ready")
    assert len(s.raw) == FAST_RETRY.max_retries + 1
    scan(*all_text(ei.value), *log_text(debug_logs))


@pytest.mark.parametrize("kind", KINDS)
def test_timeouts_and_refused_connections_name_no_key(
    servers: List[Hostile], kind: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    """Pin: a client timeout and a refused connection (the httpx cause carries the
    request and its headers) render without the key."""

    def silent(raw: bytes) -> bytes:
        time.sleep(1.0)
        return b""

    s = serve(servers, silent)
    errors: List[BaseException] = []
    for url, timeout in ((s.url, 0.2), (f"http://127.0.0.1:{free_port()}", 2.0)):
        try:
            call(kind, url, "health", timeout=timeout)
        except E.ContractGateError as err:
            errors.append(err)
    assert isinstance(errors[0], E.APITimeoutError)
    assert isinstance(errors[1], E.APIConnectionError)
    for err in errors:
        scan(*all_text(err))
        cause = err.__cause__
        if isinstance(cause, httpx.RequestError):  # what the chain renders of httpx's error
            scan(str(cause), repr(cause))
    scan(*log_text(debug_logs))


def test_partial_ingest_from_an_echoing_server_names_no_key(
    servers: List[Hostile], debug_logs: pytest.LogCaptureFixture
) -> None:
    """PartialIngestError quotes its cause's message, redacted. Failing before on the
    log lines of httpx/httpcore (the echoed reason phrase and headers)."""
    one = {"passed": True, "violations": [], "contract_version": "1.1.0", "validation_us": 1,
           "forwarded": True}  # fmt: skip
    ok = json.dumps({"total": 2, "passed": 2, "failed": 0, "dry_run": False,
                     "resolved_version": "1.1.0", "version_pin_source": "default_stable",
                     "results": [one, one]}).encode()  # fmt: skip
    n = {"seen": 0}

    def answer(raw: bytes) -> bytes:
        n["seen"] += 1
        if n["seen"] == 1:
            return resp(200, ok, "content-type: application/json\r\n")
        return _echo_everywhere(400)(raw)

    s = serve(servers, answer)
    with Client(s.url, api_key=KEY, retry_policy=FAST_RETRY) as c:
        with pytest.raises(E.PartialIngestError) as ei:
            c.ingest(CID, [event(f"p{i}") for i in range(4)], max_batch_events=2)
    scan(*all_text(ei.value), *log_text(debug_logs))


# ------------------------------------------------------------------ redirects of reads


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("target", ["localhost", "127.0.0.2", "same-host-other-port"])
def test_a_redirected_read_never_carries_the_key_to_another_origin(
    servers: List[Hostile], kind: str, status: int, target: str,
    debug_logs: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """Pin: GET requests (health, contracts) redirected by an absolute Location to another
    host name, another loopback address or the same host on another port reach the
    second server without x-api-key, x-org-id or the key anywhere."""
    host = "127.0.0.2" if target == "127.0.0.2" else "127.0.0.1"
    b = serve(servers, lambda raw: resp(200, b"[]", "content-type: application/json\r\n"), host)
    name = "localhost" if target == "localhost" else host
    loc = f"http://{name}:{b.port}/contracts"
    a = serve(servers, lambda raw: resp(status, b"", f"location: {loc}\r\n"))
    assert call(kind, a.url, "list_contracts", org_id="org-secret-1") == []
    assert a.raw and KEY.encode() in a.raw[0]
    assert b.raw, "the redirect was not followed"
    for raw in b.raw:
        low = raw.lower()
        assert leaks(raw.decode("latin-1")) is None and b"x-api-key" not in low
        assert b"org-secret-1" not in raw and b"x-org-id" not in low
    scan(*log_text(debug_logs))


@pytest.mark.parametrize("kind", KINDS)
def test_a_redirect_to_a_location_echoing_the_key_logs_and_raises_no_key(
    servers: List[Hostile], kind: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    """A Location built from the request (a hostile proxy puts the key in the query of
    the next URL, on the same origin): the request log lines of httpx and of the SDK
    and the final error show no key. Failing before on httpx's request log line."""
    hops = {"n": 0}

    def answer(raw: bytes) -> bytes:
        hops["n"] += 1
        if hops["n"] == 1:
            return resp(302, b"", f"location: /health?api_key={KEY}\r\n")
        return resp(500, f"bad {KEY}".encode(), "content-type: text/plain\r\n")

    s = serve(servers, answer)
    with pytest.raises(E.ServerError) as ei:
        call(kind, s.url, "health", retry_policy=NO_RETRY)
    scan(*all_text(ei.value), *log_text(debug_logs))


def test_a_callers_http_client_cannot_redirect_or_rebase_the_key(
    servers: List[Hostile], debug_logs: pytest.LogCaptureFixture
) -> None:
    """Pin: the caller's own httpx.Client with another base_url, follow_redirects=True
    and event hooks: requests still go to the configured base URL only, a redirect to
    another origin is followed by the SDK without the key."""
    other = serve(servers, lambda raw: resp(200, b"[]", "content-type: application/json\r\n"))
    loc = f"http://localhost:{other.port}/contracts"
    a = serve(servers, lambda raw: resp(302, b"", f"location: {loc}\r\n"))
    hooked: List[str] = []
    with httpx.Client(
        base_url=f"http://127.0.0.2:{other.port}", follow_redirects=True,
        event_hooks={"request": [lambda r: hooked.append(str(r.url))]},
    ) as own:  # fmt: skip
        with Client(a.url, api_key=KEY, http_client=own, retry_policy=FAST_RETRY) as c:
            scan(repr(c), repr(c.with_options(timeout=3)))
            assert c.list_contracts() == []
    assert hooked[0].startswith(a.url) and len(a.raw) == 1
    for raw in other.raw:
        assert leaks(raw.decode("latin-1")) is None and b"x-api-key" not in raw.lower()
    scan(*log_text(debug_logs))


# ------------------------------------------------------------------ reprs


def test_reprs_of_clients_options_transports_and_gateway_objects_hold_no_key(
    tmp_path: Path,
) -> None:
    """Every object a user may print, configured with the key. Failing before: the
    local gateway's record of an accepted key (``ApiKey``) showed it in its repr."""
    from contractgate._http.transport import Transport
    from contractgate.gateway import LocalGateway
    from contractgate.partitions import ClientConfig
    from contractgate.pytest_plugin import DeployedContractLoader

    objs: List[Any] = []
    t = Transport(base_url="http://127.0.0.1:1", api_key=KEY, org_id="o")
    objs += [t, t.describe("X"), t.run(t.health()).request, t.health()]
    with Client("http://127.0.0.1:1", api_key=KEY) as c:
        objs += [c, c.with_options(max_retries=1), c.with_options(api_key=KEY + "2")]
    ac = AsyncClient("http://127.0.0.1:1", api_key=KEY)
    objs += [ac, ac.with_options(timeout=1)]
    asyncio.run(ac.close())
    objs += [ClientConfig(base_url="http://127.0.0.1:1", api_key=KEY), DeployedContractLoader()]
    gw = LocalGateway(contracts_dir=str(CONTRACTS), api_keys=[KEY])
    objs.append(gw)
    with gw:
        objs += [gw, gw.faults]
        objs += list(gw._ensure_app().keys().values())  # the accepted keys' records
    scan(*[repr(o) for o in objs], *[str(o) for o in objs])


# ------------------------------------------------------------------ the local gateway


def test_local_gateway_answers_and_rows_never_echo_the_key(debug_logs: Any) -> None:
    """Pin: the local gateway's 401 for a wrong key (close to the right one), its 404/405
    pages, its answers and stored rows hold neither the sent key nor a configured one."""
    from contractgate.gateway import LocalGateway

    wrong = KEY[:-3] + "zzz"
    with LocalGateway(contracts_dir=str(CONTRACTS), api_keys=[KEY]) as gw:
        cid = gw.contract_id("user_events")
        bodies: List[str] = []
        with httpx.Client(base_url=gw.base_url, timeout=10) as h:
            for key in (KEY, wrong):
                hdr = {"x-api-key": key, "authorization": f"Basic {key}", "cookie": f"k={key}"}
                for method, path, kw in (
                    ("POST", f"/v1/ingest/{cid}", {"json": [event("g1"), {"x": key}]}),
                    ("POST", f"/ingest/{cid}", {"json": [event("g2")]}),
                    ("GET", "/contracts", {}),
                    ("GET", "/nope", {}),
                    ("DELETE", "/health", {}),
                    ("GET", f"/audit?contract_id={cid}", {}),
                ):
                    r = h.request(method, path, headers=hdr, **kw)
                    bodies.append(f"{r.status_code} {r.headers} {r.text}")
            h2 = {"x-api-key": KEY}  # the Bearer path: always 401 locally
            r = h.get("/contracts", headers={**h2, "authorization": f"Bearer {KEY}"})
            bodies.append(f"{r.status_code} {r.headers} {r.text}")
        rows = [repr(gw.audit_rows(cid))]
        for table in ("quarantine", "forwards"):
            try:
                rows.append(repr(gw._inspect_storage().rows(table)))
            except Exception:
                pass
    # the event {"x": KEY} is the caller's own data, stored as sent: only headers matter
    scan(*[b.replace(KEY, "") for b in bodies if f'"x":"{KEY}"' in b], *bodies[1:2])
    for b in bodies:
        assert wrong not in b
        assert b.count(KEY) == b.count(f'"x":"{KEY}"'), b[:300]
    for r in rows:
        assert r.count(KEY) == r.count(f'"x":"{KEY}"') + r.count(f"'x': '{KEY}'"), r[:300]
    scan(*log_text(debug_logs))


def _gateway_cli(args: List[str], env: Dict[str, str]) -> subprocess.Popen:  # type: ignore[type-arg]
    return subprocess.Popen(
        [sys.executable, "-m", "contractgate.cli", "gateway", "--contracts", str(CONTRACTS),
         "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def test_local_gateway_console_never_prints_request_keys(tmp_path: Path) -> None:
    """Pin: with request logging on, the access-log lines on stderr of requests carrying
    a (right or wrong) key in x-api-key, Authorization or a malformed request never
    print it. (The banner prints the key the gateway accepts: a dev tool's console.)"""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("CONTRACTGATE_API_KEY", None)
    accepted = "cg_test_" + "a1" * 20
    proc = _gateway_cli(["--api-key", accepted], env)
    try:
        assert proc.stdout is not None
        base = ""
        for line in proc.stdout:
            if line.startswith("  base URL : "):
                base = line.split(":", 1)[1].strip()
            if line.startswith("Press Ctrl-C"):
                break
        assert base
        port = int(base.rsplit(":", 1)[1])
        with httpx.Client(base_url=base, timeout=10) as h:
            for key in (KEY, accepted):
                h.get("/contracts", headers={"x-api-key": key})
                h.get("/health", headers={"authorization": f"Bearer {key}"})
                h.post("/v1/ingest/x", headers={"x-api-key": key}, content=b"{")
        for raw in (
            f"GET /contracts HTTP/1.1\r\nx-api-key {KEY}\r\n\r\n",  # no colon
            f"GET /contracts\x00 HTTP/1.1\r\nx-api-key: {KEY}\r\n\r\n",
            f"BREW /contracts HTTP/1.1\r\nx-api-key: {KEY}\r\n\r\n",
            f"GET / HTTP/1.1\r\nx-api-key: {KEY}" + "x" * 70000 + "\r\n\r\n",
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                try:
                    s.sendall(raw.encode("latin-1"))
                    s.recv(65536)
                except OSError:
                    pass
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert "GET /contracts" in err  # requests were logged
    scan(out, err)
    assert accepted not in err


# ------------------------------------------------------------------ the command line


def _cli(args: List[str], env_extra: Dict[str, str], cwd: Path) -> Tuple[int, str]:
    env = {**os.environ, **env_extra, "NO_COLOR": "1", "CONTRACTGATE_LOG": "debug"}
    proc = subprocess.run(
        [sys.executable, "-m", "contractgate.cli", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=60,
    )  # fmt: skip
    return proc.returncode, proc.stdout + "\n" + proc.stderr


def test_cli_gateway_commands_never_print_the_key(servers: List[Hostile], tmp_path: Path) -> None:
    """Pin: ingest and pull, against a server that echoes the key (401, 500, a 200 page
    that is not JSON), a refused port and no URL; with the key from the environment and
    from --api-key; verbose and JSON output; CONTRACTGATE_LOG=debug."""
    events = tmp_path / "events.ndjson"
    events.write_text("\n".join(json.dumps(event(f"u{i}")) for i in range(3)))
    echo401 = serve(servers, _echo_everywhere(401))
    echo500 = serve(servers, _echo_everywhere(500))
    page = f"<html>portal; x-api-key: {KEY}</html>".encode()
    html200 = serve(servers, lambda raw: resp(200, page, "content-type: text/html\r\n"))
    dead = f"http://127.0.0.1:{free_port()}"
    env_base = {"CONTRACTGATE_CACHE_DIR": str(tmp_path / "cache"), "CONTRACTGATE_CACHE_TTL": "0"}
    outputs: List[str] = []
    codes: List[int] = []
    commands = (
        ["ingest", "--contract-id", CID, "-v", "--progress", "always", str(events)],
        ["pull", CID, "-o", "-", "-v"],
        ["ingest", "--contract-id", "user_events", "--format", "json", str(events)],
        ["pull", "user_events@1.0.0", "--format", "json"],
    )
    for i, url in enumerate((echo401.url, echo500.url, html200.url, dead, None)):
        for j, key_via in enumerate(("env", "flag")):
            env = dict(env_base)
            flags: List[str] = []
            if url is not None:
                flags += ["--base-url", url]
            if key_via == "env":
                env["CONTRACTGATE_API_KEY"] = KEY
            else:
                flags += ["--api-key", KEY]
            cmd = commands[(2 * i + j) % len(commands)]
            code, out = _cli([*cmd, *flags], env, tmp_path)
            codes.append(code)
            outputs.append(f"$ {cmd} {url} {key_via} -> {code}\n{out}")
    joined = "\n".join(outputs)
    assert 0 not in codes and 70 not in codes, joined
    assert set(codes) <= {3, 4, 5}, joined  # configuration, auth/unreachable, gateway error
    assert "[REDACTED]" in joined  # the debug lines were written
    scan(*outputs)


# ------------------------------------------------------------------ the deployed cache


def test_deployed_cache_stale_warning_and_files_hold_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, debug_logs: pytest.LogCaptureFixture
) -> None:
    """Pin: a copy cached from the local gateway, then a captive portal's 200 page (and
    a 500 page) echoing the key: the stale-copy warning, the log lines, the cache files
    and the DeployedYaml repr hold no key."""
    from contractgate import Contract
    from contractgate._deployed import fetch_deployed
    from contractgate.gateway import LocalGateway

    monkeypatch.setenv("CONTRACTGATE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CONTRACTGATE_API_KEY", KEY)
    with LocalGateway(contracts_dir=str(CONTRACTS), api_keys=[KEY]) as gw:
        monkeypatch.setenv("CONTRACTGATE_BASE_URL", gw.base_url)
        first = fetch_deployed("user_events")
        scan(repr(first))
        texts: List[str] = []
        for status, body in ((200, f"<html>portal {KEY}</html>"), (500, f"oops {KEY}")):
            gw.faults.fail_next(10, status=status, body=body, path_prefix="/")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                again = fetch_deployed("user_events", ttl=0)
                Contract.from_gateway("user_events", ttl=0)
            assert again.source == "stale-cache"
            assert any(issubclass(w.category, E.StaleContractWarning) for w in caught)
            texts += [str(w.message) for w in caught] + [repr(again)]
            gw.faults.clear()
        gw.faults.fail_next(10, status=401, body=f"no {KEY}", path_prefix="/")
        with pytest.raises(E.ContractGateError) as ei:
            fetch_deployed("orders", ttl=0)
        texts += all_text(ei.value)
        gw.faults.clear()
    scan(*texts, *log_text(debug_logs))
    files = [f for f in (tmp_path / "cache").rglob("*") if f.is_file()]
    assert files
    for f in files:
        scan(f.read_text("utf-8", "replace"), str(f))
