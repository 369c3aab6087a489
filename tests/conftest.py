"""Suite-wide: the run's header names the dependency versions it tested."""

from __future__ import annotations

from importlib import metadata
from typing import List

import pytest

#: The runtime dependencies (pyproject.toml) and the optional ones the tests exercise.
_DEPENDENCIES = ("httpx", "httpcore", "jsonschema", "orjson", "msgspec", "dask", "pyspark")


def pytest_report_header(config: pytest.Config) -> List[str]:
    found = []
    for name in _DEPENDENCIES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return [
        "contractgate dependencies: " + ", ".join(found),
        "contract YAML: contractgate's libyaml 0.2.5 port (no YAML library involved)",
    ]
