"""Every workflow step of the handling page, four ways: an anonymous visitor is sent to log in, an account
without a role is refused, the official in scope moves the submission on, the one out of scope is refused.
Plus the refusals that must not be a 500: an unknown step, a step the state does not allow, a bad form."""

import pytest

from nq57.feedback import actions
from nq57.feedback.models import Answer, Contest, Note, State, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def step_url(submission, step):
    return f"/feedback/s/{submission.pk}/{step}/"


# --- submissions in each state, built by the real services ---------------------------------------------


@pytest.fixture
def received(submit):
    return submit()[0]


@pytest.fixture
def initiative(submit):
    return submit(kind="initiative", title="Sáng kiến nền tảng số cho hợp tác xã")[0]


@pytest.fixture
def grouped(submit, lan):
    lead, member = submit()[0], submit()[0]
    actions.group_submissions(actor=lan, lead=lead, members=[member])
    member.refresh_from_db()
    return member


@pytest.fixture
def awaiting(accepted, alice):
    actions.save_answer(actor=alice, submission=accepted, text="Sở đã tiếp thu và trả lời.", submit=True)
    accepted.refresh_from_db()
    return accepted


@pytest.fixture
def waiting(accepted, alice):
    actions.pause_submission(actor=alice, submission=accepted, question="Xin bổ sung số giấy phép")
    accepted.refresh_from_db()
    return accepted


@pytest.fixture
def contested(published):
    actions.contest_answer(submission=published, reason="Câu trả lời chưa đúng trọng tâm")
    published.refresh_from_db()
    return published


@pytest.fixture
def hidden(published, lan):
    actions.hide_submission(actor=lan, submission=published, reason="Nội dung xúc phạm")
    published.refresh_from_db()
    return published


@pytest.fixture
def pinned(published, lan):
    actions.pin_submission(actor=lan, submission=published, pinned=True)
    published.refresh_from_db()
    return published


# (step, submission fixture, who may, who may not (out of scope), POST data, check of the result)
def _state(expected):
    return lambda s: s.state == expected


STEPS = [
    ("route", "received", "lan", "minh", lambda s, f: {"route-lead": "P20-SKHCN", "route-kind": "recommendation",
                                                       "route-field": f.pk}, _state(State.ROUTED)),
    ("refer", "received", "lan", "minh", lambda s, f: {"refer-referral": "Bộ Tư pháp, 60 Trần Phú, Hà Nội"},
     _state(State.REFERRED)),
    ("group", "received", "lan", "minh", None, _state(State.GROUPED)),
    ("ungroup", "grouped", "lan", "minh", lambda s, f: {}, _state(State.RECEIVED)),
    ("send_to_council", "initiative", "lan", "minh", lambda s, f: {"send_to_council-note": ""},
     _state(State.UNDER_REVIEW)),
    ("close", "received", "lan", "minh", lambda s, f: {"close-reason": "Nội dung trống"}, _state(State.CLOSED)),
    ("decide_contest", "contested", "lan", "minh",
     lambda s, f: {"decide_contest-outcome": "reopened", "decide_contest-note": "Trả lời lại"},
     _state(State.IN_PROGRESS)),
    ("publish", "answered", "lan", "minh", lambda s, f: {
        "publish-public_title": "Đề nghị đơn giản hoá thủ tục", "publish-public_content": "Nội dung đã ẩn danh",
        "publish-public_answer": "Sở đã kiến nghị rút gọn thủ tục."}, _state(State.PUBLISHED)),
    ("accept", "routed", "alice", "charlie", lambda s, f: {}, _state(State.IN_PROGRESS)),
    ("return_misrouted", "routed", "alice", "charlie",
     lambda s, f: {"return_misrouted-reason": "Thuộc Sở Tư pháp"},
     lambda s: s.state == State.RECEIVED and s.misroute_count == 1),
    ("pause", "accepted", "alice", "charlie", lambda s, f: {"pause-question": "Xin số giấy phép"},
     _state(State.WAITING_INFO)),
    ("resume", "waiting", "alice", "charlie", lambda s, f: {"resume-note": "Đã gọi điện"}, _state(State.IN_PROGRESS)),
    ("draft_answer", "accepted", "alice", "charlie", lambda s, f: {"answer-text": "Dự thảo trả lời", "then": "save"},
     lambda s: s.answers.filter(status=Answer.Status.DRAFT, text="Dự thảo trả lời").exists()),
    ("submit_answer", "accepted", "alice", "charlie", lambda s, f: {"answer-text": "Trả lời chính thức"},
     _state(State.AWAITING_APPROVAL)),
    ("approve_answer", "awaiting", "hanh", "charlie", lambda s, f: {}, _state(State.ANSWERED)),
    ("return_answer", "awaiting", "hanh", "charlie", lambda s, f: {"return_answer-comment": "Bổ sung căn cứ"},
     _state(State.IN_PROGRESS)),
    ("note", "accepted", "alice", "charlie", lambda s, f: {"note-text": "Đã trao đổi với phòng pháp chế"},
     lambda s: Note.objects.filter(submission=s, text="Đã trao đổi với phòng pháp chế").exists()),
    ("hide", "published", "lan", "minh", lambda s, f: {"hide-reason": "Nội dung xúc phạm"}, lambda s: s.hidden),
    ("unhide", "hidden", "lan", "minh", lambda s, f: {}, lambda s: not s.hidden),
    ("pin", "published", "lan", "minh", lambda s, f: {}, lambda s: s.pinned),
    ("unpin", "pinned", "lan", "minh", lambda s, f: {}, lambda s: not s.pinned),
]
IDS = [row[0] for row in STEPS]


