"""The site key pages: admins create, edit and revoke keys with checked origins; others cannot."""

from __future__ import annotations

import html

import pytest

from accounts.tenancy import workspace_scope
from tests.tracking.conftest import ORIGIN
from tracking.models import SiteKey
from tracking.origins import InvalidOrigin, normalise_origin

pytestmark = pytest.mark.django_db

FORM = {"name": "www", "allowed_origins": f"{ORIGIN}\nhttp://localhost:8080/", "campaign_parameter": "utm_campaign"}


def _keys(workspace):
    with workspace_scope(workspace):
        return list(SiteKey.objects.order_by("id"))


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("https://Example.com", "https://example.com"),
        ("https://example.com:443/", "https://example.com"),
        ("http://127.0.0.2:8123", "http://127.0.0.2:8123"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_origins_are_written_as_browsers_send_them(text, origin):
    assert normalise_origin(text) == origin


@pytest.mark.parametrize(
    "text",
    [
        "example.com",
        "ftp://example.com",
        "https://example.com/shop",
        "https://example.com?a=1",
        "https://u@example.com",
        "https://example.com#x",
        "https://",
        "https://example.com:99999",
        "javascript:alert(1)",
    ],
)
def test_anything_but_an_origin_is_refused(text):
    with pytest.raises(InvalidOrigin):
        normalise_origin(text)


def test_an_admin_creates_a_key_and_sees_its_snippet(workspace, member_client):
    response = member_client.post(f"/w/{workspace.slug}/web/sites/", {**FORM, "honour_dnt": "on"})
    assert response.status_code == 302
    [key] = _keys(workspace)
    assert key.allowed_origins == [ORIGIN, "http://localhost:8080"]
    assert key.token.startswith("site-") and "_" not in key.token
    assert key.honour_dnt and not key.capture_forms
    snippet = html.escape(f'<script defer src="http://testserver/t.js" data-site="{key.token}"></script>')
    assert snippet in member_client.get(f"/w/{workspace.slug}/web/sites/").content.decode()
    assert snippet in member_client.get(f"/w/{workspace.slug}/integrations/").content.decode()


def test_bad_origins_are_a_form_error_and_nothing_is_written(workspace, member_client):
    response = member_client.post(
        f"/w/{workspace.slug}/web/sites/", {**FORM, "allowed_origins": "https://ok.example\nhttps://x.example/path"}
    )
    assert response.status_code == 400
    assert "no path" in response.content.decode()
    response = member_client.post(f"/w/{workspace.slug}/web/sites/", {**FORM, "allowed_origins": "  "})
    assert response.status_code == 400
    response = member_client.post(f"/w/{workspace.slug}/web/sites/", {**FORM, "campaign_parameter": "utm campaign"})
    assert response.status_code == 400
    assert _keys(workspace) == []


def test_an_admin_edits_and_revokes_a_key(workspace, member_client, site_key, send):
    url = f"/w/{workspace.slug}/web/sites/{site_key.pk}/"
    assert member_client.get(url).status_code == 200
    response = member_client.post(url, {**FORM, "allowed_origins": "https://shop.acme.example"})
    assert response.status_code == 302
    assert send(site_key.token, {"e": "pageview", "u": f"{ORIGIN}/"}).status_code == 403  # origin removed at once
    assert (
        send(
            site_key.token, {"e": "pageview", "u": "https://shop.acme.example/"}, origin="https://shop.acme.example"
        ).status_code
        == 202
    )
    assert member_client.post(f"{url}revoke/").status_code == 302
    [key] = _keys(workspace)
    assert key.revoked_at is not None
    assert (
        send(
            site_key.token, {"e": "pageview", "u": "https://shop.acme.example/"}, origin="https://shop.acme.example"
        ).status_code
        == 403
    )


def test_editors_and_viewers_cannot_manage_keys_but_read_traffic(workspace, make_user, client_for, site_key):
    for role in ("editor", "viewer"):
        client = client_for(make_user(workspace, role=role))
        assert client.get(f"/w/{workspace.slug}/web/sites/").status_code == 403
        assert client.post(f"/w/{workspace.slug}/web/sites/", FORM).status_code == 403
        assert client.post(f"/w/{workspace.slug}/web/sites/{site_key.pk}/revoke/").status_code == 403
        assert client.get(f"/w/{workspace.slug}/web/traffic/").status_code == 200
    assert _keys(workspace)[0].revoked_at is None


def test_another_workspaces_key_is_a_404(workspace, other_workspace, member_client):
    from tests.tracking.conftest import settings_for
    from tracking.sites import site_key_create

    theirs = site_key_create(workspace=other_workspace, settings=settings_for())
    assert member_client.get(f"/w/{workspace.slug}/web/sites/{theirs.pk}/").status_code == 404
    assert member_client.post(f"/w/{workspace.slug}/web/sites/{theirs.pk}/revoke/").status_code == 404
    assert _keys(other_workspace)[0].revoked_at is None


def test_the_traffic_page_counts_sessions_by_channel_source_and_referrer(
    workspace, member_client, site_key, send, fixed_clock
):
    send(site_key.token, {"e": "pageview", "u": f"{ORIGIN}/", "r": "https://www.google.de/"}, address="198.51.100.1")
    send(site_key.token, {"e": "pageview", "u": f"{ORIGIN}/a"}, address="198.51.100.1")  # same session
    send(
        site_key.token,
        {"e": "pageview", "u": f"{ORIGIN}/?utm_source=newsletter&utm_medium=email"},
        address="198.51.100.2",
    )
    send(
        site_key.token,
        {"e": "pageview", "u": f"{ORIGIN}/", "r": "https://news.ycombinator.com/item"},
        address="198.51.100.3",
    )
    send(site_key.token, {"e": "pageview", "u": f"{ORIGIN}/"}, address="198.51.100.4")
    page = member_client.get(f"/w/{workspace.slug}/web/traffic/?range=last_7")
    assert page.status_code == 200
    rows = {(label, count) for label, count in _rows(page.content.decode())}
    assert {("Organic search", "1"), ("Email", "1"), ("Social", "1"), ("Direct", "1")} <= rows
    assert {("www.google.de", "1"), ("news.ycombinator.com", "1"), ("newsletter", "1")} <= rows
    assert "4 sessions" in page.content.decode()


def _rows(html: str):
    import re

    return re.findall(r"<tr><td>([^<]*)</td><td class=\"num\">(\d+)</td></tr>", html)


def test_the_traffic_range_is_the_analysis_pages_kept_and_carried(workspace, member_client, fixed_clock):
    member_client.get(f"/w/{workspace.slug}/?range=last_90&grain=week&compare=last_year")
    html = member_client.get(f"/w/{workspace.slug}/web/traffic/").content.decode()
    assert '<option value="last_90" selected>' in html  # the person's last choice, without a parameter
    # The form sends the rest of the state along, so choosing another range here keeps the grain and comparison.
    assert '<input type="hidden" name="grain" value="week">' in html
    assert '<input type="hidden" name="compare" value="last_year">' in html
    member_client.get(f"/w/{workspace.slug}/web/traffic/?range=last_7&grain=week&compare=last_year")
    assert remembered_state(member_client)["range"] == "last_7"  # remembered for the other pages


def remembered_state(client) -> dict:
    from accounts.models import User

    return User.objects.get(pk=client.session["_auth_user_id"]).view_state["shared"]
