"""The data-entry inbox and the web form of an organisation's values for one period: what is due (late
first), what came back, what awaits approval; drafts, submissions, refused rows that keep what was typed,
and flagged values confirmed with a note."""

import pytest
from nq57.core.roles import Role
from nq57.indicators import actions
from nq57.indicators.models import IndicatorValue

pytestmark = pytest.mark.django_db
V = IndicatorValue.Status


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read the English messages; the interface is Vietnamese by default.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def entry(kpi, report, org):
    """Lạng Sơn's Q1/2025 value (45 %) is approved; Q2/2025 onwards are due."""
    report(kpi.indicator, "P20", "2025-Q1", numerator=45, denominator=100)
    return f"/indicators/entry/{org('P20').pk}/"


def _field(kpi, name):
    return f"i{kpi.indicator.pk}-{name}"


def _value(kpi, key_end):
    return IndicatorValue.objects.filter(indicator=kpi.indicator, organisation__code="P20",
                                         period_end=key_end).order_by("-version").first()


# --- who may ---------------------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_log_in(client, entry):
    for url in ("/indicators/inbox/", entry):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_users_without_report_or_approve_rights_are_refused(client, dave, make_user, entry):
    inspector = make_user("ines", home="P20", role=Role.INSPECTOR, scope="P20")
    for user in (dave, inspector):
        client.force_login(user)
        assert client.get("/indicators/inbox/").status_code == 403
        assert client.get(entry).status_code == 403


def test_an_officer_of_another_province_cannot_open_or_post_the_form(client, charlie, entry, kpi):
    client.force_login(charlie)
    assert client.get(entry).status_code == 403
    response = client.post(entry, {"period": "2025-Q2", _field(kpi, "numerator"): "50",
                                   _field(kpi, "denominator"): "100", "action": "submit"})
    assert response.status_code == 403
    assert not IndicatorValue.objects.filter(organisation__code="P20", period_end__month=6).exists()


# --- the inbox -----------------------------------------------------------------------------------------------


def test_the_inbox_lists_what_is_due_late_first_with_links_to_the_form(client, alice, entry, kpi):
    client.force_login(alice)
    response = client.get("/indicators/inbox/")
    assert response.status_code == 200
    due = next(s for s in response.context["sections"] if s["key"] == "due")
    assert due["count"] >= 2  # Q2/2025 onwards, all long past their due date
    assert [o.period.key for o in due["items"][:2]] == ["2025-Q2", "2025-Q3"]
    assert all(o.late for o in due["items"][:2])
    assert f"{entry}?period=2025-Q2&amp;indicator={kpi.indicator.pk}" in response.content.decode()
    assert "2025-Q1" not in [o.period.key for o in due["items"]]  # approved: not due


def test_the_inbox_shows_returned_values_with_the_comment_and_values_awaiting_approval(client, alice, hanh, kpi,
                                                                                     report):
    returned = report(kpi.indicator, "P20", "2025-Q2", numerator=46, denominator=100, approve=False)
    actions.return_value(actor=hanh, value=returned, comment="Mẫu số chưa đúng")
    waiting = report(kpi.indicator, "P20", "2025-Q3", numerator=47, denominator=100, approve=False)
    client.force_login(alice)
    body = client.get("/indicators/inbox/").content.decode()
    assert "Mẫu số chưa đúng" in body
    client.force_login(hanh)
    response = client.get("/indicators/inbox/")
    sections = {s["key"]: s for s in response.context["sections"]}
    assert [v.pk for v in sections["approve"]["items"]] == [waiting.pk]
    assert f"/indicators/values/{waiting.pk}/" in response.content.decode()


