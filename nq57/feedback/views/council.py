"""The advisory council's pages: the council desk (files under review; my reviews), a file's reviewers with their
scores, the aggregate and the decision form, a review (conflict of interest first, then the file and the rubric),
the experts' tags, and the rubrics.

Rights: the standing office of the file's intake (ASSIGN on `submission.intake`) assigns and decides; a reviewer
sees only their own reviews (another one's is a 404); no role at all is a 403. Every write calls one service of
`evaluation`, which checks the rights again; a refused rule is shown on its form with status 400.
"""

import re

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from nq57.accounts.models import RoleGrant, User
from nq57.core.permissions import can, can_anywhere, scope_q
from nq57.core.roles import Action, Role
from nq57.plans.models import Plan

from .. import evaluation, scoring
from ..forms_council import (AssignForm, ConflictForm, CriterionFormSet, DecisionForm, ExpertForm, RubricForm,
                             ScoreForm, criteria_initial, review_queryset)
from ..models import (EVALUABLE_KINDS, Attachment, CouncilDecision, Criterion, ExpertiseTag, Review, Rubric,
                      Score, State, Submission)
from ..workflow import TransitionError

PAGE_SIZE = 50
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")
DECIDED_SHOWN = 20
MAX_ID = 2**63 - 1
R = Review.Status


def _int(value):
    """A positive id from a form or a query string, or None."""
    text = str(value or "").strip()
    if not text.isdecimal() or len(text) > 19 or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)


def _add_errors(form, exc, rename=None):
    """Show a service's refusal on its form: field errors next to the field, the others on top."""
    rename = rename or {}
    if isinstance(exc, TransitionError):
        form.add_error(None, str(exc))
        return
    if hasattr(exc, "error_dict"):
        for name, texts in exc.message_dict.items():
            name = rename.get(name, name)
            for text in texts:
                form.add_error(name if name in form.fields else None, text)
    else:
        for text in exc.messages:
            form.add_error(None, text)


def _office_submission(user, pk):
    """An initiative or solution whose intake the user's standing office covers (404 if none, 403 if not)."""
    submission = get_object_or_404(Submission.objects.select_related("field", "intake", "holder", "related_task"),
                                   pk=pk, kind__in=EVALUABLE_KINDS)
    if not can(user, Action.ASSIGN, submission.intake):
        raise PermissionDenied
    return submission


# --- the council desk ----------------------------------------------------------------------------------------


class CouncilView(LoginRequiredMixin, View):
    """The standing office's files under review (counts, aggregate, agreement) and the reviewer's own reviews."""

    def get(self, request):
        user = request.user
        office, reviewer = can_anywhere(user, Action.ASSIGN), can_anywhere(user, Action.EVALUATE)
        if not (office or reviewer):
            raise PermissionDenied
        context = {"office": office, "reviewer": reviewer, "labels": scoring.AGREEMENT_LABELS}
        if office:
            files = (evaluation.with_review_counts(evaluation.under_review(user).filter(state=State.UNDER_REVIEW))
                     .select_related("field", "intake").order_by("due_date", "received_at", "pk"))
            page = Paginator(files, PAGE_SIZE).get_page(request.GET.get("page"))
            summaries = evaluation.aggregates_for([s.pk for s in page])
            for submission in page:
                submission.summary = summaries.get(submission.pk, scoring.EMPTY)
            context["page"] = page
            context["decided"] = (evaluation.under_review(user).filter(decision__isnull=False)
                                  .select_related("decision", "decision__task", "field")
                                  .order_by("-decision__decided_at", "-pk")[:DECIDED_SHOWN])
        if reviewer:
            mine = list(Review.objects.filter(reviewer=user).select_related("submission", "submission__field")
                        .order_by("-assigned_at", "-pk")[:200])
            context["open_reviews"] = [r for r in mine if r.status in evaluation.OPEN_REVIEW
                                       and r.submission.state == State.UNDER_REVIEW]
            context["past_reviews"] = [r for r in mine if r not in context["open_reviews"]][:PAGE_SIZE]
        return render(request, "feedback/council/index.html", context)


