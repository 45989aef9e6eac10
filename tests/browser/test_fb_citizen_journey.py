"""A citizen sends a recommendation with a PDF and their phone number in the text, and follows it by its code;
the Central Steering Committee's standing office routes it to the Ministry of Finance, which returns it as
misrouted; it is re-routed to the Ministry of Science and Technology, whose officer accepts and answers it; the
ministry's head approves the answer and the standing office publishes it — without the phone number; the
citizen, through their private link, contests the answer, and its status shows it.

Six people, each in their own browser (the citizen without an account); every step goes through the pages.
Texts are compared with what the catalogue says today (gettext), so the test does not depend on the wording.
"""

import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from nq57.core.roles import Role

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-57"  # make_user's default in tests/conftest.py
TITLE = "Kiến nghị đơn giản hóa hồ sơ cấp Giấy chứng nhận doanh nghiệp khoa học và công nghệ"
CONTENT = ("Doanh nghiệp chúng tôi nộp hồ sơ ba lần vẫn bị yêu cầu bổ sung bảng kê doanh thu. Đề nghị Bộ ban hành mẫu "
           "bảng kê thống nhất. Xin liên hệ tôi qua số 0900 000 555 để trao đổi thêm.")
PHONE_SHOWN = ("0900 000 555", "0900000555")
ANSWER = ("Bộ Khoa học và Công nghệ đang sửa đổi Thông tư hướng dẫn, trong đó có mẫu bảng kê doanh thu thống nhất; "
          "Sở Khoa học và Công nghệ chỉ yêu cầu bổ sung hồ sơ một lần, bằng văn bản.")
RETURN_REASON = "Nội dung về thủ tục khoa học và công nghệ, không thuộc chức năng của Bộ Tài chính."
CONTEST_REASON = "Câu trả lời chưa nêu thời hạn ban hành mẫu bảng kê."
PDF_NAME = "bang-ke-doanh-thu.pdf"


def vietnamese(message, context=None):
    with translation.override("vi"):
        return pgettext(context, message) if context else gettext(message)


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


def labelled(text):
    """A field's label as shown: the text, and a star when the field is required."""
    return re.compile(rf"^\s*{re.escape(text)}(\s*\*)?\s*$")


@pytest.fixture
def feedback_defaults(org_map):
    """The taxonomy, deadline rules and rubric of migration 0002 (a live-server test's flush empties them)."""
    from nq57.feedback.models import Field

    if not Field.objects.exists():
        importlib.import_module("nq57.feedback.migrations.0002_defaults").load(apps, None)


