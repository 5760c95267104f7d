"""The demo's data health: a CRM sync that sends every day and an ad connector gone quiet."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from health.status import stale_streams, workspace_health
from sampledata.intake import seed_demo_intake
from tests.data_factories import CampaignFactory, LeadFactory, SpendEntryFactory

NOW = datetime(2026, 6, 20, 12, tzinfo=UTC)
TODAY = date(2026, 6, 20)


@pytest.mark.django_db
def test_the_demo_counts_its_generated_rows_and_its_quiet_connector_is_stale(workspace):
    campaign = CampaignFactory(workspace=workspace)
    for back in range(14):  # two leads and one spend row a day, the last 14 days, today included
        day = TODAY - timedelta(days=back)
        moment = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        LeadFactory(workspace=workspace, created_at=moment)
        LeadFactory(workspace=workspace, created_at=moment)
        SpendEntryFactory(workspace=workspace, campaign=campaign, date=day)
    with time_machine.travel(NOW, tick=False):
        seed_demo_intake(workspace=workspace, ads_silent_days=4)
        health = workspace_health(workspace)
        stale = stale_streams([workspace])
    by_resource = {stream.resource: stream for stream in health.resources}
    assert by_resource["leads"].received_today == 2 and by_resource["leads"].usual == 2
    # Spend sent on 7–16 June (10 days: a regular source), then nothing: 4 days silent > max(2, 3 × 1 day).
    assert [s.resource for s in stale] == ["spend"] and stale[0].days_silent == 4
    assert "Ad platform connector (demo)" in stale[0].source_name
