"""The campaign table: each campaign's figures over the range, hand-computed from a small fixture.

November 2026, three campaigns (named so that alphabetical order differs from date order):

- "Jun push" (paid search, from 1 Jun): spend 100.00 + 50.00 (and 999.00 on 31 Oct, outside), 1,500
  impressions, 45 clicks → CTR 3.0 %; 3 leads (1 MQL) → CPL 50.00; a 600.00 deal won → ROI
  (600 − 150) / 150 = 300 %; open at the end of November: a deal from October and one from November → 2.
  Its won deal's account was touched by Jun push, then by Aug launch: linear credit 300.00 each.
- "Aug launch" (email, from 1 Aug): spend 300.00, 2,000 impressions, 20 clicks → 1.0 %; 2 leads → CPL
  150.00; a 150.00 deal won (no touches: its source campaign gets it) → ROI −50 %; attributed 300 + 150.
- "Jul webinar" (webinar, from 1 Jul): nothing in the range; ROI and CPL undefined.

Totals: spend 450.00, 3,500 impressions, 65 clicks (1.9 %), 5 leads, CPL 90.00, 1 MQL, 2 open deals,
won 750.00, ROI (750 − 450) / 450 = 66.7 %, attributed 750.00.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpis.services import recompute_rollups
from tests.data_factories import (
    AccountFactory,
    CampaignFactory,
    DealFactory,
    LeadFactory,
    SpendEntryFactory,
    TouchpointFactory,
)

RANGE = "range=custom&from=2026-11-01&to=2026-11-30"


def at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=UTC)


@pytest.fixture
def campaigns(workspace):
    jun = CampaignFactory(
        workspace=workspace, external_id="jun", name="Jun push", channel="paid_search", starts_on=date(2026, 6, 1)
    )
    aug = CampaignFactory(
        workspace=workspace, external_id="aug", name="Aug launch", channel="email", starts_on=date(2026, 8, 1)
    )
    jul = CampaignFactory(
        workspace=workspace, external_id="jul", name="Jul webinar", channel="webinar", starts_on=date(2026, 7, 1)
    )
    SpendEntryFactory(workspace=workspace, campaign=jun, date=date(2026, 11, 5), cost=Decimal("100.00"),
                      impressions=1000, clicks=30)  # fmt: skip
    SpendEntryFactory(workspace=workspace, campaign=jun, date=date(2026, 11, 20), cost=Decimal("50.00"),
                      impressions=500, clicks=15)  # fmt: skip
    SpendEntryFactory(workspace=workspace, campaign=jun, date=date(2026, 10, 31), cost=Decimal("999.00"),
                      impressions=9999, clicks=999)  # fmt: skip
    SpendEntryFactory(workspace=workspace, campaign=aug, date=date(2026, 11, 10), cost=Decimal("300.00"),
                      impressions=2000, clicks=20)  # fmt: skip
    LeadFactory(workspace=workspace, source_campaign=jun, created_at=at(10), mql_at=at(12))
    LeadFactory(workspace=workspace, source_campaign=jun, created_at=at(10))
    LeadFactory(workspace=workspace, source_campaign=jun, created_at=at(10))
    LeadFactory(workspace=workspace, source_campaign=aug, created_at=at(11))
    LeadFactory(workspace=workspace, source_campaign=aug, created_at=at(11))
    buyer = AccountFactory(workspace=workspace)
    DealFactory(workspace=workspace, account=buyer, source_campaign=jun, amount=Decimal("600.00"), status="won",
                created_at=at(1), closed_at=at(25))  # fmt: skip
    TouchpointFactory(workspace=workspace, kind="email_click", account=buyer, campaign=jun, occurred_at=at(2))
    TouchpointFactory(workspace=workspace, kind="email_click", account=buyer, campaign=aug, occurred_at=at(3))
    DealFactory(workspace=workspace, source_campaign=aug, amount=Decimal("150.00"), status="won",
                created_at=at(2), closed_at=at(20))  # fmt: skip
    DealFactory(workspace=workspace, source_campaign=jun, created_at=at(1, 10))  # open since October
    DealFactory(workspace=workspace, source_campaign=jun, created_at=at(15))  # open since November
    recompute_rollups(workspace_id=workspace.pk)
    return {"jun": jun, "aug": aug, "jul": jul}


def export(client, query: str = "") -> list[dict]:
    response = client.get(f"/w/acme/campaigns/?{RANGE}&export=campaigns{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_export_holds_each_campaigns_exact_figures(campaigns, member_client):
    rows = {row["external_id"]: row for row in export(member_client)}
    jun, aug, jul = rows["jun"], rows["aug"], rows["jul"]
    assert (jun["spend"], jun["impressions"], jun["clicks"], jun["leads"], jun["mqls"]) == (
        "150.00", "1500", "45", "3", "1")  # fmt: skip
    assert float(jun["ctr"]) == pytest.approx(0.03) and jun["cpl"] == "50.00"
    assert jun["open_deals"] == "2" and jun["won_revenue"] == "600.00" and float(jun["roi"]) == pytest.approx(3.0)
    assert jun["attributed_revenue"] == "300.00"
    assert (aug["spend"], aug["cpl"], aug["won_revenue"], aug["attributed_revenue"]) == (
        "300.00", "150.00", "150.00", "450.00")  # fmt: skip
    assert float(aug["roi"]) == pytest.approx(-0.5) and float(aug["ctr"]) == pytest.approx(0.01)
    assert (jul["spend"], jul["leads"], jul["cpl"], jul["roi"], jul["ctr"]) == ("0.00", "0", "", "", "")
    assert jun["starts_on"] == "2026-06-01"  # raw ISO dates, not the page's "1 Jun 2026"


def test_the_page_shows_grouped_figures_and_the_totals_row(campaigns, member_client):
    html = member_client.get(f"/w/acme/campaigns/?{RANGE}").content.decode()
    totals = html[html.index("<tfoot>") : html.index("</tfoot>")]
    for text in ("Total of 3 campaigns", "$450.00", "3,500", ">65<", "1.9 %", ">5<", "$90.00", ">2<", "$750.00",
                 "66.7 %"):  # fmt: skip
        assert text in totals, text
    assert "1,500" in html and "300.0 %" in html and "−50.0 %" in html


def test_the_campaign_row_agrees_with_the_dashboard_narrowed_to_it(campaigns, member_client, api_client):
    row = {r["external_id"]: r for r in export(member_client)}["jun"]
    metrics = api_client.get("/api/v1/kpis/?from=2026-11-01&to=2026-11-30&campaign=jun").json()["metrics"]
    for name in ("spend", "won_revenue", "cpl"):
        assert Decimal(row[name]) == Decimal(metrics[name]), name
    for name in ("impressions", "clicks", "leads", "mqls", "open_deals"):
        assert int(row[name]) == metrics[name], name
    assert float(row["roi"]) == pytest.approx(metrics["roi"]) and float(row["ctr"]) == pytest.approx(metrics["ad_ctr"])


def names_in_order(client, sort: str) -> list[str]:
    return [row["name"] for row in export(client, f"&sort={sort}")]


def test_sorted_by_roi_dates_as_dates_and_names(campaigns, member_client):
    assert names_in_order(member_client, "-roi") == ["Jun push", "Aug launch", "Jul webinar"]  # no ROI last
    assert names_in_order(member_client, "roi") == ["Aug launch", "Jun push", "Jul webinar"]
    assert names_in_order(member_client, "starts_on") == ["Jun push", "Jul webinar", "Aug launch"]
    assert names_in_order(member_client, "-starts_on") == ["Aug launch", "Jul webinar", "Jun push"]
    assert names_in_order(member_client, "name") == ["Aug launch", "Jul webinar", "Jun push"]
    assert names_in_order(member_client, "bogus") == names_in_order(member_client, "-spend")


def test_the_sorted_header_cell_carries_the_sort_state(campaigns, member_client):
    html = member_client.get(f"/w/acme/campaigns/?{RANGE}&sort=-roi").content.decode()
    assert html.count("aria-sort=") == 1
    cell = html[html.index("aria-sort=") - 40 : html.index("</th>", html.index("aria-sort="))]
    assert 'aria-sort="descending"' in cell and ">ROI" in cell
    assert "sort=roi" in cell  # clicking it again sorts ascending


def test_a_channel_narrows_the_rows_and_the_totals(campaigns, member_client):
    rows = export(member_client, "&channel=email")
    assert [r["external_id"] for r in rows] == ["aug"]
    html = member_client.get(f"/w/acme/campaigns/?{RANGE}&channel=email").content.decode()
    assert "Total of 1 campaign<" in html and "Jun push" not in html


def test_the_attribution_model_changes_the_attributed_column(campaigns, member_client):
    first = {r["external_id"]: r["attributed_revenue"] for r in export(member_client, "&model=first_touch")}
    assert first == {"jun": "600.00", "aug": "150.00", "jul": "0.00"}


def test_the_number_of_queries_does_not_grow_with_campaigns(campaigns, workspace, member_client):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert member_client.get(f"/w/acme/campaigns/?{RANGE}&sort=-roi").status_code == 200
        return len(captured)

    count()  # the first visit remembers the person's choice of range (one UPDATE, once)
    before = count()
    for n in range(6):
        campaign = CampaignFactory(workspace=workspace, external_id=f"more-{n}")
        SpendEntryFactory(workspace=workspace, campaign=campaign, date=date(2026, 11, 3))
        LeadFactory(workspace=workspace, source_campaign=campaign, created_at=at(4))
    recompute_rollups(workspace_id=workspace.pk)
    assert count() == before
