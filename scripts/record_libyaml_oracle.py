#!/usr/bin/env python3
"""Record libyaml 0.2.5's answers for tests/data/libyaml-0.2.5-oracle.jsonl.

The port in ``contractgate._validation.loading.libyaml`` must give exactly the events and errors
of libyaml 0.2.5 as serde_yaml drives it. This script asks the real libyaml 0.2.5 (via
PyYAML's C extension) about a few thousand texts and writes one JSON line per text; the
test ``tests/validator/test_libyaml_port.py`` compares the port with that file, so CI needs
no libyaml at all.

Getting the oracle: a PyYAML whose bundled libyaml is 0.2.5, e.g. PyYAML 6.0.3 wheels
(6.0.4 bundles 0.2.6):

    python3 -m venv /tmp/oracle-venv
    /tmp/oracle-venv/bin/pip install "PyYAML==6.0.3"
    /tmp/oracle-venv/bin/python -c "import yaml; print(yaml._yaml.get_version_string())"
    /tmp/oracle-venv/bin/python scripts/record_libyaml_oracle.py

Feeding libyaml the way serde_yaml does: serde_yaml presets the UTF-8 encoding and hands
over the bytes of the text, so libyaml strips nothing (a leading BOM is a character the
scanner skips). PyYAML never presets the encoding: libyaml then detects it and strips a
leading UTF-8 BOM. We therefore give PyYAML a stream whose first ``read`` returns just a
BOM (stripped by the detection) and whose later reads return the text's UTF-8 bytes: libyaml
sees exactly serde_yaml's bytes, in the same 16384-byte reads (so reader errors surface at
the same point), and only ``problem_offset`` is 3 too large (we subtract it).

Record format (one JSON object per line)::

    {"id": "...", "text": "..."}          or  "rle": [[piece, count], ...] for big texts
     "events": [event, ...]                events before the end or the error, or for long
                                           lists "n_events", "events_sha256" (of the JSON
                                           below, compact separators) and "tail" (the
                                           last 3 or fewer events, if short)
     "error": null | [...]                 the error raised by the next request

    event = [kind, line, col, index, end_line, end_col, end_index, *data]
      kind 1 STREAM_START, 2 STREAM_END, 3 DOCUMENT_START [implicit, version, tags],
      4 DOCUMENT_END [implicit], 5 ALIAS [anchor],
      6 SCALAR [value, style, tag, anchor, plain_implicit, quoted_implicit],
      7 SEQUENCE_START / 9 MAPPING_START [tag, anchor, implicit, style],
      8 SEQUENCE_END, 10 MAPPING_END
      (styles: scalar 1 plain 2 single 3 double 4 literal 5 folded; collection 1 block 2 flow)
    error = ["reader", reason, byte_offset, value]
          | ["scanner" | "parser", problem, line, col, index, context, c_line, c_col, c_index]
          | ["undecodable"]   PyYAML cannot decode a tag that URI escapes made invalid UTF-8
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "libyaml-0.2.5-oracle.jsonl"
BOM = b"\xef\xbb\xbf"
FULL_EVENTS_MAX = 1000  # bytes of canonical JSON kept verbatim

_SCALAR_STYLES = {"": 1, "'": 2, '"': 3, "|": 4, ">": 5}


class _SerdeLikeStream:
    """First read: a BOM for libyaml's encoding detection to strip; then the text."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = -1

    def read(self, size: int) -> bytes:
        if self.pos < 0:
            self.pos = 0
            return BOM
        chunk = self.data[self.pos : self.pos + size]
        self.pos += len(chunk)
        return chunk


def _mark(start: Any, end: Any) -> List[int]:
    return [start.line, start.column, start.index, end.line, end.column, end.index]


