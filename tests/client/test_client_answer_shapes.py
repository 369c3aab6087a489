"""How every read path turns a 2xx answer of the wrong shape into ``InvalidResponseError``,
served for real by a loopback HTTP server. Every test runs once per client kind.

Reading stays tolerant where the spec (gateway-api.md §9.2) and ``_wire`` say so: extra
keys are kept in ``raw``, a missing key or a value of another JSON type reads as the
field's default. What a model cannot hold without making a value up is an error naming
the field and what it held:

* a number where a count belongs that is not an integer (``1.5`` was read as 1 in
  ``Usage.limit`` and ``ReplayResult.violation_count``, as 0 in every other count), or
  that no double holds (``1e999`` was read as 0, or raised an unnamed ``OverflowError``);
* a number beyond a double where a fraction belongs (``pass_rate``/``pct`` were ``inf``,
  or an unnamed ``OverflowError`` for a 400-digit integer);
* an array item that is not an object (silently dropped: ``audit(limit=3)`` returned 2
  rows of 3, ``replay`` fewer results than ids);
* a violation that is not an object with string ``field``/``message``/``kind``
  (``{"field": null}`` was read as a field named ``"None"``; an envelope
  ``record_index`` of ``"x"`` raised an unnamed ``ValueError``, ``1.5`` was read as 1);
* a rejection body (deprecated pin) whose results cannot be read: the error used to be
  raised with results that raised ``OverflowError`` (or held a made-up ``index``) when
  read later; now the call itself raises ``InvalidResponseError``.
"""

from __future__ import annotations

import json
import math
from typing import Any, Awaitable, Callable, Dict, List, Tuple, Union

import pytest
from cg_client_testlib import API_KEY, LoopbackServer

import contractgate.exceptions as E
from contractgate.models import (
    AuditEntry,
    ContractResponse,
    ContractSummary,
    IngestionStats,
    QuarantineEntry,
    ReplayResponse,
    Usage,
)

CID = "3f2b8c1e-5d4a-4e7b-9a61-2c8d0f1e7a93"
V = {"field": "user_id", "message": "no match", "kind": "pattern_mismatch"}

Body = Union[str, bytes, Any]
Call = Callable[[Any], Awaitable[Any]]


@pytest.fixture
def api(server: LoopbackServer, make_api: Any) -> Any:
    return make_api(base_url=f"http://127.0.0.1:{server.port}", api_key=API_KEY, max_retries=0)


def _serve(server: LoopbackServer, path: str, body: Body, status: int = 200) -> None:
    if isinstance(body, str):
        raw = body.encode()
    elif isinstance(body, bytes):
        raw = body
    else:  # float("inf") as a JSON number the stdlib reads as inf (not the NaN-style token)
        raw = json.dumps(body).replace("Infinity", "1e999").encode()
    server.routes[path] = (status, {}, raw)


async def _invalid(api: Any, call: Call, *fragments: str) -> E.InvalidResponseError:
    """The call raises InvalidResponseError whose message holds every fragment, not the
    key; it was not retried."""
    with pytest.raises(E.InvalidResponseError) as ei:
        await call(api)
    message = str(ei.value)
    for fragment in fragments:
        assert fragment in message, message
    assert API_KEY not in message and API_KEY not in repr(ei.value)
    return ei.value


