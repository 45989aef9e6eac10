"""Writes to the KPI index: indicators, targets and baselines (versioned), the reporting calendar, values
and their approval, API tokens.

Every function takes a keyword-only `actor` (None for the system, imports and the demo loader), runs in
one transaction, checks permission through `can()` first, validates with translatable messages, writes
an audit row, and defers side effects (notifications, e-mail) with `transaction.on_commit`.

Who may: indicators, targets, baselines and the reporting calendar need ASSIGN on the indicator's owner
(a standing office above it qualifies, since a grant reaches its subtree); entering and submitting a
value needs REPORT on its organisation; approving or returning it needs APPROVE there.
"""

import datetime
import hashlib
import secrets

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.audit.models import AuditEvent
from nq57.audit.services import flush_buffer, record, snapshot
from nq57.core.permissions import can
from nq57.core.roles import Action
from nq57.core.text import fold
from nq57.notifications.services import notify

from . import periods, rollups, validation
from .models import (ApiToken, Baseline, Indicator, IndicatorValue, Milestone, Rag, ReportingObligation, Target)

CREATE, UPDATE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE
V = IndicatorValue.Status
EDITABLE = (V.DRAFT, V.RETURNED)
TOKEN_PREFIX = "nq57_"


def _require(actor, action, obj):
    if actor is not None and not can(actor, action, obj):
        raise PermissionDenied


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _text(value):
    # PostgreSQL refuses NUL in text; no one means to store it.
    return str(value or "").replace("\x00", "").strip()


def _people_with(action, organisation):
    # The plans app already finds the nearest holders of a right in one query; reuse it.
    from nq57.plans.actions import people_with

    return people_with(action, organisation)


def _others(users, actor):
    seen, kept = set(), []
    for user in users:
        if user is None or user.pk in seen or (actor is not None and user.pk == getattr(actor, "pk", None)):
            continue
        seen.add(user.pk)
        kept.append(user)
    return kept


def _org_label(organisation):
    return organisation.short_name or organisation.name


def _value_url(value):
    return reverse("indicators:value", args=[value.pk])


# --- Indicators ------------------------------------------------------------------------------------

INDICATOR_FIELDS = {f.name for f in Indicator._meta.concrete_fields} - {
    "id", "owner", "code", "name", "source_plan", "search_text", "created_at", "updated_at"}


def _search_text(indicator):
    return " ".join(filter(None, [fold(indicator.code), fold(indicator.name), fold(indicator.name_en),
                                  fold(indicator.owner_text)]))


def _check_indicator(indicator):
    errors = {}
    if not _text(indicator.code):
        errors["code"] = _("Enter the indicator's code, e.g. 11.1.")
    if not _text(indicator.name):
        errors["name"] = _("Enter the indicator's name.")
    for name in ("value_type", "direction", "accumulation", "frequency", "aggregation", "level", "layer"):
        choices = dict(Indicator._meta.get_field(name).choices)
        if getattr(indicator, name) not in choices:
            errors[name] = _("Choose one of the listed options.")
    low, high = indicator.min_value, indicator.max_value
    if low is not None and high is not None and low > high:
        errors["max_value"] = _("The highest valid value must not be below the lowest.")
    if indicator.ratio_scale is None or indicator.ratio_scale <= 0:
        errors["ratio_scale"] = _("The ratio scale must be positive (100 for a percentage).")
    if indicator.parent_id and indicator.parent_id == indicator.pk:
        errors["parent"] = _("An indicator cannot be its own parent.")
    if errors:
        raise ValidationError(errors)
    duplicates = Indicator.objects.filter(code=indicator.code.strip()).exclude(pk=indicator.pk)
    duplicates = (duplicates.filter(source_plan=indicator.source_plan) if indicator.source_plan_id
                  else duplicates.filter(source_plan__isnull=True, owner=indicator.owner))
    if duplicates.exists():
        raise ValidationError({"code": _("Another indicator already has the code %(code)s.")
                               % {"code": indicator.code}})


