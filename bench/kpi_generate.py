"""Generate a national-volume KPI dataset: 1,000,000 indicator values, for the KPI benchmarks.

    NQ57_DATA_DIR=/tmp/nq57-kpi .venv/bin/nq57 bootstrap            # map, demo accounts and demo KPI index
    NQ57_DATA_DIR=/tmp/nq57-kpi .venv/bin/python bench/kpi_generate.py
    # PostgreSQL: createdb -h 127.0.0.1 -U postgres nq57kpi, then prefix both commands with
    # DATABASE_URL=postgres://postgres@127.0.0.1:5432/nq57kpi

Creates 40 quarterly indicators owned by the Central Steering Committee (BCDTW), marked by their data source
"bench/kpi_generate.py": 16 ratios (numerator and denominator), 8 sums, 8 weighted means, 4 minimums and 4
maximums, each with a 2024 baseline and a 2030 target. Every active organisation of the map (~3,466: ministries,
provinces, departments, communes; categories left out) owes every indicator from 2025-Q1, and reports every
quarter that ended before --today (default 2026-11-22: 2025-Q1 … 2026-Q3, 7 quarters): 40 × 3,466 × 7 = 970,480
current values. All earlier quarters are approved; the last one is 90 % approved, the rest submitted, drafts
or returned. The rest of the million are corrections: an older version, superseded by the current one (which
points to it). Then the stored roll-ups of the 40 indicators are computed by the application's own
`rollups.refresh_indicator` (≈ 3,500 scopes × 7 quarters each).

Bulk inserts (COPY on PostgreSQL, one prepared INSERT run with executemany on SQLite): this is load, not
behaviour, so it bypasses the service functions and the audit trail on purpose. All organisations report at
one level here, so a province's roll-up adds its own value to its communes': the volume is what is measured,
not the meaning. Idempotent: earlier benchmark indicators are deleted first, table by table. Deterministic
(fixed seed). Ends with ANALYZE (PostgreSQL: VACUUM ANALYZE) so the queries are measured with statistics.
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

from _bulk import Writer  # noqa: E402
from nq57.indicators import periods, rollups  # noqa: E402
from nq57.indicators.queries import refresh_search_text  # noqa: E402
from nq57.indicators.models import (Baseline, Indicator, IndicatorRollup, IndicatorValue,  # noqa: E402
                                    ReportingObligation, Target)
from nq57.orgs.models import Organisation  # noqa: E402

MARK = "bench/kpi_generate.py"  # the data source of the benchmark indicators: how they are found again
START = datetime.date(2025, 1, 1)
BASELINE_DATE = datetime.date(2024, 12, 31)
RULES = ["ratio"] * 16 + ["sum"] * 8 + ["weighted_mean"] * 8 + ["min"] * 4 + ["max"] * 4
VALUE_TYPES = {"ratio": "percentage", "sum": "count", "weighted_mean": "index", "min": "amount", "max": "amount"}
SUBJECTS = ["Tỉ lệ hồ sơ trực tuyến", "Số nền tảng số vận hành", "Chỉ số chuyển đổi số", "Thời gian xử lý hồ sơ",
            "Tỉ lệ thanh toán không dùng tiền mặt", "Số cơ sở dữ liệu kết nối", "Mức độ hài lòng",
            "Tỉ lệ văn bản điện tử"]
LAST_ROUND = [("approved", 90), ("submitted", 5), ("draft", 3), ("returned", 2)]
BATCH = 50_000


def say(started, message):
    print(f"[{time.monotonic() - started:6.1f} s] {message}", flush=True)


def analyze():
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def delete_benchmark_indicators():
    """Delete earlier benchmark indicators table by table: the ORM's cascade would load a million values."""
    indicators = Indicator.objects.filter(data_source=MARK)
    if not indicators.exists():
        return False
    with transaction.atomic():
        for queryset in (IndicatorRollup.objects.filter(indicator__in=indicators),
                         IndicatorValue.objects.filter(indicator__in=indicators, supersedes__isnull=False),
                         IndicatorValue.objects.filter(indicator__in=indicators),
                         ReportingObligation.objects.filter(indicator__in=indicators),
                         Baseline.objects.filter(indicator__in=indicators),
                         Target.objects.filter(indicator__in=indicators)):
            queryset._raw_delete(queryset.db)
        indicators.delete()
    return True


