"""Creating an indicator and its settings page: the definition, and who is on its reporting calendar.

Only those holding ASSIGN on the owner (a standing office above it qualifies) may create or edit; bad
input answers 400 with the reason and writes nothing."""

import datetime
from decimal import Decimal

import pytest

from nq57.audit.models import AuditEvent
from nq57.indicators.models import Indicator, ReportingObligation
from nq57.orgs.models import COMMUNE_KINDS, Organisation

pytestmark = pytest.mark.django_db

NEW = "/indicators/new/"


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _definition(owner, prefix="", **fields):
    data = {"code": "LS-1", "name": "Tỷ lệ hồ sơ trực tuyến toàn trình", "name_en": "Share of online files",
            "unit": "%", "value_type": "percentage", "direction": "higher", "accumulation": "periodic",
            "frequency": "year", "aggregation": "ratio", "ratio_scale": "100", "level": "commune",
            "owner": str(owner.pk), "source_plan": "", "source_article": "Điều 3", "layer": "strategic",
            "parent": "", "data_source": "Cổng dịch vụ công", "definition": "", "min_value": "0",
            "max_value": "100", "green_tolerance": "5", "amber_tolerance": "15", "due_days": "15",
            "grace_days": "5"}
    data.update(fields)
    return {f"{prefix}{k}": v for k, v in data.items()}


def _settings(indicator):
    return f"/indicators/{indicator.pk}/settings/"


def _calendar(**fields):
    data = {"operation": "calendar", "calendar-who": "communes", "calendar-province": "",
            "calendar-names": "", "calendar-starts_on": "01/01/2026", "calendar-series": ""}
    data.update({f"calendar-{k}": v for k, v in fields.items()})
    return data


@pytest.fixture
def created(client, lan, org):
    client.force_login(lan)
    response = client.post(NEW, _definition(org("P20")))
    assert response.status_code == 302, response.content.decode()[:3000]
    indicator = Indicator.objects.get(code="LS-1", owner=org("P20"))
    assert response["Location"] == f"/indicators/{indicator.pk}/"
    return indicator


def test_a_standing_office_creates_an_indicator_of_its_province_through_the_page(client, lan, org):
    client.force_login(lan)
    page = client.get(NEW).content.decode()
    assert "Lạng Sơn" in page and "Hà Nội" not in page  # owners offered: only within the user's scope
    response = client.post(NEW, _definition(org("P20")))
    assert response.status_code == 302
    indicator = Indicator.objects.get(code="LS-1")
    assert indicator.owner == org("P20") and indicator.level == "commune" and indicator.aggregation == "ratio"
    # Tolerances are typed in points and stored as fractions, as the roll-ups read them.
    assert indicator.green_tolerance == Decimal("0.05") and indicator.amber_tolerance == Decimal("0.15")
    assert indicator.max_value == 100 and indicator.source_article == "Điều 3"
    assert AuditEvent.objects.filter(verb="indicator_created", object_id=str(indicator.pk)).exists()
    detail = client.get(response["Location"]).content.decode()
    assert _settings(indicator) in detail  # the indicator page links to its settings


def test_the_index_offers_new_and_import_links_only_to_those_who_may_assign(client, lan, alice):
    client.force_login(lan)
    page = client.get("/indicators/").content.decode()
    assert 'href="/indicators/new/"' in page and 'href="/indicators/import/"' in page
    client.force_login(alice)  # a focal officer reports but does not manage indicators
    page = client.get("/indicators/").content.decode()
    assert 'href="/indicators/new/"' not in page and 'href="/indicators/import/"' not in page


def test_editing_the_frequency_of_the_definition(client, created):
    page = client.get(_settings(created)).content.decode()
    assert 'value="LS-1"' in page and 'value="5"' in page  # prefilled, the tolerance back in points
    data = _definition(created.owner, prefix="definition-", frequency="quarter")
    response = client.post(_settings(created), {"operation": "definition", **data})
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.frequency == "quarter" and created.green_tolerance == Decimal("0.05")
    assert AuditEvent.objects.filter(verb="indicator_updated", object_id=str(created.pk)).exists()