@transaction.atomic
def create_indicator(*, actor, owner, code, name, source_plan=None, **fields):
    """A new indicator; `fields` are Indicator model fields. Needs ASSIGN on `owner` (or actor None)."""
    _require(actor, Action.ASSIGN, owner)
    tasks = fields.pop("tasks", None)
    unknown = set(fields) - INDICATOR_FIELDS
    if unknown:
        raise TypeError(f"unknown indicator fields: {', '.join(sorted(unknown))}")
    indicator = Indicator(owner=owner, code=_text(code), name=_text(name), source_plan=source_plan, **fields)
    _check_indicator(indicator)
    indicator.search_text = _search_text(indicator)
    indicator.save()
    if tasks:
        indicator.tasks.set(tasks)
    record(actor=actor, obj=indicator, action=CREATE, after=snapshot(indicator), verb="indicator_created")
    return indicator


@transaction.atomic
def update_indicator(*, actor, indicator, **fields):
    """Change an indicator's definition; moving it to another owner needs ASSIGN on both owners."""
    _require(actor, Action.ASSIGN, indicator)
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    tasks = fields.pop("tasks", None)
    allowed = INDICATOR_FIELDS | {"owner", "code", "name", "source_plan"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown indicator fields: {', '.join(sorted(unknown))}")
    if "owner" in fields and fields["owner"] != indicator.owner:
        _require(actor, Action.ASSIGN, fields["owner"])
    before = snapshot(indicator)
    for name, value in fields.items():
        setattr(indicator, name, value.strip() if name in ("code", "name") and isinstance(value, str) else value)
    _check_indicator(indicator)
    indicator.search_text = _search_text(indicator)
    indicator.save()
    if tasks is not None:
        indicator.tasks.set(tasks)
    after = snapshot(indicator)
    if after != before or tasks is not None:
        record(actor=actor, obj=indicator, action=UPDATE, before=before, after=after, verb="indicator_updated")
    return indicator


# --- Targets and baselines (versioned) -----------------------------------------------------------------


def _milestones(milestones):
    """[(date, value)] or [(date, value, text)] → [(date, Decimal|None, text)], sorted by date."""
    rows = []
    for item in milestones or ():
        item = tuple(item)
        if len(item) not in (2, 3) or not isinstance(item[0], datetime.date):
            raise ValidationError({"milestones": _("Each milestone needs a date and a value or a description.")})
        try:
            number = validation.to_decimal(item[1])
        except ValueError:
            raise ValidationError({"milestones": _("A milestone's value must be a number.")}) from None
        text = _text(item[2]) if len(item) == 3 else ""
        if number is None and not text:
            raise ValidationError({"milestones": _("Each milestone needs a date and a value or a description.")})
        rows.append((item[0], number, text))
    return sorted(rows, key=lambda r: r[0])


def _target_snapshot(target):
    data = snapshot(target)
    data["milestones"] = [[m.date.isoformat(), None if m.value is None else str(m.value), m.text]
                          for m in target.milestones.all()]
    return data


def _retire(version):
    """Take a target or baseline out of force; the row is kept as an earlier version."""
    version.is_current = False
    version.superseded_at = timezone.now()
    version.save(update_fields=["is_current", "superseded_at"])


@transaction.atomic
def set_target(*, actor, indicator, year, comparator, value=None, value_high=None, series="", organisation=None,
               text="", milestones=(), reason=""):
    """Set the current target for (indicator, organisation, series, year). Replacing an existing one needs a
    `reason`: the old row is kept (is_current=False, superseded_at) and audited. milestones: [(date, value)]
    or [(date, value, text)]. Setting the same target again changes nothing."""
    _require(actor, Action.ASSIGN, indicator)
    series, text, reason = _text(series), _text(text), _text(reason)
    errors = {}
    if comparator not in Target.Comparator.values:
        errors["comparator"] = _("Choose a comparator.")
    try:
        year = int(year)
        if not 1900 <= year <= 2200:
            raise ValueError
    except (TypeError, ValueError):
        errors["year"] = _("Enter the target year, e.g. 2030.")
    try:
        value, value_high = validation.to_decimal(value), validation.to_decimal(value_high)
    except ValueError:
        errors["value"] = _("The target value must be a number.")
    if not errors:
        if comparator == Target.Comparator.QUALITATIVE:
            if not text:
                errors["text"] = _("Describe the qualitative target.")
        elif value is None:
            errors["value"] = _("Enter the target value.")
        if comparator == Target.Comparator.BETWEEN and (value_high is None or value is None or value_high < value):
            errors["value_high"] = _("Enter an upper bound not below the lower one.")
    if errors:
        raise ValidationError(errors)
    rows = _milestones(milestones)
    current = (Target.objects.select_for_update().filter(indicator=indicator, organisation=organisation, series=series,
                                                         year=year, is_current=True).first())
    if current is not None:
        same = (current.comparator == comparator and current.value == value and current.value_high == value_high
                and current.text == text
                and [(m.date, m.value, m.text) for m in current.milestones.all()] == rows)
        if same:
            return current
        if not reason:
            raise ValidationError({"reason": _("Say why the target is changed; the old target is kept.")})
        before = _target_snapshot(current)
        _retire(current)
    target = Target.objects.create(
        indicator=indicator, organisation=organisation, series=series, year=year, comparator=comparator,
        value=value, value_high=value_high, text=text, reason=reason,
        version=current.version + 1 if current else 1, created_by=_user(actor))
    Milestone.objects.bulk_create([Milestone(target=target, date=d, value=v, text=t) for d, v, t in rows])
    if current is not None:
        record(actor=actor, obj=target, action=UPDATE, before=before, after=_target_snapshot(target),
               verb="target_changed")
    else:
        record(actor=actor, obj=target, action=CREATE, after=_target_snapshot(target), verb="target_set")
    _refresh_after_context_change(indicator, series)
    return target


@transaction.atomic
def set_baseline(*, actor, indicator, value, as_of, series="", organisation=None, source="", reason=""):
    """Set the current baseline; re-baselining needs a `reason` and keeps the old version."""
    _require(actor, Action.ASSIGN, indicator)
    series, source, reason = _text(series), _text(source), _text(reason)
    errors = {}
    try:
        value = validation.to_decimal(value)
    except ValueError:
        errors["value"] = _("The baseline must be a number.")
    else:
        if value is None:
            errors["value"] = _("Enter the baseline value.")
    if not isinstance(as_of, datetime.date):
        errors["as_of"] = _("Enter the date of the baseline.")
    if errors:
        raise ValidationError(errors)
    current = (Baseline.objects.select_for_update().filter(indicator=indicator, organisation=organisation,
                                                           series=series, is_current=True).first())
    if current is not None:
        if current.value == value and current.as_of == as_of and current.source == source:
            return current
        if not reason:
            raise ValidationError({"reason": _("Say why the baseline is changed; the old baseline is kept.")})
        before = snapshot(current)
        _retire(current)
    baseline = Baseline.objects.create(indicator=indicator, organisation=organisation, series=series, value=value,
                                       as_of=as_of, source=source, reason=reason,
                                       version=current.version + 1 if current else 1, created_by=_user(actor))
    if current is not None:
        record(actor=actor, obj=baseline, action=UPDATE, before=before, after=snapshot(baseline),
               verb="baseline_changed")
    else:
        record(actor=actor, obj=baseline, action=CREATE, after=snapshot(baseline), verb="baseline_set")
    _refresh_after_context_change(indicator, series)
    return baseline


def _refresh_after_context_change(indicator, series):
    """Roll-ups depend on targets, baselines and the calendar: recompute the stored ones, if any."""
    if indicator.rollups.filter(series=series).exists():
        rollups.refresh_indicator(indicator, series=series)


# --- The reporting calendar --------------------------------------------------------------------------


@transaction.atomic
def add_obligations(*, actor, indicator, organisations, starts_on, series="", ends_on=None):
    """Put organisations on the reporting calendar of `indicator`; returns how many were added (idempotent)."""
    _require(actor, Action.ASSIGN, indicator)
    series = _text(series)
    if not isinstance(starts_on, datetime.date):
        raise ValidationError({"starts_on": _("Enter the date reporting starts.")})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("Reporting cannot end before it starts.")})
    organisations = {o.pk: o for o in organisations}
    existing = set(ReportingObligation.objects.filter(indicator=indicator, series=series,
                                                      organisation_id__in=list(organisations))
                   .values_list("organisation_id", flat=True))
    new = [ReportingObligation(indicator=indicator, organisation=o, series=series, starts_on=starts_on, ends_on=ends_on)
           for pk, o in organisations.items() if pk not in existing]
    ReportingObligation.objects.bulk_create(new, batch_size=1000)
    if new:
        # One audit row on the indicator: a calendar for 3,321 communes is one decision, not 3,321.
        record(actor=actor, obj=indicator, action=UPDATE, verb="obligations_added",
               after={"series": series, "starts_on": starts_on.isoformat(),
                      "ends_on": ends_on.isoformat() if ends_on else None,
                      "organisations": sorted(o.organisation.code for o in new)})
        _refresh_after_context_change(indicator, series)  # roll-ups count who is expected to report
    return len(new)


