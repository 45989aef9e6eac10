"""Forms of the KPI pages. They check the shape of the input; the rules live in indicators.actions and
indicators.validation (numbers are passed on as typed, so "12,5" and the range checks have one home)."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.utils.formats import get_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from nq57.orgs.models import Organisation
from nq57.plans.forms import AgencyField, date_field
from nq57.plans.models import Plan

from .models import Indicator, IndicatorValue, Rag, Target


def _clean_text(value):
    return (value or "").replace("\x00", "").strip()


class NumberText(forms.CharField):
    """A number as typed ("12,5", "1 000"); validated by the service, which knows the indicator's range."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "size": 10})

    def to_python(self, value):
        return _clean_text(super().to_python(value))


class CleanCharField(forms.CharField):
    def to_python(self, value):
        return _clean_text(super().to_python(value))


# --- filters of the index, the indicator page and the comparison -----------------------------------------

RAG_FILTER = [("", _("All ratings")), ("green", _("On track")), ("amber", _("Some concern")),
              ("red", _("Off track")), ("none", _("No data"))]


class IndexFilterForm(forms.Form):
    scope = forms.IntegerField(label=_("Scope"), required=False, min_value=1, max_value=2**31 - 1)
    layer = forms.ChoiceField(label=_("Layer"), required=False,
                              choices=[("", _("All layers"))] + list(Indicator.Layer.choices))
    plan = forms.ModelChoiceField(label=_("Source document"), required=False, queryset=Plan.objects.none(),
                                  empty_label=_("All documents"))
    owner = forms.ModelChoiceField(label=_("Owner agency"), required=False, queryset=Organisation.objects.none(),
                                   empty_label=_("All agencies"))
    rag = forms.ChoiceField(label=_("Rating"), required=False, choices=RAG_FILTER)
    q = CleanCharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.filter(indicators__isnull=False).distinct().order_by("number")
        self.fields["owner"].queryset = (Organisation.objects.filter(owned_indicators__isnull=False).distinct()
                                         .order_by("name"))


class IndicatorPageForm(forms.Form):
    """?scope=, ?series=, ?period= of the indicator page and the comparison (period as a key: 2026-Q2)."""
    scope = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    series = CleanCharField(required=False, max_length=100)
    period = CleanCharField(required=False, max_length=20)


# --- one value -----------------------------------------------------------------------------------------------

SELF_RATING = [("", _("No self-assessment"))] + list(Rag.choices)
PROGRESS = [("", _("Choose…"))] + list(IndicatorValue.Progress.choices)


