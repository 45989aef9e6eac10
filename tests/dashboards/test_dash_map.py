"""The tile-grid map of the 34 provinces: its layout file, the five classes, and the map on the dashboard with
its table (same data, same classes, links only where the user may go)."""

import json

import lxml.html
import pytest

from nq57.dashboards import tilemap
from nq57.dashboards.figures import Figures

SVG = "*[local-name()='svg']"


def has_class(name):
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


@pytest.mark.django_db
def test_the_grid_places_each_of_the_34_provinces_once():
    from nq57.dashboards.overview import provinces

    tiles, rows, columns = tilemap.tile_grid()
    assert set(tiles) == {p.code for p in provinces()}
    assert len(tiles) == 34
    assert len({(t["row"], t["col"]) for t in tiles.values()}) == 34
    assert all(0 <= t["row"] < rows and 0 <= t["col"] < columns for t in tiles.values())
    assert len({t["abbr"] for t in tiles.values()}) == 34


def test_north_is_at_the_top():
    tiles, rows, _columns = tilemap.tile_grid()
    order = ["P04", "P20", "P01", "P38", "P46", "P48", "P79", "P96"]  # Cao Bằng … Cà Mau
    assert [tiles[c]["row"] for c in order] == sorted(tiles[c]["row"] for c in order)
    assert tiles["P96"]["row"] == rows - 1
    assert tiles["P11"]["col"] < tiles["P04"]["col"]  # Điện Biên west of Cao Bằng


def test_the_grid_file_is_valid_json_with_names():
    data = json.loads(tilemap.GRID_FILE.read_text(encoding="utf-8"))
    assert data["tiles"]["P20"]["name"] == "Lạng Sơn" and data["tiles"]["P01"]["name"] == "Hà Nội"


@pytest.mark.parametrize("value, breaks, higher, expected", [
    (None, (0.5, 0.7, 0.8, 0.9), True, "none"),
    (0.0, (0.5, 0.7, 0.8, 0.9), True, 1),
    (0.5, (0.5, 0.7, 0.8, 0.9), True, 2),
    (0.79, (0.5, 0.7, 0.8, 0.9), True, 3),
    (0.85, (0.5, 0.7, 0.8, 0.9), True, 4),
    (1.0, (0.5, 0.7, 0.8, 0.9), True, 5),
    (0.0, (0.05, 0.1, 0.2, 0.3), False, 5),
    (0.07, (0.05, 0.1, 0.2, 0.3), False, 4),
    (0.3, (0.05, 0.1, 0.2, 0.3), False, 1),
    (0, (1, 2, 3, 4), False, 5),
    (1, (1, 2, 3, 4), False, 4),
    (4, (1, 2, 3, 4), False, 1),
])
def test_classes_run_from_worst_to_best(value, breaks, higher, expected):
    assert tilemap.classify(value, breaks, higher) == expected


@pytest.mark.parametrize("values, expected", [
    ([0, 0], (1, 2, 3, 4)),
    ([0, 1, None], (1, 2, 3, 4)),
    ([0, 40], (1, 11, 21, 31)),
    ([7], (1, 3, 5, 7)),
])
def test_count_breaks_keep_zero_alone_then_four_steps(values, expected):
    assert tilemap.count_breaks(values) == expected


def test_measures_read_their_figures():
    f = Figures(organisation_id=1, assignments=20, overdue=5, due=4, on_time=3, reports_expected=0,
                kpi_assessed=2, kpi_attainment_sum=1.5, feedback_answered=10, feedback_on_time=9)
    assert tilemap.value_of(tilemap.MEASURES["on_time"], f) == (0.75, 3, 4)
    assert tilemap.value_of(tilemap.MEASURES["overdue"], f) == (5, 5, None)
    assert tilemap.value_of(tilemap.MEASURES["overdue_share"], f) == (0.25, 5, 20)
    assert tilemap.value_of(tilemap.MEASURES["kpi"], f) == (0.75, 1.5, 2)
    assert tilemap.value_of(tilemap.MEASURES["feedback_on_time"], f) == (0.9, 9, 10)
    assert tilemap.value_of(tilemap.MEASURES["reporting_on_time"], f)[0] is None  # nothing expected: no data


