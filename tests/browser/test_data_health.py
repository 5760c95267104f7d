"""Data health in a real browser: a key that pushes today and one that went quiet, on the health panel
and on the agency overview's "needs attention" list (with a target off pace), at 1366 and 390 px."""

from __future__ import annotations

import json
import urllib.request
from datetime import date
from decimal import Decimal

import pytest

from tests.browser.test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def push(base: str, key: str, path: str, items: list) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/{path}/",
        data=json.dumps(items).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        return response.status


def test_health_panel_and_needs_attention(live_server, new_page, console_errors, screenshot, fixed_clock):
    from accounts.services import api_key_create
    from kpis.targets import target_set
    from tests.factories import AgencyMembershipFactory, WorkspaceFactory
    from tests.health.helpers import day_range, sent

    workspace = WorkspaceFactory(name="Harbour Client", slug="harbour")
    other = WorkspaceFactory(name="Elsewhere Client", slug="elsewhere")  # another agency's
    owner = AgencyMembershipFactory(agency=workspace.agency, role="owner").user
    ads, secret = api_key_create(workspace=workspace, name="Ads sync")
    crm = api_key_create(workspace=workspace, name="CRM")[0]
    # The clock is 2 Dec 2026: the CRM sent deals daily until 25 Nov (silent 7 days); so did Elsewhere's.
    sent(workspace, source_id=str(crm.pk), resource="deals", days=day_range(date(2026, 11, 1), date(2026, 11, 25)))
    elsewhere_key = api_key_create(workspace=other, name="Elsewhere CRM")[0]
    sent(
        other, source_id=str(elsewhere_key.pk), resource="deals", days=day_range(date(2026, 11, 1), date(2026, 11, 25))
    )
    target_set(workspace=workspace, kpi="leads", period_kind="month", starts_on=date(2026, 12, 1), value=Decimal(900))
    campaigns = [{"external_id": "spring", "name": "Spring", "channel": "paid_search"}]
    assert push(live_server.url, secret, "campaigns", campaigns) == 200

    page = new_page()
    log_in(page, live_server.url, owner.email)
    attention = page.locator("[data-attention]")
    assert attention.locator("h2").inner_text() == "Needs attention"
    items = attention.locator("li")
    assert items.count() == 2
    stale = attention.locator("li[data-attention-kind=stale_source]")
    assert "Harbour Client: API key “CRM”" in stale.inner_text() and "⚠ Warning" in stale.inner_text()
    assert "Target" in attention.locator("li[data-attention-kind=target_off_pace]").inner_text().title()
    assert "Elsewhere" not in attention.inner_text()
    screenshot(page, "40-overview-needs-attention")

    stale.locator("a").click()
    page.wait_for_url(f"{live_server.url}/w/harbour/health/")
    resources = page.locator("table[data-health-resources]")
    assert "✓ Receiving" in resources.locator("tr[data-resource=campaigns]").inner_text()
    assert "⚠ Stale" in resources.locator("tr[data-resource=deals]").inner_text()
    panel = page.locator(f"[data-source='api_key-{crm.pk}']")
    assert "⚠ Stale" in panel.locator("h3").inner_text()
    assert "silent 7 days" in panel.inner_text()
    ads_panel = page.locator(f"[data-source='api_key-{ads.pk}']")
    assert "1" in ads_panel.locator("tr[data-resource=campaigns] td.num").first.inner_text()
    screenshot(page, "41-data-health")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "42-data-health-390")
    assert not console_errors
