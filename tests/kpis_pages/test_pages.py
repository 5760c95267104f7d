"""Every dashboard page renders for a member of the workspace and is a 404 for anyone else."""

from __future__ import annotations

import re

import pytest

from kpis.charts import CHARTS
from tests.factories import WorkspaceFactory

PAGES = [
    "/w/acme/",
    "/w/acme/report/",
    "/w/acme/campaigns/",
    "/w/acme/abm/",
    "/w/acme/attribution/",
    "/w/acme/attribution/?model=time_decay",
    "/w/acme/targets/",
    "/w/acme/web/",
    "/w/acme/web/?sort=-exit_rate&page=2",
    "/w/acme/records/leads/",
    "/w/acme/records/leads/?stage=sqo",
    "/w/acme/records/deals/?status=open",
    "/w/acme/records/spend/",
    "/w/acme/records/touchpoints/?touchpoint=page_view",
    "/w/acme/records/customers/",
    *(f"/w/acme/charts/{name}/" for name in CHARTS),
]


@pytest.mark.parametrize("url", PAGES)
def test_page_renders_for_a_member_and_is_404_for_another_agency(seeded, member_client, other_client, url):
    assert member_client.get(url).status_code == 200
    assert other_client.get(url).status_code == 404


def test_campaign_page_renders_and_is_404_elsewhere(seeded, member_client, other_client, other_workspace):
    from accounts.tenancy import workspace_scope
    from campaigns.models import Campaign

    with workspace_scope(seeded):
        campaign = Campaign.objects.order_by("external_id").first()
    url = f"/w/acme/campaigns/{campaign.external_id}/"
    response = member_client.get(url)
    assert response.status_code == 200
    assert campaign.name in response.content.decode()
    assert other_client.get(url).status_code == 404
    # Another workspace's campaign is a 404, exactly as a missing one.
    with workspace_scope(other_workspace):
        Campaign.objects.create(external_id="theirs", name="Theirs", channel="email")
    assert member_client.get("/w/acme/campaigns/theirs/").status_code == 404
    assert member_client.get("/w/acme/campaigns/missing/").status_code == 404


def test_pages_render_with_a_slash_in_a_campaign_id(workspace, member_client):
    from accounts.tenancy import workspace_scope
    from campaigns.models import Campaign

    with workspace_scope(workspace):
        Campaign.objects.create(external_id="google/ads/42", name="Ads 42", channel="paid_search")
    assert member_client.get("/w/acme/campaigns/google/ads/42/").status_code == 200
    assert member_client.get("/w/acme/?campaign=google/ads/42").status_code == 200


def test_new_workspace_shows_how_to_connect_data(workspace, member_client):
    html = member_client.get("/w/acme/").content.decode()
    assert "No data yet" in html
    # The guided start's checklist, each step linking to the page that does it.
    assert "Create an API key" in html
    for url in ("/w/acme/data/import/", "/w/acme/api-keys/", "/w/acme/targets/", "/w/acme/members/"):
        assert f'href="{url}"' in html


@pytest.mark.parametrize("url", PAGES[2:])
def test_other_pages_render_on_an_empty_workspace(workspace, member_client, url):
    assert member_client.get(url).status_code == 200


def test_a_client_viewer_sees_their_workspace_only(seeded, make_user, client_for):
    sibling = WorkspaceFactory(agency=seeded.agency, name="Sibling", slug="sibling")
    viewer = make_user(seeded, role="viewer")
    client = client_for(viewer)
    assert client.get("/w/acme/").status_code == 200
    assert client.get("/w/sibling/").status_code == 404
    assert client.get("/w/sibling/charts/spend-leads/").status_code == 404
    # Their one workspace is where they land (issue 21): the agency's list is not theirs to see.
    landing = client.get("/")
    assert landing.status_code == 302 and landing["Location"] == "/w/acme/"
    assert sibling.name not in client.get("/w/acme/").content.decode()


