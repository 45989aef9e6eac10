"""The completion-time parser over every string Appendix II of Resolution 03/NQ-CP uses, and the other usual forms."""

import datetime

import pytest

from nq57.plans.deadlines import parse_deadline
from nq57.plans.models import Task

DATE, PERIOD, RANGE = Task.DeadlineKind.DATE, Task.DeadlineKind.PERIOD, Task.DeadlineKind.RANGE
ONGOING, RECURRING, NONE = Task.DeadlineKind.ONGOING, Task.DeadlineKind.RECURRING, Task.DeadlineKind.NONE
APPENDIX_2 = "resolution-03-NQ-CP-appendix-2-tasks.md"
d = datetime.date

# Every distinct "Thời gian hoàn thành" of the appendix's task rows → (kind, deadline, start)
APPENDIX_DEADLINES = {
    "": (NONE, None, None),
    "01/2025": (DATE, d(2025, 1, 31), None),
    "2/2025": (DATE, d(2025, 2, 28), None),
    "03/2025": (DATE, d(2025, 3, 31), None),
    "3/2025": (DATE, d(2025, 3, 31), None),
    "Tháng 5/2025": (DATE, d(2025, 5, 31), None),
    "06/2025": (DATE, d(2025, 6, 30), None),
    "6/2025": (DATE, d(2025, 6, 30), None),
    "7/2025": (DATE, d(2025, 7, 31), None),
    "9/2025": (DATE, d(2025, 9, 30), None),
    "Tháng 10/2025": (DATE, d(2025, 10, 31), None),
    "12/2025": (DATE, d(2025, 12, 31), None),
    "3/2026": (DATE, d(2026, 3, 31), None),
    "9/2026": (DATE, d(2026, 9, 30), None),
    "12/2026": (DATE, d(2026, 12, 31), None),
    "12/2028": (DATE, d(2028, 12, 31), None),
    "Quý II/2025": (PERIOD, d(2025, 6, 30), None),
    "2025": (PERIOD, d(2025, 12, 31), None),
    "2026": (PERIOD, d(2026, 12, 31), None),
    "2027": (PERIOD, d(2027, 12, 31), None),
    "2028": (PERIOD, d(2028, 12, 31), None),
    "2030": (PERIOD, d(2030, 12, 31), None),
    "2025 - 2026": (RANGE, d(2026, 12, 31), d(2025, 1, 1)),
    "2025-2026": (RANGE, d(2026, 12, 31), d(2025, 1, 1)),
    # A standing task from 2025 on: no single deadline, periodic reports instead.
    "2025 và những năm tiếp theo": (ONGOING, None, d(2025, 1, 1)),
    "Thường xuyên": (ONGOING, None, None),
    "Nhiệm vụ thường xuyên": (ONGOING, None, None),
    "Hằng năm": (RECURRING, None, None),
    "hằng năm": (RECURRING, None, None),
}


def _appendix_task_deadlines(path):
    """The completion-time cell of every task row (a number in TT) and continuation row (empty TT)."""
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        tt = cells[0].strip("*. ")
        if tt == "TT" or (tt and not tt.isdigit()):
            continue  # the header and the group rows I–VII
        found.add(" ".join(cells[5].split()))
    return found


def test_the_table_covers_every_completion_time_of_the_appendix(shared_data):
    assert _appendix_task_deadlines(shared_data / APPENDIX_2) == set(APPENDIX_DEADLINES)


@pytest.mark.parametrize("text, expected", APPENDIX_DEADLINES.items())
def test_it_reads_every_completion_time_of_the_appendix(text, expected):
    parsed = parse_deadline(text)
    assert (parsed.kind, parsed.deadline, parsed.start) == expected
    assert parsed.text == text
    assert parsed.understood