# --- Values and their approval -----------------------------------------------------------------------


def _raise(errors):
    raise ValidationError({name: messages for name, messages in errors.items()})


def _lock_rows(indicator, organisation, series, period_end, batch=None):
    """(current row, pending correction) for one (indicator, organisation, series, period), locked; with a
    batch, all of the organisation's rows are locked and read once."""
    if batch is not None:
        if organisation.pk not in batch.rows:
            found = {}
            for row in (IndicatorValue.objects.select_for_update().filter(organisation=organisation)
                        .exclude(status=V.SUPERSEDED).order_by("-version")):
                found.setdefault((row.indicator_id, row.series, row.period_end), []).append(row)
            batch.rows[organisation.pk] = found
        rows = batch.rows[organisation.pk].get((indicator.pk, series, period_end), [])
    else:
        rows = list(IndicatorValue.objects.select_for_update()
                    .filter(indicator=indicator, organisation=organisation, series=series, period_end=period_end)
                    .exclude(status=V.SUPERSEDED).order_by("-version"))
    current = next((r for r in rows if r.is_current), None)
    pending = next((r for r in rows if not r.is_current), None)
    return current, pending


def _remember(batch, row):
    if batch is not None and row.organisation_id in batch.rows:
        rows = batch.rows[row.organisation_id].setdefault((row.indicator_id, row.series, row.period_end), [])
        if row not in rows:
            rows.insert(0, row)


