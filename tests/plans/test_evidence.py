"""Evidence files: type checked by extension and content, size limited, stored under a random name,
downloaded only by those who may see the report, as an attachment that browsers will not sniff."""

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from nq57.audit.services import history_for
from nq57.plans import actions
from nq57.plans.evidence import clean_name, validate_upload
from nq57.plans.models import Evidence, ProgressReport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in English here; the Vietnamese catalogue has its own test.
    with translation.override("en"):
        yield

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32


def _zip(*members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for member in members:
            archive.writestr(member, "<x/>")
    return buffer.getvalue()


DOCX = _zip("word/document.xml")
XLSX = _zip("xl/workbook.xml")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _url(evidence_or_pk):
    return reverse("plans:evidence", args=[getattr(evidence_or_pk, "pk", evidence_or_pk)])


# --- What is accepted -------------------------------------------------------------------------

ACCEPTED = [
    ("báo cáo.pdf", PDF, "application/pdf"),
    ("SCAN.PDF", PDF, "application/pdf"),
    ("bien-ban.doc", OLE, "application/msword"),
    ("quyet-dinh.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("so-lieu.xls", OLE, "application/vnd.ms-excel"),
    ("so-lieu.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("anh.png", PNG, "image/png"),
    ("anh.jpg", JPEG, "image/jpeg"),
    ("anh.jpeg", JPEG, "image/jpeg"),
]


@pytest.mark.parametrize("name, content, content_type", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_files(name, content, content_type):
    assert validate_upload(SimpleUploadedFile(name, content, content_type="text/html")) == (name, content_type)


REFUSED = [
    ("a program", "setup.exe", b"MZ\x90\x00" + b"\x00" * 20, "Only PDF"),
    ("a web page", "trang.html", b"<html><script>alert(1)</script>", "Only PDF"),
    ("no extension", "baocao", PDF, "Only PDF"),
    ("a web page named .pdf", "bao-cao.pdf", b"<html><script>alert(1)</script>", "does not match"),
    ("a PDF named .png", "anh.png", PDF, "does not match"),
    ("a PNG named .jpg", "anh.jpg", PNG, "does not match"),
    ("a Word file named .xlsx", "so-lieu.xlsx", DOCX, "does not match"),
    ("a plain zip named .docx", "quyet-dinh.docx", _zip("payload.js"), "does not match"),
    ("a broken zip named .docx", "quyet-dinh.docx", b"PK\x03\x04 not really a zip", "does not match"),
    ("a PDF named .doc", "bien-ban.doc", PDF, "does not match"),
    ("an empty file", "rong.pdf", b"", "empty"),
]


@pytest.mark.parametrize("case, name, content, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_files(case, name, content, message):
    with pytest.raises(ValidationError, match=message) as caught:
        validate_upload(SimpleUploadedFile(name, content))
    assert "file" in caught.value.message_dict


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.EVIDENCE_MAX_BYTES = len(PDF) - 1
    with pytest.raises(ValidationError, match="larger than"):
        validate_upload(SimpleUploadedFile("lon.pdf", PDF))
    settings.EVIDENCE_MAX_BYTES = len(PDF)
    assert validate_upload(SimpleUploadedFile("vua.pdf", PDF))


@pytest.mark.parametrize("raw, clean", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\a\\báo cáo.pdf", "báo cáo.pdf"),
    ("bad\x00name\n.pdf", "badname.pdf"),
    ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
])
def test_the_original_name_is_reduced_to_a_plain_file_name(raw, clean):
    assert clean_name(raw) == clean


# --- Stored through the service ---------------------------------------------------------------


@pytest.fixture
def report(alice, lang_son_assignment):
    return actions.save_progress_report(actor=alice, assignment=lang_son_assignment, period_end=timezone.localdate(),
                                        text="Đã ban hành quyết định", progress=100,
                                        self_rating=ProgressReport.Rating.GREEN, reports_completion=True)


def _add(user, report, name="quyết định.pdf", content=PDF):
    return actions.add_evidence(actor=user, report=report, uploaded_file=SimpleUploadedFile(name, content))


def test_evidence_is_stored_under_a_random_name_with_its_digest(alice, report, tmp_path):
    evidence = _add(alice, report)
    assert (evidence.original_name, evidence.size, evidence.uploaded_by) == ("quyết định.pdf", len(PDF), alice)
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.content_type == "application/pdf"
    stored = evidence.file.name
    assert stored.startswith(f"evidence/{report.assignment_id}/") and "quy" not in stored and "." not in stored
    assert (tmp_path / stored).read_bytes() == PDF
    assert history_for(evidence).get().after["original_name"] == "quyết định.pdf"


def test_a_spoofed_file_is_not_stored(alice, report, tmp_path):
    with pytest.raises(ValidationError):
        _add(alice, report, name="virus.pdf", content=b"MZ\x90\x00")
    assert not Evidence.objects.exists()
    assert not any(tmp_path.rglob("*/*"))


def test_an_oversize_file_is_not_stored(alice, report, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="larger than"):
        _add(alice, report)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("who", ["charlie", "dave", "sophie"])
def test_only_the_assignee_scope_adds_evidence(request, report, who):
    with pytest.raises(PermissionDenied):
        _add(request.getfixturevalue(who), report)


def test_evidence_cannot_be_added_to_a_submitted_report(alice, report):
    _add(alice, report)
    actions.submit_progress_report(actor=alice, report=report)
    with pytest.raises(ValidationError, match="draft or a returned"):
        _add(alice, report, name="them.pdf")


def test_evidence_is_removed_from_a_draft_with_its_file(alice, report, tmp_path, django_capture_on_commit_callbacks):
    evidence = _add(alice, report)
    stored = tmp_path / evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):
        actions.remove_evidence(actor=alice, evidence=evidence)
    assert not Evidence.objects.exists()
    assert not stored.exists()


# --- Download ---------------------------------------------------------------------------------


@pytest.fixture
def evidence(alice, report):
    return _add(alice, report)


@pytest.mark.parametrize("persona, expected", [("anonymous", 302), ("dave", 403), ("alice", 200), ("hanh", 200),
                                               ("charlie", 403), ("sophie", 403)])
def test_who_may_download_evidence_of_a_draft(request, client, evidence, persona, expected):
    # sophie's assigning body sees evidence only once the agency head has approved the report.
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = client.get(_url(evidence))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/accounts/login/")


def test_the_assigning_body_downloads_evidence_of_an_approved_report(client, alice, hanh, sophie, report, evidence):
    actions.submit_progress_report(actor=alice, report=report)
    actions.approve_progress_report(actor=hanh, report=report)
    client.force_login(sophie)
    assert client.get(_url(evidence)).status_code == 200


def test_the_download_is_an_attachment_with_the_original_name_and_no_sniffing(client, alice, evidence):
    client.force_login(alice)
    response = client.get(_url(evidence))
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_missing_evidence_or_file_is_a_404(client, alice, evidence):
    client.force_login(alice)
    assert client.get(_url(evidence.pk + 1000)).status_code == 404
    evidence.file.storage.delete(evidence.file.name)
    assert client.get(_url(evidence)).status_code == 404


def test_the_download_answers_only_get(client, alice, evidence):
    client.force_login(alice)
    assert client.post(_url(evidence)).status_code == 405
