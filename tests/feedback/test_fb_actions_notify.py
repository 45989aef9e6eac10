"""Who is told: the submitter by e-mail at every status change (in-app too when signed in), staff through
notifications at the step that needs them, group members and followers when the answer is approved."""

import pytest

from nq57.feedback import actions
from nq57.notifications.models import Notification

pytestmark = pytest.mark.django_db


def mails_to(mailoutbox, address):
    return [m for m in mailoutbox if address in m.to]


def test_the_receipt_e_mail_carries_the_code_and_the_private_link(submit, django_capture_on_commit_callbacks,
                                                                  mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        submission, key = submit()
    [mail] = mails_to(mailoutbox, submission.email)
    assert submission.code in mail.subject
    assert f"/p/{submission.code}/{key}/" in mail.body
    assert submission.fingerprint == "" and "SHA-256" not in mail.body


def test_a_confidential_receipt_carries_the_fingerprint(submit, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        submission, _ = submit(kind="initiative", confidential=True)
    [mail] = mails_to(mailoutbox, submission.email)
    assert submission.fingerprint in mail.body


def test_no_e_mail_leaves_without_an_address(submit, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        submit(email="", phone="0912345678")
    assert mailoutbox == []


def test_no_e_mail_leaves_when_the_submission_is_refused(submit, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):
        submit(title="")
    assert mailoutbox == []


def test_routing_tells_the_agency_and_the_submitter(submit, lan, alice, hanh, charlie, org,
                                                    django_capture_on_commit_callbacks, mailoutbox):
    submission, _ = submit()
    with django_capture_on_commit_callbacks(execute=True):
        actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"))
    told = set(Notification.objects.filter(kind="feedback_routed").values_list("user__username", flat=True))
    assert told == {"alice", "hanh"}  # REPORT on P20-SKHCN; not charlie, not lan who routed it
    [mail] = mails_to(mailoutbox, submission.email)
    assert submission.code in mail.subject and f"/track/{submission.code}/" in mail.body


def test_every_status_change_e_mails_the_submitter(routed, alice, hanh, lan, django_capture_on_commit_callbacks,
                                                   mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        actions.accept_submission(actor=alice, submission=routed)
        actions.pause_submission(actor=alice, submission=routed, question="Xin gửi thêm số liệu năm 2025?")
        actions.reply_with_information(submission=routed, text="Số liệu: 12 doanh nghiệp.")
        answer = actions.save_answer(actor=alice, submission=routed, text="Trả lời.", submit=True)
        actions.approve_answer(actor=hanh, answer=answer)
        actions.publish_submission(actor=lan, submission=routed)
    mails = mails_to(mailoutbox, routed.email)
    assert len(mails) == 6
    assert "Xin gửi thêm số liệu năm 2025?" in mails[1].body


def test_a_signed_in_submitter_is_told_in_the_app_too(submit, dave, lan, org):
    submission, _ = submit(actor=dave)
    actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"))
    kinds = sorted(Notification.objects.filter(user=dave).values_list("kind", flat=True))
    assert kinds == ["feedback_received", "feedback_status"]
    assert not Notification.objects.filter(user=dave, url__contains="/p/").exists()  # never the private key


def test_a_misrouted_submission_tells_the_standing_office(routed, alice, lan, minh):
    actions.return_misrouted(actor=alice, submission=routed, reason="Không thuộc lĩnh vực.")
    told = set(Notification.objects.filter(kind="feedback_misrouted").values_list("user__username", flat=True))
    assert told == {"lan"}


def test_a_submitted_answer_tells_the_head_and_a_decision_tells_the_drafter(accepted, alice, hanh):
    answer = actions.save_answer(actor=alice, submission=accepted, text="Trả lời.", submit=True)
    assert Notification.objects.filter(kind="feedback_answer_submitted", user=hanh).exists()
    actions.return_answer(actor=hanh, answer=answer, comment="Bổ sung căn cứ.")
    assert Notification.objects.filter(kind="feedback_answer_returned", user=alice).exists()
    answer = actions.save_answer(actor=alice, submission=accepted, text="Trả lời đủ.", submit=True)
    actions.approve_answer(actor=hanh, answer=answer)
    assert Notification.objects.filter(kind="feedback_answer_approved", user=alice).exists()


def test_a_contest_tells_the_standing_office(answered, lan, minh):
    actions.contest_answer(submission=answered, reason="Câu trả lời chưa đúng trọng tâm.")
    told = set(Notification.objects.filter(kind="feedback_contested").values_list("user__username", flat=True))
    assert told == {"lan"}


def test_an_approved_answer_reaches_the_group_and_the_followers(submit, lan, alice, hanh, org,
                                                                django_capture_on_commit_callbacks, mailoutbox):
    lead, _ = submit(consent_publish=True)
    member, _ = submit()
    actions.group_submissions(actor=lan, lead=lead, members=[member])
    actions.follow_submission(submission=lead, email="nguoi.theo.doi@example.vn")
    actions.route_submission(actor=lan, submission=lead, lead=org("P20-SKHCN"))
    actions.accept_submission(actor=alice, submission=lead)
    answer = actions.save_answer(actor=alice, submission=lead, text="Trả lời chung.", submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_answer(actor=hanh, answer=answer)
    recipients = {address for m in mailoutbox for address in m.to}
    assert {lead.email, member.email, "nguoi.theo.doi@example.vn"} <= recipients
    member.refresh_from_db()
    assert member.state == "answered" and member.answered_at is not None
    assert actions.answer_of(member) == answer
