"""The Web page in a real browser: top pages from the hand fixture, sorted by a click, read on a phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_sections, wait_for_charts
from tests.browser.test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUERY = "range=custom&from=2026-01-10&to=2026-01-11"


def test_top_pages_sort_by_a_click_and_fit_a_phone(live_server, new_page, console_errors, screenshot):
    from tests.factories import AgencyMembershipFactory, WorkspaceFactory
    from tests.kpis.test_top_pages import add_sessions

    workspace = WorkspaceFactory(name="Acme Client", slug="acme")
    add_sessions(workspace)
    owner = AgencyMembershipFactory(agency=workspace.agency, role="owner").user

    page = new_page()
    log_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/w/acme/?{QUERY}")
    open_sections(page)  # the Web section starts collapsed
    page.click("text=Top pages, entries and exits →")
    wait_for_charts(page)
    paths = page.locator("#top-pages tbody td.page-url")
    assert paths.all_inner_texts() == ["/pricing", "/", "/docs"]
    assert page.locator("#top-pages tbody tr").first.locator("td.num").all_inner_texts() == ["3", "1", "1", "33.3 %"]
    with page.expect_navigation():  # to its load event: the answer is whole
        page.click("#top-pages th >> text=Exit rate")
    assert paths.all_inner_texts() == ["/docs", "/pricing", "/"]
    assert page.locator("th[aria-sort=descending]").text_content().strip().startswith("Exit rate")
    screenshot(page, "14-web")

    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{live_server.url}/w/acme/web/?{QUERY}")
    wait_for_charts(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    table = phone.locator("#top-pages .table-wrap")
    assert table.evaluate("element => element.scrollWidth <= element.clientWidth + 1")
    screenshot(phone, "15-web-phone")
    assert not console_errors, console_errors
