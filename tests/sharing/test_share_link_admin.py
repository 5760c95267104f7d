"""The share-links page: who may use it, the form's checks, the URL shown once, revoking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from accounts.tenancy import workspace_scope
from sharing.models import ShareLink
from sharing.services import open_link, token_hash

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _links(workspace) -> list[ShareLink]:
    with workspace_scope(workspace):
        return list(ShareLink.objects.order_by("pk"))


def test_an_admin_creates_a_link_and_sees_its_url_once(member_client, workspace, figures):
    url = f"/w/{workspace.slug}/share-links/"
    response = member_client.post(url, {
        "name": "Board", "target": "campaign", "campaign": figures["a_campaign"].pk, "range_kind": "fixed",
        "starts_on": "2026-11-01", "ends_on": "2026-11-30", "password": "correct horse battery",
        "expires_at": "2026-12-31T18:00", "allow_personal_data": "on",
    })  # fmt: skip
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    shown = response.context["new_url"]
    token = shown.rstrip("/").rsplit("/", 1)[1]
    [link] = _links(workspace)
    assert link.token_hash == token_hash(token) and open_link(token).pk == link.pk
    assert (link.campaign_id, link.allow_personal_data, link.has_password) == (figures["a_campaign"].pk, True, True)
    # The expiry is read in the workspace's zone (UTC here) and the link's owner is recorded.
    assert link.expires_at == datetime(2026, 12, 31, 18, 0, tzinfo=UTC) and link.created_by is not None
    # The list shows it, never its token again.
    listing = member_client.get(url).content.decode()
    assert "Board" in listing and token not in listing and "Campaign: Spring launch" in listing
    assert "2026-11-01 – 2026-11-30" in listing


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"range_kind": "fixed", "starts_on": "2026-11-30", "ends_on": "2026-11-01"}, "ends_on"),
        ({"range_kind": "fixed", "starts_on": "2026-11-30"}, "ends_on"),
        ({"expires_at": "2026-12-01T10:00"}, "expires_at"),
        ({"target": "campaign"}, "campaign"),
        ({"password": "short"}, "password"),
        ({"range_kind": "next_year"}, "range_kind"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(member_client, workspace, data, field):
    form = {"name": "Board", "target": "dashboard", "range_kind": "last_30", **data}
    response = member_client.post(f"/w/{workspace.slug}/share-links/", form)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert _links(workspace) == []


def test_another_workspaces_campaign_cannot_be_shared(member_client, workspace, figures):
    response = member_client.post(f"/w/{workspace.slug}/share-links/", {
        "name": "Leak", "target": "campaign", "campaign": figures["b_campaign"].pk, "range_kind": "last_30",
    })  # fmt: skip
    assert response.status_code == 400 and "campaign" in response.context["form"].errors
    assert _links(workspace) == []


def test_revoking_closes_the_link_at_once(member_client, client, workspace, make_link):
    link, token = make_link()
    assert client.get(f"/s/{token}/").status_code == 200
    response = member_client.post(f"/w/{workspace.slug}/share-links/{link.pk}/revoke/")
    assert response.status_code == 302
    assert client.get(f"/s/{token}/").status_code == 404
    assert "revoked" in member_client.get(f"/w/{workspace.slug}/share-links/").content.decode()


@pytest.mark.parametrize(
    ("role", "agency_role", "status"),
    [("admin", None, 200), ("editor", None, 403), ("viewer", None, 403), (None, "admin", 200), (None, "member", 403)],
)
def test_only_workspace_admins_manage_links(make_user, client_for, workspace, make_link, role, agency_role, status):
    link, _token = make_link()
    client = client_for(make_user(workspace, role=role, agency_role=agency_role))
    assert client.get(f"/w/{workspace.slug}/share-links/").status_code == status
    revoke = client.post(f"/w/{workspace.slug}/share-links/{link.pk}/revoke/")
    assert revoke.status_code == (302 if status == 200 else 403)


def test_another_tenant_gets_404_on_the_links_and_their_revocation(other_client, workspace, make_link):
    link, token = make_link()
    assert other_client.get(f"/w/{workspace.slug}/share-links/").status_code == 404
    assert other_client.post(f"/w/{workspace.slug}/share-links/{link.pk}/revoke/").status_code == 404
    assert open_link(token) is not None


def test_a_link_id_of_another_workspace_is_a_404_to_its_admin(member_client, workspace, other_workspace):
    from sharing.services import share_link_create

    b_link, b_token = share_link_create(workspace=other_workspace, name="B", target="dashboard", range_kind="last_7")
    assert member_client.post(f"/w/{workspace.slug}/share-links/{b_link.pk}/revoke/").status_code == 404
    assert open_link(b_token) is not None


def test_the_navigation_links_to_the_page_for_admins(member_client, workspace):
    assert f'href="/w/{workspace.slug}/share-links/"' in member_client.get(f"/w/{workspace.slug}/").content.decode()
