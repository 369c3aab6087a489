"""The checking commands' core (``validate``, ``test``, ``cli/_checking.py``): agreement
with the library on generated contracts and records, exact counts in the summaries, the
whole-file note of uniqueness contracts, and field positions that never crash a run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List, Tuple

import pytest
from cg_cli_testlib import GOOD_EVENT, USER_EVENTS, ndjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

UNIQUE = """\
version: "1.0.0"
name: u
ontology:
  entities:
    - {name: id, type: string}
    - {name: n, type: integer, min: 0}
quality:
  - {field: id, type: uniqueness}
"""

BAD = dict(GOOD_EVENT, user_id="NOPE")


# -- agreement with the library ---------------------------------------------------------

_NAMES = ["a", "b", "id", "x.y", "tags[0]", "é"]
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0.5, -0.0, 1.0, 1e300, 2.5e-8]),
    st.text(alphabet='ab_é"\\ 1', max_size=6),
    st.sampled_from(["2024-02-29", "2023-02-29", "ord_1"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from([*_NAMES, "z"]), inner, max_size=4),
    ),
    max_leaves=12,
)


def _field(depth: int) -> Any:
    optional = {
        "required": st.booleans(),
        "pattern": st.sampled_from(["^[a-z_]+$", "^\\d+$", "é"]),
        "enum": st.lists(_scalars, max_size=3),
        "min": st.integers(-5, 5),
        "max": st.integers(-5, 50),
        "min_length": st.integers(0, 3),
        "max_length": st.integers(0, 5),
    }
    if depth > 0:
        optional["properties"] = st.lists(st.deferred(lambda: _field(depth - 1)), max_size=3)
        optional["items"] = st.deferred(lambda: _field(depth - 1))
    return st.fixed_dictionaries(
        {
            "name": st.sampled_from(_NAMES),
            "type": st.sampled_from(
                ["string", "integer", "number", "boolean", "object", "array", "any", "date"]
            ),
        },
        optional=optional,
    )


_contracts = st.fixed_dictionaries(
    {
        "version": st.just("1.0.0"),
        "name": st.just("gen"),
        "ontology": st.fixed_dictionaries({"entities": st.lists(_field(2), max_size=4)}),
    },
    optional={
        "compliance_mode": st.booleans(),
        "null_as_absent": st.booleans(),
        "quality": st.lists(
            st.fixed_dictionaries(
                {
                    "field": st.sampled_from([*_NAMES, "a.b"]),
                    "type": st.sampled_from(["completeness", "validity", "uniqueness"]),
                }
            ),
            max_size=3,
        ),
    },
)
_lines = st.lists(
    st.one_of(
        _values.map(json.dumps),
        st.sampled_from(["not json", "{", "NaN", '{"a": 1, "a": 2}', "[1,]"]),
    ),
    max_size=6,
)


def _expected(compiled: Any, lines: List[str]) -> List[Tuple[int, str, str, str]]:
    """What the library says about each line, as ``validate`` reports a file: records
    that decode form the batch of the uniqueness rules."""
    from contractgate import EventDecodeError
    from contractgate._validation.values.jsonvalue import loads

    per_line: List[List[Tuple[int, str, str, str]]] = []
    values, where = [], []
    for i, line in enumerate(lines):
        try:
            result = compiled.validate_json(line)
        except EventDecodeError:
            per_line.append([(i + 1, "(record)", "parse_error", "")])
            continue
        per_line.append(
            [(i + 1, str(v.field), str(v.kind), str(v.message)) for v in result.violations]
        )
        values.append(loads(line))
        where.append(i)
    for i, result in zip(where, compiled.validate_batch(values)):
        per_line[i] = [
            (i + 1, str(v.field), str(v.kind), str(v.message)) for v in result.violations
        ]
    return [x for found in per_line for x in found]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(contract=_contracts, lines=_lines)
def test_validate_reports_what_the_library_reports(
    cli: Any, tmp_path: Path, contract: Any, lines: List[str]
) -> None:
    from contractgate import Contract, ContractCompileError

    cpath = tmp_path / "c.yaml"
    cpath.write_text(json.dumps(contract))
    try:
        compiled = Contract.from_file(cpath).compile()
    except ContractCompileError:
        return
    data = tmp_path / "f.ndjson"
    data.write_text("".join(line + "\n" for line in lines))
    r = cli("validate", "--format", "json", "--contract", str(cpath), str(data))
    doc = r.json()
    got = [
        (e["record"], e["field"], e["kind"], "" if e["kind"] == "parse_error" else e["message"])
        for e in doc["errors"]
    ]
    expected = _expected(compiled, lines)
    assert got == expected
    failed = len({x[0] for x in expected})
    assert doc["summary"]["records"] == len(lines)
    assert (doc["summary"]["failed"], doc["summary"]["violations"]) == (failed, len(expected))
    assert r.code == (1 if expected else 0)
    text = cli("validate", "--contract", str(cpath), str(data))
    assert text.code == r.code
    assert len([x for x in text.lines if x.startswith(str(data))]) == len(expected)


# -- the summary's counts -----------------------------------------------------------------


def test_the_summary_counts_files_with_failing_records_not_empty_ones(
    cli: Any, project: Path
) -> None:
    """An empty file under --fail-on-empty failed the run, but none of its records did:
    "1 of 1 record failed in 2 of 2 files" named a file without records."""
    (project / "bad.ndjson").write_text(ndjson(BAD))
    (project / "empty.ndjson").write_text("")
    r = cli("validate", "-c", USER_EVENTS, "bad.ndjson", "empty.ndjson", "--fail-on-empty")
    assert r.code == 1
    assert r.lines[-1] == (
        "✗ 1 of 1 record failed in 1 of 2 files; 1 file without records — "
        "1 problem: 1 pattern_mismatch"
    )
    doc = cli(
        "validate", "-c", USER_EVENTS, "bad.ndjson", "empty.ndjson", "--fail-on-empty",
        "--format", "json",
    ).json()  # fmt: skip
    assert doc["summary"]["files_failed"] == 2  # both failed the run


def test_a_file_that_breaks_midway_keeps_its_counts(
    cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records read before a read error are reported and summed up: the file's own entry
    and the "in N of M files" must count them too (the summary said "2 of 3 records
    failed in 0 of 2 files", and the file's JSON entry had no counts)."""
    from contractgate.cli import _readers

    lines = _readers.RecordSource._lines

    def breaking(self: Any) -> Any:
        for i, line in enumerate(lines(self)):
            if i == 2 and self.display == "flaky.ndjson":
                raise _readers.InputError("cannot read: Input/output error", file=self.display)
            yield line

    monkeypatch.setattr(_readers.RecordSource, "_lines", breaking)
    (project / "flaky.ndjson").write_text(ndjson(BAD, BAD, GOOD_EVENT))
    (project / "good.ndjson").write_text(ndjson(GOOD_EVENT))
    r = cli("validate", "-c", USER_EVENTS, "flaky.ndjson", "good.ndjson")
    assert r.code == 2
    assert r.lines[-1] == (
        "✗ 2 of 3 records failed in 1 of 2 files; 1 file could not be checked — "
        "2 problems: 2 pattern_mismatch"
    )
    doc = cli("validate", "-c", USER_EVENTS, "flaky.ndjson", "good.ndjson", "--format", "json")
    summary, files = doc.json()["summary"], doc.json()["files"]
    assert files[0]["checked"] is False and files[0]["error"] == "cannot read: Input/output error"
    for key in ("records", "passed", "failed", "violations"):
        assert sum(f[key] for f in files) == summary[key], key


