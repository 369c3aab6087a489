"""Unicode lookups with regex-syntax 0.8 semantics over the generated tables."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Dict, List, Optional, Tuple

from . import charset as C
from . import tables as T
from .charset import Ranges

_cache: Dict[str, Ranges] = {}


def decode(text: str) -> Ranges:
    """Inverse of ``encode`` in scripts/regen_regex_tables.py."""
    if not text:
        return ()
    nums = [int(x, 36) for x in text.split(",")]
    out: List[Tuple[int, int]] = []
    prev = -1
    for i in range(0, len(nums), 2):
        lo = prev + 1 + nums[i]
        hi = lo + nums[i + 1]
        out.append((lo, hi))
        prev = hi
    return tuple(out)


def _table(key: str, text: str) -> Ranges:
    got = _cache.get(key)
    if got is None:
        got = C.canon(decode(text))
        _cache[key] = got
    return got


#: The ASCII classes ``[[:name:]]`` (regex-syntax's ``ClassAsciiKind``); ``\d``, ``\s``
#: and ``\w`` under ``(?-u)`` are ``digit``, ``space`` and ``word``.
ASCII_CLASSES: Dict[str, Ranges] = {
    "alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "ascii": ((0x00, 0x7F),),
    "blank": ((0x09, 0x09), (0x20, 0x20)),
    "cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "digit": ((0x30, 0x39),),
    "graph": ((0x21, 0x7E),),
    "lower": ((0x61, 0x7A),),
    "print": ((0x20, 0x7E),),
    "punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "space": ((0x09, 0x0D), (0x20, 0x20)),
    "upper": ((0x41, 0x5A),),
    "word": ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)),
    "xdigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}

def perl_word() -> Ranges:
    return _table("perl:w", T.PERL_WORD)


def perl_digit() -> Ranges:
    return _table("perl:d", T.PERL_DIGIT)


def perl_space() -> Ranges:
    return _table("perl:s", T.PERL_SPACE)


# -- character predicates used by the parser ------------------------------------

_flat: Dict[str, Tuple[List[int], List[int]]] = {}


def _flat_table(key: str, text: str) -> Tuple[List[int], List[int]]:
    got = _flat.get(key)
    if got is None:
        rs = _table(key, text)
        got = ([lo for lo, _ in rs], [hi for _, hi in rs])
        _flat[key] = got
    return got


def _in(key: str, text: str, c: str) -> bool:
    los, his = _flat_table(key, text)
    o = ord(c)
    i = bisect_right(los, o) - 1
    return i >= 0 and o <= his[i]


def is_white_space(c: str) -> bool:
    """Rust's ``char::is_whitespace`` (the White_Space property)."""
    if c in " \t\n\r":
        return True
    if not c or ord(c) < 0x80:
        return c in "\x0b\x0c"
    return _in("perl:s", T.PERL_SPACE, c)


def is_capture_char(c: str, first: bool) -> bool:
    """regex-syntax's ``is_capture_char`` (core Unicode for is_alphabetic/numeric)."""
    if not c:
        return False
    if c == "_":
        return True
    if first:
        return _in("cap:start", T.CAPTURE_START, c)
    return _in("cap:cont", T.CAPTURE_CONTINUE, c)


def is_word_char(c: str) -> bool:
    return _in("perl:w", T.PERL_WORD, c)


# -- simple case folding ----------------------------------------------------------

_fold_keys: List[int] = []
_fold_orbits: List[Tuple[int, ...]] = []


def _load_folds() -> None:
    if _fold_keys:
        return
    pairs: List[Tuple[int, Tuple[int, ...]]] = []
    for group in T.CASE_ORBITS.split(";"):
        orbit = tuple(int(x, 36) for x in group.split(","))
        for c in orbit:
            pairs.append((c, orbit))
    pairs.sort()
    _fold_keys.extend(p[0] for p in pairs)
    _fold_orbits.extend(p[1] for p in pairs)


def has_simple_fold(c: int) -> bool:
    _load_folds()
    i = bisect_left(_fold_keys, c)
    return i < len(_fold_keys) and _fold_keys[i] == c


def case_fold_simple(rs: Ranges) -> Ranges:
    """Add every simple case folding variant of every member (ClassUnicode::case_fold_simple)."""
    _load_folds()
    extra: List[Tuple[int, int]] = []
    for lo, hi in rs:
        i = bisect_left(_fold_keys, lo)
        j = bisect_right(_fold_keys, hi)
        for k in range(i, j):
            for o in _fold_orbits[k]:
                if not C.contains(rs, o):
                    extra.append((o, o))
    if not extra:
        return rs
    return C.canon(list(rs) + extra)


