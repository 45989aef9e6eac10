"""The officials' lists: the standing office's triage queue and the agencies' inbox, their XLSX export, and
the download of a submission's attachment.

Both lists are scoped through the permission chokepoint (`scope_q`): triage by ASSIGN on the submission's
intake, the inbox by REPORT or APPROVE on an agency that handles it. Tabs are conditions on one queryset,
counted in one aggregate query; each page row gets its working-day clock from one calendar and one set of
rules, so a page costs the same number of queries for ten rows or ten thousand.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views import View

from nq57.core import workdays
from nq57.core.permissions import can, can_anywhere, scope_q
from nq57.core.roles import Action
from nq57.core.text import fold

from .. import deadlines
from ..forms_staff import ListFilterForm
from ..models import OPEN_STATES, Answer, Attachment, Handler, State, Submission

PAGE_SIZE = 50
MAX_ID = 2**63 - 1  # ids are 64-bit; a longer number in a URL is simply not there
ROW_RELATED = ("field", "intake", "lead_agency", "group__lead")


# --- who may do what on one submission ------------------------------------------------------------------


def either(*conditions):
    """OR of scope conditions; an empty Q (scope_q's "everywhere") makes the whole condition empty."""
    if any(not condition for condition in conditions):
        return Q()
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def rights_on(user, submission, handlers):
    """What `user` may do on `submission` (its active `handlers` given, to spare queries)."""
    lead = submission.lead_agency
    assign = can(user, Action.ASSIGN, submission.intake)
    report = lead is not None and can(user, Action.REPORT, lead)
    approve = lead is not None and can(user, Action.APPROVE, lead)
    handles = any(can(user, Action.REPORT, h.organisation) for h in handlers)
    sees_holder = can(user, Action.VIEW, submission.holder)
    return {
        "view": assign or sees_holder or report or approve or handles
        or any(can(user, Action.VIEW, h.organisation) for h in handlers),
        "assign": assign, "report": report, "approve": approve, "publish": assign or approve,
        "note": assign or handles, "moderate": assign,  # `handles` covers the lead too: any active handler
        "contact": sees_holder or assign,
    }


def submission_for(user, pk):
    """(submission, active handlers, rights) if the user may see it: 404 when absent, 403 when out of scope."""
    if not 0 < pk <= MAX_ID:
        raise Http404
    submission = get_object_or_404(Submission.objects.select_related(
        "field", "intake", "holder", "lead_agency", "related_task", "related_task__plan", "related_indicator",
        "group", "group__lead", "submitted_by"), pk=pk)
    handlers = list(submission.handlers.filter(active=True).select_related("organisation").order_by("-role", "pk"))
    rights = rights_on(user, submission, handlers)
    if not rights["view"]:
        raise PermissionDenied
    return submission, handlers, rights


def settings_menu(user):
    """The settings pages `user` may open, as (url name, label), for the links under the lists and the tabs."""
    from ..actions_base import root_organisation

    root = root_organisation()
    national = can(user, Action.ASSIGN, root)
    menu = []
    if national:
        menu += [("feedback:fields", pgettext("feedback field", "Fields")), ("feedback:rules", _("Deadline rules"))]
    if national or can(user, Action.CHANGE_ORG, root):
        menu.append(("feedback:holidays", _("Working-day calendar")))
    if can_anywhere(user, Action.REPORT) or can_anywhere(user, Action.ASSIGN):
        menu.append(("feedback:templates", _("Answer templates")))
    return menu


# --- the clock as shown ---------------------------------------------------------------------------------


CLOCK_CSS = {deadlines.RUNNING: "rag-green", deadlines.DUE_SOON: "rag-amber", deadlines.OVERDUE: "rag-red",
             deadlines.PAUSED: "rag-none", deadlines.STOPPED: "rag-none"}


def describe_clock(clock):
    """{"status", "css", "text", "due"} of a `deadlines.Clock`, for the lists and the handling page."""
    left = clock.working_days_left
    if clock.status == deadlines.OVERDUE:
        late = -left if left else 0
        text = (ngettext("Overdue by %(n)d working day", "Overdue by %(n)d working days", late) % {"n": late}
                if late else _("Overdue"))
    elif clock.status == deadlines.PAUSED:
        text = _("Paused, waiting for the submitter") if left is None else ngettext(
            "Paused: %(n)d working day kept", "Paused: %(n)d working days kept", left) % {"n": left}
    elif clock.status == deadlines.STOPPED:
        text = _("No deadline")
    elif left == 0:
        text = _("Due today")
    else:
        text = ngettext("%(n)d working day left", "%(n)d working days left", left) % {"n": left}
    return {"status": clock.status, "css": CLOCK_CSS.get(clock.status, "rag-none"), "text": text, "due": clock.due}


def attach_clocks(submissions, today=None):
    """Set `.clock` on each submission: one calendar and one set of rules for the whole page."""
    submissions = list(submissions)
    if not submissions:
        return submissions
    today = today or timezone.localdate()
    calendar, rules = workdays.current(), deadlines.rules()
    for submission in submissions:
        submission.clock = describe_clock(deadlines.clock(submission, today, calendar, rules))
    return submissions


# --- the two lists --------------------------------------------------------------------------------------


class StaffList:
    """One list: its base queryset for the user, its tabs (key, label, condition) and its filters."""

    key = ""
    title = ""
    organisation_label = ""
    default_tab = "all"

    def __init__(self, user, today):
        self.user, self.today = user, today

    def allowed(self):
        raise NotImplementedError

    def base(self):
        raise NotImplementedError

    def tabs(self):
        raise NotImplementedError

    def organisation_filter(self, organisation):
        raise NotImplementedError

    def filtered(self, data):
        rows = self.base()
        if data.get("kind"):
            rows = rows.filter(kind=data["kind"])
        if data.get("field") is not None:
            rows = rows.filter(field=data["field"])
        if data.get("organisation") is not None:
            rows = rows.filter(self.organisation_filter(data["organisation"]))
        if text := data.get("q"):
            words = fold(text).split()[:10]
            by_words = Q()
            for word in words:
                by_words &= Q(search_text__contains=word)
            rows = rows.filter(Q(code__iexact=text) | by_words) if words else rows.filter(code__iexact=text)
        return rows

    def tab(self, key):
        tabs = self.tabs()
        keys = [k for k, _label, _condition in tabs]
        return key if key in keys else self.default_tab

    def counts(self, rows):
        """{tab: number} under the current filters, in one query."""
        aggregates = {key: Count("pk", filter=condition) if condition else Count("pk")
                      for key, _label, condition in self.tabs()}
        return rows.aggregate(**aggregates)

    def ordered(self, rows, order):
        if order == "new":
            return rows.order_by("-received_at", "-pk")
        if order == "old":
            return rows.order_by("received_at", "pk")
        return rows.order_by(F("due_date").asc(nulls_last=True), "received_at", "pk")

    def rows(self, data, tab):
        condition = dict((k, c) for k, _l, c in self.tabs())[tab]
        rows = self.filtered(data)
        return self.ordered(rows.filter(condition) if condition else rows, data.get("order") or "due")


def _overdue(today):
    return Q(state__in=OPEN_STATES, due_date__lt=today)


class TriageList(StaffList):
    key = "triage"
    title = gettext_lazy("Triage queue")
    organisation_label = gettext_lazy("Intake")
    default_tab = "new"

    def allowed(self):
        return can_anywhere(self.user, Action.ASSIGN)

    def base(self):
        return Submission.objects.filter(scope_q(self.user, Action.ASSIGN, "intake__path"))

    def tabs(self):
        return [
            ("new", _("New"), Q(state=State.RECEIVED, misroute_count=0)),
            ("returned", _("Returned as misrouted"), Q(state=State.RECEIVED, misroute_count__gt=0)),
            ("contested", _("Contested"), Q(state=State.CONTESTED)),
            ("answered", _("Answered, to publish"), Q(state=State.ANSWERED)),
            ("overdue", _("Overdue"), _overdue(self.today)),
            ("grouped", _("Grouped"), Q(state=State.GROUPED)),
            ("all", _("All"), Q()),
        ]

    def organisation_filter(self, organisation):
        return Q(intake__path__startswith=organisation.path)


class InboxList(StaffList):
    key = "inbox"
    title = gettext_lazy("Agency inbox")
    organisation_label = gettext_lazy("Agency")
    default_tab = "accept"

    def allowed(self):
        return can_anywhere(self.user, Action.REPORT) or can_anywhere(self.user, Action.APPROVE)

    def _handlers(self):
        scope = either(scope_q(self.user, Action.REPORT, "organisation__path"),
                       scope_q(self.user, Action.APPROVE, "organisation__path"))
        return Handler.objects.filter(scope, submission=OuterRef("pk"), active=True)

    def base(self):
        latest_answer = Answer.objects.filter(submission=OuterRef("pk")).order_by("-version", "-pk")
        return (Submission.objects.filter(Exists(self._handlers()))
                .annotate(leads=Exists(self._handlers().filter(role=Handler.Role.LEAD)),
                          answer_status=Subquery(latest_answer.values("status")[:1])))

    def tabs(self):
        tabs = [
            ("accept", _("To accept"), Q(state=State.ROUTED, leads=True)),
            ("in_progress", _("Being handled"), Q(state=State.IN_PROGRESS)),
            ("waiting", _("Waiting for the submitter"), Q(state=State.WAITING_INFO)),
            ("approval", _("Answers awaiting approval"),
             Q(state=State.AWAITING_APPROVAL) & scope_q(self.user, Action.APPROVE, "lead_agency__path")),
            ("returned", _("Answers returned"), Q(state=State.IN_PROGRESS, answer_status=Answer.Status.RETURNED)),
            ("overdue", _("Overdue"), _overdue(self.today)),
            ("all", _("All"), Q()),
        ]
        # The heads' tab only for those who approve somewhere: an empty scope (`pk__in=[]`) inside an aggregate's
        # FILTER would make Django skip the whole count query and report zeros.
        if not can_anywhere(self.user, Action.APPROVE):
            tabs = [tab for tab in tabs if tab[0] != "approval"]
        return tabs

    def organisation_filter(self, organisation):
        return Exists(Handler.objects.filter(submission=OuterRef("pk"), active=True,
                                             organisation__path__startswith=organisation.path))


LISTS = {"triage": TriageList, "inbox": InboxList}


def read_list(request, list_class):
    """(staff list, filter form, tab) for the request; PermissionDenied without the rights the list needs."""
    staff_list = list_class(request.user, timezone.localdate())
    if not staff_list.allowed():
        raise PermissionDenied
    form = ListFilterForm(request.GET, organisation_label=staff_list.organisation_label)
    return staff_list, form, staff_list.tab(request.GET.get("tab", ""))


class StaffListView(LoginRequiredMixin, View):
    list_class = TriageList
    template_name = "feedback/staff/list.html"

    def get(self, request):
        staff_list, form, tab = read_list(request, self.list_class)
        context = {"list": staff_list, "form": form, "tab": tab, "page": None, "tabs": [],
                   "settings_menu": settings_menu(request.user)}
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        data = form.cleaned_data
        counts = staff_list.counts(staff_list.filtered(data))
        context["tabs"] = [{"key": k, "label": label, "n": counts[k]} for k, label, _c in staff_list.tabs()]
        page = Paginator(staff_list.rows(data, tab).select_related(*ROW_RELATED), PAGE_SIZE).get_page(
            request.GET.get("page"))
        page.object_list = attach_clocks(page.object_list, staff_list.today)
        context.update(page=page, active_filters=sum(1 for v in data.values() if v not in (None, "", [])))
        return render(request, self.template_name, context)


class TriageView(StaffListView):
    list_class = TriageList


class InboxView(StaffListView):
    list_class = InboxList


class ExportView(LoginRequiredMixin, View):
    """The triage queue or the inbox, as filtered on screen, as an XLSX workbook."""

    def get(self, request):
        from ..exports import MAX_ROWS, submissions_xlsx

        list_class = LISTS.get(request.GET.get("list", "triage"))
        if list_class is None:
            raise Http404
        staff_list, form, tab = read_list(request, list_class)
        context = {"list": staff_list, "form": form, "tab": tab, "page": None, "tabs": []}
        if not form.is_valid():
            return render(request, "feedback/staff/list.html", context, status=400)
        rows = staff_list.rows(form.cleaned_data, tab)
        if rows.count() > MAX_ROWS:
            context["export_error"] = _("The export is limited to %(n)s rows; narrow the filter.") % {
                "n": f"{MAX_ROWS:,}"}
            return render(request, "feedback/staff/list.html", context, status=400)
        return submissions_xlsx(rows, staff_list.today, f"gop-y-{staff_list.key}-{tab}")


# --- attachments --------------------------------------------------------------------------------------


def attachment(request, pk):
    """Serve a submission's file as a download to the officials who may see the submission."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not 0 < pk <= MAX_ID:
        raise Http404
    item = get_object_or_404(Attachment.objects.select_related("submission"), pk=pk)
    submission_for(request.user, item.submission_id)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=item.original_name,
                            content_type=item.content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
