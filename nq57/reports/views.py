"""/reports/: request a periodic report, follow its generation, download its files; report schedules.

Every page asks `can(user, VIEW, scope)` (lists go through `restrict`); schedules ask APPROVE (see actions).
Anonymous people are sent to the login page, signed-in people without the right get 403.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View

from nq57.core.forms import add_service_errors
from nq57.core.permissions import can, can_anywhere
from nq57.core.roles import Action
from nq57.indicators.queries import require_viewer  # role holders only

from . import actions
from .forms import ReportForm, ScheduleForm
from .mail import CONTENT_TYPES, download_name, report_title
from .models import Report, ReportSchedule

MAX_ID = 2**63 - 1  # ids are 64-bit; a longer number in a URL is simply not there
PAGE_SIZE = 50
PENDING = (Report.Status.QUEUED, Report.Status.RUNNING)


def report_or_403(user, pk):
    """The report, if the user may see its scope: 404 when there is no such report, 403 when out of scope."""
    if not 0 < pk <= MAX_ID:
        raise Http404
    report = get_object_or_404(Report.objects.select_related("scope", "requested_by", "schedule"), pk=pk)
    if not can(user, Action.VIEW, report):
        raise PermissionDenied
    return report


def schedule_or_403(user, pk):
    if not 0 < pk <= MAX_ID:
        raise Http404
    schedule = get_object_or_404(ReportSchedule.objects.select_related("scope", "created_by"), pk=pk)
    if not can(user, Action.APPROVE, schedule):
        raise PermissionDenied
    return schedule


class ReportListView(LoginRequiredMixin, View):
    """The reports of the user's scopes, newest first, and the schedules."""

    def get(self, request):
        user = request.user
        require_viewer(user)
        reports = (Report.objects.restrict(user).select_related("scope", "requested_by")
                   .defer("figures", "recipients"))
        mine = request.GET.get("mine") == "1"
        if mine:
            reports = reports.filter(requested_by=user)
        page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
        language = translation.get_language()
        for report in page:
            report.title = report_title(report, language)
        schedules = list(ReportSchedule.objects.restrict(user).select_related("scope"))
        for schedule in schedules:
            schedule.editable = can(user, Action.APPROVE, schedule)
            schedule.address_count = len([line for line in schedule.emails.splitlines() if line.strip()])
        return render(request, "reports/list.html", {
            "page": page, "mine": mine, "schedules": schedules,
            "may_schedule": can_anywhere(user, Action.APPROVE),
        })


class ReportCreateView(LoginRequiredMixin, View):
    """Request a report: scope, period, language and the document's particulars; generated in the background."""

    template = "reports/form.html"

    def initial(self, request):
        """Prefill from ?from=<report> (the same particulars again) or ?scope=<organisation>."""
        initial = {}
        source = request.GET.get("from", "")
        if source.isdigit() and 0 < int(source) <= MAX_ID:
            report = Report.objects.filter(pk=int(source)).select_related("scope").first()
            if report is not None and can(request.user, Action.VIEW, report):
                from . import periods

                initial = {"scope": str(report.scope_id), "period_kind": report.period_kind,
                           "year": report.period_start.year,
                           "period_number": periods.number_of(report.period_kind, report.period_start),
                           "language": report.language, "document_number": report.number, "place": report.place,
                           "recipients": report.recipients, "signer_title": report.signer_title,
                           "signer_name": report.signer_name}
        scope = request.GET.get("scope", "")
        if scope.isdigit() and "scope" not in initial:
            initial["scope"] = scope
        return initial

    def get(self, request):
        require_viewer(request.user)
        form = ReportForm(user=request.user, initial=self.initial(request))
        return render(request, self.template, {"form": form})

    def post(self, request):
        require_viewer(request.user)
        form = ReportForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = actions.request_report(
                    actor=request.user, scope=data["scope"], period_kind=data["period_kind"], year=data["year"],
                    period_number=data["period_number"], language=data["language"],
                    document_number=data["document_number"], place=data["place"], recipients=data["recipients"],
                    signer_title=data["signer_title"], signer_name=data["signer_name"])
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc, refused_field="scope")
            else:
                messages.success(request, _("The report is being generated. This page shows its progress."))
                return redirect(report)
        return render(request, self.template, {"form": form}, status=400)


def _status_context(report):
    return {"report": report, "pending": report.status in PENDING, "may_retry": actions.may_retry(report),
            "title": report_title(report, translation.get_language())}


