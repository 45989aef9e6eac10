"""Reading one published target: "≥ 80", "> 0,7", "≤ 3 Đông Nam Á; ≤ 50 Thế giới", "+16–18%/năm",
"≥ 3% và tăng dần …", or words ("Đạt mức tiên tiến …") kept as a qualitative milestone; and what the unit
says about the indicator's value type and direction. Pure functions: no database."""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.utils.translation import gettext as _

from nq57.core.text import search_key

from ..models import Indicator, Target

VT = Indicator.ValueType
DIR = Indicator.Direction
C = Target.Comparator


class TargetPart(NamedTuple):
    """One target of a published result: "≤ 50 Thế giới" → ("rank_lte", Decimal("50"), None, "Thế giới")."""

    comparator: str
    value: Decimal | None
    value_high: Decimal | None
    series: str


@dataclass
class ParsedTarget:
    """What a result cell says: its targets (one per series), or a qualitative milestone, and what the unit
    and the wording suggest for the indicator's value type and direction."""

    text: str
    targets: list = field(default_factory=list)
    qualitative: bool = False
    remainder: str = ""  # words after the number, kept with the target's text ("và tăng dần …")
    value_type: str = VT.QUALITATIVE
    direction: str = DIR.HIGHER
    warning: str = ""

    @property
    def is_empty(self):
        return not self.text


