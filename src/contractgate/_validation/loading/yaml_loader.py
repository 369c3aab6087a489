"""serde_yaml-faithful typed reading of contract YAML (spec §1.1, §1.2, §1.12, appendix E).

The gateway reads contracts with serde_yaml 0.9, which types every scalar by the Rust
field it lands in rather than by one document-wide schema. PyYAML's resolver (YAML 1.1:
``yes`` → True, ``1.0`` → float, ``017`` → 15, …) must therefore never construct Python
objects here. Instead this module:

1. pulls the libyaml *event* stream of the first document from :mod:`.libyaml`, our
   port of libyaml 0.2.5 — the logic serde_yaml's ``unsafe-libyaml`` runs, for good —
   so the events, marks and scanner/parser error texts are the engine's whatever YAML
   library is installed (PyYAML is not used to read contracts);
2. replays serde_yaml's ``DeserializerFromEvents`` over those events, driven by a small
   type description of the target structs (:class:`Struct`, :class:`Seq`, …). Alias
   jumps, the 128-level recursion limit, the repetition limit, error paths
   (``ontology.entities[0].required``), marks (``at line L column C``) and error
   precedence (a type error before a later syntax error wins) all follow serde_yaml.

The type descriptions, serde's errors and its scalar typing are in :mod:`.serde_types`
(shared with :mod:`.python_loader`, which types already-decoded Python data).

Everything here is private; the public model lives in :mod:`contractgate.contract`.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import (
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    NoReturn,
    Optional,
)

from ...exceptions import ContractCompileError
from ..values.render import render_debug_str
from ..walks import Walk, walk
from . import libyaml as Y
from .libyaml import YAMLError, YAMLReaderError, YAMLSyntaxError, iter_events
from .serde_types import (
    BOOLS,
    F64,
    NULLS,
    RECURSION_LIMIT,
    TAG_NULL,
    Bool,
    DeError,
    Enum,
    Json,
    Mark,
    Opt,
    PathT,
    Seq,
    Str,
    Struct,
    Typed,
    TypeSpec,
    UInt,
    describe,
    invalid_type,
    invalid_value,
    parse_f64,
    parse_unsigned_int,
    visit_scalar,
)

__all__ = ["read_yaml"]


# --------------------------------------------------------------------------------------
# Events (serde_yaml's loader.rs)
# --------------------------------------------------------------------------------------

SCALAR, SEQ_START, SEQ_END, MAP_START, MAP_END, ALIAS, VOID = range(7)


class _Event:
    __slots__ = ("kind", "mark", "plain", "tag", "target", "value")

    def __init__(
        self,
        kind: int,
        mark: Mark,
        value: str = "",
        tag: Optional[str] = None,
        plain: bool = False,
        target: int = -1,
    ) -> None:
        self.kind = kind
        self.mark = mark
        self.value = value
        self.tag = tag
        self.plain = plain
        self.target = target


MAX_NESTING = 5_000  # collections nested deeper are rejected (our own bound)
MAX_EVENTS = 500_000  # nodes per document (our own bound)


class _Document:
    def __init__(self) -> None:
        self.events: List[_Event] = []
        self.error: Optional[DeError] = None


def _libyaml_error(exc: YAMLError) -> DeError:
    """Render a libyaml error the way serde_yaml's ``Display`` does."""
    if isinstance(exc, YAMLSyntaxError):
        text = exc.problem
        mark = exc.problem_mark
        if mark is not None and mark != (0, 0):
            text += f" at line {mark[0] + 1} column {mark[1] + 1}"
        if exc.context is not None:
            text += f", {exc.context}"
            cm = exc.context_mark
            if cm is not None and cm != (0, 0) and cm != mark:
                text += f" at line {cm[0] + 1} column {cm[1] + 1}"
        return DeError(text, mark, fixable=False, show_mark=False)
    assert isinstance(exc, YAMLReaderError)
    text = exc.reason
    if exc.offset:
        text += f" at position {exc.offset}"
    return DeError(text, fixable=False)


