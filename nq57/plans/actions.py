"""Writes to plans, tasks and assignments: the monitoring workflow.

Every function takes a keyword-only `actor` (None for the system, imports and commands), runs in
one transaction, checks permission through `can()` before anything else, validates with
translatable messages, writes an audit row per changed object and a TaskEvent timeline row, and
notifies the people concerned (e-mails leave after commit).

Who decides for the assigning body: holders of ASSIGN on the plan's owner; for a sub-task an
agency gave one of its units, also holders of APPROVE on that agency (see `can_decide`).
People are notified at the nearest level that has someone holding the right (see `people_with`),
so a national standing office is not told about every report of every commune.
"""

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.audit.models import AuditEvent
from nq57.audit.services import record, snapshot
from nq57.core.permissions import can
from nq57.core.roles import Action, roles_allowing
from nq57.notifications.services import Message, notify, notify_many

from . import evidence as evidence_files
from .models import Assignment, ExtensionRequest, Plan, ProgressReport, Recommendation, Task, TaskEvent
from .timeliness import refresh_timeliness

CREATE, UPDATE, DELETE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE
S = Assignment.Status
R = ProgressReport.Status
OPEN_STATUSES = (S.NOT_STARTED, S.IN_PROGRESS)
CLOSED_STATUSES = (S.COMPLETED, S.CANCELLED)
MAX_EVIDENCE_PER_REPORT = 20


# --- Who may, who is told ------------------------------------------------------------------


def _require(actor, action, obj):
    if actor is not None and not can(actor, action, obj):
        raise PermissionDenied


def can_decide(user, assignment):
    """May `user` act for the assigning body of `assignment` (verify, extend, answer, cancel)?"""
    if user is None:
        return True
    if can(user, Action.ASSIGN, assignment.task.plan.owner):
        return True
    return assignment.parent_id is not None and can(user, Action.APPROVE, assignment.parent.organisation)


def _require_decide(actor, assignment):
    if not can_decide(actor, assignment):
        raise PermissionDenied


def _prefixes(path):
    parts = [p for p in path.split(".") if p]
    return [".".join(parts[:i]) + "." for i in range(1, len(parts) + 1)]


def people_by_organisation(action, organisations, *, nearest=True):
    """{organisation pk: [active users holding `action` on it]}, in one query for any number of organisations.

    A grant reaches its whole subtree, so the holders are the grants whose organisation path is a
    prefix of the organisation's path. With `nearest`, only the holders at the deepest such level
    are kept (the agency's own head rather than every leader above it).
    """
    from nq57.accounts.models import User

    organisations = {o.pk: o for o in organisations if o is not None}
    prefixes = set()
    for org in organisations.values():
        prefixes.update(_prefixes(org.path))
    if not prefixes:
        return {}
    # One row per (user, grant) that reaches any of the organisations; the filter and the
    # annotation share one join, so scope_path is the path of the matching grant.
    holders = defaultdict(dict)
    for user in (User.objects.filter(is_active=True, grants__role__in=roles_allowing(action),
                                     grants__organisation__path__in=prefixes)
                 .annotate(scope_path=F("grants__organisation__path")).order_by("username")):
        holders[user.scope_path][user.pk] = user
    result = {}
    for pk, org in organisations.items():
        chain = _prefixes(org.path)
        if nearest:
            found = next((holders[p] for p in reversed(chain) if holders.get(p)), {})
        else:
            found = {uid: u for p in chain for uid, u in holders.get(p, {}).items()}
        result[pk] = sorted(found.values(), key=lambda u: u.username)
    return result


def people_with(action, organisation, *, nearest=True):
    """Active users holding `action` on `organisation` (see people_by_organisation)."""
    return people_by_organisation(action, [organisation], nearest=nearest).get(organisation.pk, [])


def deciders(assignment):
    """The people who act for the assigning body of `assignment`."""
    if assignment.parent_id:
        return people_with(Action.APPROVE, assignment.parent.organisation)
    return people_with(Action.ASSIGN, assignment.task.plan.owner)


def _others(users, actor):
    seen = set()
    kept = []
    for user in users:
        if user is None or user.pk in seen or (actor is not None and user.pk == actor.pk):
            continue
        seen.add(user.pk)
        kept.append(user)
    return kept


def page_url(obj):
    return obj.get_absolute_url()


lazy_date = lazy(lambda d: date_format(d, "SHORT_DATE_FORMAT") if d else "—", str)


