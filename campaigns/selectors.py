"""Reads of marketing data, always inside the current workspace (the scoped managers see to it)."""

from __future__ import annotations

from datetime import date

from django.db.models import Model, QuerySet

from campaigns.models import Account, Campaign, Deal, Lead, SpendEntry, Touchpoint


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.all()


def spend_list() -> QuerySet[SpendEntry]:
    return SpendEntry.objects.select_related("campaign")


def account_list() -> QuerySet[Account]:
    return Account.objects.all()


def lead_list() -> QuerySet[Lead]:
    return Lead.objects.select_related("account", "source_campaign")


def deal_list() -> QuerySet[Deal]:
    return Deal.objects.select_related("account", "lead", "source_campaign")


def touchpoint_list() -> QuerySet[Touchpoint]:
    return Touchpoint.objects.select_related("campaign", "lead", "account")


LISTS = {
    "campaigns": campaign_list,
    "spend": spend_list,
    "accounts": account_list,
    "leads": lead_list,
    "deals": deal_list,
    "touchpoints": touchpoint_list,
}


def _usable(external_id: str) -> bool:
    # PostgreSQL text cannot hold NUL; such an id cannot exist, so it is simply not found.
    return bool(external_id) and "\x00" not in external_id


def object_by_external_id(*, resource: str, external_id: str) -> Model | None:
    """One object of the current workspace by its external_id; another workspace's is None, like a missing one."""
    if not _usable(external_id):
        return None
    return LISTS[resource]().filter(external_id=external_id).first()


def spend_entry_get(*, campaign_external_id: str, on: date) -> SpendEntry | None:
    if not _usable(campaign_external_id):
        return None
    return spend_list().filter(campaign__external_id=campaign_external_id, date=on).first()
