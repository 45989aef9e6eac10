"""Sending a submission through the public form, without an account: the receipt shown once with the code and
the private link, the proof of priority of a confidential initiative, the similar-submissions check (without
JavaScript), the honeypot, the rate limit and the size and type checks — through the Django test client."""

import io
import re

import docx
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from nq57.feedback.models import Attachment, Submission

pytestmark = pytest.mark.django_db

URL = "/feedback/new/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def en(client):
    client.cookies["nq57_language"] = "en"
    return client


def form_data(fb_field, **overrides):
    data = {
        "action": "send", "checked": "True", "kind": "recommendation", "field": str(fb_field.pk),
        "title": "Kiến nghị mở dữ liệu quan trắc môi trường",
        "content": "Đề nghị công bố dữ liệu quan trắc không khí theo giờ dưới dạng dữ liệu mở.",
        "related_document": "", "related_article": "", "submitter_kind": "individual",
        "submitter_name": "Trần Thị Bình", "submitter_organisation": "", "address": "Phường Đông Kinh, Lạng Sơn",
        "phone": "0987654321", "email": "binh.tran@example.vn", "citizen_id": "", "addressed_to": "", "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def a_docx(text):
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    buffer.name = "de-xuat.docx"
    return buffer


def test_the_form_opens_without_an_account_in_vietnamese(client, fb_field):
    response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    with translation.override("vi"):
        kind_label = translation.gettext("Type")
    assert kind_label != "Type" and f"{kind_label} <span" in body  # the field labels are Vietnamese
    assert 'lang="vi"' in body
    assert '<optgroup label="' in body  # fields grouped by their taxonomy group
    assert 'class="fb-extra"' in body and 'name="website"' in body  # the honeypot, hidden by CSS
    assert "nq57/feedback.js" in body and "<script>" not in body  # no inline script (CSP)


def test_a_citizen_sends_a_submission_with_an_attachment_and_sees_the_receipt_once(
        en, fb_field, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = en.post(URL, form_data(fb_field, attachments=a_docx("Bảng số liệu quan trắc PM2.5")))
    assert response.status_code == 302 and response["Location"] == reverse("feedback:receipt")
    submission = Submission.objects.get()
    assert submission.intake.code == "BCDTW" and submission.submitted_by is None
    attachment = Attachment.objects.get(submission=submission)
    assert attachment.original_name == "de-xuat.docx"
    assert "de-xuat" not in attachment.file.name  # stored under a random name
    assert "PM2.5" in attachment.extracted_text

    receipt = en.get(reverse("feedback:receipt"))
    body = receipt.content.decode()
    assert receipt.status_code == 200 and receipt["Cache-Control"] == "private, no-store"
    assert submission.code in body and re.match(r"PAKN-\d{4}-\d{6}$", submission.code)
    link = re.search(r'id="receipt-link">(http://testserver/feedback/p/[^<]+)</a>', body).group(1)
    assert link.startswith(f"http://testserver/feedback/p/{submission.code}/")
    assert "This link is shown only once." in body and "It was also sent to your e-mail address." in body
    assert "SHA-256" not in body  # not confidential
    assert link.removeprefix("http://testserver") in mail.outbox[-1].body  # the same link was e-mailed

    again = en.get(reverse("feedback:receipt"))
    assert again.status_code == 404 and link not in again.content.decode()
    assert en.get(link.replace("http://testserver", "")).status_code == 200


def test_a_submission_addressed_to_a_province_is_received_by_that_province(client, fb_field):
    client.post(URL, form_data(fb_field, addressed_to="P20"))
    assert Submission.objects.get().intake.code == "P20"


def test_a_confidential_initiative_gets_a_fingerprint_and_the_time_as_proof_of_priority(en, fb_field):
    en.post(URL, form_data(fb_field, kind="initiative", confidential="on", email="", phone="0987654321"))
    submission = Submission.objects.get()
    assert submission.confidential and len(submission.fingerprint) == 64
    body = en.get(reverse("feedback:receipt")).content.decode()
    assert "Proof of priority" in body and submission.fingerprint in body
    assert submission.received_at.isoformat() in body  # the exact time the fingerprint covers
    assert "It was also sent to your e-mail address." not in body  # no e-mail given


def test_a_comment_cannot_be_confidential(en, fb_field):
    response = en.post(URL, form_data(fb_field, kind="comment", confidential="on"))
    assert response.status_code == 400
    assert "Only an initiative or a solution can be confidential." in response.content.decode()
    assert not Submission.objects.exists()


def test_a_filled_honeypot_pretends_success_and_saves_nothing(en, fb_field, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = en.post(URL, form_data(fb_field, website="http://spam.example"))
    assert response.status_code == 302
    body = en.get(response["Location"]).content.decode()
    assert "Your submission was received" in body and "PAKN-" not in body
    assert not Submission.objects.exists() and not mail.outbox


def test_a_rate_limited_sender_gets_the_form_back_with_the_message(en, fb_field, settings):
    settings.FEEDBACK_RATE_PER_HOUR = 1
    assert en.post(URL, form_data(fb_field)).status_code == 302
    response = en.post(URL, form_data(fb_field, email="other@example.vn", title="Một kiến nghị khác hẳn"))
    body = response.content.decode()
    assert response.status_code == 429
    assert "Too many submissions have been sent from this connection" in body
    assert "Một kiến nghị khác hẳn" in body  # what was typed is still there
    assert Submission.objects.count() == 1


def test_missing_contact_and_a_bad_citizen_id_are_said_next_to_the_fields(en, fb_field):
    response = en.post(URL, form_data(fb_field, phone="", email="", citizen_id="12345"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Give a phone number or an e-mail address." in body
    assert "A citizen ID number has 12 digits." in body
    assert not Submission.objects.exists()


def test_the_services_rules_come_back_on_the_form(en, fb_field):
    # 12 digits, but 999 is no province code: only the services know
    response = en.post(URL, form_data(fb_field, citizen_id="999190012345"))
    assert response.status_code == 400
    assert "province code" in response.content.decode()


def test_an_executable_renamed_to_pdf_is_refused(en, fb_field):
    exe = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200)
    exe.name = "ho-so.pdf"
    response = en.post(URL, form_data(fb_field, attachments=exe))
    assert response.status_code == 400
    assert "does not match its type (.pdf)" in response.content.decode()
    assert not Submission.objects.exists()


def test_more_than_five_files_are_refused(en, fb_field):
    files = [a_docx(f"tệp {i}") for i in range(6)]
    response = en.post(URL, form_data(fb_field, attachments=files))
    assert response.status_code == 400 and "Attach at most 5 files." in response.content.decode()


def test_content_over_the_size_limit_is_refused(en, fb_field):
    response = en.post(URL, form_data(fb_field, content="chữ " * 6000))
    assert response.status_code == 400
    assert not Submission.objects.exists()


@pytest.mark.parametrize("payload", [
    {"kind": "nonsense"}, {"field": "abc"}, {"field": "99999999999999999999999"}, {"addressed_to": "XX"},
    {"submitter_kind": "robot"}, {"title": "\x00\x00\x00\x00\x00"}, {"email": "not-an-email"},
])
def test_malformed_posts_are_a_400_with_a_message_never_a_500(client, fb_field, payload):
    response = client.post(URL, form_data(fb_field, **payload))
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()


def test_the_check_button_shows_similar_answers_and_keeps_what_was_typed(en, fb_field, published):
    data = form_data(fb_field, action="check", checked=None, title="Rút gọn thủ tục cấp phép thử nghiệm công nghệ",
                     attachments=a_docx("x"))
    response = en.post(URL, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert published.code in body and reverse("feedback:public_detail", args=[published.code]) in body
    assert reverse("feedback:follow", args=[published.code]) in body
    assert "Rút gọn thủ tục cấp phép thử nghiệm công nghệ" in body and "Trần Thị Bình" in body
    assert "choose them again before sending" in body  # files are not kept across the round
    assert 'name="checked" value="True"' in body and "Send my submission anyway" in body
    assert Submission.objects.count() == 1  # nothing new sent


def test_sending_straight_away_shows_similar_submissions_first(en, fb_field, published):
    data = form_data(fb_field, checked=None, title="Rút gọn thủ tục cấp phép thử nghiệm công nghệ")
    response = en.post(URL, data)
    assert response.status_code == 200 and published.code in response.content.decode()
    assert Submission.objects.count() == 1
    data["checked"] = "True"  # "send anyway"
    assert en.post(URL, data).status_code == 302
    assert Submission.objects.count() == 2


def test_without_anything_similar_it_is_sent_at_once(client, fb_field):
    response = client.post(URL, form_data(fb_field, checked=None, title="Zzyzx qwerty plugh"))
    assert response.status_code == 302 and Submission.objects.count() == 1


def test_the_similar_fragment_lists_published_answers_with_a_follow_form(client, published):
    response = client.get(reverse("feedback:similar"), {"title": "thu tuc cap phep thu nghiem"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert published.code in body and 'name="email"' in body and "csrfmiddlewaretoken" in body


@pytest.mark.parametrize("params", [{}, {"title": "ab"}, {"title": "\x00" * 5}, {"title": "x" * 5000},
                                    {"title": "%%%", "content": "_" * 10000}])
def test_the_similar_fragment_takes_any_input(client, params):
    assert client.get(reverse("feedback:similar"), params).status_code == 200


def test_a_signed_in_user_finds_the_submission_among_their_own(client, dave, fb_field):
    client.force_login(dave)
    client.post(URL, form_data(fb_field))
    submission = Submission.objects.get()
    assert submission.submitted_by == dave
    body = client.get(reverse("feedback:mine")).content.decode()
    assert submission.code in body and reverse("feedback:mine_detail", args=[submission.code]) in body


def test_an_oversized_post_is_a_400_not_a_500(client, fb_field):
    response = client.post(URL, form_data(fb_field, content="x" * (3 * 1024 * 1024)))
    assert response.status_code == 400 and not Submission.objects.exists()


def test_a_file_over_the_size_limit_is_refused_on_the_form(en, fb_field, settings):
    settings.FEEDBACK_ATTACHMENT_MAX_BYTES = 1000
    response = en.post(URL, form_data(fb_field, attachments=a_docx("nội dung " * 500)))
    assert response.status_code == 400 and "is larger than" in response.content.decode()
    assert not Submission.objects.exists()