def test_all_communes_of_lang_son_go_on_the_calendar_from_a_date(client, created, org):
    p20 = org("P20")
    response = client.post(_settings(created), _calendar(province=str(p20.pk)))
    assert response.status_code == 302
    communes = Organisation.objects.active().filter(kind__in=COMMUNE_KINDS, path__startswith=p20.path)
    rows = ReportingObligation.objects.filter(indicator=created)
    assert rows.count() == communes.count() > 50
    assert set(rows.values_list("organisation_id", flat=True)) == set(communes.values_list("pk", flat=True))
    assert set(rows.values_list("starts_on", flat=True)) == {datetime.date(2026, 1, 1)}
    page = client.get(_settings(created)).content.decode()
    assert f"{communes.count()} organisations on the calendar" in page and "01/01/2026" in page
    # Adding them again is harmless.
    assert client.post(_settings(created), _calendar(province=str(p20.pk))).status_code == 302
    assert rows.count() == communes.count()


def test_a_named_line_that_matches_nothing_is_reported_and_the_others_are_added(client, created, org):
    names = "Lạng Sơn\nKhông có cơ quan nào tên này\nHà Nội\n"
    response = client.post(_settings(created), _calendar(who="named", names=names))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Không có cơ quan nào tên này" in page and "no organisation has this name or code" in page
    assert "2 organisations were added" in page
    assert set(ReportingObligation.objects.filter(indicator=created).values_list("organisation__code", flat=True)) \
        == {"P20", "P01"}
    # Only the line not understood stays in the box, to be corrected.
    box = page.split('name="calendar-names"')[1].split("</textarea>")[0]
    assert "Không có cơ quan nào tên này" in box and "Hà Nội" not in box


def test_nothing_named_that_matches_answers_400_and_writes_nothing(client, created):
    response = client.post(_settings(created), _calendar(who="named", names="Không có cơ quan nào tên này"))
    assert response.status_code == 400
    assert not ReportingObligation.objects.filter(indicator=created).exists()


@pytest.mark.parametrize("url", ["new", "settings"])
def test_four_way_permissions(client, url, lan, minh, dave, org):
    from nq57.indicators import actions

    indicator = actions.create_indicator(actor=None, owner=org("P20"), code="LS-9", name="Chỉ tiêu thử")
    path = NEW if url == "new" else _settings(indicator)
    before = (Indicator.objects.count(), ReportingObligation.objects.count())
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert client.post(path, {"operation": "calendar"}).status_code == 302
    client.force_login(dave)  # no role
    assert client.get(path).status_code == 403
    assert client.post(path, _definition(org("P20"))).status_code == 403
    client.force_login(minh)  # Hà Nội's standing office: may create for Hà Nội, not touch Lạng Sơn's
    if url == "new":
        assert client.get(path).status_code == 200
        response = client.post(path, _definition(org("P20")))
        assert response.status_code == 400  # Lạng Sơn is not an owner minh may choose
    else:
        assert client.get(path).status_code == 403
        assert client.post(path, _calendar(province=str(org("P20").pk))).status_code == 403
    assert (Indicator.objects.count(), ReportingObligation.objects.count()) == before
    client.force_login(lan)
    assert client.get(path).status_code == 200
    assert client.get("/indicators/999999/settings/").status_code == 404


@pytest.mark.parametrize("change, message", [
    ({"code": ""}, "This field is required."),
    ({"value_type": "magic"}, "Select a valid choice. magic is not one of the available choices."),
    ({"max_value": "abc"}, "Enter a number, e.g. 12,5."),
])
def test_bad_definitions_answer_400_and_write_nothing(client, lan, org, change, message):
    client.force_login(lan)
    response = client.post(NEW, _definition(org("P20"), **change))
    assert response.status_code == 400 and message in response.content.decode()
    assert not Indicator.objects.filter(owner=org("P20")).exists()


def test_bad_settings_input_answers_400_and_writes_nothing(client, created, org):
    before = Indicator.objects.values().get(pk=created.pk)
    url = _settings(created)
    response = client.post(url, {"operation": "definition", **_definition(created.owner, "definition-", code="")})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(url, {"operation": "definition",
                                 **_definition(created.owner, "definition-", value_type="magic")})
    assert response.status_code == 400 and "magic is not one of the available choices" in response.content.decode()
    response = client.post(url, _calendar(province=str(org("P20").pk), starts_on="31/02/2026"))
    assert response.status_code == 400 and "Enter a valid date." in response.content.decode()
    response = client.post(url, _calendar(province=""))
    assert response.status_code == 400 and "Choose the province whose communes report." in response.content.decode()
    for data in ({}, {"operation": "delete"}):
        response = client.post(url, data)
        assert response.status_code == 400 and "Unknown operation." in response.content.decode()
    assert Indicator.objects.values().get(pk=created.pk) == before
    assert not ReportingObligation.objects.filter(indicator=created).exists()
