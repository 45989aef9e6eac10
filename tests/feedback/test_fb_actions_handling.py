"""Triage choices, contests, publication rules, the submitter's private steps, and the settings services."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from nq57.core.roles import Role
from nq57.feedback import actions
from nq57.feedback.models import Answer, Contest, DeadlineRule, Field, Handler, Rating, Stage, State
from nq57.feedback.redaction import MARK

pytestmark = pytest.mark.django_db


# --- triage ---------------------------------------------------------------------------------------------------


def test_routing_may_confirm_the_type_and_field_and_add_co_handlers(submit, lan, org):
    submission, _ = submit(kind="comment")
    other = Field.objects.get(code="nq57-5-chuyen-doi-so")
    actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"), kind="initiative",
                             field=other, cohandlers=[org("P20"), org("P20-SKHCN")], note="Liên quan chuyển đổi số.")
    submission.refresh_from_db()
    assert submission.kind == "initiative" and submission.field == other
    roles = sorted(Handler.objects.filter(submission=submission).values_list("organisation__code", "role"))
    assert roles == [("P20", "cohandler"), ("P20-SKHCN", "lead")]
    assert submission.events.get(kind="routed").note == "Liên quan chuyển đổi số."


def test_a_province_routes_only_under_itself(submit, lan, org):
    submission, _ = submit()
    with pytest.raises(ValidationError) as caught:
        actions.route_submission(actor=lan, submission=submission, lead=org("P01"))
    assert "lead" in caught.value.message_dict


def test_a_referral_tells_the_submitter_where_to_go(submit, lan):
    submission, _ = submit()
    with pytest.raises(ValidationError):
        actions.refer_submission(actor=lan, submission=submission, referral="")
    actions.refer_submission(actor=lan, submission=submission, referral="Thanh tra tỉnh Lạng Sơn")
    submission.refresh_from_db()
    assert submission.state == State.REFERRED and submission.due_date is None
    assert submission.events.get(kind="referred").public_note == "Thanh tra tỉnh Lạng Sơn"


def test_only_initiatives_and_solutions_go_to_the_council(submit, lan):
    comment, _ = submit(kind="comment")
    with pytest.raises(ValidationError):
        actions.send_to_council(actor=lan, submission=comment)
    initiative, _ = submit(kind="initiative")
    actions.send_to_council(actor=lan, submission=initiative)
    initiative.refresh_from_db()
    assert initiative.state == State.UNDER_REVIEW and initiative.stage == Stage.REVIEW


def test_grouping_and_ungrouping(submit, lan):
    lead, _ = submit()
    member, _ = submit()
    group = actions.group_submissions(actor=lan, lead=lead, members=[member])
    member.refresh_from_db()
    assert member.state == State.GROUPED and member.group == group and member.due_date is None
    assert lead.code in member.events.get(kind="grouped").public_note
    actions.ungroup_submission(actor=lan, submission=member)
    member.refresh_from_db()
    assert member.state == State.RECEIVED and member.group is None and member.stage == Stage.TRIAGE
    with pytest.raises(ValidationError):
        actions.group_submissions(actor=lan, lead=lead, members=[])


def test_a_submission_grouped_under_an_answered_one_gets_the_answer_at_once(answered, submit, lan):
    member, _ = submit()
    actions.group_submissions(actor=lan, lead=answered, members=[member])
    member.refresh_from_db()
    assert member.state == State.ANSWERED and actions.answer_of(member) is not None


def test_closing_needs_a_reason(submit, lan):
    submission, _ = submit()
    with pytest.raises(ValidationError):
        actions.close_submission(actor=lan, submission=submission, reason=" ")
    actions.close_submission(actor=lan, submission=submission, reason="Nội dung quảng cáo.")
    submission.refresh_from_db()
    assert submission.state == State.CLOSED


# --- publication ----------------------------------------------------------------------------------------------


def test_with_consent_the_name_stays_but_contact_data_goes(submit, lan, alice, hanh, org):
    submission, _ = submit(consent_publish=True)
    actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"))
    actions.accept_submission(actor=alice, submission=submission)
    answer = actions.save_answer(actor=alice, submission=submission, text="Gửi ông Nguyễn Văn An (0912345678).",
                                 submit=True)
    actions.approve_answer(actor=hanh, answer=answer)
    actions.publish_submission(actor=lan, submission=submission)
    submission.refresh_from_db()
    answer.refresh_from_db()
    assert "Nguyễn Văn An" in submission.public_content and "0912 345 678" not in submission.public_content
    assert answer.public_text.startswith("Gửi ông Nguyễn Văn An (") and "0912345678" not in answer.public_text


def test_a_publisher_may_correct_the_text_but_never_publish_contact_data(answered, lan):
    actions.publish_submission(actor=lan, submission=answered, public_title="Thủ tục thử nghiệm có kiểm soát",
                               public_content="Đề nghị rút gọn thủ tục. Gọi 0912 345 678.",
                               public_answer="Sở đã kiến nghị.")
    answered.refresh_from_db()
    assert answered.public_title == "Thủ tục thử nghiệm có kiểm soát"
    assert answered.public_content.startswith("Đề nghị rút gọn thủ tục. Gọi ")
    assert "0912" not in answered.public_content
    assert answered.answers.get(status=Answer.Status.APPROVED).public_text == "Sở đã kiến nghị."


def test_the_automatic_redaction_removes_the_name_and_address(published):
    from django.utils import translation

    with translation.override("vi"):
        mark = str(MARK)
    assert mark in published.public_content
    assert "Nguyễn Văn An" not in published.public_content and "0912" not in published.public_content


def test_a_hidden_submission_cannot_be_published(answered, lan):
    actions.hide_submission(actor=lan, submission=answered, reason="Lời lẽ xúc phạm.")
    with pytest.raises(ValidationError):
        actions.publish_submission(actor=lan, submission=answered)


# --- the submitter's private steps ----------------------------------------------------------------------------


def test_the_latest_rating_counts(published):
    actions.rate_answer(submission=published, satisfied=False, comment="Chưa rõ.")
    actions.rate_answer(submission=published, satisfied=True)
    published.refresh_from_db()
    assert published.satisfied is True and Rating.objects.filter(submission=published).count() == 2


def test_an_unsatisfied_rating_needs_an_answer_first(submit, lan):
    submission, _ = submit()
    actions.close_submission(actor=lan, submission=submission, reason="Trùng.")
    with pytest.raises(ValidationError):
        actions.rate_answer(submission=submission, satisfied=False)


def test_a_contest_needs_a_reason(published):
    with pytest.raises(ValidationError):
        actions.contest_answer(submission=published, reason="")


def test_only_a_public_or_consented_submission_can_be_followed(published, submit):
    follower = actions.follow_submission(submission=published, email="Theo.Doi@example.vn")
    assert follower.email == "theo.doi@example.vn"
    assert actions.follow_submission(submission=published, email="theo.doi@example.vn") == follower
    private, _ = submit()
    with pytest.raises(ValidationError):
        actions.follow_submission(submission=private, email="theo.doi@example.vn")
    with pytest.raises(ValidationError):
        actions.follow_submission(submission=published, email="không hợp lệ")


def test_a_reply_needs_text(accepted, alice):
    actions.pause_submission(actor=alice, submission=accepted, question="Xin bổ sung?")
    with pytest.raises(ValidationError):
        actions.reply_with_information(submission=accepted, text="  ")


# --- contests -------------------------------------------------------------------------------------------------


@pytest.fixture
def contested(published):
    return actions.contest_answer(submission=published, reason="Câu trả lời chưa giải quyết kiến nghị.")


def test_reopening_sends_it_back_to_the_agency_and_the_new_answer_supersedes_the_old(contested, lan, alice, hanh):
    submission = contested.submission
    first_answered = submission.answered_at
    actions.decide_contest(actor=lan, contest=contested, outcome="reopened", note="Đề nghị trả lời cụ thể hơn.")
    submission.refresh_from_db()
    assert submission.state == State.IN_PROGRESS and submission.stage == Stage.ANSWER
    answer = actions.save_answer(actor=alice, submission=submission, text="Trả lời lần hai.", submit=True)
    actions.approve_answer(actor=hanh, answer=answer)
    submission.refresh_from_db()
    assert list(submission.answers.values_list("status", flat=True)) == ["approved", "superseded"]
    assert submission.answered_at == first_answered  # the statistics keep the first answer
    with pytest.raises(ValidationError):
        actions.decide_contest(actor=lan, contest=contested, outcome="rejected")


def test_escalation_goes_to_the_lead_agencys_parent(contested, lan, org):
    actions.decide_contest(actor=lan, contest=contested, outcome="escalated")
    submission = contested.submission
    submission.refresh_from_db()
    assert submission.state == State.ROUTED and submission.lead_agency == org("P20") == submission.holder
    assert Handler.objects.get(submission=submission, active=True).organisation == org("P20")
    contested.refresh_from_db()
    assert contested.outcome == Contest.Outcome.ESCALATED and contested.decided_by == lan


def test_escalation_never_goes_above_the_intake(contested, lan, org):
    submission = contested.submission
    type(submission).objects.filter(pk=submission.pk).update(lead_agency=org("P20"), holder=org("P20"))
    with pytest.raises(ValidationError):
        actions.decide_contest(actor=lan, contest=contested, outcome="escalated")
    with pytest.raises(ValidationError):
        actions.decide_contest(actor=lan, contest=contested, outcome="escalated", escalate_to=org("BCDTW"))


def test_an_unknown_outcome_is_refused(contested, lan):
    with pytest.raises(ValidationError):
        actions.decide_contest(actor=lan, contest=contested, outcome="maybe")


# --- settings -------------------------------------------------------------------------------------------------


@pytest.fixture
def central_office(make_user):
    return make_user("ha", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW", full_name="Hà Văn phòng TW")


def test_the_taxonomy_rules_and_holidays_are_national_settings(central_office, root, lan):
    field = actions.save_field(actor=central_office, code="kinh-te-so", name="Kinh tế số", group="technology")
    assert field.pk and Field.objects.get(code="kinh-te-so").name == "Kinh tế số"
    with pytest.raises(ValidationError):
        actions.save_field(actor=central_office, code="kinh-te-so", name="Trùng mã")
    with pytest.raises(PermissionDenied):
        actions.save_field(actor=lan, code="khac-2", name="Khác")
    rule = actions.save_deadline_rule(actor=central_office, kind="comment", stage="answer", working_days=10,
                                      remind_before=2, escalate_after=2)
    assert DeadlineRule.objects.get(kind="comment", stage="answer").working_days == 10 == rule.working_days
    with pytest.raises(ValidationError):
        actions.save_deadline_rule(actor=central_office, kind="", stage="answer", working_days=2, remind_before=3)
    holiday = actions.save_holiday(actor=root, date=datetime.date(2026, 3, 11), kind="day_off", name="Nghỉ thử")
    actions.delete_holiday(actor=root, holiday=holiday)
    with pytest.raises(ValidationError):
        actions.save_holiday(actor=root, date=datetime.date(2026, 3, 11), kind="working_day", name="Làm bù")


def test_an_agency_keeps_its_own_answer_templates(alice, charlie, org):
    template = actions.save_answer_template(actor=alice, organisation=org("P20-SKHCN"), title="Cảm ơn",
                                            body="Sở Khoa học và Công nghệ cảm ơn ý kiến của ông/bà.")
    with pytest.raises(PermissionDenied):
        actions.save_answer_template(actor=charlie, organisation=org("P20-SKHCN"), title="X", body="Y")
    with pytest.raises(PermissionDenied):
        actions.delete_answer_template(actor=charlie, template=template)
    actions.delete_answer_template(actor=alice, template=template)


def test_hiding_keeps_the_original_in_the_audit_trail(published, lan):
    from nq57.audit.models import AuditEvent

    actions.hide_submission(actor=lan, submission=published, reason="Lời lẽ xúc phạm.")
    row = AuditEvent.objects.get(verb="feedback_hidden", object_id=str(published.pk))
    assert row.before["content"] == published.content and row.after["hidden"] is True
    assert row.actor == lan
