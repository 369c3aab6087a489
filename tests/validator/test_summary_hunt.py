"""ValidationSummary edges: huge counts, odd constructor and ``from_dict`` input, and
table rendering of field names that hold control characters."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

from contractgate import Contract
from contractgate._validation.values.render import display_width
from contractgate.validator import Example, ValidationSummary, summarize_partition

KEY = ("f", "k")


def _dict(**over: Any) -> Dict[str, Any]:
    base: Dict[str, Any] = {
        "total": 3,
        "passed": 1,
        "max_examples": 2,
        "violations": [
            {
                "field": "f",
                "kind": "k",
                "count": 2,
                "examples": [{"partition": 0, "offset": 1, "field": "f", "message": "m"}],
            }
        ],
    }
    base.update(over)
    return base


def _row(**over: Any) -> Dict[str, Any]:
    row: Dict[str, Any] = {"field": "f", "kind": "k", "count": 2, "examples": []}
    row.update(over)
    return row


def _example(**over: Any) -> Dict[str, Any]:
    ex: Dict[str, Any] = {"partition": 0, "offset": 1, "field": "f", "message": "m"}
    ex.update(over)
    return ex


# ---------------------------------------------------------------------------- huge counts


def test_a_summary_of_huge_counts_prints() -> None:
    """``str()`` raised a bare ``OverflowError`` (the failed share went through a float
    of the count) for counts past ~1e306, which merging and ``from_dict`` allow."""
    big = 10**400
    assert str(ValidationSummary(total=big, passed=0)).endswith("(100.00% failed)")
    half = str(ValidationSummary(total=2 * big, passed=big))
    assert half.endswith("(50.00% failed)")
    # the usual shares are unchanged
    assert str(ValidationSummary(total=3, passed=2)).endswith("(33.33% failed)")
    assert str(ValidationSummary(total=800, passed=799)).endswith("(0.12% failed)")


# ---------------------------------------------------------------------------- construction


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"total": 2.5, "passed": 1}, "total must be an int >= 0, got 2.5"),
        ({"total": True, "passed": 0}, "total must be an int >= 0, got True"),
        ({"total": "3", "passed": 0}, "total must be an int >= 0, got '3'"),
        ({"total": 3, "passed": 1.0}, r"passed=1\.0 must lie in 0\.\.total=3"),
        ({"total": 3, "passed": True}, r"passed=True must lie in 0\.\.total=3"),
        ({"total": 1, "counts": {KEY: -1}}, r"count of \('f', 'k'\) must be an int >= 0"),
        ({"total": 1, "counts": {KEY: 1.5}}, r"count of \('f', 'k'\) must be an int >= 0"),
        ({"total": 1, "counts": {KEY: True}}, r"count of \('f', 'k'\) must be an int >= 0"),
    ],
)
def test_a_summary_refuses_counts_that_are_no_counts(kwargs: Dict[str, Any], said: str) -> None:
    """A fractional, bool or text total (``failed`` came out as 1.5) and negative or
    fractional row counts were taken as they were."""
    with pytest.raises(ValueError, match=said):
        ValidationSummary(**kwargs)


def test_a_row_keeps_at_most_max_examples_in_position_order() -> None:
    """A row holding more examples than ``max_examples`` was kept as given (and in the
    order given), so ``s + ValidationSummary()`` kept them all while ``s + t`` kept
    ``max_examples``."""
    e = [Example(0, i, "f", "m") for i in range(3)]
    with pytest.raises(ValueError, match=r"3 examples for \('f', 'k'\), more than max_examples=2"):
        ValidationSummary(total=3, counts={KEY: 3}, examples={KEY: tuple(e)}, max_examples=2)
    s = ValidationSummary(total=2, counts={KEY: 2}, examples={KEY: (e[1], e[0])}, max_examples=2)
    assert s.examples[KEY] == (e[0], e[1])
    assert s == ValidationSummary(
        total=2, counts={KEY: 2}, examples={KEY: (e[0], e[1])}, max_examples=2
    )


# ---------------------------------------------------------------------------- from_dict


def test_from_dict_reads_what_to_dict_writes() -> None:
    s = ValidationSummary.from_dict(_dict())
    assert ValidationSummary.from_dict(json.loads(s.to_json())) == s
    assert s.examples[KEY] == (Example(0, 1, "f", "m"),)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "total",
        _dict(total=float("inf")),
        _dict(total=float("nan")),
        _dict(total=3.7),
        _dict(total="3"),
        _dict(passed=True),
        _dict(max_examples=True),
        _dict(max_examples=2.5),
        _dict(violations=None),
        _dict(violations={"field": "f"}),
        _dict(violations=[_row(field=None)]),
        _dict(violations=[_row(kind=7)]),
        _dict(violations=[_row(count=2.5)]),
        _dict(violations=[_row(count="2")]),
        _dict(violations=[_row(count=-1)]),
        _dict(violations=[_row(examples=None)]),
        _dict(violations=[_row(examples=[_example(offset=1.5)])]),
        _dict(violations=[_row(examples=[_example(partition=True)])]),
        _dict(violations=[_row(examples=[_example(partition=-1)])]),
        _dict(violations=[_row(examples=[_example(message=None)])]),
        _dict(violations=[_row(examples=[_example(field=["f"])])]),
    ],
)
def test_from_dict_refuses_what_to_dict_never_writes(raw: Any) -> None:
    """Not a raw ``AttributeError``/``OverflowError``, and no silent coercion: ``int()``
    cut 3.7 to 3, read ``true`` as 1 (a bool ``max_examples`` the constructor refuses)
    and ``"3"`` as 3; ``str()`` read a ``null`` field or message as ``"None"``."""
    with pytest.raises(ValueError, match="not a ValidationSummary dict"):
        ValidationSummary.from_dict(raw)


# ---------------------------------------------------------------------------- rendering

COMPLIANCE = Contract.from_yaml(
    """
