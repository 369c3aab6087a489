"""The events of libyaml's parser (``yaml_event_t``), as plain slotted objects."""

from __future__ import annotations

from typing import Optional, Tuple

__all__ = [
    "ALIAS",
    "BLOCK_STYLE",
    "DOCUMENT_END",
    "DOCUMENT_START",
    "DOUBLE_QUOTED_STYLE",
    "FLOW_STYLE",
    "FOLDED_STYLE",
    "KIND_NAMES",
    "LITERAL_STYLE",
    "MAPPING_END",
    "MAPPING_START",
    "PLAIN_STYLE",
    "SCALAR",
    "SEQUENCE_END",
    "SEQUENCE_START",
    "SINGLE_QUOTED_STYLE",
    "STREAM_END",
    "STREAM_START",
    "Event",
]

# yaml_event_type_t (YAML_NO_EVENT = 0 is never produced)
STREAM_START = 1
STREAM_END = 2
DOCUMENT_START = 3
DOCUMENT_END = 4
ALIAS = 5
SCALAR = 6
SEQUENCE_START = 7
SEQUENCE_END = 8
MAPPING_START = 9
MAPPING_END = 10

KIND_NAMES = {
    STREAM_START: "STREAM_START",
    STREAM_END: "STREAM_END",
    DOCUMENT_START: "DOCUMENT_START",
    DOCUMENT_END: "DOCUMENT_END",
    ALIAS: "ALIAS",
    SCALAR: "SCALAR",
    SEQUENCE_START: "SEQUENCE_START",
    SEQUENCE_END: "SEQUENCE_END",
    MAPPING_START: "MAPPING_START",
    MAPPING_END: "MAPPING_END",
}

# yaml_scalar_style_t
PLAIN_STYLE = 1
SINGLE_QUOTED_STYLE = 2
DOUBLE_QUOTED_STYLE = 3
LITERAL_STYLE = 4
FOLDED_STYLE = 5
# yaml_sequence_style_t / yaml_mapping_style_t
BLOCK_STYLE = 1
FLOW_STYLE = 2

Mark = Tuple[int, int]
TagDirectives = Tuple[Tuple[str, str], ...]


class Event:
    """One parser event.

    ``start``/``end`` are libyaml's marks as 0-based ``(line, column)`` (column in
    characters), ``start_index``/``end_index`` their ``index`` (characters from the
    start of the text). Per kind:

    * SCALAR: ``value``, ``style`` (``*_STYLE``), ``tag``, ``anchor``, ``implicit``
      (libyaml's ``plain_implicit``) and ``quoted_implicit``;
    * SEQUENCE_START / MAPPING_START: ``tag``, ``anchor``, ``implicit``, ``style``
      (``BLOCK_STYLE``/``FLOW_STYLE``);
    * ALIAS: ``anchor`` (the alias name);
    * DOCUMENT_START: ``implicit``, ``version`` (``(major, minor)`` of a ``%YAML``
      directive), ``tag_directives`` (the document's own ``%TAG`` pairs, in order);
    * DOCUMENT_END: ``implicit``.

    Tags are the resolved tag as libyaml reports it (a C string: cut at a NUL that a
    ``%00`` URI escape put there); bytes from URI escapes that are not valid UTF-8 are
    kept with the ``surrogateescape`` error handler.
    """

    __slots__ = (
        "anchor",
        "end",
        "end_index",
        "implicit",
        "kind",
        "quoted_implicit",
        "start",
        "start_index",
        "style",
        "tag",
        "tag_directives",
        "value",
        "version",
    )

    def __init__(
        self,
        kind: int,
        start: Mark,
        start_index: int,
        end: Mark,
        end_index: int,
        value: str = "",
        tag: Optional[str] = None,
        anchor: Optional[str] = None,
        style: int = 0,
        implicit: bool = False,
        quoted_implicit: bool = False,
        version: Optional[Tuple[int, int]] = None,
        tag_directives: TagDirectives = (),
    ) -> None:
        self.kind = kind
        self.start = start
        self.start_index = start_index
        self.end = end
        self.end_index = end_index
        self.value = value
        self.tag = tag
        self.anchor = anchor
        self.style = style
        self.implicit = implicit
        self.quoted_implicit = quoted_implicit
        self.version = version
        self.tag_directives = tag_directives

    @property
    def plain(self) -> bool:
        """The scalar is plain (serde_yaml's ``ScalarStyle::Plain``)."""
        return self.style == PLAIN_STYLE and self.kind == SCALAR

    def __repr__(self) -> str:
        parts = [KIND_NAMES.get(self.kind, str(self.kind)), f"{self.start}-{self.end}"]
        if self.kind == SCALAR:
            parts.append(repr(self.value))
        if self.tag is not None:
            parts.append(f"tag={self.tag!r}")
        if self.anchor is not None:
            parts.append(f"anchor={self.anchor!r}")
        return f"Event({', '.join(parts)})"
