"""A minimal TOML reader for ``[tool.contractgate]`` on Python < 3.11 without ``tomli``."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["MiniTomlError", "mini_toml_loads"]



class MiniTomlError(ValueError):
    pass


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def mini_toml_loads(text: str) -> Dict[str, Any]:
    """Read just the ``[tool.contractgate]`` tables: keys (bare, quoted, dotted) with
    string, array, inline-table, boolean and integer values. Other tables are skipped."""
    root: Dict[str, Any] = {}
    current: Optional[Dict[str, Any]] = None
    pos = 0
    n = len(text)
    while pos < n:
        pos = _toml_skip_blank(text, pos)
        if pos >= n:
            break
        if text[pos] == "[":
            end = text.find("\n", pos)
            header = text[pos : n if end < 0 else end]
            m = re.match(r"\[\s*([^\[\]]+?)\s*\](?:\s*#.*)?\s*$", header)
            if header.startswith("[["):
                current = None
            elif m:
                keys, _ = _toml_key(m.group(1), 0)
                if keys[:2] == ["tool", "contractgate"]:
                    current = root.setdefault("tool", {}).setdefault("contractgate", {})
                    for k in keys[2:]:
                        current = current.setdefault(k, {})
                else:
                    current = None
            pos = n if end < 0 else end + 1
            continue
        if current is None:
            pos = _toml_skip_statement(text, pos)
            continue
        keys, pos = _toml_key(text, pos)
        pos = _toml_skip_spaces(text, pos)
        if text[pos : pos + 1] != "=":
            raise MiniTomlError(f"expected '=' at offset {pos}")
        value, pos = _toml_value(text, _toml_skip_spaces(text, pos + 1))
        target = current
        for k in keys[:-1]:
            target = target.setdefault(k, {})
        target[keys[-1]] = value
    return root


def _toml_skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _toml_skip_blank(text: str, pos: int) -> int:
    """Skip whitespace, newlines and comments."""
    while pos < len(text):
        c = text[pos]
        if c in " \t\r\n":
            pos += 1
        elif c == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end + 1
        else:
            break
    return pos


def _toml_skip_statement(text: str, pos: int) -> int:
    """Skip a key = value line of a table we do not read (multi-line strings and
    arrays included)."""
    depth = 0
    n = len(text)
    while pos < n:
        if text.startswith('"""', pos) or text.startswith("'''", pos):
            q = text[pos : pos + 3]
            end = text.find(q, pos + 3)
            pos = n if end < 0 else end + 3
            continue
        c = text[pos]
        if c in "\"'":
            _, pos = _toml_string(text, pos)
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "#":
            end = text.find("\n", pos)
            pos = n if end < 0 else end
            continue
        elif c == "\n" and depth <= 0:
            return pos + 1
        pos += 1
    return pos


def _toml_key(text: str, pos: int) -> Tuple[List[str], int]:
    keys: List[str] = []
    while True:
        pos = _toml_skip_spaces(text, pos)
        if text[pos : pos + 1] in ('"', "'"):
            key, pos = _toml_string(text, pos)
        else:
            m = _BARE_KEY.match(text, pos)
            if not m:
                raise MiniTomlError(f"bad key at offset {pos}")
            key, pos = m.group(), m.end()
        keys.append(key)
        pos = _toml_skip_spaces(text, pos)
        if text[pos : pos + 1] == ".":
            pos += 1
            continue
        return keys, pos


_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def _toml_string(text: str, pos: int) -> Tuple[str, int]:
    quote = text[pos]
    if text.startswith(quote * 3, pos):
        end = text.find(quote * 3, pos + 3)
        if end < 0:
            raise MiniTomlError("unterminated string")
        body = text[pos + 3 : end]
        if body.startswith("\n"):
            body = body[1:]
        return (body if quote == "'" else _toml_unescape(body)), end + 3
    end = pos + 1
    while end < len(text) and text[end] != quote and text[end] != "\n":
        if quote == '"' and text[end] == "\\":
            end += 1
        end += 1
    if end >= len(text) or text[end] != quote:
        raise MiniTomlError("unterminated string")
    body = text[pos + 1 : end]
    return (body if quote == "'" else _toml_unescape(body)), end + 1


def _toml_unescape(body: str) -> str:
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in ("u", "U"):
            width = 4 if nxt == "u" else 8
            out.append(chr(int(body[i + 2 : i + 2 + width], 16)))
            i += 2 + width
        else:
            raise MiniTomlError(f"bad escape \\{nxt}")
    return "".join(out)


def _toml_value(text: str, pos: int) -> Tuple[Any, int]:
    c = text[pos : pos + 1]
    if c in ('"', "'"):
        return _toml_string(text, pos)
    if c == "[":
        items: List[Any] = []
        pos = _toml_skip_blank(text, pos + 1)
        while text[pos : pos + 1] != "]":
            value, pos = _toml_value(text, pos)
            items.append(value)
            pos = _toml_skip_blank(text, pos)
            if text[pos : pos + 1] == ",":
                pos = _toml_skip_blank(text, pos + 1)
            elif text[pos : pos + 1] != "]":
                raise MiniTomlError(f"expected ',' or ']' at offset {pos}")
        return items, pos + 1
    if c == "{":
        table: Dict[str, Any] = {}
        pos = _toml_skip_spaces(text, pos + 1)
        while text[pos : pos + 1] != "}":
            keys, pos = _toml_key(text, pos)
            pos = _toml_skip_spaces(text, pos)
            if text[pos : pos + 1] != "=":
                raise MiniTomlError(f"expected '=' at offset {pos}")
            value, pos = _toml_value(text, _toml_skip_spaces(text, pos + 1))
            target = table
            for k in keys[:-1]:
                target = target.setdefault(k, {})
            target[keys[-1]] = value
            pos = _toml_skip_spaces(text, pos)
            if text[pos : pos + 1] == ",":
                pos = _toml_skip_spaces(text, pos + 1)
            elif text[pos : pos + 1] != "}":
                raise MiniTomlError(f"expected ',' or '}}' at offset {pos}")
        return table, pos + 1
    m = re.compile(r"true|false|[-+]?[0-9_]+").match(text, pos)
    if not m:
        raise MiniTomlError(f"unsupported value at offset {pos}")
    word = m.group()
    if word in ("true", "false"):
        return word == "true", m.end()
    return int(word.replace("_", "")), m.end()
