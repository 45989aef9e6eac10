"""Who may open which scope of the dashboard: the user's VIEW subtree and nothing above it (no national
exception), anonymous users to the login page, signed-in users without a role refused."""

import pytest

pytestmark = pytest.mark.django_db

URLS = ["/dashboards/", "/dashboards/list/?figure=assignments"]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("url", URLS)
def test_a_user_without_a_role_is_refused(client, dave, url):
    client.force_login(dave)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("person", ["alice", "lan"])
def test_lang_son_sees_lang_son_by_default_and_nothing_else(client, dash_data, request, person):
    user = request.getfixturevalue(person)
    client.force_login(user)
    response = client.get("/dashboards/")
    assert response.status_code == 200
    assert response.context["scope"].code == "P20"
    assert client.get("/dashboards/", {"scope": dash_data.orgs["P20-SKHCN"].pk}).status_code == 200
    assert client.get("/dashboards/", {"scope": dash_data.orgs["P01"].pk}).status_code == 403
    assert client.get("/dashboards/", {"scope": dash_data.orgs["BCDTW"].pk}).status_code == 403
    for figure in ("assignments", "feedback", "indicators"):
        assert client.get("/dashboards/list/", {"scope": dash_data.orgs["P01"].pk,
                                                "figure": figure}).status_code == 403


def test_hanoi_does_not_see_lang_son(client, dash_data, minh, charlie):
    for user in (minh, charlie):
        client.force_login(user)
        assert client.get("/dashboards/").context["scope"].code == "P01"
        assert client.get("/dashboards/", {"scope": dash_data.orgs["P20"].pk}).status_code == 403


def test_a_national_user_gets_the_nation(client, dash_data, root):
    client.force_login(root)
    response = client.get("/dashboards/")
    assert response.status_code == 200 and response.context["scope"].code == "BCDTW"
    assert client.get("/dashboards/", {"scope": dash_data.orgs["P20"].pk}).status_code == 200
    assert client.get("/dashboards/", {"scope": dash_data.orgs["BKHCN"].pk}).status_code == 200


def test_the_map_links_only_to_provinces_the_user_may_open(client, dash_data, make_user):
    from nq57.core.roles import Role

    # An inspector of the local-government branch (DP) sees every province, not the nation.
    inspector = make_user("thanh", home="P01", role=Role.INSPECTOR, scope="DP")
    client.force_login(inspector)
    response = client.get("/dashboards/")
    assert response.status_code == 200 and response.context["scope"].code == "DP"
    rows = response.context["map"]["rows"]
    assert len(rows) == 34 and all(r["url"] for r in rows)


@pytest.mark.parametrize("params", [{"scope": "abc"}, {"scope": "-1"}, {"scope": "99999999999999"},
                                    {"measure": "wealth"}, {"sort": "random"}])
def test_bad_parameters_get_a_400(client, root, params):
    client.force_login(root)
    response = client.get("/dashboards/", params)
    assert response.status_code == 400
    assert b'class="errors"' in response.content


def test_an_unknown_scope_is_not_found(client, root):
    client.force_login(root)
    assert client.get("/dashboards/", {"scope": 2**31 - 2}).status_code == 404