class ValueForm(forms.Form):
    """The inputs of one value; fields that do not fit the indicator are removed (a ratio is entered as
    numerator and denominator, a milestone as a progress level)."""

    value = NumberText(label=_("Value"))
    numerator = NumberText(label=_("Numerator"))
    denominator = NumberText(label=_("Denominator"))
    weight = NumberText(label=_("Weight"))
    progress = forms.ChoiceField(label=_("Progress"), required=False, choices=PROGRESS)
    not_available = forms.BooleanField(label=_("Not available"), required=False)
    not_available_reason = CleanCharField(label=_("Why it is not available"), required=False, max_length=1000)
    self_rating = forms.ChoiceField(label=_("Self-assessment"), required=False, choices=SELF_RATING)
    note = CleanCharField(label=_("Note"), required=False, max_length=4000,
                          widget=forms.Textarea(attrs={"rows": 2}))
    confirm_flags = forms.BooleanField(label=_("I confirm this value"), required=False)
    flag_note = CleanCharField(label=_("Explanation"), required=False, max_length=2000)

    INPUTS = ("value", "numerator", "denominator", "weight", "progress", "not_available", "not_available_reason",
              "self_rating", "note")

    def __init__(self, *args, indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        if not indicator.is_numeric:
            drop = ("value", "numerator", "denominator", "weight")
        elif indicator.aggregation == Indicator.Aggregation.RATIO:
            drop = ("value", "weight", "progress")
        elif indicator.aggregation == Indicator.Aggregation.WEIGHTED_MEAN:
            drop = ("numerator", "denominator", "progress")
        else:
            drop = ("numerator", "denominator", "weight", "progress")
        for name in drop:
            del self.fields[name]
        if indicator.unit and "value" in self.fields:
            self.fields["value"].help_text = indicator.unit

    def is_filled(self):
        """Anything typed in this row? Empty rows of the entry form are skipped, not refused."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return any(data.get(name) for name in self.INPUTS if name in self.fields)

    def service_kwargs(self):
        """Keyword arguments of actions.save_value from this row."""
        data = self.cleaned_data
        kwargs = {name: data.get(name) or "" for name in ("progress", "not_available_reason", "self_rating", "note",
                                                          "flag_note")}
        kwargs.update({name: data.get(name) or None for name in ("value", "numerator", "denominator", "weight")})
        kwargs["not_available"] = bool(data.get("not_available"))
        kwargs["confirm_flags"] = bool(data.get("confirm_flags"))
        return kwargs

    @staticmethod
    def initial_from(value):
        """Initial data from a stored IndicatorValue, numbers without grouping in the locale's decimal mark."""
        if value is None:
            return {}
        mark = get_format("DECIMAL_SEPARATOR")

        def number(x):
            if x is None:
                return ""
            text = format(Decimal(x).normalize(), "f")
            return text.replace(".", mark) if mark == "," else text

        return {"value": number(value.value), "numerator": number(value.numerator),
                "denominator": number(value.denominator), "weight": number(value.weight),
                "progress": value.progress, "not_available": value.not_available,
                "not_available_reason": value.not_available_reason, "self_rating": value.self_rating,
                "note": value.note, "flag_note": value.flag_note}


class CorrectionForm(ValueForm):
    correction_reason = CleanCharField(label=_("Reason for the correction"), max_length=2000,
                                       widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    comment = CleanCharField(label=_("What must be corrected"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ConfirmFlagsForm(forms.Form):
    confirm_flags = forms.BooleanField(label=_("I confirm this value"), required=False)
    flag_note = CleanCharField(label=_("Explanation"), required=False, max_length=2000)


# --- targets and baselines -------------------------------------------------------------------------------------

MILESTONE_LINE = re.compile(r"^\s*(?P<when>\d{4}|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})\s*[:=]\s*(?P<what>.+?)\s*$")


def parse_milestones(text):
    """Lines "2026: 40" (end of 2026) or "30/06/2026: 40" or "2027: pilot running" → [(date, value, text)]."""
    from .validation import to_decimal

    rows, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = MILESTONE_LINE.match(line)
        when = None
        if match:
            raw = match["when"]
            try:
                if len(raw) == 4:
                    when = datetime.date(int(raw), 12, 31)
                elif "/" in raw:
                    day, month, year = (int(x) for x in raw.split("/"))
                    when = datetime.date(year, month, day)
                else:
                    when = datetime.date.fromisoformat(raw)
            except ValueError:
                when = None
        if when is None:
            errors.append(gettext("Line %(line)d: write a year or a date, a colon and a value, e.g. “2026: 40”.")
                          % {"line": number})
            continue
        what = match["what"]
        try:
            value = to_decimal(what)
            rows.append((when, value, ""))
        except ValueError:
            rows.append((when, None, what[:300]))
    if errors:
        raise forms.ValidationError(errors)
    return rows


class TargetForm(forms.Form):
    year = forms.IntegerField(label=_("Target year"), min_value=1900, max_value=2200)
    comparator = forms.ChoiceField(label=_("Comparator"), choices=Target.Comparator.choices)
    value = NumberText(label=_("Target value"))
    value_high = NumberText(label=_("Upper bound"), help_text=_("Only for “between”"))
    series = CleanCharField(label=_("Series"), required=False, max_length=100, help_text=_("e.g. ASEAN or World"))
    organisation = AgencyField(label=_("Organisation"), required=False,
                               help_text=_("Leave empty for the national target; or the code or name of a province "
                                           "or ministry with its own target"))
    text = CleanCharField(label=_("Target as published"), required=False, max_length=2000,
                          widget=forms.Textarea(attrs={"rows": 2}))
    milestones = CleanCharField(label=_("Milestones"), required=False, max_length=4000,
                                widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("One a line: “2026: 40” (end of 2026) or “30/06/2026: 40”"))
    reason = CleanCharField(label=_("Reason for the change"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("Required when an existing target is replaced; the old one is kept"))

    def clean_milestones(self):
        return parse_milestones(self.cleaned_data.get("milestones"))


class BaselineForm(forms.Form):
    value = NumberText(label=_("Baseline value"), required=True)
    as_of = date_field(_("Baseline date"))
    series = CleanCharField(label=_("Series"), required=False, max_length=100)
    organisation = AgencyField(label=_("Organisation"), required=False,
                               help_text=_("Leave empty for the national baseline"))
    source = CleanCharField(label=_("Source"), required=False, max_length=300)
    reason = CleanCharField(label=_("Reason for the change"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("Required when re-baselining; the old baseline is kept"))
