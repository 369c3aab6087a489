"""The ``contractgate`` command line.

Sub-commands: ``check-contracts``, ``validate``, ``test``, ``diff``, ``pull``,
``ingest``, ``gateway`` and ``schema``. Exit codes: 0 all good, 1 violations found, 2
usage or unreadable input (or a contract that cannot be loaded), 3 configuration
problem, 4 authentication or connection problem, 5 other gateway error, 130 interrupted
(see ``docs/cli.md``).

Start-up is kept fast because pre-commit runs this on every commit: only ``argparse``
is imported here; each sub-command imports what it needs when it runs, and nothing but
``ingest`` imports the HTTP client (httpx).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, List, Optional, Sequence, TextIO

from ._common import (
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CLIError,
)

__all__ = ["build_parser", "main"]

_DESCRIPTION = """\
Check data contracts and event fixtures locally, with the gateway's own answers, and talk
to a ContractGate gateway.

commands:
  check-contracts  parse and compile contracts (--strict: also against the JSON Schema)
  validate         validate event files (fixtures) against their contracts
  test             test events against one contract, streamed (the gateway CLI's 'cg test')
  diff             compare two contract versions: what changes, whom it breaks, version policy
  pull             write a deployed contract's YAML into the repository
  ingest           send events to a gateway: passed / failed / quarantined summary
  gateway          run the local gateway (the real HTTP API on this machine)
  schema           print the contract JSON Schema (or its path) for editors
"""

_EXIT_CODES_HELP = """\
exit codes:
  0  everything checked passed
  1  violations found (or a contract failed to compile)
  2  usage error, unreadable input, or a contract that cannot be loaded
  3  configuration problem (.contractgate.yml / [tool.contractgate], missing URL or key)
  4  authentication failed or the gateway could not be reached
  5  the gateway answered with another error, or an ingest stopped midway
  70 internal error (a bug in contractgate), 130 interrupted
"""


class _Formatter(argparse.HelpFormatter):
    """Wraps description paragraphs to the terminal; keeps indented blocks as written."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=34, width=min(100, _terminal_width()))

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        paragraphs = []
        for para in text.split("\n\n"):
            lines = para.splitlines()
            if any(line.startswith("  ") for line in lines):
                paragraphs.append("\n".join(indent + line for line in lines))
            else:
                paragraphs.append(
                    textwrap.fill(
                        " ".join(para.split()),
                        width,
                        initial_indent=indent,
                        subsequent_indent=indent,
                    )
                )
        return "\n\n".join(paragraphs)


class _TopParser(argparse.ArgumentParser):
    """The top-level parser: its help ends with where to read more, looked up only when
    the help is shown (reading package metadata costs start-up time)."""

    def format_help(self) -> str:
        base = self.epilog or ""
        self.epilog = base + "\n" + _more_help()
        try:
            return super().format_help()
        finally:
            self.epilog = base


def _terminal_width() -> int:
    import shutil

    return max(60, shutil.get_terminal_size((100, 24)).columns - 2)


def _common_options() -> argparse.ArgumentParser:
    """Options every sub-command takes (so they work after the sub-command's name, which
    is where pre-commit's ``args:`` puts them)."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("output")
    g.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text (default; coloured on a terminal), json (one JSON document on stdout), "
        "or github (workflow annotations)",
    )
    g.add_argument(
        "--color",
        "--colour",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour text output: auto (default: on a terminal, unless NO_COLOR is set)",
    )
    g.add_argument(
        "-q", "--quiet", action="store_true", help="print only problems (nothing when all is well)"
    )
    g.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="also list what passed and what was skipped",
    )
    return p


def _input_format_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--input-format",
        choices=("auto", "json", "ndjson", "yaml"),
        default="auto",
        metavar="{auto,json,ndjson,yaml}",
        help="how to read event files (default: auto — by extension: .json, .ndjson/.jsonl, "
        ".yaml/.yml; otherwise and for stdin by content)",
    )


def _jobs_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-j",
        "--jobs",
        type=_positive_int,
        default=1,
        metavar="N",
        help="check JSON/NDJSON records in N processes (default 1); output and exit code "
        "are the same as with 1",
    )


def _fail_on_empty_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--fail-on-empty",
        action="store_true",
        help="an input without any event fails (exit 1) instead of a warning",
    )


def build_parser(*, with_gateway: bool = False) -> argparse.ArgumentParser:
    """The argument parser. The real ``gateway`` sub-command is only attached when it is
    the command being run (``with_gateway``), so other commands never import it."""
    from .._version import __version__

    common = _common_options()
    parser = _TopParser(
        prog="contractgate",
        usage="%(prog)s [-h] [--version] COMMAND ...",
        description=_DESCRIPTION,
        epilog=_EXIT_CODES_HELP,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"contractgate {__version__}")
    # The command list is part of the description (argparse misaligns long sub-command
    # names); add_parser() calls therefore pass no help= of their own.
    sub = parser.add_subparsers(
        dest="command",
        metavar="COMMAND",
        help=argparse.SUPPRESS,
        prog="contractgate",
        parser_class=argparse.ArgumentParser,
    )
    sub.required = True

    # check-contracts ----------------------------------------------------------------
    p = sub.add_parser(
        "check-contracts",
        parents=[common],
        formatter_class=_Formatter,
        description="Parse and compile each contract file the way the gateway does and "
        "report every failure with file, line and column.\n\n"
        "With --strict, also check each contract against the JSON Schema of the contract "
        "format: the gateway silently ignores unknown keys, so a typo such as "
        "'requried: true' or 'allowed_values:' is only caught here.\n\n"
        "Without FILES, checks every contract of the repository: the files the config's "
        "'contracts' globs name, else every .yaml/.yml file under contracts/ (next to the "
        "config, else at the repository root) and every contract the 'fixtures' mapping "
        "points at.",
        epilog=_EXIT_CODES_HELP,
    )
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="contract YAML files; a directory stands for the .yaml/.yml files below it, "
        "and a quoted glob is expanded",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="also report unknown keys, typos and wrong value types (JSON Schema)",
    )
    p.add_argument("--config", metavar="PATH", help="config file (default: search upwards)")
    p.set_defaults(handler="_check_contracts")

    # validate -----------------------------------------------------------------------
    p = sub.add_parser(
        "validate",
        parents=[common],
        formatter_class=_Formatter,
        description="Validate event files against a contract. Each file is one batch, as "
        "in a POST /ingest request: per-event rules, then batch uniqueness rules.\n\n"
        "Without --contract, each file is mapped to its contract by the 'fixtures' globs "
        "of .contractgate.yml (or [tool.contractgate] in pyproject.toml); files no glob "
        "matches are skipped. A contract file or the config file given as FILE stands for "
        "every fixture mapped to it. Without FILES, validates every mapped fixture.\n\n"
        "Every problem is 'file:line:column: record N: field: message [kind]' (lines, "
        "columns and records count from 1). Records are checked as they are read, in "
        "constant memory, except that a contract with uniqueness rules needs the whole "
        "file (a note says so on big files).",
        epilog=_EXIT_CODES_HELP,
    )
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="event files (.json, .ndjson, .jsonl, .yaml, .yml); a directory stands for "
        "the event files below it, and a quoted glob is expanded",
    )
    p.add_argument(
        "-c", "--contract", metavar="CONTRACT", help="validate every FILE against this contract"
    )
    p.add_argument(
        "--contract-id",
        metavar="ID[@VERSION]",
        help="validate every FILE against the contract deployed on the gateway (id or name; "
        "latest stable unless @VERSION), cached for offline use; URL and key from "
        "CONTRACTGATE_BASE_URL / CONTRACTGATE_API_KEY",
    )
    p.add_argument("--config", metavar="PATH", help="config file (default: search upwards)")
    _input_format_option(p)
    _jobs_option(p)
    _fail_on_empty_option(p)
    p.set_defaults(handler="_validate")

    # test -----------------------------------------------------------------------------
    p = sub.add_parser(
        "test",
        parents=[common],
        formatter_class=_Formatter,
        description="Test events against one contract, like the gateway CLI's 'cg test': "
        "each event is validated on its own (no batch uniqueness), a line of NDJSON that "
        "does not parse is a 'parse_error' record, and NDJSON from stdin is validated as "
        "it arrives, in constant memory.\n\n"
        "Use --data - to read standard input.",
        epilog=_EXIT_CODES_HELP,
    )
    p.add_argument("-c", "--contract", required=True, metavar="FILE", help="contract YAML file")
    p.add_argument("-d", "--data", required=True, metavar="FILE", help="event file, or - for stdin")
    p.add_argument("--fail-fast", action="store_true", help="stop at the first failing record")
    _input_format_option(p)
    _jobs_option(p)
    _fail_on_empty_option(p)
    p.set_defaults(handler="_test")

    # diff -----------------------------------------------------------------------------
    _register_diff(sub, common)

    # pull -----------------------------------------------------------------------------
    _register_pull(sub, common)

    # ingest ---------------------------------------------------------------------------
    p = sub.add_parser(
        "ingest",
        parents=[common],
        formatter_class=_Formatter,
        description="Send a file of events (or stdin) to a ContractGate gateway in batches "
        "and summarise the verdicts: passed, failed, quarantined, and counts per violation "
        "kind. Shows a progress bar on a terminal.\n\n"
        "The gateway URL and API key come from --base-url/--api-key or the "
        "CONTRACTGATE_BASE_URL/CONTRACTGATE_API_KEY environment variables. Uniqueness rules "
        "see one batch at a time (--batch-size).",
        epilog=_EXIT_CODES_HELP,
    )
    p.add_argument("file", metavar="FILE", help="event file, or - for stdin")
    p.add_argument(
        "--contract-id",
        required=True,
        metavar="ID|NAME",
        help="the contract's id, or its name (looked up in the gateway's contract list); "
        "ID@VERSION or NAME@VERSION pins a version too",
    )
    p.add_argument(
        "--version", dest="contract_version", metavar="VERSION", help="pin a contract version"
    )
    p.add_argument("--dry-run", action="store_true", help="validate on the gateway without storing")
    p.add_argument("--atomic", action="store_true", help="reject a whole batch if any event fails")
    p.add_argument(
        "--batch-size",
        type=_batch_size,
        default=500,
        metavar="N",
        help="events per request, 1..1000 (default 500); with --atomic each request is "
        "accepted or rejected whole",
    )
    p.add_argument(
        "--base-url", metavar="URL", help="gateway URL (default: $CONTRACTGATE_BASE_URL)"
    )
    p.add_argument("--api-key", metavar="KEY", help="API key (default: $CONTRACTGATE_API_KEY)")
    p.add_argument(
        "--job-id",
        metavar="ID",
        help="make the run resumable: every request's idempotency key derives from ID, so "
        "running the same command again (same file, options and ID, within 24 h) gets the "
        "batches already stored answered from the gateway's idempotency cache instead of "
        "stored twice",
    )
    p.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress bar on stderr: auto (default) shows it on a terminal only",
    )
    _input_format_option(p)
    p.set_defaults(handler="_ingest")

    # schema ---------------------------------------------------------------------------
    p = sub.add_parser(
        "schema",
        parents=[common],
        formatter_class=_Formatter,
        description="Print the JSON Schema of the contract format, for editors' YAML "
        "language server (see docs/cli.md).",
    )
    p.add_argument("--path", action="store_true", help="print the installed file's path instead")
    p.set_defaults(handler="_schema_cmd")

    # gateway --------------------------------------------------------------------------
    if with_gateway:
        from ._gateway import register_gateway

        register_gateway(sub, common)
    else:
        sub.add_parser("gateway", add_help=False)
    return parser


def _register_diff(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "diff",
        parents=[common],
        formatter_class=_Formatter,
        usage="contractgate diff [options] OLD NEW\n       contractgate diff [options] --base REF "
        "[FILE...]",
        description="Compare two versions of a contract: every change (the gateway's change "
        "kinds), and whom it breaks: producers (events the old version accepted are now "
        "rejected) or consumers (events it rejected now pass).\n\n"
        "OLD and NEW are contract files or git:REF:PATH. With --base REF, each FILE is "
        "compared with its version at REF (the same path, or the highest other version of "
        "the same contract name in its folder): this is the contractgate-breaking "
        "pre-commit hook.\n\n"
        "Fixtures the config maps to either version are run through both: they decide "
        "changes that cannot be judged statically (two regexes) and show which fixtures "
        "now fail. A breaking change fails (exit 1) unless the version step is one the "
        "policy accepts ('breaking: {require: major}' in .contractgate.yml, the default).",
        epilog=_EXIT_CODES_HELP,
    )
    p.add_argument("contracts", nargs="*", metavar="CONTRACT", help="OLD NEW, or FILEs with --base")
    p.add_argument(
        "--base", metavar="REF", help="compare each FILE with its version at this git revision"
    )
    p.add_argument(
        "--require",
        choices=("major", "minor", "patch", "any", "never"),
        help="the version step a breaking change needs (overrides breaking.require)",
    )
    p.add_argument(
        "--allow-breaking",
        action="store_true",
        help="report breaking changes without failing (also: CONTRACTGATE_ALLOW_BREAKING=1)",
    )
    p.add_argument(
        "--no-fixtures", action="store_true", help="do not run mapped fixtures through both"
    )
    p.add_argument("--config", metavar="PATH", help="config file (default: search upwards)")
    p.set_defaults(handler="_diff")


def _register_pull(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "pull",
        parents=[common],
        formatter_class=_Formatter,
        description="Write the YAML of a deployed contract into the repository, as "
        "contracts/<name>/<version>.yaml (next to the config file, else in the current "
        "directory). An existing file with other content is left alone unless --force.\n\n"
        "The gateway URL and API key come from --base-url/--api-key or "
        "CONTRACTGATE_BASE_URL/CONTRACTGATE_API_KEY. Fetched versions are cached; when the "
        "gateway cannot be reached, the cached copy is used with a warning.",
        epilog=_EXIT_CODES_HELP,
    )
    p.add_argument(
        "contract",
        metavar="ID[@VERSION]",
        help="the contract's id or name; latest stable unless @VERSION",
    )
    p.add_argument("--dir", metavar="DIR", help="contracts folder (default: contracts)")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead (- for stdout)")
    p.add_argument("--force", action="store_true", help="overwrite a file with other content")
    p.add_argument(
        "--base-url", metavar="URL", help="gateway URL (default: $CONTRACTGATE_BASE_URL)"
    )
    p.add_argument("--api-key", metavar="KEY", help="API key (default: $CONTRACTGATE_API_KEY)")
    p.set_defaults(handler="_pull")


def _more_help() -> str:
    """Where to read more: every command's --help, and the project's documentation URL
    when the installed package's metadata has one (read only when help is shown)."""
    text = "Run 'contractgate COMMAND --help' for a command's options and output."
    url = _documentation_url()
    if url:
        text += f" Documentation: {url}"
    return text


def _documentation_url() -> Optional[str]:
    try:
        from importlib.metadata import PackageNotFoundError, metadata
    except ImportError:  # pragma: no cover - Python < 3.8
        return None
    try:
        meta = metadata("contractgate")
    except PackageNotFoundError:
        return None
    urls = {}
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = str(entry).partition(",")
        urls[label.strip().lower()] = url.strip()
    for label in ("documentation", "docs", "homepage", "source", "repository"):
        if urls.get(label):
            return urls[label]
    home = meta.get_all("Home-page") or []
    return str(home[0]) if home else None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _batch_size(text: str) -> int:
    from .._http.chunking import MAX_EVENTS_PER_BATCH

    value = _positive_int(text)
    if value > MAX_EVENTS_PER_BATCH:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_EVENTS_PER_BATCH} (the gateway's limit per request)"
        )
    return value


