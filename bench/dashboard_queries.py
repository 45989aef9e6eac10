"""Dashboards, rankings, early warnings and the six-month report at national volume, in-process.

Run against a database prepared by bench/dashboard_generate.py (150,000 assignments, 1,000,000 progress reports,
1,000,000 KPI values, 1,000,000 submissions), with the project's Python and the same environment:

    NQ57_DATA_DIR=/tmp/nq57-dash-sqlite .venv/bin/python bench/dashboard_queries.py \
        --json bench/results/dashboard-sqlite.json
    NQ57_DATA_DIR=/tmp/nq57-dash-pg DATABASE_URL=postgres://postgres@127.0.0.1:5432/nq57dash \
        .venv/bin/python bench/dashboard_queries.py --json bench/results/dashboard-postgresql.json
    # one part only: --only figures / pages / report (repeatable); fewer rounds: --rounds 20
    # --cache-seconds 900: figures.cached_org_figures keeps the table of every organisation (as in production);
    # --live: the dashboard's own per-scope cache off too, so that every request computes everything

Measures, one request at a time, through Django's test client (DEBUG off, no server, no network), logged in as
the national standing office `vanphong` (VIEW on the whole country), after --warmup requests of each page:

- figures: `figures.org_figures` alone, for the country, the 34 provinces, the ministries, the communes of the
  largest province and all 3,321 communes (what the pages below are built on), with its SQL queries;
- pages, each with p50 / p95 / max over --rounds requests, its SQL queries counted on one more request, and
  that request's slowest queries:
  (1) the national dashboard `/dashboards/` (target p95 ≤ 500 ms);
  (2) a province's dashboard `/dashboards/?scope=<Lạng Sơn>` — the same number of queries as (1) is expected;
  (3) the rankings of the provinces `/dashboards/rankings/?peers=provinces` and of the communes of the largest
      province `/dashboards/rankings/?peers=communes&within=<pk>`;
  (4) the early warnings `/dashboards/warnings/`;
- report: the generation time of a national six-month report (`nq57.reports.tasks.run_report` on a Report for
  the root organisation, 2026-01-01 … 2026-06-30, Vietnamese), run synchronously, --report-runs times (target
  ≤ 60 s); the reports made are deleted afterwards with their files.

The dashboard page keeps each scope's computed data in the shared "dashboards" cache (NQ57_DASHBOARD_CACHE_SECONDS,
1,800 s by default; the worker recomputes the nation, the ministries and the provinces every
NQ57_DASHBOARD_REFRESH_MINUTES): its first request (reported as `first_ms`) computes, the measured ones read the
cache; --live measures the computation itself. A page that does not exist yet (404) or fails is reported as such, and the others go on.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
import traceback
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nq57.settings")

import django  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from nq57.dashboards.figures import cache_seconds, cached_org_figures, default_window, org_figures  # noqa: E402
from nq57.orgs.models import CENTRAL_AGENCY_KINDS, COMMUNE_KINDS, PROVINCE_KINDS, Organisation  # noqa: E402

LOGIN = "vanphong"
PROVINCE_CODE = "P20"  # Lạng Sơn: the demo province
REPORT_PERIOD = (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))


def percentiles(samples):
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 1), "p95": round(p95, 1),
            "max": round(ordered[-1], 1)}


def slowest(captured, n=3):
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:n]
    return [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:400]} for q in queries]


def say(message):
    print(message, flush=True)


# --- figures -------------------------------------------------------------------------------------------------


def measure_figures(rounds):
    today = timezone.localdate()
    start, end = default_window(today)
    root = Organisation.objects.get(code="BCDTW")
    active = Organisation.objects.active(today)
    provinces = list(active.filter(kind__in=PROVINCE_KINDS).order_by("path"))
    largest = largest_province()
    sets = {
        "country": [root],
        "provinces (34)": provinces,
        "country + provinces": [root, *provinces],
        "ministries": list(active.filter(kind__in=CENTRAL_AGENCY_KINDS).order_by("path")),
        f"communes of {largest.code}": list(active.filter(kind__in=COMMUNE_KINDS, path__startswith=largest.path)),
        "communes (all)": list(active.filter(kind__in=COMMUNE_KINDS)),
    }
    results = {}
    for name, organisations in sets.items():
        org_figures(organisations, today=today, window_start=start, window_end=end)  # warm-up
        with CaptureQueriesContext(connection) as captured:
            figures = org_figures(organisations, today=today, window_start=start, window_end=end)
        queries, queries_slowest = len(captured), slowest(captured, 7)
        samples = []
        for _ in range(rounds):
            began = time.perf_counter()
            org_figures(organisations, today=today, window_start=start, window_end=end)
            samples.append((time.perf_counter() - began) * 1000)
        first = figures[organisations[0].pk]
        results[name] = {"organisations": len(organisations), "queries": queries, "timing": percentiles(samples),
                         "queries_by_time": queries_slowest,
                         "first": {k: v for k, v in first.as_dict().items() if k != "organisation_id"}}
        say(f"  figures {name}: {results[name]['timing']} ms, {queries} queries")
    if cache_seconds():
        # The table of every organisation, computed once, then read by every set.
        began = time.perf_counter()
        cached_org_figures(sets["country"], today=today, window_start=start, window_end=end)
        results["cached: the table of every organisation, computed"] = {
            "seconds": round(time.perf_counter() - began, 2)}
        for name, organisations in sets.items():
            samples = []
            for _ in range(rounds):
                began = time.perf_counter()
                cached_org_figures(organisations, today=today, window_start=start, window_end=end)
                samples.append((time.perf_counter() - began) * 1000)
            results[f"cached: {name}"] = {"timing": percentiles(samples)}
            say(f"  cached_org_figures {name}: {percentiles(samples)} ms")
    return {"window": [start.isoformat(), end.isoformat()], "sets": results}


# --- pages ---------------------------------------------------------------------------------------------------


def largest_province():
    return (Organisation.objects.active().filter(kind__in=PROVINCE_KINDS)
            .annotate(n=Count("children", filter=Q(children__kind__in=COMMUNE_KINDS)))
            .order_by("-n", "path").first())


def page_list():
    province = Organisation.objects.get(code=PROVINCE_CODE)
    largest = largest_province()
    return [
        ("dashboard, national", "/dashboards/"),
        (f"dashboard, province {province.code}", f"/dashboards/?scope={province.pk}"),
        ("rankings, provinces", "/dashboards/rankings/?peers=provinces"),
        (f"rankings, communes of {largest.code} ({largest.children.filter(kind__in=COMMUNE_KINDS).count()})",
         f"/dashboards/rankings/?peers=communes&within={largest.pk}"),
        ("early warnings, national", "/dashboards/warnings/"),
    ]


def measure_page(client, url, rounds, warmup):
    with CaptureQueriesContext(connection) as first:  # cold: nothing cached yet for this page
        began = time.perf_counter()
        response = client.get(url)
        first_ms = (time.perf_counter() - began) * 1000
    if response.status_code != 200:
        return {"url": url, "status": response.status_code, "first_ms": round(first_ms, 1)}
    first_queries, first_slowest = len(first), slowest(first, 8)
    for _ in range(warmup - 1):
        client.get(url)
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        response = client.get(url)
        counted_ms = (time.perf_counter() - began) * 1000
    queries, sql_ms = len(captured), sum(float(q["time"]) for q in captured.captured_queries) * 1000
    queries_slowest = slowest(captured, 5)
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - began) * 1000)
    return {"url": url, "status": 200, "first_ms": round(first_ms, 1), "first_queries": first_queries,
            "first_slowest_queries": first_slowest,
            "queries": queries,
            "sql_ms": round(sql_ms, 1), "request_with_query_log_ms": round(counted_ms, 1),
            "html_kb": round(len(response.content) / 1024, 1), "timing": percentiles(samples),
            "slowest_queries": queries_slowest}


def measure_pages(rounds, warmup, only=()):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=LOGIN))
    results = {}
    for name, url in page_list():
        if only and not any(name.startswith(prefix) for prefix in only):
            continue
        try:
            results[name] = measure_page(client, url, rounds, warmup)
        except Exception as exc:  # a page being written by someone else: report it and go on
            results[name] = {"url": url, "error": repr(exc), "traceback": traceback.format_exc()[-2000:]}
        row = results[name]
        say(f"  {name}: " + (f"{row['timing']} ms, {row['queries']} queries; first request {row['first_ms']} ms, "
                             f"{row['first_queries']} queries"
                             if "timing" in row else f"status {row.get('status')} {row.get('error', '')}"))
    return results


# --- the six-month report ----------------------------------------------------------------------------------------


def measure_report(runs):
    try:
        from nq57.reports.models import Report
        from nq57.reports.tasks import run_report
    except ImportError as exc:
        say(f"  report: skipped ({exc})")
        return {"skipped": repr(exc)}
    root = Organisation.objects.get(code="BCDTW")
    results = []
    for _ in range(runs):
        report = Report.objects.create(scope=root, period_kind="half", period_start=REPORT_PERIOD[0],
                                       period_end=REPORT_PERIOD[1], language="vi")  # no requester: no notification
        try:
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                run_report(report.pk)
                seconds = time.perf_counter() - began
            report.refresh_from_db()
            sizes = {name: getattr(report, name).size for name in ("docx", "pdf", "xlsx") if getattr(report, name)}
            results.append({"seconds": round(seconds, 2), "status": report.status, "error": report.error[:500],
                            "queries": len(captured), "slowest_queries": slowest(captured, 5), "bytes": sizes})
            say(f"  report: {seconds:.1f} s, status {report.status}, {len(captured)} queries, files {sizes}")
        except Exception as exc:
            results.append({"error": repr(exc), "traceback": traceback.format_exc()[-2000:]})
            say(f"  report: failed {exc!r}")
        finally:
            for name in ("docx", "pdf", "xlsx"):
                stored = getattr(report, name)
                if stored:
                    stored.delete(save=False)
            report.delete()
    return {"period": [d.isoformat() for d in REPORT_PERIOD], "runs": results}


def volumes():
    from nq57.feedback.models import Submission
    from nq57.indicators.models import IndicatorRollup, IndicatorValue
    from nq57.plans.models import Assignment, ProgressReport

    return {model.__name__: model.objects.count()
            for model in (Assignment, ProgressReport, IndicatorValue, IndicatorRollup, Submission, Organisation)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--figures-rounds", type=int, default=10)
    parser.add_argument("--report-runs", type=int, default=1)
    parser.add_argument("--only", action="append", choices=["figures", "pages", "report"])
    parser.add_argument("--page", action="append", default=[], choices=["dashboard", "rankings", "early"],
                        help="only the pages whose name starts so (repeatable)")
    parser.add_argument("--cache-seconds", type=int, default=0,
                        help="NQ57_FIGURES_CACHE_SECONDS for the run (0: figures.cached_* compute every time)")
    parser.add_argument("--live", action="store_true",
                        help="also turn the dashboard's own cache off (NQ57_DASHBOARD_CACHE_SECONDS=0): every "
                             "request computes everything")
    parser.add_argument("--rankings-from-cache", action="store_true",
                        help="kept for older commands: the rankings page now reads figures.cached_org_figures "
                             "itself (use --cache-seconds)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    parts = args.only or ["figures", "pages", "report"]
    # The test client's host, and static URLs without collectstatic's manifest (the server has its own).
    override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], DEBUG=False, STORAGES={
        **settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
        NQ57_FIGURES_CACHE_SECONDS=args.cache_seconds,
        **({"NQ57_DASHBOARD_CACHE_SECONDS": 0} if args.live else {}),
    ).enable()
    for alias in settings.CACHES:  # cold: the first request of each page computes
        caches[alias].clear()
    result = {"database": connection.vendor, "started": timezone.now().isoformat(), "cache_seconds": args.cache_seconds,
              "dashboard_cache_seconds": getattr(settings, "NQ57_DASHBOARD_CACHE_SECONDS", None),
              "rankings_from_cache": args.rankings_from_cache,
              "load_average_before": os.getloadavg(), "volumes": volumes()}
    say(f"{connection.vendor}: {result['volumes']}")
    if "figures" in parts:
        say("figures.org_figures:")
        result["figures"] = measure_figures(args.figures_rounds)
    if "pages" in parts:
        say(f"pages ({args.rounds} requests each after {args.warmup} warm-up):")
        result["pages"] = measure_pages(args.rounds, args.warmup, args.page)
    if "report" in parts:
        say("national six-month report:")
        result["report"] = measure_report(args.report_runs)
    result["load_average_after"] = os.getloadavg()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        say(f"written {args.json}")


if __name__ == "__main__":
    main()