def oracle(text: str) -> Tuple[List[List[Any]], Optional[List[Any]]]:
    import yaml
    from yaml import _yaml  # type: ignore[attr-defined]

    parser = _yaml.CParser(_SerdeLikeStream(text.encode("utf-8", "surrogatepass")))
    events: List[List[Any]] = []
    try:
        while True:
            ev = parser.get_event()
            if ev is None:
                return events, None
            marks = _mark(ev.start_mark, ev.end_mark)
            if isinstance(ev, yaml.StreamStartEvent):
                events.append([1, *marks])
            elif isinstance(ev, yaml.StreamEndEvent):
                events.append([2, *marks])
                return events, None
            elif isinstance(ev, yaml.DocumentStartEvent):
                tags = [[h, p] for h, p in (ev.tags or {}).items()]
                version = list(ev.version) if ev.version is not None else None
                events.append([3, *marks, not ev.explicit, version, tags])
            elif isinstance(ev, yaml.DocumentEndEvent):
                events.append([4, *marks, not ev.explicit])
            elif isinstance(ev, yaml.AliasEvent):
                events.append([5, *marks, ev.anchor])
            elif isinstance(ev, yaml.ScalarEvent):
                pi, qi = ev.implicit
                events.append(
                    [6, *marks, ev.value, _SCALAR_STYLES[ev.style], ev.tag, ev.anchor, pi, qi]
                )
            elif isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                kind = 7 if isinstance(ev, yaml.SequenceStartEvent) else 9
                style = 2 if ev.flow_style else 1
                events.append([kind, *marks, ev.tag, ev.anchor, ev.implicit, style])
            elif isinstance(ev, yaml.SequenceEndEvent):
                events.append([8, *marks])
            elif isinstance(ev, yaml.MappingEndEvent):
                events.append([10, *marks])
            else:  # pragma: no cover
                raise TypeError(ev)
    except yaml.reader.ReaderError as exc:
        return events, ["reader", exc.reason, exc.position - len(BOM), exc.character]
    except yaml.MarkedYAMLError as exc:
        stage = "scanner" if isinstance(exc, yaml.scanner.ScannerError) else "parser"
        pm, cm = exc.problem_mark, exc.context_mark
        error: List[Any] = [stage, exc.problem, pm.line, pm.column, pm.index]
        if exc.context is not None:
            error += [exc.context, cm.line, cm.column, cm.index]
        else:
            error += [None, None, None, None]
        return events, error
    except UnicodeDecodeError:
        return events, ["undecodable"]


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------

SEED_DOCS = [
    "a: 1\nb:\n  - x\n  - y: z\n    w: [1, 2, {k: v}]\n"
    "c: |\n  lit\n   more\n\nd: >-\n  folded\n  text\n",
    "--- !!map\n? complex key\n: value\n? [a, b]\n: {c: d}\n...\n--- &anchor x\n--- *anchor\n",
    "%YAML 1.1\n%TAG !e! tag:example.com,2000:\n--- !e!foo\n- !!str a\n- !local b\n- ! c\n"
    "- !<tag:yaml.org,2002:int> 3\n",
    "key: 'single ''quoted'' value'\nother: \"double \\t \\u00e9 \\x41 \\U0001F600 \\\n  cont\"\n"
    "plain: multi\n  line\n\n  plain\n",
    "- - nested\n  - seq\n- key: value\n  key2:\n  - a\n  -\n- ? k\n  : v\n",
    "{a: [b, c], 'd': \"e\", ? f : g, h: , : i, j}\n",
    "[a, b: c, ? d : e, {f: g}, [h], 'i', \"j\", &x k, *x, !t l]\n",
    "# comment\nkey: value # trailing\n  # indented comment\nlist:\n- 1\n- 2 # two\n",
    "literal: |2+\n    indented\n  base\n\n\nfolded: >1-\n  x\n y\n\nkeep: |+\n  a\n\n",
]


def _repo_seeds() -> List[str]:
    out = []
    for rel in (
        "contracts/orders.yaml",
        "contracts/user_events/1.1.0.yaml",
        "bench/wide_events.yaml",
    ):
        path = ROOT / rel
        if path.exists():
            text = path.read_text(encoding="utf-8")
            out.append(text)
    return out