def _unconfirmed(flags, confirm_flags, flag_note):
    """The error for submitting a flagged value without confirming it with a note, or None."""
    if flags and not (confirm_flags and flag_note):
        lines = "; ".join(f["message"] for f in flags)
        error = ValidationError(
            _("Check the flagged value, then confirm it with a note explaining it: %(warnings)s") % {"warnings": lines},
            code="unconfirmed_flags")
        error.warnings = flags
        return error
    return None


def _submission(value, actor, today):
    """Set the submission fields of `value` (not saved)."""
    indicator = value.indicator
    period = periods.period_containing(value.period_end, indicator.frequency)
    value.status = V.SUBMITTED
    value.submitted_at = timezone.now()
    value.submitted_by = _user(actor)
    value.due_on = periods.due_date(period, indicator.due_days)
    value.submitted_on_time = today <= value.due_on + datetime.timedelta(days=indicator.grace_days)


@transaction.atomic
def save_value(*, actor, indicator, organisation, period, series="", value=None, numerator=None, denominator=None,
               weight=None, progress="", not_available=False, not_available_reason="", self_rating="", note="",
               flag_note="", source="web", submit=False, confirm_flags=False, correction_reason="", today=None,
               batch=None, notify_approvers=True):
    """Create or update the value of `organisation` for `period` (a periods.Period); submit it when `submit`.

    Hard errors raise ValidationError (field-keyed): wrong type, out of range, period not ended, no
    obligation, not-available without a reason, an approved value changed without `correction_reason`.
    Warnings (outliers against own history or peers, jumps) are stored in `flags`; submitting a flagged
    value needs `confirm_flags=True` and a `flag_note`, else ValidationError with code "unconfirmed_flags".
    Correcting an approved value creates a new version (is_current stays on the approved one until the
    new version is approved). A second save for the same period updates the draft or returned row.
    Every refusal is raised before anything is written. Returns the IndicatorValue written.

    Many values in one go (an upload, an API list): pass one `validation.Batch()` to every call, so reads
    are shared and the agency head is told once per organisation rather than once per value.
    """
    _require(actor, Action.REPORT, organisation)
    today = today or timezone.localdate()
    series = _text(series)
    not_available = bool(not_available)
    checked = validation.check(indicator, organisation, period, series=series, value=value, numerator=numerator,
                               denominator=denominator, weight=weight, progress=_text(progress),
                               not_available=not_available, not_available_reason=not_available_reason, today=today,
                               batch=batch)
    errors = dict(checked.errors)
    self_rating = _text(self_rating)
    if self_rating and self_rating not in Rag.values:
        errors.setdefault("self_rating", []).append(_("Choose green, amber or red."))
    if source not in IndicatorValue.Source.values:
        source = IndicatorValue.Source.WEB
    current, pending = _lock_rows(indicator, organisation, series, period.end, batch)
    working = pending or (current if current is not None and current.status != V.APPROVED else None)
    correction_reason = _text(correction_reason)
    if working is not None and working.status == V.SUBMITTED:
        errors.setdefault(NON_FIELD_ERRORS, []).append(_("This value is already submitted, awaiting approval."))
    elif working is None and current is not None and not correction_reason:
        errors.setdefault("correction_reason", []).append(
            _("This value is approved: a correction needs a reason, and is kept as a new version."))
    if errors:
        _raise(errors)
    flag_note = _text(flag_note) or (working.flag_note if working is not None else "")
    if submit and (error := _unconfirmed(checked.warnings, confirm_flags, flag_note)):
        raise error

    fields = {
        "value": checked.value, "numerator": checked.numerator, "denominator": checked.denominator,
        "weight": checked.weight, "progress": checked.progress, "not_available": not_available,
        "not_available_reason": _text(not_available_reason) if not_available else "",
        "self_rating": self_rating, "note": _text(note), "flags": checked.warnings,
        "flag_note": flag_note, "source": source, "period_start": period.start,
    }
    verb = "value_submitted" if submit else "value_saved"
    if working is not None:
        before = snapshot(working)
        for name, new in fields.items():
            setattr(working, name, new)
        if working.supersedes_id and correction_reason:
            working.correction_reason = correction_reason
        row = working
        if submit:
            _submission(row, actor, today)
        row.save()
        record(actor=actor, obj=row, action=UPDATE, before=before, after=snapshot(row), verb=verb,
               buffer=batch.audit if batch is not None else None)
    else:
        row = IndicatorValue(
            indicator=indicator, organisation=organisation, series=series, period_end=period.end,
            created_by=_user(actor), is_current=current is None, supersedes=current,
            version=current.version + 1 if current else 1,
            correction_reason=correction_reason if current else "", **fields)
        if submit:
            _submission(row, actor, today)
        verb = "value_corrected" if current and not submit else verb
        if batch is not None and batch.pending is not None:
            # A bulk writer (the XLSX upload) inserts the new rows and their audit rows with flush_pending.
            batch.pending.append((row, actor, verb))
        else:
            row.save(force_insert=True)
            record(actor=actor, obj=row, action=CREATE, after=snapshot(row), verb=verb,
                   buffer=batch.audit if batch is not None else None)
        _remember(batch, row)
    if submit and notify_approvers:
        _tell_approvers(row, actor, batch)
    return row


