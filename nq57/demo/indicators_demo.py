"""The demo's KPI index: the targets of Appendix I of Resolution 03/NQ-CP as indicators, with 2024
baselines, a reporting calendar (the owning ministries yearly or half-yearly; the 34 provinces quarterly
for five ratios) and believable values from January 2025 to today.

The indicators go through the importer (`nq57.indicators.importing`), from a table built out of
`data/indicators.json`, so the demo shows the real target parsing and name resolution (pre-merger
ministries included). The history of values is written in bulk exactly as the service functions would
have left it — statuses, due dates, on-time flags, validation warnings with the note that confirmed
them, one audit row per value — and the roll-ups are then computed by their one function. What the demo
logins find in the current round (a value awaiting approval, one returned, a draft, a correction) goes
through `nq57.indicators.actions` itself. Loaded once, in demo mode only, by
`nq57.demo.loader.load_demo`.
"""

import contextlib
import csv
import datetime
import io
import json
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from nq57.accounts.models import User
from nq57.audit.models import AuditEvent
from nq57.audit.services import snapshot
from nq57.core import context as write_context
from nq57.indicators import actions, compute, periods, rollups, validation
from nq57.indicators.importing import import_indicators
from nq57.indicators.models import Baseline, Indicator, IndicatorValue, Target
from nq57.orgs.models import Organisation
from nq57.plans.models import Plan, Task

from .bulk import historical_dates, insert_many, update_many

DATA_FILE = Path(__file__).resolve().parent / "data" / "indicators.json"
PROGRAMME_NUMBER = "03/NQ-CP"
TABLE_NAME = "phu-luc-I-chi-tieu.csv"
SEED = 57
START = datetime.date(2025, 1, 1)  # reporting under the programme starts with its first quarter
DAY = datetime.timedelta(days=1)
VERB = "demo_history_loaded"
V = IndicatorValue.Status
VT = Indicator.ValueType
ILLUSTRATIVE = "Số liệu minh họa của bộ dữ liệu demo"

# The importer's header names (see nq57.indicators.importing.FIELDS).
HEADER = ["TT", "Chỉ tiêu", "Đơn vị", "Kết quả", "Cơ quan chủ trì theo dõi, đánh giá", "Năm mục tiêu", "Tần suất",
          "Cấp báo cáo", "Cách tổng hợp", "Tầng", "Nguồn số liệu"]
FREQUENCY_WORDS = {"quarter": "Hằng quý", "half": "6 tháng", "year": "Hằng năm"}

# Who writes and who approves the values of an organisation: the demo logins; elsewhere values have no
# named author (as in the plans' history).
REPORTERS = {"P20": ("langson.canbo", "langson.truong"), "BKHCN": ("bkhcn.canbo", "bkhcn.lanhdao")}
# The current round as the demo logins find it, written through the service functions:
# (organisation, indicator, state of its value for the latest ended period).
LIVE = [
    ("P20", "31", "approved"), ("P20", "32", "approved"), ("P20", "11.1", "submitted"), ("P20", "11.6", "returned"),
    ("P20", "30", "draft"),
    ("BKHCN", "23.2", "approved"), ("BKHCN", "23.4", "approved"), ("BKHCN", "9", "submitted"),
    ("BKHCN", "23.1", "returned"), ("BKHCN", "23.3", "draft"),
]
LIVE_COMMENTS = {
    "11.6": "Đề nghị kiểm tra lại mẫu số: tổng số giao dịch thanh toán trong quý chưa khớp với báo cáo của Sở "
            "Tài chính.",
    "23.1": "Đề nghị ghi rõ nguồn số liệu (báo cáo của các doanh nghiệp viễn thông hay đo kiểm của Cục Viễn thông).",
}
# Other agencies' values of the current round that are not approved yet (the rest are).
NATIONAL_ROUND = {"11.12": "submitted", "27": "returned", "35": "draft"}
# The state of a province's value for the latest ended period, by whether its due date has passed; the
# periods before it are approved (a few never reported).
ROUND_AFTER_DUE = [("approved", 62), ("submitted", 12), ("returned", 5), ("draft", 7), ("missing", 14)]
ROUND_BEFORE_DUE = [("approved", 20), ("submitted", 22), ("draft", 18), ("missing", 40)]
RETURN_COMMENTS = [
    "Đề nghị kiểm tra lại mẫu số: tổng số hồ sơ trong kỳ chưa khớp với Hệ thống thông tin giải quyết thủ tục hành "
    "chính.",
    "Số liệu chưa ghi nguồn; đề nghị nêu rõ hệ thống hoặc văn bản làm căn cứ.",
    "Tử số tăng bất thường so với kỳ trước; đề nghị giải trình hoặc điều chỉnh.",
]
FLAG_NOTE = "Đã đối chiếu với hệ thống nguồn; số liệu đúng."
# How many people a province's denominator counts, per inhabitant (flows are per quarter).
DENOMINATORS = {"dossiers": 0.03, "payments": 0.012, "adults15": 0.76, "adults18": 0.72, "population": 1.0}
FLOWS = {"dossiers", "payments"}
# Points a quarter's flow moves by season: fewer online dossiers around Tết, a rush before the year ends.
SEASON = {3: -2.5, 6: 0.0, 9: 0.5, 12: 2.0}