def agency_label(assignment):
    return assignment.organisation.short_name or assignment.organisation.name


# --- Timeline and audit ----------------------------------------------------------------------


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def _event(kind, *, actor, task=None, assignment=None, **data):
    return TaskEvent.objects.create(
        task=task or assignment.task, assignment=assignment, at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None, kind=kind, data=_plain(data),
    )


def _text(value):
    return (value or "").strip()


def _local_date(moment):
    return timezone.localtime(moment).date() if moment else None


def _refresh_one(assignment):
    refresh_timeliness(Assignment.objects.filter(pk=assignment.pk))
    assignment.refresh_from_db(fields=["timeliness", "timeliness_original"])


def _lock(obj):
    """Re-read `obj` under a row lock so two people cannot move it through the same transition twice."""
    obj.refresh_from_db(from_queryset=type(obj).objects.select_for_update())
    return obj


# --- Plans and tasks ----------------------------------------------------------------------------


@transaction.atomic
def create_plan(*, actor, kind, number, title, issuer, owner, issued_on=None, implements=None,
                reporting_frequency="quarter"):
    """Start tracking a guiding document; `owner` is the assigning body that administers it."""
    _require(actor, Action.ASSIGN, owner)
    title, number = _text(title), _text(number)
    errors = {}
    if not title:
        errors["title"] = _("Enter the title of the document.")
    if kind not in Plan.DocumentKind.values:
        errors["kind"] = _("Choose a document type.")
    if reporting_frequency not in dict(Plan._meta.get_field("reporting_frequency").choices):
        errors["reporting_frequency"] = _("Choose how often agencies report.")
    if issuer is None:
        errors["issuer"] = _("Choose the issuing body.")
    if errors:
        raise ValidationError(errors)
    plan = Plan.objects.create(kind=kind, number=number, title=title, issuer=issuer, owner=owner,
                               issued_on=issued_on, implements=implements, reporting_frequency=reporting_frequency)
    record(actor=actor, obj=plan, action=CREATE, after=snapshot(plan), verb="plan_created")
    return plan


def five_clear_gaps(*, has_lead, title, deadline_kind, responsible_person, product_type_id, product_text,
                    has_assignee=None, has_named_lead=False):
    """Which of the "5 clear" items a task lacks, in order: who, what, when, responsibility, product.

    who (rõ người): some agency is assigned, lead or coordinating; what (rõ việc): a title;
    when (rõ thời gian): any deadline, period or recurrence; responsibility (rõ trách nhiệm): it is clear
    who answers for it — a lead agency (whose head is accountable, per the brief) or a named person;
    product (rõ sản phẩm): a product type or an expected-product text.
    """
    if has_assignee is None:
        has_assignee = has_lead
    missing = []
    if not has_assignee:
        missing.append("who")
    if not _text(title):
        missing.append("what")
    if deadline_kind == Task.DeadlineKind.NONE:
        missing.append("when")
    if not (has_lead or has_named_lead or _text(responsible_person)):
        missing.append("responsibility")
    if not (product_type_id or _text(product_text)):
        missing.append("product")
    return missing


def refresh_completeness(tasks):
    """Recompute the derived task fields (missing "5 clear" items, search text) for `tasks`; no audit row."""
    instances = {}
    if hasattr(tasks, "values_list"):
        ids = list(tasks.values_list("pk", flat=True))
    else:
        ids = []
        for task in tasks:
            if isinstance(task, Task):
                instances[task.pk] = task
                ids.append(task.pk)
            else:
                ids.append(task)
    lead = Q(assignments__role=Assignment.Role.LEAD, assignments__parent__isnull=True)
    for start in range(0, len(ids), 1000):
        rows = (Task.objects.filter(pk__in=ids[start:start + 1000]).order_by()
                .annotate(leads=Count("assignments", filter=lead),
                          assignees=Count("assignments", filter=Q(assignments__parent__isnull=True)),
                          named=Count("assignments", filter=lead & Q(assignments__responsible_user__isnull=False)))
                .values_list("pk", "title", "deadline_kind", "responsible_person", "product_type_id", "product_text",
                             "missing_items", "leads", "assignees", "named"))
        updates = defaultdict(list)
        for pk, title, kind, person, product_type_id, product_text, stored, leads, assignees, named in rows:
            missing = five_clear_gaps(has_lead=leads > 0, has_assignee=assignees > 0, title=title,
                                      deadline_kind=kind, responsible_person=person, has_named_lead=named > 0,
                                      product_type_id=product_type_id, product_text=product_text)
            if missing != stored:
                updates[tuple(missing)].append(pk)
            if pk in instances:
                instances[pk].missing_items, instances[pk].is_incomplete = missing, bool(missing)
        for missing, pks in updates.items():
            Task.objects.filter(pk__in=pks).update(missing_items=list(missing), is_incomplete=bool(missing))
    # The folded search text is derived from the same fields: keep both in step in one place.
    from .filters import refresh_search_text

    refresh_search_text(Task.objects.filter(pk__in=ids))


