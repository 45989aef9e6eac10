"""The advisory council's evaluation of initiatives and solutions: experts and their expertise tags, reviewers
suggested by matching tags and assigned by the standing office, the conflict-of-interest declaration made
before the file is shown, rubric scores, the aggregate with the reviewers' agreement, the council's decision
(an adopted initiative becomes a plans Task, linked both ways), and the rubrics themselves.

Who may: the standing office of the submission's intake (ASSIGN on `submission.intake`) assigns reviewers and
records the decision; a reviewer (EVALUATE on the submission, and the assigned one) declares and scores only
their own review; an expert's tags are set by holders of ASSIGN over one of the member's advisory grants;
rubrics by holders of ASSIGN on the root. Every write: one transaction, an audit row, notifications.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.audit.models import AuditEvent
from nq57.audit.services import record, snapshot
from nq57.core.permissions import can, scope_q
from nq57.core.roles import Action, Role
from nq57.core.text import fold
from nq57.notifications.services import notify

from . import scoring, workflow
from .actions_base import require as _require
from .actions_base import root_organisation  # noqa: F401  (the views ask it too)
from .actions_base import text as _text
from .actions_base import user_or_none as _user
from .notify import others as _others
from .replay import active as replaying
from .models import (EVALUABLE_KINDS, CouncilDecision, Criterion, Expert, ExpertiseTag, Review, Rubric, Score,
                     State, Submission)

CREATE, UPDATE, DELETE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE
R = Review.Status
OPEN_REVIEW = (R.ASSIGNED, R.IN_PROGRESS)
MAX_CRITERIA = 20
MAX_SCORE_LIMIT = 100


# --- helpers -----------------------------------------------------------------------------------------------


def _lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def review_url(review):
    return reverse("feedback:review", args=[review.pk])


def council_url(submission):
    return reverse("feedback:assign_reviewers", args=[submission.pk])


def _tell(users, **message):
    """Notify, except while history is replayed in bulk (the demo loader)."""
    if replaying() is None:
        notify(users, **message)


def _office(submission):
    """The standing office of the submission's intake: the people who assign reviewers and decide."""
    from nq57.plans.actions import people_with

    return people_with(Action.ASSIGN, submission.intake)


def is_submitter(user, submission):
    """Is `user` the person who sent the submission (their account, or the same e-mail address)?"""
    if submission.submitted_by_id and submission.submitted_by_id == user.pk:
        return True
    email = (submission.email or "").strip().lower()
    return bool(email) and email == (user.email or "").strip().lower()


def _require_under_review(submission):
    if submission.state != State.UNDER_REVIEW:
        raise ValidationError(_("The file is no longer under council review."))


# --- experts -----------------------------------------------------------------------------------------------


def advisory_members(user):
    """Active users holding the advisory role somewhere within `user`'s right to assign (distinct)."""
    from nq57.accounts.models import User

    return (User.objects.filter(scope_q(user, Action.ASSIGN, "grants__organisation__path"),
                                grants__role=Role.ADVISORY_MEMBER, is_active=True)
            .distinct().order_by("full_name", "username"))


@transaction.atomic
def save_expert(*, actor, user, tags, affiliation=""):
    """Set an advisory council member's expertise tags and affiliation (the profile is created on first save)."""
    from nq57.accounts.models import RoleGrant

    grants = list(RoleGrant.objects.filter(user=user, role=Role.ADVISORY_MEMBER).select_related("organisation"))
    if not grants:
        raise ValidationError({"user": _("This person is not a member of the advisory council.")})
    if actor is not None and not any(can(actor, Action.ASSIGN, g.organisation) for g in grants):
        raise PermissionDenied
    tags = list(tags)
    if any(not isinstance(tag, ExpertiseTag) for tag in tags):
        raise ValidationError({"tags": _("Choose expertise tags from the list.")})
    affiliation = _text(affiliation)
    if len(affiliation) > Expert._meta.get_field("affiliation").max_length:
        raise ValidationError({"affiliation": _("The affiliation is too long.")})
    expert = Expert.objects.select_for_update().filter(user=user).first()
    created = expert is None
    before = None if created else {**snapshot(expert), "tags": sorted(expert.tags.values_list("code", flat=True))}
    if created:
        expert = Expert.objects.create(user=user, affiliation=affiliation)
    elif expert.affiliation != affiliation:
        expert.affiliation = affiliation
        expert.save(update_fields=["affiliation"])
    expert.tags.set(tags)
    after = {**snapshot(expert), "tags": sorted(t.code for t in tags)}
    record(actor=actor, obj=expert, action=CREATE if created else UPDATE, before=before, after=after,
           verb="expert_saved", organisation=grants[0].organisation)
    return expert


