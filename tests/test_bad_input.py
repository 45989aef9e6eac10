"""Malformed input never produces a server error: a clear 400 or 404 instead."""

import pytest

from nq57.accounts.models import RoleGrant

pytestmark = pytest.mark.django_db

HUGE = "lạng sơn " * 2000


@pytest.fixture
def bob_client(client, bob, settings):
    settings.REQUIRE_ADMIN_2FA = False
    client.force_login(bob)
    return client


@pytest.mark.parametrize("url, expected", [
    ("/organisations/abc/", 404),
    ("/organisations/-1/", 404),
    ("/organisations/99999999/", 404),
    ("/organisations/99999999999999999999999/", 404),  # beyond a 64-bit integer
    ("/organisations/99999999/children/", 404),
    ("/organisations/99999999/history/", 404),
    ("/organisations/1.5/", 404),
    ("/accounts/users/abc/", 404),
    ("/accounts/users/99999999/", 404),
    ("/accounts/users/99999999999999999999999/", 404),
    ("/accounts/users/99999999/history/", 404),
    ("/accounts/organisations/99999999/", 404),
    ("/accounts/organisations/xyz/", 404),
    ("/no/such/page/", 404),
])
def test_ids_that_are_not_there_give_404(bob_client, url, expected):
    assert bob_client.get(url).status_code == expected


@pytest.mark.parametrize("url", [
    "/organisations/?q=" + HUGE,
    "/organisations/?q=%25%25%25",
    "/organisations/?q=_",
    "/organisations/?q=%00",
    "/organisations/?q=%E2%80%8B",  # a zero-width space only
    "/organisations/?q=%ff%fe",  # not UTF-8
    "/organisations/?q=&former=maybe",
    "/organisations/?q=a&q=b",
    "/accounts/users/?q=" + HUGE,
    "/accounts/users/?q=%00",
    "/accounts/users/?page=abc",
    "/accounts/users/?page=999999",
    "/accounts/users/?page=-1",
])
def test_odd_query_strings_on_pages_still_answer(bob_client, url):
    assert bob_client.get(url).status_code == 200


@pytest.mark.parametrize("page", ["abc", "999999", "0", "-3", "1e9", "", "99999999999999999999999"])
def test_any_page_number_on_an_organisation_page_shows_a_page(client, org, page):
    response = client.get(f"/organisations/{org('P20').pk}/", {"page": page})
    assert response.status_code == 200
    assert response.context["children_page"].number >= 1


@pytest.mark.parametrize("page", ["abc", "999999"])
def test_any_page_number_on_a_history_page_shows_a_page(bob_client, org, alice, page):
    assert bob_client.get(f"/organisations/{org('P20').pk}/history/", {"page": page}).status_code == 200
    assert bob_client.get(f"/accounts/users/{alice.pk}/history/", {"page": page}).status_code == 200


@pytest.mark.parametrize("params, status, field", [
    ({"page": "abc"}, 400, "page"),
    ({"page": "1e9"}, 400, "page"),
    ({"page": "999999"}, 404, "page"),
    ({"page": "99999999999999999999999"}, 404, "page"),
    ({"parent": "abc"}, 400, "parent"),
    ({"parent": "-1"}, 400, "parent"),
    ({"parent": "²"}, 400, "parent"),  # a digit to str.isdigit(), not to int()
])
def test_the_organisations_api_explains_bad_parameters(client, params, status, field):
    response = client.get("/api/v1/organisations/", params)
    assert response.status_code == status
    assert field in response.json()["errors"]


@pytest.mark.parametrize("params", [
    {"q": HUGE}, {"q": "%"}, {"q": "\x00"}, {"kind": "nonsense"}, {"kind": ",,,"}, {"former": "perhaps"},
    {"parent": "99999999999999999999999"}, {"page": "-2"},
])
def test_the_organisations_api_answers_odd_but_harmless_parameters(client, params):
    response = client.get("/api/v1/organisations/", params)
    assert response.status_code == 200
    assert "results" in response.json()


def test_the_organisations_api_gives_json_404_for_a_missing_id(client):
    response = client.get("/api/v1/organisations/99999999/")
    assert response.status_code == 404
    assert "id" in response.json()["errors"]
    assert client.get("/api/v1/organisations/99999999999999999999999/").status_code == 404


