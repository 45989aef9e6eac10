"""The submitter's own pages: the private link (code + key, no account) and, for a signed-in submitter, `mine`.

Both show everything that was sent, the timeline, the answer, and the forms that apply in the current state:
reply with the information asked for, rate the answer, contest it. Attachments are served only through the
same key (or to the signed-in submitter). A wrong key is a 404, as is someone else's submission.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from .. import actions, workflow
from ..forms_public import ContestForm, RateForm, ReplyForm, normalise_code
from ..models import Answer, Attachment, Contest, State, Submission
from .public import _add_service_errors, no_store, timeline_rows

FORMS = {"reply": ReplyForm, "rate": RateForm, "contest": ContestForm}
KEY_MAX = 200


def approved_answer(submission):
    """The answer the submitter receives: the latest approved one, or the lead's for a grouped member."""
    answers = Answer.objects.filter(status=Answer.Status.APPROVED).order_by("-version", "-pk")
    own = answers.filter(submission=submission).first()
    if own is None and submission.group_id:
        own = answers.filter(submission__led_group=submission.group_id).first()
    return own


def question_asked(submission):
    """The agency's question while the submission waits for the submitter (the pausing step's public note)."""
    if submission.state != State.WAITING_INFO:
        return ""
    event = submission.events.filter(state=State.WAITING_INFO).exclude(public_note="").order_by("-at", "-pk").first()
    return event.public_note if event else ""


def open_forms(submission, answer):
    """Which of the submitter's forms apply now."""
    names = []
    if workflow.allowed(submission.state, "reply"):
        names.append("reply")
    if answer is not None and workflow.allowed(submission.state, "rate"):
        names.append("rate")
    if answer is not None and workflow.allowed(submission.state, "contest"):
        names.append("contest")
    return names


def file_response(attachment):
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return no_store(response)


class SubmitterPageMixin:
    """The page of one submission for the person who sent it; subclasses say how they recognise them."""

    template_name = "feedback/public/private.html"

    def get_submission(self, request, **kwargs):
        raise NotImplementedError

    def attachment_url(self, submission, attachment):
        raise NotImplementedError

    def render_page(self, request, submission, bound=None, bound_name="", status=200):
        answer = approved_answer(submission)
        forms = {name: bound if name == bound_name else FORMS[name]() for name in open_forms(submission, answer)}
        attachments = list(submission.attachments.order_by("pk"))
        for attachment in attachments:
            attachment.url = self.attachment_url(submission, attachment)
        context = {
            "submission": submission, "answer": answer, "rows": timeline_rows(submission),
            "attachments": attachments, "forms": forms, "question": question_asked(submission),
            "contests": list(submission.contests.order_by("-at")),
            "rating": submission.ratings.order_by("-at", "-pk").first(),
            "pending_contest": submission.contests.filter(outcome=Contest.Outcome.PENDING).exists(),
        }
        return no_store(render(request, self.template_name, context, status=status))

    def get(self, request, **kwargs):
        return self.render_page(request, self.get_submission(request, **kwargs))

    def post(self, request, **kwargs):
        submission = self.get_submission(request, **kwargs)
        name = request.POST.get("form", "")
        if name not in FORMS or name not in open_forms(submission, approved_answer(submission)):
            messages.error(request, _("This cannot be done at this stage: the page has been brought up to date."))
            return self.render_page(request, submission, status=400)
        form = FORMS[name](request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(request, submission, form, name, status=400)
        data = form.cleaned_data
        try:
            if name == "reply":
                actions.reply_with_information(submission=submission, text=data["text"], files=data["attachments"])
                done = _("Your reply was sent; the agency goes on with its answer.")
            elif name == "rate":
                actions.rate_answer(submission=submission, satisfied=data["satisfied"], comment=data["comment"])
                done = _("Thank you: your rating was recorded.")
            else:
                actions.contest_answer(submission=submission, reason=data["reason"])
                done = _("Your contest was sent to the standing office.")
        except workflow.TransitionError as error:
            form.add_error(None, str(error))
            return self.render_page(request, submission, form, name, status=400)
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.render_page(request, submission, form, name, status=400)
        messages.success(request, done)
        return redirect(request.path)


def submission_from_key(code, key):
    """The submission of a private link, or 404 (a malformed code or key is simply a wrong one)."""
    code = normalise_code(code)
    if not code or not key or len(key) > KEY_MAX:
        raise Http404
    submission = actions.submission_for_key(code, key)
    if submission is None:
        raise Http404
    return submission


class PrivateView(SubmitterPageMixin, View):
    """The private link: the code and the key given once on the receipt."""

    def get_submission(self, request, code, key):
        self.key = key
        return submission_from_key(code, key)

    def attachment_url(self, submission, attachment):
        return reverse("feedback:private_attachment", args=[submission.code, self.key, attachment.pk])


class PrivateAttachmentView(View):
    def get(self, request, code, key, pk):
        submission = submission_from_key(code, key)
        return file_response(get_object_or_404(Attachment, submission=submission, pk=pk))


def own_submission(request, code):
    code = normalise_code(code)
    if not code:
        raise Http404
    return get_object_or_404(Submission.objects.select_related("field", "lead_agency", "intake"),
                             code=code, submitted_by=request.user)


class MineView(LoginRequiredMixin, View):
    """A signed-in user's own submissions, newest first."""

    def get(self, request):
        submissions = (Submission.objects.filter(submitted_by=request.user).select_related("field", "lead_agency")
                       .order_by("-received_at", "-pk"))
        page = Paginator(submissions, 25).get_page(request.GET.get("page"))
        return no_store(render(request, "feedback/public/mine.html", {"page": page}))


class MineDetailView(LoginRequiredMixin, SubmitterPageMixin, View):
    """The private page, reached by the signed-in submitter without the key."""

    def get_submission(self, request, code):
        return own_submission(request, code)

    def attachment_url(self, submission, attachment):
        return reverse("feedback:mine_attachment", args=[submission.code, attachment.pk])


class MineAttachmentView(LoginRequiredMixin, View):
    def get(self, request, code, pk):
        return file_response(get_object_or_404(Attachment, submission=own_submission(request, code), pk=pk))
