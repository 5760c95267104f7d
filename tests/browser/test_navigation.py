"""Navigation in a real browser (issue 21, points 1, 7, 8, 9, 12).

Filters kept across four pages and a workspace switch, then remembered in a new session; the
navigation's current mark and its menu at 390 px; the switcher's search; confirmation dialogs
(cancel keeps, confirm deletes; the page without JS); a failed chart retried; the error pages;
a one-workspace person's landing. Screenshots go to artifacts/screenshots/navigation-*.png.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import ApiKey
from accounts.services import api_key_create
from accounts.tenancy import workspace_scope
from kpis.models import Target
from kpis.targets import target_set
from tests.browser.conftest import wait_for_charts
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agency(fixed_clock, monkeypatch):
    """An agency owner with two clients: Contoso (sample data) and Fabrikam (empty)."""
    from onboarding import sample
    from tests.factories import AgencyFactory, AgencyMembershipFactory, UserFactory, WorkspaceFactory

    agency = AgencyFactory(name="Northwind", slug="northwind")
    owner = UserFactory(email="owner@northwind.example")
    AgencyMembershipFactory(agency=agency, user=owner, role="owner")
    contoso = WorkspaceFactory(agency=agency, name="Contoso", slug="contoso")
    fabrikam = WorkspaceFactory(agency=agency, name="Fabrikam", slug="fabrikam")
    monkeypatch.setattr(sample, "SAMPLE_SCALE", "tiny")
    sample.sample_data_request(workspace=contoso)
    return owner, contoso, fabrikam


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")


def picker(page) -> tuple[str, str, str]:
    """Period, grain and channel as the page's picker holds them (shown or kept hidden)."""
    form = page.locator("form[data-range-picker]")
    return tuple(
        form.locator(f"[name={name}]").input_value() if form.locator(f"[name={name}]").count() else ""
        for name in ("range", "grain", "channel")
    )


def nav_link(page, name: str):
    return page.locator("#workspace-nav").get_by_role("link", name=name, exact=True)


def test_filters_stay_across_pages_and_clients_and_are_remembered(live_server, new_page, agency, screenshot):
    owner, _contoso, _fabrikam = agency
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.email)
    page.goto(f"{base}/w/contoso/")
    page.select_option("#range-preset", "last_90")
    page.wait_for_url("**range=last_90**")
    page.select_option("#range-grain", "week")
    page.wait_for_url("**grain=week**")
    page.select_option("#range-channel", "paid_search")
    page.wait_for_url("**channel=paid_search**")
    assert picker(page) == ("last_90", "week", "paid_search")

    for name, path in (("ABM", "abm/"), ("Attribution", "attribution/"), ("Web", "web/"), ("Overview", "")):
        nav_link(page, name).click()
        page.wait_for_url(f"{base}/w/contoso/{path}?*")
        assert picker(page) == ("last_90", "week", "paid_search"), name
        assert nav_link(page, name).get_attribute("aria-current") == "page"
    nav_link(page, "Campaigns").click()
    page.wait_for_url("**/w/contoso/campaigns/?range=last_90&grain=week&channel=paid_search")
    screenshot(page, "navigation-filters-kept")

    # The switcher: to the same page of the other client, with the range and grain but not the channel.
    nav_link(page, "ABM").click()
    page.wait_for_url("**/w/contoso/abm/?*")
    page.locator(".switcher summary").click()
    page.get_by_label("Find a workspace").fill("fabri")
    assert page.locator(".switcher li[data-name]:visible").count() == 1
    assert page.locator("#switcher-count").inner_text() == "1 workspace"
    screenshot(page, "navigation-switcher-search")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/w/fabrikam/abm/?range=last_90&grain=week")
    assert nav_link(page, "Overview").get_attribute("href") == "/w/fabrikam/?range=last_90&grain=week"

    # Another session, a page opened without parameters: the last choice, each client's own narrowing.
    later = new_page()
    log_in(later, base, owner.email)
    later.goto(f"{base}/w/contoso/attribution/")
    assert picker(later) == ("last_90", "week", "paid_search")
    later.goto(f"{base}/w/fabrikam/web/")
    assert nav_link(later, "Overview").get_attribute("href") == "/w/fabrikam/?range=last_90&grain=week"
    wait_for_charts(later)


def test_navigation_marks_the_page_and_folds_into_a_menu_on_a_phone(live_server, new_page, agency, screenshot):
    owner, _contoso, _fabrikam = agency
    base = live_server.url
    desktop = new_page()
    log_in(desktop, base, owner.email)
    desktop.goto(f"{base}/w/contoso/members/")
    current = nav_link(desktop, "People")
    assert current.get_attribute("aria-current") == "page"
    # A visible mark besides the colour: the bar under the link.
    assert "inset" in current.evaluate("a => getComputedStyle(a).boxShadow")
    assert desktop.locator(".nav-toggle").is_hidden()
    assert nav_link(desktop, "Attribution").is_visible() and nav_link(desktop, "Share links").is_visible()
    screenshot(desktop, "navigation-desktop")

    phone = new_page(viewport={"width": 390, "height": 844})
    log_in(phone, base, owner.email)
    phone.goto(f"{base}/w/contoso/web/")
    toggle = phone.get_by_role("button", name="Menu: Web")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert nav_link(phone, "Attribution").is_hidden()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls off sideways
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav_link(phone, "Attribution").is_visible() and nav_link(phone, "Settings").is_visible()
    assert nav_link(phone, "Web").get_attribute("aria-current") == "page"
    assert not Axe().run(phone).response["violations"]  # the open menu too
    wait_for_charts(phone)
    screenshot(phone, "navigation-mobile-menu")
    phone.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"