@transaction.atomic
def submit_value(*, actor, value, confirm_flags=False, flag_note="", today=None, notify_approvers=True):
    """Send a draft or returned value to the agency head; warnings (recomputed now) must be confirmed with a note."""
    _require(actor, Action.REPORT, value)
    value = IndicatorValue.objects.select_for_update().select_related("indicator", "organisation").get(pk=value.pk)
    if value.status not in EDITABLE:
        raise ValidationError(_("Only a draft or a returned value can be submitted."))
    before = snapshot(value)
    today = today or timezone.localdate()
    if value.period_end >= today:
        raise ValidationError({"period": _("The period has not ended.")})
    if value.indicator.is_numeric and not value.not_available:
        value.flags = validation.warnings_for(value.indicator, value.organisation,
                                              periods.period_containing(value.period_end, value.indicator.frequency),
                                              value.series, value.value)
    flag_note = _text(flag_note) or value.flag_note
    if error := _unconfirmed(value.flags, confirm_flags, flag_note):
        raise error
    value.flag_note = flag_note
    _submission(value, actor, today)
    value.save()
    record(actor=actor, obj=value, action=UPDATE, before=before, after=snapshot(value), verb="value_submitted")
    if notify_approvers:
        _tell_approvers(value, actor, None)
    return value


