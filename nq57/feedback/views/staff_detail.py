"""The handling page of one submission, and the workflow steps it posts.

The page shows only the forms of the steps the viewer may take now: the state machine's steps from the
current state (`workflow.allowed`) intersected with the viewer's rights. Each form posts to `step`
(`s/<pk>/<step>/`), which calls ONE service function of `nq57.feedback.actions` — that function checks the
rights and the state again. Field errors come back next to their field (400), a step the state does not allow
as a message (400), a missing right as 403, an unknown step as 404; success redirects back with a message.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Q, Subquery, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from nq57.core import workdays
from nq57.core.permissions import can, scope_q
from nq57.core.roles import Action
from nq57.core.text import fold
from nq57.plans.models import Plan

from .. import actions, deadlines, search, workflow
from ..forms_staff import (AnswerForm, CloseForm, CommentForm, ContestDecisionForm, CouncilForm, GroupForm,
                           NoteForm, PauseForm, PublishForm, ReasonForm, ReferForm, ResumeForm, RouteForm)
from ..models import Answer, AnswerTemplate, Contest, DuplicateGroup, Event, State, Submission
from .staff import describe_clock, submission_for

SIMILAR_SHOWN = 5
RECENT_WINDOW = 5000  # staff-side similarity looks among this many newest submissions in scope
EVENTS_SHOWN = 200


class _Refused(Exception):
    """Input naming something that is not there (an answer of another submission, a gone template)."""


@dataclass(frozen=True)
class Step:
    """A step of the handling page: the workflow steps it stands for, the right it needs, its form."""

    workflow: tuple
    right: str  # a key of `staff.rights_on`
    form: type | None = None
    when: object = None  # an extra condition on the submission (callable), e.g. "only initiatives"
    danger: bool = False  # shown as a secondary button (closing, returning)


def _published(s):
    return s.published_at is not None and s.state in (State.PUBLISHED, State.CLOSED)


STEPS = {
    # standing office (ASSIGN on the intake)
    "route": Step(("route",), "assign", RouteForm),
    "refer": Step(("refer",), "assign", ReferForm),
    "group": Step(("group",), "assign", GroupForm),
    "ungroup": Step(("ungroup",), "assign"),
    "send_to_council": Step(("send_to_council",), "assign", CouncilForm, when=lambda s: s.is_evaluable),
    "close": Step(("close",), "assign", CloseForm, danger=True),
    "decide_contest": Step(("reopen", "escalate", "uphold"), "assign", ContestDecisionForm),
    "publish": Step(("publish",), "publish", PublishForm, when=lambda s: not s.confidential and not s.hidden),
    # lead agency (REPORT on it)
    "accept": Step(("accept",), "report"),
    "return_misrouted": Step(("return_misrouted",), "report", ReasonForm, danger=True),
    "pause": Step(("pause",), "report", PauseForm),
    "resume": Step(("resume",), "report", ResumeForm),
    "draft_answer": Step(("draft_answer",), "report", AnswerForm),
    "submit_answer": Step(("submit_answer",), "report", AnswerForm),
    # agency head (APPROVE on the lead agency)
    "approve_answer": Step(("approve_answer",), "approve"),
    "return_answer": Step(("return_answer",), "approve", CommentForm),
    # any state
    "note": Step(("note",), "note", NoteForm),
    "hide": Step(("hide",), "moderate", ReasonForm, when=lambda s: not s.hidden),
    "unhide": Step(("unhide",), "moderate", when=lambda s: s.hidden),
    "pin": Step(("pin",), "moderate", when=lambda s: _published(s) and not s.pinned),
    "unpin": Step(("unpin",), "moderate", when=lambda s: s.pinned),
}


OWN_LABELS = {
    "draft_answer": gettext_lazy("Draft the answer"),
    "decide_contest": gettext_lazy("Decide the contest"),
    "note": gettext_lazy("Add an internal note"),
    "hide": gettext_lazy("Hide from the public pages"),
    "unhide": gettext_lazy("Show again on the public pages"),
    "pin": gettext_lazy("Put in the frequently asked questions"),
    "unpin": gettext_lazy("Take out of the frequently asked questions"),
}
OPEN_FIRST = {"route", "accept", "draft_answer", "approve_answer", "publish", "decide_contest"}
SHOWN_WITH_PARTNER = {"submit_answer", "return_answer"}  # rendered inside the draft and approval blocks


def prefix_of(step):
    """The form prefix of a step: the two answer steps share one form (two buttons)."""
    return "answer" if step in ("draft_answer", "submit_answer") else step


def label_of(step):
    return OWN_LABELS.get(step) or workflow.STEP_LABELS.get(step, step)


def event_label(kind):
    from ..timeline import KIND_LABELS

    return KIND_LABELS.get(kind) or OWN_LABELS.get(kind) or workflow.STEP_LABELS.get(kind) or kind.replace("_", " ")


def in_state(step, submission):
    """May `step` happen in the submission's state (and its own condition)?"""
    spec = STEPS[step]
    if not any(workflow.allowed(submission.state, name) for name in spec.workflow):
        return False
    return spec.when is None or bool(spec.when(submission))


