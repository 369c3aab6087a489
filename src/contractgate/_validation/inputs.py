"""What counts as "some events": one rule for the local validator's bulk methods and the
clients' ``ingest`` (which imports it from here: the HTTP wing sits above this one)."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

__all__ = ["iter_events"]


def iter_events(events: Any) -> Iterator[Any]:
    """The events of ``events``: a mapping is one event, any other iterable many. Text
    is refused: iterating it would check characters (or bytes) as events."""
    if isinstance(events, Mapping):
        return iter((events,))
    if isinstance(events, (str, bytes, bytearray, memoryview)):
        raise TypeError(
            "events must be an iterable of JSON values (or one mapping), not "
            f"{type(events).__name__}"
        )
    try:
        return iter(events)
    except TypeError:
        raise TypeError(
            f"events must be an iterable of JSON values, not {type(events).__name__}"
        ) from None
