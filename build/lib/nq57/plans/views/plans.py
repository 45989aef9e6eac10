"""The list of tracked documents, a new plan, a new task, and a plan's overview by group."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from nq57.core.permissions import can, can_anywhere
from nq57.core.roles import Action
from nq57.core.text import fold
from nq57.orgs.resolution import AMBIGUOUS, GROUP, NOT_FOUND, RESOLVED, Resolver

from .. import actions
from ..filters import plan_assignments, plan_tasks, sees_whole_plan, visible_plans
from ..forms import PlanForm, TaskForm
from ..metrics import overview
from ..models import Assignment, Plan, TaskGroup
from .common import PAGE_SIZE, add_service_errors, plan_or_403

CHAIN_LIMIT = 10  # guards against a cycle in "implements"


def implements_chains(plans):
    """For each plan, the documents it implements, nearest first ("03/NQ-CP ← 57-NQ/TW"), in one query."""
    wanted = {p.implements_id for p in plans if p.implements_id}
    if not wanted:
        return {}
    parents = {pk: (label, parent) for pk, label, parent in (
        (pk, number or title, parent) for pk, number, title, parent in
        Plan.objects.values_list("pk", "number", "title", "implements_id"))}
    chains = {}
    for plan in plans:
        chain, current = [], plan.implements_id
        while current and current in parents and len(chain) < CHAIN_LIMIT:
            label, parent = parents[current]
            chain.append({"pk": current, "label": label})
            current = parent
        chains[plan.pk] = chain
    return chains


class PlanListView(LoginRequiredMixin, View):
    """Tracked documents the user can see: those of bodies in scope, and those assigning work to them."""

    def get(self, request):
        query = (request.GET.get("q") or "").replace("\x00", "").strip()[:100]
        plans = visible_plans(request.user).select_related("issuer", "owner")
        if query:
            plans = plans.filter(Q(number__icontains=query) | Q(title__icontains=query)
                                 | Q(issuer__search_name__contains=fold(query)))
        page = Paginator(plans.order_by("-issued_on", "title", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
        chains = implements_chains(page.object_list)
        for plan in page.object_list:
            plan.chain = chains.get(plan.pk, [])
        return render(request, "plans/list.html", {
            "page": page, "query": query, "may_create": can_anywhere(request.user, Action.ASSIGN)})


class PlanCreateView(LoginRequiredMixin, View):
    """A new tracked document, by a body's standing office (a province can create its own plans)."""

    def _check(self, request):
        if not can_anywhere(request.user, Action.ASSIGN):
            raise PermissionDenied

    def get(self, request):
        self._check(request)
        form = PlanForm(plans=visible_plans(request.user), initial={"kind": Plan.DocumentKind.PLAN})
        return render(request, "plans/plan_form.html", {"form": form})

    def post(self, request):
        self._check(request)
        form = PlanForm(request.POST, plans=visible_plans(request.user))
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = actions.create_plan(actor=request.user, kind=data["kind"], number=data["number"],
                                           title=data["title"], issuer=data["issuer"], owner=data["owner"],
                                           issued_on=data["issued_on"], implements=data["implements"],
                                           reporting_frequency=data["reporting_frequency"])
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, PermissionDenied):
                    form.add_error("owner", _("You may not assign work on behalf of this body."))
                else:
                    add_service_errors(form, exc)
            else:
                messages.success(request, _("The plan was created. Add its tasks."))
                return redirect("plans:overview", plan.pk)
        return render(request, "plans/plan_form.html", {"form": form}, status=400)


def resolve_agencies(text):
    """(organisations, errors) for a cell of agency names; groups fan out to their members."""
    organisations, errors = [], []
    if not text.strip():
        return organisations, errors
    for result in Resolver().resolve_cell(text):
        if result.status == RESOLVED:
            organisations.append(result.organisation)
        elif result.status == GROUP and not result.group.needs_selection:
            organisations.extend(result.group.member_queryset().order_by("path"))
        elif result.status == GROUP:
            errors.append(_("“%(text)s” names a group whose members the document leaves open; list the "
                            "agencies by name.") % {"text": result.text})
        elif result.status == AMBIGUOUS:
            choices = "; ".join(f"{c.name} ({c.code})" for c in result.candidates[:8])
            errors.append(_("“%(text)s” could be several organisations: %(choices)s") % {
                "text": result.text, "choices": choices})
        elif result.status == NOT_FOUND:
            errors.append(_("“%(text)s” is not an organisation or group we know.") % {"text": result.text})
    unique = list({o.pk: o for o in organisations}.values())
    return unique, errors