def _command_name(argv: Sequence[str]) -> Optional[str]:
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg
    return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    args_list: List[str] = list(sys.argv[1:] if argv is None else argv)
    stdout: TextIO = sys.stdout
    stderr: TextIO = sys.stderr
    command = _command_name(args_list)
    try:
        parser = build_parser(with_gateway=command == "gateway")
    except CLIError as err:
        stderr.write(f"contractgate: error: {err.message}\n")
        return err.code
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # --help, --version, usage errors
        code = exc.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)

    gateway_func = getattr(args, "gateway_func", None)
    if gateway_func is not None:
        return _run_guarded(lambda: int(gateway_func(args) or 0), None, stderr)

    from ._output import Output

    verbosity = -1 if getattr(args, "quiet", False) else int(getattr(args, "verbose", 0) or 0)
    out = Output(args.format, args.color, verbosity, stdout=stdout, stderr=stderr)
    handler_name: str = args.handler
    return _run_guarded(lambda: _dispatch(handler_name, args, out), out, stderr)


def _dispatch(handler_name: str, args: argparse.Namespace, out: Any) -> int:
    import importlib

    module = importlib.import_module(f"{__name__}.{handler_name}")
    run: Callable[[argparse.Namespace, Any], int] = module.run
    return run(args, out)


def _run_guarded(func: Callable[[], int], out: Any, stderr: TextIO) -> int:
    """Run a command: known errors become one line and their exit code, never a
    traceback; a broken pipe (``| head``) ends quietly."""
    from ._output import OutputError

    try:
        code = func()
        if out is not None:
            out.flush()  # a write error surfaces here, not at the interpreter's exit
        return code
    except OutputError as err:
        _silence_stdout()  # what is left in the buffer must not fail again at exit
        stderr.write(f"contractgate: error: cannot write the output: {err}\n")
        return EXIT_USAGE
    except CLIError as err:
        if out is not None:
            out.error(err.message, file=err.file, line=err.line, column=err.column)
        else:
            stderr.write(f"contractgate: error: {err.message}\n")
        return err.code
    except KeyboardInterrupt:
        stderr.write("contractgate: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_FAILED
    except Exception as err:  # a bug: say so plainly (the traceback with -v)
        if out is not None and getattr(out, "verbose", False):
            import traceback

            traceback.print_exc(file=stderr)
        stderr.write(
            f"contractgate: internal error: {type(err).__name__}: {err}\n"
            "  (this is a bug in contractgate; run with -v for the traceback and please "
            "report it)\n"
        )
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover
        pass
