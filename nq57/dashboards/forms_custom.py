"""Forms of custom dashboards: a dashboard (owner, title, sharing), the choice of a panel's measure, and a panel's
filters and chart for that measure. The rules live in `panels.clean_filters` / `clean_chart`; the forms only
offer the choices that suit the owner and show the validator's messages next to their field."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nq57.core.permissions import scope_paths
from nq57.core.roles import Action
from nq57.indicators.models import Indicator
from nq57.indicators.queries import national_root
from nq57.orgs.models import Organisation

from .models import CustomDashboard
from .panels import (
    DEFAULT_MONTHS, FIGURES, MEASURES, MONTH_CHOICES, NUMERIC_INDICATORS, chart_choices, clean_chart, clean_filters,
    map_allowed, owner_plans,
)


def owner_choices(user):
    """[(organisation, is a grant's own)] a user may build a dashboard for: the organisations of their VIEW
    grants, each followed by its direct active children (the nation and its first level for a superuser)."""
    paths = scope_paths(user, Action.VIEW)
    if paths is None:
        root = national_root()
        paths = [root.path] if root else []
    if not paths:
        return []
    organisations = list(Organisation.objects.active().filter(Q(path__in=paths) | Q(parent__path__in=paths))
                         .order_by("sort_order", "name"))
    choices = []
    for top in sorted((o for o in organisations if o.path in paths), key=lambda o: o.path):
        choices.append((top, True))
        choices += [(o, False) for o in organisations if o.parent_id == top.pk and o.path not in paths]
    return choices


class DashboardForm(forms.ModelForm):
    """A dashboard's title, description and sharing; the owner only when it is created."""

    owner = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=None,
                                   help_text=_("Every panel counts the work, indicators and feedback of this "
                                               "organisation and the units below it."))

    class Meta:
        model = CustomDashboard
        fields = ["owner", "title", "description", "shared"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"shared": _("Otherwise only you see it.")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["owner"]
            return
        choices = owner_choices(user)
        field = self.fields["owner"]
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o, _top in choices])
        # Units under a grant's organisation are marked, in the grants-first order (a select cannot nest).
        field.choices = [(o.pk, o.name if top else f"— {o.name}") for o, top in choices]
        if choices and not self.is_bound:
            self.initial.setdefault("owner", choices[0][0].pk)


class MeasureForm(forms.Form):
    """Step one of a new panel: what it shows."""

    measure = forms.ChoiceField(label=_("Measure"), widget=forms.RadioSelect,
                                choices=[(key, m.label) for key, m in MEASURES.items()])


def _plan_label(plan):
    return f"{plan.number} — {plan.title}"[:120] if plan.number else plan.title[:120]


class PanelForm(forms.Form):
    """Step two: the title, the filters the measure accepts and the chart, for one owner."""

    title = forms.CharField(label=_("Panel title"), max_length=200, required=False,
                            help_text=_("Leave empty to use the measure's name."))
    measure = forms.CharField(widget=forms.HiddenInput)
    chart = forms.ChoiceField(label=_("Chart"), widget=forms.RadioSelect)

    def __init__(self, *args, owner, measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner, self.measure = owner, MEASURES[measure]
        self.fields["measure"].initial = measure
        charts = chart_choices(measure, map_allowed(owner) if "map" in self.measure.charts else False)
        self.fields["chart"].choices = charts
        self.fields["chart"].initial = charts[0][0]
        for name in self.measure.filters:
            self.fields[name] = self._filter_field(name)
        # The chart last: measure, then filters, then how to show it.
        self.order_fields(["title", *self.measure.filters, "chart"])

    def _filter_field(self, name):
        required = name in self.measure.required
        if name == "plan":
            plans = owner_plans(self.owner).order_by("-issued_on", "title")
            empty = [] if required else [("", _("All plans"))]
            return forms.ChoiceField(label=_("Plan"), required=required,
                                     choices=empty + [(str(p.pk), _plan_label(p)) for p in plans],
                                     help_text=_("The organisation's own plans and the plans that assign it work."))
        if name == "group":
            return forms.CharField(label=_("Group of the plan"), max_length=20, required=False,
                                   help_text=_("Its code as numbered in the plan, e.g. III; empty for every group."))
        if name == "assignee":
            children = Organisation.objects.active().filter(parent=self.owner).order_by("sort_order", "name")
            return forms.ChoiceField(label=_("Responsible unit"), required=False,
                                     choices=[("", _("The whole organisation"))]
                                     + [(str(o.pk), o.name) for o in children])
        if name == "months":
            return forms.TypedChoiceField(label=_("Period"), coerce=int, initial=DEFAULT_MONTHS,
                                          choices=[(m, _("Last %(n)s months") % {"n": m}) for m in MONTH_CHOICES])
        if name == "indicator":
            indicators = Indicator.objects.filter(NUMERIC_INDICATORS).order_by("sort_order", "code")
            return forms.ChoiceField(label=_("Indicator"), required=required,
                                     choices=[(str(i.pk), f"{i.code}. {i.name}"[:140]) for i in indicators])
        if name == "layer":
            return forms.ChoiceField(label=_("Layer"), required=False,
                                     choices=[("", _("All layers")), *Indicator.Layer.choices])
        if name == "figure":
            return forms.ChoiceField(label=_("Figure"), choices=[(k, v[0]) for k, v in FIGURES.items()])
        raise ValueError(name)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        raw = {name: data.get(name) for name in self.measure.filters}
        for check in (lambda: clean_filters(self.measure.key, raw, self.owner),
                      lambda: clean_chart(self.measure.key, data.get("chart"), self.owner)):
            try:
                result = check()
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(name if name in self.fields else None, message)
            else:
                if isinstance(result, dict):
                    data["filters"] = result
        return data
