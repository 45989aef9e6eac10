"""The scope dashboard's figures on the shared `dash_data` set (see tests/dashboards/conftest.py): every section,
for the nation and for Lạng Sơn, read back from the page's tables."""

import calendar
import datetime
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
# (deadline in force, completed on) of the counted assignments, in days from today (see the conftest table).
NATIONAL_DATES = {"a1": (120, None), "a2": (120, None), "a3": (-30, None), "a4": (-60, -40), "a5": (-10, None),
                  "a6": (-20, -25), "a7": (10, None), "a8": (None, None), "a11": (-200, None), "a12": (-70, -50)}
LANG_SON = ("a1", "a5", "a6", "a7", "a8", "a12")


def page(client, user, **params):
    client.force_login(user)
    response = client.get("/dashboards/", params)
    assert response.status_code == 200, response.content[:500]
    return lxml.html.fromstring(response.content.decode())


def has_class(name):
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


KPI_SUMMARY = f"//section[@aria-labelledby='kpi-h']//dl[{has_class('rag-summary')}]//dd"


def cell_text(node):
    return " ".join(node.text_content().split())


def table(doc, css):
    """{row key (data attribute or header text): [cell texts]} of the table with that class."""
    (found,) = doc.xpath(f"//table[{has_class(css)}]")
    rows = {}
    for tr in found.xpath("./tbody/tr | ./tfoot/tr"):
        key = next((tr.get(a) for a in ("data-group", "data-timeliness", "data-month", "data-indicator", "data-code")
                    if tr.get(a) is not None), None)
        rows[key] = [cell_text(td) for td in tr.xpath("./th | ./td")]
    return rows


