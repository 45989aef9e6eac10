"""The working-day calendar: Monday to Friday, minus the days off entered in `Holiday` (public holidays,
Tết, compensatory days), plus the Saturdays worked in exchange. Feedback deadlines count in these days.

`WorkCalendar` is pure (table-driven tests give it the days directly); `current()` builds one from the
database (a few dozen rows a year: one small query, so no cache to go stale); loops take one and reuse it.
"""

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOLIDAYS = Path(__file__).resolve().parent / "data" / "holidays.json"


@dataclass(frozen=True)
class WorkCalendar:
    days_off: frozenset = field(default_factory=frozenset)
    extra_working_days: frozenset = field(default_factory=frozenset)

    def is_working_day(self, day):
        if day in self.extra_working_days:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def next_working_day(self, day):
        """The first working day on or after `day`."""
        while not self.is_working_day(day):
            day += datetime.timedelta(days=1)
        return day

    def add(self, start, days):
        """The date `days` working days after `start` (a deadline of 3 days from Friday is Wednesday).

        Day 1 is the first working day after `start`, so a submission received on a holiday gets full days."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        remaining = days
        while remaining:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def between(self, start, end):
        """Working days after `start` up to and including `end` (0 when end ≤ start; negative if reversed)."""
        if end < start:
            return -self.between(end, start)
        count = 0
        day = start
        while day < end:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def current():
    """The calendar as entered in the database."""
    from .models import Holiday

    off, working = set(), set()
    for day, kind in Holiday.objects.values_list("date", "kind"):
        (working if kind == Holiday.Kind.WORKING_DAY else off).add(day)
    return WorkCalendar(frozenset(off), frozenset(working))


def default_days():
    """(date, kind, name, note) rows shipped with the platform: 2025–2026 as announced, 2027 partly provisional."""
    data = json.loads(DEFAULT_HOLIDAYS.read_text(encoding="utf-8"))
    return [(datetime.date.fromisoformat(day), kind, name, note) for day, kind, name, note in data["days"]]
