"""Report fixtures: a fixed, hand-countable dataset over the first half of 2025 (and the second half of 2024,
the previous period), and `make_report` to request a report on it.

Lạng Sơn (P20) has work at three levels: the province itself, its Department of Science and Technology
(P20-SKHCN) and one of its communes (`data.commune`). Hà Nội (P01) and the Ministry of Science and Technology
(BKHCN) have work of their own, which must never appear in Lạng Sơn's report. Every text of Hà Nội's items
contains "HÀ NỘI MẬT" so a test can look for it anywhere in a file.

Assignments (top level, lead; D = deadline in force; H1 = 1/1–30/6/2025, H2-2024 = 1/7–31/12/2024):

  key  agency     plan  D           status        completed   notes
  a1   P20        nat   31/03/2025  completed     20/03/2025  on time
  a2   P20-SKHCN  nat   31/05/2025  completed     30/06/2025  late; completed on the period's last day: counts
  a3   commune    prov  30/06/2025  completed     01/07/2025  the day after the period: not completed in H1
  a4   P20        nat   30/04/2025  in progress   —           40 %, status_reason → overdue 61 days at 30/6
  a5   P20-SKHCN  prov  28/02 → 30/09/2025 (extension)  in progress  60 %, stored timeliness at_risk
  a6   commune    prov  15/03/2025  not started   —           reason from its latest report → overdue 107 days
  a7   P20        nat   31/12/2025  in progress   —           on schedule
  a8   P20        nat   28/02/2025  cancelled     —           left out everywhere
  a9   P20        nat   31/10/2024  completed     15/10/2024  previous period, on time
  a10  P01        nat   31/03/2025  in progress   —           overdue 91 days (Hà Nội)
  a11  P01        nat   31/03/2025  completed     10/02/2025  on time (Hà Nội)
  a12  BKHCN      nat   30/06/2025  completed     15/06/2025  on time
  +    a sub-task of a4 given to the commune (parent set): never counted.

The national plan (owner CP) was issued 1/7/2024; Lạng Sơn's plan (owner P20) on 15/1/2025, so its tasks are
not in force in H2-2024.

Recommendations (raised 5/4/2025): r1 on a6 answered 10/5/2025; r2 on a4 open; r3 on a10 (Hà Nội) open.
Indicators "1" and "2" (quarterly): roll-ups at P20 — 30/6/2025: 1 green (0.8), 2 red (0.2); 31/12/2024:
1 amber (0.5), 2 red (0.18); 30/9/2025 (after H1, ignored): 1 green. At the root (BCDTW) 30/6/2025: 1 green
(0.9), 2 amber (0.5). At P01 30/6/2025: 2 red. National target of 1: ≥ 80 (2030).
Feedback (lead agency; received in H1 unless said):
  s1 P20-SKHCN answered on time in 13 working days, satisfied; s2 P20-SKHCN answered late (34 days), not
  satisfied; s3 P20-SKHCN open; s4 P20 answered on time (7 days); s5 P01 answered on time (5 days);
  s6 P01 open; s7 P20-SKHCN received 15/11/2024 answered on time (10 days); s8 not routed (no lead agency).
"""

import datetime
import itertools
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

H1_START, H1_END = datetime.date(2025, 1, 1), datetime.date(2025, 6, 30)
SECRET = "HÀ NỘI MẬT"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_counter = itertools.count(1)


def d(text):
    return datetime.date.fromisoformat(text)


def at(text, hour=9):
    """An aware datetime at `hour` o'clock, Vietnam time, on the ISO date `text`."""
    return datetime.datetime.combine(d(text), datetime.time(hour), tzinfo=ZONE)