class TaskCreateView(LoginRequiredMixin, View):
    """Add a task to a plan; agencies are typed as the document writes them and resolved by name."""

    def _plan(self, request, pk):
        plan = plan_or_403(request.user, pk)
        if not can(request.user, Action.ASSIGN, plan.owner):
            raise PermissionDenied
        return plan

    def get(self, request, pk):
        plan = self._plan(request, pk)
        return render(request, "plans/task_form.html", {"plan": plan, "form": TaskForm(plan=plan)})

    def post(self, request, pk):
        plan = self._plan(request, pk)
        form = TaskForm(request.POST, plan=plan)
        if form.is_valid():
            data = form.cleaned_data
            lead, lead_errors = resolve_agencies(data["lead_text"])
            coordinating, coordinating_errors = resolve_agencies(data["coordinating_text"])
            for message in lead_errors:
                form.add_error("lead_text", message)
            for message in coordinating_errors:
                form.add_error("coordinating_text", message)
            if not lead_errors and not coordinating_errors:
                try:
                    task = actions.create_task(
                        actor=request.user, plan=plan, code=data["code"], title=data["title"], group=data["group"],
                        product_type=data["product_type"], product_text=data["product_text"],
                        deadline_text=data["deadline_text"], responsible_person=data["responsible_person"],
                        source_article=data["source_article"], lead=lead,
                        coordinating=[o for o in coordinating if o.pk not in {x.pk for x in lead}],
                        lead_text=data["lead_text"], coordinating_text=data["coordinating_text"])
                except (ValidationError, PermissionDenied) as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("The task was added and assigned."))
                    return redirect(task.get_absolute_url())
        return render(request, "plans/task_form.html", {"plan": plan, "form": form}, status=400)


def _cells(counts, choices):
    return [{"value": value, "label": label, "n": counts.get(value, 0)} for value, label in choices]


class PlanOverviewView(LoginRequiredMixin, View):
    """Per group: tasks, incomplete tasks, assignments by status and by timeliness; every count links
    to the task list filtered the same way. A constant number of aggregate queries."""

    def get(self, request, pk):
        plan = plan_or_403(request.user, pk)
        whole = sees_whole_plan(request.user, plan)
        groups = list(TaskGroup.objects.filter(plan=plan).order_by("sort_order", "code"))
        task_rows = (plan_tasks(request.user, plan, whole_plan=whole).values("group_id")
                     .annotate(tasks=Count("id"), incomplete=Count("id", filter=Q(is_incomplete=True))).order_by())
        assignment_rows = (plan_assignments(request.user, plan).filter(parent__isnull=True)
                           .values("task__group_id", "status", "timeliness").annotate(n=Count("id")).order_by())
        rows, total = overview(groups, task_rows,
                               [{**r, "group_id": r["task__group_id"]} for r in assignment_rows])
        for row in [*rows, total]:
            row["status_cells"] = _cells(row["status"], Assignment.Status.choices)
            row["timeliness_cells"] = _cells(row["timeliness"], Assignment.Timeliness.choices)
        return render(request, "plans/overview.html", {
            "plan": plan, "rows": rows, "total": total, "whole_plan": whole,
            "status_choices": Assignment.Status.choices, "timeliness_choices": Assignment.Timeliness.choices,
            "may_assign": can(request.user, Action.ASSIGN, plan.owner),
            "chain": implements_chains([plan]).get(plan.pk, []),
            "implementing": plan.implementing_plans.filter(pk__in=visible_plans(request.user).values("pk"))
                                                   .order_by("-issued_on", "title")[:50],
        })
