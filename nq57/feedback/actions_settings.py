"""Settings of feedback handling: answer templates (per agency), the taxonomy of fields, the deadline rules and
the days of the working-day calendar (the last three for the national standing office or administrators)."""

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from nq57.core.roles import Action

from .actions_base import CREATE, DELETE, UPDATE, audit, require_any, root_organisation, snap, text
from .models import AnswerTemplate, DeadlineRule, Field, Kind, Stage

MAX_WORKING_DAYS = 365


def require_settings(actor):
    """Taxonomy, rules and holidays are national: ASSIGN or CHANGE_ORG on the root of the organisation map."""
    root = root_organisation()
    require_any(actor, [(Action.ASSIGN, root), (Action.CHANGE_ORG, root)])


@transaction.atomic
def save_answer_template(*, actor, organisation, title, body, field=None, template=None):
    """Create or edit a reusable answer of an agency (REPORT or ASSIGN on it)."""
    if template is not None:
        require_any(actor, [(Action.REPORT, template.organisation), (Action.ASSIGN, template.organisation)])
    require_any(actor, [(Action.REPORT, organisation), (Action.ASSIGN, organisation)])
    title, body = text(title), text(body)
    errors = {}
    if not title:
        errors["title"] = _("Enter a title.")
    elif len(title) > 200:
        errors["title"] = _("At most %(max)d characters.") % {"max": 200}
    if not body:
        errors["body"] = _("Enter the text of the answer.")
    if field is not None and not isinstance(field, Field):
        errors["field"] = _("Choose a field.")
    if errors:
        raise ValidationError(errors)
    before = snap(template) if template is not None else None
    template = template or AnswerTemplate()
    template.organisation, template.title, template.body, template.field = organisation, title, body, field
    template.save()
    audit(actor, template, UPDATE if before else CREATE, before, "feedback_template_saved")
    return template


@transaction.atomic
def delete_answer_template(*, actor, template):
    require_any(actor, [(Action.REPORT, template.organisation), (Action.ASSIGN, template.organisation)])
    before = snap(template)
    audit(actor, template, DELETE, before, "feedback_template_deleted", after={})
    template.delete()


@transaction.atomic
def save_field(*, actor, code, name, name_en="", group="other", description="", active=True, sort_order=0,
               instance=None):
    """Create or edit a field of the taxonomy (ASSIGN on the root)."""
    require_settings(actor)
    code, name, name_en, description = text(code).lower(), text(name), text(name_en), text(description)
    errors = {}
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,49}", code):
        errors["code"] = _("Use lower-case letters without accents, digits and hyphens (at most 50).")
    elif Field.objects.filter(code=code).exclude(pk=getattr(instance, "pk", None)).exists():
        errors["code"] = _("Another field has this code.")
    if not name:
        errors["name"] = _("Enter the name.")
    elif len(name) > 200:
        errors["name"] = _("At most %(max)d characters.") % {"max": 200}
    if len(name_en) > 200:
        errors["name_en"] = _("At most %(max)d characters.") % {"max": 200}
    if group not in Field.Group.values:
        errors["group"] = _("Choose a group.")
    try:
        sort_order = int(sort_order or 0)
    except (TypeError, ValueError):
        errors["sort_order"] = _("Enter a whole number.")
    if errors:
        raise ValidationError(errors)
    before = snap(instance) if instance is not None else None
    field = instance or Field()
    field.code, field.name, field.name_en, field.group = code, name, name_en, group
    field.description, field.active, field.sort_order = description, bool(active), sort_order
    field.save()
    audit(actor, field, UPDATE if before else CREATE, before, "feedback_field_saved")
    return field


@transaction.atomic
def save_deadline_rule(*, actor, kind, stage, working_days, remind_before=2, escalate_after=3):
    """Set how many working days a stage may take (for one kind, or the default when `kind` is blank)."""
    require_settings(actor)
    kind = kind or ""
    errors = {}
    if kind and kind not in Kind.values:
        errors["kind"] = _("Choose a type, or none for the default rule.")
    if stage not in Stage.values:
        errors["stage"] = _("Choose a stage.")
    numbers = {}
    for name, value, low in (("working_days", working_days, 1), ("remind_before", remind_before, 0),
                             ("escalate_after", escalate_after, 0)):
        try:
            numbers[name] = int(value)
        except (TypeError, ValueError):
            errors[name] = _("Enter a whole number.")
            continue
        if not low <= numbers[name] <= MAX_WORKING_DAYS:
            errors[name] = _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": MAX_WORKING_DAYS}
    if not errors and numbers["remind_before"] >= numbers["working_days"]:
        errors["remind_before"] = _("The reminder must come before the deadline: fewer days than the limit.")
    if errors:
        raise ValidationError(errors)
    rule = DeadlineRule.objects.filter(kind=kind, stage=stage).first()
    before = snap(rule) if rule else None
    rule = rule or DeadlineRule(kind=kind, stage=stage)
    rule.working_days, rule.remind_before, rule.escalate_after = (numbers["working_days"], numbers["remind_before"],
                                                                  numbers["escalate_after"])
    rule.save()
    audit(actor, rule, UPDATE if before else CREATE, before, "feedback_rule_saved")
    return rule


@transaction.atomic
def save_holiday(*, actor, date, kind, name, note=""):
    """Add or change a day of the working-day calendar (ASSIGN or CHANGE_ORG on the root)."""
    from nq57.core.models import Holiday

    require_settings(actor)
    name, note = text(name), text(note)
    errors = {}
    if not isinstance(date, datetime.date):
        errors["date"] = _("Enter a date.")
    if kind not in Holiday.Kind.values:
        errors["kind"] = _("Choose whether it is a day off or a make-up working day.")
    elif isinstance(date, datetime.date) and kind == Holiday.Kind.WORKING_DAY and date.weekday() < 5:
        errors["kind"] = _("A make-up working day is a Saturday or a Sunday.")
    if not name:
        errors["name"] = _("Enter the name of the day.")
    elif len(name) > 200:
        errors["name"] = _("At most %(max)d characters.") % {"max": 200}
    if len(note) > 300:
        errors["note"] = _("At most %(max)d characters.") % {"max": 300}
    if errors:
        raise ValidationError(errors)
    holiday = Holiday.objects.filter(date=date).first()
    before = snap(holiday) if holiday else None
    holiday = holiday or Holiday(date=date)
    holiday.kind, holiday.name, holiday.note = kind, name, note
    holiday.save()
    audit(actor, holiday, UPDATE if before else CREATE, before, "holiday_saved")
    return holiday


@transaction.atomic
def delete_holiday(*, actor, holiday):
    require_settings(actor)
    before = snap(holiday)
    audit(actor, holiday, DELETE, before, "holiday_deleted", after={})
    holiday.delete()


__all__ = ["PermissionDenied"]
