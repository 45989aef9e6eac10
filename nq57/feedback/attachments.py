"""Attachments to submissions: checked like evidence files (extension, content signature, size), stored under a
random name, and their text extracted (PDF, Word) so they can be searched.

CONTRACT (the public-pages helper owns this module; keep the signatures):
- `check_upload(uploaded_file)` → (clean name, content type) or ValidationError (reuses plans.evidence rules,
  with `settings.FEEDBACK_ATTACHMENT_MAX_BYTES` and at most `MAX_FILES` files).
- `check_uploads(files)` → the list of (clean name, content type), or ValidationError (count and each file).
- `save_attachment(submission, uploaded_file)` → Attachment (inside the caller's transaction), text extracted.
- `extract_text(uploaded_file, content_type)` → str ("" when nothing can be read; never raises on bad files).

Extraction reads files sent by anyone, so it is bounded: at most MAX_PAGES pages of a PDF, EXTRACT_SECONDS of
work, MAX_TEXT characters kept, and a Word file whose XML would inflate beyond MAX_INFLATED bytes is not opened
(a "zip bomb").
"""

import hashlib
import logging
import os
import time
import uuid
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The evidence module holds the one list of accepted types and the signature checks; files of both kinds
# are judged the same way.
from nq57.plans.evidence import ALLOWED, CHUNK, _has_member, _head, clean_name

logger = logging.getLogger(__name__)

MAX_FILES = 5
MAX_TEXT = 100_000  # characters of extracted text kept per file
MAX_PAGES = 200
EXTRACT_SECONDS = 10.0
MAX_INFLATED = 50 * 1024 * 1024  # uncompressed size of a Word file's members we agree to read

PDF_TYPE = ALLOWED[".pdf"][0]
DOCX_TYPE = ALLOWED[".docx"][0]
ACCEPT_ATTRIBUTE = ",".join(ALLOWED)  # for <input type="file" accept="…">


def max_bytes():
    return settings.FEEDBACK_ATTACHMENT_MAX_BYTES


def _megabytes(limit):
    return f"{limit / (1024 * 1024):g}"


def check_upload(uploaded_file):
    """Extension, size and content signature of one file: (clean name, content type) or ValidationError."""
    if uploaded_file is None:
        raise ValidationError({"attachments": _("Choose a file.")})
    name = clean_name(getattr(uploaded_file, "name", ""))
    extension = os.path.splitext(name)[1].lower()
    shown = name or "?"
    if not name or extension not in ALLOWED:
        raise ValidationError({"attachments": _(
            "“%(name)s”: only PDF, Word (DOC, DOCX), Excel (XLS, XLSX), PNG and JPEG files are accepted.") % {
                "name": shown}})
    size = uploaded_file.size or 0
    if not size:
        raise ValidationError({"attachments": _("“%(name)s” is empty.") % {"name": shown}})
    limit = max_bytes()
    if size > limit:
        raise ValidationError({"attachments": _("“%(name)s” is larger than %(limit)s MB.") % {
            "name": shown, "limit": _megabytes(limit)}})
    content_type, signature, member = ALLOWED[extension]
    if not _head(uploaded_file, len(signature)).startswith(signature) or (
            member and not _has_member(uploaded_file, member)):
        raise ValidationError({"attachments": _(
            "The content of “%(name)s” does not match its type (%(extension)s).") % {
                "name": shown, "extension": extension}})
    return name, content_type


def check_uploads(files):
    """Every file of a submission: at most MAX_FILES, each accepted by `check_upload`."""
    files = [f for f in files or () if f]
    if len(files) > MAX_FILES:
        raise ValidationError({"attachments": _("Attach at most %(n)d files.") % {"n": MAX_FILES}})
    return [check_upload(f) for f in files]


# --- Text extraction -----------------------------------------------------------------------------------------


def _clean_text(text):
    """Printable text for the database: no NUL (PostgreSQL refuses it), spaces collapsed, at most MAX_TEXT."""
    text = (text or "").replace("\x00", " ")
    return " ".join(text.split())[:MAX_TEXT]


def _pdf_text(stream, deadline):
    from pypdf import PdfReader

    reader = PdfReader(stream, strict=False)
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                return ""
        except Exception:  # noqa: BLE001 — an unknown cipher is just an unreadable file
            return ""
    parts, length = [], 0
    for index, page in enumerate(reader.pages):
        if index >= MAX_PAGES or length >= MAX_TEXT or time.monotonic() > deadline:
            break
        try:
            text = page.extract_text() or ""
        except Exception:  # noqa: BLE001 — one broken page should not lose the others
            continue
        parts.append(text)
        length += len(text)
    return "\n".join(parts)


def _docx_text(stream, deadline):
    import docx

    with zipfile.ZipFile(stream) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_INFLATED:
            return ""
    stream.seek(0)
    document = docx.Document(stream)
    parts, length = [], 0
    for paragraph in document.paragraphs:
        parts.append(paragraph.text)
        length += len(paragraph.text)
        if length >= MAX_TEXT or time.monotonic() > deadline:
            return "\n".join(parts)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
                length += len(cell.text)
            if length >= MAX_TEXT or time.monotonic() > deadline:
                return "\n".join(parts)
    return "\n".join(parts)


def extract_text(uploaded_file, content_type):
    """The searchable text of a PDF or Word (.docx) file; "" for other types and for anything unreadable."""
    readers = {PDF_TYPE: _pdf_text, DOCX_TYPE: _docx_text}
    reader = readers.get(content_type)
    if reader is None:
        return ""
    deadline = time.monotonic() + EXTRACT_SECONDS
    try:
        uploaded_file.seek(0)
        return _clean_text(reader(uploaded_file, deadline))
    except RecursionError:
        logger.warning("attachment text not extracted: nesting too deep")
        return ""
    except Exception as exc:  # noqa: BLE001 — a broken upload must never stop a submission
        logger.warning("attachment text not extracted: %s", exc.__class__.__name__)
        return ""
    finally:
        try:
            uploaded_file.seek(0)
        except (OSError, ValueError):
            pass


# --- Storage -------------------------------------------------------------------------------------------------


def stored_name(name):
    """A random file name keeping only the (already checked) extension: the original never reaches the disk."""
    return uuid.uuid4().hex + os.path.splitext(name)[1].lower()


def save_attachment(submission, uploaded_file):
    """Check, hash, extract and store one file of `submission`; returns the Attachment row."""
    from .models import Attachment

    name, content_type = check_upload(uploaded_file)
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in iter(lambda: uploaded_file.read(CHUNK), b""):
        digest.update(chunk)
    text = extract_text(uploaded_file, content_type)
    uploaded_file.seek(0)
    attachment = Attachment(submission=submission, original_name=name, content_type=content_type,
                            size=uploaded_file.size, sha256=digest.hexdigest(), extracted_text=text)
    attachment.file.save(stored_name(name), uploaded_file, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment
