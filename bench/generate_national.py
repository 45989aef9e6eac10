"""Generate a national-volume dataset for the plan benchmarks.

    NQ57_DATA_DIR=/tmp/nq57-national .venv/bin/nq57 bootstrap       # map + demo accounts
    NQ57_DATA_DIR=/tmp/nq57-national .venv/bin/python bench/generate_national.py
    # PostgreSQL: prefix both with DATABASE_URL=postgres://postgres@127.0.0.1:5432/nq57national

Creates one plan owned by the Central Steering Committee with 7 groups, 1,000 tasks and 150,000
assignments spread over every active organisation of the map (~3,400 reporting units: ministries,
provinces, communes), and 1,000,000 progress reports, with believable spreads of status, progress,
deadlines (2025–2027), extensions and timeliness. Bulk inserts: this is load, not behaviour, so it
bypasses the service functions (and the audit trail) on purpose. Idempotent: an existing benchmark
plan is deleted first. Deterministic (fixed random seed).
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
from nq57.plans.models import Assignment, Plan, ProgressReport, Task, TaskGroup  # noqa: E402
from nq57.plans.timeliness import refresh_timeliness  # noqa: E402

PLAN_NUMBER = "BENCH/NQ57"
TODAY = datetime.date(2026, 11, 22)
STATUSES = [("not_started", 10), ("in_progress", 55), ("pending_verification", 5), ("completed", 27), ("cancelled", 3)]
RATINGS = ["green", "amber_green", "amber", "amber_red", "red"]


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--assignments", type=int, default=150_000)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=57)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()

    root = Organisation.objects.get(code="BCDTW")
    Plan.objects.filter(number=PLAN_NUMBER).delete()
    orgs = list(Organisation.objects.active().exclude(kind="category").values_list("pk", flat=True))
    print(f"{len(orgs)} active organisations")

    with transaction.atomic():
        plan = Plan.objects.create(kind="plan", number=PLAN_NUMBER, title="Kế hoạch đo hiệu năng quy mô quốc gia",
                                   issuer=root, owner=root, issued_on=datetime.date(2025, 1, 9))
        groups = TaskGroup.objects.bulk_create(
            [TaskGroup(plan=plan, code=code, title=f"Nhóm nhiệm vụ {code}", sort_order=i)
             for i, code in enumerate(["I", "II", "III", "IV", "V", "VI", "VII"])])
        tasks = []
        for n in range(1, args.tasks + 1):
            deadline = datetime.date(2025, 3, 31) + datetime.timedelta(days=rng.randint(0, 1000))
            tasks.append(Task(
                plan=plan, group=groups[n % 7], code=str(n), sort_order=n,
                title=f"Nhiệm vụ {n}: triển khai chuyển đổi số và đổi mới sáng tạo trong lĩnh vực {n % 40}",
                product_text=rng.choice(["Báo cáo", "Đề án", "Quyết định", "Nền tảng số", "Kế hoạch"]),
                deadline_text=f"{deadline.month}/{deadline.year}", deadline_kind="date", deadline=deadline,
                is_incomplete=rng.random() < 0.08,
            ))
        Task.objects.bulk_create(tasks, batch_size=1000)
    print(f"plan, groups and {len(tasks)} tasks in {time.monotonic() - started:.1f}s")

    per_task = max(1, args.assignments // len(tasks))
    batch = []
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
                completed_on = min(TODAY, effective + datetime.timedelta(days=rng.randint(-120, 60)))
            elif status == "not_started":
                progress = 0
            received = rng.randint(0, 8)
            batch.append(Assignment(
                task=task, organisation_id=org_id, role="lead" if rng.random() < 0.7 else "coordinating",
                status=status, progress=progress, start_date=datetime.date(2025, 1, 9),
                original_deadline=original, revised_deadline=revised, completed_on=completed_on,
                self_rating=rng.choice(RATINGS), reports_received=received,
                reports_on_time=rng.randint(0, received),
                last_report_on=TODAY - datetime.timedelta(days=rng.randint(0, 300)) if received else None,
                status_reason="Tạm dừng theo chỉ đạo" if status == "cancelled" else "",
            ))
            if len(batch) >= 5000:
                Assignment.objects.bulk_create(batch, batch_size=5000)
                created += len(batch)
                batch = []
    if batch:
        Assignment.objects.bulk_create(batch, batch_size=5000)
        created += len(batch)
    print(f"{created} assignments in {time.monotonic() - started:.1f}s")

    updated = refresh_timeliness(Assignment.objects.filter(task__plan=plan), today=TODAY)
    print(f"timeliness computed for {updated} assignments in {time.monotonic() - started:.1f}s")

    assignment_ids = list(Assignment.objects.filter(task__plan=plan).values_list("pk", flat=True))
    reports, made = [], 0
    quarter_ends = [datetime.date(2025, 3, 31), datetime.date(2025, 6, 30), datetime.date(2025, 9, 30),
                    datetime.date(2025, 12, 31), datetime.date(2026, 3, 31), datetime.date(2026, 6, 30),
                    datetime.date(2026, 9, 30)]
    while made < args.reports:
        assignment_id = rng.choice(assignment_ids)
        period_end = rng.choice(quarter_ends)
        reports.append(ProgressReport(
            assignment_id=assignment_id, period_end=period_end, progress=rng.randint(0, 100),
            text="Đã triển khai các nội dung theo kế hoạch; đang hoàn thiện dự thảo.",
            self_rating=rng.choice(RATINGS), status="approved", on_time=rng.random() < 0.8,
        ))
        made += 1
        if len(reports) >= 10_000:
            ProgressReport.objects.bulk_create(reports, batch_size=10_000)
            reports = []
            if made % 100_000 == 0:
                print(f"  {made} reports in {time.monotonic() - started:.1f}s")
    if reports:
        ProgressReport.objects.bulk_create(reports, batch_size=10_000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"done: plan id {plan.pk}, {created} assignments, {made} reports in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
