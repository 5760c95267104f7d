"""An agency owner can require a second factor of the agency's staff; staff without one set it up first."""

from __future__ import annotations

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import AgencyRole, WorkspaceRole


def give_totp(user) -> None:
    TOTP.activate(user, generate_totp_secret())


@pytest.fixture
def strict_agency(workspace):
    workspace.agency.require_second_factor = True
    workspace.agency.save()
    return workspace.agency


def test_staff_without_a_second_factor_are_sent_to_set_one_up(strict_agency, workspace, make_user, client_for):
    member = make_user(workspace=workspace, agency_role=AgencyRole.MEMBER)
    client = client_for(member)
    for path in (f"/w/{workspace.slug}/", f"/w/{workspace.slug}/kpis/campaigns/", "/", "/workspaces/new/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/second-factor/", path
    page = client.get("/second-factor/")
    assert page.status_code == 200
    text = page.content.decode()
    assert (
        strict_agency.name in text and "/accounts/2fa/totp/activate/" in text and "/accounts/2fa/webauthn/add/" in text
    )
    assert workspace.name not in text  # no client data on the way
    assert client.get("/accounts/2fa/").status_code == 200  # the setup pages stay reachable
    assert client.post("/logout/").status_code == 302


def test_after_setting_one_up_staff_get_in(strict_agency, workspace, make_user, client_for):
    member = make_user(workspace=workspace, agency_role=AgencyRole.MEMBER)
    give_totp(member)
    assert client_for(member).get(f"/w/{workspace.slug}/").status_code == 200


def test_recovery_codes_alone_are_not_a_second_factor(strict_agency, workspace, make_user, client_for):
    member = make_user(workspace=workspace, agency_role=AgencyRole.MEMBER)
    Authenticator.objects.create(user=member, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00"})
    assert client_for(member).get(f"/w/{workspace.slug}/")["Location"] == "/second-factor/"


def test_another_agency_and_client_members_are_unaffected(
    strict_agency, workspace, other_workspace, other_client, make_user, client_for
):
    assert other_client.get(f"/w/{other_workspace.slug}/").status_code == 200
    client_member = make_user(workspace=workspace, role=WorkspaceRole.VIEWER)
    assert client_for(client_member).get(f"/w/{workspace.slug}/").status_code == 200


def test_api_keys_are_unaffected(strict_agency, api_client):
    assert api_client.get("/api/v1/workspace/").status_code == 200


def test_only_the_owner_turns_the_rule_on_and_only_with_a_factor_of_their_own(workspace, agency_owner, member_client):
    url = f"/agency/{workspace.agency.slug}/security/"
    assert member_client.get(url).status_code == 200
    refused = member_client.post(url, {"require_second_factor": "on"})
    assert refused.status_code == 400 and "Set up your own second factor first" in refused.content.decode()
    workspace.agency.refresh_from_db()
    assert workspace.agency.require_second_factor is False
    give_totp(agency_owner)
    assert member_client.post(url, {"require_second_factor": "on"}).status_code == 302
    workspace.agency.refresh_from_db()
    assert workspace.agency.require_second_factor is True
    assert member_client.post(url, {}).status_code == 302
    workspace.agency.refresh_from_db()
    assert workspace.agency.require_second_factor is False


def test_an_admin_sees_the_rule_but_cannot_change_it(workspace, make_user, client_for):
    admin = make_user(workspace=workspace, agency_role=AgencyRole.ADMIN)
    give_totp(admin)
    client = client_for(admin)
    url = f"/agency/{workspace.agency.slug}/security/"
    page = client.get(url)
    assert page.status_code == 200 and "Only the agency's owner can change this" in page.content.decode()
    assert client.post(url, {"require_second_factor": "on"}).status_code == 403
    workspace.agency.refresh_from_db()
    assert workspace.agency.require_second_factor is False


def test_a_member_and_another_agency_cannot_reach_the_setting(workspace, make_user, client_for, other_client):
    member = make_user(workspace=workspace, agency_role=AgencyRole.MEMBER)
    url = f"/agency/{workspace.agency.slug}/security/"
    assert client_for(member).post(url, {"require_second_factor": "on"}).status_code == 403
    assert other_client.get(url).status_code == 404
    assert other_client.post(url, {"require_second_factor": "on"}).status_code == 404


def test_a_required_factor_set_up_through_the_pages_lets_staff_in(strict_agency, workspace, make_user):
    from django.test import Client

    from tests.factories import PASSWORD

    member = make_user(workspace=workspace, agency_role=AgencyRole.MEMBER)
    client = Client()
    assert client.post("/login/", {"username": member.email, "password": PASSWORD})["Location"] == "/"
    assert client.get("/")["Location"] == "/second-factor/"
    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    assert client.post("/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get(f"/w/{workspace.slug}/").status_code == 200
