"""The fixed wording and shared rules of the administrative layout, used by the Word and PDF writers.

Decree 30/2020/NĐ-CP (on clerical work) fixes the national header, the number line, the place-and-date line,
"Nơi nhận" and the signature block; these are not translated through gettext because they are part of the form
of the document, not of the interface: the Vietnamese text is the legal one, the English is the usual rendering.
Everything else a reader sees comes translated in the ReportContent.
"""

import datetime
import functools
import math
import re
import threading
from pathlib import Path

from django.utils.formats import date_format, number_format
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FIXED = {
    "vi": {
        "national_name": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "motto": "Độc lập - Tự do - Hạnh phúc",
        "number": "Số:",
        "recipients": "Nơi nhận:",
        "archive": "- Lưu: VT.",
    },
    "en": {
        "national_name": "SOCIALIST REPUBLIC OF VIET NAM",
        "motto": "Independence - Freedom - Happiness",
        "number": "No.:",
        "recipients": "Recipients:",
        "archive": "- Archived: VT.",
    },
}

# The number of a report not yet numbered by the clerical office: filled in by hand after signing.
UNNUMBERED = "…/BC"

ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")

# The vendored DejaVu Serif family: it covers every Vietnamese letter and may be embedded in the PDF (Times New
# Roman may not be installed on the server, and its licence forbids shipping it). Its metrics also size the
# columns of the Word tables.
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "NQ57Serif"
BOLD, ITALIC, BOLD_ITALIC = f"{FONT}-Bold", f"{FONT}-Italic", f"{FONT}-BoldItalic"
FONT_FILES = {FONT: "DejaVuSerif.ttf", BOLD: "DejaVuSerif-Bold.ttf", ITALIC: "DejaVuSerif-Italic.ttf",
              BOLD_ITALIC: "DejaVuSerif-BoldItalic.ttf"}
_fonts_registered = False
_fonts_lock = threading.Lock()

# XML 1.0 forbids these control characters; pasted text sometimes carries them and they would break the .docx.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NUMBERED = re.compile(r"^\s*(?:[IVXLC]+|\d+|[A-Za-z])[.)]\s")


def register_fonts():
    """Register the DejaVu Serif files with reportlab once per process, as a family so <b>, <i> find their faces."""
    global _fonts_registered
    if _fonts_registered:
        return
    with _fonts_lock:
        if not _fonts_registered:
            for name, filename in FONT_FILES.items():
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
            pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)
            _fonts_registered = True


def text_measure(size, scale=1.0):
    """`measure(text, bold)` for `column_widths`: the printed width in points of a line in DejaVu Serif at
    `size`, times `scale` (to stand for a narrower font), remembered because table cells repeat a lot."""
    register_fonts()

    @functools.lru_cache(maxsize=20000)
    def measure(text, bold):
        return pdfmetrics.stringWidth(text, BOLD if bold else FONT, size) * scale

    return measure


def fixed(language):
    """The fixed wording of the layout in the document's language (Vietnamese unless English was asked)."""
    return FIXED["en"] if (language or "").startswith("en") else FIXED["vi"]


def clean(text):
    """A cell or line as text the document formats accept: a string without XML-illegal control characters."""
    if text is None:
        return ""
    return _CONTROL_CHARACTERS.sub("", str(text))


def one_line(text):
    """A multi-line field on one line (document properties: title, author)."""
    return " ".join(clean(text).split())


def number_line(number, language):
    """ "Số: 15/BC-BCĐ"; an empty number leaves the dots the clerk fills in after signing."""
    return f"{fixed(language)['number']} {clean(number).strip() or UNNUMBERED}"


def date_line(place, date, language):
    """ "Hà Nội, ngày 05 tháng 7 năm 2025" / "Hà Nội, 5 July 2025".

    Decree 30 writes days below 10 and the months January and February with a leading zero (so that they cannot
    be altered by hand), the other months without."""
    place = clean(place).strip()
    if (language or "").startswith("en"):
        text = f"{date.day} {ENGLISH_MONTHS[date.month - 1]} {date.year}"
        return f"{place}, {text}" if place else text
    month = f"{date.month:02d}" if date.month <= 2 else str(date.month)
    text = f"ngày {date.day:02d} tháng {month} năm {date.year}"
    return f"{place}, {text}" if place else text[0].upper() + text[1:]


def upper_lines(text):
    """The non-empty lines of a multi-line header or signer field, upper case as the decree writes them."""
    return [line.strip().upper() for line in clean(text).splitlines() if line.strip()]


def recipient_lines(recipients, language):
    """The lines under "Nơi nhận:": "- Bộ Khoa học và Công nghệ;" … ending with "- Lưu: VT."."""
    lines = []
    for recipient in recipients or ():
        text = clean(recipient).strip().lstrip("-–•").strip()
        if not text:
            continue
        if text[-1] not in ";:.,":
            text += ";"
        lines.append(f"- {text}")
    lines.append(fixed(language)["archive"])
    return lines


def roman(number):
    """1 → "I", 4 → "IV": the numbering of the parts of an administrative document."""
    result = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            result += letters
            number -= value
    return result


def section_heading(index, heading):
    """ "I. SUMMARY FIGURES"-style heading of the index-th section (from 1); kept as is if already numbered."""
    heading = clean(heading).strip()
    if _NUMBERED.match(heading):
        return heading
    return f"{roman(index)}. {heading}"


def format_cell(value):
    """A table cell as text in the active language's format: 1.234 / 12,5 / 05/07/2025 (vi); 1,234 / 12.5 (en).

    Call under `translation.override(content.language)`. Floats keep at most two decimals, without trailing
    zeros, as on the web pages."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, int):
        return number_format(value, 0, force_grouping=True)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        rounded = round(value, 2)
        if rounded == int(rounded):
            return number_format(int(rounded), 0, force_grouping=True)
        text = number_format(rounded, 2, force_grouping=True)
        return text.rstrip("0")
    if isinstance(value, datetime.datetime):
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if hasattr(value, "is_finite"):  # Decimal
        return format_cell(float(value))
    return clean(value)


def column_widths(columns, rows, total, measure, padding, sample=200):
    """The widths of a table's columns, summing to `total`, from what they hold.

    `measure(text, bold)` is the printed width of a text in the writer's table font; `padding` is what a cell
    adds on both sides. A column is never narrower than its longest word (a date, a number, a header word), so
    these never break; the room left is shared in proportion to how much more each column would need to show
    its longest cell on one line. Only the first `sample` rows are read, which shows what a column holds and
    keeps long tables fast."""
    if not columns:
        return []
    least, most = [], []
    for index, label in enumerate(columns):
        label = str(label or "")
        narrowest = max((measure(word, True) for word in label.split()), default=0)
        widest = measure(label, True)
        for row in rows[:sample]:
            text = format_cell(row[index]) if index < len(row) else ""
            for line in text.splitlines():
                widest = max(widest, measure(line, False))
                # The longest word by letters stands for the widest one: measuring every word is slow.
                narrowest = max(narrowest, measure(max(line.split() or [""], key=len), False))
        least.append(narrowest + padding)
        most.append(max(least[-1], min(widest + padding, total / 2)))
    if sum(most) <= total:  # everything fits on one line: widen every column alike
        return [width * total / sum(most) for width in most]
    if sum(least) >= total:  # even the words do not fit: shrink, some will overflow
        return [width * total / sum(least) for width in least]
    spare = total - sum(least)
    wanted = sum(m - l for m, l in zip(most, least))
    return [l + (m - l) * spare / wanted for m, l in zip(most, least)]
