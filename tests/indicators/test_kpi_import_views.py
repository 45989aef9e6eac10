"""The indicator import page: upload → dry run of every row → apply; permissions four ways; bad files are
a clear message (400), never a 500."""

import datetime
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nq57.indicators.models import Indicator
from nq57.indicators.views.importing import SESSION_KEY

pytestmark = pytest.mark.django_db

APPENDIX = "resolution-03-NQ-CP-appendix-1-targets.md"
URL = reverse("indicators:import")
PROVINCE_CSV = ("TT,Chỉ tiêu,Đơn vị,Kết quả,Cơ quan chủ trì theo dõi,Năm mục tiêu\n"
                "1,Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh,%,≥ 90,UBND tỉnh Lạng Sơn,2030\n"
                "2,Quy mô kinh tế số,% GDP,≥ 30,Bộ Khoa học và Công nghệ,2030\n").encode("utf-8")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def appendix(shared_data):
    return (shared_data / APPENDIX).read_bytes()


@pytest.fixture
def province_plan(org):
    from nq57.plans import actions

    return actions.create_plan(actor=None, kind="plan", number="15/KH-UBND", title="Kế hoạch của tỉnh Lạng Sơn",
                               issuer=org("P20"), owner=org("P20"), issued_on=datetime.date(2025, 3, 1))


def _preview(client, plan, name, data):
    return client.post(URL, {"step": "preview", "source_plan": plan.pk, "file": SimpleUploadedFile(name, data)})


def _stored_files(settings):
    folder = settings.MEDIA_ROOT / "imports" / "indicators"
    return sorted(folder.iterdir()) if folder.exists() else []


# --- permissions, four ways ----------------------------------------------------------------------------


def test_the_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response.url


@pytest.mark.parametrize("who", ["dave", "alice", "hanh"])
def test_the_page_is_refused_without_the_right_to_manage_indicators(client, request, who, national_plan, appendix):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert _preview(client, national_plan, APPENDIX, appendix).status_code == 403
    assert client.post(URL, {"step": "apply", "token": "x"}).status_code == 403
    assert not Indicator.objects.exists()


def test_the_form_offers_only_documents_the_user_may_assign_on(client, lan, national_plan, province_plan):
    client.force_login(lan)
    response = client.get(URL)
    assert response.status_code == 200
    choices = [plan for plan, _label in response.context["form"].fields["source_plan"].choices if plan]
    assert [c.value for c in choices] == [province_plan.pk]
    # Choosing a document of another body is refused like any invalid choice.
    refused = _preview(client, national_plan, "a.csv", PROVINCE_CSV)
    assert refused.status_code == 400 and "source_plan" in refused.context["form"].errors


def test_applying_for_a_document_of_another_body_is_forbidden(client, lan, national_plan, province_plan, settings):
    client.force_login(lan)
    assert _preview(client, province_plan, "a.csv", PROVINCE_CSV).status_code == 200
    session = client.session
    stored = session[SESSION_KEY]
    session[SESSION_KEY] = {**stored, "plan": national_plan.pk}  # as if the document had been swapped
    session.save()
    assert client.post(URL, {"step": "apply", "token": stored["token"]}).status_code == 403
    assert not Indicator.objects.exists()


def test_a_province_office_imports_its_own_indicators_and_not_a_ministrys(client, lan, province_plan):
    client.force_login(lan)
    response = _preview(client, province_plan, "ke-hoach.csv", PROVINCE_CSV)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [d.code for d in preview.drafts] == ["1"] and preview.drafts[0].owner.code == "P20"
    assert "You may not manage indicators of Bộ Khoa học và Công nghệ" in preview.errors[0].message
    response = client.post(URL, {"step": "apply", "token": response.context["token"]})
    assert response.status_code == 302
    assert list(Indicator.objects.values_list("code", "owner__code")) == [("1", "P20")]


# --- the flow ------------------------------------------------------------------------------------------


