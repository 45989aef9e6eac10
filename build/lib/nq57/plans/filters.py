"""Who sees which plans, tasks and assignments, and the filters of the task list.

Visibility goes through the permission chokepoint (`can`, `scope_q`, `restrict`): a plan is visible
to those who may view its assigning body, and to agencies that have an assignment in it; such an
agency sees the plan's tasks it is assigned and its own assignments only.
"""

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from nq57.core.permissions import can, scope_q
from nq57.core.roles import Action
from nq57.core.text import fold, search_key
from nq57.orgs.models import Organisation

from .models import Assignment, Plan, Task

SEARCH_FIELDS = ("code", "title", "lead_text", "coordinating_text", "product_text", "deadline_text",
                 "responsible_person", "source_article")


# --- the folded search column -------------------------------------------------------------------------


def task_search_text(task):
    """The accent-folded text a task is searched by."""
    return fold(" ".join(str(getattr(task, name) or "") for name in SEARCH_FIELDS))


def refresh_search_text(tasks, batch_size=1000):
    """Recompute Task.search_text for the given tasks (instances or a queryset); returns how many changed."""
    changed = []
    for task in tasks:
        text = task_search_text(task)
        if task.search_text != text:
            task.search_text = text
            changed.append(task)
    Task.objects.bulk_update(changed, ["search_text"], batch_size=batch_size)
    return len(changed)


# --- visibility ---------------------------------------------------------------------------------------


def either(*conditions):
    """OR of scope conditions; an empty Q (scope_q's "everywhere") makes the whole condition empty.

    Plain `Q() | q` returns q, which would narrow a superuser's "everywhere" to the other term.
    """
    if any(not condition for condition in conditions):
        return Q()
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def visible_plans(user):
    """Plans whose assigning body the user may view, or with an assignment in the user's scope."""
    assigned = Assignment.objects.filter(scope_q(user, Action.VIEW, "organisation__path")).values("task__plan_id")
    return Plan.objects.filter(either(scope_q(user, Action.VIEW, "owner__path"), Q(pk__in=assigned)))


def deciding_q(user, prefix=""):
    """Assignments (reached through `prefix`) whose assigning body the user acts for: ASSIGN on the plan's
    owner, or APPROVE on the agency that gave a sub-task (as plans.actions.can_decide)."""
    return either(scope_q(user, Action.ASSIGN, f"{prefix}task__plan__owner__path"),
                  Q(**{f"{prefix}parent__isnull": False})
                  & scope_q(user, Action.APPROVE, f"{prefix}parent__organisation__path"))


def sees_whole_plan(user, plan):
    return can(user, Action.VIEW, plan.owner)


def plan_assignments(user, plan):
    """The plan's assignments the user may view (the same rows as Assignment.objects.restrict(user)).

    Written per plan so that the assigning body's view needs no path filter at all.
    """
    assignments = Assignment.objects.filter(task__plan=plan, task__removed=False)
    if sees_whole_plan(user, plan):
        return assignments
    return assignments.filter(scope_q(user, Action.VIEW, "organisation__path"))


def task_assignments(user, task):
    """The task's assignments the user may view (sub-tasks included)."""
    assignments = Assignment.objects.filter(task=task)
    if can(user, Action.VIEW, task.plan.owner):
        return assignments
    return assignments.filter(scope_q(user, Action.VIEW, "organisation__path"))


def plan_tasks(user, plan, *, whole_plan=None):
    """The plan's tasks the user may view: all of them for the assigning body, else those assigned to them."""
    tasks = Task.objects.filter(plan=plan, removed=False)
    if whole_plan if whole_plan is not None else sees_whole_plan(user, plan):
        return tasks
    return tasks.filter(pk__in=Assignment.objects.filter(
        scope_q(user, Action.VIEW, "organisation__path"), task__plan=plan).values("task_id"))


def can_view_plan(user, plan):
    return sees_whole_plan(user, plan) or Assignment.objects.filter(
        scope_q(user, Action.VIEW, "organisation__path"), task__plan=plan).exists()


