"""Differential fuzzing: the generated validator against the reference closures.

Random contracts (every field type, also under ``items`` at any depth; nested objects;
names with dots, brackets, NUL, unicode, the empty name; path collisions; patterns of
every engine shape, including index-keyed ones; enums mixing 1, 1.0, true, "1", null,
arrays and objects; bounds including ±inf, NaN and -0.0; lengths; quality rules,
metrics, compliance mode, null_as_absent) and random events (field-aware values, wrong
types, JSON values of every kind, ints beyond 64 bits and beyond f64, tuples, missing and
extra keys). For each event the two paths must answer identically -- the same result
(verdict, violations, order, bytes of every message) or the same typed error
(``EventTypeError``/``EventDecodeError``, same message) -- for ``validate``,
``is_valid`` and ``validate_batch``; and ``validate`` must agree with ``validate_json``
of the event's JSON text (the gateway's reading) whenever that text decodes. Any other
exception fails the test.

The default run is deterministic and takes a few seconds;
``pytest tests/validator/test_differential_fuzz.py --validator-fuzz-examples 20000``
(or ``CONTRACTGATE_VALIDATOR_FUZZ_EXAMPLES=20000`` in the environment) runs a long,
randomised one.
"""

from __future__ import annotations

import json
import math
from typing import Any, Callable, Dict, List, Optional, Tuple

import cg_validator_testlib
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from contractgate import CompiledContract, Contract, ContractCompileError
from contractgate._validation.values.jsondecode import loads, number_from_literal
from contractgate.exceptions import EventDecodeError, EventTypeError

NOW = 1_750_000_000
TYPES = ["string", "integer", "float", "number", "boolean", "object", "array", "any", "date"]
NAMES = ["a", "b", "v", "a.b", "b.c", "a.b.c", "", "[", "tags", "tags[0]", "x[1].y", "\0", "é",
         "日本", "\U0001f600", "n"]  # fmt: skip
PATTERNS = [
    "^[a-z]+$", "^[a-z0-9_]{2,5}$", "^[0-9]+$", r"^\d+$", "^x", "b", r"\bab\b", r"^\w+$",
    r"(?i)^AB", "^$", "a|b", r"^\p{L}*$", "[[:alpha:]]", r"^.{0,3}$", r"\A[a-c]*\z", "é",
    r"^\d{4}-\d{2}-\d{2}$", r"(?m)^a$",
]  # fmt: skip
ENUM_ITEMS = [1, 1.0, 0, -0.0, True, False, None, "1", "a", "", "x", [1], [], {"a": 1}, {}, 2**64]
BOUNDS = [0.0, -0.0, 1.0, -1.0, 0.5, 2.5, 1e300, -1e300, 2.0**64, math.inf, -math.inf, math.nan]

# -- contracts ----------------------------------------------------------------------------


def _field(depth: int) -> st.SearchStrategy[Dict[str, Any]]:
    ftype = st.sampled_from([*TYPES, "array", "object"])  # containers a little more often

    def build(t: str) -> st.SearchStrategy[Dict[str, Any]]:
        optional: Dict[str, st.SearchStrategy[Any]] = {
            "required": st.booleans(),
            "pattern": st.sampled_from(PATTERNS),
            "enum": st.lists(st.sampled_from(ENUM_ITEMS), max_size=4),
            "min": st.sampled_from(BOUNDS),
            "max": st.sampled_from(BOUNDS),
            "min_length": st.integers(0, 4),
            "max_length": st.integers(0, 6),
        }
        if t == "object" and depth < 3:
            optional["properties"] = st.lists(_field(depth + 1), max_size=3)
        if t == "array" and depth < 3:
            optional["items"] = _field(depth + 1)
        if t == "string":
            optional["transform"] = st.just({"kind": "hash"})
        return st.fixed_dictionaries(
            {"name": st.one_of(st.sampled_from(NAMES), st.text(max_size=3)), "type": st.just(t)},
            optional=optional,
        )

    return ftype.flatmap(build)


