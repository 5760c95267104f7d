"""The one place ingestion tells the KPI engine what changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from campaigns.models import DataChange

_listeners: list = []


def on_data_change(listener) -> None:
    """Register `listener(workspace_id)`, called after commit of every recorded change (errors logged)."""
    _listeners.append(listener)


def record_change(*, workspace: Workspace, days: Iterable[date | None]) -> None:
    """Record that data on these local dates changed; a None among them means every date."""
    days = list(days)
    if not days:
        return
    with workspace_scope(workspace):
        if any(d is None for d in days):
            DataChange.objects.create(first_day=None, last_day=None)
        else:
            DataChange.objects.create(first_day=min(days), last_day=max(days))
    workspace_id = workspace.pk
    for listener in _listeners:
        # Robust: a listener failing after commit (e.g. the in-process recompute finding SQLite busy) is
        # logged, not raised into the request whose data is committed; its DataChange row stays for the next run.
        transaction.on_commit(lambda listener=listener: listener(workspace_id), robust=True)
