"""Engines pickle by reference to their pattern, never by state.

A matcher holds caches, a lock, big-integer masks: copying them is useless (they are
rebuilt on demand) or impossible (a lock).  What identifies an engine is its pattern
and its kind, so an engine built for a pattern carries a ``Source`` -- the function
that compiles a pattern and returns its engine of a kind, and the pattern -- and pickles
as that call.  ``compile_pattern`` is cached per process, so unpickling the engines of
one pattern in one process compiles it once.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Optional, Tuple

#: ``(rebuild, pattern)``: ``rebuild(pattern, part)`` returns the engine ``part`` of the
#: compiled ``pattern`` (``regex.engine_of``).
Source = Tuple[Callable[[str, str], Any], str]


class Rebuildable:
    """Mixin: ``__reduce__`` as ``rebuild(pattern, part)``."""

    __slots__ = ()
    #: The engine's name for ``rebuild`` (``"dfa"``, ``"bits"``, ``"literals"``).
    part: ClassVar[str]
    source: Optional[Source]

    def __reduce__(self) -> Tuple[Any, ...]:
        if self.source is None:
            raise TypeError(
                f"cannot pickle a {type(self).__name__} built from a bare HIR: "
                "pickle the CompiledRegex of its pattern instead"
            )
        rebuild, pattern = self.source
        return (rebuild, (pattern, self.part))
