"""Reading published targets: every distinct result of Appendix I of Resolution 03/NQ-CP, the issue's examples,
and what the unit says about the value type and direction."""

from decimal import Decimal as D

import pytest

from nq57.indicators.importing import TargetPart, parse_decimal, parse_target, unit_value_type

APPENDIX = "resolution-03-NQ-CP-appendix-1-targets.md"

# (result as published, unit, targets, remainder, value type, direction)
CASES = [
    ("≥ 80", "%", [("gte", D("80"), None, "")], "", "percentage", "higher"),
    (">= 30", "%", [("gte", D("30"), None, "")], "", "percentage", "higher"),
    ("90", "%", [("gte", D("90"), None, "")], "", "percentage", "higher"),
    ("100", "%", [("gte", D("100"), None, "")], "", "percentage", "higher"),
    ("100%", "%", [("gte", D("100"), None, "")], "", "percentage", "higher"),
    ("80", "%", [("gte", D("80"), None, "")], "", "percentage", "higher"),
    ("70", "%", [("gte", D("70"), None, "")], "", "percentage", "higher"),
    ("50", "%", [("gte", D("50"), None, "")], "", "percentage", "higher"),
    ("≥ 55", "%", [("gte", D("55"), None, "")], "", "percentage", "higher"),
    ("≥ 40", "%", [("gte", D("40"), None, "")], "", "percentage", "higher"),
    ("≥ 50", "%", [("gte", D("50"), None, "")], "", "percentage", "higher"),
    ("≥ 70", "%", [("gte", D("70"), None, "")], "", "percentage", "higher"),
    ("≥ 95", "%", [("gte", D("95"), None, "")], "", "percentage", "higher"),
    ("≥ 50", "% GDP", [("gte", D("50"), None, "")], "", "percentage", "higher"),
    ("≥ 10", "Doanh nghiệp", [("gte", D("10"), None, "")], "", "count", "higher"),
    ("≥ 5", "Tổ chức, doanh nghiệp", [("gte", D("5"), None, "")], "", "count", "higher"),
    ("≥ 30", "% GDP", [("gte", D("30"), None, "")], "", "percentage", "higher"),
    ("2", "% GDP", [("gte", D("2"), None, "")], "", "percentage", "higher"),
    ("99", "% dân số", [("gte", D("99"), None, "")], "", "percentage", "higher"),
    ("> 60", "%", [("gt", D("60"), None, "")], "", "percentage", "higher"),
    ("09", "Tuyến cáp quang biển", [("gte", D("9"), None, "")], "", "count", "higher"),
    ("≥ 03", "Trung tâm dữ liệu quốc gia", [("gte", D("3"), None, "")], "", "count", "higher"),
    ("01", "Cơ sở", [("gte", D("1"), None, "")], "", "count", "higher"),
    ("5", "Sàn dữ liệu", [("gte", D("5"), None, "")], "", "count", "higher"),
    ("≥ 5", "Doanh nghiệp", [("gte", D("5"), None, "")], "", "count", "higher"),
    ("≥ 6", "Thành phố, Tỉnh", [("gte", D("6"), None, "")], "", "count", "higher"),
    ("≥ 3", "Tổ chức, doanh nghiệp", [("gte", D("3"), None, "")], "", "count", "higher"),
    ("≥ 350", "Tbps", [("gte", D("350"), None, "")], "", "amount", "higher"),
    ("12", "Người/vạn dân", [("gte", D("12"), None, "")], "", "index", "higher"),
    ("1", "Số doanh nghiệp/1000 dân", [("gte", D("1"), None, "")], "", "index", "higher"),
    ("> 0,7", "Chỉ số phát triển con người (HDI)", [("gt", D("0.7"), None, "")], "", "index", "higher"),
    ("≤ 3 Đông Nam Á; ≤ 50 Thế giới", "Thứ bậc",
     [("rank_lte", D("3"), None, "Đông Nam Á"), ("rank_lte", D("50"), None, "Thế giới")], "", "rank", "lower"),
    ("≤ 3 Đông Nam Á", "Thứ bậc", [("rank_lte", D("3"), None, "Đông Nam Á")], "", "rank", "lower"),
    ("≤ 10", "Thứ bậc", [("rank_lte", D("10"), None, "")], "", "rank", "lower"),
    ("≤ 30", "Thứ bậc", [("rank_lte", D("30"), None, "")], "", "rank", "lower"),
    ("40 - 50", "Tổ chức", [("between", D("40"), D("50"), "")], "", "count", "higher"),
    ("16 - 18", "%/năm", [("between", D("16"), D("18"), "")], "", "growth", "higher"),
    ("10", "%/năm", [("gte", D("10"), None, "")], "", "growth", "higher"),
    ("8 - 10", "%", [("between", D("8"), D("10"), "")], "", "percentage", "higher"),
    ("20% - 50%", "%", [("between", D("20"), D("50"), "")], "", "percentage", "higher"),
    ("+16–18%/năm", "", [("between", D("16"), D("18"), "")], "", "growth", "higher"),
    ("≥ 3% và tăng dần theo yêu cầu phát triển", "% tổng chi NSNN", [("gte", D("3"), None, "")],
     "và tăng dần theo yêu cầu phát triển", "percentage", "higher"),
    # Beyond the appendix: how agencies write targets in their own tables
    ("≤ 5", "%", [("lte", D("5"), None, "")], "", "percentage", "lower"),
    ("< 2", "%", [("lt", D("2"), None, "")], "", "percentage", "lower"),
    ("= 1", "Cơ sở", [("eq", D("1"), None, "")], "", "count", "higher"),
    ("80% trở lên", "%", [("gte", D("80"), None, "")], "", "percentage", "higher"),
    ("Tối thiểu 1.000", "Doanh nghiệp", [("gte", D("1000"), None, "")], "", "count", "higher"),
    ("2.5", "% GDP", [("gte", D("2.5"), None, "")], "", "percentage", "higher"),
    ("≥ 5 doanh nghiệp", "Doanh nghiệp", [("gte", D("5"), None, "")], "", "count", "higher"),
]

