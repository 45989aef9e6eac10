"""Reading a filled template back: each non-empty row is saved through `actions.save_value` in its own
savepoint, and reported with the row number Excel shows."""

import datetime
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.audit.services import flush_buffer
from nq57.core.permissions import can
from nq57.core.roles import Action
from nq57.core.text import search_key

from .. import actions
from ..models import Indicator, IndicatorValue, Rag
from ..periods import parse_period
from ..validation import Batch
from .common import (COLUMN_BY_KEY, ENTERED, KEY_COLUMNS, NO_WORDS, NUMBER_FIELDS, RAG_LABELS, RAG_WORDS,
                     TEXT_FIELDS, YES_WORDS, S, is_ratio, is_weighted, latest_values, list_label, no_label,
                     yes_label)
from .workbook import UploadError, is_blank, key_text, parse_number, read_template_rows

ROWS_PER_TRANSACTION = 500  # each row has its own savepoint; committing in chunks keeps 10,000 rows fast

# Outcomes of a row, worst first (the report lists rows in this order).
ERROR, WARNING, DRAFT, SUBMITTED, UNCHANGED = "error", "warning", "draft", "submitted", "unchanged"
OUTCOME_LABELS = {
    ERROR: gettext_lazy("Error: not saved"),
    WARNING: gettext_lazy("Saved as draft: warning to confirm"),
    DRAFT: gettext_lazy("Saved as draft"),
    SUBMITTED: gettext_lazy("Submitted for approval"),
    UNCHANGED: gettext_lazy("Unchanged"),
}


@dataclass
class RowResult:
    """What became of one row of the upload."""
    row: int
    indicator_code: str = ""
    period: str = ""
    outcome: str = ERROR
    messages: list = field(default_factory=list)
    value_id: int | None = None
    saved: object = field(default=None, repr=False, compare=False)  # the value written, for its id after a flush

    @property
    def outcome_label(self):
        return OUTCOME_LABELS[self.outcome]


@dataclass
class UploadResult:
    """Every non-empty row of the upload with its outcome; `rows` in the order of the file."""
    rows: list = field(default_factory=list)
    sheet: str = ""
    empty_rows: int = 0
    seconds: float = 0.0
    submit: bool = False

    def _with(self, *outcomes):
        return [r for r in self.rows if r.outcome in outcomes]

    @property
    def problems(self):
        """Errors then warnings, each by row number: what the user must look at first."""
        order = {ERROR: 0, WARNING: 1}
        return sorted(self._with(ERROR, WARNING), key=lambda r: (order[r.outcome], r.row))

    @property
    def saved(self):
        return self._with(DRAFT, SUBMITTED)

    @property
    def unchanged(self):
        return self._with(UNCHANGED)

    @property
    def counts(self):
        counts = {key: 0 for key in OUTCOME_LABELS}
        for row in self.rows:
            counts[row.outcome] += 1
        counts["rows"] = len(self.rows)
        return counts


def _choices():
    """{folded answer: code} of the progress levels, yes/no and self-assessment, in every language."""
    progress, yes_no, ratings = {}, {}, {}
    for code, _label in IndicatorValue.Progress.choices:
        progress[search_key(code)] = progress[search_key(code.replace("_", " "))] = code
    for word in YES_WORDS:
        yes_no[word] = True
    for word in NO_WORDS:
        yes_no[word] = False
    ratings.update(RAG_WORDS)
    for code in Rag.values:
        ratings[code] = code
    for lang, _name in settings.LANGUAGES:
        with translation.override(lang):
            for code, label in IndicatorValue.Progress.choices:
                progress[search_key(list_label(label))] = code
                progress[search_key(label)] = code
            yes_no[search_key(yes_label())] = True
            yes_no[search_key(no_label())] = False
            for code, label in RAG_LABELS.items():
                ratings[search_key(label)] = code
            for code, label in Rag.choices:
                ratings.setdefault(search_key(label), code)
    return progress, yes_no, ratings


def _cell(cells, columns, key):
    index = columns.get(key)
    return None if index is None else cells.get(index)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.strftime("%d/%m/%Y")
    return str(value).replace("\x00", "").strip()


