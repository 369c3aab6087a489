"""chrono 0.4.45 ``NaiveDate::parse_from_str(value, "%Y-%m-%d")`` validity (spec §4.5,
appendix A).

The grammar is lenient: Unicode White_Space may precede each number (not a ``-``
separator, not the end); the year is a sign plus one or more ASCII digits, or 1–4 ASCII
digits without a sign; month and day are 1–2 ASCII digits; nothing may follow. The result
must be a real proleptic-Gregorian date with year in [−262143, 262142].
"""

from __future__ import annotations

import re

__all__ = ["is_valid_date"]

# Rust char::is_whitespace (Unicode White_Space).
_WS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Greedy with no useful backtracking: giving a digit back always leaves a digit where the
# grammar needs '-' or the end, so regex backtracking cannot accept more than chrono.
_DATE_RE = re.compile(
    f"[{_WS}]*(?:([+-])([0-9]+)|([0-9]{{1,4}}))-[{_WS}]*([0-9]{{1,2}})-[{_WS}]*([0-9]{{1,2}})\\Z"
)
_FAST_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# Every "MM-DD" of a leap year: with a 4-digit year in front, the common case is a set
# lookup (no regex, no int()).
_MONTH_DAYS = frozenset(
    f"{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, _DAYS[m] + (m == 2) + 1)
)
_MIN_YEAR = -262143
_MAX_YEAR = 262142


def _valid_ymd(year: int, month: int, day: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    if day <= _DAYS[month]:
        return True
    # floor modulo: years 0 and -400 are leap years, -100 is not
    return month == 2 and day == 29 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def is_valid_date(s: str) -> bool:
    """True iff chrono 0.4.45 parses ``s`` with ``%Y-%m-%d`` to a valid ``NaiveDate``.

    ``2026-1-5``, ``26-01-05``, ``+10000-01-01`` and `` 2026-01-05`` are valid;
    ``10000-01-01``, ``2026-001-01``, ``2026-01-05 `` and ``２０２６-01-01`` are not.
    """
    if len(s) == 10 and s[4] == "-" and s.isascii() and s[:4].isdigit():
        md = s[5:]
        if md in _MONTH_DAYS:
            return md != "02-29" or _valid_ymd(int(s[:4]), 2, 29)
        if md[2] == "-" and md[:2].isdigit() and md[3:].isdigit():
            return False  # well formed, but no such day (2026-02-30, 2026-13-01)
    return _parse_valid(s)


def _parse_valid(s: str) -> bool:
    """:func:`is_valid_date` for every input, by the grammar (the reference for tests)."""
    m = _FAST_RE.match(s)
    if m is not None:
        return _valid_ymd(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DATE_RE.match(s)
    if m is None:
        return False
    sign, signed_digits, plain_digits, month, day = m.groups()
    if plain_digits is not None:
        year = int(plain_digits)
    else:
        digits = signed_digits.lstrip("0")
        if len(digits) > 7:  # also covers chrono's i64/i32 overflow errors
            return False
        year = int(digits or "0")
        if sign == "-":
            year = -year
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            return False
    return _valid_ymd(year, int(month), int(day))