# --- one file: reviewers, scores, aggregate, decision ----------------------------------------------------


def _plans_for(user):
    return Plan.objects.filter(scope_q(user, Action.ASSIGN, "owner__path")).select_related("owner")


def _office_page(request, submission, *, assign_form=None, decision_form=None, status=200):
    user = request.user
    reviews = list(submission.reviews.select_related("reviewer", "rubric").prefetch_related(
        Prefetch("scores", queryset=Score.objects.select_related("criterion")
                 .order_by("criterion__sort_order", "criterion_id")))
        .order_by("assigned_at", "pk"))
    summary = evaluation.aggregate(submission)
    names = Criterion.objects.in_bulk([c.criterion_id for c in summary.criteria])
    criteria_rows = [(names.get(c.criterion_id), c) for c in summary.criteria]
    open_for_review = submission.state == State.UNDER_REVIEW
    decision = CouncilDecision.objects.filter(submission=submission).select_related(
        "task", "task__plan", "decided_by").first()
    context = {"submission": submission, "reviews": reviews, "summary": summary, "criteria_rows": criteria_rows,
               "open_for_review": open_for_review, "decision": decision, "labels": scoring.AGREEMENT_LABELS,
               "attachments": submission.attachments.order_by("pk")}
    if open_for_review:
        assigned = [r.reviewer_id for r in reviews]
        reviewers = evaluation.eligible_reviewers(submission).exclude(pk__in=assigned)
        context["suggestions"] = evaluation.suggest_reviewers(submission)
        context["assign_form"] = assign_form or AssignForm(reviewers=reviewers)
        if decision is None:
            context["decision_form"] = decision_form or DecisionForm(
                plans=_plans_for(user), initial={"task_title": submission.title, "task_code": submission.code})
    return render(request, "feedback/council/submission.html", context, status=status)


class AssignReviewersView(LoginRequiredMixin, View):
    """Suggestions by tags, assigning and withdrawing reviewers, every reviewer's scores, the aggregate."""

    def get(self, request, pk):
        return _office_page(request, _office_submission(request.user, pk))

    def post(self, request, pk):
        submission = _office_submission(request.user, pk)
        operation = request.POST.get("operation", "")
        if operation == "assign":
            return self._assign(request, submission)
        if operation == "unassign":
            return self._unassign(request, submission)
        messages.error(request, _("Unknown operation."))
        return _office_page(request, submission, status=400)

    def _assign(self, request, submission):
        assigned = submission.reviews.values("reviewer_id")
        form = AssignForm(request.POST, reviewers=evaluation.eligible_reviewers(submission).exclude(pk__in=assigned))
        if not form.is_valid():
            return _office_page(request, submission, assign_form=form, status=400)
        try:
            review = evaluation.assign_reviewer(actor=request.user, submission=submission,
                                                reviewer=form.cleaned_data["reviewer"],
                                                rubric=form.cleaned_data["rubric"])
        except ValidationError as exc:
            _add_errors(form, exc)
            return _office_page(request, submission, assign_form=form, status=400)
        messages.success(request, _("%(name)s was asked to review the file.") % {
            "name": review.reviewer.display_name})
        return redirect("feedback:assign_reviewers", submission.pk)

    def _unassign(self, request, submission):
        review = Review.objects.filter(pk=_int(request.POST.get("review")), submission=submission).first() \
            if _int(request.POST.get("review")) else None
        if review is None:
            messages.error(request, _("This review is not part of this file."))
            return _office_page(request, submission, status=400)
        try:
            evaluation.unassign_reviewer(actor=request.user, review=review)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
            return _office_page(request, submission, status=400)
        messages.success(request, _("The request to review was withdrawn."))
        return redirect("feedback:assign_reviewers", submission.pk)