# --- reviewers ---------------------------------------------------------------------------------------------


def eligible_reviewers(submission):
    """Active users holding EVALUATE over the submission's holder (a grant reaches its subtree)."""
    from nq57.accounts.models import User
    from nq57.plans.actions import people_by_organisation

    people = people_by_organisation(Action.EVALUATE, [submission.holder], nearest=False).get(submission.holder_id, [])
    return User.objects.filter(pk__in=[u.pk for u in people]).order_by("full_name", "username")


@dataclass(frozen=True)
class Suggestion:
    """A reviewer the tags suggest: the expert, the tags that match the submission's field, their open load."""

    expert: Expert
    matching: tuple
    open_reviews: int

    @property
    def user(self):
        return self.expert.user


def suggest_reviewers(submission, limit=5):
    """Experts whose tags match the submission's field, most matching tags first, then the least busy; never
    one already assigned (whatever the outcome), nor the submitter. Only people who may evaluate it."""
    field_tags = set(ExpertiseTag.objects.filter(fields=submission.field_id).values_list("pk", flat=True))
    if not field_tags:
        return []
    assigned = set(Review.objects.filter(submission=submission).values_list("reviewer_id", flat=True))
    eligible = eligible_reviewers(submission).exclude(pk__in=assigned)
    experts = (Expert.objects.filter(user__in=eligible, tags__in=field_tags).distinct()
               .select_related("user").prefetch_related("tags"))
    experts = [e for e in experts if not is_submitter(e.user, submission)]
    load = dict(Review.objects.filter(reviewer__in=[e.user_id for e in experts], status__in=OPEN_REVIEW)
                .values_list("reviewer").annotate(n=Count("id")).order_by())
    suggestions = [Suggestion(expert=e, matching=tuple(t for t in e.tags.all() if t.pk in field_tags),
                              open_reviews=load.get(e.user_id, 0)) for e in experts]
    suggestions.sort(key=lambda s: (-len(s.matching), s.open_reviews, fold(s.user.display_name)))
    return suggestions[:limit]


def default_rubric():
    return (Rubric.objects.filter(is_default=True).order_by("-created_at", "-pk").first()
            or Rubric.objects.order_by("-created_at", "-pk").first())


@transaction.atomic
def assign_reviewer(*, actor, submission, reviewer, rubric=None, now=None):
    """The standing office asks an advisory council member to review an initiative or solution under review."""
    _require(actor, Action.ASSIGN, submission.intake)
    now = now or timezone.now()
    submission = _lock(Submission, submission.pk)
    _require_under_review(submission)
    if reviewer is None or not reviewer.is_active or not can(reviewer, Action.EVALUATE, submission):
        raise ValidationError({"reviewer": _("This person may not evaluate this file: choose an advisory council "
                                             "member whose scope covers it.")})
    if is_submitter(reviewer, submission):
        raise ValidationError({"reviewer": _("The submitter cannot review their own file.")})
    if Review.objects.filter(submission=submission, reviewer=reviewer).exists():
        raise ValidationError({"reviewer": _("This person is already a reviewer of this file.")})
    rubric = rubric or default_rubric()
    if rubric is None or not rubric.criteria.exists():
        raise ValidationError({"rubric": _("Set up a scoring rubric with at least one criterion first.")})
    review = Review.objects.create(submission=submission, reviewer=reviewer, rubric=rubric,
                                   assigned_by=_user(actor), assigned_at=now)
    record(actor=actor, obj=review, action=CREATE, after=snapshot(review), verb="reviewer_assigned")
    _tell(_others([reviewer], actor), kind="council_review_assigned",
           title=format_lazy(gettext_lazy("You are asked to review {code}"), code=submission.code),
           body=gettext_lazy("Declare any conflict of interest first; the file opens once you have declared."),
           url=review_url(review))
    return review


