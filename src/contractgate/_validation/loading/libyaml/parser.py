"""libyaml 0.2.5's parser (parser.c): the LL(1) state machine from tokens to events.

States are bound methods (C's ``yaml_parser_state_t`` values); the state and mark
stacks are Python lists, so nesting depth costs no recursion.
"""

from __future__ import annotations

from typing import Callable, Dict, Iterator, List, NoReturn, Optional, Tuple

from . import tokens as tk
from .errors import YAMLSyntaxError
from .events import (
    ALIAS,
    BLOCK_STYLE,
    DOCUMENT_END,
    DOCUMENT_START,
    FLOW_STYLE,
    MAPPING_END,
    MAPPING_START,
    PLAIN_STYLE,
    SCALAR,
    SEQUENCE_END,
    SEQUENCE_START,
    STREAM_END,
    STREAM_START,
    Event,
)
from .scanner import Scanner
from .tokens import MarkT

__all__ = ["Parser", "iter_events"]

State = Callable[[], Event]

_DEFAULT_TAG_DIRECTIVES = ((b"!", b"!"), (b"!!", b"tag:yaml.org,2002:"))


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


class Parser:
    """``yaml_parser_parse`` over a :class:`Scanner`; :meth:`next_event` gives the events
    one at a time (after STREAM_END, or after an error, there are none)."""

    def __init__(self, text: str) -> None:
        self.scanner = Scanner(text)
        self.peek = self.scanner.peek_token
        self.skip = self.scanner.skip_token
        self.state: Optional[State] = self.parse_stream_start
        self.states: List[State] = []
        self.marks: List[MarkT] = []
        # handle -> prefix, in libyaml's order; handles are unique in libyaml's list (a
        # duplicate is an error or skipped), so a dict finds the same entry in O(1)
        self.tag_directives: Dict[bytes, bytes] = {}

    def next_event(self) -> Optional[Event]:
        state = self.state
        if state is None:
            return None
        self.state = None  # an error ends the stream; each state sets its successor
        return state()

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _event(kind: int, start: MarkT, end: MarkT, **kw: object) -> Event:
        return Event(kind, (start[1], start[2]), start[0], (end[1], end[2]), end[0], **kw)  # type: ignore[arg-type]

    @staticmethod
    def error(
        problem: str,
        problem_mark: MarkT,
        context: Optional[str] = None,
        context_mark: Optional[MarkT] = None,
    ) -> NoReturn:
        raise YAMLSyntaxError(
            "parser",
            problem,
            (problem_mark[1], problem_mark[2]),
            problem_mark[0],
            context,
            (context_mark[1], context_mark[2]) if context_mark is not None else None,
            context_mark[0] if context_mark is not None else None,
        )

    def empty_scalar(self, mark: MarkT) -> Event:
        """``yaml_parser_process_empty_scalar``."""
        pos = (mark[1], mark[2])
        return Event(SCALAR, pos, mark[0], pos, mark[0], "", None, None, PLAIN_STYLE, True)

    # -- stream and documents -----------------------------------------------------------

    def parse_stream_start(self) -> Event:
        token = self.peek()
        if token.type != tk.STREAM_START:
            self.error("did not find expected <stream-start>", token.start)
        self.state = self.parse_implicit_document_start
        self.skip()
        return self._event(STREAM_START, token.start, token.start)

    def parse_implicit_document_start(self) -> Event:
        return self.parse_document_start(True)

    def parse_explicit_document_start(self) -> Event:
        return self.parse_document_start(False)

    def parse_document_start(self, implicit: bool) -> Event:
        token = self.peek()
        if not implicit:
            while token.type == tk.DOCUMENT_END:
                self.skip()
                token = self.peek()
        if implicit and token.type not in (
            tk.VERSION_DIRECTIVE,
            tk.TAG_DIRECTIVE,
            tk.DOCUMENT_START,
            tk.STREAM_END,
        ):
            self.process_directives()
            self.states.append(self.parse_document_end)
            self.state = self.parse_block_node
            return self._event(DOCUMENT_START, token.start, token.start, implicit=True)
        if token.type != tk.STREAM_END:
            start = token.start
            version, tags = self.process_directives()
            token = self.peek()
            if token.type != tk.DOCUMENT_START:
                self.error("did not find expected <document start>", token.start)
            self.states.append(self.parse_document_end)
            self.state = self.parse_document_content
            event = self._event(
                DOCUMENT_START,
                start,
                token.end,
                version=version,
                tag_directives=tuple((_text(h), _text(p)) for h, p in tags),
            )
            self.skip()
            return event
        self.state = None  # YAML_PARSE_END_STATE
        self.skip()
        return self._event(STREAM_END, token.start, token.end)

    def parse_document_content(self) -> Event:
        token = self.peek()
        if token.type in (
            tk.VERSION_DIRECTIVE,
            tk.TAG_DIRECTIVE,
            tk.DOCUMENT_START,
            tk.DOCUMENT_END,
            tk.STREAM_END,
        ):
            self.state = self.states.pop()
            return self.empty_scalar(token.start)
        return self.parse_node(True, False)

    def parse_document_end(self) -> Event:
        token = self.peek()
        start = end = token.start
        implicit = True
        if token.type == tk.DOCUMENT_END:
            end = token.end
            self.skip()
            implicit = False
        self.tag_directives = {}
        self.state = self.parse_explicit_document_start
        return self._event(DOCUMENT_END, start, end, implicit=implicit)

    def process_directives(
        self,
    ) -> Tuple[Optional[Tuple[int, int]], List[Tuple[bytes, bytes]]]:
        version: Optional[Tuple[int, int]] = None
        tags: List[Tuple[bytes, bytes]] = []
        token = self.peek()
        while token.type == tk.VERSION_DIRECTIVE or token.type == tk.TAG_DIRECTIVE:
            if token.type == tk.VERSION_DIRECTIVE:
                if version is not None:
                    self.error("found duplicate %YAML directive", token.start)
                assert isinstance(token.value, tuple)
                major, minor = token.value
                if major != 1 or (minor != 1 and minor != 2):
                    self.error("found incompatible YAML document", token.start)
                version = (major, minor)
            else:
                handle = token.value
                assert isinstance(handle, bytes)
                self.append_tag_directive(handle, token.suffix, False, token.start)
                tags.append((handle, token.suffix))
            self.skip()
            token = self.peek()
        for handle, prefix in _DEFAULT_TAG_DIRECTIVES:
            self.append_tag_directive(handle, prefix, True, token.start)
        return version, tags

    def append_tag_directive(
        self, handle: bytes, prefix: bytes, allow_duplicates: bool, mark: MarkT
    ) -> None:
        if handle in self.tag_directives:
            if allow_duplicates:
                return
            self.error("found duplicate %TAG directive", mark)
        self.tag_directives[handle] = prefix

    # -- nodes --------------------------------------------------------------------------

    def parse_block_node(self) -> Event:
        return self.parse_node(True, False)

    def parse_block_node_or_indentless_sequence(self) -> Event:
        return self.parse_node(True, True)

    def parse_flow_node(self) -> Event:
        return self.parse_node(False, False)

    def parse_node(self, block: bool, indentless_sequence: bool) -> Event:
        token = self.peek()
        ttype = token.type
        if ttype == tk.ALIAS:
            self.state = self.states.pop()
            self.skip()
            return self._event(ALIAS, token.start, token.end, anchor=token.value)
        if ttype == tk.SCALAR:
            # The common case first: no anchor, no tag.
            self.state = self.states.pop()
            self.skip()
            style = token.style
            return Event(
                SCALAR,
                (token.start[1], token.start[2]),
                token.start[0],
                (token.end[1], token.end[2]),
                token.end[0],
                token.value,  # type: ignore[arg-type]
                None,
                None,
                style,
                style == PLAIN_STYLE,
                style != PLAIN_STYLE,
            )
        anchor: Optional[str] = None
        handle: Optional[bytes] = None
        suffix = b""
        tag_mark = start = end = token.start
        if ttype == tk.ANCHOR:
            anchor = token.value  # type: ignore[assignment]
            end = token.end
            self.skip()
            token = self.peek()
            if token.type == tk.TAG:
                handle = token.value  # type: ignore[assignment]
                suffix = token.suffix
                tag_mark = token.start
                end = token.end
                self.skip()
                token = self.peek()
        elif ttype == tk.TAG:
            handle = token.value  # type: ignore[assignment]
            suffix = token.suffix
            tag_mark = token.start
            end = token.end
            self.skip()
            token = self.peek()
            if token.type == tk.ANCHOR:
                anchor = token.value  # type: ignore[assignment]
                end = token.end
                self.skip()
                token = self.peek()
        tag: Optional[str] = None
        if handle is not None:
            if not handle:
                tag = _text(suffix)
            else:
                prefix = self.tag_directives.get(handle)
                if prefix is not None:
                    tag = _text((prefix + suffix).split(b"\0", 1)[0])
                else:
                    self.error(
                        "found undefined tag handle", tag_mark, "while parsing a node", start
                    )
        implicit = not tag
        ttype = token.type
        if indentless_sequence and ttype == tk.BLOCK_ENTRY:
            self.state = self.parse_indentless_sequence_entry
            return self._event(
                SEQUENCE_START,
                start,
                token.end,
                tag=tag,
                anchor=anchor,
                implicit=implicit,
                style=BLOCK_STYLE,
            )
        if ttype == tk.SCALAR:
            style = token.style
            plain_implicit = quoted_implicit = False
            if (style == PLAIN_STYLE and tag is None) or tag == "!":
                plain_implicit = True
            elif tag is None:
                quoted_implicit = True
            self.state = self.states.pop()
            self.skip()
            return self._event(
                SCALAR,
                start,
                token.end,
                value=token.value,
                tag=tag,
                anchor=anchor,
                style=style,
                implicit=plain_implicit,
                quoted_implicit=quoted_implicit,
            )
        if ttype == tk.FLOW_SEQUENCE_START:
            self.state = self.parse_flow_sequence_first_entry
            kind, style = SEQUENCE_START, FLOW_STYLE
        elif ttype == tk.FLOW_MAPPING_START:
            self.state = self.parse_flow_mapping_first_key
            kind, style = MAPPING_START, FLOW_STYLE
        elif block and ttype == tk.BLOCK_SEQUENCE_START:
            self.state = self.parse_block_sequence_first_entry
            kind, style = SEQUENCE_START, BLOCK_STYLE
        elif block and ttype == tk.BLOCK_MAPPING_START:
            self.state = self.parse_block_mapping_first_key
            kind, style = MAPPING_START, BLOCK_STYLE
        elif anchor is not None or handle is not None:
            self.state = self.states.pop()
            return self._event(
                SCALAR,
                start,
                end,
                tag=tag,
                anchor=anchor,
                style=PLAIN_STYLE,
                implicit=implicit,
            )
        else:
            self.error(
                "did not find expected node content",
                token.start,
                "while parsing a block node" if block else "while parsing a flow node",
                start,
            )
        return self._event(
            kind, start, token.end, tag=tag, anchor=anchor, implicit=implicit, style=style
        )

    # -- block collections --------------------------------------------------------------

    def parse_block_sequence_first_entry(self) -> Event:
        token = self.peek()
        self.marks.append(token.start)
        self.skip()
        return self.parse_block_sequence_entry()

    def parse_block_sequence_entry(self) -> Event:
        token = self.peek()
        if token.type == tk.BLOCK_ENTRY:
            mark = token.end
            self.skip()
            token = self.peek()
            if token.type != tk.BLOCK_ENTRY and token.type != tk.BLOCK_END:
                self.states.append(self.parse_block_sequence_entry)
                return self.parse_node(True, False)
            self.state = self.parse_block_sequence_entry
            return self.empty_scalar(mark)
        if token.type == tk.BLOCK_END:
            self.state = self.states.pop()
            self.marks.pop()
            self.skip()
            return self._event(SEQUENCE_END, token.start, token.end)
        self.error(
            "did not find expected '-' indicator",
            token.start,
            "while parsing a block collection",
            self.marks.pop(),
        )

    def parse_indentless_sequence_entry(self) -> Event:
        token = self.peek()
        if token.type == tk.BLOCK_ENTRY:
            mark = token.end
            self.skip()
            token = self.peek()
            if token.type not in (tk.BLOCK_ENTRY, tk.KEY, tk.VALUE, tk.BLOCK_END):
                self.states.append(self.parse_indentless_sequence_entry)
                return self.parse_node(True, False)
            self.state = self.parse_indentless_sequence_entry
            return self.empty_scalar(mark)
        self.state = self.states.pop()
        return self._event(SEQUENCE_END, token.start, token.start)

    def parse_block_mapping_first_key(self) -> Event:
        token = self.peek()
        self.marks.append(token.start)
        self.skip()
        return self.parse_block_mapping_key()

    def parse_block_mapping_key(self) -> Event:
        token = self.peek()
        if token.type == tk.KEY:
            mark = token.end
            self.skip()
            token = self.peek()
            if token.type not in (tk.KEY, tk.VALUE, tk.BLOCK_END):
                self.states.append(self.parse_block_mapping_value)
                return self.parse_node(True, True)
            self.state = self.parse_block_mapping_value
            return self.empty_scalar(mark)
        if token.type == tk.BLOCK_END:
            self.state = self.states.pop()
            self.marks.pop()
            self.skip()
            return self._event(MAPPING_END, token.start, token.end)
        self.error(
            "did not find expected key",
            token.start,
            "while parsing a block mapping",
            self.marks.pop(),
        )

    def parse_block_mapping_value(self) -> Event:
        token = self.peek()
        if token.type == tk.VALUE:
            mark = token.end
            self.skip()
            token = self.peek()
            if token.type not in (tk.KEY, tk.VALUE, tk.BLOCK_END):
                self.states.append(self.parse_block_mapping_key)
                return self.parse_node(True, True)
            self.state = self.parse_block_mapping_key
            return self.empty_scalar(mark)
        self.state = self.parse_block_mapping_key
        return self.empty_scalar(token.start)

    # -- flow collections ---------------------------------------------------------------

    def parse_flow_sequence_first_entry(self) -> Event:
        token = self.peek()
        self.marks.append(token.start)
        self.skip()
        return self.parse_flow_sequence_entry(True)

    def parse_flow_sequence_next_entry(self) -> Event:
        return self.parse_flow_sequence_entry(False)

    def parse_flow_sequence_entry(self, first: bool) -> Event:
        token = self.peek()
        if token.type != tk.FLOW_SEQUENCE_END:
            if not first:
                if token.type == tk.FLOW_ENTRY:
                    self.skip()
                    token = self.peek()
                else:
                    self.error(
                        "did not find expected ',' or ']'",
                        token.start,
                        "while parsing a flow sequence",
                        self.marks.pop(),
                    )
            if token.type == tk.KEY:
                self.state = self.parse_flow_sequence_entry_mapping_key
                self.skip()
                return self._event(
                    MAPPING_START, token.start, token.end, implicit=True, style=FLOW_STYLE
                )
            if token.type != tk.FLOW_SEQUENCE_END:
                self.states.append(self.parse_flow_sequence_next_entry)
                return self.parse_node(False, False)
        self.state = self.states.pop()
        self.marks.pop()
        self.skip()
        return self._event(SEQUENCE_END, token.start, token.end)

    def parse_flow_sequence_entry_mapping_key(self) -> Event:
        token = self.peek()
        if token.type not in (tk.VALUE, tk.FLOW_ENTRY, tk.FLOW_SEQUENCE_END):
            self.states.append(self.parse_flow_sequence_entry_mapping_value)
            return self.parse_node(False, False)
        mark = token.end
        self.skip()
        self.state = self.parse_flow_sequence_entry_mapping_value
        return self.empty_scalar(mark)

    def parse_flow_sequence_entry_mapping_value(self) -> Event:
        token = self.peek()
        if token.type == tk.VALUE:
            self.skip()
            token = self.peek()
            if token.type != tk.FLOW_ENTRY and token.type != tk.FLOW_SEQUENCE_END:
                self.states.append(self.parse_flow_sequence_entry_mapping_end)
                return self.parse_node(False, False)
        self.state = self.parse_flow_sequence_entry_mapping_end
        return self.empty_scalar(token.start)

    def parse_flow_sequence_entry_mapping_end(self) -> Event:
        token = self.peek()
        self.state = self.parse_flow_sequence_next_entry
        return self._event(MAPPING_END, token.start, token.start)

    def parse_flow_mapping_first_key(self) -> Event:
        token = self.peek()
        self.marks.append(token.start)
        self.skip()
        return self.parse_flow_mapping_key(True)

    def parse_flow_mapping_next_key(self) -> Event:
        return self.parse_flow_mapping_key(False)

    def parse_flow_mapping_key(self, first: bool) -> Event:
        token = self.peek()
        if token.type != tk.FLOW_MAPPING_END:
            if not first:
                if token.type == tk.FLOW_ENTRY:
                    self.skip()
                    token = self.peek()
                else:
                    self.error(
                        "did not find expected ',' or '}'",
                        token.start,
                        "while parsing a flow mapping",
                        self.marks.pop(),
                    )
            if token.type == tk.KEY:
                self.skip()
                token = self.peek()
                if token.type not in (tk.VALUE, tk.FLOW_ENTRY, tk.FLOW_MAPPING_END):
                    self.states.append(self.parse_flow_mapping_value)
                    return self.parse_node(False, False)
                self.state = self.parse_flow_mapping_value
                return self.empty_scalar(token.start)
            if token.type != tk.FLOW_MAPPING_END:
                self.states.append(self.parse_flow_mapping_empty_value)
                return self.parse_node(False, False)
        self.state = self.states.pop()
        self.marks.pop()
        self.skip()
        return self._event(MAPPING_END, token.start, token.end)

    def parse_flow_mapping_value(self) -> Event:
        token = self.peek()
        if token.type == tk.VALUE:
            self.skip()
            token = self.peek()
            if token.type != tk.FLOW_ENTRY and token.type != tk.FLOW_MAPPING_END:
                self.states.append(self.parse_flow_mapping_next_key)
                return self.parse_node(False, False)
        self.state = self.parse_flow_mapping_next_key
        return self.empty_scalar(token.start)

    def parse_flow_mapping_empty_value(self) -> Event:
        token = self.peek()
        self.state = self.parse_flow_mapping_next_key
        return self.empty_scalar(token.start)


def iter_events(text: str) -> Iterator[Event]:
    """The events of ``text`` as libyaml 0.2.5 parses its UTF-8 bytes for serde_yaml.

    Lazy: each event is parsed when requested, and an error is raised by the request
    for which libyaml's ``yaml_parser_parse`` would fail. The iterator ends after
    STREAM_END or after raising.
    """
    parser = Parser(text)
    next_event = parser.next_event
    while True:
        event = next_event()
        if event is None:
            return
        yield event
        if event.kind == STREAM_END:
            return
