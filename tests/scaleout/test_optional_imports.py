"""Without the extra installed, importing an integration says what to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

_BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"No module named {{name!r}} (blocked by the test)")
        return None
sys.meta_path.insert(0, Block())
try:
    import contractgate.{module}
except ImportError as exc:
    print("ImportError:", exc)
    print("cause:", type(exc.__cause__).__name__)
else:
    print("imported")
"""


@pytest.mark.parametrize(
    "module,blocked,extra",
    [("dask", {"dask"}, "dask"), ("spark", {"pyspark"}, "spark"), ("spark", {"pyarrow"}, "spark")],
)
def test_missing_extra_names_the_pip_command(module: str, blocked: set, extra: str) -> None:
    code = _BLOCK.format(module=module, blocked=sorted(blocked))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert f"pip install 'contractgate[{extra}]'" in out, out
    assert "cause: ImportError" in out or "cause: ModuleNotFoundError" in out


def test_core_never_imports_an_engine() -> None:
    code = (
        "import sys, contractgate, contractgate.validator\n"
        "from contractgate.validator import validate_chunk, ValidationSummary\n"
        "print(sorted(m for m in ('dask', 'pyspark', 'pyarrow', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert out.strip() == "[]"