def _data(request, row, submission):
    step, _fixture, _who, _out, data, _check = row
    if step == "group":
        lead = request.getfixturevalue("submit")()[0]
        return {"group-lead_code": lead.code}
    return data(submission, request.getfixturevalue("fb_field"))


@pytest.mark.parametrize("row", STEPS, ids=IDS)
def test_anonymous_visitors_are_sent_to_log_in(client, request, row):
    submission = request.getfixturevalue(row[1])
    response = client.post(step_url(submission, row[0]), _data(request, row, submission))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("row", STEPS, ids=IDS)
def test_an_account_without_a_role_is_refused(client, request, dave, row):
    submission = request.getfixturevalue(row[1])
    client.force_login(dave)
    assert client.post(step_url(submission, row[0]), _data(request, row, submission)).status_code == 403


@pytest.mark.parametrize("row", STEPS, ids=IDS)
def test_the_official_in_scope_takes_the_step(client, request, row):
    step, fixture, who, _out, _data_fn, check = row
    submission = request.getfixturevalue(fixture)
    client.force_login(request.getfixturevalue(who))
    response = client.post(step_url(submission, step), _data(request, row, submission))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/feedback/s/{submission.pk}/"
    assert check(Submission.objects.get(pk=submission.pk))
    follow = client.get(response["Location"])
    assert any(m.level_tag == "success" for m in follow.context["messages"])


@pytest.mark.parametrize("row", STEPS, ids=IDS)
def test_the_official_out_of_scope_is_refused(client, request, row):
    step, fixture, _who, out, _data_fn, _check = row
    submission = request.getfixturevalue(fixture)
    before = Submission.objects.get(pk=submission.pk)
    client.force_login(request.getfixturevalue(out))
    assert client.post(step_url(submission, step), _data(request, row, submission)).status_code == 403
    after = Submission.objects.get(pk=submission.pk)
    assert (after.state, after.hidden, after.pinned) == (before.state, before.hidden, before.pinned)


# --- a right of another kind is not enough -------------------------------------------------------------