OTHER_FORMS = [
    ("06/2025", DATE, d(2025, 6, 30), None),
    ("tháng 5/2025", DATE, d(2025, 5, 31), None),
    ("THÁNG 10/2025", DATE, d(2025, 10, 31), None),
    ("thang 10/2025", DATE, d(2025, 10, 31), None),
    ("Tháng 6 năm 2025", DATE, d(2025, 6, 30), None),
    ("2/2024", DATE, d(2024, 2, 29), None),  # a leap year
    ("31/12/2025", DATE, d(2025, 12, 31), None),
    ("30/6/2025", DATE, d(2025, 6, 30), None),
    ("30.06.2025", DATE, d(2025, 6, 30), None),
    ("ngày 15 tháng 3 năm 2026", DATE, d(2026, 3, 15), None),
    ("2025-06-30", DATE, d(2025, 6, 30), None),
    ("Trước 30/6/2025", DATE, d(2025, 6, 30), None),
    ("trước ngày 31/12/2025", DATE, d(2025, 12, 31), None),
    ("Chậm nhất tháng 9/2025", DATE, d(2025, 9, 30), None),
    ("Quý I/2025", PERIOD, d(2025, 3, 31), None),
    ("quý 2/2025", PERIOD, d(2025, 6, 30), None),
    ("Quý III/2026", PERIOD, d(2026, 9, 30), None),
    ("QUÝ IV năm 2025", PERIOD, d(2025, 12, 31), None),
    ("Q3/2025", PERIOD, d(2025, 9, 30), None),
    ("6 tháng đầu năm 2025", PERIOD, d(2025, 6, 30), None),
    ("6 tháng cuối năm 2025", PERIOD, d(2025, 12, 31), None),
    ("Năm 2025", PERIOD, d(2025, 12, 31), None),
    ("Trong năm 2026", PERIOD, d(2026, 12, 31), None),
    ("Cuối năm 2025", PERIOD, d(2025, 12, 31), None),
    ("2025.", PERIOD, d(2025, 12, 31), None),
    ("2025-2030", RANGE, d(2030, 12, 31), d(2025, 1, 1)),
    ("2025 – 2030", RANGE, d(2030, 12, 31), d(2025, 1, 1)),
    ("Giai đoạn 2026-2030", RANGE, d(2030, 12, 31), d(2026, 1, 1)),
    ("thuong xuyen", ONGOING, None, None),
    ("THƯỜNG XUYÊN", ONGOING, None, None),
    ("Từ năm 2026", ONGOING, None, d(2026, 1, 1)),
    ("Hàng năm", RECURRING, None, None),
    ("hang nam", RECURRING, None, None),
    ("Annually", RECURRING, None, None),
    ("   ", NONE, None, None),
    (None, NONE, None, None),
]


@pytest.mark.parametrize("text, kind, deadline, start", OTHER_FORMS)
def test_it_reads_the_other_usual_forms_with_or_without_accents(text, kind, deadline, start):
    parsed = parse_deadline(text)
    assert (parsed.kind, parsed.deadline, parsed.start) == (kind, deadline, start)
    assert parsed.understood


@pytest.mark.parametrize("text", [
    "năm tiếp theo",  # the stray cell in the appendix's group IV row
    "Khi có chỉ đạo",
    "31/2/2025",  # no such day
    "13/2025",  # no such month
    "Quý V/2025",
    "2030 - 2025",  # ends before it starts
    "6/0025",
    "Thời gian hoàn thành",
])
def test_text_it_does_not_understand_has_no_deadline_but_is_kept_as_written(text):
    parsed = parse_deadline(text)
    assert (parsed.kind, parsed.deadline, parsed.start) == (NONE, None, None)
    assert parsed.text == text
    assert not parsed.understood  # the importer reports it


@pytest.mark.parametrize("text, deadline", [
    ("Quý II", d(2026, 6, 30)),
    ("Tháng 6", d(2026, 6, 30)),
    ("30/9", d(2026, 9, 30)),
])
def test_a_reference_year_completes_a_time_written_without_a_year(text, deadline):
    assert parse_deadline(text).kind == NONE
    assert parse_deadline(text, reference_year=2026).deadline == deadline


def test_the_written_text_keeps_its_words_with_spaces_tidied():
    assert parse_deadline("  Quý II/2025 ").text == "Quý II/2025"
