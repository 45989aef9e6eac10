"""The public side of feedback: receiving a submission (validation, rate limits, tracking code, private link,
fingerprint), the private link, and what the submitter does through it (reply, rate, contest, follow)."""

import hashlib
import hmac
import re
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from nq57.core.roles import Action

from . import attachments, ratelimit, search
from . import notify as tell
from . import workflow
from .actions_base import (CREATE, UPDATE, Context, answer_of, audit, event, local_day, lock, moment, move,
                           resume_clock, root_organisation, snap, start_clock, text, user_or_none)
from .models import (EVALUABLE_KINDS, CodeSequence, Contest, Event, Field, Follower, Kind, Rating, Stage, State,
                     Submission)

CODE_PREFIX = "PAKN"
CODE_RE = re.compile(r"^PAKN-(\d{4})-(\d{6,})$")
TITLE_MIN, TITLE_MAX = 5, 300
CONTENT_MIN, CONTENT_MAX = 10, 20_000
REASON_MAX = 5_000
# Province codes that open a 12-digit citizen ID number (mã tỉnh nơi đăng ký khai sinh, Circular 59/2021/TT-BCA).
PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 038 040 "
    "042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 083 084 "
    "086 087 089 091 092 093 094 095 096".split())
_clean = text  # `text` is also a keyword argument of reply_with_information
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


# --- validation ------------------------------------------------------------------------------------------------


def normalise_phone(raw):
    """"0912 345 678" → "0912345678", "+84 912.345.678" → "+84912345678"; None when it is no Vietnamese number."""
    phone = _PHONE_SEPARATORS.sub("", raw or "")
    if re.fullmatch(r"0\d{9}", phone) or re.fullmatch(r"\+84[1-9]\d{8}", phone):
        return phone
    return None


def phone_digits(phone):
    """The national form of a number ("+84912…" → "0912…"): one contact key for both spellings."""
    return "0" + phone[3:] if phone.startswith("+84") else phone


def citizen_id_error(value):
    if not re.fullmatch(r"\d{12}", value):
        return _("A citizen ID number has exactly 12 digits.")
    if value[:3] not in PROVINCE_CODES:
        return _("The first three digits of a citizen ID number are a province code (001 to 096); "
                 "check the number.")
    return None


def clean_submission(data, files=()):
    """The cleaned values of the public form, or ValidationError keyed by form field (all errors at once)."""
    errors = {}
    get = data.get
    kind = get("kind") or ""
    if kind not in Kind.values:
        errors["kind"] = _("Choose the type of your submission.")
    field = get("field")
    if not isinstance(field, Field):
        field = Field.objects.filter(pk=field, active=True).first() if str(field or "").isdigit() else None
    if field is None:
        errors["field"] = _("Choose a field.")
    title, content = text(get("title")), text(get("content"))
    if len(title) < TITLE_MIN:
        errors["title"] = _("Enter a title of at least %(min)d characters.") % {"min": TITLE_MIN}
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title may have at most %(max)d characters.") % {"max": TITLE_MAX}
    if len(content) < CONTENT_MIN:
        errors["content"] = _("Describe your submission in at least %(min)d characters.") % {"min": CONTENT_MIN}
    elif len(content) > CONTENT_MAX:
        errors["content"] = _("The content may have at most %(max)d characters; attach a document for more.") % {
            "max": CONTENT_MAX}
    submitter_kind = get("submitter_kind") or Submission.SubmitterKind.INDIVIDUAL
    if submitter_kind not in Submission.SubmitterKind.values:
        errors["submitter_kind"] = _("Choose whether you write as an individual or an organisation.")
    name = text(get("submitter_name"))
    if not name:
        errors["submitter_name"] = _("Enter your full name.")
    elif len(name) > 200:
        errors["submitter_name"] = _("The name may have at most %(max)d characters.") % {"max": 200}
    organisation = text(get("submitter_organisation"))
    if submitter_kind == Submission.SubmitterKind.ORGANISATION and not organisation:
        errors["submitter_organisation"] = _("Enter the name of your organisation or business.")
    elif len(organisation) > 300:
        errors["submitter_organisation"] = _("The name may have at most %(max)d characters.") % {"max": 300}
    address = text(get("address"))
    if not address:
        errors["address"] = _("Enter your address.")
    elif len(address) > 300:
        errors["address"] = _("The address may have at most %(max)d characters.") % {"max": 300}
    raw_phone, email = text(get("phone")), text(get("email")).lower()
    phone = ""
    if raw_phone:
        phone = normalise_phone(raw_phone)
        if phone is None:
            errors["phone"] = _("Enter a Vietnamese phone number: 10 digits starting with 0, or +84 "
                                "followed by 9 digits.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
        if len(email) > 254:
            errors["email"] = _("Enter a valid e-mail address.")
    if not raw_phone and not email:
        errors["phone"] = _("Enter a phone number or an e-mail address so we can reach you.")
    citizen_id = re.sub(r"\s", "", text(get("citizen_id")))
    if citizen_id and citizen_id_error(citizen_id):
        errors["citizen_id"] = citizen_id_error(citizen_id)
    confidential = bool(get("confidential"))
    if confidential and kind in Kind.values and kind not in EVALUABLE_KINDS:
        errors["confidential"] = _("Only an initiative or a solution can be kept confidential (as intellectual "
                                   "property); comments and recommendations are answered in public.")
    related_document, related_article = text(get("related_document")), text(get("related_article"))
    if len(related_document) > 200:
        errors["related_document"] = _("At most %(max)d characters.") % {"max": 200}
    if len(related_article) > 100:
        errors["related_article"] = _("At most %(max)d characters.") % {"max": 100}
    files = list(files or ())
    if len(files) > attachments.MAX_FILES:
        errors["files"] = _("Attach at most %(count)d files.") % {"count": attachments.MAX_FILES}
    else:
        for uploaded in files:
            try:
                attachments.check_upload(uploaded)
            except ValidationError as error:
                errors.setdefault("files", " ".join(error.messages))
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind, "field": field, "title": title, "content": content, "related_document": related_document,
        "related_article": related_article, "submitter_kind": submitter_kind, "submitter_name": name,
        "submitter_organisation": organisation, "address": address, "phone": phone or "", "email": email,
        "citizen_id": citizen_id, "consent_publish": bool(get("consent_publish")) and not confidential,
        "confidential": confidential, "language": (text(get("language")) or "vi")[:8],
    }


