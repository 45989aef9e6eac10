from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind

UNIT_KINDS = [
    (k.value, k.label) for k in (
        Kind.DEPARTMENT, Kind.PROVINCIAL_COMMITTEE, Kind.COMMUNE, Kind.WARD, Kind.SPECIAL_ZONE,
        Kind.GOVERNMENT_AGENCY, Kind.MINISTRY, Kind.MINISTERIAL_AGENCY, Kind.PARTY_BODY, Kind.STATE_BODY,
        Kind.ENTERPRISE, Kind.OTHER,
    )
]


class DetailsForm(forms.Form):
    short_name = forms.CharField(label=_("Short name"), max_length=80, required=False)
    name_en = forms.CharField(label=_("English name"), max_length=255, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")


class RenameForm(forms.Form):
    new_name = forms.CharField(label=_("New name"), max_length=255)
    effective_date = forms.DateField(label=_("Effective date"), help_text=_("dd/mm/yyyy"))
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=255, required=False,
                                  help_text=_("e.g. the decision number and date"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Merged into"), max_length=255,
                           help_text=_("The code or the name of the organisation that takes over"))
    effective_date = forms.DateField(label=_("Effective date"), help_text=_("dd/mm/yyyy"))
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=255, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    kind = forms.ChoiceField(label=_("Type"), choices=UNIT_KINDS)
    code = forms.SlugField(label=_("Code"), max_length=40, required=False,
                           help_text=_("Leave empty to generate one"))


class SplitForm(UnitForm):
    effective_date = forms.DateField(label=_("Effective date"), help_text=_("dd/mm/yyyy"))
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=255, required=False)
