"""The periods of a periodic report: month, quarter, half-year and year, their bounds and their labels.

Pure functions over dates. A period is identified by its kind and its first day; its label follows the way
administrative reports name it ("Quý II năm 2025", "6 tháng đầu năm 2025").
"""

import calendar
import datetime

MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
ENGLISH_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"]


def _months(kind):
    try:
        return MONTHS[kind]
    except KeyError:
        raise ValueError(f"unknown period kind: {kind!r}") from None


def count(kind):
    """How many periods of this kind a year has (12, 4, 2, 1)."""
    return 12 // _months(kind)


def bounds(kind, year, number):
    """(first day, last day) of the `number`-th period of `kind` in `year` (month 1–12, quarter 1–4, half 1–2,
    year 1)."""
    months = _months(kind)
    if not 1 <= number <= 12 // months:
        raise ValueError(f"{kind} number out of range: {number}")
    first_month = (number - 1) * months + 1
    last_month = first_month + months - 1
    return (datetime.date(year, first_month, 1),
            datetime.date(year, last_month, calendar.monthrange(year, last_month)[1]))


def number_of(kind, day):
    """The number of the period of `kind` containing `day` within its year."""
    return (day.month - 1) // _months(kind) + 1


def containing(kind, day):
    """(first day, last day) of the period of `kind` containing `day`."""
    return bounds(kind, day.year, number_of(kind, day))


def previous(kind, start):
    """(first day, last day) of the period of `kind` before the one starting (or containing) `start`."""
    first, _last = containing(kind, start)
    return containing(kind, first - datetime.timedelta(days=1))


def last_ended(kind, today):
    """(first day, last day) of the latest period of `kind` that ended before `today`."""
    return previous(kind, today)


def label(kind, start, language="vi"):
    """"Tháng 6 năm 2025", "Quý II năm 2025", "6 tháng đầu năm 2025", "Năm 2025" (Vietnamese); "June 2025",
    "Q2 2025", "first half of 2025", "2025" (English)."""
    number = number_of(kind, start)
    year = start.year
    english = (language or "vi").startswith("en")
    if kind == "month":
        return f"{ENGLISH_MONTHS[number - 1]} {year}" if english else f"Tháng {number} năm {year}"
    if kind == "quarter":
        return f"Q{number} {year}" if english else f"Quý {ROMAN[number]} năm {year}"
    if kind == "half":
        if english:
            return f"{'first' if number == 1 else 'second'} half of {year}"
        return f"6 tháng {'đầu' if number == 1 else 'cuối'} năm {year}"
    _months(kind)
    return f"{year}" if english else f"Năm {year}"
