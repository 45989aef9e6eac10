"""The reporting calendar read back: which periods an organisation owes, what has come in, on time or
late, and the data-quality panel (completeness, timeliness, staleness, outliers).

Everything here reads; a constant number of queries per call, whatever the number of organisations
(periods are expanded in Python from the obligations, values are fetched once and matched by key).
"""

import datetime
from collections import defaultdict
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet

from nq57.orgs.models import Organisation

from . import periods
from .models import IndicatorValue, ReportingObligation

V = IndicatorValue.Status
RECEIVED = (V.SUBMITTED, V.APPROVED)
LOOKBACK_DAYS = 2 * 366  # the inbox and the quality panel look at the last two years


def expected_periods(obligation, frequency, until):
    """The periods `obligation` owes a value for that have ended by `until` (a period ending on `until`
    itself has not ended: its value cannot be entered yet)."""
    last = until - datetime.timedelta(days=1)
    if obligation.ends_on is not None:
        last = min(last, obligation.ends_on)
    return periods.periods_between(obligation.starts_on, last, frequency)


def _since(today):
    return today - datetime.timedelta(days=LOOKBACK_DAYS)


def _org_filter(organisations, field="organisation"):
    """A Q for one organisation's subtree, a queryset of organisations, or a list of organisations or ids."""
    if isinstance(organisations, Organisation):
        return Q(**{f"{field}__path__startswith": organisations.path})
    if isinstance(organisations, QuerySet):
        return Q(**{f"{field}__in": organisations})
    ids = [o.pk if isinstance(o, Organisation) else int(o) for o in organisations]
    return Q(**{f"{field}_id__in": ids})


def reporting_status(indicator, scope_org, period):
    """Counts for one indicator, one period, over `scope_org`'s subtree: expected, received (submitted or
    approved, "not available" included), on_time, late, missing, and each status. Two queries."""
    expected = (ReportingObligation.objects.filter(indicator=indicator, organisation__path__startswith=scope_org.path,
                                                   starts_on__lte=period.end)
                .exclude(ends_on__lt=period.start).count())
    received = Q(status__in=RECEIVED)
    row = (IndicatorValue.objects.filter(indicator=indicator, period_end=period.end, is_current=True,
                                         organisation__path__startswith=scope_org.path).order_by()
           .aggregate(received=Count("pk", filter=received),
                      on_time=Count("pk", filter=received & Q(submitted_on_time=True)),
                      late=Count("pk", filter=received & Q(submitted_on_time=False)),
                      not_available=Count("pk", filter=received & Q(not_available=True)),
                      draft=Count("pk", filter=Q(status=V.DRAFT)), submitted=Count("pk", filter=Q(status=V.SUBMITTED)),
                      approved=Count("pk", filter=Q(status=V.APPROVED)),
                      returned=Count("pk", filter=Q(status=V.RETURNED))))
    row["expected"] = expected
    row["missing"] = max(0, expected - row["received"])
    return row


class Owed(NamedTuple):
    """One value an organisation owes: its working row (a pending correction before the approved one) or None."""
    indicator: object
    organisation: object
    period: periods.Period
    value: object
    due_on: datetime.date
    late: bool


def _working_values(values):
    """{(indicator, organisation, series, period_end): the row to work on}: a pending correction wins."""
    found = {}
    for v in values:
        key = (v.indicator_id, v.organisation_id, v.series, v.period_end)
        kept = found.get(key)
        if kept is None or (not v.is_current and kept.is_current) or (v.is_current == kept.is_current
                                                                       and v.version > kept.version):
            found[key] = v
    return found


def owed_by(organisations, today, *, indicator=None, since=None):
    """What `organisations` (one organisation's subtree, a queryset, or a list of organisations/ids) owe:
    every ended period of the last two years of every obligation, with its value or None. Two queries."""
    since = since or _since(today)
    where = _org_filter(organisations)
    obligations = (ReportingObligation.objects.filter(where, indicator__is_active=True)
                   .select_related("indicator", "organisation").order_by("indicator__sort_order", "indicator__code",
                                                                         "organisation__path"))
    values = IndicatorValue.objects.filter(where, period_end__gte=since).exclude(status=V.SUPERSEDED)
    if indicator is not None:
        obligations = obligations.filter(indicator=indicator)
        values = values.filter(indicator=indicator)
    obligations = list(obligations)
    if not obligations:
        return []
    values = _working_values(values.filter(indicator_id__in={o.indicator_id for o in obligations}).order_by())
    result = []
    for obligation in obligations:
        ind = obligation.indicator
        for period in expected_periods(obligation, ind.frequency, today):
            if period.end < since:
                continue
            value = values.get((ind.pk, obligation.organisation_id, obligation.series, period.end))
            due_on = periods.due_date(period, ind.due_days)
            if value is not None and value.status in RECEIVED:
                late = value.submitted_on_time is False
            else:
                late = today > due_on + datetime.timedelta(days=ind.grace_days)
            result.append(Owed(ind, obligation.organisation, period, value, due_on, late))
    return result


def data_quality(indicator, scope_org, today, *, since=None):
    """Completeness (received / expected), timeliness (on time / received), staleness (days since the latest
    approved period; stale = nothing received for the last ended period) and outliers (values carrying
    flags), for the indicator over `scope_org`'s subtree and per reporting organisation. Two queries."""
    since = since or _since(today)
    obligations = list(ReportingObligation.objects.filter(indicator=indicator,
                                                          organisation__path__startswith=scope_org.path)
                       .select_related("organisation").order_by("organisation__path"))
    values = defaultdict(list)
    for row in (IndicatorValue.objects.filter(indicator=indicator, is_current=True, period_end__gte=since,
                                              organisation__path__startswith=scope_org.path).order_by()
                .values("organisation_id", "series", "period_end", "status", "submitted_on_time", "flags")):
        values[(row["organisation_id"], row["series"])].append(row)
    rows = []
    for obligation in obligations:
        owed = [p for p in expected_periods(obligation, indicator.frequency, today) if p.end >= since]
        owed_ends = {p.end for p in owed}
        mine = [v for v in values.get((obligation.organisation_id, obligation.series), [])
                if v["period_end"] in owed_ends]
        received = [v for v in mine if v["status"] in RECEIVED]
        approved_ends = [v["period_end"] for v in mine if v["status"] == V.APPROVED]
        last_end = max(approved_ends, default=None)
        last_owed = owed[-1].end if owed else None
        rows.append({
            "organisation": obligation.organisation,
            "series": obligation.series,
            "expected": len(owed),
            "received": len(received),
            "on_time": sum(1 for v in received if v["submitted_on_time"]),
            "completeness": len(received) / len(owed) if owed else None,
            "timeliness": (sum(1 for v in received if v["submitted_on_time"]) / len(received)) if received else None,
            "last_period_end": last_end,
            "staleness_days": (today - last_end).days if last_end else None,
            "stale": last_owed is not None and not any(v["period_end"] == last_owed for v in received),
            "outliers": sum(1 for v in mine if v["flags"]),
        })
    expected = sum(r["expected"] for r in rows)
    received = sum(r["received"] for r in rows)
    on_time = sum(r["on_time"] for r in rows)
    return {
        "expected": expected,
        "received": received,
        "on_time": on_time,
        "completeness": received / expected if expected else None,
        "timeliness": on_time / received if received else None,
        "stale": sum(1 for r in rows if r["stale"]),
        "outliers": sum(r["outliers"] for r in rows),
        "rows": rows,
    }
