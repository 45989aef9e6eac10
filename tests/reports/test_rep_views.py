"""The report pages: request a report through the form, follow it, download its files; schedules.

Permissions four ways on every URL: anonymous → login; signed in without a role → 403; alice and lan (Lạng Sơn,
P20) see and request Lạng Sơn's reports; charlie and minh (Hà Nội, P01) get 403 for them and cannot pick
Lạng Sơn in the forms. Schedules take APPROVE: lan yes, alice (focal officer) no."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from nq57.reports import actions, tasks
from nq57.reports import content as report_content
from nq57.reports.models import Report, ReportSchedule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def option(organisation):
    return f'<option value="{organisation.pk}"'

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FakeWriter:
    def __init__(self, fmt):
        self.fmt = fmt

    def write(self, content, stream):
        stream.write(f"{self.fmt} file".encode())


@pytest.fixture
def done_report(make_report, monkeypatch, settings, tmp_path, alice):
    """Lạng Sơn's report of the first half of 2025, generated (fake build and writers)."""
    from rep_writer_samples import vietnamese

    settings.MEDIA_ROOT = tmp_path / "media"

    def build(report, progress=None):
        content = vietnamese()
        content.figures = {"current": {"completed": 1234, "overdue": 2, "on_time_rate": 87.5, "unknown": 1},
                           "previous": {"completed": 1000, "on_time_rate": 90.0}}
        return content

    monkeypatch.setattr(report_content, "build", build)
    monkeypatch.setattr(tasks, "_writer", lambda path: FakeWriter(path.rsplit(".", 1)[1].split("_")[0]))
    report = make_report(scope="P20", requested_by=alice)
    tasks.run_report(report.pk)
    report.refresh_from_db()
    return report


@pytest.fixture
def p20_schedule(lan, org):
    return actions.create_schedule(actor=lan, scope=org("P20"), period_kind="quarter", emails="a@example.vn")


def form_data(organisation, **fields):
    data = {"scope": str(organisation.pk), "period_kind": "half", "year": "2025", "period_number": "1",
            "language": "vi", "document_number": "15/BC-UBND", "place": "Lạng Sơn", "recipients": "Thường trực Tỉnh ủy\nSở KH&CN",
            "signer_title": "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH", "signer_name": "Nguyễn Văn B"}
    data.update(fields)
    return data


# --- requesting ----------------------------------------------------------------------------------------------


