"""One reported value: its versions, warnings and the timeline of its submission and approval, with the
forms of the workflow the viewer may use (submit, approve, return with a comment, correct with a reason).

Seeing it needs VIEW on its organisation or on the indicator's owner. Every operation calls one service
of indicators.actions, which checks the rights again; a refusal of the rules is shown on its form
(status 400), a refusal of rights is a 403 page.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from nq57.audit.models import AuditEvent
from nq57.core.permissions import can
from nq57.core.roles import Action

from .. import actions, validation
from ..forms import ConfirmFlagsForm, CorrectionForm, ReturnForm
from ..models import IndicatorValue
from ..periods import period_containing
from ..queries import value_visible

V = IndicatorValue.Status
EVENTS_SHOWN = 100
VERBS = {
    "value_saved": gettext_lazy("Saved"),
    "value_corrected": gettext_lazy("Correction started"),
    "value_submitted": gettext_lazy("Submitted for approval"),
    "value_approved": gettext_lazy("Approved"),
    "value_returned": gettext_lazy("Returned with a comment"),
    "value_superseded": gettext_lazy("Replaced by a corrected version"),
}
# operation → the right it needs on the value's organisation
OPERATIONS = {"submit": Action.REPORT, "approve": Action.APPROVE, "return": Action.APPROVE,
              "correct": Action.REPORT}


class ValueView(LoginRequiredMixin, View):
    def _value(self, request, pk):
        value = get_object_or_404(IndicatorValue.objects.select_related(
            "indicator", "indicator__owner", "organisation", "created_by", "submitted_by", "reviewed_by"), pk=pk)
        if not value_visible(request.user, value):
            raise PermissionDenied
        return value

    def get(self, request, pk):
        value = self._value(request, pk)
        return self._render(request, value)

    def post(self, request, pk):
        value = self._value(request, pk)
        operation = request.POST.get("operation", "")
        if operation not in OPERATIONS:
            messages.error(request, _("Unknown operation."))
            return self._render(request, value, status=400)
        if not can(request.user, OPERATIONS[operation], value):
            raise PermissionDenied
        form = self._form(operation, value, request.POST)
        if form is not None and not form.is_valid():
            return self._render(request, value, bound=(operation, form), status=400)
        try:
            result, done = getattr(self, f"do_{operation}")(request, value, form)
        except ValidationError as exc:
            form = form or ConfirmFlagsForm({}, prefix=operation)  # bound and empty: carries the message
            form.is_valid()
            for name, texts in validation.message_dict(exc).items():
                for text in texts:
                    form.add_error(name if name in form.fields else None, text)
            value.refresh_from_db()
            return self._render(request, value, bound=(operation, form), status=400)
        messages.success(request, done)
        return redirect("indicators:value", result.pk)

    @staticmethod
    def _form(operation, value, data=None):
        if operation == "return":
            return ReturnForm(data, prefix="return")
        if operation == "submit":
            return ConfirmFlagsForm(data, prefix="submit")
        if operation == "correct":
            return CorrectionForm(data, prefix="correct", indicator=value.indicator,
                                  initial=CorrectionForm.initial_from(value) if data is None else None)
        return None

    # --- operations: each calls one service function -----------------------------------------------------

    def do_submit(self, request, value, form):
        result = actions.submit_value(actor=request.user, value=value, confirm_flags=form.cleaned_data["confirm_flags"],
                                      flag_note=form.cleaned_data["flag_note"])
        return result, _("The value was sent to the agency head for approval.")

    def do_approve(self, request, value, form):
        return actions.approve_value(actor=request.user, value=value), _("The value was approved.")

    def do_return(self, request, value, form):
        result = actions.return_value(actor=request.user, value=value, comment=form.cleaned_data["comment"])
        return result, _("The value was returned with your comment.")

    def do_correct(self, request, value, form):
        kwargs = form.service_kwargs()
        submit = request.POST.get("then") == "submit"
        result = actions.save_value(
            actor=request.user, indicator=value.indicator, organisation=value.organisation,
            period=period_containing(value.period_end, value.indicator.frequency), series=value.series,
            correction_reason=form.cleaned_data["correction_reason"], submit=submit, source="web", **kwargs)
        if submit:
            return result, _("The correction was sent to the agency head for approval.")
        return result, _("The correction was saved as a draft; submit it when it is ready.")

    # --- the page -----------------------------------------------------------------------------------------

    def _render(self, request, value, bound=None, status=200):
        user = request.user
        operation, bound_form = bound if bound else ("", None)
        versions = list(IndicatorValue.objects.filter(
            indicator=value.indicator_id, organisation=value.organisation_id, series=value.series,
            period_end=value.period_end).select_related("submitted_by", "reviewed_by", "created_by")
            .order_by("-version", "-pk"))
        content_type = ContentType.objects.get_for_model(IndicatorValue)
        events = list(AuditEvent.objects.filter(content_type=content_type,
                                                object_id__in=[str(v.pk) for v in versions])
                      .select_related("actor").order_by("-at", "-pk")[:EVENTS_SHOWN])
        by_pk = {str(v.pk): v for v in versions}
        for event in events:
            event.label = VERBS.get(event.verb, event.get_action_display())
            event.version = by_pk[event.object_id].version if event.object_id in by_pk else None
        rights = {"report": can(user, Action.REPORT, value), "approve": can(user, Action.APPROVE, value)}
        forms = {}
        if rights["report"] and value.status in (V.DRAFT, V.RETURNED):
            forms["submit"] = ConfirmFlagsForm(prefix="submit", initial={"flag_note": value.flag_note})
        if rights["approve"] and value.status == V.SUBMITTED:
            forms["return"] = ReturnForm(prefix="return")
            forms["approve"] = None
        pending = next((v for v in versions if not v.is_current and v.status in (V.DRAFT, V.SUBMITTED, V.RETURNED)
                        and v.pk != value.pk), None)
        if rights["report"] and value.status == V.APPROVED and value.is_current and pending is None:
            forms["correct"] = self._form("correct", value)
        if operation:
            forms[operation] = bound_form
        period = period_containing(value.period_end, value.indicator.frequency)
        return render(request, "indicators/value.html", {
            "value": value, "indicator": value.indicator, "period": period, "versions": versions,
            "events": events, "rights": rights, "forms": forms, "operation": operation, "pending": pending,
            "entry_period": period.key,
        }, status=status)
