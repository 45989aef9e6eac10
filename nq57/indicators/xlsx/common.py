"""What the template and the reader share: the columns, their machine names and the answers of the lists."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Indicator, IndicatorValue, Rag
from ..validation import value_range

DATA_SHEET = "Số liệu"
GUIDE_SHEET = "Hướng dẫn"
YEARS_BACK = 2
KEY_ROW = 10  # the hidden row of machine names
HEADER_ROW = KEY_ROW + 1  # the visible header
FIRST_DATA_ROW = HEADER_ROW + 1

V = Indicator.ValueType
S = IndicatorValue.Status


@dataclass(frozen=True)
class Column:
    key: str  # the machine name in the hidden key row; never translated
    label: object  # shown in the header row
    width: int = 14
    hidden: bool = False
    entered: bool = False  # typed by the user (unlocked where it applies)


KEY_COLUMNS = ("indicator_id", "org_code", "period_key", "series")
REQUIRED_KEYS = ("indicator_id", "org_code", "period_key")
COLUMNS = [
    Column("indicator_id", "indicator_id", 6, hidden=True),
    Column("org_code", "org_code", 6, hidden=True),
    Column("period_key", "period_key", 6, hidden=True),
    Column("series", "series", 6, hidden=True),
    Column("code", gettext_lazy("Code"), 8),
    Column("indicator", gettext_lazy("Indicator"), 48),
    Column("unit", gettext_lazy("Unit"), 12),
    Column("period", gettext_lazy("Period"), 10),
    Column("due", gettext_lazy("Due date"), 12),
    Column("status", gettext_lazy("Current status"), 14),
    Column("hint", gettext_lazy("What to enter"), 32),
    Column("value", gettext_lazy("Value"), 12, entered=True),
    Column("numerator", gettext_lazy("Numerator (ratios only)"), 14, entered=True),
    Column("denominator", gettext_lazy("Denominator (ratios only)"), 14, entered=True),
    Column("weight", gettext_lazy("Weight (weighted mean only)"), 12, entered=True),
    Column("progress", gettext_lazy("Progress (milestones only)"), 18, entered=True),
    Column("not_available", gettext_lazy("Not available"), 12, entered=True),
    Column("not_available_reason", gettext_lazy("Why it is not available"), 28, entered=True),
    Column("note", gettext_lazy("Note"), 28, entered=True),
    Column("self_rating", gettext_lazy("Self-assessment"), 14, entered=True),
    Column("confirm_flags", gettext_lazy("Confirm the warning"), 12, entered=True),
    Column("flag_note", gettext_lazy("Explanation of the warning"), 28, entered=True),
    Column("review_comment", gettext_lazy("Reviewer's comment"), 28),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
ENTERED = [c.key for c in COLUMNS if c.entered]
NUMBER_FIELDS = ("value", "numerator", "denominator", "weight")
TEXT_FIELDS = ("not_available_reason", "note", "flag_note")

# Answers typed or picked in the yes/no and self-assessment columns, compared accent-insensitively, on top of
# the labels of both languages.
YES_WORDS = {"co", "yes", "y", "x", "true", "1", "dung", "v"}
NO_WORDS = {"khong", "no", "n", "false", "0", "k"}
RAG_WORDS = {"xanh": Rag.GREEN, "green": Rag.GREEN, "g": Rag.GREEN, "vang": Rag.AMBER, "amber": Rag.AMBER,
             "yellow": Rag.AMBER, "do": Rag.RED, "red": Rag.RED, "r": Rag.RED}
RAG_LABELS = {Rag.GREEN: gettext_lazy("Green"), Rag.AMBER: gettext_lazy("Amber"), Rag.RED: gettext_lazy("Red")}
FIRST_VISIBLE = len(KEY_COLUMNS) + 1  # the header block starts in the first visible column


def yes_label():
    return _("Yes")


def no_label():
    return _("No")


def list_label(text):
    # An Excel list validation is a comma-separated formula: a label must not contain a comma or a quote.
    return str(text).replace(",", " ").replace('"', "'")


def is_ratio(indicator):
    return indicator.aggregation == Indicator.Aggregation.RATIO


def is_weighted(indicator):
    return indicator.aggregation == Indicator.Aggregation.WEIGHTED_MEAN


def number_text(number):
    if number is None:
        return ""
    number = Decimal(number)
    return f"{number.normalize():f}" if number != number.to_integral_value() else f"{int(number)}"


def hint(indicator):
    """What to type in the row, in a few words: the kind of value and its valid range."""
    if not indicator.is_numeric:
        return _("Choose the progress from the list")
    low, high = value_range(indicator)
    if is_ratio(indicator):
        text = _("Enter the numerator and the denominator; the value is computed")
    else:
        text = str(indicator.get_value_type_display())
        if low is not None and high is not None:
            text = _("%(kind)s, from %(low)s to %(high)s") % {"kind": text, "low": number_text(low),
                                                              "high": number_text(high)}
        elif low is not None:
            text = _("%(kind)s, at least %(low)s") % {"kind": text, "low": number_text(low)}
        elif high is not None:
            text = _("%(kind)s, at most %(high)s") % {"kind": text, "high": number_text(high)}
    if is_weighted(indicator):
        text = _("%(hint)s; weight optional") % {"hint": text}
    return text


VALUE_FIELDS = ("id", "indicator_id", "organisation_id", "series", "period_end", "status", "version", "value",
                "numerator", "denominator", "weight", "progress", "not_available", "not_available_reason",
                "self_rating", "note", "flag_note", "review_comment", "flags")


def latest_values(organisation, indicator_ids, since=None):
    """{(indicator id, series, period end): the latest non-superseded version} of the organisation's values."""
    rows = IndicatorValue.objects.filter(organisation=organisation, indicator_id__in=list(indicator_ids)) \
        .exclude(status=S.SUPERSEDED).order_by("version", "pk").only(*VALUE_FIELDS)
    if since is not None:
        rows = rows.filter(period_end__gte=since)
    return {(v.indicator_id, v.series, v.period_end): v for v in rows}
