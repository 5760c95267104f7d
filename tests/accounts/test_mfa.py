"""Second factor: TOTP enrolment and login with a code, recovery codes, and the SSO path through it.

Codes are computed here with pyotp (RFC 6238) from the secret the enrolment page shows, on a frozen clock.
"""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.test import Client

from tests.accounts.fake_oidc import FakeOidcProvider
from tests.accounts.sso_helpers import CLIENT_ID, CLIENT_SECRET, configure, signed_in_user_id, sso_round_trip
from tests.clock import SEEDED_NOW
from tests.factories import PASSWORD


def at(step: int):
    """The frozen clock `step` 30-second TOTP periods after SEEDED_NOW."""
    return time_machine.travel(SEEDED_NOW + timedelta(seconds=30 * step), tick=False)


def password_login(client: Client, user, next_url: str = ""):
    data = {"username": user.email, "password": PASSWORD}
    return client.post(f"/login/?next={next_url}" if next_url else "/login/", data)


def enrol_totp(client: Client) -> str:
    """Activates TOTP through the pages; returns the secret shown there."""
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["code"]
    done = client.post("/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    return secret


def recovery_codes(client: Client) -> list[str]:
    text = client.get("/accounts/2fa/recovery-codes/download/").content.decode()
    return [line.strip() for line in text.splitlines() if line.strip().isdigit()]


@pytest.fixture
def enrolled(agency_owner):
    """The owner with TOTP, enrolled at step 0; returns (user, secret, recovery codes)."""
    client = Client()
    with at(0):
        assert password_login(client, agency_owner).status_code == 302
        secret = enrol_totp(client)
        codes = recovery_codes(client)
    return agency_owner, secret, codes


def test_enrolment_stores_a_totp_and_ten_recovery_codes(enrolled):
    user, _secret, codes = enrolled
    assert Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert len(codes) == 10 and len(set(codes)) == 10 and all(len(code) == 8 for code in codes)


def test_password_login_then_asks_for_the_code(enrolled, workspace):
    user, secret, _ = enrolled
    client = Client()
    with at(4):
        response = password_login(client, user, next_url=f"/w/{workspace.slug}/")
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
        assert signed_in_user_id(client) is None
        assert client.get(f"/w/{workspace.slug}/")["Location"].startswith("/login/")
        wrong = client.post("/accounts/2fa/authenticate/", {"code": "123456"})
        assert wrong.status_code == 200 and signed_in_user_id(client) is None
        code = pyotp.TOTP(secret).at(SEEDED_NOW + timedelta(seconds=120))
        done = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert done.status_code == 302 and done["Location"] == f"/w/{workspace.slug}/"
    assert signed_in_user_id(client) == str(user.pk)
    assert client.get(f"/w/{workspace.slug}/").status_code == 200


def test_a_code_of_another_period_is_refused(enrolled):
    user, secret, _ = enrolled
    client = Client()
    with at(10):
        password_login(client, user)
        stale = pyotp.TOTP(secret).at(SEEDED_NOW + timedelta(seconds=30 * 5))
        assert client.post("/accounts/2fa/authenticate/", {"code": stale}).status_code == 200
    assert signed_in_user_id(client) is None


def test_a_wrong_password_never_reaches_the_code_step(enrolled):
    user, _, _ = enrolled
    client = Client()
    response = client.post("/login/", {"username": user.email, "password": "not the password"})
    assert response.status_code == 200 and signed_in_user_id(client) is None
    assert client.get("/accounts/2fa/authenticate/").status_code == 302  # no login waiting for a code


def test_each_recovery_code_works_once(enrolled):
    user, _, codes = enrolled
    first = Client()
    password_login(first, user)
    assert first.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    assert signed_in_user_id(first) == str(user.pk)
    again = Client()
    password_login(again, user)
    assert again.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 200
    assert signed_in_user_id(again) is None
    assert again.post("/accounts/2fa/authenticate/", {"code": codes[1]}).status_code == 302
    assert signed_in_user_id(again) == str(user.pk)
    assert len(recovery_codes(again)) == 8


def test_sso_sign_in_also_asks_for_the_second_factor(enrolled, settings):
    user, secret, _ = enrolled
    with FakeOidcProvider(CLIENT_ID, CLIENT_SECRET) as google:
        configure(settings, google)
        google.identity = {"sub": "g-1", "email": user.email, "email_verified": True, "name": "Owner"}
        client = Client()
        with at(20):
            response = sso_round_trip(client, google)
            assert response["Location"] == "/accounts/2fa/authenticate/"
            assert signed_in_user_id(client) is None
            code = pyotp.TOTP(secret).at(SEEDED_NOW + timedelta(seconds=600))
            assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert signed_in_user_id(client) == str(user.pk)


def test_login_without_a_second_factor_is_unchanged(agency_owner):
    client = Client()
    response = password_login(client, agency_owner)
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_user_id(client) == str(agency_owner.pk)


def test_adding_a_factor_long_after_signing_in_asks_for_the_password_again(agency_owner):
    client = Client()
    with at(0):
        password_login(client, agency_owner)
    with at(20):  # ten minutes later
        response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")


def factor_entries(action: str):
    from accounts.models import AuditEntry
    from accounts.rls import rls_bypass

    with rls_bypass():
        return list(AuditEntry.objects.filter(action=action).select_related("agency"))


def test_second_factor_changes_and_refused_codes_are_in_the_agency_audit_log(
    agency_owner, workspace, other_workspace, django_capture_on_commit_callbacks
):
    from accounts.models import AuditAction

    client = Client()
    with at(0), django_capture_on_commit_callbacks(execute=True):  # allauth signals after commit
        password_login(client, agency_owner)
        secret = enrol_totp(client)
    added = factor_entries(AuditAction.SECOND_FACTOR_ADDED)  # the app, and the recovery codes made with it
    assert sorted(entry.details["factor"] for entry in added) == ["Recovery codes", "TOTP Authenticator"]
    assert all(entry.agency == workspace.agency and entry.actor == agency_owner for entry in added)
    client = Client()
    with at(30), django_capture_on_commit_callbacks(execute=True):
        password_login(client, agency_owner)
        assert client.post("/accounts/2fa/authenticate/", {"code": "123456"}).status_code == 200
        code = pyotp.TOTP(secret).at(SEEDED_NOW + timedelta(seconds=900))
        assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
        assert client.post("/accounts/2fa/recovery-codes/generate/").status_code == 302
        assert client.post("/accounts/2fa/totp/deactivate/").status_code == 302
    (failed,) = factor_entries(AuditAction.SECOND_FACTOR_FAILED)
    (renewed,) = factor_entries(AuditAction.RECOVERY_CODES_RENEWED)
    removed = factor_entries(AuditAction.SECOND_FACTOR_REMOVED)  # the app takes its recovery codes with it
    assert sorted(entry.details["factor"] for entry in removed) == ["Recovery codes", "TOTP Authenticator"]
    assert failed.agency == renewed.agency == removed[0].agency == workspace.agency
    assert failed.details == {"factor": "TOTP Authenticator"}
    others = [entry for action in AuditAction.values for entry in factor_entries(action)]
    assert not any(entry.agency == other_workspace.agency for entry in others)
