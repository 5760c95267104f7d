"""The dashboard's layout in a real browser (issue 21 point 2): a layout changed, saved, seen by another
editor; collapsed sections, the jump menu and the formula behind its info button; the page's height.

Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import wait_for_charts
from tests.browser.test_dashboards import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page before the layouts (about 60 cards and 8 charts, every panel open), measured on the same sample
# workspace: 4,843 px at 1366 px wide and 8,868 px at 390.
HEIGHT_BEFORE = {1366: 4843, 390: 8868}


@pytest.fixture
def sample_workspace(fixed_clock, monkeypatch):
    from onboarding import sample
    from tests.factories import (
        AgencyFactory,
        AgencyMembershipFactory,
        UserFactory,
        WorkspaceFactory,
        WorkspaceMembershipFactory,
    )

    agency = AgencyFactory(name="Northwind", slug="northwind")
    owner = UserFactory(email="owner@northwind.example")
    AgencyMembershipFactory(agency=agency, user=owner, role="owner")
    workspace = WorkspaceFactory(agency=agency, name="Contoso", slug="contoso")
    editor = UserFactory(email="editor@contoso.example")
    WorkspaceMembershipFactory(workspace=workspace, user=editor, role="editor")
    monkeypatch.setattr(sample, "SAMPLE_SCALE", "tiny")
    sample.sample_data_request(workspace=workspace)
    return workspace, owner, editor


def sign_in(page, base: str, email: str) -> None:
    """A client's editor lands on their one workspace, not on the agency's list."""
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/w/contoso/.*"))


def headline(page) -> list[str]:
    return page.locator("section[aria-labelledby=headline-title] .kpi-card").evaluate_all(
        "cards => cards.map(card => card.dataset.kpi)"
    )


def test_a_layout_changed_saved_and_seen_by_another_editor(
    live_server, new_page, console_errors, screenshot, sample_workspace
):
    _workspace, owner, editor = sample_workspace
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.email)
    page.goto(f"{base}/w/contoso/")
    assert headline(page) == ["spend", "leads", "cpl", "open_deals", "won_revenue", "roi"]
    page.click("text=Customise this dashboard")
    page.wait_for_url(f"{base}/w/contoso/layout/")
    # Without any script: each button posts the draft and gets it back changed, unsaved.
    with page.expect_navigation():  # to its load event: the answer is whole
        page.click("button[aria-label='Hide Marketing ROI']")
    with page.expect_navigation():
        page.click("button[aria-label='Move Leads up']")
    page.select_option("#add-headline", "mqls")
    with page.expect_navigation():
        page.click("fieldset[data-part=headline] button:has-text('Show')")
    assert page.get_by_text("Changes not saved yet").is_visible()
    page.uncheck("#open-trends")
    with page.expect_navigation():
        page.click("button[value='section-down:trends']")
    screenshot(page, "layout-01-editor")
    with page.expect_navigation():
        page.locator("button[value=save]").first.click()
    assert page.get_by_text("Dashboard layout saved.").is_visible()

    # Another editor of the workspace, in another browser, sees the saved layout.
    other = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sign_in(other, base, editor.email)
    other.goto(f"{base}/w/contoso/")
    wait_for_charts(other)
    assert headline(other) == ["leads", "spend", "cpl", "open_deals", "won_revenue", "mqls"]
    sections = other.locator("details.dash-section").evaluate_all("ds => ds.map(d => [d.dataset.section, d.open])")
    assert sections[:3] == [["funnel", True], ["trends", False], ["cost", False]]
    # The jump menu opens the collapsed section it jumps to; its chart is drawn at its size.
    other.click(".jump-menu a[href='#section-trends']")
    assert other.locator("#section-trends").evaluate("d => d.open")
    other.locator("figure[data-chart=spend-leads] canvas").scroll_into_view_if_needed()
    other.wait_for_function(
        "() => document.querySelector('figure[data-chart=spend-leads] canvas').getBoundingClientRect().height > 100"
    )
    # The formula behind its info button.
    info = other.locator("section[aria-labelledby=headline-title] .kpi-card[data-kpi=cpl] .kpi-explain summary")
    assert info.get_attribute("title") == "How is this calculated?"
    assert not other.locator(".kpi-card[data-kpi=cpl] .popover").first.is_visible()
    info.click()
    assert other.locator(".kpi-card[data-kpi=cpl] .popover").first.is_visible()
    assert "spend ÷ leads" in other.locator(".kpi-card[data-kpi=cpl] .popover").first.inner_text()
    screenshot(other, "layout-02-seen-by-another-editor")

    # Reset: back to the agency's default (here the built-in one), for both.
    page.goto(f"{base}/w/contoso/layout/")
    page.click("button[value=reset]")
    other.goto(f"{base}/w/contoso/")
    assert headline(other) == ["spend", "leads", "cpl", "open_deals", "won_revenue", "roi"]
    # Every chart request answered before the test ends: the live server must be idle when the database is
    # flushed (on SQLite a request still reading locks its tables and the flush fails).
    wait_for_charts(other)
    wait_for_charts(page)
    assert not console_errors, console_errors


@pytest.mark.parametrize("width", [1366, 390])
def test_the_default_dashboard_is_far_shorter(live_server, new_page, sample_workspace, screenshot, width):
    _workspace, owner, _editor = sample_workspace
    page = new_page(viewport={"width": width, "height": 900})
    log_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/w/contoso/")
    wait_for_charts(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"dashboard height at {width} px: {height} (before: {HEIGHT_BEFORE[width]})")
    assert height < HEIGHT_BEFORE[width] * 0.6, height
    screenshot(page, f"layout-03-default-{width}")