def month_days(today):
    """The day each of the last twelve months is measured: its last day, today for this month."""
    days, year, month = [], today.year, today.month
    for _i in range(12):
        last = datetime.date(year, month, calendar.monthrange(year, month)[1])
        days.append((f"{year:04d}-{month:02d}", min(last, today)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return days[::-1]


def expected_overdue(today, keys):
    counts = {}
    for key, day in month_days(today):
        n = 0
        for name in keys:
            deadline, completed = NATIONAL_DATES[name]
            if deadline is None or today + deadline * DAY >= day:
                continue
            if completed is not None and today + completed * DAY <= day:
                continue
            n += 1
        counts[key] = n
    return counts


def test_groups_and_timeliness_national(client, dash_data, root):
    doc = page(client, root)
    rows = table(doc, "dash-groups-table")
    # Columns: group, assignments, completed, then on schedule, at risk, overdue, on time, late, no deadline.
    assert rows["I"][0].startswith("I. Nâng cao nhận thức")
    assert rows["I"][1:3] == ["5", "1 (20%)"] and rows["I"][3:] == ["2", "0", "2", "0", "1", "0"]
    assert rows["II"][1] == "2" and rows["II"][3:] == ["0", "0", "1", "1", "0", "0"]
    assert rows["III"][1] == "2" and rows["III"][3:] == ["0", "1", "0", "0", "0", "1"]
    assert rows["-"][1] == "1" and rows["-"][3:] == ["0", "0", "0", "0", "1", "0"]  # Lạng Sơn's own plan
    assert rows["total"][1:3] == ["10", "3 (30%)"] and rows["total"][3:] == ["2", "1", "3", "1", "2", "1"]
    timeliness = table(doc, "dash-timeliness-table")
    assert {k: v[1] for k, v in timeliness.items()} == {
        "on_schedule": "2", "at_risk": "1", "overdue": "3", "completed_on_time": "1", "completed_late": "2",
        "not_applicable": "1"}
    assert doc.xpath("//section[@aria-labelledby='groups-h']//*[local-name()='svg']/*[local-name()='title']")


def test_groups_of_lang_son_leave_out_the_rest_of_the_country(client, dash_data, alice):
    doc = page(client, alice)
    assert "Lạng Sơn" in cell_text(doc.xpath("//h1")[0])
    rows = table(doc, "dash-groups-table")
    assert set(rows) == {"I", "II", "III", "-", "total"}
    assert rows["I"][1] == "1" and rows["II"][1] == "2" and rows["III"][1] == "2" and rows["-"][1] == "1"
    assert rows["total"][1:3] == ["6", "2 (33%)"] and rows["total"][3:] == ["1", "1", "1", "1", "1", "1"]


def test_overdue_trend_counts_what_was_late_at_each_month_end(client, dash_data, root, alice):
    today = dash_data.today
    national = {k: v[2] for k, v in table(page(client, root), "dash-trend-table").items()}
    assert national == {k: str(v) for k, v in expected_overdue(today, NATIONAL_DATES).items()}
    assert national[f"{today.year:04d}-{today.month:02d}"] == "3"  # = the overdue backlog now
    lang_son = {k: v[2] for k, v in table(page(client, alice), "dash-trend-table").items()}
    assert lang_son == {k: str(v) for k, v in expected_overdue(today, LANG_SON).items()}


def test_kpi_index_lists_the_worst_first(client, dash_data, root, alice):
    doc = page(client, alice)
    kpi = table(doc, "dash-kpi-table")
    assert list(kpi) == ["2", "1", "3"]  # red, green, no data
    assert doc.xpath(f"//tr[@data-indicator='2']//span[{has_class('rag-red')}]")
    summary = [cell_text(dd) for dd in doc.xpath(KPI_SUMMARY)]
    assert summary == ["1", "0", "1", "1"]  # red, amber, green, no data
    national = page(client, root)
    summary = [cell_text(dd) for dd in national.xpath(KPI_SUMMARY)]
    assert summary == ["0", "0", "2", "1"]
    (index_link,) = [a for a in doc.xpath("//section[@aria-labelledby='kpi-h']//a")
                     if a.get("href", "").startswith("/indicators/?")]
    assert parse_qs(urlsplit(index_link.get("href")).query)["scope"] == [str(dash_data.orgs["P20"].pk)]


def test_feedback_volumes_and_on_time_rate(client, dash_data, root, alice):
    today = dash_data.today
    received = {"f1": -40, "f2": -70, "f3": -10, "f4": -20, "f5": -1, "f6": -15, "f7": -100}
    answered = {"f1": (-30, True), "f2": (-50, False), "f6": (-5, True), "f7": (-90, True)}

    def month_of(offset):
        day = today + offset * DAY
        return f"{day.year:04d}-{day.month:02d}"

    rows = table(page(client, root), "dash-feedback-table")
    for key, _day in month_days(today):
        expected_received = sum(1 for v in received.values() if month_of(v) == key)
        expected_answered = sum(1 for v, _t in answered.values() if month_of(v) == key)
        expected_on_time = sum(1 for v, t in answered.values() if t and month_of(v) == key)
        assert rows[key][1:4] == [str(expected_received), str(expected_answered), str(expected_on_time)], key
    assert rows["total"][1:5] == ["7", "4", "3", "75%"]
    lang_son = table(page(client, alice), "dash-feedback-table")
    assert lang_son["total"][1:5] == ["5", "2", "1", "50%"]  # f1–f5: f5 is held by P20 before routing


def test_feedback_awaiting_answers(client, dash_data, alice):
    doc = page(client, alice)
    stats = [cell_text(dd) for dd in doc.xpath(f"//section[@aria-labelledby='feedback-h']//dl[{has_class('stats')}]"
                                                "//dd")]
    assert stats == ["5", "2", "50%", "3", "1"]


def test_headline_figures_link_to_their_lists(client, dash_data, root):
    doc = page(client, root)
    figures = {cell_text(div.xpath("./dt")[0]): div for div in doc.xpath(f"//dl[{has_class('dash-figures')}]/div")}
    assert len(figures) == 12
    assignments = next(v for k, v in figures.items() if k in ("Assignments", "Nhiệm vụ được giao"))
    link = assignments.xpath("./dd/a")[0]
    assert cell_text(link) == "10"
    assert parse_qs(urlsplit(link.get("href")).query)["figure"] == ["assignments"]
    # Every figure but data quality (two sources) drills down.
    assert sum(1 for div in figures.values() if div.xpath("./dd/a")) == 11


def test_every_figure_in_the_tables_is_a_link(client, dash_data, root):
    doc = page(client, root)
    for css in ("dash-groups-table", "dash-timeliness-table", "dash-trend-table", "dash-feedback-table"):
        (found,) = doc.xpath(f"//table[{has_class(css)}]")
        assert found.xpath("./caption")
        for td in found.xpath(".//td"):
            text = cell_text(td)
            if text and text[0].isdigit() and not text.startswith("0") and "%" not in text and "/" not in text:
                assert td.xpath(".//a"), (css, text)


def test_early_warnings_panel_lists_the_scope_s_warnings(client, dash_data, alice):
    doc = page(client, alice)
    rows = doc.xpath(f"//table[{has_class('dash-warnings-table')}]/tbody/tr")
    assert 0 < len(rows) <= 10
    agencies = {cell_text(tr.xpath("./td")[4]) for tr in rows}
    assert all("Hà Nội" not in a for a in agencies)


def test_links_to_rankings_reports_and_warnings(client, dash_data, alice):
    doc = page(client, alice)
    hrefs = [a.get("href") for a in doc.xpath(f"//nav[{has_class('dash-links')}]//a")]
    assert "/dashboards/rankings/" in hrefs and "/reports/" in hrefs
    assert any(h.startswith("/dashboards/warnings/?scope=") for h in hrefs)


def test_a_ministry_gets_its_own_dashboard_without_the_map(client, dash_data, make_user):
    from nq57.core.roles import Role

    kim = make_user("kim", home="BKHCN", role=Role.AGENCY_HEAD, scope="BKHCN")
    doc = page(client, kim)
    rows = table(doc, "dash-groups-table")
    assert rows["total"][1] == "1" and rows["total"][5] == "1"  # a3, overdue
    assert not doc.xpath(f"//table[{has_class('dash-map-table')}]")


def test_the_scope_selector_offers_only_what_the_user_may_see(client, dash_data, alice, root):
    doc = page(client, alice)
    values = {o.get("value") for o in doc.xpath("//select[@id='id_scope']//option")}
    assert str(dash_data.orgs["BCDTW"].pk) not in values
    assert str(dash_data.orgs["P20"].pk) in values and str(dash_data.orgs["P01"].pk) not in values
    national = page(client, root)
    values = {o.get("value") for o in national.xpath("//select[@id='id_scope']//option")}
    assert {str(dash_data.orgs[c].pk) for c in ("BCDTW", "P20", "P01", "BKHCN")} <= values


def test_page_has_no_inline_script_or_style(client, dash_data, root):
    client.force_login(root)
    html = client.get("/dashboards/").content.decode()
    assert ' style="' not in html
    assert "<script>" not in html


@pytest.mark.parametrize("hour, month", [("2026-10-31 16", "2026-10"), ("2026-10-31 17", "2026-11"),
                                         ("2026-12-31 23", "2027-01"), ("2026-01-01 00", "2026-01")])
def test_utc_hours_fall_in_their_local_month(hour, month):
    from nq57.dashboards.overview import month_key_of_hour

    assert month_key_of_hour(hour) == month  # Vietnam: UTC+7


def test_a_submission_just_after_local_midnight_counts_in_its_local_month(client, dash_data, root):
    from django.utils import timezone

    from nq57.feedback.models import Submission

    today = dash_data.today
    first = (today.replace(day=1) - DAY).replace(day=1)  # the first day of last month
    moment = timezone.make_aware(datetime.datetime.combine(first, datetime.time(0, 30)))  # 17:30 UTC the day before
    Submission.objects.filter(pk=dash_data.fb["f6"].pk).update(received_at=moment)
    key = f"{first.year:04d}-{first.month:02d}"
    rows = table(page(client, root), "dash-feedback-table")
    client.force_login(root)
    listed = lxml.html.fromstring(client.get("/dashboards/list/", {"figure": "feedback", "event": "received",
                                                                    "month": key}).content.decode())
    listed_ids = {int(tr.get("data-id")) for tr in listed.xpath("//tbody/tr[@data-id]")}
    assert dash_data.fb["f6"].pk in listed_ids
    assert rows[key][1] == str(len(listed_ids))