def available_steps(submission, rights):
    return [name for name, spec in STEPS.items() if rights.get(spec.right) and in_state(name, submission)]


def _pick(queryset, value):
    if not str(value or "").isdecimal() or len(str(value)) > 18:
        raise _Refused(_("This item no longer exists."))
    item = queryset.filter(pk=int(value)).first()
    if item is None:
        raise _Refused(_("This item no longer exists."))
    return item


def templates_for(user, submission):
    """Answer templates offered to the lead agency: its own, its parents' (the root's are everyone's), and those
    of the agencies the user reports for."""
    lead = submission.lead_agency
    condition = scope_q(user, Action.REPORT, "organisation__path")
    if lead is not None:
        ancestors = [int(part) for part in lead.path.split(".") if part.isdecimal()]
        condition = condition | Q(organisation_id__in=ancestors)
    templates = AnswerTemplate.objects.filter(condition).select_related("organisation")
    if submission.field_id:
        templates = templates.filter(Q(field__isnull=True) | Q(field_id=submission.field_id))
    return list(templates.order_by("title", "pk")[:200])


def publication_preview(submission, answer):
    """The texts the publish form starts from: the service's automatic redaction (unless consented)."""
    title, content, answer_text = actions.redacted_texts(submission, answer.text if answer else "")
    return {"public_title": title[:300], "public_content": content, "public_answer": answer_text}


