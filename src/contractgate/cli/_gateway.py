"""``contractgate gateway``: delegated to :mod:`contractgate.gateway._cli`.

The gateway package registers its own sub-command (``register(subparsers)``); it is only
imported when ``gateway`` is the command being run. If it cannot be imported, the
sub-command still exists and explains why it cannot start.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, Optional

from ._common import EXIT_USAGE


def register_gateway(subparsers: Any, common: argparse.ArgumentParser) -> None:
    try:
        from ..gateway import _cli  # type: ignore[attr-defined, unused-ignore]

        register: Callable[[Any], Any] = _cli.register
    except Exception as err:  # ImportError, or a broken optional dependency
        _unavailable(subparsers, err)
        return
    register(subparsers)
    parser = subparsers.choices.get("gateway")
    if parser is None:  # pragma: no cover - the gateway registered under another name
        _unavailable(subparsers, RuntimeError("the gateway did not register a 'gateway' command"))
        return
    func = _find_handler(parser)
    if func is None:  # pragma: no cover
        _unavailable(subparsers, RuntimeError("the gateway command has no handler"))
        return
    parser.set_defaults(gateway_func=func)


def _find_handler(parser: argparse.ArgumentParser) -> Optional[Callable[[argparse.Namespace], Any]]:
    for name in ("func", "handler", "run", "main"):
        value = parser.get_default(name)
        if callable(value):
            return value  # type: ignore[no-any-return]
    return None


def _unavailable(subparsers: Any, err: BaseException) -> None:
    if "gateway" in subparsers.choices:  # pragma: no cover
        parser = subparsers.choices["gateway"]
    else:
        parser = subparsers.add_parser("gateway", help="run the local gateway (unavailable)")
    reason = f"{type(err).__name__}: {err}"

    def fail(_args: argparse.Namespace) -> int:
        sys.stderr.write(
            "contractgate: error: the local gateway is not available in this installation "
            f"({reason}).\n"
            "  Install it with: pip install 'contractgate[gateway]'\n"
        )
        return EXIT_USAGE

    parser.set_defaults(gateway_func=fail, gateway_unavailable=True)