def test_the_standing_office_previews_every_row_then_applies(client, sophie, national_plan, appendix, settings):
    client.force_login(sophie)
    assert client.get(URL).status_code == 200
    response = _preview(client, national_plan, APPENDIX, appendix)
    assert response.status_code == 200
    content = response.content.decode()
    counts = response.context["counts"]
    assert (counts["rows"], counts["indicators"], counts["grouping"], counts["errors"]) == (60, 56, 1, 0)
    assert "Dry run of" in content and "≤ 3 Đông Nam Á; ≤ 50 Thế giới" in content
    assert "Written “Bộ Thông tin và Truyền thông”, a former name: now Bộ Khoa học và Công nghệ" in content
    assert content.count('<tr class="import-row-') == 60  # every row of the file, with its outcome
    assert not Indicator.objects.exists()
    assert len(_stored_files(settings)) == 1
    response = client.post(URL, {"step": "apply", "token": response.context["token"]})
    assert response.status_code == 302 and response.url == reverse("indicators:index")
    assert Indicator.objects.filter(source_plan=national_plan).count() == 57
    assert _stored_files(settings) == [] and SESSION_KEY not in client.session
    # The second upload of the same file has nothing to import.
    again = _preview(client, national_plan, APPENDIX, appendix)
    assert again.context["counts"]["unchanged"] == 57
    assert "Nothing to import" in again.content.decode()


def test_applying_twice_or_with_a_wrong_token_is_a_clear_message(client, sophie, national_plan, appendix):
    client.force_login(sophie)
    token = _preview(client, national_plan, APPENDIX, appendix).context["token"]
    wrong = client.post(URL, {"step": "apply", "token": "0" * 32})
    assert wrong.status_code == 400 and "upload it again" in wrong.content.decode()
    assert not Indicator.objects.exists()
    assert client.post(URL, {"step": "apply", "token": token}).status_code == 302
    twice = client.post(URL, {"step": "apply", "token": token})
    assert twice.status_code == 400 and Indicator.objects.count() == 57


def test_a_new_upload_replaces_the_waiting_file_and_old_uploads_are_removed(client, sophie, national_plan, appendix,
                                                                             settings):
    client.force_login(sophie)
    _preview(client, national_plan, APPENDIX, appendix)
    _preview(client, national_plan, "a.csv", PROVINCE_CSV)
    assert len(_stored_files(settings)) == 1
    # An upload someone else left two days ago, never applied:
    abandoned = settings.MEDIA_ROOT / "imports" / "indicators" / "abandoned.csv"
    abandoned.write_bytes(PROVINCE_CSV)
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(abandoned, (two_days_ago, two_days_ago))
    _preview(client, national_plan, "b.csv", PROVINCE_CSV)
    assert [f.suffix for f in _stored_files(settings)] == [".csv"] and not abandoned.exists()


# --- bad files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "message"), [
    ("empty.csv", b"", "file is empty"),
    ("report.pdf", b"%PDF-1.4 binary", "Upload an Excel workbook"),
    ("notes.md", "Chỉ là một đoạn văn, không có bảng.".encode(), "No table found"),
    ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "Old Excel files"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "The workbook cannot be read"),
    ("nohead.csv", b"a,b,c\n1,2,3\n", "No header row found"),
    ("latin1.csv", "TT,Chỉ tiêu\n1,Tỷ lệ\n".encode("cp1258", errors="replace"), "not UTF-8"),
])
def test_a_file_that_cannot_be_read_is_a_clear_message(client, sophie, national_plan, name, data, message):
    client.force_login(sophie)
    response = _preview(client, national_plan, name, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Indicator.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, sophie, national_plan, settings):
    settings.INDICATOR_IMPORT_MAX_BYTES = 1024 * 1024
    client.force_login(sophie)
    response = _preview(client, national_plan, "big.csv", b"TT,Chi tieu\n" + b"1,x\n" * 300_000)
    assert response.status_code == 400 and "larger than 1 MB" in response.content.decode()


def test_a_post_without_a_file_or_document_is_a_form_error(client, sophie):
    client.force_login(sophie)
    response = client.post(URL, {"step": "preview"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"file", "source_plan"}
