"""Helpers shared by the hardening tests."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List

from contractgate._http.transport import RetryPolicy

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"

#: short waits so fault tests stay fast; the keyed wait is kept non-zero on purpose
FAST_RETRY = RetryPolicy(
    max_retries=2,
    initial_delay=0.01,
    max_delay=0.05,
    keyed_min_delay=0.05,
    auth_retry_delay=0.01,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def event(uid: str, i: int = 0) -> Dict[str, Any]:
    """A user_events event that passes 1.1.0; ``uid`` is its unique tag."""
    return {"user_id": uid, "event_type": "click", "timestamp": 1724252400 + i}


def bad_event(uid: str, i: int = 0) -> Dict[str, Any]:
    """Fails the pattern of user_id (goes to quarantine)."""
    return {"user_id": f"BAD {uid}!", "event_type": "click", "timestamp": 1724252400 + i}


def payload_of(row: Dict[str, Any]) -> Any:
    """The stored event of an audit row (a dict), whatever column holds it."""
    for key in ("raw_event", "payload", "event", "transformed_event"):
        if key in row and row[key] is not None:
            v = row[key]
            return json.loads(v) if isinstance(v, (str, bytes)) else v
    raise KeyError(f"no payload column in audit row: {sorted(row)}")


def user_ids(gw: Any, cid: str) -> List[str]:
    """``user_id`` of every ingress audit row of ``cid`` (oldest first)."""
    out: List[str] = []
    for row in gw.audit_rows(cid):
        try:
            p = payload_of(row)
        except KeyError:
            continue
        if isinstance(p, dict) and "user_id" in p:
            out.append(str(p["user_id"]))
    return out


def run_client(
    kind: str, client_kwargs: Dict[str, Any], method: str, *args: Any, **kwargs: Any
) -> Any:
    """Create a Client (``kind="sync"``) or AsyncClient (``"async"``), call ``method``
    once, close it and return the answer (exceptions propagate unchanged)."""
    import asyncio

    from contractgate import AsyncClient, Client

    client_kwargs = {"retry_policy": FAST_RETRY, **client_kwargs}
    if kind == "sync":
        with Client(**client_kwargs) as c:
            return getattr(c, method)(*args, **kwargs)

    async def go() -> Any:
        async with AsyncClient(**client_kwargs) as ac:
            return await getattr(ac, method)(*args, **kwargs)

    return asyncio.run(go())


#: What a :class:`Hostile` server answers to one raw request.
Handler = Callable[[bytes], bytes]


class Hostile:
    """A raw HTTP/1.1 server on ``host`` (127.0.0.x): records every raw request and
    answers with ``handler(raw_request)`` (then closes the connection)."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1") -> None:
        self.handler = handler
        self.raw: List[bytes] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.host = host
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://{host}:{self.port}"
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                for line in head.lower().split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        n = int(line.split(b":")[1])
                        while len(body) < n:
                            more = conn.recv(65536)
                            if not more:
                                break
                            body += more
                self.raw.append(head + b"\r\n\r\n" + body)
                answer = self.handler(head + b"\r\n\r\n" + body)
                if answer:
                    conn.sendall(answer)
            except OSError:
                pass

    def close(self) -> None:
        self.sock.close()
