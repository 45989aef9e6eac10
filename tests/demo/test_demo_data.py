"""The demo's data file: the facts of Appendix II of Resolution 03/NQ-CP as written, titles in our own words;
and the pure helpers of the demo history."""

import datetime
import json
import re

import pytest
from django.core.files.base import ContentFile

from nq57.core.text import fold
from nq57.demo.history import demo_pdf, fits, period_ends
from nq57.demo.plans_demo import PROGRAMME_FILE, PROVINCE_FILE
from nq57.plans.evidence import validate_upload
from nq57.plans.importing import initial_mapping, read_table

APPENDIX_2 = "resolution-03-NQ-CP-appendix-2-tasks.md"
FACTS = ("lead", "coordinating", "product", "deadline")


@pytest.fixture(scope="module")
def data():
    return json.loads(PROGRAMME_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def appendix(shared_data):
    """{task number: {title, lead, coordinating, product, deadline}} as published, continuation rows merged;
    the group rows under the key of their numeral."""
    table = read_table((shared_data / APPENDIX_2).read_bytes(), "md")
    mapping = initial_mapping(table)
    columns = mapping["columns"]
    tasks, current = {}, None
    for row in table.rows:
        if row.number <= mapping["header_row"]:
            continue
        code = row.cell(columns["code"]).replace("*", "").strip().rstrip(".")
        if re.fullmatch(r"[IVX]+", code):
            tasks[code] = {"title": row.cell(columns["title"])}
            continue
        if code:
            current = tasks[code] = {name: row.cell(columns[name]) for name in ("title", *FACTS)}
            continue
        for name in ("title", *FACTS):  # a row without a number continues the task above
            if row.cell(columns[name]):
                current[name] = f"{current[name]} {row.cell(columns[name])}".strip()
    return tasks


def test_it_has_the_7_groups_and_the_140_tasks_in_order(data):
    assert [g["code"] for g in data["groups"]] == ["I", "II", "III", "IV", "V", "VI", "VII"]
    assert [t["code"] for t in data["tasks"]] == [str(n) for n in range(1, 141)]
    groups = {t["code"]: t["group"] for t in data["tasks"]}
    assert (groups["1"], groups["13"], groups["14"], groups["43"], groups["77"], groups["89"], groups["117"],
            groups["132"], groups["140"]) == ("I", "I", "II", "III", "IV", "V", "VI", "VII", "VII")


def test_the_documents_carry_the_real_numbers_and_dates(data):
    documents = {d["number"]: d for d in data["documents"]}
    assert documents["03/NQ-CP"]["issued_on"] == "2025-01-09" and documents["03/NQ-CP"]["issuer"] == "CP"
    assert documents["03/NQ-CP"]["implements"] == "57-NQ/TW"
    assert documents["57-NQ/TW"]["issued_on"] == "2024-12-22" and documents["57-NQ/TW"]["owner"] == "BCDTW"


def test_every_fact_is_the_appendix_cell_as_written(data, appendix):
    assert set(appendix) == {t["code"] for t in data["tasks"]} | {g["code"] for g in data["groups"]}
    for task in data["tasks"]:
        for name in FACTS:
            assert task[name] == appendix[task["code"]][name], (task["code"], name)
    # Pre-merger names stay as published: the importer resolves them through the map's history.
    assert next(t for t in data["tasks"] if t["code"] == "1")["lead"] == "Bộ Thông tin và Truyền thông"


def test_no_title_copies_the_published_task_text(data, appendix):
    for task in data["tasks"]:
        ours, published = fold(task["title"]), fold(appendix[task["code"]]["title"])
        assert ours and ours not in published, task["code"]
    for group in data["groups"]:
        ours, published = fold(group["title"]), fold(appendix[group["code"]]["title"])
        assert ours and ours not in published, group["code"]


def test_titles_are_short_and_distinct(data):
    titles = [t["title"] for t in data["tasks"]]
    assert all(0 < len(title.split()) <= 15 for title in titles)
    assert len(set(titles)) == len(titles)


def test_the_province_plan_names_real_agencies_and_fates():
    province = json.loads(PROVINCE_FILE.read_text(encoding="utf-8"))
    assert province["document"]["owner"] == "P20" and province["document"]["implements"] == "03/NQ-CP"
    assert 8 <= len(province["tasks"]) <= 10
    agencies = {code for t in province["tasks"] for code in t["lead"] + t["coordinating"]}
    assert {"P20-SKHCN", "P20-BCD", "commune:1", "commune:2"} <= agencies


@pytest.mark.parametrize(("start", "end", "months", "expected"), [
    ("2025-01-09", "2025-11-22", 3, ["2025-03-31", "2025-06-30", "2025-09-30"]),
    ("2025-01-09", "2025-12-31", 6, ["2025-06-30", "2025-12-31"]),
    ("2025-01-01", "2026-11-22", 12, ["2025-12-31"]),
    ("2025-03-31", "2025-06-30", 3, ["2025-06-30"]),  # a period ending on the start day is not after it
    ("2025-01-09", "2025-03-30", 3, []),
])
def test_period_ends(start, end, months, expected):
    day = datetime.date.fromisoformat
    assert period_ends(day(start), day(end), months) == [day(d) for d in expected]


TODAY, START = datetime.date(2026, 11, 22), datetime.date(2025, 1, 9)


@pytest.mark.parametrize(("fate", "deadline", "expected"), [
    ("working", None, True),
    ("silent", None, True),
    ("done_on_time", None, False),  # no deadline, nothing to be on time for
    ("done_on_time", datetime.date(2025, 1, 31), True),
    ("done_late", datetime.date(2026, 10, 31), False),  # not late enough yet to have been completed late
    ("done_late", datetime.date(2025, 12, 31), True),
    ("due_soon", datetime.date(2026, 12, 31), False),  # already due later than the extension it would ask
    ("due_soon", datetime.date(2025, 6, 30), True),
    ("refused", datetime.date(2025, 1, 31), False),  # the request would predate the plan
    ("working_past", datetime.date(2030, 12, 31), False),
])
def test_which_fates_fit_a_deadline(fate, deadline, expected):
    assert fits(fate, deadline, TODAY, START) is expected


def test_the_generated_evidence_is_a_pdf_the_upload_check_accepts():
    content = demo_pdf(["NQ57 - 03/NQ-CP", "Nhiệm vụ 1: (tuyên truyền)", "Bộ Khoa học và Công nghệ"])
    assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
    startxref = int(content.rsplit(b"startxref", 1)[1].split()[0])
    assert content[startxref:].startswith(b"xref")
    offsets = [int(line[:10]) for line in content[startxref:].split(b"\n")[3:8]]
    assert [content[o:].split(b"\n", 1)[0] for o in offsets] == [b"%d 0 obj" % n for n in range(1, 6)]
    assert b"Nhiem vu 1: \\(tuyen truyen\\)" in content  # diacritics dropped, parentheses escaped
    assert validate_upload(ContentFile(content, name="minh-chung.pdf")) == ("minh-chung.pdf", "application/pdf")
