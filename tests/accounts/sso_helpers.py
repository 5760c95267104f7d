"""Running the real SSO flow in the test client against tests/accounts/fake_oidc.py."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from django.core import mail
from django.test import Client

from accounts import services

CLIENT_ID, CLIENT_SECRET = "pulse-test-client", "pulse-test-secret"


def configure(settings, provider, provider_id: str = "google", name: str = "Google") -> None:
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": provider_id,
                    "name": name,
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": provider.url},
                }
            ],
        }
    }


def sso_round_trip(client: Client, provider, start: str = "/accounts/oidc/google/login/", data=None):
    """Press the button, let the provider send the browser back, and return the app's answer to that."""
    pressed = client.post(start, data or {})
    assert pressed.status_code == 302, pressed
    assert pressed["Location"].startswith(f"{provider.url}/authorize?")
    at_provider = requests.get(pressed["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(at_provider.headers["Location"])
    assert back.path.endswith("/login/callback/")
    return client.get(f"{back.path}?{back.query}")


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def invite(django_capture_on_commit_callbacks, **kwargs) -> str:
    """An invitation sent by email; returns the path of the link in it."""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(**kwargs)
    return re.search(r"https?://[^/]+(/invitations/[^/\s]+/)", mail.outbox[-1].body).group(1)