def similar_for_staff(user, submission, limit=SIMILAR_SHOWN):
    """Submissions to group this one with: those the public may know of (`search.similar`), then recent ones of
    the standing office's own scope sharing the title's longest words (not public yet, so unknown to search)."""
    try:
        found = list(search.similar(submission.title, submission.content, limit=limit, exclude=submission.pk))
    except Exception:  # noqa: BLE001 — a failing similarity search must not take the handling page down
        found = []
    words = sorted({w for w in fold(submission.title).split() if len(w) >= 3}, key=len, reverse=True)[:8]
    if len(words) >= 2 and len(found) < limit:
        # Recent ones of the same scope sharing at least half of the title's longer words, most shared first.
        recent = (Submission.objects.filter(scope_q(user, Action.ASSIGN, "intake__path"))
                  .exclude(state__in=[State.REFERRED, State.CLOSED]).order_by("-received_at")
                  .values("pk")[:RECENT_WINDOW])
        shared = sum((Case(When(search_text__contains=word, then=Value(1)), default=Value(0))
                      for word in words), Value(0))
        found += list(Submission.objects.filter(pk__in=Subquery(recent)).exclude(pk=submission.pk)
                      .exclude(pk__in=[x.pk for x in found]).annotate(shared=shared)
                      .filter(shared__gte=max(2, (len(words) + 1) // 2))
                      .order_by("-shared", "-received_at")[:limit - len(found)])
    return [x for x in found if x.pk != submission.pk][:limit]


class SubmissionPage:
    """Builds the handling page of a submission for a user: facts, timeline, answers and the allowed forms."""

    def __init__(self, request, submission, handlers, rights):
        self.request, self.submission, self.handlers, self.rights = request, submission, handlers, rights
        self.steps = available_steps(submission, rights)

    def answers(self):
        return list(self.submission.answers.select_related("organisation", "drafted_by", "approved_by",
                                                           "template").order_by("-version", "-pk"))

    def initial(self, step, answers):
        s = self.submission
        if step == "route":
            return {"kind": s.kind, "field": s.field_id, "lead": s.lead_agency.code if s.lead_agency else "",
                    "plan": s.related_task.plan_id if s.related_task else None,
                    "task_code": s.related_task.code if s.related_task else "",
                    "indicator_code": s.related_indicator.code if s.related_indicator else ""}
        if step in ("draft_answer", "submit_answer"):
            draft = next((a for a in answers if a.status in (Answer.Status.DRAFT, Answer.Status.RETURNED)), None)
            initial = {"text": draft.text if draft else "", "template": draft.template_id if draft else None}
            chosen = self.request.GET.get("template", "")
            if chosen.isdecimal() and len(chosen) < 12:
                template = next((t for t in self.templates if t.pk == int(chosen)), None)
                if template is not None:
                    initial = {"text": template.body, "template": template.pk}
            return initial
        if step == "publish":
            return publication_preview(s, actions.answer_of(s))
        return {}

    def form(self, step, answers, bound):
        spec = STEPS[step]
        if spec.form is None:
            return None
        if bound and bound[0] == step:
            return bound[1]
        kwargs = {"prefix": prefix_of(step), "initial": self.initial(step, answers)}
        if spec.form is RouteForm:
            kwargs.update(plans=Plan.objects.restrict(self.request.user, Action.VIEW).order_by("number", "title"),
                          current_field=self.submission.field)
        return spec.form(**kwargs)

    def timeline(self):
        s = self.submission
        events = list(Event.objects.filter(submission=s).select_related("actor", "organisation")
                      .order_by("-at", "-pk")[:EVENTS_SHOWN])
        notes = list(s.notes.select_related("author", "organisation").order_by("-created_at", "-pk")[:EVENTS_SHOWN])
        items = [{"at": e.at, "kind": e.kind, "label": event_label(e.kind),
                  "state": e.get_state_display(), "actor": e.actor, "organisation": e.organisation,
                  "note": e.note, "public_note": e.public_note, "public": e.public, "due": e.due_date,
                  "is_note": False} for e in events]
        items += [{"at": n.created_at, "kind": "note", "label": _("Internal note"), "actor": n.author,
                   "organisation": n.organisation, "note": n.text, "public": False, "is_note": True}
                  for n in notes]
        items.sort(key=lambda item: item["at"], reverse=True)
        return items[:EVENTS_SHOWN]

    def similar(self):
        if "group" not in self.steps:
            return []
        return similar_for_staff(self.request.user, self.submission)

    def group_members(self):
        s = self.submission
        group = s.group or DuplicateGroup.objects.filter(lead=s).select_related("lead").first()
        if group is None:
            return None, []
        return group, list(group.members.select_related("field").order_by("received_at", "pk"))

    def context(self, bound=None, top_errors=()):
        s, user = self.submission, self.request.user
        self.templates = templates_for(user, s) if {"draft_answer", "submit_answer"} & set(self.steps) else []
        answers = self.answers()
        forms = {step: self.form(step, answers, bound) for step in self.steps}
        bound_step = bound[0] if bound else ""
        blocks = [{"step": step, "label": label_of(step), "form": forms[step], "danger": STEPS[step].danger,
                   "open": step == bound_step or (not bound_step and step in OPEN_FIRST)}
                  for step in self.steps if step not in SHOWN_WITH_PARTNER]
        if bound_step in SHOWN_WITH_PARTNER:
            partner = {"submit_answer": "draft_answer", "return_answer": "approve_answer"}[bound_step]
            for block in blocks:
                block["open"] = block["step"] == partner
        today = timezone.localdate()
        clock = describe_clock(deadlines.clock(s, today, workdays.current(), deadlines.rules()))
        group, members = self.group_members()
        contests = list(s.contests.select_related("decided_by").order_by("-at", "-pk"))
        return {
            "s": s, "handlers": self.handlers, "rights": self.rights, "steps": self.steps, "forms": forms,
            "blocks": blocks,
            "answer_form": forms.get("submit_answer") if bound_step == "submit_answer" else forms.get("draft_answer"),
            "return_form": forms.get("return_answer"),
            "clock": clock, "answers": answers, "timeline": self.timeline(),
            "attachments": list(s.attachments.order_by("pk")), "similar": self.similar(),
            "group": group, "members": members, "templates": self.templates,
            "contest": next((c for c in contests if c.outcome == Contest.Outcome.PENDING), None),
            "contests": contests,
            "ratings": list(s.ratings.order_by("-at")[:20]),
            "submitted_answer": next((a for a in answers if a.status == Answer.Status.SUBMITTED), None),
            "top_errors": list(top_errors),
            "task_visible": bool(s.related_task and can(user, Action.VIEW, s.related_task.plan.owner)),
        }


def _render(request, submission, handlers, rights, bound=None, top_errors=(), status=200):
    page = SubmissionPage(request, submission, handlers, rights)
    return render(request, "feedback/staff/detail.html", page.context(bound, top_errors), status=status)


class DetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        submission, handlers, rights = submission_for(request.user, pk)
        return _render(request, submission, handlers, rights)


class StepView(LoginRequiredMixin, View):
    """POST one workflow step; every refusal comes back on the handling page, never a 500."""

    def post(self, request, pk, step):
        submission, handlers, rights = submission_for(request.user, pk)
        spec = STEPS.get(step)
        if spec is None:
            raise Http404
        if not rights.get(spec.right):
            raise PermissionDenied
        form = spec.form(request.POST, prefix=prefix_of(step), **self._form_kwargs(request, spec, submission)) \
            if spec.form else None
        try:
            if not in_state(step, submission):
                names = [n for n in spec.workflow if n in workflow.TRANSITIONS or n in workflow.ANY_STATE_STEPS]
                workflow.check(submission.state, names[0])  # raises with the state's name
                raise workflow.TransitionError(_("This cannot be done on this submission now."))
            if form is not None and not form.is_valid():
                return _render(request, submission, handlers, rights, bound=(step, form), status=400)
            done = getattr(self, f"do_{step}")(request, submission, form.cleaned_data if form else {})
        except PermissionDenied:
            raise
        except workflow.TransitionError as exc:
            messages.error(request, str(exc))
            submission.refresh_from_db()
            return _render(request, submission, handlers, rights, status=400)
        except (ValidationError, _Refused) as exc:
            submission.refresh_from_db()
            texts = _add_errors(form, exc)
            return _render(request, submission, handlers, rights, bound=(step, form) if form else None,
                           top_errors=texts, status=400)
        messages.success(request, done)
        return redirect("feedback:detail", submission.pk)

    @staticmethod
    def _form_kwargs(request, spec, submission):
        if spec.form is RouteForm:
            return {"plans": Plan.objects.restrict(request.user, Action.VIEW), "current_field": submission.field}
        return {}

    # --- standing office ---------------------------------------------------------------------------

    def do_route(self, request, s, data):
        lead = data["lead"]
        actions.route_submission(
            actor=request.user, submission=s, lead=lead,
            cohandlers=[o for o in data["cohandlers"] if o.pk != lead.pk], kind=data["kind"], field=data["field"],
            related_task=data["related_task"], related_indicator=data["related_indicator"], note=data["note"])
        return _("Routed to %(agency)s.") % {"agency": lead.name}

    def do_refer(self, request, s, data):
        actions.refer_submission(actor=request.user, submission=s, referral=data["referral"])
        return _("Closed as out of scope; the submitter is told where to go.")

    def do_group(self, request, s, data):
        lead = data["lead_submission"]
        if lead.pk == s.pk:
            raise ValidationError({"lead_code": _("A submission cannot lead its own group.")})
        if not can(request.user, Action.ASSIGN, lead.intake):
            raise ValidationError({"lead_code": _("This submission is outside your standing office's scope.")})
        actions.group_submissions(actor=request.user, lead=lead, members=[s])
        return _("Grouped with %(code)s: it will receive the same answer.") % {"code": lead.code}

    def do_ungroup(self, request, s, data):
        actions.ungroup_submission(actor=request.user, submission=s)
        return _("Taken out of the group: back to triage.")

    def do_send_to_council(self, request, s, data):
        actions.send_to_council(actor=request.user, submission=s, note=data["note"])
        return _("Sent to the advisory council.")

    def do_close(self, request, s, data):
        actions.close_submission(actor=request.user, submission=s, reason=data["reason"])
        return _("The submission was closed.")

    def do_decide_contest(self, request, s, data):
        contest = s.contests.filter(outcome=Contest.Outcome.PENDING).order_by("-at").first()
        if contest is None:
            raise _Refused(_("No contest awaits a decision."))
        actions.decide_contest(actor=request.user, contest=contest, outcome=data["outcome"], note=data["note"],
                               escalate_to=data["escalate_to"])
        return _("The contest was decided.")

    def do_publish(self, request, s, data):
        actions.publish_submission(actor=request.user, submission=s, public_title=data["public_title"],
                                   public_content=data["public_content"], public_answer=data["public_answer"])
        return _("The answer was published.")

    # --- lead agency -------------------------------------------------------------------------------

    def do_accept(self, request, s, data):
        actions.accept_submission(actor=request.user, submission=s)
        return _("Accepted: the answer's clock runs.")

    def do_return_misrouted(self, request, s, data):
        actions.return_misrouted(actor=request.user, submission=s, reason=data["reason"])
        return _("Returned to the standing office as misrouted.")

    def do_pause(self, request, s, data):
        actions.pause_submission(actor=request.user, submission=s, question=data["question"])
        return _("The question was sent to the submitter; the clock is paused.")

    def do_resume(self, request, s, data):
        actions.resume_submission(actor=request.user, submission=s, note=data["note"])
        return _("Resumed: the clock runs again.")

    def _template(self, request, s, data):
        if not data.get("template"):
            return None
        return _pick(AnswerTemplate.objects.filter(pk__in=[t.pk for t in templates_for(request.user, s)]),
                     data["template"])

    def do_draft_answer(self, request, s, data):
        submit = request.POST.get("then") == "submit"
        actions.save_answer(actor=request.user, submission=s, text=data["text"],
                            template=self._template(request, s, data), submit=submit)
        return _("The answer was sent to the agency head for approval.") if submit else _("The draft was saved.")

    def do_submit_answer(self, request, s, data):
        actions.save_answer(actor=request.user, submission=s, text=data["text"],
                            template=self._template(request, s, data), submit=True)
        return _("The answer was sent to the agency head for approval.")

    # --- agency head -------------------------------------------------------------------------------

    def _submitted(self, request, s):
        answers = s.answers.filter(status=Answer.Status.SUBMITTED)
        if request.POST.get("answer"):
            return _pick(answers, request.POST["answer"])
        answer = answers.order_by("-version", "-pk").first()
        if answer is None:
            raise _Refused(_("No answer awaits approval."))
        return answer

    def do_approve_answer(self, request, s, data):
        actions.approve_answer(actor=request.user, answer=self._submitted(request, s))
        return _("The answer was approved; the submitter is told.")

    def do_return_answer(self, request, s, data):
        actions.return_answer(actor=request.user, answer=self._submitted(request, s), comment=data["comment"])
        return _("The answer was returned to its author.")

    # --- any state ---------------------------------------------------------------------------------

    def do_note(self, request, s, data):
        actions.add_note(actor=request.user, submission=s, text=data["text"])
        return _("The note was added.")

    def do_hide(self, request, s, data):
        actions.hide_submission(actor=request.user, submission=s, reason=data["reason"])
        return _("Hidden from the public pages; the original is kept.")

    def do_unhide(self, request, s, data):
        actions.unhide_submission(actor=request.user, submission=s)
        return _("Shown again on the public pages.")

    def do_pin(self, request, s, data):
        actions.pin_submission(actor=request.user, submission=s, pinned=True)
        return _("Added to the frequently asked questions.")

    def do_unpin(self, request, s, data):
        actions.pin_submission(actor=request.user, submission=s, pinned=False)
        return _("Taken out of the frequently asked questions.")


def _add_errors(form, exc):
    """Put a refusal on the form (field errors next to their field); returns the texts with no form field."""
    if isinstance(exc, _Refused):
        return [str(exc)]
    loose = []
    if hasattr(exc, "error_dict"):
        for name, texts in exc.message_dict.items():
            for text in texts:
                if form is not None and name in form.fields:
                    form.add_error(name, text)
                elif form is not None:
                    form.add_error(None, text)
                else:
                    loose.append(text)
    else:
        for text in exc.messages:
            if form is not None:
                form.add_error(None, text)
            else:
                loose.append(text)
    return loose