# fmt: off
HANDMADE = [
    '', ' ', '\n', '#', '# only a comment', 'a', 'a\n', '-', '- ', '-\n', '?', ':', ': a', '? a',
    'a:', 'a: ', 'a:b', 'a :b', 'a: b: c', 'a:\n  b: c\n d: e', 'a:\n- b\n- c', '- a\n b',
    '- a\n- b\nc: d', 'a: b\n- c', 'key: value\n  bad: indent', '[', ']', '{', '}', '[a', '{a',
    '[a,', '{a:', '[a]]', '{a}}', '[a b]', '{a b}', '[a: b, c]', '[a:b]', '[a:[b]]', '{a:b}',
    '{a:[b]}', '[:a]', '[::]', '[? a]', '[? a : b]', '{? a}', '{? : b}', '{: b}', '[,]', '[a,,b]',
    '{,}', '[-a]', '[- a]', '[a, - b]', '- [a, b]\n- {c: d}', 'a: [b,\nc]', 'a: [b\n, c]',
    '[a,\nb]:\n  c', "'a'", "'a''b'", "'a\nb'", "'a\n\n b'", "'a", "'a\n", '"a', '"a\\', '"\\q"',
    '"\\x4"', '"\\x4g"', '"\\u12345"', '"\\uD800"', '"\\U00110000"', '"\\U0010FFFF"',
    '"\\0\\a\\b\\t\\\t\\n\\v\\f\\r\\e\\ \\"\\/\\\\\\N\\_\\L\\P"', '"a\\\n  b"', '"a\\\r\nb"',
    '"a \n b"', '"a\n\n\nb"', '"a\t\n\tb"', '"\\é"', '"---\n"', '"a\n---\nb"', '"a\n..."',
    "'a\n--- '", '|', '|\n', '|\n a', '|\n a\n  b\n c', '|-\n a\n\n', '|+\n a\n\n', '|0\n a',
    '|10\n a', '|2\n  a\n   b\n  c', '|2-\n  a', '|-2\n  a', '|+-\n a', '| x\n a', '| # c\n a',
    '|\n\ta', '|\n \ta', '|\n  a\n\tb', '>\n a\n b\n\n c\n  d\n e', '>\n  a\n\n  b', '>-\n a\n',
    '> \n a', 'a: |\n  b\nc: d', 'a: >\n\n  b\n', '- |\n x\n- >\n y', '&a', '&a ', '&a b', '&a\nb',
    '*a', '* a', '&', '*', '&a:', '&a,b', '[&a b, *a]', '&a [b]', '&a !t b', '!t &a b', '&a &b c',
    '!t !u c', '! a', '!a b', '!!a b', '!a!b c', '!<x> a', '!<> a', '!<x a', '!a%20b c', '!a%2 c',
    '!a%zz c', '!a%C3%A9 c', '!a%C3 c', '!a%C3%28 c', '!a%80 c', '!a%00b c', '!%00 c', '!!%00 c',
    '!<%00> c', '!a,b c', '[!a,b c]', '[!a, b]', '{!a : b}', '!a\n', '!', '!!', '!! a', '!e!x a',
    '%', '%YAML', '%YAML 1.1', '%YAML 1.1\n', '%YAML 1.1\n---', '%YAML 1.2\n--- a',
    '%YAML 1.3\n--- a', '%YAML 2.0\n--- a', '%YAML 1\n---', '%YAML 1.\n---', '%YAML a.1\n---',
    '%YAML 1234567890.1\n---', '%YAML 123456789.1\n---', '%YAML 1.1 x\n---', '%YAML 1.1 # c\n---',
    '%YAML 1.1\n%YAML 1.1\n---', '%YAML1.1\n---', '%YAML\t1.1\n---', '%TAG\n---', '%TAG !\n---',
    '%TAG ! x\n---', '%TAG !a x\n---', '%TAG !a! x\n--- !a!b c', '%TAG !a! x\n%TAG !a! y\n---',
    '%TAG ! x\n--- !b c', '%TAG !! x\n--- !!b c', '%TAG !a! %00x\n--- !a!b c',
    '%TAG !a! x,[]\n--- !a!b c', '%TAG !a!x\n---', '%TAG !a! x y\n---', '%FOO bar\n---',
    '%FOO\n---', '%!\n---', '%YAML 1.1\n%TAG !a! x\n--- a\n--- !a!b c', '%YAML 1.1\na',
    '%YAML 1.1\n...', ' %YAML 1.1\n---', '---', '--- ', '---\n', '--- a', '---a', '--- a\n--- b',
    '--- a\n...', '--- a\n...\n', '--- a\n...\n...\n--- b', 'a\n...\nb', 'a\n---\nb', '...',
    '...\n', '...\na', '... a', 'a\n... b', '--- |\n a\n--- >\n b', '---\n---\n', '--- [\n---',
    '- a\n---\n- b', 'a: 1\n--- !x\n', '----', '--- #c', '---\t', '.....', ' ---', 'a: ---',
    '- ---', '\ta', 'a:\tb', 'a: \tb', '\t- a', '- \ta', 'a:\n\t- b', '[\ta]', 'a\t# c', 'a: b\t',
    'a\t: b', '  a\n\tb', 'a\n\tb', '{a:\tb}', '? \ta', 'a:\n  b\n\tc', 'a:\n  b\n \tc',
    '- a\n  \tb', '\ufeff', '\ufeffa', '\ufeff\ufeffa', '\ufeff- a', 'a\n\ufeffb', 'a: \ufeffb',
    '\ufeff---\n\ufeff...\n', '\ufeff\n\ufeffa: b', '[\ufeff]', '# c\n\ufeff', 'a\r\nb: c\r\n',
    'a\rb', 'a: b\r- c', 'a\x85b', 'a: b\x85c: d', 'a\u2028b', 'a: |\n b\u2028 c\n', "'a\u2029b'",
    '"a\x85b"', '- a\u2028- b', 'a: >\r\n b\r\n c\r\n', 'a: b\r\n\r\n\r\n', '\x01', 'a\x01',
    '- a\n- \x7f', 'a: b\n\x00', '"\x1f"', 'a\ud800', 'ab\ue000\ufffe', '\x85', '\xa0', '\ud7ff',
    '\U0010ffff', 'é: ü', '日本: 語', "'😀'", 'a\xa0b: c', '? a\n? b\n: c', '? a\n: b\n: c',
    '? - a\n  - b\n: - c', ': a', 'a: b\n: c', '? |\n a\n: b', 'a:\n  - b\n  c: d', 'a:\n- b\nc',
    'a: b\n  c', "a: 'b'\n  c", "a: 'b' c", 'a: "b"c', 'a: [b] c', 'a: {b: c} d', 'a: b #c\n d',
    'a #b', 'a#b', 'a: b#c', 'a: #b\n  c', '- #a\n  b', 'key:    \n  value', 'a:\n\n\n  b',
    '- - - a', '- ? a\n  : b', '-\n  a', '- \n  - a', 'a:\n  b:\n    c:\n      d',
    'a:\n  b:\n    c\n  d: e', 'a:\n    b: c\n  d: e', 'x: &a [1, 2]\ny: *a\n',
    'x: &a\n  b: c\ny: *a', '&a a: b', '*a : b', '[*a : b]', '{*a : b}', '? *a\n: b', 'a: *b c',
    'a: *b\n*c', 'a: &b\n  - c', 'a: &b\nc: d', 'a: !t\nc: d', 'a: !t\n  b: c',
    '- !t\n- &a\n- ! \n', '[!t]', '{!t : !u}', '[&a]', '{&a : &b}', 'a: [b, c]]', 'a: {b: c}}',
    '- [a\n- b', '[a\n]', '[\n]', '{\n}', '[\na\n,\nb\n]', '{\na\n:\nb\n}', '[a\n:b]', '{a\n: b}',
    '[a]: b', '{a: b}: c', '[a]: b\n[c]: d', "'a': b", '"a": b', "'a'\n: b", 'a\n: b',
    '|\n a\n: b', 'a: b\n  : c',
]
# fmt: on