def test_the_form_queues_a_report_and_enqueues_its_generation(client, alice, org, settings,
                                                             django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:new"), form_data(org("P20")))
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert (report.status, report.scope, report.requested_by) == (Report.Status.QUEUED, org("P20"), alice)
    assert (report.period_start, report.period_end) == (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
    assert report.signer_title == "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH" and report.number == "15/BC-UBND"
    queued = DBTaskResult.objects.get(task_path="nq57.reports.tasks.generate_report")
    assert queued.args_kwargs == {"args": [report.pk], "kwargs": {}}


def test_the_form_offers_the_users_scopes_and_defaults_to_the_last_ended_half_year(client, alice, org):
    client.force_login(alice)
    body = client.get(reverse("reports:new")).content.decode()
    assert option(org("P20")) in body
    assert option(org("P01")) not in body and option(org("BCDTW")) not in body  # no national figures
    today = timezone.localdate()
    year, number = (today.year, 1) if today.month > 6 else (today.year - 1, 2)
    assert f'name="year" value="{year}"' in body and f'name="period_number" value="{number}"' in body
    assert "nq57/reports.js" in body and "data-period-defaults" in body


def test_a_national_viewer_may_pick_the_nation(client, make_user, org):
    from nq57.core.roles import Role

    client.force_login(make_user("tuan", home="VPTWD", role=Role.LEADER, scope="BCDTW"))
    body = client.get(reverse("reports:new")).content.decode()
    assert option(org("BCDTW")) in body and option(org("P01")) in body


def test_a_link_from_a_dashboard_preselects_a_unit_inside_the_scope(client, alice, org):
    client.force_login(alice)
    department = org("P20-SKHCN")
    body = client.get(reverse("reports:new") + f"?scope={department.pk}").content.decode()
    assert f'<option value="{department.pk}" selected>' in body
    outside = client.get(reverse("reports:new") + f"?scope={org('P01').pk}").content.decode()
    assert option(org("P01")) not in outside


def test_the_same_particulars_again(client, alice, done_report):
    client.force_login(alice)
    body = client.get(reverse("reports:new") + f"?from={done_report.pk}").content.decode()
    assert 'name="year" value="2025"' in body and 'name="period_number" value="1"' in body


@pytest.mark.parametrize("fields, message", [
    ({"year": "abc"}, "Enter a whole number"),
    ({"year": "1990"}, "2020"),
    ({"period_number": "3"}, "from 1 to 2"),
    ({"period_kind": "week"}, "Select a valid choice"),
    ({"period_kind": "month", "period_number": ""}, "Enter the number of the period"),
    ({"scope": "not-a-number"}, "Select a valid choice"),
    ({"language": "fr"}, "Select a valid choice"),
])
def test_bad_input_shows_the_form_again_with_a_message_and_nothing_lost(client, alice, org, fields, message):
    client.force_login(alice)
    response = client.post(reverse("reports:new"), form_data(org("P20"), **fields))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "15/BC-UBND" in body and "Thường trực Tỉnh ủy" in body  # what was typed is still there
    assert not Report.objects.exists()


def test_a_yearly_report_needs_no_number(client, alice, org, monkeypatch):
    monkeypatch.setattr(tasks, "generate_report", type("T", (), {"enqueue": staticmethod(lambda pk: None)})())
    client.force_login(alice)
    response = client.post(reverse("reports:new"), form_data(org("P20"), period_kind="year", year="2024",
                                                             period_number=""))
    assert response.status_code == 302
    assert Report.objects.get().period_end == datetime.date(2024, 12, 31)


@pytest.mark.parametrize("user", ["charlie", "minh"])
def test_another_provinces_scope_cannot_be_picked(request, client, org, user):
    client.force_login(request.getfixturevalue(user))
    body = client.get(reverse("reports:new")).content.decode()
    assert option(org("P20")) not in body
    response = client.post(reverse("reports:new"), form_data(org("P20")))
    assert response.status_code == 400 and not Report.objects.exists()


# --- following and downloading --------------------------------------------------------------------------------


def test_a_queued_report_page_refreshes_itself(client, alice, make_report):
    report = make_report(requested_by=alice)
    client.force_login(alice)
    body = client.get(report.get_absolute_url()).content.decode()
    assert f'hx-get="/reports/{report.pk}/progress/"' in body and 'hx-trigger="every 2s"' in body
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in body
    assert "<progress" in body and "reports/%d/download" % report.pk not in body


def test_the_progress_fragment_shows_the_step_and_reloads_the_page_when_done(client, alice, make_report):
    report = make_report(requested_by=alice, status=Report.Status.RUNNING, progress=42, step="Chỉ tiêu",
                         started_at=timezone.now())
    client.force_login(alice)
    url = reverse("reports:progress", args=[report.pk])
    response = client.get(url, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'value="42"' in body and "Chỉ tiêu" in body and "HX-Refresh" not in response
    assert "<html" not in body
    Report.objects.filter(pk=report.pk).update(status=Report.Status.DONE, progress=100)
    response = client.get(url, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true" and "hx-trigger" not in response.content.decode()


def test_a_done_report_shows_its_files_and_figures(client, alice, done_report):
    client.force_login(alice)
    body = client.get(done_report.get_absolute_url()).content.decode()
    for fmt in ("docx", "pdf", "xlsx"):
        assert f"/reports/{done_report.pk}/download/{fmt}/" in body
    assert "hx-get" not in body and "http-equiv" not in body
    assert "Assignments completed in the period" in body and "+234" in body  # 1,234 against 1,000
    assert "1,234" in body and "-2.5" in body  # numbers formatted for the page's language (English here)
    assert "Unknown" not in body


@pytest.mark.parametrize("fmt, content_type", [("docx", DOCX), ("pdf", "application/pdf"), ("xlsx", XLSX)])
def test_downloads_carry_a_readable_name_and_the_right_type(client, alice, done_report, fmt, content_type):
    client.force_login(alice)
    response = client.get(reverse("reports:download", args=[done_report.pk, fmt]))
    assert response.status_code == 200 and response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith(f'-6-thang-dau-nam-2025-lang-son.{fmt}"')
    assert b"".join(response.streaming_content) == f"{fmt} file".encode()


def test_a_report_not_yet_done_has_nothing_to_download(client, alice, make_report):
    report = make_report()
    client.force_login(alice)
    assert client.get(reverse("reports:download", args=[report.pk, "pdf"])).status_code == 404


def test_a_failed_report_shows_its_message_and_may_be_generated_again(client, alice, make_report, monkeypatch):
    enqueued = []
    monkeypatch.setattr(tasks, "generate_report", type("T", (), {"enqueue": staticmethod(enqueued.append)})())
    report = make_report(status=Report.Status.FAILED, error="Không tạo được báo cáo.", progress=30)
    client.force_login(alice)
    body = client.get(report.get_absolute_url()).content.decode()
    assert "Không tạo được báo cáo." in body and reverse("reports:retry", args=[report.pk]) in body
    response = client.post(reverse("reports:retry", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED
    response = client.post(reverse("reports:retry", args=[report.pk]), follow=True)  # no longer failed
    assert "not waiting to be generated again" in response.content.decode()


def test_the_list_shows_the_reports_of_my_scopes_only(client, alice, charlie, make_report):
    mine = make_report(scope="P20", requested_by=alice)
    other = make_report(scope="P01")
    client.force_login(alice)
    body = client.get(reverse("reports:list")).content.decode()
    assert f"/reports/{mine.pk}/" in body and f"/reports/{other.pk}/" not in body
    client.force_login(charlie)
    body = client.get(reverse("reports:list")).content.decode()
    assert f"/reports/{other.pk}/" in body and f"/reports/{mine.pk}/" not in body


def test_the_list_costs_the_same_queries_for_many_reports(client, alice, make_report, p20_schedule):
    client.force_login(alice)
    make_report()
    client.get(reverse("reports:list"))  # warm caches (session, grants)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reports:list"))
    for number in range(1, 13):
        make_report(kind="month", number=number, requested_by=alice, status=Report.Status.DONE, docx="x.docx")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("reports:list"))
    assert len(many.captured_queries) == len(few.captured_queries)


# --- schedules -----------------------------------------------------------------------------------------------


def schedule_data(organisation, **fields):
    data = {"scope": str(organisation.pk), "period_kind": "quarter", "language": "vi",
            "emails": "lanh.dao@langson.gov.vn\nvan.phong@langson.gov.vn", "recipients": "UBND tỉnh",
            "days_after": "5", "active": "on"}
    data.update(fields)
    return data


def test_a_standing_office_creates_changes_and_deletes_a_schedule(client, lan, org):
    client.force_login(lan)
    response = client.post(reverse("reports:schedule_new"), schedule_data(org("P20")))
    assert response.status_code == 302
    schedule = ReportSchedule.objects.get()
    assert schedule.emails == "lanh.dao@langson.gov.vn\nvan.phong@langson.gov.vn" and schedule.days_after == 5
    assert schedule.next_run_on == actions.first_run_on("quarter", 5)
    assert f"/reports/schedules/{schedule.pk}/edit/" in client.get(reverse("reports:list")).content.decode()
    response = client.post(reverse("reports:schedule_edit", args=[schedule.pk]),
                           schedule_data(org("P20"), active="", emails="x@example.vn"))
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.active, schedule.emails) == (False, "x@example.vn")
    assert client.post(reverse("reports:schedule_delete", args=[schedule.pk])).status_code == 302
    assert not ReportSchedule.objects.exists()


@pytest.mark.parametrize("fields, message", [
    ({"emails": "a@example.vn\nkhông phải địa chỉ"}, "không phải địa chỉ"),
    ({"emails": ""}, "This field is required"),
    ({"emails": "\n".join(f"p{i}@example.vn" for i in range(51))}, "at most 50"),
    ({"days_after": "x"}, "Enter a whole number"),
    ({"days_after": "99"}, "less than or equal to 60"),
])
def test_bad_schedule_input_is_shown_on_the_form(client, lan, org, fields, message):
    client.force_login(lan)
    response = client.post(reverse("reports:schedule_new"), schedule_data(org("P20"), **fields))
    assert response.status_code == 400 and message in response.content.decode()
    assert not ReportSchedule.objects.exists()


def test_a_focal_officer_may_not_schedule(client, alice, p20_schedule):
    client.force_login(alice)
    body = client.get(reverse("reports:list")).content.decode()
    assert reverse("reports:schedule_new") not in body and "/edit/" not in body
    assert "Lạng Sơn" in body  # the schedule is listed, read-only


def test_minh_cannot_schedule_lang_son(client, minh, org):
    client.force_login(minh)
    body = client.get(reverse("reports:schedule_new")).content.decode()
    assert option(org("P01")) in body and option(org("P20")) not in body
    assert client.post(reverse("reports:schedule_new"), schedule_data(org("P20"))).status_code == 400
    assert not ReportSchedule.objects.exists()


# --- permissions, four ways, on every URL ---------------------------------------------------------------------


def urls(report, schedule):
    return {
        "list": ("get", reverse("reports:list")),
        "new": ("get", reverse("reports:new")),
        "detail": ("get", reverse("reports:detail", args=[report.pk])),
        "progress": ("get", reverse("reports:progress", args=[report.pk])),
        "download": ("get", reverse("reports:download", args=[report.pk, "docx"])),
        "retry": ("post", reverse("reports:retry", args=[report.pk])),
        "schedule_new": ("get", reverse("reports:schedule_new")),
        "schedule_edit": ("get", reverse("reports:schedule_edit", args=[schedule.pk])),
        "schedule_delete": ("post", reverse("reports:schedule_delete", args=[schedule.pk])),
    }


EXPECTED = {
    # url name: (dave: no role, alice: P20 focal officer, charlie: P01 focal officer, minh: P01 standing office,
    #            lan: P20 standing office)
    "list": (403, 200, 200, 200, 200),
    "new": (403, 200, 200, 200, 200),
    "detail": (403, 200, 403, 403, 200),
    "progress": (403, 200, 403, 403, 200),
    "download": (403, 200, 403, 403, 200),
    "retry": (403, 302, 403, 403, 302),
    "schedule_new": (403, 403, 403, 200, 200),
    "schedule_edit": (403, 403, 403, 403, 200),
    "schedule_delete": (403, 403, 403, 403, 302),
}
PEOPLE = ("dave", "alice", "charlie", "minh", "lan")  # lan last: she deletes the schedule


@pytest.mark.parametrize("name", EXPECTED)
def test_permissions_four_ways(request, client, name, done_report, p20_schedule):
    method, url = urls(done_report, p20_schedule)[name]
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    for person, expected in zip(PEOPLE, EXPECTED[name], strict=True):
        client.force_login(request.getfixturevalue(person))
        status = getattr(client, method)(url).status_code
        assert status == expected, (name, person, status)
        client.logout()


@pytest.mark.parametrize("path", [
    "/reports/abc/", "/reports/0/", "/reports/99999999999999999999999/", "/reports/123456789/",
    "/reports/123456789/progress/", "/reports/99999999999999999999999/download/pdf/",
    "/reports/schedules/99999999999999999999999/edit/", "/reports/schedules/abc/edit/",
])
def test_unknown_or_malformed_ids_are_not_found(client, alice, path):
    client.force_login(alice)
    assert client.get(path).status_code == 404


def test_an_unknown_format_is_not_found(client, alice, done_report):
    client.force_login(alice)
    for fmt in ("odt", "DOCX", "..", "docx.exe"):
        assert client.get(f"/reports/{done_report.pk}/download/{fmt}/").status_code == 404


def test_retry_and_delete_take_post_only(client, alice, lan, done_report, p20_schedule):
    client.force_login(lan)
    assert client.get(reverse("reports:retry", args=[done_report.pk])).status_code == 405
    assert client.get(reverse("reports:schedule_delete", args=[p20_schedule.pk])).status_code == 405