@transaction.atomic
def unassign_reviewer(*, actor, review):
    """Withdraw a request to review that has not been scored (a declared conflict stays on record)."""
    _require(actor, Action.ASSIGN, review.submission.intake)
    review = _lock(Review, review.pk)
    if review.status not in OPEN_REVIEW:
        raise ValidationError(_("A review that was scored, or ended by a conflict of interest, stays on record."))
    submission, reviewer = review.submission, review.reviewer
    record(actor=actor, obj=review, action=DELETE, before={**snapshot(review), "scores": _scores_snapshot(review)},
           verb="reviewer_unassigned")
    review.scores.all().delete()
    review.delete()
    _tell(_others([reviewer], actor), kind="council_review_withdrawn",
           title=format_lazy(gettext_lazy("You are no longer asked to review {code}"), code=submission.code),
           url=reverse("feedback:council"))


def _require_reviewer(actor, review):
    if actor is None:
        return
    if review.reviewer_id != actor.pk or not can(actor, Action.EVALUATE, review.submission):
        raise PermissionDenied


@transaction.atomic
def declare_conflict(*, actor, review, has_conflict, note="", now=None):
    """The reviewer declares whether they have a conflict of interest, before seeing the file. A conflict ends
    the review, and the standing office is told so it can ask someone else. A conflict noticed while reading the
    file may still be declared until the scores are submitted."""
    _require_reviewer(actor, review)
    now = now or timezone.now()
    review = _lock(Review, review.pk)
    late = review.status == R.IN_PROGRESS and has_conflict is True
    if review.has_conflict is not None and not late:
        raise ValidationError(_("The declaration has already been made."))
    _require_under_review(review.submission)
    if not isinstance(has_conflict, bool):
        raise ValidationError({"has_conflict": _("Say whether you have a conflict of interest.")})
    note = _text(note)
    if has_conflict and not note:
        raise ValidationError({"note": _("Describe the conflict of interest in a few words.")})
    before = snapshot(review)
    review.has_conflict = has_conflict
    review.conflict_note = note
    review.declared_at = now
    review.status = R.CONFLICT if has_conflict else R.IN_PROGRESS
    review.save(update_fields=["has_conflict", "conflict_note", "declared_at", "status"])
    record(actor=actor, obj=review, action=UPDATE, before=before, after=snapshot(review),
           verb="conflict_declared" if has_conflict else "no_conflict_declared")
    if has_conflict:
        submission = review.submission
        _tell(_others(_office(submission), actor), kind="council_conflict",
               title=format_lazy(gettext_lazy("{name} declared a conflict of interest on {code}: assign another "
                                              "reviewer"), name=review.reviewer.display_name, code=submission.code),
               body=note, url=council_url(submission))
    return review


# --- scores ------------------------------------------------------------------------------------------------


def _scores_snapshot(review):
    return {code: [value, comment] for code, value, comment in
            review.scores.values_list("criterion__code", "value", "comment")}


