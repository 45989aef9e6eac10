"""The API tokens page: an agency head makes a token for the agency's system (shown once), sees the tokens of
the organisations they manage, and revokes them; others are turned away."""

import hashlib
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from nq57.audit.models import AuditEvent
from nq57.indicators import actions
from nq57.indicators.models import ApiToken

# Every test here needs the organisation map, also those that ask for people by name at run time.
pytestmark = pytest.mark.django_db

URL = reverse("indicators:tokens")


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["dave", "alice"])
def test_people_who_manage_no_organisation_get_403(client, request, who):
    client.force_login(request.getfixturevalue(who))  # alice reports but neither approves nor administers
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "x"}).status_code == 403


def test_the_head_makes_a_token_and_sees_it_once(client, hanh, org):
    client.force_login(hanh)
    page = client.get(URL)
    assert page.status_code == 200 and "Tỉnh Lạng Sơn" in page.content.decode()
    response = client.post(URL, {"name": "Cục Thống kê tỉnh", "organisation": org("P20").pk})
    assert response.status_code == 200
    raw = re.search(r'value="(nq57_[A-Za-z0-9_-]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest() and token.user == hanh
    assert raw not in client.get(URL).content.decode()  # never shown again
    assert AuditEvent.objects.filter(verb="api_token_created").exists()
    assert raw not in str(AuditEvent.objects.get(verb="api_token_created").after)


def test_a_token_cannot_be_made_for_an_organisation_one_does_not_manage(client, hanh, org):
    client.force_login(hanh)
    response = client.post(URL, {"name": "Hệ thống Hà Nội", "organisation": org("P01").pk})
    assert response.status_code == 400 and not ApiToken.objects.exists()
    with pytest.raises(PermissionDenied):
        actions.create_api_token(actor=hanh, organisation=org("P01"), name="Hệ thống Hà Nội")
    with pytest.raises(PermissionDenied):
        actions.create_api_token(actor=None, organisation=org("P20"), name="Hệ thống")


def test_an_administrator_sees_and_revokes_the_heads_token(client, hanh, bob, org):
    token, _raw = actions.create_api_token(actor=hanh, organisation=org("P20"), name="Cục Thống kê tỉnh")
    client.force_login(bob)  # administers Lạng Sơn: MANAGE_USERS
    assert "Cục Thống kê tỉnh" in client.get(URL).content.decode()
    response = client.post(URL, {"operation": "revoke", "token": token.pk})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(verb="api_token_revoked", object_id=str(token.pk)).exists()


def test_someone_out_of_scope_neither_sees_nor_revokes_a_token(client, hanh, erin, org):
    token, _raw = actions.create_api_token(actor=hanh, organisation=org("P20"), name="Cục Thống kê tỉnh")
    client.force_login(erin)  # administers Hà Nội
    assert "Cục Thống kê tỉnh" not in client.get(URL).content.decode()
    assert client.post(URL, {"operation": "revoke", "token": token.pk}).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    with pytest.raises(PermissionDenied):
        actions.revoke_api_token(actor=erin, token=token)


def test_a_token_needs_a_name(client, hanh, org):
    client.force_login(hanh)
    assert client.post(URL, {"name": "  ", "organisation": org("P20").pk}).status_code == 400
    assert not ApiToken.objects.exists()
