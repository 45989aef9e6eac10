"""Every council page four ways: anonymous (→ login), an account without a role (403), in scope (200), out of
scope (403, or 404 for another reviewer's review, so its existence does not leak).

The file is an initiative to Lạng Sơn: lan (standing office of P20) is in scope, minh (Hà Nội) is not; quang
reviews it, thu is a reviewer of another file, dave has no role.
"""

import pytest
from django.core.files.base import ContentFile

from nq57.core.roles import Role
from nq57.feedback import evaluation
from nq57.feedback.models import Attachment, CouncilDecision, Expert, Review, Rubric

pytestmark = pytest.mark.django_db
LOGIN = "login"


@pytest.fixture
def cast(request, initiative_factory, lan, thu):
    """The people, and a second file reviewed by thu (so thu is a reviewer, just not of quang's review)."""
    other = initiative_factory()
    evaluation.assign_reviewer(actor=lan, submission=other, reviewer=thu)
    names = {"anonymous": None, "no_role": "dave", "office": "lan", "office_out": "minh", "reviewer": "quang",
             "other_reviewer": "thu"}
    return {key: (request.getfixturevalue(name) if name else None) for key, name in names.items()}


def _status(client, user, method, url, data=None):
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return LOGIN
    return response.status_code


def _pages(assigned):
    s, r = assigned.submission.pk, assigned.pk
    return {
        "council": ("get", "/feedback/council/", {"anonymous": LOGIN, "no_role": 403, "office": 200,
                                                  "office_out": 200, "reviewer": 200, "other_reviewer": 200}),
        "assign_reviewers": ("get", f"/feedback/council/s/{s}/", {
            "anonymous": LOGIN, "no_role": 403, "office": 200, "office_out": 403, "reviewer": 403,
            "other_reviewer": 403}),
        "decide (GET)": ("get", f"/feedback/council/s/{s}/decide/", {
            "anonymous": LOGIN, "no_role": 403, "office": 302, "office_out": 403, "reviewer": 403,
            "other_reviewer": 403}),
        "review": ("get", f"/feedback/council/reviews/{r}/", {
            "anonymous": LOGIN, "no_role": 403, "office": 403, "office_out": 403, "reviewer": 200,
            "other_reviewer": 404}),
        "experts": ("get", "/feedback/council/experts/", {
            "anonymous": LOGIN, "no_role": 403, "office": 200, "office_out": 200, "reviewer": 403,
            "other_reviewer": 403}),
        "rubrics": ("get", "/feedback/council/rubrics/", {
            "anonymous": LOGIN, "no_role": 403, "office": 200, "office_out": 200, "reviewer": 200,
            "other_reviewer": 200}),
    }


PAGES = ["council", "assign_reviewers", "decide (GET)", "review", "experts", "rubrics"]
PERSONAS = ["anonymous", "no_role", "office", "office_out", "reviewer", "other_reviewer"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_page_four_ways(client, cast, assigned, page, persona):
    method, url, expected = _pages(assigned)[page]
    assert _status(client, cast[persona], method, url) == expected[persona]


@pytest.mark.parametrize("persona, expected", [
    ("anonymous", LOGIN), ("no_role", 403), ("office_out", 403), ("reviewer", 403), ("office", 302)])
def test_assigning_a_reviewer_four_ways(client, cast, initiative, vinh, persona, expected):
    url = f"/feedback/council/s/{initiative.pk}/"
    assert _status(client, cast[persona], "post", url, {"operation": "assign", "reviewer": vinh.pk}) == expected
    assert Review.objects.filter(reviewer=vinh).exists() is (expected == 302)


@pytest.mark.parametrize("persona, expected", [
    ("anonymous", LOGIN), ("no_role", 403), ("office_out", 403), ("reviewer", 403), ("office", 302)])
def test_deciding_four_ways(client, cast, scored, initiative, persona, expected):
    url = f"/feedback/council/s/{initiative.pk}/decide/"
    data = {"recommendation": "pilot", "reasons": "Thí điểm tại hai xã"}
    assert _status(client, cast[persona], "post", url, data) == expected
    assert CouncilDecision.objects.filter(submission=initiative).exists() is (expected == 302)


@pytest.mark.parametrize("persona, expected", [
    ("anonymous", LOGIN), ("no_role", 403), ("office", 403), ("other_reviewer", 404), ("reviewer", 302)])
def test_declaring_four_ways(client, cast, assigned, persona, expected):
    url = f"/feedback/council/reviews/{assigned.pk}/"
    assert _status(client, cast[persona], "post", url, {"operation": "declare", "has_conflict": "no"}) == expected
    assert (Review.objects.get(pk=assigned.pk).has_conflict is False) is (expected == 302)


@pytest.mark.parametrize("persona, expected", [
    ("anonymous", LOGIN), ("no_role", 403), ("office_out", 403), ("reviewer", 403), ("office", 302)])
def test_editing_an_experts_tags_four_ways(client, cast, make_user, persona, expected):
    member = make_user("hoa", home="P20", role=Role.ADVISORY_MEMBER, scope="P20")
    data = {"user": member.pk, "affiliation": "Sở KH&CN"}
    assert _status(client, cast[persona], "post", "/feedback/council/experts/", data) == expected
    assert Expert.objects.filter(user=member).exists() is (expected == 302)


@pytest.mark.parametrize("persona, expected", [
    ("anonymous", LOGIN), ("no_role", 403), ("office", 403), ("reviewer", 403), ("national", 302)])
def test_creating_a_rubric_four_ways(client, cast, make_user, persona, expected):
    people = {**cast, "national": make_user("quoc", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW")}
    data = {"name": "Tiêu chí mới", "criteria-TOTAL_FORMS": "1", "criteria-INITIAL_FORMS": "0",
            "criteria-0-name": "Tính mới", "criteria-0-weight": "1", "criteria-0-max_score": "5"}
    before = Rubric.objects.count()
    assert _status(client, people[persona], "post", "/feedback/council/rubrics/", data) == expected
    assert Rubric.objects.count() == before + (1 if expected == 302 else 0)


@pytest.fixture
def attachment(assigned, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    item = Attachment(submission=assigned.submission, original_name="thuyet-minh.pdf",
                      content_type="application/pdf", size=9, sha256="0" * 64)
    item.file.save("thuyet-minh.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return item


def test_the_reviewer_downloads_an_attachment_only_after_declaring_no_conflict(client, assigned, attachment, quang,
                                                                              thu, cast):
    url = f"/feedback/council/reviews/{assigned.pk}/files/{attachment.pk}/"
    assert _status(client, quang, "get", url) == 403  # not declared yet
    evaluation.declare_conflict(actor=quang, review=assigned, has_conflict=False)
    assert _status(client, quang, "get", url) == 200
    assert _status(client, thu, "get", url) == 404
    assert _status(client, quang, "get", f"/feedback/council/reviews/{assigned.pk}/files/99999999/") == 404
    assert _status(client, None, "get", url) == LOGIN