def _as_score(value):
    """An integer score from a form or a caller, None when empty; ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text.isdecimal() or len(text) > 4:
        raise ValueError(value)
    return int(text)


@transaction.atomic
def save_scores(*, actor, review, scores, comment="", submit=False, now=None):
    """Save the reviewer's scores (a draft), or submit them: every criterion scored, 0..max. `scores` is
    {criterion id: (value, comment)}; the total (out of 100) is computed once every criterion is scored."""
    _require_reviewer(actor, review)
    now = now or timezone.now()
    review = _lock(Review, review.pk)
    if review.status == R.ASSIGNED:
        raise ValidationError(_("Declare any conflict of interest before scoring."))
    if review.status == R.CONFLICT:
        raise ValidationError(_("This review ended with a declared conflict of interest."))
    if review.status == R.DONE:
        raise ValidationError(_("These scores were submitted and can no longer be changed."))
    _require_under_review(review.submission)
    criteria = {c.pk: c for c in review.rubric.criteria.all()}
    errors, values = {}, {}
    for key, entry in dict(scores or {}).items():
        try:
            criterion = criteria[int(key)]
        except (KeyError, TypeError, ValueError):
            errors.setdefault("__all__", []).append(_("A score was given for a criterion of another rubric."))
            continue
        value, note = (entry if isinstance(entry, (list, tuple)) and len(entry) == 2 else (entry, ""))
        try:
            value = _as_score(value)
        except (TypeError, ValueError):
            value = -1
        if value is not None and not 0 <= value <= criterion.max_score:
            errors[f"criterion_{criterion.pk}"] = [_("Give a whole number from 0 to %(max)s.") % {
                "max": criterion.max_score}]
            continue
        values[criterion.pk] = (value, _text(note))
    if submit:
        for pk in criteria:
            if values.get(pk, (None, ""))[0] is None and f"criterion_{pk}" not in errors:
                errors[f"criterion_{pk}"] = [_("Score this criterion before submitting.")]
    if errors:
        raise ValidationError(errors)
    before = {**snapshot(review), "scores": _scores_snapshot(review)}
    existing = {s.criterion_id: s for s in review.scores.all()}
    for pk, (value, note) in values.items():
        score = existing.get(pk)
        if value is None:
            if score is not None:
                score.delete()
                del existing[pk]
        elif score is None:
            existing[pk] = Score.objects.create(review=review, criterion=criteria[pk], value=value, comment=note)
        elif (score.value, score.comment) != (value, note):
            score.value, score.comment = value, note
            score.save(update_fields=["value", "comment"])
    complete = set(existing) >= set(criteria)
    review.total = scoring.weighted_total(
        (criteria[pk].weight, s.value, criteria[pk].max_score) for pk, s in existing.items() if pk in criteria
    ) if complete else None
    review.comment = _text(comment)
    if submit:
        review.status, review.submitted_at = R.DONE, now
    review.save(update_fields=["total", "comment", "status", "submitted_at"])
    record(actor=actor, obj=review, action=UPDATE, before=before,
           after={**snapshot(review), "scores": _scores_snapshot(review)},
           verb="review_submitted" if submit else "review_saved")
    if submit:
        submission = review.submission
        _tell(_others(_office(submission), actor), kind="council_review_done",
               title=format_lazy(gettext_lazy("{name} scored {code}"), name=review.reviewer.display_name,
                                 code=submission.code),
               url=council_url(submission), dedupe_key=f"council-review-done-{review.pk}")
    return review


# --- the aggregate -----------------------------------------------------------------------------------------


def aggregate(submission):
    """The aggregate of the submission's scored reviews (see `scoring.summarise`); two queries."""
    done = Review.objects.filter(submission=submission, status=R.DONE)
    totals = list(done.values_list("total", flat=True))
    rows = list(Score.objects.filter(review__in=done).order_by("criterion__sort_order", "criterion_id")
                .values_list("criterion_id", "value", "criterion__max_score"))
    max_scores = {cid: max_score for cid, _value, max_score in rows}
    return scoring.summarise(totals, [(cid, value) for cid, value, _m in rows], max_scores)


def aggregates_for(submission_ids):
    """{submission id: Summary} of the totals only, for list pages: one query for any number of submissions."""
    totals = {}
    for sid, total in (Review.objects.filter(submission__in=list(submission_ids), status=R.DONE)
                       .values_list("submission_id", "total")):
        totals.setdefault(sid, []).append(total)
    return {sid: scoring.summarise(values) for sid, values in totals.items()}


# --- the decision ------------------------------------------------------------------------------------------


def _decision_text(submission, recommendation, reasons):
    """The answer the submitter receives: the recommendation and its reasons, in the submission's language."""
    with translation.override(submission.language or "vi"):
        label = str(CouncilDecision.Recommendation(recommendation).label)
        return _("The advisory council's recommendation: %(recommendation)s.") % {"recommendation": label} + \
            "\n\n" + reasons


