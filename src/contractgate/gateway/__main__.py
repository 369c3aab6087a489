"""``python -m contractgate.gateway --contracts contracts/ --port 8080``: the same command
as ``contractgate gateway``."""

from __future__ import annotations

import sys

from ..cli import main

if __name__ == "__main__":
    sys.exit(main(["gateway", *sys.argv[1:]]))
