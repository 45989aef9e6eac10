"""The council pages: the desk, a file's reviewers and decision, a review (conflict declaration before the
content), experts and rubrics; malformed input is a 400 or 404, never a 500."""

import datetime
import re

import pytest
from django.utils import timezone

from nq57.core.roles import Role
from nq57.feedback import evaluation
from nq57.feedback.models import CouncilDecision, Expert, Review, Rubric, Score, State
from nq57.plans.models import Task

pytestmark = pytest.mark.django_db
R = Review.Status


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read English messages; the interface is Vietnamese by default.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _page(client, user, url, **kwargs):
    client.force_login(user)
    response = client.get(url, **kwargs)
    return response, response.content.decode()


# --- the review: conflict first ----------------------------------------------------------------------------


def test_before_declaring_the_review_page_shows_who_sent_it_but_not_what(client, assigned, quang, content_marker):
    response, body = _page(client, quang, f"/feedback/council/reviews/{assigned.pk}/")
    assert response.status_code == 200
    submission = assigned.submission
    assert submission.code in body and "Sáng kiến trợ lý ảo" in body and submission.field.name_en in body
    assert content_marker not in body and "Zalo" not in body  # the content is not on the page
    # who sent it is shown (a conflict is about people); what they wrote is not
    assert submission.submitter_name in body
    assert 'name="has_conflict"' in body and 'name="criterion_' not in body


def test_declaring_no_conflict_opens_the_file_and_the_rubric(content_marker, client, assigned, quang):
    client.force_login(quang)
    response = client.post(f"/feedback/council/reviews/{assigned.pk}/",
                           {"operation": "declare", "has_conflict": "no"})
    assert response.status_code == 302
    body = client.get(f"/feedback/council/reviews/{assigned.pk}/").content.decode()
    assert content_marker in body
    for criterion in assigned.rubric.criteria.all():
        assert f'name="criterion_{criterion.pk}"' in body and criterion.name_en in body  # English page
    assert 'type="radio" name="has_conflict"' not in body  # declared: only the late-conflict form remains


def test_declaring_a_conflict_ends_the_review_without_showing_the_file(client, assigned, quang, lan, content_marker):
    client.force_login(quang)
    response = client.post(f"/feedback/council/reviews/{assigned.pk}/",
                           {"operation": "declare", "has_conflict": "yes", "note": "Tôi là đồng tác giả"})
    assert response.status_code == 302
    review = Review.objects.get(pk=assigned.pk)
    assert review.status == R.CONFLICT
    body = client.get(f"/feedback/council/reviews/{assigned.pk}/").content.decode()
    assert content_marker not in body and "conflict of interest" in body
    # the standing office sees it and may assign someone else
    client.force_login(lan)
    body = client.get(f"/feedback/council/s/{assigned.submission.pk}/").content.decode()
    assert "Tôi là đồng tác giả" in body


def test_a_conflict_without_a_description_is_refused_on_the_form(client, assigned, quang):
    client.force_login(quang)
    response = client.post(f"/feedback/council/reviews/{assigned.pk}/", {"operation": "declare", "has_conflict": "yes"})
    assert response.status_code == 400
    assert "Describe the conflict" in response.content.decode()
    assert Review.objects.get(pk=assigned.pk).has_conflict is None


def test_scores_cannot_be_posted_before_the_declaration(content_marker, client, assigned, quang):
    criterion = assigned.rubric.criteria.first()
    client.force_login(quang)
    response = client.post(f"/feedback/council/reviews/{assigned.pk}/",
                           {"operation": "score", f"criterion_{criterion.pk}": "3", "then": "submit"})
    assert response.status_code == 400
    assert not Score.objects.exists() and content_marker not in response.content.decode()


@pytest.fixture
def declared(assigned, quang):
    return evaluation.declare_conflict(actor=quang, review=assigned, has_conflict=False)


