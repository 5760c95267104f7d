"""GET /api/v1/kpis/forecast/: values, model, bad parameters, the key's workspace only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from campaigns.models import DealStatus
from kpis.services import recompute_rollups
from tests.data_factories import DealFactory, LeadFactory

pytestmark = pytest.mark.django_db

# Wednesday 10 June 2026, noon UTC (the workspace is on UTC): history to 9 June, forecast 10–30 June.
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
MAY_1 = date(2026, 5, 1)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_flow_is_its_actuals_to_date_plus_the_forecast_of_the_remaining_days(
    api_client, workspace, daily_rows, clock
):
    # 40 days (1 May – 9 June) of exactly 6 leads a day: a flat series, forecast flat with no spread.
    daily_rows(workspace, MAY_1, leads=[6] * 40)
    body = api_client.get("/api/v1/kpis/forecast/", {"kpi": "leads", "horizon": "month"}).json()
    assert (body["from"], body["to"], body["today"]) == ("2026-06-01", "2026-06-30", "2026-06-10")
    assert body["model"] == "Holt-Winters, weekly"
    assert body["history_days"] == 40
    assert body["interval"] == 0.8
    assert body["actual_to_date"] == 54  # 1–9 June: 9 days × 6
    assert (body["value"], body["low"], body["high"]) == (180, 180, 180)  # 54 + 21 remaining days × 6
    assert len(body["daily"]) == 21
    assert body["daily"][0] == {"date": "2026-06-10", "value": 6, "low": 6, "high": 6}


def test_a_quarter_forecast_runs_to_the_quarters_end(api_client, workspace, daily_rows, clock):
    daily_rows(workspace, MAY_1, won_revenue=[Decimal("100.50")] * 40)
    body = api_client.get("/api/v1/kpis/forecast/", {"kpi": "won_revenue", "horizon": "quarter"}).json()
    assert (body["from"], body["to"]) == ("2026-04-01", "2026-06-30")
    assert body["actual_to_date"] == "4020.00"  # 1 May – 9 June: 40 × 100.50
    assert body["value"] == "6130.50"  # + 21 × 100.50


def test_mrr_is_forecast_as_its_level_at_the_periods_end(api_client, workspace, daily_rows, clock):
    # MRR grows by exactly 10 a day from 1 May: 400 on 9 June after 40 days.
    daily_rows(workspace, MAY_1, new_mrr=[Decimal(10)] * 40)
    body = api_client.get("/api/v1/kpis/forecast/", {"kpi": "mrr", "horizon": "month"}).json()
    assert body["model"] == "Holt, damped trend"
    assert body["actual_to_date"] == "400.00"
    value = Decimal(body["value"])
    assert Decimal("590") < value < Decimal("615")  # 21 more days of +10 is 610; damping bends it a little
    assert Decimal(body["low"]) <= value <= Decimal(body["high"])


def test_a_short_history_says_so(api_client, workspace, clock):
    # Real leads through the rollups: 2 on 8 June and 4 on 9 June.
    for day, count in ((8, 2), (9, 4)):
        for _ in range(count):
            LeadFactory(workspace=workspace, created_at=datetime(2026, 6, day, 9, tzinfo=UTC))
    DealFactory(workspace=workspace, status=DealStatus.OPEN, created_at=datetime(2026, 6, 9, 9, tzinfo=UTC))
    recompute_rollups(workspace_id=workspace.pk)
    body = api_client.get("/api/v1/kpis/forecast/", {"kpi": "leads", "horizon": "month"}).json()
    assert body["model"] == "average of the last 14 days: short history"
    assert body["history_days"] == 2
    assert body["actual_to_date"] == 6
    assert body["value"] == 6 + 21 * 3  # the average of 2 and 4, for the 21 days left
    pipeline = api_client.get("/api/v1/kpis/forecast/", {"kpi": "deals_created", "horizon": "month"}).json()
    assert pipeline["actual_to_date"] == 1


def test_no_history_gives_nulls_not_an_error(api_client, workspace, clock):
    body = api_client.get("/api/v1/kpis/forecast/", {"kpi": "mqls", "horizon": "quarter"}).json()
    assert body["model"] == "no history: nothing to forecast"
    assert (body["value"], body["low"], body["high"], body["daily"]) == (None, None, None, [])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kpi": "cpl", "horizon": "month"}, "kpi"),
        ({"horizon": "month"}, "kpi"),
        ({"kpi": "leads", "horizon": "year"}, "horizon"),
        ({"kpi": "leads"}, "horizon"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api_client, params, field):
    response = api_client.get("/api/v1/kpis/forecast/", params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_an_unknown_parameter_is_refused(api_client):
    response = api_client.get("/api/v1/kpis/forecast/", {"kpi": "leads", "horizon": "month", "from": "2026-01-01"})
    assert response.status_code == 400


def test_without_a_key_it_is_refused(client):
    assert client.get("/api/v1/kpis/forecast/?kpi=leads&horizon=month").status_code in (401, 403)


def test_the_schema_lists_the_endpoint(api_client):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/kpis/forecast/"]["get"]
    assert operation["operationId"] == "kpis_forecast"
    assert {p["name"] for p in operation["parameters"]} >= {"kpi", "horizon"}