def test_destructive_actions_ask_first(live_server, new_page, agency, screenshot):
    owner, contoso, _fabrikam = agency
    key, _secret = api_key_create(workspace=contoso, name="Zapier")
    with workspace_scope(contoso):
        target = target_set(
            workspace=contoso, kpi="leads", period_kind="month", starts_on=date(2026, 12, 1), value=Decimal(50)
        )
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.email)
    page.goto(f"{base}/w/contoso/api-keys/")
    page.get_by_role("link", name="Revoke Zapier").click()
    dialog = page.get_by_role("dialog", name="Revoke the API key “Zapier”?")
    assert dialog.is_visible()
    assert not Axe().run(page).response["violations"]
    screenshot(page, "navigation-confirm-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    assert dialog.is_hidden()
    assert ApiKey.objects.unscoped().get(pk=key.pk).is_active
    page.get_by_role("link", name="Revoke Zapier").click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Revoke").click()
    assert not ApiKey.objects.unscoped().get(pk=key.pk).is_active

    page.goto(f"{base}/w/contoso/targets/")
    page.get_by_role("link", name="Delete Leads").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    assert Target.objects.unscoped().filter(pk=target.pk).exists()
    page.get_by_role("link", name="Delete Leads").click()
    with page.expect_navigation():
        page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    assert not Target.objects.unscoped().filter(pk=target.pk).exists()


def test_without_javascript_the_confirmation_is_a_page(live_server, new_page, agency, screenshot):
    owner, contoso, _fabrikam = agency
    key, _secret = api_key_create(workspace=contoso, name="Zapier")
    base = live_server.url
    page = new_page(java_script_enabled=False)
    log_in(page, base, owner.email)
    page.goto(f"{base}/w/contoso/api-keys/")
    page.get_by_role("link", name="Revoke Zapier").click()
    page.wait_for_url("**/confirm/?*")
    assert page.get_by_role("heading", name="Revoke this API key?").is_visible()
    screenshot(page, "navigation-confirm-page")
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(f"{base}/w/contoso/api-keys/")
    assert ApiKey.objects.unscoped().get(pk=key.pk).is_active
    page.get_by_role("link", name="Revoke Zapier").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke").click()
    assert not ApiKey.objects.unscoped().get(pk=key.pk).is_active


def test_a_failed_chart_shows_why_and_retries(live_server, new_page, agency, screenshot, console_errors):
    owner, _contoso, _fabrikam = agency
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.email)
    page.route("**/charts/spend-leads/**", lambda route: route.fulfill(status=503, body="down"))
    page.goto(f"{base}/w/contoso/")
    wait_for_charts(page)
    figure = page.locator("figure[data-chart=spend-leads]")
    assert figure.get_attribute("data-state") == "error"
    assert "could not be loaded (HTTP 503)" in figure.locator(".chart-status").inner_text()
    retry = figure.get_by_role("button", name="Retry loading the chart Spend and leads over time")
    screenshot(page, "navigation-chart-failed")
    page.unroute("**/charts/spend-leads/**")
    retry.click()
    page.locator("figure[data-chart=spend-leads][data-state=ready]").wait_for()
    wait_for_charts(page)
    assert figure.locator(".chart-retry").count() == 0
    assert int(figure.locator("canvas").get_attribute("data-points")) > 0
    console_errors.clear()  # the refused fetch's own console line


def test_chart_skeletons_are_still_for_reduced_motion(live_server, new_page, agency):
    owner, _contoso, _fabrikam = agency
    base = live_server.url
    for motion, moving in (("no-preference", True), ("reduce", False)):
        page = new_page(reduced_motion=motion)
        log_in(page, base, owner.email)
        page.route("**/charts/**", lambda route: None)  # never answered: the charts stay loading
        page.goto(f"{base}/w/contoso/")
        box = page.locator("figure[data-chart=spend-leads][data-state=loading] .chart-box")
        box.wait_for()
        style = box.evaluate("b => [getComputedStyle(b).animationName, getComputedStyle(b).backgroundColor]")
        assert (style[0] == "chart-skeleton") is moving, (motion, style)
        assert style[1] != "rgba(0, 0, 0, 0)" or style[0] == "chart-skeleton"


def test_error_pages_are_styled_with_a_way_back(live_server, new_page, agency, screenshot, monkeypatch):
    from kpis import views

    owner, _contoso, _fabrikam = agency
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.email)
    response = page.goto(f"{base}/w/nowhere/")
    assert response.status == 404
    assert page.get_by_role("heading", name="This page doesn’t exist").is_visible()
    assert not Axe().run(page).response["violations"]
    screenshot(page, "navigation-404")
    page.get_by_role("link", name="Back to your workspaces").click()
    page.wait_for_url(f"{base}/")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.WebView, "get", broken)
    response = page.goto(f"{base}/w/contoso/web/")
    assert response.status == 500
    assert page.get_by_role("heading", name="Something went wrong on our side").is_visible()
    assert not Axe().run(page).response["violations"]
    screenshot(page, "navigation-500")


def test_one_workspace_lands_on_it(live_server, new_page, agency):
    from tests.factories import UserFactory, WorkspaceMembershipFactory

    _owner, contoso, _fabrikam = agency
    marketer = UserFactory(email="marketer@contoso.example")
    WorkspaceMembershipFactory(workspace=contoso, user=marketer, role="editor")
    page = new_page()
    log_in(page, live_server.url, marketer.email)
    page.wait_for_url(f"{live_server.url}/w/contoso/")
    assert page.get_by_role("heading", level=1).first.is_visible()
    wait_for_charts(page)
