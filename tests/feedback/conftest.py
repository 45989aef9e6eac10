"""Feedback fixtures (owned by the services tests; other test files add theirs in their own module or in the
clearly marked block at the end).

A submission addressed to Lạng Sơn (intake P20): lan (standing office of P20) triages it, minh (Hà Nội) may not;
it is routed to the Department of Science and Technology of Lạng Sơn (P20-SKHCN), where alice drafts the answer
(REPORT) and hanh (head of P20) approves it; charlie (Hà Nội) is out of scope for both.

`submit(...)` sends valid Vietnamese data through `actions.submit_submission` and returns (submission, key).
`routed`, `answered` and `published` walk one submission through the workflow with the real services.
"""

import datetime
import itertools

import pytest

SAMPLE = {
    "kind": "recommendation",
    "title": "Đề nghị đơn giản hoá thủ tục cấp phép thử nghiệm công nghệ mới",
    "content": ("Tôi là Nguyễn Văn An, kỹ sư phần mềm tại Lạng Sơn. Thủ tục xin phép thử nghiệm có kiểm soát "
                "(sandbox) hiện phải qua 4 cơ quan và mất khoảng 90 ngày. Đề nghị rút gọn còn một đầu mối, "
                "trả lời trong 30 ngày. Liên hệ: 0912 345 678."),
    "related_document": "Nghị quyết 57-NQ/TW",
    "related_article": "Mục III.2",
    "submitter_kind": "individual",
    "submitter_name": "Nguyễn Văn An",
    "submitter_organisation": "",
    "address": "Số 12 đường Lê Lợi, phường Vĩnh Trại, tỉnh Lạng Sơn",
    "phone": "0912345678",
    "email": "an.nguyen@example.vn",
    "citizen_id": "020190012345",
    "consent_publish": False,
    "confidential": False,
    "language": "vi",
}

# A Tuesday outside any holiday: tests that pass now=FIXED_NOW get predictable working-day deadlines.
FIXED_NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def fixed_now():
    """Tuesday 10 March 2026, 09:00 UTC (16:00 in Vietnam): no holiday near it."""
    return FIXED_NOW


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    # E-mails to submitters are enqueued as tasks on commit; run them at once so mail.outbox shows them.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def fb_field(db):
    """A field of the default taxonomy (institutions and procedures)."""
    from nq57.feedback.models import Field

    return Field.objects.get(code="the-che-thu-tuc")


@pytest.fixture
def submit(db, fb_field, org):
    """submit(kind=..., intake="P20", **overrides) → (submission, key), through actions.submit_submission.

    Each call uses a new e-mail address, so rate limits per contact never interfere (pass client_ip to test them).
    """
    from nq57.feedback import actions

    counter = itertools.count(1)

    def make(kind="recommendation", intake="P20", actor=None, files=(), client_ip="", now=None, **overrides):
        n = next(counter)
        data = {**SAMPLE, "kind": kind, "field": fb_field, "email": f"nguoi.gui{n}@example.vn", **overrides}
        intake_org = org(intake) if isinstance(intake, str) else intake
        return actions.submit_submission(actor=actor, data=data, files=files, client_ip=client_ip,
                                         intake=intake_org, now=now)

    return make


@pytest.fixture
def routed(submit, lan, org):
    """A recommendation to Lạng Sơn, routed by lan to its Department of Science and Technology (P20-SKHCN)."""
    from nq57.feedback import actions

    submission, _key = submit()
    return actions.route_submission(actor=lan, submission=submission, lead=org("P20-SKHCN"))


@pytest.fixture
def accepted(routed, alice):
    from nq57.feedback import actions

    return actions.accept_submission(actor=alice, submission=routed)


@pytest.fixture
def answered(accepted, alice, hanh):
    """Accepted by alice, answered by alice, approved by hanh: ANSWERED, waiting for publication."""
    from nq57.feedback import actions

    answer = actions.save_answer(actor=alice, submission=accepted,
                                 text="Kính gửi ông Nguyễn Văn An. Sở đã kiến nghị rút gọn thủ tục xuống 30 ngày.",
                                 submit=True)
    actions.approve_answer(actor=hanh, answer=answer)
    accepted.refresh_from_db()
    return accepted


@pytest.fixture
def published(answered, lan):
    """Published by lan with personal data removed."""
    from nq57.feedback import actions

    return actions.publish_submission(actor=lan, submission=answered)


# --- Fixtures added by other helpers go below this line ------------------------------------------------------