class DecideView(LoginRequiredMixin, View):
    """The council's recommendation (POST from the file's page)."""

    def get(self, request, pk):
        _office_submission(request.user, pk)
        return redirect("feedback:assign_reviewers", pk)

    def post(self, request, pk):
        submission = _office_submission(request.user, pk)
        form = DecisionForm(request.POST, plans=_plans_for(request.user))
        if submission.state != State.UNDER_REVIEW or hasattr(submission, "decision"):
            messages.error(request, _("The file is no longer under council review."))
            return _office_page(request, submission, status=400)
        if not form.is_valid():
            return _office_page(request, submission, decision_form=form, status=400)
        data = form.cleaned_data
        try:
            decision = evaluation.record_decision(
                actor=request.user, submission=submission, recommendation=data["recommendation"],
                reasons=data["reasons"], plan=data["plan"], task_code=data["task_code"],
                task_title=data["task_title"], lead=data["lead"], deadline=data["deadline"])
        except (ValidationError, TransitionError) as exc:
            _add_errors(form, exc)
            submission.refresh_from_db()
            return _office_page(request, submission, decision_form=form, status=400)
        if decision.task_id:
            messages.success(request, _("The recommendation was recorded and task %(code)s was added to the plan.")
                             % {"code": decision.task.code})
        else:
            messages.success(request, _("The recommendation was recorded and sent to the submitter."))
        return redirect("feedback:assign_reviewers", submission.pk)


# --- a review --------------------------------------------------------------------------------------------


def _my_review(user, pk):
    """The user's own review: no EVALUATE anywhere is a 403, someone else's review a 404."""
    if not can_anywhere(user, Action.EVALUATE):
        raise PermissionDenied
    review = get_object_or_404(review_queryset(), pk=pk, reviewer=user)
    if not can(user, Action.EVALUATE, review.submission):
        raise PermissionDenied
    return review


def _may_read_file(review):
    """The file opens only once the reviewer declared no conflict of interest."""
    return review.has_conflict is False and review.status in (R.IN_PROGRESS, R.DONE)


class ReviewView(LoginRequiredMixin, View):
    """Conflict-of-interest declaration first (the page shows only the title, code, type and field), then the
    full file and the rubric form (save a draft, or submit)."""

    def get(self, request, pk):
        return self._render(request, _my_review(request.user, pk))

    def post(self, request, pk):
        review = _my_review(request.user, pk)
        operation = request.POST.get("operation", "")
        if operation == "declare":
            return self._declare(request, review)
        if operation == "score":
            return self._score(request, review)
        messages.error(request, _("Unknown operation."))
        return self._render(request, review, status=400)

    def _declare(self, request, review):
        form = ConflictForm(request.POST)
        # Before the file opens, the declaration form; afterwards, the form to declare a conflict noticed late.
        which = "late_conflict_form" if review.status == R.IN_PROGRESS else "conflict_form"
        if not form.is_valid():
            return self._render(request, review, status=400, **{which: form})
        try:
            review = evaluation.declare_conflict(actor=request.user, review=review,
                                                 has_conflict=form.cleaned_data["has_conflict"],
                                                 note=form.cleaned_data["note"])
        except ValidationError as exc:
            _add_errors(form, exc)
            review.refresh_from_db()
            return self._render(request, review, status=400, **{which: form})
        if review.has_conflict:
            messages.success(request, _("Your conflict of interest was recorded; the standing office will ask "
                                        "another reviewer."))
        else:
            messages.success(request, _("Thank you: the file is now open for scoring."))
        return redirect("feedback:review", review.pk)

    def _score(self, request, review):
        criteria = list(review.rubric.criteria.all())
        form = ScoreForm(request.POST, criteria=criteria)
        if not _may_read_file(review) or review.status == R.DONE:
            messages.error(request, _("These scores cannot be changed now."))
            return self._render(request, review, status=400)
        if not form.is_valid():
            return self._render(request, review, score_form=form, status=400)
        submit = request.POST.get("then") == "submit"
        try:
            evaluation.save_scores(actor=request.user, review=review, scores=form.scores(),
                                   comment=form.cleaned_data["comment"], submit=submit)
        except ValidationError as exc:
            _add_errors(form, exc)
            review.refresh_from_db()
            return self._render(request, review, score_form=form, status=400)
        if submit:
            messages.success(request, _("Your scores were submitted to the council."))
        else:
            messages.success(request, _("Your scores were saved as a draft; submit them when they are complete."))
        return redirect("feedback:review", review.pk)

    def _render(self, request, review, *, conflict_form=None, late_conflict_form=None, score_form=None,
                status=200):
        context = {"review": review, "submission_header": review.submission}
        if review.has_conflict is None:
            if review.submission.state == State.UNDER_REVIEW:
                context["conflict_form"] = conflict_form or ConflictForm()
        elif _may_read_file(review):
            # Only now does the page carry the content of the file.
            context["file"] = review.submission
            context["attachments"] = review.submission.attachments.order_by("pk")
            if review.status == R.IN_PROGRESS and review.submission.state == State.UNDER_REVIEW:
                context["score_form"] = score_form or ScoreForm(initial=ScoreForm.initial_for(review),
                                                                criteria=review.rubric.criteria.all())
                context["late_conflict_form"] = late_conflict_form or ConflictForm(initial={"has_conflict": "yes"})
            else:
                context["scores"] = review.scores.select_related("criterion").order_by(
                    "criterion__sort_order", "criterion_id")
        return render(request, "feedback/council/review.html", context, status=status)


