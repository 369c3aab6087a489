"""Output in three formats: ``text`` (coloured on a terminal), ``json`` (one pure JSON
document on stdout, nothing else there) and ``github`` (workflow annotations).

Errors that end a command go to stderr in every format, so stdout stays parseable.
"""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar, Dict, Iterable, Mapping, Optional, TextIO

from .._validation.values.render import printable
from ._common import Finding, format_location

FORMATS = ("text", "json", "github")
COLOR_CHOICES = ("auto", "always", "never")


def use_color(choice: str, stream: TextIO) -> bool:
    """Decide whether to colour ``stream``: ``always``/``never`` win; ``auto`` colours a
    terminal unless ``NO_COLOR`` is set or ``TERM=dumb``; ``FORCE_COLOR`` forces it."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


class Style:
    """ANSI styling that turns into plain text when disabled."""

    _CODES: ClassVar[Dict[str, str]] = {
        "bold": "1",
        "dim": "2",
        "red": "31",
        "green": "32",
        "yellow": "33",
        "blue": "34",
        "magenta": "35",
        "cyan": "36",
    }

    def __init__(self, enabled: bool, unicode: bool = True) -> None:
        self.enabled = enabled
        self.unicode = unicode

    def paint(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(self._CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    @property
    def ok_mark(self) -> str:
        return self.paint("✓" if self.unicode else "OK", "green", "bold")

    @property
    def fail_mark(self) -> str:
        return self.paint("✗" if self.unicode else "FAIL", "red", "bold")


def _supports_unicode(stream: TextIO) -> bool:
    enc = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    return enc.startswith("utf")


def _gh_escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_property(text: str) -> str:
    return _gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(
    level: str,
    message: str,
    *,
    file: Optional[str] = None,
    line: Optional[int] = None,
    column: Optional[int] = None,
    title: Optional[str] = None,
) -> str:
    """One ``::error file=…,line=…::message`` workflow command, escaped as GitHub wants."""
    props = []
    if file is not None:
        props.append(f"file={_gh_escape_property(file)}")
        if line is not None:
            props.append(f"line={line}")
            if column is not None:
                props.append(f"col={column}")
    if title:
        props.append(f"title={_gh_escape_property(title)}")
    head = f"::{level}"
    if props:
        head += " " + ",".join(props)
    return f"{head}::{_gh_escape_data(message)}"


def _show_field(f: Finding) -> bool:
    """Show the field unless it is empty or the message already names it first, after
    any prefix (serde errors do: ``YAML parse error: ontology.entities[0].required:
    invalid type…``); a value quoted later in the message does not count."""
    if not f.field:
        return False
    head = f"{f.field}: "
    return not (f.message.startswith(head) or f": {head}" in f.message.split('"', 1)[0])


def finding_text(f: Finding, style: Style, *, with_file: bool = True) -> str:
    """``file:line:col: record N: field: message [kind]`` (parts left out when unknown)."""
    parts = []
    loc = _location(f.file, f.line, f.column) if with_file else ""
    if loc:
        parts.append(style.paint(loc, "bold"))
    if f.record is not None:
        parts.append(style.paint(f"record {f.record}", "dim"))
    if _show_field(f):
        parts.append(style.paint(printable(str(f.field), one_line=True), "cyan"))
    first, *rest = printable(f.message).split("\n")
    body = ": ".join([*parts, first])
    text = f"{body} {style.paint('[' + f.kind + ']', 'red')}"
    # multi-line messages (the regex engine's caret diagrams) stay readable, indented
    return "\n".join([text, *("    " + line for line in rest)])


def finding_message(f: Finding) -> str:
    """The annotation body for GitHub: record and field first, then the message."""
    head = []
    if f.record is not None:
        head.append(f"record {f.record}")
    if _show_field(f):
        head.append(printable(str(f.field), one_line=True))
    return ": ".join([*head, printable(f.message)])


def _location(file: Optional[str], line: Optional[int], column: Optional[int]) -> str:
    return format_location(None if file is None else printable(file, one_line=True), line, column)


class OutputError(Exception):
    """The command's output could not be written (a full disk, a vanished terminal):
    the machine's problem, not a bug of contractgate. ``| head`` closing the pipe stays a
    :class:`BrokenPipeError` (ended quietly)."""

    def __init__(self, err: OSError) -> None:
        super().__init__(err.strerror or str(err))


class _Guarded:
    """A text stream whose write errors are :class:`OutputError` (the rest delegated)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as err:
            raise OutputError(err) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as err:
            raise OutputError(err) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class Output:
    """Where a command writes. ``verbosity`` is -1 for ``-q``, 0 normally, 1+ for ``-v``."""

    def __init__(
        self,
        fmt: str = "text",
        color: str = "auto",
        verbosity: int = 0,
        *,
        stdout: TextIO,
        stderr: TextIO,
    ) -> None:
        self.fmt = fmt
        self.verbosity = verbosity
        self.stdout: TextIO = _Guarded(stdout)  # type: ignore[assignment]
        self.stderr = stderr
        self.style = Style(use_color(color, stdout), _supports_unicode(stdout))
        self.err_style = Style(use_color(color, stderr), _supports_unicode(stderr))

    # -- formats ------------------------------------------------------------------------

    @property
    def is_json(self) -> bool:
        return self.fmt == "json"

    @property
    def is_github(self) -> bool:
        return self.fmt == "github"

    @property
    def quiet(self) -> bool:
        return self.verbosity < 0

    @property
    def verbose(self) -> bool:
        return self.verbosity > 0

    # -- writing ------------------------------------------------------------------------

    def write(self, text: str = "") -> None:
        """A line for people (text and github formats; never inside JSON output)."""
        if not self.is_json:
            self.stdout.write(text + "\n")

    def info(self, text: str) -> None:
        """A line shown only with ``-v``."""
        if self.verbose:
            self.write(text)

    def flush(self) -> None:
        self.stdout.flush()

    def finding(self, f: Finding, *, with_file: bool = True) -> None:
        if self.is_json:
            return
        if self.is_github:
            self.stdout.write(
                github_annotation(
                    "error",
                    finding_message(f),
                    file=None if f.file is None else printable(f.file, one_line=True),
                    line=f.line,
                    column=f.column,
                    title=f"contractgate: {f.kind}",
                )
                + "\n"
            )
            return
        self.stdout.write(finding_text(f, self.style, with_file=with_file) + "\n")

    def findings(self, items: Iterable[Finding]) -> None:
        for f in items:
            self.finding(f)

    def error(
        self,
        message: str,
        *,
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
    ) -> None:
        """A message that ends the command: stderr, in every format (with ``--format
        github``, an annotation pinned to the file, line and column when known)."""
        prefix = self.err_style.paint("error:", "red", "bold")
        location = _location(file, line, column)
        loc = f"{location}: " if location else ""
        message = printable(message)
        self.stderr.write(f"contractgate: {prefix} {loc}{message}\n")
        if self.is_github:
            shown = None if file is None else printable(file, one_line=True)
            note = github_annotation(
                "error", f"contractgate: {message}", file=shown, line=line, column=column
            )
            self.stdout.write(note + "\n")

    def warning(self, message: str, *, file: Optional[str] = None) -> None:
        """Something the user should know that does not fail the command: stderr (and
        a workflow warning annotation with ``--format github``); silenced by ``-q``."""
        if self.quiet:
            return
        prefix = self.err_style.paint("warning:", "yellow", "bold")
        message = printable(message)
        self.stderr.write(f"contractgate: {prefix} {message}\n")
        if self.is_github:
            self.stdout.write(github_annotation("warning", message, file=file) + "\n")

    def info_note(self, message: str) -> None:
        """A note shown only with ``-v``."""
        if self.verbose:
            self.note(message)

    def note(self, message: str) -> None:
        """Context about how a check ran (stderr, any format); silenced by ``-q``."""
        if self.quiet:
            return
        prefix = self.err_style.paint("note:", "blue", "bold")
        self.stderr.write(f"contractgate: {prefix} {printable(message)}\n")

    def json_document(self, doc: Mapping[str, Any]) -> None:
        json.dump(doc, self.stdout, ensure_ascii=False, indent=2)
        self.stdout.write("\n")


class JsonStream:
    """Write one JSON object whose ``results`` array is streamed item by item, so a long
    run keeps constant memory and the output is still a single valid JSON document."""

    def __init__(self, stream: TextIO, head: Dict[str, Any]) -> None:
        self._stream = stream
        self._first = True
        body = json.dumps(head, ensure_ascii=False)
        if body == "{}":
            stream.write('{"results": [')
        else:
            stream.write(body[:-1] + ', "results": [')

    def item(self, value: Mapping[str, Any]) -> None:
        sep = "\n" if self._first else ",\n"
        self._first = False
        self._stream.write(sep + json.dumps(value, ensure_ascii=False))

    def close(self, tail: Mapping[str, Any]) -> None:
        end = "]" if self._first else "\n]"
        rest = json.dumps(dict(tail), ensure_ascii=False)
        if rest == "{}":
            self._stream.write(end + "}\n")
        else:
            self._stream.write(end + ", " + rest[1:] + "\n")
        self._stream.flush()
