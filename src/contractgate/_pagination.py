"""Lazy iterators over the gateway's offset-paginated lists (``/audit``, ``/quarantine``).

The gateway pages by ``limit``/``offset`` over a live table whose sort key has ties, so
pages can overlap (spec §3.6): the pagers drop rows whose ``id`` they already yielded
(remembering the most recent ids, enough to cover any overlap the gateway can produce).

``limit`` is the maximum number of rows to yield in total (``None``: all), ``offset``
where to start, ``page_size`` how many rows each request asks for (≤ 500, the gateway's
cap). v0.1's single-page ``audit(contract_id, limit=50, offset=0)`` therefore yields the
same rows as before; the sync pager also answers ``len()``, indexing and ``==`` with a
list (it then loads the rows, at most ``limit``), and the async pager can be awaited to
get a list.
"""

from __future__ import annotations

from collections import deque
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Deque,
    Generator,
    Generic,
    Iterator,
    List,
    Optional,
    Set,
    Tuple,
    TypeVar,
    Union,
    overload,
)

__all__ = ["AsyncPager", "PageCursor", "Pager"]

T = TypeVar("T")

MAX_PAGE_SIZE = 500
#: How many recent ids are remembered for de-duplication. Overlaps come from ties in
#: ``created_at`` (one batch of ≤ 1000 rows shares one timestamp) and from rows inserted
#: while paging; 10,000 covers both with a wide margin at bounded memory.
DEDUPE_WINDOW = 10_000


class PageCursor:
    """Pure paging state: which page to ask for next and which rows to keep."""

    def __init__(self, *, limit: Optional[int], offset: int, page_size: int) -> None:
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise ValueError("limit must be None or an int >= 0")
        if not isinstance(offset, int) or offset < 0:
            raise ValueError("offset must be an int >= 0")
        if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be in 1..{MAX_PAGE_SIZE}")
        self.remaining = limit
        self.offset = offset
        self.page_size = page_size
        self.done = limit == 0
        self._seen: Set[str] = set()
        self._order: Deque[str] = deque()

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
                    continue
                self._seen.add(rid)
                self._order.append(rid)
                if len(self._order) > DEDUPE_WINDOW:
                    self._seen.discard(self._order.popleft())
            out.append(row)
            if self.remaining is not None:
                self.remaining -= 1
        if self.remaining is not None and self.remaining <= 0:
            self.done = True
        return out


class Pager(Generic[T]):
    """A lazy, re-iterable sequence of rows fetched page by page (sync).

    ``for row in pager`` fetches pages as needed; each new ``for`` starts over from
    ``offset``. ``len()``, indexing and comparing with a list load the rows once
    (at most ``limit``) and keep them.
    """

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
        self._cache: Optional[List[T]] = None

    def _cursor(self) -> PageCursor:
        return PageCursor(limit=self._limit, offset=self._offset, page_size=self._page_size)

    def pages(self) -> Iterator[List[T]]:
        """Iterate page by page (after de-duplication; a page can be empty)."""
        cur = self._cursor()
        while True:
            req = cur.next_page()
            if req is None:
                return
            offset, size = req
            rows = self._fetch(offset, size)
            yield cur.accept(rows, size)

    def __iter__(self) -> Iterator[T]:
        if self._cache is not None:
            yield from self._cache
            return
        for page in self.pages():
            yield from page

    def to_list(self) -> List[T]:
        if self._cache is None:
            self._cache = [row for page in self.pages() for row in page]
        return list(self._cache)

    def __len__(self) -> int:
        return len(self._loaded())

    def _loaded(self) -> List[T]:
        if self._cache is None:
            self.to_list()
        assert self._cache is not None
        return self._cache

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> List[T]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[T, List[T]]:
        return self._loaded()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, Pager)):
            return list(self._loaded()) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        """Whether there is at least one row (asks for one row unless already loaded)."""
        if self._cache is not None:
            return bool(self._cache)
        if self._limit == 0:
            return False
        return bool(self._fetch(self._offset, 1))

    def __repr__(self) -> str:
        state = f"{len(self._cache)} rows loaded" if self._cache is not None else "lazy"
        return (
            f"Pager(limit={self._limit}, offset={self._offset}, "
            f"page_size={self._page_size}, {state})"
        )


class AsyncPager(Generic[T]):
    """The async twin of :class:`Pager`: ``async for row in pager``, or
    ``rows = await pager`` (a list, at most ``limit`` rows, as v0.1's awaited call)."""

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
        return [row async for row in self]

    def __await__(self) -> Generator[Any, None, List[T]]:
        return self.to_list().__await__()

    def __repr__(self) -> str:
        return (
            f"AsyncPager(limit={self._limit}, offset={self._offset}, page_size={self._page_size})"
        )