def load_indicators_demo(today=None):
    """Create the demo indicators and their values once (demo mode only); returns the indicators, or None
    when they already exist or the demo programme is missing."""
    if not settings.DEMO_MODE:
        raise RuntimeError("The demo dataset is never loaded in production mode")
    plan = Plan.objects.filter(number=PROGRAMME_NUMBER).order_by("pk").first()
    if plan is None or Indicator.objects.filter(source_plan=plan).exists():
        return None
    today = today or timezone.localdate()
    with write_context.using(source=AuditEvent.Source.COMMAND,
                             actor_label=write_context.current().get("actor_label") or "load_demo"):
        return _load(plan, today)


@transaction.atomic
def _load(plan, today):
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    indicators = import_appendix(data, plan)
    specs = {row["code"]: row.get("demo", {}) for row in data["indicators"]}
    provinces = {o.code: o for o in Organisation.objects.filter(code__in=[c for c in data["provinces"]
                                                                          if not c.startswith("_")])}
    configure(indicators, specs, provinces, plan, datetime.date.fromisoformat(data["baseline_date"]))
    users = {u.username: u for u in User.objects.filter(username__in={n for pair in REPORTERS.values() for n in pair})}
    history = KpiHistory(today=today, users=users, provinces=data["provinces"], specs=specs)
    targets, baselines = national_yardsticks(indicators.values())
    for indicator in indicators.values():
        history.plan_indicator(indicator, specs[indicator.code], provinces, targets.get(indicator.pk, {}),
                               baselines.get(indicator.pk, {}))
    history.flush()
    history.play_live()
    for indicator in indicators.values():
        rollups.refresh_indicator(indicator)
    return list(indicators.values())


# --- Indicators, targets, baselines and the reporting calendar -------------------------------------------


def appendix_table(data):
    """The rows of Appendix I with the demo's reporting settings, as a CSV the importer reads."""
    years = {s["code"]: s["year"] for s in data["sections"]}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in data["indicators"]:
        demo = row.get("demo")
        reporting = ["", "", "", "", ""]
        if demo is not None:
            province = demo.get("level") == "province"
            reporting = [FREQUENCY_WORDS[demo.get("frequency", "year")], "Tỉnh" if province else "Quốc gia",
                         "Tỉ lệ" if demo.get("aggregation") == "ratio" else "Không tổng hợp",
                         "Tác nghiệp" if "." in row["code"] else "Chiến lược", demo.get("source", "")]
        writer.writerow([row["code"], row["name"], row["unit"], row["target"], row["owner"],
                         years[row["section"]] if row["target"] else "", *reporting])
    return out.getvalue().encode("utf-8")