def test_agency_overview_lists_every_reachable_workspace_with_headline_kpis(seeded, member_client):
    WorkspaceFactory(agency=seeded.agency, name="Second client", slug="second")
    html = member_client.get("/").content.decode()
    assert 'data-workspace="acme"' in html and 'data-workspace="second"' in html
    for kpi in ("spend", "leads", "cpl", "open_deals", "won_revenue", "roi"):
        assert f'data-kpi="{kpi}"' in html
    assert "<polyline" in html  # the sparkline


@pytest.mark.parametrize(
    "sort", ["name", "spend", "leads", "cpl", "open_deals", "won_revenue", "roi", "health", "bogus"]
)
def test_agency_overview_sorts(seeded, member_client, sort):
    WorkspaceFactory(agency=seeded.agency, name="Aardvark", slug="aardvark")
    html = member_client.get(f"/?sort={sort}").content.decode()
    first, second = html.index('data-workspace="acme"'), html.index('data-workspace="aardvark"')
    if sort in ("name", "bogus"):
        assert second < first
    elif sort in ("spend", "leads", "won_revenue", "open_deals"):
        assert first < second  # the empty workspace (0) comes last


def test_range_and_filters_live_in_the_url(seeded, member_client):
    html = member_client.get(
        "/w/acme/?range=custom&from=2026-01-01&to=2026-01-31&grain=week&channel=email"
    ).content.decode()
    assert "1 Jan – 31 Jan 2026" in html
    assert "range=custom&amp;from=2026-01-01&amp;to=2026-01-31&amp;grain=week&amp;channel=email" in html
    assert 'value="week" selected' in html
    clear = re.search(r'<a href="\?([^"]*)" data-clear-scope>', html).group(1)
    # the range kept, the filter gone
    assert clear == "range=custom&amp;from=2026-01-01&amp;to=2026-01-31&amp;grain=week"


def test_bad_range_input_falls_back_with_a_message(seeded, member_client):
    response = member_client.get("/w/acme/?range=custom&from=nope&to=2026-01-31&campaign=missing&grain=hour")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose both dates" in html
    assert "No such campaign" in html
    assert "Unknown grain" in html


def test_chart_json_has_no_view_key_and_chartjs_shape(seeded, member_client):
    payload = member_client.get("/w/acme/charts/spend-leads/?range=last_30&grain=week").json()
    assert "view" not in payload
    assert set(payload) >= {"labels", "datasets"}
    assert [d["label"] for d in payload["datasets"]] == ["Spend", "Leads"]
    assert all(len(d["data"]) == len(payload["labels"]) for d in payload["datasets"])
    assert payload["datasets"][0]["unit"] == "money"


def test_kpi_cards_explain_their_formula(seeded, member_client):
    html = member_client.get("/w/acme/").content.decode()
    assert "How is this calculated?" in html
    assert "spend ÷ leads" in html  # CPL, from docs/kpis.md
    assert "(won revenue − spend) ÷ spend" in html  # ROI


def test_count_cards_link_to_their_records(seeded, member_client, last_30):
    # The drill-down carries the dashboard's state (its preset and grain), not frozen dates.
    html = member_client.get("/w/acme/").content.decode()
    assert "/w/acme/records/leads/?range=last_30&amp;grain=day&amp;stage=created" in html
    assert "/w/acme/records/deals/?range=last_30&amp;grain=day&amp;status=open" in html
    first, last = last_30
    records = member_client.get("/w/acme/records/leads/?range=last_30&grain=day&stage=created").content.decode()
    assert f'value="{first}"' in records and f'value="{last}"' in records


def test_print_report_has_every_kpi(seeded, member_client):
    from kpis.catalog import KPIS

    html = member_client.get("/w/acme/report/").content.decode()
    for name in KPIS:
        assert f'data-kpi="{name}"' in html
    assert "data-print" in html


