"""The guided start's pages: content per workspace, roles, POST only with confirmation, another tenant's 404."""

from __future__ import annotations

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import Campaign
from onboarding.models import SampleStatus, WorkspaceStart
from tests.data_factories import CampaignFactory

pytestmark = pytest.mark.django_db

POSTS = ("start/checklist/", "start/sample-data/load/", "start/sample-data/remove/")
PAGES = ("start/", "integrations/", "data/templates/campaigns.csv")


def status(workspace):
    with workspace_scope(workspace):
        start = WorkspaceStart.objects.first()
    return start.sample_status if start else SampleStatus.NONE


@pytest.mark.parametrize("path", PAGES + POSTS)
def test_another_tenant_gets_404(workspace, other_client, path):
    for method in ("get", "post"):
        assert getattr(other_client, method)(f"/w/{workspace.slug}/{path}", {"confirm": "yes"}).status_code == 404


@pytest.mark.parametrize("path", POSTS)
def test_actions_are_post_only(workspace, member_client, path):
    assert member_client.get(f"/w/{workspace.slug}/{path}").status_code == 405


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_admins_load_or_remove_sample_data(workspace, make_user, client_for, fixed_clock, role):
    client = client_for(make_user(workspace, role=role))
    for path in POSTS[1:]:
        assert client.post(f"/w/{workspace.slug}/{path}", {"confirm": "yes"}).status_code == 403
    assert status(workspace) == SampleStatus.NONE
    html = client.get(f"/w/{workspace.slug}/start/").content.decode()
    assert "A workspace admin can load them" in html and "Load sample data</button>" not in html


def test_a_viewer_cannot_hide_the_checklist(workspace, make_user, client_for):
    viewer = client_for(make_user(workspace, role="viewer"))
    assert viewer.post(f"/w/{workspace.slug}/start/checklist/", {"action": "hide"}).status_code == 403


def test_an_editor_hides_and_shows_the_checklist(workspace, make_user, client_for):
    editor = client_for(make_user(workspace, role="editor"))
    dashboard = f"/w/{workspace.slug}/"
    assert 'id="checklist-title"' in editor.get(dashboard).content.decode()
    response = editor.post(f"/w/{workspace.slug}/start/checklist/", {"action": "hide"})
    assert response.status_code == 302 and response["Location"] == dashboard
    html = editor.get(dashboard).content.decode()
    assert 'id="checklist-title"' not in html and "No data yet" in html
    assert f'href="/w/{workspace.slug}/start/" class="start-link"' not in html  # gone from the navigation
    editor.post(f"/w/{workspace.slug}/start/checklist/", {"action": "show"})
    assert 'id="checklist-title"' in editor.get(dashboard).content.decode()


def test_a_bad_checklist_action_is_a_400(workspace, member_client):
    assert member_client.post(f"/w/{workspace.slug}/start/checklist/", {"action": "delete"}).status_code == 400


def test_the_navigation_offers_the_checklist_until_it_is_done(workspace, member_client):
    html = member_client.get(f"/w/{workspace.slug}/data/").content.decode()
    assert f'href="/w/{workspace.slug}/start/" class="start-link"' in html
    assert "0/6" in html


def test_load_needs_the_confirmation_box(workspace, member_client, fixed_clock):
    response = member_client.post(f"/w/{workspace.slug}/start/sample-data/load/")
    assert response.status_code == 302 and response["Location"] == f"/w/{workspace.slug}/start/"
    assert status(workspace) == SampleStatus.NONE
    html = member_client.get(response["Location"]).content.decode()
    assert "Tick the box to confirm" in html


def test_admin_loads_then_removes_sample_data_from_the_page(
    workspace, member_client, fixed_clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(f"/w/{workspace.slug}/start/sample-data/load/", {"confirm": "yes"})
    # The test's transaction holds the queued load until the block ends: the page said "loading".
    assert response.status_code == 302 and response["Location"] == f"/w/{workspace.slug}/start/"
    assert status(workspace) == SampleStatus.LOADED
    dashboard = member_client.get(f"/w/{workspace.slug}/").content.decode()
    assert "No data yet" not in dashboard and 'data-kpi="leads"' in dashboard
    page = member_client.get(f"/w/{workspace.slug}/start/").content.decode()
    assert "Remove sample data" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(f"/w/{workspace.slug}/start/sample-data/remove/", {"confirm": "yes"})
    assert response.status_code == 302
    assert status(workspace) == SampleStatus.NONE
    with workspace_scope(workspace):
        assert not Campaign.objects.exists()


def test_load_into_a_workspace_with_data_says_why_not(workspace, member_client):
    CampaignFactory(workspace=workspace)
    response = member_client.post(f"/w/{workspace.slug}/start/sample-data/load/", {"confirm": "yes"}, follow=True)
    assert "only into an empty workspace" in response.content.decode()
    assert status(workspace) == SampleStatus.NONE


def test_integrations_page_is_filled_with_the_workspaces_urls_and_no_key(
    workspace, member_client, api_key, fixed_clock
):
    html = member_client.get(f"/w/{workspace.slug}/integrations/").content.decode()
    assert "http://testserver/api/v1/spend/" in html
    assert "http://testserver/api/v1/kpis/?from=2026-11-02&amp;to=2026-12-01" in html
    assert "openapi-python-client generate --url http://testserver/api/schema/" in html
    assert "$PULSE_API_KEY" in html and "os.environ[&#x27;PULSE_API_KEY&#x27;]" in html
    assert api_key not in html and api_key[:12] not in html  # never a real key
    assert f'href="/w/{workspace.slug}/api-keys/"' in html
    assert 'data-copy="python"' in html and "js/copy.js" in html
    assert "marketing_kpi_platform_api_client" in html


def test_integrations_examples_name_this_workspaces_example_campaign(workspace, member_client, fixed_clock):
    html = member_client.get(f"/w/{workspace.slug}/integrations/").content.decode()
    assert "&quot;campaign&quot;: &quot;example-campaign&quot;" in html
    assert "&quot;date&quot;: &quot;2026-12-01&quot;" in html
