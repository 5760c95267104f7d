from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kpis.services import recompute_rollups
from sharing.services import share_link_create
from tests.data_factories import CampaignFactory, LeadFactory, SpendEntryFactory

SPEND_DAY = date(2026, 11, 20)  # inside the last 30 days of tests.clock.SEEDED_NOW (2 Dec 2026)


@pytest.fixture
def figures(workspace, other_workspace):
    """A's campaign with 1,234.00 of spend and a lead; B's with 9,876.00: numbers that cannot be mistaken."""
    a_campaign = CampaignFactory(workspace=workspace, external_id="spring", name="Spring launch")
    SpendEntryFactory(workspace=workspace, campaign=a_campaign, date=SPEND_DAY, cost=Decimal("1234.00"))
    LeadFactory(workspace=workspace, email="jane.doe@client.example", source_campaign=a_campaign)
    b_campaign = CampaignFactory(workspace=other_workspace, external_id="globex-secret", name="Globex secret plan")
    SpendEntryFactory(workspace=other_workspace, campaign=b_campaign, date=SPEND_DAY, cost=Decimal("9876.00"))
    recompute_rollups(workspace_id=workspace.pk)
    recompute_rollups(workspace_id=other_workspace.pk)
    return {"a_campaign": a_campaign, "b_campaign": b_campaign}


@pytest.fixture
def make_link(workspace):
    def make(**kwargs):
        options = {"workspace": workspace, "name": "Board", "target": "dashboard", "range_kind": "last_30"}
        options.update(kwargs)
        return share_link_create(**options)

    return make
