"""Create an indicator, edit its definition and put organisations on its reporting calendar.

Everything here needs ASSIGN: on the chosen owner to create, on the indicator's owner to edit (a standing
office above it qualifies). Writes go through actions.create_indicator / update_indicator / add_obligations;
the forms only check the shape of the input. Tolerances are typed in points of 100 and stored as fractions
(rollups reads `green_tolerance × 100` points).
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from nq57.core.permissions import can, can_anywhere, scope_paths, scope_q
from nq57.core.roles import Action
from nq57.orgs.models import CENTRAL_AGENCY_KINDS, COMMUNE_KINDS, PROVINCE_KINDS, Kind, Organisation
from nq57.orgs.resolution import Resolver
from nq57.plans.forms import date_field
from nq57.plans.models import Plan

from .. import actions, validation
from ..forms import CleanCharField, NumberText
from ..models import Indicator, ReportingObligation

NOT_OWNERS = COMMUNE_KINDS | {Kind.CATEGORY}
LEVEL_KINDS = {Indicator.Level.MINISTRY: CENTRAL_AGENCY_KINDS, Indicator.Level.PROVINCE: PROVINCE_KINDS,
               Indicator.Level.COMMUNE: COMMUNE_KINDS}
CALENDAR_LIST = 50


class DecimalText(NumberText):
    """A number as typed ("12,5"); cleans to a Decimal or None."""

    def clean(self, value):
        text = super().clean(value)
        try:
            return validation.to_decimal(text)
        except ValueError:
            raise forms.ValidationError(_("Enter a number, e.g. 12,5.")) from None


class PointsField(DecimalText):
    """Points of 100 in the form (5 = five points), a fraction in the database (0.05)."""

    def clean(self, value):
        number = super().clean(value)
        if number is None:
            return None
        if number < 0 or number > 100:
            raise forms.ValidationError(_("Enter a number of points between 0 and 100."))
        return (number / 100).quantize(Decimal("0.0001"))


class _Choice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


def owner_choices(user, current=None):
    """Organisations the user may make owners: non-commune bodies in the user's ASSIGN scope."""
    condition = scope_q(user, Action.ASSIGN, "path") & ~Q(kind__in=NOT_OWNERS)
    paths = scope_paths(user, Action.ASSIGN)
    if paths:
        condition |= Q(path__in=paths)  # the user's own scope organisations, whatever their kind
    if current is not None:
        condition |= Q(pk=current.pk)
    return Organisation.objects.active().filter(condition).order_by("path")


def _points(fraction):
    if fraction is None:
        return ""
    return format((fraction * 100).normalize(), "f")


def _number(value):
    if value is None:
        return ""
    return format(value.normalize(), "f")


