"""Helpers shared by the client tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import copy
import inspect
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import httpx

from contractgate import RetryPolicy
from contractgate.async_client import AsyncClient
from contractgate.models import IngestEventResult, result_from_raw

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"

API_KEY = "cg_live_" + "5e" * 24  # 56 chars, the dashboard's format

#: Short waits so retry tests stay fast (the defaults are documented in docs/client.md).
FAST_RETRY = RetryPolicy(
    max_retries=2,
    initial_delay=0.01,
    max_delay=0.05,
    keyed_min_delay=0.05,
    auth_retry_delay=0.01,
)


class Api:
    """Uniform, awaitable access to a Client or an AsyncClient."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.is_async = isinstance(client, AsyncClient)
        self.kind = "async" if self.is_async else "sync"

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(self.client, name)(*args, **kwargs)
        if inspect.isawaitable(result) and not hasattr(result, "__aiter__"):
            result = await result
        return result

    async def rows(self, name: str, *args: Any, **kwargs: Any) -> List[Any]:
        """Exhaust a lazy pager (``iter_audit``/``iter_quarantine``) into a list."""
        pager = getattr(self.client, f"iter_{name}")(*args, **kwargs)
        if self.is_async:
            return [row async for row in pager]
        return list(iter(pager))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        async def method(*args: Any, **kwargs: Any) -> Any:
            return await self.call(name, *args, **kwargs)

        return method

    async def close(self) -> None:
        if self.is_async:
            await self.client.aclose()
        else:
            self.client.close()


# ------------------------------------------------------------------ mock gateway helpers


class Recorder:
    """A MockTransport handler that records requests and plays scripted answers."""

    def __init__(self, responder: Optional[Callable[[httpx.Request], httpx.Response]] = None):
        self.requests: List[httpx.Request] = []
        self.bodies: List[bytes] = []
        self.responder = responder or (lambda req: httpx.Response(200, json={}))
        self.script: List[Any] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.bodies.append(request.read())
        if self.script:
            item = self.script.pop(0)
            if isinstance(item, BaseException):
                raise item
            if callable(item):
                return item(request)  # type: ignore[no-any-return]
            return item  # type: ignore[no-any-return]
        return self.responder(request)


