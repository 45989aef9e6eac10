"""The submitter's private page: everything sent, the timeline, the answer, and the forms of the current state
(reply to a question, rate, contest), reachable only with the key of the private link — or, for a signed-in
submitter, through `mine`. A wrong key is a 404; attachments are served only with the right key."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nq57.feedback import actions
from nq57.feedback.models import Contest, Rating, State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def en(client):
    client.cookies["nq57_language"] = "en"
    return client


def pdf_upload(name="so-lieu.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n", content_type="application/pdf")


@pytest.fixture
def mine(submit):
    """A submission with one attachment, and the path of its private page."""
    submission, key = submit(files=[pdf_upload()])
    return SimpleNamespace(submission=submission, key=key,
                           url=reverse("feedback:private", args=[submission.code, key]))


def walk_to_answered(submission, lan, alice, hanh, org):
    actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"))
    actions.accept_submission(actor=alice, submission=submission)
    answer = actions.save_answer(actor=alice, submission=submission, submit=True,
                                 text="Sở Khoa học và Công nghệ đã trình UBND tỉnh rút gọn thủ tục.")
    actions.approve_answer(actor=hanh, answer=answer)
    submission.refresh_from_db()
    return submission


def test_the_private_page_shows_everything_that_was_sent(en, mine):
    response = en.get(mine.url)
    body = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    s = mine.submission
    for value in (s.code, s.title, s.submitter_name, s.address, s.phone, s.email, s.citizen_id, "so-lieu.pdf"):
        assert value in body
    assert "Received" in body  # the timeline's first step
    assert "Rate the answer" not in body and "Contest the answer" not in body  # no answer yet


@pytest.mark.parametrize("mangle", [
    lambda code, key: (code, key[:-1] + ("A" if key[-1] != "A" else "B")),  # one character off
    lambda code, key: (code, "x"),
    lambda code, key: (code, "k" * 500),
    lambda code, key: ("PAKN-2026-999999", key),
    lambda code, key: ("not-a-code", key),
    lambda code, key: (code.lower() + "0", key),
])
def test_a_wrong_key_or_code_is_a_404(client, mine, mangle):
    code, key = mangle(mine.submission.code, mine.key)
    assert client.get(f"/feedback/p/{code}/{key}/").status_code == 404


def test_an_attachment_is_served_only_with_the_right_key(client, mine, submit):
    attachment = mine.submission.attachments.get()
    url = reverse("feedback:private_attachment", args=[mine.submission.code, mine.key, attachment.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment") and "so-lieu.pdf" in response[
        "Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    wrong = reverse("feedback:private_attachment", args=[mine.submission.code, "wrong-key", attachment.pk])
    assert client.get(wrong).status_code == 404
    # another submitter's key does not open this file
    other, other_key = submit()
    crossed = reverse("feedback:private_attachment", args=[other.code, other_key, attachment.pk])
    assert client.get(crossed).status_code == 404
    assert client.get(url.replace(f"/{attachment.pk}/", "/99999999999999999999999/")).status_code == 404


def test_the_submitter_replies_to_the_agencys_question(en, mine, lan, alice, org):
    s = mine.submission
    actions.route_submission(actor=lan, submission=s, lead=org("P20-SKHCN"))
    actions.accept_submission(actor=alice, submission=s)
    actions.pause_submission(actor=alice, submission=s, question="Xin cho biết số giấy phép đã nộp năm 2025?")
    body = en.get(mine.url).content.decode()
    assert "Xin cho biết số giấy phép đã nộp năm 2025?" in body and "Send my reply" in body
    response = en.post(mine.url, {"form": "reply", "text": "Giấy phép số 12/GP-SKHCN.",
                                  "attachments": pdf_upload("giay-phep.pdf")})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.state == State.IN_PROGRESS and s.attachments.count() == 2
    assert "Your reply was sent" in en.get(mine.url).content.decode()


def test_an_empty_reply_is_refused_next_to_the_field(en, mine, lan, alice, org):
    s = mine.submission
    actions.route_submission(actor=lan, submission=s, lead=org("P20-SKHCN"))
    actions.accept_submission(actor=alice, submission=s)
    actions.pause_submission(actor=alice, submission=s, question="Câu hỏi?")
    response = en.post(mine.url, {"form": "reply", "text": "   "})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    s.refresh_from_db()
    assert s.state == State.WAITING_INFO


def test_the_submitter_reads_the_answer_rates_it_and_contests_it(en, mine, lan, alice, hanh, org):
    walk_to_answered(mine.submission, lan, alice, hanh, org)
    body = en.get(mine.url).content.decode()
    assert "rút gọn thủ tục" in body and "Rate the answer" in body and "Contest the answer" in body

    response = en.post(mine.url, {"form": "rate", "satisfied": "no", "comment": "Chưa nêu thời hạn cụ thể."})
    assert response.status_code == 302
    rating = Rating.objects.get(submission=mine.submission)
    assert rating.satisfied is False and rating.comment == "Chưa nêu thời hạn cụ thể."
    assert "Change your rating" in en.get(mine.url).content.decode()

    response = en.post(mine.url, {"form": "contest", "reason": "Câu trả lời không giải quyết kiến nghị."})
    assert response.status_code == 302
    mine.submission.refresh_from_db()
    assert mine.submission.state == State.CONTESTED
    assert Contest.objects.get(submission=mine.submission).reason == "Câu trả lời không giải quyết kiến nghị."
    body = en.get(mine.url).content.decode()
    assert "Answer contested" in body and 'value="contest"' not in body  # no second contest while pending


@pytest.mark.parametrize("post", [
    {"form": "rate", "satisfied": "yes"},  # nothing to rate yet
    {"form": "contest", "reason": "x"},
    {"form": "reply", "text": "x"},  # no question asked
    {"form": "nonsense"},
    {},
])
def test_a_form_that_does_not_apply_now_is_a_400_with_a_message(en, mine, post):
    response = en.post(mine.url, post)
    assert response.status_code == 400
    assert "This cannot be done at this stage" in response.content.decode()


def test_a_malformed_rating_is_a_400(en, mine, lan, alice, hanh, org):
    walk_to_answered(mine.submission, lan, alice, hanh, org)
    response = en.post(mine.url, {"form": "rate", "satisfied": "maybe"})
    assert response.status_code == 400 and not Rating.objects.exists()


def test_a_signed_in_submitter_sees_the_page_without_the_key(client, submit, dave, make_user):
    submission, _key = submit(actor=dave, files=[pdf_upload()])
    url = reverse("feedback:mine_detail", args=[submission.code])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(dave)
    body = client.get(url).content.decode()
    assert submission.email in body
    attachment = submission.attachments.get()
    assert client.get(reverse("feedback:mine_attachment", args=[submission.code, attachment.pk])).status_code == 200

    client.force_login(make_user("eve"))  # someone else with an account
    assert client.get(url).status_code == 404
    assert client.get(reverse("feedback:mine_attachment", args=[submission.code, attachment.pk])).status_code == 404
    assert client.get(reverse("feedback:mine_detail", args=["bad code"])).status_code == 404


def test_mine_needs_an_account_and_lists_only_ones_own(client, submit, dave, make_user):
    own, _ = submit(actor=dave, title="Kiến nghị của Dave về dữ liệu mở")
    other, _ = submit(actor=make_user("eve"), title="Kiến nghị của người khác hoàn toàn")
    assert client.get(reverse("feedback:mine")).status_code == 302
    client.force_login(dave)
    body = client.get(reverse("feedback:mine")).content.decode()
    assert own.code in body and other.code not in body
