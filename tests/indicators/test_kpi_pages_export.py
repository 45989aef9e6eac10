"""XLSX and CSV exports of the KPI pages: the same rows as on screen, headers in the interface language
(Vietnamese by default), real numbers and dates, and nothing for those who may not see the page."""

import csv
import io

import pytest
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from nq57.indicators import exports

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(kpi, report):
    report(kpi.indicator, "P20", "2025-Q1", numerator=45, denominator=100)
    report(kpi.indicator, "P01", "2025-Q1", numerator=60, denominator=100)
    return kpi.indicator


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [[cell.value for cell in row] for row in workbook.worksheets[0].iter_rows()]


def _csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Vietnamese text correctly with a BOM
    return list(csv.reader(io.StringIO(text[1:])))


def _vi(*texts):
    with translation.override("vi"):
        return [gettext(t) for t in texts]


def test_the_index_exports_its_rows_with_headers_in_the_interface_language(client, exported, root):
    client.force_login(root)
    rows = _sheet(client.get("/indicators/", {"format": "xlsx"}))
    assert rows[0][:2] == _vi("Code", "Indicator")
    header = rows[0]
    line = rows[1]
    assert line[0] == "1" and line[1].startswith("Tỷ lệ dân số")
    assert line[header.index(_vi("Latest value")[0])] == 52.5  # a real number, not text
    assert line[header.index(_vi("Attainment (%)")[0])] == pytest.approx(31.2, abs=0.1)
    assert line[header.index(_vi("RAG")[0])] == _vi("On track")[0]
    assert line[header.index(_vi("Baseline date")[0])].date().isoformat() == "2024-12-31"


def test_the_index_csv_follows_the_filters(client, exported, make_indicator, root):
    make_indicator("2", name="Số doanh nghiệp", value_type="count", aggregation="sum", layer="operational")
    client.force_login(root)
    rows = _csv(client.get("/indicators/", {"format": "csv", "layer": "operational"}))
    assert [r[0] for r in rows[1:]] == ["2"]


def test_an_english_interface_exports_english_headers(client, exported, root, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(root)
    rows = _csv(client.get("/indicators/", {"format": "csv"}))
    assert rows[0][:3] == ["Code", "Indicator", "Unit"]


def test_the_series_and_the_breakdown_of_an_indicator(client, exported, root, quarter_label):
    client.force_login(root)
    series = _sheet(client.get(f"/indicators/{exported.pk}/", {"format": "xlsx"}))
    assert [(r[0], r[2]) for r in series[1:]] == [(quarter_label("2025-Q1"), 52.5)]
    assert series[1][1].date().isoformat() == "2025-03-31"
    breakdown = _csv(client.get(f"/indicators/{exported.pk}/", {"format": "csv", "table": "breakdown"}))
    by_code = {r[0]: r for r in breakdown[1:]}
    assert len(by_code) == 34 and by_code["P20"][3] == "45.0" and by_code["P01"][3] == "60.0"


def test_the_comparison_exports_ranks(client, exported, alice):
    client.force_login(alice)
    rows = _sheet(client.get(f"/indicators/{exported.pk}/compare/", {"period": "2025-Q1", "format": "xlsx"}))
    assert [(r[0], r[1]) for r in rows[1:3]] == [(1, "P01"), (2, "P20")]


def test_a_text_that_looks_like_a_formula_is_neutralised(client, make_indicator, root):
    make_indicator("8", name='=HYPERLINK("http://example.com","x")')
    client.force_login(root)
    rows = _csv(client.get("/indicators/", {"format": "csv"}))
    assert rows[1][1].startswith("'=HYPERLINK")


def test_no_export_for_those_who_may_not_see_the_page(client, exported, dave, charlie, org):
    response = client.get("/indicators/", {"format": "xlsx"})
    assert response.status_code == 302
    client.force_login(dave)
    assert client.get("/indicators/", {"format": "csv"}).status_code == 403
    client.force_login(charlie)
    assert client.get(f"/indicators/{exported.pk}/", {"format": "csv", "scope": org("P20").pk}).status_code == 403


def test_an_unknown_format_shows_the_page(client, exported, root):
    client.force_login(root)
    response = client.get("/indicators/", {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")