class _EventSource:
    """The libyaml 0.2.5 event stream (our port), read lazily one document at a time."""

    def __init__(self, text: str) -> None:
        self._events = iter_events(text)
        self.done = False

    def first_document(self) -> _Document:
        doc = _Document()
        anchors: Dict[str, int] = {}
        events = doc.events
        append = events.append
        depth = 0
        try:
            for ev in self._events:
                kind = ev.kind
                mark = ev.start
                if kind == Y.SCALAR:
                    if ev.anchor is not None:
                        anchors[ev.anchor] = len(events)
                    append(_Event(SCALAR, mark, ev.value, ev.tag, ev.plain))
                elif kind == Y.MAPPING_END:
                    append(_Event(MAP_END, mark))
                    depth -= 1
                elif kind == Y.SEQUENCE_END:
                    append(_Event(SEQ_END, mark))
                    depth -= 1
                elif kind == Y.MAPPING_START or kind == Y.SEQUENCE_START:
                    depth += 1
                    if depth > MAX_NESTING:
                        # Our own bound against hostile input (serde_yaml has none).
                        # Content this deep can only sit under an ignored key (known
                        # fields stop at 128 levels, and that error is still reported
                        # first: the deserializer meets it earlier).
                        doc.error = DeError(
                            f"YAML nesting too deep: more than {MAX_NESTING} levels",
                            mark,
                            fixable=False,
                        )
                        return doc
                    if ev.anchor is not None:
                        anchors[ev.anchor] = len(events)
                    start = MAP_START if kind == Y.MAPPING_START else SEQ_START
                    append(_Event(start, mark, tag=ev.tag))
                elif kind == Y.ALIAS:
                    target = anchors.get(ev.anchor or "")
                    if target is None:
                        doc.error = DeError("unknown anchor", mark, fixable=False)
                        return doc
                    append(_Event(ALIAS, mark, target=target))
                elif kind == Y.DOCUMENT_END:
                    return doc
                elif kind == Y.STREAM_END:
                    self.done = True
                    if not events:
                        append(_Event(VOID, mark))
                    return doc
                else:  # STREAM_START, DOCUMENT_START
                    continue
                if len(events) > MAX_EVENTS:
                    # Our own bound against hostile input (serde_yaml has none): stop
                    # here, as if the YAML had a syntax error at this point.
                    doc.error = DeError(
                        f"YAML document too large: more than {MAX_EVENTS} nodes",
                        mark,
                        fixable=False,
                    )
                    return doc
        except YAMLError as exc:
            doc.error = _libyaml_error(exc)
            return doc
        self.done = True  # pragma: no cover - the port always ends with STREAM_END
        return doc

    def has_another_document(self) -> bool:
        """serde_yaml's ``loader.next_document().is_some()`` after the first document."""
        if self.done:
            return False
        try:
            ev = next(self._events, None)
        except YAMLError:
            return True
        return ev is not None and ev.kind != Y.STREAM_END


# --------------------------------------------------------------------------------------
# The event deserializer (serde_yaml's DeserializerFromEvents)
# --------------------------------------------------------------------------------------

ALIAS_EXPANSION_LIMIT = 1_000_000  # events re-read through aliases (our own bound)


