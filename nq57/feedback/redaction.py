"""Removing personal data from Vietnamese text before it is published: e-mail addresses, phone numbers, ID numbers,
the submitter's own name, names introduced by a form of address ("ông", "chị", "tôi là", "họ tên"), and street
or hamlet addresses. Each is replaced by a visible mark, so a reader sees that something was taken out.

Deliberately conservative about numbers: years, amounts ("1.500 tỷ đồng"), articles ("Điều 12"), decree numbers
("Nghị định 13/2023/NĐ-CP") and percentages are left alone; only digit runs shaped like a phone or ID number go.
"""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

MARK = _("[redacted]")  # Vietnamese: "[đã ẩn]"

# Vietnamese letters, built from the Unicode blocks that hold them (Python's re has no \p{Lu}).
_LETTERS = "".join(chr(c) for c in range(0x41, 0x1EFA) if chr(c).isalpha() and (c < 0x250 or c >= 0x1E00))
UPPER = "".join(ch for ch in _LETTERS if ch.isupper())
LOWER = "".join(ch for ch in _LETTERS if ch.islower())
_U = f"[{re.escape(UPPER)}]"
_L = f"[{re.escape(LOWER)}]"
_WORD_END = r"(?![\w])"

# A capitalised word of a personal name ("Nguyễn", "Thị", "A") or one written in capitals ("NGUYỄN").
_NAME_WORD = f"(?:{_U}{_L}*|{_U}+){_WORD_END}"
_NAME = f"{_NAME_WORD}(?:[ \\t]+{_NAME_WORD}){{0,4}}"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

# 0912 345 678, 0912.345.678, 091-234-5678, (024) 3825 1234, +84 912 345 678, (+84) 91 234 5678
_SEP = r"[ .\-]?"
PHONE = re.compile(
    r"(?<![\w.,/])"
    r"(?:\(\+\s?84\)[ .\-]?\d{1,3}|\+\s?84[ .\-]?\d{1,3}|\(0\d{1,3}\)|0\d{1,3})"
    + _SEP + r"(?:\d" + _SEP + r"){6,8}\d"
    r"(?![\w/]|[.,]\d)"
)

_MONEY = r"(?:đồng|đ|vnđ|vnd|usd|tỷ|triệu|nghìn|ngàn|trăm|người|ha|km|m2|%)"
ID_NUMBER = re.compile(r"(?<![\w.,/])(?:\d{12}|\d{9})(?![\w/]|[.,]\d)(?!\s*" + _MONEY + r"\b)", re.IGNORECASE)
ID_INTRO = re.compile(
    r"(?P<intro>\b(?:CCCD|CMND|CMTND|căn cước(?: công dân)?|chứng minh (?:nhân dân|thư)|số định danh(?: cá nhân)?)"
    r"(?:\s+số)?\s*:?\s*)(?P<number>\d[\d .]{7,18}\d)",
    re.IGNORECASE,
)

_HONORIFIC = (r"(?:[Tt]ên (?:tôi|của tôi|em|cháu) là|[Tt]ôi tên là|[Tt]ôi là|[Ee]m là|[Cc]háu là|"
              r"[Hh]ọ (?:và )?tên(?: người gửi)?\s*:?|[Nn]gười gửi\s*:|"
              r"[Bb]à|[Ôô]ng|[Aa]nh|[Cc]hị|[Ee]m)")
HONORIFIC_NAME = re.compile(rf"(?P<intro>(?<![\w]){_HONORIFIC}[ \t]+)(?P<name>{_NAME})")

# Addresses: an explicit "địa chỉ: …" runs to the end of its sentence; otherwise a chain of address parts that
# starts with a house number with a street or lane, or with a hamlet.
ADDRESS_INTRO = re.compile(
    r"(?P<intro>(?<![\w])(?:[Đđ]ịa chỉ(?: liên hệ| thường trú| tạm trú)?|[Tt]rú tại|[Cc]ư trú tại|"
    r"[Tt]hường trú tại|[Tt]ạm trú tại|[Nn]ơi ở(?: hiện nay)?)\s*:?\s*)"
    r"(?P<address>[^\n;.]*(?:\.(?=\S)[^\n;.]*)*)"
)
_PART_NAME = rf"(?:\d+[A-Za-z]?(?:/\d+[A-Za-z]?)*|{_NAME})"
_STREET = r"(?i:ngõ|ngách|hẻm|kiệt|phố|đường)"
_AREA = (r"(?i:số nhà|nhà số|ngõ|ngách|hẻm|kiệt|phố|đường|phường|xã|thị trấn|thôn|xóm|ấp|bản|"
         r"tổ dân phố|tổ|khu phố|khu dân cư|khu|quận|huyện|thị xã|thành phố|tỉnh|TP\.?|Q\.|P\.)")
_START = (rf"(?:(?:[Ss]ố nhà|[Nn]hà số)\s+\d+[A-Za-z]?(?:/\d+[A-Za-z]?)*"
          rf"|[Ss]ố\s+\d+[A-Za-z]?(?:/\d+[A-Za-z]?)*(?=,?\s+{_STREET}\s)"
          rf"|(?:[Nn]gõ|[Nn]gách|[Hh]ẻm|[Kk]iệt)\s+\d+[A-Za-z]?(?:/\d+)*"
          rf"|(?:[Tt]hôn|[Xx]óm|[Ấấ]p|[Tt]ổ dân phố|[Kk]hu phố)\s+{_PART_NAME})")