def _new_assignments(actor, task, pairs):
    """Create one top-level assignment per (organisation, role), skipping those that exist; audited."""
    existing = set(Assignment.objects.filter(task=task, parent__isnull=True).values_list("organisation_id", "role"))
    created = []
    for organisation, role in pairs:
        if (organisation.pk, role) in existing:
            continue
        existing.add((organisation.pk, role))
        assignment = Assignment.objects.create(task=task, organisation=organisation, role=role,
                                               original_deadline=task.deadline)
        record(actor=actor, obj=assignment, action=CREATE, after=snapshot(assignment), verb="assignment_created")
        created.append(assignment)
    return created


def _tell_assignees(assignments, actor, *, kind="assigned", email=True):
    people = people_by_organisation(Action.REPORT, [a.organisation for a in assignments])
    messages = []
    for a in assignments:
        title = format_lazy(gettext_lazy("New task for {agency}: {code}"), agency=agency_label(a), code=a.task.code)
        for user in _others(people.get(a.organisation_id, []), actor):
            messages.append(Message(user=user, kind=kind, title=title, body=a.title or a.task.title, url=page_url(a)))
    notify_many(messages, email=email)


@transaction.atomic
def create_task(*, actor, plan, code, title, group=None, product_type=None, product_text="", deadline_text="",
                responsible_person="", source_article="", lead=(), coordinating=(), lead_text="",
                coordinating_text=""):
    """Add a task to `plan` and assign it to its lead and coordinating agencies (one assignment each).

    The deadline text is kept as written and parsed into a structured deadline; assignees are told
    in the application (no e-mail: plans are often created by import, a hundred tasks at a time).
    """
    from .deadlines import parse_deadline  # the import helper's parser

    _require(actor, Action.ASSIGN, plan.owner)
    code, title, deadline_text = _text(code), _text(title), _text(deadline_text)
    errors = {}
    if not code:
        errors["code"] = _("Enter the task's code.")
    elif Task.objects.filter(plan=plan, code=code).exists():
        errors["code"] = _("This plan already has a task with this code.")
    if not title:
        errors["title"] = _("Describe the task.")
    if group is not None and group.plan_id != plan.pk:
        errors["group"] = _("This group belongs to another plan.")
    if errors:
        raise ValidationError(errors)
    parsed = parse_deadline(deadline_text, reference_year=plan.issued_on.year if plan.issued_on else None)
    last = Task.objects.filter(plan=plan).aggregate(last=Max("sort_order"))["last"]
    task = Task.objects.create(
        plan=plan, group=group, code=code, title=title, product_type=product_type, product_text=_text(product_text),
        deadline_text=deadline_text, deadline_kind=parsed.kind, deadline=parsed.deadline,
        deadline_start=parsed.start, responsible_person=_text(responsible_person),
        source_article=_text(source_article), lead_text=_text(lead_text), coordinating_text=_text(coordinating_text),
        sort_order=(last or 0) + 1,
    )
    record(actor=actor, obj=task, action=CREATE, after=snapshot(task), verb="task_created")
    pairs = [(o, Assignment.Role.LEAD) for o in lead] + [(o, Assignment.Role.COORDINATING) for o in coordinating]
    assignments = _new_assignments(actor, task, pairs)
    refresh_completeness([task])
    refresh_timeliness(Assignment.objects.filter(task=task))
    _event("task_created", actor=actor, task=task, deadline=task.deadline, deadline_text=deadline_text,
           lead=[a.organisation.code for a in assignments if a.role == Assignment.Role.LEAD],
           coordinating=[a.organisation.code for a in assignments if a.role == Assignment.Role.COORDINATING])
    _tell_assignees(assignments, actor, email=False)
    return task


