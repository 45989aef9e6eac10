"""The handling page: who may open it, what it shows (contact details only to those who hold the submission or
triage it, the clock, the timeline with internal notes, answers in versions), and which forms it offers — only
the steps the state allows that the viewer has the right to take. Attachments download under the same rule."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nq57.feedback import actions

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% a tiny PDF\n"


@pytest.fixture(autouse=True)
def _english(client, settings, tmp_path):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    settings.MEDIA_ROOT = tmp_path


def url(submission):
    return f"/feedback/s/{submission.pk}/"


def _page(client, user, submission, params=None, status=200):
    client.force_login(user)
    response = client.get(url(submission), params or {})
    assert response.status_code == status, response.content.decode()[:2000]
    return response


def _steps(response):
    return [b["step"] for b in response.context["blocks"]]


@pytest.fixture
def received(submit):
    return submit()[0]


@pytest.fixture
def awaiting(accepted, alice):
    actions.save_answer(actor=alice, submission=accepted, text="Sở đã tiếp thu và trả lời.", submit=True)
    accepted.refresh_from_db()
    return accepted


# --- four ways ------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, received):
    response = client.get(url(received))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_account_without_a_role_is_refused(client, dave, received):
    client.force_login(dave)
    assert client.get(url(received)).status_code == 403


def test_the_standing_office_in_scope_opens_it_and_the_one_out_of_scope_does_not(client, lan, minh, received):
    assert received.code in _page(client, lan, received).content.decode()
    client.force_login(minh)
    assert client.get(url(received)).status_code == 403


def test_the_agency_opens_what_it_handles_and_charlie_does_not(client, alice, charlie, routed):
    _page(client, alice, routed)
    client.force_login(charlie)
    assert client.get(url(routed)).status_code == 403


@pytest.mark.parametrize("pk", ["99999999", "99999999999999999999999"])
def test_a_missing_submission_is_not_found(client, lan, pk):
    client.force_login(lan)
    assert client.get(f"/feedback/s/{pk}/").status_code == 404


# --- only the allowed forms -----------------------------------------------------------------------------


def test_the_standing_office_sees_the_triage_forms_of_a_new_submission(client, lan, received):
    steps = _steps(_page(client, lan, received))
    assert {"route", "refer", "group", "close", "note", "hide"} <= set(steps)
    assert not {"accept", "draft_answer", "approve_answer", "publish", "send_to_council"} & set(steps)
    assert 'action="/feedback/s/%d/route/"' % received.pk in _page(client, lan, received).content.decode()


def test_only_an_initiative_can_go_to_the_council_and_then_links_to_its_file(client, lan, submit):
    initiative = submit(kind="initiative")[0]
    assert "send_to_council" in _steps(_page(client, lan, initiative))
    actions.send_to_council(actor=lan, submission=initiative)
    body = _page(client, lan, initiative).content.decode()
    assert f'href="/feedback/council/s/{initiative.pk}/"' in body


def test_a_focal_officer_may_look_at_a_new_submission_but_not_triage_it(client, alice, received):
    assert _steps(_page(client, alice, received)) == []


def test_the_agency_sees_accept_and_return_but_not_triage(client, alice, lan, routed):
    steps = _steps(_page(client, alice, routed))
    assert {"accept", "return_misrouted", "note"} <= set(steps) and "route" not in steps
    assert "accept" not in _steps(_page(client, lan, routed))


def test_only_the_head_sees_the_approval_forms(client, alice, hanh, awaiting):
    assert "approve_answer" not in _steps(_page(client, alice, awaiting))
    response = _page(client, hanh, awaiting)
    assert "approve_answer" in _steps(response)
    body = response.content.decode()
    assert "Sở đã tiếp thu và trả lời." in body and 'action="/feedback/s/%d/return_answer/"' % awaiting.pk in body


def test_the_publish_form_starts_from_the_redacted_texts(client, lan, answered):
    response = _page(client, lan, answered)
    assert "publish" in _steps(response)
    form = next(b["form"] for b in response.context["blocks"] if b["step"] == "publish")
    content = form.initial["public_content"]
    assert "0912 345 678" not in content and "Nguyễn Văn An" not in content
    assert "sandbox" in content  # the substance stays
    assert "Personal data were removed automatically" in response.content.decode()


def test_a_confidential_initiative_offers_no_publication(client, lan, alice, hanh, submit, org):
    secret = submit(kind="initiative", confidential=True)[0]
    actions.route_submission(actor=lan, submission=secret, lead=org("P20-SKHCN"))
    actions.accept_submission(actor=alice, submission=secret)
    answer = actions.save_answer(actor=alice, submission=secret, text="Ghi nhận sáng kiến.", submit=True)
    actions.approve_answer(actor=hanh, answer=answer)
    response = _page(client, lan, secret)
    assert "publish" not in _steps(response)
    assert "never published" in response.content.decode()


def test_a_contest_shows_its_reason_and_the_decision_form(client, lan, published):
    actions.contest_answer(submission=published, reason="Chưa trả lời câu hỏi thứ hai")
    response = _page(client, lan, published)
    assert "decide_contest" in _steps(response)
    assert "Chưa trả lời câu hỏi thứ hai" in response.content.decode()


def test_a_published_answer_offers_the_faq_and_moderation(client, lan, published):
    steps = _steps(_page(client, lan, published))
    assert {"pin", "hide"} <= set(steps) and "unpin" not in steps and "unhide" not in steps


# --- what the page shows --------------------------------------------------------------------------------


def test_contact_details_are_shown_to_the_holder_and_the_triage_not_to_a_co_handler(client, lan, alice, make_user,
                                                                                   submit, org):
    from nq57.core.roles import Role
    from nq57.orgs.models import Organisation

    unit = Organisation.objects.filter(parent__code="P20").exclude(code="P20-SKHCN").order_by("code").first()
    submission = submit()[0]
    actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"), cohandlers=[unit])
    for user in (lan, alice):
        assert "020190012345" in _page(client, user, submission).content.decode()
    officer = make_user("phuong", home=unit, role=Role.FOCAL_OFFICER, scope=unit)
    response = _page(client, officer, submission)
    assert "020190012345" not in response.content.decode() and "0912345678" not in response.content.decode()
    assert _steps(response) == ["note"]  # a co-handling agency contributes notes


def test_the_timeline_shows_every_step_and_the_internal_notes(client, alice, accepted):
    actions.add_note(actor=alice, submission=accepted, text="Đã hỏi ý kiến phòng pháp chế")
    body = _page(client, alice, accepted).content.decode()
    assert "Đã hỏi ý kiến phòng pháp chế" in body and "internal-note" in body
    labels = [t["kind"] for t in _page(client, alice, accepted).context["timeline"]]
    assert labels[-1] == "received" and "accepted" in labels


def test_the_clock_of_the_current_stage_is_shown(client, alice, accepted):
    response = _page(client, alice, accepted)
    assert response.context["clock"]["status"] in ("running", "due_soon")
    assert 'data-clock="' in response.content.decode()


def test_a_returned_answer_shows_the_head_s_comment_and_stays_the_draft(client, alice, hanh, accepted):
    first = actions.save_answer(actor=alice, submission=accepted, text="Bản thứ nhất", submit=True)
    actions.return_answer(actor=hanh, answer=first, comment="Bổ sung căn cứ pháp lý")
    response = _page(client, alice, accepted)
    assert "Bổ sung căn cứ pháp lý" in response.content.decode()
    form = next(b["form"] for b in response.context["blocks"] if b["step"] == "draft_answer")
    assert form.initial["text"] == "Bản thứ nhất"  # the returned text, to correct


def test_the_page_costs_the_same_queries_however_long_its_timeline(client, alice, accepted):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    client.get(url(accepted))

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(accepted)).status_code == 200
        return len(captured.captured_queries)

    short = count()
    for i in range(12):
        actions.add_note(actor=alice, submission=accepted, text=f"Ghi chú {i}")
    assert count() == short <= 20


def test_answers_are_listed_with_their_versions(client, lan, alice, published):
    actions.contest_answer(submission=published, reason="Chưa trả lời đủ")
    contest = published.contests.get()
    actions.decide_contest(actor=lan, contest=contest, outcome="reopened", note="Trả lời lại")
    actions.save_answer(actor=alice, submission=published, text="Bản trả lời lần hai")
    response = _page(client, alice, published)
    assert [a.version for a in response.context["answers"]] == [2, 1]
    body = response.content.decode()
    assert "Version 2" in body and "Version 1" in body and "Bản trả lời lần hai" in body


def test_a_template_fills_the_answer_without_javascript(client, alice, charlie, accepted, org):
    mine = actions.save_answer_template(actor=alice, organisation=org("P20-SKHCN"), title="Tiếp thu",
                                        body="Sở Khoa học và Công nghệ xin tiếp thu kiến nghị của Quý vị.")
    foreign = actions.save_answer_template(actor=charlie, organisation=org("P01"), title="Hà Nội",
                                           body="Mẫu của Hà Nội")
    response = _page(client, alice, accepted, {"template": mine.pk})
    form = next(b["form"] for b in response.context["blocks"] if b["step"] == "draft_answer")
    assert form.initial["text"] == mine.body and form.initial["template"] == mine.pk
    assert f'value="{mine.pk}"' in response.content.decode() and "data-body=" in response.content.decode()
    response = _page(client, alice, accepted, {"template": foreign.pk})
    form = next(b["form"] for b in response.context["blocks"] if b["step"] == "draft_answer")
    assert form.initial["text"] != foreign.body  # another province's template is not offered
    for odd in ("abc", "-1", "99999999999999999999999", ""):
        _page(client, alice, accepted, {"template": odd})


def test_the_draft_answer_records_the_template_used(client, alice, accepted, org):
    template = actions.save_answer_template(actor=alice, organisation=org("P20-SKHCN"), title="Tiếp thu",
                                            body="Xin tiếp thu.")
    client.force_login(alice)
    response = client.post(f"/feedback/s/{accepted.pk}/draft_answer/", {
        "answer-text": "Xin tiếp thu, đã chuyển Sở Tư pháp.", "answer-template": template.pk, "then": "save"})
    assert response.status_code == 302
    assert accepted.answers.get().template == template


def test_related_task_and_indicator_are_linked(client, lan, received, fb_field):
    from nq57.plans import actions as plan_actions
    from nq57.orgs.models import Organisation

    p20 = Organisation.objects.get(code="P20")
    plan = plan_actions.create_plan(actor=None, kind="plan", number="KH-1/P20", title="Kế hoạch chuyển đổi số",
                                    issuer=p20, owner=p20)
    task = plan_actions.create_task(actor=None, plan=plan, code="7", title="Thử nghiệm có kiểm soát",
                                    lead=[Organisation.objects.get(code="P20-SKHCN")])
    client.force_login(lan)
    response = client.post(f"/feedback/s/{received.pk}/route/", {
        "route-lead": "P20-SKHCN", "route-kind": "recommendation", "route-field": fb_field.pk,
        "route-plan": plan.pk, "route-task_code": "7"})
    assert response.status_code == 302, response.content.decode()[:2000]
    received.refresh_from_db()
    assert received.related_task == task
    assert f'href="/plans/tasks/{task.pk}/"' in _page(client, lan, received).content.decode()


# --- attachments ----------------------------------------------------------------------------------------


@pytest.fixture
def with_file(submit):
    submission, _key = submit(files=[SimpleUploadedFile("de-xuat.pdf", PDF, content_type="application/pdf")])
    return submission, submission.attachments.get()


def test_the_page_links_the_attachment_and_it_downloads_for_lan(client, lan, with_file):
    submission, attachment = with_file
    assert f'href="/feedback/files/{attachment.pk}/"' in _page(client, lan, submission).content.decode()
    response = client.get(f"/feedback/files/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_an_attachment_is_refused_four_ways(client, dave, minh, with_file):
    _submission, attachment = with_file
    file_url = f"/feedback/files/{attachment.pk}/"
    assert client.get(file_url)["Location"].startswith("/accounts/login/")
    client.force_login(dave)
    assert client.get(file_url).status_code == 403
    client.force_login(minh)
    assert client.get(file_url).status_code == 403
    for pk in ("99999999", "99999999999999999999999"):
        assert client.get(f"/feedback/files/{pk}/").status_code == 404