def _big_inputs() -> Iterator[Tuple[str, List[Tuple[str, int]]]]:
    """Texts over 16 KiB (libyaml's raw buffer): reader errors in later chunks, around
    chunk boundaries and after multi-byte characters that straddle one."""
    yield "big-plain-ctrl-at-end", [("a", 20000), ("\x01", 1)]
    yield "big-plain-ctrl-late", [("a", 16380), ("\x02", 1), ("b", 10)]
    for before in (16381, 16382, 16383, 16384, 16385):
        yield (
            f"big-seq-ctrl-{before}",
            [
                ("- " + "a" * 62 + "\n", before // 64),
                ("b" * (before % 64), 1),
                ("\x03", 1),
                ("\n- c\n", 1),
            ],
        )
    for shift in range(4):
        yield f"big-multibyte-boundary-{shift}", [("x" * shift, 1), ("é", 8191), ("\x04", 1)]
        yield f"big-cjk-boundary-{shift}", [("y" * shift, 1), ("語", 5461), ("\x05", 1)]
        yield f"big-emoji-boundary-{shift}", [("z" * shift, 1), ("\U0001f600", 4095), (" \x06", 1)]
    yield "big-comment-then-ctrl", [("#", 16383), ("\n", 1), ("a: b\n", 5), ("\x07", 1)]
    yield "big-doc-error-after", [("a: ", 1), ("b", 17000), ("\n--- c\n", 1), ("\x08", 1)]
    yield "big-flow-ctrl", [("[", 1), ("a" * 100 + ", ", 170), ("\x0b]", 1)]
    yield "big-key-ctrl", [("k", 16383), (": v\x0c", 1)]
    yield "big-bom-ctrl", [("\ufeff", 1), ("a", 16381), ("\x0e", 1)]
    yield "big-bom-ctrl-2", [("\ufeff", 1), ("a", 16380), ("\x0e", 1)]
    yield "big-no-bad-char", [("k" * 100 + ": " + "v" * 100 + "\n", 90)]
    yield "big-double-quoted", [('"', 1), ("ab\\n", 6000), ('"', 1)]
    yield "big-single-quoted-ctrl", [("'", 1), ("ab''", 5000), ("\x10'", 1)]
    yield "big-literal", [("|\n", 1), ("  line\n", 3000), ("\x11", 1)]
    yield "big-ctrl-first-chunk", [("\x12", 1), ("a", 17000)]


def _boundary_inputs(rng: random.Random) -> Iterator[Tuple[str, List[Tuple[str, int]]]]:
    """A control character just past the first 16384-byte chunk, behind scalars and
    token runs that end a few characters before it: libyaml fails the first CACHE(n)
    that reaches the chunk, so what is emitted before the error depends on each n."""
    tails = [
        " b c d e",
        " b\tc: d",
        " bb c#d e",
        " b 'c",
        " b\\x41 c",
        " b\n c",
        " b '' c",
        " b:c d",
        " b, c",
        " #c",
        "  \n  x",
        "\n- x",
        ": v",
        "\n...\n",
    ]
    styles = ["", "[", "'", '"', "- ", "k: ", "{a: ", "? ", "|\n "]
    for i in range(160):
        style = styles[i % len(styles)]
        tail = rng.choice(tails) + "   x"
        at = rng.randint(0, len(tail))  # characters of the tail before the control character
        ctrl = 16384 + rng.randint(0, 6)  # its byte offset: just inside the second chunk
        body = ctrl - len(style.encode()) - len(tail[:at].encode())
        text_tail = tail[:at] + "\x01" + tail[at:] + rng.choice(["", "'", '"', "]"])
        yield f"boundary-{i}", [(style, 1), ("a", body), (text_tail, 1)]
    lines = ["- a\n", "- 'q'\n", "k: v\n", "[a, b]\n", '- "d"\n', "? x\n: y\n", "- é\n"]
    for i in range(60):
        line = lines[i % len(lines)]
        size = len(line.encode())
        extra = "".join(
            rng.choice(["a", " ", ":", "\n", "-", "x"]) for _ in range(rng.randint(0, 8))
        )
        # the control character lands 0-2 lines past the chunk boundary
        count = -(-(16384 - len(extra)) // size) + rng.randint(0, 2)
        yield f"boundary-lines-{i}", [(line, count), (extra + "\x01" + line, 1)]


def _special_inputs() -> Iterator[Tuple[str, str]]:
    # The 1024-character simple-key limit (index distance, not columns).
    for n in (1020, 1022, 1023, 1024, 1025, 1026):
        k = "k" * n
        yield f"long-key-{n}", f"{k}: v\n"
        yield f"long-key-flow-{n}", f"{{{k}: v}}\n"
        yield f"long-key-quoted-{n}", f"'{k[:-2]}': v\n"
        yield f"long-key-seq-{n}", f"[{k}: v]\n"
        yield f"long-key-nested-{n}", f"a:\n  {k}: v\n"
        yield f"long-key-space-{n}", f"{k[:-3]}   : v\n"
        yield f"long-key-multibyte-{n}", f"{'é' * n}: v\n"
        yield f"long-key-after-{n}", f"x: y\n{k}\n"
    # Deep nesting (libyaml 0.2.5 has no limit).
    for depth in (50, 1000):
        yield f"deep-flow-seq-{depth}", "[" * depth + "]" * depth
        yield f"deep-flow-map-{depth}", "{a: " * depth + "b" + "}" * depth
        yield f"deep-flow-unclosed-{depth}", "[" * depth
    yield "deep-block-map", "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v\n"
    yield "deep-block-seq", "".join("  " * i + "-\n" for i in range(200)) + "  " * 200 + "x\n"
    yield "deep-mixed", "- " * 300 + "[" * 300 + "]" * 300
    # Errors after the first document, lazily surfacing.
    for tail in ("--- [", "--- a: b: c", "\x01", "--- !e!x y", "--- *", "--- 'a", "...\nx"):
        yield f"after-doc-{tail!r}", "a: b\n" + tail


def _fragments() -> List[str]:
    # fmt: off
    return [
        "a", "bc", "key", "1", "-1.5", "~", "null", "é", "語", "\U0001f600", " ", "  ", "    ",
        "\t", "\n", "\n", "\n", "\r\n", "\r", "\x85", "\u2028", "\u2029", "- ", "-", "? ", "?",
        ": ", ":", "[", "]", "{", "}", ", ", ",", "'q'", "'", "''", '"d"', '"', '"\\n"', '"\\x41"',
        '"\\u00e9"', "\\", "|", "|-", "|+", "|2", ">", ">-", "&a ", "&b", "*a", "*b", "!t ",
        "!!str ", "! ", "!<u> ", "!e!x ", "#c", " #c", "---", "--- ", "...", "%YAML 1.1",
        "%TAG !e! tag:e,", "\ufeff", "@", "`", "%", "\x01", "\x7f", "a: b", "- x", "[a, b]",
        "{a: b}", "k" * 30, "'a\nb'", '"a\\\nb"', "\n  ", "\n- ", "\n  - ", "\nkey: ",
    ]
    # fmt: on


def _soup(rng: random.Random) -> str:
    frags = _fragments()
    return "".join(rng.choice(frags) for _ in range(rng.randint(1, 30)))


_MUTATION_CHARS = [
    *" \t\n\r-?:,[]{}#&*!|>'\"%@`\\.~0123456789abcxyz",
    "\x85",
    "\u2028",
    "\ufeff",
    "é",
    "\x01",
    "---",
    "...",
    "\r\n",
    "  ",
    "\n  ",
    "\n",
]


def _mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 3)):
        i = rng.randint(0, len(text))
        op = rng.random()
        if op < 0.35 and text:
            j = min(len(text), i + rng.randint(1, 4))
            text = text[:i] + text[j:]
        elif op < 0.7:
            text = text[:i] + rng.choice(_MUTATION_CHARS) + text[i:]
        elif op < 0.9 and i < len(text):
            text = text[:i] + rng.choice(_MUTATION_CHARS) + text[i + 1 :]
        else:
            text = text[:i]
    return text