@pytest.mark.parametrize("params, status", [
    ({}, 400), ({"name": ""}, 400), ({"name": "   "}, 400), ({"name": "x" * 1001}, 400),
    ({"name": "\x00"}, 200), ({"name": "!!!"}, 200), ({"name": "Bộ, , ,", "list": "1"}, 200),
    ({"name": "x" * 1000, "list": "1"}, 200),
])
def test_the_resolve_api_handles_bad_names(client, dave, params, status):
    client.force_login(dave)
    response = client.get("/api/v1/resolve/", params)
    assert response.status_code == status
    assert ("errors" in response.json()) is (status == 400)


@pytest.mark.parametrize("data", [
    {},
    {"form": "user"},
    {"form": "user", "username": "a b c", "full_name": "X", "email": "x@example.vn"},
    {"form": "user", "username": "x" * 500, "full_name": "X", "email": "not-an-email"},
    {"form": "user", "username": "ok", "full_name": "X" * 5000, "email": "x@example.vn"},
    {"form": "user", "username": "nul\x00", "full_name": "X", "email": "x@example.vn"},
    {"form": "grant"},
    {"form": "grant", "username": "alice", "role": "emperor"},
    {"form": "grant", "username": "nobody-here", "role": "inspector"},
    {"form": "grant", "username": "x" * 500, "role": "inspector"},
    {"form": "something-else"},
])
def test_bad_posts_to_the_org_admin_page_give_400(bob_client, alice, org, data):
    response = bob_client.post(f"/accounts/organisations/{org('P20').pk}/", data)
    assert response.status_code == 400


@pytest.mark.parametrize("data", [
    {"operation": "explode"},
    {"operation": ""},
    {"operation": "revoke"},
    {"operation": "revoke", "grant": "abc"},
    {"operation": "revoke", "grant": "99999999"},
    {"operation": "revoke", "grant": "99999999999999999999999"},
    {"operation": "revoke", "grant": "-1"},
    {"operation": "revoke", "grant": "²"},
    {"operation": "profile"},
    {"operation": "profile", "full_name": "X", "email": "not-an-email"},
    {"operation": "profile", "full_name": "X", "phone": "9" * 100},
])
def test_bad_posts_to_the_user_page_give_400(bob_client, alice, data):
    response = bob_client.post(f"/accounts/users/{alice.pk}/", data)
    assert response.status_code == 400
    assert RoleGrant.objects.filter(user=alice).exists()


def test_a_missing_operation_means_the_profile_form(bob_client, alice):
    assert bob_client.post(f"/accounts/users/{alice.pk}/", {}).status_code == 400


@pytest.mark.parametrize("token", ["", "abc", "12", "123456789", "12 34 5x", "\x00\x00\x00\x00\x00\x00"])
def test_bad_codes_on_the_two_factor_pages_give_400(client, alice, token):
    client.force_login(alice)
    assert client.post("/accounts/2fa/setup/", {"token": token}).status_code == 400
    assert client.post("/accounts/2fa/verify/", {"token": token}).status_code == 400


@pytest.mark.parametrize("data", [
    {}, {"full_name": ""}, {"full_name": "X", "language": "klingon"}, {"full_name": "X" * 500, "language": "vi"},
])
def test_bad_posts_to_the_profile_give_400(client, alice, data):
    client.force_login(alice)
    assert client.post("/accounts/profile/", data).status_code == 400


@pytest.mark.parametrize("data", [
    {}, {"username": "alice"}, {"username": "\x00", "password": "x"}, {"username": "x" * 10000, "password": "x"},
    {"username": "alice", "password": "x" * 10000},
])
def test_bad_logins_are_refused_quietly(client, alice, data):
    response = client.post("/accounts/login/", data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("data", [{}, {"email": "not-an-email"}, {"email": "x" * 1000 + "@example.vn"},
                                  {"email": "a\x00@example.vn"}])
def test_bad_password_reset_requests_are_refused_quietly(client, data):
    assert client.post("/accounts/password-reset/", data).status_code == 200


@pytest.mark.parametrize("path", ["/accounts/reset/%00/%00/", "/accounts/reset/zzz/zzz/",
                                  "/accounts/reset/" + "A" * 500 + "/x-y/"])
def test_broken_reset_links_say_so(client, path):
    response = client.get(path, follow=True)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert response.context["validlink"] is False


def test_the_language_switch_ignores_an_unknown_language(client):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_get_to_a_post_only_view_is_refused_not_crashed(client, alice):
    client.force_login(alice)
    assert client.get("/accounts/2fa/disable/").status_code == 405
