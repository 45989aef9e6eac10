"""A ministry's focal officer reports a Government task done, with the product as a PDF; the ministry's head
approves the report; the Government's standing office verifies the completion, and the plan's agency
scorecard then counts the ministry's assignment as completed on time.

Three people, each in their own browser; every step goes through the pages. Texts are compared with what
the catalogue says today (gettext), so the test does not depend on the wording of either language.
"""

import datetime
import re

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from playwright.sync_api import expect

from nq57.core.roles import Role

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-57"  # make_user's default in tests/conftest.py
TASK_CODE = "7"
TASK_TITLE = "Trình Chính phủ nghị định về thử nghiệm có kiểm soát"
PDF_NAME = "du-thao-nghi-dinh.pdf"
DAYS_LEFT = 10  # due soon enough to be in the officer's "my work", late enough to be on time today


def vietnamese(message):
    # The UI runs in Vietnamese by default; compare with whatever the catalogue says today.
    with translation.override("vi"):
        return gettext(message)


def shown_date(day):
    with translation.override("vi"):
        return date_format(day, "SHORT_DATE_FORMAT")


def shown_percent(ratio):
    from nq57.plans.templatetags.plan_pages import percent

    with translation.override("vi"):
        return percent(ratio)


def minimal_pdf():
    """A valid one-page PDF (header, objects, cross-reference table with exact offsets, trailer)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


@pytest.fixture
def ministry_assignment(org):
    """A Government plan with one task led by the Ministry of Science and Technology, due in ten days."""
    from nq57.plans import actions
    from nq57.plans.models import Assignment

    deadline = timezone.localdate() + datetime.timedelta(days=DAYS_LEFT)
    plan = actions.create_plan(actor=None, kind="action_programme", number="03/NQ-CP",
                               title="Chương trình hành động của Chính phủ", issuer=org("CP"), owner=org("CP"),
                               issued_on=datetime.date(2025, 1, 9))
    task = actions.create_task(actor=None, plan=plan, code=TASK_CODE, title=TASK_TITLE, product_text="Nghị định",
                               deadline_text=deadline.strftime("%d/%m/%Y"), lead=[org("BKHCN")],
                               lead_text=org("BKHCN").name)
    assignment = Assignment.objects.select_related("task__plan", "organisation").get(task=task)
    assert (assignment.organisation.code, assignment.original_deadline) == ("BKHCN", deadline)
    return assignment


@pytest.fixture
def ministry_people(make_user, sophie):
    officer = make_user("lan", home="BKHCN", role=Role.FOCAL_OFFICER, scope="BKHCN", full_name="Lan Bộ KH&CN")
    head = make_user("minh", home="BKHCN", role=Role.AGENCY_HEAD, scope="BKHCN", full_name="Minh Bộ KH&CN")
    return officer, head, sophie


def open_section(page, key):
    """A section of "my work" (they are labelled by their heading's id)."""
    return page.locator(f"section[aria-labelledby={key}-h]")


def show_scorecard(page, plan, deadline):
    """From any page of the plan: the agency scorecard, for a window of deadlines around the task's."""
    page.locator("main p.actions").get_by_role("link", name=vietnamese("Agency scorecard")).click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan.pk}/scorecard/"))
    # The default window is the calendar year; a journey run in late December must still count the task.
    page.fill("#id_date_from", shown_date(timezone.localdate()))
    page.fill("#id_date_to", shown_date(deadline))
    page.locator("main form").get_by_role("button", name=vietnamese("Show")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(vietnamese("Agency scorecard"))


def scorecard_row(page, agency):
    """The cells of the agency's row in the ranking, as the page shows them."""
    row = page.locator("main table tbody tr").filter(has=page.get_by_role("link", name=agency.name, exact=True))
    expect(row).to_have_count(1)
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def total_figure(page, label):
    return page.locator("main dl.stats > div").filter(
        has=page.locator("dt", has_text=re.compile(rf"^{re.escape(vietnamese(label))}$"))).locator("dd")


def test_a_ministry_reports_a_task_done_its_head_approves_and_the_standing_office_verifies_it(
        log_in_as, ministry_assignment, ministry_people, tmp_path):
    from nq57.plans.models import Assignment, Evidence, ProgressReport

    officer, head, standing_office = ministry_people
    assignment, task, plan = ministry_assignment, ministry_assignment.task, ministry_assignment.task.plan
    ministry, today, deadline = assignment.organisation, timezone.localdate(), assignment.original_deadline
    pdf = tmp_path / PDF_NAME
    pdf.write_bytes(minimal_pdf())
    task_link_name = f"{task.code}. {task.title}"

    # 1. The officer finds the task among what is due soon, and files the completion report with the PDF.
    lan = log_in_as(officer.username, PASSWORD)
    lan.get_by_role("navigation", name=vietnamese("Main")).get_by_role("link", name=vietnamese("My work")).click()
    open_section(lan, "due").get_by_role("link", name=task_link_name).click()
    expect(lan).to_have_url(re.compile(rf"{re.escape(assignment.get_absolute_url())}$"))
    expect(lan.get_by_role("heading", level=1)).to_contain_text(ministry.name)
    form = lan.locator("#report-form form")
    form.locator("#id_report-period_end").fill(shown_date(today))
    form.locator("#id_report-text").fill("Đã trình Chính phủ dự thảo nghị định; Chính phủ đã ban hành.")
    form.locator("#id_report-progress").fill("100")
    form.locator("#id_report-self_rating").select_option(ProgressReport.Rating.GREEN)
    form.locator("#id_report-reports_completion").check()
    form.locator("#id_report-evidence").set_input_files(pdf)
    form.get_by_role("button", name=vietnamese("Save draft")).click()
    expect(lan.locator("main .messages")).to_contain_text(vietnamese("The report was saved as a draft."))

    report = ProgressReport.objects.get(assignment=assignment)
    assert (report.status, report.progress, report.reports_completion) == (ProgressReport.Status.DRAFT, 100, True)
    evidence = Evidence.objects.get(report=report)
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        PDF_NAME, "application/pdf", len(pdf.read_bytes()))
    article = lan.locator(f"#report-{report.pk}")
    expect(article.get_by_role("heading", level=3)).to_contain_text(vietnamese("Draft"))

    # The file attached is the one downloaded, under its own name.
    with lan.expect_download() as download_info:
        article.get_by_role("link", name=PDF_NAME).click()
    download = download_info.value
    assert download.suggested_filename == PDF_NAME
    assert download.path().read_bytes() == pdf.read_bytes()

    article.get_by_role("button", name=vietnamese("Submit to the agency head")).click()
    expect(lan.locator("main .messages")).to_contain_text(
        vietnamese("The report was sent to the agency head for approval."))
    expect(lan.locator(f"#report-{report.pk}").get_by_role("heading", level=3)).to_contain_text(
        vietnamese("Awaiting the agency head"))
    # Submitted: the officer can no longer change or resubmit it.
    expect(lan.locator(f"#report-{report.pk}").get_by_role("button", name=vietnamese("Submit to the agency head"))
           ).to_have_count(0)

    # 2. The head finds the report awaiting approval in "my work" and approves it.
    minh = log_in_as(head.username, PASSWORD)
    minh.get_by_role("navigation", name=vietnamese("Main")).get_by_role("link", name=vietnamese("My work")).click()
    open_section(minh, "approve").get_by_role("link", name=task_link_name).click()
    expect(minh).to_have_url(re.compile(rf"{re.escape(assignment.get_absolute_url())}#report-{report.pk}$"))
    minh.locator(f"#report-{report.pk}").get_by_role("button", name=vietnamese("Approve"), exact=True).click()
    expect(minh.locator("main .messages")).to_contain_text(vietnamese("The report was approved."))
    expect(minh.locator("#details-h + dl")).to_contain_text(vietnamese("Pending verification"))
    minh.get_by_role("navigation", name=vietnamese("Main")).get_by_role("link", name=vietnamese("My work")).click()
    expect(open_section(minh, "approve")).to_contain_text(vietnamese("No report awaits your approval."))

    # 3. The standing office notes the ministry's figures, verifies the completion, and sees them change.
    sophie = log_in_as(standing_office.username, PASSWORD)
    sophie.get_by_role("navigation", name=vietnamese("Main")).get_by_role("link", name=vietnamese("Plans")).click()
    sophie.locator("main table").get_by_role("link", name=plan.title, exact=True).click()
    show_scorecard(sophie, plan, deadline)
    # Columns: #, agency, assignments, on time / due (original), rate, on time / due (in force), rate, overdue, …
    before = scorecard_row(sophie, ministry)
    assert before[1:8] == [ministry.name, "1", "0 / 0", shown_percent(None), "0 / 0", shown_percent(None), "0"]
    expect(total_figure(sophie, "On-time completion (deadline in force)")).to_have_text(shown_percent(None))

    sophie.get_by_role("navigation", name=vietnamese("Main")).get_by_role("link", name=vietnamese("My work")).click()
    open_section(sophie, "verify").get_by_role("link", name=task_link_name).click()
    expect(sophie).to_have_url(re.compile(rf"{re.escape(assignment.get_absolute_url())}$"))
    # The approved report and its product are visible to the assigning body.
    approved = sophie.locator(f"#report-{report.pk}")
    expect(approved.get_by_role("heading", level=3)).to_contain_text(vietnamese("Approved"))
    with sophie.expect_download() as download_info:
        approved.get_by_role("link", name=PDF_NAME).click()
    assert download_info.value.path().read_bytes() == pdf.read_bytes()

    verify = sophie.locator("section[aria-labelledby=verify-h]")
    expect(verify.locator("#id_verify-completed_on")).to_have_value("")  # the day the completion was reported
    verify.get_by_role("button", name=vietnamese("Accept: completed")).click()
    expect(sophie.locator("main .messages")).to_contain_text(vietnamese("The completion was verified."))
    expect(sophie.locator("section[aria-labelledby=verify-h]")).to_have_count(0)

    assignment.refresh_from_db()
    assert (assignment.status, assignment.completed_on, assignment.timeliness) == (
        Assignment.Status.COMPLETED, today, Assignment.Timeliness.COMPLETED_ON_TIME)

    show_scorecard(sophie, plan, deadline)
    after = scorecard_row(sophie, ministry)
    assert after[1:8] == [ministry.name, "1", "1 / 1", shown_percent(1), "1 / 1", shown_percent(1), "0"]
    expect(total_figure(sophie, "On-time completion (deadline in force)")).to_have_text(shown_percent(1))
    expect(total_figure(sophie, "On-time completion (original deadline)")).to_have_text(shown_percent(1))

    # The task page tells the story: the report, its approval, and the verification.
    sophie.goto(assignment.get_absolute_url())
    sophie.locator("main").get_by_role("link", name=re.compile(rf"{re.escape(vietnamese('Task'))} {TASK_CODE}$")
                                       ).click()
    expect(sophie).to_have_url(re.compile(rf"{re.escape(task.get_absolute_url())}$"))
    timeline = sophie.locator("section[aria-labelledby=timeline-h] ol.timeline")
    with translation.override("vi"):
        agency = ministry.name
        submitted = ngettext("%(agency)s submitted a report that the task is done (%(files)s file), for approval "
                             "by its head",
                             "%(agency)s submitted a report that the task is done (%(files)s files), for approval "
                             "by its head", 1) % {"agency": agency, "files": 1}
        approved_text = gettext("The head of %(agency)s approved the report for the period ending %(period)s "
                                "(%(progress)s%%, %(timing)s)") % {
            "agency": agency, "period": shown_date(today), "progress": 100, "timing": gettext("on time")}
        verified = gettext("The assigning body verified the completion by %(agency)s (completed on %(date)s: "
                           "%(timing)s)") % {"agency": agency, "date": shown_date(today),
                                             "timing": gettext("Completed on time")}
    for sentence, person in [(submitted, officer), (approved_text, head), (verified, standing_office)]:
        entry = timeline.locator("li").filter(has_text=sentence)
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text(person.display_name)
    # Newest first: the verification, then the approval, then the report.
    texts = timeline.locator("li").all_inner_texts()
    positions = [next(i for i, text in enumerate(texts) if sentence in text)
                 for sentence in (verified, approved_text, submitted)]
    assert positions == sorted(positions)
