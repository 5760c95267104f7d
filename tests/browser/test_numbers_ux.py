"""Numbers a marketer can trust, in a real browser: the campaign table sorted by ROI (the sort state on
its header cell, the totals row) and the comparison choice switching what the cards compare with."""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_charts
from tests.browser.test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RANGE = "range=custom&from=2026-11-03&to=2026-12-01"


@pytest.fixture
def client_workspace():
    from kpis.services import recompute_rollups
    from sampledata.seeding import seed_workspace
    from tests.clock import SEEDED_NOW
    from tests.factories import AgencyMembershipFactory, WorkspaceFactory

    workspace = WorkspaceFactory(name="Harbour Client", slug="harbour")
    seed_workspace(workspace=workspace, scale="tiny", seed=5, until=SEEDED_NOW)
    recompute_rollups(workspace_id=workspace.pk)
    return workspace, AgencyMembershipFactory(agency=workspace.agency, role="member").user


def roi_values(page) -> list[float | None]:
    """The ROI column's figures top to bottom (None for "—")."""
    headers = page.locator("table[data-campaign-table] thead th").all_text_contents()
    column = next(i for i, text in enumerate(headers) if text.strip().startswith("ROI"))
    values = []
    for text in page.locator(f"table[data-campaign-table] tbody tr td:nth-child({column + 1})").all_text_contents():
        text = text.strip().replace("−", "-").replace(",", "").removesuffix(" %")
        values.append(None if text == "—" else float(text))
    return values


def test_the_campaign_table_sorts_by_roi(live_server, new_page, console_errors, screenshot, client_workspace):
    _, user = client_workspace
    page = new_page()
    log_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/w/harbour/campaigns/?{RANGE}")
    page.click("table[data-campaign-table] thead th a:has-text('ROI')")  # biggest first
    page.wait_for_url("**sort=-roi")  # to its load event: the table is whole
    header = page.locator("table[data-campaign-table] th[aria-sort]")
    assert header.count() == 1 and header.get_attribute("aria-sort") == "descending"
    assert "ROI" in header.inner_text()
    values = roi_values(page)
    known = [v for v in values if v is not None]
    assert len(known) >= 2 and known == sorted(known, reverse=True)
    assert values[: len(known)] == known  # campaigns without ROI (no spend) come last
    assert page.locator("table[data-campaign-table] tfoot tr[data-totals]").count() == 1
    screenshot(page, "30-campaign-table-by-roi")
    page.click("table[data-campaign-table] thead th a:has-text('ROI')")  # again: smallest first
    page.wait_for_url("**sort=roi")
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "ascending"
    known = [v for v in roi_values(page) if v is not None]
    assert known == sorted(known)
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "31-campaign-table-mobile")
    assert not console_errors


def test_the_comparison_choice_switches_what_cards_compare_with(
    live_server, new_page, console_errors, screenshot, client_workspace
):
    _, user = client_workspace
    page = new_page()
    log_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/w/harbour/?{RANGE}")
    wait_for_charts(page)
    leads = page.locator("article[data-kpi=leads]").first
    assert "vs previous 29 days" in leads.inner_text()
    page.select_option("#range-compare", "last_year")
    page.wait_for_url("**compare=last_year**")
    wait_for_charts(page)
    leads = page.locator("article[data-kpi=leads]").first
    # The generated data start well inside the last 12 months: nothing to compare with a year ago.
    assert "No data to compare with the same period last year" in leads.inner_text()
    assert "compared with 3 Nov – 1 Dec 2025" in page.locator(".range-summary").inner_text()
    screenshot(page, "32-compare-last-year")
    page.select_option("#range-compare", "none")
    page.wait_for_url("**compare=none**")
    wait_for_charts(page)
    assert page.locator("article[data-kpi=leads] .kpi-change").count() == 0
    assert "no comparison" in page.locator(".range-summary").inner_text()
    # The choice travels with the range to the campaign table and back.
    page.goto(f"{live_server.url}/w/harbour/?{RANGE}&compare=previous")
    wait_for_charts(page)
    assert page.locator("#range-compare").input_value() == "previous"
    assert not console_errors
