"""An ingest answer checked by msgspec (``contractgate[fast]``) without being decoded.

Without ``on_batch``, an ``ingest()`` that keeps its results (the default) packs each
answer (:class:`~.ingest_answer.PackedResults`) and decodes it again only when results
are read. The usual path (``parse_json`` then :func:`~.ingest_answer.read_batch_answer`)
decodes the whole answer into dicts, checks them and frees them: about half the client's
CPU time per event on top of raw httpx. Here msgspec checks the same rules on typed structs
while it parses, and skips each ``transformed_event`` as a ``Raw`` slice (its syntax
checked, nothing built), so the answer is never decoded before it is read.

:func:`proven_answer` only says "usable" or "not proven": whatever it cannot prove usable
exactly as the usual path would find it (a field missing or of another type, a key the
spec does not name, duplicate ``passed`` values, text that only the stdlib decoder reads)
goes the usual way, which accepts it or words the error. What it accepts decodes again
later, by :func:`~.responses.loads_json`, to what the usual path would have read:

* msgspec refuses what orjson and ``json`` refuse: syntax errors (inside skipped values
  too), NaN, a BOM, raw control characters, lone surrogates (which orjson refuses but
  ``json`` reads: not proven here); it reads invalid UTF-8 inside a skipped string, so
  the whole body is checked as UTF-8 first;
* an answer orjson refuses for another reason (a number beyond a double) is read again
  by ``json``, which would fail on nesting deeper than Python's recursion limit or on an
  integer of more than ``sys.get_int_max_str_digits()`` digits: each skipped value is
  proven free of both (short enough, or few enough brackets);
* duplicate keys: msgspec keeps the last value, as orjson and ``json`` do, and checks
  every value it reads, so it proves no less.
"""

from __future__ import annotations

import sys
from operator import attrgetter
from typing import Any, Dict, List, Optional

from .ingest_answer import batch_answer_problem

__all__ = ["proven_answer"]

#: A skipped value this short can neither nest past the stdlib decoder's reach (900
#: levels take 1,800 brackets) nor hold an integer too long for ``int()``.
_SHORT = 1_800
_MAX_NESTING = 900

_decoders: Any = None  # (top level, results, decoder per known top-level key), or False

_EVENT = attrgetter("transformed_event")
_INDEX = attrgetter("index")
_PASSED = attrgetter("passed")


def _load() -> Any:
    """The decoders, built on first use (importing msgspec costs a few ms), or False
    when msgspec is not installed."""
    global _decoders
    try:
        import msgspec
    except ImportError:  # pragma: no cover - depends on the environment
        _decoders = False
        return False

    # defstruct: the types as objects (this module's annotations are strings)
    violation = msgspec.defstruct(
        "Violation", [("field", str), ("message", str), ("kind", str)], forbid_unknown_fields=True
    )
    result = msgspec.defstruct(  # every field of ingest_answer._ROW_KEYS, typed as it types them
        "Result",
        [
            ("passed", bool),
            ("index", int),
            ("validation_us", int),
            ("forwarded", bool),
            ("contract_version", str),
            ("quarantine_id", Optional[str]),
            ("violations", List[violation]),  # type: ignore[valid-type]
            ("transformed_event", msgspec.Raw),
        ],
        forbid_unknown_fields=True,
    )
    count, flag, text = (msgspec.json.Decoder(t) for t in (int, bool, Optional[str]))
    by_key = {
        "total": count,
        "passed": count,
        "failed": count,
        "dry_run": flag,
        "atomic": flag,
        "resolved_version": text,
        "version_pin_source": text,
    }
    _decoders = (
        msgspec.json.Decoder(Dict[str, msgspec.Raw]),
        msgspec.json.Decoder(List[result]),  # type: ignore[valid-type]
        by_key,
    )
    return _decoders


def proven_answer(content: bytes, count: int) -> Optional[Dict[str, Any]]:
    """The top-level values of the answer ``content`` (``"results"``: None; keys in the
    answer's order), when msgspec proves it the usable verdicts of the ``count`` events
    sent (``/v1/ingest``'s shape, every field present), for the caller to pack; else
    None: the usual path decides."""
    decoders = _decoders if _decoders is not None else _load()
    if not decoders:
        return None
    top_level, results_of, by_key = decoders
    try:
        fields = top_level.decode(content)
        results = results_of.decode(fields["results"])
        top: Dict[str, Any] = {
            k: None if k == "results" else by_key[k].decode(v) for k, v in fields.items()
        }
    except Exception:  # msgspec refuses it, or a key is unknown: not proven
        return None
    if not content.isascii():
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return None
    events = list(map(_EVENT, results))
    digits = _digits_limit()
    plain = min(_SHORT, digits) if digits else _SHORT
    if max(map(len, events), default=0) > plain and not all(
        _readable_again(raw, digits) for raw in events
    ):
        return None
    if list(map(_INDEX, results)) != list(range(len(results))):
        return None
    passed = sum(map(_PASSED, results))
    if batch_answer_problem({**top, "results": results}, count, typed=True, passed=passed):
        return None
    return top


def _digits_limit() -> int:
    """The most digits ``int()`` (so ``json``) reads in an integer; 0: no limit."""
    get = getattr(sys, "get_int_max_str_digits", None)  # Python 3.11 (and late 3.9/3.10)
    return int(get()) if get is not None else 0


def _readable_again(raw: Any, digits: int) -> bool:
    """Whether the skipped value ``raw`` is sure to decode by ``json`` too (see the module
    docstring): too short to hold an integer of more than ``digits`` digits (0: no
    limit), and short or with few brackets."""
    n = len(raw)
    if digits and n > digits:
        return False
    if n <= _SHORT:
        return True
    data = memoryview(raw).tobytes()
    return data.count(b"[") + data.count(b"{") <= _MAX_NESTING
