"""axe-core (the version bundled by axe-playwright-python) on every kind of page, at 1366 and 390 px,
in the light and the dark colour scheme.

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
    "layout/",
    "alerts/",
    "alerts/new/",
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
    "health/",
    "members/",
    "api-keys/",
    "share-links/",
    "integrations/",
    "settings/",
    "audit/",
    "export/",
    "delete/",
    "start/",
)
OTHER_PAGES = (
    "/",
    "/agency/northwind/members/",
    "/agency/northwind/brand/",
    "/agency/northwind/audit/",
    "/agency/northwind/layout/",
    "/workspaces/new/",
    "/account/delete/",
    "/account/digest/",
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


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1366, 390])
def test_every_page_passes_axe(live_server, new_page, client_workspace, width, scheme):
    owner, token = client_workspace
    base = live_server.url
    axe = Axe()
    viewport = {"width": width, "height": 900}
    stranger = new_page(viewport=viewport, color_scheme=scheme)
    found = [v for path in (*SIGNED_OUT_PAGES, f"/s/{token}/") for v in _violations(axe, stranger, f"{base}{path}")]
    page = new_page(viewport=viewport, color_scheme=scheme)
    log_in(page, base, owner.email)
    paths = [*OTHER_PAGES, *(f"/w/contoso/{path}" for path in WORKSPACE_PAGES)]
    found += [v for path in paths for v in _violations(axe, page, f"{base}{path}")]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("width", [1366, 390])
def test_sign_in_and_second_factor_pages_pass_axe(live_server, new_page, client_workspace, width, settings):
    """Login and sign-up with SSO buttons, the second-factor pages, the agency's rule and the page it sends to."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import Agency
    from tests.factories import PASSWORD, AgencyMembershipFactory

    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {"provider_id": pid, "name": name, "client_id": "id", "secret": "s", "settings": {"server_url": url}}
                for pid, name, url in (
                    ("google", "Google", "https://accounts.google.com"),
                    ("microsoft", "Microsoft", "https://login.microsoftonline.com/tenant/v2.0"),
                )
            ]
        }
    }
    owner, _token = client_workspace
    base, axe, viewport = live_server.url, Axe(), {"width": width, "height": 900}
    stranger = new_page(viewport=viewport)
    found = [v for path in ("/login/", "/signup/") for v in _violations(axe, stranger, f"{base}{path}")]
    page = new_page(viewport=viewport)
    log_in(page, base, owner.email)
    paths = [
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
        "/accounts/2fa/webauthn/add/",
        "/agency/northwind/security/",
    ]
    found += [v for path in paths for v in _violations(axe, page, f"{base}{path}")]
    TOTP.activate(owner, generate_totp_secret())
    RecoveryCodes.activate(owner)
    found += _violations(axe, page, f"{base}/accounts/2fa/recovery-codes/")
    # Signing in again now stops at the code.
    again = new_page(viewport=viewport)
    again.goto(f"{base}/login/")
    again.fill("input[name=username]", owner.email)
    again.fill("input[name=password]", PASSWORD)
    again.click("button[type=submit]")
    again.wait_for_url(f"{base}/accounts/2fa/authenticate/")
    found += _violations(axe, again, f"{base}/accounts/2fa/authenticate/")
    # Staff of an agency that requires a second factor, without one.
    Agency.objects.filter(slug="northwind").update(require_second_factor=True)
    staff = AgencyMembershipFactory(agency=Agency.objects.get(slug="northwind"), role="member").user
    newcomer = new_page(viewport=viewport)
    newcomer.goto(f"{base}/login/")
    newcomer.fill("input[name=username]", staff.email)
    newcomer.fill("input[name=password]", PASSWORD)
    newcomer.click("button[type=submit]")
    newcomer.wait_for_url(f"{base}/second-factor/")
    found += _violations(axe, newcomer, f"{base}/second-factor/")
    assert not found, "\n".join(found)
