"""The lists behind the dashboard's figures (/dashboards/list/): each holds exactly what its figure counts,
links every row to its object, and refuses what it does not know."""

from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest

pytestmark = pytest.mark.django_db


def has_class(name):
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def drill(client, user, expect=200, **params):
    client.force_login(user)
    response = client.get("/dashboards/list/", params)
    assert response.status_code == expect, response.content[:800]
    return lxml.html.fromstring(response.content.decode())


def ids(doc):
    return {int(tr.get("data-id")) for tr in doc.xpath(f"//table[{has_class('dash-drill-table')}]/tbody/tr[@data-id]")}


def test_overdue_assignments_of_lang_son(client, dash_data, alice):
    doc = drill(client, alice, scope=dash_data.orgs["P20"].pk, figure="assignments", timeliness="overdue")
    assert ids(doc) == {dash_data.a["a5"].pk}  # not the sub-task, not the removed task, not the cancelled one
    (link,) = doc.xpath(f"//tr[@data-id='{dash_data.a['a5'].pk}']//a[contains(@href, '/plans/assignments/')]")
    assert link.get("href") == f"/plans/assignments/{dash_data.a['a5'].pk}/"
    assert "Sở Khoa học và Công nghệ Lạng Sơn" in doc.xpath("//tbody/tr")[0].text_content()


def test_group_and_timeliness_filters_match_the_table(client, dash_data, root):
    a = dash_data.a
    doc = drill(client, root, scope=dash_data.orgs["BCDTW"].pk, figure="assignments", group="I")
    assert ids(doc) == {a[k].pk for k in ("a1", "a2", "a3", "a4", "a11")}
    doc = drill(client, root, scope=dash_data.orgs["BCDTW"].pk, figure="assignments", group="-")
    assert ids(doc) == {a["a12"].pk}
    doc = drill(client, root, scope=dash_data.orgs["BCDTW"].pk, figure="assignments", group="I", timeliness="overdue")
    assert ids(doc) == {a["a3"].pk, a["a11"].pk}
    doc = drill(client, root, scope=dash_data.orgs["BCDTW"].pk, figure="assignments", status="completed")
    assert ids(doc) == {a[k].pk for k in ("a4", "a6", "a12")}


def test_every_link_of_the_dashboard_leads_to_a_list_of_that_many_rows(client, dash_data, root):
    """Follow each drill-down link of the groups, timeliness and trend tables: the list has the figure's count."""
    client.force_login(root)
    page = lxml.html.fromstring(client.get("/dashboards/").content.decode())
    checked = 0
    for css in ("dash-groups-table", "dash-timeliness-table", "dash-trend-table", "dash-feedback-table"):
        for link in page.xpath(f"//table[{has_class(css)}]//td/a[contains(@href, '/dashboards/list/')]"):
            text = link.text_content().strip()
            if not text.isdigit():
                continue
            response = client.get(link.get("href"))
            assert response.status_code == 200
            doc = lxml.html.fromstring(response.content.decode())
            assert len(ids(doc)) == int(text), (css, link.get("href"))
            checked += 1
    assert checked > 20


def test_due_and_on_time(client, dash_data, alice):
    scope = dash_data.orgs["P20"].pk
    assert ids(drill(client, alice, scope=scope, figure="due")) == {dash_data.a[k].pk for k in ("a5", "a6", "a12")}
    assert ids(drill(client, alice, scope=scope, figure="due", on_time="1")) == {dash_data.a["a6"].pk}


def test_feedback_lists(client, dash_data, alice):
    fb, scope = dash_data.fb, dash_data.orgs["P20"].pk
    assert ids(drill(client, alice, scope=scope, figure="feedback")) == {
        fb[k].pk for k in ("f1", "f2", "f3", "f4", "f5")}
    assert ids(drill(client, alice, scope=scope, figure="feedback", event="answered")) == {fb["f1"].pk, fb["f2"].pk}
    assert ids(drill(client, alice, scope=scope, figure="feedback", event="on_time")) == {fb["f1"].pk}
    assert ids(drill(client, alice, scope=scope, figure="feedback", state="awaiting")) == {
        fb[k].pk for k in ("f3", "f4", "f5")}
    doc = drill(client, alice, scope=scope, figure="feedback", state="awaiting_overdue")
    assert ids(doc) == {fb["f4"].pk}
    assert doc.xpath(f"//a[@href='/feedback/s/{fb['f4'].pk}/']")


