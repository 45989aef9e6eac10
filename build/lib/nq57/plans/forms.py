"""Forms of the plan pages. They check the shape of the input; the rules live in plans.actions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .evidence import ACCEPT_ATTRIBUTE
from .filters import find_agency
from .models import Assignment, Plan, ProductType, ProgressReport, TaskGroup

DATE_HELP = _("dd/mm/yyyy")


def date_field(label, required=True, **kwargs):
    return forms.DateField(label=label, required=required, help_text=DATE_HELP,
                           widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
                           **kwargs)


class AgencyField(forms.CharField):
    """An organisation typed as its code or its name; cleans to the Organisation."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("help_text", _("The code or the name of the organisation"))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        organisation, error = find_agency(text)
        if organisation is None:
            raise forms.ValidationError(error)
        return organisation


# --- plans and tasks ----------------------------------------------------------------------------------


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document type"), choices=Plan.DocumentKind.choices)
    number = forms.CharField(label=_("Number"), max_length=60, required=False, help_text=_("e.g. 03/NQ-CP"))
    title = forms.CharField(label=_("Title"), max_length=500)
    issuer = AgencyField(label=_("Issuing body"))
    owner = AgencyField(label=_("Assigning body"),
                        help_text=_("The body that administers the plan; you must hold the right to assign there"))
    issued_on = date_field(_("Issued on"), required=False)
    implements = forms.ModelChoiceField(label=_("Implements"), queryset=Plan.objects.none(), required=False,
                                        help_text=_("The document this plan carries out"))
    reporting_frequency = forms.ChoiceField(label=_("Reporting frequency"),
                                            choices=Plan._meta.get_field("reporting_frequency").choices,
                                            initial="quarter")

    def __init__(self, *args, plans=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["implements"].queryset = plans if plans is not None else Plan.objects.none()


class TaskForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=30, help_text=_("e.g. 12 or II.3"))
    title = forms.CharField(label=_("Task"), widget=forms.Textarea(attrs={"rows": 3}))
    group = forms.ModelChoiceField(label=_("Group"), queryset=TaskGroup.objects.none(), required=False)
    lead_text = forms.CharField(label=_("Lead agencies"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                help_text=_("As written in the document, separated by commas; each is resolved "
                                            "to an organisation or a named group"))
    coordinating_text = forms.CharField(label=_("Coordinating agencies"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    product_type = forms.ModelChoiceField(label=_("Product type"), queryset=ProductType.objects.all(),
                                          required=False)
    product_text = forms.CharField(label=_("Expected product"), max_length=500, required=False)
    deadline_text = forms.CharField(label=_("Completion time"), max_length=100, required=False,
                                    help_text=_("As written: 6/2025, Quý II/2025, 2025 - 2026, Thường xuyên…"))
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=200, required=False)
    source_article = forms.CharField(label=_("Source (document article)"), max_length=200, required=False)

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["group"].queryset = TaskGroup.objects.filter(plan=plan)


# --- the task list filters ------------------------------------------------------------------------------


class TaskFilterForm(forms.Form):
    """GET filters of the task list; every field is optional and a bad value is reported, never a 500."""

    VIEW_CHOICES = [("assignments", _("One row per assignment")), ("tasks", _("One row per task"))]

    view = forms.ChoiceField(label=_("Show"), choices=VIEW_CHOICES, required=False)
    q = forms.CharField(label=_("Text"), max_length=200, required=False,
                        help_text=_("Words of the code, task, agencies or product, with or without diacritics"))
    agency = AgencyField(label=_("Agency"), required=False,
                         help_text=_("Code or name; its units and communes are included"))
    group = forms.ModelChoiceField(label=_("Group"), queryset=TaskGroup.objects.none(), required=False,
                                   empty_label=_("Any"))
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("Any"))] + Assignment.Role.choices, required=False)
    status = forms.MultipleChoiceField(label=_("Status"), choices=Assignment.Status.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    timeliness = forms.MultipleChoiceField(label=_("Timeliness"), choices=Assignment.Timeliness.choices,
                                           required=False, widget=forms.CheckboxSelectMultiple)
    deadline_from = date_field(_("Deadline from"), required=False)
    deadline_to = date_field(_("Deadline to"), required=False)
    incomplete = forms.BooleanField(label=_("Only tasks missing one of the “5 clear” items"), required=False)
    subtasks = forms.BooleanField(label=_("Include sub-tasks agencies gave their units"), required=False)

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["group"].queryset = TaskGroup.objects.filter(plan=plan)

    def clean_q(self):
        return (self.cleaned_data.get("q") or "").replace("\x00", "").strip()

    def clean(self):
        data = super().clean()
        start, end = data.get("deadline_from"), data.get("deadline_to")
        if start and end and start > end:
            self.add_error("deadline_to", _("The end of the range is before its start."))
        data["view"] = data.get("view") or "assignments"
        return data


# --- the assignment page: one form per action -----------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    period_end = date_field(_("Reporting period ends"))
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 4}))
    progress = forms.IntegerField(label=_("Progress %"), min_value=0, max_value=100)
    self_rating = forms.ChoiceField(label=_("Self-assessment"), choices=ProgressReport.Rating.choices)
    difficulties = forms.CharField(label=_("Difficulties"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    recommendations = forms.CharField(label=_("Recommendations to the assigning body"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text=_("Sent to the assigning body, which answers them; tracked until "
                                                  "closed"))
    reports_completion = forms.BooleanField(label=_("The task is done: report completion with the product as "
                                                    "evidence"), required=False)
    evidence = MultipleFileField(label=_("Evidence files"), required=False,
                                 widget=MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
                                 help_text=_("PDF, Word, Excel, PNG or JPEG; several files at once"))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Why it is returned"), widget=forms.Textarea(attrs={"rows": 2}))


class VerifyForm(forms.Form):
    completed_on = date_field(_("Completed on"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].help_text = _("Leave empty for the day the completion was reported")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(forms.Form):
    requested_deadline = date_field(_("New deadline"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
                                 widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))


class SubtaskForm(forms.Form):
    organisation = AgencyField(label=_("Unit or commune"),
                               help_text=_("Code or name of a unit or commune under your agency"))
    title = forms.CharField(label=_("Sub-task"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = date_field(_("Deadline"), required=False)


class StatusForm(forms.Form):
    CHOICES = [(Assignment.Status.IN_PROGRESS, _("Resume: in progress")),
               (Assignment.Status.CANCELLED, _("Cancel or suspend"))]
    status = forms.ChoiceField(label=_("New status"), choices=CHOICES)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


# --- the scorecard window -------------------------------------------------------------------------------


class ScorecardForm(forms.Form):
    SORTS = [("rate_revised", _("On-time completion (deadline in force)")),
             ("rate_original", _("On-time completion (original deadline)")),
             ("overdue", _("Overdue backlog")), ("reporting_rate", _("Reporting rate")), ("name", _("Name"))]

    date_from = date_field(_("Deadlines from"), required=False)
    date_to = date_field(_("Deadlines to"), required=False)
    org = AgencyField(label=_("Agency"), required=False, help_text=_("Code or name; its units are included"))
    sort = forms.ChoiceField(label=_("Rank by"), choices=SORTS, required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the window is before its start."))
        return data

