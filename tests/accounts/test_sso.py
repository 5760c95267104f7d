"""Sign-in with Google or Microsoft (OpenID Connect), against a fake provider on a loopback port."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.signals import user_logged_in
from django.test import Client

from accounts.models import AgencyMembership, AgencyRole, Invitation, User, WorkspaceMembership, WorkspaceRole
from tests.accounts.fake_oidc import FakeOidcProvider
from tests.accounts.sso_helpers import CLIENT_ID, CLIENT_SECRET, configure, invite, signed_in_user_id, sso_round_trip
from tests.factories import UserFactory


@pytest.fixture
def google(settings, db):
    with FakeOidcProvider(CLIENT_ID, CLIENT_SECRET) as provider:
        configure(settings, provider)
        yield provider


def identity(email: str, verified: bool = True, sub: str = "google-sub-1", name: str = "Dana Scully") -> dict:
    return {"sub": sub, "email": email, "email_verified": verified, "name": name}


def test_no_sso_button_and_no_sso_url_when_unconfigured(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    assert "with Google" not in client.get("/login/").content.decode()
    assert "with Google" not in client.get("/signup/").content.decode()
    assert client.post("/accounts/oidc/google/login/").status_code == 404


def test_buttons_shown_when_configured(client, google):
    assert "Sign in with Google" in client.get("/login/").content.decode()
    assert "Sign up with Google" in client.get("/signup/").content.decode()


def test_existing_account_signs_in_with_its_verified_email(google, workspace):
    user = UserFactory(email="dana@acme.example")
    seen = []

    def receiver(sender, user, **kwargs):
        seen.append(user.pk)

    user_logged_in.connect(receiver)
    try:
        google.identity = identity("Dana@Acme.example")
        client = Client()
        response = sso_round_trip(client, google)
    finally:
        user_logged_in.disconnect(receiver)
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_user_id(client) == str(user.pk)
    assert seen == [user.pk]  # the audit log's sign-in signal fires for SSO too
    assert SocialAccount.objects.get(user=user).uid == "google-sub-1"
    assert google.token_requests == 1
    assert User.objects.count() == 1


def test_the_same_identity_signs_in_again_by_its_subject(google):
    user = UserFactory(email="dana@acme.example")
    google.identity = identity("dana@acme.example")
    sso_round_trip(Client(), google)
    # The provider now reports another email for the same subject: still the same account.
    google.identity = identity("dana.scully@acme.example")
    client = Client()
    sso_round_trip(client, google)
    assert signed_in_user_id(client) == str(user.pk)


def test_an_unverified_email_never_reaches_the_account_of_that_email(google):
    UserFactory(email="dana@acme.example")
    google.identity = identity("dana@acme.example", verified=False)
    client = Client()
    response = sso_round_trip(client, google)
    assert signed_in_user_id(client) is None
    # Sent to the sign-up form, where the email is already taken.
    assert response.status_code == 302 and response["Location"] == "/accounts/3rdparty/signup/"
    page = client.post("/accounts/3rdparty/signup/", {"email": "dana@acme.example", "agency_name": "Evil"})
    assert page.status_code == 200 and signed_in_user_id(client) is None
    assert User.objects.count() == 1 and not SocialAccount.objects.exists()


def test_sso_sign_up_creates_an_agency_owned_by_the_new_account(google):
    google.identity = identity("fox@newagency.example", name="Fox Mulder")
    client = Client()
    response = sso_round_trip(client, google)
    assert response["Location"] == "/accounts/3rdparty/signup/"
    form_page = client.get("/accounts/3rdparty/signup/")
    assert "Create your agency" in form_page.content.decode()
    missing = client.post("/accounts/3rdparty/signup/", {"agency_name": ""})
    assert missing.status_code == 200 and "agency_name" in missing.context["form"].errors
    assert not User.objects.exists()
    done = client.post("/accounts/3rdparty/signup/", {"agency_name": "X Files Agency"})
    assert done.status_code == 302
    user = User.objects.get()
    assert user.email == "fox@newagency.example" and user.full_name == "Fox Mulder"
    assert not user.has_usable_password()
    membership = AgencyMembership.objects.get(user=user)
    assert membership.role == AgencyRole.OWNER and membership.agency.name == "X Files Agency"
    assert signed_in_user_id(client) == str(user.pk)


def test_sso_sign_up_is_closed_on_an_agency_host(google, workspace, settings):
    host = "reports.acme-agency.example"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host]
    workspace.agency.custom_host = host
    workspace.agency.save()
    google.identity = identity("stranger@elsewhere.example")
    client = Client(HTTP_HOST=host)
    response = sso_round_trip(client, google)
    assert "No account for this sign-in" in response.content.decode()
    assert not User.objects.exists() and signed_in_user_id(client) is None


def test_invitation_accepted_through_sso_joins_the_workspace_with_its_role(
    google, workspace, agency_owner, django_capture_on_commit_callbacks
):
    link = invite(
        django_capture_on_commit_callbacks,
        agency=workspace.agency,
        workspace=workspace,
        email="walter@client.example",
        role=WorkspaceRole.EDITOR,
        invited_by=agency_owner,
    )
    client = Client()
    page = client.get(link).content.decode()
    assert "Accept with Google" in page
    google.identity = identity("walter@client.example", sub="w-1", name="Walter Skinner")
    response = sso_round_trip(client, google, start=f"{link}sso/google/")
    assert response.status_code == 302 and response["Location"] == f"/w/{workspace.slug}/"
    user = User.objects.get(email="walter@client.example")
    assert signed_in_user_id(client) == str(user.pk)
    assert WorkspaceMembership.objects.get(user=user).role == WorkspaceRole.EDITOR
    assert not AgencyMembership.objects.filter(user=user).exists()
    assert Invitation.objects.get().accepted_by == user
    assert client.get(f"/w/{workspace.slug}/").status_code == 200


def test_staff_invitation_accepted_through_sso_by_an_existing_account(
    google, workspace, agency_owner, django_capture_on_commit_callbacks
):
    existing = UserFactory(email="monica@acme.example")
    link = invite(
        django_capture_on_commit_callbacks,
        agency=workspace.agency,
        email="monica@acme.example",
        role=AgencyRole.ADMIN,
        invited_by=agency_owner,
    )
    google.identity = identity("monica@acme.example", sub="m-1")
    client = Client()
    response = sso_round_trip(client, google, start=f"{link}sso/google/")
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(existing.pk)
    assert AgencyMembership.objects.get(user=existing, agency=workspace.agency).role == AgencyRole.ADMIN


def test_invitation_cannot_be_accepted_by_an_identity_with_another_email(
    google, workspace, agency_owner, django_capture_on_commit_callbacks
):
    link = invite(
        django_capture_on_commit_callbacks,
        agency=workspace.agency,
        workspace=workspace,
        email="walter@client.example",
        role=WorkspaceRole.ADMIN,
        invited_by=agency_owner,
    )
    google.identity = identity("intruder@elsewhere.example", sub="i-1")
    client = Client()
    response = sso_round_trip(client, google, start=f"{link}sso/google/")
    assert response.status_code == 302 and response["Location"] == link
    page = client.get(link).content.decode()
    assert "This invitation is for walter@client.example" in page and "intruder@elsewhere.example" in page
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(email="intruder@elsewhere.example").exists()
    assert Invitation.objects.get().accepted_at is None
    # Nor does a later plain SSO sign-in of that identity pick the invitation up.
    sso_round_trip(client, google)
    assert not WorkspaceMembership.objects.exists()


def test_invitation_sso_refuses_an_unknown_provider_and_a_dead_invitation(
    google, workspace, agency_owner, django_capture_on_commit_callbacks
):
    link = invite(
        django_capture_on_commit_callbacks,
        agency=workspace.agency,
        workspace=workspace,
        email="walter@client.example",
        role=WorkspaceRole.VIEWER,
        invited_by=agency_owner,
    )
    client = Client()
    assert client.post(f"{link}sso/facebook/").status_code == 404
    assert client.post("/invitations/not-a-token/sso/google/").status_code == 404
    Invitation.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert client.post(f"{link}sso/google/")["Location"] == link
    assert "sso_invitation" not in client.session


def test_microsoft_single_tenant_identity_reaches_the_account_of_its_email(settings, db):
    user = UserFactory(email="walter@acme.example")
    with FakeOidcProvider(CLIENT_ID, CLIENT_SECRET) as microsoft:
        configure(settings, microsoft, provider_id="microsoft", name="Microsoft")
        # Entra ID puts no email_verified claim in its tokens.
        microsoft.identity = {"sub": "ms-oid-1", "email": "walter@acme.example", "name": "Walter"}
        client = Client()
        assert "Sign in with Microsoft" in client.get("/login/").content.decode()
        sso_round_trip(client, microsoft, start="/accounts/oidc/microsoft/login/")
    assert signed_in_user_id(client) == str(user.pk)
    assert SocialAccount.objects.get(user=user).provider == "microsoft"
