"""KPI fixtures: indicators owned by the Ministry of Science and Technology (BKHCN), reported by provinces.

`make_indicator(code, **fields)` creates one (quarterly percentage by default) with Lạng Sơn (P20) and
Hà Nội (P01) on its reporting calendar from 1/1/2025; `kpi` is a ready ratio indicator with a national
target (≥ 80 % in 2030) and baseline (40 % on 31/12/2024). `report(...)` saves, submits and approves a
value as the system in one call. Periods are in 2025, long ended whatever day the tests run.
"""

import datetime
from types import SimpleNamespace

import pytest

from nq57.core.roles import Role

JAN_2025 = datetime.date(2025, 1, 1)


@pytest.fixture
def period():
    """period("2025-Q1") → a Period of that key (frequency inferred from the key)."""
    from nq57.indicators.periods import parse_period

    def make(key):
        frequency = "month" if "-M" in key else "quarter" if "-Q" in key else "half" if "-H" in key else "year"
        return parse_period(key, frequency)

    return make


@pytest.fixture
def make_indicator(db, org):
    from nq57.indicators import actions

    def make(code="1", name="Tỷ lệ dân số trưởng thành có chữ ký số", owner="BKHCN", reporters=("P20", "P01"),
             starts_on=JAN_2025, **fields):
        fields.setdefault("value_type", "percentage")
        fields.setdefault("frequency", "quarter")
        fields.setdefault("aggregation", "ratio" if fields["value_type"] == "percentage" else "sum")
        fields.setdefault("level", "province")
        fields.setdefault("unit", "%" if fields["value_type"] == "percentage" else "")
        indicator = actions.create_indicator(actor=None, owner=org(owner), code=code, name=name, **fields)
        if reporters:
            actions.add_obligations(actor=None, indicator=indicator, organisations=[org(c) for c in reporters],
                                    starts_on=starts_on)
        return indicator

    return make


@pytest.fixture
def report(org, period):
    """report(indicator, "P20", "2025-Q1", value=…) → an approved value, entered by the system."""
    from nq57.indicators import actions

    def save(indicator, code, key, *, approve=True, confirm_flags=True, flag_note="Đã kiểm tra", **fields):
        value = actions.save_value(actor=None, indicator=indicator, organisation=org(code), period=period(key),
                                   submit=True, confirm_flags=confirm_flags, flag_note=flag_note, **fields)
        return actions.approve_value(actor=None, value=value) if approve else value

    return save


@pytest.fixture
def kpi(make_indicator):
    """A ratio indicator (percentage recomputed from numerator and denominator) with national target and baseline."""
    from nq57.indicators import actions

    indicator = make_indicator()
    target = actions.set_target(actor=None, indicator=indicator, year=2030, comparator="gte", value=80,
                                text="≥ 80%")
    baseline = actions.set_baseline(actor=None, indicator=indicator, value=40, as_of=datetime.date(2024, 12, 31))
    return SimpleNamespace(indicator=indicator, target=target, baseline=baseline)


@pytest.fixture
def kim(make_user):
    """Head of the Ministry of Science and Technology: approves the ministry's own values."""
    return make_user("kim", home="BKHCN", role=Role.AGENCY_HEAD, scope="BKHCN", full_name="Kim Bộ KH&CN")


@pytest.fixture
def tung(make_user):
    """Head of Hà Nội: out of Lạng Sơn's scope."""
    return make_user("tung", home="P01", role=Role.AGENCY_HEAD, scope="P01", full_name="Tùng Hà Nội")


@pytest.fixture
def quarter_label():
    """quarter_label("2025-Q1") → the quarter's label as pages and exports show it (Vietnamese)."""
    from django.utils import translation

    from nq57.indicators.periods import parse_period

    def label(key):
        with translation.override("vi"):
            return parse_period(key, "quarter").label

    return label
