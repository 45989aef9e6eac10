"""Forms of the public pages (submitting, tracking, the private page, the list of answers, statistics). They
check the shape of what anyone may type; the rules (contact required, rate limits, states) live in
`nq57.feedback.actions`."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nq57.orgs.models import PROVINCE_KINDS, Organisation
from nq57.plans.forms import MultipleFileField, MultipleFileInput, date_field

from .attachments import ACCEPT_ATTRIBUTE, MAX_FILES, check_uploads
from .models import EVALUABLE_KINDS, Field, Kind, Submission

ROOT_CODE = "BCDTW"  # the Central Steering Committee: intake of submissions not addressed to a province
CONTENT_MAX = 20_000  # characters of a submission's content
TEXT_MAX = 5_000  # a reply, a comment or a reason
CODE_RE = re.compile(r"^PAKN-\d{4}-\d{6}$")


def normalise_code(text):
    """A tracking code as typed ("pakn-2026-000123 ") → "PAKN-2026-000123", or "" when it cannot be one."""
    code = (text or "").replace("\x00", "").strip().upper()
    return code if CODE_RE.match(code) else ""


def _text(label, max_length, required=True, rows=None, **kwargs):
    widget = forms.Textarea(attrs={"rows": rows, "maxlength": max_length}) if rows else None
    return forms.CharField(label=label, max_length=max_length, required=required, strip=True,
                           **({"widget": widget} if widget else {}), **kwargs)


def field_choices(queryset):
    """The fields of the taxonomy grouped by their group (optgroups), in the taxonomy's order."""
    groups = {}
    for item in queryset:
        groups.setdefault(item.group, []).append((item.pk, item.label()))
    labels = dict(Field.Group.choices)
    return [(labels.get(group, group), options) for group, options in groups.items()]


class SubmissionForm(forms.Form):
    """The public form. `website` is a honeypot (hidden by CSS): people leave it empty, robots fill it."""

    kind = forms.ChoiceField(label=_("Type"), choices=Kind.choices, widget=forms.RadioSelect)
    field = forms.ModelChoiceField(Field.objects.none(), label=pgettext_lazy("taxonomy", "Field"),
                                   empty_label=_("Choose…"))
    title = _text(pgettext_lazy("submission", "Title"), 300, min_length=5)
    content = _text(pgettext_lazy("submission", "Content"), CONTENT_MAX, rows=10, min_length=10,
                    help_text=_("What you propose or ask, and why. At most 20,000 characters."))
    related_document = _text(_("Related document"), 200, required=False,
                             help_text=_("e.g. Resolution 57-NQ/TW, Decree 13/2023/ND-CP"))
    related_article = _text(_("Article or clause"), 100, required=False)
    attachments = MultipleFileField(
        label=_("Attachments"), required=False, widget=MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=_("PDF, Word, Excel, PNG or JPEG; at most 5 files of 10 MB each."))
    submitter_kind = forms.ChoiceField(label=_("You are"), choices=Submission.SubmitterKind.choices,
                                       initial=Submission.SubmitterKind.INDIVIDUAL, widget=forms.RadioSelect)
    submitter_name = _text(_("Full name"), 200)
    submitter_organisation = _text(_("Organisation or business"), 300, required=False,
                                   help_text=_("Required when you write on behalf of an organisation."))
    address = _text(_("Address"), 300)
    phone = _text(_("Phone"), 20, required=False, help_text=_("10 digits starting with 0, or +84 and 9 digits."))
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254,
                             help_text=_("Give a phone number or an e-mail address (or both). With an e-mail, "
                                         "you receive the tracking code and every change of status."))
    citizen_id = _text(_("Citizen ID number"), 20, required=False, help_text=_("Optional: 12 digits."))
    consent_publish = forms.BooleanField(
        label=_("I agree that my name may be published with the answer"), required=False,
        help_text=_("Otherwise names, phone numbers, e-mails, ID numbers and addresses are removed before "
                    "publication."))
    confidential = forms.BooleanField(
        label=_("Confidential (intellectual property): never published"), required=False,
        help_text=_("Only for an initiative or a solution. It is never published, and your receipt carries a "
                    "SHA-256 fingerprint of the content and the time, as proof of priority."))
    addressed_to = forms.ChoiceField(label=_("Addressed to"), required=False,
                                     help_text=_("The Central Steering Committee receives it unless you address "
                                                 "it to a province or city."))
    website = forms.CharField(label=_("Website"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    checked = forms.BooleanField(required=False, widget=forms.HiddenInput)  # similar submissions were shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["field"]
        field.queryset = Field.objects.filter(active=True)  # resets the widget's choices: group them after
        field.widget.choices = [("", field.empty_label), *field_choices(field.queryset)]
        self.provinces = {o.code: o for o in Organisation.objects.active().filter(kind__in=PROVINCE_KINDS)
                          .order_by("name")}
        self.fields["addressed_to"].choices = [
            ("", _("The Central Steering Committee")),
            (_("A province or city"), [(code, o.name) for code, o in self.provinces.items()])]

    def is_spam(self):
        """The honeypot was filled: the view pretends success and saves nothing."""
        return bool((self.data.get("website") or "").strip())

    def clean_citizen_id(self):
        number = re.sub(r"\s", "", self.cleaned_data["citizen_id"])
        if number and not re.fullmatch(r"\d{12}", number):
            raise ValidationError(_("A citizen ID number has 12 digits."))
        return number

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        if len(files) > MAX_FILES:
            raise ValidationError(_("Attach at most %(n)d files.") % {"n": MAX_FILES})
        try:
            check_uploads(files)
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("attachments", error.messages)) from None
        return files

    def clean_addressed_to(self):
        code = self.cleaned_data["addressed_to"]
        return self.provinces.get(code) if code else None

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email") and "phone" not in self.errors \
                and "email" not in self.errors:  # the services check it too; said here with the other errors
            self.add_error("phone", _("Give a phone number or an e-mail address."))
        if data.get("submitter_kind") == Submission.SubmitterKind.ORGANISATION and \
                not data.get("submitter_organisation"):
            self.add_error("submitter_organisation", _("Give the name of the organisation or business."))
        if data.get("confidential") and data.get("kind") and data["kind"] not in EVALUABLE_KINDS:
            self.add_error("confidential", _("Only an initiative or a solution can be confidential."))
        return data

    def service_data(self, language):
        """The cleaned fields `actions.submit_submission` takes."""
        keys = ("kind", "field", "title", "content", "related_document", "related_article", "submitter_kind",
                "submitter_name", "submitter_organisation", "address", "phone", "email", "citizen_id",
                "consent_publish", "confidential")
        data = {key: self.cleaned_data[key] for key in keys}
        data["language"] = language
        return data


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=40,
                           widget=forms.TextInput(attrs={"placeholder": "PAKN-2026-000123", "autocomplete": "off"}))

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not code:
            raise ValidationError(_("A tracking code looks like PAKN-2026-000123."))
        return code


class FollowForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail"), max_length=254,
                             help_text=_("You are told when it is answered. Nothing else is sent."))


class ReplyForm(forms.Form):
    text = _text(_("Your reply"), TEXT_MAX, rows=5)
    attachments = MultipleFileField(label=_("Attachments"), required=False,
                                    widget=MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        try:
            check_uploads(files)
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("attachments", error.messages)) from None
        return files


class RateForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Are you satisfied with the answer?"), widget=forms.RadioSelect, coerce=lambda v: v == "yes",
        choices=[("yes", pgettext_lazy("rating", "Satisfied")), ("no", pgettext_lazy("rating", "Not satisfied"))])
    comment = _text(pgettext_lazy("rating", "Comment"), TEXT_MAX, required=False, rows=3)


class ContestForm(forms.Form):
    reason = _text(_("Why you contest the answer"), TEXT_MAX, rows=4)


class PublicFilterForm(forms.Form):
    """Search and filters of the published answers; `before` and `trail` are keyset cursors."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    field = forms.ModelChoiceField(Field.objects.all(), label=pgettext_lazy("taxonomy", "Field"), required=False,
                                   empty_label=_("All fields"))
    agency = forms.ModelChoiceField(Organisation.objects.none(), label=_("Agency"), required=False,
                                    empty_label=_("All agencies"))
    date_from = date_field(_("Published from"), required=False)
    date_to = date_field(_("Published to"), required=False)

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].widget.choices = [("", _("All fields")), *field_choices(Field.objects.all())]
        if agencies is not None:
            self.fields["agency"].queryset = agencies

    def clean_q(self):
        return (self.cleaned_data.get("q") or "").replace("\x00", "").strip()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data


class PeriodForm(forms.Form):
    """The period of the statistics (reception dates)."""

    date_from = date_field(_("Received from"), required=False)
    date_to = date_field(_("Received to"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data
