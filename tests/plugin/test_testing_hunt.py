"""``contractgate.testing`` as a demanding pytest user meets it: arguments of every shape,
raw JSON the gateway refuses, events from the outside world (terminal escapes, wide
characters, thousands of violations) and the verdicts of ``validate_batch``. The
helpers must agree with ``validate()`` and every failure must say what was wrong.

Defect tests (failed before the fix in ``contractgate/testing.py``) are marked
"Defect:" in their docstrings; the others pin behaviour down."""

from __future__ import annotations

import pickle
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, List

import pytest
import test_testing_helpers
from test_testing_helpers import BAD, GOOD, SIGNUP

from contractgate import Contract, testing
from contractgate._validation.violations import ViolationKind
from contractgate.testing import assert_invalid, assert_valid, explain, format_violations

#: Contract 'signup' 1.0.0 (email pattern, age >= 13, plan in {free, pro}).
signup = test_testing_helpers.signup

ORDERS = Path(__file__).resolve().parents[2] / "contracts" / "orders.yaml"

STRICT = """\
version: "1.0.0"
name: strict
compliance_mode: true
ontology:
  entities:
    - {name: id, type: string, pattern: "^[a-z]+$"}
"""

FRESH = """\
version: "1.0.0"
name: fresh
ontology:
  entities:
    - {name: ts, type: integer}
quality:
  - {field: ts, type: freshness, max_age_seconds: 60}
"""


@pytest.fixture(scope="module")
def strict() -> Any:
    return Contract.from_yaml(STRICT).compile()


@pytest.fixture(scope="module")
def orders() -> Any:
    return Contract.from_file(ORDERS).compile()


