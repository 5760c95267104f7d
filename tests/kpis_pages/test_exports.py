"""Every table exports as CSV, with the same rows and numbers as the page and the API."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Min

from accounts.tenancy import workspace_scope
from campaigns.models import Campaign, Deal, Lead, SpendEntry, Touchpoint
from kpis.formulas import ATTRIBUTION_MODELS


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_kpi_export_equals_the_api(seeded, member_client, api_client, last_30):
    first, last = last_30
    exported = {
        r["kpi"]: r for r in rows(member_client.get(f"/w/acme/?range=custom&from={first}&to={last}&export=kpis"))
    }
    metrics = api_client.get(f"/api/v1/kpis/?from={first}&to={last}").json()["metrics"]
    assert set(exported) == set(metrics)
    for name, value in metrics.items():
        cell = exported[name]["value"]
        if value is None:
            assert cell == ""
        elif isinstance(value, str):
            assert cell == value  # money: the API's 2-decimal string
        else:
            assert float(cell) == pytest.approx(float(value))


@pytest.mark.parametrize(
    ("url", "count_query"),
    [
        ("/w/acme/records/leads/?stage=created", lambda f, t: Lead.objects.filter(created_on__range=(f, t)).count()),
        ("/w/acme/records/leads/?stage=mql", lambda f, t: Lead.objects.filter(mql_on__range=(f, t)).count()),
        (
            "/w/acme/records/deals/?status=won",
            lambda f, t: Deal.objects.filter(status="won", closed_on__range=(f, t)).count(),
        ),
        ("/w/acme/records/spend/?", lambda f, t: SpendEntry.objects.filter(date__range=(f, t)).count()),
        (
            "/w/acme/records/touchpoints/?touchpoint=email_sent",
            lambda f, t: Touchpoint.objects.filter(kind="email_sent", occurred_on__range=(f, t)).count(),
        ),
        (
            "/w/acme/records/customers/?",
            # accounts whose earliest won deal closed in the range, counted from the deals themselves
            lambda f, t: sum(
                f <= first_won <= t
                for first_won in Deal.objects.filter(status="won")
                .values("account")
                .annotate(first=Min("closed_on"))
                .values_list("first", flat=True)
            ),
        ),
    ],
)
def test_record_lists_export_every_row(seeded, member_client, last_30, url, count_query):
    first, last = last_30
    first -= timedelta(days=30)
    kind = url.split("/")[4]
    exported = rows(member_client.get(f"{url}&range=custom&from={first}&to={last}&export={kind}"))
    with workspace_scope(seeded):
        expected = count_query(first, last)
    assert expected > 0
    assert len(exported) == expected


@pytest.mark.parametrize(
    ("kpi", "url"),
    [
        ("leads", "leads/?stage=created"),
        ("deals_won", "deals/?status=won"),
        ("open_deals", "deals/?status=open"),
        ("sqos", "leads/?stage=sqo"),
        ("new_customers", "customers/?"),
        ("emails_sent", "touchpoints/?touchpoint=email_sent"),
        ("email_bounces", "touchpoints/?touchpoint=email_bounce"),
        ("page_views", "touchpoints/?touchpoint=page_view"),
        ("content_downloads", "touchpoints/?touchpoint=content_download"),
        ("social_engagements", "touchpoints/?touchpoint=social_engagement"),
    ],
)
def test_drill_down_counts_equal_the_kpi(seeded, member_client, api_client, last_30, kpi, url):
    first, last = last_30
    metrics = api_client.get(f"/api/v1/kpis/?from={first}&to={last}").json()["metrics"]
    assert metrics[kpi] > 0
    html = member_client.get(f"/w/acme/records/{url}&range=custom&from={first}&to={last}").content.decode()
    assert f"<strong data-record-count>{metrics[kpi]}</strong>" in html


def test_campaign_tables_export(seeded, member_client):
    with workspace_scope(seeded):
        campaign = Campaign.objects.filter(sourced_leads__isnull=False).order_by("external_id").first()
        expected = {
            "spend": SpendEntry.objects.filter(campaign=campaign).count(),
            "leads": Lead.objects.filter(source_campaign=campaign).count(),
            "deals": Deal.objects.filter(source_campaign=campaign).count(),
        }
    for table, count in expected.items():
        exported = rows(member_client.get(f"/w/acme/campaigns/{campaign.external_id}/?export={table}"))
        assert len(exported) == count
    spend = rows(member_client.get(f"/w/acme/campaigns/{campaign.external_id}/?export=spend"))
    assert all(Decimal(r["cost"]) >= 0 for r in spend)


def test_campaign_list_abm_attribution_targets_and_overview_export(seeded, member_client):
    with workspace_scope(seeded):
        campaigns = Campaign.objects.count()
    assert len(rows(member_client.get("/w/acme/campaigns/?export=campaigns"))) == campaigns
    accounts = rows(member_client.get("/w/acme/abm/?export=accounts"))
    assert accounts and set(accounts[0]) >= {"account", "score", "is_mqa", "last_engagement"}
    attribution = rows(member_client.get("/w/acme/attribution/?range=ytd&export=campaigns"))
    assert attribution and "linear_revenue" in attribution[0]
    assert rows(member_client.get("/w/acme/attribution/?range=ytd&export=channels"))
    reconciliation = rows(member_client.get("/w/acme/attribution/?range=ytd&export=reconciliation"))
    assert [r["model"] for r in reconciliation] == list(ATTRIBUTION_MODELS)
    for line in reconciliation:  # every model credits the whole won revenue, to within rounding per campaign
        assert Decimal(line["won_revenue"]) > 0
        assert abs(Decimal(line["difference"])) <= Decimal("0.01") * len(attribution)
        assert Decimal(line["attributed_revenue"]) - Decimal(line["won_revenue"]) == Decimal(line["difference"])
    assert rows(member_client.get("/w/acme/targets/?export=targets")) == []
    overview = rows(member_client.get("/?export=workspaces"))
    assert [r["workspace"] for r in overview] == ["acme"]


def test_chart_data_exports_as_csv(seeded, member_client):
    exported = rows(member_client.get("/w/acme/charts/spend-leads/?range=last_7&grain=day&format=csv"))
    assert len(exported) == 7
    assert set(exported[0]) == {"label", "Spend", "Leads"}


def test_another_agency_cannot_export(seeded, other_client):
    assert other_client.get("/w/acme/?export=kpis").status_code == 404
    assert other_client.get("/w/acme/records/leads/?export=leads").status_code == 404


@pytest.mark.parametrize(
    ("kpi", "url"), [("new_customers", "customers/?"), ("page_views", "touchpoints/?touchpoint=page_view")]
)
def test_narrowed_drill_downs_count_what_the_narrowed_kpi_counts(seeded, member_client, api_client, last_30, kpi, url):
    first, last = last_30
    first -= timedelta(days=60)
    with workspace_scope(seeded):
        campaign = Campaign.objects.filter(sourced_deals__status="won").order_by("external_id").first()
    for narrowing in (f"campaign={campaign.external_id}", f"channel={campaign.channel}"):
        metrics = api_client.get(f"/api/v1/kpis/?from={first}&to={last}&{narrowing}").json()["metrics"]
        html = member_client.get(f"/w/acme/records/{url}&range=custom&from={first}&to={last}&{narrowing}")
        assert f"<strong data-record-count>{metrics[kpi]}</strong>" in html.content.decode(), narrowing


@pytest.mark.parametrize(
    ("kpi", "show"), [("target_accounts", "all"), ("engaged_target_accounts", "engaged"), ("mqas", "mqa")]
)
def test_abm_counts_link_to_the_target_accounts_they_count(seeded, member_client, api_client, last_30, kpi, show):
    first, last = last_30
    metrics = api_client.get(f"/api/v1/kpis/?from={first}&to={last}").json()["metrics"]
    assert metrics[kpi] > 0
    dashboard = member_client.get(f"/w/acme/abm/?range=custom&from={first}&to={last}").content.decode()
    assert f"show={show}" in dashboard  # the card links to its list
    html = member_client.get(f"/w/acme/abm/?range=custom&from={first}&to={last}&show={show}").content.decode()
    assert f"<span data-record-count>{metrics[kpi]}</span>" in html
    exported = rows(member_client.get(f"/w/acme/abm/?range=custom&from={first}&to={last}&show={show}&export=accounts"))
    assert len(exported) == metrics[kpi]
    assert member_client.get("/w/acme/abm/?show=bogus").status_code == 404
