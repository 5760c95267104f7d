"""The rows behind the figures, as the pages list them: drill-down lists and campaign lookups.

Reads only (the KPI figures themselves are `kpis.selectors`'). Each list is narrowed like the KPI it
explains: by the row's own campaign link, to a campaign or to every campaign of a channel. The views
page and export these querysets; they hold no query of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from django.db.models import Count, Max, Min, Q, QuerySet, Sum

from accounts.models import Workspace
from campaigns.models import Campaign, Deal, Lead, SpendEntry, Touchpoint
from campaigns.resources import RESOURCES
from kpis.abm import end_of_day
from kpis.models import AccountFacts, WorkspaceDay
from kpis.periods import Period
from kpis.reads import Scope

LEAD_STAGE_DAYS = {"created": "created_on", "mql": "mql_on", "sql": "sql_on", "sqo": "sqo_on"}


def _narrowed(field: str, campaign: Campaign | None, channel: str | None) -> Q:
    """Rows whose campaign link `field` is in scope: the KPI reads' own narrowing (`Scope`)."""
    return Scope(campaign_id=campaign.pk if campaign is not None else None, channel=channel or None).q(f"{field}_id")


def leads_reaching(
    *, stage: str, period: Period, campaign: Campaign | None = None, channel: str | None = None
) -> QuerySet[Lead]:
    """Leads created (or that became MQL, SQL, SQO) in the period, latest first."""
    day = LEAD_STAGE_DAYS[stage]
    return (
        Lead.objects.filter(
            _narrowed("source_campaign", campaign, channel), **{f"{day}__range": (period.first, period.last)}
        )
        .select_related("account", "source_campaign")
        .order_by(f"-{day}", "external_id")
    )


def deals_by_status(
    *, workspace: Workspace, status: str, period: Period, campaign: Campaign | None = None, channel: str | None = None
) -> QuerySet[Deal]:
    """Deals created, won or lost in the period, or open at its end."""
    deals = Deal.objects.filter(_narrowed("source_campaign", campaign, channel))
    if status == "created":
        deals = deals.filter(created_on__range=(period.first, period.last))
    elif status in ("won", "lost"):
        deals = deals.filter(status=status, closed_on__range=(period.first, period.last))
    else:
        end = end_of_day(workspace, period.last)
        deals = deals.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end), created_at__lt=end)
    return deals.select_related("account", "source_campaign").order_by("-created_at", "external_id")


def spend_entries_in(
    *, period: Period, campaign: Campaign | None = None, channel: str | None = None
) -> QuerySet[SpendEntry]:
    return (
        SpendEntry.objects.filter(_narrowed("campaign", campaign, channel), date__range=(period.first, period.last))
        .select_related("campaign")
        .order_by("-date", "campaign__name")
    )


def touchpoints_of_kind(
    *, kind: str, period: Period, campaign: Campaign | None = None, channel: str | None = None
) -> QuerySet[Touchpoint]:
    return (
        Touchpoint.objects.filter(
            _narrowed("campaign", campaign, channel), kind=kind, occurred_on__range=(period.first, period.last)
        )
        .select_related("campaign", "lead", "account")
        .order_by("-occurred_at", "id")
    )


def new_customers_in(
    *, period: Period, campaign: Campaign | None = None, channel: str | None = None
) -> QuerySet[AccountFacts]:
    """Accounts whose first won deal closed in the period (narrowed by that deal's campaign)."""
    return (
        AccountFacts.objects.filter(
            _narrowed("first_won_campaign", campaign, channel), first_won_on__range=(period.first, period.last)
        )
        .select_related("account", "first_won_deal", "first_won_campaign")
        .order_by("-first_won_at", "account__external_id")
    )


def campaign_by_external_id(*, external_id: str) -> Campaign | None:
    return Campaign.objects.filter(external_id=external_id).first()


def campaigns_by_name(*, channel: str | None = None) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.order_by("name")
    return campaigns.filter(channel=channel) if channel else campaigns


def campaign_names(*, external_ids=None) -> dict[str, str]:
    """external_id → name of the workspace's campaigns (of `external_ids` only, when given)."""
    campaigns = (
        Campaign.objects.all() if external_ids is None else Campaign.objects.filter(external_id__in=external_ids)
    )
    return dict(campaigns.values_list("external_id", "name"))


def campaigns_by_external_id() -> dict[str, Campaign]:
    """Every campaign of the workspace by external_id (its name and channel loaded)."""
    return {c.external_id: c for c in Campaign.objects.only("external_id", "name", "channel")}


def campaign_choices() -> list[tuple[str, str, str]]:
    """(external_id, name, channel) of every campaign, by name: the range picker's campaign list."""
    return list(Campaign.objects.order_by("name").values_list("external_id", "name", "channel"))


def channels_in_use() -> list[str]:
    return sorted(set(Campaign.objects.values_list("channel", flat=True)))


def campaign_spend(*, campaign: Campaign) -> QuerySet[SpendEntry]:
    return SpendEntry.objects.filter(campaign=campaign).order_by("-date")


def campaign_leads(*, campaign: Campaign) -> QuerySet[Lead]:
    return (
        Lead.objects.filter(source_campaign=campaign).select_related("account").order_by("-created_at", "external_id")
    )


def campaign_deals(*, campaign: Campaign) -> QuerySet[Deal]:
    return (
        Deal.objects.filter(source_campaign=campaign).select_related("account").order_by("-created_at", "external_id")
    )


class ActivitySpan(NamedTuple):
    """The first and last days with activity (None: none computed yet), the period's days with activity,
    and the all-time totals of some daily components (a zero: that kind of data was never seen)."""

    first: date | None
    last: date | None
    days_in_period: int
    totals: dict[str, object]


def activity_span(*, period: Period, components: Iterable[str] = ()) -> ActivitySpan:
    """One aggregate over the workspace's daily rollup (one row per day with activity)."""
    found = WorkspaceDay.objects.aggregate(
        first=Min("day"),
        last=Max("day"),
        in_period=Count("id", filter=Q(day__range=(period.first, period.last))),
        **{f"total_{name}": Sum(name) for name in components},
    )
    totals = {name: found[f"total_{name}"] for name in components}
    return ActivitySpan(found["first"], found["last"], found["in_period"], totals)


def workspace_has_data() -> bool:
    """Whether the workspace in scope holds any record of any kind yet (the dashboard explains an empty one)."""
    return any(resource.write.model.objects.exists() for resource in RESOURCES.values())
