"""expected_interval: the 80 % interval of one day from the history before it (for an anomaly alert)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kpis.forecasts import expected_interval

pytestmark = pytest.mark.django_db
MAY_1 = date(2026, 5, 1)


def test_the_interval_of_a_day_comes_from_the_days_before_it(workspace, daily_rows):
    # Ten days alternating 10 and 20 leads, then a spike of 90 on 11 May.
    daily_rows(workspace, MAY_1, leads=[10, 20] * 5 + [90])
    low, high, model = expected_interval(workspace=workspace, kpi="leads", day=date(2026, 5, 11))
    assert model == "average of the last 14 days: short history"
    assert (low, high) == (10.0, 20.0)  # 15 ± 5: the spike of 90 on that day is outside, an anomaly
    # The spike is part of the history of the day after: the interval widens to take it in.
    low, high, _ = expected_interval(workspace=workspace, kpi="leads", day=date(2026, 5, 12))
    assert high == 90.0


def test_a_long_history_uses_holt_winters_and_its_interval_holds_the_usual_value(workspace, daily_rows):
    weekly = [28, 12, 10, 30, 34, 33, 31]  # from Friday (1 May 2026 is one)
    daily_rows(workspace, MAY_1, leads=[weekly[i % 7] + (i % 3) for i in range(57)])  # 1 May – 26 June
    low, high, model = expected_interval(workspace=workspace, kpi="leads", day=date(2026, 6, 26))  # a Friday
    assert model == "Holt-Winters, weekly"
    assert low < 28 + 1 < high  # Fridays were 28–30
    assert high < 40  # … and a weekday's 34 would be out on a Saturday: the season is in the interval
    saturday_low, saturday_high, _ = expected_interval(workspace=workspace, kpi="leads", day=date(2026, 6, 27))
    assert saturday_low >= 8 and saturday_high < 20  # Saturdays were 12–14


def test_mrr_is_a_balance_and_no_history_is_none(workspace, daily_rows):
    assert expected_interval(workspace=workspace, kpi="mrr", day=MAY_1) is None
    daily_rows(workspace, MAY_1, new_mrr=[Decimal(100), Decimal(0), Decimal(50)])
    low, high, model = expected_interval(workspace=workspace, kpi="mrr", day=date(2026, 5, 4))
    assert model == "last value: short history"
    assert (low, high) == (150.0, 200.0)  # 100, 100, 150: 150 on 3 May, then a change of 0 or +50


def test_another_kpi_is_refused(workspace):
    with pytest.raises(ValueError):
        expected_interval(workspace=workspace, kpi="cpl", day=MAY_1)


def test_a_fit_is_made_once_until_new_data_change_the_history(workspace, daily_rows, monkeypatch):
    from kpis import forecasting, forecasts

    fits = []
    real = forecasting.forecast
    monkeypatch.setattr(forecasting, "forecast", lambda *args, **kwargs: fits.append(args) or real(*args, **kwargs))
    forecasts._cached_fit.cache_clear()
    daily_rows(workspace, MAY_1, leads=[3, 5, 4])
    first = expected_interval(workspace=workspace, kpi="leads", day=date(2026, 5, 4))
    assert expected_interval(workspace=workspace, kpi="leads", day=date(2026, 5, 4)) == first
    assert len(fits) == 1  # the second answer came from the cache
    daily_rows(workspace, date(2026, 5, 4), leads=[40])
    expected_interval(workspace=workspace, kpi="leads", day=date(2026, 5, 5))
    assert len(fits) == 2  # a longer history: a new fit
