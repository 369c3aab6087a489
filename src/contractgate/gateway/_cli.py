"""The ``gateway`` sub-command: ``contractgate gateway --contracts contracts/ --port 8080``.

:func:`register` adds the sub-command to the main CLI's sub-parsers; the parsed
namespace's ``gateway_func`` (:func:`run`) serves until Ctrl-C / SIGTERM and returns the
exit code. ``python -m contractgate.gateway`` runs the same command.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from types import FrameType
from typing import Any, Optional, TextIO, Type

__all__ = ["DESCRIPTION", "EXIT_CODES_HELP", "add_arguments", "register", "run"]

EXIT_OK = 0
EXIT_USAGE = 2

DESCRIPTION = """\
Run a local ContractGate gateway: the gateway's HTTP API (/v1/ingest, /ingest, /egress, \
audit, quarantine, replay, ...) on this machine, validating with this package's engine. \
Standard library only: nothing else to install.

Contracts are the *.yaml files below --contracts (name and version from each file; an \
optional _gateway.yaml sets version states and multi-stable resolution). The base URL, \
the API key and the loaded contracts are printed at start; Ctrl-C stops."""

EXIT_CODES_HELP = """\
exit codes:
  0  stopped by Ctrl-C or SIGTERM
  2  usage error: no contracts folder, a bad option, or the port cannot be bound
