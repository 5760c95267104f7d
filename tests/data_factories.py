"""Factories of the marketing data (campaigns app), filling local dates as ingestion does.

Every factory takes `workspace=`; the `*_on` columns are the timestamps'
local dates in that workspace's time zone (campaigns.dates.local_date).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import factory

from campaigns.dates import local_date
from campaigns.models import (
    Account,
    Campaign,
    Channel,
    Deal,
    DealStatus,
    EmailStat,
    Lead,
    SeoStat,
    SocialStat,
    SpendEntry,
    Touchpoint,
    WebStat,
)
from tests.factories import WorkspaceOwnedFactory

T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def _local(stamp_field: str):
    return factory.LazyAttribute(lambda o: local_date(getattr(o, stamp_field), o.workspace.tz))


class CampaignFactory(WorkspaceOwnedFactory):
    class Meta:
        model = Campaign

    external_id = factory.Sequence(lambda n: f"cmp-{n}")
    name = factory.LazyAttribute(lambda o: f"Campaign {o.external_id}")
    channel = Channel.EMAIL


class SpendEntryFactory(WorkspaceOwnedFactory):
    class Meta:
        model = SpendEntry

    campaign = factory.SubFactory(CampaignFactory, workspace=factory.SelfAttribute("..workspace"))
    date = date(2026, 1, 5)
    cost = Decimal("100.00")
    impressions = 1000
    clicks = 10


class EmailStatFactory(WorkspaceOwnedFactory):
    class Meta:
        model = EmailStat

    campaign = factory.SubFactory(CampaignFactory, workspace=factory.SelfAttribute("..workspace"))
    date = date(2026, 1, 5)
    sent = 100


class WebStatFactory(WorkspaceOwnedFactory):
    class Meta:
        model = WebStat

    campaign = None
    date = date(2026, 1, 5)
    sessions = 10


class SocialStatFactory(WorkspaceOwnedFactory):
    class Meta:
        model = SocialStat

    campaign = factory.SubFactory(CampaignFactory, workspace=factory.SelfAttribute("..workspace"))
    date = date(2026, 1, 5)
    engagements = 5


class SeoStatFactory(WorkspaceOwnedFactory):
    class Meta:
        model = SeoStat

    date = date(2026, 1, 5)
    backlinks = 100
    referring_domains = 10


class AccountFactory(WorkspaceOwnedFactory):
    class Meta:
        model = Account

    external_id = factory.Sequence(lambda n: f"acc-{n}")
    name = factory.LazyAttribute(lambda o: f"Company {o.external_id}")
    is_target = False


class LeadFactory(WorkspaceOwnedFactory):
    class Meta:
        model = Lead

    external_id = factory.Sequence(lambda n: f"lead-{n}")
    email = factory.LazyAttribute(lambda o: f"{o.external_id}@example.com")
    account = None
    source_campaign = None
    created_at = T0
    mql_at = None
    sql_at = None
    sqo_at = None
    created_on = _local("created_at")
    mql_on = _local("mql_at")
    sql_on = _local("sql_at")
    sqo_on = _local("sqo_at")


class DealFactory(WorkspaceOwnedFactory):
    class Meta:
        model = Deal

    external_id = factory.Sequence(lambda n: f"deal-{n:05d}")
    account = factory.SubFactory(AccountFactory, workspace=factory.SelfAttribute("..workspace"))
    lead = None
    source_campaign = None
    amount = Decimal("1000.00")
    mrr = Decimal("0.00")
    status = DealStatus.OPEN
    created_at = T0
    closed_at = None
    churned_at = None
    created_on = _local("created_at")
    closed_on = _local("closed_at")
    churned_on = _local("churned_at")


class TouchpointFactory(WorkspaceOwnedFactory):
    class Meta:
        model = Touchpoint

    external_id = None
    kind = "page_view"
    occurred_at = T0
    occurred_on = _local("occurred_at")
    campaign = None
    lead = None
    account = None
    visitor_id = ""
    session_id = ""
    url = ""
