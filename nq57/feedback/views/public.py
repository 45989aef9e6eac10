"""Public pages for sending and following a submission: the form (with the similar-submissions check), the
receipt shown once, tracking by code, and following an existing submission. No account needed; a signed-in
user's submissions are linked to them (`mine`).

Progressive enhancement: without JavaScript the "check" button posts the form and the page comes back with the
similar submissions and everything typed (files must be chosen again); with `feedback.js` the similar list is
fetched from `similar` as the title is typed.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from nq57.core.clients import client_address
from nq57.core.workdays import current as current_calendar

from .. import actions, deadlines, search, timeline
from ..forms_public import ROOT_CODE, FollowForm, SubmissionForm, TrackForm, normalise_code
from ..models import State, Submission

RECEIPT_KEY = "feedback_receipt"
SIMILAR_LIMIT = 5
SIMILAR_TITLE_MAX = 300
SIMILAR_CONTENT_MAX = 2000


def client_ip(request):
    return client_address(request)


def no_store(response):
    """Pages carrying a private key or personal data: never cached, never indexed."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def similar_items(title, content=""):
    """Submissions that look like the text, each with the page a member of the public may open."""
    title = (title or "").replace("\x00", "").strip()[:SIMILAR_TITLE_MAX]
    content = (content or "").replace("\x00", "").strip()[:SIMILAR_CONTENT_MAX]
    if len(title) < 3:
        return []
    items = search.similar(title, content, limit=SIMILAR_LIMIT)
    prefetch_related_objects(items, "field")
    for item in items:
        item.public_url = reverse("feedback:public_detail" if item.is_public else "feedback:status",
                                  args=[item.code])
    return items


def _initial_from(post, form_class):
    """The typed values of a posted form, to show it again without error messages (the "check" round)."""
    initial = {}
    for name, field in form_class.base_fields.items():
        if name in ("attachments", "website") or name not in post:
            continue
        initial[name] = post.get(name)
    return initial


SERVICE_FIELDS = {"files": "attachments"}  # the services' name of a field → the form's