@st.composite
def contracts(draw: Any) -> Contract:
    entities = draw(st.lists(_field(0), min_size=1, max_size=5))
    names = [e["name"] for e in entities] + ["a.b", "missing", "tags"]
    field_names = st.sampled_from(names)
    rare = st.sampled_from([0, 0, 0, 1, 2])  # most contracts have none
    quality = draw(
        st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {
                        "field": field_names,
                        "type": st.sampled_from(["completeness", "uniqueness", "validity"]),
                    }
                ),
                st.fixed_dictionaries(
                    {
                        "field": field_names,
                        "type": st.just("freshness"),
                        "max_age_seconds": st.sampled_from([0, 60, 2**63, 2**64 - 1]),
                    }
                ),
            ),
            min_size=(count := draw(rare)),
            max_size=count,
        )
    )
    metrics = draw(
        st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(["m", "é"]), "field": field_names},
                optional={"min": st.sampled_from(BOUNDS), "max": st.sampled_from(BOUNDS)},
            ),
            min_size=(count := draw(rare)),
            max_size=count,
        )
    )
    doc = {
        "version": draw(st.sampled_from(["1", "1.0.0", "\0"])),
        "name": draw(st.sampled_from(["t", "a\0b", "", "名前", "x\ny"])),
        "ontology": {"entities": entities},
        "quality": quality,
        "metrics": metrics,
        "compliance_mode": draw(st.booleans()),
        "null_as_absent": draw(st.booleans()),
    }
    return Contract.from_dict(doc)


# -- events -------------------------------------------------------------------------------

_floats = st.one_of(
    st.sampled_from([0.0, -0.0, 0.5, 1.0, -1.0, 2.5, 1e300, 1e-300, 5e-324, 2.0**64, 1e16]),
    # half-precision values: few digits, so their text decodes back exactly in serde_json
    # (17-digit floats may not: spec §3), and validate_json can be compared with validate
    st.floats(allow_nan=False, allow_infinity=False, width=16),
)
_ints = st.one_of(
    st.integers(-(2**65), 2**65),
    st.sampled_from([0, 1, -1, 2**63 - 1, -(2**63), 2**64 - 1, 2**64, -(2**63) - 1,
                     10**300, 2**1023, 2**1024, 10**400, -(10**400)]),
    # over 4,300 digits: str() of it raises ValueError (built lazily: repr() cannot show it)
    st.builds(lambda: 10**5000),
)  # fmt: skip
_strings = st.one_of(
    st.sampled_from(["", "a", "ab", "abc", "AB", "x", "123", "2024-02-29", "2023-02-29",
                     " 2026-1-5", "é", "ab\n", "\0", "日本語", "\U0001f600"]),
    st.text(max_size=6),
)  # fmt: skip
_scalars = st.one_of(st.none(), st.booleans(), _ints, _floats, _strings)
_json = st.recursive(
    _scalars,
    lambda c: st.one_of(
        st.lists(c, max_size=3),
        st.lists(c, max_size=2).map(tuple),
        st.dictionaries(st.sampled_from([*NAMES, "z"]), c, max_size=3),
    ),
    max_leaves=6,
)


def _typed(fd: Any, depth: int) -> st.SearchStrategy[Any]:
    """A value of the field's type that often passes its checks (so that passing events,
    and with them the pass expressions, are well covered)."""
    t = fd.type.value
    lo = fd.min if fd.min is not None and math.isfinite(fd.min) else None
    hi = fd.max if fd.max is not None and math.isfinite(fd.max) else None
    if t in ("string", "any"):
        lo_len = fd.min_length or 0
        hi_len = max(lo_len, fd.max_length if fd.max_length is not None else lo_len + 3)
        return st.text(alphabet=st.sampled_from("abcx01"), min_size=lo_len, max_size=hi_len)
    if t == "date":
        return st.dates().map(str)
    if t in ("integer", "float"):
        a = math.ceil(lo) if lo is not None and abs(lo) < 2**53 else -100
        b = math.floor(hi) if hi is not None and abs(hi) < 2**53 else 100
        ints = st.integers(a, b) if a <= b else st.integers(-5, 5)
        if t == "integer":
            return ints
        return st.one_of(ints, ints.map(float), ints.map(lambda i: i + 0.25))
    if t == "boolean":
        return st.booleans()
    if t == "object":
        if fd.properties is not None and depth < 4:
            return _object(fd.properties, depth + 1)
        return st.dictionaries(st.sampled_from(NAMES), _json, max_size=2)
    if t == "array":
        if fd.items is not None and depth < 4:
            return st.lists(_value(fd.items, depth + 1), max_size=3)
        return st.lists(_json, max_size=2)
    return _json  # pragma: no cover


