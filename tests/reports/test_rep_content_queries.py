"""A report costs a constant, small number of queries whatever the volume of data in its scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nq57.reports import content

pytestmark = pytest.mark.django_db

BUDGET = 40


def queries_of_build(report):
    with CaptureQueriesContext(connection) as captured:
        content.build(report)
    return len(captured.captured_queries)


@pytest.mark.parametrize("scope", ["P20", "BCDTW"])
def test_a_report_costs_the_same_queries_over_twice_the_data(report_dataset, more_report_data, make_report, scope):
    report = make_report(scope)
    once = queries_of_build(report)
    more_report_data("-2")
    twice = queries_of_build(report)

    assert twice == once
    assert once <= BUDGET


def test_twice_the_data_gives_twice_the_counts(report_dataset, more_report_data, make_report):
    before = content.build(make_report("P20")).figures["current"]
    more_report_data("-2")
    after = content.build(make_report("P20")).figures["current"]

    for key, value in before.items():
        # Rates are unchanged; every count doubles (two more indicators with the same roll-ups, too).
        assert after[key] == (value if key.endswith("_rate") else 2 * value), key
