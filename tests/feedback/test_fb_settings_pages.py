"""Settings pages of feedback handling. The taxonomy and the deadline rules belong to the national standing
office (tam: ASSIGN on the root BCDTW); the working-day calendar to it and to the administrators of the map
(root: CHANGE_ORG on BCDTW); answer templates to each agency (alice for P20-SKHCN, not charlie of Hà Nội).
lan holds ASSIGN on Lạng Sơn only: out of scope for the national settings."""

import datetime

import pytest
from django.utils import timezone

from nq57.core.models import Holiday
from nq57.core.roles import Role
from nq57.feedback import actions
from nq57.feedback.models import AnswerTemplate, DeadlineRule, Field

pytestmark = pytest.mark.django_db

FIELDS, RULES, HOLIDAYS, TEMPLATES = "/feedback/fields/", "/feedback/rules/", "/feedback/holidays/", \
    "/feedback/templates/"


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    settings.REQUIRE_ADMIN_2FA = False


@pytest.fixture
def tam(make_user):
    """The national standing office: ASSIGN on the root of the map."""
    return make_user("tam", home="VPTWD", role=Role.STANDING_OFFICE, scope="BCDTW", full_name="Tâm Văn phòng")


def _get(client, user, url, params=None, status=200):
    client.force_login(user)
    response = client.get(url, params or {})
    assert response.status_code == status, response.content.decode()[:2000]
    return response


# --- four ways ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [FIELDS, RULES, HOLIDAYS, TEMPLATES])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = client.post(url, {})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [FIELDS, RULES, HOLIDAYS, TEMPLATES])
def test_an_account_without_a_role_is_refused(client, dave, url):
    client.force_login(dave)
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403


@pytest.mark.parametrize("url", [FIELDS, RULES, HOLIDAYS])
def test_the_national_standing_office_opens_the_national_settings(client, tam, url):
    _get(client, tam, url)


@pytest.mark.parametrize("url", [FIELDS, RULES, HOLIDAYS])
def test_a_province_s_standing_office_is_out_of_scope(client, lan, url):
    client.force_login(lan)
    assert client.get(url).status_code == 403
    assert client.post(url, {"operation": "save"}).status_code == 403


def test_an_administrator_of_the_map_keeps_the_calendar_but_not_the_taxonomy(client, root):
    _get(client, root, HOLIDAYS)
    client.force_login(root)
    assert client.get(FIELDS).status_code == 403 and client.get(RULES).status_code == 403


def test_the_settings_links_follow_the_viewer_s_rights(client, tam, lan, root):
    national = _get(client, tam, "/feedback/triage/").content.decode()
    assert 'href="/feedback/fields/"' in national and 'href="/feedback/holidays/"' in national
    province = _get(client, lan, "/feedback/triage/").content.decode()
    assert 'href="/feedback/fields/"' not in province and 'href="/feedback/holidays/"' not in province
    assert 'href="/feedback/templates/"' in province
    calendar = _get(client, root, HOLIDAYS).content.decode()
    assert 'href="/feedback/holidays/"' in calendar and 'href="/feedback/rules/"' not in calendar


# --- fields ---------------------------------------------------------------------------------------------


def test_the_taxonomy_is_listed_by_group(client, tam):
    body = _get(client, tam, FIELDS).content.decode()
    assert "Thể chế, thủ tục hành chính" in body and "Strategic technologies" in body


def test_a_field_is_added_edited_and_taken_off_the_form(client, tam):
    client.force_login(tam)
    response = client.post(FIELDS, {"operation": "save", "code": "kinh-te-so", "name": "Kinh tế số",
                                    "name_en": "Digital economy", "group": "technology", "active": "on",
                                    "sort_order": "50"})
    assert response.status_code == 302
    field = Field.objects.get(code="kinh-te-so")
    assert field.active and field.group == "technology"
    page = client.get(FIELDS, {"edit": field.pk})
    assert page.context["form"].initial["name"] == "Kinh tế số"
    response = client.post(FIELDS, {"operation": "save", "field": field.pk, "code": "kinh-te-so",
                                    "name": "Kinh tế số và thương mại điện tử", "group": "technology",
                                    "active": "on", "sort_order": "50"})
    assert response.status_code == 302
    field.refresh_from_db()
    assert field.name == "Kinh tế số và thương mại điện tử"
    assert client.post(FIELDS, {"operation": "deactivate", "field": field.pk}).status_code == 302
    field.refresh_from_db()
    assert not field.active
    assert client.post(FIELDS, {"operation": "activate", "field": field.pk}).status_code == 302
    field.refresh_from_db()
    assert field.active


def test_a_taken_code_is_refused_on_its_field(client, tam):
    client.force_login(tam)
    response = client.post(FIELDS, {"operation": "save", "code": "the-che-thu-tuc", "name": "Trùng mã",
                                    "group": "other", "sort_order": "0"})
    assert response.status_code == 400 and response.context["form"].errors["code"]