def _message(fn: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(AssertionError) as ei:
        fn(*args, **kwargs)
    return str(ei.value)


def _frames_outside_the_helpers(tb: Any) -> List[str]:
    """The files of the frames an exception passed through, other than this test file
    and ``contractgate/testing.py`` (what pytest would print as the package's insides)."""
    mine = {__file__, testing.__file__}
    return [f.filename for f in traceback.extract_tb(tb) if f.filename not in mine]


# ---------------------------------------------------------------------------- terminal safety


def test_terminal_escapes_from_event_keys_are_escaped_in_the_table(strict: Any) -> None:
    """Defect: an event key with an ANSI colour, a line break or a bidirectional control
    (compliance mode names each undeclared key) went raw into the failure message: the
    terminal coloured or reordered pytest's output and a line break split the row."""
    event = {"id": "ok", "\x1b[31mred": 1, "a\nb": 2, "x\u202ey": 3}
    text = format_violations(strict.validate(event).violations)
    assert "\x1b" not in text and "\u202e" not in text
    assert text.splitlines() == [
        "  \\u{1b}[31mred  undeclared_field  Field '\\u{1b}[31mred' is not declared in the "
        "contract ontology. Compliance mode rejects undeclared fields.",
        "  a\\u{a}b        undeclared_field  Field 'a\\u{a}b' is not declared in the contract "
        "ontology. Compliance mode rejects undeclared fields.",
        "  x\\u{202e}y     undeclared_field  Field 'x\\u{202e}y' is not declared in the "
        "contract ontology. Compliance mode rejects undeclared fields.",
    ]
    message = _message(assert_valid, strict, event)
    assert "\x1b" not in message and "\u202e" not in message
    assert len(message.splitlines()) == 1 + 3 + 1  # head, one row each, the event
    # the validator's own verdict is untouched
    assert strict.validate(event).violations[0].field == "\x1b[31mred"


def test_wide_and_combining_characters_keep_the_columns(strict: Any) -> None:
    """Defect: columns were padded by code points, so a key of CJK characters (two
    columns each) or with a combining accent (none) pushed its row out of line."""
    event = {"id": "ok", "日本語": 1, "e\u0301t\u00e9": 2, "abc": 3}
    rows = format_violations(strict.validate(event).violations, indent="").splitlines()
    # '日本語' takes 6 columns, 'e' + U+0301 + 'té' takes 3: padded to 6, then 2 spaces
    assert [row.split("undeclared_field")[0] for row in rows] == [
        "abc     ",
        "e\u0301t\u00e9     ",
        "日本語  ",
    ]


def test_thousands_of_violations_read_in_a_screenful(strict: Any) -> None:
    """Pins: the table of a failing helper stops at 50 rows and counts the rest."""
    event = {"id": "ok", **{f"k{i}": i for i in range(3000)}}
    lines = _message(assert_valid, strict, event).splitlines()
    assert lines[0] == "event fails contract 'strict' 1.0.0 with 3000 violations:"
    assert lines[51] == "  ... and 2950 more violations"
    assert len(lines) == 53 and len(lines[-1]) <= len("event: ") + 240


def test_only_names_a_bounded_number_of_the_other_violations(strict: Any) -> None:
    """Defect: with only=True the first line named every unexpected violation: 3000
    undeclared keys made a first line of about 70,000 characters."""
    event = {"id": "NOPE", **{f"k{i:04}": i for i in range(3000)}}
    first = _message(assert_invalid, strict, event, "pattern_mismatch", only=True).splitlines()[0]
    assert len(first) < 400, len(first)
    assert first.endswith(
        "3000 other violations (only=True): undeclared_field on 'k0000', undeclared_field "
        "on 'k0001', undeclared_field on 'k0002', undeclared_field on 'k0003', "
        "undeclared_field on 'k0004', ... (2995 more)"
    )


# ---------------------------------------------------------------------------- kinds and fields


def test_kinds_as_enum_members_and_fields_as_any_iterable(signup: Any) -> None:
    """Pins: a ViolationKind member, a set, a tuple, a generator and repeats all work."""
    assert_invalid(signup, BAD, kinds=ViolationKind.RANGE_VIOLATION)
    assert_invalid(signup, BAD, kinds=[ViolationKind.RANGE_VIOLATION, "pattern_mismatch"])
    assert_invalid(signup, BAD, fields={"age", "email"}, only=True)
    assert_invalid(signup, BAD, fields=("age", "age"))
    assert_invalid(signup, BAD, fields=(f for f in ["email"]))
    assert_invalid(signup, BAD, kinds=[], fields=[])  # nothing asked: fails is enough


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"kinds": b"range_violation"}, "kinds= takes a str or an iterable of str, got bytes"),
        ({"fields": b"age"}, "fields= takes a str or an iterable of str, got bytes"),
        ({"kinds": 3}, "kinds= takes a str or an iterable of str, got int"),
        ({"fields": ["age", None]}, "fields= takes str items, got NoneType None"),
        ({"fields": [("age",)]}, "fields= takes str items, got tuple ('age',)"),
        ({"kinds": [ViolationKind.RANGE_VIOLATION, 1]}, "kinds= takes str items, got int 1"),
    ],
)
def test_kinds_and_fields_of_another_type_are_refused_by_name(
    signup: Any, kwargs: Any, expected: str
) -> None:
    """Defect: bytes were iterated as integers ("unknown violation kind '114'"; fields
    '97', '103', '101' checked instead of 'age'), an int raised Python's own "'int'
    object is not iterable", and None was checked as the field 'None'."""
    with pytest.raises(TypeError) as ei:
        assert_invalid(signup, BAD, **kwargs)
    assert str(ei.value) == expected


def test_a_kind_in_upper_case_gets_its_suggestion(signup: Any) -> None:
    """Defect: 'RANGE_VIOLATION' (the enum member's name) got no did-you-mean."""
    with pytest.raises(ValueError, match="'RANGE_VIOLATION'; did you mean 'range_violation'"):
        assert_invalid(signup, BAD, kinds="RANGE_VIOLATION")