def _create_task(actor, submission, plan, task_code, task_title, lead, deadline):
    from nq57.plans import actions as plan_actions

    if plan is None:
        raise ValidationError({"plan": _("Choose the plan the adopted initiative becomes a task of.")})
    if actor is not None and not can(actor, Action.ASSIGN, plan.owner):
        raise ValidationError({"plan": _("You may not add tasks to this plan.")})
    if deadline is not None and deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The deadline is in the past.")})
    try:
        return plan_actions.create_task(
            actor=actor, plan=plan, code=_text(task_code) or submission.code,
            title=_text(task_title) or submission.title, source_article=submission.code,
            deadline_text=deadline.strftime("%d/%m/%Y") if deadline else "",
            lead=[lead] if lead is not None else (),
            lead_text=(lead.name if lead is not None else ""))
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        rename = {"code": "task_code", "title": "task_title"}
        raise ValidationError({rename.get(k, k): v for k, v in exc.error_dict.items()}) from exc


@transaction.atomic
def record_decision(*, actor, submission, recommendation, reasons, plan=None, task_code="", task_title="",
                    lead=None, deadline=None, now=None):
    """Record the council's recommendation with its reasons and the aggregate score; the submission is answered
    with it. An adopted initiative becomes a task of `plan` (lead agency, deadline), linked both ways."""
    from .actions_council import decide_submission

    _require(actor, Action.ASSIGN, submission.intake)
    now = now or timezone.now()
    submission = Submission.objects.select_for_update().select_related("intake", "holder").get(pk=submission.pk)
    workflow.check(submission.state, "decide")
    errors = {}
    if recommendation not in CouncilDecision.Recommendation.values:
        errors["recommendation"] = _("Choose a recommendation.")
    reasons = _text(reasons)
    if not reasons:
        errors["reasons"] = _("Give the reasons for the recommendation.")
    if errors:
        raise ValidationError(errors)
    if CouncilDecision.objects.filter(submission=submission).exists():
        raise ValidationError(_("The council has already decided on this file."))
    summary = aggregate(submission)
    if summary.count == 0:
        raise ValidationError(_("At least one reviewer must have scored the file before the council decides."))
    task = None
    if recommendation == CouncilDecision.Recommendation.ADOPT:
        task = _create_task(actor, submission, plan, task_code, task_title, lead, deadline)
    decision = CouncilDecision.objects.create(
        submission=submission, recommendation=recommendation, reasons=reasons,
        aggregate_score=summary.mean_decimal, decided_by=_user(actor), decided_at=now, task=task)
    record(actor=actor, obj=decision, action=CREATE,
           after={**snapshot(decision), "agreement": summary.level, "reviews": summary.count},
           verb="council_decided", organisation=submission.intake)
    if task is not None and submission.related_task_id is None:
        submission.related_task = task
        submission.save(update_fields=["related_task"])
    decide_submission(actor=actor, submission=submission,
                      text=_decision_text(submission, recommendation, reasons), now=now)
    return decision


# --- rubrics -----------------------------------------------------------------------------------------------


def rubric_in_use(rubric):
    """A rubric with submitted scores is never edited in place: its totals must stay explainable."""
    return Review.objects.filter(rubric=rubric, status=R.DONE).exists()


def _clean_criteria(criteria):
    """Validated criteria dicts (code, name, name_en, guidance, weight, max_score) and field-keyed errors."""
    from decimal import Decimal, InvalidOperation

    from django.utils.text import slugify

    cleaned, errors, codes = [], {}, set()
    for i, row in enumerate(criteria):
        name = _text(row.get("name"))
        name_en = _text(row.get("name_en"))
        code = slugify(fold(_text(row.get("code")) or name_en or name))[:40] or f"criterion-{i + 1}"
        try:
            weight = Decimal(str(row.get("weight", 1)))
        except (InvalidOperation, ValueError):
            weight = Decimal(-1)
        try:
            max_score = int(row.get("max_score", 5))
        except (TypeError, ValueError):
            max_score = 0
        if not name:
            errors[f"criteria-{i}-name"] = _("Name the criterion.")
        if not weight.is_finite() or not Decimal("0") < weight <= Decimal("999"):
            errors[f"criteria-{i}-weight"] = _("The weight must be more than 0 and at most 999.")
        if not 1 <= max_score <= MAX_SCORE_LIMIT:
            errors[f"criteria-{i}-max_score"] = _("The maximum score must be from 1 to %(max)s.") % {
                "max": MAX_SCORE_LIMIT}
        if code in codes:
            errors[f"criteria-{i}-code"] = _("Two criteria have the same code.")
        codes.add(code)
        cleaned.append({"code": code, "name": name[:200], "name_en": name_en[:200],
                        "guidance": _text(row.get("guidance")), "weight": weight.quantize(Decimal("0.01")),
                        "max_score": max_score, "sort_order": i})
    if not cleaned:
        errors["criteria"] = _("A rubric needs at least one criterion.")
    elif len(cleaned) > MAX_CRITERIA:
        errors["criteria"] = _("A rubric has at most %(max)s criteria.") % {"max": MAX_CRITERIA}
    return cleaned, errors