class Adapt:
    """Database forms of dates and times, computed once per distinct value (a handful of each)."""

    def __init__(self):
        self.dates, self.times = {}, {}

    def date(self, day):
        if day not in self.dates:
            self.dates[day] = connection.ops.adapt_datefield_value(day)
        return self.dates[day]

    def time(self, day, hour):
        key = (day, hour)
        if key not in self.times:
            at = datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)
            self.times[key] = connection.ops.adapt_datetimefield_value(at)
        return self.times[key]


def create_indicators(root, rng):
    indicators = []
    for number, rule in enumerate(RULES, start=1):
        indicators.append(Indicator(
            code=f"B{number:02d}", name=f"{rng.choice(SUBJECTS)} (chỉ tiêu đo hiệu năng {number})", owner=root,
            unit="%" if rule == "ratio" else "", value_type=VALUE_TYPES[rule], frequency="quarter", aggregation=rule,
            level="commune", layer="operational", data_source=MARK, sort_order=1000 + number))
    Indicator.objects.bulk_create(indicators)
    indicators = list(Indicator.objects.filter(data_source=MARK).order_by("code"))
    refresh_search_text(indicators)
    targets, baselines = [], []
    for indicator in indicators:
        base = {"ratio": 45, "sum": 20, "weighted_mean": 50, "min": 10, "max": 80}[indicator.aggregation]
        baselines.append(Baseline(indicator=indicator, value=base, as_of=BASELINE_DATE, source=MARK))
        # A sum's national target is the sum over every organisation (about 3,466 × 30).
        aim = 30 * 3466 if indicator.aggregation == "sum" else base + 35
        targets.append(Target(indicator=indicator, year=2030, comparator="gte", value=aim, text=f"≥ {aim}"))
    Baseline.objects.bulk_create(baselines)
    Target.objects.bulk_create(targets)
    return indicators


def value_row(rng, indicator, organisation_id, period, status, version, is_current, supersedes_id, adapt, quarter):
    """One IndicatorValue row in VALUE_COLUMNS order."""
    rule = indicator.aggregation
    numerator = denominator = weight = None
    drift = 1 + 0.06 * quarter
    if rule == "ratio":
        denominator = rng.randint(200, 5000)
        share = min(99.0, max(1.0, (45 + rng.gauss(0, 12)) * drift))
        numerator = round(denominator * share / 100)
        value = f"{numerator / denominator * 100:.6f}"
        numerator, denominator = str(numerator), str(denominator)
    elif rule == "sum":
        value = str(max(0, int(rng.gauss(20, 8) * drift)))
    elif rule == "weighted_mean":
        value = f"{min(100.0, max(0.0, rng.gauss(50, 15) * drift)):.2f}"
        weight = str(rng.randint(1, 500))
    else:
        value = f"{max(0.0, rng.gauss(45, 20) * drift):.2f}"
    due = periods.due_date(period, indicator.due_days)
    draft = status == "draft"
    late = rng.random() < 0.12
    submitted = due + datetime.timedelta(days=rng.randint(6, 40) if late else -rng.randint(0, 12))
    reviewed = submitted + datetime.timedelta(days=rng.randint(1, 6))
    reviewed_at = adapt.time(reviewed, 10) if status in ("approved", "returned", "superseded") else None
    submitted_at = None if draft else adapt.time(submitted, 9)
    written = adapt.time(period.end, 8)
    return (indicator.pk, organisation_id, "", adapt.date(period.start), adapt.date(period.end), value, numerator,
            denominator, weight, "", False, "", "", "", "[]", "", status, version, is_current, supersedes_id,
            "Điều chỉnh theo số liệu chính thức" if supersedes_id else "",
            "Đề nghị kiểm tra lại số liệu." if status == "returned" else "", "web",
            None if draft else adapt.date(due), None if draft else not late, None, None, None, submitted_at,
            reviewed_at, submitted_at or written, reviewed_at or submitted_at or written)