def flush_pending(batch):
    """Insert the new values a batch collected (see validation.Batch.pending) and their audit rows, in bulk.
    Call it inside the transaction the values were saved in."""
    if not batch.pending:
        return
    IndicatorValue.objects.bulk_create([row for row, _actor, _verb in batch.pending], batch_size=500)
    buffer = batch.audit if batch.audit is not None else []
    for row, actor, verb in batch.pending:
        record(actor=actor, obj=row, action=CREATE, after=snapshot(row), verb=verb, buffer=buffer)
    batch.pending.clear()
    flush_buffer(buffer)


def _tell_approvers(value, actor, batch):
    """Tell the agency head a value awaits approval; within a batch, once per organisation."""
    if batch is not None:
        if value.organisation_id in batch.notified:
            return
        batch.notified.add(value.organisation_id)
        title = format_lazy(gettext_lazy("Values reported by {agency} await your approval"),
                            agency=_org_label(value.organisation))
        url, body = reverse("indicators:inbox"), ""
    else:
        period = periods.period_containing(value.period_end, value.indicator.frequency)
        title = format_lazy(gettext_lazy("Value of indicator {code} for {period} by {agency} awaits your approval"),
                            code=value.indicator.code, period=period.label, agency=_org_label(value.organisation))
        url, body = _value_url(value), value.indicator.name[:500]
    notify(_others(_people_with(Action.APPROVE, value.organisation), actor), kind="value_submitted", title=title,
           body=body, url=url)


