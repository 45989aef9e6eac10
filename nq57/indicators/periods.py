"""Reporting periods: months, quarters, half-years and years, as (start, end) dates with a short label."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

MONTHS_PER = {"month": 1, "quarter": 3, "half": 6, "year": 12}


@dataclass(frozen=True, order=True)
class Period:
    start: datetime.date
    end: datetime.date
    frequency: str

    @property
    def key(self):
        """A stable key for forms and templates: 2026-Q1, 2026-M03, 2026-H2, 2026."""
        year, month = self.start.year, self.start.month
        if self.frequency == "month":
            return f"{year}-M{month:02d}"
        if self.frequency == "quarter":
            return f"{year}-Q{(month - 1) // 3 + 1}"
        if self.frequency == "half":
            return f"{year}-H{(month - 1) // 6 + 1}"
        return str(year)

    @property
    def label(self):
        year, month = self.start.year, self.start.month
        if self.frequency == "month":
            return _("%(month)02d/%(year)d") % {"month": month, "year": year}
        if self.frequency == "quarter":
            return _("Q%(q)d/%(year)d") % {"q": (month - 1) // 3 + 1, "year": year}
        if self.frequency == "half":
            return _("H%(h)d/%(year)d") % {"h": (month - 1) // 6 + 1, "year": year}
        return str(year)

    def __str__(self):
        return self.label


def _month_end(year, month):
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


def period_containing(day, frequency):
    """The period of `frequency` that contains `day`."""
    months = MONTHS_PER[frequency]
    first_month = (day.month - 1) // months * months + 1
    last_month = first_month + months - 1
    return Period(datetime.date(day.year, first_month, 1), _month_end(day.year, last_month), frequency)


def next_period(period):
    return period_containing(period.end + datetime.timedelta(days=1), period.frequency)


def previous_period(period):
    return period_containing(period.start - datetime.timedelta(days=1), period.frequency)


def periods_between(start, end, frequency):
    """Every period that starts on or after the period containing `start` and ends on or before `end`."""
    if start is None or end is None or start > end:
        return []
    result = []
    period = period_containing(start, frequency)
    while period.end <= end:
        result.append(period)
        period = next_period(period)
    return result


def parse_period(text, frequency):
    """A period from its key (2026-Q1, 2026-M03, 2026-H2, 2026) or from a date inside it; None if unreadable."""
    text = (text or "").strip().upper()
    try:
        if "-M" in text:
            year, month = text.split("-M")
            day = datetime.date(int(year), int(month), 1)
        elif "-Q" in text:
            year, q = text.split("-Q")
            if not 1 <= int(q) <= 4:
                return None
            day = datetime.date(int(year), (int(q) - 1) * 3 + 1, 1)
        elif "-H" in text:
            year, h = text.split("-H")
            if not 1 <= int(h) <= 2:
                return None
            day = datetime.date(int(year), (int(h) - 1) * 6 + 1, 1)
        elif text.isdigit() and len(text) == 4:
            day = datetime.date(int(text), 1, 1)
        else:
            day = datetime.date.fromisoformat(text.lower())
    except (ValueError, TypeError):
        return None
    period = period_containing(day, frequency)
    # A key of another frequency (a month for a quarterly indicator) does not name a period of this one.
    if "-M" in text and frequency != "month" or "-Q" in text and frequency != "quarter" \
            or "-H" in text and frequency != "half" or (text.isdigit() and frequency != "year"):
        return None
    return period


def due_date(period, due_days):
    """When the value for `period` is due: `due_days` after the period ends."""
    return period.end + datetime.timedelta(days=due_days)
