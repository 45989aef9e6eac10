"""The Vietnamese catalogue is complete and safe to render, and the language switch works end to end.

Vietnamese is the default language, so an empty msgstr shows English to most users and a lost
placeholder raises (or silently drops data) when the string is rendered.
"""

import ast
import contextlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.html import escape

LOCALE_DIR = Path(__file__).resolve().parents[1] / "nq57" / "locale"
VI_PO = LOCALE_DIR / "vi" / "LC_MESSAGES" / "django.po"

# %(name)s, %s, %d … (python-format; "%%" is a literal percent) and {{ name }} (blocktranslate).
PYTHON_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0+]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
TEMPLATE_PLACEHOLDER = re.compile(r"\{\{\s*[^{}]+?\s*\}\}")


@dataclass
class Entry:
    msgid: str
    line: int
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # plain msgstr is index 0
    flags: set[str] = field(default_factory=set)

    @property
    def is_header(self):
        return self.msgid == "" and self.msgctxt is None


def parse_po(path):
    """The entries of a .po file, header included, obsolete (#~) entries left out."""
    entries, fields, flags, current, start = [], {}, set(), None, 0

    def finish():
        nonlocal fields, flags, current
        if "msgid" in fields:
            msgstr = {int(k[7:-1]) if k.startswith("msgstr[") else 0: v
                      for k, v in fields.items() if k.startswith("msgstr")}
            entries.append(Entry(msgid=fields["msgid"], line=start, msgctxt=fields.get("msgctxt"),
                                 msgid_plural=fields.get("msgid_plural"), msgstr=msgstr, flags=flags))
        fields, flags, current = {}, set(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            if "msgid" in fields:  # a comment starts the next entry even without a blank line
                finish()
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            if "msgid" in fields and not line.startswith("#~"):
                finish()
        elif line.startswith('"'):
            if current is None:
                raise ValueError(f"{path}:{number}: continuation line outside an entry")
            fields[current] += unquote(line, path, number)
        else:
            keyword, _, rest = line.partition(" ")
            if not re.fullmatch(r"msgctxt|msgid|msgid_plural|msgstr(\[\d+\])?", keyword):
                raise ValueError(f"{path}:{number}: unexpected line {raw!r}")
            if keyword in ("msgctxt", "msgid") and "msgid" in fields:
                finish()
            if not fields:
                start = number
            current = keyword
            fields[keyword] = unquote(rest, path, number)
    finish()
    return entries


def unquote(text, path, number):
    # PO strings use C escapes, which a Python string literal reads the same way for the
    # escapes gettext writes (\n \t \" \\).
    if not (len(text) >= 2 and text[0] == text[-1] == '"'):
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")
    return ast.literal_eval(text)


def placeholders(text):
    found = Counter(PYTHON_PLACEHOLDER.findall(text)) + Counter(
        re.sub(r"\s+", " ", p) for p in TEMPLATE_PLACEHOLDER.findall(text))
    del found["%%"]
    return found


def describe(entry):
    context = f" [context {entry.msgctxt!r}]" if entry.msgctxt else ""
    return f"  line {entry.line}: {entry.msgid!r}{context}"


@pytest.fixture(scope="module")
def vi_entries():
    return parse_po(VI_PO)


@pytest.fixture(scope="module")
def vi_messages(vi_entries):
    return [e for e in vi_entries if not e.is_header]


# --- the parser itself, so a parser bug cannot make the catalogue checks pass vacuously -----

def test_the_parser_reads_multi_line_plural_and_flagged_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        '#, fuzzy\nmsgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid ""\n"Hello %(name)s,\\n"\n"welcome \\"back\\""\nmsgstr "Chào %(name)s"\n\n'
        'msgid "%(n)s unit"\nmsgid_plural "%(n)s units"\nmsgstr[0] ""\n\n'
        '#~ msgid "gone"\n#~ msgstr "đã bỏ"\n',
        encoding="utf-8")

    header, hello, unit = parse_po(po)

    assert header.is_header and "fuzzy" in header.flags
    assert "nplurals=1" in header.msgstr[0]
    assert hello.msgid == 'Hello %(name)s,\nwelcome "back"'
    assert hello.flags == {"python-format"} and hello.msgstr == {0: "Chào %(name)s"}
    assert (unit.msgid_plural, unit.msgstr) == ("%(n)s units", {0: ""})


