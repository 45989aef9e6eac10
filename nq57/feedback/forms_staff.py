"""Forms of the staff pages (triage, agency inbox, the handling page, settings). They check the shape of the
input and turn typed names and codes into objects; the rules live in `nq57.feedback.actions`."""

import datetime

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nq57.core.models import Holiday
from nq57.orgs.models import Organisation
from nq57.plans.forms import date_field
from nq57.plans.models import Plan

from .models import AnswerTemplate, DeadlineRule, Field, Kind, Stage, Submission

TEXT = 10_000  # the longest note, reason or question a form takes
LONG_TEXT = 100_000  # an answer


def _text(label, required=True, rows=3, max_length=TEXT, **kwargs):
    return forms.CharField(label=label, required=required, max_length=max_length, strip=True,
                           widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


# --- typed organisations ------------------------------------------------------------------------------


def find_organisation(text, resolver=None):
    """(organisation, "") for a code or a name typed by hand (with or without diacritics), else (None, why).

    A code wins; a name goes through the organisation-name Resolver (aliases, abbreviations, former names
    followed to today's body), as on the plan pages."""
    from nq57.orgs.resolution import AMBIGUOUS, GROUP, RESOLVED, Resolver

    text = (text or "").replace("\x00", "").strip()[:255]
    if not text:
        return None, ""
    by_code = Organisation.objects.filter(code__iexact=text).first()
    if by_code is not None:
        return by_code, ""
    result = (resolver or Resolver()).resolve(text)
    if result.status == RESOLVED and result.organisation is not None:
        return result.organisation, ""
    if result.status == AMBIGUOUS:
        choices = "; ".join(f"{o.name} ({o.code})" for o in result.candidates[:8])
        return None, _("“%(text)s” could be several organisations; type the code: %(choices)s") % {
            "text": text, "choices": choices}
    if result.status == GROUP:
        return None, _("“%(text)s” names a group of organisations; name one agency.") % {"text": text}
    return None, _("“%(text)s” is not an organisation we know.") % {"text": text}


class OrganisationField(forms.CharField):
    """An organisation typed as its code or its name; cleans to the Organisation (or None when optional)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("help_text", _("The code or the name of the agency"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"list": "fb-organisations", "autocomplete": "off",
                                  "data-org-search": "1"})

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        organisation, error = find_organisation(text)
        if organisation is None:
            raise forms.ValidationError(error)
        return organisation


class OrganisationListField(forms.CharField):
    """Several organisations separated by commas, semicolons or lines; cleans to a list without repeats."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 4000)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        kwargs.setdefault("help_text", _("Codes or names, separated by semicolons or new lines"))
        super().__init__(**kwargs)

    def clean(self, value):
        from nq57.orgs.resolution import Resolver

        text = super().clean(value)
        parts = [p.strip() for p in (text or "").replace("\n", ";").replace(",", ";").split(";") if p.strip()]
        if not parts:
            return []
        resolver, found, errors = Resolver(), {}, []
        for part in parts:
            organisation, error = find_organisation(part, resolver)
            if organisation is None:
                errors.append(error)
            else:
                found.setdefault(organisation.pk, organisation)
        if errors:
            raise forms.ValidationError(errors)
        return list(found.values())


# --- the staff lists ----------------------------------------------------------------------------------


ORDERS = [("due", _("Due date, earliest first")), ("new", _("Newest first")), ("old", _("Oldest first"))]


class ListFilterForm(forms.Form):
    """GET filters of the triage queue and the agency inbox; every field optional, bad values reported."""

    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Any"))] + Kind.choices)
    field = forms.ModelChoiceField(label=pgettext_lazy("feedback field", "Field"), required=False, queryset=Field.objects.all(),
                                   empty_label=_("Any"))
    organisation = OrganisationField(label=_("Intake"), required=False,
                                     help_text=_("Code or name; the bodies under it are included"))
    q = forms.CharField(label=_("Text"), required=False, max_length=200,
                        help_text=_("Words of the code, title or content, with or without diacritics"))
    order = forms.ChoiceField(label=_("Sort by"), required=False, choices=ORDERS)

    def __init__(self, *args, organisation_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisation_label:
            self.fields["organisation"].label = organisation_label

    def clean_q(self):
        return (self.cleaned_data.get("q") or "").strip()


# --- the handling page: one form per step --------------------------------------------------------------


class RouteForm(forms.Form):
    lead = OrganisationField(label=_("Lead agency"), help_text=_(
        "The code or the name of the ministry, province or department that answers"))
    cohandlers = OrganisationListField(label=_("Co-handling agencies"), required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=Kind.choices)
    field = forms.ModelChoiceField(label=pgettext_lazy("feedback field", "Field"), queryset=Field.objects.none(), empty_label=_("Choose…"))
    plan = forms.ModelChoiceField(label=_("Plan of the related task"), required=False,
                                  queryset=Plan.objects.none(), empty_label=_("None"))
    task_code = forms.CharField(label=_("Related task (code in that plan)"), required=False, max_length=30)
    indicator_code = forms.CharField(label=_("Related indicator (code)"), required=False, max_length=30)
    note = _text(_("Note to the agency"), required=False, rows=2)

    def __init__(self, *args, plans=None, current_field=None, **kwargs):
        super().__init__(*args, **kwargs)
        fields = Field.objects.filter(active=True)
        if current_field is not None:
            fields = Field.objects.filter(Q(active=True) | Q(pk=current_field.pk))
        self.fields["field"].queryset = fields
        self.fields["plan"].queryset = plans if plans is not None else Plan.objects.none()

    def clean(self):
        from nq57.indicators.models import Indicator
        from nq57.plans.models import Task

        data = super().clean()
        plan, code = data.get("plan"), (data.get("task_code") or "").strip()
        data["related_task"] = None
        if code and plan is None:
            self.add_error("plan", _("Choose the plan the task belongs to."))
        elif code:
            task = Task.objects.filter(plan=plan, code__iexact=code, removed=False).first()
            if task is None:
                self.add_error("task_code", _("This plan has no task with this code."))
            data["related_task"] = task
        data["related_indicator"] = None
        if indicator_code := (data.get("indicator_code") or "").strip():
            indicators = Indicator.objects.filter(code__iexact=indicator_code)
            if plan is not None and indicators.filter(source_plan=plan).exists():
                indicators = indicators.filter(source_plan=plan)
            found = list(indicators[:2])
            if not found:
                self.add_error("indicator_code", _("No indicator has this code."))
            elif len(found) > 1:
                self.add_error("indicator_code", _("Several indicators have this code; choose the plan that "
                                                   "defines it."))
            else:
                data["related_indicator"] = found[0]
        return data


class ReferForm(forms.Form):
    referral = _text(_("Competent body and how to reach it"), help_text=_(
        "Shown to the submitter: which body is competent and where to send the submission"))


class GroupForm(forms.Form):
    """The lead of the group: picked among the similar submissions, or typed as a tracking code."""

    lead = forms.IntegerField(label=_("Similar submission"), required=False, min_value=1, max_value=2**31 - 1,
                              widget=forms.RadioSelect)
    lead_code = forms.CharField(label=_("Or the tracking code of the lead submission"), required=False,
                                max_length=20, help_text=_("e.g. PAKN-2026-000123"))

    def clean(self):
        data = super().clean()
        code = (data.get("lead_code") or "").strip().upper()
        lead = None
        if code:
            lead = Submission.objects.filter(code=code).first()
            if lead is None:
                self.add_error("lead_code", _("No submission has this tracking code."))
                return data
        elif data.get("lead"):
            lead = Submission.objects.filter(pk=data["lead"]).first()
            if lead is None:
                self.add_error("lead", _("This item no longer exists."))
                return data
        else:
            raise forms.ValidationError(_("Choose the submission that leads the group."))
        data["lead_submission"] = lead
        return data


class CouncilForm(forms.Form):
    note = _text(_("Note to the council"), required=False, rows=2)


class CloseForm(forms.Form):
    reason = _text(_("Why it is closed"), rows=2)


class ReasonForm(forms.Form):
    reason = _text(_("Reason"), rows=2)


class PauseForm(forms.Form):
    question = _text(_("Question to the submitter"), help_text=_(
        "Sent to the submitter; the clock stops until they answer or you resume"))


class ResumeForm(forms.Form):
    note = _text(_("Note"), required=False, rows=2)


class NoteForm(forms.Form):
    text = _text(_("Internal note"), rows=3, help_text=_("Seen by the handling agencies and the standing office, "
                                                        "never by the submitter"))


class AnswerForm(forms.Form):
    text = _text(_("Answer"), rows=12, max_length=LONG_TEXT)
    template = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class CommentForm(forms.Form):
    comment = _text(_("What must change"), rows=2)


class PublishForm(forms.Form):
    public_title = forms.CharField(label=_("Title as published"), max_length=300)
    public_content = _text(_("Content as published"), rows=8, max_length=LONG_TEXT)
    public_answer = _text(_("Answer as published"), rows=8, max_length=LONG_TEXT)


class ContestDecisionForm(forms.Form):
    OUTCOMES = [("reopened", _("Reopen: the lead agency answers again")),
                ("escalated", _("Escalate: route it one level up")),
                ("rejected", _("Uphold the answer"))]
    outcome = forms.ChoiceField(label=_("Decision"), choices=OUTCOMES, widget=forms.RadioSelect)
    escalate_to = OrganisationField(label=_("Escalate to"), required=False, help_text=_(
        "Empty: the body above the lead agency"))
    note = _text(_("Note"), required=False, rows=2)


# --- settings -----------------------------------------------------------------------------------------


class FieldForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=50, help_text=_("Letters, digits and hyphens"))
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    group = forms.ChoiceField(label=_("Group"), choices=Field.Group.choices)
    description = _text(_("Description"), required=False, rows=2)
    active = forms.BooleanField(label=_("Offered on the form"), required=False, initial=True)
    sort_order = forms.IntegerField(label=_("Position in the list"), initial=0, min_value=-10_000, max_value=10_000)

    @staticmethod
    def initial_for(field):
        return {name: getattr(field, name) for name in ("code", "name", "name_en", "group", "description",
                                                         "active", "sort_order")}


class DeadlineRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("Every type (default)"))] + Kind.choices)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    working_days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=365)
    remind_before = forms.IntegerField(label=_("Remind this many working days before"), min_value=0,
                                       max_value=60, initial=2)
    escalate_after = forms.IntegerField(label=_("Tell the standing office this many working days after the "
                                                "head"), min_value=0, max_value=60, initial=3)

    @staticmethod
    def initial_for(rule: DeadlineRule):
        return {name: getattr(rule, name) for name in ("kind", "stage", "working_days", "remind_before",
                                                        "escalate_after")}


