"""Will we reach it? The forecast at a target period's end against the target."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from kpis.targets import forecast_verdict, target_set


@pytest.mark.parametrize(
    ("value", "low", "high", "verdict"),
    [
        (560, 520, 600, "likely to reach it"),  # the whole interval at or above 500
        (510, 500, 550, "likely to reach it"),  # its lower bound exactly on the target
        (510, 470, 550, "within reach"),
        (490, 470, 550, "at risk"),
        (450, 400, 499, "likely to miss"),
    ],
)
def test_the_verdict_against_a_target_of_500(value, low, high, verdict):
    assert forecast_verdict(value, low, high, Decimal(500)) == verdict


@pytest.mark.django_db
def test_the_targets_page_says_whether_a_running_target_will_be_reached(workspace, member_client, daily_rows):
    # 6 leads every day from 1 May; on 10 June, June's forecast is 54 + 21 × 6 = 180, with no spread.
    daily_rows(workspace, date(2026, 5, 1), leads=[6] * 40)
    target_set(workspace=workspace, kpi="leads", period_kind="month", starts_on=date(2026, 6, 1), value=Decimal(200))
    target_set(workspace=workspace, kpi="mqls", period_kind="month", starts_on=date(2026, 5, 1), value=Decimal(5))
    target_set(workspace=workspace, kpi="spend", period_kind="month", starts_on=date(2026, 6, 1), value=Decimal(5))
    with time_machine.travel(datetime(2026, 6, 10, 12, tzinfo=UTC), tick=False):
        html = member_client.get("/w/acme/targets/").content.decode()
    row = html.split('data-target="leads-2026-06-01"')[1].split("</tr>")[0]
    assert "<strong>Likely to miss</strong>: forecast 180 (80 %: 180–180)" in row
    assert "Holt-Winters, weekly" in row
    # May's target has ended and spend is not forecast: no verdict.
    for key in ("mqls-2026-05-01", "spend-2026-06-01"):
        assert "forecast" not in html.split(f'data-target="{key}"')[1].split("</tr>")[0]


@pytest.mark.django_db
def test_a_money_forecast_is_written_in_whole_units(workspace, member_client, daily_rows):
    # 1,000.40 won every day from 1 May; on 10 June, June's forecast is 30 × 1,000.40 = 30,012 (no spread).
    daily_rows(workspace, date(2026, 5, 1), won_revenue=[Decimal("1000.40")] * 40)
    target_set(
        workspace=workspace, kpi="won_revenue", period_kind="month", starts_on=date(2026, 6, 1), value=Decimal(40000)
    )
    with time_machine.travel(datetime(2026, 6, 10, 12, tzinfo=UTC), tick=False):
        html = member_client.get("/w/acme/targets/").content.decode()
    row = html.split('data-target="won_revenue-2026-06-01"')[1].split("</tr>")[0]
    assert "forecast $30,012 (80 %: $30,012–$30,012)" in row


@pytest.mark.django_db
def test_a_level_target_says_the_bound_and_where_the_kpi_stands(workspace, member_client, daily_rows):
    # 100.00 spent and 2 leads a day in June: cost per lead 50.00 to date, against a ceiling of 40.00.
    daily_rows(workspace, date(2026, 6, 1), spend=[Decimal("100.00")] * 9, leads=[2] * 9)
    target_set(workspace=workspace, kpi="cpl", period_kind="month", starts_on=date(2026, 6, 1), value=Decimal(40))
    with time_machine.travel(datetime(2026, 6, 10, 12, tzinfo=UTC), tick=False):
        html = member_client.get("/w/acme/targets/").content.decode()
    row = html.split('data-target="cpl-2026-06-01"')[1].split("</tr>")[0]
    assert "at most $40.00 · $50.00 so far" in row and "Off track" in row
