"""Every page and API endpoint, four ways: anonymous, an account without a role, a role in scope,
a role out of scope (NetBox's habit). Then what each of them sees on the pages that everyone may open."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from nq57.orgs.models import Organisation

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "no_role", "in_scope", "out_of_scope"]

# Who plays "in scope" and "out of scope": for pages that need VIEW, alice (focal officer of Lạng Sơn)
# and charlie (focal officer of Hà Nội); for pages that need MANAGE_USERS, bob (administrator of Lạng Sơn)
# and erin (administrator of Hà Nội). Every target below is in Lạng Sơn.
CAST = {"view": ("alice", "charlie"), "manage": ("bob", "erin"), "assign": ("lan", "minh"),
        # national settings of feedback (taxonomy, rules, holidays): the root's standing office vs a province's
        "national": ("tam", "lan"),
        # a council review: its assigned reviewer vs another council member
        "evaluate": ("kiet", "ngoc")}

LOGIN = "login"  # a redirect to the login page
REDIRECT = "redirect"  # any other redirect


def _p20():
    return Organisation.objects.get(code="P20")


def _alice_pk():
    from nq57.accounts.models import User

    return User.objects.get(username="alice").pk


def _p20_plan():
    """Lạng Sơn's own plan with one task for its Department of Science and Technology (created once)."""
    from nq57.plans import actions
    from nq57.plans.models import Plan

    plan = Plan.objects.filter(number="MATRIX/P20").first()
    if plan is None:
        p20 = Organisation.objects.get(code="P20")
        plan = actions.create_plan(actor=None, kind="plan", number="MATRIX/P20", title="Kế hoạch thử",
                                   issuer=p20, owner=p20)
        actions.create_task(actor=None, plan=plan, code="1", title="Nhiệm vụ thử",
                            lead=[Organisation.objects.get(code="P20-SKHCN")])
    return plan


def _p20_task():
    return _p20_plan().tasks.get()


def _p20_assignment():
    return _p20_task().assignments.get()



def _p20_indicator():
    """Lạng Sơn's own quarterly indicator, reported by the province itself (created once)."""
    import datetime

    from nq57.indicators import actions
    from nq57.indicators.models import Indicator

    p20 = Organisation.objects.get(code="P20")
    indicator = Indicator.objects.filter(owner=p20, code="MATRIX-1").first()
    if indicator is None:
        indicator = actions.create_indicator(actor=None, owner=p20, code="MATRIX-1", name="Tỷ lệ hồ sơ trực tuyến",
                                             value_type="percentage", unit="%", frequency="quarter",
                                             aggregation="ratio", level="province")
        actions.add_obligations(actor=None, indicator=indicator, organisations=[p20],
                                starts_on=datetime.date(2025, 1, 1))
    return indicator


def _p20_value():
    from nq57.indicators import actions
    from nq57.indicators.periods import parse_period

    value = _p20_indicator().values.first()
    if value is None:
        value = actions.save_value(actor=None, indicator=_p20_indicator(), organisation=_p20(),
                                   period=parse_period("2025-Q1", "quarter"), numerator=40, denominator=100)
    return value.pk


def _alice_notification_pk():
    from nq57.accounts.models import User
    from nq57.notifications.services import notify

    return notify(User.objects.get(username="alice"), kind="t", title="x", email=False)[0].pk


def _p20_import_job():
    from nq57.plans.importing.jobs import create_import_job

    data = "TT,Tên nhiệm vụ,Cơ quan chủ trì,Thời gian hoàn thành\n1,Nhiệm vụ thử,Sở KH&CN Lạng Sơn,6/2026\n"
    return create_import_job(actor=None, name="ke-hoach.csv", data=data.encode(), owner=Organisation.objects.get(
        code="P20"), document={"kind": "plan", "number": "IMPORT/P20", "title": "Kế hoạch nhập thử"})


def _p20_evidence():
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile

    from nq57.plans import actions

    report = actions.save_progress_report(actor=None, assignment=_p20_assignment(), period_end=datetime.date(2026, 9, 30),
                                          text="Đang triển khai", progress=30, self_rating="amber")
    pdf = SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                             content_type="application/pdf")
    return actions.add_evidence(actor=None, report=report, uploaded_file=pdf).pk


# --- Feedback (issue 5): a submission addressed to Lạng Sơn, routed to its Department of S&T -------------------


def _fb_data(**overrides):
    from nq57.feedback.models import Field

    return {"kind": "recommendation", "field": Field.objects.get(code="the-che-thu-tuc"),
            "title": "Đề nghị rút ngắn thủ tục cấp phép", "content": "Thủ tục còn nhiều giấy tờ.",
            "submitter_name": "Nguyễn Văn Ma Trận", "address": "Lạng Sơn", "phone": "0900000123",
            "email": "matran@example.vn", **overrides}