def _value(fd: Any, depth: int) -> st.SearchStrategy[Any]:
    typed = _typed(fd, depth)
    opts: List[st.SearchStrategy[Any]] = [typed, typed, typed, _json]
    if fd.enum:
        opts += [st.sampled_from(list(fd.enum))] * 3
    for b in (fd.min, fd.max):
        if b is not None and math.isfinite(b):
            opts.append(st.sampled_from([b, b - 1, b + 1, int(b)]))
    if fd.min_length is not None or fd.max_length is not None:
        n = fd.max_length if fd.max_length is not None else fd.min_length
        opts.append(st.text(alphabet="ab0é", min_size=max(n - 1, 0), max_size=n + 1))
    return st.one_of(opts)


def _object(fields: Any, depth: int) -> st.SearchStrategy[Dict[str, Any]]:
    """Objects of the declared fields: usually all of them, sometimes any subset, plus
    sometimes undeclared keys."""
    values = {fd.name: _value(fd, depth) for fd in fields}
    declared = st.one_of(
        st.fixed_dictionaries(values),
        st.fixed_dictionaries(values),
        st.fixed_dictionaries({}, optional=values),
    )
    extra = st.one_of(
        st.just({}),
        st.dictionaries(st.sampled_from(["z", "extra", *NAMES]), _json, max_size=2),
    )
    return st.tuples(extra, declared).map(lambda t: {**t[0], **t[1]})


def _events(contract: Contract) -> st.SearchStrategy[List[Any]]:
    declared = _object(contract.ontology.entities, 0)
    one = st.one_of(declared, declared, declared, _json)
    return st.lists(one, min_size=1, max_size=3)


# -- the comparison -----------------------------------------------------------------------

_TYPED = (EventTypeError, EventDecodeError)


def _outcome(call: Callable[[], Any]) -> Tuple[str, Any]:
    """``("ok", answer)`` or ``(error type, message)`` for a typed error; anything else
    propagates and fails the test."""
    try:
        return "ok", _plain(call())
    except _TYPED as exc:
        return type(exc).__name__, str(exc)


def _plain(answer: Any) -> Any:
    if isinstance(answer, list):
        return [_plain(a) for a in answer]
    if isinstance(answer, bool):
        return answer
    return (answer.passed, [(v.field, str(v.kind), v.message) for v in answer.violations])


def _json_text(ev: Any) -> Optional[str]:
    try:
        return json.dumps(ev, ensure_ascii=False)
    except (TypeError, ValueError):
        return None


def _floats_read_back(v: Any) -> bool:
    """Whether the gateway reads every float in ``v``'s JSON text back as the same
    float. serde_json's float parsing is not correctly rounded (spec §3, appendix B):
    ``5.960464477539063e-08``, the text of 2**-24, reads as the next float up, so the
    gateway validates a different value than ``validate()`` was given."""
    if isinstance(v, float):
        if not math.isfinite(v):
            return True  # no JSON text: json.dumps writes NaN/Infinity, which fails to decode
        back = number_from_literal(repr(v))
        return isinstance(back, float) and back.hex() == v.hex()
    if isinstance(v, dict):
        return all(_floats_read_back(x) for x in v.values())
    if isinstance(v, (list, tuple)):
        return all(_floats_read_back(x) for x in v)
    return True


def _show(ev: Any) -> str:
    try:
        return repr(ev)
    except ValueError:  # an int too long for str()
        return "<an event holding an int of over 4,300 digits>"