@transaction.atomic
def assign_task(*, actor, task, organisation, role="lead"):
    """Give an existing task to one more agency, as lead or coordinating."""
    _require(actor, Action.ASSIGN, task.plan.owner)
    if role not in Assignment.Role.values:
        raise ValidationError({"role": _("Choose lead or coordinating.")})
    if task.removed:
        raise ValidationError(_("This task was removed from the plan."))
    if Assignment.objects.filter(task=task, organisation=organisation, role=role, parent__isnull=True).exists():
        raise ValidationError({"organisation": _("This agency already has this task in this role.")})
    (assignment,) = _new_assignments(actor, task, [(organisation, role)])
    _refresh_one(assignment)
    refresh_completeness([task])
    _event("assigned", actor=actor, assignment=assignment, organisation=organisation.code, role=role)
    _tell_assignees([assignment], actor)
    return assignment


@transaction.atomic
def create_subtask(*, actor, assignment, organisation, title, deadline=None):
    """An agency gives part of its assignment to one of its own units or communes."""
    _require(actor, Action.REPORT, assignment)
    title = _text(title)
    if assignment.status in CLOSED_STATUSES:
        raise ValidationError(_("Sub-tasks cannot be added to a completed or cancelled assignment."))
    errors = {}
    if organisation.pk == assignment.organisation_id or not organisation.path.startswith(assignment.organisation.path):
        errors["organisation"] = _("Choose a unit under the assigned agency.")
    if not title:
        errors["title"] = _("Describe the sub-task.")
    limit = assignment.effective_deadline
    deadline = deadline or limit
    if deadline and limit and deadline > limit:
        errors["deadline"] = _("A sub-task cannot be due after the assignment it is part of.")
    if errors:
        raise ValidationError(errors)
    subtask = Assignment.objects.create(task=assignment.task, organisation=organisation, role=Assignment.Role.LEAD,
                                        parent=assignment, title=title, original_deadline=deadline)
    _refresh_one(subtask)
    record(actor=actor, obj=subtask, action=CREATE, after=snapshot(subtask), verb="subtask_created")
    _event("subtask_created", actor=actor, assignment=assignment, subtask=subtask.pk,
           organisation=organisation.code, title=title, deadline=deadline)
    _tell_assignees([subtask], actor, kind="subtask_created")
    return subtask


@transaction.atomic
def set_assignment_status(*, actor, assignment, status, reason=""):
    """Start, cancel or suspend (with a reason), or resume an assignment.

    The agency starts its own work (REPORT); cancelling and resuming belong to the assigning body.
    Pending verification and completion only come through a report and its verification.
    """
    current = assignment.status
    by_assigning_body = status == S.CANCELLED or current == S.CANCELLED
    if by_assigning_body:
        _require_decide(actor, assignment)
    else:
        _require(actor, Action.REPORT, assignment)
    _lock(assignment)
    current, reason = assignment.status, _text(reason)
    if status == current:
        raise ValidationError(_("The assignment already has this status."))
    allowed = {
        S.CANCELLED: {S.NOT_STARTED, S.IN_PROGRESS, S.PENDING_VERIFICATION},
        S.IN_PROGRESS: {S.NOT_STARTED, S.CANCELLED},
        S.NOT_STARTED: {S.CANCELLED},
    }
    if current not in allowed.get(status, ()):
        raise ValidationError(_("This change of status goes through a progress report or a verification."))
    if status == S.CANCELLED and not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling or suspending.")})
    before = snapshot(assignment)
    assignment.status = status
    assignment.status_reason = reason
    assignment.save(update_fields=["status", "status_reason", "updated_at"])
    _refresh_one(assignment)
    record(actor=actor, obj=assignment, action=UPDATE, before=before, after=snapshot(assignment),
           verb="status_changed")
    _event("status_changed", actor=actor, assignment=assignment, before=current, after=status, reason=reason)
    if by_assigning_body:
        title = format_lazy(gettext_lazy("Task {code} for {agency}: {status}"), code=assignment.task.code,
                            agency=agency_label(assignment), status=S(status).label)
        notify(_others(people_with(Action.REPORT, assignment.organisation), actor), kind="status_changed",
               title=title, body=reason, url=page_url(assignment))
    return assignment


# --- Progress reports ------------------------------------------------------------------------


