"""Settings pages of feedback handling: the field taxonomy and the deadline rules (ASSIGN on the root), the
working-day calendar (ASSIGN or CHANGE_ORG on the root), and agencies' answer templates (REPORT on the agency).

Each page lists what there is and carries one form; every POST names an `operation` and calls one service
function of `nq57.feedback.actions`. A refusal comes back on the form with status 400, never a 500.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from nq57.core.models import Holiday
from nq57.core.permissions import can, can_anywhere, scope_paths, scope_q
from nq57.core.roles import Action
from nq57.core.text import fold
from nq57.orgs.models import Organisation

from .. import actions
from ..actions_base import root_organisation
from ..forms_staff import AnswerTemplateForm, DeadlineRuleForm, FieldForm, HolidayForm
from ..models import AnswerTemplate, DeadlineRule, Field, Kind, Stage
from .staff import MAX_ID, either, settings_menu

TEMPLATES_PAGE = 50


def _pk(value):
    """An id typed in a URL or a form, or None (never an int() that overflows the database)."""
    value = str(value or "")
    return int(value) if value.isdecimal() and len(value) < 12 else None


def _errors(form, exc):
    if hasattr(exc, "error_dict"):
        for name, texts in exc.message_dict.items():
            for text in texts:
                form.add_error(name if name in form.fields else None, text)
    else:
        for text in exc.messages:
            form.add_error(None, text)


def _require_root(user, *rights):
    root = root_organisation()
    if not any(can(user, right, root) for right in rights):
        raise PermissionDenied
    return root


# --- the field taxonomy ---------------------------------------------------------------------------------


class FieldsView(LoginRequiredMixin, View):
    """Every field of the taxonomy, grouped; add one, edit one, take one off the public form."""

    def _render(self, request, form, editing=None, status=200):
        fields = list(Field.objects.all())
        groups = [{"label": label, "fields": [f for f in fields if f.group == value]}
                  for value, label in Field.Group.choices]
        return render(request, "feedback/staff/fields.html",
                      {"groups": groups, "form": form, "editing": editing,
                       "settings_menu": settings_menu(request.user)}, status=status)

    def get(self, request):
        _require_root(request.user, Action.ASSIGN)
        editing = None
        if (pk := _pk(request.GET.get("edit"))) is not None:
            editing = Field.objects.filter(pk=pk).first()
        form = FieldForm(initial=FieldForm.initial_for(editing) if editing else {"active": True, "sort_order": 0})
        return self._render(request, form, editing)

    def post(self, request):
        _require_root(request.user, Action.ASSIGN)
        operation = request.POST.get("operation", "save")
        editing = None
        if request.POST.get("field"):
            editing = Field.objects.filter(pk=_pk(request.POST["field"])).first()
            if editing is None:
                messages.error(request, _("This item no longer exists."))
                return self._render(request, FieldForm(), status=400)
        if operation in ("deactivate", "activate") and editing is not None:
            data = FieldForm.initial_for(editing)
            data["active"] = operation == "activate"
            try:
                actions.save_field(actor=request.user, instance=editing, **data)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return self._render(request, FieldForm(), status=400)
            messages.success(request, _("The field is offered on the form again.") if data["active"]
                             else _("The field is no longer offered on the form; submissions keep it."))
            return redirect("feedback:fields")
        if operation != "save":
            messages.error(request, _("Unknown operation."))
            return self._render(request, FieldForm(), status=400)
        form = FieldForm(request.POST)
        if form.is_valid():
            try:
                actions.save_field(actor=request.user, instance=editing, **form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("feedback:fields")
        return self._render(request, form, editing, status=400)


# --- deadline rules -------------------------------------------------------------------------------------


class RulesView(LoginRequiredMixin, View):
    """The working days each stage may take, per type of submission (a blank type is the default)."""

    def _render(self, request, form, status=200):
        rules = {(r.kind, r.stage): r for r in DeadlineRule.objects.all()}
        kinds = [("", _("Every type (default)"))] + list(Kind.choices)
        rows = [{"stage": value, "label": label,
                 "cells": [{"kind": kind, "rule": rules.get((kind, value))} for kind, _k in kinds]}
                for value, label in Stage.choices]
        return render(request, "feedback/staff/rules.html",
                      {"rows": rows, "kinds": kinds, "form": form,
                       "settings_menu": settings_menu(request.user)}, status=status)

    def get(self, request):
        _require_root(request.user, Action.ASSIGN)
        kind, stage = request.GET.get("kind", ""), request.GET.get("stage", "")
        rule = DeadlineRule.objects.filter(kind=kind, stage=stage).first() if stage in Stage.values else None
        initial = DeadlineRuleForm.initial_for(rule) if rule else {"kind": kind if kind in Kind.values else "",
                                                                    "stage": stage if stage in Stage.values else "",
                                                                    "remind_before": 2, "escalate_after": 3}
        return self._render(request, DeadlineRuleForm(initial=initial))

    def post(self, request):
        _require_root(request.user, Action.ASSIGN)
        form = DeadlineRuleForm(request.POST)
        if form.is_valid():
            try:
                actions.save_deadline_rule(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Saved. Deadlines already set are kept; the rule applies from each "
                                            "submission's next step."))
                return redirect("feedback:rules")
        return self._render(request, form, status=400)


# --- answer templates -----------------------------------------------------------------------------------


def _require_reporter(user):
    """Templates are written by the agencies (REPORT) and by standing offices (ASSIGN) for the bodies below."""
    if not (can_anywhere(user, Action.REPORT) or can_anywhere(user, Action.ASSIGN)):
        raise PermissionDenied


def _may_write(user, template):
    return can(user, Action.REPORT, template) or can(user, Action.ASSIGN, template)


def _default_agency(user):
    """The user's own organisation if they report for it, else the highest one they report for."""
    home = getattr(user, "organisation", None)
    if home is not None and _may_write(user, home):
        return home.code
    paths = scope_paths(user, Action.REPORT) or scope_paths(user, Action.ASSIGN)
    if paths:
        highest = Organisation.objects.filter(path=min(paths, key=len)).first()
        return highest.code if highest else ""
    return ""