def test_a_reviewer_saves_a_draft_then_submits_the_scores(client, declared, quang):
    criteria = list(declared.rubric.criteria.all())
    client.force_login(quang)
    url = f"/feedback/council/reviews/{declared.pk}/"
    draft = {"operation": "score", "then": "draft", f"criterion_{criteria[0].pk}": "4",
             f"comment_{criteria[0].pk}": "Ý tưởng mới"}
    assert client.post(url, draft).status_code == 302
    assert Review.objects.get(pk=declared.pk).status == R.IN_PROGRESS
    body = client.get(url).content.decode()
    assert "Ý tưởng mới" in body
    assert re.search(rf'<input[^>]*name="criterion_{criteria[0].pk}"[^>]*value="4"[^>]*checked', body)
    incomplete = client.post(url, {**draft, "then": "submit"})
    assert incomplete.status_code == 400 and "Score this criterion before submitting." in incomplete.content.decode()
    full = {"operation": "score", "then": "submit", "comment": "Nên thí điểm"}
    full.update({f"criterion_{c.pk}": "5" for c in criteria})
    assert client.post(url, full).status_code == 302
    review = Review.objects.get(pk=declared.pk)
    assert review.status == R.DONE and review.total == 100 and review.comment == "Nên thí điểm"
    body = client.get(url).content.decode()
    assert 'name="criterion_' not in body  # frozen: shown, no longer editable


def test_a_reviewer_may_still_declare_a_conflict_noticed_while_reading(client, declared, quang):
    client.force_login(quang)
    url = f"/feedback/council/reviews/{declared.pk}/"
    assert "I notice a conflict of interest" in client.get(url).content.decode()
    response = client.post(url, {"operation": "declare", "has_conflict": "yes"})
    assert response.status_code == 400 and "Describe the conflict" in response.content.decode()
    response = client.post(url, {"operation": "declare", "has_conflict": "yes", "note": "Người quen"})
    assert response.status_code == 302 and Review.objects.get(pk=declared.pk).status == R.CONFLICT


@pytest.mark.parametrize("value", ["6", "-1", "abc", "2.5", "", "99999999999999999999"])
def test_a_score_outside_the_scale_is_a_400_on_the_form(client, declared, quang, value):
    criteria = list(declared.rubric.criteria.all())
    data = {"operation": "score", "then": "submit"}
    data.update({f"criterion_{c.pk}": "3" for c in criteria})
    data[f"criterion_{criteria[0].pk}"] = value
    client.force_login(quang)
    response = client.post(f"/feedback/council/reviews/{declared.pk}/", data)
    assert response.status_code == 400
    assert Review.objects.get(pk=declared.pk).status == R.IN_PROGRESS and not Score.objects.exists()


# --- the file's page: suggestions, assigning, scores, aggregate, decision --------------------------------------


def test_the_file_page_suggests_experts_with_their_matching_tags(client, initiative, lan, quang, thu, vinh):
    response, body = _page(client, lan, f"/feedback/council/s/{initiative.pk}/")
    assert response.status_code == 200
    assert "Quang" in body and "Thu" in body and "Artificial intelligence and data" in body  # the matching tag
    suggestions = response.context["suggestions"]
    assert {s.user for s in suggestions} == {quang, thu}
    assert all([t.code for t in s.matching] == ["tri-tue-nhan-tao"] for s in suggestions)


def test_the_standing_office_assigns_and_withdraws_a_reviewer(client, initiative, lan, quang):
    client.force_login(lan)
    url = f"/feedback/council/s/{initiative.pk}/"
    assert client.post(url, {"operation": "assign", "reviewer": quang.pk}).status_code == 302
    review = Review.objects.get(submission=initiative, reviewer=quang)
    assert client.post(url, {"operation": "unassign", "review": review.pk}).status_code == 302
    assert not Review.objects.exists()