def _as_progress(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    if isinstance(value, float) and value != number:
        return None
    return number if 0 <= number <= 100 else None


@transaction.atomic
def save_progress_report(*, actor, assignment, period_end, text, progress, self_rating, difficulties="",
                         recommendations="", reports_completion=False, report=None):
    """Write a draft report (or correct a draft or returned one); nothing is shown to others until submitted."""
    _require(actor, Action.REPORT, assignment)
    if report is not None:
        _lock(report)
        if report.assignment_id != assignment.pk:
            raise ValidationError(_("This report belongs to another assignment."))
        if report.status not in (R.DRAFT, R.RETURNED):
            raise ValidationError(_("Only a draft or a returned report can be changed."))
    if assignment.status in CLOSED_STATUSES:
        raise ValidationError(_("Reports cannot be filed on a completed or cancelled assignment."))
    if reports_completion and assignment.status == S.PENDING_VERIFICATION:
        raise ValidationError(_("The completion of this assignment is already awaiting verification."))
    text = _text(text)
    number = _as_progress(progress)
    errors = {}
    if not isinstance(period_end, datetime.date):
        errors["period_end"] = _("Give the last day of the reporting period.")
    if not text:
        errors["text"] = _("Describe the progress made.")
    if number is None:
        errors["progress"] = _("Progress is a whole number from 0 to 100.")
    elif reports_completion and number != 100:
        errors["progress"] = _("A report that the task is done must show 100% progress.")
    if self_rating not in ProgressReport.Rating.values:
        errors["self_rating"] = _("Choose a self-assessment.")
    if errors:
        raise ValidationError(errors)
    values = dict(period_end=period_end, text=text, progress=number, self_rating=self_rating,
                  difficulties=_text(difficulties), recommendations=_text(recommendations),
                  reports_completion=bool(reports_completion))
    if report is None:
        report = ProgressReport.objects.create(assignment=assignment, author=actor if actor else None, **values)
        record(actor=actor, obj=report, action=CREATE, after=snapshot(report), verb="report_drafted")
    else:
        before = snapshot(report)
        for field, value in values.items():
            setattr(report, field, value)
        report.save()
        record(actor=actor, obj=report, action=UPDATE, before=before, after=snapshot(report), verb="report_edited")
    return report


def _evidence_snapshot(evidence):
    fields = {f.name for f in evidence._meta.concrete_fields} - {"file"}
    return {**snapshot(evidence, fields=fields), "file": evidence.file.name}


@transaction.atomic
def add_evidence(*, actor, report, uploaded_file):
    """Attach a checked file (PDF, Word, Excel, PNG or JPEG, size-limited) to a draft or returned report."""
    _require(actor, Action.REPORT, report)
    if report.status not in (R.DRAFT, R.RETURNED):
        raise ValidationError(_("Evidence can only be added to a draft or a returned report."))
    if report.evidence.count() >= MAX_EVIDENCE_PER_REPORT:
        raise ValidationError(_("A report can carry at most %(count)d files.") % {"count": MAX_EVIDENCE_PER_REPORT})
    evidence = evidence_files.store(report=report, uploaded_file=uploaded_file,
                                    uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
    record(actor=actor, obj=evidence, action=CREATE, after=_evidence_snapshot(evidence), verb="evidence_added")
    return evidence


@transaction.atomic
def remove_evidence(*, actor, evidence):
    """Take a file off a draft or returned report; the file is deleted once the removal is committed."""
    _require(actor, Action.REPORT, evidence)
    if evidence.report.status not in (R.DRAFT, R.RETURNED):
        raise ValidationError(_("Evidence can only be removed from a draft or a returned report."))
    record(actor=actor, obj=evidence, action=DELETE, before=_evidence_snapshot(evidence), verb="evidence_removed")
    name, storage = evidence.file.name, evidence.file.storage
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name), robust=True)


@transaction.atomic
def submit_progress_report(*, actor, report):
    """Send a draft or returned report to the agency head for approval."""
    _require(actor, Action.REPORT, report)
    _lock(report)
    assignment = report.assignment
    if report.status not in (R.DRAFT, R.RETURNED):
        raise ValidationError(_("Only a draft or a returned report can be submitted."))
    if assignment.status in CLOSED_STATUSES:
        raise ValidationError(_("Reports cannot be filed on a completed or cancelled assignment."))
    evidence_count = report.evidence.count()
    if report.reports_completion and not evidence_count:
        raise ValidationError(_("Attach the product as evidence before reporting that the task is done."))
    before = snapshot(report)
    report.status = R.SUBMITTED
    report.submitted_at = timezone.now()
    report.save(update_fields=["status", "submitted_at"])
    record(actor=actor, obj=report, action=UPDATE, before=before, after=snapshot(report), verb="report_submitted")
    _event("report_submitted", actor=actor, assignment=assignment, report=report.pk, period_end=report.period_end,
           progress=report.progress, self_rating=report.self_rating, completion=report.reports_completion,
           evidence=evidence_count)
    title = format_lazy(gettext_lazy("Report on task {code} by {agency} awaits your approval"),
                        code=assignment.task.code, agency=agency_label(assignment))
    notify(_others(people_with(Action.APPROVE, assignment.organisation), actor), kind="report_submitted",
           title=title, body=report.text[:500], url=page_url(assignment))
    return report


