"""Shared fixtures. The real organisation map (central bodies, 34 provinces, 3,321 communes)
is loaded once per test session, so every test runs against the real shape of the country.

Named people (see STYLE.md): alice is a focal officer of Lạng Sơn province, bob administers
Lạng Sơn, charlie is a focal officer of Hà Nội (out of alice's and bob's scope), dave has an
account but no role, and root administers everything from the Central Steering Committee.
"""

import os
from pathlib import Path

import pytest

from nq57.core.roles import Role

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "domain" / "data"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from nq57.core import context as write_context
    from nq57.orgs.actions import load_org_map

    with django_db_blocker.unblock(), write_context.using(source="command", actor_label="tests"):
        load_org_map()


@pytest.fixture
def org():
    """org("P20") → the organisation with that code."""
    from nq57.orgs.models import Organisation

    return lambda code: Organisation.objects.get(code=code)


@pytest.fixture
def make_user(db):
    from nq57.accounts.models import RoleGrant, User
    from nq57.orgs.models import Organisation

    def make(username, home=None, role=None, scope=None, password="correct-horse-57", **fields):
        home_org = Organisation.objects.get(code=home) if isinstance(home, str) else home
        user = User.objects.create_user(username=username, password=password, organisation=home_org,
                                        email=fields.pop("email", f"{username}@example.vn"), **fields)
        if role:
            scope_org = Organisation.objects.get(code=scope) if isinstance(scope, str) else (scope or home_org)
            RoleGrant.objects.create(user=user, role=role, organisation=scope_org)
        return user

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice", home="P20-SKHCN", role=Role.FOCAL_OFFICER, scope="P20", full_name="Alice Lạng Sơn")


@pytest.fixture
def bob(make_user):
    return make_user("bob", home="P20-SKHCN", role=Role.ORG_ADMIN, scope="P20", full_name="Bob Lạng Sơn")


@pytest.fixture
def charlie(make_user):
    return make_user("charlie", home="P01", role=Role.FOCAL_OFFICER, scope="P01", full_name="Charlie Hà Nội")


@pytest.fixture
def lan(make_user):
    """Standing office of Lạng Sơn: administers the province's own plans."""
    return make_user("lan", home="P20", role=Role.STANDING_OFFICE, scope="P20", full_name="Lan Văn phòng tỉnh")


@pytest.fixture
def minh(make_user):
    """Standing office of Hà Nội: out of Lạng Sơn's scope."""
    return make_user("minh", home="P01", role=Role.STANDING_OFFICE, scope="P01", full_name="Minh Văn phòng Hà Nội")


@pytest.fixture
def dave(make_user):
    return make_user("dave", full_name="Dave Public")


@pytest.fixture
def root(make_user):
    return make_user("root", home="VPTWD", role=Role.ORG_ADMIN, scope="BCDTW", full_name="Root Admin")


@pytest.fixture
def shared_data():
    """The shared reference documents; tests that need them skip clearly when ../shared is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared reference data not found at {SHARED_DATA}")
    return SHARED_DATA


def pytest_configure(config):
    # Playwright's sync API runs an event loop in the test thread; the ORM calls made by
    # browser tests around it are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Production uses the hashed manifest built by collectstatic; tests serve files as they are.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture
def erin(make_user):
    """An administrator of Hà Nội: holds MANAGE_USERS, but not over Lạng Sơn (alice's and bob's province)."""
    return make_user("erin", home="P01-SKHCN", role=Role.ORG_ADMIN, scope="P01", full_name="Erin Hà Nội")


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    # Still argon2 (hashes start "argon2$"), at the smallest cost: a full-cost hash takes ~0.1 s and
    # would dominate the suite. tests/accounts checks the production cost separately.
    from django.contrib.auth.hashers import Argon2PasswordHasher

    monkeypatch.setattr(Argon2PasswordHasher, "time_cost", 1)
    monkeypatch.setattr(Argon2PasswordHasher, "memory_cost", 8)
    monkeypatch.setattr(Argon2PasswordHasher, "parallelism", 1)


# --- Plans workflow (issue 3) ------------------------------------------------------------------
# sophie is the Government's standing office (ASSIGN on CP: she administers national plans);
# hanh heads Lạng Sơn (REPORT and APPROVE on P20). alice files Lạng Sơn's reports, hanh approves
# them, sophie verifies completion and decides extensions; charlie (Hà Nội) is out of scope.


@pytest.fixture
def sophie(make_user):
    return make_user("sophie", home="VPCP", role=Role.STANDING_OFFICE, scope="CP", full_name="Sophie Văn phòng")


@pytest.fixture
def hanh(make_user):
    return make_user("hanh", home="P20", role=Role.AGENCY_HEAD, scope="P20", full_name="Hạnh Lạng Sơn")


@pytest.fixture
def national_plan(db, org):
    import datetime

    from nq57.plans import actions

    return actions.create_plan(actor=None, kind="action_programme", number="03/NQ-CP",
                               title="Chương trình hành động của Chính phủ", issuer=org("CP"), owner=org("CP"),
                               issued_on=datetime.date(2025, 1, 9))


@pytest.fixture
def lang_son_assignment(national_plan, org):
    """Lạng Sơn's lead assignment of a national task, due four months from today (Hà Nội coordinates)."""
    import datetime

    from django.utils import timezone

    from nq57.plans import actions
    from nq57.plans.models import Assignment
    from nq57.plans.timeliness import refresh_timeliness

    task = actions.create_task(actor=None, plan=national_plan, code="1", title="Xây dựng nền tảng số dùng chung",
                               deadline_text="12/2025", product_text="Nền tảng", lead=[org("P20")],
                               coordinating=[org("P01")])
    due = timezone.localdate() + datetime.timedelta(days=120)
    task.assignments.update(original_deadline=due)
    refresh_timeliness(task.assignments.all())
    return Assignment.objects.select_related("task__plan", "organisation").get(task=task, organisation__code="P20")


