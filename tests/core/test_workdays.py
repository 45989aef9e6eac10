"""The working-day calendar: weekends, Vietnamese public holidays (Tết 2026: 14–22 February), compensatory days off
and the Saturday worked in exchange (10 January 2026). Table-driven on a pure calendar built from the shipped
defaults; one test checks that the migration loaded the same days into the database."""

import datetime

import pytest

from nq57.core.workdays import WorkCalendar, current, default_days

D = datetime.date


def shipped_calendar():
    off = frozenset(day for day, kind, _name, _note in default_days() if kind == "day_off")
    working = frozenset(day for day, kind, _name, _note in default_days() if kind == "working_day")
    return WorkCalendar(off, working)


CAL = shipped_calendar()


@pytest.mark.parametrize(("label", "start", "days", "expected"), [
    ("an ordinary week", D(2026, 3, 10), 3, D(2026, 3, 13)),
    ("three days from a Friday is the Wednesday", D(2026, 3, 6), 3, D(2026, 3, 11)),
    ("zero days is the start itself", D(2026, 2, 15), 0, D(2026, 2, 15)),
    ("Tết 2026 (14–22 February) is skipped", D(2026, 2, 12), 3, D(2026, 2, 24)),
    ("received during Tết: day 1 is the first working day after it", D(2026, 2, 17), 1, D(2026, 2, 23)),
    ("received on a Tết Saturday, 15 days", D(2026, 2, 14), 15, D(2026, 3, 13)),
    ("New Year's Day and the compensatory Friday 2 January are off", D(2025, 12, 31), 2, D(2026, 1, 6)),
    ("the make-up Saturday 10 January 2026 is a working day", D(2026, 1, 9), 1, D(2026, 1, 10)),
    ("after the make-up Saturday comes Monday", D(2026, 1, 9), 2, D(2026, 1, 12)),
    ("Hùng Kings' compensatory Monday, 30 April and 1 May", D(2026, 4, 24), 3, D(2026, 5, 4)),
    ("National Day 1–2 September 2026", D(2026, 8, 31), 1, D(2026, 9, 3)),
    ("an ordinary weekend", D(2026, 3, 13), 1, D(2026, 3, 16)),
])
def test_adding_working_days(label, start, days, expected):
    assert CAL.add(start, days) == expected, label


@pytest.mark.parametrize(("start", "end", "expected"), [
    (D(2026, 3, 10), D(2026, 3, 10), 0),
    (D(2026, 3, 10), D(2026, 3, 13), 3),
    (D(2026, 3, 13), D(2026, 3, 16), 1),  # Friday → Monday
    (D(2026, 2, 13), D(2026, 2, 23), 1),  # across the whole of Tết
    (D(2026, 1, 8), D(2026, 1, 12), 3),  # Friday 9, make-up Saturday 10, Monday 12
    (D(2026, 3, 16), D(2026, 3, 10), -4),  # reversed: negative
    (D(2026, 2, 14), D(2026, 2, 22), 0),  # inside Tết
])
def test_counting_working_days_between_two_dates(start, end, expected):
    assert CAL.between(start, end) == expected


@pytest.mark.parametrize(("day", "expected"), [
    (D(2026, 2, 14), D(2026, 2, 23)),
    (D(2026, 1, 10), D(2026, 1, 10)),
    (D(2026, 1, 1), D(2026, 1, 5)),
    (D(2026, 3, 10), D(2026, 3, 10)),
    (D(2026, 3, 14), D(2026, 3, 16)),
])
def test_the_next_working_day_is_the_day_itself_when_it_is_one(day, expected):
    assert CAL.next_working_day(day) == expected


def test_adding_a_negative_number_of_days_is_refused():
    with pytest.raises(ValueError):
        CAL.add(D(2026, 3, 10), -1)


def test_add_and_between_agree_for_every_start_of_2026():
    day = D(2026, 1, 1)
    while day.year == 2026:
        for n in (1, 5, 15):
            assert CAL.between(day, CAL.add(day, n)) == n, day
        day += datetime.timedelta(days=1)


def test_an_empty_calendar_knows_only_weekends():
    plain = WorkCalendar()
    assert plain.is_working_day(D(2026, 2, 16))
    assert not plain.is_working_day(D(2026, 1, 10))


@pytest.mark.django_db
def test_the_migration_loads_the_shipped_holidays_into_the_database():
    from nq57.core.models import Holiday

    shipped = {(day, kind) for day, kind, _name, _note in default_days()}
    stored = set(Holiday.objects.values_list("date", "kind"))
    assert shipped <= stored
    calendar = current()
    assert not calendar.is_working_day(D(2026, 2, 16))  # Tết
    assert calendar.is_working_day(D(2026, 1, 10))  # the make-up Saturday
    assert not calendar.is_working_day(D(2026, 1, 2))  # the compensatory Friday
    assert calendar.add(D(2026, 2, 12), 3) == D(2026, 2, 24)


@pytest.mark.django_db
def test_a_holiday_entered_later_moves_deadlines():
    from nq57.core.models import Holiday

    Holiday.objects.create(date=D(2026, 3, 11), kind=Holiday.Kind.DAY_OFF, name="Ngày nghỉ thử")
    assert current().add(D(2026, 3, 10), 3) == D(2026, 3, 16)
