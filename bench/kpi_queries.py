"""KPI index at national volume: roll-up, index page and XLSX upload timings, in-process.

Run against a database prepared by bench/kpi_generate.py (1,000,000 values), with the project's Python and the
same NQ57_DATA_DIR / DATABASE_URL:

    NQ57_DATA_DIR=/tmp/nq57-kpi .venv/bin/python bench/kpi_queries.py --json bench/results/kpi-sqlite.json
    NQ57_DATA_DIR=/tmp/nq57-kpi-pg DATABASE_URL=postgres://postgres@127.0.0.1:5432/nq57kpi \
        .venv/bin/python bench/kpi_queries.py --json bench/results/kpi-postgresql.json

Measures, one at a time, after warming up:
(a) the national roll-up of one indicator for one period across all ~3,466 reporting organisations,
    `rollups.live_rollup(indicator, BCDTW, latest quarter)`, round-robin over the 40 benchmark indicators
    (16 ratios, 8 sums, 8 weighted means, 8 min/max); target p95 ≤ 200 ms;
(b) the KPI index page GET /indicators/ for the national standing office (`vanphong`) through Django's test
    client (the stored roll-ups computed by kpi_generate.py); target p95 ≤ 300 ms; its SQL queries counted;
(c) an XLSX upload of 10,000 rows through `xlsx.read_upload`, by Lạng Sơn's focal officer (`langson.canbo`):
    400 monthly indicators × 25 months, the template built by `xlsx.build_template` and filled with openpyxl,
    uploaded once with "submit" (each row saved and submitted through `actions.save_value`), then the same
    file again (every row unchanged); target ≤ 30 s. Those 400 indicators, their values, notifications and
    audit rows are deleted afterwards (--keep-upload keeps them).
"""

import argparse
import datetime
import io
import json
import os
import statistics
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
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from nq57.audit.models import AuditEvent  # noqa: E402
from nq57.indicators import periods, rollups, xlsx  # noqa: E402
from nq57.indicators.models import Indicator, IndicatorValue, ReportingObligation  # noqa: E402
from nq57.notifications.models import Notification  # noqa: E402
from nq57.orgs.models import Organisation  # noqa: E402

BENCH_MARK = "bench/kpi_generate.py"
UPLOAD_MARK = "bench/kpi_queries.py"
UPLOAD_INDICATORS, UPLOAD_MONTHS = 400, 25