# --- Plan pages (issue 3) ------------------------------------------------------------------------


@pytest.fixture
def pages_plan(national_plan, org):
    """The national plan with three groups and four tasks in known states (dates relative to today):

    1 (group I)  Lạng Sơn lead, in progress, due in 120 days; Hà Nội coordinating, not started.
    2 (group I)  Ministry of Science and Technology lead, overdue; Hà Nội lead, completed late.
    3 (group II) Hà Nội lead, no deadline and no product: incomplete ("5 clear").
    4 (group II) Lạng Sơn lead, completed on time.
    """
    import datetime
    from types import SimpleNamespace

    from django.utils import timezone

    from nq57.plans import actions
    from nq57.plans.filters import refresh_search_text
    from nq57.plans.models import Assignment, Task, TaskGroup
    from nq57.plans.timeliness import refresh_timeliness

    S = Assignment.Status
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    groups = {code: TaskGroup.objects.create(plan=national_plan, code=code, title=title, sort_order=i)
              for i, (code, title) in enumerate([("I", "Nâng cao nhận thức"), ("II", "Hoàn thiện thể chế"),
                                                 ("III", "Hạ tầng")])}

    def task(code, group, title, lead, coordinating=(), **fields):
        return actions.create_task(actor=None, plan=national_plan, code=code, title=title, group=groups[group],
                                   lead=[org(c) for c in lead], coordinating=[org(c) for c in coordinating],
                                   lead_text=", ".join(org(c).name for c in lead), **fields)

    tasks = {
        "1": task("1", "I", "Xây dựng nền tảng chuyển đổi số dùng chung", ["P20"], ["P01"],
                  deadline_text="12/2025", product_text="Nền tảng số"),
        "2": task("2", "I", "Hoàn thiện thể chế về khoa học, công nghệ", ["BKHCN", "P01"],
                  deadline_text="6/2025", product_text="Nghị định"),
        "3": task("3", "II", "Đào tạo nhân lực số cho cán bộ", ["P01"]),
        "4": task("4", "II", "Tổ chức hội nghị quán triệt", ["P20"], deadline_text="3/2025",
                  product_text="Báo cáo"),
    }

    def set_state(code, agency, role="lead", **fields):
        Assignment.objects.filter(task=tasks[code], organisation__code=agency, role=role).update(**fields)

    set_state("1", "P20", status=S.IN_PROGRESS, original_deadline=today + 120 * day, progress=40)
    set_state("1", "P01", role="coordinating", original_deadline=today + 120 * day)
    set_state("2", "BKHCN", status=S.IN_PROGRESS, original_deadline=today - 30 * day, progress=50)
    set_state("2", "P01", status=S.COMPLETED, original_deadline=today - 60 * day, completed_on=today - 40 * day,
              progress=100)
    set_state("4", "P20", status=S.COMPLETED, original_deadline=today - 20 * day, completed_on=today - 25 * day,
              progress=100)
    refresh_timeliness(Assignment.objects.filter(task__plan=national_plan))
    refresh_search_text(Task.objects.filter(plan=national_plan))
    for t in tasks.values():
        t.refresh_from_db()

    def assignment(code, agency, role="lead"):
        return Assignment.objects.get(task=tasks[code], organisation__code=agency, role=role, parent__isnull=True)

    return SimpleNamespace(plan=national_plan, groups=groups, tasks=tasks, assignment=assignment, today=today)


# --- Feedback (issue 5) ------------------------------------------------------------------------------------
# tam is the Central Steering Committee's standing office (triage of submissions to the centre, the national
# taxonomy, deadline rules and holidays); kiet and ngoc sit on the advisory council (EVALUATE on Lạng Sơn).


@pytest.fixture
def tam(make_user):
    return make_user("tam", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW", full_name="Tâm Văn phòng TW")


@pytest.fixture
def kiet(make_user):
    return make_user("kiet", home="HDTV", role=Role.ADVISORY_MEMBER, scope="P20", full_name="Kiệt Hội đồng")


@pytest.fixture
def ngoc(make_user):
    return make_user("ngoc", home="HDTV", role=Role.ADVISORY_MEMBER, scope="P20", full_name="Ngọc Hội đồng")
