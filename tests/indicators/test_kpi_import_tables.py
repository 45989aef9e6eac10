"""The same importer for the tables agencies send: CSV and XLSX with the optional columns (target year,
baseline, frequency, level, aggregation, layer), problems reported by row, and re-imports."""

import datetime
import io
from decimal import Decimal as D

import openpyxl
import pytest

from nq57.indicators.importing import import_indicators, preview_indicators
from nq57.indicators.models import Baseline, Indicator, Target

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """These tests read the services' messages in English (the catalogue's Vietnamese is tested elsewhere)."""
    from django.utils import translation

    with translation.override("en"):
        yield

HEADER = ["TT", "Chỉ tiêu", "Đơn vị", "Kết quả", "Cơ quan chủ trì theo dõi", "Năm mục tiêu", "Giá trị cơ sở",
          "Năm cơ sở", "Tần suất", "Cấp báo cáo", "Cách tổng hợp", "Tầng"]
ROWS = [
    ["1", "Tỷ lệ xã có điểm phục vụ bưu chính", "%", "≥ 95", "Bộ Khoa học và Công nghệ", "2030", "80,5", "2024",
     "Quý", "Tỉnh", "Tỉ lệ", "Tác nghiệp"],
    ["2", "Số doanh nghiệp công nghệ số", "Doanh nghiệp", "1.000", "Bộ Kế hoạch và Đầu tư", "2026", "700", "2024",
     "Năm", "Quốc gia", "Tổng", "Chiến lược"],
    ["3", "Xếp hạng đổi mới sáng tạo", "Thứ bậc", "Top 10 thế giới", "Văn phòng Chính phủ", "2030", "", "",
     "Hằng tháng", "", "", ""],
    ["4", "Chỉ tiêu của một bộ không có", "%", "≥ 50", "Bộ Phép thuật", "2030", "", "", "", "", "", ""],
    ["5", "Chỉ tiêu không có năm", "%", "≥ 50", "Bộ Y tế", "", "", "", "", "", "", ""],
    ["2", "Trùng số thứ tự", "%", "≥ 50", "Bộ Y tế", "2030", "", "", "", "", "", ""],
    ["6", "Chỉ tiêu tần suất lạ", "%", "≥ 60", "Bộ Y tế", "2030", "", "", "Thỉnh thoảng", "", "", ""],
]


