"""Recursion over the HIR without Python recursion.

A walk is written as it would be recursively, as a generator: where it would call
itself it yields a *request* (say ``(sub, continuation)``) and receives the answer.
``run`` hands each request to ``step``, which answers at once (a leaf) or returns a new
generator (a composite node) to run to its end first: the wing's one walk driver
(:func:`~contractgate._validation.walks.walk`), so however deeply a pattern nests, the
walk uses two Python frames.
"""

from __future__ import annotations

from typing import Any, Callable

from ..walks import Walk, walk

__all__ = ["Walk", "run"]


def run(step: Callable[[Any], Any], request: Any) -> Any:
    """The answer to ``request``: ``step(request)`` is a value, or a ``Walk`` run to its
    end (each request it yields answered the same way, without recursion)."""
    return walk(step(request), step)
