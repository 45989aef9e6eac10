"""The demo's feedback on first start: a few hundred submissions at every stage of their handling, written
through the service functions in the order they happened; near-duplicates grouped, initiatives under the
advisory council's review, one adopted as a task of Lạng Sơn's plan; published texts without contact data;
and a working queue for every demo login."""

import re
from collections import Counter
from unittest import mock

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from nq57.accounts.models import User
from nq57.core import context as write_context
from nq57.demo import loader
from nq57.demo.feedback_demo import load_feedback_demo
from nq57.feedback.actions import answer_of
from nq57.feedback.models import (OPEN_STATES, Answer, Contest, CouncilDecision, DuplicateGroup, Event, Field,
                                  Kind, Rating, Review, State, Submission)
from nq57.notifications.models import Notification

pytestmark = pytest.mark.django_db

# What contact data looks like in the demo's texts: 0900 000 123, 0900000123, someone@example.com.
PHONE = re.compile(r"0\d{3}[ .]?\d{3}[ .]?\d{3}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo dataset (without the KPI index, which feedback does not use), loaded once for this module inside
    a transaction rolled back at its end; each test runs in a savepoint of it."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        with transaction.atomic():
            with write_context.using(source="command", actor_label="tests"), \
                    mock.patch.object(loader, "load_indicators_demo", lambda: None):
                loader.load_demo()
            yield Submission.objects.all()
            transaction.set_rollback(True)


def _counts():
    return [m.objects.count() for m in (Submission, Event, Answer, Review, Rating, Contest, DuplicateGroup,
                                        CouncilDecision, Notification)]


def test_a_few_hundred_submissions_of_every_kind_and_field(demo):
    assert 250 <= demo.count() <= 400
    assert set(demo.values_list("kind", flat=True)) == set(Kind.values)
    assert set(demo.values_list("field", flat=True)) == set(Field.objects.values_list("pk", flat=True))
    assert set(demo.values_list("submitter_kind", flat=True)) == set(Submission.SubmitterKind.values)
    assert demo.filter(intake__code="BCDTW").count() > demo.filter(intake__code="P20").count() > 30
    # From January 2025 to today.
    first = demo.order_by("received_at").first().received_at
    assert (first.year, first.month) == (2025, 1)
    assert demo.filter(received_at__date=timezone.localdate()).exists()


def test_every_stage_of_the_handling_is_there(demo):
    assert set(demo.values_list("state", flat=True)) == set(State.values)
    # Returned as misrouted: back in triage, counted.
    assert demo.filter(state=State.RECEIVED, misroute_count__gt=0).count() >= 3
    assert Event.objects.filter(kind="returned").count() >= demo.filter(misroute_count__gt=0).count()


def test_several_stages_are_overdue_and_escalated(demo):
    today = timezone.localdate()
    overdue = demo.filter(state__in=OPEN_STATES, due_date__lt=today)
    assert len(set(overdue.values_list("state", flat=True))) >= 4
    # The deadline job ran for today: the agency heads (level 1) and the standing offices (level 2) were told.
    assert {1, 2} <= set(overdue.values_list("escalation_level", flat=True))
    assert Event.objects.filter(kind="escalated_office").exists()


def test_tracking_numbers_follow_the_order_in_which_submissions_arrived(demo):
    by_time = list(demo.order_by("received_at", "pk").values_list("year", "number"))
    assert by_time == sorted(by_time)


def test_near_duplicates_are_grouped_three_to_six_and_share_the_lead_s_answer(demo):
    groups = list(DuplicateGroup.objects.select_related("lead"))
    assert len(groups) >= 5
    assert all(3 <= g.members.count() <= 6 for g in groups)
    waiting = [g for g in groups if g.lead.state not in (State.PUBLISHED, State.ANSWERED)]
    assert waiting and all(set(g.members.exclude(pk=g.lead_id).values_list("state", flat=True)) == {State.GROUPED}
                           for g in waiting)
    answered = [g for g in groups if g.lead.state == State.PUBLISHED]
    assert answered
    for group in answered:
        for member in group.members.exclude(pk=group.lead_id):
            assert member.state in (State.ANSWERED, State.PUBLISHED)
            assert answer_of(member) == answer_of(group.lead)


def test_initiatives_are_under_review_with_reviewers_at_every_step(demo):
    under_review = demo.filter(state=State.UNDER_REVIEW)
    assert under_review.count() >= 5 and all(s.kind in (Kind.INITIATIVE, Kind.SOLUTION) for s in under_review)
    statuses = Counter(Review.objects.filter(submission__in=under_review).values_list("status", flat=True))
    assert set(statuses) == set(Review.Status.values)
    reviewers = set(Review.objects.values_list("reviewer__username", flat=True))
    assert {"tuvan", "tuvan.dulieu", "tuvan.bandan", "tuvan.nongnghiep"} <= reviewers
    assert all(User.objects.get(username=name).expert.tags.exists() for name in reviewers)
    assert set(CouncilDecision.objects.values_list("recommendation", flat=True)) == set(
        CouncilDecision.Recommendation.values)


def test_the_adopted_initiative_is_a_task_of_the_lang_son_plan_linked_both_ways(demo):
    decision = CouncilDecision.objects.select_related("task__plan", "submission").get(recommendation="adopt")
    task = decision.task
    assert task.plan.number == "45/KH-UBND"
    assert decision.submission.related_task == task and task.initiative_decision == decision
    assert task.feedback.get() == decision.submission
    assert task.assignments.filter(organisation__code="P20-SKHCN").exists()


def test_published_texts_carry_no_phone_number_or_e_mail(demo):
    # The demo's texts do carry contact data: the redaction has something to remove.
    assert demo.filter(content__regex=r"0900 000 \d{3}").count() >= 5
    published = demo.filter(published_at__isnull=False)
    assert published.count() >= 150
    for submission in published:
        public = submission.public_title + "\n" + submission.public_content
        assert not PHONE.search(public) and not EMAIL.search(public), submission.code
    for answer in Answer.objects.filter(submission__in=published).exclude(public_text=""):
        assert not PHONE.search(answer.public_text) and not EMAIL.search(answer.public_text)
    assert not demo.filter(confidential=True, published_at__isnull=False).exists()


def test_out_of_scope_ones_are_referred_to_the_competent_body(demo):
    referred = demo.filter(state=State.REFERRED)
    assert referred.count() >= 5 and all("Ủy ban nhân dân" in s.referral or "Bảo hiểm" in s.referral
                                         or "Công an" in s.referral or "điện lực" in s.referral for s in referred)


def test_answers_are_rated_contested_and_some_in_the_faq(demo):
    assert set(Rating.objects.values_list("satisfied", flat=True)) == {True, False}
    assert {Contest.Outcome.PENDING, Contest.Outcome.REOPENED, Contest.Outcome.REJECTED,
            Contest.Outcome.ESCALATED} == set(Contest.objects.values_list("outcome", flat=True))
    assert demo.filter(pinned=True, published_at__isnull=False).count() >= 5
    assert demo.filter(hidden=True).exists()


def test_the_past_sends_no_notifications_only_today_s_deadlines_do(demo):
    kinds = set(Notification.objects.filter(kind__startswith="feedback").values_list("kind", flat=True))
    assert kinds and kinds <= {"feedback_overdue", "feedback_due_soon"}
    assert not Notification.objects.filter(kind__startswith="council").exists()


def _page(client, username, name, **params):
    client.force_login(User.objects.get(username=username))
    response = client.get(reverse(f"feedback:{name}"), params)
    assert response.status_code == 200
    return response.context


@pytest.mark.parametrize("username, name, tab", [
    ("vanphong", "triage", "new"), ("vanphong", "triage", "returned"), ("vanphong", "triage", "overdue"),
    ("langson.vanphong", "triage", "new"),
    ("bkhcn.canbo", "inbox", "accept"), ("bkhcn.canbo", "inbox", "in_progress"),
    ("bkhcn.lanhdao", "inbox", "approval"),
    ("langson.canbo", "inbox", "accept"), ("langson.canbo", "inbox", "in_progress"),
    ("langson.truong", "inbox", "approval"),
])
def test_each_demo_login_finds_a_working_queue(demo, client, username, name, tab):
    context = _page(client, username, name, tab=tab)
    assert context["tab"] == tab and len(context["page"].object_list) > 0


def test_the_advisory_member_has_files_to_review_and_the_office_files_to_decide(demo, client):
    assert len(_page(client, "tuvan", "council")["open_reviews"]) >= 3
    assert len(_page(client, "vanphong", "council")["page"].object_list) >= 5


def test_the_citizen_demo_login_finds_their_own_submissions(demo, client):
    mine = demo.filter(submitted_by__username="congdan")
    assert mine.count() >= 3 and mine.filter(state=State.PUBLISHED).exists()
    client.force_login(User.objects.get(username="congdan"))
    html = client.get(reverse("feedback:mine")).content.decode()
    assert all(s.code in html for s in mine)


def test_loading_again_creates_nothing(demo):
    before = _counts()
    assert load_feedback_demo() is None
    assert _counts() == before
