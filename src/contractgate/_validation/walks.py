"""Recursive walks without Python recursion, for the whole validation wing.

A walk is written as it would be recursively, as a generator: where it would call itself
it yields (a sub-walk, or a request that ``step`` turns into one) and receives the
answer. :func:`walk` keeps the suspended generators on a list, so however deeply a
contract or a pattern nests, the walk takes two Python frames: it works from a caller
with almost no stack left, and the depth it reaches never depends on the recursion
limit (depth limits are the walkers' own counters).
"""

from __future__ import annotations

from types import GeneratorType
from typing import Any, Callable, Generator, List, Optional, TypeVar

__all__ = ["Walk", "walk"]

T = TypeVar("T")

#: A walk of one node: yields sub-walks or requests, receives their answers, returns
#: its own.
Walk = Generator[Any, Any, T]


def walk(first: Any, step: Optional[Callable[[Any], Any]] = None) -> Any:
    """Run ``first`` (an answer, or a generator) to its end without recursion.

    What a generator yields is first passed through ``step`` when given; the result is
    an answer, sent back at once, or a generator run to its end first. An exception
    leaving a sub-walk (or ``step``) is thrown into its parent at the ``yield``, so the
    parent's ``except`` and ``finally`` run as they would around a call."""
    if type(first) is not GeneratorType:
        return first
    stack: List[Walk[Any]] = [first]
    value: Any = None
    error: Optional[BaseException] = None
    while True:
        top = stack[-1]
        try:
            if error is not None:
                got = top.throw(error)
                error = None
            else:
                got = top.send(value)
        except StopIteration as stop:
            stack.pop()
            if not stack:
                return stop.value
            value = stop.value
            continue
        except BaseException as exc:
            stack.pop()
            if not stack:
                raise
            error = exc
            continue
        if step is not None:
            try:
                got = step(got)
            except BaseException as exc:
                error = exc
                continue
        if type(got) is GeneratorType:
            stack.append(got)
            value = None
        else:
            value = got