def _compare(gen: CompiledContract, ref: CompiledContract, events: List[Any]) -> None:
    for ev in events:
        want = _outcome(lambda ev=ev: ref.validate(ev, now=NOW))
        assert _outcome(lambda ev=ev: gen.validate(ev, now=NOW)) == want, _show(ev)
        fast = _outcome(lambda ev=ev: ref.is_valid(ev, now=NOW))
        assert _outcome(lambda ev=ev: gen.is_valid(ev, now=NOW)) == fast, _show(ev)
        if want[0] == "ok":
            assert fast == ("ok", want[1][0]), _show(ev)
        text = _json_text(ev)
        if text is not None:
            from_text = _outcome(lambda text=text: gen.validate_json(text, now=NOW))
            if from_text[0] == "ok":  # the gateway's reading: the same event, or with a
                # float read one ULP away, the value it reads
                read = want if _floats_read_back(ev) else _outcome(
                    lambda text=text: ref.validate(loads(text), now=NOW)
                )
                assert read == from_text, (_show(ev), text)
            else:  # text the gateway rejects: a value validate() inspects raises the same
                assert from_text[0] == "EventDecodeError", from_text
                assert want[0] in ("ok", "EventDecodeError"), want
        if want[0] != "ok":
            event(f"validate: {want[0]}")
        elif want[1][0]:
            event("event passed")
        else:
            event(f"event failed, first: {want[1][1][0][1]}")
    batch = _outcome(lambda: ref.validate_batch(events, now=NOW))
    assert _outcome(lambda: gen.validate_batch(events, now=NOW)) == batch


def _describe(contract: Contract) -> None:
    """Hypothesis statistics (``--hypothesis-show-statistics``): what the run covered."""
    from contractgate._validation.compiler import preorder

    walked = list(preorder(contract.ontology.entities))
    paths = [p for p, fd in walked if fd.pattern is not None]
    if len(paths) != len(set(paths)):
        event("pattern path collision")
    if any("[" in p for p in paths):
        event("index-keyed pattern")

    def types(fd: Any, under_items: bool) -> None:
        if under_items:
            event(f"items: {fd.type.value}")
        for p in fd.properties or ():
            types(p, under_items)
        if fd.items is not None:
            types(fd.items, True)

    for fd in contract.ontology.entities:
        types(fd, False)
    for flag in ("compliance_mode", "null_as_absent"):
        if getattr(contract, flag):
            event(flag)
    if contract.quality or contract.metrics:
        event("quality rules or metrics")


@settings(
    max_examples=cg_validator_testlib.FUZZ_EXAMPLES,
    deadline=None,
    derandomize=not cg_validator_testlib.FUZZ_LONG_RUN,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_generated_code_answers_like_the_reference(data: Any) -> None:
    contract = data.draw(contracts(), label="contract")
    try:
        gen = contract.compile()
    except ContractCompileError:
        with pytest.raises(ContractCompileError):
            contract.compile(reference=True)
        event("compile error")
        return
    ref = contract.compile(reference=True)
    assert gen.is_generated and not ref.is_generated
    _describe(contract)
    _compare(gen, ref, data.draw(_events(contract), label="events"))


def test_a_float_the_gateway_reads_one_ulp_away_is_compared_as_read() -> None:
    # Found by a long run: 2**-24's text reads one ULP up in serde_json (spec §3), so
    # validate() of the dict and validate_json() of its text differ in the rendered
    # value, and both are right. The fuzz test compares the text's answer with the
    # answer for the value the gateway reads.
    contract = Contract.from_yaml(
        "version: '1'\nname: t\nontology:\n  entities:\n"
        "    - {name: a, type: object, required: false, enum: [],\n"
        "       properties: [{name: a, type: string, required: true}]}\n"
    )
    ev = {"a": {"a": 2.0**-24}}
    text = json.dumps(ev)
    assert text == '{"a": {"a": 5.960464477539063e-08}}'
    assert not _floats_read_back(ev) and _floats_read_back({"a": {"a": 0.5}})
    gen, ref = contract.compile(), contract.compile(reference=True)
    from_dict = gen.validate(ev).violations[0].message
    from_text = gen.validate_json(text).violations[0].message
    assert from_dict == "Field 'a' value {\"a\":5.960464477539063e-8} not in allowed set: []"
    assert from_text == "Field 'a' value {\"a\":5.960464477539064e-8} not in allowed set: []"
    assert _plain(ref.validate(ev)) == _plain(gen.validate(ev))
    assert _plain(ref.validate(loads(text))) == _plain(gen.validate_json(text))