def import_appendix(data, plan):
    """Import the indicators and targets through the importer; {code: Indicator}."""
    preview, result = import_indicators(appendix_table(data), TABLE_NAME, actor=None, source_plan=plan)
    if preview.errors:
        raise RuntimeError(f"the demo's Appendix I did not import: {preview.summary()['errors']}")
    return {i.code: i for i in sorted(result.indicators, key=lambda i: i.sort_order)}


def configure(indicators, specs, provinces, plan, baseline_date):
    """What the appendix does not say, through the service functions: accumulation, linked tasks, 2024
    baselines (one per series), and who owes values from January 2025."""
    tasks = {t.code: t for t in Task.objects.filter(plan=plan)}
    series_of = {}
    for indicator_id, series in Target.objects.filter(indicator__in=indicators.values(), is_current=True) \
            .values_list("indicator_id", "series"):
        series_of.setdefault(indicator_id, []).append(series)
    for code, indicator in indicators.items():
        demo = specs[code]
        if not demo:
            continue  # a grouping row (11): nothing is reported on it
        changes = {}
        if demo.get("accumulation"):
            changes["accumulation"] = demo["accumulation"]
        if demo.get("tasks"):
            changes["tasks"] = [tasks[c] for c in demo["tasks"] if c in tasks]
        if changes:
            indicators[code] = indicator = actions.update_indicator(actor=None, indicator=indicator, **changes)
        baselines = demo.get("baseline")
        if baselines is not None and not isinstance(baselines, dict):
            baselines = {"": baselines}
        for series, value in (baselines or {}).items():
            actions.set_baseline(actor=None, indicator=indicator, value=Decimal(str(value)), as_of=baseline_date,
                                 series=series, source=demo.get("source") or ILLUSTRATIVE)
        organisations = list(provinces.values()) if indicator.level == Indicator.Level.PROVINCE else [indicator.owner]
        for series in sorted(set(series_of.get(indicator.pk, [""]))):
            actions.add_obligations(actor=None, indicator=indicator, organisations=organisations, starts_on=START,
                                    series=series)


# --- Values ----------------------------------------------------------------------------------------------


@dataclass
class Planned:
    """One organisation's value for one period, before it is written."""

    indicator: Indicator
    organisation: Organisation
    series: str
    period: periods.Period
    state: str = "approved"  # approved, submitted, returned, draft
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    progress: str = ""
    not_available_reason: str = ""
    self_rating: str = ""
    note: str = ""
    flag_note: str = ""  # the note that confirms a flagged value, when the story has a specific one
    submitted_on: datetime.date | None = None
    reviewed_on: datetime.date | None = None
    review_comment: str = ""
    live: bool = False  # written through the service functions by play_live
    row: IndicatorValue | None = None

    @property
    def key(self):
        return (self.indicator.pk, self.series)


