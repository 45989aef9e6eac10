"""Vietnamese text helpers: accent folding for search and name matching."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text):
    """Lower-case, strip diacritics (đ → d) and collapse spaces: "Bộ KH&CN" → "bộ kh&cn" folded."""
    if not text:
        return ""
    text = unicodedata.normalize("NFD", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = text.replace("đ", "d").replace("Đ", "D").lower()
    return " ".join(text.split())


def search_key(text):
    """Folded text with "&" glued and punctuation dropped: the key used to match names."""
    folded = fold(text)
    folded = re.sub(r"\s*&\s*", "", folded)
    return " ".join(_NON_WORD.sub(" ", folded).split())
