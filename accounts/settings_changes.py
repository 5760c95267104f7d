"""The one place a workspace's settings change is announced to the apps above `accounts`.

`accounts` is the bottom app: it must not import the KPI engine that reacts to a new time zone or
engagement window. The engine registers a listener instead (`kpis.apps`), as it does for data
changes (`campaigns.changes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

from accounts import audit
from accounts.models import AuditAction, Workspace

# Settings that change how figures are shown, never the figures themselves.
# (The retention period changes nothing until the purge runs, which records its own data change.)
PRESENTATION_ONLY = frozenset({"name", "currency", "number_locale", "touchpoint_retention_days"})

_listeners: list[Callable[[int], None]] = []


def on_workspace_settings_change(listener: Callable[[int], None]) -> None:
    """Register `listener(workspace_id)`, called after commit when a setting that changes figures is saved."""
    _listeners.append(listener)


def workspace_settings_changed(*, workspace: Workspace, fields: Iterable[str]) -> None:
    """Announce that `fields` of `workspace` were saved (inside the saving transaction)."""
    if not set(fields) - PRESENTATION_ONLY:
        return
    workspace_id = workspace.pk
    for listener in _listeners:
        transaction.on_commit(lambda listener=listener: listener(workspace_id))


# The settings the audit log follows (the workspace settings page's), and how they are recorded.
AUDITED_SETTINGS = (
    "name",
    "currency",
    "time_zone",
    "number_locale",
    "touchpoint_retention_days",
    "gross_margin",
    "engagement_weights",
    "engagement_window_days",
    "half_life_days",
    "mqa_threshold",
)
# Not KPI settings, though they are no presentation either: recorded as workspace settings.
NOT_KPI_SETTINGS = PRESENTATION_ONLY | {"time_zone"}


def settings_snapshot(workspace: Workspace) -> dict[str, Any]:
    return {name: getattr(workspace, name) for name in AUDITED_SETTINGS}


def record_settings_change(*, workspace: Workspace, before: dict[str, Any]) -> None:
    """Audit what changed since `before` (a snapshot): one entry for KPI settings, one for the rest."""
    after = settings_snapshot(workspace)
    changed = {name: [before[name], after[name]] for name in AUDITED_SETTINGS if before[name] != after[name]}
    general = {name: values for name, values in changed.items() if name in NOT_KPI_SETTINGS}
    kpi = {name: values for name, values in changed.items() if name not in NOT_KPI_SETTINGS}
    for action, changes in ((AuditAction.SETTINGS_CHANGED, general), (AuditAction.KPI_SETTINGS_CHANGED, kpi)):
        if changes:
            audit.record(action, workspace=workspace, target=workspace, changes=changes)
