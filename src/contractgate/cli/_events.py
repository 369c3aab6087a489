"""Findings and counts shared by validate, test and ingest."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._common import PARSE_ERROR, PARSE_ERROR_FIELD, Finding
from ._readers import Record

#: the kind of the finding for an input without events under ``--fail-on-empty``
EMPTY_INPUT = "empty_input"


def parse_error_finding(record: Record, file: str) -> Finding:
    return Finding(
        PARSE_ERROR,
        record.error or "parse error",
        file=file,
        line=record.error_line if record.error_line is not None else record.line,
        column=record.error_column if record.error_line is not None else record.column,
        record=record.number,
        field=PARSE_ERROR_FIELD,
    )


class Tally:
    """Running counts for a summary: records, passed, failed, violations by kind."""

    def __init__(self) -> None:
        self.records = 0
        self.passed = 0
        self.failed = 0
        self.violations = 0
        self.by_kind: Dict[str, int] = {}

    def add(self, findings: Sequence[Finding]) -> None:
        self.records += 1
        if findings:
            self.failed += 1
        else:
            self.passed += 1
        for f in findings:
            self.violations += 1
            self.by_kind[f.kind] = self.by_kind.get(f.kind, 0) + 1

    def merge(self, other: Tally) -> None:
        self.records += other.records
        self.passed += other.passed
        self.failed += other.failed
        self.violations += other.violations
        for k, n in other.by_kind.items():
            self.by_kind[k] = self.by_kind.get(k, 0) + n

    def kinds_sorted(self) -> List[Tuple[str, int]]:
        return sorted(self.by_kind.items(), key=lambda kv: (-kv[1], kv[0]))

    def kinds_text(self) -> str:
        return ", ".join(f"{n} {k}" for k, n in self.kinds_sorted())

    def to_dict(self) -> Dict[str, Any]:
        return {
            "records": self.records,
            "passed": self.passed,
            "failed": self.failed,
            "violations": self.violations,
            "by_kind": dict(self.kinds_sorted()),
        }


def plural(n: int, word: str, many: Optional[str] = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
