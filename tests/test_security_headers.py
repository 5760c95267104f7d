"""Security headers on pages and API answers; production cookie and HSTS settings."""

import pytest

from tests.test_settings import PRODUCTION_ENV, run_manage


@pytest.fixture(scope="module")
def collected_static():
    """Production serves hashed static names from the manifest collectstatic writes."""
    result = run_manage("collectstatic", "--noinput", "-v0", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr


def test_pages_send_csp_nosniff_referrer_policy_and_deny_framing(client, db):
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_api_docs_page_has_no_inline_script(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "<style>" not in html
    assert client.get(response.context["script_url"] if response.context else "/api/docs/?script=").status_code == 200


def test_production_sends_hsts_and_secure_cookies(collected_static):
    code = (
        "from django.test import Client; from django.conf import settings as s; "
        "r = Client().get('/login/', secure=True, headers={'host': 'kpi.example.com'}); "
        "print(r.status_code, r['Strict-Transport-Security'], s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.PASSWORD_HASHERS[0].rsplit('.', 1)[1])"
    )
    result = run_manage("shell", "-c", code, env=PRODUCTION_ENV)
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr
    assert last.split() == [
        "200",
        "max-age=31536000;",
        "includeSubDomains;",
        "preload",
        "True",
        "True",
        "Argon2PasswordHasher",
    ], result.stderr


def test_production_redirects_plain_http_to_https(collected_static):
    code = "from django.test import Client; r = Client().get('/login/', headers={'host': 'kpi.example.com'}); print(r.status_code, r['Location'])"
    result = run_manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.strip().splitlines()[-1] == "301 https://kpi.example.com/login/", result.stderr
