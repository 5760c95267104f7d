"""Alerts in a real browser: an editor creates a rule on the page, a push crosses it, the rule's page shows it
firing with the values; its pages pass axe."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from rest_framework.test import APIClient

from tests.browser.test_dashboards import log_in
from tests.clock import SEEDED_NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_rule_and_see_it_fire(live_server, new_page, console_errors, screenshot, fixed_clock):
    from accounts.services import api_key_create
    from accounts.tenancy import workspace_scope
    from campaigns.models import Campaign
    from tests.factories import AgencyMembershipFactory, WorkspaceFactory

    workspace = WorkspaceFactory(name="Harbour Client", slug="harbour")
    with workspace_scope(workspace):
        Campaign.objects.create(external_id="search-1", name="Search", channel="paid_search")
    editor = AgencyMembershipFactory(agency=workspace.agency, role="member").user
    base = f"{live_server.url}/w/harbour/alerts/"

    page = new_page()
    log_in(page, live_server.url, editor.email)
    page.goto(base)
    page.click("text=New alert rule")
    page.fill("input[name=name]", "Spend over 100")
    page.select_option("select[name=kpi]", "spend")
    page.select_option("select[name=condition]", "above")
    with page.expect_navigation():  # to its load event: the answer is whole
        page.click("button:has-text('Create rule')")  # no threshold
    assert "This field is required." in page.locator("main form").inner_text()
    page.fill("input[name=threshold]", "100")
    page.select_option("select[name=window]", "last_7")
    page.click("button:has-text('Create rule')")
    page.wait_for_url(f"{base}*/")
    assert page.locator("[data-state]").inner_text() == "OK"
    rule_url = page.url

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(workspace=workspace, name='k')[1]}")
    day = (SEEDED_NOW - timedelta(days=1)).date().isoformat()
    body = json.dumps([{"campaign": "search-1", "date": day, "cost": "250.00"}])
    assert client.post("/api/v1/spend/", data=body, content_type="application/json").status_code == 200

    page.goto(rule_url)
    assert page.locator("[data-state]").inner_text() == "Firing"
    fired = page.locator("tr[data-event=fired]")
    assert fired.count() == 1
    assert "250.00" in fired.inner_text() and "250 is above 100" in fired.inner_text()
    screenshot(page, "30-alert-firing")
    page.goto(base)
    assert "Firing" in page.locator("tr[data-rule]").inner_text()

    axe = Axe()
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for url in (base, f"{base}new/", rule_url, f"{rule_url}edit/", f"{rule_url}delete/"):
            page.goto(url)
            violations = axe.run(page).response["violations"]
            assert not violations, (url, width, [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in violations])
