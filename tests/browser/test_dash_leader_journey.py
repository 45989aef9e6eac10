"""A province leader (Lạng Sơn's steering committee) opens the dashboard from the main menu, drills from the
overdue figure down to the overdue task, builds a dashboard of their own with a "tasks by timeliness" panel,
and generates the six-month report in the background, then downloads the Word document and reads it.

One person in one browser; every step goes through the pages, except running the background worker, which
the test does in its own process. A Hà Nội task (same kind of work, overdue too) must show nowhere. Texts are
compared with what the catalogue says today (gettext), so the test does not depend on either language's wording.
"""

import datetime
import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from nq57.core.roles import Role

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-57"  # make_user's default in tests/conftest.py
OVERDUE_TITLE = "Số hoá hồ sơ thủ tục hành chính của tỉnh"
OVERDUE_REASON = "Chưa bố trí được kinh phí số hoá"
COMPLETED_TITLE = "Tổ chức hội nghị quán triệt Nghị quyết 57 ở cấp xã"
ON_SCHEDULE_TITLE = "Phủ sóng 5G các xã biên giới"
HANOI_TITLE = "Xây dựng trung tâm dữ liệu vùng Thủ đô"
DASHBOARD_TITLE = "Theo dõi Kế hoạch 12/KH-UBND"
PANEL_TITLE = "Tiến độ nhiệm vụ của tỉnh"
NATIONAL_HEADER = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def vietnamese(message):
    # The UI runs in Vietnamese by default; compare with whatever the catalogue says today.
    with translation.override("vi"):
        return gettext(message)


def timeliness_label(value):
    from nq57.plans.models import Assignment

    with translation.override("vi"):
        return str(Assignment.Timeliness(value).label)


@pytest.fixture(autouse=True)
def _dashboards_computed_on_request(settings):
    # The dashboards keep computed figures in a shared database cache; here they are computed on each request.
    settings.NQ57_DASHBOARD_CACHE_SECONDS = 0


@pytest.fixture
def leader(make_user):
    """Lạng Sơn's steering committee leader, as the demo's `langson.lanhdao` (VIEW and APPROVE on the province)."""
    return make_user("langson.lanhdao", home="P20", role=Role.LEADER, scope="P20", full_name="Hoàng Văn Sơn")


@pytest.fixture
def period():
    """The last six-month period that ended: the one the leader reports on."""
    from nq57.reports import periods

    start, end = periods.last_ended("half", timezone.localdate())
    return start, end, periods.number_of("half", start)