def test_the_catalogue_has_entries(vi_messages):
    assert len(vi_messages) > 100, "the Vietnamese catalogue looks truncated; run makemessages"


# --- the Vietnamese catalogue -----------------------------------------------------------------

def test_every_vietnamese_message_is_translated(vi_messages):
    untranslated = [e for e in vi_messages if not e.msgstr or any(not s for s in e.msgstr.values())]
    assert not untranslated, (f"{len(untranslated)} message(s) without a Vietnamese translation in {VI_PO}:\n"
                              + "\n".join(map(describe, untranslated)))


def test_no_vietnamese_entry_is_fuzzy(vi_entries):
    # Django ignores fuzzy translations, so a fuzzy entry shows English.
    fuzzy = [e for e in vi_entries if "fuzzy" in e.flags]
    assert not fuzzy, (f"{len(fuzzy)} fuzzy entr(y/ies) in {VI_PO}; review the translation and drop the flag:\n"
                       + "\n".join("  the header" if e.is_header else describe(e) for e in fuzzy))


def test_vietnamese_has_one_plural_form(vi_entries, vi_messages):
    header = next(e for e in vi_entries if e.is_header).msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    wrong = [e for e in vi_messages if e.msgid_plural is not None and set(e.msgstr) != {0}]
    assert not wrong, "plural messages need exactly msgstr[0]:\n" + "\n".join(map(describe, wrong))


def test_translations_keep_every_placeholder(vi_messages):
    problems = []
    for entry in vi_messages:
        expected = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "")
        for index, text in entry.msgstr.items():
            if not text:
                continue  # reported by the completeness test
            got = placeholders(text)
            missing, extra = expected - got, got - expected
            if missing or extra:
                problems.append(f"{describe(entry)} msgstr[{index}] missing {sorted(missing)}, "
                                f"unknown {sorted(extra)}")
    assert not problems, "placeholders changed in translation:\n" + "\n".join(problems)


def test_the_placeholder_check_catches_a_lost_placeholder():
    assert placeholders("Page %(n)s of %(total)s") - placeholders("Trang %(n)s")
    assert placeholders("Hello {{ name }}, 100%% %s") == Counter({"{{ name }}": 1, "%s": 1})


# --- the running site -------------------------------------------------------------------------

@pytest.fixture
def compiled_messages(settings):
    """Compile the catalogues when a .mo is missing or older than its .po, so the request tests do
    not depend on the setup scripts having run (the .mo files are not in git)."""
    stale = [po for po in LOCALE_DIR.glob("*/LC_MESSAGES/django.po")
             if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]
    if stale:
        # compilemessages compiles every "locale" directory under the working directory; from
        # inside ours it finds none and compiles only LOCALE_PATHS.
        with contextlib.chdir(LOCALE_DIR):
            call_command("compilemessages", locale=[po.parts[-3] for po in stale], verbosity=0)
    # Re-assigning LOCALE_PATHS makes Django drop translations it cached before the compile.
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)


def translation_of(entries, msgid):
    return next(e.msgstr[0] for e in entries if e.msgid == msgid and e.msgctxt is None)


def test_the_home_page_speaks_vietnamese_then_english_from_the_cookie(client, db, compiled_messages, vi_messages):
    vietnamese = escape(translation_of(vi_messages, "Organisations"))

    body = client.get("/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert '<html lang="vi">' in body
    assert f">{vietnamese}</a>" in body
    assert ">Organisations</a>" not in body

    # The cookie set by the language switch wins over the browser's Accept-Language.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert '<html lang="en">' in body
    assert ">Organisations</a>" in body
    assert f">{vietnamese}</a>" not in body


def test_vietnamese_is_the_default_without_any_language_hint(client, db, compiled_messages, vi_messages):
    body = client.get("/").content.decode()
    assert f">{escape(translation_of(vi_messages, 'Organisations'))}</a>" in body