def contact_key(email, phone):
    return email.casefold() if email else phone_digits(phone) if phone else ""


def fingerprint_time(received_at):
    """The time as it enters the fingerprint (and as the receipt must show it): ISO 8601 in Vietnam's time."""
    return timezone.localtime(received_at).isoformat()


def fingerprint(title, content, received_at):
    """Proof of priority for a confidential initiative: sha256 of its title, text and the time it was received
    (`fingerprint_time`), joined by new lines."""
    return hashlib.sha256(f"{title}\n{content}\n{fingerprint_time(received_at)}".encode()).hexdigest()


def next_number(year):
    """The next tracking number of `year`, taken by an UPDATE that holds the row until the transaction ends."""
    if not CodeSequence.objects.filter(year=year).update(last=F("last") + 1):
        try:
            with transaction.atomic():  # a savepoint: a concurrent first submission of the year may win the insert
                CodeSequence.objects.create(year=year, last=1)
                return 1
        except IntegrityError:
            CodeSequence.objects.filter(year=year).update(last=F("last") + 1)
    return CodeSequence.objects.filter(year=year).values_list("last", flat=True).get()


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


# --- services --------------------------------------------------------------------------------------------------


@transaction.atomic
def submit_submission(*, actor, data, files=(), client_ip="", intake=None, now=None):
    """Receive a submission from the public form (or the demo/bench); returns (submission, private key)."""
    now = moment(now)
    cleaned = clean_submission(data, files)
    client = ratelimit.client_hash(client_ip)
    contact = contact_key(cleaned["email"], cleaned["phone"])
    if client_ip:  # web submissions only: the demo loader and the benchmark send thousands on purpose
        ratelimit.check(client_hash=client, contact_key=contact, now=now)
    intake = intake or root_organisation()
    year = local_day(now).year
    number = next_number(year)
    key = secrets.token_urlsafe(24)
    submission = Submission(
        **cleaned, code=f"{CODE_PREFIX}-{year}-{number:06d}", year=year, number=number,
        access_key_hash=hash_key(key), submitted_by=user_or_none(actor), client_hash=client, contact_key=contact,
        intake=intake, holder=intake, received_at=now, state=State.RECEIVED)
    if submission.confidential:
        submission.fingerprint = fingerprint(submission.title, submission.content, now)
    submission.search_text = search.build_text(submission.title, submission.content)
    ctx = Context()
    start_clock(submission, Stage.TRIAGE, local_day(now), ctx)
    submission.save()
    texts = [attachments.save_attachment(submission, f).extracted_text for f in files]
    if any(texts):
        submission.search_text = search.build_text(submission.title, submission.content, texts)
        submission.save(update_fields=["search_text"])
    search.index_submissions([submission])
    Event.objects.create(submission=submission, kind="received", at=now, actor=user_or_none(actor),
                         organisation=intake, state=submission.state, stage=submission.stage,
                         due_date=submission.due_date)
    audit(actor, submission, CREATE, None, "feedback_received")
    tell.send_receipt(submission, key)
    return submission, key


