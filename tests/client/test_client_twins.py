"""The twin clients cannot drift: :class:`Client` and :class:`AsyncClient` are held to one
public surface (in the spirit of httpcore's unasync check, but over the live classes).

The rules, checked by :func:`drift`:

1. **Names.** Every public name of ``Client`` (no leading ``_``; ``__init__`` and the
   context-manager methods included) exists on ``AsyncClient`` under the same name, except
   the lifecycle renames ``close`` -> ``aclose``, ``__enter__`` -> ``__aenter__``,
   ``__exit__`` -> ``__aexit__``. ``AsyncClient`` has no other public name but
   ``close`` (an async alias of ``aclose``).
2. **Kinds.** A property is a property on both. A method that does I/O is ``def`` on
   ``Client`` and ``async def`` on ``AsyncClient``; the methods in :data:`NO_IO` (they
   return a client or a lazy pager and send nothing at the call) are ``def`` on both.
3. **Signatures.** The same parameters in the same order, with the same kinds and
   defaults, and annotations equal after the wording map; ``AsyncClient`` may add only
   the parameters in :data:`ASYNC_ONLY_PARAMS`, each named in its docstring's
   "AsyncClient only:" paragraph. Return annotations equal after the wording map.
4. **Docstrings.** Every public method and property has one on both. The ``AsyncClient``
   docstring without its paragraphs that start with ``AsyncClient only:`` equals the
   ``Client`` docstring without its paragraphs that start with ``Client only:``, after
   the wording map (whitespace normalised per line, as ``inspect.cleandoc`` does).

The wording map turns sync text into async text, on whole words only: ``Client`` ->
``AsyncClient`` (so ``httpx.Client`` -> ``httpx.AsyncClient``), ``BaseTransport`` ->
``AsyncBaseTransport``, ``Pager`` -> ``AsyncPager``, ``close()`` -> ``aclose()``.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from contractgate.async_client import AsyncClient
from contractgate.client import Client

RENAMED = {"close": "aclose", "__enter__": "__aenter__", "__exit__": "__aexit__"}
ASYNC_ONLY_NAMES = {"close"}
NO_IO = {"with_options", "iter_audit", "iter_quarantine"}
ASYNC_ONLY_PARAMS = {("ingest", "max_concurrency")}
DUNDERS = {"__init__", "__enter__", "__exit__", "__aenter__", "__aexit__"}

WORDING: List[Tuple[str, str]] = [
    (r"\bClient\b", "AsyncClient"),
    (r"\bBaseTransport\b", "AsyncBaseTransport"),
    (r"\bPager\b", "AsyncPager"),
    (r"\bclose\(\)", "aclose()"),
]


def to_async(text: str) -> str:
    """Sync wording -> async wording (rule 4's map)."""
    for pattern, repl in WORDING:
        text = re.sub(pattern, repl, text)
    return text


def _paragraphs(doc: str, drop_prefix: str) -> Tuple[str, List[str]]:
    """``doc`` cleaned, without the paragraphs that start with ``drop_prefix``; and
    those paragraphs."""
    paras = re.split(r"\n\s*\n", inspect.cleandoc(doc))
    kept = [p for p in paras if not p.startswith(drop_prefix)]
    dropped = [p for p in paras if p.startswith(drop_prefix)]
    return "\n\n".join(kept), dropped


def _public(cls: type) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for name in dir(cls):
        if name.startswith("_") and name not in DUNDERS:
            continue
        out[name] = inspect.getattr_static(cls, name)
    return out


def _function(member: Any) -> Optional[Callable[..., Any]]:
    if isinstance(member, (staticmethod, classmethod)):
        return member.__func__  # type: ignore[no-any-return]
    return member if inspect.isfunction(member) else None


def _params(func: Callable[..., Any]) -> List[inspect.Parameter]:
    return [p for p in inspect.signature(func).parameters.values() if p.name != "self"]


def drift(sync_cls: type, async_cls: type) -> List[str]:
    """Every way ``async_cls`` differs from ``sync_cls`` beyond the rules above."""
    problems: List[str] = []
    sync_members = _public(sync_cls)
    async_members = _public(async_cls)
    expected = {RENAMED.get(n, n) for n in sync_members}
    for extra in sorted(set(async_members) - expected - ASYNC_ONLY_NAMES):
        problems.append(f"{extra}: only on {async_cls.__name__}")
    for name, member in sorted(sync_members.items()):
        twin_name = RENAMED.get(name, name)
        where = f"{name}/{twin_name}" if twin_name != name else name
        if twin_name not in async_members:
            problems.append(f"{where}: missing on {async_cls.__name__}")
            continue
        twin = async_members[twin_name]
        if isinstance(member, property) or isinstance(twin, property):
            if not (isinstance(member, property) and isinstance(twin, property)):
                problems.append(f"{where}: a property on one class only")
            else:
                problems += _compare_docs(where, member.__doc__, twin.__doc__)
            continue
        func, twin_func = _function(member), _function(twin)
        if func is None or twin_func is None:
            continue  # plain attributes (none today) are not part of the contract
        problems += _compare_kinds(where, name, func, twin_func)
        problems += _compare_signatures(where, name, func, twin_func)
        if name != "__init__" and name not in DUNDERS:
            problems += _compare_docs(where, func.__doc__, twin_func.__doc__)
    return problems


def _compare_kinds(where: str, name: str, func: Any, twin: Any) -> List[str]:
    sync_async = inspect.iscoroutinefunction(func)
    twin_async = inspect.iscoroutinefunction(twin)
    if sync_async:
        return [f"{where}: async on the sync client"]
    does_io = name not in NO_IO and name != "__init__"
    if does_io and not twin_async:
        return [f"{where}: does I/O but is not async on the async client"]
    if not does_io and twin_async:
        return [f"{where}: does no I/O but is async on the async client"]
    return []


def _compare_signatures(where: str, name: str, func: Any, twin: Any) -> List[str]:
    problems: List[str] = []
    mine = _params(func)
    theirs = [p for p in _params(twin) if (name, p.name) not in ASYNC_ONLY_PARAMS]
    extra = [p.name for p in _params(twin) if (name, p.name) in ASYNC_ONLY_PARAMS]
    if extra and name not in NO_IO:
        _, notes = _paragraphs(twin.__doc__ or "", "AsyncClient only:")
        for p in extra:
            if not any(f"``{p}``" in n for n in notes):
                problems.append(f"{where}: async-only parameter {p!r} is not documented")
    if [p.name for p in mine] != [p.name for p in theirs]:
        names = f"{[p.name for p in mine]} vs {[p.name for p in theirs]}"
        return [*problems, f"{where}: parameters {names}"]
    for a, b in zip(mine, theirs):
        if a.kind != b.kind:
            problems.append(f"{where}({a.name}): {a.kind.description} vs {b.kind.description}")
        if a.default != b.default:
            problems.append(f"{where}({a.name}): default {a.default!r} vs {b.default!r}")
        if to_async(str(a.annotation)) != str(b.annotation):
            problems.append(f"{where}({a.name}): annotation {a.annotation} vs {b.annotation}")
    ret, twin_ret = inspect.signature(func).return_annotation, inspect.signature(twin)
    if to_async(str(ret)) != str(twin_ret.return_annotation):
        problems.append(f"{where}: returns {ret} vs {twin_ret.return_annotation}")
    return problems


def _compare_docs(where: str, doc: Optional[str], twin_doc: Optional[str]) -> List[str]:
    if not doc or not twin_doc:
        return [f"{where}: no docstring on {'the sync' if not doc else 'the async'} client"]
    mine, _ = _paragraphs(doc, "Client only:")
    theirs, _ = _paragraphs(twin_doc, "AsyncClient only:")
    if to_async(mine) != theirs:
        return [f"{where}: docstrings differ:\n  sync:  {mine!r}\n  async: {theirs!r}"]
    return []


# ------------------------------------------------------------------------------ tests


def test_the_two_clients_have_one_public_surface() -> None:
    assert drift(Client, AsyncClient) == []


def test_the_surface_is_the_whole_client() -> None:
    """The check covers every public method (none slips through as a non-function)."""
    names = set(_public(Client))
    assert {"ingest", "audit", "iter_audit", "with_options", "health", "close"} <= names
    assert all(
        _function(m) is not None or isinstance(m, property) for m in _public(Client).values()
    )


class _Sync:
    def get(self, key: str, timeout: float = 1.0) -> int:
        """Read one value with :class:`Client`."""
        return 0

    def rows(self) -> Any:
        """Rows as a Pager."""

    @property
    def size(self) -> int:
        """How many."""
        return 0


def test_drift_is_caught() -> None:
    """Each kind of drift the rules name is reported (the checker itself is checked)."""

    class Good:
        async def get(self, key: str, timeout: float = 1.0) -> int:
            """Read one value with :class:`AsyncClient`.

            AsyncClient only: awaitable."""
            return 0

        async def rows(self) -> Any:
            """Rows as a AsyncPager."""

        @property
        def size(self) -> int:
            """How many."""
            return 0

    assert drift(_Sync, Good) == []

    class Drifted:
        def get(self, key: str, timeout: float = 2.0, *, extra: int = 0) -> int:
            return 0

        async def rows(self) -> Any:
            """Rows, paged."""

        size = 0

        async def more(self) -> None:
            """Not on the sync class."""

    found = "\n".join(drift(_Sync, Drifted))
    assert "more: only on Drifted" in found
    assert "get: does I/O but is not async" in found
    assert "get: parameters ['key', 'timeout'] vs ['key', 'timeout', 'extra']" in found
    assert "get: no docstring on the async client" in found
    assert "rows: docstrings differ" in found
    assert "size: a property on one class only" in found


def test_wording_map_is_on_whole_words() -> None:
    assert to_async("Client, httpx.Client, Pager[X], close()") == (
        "AsyncClient, httpx.AsyncClient, AsyncPager[X], aclose()"
    )
    assert to_async("AsyncClient aclose() ClientError") == "AsyncClient aclose() ClientError"
