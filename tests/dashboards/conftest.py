"""Dashboard fixtures, shared by the overview, rankings, warnings, custom-dashboard and report tests.

`dash_data` is a small realistic dataset with dates relative to today (`dash_data.today`):

Plans: the national programme 03/NQ-CP (owner CP) with groups I–III, and Lạng Sơn's own plan 12/KH-UBND
(owner P20). Top-level assignments and their stored timeliness today (L = lead, C = coordinating):

    key  task        agency      state                                   timeliness
    a1   N1 (I)      P20 L       in progress 60 %, due +120               on_schedule
    a2   N1 (I)      P01 C       in progress 60 %, due +120               on_schedule
    a3   N2 (I)      BKHCN L     in progress 50 %, due −30                overdue
    a4   N2 (I)      P01 L       completed −40, due −60                   completed_late
    a5   N3 (II)     P20-SKHCN L not started, due −100 revised to −10     overdue (since −10)
    a6   N4 (II)     P20 L       completed −25, due −20                   completed_on_time
    a7   N5 (III)    X05977 L    in progress 10 %, due +10                at_risk (commune of Lạng Sơn)
    a8   N6 (III)    P20 L       in progress, no deadline                 not_applicable
    a9   N7 (I)      P20 L       cancelled, due −50                       left out (cancelled)
    a10  N8 (II)     P20 L       removed task, due −40                    left out (removed)
    a11  N9 (I)      P01 L       not started, due −200                    overdue (since −200)
    a12  L1 (no grp) P20-SKHCN L completed −50, due −70                   completed_late (Lạng Sơn's plan)
    sub  N1          P20-SKHCN   sub-task of a1, due −5, not started     overdue, but not top-level: left out

Lạng Sơn's subtree (P20, P20-SKHCN, X05977) counts a1, a5, a6, a7, a8, a12: overdue 1, at risk 1, on schedule 1,
completed on time 1, completed late 1, no deadline 1. National: 10 counted (a9, a10, sub left out).

Progress reports (for reporting timeliness and stale reports): a1 has one on time (−10, approved), a5 one late
(−40, approved), a3 one on time returned.

Indicators (owner BKHCN, quarterly percentage, reported by P20 and P01 from 1/1/2025, target ≥ 80 in 2030,
baseline 40 at 31/12/2024), values for 2025-Q4 approved through the real services (so roll-ups are real):
    k1 "1"  P20 = 85, P01 = 85     (green at P20)
    k2 "2"  P20 = 20, P01 = 90     (red at P20)
    k3 "3"  no values              (no data)

Feedback submissions (`dash_data.fb[key]`), lead agency / holder, received (days ago), outcome:
    f1 P20-SKHCN  −40  answered −30 on time
    f2 P20        −70  answered −50 late
    f3 P20-SKHCN  −10  in progress, due +2 (near its limit)
    f4 P20        −20  in progress, due −2 (open, overdue)
    f5 (no lead, intake and holder P20) −1 received, due +5
    f6 P01        −15  answered −5 on time
    f7 BKHCN      −100 answered −90 on time, misrouted twice before
    f8 P20        −800 answered on time (outside the 12-month window)
"""

import datetime
import hashlib
import itertools
from types import SimpleNamespace

import pytest


@pytest.fixture(autouse=True)
def _dashboard_cache_off(settings):
    # The scope dashboard keeps its computed figures in the cache (nq57.dashboards.overview.scope_data); tests
    # change data between requests, so they compute every time unless a test turns the cache on (and clears it).
    settings.NQ57_DASHBOARD_CACHE_SECONDS = 0
    settings.NQ57_FIGURES_CACHE_SECONDS = 0  # likewise the rankings' table of figures


@pytest.fixture
def dash_today():
    from django.utils import timezone

    return timezone.localdate()


