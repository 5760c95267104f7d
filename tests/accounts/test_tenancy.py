import pytest

from accounts.models import ApiKey
from accounts.services import api_key_create
from accounts.tasks_base import ScopedTask
from accounts.tenancy import NoWorkspaceInScope, current_workspace, workspace_scope
from campaigns.models import Campaign
from config.celery_app import app


@pytest.fixture
def two_campaigns(workspace, other_workspace):
    with workspace_scope(workspace):
        Campaign.objects.create(external_id="c1", name="Ours", channel="email")
    with workspace_scope(other_workspace):
        Campaign.objects.create(external_id="c1", name="Theirs", channel="email")


def test_query_without_workspace_raises(two_campaigns):
    with pytest.raises(NoWorkspaceInScope):
        list(Campaign.objects.all())
    with pytest.raises(NoWorkspaceInScope):
        Campaign.objects.count()


def test_scope_filters_to_current_workspace(two_campaigns, workspace, other_workspace):
    with workspace_scope(workspace):
        assert list(Campaign.objects.values_list("name", flat=True)) == ["Ours"]
    with workspace_scope(other_workspace):
        assert list(Campaign.objects.values_list("name", flat=True)) == ["Theirs"]


def test_unscoped_is_the_named_escape_hatch(two_campaigns):
    assert sorted(Campaign.objects.unscoped().values_list("name", flat=True)) == ["Ours", "Theirs"]


def test_scope_is_reset_after_block_and_after_error(workspace, other_workspace):
    assert current_workspace() is None
    with workspace_scope(workspace):
        with workspace_scope(other_workspace):
            assert current_workspace() == other_workspace
        assert current_workspace() == workspace
    assert current_workspace() is None
    with pytest.raises(ZeroDivisionError), workspace_scope(workspace):
        1 / 0
    assert current_workspace() is None


def test_create_fills_current_workspace_and_refuses_another(workspace, other_workspace):
    with workspace_scope(workspace):
        campaign = Campaign.objects.create(external_id="x", name="X", channel="seo")
        assert campaign.workspace_id == workspace.pk
        with pytest.raises(NoWorkspaceInScope):
            Campaign.objects.create(external_id="y", name="Y", channel="seo", workspace=other_workspace)


def test_related_managers_are_scoped_too(workspace):
    with workspace_scope(workspace):
        campaign = Campaign.objects.create(external_id="x", name="X", channel="seo")
        assert campaign.spend_entries.count() == 0
    with pytest.raises(NoWorkspaceInScope):
        campaign.spend_entries.count()


def test_task_does_not_inherit_the_callers_scope(workspace):
    seen = {}

    @app.task(name="tests.peek_scope", bind=True)
    def peek(self):
        seen["base"] = isinstance(self, ScopedTask)
        seen["workspace"] = current_workspace()

    with workspace_scope(workspace):
        peek.apply()
        assert current_workspace() == workspace  # and the caller's scope survives
    assert seen == {"base": True, "workspace": None}


def test_deleting_a_workspace_cascades_without_a_scope(workspace):
    api_key_create(workspace=workspace, name="k")
    workspace.delete()
    assert ApiKey.objects.unscoped().count() == 0