class QueryCounter:
    """Counts the statements run (the query log of CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def percentiles(samples):
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 1), "p95": round(p95, 1),
            "max": round(ordered[-1], 1)}


def measure_rollup(rounds):
    indicators = list(Indicator.objects.filter(data_source=BENCH_MARK).order_by("code"))
    if not indicators:
        sys.exit("No benchmark indicators: run bench/kpi_generate.py first.")
    root = Organisation.objects.get(code="BCDTW")
    period_end = (IndicatorValue.objects.filter(indicator=indicators[0]).order_by("-period_end")
                  .values_list("period_end", flat=True).first())
    for indicator in indicators:  # warm-up: one call each
        rollups.live_rollup(indicator, root, period_end)
    samples, by_rule, counts = [], {}, {}
    for number in range(rounds):
        indicator = indicators[number % len(indicators)]
        began = time.perf_counter()
        result = rollups.live_rollup(indicator, root, period_end)
        ms = (time.perf_counter() - began) * 1000
        samples.append(ms)
        by_rule.setdefault(indicator.aggregation, []).append(ms)
        counts[indicator.aggregation] = result.count
    return {"period_end": period_end.isoformat(), "all": percentiles(samples),
            "by_rule": {rule: percentiles(values) | {"organisations": counts[rule]}
                        for rule, values in by_rule.items()}}


def measure_index(rounds, login):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=login))
    for _ in range(5):
        response = client.get("/indicators/")
        if response.status_code != 200:
            sys.exit(f"/indicators/ answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/indicators/")
    # Read now: the next request empties the connection's query log.
    queries, sql_ms = len(captured), sum(float(q["time"]) for q in captured.captured_queries) * 1000
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        response = client.get("/indicators/")
        samples.append((time.perf_counter() - began) * 1000)
    return {"login": login, "queries": queries, "sql_ms": round(sql_ms, 1),
            "html_kb": round(len(response.content) / 1024, 1),
            "indicators": Indicator.objects.filter(is_active=True).count(), "timing": percentiles(samples),
            "slowest_queries": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:300]} for q in slowest]}


def upload_setup(organisation, today):
    """UPLOAD_INDICATORS monthly indicators owed by `organisation` for the last UPLOAD_MONTHS months."""
    last = periods.previous_period(periods.period_containing(today, "month"))
    months = [last]
    while len(months) < UPLOAD_MONTHS:
        months.insert(0, periods.previous_period(months[0]))
    owner = Organisation.objects.get(code="BKHCN")
    Indicator.objects.bulk_create([
        Indicator(code=f"X{n:03d}", name=f"Chỉ tiêu tải lên đo hiệu năng {n}", owner=owner, unit="%",
                  value_type="percentage", frequency="month", aggregation="weighted_mean", level="province",
                  layer="operational", data_source=UPLOAD_MARK, sort_order=5000 + n)
        for n in range(1, UPLOAD_INDICATORS + 1)])
    indicators = list(Indicator.objects.filter(data_source=UPLOAD_MARK))
    ReportingObligation.objects.bulk_create([
        ReportingObligation(indicator=i, organisation=organisation, starts_on=months[0].start) for i in indicators])
    return months


def upload_cleanup(started_at):
    indicators = Indicator.objects.filter(data_source=UPLOAD_MARK)
    value_ids = [str(pk) for pk in IndicatorValue.objects.filter(indicator__in=indicators).values_list("pk", flat=True)]
    with transaction.atomic():
        Notification.objects.filter(created_at__gte=started_at, kind="value_submitted").delete()
        for start in range(0, len(value_ids), 5000):
            AuditEvent.objects.filter(content_type__model="indicatorvalue",
                                      object_id__in=value_ids[start:start + 5000]).delete()
        for queryset in (IndicatorValue.objects.filter(indicator__in=indicators),
                         ReportingObligation.objects.filter(indicator__in=indicators)):
            queryset._raw_delete(queryset.db)
        indicators.delete()


def measure_upload(login, keep):
    import openpyxl
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=login)
    organisation = Organisation.objects.get(code="P20")
    today = timezone.localdate()
    started_at = timezone.now()
    upload_cleanup(started_at - datetime.timedelta(days=3650)) if not keep else None
    months = upload_setup(organisation, today)
    try:
        began = time.perf_counter()
        content = xlsx.build_template(organisation, periods=months, today=today, lang="vi")
        template_s = time.perf_counter() - began
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        sheet = workbook[xlsx.DATA_SHEET]
        columns = {sheet.cell(xlsx.KEY_ROW, c).value: c for c in range(1, sheet.max_column + 1)}
        filled = 0
        for row in range(xlsx.FIRST_DATA_ROW, sheet.max_row + 1):
            if sheet.cell(row, columns["indicator_id"]).value is None:
                continue
            sheet.cell(row, columns["value"]).value = 40 + row % 20
            filled += 1
        out = io.BytesIO()
        workbook.save(out)
        data = out.getvalue()
        runs = []
        for label, submit in (("first upload, submitted", True), ("same file again, unchanged", True)):
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                began = time.perf_counter()
                result = xlsx.read_upload(data, organisation, actor=user, submit=submit, today=today)
                seconds = time.perf_counter() - began
            runs.append({"label": label, "seconds": round(seconds, 2), "rows": len(result.rows),
                         "queries": counter.count,
                         "outcomes": dict(result.counts)})
        return {"login": login, "organisation": organisation.code, "rows_filled": filled,
                "file_kb": round(len(data) / 1024), "template_seconds": round(template_s, 2), "runs": runs}
    finally:
        if not keep:
            upload_cleanup(started_at)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rollup-rounds", type=int, default=400, help="live roll-ups measured (default 400)")
    parser.add_argument("--index-rounds", type=int, default=100, help="index page requests measured (default 100)")
    parser.add_argument("--login", default="vanphong", help="the national user of the index page")
    parser.add_argument("--upload-login", default="langson.canbo", help="the officer who uploads (P20)")
    parser.add_argument("--skip", choices=["rollup", "index", "upload"], action="append", default=[])
    parser.add_argument("--keep-upload", action="store_true", help="keep the upload's indicators and values")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if not (1 <= args.rollup_rounds <= 100_000 and 1 <= args.index_rounds <= 10_000):
        parser.error("rounds out of range")

    # The test client's host, and static URLs without collectstatic's manifest (the server has its own).
    override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], DEBUG=False, STORAGES={
        **settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
    ).enable()
    results = {"benchmark": "kpi_queries", "database": connection.vendor,
               "values": IndicatorValue.objects.count(), "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
               "load_before": os.getloadavg()}
    print(f"{connection.vendor}: {results['values']:,} indicator values", flush=True)
    if "rollup" not in args.skip:
        results["rollup"] = rollup = measure_rollup(args.rollup_rounds)
        print(f"(a) live national roll-up, {rollup['period_end']}: {rollup['all']}", flush=True)
        for rule, figures in rollup["by_rule"].items():
            print(f"      {rule:<14} {figures}", flush=True)
    if "index" not in args.skip:
        results["index"] = index = measure_index(args.index_rounds, args.login)
        print(f"(b) GET /indicators/ as {args.login}: {index['timing']}, {index['queries']} queries, "
              f"({index['sql_ms']} ms of SQL), {index['html_kb']} kB, {index['indicators']} indicators", flush=True)
        for query in index["slowest_queries"]:
            print(f"      {query['ms']} ms  {query['sql'][:160]}", flush=True)
    if "upload" not in args.skip:
        results["upload"] = upload = measure_upload(args.upload_login, args.keep_upload)
        print(f"(c) XLSX upload by {args.upload_login}: {upload['rows_filled']:,} rows, {upload['file_kb']} kB "
              f"(template built in {upload['template_seconds']} s)", flush=True)
        for run in upload["runs"]:
            print(f"      {run['label']}: {run['seconds']} s, {run['queries']:,} queries, {run['outcomes']}",
                  flush=True)
    results["load_after"] = os.getloadavg()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
