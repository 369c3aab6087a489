# ruff: noqa: UP031, E501  (benchmark data builders: %-formatting and wide tables)
"""Validator throughput: contractgate's compiled validator vs jsonschema, fastjsonschema,
msgspec and pydantic.

Run from the repo root (or through ``bench/run``)::

    .venv/bin/python bench/bench_validator.py [--quick]

Prints events/s for two contracts (``contracts/user_events/1.1.0.yaml`` and the wide,
nested ``bench/wide_events.yaml``) and two workloads each (all valid; mixed, where about a
third of the events fail with one to three violations), for:

* ``validate()`` (all violations, exact messages), ``is_valid()`` (first failure),
  ``validate_many()``, and the closure-interpreter reference path;
* ``jsonschema`` (Draft 2020-12, ``iter_errors`` -> all errors, with a format checker);
* ``fastjsonschema`` (draft-07 code generation; stops at the first error);
* for user_events: msgspec (``convert`` into a constrained ``Struct``, first error) and
  pydantic v2 (``model_validate``, strict, all errors), on dicts; and on raw JSON texts,
  ``validate_json()`` with and without msgspec against msgspec's typed JSON decode and
  pydantic's ``model_validate_json``.

The JSON Schemas are written to be equivalent on these workloads (checked below: every
engine must agree on which events pass). It also prints the compile time of a 100-field
contract and the import time of ``contractgate`` (validator only, no httpx).

Numbers only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from contractgate import Contract  # noqa: E402

USER_EVENTS = ROOT / "contracts" / "user_events" / "1.1.0.yaml"
WIDE = ROOT / "bench" / "wide_events.yaml"
D7 = "http://json-schema.org/draft-07/schema#"
D2020 = "https://json-schema.org/draft/2020-12/schema"

# --------------------------------------------------------------------------------------
# Workloads


def user_events_valid(rng: random.Random) -> Dict[str, Any]:
    ev: Dict[str, Any] = {
        "user_id": "".join(
            rng.choice("abcdefghijklmnopqrstuvwxyz0123456789_") for _ in range(rng.randint(3, 12))
        ),
        "event_type": rng.choice(["login", "purchase", "click"]),
        "timestamp": rng.randint(1_700_000_000, 1_800_000_000),
    }
    if rng.random() < 0.7:
        ev["amount"] = round(rng.uniform(0, 500), 2)
    if rng.random() < 0.5:
        ev["email"] = f"user{rng.randint(1, 9999)}@example.com"
    return ev


_USER_EVENTS_BREAKS: List[Callable[[Dict[str, Any]], None]] = [
    lambda e: e.__setitem__("user_id", "Bad-User!"),  # pattern
    lambda e: e.__setitem__("event_type", "refund"),  # enum
    lambda e: e.__setitem__("timestamp", "1712000000"),  # type
    lambda e: e.__setitem__("amount", -4.5),  # range
    lambda e: e.pop("timestamp", None),  # missing
    lambda e: e.__setitem__("email", 42),  # type
]


def mixed(
    valid: Callable[[random.Random], Dict[str, Any]],
    breaks: List[Callable[[Dict[str, Any]], None]],
    rng: random.Random,
    n: int,
) -> List[Dict[str, Any]]:
    """About a third of the events fail, with one to three violations each."""
    out = []
    for i in range(n):
        ev = valid(rng)
        if i % 3 == 2:
            for brk in rng.sample(breaks, rng.randint(1, 3)):
                brk(ev)
        out.append(ev)
    return out


def wide_valid(rng: random.Random) -> Dict[str, Any]:
    h = f"{rng.getrandbits(128):032x}"
    ev: Dict[str, Any] = {
        "event_id": f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}",
        "user_id": "user_%d" % rng.randint(1, 10**6),
        "session_id": f"s{rng.getrandbits(64):016x}",
        "event_type": rng.choice(["login", "logout", "view", "click", "purchase", "refund"]),
        "timestamp": rng.randint(1_700_000_000, 1_800_000_000),
        "event_date": "2026-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28)),
        "amount": round(rng.uniform(0, 1000), 2),
        "currency": rng.choice(["USD", "EUR", "GBP", "JPY"]),
        "quantity": rng.randint(1, 10),
        "discount": round(rng.random(), 2),
        "is_test": False,
        "is_mobile": rng.random() < 0.5,
        "page_url": "https://shop.example.com/p/%d" % rng.randint(1, 9999),
        "referrer": "https://www.example.org/",
        "country": rng.choice(["US", "GB", "DE", "FR", "JP"]),
        "language": rng.choice(["en", "en-US", "de", "fr-FR"]),
        "plan": rng.choice(["free", "pro", "team", "enterprise"]),
        "age": rng.randint(18, 90),
        "score": round(rng.uniform(0, 100), 1),
        "rating": rng.randint(1, 5),
        "signup_date": "2025-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28)),
        "email": "u%d@example.com" % rng.randint(1, 9999),
        "ip": "10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)),
        "app_version": "3.%d.%d" % (rng.randint(0, 20), rng.randint(0, 9)),
        "build": rng.randint(1, 5000),
        "variant": rng.choice(["control", "a", "b"]),
        "latency_ms": round(rng.uniform(1, 900), 1),
        "retries": rng.randint(0, 3),
        "payload": {"k": "v"},
        "device": {
            "os": rng.choice(["ios", "android", "web"]),
            "os_version": "17.%d" % rng.randint(0, 5),
            "model": "Pixel 8",
            "screen": {"width": 1080, "height": 2400, "dpr": 2.5},
        },
        "geo": {"city": "Berlin", "lat": 52.52, "lon": 13.405, "postal_code": "10115"},
        "items": [
            {
                "sku": "SKU-%04d" % rng.randint(0, 9999),
                "qty": rng.randint(1, 5),
                "price": round(rng.uniform(1, 200), 2),
                "category": rng.choice(["books", "music", "games"]),
            }
            for _ in range(rng.randint(1, 3))
        ],
        "tags": ["promo", "spring"],
    }
    return ev


_WIDE_BREAKS: List[Callable[[Dict[str, Any]], None]] = [
    lambda e: e.__setitem__("country", "usa"),  # pattern
    lambda e: e.__setitem__("plan", "gold"),  # enum
    lambda e: e.__setitem__("event_date", "2026-02-30"),  # calendar
    lambda e: e.__setitem__("age", 7),  # range
    lambda e: e.pop("app_version"),  # missing
    lambda e: e["device"].__setitem__("os", "beos"),  # nested enum
    lambda e: e["geo"].__setitem__("lat", 123.0),  # nested range
    lambda e: e["items"][0].__setitem__("qty", 0),  # array element range
    lambda e: e.__setitem__("is_test", "no"),  # type
]

# --------------------------------------------------------------------------------------
# Equivalent JSON Schemas

USER_EVENTS_SCHEMA: Dict[str, Any] = {
    "type": "object",
    "required": ["user_id", "event_type", "timestamp"],
    "properties": {
        "user_id": {"type": "string", "pattern": "^[a-z0-9_]+$"},
        "event_type": {"type": "string", "enum": ["login", "purchase", "click"]},
        "timestamp": {"type": "integer"},
        "amount": {"type": "number", "minimum": 0},
        "email": {"type": "string"},
    },
}


def _s(pattern: str = "", **kw: Any) -> Dict[str, Any]:
    d: Dict[str, Any] = {"type": "string"}
    if pattern:
        d["pattern"] = pattern
    d.update(kw)
    return d


def _n(t: str = "number", lo: Any = None, hi: Any = None, **kw: Any) -> Dict[str, Any]:
    d: Dict[str, Any] = {"type": t}
    if lo is not None:
        d["minimum"] = lo
    if hi is not None:
        d["maximum"] = hi
    d.update(kw)
    return d


_DATE = {"type": "string", "format": "date"}
WIDE_SCHEMA: Dict[str, Any] = {
    "type": "object",
    "required": [
        "event_id",
        "user_id",
        "session_id",
        "event_type",
        "timestamp",
        "event_date",
        "is_test",
        "country",
        "plan",
        "app_version",
        "device",
    ],
    "properties": {
        "event_id": _s("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
        "user_id": _s("^[a-z0-9_]+$", minLength=3, maxLength=64),
        "session_id": _s(minLength=8, maxLength=64),
        "event_type": _s(enum=["login", "logout", "view", "click", "purchase", "refund"]),
        "timestamp": _n("integer", 0),
        "event_date": _DATE,
        "amount": _n("number", 0, 1000000),
        "currency": _s(enum=["USD", "EUR", "GBP", "JPY"]),
        "quantity": _n("integer", 1, 1000),
        "discount": _n("number", 0, 1),
        "is_test": {"type": "boolean"},
        "is_mobile": {"type": "boolean"},
        "page_url": _s("^https?://", maxLength=2048),
        "referrer": _s(maxLength=2048),
        "country": _s("^[A-Z]{2}$"),
        "language": _s("^[a-z]{2}(-[A-Z]{2})?$"),
        "plan": _s(enum=["free", "pro", "team", "enterprise"]),
        "age": _n("integer", 13, 130),
        "score": _n("number", 0, 100),
        "rating": {"type": "integer", "enum": [1, 2, 3, 4, 5]},
        "signup_date": _DATE,
        "birth_date": _DATE,
        "email": _s("^[^@\\s]+@[^@\\s]+$"),
        "phone": _s("^\\+[0-9]{6,15}$"),
        "ip": _s("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$"),
        "app_version": _s("^[0-9]+\\.[0-9]+\\.[0-9]+$"),
        "build": _n("integer", 1),
        "experiment": _s(maxLength=32),
        "variant": _s(enum=["control", "a", "b", "c"]),
        "latency_ms": _n("number", 0, 60000),
        "retries": _n("integer", 0, 10),
        "payload": {},
        "device": {
            "type": "object",
            "required": ["os", "os_version"],
            "properties": {
                "os": _s(enum=["ios", "android", "web", "windows", "macos", "linux"]),
                "os_version": _s("^[0-9]+(\\.[0-9]+)*$"),
                "model": _s(maxLength=64),
                "screen": {
                    "type": "object",
                    "required": ["width", "height"],
                    "properties": {
                        "width": _n("integer", 1, 10000),
                        "height": _n("integer", 1, 10000),
                        "dpr": _n("number", 0.5, 5),
                    },
                },
            },
        },
        "geo": {
            "type": "object",
            "required": ["city", "lat", "lon"],
            "properties": {
                "city": _s(maxLength=128),
                "region": _s(),
                "lat": _n("number", -90, 90),
                "lon": _n("number", -180, 180),
                "postal_code": _s("^[A-Z0-9 -]{3,10}$"),
            },
        },
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["sku", "qty", "price", "category"],
                "properties": {
                    "sku": _s(minLength=3, maxLength=32),
                    "qty": _n("integer", 1, 100),
                    "price": _n("number", 0),
                    "category": _s(enum=["books", "music", "games", "other"]),
                },
            },
        },
        "tags": {"type": "array", "items": _s(maxLength=32)},
    },
}

# --------------------------------------------------------------------------------------
# Timing


def rates(runs: List[Tuple[Callable[[], None], int]], min_seconds: float) -> List[float]:
    """Events/s of each ``(run, n_events)``: the median of 7 rounds, where one round times
    every run once in turn (each repeated for about ``min_seconds``/7), in CPU time of
    this process (time spent waiting for a CPU on a shared machine is not counted).
    Interleaving the engines round by round means a burst of load slows all of them
    alike instead of whichever happened to be running, so their ratios stay honest."""
    rounds = 7
    budget = min_seconds / rounds
    clock = time.process_time
    samples: List[List[float]] = [[] for _ in runs]
    reps = []
    for run, _ in runs:  # calibrate: repetitions per round for each run
        t0 = time.perf_counter()
        run()
        reps.append(max(1, int(budget / max(time.perf_counter() - t0, 1e-6))))
    gc.collect()
    for _ in range(rounds):
        for k, (run, _) in enumerate(runs):
            t0 = clock()
            for _ in range(reps[k]):
                run()
            samples[k].append((clock() - t0) / reps[k])
    return [n / statistics.median(t) for (_, n), t in zip(runs, samples)]


def bench_contract(
    label: str,
    contract_path: Path,
    schema: Dict[str, Any],
    events_valid: List[Any],
    events_mixed: List[Any],
    min_s: float,
    js_events: int,
) -> Dict[str, float]:
    import fastjsonschema
    import jsonschema

    compiled = Contract.from_file(contract_path).compile()
    reference = Contract.from_file(contract_path).compile(reference=True)
    fjs = fastjsonschema.compile({"$schema": D7, **schema})
    fjs_exc = fastjsonschema.JsonSchemaValueException
    js = jsonschema.Draft202012Validator(
        {"$schema": D2020, **schema}, format_checker=jsonschema.FormatChecker()
    )

    # Equivalence on these workloads: every engine agrees on which events pass.
    def fjs_ok(e: Any) -> bool:
        try:
            fjs(e)
            return True
        except fjs_exc:
            return False

    verdicts = {
        "contractgate": [compiled.validate(e).passed for e in events_mixed],
        "is_valid": [compiled.is_valid(e) for e in events_mixed],
        "reference": [reference.validate(e).passed for e in events_mixed],
        "fastjsonschema": [fjs_ok(e) for e in events_mixed],
        "jsonschema": [not any(True for _ in js.iter_errors(e)) for e in events_mixed],
    }
    base = verdicts["contractgate"]
    for name, v in verdicts.items():
        if v != base:
            print(
                f"  WARNING: {name} disagrees with contractgate on {sum(a != b for a, b in zip(v, base))} events"
            )
    n_fail = base.count(False)
    n_viol = sum(len(compiled.validate(e).violations) for e in events_mixed)
    print(
        f"\n== {label}: {len(compiled.contract.ontology.entities)} top-level fields; mixed workload "
        f"{n_fail}/{len(events_mixed)} failing ({n_viol} violations, "
        f"{n_viol / max(n_fail, 1):.2f} per failing event)"
    )

    v, iv = compiled.validate, compiled.is_valid
    rv = reference.validate

    def loop(fn: Callable[[Any], Any], evs: List[Any]) -> Callable[[], None]:
        def run() -> None:
            for e in evs:
                fn(e)

        return run

    def fjs_loop(evs: List[Any]) -> Callable[[], None]:
        def run() -> None:
            for e in evs:
                try:
                    fjs(e)
                except fjs_exc:
                    pass

        return run

    js_it = js.iter_errors
    js_valid, js_mixed = events_valid[:js_events], events_mixed[:js_events]

    def js_loop(evs: List[Any]) -> Callable[[], None]:
        def run() -> None:
            for e in evs:
                for _ in js_it(e):
                    pass

        return run

    def many(evs: List[Any]) -> Callable[[], None]:
        def run() -> None:
            for _ in compiled.validate_many(evs):
                pass

        return run

    def read_all(evs: List[Any]) -> Callable[[], None]:
        def run() -> None:
            for e in evs:
                for x in v(e).violations:
                    x.message  # noqa: B018 - reads every violation, as a reporter does

        return run

    rows: List[Tuple[str, Callable[[], None], int, Callable[[], None], int]] = [
        (
            "contractgate validate()",
            loop(v, events_valid),
            len(events_valid),
            loop(v, events_mixed),
            len(events_mixed),
        ),
        (
            "  + reading every violation",
            read_all(events_valid),
            len(events_valid),
            read_all(events_mixed),
            len(events_mixed),
        ),
        (
            "contractgate is_valid()",
            loop(iv, events_valid),
            len(events_valid),
            loop(iv, events_mixed),
            len(events_mixed),
        ),
        (
            "contractgate validate_many()",
            many(events_valid),
            len(events_valid),
            many(events_mixed),
            len(events_mixed),
        ),
        (
            "contractgate reference closures",
            loop(rv, events_valid),
            len(events_valid),
            loop(rv, events_mixed),
            len(events_mixed),
        ),
        (
            "fastjsonschema (first error)",
            fjs_loop(events_valid),
            len(events_valid),
            fjs_loop(events_mixed),
            len(events_mixed),
        ),
        (
            "jsonschema 2020-12 (all errors)",
            js_loop(js_valid),
            len(js_valid),
            js_loop(js_mixed),
            len(js_mixed),
        ),
    ]
    rows.extend(peers(events_valid, events_mixed) if label.startswith("user_events") else [])
    print(f"  {'engine':34s} {'valid ev/s':>14s} {'mixed ev/s':>14s}")
    res: Dict[str, float] = {}
    valid = rates([(r[1], r[2]) for r in rows], min_s)
    mixed_ = rates([(r[3], r[4]) for r in rows], min_s)
    for (name, *_), a, b in zip(rows, valid, mixed_):
        res[name + " valid"] = a
        res[name + " mixed"] = b
        print(f"  {name:34s} {a:14,.0f} {b:14,.0f}")
    ratio = res["contractgate validate() mixed"] / res["fastjsonschema (first error) mixed"]
    print(f"  validate() mixed / fastjsonschema mixed = {ratio:.2f}x")
    for peer in ("msgspec convert (first error)", "pydantic v2 (all errors)"):
        if peer + " mixed" in res:
            r = res["contractgate validate() mixed"] / res[peer + " mixed"]
            print(f"  validate() mixed / {peer} mixed = {r:.2f}x")
    return res


# --------------------------------------------------------------------------------------
# msgspec and pydantic: the user_events contract as a constrained model


def user_events_models() -> Tuple[Any, Any]:
    """``(msgspec Struct, pydantic model)`` equivalent to contracts/user_events/1.1.0.yaml
    on these workloads (strict types: a string is never an integer)."""
    from typing import Literal, Optional

    import msgspec
    import pydantic
    from typing_extensions import Annotated

    # Built at run time (this module's annotations are strings).
    event_type = Literal["login", "purchase", "click"]
    UserEvent = msgspec.defstruct(
        "UserEvent",
        [
            ("user_id", Annotated[str, msgspec.Meta(pattern="^[a-z0-9_]+$")]),
            ("event_type", event_type),
            ("timestamp", int),
            ("amount", Optional[Annotated[float, msgspec.Meta(ge=0)]], None),
            ("email", Optional[str], None),
        ],
    )
    UserEventModel = pydantic.create_model(
        "UserEventModel",
        __config__=pydantic.ConfigDict(strict=True),
        user_id=(Annotated[str, pydantic.Field(pattern="^[a-z0-9_]+$")], ...),
        event_type=(event_type, ...),
        timestamp=(int, ...),
        amount=(Optional[Annotated[float, pydantic.Field(ge=0)]], None),
        email=(Optional[str], None),
    )
    return UserEvent, UserEventModel


def peers(
    events_valid: List[Any], events_mixed: List[Any]
) -> List[Tuple[str, Callable[[], None], int, Callable[[], None], int]]:
    """msgspec ``convert`` and pydantic ``model_validate`` rows on dicts (if installed)."""
    try:
        import msgspec
        import pydantic
    except ImportError:
        print("  (msgspec / pydantic not installed: pip install -e '.[bench]')")
        return []
    struct, model = user_events_models()
    convert, ms_error = msgspec.convert, msgspec.ValidationError
    validate, pd_error = model.model_validate, pydantic.ValidationError

    def ms_loop(evs: List[Any]) -> Callable[[], None]:
        def run() -> None:
            for e in evs:
                try:
                    convert(e, struct)
                except ms_error:
                    pass

        return run

    def pd_loop(evs: List[Any]) -> Callable[[], None]:
        def run() -> None:
            for e in evs:
                try:
                    validate(e)
                except pd_error:
                    pass

        return run

    return [
        ("msgspec convert (first error)", ms_loop(events_valid), len(events_valid),
         ms_loop(events_mixed), len(events_mixed)),
        ("pydantic v2 (all errors)", pd_loop(events_valid), len(events_valid),
         pd_loop(events_mixed), len(events_mixed)),
    ]


def bench_raw_json(events_valid: List[Any], events_mixed: List[Any], min_s: float) -> None:
    """user_events as raw JSON texts (one ``bytes`` per event): ``validate_json()`` with
    msgspec (``contractgate[fast]``) and without, msgspec decoding into the constrained
    Struct, pydantic's ``model_validate_json``, and msgspec's untyped decode (with the
    float hook ``validate_json`` uses) and orjson alone for scale."""
    import json

    from contractgate._validation.values import jsondecode

    compiled = Contract.from_file(USER_EVENTS).compile()
    valid = [json.dumps(e).encode() for e in events_valid]
    mixed_ = [json.dumps(e).encode() for e in events_mixed]
    native = jsondecode.load_native()  # skip the warm-up: a long run is past it at once
    exact_loads = jsondecode._exact_loads
    vj = compiled.validate_json
    gen = compiled.validate

    def loop(fn: Callable[[Any], Any], texts: List[bytes]) -> Callable[[], None]:
        def run() -> None:
            for t in texts:
                fn(t)

        return run

    def exact(t: bytes) -> Any:
        return gen(exact_loads(t))

    rows: List[Tuple[str, Callable[[Any], Any]]] = []
    if native is not False:
        rows.append(("contractgate validate_json() + msgspec", vj))
    rows.append(("contractgate validate_json(), exact", exact))
    try:
        import msgspec
        import pydantic
    except ImportError:
        print("  (msgspec / pydantic not installed: pip install -e '.[bench]')")
    else:
        struct, model = user_events_models()
        decode, ms_error = msgspec.json.Decoder(struct).decode, msgspec.ValidationError
        validate_json, pd_error = model.model_validate_json, pydantic.ValidationError

        def ms(t: bytes) -> None:
            try:
                decode(t)
            except ms_error:
                pass

        def pd(t: bytes) -> None:
            try:
                validate_json(t)
            except pd_error:
                pass

        rows += [("msgspec json decode into Struct", ms), ("pydantic model_validate_json", pd)]
        verdicts = {
            "msgspec": [_ok(lambda t: decode(t), ms_error, t) for t in mixed_],
            "pydantic": [_ok(lambda t: validate_json(t), pd_error, t) for t in mixed_],
        }
        base = [vj(t).passed for t in mixed_]
        for name, got in verdicts.items():
            if got != base:
                print(f"  WARNING: {name} disagrees on {sum(a != b for a, b in zip(got, base))}")
    if native is not False:
        rows.append(("msgspec decode + float hook alone", native))
    try:
        import orjson
    except ImportError:
        pass
    else:
        rows.append(("orjson.loads alone (no validation)", orjson.loads))
    print(f"\n== user_events 1.1.0 as raw JSON ({len(mixed_[0])}-byte texts; bytes in)")
    print(f"  {'engine':40s} {'valid ev/s':>12s} {'mixed ev/s':>12s}")
    a = rates([(loop(fn, valid), len(valid)) for _, fn in rows], min_s)
    b = rates([(loop(fn, mixed_), len(mixed_)) for _, fn in rows], min_s)
    res = {}
    for (name, _), x, y in zip(rows, a, b):
        res[name] = y
        print(f"  {name:40s} {x:12,.0f} {y:12,.0f}")
    head = "contractgate validate_json() + msgspec"
    for peer in ("msgspec json decode into Struct", "pydantic model_validate_json"):
        if head in res and peer in res:
            print(f"  validate_json() mixed / {peer} mixed = {res[head] / res[peer]:.2f}x")


def _ok(fn: Callable[[Any], Any], error: Any, t: Any) -> bool:
    try:
        fn(t)
    except error:
        return False
    return True


# --------------------------------------------------------------------------------------
# Compile time and import time


def hundred_field_yaml(salt: str) -> str:
    lines = ['version: "1.0.0"', f"name: hundred_{salt}", "ontology:", "  entities:"]
    kinds = ["string", "integer", "float", "boolean", "date"]
    for i in range(100):
        t = kinds[i % 5]
        f = f"    - {{name: f{i:03d}, type: {t}, required: {str(i % 3 != 0).lower()}"
        if t == "string" and i % 10 == 0:
            f += f', pattern: "^{salt}{i}_[a-z0-9]+$", max_length: 64'
        elif t == "string":
            f += ", enum: [alpha, beta, gamma]"
        elif t in ("integer", "float"):
            f += ", min: 0, max: 1000"
        lines.append(f + "}")
    lines.append("    - name: nested")
    lines.append("      type: object")
    lines.append("      properties:")
    lines.append('        - {name: a, type: string, pattern: "^[A-Z]+$"}')
    lines.append("        - {name: b, type: array, items: {name: x, type: integer, min: 0}}")
    return "\n".join(lines) + "\n"


def compile_times() -> None:
    import contractgate._validation.regex  # noqa: F401  (imported lazily by the first compile; timed below)

    cold: List[float] = []
    warm: List[float] = []
    gen_only: List[float] = []
    for k in range(7):
        c = Contract.from_yaml(hundred_field_yaml(f"p{k}x"))  # fresh patterns: regex cache cold
        t0 = time.perf_counter()
        cc = c.compile()
        cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        c.compile()
        warm.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        c.compile(reference=True)
        gen_only.append(time.perf_counter() - t0)
    lines = len(cc.source.splitlines()) if cc.source else 0
    print(f"\n== compile time, 101-field contract ({lines} lines of generated source)")
    print(
        f"  Contract.compile(), regexes cold: median {statistics.median(cold) * 1e3:6.2f} ms  (max {max(cold) * 1e3:.2f} ms)"
    )
    print(f"  Contract.compile(), regexes warm: median {statistics.median(warm) * 1e3:6.2f} ms")
    print(
        f"  of which code generation + exec:  ~{(statistics.median(warm) - statistics.median(gen_only)) * 1e3:6.2f} ms"
    )
    wide_compile_times()


def wide_compile_times() -> None:
    """Compile time of very wide contracts (n optional string fields with a pattern and
    a length bound, every fifth an integer with bounds) against fastjsonschema's code
    generation for the equivalent schema: both write one function, so both grow with n;
    the ratio should not."""
    import fastjsonschema

    print("\n== compile time of wide contracts (CPU s; fastjsonschema: the equivalent schema)")
    print(f"  {'fields':>7}  {'contractgate':>12}  {'fastjsonschema':>14}  {'ratio':>6}")
    for n in (1_000, 10_000):
        entities: List[Dict[str, Any]] = []
        props: Dict[str, Any] = {}
        for i in range(n):
            name = f"f{i}"
            if i % 5 == 4:
                entities.append({"name": name, "type": "integer", "required": False,
                                 "min": 0, "max": 1000})  # fmt: skip
                props[name] = {"type": "integer", "minimum": 0, "maximum": 1000}
            else:
                entities.append({"name": name, "type": "string", "required": False,
                                 "pattern": "^[a-z]+$", "max_length": 64})  # fmt: skip
                props[name] = {"type": "string", "pattern": "^[a-z]+$", "maxLength": 64}
        contract = Contract.from_dict(
            {"version": "1.0.0", "name": f"wide_{n}", "ontology": {"entities": entities}}
        )
        t0 = time.process_time()
        compiled = contract.compile()
        ours = time.process_time() - t0
        t0 = time.process_time()
        fjs = fastjsonschema.compile({"$schema": D7, "type": "object", "properties": props})
        peer = time.process_time() - t0
        assert compiled.validate({"f0": "abc"}).passed and fjs({"f0": "abc"})
        print(f"  {n:>7,}  {ours:>12.2f}  {peer:>14.2f}  {ours / peer:>6.2f}")


def import_times() -> None:
    """Import time in fresh processes, with the package's bytecode cached (as after
    ``pip install``, which compiles it) and without (every module compiled from source:
    what a machine with ``PYTHONDONTWRITEBYTECODE=1`` and no cache sees each time). The
    cache goes to a temporary ``PYTHONPYCACHEPREFIX``, so the tree stays clean."""
    import tempfile

    code = (
        "import sys, time; t=time.perf_counter(); import contractgate; "
        "from contractgate import Contract, CompiledContract; t1=time.perf_counter(); "
        "print(t1-t, 'httpx' in sys.modules)"
    )
    code2 = (
        "import time, contractgate; t=time.perf_counter(); import contractgate._validation.regex; "
        "print(time.perf_counter()-t)"
    )

    def run(src: str, env: Dict[str, str], n: int) -> Tuple[List[float], bool]:
        samples, httpx = [], False
        for _ in range(n):
            out = subprocess.run(
                [sys.executable, "-c", src], capture_output=True, text=True, env=env, check=True
            )
            parts = out.stdout.split()
            samples.append(float(parts[0]))
            httpx = httpx or parts[1:] == ["True"]
        return samples, httpx

    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base["PYTHONPATH"] = str(ROOT / "src")
    print("\n== import time (fresh process each; median of 7)")
    with tempfile.TemporaryDirectory() as warm_dir, tempfile.TemporaryDirectory() as cold_dir:
        warm = dict(base, PYTHONPYCACHEPREFIX=warm_dir)
        run(code, warm, 1)  # writes the cache
        run(code2, warm, 1)
        cold = dict(base, PYTHONPYCACHEPREFIX=cold_dir, PYTHONDONTWRITEBYTECODE="1")
        for label, env in (("bytecode cached", warm), ("no bytecode cache", cold)):
            samples, httpx = run(code, env, 7)
            regex, _ = run(code2, env, 5)
            print(
                f"  {label:18s} import contractgate + Contract, CompiledContract: "
                f"{statistics.median(samples) * 1e3:6.1f} ms (min {min(samples) * 1e3:.1f}); "
                f"httpx imported: {httpx}; + contractgate._validation.regex (first contract with a "
                f"pattern): {statistics.median(regex) * 1e3:.1f} ms"
            )


def machine() -> None:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    from importlib.metadata import version

    import fastjsonschema

    print(
        f"python {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}"
    )
    print(f"cpu: {cpu}; {os.cpu_count()} logical CPUs; load average {load}")
    extra = []
    for dist in ("orjson", "msgspec", "pydantic"):
        try:
            extra.append(f"{dist} {version(dist)}")
        except Exception:
            extra.append(f"{dist} (not installed)")
    print(
        f"fastjsonschema {fastjsonschema.VERSION}, jsonschema {version('jsonschema')}, "
        + ", ".join(extra)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="shorter timing rounds")
    ap.add_argument("--no-machine", action="store_true", help="skip the machine header")
    args = ap.parse_args()
    min_s = 0.5 if args.quick else 2.0
    if not args.no_machine:
        machine()
    rng = random.Random(20261122)
    n = 3000
    ue_valid = [user_events_valid(rng) for _ in range(n)]
    ue_mixed = mixed(user_events_valid, _USER_EVENTS_BREAKS, rng, n)
    bench_contract(
        "user_events 1.1.0", USER_EVENTS, USER_EVENTS_SCHEMA, ue_valid, ue_mixed, min_s, 600
    )
    bench_raw_json(ue_valid, ue_mixed, min_s)
    wide_v = [wide_valid(rng) for _ in range(1000)]
    wide_m = mixed(wide_valid, _WIDE_BREAKS, rng, 1000)
    wide_m = copy.deepcopy(wide_m)
    bench_contract(
        "wide_events (bench/wide_events.yaml)", WIDE, WIDE_SCHEMA, wide_v, wide_m, min_s, 200
    )
    compile_times()
    import_times()


if __name__ == "__main__":
    main()