def test_a_missing_field_names_the_close_one(orders: Any) -> None:
    """Defect (message): a path written another way ('items.1.qty') was only "no
    violation on field ..."; it now names the violation's own path. ('items[*].qty'
    now stands for any element: test_testing_envelopes.py.)"""
    event = {
        "order_id": "ord_ABCDEFGH", "placed_on": "2024-01-01", "status": "paid",
        "customer": {"id": "abc"}, "total": 1,
        "items": [{"sku": "a", "qty": 1, "price": 1}, {"sku": "b", "qty": 0, "price": 1}],
    }  # fmt: skip
    assert_invalid(orders, event, "range_violation", "items[1].qty", only=True)
    assert_invalid(orders, event, fields="items[*].qty")
    for written in ("items.1.qty", "items[*]qty"):
        first = _message(assert_invalid, orders, event, fields=written).splitlines()[0]
        assert first.endswith(
            f"no violation on field {written!r} (there is one on 'items[1].qty')"
        ), first
    first = _message(assert_invalid, orders, event, fields="zzz").splitlines()[0]
    assert first.endswith("no violation on field 'zzz'")


# ------------------------------------------------------------------ raw JSON and odd events


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'\xef\xbb\xbf{"email": "a@b", "plan": "free"}', "expected value at line 1 column 1"),
        (b'{"email": "a\xff@b", "age": 13, "plan": "free"}', "invalid unicode code point"),
        (b'{"email": "a@b", "age": NaN, "plan": "free"}', "expected value at line 1 column 25"),
        (b"[" * 200 + b"]" * 200, "recursion limit exceeded at line 1 column 128"),
        (b"", "EOF while parsing a value at line 1 column 0"),
        (bytearray(b'{"email": "a@b",}'), "trailing comma"),
    ],
)  # fmt: skip
def test_raw_json_the_gateway_refuses_fails_the_assertion(
    signup: Any, raw: bytes, reason: str
) -> None:
    """Defect: an EventDecodeError raised from deep inside the JSON decoder (pytest
    printed the decoder's frames) without the event; now an AssertionError naming why,
    the contract and the bytes (a BOM shows as \\xef\\xbb\\xbf)."""
    for call in (
        lambda: assert_valid(signup, raw),
        lambda: assert_invalid(signup, raw, kinds="range_violation"),
    ):
        with pytest.raises(AssertionError) as ei:
            call()
        head, event_line = str(ei.value).splitlines()
        assert head.startswith("event is not JSON the gateway accepts (")
        assert reason in head and "so it never reaches contract 'signup' 1.0.0" in head
        assert event_line == "event (JSON): " + repr(bytes(raw))[:237] + (
            "..." if len(repr(bytes(raw))) > 240 else ""
        )
        assert _frames_outside_the_helpers(ei.tb) == []
    assert str(ei.value).splitlines()[0].endswith("expected it to fail (kind range_violation)")


def test_duplicate_keys_keep_the_last_value_as_the_gateway_does(signup: Any) -> None:
    """Pins: raw JSON with a repeated key is judged by its last value, like validate_json."""
    raw = b'{"email": "a@b", "age": 1, "age": 13, "plan": "free"}'
    assert assert_valid(signup, raw) == signup.validate_json(raw)
    raw = b'{"email": "a@b", "age": 13, "age": 1, "plan": "free"}'
    assert assert_invalid(signup, raw, "range_violation", "age", only=True) == (
        signup.validate_json(raw)
    )


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({**GOOD, "age": float("nan")}, "nan is not a JSON number"),
        ({**GOOD, "age": float("inf")}, "inf is not a JSON number"),
    ],
)
def test_an_event_with_no_json_form_fails_the_assertion(
    signup: Any, event: Any, reason: str
) -> None:
    """Defect: EventTypeError raised from the generated validator (pytest printed
    '<contractgate signup 1.0.0>:15: in validate ???' and the engine's frames)."""
    with pytest.raises(AssertionError) as ei:
        assert_valid(signup, event)
    head = str(ei.value).splitlines()[0]
    assert head.startswith(f"event has no JSON form ({reason}")
    assert head.endswith("so it never reaches contract 'signup' 1.0.0; expected it to pass")
    assert _frames_outside_the_helpers(ei.tb) == []
    with pytest.raises(AssertionError, match="has no JSON form"):
        assert_invalid(signup, event)


