"""The agency scorecard of a plan: on-time completion (original and revised deadlines), overdue backlog,
reporting and on-time reporting rates, per assignee agency, in one aggregate query."""

import datetime

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from nq57.orgs.models import Organisation

from ..filters import plan_assignments
from ..forms import ScorecardForm
from ..metrics import RANKING_SORTS, scorecard
from ..models import Assignment
from .common import plan_or_403

RANKING_PAGE = 100
OVERDUE_SHOWN = 20


class ScorecardView(LoginRequiredMixin, View):
    def get(self, request, pk):
        plan = plan_or_403(request.user, pk)
        form = ScorecardForm(request.GET)
        context = {"plan": plan, "form": form}
        if not form.is_valid():
            return render(request, "plans/scorecard.html", context, status=400)
        data, today = form.cleaned_data, timezone.localdate()
        window_start = data["date_from"] or datetime.date(today.year, 1, 1)
        window_end = data["date_to"] or datetime.date(today.year, 12, 31)
        assignments = plan_assignments(request.user, plan).filter(parent__isnull=True)
        agency = data["org"]
        if agency is not None:
            assignments = assignments.filter(organisation__path__startswith=agency.path)
        ranking, total = scorecard(
            assignments, plan=plan, window_start=window_start, window_end=window_end, today=today,
            organisations=Organisation.objects.filter(path__startswith=agency.path) if agency else None)
        sort = data["sort"] or "rate_revised"
        ranking.sort(key=RANKING_SORTS[sort])
        for position, row in enumerate(ranking, start=1):
            row["position"] = position
        context.update({
            "window_start": window_start, "window_end": window_end, "today": today, "agency": agency,
            "total": total, "sort": sort,
            "page": Paginator(ranking, RANKING_PAGE).get_page(request.GET.get("page")),
        })
        if agency is not None:
            context["overdue"] = list(
                assignments.filter(timeliness=Assignment.Timeliness.OVERDUE).exclude(status=Assignment.Status.CANCELLED)
                .select_related("task", "organisation").order_by("original_deadline", "pk")[:OVERDUE_SHOWN])
        return render(request, "plans/scorecard.html", context)
