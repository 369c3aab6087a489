"""Turning validator verdicts on records into findings (shared by validate/test/ingest)."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

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


def violation_findings(record: Record, violations: Iterable[Any], file: str) -> List[Finding]:
    """One finding per violation, positioned on the field when it can be located."""
    out = []
    for v in violations:
        field = str(v.field)
        line, col = record.locate(field)
        out.append(
            Finding(
                str(v.kind),
                str(v.message),
                file=file,
                line=line,
                column=col,
                record=record.number,
                field=field,
            )
        )
    return out


def envelope_findings(
    record: Record, violations: Iterable[Any], records_path: str, file: str
) -> List[Finding]:
    """Findings for an envelope payload: record violations get the path
    ``records_path[i].field`` (so they can be located); wrapper ones keep theirs."""
    out = []
    for v in violations:
        field = str(v.field)
        message = str(v.message)
        is_record_violation = not (
            message.startswith("Wrapper ")
            or message.startswith("Envelope ")
            or (field == "<root>" and message.startswith("Envelope payload"))
        )
        shown = f"{records_path}[{v.record_index}]" if is_record_violation else field
        if is_record_violation and field != "<root>":
            shown = f"{shown}.{field}"
        line, col = record.locate(shown)
        out.append(
            Finding(
                str(v.kind),
                message,
                file=file,
                line=line,
                column=col,
                record=record.number,
                field=shown,
            )
        )
    return out


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