QUALITATIVE = [
    ("Đạt mức tiên tiến ở nhiều lĩnh vực quan trọng, thuộc nhóm dẫn đầu trong các nước có thu nhập trung bình cao",
     "Thứ bậc"),
    ("Đạt mức trên trung bình của thế giới", "Thứ bậc"),
    ("Một số lĩnh vực đạt trình độ quốc tế", "Thứ bậc"),
    ("Tiên tiến, hiện đại, dung lượng siêu lớn, băng thông siêu rộng ngang tầm các nước tiên tiến", ""),
]


@pytest.mark.parametrize(("text", "unit", "targets", "remainder", "value_type", "direction"), CASES,
                         ids=[f"{c[0]} [{c[1]}]" for c in CASES])
def test_a_numeric_target_is_read_with_its_comparator_value_and_series(text, unit, targets, remainder, value_type,
                                                                       direction):
    parsed = parse_target(text, unit)
    assert not parsed.qualitative and not parsed.warning
    assert parsed.targets == targets
    assert parsed.remainder == remainder
    assert (parsed.value_type, parsed.direction) == (value_type, direction)
    assert parsed.text == text  # the target as published is kept as it is


@pytest.mark.parametrize(("text", "unit"), QUALITATIVE, ids=[q[0][:30] for q in QUALITATIVE])
def test_a_target_in_words_is_a_qualitative_milestone_without_a_warning(text, unit):
    parsed = parse_target(text, unit)
    assert parsed.qualitative and parsed.targets == [] and parsed.warning == ""
    assert parsed.value_type == "qualitative"
    assert parsed.text == text


@pytest.mark.parametrize("text", ["Top 50 thế giới", "Tăng gấp 2 lần", "≥ 3 Đông Nam Á; ≥ 5 Đông Nam Á",
                                  "≥ ba mươi (30)"])
def test_a_number_that_is_not_understood_is_kept_as_qualitative_with_a_warning(text):
    parsed = parse_target(text, "%")
    assert parsed.qualitative and parsed.targets == []
    assert text[:20] in parsed.warning


def test_two_targets_of_a_ranking_are_two_series():
    parsed = parse_target("≤ 3 Đông Nam Á; ≤ 50 Thế giới", "Thứ bậc")
    assert [t.series for t in parsed.targets] == ["Đông Nam Á", "Thế giới"]
    assert all(isinstance(t, TargetPart) and t.comparator == "rank_lte" for t in parsed.targets)


def test_a_qualitative_text_naming_a_year_is_not_a_number_to_warn_about():
    parsed = parse_target("Hoàn thành trước năm 2030", "")
    assert parsed.qualitative and parsed.warning == ""


def test_an_empty_result_has_no_target():
    parsed = parse_target("", "")
    assert parsed.is_empty and parsed.targets == [] and not parsed.qualitative


@pytest.mark.parametrize(("text", "number"), [("0,7", D("0.7")), ("1.000", D("1000")), ("2.5", D("2.5")),
                                              ("09", D("9")), ("1.234,5", D("1234.5")), ("abc", None), ("", None)])
def test_published_numbers_use_the_vietnamese_decimal_comma(text, number):
    assert parse_decimal(text) == number


@pytest.mark.parametrize(("unit", "expected"), [
    ("%", ("percentage", "higher")), ("% GDP", ("percentage", "higher")), ("% dân số", ("percentage", "higher")),
    ("% tổng chi NSNN", ("percentage", "higher")), ("%/năm", ("growth", "higher")), ("Thứ bậc", ("rank", "lower")),
    ("Doanh nghiệp", ("count", "higher")), ("Tổ chức", ("count", "higher")), ("Tuyến cáp quang biển", ("count", "higher")),
    ("Sàn dữ liệu", ("count", "higher")), ("Trung tâm dữ liệu quốc gia", ("count", "higher")),
    ("Cơ sở", ("count", "higher")), ("Thành phố, Tỉnh", ("count", "higher")), ("Tbps", ("amount", "higher")),
    ("Người/vạn dân", ("index", "higher")), ("Số doanh nghiệp/1000 dân", ("index", "higher")),
    ("Chỉ số phát triển con người (HDI)", ("index", "higher")),
])
def test_the_unit_suggests_the_value_type_and_direction(unit, expected):
    assert unit_value_type(unit) == expected


def test_every_distinct_result_of_the_real_appendix_is_covered_by_the_table(shared_data):
    lines = (shared_data / APPENDIX).read_text(encoding="utf-8").splitlines()
    results = set()
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] and cells[0][0].isdigit() and cells[3]:
            results.add((cells[3], cells[2]))
    covered = {(c[0], c[1]) for c in CASES} | set(QUALITATIVE)
    assert len(results) >= 30
    assert results <= covered, sorted(results - covered)
