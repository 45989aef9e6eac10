"""The columns of a table of indicators: finding the header row, naming each column, and reading the values
of the optional columns (frequency, level, aggregation, layer) in Vietnamese or English."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nq57.core.text import search_key
from nq57.plans.importing.readers import ImportFileError

from ..models import Frequency, Indicator

# (field, label, header names compared folded; the first match wins, longer names first)
FIELDS = [
    ("code", gettext_lazy("Number (TT)"), ["tt", "stt", "so tt", "so thu tu", "ma", "ma so", "ma chi tieu", "code",
                                           "no", "number"]),
    ("name", gettext_lazy("Indicator"), ["chi tieu", "ten chi tieu", "noi dung chi tieu", "noi dung", "indicator",
                                         "name", "indicator name"]),
    ("unit", gettext_lazy("Unit"), ["don vi", "don vi tinh", "dvt", "unit"]),
    ("target", gettext_lazy("Target"), ["ket qua", "muc tieu", "ket qua can dat", "chi tieu can dat", "gia tri muc tieu",
                                        "muc tieu can dat", "target", "result"]),
    ("owner", gettext_lazy("Owner agency"), ["co quan chu tri theo doi danh gia", "co quan chu tri theo doi",
                                             "co quan chu tri", "co quan theo doi", "co quan theo doi danh gia",
                                             "don vi chu tri", "chu tri", "owner", "owner agency", "agency"]),
    ("target_year", gettext_lazy("Target year"), ["nam muc tieu", "nam dat muc tieu", "target year"]),
    ("baseline", gettext_lazy("Baseline"), ["gia tri co so", "gia tri nam co so", "baseline", "baseline value"]),
    ("baseline_year", gettext_lazy("Baseline year"), ["nam co so", "baseline year"]),
    ("frequency", gettext_lazy("Reporting frequency"), ["tan suat", "tan suat bao cao", "ky bao cao", "frequency"]),
    ("level", gettext_lazy("Reported at"), ["cap bao cao", "cap", "level"]),
    ("aggregation", gettext_lazy("Aggregation"), ["cach tong hop", "tong hop", "aggregation"]),
    ("layer", gettext_lazy("Layer"), ["tang", "layer"]),
    ("data_source", gettext_lazy("Data source"), ["nguon so lieu", "nguon du lieu", "data source"]),
    ("definition", gettext_lazy("Definition"), ["dinh nghia", "cach tinh", "definition"]),
]
FIELD_NAMES = [f[0] for f in FIELDS]
FIELD_LABELS = {name: label for name, label, _names in FIELDS}
REQUIRED = ("code", "name")
_SYNONYMS = sorted(((search_key(n), f) for f, _label, names in FIELDS for n in names), key=lambda s: -len(s[0]))
HEADER_SEARCH_ROWS = 15

# Values of the optional columns (compared folded)
_CHOICES = {
    "frequency": {Frequency.MONTH: ["thang", "hang thang", "month", "monthly"],
                  Frequency.QUARTER: ["quy", "hang quy", "quarter", "quarterly"],
                  Frequency.HALF: ["6 thang", "sau thang", "nua nam", "ban nien", "half", "half yearly"],
                  Frequency.YEAR: ["nam", "hang nam", "year", "yearly", "annual"]},
    "level": {Indicator.Level.NATIONAL: ["quoc gia", "trung uong", "toan quoc", "national"],
              Indicator.Level.MINISTRY: ["bo", "bo nganh", "ministry"],
              Indicator.Level.PROVINCE: ["tinh", "tinh thanh pho", "dia phuong", "province"],
              Indicator.Level.COMMUNE: ["xa", "xa phuong", "commune"]},
    "aggregation": {Indicator.Aggregation.SUM: ["tong", "cong", "cong don", "sum"],
                    Indicator.Aggregation.RATIO: ["ti le", "ty le", "tinh lai ti le", "ratio"],
                    Indicator.Aggregation.WEIGHTED_MEAN: ["binh quan gia quyen", "trung binh gia quyen",
                                                          "weighted mean", "weighted_mean"],
                    Indicator.Aggregation.MIN: ["nho nhat", "thap nhat", "min", "minimum"],
                    Indicator.Aggregation.MAX: ["lon nhat", "cao nhat", "max", "maximum"],
                    Indicator.Aggregation.NONE: ["khong", "khong tong hop", "none"]},
    "layer": {Indicator.Layer.STRATEGIC: ["chien luoc", "strategic"],
              Indicator.Layer.OPERATIONAL: ["tac nghiep", "van hanh", "dieu hanh", "operational"]},
}
CHOICE_FIELDS = tuple(_CHOICES)
TEXT_FIELDS = ("data_source", "definition")

SECTION_CODE = re.compile(r"^(?:[IVXLC]+|[A-Z])$")
INDICATOR_CODE = re.compile(r"^\d{1,4}(?:\.\d{1,4}){0,3}[a-zđ]?$")
COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?$")
YEAR = re.compile(r"\b((?:19|20)\d\d)\b")


def _field_for_header(text):
    key = search_key(text)
    if not key:
        return None
    for synonym, name in _SYNONYMS:
        if key == synonym:
            return name
    if len(key.split()) > 7:
        return None
    for synonym, name in _SYNONYMS:
        if len(synonym) > 3 and key.startswith(synonym + " "):
            return name
    return None


def propose_columns(cells):
    """{field: column index} of the fields a header row names."""
    columns = {}
    for index, text in enumerate(cells):
        name = _field_for_header(text)
        if name and name not in columns:
            columns[name] = index
    return columns


def find_header(table):
    """(row number, columns) of the first row naming the number and indicator columns."""
    for row in table.rows[:HEADER_SEARCH_ROWS]:
        columns = propose_columns(row.cells)
        if all(name in columns for name in REQUIRED):
            return row.number, columns
    raise ImportFileError(_(
        "No header row found in the first %(rows)s rows. The table needs a header naming at least the indicator "
        "column (“Chỉ tiêu”) and the number column (“TT”).") % {"rows": HEADER_SEARCH_ROWS})


def choice(name, text):
    """The value of an optional column ("Quý" → quarter), or None when it is not understood."""
    key = search_key(text)
    for value, words in _CHOICES[name].items():
        if key == value or key in words:
            return str(value)
    return None


def one_line(text):
    """Line breaks and runs of spaces as single spaces."""
    return " ".join((text or "").split())


def clean_code(text):
    """The number as written, without Markdown bold or a trailing dot: "**11.1.**" → "11.1"."""
    return (text or "").replace("*", "").replace("\n", " ").strip().rstrip(".):").strip()


def parent_code(code):
    """"11.1" → "11"; "" for a top-level code."""
    return code.rsplit(".", 1)[0] if "." in code else ""
