"""The indicator API for agencies' own systems: token authentication, scope, values saved through the one
service, and clear answers to bad requests (401, 403, 400 — never 500)."""

import json

import pytest
from django.test import Client

from nq57.audit.models import AuditEvent
from nq57.core.roles import Role
from nq57.indicators import actions
from nq57.indicators.models import ApiToken, IndicatorValue

# Every test here needs the organisation map, also those that ask for people by name at run time.
pytestmark = pytest.mark.django_db

VALUES = "/api/v1/indicators/values/"
INDICATORS = "/api/v1/indicators/"


@pytest.fixture
def token(hanh, org):
    """A token Lạng Sơn's head made for the province's statistics system."""
    return actions.create_api_token(actor=hanh, organisation=org("P20"), name="Cục Thống kê tỉnh")[1]


def call(method, path, token=None, body=None, client=None, **extra):
    client = client or Client()
    # An agency's system asks for English messages; the Vietnamese default is tested below.
    extra.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if method == "get":
        return client.get(path, body or {}, **extra)
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(path, data, content_type="application/json", **extra)


def q1(**fields):
    return {"indicator": "1", "organisation": "P20", "period": "2025-Q1", "numerator": 452, "denominator": 1000,
            **fields}


def test_a_token_lists_the_indicators_with_their_targets(kpi, token):
    response = call("get", INDICATORS, token)
    assert response.status_code == 200
    [indicator] = response.json()["results"]
    assert indicator["code"] == "1" and indicator["owner"] == "BKHCN" and indicator["aggregation"] == "ratio"
    assert indicator["targets"] == [{"year": 2030, "series": "", "comparator": "gte", "value": 80.0,
                                     "value_high": None, "text": "≥ 80%", "organisation": None, "milestones": []}]


@pytest.mark.parametrize("header", ["Bearer nq57_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "nq57_abc",
                                    "Bearer " + "nq57_" + "x" * 500])