@transaction.atomic
def approve_progress_report(*, actor, report):
    """The agency head approves a report: it becomes the assignment's latest progress.

    The report counts as on time when submitted within the plan's grace days after its period;
    a report that the task is done puts the assignment in pending verification; its
    recommendations go to the assigning body.
    """
    _require(actor, Action.APPROVE, report)
    _lock(report)
    if report.status != R.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be approved."))
    assignment = _lock(report.assignment)
    if assignment.status in CLOSED_STATUSES:
        raise ValidationError(_("Reports cannot be filed on a completed or cancelled assignment."))
    if report.reports_completion and assignment.status == S.PENDING_VERIFICATION:
        raise ValidationError(_("The completion of this assignment is already awaiting verification."))
    plan = assignment.task.plan
    report_before, assignment_before = snapshot(report), snapshot(assignment)
    submitted_on = _local_date(report.submitted_at)
    report.status = R.APPROVED
    report.reviewed_by = actor if actor else None
    report.reviewed_at = timezone.now()
    report.on_time = submitted_on <= report.period_end + datetime.timedelta(days=plan.reporting_grace_days)
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "on_time"])

    newer = assignment.reports.filter(status=R.APPROVED, period_end__gt=report.period_end).exclude(pk=report.pk)
    if not newer.exists():  # an older period approved late does not overwrite newer progress
        assignment.progress = report.progress
        assignment.self_rating = report.self_rating
    assignment.last_report_on = max(d for d in (assignment.last_report_on, submitted_on) if d)
    assignment.reports_received += 1
    assignment.reports_on_time += 1 if report.on_time else 0
    if report.reports_completion:
        assignment.status = S.PENDING_VERIFICATION
        assignment.progress = 100
    elif assignment.status == S.NOT_STARTED:
        assignment.status = S.IN_PROGRESS
    assignment.save()
    _refresh_one(assignment)
    record(actor=actor, obj=report, action=UPDATE, before=report_before, after=snapshot(report),
           verb="report_approved")
    record(actor=actor, obj=assignment, action=UPDATE, before=assignment_before, after=snapshot(assignment),
           verb="report_applied")
    if report.recommendations:
        recommendation = Recommendation.objects.create(report=report, assignment=assignment,
                                                       text=report.recommendations)
        record(actor=actor, obj=recommendation, action=CREATE, after=snapshot(recommendation),
               verb="recommendation_raised")
    _event("report_approved", actor=actor, assignment=assignment, report=report.pk, period_end=report.period_end,
           progress=report.progress, on_time=report.on_time)
    code, agency = assignment.task.code, agency_label(assignment)
    if report.reports_completion:
        _event("completion_reported", actor=actor, assignment=assignment, report=report.pk)
        title = format_lazy(gettext_lazy("{agency} reports task {code} done: please verify"), agency=agency,
                            code=code)
        kind = "completion_reported"
    else:
        title = format_lazy(gettext_lazy("Progress report on task {code} by {agency}: {progress}%"), code=code,
                            agency=agency, progress=report.progress)
        kind = "report_approved"
    body = report.text[:500]
    if report.recommendations:
        body = format_lazy("{text}\n\n{label} {recommendations}", text=body,
                           label=gettext_lazy("Recommendations:"), recommendations=report.recommendations[:500])
    notify(_others(deciders(assignment), actor), kind=kind, title=title, body=body, url=page_url(assignment))
    return report


@transaction.atomic
def return_progress_report(*, actor, report, comment):
    """The agency head sends a report back to its author with what must be corrected."""
    _require(actor, Action.APPROVE, report)
    _lock(report)
    comment = _text(comment)
    if report.status != R.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be returned."))
    if not comment:
        raise ValidationError({"comment": _("Say what must be corrected.")})
    before = snapshot(report)
    report.status = R.RETURNED
    report.reviewed_by = actor if actor else None
    report.reviewed_at = timezone.now()
    report.review_comment = comment
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    record(actor=actor, obj=report, action=UPDATE, before=before, after=snapshot(report), verb="report_returned")
    assignment = report.assignment
    _event("report_returned", actor=actor, assignment=assignment, report=report.pk, comment=comment)
    title = format_lazy(gettext_lazy("Your report on task {code} was returned"), code=assignment.task.code)
    notify(_others([report.author], actor), kind="report_returned", title=title, body=comment,
           url=page_url(assignment))
    return report


