"""Unit tests of the gateway's building blocks (no sockets)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from contractgate.gateway import LocalGateway
from contractgate.gateway._contracts import ContractRegistry, version_sort_key
from contractgate.gateway._faults import FaultInjector
from contractgate.gateway._ratelimit import RateLimiter
from contractgate.gateway._transforms import format_preserving
from contractgate.gateway._wire import dumps, parse_uuid, uuid_error


def test_version_ordering() -> None:
    versions = ["1.10.0", "1.2.0", "1.0.0", "1.0.0-rc1", "0.9", "2.0.0+build"]
    assert sorted(versions, key=version_sort_key) == [
        "0.9",
        "1.0.0-rc1",
        "1.0.0",
        "1.2.0",
        "1.10.0",
        "2.0.0+build",
    ]


def test_format_preserving_mask() -> None:
    out = format_preserving("Ab9-x", b"salt", "f")
    assert len(out) == 5 and out[3] == "-"
    assert out[0].isupper() and out[1].islower() and out[2].isdigit() and out[4].islower()
    assert format_preserving("Ab9-x", b"salt", "f") == out
    assert format_preserving("Ab9-x", b"other", "f") != out


def test_token_bucket() -> None:
    now = [0.0]
    rl = RateLimiter(clock=lambda: now[0], wall=lambda: 1000.0)
    d = [rl.take("k", 1.0, 2) for _ in range(3)]
    assert [x.allowed for x in d] == [True, True, False]
    assert d[1].remaining == 0 and d[1].reset_unix == 1000
    assert d[2].retry_after_ms == 1000 and d[2].reset_unix == 1001
    now[0] = 0.5
    assert rl.take("k", 1.0, 2).retry_after_ms == 500
    now[0] = 1.0
    assert rl.take("k", 1.0, 2).allowed


def test_fault_queue_is_fifo_and_counted() -> None:
    f = FaultInjector()
    f.fail_next(2, status=500, path_prefix="/v1/")
    f.delay_next(seconds=0.1)
    first = f.take("/contracts")
    assert first is not None and first.kind == "delay"
    assert f.take("/contracts") is None
    kinds = [f.take("/v1/ingest/x") for _ in range(3)]
    assert [k.kind if k else None for k in kinds] == ["fail", "fail", None]
    with pytest.raises(ValueError):
        f.fail_next(0)
    with pytest.raises(ValueError):
        f.configure({"action": "nope"})


def test_json_encoding_is_serde_like() -> None:
    assert dumps({"a": [1, 1.0, 1e-7, 1e16, 0.00001, "é\n"], "b": None}) == (
        '{"a":[1,1.0,1e-7,1e+16,0.00001,"é\\n"],"b":null}'.encode()
    )


def test_uuid_parsing() -> None:
    u = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"
    assert parse_uuid(u.upper()) == u
    assert parse_uuid(u.replace("-", "")) == u
    assert parse_uuid("{" + u + "}") == u
    assert parse_uuid("urn:uuid:" + u) == u
    assert parse_uuid("xyz") is None
    assert uuid_error("xyz").startswith("invalid character: ")
    assert uuid_error("abc") == "invalid length: expected length 32 for simple format, found 3"


def test_registry_reports_problems(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        textwrap.dedent("""
        version: "1.0.0"
        name: a
        ontology: {entities: [{name: id, type: string}]}
    """)
    )
    (tmp_path / "a_copy.yml").write_text((tmp_path / "a.yaml").read_text())
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.yaml").write_text("garbage: [")
    (tmp_path / "_gateway.yaml").write_text(
        textwrap.dedent("""
        contracts:
          a:
            multi_stable_resolution: sometimes
            versions: {"1.0.0": retired, "3.0.0": stable}
          ghost: {}
    """)
    )
    reg = ContractRegistry.load(tmp_path, "org")
    messages = "\n".join(str(p) for p in reg.problems)
    assert "duplicate contract version a@1.0.0" in messages
    assert "multi_stable_resolution must be strict or fallback" in messages
    assert "state must be draft, stable or deprecated" in messages
    assert "'3.0.0' is listed but no file declares it" in messages
    assert "no contract named 'ghost'" in messages
    assert ".hidden" not in messages
    (entry,) = reg.contracts.values()
    assert entry.versions["1.0.0"].state == "stable"


def test_gateway_constructor_checks(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        LocalGateway(contracts_dir=tmp_path / "missing")
    with pytest.raises(ValueError):
        LocalGateway(contracts_dir=None, api_keys=["bad"])
    g = LocalGateway(contracts_dir=None, api_keys={"cg_key_0123456789": {"rate_limit_rps": 5}})
    assert g.api_key == "cg_key_0123456789"
    dev = LocalGateway(contracts_dir=None)
    extra = dev.add_api_key()  # before start: the dev key is still generated
    assert dev.api_key != extra and dev.api_key.startswith("cg_live_")
    assert dev.remove_api_key(extra) is True
    dev.stop()
    with pytest.raises(RuntimeError):
        _ = g.base_url
    g.start()
    try:
        assert g.base_url.startswith("http://127.0.0.1:")
        assert g.running
    finally:
        g.stop()
        g.stop()  # idempotent
    assert not g.running


def test_keyed_locks_serialise_one_key_and_forget_it_after() -> None:
    """A second request with the same Idempotency-Key waits for the first; once both are
    done the key's lock is dropped (a long-running gateway would otherwise keep one lock
    per key it ever saw)."""
    import threading

    from contractgate.gateway._ingest import KeyedLocks

    locks = KeyedLocks()
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        with locks.hold("k"):
            inside.set()
            release.wait(5)
            order.append("first")

    def second() -> None:
        inside.wait(5)
        with locks.hold("k"):
            order.append("second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    inside.wait(5)
    with locks.hold("other"):  # another key does not wait
        order.append("other")
    release.set()
    for t in threads:
        t.join(5)
    assert order == ["other", "first", "second"]
    assert locks._locks == {}
    with locks.hold(None):  # no key: nothing to hold
        assert locks._locks == {}


def test_a_bucket_below_one_token_is_refused(contracts_dir: Path) -> None:
    """It refused every request for ever (a request takes a whole token)."""
    with pytest.raises(ValueError, match=r"rate_limit_burst must be at least 1 .*got 0\.5"):
        LocalGateway(contracts_dir=contracts_dir, rate_limit_burst=0.5)
    gw = LocalGateway(contracts_dir=contracts_dir)
    with pytest.raises(ValueError, match=r"rate_limit_burst must be at least 1 .*got 0\.99"):
        gw.add_api_key(rate_limit_burst=0.99)
    gw.add_api_key(rate_limit_burst=1)  # one token: enough for /ingest
