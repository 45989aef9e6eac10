"""SQL queries per plan page, counted in-process (Django's test client + CaptureQueriesContext).

Counts the queries each page of bench/plan_pages.py makes, for the national benchmark plan ("BENCH/NQ57",
150,000 assignments) and for the demo programme (03/NQ-CP, 140 tasks), and for the first and a deep page
of the task list, so that a count which grows with the data shows up as a difference. Run it with the
project's Python against the same database as the server (same NQ57_DATA_DIR / DATABASE_URL):

    NQ57_DATA_DIR=/tmp/nq57-national-sqlite .venv/bin/python bench/plan_queries.py
    NQ57_DATA_DIR=/tmp/nq57-national-pg DATABASE_URL=postgres://postgres@127.0.0.1:5432/nq57national \
        .venv/bin/python bench/plan_queries.py --json bench/results/plan_queries-postgresql.json

With --slowest N, also prints the N slowest queries of each page of the benchmark plan (for profiling).
bench/plan_pages.py runs this script itself after its timings (unless --no-queries). Read-only.
"""

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nq57.settings")

import django  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from nq57.plans.models import Plan, TaskGroup  # noqa: E402

BENCH_PLAN = "BENCH/NQ57"
DEMO_PLAN = "03/NQ-CP"


def pages(plan):
    """(label, path) of the pages bench/plan_pages.py times, for `plan`, plus a deep page of the list."""
    group = TaskGroup.objects.filter(plan=plan).order_by("sort_order", "code")[2:3].first()  # the third group
    base = f"/plans/{plan.pk}/"
    return [
        ("plan overview", base),
        ("task list, no filter", base + "tasks/"),
        ("task list, no filter, page 50", base + "tasks/?page=50"),
        ("task list, overdue", base + "tasks/?view=assignments&timeliness=overdue"),
        ("task list, Lạng Sơn in progress", base + "tasks/?view=assignments&agency=P20&status=in_progress"),
        ("task list, text + group", base + f"tasks/?q=chuyen+doi+so&group={group.pk if group else ''}"),
        ("task list per task, overdue", base + "tasks/?view=tasks&timeliness=overdue"),
        ("scorecard, whole country", base + "scorecard/"),
    ]


def count(client, path, slowest=0):
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        response = client.get(path)
        ms = (time.perf_counter() - began) * 1000
    if response.status_code != 200:
        sys.exit(f"{path} answered {response.status_code}")
    slow = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:slowest]
    return len(captured), ms, slow


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--login", default="vanphong", help="the user whose pages are counted (default vanphong)")
    parser.add_argument("--slowest", type=int, default=0, help="print the N slowest queries per page")
    parser.add_argument("--json", type=Path, help="also write the counts to this file")
    args = parser.parse_args()
    if not 0 <= args.slowest <= 50:
        parser.error("--slowest must be 0–50")

    from django.contrib.auth import get_user_model

    # The test client's host, and static URLs without collectstatic's manifest (the server has its own).
    override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], STORAGES={
        **settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
    ).enable()
    client = Client()
    client.force_login(get_user_model().objects.get(username=args.login))
    plans = [(label, Plan.objects.filter(number=number).order_by("pk").last())
             for label, number in (("national", BENCH_PLAN), ("demo", DEMO_PLAN))]
    results = {}
    for plan_label, plan in plans:
        if plan is None:
            print(f"({plan_label} plan not in this database)")
            continue
        for label, path in pages(plan):
            count(client, path)  # warm: the first request of a process loads templates, translations…
            queries, ms, slow = count(client, path, args.slowest if plan_label == "national" else 0)
            results.setdefault(label, {})[plan_label] = {"queries": queries, "ms": round(ms, 1), "path": path}
            for query in slow:
                print(f"  {plan_label} {label}: {float(query['time']) * 1000:.1f} ms  {query['sql'][:600]}")
    width = max(len(label) for label in results)
    print(f"{'page':<{width}}  queries (national plan / demo plan)")
    for label, by_plan in results.items():
        cells = " / ".join(str(by_plan[p]["queries"]) if p in by_plan else "—" for p in ("national", "demo"))
        print(f"{label:<{width}}  {cells}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"benchmark": "plan_queries", "database": connection.vendor,
                                         "login": args.login, "results": results}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