@pytest.mark.parametrize("step, fixture, who, data", [
    ("route", "received", "alice", {"route-lead": "P20-SKHCN"}),  # alice sees it (VIEW) but does not triage
    ("accept", "routed", "lan", {}),  # the standing office does not accept for the agency
    ("approve_answer", "awaiting", "alice", {}),  # a focal officer does not approve
    ("hide", "published", "hanh", {"hide-reason": "x"}),  # moderation is the standing office's
])
def test_a_right_of_another_kind_is_refused(client, request, step, fixture, who, data):
    submission = request.getfixturevalue(fixture)
    client.force_login(request.getfixturevalue(who))
    assert client.post(step_url(submission, step), data).status_code == 403


def test_the_agency_head_may_publish_her_agency_s_answer(client, hanh, answered):
    client.force_login(hanh)
    response = client.post(step_url(answered, "publish"), {
        "publish-public_title": "Tiêu đề", "publish-public_content": "Nội dung", "publish-public_answer": "Trả lời"})
    assert response.status_code == 302
    assert Submission.objects.get(pk=answered.pk).state == State.PUBLISHED


# --- refusals that come back on the page ---------------------------------------------------------------


def test_an_unknown_step_is_not_found(client, lan, received):
    client.force_login(lan)
    assert client.post(step_url(received, "teleport"), {}).status_code == 404
    assert client.post(step_url(received, "rate"), {}).status_code == 404  # the submitter's, not staff's


def test_a_step_is_only_posted(client, lan, received):
    client.force_login(lan)
    assert client.get(step_url(received, "route")).status_code == 405


@pytest.mark.parametrize("pk", ["99999999", "99999999999999999999999"])
def test_a_step_on_a_missing_submission_is_not_found(client, lan, pk):
    client.force_login(lan)
    assert client.post(f"/feedback/s/{pk}/route/", {}).status_code == 404


def test_a_missing_reason_is_shown_next_to_its_field(client, alice, routed):
    client.force_login(alice)
    response = client.post(step_url(routed, "return_misrouted"), {"return_misrouted-reason": "   "})
    assert response.status_code == 400
    form = next(b["form"] for b in response.context["blocks"] if b["step"] == "return_misrouted")
    assert form.errors["reason"]
    assert Submission.objects.get(pk=routed.pk).state == State.ROUTED


def test_the_service_s_refusal_lands_on_the_field(client, lan, received, fb_field):
    # Hà Nội's department is outside Lạng Sơn's intake: the service refuses, the form says why.
    client.force_login(lan)
    response = client.post(step_url(received, "route"), {"route-lead": "P01-SKHCN", "route-kind": "recommendation",
                                                         "route-field": fb_field.pk})
    assert response.status_code == 400
    form = next(b["form"] for b in response.context["blocks"] if b["step"] == "route")
    assert "lead" in form.errors
    assert Submission.objects.get(pk=received.pk).state == State.RECEIVED


def test_an_agency_typed_by_name_is_resolved(client, lan, received, fb_field, org):
    client.force_login(lan)
    name = org("P20-SKHCN").name
    response = client.post(step_url(received, "route"), {"route-lead": name, "route-kind": "recommendation",
                                                         "route-field": fb_field.pk})
    assert response.status_code == 302
    assert Submission.objects.get(pk=received.pk).lead_agency == org("P20-SKHCN")


def test_an_unknown_agency_name_is_refused_on_the_field(client, lan, received, fb_field):
    client.force_login(lan)
    response = client.post(step_url(received, "route"), {"route-lead": "Bộ Không Tồn Tại",
                                                         "route-kind": "recommendation", "route-field": fb_field.pk})
    assert response.status_code == 400
    assert "lead" in next(b["form"] for b in response.context["blocks"] if b["step"] == "route").errors


def test_a_step_the_state_does_not_allow_is_a_message(client, alice, accepted):
    client.force_login(alice)
    response = client.post(step_url(accepted, "accept"), {})
    assert response.status_code == 400
    assert any(m.level_tag == "error" for m in response.context["messages"])