def test_legends_name_five_classes_worst_first():
    assert [label for _c, label in tilemap.legend(tilemap.MEASURES["on_time"], tilemap.RATE_BREAKS)] == [
        "< 50%", "50%–70%", "70%–80%", "80%–90%", "≥ 90%"]
    assert [label for _c, label in tilemap.legend(tilemap.MEASURES["overdue"], (1, 11, 21, 31))] == [
        "≥ 31", "21–30", "11–20", "1–10", "0"]


def dashboard(client, user, **params):
    client.force_login(user)
    response = client.get("/dashboards/", params)
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def tiles_of(doc):
    """{code: (rect class, link or None, title)} of the map's tiles."""
    found = {}
    for node in doc.xpath(f"//{SVG}[{has_class('tilemap')}]/*[@data-code]"):
        rect = node.xpath("./*[local-name()='rect']")[0]
        title = node.xpath("./*[local-name()='title']")[0].text
        found[node.get("data-code")] = (rect.get("class"), node.get("href"), title)
    return found


def table_of(doc):
    rows = {}
    for tr in doc.xpath(f"//table[{has_class('dash-map-table')}]/tbody/tr"):
        cells = tr.xpath("./th | ./td")
        link = cells[0].xpath(".//a")
        rows[tr.get("data-code")] = (tr.get("data-class"), link[0].get("href") if link else None,
                                     " ".join(cells[1].text_content().split()))
    return rows


@pytest.mark.django_db
def test_the_national_map_has_34_tiles_coloured_by_on_time_completion(client, dash_data, root):
    doc = dashboard(client, root)
    tiles = tiles_of(doc)
    assert len(tiles) == 34
    # Lạng Sơn: 1 of 3 due completed on time (33 %); Hà Nội: 0 of 2; elsewhere nothing due.
    assert tiles["P20"][0] == "tile tile-c1" and "33%" in tiles["P20"][2] and "(1 / 3)" in tiles["P20"][2]
    assert tiles["P01"][0] == "tile tile-c1"
    assert {c for code, (c, _l, _t) in tiles.items() if code not in ("P20", "P01")} == {"tile tile-cnone"}
    p20 = dash_data.orgs["P20"].pk
    assert tiles["P20"][1] == f"/dashboards/?scope={p20}&measure=on_time"


@pytest.mark.django_db
def test_the_table_mirrors_the_map(client, dash_data, root):
    for measure in tilemap.MEASURES:
        doc = dashboard(client, root, measure=measure)
        tiles, rows = tiles_of(doc), table_of(doc)
        assert set(rows) == set(tiles)
        for code, (css, link, title) in tiles.items():
            assert css == f"tile tile-c{rows[code][0]}"
            assert link == rows[code][1]
            assert title.split(": ", 1)[1].startswith(rows[code][2])


@pytest.mark.django_db
def test_overdue_counts_colour_the_map(client, dash_data, root):
    tiles = tiles_of(dashboard(client, root, measure="overdue"))
    assert tiles["P20"][0] == "tile tile-c4" and tiles["P01"][0] == "tile tile-c4"  # one each
    assert tiles["P04"][0] == "tile tile-c5"  # none overdue: best class
    rows = table_of(dashboard(client, root, measure="overdue", sort="-value"))
    assert list(rows)[:2] == ["P01", "P20"]  # the two with one overdue first, in the official order


@pytest.mark.django_db
def test_map_values_drill_down_to_the_province(client, dash_data, root):
    doc = dashboard(client, root, measure="overdue")
    (link,) = doc.xpath("//tr[@data-code='P20']/td[1]/a")
    client.force_login(root)
    listed = lxml.html.fromstring(client.get(link.get("href")).content.decode())
    assert {int(tr.get("data-id")) for tr in listed.xpath("//tbody/tr[@data-id]")} == {dash_data.a["a5"].pk}


@pytest.mark.django_db
def test_a_province_dashboard_has_no_map(client, dash_data, alice):
    assert not tiles_of(dashboard(client, alice))