class KpiHistory:
    """The values of every indicator from January 2025 to `today`, planned in memory and written in bulk."""

    def __init__(self, *, today, users, provinces, specs):
        self.today, self.users, self.specs = today, users, specs
        self.people = {code: (users.get(a), users.get(b)) for code, (a, b) in REPORTERS.items()}
        self.populations = {code: spec for code, spec in provinces.items() if not code.startswith("_")}
        self.rng = random.Random(SEED)
        self.zone, self.now = timezone.get_current_timezone(), timezone.now()
        self.planned = []

    # -- when

    def moment(self, day):
        """A working-hours moment of `day`, never in the future."""
        at = datetime.datetime.combine(day, datetime.time(self.rng.randint(8, 16), self.rng.randint(0, 59)),
                                       tzinfo=self.zone)
        return min(at, self.now)

    def ended_periods(self, indicator):
        return [p for p in periods.periods_between(START, self.today - DAY, indicator.frequency)
                if p.end < self.today]

    def dates(self, rng, indicator, period, state):
        """(submitted on, reviewed on) of a value: most agencies report before the due date, some late."""
        due = periods.due_date(period, indicator.due_days)
        if rng.random() < 0.12:
            submitted = due + (indicator.grace_days + rng.randint(1, 40)) * DAY
        else:
            submitted = due - rng.randint(0, 12) * DAY
        submitted = min(max(submitted, period.end + DAY), self.today)
        if state == "approved" and self.today - submitted < 2 * DAY:
            submitted = max(period.end + DAY, self.today - 2 * DAY)
        return submitted, min(submitted + rng.randint(1, 6) * DAY, self.today)

    # -- planning

    def plan_indicator(self, indicator, demo, provinces, targets, baselines):
        """Plan the values of one indicator; targets: {series: the national target of the latest year},
        baselines: {series: national baseline}."""
        if not demo:
            return
        ended = self.ended_periods(indicator)
        if not ended:
            return
        for series, target in sorted(targets.items()):
            if indicator.level == Indicator.Level.PROVINCE:
                self.plan_provinces(indicator, demo, target, baselines.get(series), provinces, ended)
            else:
                self.plan_national(indicator, demo, series, target, baselines.get(series), ended)

    def _state(self, rng, indicator, period, latest, organisation):
        """(state, written through the service functions?) of a value: the periods before the latest are
        approved; in the latest, the demo logins' values are as LIVE says, the other ministries' approved unless
        NATIONAL_ROUND says otherwise, and the provinces' drawn by whether the due date has passed."""
        if period != latest:
            return "approved", False
        live = next((state for code, ind, state in LIVE if code == organisation.code and ind == indicator.code), None)
        if live:
            return live, True
        if indicator.level != Indicator.Level.PROVINCE:
            return NATIONAL_ROUND.get(indicator.code, "approved"), False
        due = periods.due_date(period, indicator.due_days)
        weights = ROUND_AFTER_DUE if self.today > due + indicator.grace_days * DAY else ROUND_BEFORE_DUE
        states, chances = zip(*weights)
        return rng.choices(states, chances)[0], False

    def _add(self, rng, planned):
        planned.submitted_on, planned.reviewed_on = self.dates(rng, planned.indicator, planned.period, planned.state)
        if planned.state == "returned":
            planned.review_comment = rng.choice(RETURN_COMMENTS)
        elif planned.state == "approved" and rng.random() < 0.05:
            planned.review_comment = rng.choice(RETURN_COMMENTS)  # returned once, corrected, then approved
        self.planned.append(planned)

    def plan_national(self, indicator, demo, series, target, baseline, ended):
        organisation = indicator.owner
        rng = random.Random(f"{SEED}:{indicator.code}:{series}")
        aim = compute.target_point(target.comparator, target.value, target.value_high, indicator.direction)
        unavailable = {key: item["reason"] for item in demo.get("not_available", []) if "org" not in item
                       for key in item["periods"]}
        pace = demo.get("pace")
        rating = "" if pace is None else ("green" if pace >= 0.9 else "amber")
        previous = None
        for period in ended:
            state, live = self._state(rng, indicator, period, ended[-1], organisation)
            planned = Planned(indicator, organisation, series, period, state=state, live=live,
                              note=demo.get("note", ""), self_rating=rating, flag_note=demo.get("flag_note", ""))
            if period.key in unavailable:
                planned.not_available_reason = unavailable[period.key]
                planned.self_rating = ""
            elif not indicator.is_numeric:
                planned.progress = demo.get("progress", "in_progress")
            else:
                number = self.national_number(rng, indicator, demo, series, period, target, aim, baseline, previous)
                if number is None:
                    continue
                planned.value = previous = number
            self._add(rng, planned)

    def national_number(self, rng, indicator, demo, series, period, target, aim, baseline, previous):
        explicit = demo.get("values", {}).get(period.key)
        if isinstance(explicit, dict):
            explicit = explicit.get(series)
        if explicit is not None:
            number = float(explicit)
        elif demo.get("pace") is not None and baseline is not None:
            start, gap = float(baseline.value), float(aim) - float(baseline.value)
            number = start + gap * demo["pace"] * fraction(baseline.as_of, target.year, period.end)
            number += rng.uniform(-0.02, 0.02) * abs(gap)
        elif previous is not None:
            number = float(previous)
        else:
            return None
        if previous is not None and indicator.accumulation == Indicator.Accumulation.CUMULATIVE:
            number = max(number, float(previous)) if indicator.direction == "higher" else min(number, float(previous))
        return self.clean(indicator, number)

    @staticmethod
    def clean(indicator, number):
        low, high = validation.value_range(indicator)
        if low is not None:
            number = max(number, float(low))
        if high is not None:
            number = min(number, float(high))
        if indicator.value_type in (VT.COUNT, VT.RANK):
            return Decimal(round(number))
        return Decimal(str(round(number, 3 if abs(number) < 10 else 2)))

    def plan_provinces(self, indicator, demo, target, baseline, provinces, ended):
        """The five ratios every province reports each quarter: numerators and denominators that add up to
        a national figure moving at the indicator's pace, each province ahead or behind by its own."""
        aim, start = float(aim_of(indicator, target)), float(baseline.value)
        gap = aim - start
        weights = {code: spec for code, spec in self.populations.items() if code in provinces}
        mean_offset = sum(p * o for p, o in weights.values()) / sum(p for p, _o in weights.values())
        unavailable = {(item["org"], key): item["reason"] for item in demo.get("not_available", []) if "org" in item
                       for key in item["periods"]}
        outliers = {item["org"]: item for item in demo.get("outliers", [])}
        flow = demo.get("denominator") in FLOWS
        for code, organisation in sorted(provinces.items()):
            population, offset = self.populations[code]
            rng = random.Random(f"{SEED}:{indicator.code}:{code}")
            head_start = (offset - mean_offset) * demo.get("spread", gap / 50)
            speed = demo["pace"] * rng.uniform(0.55, 1.45)
            previous = None
            for index, period in enumerate(ended):
                state, live = self._state(rng, indicator, period, ended[-1], organisation)
                if state == "missing" or (not live and period != ended[-1] and rng.random() < 0.02):
                    continue  # never reported
                planned = Planned(indicator, organisation, "", period, state=state, live=live)
                if (code, period.key) in unavailable:
                    planned.not_available_reason = unavailable[(code, period.key)]
                    self._add(rng, planned)
                    continue
                share = start + head_start + (gap - head_start) * speed * fraction(baseline.as_of, target.year,
                                                                                   period.end)
                # Flows (dossiers, payments of the quarter) wobble; a stock (people with an account) grows
                # steadily and never shrinks.
                share += (SEASON[period.end.month] + rng.uniform(-1.0, 1.0)) if flow else rng.uniform(-0.05, 0.05)
                if not flow:
                    share = max(share, previous or 0.0)
                share = outlier_share(outliers.get(code), period, share, planned)
                share = min(max(share, 1.0), 99.5)
                previous = share if not flow else None
                people = population * 1e6 * DENOMINATORS[demo["denominator"]]
                if flow:
                    people *= rng.uniform(0.92, 1.08)
                else:
                    people *= 1 + 0.002 * index
                planned.denominator = Decimal(round(people))
                planned.numerator = Decimal(round(people * share / 100))
                planned.value = compute.as_decimal(planned.numerator / planned.denominator * indicator.ratio_scale)
                self._add(rng, planned)

    # -- writing

    def _people(self, organisation):
        return self.people.get(organisation.code, (None, None))

    def _value_row(self, p):
        author, approver = self._people(p.organisation)
        submitted = p.state != "draft"
        reviewed = p.state in ("approved", "returned")
        due = periods.due_date(p.period, p.indicator.due_days) if submitted else None
        written = self.moment(p.submitted_on - self.rng.randint(0, 3) * DAY if submitted
                              else self.today - self.rng.randint(0, 5) * DAY)
        submitted_at = max(self.moment(p.submitted_on), written) if submitted else None
        reviewed_at = max(self.moment(p.reviewed_on), submitted_at) if reviewed else None
        row = IndicatorValue(
            indicator=p.indicator, organisation=p.organisation, series=p.series, period_start=p.period.start,
            period_end=p.period.end, value=p.value, numerator=p.numerator, denominator=p.denominator,
            progress=p.progress, not_available=bool(p.not_available_reason),
            not_available_reason=p.not_available_reason, self_rating=p.self_rating, note=p.note, flags=[],
            status={"approved": V.APPROVED, "submitted": V.SUBMITTED, "returned": V.RETURNED}.get(p.state, V.DRAFT),
            review_comment=p.review_comment, due_on=due,
            submitted_on_time=(p.submitted_on <= due + p.indicator.grace_days * DAY) if submitted else None,
            created_by=author, submitted_by=author if submitted else None, reviewed_by=approver if reviewed else None,
            submitted_at=submitted_at, reviewed_at=reviewed_at, created_at=written,
            updated_at=reviewed_at or submitted_at or written)
        p.row = row
        return row

    def flush(self):
        """Write the planned values (but the live ones), the warnings validation gives them, and one audit row
        per value."""
        rows = [self._value_row(p) for p in self.planned if not p.live]
        with historical_dates(IndicatorValue._meta.get_field("created_at")), _kept_updated_at():
            insert_many(rows)  # a single statement run: bulk_create's SQL compilation costs a second here
        ids = {tuple(key): pk for pk, *key in IndicatorValue.objects.filter(
            indicator_id__in={r.indicator_id for r in rows}).values_list(
            "pk", "indicator_id", "organisation_id", "series", "period_end")}
        for row in rows:
            row.pk = ids[(row.indicator_id, row.organisation_id, row.series, row.period_end)]
        checker = FlagCheck(p for p in self.planned if p.state == "approved")
        flagged = [p for p in self.planned if not p.live and checker.flags(p)]
        for p in flagged:
            p.row.flags = validation.warnings_for(p.indicator, p.organisation, p.period, p.series, p.value)
            if p.row.flags and p.state != "draft":
                p.row.flag_note = p.flag_note or FLAG_NOTE
        update_many([p.row for p in flagged], ["flags", "flag_note"])
        self._audit(rows)

    def _audit(self, rows):
        """One audit row per value written, from the command's write context (as the plans' history does)."""
        ctx = write_context.current()
        label, source = ctx.get("actor_label") or "load_demo", ctx.get("source") or AuditEvent.Source.COMMAND
        content_type = ContentType.objects.get_for_model(IndicatorValue)
        insert_many([AuditEvent(actor_label=label, source=source, action=AuditEvent.Action.CREATE, verb=VERB,
                                content_type=content_type, object_id=str(row.pk), object_repr=str(row)[:300],
                                organisation=row.organisation, after=snapshot(row)) for row in rows])

    def play_live(self):
        """The current round of the demo logins, and two corrections, through the service functions."""
        order = {"approved": 0, "submitted": 1, "returned": 2, "draft": 3}
        for p in sorted((p for p in self.planned if p.live), key=lambda p: order[p.state]):
            author, approver = self._people(p.organisation)
            row = actions.save_value(actor=author, indicator=p.indicator, organisation=p.organisation,
                                     period=p.period, series=p.series, value=p.value if p.numerator is None else None,
                                     numerator=p.numerator, denominator=p.denominator, progress=p.progress,
                                     note=p.note, self_rating=p.self_rating, today=self.today)
            if p.state == "draft":
                continue
            actions.submit_value(actor=author, value=row, confirm_flags=bool(row.flags),
                                 flag_note=(p.flag_note or FLAG_NOTE) if row.flags else "", today=self.today)
            if p.state == "approved":
                actions.approve_value(actor=approver, value=row)
            elif p.state == "returned":
                actions.return_value(actor=approver, value=row, comment=LIVE_COMMENTS.get(p.indicator.code,
                                                                                          RETURN_COMMENTS[0]))
        self.play_corrections()

    def play_corrections(self):
        """A ministry corrects an approved value with a reason: one correction awaits its head's approval
        (the approved version stays current until then), one was approved and replaced the old version."""
        for code, demo in self.specs.items():
            correction = demo.get("correction")
            if not correction:
                continue
            approved = [p for p in self.planned if p.indicator.code == code and p.row is not None
                        and p.row.status == V.APPROVED and p.value is not None]
            if not approved:
                continue
            # The approved one corrects an older period, so the latest stays as reported.
            p = approved[-2] if correction.get("approve") and len(approved) > 1 else approved[-1]
            author, approver = self._people(p.organisation)
            row = actions.save_value(actor=author, indicator=p.indicator, organisation=p.organisation,
                                     period=p.period, series=p.series,
                                     value=self.clean(p.indicator, float(p.value) + correction["by"]),
                                     note=p.note, self_rating=p.self_rating, correction_reason=correction["reason"],
                                     today=self.today)
            actions.submit_value(actor=author, value=row, confirm_flags=bool(row.flags),
                                 flag_note=FLAG_NOTE if row.flags else "", today=self.today)
            if correction.get("approve"):
                actions.approve_value(actor=approver, value=row)