def _parse_fields(cells, columns, choices):
    """{field: cleaned value} of a row's entered cells, and {column key: message} of those that cannot be read."""
    progress_choices, yes_no, ratings = choices
    fields, errors = {}, {}
    for key in NUMBER_FIELDS:
        cell = _cell(cells, columns, key)
        raw = getattr(cell, "value", None)
        try:
            fields[key] = parse_number(raw, getattr(cell, "number_format", "") or "")
        except ValueError:
            if isinstance(raw, (datetime.date, datetime.time)):
                errors[key] = _("Excel turned “%(text)s” into a date: format the cell as a number and type the "
                                "number again.") % {"text": _text(raw)}
            else:
                errors[key] = _("“%(text)s” is not a number (write it as 12,5 or 12.5).") % {"text": _text(raw)}
    for key in TEXT_FIELDS:
        fields[key] = _text(getattr(_cell(cells, columns, key), "value", None))
    for key in ("not_available", "confirm_flags"):
        raw = getattr(_cell(cells, columns, key), "value", None)
        if isinstance(raw, bool):
            fields[key] = raw
        elif is_blank(raw):
            fields[key] = False
        else:
            answer = yes_no.get(search_key(_text(raw)))
            if answer is None:
                errors[key] = _("Answer “%(yes)s” or “%(no)s”, not “%(text)s”.") % {
                    "yes": yes_label(), "no": no_label(), "text": _text(raw)}
            fields[key] = bool(answer)
    raw = _text(getattr(_cell(cells, columns, "progress"), "value", None))
    fields["progress"] = progress_choices.get(search_key(raw), "") if raw else ""
    if raw and not fields["progress"]:
        errors["progress"] = _("“%(text)s” is not one of the progress levels: %(levels)s.") % {
            "text": raw, "levels": "; ".join(str(x) for x in IndicatorValue.Progress.labels)}
    raw = _text(getattr(_cell(cells, columns, "self_rating"), "value", None))
    fields["self_rating"] = ratings.get(search_key(raw), "") if raw else ""
    if raw and not fields["self_rating"]:
        errors["self_rating"] = _("“%(text)s” is not a self-assessment: %(levels)s.") % {
            "text": raw, "levels": "; ".join(str(x) for x in RAG_LABELS.values())}
    return fields, errors


def _column_message(key, message):
    column = COLUMN_BY_KEY.get(key)
    if column is None:
        return message
    return _("%(column)s: %(message)s") % {"column": column.label, "message": message}


def _flatten(error):
    """[(field, code, message)] of a ValidationError of any shape."""
    found = []
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for item in errors:
                for message in item.messages:
                    found.append((name, item.code, message))
    else:
        for item in error.error_list:
            for message in item.messages:
                found.append((None, item.code, message))
    return found


def _error_messages(error):
    """The messages of a refusal, and whether it was only for unconfirmed warnings."""
    messages, unconfirmed = [], False
    for _field, code, message in _flatten(error):
        unconfirmed = unconfirmed or code == "unconfirmed_flags"
        messages.append(str(message))  # the service's messages name what is wrong; no column prefix needed
    return messages, unconfirmed


def _same(indicator, existing, fields):
    """Does the row say exactly what the stored value says (so saving it again would change nothing)?"""
    if existing is None:
        return False
    numeric = indicator.is_numeric and not fields["not_available"]
    pairs = [
        (existing.not_available, fields["not_available"]),
        # A reason is kept only for a value marked not available (see actions.save_value).
        (existing.not_available_reason, fields["not_available_reason"] if fields["not_available"] else ""),
        (existing.note, fields["note"]), (existing.flag_note, fields["flag_note"]),
        (existing.self_rating, fields["self_rating"]),
    ]
    if not indicator.is_numeric:
        pairs.append((existing.progress, fields["progress"]))
    if numeric and is_ratio(indicator):
        pairs += [(existing.numerator, fields["numerator"]), (existing.denominator, fields["denominator"])]
    elif numeric:
        pairs.append((existing.value, fields["value"]))
    if numeric and is_weighted(indicator):
        pairs.append((existing.weight, fields["weight"]))
    return all((a if a is not None else "") == (b if b is not None else "") for a, b in pairs)