def submission_for_key(code, key):
    """The submission whose code and private key match (constant-time compare), or None."""
    if not isinstance(code, str) or not isinstance(key, str) or not key or len(key) > 200 or len(code) > 40:
        return None
    if "\x00" in code:  # PostgreSQL refuses NUL in a parameter; no code has one
        return None
    submission = Submission.objects.filter(code=code.strip().upper()).select_related(
        "field", "intake", "lead_agency").first()
    if submission is None:
        hmac.compare_digest(hash_key(key), "0" * 64)  # the same work whether the code exists or not
        return None
    return submission if hmac.compare_digest(hash_key(key), submission.access_key_hash) else None


def _email(value):
    value = text(value).lower()
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    return value


@transaction.atomic
def follow_submission(*, submission, email, now=None):
    """Someone follows an existing public (or consented) submission instead of repeating it."""
    now = moment(now)
    email = _email(email)
    visible = submission.is_public or (submission.consent_publish and not submission.confidential
                                       and not submission.hidden)
    if not visible:
        raise ValidationError(_("This submission cannot be followed."))
    if submission.state in (State.REFERRED, State.CLOSED) and not submission.is_public:
        raise ValidationError(_("This submission is closed."))
    follower, created = Follower.objects.get_or_create(submission=submission, email=email)
    if created:
        audit(None, follower, CREATE, None, "feedback_followed",
              after={"submission": submission.pk, "email": email})
    return follower


def _private_files(submission, files):
    files = list(files or ())
    if len(files) + submission.attachments.count() > attachments.MAX_FILES * 2:
        raise ValidationError({"files": _("Attach at most %(count)d files.") % {"count": attachments.MAX_FILES}})
    for uploaded in files:
        attachments.check_upload(uploaded)
    return [attachments.save_attachment(submission, f) for f in files]


@transaction.atomic
def reply_with_information(*, submission, text="", files=(), now=None):
    """The submitter answers the agency's question (private link): the clock resumes (`reply`)."""
    now = moment(now)
    lock(submission)
    workflow.check(submission.state, "reply")
    reply = _clean(text)
    if not reply:
        raise ValidationError({"text": _("Write your answer to the question.")})
    if len(reply) > CONTENT_MAX:
        raise ValidationError({"text": _("At most %(max)d characters.") % {"max": CONTENT_MAX}})
    before = snap(submission)
    if _private_files(submission, files):
        texts = list(submission.attachments.values_list("extracted_text", flat=True))
        submission.search_text = search.build_text(submission.title, submission.content, texts)
    ctx = Context()
    resume_clock(submission, local_day(now), ctx)
    move(submission, "reply", actor=None, now=now, kind="replied", ctx=ctx, note=reply, keep_clock=True)
    audit(None, submission, UPDATE, before, "feedback_replied")
    if submission.lead_agency_id:
        tell.tell_staff(Action.REPORT, [submission.lead_agency], actor=None, kind="feedback_replied",
                        title=_title("The submitter of {code} answered your question", submission),
                        body=reply[:500], submission=submission)
    tell.tell_submitter(submission)
    return submission


def _title(msgid, submission):
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    return format_lazy(gettext_lazy(msgid), code=submission.code)


@transaction.atomic
def rate_answer(*, submission, satisfied, comment="", now=None):
    """The submitter rates the answer (private link); the latest rating counts."""
    now = moment(now)
    lock(submission)
    workflow.check(submission.state, "rate")
    if answer_of(submission) is None:
        raise ValidationError(_("There is no answer to rate yet."))
    comment = text(comment)
    if len(comment) > REASON_MAX:
        raise ValidationError({"comment": _("At most %(max)d characters.") % {"max": REASON_MAX}})
    before = snap(submission)
    rating = Rating.objects.create(submission=submission, satisfied=bool(satisfied), comment=comment, at=now)
    submission.satisfied = bool(satisfied)
    submission.save(update_fields=["satisfied"])
    event(submission, "rated", actor=None, now=now, note=comment, public=True)
    audit(None, submission, UPDATE, before, "feedback_rated")
    if not satisfied and submission.lead_agency_id:
        tell.tell_staff(Action.APPROVE, [submission.lead_agency], actor=None, kind="feedback_unsatisfied",
                        title=_title("The submitter of {code} is not satisfied with the answer", submission),
                        body=comment[:500], submission=submission)
    return rating


@transaction.atomic
def contest_answer(*, submission, reason, now=None):
    """The submitter contests the answer with a reason: to the standing office (stage CONTEST)."""
    now = moment(now)
    lock(submission)
    workflow.check(submission.state, "contest")
    reason = text(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why you contest the answer.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("At most %(max)d characters.") % {"max": REASON_MAX}})
    before = snap(submission)
    contest = Contest.objects.create(submission=submission, reason=reason, at=now)
    move(submission, "contest", actor=None, now=now, kind="contested", note=reason)
    audit(None, submission, UPDATE, before, "feedback_contested")
    tell.tell_staff(Action.ASSIGN, [submission.intake], actor=None, kind="feedback_contested",
                    title=_title("The answer to {code} is contested", submission), body=reason[:500],
                    submission=submission)
    tell.tell_submitter(submission)
    return contest
