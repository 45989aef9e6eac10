"""Public statistics per lead agency, checked against a small known dataset: received, answered, answered on
time, median working days to answer, satisfaction; a period filter (default the last twelve months); a chart
with the same figures in a table, CSV and XLSX; two queries whatever the number of submissions."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from nq57.feedback import stats
from nq57.feedback.models import Submission

pytestmark = pytest.mark.django_db

URL = "/feedback/stats/"


@pytest.mark.parametrize("histogram, median", [
    ({}, None),
    ({7: 1}, 7),
    ({2: 1, 5: 1, 9: 1}, 5),
    ({4: 1, 6: 1}, 5),
    ({1: 3, 10: 1}, 1),  # 1 1 1 10
    ({1: 2, 10: 2}, 5.5),  # 1 1 10 10
    ({0: 1, 3: 5, 8: 1}, 3),
])
def test_the_median_of_a_histogram(histogram, median):
    assert stats.median_of_histogram(histogram) == median


def test_the_default_period_is_the_last_twelve_months():
    start, end = stats.default_period(datetime.date(2026, 11, 23))
    assert (start, end) == (datetime.date(2025, 11, 24), datetime.date(2026, 11, 23))


@pytest.fixture
def dataset(submit, org):
    """P20-SKHCN: 4 received, 3 answered in 2, 5, 9 working days (2 on time), rated yes, no, yes.
    P01: 2 received, both answered on time in 4 and 6 days, no rating. One not routed. One two years old."""
    now = timezone.now()
    skhcn, hanoi = org("P20-SKHCN"), org("P01")

    def one(agency, days=None, on_time=None, satisfied=None, when=now):
        submission, _key = submit(now=when)
        values = {"lead_agency": agency}
        if days is not None:
            values.update(answered_at=when, days_to_answer=days, answered_on_time=on_time)
        values["satisfied"] = satisfied
        Submission.objects.filter(pk=submission.pk).update(**values)
        return submission

    one(skhcn, 2, True, True)
    one(skhcn, 5, True, False)
    one(skhcn, 9, False, True)
    one(skhcn)
    one(hanoi, 4, True)
    one(hanoi, 6, True)
    one(None)
    old = one(skhcn, 30, False, False, when=now - datetime.timedelta(days=730))
    return {"skhcn": skhcn, "hanoi": hanoi, "old": old}


def test_the_figures_per_agency_match_the_dataset(dataset, django_assert_num_queries):
    start, end = stats.default_period()
    with django_assert_num_queries(2):
        rows, total = stats.agency_rows(start, end)
    by_agency = {r.agency_id: r for r in rows}
    a, b = by_agency[dataset["skhcn"].pk], by_agency[dataset["hanoi"].pk]
    assert (a.received, a.answered, a.on_time, a.on_time_percent, a.median_days) == (4, 3, 2, 66.7, 5)
    assert (a.rated, a.satisfied, a.satisfied_percent) == (3, 2, 66.7)
    assert (b.received, b.answered, b.on_time, b.on_time_percent, b.median_days) == (2, 2, 2, 100.0, 5.0)
    assert b.satisfied_percent is None
    assert [r.agency_id for r in rows] == [dataset["skhcn"].pk, dataset["hanoi"].pk]  # most received first
    assert (total.received, total.answered, total.on_time, total.median_days) == (7, 5, 4, 5)
    assert total.satisfied_percent == 66.7


def test_a_longer_period_takes_in_older_submissions(dataset):
    today = timezone.localdate()
    rows, total = stats.agency_rows(today - datetime.timedelta(days=800), today)
    skhcn = next(r for r in rows if r.agency_id == dataset["skhcn"].pk)
    assert (skhcn.received, skhcn.answered, skhcn.median_days) == (5, 4, 7)  # 2 5 9 30
    assert total.received == 8


def test_the_page_shows_a_chart_and_the_same_figures_in_a_table(client, dataset):
    client.cookies["nq57_language"] = "en"
    response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<svg' in body and 'role="img"' in body and "<desc" in body
    assert dataset["skhcn"].name in body and dataset["hanoi"].name in body
    assert "66.7%" in body and "(2/3)" in body and "100%" in body
    assert 'id="total-received">7<' in body
    assert "Not yet routed" in body  # the one without an agency


def test_the_period_filter_changes_the_figures(client, dataset):
    long_ago = (timezone.localdate() - datetime.timedelta(days=800)).strftime("%d/%m/%Y")
    response = client.get(URL, {"date_from": long_ago})
    assert response.status_code == 200 and 'id="total-received">8<' in response.content.decode()


@pytest.mark.parametrize("params", [{"date_from": "30/02/2026"}, {"date_to": "soon"},
                                    {"date_from": "02/03/2026", "date_to": "01/03/2026"},
                                    {"date_from": "01/01/2999"}])
def test_bad_periods_are_a_400_with_a_message(client, params):
    response = client.get(URL, params)
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()


def test_the_figures_download_as_csv_and_xlsx(client, dataset):
    client.cookies["nq57_language"] = "en"
    response = client.get(URL, {"format": "csv"})
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Lead agency"
    skhcn = next(r for r in rows if r[0] == dataset["skhcn"].name)
    assert skhcn[1:4] == ["4", "3", "2"] and skhcn[5] == "5.0"
    assert rows[-1][0] == "All submissions" and rows[-1][1] == "7"

    response = client.get(URL, {"format": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = list(workbook.active.iter_rows(values_only=True))
    assert values[1][0] == dataset["skhcn"].name and values[1][1] == 4


def test_the_page_reads_a_constant_number_of_queries(client, dataset, submit, org, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        client.get(URL)
    for _ in range(5):
        s, _key = submit()
        Submission.objects.filter(pk=s.pk).update(lead_agency=org("P01-SKHCN"), answered_at=timezone.now(),
                                                  days_to_answer=3, answered_on_time=True)
    with django_assert_max_num_queries(8):
        assert reverse("feedback:stats") == URL
        client.get(URL)
