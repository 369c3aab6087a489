"""A pure-Python port of libyaml 0.2.5's reader, scanner and parser (events only).

The gateway reads contracts with serde_yaml 0.9 on ``unsafe-libyaml``: libyaml 0.2.5's
logic, for good. This package reproduces what that parser reports for a ``&str``
exactly (events, marks, error texts and error marks, and the point at which an error
surfaces), so contract parsing does not depend on the libyaml that PyYAML happens to
bundle (PyYAML 6.0.4 bundles libyaml 0.2.6, whose nesting limit and other changes
alter verdicts).

Interface::

    iter_events(text) -> Iterator[Event]

lazily yields the events of ``text`` (STREAM_START, DOCUMENT_START, ..., STREAM_END),
parsing only as far as each request needs, like ``yaml_parser_parse``; it raises
:class:`YAMLSyntaxError` (scanner/parser errors: ``problem``, ``problem_mark``,
``context``, ``context_mark``, marks 0-based ``(line, column)``) or
:class:`YAMLReaderError` (``reason``, byte ``offset``, ``value``) from the request
for which libyaml fails, and then ends. :class:`Event` carries ``kind`` (the int
constants below), ``start``/``end`` marks, ``value``, ``tag``, ``anchor``, ``style``,
``plain``, ``implicit``, ``quoted_implicit``, ``version``, ``tag_directives``.

The text is read as libyaml reads its UTF-8 bytes with the encoding preset (serde_yaml's
way): a BOM is not stripped, the scanner skips one at column 0 as a character; reader
error offsets are byte offsets into the UTF-8 text. libyaml 0.2.5 has no nesting limit
and neither has this port; it uses no recursion and no step is quadratic (libyaml's own
simple-key bookkeeping is; see :mod:`.scanner`).

Modules: :mod:`.reader` (allowed characters, when a reader error surfaces),
:mod:`.scanner` with :mod:`.scalars` and :mod:`.tokens` (scanner.c), :mod:`.parser`
(parser.c), :mod:`.events`, :mod:`.errors`. The oracle test
(tests/validator/test_libyaml_port.py) compares the port with answers recorded from the
real libyaml 0.2.5 by scripts/record_libyaml_oracle.py.

Origin and licence: a port of libyaml 0.2.5 (reader.c, scanner.c, parser.c), whose
structure, comments and messages it follows. libyaml is

    Copyright (c) 2017-2020 Ingy döt Net
    Copyright (c) 2006-2016 Kirill Simonov

    Permission is hereby granted, free of charge, to any person obtaining a copy of
    this software and associated documentation files (the "Software"), to deal in the
    Software without restriction, including without limitation the rights to use,
    copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the
    Software, and to permit persons to whom the Software is furnished to do so,
    subject to the following conditions:

    The above copyright notice and this permission notice shall be included in all
    copies or substantial portions of the Software.

    THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
    IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
    FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
    COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN
    AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION
    WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""

from __future__ import annotations

from .errors import YAMLError, YAMLReaderError, YAMLSyntaxError
from .events import (
    ALIAS,
    BLOCK_STYLE,
    DOCUMENT_END,
    DOCUMENT_START,
    DOUBLE_QUOTED_STYLE,
    FLOW_STYLE,
    FOLDED_STYLE,
    KIND_NAMES,
    LITERAL_STYLE,
    MAPPING_END,
    MAPPING_START,
    PLAIN_STYLE,
    SCALAR,
    SEQUENCE_END,
    SEQUENCE_START,
    SINGLE_QUOTED_STYLE,
    STREAM_END,
    STREAM_START,
    Event,
)
from .parser import iter_events

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
    "YAMLError",
    "YAMLReaderError",
    "YAMLSyntaxError",
    "iter_events",
]
