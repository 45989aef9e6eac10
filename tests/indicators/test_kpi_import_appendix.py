"""Importing the real Appendix I of Resolution 03/NQ-CP: every row accounted for, targets parsed, owners
resolved (pre-merger names included), a re-import changes nothing and a dry run writes nothing."""

import io
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from nq57.audit.models import AuditEvent
from nq57.indicators.importing import import_indicators, preview_indicators
from nq57.indicators.models import Indicator, Target

pytestmark = pytest.mark.django_db

APPENDIX = "resolution-03-NQ-CP-appendix-1-targets.md"
CODES = ([str(n) for n in range(1, 42)] + [f"11.{n}" for n in range(1, 13)] + [f"23.{n}" for n in range(1, 5)])

# code → [(series, year, comparator, value, value_high, text as published)]
TARGETS = {
    "1": [("", 2030, "qualitative", None, None, "Đạt mức tiên tiến ở nhiều lĩnh vực quan trọng, thuộc nhóm dẫn đầu "
                                                 "trong các nước có thu nhập trung bình cao")],
    "4": [("Thế giới", 2030, "rank_lte", D("50"), None, "≤ 3 Đông Nam Á; ≤ 50 Thế giới"),
          ("Đông Nam Á", 2030, "rank_lte", D("3"), None, "≤ 3 Đông Nam Á; ≤ 50 Thế giới")],
    "6": [("Đông Nam Á", 2030, "rank_lte", D("3"), None, "≤ 3 Đông Nam Á")],
    "11.1": [("", 2030, "gte", D("80"), None, "≥ 80")],
    "11.2": [("", 2030, "gte", D("90"), None, "90")],
    "11.8": [("", 2030, "gte", D("30"), None, ">= 30")],
    "14": [("", 2030, "gt", D("0.7"), None, "> 0,7")],
    "17": [("", 2030, "gte", D("3"), None, "≥ 3% và tăng dần theo yêu cầu phát triển")],
    "19": [("", 2030, "between", D("40"), D("50"), "40 - 50")],
    "21": [("", 2030, "between", D("16"), D("18"), "16 - 18")],
    "23": [("", 2030, "qualitative", None, None, "Tiên tiến, hiện đại, dung lượng siêu lớn, băng thông siêu rộng "
                                                  "ngang tầm các nước tiên tiến")],
    "23.1": [("", 2030, "gte", D("100"), None, "100%")],
    "23.2": [("", 2030, "gte", D("9"), None, "09")],
    "29": [("", 2030, "gte", D("3"), None, "≥ 03")],
    "33": [("", 2030, "rank_lte", D("10"), None, "≤ 10")],
    "36": [("", 2045, "gte", D("50"), None, "≥ 50")],
    "37": [("", 2045, "rank_lte", D("30"), None, "≤ 30")],
    "41": [("", 2045, "between", D("20"), D("50"), "20% - 50%")],
}


@pytest.fixture
def appendix(shared_data):
    return (shared_data / APPENDIX).read_bytes()


@pytest.fixture
def imported(appendix, national_plan, sophie):
    preview, result = import_indicators(appendix, APPENDIX, actor=sophie, source_plan=national_plan)
    return result


def _targets(code):
    return [(t.series, t.year, t.comparator, t.value, t.value_high, t.text)
            for t in Target.objects.filter(indicator__code=code, is_current=True).order_by("series")]


def test_every_row_of_the_appendix_is_accounted_for(appendix, national_plan):
    preview = preview_indicators(appendix, APPENDIX, source_plan=national_plan)
    kinds = [r.kind for r in preview.rows]
    # 1 header, 2 sections (I: 2030, II: 2045), 41 numbered rows with 11.1–11.12 and 23.1–23.4 under them.
    assert kinds.count("header") == 1 and kinds.count("section") == 2
    assert kinds.count("indicator") == 56 and kinds.count("grouping") == 1
    assert kinds.count("error") == 0 and kinds.count("ignored") == 0
    assert len(preview.rows) == 60
    assert [d.code for d in preview.drafts] == sorted(CODES, key=lambda c: [int(p) for p in c.split(".")])
    assert [r.number for r in preview.rows if r.kind == "section"] == [11, 63]  # lines of the Markdown file
    counts = preview.counts()
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (57, 0, 0)
    assert counts["targets"] == 58 and counts["qualitative"] == 4