def figure_rows(report):
    """Rows (label, current, previous, change, is a rate) of the stored summary figures, in the order and with
    the names of the report's own summary table (content.MEASURES); keys it does not name are left out."""
    from .content import MEASURES

    figures = report.figures or {}
    current, previous = figures.get("current") or {}, figures.get("previous") or {}
    rows = []
    for key, label, is_rate, _better in MEASURES:
        if key not in current:
            continue
        value, before = _number(current.get(key)), _number(previous.get(key))
        change = None if value is None or before is None else round(value - before, 1)
        rows.append({"key": key, "label": str(label), "current": value, "previous": before, "change": change,
                     "is_rate": is_rate})
    return rows


def _number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ReportDetailView(LoginRequiredMixin, View):
    """A report's particulars, its progress while generated, then its files and summary figures."""

    def get(self, request, pk):
        report = report_or_403(request.user, pk)
        context = _status_context(report)
        context["figures"] = figure_rows(report) if report.status == Report.Status.DONE else []
        context["recipients"] = [line for line in report.recipients.splitlines() if line.strip()]
        return render(request, "reports/detail.html", context)


class ReportProgressView(LoginRequiredMixin, View):
    """The status fragment polled by htmx every 2 s; once the report is no longer pending, the page reloads
    to show the files."""

    def get(self, request, pk):
        report = report_or_403(request.user, pk)
        response = render(request, "reports/_status.html", _status_context(report))
        if report.status not in PENDING and request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"
        response["Cache-Control"] = "no-store"
        return response


class ReportDownloadView(LoginRequiredMixin, View):
    """One of the report's files, as an attachment with a readable name."""

    def get(self, request, pk, fmt):
        if fmt not in CONTENT_TYPES:
            raise Http404
        report = report_or_403(request.user, pk)
        field = getattr(report, fmt)
        if report.status != Report.Status.DONE or not field:
            raise Http404
        try:
            handle = field.open("rb")
        except (FileNotFoundError, OSError, ValueError):
            raise Http404 from None
        response = FileResponse(handle, as_attachment=True, filename=download_name(report, fmt),
                                content_type=CONTENT_TYPES[fmt])
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class ReportRetryView(LoginRequiredMixin, View):
    """Generate a failed (or lost) report again."""

    def post(self, request, pk):
        report = report_or_403(request.user, pk)
        try:
            actions.retry_report(actor=request.user, report=report)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The report is being generated again."))
        return redirect(report)


class ScheduleFormView(LoginRequiredMixin, View):
    """Create (no pk) or change a report schedule."""

    template = "reports/schedule_form.html"

    def schedule(self, request, pk):
        if pk is None:
            if not can_anywhere(request.user, Action.APPROVE):
                raise PermissionDenied
            return None
        return schedule_or_403(request.user, pk)

    def get(self, request, pk=None):
        schedule = self.schedule(request, pk)
        if schedule is None:
            initial = {"scope": request.GET.get("scope", "")} if request.GET.get("scope", "").isdigit() else {}
        else:
            initial = {"scope": str(schedule.scope_id), "period_kind": schedule.period_kind,
                       "language": schedule.language, "emails": schedule.emails, "recipients": schedule.recipients,
                       "days_after": schedule.days_after, "active": schedule.active}
        form = ScheduleForm(user=request.user, initial=initial)
        return render(request, self.template, {"form": form, "schedule": schedule})

    def post(self, request, pk=None):
        schedule = self.schedule(request, pk)
        form = ScheduleForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            values = {name: data[name] for name in ("scope", "period_kind", "language", "emails", "recipients",
                                                    "days_after", "active")}
            try:
                if schedule is None:
                    schedule = actions.create_schedule(actor=request.user, **values)
                    messages.success(request, _("The schedule was created."))
                else:
                    schedule = actions.update_schedule(actor=request.user, schedule=schedule, **values)
                    messages.success(request, _("The schedule was saved."))
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc, refused_field="scope")
            else:
                return redirect("reports:list")
        return render(request, self.template, {"form": form, "schedule": schedule}, status=400)


class ScheduleDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        schedule = schedule_or_403(request.user, pk)
        actions.delete_schedule(actor=request.user, schedule=schedule)
        messages.success(request, _("The schedule was deleted. The reports it made are kept."))
        return redirect("reports:list")