@transaction.atomic
def approve_value(*, actor, value):
    """The agency head (APPROVE on the value's organisation) approves; a correction replaces the version it
    supersedes; roll-ups are refreshed in the same transaction."""
    _require(actor, Action.APPROVE, value)
    value = IndicatorValue.objects.select_for_update().select_related("indicator", "organisation").get(pk=value.pk)
    if value.status != V.SUBMITTED:
        raise ValidationError(_("Only a submitted value can be approved."))
    if not value.is_current:
        # The partial unique index allows one current row: retire the old version before promoting the new.
        for old in (IndicatorValue.objects.select_for_update()
                    .filter(indicator=value.indicator, organisation=value.organisation, series=value.series,
                            period_end=value.period_end, is_current=True).exclude(pk=value.pk)):
            old_before = snapshot(old)
            old.status, old.is_current = V.SUPERSEDED, False
            old.save(update_fields=["status", "is_current", "updated_at"])
            record(actor=actor, obj=old, action=UPDATE, before=old_before, after=snapshot(old),
                   verb="value_superseded")
    before = snapshot(value)
    value.status = V.APPROVED
    value.is_current = True
    value.reviewed_by = _user(actor)
    value.reviewed_at = timezone.now()
    value.save()
    record(actor=actor, obj=value, action=UPDATE, before=before, after=snapshot(value), verb="value_approved")
    rollups.refresh_rollups(value.indicator, value.period_end, value.organisation, value.series)
    period = periods.period_containing(value.period_end, value.indicator.frequency)
    title = format_lazy(gettext_lazy("Your value of indicator {code} for {period} was approved"),
                        code=value.indicator.code, period=period.label)
    notify(_others([value.submitted_by], actor), kind="value_approved", title=title, url=_value_url(value))
    return value


@transaction.atomic
def return_value(*, actor, value, comment):
    """Send a submitted value back with a comment (required)."""
    _require(actor, Action.APPROVE, value)
    value = IndicatorValue.objects.select_for_update().select_related("indicator", "organisation").get(pk=value.pk)
    comment = _text(comment)
    if value.status != V.SUBMITTED:
        raise ValidationError(_("Only a submitted value can be returned."))
    if not comment:
        raise ValidationError({"comment": _("Say what must be corrected.")})
    before = snapshot(value)
    value.status = V.RETURNED
    value.review_comment = comment
    value.reviewed_by = _user(actor)
    value.reviewed_at = timezone.now()
    value.save()
    record(actor=actor, obj=value, action=UPDATE, before=before, after=snapshot(value), verb="value_returned")
    period = periods.period_containing(value.period_end, value.indicator.frequency)
    title = format_lazy(gettext_lazy("Your value of indicator {code} for {period} was returned"),
                        code=value.indicator.code, period=period.label)
    notify(_others([value.submitted_by or value.created_by], actor), kind="value_returned", title=title,
           body=comment, url=_value_url(value))
    return value


# --- API tokens ----------------------------------------------------------------------------------------


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def can_manage_tokens(user, organisation):
    return can(user, Action.APPROVE, organisation) or can(user, Action.MANAGE_USERS, organisation)


def _token_snapshot(token):
    return snapshot(token, fields={"organisation", "user", "name", "prefix", "created_at", "last_used_at",
                                   "revoked_at"})


@transaction.atomic
def create_api_token(*, actor, organisation, name):
    """Returns (ApiToken, raw token shown once). The token acts as `actor` within `organisation`'s subtree."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied  # a token acts as a person; the system has no one to act as
    if not can_manage_tokens(actor, organisation):
        raise PermissionDenied
    name = _text(name)
    if not name:
        raise ValidationError({"name": _("Name the system that will use this token.")})
    if len(name) > 200:
        raise ValidationError({"name": _("The name is too long (at most 200 characters).")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(organisation=organisation, user=actor, name=name, prefix=raw[:12],
                                    token_hash=hash_token(raw))
    record(actor=actor, obj=token, action=CREATE, after=_token_snapshot(token), verb="api_token_created")
    return token, raw


@transaction.atomic
def revoke_api_token(*, actor, token):
    """Revoke a token; its owner or anyone who manages tokens of its organisation may."""
    if actor is not None:
        if not getattr(actor, "is_authenticated", False):
            raise PermissionDenied
        if token.user_id != actor.pk and not can_manage_tokens(actor, token.organisation):
            raise PermissionDenied
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    before = _token_snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor=actor, obj=token, action=UPDATE, before=before, after=_token_snapshot(token), verb="api_token_revoked")
    return token
