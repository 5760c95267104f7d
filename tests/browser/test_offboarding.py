"""A client's offboarding in the browser: export the workspace, download the ZIP, delete the workspace."""

from __future__ import annotations

import zipfile

import pytest

from accounts.models import Workspace
from tests.browser.test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def client_workspace(fixed_clock, settings, tmp_path):
    from tests.data_factories import CampaignFactory
    from tests.factories import AgencyFactory, AgencyMembershipFactory, UserFactory, WorkspaceFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    agency = AgencyFactory(name="Northwind")
    owner = UserFactory(email="owner@northwind.example")
    AgencyMembershipFactory(agency=agency, user=owner, role="owner")
    workspace = WorkspaceFactory(agency=agency, name="Contoso", slug="contoso")
    CampaignFactory(workspace=workspace, external_id="launch", name="Launch")
    return workspace, owner


def test_export_download_and_delete_a_workspace(
    live_server, new_page, console_errors, screenshot, client_workspace, tmp_path
):
    _workspace, owner = client_workspace
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.email)
    page.goto(f"{base}/w/contoso/settings/")
    page.get_by_role("link", name="Export the whole workspace").click()
    page.wait_for_url(f"{base}/w/contoso/export/")
    page.get_by_role("button", name="Start an export").click()
    page.wait_for_url(f"{base}/w/contoso/export/")
    link = page.get_by_role("link", name="Download ZIP")
    link.wait_for()
    screenshot(page, "40-workspace-export")
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "export.zip"
    download_info.value.save_as(path)
    assert "campaigns_campaign.csv" in zipfile.ZipFile(path).namelist()

    page.goto(f"{base}/w/contoso/delete/")
    page.get_by_label("Type the workspace's name to confirm").fill("contoso")
    with page.expect_navigation():  # to its load event: the answer is whole
        page.get_by_role("button", name="Delete this workspace").click()
    assert page.get_by_text("Type “Contoso” exactly").is_visible()
    screenshot(page, "41-workspace-delete-refused")
    page.get_by_label("Type the workspace's name to confirm").fill("Contoso")
    page.get_by_role("button", name="Delete this workspace").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_text("is being deleted").is_visible()
    screenshot(page, "42-workspace-deleted")
    assert not Workspace.objects.filter(slug="contoso").exists()

    page.goto(f"{base}/account/delete/")
    assert page.get_by_text("You are the only owner of Northwind").first.is_visible()
    screenshot(page, "43-account-delete")
    # The one failed load is the refused form's own answer (a 400 with the form error).
    assert console_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