@pytest.fixture
def province_work(org, period):
    """Lạng Sơn's own plan (12/KH-UBND) and, for contrast, a Hà Nội plan; dates relative to the reported period:

    1 (group I)  Lạng Sơn's Department of Science and Technology, in progress, due 45 days into the period:
                 overdue since then (and at the end of the period), with its reason.
    2 (group I)  A commune of Lạng Sơn, completed on time inside the period.
    3 (group II) Lạng Sơn itself, in progress, due in four months: on schedule.
    Hà Nội's task 1, overdue since the same day: out of the leader's scope everywhere.
    """
    from types import SimpleNamespace

    from nq57.orgs.models import COMMUNE_KINDS, Organisation
    from nq57.plans import actions
    from nq57.plans.models import Assignment, TaskGroup
    from nq57.plans.timeliness import refresh_timeliness

    start, end, _number = period
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    province, department = org("P20"), org("P20-SKHCN")
    commune = (Organisation.objects.active().filter(parent=province, kind__in=COMMUNE_KINDS)
               .order_by("sort_order", "pk").first())
    plan = actions.create_plan(actor=None, kind="plan", number="12/KH-UBND",
                               title="Kế hoạch thực hiện Nghị quyết 57 của tỉnh Lạng Sơn", issuer=province,
                               owner=province, issued_on=start - 60 * day)
    groups = [TaskGroup.objects.create(plan=plan, code=code, title=title, sort_order=i) for i, (code, title) in
              enumerate([("I", "Chuyển đổi số trong cơ quan nhà nước"), ("II", "Hạ tầng số")])]

    def task(code, group, title, lead):
        made = actions.create_task(actor=None, plan=plan, code=code, title=title, group=group, lead=[lead],
                                   deadline_text="12/2026", product_text="Báo cáo")
        return Assignment.objects.get(task=made, organisation=lead, parent__isnull=True)

    S = Assignment.Status
    overdue = task("1", groups[0], OVERDUE_TITLE, department)
    completed = task("2", groups[0], COMPLETED_TITLE, commune)
    on_schedule = task("3", groups[1], ON_SCHEDULE_TITLE, province)
    Assignment.objects.filter(pk=overdue.pk).update(
        status=S.IN_PROGRESS, progress=40, start_date=start - 30 * day, original_deadline=start + 45 * day,
        status_reason=OVERDUE_REASON)
    Assignment.objects.filter(pk=completed.pk).update(
        status=S.COMPLETED, progress=100, original_deadline=start + 60 * day, completed_on=start + 30 * day)
    Assignment.objects.filter(pk=on_schedule.pk).update(
        status=S.IN_PROGRESS, progress=50, start_date=today - 30 * day, original_deadline=today + 120 * day,
        last_report_on=today - 5 * day)

    hanoi_plan = actions.create_plan(actor=None, kind="plan", number="30/KH-UBND",
                                     title="Kế hoạch thực hiện Nghị quyết 57 của thành phố Hà Nội",
                                     issuer=org("P01"), owner=org("P01"), issued_on=start - 60 * day)
    made = actions.create_task(actor=None, plan=hanoi_plan, code="1", title=HANOI_TITLE, lead=[org("P01")],
                               deadline_text="12/2026", product_text="Trung tâm dữ liệu")
    hanoi = Assignment.objects.get(task=made, parent__isnull=True)
    Assignment.objects.filter(pk=hanoi.pk).update(original_deadline=start + 45 * day)

    refresh_timeliness(Assignment.objects.filter(task__plan__in=[plan, hanoi_plan]), today=today)
    for assignment in (overdue, completed, on_schedule, hanoi):
        assignment.refresh_from_db()
    T = Assignment.Timeliness
    assert [a.timeliness for a in (overdue, completed, on_schedule, hanoi)] == [
        T.OVERDUE, T.COMPLETED_ON_TIME, T.ON_SCHEDULE, T.OVERDUE]
    return SimpleNamespace(plan=plan, province=province, department=department, commune=commune,
                           overdue=overdue, completed=completed, on_schedule=on_schedule, hanoi=hanoi)


def main_nav(page):
    return page.get_by_role("navigation", name=vietnamese("Main"))


def headline_figure(page, label):
    """The value of one headline figure of the dashboard (a link to the list behind it)."""
    return page.locator("main dl.dash-figures > div").filter(
        has=page.locator("dt", has_text=re.compile(rf"^{re.escape(vietnamese(label))}$"))).locator("dd a")


def docx_text(path):
    """Every paragraph of a Word document, in the body's tables too, one string each."""
    from docx import Document
    from docx.oxml.ns import qn

    body = Document(str(path)).element.body
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p"))]


