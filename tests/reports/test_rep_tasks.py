"""Generating a report in the background: the claim (queued → running, once), the progress written as it
goes, the three files and the figures stored, the requester told; a failure ends as "failed" with a plain
message. build() and the writers are replaced by fakes here (they have tests of their own); the last test
runs the real ones on the fixed dataset."""

import io
import logging

import pytest
from django.utils import timezone

from nq57.notifications.models import Notification
from nq57.reports import content as report_content
from nq57.reports import tasks
from nq57.reports.models import Report

pytestmark = pytest.mark.django_db


class FakeWriter:
    def __init__(self, fmt, log):
        self.fmt, self.log = fmt, log

    def write(self, content, stream):
        self.log.append(self.fmt)
        stream.write(f"{self.fmt}:{content.scope_name}".encode())


@pytest.fixture
def pipeline(monkeypatch, settings, tmp_path):
    """Fake build() and writers; records what the report looked like while build() ran and every progress
    write."""
    from rep_writer_samples import vietnamese

    settings.MEDIA_ROOT = tmp_path / "media"
    state = {"written": [], "during_build": None, "saved": [], "fail": None}

    def build(report, progress=None):
        state["during_build"] = Report.objects.values("status", "started_at").get(pk=report.pk)
        for percent, step in [(10, "Nhiệm vụ"), (40, "Chỉ tiêu"), (70, "Phản ánh")]:
            progress(percent, step)
        if state["fail"]:
            raise state["fail"]
        content = vietnamese()
        content.scope_name = report.scope.name
        content.figures = {"current": {"tasks_completed": 5, "overdue": 2},
                           "previous": {"tasks_completed": 3, "overdue": 4}}
        return content

    original_save = tasks.ProgressRecorder.save

    def save(self, percent, step):
        state["saved"].append((percent, step))
        original_save(self, percent, step)

    monkeypatch.setattr(report_content, "build", build)
    monkeypatch.setattr(tasks, "_writer", lambda path: FakeWriter(path.rsplit("_", 1)[0].rsplit(".", 1)[1],
                                                                  state["written"]))
    monkeypatch.setattr(tasks.ProgressRecorder, "save", save)
    return state


def test_a_queued_report_is_generated_with_progress_files_and_figures(pipeline, make_report, alice):
    report = make_report(requested_by=alice)
    result = tasks.run_report(report.pk)
    assert result.pk == report.pk
    assert pipeline["during_build"]["status"] == Report.Status.RUNNING and pipeline["during_build"]["started_at"]
    report.refresh_from_db()
    assert (report.status, report.progress, report.step, report.error) == (Report.Status.DONE, 100, "", "")
    assert report.started_at <= report.finished_at
    percents = [percent for percent, _step in pipeline["saved"]]
    assert percents == [0, 10, 40, 70, 80, 88, 95, 99]  # build's steps, then Word, PDF, Excel, saving
    assert [step for _p, step in pipeline["saved"]][1:4] == ["Nhiệm vụ", "Chỉ tiêu", "Phản ánh"]
    assert pipeline["written"] == ["docx", "pdf", "xlsx"]
    for fmt in ("docx", "pdf", "xlsx"):
        field = getattr(report, fmt)
        assert field.name.startswith("reports/") and field.name.endswith("." + fmt)
        with field.open("rb") as handle:
            assert handle.read() == f"{fmt}:{report.scope.name}".encode()
    assert report.figures == {"current": {"tasks_completed": 5, "overdue": 2},
                              "previous": {"tasks_completed": 3, "overdue": 4}}


def test_the_requester_is_told_with_a_link(pipeline, make_report, alice):
    report = make_report(requested_by=alice)
    tasks.run_report(report.pk)
    notification = Notification.objects.get(user=alice)
    assert notification.kind == "report_ready" and notification.url == f"/reports/{report.pk}/"
    assert "Lạng Sơn" in notification.title