class AnswerTemplateForm(forms.Form):
    organisation = OrganisationField(label=_("Agency"), help_text=_(
        "The code or the name of the agency whose template this is; a template of a body is offered to the "
        "bodies under it"))
    title = forms.CharField(label=_("Title"), max_length=200)
    body = _text(_("Text"), rows=10, max_length=LONG_TEXT)
    field = forms.ModelChoiceField(label=pgettext_lazy("feedback field", "Field"), required=False, queryset=Field.objects.all(),
                                   empty_label=_("Any field"))

    @staticmethod
    def initial_for(template: AnswerTemplate):
        return {"organisation": template.organisation.code, "title": template.title, "body": template.body,
                "field": template.field_id}


class HolidayForm(forms.Form):
    date = date_field(_("Date"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Holiday.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("e.g. Tết Nguyên đán, Quốc khánh"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False, help_text=_(
        "Write “dự kiến” while the day is provisional, until the Prime Minister announces the year's days off"))

    def clean_date(self):
        day = self.cleaned_data["date"]
        if not datetime.date(1990, 1, 1) <= day <= datetime.date(2200, 12, 31):
            raise forms.ValidationError(_("Enter a date between 1990 and 2200."))
        return day

    @staticmethod
    def initial_for(holiday: Holiday):
        return {"date": holiday.date, "kind": holiday.kind, "name": holiday.name, "note": holiday.note}
