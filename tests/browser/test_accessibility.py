"""axe-core (the version bundled by axe-playwright-python) on every kind of page, at 1366 and 390 px.

A client workspace with sample data, seen by its agency's owner: the workspace's pages, the
agency's, the settings and offboarding forms, and a share link as a stranger sees it. Any
violation, whatever its impact, fails with the rule and the elements it names.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from sharing.services import share_link_create
from tests.browser.test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKSPACE_PAGES = (
    "",
    "campaigns/",
    "abm/",
    "attribution/",
    "web/",
    "web/traffic/",
    "web/sites/",
    "targets/",
    "annotations/",
    "report/",
    "reports/",
    "reports/preview/",
    "reports/schedules/new/",
    "reports/templates/new/",
    "reports/commentary/",
    "data/",
    "data/leads/",
    "data/accounts/",
    "data/deals/",
    "data/import/",
    "data/import/mappings/",
    "members/",
    "api-keys/",
    "share-links/",
    "integrations/",
    "settings/",
    "export/",
    "delete/",
    "start/",
)
OTHER_PAGES = (
    "/",
    "/agency/northwind/members/",
    "/agency/northwind/brand/",
    "/workspaces/new/",
    "/account/delete/",
    "/confirm/?action=/w/contoso/api-keys/1/revoke/&back=/w/contoso/api-keys/",
)
SIGNED_OUT_PAGES = ("/login/", "/signup/", "/password-reset/")


@pytest.fixture
def client_workspace(fixed_clock, monkeypatch):
    from onboarding import sample
    from tests.factories import AgencyFactory, AgencyMembershipFactory, UserFactory, WorkspaceFactory

    agency = AgencyFactory(name="Northwind", slug="northwind")
    owner = UserFactory(email="owner@northwind.example")
    AgencyMembershipFactory(agency=agency, user=owner, role="owner")
    workspace = WorkspaceFactory(agency=agency, name="Contoso", slug="contoso")
    monkeypatch.setattr(sample, "SAMPLE_SCALE", "tiny")
    sample.sample_data_request(workspace=workspace)  # loaded at once: tasks run in-process
    _link, token = share_link_create(workspace=workspace, name="Board", target="dashboard", range_kind="last_30")
    return owner, token


def _violations(axe: Axe, page, url: str) -> list[str]:
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    results = axe.run(page)
    return [
        f"{url} {violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes'][:3]]}"
        for violation in results.response["violations"]
    ]


@pytest.mark.parametrize("width", [1366, 390])
def test_every_page_passes_axe(live_server, new_page, client_workspace, width):
    owner, token = client_workspace
    base = live_server.url
    axe = Axe()
    viewport = {"width": width, "height": 900}
    stranger = new_page(viewport=viewport)
    found = [v for path in (*SIGNED_OUT_PAGES, f"/s/{token}/") for v in _violations(axe, stranger, f"{base}{path}")]
    page = new_page(viewport=viewport)
    log_in(page, base, owner.email)
    paths = [*OTHER_PAGES, *(f"/w/contoso/{path}" for path in WORKSPACE_PAGES)]
    found += [v for path in paths for v in _violations(axe, page, f"{base}{path}")]
    assert not found, "\n".join(found)