class ReviewAttachmentView(LoginRequiredMixin, View):
    """A file attached to the submission, for its reviewer once they declared no conflict of interest."""

    def get(self, request, pk, file_pk):
        review = _my_review(request.user, pk)
        if not _may_read_file(review):
            raise PermissionDenied
        attachment = get_object_or_404(Attachment, pk=file_pk, submission=review.submission_id)
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, OSError, ValueError):
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type or "application/octet-stream")


# --- experts -------------------------------------------------------------------------------------------------


def _advisory_users():
    return User.objects.filter(grants__role=Role.ADVISORY_MEMBER, is_active=True).distinct()


class ExpertsView(LoginRequiredMixin, View):
    """The standing office's list of advisory council members in its scope, with their expertise tags."""

    def _require(self, request):
        if not can_anywhere(request.user, Action.ASSIGN):
            raise PermissionDenied

    def get(self, request):
        self._require(request)
        form = None
        edit = request.GET.get("edit")
        if edit is not None:
            member = evaluation.advisory_members(request.user).filter(pk=_int(edit)).select_related("expert").first() \
                if _int(edit) else None
            if member is None:
                raise Http404
            expert = getattr(member, "expert", None)  # RelatedObjectDoesNotExist is an AttributeError
            form = ExpertForm(members=_advisory_users(), initial={
                "user": member.pk, "tags": list(expert.tags.all()) if expert else [],
                "affiliation": expert.affiliation if expert else ""})
            form.member = member
        return self._render(request, form)

    def post(self, request):
        self._require(request)
        form = ExpertForm(request.POST, members=_advisory_users())
        if not form.is_valid():
            form.member = form.cleaned_data.get("user")
            return self._render(request, form, status=400)
        member = form.cleaned_data["user"]
        form.member = member
        try:
            evaluation.save_expert(actor=request.user, user=member, tags=form.cleaned_data["tags"],
                                   affiliation=form.cleaned_data["affiliation"])
        except ValidationError as exc:
            _add_errors(form, exc)
            return self._render(request, form, status=400)
        messages.success(request, _("The expertise of %(name)s was saved.") % {"name": member.display_name})
        return redirect("feedback:experts")

    def _render(self, request, form=None, status=200):
        members = evaluation.advisory_members(request.user)
        code = request.GET.get("tag", "")
        tag = ExpertiseTag.objects.filter(code=code).first() if SLUG.fullmatch(code) else None
        if tag is not None:
            members = members.filter(expert__tags=tag)
        page = Paginator(members.select_related("expert").prefetch_related(
            "expert__tags", Prefetch("grants", queryset=RoleGrant.objects.filter(role=Role.ADVISORY_MEMBER)
                                     .select_related("organisation"), to_attr="advisory_grants")),
            PAGE_SIZE).get_page(request.GET.get("page"))
        counts = {row["reviewer"]: row for row in Review.objects.filter(reviewer__in=[u.pk for u in page]).values(
            "reviewer").annotate(open=Count("id", filter=Q(status__in=evaluation.OPEN_REVIEW)),
                                 done=Count("id", filter=Q(status=R.DONE))).order_by()}
        for member in page:
            member.profile = getattr(member, "expert", None)
            member.counts = counts.get(member.pk, {"open": 0, "done": 0})
        return render(request, "feedback/council/experts.html", {
            "page": page, "form": form, "tags": ExpertiseTag.objects.prefetch_related("fields"), "tag": tag,
        }, status=status)


