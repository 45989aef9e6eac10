"""Checks on a reported value before it is stored: hard errors (refused) and warnings (flagged).

Hard errors are field-keyed and stop the write: a wrong type, a value out of range, a period that has
not ended, an organisation that owes nothing, "not available" without a reason. Warnings — a jump from
the previous approved period, an outlier against the organisation's own history or against its peers —
never refuse a value: they are stored in `IndicatorValue.flags` and must be confirmed with a note when
the value is submitted. Two queries at most: one for the organisation's own history, one for peers.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from nq57.orgs.models import CENTRAL_AGENCY_KINDS, COMMUNE_KINDS, PROVINCE_KINDS

from . import compute
from .models import Indicator, IndicatorValue, ReportingObligation

T = Indicator.ValueType
JUMP_LIMIT = 0.5  # a change of more than half the previous value is flagged
Z_LIMIT = 3.5  # Iglewicz–Hoaglin: a modified z-score beyond 3.5 is a likely outlier
HISTORY_SAMPLE = 12
PEER_SAMPLE = 500
PROGRESS_VALUES = set(IndicatorValue.Progress.values)
MAX_ABS = Decimal("1e13")
SIX = Decimal("0.000001")  # the column holds 20 digits with 6 decimals


def value_range(indicator):
    """(lowest, highest) valid value of `indicator`, either may be None: its own bounds, else the type's."""
    low, high = indicator.min_value, indicator.max_value
    if indicator.value_type == T.PERCENTAGE:
        low = Decimal(0) if low is None else low
        high = Decimal(100) if high is None else high
    elif indicator.value_type in (T.COUNT, T.AMOUNT):
        low = Decimal(0) if low is None else low
    elif indicator.value_type == T.RANK:
        low = Decimal(1) if low is None else low
    return low, high