def test_a_str_event_is_a_json_string_and_the_message_says_so(signup: Any) -> None:
    """Defect (message): json.dumps(event) given to assert_valid failed with only
    "Event must be a JSON object"; the message now says how to pass raw JSON."""
    text = '{"email": "a@b", "age": 13, "plan": "free"}'
    lines = _message(assert_valid, signup, text).splitlines()
    assert lines[1] == "  <root>  type_mismatch  Event must be a JSON object"
    assert lines[-1] == (
        "(a str is one JSON string value; raw JSON text goes in as bytes: text.encode())"
    )
    assert_valid(signup, text.encode())  # the way the hint says


def test_a_wrong_now_is_refused_even_without_freshness_rules(signup: Any) -> None:
    """Defect: now='yesterday' passed silently on a contract without a freshness rule
    (the same test failed with an engine traceback once the contract gained one)."""
    with pytest.raises(TypeError, match=r"now must be Unix seconds .* not str: 'yesterday'"):
        assert_valid(signup, GOOD, now="yesterday")
    with pytest.raises(ValueError, match="now must be a finite number") as ei:
        assert_invalid(signup, BAD, now=float("nan"))
    assert _frames_outside_the_helpers(ei.tb) == []
    fresh = Contract.from_yaml(FRESH).compile()
    with pytest.raises(TypeError, match="not bool") as ei2:
        assert_valid(fresh, {"ts": 1}, now=True)
    assert _frames_outside_the_helpers(ei2.tb) == []
    # good clocks still work
    assert_valid(fresh, {"ts": 100}, now=130)
    assert_valid(fresh, {"ts": 100}, now=datetime.fromtimestamp(130, timezone.utc))
    assert_invalid(fresh, {"ts": 100}, "freshness_violation", "ts", only=True, now=1000)


# ---------------------------------------------------------------- agreement with validate()


EVENTS = [
    GOOD,
    BAD,
    {},
    [],
    None,
    "text",
    3,
    {**GOOD, "age": True},
    {**GOOD, "age": 13.0},
    {**GOOD, "extra": {1, 2}},  # no JSON form, but never read: validate() passes it
    {**GOOD, "plan": "gold"},
]


@pytest.mark.parametrize("event", EVENTS, ids=repr)
def test_the_helpers_never_disagree_with_validate(signup: Any, event: Any) -> None:
    """Pins: assert_valid passes exactly when validate() passes, assert_invalid exactly
    when it fails, and both return validate()'s verdict."""
    verdict = signup.validate(event)
    if verdict.passed:
        assert assert_valid(signup, event) == verdict
        with pytest.raises(AssertionError, match=r"^event satisfies contract 'signup'"):
            assert_invalid(signup, event)
    else:
        assert assert_invalid(signup, event) == verdict
        kinds = [str(v.kind) for v in verdict.violations]
        fields = [v.field for v in verdict.violations]
        assert assert_invalid(signup, event, kinds, fields, only=True) == verdict
        with pytest.raises(AssertionError, match=r"^event fails contract 'signup'"):
            assert_valid(signup, event)


def test_what_the_helpers_return_pickles_and_explains(signup: Any) -> None:
    """Pins: the returned verdict is validate()'s, survives pickling, and explains alike."""
    result = assert_invalid(signup, BAD)
    again = pickle.loads(pickle.dumps(result))
    assert again == result == signup.validate(BAD)
    assert explain(again) == explain(result) and repr(again) == repr(result)
    assert assert_valid(signup, GOOD) is signup.validate(GOOD)  # the shared passing result


# ---------------------------------------------------------------------------- explain()