def _p20_submission():
    """Routed to P20-SKHCN, with one PDF attachment (created once)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from nq57.feedback import actions
    from nq57.feedback.models import Submission

    submission = Submission.objects.filter(title="Đề nghị rút ngắn thủ tục cấp phép").first()
    if submission is None:
        pdf = SimpleUploadedFile("de-nghi.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                                 content_type="application/pdf")
        submission, key = actions.submit_submission(actor=None, data=_fb_data(), files=[pdf], intake=_p20())
        submission = actions.route_submission(actor=None, submission=submission,
                                              lead=Organisation.objects.get(code="P20-SKHCN"))
        submission._key = key
        _KEYS[submission.code] = key
    return submission


_KEYS = {}


def _p20_private():
    submission = _p20_submission()
    return f"/feedback/p/{submission.code}/{_KEYS[submission.code]}/"


def _p20_attachment():
    return _p20_submission().attachments.get().pk


def _p20_published_code():
    """An answered and published submission of Lạng Sơn (created once)."""
    from nq57.feedback import actions
    from nq57.feedback.models import Submission

    submission = Submission.objects.filter(title="Hỏi về chứng nhận doanh nghiệp KH&CN").first()
    if submission is None:
        submission, _key = actions.submit_submission(
            actor=None, data=_fb_data(title="Hỏi về chứng nhận doanh nghiệp KH&CN", email="hoi@example.vn"),
            intake=_p20())
        submission = actions.route_submission(actor=None, submission=submission,
                                              lead=Organisation.objects.get(code="P20-SKHCN"))
        submission = actions.accept_submission(actor=None, submission=submission)
        answer = actions.save_answer(actor=None, submission=submission, text="Xin trả lời như sau.", submit=True)
        actions.approve_answer(actor=None, answer=answer)
        submission = actions.publish_submission(actor=None, submission=Submission.objects.get(pk=submission.pk))
    return submission.code


def _p20_template():
    from nq57.feedback import actions
    from nq57.feedback.models import AnswerTemplate

    template = AnswerTemplate.objects.filter(title="Mẫu thử").first()
    if template is None:
        template = actions.save_answer_template(actor=None, organisation=Organisation.objects.get(code="P20-SKHCN"),
                                                title="Mẫu thử", body="Kính gửi ông/bà,")
    return template.pk


def _p20_review():
    """An initiative to Lạng Sơn under council review, assigned to kiet (created once)."""
    from nq57.accounts.models import User
    from nq57.feedback import actions, evaluation
    from nq57.feedback.models import Review

    review = Review.objects.filter(reviewer__username="kiet").first()
    if review is None:
        submission, _key = actions.submit_submission(
            actor=None, data=_fb_data(kind="initiative", title="Sáng kiến trợ lý ảo một cửa", email="sk@example.vn"),
            intake=_p20())
        submission = actions.send_to_council(actor=None, submission=submission)
        kiet = User.objects.filter(username="kiet").first()
        if kiet is None:  # kiet is not the persona of this run: make the reviewer all the same
            from nq57.accounts.models import RoleGrant
            from nq57.core.roles import Role

            kiet = User.objects.create_user(username="kiet", password="x-57-x", organisation=_p20())
            RoleGrant.objects.create(user=kiet, role=Role.ADVISORY_MEMBER, organisation=_p20())
        review = evaluation.assign_reviewer(actor=None, submission=submission, reviewer=kiet)
    return review


# (URL name, method, path maker, cast, {persona: expected})
ALL = {p: 200 for p in PERSONAS}
LOGGED_IN = {"anonymous": LOGIN, "no_role": 200, "in_scope": 200, "out_of_scope": 200}
SCOPED = {"anonymous": LOGIN, "no_role": 403, "in_scope": 200, "out_of_scope": 403}
# Pages for every role holder (no role: 403); what they list is limited to the scope.
SCOPED_ANY = {"anonymous": LOGIN, "no_role": 403, "in_scope": 200, "out_of_scope": 200}
MATRIX = [
    ("core:home", "get", lambda: "/", "view", ALL),
    ("core:healthz", "get", lambda: "/healthz", "view", ALL),
    ("set_language", "post", lambda: "/i18n/setlang/", "view", {p: REDIRECT for p in PERSONAS}),
    ("orgs:tree", "get", lambda: "/organisations/", "view", ALL),
    ("orgs:tree", "get", lambda: "/organisations/?q=lang+son", "view", ALL),
    ("orgs:detail", "get", lambda: f"/organisations/{_p20().pk}/", "view", ALL),
    ("orgs:children", "get", lambda: f"/organisations/{_p20().pk}/children/", "view", ALL),
    ("orgs:history", "get", lambda: f"/organisations/{_p20().pk}/history/", "view", SCOPED),
    ("orgs:edit", "get", lambda: f"/organisations/{_p20().pk}/edit/", "manage", SCOPED),
    ("orgs:edit", "post", lambda: f"/organisations/{_p20().pk}/edit/", "manage",
     # in scope: an empty POST names no operation, so the page answers 400 with a message
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 400, "out_of_scope": 403}),
    ("accounts:login", "get", lambda: "/accounts/login/", "view",
     {"anonymous": 200, "no_role": REDIRECT, "in_scope": REDIRECT, "out_of_scope": REDIRECT}),
    ("accounts:logout", "post", lambda: "/accounts/logout/", "view", {p: REDIRECT for p in PERSONAS}),
    ("accounts:password_change", "get", lambda: "/accounts/password-change/", "view", LOGGED_IN),
    ("accounts:password_change_done", "get", lambda: "/accounts/password-change/done/", "view", LOGGED_IN),
    ("accounts:password_reset", "get", lambda: "/accounts/password-reset/", "view", ALL),
    ("accounts:password_reset_done", "get", lambda: "/accounts/password-reset/sent/", "view", ALL),
    ("accounts:password_reset_confirm", "get", lambda: "/accounts/reset/MQ/bad-token/", "view", ALL),
    ("accounts:password_reset_complete", "get", lambda: "/accounts/reset/done/", "view", ALL),
    ("accounts:2fa_verify", "get", lambda: "/accounts/2fa/verify/", "view", LOGGED_IN),
    ("accounts:2fa_setup", "get", lambda: "/accounts/2fa/setup/", "view", LOGGED_IN),
    ("accounts:2fa_disable", "post", lambda: "/accounts/2fa/disable/", "view",
     {"anonymous": LOGIN, "no_role": REDIRECT, "in_scope": REDIRECT, "out_of_scope": REDIRECT}),
    ("accounts:profile", "get", lambda: "/accounts/profile/", "view", LOGGED_IN),
    ("accounts:user_list", "get", lambda: "/accounts/users/", "manage",
     # erin administers Hà Nội: she may open the list, which shows only her own province.
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 200, "out_of_scope": 200}),
    ("accounts:user_detail", "get", lambda: f"/accounts/users/{_alice_pk()}/", "manage", SCOPED),
    ("accounts:user_detail", "post", lambda: f"/accounts/users/{_alice_pk()}/", "manage",
     {"anonymous": LOGIN, "no_role": 403, "in_scope": REDIRECT, "out_of_scope": 403}),
    ("accounts:user_history", "get", lambda: f"/accounts/users/{_alice_pk()}/history/", "manage", SCOPED),
    ("accounts:org_admin", "get", lambda: f"/accounts/organisations/{_p20().pk}/", "manage", SCOPED),
    ("accounts:org_admin", "post", lambda: f"/accounts/organisations/{_p20().pk}/", "manage",
     # In scope, an empty form comes back with its errors.
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 400, "out_of_scope": 403}),
("plans:list", "get", lambda: "/plans/", "view", LOGGED_IN),
    ("plans:new", "get", lambda: "/plans/new/", "view", {"anonymous": LOGIN, "no_role": 403, "in_scope": 403,
                                                          "out_of_scope": 403}),
    ("plans:my_work", "get", lambda: "/plans/my-work/", "view", LOGGED_IN),
    ("plans:overview", "get", lambda: f"/plans/{_p20_plan().pk}/", "view", SCOPED),
    ("plans:tasks", "get", lambda: f"/plans/{_p20_plan().pk}/tasks/", "view", SCOPED),
    ("plans:tasks_export", "get", lambda: f"/plans/{_p20_plan().pk}/tasks/export/", "view", SCOPED),
    ("plans:add_task", "get", lambda: f"/plans/{_p20_plan().pk}/tasks/new/", "view",
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 403, "out_of_scope": 403}),
    ("plans:scorecard", "get", lambda: f"/plans/{_p20_plan().pk}/scorecard/", "view", SCOPED),
    ("plans:task", "get", lambda: f"/plans/tasks/{_p20_task().pk}/", "view", SCOPED),
    ("plans:assignment", "get", lambda: f"/plans/assignments/{_p20_assignment().pk}/", "view", SCOPED),
    ("plans:assignment", "post", lambda: f"/plans/assignments/{_p20_assignment().pk}/", "view",
     # in scope, an empty POST names no operation: 400 with a message
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 400, "out_of_scope": 403}),
    # plans:evidence (workflow helper's view) needs an Evidence row; see tests/plans/test_evidence.py.,
    ("plans:new", "get", lambda: "/plans/new/", "assign", {"anonymous": LOGIN, "no_role": 403, "in_scope": 200,
                                                            "out_of_scope": 200}),
    ("plans:add_task", "get", lambda: f"/plans/{_p20_plan().pk}/tasks/new/", "assign", SCOPED),
    ("plans:overview", "get", lambda: f"/plans/{_p20_plan().pk}/", "assign", SCOPED),
    ("plans:evidence", "get", lambda: f"/plans/evidence/{_p20_evidence()}/", "view", SCOPED),
    # An office out of scope may open the upload page; its upload for a body outside its scope is refused.
    ("plans:import_start", "get", lambda: "/plans/import/", "assign",
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 200, "out_of_scope": 200}),
    ("plans:import_job", "get", lambda: f"/plans/import/{_p20_import_job().pk}/", "assign", SCOPED),
    ("plans:import_mapping", "get", lambda: f"/plans/import/{_p20_import_job().pk}/columns/", "assign", SCOPED),
    ("plans:import_preview", "get", lambda: f"/plans/import/{_p20_import_job().pk}/preview/", "assign", SCOPED),
    ("plans:product_types", "get", lambda: "/plans/product-types/", "assign", LOGGED_IN),
    ("plans:product_types", "post", lambda: "/plans/product-types/", "assign",
     # an empty form comes back with its errors to any standing office; others may not add
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 400, "out_of_scope": 400}),
    ("notifications:list", "get", lambda: "/notifications/", "view", LOGGED_IN),
    ("notifications:read", "post", lambda: f"/notifications/{_alice_notification_pk()}/read/", "view",
     {"anonymous": LOGIN, "no_role": 404, "in_scope": REDIRECT, "out_of_scope": 404}),
    ("notifications:read_all", "post", lambda: "/notifications/read-all/", "view",
     {"anonymous": LOGIN, "no_role": REDIRECT, "in_scope": REDIRECT, "out_of_scope": REDIRECT}),
    ("indicators:index", "get", lambda: "/indicators/", "view", SCOPED_ANY),
    ("indicators:index", "get", lambda: "/indicators/?format=csv", "view", SCOPED_ANY),
    ("indicators:inbox", "get", lambda: "/indicators/inbox/", "view", SCOPED_ANY),
    # Definitions, targets and roll-ups are for every role holder; one organisation's values are scoped.
    ("indicators:detail", "get", lambda: f"/indicators/{_p20_indicator().pk}/", "view", SCOPED_ANY),
    ("indicators:compare", "get", lambda: f"/indicators/{_p20_indicator().pk}/compare/", "view", SCOPED_ANY),
    ("indicators:targets", "get", lambda: f"/indicators/{_p20_indicator().pk}/targets/", "assign", SCOPED),
    ("indicators:new", "get", lambda: "/indicators/new/", "assign", SCOPED_ANY),
    ("indicators:settings", "get", lambda: f"/indicators/{_p20_indicator().pk}/settings/", "assign", SCOPED),
    ("indicators:settings", "post", lambda: f"/indicators/{_p20_indicator().pk}/settings/", "assign",
     # in scope, an empty POST names no operation: 400 with a message
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 400, "out_of_scope": 403}),
    ("indicators:entry", "get", lambda: f"/indicators/entry/{_p20().pk}/", "view", SCOPED),
    ("indicators:template", "get", lambda: f"/indicators/entry/{_p20().pk}/template.xlsx", "view", SCOPED),
    ("indicators:upload", "get", lambda: f"/indicators/entry/{_p20().pk}/upload/", "view", SCOPED),
    ("indicators:value", "get", lambda: f"/indicators/values/{_p20_value()}/", "view", SCOPED),
    ("indicators:value", "post", lambda: f"/indicators/values/{_p20_value()}/", "view",
     # in scope, an empty POST names no operation: 400 with a message
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 400, "out_of_scope": 403}),
    ("indicators:import", "get", lambda: "/indicators/import/", "assign", SCOPED_ANY),
    ("indicators:tokens", "get", lambda: "/indicators/tokens/", "manage", SCOPED_ANY),
    ("api_indicators", "get", lambda: "/api/v1/indicators/", "view",
     {"anonymous": 401, "no_role": 403, "in_scope": 200, "out_of_scope": 200}),
    ("api_indicator_values", "get", lambda: "/api/v1/indicators/values/", "view",
     {"anonymous": 401, "no_role": 403, "in_scope": 200, "out_of_scope": 200}),
    ("feedback:public_list", "get", lambda: "/feedback/", "view", ALL),
    # a malformed date is a 400 with a message, not a 500
    ("feedback:public_list", "get", lambda: "/feedback/?q=thu+tuc&date_from=bad", "view", {p: 400 for p in PERSONAS}),
    ("feedback:submit", "get", lambda: "/feedback/new/", "view", ALL),
    # the receipt is shown once, from the session of the browser that sent the submission
    ("feedback:receipt", "get", lambda: "/feedback/new/done/", "view", {p: 404 for p in PERSONAS}),
    ("feedback:similar", "get", lambda: "/feedback/similar/?title=thu+tuc+cap+phep", "view", ALL),
    ("feedback:track", "get", lambda: "/feedback/track/", "view", ALL),
    ("feedback:status", "get", lambda: f"/feedback/track/{_p20_submission().code}/", "view", ALL),
    ("feedback:status", "get", lambda: "/feedback/track/PAKN-2026-999999/", "view", {p: 404 for p in PERSONAS}),
    # The private link is the key: everyone holding it sees the page; a wrong key is a 404 for everyone.
    ("feedback:private", "get", _p20_private, "view", ALL),
    ("feedback:private", "get", lambda: f"/feedback/p/{_p20_submission().code}/wrong-key/", "view",
     {p: 404 for p in PERSONAS}),
    ("feedback:private_attachment", "get", lambda: f"{_p20_private()}files/{_p20_attachment()}/", "view", ALL),
    ("feedback:public_detail", "get", lambda: f"/feedback/answers/{_p20_published_code()}/", "view", ALL),
    # Not published yet: not found, whoever asks.
    ("feedback:public_detail", "get", lambda: f"/feedback/answers/{_p20_submission().code}/", "view",
     {p: 404 for p in PERSONAS}),
    ("feedback:follow", "post", lambda: f"/feedback/answers/{_p20_published_code()}/follow/", "view",
     # an empty e-mail comes back as the form with its error
     {p: 400 for p in PERSONAS}),
    ("feedback:faq", "get", lambda: "/feedback/faq/", "view", ALL),
    ("feedback:stats", "get", lambda: "/feedback/stats/", "view", ALL),
    ("feedback:mine", "get", lambda: "/feedback/mine/", "view", LOGGED_IN),
    # Only the account that sent it (none here) sees it under "mine".
    ("feedback:mine_detail", "get", lambda: f"/feedback/mine/{_p20_submission().code}/", "view",
     {"anonymous": LOGIN, "no_role": 404, "in_scope": 404, "out_of_scope": 404}),
    ("feedback:mine_attachment", "get", lambda: f"/feedback/mine/{_p20_submission().code}/files/{_p20_attachment()}/",
     "view", {"anonymous": LOGIN, "no_role": 404, "in_scope": 404, "out_of_scope": 404}),
    ("feedback:triage", "get", lambda: "/feedback/triage/", "assign", SCOPED_ANY),
    ("feedback:export", "get", lambda: "/feedback/export/?list=triage", "assign", SCOPED_ANY),
    ("feedback:inbox", "get", lambda: "/feedback/inbox/", "view", SCOPED_ANY),
    ("feedback:detail", "get", lambda: f"/feedback/s/{_p20_submission().pk}/", "view", SCOPED),
    ("feedback:detail", "get", lambda: f"/feedback/s/{_p20_submission().pk}/", "assign", SCOPED),
    ("feedback:step", "post", lambda: f"/feedback/s/{_p20_submission().pk}/note/", "view",
     # in scope, an empty note comes back with its error
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 400, "out_of_scope": 403}),
    ("feedback:attachment", "get", lambda: f"/feedback/files/{_p20_attachment()}/", "view", SCOPED),
    ("feedback:templates", "get", lambda: "/feedback/templates/", "view", SCOPED_ANY),
    ("feedback:template_edit", "get", lambda: f"/feedback/templates/{_p20_template()}/", "view", SCOPED),
    ("feedback:fields", "get", lambda: "/feedback/fields/", "national", SCOPED),
    ("feedback:rules", "get", lambda: "/feedback/rules/", "national", SCOPED),
    ("feedback:holidays", "get", lambda: "/feedback/holidays/", "national", SCOPED),
    ("feedback:council", "get", lambda: "/feedback/council/", "assign", SCOPED_ANY),
    ("feedback:assign_reviewers", "get", lambda: f"/feedback/council/s/{_p20_review().submission_id}/", "assign",
     SCOPED),
    ("feedback:decide", "post", lambda: f"/feedback/council/s/{_p20_review().submission_id}/decide/", "assign",
     # in scope, an empty decision comes back with its errors
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 400, "out_of_scope": 403}),
    ("feedback:review", "get", lambda: f"/feedback/council/reviews/{_p20_review().pk}/", "evaluate",
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 200, "out_of_scope": 404}),
    ("feedback:review_attachment", "get",
     lambda: f"/feedback/council/reviews/{_p20_review().pk}/files/999999/", "evaluate",
     # before declaring, no file is served, even to the reviewer; another reviewer does not learn it exists
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 403, "out_of_scope": 404}),
    ("feedback:experts", "get", lambda: "/feedback/council/experts/", "assign", SCOPED_ANY),
    ("feedback:rubrics", "get", lambda: "/feedback/council/rubrics/", "national", SCOPED_ANY),
    ("api_organisations", "get", lambda: "/api/v1/organisations/", "view", ALL),
    ("api_organisation", "get", lambda: f"/api/v1/organisations/{_p20().pk}/", "view", ALL),
    ("api_resolve", "get", lambda: "/api/v1/resolve/?name=L%E1%BA%A1ng+S%C6%A1n", "view",
     {"anonymous": 401, "no_role": 200, "in_scope": 200, "out_of_scope": 200}),
]

def _p20_dashboard():
    """A shared custom dashboard of Lạng Sơn with one panel (created once)."""
    from nq57.dashboards import actions
    from nq57.dashboards.models import CustomDashboard

    dashboard = CustomDashboard.objects.filter(title="MATRIX").first()
    if dashboard is None:
        dashboard = actions.create_dashboard(actor=None, owner=_p20(), title="MATRIX", shared=True)
        actions.add_panel(actor=None, dashboard=dashboard, measure="tasks_status", chart="bar")
    return dashboard


def _p20_panel():
    return _p20_dashboard().panels.first()


def _p20_report():
    """A finished six-month report of Lạng Sơn with its Word file (created once)."""
    import datetime

    from django.core.files.base import ContentFile

    from nq57.reports.models import Report

    report = Report.objects.filter(scope__code="P20", number="MATRIX").first()
    if report is None:
        report = Report.objects.create(scope=_p20(), period_kind="half", period_start=datetime.date(2025, 1, 1),
                                       period_end=datetime.date(2025, 6, 30), status="done", number="MATRIX")
        report.docx.save("r.docx", ContentFile(b"x"))
    return report


def _p20_schedule():
    from nq57.reports import actions
    from nq57.reports.models import ReportSchedule

    schedule = ReportSchedule.objects.filter(scope__code="P20").first()
    if schedule is None:
        schedule = actions.create_schedule(actor=None, scope=_p20(), period_kind="quarter", emails="a@example.vn")
    return schedule


MATRIX += [
    # A scope's dashboard: the user's own scope by default; another scope only inside the user's VIEW subtree.
    ("dashboards:home", "get", lambda: "/dashboards/", "view", SCOPED_ANY),
    ("dashboards:home", "get", lambda: f"/dashboards/?scope={_p20().pk}", "view", SCOPED),
    # No national exception: a province's officers do not see the national dashboard.
    ("dashboards:home", "get", lambda: f"/dashboards/?scope={Organisation.objects.get(code='BCDTW').pk}", "view",
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 403, "out_of_scope": 403}),
    ("dashboards:drill", "get", lambda: f"/dashboards/list/?figure=assignments&scope={_p20().pk}", "view", SCOPED),
    ("dashboards:warnings", "get", lambda: f"/dashboards/warnings/?scope={_p20().pk}", "view", SCOPED),
    ("dashboards:warnings", "get", lambda: f"/dashboards/warnings/?scope={_p20().pk}&format=csv", "view", SCOPED),
    ("dashboards:warnings_panel", "get", lambda: f"/dashboards/warnings/panel/?scope={_p20().pk}", "view", SCOPED),
    # Rankings of peers need VIEW on their common parent: alice and charlie rank their own province's communes.
    ("dashboards:rankings", "get", lambda: "/dashboards/rankings/", "view", SCOPED_ANY),
    ("dashboards:rankings", "get", lambda: f"/dashboards/rankings/?peers=communes&within={_p20().pk}", "view",
     SCOPED),
    # The national ranking of provinces is not for a province's officers.
    ("dashboards:rankings", "get", lambda: "/dashboards/rankings/?peers=provinces", "view",
     {"anonymous": LOGIN, "no_role": 403, "in_scope": 403, "out_of_scope": 403}),
    ("dashboards:rankings", "get", lambda: "/dashboards/rankings/?format=csv", "view", SCOPED_ANY),
    ("dashboards:custom_list", "get", lambda: "/dashboards/custom/", "view", SCOPED_ANY),
    ("dashboards:custom_new", "get", lambda: "/dashboards/custom/new/", "view", SCOPED_ANY),
    ("dashboards:custom_detail", "get", lambda: f"/dashboards/custom/{_p20_dashboard().pk}/", "view", SCOPED),
    # Editing a shared dashboard: its author, or the owner's standing office (ASSIGN).
    ("dashboards:custom_edit", "get", lambda: f"/dashboards/custom/{_p20_dashboard().pk}/edit/", "assign", SCOPED),
    ("dashboards:custom_delete", "post", lambda: f"/dashboards/custom/{_p20_dashboard().pk}/delete/", "assign",
     {"anonymous": LOGIN, "no_role": 403, "in_scope": REDIRECT, "out_of_scope": 403}),
    ("dashboards:panel_new", "get", lambda: f"/dashboards/custom/{_p20_dashboard().pk}/panels/new/", "assign",
     SCOPED),
    ("dashboards:panel_edit", "get", lambda: f"/dashboards/panels/{_p20_panel().pk}/edit/", "assign", SCOPED),
    ("dashboards:panel_move", "post", lambda: f"/dashboards/panels/{_p20_panel().pk}/move/", "assign",
     {"anonymous": LOGIN, "no_role": 403, "in_scope": REDIRECT, "out_of_scope": 403}),
    ("dashboards:panel_delete", "post", lambda: f"/dashboards/panels/{_p20_panel().pk}/delete/", "assign",
     {"anonymous": LOGIN, "no_role": 403, "in_scope": REDIRECT, "out_of_scope": 403}),
    ("reports:list", "get", lambda: "/reports/", "view", SCOPED_ANY),
    ("reports:new", "get", lambda: "/reports/new/", "view", SCOPED_ANY),
    ("reports:detail", "get", lambda: f"/reports/{_p20_report().pk}/", "view", SCOPED),
    ("reports:progress", "get", lambda: f"/reports/{_p20_report().pk}/progress/", "view", SCOPED),
    ("reports:download", "get", lambda: f"/reports/{_p20_report().pk}/download/docx/", "view", SCOPED),
    ("reports:retry", "post", lambda: f"/reports/{_p20_report().pk}/retry/", "view",
     {"anonymous": LOGIN, "no_role": 403, "in_scope": REDIRECT, "out_of_scope": 403}),
    # Schedules send reports outside the platform: APPROVE holders (leaders, standing offices, agency heads).
    ("reports:schedule_new", "get", lambda: "/reports/schedules/new/", "assign", SCOPED_ANY),
    ("reports:schedule_edit", "get", lambda: f"/reports/schedules/{_p20_schedule().pk}/edit/", "assign", SCOPED),
    ("reports:schedule_delete", "post", lambda: f"/reports/schedules/{_p20_schedule().pk}/delete/", "assign",
     {"anonymous": LOGIN, "no_role": 403, "in_scope": REDIRECT, "out_of_scope": 403}),
]


# What a POST in the matrix sends: harmless operations.
POST_DATA = {
    "set_language": {"language": "vi", "next": "/"},
    "accounts:user_detail": {"operation": "enable"},
    "dashboards:panel_move": {"direction": "up"},
}


def _all_url_names(patterns=None, namespace=""):
    names = set()
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _all_url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(namespace + entry.name)
    return names


def test_the_matrix_covers_every_named_url():
    # A new view must be added to MATRIX above before this passes.
    assert _all_url_names() - {row[0] for row in MATRIX} == set()


@pytest.fixture
def as_persona(client, request, settings, alice):
    # alice always exists: the account pages target her. The matrix is about scopes; two-factor has its own tests.
    settings.REQUIRE_ADMIN_2FA = False

    def login(persona, cast):
        if persona == "anonymous":
            return client
        name = {"no_role": "dave", "in_scope": CAST[cast][0], "out_of_scope": CAST[cast][1]}[persona]
        client.force_login(request.getfixturevalue(name))
        return client

    return login


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name, method, path, cast, expected", MATRIX,
                         ids=[f"{row[1]}-{row[0]}-{i}" for i, row in enumerate(MATRIX)])
def test_each_view_answers_each_persona_as_expected(as_persona, persona, name, method, path, cast, expected):
    client = as_persona(persona, cast)
    url = path()
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, POST_DATA.get(name, {}))
    want = expected[persona]
    if want == LOGIN:
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), response["Location"]
    elif want == REDIRECT:
        assert response.status_code == 302, url
        assert not response["Location"].startswith("/accounts/login/"), response["Location"]
    else:
        assert response.status_code == want, url


@pytest.mark.parametrize("url", ["/api/v1/organisations/", "/api/v1/resolve/?name=x", "/api/v1/nowhere/"])
def test_api_errors_and_answers_are_json(client, url):
    response = client.get(url)
    assert response["Content-Type"] == "application/json"


# --- what each persona sees --------------------------------------------------------------------


PEOPLE_SECTION = 'id="people-h"'


@pytest.mark.parametrize("who, sees_people", [
    (None, False), ("dave", False), ("charlie", False), ("alice", True), ("bob", True), ("root", True),
])
def test_the_people_section_of_an_organisation_shows_only_to_viewers_in_scope(client, request, org, alice, who,
                                                                             sees_people):
    if who:
        client.force_login(request.getfixturevalue(who))
    body = client.get(f"/organisations/{org('P20-SKHCN').pk}/").content.decode()
    assert (PEOPLE_SECTION in body) is sees_people
    # alice works at Lạng Sơn's department: her name is part of that section.
    assert ("Alice Lạng Sơn" in body) is sees_people


@pytest.mark.parametrize("who, may_manage, may_see_history", [
    (None, False, False), ("dave", False, False), ("charlie", False, False), ("alice", False, True),
    ("bob", True, True), ("erin", False, False),
])
def test_organisation_page_links_follow_the_viewers_rights(client, request, org, who, may_manage, may_see_history):
    if who:
        client.force_login(request.getfixturevalue(who))
    pk = org("P20").pk
    body = client.get(f"/organisations/{pk}/").content.decode()
    assert (f'href="/accounts/organisations/{pk}/"' in body) is may_manage
    assert (f'href="/organisations/{pk}/history/"' in body) is may_see_history


@pytest.mark.parametrize("who, sees_menu", [
    (None, False), ("dave", False), ("alice", False), ("bob", True), ("erin", True),
])
def test_the_users_menu_shows_only_to_administrators(client, request, who, sees_menu):
    if who:
        client.force_login(request.getfixturevalue(who))
    assert ('href="/accounts/users/"' in client.get("/").content.decode()) is sees_menu


def test_each_administrator_lists_only_the_people_of_their_province(client, alice, bob, charlie, erin):
    client.force_login(erin)
    assert {u.username for u in client.get("/accounts/users/").context["page"]} == {"charlie", "erin"}
    client.force_login(bob)
    assert {u.username for u in client.get("/accounts/users/").context["page"]} == {"alice", "bob"}


def test_the_user_list_searches_within_scope_only(client, bob, alice, charlie):
    client.force_login(bob)
    assert [u.username for u in client.get("/accounts/users/?q=charlie").context["page"]] == []
    assert [u.username for u in client.get("/accounts/users/?q=ALICE").context["page"]] == ["alice"]
    # Searching by organisation name, without diacritics.
    assert {u.username for u in client.get("/accounts/users/?q=so khoa hoc va cong nghe lang").context["page"]} == {
        "alice", "bob"}


def test_the_map_tree_is_public_and_shows_the_top_levels(client, org):
    response = client.get("/organisations/")
    body = response.content.decode()
    for code in ("BCDTW", "CP", "DP"):
        assert org(code).name in body
    assert org("P20").name in body  # provinces are at depth 2, open by default
    assert org("X00004").name not in body  # communes load on demand


@pytest.mark.parametrize("query, expected_name", [
    ("lang son", "Tỉnh Lạng Sơn"),
    ("Lạng Sơn", "Tỉnh Lạng Sơn"),
    ("LANG SON", "Tỉnh Lạng Sơn"),
    ("ha noi", "Thành phố Hà Nội"),
    ("xa tan hoa", "Xã Tân Hòa"),
    ("bo khoa hoc", "Bộ Khoa học và Công nghệ"),
    ("MOST", "Bộ Khoa học và Công nghệ"),  # an alias
    ("P20", "Tỉnh Lạng Sơn"),  # a code
])
def test_the_tree_search_ignores_diacritics_and_case(client, query, expected_name):
    matches = client.get("/organisations/", {"q": query}).context["matches"]
    assert expected_name in {m.name for m in matches}


def test_a_search_for_xa_finds_communes_and_caps_the_list(client):
    response = client.get("/organisations/", {"q": "xa"})
    matches = response.context["matches"]
    assert len(matches) == 50 and response.context["truncated"]
    assert any(m.name.startswith("Xã ") for m in matches)


def test_search_results_show_where_each_match_sits(client, org):
    matches = client.get("/organisations/", {"q": "Phường Ba Đình"}).context["matches"]
    (ba_dinh,) = [m for m in matches if m.code == "X00004"]
    assert ba_dinh.trail == [org("DP").name, org("P01").name]


def test_former_organisations_are_searched_only_on_request(client):
    assert "Bộ Thông tin và Truyền thông" not in {
        m.name for m in client.get("/organisations/", {"q": "thong tin va truyen thong"}).context["matches"]}
    assert "Bộ Thông tin và Truyền thông" in {
        m.name for m in client.get("/organisations/", {"q": "thong tin va truyen thong", "former": "1"}
                                   ).context["matches"]}


def test_an_htmx_search_returns_only_the_results_fragment(client):
    response = client.get("/organisations/", {"q": "lang son"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Tỉnh Lạng Sơn" in body
    assert "<html" not in body


def test_the_children_fragment_lists_a_provinces_units_and_communes(client, org):
    response = client.get(f"/organisations/{org('P20').pk}/children/")
    names = [c.name for c in response.context["children"]]
    assert names[:2] == [org("P20-BCD").name, org("P20-SKHCN").name]  # the province's own units first
    assert len(names) == org("P20").children.count()
    assert "<html" not in response.content.decode()


def test_a_former_organisation_page_points_to_its_successor(client, org):
    body = client.get(f"/organisations/{org('BTTTT').pk}/").content.decode()
    assert f'href="/organisations/{org("BKHCN").pk}/"' in body


def test_the_api_lists_the_public_map(client, org):
    data = client.get("/api/v1/organisations/", {"q": "lang son", "kind": "province"}).json()
    assert [r["code"] for r in data["results"]] == ["P20"]
    result = data["results"][0]
    assert (result["name"], result["admin_code"]) == ("Tỉnh Lạng Sơn", "20")
    assert result["url"] == f"/organisations/{org('P20').pk}/"
    children = client.get("/api/v1/organisations/", {"parent": org("P20").pk}).json()
    assert children["count"] == org("P20").children.count()


def test_the_api_detail_includes_aliases_and_ancestors(client, org):
    data = client.get(f"/api/v1/organisations/{org('BKHCN').pk}/").json()
    assert "Bộ KH&CN" in data["aliases"]
    assert [a["name"] for a in data["ancestors"]] == [org("BCDTW").name, org("CP").name]
    assert "people" not in data and "grants" not in data


def test_the_resolve_api_explains_its_answer(client, dave):
    client.force_login(dave)
    (result,) = client.get("/api/v1/resolve/", {"name": "Bộ Thông tin và Truyền thông"}).json()["results"]
    assert (result["status"], result["via"]) == ("resolved", "history")
    assert result["organisation"]["code"] == "BKHCN" and result["named"]["code"] == "BTTTT"
    results = client.get("/api/v1/resolve/", {"name": "Bộ Y tế, các bộ, ngành, địa phương", "list": "1"}).json()
    assert [r["status"] for r in results["results"]] == ["resolved", "group"]
    assert results["results"][1]["group"]["code"] == "bo-nganh-dia-phuong"