"""


DEFAULT_PORT = 8080


def _port(args: argparse.Namespace) -> int:
    """``--port``, else ``$CONTRACTGATE_GATEWAY_PORT``, else 8080 (the range is the
    gateway's to check); an environment value that is no number is a usage error."""
    if args.port is not None:
        return int(args.port)
    env = os.environ.get("CONTRACTGATE_GATEWAY_PORT", "").strip()
    try:
        return int(env) if env else DEFAULT_PORT
    except ValueError:
        raise ValueError(f"CONTRACTGATE_GATEWAY_PORT must be a port number, got {env!r}") from None


def _positive(kind: Type[Any]) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError("must be greater than 0")
        return value

    return parse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--contracts",
        default="contracts",
        metavar="DIR",
        help="folder of contract YAML files (default: %(default)s)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"TCP port, 0 for a free one (default: {DEFAULT_PORT}, or "
        "$CONTRACTGATE_GATEWAY_PORT)",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    p.add_argument(
        "--db",
        default=":memory:",
        metavar="FILE",
        help="SQLite file keeping audit, quarantine, idempotency records and usage across "
        "restarts (default: in memory)",
    )
    p.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept this API key (repeatable; default: a generated dev key, remembered in --db)",
    )
    p.add_argument("--org-id", default=None, metavar="ID", help="org id owning the contracts")
    p.add_argument(
        "--admin",
        action="store_true",
        help="enable the admin routes (no key): /_admin/faults (fault injection) and "
        "POST /_admin/reset (forget all data)",
    )
    p.add_argument(
        "--rate-limit-rps",
        type=float,
        default=100.0,
        metavar="RPS",
        help="sustained requests/second per key (default: %(default)s)",
    )
    p.add_argument(
        "--rate-limit-burst",
        type=float,
        default=1000.0,
        metavar="N",
        help="bucket size per key (default: %(default)s)",
    )
    p.add_argument(
        "--no-store-payloads",
        action="store_true",
        help="do not store event bodies (audit raw_event {}; replay reports 'redacted'), like "
        "a hosted free-plan org",
    )
    p.add_argument(
        "--plan",
        default="free",
        choices=("free", "growth", "enterprise"),
        help="plan reported by /usage and used for the monthly cap (default: %(default)s)",
    )
    g = p.add_argument_group("connections")
    g.add_argument(
        "--max-connections",
        type=_positive(int),
        default=None,
        metavar="N",
        help="connections served at once, one thread each; more wait in the listen queue "
        "(default: 64)",
    )
    g.add_argument(
        "--idle-timeout",
        type=_positive(float),
        default=None,
        metavar="SECONDS",
        help="close a connection that sends nothing for this long (default: 5)",
    )
    g.add_argument(
        "--header-timeout",
        type=_positive(float),
        default=None,
        metavar="SECONDS",
        help="answer 408 and close when a request line and headers take longer (default: 10)",
    )
    g.add_argument(
        "--request-timeout",
        type=_positive(float),
        default=30.0,
        metavar="SECONDS",
        help="the gateway's global timeout: a body read or an injected delay past it is a "
        "408 (default: %(default)s)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="do not log each request")


def register(
    subparsers: Any, formatter_class: Type[argparse.HelpFormatter] = argparse.HelpFormatter
) -> argparse.ArgumentParser:
    """Add the ``gateway`` sub-command to an ``argparse`` sub-parsers object."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "gateway",
        description=DESCRIPTION,
        epilog=EXIT_CODES_HELP,
        formatter_class=formatter_class,
    )
    add_arguments(p)
    p.set_defaults(gateway_func=run)
    return p


def _describe(gw: Any, out: TextIO, given_key: bool) -> None:
    """The start-up banner. A generated dev key is shown (nothing else tells it); a key
    given with ``--api-key`` is a secret the user holds: only its last characters."""
    key = gw.api_key
    shown = f"{key[:3]}...{key[-4:]} (given with --api-key)" if given_key else key
    hint = "<your key>" if given_key else key
    print("contractgate local gateway", file=out)
    print(f"  base URL : {gw.base_url}", file=out)
    print(f"  API key  : {shown}", file=out)
    db = gw.db if gw.db != ":memory:" else ":memory: (use --db FILE to keep data)"
    print(f"  database : {db}", file=out)
    contracts = sorted(gw.registry.contracts.values(), key=lambda c: c.name)
    if contracts:
        print("  contracts:", file=out)
        width = max(len(c.name) for c in contracts)
        for c in contracts:
            latest = c.latest_stable()
            versions = []
            for v in sorted(c.versions.values(), key=lambda v: v.created_at):
                label = v.state
                if latest is not None and v.version == latest.version:
                    label += ", latest"
                if v.compile_error:
                    label += ", DOES NOT COMPILE"
                versions.append(f"{v.version} ({label})")
            extra = " [fallback]" if c.multi_stable_resolution == "fallback" else ""
            print(f"    {c.name:<{width}}  {c.id}  {', '.join(versions)}{extra}", file=out)
    else:
        print("  contracts: none loaded", file=out)
    if gw.admin:
        print("  admin    : /_admin/faults and POST /_admin/reset enabled", file=out)
    print(f"Try: curl -s -H 'x-api-key: {hint}' {gw.base_url}/contracts", file=out)
    print(
        f"     export CONTRACTGATE_BASE_URL={gw.base_url} CONTRACTGATE_API_KEY={hint}",
        file=out,
    )
    out.flush()


def run(args: argparse.Namespace) -> int:
    """Start the gateway from parsed arguments and serve until Ctrl-C / SIGTERM."""
    try:
        from ._gateway import LocalGateway
    except ImportError as e:  # a Python built without its sqlite3 module
        if (e.name or "").lstrip("_") != "sqlite3":
            raise
        print(
            "contractgate gateway: this Python has no sqlite3 module, which the local "
            "gateway keeps its data in; install a Python built with SQLite support",
            file=sys.stderr,
        )
        return EXIT_USAGE
    limits = {
        name: getattr(args, name)
        for name in ("max_connections", "idle_timeout", "header_timeout")
        if getattr(args, name) is not None
    }
    try:
        port = _port(args)
        gw = LocalGateway(
            contracts_dir=args.contracts,
            db=args.db,
            port=port,
            host=args.host,
            api_keys=args.api_keys,
            admin=args.admin,
            rate_limit_rps=args.rate_limit_rps,
            rate_limit_burst=args.rate_limit_burst,
            org_id=args.org_id,
            store_payloads=not args.no_store_payloads,
            plan=args.plan,
            request_timeout=args.request_timeout,
            log_requests=not args.quiet,
            **limits,
        )
    except (FileNotFoundError, ValueError) as e:
        print(f"contractgate gateway: {e}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:  # the contracts path cannot be looked at: too long, no permission
        print(
            f"contractgate gateway: cannot read the contracts folder {args.contracts}: "
            f"{e.strerror or e}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    for problem in gw.problems:
        print(f"contractgate gateway: warning: {problem}", file=sys.stderr)
    import sqlite3  # present: the gateway imported it

    try:
        gw.start()
    except sqlite3.Error as e:  # the database file cannot be opened or is no database
        print(f"contractgate gateway: cannot open the database {args.db}: {e}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:  # its text names the host and port
        print(f"contractgate gateway: {e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE
    stop = threading.Event()

    def _on_signal(signum: int, frame: Optional[FrameType]) -> None:
        stop.set()

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_signal)
    try:
        _describe(gw, sys.stdout, given_key=bool(args.api_keys))
        print("Press Ctrl-C to stop.", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        gw.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        print("gateway stopped", flush=True)
    return EXIT_OK
