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
