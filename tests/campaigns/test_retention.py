"""Retention (issue 23 point 4): touchpoints past a workspace's setting, idempotency keys, import drafts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from accounts.tenancy import workspace_scope
from campaigns import retention
from campaigns.models import DataChange, IdempotentRequest, ImportJob, Touchpoint
from kpis.selectors import kpis_for_period
from kpis.services import recompute_pending_changes, workspace_kpis_rebuild
from tests.data_factories import CampaignFactory, SpendEntryFactory, TouchpointFactory

TODAY = date(2026, 11, 1)
OLD_DAY = date(2026, 9, 15)  # before the cutoff of a 30-day setting (2 Oct 2026)
KEPT_DAY = date(2026, 10, 20)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def history(workspace):
    """Two page views and £100 of spend on OLD_DAY, one page view and £50 on KEPT_DAY (UTC workspace)."""
    campaign = CampaignFactory(workspace=workspace, external_id="c-1")
    for day, views, cost in ((OLD_DAY, 2, "100.00"), (KEPT_DAY, 1, "50.00")):
        SpendEntryFactory(workspace=workspace, campaign=campaign, date=day, cost=Decimal(cost))
        for _ in range(views):
            TouchpointFactory(workspace=workspace, kind="page_view", occurred_at=at(day), campaign=campaign)
    workspace_kpis_rebuild(workspace.pk)
    return workspace


def kpis(workspace, first: date, last: date) -> tuple[int, Decimal]:
    values = kpis_for_period(workspace=workspace, first_day=first, last_day=last, metrics=["page_views", "spend"])
    return values["page_views"], values["spend"]


def touchpoint_days(workspace) -> list[date]:
    with workspace_scope(workspace):
        return sorted(Touchpoint.objects.values_list("occurred_on", flat=True))


def test_no_setting_keeps_every_touchpoint(history):
    assert retention.touchpoints_purge(workspace=history, today=TODAY) == 0
    assert touchpoint_days(history) == [OLD_DAY, OLD_DAY, KEPT_DAY]


def test_the_purge_deletes_older_touchpoints_and_the_kpis_follow(history):
    assert kpis(history, OLD_DAY, KEPT_DAY) == (3, Decimal("150.00"))
    history.touchpoint_retention_days = 30
    history.save()
    assert retention.touchpoints_purge(workspace=history, today=TODAY, batch=1) == 2  # one batch per row
    assert touchpoint_days(history) == [KEPT_DAY]
    with workspace_scope(history):
        changes = set(DataChange.objects.values_list("first_day", "last_day"))
    assert changes == {(OLD_DAY, OLD_DAY)}  # the purged days, marked for the rollups' rebuild
    recompute_pending_changes(workspace_id=history.pk)
    # The purged day's touchpoint KPIs are zero; its spend (not a touchpoint) is untouched.
    assert kpis(history, OLD_DAY, OLD_DAY) == (0, Decimal("100.00"))
    assert kpis(history, OLD_DAY, KEPT_DAY) == (1, Decimal("150.00"))
    assert kpis(history, KEPT_DAY, KEPT_DAY) == (1, Decimal("50.00"))


def test_the_cutoff_day_itself_is_kept(workspace):
    workspace.touchpoint_retention_days = 30
    cutoff = retention.touchpoint_cutoff(workspace, TODAY)
    assert cutoff == date(2026, 10, 2)
    TouchpointFactory(workspace=workspace, occurred_at=at(cutoff, 0))
    TouchpointFactory(workspace=workspace, occurred_at=at(cutoff - timedelta(days=1), 23))
    workspace.save()
    assert retention.touchpoints_purge(workspace=workspace, today=TODAY) == 1
    assert touchpoint_days(workspace) == [cutoff]


def test_the_nightly_run_purges_only_workspaces_with_a_setting(workspace, other_workspace):
    TouchpointFactory(workspace=workspace, occurred_at=at(OLD_DAY))
    TouchpointFactory(workspace=other_workspace, occurred_at=at(OLD_DAY))
    workspace.touchpoint_retention_days = 30
    workspace.save()
    with time_machine.travel(at(TODAY), tick=False):
        result = retention.purge_all()
    assert result["touchpoints"] == 1
    assert touchpoint_days(workspace) == [] and touchpoint_days(other_workspace) == [OLD_DAY]


def test_idempotency_keys_and_import_drafts_go_on_schedule(workspace, settings):
    settings.DRAFT_IMPORT_RETENTION_DAYS = 7
    now = at(TODAY)
    with workspace_scope(workspace):
        with time_machine.travel(now - timedelta(hours=25), tick=False):
            IdempotentRequest.objects.create(key="old", request_hash="h")
            old_draft = ImportJob.objects.create(resource="campaigns", content="a,b\n1,2\n")
            ImportJob.objects.create(resource="campaigns", status=ImportJob.Status.DONE)
        with time_machine.travel(now - timedelta(days=8), tick=False):
            stale_draft = ImportJob.objects.create(resource="campaigns", content="a,b\n1,2\n")
        with time_machine.travel(now - timedelta(hours=1), tick=False):
            IdempotentRequest.objects.create(key="new", request_hash="h")
    with time_machine.travel(now, tick=False):
        result = retention.purge_all()
    assert (result["idempotency_keys"], result["draft_imports"]) == (1, 1)
    with workspace_scope(workspace):
        assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
        remaining = set(ImportJob.objects.values_list("pk", flat=True))
    assert old_draft.pk in remaining and stale_draft.pk not in remaining and len(remaining) == 2


def test_the_setting_is_on_the_settings_page_with_its_limits(workspace, member_client):
    from tests.accounts.test_audit import settings_data

    url = f"/w/{workspace.slug}/settings/"
    assert "Keep touchpoints for (days)" in member_client.get(url).content.decode()
    refused = member_client.post(url, settings_data(workspace, touchpoint_retention_days="5"))
    assert refused.status_code == 200 and "greater than or equal to 30" in refused.content.decode()
    assert member_client.post(url, settings_data(workspace, touchpoint_retention_days="365")).status_code == 302
    workspace.refresh_from_db()
    assert workspace.touchpoint_retention_days == 365
