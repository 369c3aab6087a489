"""``contractgate gateway``: the local gateway's sub-command (:mod:`contractgate.gateway._cli`).

Registered only when ``gateway`` is the command being run, so other commands never
import it. The gateway is standard library only; the common output options (``--format``,
``--color``, ``-v``) do not apply to a server, and its ``-q`` silences the request log.
"""

from __future__ import annotations

import argparse
from typing import Any


def register_gateway(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``gateway`` to the sub-commands, with the other commands' help layout."""
    from ..gateway._cli import register
    from . import _Formatter

    register(subparsers, formatter_class=_Formatter)
