"""``python -m contractgate.gateway --contracts contracts/ --port 8080``."""

from __future__ import annotations

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
