"""Generate a national-volume dataset for the plan benchmarks.

    NQ57_DATA_DIR=/tmp/nq57-national .venv/bin/nq57 bootstrap       # map + demo accounts
    NQ57_DATA_DIR=/tmp/nq57-national .venv/bin/python bench/generate_national.py
    # PostgreSQL: createdb -h 127.0.0.1 -U postgres nq57national, then prefix both commands with
    # DATABASE_URL=postgres://postgres@127.0.0.1:5432/nq57national

Creates one plan ("BENCH/NQ57") owned by the Central Steering Committee (BCDTW) with 7 groups, 1,000 tasks
and 150,000 assignments (150 per task) spread over every active organisation of the map (~3,400 reporting
units: ministries, provinces, departments, communes), and 1,000,000 progress reports, with believable
spreads of status, progress, deadlines (2025–2027), extensions and timeliness:

- Task titles are drawn from a small vocabulary, so a text filter matches a realistic share of them
  ("chuyển đổi số" in about one task in six), and each task's accent-folded search text is filled in.
- Reports are generated per assignment, one per quarter from its start to its completion or to today
  (unfinished work goes on reporting after its deadline), with about one quarter in eight never reported;
  most are approved, some returned and filed again. The assignment's counters (reports received and on
  time, last report) are those of its approved reports, as the workflow would have left them. Assignments
  never started have no reports. The number of reports is then brought to exactly --reports by adding or
  dropping returned ones (quarterly reporting gives about 800,000 for the default volume, so about a quarter
  of the rows end up as returned reports).

Bulk inserts: this is load, not behaviour, so it bypasses the service functions (and the audit trail and
the timeline) on purpose. Idempotent: an existing benchmark plan is deleted first (in bulk, with one DELETE
per table). Deterministic (fixed random seed). Timeliness is computed as of --today (default 2026-11-22).
Ends with ANALYZE (PostgreSQL: VACUUM ANALYZE), so that the pages are measured with planner statistics.
"""

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nq57.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from nq57.orgs.models import Organisation  # noqa: E402
from nq57.plans.filters import task_search_text  # noqa: E402
from nq57.plans.models import (Assignment, Evidence, ExtensionRequest, Plan, ProgressReport,  # noqa: E402
                               Recommendation, Task, TaskEvent, TaskGroup)
from nq57.plans.timeliness import refresh_timeliness  # noqa: E402

PLAN_NUMBER = "BENCH/NQ57"
START = datetime.date(2025, 1, 9)
GRACE_DAYS = 5
STATUSES = [("not_started", 10), ("in_progress", 55), ("pending_verification", 5), ("completed", 27), ("cancelled", 3)]
RATINGS = ["green", "amber_green", "amber", "amber_red", "red"]
SUBJECTS = ["Hoàn thiện thể chế, chính sách", "Xây dựng cơ sở dữ liệu", "Phát triển hạ tầng số",
            "Đào tạo nguồn nhân lực chất lượng cao", "Thúc đẩy chuyển đổi số", "Ứng dụng trí tuệ nhân tạo",
            "Phát triển nền tảng số dùng chung", "Bảo đảm an toàn, an ninh mạng", "Thúc đẩy đổi mới sáng tạo",
            "Đầu tư nghiên cứu khoa học và phát triển công nghệ"]
FIELDS = ["trong quản lý nhà nước", "trong y tế", "trong giáo dục và đào tạo", "cho doanh nghiệp nhỏ và vừa",
          "ở cấp xã", "trong nông nghiệp", "phục vụ chuyển đổi số quốc gia", "trong tài chính, ngân hàng",
          "trong giao thông vận tải", "về dịch vụ công trực tuyến", "trong văn hóa, du lịch",
          "về dữ liệu dân cư"]
PRODUCTS = ["Báo cáo", "Đề án", "Quyết định", "Nền tảng số", "Kế hoạch", "Nghị định", "Thông tư"]
LEADS = ["Các bộ, ngành, địa phương", "Bộ Khoa học và Công nghệ; các bộ, ngành, địa phương",
         "Ủy ban nhân dân các tỉnh, thành phố", "Các bộ, cơ quan ngang bộ"]


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def quarter_ends(first, last):
    """Quarter ends d with first <= d <= last."""
    ends = []
    year, quarter = first.year, (first.month - 1) // 3
    while True:
        month = 3 * (quarter + 1)
        end = datetime.date(year, month, 31 if month in (3, 12) else 30)
        if end > last:
            return ends
        if end >= first:
            ends.append(end)
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)