VALUE_COLUMNS = [f.column for f in IndicatorValue._meta.concrete_fields if not f.primary_key]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=57)
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=datetime.date(2026, 11, 22),
                        help="the day the quarters are counted to (default 2026-11-22)")
    parser.add_argument("--no-rollups", action="store_true", help="do not compute the stored roll-ups")
    args = parser.parse_args()
    assert VALUE_COLUMNS == [
        "indicator_id", "organisation_id", "series", "period_start", "period_end", "value", "numerator",
        "denominator", "weight", "progress", "not_available", "not_available_reason", "self_rating", "note", "flags",
        "flag_note", "status", "version", "is_current", "supersedes_id", "correction_reason", "review_comment",
        "source", "due_on", "submitted_on_time", "created_by_id", "submitted_by_id", "reviewed_by_id",
        "submitted_at", "reviewed_at", "created_at", "updated_at"], "IndicatorValue changed: update value_row()"
    rng = random.Random(args.seed)
    started = time.monotonic()
    say(started, f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    if delete_benchmark_indicators():
        analyze()
        say(started, "deleted the earlier benchmark indicators")
    root = Organisation.objects.get(code="BCDTW")
    orgs = list(Organisation.objects.active().exclude(kind="category").order_by("pk").values_list("pk", flat=True))
    quarters = [p for p in periods.periods_between(START, args.today, "quarter") if p.end < args.today]
    current_total = len(RULES) * len(orgs) * len(quarters)
    if args.values < current_total:
        parser.error(f"--values must be at least {current_total:,} (40 indicators × {len(orgs)} organisations × "
                     f"{len(quarters)} quarters)")
    corrections = args.values - current_total
    say(started, f"{len(orgs)} organisations × {len(RULES)} indicators × {len(quarters)} quarters = "
                 f"{current_total:,} current values, plus {corrections:,} superseded versions")

    adapt = Adapt()
    with transaction.atomic():
        indicators = create_indicators(root, rng)
        obligations = Writer(ReportingObligation, ["indicator_id", "organisation_id", "series", "starts_on",
                                                   "ends_on", "created_at"])
        created = adapt.time(START, 8)
        obligations.write([(i.pk, o, "", adapt.date(START), None, created) for i in indicators for o in orgs])
    say(started, f"40 indicators with targets and baselines; {obligations.count:,} obligations")

    # Superseded versions first (their ids are needed by the current versions that replace them).
    corrected = set()
    while len(corrected) < corrections:
        corrected.add((rng.randrange(len(indicators)), rng.randrange(len(orgs)), rng.randrange(len(quarters) - 1)))
    writer = Writer(IndicatorValue, VALUE_COLUMNS)
    rows = []
    with transaction.atomic():
        for i, o, q in sorted(corrected):
            rows.append(value_row(rng, indicators[i], orgs[o], quarters[q], "superseded", 1, False, None, adapt, q))
        writer.write(rows)
    old = {(i, o, e): pk for pk, i, o, e in IndicatorValue.objects.filter(indicator__data_source=MARK)
           .values_list("pk", "indicator_id", "organisation_id", "period_end")}
    say(started, f"{writer.count:,} superseded versions")

    last = len(quarters) - 1
    states, weights = zip(*LAST_ROUND)
    rows = []
    for q, period in enumerate(quarters):
        with transaction.atomic():
            for indicator in indicators:
                for organisation_id in orgs:
                    status = rng.choices(states, weights)[0] if q == last else "approved"
                    supersedes = old.get((indicator.pk, organisation_id, period.end))
                    rows.append(value_row(rng, indicator, organisation_id, period, status, 2 if supersedes else 1,
                                          True, supersedes, adapt, q))
                    if len(rows) >= BATCH:
                        writer.write(rows)
                        rows = []
            writer.write(rows)
            rows = []
        say(started, f"  {writer.count:,} values (through {period.key})")
    analyze()
    say(started, f"{writer.count:,} values in all; ANALYZE run")

    if not args.no_rollups:
        made = 0
        for number, indicator in enumerate(indicators, start=1):
            made += rollups.refresh_indicator(indicator)
            if number % 10 == 0:
                say(started, f"  roll-ups of {number} indicators ({made:,} rows)")
        analyze()
        say(started, f"{made:,} stored roll-ups computed by rollups.refresh_indicator")
    say(started, f"done ({'VACUUM ANALYZE' if connection.vendor == 'postgresql' else 'ANALYZE'} run)")


if __name__ == "__main__":
    main()
