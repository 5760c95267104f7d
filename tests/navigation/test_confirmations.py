"""Destructive actions ask first: the confirmation page (no JS) posts to the unchanged endpoint."""

from __future__ import annotations

from urllib.parse import urlencode

from accounts.models import ApiKey, WorkspaceMembership
from accounts.services import api_key_create
from tests.factories import WorkspaceMembershipFactory


def confirm_url(action: str, back: str = "/w/acme/api-keys/") -> str:
    return "/confirm/?" + urlencode({"action": action, "back": back})


def test_the_button_opens_the_confirmation_and_nothing_is_revoked(member_client, workspace):
    key, _secret = api_key_create(workspace=workspace, name="Zapier")
    html = member_client.get("/w/acme/api-keys/").content.decode()
    action = f"/w/acme/api-keys/{key.pk}/revoke/"
    assert f'<form method="post" action="{action}" class="inline" data-confirm="Revoke the API key “Zapier”?"' in html
    page = member_client.get(confirm_url(action))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Revoke this API key?" in body and f'action="{action}"' in body
    assert 'href="/w/acme/api-keys/">Cancel</a>' in body
    assert ApiKey.objects.unscoped().get(pk=key.pk).is_active  # opening the page changes nothing
    member_client.post(action)
    assert not ApiKey.objects.unscoped().get(pk=key.pk).is_active


def test_a_member_removal_posts_its_action(member_client, workspace):
    member = WorkspaceMembershipFactory(workspace=workspace, role="viewer")
    body = member_client.get(confirm_url(f"/w/acme/members/{member.pk}/", "/w/acme/members/")).content.decode()
    assert '<input type="hidden" name="action" value="remove">' in body
    html = member_client.get("/w/acme/members/").content.decode()
    assert f"Remove {member.user.email} from the workspace?" in html
    assert WorkspaceMembership.objects.filter(pk=member.pk).exists()


def test_another_tenants_action_is_a_404(other_client, workspace):
    key, _secret = api_key_create(workspace=workspace, name="Zapier")
    assert other_client.get(confirm_url(f"/w/acme/api-keys/{key.pk}/revoke/")).status_code == 404


def test_only_listed_actions_and_local_pages(member_client):
    assert member_client.get(confirm_url("/w/acme/members/")).status_code == 404
    assert member_client.get(confirm_url("https://evil.example/w/acme/api-keys/1/revoke/")).status_code == 404
    body = member_client.get(confirm_url("/w/acme/api-keys/1/revoke/", "https://evil.example/")).content.decode()
    assert 'href="/">Cancel</a>' in body


def test_signed_out_people_are_sent_to_log_in(client):
    assert client.get(confirm_url("/w/acme/api-keys/1/revoke/")).status_code == 302