# The read paths: (path served, call, a well-formed answer).
ROUTES: Dict[str, Tuple[str, Call]] = {
    "stats": ("/stats", lambda a: a.stats()),
    "contract_stats": (f"/ingest/{CID}/stats", lambda a: a.contract_stats(CID)),
    "usage": ("/usage", lambda a: a.usage()),
    "health": ("/health", lambda a: a.health()),
    "ready": ("/ready", lambda a: a.ready()),
    "get_contract": (f"/contracts/{CID}", lambda a: a.get_contract(CID)),
    "get_version": (f"/contracts/{CID}/versions/1.0.0", lambda a: a.get_version(CID, "1.0.0")),
    "latest_stable": (f"/contracts/{CID}/versions/latest-stable",
                      lambda a: a.get_latest_stable(CID)),
    "contract_version": (f"/v1/contracts/{CID}/version",
                         lambda a: a.get_contract_version(CID)),
    "list_contracts": ("/contracts", lambda a: a.list_contracts()),
    "list_versions": (f"/contracts/{CID}/versions", lambda a: a.list_versions(CID)),
    "audit": ("/audit", lambda a: a.audit(limit=3)),
    "iter_audit": ("/audit", lambda a: a.rows("audit", page_size=3)),
    "quarantine": ("/quarantine", lambda a: a.quarantine(limit=3)),
    "iter_quarantine": ("/quarantine", lambda a: a.rows("quarantine", page_size=3)),
    "replay": (f"/contracts/{CID}/quarantine/replay", lambda a: a.replay(CID, ["a", "b"])),
    "replay_history": (f"/contracts/{CID}/quarantine/q1/replay-history",
                       lambda a: a.replay_history(CID, "q1")),
    "replay_events": ("/quarantine/replay", lambda a: a.replay_events(["e1"])),
    "event_replay_history": ("/quarantine/replay-history",
                             lambda a: a.event_replay_history("e1")),
    "playground": ("/playground/validate", lambda a: a.playground_validate("y", {"a": 1})),
    "egress": (f"/egress/{CID}", lambda a: a.egress(CID, [{"a": 1}])),
    "envelope": (f"/ingest/{CID}", lambda a: a.ingest_envelope(CID, {"records": []})),
    "ingest": (f"/v1/ingest/{CID}", lambda a: a.ingest(CID, [{"a": 1}])),
    "ingest_legacy": (f"/ingest/{CID}", lambda a: a.ingest(CID, [{"a": 1}], route="legacy")),
}  # fmt: skip

OBJECT_ROUTES = ["stats", "contract_stats", "usage", "health", "ready", "get_contract",
                 "get_version", "latest_stable", "contract_version", "replay", "replay_events",
                 "playground", "egress", "envelope", "ingest", "ingest_legacy"]  # fmt: skip
ARRAY_ROUTES = ["list_contracts", "list_versions", "audit", "iter_audit", "quarantine",
                "iter_quarantine", "replay_history", "event_replay_history"]  # fmt: skip


def _route(name: str) -> Tuple[str, Call]:
    return ROUTES[name]


# ------------------------------------------------------------------ whole-body shapes


WRONG_BODIES: List[Tuple[Body, str]] = [
    (b"", "not valid JSON"),
    (b"\xff\xfe\x80{", "not valid JSON"),
    ("[" * 5000 + "]" * 5000, "nested too deeply"),
    ('{"a": NaN}', "NaN is not a JSON value"),
    ("null", "expected a JSON"),
    ("7", "expected a JSON"),
    ('"x"', "expected a JSON"),
]


@pytest.mark.parametrize("route", OBJECT_ROUTES + ARRAY_ROUTES)
async def test_a_body_of_the_wrong_kind_is_an_invalid_response(
    api: Any, server: LoopbackServer, route: str
) -> None:
    """Empty, not UTF-8, nested too deeply, NaN, a JSON scalar: on every read path."""
    path, call = _route(route)
    for body, fragment in WRONG_BODIES:
        _serve(server, path, body)
        if route in ("ingest", "ingest_legacy") and fragment == "expected a JSON":
            fragment = "not an ingest batch answer"
        await _invalid(api, call, fragment)


@pytest.mark.parametrize("route", OBJECT_ROUTES)
async def test_an_array_where_an_object_belongs_is_an_invalid_response(
    api: Any, server: LoopbackServer, route: str
) -> None:
    path, call = _route(route)
    _serve(server, path, [{"status": "ok"}])
    await _invalid(api, call)


@pytest.mark.parametrize("route", ARRAY_ROUTES)
async def test_an_object_where_an_array_belongs_is_an_invalid_response(
    api: Any, server: LoopbackServer, route: str
) -> None:
    path, call = _route(route)
    _serve(server, path, {"items": []})
    await _invalid(api, call, "expected a JSON array, got dict")


# ------------------------------------------------------------------ counts and fractions