def _add_service_errors(form, error):
    """A ValidationError of the services shown on the form: next to the field it names, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = SERVICE_FIELDS.get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class SubmitView(View):
    """The public form; POST action "check" shows similar submissions, "send" sends."""

    template_name = "feedback/public/submit.html"

    def get(self, request):
        return render(request, self.template_name, {"form": SubmissionForm()})

    def post(self, request):
        action = request.POST.get("action", "send")
        if action == "check":
            return self._check(request)
        form = SubmissionForm(request.POST, request.FILES)
        if form.is_spam():
            # Robots are told it worked, so they do not try again differently; nothing is saved.
            request.session[RECEIPT_KEY] = {"spam": True}
            return redirect("feedback:receipt")
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "had_files": bool(request.FILES)},
                          status=400)
        data = form.cleaned_data
        if not data["checked"]:
            found = similar_items(data["title"], data["content"])
            if found:
                return self._show_similar(request, found, bool(data["attachments"]), warn=True)
        try:
            submission, key = actions.submit_submission(
                actor=request.user, data=form.service_data(get_language() or "vi"), files=data["attachments"],
                client_ip=client_ip(request), intake=data["addressed_to"] or _root())
        except ValidationError as error:
            _add_service_errors(form, error)
            limited = any(getattr(e, "code", "") == "rate_limited" for e in getattr(error, "error_list", []))
            return render(request, self.template_name, {"form": form, "had_files": bool(request.FILES)},
                          status=429 if limited else 400)
        private_path = reverse("feedback:private", args=[submission.code, key])
        request.session[RECEIPT_KEY] = {
            "code": submission.code, "url": request.build_absolute_uri(private_path), "path": private_path,
            "email": bool(submission.email), "confidential": submission.confidential,
            "fingerprint": submission.fingerprint, "received_at": submission.received_at.isoformat()}
        return redirect("feedback:receipt")

    def _check(self, request):
        found = similar_items(request.POST.get("title"), request.POST.get("content"))
        return self._show_similar(request, found, bool(request.FILES), warn=False)

    def _show_similar(self, request, found, had_files, warn):
        initial = _initial_from(request.POST, SubmissionForm)
        initial["checked"] = True
        return render(request, self.template_name, {
            "form": SubmissionForm(initial=initial), "similar": found, "checked": True, "had_files": had_files,
            "similar_warning": warn, "title_missing": len((request.POST.get("title") or "").strip()) < 3})


def _root():
    from nq57.orgs.models import Organisation

    return Organisation.objects.filter(code=ROOT_CODE).first()


class SimilarView(View):
    """The fragment of similar submissions for a title (and content), fetched by feedback.js."""

    def get(self, request):
        found = similar_items(request.GET.get("title"), request.GET.get("content"))
        return render(request, "feedback/public/_similar.html", {"similar": found, "fragment": True})


class ReceiptView(View):
    """The tracking code and the private link, shown once (taken from the session)."""

    def get(self, request):
        receipt = request.session.pop(RECEIPT_KEY, None)
        if receipt is None:
            return render(request, "feedback/public/receipt.html", {"gone": True}, status=404)
        if receipt.get("received_at"):
            receipt["received_iso"] = receipt["received_at"]  # the exact time the fingerprint was computed with
            receipt["received_at"] = timezone.localtime(datetime.datetime.fromisoformat(receipt["received_at"]))
        return no_store(render(request, "feedback/public/receipt.html", {"receipt": receipt}))


class TrackView(View):
    """Type a tracking code; it leads to the public status page."""

    def get(self, request):
        if "code" not in request.GET:
            return render(request, "feedback/public/track.html", {"form": TrackForm()})
        form = TrackForm(request.GET)
        if not form.is_valid():
            return render(request, "feedback/public/track.html", {"form": form}, status=400)
        code = form.cleaned_data["code"]
        if not Submission.objects.filter(code=code).exists():
            form.add_error("code", _("No submission has this tracking code."))
            return render(request, "feedback/public/track.html", {"form": form}, status=404)
        return redirect("feedback:status", code=code)


def submission_by_code(code, queryset=None):
    code = normalise_code(code)
    if not code:
        raise Http404
    return get_object_or_404((queryset if queryset is not None else Submission.objects).select_related(
        "field", "lead_agency", "intake"), code=code)


def timeline_rows(submission, calendar=None):
    """The public steps of `submission` with their deadlines (the same rows on the status and private pages)."""
    return timeline.build(submission.events.filter(public=True).order_by("at", "pk"), today=timezone.localdate(),
                          calendar=calendar or current_calendar(), current_due=submission.due_date)


class StatusView(View):
    """The public timeline of a submission: steps, dates, deadlines and whether they were met. No content and
    no personal data (the title only once it is published)."""

    def get(self, request, code):
        submission = submission_by_code(code)
        calendar = current_calendar()
        return render(request, "feedback/public/status.html", {
            "submission": submission, "rows": timeline_rows(submission, calendar=calendar),
            "clock": deadlines.clock(submission, timezone.localdate(), calendar),
            "is_open": submission.state not in (State.PUBLISHED, State.CLOSED, State.REFERRED)})


def followable(queryset=None):
    """Submissions a member of the public may know of, hence follow: not confidential, not hidden, and
    published or sent with consent to publish."""
    from django.db.models import Q

    return (queryset if queryset is not None else Submission.objects).filter(confidential=False, hidden=False).filter(
        Q(published_at__isnull=False) | Q(consent_publish=True))


class FollowView(View):
    """Follow an existing submission by e-mail instead of sending the same one again."""

    def _page(self, request, submission, form, status=200):
        return render(request, "feedback/public/follow.html", {"submission": submission, "form": form,
                                                               "next": self._next(request)}, status=status)

    def _next(self, request):
        target = request.POST.get("next") or request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
            return target
        return ""

    def get(self, request, code):
        return self._page(request, submission_by_code(code, followable()), FollowForm())

    def post(self, request, code):
        submission = submission_by_code(code, followable())
        form = FollowForm(request.POST)
        if not form.is_valid():
            return self._page(request, submission, form, status=400)
        try:
            actions.follow_submission(submission=submission, email=form.cleaned_data["email"])
        except ValidationError as error:
            _add_service_errors(form, error)
            return self._page(request, submission, form, status=400)
        messages.success(request, _("You will be told by e-mail when %(code)s is answered.") % {
            "code": submission.code})
        if self._next(request):
            return redirect(self._next(request))
        return redirect("feedback:public_detail" if submission.is_public else "feedback:status", submission.code)