def test_the_file_page_shows_every_reviewers_scores_and_the_aggregate(client, scored, initiative, lan):
    response, body = _page(client, lan, f"/feedback/council/s/{initiative.pk}/")
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.count == 2 and summary.level == "high"
    assert "Nhận xét novelty" in body and "Nhận xét chung" in body
    assert "High" in body  # the agreement label
    assert len(response.context["criteria_rows"]) == 5


def test_the_decision_form_adopts_into_a_plan_and_the_task_page_links_back(client, scored, initiative, lan,
                                                                           lang_son_plan):
    client.force_login(lan)
    deadline = timezone.localdate() + datetime.timedelta(days=100)
    response = client.post(f"/feedback/council/s/{initiative.pk}/decide/", {
        "recommendation": "adopt", "reasons": "Hiệu quả cao.", "plan": lang_son_plan.pk, "task_code": "SK-1",
        "task_title": "Triển khai trợ lý ảo thủ tục hành chính", "lead": "P20-SKHCN",
        "deadline": deadline.strftime("%d/%m/%Y")})
    assert response.status_code == 302, response.content.decode()[:3000]
    task = Task.objects.get(plan=lang_son_plan, code="SK-1")
    assert CouncilDecision.objects.get(submission=initiative).task == task
    initiative.refresh_from_db()
    assert initiative.state == State.ANSWERED
    body = client.get(f"/plans/tasks/{task.pk}/").content.decode()
    assert f"From initiative {initiative.code}" in body
    body = client.get(f"/feedback/council/s/{initiative.pk}/").content.decode()
    assert f"/plans/tasks/{task.pk}/" in body


def test_a_task_page_without_an_initiative_says_nothing_about_one(client, lang_son_plan, lan):
    from nq57.plans import actions as plan_actions

    task = plan_actions.create_task(actor=None, plan=lang_son_plan, code="1", title="Nhiệm vụ thường")
    _response, body = _page(client, lan, f"/plans/tasks/{task.pk}/")
    assert "From initiative" not in body


def test_adopting_without_a_plan_is_a_400_next_to_the_plan(client, scored, initiative, lan):
    client.force_login(lan)
    response = client.post(f"/feedback/council/s/{initiative.pk}/decide/",
                           {"recommendation": "adopt", "reasons": "Tốt"})
    assert response.status_code == 400
    assert not CouncilDecision.objects.exists()


def test_the_council_desk_lists_files_with_counts_and_the_reviewers_assignments(client, scored, initiative, lan,
                                                                                  quang, vinh, content_marker):
    evaluation.assign_reviewer(actor=lan, submission=initiative, reviewer=vinh)
    response, body = _page(client, lan, "/feedback/council/")
    row = next(s for s in response.context["page"] if s.pk == initiative.pk)
    assert (row.n_assigned, row.n_declared, row.n_conflicts, row.n_done) == (3, 2, 0, 2)
    assert row.summary.mean == pytest.approx(70.0)
    response, body = _page(client, vinh, "/feedback/council/")
    assert initiative.code in body and "Declare any conflict of interest first" in body
    assert content_marker not in body


def test_the_desk_of_another_province_does_not_list_the_file(client, initiative, minh):
    _response, body = _page(client, minh, "/feedback/council/")
    assert initiative.code not in body


# --- experts and rubrics -----------------------------------------------------------------------------------


def test_the_office_edits_an_experts_tags_on_the_experts_page(client, lan, make_user):
    from nq57.feedback.models import ExpertiseTag

    member = make_user("hoa", home="P20", role=Role.ADVISORY_MEMBER, scope="P20", full_name="Hoa Chuyên gia")
    response, body = _page(client, lan, "/feedback/council/experts/")
    assert response.status_code == 200 and "Hoa Chuyên gia" in body
    assert client.get(f"/feedback/council/experts/?edit={member.pk}").status_code == 200
    tag = ExpertiseTag.objects.get(code="an-ninh-mang")
    response = client.post("/feedback/council/experts/", {"user": member.pk, "tags": [tag.pk], "affiliation": "Sở"})
    assert response.status_code == 302
    assert list(Expert.objects.get(user=member).tags.all()) == [tag]


