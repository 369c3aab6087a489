"""``python -m contractgate.cli`` — the same as the ``contractgate`` command."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