class FlagCheck:
    """Would `validation.warnings_for` flag a value? The same tests on the planned values in memory: the
    organisation's approved values before it, and its peers' approved values for the same period."""

    def __init__(self, approved):
        self.own, self.peers = {}, {}
        for q in approved:
            if q.value is None:
                continue
            self.own.setdefault((q.key, q.organisation.pk), []).append((q.period.end, q.value))
            self.peers.setdefault((q.key, q.period.end), []).append((q.organisation.pk, q.organisation.kind, q.value))
        for values in self.own.values():
            values.sort(reverse=True)

    def flags(self, p):
        if p.value is None or not p.indicator.is_numeric:
            return False
        history = [value for end, value in self.own.get((p.key, p.organisation.pk), ())
                   if end < p.period.end][:validation.HISTORY_SAMPLE]
        if history:
            jump = compute.relative_jump(p.value, history[0])
            if jump is not None and abs(jump) > validation.JUMP_LIMIT:
                return True
        z, _changes = validation.own_change_z(p.value, history)
        if z is not None and abs(z) > validation.Z_LIMIT:
            return True
        kinds = set(validation.peer_kinds(p.organisation.kind))
        peers = [value for org_id, kind, value in self.peers.get((p.key, p.period.end), ())
                 if org_id != p.organisation.pk and kind in kinds][:validation.PEER_SAMPLE]
        z = compute.modified_z_score(p.value, peers)
        return z is not None and abs(z) > validation.Z_LIMIT