def test_the_national_office_creates_a_rubric_version_on_the_rubrics_page(client, make_user, scored):
    national = make_user("quoc", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW")
    used = scored[0].rubric
    client.force_login(national)
    assert client.get(f"/feedback/council/rubrics/?edit={used.pk}").status_code == 200
    data = {"name": "Tiêu chí 2027", "make_default": "on", "rubric": used.pk,
            "criteria-TOTAL_FORMS": "3", "criteria-INITIAL_FORMS": "0", "criteria-MIN_NUM_FORMS": "0",
            "criteria-MAX_NUM_FORMS": "20",
            "criteria-0-name": "Tính mới", "criteria-0-weight": "50", "criteria-0-max_score": "10",
            "criteria-1-name": "Tính khả thi", "criteria-1-weight": "50", "criteria-1-max_score": "5",
            "criteria-2-max_score": "5"}  # a blank row as the browser sends it (the scale prefilled): ignored
    response = client.post("/feedback/council/rubrics/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Rubric.objects.get(is_default=True)
    assert new.pk != used.pk and new.criteria.count() == 2
    assert used.criteria.count() == 5


# --- malformed input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    {},
    {"operation": "nonsense"},
    {"operation": "assign"},
    {"operation": "assign", "reviewer": "abc"},
    {"operation": "assign", "reviewer": "99999999999999999999999"},
    {"operation": "assign", "reviewer": "1", "rubric": "-5"},
    {"operation": "unassign"},
    {"operation": "unassign", "review": "abc"},
    {"operation": "unassign", "review": "99999999999999999999999"},
    {"operation": "unassign", "review": "0"},
])
def test_malformed_posts_on_the_file_page_are_400(client, initiative, lan, data):
    client.force_login(lan)
    assert client.post(f"/feedback/council/s/{initiative.pk}/", data).status_code == 400


@pytest.mark.parametrize("data", [
    {},
    {"recommendation": "adopt"},
    {"recommendation": "maybe", "reasons": "x"},
    {"recommendation": "adopt", "reasons": "x", "plan": "abc"},
    {"recommendation": "adopt", "reasons": "x", "plan": "99999999999999999999999"},
    {"recommendation": "pilot", "reasons": "x", "deadline": "31/02/2026"},
    {"recommendation": "pilot", "reasons": "x", "lead": "no such agency anywhere"},
    {"recommendation": "pilot", "reasons": "\x00"},
    {"recommendation": "adopt", "reasons": "x", "lead": "\x00", "task_code": "\x00"},
])
def test_malformed_decisions_are_400(client, scored, initiative, lan, data):
    client.force_login(lan)
    assert client.post(f"/feedback/council/s/{initiative.pk}/decide/", data).status_code == 400
    assert not CouncilDecision.objects.exists()


def test_a_decision_on_a_file_without_scores_is_400(client, assigned, lan):
    client.force_login(lan)
    response = client.post(f"/feedback/council/s/{assigned.submission.pk}/decide/",
                           {"recommendation": "pilot", "reasons": "Thí điểm"})
    assert response.status_code == 400
    assert "scored" in response.content.decode()


@pytest.mark.parametrize("data", [
    {},
    {"operation": "declare"},
    {"operation": "declare", "has_conflict": "perhaps"},
    {"operation": "score"},
    {"operation": "whatever"},
])
def test_malformed_posts_on_the_review_page_are_400(client, assigned, quang, data):
    client.force_login(quang)
    assert client.post(f"/feedback/council/reviews/{assigned.pk}/", data).status_code == 400


