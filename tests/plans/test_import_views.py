"""The import pages: upload → columns → preview → confirm, permissions four ways, and files that cannot be read."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nq57.core.roles import Role
from nq57.plans.import_views import plan_url
from nq57.plans.importing import ensure_product_types
from nq57.plans.importing.jobs import create_import_job
from nq57.plans.models import Assignment, ImportJob, Plan, Task

pytestmark = pytest.mark.django_db

APPENDIX_2 = "resolution-03-NQ-CP-appendix-2-tasks.md"
SMALL_CSV = ("TT,Tên nhiệm vụ,Cơ quan chủ trì,Cơ quan phối hợp,Kết quả,Thời gian hoàn thành\n"
             "I,Nhóm một,,,,\n"
             "1,Xây dựng đề án,Bộ Y tế,Bộ Phép thuật,Đề án,6/2025\n"
             "2,Báo cáo kết quả,Bộ Công an,,Báo cáo,Khi nào xong\n").encode("utf-8")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english(client):
    # Messages are checked in English, the msgid language; the site defaults to Vietnamese.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def office(make_user):
    """The standing office: may assign tasks for the Central Party Office (VPTWD), the plans' owner."""
    return make_user("office", home="VPTWD", role=Role.STANDING_OFFICE, scope="VPTWD")


@pytest.fixture
def hanoi_office(make_user):
    """A standing office elsewhere: may assign tasks in Hà Nội, not for VPTWD."""
    return make_user("hanoi_office", home="P01", role=Role.STANDING_OFFICE, scope="P01")


@pytest.fixture
def job(office, org):
    return create_import_job(actor=office, name="ke-hoach.csv", data=SMALL_CSV, owner=org("VPTWD"),
                             document={"kind": "plan", "number": "01/KH", "title": "Kế hoạch thử",
                                       "issuer_id": org("CP").pk})


def _document(**extra):
    return {"kind": "resolution", "number": "03/NQ-CP", "title": "Chương trình hành động của Chính phủ",
            "issuer": "CP", "owner": "VPTWD", "issued_on": "09/01/2025", **extra}


def _upload(client, name, data, **fields):
    return client.post(reverse("plans:import_start"), {"file": SimpleUploadedFile(name, data), **_document(**fields)})


# --- permissions, four ways -----------------------------------------------------------------


