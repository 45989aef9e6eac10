"""A province officer reports indicator values through the Excel template: downloads it, fills it (one value out
of range), uploads it, sees the error on the right row, corrects it and submits; the province's head approves,
and the national attainment on the KPI index changes.

Two people, each in their own browser; every step goes through the pages. The file is filled with openpyxl,
as a person would in Excel. Texts are compared with what the catalogue says today (gettext).
"""

import datetime
import io
import re

import openpyxl
import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from nq57.core.roles import Role

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-57"  # make_user's default in tests/conftest.py
SHARE = "Tỷ lệ thủ tục hành chính giải quyết trực tuyến toàn trình"
FIRMS = "Số doanh nghiệp công nghệ số đang hoạt động"


def vietnamese(message):
    with translation.override("vi"):
        return gettext(message)


def shown_percent(ratio):
    from nq57.plans.templatetags.plan_pages import percent

    with translation.override("vi"):
        return percent(ratio)


@pytest.fixture
def quarter():
    """The last quarter that has ended: the only period the template offers (reporting starts with it)."""
    from nq57.indicators.periods import period_containing, previous_period

    return previous_period(period_containing(timezone.localdate(), "quarter"))


@pytest.fixture
def kpis(org, quarter):
    """Two indicators of the Ministry of Science and Technology that Lạng Sơn and Hà Nội report each quarter: a
    share (national target ≥ 80 % by 2030 from 40 % at the end of 2024) and a count. Hà Nội's share for the
    quarter (60 %) is already approved, so the national attainment is known before Lạng Sơn reports."""
    from nq57.indicators import actions

    share = actions.create_indicator(actor=None, owner=org("BKHCN"), code="21", name=SHARE, unit="%",
                                     value_type="percentage", frequency="quarter", aggregation="weighted_mean",
                                     level="province")
    actions.set_target(actor=None, indicator=share, year=2030, comparator="gte", value=80, text="≥ 80%")
    actions.set_baseline(actor=None, indicator=share, value=40, as_of=datetime.date(2024, 12, 31))
    firms = actions.create_indicator(actor=None, owner=org("BKHCN"), code="22", name=FIRMS,
                                     value_type="count", frequency="quarter", aggregation="sum", level="province")
    for indicator in (share, firms):
        actions.add_obligations(actor=None, indicator=indicator, organisations=[org("P20"), org("P01")],
                                starts_on=quarter.start)
    hanoi = actions.save_value(actor=None, indicator=share, organisation=org("P01"), period=quarter, value=60,
                               submit=True)
    actions.approve_value(actor=None, value=hanoi)
    return share, firms


@pytest.fixture
def people(make_user):
    officer = make_user("alice", home="P20-SKHCN", role=Role.FOCAL_OFFICER, scope="P20", full_name="Alice Lạng Sơn")
    head = make_user("hanh", home="P20", role=Role.AGENCY_HEAD, scope="P20", full_name="Hạnh Lạng Sơn")
    return officer, head


def open_menu(page, label):
    page.get_by_role("navigation", name=vietnamese("Main")).get_by_role("link", name=vietnamese(label)).click()


