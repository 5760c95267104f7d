"""The rules' shared reads give the dashboard's values (kpis_for_period) for every window and scope."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.tenancy import workspace_scope
from alerts.reads import components_only, values_for
from campaigns.models import Campaign
from kpis.periods import Period
from kpis.reads import Scope
from kpis.selectors import kpis_for_period
from kpis.services import recompute_rollups
from tests.clock import SEEDED_NOW

KPIS = ["spend", "leads", "cpl", "clicks", "new_visitors", "won_revenue", "mqls"]


@pytest.fixture
def seeded(workspace):
    from sampledata.seeding import seed_workspace

    seed_workspace(workspace=workspace, scale="tiny", seed=3, until=SEEDED_NOW)
    recompute_rollups(workspace_id=workspace.pk)
    return workspace


def test_values_equal_the_dashboards(seeded):
    today = SEEDED_NOW.date()
    periods = [
        Period(today, today),
        Period(date(2026, 11, 26), today),
        Period(date(2026, 11, 3), today),
        Period(date(2026, 10, 4), date(2026, 11, 2)),
        Period(date(2026, 12, 1), today),
    ]
    with workspace_scope(seeded):
        campaign = Campaign.objects.order_by("id").first()
    assert components_only("spend") and components_only("cpl") and not components_only("new_visitors")
    for scope, kwargs in (
        (Scope(), {}),
        (Scope(campaign_id=campaign.pk), {"campaign": campaign}),
        (Scope(channel=campaign.channel), {"channel": campaign.channel}),
    ):
        got = values_for(seeded, scope, {period: set(KPIS) for period in periods})
        for period in periods:
            expected = kpis_for_period(
                workspace=seeded, first_day=period.first, last_day=period.last, metrics=KPIS, **kwargs
            )
            assert got[period] == dict(expected), (scope, period)
    # Not vacuous: the last 30 days have spend and leads.
    assert got[periods[2]]["spend"] and got[periods[2]]["leads"]
