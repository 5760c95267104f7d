"""The pages show exactly the numbers of the KPI API for the same range and scope."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import Campaign, Channel
from kpis import views
from kpis.formulas import ATTRIBUTION_MODELS
from kpis.views.layouts import ABM_KPIS, HEADLINE, OVERVIEW_KPIS, dashboard_kpis
from tests.kpis_pages.conftest import page_values, same_number


def api_metrics(api_client, query: str) -> dict:
    response = api_client.get(f"/api/v1/kpis/?{query}")
    assert response.status_code == 200, response.content
    return response.json()["metrics"]


def assert_page_matches_api(html: str, metrics: dict, names) -> None:
    values = page_values(html)
    for name in names:
        assert name in values, f"{name} is not on the page"
        assert same_number(values[name], metrics[name]), f"{name}: page {values[name]!r} ≠ API {metrics[name]!r}"


def test_dashboard_equals_the_api(seeded, member_client, api_client, last_30):
    first, last = last_30
    query = f"from={first}&to={last}"
    metrics = api_metrics(api_client, query)
    html = member_client.get(f"/w/acme/?range=custom&{query}").content.decode()
    assert_page_matches_api(html, metrics, dashboard_kpis())
    assert metrics["leads"] > 0 and Decimal(metrics["spend"]) > 0  # not vacuous


def test_default_dashboard_is_the_last_30_days(seeded, member_client, api_client, last_30):
    first, last = last_30
    metrics = api_metrics(api_client, f"from={first}&to={last}")
    assert_page_matches_api(member_client.get("/w/acme/").content.decode(), metrics, HEADLINE)


@pytest.mark.parametrize("scope", ["campaign", "channel"])
def test_dashboard_narrowed_equals_the_api(seeded, member_client, api_client, last_30, scope):
    first, last = last_30
    with workspace_scope(seeded):
        campaign = Campaign.objects.filter(spend_entries__date__gte=first).order_by("external_id").first()
    value = campaign.external_id if scope == "campaign" else campaign.channel
    query = f"from={first}&to={last}&{scope}={value}"
    metrics = api_metrics(api_client, query)
    html = member_client.get(f"/w/acme/?range=custom&{query}").content.decode()
    assert_page_matches_api(html, metrics, dashboard_kpis())
    assert metrics["active_customers"] is None  # workspace-wide KPIs are null when narrowed…
    assert 'data-kpi="active_customers" data-value=""' in html  # …and shown as "—"


def test_campaign_page_equals_the_api(seeded, member_client, api_client, last_30):
    first, last = last_30
    with workspace_scope(seeded):
        campaign = Campaign.objects.filter(spend_entries__date__gte=first).order_by("external_id").first()
    metrics = api_metrics(api_client, f"from={first}&to={last}&campaign={campaign.external_id}")
    html = member_client.get(
        f"/w/acme/campaigns/{campaign.external_id}/?range=custom&from={first}&to={last}"
    ).content.decode()
    names = (*views.CampaignDetailView.CARD_METRICS, *views.CampaignDetailView.DETAIL_METRICS)
    assert_page_matches_api(html, metrics, names)


def test_abm_page_equals_the_api(seeded, member_client, api_client, last_30):
    first, last = last_30
    metrics = api_metrics(api_client, f"from={first}&to={last}")
    html = member_client.get(f"/w/acme/abm/?range=custom&from={first}&to={last}").content.decode()
    assert_page_matches_api(html, metrics, ABM_KPIS)
    scores = api_client.get(f"/api/v1/kpis/accounts/?at={last}").json()["rows"]
    for row in scores:
        assert f'data-account="{row["account"]}"' in html
        if row["is_mqa"]:
            start = html.index(f'data-account="{row["account"]}"')
            assert "MQA</span>" in html[start : html.index("</tr>", start)]


def test_report_equals_the_api(seeded, member_client, api_client, last_30):
    first, last = last_30
    metrics = api_metrics(api_client, f"from={first}&to={last}")
    html = member_client.get(f"/w/acme/report/?range=custom&from={first}&to={last}").content.decode()
    report = html[html.index("<h2>Volume</h2>") :]
    assert_page_matches_api(report, metrics, metrics)


def test_agency_overview_equals_the_api(seeded, member_client, api_client, last_30):
    first, last = last_30
    metrics = api_metrics(api_client, f"from={first}&to={last}")
    html = member_client.get("/?range=last_30").content.decode()
    card = html[html.index('data-workspace="acme"') :]
    assert_page_matches_api(card, metrics, OVERVIEW_KPIS)


@pytest.mark.parametrize(
    ("chart", "metrics"),
    [
        ("spend-leads", ["spend", "leads"]),
        ("cost-trend", ["cpl", "cac"]),
        ("email", ["emails_sent", "open_rate", "email_ctr"]),
        ("web", ["sessions", "unique_visitors", "page_views"]),
        ("recurring", ["new_mrr", "churned_mrr", "mrr", "customer_churn_rate"]),
        ("abm", ["mqas", "account_engagement_rate"]),
    ],
)
@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_chart_series_equal_the_timeseries_api(seeded, member_client, api_client, last_30, chart, metrics, grain):
    first, last = last_30
    first -= timedelta(days=20)
    payload = member_client.get(f"/w/acme/charts/{chart}/?range=custom&from={first}&to={last}&grain={grain}").json()
    assert payload["grain"] == grain
    by_label = {d["label"]: d["data"] for d in payload["datasets"]}
    from kpis.catalog import KPIS

    for metric in metrics:
        api = api_client.get(f"/api/v1/kpis/timeseries/?metric={metric}&from={first}&to={last}&grain={grain}").json()[
            "points"
        ]
        assert payload["periods"] == [point["period_start"] for point in api]
        chart_values = by_label[KPIS[metric].label]
        for chart_value, point in zip(chart_values, api, strict=True):
            if point["value"] is None:
                assert chart_value is None
            else:
                assert chart_value == pytest.approx(float(point["value"]), rel=1e-12)


def test_funnel_counts_come_from_the_cohort_rates(seeded, member_client, api_client, last_30):
    first, last = last_30
    metrics = api_metrics(api_client, f"from={first}&to={last}")
    payload = member_client.get(f"/w/acme/charts/funnel/?range=custom&from={first}&to={last}").json()
    counts = payload["datasets"][0]["data"]
    leads = metrics["leads"]
    assert counts[0] == leads
    for count, rate in zip(counts[1:], ["mql_rate", "sql_rate", "sqo_rate", "lead_to_customer_rate"], strict=True):
        assert count == round((metrics[rate] or 0) * leads)


def test_channel_chart_equals_the_api_per_channel(seeded, member_client, api_client, last_30):
    first, last = last_30
    payload = member_client.get(f"/w/acme/charts/channels/?range=custom&from={first}&to={last}").json()

    by_label = {label: channel for channel, label in Channel.choices}
    spend = payload["datasets"][0]["data"]
    for label, value in zip(payload["labels"], spend, strict=True):
        metrics = api_metrics(api_client, f"from={first}&to={last}&channel={by_label[label]}")
        assert Decimal(str(value)) == Decimal(metrics["spend"])


def test_attribution_page_and_chart_equal_the_api(seeded, member_client, api_client, last_30):
    from accounts.models import Workspace

    last = last_30[1]
    first = last - timedelta(days=365)
    html = member_client.get(f"/w/acme/attribution/?range=custom&from={first}&to={last}").content.decode()
    payload = member_client.get(f"/w/acme/charts/attribution/?range=custom&from={first}&to={last}").json()
    won = Decimal(api_metrics(api_client, f"from={first}&to={last}")["won_revenue"])
    assert won > 0
    for index, model in enumerate(ATTRIBUTION_MODELS):
        rows = api_client.get(f"/api/v1/kpis/attribution/?model={model}&from={first}&to={last}").json()["rows"]
        total = sum(Decimal(r["revenue"]) for r in rows)
        assert abs(total - won) <= Decimal("0.01") * len(rows)  # reconciled, up to cents of rounding
        top = {r["campaign"]: float(r["revenue"]) for r in rows}
        for value in payload["datasets"][index]["data"]:
            assert value in top.values() or value == 0
        for row in rows:
            assert f'data-campaign="{row["campaign"]}"' in html
    from kpis.display import format_money

    assert format_money(won, Workspace.objects.get(slug="acme").currency) in html