def national_attainment(page, indicator_name):
    """The attainment the KPI index shows for the indicator, with the national scope chosen."""
    open_menu(page, "KPI index")
    page.get_by_label(vietnamese("Scope")).select_option(label=vietnamese("National"))
    page.locator("main form").get_by_role("button", name=vietnamese("Show")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(vietnamese("National"))
    table = page.locator("main table.kpi-table")
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr").filter(has=page.get_by_role("link", name=indicator_name))
    expect(row).to_have_count(1)
    return row.locator("td").nth(headers.index(vietnamese("Attainment"))).inner_text().strip()


def fill_template(path, values):
    """The downloaded template with values typed in the Value column: {indicator code: value}."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Số liệu"]
    keys = {}
    for row in sheet.iter_rows(min_row=1, max_row=20):
        names = [c.value for c in row]
        if "indicator_id" in names and "period_key" in names:
            keys = {name: index + 1 for index, name in enumerate(names) if name}
            header = row[0].row
            break
    rows = {}
    for number in range(header + 2, sheet.max_row + 1):  # below the hidden key row and the visible header
        code = sheet.cell(number, keys["code"]).value
        if code in values:
            sheet.cell(number, keys["value"]).value = values[code]
            rows[code] = number
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue(), rows


def upload(page, path, submit=False):
    page.get_by_label(vietnamese("Filled template")).set_input_files(str(path))
    checkbox = page.get_by_label(vietnamese("Submit the saved values for approval"))
    checkbox.set_checked(submit)
    page.get_by_role("button", name=vietnamese("Upload and check")).click()
    expect(page.get_by_role("heading", name=vietnamese("What became of each row"))).to_be_visible()


def test_an_officer_reports_through_the_excel_template_and_the_head_approves(log_in_as, kpis, people, quarter, org,
                                                                            tmp_path):
    from nq57.indicators.models import IndicatorRollup, IndicatorValue

    share, firms = kpis
    officer, head = people
    lang_son = org("P20")

    # 0. The head notes the national attainment of the share: Hà Nội's 60 % alone, half-way from 40 to 80.
    hanh = log_in_as(head.username, PASSWORD)
    before = national_attainment(hanh, SHARE)
    assert before == shown_percent(0.5)

    # 1. The officer goes from what is due to the province's entry page and downloads the template.
    alice = log_in_as(officer.username, PASSWORD)
    open_menu(alice, "Data entry")
    due = alice.locator("section[aria-labelledby=due-h]")
    due.get_by_role("link", name=re.compile(rf"^{re.escape(share.code)}\. ")).click()
    expect(alice.get_by_role("heading", level=1)).to_contain_text(lang_son.name)
    with alice.expect_download() as download:
        alice.get_by_role("link", name=vietnamese("Download the Excel template")).click()
    assert download.value.suggested_filename == f"mau-so-lieu-P20-{timezone.localdate().isoformat()}.xlsx"
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)

    # 2. She types 135 (a percentage cannot exceed 100) and 12 firms, and uploads the file.
    content, rows = fill_template(template, {share.code: 135, firms.code: 12})
    filled = tmp_path / "so-lieu-lang-son.xlsx"
    filled.write_bytes(content)
    alice.get_by_role("link", name=vietnamese("Upload a filled template")).click()
    upload(alice, filled)
    problems = alice.locator("main table.xlsx-problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first.get_by_role("rowheader")).to_have_text(str(rows[share.code]))
    expect(problems.first).to_contain_text("135")
    saved = alice.locator("main table.xlsx-saved tbody tr")
    expect(saved).to_have_count(1)
    expect(saved.first.get_by_role("rowheader")).to_have_text(str(rows[firms.code]))
    assert not IndicatorValue.objects.filter(indicator=share, organisation=lang_son).exists()
    assert IndicatorValue.objects.get(indicator=firms, organisation=lang_son).status == IndicatorValue.Status.DRAFT

    # 3. She corrects the share to 85 and uploads the same file again, submitting the values for approval.
    content, _rows = fill_template(template, {share.code: 85, firms.code: 12})
    filled.write_bytes(content)
    upload(alice, filled, submit=True)
    expect(alice.locator("main table.xlsx-problems")).to_have_count(0)
    submitted = alice.locator("main table.xlsx-saved tbody tr")
    expect(submitted).to_have_count(2)
    for row in submitted.all():
        expect(row).to_contain_text(vietnamese("Submitted for approval"))
    values = IndicatorValue.objects.filter(organisation=lang_son)
    assert values.count() == 2  # the re-upload updated the draft: no duplicate
    assert set(values.values_list("status", flat=True)) == {IndicatorValue.Status.SUBMITTED}

    # 4. The head finds the share among the values awaiting approval and approves it.
    open_menu(hanh, "Data entry")
    waiting = hanh.locator("section[aria-labelledby=approve-h]")
    waiting.get_by_role("link", name=re.compile(rf"^{re.escape(share.code)}\. ")).click()
    expect(hanh.get_by_role("heading", level=1)).to_contain_text(share.code)
    hanh.get_by_role("button", name=vietnamese("Approve"), exact=True).click()
    expect(hanh.locator("main .messages")).to_be_visible()
    value = IndicatorValue.objects.get(indicator=share, organisation=lang_son)
    assert (value.status, value.value) == (IndicatorValue.Status.APPROVED, 85)

    # 5. The national attainment now counts Lạng Sơn: mean of 60 and 85 is 72.5, so (72.5 − 40) ÷ (80 − 40).
    national = IndicatorRollup.objects.get(indicator=share, organisation__code="BCDTW", period_end=quarter.end)
    assert national.attainment == pytest.approx(0.8125)
    after = national_attainment(hanh, SHARE)
    assert after == shown_percent(national.attainment) and after != before