@pytest.mark.parametrize("data", [
    {"operation": "save", "code": "Không hợp lệ!", "name": "x", "group": "other", "sort_order": "0"},
    {"operation": "save", "code": "ok", "name": "", "group": "other", "sort_order": "0"},
    {"operation": "save", "code": "ok", "name": "x", "group": "nonsense", "sort_order": "0"},
    {"operation": "save", "code": "ok", "name": "x", "group": "other", "sort_order": "abc"},
    {"operation": "deactivate", "field": "99999999999999999999999"},
    {"operation": "deactivate", "field": "abc"},
    {"operation": "explode"},
])
def test_malformed_field_posts_are_refused(client, tam, data):
    client.force_login(tam)
    assert client.post(FIELDS, data).status_code == 400


@pytest.mark.parametrize("edit", ["abc", "99999999999999999999999", "-1", ""])
def test_an_odd_edit_parameter_still_shows_the_page(client, tam, edit):
    _get(client, tam, FIELDS, {"edit": edit})
    _get(client, tam, HOLIDAYS, {"edit": edit})


# --- deadline rules -------------------------------------------------------------------------------------


def test_the_rules_grid_shows_each_stage_per_type(client, tam):
    response = _get(client, tam, RULES)
    answer_row = next(r for r in response.context["rows"] if r["stage"] == "answer")
    by_kind = {c["kind"]: c["rule"] for c in answer_row["cells"]}
    assert by_kind[""].working_days == 15 and by_kind["initiative"].working_days == 20
    assert by_kind["comment"] is None  # the default applies


def test_a_rule_is_set_for_one_type(client, tam):
    client.force_login(tam)
    response = client.post(RULES, {"kind": "comment", "stage": "answer", "working_days": "10",
                                   "remind_before": "2", "escalate_after": "3"})
    assert response.status_code == 302
    assert DeadlineRule.objects.get(kind="comment", stage="answer").working_days == 10
    page = client.get(RULES, {"kind": "comment", "stage": "answer"})
    assert page.context["form"].initial["working_days"] == 10


@pytest.mark.parametrize("data", [
    {"kind": "", "stage": "answer", "working_days": "3", "remind_before": "5", "escalate_after": "1"},
    {"kind": "", "stage": "nowhere", "working_days": "3", "remind_before": "1", "escalate_after": "1"},
    {"kind": "gossip", "stage": "answer", "working_days": "3", "remind_before": "1", "escalate_after": "1"},
    {"kind": "", "stage": "answer", "working_days": "0", "remind_before": "0", "escalate_after": "1"},
    {"kind": "", "stage": "answer", "working_days": "abc"},
    {},
])
def test_impossible_rules_are_refused(client, tam, data):
    client.force_login(tam)
    assert client.post(RULES, data).status_code == 400
    assert DeadlineRule.objects.get(kind="", stage="answer").working_days == 15


# --- answer templates -----------------------------------------------------------------------------------


def test_alice_writes_edits_and_deletes_her_agency_s_template(client, alice, charlie):
    client.force_login(alice)
    assert client.get(TEMPLATES).context["form"].initial["organisation"] == "P20-SKHCN"
    response = client.post(TEMPLATES, {"organisation": "P20-SKHCN", "title": "Tiếp thu kiến nghị",
                                       "body": "Sở xin tiếp thu kiến nghị của Quý vị."})
    assert response.status_code == 302
    template = AnswerTemplate.objects.get(title="Tiếp thu kiến nghị")
    assert "Tiếp thu kiến nghị" in client.get(TEMPLATES).content.decode()
    edit = f"/feedback/templates/{template.pk}/"
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"operation": "save", "organisation": "P20-SKHCN", "title": "Tiếp thu",
                                  "body": "Nội dung mới"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.title, template.body) == ("Tiếp thu", "Nội dung mới")
    client.force_login(charlie)
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"operation": "delete"}).status_code == 403
    assert "Tiếp thu" not in client.get(TEMPLATES).content.decode()
    client.force_login(alice)
    assert client.post(edit, {"operation": "delete"}).status_code == 302
    assert not AnswerTemplate.objects.filter(pk=template.pk).exists()


def test_a_template_for_another_province_is_refused(client, alice):
    client.force_login(alice)
    response = client.post(TEMPLATES, {"organisation": "P01", "title": "Mẫu", "body": "Nội dung"})
    assert response.status_code == 400 and response.context["form"].errors["organisation"]
    assert not AnswerTemplate.objects.exists()


def test_the_province_standing_office_manages_its_province_s_templates(client, lan, org):
    template = actions.save_answer_template(actor=lan, organisation=org("P20"), title="Mẫu tỉnh", body="Nội dung")
    assert "Mẫu tỉnh" in _get(client, lan, TEMPLATES).content.decode()
    _get(client, lan, f"/feedback/templates/{template.pk}/")


@pytest.mark.parametrize("data", [
    {"organisation": "", "title": "x", "body": "y"},
    {"organisation": "Không có", "title": "x", "body": "y"},
    {"organisation": "P20-SKHCN", "title": "", "body": "y"},
    {"organisation": "P20-SKHCN", "title": "x", "body": ""},
    {"organisation": "P20-SKHCN", "title": "x", "body": "y", "field": "abc"},
])
def test_malformed_templates_are_refused(client, alice, data):
    client.force_login(alice)
    assert client.post(TEMPLATES, data).status_code == 400


