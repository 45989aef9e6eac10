"""The demo's dashboards and reports: what the leaders of the demo find when they first log in.

- Lạng Sơn's standing office (`langson.vanphong`) has built a shared dashboard of the province's own programme
  (its plan, the overdue trend, its units' on-time completion, the feedback it answers), so the province leader
  (`langson.lanhdao`) sees it too.
- The national standing office (`vanphong`) has a shared dashboard of the map of provinces and a quarterly
  report schedule of the nation, e-mailed to the committee's secretariat.
- Lạng Sơn's six-month report of the last ended half-year is already generated (Word, PDF, Excel), through the
  same service and worker function as a user's request.

Idempotent: nothing is added when Lạng Sơn's demo dashboard is already there.
"""

import logging

from django.db import transaction
from django.utils import timezone

from nq57.accounts.models import User
from nq57.dashboards import actions as dashboard_actions
from nq57.dashboards.models import CustomDashboard
from nq57.indicators.models import Indicator
from nq57.orgs.models import Organisation
from nq57.plans.models import Plan
from nq57.reports import actions as report_actions
from nq57.reports import periods
from nq57.reports.tasks import run_report

log = logging.getLogger(__name__)

PROVINCE_TITLE = "Chương trình chuyển đổi số tỉnh Lạng Sơn"
NATIONAL_TITLE = "Toàn quốc: các tỉnh, thành phố"


def _user(username):
    return User.objects.filter(username=username).first()


def load_dashboards_demo(today=None):
    """Create the demo dashboards, the national report schedule and Lạng Sơn's six-month report (once)."""
    if CustomDashboard.objects.filter(title=PROVINCE_TITLE).exists():
        return
    today = today or timezone.localdate()
    province = Organisation.objects.get(code="P20")
    root = Organisation.objects.get(code="BCDTW")
    office, national_office = _user("langson.vanphong"), _user("vanphong")
    with transaction.atomic():
        _province_dashboard(office, province)
        _national_dashboard(national_office, root)
        report_actions.create_schedule(
            actor=national_office, scope=root, period_kind="quarter", language="vi", days_after=3,
            emails="thuky.bcd@demo.nq57.vn\nvanphong@demo.nq57.vn",
            recipients="Thường trực Ban Chỉ đạo Trung ương\nCác thành viên Ban Chỉ đạo\nVăn phòng Trung ương Đảng")
    _province_report(office, province, today)


def _province_dashboard(actor, province):
    dashboard = dashboard_actions.create_dashboard(
        actor=actor, owner=province, shared=True, title=PROVINCE_TITLE,
        description="Kế hoạch của tỉnh, các nhiệm vụ quá hạn, tiến độ của các sở, ngành, xã và phản ánh, kiến nghị "
                    "tỉnh đang trả lời.")
    plan = Plan.objects.filter(owner=province).order_by("-issued_on", "pk").first()
    if plan is not None:
        dashboard_actions.add_panel(actor=actor, dashboard=dashboard, measure="plan_progress", chart="bar",
                                    filters={"plan": plan.pk}, title="Tiến độ kế hoạch của tỉnh theo nhóm nhiệm vụ")
        dashboard_actions.add_panel(actor=actor, dashboard=dashboard, measure="tasks_timeliness", chart="bar",
                                    filters={"plan": plan.pk}, title="Nhiệm vụ của kế hoạch tỉnh theo tiến độ")
    dashboard_actions.add_panel(actor=actor, dashboard=dashboard, measure="overdue_trend", chart="line",
                                filters={"months": 12}, title="Nhiệm vụ quá hạn 12 tháng qua")
    dashboard_actions.add_panel(actor=actor, dashboard=dashboard, measure="unit_figures", chart="bar",
                                filters={"figure": "on_time_rate", "months": 12},
                                title="Tỷ lệ hoàn thành đúng hạn của các sở, ngành, xã")
    dashboard_actions.add_panel(actor=actor, dashboard=dashboard, measure="feedback_months", chart="line",
                                filters={"months": 12}, title="Phản ánh, kiến nghị tỉnh tiếp nhận và trả lời")
    dashboard_actions.add_panel(actor=actor, dashboard=dashboard, measure="kpi_rag", chart="number",
                                filters={}, title="Chỉ tiêu của tỉnh theo mức độ đạt")


def _national_dashboard(actor, root):
    dashboard = dashboard_actions.create_dashboard(
        actor=actor, owner=root, shared=True, title=NATIONAL_TITLE,
        description="Bản đồ 34 tỉnh, thành phố theo tỷ lệ hoàn thành đúng hạn và phản ánh được trả lời đúng hạn.")
    dashboard_actions.add_panel(actor=actor, dashboard=dashboard, measure="unit_figures", chart="map",
                                filters={"figure": "on_time_rate", "months": 12},
                                title="Tỷ lệ hoàn thành nhiệm vụ đúng hạn")
    indicator = Indicator.objects.filter(is_active=True, rollups__organisation__kind="province").distinct() \
        .order_by("sort_order", "code").first()
    if indicator is not None:
        dashboard_actions.add_panel(actor=actor, dashboard=dashboard, measure="indicator_units", chart="bar",
                                    filters={"indicator": indicator.pk}, title=f"Chỉ tiêu {indicator.code} theo tỉnh")


def _province_report(actor, province, today):
    start, _end = periods.last_ended("half", today)
    report = report_actions.request_report(
        actor=actor, scope=province, period_kind="half", year=start.year, period_number=1 if start.month == 1 else 2,
        language="vi", document_number="125/BC-BCĐ", place="Lạng Sơn",
        recipients="Ban Chỉ đạo Trung ương (để báo cáo)\nThường trực Tỉnh ủy\nCác sở, ban, ngành tỉnh",
        signer_title="TM. BAN CHỈ ĐẠO\nTRƯỞNG BAN", signer_name="Hoàng Văn Sơn")
    # Generated here rather than by the worker, so the report is ready when the demo opens; the task the
    # request queued finds it already claimed and does nothing.
    run_report(report.pk)