COUNT_CASES = [
    ("stats", {"total_events": 1.5}, "'total_events' is the number 1.5, not an integer"),
    ("stats", '{"passed_events": 1e999}', "'passed_events' is a number beyond a double"),
    ("contract_stats", {"p99_validation_us": 2.5}, "'p99_validation_us' is the number 2.5"),
    ("usage", {"limit": 1.5}, "'limit' is the number 1.5, not an integer"),
    ("usage", '{"remaining": 1e999}', "'remaining' is a number beyond a double"),
    ("usage", {"used": -0.5}, "'used' is the number -0.5"),
    ("get_contract", {"id": "c", "name": "n", "version_count": 2.5},
     "'version_count' is the number 2.5"),
    ("list_contracts", [{"id": "c", "name": "n"}, {"id": "d", "name": "m", "version_count": 0.1}],
     "item 1: 'version_count' is the number 0.1"),
    ("audit", [{"id": "a", "contract_id": "c", "violation_count": 3.5}],
     "item 0: 'violation_count' is the number 3.5"),
    ("iter_quarantine", [{"id": "a", "contract_id": "c", "replay_count": 1e999}],
     "item 0: 'replay_count' is a number beyond a double"),
    ("replay", {"total": 2.5, "results": []}, "'total' is the number 2.5"),
    ("replay", {"total": 1, "results": [{"quarantine_id": "a", "outcome": "still_quarantined",
                                         "violation_count": 1.5}]},
     "'results' item 0: 'violation_count' is the number 1.5"),
    ("replay_history", [{"kind": "source", "id": "q", "violation_count": 1.5}],
     "item 0: 'violation_count' is the number 1.5"),
    ("replay_events", {"replayed": 0.5, "outcomes": []}, "'replayed' is the number 0.5"),
    ("playground", {"passed": True, "validation_us": 2.5}, "'validation_us' is the number 2.5"),
    ("egress", {"total": 1, "passed": 1, "failed": 0, "outcomes": [
        {"index": 0.5, "passed": True}]}, "'outcomes' item 0: 'index' is the number 0.5"),
    ("egress", {"total": 1.5, "passed": 1, "failed": 0, "outcomes": []},
     "'total' is the number 1.5"),
    ("envelope", {"passed": 1.5, "quarantined": 0}, "'passed' is the number 1.5"),
]  # fmt: skip


@pytest.mark.parametrize(("route", "body", "named"), COUNT_CASES)
async def test_a_count_that_is_not_an_integer_is_an_invalid_response(
    api: Any, server: LoopbackServer, route: str, body: Body, named: str
) -> None:
    """Was read as 0 (or truncated to 1 in ``Usage.limit``/``remaining`` and
    ``violation_count``), and ``1e999`` as 0 or an unnamed OverflowError."""
    path, call = _route(route)
    _serve(server, path, body)
    err = await _invalid(api, call, named)
    assert err.status_code == 200 and not err.transient
    if "beyond a double" in named:  # as for any number too large (hostile answers, item 8)
        assert isinstance(err.__cause__, OverflowError)


async def test_the_message_names_the_route_the_field_and_the_value(
    api: Any, server: LoopbackServer
) -> None:
    _serve(server, "/stats", {"total_events": 1.5})
    err = await _invalid(api, lambda a: a.stats())
    assert str(err) == (
        "unexpected answer from GET /stats (HTTP 200): it cannot be read "
        "('total_events' is the number 1.5, not an integer)"
    )
    assert isinstance(err.__cause__, ValueError) and err.body == {"total_events": 1.5}


BIG = "1" + "0" * 400

FRACTION_CASES = [
    ("stats", '{"pass_rate": 1e999}', "'pass_rate' is a number beyond a double"),
    ("stats", f'{{"avg_validation_us": {BIG}}}', "'avg_validation_us' is a number beyond a"),
    ("usage", '{"pct": 1e999}', "'pct' is a number beyond a double"),
    ("usage", f'{{"pct": -{BIG}}}', "'pct' is a number beyond a double"),
]  # fmt: skip


@pytest.mark.parametrize(("route", "body", "named"), FRACTION_CASES)
async def test_a_fraction_beyond_a_double_is_an_invalid_response(
    api: Any, server: LoopbackServer, route: str, body: str, named: str
) -> None:
    """``1e999`` was held as ``inf``; a 400-digit integer raised an OverflowError whose
    message named no field."""
    path, call = _route(route)
    _serve(server, path, body)
    await _invalid(api, call, named)