def test_a_province_leader_drills_into_an_overdue_task_builds_a_panel_and_generates_the_six_month_report(
        page, log_in, leader, province_work, period, tmp_path):
    from django.core.management import call_command

    from nq57.dashboards.models import CustomDashboard, Panel
    from nq57.indicators.queries import national_root
    from nq57.reports.mail import download_name
    from nq57.reports.models import Report

    work, province = province_work, province_work.province
    start, end, number = period
    nation = national_root()
    log_in(leader.username, PASSWORD)

    # 1. The dashboard, from the main menu: Lạng Sơn's, and the nation is not offered.
    main_nav(page).get_by_role("link", name=vietnamese("Dashboard"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboards/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{vietnamese('Dashboard')} — {province.name}")
    scope = page.locator("main #id_scope")
    expect(scope.locator("option:checked")).to_have_text(province.name)
    expect(scope.locator(f'option[value="{nation.pk}"]')).to_have_count(0)
    expect(scope.locator("option", has_text=re.compile(rf"^{re.escape(vietnamese('National'))}$"))).to_have_count(0)
    expect(scope.locator(f'option[value="{work.hanoi.organisation_id}"]')).to_have_count(0)
    # Three assignments in the province's subtree (Hà Nội's left out): one overdue, one completed.
    expect(headline_figure(page, "Assignments")).to_have_text("3")
    expect(headline_figure(page, "Completed")).to_have_text("1")
    overdue_figure = headline_figure(page, "Overdue now")
    expect(overdue_figure).to_have_text("1")
    # The national dashboard itself is refused.
    assert page.request.get(f"/dashboards/?scope={nation.pk}").status == 403

    # 2. The overdue figure opens the list behind it: only the overdue task of Lạng Sơn.
    overdue_figure.click()
    expect(page).to_have_url(re.compile(r"/dashboards/list/\?.*timeliness=overdue"))
    rows = page.locator("main table.dash-drill-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(work.department.name)
    expect(rows.first).to_contain_text(timeliness_label("overdue"))
    expect(page.locator("main")).not_to_contain_text(HANOI_TITLE)
    rows.first.get_by_role("link", name=f"1. {OVERDUE_TITLE}").click()

    # 3. The task as assigned to the department: overdue, with its reason.
    expect(page).to_have_url(re.compile(rf"{re.escape(work.overdue.get_absolute_url())}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(work.department.name)
    expect(page.locator("main p.lead")).to_have_text(OVERDUE_TITLE)
    details = page.locator("section[aria-labelledby=details-h]")
    expect(details).to_contain_text(timeliness_label("overdue"))
    expect(details).to_contain_text(OVERDUE_REASON)

    # 4. A dashboard of the province's own, from the dashboard's related pages.
    main_nav(page).get_by_role("link", name=vietnamese("Dashboard"), exact=True).click()
    page.locator("main nav.dash-links").get_by_role("link", name=vietnamese("Dashboards of my organisation")).click()
    expect(page).to_have_url(re.compile(r"/dashboards/custom/$"))
    expect(page.locator("main")).to_contain_text(vietnamese("No dashboard yet. Create one, then add its panels."))
    page.locator("main").get_by_role("link", name=vietnamese("New dashboard")).click()
    owner = page.locator("#id_owner")
    expect(owner.locator("option:checked")).to_have_text(province.name)
    expect(owner.locator(f'option[value="{nation.pk}"]')).to_have_count(0)
    page.fill("#id_title", DASHBOARD_TITLE)
    page.fill("#id_description", "Nhiệm vụ của tỉnh giao các sở, ngành và xã.")
    page.locator("#id_shared").check()
    page.locator("main form").get_by_role("button", name=vietnamese("Create the dashboard")).click()
    expect(page.locator("main .messages")).to_contain_text(
        vietnamese("The dashboard was created. Add its first panel."))
    dashboard = CustomDashboard.objects.get()
    assert (dashboard.owner_id, dashboard.title, dashboard.shared, dashboard.created_by_id) == (
        province.pk, DASHBOARD_TITLE, True, leader.pk)
    expect(page).to_have_url(re.compile(rf"{re.escape(dashboard.get_absolute_url())}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(DASHBOARD_TITLE)

    # Its panel: tasks by timeliness as a bar chart. With htmx the second step follows the choice in place.
    page.locator("main").get_by_role("link", name=vietnamese("Add panel")).click()
    page.get_by_label(vietnamese("Tasks by timeliness"), exact=True).check()
    step_two = page.locator("#panel-fields form")
    expect(step_two.get_by_role("button", name=vietnamese("Save the panel"))).to_be_visible()
    step_two.locator("#id_title").fill(PANEL_TITLE)
    step_two.get_by_label(vietnamese("Bar chart"), exact=True).check()
    step_two.get_by_role("button", name=vietnamese("Save the panel")).click()
    with translation.override("vi"):
        added = gettext("The panel “%(title)s” was added.") % {"title": PANEL_TITLE}
    expect(page.locator("main .messages")).to_contain_text(added)
    panel = Panel.objects.get(dashboard=dashboard)
    assert (panel.measure, panel.chart, panel.title) == ("tasks_timeliness", Panel.Chart.BAR, PANEL_TITLE)
    expect(page).to_have_url(re.compile(rf"{re.escape(dashboard.get_absolute_url())}#panel-{panel.pk}$"))
    section = page.locator(f"section#panel-{panel.pk}")
    expect(section.get_by_role("heading", level=2)).to_have_text(PANEL_TITLE)
    expect(section.locator("figure svg")).to_have_count(1)
    section.get_by_text(vietnamese("Show the figures as a table")).click()
    table = section.locator("table.dash-panel-figures")
    expect(table).to_be_visible()
    for value, count in [("overdue", "1"), ("completed_on_time", "1"), ("on_schedule", "1"), ("at_risk", "0"),
                         ("completed_late", "0")]:
        row = table.locator("tbody tr").filter(
            has=page.locator("th", has_text=re.compile(rf"^{re.escape(timeliness_label(value))}$")))
        expect(row.locator("td")).to_have_text(count)

    # 5. The six-month report of the province, from the main menu's reports.
    main_nav(page).get_by_role("link", name=vietnamese("Reports"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/reports/$"))
    page.locator("main").get_by_role("link", name=vietnamese("New report"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/reports/new/$"))
    form = page.locator("main form.report-form")
    report_scope = form.locator("#id_scope")
    expect(report_scope.locator("option:checked")).to_have_text(province.name)
    expect(report_scope.locator(f'option[value="{nation.pk}"]')).to_have_count(0)
    expect(report_scope.locator("option", has_text=re.compile(rf"^{re.escape(vietnamese('National'))}$"))
           ).to_have_count(0)
    form.locator("#id_period_kind").select_option("half")
    form.locator("#id_year").fill(str(start.year))
    form.locator("#id_period_number").fill(str(number))
    form.locator("#id_language").select_option("vi")
    form.locator("#id_document_number").fill("25/BC-BCĐ")
    form.locator("#id_place").fill("Lạng Sơn")
    form.locator("#id_recipients").fill("Ban Chỉ đạo Trung ương\nThường trực Tỉnh ủy")
    form.locator("#id_signer_title").fill("TM. BAN CHỈ ĐẠO\nTRƯỞNG BAN")
    form.locator("#id_signer_name").fill(leader.full_name)
    form.get_by_role("button", name=vietnamese("Generate the report")).click()

    report = Report.objects.get()
    assert (report.scope_id, report.period_kind, report.period_start, report.period_end, report.requested_by_id) == (
        province.pk, "half", start, end, leader.pk)
    expect(page).to_have_url(re.compile(rf"/reports/{report.pk}/$"))
    expect(page.locator("main .messages")).to_contain_text(
        vietnamese("The report is being generated. This page shows its progress."))
    status = page.locator("#report-status")
    expect(status.locator(".report-badge")).to_have_text(vietnamese("Waiting"))
    docx_link = page.get_by_role("link", name=vietnamese("Word document (editable)"))
    expect(docx_link).to_have_count(0)

    # The background worker generates it (here in the test's process); the page follows and shows the files.
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    expect(docx_link).to_be_visible()  # the status is polled every 2 s, then the page reloads
    expect(page.locator(".report-files li")).to_have_count(3)
    expect(page.get_by_role("link", name=vietnamese("PDF"), exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=vietnamese("Excel tables"))).to_be_visible()
    expect(page.locator("#report-status .report-badge")).to_have_text(vietnamese("Ready"))

    with page.expect_download() as download_info:
        docx_link.click()
    download = download_info.value
    assert download.suggested_filename == download_name(report, "docx")  # "bao-cao-6-thang-…-lang-son.docx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    paragraphs = docx_text(saved)
    text = "\n".join(paragraphs)
    assert NATIONAL_HEADER in paragraphs
    assert "Lạng Sơn" in text
    assert "25/BC-BCĐ" in text
    assert OVERDUE_TITLE in text
    assert OVERDUE_REASON in text
    assert COMPLETED_TITLE in text
    assert HANOI_TITLE not in text
    assert "Hà Nội" not in text
