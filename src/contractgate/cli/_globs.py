"""Globs as the CLI and ``.contractgate.yml`` use them: ``/``-separated, ``*`` and ``?``
within one path segment, ``**`` across directories, a glob without ``/`` matching the
file name at any depth (as in ``.gitignore``); and their expansion for command-line
arguments, which no shell expands for pre-commit's ``args:``."""

from __future__ import annotations

import os
import re
from typing import Iterator, List, Pattern, Tuple

__all__ = ["expand_glob", "glob_to_regex", "is_glob", "walk_globs"]

_SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox"}



def glob_to_regex(pattern: str) -> Pattern[str]:
    """Compile a ``/``-separated glob (``**``, ``*``, ``?``, ``[…]``) to a regex that
    matches a whole relative POSIX path."""
    pat = pattern.strip()
    while pat.startswith("./"):
        pat = pat[2:]
    anchored = pat.startswith("/") or "/" in pat.rstrip("/")
    pat = pat.lstrip("/")
    out = []
    i = 0
    n = len(pat)
    while i < n:
        c = pat[i]
        if c == "*":
            if pat.startswith("**", i):
                j = i + 2
                if j < n and pat[j] == "/":
                    out.append("(?:[^/]*/)*")  # **/ : zero or more directories
                    i = j + 1
                    continue
                out.append(".*")
                i = j
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            # as fnmatch: the first character of a class (after ! or ^) is a member even
            # when it is "]"; an unclosed "[" is itself
            start = i + 2 if pat[i + 1 : i + 2] in ("!", "^") else i + 1
            j = pat.find("]", start + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                out.append(_class_to_regex(pat[start:j], negate=start == i + 2))
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    body = "".join(out)
    if not anchored:
        body = "(?:.*/)?" + body
    return re.compile(body + r"\Z")


def _class_to_regex(members: str, negate: bool) -> str:
    """A glob class's members (``a-z0``) as a regex class. As fnmatch: a reversed range
    (``z-a``) is empty, and a ``-`` first or last is itself. Like ``?``, a negated class
    stays within one path segment."""
    parts = []
    k = 0
    while k < len(members):
        if members[k + 1 : k + 2] == "-" and k + 2 < len(members):
            lo, hi = members[k], members[k + 2]
            if lo <= hi:
                parts.append(f"{re.escape(lo)}-{re.escape(hi)}")
            k += 3
        else:
            parts.append(re.escape(members[k]))
            k += 1
    if negate:
        return "[^/" + "".join(parts) + "]"
    return "[" + "".join(parts) + "]" if parts else "(?!)"


def _literal_prefix(pattern: str) -> str:
    """The directory part of a glob before its first wildcard segment ("" = the root)."""
    pat = pattern.strip()
    while pat.startswith("./"):
        pat = pat[2:]
    pat = pat.lstrip("/")
    if "/" not in pat.rstrip("/"):
        return ""
    prefix = []
    for part in pat.split("/")[:-1]:
        if any(ch in part for ch in "*?["):
            break
        prefix.append(part)
    return "/".join(prefix)


def walk_globs(root: str, globs: List[Tuple[str, Pattern[str]]]) -> Iterator[str]:
    """Files below ``root`` whose relative POSIX path matches one of ``globs`` (each
    distinct literal prefix walked once; VCS, virtualenv and cache directories skipped),
    in a stable order."""
    roots = sorted({_literal_prefix(g) for g, _ in globs})
    chosen: List[str] = []
    for r in roots:
        if not any(r == c or r.startswith(c + "/") or c == "" for c in chosen):
            chosen.append(r)
    seen = set()
    for prefix in chosen:
        top = os.path.join(root, prefix) if prefix else root
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                if rel in seen:
                    continue
                if any(rx.match(rel) for _, rx in globs):
                    seen.add(rel)
                    yield full


def is_glob(arg: str) -> bool:
    return any(ch in arg for ch in "*?[")


def expand_glob(pattern: str) -> List[str]:
    """The files a command-line glob names (``*``, ``?``, ``[…]``, ``**``), relative to
    the current directory, as a shell would expand it: no shell does it for pre-commit's
    ``args:``."""
    pat = pattern.replace(os.sep, "/")
    if os.path.isabs(pattern):
        drive, rest = os.path.splitdrive(pat)
        root = (drive or "") + "/"
        rel_pat = rest.lstrip("/")
    else:
        root = os.curdir
        rel_pat = pat
        while rel_pat.startswith("./"):
            rel_pat = rel_pat[2:]
    rx = glob_to_regex("/" + rel_pat)  # anchored: a name-only glob means this directory
    found = walk_globs(root, [(rel_pat, rx)])
    return [os.path.normpath(f) if root == os.curdir else f for f in found]
