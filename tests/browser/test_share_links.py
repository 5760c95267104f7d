"""Share links in a real browser (issue 18): made on the admins' page, opened by someone without an account.

The agency owner creates a password-protected link to the dashboard in the UI and copies the URL shown
once; a stranger's browser gets the password form, a wrong password is refused, the right one opens the
dashboard with its charts drawn under the page's strict CSP (a blocked script or request would be a
console error), without navigation or links into the app. A link whose expiry has passed and a revoked
one are 404s. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tenancy import workspace_scope
from kpis.services import recompute_rollups
from sampledata.seeding import seed_workspace
from sharing.models import ShareLink
from sharing.services import share_link_create
from tests.browser.conftest import wait_for_charts
from tests.browser.test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a phrase for the board"


@pytest.fixture
def client_workspace(fixed_clock):
    from tests.factories import AgencyFactory, AgencyMembershipFactory, UserFactory, WorkspaceFactory

    agency = AgencyFactory(name="Northwind")
    owner = UserFactory(email="owner@northwind.example")
    AgencyMembershipFactory(agency=agency, user=owner, role="owner")
    workspace = WorkspaceFactory(agency=agency, name="Contoso", slug="contoso")
    seed_workspace(workspace=workspace, scale="tiny", seed=1)
    recompute_rollups(workspace_id=workspace.pk)
    return workspace, owner


def test_a_password_link_an_expired_one_and_a_revoked_one(
    live_server, new_page, console_errors, screenshot, client_workspace
):
    workspace, owner = client_workspace
    base = live_server.url

    admin = new_page()
    log_in(admin, base, owner.email)
    admin.goto(f"{base}/w/contoso/")
    admin.get_by_role("link", name="Share links").click()
    admin.fill("input[name=name]", "Contoso board")
    admin.select_option("select[name=range_kind]", "last_30")
    admin.fill("input[name=password]", PASSWORD)
    admin.click("button:has-text('Create link')")
    url = admin.locator("#new-link").inner_text().strip()
    assert url.startswith(f"{base}/s/")
    screenshot(admin, "40-share-links-created")

    stranger = new_page()
    assert stranger.goto(url).status == 200
    assert stranger.get_by_label("Password").is_visible()
    assert stranger.locator(".kpi-card").count() == 0
    stranger.fill("input[name=password]", "not the one")
    with stranger.expect_navigation():  # to its load event: the answer is whole
        stranger.click("button:has-text('Open')")
    assert stranger.get_by_text("That is not the password of this link.").is_visible()
    screenshot(stranger, "41-shared-password-refused")
    stranger.fill("input[name=password]", PASSWORD)
    stranger.click("button:has-text('Open')")
    stranger.wait_for_selector(".kpi-card")
    wait_for_charts(stranger)
    assert stranger.locator("figure[data-chart-url][data-state=ready]").count() >= 2
    assert stranger.locator("nav:not(.jump-menu)").count() == 0  # the dashboard's own jump menu, no site navigation
    hrefs = stranger.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h.startswith("/w/") or h.startswith("/api/") or h == "/"], hrefs
    assert stranger.locator("meta[name=robots]").get_attribute("content") == "noindex, nofollow"
    screenshot(stranger, "42-shared-dashboard")

    # The link's admin sees the view counted.
    admin.goto(f"{base}/w/contoso/share-links/")
    assert admin.locator("tbody tr").first.locator("td.num").inner_text() == "1"

    # Expired, revoked: the same 404.
    expired, expired_token = share_link_create(
        workspace=workspace, name="Old", target="dashboard", range_kind="last_7",
        expires_at=timezone.now() + timedelta(minutes=5),
    )  # fmt: skip
    with workspace_scope(workspace):
        ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert stranger.goto(f"{base}/s/{expired_token}/").status == 404

    admin.locator("tbody tr").first.get_by_role("link", name="Revoke Contoso board").click()
    with admin.expect_navigation():  # the confirmation dialog (issue 21)
        admin.get_by_role("dialog", name="Revoke the share link “Contoso board”?").get_by_role(
            "button", name="Revoke"
        ).click()
    assert admin.get_by_text("revoked: it opens nothing from now on").is_visible()
    screenshot(admin, "43-share-links-revoked")
    assert stranger.goto(url).status == 404
    screenshot(stranger, "44-shared-link-revoked")

    # The wrong password's 403 and the 404s log their status as console errors; nothing else may
    # (a script, style or request the CSP blocked would).
    assert not [e for e in console_errors if "(Forbidden)" not in e and "(Not Found)" not in e], console_errors
