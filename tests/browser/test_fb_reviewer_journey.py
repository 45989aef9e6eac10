"""An advisory council member opens the initiative they were asked to review: before declaring, they see its
title but not its content; they declare no conflict of interest, the file opens, they score every criterion of
the rubric with comments and submit; the standing office then sees the aggregate on the file's council page.

Two people, each in their own browser; every step goes through the pages. Texts are compared with what the
catalogue says today (gettext), so the test does not depend on the wording.
"""

import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from nq57.core.roles import Role

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-57"  # make_user's default in tests/conftest.py
TITLE = "Trợ lý ảo hướng dẫn thủ tục hành chính tại bộ phận một cửa cấp xã"
CONTENT = ("Xây dựng trợ lý ảo trả lời bằng giọng nói các câu hỏi thường gặp về thủ tục hành chính cấp xã, dựa trên "
           "bộ thủ tục đã công bố, đặt tại bộ phận một cửa.")
SCORES = {"novelty": 4, "feasibility": 5, "impact": 3, "cost": 4, "scalability": 5}
COMMENT = "Khả thi, chi phí thấp; nên thí điểm tại một số xã trước khi nhân rộng."


def vietnamese(message):
    with translation.override("vi"):
        return gettext(message)


def labelled(text):
    """A field's label as shown: the text, and a star when the field is required."""
    return re.compile(rf"^\s*{re.escape(text)}(\s*\*)?\s*$")


@pytest.fixture
def feedback_defaults(org_map):
    """The taxonomy, deadline rules and rubric of migration 0002 (a live-server test's flush empties them)."""
    from nq57.feedback.models import Field

    if not Field.objects.exists():
        importlib.import_module("nq57.feedback.migrations.0002_defaults").load(apps, None)


@pytest.fixture
def review(make_user, org, feedback_defaults):
    """An initiative sent to the advisory council by the Central Steering Committee's standing office, with one
    reviewer assigned: an expert in digital government."""
    from nq57.feedback import actions, evaluation
    from nq57.feedback.models import ExpertiseTag, Field, Kind

    office = make_user("vp", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW", full_name="Văn phòng BCĐ")
    expert = make_user("chuyengia", home="HDTV", role=Role.ADVISORY_MEMBER, scope="BCDTW",
                       full_name="PGS.TS. Chuyên Gia")
    evaluation.save_expert(actor=office, user=expert, affiliation="Viện nghiên cứu (minh họa)",
                           tags=list(ExpertiseTag.objects.filter(code="chuyen-doi-so")))
    submission, _key = actions.submit_submission(actor=None, data={
        "kind": Kind.INITIATIVE, "field": Field.objects.get(code="nq57-5-chuyen-doi-so"), "title": TITLE,
        "content": CONTENT, "submitter_name": "Hoàng Thị Dung", "address": "Xã Đồng Đăng, Tỉnh Lạng Sơn",
        "phone": "0900000201"})
    actions.send_to_council(actor=office, submission=submission)
    return evaluation.assign_reviewer(actor=office, submission=submission, reviewer=expert)


def expected_total(review):
    from nq57.feedback import scoring

    rows = [(c.weight, SCORES[c.code], c.max_score) for c in review.rubric.criteria.all()]
    with translation.override("vi"):
        return floatformat(Decimal(scoring.weighted_total(rows)), 1)


def test_a_reviewer_declares_no_conflict_scores_the_rubric_and_the_office_sees_the_aggregate(log_in_as, review):
    code = review.submission.code
    reviewer = log_in_as("chuyengia", PASSWORD)
    reviewer.goto(reverse("feedback:council"))
    reviewer.locator("main").get_by_role("link", name=code, exact=True).click()

    # Before the declaration: the title (and who sent it, to judge a conflict of interest), not the file.
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(TITLE)
    main = reviewer.locator("main")
    expect(main).not_to_contain_text("giọng nói")
    expect(main.get_by_role("button", name=vietnamese("Submit the scores"))).to_have_count(0)

    reviewer.get_by_label(vietnamese("I have no conflict of interest with this file")).check()
    reviewer.get_by_role("button", name=vietnamese("Declare"), exact=True).click()
    expect(main).to_contain_text("giọng nói")

    for criterion in review.rubric.criteria.all():
        with translation.override("vi"):
            name = criterion.label()
        group = main.locator("fieldset", has=reviewer.locator("legend", has_text=name))
        group.get_by_label(str(SCORES[criterion.code]), exact=True).check()
    main.get_by_label(labelled(vietnamese("Overall comment"))).fill(COMMENT)
    main.get_by_role("button", name=vietnamese("Submit the scores")).click()
    total = expected_total(review)
    expect(main).to_contain_text(total)

    # The standing office sees the aggregate on the file's council page.
    office = log_in_as("vp", PASSWORD)
    office.goto(reverse("feedback:council"))
    office.locator("main").get_by_role("link", name=code, exact=True).click()
    aggregate = office.locator("section[aria-labelledby=aggregate-h]")
    expect(aggregate).to_contain_text(vietnamese("Scored reviews"))
    expect(aggregate.locator("dd").first).to_have_text("1")
    expect(aggregate).to_contain_text(total)
