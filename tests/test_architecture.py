"""The tree shows the architecture, and these tests keep it so.

* no import cycle between modules (imports inside ``if TYPE_CHECKING:`` do not count:
  they never run);
* the direction of imports: applications (cli, gateway, pytest plugin, integrations) ->
  clients -> the HTTP wing -> models -> contract/validator -> the validation wing ->
  exceptions; the validation wing never imports httpx or the HTTP wing, and the local
  gateway writes its own wire JSON instead of using the clients; the one upward edge
  allowed on purpose is listed in UPWARD_OK with its reason;
* modules stay small (one job each), except generated tables and faithful ports;
* every public import path of today and of v0.1 works.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "contractgate"

#: Modules allowed over MAX_LINES, and why.
LARGE_OK = {
    "contractgate._validation.regex.tables": "generated Unicode tables",
    "contractgate._validation.regex.parser": "the faithful port of regex-syntax's parser",
    "contractgate._validation.loading.libyaml.scanner": "the faithful port of libyaml's scanner",
}
MAX_LINES = 800


def _modules() -> Dict[str, Path]:
    out: Dict[str, Path] = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(SRC).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.AST]:
    """Every import statement that can run (anywhere, but not under TYPE_CHECKING)."""
    stack: List[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            stack.append(child)


def _resolve(module: str, is_pkg: bool, node: ast.AST) -> List[str]:
    """The project modules an import statement loads."""
    targets: List[str] = []
    if isinstance(node, ast.Import):
        targets = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".")
            if not is_pkg:
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        targets = [prefix]
        targets += [f"{prefix}.{a.name}" for a in node.names]
    out = []
    for t in targets:
        # the longest project module the name lives in
        while t and t not in MODULES:
            t = t.rpartition(".")[0]
        if t and t != module:
            out.append(t)
    return out


def _graph() -> Dict[str, Set[str]]:
    graph: Dict[str, Set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deps: Set[str] = set()
        for node in _imports(tree):
            deps.update(_resolve(name, path.name == "__init__.py", node))
        # a module imports its parent packages implicitly; that is not a dependency edge
        graph[name] = {d for d in deps if not name.startswith(d + ".")}
    return graph


GRAPH = _graph()


def _find_cycle(graph: Dict[str, Set[str]]) -> Optional[List[str]]:
    WHITE, GREY, BLACK = 0, 1, 2
    color = {n: WHITE for n in graph}
    for root in sorted(graph):
        if color[root] != WHITE:
            continue
        stack: List[Tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        path = [root]
        color[root] = GREY
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                color[node] = BLACK
                stack.pop()
                path.pop()
                continue
            if color.get(nxt, BLACK) == GREY:
                return [*path[path.index(nxt) :], nxt]
            if color.get(nxt) == WHITE:
                color[nxt] = GREY
                stack.append((nxt, iter(sorted(graph[nxt]))))
                path.append(nxt)
    return None


def test_no_import_cycle() -> None:
    cycle = _find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _reaches(start: str) -> Set[str]:
    seen: Set[str] = set()
    todo = [start]
    while todo:
        for d in GRAPH.get(todo.pop(), ()):
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return seen


def _under(prefix: str) -> List[str]:
    return [m for m in MODULES if m == prefix or m.startswith(prefix + ".")]


def _third_party(module: str) -> Set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out: Set[str] = set()
    for node in _imports(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("module", _under("contractgate._validation"))
def test_the_validation_wing_knows_no_http(module: str) -> None:
    assert not _third_party(module) & {"httpx", "httpcore"}, module
    wrong = {m for m in _reaches(module) if m.startswith("contractgate._validation") is False}
    allowed = {"contractgate.exceptions", "contractgate._frozenlist", "contractgate"}
    assert wrong <= allowed, f"{module} reaches {sorted(wrong - allowed)}"


@pytest.mark.parametrize("module", _under("contractgate._http"))
def test_the_http_wing_is_below_the_applications(module: str) -> None:
    above = {"contractgate.cli", "contractgate.gateway", "contractgate.pytest_plugin",
             "contractgate.client", "contractgate.async_client"}  # fmt: skip
    bad = {m for m in _reaches(module) if any(m == a or m.startswith(a + ".") for a in above)}
    assert not bad, f"{module} reaches {sorted(bad)}"


@pytest.mark.parametrize("module", _under("contractgate.gateway"))
def test_the_local_gateway_does_not_use_the_clients(module: str) -> None:
    assert "httpx" not in _third_party(module), module
    bad = {m for m in GRAPH[module] if m.startswith("contractgate._http")
           or m in ("contractgate.client", "contractgate.async_client")}  # fmt: skip
    assert not bad, f"{module} imports {sorted(bad)}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    if module in LARGE_OK:
        return
    assert lines <= MAX_LINES, f"{module} has {lines} lines (> {MAX_LINES}): split it by job"


# ---------------------------------------------------------------- public import paths

PUBLIC_MODULES = [
    "contractgate",
    "contractgate.client",
    "contractgate.async_client",
    "contractgate.models",
    "contractgate.exceptions",
    "contractgate.contract",
    "contractgate.validator",
    "contractgate.gateway",
    "contractgate.pytest_plugin",
    "contractgate.cli",
]


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_name_imports_from_its_module(module: str) -> None:
    mod = importlib.import_module(module)
    for name in getattr(mod, "__all__", ()):
        assert getattr(mod, name) is not None, f"{module}.{name}"


def test_package_names_are_the_public_modules_objects() -> None:
    """``contractgate.X`` is the very object its public module defines."""
    import contractgate

    homes = {name: importlib.import_module(m) for m in PUBLIC_MODULES[1:7]
             for name in getattr(importlib.import_module(m), "__all__", ())}  # fmt: skip
    for name in contractgate.__all__:
        if name in homes:
            assert getattr(contractgate, name) is getattr(homes[name], name), name


def test_import_contractgate_stays_light() -> None:
    """``import contractgate`` must not import httpx, PyYAML or the regex engine (the
    pre-commit hook pays for every import)."""
    import subprocess
    import sys

    code = (
        "import sys, contractgate\n"
        "heavy = [m for m in ('httpx', 'yaml', 'contractgate._validation.regex',"
        " 'contractgate.client') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_uses_a_yaml_library(module: str) -> None:
    """All YAML goes through the libyaml 0.2.5 port (PyYAML is not a dependency)."""
    assert not _third_party(module) & {"yaml", "ruamel"}, module


#: Imports against the direction allowed on purpose (importer, imported), and why.
UPWARD_OK = {
    ("contractgate.contract", "contractgate._deployed"): (
        "Contract.from_gateway(), a constructor users expect on the model, imports the "
        "deployed-contract cache (which talks through a Client) only when it is called"
    ),
}
_ABOVE_THE_MODELS = ("contractgate.client", "contractgate.async_client", "contractgate._http",
                     "contractgate._deployed", "contractgate.cli", "contractgate.gateway",
                     "contractgate.pytest_plugin", "contractgate.testing", "contractgate.dask",
                     "contractgate.spark", "contractgate.partitions")  # fmt: skip


_MODELS = ["contractgate.models", "contractgate._wire", "contractgate.contract",
           "contractgate.validator"]  # fmt: skip


@pytest.mark.parametrize("module", _MODELS)
def test_the_public_models_sit_below_the_clients(module: str) -> None:
    seen: Set[str] = set()
    todo = [module]
    while todo:
        here = todo.pop()
        for d in GRAPH.get(here, ()):
            if (here, d) not in UPWARD_OK and d not in seen:
                seen.add(d)
                todo.append(d)
    bad = {m for m in seen if any(m == a or m.startswith(a + ".") for a in _ABOVE_THE_MODELS)}
    assert not bad, f"{module} reaches {sorted(bad)} (allowed upward edges: UPWARD_OK)"


def test_the_allowed_upward_edges_are_lazy_and_still_there() -> None:
    for importer, imported in UPWARD_OK:
        assert imported in GRAPH[importer], f"{importer} no longer imports {imported}: drop it"
        tree = ast.parse(MODULES[importer].read_text(encoding="utf-8"))
        top = {d for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
               for d in _resolve(importer, False, node)}  # fmt: skip
        assert imported not in top, f"{importer} imports {imported} at module level"
