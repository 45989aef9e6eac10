"""Completion times as documents write them ("6/2025", "Quý II/2025", "Thường xuyên"…) → a structured deadline.

`parse_deadline(text)` never fails: text it does not understand comes back as kind NONE with the
text kept as written, so the importer can report it. Matching is case- and accent-insensitive
(every rule works on `nq57.core.text.fold` output), so "Quý II/2025", "quy ii/2025" and
"QUÝ 2/2025" are one rule.

Kinds (Task.DeadlineKind): DATE — a day or the last day of a named month; PERIOD — the end of a
quarter, half-year or year; RANGE — several years (start 1 January of the first, deadline 31
December of the last); ONGOING — standing tasks ("Thường xuyên", "2025 và những năm tiếp
theo"); RECURRING — yearly tasks ("Hằng năm"); NONE — empty or not understood.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from nq57.core.text import fold

from .models import Task

Kind = Task.DeadlineKind

ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
MIN_YEAR, MAX_YEAR = 1990, 2100

# Words in front of a date that do not change it: "Trước 30/6/2025", "Chậm nhất tháng 6/2025", "By 2025".
LEADING_WORDS = re.compile(
    r"^(?:truoc ngay|truoc|cham nhat(?: la)?(?: ngay)?|den het|den ngay|den|trong nam|trong|hoan thanh(?: trong)?"
    r"|nam|by|before|due|in)\s+"
)
SEP = r"\s*[/.\-]\s*"
YEAR = r"(\d{4})"

ONGOING_TEXTS = {"thuong xuyen", "nhiem vu thuong xuyen", "lien tuc", "thuong xuyen lien tuc", "ongoing",
                 "continuous", "continuing", "regular", "regularly"}
RECURRING_TEXTS = {"hang nam", "moi nam", "hang nam lien tuc", "annual", "annually", "yearly", "every year",
                   "each year"}

RULES = []


def rule(pattern):
    def register(function):
        RULES.append((re.compile(rf"^(?:{pattern})$"), function))
        return function

    return register


@dataclass(frozen=True)
class ParsedDeadline:
    """A completion time: its kind, the deadline and start it implies (or None), and the text as written."""

    kind: str
    deadline: datetime.date | None = None
    start: datetime.date | None = None
    text: str = ""

    @property
    def understood(self):
        """False when there was text but no rule read it (empty text is understood: no deadline)."""
        return self.kind != Kind.NONE or not self.text.strip()


def _month_end(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _year(value):
    year = int(value)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(year)
    return year


@rule(rf"{YEAR}")
def _a_year(m):
    return Kind.PERIOD, datetime.date(_year(m[1]), 12, 31), None


@rule(rf"(?:giai doan\s+|tu\s+|from\s+)?{YEAR}\s*(?:-|–|—|den|toi|to)\s*(?:nam\s+)?{YEAR}")
def _years(m):
    first, last = _year(m[1]), _year(m[2])
    if last < first:
        raise ValueError("range ends before it starts")
    if last == first:
        return Kind.PERIOD, datetime.date(last, 12, 31), None
    return Kind.RANGE, datetime.date(last, 12, 31), datetime.date(first, 1, 1)


@rule(rf"(?:tu\s+)?(?:nam\s+)?{YEAR}\s+(?:va|tro di)(?:\s+(?:nhung|cac))?(?:\s+nam)?(?:\s+tiep theo)?"
      rf"|{YEAR}\s+(?:and|onwards?)(?:\s+(?:the\s+)?following\s+years)?|(?:tu|from)\s+(?:nam\s+)?{YEAR}")
def _from_a_year_on(m):
    # "2025 và những năm tiếp theo": a standing task that starts in 2025.
    year = _year(next(g for g in m.groups() if g))
    return Kind.ONGOING, None, datetime.date(year, 1, 1)


@rule(rf"(?:thang\s+)?(\d{{1,2}}){SEP}{YEAR}|thang\s+(\d{{1,2}})\s+nam\s+{YEAR}")
def _a_month(m):
    month, year = (m[1], m[2]) if m[1] else (m[3], m[4])
    return Kind.DATE, _month_end(_year(year), int(month)), None


@rule(rf"(?:ngay\s+)?(\d{{1,2}}){SEP}(\d{{1,2}}){SEP}{YEAR}|ngay\s+(\d{{1,2}})\s+thang\s+(\d{{1,2}})\s+nam\s+{YEAR}")
def _a_day(m):
    day, month, year = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
    return Kind.DATE, datetime.date(_year(year), int(month), int(day)), None


@rule(rf"(?:{YEAR}{SEP})(\d{{1,2}}){SEP}(\d{{1,2}})")
def _an_iso_day(m):
    return Kind.DATE, datetime.date(_year(m[1]), int(m[2]), int(m[3])), None


@rule(rf"(?:quy|q)\s*(iv|iii|ii|i|[1-4])\s*(?:/|-|nam|,)?\s*(?:nam\s+)?{YEAR}|{YEAR}\s*[-/ ]?\s*q([1-4])")
def _a_quarter(m):
    quarter, year = (ROMAN_QUARTERS[m[1]], m[2]) if m[1] else (int(m[4]), m[3])
    return Kind.PERIOD, _month_end(_year(year), quarter * 3), None


@rule(rf"(?:6 thang dau nam|nua dau nam|first half(?: of)?|h1)\s*(?:nam\s+)?{YEAR}")
def _first_half(m):
    return Kind.PERIOD, datetime.date(_year(m[1]), 6, 30), None


@rule(rf"(?:6 thang cuoi nam|nua cuoi nam|second half(?: of)?|h2)\s*(?:nam\s+)?{YEAR}")
def _second_half(m):
    return Kind.PERIOD, datetime.date(_year(m[1]), 12, 31), None


@rule(rf"(?:cuoi nam|end of)\s*(?:nam\s+)?{YEAR}")
def _end_of_year(m):
    return Kind.PERIOD, datetime.date(_year(m[1]), 12, 31), None


def _normalise(text):
    key = fold(text)
    key = key.replace("–", "-").replace("—", "-")
    key = re.sub(r"[.;:,]+$", "", key).strip()
    key = re.sub(r"^[(\[]|[)\]]$", "", key).strip()
    return key


def _match(key):
    for pattern, function in RULES:
        m = pattern.match(key)
        if m:
            try:
                return function(m)
            except ValueError:  # 31/2/2025, month 13, year 0025: not a deadline
                return None
    return None


def parse_deadline(text, *, reference_year=None):
    """Read a completion time as written; unknown text gives kind NONE with the text kept.

    reference_year completes texts that omit the year ("Quý II", "Tháng 6", "30/6")."""
    written = " ".join((text or "").split())
    key = _normalise(written)
    if not key:
        return ParsedDeadline(Kind.NONE, text=written)
    if key in ONGOING_TEXTS:
        return ParsedDeadline(Kind.ONGOING, text=written)
    if key in RECURRING_TEXTS:
        return ParsedDeadline(Kind.RECURRING, text=written)
    candidates = [key]
    stripped = LEADING_WORDS.sub("", key)
    if stripped != key:
        candidates.append(stripped)
    if reference_year:
        candidates += [f"{c}/{reference_year}" for c in list(candidates) if not re.search(r"\d{4}", c)]
    for candidate in candidates:
        found = _match(candidate)
        if found is not None:
            kind, deadline, start = found
            return ParsedDeadline(kind, deadline, start, written)
    return ParsedDeadline(Kind.NONE, text=written)
