"""The task list (per assignment or per task) with its filters and XLSX export, and the task page."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from nq57.core.permissions import can, scope_q
from nq57.core.roles import Action

from ..exports import MAX_ROWS, assignments_xlsx, tasks_xlsx
from ..filters import (filter_assignments, filter_tasks, has_assignment_filters, plan_assignments, plan_tasks,
                       sees_whole_plan, task_assignments)
from ..forms import TaskFilterForm
from ..metrics import assessment_gap, rating_label
from ..models import Assignment, ExtensionRequest, ProgressReport, Recommendation, TaskEvent
from .common import PAGE_SIZE, plan_or_403, task_or_403
from .timeline import describe_events

ASSIGNMENT_ORDER = ("task__sort_order", "task_id", "-role", "organisation__path", "pk")  # lead before coordinating


def _filtered(request, plan, form):
    """(view, queryset) for a valid filter form: assignments or tasks of the plan the user may see."""
    data = form.cleaned_data
    assignments = plan_assignments(request.user, plan)
    if data["view"] == "assignments":
        return "assignments", filter_assignments(assignments, data)
    tasks = filter_tasks(plan_tasks(request.user, plan, whole_plan=sees_whole_plan(request.user, plan)), data)
    if has_assignment_filters(data):
        tasks = tasks.filter(pk__in=filter_assignments(assignments, data, deadlines=False).values("task_id"))
    return "tasks", tasks


def _summaries(request, plan, tasks):
    """Per task on the page: its assignments the user may see, counted by status and timeliness."""
    summary = {task.pk: {"n": 0, "completed": 0, "overdue": 0, "at_risk": 0, "pending": 0} for task in tasks}
    rows = (plan_assignments(request.user, plan).filter(task__in=[t.pk for t in tasks], parent__isnull=True)
            .values_list("task_id", "status", "timeliness").annotate(n=Count("id")).order_by())
    for task_id, status, timeliness, n in rows:
        entry = summary[task_id]
        entry["n"] += n
        entry["completed"] += n if status == Assignment.Status.COMPLETED else 0
        entry["pending"] += n if status == Assignment.Status.PENDING_VERIFICATION else 0
        entry["overdue"] += n if timeliness == Assignment.Timeliness.OVERDUE else 0
        entry["at_risk"] += n if timeliness == Assignment.Timeliness.AT_RISK else 0
    for task in tasks:
        task.summary = summary[task.pk]


class TaskListView(LoginRequiredMixin, View):
    """The plan's tasks, filtered by GET parameters that work without JavaScript, 50 rows a page."""

    def get(self, request, pk):
        plan = plan_or_403(request.user, pk)
        form = TaskFilterForm(request.GET, plan=plan)
        context = {"plan": plan, "form": form, "page": None, "view": "assignments",
                   "may_assign": can(request.user, Action.ASSIGN, plan.owner)}
        if not form.is_valid():
            return render(request, "plans/tasks.html", context, status=400)
        view, rows = _filtered(request, plan, form)
        if view == "assignments":
            # Sort and cut the page on ids alone, then load the 50 rows: sorting 150,000 narrow rows
            # is several times cheaper than sorting them with every column of the joined tables.
            page = Paginator(rows.order_by(*ASSIGNMENT_ORDER).values_list("pk", flat=True), PAGE_SIZE).get_page(
                request.GET.get("page"))
            loaded = Assignment.objects.filter(pk__in=list(page.object_list)).select_related(
                "task", "task__group", "organisation", "parent").in_bulk()
            page.object_list = [loaded[pk] for pk in page.object_list]
        else:
            page = Paginator(rows.select_related("group").order_by("sort_order", "pk"), PAGE_SIZE).get_page(
                request.GET.get("page"))
            _summaries(request, plan, page.object_list)
        context.update(view=view, page=page, active_filters=sum(
            1 for name, value in form.cleaned_data.items() if value and name != "view"))
        return render(request, "plans/tasks.html", context)


