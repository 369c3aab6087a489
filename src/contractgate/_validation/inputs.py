"""What counts as "some events": one rule for the local validator's bulk methods and the
clients' ``ingest`` (which imports it from here: the HTTP wing sits above this one)."""

from __future__ import annotations

from collections import UserString
from typing import Any, Iterator, Mapping

__all__ = ["iter_events"]

# Iterating text checks characters (or bytes) as events.
_TEXT = (str, bytes, bytearray, memoryview, UserString)


def _is_frame(events: Any) -> bool:
    """A DataFrame (pandas, Dask, polars, ...): iterating it gives its column labels (or
    columns), not its rows."""
    return any(cls.__name__ == "DataFrame" for cls in type(events).__mro__)


def iter_events(events: Any) -> Iterator[Any]:
    """The events of ``events``: a mapping is one event, any other iterable many. Text
    is refused: iterating it would check characters (or bytes) as events; so is a
    DataFrame, whose iteration gives its column labels."""
    if isinstance(events, Mapping):
        return iter((events,))
    if isinstance(events, _TEXT):
        raise TypeError(
            "events must be an iterable of JSON values (or one mapping), not "
            f"{type(events).__name__}"
        )
    if _is_frame(events):
        raise TypeError(
            "events must be an iterable of JSON values (or one mapping), not "
            f"{type(events).__name__}: a DataFrame is iterated as its column labels; pass "
            "its rows, e.g. df.to_dict(orient='records') (contractgate.validator."
            "frame_records drops its missing cells)"
        )
    try:
        return iter(events)
    except TypeError:
        raise TypeError(
            f"events must be an iterable of JSON values, not {type(events).__name__}"
        ) from None
