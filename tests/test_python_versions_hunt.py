"""Defects found by running the package on the other Pythons that ``requires-python``
admits (3.9, 3.10, 3.12, 3.13): each test failed before its fix.

Where the defect only shows on another interpreter, the reproduction runs there as a
subprocess (``PYTHONPATH`` set to this checkout's ``src``), skipped with the reason when
that interpreter is not on this machine; the part of it that is plain Python runs here too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

import contractgate
from contractgate.cli._minitoml import MiniTomlError, mini_toml_loads
from hang_guard import after_killed_worker

SRC = Path(contractgate.__file__).resolve().parents[1]

def _interpreter(version: str) -> str:
    """Python ``version``: pyenv's newest install of it (``$PYENV_ROOT``, by default
    ``~/.pyenv``), else ``python<version>`` on PATH (not a pyenv shim, which fails when
    that version is not selected); a machine without one skips the case."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    installs = sorted(root.glob(f"versions/{version}.*/bin/python"), key=_patch_level)
    found = str(installs[-1]) if installs else shutil.which(f"python{version}")
    if found is None or "shims" in Path(found).parts or not os.access(found, os.X_OK):
        pytest.skip(f"no Python {version} interpreter on this machine")
    return found


def _patch_level(path: Path) -> int:
    tail = path.parents[1].name.rsplit(".", 1)[-1]
    return int(tail) if tail.isdigit() else -1