class TaskExportView(LoginRequiredMixin, View):
    """The task list as filtered, as an XLSX workbook."""

    def get(self, request, pk):
        plan = plan_or_403(request.user, pk)
        form = TaskFilterForm(request.GET, plan=plan)
        context = {"plan": plan, "form": form, "page": None, "view": "assignments"}
        if not form.is_valid():
            return render(request, "plans/tasks.html", context, status=400)
        view, rows = _filtered(request, plan, form)
        if rows.count() > MAX_ROWS:
            context["export_error"] = _("The export is limited to %(n)s rows; narrow the filter.") % {
                "n": f"{MAX_ROWS:,}"}
            return render(request, "plans/tasks.html", context, status=400)
        stem = f"nhiem-vu-{plan.pk}"
        if view == "assignments":
            return assignments_xlsx(rows.order_by(*ASSIGNMENT_ORDER), f"{stem}-co-quan.xlsx")
        return tasks_xlsx(rows.order_by("sort_order", "pk"), plan_assignments(request.user, plan), f"{stem}.xlsx")


FIVE_CLEAR = [
    ("who", gettext_lazy("Clear person: who leads")),
    ("what", gettext_lazy("Clear work: what is to be done")),
    ("when", gettext_lazy("Clear time: by when")),
    ("responsibility", gettext_lazy("Clear responsibility: who answers for it")),
    ("product", gettext_lazy("Clear product: what it delivers")),
]
TIMELINE_LIMIT = 300
ASSIGNMENTS_SHOWN = 100
LEADS_NAMED = 10


def visible_events(user, task, assignments):
    """The task's timeline rows the user may see: task-wide ones and those of visible assignments."""
    events = TaskEvent.objects.filter(task=task)
    if not can(user, Action.VIEW, task.plan.owner):
        events = events.filter(Q(assignment__isnull=True) | Q(assignment__in=assignments))
    return events.select_related("actor", "assignment__organisation").order_by("-at", "-id")


class TaskDetailView(LoginRequiredMixin, View):
    """One task: the "5 clear" items, the text as written, its assignments, and everything that happened."""

    def get(self, request, pk):
        task = task_or_403(request.user, pk)
        assignments = task_assignments(request.user, task)
        # A task given to "the ministries, sectors and localities" has hundreds of assignments: a page at a time.
        page = Paginator(assignments.select_related("organisation", "responsible_user", "parent")
                         .order_by("parent_id", "-role", "organisation__path", "pk"), ASSIGNMENTS_SHOWN
                         ).get_page(request.GET.get("page"))
        for assignment in page:
            assignment.gap = assessment_gap(assignment.timeliness, assignment.self_rating)
            assignment.self_rating_label = rating_label(assignment.self_rating)
        lead_rows = assignments.filter(role=Assignment.Role.LEAD, parent__isnull=True).select_related(
            "organisation", "responsible_user").order_by("organisation__path")
        leads = list(lead_rows[:LEADS_NAMED + 1])
        missing = set(task.missing_items or [])
        events = list(visible_events(request.user, task, assignments)[:TIMELINE_LIMIT + 1])
        return render(request, "plans/task.html", {
            "task": task, "plan": task.plan, "page": page, "leads": leads[:LEADS_NAMED],
            "more_leads": lead_rows.count() - LEADS_NAMED if len(leads) > LEADS_NAMED else 0,
            "five_clear": [{"code": code, "label": label, "missing": code in missing} for code, label in FIVE_CLEAR],
            "events": describe_events(events[:TIMELINE_LIMIT]),
            "events_truncated": len(events) > TIMELINE_LIMIT,
            "may_assign": can(request.user, Action.ASSIGN, task.plan.owner),
            "pending_extensions": ExtensionRequest.objects.filter(
                assignment__in=assignments, status=ExtensionRequest.Status.PENDING).count(),
            "open_recommendations": Recommendation.objects.filter(
                assignment__in=assignments, status=Recommendation.Status.OPEN).count(),
            "reports_waiting": ProgressReport.objects.filter(
                scope_q(request.user, Action.APPROVE, "assignment__organisation__path"),
                assignment__in=assignments, status=ProgressReport.Status.SUBMITTED).count(),
        })
