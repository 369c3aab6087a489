"""The two errors libyaml 0.2.5's parser reports (besides running out of memory)."""

from __future__ import annotations

from typing import Optional, Tuple

__all__ = ["YAMLError", "YAMLReaderError", "YAMLSyntaxError"]

Mark = Tuple[int, int]  # 0-based (line, column), the column counted in characters


class YAMLError(Exception):
    """Base class of the errors raised by :func:`iter_events`."""


class YAMLSyntaxError(YAMLError):
    """A scanner or parser error (``YAML_SCANNER_ERROR`` / ``YAML_PARSER_ERROR``).

    ``problem`` and ``context`` are libyaml 0.2.5's texts byte for byte; marks are
    0-based ``(line, column)``; ``*_index`` are libyaml's ``mark.index`` (characters
    from the start of the text). ``context`` and its mark are ``None`` when libyaml
    sets no context (its context mark is then meaningless and not reported).
    ``stage`` is ``"scanner"`` or ``"parser"`` (serde_yaml renders both alike).
    """

    def __init__(
        self,
        stage: str,
        problem: str,
        problem_mark: Mark,
        problem_index: int,
        context: Optional[str] = None,
        context_mark: Optional[Mark] = None,
        context_index: Optional[int] = None,
    ) -> None:
        super().__init__(problem)
        self.stage = stage
        self.problem = problem
        self.problem_mark: Optional[Mark] = problem_mark
        self.problem_index = problem_index
        self.context = context
        self.context_mark = context_mark
        self.context_index = context_index

    def __str__(self) -> str:
        text = self.problem
        if self.problem_mark is not None:
            line, column = self.problem_mark
            text += f" at line {line + 1} column {column + 1}"
        if self.context is not None:
            text += f", {self.context}"
            if self.context_mark is not None:
                line, column = self.context_mark
                text += f" at line {line + 1} column {column + 1}"
        return text


class YAMLReaderError(YAMLError):
    """A reader error (``YAML_READER_ERROR``).

    ``reason`` is libyaml's problem text (``"control characters are not allowed"``, or
    ``"invalid Unicode character"`` for a lone surrogate, which UTF-8 cannot carry);
    ``offset`` is libyaml's ``problem_offset``, a BYTE offset into the UTF-8 encoding of
    the text; ``value`` is ``problem_value``, the offending code point.
    """

    def __init__(self, reason: str, offset: int, value: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset
        self.value = value

    def __str__(self) -> str:
        return f"{self.reason} at position {self.offset}"