@pytest.mark.parametrize("pk", ["99999999", "99999999999999999999999"])
def test_a_missing_template_is_not_found(client, alice, pk):
    client.force_login(alice)
    assert client.get(f"/feedback/templates/{pk}/").status_code == 404


# --- the working-day calendar ---------------------------------------------------------------------------


def test_a_year_is_listed_with_weekdays(client, tam):
    Holiday.objects.update_or_create(date=datetime.date(2026, 9, 2), defaults={"name": "Quốc khánh"})
    response = _get(client, tam, HOLIDAYS, {"year": "2026"})
    body = response.content.decode()
    assert "Quốc khánh" in body and "Wednesday" in body  # 2 September 2026 is a Wednesday
    assert all(d.date.year == 2026 for d in response.context["days"])


def test_a_day_is_added_moved_and_removed(client, tam):
    client.force_login(tam)
    response = client.post(HOLIDAYS, {"operation": "save", "date": "15/06/2026", "kind": "day_off",
                                      "name": "Nghỉ bù thử nghiệm", "note": ""})
    assert response.status_code == 302 and "year=2026" in response["Location"]
    day = Holiday.objects.get(name="Nghỉ bù thử nghiệm")
    response = client.post(HOLIDAYS, {"operation": "save", "holiday": day.pk, "date": "16/06/2026",
                                      "kind": "day_off", "name": "Nghỉ bù thử nghiệm", "note": ""})
    assert response.status_code == 302
    assert Holiday.objects.filter(name="Nghỉ bù thử nghiệm").get().date == datetime.date(2026, 6, 16)
    moved = Holiday.objects.get(name="Nghỉ bù thử nghiệm")
    assert client.post(HOLIDAYS, {"operation": "delete", "holiday": moved.pk}).status_code == 302
    assert not Holiday.objects.filter(name="Nghỉ bù thử nghiệm").exists()


def test_a_make_up_working_day_must_be_a_weekend_day(client, tam):
    client.force_login(tam)
    response = client.post(HOLIDAYS, {"operation": "save", "date": "17/06/2026", "kind": "working_day",
                                      "name": "Làm bù", "note": ""})  # a Wednesday
    assert response.status_code == 400
    response = client.post(HOLIDAYS, {"operation": "save", "date": "20/06/2026", "kind": "working_day",
                                      "name": "Làm bù", "note": ""})  # a Saturday
    assert response.status_code == 302


def test_a_date_already_on_the_calendar_is_not_overwritten_by_an_addition(client, tam):
    Holiday.objects.update_or_create(date=datetime.date(2026, 9, 2), defaults={"name": "Quốc khánh"})
    client.force_login(tam)
    response = client.post(HOLIDAYS, {"operation": "save", "date": "02/09/2026", "kind": "day_off",
                                      "name": "Khác", "note": ""})
    assert response.status_code == 400 and response.context["form"].errors["date"]
    assert Holiday.objects.get(date=datetime.date(2026, 9, 2)).name == "Quốc khánh"


def test_a_year_ahead_without_tet_is_warned_about(client, tam):
    next_year = timezone.localdate().year + 1
    Holiday.objects.filter(date__year=next_year, name__icontains="Nguyên đán").delete()
    body = _get(client, tam, HOLIDAYS).content.decode()
    assert f'data-missing-tet="{next_year}"' in body
    actions.save_holiday(actor=tam, date=datetime.date(next_year, 2, 10), kind="day_off",
                         name="Tết Nguyên đán", note="dự kiến")
    body = _get(client, tam, HOLIDAYS, {"year": str(next_year)}).content.decode()
    assert f'data-missing-tet="{next_year}"' not in body
    assert 'data-provisional="1"' in body and "provisional" in body


@pytest.mark.parametrize("data", [
    {"operation": "save", "date": "31/02/2026", "kind": "day_off", "name": "x"},
    {"operation": "save", "date": "hôm qua", "kind": "day_off", "name": "x"},
    {"operation": "save", "date": "01/01/9999", "kind": "day_off", "name": "x"},
    {"operation": "save", "date": "01/01/2026", "kind": "holiday", "name": "x"},
    {"operation": "save", "date": "03/01/2026", "kind": "day_off", "name": ""},
    {"operation": "delete", "holiday": "abc"},
    {"operation": "delete", "holiday": "99999999999999999999999"},
    {"operation": "delete"},
])
def test_malformed_calendar_posts_are_refused(client, tam, data):
    client.force_login(tam)
    assert client.post(HOLIDAYS, data).status_code == 400


@pytest.mark.parametrize("year", ["abc", "0", "99999999999999999999999", "-2026", "1800"])
def test_an_odd_year_shows_the_current_one(client, tam, year):
    response = _get(client, tam, HOLIDAYS, {"year": year})
    assert response.context["year"] == timezone.localdate().year
