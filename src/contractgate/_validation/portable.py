"""What lets a compiled contract travel between processes.

A :class:`~.compiler.CompiledContract` pickles as its contract and compile options, never
as generated code (which cannot be pickled by reference, and which a by-value copy such as
cloudpickle's could not keep correct). The receiving process compiles again, once: the
:class:`CompileCache` keys compiled contracts by a :func:`fingerprint` of the contract's
content and the options, so a worker that receives the same contract in a thousand tasks
compiles it for the first one only.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import threading
from collections import OrderedDict
from typing import Any, Callable, Generic, List, Mapping, NamedTuple, TypeVar

__all__ = ["CacheInfo", "CompileCache", "fingerprint"]

T = TypeVar("T")


def fingerprint(contract: Any, options: Mapping[str, Any]) -> str:
    """A stable digest of everything that decides how ``contract`` validates.

    It covers every compared field of the contract's dataclasses (not ``filename``,
    ``source_text`` or source marks), with each value typed (``1``, ``1.0`` and ``True``
    differ; floats by their exact bits, so ``-0.0``, ``inf`` and ``nan`` bounds count),
    plus the compile ``options``. Equal contracts compiled with equal options have equal
    fingerprints in every process and Python version.
    """
    out: List[str] = []
    _encode(contract, out)
    _encode(dict(options), out)
    return hashlib.sha256("".join(out).encode("utf-8", "surrogatepass")).hexdigest()


def _encode(v: Any, out: List[str]) -> None:
    # Every item is self-delimiting (tag, then a length or a terminator), so two different
    # trees never produce the same text.
    if v is None:
        out.append("N")
    elif v is True or v is False:
        out.append("T" if v else "F")
    elif isinstance(v, enum.Enum):
        out.append(f"E{type(v).__name__}:")
        _encode(v.value, out)
    elif isinstance(v, str):
        text = str.__str__(v)
        out.append(f"s{len(text)}:{text}")
    elif isinstance(v, int):
        out.append(f"i{int.__repr__(int(v))};")
    elif isinstance(v, float):
        out.append(f"f{float.hex(float(v))};")
    elif dataclasses.is_dataclass(v) and not isinstance(v, type):
        fields = [f for f in dataclasses.fields(v) if f.compare]
        out.append(f"D{type(v).__qualname__}:{len(fields)}:")
        for f in fields:
            out.append(f"s{len(f.name)}:{f.name}")
            _encode(getattr(v, f.name), out)
    elif isinstance(v, Mapping):
        out.append(f"M{len(v)}:")
        for k in sorted(v, key=lambda k: (type(k).__name__, str(k))):
            _encode(k, out)
            _encode(v[k], out)
    elif isinstance(v, (list, tuple)):
        out.append(f"L{len(v)}:")
        for x in v:
            _encode(x, out)
    else:
        raise TypeError(f"cannot fingerprint a {type(v).__name__}")


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    size: int
    maxsize: int


class CompileCache(Generic[T]):
    """A bounded, thread-safe LRU of compiled contracts keyed by :func:`fingerprint`."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get_or_build(self, key: str, build: Callable[[], T]) -> T:
        """The cached value for ``key``, or ``build()``'s (stored; the least recently
        used entry goes when the cache is full). ``build`` runs outside the lock."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self._hits += 1
                return found
            self._misses += 1
        value = build()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value

    def info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self._hits, self._misses, len(self._items), self.maxsize)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._hits = self._misses = 0