def test_the_upload_page_needs_a_login(client):
    response = client.get(reverse("plans:import_start"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


@pytest.mark.parametrize("who", ["dave", "alice"])
def test_the_upload_page_is_refused_without_the_right_to_assign(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("plans:import_start")).status_code == 403
    assert _upload(client, "a.csv", SMALL_CSV).status_code == 403
    assert not ImportJob.objects.exists()


def test_the_upload_page_is_shown_to_a_standing_office_with_its_body_prefilled(client, office):
    client.force_login(office)
    response = client.get(reverse("plans:import_start"))
    assert response.status_code == 200
    assert response.context["form"].initial["owner"] == "VPTWD"


def test_an_office_cannot_import_a_plan_for_a_body_outside_its_scope(client, hanoi_office):
    client.force_login(hanoi_office)
    assert client.get(reverse("plans:import_start")).status_code == 200
    response = _upload(client, "a.csv", SMALL_CSV, owner="VPTWD")
    assert response.status_code == 400
    assert "You may not assign tasks for this body." in response.content.decode()
    assert not ImportJob.objects.exists()
    # Its own province is fine.
    assert _upload(client, "a.csv", SMALL_CSV, owner="P01").status_code == 302


@pytest.mark.parametrize("name", ["import_job", "import_mapping", "import_preview"])
def test_the_pages_of_an_import_four_ways(client, job, dave, hanoi_office, office, name):
    url = reverse(f"plans:{name}", args=[job.pk])
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    for user, status in ((dave, 403), (hanoi_office, 403), (office, 200)):
        client.force_login(user)
        assert client.get(url).status_code == status, user


def test_only_the_assigning_body_can_confirm_an_import(client, job, hanoi_office, office):
    client.force_login(hanoi_office)
    assert client.post(reverse("plans:import_preview", args=[job.pk])).status_code == 403
    assert not Plan.objects.exists()
    client.force_login(office)
    assert client.post(reverse("plans:import_preview", args=[job.pk])).status_code == 302
    assert Plan.objects.get().tasks.count() == 2


def test_an_import_that_is_not_there_is_404(client, office):
    client.force_login(office)
    for name in ("import_job", "import_mapping", "import_preview"):
        assert client.get(reverse(f"plans:{name}", args=[999999])).status_code == 404


# --- the whole journey -------------------------------------------------------------------------


def test_importing_the_real_appendix_page_by_page(client, office, shared_data):
    ensure_product_types()
    client.force_login(office)
    response = _upload(client, "phu-luc-2.md", (shared_data / APPENDIX_2).read_bytes())
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("plans:import_mapping", args=[job.pk])
    assert (job.kind, job.owner.code, job.uploaded_by, job.status) == ("md", "VPTWD", office, "uploaded")
    assert job.file.name.startswith("imports/") and "phu-luc" not in job.file.name  # a random name on disk

    page = client.get(response.url)
    assert page.status_code == 200
    form = page.context["form"]
    assert (form["header_row"].initial, form["title"].initial, form["deadline"].initial) == ("7", "1", "5")
    posted = {name: field.initial for name, field in form.fields.items()}
    response = client.post(reverse("plans:import_mapping", args=[job.pk]), posted)
    assert response.status_code == 302 and response.url == reverse("plans:import_preview", args=[job.pk])

    preview = client.get(response.url)
    assert preview.status_code == 200
    counts = preview.context["counts"]
    assert (counts["groups"], counts["tasks"], counts["unresolved"]) == (7, 140, 1)
    html = preview.content.decode()
    assert "nothing has been saved yet" in html
    assert "<td>12</td><td>3</td><td>Coordinating agencies</td><td>Bộ</td>" in html  # the unresolved mention, by row
    assert not Plan.objects.exists()

    response = client.post(reverse("plans:import_preview", args=[job.pk]))
    plan = Plan.objects.get()
    assert response.status_code == 302 and response.url == plan_url(plan, job)
    assert (plan.number, plan.kind, plan.issuer.code, plan.owner.code, str(plan.issued_on)) == (
        "03/NQ-CP", "resolution", "CP", "VPTWD", "2025-01-09")
    assert plan.tasks.count() == 140 and plan.groups.count() == 7
    job.refresh_from_db()
    assert (job.status, job.plan, job.result["tasks_created"]) == ("applied", plan, 140)
    assert job.result["counts"]["assignments"] == Assignment.objects.filter(task__plan=plan).count()

    # Confirming twice does not import twice; the job page shows the outcome.
    again = client.post(reverse("plans:import_preview", args=[job.pk]))
    assert again.status_code == 302 and again.url == reverse("plans:import_job", args=[job.pk])
    assert Plan.objects.count() == 1 and Task.objects.count() == 140
    result_page = client.get(again.url)
    assert result_page.status_code == 200
    assert "<td>12</td><td>3</td><td>Bộ</td>" in result_page.content.decode()  # still reported after the import


def test_a_new_version_through_the_pages_shows_the_diff(client, office, job):
    client.force_login(office)
    client.post(reverse("plans:import_preview", args=[job.pk]))
    plan = Plan.objects.get()
    changed = SMALL_CSV.replace(b"6/2025", b"9/2025").replace(b"2,B\xc3\xa1o c\xc3\xa1o", b"3,B\xc3\xa1o c\xc3\xa1o")
    response = client.post(reverse("plans:import_start"), {"file": SimpleUploadedFile("v2.csv", changed),
                                                            "plan": plan.pk, "kind": "plan"})
    job2 = ImportJob.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302 and job2.plan == plan
    client.post(reverse("plans:import_mapping", args=[job2.pk]), {
        "header_row": "1", "code": "0", "title": "1", "lead": "2", "coordinating": "3", "product": "4",
        "deadline": "5", "responsible_person": "", "source_article": ""})
    page = client.get(reverse("plans:import_preview", args=[job2.pk]))
    counts = page.context["counts"]
    assert (counts["added"], counts["changed"], counts["removed"], counts["unchanged"]) == (1, 1, 1, 0)
    client.post(reverse("plans:import_preview", args=[job2.pk]))
    plan.refresh_from_db()
    assert plan.version == 2
    assert plan.tasks.get(code="2").removed and plan.tasks.get(code="1").deadline_text == "9/2025"


# --- choosing the columns ----------------------------------------------------------------------


def _mapping_post(**overrides):
    data = {"header_row": "1", "code": "0", "title": "1", "lead": "2", "coordinating": "3", "product": "4",
            "deadline": "5", "responsible_person": "", "source_article": ""}
    return {**data, **overrides}


def test_the_task_column_is_required_and_a_column_serves_one_field(client, office, job):
    client.force_login(office)
    url = reverse("plans:import_mapping", args=[job.pk])
    response = client.post(url, _mapping_post(title=""))
    assert response.status_code == 400 and "Choose the column of this field." in response.content.decode()
    response = client.post(url, _mapping_post(lead="3"))
    assert response.status_code == 400 and "already used for another field" in response.content.decode()
    response = client.post(url, _mapping_post(lead="99"))
    assert response.status_code == 400
    job.refresh_from_db()
    assert job.status == "uploaded"


def test_choosing_another_header_row_proposes_its_columns_again(client, office, job):
    client.force_login(office)
    response = client.post(reverse("plans:import_mapping", args=[job.pk]), _mapping_post(header_row="2"))
    assert response.status_code == 200  # shown again for checking, not confirmed
    job.refresh_from_db()
    assert (job.mapping["header_row"], job.status) == (2, "uploaded")
    assert "The header row changed" in response.content.decode()


def test_choosing_another_sheet_detects_its_header(client, office, org):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Bìa"
    workbook.active.append(["Kế hoạch"])
    sheet = workbook.create_sheet("Nhiệm vụ")
    sheet.append(["Ghi chú"])
    sheet.append(["STT", "Nhiệm vụ", "Chủ trì"])
    sheet.append([1, "Việc một", "Bộ Y tế"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    # The first sheet has no header: the upload says so.
    client.force_login(office)
    response = _upload(client, "kh.xlsx", buffer.getvalue())
    assert response.status_code == 400 and "No header row found" in response.content.decode()
    # Moved to the first place, the task sheet is read; the cover sheet can be chosen and is refused clearly.
    workbook.move_sheet("Nhiệm vụ", offset=-1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = create_import_job(actor=office, name="kh.xlsx", data=buffer.getvalue(), owner=org("VPTWD"),
                            document={"title": "KH", "issuer_id": org("CP").pk})
    assert job.mapping == {"sheet": "Nhiệm vụ", "header_row": 2, "columns": {
        "code": 0, "title": 1, "lead": 2, "coordinating": None, "product": None, "deadline": None,
        "responsible_person": None, "source_article": None}}
    response = client.post(reverse("plans:import_mapping", args=[job.pk]), {"sheet": "Bìa", "header_row": "2"})
    assert response.status_code == 400 and "No header row found" in response.content.decode()


# --- files that cannot be imported -------------------------------------------------------------


@pytest.mark.parametrize("name, data, message", [
    ("plan.xlsx", b"not a workbook at all", "not an Excel workbook"),
    ("plan.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 64, "Old Excel files"),
    ("plan.csv", b"TT,T\xean\n1,\xd0\xea", "not UTF-8"),
    ("plan.csv", b"a,b,c\n1,2,3\n", "No header row found"),
    ("plan.csv", b"", "The submitted file is empty."),
    ("plan.exe", b"MZ\x90\x00", "Upload an Excel workbook"),
    ("plan.md", b"# Plan\nNo table here.", "No table found"),
])
def test_a_file_that_cannot_be_read_gets_a_clear_message_not_an_error_page(client, office, name, data, message):
    client.force_login(office)
    response = _upload(client, name, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_over_10_mb_is_refused_with_its_limit(client, office):
    client.force_login(office)
    response = _upload(client, "big.csv", b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 400
    assert "larger than 10 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_document_fields_are_required_for_a_new_plan_and_checked(client, office):
    client.force_login(office)
    response = _upload(client, "a.csv", SMALL_CSV, title="", issuer="Bộ Phép thuật", issued_on="31/02/2025")
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"title", "issuer", "issued_on"}
    assert form.errors["issuer"] == ["No organisation has this code or name."]


def test_the_issuer_can_be_typed_as_a_name_even_a_former_one(client, office):
    client.force_login(office)
    assert _upload(client, "a.csv", SMALL_CSV, issuer="Bộ Thông tin và Truyền thông").status_code == 302
    assert ImportJob.objects.get().document["issuer_id"] == Plan._meta.get_field("issuer").related_model.objects.get(
        code="BKHCN").pk


def test_a_file_gone_from_disk_is_a_clear_message(client, office, job):
    job.file.storage.delete(job.file.name)
    client.force_login(office)
    for name in ("import_mapping", "import_preview"):
        response = client.get(reverse(f"plans:{name}", args=[job.pk]))
        assert response.status_code == 400
        assert "no longer available" in response.content.decode()