def test_explain_the_outcomes_of_validate_partition(signup: Any) -> None:
    """explain() of an ``EventOutcome`` or of ``validate_partition``'s outcomes was None
    (the plugin added nothing to a failing assert over them): each failing event is
    named at ``partition:offset``, as the CLI and summaries name it."""
    from contractgate.validator import validate_partition

    outcomes = list(validate_partition(signup, [GOOD, BAD, b"{"], partition=2, start=7))
    assert explain(outcomes) == "\n".join(
        [
            "2 failing events of 3:",
            "  event 2:8:",
            "    email  pattern_mismatch  Field 'email' value \"nope\" does not match "
            "required pattern",
            "    age    range_violation   Field 'age' value 9 is below minimum 13",
            "  event 2:9:",
            "    <root>  parse_error  EOF while parsing an object at line 1 column 1",
        ]
    )
    assert explain(outcomes[1]) == "\n".join(
        [
            "EventOutcome (event 2:8) has 2 violations:",
            "  email  pattern_mismatch  Field 'email' value \"nope\" does not match required "
            "pattern",
            "  age    range_violation   Field 'age' value 9 is below minimum 13",
        ]
    )
    assert explain(outcomes[0]) is None and explain(outcomes[:1]) is None


def test_explain_the_results_of_validate_batch(signup: Any) -> None:
    """Defect: explain() of validate_batch()'s list of ValidationResult was None, so
    `assert all(r.passed for r in results), explain(results)` said nothing (and the
    plugin appended nothing to such a failing assert)."""
    results = signup.validate_batch([GOOD, BAD, {**GOOD, "plan": "gold"}])
    assert explain(results) == "\n".join(
        [
            "2 failing events of 3:",
            "  event 1:",
            "    email  pattern_mismatch  Field 'email' value \"nope\" does not match "
            "required pattern",
            "    age    range_violation   Field 'age' value 9 is below minimum 13",
            "  event 2:",
            "    plan  enum_violation  Field 'plan' value \"gold\" not in allowed set: "
            '["free", "pro"]',
        ]
    )
    assert explain(tuple(results), max_violations=1) == "\n".join(
        [
            "2 failing events of 3:",
            "  event 1:",
            "    email  pattern_mismatch  Field 'email' value \"nope\" does not match "
            "required pattern",
            "    ... and 1 more violation",
            "  ... and 1 more failing event (1 violation)",
        ]
    )
    assert explain(signup.validate_batch([GOOD, GOOD])) is None
    assert explain(signup.validate_batch([])) is None


def test_explain_refuses_a_bad_max_violations(signup: Any) -> None:
    """Pins: max_violations is checked, named, for every verdict."""
    for bad in (-1, True, 1.5, "3"):
        with pytest.raises(ValueError, match="max_violations must be an int >= 0 or None"):
            explain(signup.validate(BAD), max_violations=bad)  # type: ignore[arg-type]


def test_the_plugin_explains_a_failing_assert_over_batch_results(
    pytester: pytest.Pytester,
) -> None:
    """Defect: the plugin treats a list of results as a verdict (it tried explain()),
    but explain() gave None: a failing `assert all(...)` showed no violation."""
    pytester.makepyfile(
        test_batch=f"""
        from contractgate import Contract, testing
        SIGNUP = {SIGNUP!r}
        def test_batch():
            results = Contract.from_yaml(SIGNUP).compile().validate_batch(
                [{GOOD!r}, {BAD!r}])
            assert all(r.passed for r in results)
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:randomly", "-p", "no:asyncio")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*contractgate: 1 failing event of 2:", "*  event 1:", "*age*range_violation*"]
    )


pytest_plugins = ["pytester"]


def test_assert_invalid_refuses_json_text_given_as_a_str(signup: Any) -> None:
    """``assert_invalid(c, json.dumps(evt))`` passed whatever the event held: a ``str`` is
    one JSON string, which fails any contract of objects."""
    import json

    with pytest.raises(TypeError, match=r"pass the text as bytes \(text.encode\(\)\)"):
        assert_invalid(signup, json.dumps(GOOD))
    with pytest.raises(TypeError, match="str holding JSON text"):
        assert_invalid(signup, "  [1, 2]", kinds="type_mismatch")
    assert_invalid(signup, json.dumps(BAD).encode(), fields=["email", "age"])
    assert_invalid(signup, "plain text")  # a bare string is an event like any other
