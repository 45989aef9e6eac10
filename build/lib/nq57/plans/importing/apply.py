"""Writing a previewed import: a new plan, or a new version of an existing one, in one transaction.

Plans and tasks are created through the workflow's service functions (`plans.actions`), with the
same audit and timeline rows as tasks created by hand. Their assignments — thousands when "các bộ,
ngành, địa phương" fans a task out to every ministry and province — are written in bulk, still
with one audit row and one timeline row each, and each agency gets one notification listing its
new tasks rather than one per task. A new version never deletes: removed tasks are marked removed,
agencies no longer named have their assignment cancelled with the reason "removed in version N",
and progress stays where it was.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from nq57.audit.models import AuditEvent
from nq57.audit.services import record, snapshot
from nq57.core import context as write_context
from nq57.core.permissions import can
from nq57.core.roles import Action
from nq57.notifications.services import Message, notify_many

from ..deadlines import parse_deadline
from ..models import Assignment, TaskEvent, TaskGroup
from .preview import ADDED, CHANGED, REMOVED

S = Assignment.Status
BATCH_SIZE = 1000
NEW_TASKS = ngettext_lazy("{count} new task for {agency} in {plan}", "{count} new tasks for {agency} in {plan}",
                          "count")


@dataclass
class ImportResult:
    """What an applied import did."""

    plan: object
    version: int
    tasks_created: int = 0
    tasks_changed: int = 0
    tasks_removed: int = 0
    tasks_unchanged: int = 0
    groups_created: int = 0
    assignments_created: int = 0
    assignments_cancelled: int = 0
    assignments_reopened: int = 0
    task_ids: list = field(default_factory=list)

    def as_json(self):
        return {key: value for key, value in self.__dict__.items() if key not in {"plan", "task_ids"}} | {
            "plan_id": self.plan.pk}


def _require_assign(actor, owner):
    if actor is not None and not can(actor, Action.ASSIGN, owner):
        raise PermissionDenied


@transaction.atomic
def create_task_groups(*, actor, plan, drafts):
    """Create the plan's groups that do not exist yet and retitle those whose title changed; {code: group}."""
    _require_assign(actor, plan.owner)
    groups = {g.code: g for g in plan.groups.all()}
    created = 0
    for draft in drafts:
        group = groups.get(draft.code)
        if group is None:
            group = TaskGroup.objects.create(plan=plan, code=draft.code, title=draft.title[:500],
                                             sort_order=draft.sort_order)
            record(actor=actor, obj=group, action=AuditEvent.Action.CREATE, after=snapshot(group),
                   verb="task_group_created")
            groups[draft.code] = group
            created += 1
        elif group.title != draft.title[:500] or group.sort_order != draft.sort_order:
            before = snapshot(group)
            group.title, group.sort_order = draft.title[:500], draft.sort_order
            group.save(update_fields=["title", "sort_order"])
            record(actor=actor, obj=group, action=AuditEvent.Action.UPDATE, before=before, after=snapshot(group),
                   verb="task_group_updated")
    return groups, created


def apply_import(preview, *, actor):
    """Write what `preview` shows: create the plan and its tasks, or apply the diff as the plan's next version."""
    with write_context.using(source=AuditEvent.Source.IMPORT):
        return _apply(preview, actor=actor)


@transaction.atomic
def _apply(preview, *, actor):
    from .. import actions  # the workflow's service functions

    if not preview.tasks:
        raise ValidationError(_("The table has no task to import."))
    if preview.plan is None:
        fields = preview.plan_fields
        if fields.get("owner") is None:
            raise ValidationError({"owner": _("Choose the assigning body.")})
        _require_assign(actor, fields["owner"])
        plan = actions.create_plan(
            actor=actor, kind=fields.get("kind") or "plan", number=fields.get("number", ""),
            title=fields.get("title", ""), issuer=fields.get("issuer"), owner=fields.get("owner"),
            issued_on=fields.get("issued_on"), implements=fields.get("implements"),
            **({"reporting_frequency": fields["reporting_frequency"]} if fields.get("reporting_frequency") else {}),
        )
        result = ImportResult(plan=plan, version=plan.version)
        groups, result.groups_created = create_task_groups(actor=actor, plan=plan, drafts=preview.groups)
        _create_tasks(actions, actor, plan, preview.tasks, groups, result)
        return result
    plan = preview.plan
    _require_assign(actor, plan.owner)
    return _apply_new_version(actions, preview, plan, actor)


