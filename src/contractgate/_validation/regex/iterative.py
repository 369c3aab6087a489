"""Recursion over the HIR without Python recursion.

A walk is written as it would be recursively, as a generator: where it would call
itself it yields a *request* (say ``(sub, continuation)``) and receives the answer.
``run`` keeps the suspended generators on a list and hands each request to ``step``,
which answers at once (a leaf) or returns a new generator (a composite node) to run to
its end first.  However deeply a pattern nests, the walk uses two Python frames, so it
works from a caller that has almost no stack left.
"""

from __future__ import annotations

from types import GeneratorType
from typing import Any, Callable, Generator, List, TypeVar

T = TypeVar("T")

#: A walk of one node: yields requests, receives their answers, returns its own.
Walk = Generator[Any, Any, T]


def run(step: Callable[[Any], Any], request: Any) -> Any:
    """The answer to ``request``: ``step(request)`` is a value, or a ``Walk`` run to its
    end (each request it yields answered the same way, without recursion)."""
    got = step(request)
    if type(got) is not GeneratorType:
        return got
    stack: List[Walk[Any]] = [got]
    value: Any = None
    while True:
        try:
            request = stack[-1].send(value)
        except StopIteration as stop:
            stack.pop()
            if not stack:
                return stop.value
            value = stop.value
            continue
        got = step(request)
        if type(got) is GeneratorType:
            stack.append(got)
            value = None
        else:
            value = got
