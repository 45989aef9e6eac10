"""The assignment page: details, reports with evidence, and the forms of the workflow the viewer may use.

Every form posts back here with an `operation`; each operation calls one service function of
plans.actions, which checks the rights again. A refusal is shown on its form (status 400), never a 500.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from nq57.core.permissions import can
from nq57.core.roles import Action

from .. import actions
from ..evidence import ACCEPT_ATTRIBUTE
from ..forms import (AnswerForm, CommentForm, ExtensionDecisionForm, ExtensionForm, ReasonForm, ReportForm,
                     StatusForm, SubtaskForm, VerifyForm)
from ..metrics import assessment_gap, rating_label
from ..models import Assignment, Evidence, ExtensionRequest, ProgressReport, Recommendation, TaskEvent
from .common import add_service_errors
from .timeline import describe_events

S = Assignment.Status
R = ProgressReport.Status
CLOSED = (S.COMPLETED, S.CANCELLED)
EVENTS_SHOWN = 100

# operation → (form class, what it needs: "report" = REPORT on the assignee, "approve", "decide")
OPERATIONS = {
    "report": (ReportForm, "report"),
    "submit": (None, "report"),
    "remove_evidence": (None, "report"),
    "approve": (None, "approve"),
    "return": (CommentForm, "approve"),
    "verify": (VerifyForm, "decide"),
    "return_completion": (ReasonForm, "decide"),
    "extension": (ExtensionForm, "report"),
    "decide_extension": (ExtensionDecisionForm, "decide"),
    "answer": (AnswerForm, "decide"),
    "close_recommendation": (None, "decide"),
    "subtask": (SubtaskForm, "report"),
    "status": (StatusForm, "status"),
}


class _Refused(Exception):
    """Input that names something that is not there (a report of another assignment, a bad id)."""


def _pick(queryset, value):
    if not str(value or "").isdecimal() or len(str(value)) > 18:
        raise _Refused(_("This item no longer exists."))
    item = queryset.filter(pk=int(value)).first()
    if item is None:
        raise _Refused(_("This item no longer exists."))
    return item


class AssignmentView(LoginRequiredMixin, View):
    """One agency's assignment of a task and what can be done with it."""

    def _assignment(self, request, pk):
        assignment = get_object_or_404(Assignment.objects.select_related(
            "task", "task__plan", "task__plan__owner", "task__group", "task__product_type", "organisation",
            "parent", "parent__organisation", "responsible_user"), pk=pk)
        if not (can(request.user, Action.VIEW, assignment.organisation)
                or can(request.user, Action.VIEW, assignment.task.plan.owner)):
            raise PermissionDenied
        return assignment

    @staticmethod
    def _rights(user, assignment):
        report = can(user, Action.REPORT, assignment)
        decide = actions.can_decide(user, assignment)
        return {
            "report": report, "approve": can(user, Action.APPROVE, assignment), "decide": decide,
            "status": decide or report,
            # Drafts and reports awaiting the agency head are the agency's own until approved.
            "sees_drafts": can(user, Action.VIEW, assignment.organisation),
        }

    def get(self, request, pk):
        assignment = self._assignment(request, pk)
        return self._render(request, assignment, self._rights(request.user, assignment))

    def post(self, request, pk):
        assignment = self._assignment(request, pk)
        rights = self._rights(request.user, assignment)
        operation = request.POST.get("operation", "")
        if operation not in OPERATIONS:
            messages.error(request, _("Unknown operation."))
            return self._render(request, assignment, rights, status=400)
        form_class, needs = OPERATIONS[operation]
        if not rights[needs]:
            raise PermissionDenied
        form = form_class(request.POST, request.FILES, prefix=operation) if form_class else None
        try:
            if form is not None and not form.is_valid():
                raise _Refused("")
            done = getattr(self, f"do_{operation}")(request, assignment, form.cleaned_data if form else {})
        except PermissionDenied:
            raise
        except (ValidationError, _Refused) as exc:
            if isinstance(exc, ValidationError):
                form = form or _MessageForm({}, prefix=operation)
                add_service_errors(form, exc, rename={"file": "evidence"})
            elif str(exc):
                form = form or _MessageForm({}, prefix=operation)
                form.add_error(None, str(exc))
            assignment.refresh_from_db()
            return self._render(request, assignment, rights, bound=(operation, form), status=400)
        messages.success(request, done)
        return redirect(assignment.get_absolute_url())

    # --- operations: each calls one service function and says what was done -----------------------

    def do_report(self, request, assignment, data):
        report = None
        if request.POST.get("report"):
            report = _pick(assignment.reports.all(), request.POST["report"])
        stored = []
        try:
            with transaction.atomic():
                report = actions.save_progress_report(
                    actor=request.user, assignment=assignment, period_end=data["period_end"], text=data["text"],
                    progress=data["progress"], self_rating=data["self_rating"], difficulties=data["difficulties"],
                    recommendations=data["recommendations"], reports_completion=data["reports_completion"],
                    report=report)
                for uploaded in data["evidence"]:
                    stored.append(actions.add_evidence(actor=request.user, report=report, uploaded_file=uploaded))
                if request.POST.get("then") == "submit":
                    actions.submit_progress_report(actor=request.user, report=report)
                    return _("The report was sent to the agency head for approval.")
        except ValidationError:
            for evidence in stored:  # the rows were rolled back; the files must go too
                evidence.file.storage.delete(evidence.file.name)
            raise
        return _("The report was saved as a draft.")

    def do_submit(self, request, assignment, data):
        report = _pick(assignment.reports.all(), request.POST.get("report"))
        actions.submit_progress_report(actor=request.user, report=report)
        return _("The report was sent to the agency head for approval.")

    def do_remove_evidence(self, request, assignment, data):
        evidence = _pick(Evidence.objects.filter(report__assignment=assignment), request.POST.get("evidence"))
        actions.remove_evidence(actor=request.user, evidence=evidence)
        return _("The file was removed.")

    def do_approve(self, request, assignment, data):
        report = _pick(assignment.reports.all(), request.POST.get("report"))
        actions.approve_progress_report(actor=request.user, report=report)
        return _("The report was approved.")

    def do_return(self, request, assignment, data):
        report = _pick(assignment.reports.all(), request.POST.get("report"))
        actions.return_progress_report(actor=request.user, report=report, comment=data["comment"])
        return _("The report was returned to its author.")

    def do_verify(self, request, assignment, data):
        actions.verify_completion(actor=request.user, assignment=assignment, completed_on=data["completed_on"])
        return _("The completion was verified.")

    def do_return_completion(self, request, assignment, data):
        actions.return_completion(actor=request.user, assignment=assignment, reason=data["reason"])
        return _("The completion was returned to the agency.")

    def do_extension(self, request, assignment, data):
        actions.request_extension(actor=request.user, assignment=assignment,
                                  requested_deadline=data["requested_deadline"], reason=data["reason"])
        return _("The extension request was sent to the assigning body.")

    def do_decide_extension(self, request, assignment, data):
        extension = _pick(assignment.extension_requests.all(), request.POST.get("request"))
        actions.decide_extension(actor=request.user, request=extension, approve=data["decision"] == "approve",
                                 note=data["note"])
        return _("The extension was approved.") if data["decision"] == "approve" else _("The extension was refused.")

    def do_answer(self, request, assignment, data):
        recommendation = _pick(assignment.recommendations.all(), request.POST.get("recommendation"))
        actions.answer_recommendation(actor=request.user, recommendation=recommendation, answer=data["answer"])
        return _("The answer was sent.")

    def do_close_recommendation(self, request, assignment, data):
        recommendation = _pick(assignment.recommendations.all(), request.POST.get("recommendation"))
        actions.close_recommendation(actor=request.user, recommendation=recommendation)
        return _("The recommendation was closed.")

    def do_subtask(self, request, assignment, data):
        actions.create_subtask(actor=request.user, assignment=assignment, organisation=data["organisation"],
                               title=data["title"], deadline=data["deadline"])
        return _("The sub-task was created.")

    def do_status(self, request, assignment, data):
        actions.set_assignment_status(actor=request.user, assignment=assignment, status=data["status"],
                                      reason=data["reason"])
        return _("The status was changed.")

    # --- the page ------------------------------------------------------------------------------------

    def _render(self, request, assignment, rights, bound=None, status=200):
        operation, bound_form = bound if bound else ("", None)
        bound_id = str(request.POST.get({"return": "report", "decide_extension": "request",
                                         "answer": "recommendation"}.get(operation, "-"), ""))

        def item_form(form_class, op, pk):
            """The form of one item (a report, a request, a recommendation), with its own element ids."""
            if operation == op and bound_id == str(pk):
                return bound_form
            return form_class(prefix=op, auto_id=f"id_%s_{pk}")

        reports = assignment.reports.select_related("author", "reviewed_by").prefetch_related("evidence")
        if not rights["sees_drafts"]:
            reports = reports.filter(status=R.APPROVED)
        reports = list(reports)
        for report in reports:
            report.editable = report.status in (R.DRAFT, R.RETURNED)
            if report.status == R.SUBMITTED and rights["approve"]:
                report.return_form = item_form(CommentForm, "return", report.pk)
        editing = None
        edit = request.POST.get("report", "") if operation == "report" else request.GET.get("edit", "")
        if rights["report"] and str(edit).isdecimal():
            editing = next((r for r in reports if r.pk == int(edit) and r.editable), None)
        initial = {}
        if editing is not None:
            initial = {name: getattr(editing, name) for name in (
                "period_end", "text", "progress", "self_rating", "difficulties", "recommendations",
                "reports_completion")}
        forms = {"report": ReportForm(prefix="report", initial=initial), "verify": VerifyForm(prefix="verify"),
                 "return_completion": ReasonForm(prefix="return_completion"),
                 "extension": ExtensionForm(prefix="extension"), "subtask": SubtaskForm(prefix="subtask"),
                 "status": StatusForm(prefix="status")}
        top_errors = []
        if operation in forms:
            forms[operation] = bound_form
        elif bound_form is not None and OPERATIONS[operation][0] is None:
            top_errors = bound_form.non_field_errors()  # buttons without a form of their own
        extensions = list(assignment.extension_requests.select_related("requested_by", "decided_by"))
        for extension in extensions:
            if extension.status == ExtensionRequest.Status.PENDING and rights["decide"]:
                extension.decision_form = item_form(ExtensionDecisionForm, "decide_extension", extension.pk)
        recommendations = list(assignment.recommendations.select_related("answered_by").order_by("-created_at"))
        for recommendation in recommendations:
            if recommendation.status != Recommendation.Status.CLOSED and rights["decide"]:
                recommendation.answer_form = item_form(AnswerForm, "answer", recommendation.pk)
        events = list(TaskEvent.objects.filter(assignment=assignment).select_related(
            "actor", "assignment__organisation").order_by("-at", "-id")[:EVENTS_SHOWN])
        open_work = assignment.status not in CLOSED
        return render(request, "plans/assignment.html", {
            "assignment": assignment, "task": assignment.task, "plan": assignment.task.plan,
            "rights": rights, "forms": forms, "top_errors": top_errors, "reports": reports, "editing": editing,
            "self_rating_label": rating_label(assignment.self_rating),
            "gap": assessment_gap(assignment.timeliness, assignment.self_rating),
            "subtasks": assignment.subtasks.select_related("organisation").order_by("organisation__path"),
            "extensions": extensions,
            "pending_extension": any(e.status == ExtensionRequest.Status.PENDING for e in extensions),
            "recommendations": recommendations,
            "events": describe_events(events),
            "may_file": rights["report"] and open_work,
            "may_extend": rights["report"] and open_work and assignment.effective_deadline is not None,
            "may_change_status": (rights["decide"] and assignment.status != S.COMPLETED) or (
                rights["report"] and assignment.status == S.NOT_STARTED),
            "accept": ACCEPT_ATTRIBUTE,
        }, status=status)


class _MessageForm(forms.Form):
    """A form with no fields, to carry an error for a button-only operation."""
