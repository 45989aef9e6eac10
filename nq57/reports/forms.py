"""Forms of the report pages: request a report, set up a schedule. The services check everything again."""

import json

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from nq57.core.permissions import can
from nq57.core.roles import Action
from nq57.indicators.queries import national_root, scope_choices, with_scope
from nq57.orgs.models import Organisation

from . import actions, periods
from .models import PeriodKind

DEFAULT_KIND = PeriodKind.HALF


def report_scopes(user, action=Action.VIEW, extra=None):
    """The scope selector's groups: the user's own organisations, then the ministries and provinces inside
    them, keeping only those where the user holds `action` (so the nation only for national viewers);
    `extra` is added when it is another organisation the user may pick (a link from a dashboard)."""
    root = national_root()
    groups = [(label, [o for o in members if can(user, action, o)]) for label, members in scope_choices(user, root)]
    groups = [(label, members) for label, members in groups if members or not label]
    if extra is not None and can(user, action, extra):
        groups = with_scope(groups, extra)
    return root, [(label, members) for label, members in groups if members]


def _scope_label(organisation, root):
    return _gettext("National") if organisation.pk == root.pk else organisation.name


class ScopeFormMixin:
    """A `scope` select of the organisations the user may pick; cleaned to an Organisation."""

    scope_action = Action.VIEW

    def setup_scope(self, user, prefix_value):
        extra = None
        if prefix_value and str(prefix_value).isdigit() and len(str(prefix_value)) <= 18:
            extra = Organisation.objects.filter(pk=int(prefix_value)).first()
        self.root, self.scope_groups = report_scopes(user, self.scope_action, extra)
        self.scope_by_pk = {str(o.pk): o for _label, members in self.scope_groups for o in members}
        choices = []
        for label, members in self.scope_groups:
            options = [(str(o.pk), _scope_label(o, self.root)) for o in members]
            if label:
                choices.append((label, options))
            else:
                choices.extend(options)
        self.fields["scope"].choices = choices

    def clean_scope(self):
        return self.scope_by_pk[self.cleaned_data["scope"]]

    @property
    def has_scopes(self):
        return bool(self.scope_by_pk)


def _raw(form, name):
    value = form.data.get(form.add_prefix(name)) if form.is_bound else None
    return value if value is not None else form.initial.get(name, form.fields[name].initial)


class ReportForm(ScopeFormMixin, forms.Form):
    scope = forms.ChoiceField(label=_("Scope"))
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, initial=DEFAULT_KIND)
    year = forms.IntegerField(label=_("Year"), widget=forms.NumberInput(attrs={"min": actions.FIRST_YEAR}))
    period_number = forms.IntegerField(
        label=_("Number of the period in the year"), required=False, widget=forms.NumberInput(attrs={"min": 1}),
        help_text=_("Month 1–12, quarter 1–4, half-year 1–2; not used for a yearly report"))
    language = forms.ChoiceField(label=_("Language of the report"), choices=settings.LANGUAGES, initial="vi")
    document_number = forms.CharField(label=_("Document number"), max_length=60, required=False,
                                      help_text=_("e.g. 15/BC-BCĐ; left blank, the document shows “…/BC”"))
    place = forms.CharField(label=_("Place"), max_length=100, required=False, help_text=_("e.g. Lạng Sơn"))
    recipients = forms.CharField(label=_("Recipients"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text=_("One per line, printed under “Nơi nhận”"))
    signer_title = forms.CharField(label=_("Signatory's title"), max_length=200, required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text=_("One or two lines, e.g. TM. BAN CHỈ ĐẠO / TRƯỞNG BAN"))
    signer_name = forms.CharField(label=_("Signatory's name"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_scope(user, _raw(self, "scope"))
        today = timezone.localdate()
        self.fields["year"].widget.attrs["max"] = today.year
        kind = str(_raw(self, "period_kind") or DEFAULT_KIND)
        defaults = self.period_defaults(today)
        if not self.is_bound and kind in defaults:
            self.initial.setdefault("year", defaults[kind][0])
            self.initial.setdefault("period_number", defaults[kind][1])

    @staticmethod
    def period_defaults(today=None):
        """{kind: (year, number)} of the last period of each kind that ended."""
        today = today or timezone.localdate()
        result = {}
        for kind in PeriodKind.values:
            start, _end = periods.last_ended(kind, today)
            result[kind] = (start.year, periods.number_of(kind, start))
        return result

    def defaults_json(self):
        """The period defaults for reports.js, which updates year and number when the kind changes."""
        return json.dumps({kind: list(value) for kind, value in self.period_defaults().items()})

    def clean(self):
        data = super().clean()
        kind, year, number = data.get("period_kind"), data.get("year"), data.get("period_number")
        if kind and year is not None and not self.has_error("year"):
            if kind == PeriodKind.YEAR:
                number = data["period_number"] = 1
            if number is None:
                self.add_error("period_number", _("Enter the number of the period."))
                return data
            try:
                data["period_start"], data["period_end"] = actions.period_bounds(kind, year, number)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(field if field in self.fields else None, message)
        return data


class ScheduleForm(ScopeFormMixin, forms.Form):
    scope_action = Action.APPROVE

    scope = forms.ChoiceField(label=_("Scope"))
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.QUARTER)
    language = forms.ChoiceField(label=_("Language of the report"), choices=settings.LANGUAGES, initial="vi")
    emails = forms.CharField(label=_("Send to (e-mail addresses)"), widget=forms.Textarea(attrs={"rows": 5}))
    recipients = forms.CharField(label=_("Recipients printed on the document"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}), help_text=_("One per line"))
    days_after = forms.IntegerField(label=_("Days after the period ends"), initial=3, min_value=0,
                                    max_value=actions.MAX_DAYS_AFTER,
                                    help_text=_("The report is generated and sent this many days after each "
                                                "period ends, so late data can still come in"))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_scope(user, _raw(self, "scope"))
        self.fields["emails"].help_text = _gettext("One per line, at most %(max)d") % {"max": actions.MAX_EMAILS}

    def clean_emails(self):
        try:
            return "\n".join(actions.clean_emails(self.cleaned_data["emails"]))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["emails"]) from None