class IndicatorForm(forms.Form):
    code = CleanCharField(label=gettext_lazy("Code"), max_length=30,
                          help_text=gettext_lazy("As numbered in the document, e.g. 11.1"))
    name = CleanCharField(label=gettext_lazy("Name"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    name_en = CleanCharField(label=gettext_lazy("English name"), required=False, max_length=2000)
    unit = CleanCharField(label=gettext_lazy("Unit"), required=False, max_length=100)
    value_type = forms.ChoiceField(label=gettext_lazy("Value type"), choices=Indicator.ValueType.choices)
    direction = forms.ChoiceField(label=gettext_lazy("Direction"), choices=Indicator.Direction.choices)
    accumulation = forms.ChoiceField(label=gettext_lazy("Periodic or cumulative"),
                                     choices=Indicator.Accumulation.choices)
    frequency = forms.ChoiceField(label=gettext_lazy("Reporting frequency"),
                                  choices=Indicator._meta.get_field("frequency").choices)
    aggregation = forms.ChoiceField(label=gettext_lazy("Aggregation up the hierarchy"),
                                    choices=Indicator.Aggregation.choices)
    ratio_scale = DecimalText(label=gettext_lazy("Ratio scale"), required=True,
                              help_text=gettext_lazy("100 for a percentage"))
    level = forms.ChoiceField(label=gettext_lazy("Reported at"), choices=Indicator.Level.choices)
    owner = _Choice(label=gettext_lazy("Owner agency"), queryset=Organisation.objects.none(),
                    empty_label=gettext_lazy("Choose…"))
    source_plan = _Choice(label=gettext_lazy("Source document"), required=False, queryset=Plan.objects.none(),
                          empty_label=gettext_lazy("None"))
    source_article = CleanCharField(label=gettext_lazy("Source (document article)"), required=False, max_length=200)
    layer = forms.ChoiceField(label=gettext_lazy("Layer"), choices=Indicator.Layer.choices)
    parent = _Choice(label=gettext_lazy("Parent indicator"), required=False, queryset=Indicator.objects.none(),
                     empty_label=gettext_lazy("None"))
    data_source = CleanCharField(label=gettext_lazy("Data source"), required=False, max_length=4000,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    definition = CleanCharField(label=gettext_lazy("Definition"), required=False, max_length=8000,
                                widget=forms.Textarea(attrs={"rows": 3}))
    min_value = DecimalText(label=gettext_lazy("Lowest valid value"))
    max_value = DecimalText(label=gettext_lazy("Highest valid value"))
    green_tolerance = PointsField(label=gettext_lazy("Green tolerance (points)"),
                                  help_text=gettext_lazy("How many points behind the expected attainment a value "
                                                         "may be and still be on track; empty for the default"))
    amber_tolerance = PointsField(label=gettext_lazy("Amber tolerance (points)"),
                                  help_text=gettext_lazy("Up to how many points behind it is “some concern”; "
                                                         "empty for the default"))
    due_days = forms.IntegerField(label=gettext_lazy("Days after the period to report"), min_value=0, max_value=366)
    grace_days = forms.IntegerField(label=gettext_lazy("Grace days"), min_value=0, max_value=366)

    def __init__(self, *args, user, indicator=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices(user, indicator.owner if indicator else None)
        plans = Plan.objects.restrict(user, Action.VIEW)
        if indicator is not None and indicator.source_plan_id:
            plans = plans | Plan.objects.filter(pk=indicator.source_plan_id)
        self.fields["source_plan"].queryset = plans.order_by("number", "title")
        parents = Indicator.objects.filter(is_active=True).select_related(None)
        if indicator is not None:
            parents = parents.exclude(pk=indicator.pk)
        self.fields["parent"].queryset = parents.order_by("code")

    def clean(self):
        data = super().clean()
        green, amber = data.get("green_tolerance"), data.get("amber_tolerance")
        if green is not None and amber is not None and amber < green:
            self.add_error("amber_tolerance", _("The amber tolerance must not be below the green tolerance."))
        return data

    @staticmethod
    def initial_for(indicator=None):
        if indicator is None:
            return {"value_type": Indicator.ValueType.PERCENTAGE, "direction": Indicator.Direction.HIGHER,
                    "accumulation": Indicator.Accumulation.PERIODIC, "frequency": "year",
                    "aggregation": Indicator.Aggregation.NONE, "ratio_scale": "100",
                    "level": Indicator.Level.NATIONAL, "layer": Indicator.Layer.STRATEGIC,
                    "due_days": 15, "grace_days": 5}
        initial = {name: getattr(indicator, name) for name in FIELDS
                   if name not in ("owner", "source_plan", "parent")}
        initial.update({"owner": indicator.owner_id, "source_plan": indicator.source_plan_id,
                        "parent": indicator.parent_id, "ratio_scale": _number(indicator.ratio_scale),
                        "min_value": _number(indicator.min_value), "max_value": _number(indicator.max_value),
                        "green_tolerance": _points(indicator.green_tolerance),
                        "amber_tolerance": _points(indicator.amber_tolerance)})
        return initial


FIELDS = list(IndicatorForm.base_fields)


def _form_errors(form, exc):
    for name, texts in validation.message_dict(exc).items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


class IndicatorCreateView(LoginRequiredMixin, View):
    def _check(self, request):
        if not can_anywhere(request.user, Action.ASSIGN):
            raise PermissionDenied

    def get(self, request):
        self._check(request)
        form = IndicatorForm(user=request.user, initial=IndicatorForm.initial_for())
        return self._render(request, form)

    def post(self, request):
        self._check(request)
        form = IndicatorForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            owner, code, name = data.pop("owner"), data.pop("code"), data.pop("name")
            source_plan = data.pop("source_plan")
            try:
                indicator = actions.create_indicator(actor=request.user, owner=owner, code=code, name=name,
                                                     source_plan=source_plan, **data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The indicator was created. Put organisations on its reporting "
                                            "calendar so they can report values."))
                return redirect("indicators:detail", indicator.pk)
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        return render(request, "indicators/indicator_form.html", {"form": form}, status=status)


# --- the reporting calendar ------------------------------------------------------------------------------

class CalendarForm(forms.Form):
    PROVINCES, MINISTRIES, COMMUNES, NAMED = "provinces", "ministries", "communes", "named"
    WHO = [(PROVINCES, gettext_lazy("All provinces and centrally-run cities")),
           (MINISTRIES, gettext_lazy("All ministries and ministerial-level agencies")),
           (COMMUNES, gettext_lazy("All communes of a province")),
           (NAMED, gettext_lazy("The organisations named below"))]

    who = forms.ChoiceField(label=gettext_lazy("Who reports"), choices=WHO, widget=forms.RadioSelect)
    province = _Choice(label=gettext_lazy("Province (for its communes)"), required=False,
                       queryset=Organisation.objects.none(), empty_label=gettext_lazy("Choose…"))
    names = forms.CharField(label=gettext_lazy("Organisations, one a line"), required=False, max_length=20000,
                            widget=forms.Textarea(attrs={"rows": 5}),
                            help_text=gettext_lazy("Codes or names, e.g. P20 or Bộ Tài chính"))
    starts_on = date_field(gettext_lazy("Reporting starts on"))
    series = CleanCharField(label=gettext_lazy("Series"), required=False, max_length=100,
                            help_text=gettext_lazy("Leave empty for the main series"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = (Organisation.objects.active().filter(kind__in=PROVINCE_KINDS)
                                            .order_by("code"))

    def clean_names(self):
        return (self.cleaned_data.get("names") or "").replace("\x00", "")

    def clean(self):
        data = super().clean()
        who = data.get("who")
        if who == self.COMMUNES and not data.get("province"):
            self.add_error("province", _("Choose the province whose communes report."))
        if who == self.NAMED and not [line for line in data.get("names", "").splitlines() if line.strip()]:
            self.add_error("names", _("Name at least one organisation, one a line."))
        return data

    def organisations(self):
        """(organisations, unresolved lines with the reason) of a valid form."""
        data, active = self.cleaned_data, Organisation.objects.active()
        who = data["who"]
        if who == self.PROVINCES:
            return list(active.filter(kind__in=PROVINCE_KINDS)), []
        if who == self.MINISTRIES:
            return list(active.filter(kind__in=[Kind.MINISTRY, Kind.MINISTERIAL_AGENCY])), []
        if who == self.COMMUNES:
            province = data["province"]
            return list(active.filter(kind__in=COMMUNE_KINDS, path__startswith=province.path)), []
        resolver, found, unresolved = Resolver(), [], []
        for line in data["names"].splitlines():
            text = line.strip()
            if not text:
                continue
            resolution = resolver.resolve(text)
            if resolution.status == "resolved" and resolution.organisation is not None:
                found.append(resolution.organisation)
            elif resolution.status == "ambiguous":
                unresolved.append((text, _("several organisations match: %(names)s")
                                   % {"names": ", ".join(str(c) for c in resolution.candidates[:5])}))
            elif resolution.status == "group":
                unresolved.append((text, _("this names a group; list its members one a line")))
            else:
                unresolved.append((text, _("no organisation has this name or code")))
        return found, unresolved


class IndicatorSettingsView(LoginRequiredMixin, View):
    def _indicator(self, request, pk):
        indicator = get_object_or_404(Indicator.objects.select_related("owner", "source_plan", "parent"), pk=pk)
        if not can(request.user, Action.ASSIGN, indicator):
            raise PermissionDenied
        return indicator

    def _definition_form(self, request, indicator, data=None):
        return IndicatorForm(data, user=request.user, indicator=indicator, prefix="definition",
                             initial=IndicatorForm.initial_for(indicator))

    def get(self, request, pk):
        indicator = self._indicator(request, pk)
        return self._render(request, indicator, self._definition_form(request, indicator),
                            CalendarForm(prefix="calendar"))

    def post(self, request, pk):
        indicator = self._indicator(request, pk)
        operation = request.POST.get("operation")
        definition_form, calendar_form = self._definition_form(request, indicator), CalendarForm(prefix="calendar")
        if operation == "definition":
            definition_form = self._definition_form(request, indicator, request.POST)
            if definition_form.is_valid():
                try:
                    actions.update_indicator(actor=request.user, indicator=indicator, **definition_form.cleaned_data)
                except ValidationError as exc:
                    _form_errors(definition_form, exc)
                else:
                    messages.success(request, _("The definition was saved."))
                    return redirect("indicators:settings", indicator.pk)
        elif operation == "calendar":
            calendar_form = CalendarForm(request.POST, prefix="calendar")
            if calendar_form.is_valid():
                return self._calendar(request, indicator, definition_form, calendar_form)
        else:
            messages.error(request, _("Unknown operation."))
        return self._render(request, indicator, definition_form, calendar_form, status=400)

    def _calendar(self, request, indicator, definition_form, form):
        data = form.cleaned_data
        organisations, unresolved = form.organisations()
        added = 0
        if organisations:
            try:
                added = actions.add_obligations(actor=request.user, indicator=indicator, organisations=organisations,
                                                starts_on=data["starts_on"], series=data["series"])
            except ValidationError as exc:
                _form_errors(form, exc)
                return self._render(request, indicator, definition_form, form, status=400)
        elif not unresolved:
            messages.warning(request, _("No organisation matched the choice; nothing was added."))
        if organisations:
            messages.success(request, _("%(added)d organisations were added to the reporting calendar "
                                        "(%(already)d were on it already).")
                             % {"added": added, "already": len({o.pk for o in organisations}) - added})
            kinds = LEVEL_KINDS.get(indicator.level)
            if kinds and any(o.kind not in kinds for o in organisations):
                messages.warning(request, _("Some of these organisations are not at the level where the "
                                            "indicator is reported (%(level)s).")
                                 % {"level": indicator.get_level_display()})
        if not unresolved:
            return redirect("indicators:settings", indicator.pk)
        # Keep the lines that were not understood in the box, with the reason for each.
        kept = CalendarForm({"calendar-who": CalendarForm.NAMED,
                             "calendar-names": "\n".join(text for text, _reason in unresolved),
                             "calendar-starts_on": request.POST.get("calendar-starts_on", ""),
                             "calendar-series": data["series"]}, prefix="calendar")
        kept.is_valid()
        for text, reason in unresolved:
            kept.add_error("names", _("“%(line)s”: %(reason)s") % {"line": text, "reason": reason})
        return self._render(request, indicator, definition_form, kept, status=400 if not organisations else 200)

    def _render(self, request, indicator, definition_form, calendar_form, status=200):
        obligations = ReportingObligation.objects.filter(indicator=indicator)
        kind_labels = dict(Kind.choices)
        by_kind = [(kind_labels.get(row["organisation__kind"], row["organisation__kind"]), row["n"])
                   for row in obligations.values("organisation__kind").annotate(n=Count("pk"))
                   .order_by("-n", "organisation__kind")]
        return render(request, "indicators/settings.html", {
            "indicator": indicator, "definition_form": definition_form, "calendar_form": calendar_form,
            "calendar_total": sum(n for _label, n in by_kind), "calendar_by_kind": by_kind,
            "calendar_rows": list(obligations.select_related("organisation")
                                  .order_by("organisation__path", "series")[:CALENDAR_LIST]),
            "calendar_list_size": CALENDAR_LIST,
        }, status=status)
