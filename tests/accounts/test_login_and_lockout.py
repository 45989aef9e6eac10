"""Password login, the lockout after repeated failures, and how a lockout ends."""

import pytest
from django.conf import settings as django_settings

from nq57.accounts import actions
from nq57.accounts.models import LoginFailure
from nq57.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
PASSWORD = "correct-horse-57"  # the make_user default


def _login(client, username, password):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def _logged_in_as(client):
    return client.session.get("_auth_user_id")


def _fail(client, username, times):
    for _ in range(times):
        response = _login(client, username, "wrong-password")
        assert response.status_code == 200
        assert not _logged_in_as(client)


def _error_codes(response):
    return [e.code for e in response.context["form"].non_field_errors().as_data()]


def test_the_login_page_shows_a_form(client):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


def test_it_logs_in_with_the_right_password_and_goes_home(client, alice):
    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _logged_in_as(client) == str(alice.pk)


def test_it_follows_a_safe_next_link_but_not_an_external_one(client, alice):
    response = client.post(LOGIN_URL + "?next=/organisations/", {"username": "alice", "password": PASSWORD})
    assert response["Location"] == "/organisations/"
    client.logout()
    response = client.post(LOGIN_URL + "?next=https://evil.example/", {"username": "alice", "password": PASSWORD})
    assert response["Location"] == "/"


def test_it_rejects_a_wrong_password_with_a_clear_message(client, alice):
    response = _login(client, "alice", "wrong-password")
    assert response.status_code == 200
    assert not _logged_in_as(client)
    assert _error_codes(response) == ["invalid_login"]
    assert LoginFailure.objects.filter(username="alice").count() == 1


def test_a_disabled_account_cannot_log_in(client, alice):
    alice.is_active = False
    alice.save()
    _login(client, "alice", PASSWORD)
    assert not _logged_in_as(client)


def test_passwords_are_hashed_with_argon2(alice):
    assert alice.password.startswith("argon2$argon2id$")


def test_production_settings_hash_with_full_cost_argon2(monkeypatch, alice):
    import nq57.settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    monkeypatch.undo()  # restore Django's own argon2 cost, lowered for the suite in conftest
    alice.set_password("another-good-secret-57")
    alice.save()
    assert alice.password.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$")
    assert alice.check_password("another-good-secret-57")


def test_it_locks_the_name_out_after_the_failure_limit_even_with_the_right_password(client, alice):
    _fail(client, "alice", django_settings.LOGIN_FAILURE_LIMIT)
    response = _login(client, "alice", PASSWORD)
    assert not _logged_in_as(client)
    assert _error_codes(response) == ["locked_out"]
    # The message says for how long, so the person knows what to do.
    message = response.context["form"].non_field_errors()[0]
    assert str(django_settings.LOGIN_LOCKOUT_MINUTES) in message
    assert message in response.content.decode()


def test_one_failure_fewer_than_the_limit_does_not_lock(client, alice):
    _fail(client, "alice", django_settings.LOGIN_FAILURE_LIMIT - 1)
    _login(client, "alice", PASSWORD)
    assert _logged_in_as(client) == str(alice.pk)


def test_the_limit_comes_from_settings(client, alice, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    _fail(client, "alice", 2)
    assert _error_codes(_login(client, "alice", PASSWORD)) == ["locked_out"]


def test_failures_are_counted_per_user_name(client, alice, bob):
    _fail(client, "alice", django_settings.LOGIN_FAILURE_LIMIT)
    _login(client, "bob", PASSWORD)
    assert _logged_in_as(client) == str(bob.pk)


def test_failures_are_counted_whatever_the_case_of_the_name(client, alice):
    for name in ["ALICE", "Alice", " alice"] * django_settings.LOGIN_FAILURE_LIMIT:
        _login(client, name, "wrong-password")
    assert actions.is_locked_out("alice")
    assert _error_codes(_login(client, "alice", PASSWORD)) == ["locked_out"]


def test_a_lockout_also_applies_to_names_that_do_not_exist(client):
    # Otherwise the lockout would tell an attacker which names are real.
    _fail(client, "nobody", django_settings.LOGIN_FAILURE_LIMIT)
    assert _error_codes(_login(client, "nobody", "x")) == ["locked_out"]


def test_a_successful_login_clears_earlier_failures(client, alice):
    _fail(client, "alice", django_settings.LOGIN_FAILURE_LIMIT - 1)
    _login(client, "alice", PASSWORD)
    assert _logged_in_as(client)
    assert not LoginFailure.objects.filter(username="alice").exists()
    client.logout()
    # The count starts again from zero.
    _fail(client, "alice", django_settings.LOGIN_FAILURE_LIMIT - 1)
    _login(client, "alice", PASSWORD)
    assert _logged_in_as(client) == str(alice.pk)


def test_old_failures_outside_the_window_do_not_count(client, alice):
    import datetime

    from django.utils import timezone

    _fail(client, "alice", django_settings.LOGIN_FAILURE_LIMIT)
    long_ago = timezone.now() - datetime.timedelta(minutes=django_settings.LOGIN_LOCKOUT_MINUTES + 1)
    LoginFailure.objects.filter(username="alice").update(at=long_ago)
    _login(client, "alice", PASSWORD)
    assert _logged_in_as(client) == str(alice.pk)


def test_an_administrator_lifts_a_lockout_with_unlock_user(client, alice, bob):
    _fail(client, "alice", django_settings.LOGIN_FAILURE_LIMIT)
    assert actions.is_locked_out("alice")
    actions.unlock_user(actor=bob, user=alice)
    assert not actions.is_locked_out("alice")
    _login(client, "alice", PASSWORD)
    assert _logged_in_as(client) == str(alice.pk)
    row = AuditEvent.objects.get(verb="user_unlocked")
    assert (row.actor, row.before, row.after) == (bob, {"login_failures": django_settings.LOGIN_FAILURE_LIMIT},
                                                  {"login_failures": 0})


def test_an_administrator_unlocks_from_the_user_page(client, alice, bob):
    _fail(client, "alice", django_settings.LOGIN_FAILURE_LIMIT)
    client.force_login(bob)
    response = client.post(f"/accounts/users/{alice.pk}/", {"operation": "unlock"})
    assert response.status_code == 302
    assert not actions.is_locked_out("alice")


def test_a_locked_out_user_is_shown_as_locked_to_the_administrator(client, alice, bob):
    client.force_login(bob)
    assert not client.get(f"/accounts/users/{alice.pk}/").context["locked"]
    for _ in range(django_settings.LOGIN_FAILURE_LIMIT):
        actions.note_login_failure("alice", "127.0.0.1")
    assert client.get(f"/accounts/users/{alice.pk}/").context["locked"]


def test_sessions_last_a_working_day_and_end_when_the_browser_closes(client, alice):
    assert django_settings.SESSION_COOKIE_AGE == 8 * 3600
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert django_settings.SESSION_COOKIE_HTTPONLY is True
    response = _login(client, "alice", PASSWORD)
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    # A browser-session cookie: no expiry date is sent.
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 8 * 3600


def test_logging_out_ends_the_session(client, alice):
    _login(client, "alice", PASSWORD)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not _logged_in_as(client)
