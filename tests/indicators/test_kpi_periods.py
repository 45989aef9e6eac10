"""Reporting periods: months, quarters, half-years and years, their keys, labels, parsing and due dates."""

import datetime

import pytest
from django.utils import translation

from nq57.indicators.periods import (Period, due_date, next_period, parse_period, period_containing,
                                     periods_between, previous_period)

D = datetime.date


@pytest.mark.parametrize(("day", "frequency", "start", "end", "key"), [
    (D(2026, 2, 14), "month", D(2026, 2, 1), D(2026, 2, 28), "2026-M02"),
    (D(2024, 2, 14), "month", D(2024, 2, 1), D(2024, 2, 29), "2024-M02"),  # leap year
    (D(2026, 5, 1), "quarter", D(2026, 4, 1), D(2026, 6, 30), "2026-Q2"),
    (D(2026, 12, 31), "quarter", D(2026, 10, 1), D(2026, 12, 31), "2026-Q4"),
    (D(2026, 7, 1), "half", D(2026, 7, 1), D(2026, 12, 31), "2026-H2"),
    (D(2026, 6, 30), "half", D(2026, 1, 1), D(2026, 6, 30), "2026-H1"),
    (D(2026, 8, 8), "year", D(2026, 1, 1), D(2026, 12, 31), "2026"),
])
def test_the_period_containing_a_day(day, frequency, start, end, key):
    period = period_containing(day, frequency)
    assert (period.start, period.end, period.key) == (start, end, key)


@pytest.mark.parametrize(("key", "frequency", "end"), [
    ("2026-Q1", "quarter", D(2026, 3, 31)), ("2026-q3", "quarter", D(2026, 9, 30)),
    ("2026-M03", "month", D(2026, 3, 31)), ("2026-H2", "half", D(2026, 12, 31)), ("2026", "year", D(2026, 12, 31)),
    ("2026-05-15", "quarter", D(2026, 6, 30)),  # a date inside the period
    (" 2025-Q4 ", "quarter", D(2025, 12, 31)),
])
def test_a_period_is_read_from_its_key(key, frequency, end):
    assert parse_period(key, frequency).end == end


@pytest.mark.parametrize(("key", "frequency"), [
    ("2026-Q5", "quarter"), ("2026-Q0", "quarter"), ("2026-H3", "half"), ("2026-M13", "month"),
    ("2026-M03", "quarter"),  # a month does not name a quarter
    ("2026", "quarter"), ("2026-Q1", "year"), ("Q1/2026", "quarter"), ("", "year"), (None, "year"),
    ("2026-02-30", "month"), ("abc", "quarter"),
])
def test_an_unreadable_or_mismatched_key_gives_no_period(key, frequency):
    assert parse_period(key, frequency) is None


def test_keys_round_trip_for_every_frequency():
    for frequency in ("month", "quarter", "half", "year"):
        for period in periods_between(D(2025, 1, 1), D(2026, 12, 31), frequency):
            assert parse_period(period.key, frequency) == period


def test_periods_between_lists_only_periods_that_have_ended_by_the_end_date():
    quarters = periods_between(D(2025, 2, 10), D(2025, 11, 30), "quarter")
    assert [p.key for p in quarters] == ["2025-Q1", "2025-Q2", "2025-Q3"]
    assert periods_between(D(2026, 1, 1), D(2025, 1, 1), "year") == []
    assert len(periods_between(D(2025, 1, 1), D(2025, 12, 31), "month")) == 12


def test_next_and_previous_periods_cross_the_year():
    q4 = parse_period("2025-Q4", "quarter")
    assert next_period(q4).key == "2026-Q1"
    assert previous_period(next_period(q4)) == q4
    assert previous_period(parse_period("2026-M01", "month")).key == "2025-M12"


def test_the_due_date_counts_days_after_the_period():
    assert due_date(parse_period("2025-Q1", "quarter"), 15) == D(2025, 4, 15)
    assert due_date(parse_period("2025", "year"), 0) == D(2025, 12, 31)


def test_labels_are_short_and_readable():
    with translation.override("en"):
        assert parse_period("2026-Q1", "quarter").label == "Q1/2026"
        assert parse_period("2026-M03", "month").label == "03/2026"
        assert str(Period(D(2026, 1, 1), D(2026, 12, 31), "year")) == "2026"