def delete_benchmark_plan():
    """Delete an earlier benchmark plan table by table: the ORM's cascade would load a million reports."""
    plans = Plan.objects.filter(number=PLAN_NUMBER)
    if not plans.exists():
        return False
    with transaction.atomic():
        for queryset in (Evidence.objects.filter(report__assignment__task__plan__in=plans),
                         Recommendation.objects.filter(assignment__task__plan__in=plans),
                         ProgressReport.objects.filter(assignment__task__plan__in=plans),
                         ExtensionRequest.objects.filter(assignment__task__plan__in=plans),
                         TaskEvent.objects.filter(task__plan__in=plans),
                         Assignment.objects.filter(task__plan__in=plans)):
            # _raw_delete: one DELETE … WHERE id IN (subquery), no signals, no cascade collection (nothing
            # else points at these rows once the tables before them in this list are cleared).
            queryset._raw_delete(queryset.db)
        plans.delete()
    return True


def analyze():
    """Statistics for the query planner; on PostgreSQL also VACUUM (dead rows of a deleted plan, and the
    visibility map for index-only scans), as autovacuum would do later: measurements start from that state."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def plan_reports(rng, *, status, start, completed_on, today):
    """[(period_end, status, on_time, submitted_on)] of one assignment, oldest first."""
    if status == "not_started":
        return []
    # Work goes on reporting after its deadline until it is done (such reports are beyond the expected number).
    stop = min(d for d in (completed_on, today - datetime.timedelta(days=GRACE_DAYS)) if d)
    rows = []
    for period_end in quarter_ends(start, stop):
        if rng.random() < 0.12:  # this period was never reported
            continue
        late = rng.random() < 0.2
        submitted = period_end + datetime.timedelta(days=rng.randint(GRACE_DAYS + 1, 40) if late
                                                    else rng.randint(0, GRACE_DAYS))
        submitted = min(submitted, today)
        if rng.random() < 0.08:  # returned once, then filed again
            rows.append((period_end, "returned", None, submitted))
            submitted = min(today, submitted + datetime.timedelta(days=rng.randint(2, 10)))
            late = submitted > period_end + datetime.timedelta(days=GRACE_DAYS)
        rows.append((period_end, "approved", not late, submitted))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--assignments", type=int, default=150_000)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=57)
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=datetime.date(2026, 11, 22),
                        help="the day timeliness and reports are generated for (default 2026-11-22)")
    args = parser.parse_args()
    if not (1 <= args.tasks <= 100_000 and args.tasks <= args.assignments <= 10_000_000
            and 0 <= args.reports <= 50_000_000):
        parser.error("need 1 <= tasks <= assignments <= 10,000,000 and reports <= 50,000,000")
    rng = random.Random(args.seed)
    today = args.today
    started = time.monotonic()

    def say(message):
        print(f"[{time.monotonic() - started:6.1f} s] {message}", flush=True)

    say(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    if delete_benchmark_plan():
        analyze()
        say("deleted the earlier benchmark plan")
    root = Organisation.objects.get(code="BCDTW")
    orgs = list(Organisation.objects.active().exclude(kind="category").order_by("pk").values_list("pk", flat=True))
    per_task = max(1, args.assignments // args.tasks)
    if per_task > len(orgs):
        parser.error(f"{per_task} assignments per task but only {len(orgs)} organisations")
    say(f"{len(orgs)} active organisations (categories left out); {per_task} assignments per task")

    with transaction.atomic():
        plan = Plan.objects.create(kind="plan", number=PLAN_NUMBER, title="Kế hoạch đo hiệu năng quy mô quốc gia",
                                   issuer=root, owner=root, issued_on=START, reporting_frequency="quarter",
                                   reporting_grace_days=GRACE_DAYS)
        groups = TaskGroup.objects.bulk_create(
            [TaskGroup(plan=plan, code=code, title=f"Nhóm nhiệm vụ {code}", sort_order=i)
             for i, code in enumerate(["I", "II", "III", "IV", "V", "VI", "VII"])])
        tasks = []
        for n in range(1, args.tasks + 1):
            deadline = datetime.date(2025, 3, 31) + datetime.timedelta(days=rng.randint(0, 1000))
            task = Task(
                plan=plan, group=groups[n % 7], code=str(n), sort_order=n,
                title=f"{rng.choice(SUBJECTS)} {rng.choice(FIELDS)} (nhiệm vụ {n})",
                lead_text=rng.choice(LEADS), product_text=rng.choice(PRODUCTS),
                deadline_text=f"{deadline.month}/{deadline.year}", deadline_kind="date", deadline=deadline,
                is_incomplete=rng.random() < 0.08,
            )
            task.missing_items = ["responsibility"] if task.is_incomplete else []
            task.search_text = task_search_text(task)
            tasks.append(task)
        Task.objects.bulk_create(tasks, batch_size=1000)
    say(f"plan, 7 groups and {len(tasks)} tasks")

    # Assignments, each with its reports planned (the counters must agree with the reports).
    batch, planned = [], []  # planned: per assignment, in creation order, its report rows
    created = 0
    for task in tasks:
        for org_id in rng.sample(orgs, per_task):
            status = weighted(rng, STATUSES)
            original = task.deadline
            revised = original + datetime.timedelta(days=rng.choice([30, 60, 90])) if rng.random() < 0.1 else None
            effective = revised or original
            completed_on = None
            progress = rng.randint(0, 95)
            if status == "completed":
                progress = 100
                completed_on = min(today, effective + datetime.timedelta(days=rng.randint(-120, 60)),
                                   max(START, today - datetime.timedelta(days=rng.randint(0, 200))))
                completed_on = max(completed_on, START + datetime.timedelta(days=30))
            elif status == "not_started":
                progress = 0
            elif status == "pending_verification":
                progress = 100
            reports = plan_reports(rng, status=status, start=START, completed_on=completed_on, today=today)
            approved = [r for r in reports if r[1] == "approved"]
            batch.append(Assignment(
                task=task, organisation_id=org_id, role="lead" if rng.random() < 0.7 else "coordinating",
                status=status, progress=progress, start_date=START,
                original_deadline=original, revised_deadline=revised, completed_on=completed_on,
                self_rating=rng.choice(RATINGS) if approved else "",
                reports_received=len(approved), reports_on_time=sum(1 for r in approved if r[2]),
                last_report_on=max(r[3] for r in approved) if approved else None,
                status_reason="Tạm dừng theo chỉ đạo" if status == "cancelled" else "",
            ))
            planned.append(reports)
            if len(batch) >= 5000:
                Assignment.objects.bulk_create(batch, batch_size=5000)
                created += len(batch)
                batch = []
    if batch:
        Assignment.objects.bulk_create(batch, batch_size=5000)
        created += len(batch)
    analyze()  # fresh statistics for the timeliness pass (on PostgreSQL it otherwise plans for an empty table)
    say(f"{created} assignments")

    updated = refresh_timeliness(Assignment.objects.filter(task__plan=plan), today=today)
    say(f"timeliness computed for {updated} assignments (as of {today})")

    # Bring the reports to exactly --reports: drop returned ones, or add returned ones to approved periods.
    total = sum(len(rows) for rows in planned)
    natural = total
    if total > args.reports:
        for rows in planned:
            while total > args.reports and any(r[1] == "returned" for r in rows):
                rows.remove(next(r for r in rows if r[1] == "returned"))
                total -= 1
        for rows in planned:  # still too many: keep the oldest periods (a counter then overstates; rare)
            while total > args.reports and rows:
                rows.pop()
                total -= 1
    with_reports = [i for i, rows in enumerate(planned) if any(r[1] == "approved" for r in rows)]
    while total < args.reports and with_reports:
        rows = planned[rng.choice(with_reports)]
        period_end, _, _, submitted = rng.choice([r for r in rows if r[1] == "approved"])
        rows.append((period_end, "returned", None, submitted - datetime.timedelta(days=rng.randint(1, 5))))
        total += 1
    say(f"{natural} reports follow from the assignments' periods; {total} after adjusting to --reports")

    assignment_ids = list(Assignment.objects.filter(task__plan=plan).order_by("pk").values_list("pk", flat=True))
    assert len(assignment_ids) == len(planned)
    rows_out, made = [], 0
    text = "Đã triển khai các nội dung theo kế hoạch; đang hoàn thiện dự thảo."
    for assignment_id, rows in zip(assignment_ids, planned, strict=True):
        for period_end, status, on_time, submitted in sorted(rows):
            submitted_at = datetime.datetime.combine(submitted, datetime.time(9), tzinfo=datetime.UTC)
            rows_out.append(ProgressReport(
                assignment_id=assignment_id, period_end=period_end, progress=rng.randint(0, 100), text=text,
                self_rating=rng.choice(RATINGS), status=status, on_time=on_time, submitted_at=submitted_at,
                reviewed_at=submitted_at + datetime.timedelta(days=1),
                review_comment="Đề nghị bổ sung số liệu." if status == "returned" else "",
            ))
            made += 1
            if len(rows_out) >= 10_000:
                ProgressReport.objects.bulk_create(rows_out, batch_size=10_000)
                rows_out = []
                if made % 100_000 == 0:
                    say(f"  {made} reports")
    if rows_out:
        ProgressReport.objects.bulk_create(rows_out, batch_size=10_000)
    say(f"{made} reports inserted")
    analyze()
    say(f"done: plan id {plan.pk}, {len(tasks)} tasks, {created} assignments, {made} reports "
        f"({'VACUUM ANALYZE' if connection.vendor == 'postgresql' else 'ANALYZE'} run)")


if __name__ == "__main__":
    main()
