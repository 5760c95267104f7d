"""SSO in a real browser: the button, the provider's redirects under the CSP, the sign-up form (axe-clean)."""

from __future__ import annotations

import copy

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import AgencyMembership, AgencyRole
from tests.accounts.fake_oidc import FakeOidcProvider
from tests.accounts.sso_helpers import CLIENT_ID, CLIENT_SECRET, configure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 390])
def test_sign_up_with_google_creates_an_agency(live_server, new_page, settings, width):
    with FakeOidcProvider(CLIENT_ID, CLIENT_SECRET) as google:
        configure(settings, google)
        # As settings do for a configured provider: the button's post may be redirected to it.
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["form-action"] = ["'self'", google.url]
        settings.CONTENT_SECURITY_POLICY = policy
        google.identity = {"sub": "g-9", "email": "fox@newagency.example", "email_verified": True, "name": "Fox"}
        base = live_server.url
        page = new_page(viewport={"width": width, "height": 900})
        page.goto(f"{base}/signup/")
        page.click("text=Sign up with Google")
        page.wait_for_url(f"{base}/accounts/3rdparty/signup/")
        violations = Axe().run(page).response["violations"]
        assert not violations, [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in violations]
        page.fill("input[name=agency_name]", "Browser Agency")
        page.click("text=Create agency")
        page.wait_for_url(lambda url: "/3rdparty/" not in url)
    membership = AgencyMembership.objects.get(user__email="fox@newagency.example")
    assert membership.role == AgencyRole.OWNER and membership.agency.name == "Browser Agency"
    assert "fox@newagency.example" in page.content()