# A number as published: "0,7" (decimal comma), "1.000" (thousands), "2.5", "09".
_NUMBER = r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
_PART = re.compile(
    rf"^(?P<op>>=|<=|=>|=<|>|<|=)?\s*(?P<sign>[+-])?\s*(?P<low>{_NUMBER})\s*(?P<pct_low>%)?"
    rf"(?:\s*(?:-|đến|to)\s*\+?\s*(?P<high>{_NUMBER})\s*(?P<pct_high>%)?)?(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL)
_SYMBOLS = {"≥": ">=", "⩾": ">=", "≤": "<=", "⩽": "<=", "–": "-", "—": "-", "−": "-", "\u00a0": " ", "＞": ">",
            "＜": "<"}
# Words standing for a comparator at the start of a result (compared folded)
_WORD_OPERATORS = [("toi thieu", ">="), ("it nhat", ">="), ("tu", ">="), ("tren", ">"), ("vuot", ">"),
                   ("toi da", "<="), ("khong qua", "<="), ("duoi", "<"), ("bang", "="),
                   ("dat", ""), ("khoang", "")]
_OPERATORS = {">=": C.GTE, "=>": C.GTE, ">": C.GT, "<=": C.LTE, "=<": C.LTE, "<": C.LT, "=": C.EQ}
_PER_YEAR = re.compile(r"^\s*%?\s*/\s*(?:năm|nam|year)\b\.?", re.IGNORECASE)
_CONNECTIVE = re.compile(r"^(?:và|va|hoặc|hoac|,|\(|so với|so voi|trở lên|tro len|trở xuống|tro xuong)\b",
                         re.IGNORECASE)
_SERIES_WORDS = 6

# Units (folded) and what they measure
_RANK_UNITS = ("thu bac", "thu hang", "xep hang", "hang", "rank")
_INDEX_UNITS = ("chi so", "hdi", "diem", "index", "score")
_AMOUNT_UNITS = ("tbps", "gbps", "mbps", "ty dong", "trieu dong", "nghin ty", "dong", "usd", "ty usd", "trieu usd",
                 "km", "mw", "gw", "kwh", "tan", "ha", "gio", "ngay")
_COUNT_UNITS = ("doanh nghiep", "to chuc", "tuyen", "san", "trung tam", "co so", "thanh pho", "tinh", "don vi", "cai",
                "chiec", "he thong", "nen tang", "san pham", "du an", "nhiem vu", "cong trinh", "ho so", "van ban",
                "bo", "xa", "phuong", "lan", "nguoi", "so luong", "mo hinh", "linh vuc", "cong nghe", "bang sang che",
                "don", "bai bao", "cong bo", "phong thi nghiem", "vien", "truong", "khu")


def parse_decimal(text):
    """A published number as a Decimal: "0,7" → 0.7, "1.000" → 1000, "09" → 9; None if it is not one."""
    text = (text or "").strip().replace(" ", "")
    if not re.fullmatch(_NUMBER, text):
        return None
    if re.fullmatch(r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?", text):
        text = text.replace(".", "")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def unit_value_type(unit, *, percent_sign=False):
    """(value type, direction) the unit suggests: "% GDP" → percentage, "%/năm" → growth, "Thứ bậc" → rank
    (lower is better), "Doanh nghiệp" → count, "Tbps" → amount, "Người/vạn dân" or HDI → index."""
    key = search_key(unit)
    raw = (unit or "").replace(" ", "").lower()
    if not key and not raw:
        return (VT.PERCENTAGE if percent_sign else VT.AMOUNT), DIR.HIGHER
    if "%" in raw and re.search(r"/(năm|nam|year)", raw):
        return VT.GROWTH, DIR.HIGHER
    if raw.startswith("%") or key.startswith(("phan tram", "ti le", "ty le", "percent")):
        return VT.PERCENTAGE, DIR.HIGHER
    if any(key == u or key.startswith(u + " ") for u in _RANK_UNITS):
        return VT.RANK, DIR.LOWER
    if any(key == u or key.startswith(u + " ") or f"({u})" in (unit or "").lower() for u in _INDEX_UNITS) \
            or " hdi" in f" {key}":
        return VT.INDEX, DIR.HIGHER
    if "/" in raw:
        return VT.INDEX, DIR.HIGHER  # a ratio per population: people per 10,000 inhabitants
    if key.startswith("so "):
        key = key[3:]
    if any(key == u or key.startswith(u + " ") for u in _AMOUNT_UNITS):
        return VT.AMOUNT, DIR.HIGHER
    if any(key == u or key.startswith(u + " ") for u in _COUNT_UNITS):
        return VT.COUNT, DIR.HIGHER
    return VT.AMOUNT, DIR.HIGHER


def _normalise(text):
    for symbol, plain in _SYMBOLS.items():
        text = text.replace(symbol, plain)
    return " ".join(text.split())


def _word_operator(part):
    """"Tối thiểu 80" → (">=", "80"), "Đạt 90" → ("", "90"); ("", part) when it starts with no such word."""
    words = part.split(" ")
    for phrase, op in _WORD_OPERATORS:
        length = len(phrase.split())
        if search_key(" ".join(words[:length])) == phrase and len(words) > length \
                and re.match(r"[+\-]?\d", words[length]):
            return op, " ".join(words[length:])
    return "", part


def _parse_part(part, unit_key):
    """(op, sign, low, high, percent, per_year, rest) of one part, or None when it does not start with a number."""
    op, body = _word_operator(part)
    match = _PART.match(body)
    if not match:
        return None
    low, high = parse_decimal(match["low"]), parse_decimal(match["high"]) if match["high"] else None
    if low is None or (match["high"] and high is None):
        return None
    if match["sign"] == "-":
        low = -low
    rest = match["rest"].strip()
    per_year = bool(_PER_YEAR.match(rest))
    rest = _PER_YEAR.sub("", rest).strip() if per_year else rest
    if rest.startswith("%"):
        rest = rest[1:].strip()
    if unit_key and search_key(rest) == unit_key:
        rest = ""  # "≥ 5 doanh nghiệp" with the unit "Doanh nghiệp"
    return {"op": match["op"] or op, "low": low, "high": high,
            "percent": bool(match["pct_low"] or match["pct_high"]), "per_year": per_year, "rest": rest}


def parse_target(text, unit=""):
    """Read one published result cell into targets (see ParsedTarget); never raises."""
    original = (text or "").strip()
    result = ParsedTarget(text=original)
    value_type, direction = unit_value_type(unit)
    if not original:
        result.value_type, result.direction = value_type, direction
        return result
    normalised = _normalise(original)
    pieces = [p.strip() for p in re.split(r"[;\n]", normalised) if p.strip()]
    unit_key = search_key(unit)
    parsed = [_parse_part(p, unit_key) for p in pieces]
    if not pieces or any(p is None for p in parsed):
        result.qualitative = True
        result.value_type, result.direction = VT.QUALITATIVE, DIR.HIGHER
        if re.search(r"\d", original) and not re.search(r"(?:19|20)\d\d", original):
            result.warning = _("The number in “%(text)s” was not understood; kept as a qualitative milestone.") \
                % {"text": original[:80]}
        return result
    if not unit:
        value_type, direction = unit_value_type("", percent_sign=any(p["percent"] for p in parsed))
    if any(p["per_year"] for p in parsed) and value_type in (VT.PERCENTAGE, VT.AMOUNT):
        value_type = VT.GROWTH
    # "≤ 10" of a percentage or a count: the document asks to stay under it, so lower is better.
    if value_type != VT.RANK and all(p["op"] in ("<=", "=<", "<") for p in parsed):
        direction = DIR.LOWER
    result.value_type, result.direction = value_type, direction
    remainders, series_seen = [], set()
    for part in parsed:
        rest, series = part["rest"], ""
        lower_words = search_key(rest)
        for words, op in (("tro len", ">="), ("tro xuong", "<=")):
            if lower_words.startswith(words) and not part["op"]:
                part["op"], rest = op, rest.split(" ", 2)[2] if len(rest.split(" ")) > 2 else ""
        if rest and not _CONNECTIVE.match(rest) and rest[:1].isupper() and not re.search(r"\d", rest) \
                and len(rest.split()) <= _SERIES_WORDS:
            series = rest.strip(" .:")[:100]
        elif rest:
            remainders.append(rest)
        if part["high"] is not None:
            low, high = sorted((part["low"], part["high"]))
            comparator = C.BETWEEN
        else:
            low, high = part["low"], None
            op = part["op"]
            if not op:
                comparator = C.RANK_LTE if value_type == VT.RANK else (C.LTE if direction == DIR.LOWER else C.GTE)
            elif value_type == VT.RANK and op in ("<=", "=<"):
                comparator = C.RANK_LTE
            else:
                comparator = _OPERATORS[op]
        if series in series_seen:
            result.targets, result.qualitative = [], True
            result.value_type, result.direction = VT.QUALITATIVE, DIR.HIGHER
            result.warning = _("“%(text)s” has several targets for the same series; kept as a qualitative "
                               "milestone.") % {"text": original[:80]}
            return result
        series_seen.add(series)
        result.targets.append(TargetPart(str(comparator.value), low, high, series))
    result.remainder = "; ".join(remainders)
    return result
