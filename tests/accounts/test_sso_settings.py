"""SSO providers come from environment variables: off when unset, and the CSP lets their sign-in pages load."""

from __future__ import annotations

import json

from tests.test_settings import run_manage

CODE = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps([[a['provider_id'], a['settings']['server_url']] for a in "
    "s.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS']] + [s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']]))"
)


def providers(env: dict) -> list:
    result = run_manage("shell", "-c", CODE, env={"DJANGO_SETTINGS_MODULE": "config.settings.local", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_provider_without_variables():
    assert providers({}) == [["'self'"]]


def test_google_and_microsoft_from_their_variables():
    found = providers(
        {
            "GOOGLE_CLIENT_ID": "g-id",
            "GOOGLE_CLIENT_SECRET": "g-secret",
            "MICROSOFT_CLIENT_ID": "m-id",
            "MICROSOFT_CLIENT_SECRET": "m-secret",
            "MICROSOFT_TENANT_ID": "0000-tenant",
        }
    )
    assert found == [
        ["google", "https://accounts.google.com"],
        ["microsoft", "https://login.microsoftonline.com/0000-tenant/v2.0"],
        ["'self'", "https://accounts.google.com", "https://login.microsoftonline.com"],
    ]


def test_microsoft_stays_off_without_its_tenant():
    found = providers({"MICROSOFT_CLIENT_ID": "m-id", "MICROSOFT_CLIENT_SECRET": "m-secret"})
    assert found == [["'self'"]]
