"""The dashboard's time series continue with a forecast when the range reaches today."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 10, 12, tzinfo=UTC)  # Wednesday 10 June


@pytest.fixture
def six_a_day(workspace, daily_rows):
    daily_rows(workspace, date(2026, 5, 1), leads=[6] * 40, new_mrr=[Decimal(10)] * 40)


def chart(client, name: str, query: str) -> dict:
    with time_machine.travel(NOW, tick=False):
        return client.get(f"/w/acme/charts/{name}/?{query}").json()


def test_a_daily_chart_continues_to_the_months_end(member_client, six_a_day):
    json = chart(member_client, "spend-leads", "range=last_7&grain=day")
    assert len(json["labels"]) == 7  # 4–10 June: the chart's own periods are unchanged
    forecast = json["forecast"]
    assert forecast["periods"] == [f"2026-06-{day}" for day in range(11, 31)]  # 11–30 June added
    (leads,) = forecast["datasets"]
    assert (leads["kpi"], leads["label"], leads["model"]) == ("leads", "Leads forecast", "Holt-Winters, weekly")
    assert leads["yAxisID"] == "y1"  # the leads line's axis
    assert len(leads["data"]) == 7 + 20
    # Nothing before yesterday; yesterday's actual (6) starts the dashed line; then 6 a day from today.
    assert leads["data"][:5] == [None] * 5
    assert leads["data"][5] == 6
    assert leads["data"][6:] == pytest.approx([6] * 21)
    assert leads["low"][6:] == pytest.approx([6] * 21) and leads["high"][6:] == pytest.approx([6] * 21)


def test_a_weekly_chart_forecasts_whole_weeks_with_the_actuals_to_date(member_client, six_a_day):
    json = chart(member_client, "spend-leads", "range=this_month&grain=week")
    # Weeks of 1, 8, 15, 22 and 29 June: the chart's 1–10 June has two; three are added to 30 June.
    assert forecast_periods(json) == ["2026-06-15", "2026-06-22", "2026-06-29"]
    data = json["forecast"]["datasets"][0]["data"]
    # w/c 1 June (1–7): actual 42 starts the line; w/c 8 June: 8–9 June actual (12) + 10–14 June (30).
    assert data == pytest.approx([42, 42, 42, 42, 12])


def forecast_periods(json):
    return json["forecast"]["periods"]


def test_mrr_continues_as_a_level(member_client, six_a_day):
    json = chart(member_client, "recurring", "range=this_month&grain=week")
    (mrr,) = json["forecast"]["datasets"]
    assert mrr["model"] == "Holt, damped trend"
    assert mrr["data"][0] == 380  # the MRR on 7 June, the end of the last whole week: 38 days × 10
    assert 440 < mrr["data"][1] <= 451  # 14 June: 450 (45 days × 10) if the trend held, damped a little
    assert mrr["low"][-1] <= mrr["data"][-1] <= mrr["high"][-1]


def test_no_forecast_for_a_past_range_or_a_narrowed_chart(member_client, six_a_day):
    assert "forecast" not in chart(member_client, "spend-leads", "range=last_month")
    assert "forecast" not in chart(member_client, "spend-leads", "range=last_7&channel=email")
    assert "forecast" not in chart(member_client, "cost-trend", "range=last_7")