@pytest.mark.parametrize("method, url, data, expected", [
    ("get", "/feedback/council/experts/?edit=abc", None, 404),
    ("get", "/feedback/council/experts/?edit=99999999999999999999999", None, 404),
    ("get", "/feedback/council/experts/?page=abc&tag=%00", None, 200),
    ("post", "/feedback/council/experts/", {}, 400),
    ("post", "/feedback/council/experts/", {"user": "abc"}, 400),
    ("post", "/feedback/council/experts/", {"user": "1", "tags": ["x"]}, 400),
    ("get", "/feedback/council/?page=abc", None, 200),
    ("get", "/feedback/council/experts/?tag=" + "x" * 5000, None, 200),
    ("get", "/feedback/council/rubrics/?edit=%00", None, 200),  # lan may not edit rubrics: ignored
    ("get", "/feedback/council/s/99999999/", None, 404),
    ("get", "/feedback/council/s/99999999999999999999999/", None, 404),
    ("get", "/feedback/council/reviews/99999999999999999999999/", None, 403),  # lan may not evaluate at all
])
def test_malformed_requests_of_the_office_are_400_or_404(client, lan, method, url, data, expected):
    client.force_login(lan)
    response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    assert response.status_code == expected


def test_a_malformed_rubric_to_revise_is_404(client, make_user):
    national = make_user("quoc", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW")
    client.force_login(national)
    for value in ("%00", "abc", "99999999999999999999999", "0"):
        assert client.get(f"/feedback/council/rubrics/?edit={value}").status_code == 404


@pytest.mark.parametrize("data", [
    {},
    {"name": "X"},  # no management form
    {"name": "X", "criteria-TOTAL_FORMS": "abc", "criteria-INITIAL_FORMS": "0"},
    {"name": "X", "criteria-TOTAL_FORMS": "1", "criteria-INITIAL_FORMS": "0", "criteria-0-name": "A",
     "criteria-0-weight": "-1", "criteria-0-max_score": "5"},
    {"name": "X", "criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0"},
    {"name": "X", "rubric": "abc", "criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0"},
    {"name": "X", "rubric": "99999999", "criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0"},
    {"name": "X", "criteria-TOTAL_FORMS": "1000000", "criteria-INITIAL_FORMS": "0"},
])
def test_malformed_rubrics_are_400(client, make_user, data):
    national = make_user("quoc", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW")
    client.force_login(national)
    before = Rubric.objects.count()
    assert client.post("/feedback/council/rubrics/", data).status_code == 400
    assert Rubric.objects.count() == before


# --- query budgets -----------------------------------------------------------------------------------------


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_desk_costs_the_same_queries_for_one_file_or_many(client, initiative_factory, lan, quang, thu):
    first = initiative_factory()
    for reviewer in (quang, thu):
        evaluation.assign_reviewer(actor=lan, submission=first, reviewer=reviewer)
    client.force_login(lan)
    one = _queries(client, "/feedback/council/")
    for _ in range(3):
        other = initiative_factory()
        for reviewer in (quang, thu):
            evaluation.assign_reviewer(actor=lan, submission=other, reviewer=reviewer)
    assert _queries(client, "/feedback/council/") == one
    client.force_login(quang)  # the reviewer's list: four open reviews, same cost as one
    assert _queries(client, "/feedback/council/") <= one


def test_the_file_page_costs_the_same_queries_for_two_reviews_or_four(client, scored, initiative, lan, vinh,
                                                                      expert):
    client.force_login(lan)
    two = _queries(client, f"/feedback/council/s/{initiative.pk}/")
    for name in ("an", "binh"):
        member = expert(name, "P20", ["tri-tue-nhan-tao"])
        review = evaluation.assign_reviewer(actor=lan, submission=initiative, reviewer=member)
        evaluation.declare_conflict(actor=member, review=review, has_conflict=False)
        evaluation.save_scores(actor=member, review=review, submit=True,
                               scores={c.pk: (2, "") for c in review.rubric.criteria.all()})
    assert _queries(client, f"/feedback/council/s/{initiative.pk}/") == two