def read_upload(data, organisation, *, actor, submit, today=None):
    """Read a filled template and save each non-empty row through `actions.save_value` (source "xlsx").

    Raises UploadError when the file is not a readable template, PermissionDenied when `actor` may not
    report for `organisation`; otherwise returns an UploadResult with one RowResult per non-empty row.
    """
    started = time.monotonic()
    if actor is not None and not can(actor, Action.REPORT, organisation):
        raise PermissionDenied
    today = today or timezone.localdate()
    table = read_template_rows(data)
    columns = table.columns
    if not any(key in columns for key in ENTERED):
        raise UploadError(_("The sheet has the template's keys but none of its columns to fill (Value, Progress, "
                            "Not available…). Download the template again."))
    if not table.rows:
        raise UploadError(_("The file has no values to save: fill the Value column (or Progress, or Not available "
                            "with a reason) of at least one row."))

    result = UploadResult(sheet=table.sheet, empty_rows=table.empty_rows, submit=submit)
    choices = _choices()
    parsed = []
    for number, cells in table.rows:
        keys = {key: key_text(getattr(_cell(cells, columns, key), "value", None)) for key in KEY_COLUMNS}
        parsed.append((number, keys, cells))
    ids = {int(k["indicator_id"]) for _n, k, _c in parsed if k["indicator_id"].isdigit()}
    indicators = Indicator.objects.select_related("owner").in_bulk(ids)
    existing = latest_values(organisation, ids)
    seen = {}
    batch = _new_batch()
    for start in range(0, len(parsed), ROWS_PER_TRANSACTION):
        chunk = parsed[start:start + ROWS_PER_TRANSACTION]
        kept_seen, kept_existing = dict(seen), dict(existing)
        arguments = dict(columns=columns, organisation=organisation, indicators=indicators, existing=existing,
                         seen=seen, choices=choices, actor=actor, submit=submit, today=today)
        try:
            rows = _save_chunk(chunk, batch=batch, fast=True, **arguments)
        except DatabaseError:
            # A database error inside the fast path (a row written by someone else meanwhile) aborted the
            # chunk's transaction: nothing of it was kept. Do the chunk again, each row in its own savepoint,
            # with fresh caches.
            seen.clear(), seen.update(kept_seen), existing.clear(), existing.update(kept_existing)
            batch = _new_batch(fast=False)
            rows = _save_chunk(chunk, batch=batch, fast=False, **arguments)
        result.rows += rows
    result.seconds = time.monotonic() - started
    return result


def _new_batch(fast=True):
    """One batch per upload: obligations, history and peers are read once, the agency head is told once, and
    audit rows (and, on the fast path, new values) are inserted in bulk per chunk."""
    batch = Batch()
    batch.audit = []
    batch.pending = [] if fast else None
    return batch


def _save_chunk(chunk, *, batch, fast, **arguments):
    """Save a chunk of rows in one transaction.

    fast: rows are saved without a savepoint each. That is safe because the save service raises every
    refusal (ValidationError, PermissionDenied) before it writes anything; a database error instead
    escapes, and the caller does the chunk again with `fast=False` (a savepoint per row).
    """
    results = []
    with transaction.atomic():
        for number, keys, cells in chunk:
            mark = len(batch.audit)
            row = _save_row(number, keys, cells, batch=batch, fast=fast, **arguments)
            if row.outcome == ERROR:
                del batch.audit[mark:]  # nothing of the row was kept: neither is its audit row
            results.append(row)
        if batch.pending is not None:
            actions.flush_pending(batch)  # new values and their audit rows, a few statements per chunk
        flush_buffer(batch.audit)
    for row in results:
        if row.saved is not None:
            row.value_id = row.saved.pk  # known once the chunk's new values are inserted
    return results


