"""The API key must never leak: not in debug logs (any logger, including httpx/httpcore),
not in reprs, not in exception messages, reprs, pickles or formatted tracebacks (chained
causes included), not in warnings, and not to another origin on a redirect (POST ingest
included, 307/308 keep the body). The key is distinctive, so a plain substring scan is a
reliable detector; the key's tail is scanned too, to catch partial redaction."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import subprocess
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
from hardening_testlib import FAST_RETRY, Hostile, event, free_port

import contractgate.exceptions as E
from contractgate import AsyncClient, Client

KEY = "cg_live_HARDENINGsecret0123456789abcdefZZ"  # distinctive on purpose
TAIL = KEY[-16:]


def _scan(*texts: Any) -> None:
    for t in texts:
        s = t if isinstance(t, str) else repr(t)
        assert KEY not in s, f"API key leaked in: {s[:300]}"
        assert TAIL not in s, f"part of the API key leaked in: {s[:300]}"


def _all_text(exc: BaseException) -> List[str]:
    out = ["".join(traceback.format_exception(type(exc), exc, exc.__traceback__))]
    cur: Any = exc
    while cur is not None:
        # not vars(cur): ``HTTPError.body`` is the server's answer kept verbatim (a server
        # that echoes the key gets it back there, by design); message/repr are redacted
        out += [str(cur), repr(cur), repr(getattr(cur, "args", ()))]
        try:
            out.append(repr(pickle.loads(pickle.dumps(cur))))
        except Exception:
            pass
        cur = cur.__cause__ or cur.__context__
    return out


@pytest.fixture
def keyed_gw(gw: Any) -> Iterator[Any]:
    gw.add_api_key(KEY)
    yield gw
    gw.remove_api_key(KEY)


@pytest.fixture
def debug_everything(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)  # root: contractgate, httpx, httpcore, asyncio...
    for name in ("contractgate", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield caplog
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _gauntlet_sync(gw: Any, cid: str, errors: List[BaseException]) -> List[Any]:
    """Every kind of outcome once, collecting errors and results."""
    objs: List[Any] = []
    with Client(gw.base_url, api_key=KEY, retry_policy=FAST_RETRY) as c:
        objs += [c, c.with_options(timeout=3), c.with_options(max_retries=0)]
        gw.faults.fail_next(1, status=503, path_prefix="/v1/ingest")
        gw.faults.drop_next(1, path_prefix="/v1/ingest", after_processing=True)
        objs.append(c.ingest(cid, [event("sec_a"), {"user_id": "x"}]))
        # a proxy error page that echoes the request headers back
        echo = f"<html>Bad gateway. Request headers: x-api-key: {KEY}; ua: x</html>"
        gw.faults.fail_next(3, status=502, body=echo, path_prefix="/health")
        gw.faults.fail_next(1, status=400, body={"error": f"bad key {KEY}"}, path_prefix="/stats")
        gw.faults.fail_next(1, status=200, body=f"junk {KEY}", path_prefix="/usage")
        for call in (c.health, c.stats, lambda: c.with_options(max_retries=0).usage(),
                     lambda: c.get_version(cid, "0.0.0"),
                     lambda: c.ingest(cid, [{"a": float("nan")}]),
                     lambda: c.ingest(cid, [{"a": {1, 2}}])):  # fmt: skip
            try:
                objs.append(call())
            except Exception as err:
                errors.append(err)

        def arm(part: Any) -> None:
            gw.faults.fail_next(5, status=500, path_prefix="/v1/ingest")

        try:
            c.ingest(cid, [event(f"sec_p{i}") for i in range(30)], max_batch_events=10,
                     on_batch=arm)  # fmt: skip
        except E.PartialIngestError as err:
            errors.append(err)
        gw.faults.clear()
    with Client(f"http://127.0.0.1:{free_port()}", api_key=KEY, max_retries=0) as dead:
        try:
            dead.health()
        except Exception as err:
            errors.append(err)
    wrong = KEY[:-2] + "QQ"  # a wrong key must not be echoed either
    with Client(gw.base_url, api_key=wrong, max_retries=0) as c2:
        try:
            c2.ingest(cid, [event("sec_w")])
        except Exception as err:
            errors.append(err)
            assert wrong not in "".join(_all_text(err))
    return objs


def test_no_key_in_logs_reprs_errors_tracebacks(
    keyed_gw: Any, cid: str, debug_everything: pytest.LogCaptureFixture
) -> None:
    errors: List[BaseException] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        objs = _gauntlet_sync(keyed_gw, cid, errors)
    kinds = {type(e).__name__ for e in errors}
    assert {"ServerError", "BadRequestError", "InvalidResponseError", "NotFoundError",
            "EventEncodeError", "PartialIngestError", "ConnectionError",
            "AuthError"} <= kinds, kinds  # fmt: skip
    assert "[REDACTED]" in debug_everything.text  # headers were logged, redacted
    _scan(debug_everything.text, *[r.getMessage() for r in debug_everything.records])
    _scan(*[repr(o) for o in objs], *[str(w.message) for w in caught])
    for err in errors:
        _scan(*_all_text(err))


def test_no_key_in_async_logs_and_errors(
    keyed_gw: Any, cid: str, debug_everything: pytest.LogCaptureFixture
) -> None:
    errors: List[BaseException] = []

    async def main() -> None:
        async with AsyncClient(keyed_gw.base_url, api_key=KEY, retry_policy=FAST_RETRY) as ac:
            _scan(repr(ac), repr(ac.with_options(timeout=2)))
            keyed_gw.faults.truncate_next(1, path_prefix="/v1/ingest")
            await ac.ingest(cid, [event("sec_async")])
            keyed_gw.faults.fail_next(3, status=503, body=f"x-api-key={KEY}",
                                      path_prefix="/health")  # fmt: skip
            try:
                await ac.health()
            except Exception as err:
                errors.append(err)

    asyncio.run(main())
    assert errors and isinstance(errors[0], E.ServerError)
    _scan(debug_everything.text)
    for err in errors:
        _scan(*_all_text(err))


# ------------------------------------------------------------------ env-var debug, end to end

SCRIPT = r"""
import os, sys
from contractgate import Client
gw_url, cid = sys.argv[1], sys.argv[2]
c = Client(gw_url)          # key from CONTRACTGATE_API_KEY
print(repr(c))
print(c.ingest(cid, [{"user_id": "sec_env", "event_type": "click", "timestamp": 1}]))
c.get_version(cid, "0.0.0")  # uncaught NotFoundError: traceback on stderr
"""


def test_contractgate_log_debug_subprocess_never_prints_the_key(keyed_gw: Any, cid: str) -> None:
    env = {**os.environ, "CONTRACTGATE_LOG": "debug", "CONTRACTGATE_API_KEY": KEY}
    env.pop("CONTRACTGATE_BASE_URL", None)
    proc = subprocess.run([sys.executable, "-c", SCRIPT, keyed_gw.base_url, cid], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 1 and "NotFoundError" in proc.stderr
    assert "[REDACTED]" in proc.stderr  # debug lines were written
    _scan(proc.stdout, proc.stderr)


# ------------------------------------------------------------------ redirects of POST ingest


INGEST_OK = (b'{"total":1,"passed":1,"failed":0,"dry_run":false,"resolved_version":"1.1.0",'
             b'"version_pin_source":"default_stable","results":[{"passed":true,"violations":[],'
             b'"contract_version":"1.1.0","validation_us":1,"forwarded":true}]}')  # fmt: skip


def _resp(status: int, headers: str, body: bytes = b"") -> bytes:
    return (f"HTTP/1.1 {status} X\r\n{headers}content-length: {len(body)}\r\n"
            f"connection: close\r\n\r\n").encode() + body  # fmt: skip


@pytest.fixture
def redirect_pair() -> Iterator[Tuple[Hostile, Hostile]]:
    ok = _resp(200, "content-type: application/json\r\n", INGEST_OK)
    b = Hostile(lambda _raw: ok)
    a = Hostile(lambda _raw: b"")
    yield a, b
    a.close()
    b.close()


@pytest.mark.parametrize("status", [307, 308])
@pytest.mark.parametrize("target_host", ["localhost", "127.0.0.1"])  # other host / other port
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_ingest_redirected_to_another_origin_never_carries_the_key(
    redirect_pair: Tuple[Hostile, Hostile], status: int, target_host: str, kind: str
) -> None:
    a, b = redirect_pair
    moved = _resp(status, f"location: http://{target_host}:{b.port}/v1/ingest/x\r\n")
    a.handler = lambda _raw: moved
    kw = {"base_url": f"http://127.0.0.1:{a.port}", "api_key": KEY, "org_id": "org-secret",
          "max_retries": 0}  # fmt: skip
    try:
        if kind == "sync":
            with Client(**kw) as c:  # type: ignore[arg-type]
                c.ingest("3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93", [event("sec_r")])
        else:

            async def go() -> None:
                async with AsyncClient(**kw) as ac:  # type: ignore[arg-type]
                    await ac.ingest("3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93", [event("sec_r")])

            asyncio.run(go())
    except E.ContractGateError as err:  # refusing to follow is acceptable too
        _scan(*_all_text(err))
    assert a.raw and KEY.encode() in a.raw[0]  # the configured origin did get the key
    for raw in b.raw:
        assert KEY.encode() not in raw and TAIL.encode() not in raw
        assert b"org-secret" not in raw
        assert b"x-api-key" not in raw.lower()


def test_key_is_not_written_to_disk(keyed_gw: Any, cid: str, tmp_path: Path) -> None:
    """The client holds batches in memory and writes no temporary file; whatever a large
    ingest leaves in the temporary directory never holds the key."""
    import tempfile

    old = tempfile.tempdir
    tempfile.tempdir = str(tmp_path)
    try:
        with Client(keyed_gw.base_url, api_key=KEY, retry_policy=FAST_RETRY) as c:
            c.ingest(cid, ({"user_id": f"s{i}", "event_type": "click", "timestamp": i,
                            "pad": "p" * 2000} for i in range(100)), dry_run=True)  # fmt: skip
    finally:
        tempfile.tempdir = old
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert KEY.encode() not in f.read_bytes()
