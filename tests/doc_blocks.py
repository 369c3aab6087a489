"""Fenced code blocks of the Markdown docs, for the tests that run them as a reader would
(``tests/test_docs_examples.py``; any doc test may use it: ``tests/`` is on ``sys.path``,
its conftest.py is at the top).

A block inside a list item is indented in the Markdown; it is returned dedented, with the
line of the doc where its code starts, so a failing block is reported as
``docs/client.md:211`` and its traceback points into the doc.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[ \t]*\n(?P<body>.*?)^(?P=indent)```",
                    re.S | re.M)  # fmt: skip


@dataclass(frozen=True)
class Block:
    doc: str  # path relative to the checkout, e.g. "docs/client.md"
    line: int  # 1-based line of the doc holding the block's first line of code
    lang: str  # the fence's info string ("python", "console", "" ...)
    source: str  # dedented

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"

    def run(self, namespace: Dict[str, Any]) -> None:
        """``exec`` the block in ``namespace``; its traceback lines name the doc's lines."""
        padded = "\n" * (self.line - 1) + self.source
        exec(compile(padded, self.doc, "exec"), namespace)


def fenced_blocks(doc: str, lang: Optional[str] = "python") -> List[Block]:
    """The fenced blocks of ``doc`` (relative to the checkout) in document order; only
    those whose info string is ``lang`` unless ``lang`` is None."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    blocks = []
    for m in _FENCE.finditer(text):
        if lang is not None and m.group("lang") != lang:
            continue
        line = text.count("\n", 0, m.start("body")) + 1
        blocks.append(Block(doc, line, m.group("lang"), textwrap.dedent(m.group("body"))))
    return blocks