def build_report_dataset(org, tag=""):
    """Create the dataset described in the module docstring; `tag` makes codes unique so it can be added twice
    (the query-count tests double it)."""
    from nq57.feedback.models import Field, Submission
    from nq57.indicators.models import Indicator, IndicatorRollup, Target
    from nq57.orgs.models import COMMUNE_KINDS, Organisation
    from nq57.plans.models import Assignment, Plan, ProgressReport, Recommendation, Task

    S, T = Assignment.Status, Assignment.Timeliness
    n = next(_counter)
    p20, department, p01, bkhcn, root = org("P20"), org("P20-SKHCN"), org("P01"), org("BKHCN"), org("BCDTW")
    commune = Organisation.objects.filter(parent=p20, kind__in=COMMUNE_KINDS).order_by("code").first()
    national = Plan.objects.create(kind="action_programme", number=f"03/NQ-CP{tag}",
                                   title=f"Chương trình hành động{tag}", issuer=org("CP"), owner=org("CP"),
                                   issued_on=d("2024-07-01"), reporting_frequency="quarter")
    provincial = Plan.objects.create(kind="plan", number=f"15/KH-UBND{tag}", title=f"Kế hoạch của tỉnh Lạng Sơn{tag}",
                                     issuer=p20, owner=p20, issued_on=d("2025-01-15"), reporting_frequency="quarter")
    tasks = {}

    def task(plan, code, title):
        tasks[code] = Task.objects.create(plan=plan, code=code, title=title, sort_order=len(tasks),
                                          deadline_kind=Task.DeadlineKind.DATE)
        return tasks[code]

    a = {}

    def assign(key, plan, agency, title, deadline, status, *, completed=None, revised=None, progress=0,
               timeliness=T.ON_SCHEDULE, reason=""):
        a[key] = Assignment.objects.create(
            task=task(plan, key.upper(), title), organisation=agency, role="lead", status=status,
            original_deadline=d(deadline), revised_deadline=d(revised) if revised else None,
            completed_on=d(completed) if completed else None, progress=progress, timeliness=timeliness,
            status_reason=reason)

    assign("a1", national, p20, "Ban hành kế hoạch chuyển đổi số", "2025-03-31", S.COMPLETED,
           completed="2025-03-20", progress=100, timeliness=T.COMPLETED_ON_TIME)
    assign("a2", national, department, "Xây dựng cơ sở dữ liệu khoa học", "2025-05-31", S.COMPLETED,
           completed="2025-06-30", progress=100, timeliness=T.COMPLETED_LATE)
    assign("a3", provincial, commune, "Phổ cập kỹ năng số cho người dân", "2025-06-30", S.COMPLETED,
           completed="2025-07-01", progress=100, timeliness=T.COMPLETED_LATE)
    assign("a4", national, p20, "Triển khai nền tảng số dùng chung", "2025-04-30", S.IN_PROGRESS, progress=40,
           timeliness=T.OVERDUE, reason="Chờ hướng dẫn của Bộ Khoa học và Công nghệ")
    assign("a5", provincial, department, "Đề án trung tâm đổi mới sáng tạo", "2025-02-28", S.IN_PROGRESS,
           revised="2025-09-30", progress=60, timeliness=T.AT_RISK)
    assign("a6", provincial, commune, "Số hoá hồ sơ hành chính cấp xã", "2025-03-15", S.NOT_STARTED,
           timeliness=T.OVERDUE)
    assign("a7", national, p20, "Đào tạo nhân lực số", "2025-12-31", S.IN_PROGRESS, progress=30)
    assign("a8", national, p20, "Nhiệm vụ đã huỷ", "2025-02-28", S.CANCELLED, timeliness=T.NOT_APPLICABLE)
    assign("a9", national, p20, "Hội nghị quán triệt", "2024-10-31", S.COMPLETED, completed="2024-10-15",
           progress=100, timeliness=T.COMPLETED_ON_TIME)
    assign("a10", national, p01, f"Nhiệm vụ {SECRET} quá hạn", "2025-03-31", S.IN_PROGRESS, progress=20,
           timeliness=T.OVERDUE, reason=f"Lý do {SECRET}")
    assign("a11", national, p01, f"Nhiệm vụ {SECRET} hoàn thành", "2025-03-31", S.COMPLETED,
           completed="2025-02-10", progress=100, timeliness=T.COMPLETED_ON_TIME)
    assign("a12", national, bkhcn, "Hoàn thiện thể chế thử nghiệm có kiểm soát", "2025-06-30", S.COMPLETED,
           completed="2025-06-15", progress=100, timeliness=T.COMPLETED_ON_TIME)
    subtask = Assignment.objects.create(task=a["a4"].task, organisation=commune, parent=a["a4"], role="lead",
                                        title="Phần việc của xã", status=S.IN_PROGRESS,
                                        original_deadline=d("2025-03-31"), timeliness=T.OVERDUE)

    def report(key, difficulties, on_time):
        return ProgressReport.objects.create(
            assignment=a[key], period_end=d("2025-03-31"), text="Đã triển khai", progress=a[key].progress,
            self_rating="amber", difficulties=difficulties, status=ProgressReport.Status.APPROVED,
            submitted_at=at("2025-04-03"), reviewed_at=at("2025-04-04"), on_time=on_time)

    reports = {
        "a4": report("a4", "Chưa có hướng dẫn thống nhất", True),
        "a6": report("a6", "Thiếu kinh phí thực hiện", False),
        "a10": report("a10", f"Khó khăn {SECRET}", True),
    }
    Assignment.objects.filter(pk__in=[a["a4"].pk, a["a10"].pk]).update(reports_received=1, reports_on_time=1,
                                                                       last_report_on=d("2025-04-03"))
    Assignment.objects.filter(pk=a["a6"].pk).update(reports_received=1, reports_on_time=0,
                                                    last_report_on=d("2025-04-03"))
    recommendations = {
        "r1": Recommendation.objects.create(report=reports["a6"], assignment=a["a6"],
                                            text="Đề nghị bổ sung kinh phí số hoá", status="answered",
                                            answer="Đã bố trí trong dự toán năm 2025", answered_at=at("2025-05-10")),
        "r2": Recommendation.objects.create(report=reports["a4"], assignment=a["a4"],
                                            text="Đề nghị Bộ sớm ban hành hướng dẫn"),
        "r3": Recommendation.objects.create(report=reports["a10"], assignment=a["a10"],
                                            text=f"Kiến nghị {SECRET}"),
    }
    Recommendation.objects.filter(pk__in=[r.pk for r in recommendations.values()]).update(created_at=at("2025-04-05"))

    indicators = {
        code: Indicator.objects.create(source_plan=national, code=code, name=name, owner=bkhcn, frequency="quarter",
                                       value_type="percentage", unit="%", level="province", sort_order=i)
        for i, (code, name) in enumerate([("1", "Tỷ lệ dân số trưởng thành có chữ ký số"),
                                           ("2", "Tỷ lệ doanh nghiệp có hoạt động đổi mới sáng tạo")])
    }
    Target.objects.create(indicator=indicators["1"], year=2030, comparator="gte", value=80, text="≥ 80%")

    def rollup(code, organisation, period_end, value, attainment, rag):
        IndicatorRollup.objects.create(indicator=indicators[code], organisation=organisation,
                                       period_end=d(period_end), value=value, attainment=attainment, rag=rag,
                                       reported=1, expected=1)

    rollup("1", p20, "2025-06-30", 72, 0.8, "green")
    rollup("2", p20, "2025-06-30", 10, 0.2, "red")
    rollup("1", p20, "2024-12-31", 60, 0.5, "amber")
    rollup("2", p20, "2024-12-31", 9, 0.18, "red")
    rollup("1", p20, "2025-09-30", 99, 1.0, "green")
    rollup("1", root, "2025-06-30", 75, 0.9, "green")
    rollup("2", root, "2025-06-30", 30, 0.5, "amber")
    rollup("2", p01, "2025-06-30", 5, 0.1, "red")

    field = Field.objects.order_by("sort_order", "pk").first()
    submissions = {}

    def submission(key, lead, received, *, answered=None, on_time=None, days=None, satisfied=None):
        number = next(_counter) * 100 + n
        state = "answered" if answered else ("in_progress" if lead else "received")
        holder = lead or root
        submissions[key] = Submission.objects.create(
            code=f"PAKN-T{number:06d}", year=1999, number=number, access_key_hash="0" * 64, kind="recommendation",
            field=field, title=f"Góp ý {key}{' ' + SECRET if lead == p01 else ''}", content="Nội dung",
            submitter_name="Nguyễn Văn An", address="Lạng Sơn", intake=root, holder=holder, lead_agency=lead,
            state=state, received_at=at(received), answered_at=at(answered) if answered else None,
            answered_on_time=on_time, days_to_answer=days, satisfied=satisfied)

    submission("s1", department, "2025-02-03", answered="2025-02-20", on_time=True, days=13, satisfied=True)
    submission("s2", department, "2025-03-03", answered="2025-04-20", on_time=False, days=34, satisfied=False)
    submission("s3", department, "2025-06-10")
    submission("s4", p20, "2025-04-01", answered="2025-04-10", on_time=True, days=7)
    submission("s5", p01, "2025-05-05", answered="2025-05-12", on_time=True, days=5)
    submission("s6", p01, "2025-06-20")
    submission("s7", department, "2024-11-15", answered="2024-11-29", on_time=True, days=10)
    submission("s8", None, "2025-03-10")

    return SimpleNamespace(p20=p20, department=department, commune=commune, p01=p01, bkhcn=bkhcn, root=root,
                           national=national, provincial=provincial, tasks=tasks, a=a, subtask=subtask,
                           reports=reports, recommendations=recommendations, indicators=indicators,
                           submissions=submissions, start=H1_START, end=H1_END, secret=SECRET)