class TemplatesView(LoginRequiredMixin, View):
    """The answer templates of the user's agencies, and a form to add one."""

    def _render(self, request, form, status=200):
        templates = (AnswerTemplate.objects.filter(either(scope_q(request.user, Action.REPORT, "organisation__path"),
                                                          scope_q(request.user, Action.ASSIGN, "organisation__path")))
                     .select_related("organisation", "field").order_by("organisation__path", "title", "pk"))
        page = Paginator(templates, TEMPLATES_PAGE).get_page(request.GET.get("page"))
        return render(request, "feedback/staff/templates.html",
                      {"page": page, "form": form, "settings_menu": settings_menu(request.user)}, status=status)

    def get(self, request):
        _require_reporter(request.user)
        return self._render(request, AnswerTemplateForm(initial={"organisation": _default_agency(request.user)}))

    def post(self, request):
        _require_reporter(request.user)
        form = AnswerTemplateForm(request.POST)
        if form.is_valid():
            try:
                template = actions.save_answer_template(actor=request.user, **form.cleaned_data)
            except PermissionDenied:
                form.add_error("organisation", _("You do not report for this agency."))
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("The template was saved."))
                return redirect("feedback:template_edit", template.pk)
        return self._render(request, form, status=400)


class TemplateEditView(LoginRequiredMixin, View):
    def _template(self, request, pk):
        if not 0 < pk <= MAX_ID:
            raise Http404
        template = get_object_or_404(AnswerTemplate.objects.select_related("organisation", "field"), pk=pk)
        if not _may_write(request.user, template):
            raise PermissionDenied
        return template

    def _render(self, request, template, form, status=200):
        return render(request, "feedback/staff/template_edit.html", {"template": template, "form": form},
                      status=status)

    def get(self, request, pk):
        template = self._template(request, pk)
        return self._render(request, template, AnswerTemplateForm(initial=AnswerTemplateForm.initial_for(template)))

    def post(self, request, pk):
        template = self._template(request, pk)
        if request.POST.get("operation") == "delete":
            actions.delete_answer_template(actor=request.user, template=template)
            messages.success(request, _("The template was deleted."))
            return redirect("feedback:templates")
        form = AnswerTemplateForm(request.POST)
        if form.is_valid():
            try:
                actions.save_answer_template(actor=request.user, template=template, **form.cleaned_data)
            except PermissionDenied:
                form.add_error("organisation", _("You do not report for this agency."))
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("The template was saved."))
                return redirect("feedback:template_edit", template.pk)
        return self._render(request, template, form, status=400)