def to_decimal(raw):
    """A Decimal from a number or a text ("12.5", "12,5", " 80 "); None when empty; ValueError when unreadable.

    A comma alone is read as the decimal mark (Vietnamese writing); a text with both marks is refused
    rather than guessed, since "1.234,5" and "1,234.5" mean the same number in two conventions."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise ValueError("boolean")
    if isinstance(raw, Decimal):
        number = raw
    elif isinstance(raw, (int, float)):
        number = Decimal(str(raw))
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            return None
        if "," in text and "." in text:
            raise ValueError("ambiguous")
        text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError("unreadable") from None
    if not number.is_finite() or abs(number) >= MAX_ABS:
        raise ValueError("not finite")
    return quantize(number)


def quantize(number):
    """Six decimals, as the database stores them (so audit snapshots match what is read back)."""
    return None if number is None else Decimal(number).quantize(SIX)


@dataclass
class Checked:
    """The outcome of `check`: cleaned numbers, field-keyed hard errors and warnings [{code, message}]."""
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    weight: Decimal | None = None
    progress: str = ""
    errors: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)

    def add(self, name, message):
        self.errors.setdefault(name, []).append(message)

    @property
    def ok(self):
        return not self.errors


def _number(checked, name, raw):
    try:
        return to_decimal(raw)
    except ValueError:
        checked.add(name, _("Enter a number, e.g. 12.5."))
        return None


def _fmt(number):
    number = float(number)
    return f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"


def peer_kinds(kind):
    """Organisations compared with each other: provinces with provinces, communes with communes,
    ministries with ministries; anything else with its own kind."""
    for group in (PROVINCE_KINDS, COMMUNE_KINDS, CENTRAL_AGENCY_KINDS):
        if kind in group:
            return [str(k) for k in group]
    return [kind]


def check(indicator, organisation, period, *, series="", value=None, numerator=None, denominator=None, weight=None,
          progress="", not_available=False, not_available_reason="", today, check_obligation=True,
          with_warnings=True, batch=None):
    """Validate one reported value; returns a Checked (never raises). A `Batch` shares reads across many
    values of one upload or API request."""
    checked = Checked()
    if period.frequency != indicator.frequency:
        checked.add("period", _("This indicator is reported %(frequency)s; choose a period of that length.")
                    % {"frequency": indicator.get_frequency_display().lower()})
    elif period.end >= today:
        checked.add("period", _("The period has not ended: values for %(period)s can be entered from %(date)s.")
                    % {"period": period.label, "date": (period.end + datetime.timedelta(days=1)).strftime("%d/%m/%Y")})
    if check_obligation and not _owes(indicator, organisation, period, series, batch):
        checked.add("organisation", _("%(organisation)s does not report this indicator for %(period)s.")
                    % {"organisation": organisation.short_name or organisation.name, "period": period.label})

    if not_available:
        if not (not_available_reason or "").strip():
            checked.add("not_available_reason", _("Say why the value is not available."))
        if any(x not in (None, "") for x in (value, numerator, denominator)) or progress:
            checked.add("value", _("A value marked as not available cannot also have a number."))
        return checked

    if not indicator.is_numeric:
        if not progress:
            checked.add("progress", _("Choose the progress of this milestone."))
        elif progress not in PROGRESS_VALUES:
            checked.add("progress", _("Choose one of the listed progress levels."))
        else:
            checked.progress = progress
        return checked

    checked.weight = _number(checked, "weight", weight)
    if checked.weight is not None and checked.weight < 0:
        checked.add("weight", _("A weight cannot be negative."))
    if indicator.aggregation == Indicator.Aggregation.RATIO:
        checked.numerator = _number(checked, "numerator", numerator)
        checked.denominator = _number(checked, "denominator", denominator)
        if "numerator" in checked.errors or "denominator" in checked.errors:
            return checked
        if checked.numerator is None or checked.denominator is None:
            # A ratio rolls up from its parts; a bare percentage could only be averaged.
            if checked.numerator is None:
                checked.add("numerator", _("Enter the numerator: this ratio is added up across organisations."))
            if checked.denominator is None:
                checked.add("denominator", _("Enter the denominator: this ratio is added up across organisations."))
            return checked
        if checked.numerator < 0:
            checked.add("numerator", _("The numerator cannot be negative."))
        if checked.denominator == 0:
            checked.add("denominator", _("The denominator cannot be zero."))
        elif checked.denominator < 0:
            checked.add("denominator", _("The denominator cannot be negative."))
        if checked.errors:
            return checked
        checked.value = quantize(checked.numerator / checked.denominator * indicator.ratio_scale)
    else:
        checked.value = _number(checked, "value", value)
        if "value" in checked.errors:
            return checked
        if checked.value is None:
            checked.add("value", _("Enter the value, or mark it as not available with a reason."))
            return checked
    _check_range(checked, indicator)
    if not checked.errors and with_warnings:
        checked.warnings = warnings_for(indicator, organisation, period, series, checked.value, batch=batch)
    return checked


def _check_range(checked, indicator):
    low, high = value_range(indicator)
    name = "numerator" if indicator.aggregation == Indicator.Aggregation.RATIO else "value"
    number = checked.value
    if low is not None and number < low or high is not None and number > high:
        if low is not None and high is not None:
            message = _("The value %(value)s is outside the valid range %(low)s–%(high)s.")
        elif low is not None:
            message = _("The value %(value)s is below the lowest valid value %(low)s.")
        else:
            message = _("The value %(value)s is above the highest valid value %(high)s.")
        checked.add(name, message % {"value": _fmt(number), "low": _fmt(low) if low is not None else "",
                                     "high": _fmt(high) if high is not None else ""})
    if indicator.value_type in (T.COUNT, T.RANK) and number != number.to_integral_value():
        checked.add(name, _("A count or a rank is a whole number."))


def _owes(indicator, organisation, period, series, batch=None):
    if batch is not None:
        return any(starts <= period.end and (ends is None or ends >= period.start)
                   for starts, ends in batch.obligations(organisation).get((indicator.pk, series), ()))
    return ReportingObligation.objects.filter(
        indicator=indicator, organisation=organisation, series=series, starts_on__lte=period.end,
    ).exclude(ends_on__lt=period.start).exists()


class Batch:
    """Reads shared by many saves of one upload or API request: each organisation's obligations, each
    (indicator, organisation)'s approved history and each indicator's peer values are read once, not once
    per value. Values approved while a batch lives are not seen by its checks: use one batch per upload."""

    def __init__(self):
        self._obligations, self._history, self._peers = {}, {}, {}
        self.rows = {}  # the save service's cache of existing rows, per organisation
        self.notified = set()  # organisations whose approvers were told during this batch
        # None: audit rows are written at once. A list: they are collected and the caller inserts them in
        # bulk with audit.services.flush_buffer before its transaction commits (the XLSX upload does).
        self.audit = None
        # None: new values are inserted at once. A list: save_value appends (value, actor, verb) and the caller
        # inserts them in bulk with actions.flush_pending inside the same transaction.
        self.pending = None

    def obligations(self, organisation):
        """{(indicator id, series): [(starts_on, ends_on)]} of one organisation."""
        if organisation.pk not in self._obligations:
            found = {}
            for indicator_id, series, starts, ends in (ReportingObligation.objects.filter(organisation=organisation)
                                                       .values_list("indicator_id", "series", "starts_on", "ends_on")):
                found.setdefault((indicator_id, series), []).append((starts, ends))
            self._obligations[organisation.pk] = found
        return self._obligations[organisation.pk]

    def history(self, indicator, organisation, series, before):
        key = (indicator.pk, organisation.pk)
        if key not in self._history:
            found = {}
            for name, end, value in (_approved(indicator).filter(organisation=organisation).order_by("-period_end")
                                     .values_list("series", "period_end", "value")):
                found.setdefault(name, []).append((end, value))
            self._history[key] = found
        return [v for end, v in self._history[key].get(series, []) if end < before][:HISTORY_SAMPLE]

    def peers(self, indicator, organisation, series, period_end):
        kinds = tuple(sorted(peer_kinds(organisation.kind)))
        key = (indicator.pk, series, kinds)
        if key not in self._peers:
            found = {}
            for org_id, end, value in (_approved(indicator).filter(series=series, organisation__kind__in=kinds)
                                       .order_by().values_list("organisation_id", "period_end", "value")):
                found.setdefault(end, []).append((org_id, value))
            self._peers[key] = found
        return [v for org_id, v in self._peers[key].get(period_end, []) if org_id != organisation.pk][:PEER_SAMPLE]


def _approved(indicator):
    return IndicatorValue.objects.filter(indicator=indicator, status=IndicatorValue.Status.APPROVED, is_current=True,
                                         not_available=False, value__isnull=False)


def own_change_z(value, history):
    """(modified z-score, earlier changes) of the change from the latest value of `history` (newest first).

    Against its own history, the change from the previous period is compared with the earlier changes, not the
    level with earlier levels: steady growth (40, 44, 48, 52…) is not an outlier, a typo (99 → 1010) is."""
    history = [float(x) for x in history if x is not None]
    changes = [newer - older for newer, older in zip(history, history[1:])]
    if not history:
        return None, changes
    return compute.modified_z_score(float(value) - history[0], changes), changes


def warnings_for(indicator, organisation, period, series, value, *, batch=None):
    """Jumps and outliers of `value` against the organisation's approved history and its peers' values."""
    if value is None:
        return []
    found = []
    approved = None if batch is not None else _approved(indicator).filter(series=series)
    if batch is not None:
        history = batch.history(indicator, organisation, series, period.end)
    else:
        history = list(approved.filter(organisation=organisation, period_end__lt=period.end)
                       .order_by("-period_end").values_list("value", flat=True)[:HISTORY_SAMPLE])
    if history:
        jump = compute.relative_jump(value, history[0])
        if jump is not None and abs(jump) > JUMP_LIMIT:
            found.append({"code": "jump", "message": _(
                "The value changed by %(percent)d%% from the previous approved period (%(previous)s → %(value)s).")
                % {"percent": round(jump * 100), "previous": _fmt(history[0]), "value": _fmt(value)}})
    z, changes = own_change_z(value, history)
    if z is not None and abs(z) > Z_LIMIT:
        found.append({"code": "outlier_own", "message": _(
            "The change from the previous approved period (%(change)s) is unlike this organisation's earlier "
            "changes (median change %(median)s).")
            % {"change": _fmt(float(value) - float(history[0])), "median": _fmt(compute.median(changes))}})
    if batch is not None:
        peers = batch.peers(indicator, organisation, series, period.end)
    else:
        peers = list(approved.filter(period_end=period.end, organisation__kind__in=peer_kinds(organisation.kind))
                     .exclude(organisation=organisation).order_by().values_list("value", flat=True)[:PEER_SAMPLE])
    z = compute.modified_z_score(value, peers)
    if z is not None and abs(z) > Z_LIMIT:
        found.append({"code": "outlier_peers", "message": _(
            "The value is far from what comparable organisations reported for this period (median %(median)s).")
            % {"median": _fmt(compute.median([float(x) for x in peers]))}})
    return found


def message_dict(error):
    """{field: [messages]} of a ValidationError, whatever its shape; unconfirmed flags under "flags"."""
    if hasattr(error, "error_dict"):
        return {name: [str(m) for m in ValidationError(errors).messages] for name, errors in error.error_dict.items()}
    key = "flags" if getattr(error, "code", None) == "unconfirmed_flags" else NON_FIELD_ERRORS
    return {key: [str(m) for m in error.messages]}