def _csv(rows=ROWS):
    lines = [",".join(f'"{c}"' for c in row) for row in [HEADER, *rows]]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _xlsx(rows=ROWS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Danh mục chỉ tiêu của Bộ"])  # a title above the header, as agencies send them
    sheet.append(HEADER)
    for row in rows:
        # Numbers typed as numbers, as Excel stores them
        sheet.append([float(c.replace(",", ".")) if c.replace(",", "").isdigit() and "," in c
                      else int(c) if c.isdigit() and len(c) == 4 else c for c in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "make"), [("chi-tieu.csv", _csv), ("chi-tieu.xlsx", _xlsx)])
def test_a_table_is_read_row_by_row_with_its_problems(name, make, national_plan):
    preview = preview_indicators(make(), name, source_plan=national_plan)
    outcome = {r.code or r.number: (r.kind, r.message) for r in preview.rows if r.kind != "header"}
    drafts = {d.code: d for d in preview.drafts}
    assert set(drafts) == {"1", "2", "3", "6"}
    assert outcome["4"][0] == "error" and "Bộ Phép thuật" in outcome["4"][1]
    assert outcome["5"][0] == "error" and "No target year" in outcome["5"][1]
    duplicate = [r for r in preview.rows if r.kind == "error" and r.code == "2"]
    assert len(duplicate) == 1 and "appears twice" in duplicate[0].message
    assert drafts["3"].parsed.qualitative and "Top 10" in drafts["3"].warnings[0]
    assert drafts["3"].fields == {"frequency": "month"}
    assert any("Thỉnh thoảng" in w for w in drafts["6"].warnings) and "frequency" not in drafts["6"].fields
    assert drafts["2"].owner.code == "BTC" and drafts["2"].via_history
    if name.endswith(".xlsx"):
        assert preview.rows[0].kind == "ignored" and preview.header_row == 2
    counts = preview.counts()
    assert (counts["indicators"], counts["errors"], counts["created"]) == (4, 3, 4)


@pytest.mark.parametrize(("name", "make"), [("chi-tieu.csv", _csv), ("chi-tieu.xlsx", _xlsx)])
def test_a_table_is_applied_with_its_optional_columns_and_baselines(name, make, national_plan, sophie):
    preview, result = import_indicators(make(), name, actor=sophie, source_plan=national_plan)
    assert (result.created, result.targets_set, result.baselines_set) == (4, 4, 2)
    first = Indicator.objects.get(source_plan=national_plan, code="1")
    assert (first.frequency, first.level, first.aggregation, first.layer) == ("quarter", "province", "ratio",
                                                                              "operational")
    assert first.source_article == "Phụ lục I"
    baseline = Baseline.objects.get(indicator=first, is_current=True)
    assert (baseline.value, baseline.as_of) == (D("80.5"), datetime.date(2024, 12, 31))
    second = Indicator.objects.get(source_plan=national_plan, code="2")
    assert (second.value_type, second.owner.code, second.owner_text) == ("count", "BTC", "Bộ Kế hoạch và Đầu tư")
    target = Target.objects.get(indicator=second)
    assert (target.year, target.comparator, target.value, target.text) == (2026, "gte", D("1000"), "1.000")
    third = Indicator.objects.get(source_plan=national_plan, code="3")
    assert third.value_type == "qualitative"
    assert Target.objects.get(indicator=third).comparator == "qualitative"
    # Importing the same table again changes nothing.
    again, result = import_indicators(make(), name, actor=sophie, source_plan=national_plan)
    assert (result.created, result.updated, result.unchanged, result.baselines_set) == (0, 0, 4, 0)


def test_a_changed_baseline_is_re_baselined_with_the_reimport_reason(national_plan, sophie):
    import_indicators(_csv(), "v1.csv", actor=sophie, source_plan=national_plan)
    rows = [list(r) for r in ROWS]
    rows[0][6] = "82"
    preview, result = import_indicators(_csv(rows), "v2.csv", actor=sophie, source_plan=national_plan)
    assert [(d.code, d.changed_fields) for d in preview.drafts if d.change == "changed"] == [("1", ["baseline"])]
    old, new = Baseline.objects.filter(indicator__code="1").order_by("version")
    assert (old.is_current, new.is_current, new.value, new.reason) == (False, True, D("82"), "Nhập lại từ tệp v2.csv")


def test_a_changed_name_or_owner_is_an_update_of_the_same_indicator(national_plan, sophie):
    import_indicators(_csv(), "v1.csv", actor=sophie, source_plan=national_plan)
    rows = [list(r) for r in ROWS]
    rows[0][1] = "Tỷ lệ xã, phường có điểm phục vụ bưu chính"
    rows[0][4] = "Bộ Y tế"
    preview, result = import_indicators(_csv(rows), "v2.csv", actor=sophie, source_plan=national_plan)
    assert {d.code: d.changed_fields for d in preview.drafts if d.change == "changed"} == {
        "1": ["name", "owner", "owner_text"]}
    indicator = Indicator.objects.get(source_plan=national_plan, code="1")
    assert (indicator.name, indicator.owner.code) == ("Tỷ lệ xã, phường có điểm phục vụ bưu chính", "BYT")
    assert Indicator.objects.filter(source_plan=national_plan).count() == 4


def test_rows_before_any_section_take_the_default_year(national_plan):
    data = ("TT;Chỉ tiêu;Đơn vị;Kết quả;Cơ quan chủ trì\n1;Tỷ lệ;%;≥ 80;Bộ Y tế\n").encode("utf-8")
    assert preview_indicators(data, "a.csv").errors[0].message.startswith("No target year")
    preview = preview_indicators(data, "a.csv", default_years=2030)
    assert preview.drafts[0].year == 2030 and not preview.errors
