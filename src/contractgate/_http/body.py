"""Reading a response body within a limit on its *decoded* size, as it streams.

httpx inflates a compressed body one network chunk at a time and hands out whatever that
chunk inflates to: a 64 KiB chunk of a gzip bomb becomes ~64 MiB at once, and the whole
bomb gigabytes. So the clients read the raw stream (``iter_raw``/``aiter_raw``) and feed
it to a :class:`BodyReader`, which inflates at most :data:`STEP` bytes at a time and
stops as soon as the decoded size passes the limit; a ``Content-Length`` over the limit
stops it before reading anything. Both clients share the reader; only their loop around
it differs (sync or async).

Encodings: ``gzip`` (``x-gzip``) and ``deflate`` (zlib-wrapped or raw, as httpx reads
it), possibly stacked; the clients ask for nothing else (``Accept-Encoding``). Any other
value is left as it is, as httpx does for encodings it does not know.
"""

from __future__ import annotations

import zlib
from typing import Iterator, List, Mapping, Optional

import httpx

__all__ = ["ACCEPT_ENCODING", "STEP", "BodyReader"]

#: What the clients accept (httpx would add ``br``/``zstd`` when those packages are
#: installed; their decoders cannot be bounded the same way).
ACCEPT_ENCODING = "gzip, deflate"

#: The most bytes one inflate step produces.
STEP = 64 * 1024


class _Inflater:
    """One ``Content-Encoding`` layer, inflated in steps of at most :data:`STEP` bytes."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        gzip = encoding in ("gzip", "x-gzip")
        self._d = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        self._raw_fallback = not gzip  # deflate: some servers send it without the header
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        d = self._d
        if d.eof:  # bytes after the end of the stream are ignored, as httpx does
            return
        while True:
            try:
                out = d.decompress(data, STEP)
            except zlib.error as exc:
                if self._raw_fallback and not self._started:
                    self._raw_fallback = False
                    self._d = d = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise httpx.DecodingError(
                    f"the {self.encoding} response body cannot be decoded: {exc}"
                ) from exc
            self._started = True
            data = d.unconsumed_tail
            if out:
                yield out
            # a full step may leave output inside zlib: ask again until it is drained
            if d.eof or (not data and len(out) < STEP):
                return

    def flush(self) -> bytes:
        try:
            return self._d.flush()
        except zlib.error as exc:  # pragma: no cover - flush after a complete stream
            raise httpx.DecodingError(
                f"the {self.encoding} response body cannot be decoded: {exc}"
            ) from exc


def _layers(content_encoding: str) -> List[_Inflater]:
    """The inflaters for a ``Content-Encoding`` value, in decoding order (the last
    encoding applied is undone first)."""
    names = [v.strip().lower() for v in content_encoding.split(",")]
    return [_Inflater(n) for n in reversed(names) if n in ("gzip", "x-gzip", "deflate")]


class BodyReader:
    """Collects one response body, decoded, up to ``limit`` bytes.

    Feed it the raw chunks; :meth:`feed` returns False once the body is over the limit
    (stop reading then: :attr:`over_limit` is set and nothing is kept). The raw bytes
    count too: more raw bytes than the limit never make a usable body (and bytes after
    the end of a compressed stream would otherwise be read forever). :meth:`finish`
    returns the decoded body."""

    def __init__(self, headers: Mapping[str, str], limit: int) -> None:
        self.limit = limit
        self.size = 0  # decoded bytes seen
        self.raw_size = 0
        self.over_limit = False
        self._chunks: List[bytes] = []
        self._layers = _layers(headers.get("content-encoding", ""))
        if not self._layers:
            declared = _content_length(headers)
            if declared is not None and declared > limit:
                self.over_limit = True

    def feed(self, raw: bytes) -> bool:
        """Take one raw chunk; False when the body is over the limit."""
        if self.over_limit:
            return False
        if not self._layers:
            return self._keep(raw)
        self.raw_size += len(raw)
        if self.raw_size > self.limit:
            self.over_limit = True
            self._chunks = []
            return False
        for piece in self._through(raw, 0):
            if not self._keep(piece):
                return False
        return True

    def take_decoded(self, content: bytes) -> None:
        """The whole body, already read and decoded by httpx: a transport may hand back
        a response it read itself (``httpx.MockTransport`` does); only the limit is
        left to apply."""
        self._layers = []
        self.over_limit = False
        self._keep(content)

    def finish(self) -> bytes:
        """The decoded body (``b""`` when it was over the limit)."""
        for i, layer in enumerate(self._layers):
            if self.over_limit:
                break
            tail = layer.flush()
            if tail:
                for piece in self._through(tail, i + 1):
                    if not self._keep(piece):
                        break
        if self.over_limit:
            return b""
        return b"".join(self._chunks)

    def _through(self, data: bytes, layer: int) -> Iterator[bytes]:
        if layer == len(self._layers):
            yield data
            return
        for piece in self._layers[layer].feed(data):
            yield from self._through(piece, layer + 1)

    def _keep(self, piece: bytes) -> bool:
        self.size += len(piece)
        if self.size > self.limit:
            self.over_limit = True
            self._chunks = []
            return False
        self._chunks.append(piece)
        return True


def _content_length(headers: Mapping[str, str]) -> Optional[int]:
    value = headers.get("content-length")
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None