@transaction.atomic
def save_rubric(*, actor, name, criteria, rubric=None, make_default=False):
    """Create a rubric, or change one: a rubric with submitted scores is kept as it was and a new version is
    created instead (which becomes the default if the old one was). Returns the rubric written."""
    _require(actor, Action.ASSIGN, root_organisation())
    name = _text(name)
    cleaned, errors = _clean_criteria(list(criteria))
    if not name:
        errors["name"] = _("Name the rubric.")
    elif len(name) > Rubric._meta.get_field("name").max_length:
        errors["name"] = _("The name is too long.")
    if errors:
        raise ValidationError(errors)
    if rubric is not None:
        rubric = _lock(Rubric, rubric.pk)
        make_default = make_default or rubric.is_default
    if rubric is None or rubric_in_use(rubric):
        previous = rubric
        rubric = Rubric.objects.create(name=name, is_default=False)
        Criterion.objects.bulk_create([Criterion(rubric=rubric, **row) for row in cleaned])
        record(actor=actor, obj=rubric, action=CREATE, after={**snapshot(rubric), "criteria": _criteria(rubric),
                                                              "replaces": previous.pk if previous else None},
               verb="rubric_created", organisation=root_organisation())
    else:
        before = {**snapshot(rubric), "criteria": _criteria(rubric)}
        rubric.name = name
        rubric.save(update_fields=["name"])
        kept = {row["code"] for row in cleaned}
        removed = rubric.criteria.exclude(code__in=kept)
        Score.objects.filter(criterion__in=removed).delete()  # draft scores only: the rubric has no submitted ones
        removed.delete()
        existing = {c.code: c for c in rubric.criteria.all()}
        for row in cleaned:
            criterion = existing.get(row["code"]) or Criterion(rubric=rubric)
            for key, value in row.items():
                setattr(criterion, key, value)
            criterion.save()
        Review.objects.filter(rubric=rubric, status=R.IN_PROGRESS).update(total=None)  # recomputed on next save
        record(actor=actor, obj=rubric, action=UPDATE, before=before,
               after={**snapshot(rubric), "criteria": _criteria(rubric)}, verb="rubric_changed",
               organisation=root_organisation())
    if make_default and not rubric.is_default:
        Rubric.objects.filter(is_default=True).exclude(pk=rubric.pk).update(is_default=False)
        rubric.is_default = True
        rubric.save(update_fields=["is_default"])
    return rubric


def _criteria(rubric):
    return [[c.code, c.name, str(c.weight), c.max_score] for c in rubric.criteria.all()]


# --- reading -----------------------------------------------------------------------------------------------


def under_review(user):
    """Initiatives and solutions the user's standing office may handle in the council (ASSIGN on the intake)."""
    return Submission.objects.filter(scope_q(user, Action.ASSIGN, "intake__path"), kind__in=EVALUABLE_KINDS)


def with_review_counts(submissions):
    """Annotate assigned / declared / conflicts / done counts of reviews."""
    return submissions.annotate(
        n_assigned=Count("reviews", distinct=True),
        n_declared=Count("reviews", filter=Q(reviews__has_conflict__isnull=False), distinct=True),
        n_conflicts=Count("reviews", filter=Q(reviews__status=R.CONFLICT), distinct=True),
        n_done=Count("reviews", filter=Q(reviews__status=R.DONE), distinct=True),
    )