def can_view_task(user, task):
    return can(user, Action.VIEW, task.plan.owner) or Assignment.objects.filter(
        scope_q(user, Action.VIEW, "organisation__path"), task=task).exists()


# --- finding an agency by code or name ----------------------------------------------------------------

CANDIDATES_SHOWN = 8
UNIT_PREFIXES = ("tinh ", "thanh pho ", "tp ", "xa ", "phuong ", "dac khu ")


def _bare(name):
    """A province's or commune's name without its "Tỉnh", "Thành phố", "Xã"… ("Hà Nội", "Lạng Sơn")."""
    key = search_key(name)
    for prefix in UNIT_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def find_agency(text):
    """(organisation, "") for a code or a name (with or without diacritics), else (None, why)."""
    text = (text or "").replace("\x00", "").strip()[:255]
    if not text:
        return None, ""
    by_code = Organisation.objects.filter(code__iexact=text).first()
    if by_code is not None:
        return by_code, ""
    matches = list(Organisation.objects.active().search(text).exclude(kind="category")
                   .order_by("depth", "name")[:50])
    if len(matches) > 1:
        # "Lạng Sơn" matches the province and its departments: a name equal to the text wins.
        key = search_key(text)
        exact = [o for o in matches if key in {search_key(o.name), search_key(o.short_name), _bare(o.name)}]
        matches = exact or matches
    if len(matches) == 1:
        return matches[0], ""
    if not matches:
        return None, _("No organisation has this code or name.")
    choices = "; ".join(f"{o.name} ({o.code})" for o in matches[:CANDIDATES_SHOWN])
    return None, _("Several organisations have this name; type the code: %(choices)s") % {"choices": choices}


# --- the task list filters ------------------------------------------------------------------------------


def with_deadline_in_force(assignments):
    return assignments.annotate(deadline_in_force=Coalesce(F("revised_deadline"), F("original_deadline")))


def filter_assignments(assignments, data, *, deadlines=True):
    """Apply the cleaned TaskFilterForm data to a queryset of assignments (deadlines: in force)."""
    if not data.get("subtasks"):
        assignments = assignments.filter(parent__isnull=True)
    if agency := data.get("agency"):
        assignments = assignments.filter(organisation__path__startswith=agency.path)
    if data.get("role"):
        assignments = assignments.filter(role=data["role"])
    if data.get("status"):
        assignments = assignments.filter(status__in=data["status"])
    if data.get("timeliness"):
        assignments = assignments.filter(timeliness__in=data["timeliness"])
    assignments = with_deadline_in_force(assignments)
    if not deadlines:
        return assignments.filter(_task_conditions(data, "task__"))
    if data.get("deadline_from"):
        assignments = assignments.filter(deadline_in_force__gte=data["deadline_from"])
    if data.get("deadline_to"):
        assignments = assignments.filter(deadline_in_force__lte=data["deadline_to"])
    return assignments.filter(_task_conditions(data, "task__"))


def filter_tasks(tasks, data):
    """Apply the task-level filters (group, incomplete, text, deadline) to a queryset of tasks."""
    tasks = tasks.filter(_task_conditions(data, ""))
    if data.get("deadline_from"):
        tasks = tasks.filter(deadline__gte=data["deadline_from"])
    if data.get("deadline_to"):
        tasks = tasks.filter(deadline__lte=data["deadline_to"])
    return tasks


ASSIGNMENT_FILTERS = ("agency", "role", "status", "timeliness")


def has_assignment_filters(data):
    return any(data.get(name) for name in ASSIGNMENT_FILTERS)


def _task_conditions(data, prefix):
    condition = Q()
    if group := data.get("group"):
        condition &= Q(**{f"{prefix}group": group})
    if data.get("incomplete"):
        condition &= Q(**{f"{prefix}is_incomplete": True})
    if key := fold(data.get("q") or ""):
        condition &= Q(**{f"{prefix}search_text__contains": key}) | Q(**{f"{prefix}code__iexact": data["q"]})
    return condition