class LoopbackServer:
    """A real HTTP server on 127.0.0.1 recording each request (method, path with its query,
    lower-cased headers, body) and answering from ``routes`` (path without the query ->
    status, headers, body; ``{"status":"ok"}`` otherwise)."""

    def __init__(self) -> None:
        self.seen: List[Tuple[str, str, Dict[str, str]]] = []
        self.bodies: List[bytes] = []
        self.routes: Dict[str, Tuple[int, Dict[str, str], bytes]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                n = int(self.headers.get("content-length") or 0)
                outer.bodies.append(self.rfile.read(n) if n else b"")
                outer.seen.append((self.command, self.path, {k.lower(): v for k, v in
                                                              self.headers.items()}))  # fmt: skip
                status, headers, body = outer.respond(self.path)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def respond(self, path: str) -> Tuple[int, Dict[str, str], bytes]:
        """The answer to a request for ``path`` (with its query): from ``routes`` here;
        subclasses answer by other rules."""
        return self.routes.get(path.split("?")[0], (200, {}, b'{"status":"ok"}'))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def batch_events(request: httpx.Request) -> List[Any]:
    """The events of an ingest request as the gateway reads them: NDJSON (``/v1``, one
    event per line) or JSON (an array is a batch, any other value one event)."""
    if "application/x-ndjson" in request.headers.get("content-type", ""):
        return [json.loads(line) for line in request.content.split(b"\n") if line.strip()]
    value = json.loads(request.content)
    return value if isinstance(value, list) else [value]


def verdict_for(
    request: httpx.Request, *, fail_if: Callable[[Any], bool] = lambda e: False, v1: bool = True
) -> httpx.Response:
    """A gateway-shaped batch verdict for the events in ``request``."""
    events = batch_events(request)
    results = []
    for i, e in enumerate(events):
        ok = not fail_if(e)
        r: Dict[str, Any] = {
            "passed": ok,
            "violations": []
            if ok
            else [{"field": "user_id", "message": "bad", "kind": "pattern_mismatch"}],
            "validation_us": 3,
            "forwarded": ok,
            "contract_version": "1.1.0",
            "transformed_event": e,
        }
        if v1:
            r["index"] = i
            r["quarantine_id"] = None if ok else f"00000000-0000-4000-8000-{i:012d}"
        results.append(r)
    passed = sum(1 for r in results if r["passed"])
    status = 200 if passed == len(results) else (422 if passed == 0 else 207)
    atomic = request.url.params.get("atomic") == "true"
    if atomic and passed < len(results):
        status = 422
        for r in results:
            r["forwarded"] = False
    body = {
        "total": len(results),
        "passed": passed,
        "failed": len(results) - passed,
        "dry_run": request.url.params.get("dry_run") == "true",
        "atomic": atomic,
        "resolved_version": "1.1.0",
        "version_pin_source": "default_stable",
        "results": results,
    }
    return httpx.Response(status, json=body)


def retry_delays(caplog: Any) -> List[float]:
    """The delays the client decided before each retry (its DEBUG log: "retrying … in
    0.30 s …"): what it will sleep, asserted as a step rather than timed."""
    import re

    pattern = re.compile(r"^retrying \S+ \S+ in ([0-9.]+) s ")
    found = (pattern.search(r.getMessage()) for r in caplog.records)
    return [float(m.group(1)) for m in found if m]


# ---------------------------------------------------------------------- kept results


def typed(value: Any) -> Any:
    """``value`` with the type of every part spelled out (``1``, ``1.0`` and ``True``
    differ; so do ``0.0`` and ``-0.0``) and the order of object keys kept."""
    if isinstance(value, dict):
        return ("{", [(k, typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("[", [typed(v) for v in value])
    return (type(value).__name__, repr(value))


def expected(results: List[Any], offset: int) -> List[IngestEventResult]:
    return [result_from_raw(r, offset, i) for i, r in enumerate(copy.deepcopy(results))]


def assert_same(got: List[IngestEventResult], want: List[IngestEventResult]) -> None:
    assert got == want
    assert [repr(r) for r in got] == [repr(r) for r in want]
    assert [typed(dict(r.raw)) for r in got] == [typed(dict(r.raw)) for r in want]
    assert [typed(r.transformed_event) for r in got] == [typed(r.transformed_event) for r in want]


class RecordingTransport(httpx.HTTPTransport):
    """httpx's transport that keeps each answer's bytes (the gateway answers plainly)."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: List[Tuple[bytes, bytes]] = []  # (request, answer)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        body = response.read()
        self.bodies.append((request.content, body))
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )


class AsyncRecordingTransport(httpx.AsyncHTTPTransport):
    """The same for AsyncClient."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: List[Tuple[bytes, bytes]] = []  # (request, answer)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        body = await response.aread()
        self.bodies.append((request.content, body))
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )


def mixed_user_events(n: int) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for i in range(n):
        e: Dict[str, Any] = {"user_id": f"user_{i}", "event_type": ("click", "view")[i % 2],
                             "timestamp": 1724252400 + i, "email": f"p{i}@example.com"}  # fmt: skip
        if i % 7 == 3:
            e["user_id"] = "Bad User"
        out.append(e)
    return out


def recorded_results(bodies: List[Tuple[bytes, bytes]]) -> List[IngestEventResult]:
    """The results of the answers a recording transport kept for an ingest of
    :func:`mixed_user_events` (NDJSON bodies), in event order, read by the models."""
    from contractgate.models import BatchIngestResponse

    answers = {}  # the index of the first event of each batch: its answer
    for sent, body in bodies:
        first = json.loads(sent.split(b"\n", 1)[0])["timestamp"] - 1724252400
        answers[first] = BatchIngestResponse.from_dict(json.loads(body), index_offset=first)
    return [r for _, p in sorted(answers.items()) for r in p.results]
