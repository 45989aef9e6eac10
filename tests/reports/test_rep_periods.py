"""The periods of a periodic report: bounds, containing, previous, last ended, labels (table-driven)."""

import datetime

import pytest

from nq57.reports import periods

D = datetime.date


@pytest.mark.parametrize(("kind", "year", "number", "start", "end"), [
    ("month", 2025, 1, D(2025, 1, 1), D(2025, 1, 31)),
    ("month", 2024, 2, D(2024, 2, 1), D(2024, 2, 29)),
    ("month", 2025, 2, D(2025, 2, 1), D(2025, 2, 28)),
    ("month", 2025, 12, D(2025, 12, 1), D(2025, 12, 31)),
    ("quarter", 2025, 1, D(2025, 1, 1), D(2025, 3, 31)),
    ("quarter", 2025, 2, D(2025, 4, 1), D(2025, 6, 30)),
    ("quarter", 2025, 4, D(2025, 10, 1), D(2025, 12, 31)),
    ("half", 2025, 1, D(2025, 1, 1), D(2025, 6, 30)),
    ("half", 2025, 2, D(2025, 7, 1), D(2025, 12, 31)),
    ("year", 2025, 1, D(2025, 1, 1), D(2025, 12, 31)),
])
def test_bounds(kind, year, number, start, end):
    assert periods.bounds(kind, year, number) == (start, end)


@pytest.mark.parametrize(("kind", "number"), [("month", 0), ("month", 13), ("quarter", 5), ("half", 3),
                                              ("year", 2), ("week", 1)])
def test_it_rejects_a_period_that_does_not_exist(kind, number):
    with pytest.raises(ValueError):
        periods.bounds(kind, 2025, number)


@pytest.mark.parametrize(("kind", "day", "start", "end"), [
    ("month", D(2025, 6, 30), D(2025, 6, 1), D(2025, 6, 30)),
    ("quarter", D(2025, 7, 1), D(2025, 7, 1), D(2025, 9, 30)),
    ("quarter", D(2025, 6, 30), D(2025, 4, 1), D(2025, 6, 30)),
    ("half", D(2025, 6, 30), D(2025, 1, 1), D(2025, 6, 30)),
    ("half", D(2025, 7, 1), D(2025, 7, 1), D(2025, 12, 31)),
    ("year", D(2025, 3, 15), D(2025, 1, 1), D(2025, 12, 31)),
])
def test_containing(kind, day, start, end):
    assert periods.containing(kind, day) == (start, end)


@pytest.mark.parametrize(("kind", "start", "expected"), [
    ("month", D(2025, 1, 1), (D(2024, 12, 1), D(2024, 12, 31))),
    ("month", D(2025, 3, 1), (D(2025, 2, 1), D(2025, 2, 28))),
    ("quarter", D(2025, 1, 1), (D(2024, 10, 1), D(2024, 12, 31))),
    ("quarter", D(2025, 7, 1), (D(2025, 4, 1), D(2025, 6, 30))),
    ("half", D(2025, 1, 1), (D(2024, 7, 1), D(2024, 12, 31))),
    ("half", D(2025, 7, 1), (D(2025, 1, 1), D(2025, 6, 30))),
    ("year", D(2025, 1, 1), (D(2024, 1, 1), D(2024, 12, 31))),
    ("quarter", D(2025, 5, 17), (D(2025, 1, 1), D(2025, 3, 31))),  # a day inside the period works too
])
def test_previous(kind, start, expected):
    assert periods.previous(kind, start) == expected


@pytest.mark.parametrize(("kind", "today", "expected"), [
    ("month", D(2025, 7, 3), (D(2025, 6, 1), D(2025, 6, 30))),
    ("month", D(2025, 7, 1), (D(2025, 6, 1), D(2025, 6, 30))),
    ("quarter", D(2025, 7, 3), (D(2025, 4, 1), D(2025, 6, 30))),
    ("half", D(2025, 7, 3), (D(2025, 1, 1), D(2025, 6, 30))),
    ("half", D(2025, 6, 30), (D(2024, 7, 1), D(2024, 12, 31))),  # the half is not over on its last day
    ("year", D(2026, 1, 5), (D(2025, 1, 1), D(2025, 12, 31))),
])
def test_last_ended(kind, today, expected):
    assert periods.last_ended(kind, today) == expected


@pytest.mark.parametrize(("kind", "start", "vietnamese", "english"), [
    ("month", D(2025, 6, 1), "Tháng 6 năm 2025", "June 2025"),
    ("month", D(2025, 12, 1), "Tháng 12 năm 2025", "December 2025"),
    ("quarter", D(2025, 1, 1), "Quý I năm 2025", "Q1 2025"),
    ("quarter", D(2025, 4, 1), "Quý II năm 2025", "Q2 2025"),
    ("quarter", D(2025, 10, 1), "Quý IV năm 2025", "Q4 2025"),
    ("half", D(2025, 1, 1), "6 tháng đầu năm 2025", "first half of 2025"),
    ("half", D(2025, 7, 1), "6 tháng cuối năm 2025", "second half of 2025"),
    ("year", D(2025, 1, 1), "Năm 2025", "2025"),
])
def test_label(kind, start, vietnamese, english):
    assert periods.label(kind, start, "vi") == vietnamese
    assert periods.label(kind, start, "en") == english