def _create_tasks(actions, actor, plan, drafts, groups, result):
    """Each task through create_task; then all their assignments in bulk, audited, on the timeline, notified."""
    from ..timeliness import refresh_timeliness

    tasks, assignments = [], []
    for draft in drafts:
        task = actions.create_task(
            actor=actor, plan=plan, code=draft.code, title=draft.title,
            group=groups.get(draft.group_code) if draft.group_code else None,
            product_type=draft.product_type, product_text=draft.product_text, deadline_text=draft.deadline_text,
            responsible_person=draft.responsible_person, source_article=draft.source_article,
            lead_text=draft.lead_text, coordinating_text=draft.coordinating_text,
        )
        tasks.append(task)
        for role, organisations in ((Assignment.Role.LEAD, draft.lead), (Assignment.Role.COORDINATING,
                                                                          draft.coordinating)):
            assignments += [Assignment(task=task, organisation=o, role=role, original_deadline=task.deadline)
                            for o in organisations]
    Assignment.objects.bulk_create(assignments, batch_size=BATCH_SIZE)
    _audit_created(actor, assignments)
    now, by = timezone.now(), actor if getattr(actor, "is_authenticated", False) else None
    TaskEvent.objects.bulk_create([
        TaskEvent(task=a.task, assignment=a, at=now, actor=by, kind="assigned",
                  data={"organisation": a.organisation.code, "role": a.role, "import": True})
        for a in assignments], batch_size=BATCH_SIZE)
    actions.refresh_completeness(tasks)
    refresh_timeliness(Assignment.objects.filter(task__in=[t.pk for t in tasks]))
    _tell_agencies(actor, plan, assignments)
    result.tasks_created += len(tasks)
    result.assignments_created += len(assignments)
    result.task_ids += [t.pk for t in tasks]


def _audit_created(actor, assignments):
    ctx = write_context.current()
    content_type = ContentType.objects.get_for_model(Assignment)
    label = actor.get_username() if getattr(actor, "is_authenticated", False) else (ctx.get("actor_label") or "system")
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=actor if getattr(actor, "is_authenticated", False) else None, actor_label=label[:200],
                   source=ctx.get("source") or AuditEvent.Source.IMPORT, action=AuditEvent.Action.CREATE,
                   verb="assignment_created", content_type=content_type, object_id=str(a.pk),
                   object_repr=str(a)[:300], organisation=a.organisation, after=snapshot(a), ip_address=ctx.get("ip"))
        for a in assignments], batch_size=BATCH_SIZE)


def _tell_agencies(actor, plan, assignments):
    """One in-app notification per person and agency, counting the agency's new tasks (no e-mail)."""
    from ..actions import people_by_organisation

    by_agency = defaultdict(list)
    for a in assignments:
        by_agency[a.organisation_id].append(a)
    organisations = [items[0].organisation for items in by_agency.values()]
    people = people_by_organisation(Action.REPORT, organisations)
    try:
        url = plan.get_absolute_url()
    except NoReverseMatch:  # plan pages not routed: the notification still stands
        url = ""
    messages = []
    for organisation_id, items in by_agency.items():
        agency = items[0].organisation
        title = format_lazy(NEW_TASKS, count=len(items), agency=agency.short_name or agency.name, plan=plan)
        for user in people.get(organisation_id, []):
            if actor is None or user.pk != actor.pk:
                messages.append(Message(user=user, kind="assigned", title=title, url=url,
                                        body=", ".join(a.task.code for a in items[:50])))
    notify_many(messages, email=False)