def test_indicators_by_rating(client, dash_data, alice):
    k, scope = dash_data.k, dash_data.orgs["P20"].pk
    assert ids(drill(client, alice, scope=scope, figure="indicators", rag="red")) == {k["k2"].pk}
    assert ids(drill(client, alice, scope=scope, figure="indicators", rag="none")) == {k["k3"].pk}
    doc = drill(client, alice, scope=scope, figure="indicators")
    assert [int(tr.get("data-id")) for tr in doc.xpath("//tbody/tr")] == [k["k2"].pk, k["k1"].pk, k["k3"].pk]


def test_reports_and_values(client, dash_data, alice):
    scope = dash_data.orgs["P20"].pk
    assert ids(drill(client, alice, scope=scope, figure="reports")) == {
        dash_data.reports[0].pk, dash_data.reports[1].pk}
    assert ids(drill(client, alice, scope=scope, figure="reports", on_time="1")) == {dash_data.reports[0].pk}


def test_a_province_inside_the_national_scope(client, dash_data, root):
    doc = drill(client, root, scope=dash_data.orgs["BCDTW"].pk, figure="assignments", timeliness="overdue",
                province=dash_data.orgs["P01"].pk)
    assert ids(doc) == {dash_data.a["a11"].pk}


def test_pages_of_fifty(client, dash_data, root, org):
    from nq57.plans import actions
    from nq57.plans.models import Assignment

    for n in range(60):
        actions.create_task(actor=None, plan=dash_data.plan, code=f"X{n}", title=f"Nhiệm vụ bổ sung {n}",
                            lead=[org("P01")])
    extra = Assignment.objects.filter(task__code__startswith="X").count()
    doc = drill(client, root, scope=dash_data.orgs["P01"].pk, figure="assignments")
    assert len(ids(doc)) == 50
    (next_link,) = doc.xpath("//a[@rel='next']")
    query = parse_qs(urlsplit(next_link.get("href")).query)
    assert query["page"] == ["2"] and query["figure"] == ["assignments"]
    second = drill(client, root, **{k: v[0] for k, v in query.items()})
    assert len(ids(second)) == extra + 3 - 50  # a2, a4, a11 and the 60 new ones


@pytest.mark.parametrize("params, message", [
    ({"figure": "nonsense"}, "nonsense"),
    ({"figure": "assignments", "timeliness": "late-ish"}, None),
    ({"figure": "assignments", "month": "2001-01"}, None),
    ({"figure": "assignments", "month": "january"}, None),
    ({"figure": "feedback", "page": "x"}, None),
    ({"figure": "assignments", "scope": "abc"}, None),
    ({}, None),
])
def test_bad_parameters_get_a_400_with_a_message(client, dash_data, root, params, message):
    doc = drill(client, root, expect=400, **params)
    assert doc.xpath(f"//div[{has_class('errors')}]")
    if message:
        assert message in doc.xpath(f"//div[{has_class('errors')}]")[0].text_content()


def test_a_province_outside_the_scope_is_refused(client, dash_data, alice):
    doc = drill(client, alice, expect=400, scope=dash_data.orgs["P20"].pk, figure="assignments",
                province=dash_data.orgs["P01"].pk)
    assert doc.xpath(f"//div[{has_class('errors')}]")


def test_a_scope_out_of_reach_is_forbidden(client, dash_data, alice):
    drill(client, alice, expect=403, scope=dash_data.orgs["P01"].pk, figure="assignments")
    drill(client, alice, expect=403, scope=dash_data.orgs["BCDTW"].pk, figure="assignments")
    drill(client, alice, expect=404, scope=2**31 - 2, figure="assignments")