def _save_row(number, keys, cells, columns, organisation, indicators, existing, seen, choices, *, actor, submit,
              today, batch=None, fast=False):
    row = RowResult(row=number)
    indicator = indicators.get(int(keys["indicator_id"])) if keys["indicator_id"].isdigit() else None
    if indicator is not None:
        row.indicator_code = indicator.code
    if not keys["indicator_id"] or not keys["period_key"]:
        row.messages.append(_("The row has no hidden key (indicator and period): copy rows only inside the "
                              "template, or download the template again."))
        return row
    if keys["org_code"].upper() != organisation.code.upper():
        row.messages.append(_("This row belongs to another organisation (%(code)s); upload it for that "
                              "organisation.") % {"code": keys["org_code"] or "—"})
        return row
    if indicator is None:
        row.messages.append(_("The row's indicator no longer exists: download the template again."))
        return row
    period = parse_period(keys["period_key"], indicator.frequency)
    if period is None:
        row.messages.append(_("The row's period “%(key)s” is not a period of this indicator: download the template "
                              "again.") % {"key": keys["period_key"]})
        return row
    row.period = period.label
    series = keys["series"]
    key = (indicator.pk, series, period.end)
    if key in seen:
        row.messages.append(_("Row %(row)s already gives this indicator's value for this period; this row was not "
                              "saved.") % {"row": seen[key]})
        return row
    seen[key] = number

    fields, errors = _parse_fields(cells, columns, choices)
    if errors:
        row.messages += [_column_message(k, m) for k, m in errors.items()]
        return row
    if is_ratio(indicator) and fields["value"] is not None and indicator.is_numeric:
        row.messages.append(_("The Value column is not used for ratio indicators: it is computed from the numerator "
                              "and the denominator."))
    elif not is_ratio(indicator) and (fields["numerator"] is not None or fields["denominator"] is not None):
        row.messages.append(_("The numerator and the denominator are used only for ratio indicators; they were "
                              "ignored."))

    stored = existing.get(key)
    if _same(indicator, stored, fields) and (stored.status in (S.SUBMITTED, S.APPROVED) or not submit):
        row.outcome, row.value_id = UNCHANGED, stored.pk
        return row

    arguments = dict(
        actor=actor, indicator=indicator, organisation=organisation, period=period, series=series,
        value=fields["value"] if not is_ratio(indicator) else None,
        numerator=fields["numerator"] if is_ratio(indicator) else None,
        denominator=fields["denominator"] if is_ratio(indicator) else None,
        weight=fields["weight"] if is_weighted(indicator) else None,
        progress=fields["progress"] if not indicator.is_numeric else "",
        not_available=fields["not_available"], not_available_reason=fields["not_available_reason"],
        self_rating=fields["self_rating"], note=fields["note"], flag_note=fields["flag_note"],
        source=IndicatorValue.Source.XLSX, confirm_flags=fields["confirm_flags"], today=today, batch=batch,
    )
    # The service without its own atomic block (see _save_chunk), or with it: a savepoint per row.
    save = actions.save_value.__wrapped__ if fast else actions.save_value
    try:
        saved = save(submit=submit, **arguments)
    except ValidationError as exc:
        messages, unconfirmed = _error_messages(exc)
        if not (submit and unconfirmed):
            row.messages += messages
            return row
        # Keep the typed value as a draft; it is submitted once the warning is confirmed and explained.
        try:
            saved = save(submit=False, **arguments)
        except IntegrityError:
            if fast:
                raise  # the transaction is spoilt: the chunk is done again row by row
            row.messages += messages
            return row
        except (ValidationError, PermissionDenied):
            row.messages += messages
            return row
        row.outcome, row.value_id, row.saved = WARNING, saved.pk, saved
        row.messages += [f["message"] for f in saved.flags if isinstance(f, dict) and f.get("message")] or messages
        row.messages.append(_("Not submitted: choose “%(yes)s” under Confirm the warning and explain the value, then "
                              "upload again.") % {"yes": yes_label()})
        existing[key] = saved
        return row
    except PermissionDenied:
        row.messages.append(_("Your roles do not allow entering this value."))
        return row
    except IntegrityError:  # someone saved the same value at the same moment; their savepoint was rolled back
        if fast:
            raise  # the transaction is spoilt: the chunk is done again row by row
        row.messages.append(_("The value was being saved by someone else at the same time: upload the file again."))
        return row
    existing[key] = saved
    row.value_id, row.saved = saved.pk, saved
    row.outcome = SUBMITTED if saved.status == S.SUBMITTED else DRAFT
    if saved.flags and saved.status != S.SUBMITTED:
        row.messages += [f["message"] for f in saved.flags if isinstance(f, dict) and f.get("message")]
        row.messages.append(_("To submit it, choose “%(yes)s” under Confirm the warning and explain the value.")
                            % {"yes": yes_label()})
    return row