@pytest.mark.parametrize("data", [
    {"route-lead": "P20-SKHCN", "route-kind": "nonsense", "route-field": "1"},
    {"route-lead": "P20-SKHCN", "route-kind": "comment", "route-field": "abc"},
    {"route-lead": "P20-SKHCN", "route-kind": "comment", "route-field": "99999999999999999999999"},
    {"route-lead": "\x00", "route-kind": "comment"},
    {"route-lead": "P20-SKHCN" * 100},
    {"route-lead": "P20-SKHCN", "route-kind": "comment", "route-field": "1", "route-task_code": "1"},
    {"route-lead": "P20-SKHCN", "route-kind": "comment", "route-field": "1", "route-indicator_code": "ZZZ"},
    {"route-lead": "P20-SKHCN", "route-kind": "comment", "route-field": "1", "route-plan": "abc"},
    {},
])
def test_malformed_route_posts_are_refused_without_a_server_error(client, lan, received, data):
    client.force_login(lan)
    assert client.post(step_url(received, "route"), data).status_code == 400
    assert Submission.objects.get(pk=received.pk).state == State.RECEIVED


@pytest.mark.parametrize("step, data", [
    ("group", {"group-lead": "abc"}),
    ("group", {"group-lead": "99999999"}),
    ("group", {"group-lead_code": "PAKN-0000-000000"}),
    ("group", {}),
    ("decide_contest", {"decide_contest-outcome": "maybe"}),
    ("note", {"note-text": ""}),
])
def test_malformed_posts_to_other_steps_are_refused(client, lan, received, contested, step, data):
    client.force_login(lan)
    target = contested if step == "decide_contest" else received
    assert client.post(step_url(target, step), data).status_code == 400


def test_a_submission_cannot_be_grouped_with_itself(client, lan, received):
    client.force_login(lan)
    response = client.post(step_url(received, "group"), {"group-lead_code": received.code})
    assert response.status_code == 400
    assert Submission.objects.get(pk=received.pk).state == State.RECEIVED


def test_grouping_picks_the_lead_from_the_similar_list(client, lan, submit):
    lead = submit(title="Kiến nghị về cấp phép thử nghiệm có kiểm soát")[0]
    member = submit(title="Kiến nghị về cấp phép thử nghiệm có kiểm soát cho fintech")[0]
    client.force_login(lan)
    page = client.get(f"/feedback/s/{member.pk}/")
    assert lead.pk in [x.pk for x in page.context["similar"]]
    assert f'name="group-lead" value="{lead.pk}"' in page.content.decode()
    response = client.post(step_url(member, "group"), {"group-lead": lead.pk})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.state == State.GROUPED and member.group.lead_id == lead.pk


def test_approve_refuses_an_answer_of_another_submission(client, hanh, awaiting, submit, lan, alice, org):
    other = submit()[0]
    actions.route_submission(actor=lan, submission=other, lead=org("P20-SKHCN"))
    actions.accept_submission(actor=alice, submission=other)
    foreign = actions.save_answer(actor=alice, submission=other, text="Khác", submit=True)
    client.force_login(hanh)
    response = client.post(step_url(awaiting, "approve_answer"), {"answer": foreign.pk})
    assert response.status_code == 400
    assert Submission.objects.get(pk=awaiting.pk).state == State.AWAITING_APPROVAL


def test_a_contest_is_escalated_to_a_chosen_body(client, lan, contested, org):
    client.force_login(lan)
    response = client.post(step_url(contested, "decide_contest"), {
        "decide_contest-outcome": "escalated", "decide_contest-escalate_to": "P20", "decide_contest-note": "Lên tỉnh"})
    assert response.status_code == 302, response.content.decode()[:2000]
    contested.refresh_from_db()
    assert contested.state == State.ROUTED and contested.lead_agency == org("P20")
    assert contested.contests.get().outcome == Contest.Outcome.ESCALATED