# --- helpers ---------------------------------------------------------------------------------------------


def national_yardsticks(indicators):
    """({indicator id: {series: national target of the latest year}}, {indicator id: {series: baseline}})."""
    ids = [i.pk for i in indicators]
    targets, baselines = {}, {}
    for t in Target.objects.filter(indicator_id__in=ids, organisation__isnull=True, is_current=True).order_by("year"):
        targets.setdefault(t.indicator_id, {})[t.series] = t
    for b in Baseline.objects.filter(indicator_id__in=ids, organisation__isnull=True, is_current=True):
        baselines.setdefault(b.indicator_id, {})[b.series] = b
    return targets, baselines


def aim_of(indicator, target):
    return compute.target_point(target.comparator, target.value, target.value_high, indicator.direction)


def fraction(baseline_date, target_year, day):
    """How far `day` is along the way from the baseline to the end of the target year."""
    return compute.elapsed_fraction(day, baseline_date, datetime.date(target_year, 12, 31))


def outlier_share(outlier, period, share, planned):
    """A province's story that breaks the trend from one quarter (a campaign, a new payment channel)."""
    if outlier is None:
        return share
    first = periods.parse_period(outlier["from"], period.frequency)
    last = periods.parse_period(outlier["until"], period.frequency) if outlier.get("until") else None
    if period >= first and (last is None or period <= last):
        planned.flag_note = outlier["note"]
        return outlier["value"] + (period.end - first.end).days / 365
    if last is not None and periods.previous_period(period) == last:
        planned.flag_note = outlier.get("after_note", "")
    return share


@contextlib.contextmanager
def _kept_updated_at():
    """Let bulk_create keep the `updated_at` given (the time of the value's last step), not now."""
    field = IndicatorValue._meta.get_field("updated_at")
    field.auto_now = False
    try:
        yield
    finally:
        field.auto_now = True