@pytest.fixture
def report_dataset(db, org):
    """The fixed dataset of the module docstring (first half of 2025)."""
    return build_report_dataset(org)


@pytest.fixture
def more_report_data(db, org):
    """more_report_data(tag) adds another copy of the dataset (new plans, tasks, indicators and submissions on the
    same organisations), e.g. to show a report costs the same queries over twice the data."""
    return lambda tag: build_report_dataset(org, tag)


@pytest.fixture
def make_report(db, org):
    """make_report(scope="P20", kind="half", year=2025, period_number=1, language="vi", **fields) → a saved Report
    (fields: number, place, recipients, signer_title, requested_by…). An int `number` is taken as the period's
    number (make_report(kind="month", number=6)); a string is the document number."""
    from nq57.reports.models import Report
    from nq57.reports.periods import bounds

    def make(scope="P20", kind="half", year=2025, period_number=1, language="vi", **fields):
        if isinstance(fields.get("number"), int):
            period_number = fields.pop("number")
        start, end = bounds(kind, year, period_number)
        scope_org = org(scope) if isinstance(scope, str) else scope
        return Report.objects.create(scope=scope_org, period_kind=kind, period_start=start, period_end=end,
                                     language=language, **fields)

    return make


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read English messages; the interface is Vietnamese by default (the cookie for pages,
    # the override for code run outside a request).
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