def test_the_inbox_exports_every_item_with_its_section(client, alice, hanh, kpi, report, entry):
    import csv
    import io

    from django.utils import translation
    from django.utils.translation import gettext

    returned = report(kpi.indicator, "P20", "2025-Q2", numerator=46, denominator=100, approve=False)
    actions.return_value(actor=hanh, value=returned, comment="Mẫu số chưa đúng")
    client.force_login(alice)
    response = client.get("/indicators/inbox/", {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    with translation.override("en"):  # this module's client asks for English (see _english above)
        due, sent_back = gettext("Values due"), gettext("Values returned for correction")
    assert any(r[0] == sent_back and r[1] == kpi.indicator.code and r[-1] == "Mẫu số chưa đúng" for r in rows[1:])
    # Every owed period is exported, not only the first page: Lạng Sơn and Hà Nội are not both alice's, so
    # the due rows are Lạng Sơn's periods from Q3/2025 on.
    assert len([r for r in rows[1:] if r[0] == due]) == next(
        s["count"] for s in client.get("/indicators/inbox/").context["sections"] if s["key"] == "due")
    xlsx = client.get("/indicators/inbox/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"


def test_my_recent_submissions_are_listed(client, alice, entry, kpi):
    client.force_login(alice)
    client.post(entry, {"period": "2025-Q2", _field(kpi, "numerator"): "46", _field(kpi, "denominator"): "100",
                        "action": "submit"})
    sections = {s["key"]: s for s in client.get("/indicators/inbox/").context["sections"]}
    assert [v.period_key for v in sections["mine"]["items"]] == ["2025-Q2"]


# --- the form ----------------------------------------------------------------------------------------------


def test_the_form_opens_on_the_earliest_missing_period_with_the_right_inputs(client, alice, entry, kpi,
                                                                            make_indicator):
    make_indicator("3", name="Hoàn thành nền tảng dữ liệu", value_type="milestone", aggregation="none",
                   frequency="year")
    client.force_login(alice)
    response = client.get(entry)
    assert response.status_code == 200
    assert response.context["chosen"]["period"].key == "2025-Q2"
    body = response.content.decode()
    assert f'name="{_field(kpi, "numerator")}"' in body and f'name="{_field(kpi, "denominator")}"' in body
    assert f'name="{_field(kpi, "value")}"' not in body  # a ratio is entered as its two parts
    yearly = client.get(entry, {"period": "2025"}).content.decode()
    assert 'name="i' in yearly and "-progress" in yearly and "Achieved" in yearly


def test_saving_a_draft_then_submitting(client, alice, entry, kpi):
    client.force_login(alice)
    response = client.post(entry, {"period": "2025-Q2", _field(kpi, "numerator"): "50,5",
                                   _field(kpi, "denominator"): "100", _field(kpi, "self_rating"): "green",
                                   "action": "draft"})
    assert response.status_code == 302 and "period=2025-Q2" in response["Location"]
    value = IndicatorValue.objects.get(indicator=kpi.indicator, organisation__code="P20", period_end__month=6)
    assert value.status == V.DRAFT and float(value.value) == 50.5 and value.self_rating == "green"
    form = client.get(entry, {"period": "2025-Q2"}).content.decode()
    assert 'value="50,5"' in form or 'value="50.5"' in form  # the draft is shown back for editing
    client.post(entry, {"period": "2025-Q2", _field(kpi, "numerator"): "50,5", _field(kpi, "denominator"): "100",
                        "action": "submit"})
    value.refresh_from_db()
    assert value.status == V.SUBMITTED and value.submitted_by == alice


@pytest.mark.parametrize("typed, message", [
    ("12,5,3", "Enter a number"),
    ("1e20", "Enter a number"),
    ("99999999999999999999999", "Enter a number"),
])
def test_unreadable_or_huge_numbers_are_refused_next_to_the_row_keeping_what_was_typed(client, alice, entry, kpi,
                                                                                      typed, message):
    client.force_login(alice)
    response = client.post(entry, {"period": "2025-Q2", _field(kpi, "numerator"): typed,
                                   _field(kpi, "denominator"): "100", "action": "submit"})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and f'value="{typed}"' in body
    assert "1 row needs your attention." in body
    assert not IndicatorValue.objects.filter(organisation__code="P20", period_end__month=6).exists()


def test_a_value_out_of_range_is_refused_with_the_range(client, alice, entry, kpi):
    client.force_login(alice)
    response = client.post(entry, {"period": "2025-Q2", _field(kpi, "numerator"): "150",
                                   _field(kpi, "denominator"): "100", "action": "draft"})
    assert response.status_code == 400
    assert "outside the valid range" in response.content.decode()


def test_not_available_needs_a_reason(client, alice, entry, kpi):
    client.force_login(alice)
    response = client.post(entry, {"period": "2025-Q2", _field(kpi, "not_available"): "on", "action": "draft"})
    assert response.status_code == 400
    assert "Say why the value is not available." in response.content.decode()
    response = client.post(entry, {"period": "2025-Q2", _field(kpi, "not_available"): "on",
                                   _field(kpi, "not_available_reason"): "Chưa có điều tra", "action": "draft"})
    assert response.status_code == 302
    assert IndicatorValue.objects.get(organisation__code="P20", period_end__month=6).not_available


@pytest.mark.parametrize("query", [{"period": "2025-Q9"}, {"period": "2031-Q1"}, {"period": "hello"},
                                   {"indicator": "abc"}, {"indicator": "99999999"}])
def test_an_unknown_period_or_indicator_is_a_message_not_an_error_page(client, alice, entry, query):
    client.force_login(alice)
    response = client.get(entry, query)
    assert response.status_code == 400
    assert 'class="errors" role="alert"' in response.content.decode()
    assert client.post(entry, {**query, "action": "draft"}).status_code == 400


def test_a_flagged_value_asks_for_confirmation_and_goes_through_with_a_note(client, alice, entry, kpi):
    client.force_login(alice)
    jump = {"period": "2025-Q2", _field(kpi, "numerator"): "90", _field(kpi, "denominator"): "100",
            "action": "submit"}
    response = client.post(entry, jump)
    assert response.status_code == 400
    body = response.content.decode()
    assert "changed by 100%" in body  # 45 % → 90 %: a jump against the approved history
    assert f'name="{_field(kpi, "confirm_flags")}"' in body and 'value="90"' in body
    assert not IndicatorValue.objects.filter(organisation__code="P20", period_end__month=6).exists()
    response = client.post(entry, {**jump, _field(kpi, "confirm_flags"): "on",
                                   _field(kpi, "flag_note"): "Triển khai ứng dụng định danh điện tử"})
    assert response.status_code == 302
    value = IndicatorValue.objects.get(organisation__code="P20", period_end__month=6)
    assert value.status == V.SUBMITTED and value.flags and value.flag_note.startswith("Triển khai")


def test_one_bad_row_does_not_lose_the_good_one(client, alice, entry, kpi, make_indicator):
    count = make_indicator("2", name="Số doanh nghiệp công nghệ số", value_type="count", aggregation="sum")
    client.force_login(alice)
    response = client.post(entry, {"period": "2025-Q2", _field(kpi, "numerator"): "abc",
                                   _field(kpi, "denominator"): "100", f"i{count.pk}-value": "12",
                                   "action": "draft"})
    assert response.status_code == 400
    assert IndicatorValue.objects.get(indicator=count, organisation__code="P20", period_end__month=6).value == 12
    assert "1 value was saved." in response.content.decode()


def test_a_returned_value_shows_the_comment_and_can_be_corrected(client, alice, hanh, kpi, report, entry):
    value = report(kpi.indicator, "P20", "2025-Q2", numerator=46, denominator=100, approve=False)
    actions.return_value(actor=hanh, value=value, comment="Mẫu số chưa đúng")
    client.force_login(alice)
    body = client.get(entry, {"period": "2025-Q2"}).content.decode()
    assert "Mẫu số chưa đúng" in body and 'value="46"' in body
    client.post(entry, {"period": "2025-Q2", _field(kpi, "numerator"): "46", _field(kpi, "denominator"): "110",
                        "action": "submit"})
    value.refresh_from_db()
    assert value.status == V.SUBMITTED and value.denominator == 110


def test_approved_and_submitted_rows_are_read_only(client, alice, entry, kpi):
    client.force_login(alice)
    body = client.get(entry, {"period": "2025-Q1"}).content.decode()
    assert f'name="{_field(kpi, "numerator")}"' not in body
    assert "approved; a correction is made on the value" in body
    assert 'value="draft"' not in body and 'value="submit"' not in body  # no buttons: nothing to save


def test_the_form_links_to_the_excel_template_and_upload(client, alice, entry, org):
    client.force_login(alice)
    body = client.get(entry).content.decode()
    assert f"/indicators/entry/{org('P20').pk}/template.xlsx" in body
    assert f"/indicators/entry/{org('P20').pk}/upload/" in body
