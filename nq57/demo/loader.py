"""The demo dataset: one login per role at believable scopes. Later issues add their content here.

Loaded only in demo mode on an empty database; never in production mode.
"""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from nq57.accounts import actions as account_actions
from nq57.accounts.models import User
from nq57.core.roles import Role
from nq57.orgs.models import Kind, Organisation

from .dashboards_demo import load_dashboards_demo
from .feedback_demo import load_feedback_demo
from .indicators_demo import load_indicators_demo
from .plans_demo import load_plans_demo

DEMO_PASSWORD = "nq57-demo"

# (username, full name, position, home organisation code, role, scope code)
DEMO_USERS = [
    ("quantri", "Quản trị hệ thống", "Quản trị viên", "VPTWD", Role.ORG_ADMIN, "BCDTW"),
    ("vanphong", "Nguyễn Thu Hà", "Chuyên viên Văn phòng Trung ương Đảng", "VPTWD", Role.STANDING_OFFICE, "BCDTW"),
    ("lanhdao", "Trần Quốc Minh", "Thành viên Ban Chỉ đạo Trung ương", "BCDTW", Role.LEADER, "BCDTW"),
    ("bkhcn.canbo", "Lê Văn Khoa", "Chuyên viên đầu mối, Bộ KH&CN", "BKHCN", Role.FOCAL_OFFICER, "BKHCN"),
    ("bkhcn.lanhdao", "Phạm Thị Lan", "Thứ trưởng Bộ KH&CN", "BKHCN", Role.AGENCY_HEAD, "BKHCN"),
    ("langson.lanhdao", "Hoàng Văn Sơn", "Trưởng Ban Chỉ đạo tỉnh Lạng Sơn", "P20-BCD", Role.LEADER, "P20"),
    ("langson.canbo", "Vi Thị Mai", "Chuyên viên Sở KH&CN Lạng Sơn", "P20-SKHCN", Role.FOCAL_OFFICER, "P20"),
    ("langson.truong", "Lộc Văn Bình", "Giám đốc Sở KH&CN Lạng Sơn", "P20-SKHCN", Role.AGENCY_HEAD, "P20"),
    ("langson.quantri", "Nông Thị Hoa", "Quản trị hệ thống tỉnh Lạng Sơn", "P20-SKHCN", Role.ORG_ADMIN, "P20"),
    ("langson.vanphong", "Hà Văn Thắng", "Chuyên viên Văn phòng Ban Chỉ đạo tỉnh", "P20-BCD", Role.STANDING_OFFICE,
     "P20"),
    ("xa.canbo", "Đinh Văn Tùng", "Công chức văn phòng UBND xã", None, Role.FOCAL_OFFICER, None),
    # Advisory council members evaluate files held anywhere (the council reviews the whole country's initiatives).
    ("tuvan", "GS. Nguyễn Đức Trí", "Thành viên Hội đồng tư vấn", "HDTV", Role.ADVISORY_MEMBER, "BCDTW"),
    ("tuvan.dulieu", "PGS.TS. Trần Thu Thủy", "Thành viên Hội đồng tư vấn", "HDTV", Role.ADVISORY_MEMBER, "BCDTW"),
    ("tuvan.bandan", "TS. Võ Quốc Hưng", "Thành viên Hội đồng tư vấn", "HDTV", Role.ADVISORY_MEMBER, "BCDTW"),
    ("tuvan.nongnghiep", "PGS.TS. Lò Thị Hoa", "Thành viên Hội đồng tư vấn", "HDTV", Role.ADVISORY_MEMBER,
     "BCDTW"),
    ("thanhtra", "Bùi Minh Chính", "Thanh tra viên", "TTCP", Role.INSPECTOR, "BCDTW"),
    ("congdan", "Nguyễn Văn An", "Người dân", None, None, None),
]


def demo_commune():
    """The first commune of Lạng Sơn: the demo commune officer's home."""
    province = Organisation.objects.get(code="P20")
    return Organisation.objects.filter(parent=province, kind=Kind.COMMUNE).order_by("sort_order").first()


@transaction.atomic
def load_demo():
    """Create the demo accounts, the demo plans with their history, the KPI index with its values and the
    feedback with its history, the leaders' dashboards and a report (idempotent); returns rows for the start-up banner."""
    if not settings.DEMO_MODE:
        raise RuntimeError("The demo dataset is never loaded in production mode")
    commune = demo_commune()
    rows = []
    password = None  # hashed once: a full-cost argon2 hash per account would add seconds to the first start
    for username, full_name, position, home_code, role, scope_code in DEMO_USERS:
        home = Organisation.objects.get(code=home_code) if home_code else None
        scope = Organisation.objects.get(code=scope_code) if scope_code else None
        if username == "xa.canbo":
            home = scope = commune
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_actions.create_user(
                actor=None, username=username, organisation=home, full_name=full_name, position=position,
                email=f"{username}@demo.nq57.vn", password=None,
            )
            password = password or make_password(DEMO_PASSWORD)
            user.password = password
            user.save(update_fields=["password"])
        if role and not user.grants.filter(role=role, organisation=scope).exists():
            account_actions.grant_role(actor=None, user=user, role=role, organisation=scope)
        rows.append((username, Role(role).label if role else "—", scope.name if scope else "—"))
    load_plans_demo()  # once: nothing happens when the demo programme is already there
    load_indicators_demo()  # likewise once: the KPI index of the programme's Appendix I
    load_feedback_demo()  # likewise once: submissions at every stage, council reviews, an adopted initiative
    load_dashboards_demo()  # likewise once: the leaders' own dashboards, a report schedule, a generated report
    return rows
