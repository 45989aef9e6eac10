"""Public statistics per lead agency: submissions received, answered, answered on time, the median number of
working days to answer and the share of satisfied ratings, over a period of reception dates.

Two queries whatever the number of submissions: one GROUP BY lead agency for the counts, one GROUP BY (lead
agency, days to answer) whose histogram gives the medians exactly (an agency has at most a few hundred distinct
values, so the rows stay few even over a million submissions). The period bounds `received_at`, which is
indexed; the default is the last twelve months.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from .models import Submission

DEFAULT_DAYS = 365


def default_period(today=None):
    """The last twelve months up to today (local dates, both included)."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=DEFAULT_DAYS - 1), today


def _bounds(date_from, date_to):
    """Aware datetimes [start, end) covering the local dates date_from..date_to."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start, end


def median_of_histogram(histogram):
    """The median of values given as {value: count} (the mean of the two middle values for an even total)."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]  # 0-based ranks of the middle value(s)
    found, seen = [], 0
    for value in sorted(histogram):
        seen += histogram[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
        if not middle:
            break
    return sum(found) / 2


def percent(part, whole):
    return None if not whole else round(100 * part / whole, 1)


@dataclass
class AgencyRow:
    """The figures of one lead agency over the period."""

    agency_id: int | None
    name: str
    short_name: str = ""
    received: int = 0
    answered: int = 0
    on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    days: dict = field(default_factory=dict)  # working days to answer → number of submissions

    @property
    def on_time_percent(self):
        return percent(self.on_time, self.answered)

    @property
    def satisfied_percent(self):
        return percent(self.satisfied, self.rated)

    @property
    def median_days(self):
        return median_of_histogram(self.days)

    @property
    def label(self):
        return self.short_name or self.name


def agency_rows(date_from, date_to, within=None):
    """(rows by lead agency, most received first; the totals row including submissions not yet routed).

    `within` (an organisation) keeps only lead agencies of its subtree: a periodic report's scope."""
    start, end = _bounds(date_from, date_to)
    period = Submission.objects.filter(received_at__gte=start, received_at__lt=end)
    if within is not None:
        period = period.filter(lead_agency__path__startswith=within.path)
    counts = (period.values("lead_agency", "lead_agency__name", "lead_agency__short_name")
              .annotate(received=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)),
                        on_time=Count("pk", filter=Q(answered_at__isnull=False, answered_on_time=True)),
                        rated=Count("pk", filter=Q(satisfied__isnull=False)),
                        satisfied=Count("pk", filter=Q(satisfied=True)))
              .order_by())
    rows, total = {}, AgencyRow(None, "")
    for item in counts:
        row = AgencyRow(item["lead_agency"], item["lead_agency__name"] or "", item["lead_agency__short_name"] or "",
                        item["received"], item["answered"], item["on_time"], item["rated"], item["satisfied"])
        for name in ("received", "answered", "on_time", "rated", "satisfied"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        if row.agency_id is not None:
            rows[row.agency_id] = row
    histogram = (period.filter(answered_at__isnull=False, days_to_answer__isnull=False)
                 .values_list("lead_agency", "days_to_answer").annotate(n=Count("pk")).order_by())
    for agency_id, days, n in histogram:
        total.days[days] = total.days.get(days, 0) + n
        if agency_id in rows:
            rows[agency_id].days[days] = n
    ordered = sorted(rows.values(), key=lambda r: (-r.received, r.name))
    return ordered, total