@pytest.fixture
def people(make_user, feedback_defaults):
    """The standing office of the Central Steering Committee; a focal officer of the Ministry of Finance; a focal
    officer and the head of the Ministry of Science and Technology."""
    return {
        "office": make_user("vp", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW", full_name="Văn phòng BCĐ"),
        "finance": make_user("btc", home="BTC", role=Role.FOCAL_OFFICER, scope="BTC", full_name="Cán bộ Bộ Tài chính"),
        "officer": make_user("khcn", home="BKHCN", role=Role.FOCAL_OFFICER, scope="BKHCN",
                             full_name="Cán bộ Bộ KH&CN"),
        "head": make_user("khcn_head", home="BKHCN", role=Role.AGENCY_HEAD, scope="BKHCN",
                          full_name="Lãnh đạo Bộ KH&CN"),
    }


def open_submission(page, list_name, code, tab=""):
    """From the triage queue or the inbox (a tab of it), open the submission with this code."""
    page.goto(reverse(f"feedback:{list_name}") + (f"?tab={tab}" if tab else ""))
    page.locator("main").get_by_role("link", name=code, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(code)


def step(page, name):
    """The block of one step on the handling page, opened."""
    block = page.locator(f"#step-{name}")
    if block.get_attribute("open") is None:
        block.locator("summary").click()
    return block


def send_submission(page):
    page.goto(reverse("feedback:submit"))
    page.get_by_label(labelled(vietnamese("Recommendation"))).check()
    page.get_by_label(labelled(vietnamese("Field", "taxonomy"))).select_option(
        label="Thể chế, thủ tục hành chính")
    page.get_by_label(labelled(vietnamese("Title", "submission"))).fill(TITLE)
    page.get_by_label(labelled(vietnamese("Content", "submission"))).fill(CONTENT)
    page.get_by_label(labelled(vietnamese("Attachments"))).set_input_files(
        {"name": PDF_NAME, "mimeType": "application/pdf", "buffer": minimal_pdf()})
    page.get_by_label(labelled(vietnamese("Full name"))).fill("Trần Minh Khang")
    page.get_by_label(labelled(vietnamese("Address"))).fill("Phường Long Xuyên, Tỉnh An Giang")
    page.get_by_label(labelled(vietnamese("Phone"))).fill("0900 000 555")
    page.get_by_label(labelled(vietnamese("E-mail"))).fill("khang@example.com")
    page.locator("#feedback-form").get_by_role("button", name=vietnamese("Send", "verb"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(vietnamese("Your submission was received"))
    code = page.locator("#receipt-code").inner_text().strip()
    private_link = page.locator("#receipt-link").get_attribute("href")
    return code, private_link


def test_a_citizen_s_recommendation_is_misrouted_rerouted_answered_published_and_contested(new_page, log_in_as,
                                                                                            people):
    from nq57.feedback.models import Attachment, Submission

    citizen = new_page()
    code, private_link = send_submission(citizen)
    assert code.startswith("PAKN-") and "/p/" in private_link
    assert Attachment.objects.filter(submission__code=code, original_name=PDF_NAME).exists()

    # Following it by its code: the public status page, no content.
    citizen.goto(reverse("feedback:track"))
    citizen.get_by_label(labelled(vietnamese("Tracking code"))).fill(code.lower())
    citizen.get_by_role("button", name=vietnamese("Track", "verb"), exact=True).click()
    expect(citizen.locator("#current-status")).to_have_text(vietnamese("Received", "feedback state"))
    expect(citizen.locator("main")).not_to_contain_text("0900 000 555")

    # The standing office routes it to the Ministry of Finance.
    office = log_in_as("vp", PASSWORD)
    open_submission(office, "triage", code, tab="new")
    route = step(office, "route")
    route.get_by_label(labelled(vietnamese("Lead agency"))).fill("BTC")
    route.get_by_role("button", name=vietnamese("Route to an agency")).click()
    expect(office.locator("main .lead")).to_contain_text(vietnamese("Routed", "feedback state"))

    # The Ministry of Finance returns it as misrouted, with its reason.
    finance = log_in_as("btc", PASSWORD)
    open_submission(finance, "inbox", code, tab="accept")
    back = step(finance, "return_misrouted")
    back.get_by_label(labelled(vietnamese("Reason"))).fill(RETURN_REASON)
    back.get_by_role("button", name=vietnamese("Return as misrouted")).click()
    assert Submission.objects.get(code=code).misroute_count == 1

    # Back in the standing office's queue of returned ones, it is routed to the right ministry.
    open_submission(office, "triage", code, tab="returned")
    expect(office.locator("main")).to_contain_text(RETURN_REASON)
    route = step(office, "route")
    route.get_by_label(labelled(vietnamese("Lead agency"))).fill("BKHCN")
    route.get_by_role("button", name=vietnamese("Route to an agency")).click()
    expect(office.locator("main .lead")).to_contain_text(vietnamese("Routed", "feedback state"))

    # The ministry's officer accepts it and submits an answer; the head approves it.
    officer = log_in_as("khcn", PASSWORD)
    open_submission(officer, "inbox", code, tab="accept")
    step(officer, "accept").get_by_role("button", name=vietnamese("Accept"), exact=True).click()
    expect(officer.locator("main .lead")).to_contain_text(vietnamese("Being handled", "feedback state"))
    draft = step(officer, "draft_answer")
    draft.get_by_label(labelled(vietnamese("Answer"))).fill(ANSWER)
    draft.get_by_role("button", name=vietnamese("Save and submit for approval")).click()
    expect(officer.locator("main .lead")).to_contain_text(vietnamese("Answer awaiting approval", "feedback state"))

    head = log_in_as("khcn_head", PASSWORD)
    open_submission(head, "inbox", code, tab="approval")
    step(head, "approve_answer").get_by_role("button", name=vietnamese("Approve the answer")).click()
    expect(head.locator("main .lead")).to_contain_text(vietnamese("Answered", "feedback state"))

    # The standing office publishes it, personal data removed.
    open_submission(office, "triage", code, tab="answered")
    publish = step(office, "publish")
    for label in ("Title as published", "Content as published", "Answer as published"):
        for phone in PHONE_SHOWN:
            assert phone not in publish.get_by_label(labelled(vietnamese(label))).input_value()
    publish.get_by_role("button", name=vietnamese("Publish"), exact=True).click()
    expect(office.locator("main .lead")).to_contain_text(vietnamese("Published", "feedback state"))

    # Anyone reads the answer: the content is there, the phone number is not.
    reader = new_page()
    reader.goto(reverse("feedback:public_detail", args=[code]))
    expect(reader.get_by_role("heading", level=1)).to_have_text(TITLE)
    main = reader.locator("main")
    expect(main).to_contain_text("bảng kê thống nhất")
    expect(main).to_contain_text(ANSWER)
    for phone in PHONE_SHOWN:
        expect(main).not_to_contain_text(phone)

    # The citizen contests the answer through their private link.
    citizen.goto(private_link)
    expect(citizen.locator("main")).to_contain_text(ANSWER)
    contest = citizen.locator("form", has=citizen.locator("input[name=form][value=contest]"))
    contest.get_by_label(labelled(vietnamese("Why you contest the answer"))).fill(CONTEST_REASON)
    contest.get_by_role("button", name=vietnamese("Contest the answer")).click()
    expect(citizen.locator("#current-status")).to_have_text(vietnamese("Contested", "feedback state"))

    citizen.goto(reverse("feedback:status", args=[code]))
    expect(citizen.locator("#current-status")).to_have_text(vietnamese("Contested", "feedback state"))
    assert Submission.objects.get(code=code).state == "contested"