# --- Completion ------------------------------------------------------------------------------


def _tell_agency(assignment, actor, *, kind, title, body="", also=()):
    people = list(also) + people_with(Action.REPORT, assignment.organisation)
    notify(_others(people, actor), kind=kind, title=title, body=body, url=page_url(assignment))


@transaction.atomic
def verify_completion(*, actor, assignment, completed_on=None):
    """The assigning body accepts the reported completion; by default it dates from the report's submission."""
    _require_decide(actor, assignment)
    _lock(assignment)
    if assignment.status != S.PENDING_VERIFICATION:
        raise ValidationError(_("Only an assignment awaiting verification can be verified."))
    completion = (assignment.reports.filter(reports_completion=True, status=R.APPROVED)
                  .order_by("-submitted_at", "-id").first())
    today = timezone.localdate()
    if completed_on is None:
        completed_on = _local_date(completion.submitted_at) if completion else today
    if completed_on > today:
        raise ValidationError({"completed_on": _("The completion date cannot be in the future.")})
    before = snapshot(assignment)
    assignment.status = S.COMPLETED
    assignment.completed_on = completed_on
    assignment.progress = 100
    assignment.status_reason = ""
    assignment.save()
    _refresh_one(assignment)
    record(actor=actor, obj=assignment, action=UPDATE, before=before, after=snapshot(assignment),
           verb="completion_verified")
    _event("completion_verified", actor=actor, assignment=assignment, completed_on=completed_on,
           timeliness=assignment.timeliness, timeliness_original=assignment.timeliness_original)
    title = format_lazy(gettext_lazy("Completion of task {code} accepted"), code=assignment.task.code)
    _tell_agency(assignment, actor, kind="completion_verified", title=title,
                 also=[completion.author] if completion else ())
    return assignment


@transaction.atomic
def return_completion(*, actor, assignment, reason):
    """The assigning body does not accept the reported completion: back to in progress, with the reason."""
    _require_decide(actor, assignment)
    _lock(assignment)
    reason = _text(reason)
    if assignment.status != S.PENDING_VERIFICATION:
        raise ValidationError(_("Only an assignment awaiting verification can be returned."))
    if not reason:
        raise ValidationError({"reason": _("Say why the completion is not accepted.")})
    before = snapshot(assignment)
    assignment.status = S.IN_PROGRESS
    assignment.status_reason = reason
    assignment.save()
    _refresh_one(assignment)
    record(actor=actor, obj=assignment, action=UPDATE, before=before, after=snapshot(assignment),
           verb="completion_returned")
    _event("completion_returned", actor=actor, assignment=assignment, reason=reason)
    completion = assignment.reports.filter(reports_completion=True, status=R.APPROVED).order_by("-submitted_at").first()
    title = format_lazy(gettext_lazy("Completion of task {code} returned"), code=assignment.task.code)
    _tell_agency(assignment, actor, kind="completion_returned", title=title, body=reason,
                 also=[completion.author] if completion else ())
    return assignment


# --- Extensions ------------------------------------------------------------------------------


@transaction.atomic
def request_extension(*, actor, assignment, requested_deadline, reason):
    """The agency asks for a later deadline, with a reason; the assigning body decides."""
    _require(actor, Action.REPORT, assignment)
    _lock(assignment)
    reason = _text(reason)
    if assignment.status in CLOSED_STATUSES:
        raise ValidationError(_("A completed or cancelled assignment cannot be extended."))
    current = assignment.effective_deadline
    if current is None:
        raise ValidationError(_("This assignment has no deadline to extend."))
    if assignment.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise ValidationError(_("An extension request for this assignment is already awaiting a decision."))
    errors = {}
    if not isinstance(requested_deadline, datetime.date):
        errors["requested_deadline"] = _("Give the requested deadline.")
    elif requested_deadline <= current:
        errors["requested_deadline"] = _("The requested deadline must be later than the current deadline.")
    if not reason:
        errors["reason"] = _("Give the reason for the extension.")
    if errors:
        raise ValidationError(errors)
    request = ExtensionRequest.objects.create(assignment=assignment, requested_deadline=requested_deadline,
                                              reason=reason, requested_by=actor if actor else None)
    record(actor=actor, obj=request, action=CREATE, after=snapshot(request), verb="extension_requested")
    _event("extension_requested", actor=actor, assignment=assignment, request=request.pk,
           current_deadline=current, requested_deadline=requested_deadline, reason=reason)
    title = format_lazy(gettext_lazy("{agency} asks to extend task {code} to {date}"), agency=agency_label(assignment),
                        code=assignment.task.code, date=lazy_date(requested_deadline))
    notify(_others(deciders(assignment), actor), kind="extension_requested", title=title, body=reason,
           url=page_url(assignment))
    return request


