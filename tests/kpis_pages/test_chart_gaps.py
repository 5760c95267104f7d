"""Days without data in the chart JSON: a ratio has no value (null, a gap), a count is a real 0.

The fixture, 5–7 Jan 2026 by day: spend $100 and 2 leads on the 5th, spend $50 and no lead on the 6th,
nothing on the 7th; 100 emails sent on the 5th and none opened.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.data_factories import T0, CampaignFactory, EmailStatFactory, LeadFactory, SpendEntryFactory

RANGE = "range=custom&from=2026-01-05&to=2026-01-07&grain=day"


@pytest.fixture
def three_days(workspace):
    from kpis.services import recompute_rollups

    campaign = CampaignFactory(workspace=workspace, channel="paid_search")
    SpendEntryFactory(workspace=workspace, campaign=campaign, date=date(2026, 1, 5), cost=Decimal("100.00"))
    SpendEntryFactory(workspace=workspace, campaign=campaign, date=date(2026, 1, 6), cost=Decimal("50.00"))
    LeadFactory.create_batch(2, workspace=workspace, created_at=T0)  # 5 Jan
    EmailStatFactory(workspace=workspace, campaign=campaign, date=date(2026, 1, 5), sent=100)
    recompute_rollups(workspace_id=workspace.pk)
    return workspace


def datasets(client, chart: str) -> dict[str, dict]:
    payload = client.get(f"/w/acme/charts/{chart}/?{RANGE}").json()
    assert payload["periods"] == ["2026-01-05", "2026-01-06", "2026-01-07"]
    return {d["label"]: d for d in payload["datasets"]}


def test_a_ratio_is_null_on_days_without_its_data_and_says_why(three_days, member_client):
    cost = datasets(member_client, "cost-trend")
    # CPL = spend ÷ leads: 100 ÷ 2 on the 5th; no lead on the 6th and 7th, so no CPL (not 0, not 50).
    assert cost["Cost per lead"]["data"] == [50.0, None, None]
    assert cost["Customer acquisition cost"]["data"] == [None, None, None]  # no new customer at all
    assert (
        cost["Cost per lead"]["gap_note"]
        == "Cost per lead is spend ÷ leads: no value in a period with 0 leads (a gap in the chart, not 0)."
    )
    assert cost["Cost per lead"]["spanGaps"] is False  # the line is not drawn across the gap


def test_a_count_without_rows_is_a_real_zero(three_days, member_client):
    spend_leads = datasets(member_client, "spend-leads")
    assert spend_leads["Spend"]["data"] == [100.0, 50.0, 0]
    assert spend_leads["Leads"]["data"] == [2, 0, 0]
    assert "gap_note" not in spend_leads["Spend"] and "gap_note" not in spend_leads["Leads"]


def test_a_rate_of_zero_on_a_day_with_data_is_not_a_gap(three_days, member_client):
    email = datasets(member_client, "email")
    assert email["Emails sent"]["data"] == [100, 0, 0]
    # 0 opens of 100 delivered is 0 %; on days with no email sent the open rate is undefined.
    assert email["Open rate"]["data"] == [0.0, None, None]
    assert email["Open rate"]["gap_note"]


def test_the_csv_writes_a_gap_as_empty_and_a_zero_as_zero(three_days, member_client):
    rows = member_client.get(f"/w/acme/charts/cost-trend/?{RANGE}&format=csv").content.decode().splitlines()
    assert rows[1].split(",")[:2] == ["2026-01-05", "50.0"]
    assert rows[2].split(",")[1] == ""


def test_another_agency_gets_a_404(three_days, other_client):
    assert other_client.get(f"/w/acme/charts/cost-trend/?{RANGE}").status_code == 404


@pytest.mark.parametrize(
    ("kpi", "gap"),
    [
        ("cpl", True),  # spend ÷ leads
        ("ad_ctr", True),  # clicks ÷ impressions
        ("open_rate", True),
        ("avg_sales_cycle_days", True),  # a mean over no deal
        ("leads", False),  # a count: no lead is 0 leads
        ("spend", False),
        ("unique_visitors", False),  # a distinct count, not additive, still 0 without visits
        ("mrr", False),  # a sum of the active deals' MRR
    ],
)
def test_the_catalogue_decides_gap_or_zero(kpi, gap):
    from kpis.charts import undefined_without_data

    assert undefined_without_data(kpi) is gap