async def test_what_the_spec_allows_in_counts_and_fractions_is_read(
    api: Any, server: LoopbackServer
) -> None:
    _serve(server, "/stats", {"total_events": 3.0, "passed_events": 2, "failed_events": 1,
                              "pass_rate": 1, "avg_validation_us": 12.25,
                              "new_key": [1]})  # fmt: skip
    stats = await api.stats()
    assert stats == IngestionStats(total_events=3, passed_events=2, failed_events=1,
                                   pass_rate=1.0, avg_validation_us=12.25)  # fmt: skip
    assert type(stats.total_events) is int and type(stats.pass_rate) is float
    assert stats.raw["new_key"] == [1]
    _serve(server, "/usage", {"plan": "growth", "used": 10, "limit": None, "remaining": None,
                              "pct": None, "unlimited": True})  # fmt: skip
    usage = await api.usage()
    assert usage == Usage(plan="growth", used=10, unlimited=True)
    _serve(server, "/usage", {"used": 5, "limit": 10.0, "remaining": 5, "pct": 50})
    usage = await api.usage()
    assert (usage.limit, usage.remaining, usage.pct) == (10, 5, 50.0)
    assert type(usage.limit) is int and type(usage.pct) is float


async def test_a_value_of_another_json_type_still_reads_as_the_default(
    api: Any, server: LoopbackServer
) -> None:
    """The documented tolerance (spec §9.2, ``_wire``): never a value of the wrong type."""
    _serve(server, "/stats", {"total_events": "x", "passed_events": True, "failed_events": None,
                              "pass_rate": "0.5", "p50_validation_us": [1]})  # fmt: skip
    stats = await api.stats()
    assert stats == IngestionStats()
    _serve(server, f"/contracts/{CID}", {"id": 5, "name": ["n"], "description": 3,
                                         "version_count": "2",
                                         "latest_stable_version": 1})  # fmt: skip
    c = await api.get_contract(CID)
    assert c == ContractResponse(id="", name="")
    _serve(server, "/usage", {"limit": "10", "pct": "5", "unlimited": "yes"})
    assert await api.usage() == Usage()


# ------------------------------------------------------------------ array items

ITEM_CASES = [
    ("list_contracts", [{"id": "a", "name": "n"}, 1, "x"], "item 1 is a number, not an object"),
    ("list_versions", [None, {"version": "1.0.0"}], "item 0 is null, not an object"),
    ("audit", [{"id": "a", "contract_id": "c"}, "row", {"id": "b", "contract_id": "c"}],
     "item 1 is a string, not an object"),
    ("iter_audit", [{"id": "a", "contract_id": "c"}, [], {"id": "b", "contract_id": "c"}],
     "item 1 is an array, not an object"),
    ("quarantine", [{"id": "a", "contract_id": "c"}, True, {"id": "b", "contract_id": "c"}],
     "item 1 is a boolean, not an object"),
    ("replay_history", [{"kind": "source", "id": "q"}, 2], "item 1 is a number, not an object"),
    ("event_replay_history", [[{"event_id": "e"}]], "item 0 is an array, not an object"),
    ("replay", {"total": 2, "results": [{"quarantine_id": "a", "outcome": "not_found"}, 7]},
     "'results' item 1 is a number, not an object"),
    ("replay_events", {"replayed": 0, "outcomes": ["e1"]},
     "'outcomes' item 0 is a string, not an object"),
    ("egress", {"total": 1, "passed": 1, "failed": 0, "outcomes": [None]},
     "'outcomes' item 0 is null, not an object"),
]  # fmt: skip


@pytest.mark.parametrize(("route", "body", "named"), ITEM_CASES)
async def test_an_array_item_that_is_not_an_object_is_an_invalid_response(
    api: Any, server: LoopbackServer, route: str, body: Any, named: str
) -> None:
    """Such an item was dropped: ``audit(limit=3)`` returned 2 rows and, the page being
    short, a pager stopped there; ``replay`` returned fewer results than ids."""
    path, call = _route(route)
    _serve(server, path, body)
    await _invalid(api, call, named)


async def test_rows_of_the_right_shape_are_all_read(api: Any, server: LoopbackServer) -> None:
    rows = [{"id": f"r{i}", "contract_id": "c", "extra": {"x": [i]}} for i in range(3)]
    _serve(server, "/audit", rows)
    got = await api.audit(limit=3)
    assert [r.id for r in got] == ["r0", "r1", "r2"] and all(isinstance(r, AuditEntry) for r in got)
    _serve(server, "/contracts", [{"id": "a", "name": "n", "version_count": 2}])
    assert await api.list_contracts() == [ContractSummary(id="a", name="n", version_count=2)]
    _serve(server, f"/contracts/{CID}/quarantine/replay",
           {"total": 1, "replayed": 1, "results": [{"quarantine_id": "a", "outcome": "replayed",
                                                    "future_field": 1}]})  # fmt: skip
    res = await api.replay(CID, ["a"])
    assert isinstance(res, ReplayResponse) and res.results[0].outcome == "replayed"


