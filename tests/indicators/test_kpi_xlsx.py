"""The Excel way in: an organisation's template (its owed indicators × ended periods not yet approved), filled
and uploaded back, with a report by row number; bad files get a clear message; four-way permissions."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from nq57.indicators import xlsx
from nq57.indicators.models import IndicatorValue
from nq57.indicators.periods import periods_between

# Every test here needs the organisation map, also those that ask for people by name at run time.
pytestmark = pytest.mark.django_db

V = IndicatorValue.Status
PASSWORD = "correct-horse-57"
TODAY = datetime.date(2026, 5, 14)


def vietnamese(message):
    with translation.override("vi"):
        return gettext(message)


@pytest.fixture
def owed(make_indicator, org):
    """Lạng Sơn owes four indicators from 1/1/2025: a percentage entered as a value, a ratio, a yearly count and a
    yearly milestone; Hà Nội alone owes a fifth, which Lạng Sơn's template must not show."""
    percentage = make_indicator("5", name="Tỷ lệ hồ sơ trực tuyến toàn trình", aggregation="weighted_mean",
                                definition="Số hồ sơ nộp trực tuyến toàn trình trên tổng số hồ sơ.")
    ratio = make_indicator("6", name="Tỷ lệ dân số trưởng thành có chữ ký số")
    count = make_indicator("7", name="Số doanh nghiệp công nghệ số", value_type="count", frequency="year",
                           aggregation="sum")
    milestone = make_indicator("8", name="Hoàn thành nền tảng dữ liệu tỉnh", value_type="milestone",
                               frequency="year", aggregation="none")
    make_indicator("9", name="Chỉ tiêu riêng của Hà Nội", reporters=("P01",))
    return {"5": percentage, "6": ratio, "7": count, "8": milestone}


