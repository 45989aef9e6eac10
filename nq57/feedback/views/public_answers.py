"""Published answers for everyone: the list with search (with or without diacritics) and filters, one answer's
page, the FAQ of pinned answers, and the statistics per agency.

The list pages by keyset (published_at, pk), never by COUNT or OFFSET, so it stays fast over a million rows:
"next" carries the last row's cursor, and "previous" pops the trail of cursors the reader came through.
Hidden, confidential and unpublished submissions are a 404 here.
"""

import datetime

from django.db.models import Exists, OuterRef, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View

from nq57.indicators import charts
from nq57.indicators.exports import FORMATS, table_response
from nq57.orgs.models import Organisation

from .. import search, stats
from ..forms_public import FollowForm, PeriodForm, PublicFilterForm, normalise_code
from ..models import Answer, Submission

PAGE_SIZE = 20
TRAIL_MAX = 30  # cursors kept for "previous": deeper readers go back to the first page
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
FIRST = "0"  # the trail's mark for the first page
CHART_ROWS = 25
FAQ_MAX = 300


def encode_cursor(submission):
    micros = (submission.published_at - EPOCH) // datetime.timedelta(microseconds=1)
    return f"{micros}.{submission.pk}"


def decode_cursor(text):
    """(published_at, pk) of a cursor, or None when it is not one."""
    try:
        micros, pk = (int(part) for part in str(text).split(".", 1))
    except ValueError:
        return None
    if not (0 < micros < 10**17 and 0 < pk < 2**63):
        return None
    return EPOCH + datetime.timedelta(microseconds=micros), pk


def published_agencies():
    """The agencies with at least one published answer (one query; each probe uses the agency/published index)."""
    return (Organisation.objects.filter(Exists(Submission.objects.public().filter(lead_agency=OuterRef("pk"))))
            .order_by("name"))


class PublicListView(View):
    """Published answers, newest first, with search and filters by field, agency and period."""

    def get(self, request):
        form = PublicFilterForm(request.GET or None, agencies=published_agencies())
        context = {"form": form, "items": []}
        if request.GET and not form.is_valid():
            return render(request, "feedback/public/list.html", context, status=400)
        data = form.cleaned_data if request.GET else {}
        before_text = request.GET.get("before", "")
        before = decode_cursor(before_text) if before_text else None
        trail = [t for t in request.GET.get("trail", "").split(",") if t][-TRAIL_MAX:]
        if (before_text and before is None) or any(t != FIRST and decode_cursor(t) is None for t in trail):
            context["bad_cursor"] = True
            return render(request, "feedback/public/list.html", context, status=400)
        found = search.search_public(query=data.get("q", ""), field=data.get("field"), agency=data.get("agency"),
                                     date_from=data.get("date_from"), date_to=data.get("date_to"), before=before,
                                     limit=PAGE_SIZE + 1)
        items = list(found[:PAGE_SIZE])
        prefetch_related_objects(items, "field", "lead_agency")
        query = {k: v for k, v in request.GET.items() if k not in ("before", "trail") and v}
        context.update({
            "items": items, "filtered": bool(query),
            "next_query": {**query, "before": encode_cursor(items[-1]),
                           "trail": ",".join([*trail, before_text or FIRST][-TRAIL_MAX:])}
            if len(found) > PAGE_SIZE else None,
            "previous_query": self._previous(query, trail) if before_text else None,
        })
        return render(request, "feedback/public/list.html", context)

    @staticmethod
    def _previous(query, trail):
        if not trail or trail[-1] == FIRST:
            return query
        return {**query, "before": trail[-1], "trail": ",".join(trail[:-1])}


def public_submission(code):
    code = normalise_code(code)
    if not code:
        raise Http404
    return get_object_or_404(Submission.objects.public().select_related("field", "lead_agency"), code=code)


def public_answer(submission):
    """The published (redacted) text of the approved answer."""
    answer = (Answer.objects.filter(submission=submission, status=Answer.Status.APPROVED)
              .order_by("-version", "-pk").first())
    if answer is None and submission.group_id:
        answer = (Answer.objects.filter(submission__led_group=submission.group_id, status=Answer.Status.APPROVED)
                  .order_by("-version", "-pk").first())
    return answer


class PublicDetailView(View):
    """One published submission: its redacted text and the answer. Never the submitter's contact details."""

    def get(self, request, code):
        submission = public_submission(code)
        return render(request, "feedback/public/detail.html", {
            "submission": submission, "answer": public_answer(submission), "follow_form": FollowForm()})


class FaqView(View):
    """Pinned answers, grouped by field."""

    def get(self, request):
        pinned = list(Submission.objects.public().filter(pinned=True).select_related("field", "lead_agency")
                      .order_by("field__sort_order", "field__name", "-published_at", "-pk")[:FAQ_MAX])
        groups = {}
        for item in pinned:
            groups.setdefault(item.field, []).append(item)
        return render(request, "feedback/public/faq.html", {"groups": list(groups.items())})


class StatsView(View):
    """Per lead agency: received, answered, on time, median working days to answer, satisfaction; a chart and
    the same figures as a table, CSV or XLSX."""

    def get(self, request):
        form = PeriodForm(request.GET or None)
        default_from, default_to = stats.default_period()
        if request.GET and not form.is_valid():
            return render(request, "feedback/public/stats.html", {"form": form, "rows": []}, status=400)
        data = form.cleaned_data if request.GET else {}
        date_from, date_to = data.get("date_from") or default_from, data.get("date_to") or default_to
        if date_from > date_to:
            form.add_error("date_from", _("The start of the period is after today."))
            return render(request, "feedback/public/stats.html", {"form": form, "rows": []}, status=400)
        rows, total = stats.agency_rows(date_from, date_to)
        fmt = request.GET.get("format", "")
        if fmt in FORMATS:
            return self._export(fmt, rows, total, date_from, date_to)
        if not request.GET:
            form = PeriodForm(initial={"date_from": date_from, "date_to": date_to})
        chart_rows = sorted((r for r in rows if r.answered), key=lambda r: (-r.received, r.name))[:CHART_ROWS]
        chart = charts.bar_chart(
            chart_id="feedback-on-time",
            title=_("Answers given on time, by lead agency (%)"),
            desc=_("One bar per agency (the %(n)d that received most), the share of its answers given within the "
                   "deadline. The table below gives every agency's figures.") % {"n": len(chart_rows)},
            rows=[(r.label, r.on_time_percent, "") for r in chart_rows])
        return render(request, "feedback/public/stats.html", {
            "form": form, "rows": rows, "total": total, "chart": chart, "date_from": date_from,
            "date_to": date_to, "unrouted": total.received - sum(r.received for r in rows)})

    @staticmethod
    def _export(fmt, rows, total, date_from, date_to):
        columns = [(_("Lead agency"), 48, "text"), (_("Received"), 12, "number"), (_("Answered"), 12, "number"),
                   (_("Answered on time"), 14, "number"), (_("On time (%)"), 12, "number"),
                   (_("Median working days to answer"), 16, "number"), (pgettext("feedback", "Ratings"), 10, "number"),
                   (_("Satisfied (%)"), 12, "number")]

        def line(name, r):
            return [name, r.received, r.answered, r.on_time, r.on_time_percent, r.median_days, r.rated,
                    r.satisfied_percent]

        lines = [line(r.name, r) for r in rows] + [line(_("All submissions"), total)]
        name = f"phan-anh-thong-ke-{date_from:%Y%m%d}-{date_to:%Y%m%d}"
        return table_response(fmt, filename=name, sheet_title=pgettext("feedback", "Statistics"), columns=columns, rows=lines)