def _run_on(version: str, code: str) -> Any:
    """Run ``code`` (which prints one JSON document) on Python ``version`` with this
    checkout's package; its printed value."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONSTARTUP")}
    env["PYTHONPATH"] = str(SRC)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [_interpreter(version), "-B", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------
# Python 3.9/3.10 without tomli: pyproject.toml is read by the built-in TOML reader
# (cli/_minitoml.py), which refused valid TOML that tomllib (3.11+) reads, and read
# invalid TOML that tomllib refuses: the same pyproject.toml gave exit 3 on one Python
# and a run on the other.

H = "[tool.contractgate]\n"

#: valid TOML the built-in reader refused: (text, what tomllib reads as our table)
VALID: Dict[str, Any] = {
    "a line ending backslash": (
        H + 'contracts = ["""contracts/\\\n    orders.yaml"""]\n',
        {"contracts": ["contracts/orders.yaml"]},
    ),
    "a line ending backslash, spaces after it, blank lines and CRLF": (
        H + 'contracts = ["""a/\\  \t\r\n\r\n\n   *.yaml"""]\n',
        {"contracts": ["a/*.yaml"]},
    ),
    "a line ending backslash right before the closing quotes": (
        H + 'contracts = ["""a/*.yaml\\\n"""]\n',
        {"contracts": ["a/*.yaml"]},
    ),
    "CRLF inside a multi-line string reads as LF": (
        H + "contracts = ['''a\r\nb''', \"\"\"c\r\nd\"\"\"]\n",
        {"contracts": ["a\nb", "c\nd"]},
    ),
    "an escaped backslash at the end of a line is no line ending backslash": (
        H + 'contracts = ["""a\\\\\nb"""]\n',
        {"contracts": ["a\\\nb"]},
    ),
}

#: invalid TOML the built-in reader read (tomllib: "Illegal character")
INVALID: Dict[str, str] = {
    "a control character in a basic string": H + 'contracts = ["a\x01.yaml"]\n',
    "a control character in a literal string": H + "contracts = ['a\x1b[31m']\n",
    "DEL in a multi-line string": H + 'contracts = ["""a\x7f"""]\n',
    "a lone CR in a multi-line string": H + 'contracts = ["""a\rb"""]\n',
    "a control character in another table's string": (
        '[project]\ndescription = "a\x00"\n' + H + 'contracts = ["a"]\n'
    ),
}


def _tomllib_table(text: str) -> Any:
    """What tomllib reads as our table (None when it refuses the text)."""
    import tomllib

    try:
        return tomllib.loads(text)["tool"]["contractgate"]
    except tomllib.TOMLDecodeError:
        return None


@pytest.mark.parametrize("text, table", list(VALID.values()), ids=list(VALID))
def test_the_fallback_toml_reader_reads_valid_toml_as_tomllib(text: str, table: Any) -> None:
    assert mini_toml_loads(text)["tool"]["contractgate"] == table
    if sys.version_info >= (3, 11):  # the reference reader is there
        assert _tomllib_table(text) == table


@pytest.mark.parametrize("text", list(INVALID.values()), ids=list(INVALID))
def test_the_fallback_toml_reader_refuses_control_characters(text: str) -> None:
    with pytest.raises(MiniTomlError, match=r"control character U\+00[0-9A-F]{2} in a string"):
        mini_toml_loads(text)
    if sys.version_info >= (3, 11):
        assert _tomllib_table(text) is None


_READ_PYPROJECTS = """
import json, sys
sys.modules["tomli"] = None  # a user without tomli: the built-in reader
from contractgate.cli._config import ConfigError, _read_pyproject
out = []
for path in sys.argv[1:]:
    try:
        out.append({"table": _read_pyproject(path, "pyproject.toml")})
    except ConfigError as err:
        out.append({"error": str(err)})
print(json.dumps(out))
"""


@pytest.mark.parametrize("version", ["3.9", "3.10"])
def test_pyproject_reads_the_same_on_python_before_3_11_without_tomli(
    version: str, tmp_path: Path
) -> None:
    paths: List[str] = []
    for i, (text, _) in enumerate(VALID.values()):
        p = tmp_path / f"valid{i}" / "pyproject.toml"
        p.parent.mkdir()
        p.write_bytes(text.encode("utf-8"))
        paths.append(str(p))
    bad = tmp_path / "invalid" / "pyproject.toml"
    bad.parent.mkdir()
    bad.write_bytes(INVALID["a control character in a basic string"].encode("utf-8"))
    code = _READ_PYPROJECTS + "\n"
    args = ", ".join(repr(p) for p in [*paths, str(bad)])
    code = code.replace("sys.argv[1:]", f"[{args}]")
    got = _run_on(version, code)
    assert got[:-1] == [{"table": table} for _, table in VALID.values()]
    assert "invalid TOML: control character U+0001 in a string" in got[-1]["error"]


# --------------------------------------------------------------------------------------
# Python 3.9/3.10 (and 3.11 before 3.11.5): `validate --jobs N` hung forever when a
# worker process died (killed, out of memory) while the pool was sending it a chunk
# (CPython gh-94777), instead of exit 70 with "a worker process of --jobs ended abruptly".

_USER_EVENTS = SRC.parent / "contracts" / "user_events" / "1.1.0.yaml"


@pytest.fixture(scope="module")
def long_ndjson(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("jobs") / "long.ndjson"
    good = {"user_id": "alice_01", "event_type": "click", "timestamp": 1724252400}
    with path.open("w", encoding="utf-8") as fh:
        for i in range(300_000):
            event = {**good, "user_id": f"user_{i}", "timestamp": 1724252400 + i}
            if i % 7 == 0:
                event["event_type"] = "refund"
            fh.write(json.dumps(event) + "\n")
    return path


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("version", ["3.9", "3.10"])
def test_a_killed_worker_ends_validate_jobs_on_python_before_3_11_5(
    version: str, long_ndjson: Path
) -> None:

    python = _interpreter(version)
    if not _USER_EVENTS.is_file():  # pragma: no cover - an installed package's tests
        pytest.skip(f"no {_USER_EVENTS} in this checkout")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONSTARTUP")}
    env["PYTHONPATH"] = str(SRC)
    args = ["validate", "-q", "-c", str(_USER_EVENTS), str(long_ndjson), "--jobs", "2"]
    proc = subprocess.Popen(
        [python, "-B", "-X", "faulthandler", "-m", "contractgate.cli", *args],
        cwd=long_ndjson.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    err = after_killed_worker(
        proc, 1200, 90, f"validate --jobs 2 on Python {version}, after its worker died,"
    )
    assert proc.returncode == 70, err
    assert b"a worker process of --jobs ended abruptly" in err
    assert b"Traceback" not in err


# --------------------------------------------------------------------------------------