def test_only_vendored_chartjs_4_is_used(seeded, member_client):
    html = member_client.get("/w/acme/").content.decode()
    assert "/static/vendor/chart.js/chart.umd.min.js" in html
    assert "cdn" not in html.lower()


def test_agency_overview_counts_each_client_on_its_own_local_date(workspace, member_client):
    from datetime import UTC, datetime
    from unittest import mock

    from kpis.services import recompute_rollups
    from tests.data_factories import LeadFactory

    # 12:00 UTC on 10 March is already 02:00 on 11 March at UTC+14.
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    ahead = WorkspaceFactory(agency=workspace.agency, name="Ahead", slug="ahead", time_zone="Pacific/Kiritimati")
    LeadFactory(workspace=ahead, created_at=datetime(2026, 3, 10, 11, 0, tzinfo=UTC))  # 11 March, 01:00 local
    LeadFactory(workspace=workspace, created_at=datetime(2026, 3, 10, 11, 0, tzinfo=UTC))  # 10 March in UTC
    for ws in (ahead, workspace):
        recompute_rollups(workspace_id=ws.pk)
    with mock.patch("django.utils.timezone.now", return_value=now):
        html = member_client.get("/?range=custom&from=2026-03-11&to=2026-03-11").content.decode()
        today = member_client.get("/?range=last_7").content.decode()

    def leads(page: str, slug: str) -> str:
        card = page[page.index(f'data-workspace="{slug}"') :]
        return card[card.index('data-kpi="leads"') :].split('data-value="', 1)[1].split('"', 1)[0]

    assert (leads(html, "ahead"), leads(html, workspace.slug)) == ("1", "0")  # a custom range is the same dates
    # "last 7 days" ends today where each client is: 11 March for one (its lead in), 10 March for the other.
    assert (leads(today, "ahead"), leads(today, workspace.slug)) == ("1", "1")
    assert "in Pacific/Kiritimati" in today


def test_figures_are_written_in_the_workspace_number_format(seeded, member_client):
    seeded.currency, seeded.number_locale = "EUR", "de_DE"
    seeded.save()
    WorkspaceFactory(agency=seeded.agency, name="US client", slug="us-client")  # en_US, USD
    german_money = re.compile(r"\d{1,3}(?:\.\d{3})*,\d{2}\xa0€")
    html = member_client.get("/w/acme/?range=last_90").content.decode()
    spend = html[html.index('data-kpi="spend"') :]
    assert german_money.search(spend[: spend.index("</article>")])
    chart = member_client.get("/w/acme/charts/spend-leads/?range=last_30").json()
    assert (chart["locale"], chart["currency"]) == ("de-DE", "EUR")
    # On the agency overview (compact amounts) each client reads in its own format.
    overview = member_client.get("/?range=last_90").content.decode()
    acme = overview[overview.index('data-workspace="acme"') :]
    assert re.search(r"<dd>\d{1,3}(?:\.\d{3})*,\d{1,2}[kMB]?\xa0€", acme[: acme.index("</article>")])
    us = overview[overview.index('data-workspace="us-client"') :]
    assert re.search(r"<dd>\$\d{1,3}(?:,\d{3})*\.\d{1,2}[kMB]?", us[: us.index("</article>")])


def test_the_number_format_is_a_workspace_setting(seeded, member_client):
    response = member_client.get("/w/acme/settings/")
    assert 'name="number_locale"' in response.content.decode()
    refused = member_client.post("/w/acme/settings/", {**_settings_form(response), "number_locale": "xx_YY"})
    assert refused.status_code == 200 and "number_locale" in refused.context["form"].errors
    member_client.post("/w/acme/settings/", {**_settings_form(response), "number_locale": "fr_FR"})
    seeded.refresh_from_db()
    assert seeded.number_locale == "fr_FR"


def _settings_form(response) -> dict:
    form = response.context["form"]
    return {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