def test_section_rows_set_the_target_year_of_the_rows_below(appendix):
    preview = preview_indicators(appendix, APPENDIX)
    years = {d.code: d.year for d in preview.drafts}
    assert {years[c] for c in CODES if int(c.split(".")[0]) <= 35} == {2030}
    assert {years[c] for c in ("36", "37", "38", "39", "40", "41")} == {2045}


def test_owners_resolve_through_the_name_resolution_service_including_pre_merger_names(appendix):
    drafts = {d.code: d for d in preview_indicators(appendix, APPENDIX).drafts}
    # Bộ Thông tin và Truyền thông merged into the Ministry of Science and Technology; the preview says so.
    assert drafts["4"].owner.code == "BKHCN" and drafts["4"].owner_named.name == "Bộ Thông tin và Truyền thông"
    assert drafts["4"].owner_text == "Bộ Thông tin và Truyền thông"
    # Bộ Kế hoạch và Đầu tư merged into the Ministry of Finance.
    assert drafts["8"].owner.code == "BTC" and drafts["8"].owner_named.name == "Bộ Kế hoạch và Đầu tư"
    assert drafts["9"].owner.code == "BKHCN" and not drafts["9"].via_history
    assert {drafts[c].owner.code for c in ("11.2", "11.12")} == {"VPCP"}
    assert drafts["12"].owner.code == "NHNN" and drafts["32"].owner.code == "BYT" and drafts["17"].owner.code == "BTC"
    # Row 29: the first agency leads; the others stay in the text as written.
    assert drafts["29"].owner.code == "BCA"
    assert drafts["29"].owner_text == "Bộ Công an, Bộ Thông tin và Truyền thông và các bộ, ngành"
    assert len(drafts["29"].owner_notes) == 2 and "Bộ Khoa học và Công nghệ" in drafts["29"].owner_notes[0]
    via_history = {d.code for d in drafts.values() if d.via_history}
    assert {"4", "5", "6", "7", "10", "11.1", "23", "23.4", "25", "40"} <= via_history
    assert "29" not in via_history


def test_the_grouping_row_11_has_no_target_and_the_owner_of_most_of_its_indicators(appendix):
    drafts = {d.code: d for d in preview_indicators(appendix, APPENDIX).drafts}
    grouping = drafts["11"]
    assert grouping.grouping and grouping.owner.code == "VPCP"  # 11 of its 12 indicators
    assert grouping.warnings and not grouping.target_changes
    assert {drafts[f"11.{n}"].parent_code for n in range(1, 13)} == {"11"}
    assert not drafts["23"].grouping  # 23 has a qualitative target of its own and four indicators under it


def test_applying_creates_every_indicator_with_its_targets(imported, national_plan):
    assert (imported.created, imported.updated, imported.unchanged) == (57, 0, 0)
    indicators = {i.code: i for i in Indicator.objects.filter(source_plan=national_plan).select_related("parent")}
    assert set(indicators) == set(CODES)
    assert Target.objects.filter(indicator__source_plan=national_plan).count() == 58
    for code, expected in TARGETS.items():
        assert _targets(code) == sorted(expected), code
    assert not indicators["11"].targets.exists()
    assert indicators["11.7"].parent == indicators["11"] and indicators["23.3"].parent == indicators["23"]
    assert indicators["4"].value_type == "rank" and indicators["4"].direction == "lower"
    assert indicators["1"].value_type == "qualitative"
    assert indicators["21"].value_type == "growth" and indicators["23.3"].value_type == "amount"
    assert indicators["14"].value_type == "index" and indicators["28"].value_type == "count"
    assert indicators["29"].owner.code == "BCA"
    assert indicators["29"].owner_text == "Bộ Công an, Bộ Thông tin và Truyền thông và các bộ, ngành"
    defaults = {(i.frequency, i.level, i.aggregation, i.layer, i.source_article) for i in indicators.values()}
    assert defaults == {("year", "national", "none", "strategic", "Phụ lục I")}
    assert [i.code for i in Indicator.objects.filter(source_plan=national_plan)][:4] == ["1", "2", "3", "4"]