# --- Advisory council (council helper) ------------------------------------------------------------------------
# An initiative on artificial intelligence is addressed to Lạng Sơn (intake P20) and sent to the council by lan
# (standing office of P20; minh, Hà Nội's, is out of scope). The advisory council members:
# - quang (advisory member on P20): expertise in artificial intelligence — matches the file's field;
# - thu (advisory member on the whole country, BCDTW): artificial intelligence and digital transformation;
# - vinh (advisory member on P20): education only — no match;
# - khoa (advisory member on Hà Nội, P01): artificial intelligence, but his scope does not cover Lạng Sơn.

COUNCIL_SECRET = "BÍ-MẬT-NỘI-DUNG-7731"
AI_FIELD = "cn-tri-tue-nhan-tao"
INITIATIVE = {
    "title": "Sáng kiến trợ lý ảo trả lời thủ tục hành chính cho người dân Lạng Sơn",
    "content": ("Xây dựng trợ lý ảo dùng mô hình ngôn ngữ tiếng Việt, huấn luyện trên bộ thủ tục hành chính của "
                "tỉnh, trả lời 24/7 qua Zalo và cổng dịch vụ công. BÍ-MẬT-NỘI-DUNG-7731."),
}


@pytest.fixture
def content_marker():
    """A marker in the initiative's content: never on a reviewer's page before the declaration."""
    return COUNCIL_SECRET


@pytest.fixture
def ai_field(db):
    from nq57.feedback.models import Field

    return Field.objects.get(code=AI_FIELD)


@pytest.fixture
def expert(make_user):
    """expert(username, scope, tags, **fields) → an advisory member with an Expert profile."""
    from nq57.core.roles import Role
    from nq57.feedback.models import Expert, ExpertiseTag

    def make(username, scope, tags=(), affiliation="", **fields):
        user = make_user(username, home=scope, role=Role.ADVISORY_MEMBER, scope=scope,
                         full_name=fields.pop("full_name", username.title()), **fields)
        profile = Expert.objects.create(user=user, affiliation=affiliation)
        profile.tags.set(ExpertiseTag.objects.filter(code__in=tags))
        return user

    return make


@pytest.fixture
def quang(expert):
    return expert("quang", "P20", ["tri-tue-nhan-tao"], affiliation="Trường Cao đẳng Lạng Sơn")


@pytest.fixture
def thu(expert):
    return expert("thu", "BCDTW", ["tri-tue-nhan-tao", "chuyen-doi-so"], affiliation="Viện Hàn lâm KH&CN")


@pytest.fixture
def vinh(expert):
    return expert("vinh", "P20", ["nhan-luc"])


@pytest.fixture
def khoa(expert):
    return expert("khoa", "P01", ["tri-tue-nhan-tao"])


@pytest.fixture
def initiative_factory(submit, ai_field, lan):
    """initiative_factory(**overrides) → an initiative to Lạng Sơn, sent to the council by lan (UNDER_REVIEW)."""
    from nq57.feedback import actions

    counter = itertools.count(1)

    def make(**overrides):
        n = next(counter)
        kind = overrides.pop("kind", "initiative")
        data = {**INITIATIVE, "field": ai_field, "email": f"tac.gia{n}@example.vn", **overrides}
        submission, _key = submit(kind=kind, **data)
        return actions.send_to_council(actor=lan, submission=submission)

    return make


@pytest.fixture
def initiative(initiative_factory):
    return initiative_factory()


@pytest.fixture
def assigned(initiative, quang, lan):
    """quang is asked to review the initiative."""
    from nq57.feedback import evaluation

    return evaluation.assign_reviewer(actor=lan, submission=initiative, reviewer=quang)


@pytest.fixture
def scored(initiative, quang, thu, lan):
    """quang and thu both declared no conflict and submitted their scores (every criterion)."""
    from nq57.feedback import evaluation

    reviews = []
    for reviewer, value in ((quang, 4), (thu, 3)):
        review = evaluation.assign_reviewer(actor=lan, submission=initiative, reviewer=reviewer)
        evaluation.declare_conflict(actor=reviewer, review=review, has_conflict=False)
        criteria = review.rubric.criteria.all()
        evaluation.save_scores(actor=reviewer, review=review, submit=True, comment="Nhận xét chung",
                               scores={c.pk: (value, f"Nhận xét {c.code}") for c in criteria})
        review.refresh_from_db()
        reviews.append(review)
    return reviews


@pytest.fixture
def lang_son_plan(db, org):
    """Lạng Sơn's own plan (lan may add tasks to it)."""
    from nq57.plans import actions

    return actions.create_plan(actor=None, kind="plan", number="15/KH-UBND", title="Kế hoạch chuyển đổi số tỉnh",
                               issuer=org("P20"), owner=org("P20"), issued_on=datetime.date(2026, 1, 5))