def ascii_case_fold(rs: Ranges) -> Ranges:
    """ClassBytes::case_fold_simple (ASCII letters only)."""
    extra: List[Tuple[int, int]] = []
    for lo, hi in rs:
        a, b = max(lo, 0x41), min(hi, 0x5A)
        if a <= b:
            extra.append((a + 32, b + 32))
        a, b = max(lo, 0x61), min(hi, 0x7A)
        if a <= b:
            extra.append((a - 32, b - 32))
    if not extra:
        return rs
    return C.canon(list(rs) + extra)


# -- property queries --------------------------------------------------------------


class PropertyError(Exception):
    """Raised with ``value=True`` for "property value not found"."""

    def __init__(self, value: bool) -> None:
        super().__init__("value" if value else "property")
        self.value = value


def symbolic_name_normalize(name: str) -> str:
    raw = name.encode("utf-8")
    start = 0
    starts_with_is = len(raw) >= 2 and raw[:2] in (b"is", b"IS", b"iS", b"Is")
    if starts_with_is:
        start = 2
    out = bytearray()
    for b in raw[start:]:
        if b in (0x20, 0x5F, 0x2D):
            continue
        if 0x41 <= b <= 0x5A:
            out.append(b + 32)
        elif b <= 0x7F:
            out.append(b)
    if starts_with_is and out == b"c":
        out = bytearray(b"isc")
    return out.decode("ascii")


def _gencat_canonical(norm: str) -> Optional[str]:
    if norm == "any":
        return "Any"
    if norm == "assigned":
        return "Assigned"
    if norm == "ascii":
        return "ASCII"
    return T.GC_ALIASES.get(norm)


def _gencat(name: str) -> Ranges:
    if name == "Nd":
        return perl_digit()
    if name == "ASCII":
        return ((0, 0x7F),)
    if name == "Any":
        return C.ANY
    if name == "Assigned":
        return C.negate(_gencat("Cn"))
    if name in T.GC_GROUPS:
        key = "gc:" + name
        got = _cache.get(key)
        if got is None:
            got = ()
            for leaf in T.GC_GROUPS[name]:
                if leaf in T.GC:
                    got = C.union(got, _table("gc:" + leaf, T.GC[leaf]))
            _cache[key] = got
        return got
    if name in T.GC:
        return _table("gc:" + name, T.GC[name])
    raise PropertyError(True)


def _script(name: str, extensions: bool) -> Ranges:
    table = T.SCRIPT_EXTENSIONS if extensions else T.SCRIPT
    if name not in table:
        raise PropertyError(True)
    return _table(("scx:" if extensions else "sc:") + name, table[name])


def _bool_property(name: str) -> Ranges:
    if name == "White_Space":
        return perl_space()
    if name not in T.BOOL:
        raise PropertyError(False)
    return _table("bool:" + name, T.BOOL[name])


def _ages(value: str) -> Ranges:
    out: Ranges = ()
    for name, text in T.AGE:
        out = C.union(out, _table("age:" + name, text))
        if name == value:
            return out
    raise PropertyError(True)


def class_query(
    name: str, value: Optional[str] = None, one_letter: bool = False
) -> Ranges:
    """regex-syntax ``unicode::class`` for ``\\pN`` / ``\\p{name}`` / ``\\p{name=value}``."""
    if value is None:
        norm = symbolic_name_normalize(name)
        if norm not in ("cf", "sc", "lc"):
            prop = T.PROPERTY_NAMES.get(norm)
            if prop is not None:
                return _bool_property(prop)
        gc = _gencat_canonical(norm)
        if gc is not None:
            return _gencat(gc)
        sc = T.SCRIPT_ALIASES.get(norm)
        if sc is not None:
            return _script(sc, False)
        raise PropertyError(False)
    pname = symbolic_name_normalize(name)
    pvalue = symbolic_name_normalize(value)
    canon_name = T.PROPERTY_NAMES.get(pname)
    if canon_name is None:
        raise PropertyError(False)
    if canon_name == "General_Category":
        gc = _gencat_canonical(pvalue)
        if gc is None:
            raise PropertyError(True)
        return _gencat(gc)
    if canon_name in ("Script", "Script_Extensions"):
        sc = T.SCRIPT_ALIASES.get(pvalue)
        if sc is None:
            raise PropertyError(True)
        return _script(sc, canon_name == "Script_Extensions")
    if canon_name == "Age":
        age = T.AGE_ALIASES.get(pvalue)
        if age is None:
            raise PropertyError(True)
        return _ages(age)
    tables = {
        "Grapheme_Cluster_Break": (T.GCB_ALIASES, T.GCB, "gcb:"),
        "Word_Break": (T.WB_ALIASES, T.WB, "wb:"),
        "Sentence_Break": (T.SB_ALIASES, T.SB, "sb:"),
    }.get(canon_name)
    if tables is None:
        raise PropertyError(True)
    aliases, data, prefix = tables
    canon_value = aliases.get(pvalue)
    if canon_value is None or canon_value not in data:
        raise PropertyError(True)
    return _table(prefix + canon_value, data[canon_value])