def inputs() -> Iterator[Tuple[str, Any]]:
    """(id, text) or (id, rle) pairs, deterministic."""
    rng = random.Random(20250525)
    seen = set()

    def fresh(text: str) -> bool:
        if text in seen:
            return False
        seen.add(text)
        return True

    for i, text in enumerate(HANDMADE):
        if fresh(text):
            yield f"hand-{i}", text
    seeds = SEED_DOCS + _repo_seeds()
    for i, text in enumerate(seeds):
        if fresh(text):
            yield f"seed-{i}", text
        # every truncation of the small seeds, a sample of the larger ones
        step = 1 if len(text) < 200 else 13 if len(text) < 2000 else 211
        for cut in range(0, len(text), step):
            if fresh(text[:cut]):
                yield f"seed-{i}-cut-{cut}", text[:cut]
    for name, text in _special_inputs():
        if fresh(text):
            yield name, text
    for name, rle in _big_inputs():
        yield name, rle
    for name, rle in _boundary_inputs(random.Random(16384)):
        yield name, rle
    for i in range(1300):
        text = _soup(rng)
        if fresh(text):
            yield f"soup-{i}", text
    small = [t for t in seeds if len(t) < 400]
    large = [t for t in seeds if 400 <= len(t) < 2000]
    for i in range(1400):
        text = _mutate(rng, rng.choice(large if i % 8 == 0 else small))
        if fresh(text):
            yield f"mut-{i}", text
    # Variants with other line breaks and a leading BOM.
    for i, text in enumerate(SEED_DOCS):
        for name, brk in (("crlf", "\r\n"), ("cr", "\r"), ("nel", "\x85"), ("ls", "\u2028")):
            variant = text.replace("\n", brk)
            if fresh(variant):
                yield f"seed-{i}-{name}", variant
        if fresh("\ufeff" + text):
            yield f"seed-{i}-bom", "\ufeff" + text


