"""Sample data: loaded only into an empty workspace, removed exactly, never with the client's data."""

from __future__ import annotations

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import Campaign, Lead, Touchpoint
from kpis.models import WorkspaceDay
from onboarding.checklist import checklist_for
from onboarding.models import SampleStatus, WorkspaceStart
from onboarding.sample import SampleDataRefused, sample_data_remove, sample_data_request
from tests.data_factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def load(django_capture_on_commit_callbacks, fixed_clock):
    def run(workspace):
        with django_capture_on_commit_callbacks(execute=True):
            sample_data_request(workspace=workspace)

    return run


def rows(workspace, model) -> int:
    with workspace_scope(workspace):
        return model.objects.count()


def start_of(workspace) -> WorkspaceStart:
    with workspace_scope(workspace):
        return WorkspaceStart.objects.get()


def test_load_fills_an_empty_workspace_and_its_kpis(workspace, load):
    load(workspace)
    start = start_of(workspace)
    assert start.sample_status == SampleStatus.LOADED
    assert rows(workspace, Campaign) == 12 and rows(workspace, Touchpoint) > 1000  # the tiny scale
    assert start.sample_rows == sum(rows(workspace, m) for m in (Campaign, Lead, Touchpoint)) + sum(
        rows(workspace, m) for m in _others()
    )
    assert rows(workspace, WorkspaceDay) > 0  # the KPIs were recomputed
    with workspace_scope(workspace):
        checklist = checklist_for(workspace)
    # Sample data are not the client's: the import step stays to do.
    assert checklist.has_data and not {s.key: s.done for s in checklist.steps}["import"]


def _others():
    from campaigns.models import Account, Deal, SpendEntry

    return (Account, Deal, SpendEntry)


def test_load_refuses_a_workspace_with_data(workspace, load):
    CampaignFactory(workspace=workspace, external_id="client-own")
    with pytest.raises(SampleDataRefused, match="empty workspace"):
        load(workspace)
    assert rows(workspace, Campaign) == 1
    assert rows(workspace, WorkspaceStart) == 0  # nothing remembered either


def test_load_twice_is_refused(workspace, load):
    load(workspace)
    before = rows(workspace, Touchpoint)
    with pytest.raises(SampleDataRefused, match="already holds sample data"):
        load(workspace)
    assert rows(workspace, Touchpoint) == before


def test_remove_deletes_exactly_the_sample_and_the_figures(
    workspace, other_workspace, load, django_capture_on_commit_callbacks
):
    load(other_workspace)  # another tenant's sample data stay
    other_rows = rows(other_workspace, Touchpoint)
    load(workspace)
    with django_capture_on_commit_callbacks(execute=True):
        deleted = sample_data_remove(workspace=workspace)
    assert deleted > 1000
    for model in (Campaign, Lead, Touchpoint, *_others()):
        assert rows(workspace, model) == 0
    assert rows(workspace, WorkspaceDay) == 0  # recomputed: no figures left
    assert start_of(workspace).sample_status == SampleStatus.NONE
    assert rows(other_workspace, Touchpoint) == other_rows
    # Empty again: sample data may be loaded anew.
    load(workspace)
    assert start_of(workspace).sample_status == SampleStatus.LOADED


def test_remove_refuses_while_the_clients_own_data_sit_beside_it(workspace, load):
    load(workspace)
    with workspace_scope(workspace):
        sample_campaign = Campaign.objects.order_by("id").first()
    LeadFactory(workspace=workspace, external_id="client-lead", source_campaign=sample_campaign)
    total = rows(workspace, Lead)
    with pytest.raises(SampleDataRefused, match="leads"):
        sample_data_remove(workspace=workspace)
    assert rows(workspace, Lead) == total and rows(workspace, Campaign) == 12  # nothing was removed
    assert start_of(workspace).sample_status == SampleStatus.LOADED


def test_a_sample_row_the_client_changed_is_still_sample(workspace, load, django_capture_on_commit_callbacks):
    load(workspace)
    with workspace_scope(workspace):
        Campaign.objects.filter(pk=Campaign.objects.order_by("id").first().pk).update(name="Renamed by the client")
    with django_capture_on_commit_callbacks(execute=True):
        sample_data_remove(workspace=workspace)
    assert rows(workspace, Campaign) == 0


def test_remove_without_sample_data_is_refused(workspace):
    CampaignFactory(workspace=workspace)
    with pytest.raises(SampleDataRefused, match="no sample data"):
        sample_data_remove(workspace=workspace)
    assert rows(workspace, Campaign) == 1