def test_importing_the_same_file_again_changes_nothing(imported, appendix, national_plan, sophie):
    targets, audits = Target.objects.count(), AuditEvent.objects.count()
    preview, result = import_indicators(appendix, APPENDIX, actor=sophie, source_plan=national_plan)
    assert preview.counts()["unchanged"] == 57
    assert (result.created, result.updated, result.unchanged, result.targets_set) == (0, 0, 57, 0)
    assert Target.objects.count() == targets and AuditEvent.objects.count() == audits


def test_a_changed_target_keeps_its_old_version_with_the_reimport_reason(imported, appendix, national_plan, sophie):
    lines = appendix.decode("utf-8").splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("| 11.1|"))
    lines[row] = lines[row].replace("≥ 80", "≥ 85")
    changed = "".join(lines).encode("utf-8")
    assert changed != appendix
    preview, result = import_indicators(changed, "phu-luc-1-sua.md", actor=sophie, source_plan=national_plan)
    assert [(d.code, d.changed_fields) for d in preview.drafts if d.change == "changed"] == [("11.1", ["targets"])]
    assert (result.updated, result.unchanged) == (1, 56)
    old, new = Target.objects.filter(indicator__code="11.1").order_by("version")
    assert (old.value, old.is_current, old.superseded_at is not None) == (D("80"), False, True)
    assert (new.value, new.is_current, new.version, new.text) == (D("85"), True, 2, "≥ 85")
    assert new.reason == "Nhập lại từ tệp phu-luc-1-sua.md"


def test_a_dry_run_writes_nothing(appendix, national_plan, sophie):
    audits = AuditEvent.objects.count()
    preview, result = import_indicators(appendix, APPENDIX, actor=sophie, source_plan=national_plan, dry_run=True)
    assert result is None and preview.counts()["created"] == 57
    assert not Indicator.objects.exists() and not Target.objects.exists()
    assert AuditEvent.objects.count() == audits


def test_rows_the_importer_may_not_manage_are_not_imported(appendix, national_plan, lan):
    # lan runs Lạng Sơn's standing office: she may not manage ministries' indicators.
    preview = preview_indicators(appendix, APPENDIX, source_plan=national_plan, actor=lan)
    assert not preview.drafts and len(preview.errors) == 57
    assert "Bộ Khoa học và Công nghệ" in preview.errors[0].message


# --- the command ---------------------------------------------------------------------------------------


def _command(*args):
    out = io.StringIO()
    call_command("import_indicators", *args, stdout=out)
    return out.getvalue()


def test_the_command_dry_run_prints_the_summary_and_writes_nothing(shared_data, national_plan):
    out = _command(str(shared_data / APPENDIX), "--plan", "03/NQ-CP", "--dry-run")
    assert "60 rows: 56 indicators, 1 grouping, 2 sections, 0 ignored, 0 errors" in out
    assert "57 created, 0 updated, 0 unchanged" in out
    assert "22 owners resolved via history" in out
    assert "Bộ Thông tin và Truyền thông → Bộ Khoa học và Công nghệ" in out
    assert "Dry run: nothing written." in out
    assert not Indicator.objects.exists()


def test_the_command_imports_once_and_then_reports_everything_unchanged(shared_data, national_plan):
    out = _command(str(shared_data / APPENDIX), "--plan", "03/NQ-CP")
    assert "57 indicators created, 0 updated, 0 unchanged; 58 targets" in out
    again = _command(str(shared_data / APPENDIX), "--plan", str(national_plan.pk))
    assert "0 indicators created, 0 updated, 57 unchanged; 0 targets" in again
    assert Indicator.objects.filter(source_plan=national_plan).count() == 57


def test_the_command_refuses_an_unknown_plan_or_an_unreadable_file(shared_data, national_plan, tmp_path):
    with pytest.raises(CommandError, match="no plan"):
        _command(str(shared_data / APPENDIX), "--plan", "99/NQ-CP")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4")
    with pytest.raises(CommandError, match="xlsx"):
        _command(str(bad), "--plan", "03/NQ-CP")
    with pytest.raises(CommandError):
        _command(str(tmp_path / "missing.md"), "--plan", "03/NQ-CP")


def test_no_baseline_is_invented_for_the_appendix(imported):
    # The appendix publishes targets only; baselines come from the columns of an XLSX or CSV file.
    assert not Indicator.objects.filter(baselines__isnull=False).exists()
