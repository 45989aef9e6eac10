"""The state machine walked through the services: for every state and every step, a submission in that state
either moves where the table says or is refused with TransitionError. Then who may take each step."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from nq57.core.roles import Role
from nq57.feedback import actions, workflow
from nq57.feedback.models import Answer, Contest, State, Submission

pytestmark = pytest.mark.django_db

STEPS = sorted(workflow.TRANSITIONS)


def _prepare(submit, org, state):
    """An initiative routed to P20-SKHCN, forced into `state`, with an approved and a submitted answer and a
    pending contest, so every step finds what it needs apart from the state."""
    submission, _key = submit(kind="initiative")
    agency = org("P20-SKHCN")
    Submission.objects.filter(pk=submission.pk).update(state=state, lead_agency=agency, holder=agency)
    submission.refresh_from_db()
    Answer.objects.create(submission=submission, organisation=agency, version=1, text="Đã trả lời.",
                          status=Answer.Status.APPROVED, approved_at=timezone.now())
    Answer.objects.create(submission=submission, organisation=agency, version=2, text="Bản mới.",
                          status=Answer.Status.SUBMITTED)
    Contest.objects.create(submission=submission, reason="Chưa thoả đáng.", at=timezone.now())
    return submission


def _take(step, submission, submit, org):
    """Take `step` on `submission` as the system (actor=None: permission is tested separately)."""
    submitted = lambda: submission.answers.get(status=Answer.Status.SUBMITTED)  # noqa: E731
    contest = lambda: submission.contests.get()  # noqa: E731
    calls = {
        "route": lambda: actions.route_submission(actor=None, submission=submission, lead=org("P20-SKHCN")),
        "refer": lambda: actions.refer_submission(actor=None, submission=submission, referral="Bộ Tư pháp"),
        "group": lambda: actions.group_submissions(actor=None, lead=submit()[0], members=[submission]),
        "ungroup": lambda: actions.ungroup_submission(actor=None, submission=submission),
        "send_to_council": lambda: actions.send_to_council(actor=None, submission=submission),
        "close": lambda: actions.close_submission(actor=None, submission=submission, reason="Trùng lặp."),
        "publish": lambda: actions.publish_submission(actor=None, submission=submission),
        "reopen": lambda: actions.decide_contest(actor=None, contest=contest(), outcome="reopened"),
        "escalate": lambda: actions.decide_contest(actor=None, contest=contest(), outcome="escalated"),
        "uphold": lambda: actions.decide_contest(actor=None, contest=contest(), outcome="rejected"),
        "decide": lambda: _council_decides(submission),
        "accept": lambda: actions.accept_submission(actor=None, submission=submission),
        "return_misrouted": lambda: actions.return_misrouted(actor=None, submission=submission, reason="Sai."),
        "pause": lambda: actions.pause_submission(actor=None, submission=submission, question="Xin bổ sung?"),
        "resume": lambda: actions.resume_submission(actor=None, submission=submission),
        "draft_answer": lambda: actions.save_answer(actor=None, submission=submission, text="Nháp."),
        "submit_answer": lambda: actions.save_answer(actor=None, submission=submission, text="Gửi.", submit=True),
        "approve_answer": lambda: actions.approve_answer(actor=None, answer=submitted()),
        "return_answer": lambda: actions.return_answer(actor=None, answer=submitted(), comment="Sửa lại."),
        "rate": lambda: actions.rate_answer(submission=submission, satisfied=True),
        "contest": lambda: actions.contest_answer(submission=submission, reason="Chưa thoả đáng."),
        "reply": lambda: actions.reply_with_information(submission=submission, text="Bổ sung."),
    }
    return calls[step]()


def _council_decides(submission):
    from nq57.feedback.actions_council import decide_submission

    return decide_submission(actor=None, submission=submission, text="Hội đồng kiến nghị áp dụng thí điểm.")


def test_the_walk_covers_every_step_of_the_table():
    assert set(STEPS) == {"route", "refer", "group", "ungroup", "send_to_council", "close", "publish", "reopen",
                          "escalate", "uphold", "decide", "accept", "return_misrouted", "pause", "resume",
                          "draft_answer", "submit_answer", "approve_answer", "return_answer", "rate", "contest",
                          "reply"}


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("step", STEPS)
def test_every_step_from_every_state(step, state, submit, org):
    submission = _prepare(submit, org, state)
    sources, target, _stage = workflow.TRANSITIONS[step]
    if state not in sources:
        with pytest.raises(workflow.TransitionError):
            _take(step, submission, submit, org)
        submission.refresh_from_db()
        assert submission.state == state  # nothing moved
        return
    _take(step, submission, submit, org)
    submission.refresh_from_db()
    if target is not None:
        assert submission.state == target
    elif step == "uphold":
        assert submission.state in (State.ANSWERED, State.PUBLISHED)
    else:
        assert submission.state == state  # drafts and ratings change no state


def test_upholding_a_contest_on_a_published_answer_puts_it_back_on_the_public_list(published, lan):
    actions.contest_answer(submission=published, reason="Chưa trả lời đúng câu hỏi.")
    actions.decide_contest(actor=lan, contest=published.contests.get(), outcome="rejected", note="Đã trả lời đủ.")
    published.refresh_from_db()
    assert published.state == State.PUBLISHED and published.due_date is None
    assert Submission.objects.public().filter(pk=published.pk).exists()


def test_a_step_outside_the_table_is_a_programming_error():
    with pytest.raises(KeyError):
        workflow.check(State.RECEIVED, "teleport")


def test_the_message_names_the_state_in_the_users_language():
    from django.utils import translation

    with translation.override("en"), pytest.raises(workflow.TransitionError) as caught:
        workflow.check(State.PUBLISHED, "accept")
    assert "Published" in str(caught.value)


# --- who may take each step ----------------------------------------------------------------------------------


@pytest.fixture
def hanoi_head(make_user):
    return make_user("hoa", home="P01", role=Role.AGENCY_HEAD, scope="P01", full_name="Hoà Hà Nội")


# step: (state to start from, who may, who may not)
PERMISSIONS = {
    "route": (State.RECEIVED, ["lan"], ["minh", "alice", "hanh", "charlie"]),
    "refer": (State.RECEIVED, ["lan"], ["minh", "alice"]),
    "group": (State.RECEIVED, ["lan"], ["minh", "alice"]),
    "ungroup": (State.GROUPED, ["lan"], ["minh", "alice"]),
    "send_to_council": (State.RECEIVED, ["lan"], ["minh", "alice"]),
    "close": (State.RECEIVED, ["lan"], ["minh", "alice"]),
    "publish": (State.ANSWERED, ["lan", "hanh"], ["minh", "alice", "hanoi_head"]),
    "reopen": (State.CONTESTED, ["lan"], ["minh", "hanh", "alice"]),
    "escalate": (State.CONTESTED, ["lan"], ["minh", "alice"]),
    "uphold": (State.CONTESTED, ["lan"], ["minh", "alice"]),
    "accept": (State.ROUTED, ["alice", "hanh"], ["charlie", "hanoi_head", "minh"]),
    "return_misrouted": (State.ROUTED, ["alice"], ["charlie"]),
    "pause": (State.IN_PROGRESS, ["alice"], ["charlie"]),
    "resume": (State.WAITING_INFO, ["alice"], ["charlie"]),
    "draft_answer": (State.IN_PROGRESS, ["alice"], ["charlie"]),
    "submit_answer": (State.IN_PROGRESS, ["alice"], ["charlie"]),
    "approve_answer": (State.AWAITING_APPROVAL, ["hanh"], ["hanoi_head", "alice", "charlie"]),
    "return_answer": (State.AWAITING_APPROVAL, ["hanh"], ["hanoi_head", "alice"]),
}


def _take_as(actor, step, submission, submit, org):
    submitted = lambda: submission.answers.get(status=Answer.Status.SUBMITTED)  # noqa: E731
    contest = lambda: submission.contests.get()  # noqa: E731
    calls = {
        "route": lambda: actions.route_submission(actor=actor, submission=submission, lead=org("P20-SKHCN")),
        "refer": lambda: actions.refer_submission(actor=actor, submission=submission, referral="Bộ Tư pháp"),
        "group": lambda: actions.group_submissions(actor=actor, lead=submit()[0], members=[submission]),
        "ungroup": lambda: actions.ungroup_submission(actor=actor, submission=submission),
        "send_to_council": lambda: actions.send_to_council(actor=actor, submission=submission),
        "close": lambda: actions.close_submission(actor=actor, submission=submission, reason="Trùng lặp."),
        "publish": lambda: actions.publish_submission(actor=actor, submission=submission),
        "reopen": lambda: actions.decide_contest(actor=actor, contest=contest(), outcome="reopened"),
        "escalate": lambda: actions.decide_contest(actor=actor, contest=contest(), outcome="escalated"),
        "uphold": lambda: actions.decide_contest(actor=actor, contest=contest(), outcome="rejected"),
        "accept": lambda: actions.accept_submission(actor=actor, submission=submission),
        "return_misrouted": lambda: actions.return_misrouted(actor=actor, submission=submission, reason="Sai."),
        "pause": lambda: actions.pause_submission(actor=actor, submission=submission, question="Xin bổ sung?"),
        "resume": lambda: actions.resume_submission(actor=actor, submission=submission),
        "draft_answer": lambda: actions.save_answer(actor=actor, submission=submission, text="Nháp."),
        "submit_answer": lambda: actions.save_answer(actor=actor, submission=submission, text="Gửi.", submit=True),
        "approve_answer": lambda: actions.approve_answer(actor=actor, answer=submitted()),
        "return_answer": lambda: actions.return_answer(actor=actor, answer=submitted(), comment="Sửa lại."),
    }
    return calls[step]()


@pytest.mark.parametrize("step", sorted(PERMISSIONS))
def test_who_may_take_each_step(step, submit, org, request):
    state, allowed, refused = PERMISSIONS[step]
    request.getfixturevalue("hanoi_head")
    for name in refused:
        user = request.getfixturevalue(name)
        submission = _prepare(submit, org, state)
        with pytest.raises(PermissionDenied):
            _take_as(user, step, submission, submit, org)
    for name in allowed:
        user = request.getfixturevalue(name)
        submission = _prepare(submit, org, state)
        _take_as(user, step, submission, submit, org)  # no PermissionDenied


@pytest.mark.parametrize("step", sorted(PERMISSIONS))
def test_an_anonymous_visitor_or_a_user_without_a_role_may_take_no_staff_step(step, submit, org, dave):
    for actor in (AnonymousUser(), dave):
        submission = _prepare(submit, org, PERMISSIONS[step][0])
        with pytest.raises(PermissionDenied):
            _take_as(actor, step, submission, submit, org)


def test_moderation_and_the_faq_belong_to_the_intakes_standing_office(published, lan, minh, alice):
    for user in (minh, alice):
        with pytest.raises(PermissionDenied):
            actions.hide_submission(actor=user, submission=published, reason="Ngôn từ xúc phạm.")
        with pytest.raises(PermissionDenied):
            actions.pin_submission(actor=user, submission=published)
    actions.pin_submission(actor=lan, submission=published)
    actions.hide_submission(actor=lan, submission=published, reason="Ngôn từ xúc phạm.")
    published.refresh_from_db()
    assert published.hidden and not Submission.objects.public().filter(pk=published.pk).exists()
    actions.unhide_submission(actor=lan, submission=published)
    published.refresh_from_db()
    assert not published.hidden and published.pinned


def test_the_faq_takes_only_published_answers(answered, lan):
    with pytest.raises(ValidationError):
        actions.pin_submission(actor=lan, submission=answered)


def test_notes_are_written_by_the_handling_agencies_and_the_standing_office(routed, alice, lan, charlie, org):
    note = actions.add_note(actor=alice, submission=routed, text="Đã liên hệ Sở Nội vụ.")
    assert note.organisation == org("P20-SKHCN")
    assert actions.add_note(actor=lan, submission=routed, text="Ghi chú.").organisation in (org("P20-SKHCN"),
                                                                                           org("P20"))
    with pytest.raises(PermissionDenied):
        actions.add_note(actor=charlie, submission=routed, text="Không được.")