# ------------------------------------------------------------------ violations

VIOLATION_CASES = [
    ("playground", {"passed": False, "violations": [{"field": None, "message": "m", "kind": "k"}]},
     "'violations' item 0 has 'field' null, not a string"),
    ("playground", {"passed": False, "violations": [V, 1]},
     "'violations' item 1 is a number, not an object"),
    ("playground", {"passed": False, "violations": "zzz"},
     "'violations' is a string, not an array of violations"),
    ("playground", {"passed": False, "violations": [{"field": "f", "message": 5, "kind": "k"}]},
     "'violations' item 0 has 'message' a number, not a string"),
    ("playground", {"passed": False, "violations": [{"field": "f", "message": "m"}]},
     "'violations' item 0 has 'kind' missing, not a string"),
    ("egress", {"total": 1, "passed": 0, "failed": 1, "outcomes": [
        {"index": 0, "passed": False, "violations": [{"field": "f", "message": "m", "kind": []}]}]},
     "'outcomes' item 0: 'violations' item 0 has 'kind' an array, not a string"),
    ("replay", {"total": 1, "results": [{"quarantine_id": "a", "outcome": "still_quarantined",
                                         "violations": [["f"]]}]},
     "'results' item 0: 'violations' item 0 is an array, not an object"),
    ("replay_events", {"replayed": 0, "outcomes": [{"event_id": "e", "violations": [{}]}]},
     "'outcomes' item 0: 'violations' item 0 has 'field' missing, not a string"),
    ("event_replay_history", [{"event_id": "e", "violations": None}],
     "item 0: 'violations' is null, not an array of violations"),
    ("envelope", {"passed": 0, "quarantined": 1, "violations": [{**V, "record_index": "x"}]},
     "'violations' item 0 has 'record_index' a string, not an integer"),
    ("envelope", {"passed": 0, "quarantined": 1, "violations": [{**V, "record_index": 1.5}]},
     "'violations' item 0: 'record_index' is the number 1.5, not an integer"),
    ("envelope", {"passed": 0, "quarantined": 1, "violations": [{**V, "record_index": None}]},
     "'violations' item 0 has 'record_index' null, not an integer"),
    ("envelope", {"passed": 0, "quarantined": 1,
                  "violations": [{"record_index": 0, "field": None, "message": "m", "kind": "k"}]},
     "'violations' item 0 has 'field' null, not a string"),
]  # fmt: skip


@pytest.mark.parametrize(("route", "body", "named"), VIOLATION_CASES)
async def test_a_violation_of_the_wrong_shape_is_an_invalid_response(
    api: Any, server: LoopbackServer, route: str, body: Any, named: str
) -> None:
    """The rule ``ingest`` already applies to its results' violations: a field ``null``
    was read as the field named ``"None"``, a number as its digits, a non-object item was
    dropped, and an envelope ``record_index`` of ``"x"``/``null`` raised an unnamed
    ValueError/TypeError (``1.5`` was read as 1)."""
    path, call = _route(route)
    _serve(server, path, body)
    await _invalid(api, call, named)


async def test_violations_of_the_right_shape_are_read(api: Any, server: LoopbackServer) -> None:
    _serve(server, "/playground/validate",
           {"passed": False, "violations": [{**V, "extra": None}, {**V, "kind": "new_kind"}],
            "validation_us": 4, "transformed_event": {"a": 1}})  # fmt: skip
    res = await api.playground_validate("y", {"a": 1})
    assert [(v.field, str(v.kind)) for v in res.violations] == [
        ("user_id", "pattern_mismatch"), ("user_id", "new_kind")]  # fmt: skip
    assert res["passed"] is False and res.validation_us == 4
    _serve(server, "/playground/validate", {"passed": True})
    assert (await api.playground_validate("y", {})).violations == []
    _serve(server, f"/ingest/{CID}",
           {"passed": 1, "quarantined": 1, "validation_us": 3,
            "violations": [{**V, "record_index": 2}, {**V, "record_index": 4.0}]})  # fmt: skip
    env = await api.ingest_envelope(CID, {"records": []})
    assert [v.record_index for v in env.violations] == [2, 4]
    assert all(type(v.record_index) is int for v in env.violations)