def _apply_new_version(actions, preview, plan, actor):
    plan = type(plan).objects.select_for_update().get(pk=plan.pk)
    version = plan.version + 1
    reason = _("removed in version %(version)s") % {"version": version}
    result = ImportResult(plan=plan, version=version)
    groups, result.groups_created = create_task_groups(actor=actor, plan=plan, drafts=preview.groups)
    mapped = {name for name, index in preview.mapping.get("columns", {}).items() if index is not None}
    touched = []
    for change in preview.diff:
        if change.change == CHANGED:
            task = _update_task(actor, change.task, change.draft, groups, version, change.fields, mapped)
            for role, organisation in change.added_agencies:
                reopened = Assignment.objects.filter(task=task, organisation=organisation, role=role,
                                                     parent__isnull=True, status=S.CANCELLED).first()
                if reopened is not None:
                    actions.set_assignment_status(actor=actor, assignment=reopened,
                                                  status=S.IN_PROGRESS if reopened.progress else S.NOT_STARTED)
                    result.assignments_reopened += 1
                else:
                    actions.assign_task(actor=actor, task=task, organisation=organisation, role=role)
                    result.assignments_created += 1
            result.assignments_cancelled += _cancel(actions, actor, [a for _r, a in change.removed_agencies], reason)
            result.tasks_changed += 1
            touched.append(task)
        elif change.change == REMOVED:
            task = change.task
            before = snapshot(task)
            task.removed = True
            task.save(update_fields=["removed", "updated_at"])
            record(actor=actor, obj=task, action=AuditEvent.Action.UPDATE, before=before, after=snapshot(task),
                   verb="task_removed_in_version")
            _timeline(actor, task, version, ["removed"])
            result.assignments_cancelled += _cancel(actions, actor, [a for _r, a in change.removed_agencies], reason)
            result.tasks_removed += 1
            touched.append(task)
        elif change.change != ADDED:
            result.tasks_unchanged += 1
    _create_tasks(actions, actor, plan, [c.draft for c in preview.diff if c.change == ADDED], groups, result)
    before = snapshot(plan)
    plan.version = version
    plan.save(update_fields=["version", "updated_at"])
    record(actor=actor, obj=plan, action=AuditEvent.Action.UPDATE, before=before, after=snapshot(plan),
           verb="plan_version_imported")
    actions.refresh_completeness(touched)
    return result


def _cancel(actions, actor, assignments, reason):
    cancelled = 0
    for assignment in assignments:
        assignment.refresh_from_db()
        if assignment.status in (S.COMPLETED, S.CANCELLED):
            continue  # a finished assignment keeps its result
        actions.set_assignment_status(actor=actor, assignment=assignment, status=S.CANCELLED, reason=reason)
        cancelled += 1
    return cancelled


def _update_task(actor, task, draft, groups, version, changed_fields, mapped):
    """Bring a task in line with the new version's row; assignments keep their progress and reports."""
    from ..timeliness import refresh_timeliness

    before = snapshot(task)
    parsed = parse_deadline(draft.deadline_text,
                            reference_year=task.plan.issued_on.year if task.plan.issued_on else None)
    task.title = draft.title
    task.group = groups.get(draft.group_code) if draft.group_code else None
    task.product_text, task.product_type = draft.product_text, draft.product_type
    task.deadline_text, task.deadline_kind = draft.deadline_text, parsed.kind
    task.deadline, task.deadline_start = parsed.deadline, parsed.start
    task.lead_text, task.coordinating_text = draft.lead_text, draft.coordinating_text
    if "responsible_person" in mapped:
        task.responsible_person = draft.responsible_person
    if "source_article" in mapped:
        task.source_article = draft.source_article
    task.removed = False
    task.save()
    record(actor=actor, obj=task, action=AuditEvent.Action.UPDATE, before=before, after=snapshot(task),
           verb="task_updated_in_version")
    if "deadline" in changed_fields:
        # The new version of the document moves the deadline itself; approved extensions stay as they are.
        moved = Assignment.objects.filter(task=task, parent__isnull=True).exclude(status__in=(S.COMPLETED, S.CANCELLED))
        for assignment in moved:
            previous = snapshot(assignment)
            assignment.original_deadline = task.deadline
            assignment.save(update_fields=["original_deadline", "updated_at"])
            record(actor=actor, obj=assignment, action=AuditEvent.Action.UPDATE, before=previous,
                   after=snapshot(assignment), verb="deadline_changed_in_version")
        refresh_timeliness(Assignment.objects.filter(task=task))
    _timeline(actor, task, version, changed_fields)
    return task


def _timeline(actor, task, version, fields):
    TaskEvent.objects.create(task=task, at=timezone.now(), kind="plan_version",
                             actor=actor if getattr(actor, "is_authenticated", False) else None,
                             data={"version": version, "fields": list(fields)})