@transaction.atomic
def decide_extension(*, actor, request, approve, note=""):
    """Approve (the revised deadline is set, the original kept) or refuse (with a reason) an extension request."""
    assignment = request.assignment
    _require_decide(actor, assignment)
    _lock(request)
    note = _text(note)
    if request.status != ExtensionRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    if not approve and not note:
        raise ValidationError({"note": _("Give the reason for refusing.")})
    before = snapshot(request)
    request.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
    request.decided_by = actor if actor else None
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save()
    record(actor=actor, obj=request, action=UPDATE, before=before, after=snapshot(request),
           verb="extension_approved" if approve else "extension_refused")
    if approve:
        _lock(assignment)
        assignment_before = snapshot(assignment)
        assignment.revised_deadline = request.requested_deadline
        assignment.save(update_fields=["revised_deadline", "updated_at"])
        _refresh_one(assignment)
        record(actor=actor, obj=assignment, action=UPDATE, before=assignment_before, after=snapshot(assignment),
               verb="deadline_revised")
        _event("extension_approved", actor=actor, assignment=assignment, request=request.pk,
               original_deadline=assignment.original_deadline, revised_deadline=assignment.revised_deadline,
               note=note)
        title = format_lazy(gettext_lazy("Extension of task {code} approved: new deadline {date}"),
                            code=assignment.task.code, date=lazy_date(request.requested_deadline))
    else:
        _event("extension_refused", actor=actor, assignment=assignment, request=request.pk,
               requested_deadline=request.requested_deadline, note=note)
        title = format_lazy(gettext_lazy("Extension of task {code} refused"), code=assignment.task.code)
    _tell_agency(assignment, actor, kind="extension_approved" if approve else "extension_refused", title=title,
                 body=note, also=[request.requested_by])
    return request


# --- Recommendations -----------------------------------------------------------------------


@transaction.atomic
def answer_recommendation(*, actor, recommendation, answer):
    """The assigning body answers a recommendation raised in a report (it stays open until closed)."""
    _require_decide(actor, recommendation.assignment)
    _lock(recommendation)
    answer = _text(answer)
    if recommendation.status == Recommendation.Status.CLOSED:
        raise ValidationError(_("This recommendation is closed."))
    if not answer:
        raise ValidationError({"answer": _("Write the answer.")})
    before = snapshot(recommendation)
    recommendation.status = Recommendation.Status.ANSWERED
    recommendation.answer = answer
    recommendation.answered_by = actor if actor else None
    recommendation.answered_at = timezone.now()
    recommendation.save()
    record(actor=actor, obj=recommendation, action=UPDATE, before=before, after=snapshot(recommendation),
           verb="recommendation_answered")
    assignment = recommendation.assignment
    _event("recommendation_answered", actor=actor, assignment=assignment, recommendation=recommendation.pk,
           answer=answer)
    title = format_lazy(gettext_lazy("Your recommendation on task {code} was answered"), code=assignment.task.code)
    notify(_others([recommendation.report.author], actor), kind="recommendation_answered", title=title, body=answer,
           url=page_url(assignment))
    return recommendation


@transaction.atomic
def close_recommendation(*, actor, recommendation):
    """The assigning body closes a recommendation: it has been dealt with."""
    _require_decide(actor, recommendation.assignment)
    _lock(recommendation)
    if recommendation.status == Recommendation.Status.CLOSED:
        raise ValidationError(_("This recommendation is already closed."))
    before = snapshot(recommendation)
    recommendation.status = Recommendation.Status.CLOSED
    recommendation.save(update_fields=["status"])
    record(actor=actor, obj=recommendation, action=UPDATE, before=before, after=snapshot(recommendation),
           verb="recommendation_closed")
    _event("recommendation_closed", actor=actor, assignment=recommendation.assignment,
           recommendation=recommendation.pk)
    return recommendation
