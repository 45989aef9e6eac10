"""The "my work" inbox: what is due, what came back, and what awaits the user's decision."""

import datetime

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import F
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from nq57.core.permissions import can_anywhere, scope_q
from nq57.core.roles import Action

from ..filters import deciding_q
from ..models import Assignment, ExtensionRequest, ProgressReport, Recommendation

DUE_SOON_DAYS = 14
SHOWN = 20
S = Assignment.Status
ASSIGNMENT_RELATED = ("task", "task__plan", "organisation")
REPORT_RELATED = ("assignment", "assignment__task", "assignment__organisation", "author")


def _section(key, title, queryset, empty):
    return {"key": key, "title": title, "items": list(queryset[:SHOWN]), "count": queryset.count(), "empty": empty}


class MyWorkView(LoginRequiredMixin, View):
    """Sections appear for the rights the user holds; each shows the first 20 items and the total."""

    def get(self, request):
        user, today = request.user, timezone.localdate()
        sections = []
        if can_anywhere(user, Action.REPORT):
            due = (Assignment.objects.filter(scope_q(user, Action.REPORT, "organisation__path"),
                                             status__in=[S.NOT_STARTED, S.IN_PROGRESS], task__removed=False)
                   .annotate(deadline_in_force=Coalesce(F("revised_deadline"), F("original_deadline")))
                   .filter(deadline_in_force__lte=today + datetime.timedelta(days=DUE_SOON_DAYS))
                   .select_related(*ASSIGNMENT_RELATED).order_by("deadline_in_force", "pk"))
            sections.append(_section("due", _("Due within 14 days or overdue"), due,
                                     _("Nothing of yours is due in the next 14 days.")))
            returned = (ProgressReport.objects.filter(scope_q(user, Action.REPORT, "assignment__organisation__path"),
                                                      status=ProgressReport.Status.RETURNED)
                        .select_related(*REPORT_RELATED).order_by("-reviewed_at", "-pk"))
            sections.append(_section("returned", _("Reports returned for correction"), returned,
                                     _("No report is waiting for your corrections.")))
        if can_anywhere(user, Action.APPROVE):
            waiting = (ProgressReport.objects.filter(scope_q(user, Action.APPROVE, "assignment__organisation__path"),
                                                     status=ProgressReport.Status.SUBMITTED)
                       .select_related(*REPORT_RELATED).order_by("submitted_at", "pk"))
            sections.append(_section("approve", _("Reports awaiting your approval"), waiting,
                                     _("No report awaits your approval.")))
        if can_anywhere(user, Action.ASSIGN) or can_anywhere(user, Action.APPROVE):
            verify = (Assignment.objects.filter(deciding_q(user), status=S.PENDING_VERIFICATION)
                      .select_related(*ASSIGNMENT_RELATED).order_by("updated_at", "pk"))
            sections.append(_section("verify", _("Completions awaiting your verification"), verify,
                                     _("No completion awaits verification.")))
            extensions = (ExtensionRequest.objects.filter(deciding_q(user, "assignment__"),
                                                          status=ExtensionRequest.Status.PENDING)
                          .select_related("assignment", "assignment__task", "assignment__organisation")
                          .order_by("requested_at", "pk"))
            sections.append(_section("extensions", _("Extension requests to decide"), extensions,
                                     _("No extension request awaits a decision.")))
            recommendations = (Recommendation.objects.filter(deciding_q(user, "assignment__"),
                                                             status=Recommendation.Status.OPEN)
                               .select_related("assignment", "assignment__task", "assignment__organisation")
                               .order_by("created_at", "pk"))
            sections.append(_section("recommendations", _("Recommendations to answer"), recommendations,
                                     _("No recommendation awaits an answer.")))
        return render(request, "plans/my_work.html", {"sections": sections, "today": today})
