"""Every public module, name, field and signature of the v0.1 SDK, held against ours.

The list is ``tests/data/v0.1-surface.md`` (an unchanged copy of the spec's, checked by
tests/test_parity.py). A v0.1 name that is missing, a v0.1 positional parameter that
moved, a keyword that is no longer accepted or a default that became required fails
here, unless it is one of the deliberate differences listed below (each also in the
CHANGELOG's "Upgrading from 0.1" and tested in test_v01_differences.py).
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import inspect
import re
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import pytest

SURFACE = (Path(__file__).parents[1] / "data" / "v0.1-surface.md").read_text(encoding="utf-8")

# (module, qualified name, parameter) -> why it differs on purpose
DELIBERATE: Dict[Tuple[str, str, str], str] = {
    # positional order of a dataclass whose v0.1 field `entities` became `ontology`
    ("contractgate.contract", "Contract.__init__", "description"): "ontology comes third",
    ("contractgate.contract", "Contract.__init__", "compliance_mode"): "ontology comes third",
    ("contractgate.contract", "Contract.__init__", "entities"): "a keyword alias of ontology",
    ("contractgate.contract", "Contract.__init__", "glossary"): "ontology comes third",
    ("contractgate.contract", "Contract.__init__", "metrics"): "ontology comes third",
    # built by Contract.compile(), which derives the patterns and the declared names
    ("contractgate.contract", "CompiledContract.__init__", "patterns"): "derived",
    ("contractgate.contract", "CompiledContract.__init__", "declared_top_level_fields"): (
        "derived"
    ),
}


class Item(NamedTuple):
    module: str
    kind: str  # all | class | field | member | method | function
    owner: Optional[str]
    name: str
    text: str  # the signature, field or member text


def _items() -> List[Item]:
    out: List[Item] = []
    module = ""
    owner: Optional[str] = None
    for line in SURFACE.splitlines():
        m = re.match(r"## `([\w.]+)`", line)
        if m:
            module, owner = m.group(1), None
            continue
        m = re.match(r"`__all__`: (.*)", line)
        if m:
            for name in re.findall(r"`(\w+)`", m.group(1)):
                out.append(Item(module, "all", None, name, ""))
            continue
        m = re.match(r"- class `(\w+)\((.*)\)`", line)
        if m:
            owner = m.group(1)
            out.append(Item(module, "class", None, owner, m.group(2)))
            continue
        m = re.match(r"- function `(\w+)\((.*)\)(?: -> .*)?`", line)
        if m:
            owner = None
            out.append(Item(module, "function", None, m.group(1), m.group(2)))
            continue
        if owner is None:
            continue
        m = re.match(r"  - field `(\w+): ([^=`]+)(?: = (.*))?`", line)
        if m:
            out.append(Item(module, "field", owner, m.group(1), m.group(3) or ""))
            continue
        m = re.match(r"  - `([A-Z_]+) = '([^']*)'`", line)
        if m:
            out.append(Item(module, "member", owner, m.group(1), m.group(2)))
            continue
        m = re.match(r"  - (async |@classmethod )?`(\w+)\((.*)\)(?: -> .*)?`", line)
        if m:
            kind = {"async ": "async", "@classmethod ": "classmethod"}.get(m.group(1) or "", "")
            out.append(Item(module, "method", owner, m.group(2), f"{kind}|{m.group(3)}"))
    return out


ITEMS = _items()


def test_the_surface_list_was_read_whole() -> None:
    kinds = {k: sum(1 for i in ITEMS if i.kind == k) for k in ("all", "class", "method")}
    assert kinds["all"] == 32 and kinds["class"] >= 25 and kinds["method"] >= 40, kinds


def _resolve(module: str, name: str) -> Any:
    mod = importlib.import_module(module)
    assert hasattr(mod, name), f"{module}.{name} is missing"
    return getattr(mod, name)


class Param(NamedTuple):
    name: str
    kind: str  # positional | keyword
    has_default: bool


def _v01_params(text: str) -> List[Param]:
    """The parameters of a v0.1 signature text, without self/cls."""
    tree = ast.parse(f"def f({text}): pass")
    fn = tree.body[0]
    assert isinstance(fn, ast.FunctionDef)
    a = fn.args
    out: List[Param] = []
    positional = a.posonlyargs + a.args
    first_default = len(positional) - len(a.defaults)
    for i, p in enumerate(positional):
        if p.arg not in ("self", "cls"):
            out.append(Param(p.arg, "positional", i >= first_default))
    for p, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append(Param(p.arg, "keyword", d is not None))
    return out


def _check_signature(module: str, qualname: str, ours: Any, v01: List[Param]) -> None:
    sig = inspect.signature(ours)
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    by_name = {p.name: p for p in params}
    positional = [
        p.name
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    v01_positional = [p.name for p in v01 if p.kind == "positional"]
    for p in v01:
        if (module, qualname, p.name) in DELIBERATE:
            continue
        where = f"{module}.{qualname}({p.name})"
        assert p.name in by_name, f"{where}: v0.1's parameter is not accepted"
        mine = by_name[p.name]
        if p.kind == "positional":
            assert mine.kind == mine.POSITIONAL_OR_KEYWORD, f"{where}: no longer positional"
            assert positional.index(p.name) == v01_positional.index(p.name), (
                f"{where}: moved from position {v01_positional.index(p.name)}"
            )
        else:
            assert mine.kind in (mine.POSITIONAL_OR_KEYWORD, mine.KEYWORD_ONLY), where
        if p.has_default:
            assert mine.default is not mine.empty, f"{where}: had a default in v0.1"
    v01_names = {p.name for p in v01}
    for p in params:
        if p.name not in v01_names and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            assert p.default is not p.empty, (
                f"{module}.{qualname}: new parameter {p.name!r} must have a default"
            )


def _ids(kind: str) -> List[Item]:
    return [i for i in ITEMS if i.kind == kind]


@pytest.mark.parametrize("item", _ids("all"), ids=lambda i: i.name)
def test_package_exports_every_v01_name(item: Item) -> None:
    import contractgate

    assert item.name in contractgate.__all__
    _resolve("contractgate", item.name)


@pytest.mark.parametrize("item", _ids("class"), ids=lambda i: f"{i.module}.{i.name}")
def test_every_v01_class_is_at_its_v01_path(item: Item) -> None:
    cls = _resolve(item.module, item.name)
    assert inspect.isclass(cls)
    for base in re.findall(r"\w+", item.text):  # v0.1's bases (str, Enum, ContractGateError…)
        if base in ("str", "Enum", "Exception"):
            expected: Any = {"str": str, "Enum": enum.Enum, "Exception": Exception}[base]
        else:
            expected = _resolve(item.module, base)
        assert issubclass(cls, expected), f"{item.name} is no longer a {base}"


@pytest.mark.parametrize("item", _ids("field"), ids=lambda i: f"{i.owner}.{i.name}")
def test_every_v01_field_is_readable(item: Item) -> None:
    cls = _resolve(item.module, str(item.owner))
    names = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    attr = inspect.getattr_static(cls, item.name, None)
    assert item.name in names or attr is not None, f"{item.owner}.{item.name} is missing"
    if item.text and item.name in names:  # v0.1 had a default: keep one
        field = next(f for f in dataclasses.fields(cls) if f.name == item.name)
        assert (
            field.default is not dataclasses.MISSING
            or field.default_factory is not dataclasses.MISSING
        ), f"{item.owner}.{item.name} had a default in v0.1"


@pytest.mark.parametrize("item", _ids("field"), ids=lambda i: f"{i.owner}.{i.name}")
def test_every_v01_field_is_a_constructor_keyword(item: Item) -> None:
    cls = _resolve(item.module, str(item.owner))
    keywords = set(inspect.signature(inspect.unwrap(cls.__init__)).parameters)
    aliases = getattr(cls, "__v01_keywords__", {})  # old keyword -> new field
    key = (item.module, f"{item.owner}.__init__", item.name)
    assert item.name in keywords or item.name in aliases or key in DELIBERATE, (
        f"{item.owner}({item.name}=...) is not accepted"
    )


@pytest.mark.parametrize("item", _ids("member"), ids=lambda i: f"{i.owner}.{i.name}")
def test_every_v01_enum_member_has_its_value(item: Item) -> None:
    cls = _resolve(item.module, str(item.owner))
    assert cls[item.name].value == item.text


@pytest.mark.parametrize("item", _ids("method"), ids=lambda i: f"{i.owner}.{i.name}")
def test_every_v01_method_accepts_its_v01_calls(item: Item) -> None:
    cls = _resolve(item.module, str(item.owner))
    kind, _, params = item.text.partition("|")
    method = inspect.getattr_static(cls, item.name, None)
    assert method is not None, f"{item.owner}.{item.name} is missing"
    if kind == "classmethod":
        assert isinstance(method, classmethod), f"{item.owner}.{item.name}: not a classmethod"
    func = getattr(cls, item.name)
    if kind == "async":
        assert inspect.iscoroutinefunction(func), f"{item.owner}.{item.name}: not async"
    else:
        assert not inspect.iscoroutinefunction(func), f"{item.owner}.{item.name}: now async"
    if item.name == "__init__" and dataclasses.is_dataclass(cls):
        func = inspect.unwrap(func)
    _check_signature(item.module, f"{item.owner}.{item.name}", func, _v01_params(params))


@pytest.mark.parametrize("item", _ids("function"), ids=lambda i: f"{i.module}.{i.name}")
def test_every_v01_function_accepts_its_v01_calls(item: Item) -> None:
    func = _resolve(item.module, item.name)
    assert callable(func)
    _check_signature(item.module, item.name, func, _v01_params(item.text))
