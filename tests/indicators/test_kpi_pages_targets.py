"""Targets and baselines page: only the owner's standing office manages them; a replacement needs a
reason and keeps the old version; milestones are typed one a line."""

import datetime

import pytest

from nq57.indicators.models import Baseline, Target

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _url(kpi):
    return f"/indicators/{kpi.indicator.pk}/targets/"


def _target(**fields):
    data = {"operation": "target", "target-year": "2030", "target-comparator": "gte", "target-value": "85",
            "target-reason": ""}
    data.update({f"target-{k}": v for k, v in fields.items()})
    return data


def test_only_those_who_manage_the_owner_may_open_it(client, kpi, dave, alice, minh, sophie):
    response = client.get(_url(kpi))
    assert response.status_code == 302 and "/login" in response["Location"]
    for user in (dave, alice, minh):  # no role; a province officer; another province's standing office
        client.force_login(user)
        assert client.get(_url(kpi)).status_code == 403
        assert client.post(_url(kpi), _target(reason="x")).status_code == 403
    client.force_login(sophie)  # the Government's standing office: the Ministry of Science is below it
    response = client.get(_url(kpi))
    assert response.status_code == 200
    assert "≥ 80 (2030)" in response.content.decode()


def test_replacing_a_target_needs_a_reason_and_keeps_the_old_one(client, kpi, sophie):
    client.force_login(sophie)
    response = client.post(_url(kpi), _target())
    assert response.status_code == 400
    assert "Say why the target is changed" in response.content.decode()
    response = client.post(_url(kpi), _target(reason="Điều chỉnh theo Nghị quyết mới"))
    assert response.status_code == 302
    versions = list(Target.objects.filter(indicator=kpi.indicator).order_by("version"))
    assert [(v.version, float(v.value), v.is_current) for v in versions] == [(1, 80, False), (2, 85, True)]
    page = client.get(_url(kpi)).content.decode()
    assert "Điều chỉnh theo Nghị quyết mới" in page and "≥ 85 (2030)" in page


def test_a_new_target_with_milestones_and_a_province_of_its_own(client, kpi, sophie, org):
    client.force_login(sophie)
    response = client.post(_url(kpi), _target(year="2028", value="70", organisation="P20",
                                              milestones="2026: 50\n30/06/2027: 60\n2027: thí điểm xong"))
    assert response.status_code == 302
    target = Target.objects.get(indicator=kpi.indicator, year=2028)
    assert target.organisation == org("P20")
    assert [(m.date, m.value and float(m.value), m.text) for m in target.milestones.order_by("date", "pk")] == [
        (datetime.date(2026, 12, 31), 50.0, ""), (datetime.date(2027, 6, 30), 60.0, ""),
        (datetime.date(2027, 12, 31), None, "thí điểm xong")]


@pytest.mark.parametrize("fields, message", [
    ({"milestones": "năm sau: 40"}, "Line 1: write a year or a date"),
    ({"value": "abc"}, "The target value must be a number."),
    ({"value": "12,5,3"}, "The target value must be a number."),
    ({"year": "20300"}, "less than or equal to 2200"),
    ({"comparator": "between", "value": "16", "value_high": ""}, "upper bound"),
    ({"organisation": "Không có cơ quan này"}, "No organisation has this code or name."),
])
def test_bad_target_input_is_explained_on_the_form(client, kpi, sophie, fields, message):
    client.force_login(sophie)
    response = client.post(_url(kpi), _target(**{"year": "2029", **fields}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Target.objects.filter(indicator=kpi.indicator, year=2029).exists()


def test_rebaselining_needs_a_reason(client, kpi, sophie):
    client.force_login(sophie)
    data = {"operation": "baseline", "baseline-value": "42", "baseline-as_of": "31/12/2024",
            "baseline-source": "Tổng cục Thống kê"}
    response = client.post(_url(kpi), data)
    assert response.status_code == 400
    assert "Say why the baseline is changed" in response.content.decode()
    response = client.post(_url(kpi), {**data, "baseline-reason": "Số liệu chính thức"})
    assert response.status_code == 302
    assert list(Baseline.objects.filter(indicator=kpi.indicator).order_by("version")
                .values_list("version", "is_current")) == [(1, False), (2, True)]
    page = client.get(_url(kpi)).content.decode()
    assert "Số liệu chính thức" in page


def test_bad_baseline_input_is_a_message(client, kpi, sophie):
    client.force_login(sophie)
    for data in ({"baseline-value": "", "baseline-as_of": "31/12/2024"},
                 {"baseline-value": "40", "baseline-as_of": "32/13/2024"},
                 {"baseline-value": "1e30", "baseline-as_of": "31/12/2024", "baseline-reason": "x"}):
        response = client.post(_url(kpi), {"operation": "baseline", **data})
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode()


def test_an_unknown_operation_is_refused(client, kpi, sophie):
    client.force_login(sophie)
    assert client.post(_url(kpi), {"operation": "drop"}).status_code == 400


def test_the_indicator_page_links_here_only_for_managers(client, kpi, sophie, alice):
    client.force_login(sophie)
    assert _url(kpi) in client.get(f"/indicators/{kpi.indicator.pk}/").content.decode()
    client.force_login(alice)
    assert _url(kpi) not in client.get(f"/indicators/{kpi.indicator.pk}/").content.decode()
