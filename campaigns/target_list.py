"""The ABM target list: accounts flagged `is_target`, changed in bulk from the account list."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from campaigns import services
from campaigns.models import Account
from campaigns.validation import MAX_BATCH


def account_target_set(*, workspace: Workspace, account_ids: Iterable[int], is_target: bool) -> int:
    """Put these accounts on (or take them off) the target list; returns how many changed.

    Ids of other workspaces are simply not found. The change goes through the
    accounts upsert service, as the API's would, so it records its DataChange
    (every date: the ABM KPIs depend on the list at every date) in the same
    transaction.
    """
    ids = list(set(account_ids))
    changed = 0
    with workspace_scope(workspace), transaction.atomic():
        accounts = list(
            Account.objects.select_for_update().filter(pk__in=ids).exclude(is_target=is_target).order_by("pk")
        )
        for start in range(0, len(accounts), MAX_BATCH):
            items = [
                {**services.object_as_input(resource=services.ACCOUNTS, instance=account), "is_target": is_target}
                for account in accounts[start : start + MAX_BATCH]
            ]
            changed += services.account_upsert_batch(workspace=workspace, items=items).updated
    return changed