# --- rubrics -------------------------------------------------------------------------------------------------


class RubricsView(LoginRequiredMixin, View):
    """Every rubric version with its criteria; the national standing office creates and revises them."""

    def _require(self, request):
        user = request.user
        if not (can_anywhere(user, Action.ASSIGN) or can_anywhere(user, Action.EVALUATE)):
            raise PermissionDenied
        return can(user, Action.ASSIGN, evaluation.root_organisation())

    def get(self, request):
        may_edit = self._require(request)
        form = formset = base = None
        if may_edit:
            base_id = request.GET.get("edit")
            if base_id is not None:
                base = Rubric.objects.filter(pk=_int(base_id)).first() if _int(base_id) else None
                if base is None:
                    raise Http404
            form = RubricForm(initial={"name": base.name if base else "", "make_default": bool(base and
                                                                                              base.is_default)})
            formset = CriterionFormSet(prefix="criteria", initial=criteria_initial(base) if base else None)
        return self._render(request, may_edit, form, formset, base)

    def post(self, request):
        if not self._require(request):
            raise PermissionDenied
        base = None
        if request.POST.get("rubric"):
            base = Rubric.objects.filter(pk=_int(request.POST["rubric"])).first() \
                if _int(request.POST["rubric"]) else None
            if base is None:
                messages.error(request, _("This rubric does not exist."))
                return self._render(request, True, RubricForm(request.POST), None, None, status=400)
        form = RubricForm(request.POST)
        formset = CriterionFormSet(request.POST, prefix="criteria")
        if not (form.is_valid() and formset.is_valid()):
            return self._render(request, True, form, formset, base, status=400)
        rows, positions = [], []
        for index, row_form in enumerate(formset.forms):
            data = row_form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            rows.append(data)
            positions.append(index)
        try:
            rubric = evaluation.save_rubric(actor=request.user, name=form.cleaned_data["name"], criteria=rows,
                                            rubric=base, make_default=form.cleaned_data["make_default"])
        except ValidationError as exc:
            self._spread_errors(exc, form, formset, positions)
            return self._render(request, True, form, formset, base, status=400)
        if base is not None and rubric.pk != base.pk:
            messages.success(request, _("The rubric has submitted scores, so a new version was created."))
        else:
            messages.success(request, _("The rubric was saved."))
        return redirect("feedback:rubrics")

    @staticmethod
    def _spread_errors(exc, form, formset, positions):
        if not hasattr(exc, "error_dict"):
            _add_errors(form, exc)
            return
        for key, texts in exc.message_dict.items():
            parts = key.split("-")
            if len(parts) == 3 and parts[0] == "criteria" and parts[1].isdecimal() \
                    and int(parts[1]) < len(positions):
                row_form = formset.forms[positions[int(parts[1])]]
                for text in texts:
                    row_form.add_error(parts[2] if parts[2] in row_form.fields else None, text)
            else:
                for text in texts:
                    form.add_error(key if key in form.fields else None, text)

    def _render(self, request, may_edit, form, formset, base, status=200):
        rubrics = Rubric.objects.prefetch_related("criteria").annotate(
            n_reviews=Count("reviews", distinct=True),
            n_done=Count("reviews", filter=Q(reviews__status=R.DONE), distinct=True),
        ).order_by("-is_default", "-created_at", "-pk")
        return render(request, "feedback/council/rubrics.html", {
            "rubrics": rubrics, "may_edit": may_edit, "form": form, "formset": formset, "base": base,
        }, status=status)