# --- the working-day calendar ---------------------------------------------------------------------------

FIRST_YEAR, LAST_YEAR = 1990, 2200


def _provisional(holiday):
    return "du kien" in fold(f"{holiday.name} {holiday.note}")


def _is_tet(holiday):
    return holiday.kind == Holiday.Kind.DAY_OFF and "nguyen dan" in fold(holiday.name)


class HolidaysView(LoginRequiredMixin, View):
    """The days off and make-up working days of one year, with their weekday; warns when next year has no Tết."""

    def _year(self, request):
        value = _pk(request.GET.get("year"))
        today = timezone.localdate()
        return value if value is not None and FIRST_YEAR <= value <= LAST_YEAR else today.year

    def _render(self, request, year, form, editing=None, status=200):
        today = timezone.localdate()
        days = list(Holiday.objects.filter(date__year=year).order_by("date"))
        for day in days:
            day.provisional = _provisional(day)
        years_with_tet = {h.date.year for h in Holiday.objects.filter(
            date__year__in=[today.year, today.year + 1], kind=Holiday.Kind.DAY_OFF) if _is_tet(h)}
        missing_tet = [y for y in (today.year, today.year + 1) if y not in years_with_tet]
        years = sorted({d.year for d in Holiday.objects.dates("date", "year")} | {today.year, today.year + 1, year})
        return render(request, "feedback/staff/holidays.html", {
            "year": year, "days": days, "years": years, "form": form, "editing": editing,
            "missing_tet": missing_tet, "any_provisional": any(d.provisional for d in days),
            "days_off": sum(1 for d in days if d.kind == Holiday.Kind.DAY_OFF),
            "working_days": sum(1 for d in days if d.kind == Holiday.Kind.WORKING_DAY),
            "settings_menu": settings_menu(request.user),
        }, status=status)

    def get(self, request):
        _require_root(request.user, Action.ASSIGN, Action.CHANGE_ORG)
        year, editing = self._year(request), None
        if (pk := _pk(request.GET.get("edit"))) is not None:
            editing = Holiday.objects.filter(pk=pk).first()
        if editing is not None:
            year = editing.date.year
        initial = HolidayForm.initial_for(editing) if editing else {"kind": Holiday.Kind.DAY_OFF}
        return self._render(request, year, HolidayForm(initial=initial), editing)

    def post(self, request):
        _require_root(request.user, Action.ASSIGN, Action.CHANGE_ORG)
        year = self._year(request)
        editing = None
        if request.POST.get("holiday"):
            editing = Holiday.objects.filter(pk=_pk(request.POST["holiday"])).first()
            if editing is None:
                messages.error(request, _("This item no longer exists."))
                return self._render(request, year, HolidayForm(), status=400)
        if request.POST.get("operation") == "delete":
            if editing is None:
                messages.error(request, _("This item no longer exists."))
                return self._render(request, year, HolidayForm(), status=400)
            actions.delete_holiday(actor=request.user, holiday=editing)
            messages.success(request, _("The day was removed from the calendar."))
            return redirect(f"{request.path}?year={editing.date.year}")
        form = HolidayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            clash = Holiday.objects.filter(date=data["date"]).exclude(pk=editing.pk if editing else None).first()
            if clash is not None:
                form.add_error("date", _("This date is already on the calendar (%(name)s); edit that day instead.")
                               % {"name": clash.name})
            else:
                try:
                    with transaction.atomic():
                        if editing is not None and editing.date != data["date"]:
                            actions.delete_holiday(actor=request.user, holiday=editing)
                        actions.save_holiday(actor=request.user, **data)
                except ValidationError as exc:
                    _errors(form, exc)
                else:
                    messages.success(request, _("Saved. Deadlines already set are kept; the calendar applies to "
                                                "the next step of each submission."))
                    return redirect(f"{request.path}?year={data['date'].year}")
        chosen = getattr(form, "cleaned_data", {}).get("date")
        return self._render(request, chosen.year if chosen else year, form, editing, status=400)