def main() -> int:
    import yaml

    version = yaml._yaml.get_version_string()  # type: ignore[attr-defined]
    if version != "0.2.5":
        print(f"need libyaml 0.2.5 behind PyYAML's C extension, found {version}", file=sys.stderr)
        return 1
    count = 0
    with OUT.open("w", encoding="utf-8", newline="\n") as out:
        for ident, source in inputs():
            record: dict[str, Any] = {"id": ident}
            if isinstance(source, str):
                text = source
                record["text"] = text
            else:
                text = "".join(piece * n for piece, n in source)
                record["rle"] = [list(p) for p in source]
            events, error = oracle(text)
            events_json = json.dumps(events, ensure_ascii=True, separators=(",", ":"))
            if len(events_json) <= FULL_EVENTS_MAX:
                record["events"] = events
            else:
                # Long event lists are kept as a digest of the same canonical JSON, with
                # their count and last events for diagnosis (keeps the file small).
                record["n_events"] = len(events)
                record["events_sha256"] = hashlib.sha256(events_json.encode()).hexdigest()
                tail = events[-3:]
                while tail and len(json.dumps(tail)) > 600:
                    tail = tail[1:]
                record["tail"] = tail
            record["error"] = error
            out.write(json.dumps(record, ensure_ascii=True, separators=(",", ":")) + "\n")
            count += 1
    print(f"wrote {count} records to {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
