"""Passkeys (WebAuthn) end to end in Chromium, with its virtual authenticator standing in for a device."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from tests.browser.test_dashboards import log_in
from tests.factories import PASSWORD, AgencyMembershipFactory, UserFactory, WorkspaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_add_a_passkey_then_sign_in_with_it_as_the_second_factor(live_server, new_page, settings):
    # The live server speaks plain http on localhost (a secure context for the browser, not for allauth).
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    workspace = WorkspaceFactory(name="Contoso", slug="contoso")
    owner = UserFactory(email="owner@northwind.example")
    AgencyMembershipFactory(agency=workspace.agency, user=owner, role="owner")
    base = live_server.url.replace("127.0.0.1", "localhost")
    page = new_page()
    add_virtual_authenticator(page)
    log_in(page, base, owner.email)
    page.goto(f"{base}/accounts/2fa/webauthn/add/")
    page.fill("input[name=name]", "Laptop")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    key = Authenticator.objects.get(user=owner, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop"
    # Signing in again: the password, then the passkey (same browser, same virtual device).
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/accounts/2fa/authenticate/")
    page.click("#mfa_webauthn_authenticate")
    page.wait_for_url(f"{base}/")
    assert "Contoso" in page.content()
