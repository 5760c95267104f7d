"""The dashboards in a real browser, from sign-up to the figures (issue 6).

Sign up, create a workspace and an API key in the UI, push data through the
API with that key, then check that every page shows the figures of
/api/v1/kpis/, that the charts are drawn from non-empty data, that no page
logs a console error, and that a client viewer cannot see another client.
Screenshots of each page go to artifacts/screenshots/.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.browser.conftest import open_sections, wait_for_charts
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD_UI = "a long and unguessable pass phrase"


def iso(moment: datetime) -> str:
    return moment.isoformat()


def marketing_data(now: datetime) -> dict[str, list[dict]]:
    """A small but complete client: three campaigns, spend, accounts, leads, deals and touchpoints."""
    day = timedelta(days=1)
    campaigns = [
        {"external_id": "search-q4", "name": "Q4 Search", "channel": "paid_search", "budget": "9000"},
        {"external_id": "newsletter", "name": "Monthly newsletter", "channel": "email"},
        {"external_id": "linkedin/abm", "name": "LinkedIn ABM", "channel": "paid_social", "is_abm": True},
    ]
    spend = [
        {
            "campaign": c,
            "date": (now - d * day).date().isoformat(),
            "cost": f"{cost + d * 3}.50",
            "impressions": 1000 + 40 * d,
            "clicks": 30 + d,
        }
        for c, cost in (("search-q4", 120), ("linkedin/abm", 80))
        for d in range(1, 21)
    ]
    accounts = [
        {"external_id": f"acct-{i}", "name": name, "domain": f"{name.lower()}.example", "is_target": i < 3}
        for i, name in enumerate(["Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne"])
    ]
    leads = []
    for i in range(14):
        created = now - (i + 2) * day
        lead = {
            "external_id": f"lead-{i}",
            "email": f"person{i}@example.com",
            "account": f"acct-{i % 5}",
            "source_campaign": ["search-q4", "newsletter", "linkedin/abm"][i % 3],
            "created_at": iso(created),
        }
        if i % 2 == 0:
            lead["mql_at"] = iso(created + day / 2)
        if i % 4 == 0:
            lead["sql_at"] = iso(created + day)
        if i % 8 == 0:
            lead["sqo_at"] = iso(created + day * 1.5)
        leads.append(lead)
    deals = [
        {
            "external_id": "deal-won-1",
            "account": "acct-0",
            "lead": "lead-0",
            "source_campaign": "search-q4",
            "name": "Umbrella platform",
            "amount": "24000",
            "mrr": "2000",
            "status": "won",
            "created_at": iso(now - 15 * day),
            "closed_at": iso(now - 3 * day),
        },
        {
            "external_id": "deal-won-2",
            "account": "acct-1",
            "lead": "lead-1",
            "source_campaign": "newsletter",
            "name": "Stark add-on",
            "amount": "6000",
            "mrr": "500",
            "status": "won",
            "created_at": iso(now - 12 * day),
            "closed_at": iso(now - 2 * day),
        },
        {
            "external_id": "deal-lost",
            "account": "acct-3",
            "name": "Tyrell pilot",
            "amount": "9000",
            "status": "lost",
            "created_at": iso(now - 14 * day),
            "closed_at": iso(now - 4 * day),
        },
        {
            "external_id": "deal-open",
            "account": "acct-2",
            "source_campaign": "linkedin/abm",
            "name": "Wayne enterprise",
            "amount": "48000",
            "status": "open",
            "created_at": iso(now - 6 * day),
        },
    ]
    touchpoints = []
    for i in range(14):
        at = now - (i + 1) * day
        lead, account = f"lead-{i}", f"acct-{i % 5}"
        touchpoints += [
            {
                "external_id": f"sent-{i}",
                "kind": "email_sent",
                "occurred_at": iso(at),
                "campaign": "newsletter",
                "lead": lead,
            },
            {
                "external_id": f"open-{i}",
                "kind": "email_open",
                "occurred_at": iso(at + timedelta(hours=2)),
                "campaign": "newsletter",
                "lead": lead,
            },
            {
                "external_id": f"view-{i}",
                "kind": "page_view",
                "occurred_at": iso(at + timedelta(hours=3)),
                "campaign": "search-q4",
                "account": account,
                "visitor_id": f"v{i % 6}",
                "session_id": f"s{i}",
                "url": "https://www.client.example/pricing",
            },
            {
                "external_id": f"social-{i}",
                "kind": "social_engagement",
                "occurred_at": iso(at + timedelta(hours=4)),
                "campaign": "linkedin/abm",
                "account": account,
            },
        ]
        if i % 3 == 0:
            touchpoints.append(
                {
                    "external_id": f"form-{i}",
                    "kind": "form_submit",
                    "occurred_at": iso(at + timedelta(hours=5)),
                    "campaign": "linkedin/abm",
                    "lead": lead,
                }
            )
    return {
        "campaigns": campaigns,
        "spend": spend,
        "accounts": accounts,
        "leads": leads,
        "deals": deals,
        "touchpoints": touchpoints,
    }


def card_values(page, selector: str = ".kpi-card") -> dict[str, str]:
    values = {}
    for card in page.locator(selector).all():
        values.setdefault(card.get_attribute("data-kpi"), card.get_attribute("data-value"))
    return values


def assert_same(page_value: str, api_value) -> None:
    if api_value is None:
        assert page_value == ""
    elif isinstance(api_value, str):
        assert Decimal(page_value) == Decimal(api_value)
    else:
        assert float(page_value) == pytest.approx(float(api_value), rel=1e-12, abs=1e-12)


def log_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def test_from_sign_up_to_the_dashboards(
    live_server, new_page, console_errors, screenshot, readme_screenshot, django_user_model
):
    base = live_server.url
    page = new_page()

    # Sign up and create a client workspace.
    page.goto(f"{base}/signup/")
    page.fill("input[name=agency_name]", "Northwind Agency")
    page.fill("input[name=full_name]", "Nora North")
    page.fill("input[name=email]", "nora@northwind.example")
    page.fill("input[name=password1]", PASSWORD_UI)
    page.fill("input[name=password2]", PASSWORD_UI)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/workspaces/new/$"))
    page.fill("input[name=name]", "Contoso")
    page.fill("input[name=currency]", "EUR")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/w/[\w-]+/$"))
    slug = page.url.rstrip("/").rsplit("/", 1)[1]
    assert page.get_by_text("No data yet").is_visible()
    screenshot(page, "01-empty-workspace")

    # An API key, created in the UI and shown once.
    page.click("a.button:has-text('Create an API key')")
    page.fill("input[name=name]", "Browser test sync")
    page.click("button:has-text('Create key')")
    key = page.locator("#new-key").inner_text().strip()
    assert key

    # Push the data through the API with that key.
    api = page.context.request
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    for resource, rows in marketing_data(now).items():
        response = api.post(f"{base}/api/v1/{resource}/", data=rows, headers=headers)
        assert response.status == 200, (resource, response.text())
    first, last = (now - timedelta(days=29)).date(), now.date()
    query = f"from={first}&to={last}"
    metrics = api.get(f"{base}/api/v1/kpis/?{query}", headers=headers).json()["metrics"]
    assert metrics["leads"] == 14 and Decimal(metrics["won_revenue"]) == Decimal("30000.00")

    # The dashboard shows the API's figures.
    page.goto(f"{base}/w/{slug}/?range=custom&{query}")
    wait_for_charts(page)
    shown = card_values(page)
    for name in (
        "spend",
        "leads",
        "cpl",
        "open_deals",
        "won_revenue",
        "roi",
        "mqls",
        "sqos",
        "mrr",
        "open_rate",
        "sessions",
    ):
        assert_same(shown[name], metrics[name])
    # Cards compact large amounts; the exact figure is its title and what a screen reader reads.
    won = page.locator(".kpi-card[data-kpi=won_revenue] .kpi-value")
    assert won.locator("[aria-hidden=true]").inner_text() == "€30.0k"
    assert won.locator("[aria-hidden=true]").get_attribute("title") == "€30,000.00"
    assert won.locator(".visually-hidden").inner_text() == "€30,000.00"
    # Charts drawn from non-empty data, each with its data table (every section opened: most start collapsed).
    open_sections(page)
    figures = page.locator("figure[data-chart-url]")
    assert figures.count() >= 8
    assert page.locator("figure[data-state=error]").count() == 0
    for name in ("spend-leads", "channels", "funnel", "email", "web", "social"):
        canvas = page.locator(f"figure[data-chart={name}] canvas")
        assert int(canvas.get_attribute("data-points")) > 0, name
        # Drawn in a section that opened after the page loaded: resized to its box (ResizeObserver).
        page.wait_for_function(
            f"() => document.querySelector('figure[data-chart={name}] canvas').getBoundingClientRect().height > 100"
        )
        assert page.locator(f"figure[data-chart={name}] .chart-data table tbody tr").count() > 0
    # The formula behind a card.
    page.locator(".kpi-card[data-kpi=cpl] .kpi-explain summary").first.click()
    assert page.locator(".kpi-card[data-kpi=cpl] .popover").first.is_visible()
    screenshot(page, "02-workspace-dashboard")
    page.evaluate("window.scrollTo(0, 0)")
    readme_screenshot(page, "dashboard-desktop")

    # Range presets and filters live in the URL.
    page.select_option("#range-preset", "last_7")
    page.wait_for_url(re.compile(r".*range=last_7.*"))
    page.select_option("#range-channel", "email")
    page.wait_for_url(re.compile(r".*channel=email.*"))
    wait_for_charts(page)
    assert "Channel: Email" in page.inner_text(".range-summary")

    # Targets set in the UI show on the cards and the overview.
    page.goto(f"{base}/w/{slug}/targets/")
    page.select_option("select[name=kpi]", "leads")
    page.fill("input[name=value]", "1000")
    with page.expect_navigation():  # to its load event: the answer is whole
        page.click("button:has-text('Save target')")
    assert page.get_by_text("Target saved").is_visible()
    screenshot(page, "03-targets")
    page.goto(f"{base}/w/{slug}/?range=this_month")
    wait_for_charts(page)
    assert page.locator(".kpi-card[data-kpi=leads] .rag").first.inner_text() in ("Off track", "At risk", "On track")

    # Campaign, ABM, attribution, records and the report (back to the last 30 days: a page opened
    # without a range would show the last choice, this month).
    page.goto(f"{base}/w/{slug}/campaigns/?range=last_30")
    screenshot(page, "04-campaigns")
    page.click("text=LinkedIn ABM")
    wait_for_charts(page)
    campaign_metrics = api.get(
        f"{base}/api/v1/kpis/?from={last - timedelta(days=29)}&to={last}&campaign=linkedin/abm", headers=headers
    ).json()["metrics"]
    shown = card_values(page)
    for name in ("spend", "leads", "cpl"):
        assert_same(shown[name], campaign_metrics[name])
    assert page.locator("#leads tbody tr").count() == 4
    screenshot(page, "05-campaign")

    page.goto(f"{base}/w/{slug}/abm/?range=custom&{query}")
    wait_for_charts(page)
    shown = card_values(page)
    for name in ("target_accounts", "engaged_target_accounts", "mqas", "account_engagement_rate"):
        assert_same(shown[name], metrics[name])
    assert page.locator("tr[data-account]").count() == 3
    screenshot(page, "06-abm")

    page.goto(f"{base}/w/{slug}/attribution/?range=custom&{query}&model=position_based")
    wait_for_charts(page)
    assert "€30,000.00" in page.inner_text(".card")
    assert int(page.locator("figure[data-chart=attribution] canvas").get_attribute("data-points")) > 0
    screenshot(page, "07-attribution")

    page.goto(f"{base}/w/{slug}/?range=custom&{query}")
    page.locator(".kpi-card[data-kpi=leads] .kpi-value a").first.click()
    assert page.locator("[data-record-count]").inner_text() == str(metrics["leads"])
    screenshot(page, "08-records-leads")

    page.goto(f"{base}/w/{slug}/report/?range=custom&{query}")
    wait_for_charts(page)
    screenshot(page, "09-report")
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    page.emulate_media(media="screen")

    # The agency overview.
    page.goto(f"{base}/?range=last_30")
    overview = page.locator("article[data-workspace]")
    assert overview.count() == 1
    assert_same(overview.locator("[data-kpi=leads]").get_attribute("data-value"), metrics["leads"])
    screenshot(page, "10-agency-overview")

    # On a phone.
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{base}/w/{slug}/?range=custom&{query}")
    wait_for_charts(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    screenshot(phone, "11-dashboard-phone")
    readme_screenshot(phone, "dashboard-phone")

    assert not console_errors, console_errors


def test_a_client_viewer_cannot_see_another_client(live_server, new_page, console_errors, screenshot):
    from accounts.models import WorkspaceRole
    from tests.factories import AgencyFactory, UserFactory, WorkspaceFactory, WorkspaceMembershipFactory

    agency = AgencyFactory(name="Northwind")
    mine = WorkspaceFactory(agency=agency, name="Contoso", slug="contoso")
    theirs = WorkspaceFactory(agency=agency, name="Fabrikam", slug="fabrikam")
    viewer = UserFactory(email="client@contoso.example")
    WorkspaceMembershipFactory(workspace=mine, user=viewer, role=WorkspaceRole.VIEWER)

    page = new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", viewer.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/w/contoso/")  # their one workspace is where they land (issue 21)
    wait_for_charts(page)
    assert page.locator(".switcher li[data-name]").count() == 1
    assert "Fabrikam" not in page.content()
    screenshot(page, "12-client-viewer-overview")

    for path in ("/w/fabrikam/", "/w/fabrikam/abm/", "/w/fabrikam/charts/spend-leads/", "/w/fabrikam/?export=kpis"):
        response = page.request.get(f"{live_server.url}{path}")
        assert response.status == 404, path
    assert page.goto(f"{live_server.url}/w/contoso/").status == 200
    assert page.locator("form[action$='/targets/']").count() == 0  # viewers do not edit targets
    assert theirs.slug not in page.content()
    # The 404 pages log a console error for the failed navigation: only ours are checked.
    assert not [e for e in console_errors if "404" not in e], console_errors


def test_a_german_workspace_reads_dates_and_figures_in_german(live_server, new_page, console_errors, screenshot):
    from kpis.services import recompute_rollups
    from sampledata.seeding import seed_workspace
    from tests.clock import SEEDED_NOW
    from tests.factories import AgencyMembershipFactory, WorkspaceFactory

    workspace = WorkspaceFactory(name="Kontor Berlin", slug="kontor", currency="EUR", number_locale="de_DE")
    # Data up to a fixed instant, read over a fixed range: the same page on any day. (The browser keeps
    # the real clock, so the server's is not frozen: its session cookie would expire for the browser.)
    seed_workspace(workspace=workspace, scale="tiny", seed=3, until=SEEDED_NOW)
    recompute_rollups(workspace_id=workspace.pk)
    owner = AgencyMembershipFactory(agency=workspace.agency, role="owner").user

    page = new_page()
    log_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/w/kontor/?range=custom&from=2026-10-03&to=2026-12-01&grain=week")
    wait_for_charts(page)
    assert "3. Okt.\u2009–\u20091. Dez. 2026" in page.inner_text(".range-summary")
    # The chart's axis labels and data table come from the server already in German.
    spend_leads = page.locator("figure[data-chart=spend-leads]")
    assert spend_leads.get_attribute("data-state") == "ready"
    assert (
        page.locator("figure[data-chart=spend-leads] .chart-data th[scope=row]").first.text_content() == "w/c 28. Sept."
    )
    caption = page.locator("figure[data-chart=spend-leads] .chart-data caption").text_content()
    assert caption == "Spend and leads (3. Okt.\u2009–\u20091. Dez. 2026)"
    assert re.search(r"\d,\d{2}\xa0€", page.locator(".kpi-card[data-kpi=spend] .kpi-value").first.inner_text())
    screenshot(page, "13-dashboard-german")
    assert not console_errors, console_errors