def test_progress_writes_are_throttled_within_a_step():
    recorder = tasks.ProgressRecorder(report_id=0, started_at=None, every=60)
    saved = []
    recorder.save = lambda percent, step: saved.append((percent, step))
    recorder(5, "Nhiệm vụ")
    for percent in range(6, 30):
        recorder(percent)  # same step, moments later: not written
    recorder(30, "Chỉ tiêu")  # a new step is always written
    recorder(20)  # never backwards
    recorder(120, "x")  # 100 is for "done" only
    assert saved == [(5, "Nhiệm vụ"), (30, "Chỉ tiêu"), (99, "x")]


def test_a_report_is_claimed_once(pipeline, make_report):
    report = make_report()
    assert tasks.claim(report.pk) is not None
    assert tasks.claim(report.pk) is None  # a second worker finds it running
    assert tasks.run_report(report.pk) is None
    assert pipeline["written"] == []


def test_a_report_that_is_done_is_not_generated_again(pipeline, make_report):
    report = make_report()
    tasks.run_report(report.pk)
    assert tasks.run_report(report.pk) is None
    assert pipeline["written"] == ["docx", "pdf", "xlsx"]


def test_a_run_declared_lost_does_not_overwrite_the_new_one(pipeline, make_report, monkeypatch):
    report = make_report()
    original_build = report_content.build

    def build_then_lose(report, progress=None):
        content = original_build(report, progress)
        # Meanwhile the run was declared lost and a new one claimed the report.
        Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, started_at=timezone.now())
        return content

    monkeypatch.setattr(report_content, "build", build_then_lose)
    assert tasks.run_report(report.pk) is None
    report.refresh_from_db()
    assert report.status == Report.Status.RUNNING and not report.docx


def test_a_failure_ends_as_failed_with_a_plain_message_and_the_log_has_the_traceback(
        pipeline, make_report, alice, caplog):
    alice.language = "en"  # the message is in the requester's language
    alice.save(update_fields=["language"])
    report = make_report(requested_by=alice)
    pipeline["fail"] = ZeroDivisionError("division by zero in a query")
    with caplog.at_level(logging.ERROR, logger="nq57.reports.tasks"):
        tasks.run_report(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED and report.finished_at
    assert report.progress == 70  # kept where it stopped
    assert "could not be generated" in report.error
    assert "ZeroDivisionError" not in report.error and "division" not in report.error
    assert "ZeroDivisionError" in caplog.text
    assert not report.docx and not report.pdf and not report.xlsx
    assert Notification.objects.get(user=alice).kind == "report_failed"


def test_a_refusal_from_build_is_shown_as_it_is(pipeline, make_report):
    from django.core.exceptions import ValidationError

    report = make_report()
    pipeline["fail"] = ValidationError("Không có dữ liệu của kỳ này.")
    tasks.run_report(report.pk)
    report.refresh_from_db()
    assert report.error == "Không có dữ liệu của kỳ này."


def test_a_writer_failure_leaves_no_file_behind(pipeline, make_report, monkeypatch, settings):
    report = make_report()

    class Broken:
        def write(self, content, stream):
            raise RuntimeError("font missing")

    monkeypatch.setattr(tasks, "_writer", lambda path: Broken() if "xlsx" in path else FakeWriter("x", []))
    tasks.run_report(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    stored = list((settings.MEDIA_ROOT / "reports").glob("*")) if (settings.MEDIA_ROOT / "reports").exists() else []
    assert stored == []


def test_the_task_runs_the_report(pipeline, make_report, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    report = make_report()
    result = tasks.generate_report.enqueue(report.pk)
    assert result.return_value == {"report": report.pk, "status": "done"}


def test_the_real_build_and_writers_make_files_that_open(report_dataset, make_report, settings, tmp_path):
    # The whole pipeline on the fixed dataset: the Word file and the Excel file are read back.
    import docx
    import openpyxl

    settings.MEDIA_ROOT = tmp_path / "media"
    report = make_report(scope="P20")
    tasks.run_report(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    with report.docx.open("rb") as handle:
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(handle.read())).paragraphs)
    assert "Lạng Sơn" in text
    with report.xlsx.open("rb") as handle:
        workbook = openpyxl.load_workbook(io.BytesIO(handle.read()))
    assert workbook.sheetnames
    with report.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert report.figures["current"]