# -- the whole-file note of uniqueness contracts ------------------------------------------


@pytest.mark.parametrize("n, verbose, notes", [(3, False, 0), (4, False, 1), (4, True, 1)])
def test_the_whole_file_note_is_said_once_past_the_threshold(
    cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch, n: int, verbose: bool, notes: int
) -> None:
    """Documented: "for files of more than 10,000 records (and for every file with -v)".
    A file of exactly 10,000 records got it, and with -v a big file got it twice."""
    from contractgate.cli import _validate

    monkeypatch.setattr(_validate, "WHOLE_FILE_NOTE_AFTER", 3)
    (project / "u.yaml").write_text(UNIQUE)
    (project / "u.ndjson").write_text(ndjson(*({"id": str(i), "n": i} for i in range(n))))
    r = cli("validate", "-c", "u.yaml", "u.ndjson", *(["-v"] if verbose else []))
    assert r.code == 0, r.out + r.err
    assert r.err.count("has uniqueness rules (id)") == notes, r.err


# -- field positions are best effort, everywhere ----------------------------------------


def test_a_field_that_cannot_be_located_does_not_crash_json_records(
    cli: Any, project: Path
) -> None:
    """A violation path the locator cannot follow falls back to the record's position
    for YAML records; for JSON/NDJSON records (located in ``_checking``) the same path
    ended the run as an internal error (exit 70)."""
    huge = "9" * 5000  # an index past Python's int-from-text limit
    (project / "c.yaml").write_text(
        'version: "1"\nname: c\nontology:\n  entities:\n'
        f'    - {{name: a, type: array}}\n    - {{name: "a[{huge}]", type: integer}}\n'
    )
    (project / "e.ndjson").write_text('{"a": [1]}\n')
    (project / "e.yaml").write_text("- a: [1]\n")
    for data in ("e.ndjson", "e.yaml"):
        r = cli("validate", "-c", "c.yaml", data)
        assert r.code == 1, r.err
        assert "internal error" not in r.err
        assert r.lines[0].startswith(f"{data}:1:")
        assert r.lines[0].endswith("[missing_required_field]")
    t = cli("test", "-c", "c.yaml", "-d", "e.ndjson")
    assert t.code == 1 and "internal error" not in t.err
