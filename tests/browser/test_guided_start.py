"""A new workspace from empty to a dashboard with figures, using only the guided start (issue 16).

The agency owner opens the empty dashboard, follows the checklist's import link, downloads the CSV
templates from the import page, uploads them as they are, and comes back to a dashboard with the
templates' figures and the first step ticked. A second walk loads sample data from the checklist.
"""

from __future__ import annotations

import re

import pytest

from campaigns.resources import RESOURCES
from tests.browser.conftest import open_sections
from tests.browser.test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def new_workspace(fixed_clock):
    from tests.factories import AgencyFactory, AgencyMembershipFactory, UserFactory, WorkspaceFactory

    agency = AgencyFactory(name="Northwind")
    owner = UserFactory(email="owner@northwind.example")
    AgencyMembershipFactory(agency=agency, user=owner, role="owner")
    return WorkspaceFactory(agency=agency, name="Contoso", slug="contoso"), owner


def test_from_an_empty_workspace_to_figures_with_the_checklist(
    live_server, new_page, console_errors, screenshot, new_workspace, tmp_path
):
    _workspace, owner = new_workspace
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.email)
    page.goto(f"{base}/w/contoso/")
    checklist = page.locator("section.checklist")
    assert checklist.get_by_text("0 of 6 done").is_visible()
    screenshot(page, "20-guided-start-empty")

    # The checklist's first step leads to the import page, which offers a template per kind of data.
    checklist.get_by_role("link", name="Import a CSV file").click()
    page.wait_for_url(f"{base}/w/contoso/data/import/")
    for name in ("campaigns", "spend"):
        if name != "campaigns":
            page.get_by_role("link", name="Import another file").first.click()
            page.wait_for_url(f"{base}/w/contoso/data/import/")
        with page.expect_download() as download_info:
            page.locator(f"a[href$='/data/templates/{name}.csv']").first.click()
        path = tmp_path / f"{name}.csv"
        download_info.value.save_as(path)
        page.select_option("select[name=resource]", name)
        page.set_input_files("input[name=file]", str(path))
        page.click("button:has-text('Upload and preview')")
        page.wait_for_url(re.compile(r".*/data/import/\d+/$"))
        page.click("button:has-text('Import 1 row')")
        page.wait_for_load_state()
        assert page.get_by_text("Imported").first.is_visible(), page.content()[:3000]

    # Back on the dashboard (the navigation's Overview): the template's spend, and the step ticked.
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Overview").click()
    page.wait_for_url(f"{base}/w/contoso/")
    assert page.get_by_text("No data yet").count() == 0
    spend = page.locator("[data-kpi=spend]").first
    assert spend.get_attribute("data-value") == "1200.00"
    open_sections(page)  # the Web section starts collapsed
    assert page.get_by_text("No web data yet: import a GA4 export or push page views.").is_visible()
    screenshot(page, "21-guided-start-first-figures")
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name=re.compile("Get started")).click()
    page.wait_for_url(f"{base}/w/contoso/start/")  # to its load event: the list is whole
    done = page.locator("li.step.done")
    assert done.count() == 1 and "Import a file" in done.inner_text()
    assert not [e for e in console_errors if "favicon" not in e], console_errors


def test_sample_data_from_the_checklist_and_back(
    live_server, new_page, console_errors, screenshot, new_workspace, monkeypatch
):
    from onboarding import sample

    monkeypatch.setattr(sample, "SAMPLE_SCALE", "tiny")
    base = live_server.url
    page = new_page()
    log_in(page, base, new_workspace[1].email)
    page.goto(f"{base}/w/contoso/")
    page.locator("section.checklist").get_by_role("link", name="look around with sample data").click()
    page.wait_for_url(f"{base}/w/contoso/start/")
    page.get_by_label("Fill Contoso with sample data").check()
    page.click("button:has-text('Load sample data')")
    page.wait_for_url(f"{base}/w/contoso/")
    assert page.get_by_text("Sample data loaded").is_visible()
    assert float(page.locator("[data-kpi=leads]").first.get_attribute("data-value")) > 0
    screenshot(page, "22-guided-start-sample-data")
    page.goto(f"{base}/w/contoso/start/")
    page.get_by_label("Delete every sample row and recompute the KPIs").check()
    page.click("button:has-text('Remove sample data')")
    page.wait_for_url(f"{base}/w/contoso/start/")
    assert page.get_by_text("Sample data removed").is_visible()
    page.goto(f"{base}/w/contoso/")
    assert page.get_by_text("No data yet").is_visible()
    assert not [e for e in console_errors if "favicon" not in e], console_errors


def test_every_template_is_linked_from_the_integrations_page(live_server, new_page, new_workspace, screenshot):
    page = new_page()
    log_in(page, live_server.url, new_workspace[1].email)
    page.goto(f"{live_server.url}/w/contoso/integrations/")
    for name in RESOURCES:
        assert page.locator(f"a[href='/w/contoso/data/templates/{name}.csv']").count() == 1
    copy = page.get_by_role("button", name="Copy: Push daily spend (curl)")
    assert copy.is_visible()  # shown by the script: without JavaScript there is no button
    screenshot(page, "23-integrations")
    # A phone's width: the same pages, readable, nothing cut off.
    phone = new_page(viewport={"width": 390, "height": 844})
    log_in(phone, live_server.url, new_workspace[1].email)
    for path, name in (("/w/contoso/integrations/", "24-integrations-390"), ("/w/contoso/", "25-guided-start-390"),
                       ("/w/contoso/start/", "26-start-page-390")):  # fmt: skip
        phone.goto(f"{live_server.url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
        screenshot(phone, name)
