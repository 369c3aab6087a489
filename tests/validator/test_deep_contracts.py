"""Deeply nested contracts load, compile and validate the same from any caller (issue #14,
item 4).

Loading (``from_yaml``, ``from_dict``), the compile walk, the reference closures and
their run, and the choice between generated code and the closures all keep their own
stacks (or, for Python's compiler, a fresh thread), so the answer depends on the input
only: a contract nested up to serde's limit (128 levels: 62 nested objects, 124 nested
arrays) gives the same validator, verdicts and messages called from a chain that leaves
~60 frames as from the top of the stack, and one nested deeper gives the same
``ContractCompileError`` (``recursion limit exceeded``), never a ``RecursionError``.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, Dict, List, Tuple, TypeVar

import pytest

from contractgate import Contract, ContractCompileError

T = TypeVar("T")

#: Frames left to the call under test (CPython's default limit is 1 000).
MARGINS = (100, 60)

#: The deepest nesting serde accepts (its recursion limit is 128 levels): an object
#: level costs two (the field and its ``properties`` list), an array level one (``items``).
MAX_OBJECTS = 62
MAX_ARRAYS = 124


def _frames() -> int:
    n = 0
    f = sys._getframe()
    while f is not None:
        n += 1
        f = f.f_back  # type: ignore[assignment]
    return n


def _down(n: int, f: Callable[[], T]) -> T:
    if n <= 0:
        return f()
    return _down(n - 1, f)


def with_frames_left(left: int, f: Callable[[], T]) -> T:
    """``f()`` called from a chain that leaves it about ``left`` frames."""
    return _down(sys.getrecursionlimit() - _frames() - left, f)


# -- contracts and events ------------------------------------------------------------------


def object_contract(depth: int) -> Dict[str, Any]:
    """``o{depth-1}.….o0.s``: ``depth`` nested objects around a patterned string."""
    leaf: Dict[str, Any] = {"name": "s", "type": "string", "pattern": "^a", "max_length": 3}
    for i in range(depth):
        leaf = {
            "name": f"o{i}",
            "type": "object",
            "properties": [leaf, {"name": "n", "type": "integer", "required": False, "min": 0}],
        }
    return {"version": "1", "name": "deep", "ontology": {"entities": [leaf]}}


def array_contract(depth: int) -> Dict[str, Any]:
    """``a``: ``depth`` nested arrays around a string (patterns under items never apply)."""
    # No enum at the leaf: its list would be one level more.
    leaf: Dict[str, Any] = {"name": "s", "type": "string", "min_length": 2, "max_length": 3}
    for i in range(depth):
        leaf = {"name": f"a{i}", "type": "array", "items": leaf}
    leaf["name"] = "a"
    return {"version": "1", "name": "deep", "ontology": {"entities": [leaf]}}


def to_yaml(value: Any, indent: str = "") -> str:
    """Block-style YAML for a contract dict (each nesting level is a YAML level; lists
    of scalars in flow style)."""
    lines: List[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict) or (isinstance(item, list) and _has_dicts(item)):
                lines.append(f"{indent}{key}:")
                lines.append(to_yaml(item, indent + "  "))
            else:
                lines.append(f"{indent}{key}: {json.dumps(item)}")
    else:
        for item in value:
            lines.append(f"{indent}- {to_yaml(item, indent + '  ').lstrip()}")
    return "\n".join(lines)


def _has_dicts(items: List[Any]) -> bool:
    return bool(items) and all(isinstance(item, dict) for item in items)


def object_events(depth: int) -> List[Any]:
    def nest(leaf: Dict[str, Any], n_at: int = -1, bad: Any = 1) -> Dict[str, Any]:
        """``leaf`` as the value of ``o0``, with ``n: bad`` in ``o{n_at + 1}``."""
        event: Dict[str, Any] = leaf
        for i in range(depth):
            event = {f"o{i}": event}
            if i == n_at:
                event["n"] = bad
        return event

    return [
        nest({"s": "ab"}),  # passes
        nest({"s": "b"}),  # pattern at the deepest path
        nest({"s": "abcd"}, n_at=depth // 2, bad=-1),  # length, then a range mid-way
        nest({}, n_at=0, bad="x"),  # missing, then a type mismatch
        nest({"s": 5}),
        {"o0": None} if depth == 1 else nest({"s": "ab"}, n_at=depth - 2, bad=2.5),
        [],
    ]


def array_events(depth: int) -> List[Any]:
    def nest(leaf: Any) -> Dict[str, Any]:
        for _ in range(depth):
            leaf = [leaf]
        return {"a": leaf}

    return [nest("ab"), nest("c"), nest("abcd"), nest(None), {"a": [[]] * 3}, {"a": "x"}]


# -- answers -------------------------------------------------------------------------------

Answer = Tuple[Any, ...]


def _result(r: Any) -> Answer:
    return (r.passed, tuple((v.field, str(v.kind), v.message) for v in r.violations))


def answers(load: Callable[[], Contract], events: List[Any], texts: List[str]) -> Answer:
    """Everything the contract answers: a load or compile error's text, or per compile
    mode whether code was generated and each event's results (``texts``: the events as
    JSON, for ``validate_json``). Only ContractCompileError may be raised."""
    try:
        contract = load()
        compiled = [contract.compile(), contract.compile(reference=True)]
    except ContractCompileError as err:
        return ("error", str(err))
    out: List[Any] = []
    for cc in compiled:
        per_event = []
        for event, text in zip(events, texts):
            r = cc.validate(event)
            per_event.append((_result(r), cc.is_valid(event)))
            assert _result(cc.validate_json(text)) == _result(r)
        out.append((cc.is_generated, tuple(per_event)))
    return ("ok", tuple(out))


def _check(load: Callable[[], Contract], events: List[Any], ok: bool) -> Answer:
    texts = [json.dumps(event) for event in events]  # at the top: json recurses
    top = answers(load, events, texts)
    assert top[0] == ("ok" if ok else "error"), top[:2]
    for left in MARGINS:
        assert with_frames_left(left, lambda: answers(load, events, texts)) == top, left
    return top


def _check_both_loaders(data: Dict[str, Any], events: List[Any], ok: bool) -> Any:
    """``_check`` through ``from_dict`` and through ``from_yaml`` of the same contract:
    the same answers, or the same depth error (with a line number from YAML). Returns
    the ``from_dict`` answers."""
    text = to_yaml(data) + "\n"
    from_dict = _check(lambda: Contract.from_dict(data), events, ok)
    from_yaml = _check(lambda: Contract.from_yaml(text), events, ok)
    if ok:
        assert from_dict == from_yaml
    else:
        assert from_dict == ("error", "recursion limit exceeded")
        assert from_yaml[1].startswith("recursion limit exceeded at line ")
    return from_dict


# -- tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 10, 40, 45, 60, MAX_OBJECTS, MAX_OBJECTS + 1, 70, 200])
def test_nested_objects(depth: int) -> None:
    events = object_events(depth)
    ok = depth <= MAX_OBJECTS
    from_dict = _check_both_loaders(object_contract(depth), events, ok)
    if ok:
        (gen, gen_results), (ref, ref_results) = from_dict[1]
        assert ref is False and gen_results == ref_results
        assert gen is (depth <= 40)  # deeper, Python's parser refuses the indentation
        failing = [r for (r, _valid) in gen_results if not r[0]]
        assert len(failing) == len(events) - 1


@pytest.mark.parametrize("depth", [1, 10, 25, 60, 123, MAX_ARRAYS, MAX_ARRAYS + 1, 127, 300])
def test_nested_arrays(depth: int) -> None:
    ok = depth <= MAX_ARRAYS
    from_dict = _check_both_loaders(array_contract(depth), array_events(depth), ok)
    if ok:
        (_gen, gen_results), (_ref, ref_results) = from_dict[1]
        assert gen_results == ref_results


@pytest.mark.parametrize("depth", [126, 127, 128, 1000])
def test_deep_enum_values(depth: int) -> None:
    """JSON values (an ``enum`` element) count toward the same limit: the field sits at
    level 4 and its ``enum`` list at 5, so an element of 123 nested arrays is the deepest
    accepted. Its message text is rendered without recursion too."""
    element: List[Any] = []
    for _ in range(depth - 5):
        element = [element]
    enum = [element]
    field = {"name": "e", "type": "any", "enum": enum}
    data = {"version": "1", "name": "deep", "ontology": {"entities": [field]}}
    text = "version: '1'\nname: deep\nontology:\n  entities:\n    - {name: e, type: any, "
    text += "enum: [" + "[" * (depth - 4) + "]" * (depth - 4) + "]}\n"
    events: List[Any] = [{"e": 1}, {}]
    for load in (lambda: Contract.from_dict(data), lambda: Contract.from_yaml(text)):
        top = _check(load, events, depth - 4 <= 123)
        if top[0] == "error":
            assert top[1].startswith("recursion limit exceeded")


def test_reference_order_is_depth_first() -> None:
    """The reference closures run from a to-do list in the engine's order: a value's own
    checks, then its properties in declared order, each one fully, then the next."""
    props = [
        {
            "name": "x",
            "type": "object",
            "properties": [
                {"name": "p", "type": "string", "pattern": "^a"},
                {"name": "q", "type": "integer"},
            ],
        },
        {
            "name": "y",
            "type": "array",
            "items": {
                "name": "i",
                "type": "object",
                "properties": [
                    {"name": "r", "type": "boolean"},
                ],
            },
        },
        {"name": "z", "type": "string"},
    ]
    data = {
        "version": "1",
        "name": "o",
        "ontology": {
            "entities": [
                {"name": "top", "type": "object", "properties": props},
                {"name": "w", "type": "integer", "max": 1},
            ]
        },
    }
    contract = Contract.from_dict(data)
    event = {"top": {"x": {"p": "b", "q": "1"}, "y": [{"r": 1}, {}, {"r": "t"}], "z": 3}, "w": 5}
    gen = contract.compile().validate(event)
    ref = contract.compile(reference=True).validate(event)
    fields = [v.field for v in ref.violations]
    assert fields == ["top.x.p", "top.x.q", "top.y[0].r", "top.y[1].r", "top.y[2].r", "top.z", "w"]
    assert _result(gen) == _result(ref)


@pytest.mark.parametrize("depth", [40, MAX_OBJECTS, MAX_OBJECTS + 1])
def test_low_recursion_limit(depth: int) -> None:
    """With the recursion limit lowered to ~80 frames above the caller, loading, compiling
    and validating give the answers of the default limit; only the choice of generated
    code may change (Python's compiler needs the room), never a verdict or message."""
    data = object_contract(depth)
    text = to_yaml(data) + "\n"
    events = object_events(depth)
    texts = [json.dumps(event) for event in events]

    def verdicts(answer: Answer) -> Answer:
        if answer[0] != "ok":
            return answer
        return ("ok", tuple(results for _generated, results in answer[1]))

    expected = [
        verdicts(answers(load, events, texts))
        for load in (lambda: Contract.from_dict(data), lambda: Contract.from_yaml(text))
    ]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_frames() + 80)
    try:
        got = [
            verdicts(answers(load, events, texts))
            for load in (lambda: Contract.from_dict(data), lambda: Contract.from_yaml(text))
        ]
    finally:
        sys.setrecursionlimit(limit)
    assert got == expected
