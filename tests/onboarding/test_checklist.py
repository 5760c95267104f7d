"""Each checklist step ticks itself from the workspace's own data, and only from it."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from accounts.models import Invitation
from accounts.services import api_key_create, api_key_revoke
from accounts.tenancy import workspace_scope
from campaigns.models import ImportJob
from kpis.targets import target_set
from onboarding.checklist import checklist_dismiss, checklist_for
from reports.models import Schedule
from tests.data_factories import CampaignFactory
from tests.factories import WorkspaceMembershipFactory
from tracking.sites import SiteSettings, site_key_create, site_key_revoke

pytestmark = pytest.mark.django_db


def done(workspace) -> dict[str, bool]:
    with workspace_scope(workspace):
        return {step.key: step.done for step in checklist_for(workspace).steps}


def test_a_new_workspace_has_nothing_done(workspace):
    assert done(workspace) == {
        "import": False,
        "api_key": False,
        "target": False,
        "invite": False,
        "tracking": False,
        "report": False,
    }
    with workspace_scope(workspace):
        checklist = checklist_for(workspace)
    assert checklist.open and not checklist.has_data and checklist.done_count == 0


def test_a_finished_import_ticks_the_first_step(workspace):
    with workspace_scope(workspace):
        ImportJob.objects.create(resource="campaigns", filename="a.csv", status=ImportJob.Status.FAILED)
    assert not done(workspace)["import"]  # a failed import brought nothing in
    with workspace_scope(workspace):
        ImportJob.objects.create(resource="campaigns", filename="b.csv", status=ImportJob.Status.DONE)
    assert done(workspace)["import"]


def test_data_pushed_over_the_api_ticks_the_first_step(workspace):
    CampaignFactory(workspace=workspace)
    assert done(workspace)["import"]


def test_an_active_api_key_ticks_its_step(workspace):
    key, _raw = api_key_create(workspace=workspace, name="crm")
    assert done(workspace)["api_key"]
    api_key_revoke(key=key)
    assert not done(workspace)["api_key"]


def test_a_target_ticks_its_step(workspace):
    target_set(workspace=workspace, kpi="leads", period_kind="month", starts_on=date(2026, 12, 1), value=Decimal(50))
    assert done(workspace)["target"]


def test_a_client_member_or_an_invitation_ticks_the_invite_step(workspace, other_workspace):
    # An invitation to the agency's staff, or to another workspace, is not this client's.
    Invitation.objects.create(
        agency=workspace.agency, email="staff@a.example", role="member", expires_at="2099-01-01T00:00:00Z"
    )
    WorkspaceMembershipFactory(workspace=other_workspace, role="viewer")
    assert not done(workspace)["invite"]
    invitation = Invitation.objects.create(
        agency=workspace.agency,
        workspace=workspace,
        email="c@a.example",
        role="viewer",
        expires_at="2099-01-01T00:00:00Z",
    )
    assert done(workspace)["invite"]
    invitation.revoked_at = invitation.expires_at
    invitation.save()
    assert not done(workspace)["invite"]
    WorkspaceMembershipFactory(workspace=workspace, role="editor")
    assert done(workspace)["invite"]


def test_another_workspaces_data_ticks_nothing(workspace, other_workspace):
    CampaignFactory(workspace=other_workspace)
    api_key_create(workspace=other_workspace, name="theirs")
    target_set(workspace=other_workspace, kpi="leads", period_kind="month", starts_on=date(2026, 12, 1), value=1)
    assert not any(done(workspace).values())


def test_all_done_or_hidden_closes_it(workspace):
    checklist_dismiss(workspace=workspace, dismissed=True)
    with workspace_scope(workspace):
        assert not checklist_for(workspace).open
    checklist_dismiss(workspace=workspace, dismissed=False)
    CampaignFactory(workspace=workspace)
    api_key_create(workspace=workspace, name="k")
    target_set(workspace=workspace, kpi="leads", period_kind="month", starts_on=date(2026, 12, 1), value=1)
    WorkspaceMembershipFactory(workspace=workspace, role="viewer")
    add_site_key(workspace)
    with workspace_scope(workspace):
        Schedule.objects.create(name="Weekly", send_time=time(9))
        checklist = checklist_for(workspace)
    assert checklist.complete and not checklist.open and checklist.done_count == 6


def test_the_checklist_is_one_query(workspace, django_assert_num_queries):
    with workspace_scope(workspace), django_assert_num_queries(1):
        checklist_for(workspace)


def add_site_key(workspace):
    settings = SiteSettings(
        name="Site", allowed_origins=["https://www.a.example"], honour_dnt=False, capture_forms=False,
        campaign_parameter="utm_campaign",
    )  # fmt: skip
    with workspace_scope(workspace):
        return site_key_create(workspace=workspace, settings=settings)


def test_an_active_site_key_ticks_the_tracking_step_and_a_revoked_one_does_not(workspace, other_workspace):
    add_site_key(other_workspace)
    assert not done(workspace)["tracking"]
    site_key = add_site_key(workspace)
    assert done(workspace)["tracking"]
    with workspace_scope(workspace):
        site_key_revoke(site_key=site_key)
    assert not done(workspace)["tracking"]


def test_a_schedule_ticks_the_report_step(workspace, other_workspace):
    with workspace_scope(other_workspace):
        Schedule.objects.create(name="Theirs", send_time=time(9))
    assert not done(workspace)["report"]
    with workspace_scope(workspace):
        Schedule.objects.create(name="Monthly", send_time=time(8))
    assert done(workspace)["report"]
