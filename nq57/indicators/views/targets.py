"""Targets and baselines of one indicator, in versions: set a new one, or replace it with a reason.

Managing them needs ASSIGN on the indicator's owner (a standing office above it qualifies); others read
the targets on the indicator's page. Writes go through actions.set_target / actions.set_baseline.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from nq57.core.permissions import can
from nq57.core.roles import Action

from .. import actions, validation
from ..forms import BaselineForm, TargetForm
from ..models import Baseline, Indicator, Milestone, Target
from ..queries import target_label

class TargetsView(LoginRequiredMixin, View):
    def _indicator(self, request, pk):
        indicator = get_object_or_404(Indicator.objects.select_related("owner"), pk=pk)
        if not can(request.user, Action.ASSIGN, indicator):
            raise PermissionDenied
        return indicator

    def get(self, request, pk):
        indicator = self._indicator(request, pk)
        return self._render(request, indicator, TargetForm(prefix="target", initial={"comparator": "gte"}),
                            BaselineForm(prefix="baseline"))

    def post(self, request, pk):
        indicator = self._indicator(request, pk)
        operation = request.POST.get("operation")
        target_form, baseline_form = TargetForm(prefix="target"), BaselineForm(prefix="baseline")
        if operation == "target":
            form = target_form = TargetForm(request.POST, prefix="target")
        elif operation == "baseline":
            form = baseline_form = BaselineForm(request.POST, prefix="baseline")
        else:
            messages.error(request, _("Unknown operation."))
            return self._render(request, indicator, target_form, baseline_form, status=400)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if operation == "target":
                    actions.set_target(actor=request.user, indicator=indicator, year=data["year"],
                                       comparator=data["comparator"], value=data["value"] or None,
                                       value_high=data["value_high"] or None, series=data["series"],
                                       organisation=data["organisation"], text=data["text"],
                                       milestones=data["milestones"], reason=data["reason"])
                    done = _("The target was saved.")
                else:
                    actions.set_baseline(actor=request.user, indicator=indicator, value=data["value"],
                                         as_of=data["as_of"], series=data["series"],
                                         organisation=data["organisation"], source=data["source"],
                                         reason=data["reason"])
                    done = _("The baseline was saved.")
            except ValidationError as exc:
                for name, texts in validation.message_dict(exc).items():
                    for text in texts:
                        form.add_error(name if name in form.fields else None, text)
            else:
                messages.success(request, done)
                return redirect("indicators:targets", indicator.pk)
        return self._render(request, indicator, target_form, baseline_form, status=400)

    def _render(self, request, indicator, target_form, baseline_form, status=200):
        targets = list(Target.objects.filter(indicator=indicator).select_related("organisation", "created_by")
                       .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("date")))
                       .order_by("-is_current", "series", "year", "organisation__name", "-version"))
        for target in targets:
            target.label = target_label(target)
        baselines = list(Baseline.objects.filter(indicator=indicator).select_related("organisation", "created_by")
                         .order_by("-is_current", "series", "organisation__name", "-version"))
        _why_replaced(targets, lambda t: (t.organisation_id, t.series, t.year))
        _why_replaced(baselines, lambda b: (b.organisation_id, b.series))
        return render(request, "indicators/targets.html", {
            "indicator": indicator, "target_form": target_form, "baseline_form": baseline_form,
            "current_targets": [t for t in targets if t.is_current],
            "past_targets": [t for t in targets if not t.is_current],
            "current_baselines": [b for b in baselines if b.is_current],
            "past_baselines": [b for b in baselines if not b.is_current],
        }, status=status)


def _why_replaced(versions, key):
    """Each replaced version gets `replaced_because`: the reason given by the version that replaced it."""
    reasons = {(key(v), v.version): v.reason for v in versions}
    for version in versions:
        version.replaced_because = reasons.get((key(version), version.version + 1), "")
