"""Forgotten passwords: an e-mail with a one-time link that sets a new password."""

import re

import pytest
from django.conf import settings as django_settings

from nq57.accounts import actions

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-better-secret-57"


def _request_reset(client, email):
    return client.post("/accounts/password-reset/", {"email": email})


def _link_in(message):
    match = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _set_password_through(client, link, password=NEW_PASSWORD):
    # The link redirects to a URL without the token (so it does not leak through Referer).
    response = client.get(link)
    assert response.status_code == 302
    form_url = response["Location"]
    assert client.get(form_url).context["validlink"]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_the_reset_page_shows_a_form(client):
    response = client.get("/accounts/password-reset/")
    assert response.status_code == 200
    assert b'name="email"' in response.content


def test_it_sends_an_email_with_a_link_to_the_account_owner(client, alice, mailoutbox):
    response = _request_reset(client, alice.email)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [alice.email]
    assert "alice" in mailoutbox[0].body
    _link_in(mailoutbox[0])


def test_the_link_sets_a_new_password(client, alice, mailoutbox):
    _request_reset(client, alice.email)
    response = _set_password_through(client, _link_in(mailoutbox[0]))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/reset/done/"
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert not alice.check_password("correct-horse-57")
    client.post("/accounts/login/", {"username": "alice", "password": NEW_PASSWORD})
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_the_link_works_only_once(client, alice, mailoutbox):
    _request_reset(client, alice.email)
    link = _link_in(mailoutbox[0])
    _set_password_through(client, link)
    client.cookies.clear()
    response = client.get(link, follow=True)
    assert response.context["validlink"] is False


def test_a_tampered_link_is_refused(client, alice, mailoutbox):
    _request_reset(client, alice.email)
    link = _link_in(mailoutbox[0])
    response = client.get(link[:-3] + "xx/", follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_the_new_password_must_pass_the_password_rules(client, alice, mailoutbox):
    _request_reset(client, alice.email)
    response = _set_password_through(client, _link_in(mailoutbox[0]), password="12345")
    assert response.status_code == 200
    assert response.context["form"].errors
    alice.refresh_from_db()
    assert alice.check_password("correct-horse-57")


def test_an_unknown_address_sends_nothing_but_looks_the_same(client, mailoutbox):
    # The same answer either way, so the form does not reveal who has an account.
    response = _request_reset(client, "nobody@example.vn")
    assert (response.status_code, response["Location"]) == (302, "/accounts/password-reset/sent/")
    assert mailoutbox == []


def test_a_disabled_account_gets_no_email(client, alice, mailoutbox):
    alice.is_active = False
    alice.save()
    _request_reset(client, alice.email)
    assert mailoutbox == []


def test_setting_a_password_through_the_link_lifts_a_lockout(client, alice, mailoutbox):
    for _ in range(django_settings.LOGIN_FAILURE_LIMIT):
        actions.note_login_failure("alice", "127.0.0.1")
    assert actions.is_locked_out("alice")
    _request_reset(client, alice.email)
    _set_password_through(client, _link_in(mailoutbox[0]))
    assert not actions.is_locked_out("alice")


def test_an_administrator_sends_the_link_from_the_user_page(client, alice, bob, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/accounts/users/{alice.pk}/", {"operation": "reset"})
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[alice.email]]
    _link_in(mailoutbox[0])