def test_a_bad_token_is_refused_with_401(kpi, header):
    response = Client().get(INDICATORS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401 and "auth" in response.json()["errors"]
    assert Client().post(VALUES, "{}", content_type="application/json",
                         HTTP_AUTHORIZATION=header).status_code == 401


def test_no_token_and_no_session_is_refused_with_401(kpi):
    assert call("get", VALUES).status_code == 401
    assert call("post", VALUES, body=q1()).status_code == 401


def test_a_revoked_token_stops_working(kpi, token, hanh):
    actions.revoke_api_token(actor=hanh, token=ApiToken.objects.get())
    assert call("get", INDICATORS, token).status_code == 401


def test_an_account_without_a_role_gets_403(kpi, dave):
    client = Client()
    client.force_login(dave)
    assert client.get(INDICATORS).status_code == 403
    assert client.get(VALUES).status_code == 403


def test_a_token_saves_and_submits_a_value_through_the_service(kpi, token, hanh):
    response = call("post", VALUES, token, q1(submit=True, note="Theo số liệu Sở KH&CN"))
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["ok"] and result["status"] == "submitted" and result["errors"] == {}
    value = IndicatorValue.objects.get(pk=result["id"])
    assert value.source == "api" and value.submitted_by == hanh and float(value.value) == 45.2
    assert AuditEvent.objects.filter(verb="value_submitted", object_id=str(value.pk), source="api").exists()
    assert ApiToken.objects.get().last_used_at is not None


def test_a_value_outside_the_tokens_organisation_is_403(kpi, token):
    response = call("post", VALUES, token, q1(organisation="P01"))
    assert response.status_code == 403
    assert not IndicatorValue.objects.exists()


def test_a_token_is_confined_to_its_organisation_even_when_its_maker_reaches_further(kpi, make_user, org):
    regional = make_user("vu", home="DP", role=Role.AGENCY_HEAD, scope="DP")  # heads every province
    raw = actions.create_api_token(actor=regional, organisation=org("P20"), name="Hệ thống Lạng Sơn")[1]
    assert call("post", VALUES, raw, q1(organisation="P01")).status_code == 403
    assert call("post", VALUES, raw, q1()).status_code == 200


@pytest.mark.parametrize(("body", "message"), [
    ("{not json", "not valid JSON"), ("", "Send one value"), ("42", "Send one value"), ("[]", "empty"),
    (b"\xff\xfe", "not valid JSON"),
])
def test_malformed_json_is_a_clear_400(kpi, token, body, message):
    response = call("post", VALUES, token, body)
    assert response.status_code == 400
    assert message in json.dumps(response.json()["errors"], ensure_ascii=False)


def test_more_than_a_thousand_items_is_refused(kpi, token):
    response = call("post", VALUES, token, [q1()] * 1001)
    assert response.status_code == 400 and "1000" in response.json()["errors"]["json"][0]


def test_a_list_with_one_bad_item_saves_the_others(kpi, token):
    items = [q1(), q1(organisation="P20", period="2025-Q2", numerator=1050, denominator=1000),
             q1(period="2025-Q3", numerator=460)]
    response = call("post", VALUES, token, items)
    assert response.status_code == 200
    data = response.json()
    assert [r["ok"] for r in data["results"]] == [True, False, True]
    assert data["saved"] == 2 and data["failed"] == 1
    assert "numerator" in data["results"][1]["errors"]  # 105 %
    assert IndicatorValue.objects.count() == 2


@pytest.mark.parametrize("item", [
    q1(indicator="99.9"), q1(indicator=123456), q1(indicator=[1]), q1(indicator=None), q1(plan={"a": 1}),
    q1(organisation="P99"), q1(organisation=5), q1(period="Q1/2025"), q1(period=2025), q1(period="2025"),
    q1(not_available="yes"), q1(numerator={"x": 1}), q1(note=["a"]), q1(note="a\x00b"), q1(series="x" * 101),
    q1(colour="red"), q1(numerator="1e400"), q1(indicator=True), q1(indicator=2**40),
    q1(organisation="P2\x000"), q1(indicator="1\x00"), q1(plan="03\x00"), q1(period="2025-Q\x001"),
    "just a string",
])
def test_wrong_fields_are_400_with_the_field_named(kpi, token, item):
    response = call("post", VALUES, token, item)
    assert response.status_code == 400, response.content
    assert response.json()["errors"]


def test_items_of_a_list_that_are_not_objects_fail_one_by_one(kpi, token):
    data = call("post", VALUES, token, [1, q1()]).json()
    assert [r["ok"] for r in data["results"]] == [False, True]
    assert "item" in data["results"][0]["errors"]


def test_an_indicator_can_be_named_by_id_or_by_code_with_its_plan(kpi, token, national_plan):
    assert call("post", VALUES, token, q1(indicator=kpi.indicator.pk)).status_code == 200
    actions.update_indicator(actor=None, indicator=kpi.indicator, source_plan=national_plan)
    response = call("post", VALUES, token, q1(period="2025-Q2", plan="03/NQ-CP"))
    assert response.status_code == 200
    assert call("post", VALUES, token, q1(period="2025-Q3", plan="99/NQ-CP")).status_code == 400


def test_flagged_values_come_back_as_warnings_until_confirmed(kpi, report, token):
    report(kpi.indicator, "P20", "2025-Q1", numerator=40, denominator=100)
    response = call("post", VALUES, token, q1(period="2025-Q2", numerator=900, submit=True))
    assert response.status_code == 400
    data = response.json()
    assert "flags" in data["errors"] and data["warnings"][0]["code"] == "jump"
    response = call("post", VALUES, token, q1(period="2025-Q2", numerator=900, submit=True, confirm_flags=True,
                                              flag_note="Chiến dịch cấp chữ ký số miễn phí"))
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert response.json()["warnings"][0]["code"] == "jump"


def test_values_are_listed_within_the_callers_scope(kpi, report, token, kim, charlie, org):
    report(kpi.indicator, "P20", "2025-Q1", numerator=40, denominator=100)
    report(kpi.indicator, "P01", "2025-Q1", numerator=90, denominator=100)
    mine = call("get", VALUES, token, {"indicator": str(kpi.indicator.pk), "period": "2025-Q1"}).json()
    assert [v["organisation"] for v in mine["results"]] == ["P20"]
    assert mine["results"][0]["period"] == "2025-Q1" and mine["results"][0]["value"] == 40.0
    owner = Client()
    owner.force_login(kim)  # the owner agency sees every province's values of its indicator
    assert call("get", VALUES, client=owner, body={"code": "1"}).json()["count"] == 2
    neighbour = Client()
    neighbour.force_login(charlie)
    assert [v["organisation"] for v in call("get", VALUES, client=neighbour).json()["results"]] == ["P01"]


@pytest.mark.parametrize("query", [{"indicator": "abc"}, {"organisation": "nowhere"}, {"period": "2025-Q1"},
                                   {"indicator": "1", "period": "2025-Q9"}, {"page": "x"}, {"page": "0"},
                                   {"indicator": "99999999999999999999"}, {"organisation": "P\x0020"},
                                   {"code": "1\x00"}])
def test_bad_filters_are_400(kpi, token, query):
    assert call("get", VALUES, token, query).status_code == 400


def test_a_signed_in_session_posts_only_with_a_csrf_token(kpi, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert call("post", VALUES, body=q1(), client=client).status_code == 403
    assert not IndicatorValue.objects.exists()
    assert call("get", VALUES, client=client).status_code == 200


def test_a_token_request_needs_no_csrf_token(kpi, token):
    client = Client(enforce_csrf_checks=True)
    assert call("post", VALUES, token, q1(), client=client).status_code == 200


def test_other_methods_are_refused(kpi, token):
    client = Client()
    assert client.delete(VALUES, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405
    assert client.post(INDICATORS, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405


def test_messages_are_in_vietnamese_unless_the_client_asks_otherwise(kpi, token):
    from django.utils import translation
    from django.utils.translation import gettext

    response = call("post", VALUES, token, q1(period="2099-Q1"), HTTP_ACCEPT_LANGUAGE="vi")
    with translation.override("vi"):
        expected = gettext("The period has not ended: values for %(period)s can be entered from %(date)s.")
    assert expected.split("%")[0] in json.dumps(response.json(), ensure_ascii=False)