ADDRESS_CHAIN = re.compile(
    rf"(?<![\w]){_START}(?:,?[ \t]+{_AREA}[ \t]+{_PART_NAME}|,?[ \t]+{_STREET}[ \t]+{_PART_NAME})*"
    rf"(?:,[ \t]*(?:{_AREA}[ \t]+)?{_NAME}(?=[ \t]*(?:[,.;)\n]|$)))?"
)


def _strip_marks(text):
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn") \
        .replace("đ", "d").replace("Đ", "D")


def _loose(word):
    """A pattern for `word` that also matches it typed without diacritics ("Nguyễn" ~ "Nguyen")."""
    out = []
    for ch in unicodedata.normalize("NFC", word):
        bare = _strip_marks(ch)
        out.append(re.escape(ch) if bare == ch else f"[{re.escape(ch)}{re.escape(bare)}]")
    return "".join(out)


def _name_patterns(names):
    """Patterns for the given names: each full name and every ending of it ("Văn An" of "Nguyễn Văn An": a
    surname with a middle name is shared by millions, and street names), as written, in capitals or without
    diacritics; and the given name alone after a form of address ("ông An")."""
    runs = set()
    given = set()
    for name in names:
        words = [w for w in re.split(r"\s+", (name or "").strip()) if w]
        if not words:
            continue
        for start in range(0, max(1, len(words) - 1)):
            runs.add(" ".join(words[start:]))
        given.add(words[-1])
    patterns = []
    for run in sorted(runs, key=len, reverse=True):
        for form in dict.fromkeys([run, run.upper()]):
            patterns.append(re.compile(r"(?<!\w)" + r"\s+".join(_loose(w) for w in form.split()) + r"(?!\w)"))
    for word in sorted(given, key=len, reverse=True):
        for form in dict.fromkeys([word, word.upper()]):
            patterns.append(re.compile(rf"(?P<intro>(?<![\w]){_HONORIFIC}[ \t]+)" + _loose(form) + r"(?!\w)"))
    return patterns


def redact_contacts(text):
    """Only the contact data: e-mail addresses, phone numbers and ID numbers (always removed)."""
    if not text:
        return text or ""
    mark = str(MARK)
    text = EMAIL.sub(mark, text)
    text = ID_INTRO.sub(lambda m: m.group("intro") + mark, text)
    text = PHONE.sub(mark, text)
    text = ID_NUMBER.sub(mark, text)
    return text


def redact(text, *, names=(), extra=()):
    """`text` with personal data replaced by MARK. `names` are the submitter's names (removed with their parts);
    `extra` are literal strings to remove too (their address as typed on the form)."""
    if not text:
        return text or ""
    mark = str(MARK)
    for literal in sorted({e.strip() for e in extra if e and len(e.strip()) >= 6}, key=len, reverse=True):
        text = re.sub(re.escape(literal), mark, text, flags=re.IGNORECASE)
    text = redact_contacts(text)
    text = ADDRESS_INTRO.sub(lambda m: m.group("intro") + mark if m.group("address").strip() else m.group(0),
                             text)
    text = ADDRESS_CHAIN.sub(mark, text)
    for pattern in _name_patterns(names):
        if "intro" in pattern.groupindex:
            text = pattern.sub(lambda m: m.group("intro") + mark, text)
        else:
            text = pattern.sub(mark, text)
    text = HONORIFIC_NAME.sub(_honorific_name, text)
    return _merge_marks(text, mark)


def _honorific_name(match):
    name = match.group("name")
    first = name.split()[0]
    # "ông Bộ trưởng" is a title; "Bà Rịa", "phố Bà Triệu", "Hai Bà Trưng", "Ông Ích Khiêm" are places.
    if first in _TITLES or first in _PLACE_WORDS or _after_place_word(match.string, match.start()):
        return match.group(0)
    return match.group("intro") + str(MARK)


def _after_place_word(text, start):
    """Is the form of address part of a place name: after "phố", "phường"… or after a capitalised word?"""
    found = re.search(r"(\S+)[ \t]+$", text[max(0, start - 40):start])
    if not found:
        return False
    last = found.group(1)
    return last.lower() in _PLACE_PREFIXES or (last[:1].isupper() and last.isalpha())


_TITLES = {"Bộ", "Chủ", "Giám", "Phó", "Trưởng", "Thủ", "Tổng", "Bí", "Viện", "Hiệu", "Cục", "Vụ", "Chánh", "Ủy",
           "Uỷ", "Các", "Những", "Ấy", "Này"}
_PLACE_WORDS = {"Rịa", "Triệu", "Trưng", "Chiểu", "Điểm", "Đen", "Ích", "Lãnh", "Hạt", "Quẹo", "Chúa", "Kiệu"}
_PLACE_PREFIXES = {"phố", "đường", "phường", "xã", "tỉnh", "huyện", "quận", "cầu", "chợ", "núi", "chùa", "đền",
                   "thị", "trấn", "ngõ", "hẻm", "sông", "hồ", "bến", "làng", "thôn", "ấp", "tp.", "tp", "q.", "p."}


def _merge_marks(text, mark):
    # "[đã ẩn], [đã ẩn]" from an address split in parts reads better as one mark.
    pattern = re.escape(mark) + r"(?:[ \t]*,?[ \t]*" + re.escape(mark) + r")+"
    return re.sub(pattern, mark, text)
