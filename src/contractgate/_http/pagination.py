"""Lazy iterators over the gateway's offset-paginated lists (``/audit``, ``/quarantine``).

The gateway pages by ``limit``/``offset`` over a live table whose sort key has ties, so
pages can overlap (spec §3.6): the pagers drop rows whose ``id`` they already yielded
(remembering the most recent ids, enough to cover any overlap the gateway can produce).
More rows in a row that were already yielded than that can only come from a server that
does not page by ``offset`` (a proxy that drops the query string): asking again would
never end, so the pager raises :class:`InvalidResponseError` instead.

``limit`` is the maximum number of rows to yield in total (``None``: all), ``offset``
where to start, ``page_size`` how many rows each request asks for (≤ 500, the gateway's
cap). The clients' list calls (``audit()``, v0.1's single page of at most ``limit`` rows)
read a pager to its end at once; ``iter_audit()`` hands the pager itself out.
"""

from __future__ import annotations

from collections import deque
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Deque,
    Generic,
    Iterator,
    List,
    Optional,
    Set,
    Tuple,
    TypeVar,
)

from .._validation.summary import check_count
from ..exceptions import InvalidResponseError

__all__ = ["AsyncPager", "PageCursor", "Pager", "check_page_size", "page_size_for"]

T = TypeVar("T")

MAX_PAGE_SIZE = 500
#: How many recent ids are remembered for de-duplication. Overlaps come from ties in
#: ``created_at`` (one batch of ≤ 1000 rows shares one timestamp) and from rows inserted
#: while paging; 10,000 covers both with a wide margin at bounded memory.
DEDUPE_WINDOW = 10_000


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_page_size(name: str, value: Any) -> None:
    """Rows asked of the gateway in one request: an int in 1..500 (the gateway clamps
    anything else into that range, and answers a bool or a fraction with a 400)."""
    if not _is_int(value) or not 1 <= value <= MAX_PAGE_SIZE:
        raise ValueError(f"{name} must be an int in 1..{MAX_PAGE_SIZE}, got {value!r}")


def page_size_for(limit: int) -> int:
    """The page size that fetches ``limit`` rows in as few requests as the gateway allows."""
    return min(max(limit, 1), MAX_PAGE_SIZE) if _is_int(limit) else MAX_PAGE_SIZE


class PageCursor:
    """Pure paging state: which page to ask for next and which rows to keep."""

    def __init__(self, *, limit: Optional[int], offset: int, page_size: int) -> None:
        if limit is not None:
            check_count("limit", limit)
        check_count("offset", offset)
        check_page_size("page_size", page_size)
        self.remaining = limit
        self.offset = offset
        self.page_size = page_size
        self.done = limit == 0
        self._seen: Set[str] = set()
        self._order: Deque[str] = deque()
        self._repeats = 0  # rows in a row that were already yielded

    def next_page(self) -> Optional[Tuple[int, int]]:
        """``(offset, limit)`` of the next request, or ``None`` when finished."""
        if self.done:
            return None
        size = self.page_size
        if self.remaining is not None:
            size = min(size, max(self.remaining, 1))
        return self.offset, size

    def accept(self, rows: List[Any], requested: int) -> List[Any]:
        """Record a page; return the rows to yield (new ids only, within ``limit``)."""
        # a server that ignores ``limit`` may send more than asked for: keep no more than
        # the ids remembered, so a page sent again is still recognised as a repeat
        rows = rows[:DEDUPE_WINDOW]
        self.offset += len(rows)
        if len(rows) < requested:
            self.done = True
        out: List[Any] = []
        for row in rows:
            if self.remaining is not None and self.remaining <= 0:
                self.done = True
                break
            rid = getattr(row, "id", None)
            if isinstance(rid, str) and rid:
                if rid in self._seen:
                    self._repeats += 1
                    continue
                self._seen.add(rid)
                self._order.append(rid)
                if len(self._order) > DEDUPE_WINDOW:
                    self._seen.discard(self._order.popleft())
            self._repeats = 0
            out.append(row)
            if self.remaining is not None:
                self.remaining -= 1
        if self.remaining is not None and self.remaining <= 0:
            self.done = True
        if not self.done and self._repeats > DEDUPE_WINDOW:
            raise InvalidResponseError(
                f"the server sent {self._repeats} rows in a row that were already listed "
                f"(up to offset {self.offset}): it does not page by offset, so asking for "
                "the next page would never end",
                status_code=200,
            )
        return out


class Pager(Generic[T]):
    """Rows fetched page by page as you iterate (sync); each new ``for`` starts over."""

    def __init__(
        self,
        fetch: Callable[[int, int], List[T]],
        *,
        limit: Optional[int] = None,
        offset: int = 0,
        page_size: int = 100,
    ) -> None:
        PageCursor(limit=limit, offset=offset, page_size=page_size)  # validate now
        self._fetch = fetch
        self._limit = limit
        self._offset = offset
        self._page_size = page_size

    def pages(self) -> Iterator[List[T]]:
        """Iterate page by page (after de-duplication; a page can be empty)."""
        cur = PageCursor(limit=self._limit, offset=self._offset, page_size=self._page_size)
        while True:
            req = cur.next_page()
            if req is None:
                return
            offset, size = req
            rows = self._fetch(offset, size)
            yield cur.accept(rows, size)

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page

    def to_list(self) -> List[T]:
        """Every row (at most ``limit``), fetched now."""
        return [row for page in self.pages() for row in page]

    def __repr__(self) -> str:
        return f"Pager(limit={self._limit}, offset={self._offset}, page_size={self._page_size})"


class AsyncPager(Generic[T]):
    """The async twin of :class:`Pager`: ``async for row in pager``."""

    def __init__(
        self,
        fetch: Callable[[int, int], Awaitable[List[T]]],
        *,
        limit: Optional[int] = None,
        offset: int = 0,
        page_size: int = 100,
    ) -> None:
        PageCursor(limit=limit, offset=offset, page_size=page_size)
        self._fetch = fetch
        self._limit = limit
        self._offset = offset
        self._page_size = page_size

    async def pages(self) -> AsyncIterator[List[T]]:
        cur = PageCursor(limit=self._limit, offset=self._offset, page_size=self._page_size)
        while True:
            req = cur.next_page()
            if req is None:
                return
            offset, size = req
            rows = await self._fetch(offset, size)
            yield cur.accept(rows, size)

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for row in page:
                yield row

    async def to_list(self) -> List[T]:
        """Every row (at most ``limit``), fetched now."""
        return [row async for row in self]

    def __repr__(self) -> str:
        return (
            f"AsyncPager(limit={self._limit}, offset={self._offset}, page_size={self._page_size})"
        )