def _make_plan_data(org, today):
    from nq57.plans import actions
    from nq57.plans.models import Assignment, ProgressReport, Task, TaskGroup
    from nq57.plans.timeliness import refresh_timeliness

    S = Assignment.Status
    day = datetime.timedelta(days=1)
    national = actions.create_plan(actor=None, kind="action_programme", number="03/NQ-CP",
                                   title="Chương trình hành động của Chính phủ", issuer=org("CP"), owner=org("CP"),
                                   issued_on=today - 400 * day)
    local = actions.create_plan(actor=None, kind="plan", number="12/KH-UBND",
                                title="Kế hoạch thực hiện Nghị quyết 57 của tỉnh Lạng Sơn", issuer=org("P20"),
                                owner=org("P20"), issued_on=today - 300 * day)
    groups = {code: TaskGroup.objects.create(plan=national, code=code, title=title, sort_order=i)
              for i, (code, title) in enumerate([
                  ("I", "Nâng cao nhận thức, đột phá về đổi mới tư duy"),
                  ("II", "Khẩn trương hoàn thiện thể chế"),
                  ("III", "Tăng cường đầu tư, hoàn thiện hạ tầng")])}

    def task(plan, code, group, title, lead, coordinating=()):
        return actions.create_task(actor=None, plan=plan, code=code, title=title,
                                   group=groups[group] if group else None,
                                   lead=[org(c) for c in lead], coordinating=[org(c) for c in coordinating],
                                   deadline_text="12/2026", product_text="Báo cáo")

    tasks = {
        "N1": task(national, "1", "I", "Xây dựng nền tảng chuyển đổi số dùng chung", ["P20"], ["P01"]),
        "N2": task(national, "2", "I", "Hoàn thiện thể chế về khoa học, công nghệ", ["BKHCN", "P01"]),
        "N3": task(national, "3", "II", "Đào tạo nhân lực số cho cán bộ", ["P20-SKHCN"]),
        "N4": task(national, "4", "II", "Tổ chức hội nghị quán triệt", ["P20"]),
        "N5": task(national, "5", "III", "Phủ sóng 5G các xã biên giới", ["X05977"]),
        "N6": task(national, "6", "III", "Duy trì cổng dữ liệu mở", ["P20"]),
        "N7": task(national, "7", "I", "Đề án đã dừng", ["P20"]),
        "N8": task(national, "8", "II", "Nhiệm vụ bị bỏ trong phiên bản sau", ["P20"]),
        "N9": task(national, "9", "I", "Xây dựng trung tâm dữ liệu vùng", ["P01"]),
        "L1": task(local, "1", None, "Số hoá hồ sơ thủ tục hành chính của tỉnh", ["P20-SKHCN"]),
    }
    Task.objects.filter(pk=tasks["N8"].pk).update(removed=True)

    def top(code, agency, role="lead"):
        return Assignment.objects.get(task=tasks[code], organisation__code=agency, role=role, parent__isnull=True)

    recent = dict(start_date=today - 30 * day, last_report_on=today - 10 * day)
    states = {
        "a1": (("N1", "P20"), dict(status=S.IN_PROGRESS, progress=60, original_deadline=today + 120 * day, **recent)),
        "a2": (("N1", "P01", "coordinating"),
               dict(status=S.IN_PROGRESS, progress=60, original_deadline=today + 120 * day, **recent)),
        "a3": (("N2", "BKHCN"), dict(status=S.IN_PROGRESS, progress=50, original_deadline=today - 30 * day)),
        "a4": (("N2", "P01"), dict(status=S.COMPLETED, progress=100, original_deadline=today - 60 * day,
                                   completed_on=today - 40 * day)),
        "a5": (("N3", "P20-SKHCN"), dict(original_deadline=today - 100 * day, revised_deadline=today - 10 * day)),
        "a6": (("N4", "P20"), dict(status=S.COMPLETED, progress=100, original_deadline=today - 20 * day,
                                   completed_on=today - 25 * day)),
        "a7": (("N5", "X05977"), dict(status=S.IN_PROGRESS, progress=10, original_deadline=today + 10 * day)),
        "a8": (("N6", "P20"), dict(status=S.IN_PROGRESS, progress=30, original_deadline=None, **recent)),
        "a9": (("N7", "P20"), dict(status=S.CANCELLED, original_deadline=today - 50 * day)),
        "a10": (("N8", "P20"), dict(original_deadline=today - 40 * day)),
        "a11": (("N9", "P01"), dict(original_deadline=today - 200 * day)),
        "a12": (("L1", "P20-SKHCN"), dict(status=S.COMPLETED, progress=100, original_deadline=today - 70 * day,
                                          completed_on=today - 50 * day)),
    }
    assignments = {}
    for key, (where, fields) in states.items():
        assignment = top(*where)
        Assignment.objects.filter(pk=assignment.pk).update(**fields)
        assignments[key] = assignment
    sub = Assignment.objects.create(task=tasks["N1"], organisation=org("P20-SKHCN"), parent=assignments["a1"],
                                    title="Khảo sát hiện trạng", original_deadline=today - 5 * day)
    refresh_timeliness(Assignment.objects.filter(task__plan__in=[national, local]), today=today)
    for assignment in [*assignments.values(), sub]:
        assignment.refresh_from_db()

    R = ProgressReport.Status
    reports = [
        ProgressReport.objects.create(assignment=assignments["a1"], period_end=today - 10 * day, text="Đang triển khai",
                                      progress=60, self_rating="green", status=R.APPROVED, on_time=True,
                                      submitted_at=_moment(today - 8 * day), reviewed_at=_moment(today - 7 * day)),
        ProgressReport.objects.create(assignment=assignments["a5"], period_end=today - 40 * day, text="Chậm",
                                      progress=0, self_rating="red", status=R.APPROVED, on_time=False,
                                      difficulties="Thiếu kinh phí", recommendations="Đề nghị bổ sung kinh phí",
                                      submitted_at=_moment(today - 20 * day), reviewed_at=_moment(today - 19 * day)),
        ProgressReport.objects.create(assignment=assignments["a3"], period_end=today - 45 * day, text="Dự thảo",
                                      progress=50, self_rating="amber", status=R.RETURNED, on_time=True,
                                      submitted_at=_moment(today - 44 * day), reviewed_at=_moment(today - 43 * day)),
    ]
    return SimpleNamespace(plan=national, local_plan=local, groups=groups, tasks=tasks, a=assignments, sub=sub,
                           reports=reports)


