"""Evidence files: what is accepted, how it is stored, and who may download it.

A file is accepted only when its extension is allowed AND its first bytes are what that
extension promises (a renamed executable or HTML page is refused), and when it fits in
settings.EVIDENCE_MAX_BYTES. It is stored under a random name (models.evidence_path); the
original name is kept in a column and used only in the download's Content-Disposition.
"""

import hashlib
import os
import unicodedata
import zipfile

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from nq57.core.permissions import can
from nq57.core.roles import Action

from .models import Evidence, ProgressReport

PDF = b"%PDF-"
ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"

# extension → (content type served, leading bytes, a member an Office Open XML file must contain)
ALLOWED = {
    ".pdf": ("application/pdf", PDF, None),
    ".doc": ("application/msword", OLE, None),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP, "word/"),
    ".xls": ("application/vnd.ms-excel", OLE, None),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP, "xl/"),
    ".png": ("image/png", PNG, None),
    ".jpg": ("image/jpeg", JPEG, None),
    ".jpeg": ("image/jpeg", JPEG, None),
}
ACCEPT_ATTRIBUTE = ",".join(ALLOWED)  # for <input type="file" accept="…">
CHUNK = 64 * 1024


def clean_name(name):
    """The file's own name without any directory part or control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", os.path.basename(str(name or "").replace("\\", "/")))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        name = stem[: 255 - len(ext)] + ext
    return name


def _head(uploaded_file, length=8):
    uploaded_file.seek(0)
    head = uploaded_file.read(length)
    uploaded_file.seek(0)
    return head


def _has_member(uploaded_file, prefix):
    try:
        uploaded_file.seek(0)
        with zipfile.ZipFile(uploaded_file) as archive:
            return any(name.startswith(prefix) for name in archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        uploaded_file.seek(0)


def validate_upload(uploaded_file):
    """Check extension, size and content signature; returns (clean name, content type) or raises ValidationError."""
    if uploaded_file is None:
        raise ValidationError({"file": _("Choose a file.")})
    name = clean_name(getattr(uploaded_file, "name", ""))
    extension = os.path.splitext(name)[1].lower()
    if not name or extension not in ALLOWED:
        raise ValidationError({"file": _("Only PDF, Word (DOC, DOCX), Excel (XLS, XLSX), PNG and JPEG files "
                                         "are accepted.")})
    size = uploaded_file.size
    if not size:
        raise ValidationError({"file": _("The file is empty.")})
    limit = settings.EVIDENCE_MAX_BYTES
    if size > limit:
        raise ValidationError({"file": _("The file is larger than %(limit)s MB.") % {
            "limit": f"{limit / (1024 * 1024):g}"}})
    content_type, signature, member = ALLOWED[extension]
    if not _head(uploaded_file, len(signature)).startswith(signature) or (
            member and not _has_member(uploaded_file, member)):
        raise ValidationError({"file": _("The content of the file does not match its type (%(extension)s).") % {
            "extension": extension}})
    return name, content_type


def store(*, report, uploaded_file, uploaded_by=None):
    """Validate and save `uploaded_file` for `report` under a random name; returns the Evidence row.

    Called by plans.actions.add_evidence (which checks permission and writes the audit row).
    """
    name, content_type = validate_upload(uploaded_file)
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in iter(lambda: uploaded_file.read(CHUNK), b""):
        digest.update(chunk)
    uploaded_file.seek(0)
    evidence = Evidence(report=report, original_name=name, content_type=content_type, size=uploaded_file.size,
                        sha256=digest.hexdigest(), uploaded_by=uploaded_by)
    evidence.file.save(name, uploaded_file, save=False)
    try:
        evidence.save()
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


def can_view_evidence(user, evidence):
    """The assignee's scope sees the files of its reports; the assigning body's scope once a report is approved."""
    assignment = evidence.report.assignment
    if can(user, Action.VIEW, assignment.organisation):
        return True
    return evidence.report.status == ProgressReport.Status.APPROVED and can(user, Action.VIEW,
                                                                            assignment.task.plan.owner)


@require_GET
@login_required
def download_evidence(request, pk):
    """Serve an evidence file as a download with its original name, to people who may see it."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    evidence = get_object_or_404(
        Evidence.objects.select_related("report__assignment__organisation", "report__assignment__task__plan__owner"),
        pk=pk,
    )
    if not can_view_evidence(request.user, evidence):
        raise PermissionDenied
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
