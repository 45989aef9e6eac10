"""TOTP two-step verification: enrolling an authenticator, the second step at login, and the admin rule."""

import pytest
from django.conf import settings as django_settings
from django_otp.oath import hotp, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from nq57.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

SETUP_URL = "/accounts/2fa/setup/"
VERIFY_URL = "/accounts/2fa/verify/"


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    # django-otp makes a device wait after a wrong code; these tests send wrong and right codes back to back.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _token(device):
    """The code an authenticator app shows now."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def _password_login(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": "correct-horse-57"})
    assert response.status_code == 302
    return response


@pytest.fixture
def alice_device(alice):
    return TOTPDevice.objects.create(user=alice, name="authenticator", confirmed=True)


def test_the_setup_page_shows_a_qr_code_and_the_key(client, alice):
    client.force_login(alice)
    response = client.get(SETUP_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body
    device = TOTPDevice.objects.get(user=alice)
    assert not device.confirmed
    assert response.context["secret"].replace(" ", "") in device.config_url


def test_reloading_the_setup_page_keeps_the_same_pending_device(client, alice):
    client.force_login(alice)
    first = client.get(SETUP_URL).context["secret"]
    second = client.get(SETUP_URL).context["secret"]
    assert first == second
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_confirming_with_a_valid_code_turns_it_on(client, alice):
    client.force_login(alice)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=alice)
    response = client.post(SETUP_URL, {"token": _token(device)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(verb="two_factor_enabled", actor=alice, after={"two_factor": True}).exists()
    # The session that enrolled is verified: no second step right away.
    assert client.get("/").status_code == 200


def test_a_wrong_code_does_not_turn_it_on(client, alice):
    client.force_login(alice)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=alice)
    wrong = f"{(int(_token(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP_URL, {"token": wrong})
    assert response.status_code == 400
    assert response.context["form"].errors["token"]
    device.refresh_from_db()
    assert not device.confirmed


def test_after_enrolling_a_fresh_login_must_give_a_code_before_anything_else(client, alice):
    client.force_login(alice)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=alice)
    client.post(SETUP_URL, {"token": _token(device)})
    client.logout()

    _password_login(client, alice)
    for path in ("/", "/organisations/", "/accounts/profile/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY_URL + "?next="), path
    assert client.get(VERIFY_URL).status_code == 200
    # The code used to enrol cannot be replayed; the one for the next time step works.
    device.refresh_from_db()
    used, following = (f"{hotp(device.bin_key, t, device.digits):06d}" for t in (device.last_t, device.last_t + 1))
    assert client.post(VERIFY_URL, {"token": used, "next": "/organisations/"}).status_code == 400
    response = client.post(VERIFY_URL, {"token": following, "next": "/organisations/"})
    assert response.status_code == 302
    assert response["Location"] == "/organisations/"
    assert client.get("/accounts/profile/").status_code == 200


def test_the_second_step_refuses_a_wrong_code(client, alice, alice_device):
    _password_login(client, alice)
    wrong = f"{(int(_token(alice_device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY_URL, {"token": wrong})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_the_second_step_does_not_follow_an_external_next_link(client, alice, alice_device):
    _password_login(client, alice)
    response = client.post(VERIFY_URL, {"token": _token(alice_device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_wrong_codes_count_towards_the_lockout(client, alice, alice_device):
    _password_login(client, alice)
    wrong = f"{(int(_token(alice_device)) + 1) % 1_000_000:06d}"
    for _ in range(django_settings.LOGIN_FAILURE_LIMIT):
        client.post(VERIFY_URL, {"token": wrong})
    response = client.post(VERIFY_URL, {"token": _token(alice_device)})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_a_person_without_an_authenticator_is_not_asked_for_a_code(client, alice):
    _password_login(client, alice)
    assert client.get("/").status_code == 200


def test_when_required_an_administrator_without_an_authenticator_is_sent_to_set_one_up(client, bob, settings):
    settings.REQUIRE_ADMIN_2FA = True
    _password_login(client, bob)
    response = client.get("/organisations/")
    assert response.status_code == 302
    assert response["Location"] == SETUP_URL + "?next=%2Forganisations%2F"
    assert client.get(SETUP_URL).status_code == 200
    # Health checks and logging out stay reachable.
    assert client.get("/healthz").status_code == 200


def test_when_required_an_administrator_who_enrols_may_continue(client, bob, settings):
    settings.REQUIRE_ADMIN_2FA = True
    _password_login(client, bob)
    client.get(SETUP_URL)
    client.post(SETUP_URL, {"token": _token(TOTPDevice.objects.get(user=bob))})
    assert client.get("/organisations/").status_code == 200


def test_when_not_required_an_administrator_may_go_without(client, bob, settings):
    settings.REQUIRE_ADMIN_2FA = False
    _password_login(client, bob)
    assert client.get("/organisations/").status_code == 200


def test_the_requirement_is_for_administrators_only(client, alice, settings):
    settings.REQUIRE_ADMIN_2FA = True
    _password_login(client, alice)
    assert client.get("/organisations/").status_code == 200


def test_when_required_an_administrator_cannot_turn_it_off(client, bob, settings):
    settings.REQUIRE_ADMIN_2FA = True
    device = TOTPDevice.objects.create(user=bob, name="authenticator", confirmed=True)
    _password_login(client, bob)
    client.post(VERIFY_URL, {"token": _token(device)})
    client.post("/accounts/2fa/disable/")
    assert TOTPDevice.objects.filter(user=bob, confirmed=True).exists()


def test_anyone_else_may_turn_it_off(client, alice, alice_device):
    _password_login(client, alice)
    client.post(VERIFY_URL, {"token": _token(alice_device)})
    response = client.post("/accounts/2fa/disable/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert AuditEvent.objects.filter(verb="two_factor_disabled", actor=alice).exists()