version: "1"
name: t
compliance_mode: true
ontology:
  entities:
    - {name: id, type: string}
"""
).compile()


def test_the_table_keeps_one_line_per_row_whatever_the_field_names() -> None:
    """An undeclared key holding a newline (or U+2028) split its table row and its
    example line in two; a field named by the empty string left an empty cell."""
    events = [{"id": "a", "x\ny": 1}, {"id": "a", "": 2}, {"id": "a", "k\u2028": 3},
              {"id": "a", "ééé": 4}]  # fmt: skip
    s = summarize_partition(COMPLIANCE, events, max_examples=1)
    lines = str(s).splitlines()
    # head, blank, header, rule, 4 rows, blank, title, 4 examples
    assert len(lines) == 14
    rows = lines[4:8]
    # escaped as the CLI escapes input text (one rule: printable)
    assert [r.split()[0] for r in rows] == ["''", "k\\u{2028}", "x\\u{a}y", "ééé"]
    assert len({len(r) for r in rows}) == 1  # aligned
    examples = lines[10:]
    assert examples[0].startswith("  0:1 '' [undeclared_field] Field '' is not declared")
    assert examples[2].startswith("  0:0 x\\u{a}y [undeclared_field] Field 'x\\u{a}y' is not")
    assert examples[3].startswith("  0:3 ééé [undeclared_field] Field 'ééé' is not")
    # the data itself keeps the exact texts
    assert ("x\ny", "undeclared_field") in s.counts
    assert json.loads(s.to_json())["violations"][2]["field"] == "x\ny"


def test_the_table_aligns_wide_characters_and_escapes_terminal_controls() -> None:
    """Rows were padded by code points (a CJK field name pushed its row's columns out)
    and a field name holding an escape sequence reached the terminal raw; the summary
    now escapes and measures text as the CLI and ``contractgate.testing`` do."""
    events = [{"id": "a", "日本語": 1}, {"id": "a", "x\x1b[31my": 2}, {"id": "a", "abcdef": 3}]
    text = str(summarize_partition(COMPLIANCE, events, max_examples=1))
    assert "\x1b" not in text
    assert "x\\u{1b}[31my" in text
    rows = text.splitlines()[4:7]
    kinds = [r.index("undeclared_field") for r in rows]
    widths = [display_width(r[:k]) for r, k in zip(rows, kinds)]
    assert len(set(widths)) == 1, rows