def _moment(date):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(9, 0)))


def _make_indicators(org):
    from nq57.indicators import actions
    from nq57.indicators.periods import parse_period

    period = parse_period("2025-Q4", "quarter")
    made = {}
    for code, name, p20, p01 in [("1", "Tỷ lệ dân số trưởng thành có chữ ký số", 85, 85),
                                 ("2", "Tỷ lệ hồ sơ thủ tục hành chính trực tuyến toàn trình", 20, 90),
                                 ("3", "Số doanh nghiệp công nghệ số", None, None)]:
        indicator = actions.create_indicator(actor=None, owner=org("BKHCN"), code=code, name=name,
                                             value_type="percentage", frequency="quarter", aggregation="weighted_mean",
                                             level="province", unit="%")
        actions.add_obligations(actor=None, indicator=indicator, organisations=[org("P20"), org("P01")],
                                starts_on=datetime.date(2025, 1, 1))
        actions.set_target(actor=None, indicator=indicator, year=2030, comparator="gte", value=80, text="≥ 80%")
        actions.set_baseline(actor=None, indicator=indicator, value=40, as_of=datetime.date(2024, 12, 31))
        for agency, number in (("P20", p20), ("P01", p01)):
            if number is not None:
                value = actions.save_value(actor=None, indicator=indicator, organisation=org(agency), period=period,
                                           value=number, submit=True, confirm_flags=True, flag_note="Đã kiểm tra",
                                           notify_approvers=False)
                actions.approve_value(actor=None, value=value)
        made["k" + code] = indicator
    return made


_numbers = itertools.count(900001)


def _make_feedback(org, today):
    from nq57.feedback.models import Field, State, Submission

    field = Field.objects.get(code="the-che-thu-tuc")
    day = datetime.timedelta(days=1)

    def make(key, lead, received, *, state=State.IN_PROGRESS, answered=None, on_time=None, due=None,
             holder=None, misroutes=0):
        number = next(_numbers)
        received_at = _moment(today + received * day)
        lead_org = org(lead) if lead else None
        return key, Submission.objects.create(
            code=f"PAKN-{received_at.year}-{number:06d}", year=received_at.year, number=number,
            access_key_hash=hashlib.sha256(key.encode()).hexdigest(), kind="recommendation", field=field,
            title=f"Kiến nghị {key}: đơn giản hoá thủ tục thử nghiệm công nghệ mới", content="Nội dung kiến nghị.",
            submitter_name="Nguyễn Văn An", address="Lạng Sơn", state=state,
            stage="answer" if lead else "triage", intake=org("P20") if not lead else org("BCDTW"),
            holder=org(holder or lead), lead_agency=lead_org, received_at=received_at,
            answered_at=_moment(today + answered * day) if answered is not None else None,
            answered_on_time=on_time, due_date=today + due * day if due is not None else None,
            answer_due=today + due * day if due is not None else None, misroute_count=misroutes)

    A = State.ANSWERED
    return dict([
        make("f1", "P20-SKHCN", -40, state=A, answered=-30, on_time=True),
        make("f2", "P20", -70, state=A, answered=-50, on_time=False),
        make("f3", "P20-SKHCN", -10, due=2),
        make("f4", "P20", -20, due=-2),
        make("f5", None, -1, state=State.RECEIVED, holder="P20", due=5),
        make("f6", "P01", -15, state=A, answered=-5, on_time=True),
        make("f7", "BKHCN", -100, state=A, answered=-90, on_time=True, misroutes=2),
        make("f8", "P20", -800, state=A, answered=-790, on_time=True),
    ])


@pytest.fixture
def dash_data(db, org, dash_today):
    """The shared dashboard dataset described in this module's docstring."""
    plans = _make_plan_data(org, dash_today)
    indicators = _make_indicators(org)
    feedback = _make_feedback(org, dash_today)
    return SimpleNamespace(today=dash_today, **vars(plans), k=indicators, fb=feedback,
                           orgs={code: org(code) for code in ("BCDTW", "CP", "BKHCN", "P01", "P20", "P20-SKHCN",
                                                              "X05977")})


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read English messages; the interface is Vietnamese by default (the cookie for pages,
    # the override for code run outside a request).
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