class _EventReader:
    def __init__(self, doc: _Document) -> None:
        self.events = doc.events
        self.doc_error = doc.error
        self.pos = 0
        self.jumpcount = 0
        self.jump_limit = len(doc.events) * 100
        self.depth = RECURSION_LIMIT
        self.in_alias = 0
        self.expanded = 0

    # -- event access ---------------------------------------------------------------

    def _end_of_events(self) -> NoReturn:
        if self.doc_error is not None:
            raise self.doc_error
        raise DeError("EOF while parsing a value", fixable=False)

    def peek(self) -> _Event:
        if self.pos < len(self.events):
            return self.events[self.pos]
        self._end_of_events()

    def next(self) -> _Event:
        if self.pos >= len(self.events):
            self._end_of_events()
        ev = self.events[self.pos]
        self.pos += 1
        if self.in_alias:
            self.expanded += 1
            if self.expanded > ALIAS_EXPANSION_LIMIT:
                raise DeError(
                    "alias expansion limit exceeded: aliases expand to more than "
                    f"{ALIAS_EXPANSION_LIMIT} nodes",
                    fixable=False,
                )
        return ev

    @contextmanager
    def _at(self, target: int) -> Iterator[None]:
        """Read from the event at ``target`` (an alias's anchor) inside the block."""
        self.jumpcount += 1
        if self.jumpcount > self.jump_limit:
            raise DeError("repetition limit exceeded", fixable=False)
        saved = self.pos
        self.pos = target
        self.in_alias += 1
        try:
            yield
        finally:
            self.in_alias -= 1
            self.pos = saved

    def jump(self, target: int, then: Callable[[], Any]) -> Any:
        with self._at(target):
            return then()

    def jump_walk(self, target: int, then: Callable[[], Any]) -> Walk[Any]:
        """:meth:`jump` for a composite node: ``then()`` may answer with a walk, run
        (by :func:`~contractgate._validation.walks.walk`) while the position is at ``target``."""
        with self._at(target):
            return (yield then())

    def _enter(self, mark: Mark) -> None:
        if self.depth == 0:
            raise DeError("recursion limit exceeded", mark, fixable=False)
        self.depth -= 1

    def _leave(self) -> None:
        self.depth += 1

    # -- helpers --------------------------------------------------------------------

    def invalid_type(self, ev: _Event, expected: str) -> DeError:
        """serde_yaml's ``invalid_type(event, exp)``."""
        if ev.kind == SCALAR:
            return invalid_type(describe(visit_scalar(ev.value, ev.tag, ev.plain)), expected)
        if ev.kind == SEQ_START:
            return invalid_type("sequence", expected)
        if ev.kind == MAP_START:
            return invalid_type("map", expected)
        return DeError("EOF while parsing a value", fixable=False)

    def _value_mark(self) -> Mark:
        ev = self.peek()
        seen = 0
        while ev.kind == ALIAS and seen < 64:
            ev = self.events[ev.target]
            seen += 1
        return ev.mark

    def ignore_any(self) -> None:
        depth = 0
        while True:
            kind = self.next().kind
            if kind in (SEQ_START, MAP_START):
                depth += 1
            elif kind in (SEQ_END, MAP_END):
                depth -= 1
            if depth <= 0:
                return

    # -- dispatch -------------------------------------------------------------------

    def de(self, ty: TypeSpec, path: PathT) -> Any:
        """The typed value, or (for a node that may nest) a :data:`~.python_loader.Walk`
        that returns it: nesting costs no Python frames."""
        if isinstance(ty, Str):
            return self.de_str(path, "a string")
        if isinstance(ty, Opt):
            return self.de_option(ty, path)
        if isinstance(ty, Struct):
            return self.de_struct(ty, path)
        if isinstance(ty, Seq):
            return self.de_seq(ty, path)
        if isinstance(ty, Enum):
            return self.de_enum(ty, path)
        if isinstance(ty, Bool):
            return self.de_bool(path)
        if isinstance(ty, F64):
            return self.de_f64(path)
        if isinstance(ty, UInt):
            return self.de_uint(ty, path)
        if isinstance(ty, Json):
            return self.de_any(path)
        raise TypeError(f"unknown type spec {ty!r}")  # pragma: no cover

    def de_str(self, path: PathT, expected: str) -> str:
        ev = self.next()
        if ev.kind == ALIAS:
            return str(self.jump(ev.target, lambda: self.de_str(path, expected)))
        try:
            if ev.kind == SCALAR:
                return ev.value
            raise self.invalid_type(ev, expected)
        except DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_bool(self, path: PathT) -> bool:
        ev = self.next()
        if ev.kind == ALIAS:
            return bool(self.jump(ev.target, lambda: self.de_bool(path)))
        try:
            if ev.kind == SCALAR and ev.plain:
                b = BOOLS.get(ev.value)
                if b is not None:
                    return b
            raise self.invalid_type(ev, "a boolean")
        except DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_f64(self, path: PathT) -> float:
        ev = self.next()
        if ev.kind == ALIAS:
            return float(self.jump(ev.target, lambda: self.de_f64(path)))
        try:
            if ev.kind == SCALAR and ev.plain:
                f = parse_f64(ev.value)
                if f is not None:
                    return f
            raise self.invalid_type(ev, "f64")
        except DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_uint(self, ty: UInt, path: PathT) -> int:
        ev = self.next()
        if ev.kind == ALIAS:
            return int(self.jump(ev.target, lambda: self.de_uint(ty, path)))
        try:
            if ev.kind == SCALAR and ev.plain:
                value = parse_unsigned_int(ev.value, 64)
                if value is not None:
                    return value
            raise self.invalid_type(ev, ty.expecting)
        except DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_option(self, ty: Opt, path: PathT) -> Any:
        ev = self.peek()
        if ev.kind == ALIAS:
            self.pos += 1
            return self.jump_walk(ev.target, lambda: self.de_option(ty, path))
        if ev.kind == SCALAR:
            if not ev.plain:
                is_some = True
            elif ev.tag is not None:
                if ev.tag == TAG_NULL:
                    if ev.value not in NULLS:
                        # Not fixed here: serde_yaml's deserialize_option has no map_err,
                        # so the enclosing struct's mark and path end up on it.
                        raise invalid_value(f"string {render_debug_str(ev.value)}", "null")
                    is_some = False
                else:
                    is_some = True
            else:
                is_some = not (ev.value == "" or ev.value in NULLS)
        else:
            is_some = ev.kind != VOID
        if is_some:
            return self.de(ty.inner, path)
        self.next()
        return None

    def de_seq(self, ty: Seq, path: PathT) -> Walk[Any]:
        ev = self.next()
        if ev.kind == ALIAS:
            return list((yield self.jump_walk(ev.target, lambda: self.de_seq(ty, path))))
        try:
            if ev.kind == SEQ_START:
                self._enter(ev.mark)
                out: List[Any] = []
                while self.peek().kind != SEQ_END:
                    out.append((yield self.de(ty.elem, ("s", path, len(out)))))
                self.next()
                self._leave()
                return out
            if ev.kind == VOID or (ev.kind == SCALAR and ev.plain and ev.value == ""):
                return []
            raise self.invalid_type(ev, "a sequence")
        except DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_struct(self, ty: Struct, path: PathT) -> Walk[Any]:
        ev = self.next()
        if ev.kind == ALIAS:
            return (yield self.jump_walk(ev.target, lambda: self.de_struct(ty, path)))
        try:
            values: Dict[str, Any] = {}
            if ev.kind == MAP_START:
                self._enter(ev.mark)
                while self.peek().kind != MAP_END:
                    key_ev = self.peek()
                    key_text = key_ev.value if key_ev.kind == SCALAR else None
                    ident = self.de_str(path, "field identifier")
                    field = ty.by_key.get(ident)
                    if field is None:
                        self.ignore_any()
                        continue
                    if field.name in values:
                        raise DeError(f"duplicate field `{field.name}`")
                    value_path = ("m", path, key_text) if key_text is not None else ("u", path)
                    if field.mark_key is not None:
                        line, column = self._value_mark()
                        values[field.mark_key] = (line + 1, column + 1)
                    values[field.name] = yield self.de(field.ty, value_path)
                self.next()
                self._leave()
            elif not (ev.kind == VOID or (ev.kind == SCALAR and ev.plain and ev.value == "")):
                raise self.invalid_type(ev, ty.expecting)
            return ty.finish(values)
        except DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_enum(self, ty: Enum, path: PathT) -> Any:
        ev = self.peek()
        if ev.kind == ALIAS:
            self.pos += 1
            return self.jump(ev.target, lambda: self.de_enum(ty, path))
        try:
            tag = ev.tag if ev.kind in (SCALAR, SEQ_START, MAP_START) else None
            if tag is not None and tag.startswith("!"):
                # A '!tag' names the variant; the node itself must then be a unit.
                variant = tag[1:] or "!"
                if variant not in ty.variants:
                    raise DeError(f"unknown variant `{variant}`, expected {ty.expected}")
                self._unit_tagged(path)
                return ty.variants[variant]
            if ev.kind == SCALAR:
                name = self.de_str(path, "variant identifier")
                if name not in ty.variants:
                    raise DeError(f"unknown variant `{name}`, expected {ty.expected}")
                return ty.variants[name]
            if ev.kind in (SEQ_START, MAP_START):
                what = "sequence" if ev.kind == SEQ_START else "map"
                raise invalid_type(what, "a YAML tag starting with '!'")
            self.next()
            raise DeError("EOF while parsing a value", fixable=False)
        except DeError as err:
            err.fix(ev.mark, path)
            raise

    def _unit_tagged(self, path: PathT) -> None:
        """``deserialize_unit`` with ``tagged_already`` (the body of a tagged unit variant)."""
        ev = self.next()
        try:
            if ev.kind == SCALAR:
                if ev.plain and (ev.value == "" or ev.value in NULLS):
                    return
                raise invalid_value(f"string {render_debug_str(ev.value)}", "null")
            raise self.invalid_type(ev, "unit")
        except DeError as err:
            err.fix(ev.mark, path)
            raise

    def de_any(self, path: PathT) -> Walk[Any]:
        ev = self.next()
        if ev.kind == ALIAS:
            return (yield self.jump_walk(ev.target, lambda: self.de_any(path)))
        try:
            if ev.tag is not None and ev.tag.startswith("!"):
                raise invalid_type("enum", "any valid JSON value")
            if ev.kind == SCALAR:
                return _json_from_typed(visit_scalar(ev.value, ev.tag, ev.plain))
            if ev.kind == SEQ_START:
                self._enter(ev.mark)
                arr: List[Any] = []
                while self.peek().kind != SEQ_END:
                    arr.append((yield self.de_any(("s", path, len(arr)))))
                self.next()
                self._leave()
                return arr
            if ev.kind == MAP_START:
                self._enter(ev.mark)
                obj: Dict[str, Any] = {}
                first = True
                while self.peek().kind != MAP_END:
                    key_ev = self.peek()
                    key_text = key_ev.value if key_ev.kind == SCALAR else None
                    key = self.de_str(path, "a string key" if first else "a string")
                    first = False
                    value_path = ("m", path, key_text) if key_text is not None else ("u", path)
                    obj[key] = yield self.de_any(value_path)
                self.next()
                self._leave()
                return {k: obj[k] for k in sorted(obj)}
            return None  # Void
        except DeError as err:
            err.fix(ev.mark, path)
            raise


def _json_from_typed(typed: Typed) -> Any:
    kind, value = typed
    if kind in ("u128", "i128"):
        raise DeError("JSON number out of range")
    if kind == "f64":
        return value if math.isfinite(value) else None
    return value


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def read_yaml(text: str, root: Struct, *, file: Optional[str] = None) -> Any:
    """Deserialize ``text`` into ``root`` exactly as ``serde_yaml::from_str`` would.

    Raises :class:`ContractCompileError` with serde_yaml's message text.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ContractCompileError(
            "contract text is not valid Unicode: unpaired surrogate "
            f"U+{ord(exc.object[exc.start]):04X} at character offset {exc.start}",
            file=file,
        ) from None
    source = _EventSource(text)
    try:
        doc = source.first_document()
        reader = _EventReader(doc)
        result = walk(reader.de_struct(root, None))
        if doc.error is not None:
            raise doc.error
        if source.has_another_document():
            raise DeError(
                "deserializing from YAML containing more than one document is not supported",
                fixable=False,
            )
        return result
    except DeError as err:
        raise err.to_compile_error(file) from None
