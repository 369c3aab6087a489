"""The UTF-8 byte-range sequences of a class, as regex-syntax's ``Utf8Sequences``
makes them: what the crate's Thompson compiler turns a Unicode class into, and so what
the size replay (``size``) prices."""

from __future__ import annotations

from typing import Dict, List, Tuple

from .charset import Ranges

__all__ = ["sequences", "utf8_sequences"]


def utf8_sequences(lo: int, hi: int) -> List[List[Tuple[int, int]]]:
    """regex-syntax's ``Utf8Sequences`` for the scalar range ``lo..=hi``."""
    out: List[List[Tuple[int, int]]] = []
    stack: List[Tuple[int, int]] = [(lo, hi)]
    while stack:
        start, end = stack.pop()
        while True:
            if start < 0xE000 and end > 0xD7FF:
                stack.append((0xE000, end))
                end = 0xD7FF
                continue
            if start > end:
                break
            split = False
            for mx in (0x7F, 0x7FF, 0xFFFF):
                if start <= mx < end:
                    stack.append((mx + 1, end))
                    end = mx
                    split = True
                    break
            if split:
                continue
            if end <= 0x7F:
                out.append([(start, end)])
                break
            for i in (1, 2, 3):
                m = (1 << (6 * i)) - 1
                if (start & ~m) != (end & ~m):
                    if start & m:
                        stack.append(((start | m) + 1, end))
                        end = start | m
                        split = True
                        break
                    if (end & m) != m:
                        stack.append((end & ~m, end))
                        end = (end & ~m) - 1
                        split = True
                        break
            if split:
                continue
            a = chr(start).encode("utf-8")
            b = chr(end).encode("utf-8")
            out.append(list(zip(a, b)))
            break
    return out


_seq_cache: Dict[Ranges, List[List[Tuple[int, int]]]] = {}


def sequences(rs: Ranges) -> List[List[Tuple[int, int]]]:
    got = _seq_cache.get(rs)
    if got is None:
        got = [seq for lo, hi in rs for seq in utf8_sequences(lo, hi)]
        if len(_seq_cache) > 64:
            _seq_cache.clear()
        _seq_cache[rs] = got
    return got
