"""The council's services: experts, suggestions by tags, assigning, the conflict declaration, scores, the
decision (an adopted initiative becomes a task, linked both ways) and rubric versions."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from nq57.accounts.models import RoleGrant
from nq57.audit.models import AuditEvent
from nq57.core.roles import Role
from nq57.feedback import evaluation
from nq57.feedback.models import (Answer, CouncilDecision, Criterion, Expert, ExpertiseTag, Review, Rubric, Score,
                                  State)
from nq57.feedback.workflow import TransitionError
from nq57.notifications.models import Notification
from nq57.plans.models import Assignment, Task

pytestmark = pytest.mark.django_db
R = Review.Status


def _full_scores(review, value, note=""):
    return {c.pk: (value, note) for c in review.rubric.criteria.all()}


# --- experts ---------------------------------------------------------------------------------------------------


def test_the_standing_office_sets_the_expertise_of_an_advisory_member_in_its_scope(lan, make_user):
    member = make_user("hoa", home="P20", role=Role.ADVISORY_MEMBER, scope="P20")
    tags = list(ExpertiseTag.objects.filter(code__in=["an-ninh-mang", "chuyen-doi-so"]))
    profile = evaluation.save_expert(actor=lan, user=member, tags=tags, affiliation="Sở KH&CN")
    assert isinstance(profile, Expert)
    assert set(profile.tags.values_list("code", flat=True)) == {"an-ninh-mang", "chuyen-doi-so"}
    again = evaluation.save_expert(actor=lan, user=member, tags=tags[:1], affiliation="Đại học")
    assert again.pk == profile.pk and again.tags.count() == 1 and again.affiliation == "Đại học"
    assert AuditEvent.objects.filter(verb="expert_saved", object_id=str(profile.pk)).count() == 2


def test_only_advisory_members_get_an_expertise_profile(lan, alice):
    with pytest.raises(ValidationError) as caught:
        evaluation.save_expert(actor=lan, user=alice, tags=[])
    assert "user" in caught.value.message_dict


def test_a_standing_office_cannot_set_the_expertise_of_a_member_outside_its_scope(minh, quang):
    with pytest.raises(PermissionDenied):
        evaluation.save_expert(actor=minh, user=quang, tags=[])


# --- suggestions -----------------------------------------------------------------------------------------------


def test_reviewers_are_suggested_by_tags_matching_the_field_with_the_matching_tags(initiative, quang, thu, vinh,
                                                                                   khoa, ai_field):
    # digital transformation also covers AI here: thu then matches with two tags, quang with one
    ExpertiseTag.objects.get(code="chuyen-doi-so").fields.add(ai_field)
    suggestions = evaluation.suggest_reviewers(initiative)
    assert [s.user for s in suggestions] == [thu, quang]  # vinh has no matching tag; khoa is out of scope
    assert {t.code for t in suggestions[0].matching} == {"tri-tue-nhan-tao", "chuyen-doi-so"}
    assert [t.code for t in suggestions[1].matching] == ["tri-tue-nhan-tao"]


def test_among_equal_matches_the_least_busy_expert_comes_first(initiative_factory, quang, thu, lan):
    other = initiative_factory()
    evaluation.assign_reviewer(actor=lan, submission=other, reviewer=quang)  # quang now has an open review
    assert [s.user for s in evaluation.suggest_reviewers(initiative_factory())] == [thu, quang]


def test_suggestions_leave_out_assigned_reviewers_and_the_submitter(initiative, quang, thu, lan, expert):
    author = expert("tacgia", "P20", ["tri-tue-nhan-tao"], email=initiative.email.upper())
    assert author not in [s.user for s in evaluation.suggest_reviewers(initiative, limit=10)]
    evaluation.assign_reviewer(actor=lan, submission=initiative, reviewer=quang)
    suggested = [s.user for s in evaluation.suggest_reviewers(initiative, limit=10)]
    assert suggested == [thu]  # quang is assigned; the submitter (same e-mail) is never suggested


def test_a_limit_caps_the_suggestions(initiative, quang, thu):
    assert len(evaluation.suggest_reviewers(initiative, limit=1)) == 1


# --- assigning -------------------------------------------------------------------------------------------------


def test_assigning_a_reviewer_creates_the_review_and_tells_the_reviewer(initiative, quang, lan):
    review = evaluation.assign_reviewer(actor=lan, submission=initiative, reviewer=quang)
    assert review.status == R.ASSIGNED and review.has_conflict is None
    assert review.rubric == Rubric.objects.get(is_default=True)
    note = Notification.objects.get(user=quang, kind="council_review_assigned")
    assert initiative.code in note.title and note.url == f"/feedback/council/reviews/{review.pk}/"


@pytest.mark.parametrize("who, message_key", [("khoa", "reviewer"), ("alice", "reviewer")])
def test_only_someone_who_may_evaluate_the_file_can_be_assigned(initiative, lan, khoa, alice, who, message_key):
    reviewer = {"khoa": khoa, "alice": alice}[who]
    with pytest.raises(ValidationError) as caught:
        evaluation.assign_reviewer(actor=lan, submission=initiative, reviewer=reviewer)
    assert message_key in caught.value.message_dict
    assert not Review.objects.exists()


def test_the_submitter_cannot_review_their_own_file(initiative, lan, expert):
    author = expert("tacgia", "P20", ["tri-tue-nhan-tao"], email=initiative.email)
    with pytest.raises(ValidationError):
        evaluation.assign_reviewer(actor=lan, submission=initiative, reviewer=author)


def test_a_reviewer_is_assigned_once(assigned, lan, quang):
    with pytest.raises(ValidationError):
        evaluation.assign_reviewer(actor=lan, submission=assigned.submission, reviewer=quang)


def test_a_standing_office_out_of_scope_cannot_assign(initiative, minh, quang):
    with pytest.raises(PermissionDenied):
        evaluation.assign_reviewer(actor=minh, submission=initiative, reviewer=quang)


def test_reviewers_are_assigned_only_while_the_file_is_under_review(submit, ai_field, lan, quang):
    submission, _key = submit(kind="initiative", field=ai_field)  # received, not sent to the council
    with pytest.raises(ValidationError):
        evaluation.assign_reviewer(actor=lan, submission=submission, reviewer=quang)


def test_an_unscored_review_can_be_withdrawn_but_a_declared_conflict_stays(assigned, lan, quang):
    evaluation.unassign_reviewer(actor=lan, review=assigned)
    assert not Review.objects.filter(pk=assigned.pk).exists()
    review = evaluation.assign_reviewer(actor=lan, submission=assigned.submission, reviewer=quang)
    evaluation.declare_conflict(actor=quang, review=review, has_conflict=True, note="Tôi là đồng tác giả")
    with pytest.raises(ValidationError):
        evaluation.unassign_reviewer(actor=lan, review=review)


# --- the conflict declaration ----------------------------------------------------------------------------------


def test_a_declared_conflict_ends_the_review_and_the_standing_office_is_told(assigned, quang, lan):
    review = evaluation.declare_conflict(actor=quang, review=assigned, has_conflict=True,
                                         note="Tôi hướng dẫn luận văn của tác giả")
    assert review.status == R.CONFLICT and review.has_conflict is True and review.declared_at is not None
    told = Notification.objects.get(user=lan, kind="council_conflict")
    assert assigned.submission.code in told.title and told.url.endswith(f"/council/s/{assigned.submission.pk}/")
    with pytest.raises(ValidationError):
        evaluation.save_scores(actor=quang, review=review, scores=_full_scores(review, 3), submit=True)
    assert not Score.objects.filter(review=review).exists()


def test_a_conflict_must_be_described(assigned, quang):
    with pytest.raises(ValidationError) as caught:
        evaluation.declare_conflict(actor=quang, review=assigned, has_conflict=True, note="  ")
    assert "note" in caught.value.message_dict
    assert Review.objects.get(pk=assigned.pk).has_conflict is None


def test_the_declaration_of_no_conflict_is_made_once(assigned, quang):
    evaluation.declare_conflict(actor=quang, review=assigned, has_conflict=False)
    with pytest.raises(ValidationError):
        evaluation.declare_conflict(actor=quang, review=assigned, has_conflict=False)


def test_a_conflict_noticed_while_reading_ends_the_review_until_the_scores_are_submitted(assigned, quang, lan):
    evaluation.declare_conflict(actor=quang, review=assigned, has_conflict=False)
    review = evaluation.declare_conflict(actor=quang, review=assigned, has_conflict=True,
                                         note="Tác giả là đồng nghiệp cùng phòng")
    assert review.status == R.CONFLICT and Notification.objects.filter(user=lan, kind="council_conflict").exists()


def test_no_conflict_can_be_declared_after_submitting_the_scores(scored, quang):
    with pytest.raises(ValidationError):
        evaluation.declare_conflict(actor=quang, review=scored[0], has_conflict=True, note="Muộn")
    assert Review.objects.get(pk=scored[0].pk).status == R.DONE


def test_only_the_assigned_reviewer_declares(assigned, thu, lan):
    for someone in (thu, lan):
        with pytest.raises(PermissionDenied):
            evaluation.declare_conflict(actor=someone, review=assigned, has_conflict=False)


# --- scores ----------------------------------------------------------------------------------------------------


@pytest.fixture
def declared(assigned, quang):
    return evaluation.declare_conflict(actor=quang, review=assigned, has_conflict=False)


def test_scoring_needs_the_declaration_first(assigned, quang):
    with pytest.raises(ValidationError):
        evaluation.save_scores(actor=quang, review=assigned, scores=_full_scores(assigned, 3))


@pytest.mark.parametrize("bad", [6, -1, "7", "abc", "2.5", True, 10**6])
def test_a_score_outside_zero_to_the_maximum_is_refused_next_to_its_criterion(declared, quang, bad):
    criterion = declared.rubric.criteria.first()
    with pytest.raises(ValidationError) as caught:
        evaluation.save_scores(actor=quang, review=declared, scores={criterion.pk: (bad, "")})
    assert f"criterion_{criterion.pk}" in caught.value.message_dict
    assert not Score.objects.exists()


def test_a_score_for_a_criterion_of_another_rubric_is_refused(declared, quang):
    other = Rubric.objects.create(name="Khác")
    stray = Criterion.objects.create(rubric=other, code="x", name="X")
    with pytest.raises(ValidationError):
        evaluation.save_scores(actor=quang, review=declared, scores={stray.pk: (1, ""), "nope": (1, "")})


def test_a_draft_may_be_partial_but_submitting_needs_every_criterion(declared, quang):
    criteria = list(declared.rubric.criteria.all())
    review = evaluation.save_scores(actor=quang, review=declared, scores={criteria[0].pk: (4, "Mới")})
    assert review.status == R.IN_PROGRESS and review.total is None
    with pytest.raises(ValidationError) as caught:
        evaluation.save_scores(actor=quang, review=review, scores={criteria[0].pk: (4, "Mới")}, submit=True)
    assert set(caught.value.message_dict) == {f"criterion_{c.pk}" for c in criteria[1:]}
    assert Review.objects.get(pk=review.pk).status == R.IN_PROGRESS


def test_submitted_scores_give_the_weighted_total_and_are_then_frozen(declared, quang, lan):
    # default rubric: novelty 25, feasibility 25, impact 25, cost 10, scalability 15 — all out of 5
    values = {"novelty": 5, "feasibility": 4, "impact": 3, "cost": 2, "scalability": 1}
    scores = {c.pk: (values[c.code], f"Về {c.name}") for c in declared.rubric.criteria.all()}
    review = evaluation.save_scores(actor=quang, review=declared, scores=scores, comment="Khả thi", submit=True)
    # (25·5 + 25·4 + 25·3 + 10·2 + 15·1) / 5 / 100 × 100 = 67
    assert review.status == R.DONE and review.total == Decimal("67.00") and review.submitted_at is not None
    assert Score.objects.filter(review=review).count() == 5
    assert Notification.objects.filter(user=lan, kind="council_review_done").exists()
    with pytest.raises(ValidationError):
        evaluation.save_scores(actor=quang, review=review, scores=scores, submit=True)


def test_only_the_reviewer_scores(declared, thu):
    with pytest.raises(PermissionDenied):
        evaluation.save_scores(actor=thu, review=declared, scores=_full_scores(declared, 3))


def test_the_aggregate_counts_only_submitted_reviews(scored, initiative, vinh, lan):
    draft = evaluation.assign_reviewer(actor=lan, submission=initiative, reviewer=vinh)
    evaluation.declare_conflict(actor=vinh, review=draft, has_conflict=False)
    evaluation.save_scores(actor=vinh, review=draft, scores=_full_scores(draft, 0))  # a full draft, not submitted
    summary = evaluation.aggregate(initiative)
    assert summary.count == 2
    assert summary.mean == pytest.approx(70.0)  # 80 and 60
    assert summary.spread == pytest.approx(10.0) and summary.level == "high"
    assert [c.mean for c in summary.criteria] == [3.5] * 5


# --- the decision ----------------------------------------------------------------------------------------------


def test_adopting_makes_a_task_in_the_chosen_plan_linked_both_ways_and_answers_the_submitter(
        scored, initiative, lan, lang_son_plan, org, alice, django_capture_on_commit_callbacks):
    deadline = timezone.localdate() + datetime.timedelta(days=200)
    with django_capture_on_commit_callbacks(execute=True):
        decision = evaluation.record_decision(
            actor=lan, submission=initiative, recommendation="adopt", reasons="Khả thi, chi phí thấp, nhân rộng được.",
            plan=lang_son_plan, lead=org("P20-SKHCN"), deadline=deadline)
    task = Task.objects.get(plan=lang_son_plan)
    assert decision.task == task and task.initiative_decision == decision
    assert task.source_article == initiative.code and task.code == initiative.code
    assert task.title == initiative.title and task.deadline == deadline
    assert Assignment.objects.get(task=task).organisation == org("P20-SKHCN")
    assert decision.aggregate_score == Decimal("70.00")
    initiative.refresh_from_db()
    assert initiative.state == State.ANSWERED and initiative.related_task == task
    assert initiative.answered_at is not None
    answer = Answer.objects.get(submission=initiative, status=Answer.Status.APPROVED)
    assert "Khả thi, chi phí thấp" in answer.text
    assert initiative.events.filter(kind="answered").exists()
    assert any(initiative.email in m.to and initiative.code in m.subject for m in mail.outbox)
    assert AuditEvent.objects.filter(verb="council_decided").exists()


def test_adopting_needs_a_plan_the_office_may_add_tasks_to(scored, initiative, lan, national_plan):
    with pytest.raises(ValidationError) as caught:
        evaluation.record_decision(actor=lan, submission=initiative, recommendation="adopt", reasons="Tốt")
    assert "plan" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:  # the Government's plan: lan may not assign there
        evaluation.record_decision(actor=lan, submission=initiative, recommendation="adopt", reasons="Tốt",
                                   plan=national_plan)
    assert "plan" in caught.value.message_dict
    initiative.refresh_from_db()
    assert initiative.state == State.UNDER_REVIEW and not CouncilDecision.objects.exists()


def test_a_task_code_already_in_the_plan_is_reported_on_the_task_code(scored, initiative, lan, lang_son_plan):
    from nq57.plans import actions as plan_actions

    plan_actions.create_task(actor=None, plan=lang_son_plan, code="7", title="Nhiệm vụ có sẵn")
    with pytest.raises(ValidationError) as caught:
        evaluation.record_decision(actor=lan, submission=initiative, recommendation="adopt", reasons="Tốt",
                                   plan=lang_son_plan, task_code="7")
    assert "task_code" in caught.value.message_dict
    assert Task.objects.filter(plan=lang_son_plan).count() == 1


def test_rejecting_answers_without_a_task(scored, initiative, lan, lang_son_plan):
    decision = evaluation.record_decision(actor=lan, submission=initiative, recommendation="reject",
                                          reasons="Chưa có điểm mới.", plan=lang_son_plan)
    assert decision.task is None and not Task.objects.exists()
    initiative.refresh_from_db()
    assert initiative.state == State.ANSWERED


def test_the_council_decides_only_after_a_scored_review(assigned, lan):
    with pytest.raises(ValidationError):
        evaluation.record_decision(actor=lan, submission=assigned.submission, recommendation="pilot",
                                   reasons="Thí điểm")


def test_the_council_decides_once(scored, initiative, lan):
    evaluation.record_decision(actor=lan, submission=initiative, recommendation="pilot", reasons="Thí điểm")
    with pytest.raises(TransitionError):
        evaluation.record_decision(actor=lan, submission=initiative, recommendation="reject", reasons="Không")


def test_a_decision_needs_a_known_recommendation_and_reasons(scored, initiative, lan):
    with pytest.raises(ValidationError) as caught:
        evaluation.record_decision(actor=lan, submission=initiative, recommendation="maybe", reasons=" ")
    assert set(caught.value.message_dict) == {"recommendation", "reasons"}


def test_a_standing_office_out_of_scope_cannot_decide(scored, initiative, minh):
    with pytest.raises(PermissionDenied):
        evaluation.record_decision(actor=minh, submission=initiative, recommendation="pilot", reasons="Thí điểm")


def test_no_score_is_accepted_once_the_council_has_decided(scored, initiative, lan, vinh):
    late = evaluation.assign_reviewer(actor=lan, submission=initiative, reviewer=vinh)
    evaluation.declare_conflict(actor=vinh, review=late, has_conflict=False)
    evaluation.record_decision(actor=lan, submission=initiative, recommendation="refer", reasons="Chuyển Bộ")
    with pytest.raises(ValidationError):
        evaluation.save_scores(actor=vinh, review=late, scores=_full_scores(late, 5), submit=True)


# --- rubrics ---------------------------------------------------------------------------------------------------


@pytest.fixture
def sophie_national(make_user):
    """The national standing office (ASSIGN on the root): sets the rubrics."""
    return make_user("quoc", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW")


CRITERIA = [{"name": "Tính mới", "name_en": "Novelty", "weight": "40", "max_score": 10},
            {"name": "Tính khả thi", "weight": "60", "max_score": 5, "guidance": "Có nguồn lực thực hiện?"}]


def test_a_new_rubric_is_created_and_can_become_the_default(sophie_national):
    rubric = evaluation.save_rubric(actor=sophie_national, name="Tiêu chí 2027", criteria=CRITERIA,
                                    make_default=True)
    assert [(c.code, c.weight, c.max_score) for c in rubric.criteria.all()] == [
        ("novelty", Decimal("40.00"), 10), ("tinh-kha-thi", Decimal("60.00"), 5)]
    assert list(Rubric.objects.filter(is_default=True)) == [rubric]


def test_a_rubric_with_submitted_scores_is_not_edited_but_versioned(scored, sophie_national):
    used = scored[0].rubric
    before = [(c.code, c.weight) for c in used.criteria.all()]
    revised = evaluation.save_rubric(actor=sophie_national, name="Tiêu chí sửa đổi", criteria=CRITERIA, rubric=used)
    assert revised.pk != used.pk and revised.is_default
    used.refresh_from_db()
    assert not used.is_default and [(c.code, c.weight) for c in used.criteria.all()] == before
    assert Review.objects.get(pk=scored[0].pk).total == scored[0].total


def test_an_unused_rubric_is_edited_in_place(sophie_national):
    rubric = evaluation.save_rubric(actor=sophie_national, name="Nháp", criteria=CRITERIA)
    same = evaluation.save_rubric(actor=sophie_national, name="Nháp 2", criteria=CRITERIA[:1], rubric=rubric)
    assert same.pk == rubric.pk and same.name == "Nháp 2" and same.criteria.count() == 1


@pytest.mark.parametrize("criteria, key", [
    ([], "criteria"),
    ([{"name": "", "weight": 1, "max_score": 5}], "criteria-0-name"),
    ([{"name": "A", "weight": 0, "max_score": 5}], "criteria-0-weight"),
    ([{"name": "A", "weight": "abc", "max_score": 5}], "criteria-0-weight"),
    ([{"name": "A", "weight": 1, "max_score": 0}], "criteria-0-max_score"),
    ([{"name": "A", "weight": 1}, {"name": "A", "weight": 1}], "criteria-1-code"),
])
def test_a_rubric_needs_named_weighted_criteria(sophie_national, criteria, key):
    with pytest.raises(ValidationError) as caught:
        evaluation.save_rubric(actor=sophie_national, name="X", criteria=criteria)
    assert key in caught.value.message_dict


def test_only_the_national_standing_office_sets_rubrics(lan):
    with pytest.raises(PermissionDenied):
        evaluation.save_rubric(actor=lan, name="Tỉnh", criteria=CRITERIA)


def test_advisory_members_are_listed_within_the_offices_scope(lan, minh, quang, thu, khoa):
    assert set(evaluation.advisory_members(lan)) == {quang}  # thu's grant is national, above Lạng Sơn
    assert set(evaluation.advisory_members(minh)) == {khoa}
    assert RoleGrant.objects.filter(user=thu, role=Role.ADVISORY_MEMBER).exists()