def template_table(content):
    """{(code, period key): {column key: cell}} and the Excel row of each, from a template's data sheet."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook[xlsx.DATA_SHEET]
    columns = {sheet.cell(xlsx.KEY_ROW, i).value: i for i in range(1, sheet.max_column + 1)}
    rows = {}
    for number in range(xlsx.FIRST_DATA_ROW, sheet.max_row + 1):
        cells = {key: sheet.cell(number, index) for key, index in columns.items()}
        rows[(cells["code"].value, cells["period_key"].value)] = cells
    return workbook, sheet, columns, rows


def filled(content, entries):
    """The template with cells typed in: entries {(code, period key): {column key: value}}; returns the bytes."""
    workbook, _sheet, _columns, rows = template_table(content)
    for key, cells in entries.items():
        for column, value in cells.items():
            rows[key][column].value = value
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def quarters(since, until):
    return [p.key for p in periods_between(since, until, "quarter")]


# --- The template -----------------------------------------------------------------------------------


def test_the_template_has_a_row_per_owed_indicator_and_ended_period_not_yet_approved(owed, org, report):
    report(owed["5"], "P20", "2025-Q1", value=61)  # approved: nothing left to enter
    content = xlsx.build_template(org("P20"), today=TODAY, lang="vi")
    _workbook, sheet, _columns, rows = template_table(content)
    ended = quarters(datetime.date(2025, 1, 1), TODAY)  # 2025-Q1 … 2026-Q1 (Q2 2026 has not ended on 14/5)
    assert ended == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    expected = ({("5", k) for k in ended[1:]} | {("6", k) for k in ended} | {("7", "2025"), ("8", "2025")})
    assert set(rows) == expected
    assert sheet.title == "Số liệu"
    assert all(cells["org_code"].value == "P20" for cells in rows.values())
    assert rows[("6", "2025-Q3")]["indicator_id"].value == owed["6"].pk
    assert rows[("6", "2025-Q3")]["due"].value.date() == datetime.date(2025, 10, 15)  # 30/9 + 15 days
    assert "Lạng Sơn (P20)" in sheet.cell(2, xlsx.FIRST_VISIBLE).value


def test_the_template_offers_only_the_last_two_years_or_the_periods_asked_for(owed, org):
    later = datetime.date(2027, 8, 1)
    keys = {k for _code, k in template_table(xlsx.build_template(org("P20"), today=later, lang="vi"))[3]}
    assert "2025-Q2" not in keys and "2025-Q3" in keys and "2027-Q2" in keys  # ended after 1/8/2025
    asked = periods_between(datetime.date(2025, 4, 1), datetime.date(2025, 6, 30), "quarter")
    rows = template_table(xlsx.build_template(org("P20"), periods=asked, today=TODAY, lang="vi"))[3]
    assert set(rows) == {("5", "2025-Q2"), ("6", "2025-Q2")}


def test_the_template_prefills_drafts_and_returned_values(owed, org, alice, hanh, period):
    from nq57.indicators import actions

    actions.save_value(actor=alice, indicator=owed["5"], organisation=org("P20"), period=period("2025-Q2"),
                       value=Decimal("62.5"), weight=3, note="Số liệu sơ bộ", today=TODAY)
    returned = actions.save_value(actor=alice, indicator=owed["6"], organisation=org("P20"),
                                  period=period("2025-Q3"), numerator=40, denominator=80, submit=True, today=TODAY)
    actions.return_value(actor=hanh, value=returned, comment="Kiểm tra lại mẫu số")
    rows = template_table(xlsx.build_template(org("P20"), today=TODAY, lang="vi"))[3]
    draft = rows[("5", "2025-Q2")]
    assert (draft["value"].value, draft["weight"].value, draft["note"].value) == (62.5, 3, "Số liệu sơ bộ")
    assert draft["status"].value == vietnamese("Draft")
    back = rows[("6", "2025-Q3")]
    assert (back["numerator"].value, back["denominator"].value) == (40, 80)
    assert back["review_comment"].value == "Kiểm tra lại mẫu số"
    assert rows[("6", "2025-Q2")]["numerator"].value is None


def test_the_template_hides_and_locks_its_keys_and_helps_typing(owed, org):
    workbook, sheet, columns, rows = template_table(xlsx.build_template(org("P20"), today=TODAY, lang="vi"))
    letter = openpyxl.utils.get_column_letter
    assert all(sheet.column_dimensions[letter(columns[k])].hidden for k in xlsx.KEY_COLUMNS)
    assert sheet.row_dimensions[xlsx.KEY_ROW].hidden
    assert sheet.protection.sheet
    percentage, ratio, milestone = rows[("5", "2025-Q2")], rows[("6", "2025-Q2")], rows[("8", "2025")]
    assert percentage["indicator_id"].protection.locked and percentage["code"].protection.locked
    assert not percentage["value"].protection.locked and percentage["numerator"].protection.locked
    assert not ratio["numerator"].protection.locked and ratio["value"].protection.locked
    assert not milestone["progress"].protection.locked and milestone["value"].protection.locked
    # A percentage typed in Excel must be a decimal from 0 to 100, with an error message; the server checks again.
    value_cell = percentage["value"].coordinate
    ranges = [dv for dv in sheet.data_validations.dataValidation if value_cell in dv.sqref]
    assert [(dv.type, dv.operator, dv.formula1, dv.formula2, dv.showErrorMessage) for dv in ranges] == [
        ("decimal", "between", "0", "100", True)]
    assert ranges[0].error
    lists = {dv.type for dv in sheet.data_validations.dataValidation if milestone["progress"].coordinate in dv.sqref}
    assert lists == {"list"}
    guide = workbook[xlsx.GUIDE_SHEET]
    texts = [c.value for row in guide.iter_rows() for c in row if c.value]
    assert "Số hồ sơ nộp trực tuyến toàn trình trên tổng số hồ sơ." in texts
    assert "Chỉ tiêu riêng của Hà Nội" not in texts


# --- Reading numbers the way people type them -----------------------------------------------------------


@pytest.mark.parametrize("raw, number_format, expected", [
    ("12,5", "", "12.5"), ("1.234", "", "1234"), ("1.234,5", "", "1234.5"), ("1,234.5", "", "1234.5"),
    ("85%", "", "85"), (" 85 % ", "", "85"), (0.85, "0%", "85"), (0.853, "0.0%", "85.3"), (85, "General", "85"),
    ("0.125", "", "0.125"), ("12.5", "", "12.5"), ("1.234.567", "", "1234567"), ("-3,2", "", "-3.2"),
    ("", "", None), (None, "", None),
])
def test_numbers_are_read_as_vietnamese_and_english_writers_type_them(raw, number_format, expected):
    number = xlsx.parse_number(raw, number_format)
    assert number == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize("raw", ["abc", "12,5,3", "1.23.4", "1,2.3,4", True, datetime.date(2025, 5, 12), "1e999"])
def test_what_is_not_a_number_is_refused(raw):
    with pytest.raises(ValueError):
        xlsx.parse_number(raw)


# --- Uploading ------------------------------------------------------------------------------------------


def upload(client, organisation, content, submit=False, name="mau.xlsx", **headers):
    data = {"file": _file(content, name)}
    if submit:
        data["submit"] = "on"
    return client.post(reverse("indicators:upload", args=[organisation.pk]), data, **headers)


def _file(content, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def download(client, organisation):
    response = client.get(reverse("indicators:template", args=[organisation.pk]))
    assert response.status_code == 200
    return response.content


def test_an_out_of_range_value_is_reported_on_its_excel_row_and_the_other_rows_are_saved(owed, org, alice, client):
    client.force_login(alice)
    content = download(client, org("P20"))
    rows = template_table(content)[3]
    bad_row = rows[("5", "2025-Q3")]["value"].row
    response = upload(client, org("P20"), filled(content, {
        ("5", "2025-Q2"): {"value": "62,5"},
        ("5", "2025-Q3"): {"value": 135},
        ("6", "2025-Q2"): {"numerator": "1.234", "denominator": 2000},
        ("8", "2025"): {"progress": vietnamese("In progress"), "self_rating": "Vàng"},
    }))
    assert response.status_code == 200
    result = response.context["result"]
    assert [(r.row, r.indicator_code, r.outcome) for r in result.problems] == [(bad_row, "5", xlsx.ERROR)]
    assert "135" in result.problems[0].messages[0] and "0–100" in result.problems[0].messages[0]
    assert {(r.indicator_code, r.outcome) for r in result.saved} == {("5", "draft"), ("6", "draft"), ("8", "draft")}
    html = response.content.decode()
    assert f'<th scope="row">{bad_row}</th>' in html
    values = IndicatorValue.objects.filter(organisation=org("P20"))
    assert values.count() == 3 and set(values.values_list("source", flat=True)) == {"xlsx"}
    ratio = values.get(indicator=owed["6"])
    assert (ratio.numerator, ratio.denominator, float(ratio.value)) == (1234, 2000, 61.7)
    milestone = values.get(indicator=owed["8"])
    assert (milestone.progress, milestone.self_rating) == ("in_progress", "amber")
    assert values.get(indicator=owed["5"]).value == Decimal("62.5")


def test_a_corrected_upload_saves_the_row_and_submits_without_duplicates(owed, org, alice, hanh, client):
    client.force_login(alice)
    content = download(client, org("P20"))
    first = filled(content, {("5", "2025-Q2"): {"value": 62}, ("5", "2025-Q3"): {"value": 135}})
    assert upload(client, org("P20"), first).context["result"].counts["error"] == 1
    corrected = filled(content, {("5", "2025-Q2"): {"value": 63}, ("5", "2025-Q3"): {"value": "85%"}})
    result = upload(client, org("P20"), corrected, submit=True).context["result"]
    assert result.counts["error"] == 0
    rows = template_table(content)[3]
    assert {r.row: r.outcome for r in result.rows} == {rows[("5", "2025-Q2")]["value"].row: "submitted",
                                                        rows[("5", "2025-Q3")]["value"].row: "submitted"}
    values = IndicatorValue.objects.filter(organisation=org("P20"), indicator=owed["5"]).order_by("period_end")
    assert [(v.value, v.status, v.version) for v in values] == [(63, V.SUBMITTED, 1), (85, V.SUBMITTED, 1)]
    # The same file once more: nothing to do, nothing duplicated.
    again = upload(client, org("P20"), corrected, submit=True).context["result"]
    assert again.counts["unchanged"] == 2 and values.count() == 2


def test_a_draft_uploaded_unchanged_is_left_alone_until_it_is_submitted(owed, org, alice, client):
    client.force_login(alice)
    content = filled(download(client, org("P20")), {("6", "2025-Q1"): {"numerator": 3, "denominator": 4}})
    assert upload(client, org("P20"), content).context["result"].counts["draft"] == 1
    assert upload(client, org("P20"), content).context["result"].counts["unchanged"] == 1
    assert upload(client, org("P20"), content, submit=True).context["result"].counts["submitted"] == 1


def test_a_value_far_from_its_peers_is_kept_as_a_draft_until_the_warning_is_confirmed(owed, org, alice, client,
                                                                                     report, make_indicator):
    from nq57.indicators import actions
    from nq57.orgs.models import PROVINCE_KINDS, Organisation

    peers = list(Organisation.objects.filter(kind__in=PROVINCE_KINDS).exclude(code__in=["P20", "P01"])
                 .order_by("code").values_list("code", flat=True)[:5])
    actions.add_obligations(actor=None, indicator=owed["5"], organisations=[org(c) for c in peers],
                            starts_on=datetime.date(2025, 1, 1))
    for number, code in enumerate(peers):
        report(owed["5"], code, "2025-Q2", value=50 + number)
    client.force_login(alice)
    content = download(client, org("P20"))
    result = upload(client, org("P20"), filled(content, {("5", "2025-Q2"): {"value": 99}}), submit=True)
    row = result.context["result"].rows[0]
    assert row.outcome == xlsx.WARNING and row.value_id
    assert IndicatorValue.objects.get(pk=row.value_id).status == V.DRAFT
    confirmed = filled(content, {("5", "2025-Q2"): {"value": 99, "confirm_flags": vietnamese("Yes"),
                                                    "flag_note": "Tỉnh vừa số hoá toàn bộ thủ tục"}})
    row = upload(client, org("P20"), confirmed, submit=True).context["result"].rows[0]
    assert row.outcome == xlsx.SUBMITTED
    assert IndicatorValue.objects.get(pk=row.value_id).flag_note == "Tỉnh vừa số hoá toàn bộ thủ tục"


def test_reordered_and_extra_columns_and_empty_rows_are_tolerated(owed, org, alice):
    content = xlsx.build_template(org("P20"), today=TODAY, lang="en")
    workbook, sheet, columns, rows = template_table(content)
    target = rows[("6", "2025-Q4")]["numerator"].row
    sheet.insert_rows(target)  # an empty row in the middle
    sheet.insert_cols(1)  # a column of the user's own, before the keys
    sheet.cell(xlsx.HEADER_ROW, 1, "Ghi chú riêng")
    sheet.cell(target + 1, 1, "không liên quan")
    # Move the value column to the far right.
    value_column = columns["value"] + 1
    far = sheet.max_column + 2
    for number in range(1, sheet.max_row + 1):
        sheet.cell(number, far).value = sheet.cell(number, value_column).value
        sheet.cell(number, value_column).value = None
    sheet.cell(target + 1, columns["numerator"] + 1, 7)
    sheet.cell(target + 1, columns["denominator"] + 1, 10)
    sheet.cell(rows[("5", "2025-Q1")]["value"].row, far, 55)
    output = io.BytesIO()
    workbook.save(output)
    result = xlsx.read_upload(output.getvalue(), org("P20"), actor=alice, submit=False, today=TODAY)
    assert {(r.row, r.indicator_code, r.outcome) for r in result.rows} == {
        (target + 1, "6", "draft"), (rows[("5", "2025-Q1")]["value"].row, "5", "draft")}
    assert IndicatorValue.objects.get(indicator=owed["6"]).value == 70


def test_a_template_whose_hidden_row_of_names_was_deleted_is_read_by_its_visible_labels(owed, org, alice):
    workbook, sheet, _columns, rows = template_table(xlsx.build_template(org("P20"), today=TODAY, lang="vi"))
    rows[("5", "2025-Q1")]["value"].value = 50
    rows[("8", "2025")]["progress"].value = vietnamese("Achieved")
    sheet.delete_rows(xlsx.KEY_ROW)
    output = io.BytesIO()
    workbook.save(output)
    result = xlsx.read_upload(output.getvalue(), org("P20"), actor=alice, submit=False, today=TODAY)
    assert sorted((r.indicator_code, r.outcome) for r in result.rows) == [("5", "draft"), ("8", "draft")]
    assert IndicatorValue.objects.get(indicator=owed["8"]).progress == "achieved"


def test_a_row_for_another_organisation_is_refused_on_that_row(owed, org, alice):
    content = xlsx.build_template(org("P20"), today=TODAY, lang="vi")
    workbook, _sheet, _columns, rows = template_table(content)
    rows[("5", "2025-Q1")]["value"].value = 50
    rows[("5", "2025-Q2")]["value"].value = 51
    rows[("5", "2025-Q2")]["org_code"].value = "P01"
    output = io.BytesIO()
    workbook.save(output)
    result = xlsx.read_upload(output.getvalue(), org("P20"), actor=alice, submit=False, today=TODAY)
    outcomes = {r.row: (r.outcome, r.messages) for r in result.rows}
    assert outcomes[rows[("5", "2025-Q1")]["value"].row][0] == xlsx.DRAFT
    outcome, messages = outcomes[rows[("5", "2025-Q2")]["value"].row]
    assert outcome == xlsx.ERROR and "P01" in messages[0]
    assert not IndicatorValue.objects.filter(organisation=org("P01")).exists()


def test_unreadable_answers_are_reported_by_column(owed, org, alice):
    content = filled(xlsx.build_template(org("P20"), today=TODAY, lang="vi"), {
        ("5", "2025-Q1"): {"value": "mười hai"}, ("8", "2025"): {"progress": "Gần xong", "not_available": "Có lẽ"}})
    result = xlsx.read_upload(content, org("P20"), actor=alice, submit=False, today=TODAY)
    assert [r.outcome for r in result.rows] == [xlsx.ERROR, xlsx.ERROR]
    assert "mười hai" in result.rows[0].messages[0]
    assert any("Gần xong" in m for m in result.rows[1].messages)
    assert not IndicatorValue.objects.exists()


def test_rows_already_saved_cost_no_query_per_row(owed, org, alice, django_assert_max_num_queries):
    content = xlsx.build_template(org("P20"), today=TODAY, lang="vi")
    entries = {("6", k): {"numerator": 1, "denominator": 2} for k in ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4")}
    content = filled(content, entries)
    xlsx.read_upload(content, org("P20"), actor=alice, submit=False, today=TODAY)
    # Unchanged rows are answered from what was prefetched: the same few queries for 4 rows or 4,000.
    with django_assert_max_num_queries(8):
        result = xlsx.read_upload(content, org("P20"), actor=alice, submit=False, today=TODAY)
    assert result.counts["unchanged"] == 4


def test_a_pdf_a_csv_or_an_empty_workbook_gets_a_clear_message(owed, org, alice, client):
    client.force_login(alice)
    empty = io.BytesIO()
    openpyxl.Workbook().save(empty)
    template = download(client, org("P20"))
    cases = [
        (b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", "bao-cao.xlsx", "not an Excel workbook"),
        (empty.getvalue(), "trong.xlsx", "not the values template"),
        ("Mã,Giá trị\n5,62\n".encode(), "so-lieu.csv", "not an Excel workbook"),
        (b"PK\x03\x04 not really a zip", "hong.xlsx", "cannot be read"),
        (template, "chua-dien.xlsx", "no values to save"),
    ]
    for content, name, message in cases:
        response = upload(client, org("P20"), content, name=name, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, name
        errors = response.context["form"].errors["file"]
        assert any(message in e for e in errors), (name, errors)
    assert not IndicatorValue.objects.exists()


def test_a_file_over_five_megabytes_is_refused_before_it_is_read(owed, org, alice, client):
    client.force_login(alice)
    response = upload(client, org("P20"), b"PK\x03\x04" + b"0" * (5 * 1024 * 1024))
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_the_template_downloads_as_an_xlsx_file_named_after_the_organisation(owed, org, alice, client):
    client.force_login(alice)
    response = client.get(reverse("indicators:template", args=[org("P20").pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="mau-so-lieu-P20-{today}.xlsx"'
    assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames == ["Số liệu", "Hướng dẫn"]


# --- Who may -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["template", "upload"])
@pytest.mark.parametrize("who, status", [(None, 302), ("dave", 403), ("alice", 200), ("charlie", 403)])
def test_only_officers_reporting_for_the_organisation_may_download_or_upload(name, who, status, client, org,
                                                                            request, owed):
    if who:
        client.force_login(request.getfixturevalue(who))
    url = reverse(f"indicators:{name}", args=[org("P20").pk])
    response = client.get(url)
    assert response.status_code == status
    if who is None:
        assert response["Location"].startswith(reverse("accounts:login"))
    if name == "upload" and who != "alice":
        assert upload(client, org("P20"), b"PK\x03\x04").status_code == status
        assert not IndicatorValue.objects.exists()


def test_an_unknown_organisation_is_not_found(client, alice):
    client.force_login(alice)
    assert client.get(reverse("indicators:template", args=[999999])).status_code == 404
    assert client.get(reverse("indicators:upload", args=[999999])).status_code == 404


def test_a_database_error_in_the_fast_path_redoes_the_chunk_row_by_row_and_loses_nothing(owed, org, alice,
                                                                                          monkeypatch):
    from django.db import IntegrityError

    from nq57.audit.models import AuditEvent
    from nq57.indicators import actions

    content = xlsx.build_template(org("P20"), today=TODAY, lang="en")
    entries = {("5", key): {"value": 50 + i} for i, key in enumerate(quarters(datetime.date(2025, 1, 1),
                                                                              datetime.date(2025, 12, 31)))}
    real = actions.save_value.__wrapped__
    calls = []

    def flaky(**arguments):
        # The third row of the fast path writes and then hits a unique constraint, as a concurrent save would.
        calls.append(arguments["period"].key)
        if len(calls) == 3:
            real(**arguments)
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(**arguments)

    monkeypatch.setattr(actions.save_value, "__wrapped__", flaky)
    result = xlsx.read_upload(filled(content, entries), org("P20"), actor=alice, submit=False, today=TODAY)
    assert [r.outcome for r in result.rows] == ["draft"] * 4
    values = IndicatorValue.objects.filter(indicator=owed["5"], organisation=org("P20"))
    # Exactly one row per period (the aborted attempt left nothing behind), and one audit row for each.
    assert sorted(float(v.value) for v in values) == [50, 51, 52, 53]
    assert AuditEvent.objects.filter(content_type__model="indicatorvalue",
                                     object_id__in=[str(v.pk) for v in values]).count() == 4
