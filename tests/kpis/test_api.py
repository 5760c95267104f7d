"""The KPI API: shapes, renderings, bad parameters, tenant isolation, query counts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from campaigns.models import DealStatus
from kpis.catalog import KPIS
from kpis.services import recompute_rollups
from tests.data_factories import (
    AccountFactory,
    CampaignFactory,
    DealFactory,
    LeadFactory,
    SpendEntryFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db

JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}


@pytest.fixture
def data(workspace):
    email = CampaignFactory(workspace=workspace, external_id="cmp-email", channel="email")
    SpendEntryFactory(workspace=workspace, campaign=email, date=date(2026, 1, 5), cost=Decimal("100.10"))
    LeadFactory(workspace=workspace, source_campaign=email)
    LeadFactory(workspace=workspace, source_campaign=email)
    LeadFactory(workspace=workspace, source_campaign=email)
    target = AccountFactory(workspace=workspace, external_id="acc-target", is_target=True)
    TouchpointFactory(workspace=workspace, kind="meeting", account=target, campaign=email)
    DealFactory(
        workspace=workspace, account=target, status=DealStatus.WON, amount=Decimal("500"), source_campaign=email,
        closed_at=datetime(2026, 1, 20, tzinfo=UTC),
    )  # fmt: skip
    recompute_rollups(workspace_id=workspace.pk)
    return email


def test_kpis_renders_money_counts_rates_and_nulls(api_client, workspace, data):
    response = api_client.get("/api/v1/kpis/", JANUARY)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["workspace"], body["from"], body["to"], body["currency"]) == ("acme", *JANUARY.values(), "USD")
    assert body["as_of"] is not None
    metrics = body["metrics"]
    assert list(metrics) == list(KPIS.names)
    assert metrics["spend"] == "100.10"
    assert metrics["cpl"] == "33.37"  # 100.10 / 3 = 33.3666…
    assert metrics["leads"] == 3 and isinstance(metrics["leads"], int)
    assert metrics["win_rate"] == 1.0 and isinstance(metrics["win_rate"], float)
    assert metrics["cost_per_sqo"] is None
    assert metrics["mrr"] == "0.00"


def test_kpis_narrowed_to_a_campaign_or_channel(api_client, data):
    by_campaign = api_client.get("/api/v1/kpis/", {**JANUARY, "campaign": "cmp-email"}).json()["metrics"]
    by_channel = api_client.get("/api/v1/kpis/", {**JANUARY, "channel": "paid_search"}).json()["metrics"]
    assert (by_campaign["leads"], by_campaign["mqas"]) == (3, None)
    assert (by_channel["leads"], by_channel["spend"]) == (0, "0.00")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/kpis/", {"to": "2026-01-31"}, "from"),
        ("/api/v1/kpis/", {"from": "2026-13-01", "to": "2026-01-31"}, "from"),
        ("/api/v1/kpis/", {"from": "2026-01-01", "to": "yesterday"}, "to"),
        ("/api/v1/kpis/", {"from": "2026-02-01", "to": "2026-01-31"}, "to"),
        ("/api/v1/kpis/", {"from": "2020-01-01", "to": "2025-01-01"}, "to"),
        ("/api/v1/kpis/", {**JANUARY, "channel": "telepathy"}, "channel"),
        ("/api/v1/kpis/", {**JANUARY, "campaign": "nope"}, "campaign"),
        ("/api/v1/kpis/", {**JANUARY, "campaign": "cmp-email", "channel": "email"}, "channel"),
        ("/api/v1/kpis/timeseries/", {**JANUARY, "metric": "happiness", "grain": "day"}, "metric"),
        ("/api/v1/kpis/timeseries/", {**JANUARY, "metric": "spend", "grain": "year"}, "grain"),
        ("/api/v1/kpis/timeseries/", {**JANUARY, "grain": "day"}, "metric"),
        ("/api/v1/kpis/attribution/", {**JANUARY, "model": "u_shaped"}, "model"),
        ("/api/v1/kpis/attribution/", {"from": "2026-01-01", "model": "linear"}, "to"),
        ("/api/v1/kpis/accounts/", {"at": "31/01/2026"}, "at"),
        ("/api/v1/kpis/accounts/", {}, "at"),
    ],
)
def test_bad_parameters_are_400s_that_name_the_parameter(api_client, data, path, params, field):
    response = api_client.get(path, params)
    assert response.status_code == 400
    errors = response.json()
    assert field in errors and errors[field] and all(isinstance(m, str) for m in errors[field])


def test_five_years_is_the_longest_range(api_client, data):
    assert api_client.get("/api/v1/kpis/", {"from": "2021-01-01", "to": "2025-12-31"}).status_code == 200


def test_timeseries(api_client, data):
    body = api_client.get(
        "/api/v1/kpis/timeseries/", {"from": "2026-01-04", "to": "2026-01-13", "metric": "spend", "grain": "week"}
    ).json()
    assert (body["metric"], body["grain"]) == ("spend", "week")
    # Jan 4 is a Sunday (week of Mon Dec 29, clipped to the 4th); spend was on the 5th
    assert body["points"] == [
        {"period_start": "2025-12-29", "value": "0.00"},
        {"period_start": "2026-01-05", "value": "100.10"},
        {"period_start": "2026-01-12", "value": "0.00"},
    ]


def test_attribution(api_client, data):
    body = api_client.get("/api/v1/kpis/attribution/", {**JANUARY, "model": "time_decay"}).json()
    assert body["model"] == "time_decay"
    assert body["rows"] == [{"campaign": "cmp-email", "revenue": "500.00", "deals": 1.0}]


def test_account_scores(api_client, data):
    body = api_client.get("/api/v1/kpis/accounts/", {"at": "2026-01-05"}).json()
    # a meeting (15) at Jan 5 15:00 UTC, scored at the end of Jan 5 UTC: 9 hours old, under 20
    [row] = body["rows"]
    assert row["account"] == "acc-target"
    assert row["score"] == pytest.approx(15 * 0.5 ** (9 / 24 / 30))
    assert row["is_mqa"] is False


def test_missing_key_is_401(data):
    assert APIClient().get("/api/v1/kpis/", JANUARY).status_code == 401


def test_another_workspace_sees_only_its_own_numbers(other_api_client, data):
    response = other_api_client.get("/api/v1/kpis/", JANUARY)
    assert response.status_code == 200
    metrics = response.json()["metrics"]
    assert (metrics["spend"], metrics["leads"], metrics["target_accounts"]) == ("0.00", 0, 0)
    assert response.json()["workspace"] == "globex"
    # our campaign is unknown to the other workspace: the same 400 as a campaign that does not exist
    theirs = other_api_client.get("/api/v1/kpis/", {**JANUARY, "campaign": "cmp-email"})
    missing = other_api_client.get("/api/v1/kpis/", {**JANUARY, "campaign": "cmp-missing"})
    assert theirs.status_code == missing.status_code == 400
    assert theirs.json()["campaign"] == [m.replace("cmp-missing", "cmp-email") for m in missing.json()["campaign"]]
    assert other_api_client.get("/api/v1/kpis/accounts/", {"at": "2026-01-31"}).json()["rows"] == []
    assert other_api_client.get("/api/v1/kpis/attribution/", {**JANUARY, "model": "linear"}).json()["rows"] == []


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/kpis/", params).status_code == 200
    # the key's last_used_at is written at most once a while: not a KPI query
    return len([q for q in captured.captured_queries if "accounts_apikey" not in q["sql"]])


def test_query_count_grows_with_neither_campaigns_nor_range(api_client, workspace, data):
    small = _queries(api_client, {"from": "2026-01-05", "to": "2026-01-05"})
    for n in range(20):
        campaign = CampaignFactory(workspace=workspace)
        SpendEntryFactory(workspace=workspace, campaign=campaign, date=date(2025, 1 + n % 12, 1))
        LeadFactory(workspace=workspace, source_campaign=campaign, created_at=datetime(2025, 1 + n % 12, 2, tzinfo=UTC))
    recompute_rollups(workspace_id=workspace.pk)
    large = _queries(api_client, {"from": "2021-01-01", "to": "2025-12-31"})
    assert small == large
    assert large <= 25
