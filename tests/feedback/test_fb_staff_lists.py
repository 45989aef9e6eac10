"""The officials' lists: lan (standing office of Lạng Sơn) triages what is addressed to the province, minh
(Hà Nội) sees none of it; alice (P20-SKHCN's focal officer) finds what her agency must accept and answer,
hanh (head of P20) what awaits her approval, charlie (Hà Nội) nothing of it. Each row carries its working-day
clock; a page costs the same number of queries for two rows or twenty; the list exports as filtered."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from nq57.feedback import actions
from nq57.feedback.models import Answer, State, Submission

pytestmark = pytest.mark.django_db

TRIAGE, INBOX, EXPORT = "/feedback/triage/", "/feedback/inbox/", "/feedback/export/"


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _body(client, user, url, params=None, status=200):
    client.force_login(user)
    response = client.get(url, params or {})
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def _set_due(submission, days_from_today):
    # Deadlines are set by the services from the working-day rules; here the test moves one to a known day.
    Submission.objects.filter(pk=submission.pk).update(
        due_date=timezone.localdate() + datetime.timedelta(days=days_from_today))


# --- who may open the lists ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [TRIAGE, INBOX, EXPORT, EXPORT + "?list=inbox"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [TRIAGE, INBOX, EXPORT, EXPORT + "?list=inbox"])
def test_an_account_without_a_role_is_refused(client, dave, url):
    client.force_login(dave)
    assert client.get(url).status_code == 403


def test_a_focal_officer_has_no_triage_queue(client, alice):
    client.force_login(alice)
    assert client.get(TRIAGE).status_code == 403
    assert client.get(EXPORT, {"list": "triage"}).status_code == 403


# --- triage ---------------------------------------------------------------------------------------------


def test_lan_finds_a_new_submission_in_her_queue_and_minh_does_not(client, lan, minh, submit):
    submission, _key = submit()
    body = _body(client, lan, TRIAGE)
    assert submission.code in body and f'href="/feedback/s/{submission.pk}/"' in body
    assert 'data-clock="running"' in body
    assert submission.code not in _body(client, minh, TRIAGE)
    assert submission.code not in _body(client, minh, TRIAGE, {"tab": "all"})


def test_a_misrouted_return_appears_in_triage_with_its_count(client, lan, alice, routed):
    actions.return_misrouted(actor=alice, submission=routed, reason="Thuộc thẩm quyền Sở Tư pháp")
    returned = _body(client, lan, TRIAGE, {"tab": "returned"})
    assert routed.code in returned
    assert 'data-misrouted="1"' in returned and "returned 1 time as misrouted" in returned
    assert routed.code not in _body(client, lan, TRIAGE, {"tab": "new"})


def _answered(submit, lan, alice, hanh, org, **overrides):
    """A new submission walked to ANSWERED by the real services."""
    submission, _key = submit(**overrides)
    actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"))
    actions.accept_submission(actor=alice, submission=submission)
    answer = actions.save_answer(actor=alice, submission=submission, text="Sở đã tiếp thu.", submit=True)
    actions.approve_answer(actor=hanh, answer=answer)
    submission.refresh_from_db()
    return submission


def test_the_tabs_sort_contested_answered_and_overdue_submissions(client, lan, alice, hanh, org, submit,
                                                                   published):
    answered = _answered(submit, lan, alice, hanh, org)
    late, _key = submit()
    _set_due(late, -10)
    actions.contest_answer(submission=published, reason="Câu trả lời chưa giải quyết kiến nghị")
    client.force_login(lan)
    response = client.get(TRIAGE, {"tab": "overdue"})
    tabs = {t["key"]: t["n"] for t in response.context["tabs"]}
    assert tabs["contested"] == 1 and tabs["answered"] == 1 and tabs["overdue"] >= 1
    assert late.code in response.content.decode()
    assert 'data-clock="overdue"' in response.content.decode() and "Overdue by" in response.content.decode()
    assert published.code in _body(client, lan, TRIAGE, {"tab": "contested"})
    answered_body = _body(client, lan, TRIAGE, {"tab": "answered"})
    assert answered.code in answered_body and published.code not in answered_body


def test_the_clock_says_how_many_working_days_are_left_or_late(client, lan, submit):
    ahead, _k1 = submit(title="Kiến nghị thứ nhất về hạ tầng số")
    late, _k2 = submit(title="Kiến nghị thứ hai về hạ tầng số")
    Submission.objects.filter(pk=ahead.pk).update(due_date=datetime.date(2999, 1, 1))
    _set_due(late, -30)
    client.force_login(lan)
    page = client.get(TRIAGE, {"tab": "all"}).context["page"]
    clocks = {s.code: s.clock for s in page.object_list}
    assert clocks[ahead.code]["status"] == "running" and "working days left" in clocks[ahead.code]["text"]
    assert clocks[late.code]["status"] == "overdue"
    assert clocks[late.code]["text"].startswith("Overdue by ")  # 30 calendar days is some 20 working days


def test_triage_filters_by_text_without_diacritics_kind_and_field(client, lan, submit, fb_field):
    from nq57.feedback.models import Field

    digital, _k1 = submit(title="Đề xuất thúc đẩy chuyển đổi số ở xã", kind="comment")
    other, _k2 = submit(title="Kiến nghị về đào tạo nhân lực", content="Đào tạo kỹ sư bán dẫn")
    body = _body(client, lan, TRIAGE, {"q": "chuyen doi so"})
    assert digital.code in body and other.code not in body
    body = _body(client, lan, TRIAGE, {"kind": "comment"})
    assert digital.code in body and other.code not in body
    another_field = Field.objects.exclude(pk=fb_field.pk).first()
    assert digital.code not in _body(client, lan, TRIAGE, {"field": another_field.pk})
    assert other.code in _body(client, lan, TRIAGE, {"q": other.code})


def test_triage_filters_by_intake(client, make_user, submit):
    from nq57.core.roles import Role

    tam = make_user("tam", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW")
    lang_son, _k1 = submit(intake="P20")
    ha_noi, _k2 = submit(intake="P01")
    body = _body(client, tam, TRIAGE, {"organisation": "P01"})
    assert ha_noi.code in body and lang_son.code not in body


def test_the_due_date_order_puts_the_most_urgent_first(client, lan, submit):
    later, _k1 = submit()
    sooner, _k2 = submit()
    _set_due(later, 20)
    _set_due(sooner, 2)
    client.force_login(lan)
    codes = [s.code for s in client.get(TRIAGE, {"order": "due"}).context["page"].object_list]
    assert codes.index(sooner.code) < codes.index(later.code)
    codes = [s.code for s in client.get(TRIAGE, {"order": "new"}).context["page"].object_list]
    assert codes.index(sooner.code) < codes.index(later.code)  # submitted last
    codes = [s.code for s in client.get(TRIAGE, {"order": "old"}).context["page"].object_list]
    assert codes.index(later.code) < codes.index(sooner.code)


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_triage_queue_costs_the_same_queries_for_two_rows_or_twenty(client, lan, submit):
    client.force_login(lan)
    for _ in range(2):
        submit()
    client.get(TRIAGE)  # warm the session
    few = _queries(client, TRIAGE, {"tab": "all"})
    for _ in range(18):
        submit()
    assert _queries(client, TRIAGE, {"tab": "all"}) == few
    assert few <= 14


# --- the agency inbox -----------------------------------------------------------------------------------


def test_alice_finds_what_her_agency_must_accept_and_charlie_does_not(client, alice, charlie, routed):
    client.force_login(alice)
    response = client.get(INBOX)
    counts = {t["key"]: t["n"] for t in response.context["tabs"]}
    assert counts["accept"] == 1 and counts["all"] == 1 and counts["in_progress"] == 0
    assert "approval" not in counts  # a focal officer approves nothing
    body = response.content.decode()
    assert routed.code in body and "lead agency" in body
    assert routed.code not in _body(client, charlie, INBOX, {"tab": "all"})


def _other_unit_of_lang_son():
    from nq57.orgs.models import Organisation

    return Organisation.objects.filter(parent__code="P20").exclude(code="P20-SKHCN").order_by("code").first()


def test_a_co_handling_agency_sees_the_submission_but_not_as_one_to_accept(client, make_user, lan, submit, org):
    from nq57.core.roles import Role

    unit = _other_unit_of_lang_son()
    submission, _key = submit()
    actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"), cohandlers=[unit])
    officer = make_user("phuong", home=unit, role=Role.FOCAL_OFFICER, scope=unit)
    client.force_login(officer)
    response = client.get(INBOX, {"tab": "all"})
    assert submission.code in response.content.decode() and "co-handling agency" in response.content.decode()
    assert submission.code not in client.get(INBOX, {"tab": "accept"}).content.decode()


def test_hanh_sees_the_answer_awaiting_her_approval_and_alice_does_not(client, alice, hanh, accepted):
    actions.save_answer(actor=alice, submission=accepted, text="Sở đã tiếp thu kiến nghị.", submit=True)
    assert accepted.code in _body(client, hanh, INBOX, {"tab": "approval"})
    client.force_login(hanh)
    assert {t["key"]: t["n"] for t in client.get(INBOX).context["tabs"]}["approval"] == 1
    assert accepted.code not in _body(client, alice, INBOX, {"tab": "approval"})


def test_a_returned_answer_shows_in_its_tab(client, alice, hanh, accepted):
    answer = actions.save_answer(actor=alice, submission=accepted, text="Bản trả lời đầu tiên.", submit=True)
    actions.return_answer(actor=hanh, answer=answer, comment="Bổ sung căn cứ pháp lý")
    assert Answer.objects.filter(submission=accepted, status=Answer.Status.RETURNED).exists()
    assert accepted.code in _body(client, alice, INBOX, {"tab": "returned"})


def test_the_inbox_costs_the_same_queries_for_two_rows_or_twelve(client, alice, lan, submit, org):
    client.force_login(alice)
    for _ in range(2):
        actions.route_submission(actor=lan, submission=submit()[0], lead=org("P20-SKHCN"))
    client.get(INBOX)
    few = _queries(client, INBOX, {"tab": "all"})
    for _ in range(10):
        actions.route_submission(actor=lan, submission=submit()[0], lead=org("P20-SKHCN"))
    assert _queries(client, INBOX, {"tab": "all"}) == few


# --- export ---------------------------------------------------------------------------------------------


def test_the_export_is_the_list_as_filtered(client, lan, submit):
    wanted, _k1 = submit(title="Đề xuất về dữ liệu mở", kind="comment")
    other, _k2 = submit(title="Kiến nghị khác")
    client.force_login(lan)
    response = client.get(EXPORT, {"list": "triage", "tab": "all", "kind": "comment"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    codes = [row[0] for row in rows[1:]]
    assert codes == [wanted.code] and other.code not in codes
    assert rows[0][0] == "Tracking code"
    assert "nguoi.gui" not in str(rows)  # no contact details leave in the export


def test_the_inbox_export_holds_only_the_agency_s_submissions(client, alice, routed, submit):
    untouched, _key = submit()
    client.force_login(alice)
    response = client.get(EXPORT, {"list": "inbox", "tab": "all"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    codes = [row[0] for row in list(sheet.iter_rows(values_only=True))[1:]]
    assert codes == [routed.code] and untouched.code not in codes


# --- malformed input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("params, status", [
    ({"field": "abc"}, 400),
    ({"field": "99999999999999999999999"}, 400),
    ({"kind": "nonsense"}, 400),
    ({"order": "sideways"}, 400),
    ({"organisation": "Không có cơ quan này"}, 400),
    ({"q": "x" * 500}, 400),
    ({"q": "\x00"}, 400),
    ({"q": "%_%"}, 200),
    ({"tab": "no-such-tab"}, 200),
    ({"page": "abc"}, 200),
    ({"page": "999999"}, 200),
    ({"page": "-1"}, 200),
])
def test_odd_filters_never_give_a_server_error(client, lan, submit, params, status):
    submit()
    client.force_login(lan)
    assert client.get(TRIAGE, params).status_code == status
    assert client.get(EXPORT, {"list": "triage", **params}).status_code in (status, 200)


def test_an_unknown_list_to_export_is_not_found(client, lan):
    client.force_login(lan)
    assert client.get(EXPORT, {"list": "everything"}).status_code == 404


def test_a_submission_in_waiting_state_shows_a_paused_clock(client, alice, accepted):
    actions.pause_submission(actor=alice, submission=accepted, question="Xin cho biết số giấy phép")
    accepted.refresh_from_db()
    assert accepted.state == State.WAITING_INFO
    body = _body(client, alice, INBOX, {"tab": "waiting"})
    assert accepted.code in body and 'data-clock="paused"' in body
