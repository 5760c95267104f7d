"""The workspace navigation (accounts/navigation.py), the one-workspace landing and the error pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory

from accounts import navigation
from accounts.models import ApiKey
from accounts.tenancy import workspace_scope
from tests.factories import WorkspaceFactory, WorkspaceMembershipFactory


def current(html: str) -> list[str]:
    return re.findall(r'aria-current="page" class="current">([^<]+)</a>', html)


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/w/acme/", "Overview"),
        ("/w/acme/records/leads/", "Overview"),  # a KPI's drill-down belongs to the dashboard
        ("/w/acme/campaigns/", "Campaigns"),
        ("/w/acme/web/traffic/", "Web"),
        ("/w/acme/data/leads/", "Data"),
        ("/w/acme/members/", "People"),
        ("/w/acme/settings/", "Settings"),
        ("/w/acme/export/", "Settings"),
    ],
)
def test_the_current_page_is_marked_once(member_client, path, label):
    response = member_client.get(path)
    assert response.status_code == 200
    assert current(response.content.decode()) == [label]


def test_groups_and_the_menu_button(member_client):
    html = member_client.get("/w/acme/").content.decode()
    assert 'role="group" aria-labelledby="nav-label-analysis"' in html
    assert '<span class="nav-label" id="nav-label-manage">Manage</span>' in html
    # The analysis row comes first, the manage row after it.
    assert html.index(">Attribution</a>") < html.index('id="nav-label-manage"') < html.index(">Integrations</a>")
    assert (
        'class="nav-toggle secondary small" aria-expanded="false" aria-controls="workspace-nav-groups" hidden' in html
    )


def test_a_viewer_does_not_see_admin_items(client_for, workspace):
    viewer = WorkspaceMembershipFactory(workspace=workspace, role="viewer").user
    html = client_for(viewer).get("/w/acme/").content.decode()
    assert ">People</a>" in html
    assert ">API keys</a>" not in html and ">Settings</a>" not in html


def test_an_item_is_one_line_and_an_unknown_route_is_left_out(member_client, monkeypatch):
    analysis, manage = navigation.WORKSPACE_NAV
    extra = (navigation.NavItem("Alerts", "kpis-abm"), navigation.NavItem("Not merged yet", "no-such-route"))
    monkeypatch.setattr(
        navigation,
        "WORKSPACE_NAV",
        (analysis, navigation.NavGroup(manage.key, manage.label, manage.items + extra)),
    )
    html = member_client.get("/w/acme/members/").content.decode()
    assert '<a href="/w/acme/abm/">Alerts</a>' in html
    assert "Not merged yet" not in html


def test_a_person_with_one_workspace_lands_on_it(client_for, workspace):
    marketer = WorkspaceMembershipFactory(workspace=workspace, role="editor").user
    client = client_for(marketer)
    response = client.get("/?range=last_7&sort=name")
    assert response.status_code == 302 and response["Location"] == "/w/acme/?range=last_7"
    # With a second workspace, the list of both.
    WorkspaceMembershipFactory(workspace=WorkspaceFactory(slug="beta"), user=marketer, role="viewer")
    assert client.get("/").status_code == 200


def test_agency_staff_with_one_client_keep_the_overview(member_client):
    assert member_client.get("/").status_code == 200


def test_the_switcher_has_a_search_that_is_hidden_without_js(member_client):
    html = member_client.get("/w/acme/").content.decode()
    assert '<div class="switcher-search" hidden><label for="switcher-filter">Find a workspace</label>' in html
    assert 'data-name="acme client ' in html


def test_404_is_styled_with_a_way_back(member_client):
    response = member_client.get("/w/nowhere/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "This page doesn’t exist" in html and 'href="/">Back to your workspaces' in html


def test_403_says_why_and_whom_to_ask(client_for, workspace):
    viewer = WorkspaceMembershipFactory(workspace=workspace, role="viewer").user
    response = client_for(viewer).get("/w/acme/api-keys/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You can’t do that here" in html
    assert "ask an admin of the workspace" in html and 'href="/">Back to your workspaces' in html


def test_500_renders_without_the_database_or_the_request(db, django_assert_num_queries):
    from django.views.defaults import server_error

    request = RequestFactory().get("/w/acme/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and 'href="/">Back to your workspaces' in html
    assert "/static/css/app.css" in html


def test_an_expired_form_gets_the_sites_page_and_nothing_is_saved(agency_owner, workspace):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agency_owner)
    response = client.post("/w/acme/api-keys/", {"name": "never made"})
    assert response.status_code == 403
    html = response.content.decode()
    assert (
        "This form has expired" in html and "Nothing was saved" in html and 'href="/">Back to your workspaces' in html
    )
    assert "allow cookies" in html  # this client never received the CSRF cookie
    with workspace_scope(workspace):
        assert not ApiKey.objects.filter(name="never made").exists()