@pytest.mark.parametrize("route", ["audit", "quarantine"])
async def test_row_violations_are_only_the_items_of_the_violation_shape(
    api: Any, server: LoopbackServer, route: str
) -> None:
    """``violation_details`` holds other shapes on summary rows (spec §3.6): they were
    read as ``Violation(field='', kind='', message='')``; now they are no violations, and
    reading them never raises."""
    path, _ = _route(route)
    rows = [
        {"id": "a", "contract_id": "c", "violation_details": [V, {"field": 1}, 7]},
        {"id": "b", "contract_id": "c", "violation_details": [{"index": 0, "violations": [V]}]},
        {"id": "d", "contract_id": "c", "violation_details": [
            {"kind": "deprecated_contract_version", "batch_size": 2, "pinned_version": "1.0.0",
             "latest_stable": "1.1.0"}]},
        {"id": "e", "contract_id": "c", "violation_details": {"not": "a list"}},
    ]  # fmt: skip
    _serve(server, path, rows)
    got: List[Union[AuditEntry, QuarantineEntry]] = await api.call(route, limit=10)
    assert [len(r.violations) for r in got] == [1, 0, 0, 0]
    assert got[0].violations[0].field == "user_id"
    assert got[1].violation_details == rows[1]["violation_details"]  # kept as sent


# ------------------------------------------------------------------ rejection bodies


def _deprecated(route: str, result: Dict[str, Any]) -> Dict[str, Any]:
    batch = {"total": 1, "passed": 0, "failed": 1, "dry_run": False,
             "version_pin_source": "pinned_deprecated", "results": [result]}  # fmt: skip
    error = "Version 1.0.0 on contract c is deprecated; batch quarantined."
    if route == "ingest":
        return {"error": error, **batch}
    return {"error": error, "status": 422, "batch": batch}


@pytest.mark.parametrize("route", ["ingest", "ingest_legacy"])
@pytest.mark.parametrize(
    ("result", "named"),
    [
        ({"passed": False, "index": 1e999}, "'results' item 0: 'index' is a number beyond a"),
        ({"passed": False, "index": 0.5}, "'results' item 0: 'index' is the number 0.5"),
        ({"passed": False, "validation_us": 2.5}, "'results' item 0: 'validation_us' is the"),
    ],
    ids=["index-1e999", "index-fraction", "validation-us-fraction"],
)
async def test_a_rejection_whose_results_cannot_be_read_is_an_invalid_response(
    api: Any, server: LoopbackServer, route: str, result: Dict[str, Any], named: str
) -> None:
    """Was a ``DeprecatedVersionError`` whose ``result.results`` raised OverflowError when
    read (``index`` 1e999), or held a made-up ``index`` (0.5 read as 0)."""
    path, call = _route(route)
    _serve(server, path, _deprecated(route, result), status=422)
    err = await _invalid(api, call, named)
    assert err.status_code == 422


@pytest.mark.parametrize("route", ["ingest", "ingest_legacy"])
async def test_a_readable_rejection_keeps_its_error_and_results(
    api: Any, server: LoopbackServer, route: str
) -> None:
    path, call = _route(route)
    result = {"passed": False, "violations": [], "validation_us": 0, "forwarded": False,
              "contract_version": "1.0.0", "transformed_event": {"a": 1}, "index": 0}  # fmt: skip
    _serve(server, path, _deprecated(route, result), status=422)
    with pytest.raises(E.DeprecatedVersionError) as ei:
        await call(api)
    got = ei.value.result
    assert got is not None and got.total == 1 and [r.index for r in got.results] == [0]
    assert got.results[0].transformed_event == {"a": 1}


async def test_nothing_the_models_read_holds_a_non_finite_number(
    api: Any, server: LoopbackServer
) -> None:
    """Every number a model holds from an answer is finite (a property of the readers,
    checked on the two float-bearing models with every field sent)."""
    _serve(server, "/stats", {"total_events": 1, "passed_events": 1, "failed_events": 0,
                              "pass_rate": 1.0, "avg_validation_us": 0.5,
                              "p50_validation_us": 1, "p95_validation_us": 2,
                              "p99_validation_us": 3})  # fmt: skip
    stats = await api.stats()
    _serve(server, "/usage", {"used": 1, "limit": 2, "remaining": 1, "pct": 50.0})
    usage = await api.usage()
    for model in (stats, usage):
        for value in vars(model).values():
            if isinstance(value, float):
                assert math.isfinite(value)
