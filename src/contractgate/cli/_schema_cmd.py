"""``contractgate schema``: print the contract JSON Schema, or where it is installed."""

from __future__ import annotations

import argparse

from ._common import EXIT_OK
from ._output import Output
from ._schema import load_schema, schema_path


def run(args: argparse.Namespace, out: Output) -> int:
    if args.path:
        out.stdout.write(schema_path() + "\n")
    else:
        out.json_document(load_schema())
    return EXIT_OK
