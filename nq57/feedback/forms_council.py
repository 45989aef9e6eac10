"""Forms of the council pages. They check the shape of the input; the rules live in `evaluation`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from nq57.accounts.models import User
from nq57.plans.forms import AgencyField, date_field
from nq57.plans.models import Plan

from .models import CouncilDecision, ExpertiseTag, Review, Rubric

CHOOSE = _("Choose…")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class AssignForm(forms.Form):
    reviewer = PersonChoiceField(label=_("Reviewer"), queryset=User.objects.none(), empty_label=CHOOSE,
                                 help_text=_("Advisory council members whose scope covers this file"))
    rubric = forms.ModelChoiceField(label=_("Rubric"), queryset=Rubric.objects.none(), required=False,
                                    empty_label=_("The default rubric"))

    def __init__(self, *args, reviewers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = reviewers if reviewers is not None else User.objects.none()
        self.fields["rubric"].queryset = Rubric.objects.order_by("-is_default", "-created_at", "-pk")


class ConflictForm(forms.Form):
    CHOICES = [("no", _("I have no conflict of interest with this file")),
               ("yes", _("I have a conflict of interest (the review ends here)"))]
    has_conflict = forms.ChoiceField(label=_("Conflict of interest"), choices=CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(label=_("If so, what is it?"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("e.g. you or your organisation took part in the initiative, or compete "
                                       "with it"))

    def clean_has_conflict(self):
        return self.cleaned_data["has_conflict"] == "yes"


class ScoreForm(forms.Form):
    """One radio group and one comment per criterion of the review's rubric; all optional here (a draft may be
    partial: the service requires every criterion on submit)."""

    comment = forms.CharField(label=_("Overall comment"), required=False, max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            choices = [(str(v), str(v)) for v in range(criterion.max_score + 1)]
            self.fields[f"criterion_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.label(), choices=choices, coerce=int, required=False, empty_value=None,
                widget=forms.RadioSelect(attrs={"class": "score-scale"}), help_text=criterion.guidance)
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on “%(criterion)s”") % {"criterion": criterion.label()}, required=False,
                max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
        self.order_fields([name for c in self.criteria for name in (f"criterion_{c.pk}", f"comment_{c.pk}")]
                          + ["comment"])

    def rows(self):
        """(criterion, score field, comment field) for the template."""
        return [(c, self[f"criterion_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def scores(self):
        data = self.cleaned_data
        return {c.pk: (data.get(f"criterion_{c.pk}"), data.get(f"comment_{c.pk}", "")) for c in self.criteria}

    @classmethod
    def initial_for(cls, review):
        initial = {"comment": review.comment}
        for score in review.scores.all():
            initial[f"criterion_{score.criterion_id}"] = str(score.value)
            initial[f"comment_{score.criterion_id}"] = score.comment
        return initial


class DecisionForm(forms.Form):
    recommendation = forms.ChoiceField(label=_("Recommendation"), choices=CouncilDecision.Recommendation.choices,
                                       widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("Sent to the submitter as the answer"))
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.none(), required=False, empty_label=CHOOSE,
                                  help_text=_("Adopt only: the plan the initiative becomes a task of"))
    task_code = forms.CharField(label=_("Task code"), max_length=30, required=False,
                                help_text=_("Adopt only; by default the tracking code"))
    task_title = forms.CharField(label=_("Task"), required=False, max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text=_("Adopt only; by default the title of the initiative"))
    lead = AgencyField(label=_("Lead agency"), required=False)
    deadline = date_field(_("Deadline"), required=False)

    def __init__(self, *args, plans=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans if plans is not None else Plan.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("recommendation") == CouncilDecision.Recommendation.ADOPT and not data.get("plan") \
                and "plan" not in self.errors:
            self.add_error("plan", _("Choose the plan the adopted initiative becomes a task of."))
        return data


class TagChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.label()


class ExpertForm(forms.Form):
    user = PersonChoiceField(label=_("Member"), queryset=User.objects.none(), empty_label=CHOOSE,
                             widget=forms.HiddenInput)
    tags = TagChoiceField(label=_("Expertise"), queryset=ExpertiseTag.objects.all(), required=False,
                          widget=forms.CheckboxSelectMultiple)
    affiliation = forms.CharField(label=_("Affiliation"), max_length=300, required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members if members is not None else User.objects.none()


class RubricForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    make_default = forms.BooleanField(label=_("Use it by default for new reviews"), required=False)


class CriterionForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40, required=False,
                           help_text=_("Letters, digits and hyphens; made from the name when empty"))
    name = forms.CharField(label=_("Criterion"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    guidance = forms.CharField(label=_("Guidance for reviewers"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))
    weight = forms.DecimalField(label=_("Weight"), min_value=0.01, max_value=999, max_digits=5, decimal_places=2)
    max_score = forms.IntegerField(label=_("Maximum score"), min_value=1, max_value=100, initial=5)


CriterionFormSet = forms.formset_factory(CriterionForm, extra=2, can_delete=True, max_num=20, validate_max=True,
                                         absolute_max=40)


def criteria_initial(rubric):
    return [{"code": c.code, "name": c.name, "name_en": c.name_en, "guidance": c.guidance, "weight": c.weight,
             "max_score": c.max_score} for c in rubric.criteria.all()]


def review_queryset():
    return Review.objects.select_related("submission", "submission__field", "submission__intake", "rubric",
                                         "reviewer")
