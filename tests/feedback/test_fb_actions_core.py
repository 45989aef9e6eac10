"""The main path of a submission through the services: received, routed, accepted, answered, approved, published."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from nq57.feedback import actions
from nq57.feedback.models import Answer, CodeSequence, Event, Handler, Stage, State


def test_a_submission_gets_a_code_a_private_key_and_a_triage_clock(submit, org, fixed_now):
    submission, key = submit(now=fixed_now)
    assert submission.code == f"PAKN-2026-{submission.number:06d}"
    assert submission.state == State.RECEIVED and submission.stage == Stage.TRIAGE
    assert submission.intake == org("P20") and submission.holder == org("P20")
    # Triage takes 3 working days by default: received Tuesday 10 March 2026 → Friday 13 March.
    assert submission.due_date == datetime.date(2026, 3, 13)
    assert len(key) >= 30 and key not in submission.access_key_hash
    assert actions.submission_for_key(submission.code, key) == submission
    assert actions.submission_for_key(submission.code, key + "x") is None
    assert actions.submission_for_key("PAKN-2026-999999", key) is None
    assert list(submission.events.values_list("kind", "public")) == [("received", True)]


def test_two_submissions_get_consecutive_codes_and_a_new_year_starts_at_one(submit, fixed_now):
    first, _ = submit(now=fixed_now)
    second, _ = submit(now=fixed_now)
    assert second.number == first.number + 1
    assert second.code == f"PAKN-2026-{first.number + 1:06d}"
    new_year, _ = submit(now=datetime.datetime(2027, 1, 4, 3, 0, tzinfo=datetime.UTC))
    assert new_year.code == "PAKN-2027-000001"
    assert CodeSequence.objects.get(year=2027).last == 1


def test_the_year_of_the_code_is_the_local_year(submit):
    # 31 Dec 2026 at 20:00 UTC is already 1 January 2027 in Vietnam.
    submission, _ = submit(now=datetime.datetime(2026, 12, 31, 20, 0, tzinfo=datetime.UTC))
    assert submission.code.startswith("PAKN-2027-")


def test_the_core_path_ends_published_without_the_phone_number(published):
    assert published.state == State.PUBLISHED
    assert published.published_at is not None and published.due_date is None
    assert "0912 345 678" not in published.public_content
    assert "Nguyễn Văn An" not in published.public_content
    answer = published.answers.get(status=Answer.Status.APPROVED)
    assert "Nguyễn Văn An" not in answer.public_text
    kinds = list(published.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == ["received", "routed", "accepted", "answer_submitted", "answered", "published"]


def test_routing_makes_the_agency_the_holder_and_starts_the_acceptance_clock(routed, org):
    assert routed.state == State.ROUTED and routed.stage == Stage.ACCEPT
    assert routed.holder == org("P20-SKHCN") and routed.lead_agency == org("P20-SKHCN")
    assert Handler.objects.filter(submission=routed, role="lead", active=True).count() == 1
    assert routed.due_date is not None


def test_a_misrouted_submission_goes_back_to_triage_and_is_counted(routed, alice, org):
    actions.return_misrouted(actor=alice, submission=routed, reason="Thuộc thẩm quyền của Sở Nội vụ.")
    routed.refresh_from_db()
    assert routed.state == State.RECEIVED and routed.stage == Stage.TRIAGE
    assert routed.misroute_count == 1
    assert routed.holder == org("P20") and routed.lead_agency is None
    handler = Handler.objects.get(submission=routed)
    assert not handler.active and handler.return_reason == "Thuộc thẩm quyền của Sở Nội vụ."


def test_a_returned_answer_goes_back_to_the_agency(accepted, alice, hanh):
    answer = actions.save_answer(actor=alice, submission=accepted, text="Bản trả lời thứ nhất.", submit=True)
    actions.return_answer(actor=hanh, answer=answer, comment="Bổ sung căn cứ pháp lý.")
    accepted.refresh_from_db()
    answer.refresh_from_db()
    assert accepted.state == State.IN_PROGRESS and answer.status == Answer.Status.RETURNED
    again = actions.save_answer(actor=alice, submission=accepted, text="Bản trả lời đã bổ sung.")
    assert again.pk == answer.pk and again.status == Answer.Status.DRAFT


def test_approval_records_when_the_answer_came_and_whether_it_was_on_time(answered):
    assert answered.state == State.ANSWERED and answered.stage == Stage.PUBLISH
    assert answered.answered_at is not None
    assert answered.answered_on_time is True
    assert answered.days_to_answer == 0 or answered.days_to_answer >= 0
    assert answered.due_date is not None


def test_a_confidential_initiative_has_a_fingerprint_and_no_publication_stage(submit, lan, alice, hanh, org, fixed_now):
    submission, _ = submit(kind="initiative", confidential=True, now=fixed_now)
    assert len(submission.fingerprint) == 64
    actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"))
    actions.accept_submission(actor=alice, submission=submission)
    answer = actions.save_answer(actor=alice, submission=submission, text="Cảm ơn sáng kiến.", submit=True)
    actions.approve_answer(actor=hanh, answer=answer)
    submission.refresh_from_db()
    assert submission.state == State.ANSWERED and submission.due_date is None
    with pytest.raises(ValidationError):
        actions.publish_submission(actor=lan, submission=submission)


def test_events_of_a_step_carry_the_new_due_date(routed):
    event = Event.objects.filter(submission=routed, kind="routed").get()
    assert event.due_date == routed.due_date and event.state == State.ROUTED


def test_now_lets_history_be_written_in_the_past(submit):
    past = timezone.now() - datetime.timedelta(days=40)
    submission, _ = submit(now=past)
    assert submission.received_at == past


def test_public_timeline_rows_carry_no_personal_data(published):
    submission = published
    for event in submission.events.filter(public=True):
        for value in (submission.submitter_name, submission.phone, submission.email, submission.address,
                      submission.citizen_id):
            assert value not in event.public_note


def test_acceptance_is_recorded_on_the_lead_handler(accepted):
    handler = Handler.objects.get(submission=accepted, role="lead", active=True)
    assert handler.accepted_at is not None


def test_every_step_leaves_an_audit_row(published):
    from nq57.audit.models import AuditEvent

    verbs = set(AuditEvent.objects.filter(object_id=str(published.pk), content_type__model="submission")
                .values_list("verb", flat=True))
    assert {"feedback_received", "feedback_routed", "feedback_accepted", "feedback_answer_submitted",
            "feedback_answered", "feedback_published"} <= verbs
    row = AuditEvent.objects.filter(object_id=str(published.pk), verb="feedback_received").get()
    assert "access_key_hash" not in row.after  # the key's hash stays out of the audit trail
